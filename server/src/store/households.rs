//! Household files, home visits, the assistance chain (一户一条救助链) and referrals to departments.

use super::declarations::{add_event, claim_application, SummaryRow};
use super::dialect::{code, code_opt, day, day_opt, id_number, query, region, within, Db, Row, Tx};
use super::sealed::{
    DECLARATION, EXIT_REASON, ID_SEALED, REFERRAL_ANSWER, REFERRAL_NOTE, VISIT_RECORD,
};
use super::SqlStore;
use crate::crypto::FieldCipher;
use app::domain::chain::{Aid, AidOrigin, Department, NewAid};
use app::domain::cycle::Standing;
use app::domain::referral::ReferralStatus;
use app::domain::region::RegionCode;
use app::domain::status::{ApplicationStatus, TimelineKind};
use app::store::*;

#[derive(sqlx::FromRow)]
struct AidRow {
    id: String,
    kind: String,
    source: Option<String>,
    source_name: String,
    amount: i64,
    monthly: bool,
    period_from: String,
    period_until: Option<String>,
    origin: String,
    note: String,
    number: Option<String>,
    display_name: String,
    recorded_at: Millis,
}

impl TryFrom<AidRow> for AidRecord {
    type Error = DbError;
    fn try_from(r: AidRow) -> Result<Self, DbError> {
        Ok(AidRecord {
            aid: Aid {
                id: r.id,
                kind: code("kind", &r.kind)?,
                source: code_opt("source", r.source.as_deref())?,
                source_name: r.source_name,
                amount_fen: r.amount,
                monthly: r.monthly,
                from: day("period_from", &r.period_from)?,
                until: r
                    .period_until
                    .as_deref()
                    .map(|d| day("period_until", d))
                    .transpose()?,
                origin: code("origin", &r.origin)?,
                note: r.note,
            },
            number: r.number,
            recorded_by_name: r.display_name,
            recorded_at: r.recorded_at,
        })
    }
}

pub(super) fn aid_from_row(r: &Row) -> Result<AidRecord, DbError> {
    r.to::<AidRow, _>()
}

