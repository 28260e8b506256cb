//! 花名册: roster pages in keyset order, declarations opened here (the rows' names and phones
//! are inside them).

use super::dialect::{code, code_opt, day, day_opt, query, region, within, Dialect, Row};
use super::sealed::{
    CASELOAD_ADDRESS, CASELOAD_ID, CASELOAD_NAME, CASELOAD_PHONE, DECLARATION, EMERGENCY_NAME,
};
use super::SqlStore;
use app::domain::money::Money;
use app::domain::roster::{MonthSpan, WarningOrigin};
use app::store::*;

/// The bounds of a span of months as instants (`[start, end)`), or everything.
fn instants(span: Option<MonthSpan>) -> (i64, i64) {
    span.map_or((i64::MIN, i64::MAX), MonthSpan::millis)
}

/// The bounds of a span of months as days (`YYYY-MM-DD`, inclusive), or everything.
fn days(span: Option<MonthSpan>) -> (String, String) {
    span.map_or_else(
        || (String::new(), "9999-12-31".to_string()),
        |s| (s.first_day().to_string(), s.last_day().to_string()),
    )
}

/// The columns naming a household's head on a roster line: its latest declaration (the head,
/// phone and members), and the columns of `listed_head` (`HeadColumns`).
fn latest_declaration(household: &str) -> String {
    format!(
        "(SELECT a.declaration FROM applications a WHERE a.household_id = {household} \
         ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1) AS declaration, {listed}",
        listed = listed_head(household, "true")
    )
}

/// For a household taken in from rosters, which has no declaration when it never applied: the
/// head as listed, and how many persons it has — read only `when` (SQL) holds, e.g. when the
/// line has no declaration (five lookups a line otherwise).
fn listed_head(household: &str, when: &str) -> String {
    let listed = |column: &str| {
        format!(
            "CASE WHEN {when} THEN (SELECT c.{column} FROM caseload c \
             WHERE c.household_id = {household} \
             AND c.relation = 'head' ORDER BY c.since, c.roster LIMIT 1) END"
        )
    };
    format!(
        "{name} AS listed_name, {id} AS listed_id, {address} AS listed_address, \
         {phone} AS listed_phone, \
         CASE WHEN {when} THEN (SELECT COUNT(*) FROM persons p \
         WHERE p.household_id = {household}) END AS listed_persons",
        name = listed("person_name"),
        id = listed("person_id"),
        address = listed("address"),
        phone = listed("phone"),
    )
}

/// What `latest_declaration` selects, each sealed as stored until `SqlStore::opened`.
#[derive(sqlx::FromRow)]
pub(super) struct HeadColumns {
    declaration: Option<String>,
    listed_name: Option<String>,
    listed_id: Option<String>,
    listed_address: Option<String>,
    listed_phone: Option<String>,
    listed_persons: Option<i64>,
}

impl HeadColumns {
    /// The declaration, and the listed head where there is none (both opened).
    fn into_parts(self) -> Result<(Option<String>, Option<ListedHead>), DbError> {
        if self.declaration.is_some() {
            return Ok((self.declaration, None));
        }
        let listed = match (self.listed_name, self.listed_id) {
            (Some(name), Some(id)) => Some(ListedHead {
                name,
                id_number: super::dialect::id_number("listed_id", &id)?,
                address: self.listed_address.unwrap_or_default(),
                phone: match self.listed_phone.as_deref() {
                    None | Some("") => None,
                    Some(p) => Some(
                        app::domain::phone::Phone::parse(p)
                            .map_err(|_| DbError::Other("stored caseload.phone".into()))?,
                    ),
                },
                persons: self.listed_persons.unwrap_or(0),
            }),
            _ => None,
        };
        Ok((None, listed))
    }
}

/// The household's latest application (its declaration names the head and the members).
const LATEST_APPLICATION: &str = "(SELECT a.id FROM applications a WHERE a.household_id = h.id \
    ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1)";
/// The decision in force: the one the household's last finalised application set
/// (`households.decision_id`, kept by `finalize`), or its intake from rosters.
pub(super) const DECISION_IN_FORCE: &str = "h.decision_id";

#[derive(sqlx::FromRow)]
struct HouseholdRosterRow {
    id: String,
    region_code: String,
    standing: String,
    taper_since: Option<String>,
    assistance_until: Option<String>,
    number: Option<String>,
    #[sqlx(flatten)]
    head: HeadColumns,
    residence: Option<String>,
    category: Option<String>,
    monthly_amount: Option<i64>,
    effective_from: Option<String>,
}

