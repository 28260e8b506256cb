//! `app::store::CharityStore`: organisations, resources, needs and matches.
//!
//! Every transaction that changes units locks rows in one order — the need, then its matches,
//! then the resource — by writing to them first, so concurrent commitments queue (SQLite's
//! write lock, PostgreSQL's row locks) and cannot deadlock; each reservation is a conditional
//! `UPDATE … WHERE remaining >= units`, so nothing is ever overdrawn.

use super::dialect::{query, within, Tx};
use super::households::insert_aid;
use super::sealed::{CHARITY_CONTACT_NAME, CHARITY_CONTACT_PHONE};
use super::{db_err, is_unique_violation, SqlStore};
use app::domain::chain::{Department, NewAid};
use app::domain::charity::{CharityStatus, FitKey, MatchState, Need, NeedState, Resource};
use app::domain::region::RegionCode;
use app::store::{
    CharityRecord, CharityStore, DbError, MatchQuery, MatchRecord, Millis, NeedRecord, NewCharity,
    NewMatch, NewNeed, NewResource, ResourceRecord,
};

mod rows;
use rows::{
    charity_from_row, code_or_empty, codes_json, match_from_row, need_from_row, region_json,
    resource_from_row, township_text, CHARITY_COLUMNS, MATCH_FROM, NEED_FROM, RESOURCE_FROM,
};

