//! The review queue, decisions, public notice, objections and finalisation.

use super::declarations::{add_event, claim_application, household_for};
use super::dialect::{
    categories, code, code_opt, day, help_kinds, id_number, query, region, within, Row,
};
use super::sealed::{DECISION_REASON, DECLARATION, FACTS, ID_SEALED};
use super::SqlStore;
use super::{db_err, is_unique_violation};
use crate::crypto::FieldCipher;
use app::domain::money::Money;
use app::domain::policy::assess::Category;
use app::domain::region::RegionCode;
use app::domain::status::{ApplicationStatus, TimelineKind};
use app::store::*;

pub(super) const DECISION_COLUMNS: &str =
    "d.category, d.monthly_amount, d.proposed_category, d.proposed_amount, d.adjustment_reason, \
    d.effective_from, d.notice_until, d.decided_by, d.decided_at";

#[derive(sqlx::FromRow)]
pub(super) struct DecisionRow {
    category: String,
    monthly_amount: i64,
    proposed_category: Option<String>,
    proposed_amount: Option<i64>,
    adjustment_reason: String,
    effective_from: String,
    notice_until: String,
    decided_by: String,
    decided_at: Millis,
}

impl TryFrom<DecisionRow> for DecisionRecord {
    type Error = DbError;
    fn try_from(r: DecisionRow) -> Result<Self, DbError> {
        Ok(DecisionRecord {
            category: code("category", &r.category)?,
            monthly_amount: Money::from_fen(r.monthly_amount),
            proposed_category: code_opt("proposed_category", r.proposed_category.as_deref())?,
            proposed_amount: r.proposed_amount.map(Money::from_fen),
            adjustment_reason: r.adjustment_reason,
            effective_from: day("effective_from", &r.effective_from)?,
            notice_until: day("notice_until", &r.notice_until)?,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
        })
    }
}

/// A decision, its reasons opened.
pub(super) fn decision_from_row(r: &Row, cipher: &FieldCipher) -> Result<DecisionRecord, DbError> {
    let mut d: DecisionRecord = r.to::<DecisionRow, _>()?;
    d.adjustment_reason = cipher.open(DECISION_REASON, &d.adjustment_reason)?;
    Ok(d)
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    number: String,
    status: String,
    region_code: String,
    submitted_at: Millis,
    updated_at: Millis,
    help: String,
    categories: String,
    warnings: i64,
}

impl TryFrom<QueueRow> for QueueRecord {
    type Error = DbError;
    fn try_from(r: QueueRow) -> Result<Self, DbError> {
        Ok(QueueRecord {
            number: r.number,
            status: code("status", &r.status)?,
            region_code: region("region_code", &r.region_code)?,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            help: help_kinds(&r.help)?,
            categories: categories("categories", &r.categories)?,
            warnings: r.warnings,
        })
    }
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: String,
    number: String,
    region_code: String,
    declaration: String,
    #[sqlx(flatten)]
    decision: DecisionRow,
}

impl TryFrom<NoticeRow> for NoticeRecord {
    type Error = DbError;
    fn try_from(r: NoticeRow) -> Result<Self, DbError> {
        Ok(NoticeRecord {
            application_id: r.id,
            number: r.number,
            region_code: region("region_code", &r.region_code)?,
            declaration_json: r.declaration,
            decision: r.decision.try_into()?,
        })
    }
}

