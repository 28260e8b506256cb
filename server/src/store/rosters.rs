//! 花名册: roster pages in keyset order, declarations opened here (the rows' names and phones
//! are inside them).

use super::dialect::{code, code_opt, day, day_opt, query, region, within};
use super::sealed::DECLARATION;
use super::SqlStore;
use app::domain::money::Money;
use app::store::*;

/// The household's latest application (its declaration names the head and the members).
const LATEST_APPLICATION: &str = "(SELECT a.id FROM applications a WHERE a.household_id = h.id \
    ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1)";
/// The decision in force: the one the household's last finalised application set
/// (`households.decision_id`, kept by `finalize`).
pub(super) const DECISION_IN_FORCE: &str = "h.decision_id";

#[derive(sqlx::FromRow)]
struct HouseholdRosterRow {
    id: String,
    region_code: String,
    standing: String,
    taper_since: Option<String>,
    assistance_until: Option<String>,
    number: Option<String>,
    declaration: Option<String>,
    category: Option<String>,
    monthly_amount: Option<i64>,
    effective_from: Option<String>,
}

impl TryFrom<HouseholdRosterRow> for HouseholdRosterRecord {
    type Error = DbError;
    fn try_from(r: HouseholdRosterRow) -> Result<Self, DbError> {
        Ok(HouseholdRosterRecord {
            id: r.id,
            region_code: region("region_code", &r.region_code)?,
            standing: code("standing", &r.standing)?,
            taper_since: day_opt("taper_since", r.taper_since.as_deref())?,
            assistance_until: day_opt("assistance_until", r.assistance_until.as_deref())?,
            latest_number: r.number,
            declaration_json: r.declaration,
            category: code_opt("category", r.category.as_deref())?,
            monthly_amount: r.monthly_amount.map(Money::from_fen),
            effective_from: day_opt("effective_from", r.effective_from.as_deref())?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ApplicationRosterRow {
    number: String,
    region_code: String,
    status: String,
    submitted_at: Millis,
    updated_at: Millis,
    declaration: String,
    category: Option<String>,
    monthly_amount: Option<i64>,
}

impl TryFrom<ApplicationRosterRow> for ApplicationRosterRecord {
    type Error = DbError;
    fn try_from(r: ApplicationRosterRow) -> Result<Self, DbError> {
        Ok(ApplicationRosterRecord {
            number: r.number,
            region_code: region("region_code", &r.region_code)?,
            status: code("status", &r.status)?,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            declaration_json: r.declaration,
            category: code_opt("category", r.category.as_deref())?,
            monthly_amount: r.monthly_amount.map(Money::from_fen),
        })
    }
}

#[derive(sqlx::FromRow)]
struct WarningRosterRow {
    id: i64,
    household_id: String,
    region_code: String,
    kind: String,
    level: String,
    status: String,
    visit_due: String,
    visited_on: Option<String>,
    created_at: Millis,
    declaration: Option<String>,
}

impl TryFrom<WarningRosterRow> for WarningRosterRecord {
    type Error = DbError;
    fn try_from(r: WarningRosterRow) -> Result<Self, DbError> {
        Ok(WarningRosterRecord {
            id: r.id,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            kind: code("kind", &r.kind)?,
            level: code("level", &r.level)?,
            status: code("status", &r.status)?,
            visit_due: day("visit_due", &r.visit_due)?,
            visited_on: day_opt("visited_on", r.visited_on.as_deref())?,
            created_at: r.created_at,
            declaration_json: r.declaration,
        })
    }
}

#[async_trait::async_trait]
impl RosterStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn roster_households(
        &self,
        q: HouseholdRosterQuery,
    ) -> Result<Vec<HouseholdRosterRecord>, DbError> {
        let rows = query(&format!(
            "SELECT h.id, h.region_code, h.standing, h.taper_since, h.assistance_until, \
             la.number AS number, la.declaration AS declaration, d.category AS category, \
             d.monthly_amount AS monthly_amount, d.effective_from AS effective_from \
             FROM households h \
             LEFT JOIN applications la ON la.id = {LATEST_APPLICATION} \
             LEFT JOIN decisions d ON d.id = {DECISION_IN_FORCE} \
             WHERE h.region_code LIKE $1 AND h.id > $2 AND ($3 = '' OR h.standing = $3) \
             AND ($4 = '' OR d.category = $4) ORDER BY h.id LIMIT $5"
        ))
        .bind(within(&q.region))
        .bind(q.after.unwrap_or_default())
        .bind(q.standing.map(|s| s.code()).unwrap_or_default())
        .bind(q.category.map(|c| c.code()).unwrap_or_default())
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let mut row: HouseholdRosterRow = r.decode()?;
                row.declaration = self.open_opt(DECLARATION, row.declaration)?;
                row.try_into()
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn roster_applications(
        &self,
        q: ApplicationRosterQuery,
    ) -> Result<Vec<ApplicationRosterRecord>, DbError> {
        let rows = query(
            "SELECT a.number, a.region_code, a.status, a.submitted_at, a.updated_at, \
             a.declaration, d.category AS category, d.monthly_amount AS monthly_amount \
             FROM applications a LEFT JOIN decisions d ON d.id = \
             (SELECT max(d2.id) FROM decisions d2 WHERE d2.application_id = a.id) \
             WHERE a.region_code LIKE $1 AND a.number > $2 AND ($3 = '' OR a.status = $3) \
             ORDER BY a.number LIMIT $4",
        )
        .bind(within(&q.region))
        .bind(q.after.unwrap_or_default())
        .bind(q.status.map(|s| s.code()).unwrap_or_default())
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let mut row: ApplicationRosterRow = r.decode()?;
                row.declaration = self.open(DECLARATION, &row.declaration)?;
                row.try_into()
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn roster_warnings(
        &self,
        q: WarningRosterQuery,
    ) -> Result<Vec<WarningRosterRecord>, DbError> {
        let rows = query(
            "SELECT w.id, w.household_id, w.region_code, w.kind, w.level, w.status, \
             w.visit_due, w.visited_on, w.created_at, \
             (SELECT a.declaration FROM applications a WHERE a.household_id = w.household_id \
             ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1) AS declaration \
             FROM warnings w WHERE w.region_code LIKE $1 AND w.id > $2 \
             AND ($3 = '' OR w.status = $3) ORDER BY w.id LIMIT $4",
        )
        .bind(within(&q.region))
        .bind(q.after.unwrap_or(0))
        .bind(q.status.map(|s| s.code()).unwrap_or_default())
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let mut row: WarningRosterRow = r.decode()?;
                row.declaration = self.open_opt(DECLARATION, row.declaration)?;
                row.try_into()
            })
            .collect()
    }
}