pub(super) async fn insert_aid(
    tx: &mut Tx<'_>,
    household_id: &str,
    id: &str,
    aid: &NewAid,
    origin: AidOrigin,
    actor_id: &str,
    now: Millis,
) -> Result<bool, DbError> {
    let r = query(
        "INSERT INTO assistance (id, household_id, kind, source, source_name, amount, monthly, \
            period_from, period_until, \
           origin, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
           $10, $11, $12, $13) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(household_id)
    .bind(aid.kind.code())
    .bind(aid.source.map(Department::code))
    .bind(&aid.source_name)
    .bind(aid.amount_fen)
    .bind(aid.monthly)
    .bind(aid.from.format("%Y-%m-%d").to_string())
    .bind(aid.until.map(|u| u.format("%Y-%m-%d").to_string()))
    .bind(origin.code())
    .bind(&aid.note)
    .bind(actor_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub(super) async fn visits_where(
    pool: &Db,
    cipher: &crate::crypto::FieldCipher,
    condition: &str,
    key: &str,
) -> Result<Vec<VisitRecord>, DbError> {
    let rows = query(&format!(
        "SELECT v.id, a.number, v.based_on, v.visited_on, v.record, v.saved_on_device_at, \
            v.received_at, u.display_name \
         FROM home_visits v JOIN applications a ON a.id = v.application_id JOIN users u ON u.id = \
         v.recorded_by \
         WHERE {condition} ORDER BY v.received_at, v.id"
    ))
    .bind(key)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let r: VisitRow = r.decode()?;
        let files = query(
            "SELECT role, content_hash, mime, size FROM visit_files WHERE visit_id \
            = $1 ORDER BY seq",
        )
        .bind(&r.id)
        .fetch_all(pool)
        .await?;
        let files = files
            .iter()
            .map(Row::to::<VisitFileRow, _>)
            .collect::<Result<_, DbError>>()?;
        out.push(VisitRecord {
            id: r.id,
            number: r.number,
            based_on: r.based_on,
            visited_on: day("visited_on", &r.visited_on)?,
            record_json: cipher.open(VISIT_RECORD, &r.record)?,
            files,
            recorded_by_name: r.display_name,
            saved_on_device_at: r.saved_on_device_at,
            received_at: r.received_at,
        });
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: String,
    number: String,
    based_on: Option<String>,
    visited_on: String,
    record: String,
    display_name: String,
    saved_on_device_at: Millis,
    received_at: Millis,
}

#[derive(sqlx::FromRow)]
struct VisitFileRow {
    role: String,
    content_hash: String,
    mime: String,
    size: i64,
}

impl TryFrom<VisitFileRow> for VisitFile {
    type Error = DbError;
    fn try_from(r: VisitFileRow) -> Result<Self, DbError> {
        Ok(VisitFile {
            role: code("role", &r.role)?,
            content_hash: r.content_hash,
            mime: r.mime,
            size: r.size,
        })
    }
}

pub(super) const REFERRAL_FROM: &str = "r.id, r.household_id, r.region_code, r.department, \
    r.need, r.note, r.due_on, r.status, r.answer, \
    r.assistance_id, r.created_at, r.answered_at, u.display_name FROM referrals r JOIN users u ON \
    u.id = r.created_by";

#[derive(sqlx::FromRow)]
struct ReferralRow {
    id: i64,
    household_id: String,
    region_code: String,
    department: String,
    need: String,
    note: String,
    due_on: String,
    status: String,
    answer: String,
    assistance_id: Option<String>,
    display_name: String,
    created_at: Millis,
    answered_at: Option<Millis>,
}

impl TryFrom<ReferralRow> for ReferralRecord {
    type Error = DbError;
    fn try_from(r: ReferralRow) -> Result<Self, DbError> {
        Ok(ReferralRecord {
            id: r.id,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            department: code("department", &r.department)?,
            need: code("need", &r.need)?,
            note: r.note,
            due_on: day("due_on", &r.due_on)?,
            status: code("status", &r.status)?,
            answer: r.answer,
            assistance_id: r.assistance_id,
            created_by_name: r.display_name,
            created_at: r.created_at,
            answered_at: r.answered_at,
        })
    }
}

/// A referral, its note and the department's answer opened.
pub(super) fn referral_from_row(r: &Row, cipher: &FieldCipher) -> Result<ReferralRecord, DbError> {
    let mut referral: ReferralRecord = r.to::<ReferralRow, _>()?;
    referral.note = cipher.open(REFERRAL_NOTE, &referral.note)?;
    // Empty until the department answers.
    referral.answer = cipher.open_or_empty(REFERRAL_ANSWER, &referral.answer)?;
    Ok(referral)
}

pub(super) const HOUSEHOLD_SUMMARY: &str = "h.id, h.head_id_sealed, h.region_code, h.standing, \
    h.standing_at, h.exit_reason, h.assistance_until, h.taper_since, \
    (SELECT a.declaration FROM applications a WHERE a.household_id = h.id ORDER BY a.submitted_at \
    DESC LIMIT 1) AS declaration, \
    (SELECT a.number FROM applications a WHERE a.household_id = h.id ORDER BY a.submitted_at DESC \
    LIMIT 1) AS number \
    FROM households h";

#[derive(sqlx::FromRow)]
struct HouseholdSummaryRow {
    id: String,
    /// Sealed as stored; opened by `household_summary_from_row` before the `TryFrom`.
    head_id_sealed: String,
    region_code: String,
    standing: String,
    standing_at: Option<Millis>,
    exit_reason: String,
    assistance_until: Option<String>,
    taper_since: Option<String>,
    declaration: Option<String>,
    number: Option<String>,
}

impl TryFrom<HouseholdSummaryRow> for HouseholdSummary {
    type Error = DbError;
    fn try_from(r: HouseholdSummaryRow) -> Result<Self, DbError> {
        Ok(HouseholdSummary {
            id: r.id,
            head_id_number: id_number("head_id_sealed", &r.head_id_sealed)?,
            region_code: region("region_code", &r.region_code)?,
            standing: code("standing", &r.standing)?,
            standing_at: r.standing_at,
            exit_reason: r.exit_reason,
            assistance_until: day_opt("assistance_until", r.assistance_until.as_deref())?,
            taper_since: day_opt("taper_since", r.taper_since.as_deref())?,
            latest_declaration_json: r.declaration,
            latest_number: r.number,
        })
    }
}

impl SqlStore {
    /// A household summary as read, its latest declaration opened.
    fn household_summary_from_row(&self, r: &Row) -> Result<HouseholdSummary, DbError> {
        let mut row: HouseholdSummaryRow = r.decode()?;
        row.head_id_sealed = self.open(ID_SEALED, &row.head_id_sealed)?;
        // Empty while the household is in assistance.
        row.exit_reason = self.cipher.open_or_empty(EXIT_REASON, &row.exit_reason)?;
        let mut h: HouseholdSummary = row.try_into()?;
        h.latest_declaration_json = self.open_opt(DECLARATION, h.latest_declaration_json)?;
        Ok(h)
    }
}

#[derive(sqlx::FromRow)]
struct HouseholdRow {
    id: String,
    /// Sealed as stored; opened before the `TryFrom`.
    head_id_sealed: String,
    region_code: String,
    created_at: Millis,
}

impl TryFrom<HouseholdRow> for HouseholdRecord {
    type Error = DbError;
    fn try_from(r: HouseholdRow) -> Result<Self, DbError> {
        Ok(HouseholdRecord {
            id: r.id,
            head_id_number: id_number("head_id_sealed", &r.head_id_sealed)?,
            region_code: region("region_code", &r.region_code)?,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct HouseholdApplicationRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    draft_id: String,
    region_code: String,
    declaration: String,
    consent_charity: bool,
    consent_text_version: String,
}

impl TryFrom<HouseholdApplicationRow> for HouseholdApplication {
    type Error = DbError;
    fn try_from(r: HouseholdApplicationRow) -> Result<Self, DbError> {
        Ok(HouseholdApplication {
            summary: r.summary.try_into()?,
            draft_id: r.draft_id,
            region_code: region("region_code", &r.region_code)?,
            declaration_json: r.declaration,
            consent_charity: r.consent_charity,
            consent_text_version: r.consent_text_version,
        })
    }
}

#[async_trait::async_trait]
impl HouseholdStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn household(&self, id: &str) -> Result<Option<HouseholdRecord>, DbError> {
        let r = query(
            "SELECT id, head_id_sealed, region_code, created_at FROM households WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        Ok(match r {
            Some(r) => {
                let mut row: HouseholdRow = r.decode()?;
                row.head_id_sealed = self.open(ID_SEALED, &row.head_id_sealed)?;
                Some(row.try_into()?)
            }
            None => None,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn household_applications(
        &self,
        household_id: &str,
    ) -> Result<Vec<HouseholdApplication>, DbError> {
        let rows = query(
            "SELECT number, status, submitted_at, updated_at, draft_id, region_code, declaration, \
                consent_charity, consent_text_version \
             FROM applications WHERE household_id = $1 ORDER BY submitted_at",
        )
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let mut a: HouseholdApplication = r.to::<HouseholdApplicationRow, _>()?;
                a.declaration_json = self.open(DECLARATION, &a.declaration_json)?;
                Ok(a)
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn record_visit(&self, v: NewVisit) -> Result<VisitOutcome, DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, &v.number, v.now).await?;
        let known = query("SELECT application_id FROM home_visits WHERE id = $1")
            .bind(&v.id)
            .fetch_optional(&mut tx)
            .await?;
        if let Some(k) = known {
            let of: String = k.get("application_id")?;
            return if of == app_id {
                Ok(VisitOutcome::AlreadyRecorded)
            } else {
                Err(DbError::Conflict("visit_id"))
            };
        }
        if !matches!(
            status,
            ApplicationStatus::Accepted
                | ApplicationStatus::Visiting
                | ApplicationStatus::Reviewing
        ) {
            return Err(DbError::Conflict("status"));
        }
        let newest = query(
            "SELECT id FROM home_visits WHERE application_id = $1 ORDER BY \
            received_at DESC, id DESC LIMIT 1",
        )
        .bind(&app_id)
        .fetch_optional(&mut tx)
        .await?;
        let newest: Option<String> = match newest {
            Some(r) => Some(r.get("id")?),
            None => None,
        };
        if newest.is_some() && newest != v.based_on {
            // Show what the device did not know, newest last; record nothing.
            let since = match &v.based_on {
                Some(b) => query(
                    "SELECT received_at FROM home_visits WHERE id = $1 AND application_id = $2",
                )
                .bind(b)
                .bind(&app_id)
                .fetch_optional(&mut tx)
                .await?
                .map(|r| r.get::<i64, _>("received_at"))
                .transpose()?,
                None => None,
            };
            tx.rollback().await?;
            let all =
                visits_where(&self.db, &self.cipher, "v.application_id = $1", &app_id).await?;
            return Ok(VisitOutcome::Conflict(
                all.into_iter()
                    .filter(|x| since.is_none_or(|t| x.received_at > t))
                    .collect(),
            ));
        }
        query(
            "INSERT INTO home_visits (id, application_id, based_on, visited_on, record, \
                recorded_by, saved_on_device_at, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&v.id)
        .bind(&app_id)
        .bind(&v.based_on)
        .bind(v.visited_on)
        .bind(self.seal(VISIT_RECORD, &v.record_json))
        .bind(&v.recorded_by)
        .bind(v.saved_on_device_at)
        .bind(v.now)
        .execute(&mut tx)
        .await?;
        for (seq, f) in v.files.iter().enumerate() {
            query(
                "INSERT INTO visit_files (visit_id, seq, role, content_hash, mime, size) VALUES \
                ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&v.id)
            .bind(seq as i64)
            .bind(f.role.code())
            .bind(&f.content_hash)
            .bind(&f.mime)
            .bind(f.size)
            .execute(&mut tx)
            .await?;
        }
        let after = if status == ApplicationStatus::Accepted {
            ApplicationStatus::Visiting
        } else {
            status
        };
        query("UPDATE applications SET status = $1 WHERE id = $2")
            .bind(after.code())
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::VisitRecorded,
            after,
            &v.recorded_by,
            &v.visited_on.to_string(),
            v.now,
        )
        .await?;
        tx.commit().await?;
        Ok(VisitOutcome::Recorded)
    }

    #[tracing::instrument(skip_all)]
    async fn household_visits(&self, household_id: &str) -> Result<Vec<VisitRecord>, DbError> {
        visits_where(&self.db, &self.cipher, "a.household_id = $1", household_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn visit_file_region(&self, content_hash: &str) -> Result<Option<RegionCode>, DbError> {
        let r = query(
            "SELECT a.region_code FROM visit_files f JOIN home_visits v ON v.id = f.visit_id \
             JOIN applications a ON a.id = v.application_id WHERE f.content_hash = $1 LIMIT 1",
        )
        .bind(content_hash)
        .fetch_optional(&self.db)
        .await?;
        match r {
            Some(r) => Ok(Some(region(
                "region_code",
                &r.get::<String, _>("region_code")?,
            )?)),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn assistance_of(&self, household_id: &str) -> Result<Vec<AidRecord>, DbError> {
        let rows = query(
            "SELECT s.id, s.kind, s.source, s.source_name, s.amount, s.monthly, s.period_from, \
                s.period_until, s.origin, s.note, \
               s.recorded_at, u.display_name, a.number FROM assistance s JOIN users u ON u.id = \
               s.recorded_by \
             LEFT JOIN applications a ON a.id = s.application_id WHERE s.household_id = $1 ORDER \
             BY s.period_from, s.recorded_at, s.id",
        )
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(aid_from_row(&r)?);
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn add_assistance(
        &self,
        household_id: &str,
        id: &str,
        aid: NewAid,
        origin: AidOrigin,
        actor_id: &str,
        now: Millis,
    ) -> Result<bool, DbError> {
        let mut tx = self.db.begin().await?;
        let added = insert_aid(&mut tx, household_id, id, &aid, origin, actor_id, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    #[tracing::instrument(skip_all)]
    async fn add_referral(&self, r: NewReferralRecord) -> Result<i64, DbError> {
        let row = query(
            "INSERT INTO referrals (household_id, region_code, department, need, note, due_on, \
                created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&r.household_id)
        .bind(&r.region_code)
        .bind(r.department.code())
        .bind(r.need.code())
        .bind(self.seal(REFERRAL_NOTE, &r.note))
        .bind(r.due_on)
        .bind(&r.created_by)
        .bind(r.now)
        .fetch_one(&self.db)
        .await?;
        Ok(row.get("id")?)
    }

    #[tracing::instrument(skip_all)]
    async fn referrals(&self, q: ReferralQuery) -> Result<Vec<ReferralRecord>, DbError> {
        const COLUMNS: &str = REFERRAL_FROM;
        let rows = match &q {
            ReferralQuery::Household(id) => {
                query(&format!(
                    "SELECT {COLUMNS} WHERE r.household_id \
                = $1 ORDER BY r.id"
                ))
                .bind(id)
                .fetch_all(&self.db)
                .await
            }
            ReferralQuery::Inbox { department, region } => {
                query(&format!(
                    "SELECT {COLUMNS} WHERE r.department = $1 AND r.region_code LIKE $2 \
                 ORDER BY CASE WHEN r.status IN ('sent','accepted') THEN 0 ELSE 1 END, r.due_on, \
                 r.id LIMIT 500"
                ))
                .bind(department.code())
                .bind(within(region))
                .fetch_all(&self.db)
                .await
            }
        }?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(referral_from_row(&r, &self.cipher)?);
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn answer_referral(&self, a: ReferralAnswer) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // Claim the row first so two officers answering at once queue.
        let claimed = query(
            "UPDATE referrals SET status = status WHERE id = $1 AND department = \
            $2 AND region_code LIKE $3",
        )
        .bind(a.id)
        .bind(a.department.code())
        .bind(within(&a.region))
        .execute(&mut tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Err(DbError::NotFound);
        }
        let r = query("SELECT status, household_id FROM referrals WHERE id = $1")
            .bind(a.id)
            .fetch_one(&mut tx)
            .await?;
        let (status, household_id): (String, String) = r.decode()?;
        let from: ReferralStatus = code("status", &status)?;
        if !from.can_become(a.to) {
            return Err(DbError::Conflict("referral_state"));
        }
        let aid_id = match &a.aid {
            Some((id, aid)) => {
                insert_aid(
                    &mut tx,
                    &household_id,
                    id,
                    aid,
                    AidOrigin::Referral,
                    &a.actor_id,
                    a.now,
                )
                .await?;
                Some(id.clone())
            }
            None => None,
        };
        query(
            "UPDATE referrals SET status = $1, answer = $2, assistance_id = COALESCE($3, \
                assistance_id), answered_by = $4, answered_at = $5 \
             WHERE id = $6",
        )
        .bind(a.to.code())
        .bind(self.seal(REFERRAL_ANSWER, &a.answer))
        .bind(&aid_id)
        .bind(&a.actor_id)
        .bind(a.now)
        .bind(a.id)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn referral(&self, id: i64) -> Result<Option<ReferralRecord>, DbError> {
        let r = query(&format!("SELECT {REFERRAL_FROM} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        r.as_ref()
            .map(|r| referral_from_row(r, &self.cipher))
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn set_taper_since(
        &self,
        household_id: &str,
        since: Option<chrono::NaiveDate>,
    ) -> Result<(), DbError> {
        query("UPDATE households SET taper_since = $1 WHERE id = $2")
            .bind(since)
            .bind(household_id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn household_summary(&self, id: &str) -> Result<Option<HouseholdSummary>, DbError> {
        let r = query(&format!("SELECT {HOUSEHOLD_SUMMARY} WHERE h.id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        r.as_ref()
            .map(|r| self.household_summary_from_row(r))
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn search_households(&self, q: HouseholdQuery) -> Result<Vec<HouseholdSummary>, DbError> {
        // Declarations are sealed: a member is found by the keyed digest of their ID number or
        // of their whole or given name (`application_keys`), never by looking inside.
        let id = q.id_number.unwrap_or_default();
        let name = q.name.unwrap_or_default();
        let id_key = if id.is_empty() {
            String::new()
        } else {
            self.id_key(&id)
        };
        let name_digest = if name.is_empty() {
            String::new()
        } else {
            self.name_digest(&name)
        };
        // By ID number, the households are found first through the three indexes that may name
        // the person (head, member, applicant), not by testing every household of the region:
        // a province holds millions.
        let by_id = if id_key.is_empty() {
            "$2 = ''"
        } else {
            "h.id IN (SELECT id FROM households WHERE head_id_number = $2 \
             UNION SELECT household_id FROM persons WHERE id_number = $2 \
             UNION SELECT a.household_id FROM application_keys k JOIN applications a \
             ON a.id = k.application_id WHERE k.kind = 'id_number' AND k.digest = $2 \
             AND a.household_id IS NOT NULL)"
        };
        // By name the same way: a declared member's (`application_keys`) or a person taken
        // in from a roster (`household_keys`).
        let by_name = if name_digest.is_empty() {
            "$3 = ''"
        } else {
            "h.id IN (SELECT a.household_id FROM application_keys k JOIN applications a \
             ON a.id = k.application_id WHERE k.kind = 'name' AND k.digest = $3 \
             AND a.household_id IS NOT NULL \
             UNION SELECT household_id FROM household_keys WHERE kind = 'name' AND digest = $3)"
        };
        let rows = query(&format!(
            "SELECT {HOUSEHOLD_SUMMARY} WHERE h.region_code LIKE $1 AND {by_id} AND {by_name} \
             AND ($4 = '' OR h.standing = $4) \
             ORDER BY COALESCE(h.standing_at, h.created_at) DESC, h.id LIMIT $5"
        ))
        .bind(within(&q.region))
        .bind(&id_key)
        .bind(&name_digest)
        .bind(q.standing.map(Standing::code).unwrap_or_default())
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| self.household_summary_from_row(r))
            .collect()
    }
}