#[async_trait::async_trait]
impl CaseworkStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn accept_application(
        &self,
        number: &str,
        actor_id: &str,
        confirm_head: bool,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        if status != ApplicationStatus::Submitted {
            return Err(DbError::Conflict("status"));
        }
        let (owner_id, region_code, head, income, head_change, lost_labour): (
            String,
            String,
            Option<String>,
            Option<i64>,
            bool,
            bool,
        ) = query(
            "SELECT owner_id, region_code, head_id_sealed, monthly_income, head_change, \
             lost_labour FROM applications WHERE id = $1",
        )
        .bind(&app_id)
        .fetch_one(&mut tx)
        .await?
        .decode()?;
        if head_change && !confirm_head {
            return Err(DbError::Conflict("head_unconfirmed"));
        }
        let region_code = region("region_code", &region_code)?;
        let head = id_number(
            "head_id_sealed",
            &self.open(
                ID_SEALED,
                head.as_deref()
                    .ok_or_else(|| DbError::Other("application without a head".into()))?,
            )?,
        )?;
        let members: Vec<String> = query(
            "SELECT id_number FROM application_members WHERE application_id = $1 ORDER BY \
             id_number",
        )
        .bind(&app_id)
        .fetch_all(&mut tx)
        .await?
        .iter()
        .map(|r| r.get("id_number"))
        .collect::<Result<_, _>>()?;
        for id in &members {
            let r = query(
                "INSERT INTO open_application_members (id_number, application_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(&app_id)
            .execute_raw(&mut tx)
            .await;
            match r {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(DbError::Conflict("members_in_open_application"))
                }
                Err(e) => return Err(db_err(e)),
            }
        }
        // Identity checked by a caseworker of the declared region: the file is the head's, and
        // filed under this region from now on.
        let household_id =
            household_for(&mut tx, &self.cipher, &head, &region_code, true, now).await?;
        query("UPDATE households SET monthly_income = $1, lost_labour = $2 WHERE id = $3")
            .bind(income)
            .bind(lost_labour)
            .bind(&household_id)
            .execute(&mut tx)
            .await?;
        for id in &members {
            // A person in another household's file stays there (`member_conflicts`). A person
            // carries the household's region, kept by the database when it moves (migration 0028).
            query(
                "INSERT INTO persons (id_number, household_id, region_code) \
                 SELECT $1, id, region_code FROM households WHERE id = $2 \
                 ON CONFLICT (id_number) DO NOTHING",
            )
            .bind(id)
            .bind(&household_id)
            .execute(&mut tx)
            .await?;
        }
        query("UPDATE applications SET status = $1, household_id = $2 WHERE id = $3")
            .bind(ApplicationStatus::Accepted.code())
            .bind(&household_id)
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        if head_change {
            query("UPDATE users SET bound_head_id_number = $1 WHERE id = $2")
                .bind(self.id_key(head.as_str()))
                .bind(&owner_id)
                .execute(&mut tx)
                .await?;
        }
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::StatusChanged,
            ApplicationStatus::Accepted,
            actor_id,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn member_conflicts(&self, number: &str) -> Result<Vec<MemberConflict>, DbError> {
        let rows = query(
            "SELECT m.id_sealed, \
               (SELECT p.household_id FROM persons p JOIN households h ON h.id = p.household_id \
                 WHERE p.id_number = m.id_number AND (a.head_id_number IS NULL \
                   OR h.head_id_number <> a.head_id_number OR h.region_code <> a.region_code)) \
                 AS household_id, \
               (SELECT h.region_code FROM persons p JOIN households h ON h.id = p.household_id \
                 WHERE p.id_number = m.id_number AND (a.head_id_number IS NULL \
                   OR h.head_id_number <> a.head_id_number OR h.region_code <> a.region_code)) \
                 AS household_region, \
               (SELECT o.number FROM open_application_members om JOIN applications o ON o.id = \
                 om.application_id WHERE om.id_number = m.id_number AND o.id <> a.id) AS other, \
               (SELECT o.region_code FROM open_application_members om JOIN applications o ON \
                 o.id = om.application_id WHERE om.id_number = m.id_number AND o.id <> a.id) \
                 AS other_region \
             FROM applications a JOIN application_members m ON m.application_id = a.id \
             WHERE a.number = $1 ORDER BY m.id_number",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let (id, household, household_region, other, other_region): (
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            ) = r.decode()?;
            let household = match (household, household_region) {
                (Some(h), Some(r)) => Some((h, region("household_region", &r)?)),
                _ => None,
            };
            let open_application = match (other, other_region) {
                (Some(n), Some(r)) => Some((n, region("other_region", &r)?)),
                _ => None,
            };
            if household.is_some() || open_application.is_some() {
                out.push(MemberConflict {
                    id_number: id_number(
                        "id_sealed",
                        &self.open(
                            ID_SEALED,
                            id.as_deref()
                                .ok_or_else(|| DbError::Other("member without id_sealed".into()))?,
                        )?,
                    )?,
                    household,
                    open_application,
                });
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn review_queue(&self, q: QueueQuery) -> Result<Vec<QueueRecord>, DbError> {
        // Placeholders are numbered as conditions are added; binds follow the same order.
        let mut sql = String::from(
            "SELECT a.number, a.status, a.region_code, a.submitted_at, a.updated_at, a.help, \
               COALESCE((SELECT s.categories FROM assessments s WHERE s.application_id = a.id \
               ORDER BY s.id DESC LIMIT 1), '') AS categories, \
               (SELECT COUNT(*) FROM tasks t WHERE t.household_id = a.household_id AND t.status = \
               'open' AND t.due_on <= $2) \
               + (SELECT COUNT(*) FROM warnings w WHERE w.household_id = a.household_id AND \
               w.status <> 'closed') AS warnings \
             FROM applications a WHERE a.region_code LIKE $1",
        );
        let mut n = 2;
        if q.with_warnings {
            sql.push_str(
                " AND (EXISTS (SELECT 1 FROM tasks t WHERE t.household_id = a.household_id AND \
                    t.status = 'open' AND t.due_on <= $2) \
                 OR EXISTS (SELECT 1 FROM warnings w WHERE w.household_id = a.household_id AND \
                 w.status <> 'closed'))",
            );
        }
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !q.statuses.is_empty() {
            let marks: Vec<String> = q.statuses.iter().map(|_| next()).collect();
            sql.push_str(&format!(" AND a.status IN ({})", marks.join(", ")));
        }
        if q.help.is_some() {
            sql.push_str(&format!(" AND a.help LIKE {}", next()));
        }
        if q.submitted_before.is_some() {
            sql.push_str(&format!(" AND a.submitted_at <= {}", next()));
        }
        if q.after.is_some() {
            // A row-value comparison, so the index on (submitted_at, number) seeks straight to the cursor.
            let (t1, n1) = (next(), next());
            sql.push_str(&format!(" AND (a.submitted_at, a.number) > ({t1}, {n1})"));
        }
        sql.push_str(&format!(
            " ORDER BY a.submitted_at, a.number LIMIT {}",
            next()
        ));
        let mut query = query(&sql).bind(within(&q.region)).bind(q.today);
        for st in &q.statuses {
            query = query.bind(st.code());
        }
        if let Some(h) = &q.help {
            query = query.bind(format!("%,{},%", h.code()));
        }
        if let Some(t) = q.submitted_before {
            query = query.bind(t);
        }
        if let Some((t, number)) = &q.after {
            query = query.bind(*t).bind(number.clone());
        }
        let rows = query.bind(q.limit).fetch_all(&self.db).await?;
        rows.iter().map(Row::to::<QueueRow, _>).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn decide(&self, number: &str, d: DecisionRecord, now: Millis) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        if !matches!(
            status,
            ApplicationStatus::Visiting | ApplicationStatus::Reviewing
        ) {
            return Err(DbError::Conflict("status"));
        }
        query(
            "INSERT INTO decisions (application_id, category, monthly_amount, proposed_category, \
                proposed_amount, \
               adjustment_reason, effective_from, notice_until, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&app_id)
        .bind(d.category.code())
        .bind(d.monthly_amount)
        .bind(d.proposed_category.map(Category::code))
        .bind(d.proposed_amount)
        .bind(self.seal(DECISION_REASON, &d.adjustment_reason))
        .bind(d.effective_from)
        .bind(d.notice_until)
        .bind(&d.decided_by)
        .bind(now)
        .execute(&mut tx)
        .await?;
        query("UPDATE applications SET status = $1 WHERE id = $2")
            .bind(ApplicationStatus::Publicising.code())
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::Decided,
            ApplicationStatus::Publicising,
            &d.decided_by,
            &d.adjustment_reason,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn latest_decision(&self, number: &str) -> Result<Option<DecisionRecord>, DbError> {
        let r = query(&format!(
            "SELECT {DECISION_COLUMNS} FROM decisions d JOIN applications a ON a.id = \
                d.application_id \
             WHERE a.number = $1 ORDER BY d.id DESC LIMIT 1"
        ))
        .bind(number)
        .fetch_optional(&self.db)
        .await?;
        Ok(match r {
            Some(r) => Some(decision_from_row(&r, &self.cipher)?),
            None => None,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn record_objection(
        &self,
        number: &str,
        text: &str,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        if status != ApplicationStatus::Publicising {
            return Err(DbError::Conflict("status"));
        }
        query(
            "INSERT INTO objections (application_id, text, recorded_by, at) VALUES ($1, $2, $3, \
            $4)",
        )
        .bind(&app_id)
        .bind(text)
        .bind(actor_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::Objection,
            status,
            actor_id,
            text,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn objections(&self, number: &str) -> Result<Vec<(String, Millis)>, DbError> {
        let rows = query(
            "SELECT o.text, o.at FROM objections o JOIN applications a ON a.id = o.application_id \
                WHERE a.number = $1 ORDER BY o.id",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(Row::decode::<(String, Millis)>).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn finalize(
        &self,
        number: &str,
        actor_id: &str,
        note: &str,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        if status != ApplicationStatus::Publicising {
            return Err(DbError::Conflict("status"));
        }
        let r = query(
            "SELECT d.id, d.notice_until, d.category, d.monthly_amount, d.effective_from, \
                a.household_id FROM decisions d \
             JOIN applications a ON a.id = d.application_id WHERE d.application_id = $1 ORDER BY \
             d.id DESC LIMIT 1",
        )
        .bind(&app_id)
        .fetch_one(&mut tx)
        .await?;
        let (decision_id, until, category, amount, effective_from, household_id): (
            i64,
            String,
            String,
            i64,
            String,
            Option<String>,
        ) = r.decode()?;
        if day("notice_until", &until)? >= today {
            return Err(DbError::Conflict("notice_running"));
        }
        if let Some(h) = &household_id {
            // What the statistics split by, from the facts last assessed (verified ones, when a
            // caseworker recorded them): urban/rural, and a Tekun household's support mode.
            let (residence, support_mode) =
                residence_and_support(&mut tx, &self.cipher, &app_id).await?;
            query(
                "UPDATE households SET standing = 'in_assistance', standing_at = $1, exit_reason \
                    = '', assistance_until = NULL, decision_id = $3, residence = $4, \
                    support_mode = $5, facts_read = 1 WHERE id = $2",
            )
            .bind(now)
            .bind(h)
            .bind(decision_id)
            .bind(residence)
            .bind(support_mode)
            .execute(&mut tx)
            .await?;
        }
        // Basic living aid (低保金 / 特困供养金) starts the chain on the effective date.
        if let (Some(household_id), true) = (
            household_id,
            amount > 0
                && matches!(
                    code::<Category>("category", &category)?,
                    Category::Dibao | Category::Tekun
                ),
        ) {
            query(
                "INSERT INTO assistance (id, household_id, application_id, kind, source, \
                    source_name, amount, monthly, \
                   period_from, period_until, origin, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, 'basic_living', 'civil_affairs', '', $4, TRUE, $5, NULL, \
                 'decision', $6, $7, $8)",
            )
            .bind(format!("decision-{decision_id}"))
            .bind(&household_id)
            .bind(&app_id)
            .bind(amount)
            .bind(&effective_from)
            .bind(&category)
            .bind(actor_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        query("UPDATE applications SET status = $1 WHERE id = $2")
            .bind(ApplicationStatus::Approved.code())
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::StatusChanged,
            ApplicationStatus::Approved,
            actor_id,
            note,
            now,
        )
        .await?;
        query("DELETE FROM open_application_members WHERE application_id = $1")
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn public_notices(
        &self,
        region: Option<&RegionCode>,
        today: chrono::NaiveDate,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<NoticeRecord>, DbError> {
        let rows = query(&format!(
            "SELECT a.id, a.number, a.region_code, a.declaration, {DECISION_COLUMNS} FROM applications a \
             JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE application_id = \
             a.id) \
             WHERE a.status = 'publicising' AND a.region_code LIKE $1 AND d.notice_until >= $2 \
             ORDER BY a.region_code, a.number LIMIT $3 OFFSET $4"
        ))
        .bind(region.map_or_else(|| "%".to_string(), within))
        .bind(today)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let mut n: NoticeRecord = r.to::<NoticeRow, _>()?;
                n.declaration_json = self.open(DECLARATION, &n.declaration_json)?;
                n.decision.adjustment_reason =
                    self.open(DECISION_REASON, &n.decision.adjustment_reason)?;
                Ok(n)
            })
            .collect()
    }
}

/// The residence and (when any member is in 集中供养, or else any in 分散供养) the support mode
/// of the application's latest assessed facts, as stored codes; `None` where not known.
pub(super) async fn residence_and_support(
    tx: &mut super::dialect::Tx<'_>,
    cipher: &FieldCipher,
    app_id: &str,
) -> Result<(Option<&'static str>, Option<&'static str>), DbError> {
    use app::domain::declaration::Residence;
    use app::domain::policy::facts::SupportMode;
    // Only what is read here: the facts' other fields (and ones added later) are not its concern.
    #[derive(serde::Deserialize)]
    struct Facts {
        #[serde(default)]
        residence: Option<Residence>,
        #[serde(default)]
        members: Vec<Member>,
    }
    #[derive(serde::Deserialize)]
    struct Member {
        #[serde(default)]
        support_mode: Option<SupportMode>,
    }
    let Some(r) =
        query("SELECT facts FROM assessments WHERE application_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(app_id)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok((None, None));
    };
    let sealed: String = r.get("facts")?;
    let facts: Facts = serde_json::from_str(&cipher.open(FACTS, &sealed)?)
        .map_err(|e| DbError::Other(format!("stored assessment facts: {e}")))?;
    let modes = facts.members.iter().filter_map(|m| m.support_mode);
    let support = [SupportMode::Centralised, SupportMode::Dispersed]
        .into_iter()
        .find(|wanted| modes.clone().any(|m| m == *wanted))
        .map(SupportMode::code);
    Ok((facts.residence.map(|r| r.code()), support))
}