impl TryFrom<HouseholdRosterRow> for HouseholdRosterRecord {
    type Error = DbError;
    fn try_from(r: HouseholdRosterRow) -> Result<Self, DbError> {
        let (declaration_json, listed_head) = r.head.into_parts()?;
        Ok(HouseholdRosterRecord {
            id: r.id,
            region_code: region("region_code", &r.region_code)?,
            standing: code("standing", &r.standing)?,
            taper_since: day_opt("taper_since", r.taper_since.as_deref())?,
            assistance_until: day_opt("assistance_until", r.assistance_until.as_deref())?,
            latest_number: r.number,
            declaration_json,
            listed_head,
            residence: code_opt("residence", r.residence.as_deref())?,
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
    #[sqlx(flatten)]
    head: HeadColumns,
}

impl TryFrom<WarningRosterRow> for WarningRosterRecord {
    type Error = DbError;
    fn try_from(r: WarningRosterRow) -> Result<Self, DbError> {
        let (declaration_json, listed_head) = r.head.into_parts()?;
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
            declaration_json,
            listed_head,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ReferralRosterRow {
    id: i64,
    household_id: String,
    region_code: String,
    department: String,
    need: String,
    status: String,
    due_on: String,
    created_at: Millis,
    answered_at: Option<Millis>,
    #[sqlx(flatten)]
    head: HeadColumns,
}

impl TryFrom<ReferralRosterRow> for ReferralRosterRecord {
    type Error = DbError;
    fn try_from(r: ReferralRosterRow) -> Result<Self, DbError> {
        let (declaration_json, listed_head) = r.head.into_parts()?;
        Ok(ReferralRosterRecord {
            id: r.id,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            department: code("department", &r.department)?,
            need: code("need", &r.need)?,
            status: code("status", &r.status)?,
            due_on: day("due_on", &r.due_on)?,
            created_at: r.created_at,
            answered_at: r.answered_at,
            declaration_json,
            listed_head,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EmergencyRosterRow {
    id: String,
    household_id: String,
    region_code: String,
    person_name: String,
    advance: bool,
    amount: i64,
    documents_due: Option<String>,
    documents_received_at: Option<Millis>,
    recorded_at: Millis,
    #[sqlx(flatten)]
    head: HeadColumns,
}

impl TryFrom<EmergencyRosterRow> for EmergencyRosterRecord {
    type Error = DbError;
    fn try_from(r: EmergencyRosterRow) -> Result<Self, DbError> {
        let (declaration_json, listed_head) = r.head.into_parts()?;
        Ok(EmergencyRosterRecord {
            id: r.id,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            person_name: r.person_name,
            advance: r.advance,
            amount: Money::from_fen(r.amount),
            documents_due: day_opt("documents_due", r.documents_due.as_deref())?,
            documents_received_at: r.documents_received_at,
            recorded_at: r.recorded_at,
            declaration_json,
            listed_head,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RecoveryRosterRow {
    id: String,
    household_id: String,
    region_code: String,
    reason: String,
    state: String,
    amount: i64,
    repaid: i64,
    written_off: i64,
    decision: String,
    opened_at: Millis,
    #[sqlx(flatten)]
    head: HeadColumns,
}

impl TryFrom<RecoveryRosterRow> for RecoveryRosterRecord {
    type Error = DbError;
    fn try_from(r: RecoveryRosterRow) -> Result<Self, DbError> {
        let (declaration_json, listed_head) = r.head.into_parts()?;
        Ok(RecoveryRosterRecord {
            id: r.id,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            reason: code("reason", &r.reason)?,
            state: code("state", &r.state)?,
            amount: Money::from_fen(r.amount),
            repaid: Money::from_fen(r.repaid),
            written_off: Money::from_fen(r.written_off),
            decision: r.decision,
            opened_at: r.opened_at,
            declaration_json,
            listed_head,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CharityRosterRow {
    id: String,
    household_id: String,
    township: String,
    kind: String,
    form: String,
    amount: i64,
    delivered: i64,
    state: String,
    created_at: Millis,
    closed_at: Option<Millis>,
    #[sqlx(flatten)]
    head: HeadColumns,
}

impl TryFrom<CharityRosterRow> for CharityRosterRecord {
    type Error = DbError;
    fn try_from(r: CharityRosterRow) -> Result<Self, DbError> {
        let (declaration_json, listed_head) = r.head.into_parts()?;
        Ok(CharityRosterRecord {
            id: r.id,
            household_id: r.household_id,
            township: region("township", &r.township)?,
            kind: code("kind", &r.kind)?,
            form: code("form", &r.form)?,
            amount: r.amount,
            delivered: r.delivered,
            state: code("state", &r.state)?,
            created_at: r.created_at,
            closed_at: r.closed_at,
            declaration_json,
            listed_head,
        })
    }
}

impl SqlStore {
    /// Rows as records, each row's declaration (the household's latest) and listed head
    /// opened first.
    fn opened<T, R>(
        &self,
        rows: &[Row],
        head: impl Fn(&mut T) -> &mut HeadColumns,
    ) -> Result<Vec<R>, DbError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
        R: TryFrom<T, Error = DbError>,
    {
        rows.iter()
            .map(|r| {
                let mut row: T = r.decode()?;
                self.open_head(head(&mut row))?;
                row.try_into()
            })
            .collect()
    }

    /// Opens what `latest_declaration` selected, in place.
    fn open_head(&self, h: &mut HeadColumns) -> Result<(), DbError> {
        h.declaration = self.open_opt(DECLARATION, h.declaration.take())?;
        if h.declaration.is_some() {
            // The declaration names the head: the listed one is not read (nor opened).
            (h.listed_name, h.listed_id, h.listed_address, h.listed_phone) =
                (None, None, None, None);
            return Ok(());
        }
        h.listed_name = self.open_opt(CASELOAD_NAME, h.listed_name.take())?;
        h.listed_id = self.open_opt(CASELOAD_ID, h.listed_id.take())?;
        for (column, sealed) in [
            (CASELOAD_ADDRESS, &mut h.listed_address),
            (CASELOAD_PHONE, &mut h.listed_phone),
        ] {
            *sealed = match sealed.take() {
                Some(s) if !s.is_empty() => Some(self.open(column, &s)?),
                other => other,
            };
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl RosterStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn roster_households(
        &self,
        q: HouseholdRosterQuery,
    ) -> Result<Vec<HouseholdRosterRecord>, DbError> {
        let span = q.flow.map(|(_, s)| s);
        let (first, last) = days(span);
        let (start, end) = instants(span);
        // The page first, then the listed head of its lines without a declaration: the
        // lookups run for the page's lines only, never for the rows a plan reads before its
        // limit.
        let sql = format!(
            "SELECT l.*, {listed} FROM (\
             SELECT h.id, h.region_code, h.standing, h.taper_since, h.assistance_until, \
             la.number AS number, la.declaration AS declaration, h.residence, \
             d.category AS category, \
             d.monthly_amount AS monthly_amount, d.effective_from AS effective_from \
             FROM households h \
             LEFT JOIN applications la ON la.id = {LATEST_APPLICATION} \
             LEFT JOIN decisions d ON d.id = {DECISION_IN_FORCE} \
             WHERE h.region_code LIKE $1 AND h.id > $2 AND ($3 = '' OR h.standing = $3) \
             AND ($4 = '' OR d.category = $4) \
             AND ($5 = '' \
               OR ($5 = 'entered' AND d.effective_from >= $6 AND d.effective_from <= $7) \
               OR ($5 = 'exited' AND h.standing = 'exited' AND h.standing_at >= $8 \
                   AND h.standing_at < $9) \
               OR ($5 = 'tapering' AND h.taper_since >= $6 AND h.taper_since <= $7)) \
             AND ($11 = '*' OR COALESCE(h.residence, '') = $11) \
             ORDER BY h.id LIMIT $10) l ORDER BY l.id",
            listed = listed_head("l.id", "l.declaration IS NULL")
        );
        let bound = || {
            query(&sql)
                .bind(within(&q.region))
                .bind(q.after.unwrap_or_default())
                .bind(q.standing.map(|s| s.code()).unwrap_or_default())
                .bind(q.category.map(|c| c.code()).unwrap_or_default())
                .bind(q.flow.map(|(f, _)| f.code()).unwrap_or_default())
                .bind(first)
                .bind(last)
                .bind(start)
                .bind(end)
                .bind(q.limit)
                .bind(match q.residence {
                    None => "*",
                    Some(None) => "",
                    Some(Some(r)) => r.code(),
                })
        };
        // PostgreSQL plans the page for the values of this page (not a generic plan): for
        // "any" filters a generic plan guessed one row and read every household after the
        // key, then sorted them, on every page (100 000 households: 19 s instead of ~3).
        let rows = if self.db.dialect() == Dialect::Postgres {
            let mut tx = self.db.begin().await?;
            query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(&mut tx)
                .await?;
            let rows = bound().fetch_all(&mut tx).await?;
            tx.commit().await?;
            rows
        } else {
            bound().fetch_all(&self.db).await?
        };
        self.opened(&rows, |row: &mut HouseholdRosterRow| &mut row.head)
    }

    #[tracing::instrument(skip_all)]
    async fn roster_applications(
        &self,
        q: ApplicationRosterQuery,
    ) -> Result<Vec<ApplicationRosterRecord>, DbError> {
        let (start, end) = instants(q.decided);
        let rows = query(
            "SELECT a.number, a.region_code, a.status, a.submitted_at, a.updated_at, \
             a.declaration, d.category AS category, d.monthly_amount AS monthly_amount \
             FROM applications a LEFT JOIN decisions d ON d.id = \
             (SELECT max(d2.id) FROM decisions d2 WHERE d2.application_id = a.id) \
             WHERE a.region_code LIKE $1 AND a.number > $2 AND ($3 = '' OR a.status = $3) \
             AND ($4 = 0 OR (d.decided_at >= $5 AND d.decided_at < $6)) \
             ORDER BY a.number LIMIT $7",
        )
        .bind(within(&q.region))
        .bind(q.after.unwrap_or_default())
        .bind(q.status.map(|s| s.code()).unwrap_or_default())
        .bind(i64::from(q.decided.is_some()))
        .bind(start)
        .bind(end)
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
        let (start, end) = instants(q.raised);
        // The origin as the statistics key it: a source's code, '' for staff, '*' for any.
        let origin = match q.origin {
            None => "*",
            Some(WarningOrigin::Staff) => "",
            Some(WarningOrigin::File(s)) => s.code(),
        };
        let rows = query(&format!(
            "SELECT w.id, w.household_id, w.region_code, w.kind, w.level, w.status, \
             w.visit_due, w.visited_on, w.created_at, {declaration} \
             FROM warnings w LEFT JOIN imports i ON i.id = w.import_id \
             WHERE w.region_code LIKE $1 AND w.id > $2 \
             AND ($3 = '' OR w.status = $3) AND ($4 = '' OR w.level = $4) \
             AND ($5 = '*' OR COALESCE(i.source, '') = $5) \
             AND ($6 = '' \
               OR ($6 = 'due' AND (w.visited_on IS NOT NULL OR w.visit_due < $7)) \
               OR ($6 = 'on_time' AND w.visited_on IS NOT NULL AND w.visited_on <= w.visit_due)) \
             AND w.created_at >= $8 AND w.created_at < $9 \
             ORDER BY w.id LIMIT $10",
            declaration = latest_declaration("w.household_id")
        ))
        .bind(within(&q.region))
        .bind(q.after.unwrap_or(0))
        .bind(q.status.map(|s| s.code()).unwrap_or_default())
        .bind(q.level.map(|l| l.code()).unwrap_or_default())
        .bind(origin)
        .bind(q.visit.map(|v| v.code()).unwrap_or_default())
        .bind(q.today.to_string())
        .bind(start)
        .bind(end)
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        self.opened(&rows, |row: &mut WarningRosterRow| &mut row.head)
    }

    #[tracing::instrument(skip_all)]
    async fn roster_referrals(
        &self,
        q: ReferralRosterQuery,
    ) -> Result<Vec<ReferralRosterRecord>, DbError> {
        let (start, end) = instants(q.sent);
        let rows = query(&format!(
            "SELECT r.id, r.household_id, r.region_code, r.department, r.need, r.status, \
             r.due_on, r.created_at, r.answered_at, {declaration} \
             FROM referrals r WHERE r.region_code LIKE $1 AND r.id > $2 \
             AND ($3 = '' OR r.department = $3) \
             AND ($4 = '' OR ($4 = 'answered' AND r.status <> 'sent') OR r.status = $4) \
             AND r.created_at >= $5 AND r.created_at < $6 ORDER BY r.id LIMIT $7",
            declaration = latest_declaration("r.household_id")
        ))
        .bind(within(&q.region))
        .bind(q.after.unwrap_or(0))
        .bind(q.department.map(|d| d.code()).unwrap_or_default())
        .bind(q.status.map(|s| s.code()).unwrap_or_default())
        .bind(start)
        .bind(end)
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        self.opened(&rows, |row: &mut ReferralRosterRow| &mut row.head)
    }

    #[tracing::instrument(skip_all)]
    async fn roster_emergency(
        &self,
        q: EmergencyRosterQuery,
    ) -> Result<Vec<EmergencyRosterRecord>, DbError> {
        let (start, end) = instants(q.recorded);
        let rows = query(&format!(
            "SELECT e.id, e.household_id, e.region_code, e.person_name, e.advance, \
             a.amount AS amount, e.documents_due, e.documents_received_at, e.recorded_at, \
             {declaration} \
             FROM emergency_aid e JOIN assistance a ON a.id = e.assistance_id \
             WHERE e.region_code LIKE $1 AND e.id > $2 \
             AND ($3 = '' OR ($3 = 'advance') = e.advance) \
             AND e.recorded_at >= $4 AND e.recorded_at < $5 ORDER BY e.id LIMIT $6",
            declaration = latest_declaration("e.household_id")
        ))
        .bind(within(&q.region))
        .bind(q.after.unwrap_or_default())
        .bind(q.form.map(|f| f.code()).unwrap_or_default())
        .bind(start)
        .bind(end)
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let mut row: EmergencyRosterRow = r.decode()?;
                row.person_name = self.open(EMERGENCY_NAME, &row.person_name)?;
                self.open_head(&mut row.head)?;
                row.try_into()
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn roster_recovery(
        &self,
        q: RecoveryRosterQuery,
    ) -> Result<Vec<RecoveryRosterRecord>, DbError> {
        let (start, end) = instants(q.opened);
        let rows = query(&format!(
            "SELECT c.id, c.household_id, c.region_code, c.reason, c.state, c.amount, c.repaid, \
             c.written_off, c.decision, c.opened_at, {declaration} \
             FROM recovery_cases c WHERE c.region_code LIKE $1 AND c.id > $2 \
             AND ($3 = '' OR c.reason = $3) \
             AND ($4 = '' OR ($4 = 'outstanding' AND c.state <> 'closed') OR c.state = $4) \
             AND c.opened_at >= $5 AND c.opened_at < $6 ORDER BY c.id LIMIT $7",
            declaration = latest_declaration("c.household_id")
        ))
        .bind(within(&q.region))
        .bind(q.after.unwrap_or_default())
        .bind(q.reason.map(|r| r.code()).unwrap_or_default())
        .bind(q.status.map(|s| s.code()).unwrap_or_default())
        .bind(start)
        .bind(end)
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        self.opened(&rows, |row: &mut RecoveryRosterRow| &mut row.head)
    }

    #[tracing::instrument(skip_all)]
    async fn roster_charity(
        &self,
        q: CharityRosterQuery,
    ) -> Result<Vec<CharityRosterRecord>, DbError> {
        let (start, end) = instants(q.closed);
        let rows = query(&format!(
            "SELECT n.id, n.household_id, n.township, n.kind, n.form, n.amount, n.delivered, \
             n.state, n.created_at, n.closed_at, {declaration} \
             FROM charity_needs n WHERE n.township LIKE $1 AND n.id > $2 \
             AND ($3 = '' OR n.form = $3) AND ($4 = '' OR n.state = $4) \
             AND ($5 = 0 OR (n.closed_at >= $6 AND n.closed_at < $7)) ORDER BY n.id LIMIT $8",
            declaration = latest_declaration("n.household_id")
        ))
        .bind(within(&q.region))
        .bind(q.after.unwrap_or_default())
        .bind(q.form.map(|f| f.code()).unwrap_or_default())
        .bind(q.status.map(|s| s.code()).unwrap_or_default())
        .bind(i64::from(q.closed.is_some()))
        .bind(start)
        .bind(end)
        .bind(q.limit)
        .fetch_all(&self.db)
        .await?;
        self.opened(&rows, |row: &mut CharityRosterRow| &mut row.head)
    }
}