/// Locks a need's row for the transaction (the first lock every change takes).
pub(super) async fn claim_need(conn: &mut Tx<'_>, need_id: &str) -> Result<(), DbError> {
    let n = query("UPDATE charity_needs SET committed = committed WHERE id = $1")
        .bind(need_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Gives `units` of a match back to its need and resource.
pub(super) async fn release(
    conn: &mut Tx<'_>,
    need_id: &str,
    resource_id: &str,
    units: i64,
    now: Millis,
) -> Result<(), DbError> {
    query("UPDATE charity_needs SET committed = committed - $1 WHERE id = $2")
        .bind(units)
        .bind(need_id)
        .execute(&mut *conn)
        .await?;
    query("UPDATE charity_resources SET remaining = remaining + $1, updated_at = $2 WHERE id = $3")
        .bind(units)
        .bind(now)
        .bind(resource_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl CharityStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn register_charity(&self, c: NewCharity) -> Result<String, DbError> {
        let mut tx = self.db.begin().await?;
        let user_id = uuid::Uuid::new_v4().to_string();
        let r = query(
            "INSERT INTO users (id, role, login, display_name, password_hash, region_code, \
                created_at, department) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&user_id)
        .bind(c.user.role.code())
        .bind(&c.user.login)
        .bind(&c.user.display_name)
        .bind(&c.user.password_hash)
        .bind(c.user.region_code.as_ref())
        .bind(c.user.now)
        .bind(c.user.department.map(Department::code))
        .execute_raw(&mut tx)
        .await;
        match r {
            Err(e) if is_unique_violation(&e) => return Err(DbError::Conflict("phone_taken")),
            r => r.map_err(db_err)?,
        };
        let r = query(
            "INSERT INTO charities (id, user_id, name, credit_code, contact_name, contact_phone, \
                regions, kinds, created_at, org_kind) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&c.id)
        .bind(&user_id)
        .bind(&c.name)
        .bind(&c.credit_code)
        .bind(self.seal(CHARITY_CONTACT_NAME, &c.contact_name))
        .bind(self.seal(CHARITY_CONTACT_PHONE, &c.contact_phone))
        .bind(region_json(&c.regions))
        .bind(codes_json(&c.kinds))
        .bind(c.user.now)
        .bind(c.org_kind.code())
        .execute_raw(&mut tx)
        .await;
        match r {
            Err(e) if is_unique_violation(&e) => {
                return Err(DbError::Conflict("credit_code_taken"))
            }
            r => r.map_err(db_err)?,
        };
        tx.commit().await?;
        Ok(user_id)
    }

    #[tracing::instrument(skip_all)]
    async fn charity_of_user(&self, user_id: &str) -> Result<Option<CharityRecord>, DbError> {
        let r = query(&format!(
            "SELECT {CHARITY_COLUMNS} FROM charities WHERE user_id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&self.db)
        .await?;
        r.as_ref()
            .map(|r| charity_from_row(r, &self.cipher))
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn charity(&self, id: &str) -> Result<Option<CharityRecord>, DbError> {
        let r = query(&format!(
            "SELECT {CHARITY_COLUMNS} FROM charities WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        r.as_ref()
            .map(|r| charity_from_row(r, &self.cipher))
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn charities(&self) -> Result<Vec<CharityRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {CHARITY_COLUMNS} FROM charities ORDER BY CASE status WHEN 'pending' THEN 0 \
                ELSE 1 END, created_at DESC LIMIT 500"
        ))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| charity_from_row(r, &self.cipher))
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn decide_charity(
        &self,
        id: &str,
        to: CharityStatus,
        note: &str,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        // Revoked is stored as `rejected` with `revoked_at` (migration 0018): every query for
        // `verified` charities leaves it out.
        let (from, stored, revoked_at) = match to {
            CharityStatus::Verified | CharityStatus::Rejected => (CharityStatus::Pending, to, None),
            CharityStatus::Revoked => (CharityStatus::Verified, CharityStatus::Rejected, Some(now)),
            CharityStatus::Pending => return Err(DbError::Conflict("charity_state")),
        };
        let n = query(
            "UPDATE charities SET status = $1, status_note = $2, decided_by = $3, decided_at = $4, \
                revoked_at = $7 \
                WHERE id = $5 AND status = $6",
        )
        .bind(stored.code())
        .bind(note)
        .bind(actor_id)
        .bind(now)
        .bind(id)
        .bind(from.code())
        .bind(revoked_at)
        .execute(&self.db)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(if self.charity(id).await?.is_some() {
                DbError::Conflict("charity_state")
            } else {
                DbError::NotFound
            });
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn add_resource(&self, r: NewResource) -> Result<(), DbError> {
        query(
            "INSERT INTO charity_resources (id, charity_id, form, title, unit, total, remaining, \
                per_household_cap, need_kinds, \
               categories, regions, valid_from, valid_until, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(&r.id)
        .bind(&r.charity_id)
        .bind(r.form.code())
        .bind(&r.title)
        .bind(&r.unit)
        .bind(r.total)
        .bind(r.per_household_cap)
        .bind(codes_json(&r.need_kinds))
        .bind(codes_json(&r.categories))
        .bind(region_json(&r.regions))
        .bind(r.valid_from)
        .bind(r.valid_until)
        .bind(r.now)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn resources(
        &self,
        charity_id: Option<&str>,
        today: chrono::NaiveDate,
    ) -> Result<Vec<ResourceRecord>, DbError> {
        let rows = match charity_id {
            Some(id) => {
                query(&format!(
                    "SELECT {RESOURCE_FROM} WHERE r.charity_id = $1 ORDER BY \
                r.created_at DESC"
                ))
                .bind(id)
                .fetch_all(&self.db)
                .await
            }
            None => {
                query(&format!(
                    "SELECT {RESOURCE_FROM} WHERE c.status = 'verified' AND r.remaining > 0 AND \
                    r.valid_from <= $1 \
                 AND r.valid_until >= $1 ORDER BY r.valid_until, r.id"
                ))
                .bind(today)
                .fetch_all(&self.db)
                .await
            }
        }?;
        rows.iter().map(resource_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn add_need(&self, n: NewNeed) -> Result<bool, DbError> {
        let r = query(
            "INSERT INTO charity_needs (id, household_id, source, source_ref, kind, form, amount, \
                urgency, township, category, \
               covering_aid, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
               $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (household_id, source, source_ref, kind) DO NOTHING",
        )
        .bind(&n.id)
        .bind(&n.household_id)
        .bind(n.source.code())
        .bind(&n.source_ref)
        .bind(n.kind.code())
        .bind(n.form.code())
        .bind(n.amount)
        .bind(n.urgency)
        .bind(township_text(&n.township))
        .bind(code_or_empty(n.category))
        .bind(code_or_empty(n.covering_aid))
        .bind(&n.note)
        .bind(&n.created_by)
        .bind(n.now)
        .execute(&self.db)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn needs(
        &self,
        region: &RegionCode,
        open_only: bool,
        today: chrono::NaiveDate,
    ) -> Result<Vec<NeedRecord>, DbError> {
        let open = if open_only {
            "AND n.state = 'open' AND n.committed < n.amount"
        } else {
            ""
        };
        let rows = query(&format!(
            "SELECT {NEED_FROM} WHERE h.region_code LIKE $2 {open} ORDER BY n.urgency DESC, \
                n.created_at, n.id LIMIT 100000"
        ))
        .bind(today)
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(need_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn needs_of(
        &self,
        household_id: &str,
        today: chrono::NaiveDate,
    ) -> Result<Vec<NeedRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {NEED_FROM} WHERE n.household_id = $2 ORDER BY n.created_at DESC, n.id"
        ))
        .bind(today)
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(need_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn close_need(
        &self,
        id: &str,
        region: &RegionCode,
        state: NeedState,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let n = query(
            "UPDATE charity_needs SET state = $1, closed_by = $2, closed_at = $3 WHERE id = $4 \
                AND state = 'open' \
             AND household_id IN (SELECT id FROM households WHERE region_code LIKE $5)",
        )
        .bind(state.code())
        .bind(actor_id)
        .bind(now)
        .bind(id)
        .bind(within(region))
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n == 0 {
            let exists = query(
                "SELECT 1 FROM charity_needs n JOIN households h ON h.id = \
                n.household_id WHERE n.id = $1 AND h.region_code LIKE $2",
            )
            .bind(id)
            .bind(within(region))
            .fetch_optional(&mut tx)
            .await?;
            return Err(if exists.is_some() {
                DbError::Conflict("need_state")
            } else {
                DbError::NotFound
            });
        }
        let live = query(
            "SELECT id, resource_id, units FROM charity_matches WHERE need_id = $1 \
            AND state IN ('proposed','accepted')",
        )
        .bind(id)
        .fetch_all(&mut tx)
        .await?;
        for m in live {
            let (match_id, resource_id, units): (String, String, i64) = m.decode()?;
            query("UPDATE charity_matches SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(state.code())
                .bind(now)
                .bind(&match_id)
                .execute(&mut tx)
                .await?;
            release(&mut tx, id, &resource_id, units, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn add_match(&self, m: NewMatch) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // 1. The need: open, in the caller's region, with the units still uncommitted.
        let n = query(
            "UPDATE charity_needs SET committed = committed + $1 WHERE id = $2 AND state = 'open' \
                AND committed + $1 <= amount \
             AND household_id IN (SELECT id FROM households WHERE region_code LIKE $3)",
        )
        .bind(m.units)
        .bind(&m.need_id)
        .bind(m.region.as_ref().map_or_else(|| "%".to_string(), within))
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DbError::Conflict("need_taken"));
        }
        let need = query(&format!("SELECT {NEED_FROM} WHERE n.id = $2"))
            .bind(m.today)
            .bind(&m.need_id)
            .fetch_one(&mut tx)
            .await?;
        let need = need_from_row(&need)?;
        // 2. The resource: a verified charity's (the committing charity's own), with units left.
        let n = query(
            "UPDATE charity_resources SET remaining = remaining - $1, updated_at = $2 WHERE id = \
                $3 AND remaining >= $1 \
             AND charity_id IN (SELECT id FROM charities WHERE status = 'verified' AND ($4 = '' \
             OR id = $4))",
        )
        .bind(m.units)
        .bind(m.now)
        .bind(&m.resource_id)
        .bind(m.charity_id.as_deref().unwrap_or(""))
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DbError::Conflict("resource_short"));
        }
        let resource = query(&format!("SELECT {RESOURCE_FROM} WHERE r.id = $1"))
            .bind(&m.resource_id)
            .fetch_one(&mut tx)
            .await?;
        let resource = resource_from_row(&resource)?;
        // 3. Fit, consent and no duplicate assistance, checked by the optimiser's own rule.
        let candidate = Need {
            id: need.id.clone(),
            household: need.household_id.clone(),
            kind: FitKey::new(need.form, need.kind),
            category: need.category,
            region: need.township.clone(),
            amount: need.amount,
            urgency: need.urgency,
            consent: need.consent,
            covered: need.covered,
        };
        let offer = Resource {
            id: resource.id.clone(),
            kinds: resource
                .need_kinds
                .iter()
                .map(|&k| FitKey::new(resource.form, k))
                .collect(),
            categories: resource.categories.clone(),
            regions: resource.regions.clone(),
            // Already taken above; what matters here is the rest of the fit.
            remaining: m.units,
            // The cap per household is checked below against every live match.
            per_household_cap: None,
            already_given: Default::default(),
            valid_from: resource.valid_from,
            valid_until: resource.valid_until,
        };
        if !need.consent || need.covered {
            return Err(DbError::Conflict("need_taken"));
        }
        if !offer.fits(&candidate, m.today) {
            return Err(DbError::Conflict("resource_short"));
        }
        // 4. The cap per household, over every live match of this resource.
        if let Some(cap) = resource.per_household_cap {
            let given = query(
                "SELECT CAST(COALESCE(SUM(m.units), 0) AS BIGINT) AS given FROM charity_matches m \
                    JOIN charity_needs n ON n.id = m.need_id \
                 WHERE m.resource_id = $1 AND n.household_id = $2 AND m.state IN \
                 ('proposed','accepted','delivered')",
            )
            .bind(&m.resource_id)
            .bind(&need.household_id)
            .fetch_one(&mut tx)
            .await?;
            let given: i64 = given.get("given")?;
            if given + m.units > cap {
                return Err(DbError::Conflict("household_cap"));
            }
        }
        // 5. A charity's own commitment takes all the need still lacked, or all its resource
        // could give the household: no token commitment opens a household's contact.
        if m.charity_id.is_some() {
            let lacked = need.amount - (need.committed - m.units);
            let mut minimum = lacked.min(resource.remaining + m.units);
            if let Some(cap) = resource.per_household_cap {
                let given: i64 = query(
                    "SELECT CAST(COALESCE(SUM(m.units), 0) AS BIGINT) AS given \
                     FROM charity_matches m JOIN charity_needs n ON n.id = m.need_id \
                     WHERE m.resource_id = $1 AND n.household_id = $2 AND m.state IN \
                     ('proposed','accepted','delivered')",
                )
                .bind(&m.resource_id)
                .bind(&need.household_id)
                .fetch_one(&mut tx)
                .await?
                .get("given")?;
                minimum = minimum.min(cap - given);
            }
            if m.units < minimum {
                return Err(DbError::Conflict("below_minimum"));
            }
        }
        let confirmed_by = m.charity_id.is_none().then_some(m.actor_id.as_str());
        query(
            "INSERT INTO charity_matches (id, need_id, resource_id, units, state, created_by, \
                created_at, updated_at, confirmed_by, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)",
        )
        .bind(&m.id)
        .bind(&m.need_id)
        .bind(&m.resource_id)
        .bind(m.units)
        .bind(m.state.code())
        .bind(&m.actor_id)
        .bind(m.now)
        .bind(confirmed_by)
        .bind(confirmed_by.map(|_| m.now))
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn confirm_match(
        &self,
        id: &str,
        region: &RegionCode,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let n = query(
            "UPDATE charity_matches SET confirmed_by = $3, confirmed_at = $4 \
             WHERE id = $1 AND confirmed_at IS NULL AND state IN ('accepted', 'delivered') \
               AND need_id IN (SELECT n.id FROM charity_needs n \
                 JOIN households h ON h.id = n.household_id WHERE h.region_code LIKE $2)",
        )
        .bind(id)
        .bind(within(region))
        .bind(actor_id)
        .bind(now)
        .execute(&self.db)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(DbError::NotFound)
        }
    }

    #[tracing::instrument(skip_all)]
    async fn matches(&self, q: MatchQuery) -> Result<Vec<MatchRecord>, DbError> {
        let (condition, key) = match &q {
            MatchQuery::Charity(id) => ("r.charity_id = $1", id.clone()),
            MatchQuery::Household(id) => ("n.household_id = $1", id.clone()),
            MatchQuery::Region(prefix) => (
                "n.household_id IN (SELECT id FROM households WHERE region_code LIKE $1)",
                format!("{prefix}%"),
            ),
        };
        let rows = query(&format!(
            "SELECT {MATCH_FROM} WHERE {condition} \
             ORDER BY CASE m.state WHEN 'proposed' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END, \
             m.updated_at DESC LIMIT 1000"
        ))
        .bind(key)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(match_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn match_record(&self, id: &str) -> Result<Option<MatchRecord>, DbError> {
        let r = query(&format!("SELECT {MATCH_FROM} WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        r.as_ref().map(match_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn move_match(
        &self,
        id: &str,
        charity_id: &str,
        from: &[MatchState],
        to: MatchState,
        note: &str,
        now: Millis,
    ) -> Result<MatchRecord, DbError> {
        let found = self
            .match_record(id)
            .await?
            .filter(|m| m.charity_id == charity_id)
            .ok_or(DbError::NotFound)?;
        let mut tx = self.db.begin().await?;
        claim_need(&mut tx, &found.need_id).await?;
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 5)).collect();
        let sql = format!(
            "UPDATE charity_matches SET state = $1, note = $2, updated_at = $3 WHERE id = $4 AND \
                state IN ({})",
            placeholders.join(", ")
        );
        let mut q = query(&sql).bind(to.code()).bind(note).bind(now).bind(id);
        for f in from {
            q = q.bind(f.code());
        }
        if q.execute(&mut tx).await?.rows_affected() == 0 {
            return Err(DbError::Conflict("match_state"));
        }
        if !to.holds() {
            release(
                &mut tx,
                &found.need_id,
                &found.resource_id,
                found.units,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.match_record(id).await?.ok_or(DbError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    async fn attach_match_proof(
        &self,
        id: &str,
        charity_id: &str,
        content_hash: &str,
        mime: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let n = query(
            "UPDATE charity_matches SET proof_hash = $1, proof_mime = $2, updated_at = $3 WHERE \
                id = $4 \
             AND state IN ('accepted','delivered') AND resource_id IN (SELECT id FROM \
             charity_resources WHERE charity_id = $5)",
        )
        .bind(content_hash)
        .bind(mime)
        .bind(now)
        .bind(id)
        .bind(charity_id)
        .execute(&self.db)
        .await?
        .rows_affected();
        if n == 0 {
            let ours = self
                .match_record(id)
                .await?
                .is_some_and(|m| m.charity_id == charity_id);
            return Err(if ours {
                DbError::Conflict("match_state")
            } else {
                DbError::NotFound
            });
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn deliver_match(
        &self,
        id: &str,
        charity_id: &str,
        note: &str,
        aid_id: &str,
        aid: NewAid,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let found = self
            .match_record(id)
            .await?
            .filter(|m| m.charity_id == charity_id)
            .ok_or(DbError::NotFound)?;
        let mut tx = self.db.begin().await?;
        claim_need(&mut tx, &found.need_id).await?;
        let n = query(
            "UPDATE charity_matches SET state = 'delivered', note = $1, updated_at = $2 \
            WHERE id = $3 AND state = 'accepted'",
        )
        .bind(note)
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DbError::Conflict("match_state"));
        }
        insert_aid(
            &mut tx,
            &found.household_id,
            aid_id,
            &aid,
            app::domain::chain::AidOrigin::Charity,
            actor_id,
            now,
        )
        .await?;
        query("UPDATE charity_matches SET assistance_id = $1 WHERE id = $2")
            .bind(aid_id)
            .bind(id)
            .execute(&mut tx)
            .await?;
        query(
            "UPDATE charity_needs SET delivered = delivered + $1, \
               state = CASE WHEN delivered + $1 >= amount AND state = 'open' THEN 'met' ELSE \
               state END WHERE id = $2",
        )
        .bind(found.units)
        .bind(&found.need_id)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
