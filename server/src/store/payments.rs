//! 资金发放: rolls and their lines. Lines go in and answers come back as JSON arrays of rows
//! (`Dialect::json_rows`), a batch per statement, so a roll of a million households is a few
//! hundred statements on either backend.

use super::dialect::{code, day_opt, query, region, within, Row};
use super::rosters::DECISION_IN_FORCE;
use super::{db_err, is_unique_violation, SqlStore};
use app::domain::money::Money;
use app::domain::payments::{Month, PayInput, PayLine};
use app::domain::region::RegionCode;
use app::store::*;

/// Rows per statement when lines are stored or answers recorded.
const BATCH: usize = 10_000;

fn month(column: &str, raw: &str) -> Result<Month, DbError> {
    Month::parse(raw).ok_or_else(|| DbError::Other(format!("stored {column} {raw:?}")))
}

fn month_opt(column: &str, raw: Option<&str>) -> Result<Option<Month>, DbError> {
    raw.map(|r| month(column, r)).transpose()
}

#[derive(sqlx::FromRow)]
struct InputRow {
    id: String,
    region_code: String,
    standing: String,
    assistance_until: Option<String>,
    taper_since: Option<String>,
    paid_through: Option<String>,
    category: String,
    monthly_amount: i64,
    effective_from: String,
    death_warning: Option<i64>,
}

impl TryFrom<InputRow> for PayInput {
    type Error = DbError;
    fn try_from(r: InputRow) -> Result<Self, DbError> {
        Ok(PayInput {
            household_id: r.id,
            region: region("region_code", &r.region_code)?,
            category: code("category", &r.category)?,
            monthly: Money::from_fen(r.monthly_amount),
            effective_from: super::dialect::day("effective_from", &r.effective_from)?,
            standing: code("standing", &r.standing)?,
            assistance_until: day_opt("assistance_until", r.assistance_until.as_deref())?,
            taper_since: day_opt("taper_since", r.taper_since.as_deref())?,
            paid_through: month_opt("paid_through", r.paid_through.as_deref())?,
            death_warning: r.death_warning,
        })
    }
}

const ROLL_COLUMNS: &str = "r.id, r.county, r.month, r.status, r.households, r.total, r.held, \
    r.prepared_by, p.display_name AS prepared_by_name, r.prepared_at, r.approved_by, \
    a.display_name AS approved_by_name, r.approved_at, r.reconciled_at \
    FROM payment_rolls r JOIN users p ON p.id = r.prepared_by \
    LEFT JOIN users a ON a.id = r.approved_by";

#[derive(sqlx::FromRow)]
struct RollRow {
    id: String,
    county: String,
    month: String,
    status: String,
    households: i64,
    total: i64,
    held: i64,
    prepared_by: String,
    prepared_by_name: String,
    prepared_at: Millis,
    approved_by: Option<String>,
    approved_by_name: Option<String>,
    approved_at: Option<Millis>,
    reconciled_at: Option<Millis>,
}

impl TryFrom<RollRow> for RollRecord {
    type Error = DbError;
    fn try_from(r: RollRow) -> Result<Self, DbError> {
        Ok(RollRecord {
            id: r.id,
            county: region("county", &r.county)?,
            month: month("month", &r.month)?,
            status: code("status", &r.status)?,
            households: r.households,
            total: Money::from_fen(r.total),
            held: Money::from_fen(r.held),
            prepared_by: r.prepared_by,
            prepared_by_name: r.prepared_by_name,
            prepared_at: r.prepared_at,
            approved_by: r.approved_by,
            approved_by_name: r.approved_by_name,
            approved_at: r.approved_at,
            reconciled_at: r.reconciled_at,
        })
    }
}

const LINE_COLUMNS: &str = "l.roll_id, l.household_id, l.region_code, l.category, l.fund, \
    l.monthly, l.arrears, l.arrears_months, l.amount, l.held, l.paid_through_before, l.notes, \
    l.bank_status, l.bank_reason";

#[derive(sqlx::FromRow)]
struct LineRow {
    roll_id: String,
    household_id: String,
    region_code: String,
    category: String,
    fund: String,
    monthly: i64,
    arrears: i64,
    arrears_months: i64,
    amount: i64,
    held: i64,
    paid_through_before: Option<String>,
    notes: String,
    bank_status: Option<String>,
    bank_reason: String,
}

impl TryFrom<LineRow> for LineRecord {
    type Error = DbError;
    fn try_from(r: LineRow) -> Result<Self, DbError> {
        let notes = serde_json::from_str(&r.notes)
            .map_err(|e| DbError::Other(format!("stored notes: {e}")))?;
        let bank = match r.bank_status.as_deref() {
            Some(s) => Some((code("bank_status", s)?, r.bank_reason)),
            None => None,
        };
        Ok(LineRecord {
            roll_id: r.roll_id,
            line: PayLine {
                household_id: r.household_id,
                region: region("region_code", &r.region_code)?,
                category: code("category", &r.category)?,
                fund: code("fund", &r.fund)?,
                monthly: Money::from_fen(r.monthly),
                arrears: Money::from_fen(r.arrears),
                arrears_months: u32::try_from(r.arrears_months)
                    .map_err(|_| DbError::Other("stored arrears_months".into()))?,
                amount: Money::from_fen(r.amount),
                held: Money::from_fen(r.held),
                paid_through_before: month_opt(
                    "paid_through_before",
                    r.paid_through_before.as_deref(),
                )?,
                notes,
            },
            bank,
        })
    }
}

fn decoded<T, R>(rows: &[Row]) -> Result<Vec<T>, DbError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + TryInto<T, Error = DbError>,
{
    rows.iter().map(|r| r.decode::<R>()?.try_into()).collect()
}

/// The condition a `LineFilter` adds to a query of lines (`l`).
fn line_filter(filter: LineFilter) -> &'static str {
    match filter {
        LineFilter::All => "",
        LineFilter::Failed => "AND l.bank_status = 'failed'",
        LineFilter::Paying => "AND l.amount > 0",
    }
}

/// Lines as `COPY` reads them (CSV; no `paid_through_before` is an empty field, NULL).
fn lines_csv(roll_id: &str, lines: &[PayLine]) -> Result<Vec<u8>, DbError> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(lines.len() * 160));
    for l in lines {
        w.write_record([
            roll_id,
            &l.household_id,
            l.region.as_str(),
            l.category.code(),
            l.fund.code(),
            &l.monthly.fen().to_string(),
            &l.arrears.fen().to_string(),
            &l.arrears_months.to_string(),
            &l.amount.fen().to_string(),
            &l.held.fen().to_string(),
            &l.paid_through_before
                .map(|m| m.to_string())
                .unwrap_or_default(),
            &notes_json(&l.notes),
        ])
        .map_err(|e| DbError::Other(e.to_string()))?;
    }
    w.into_inner().map_err(|e| DbError::Other(e.to_string()))
}

#[async_trait::async_trait]
impl PaymentStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn pay_inputs(
        &self,
        county: &RegionCode,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<PayInput>, DbError> {
        let rows = query(&format!(
            "SELECT h.id, h.region_code, h.standing, h.assistance_until, h.taper_since, \
             h.paid_through, d.category AS category, d.monthly_amount AS monthly_amount, \
             d.effective_from AS effective_from, \
             (SELECT min(w.id) FROM warnings w WHERE w.household_id = h.id AND w.kind = 'death' \
             AND w.status IN ('new', 'assigned', 'visited')) AS death_warning \
             FROM households h JOIN decisions d ON d.id = {DECISION_IN_FORCE} \
             WHERE h.region_code LIKE $1 AND h.id > $2 \
             AND h.standing IN ('in_assistance', 'exited') ORDER BY h.id LIMIT $3"
        ))
        .bind(within(&county.county()))
        .bind(after.unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        decoded::<PayInput, InputRow>(&rows)
    }

    #[tracing::instrument(skip_all)]
    async fn first_frozen_month(&self, county: &RegionCode) -> Result<Option<Month>, DbError> {
        let r = query(
            "SELECT min(month) AS m FROM payment_rolls WHERE county = $1 AND status <> 'prepared'",
        )
        .bind(county.county().as_str())
        .fetch_one(&self.db)
        .await?;
        let m: Option<String> = r.get("m")?;
        month_opt("month", m.as_deref())
    }

    #[tracing::instrument(skip_all)]
    async fn save_roll(&self, roll: NewRoll, lines: &[PayLine]) -> Result<(), DbError> {
        let county = roll.county.county();
        let mut tx = self.db.begin().await?;
        // The month's prepared roll, if any, goes (a write first: see the module's doc).
        query(
            "DELETE FROM payment_lines WHERE roll_id IN (SELECT id FROM payment_rolls \
             WHERE county = $1 AND month = $2 AND status = 'prepared')",
        )
        .bind(county.as_str())
        .bind(roll.month.to_string())
        .execute(&mut tx)
        .await?;
        query("DELETE FROM payment_rolls WHERE county = $1 AND month = $2 AND status = 'prepared'")
            .bind(county.as_str())
            .bind(roll.month.to_string())
            .execute(&mut tx)
            .await?;
        let total: i64 = lines.iter().map(|l| l.amount.fen()).sum();
        let held: i64 = lines.iter().map(|l| l.held.fen()).sum();
        let inserted = query(
            "INSERT INTO payment_rolls (id, county, month, status, households, total, held, \
             prepared_by, prepared_at) VALUES ($1, $2, $3, 'prepared', $4, $5, $6, $7, $8)",
        )
        .bind(&roll.id)
        .bind(county.as_str())
        .bind(roll.month.to_string())
        .bind(lines.len() as i64)
        .bind(total)
        .bind(held)
        .bind(&roll.prepared_by)
        .bind(roll.now)
        .execute_raw(&mut tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(DbError::Conflict("roll_frozen")),
            other => other.map_err(db_err)?,
        };
        let d = tx.dialect();
        let sql = format!(
            "INSERT INTO payment_lines (roll_id, household_id, region_code, category, fund, \
             monthly, arrears, arrears_months, amount, held, paid_through_before, notes) \
             SELECT $2, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM {}",
            d.json_field(0, false),
            d.json_field(1, false),
            d.json_field(2, false),
            d.json_field(3, false),
            d.json_field(4, true),
            d.json_field(5, true),
            d.json_field(6, true),
            d.json_field(7, true),
            d.json_field(8, true),
            d.json_field(9, false),
            d.json_field(10, false),
            d.json_rows(),
        );
        if d == super::dialect::Dialect::Postgres {
            let t0 = std::time::Instant::now();
            for batch in lines.chunks(BATCH * 10) {
                tx.copy_csv(
                    "COPY payment_lines (roll_id, household_id, region_code, category, fund, \
                     monthly, arrears, arrears_months, amount, held, paid_through_before, notes) \
                     FROM STDIN (FORMAT csv)",
                    lines_csv(&roll.id, batch)?,
                )
                .await?;
            }
            let copied = t0.elapsed();
            tx.commit().await?;
            tracing::info!(
                copy_ms = copied.as_millis() as u64,
                commit_ms = (t0.elapsed() - copied).as_millis() as u64,
                "lines copied"
            );
            return Ok(());
        }
        for batch in lines.chunks(BATCH) {
            let rows: Vec<serde_json::Value> = batch
                .iter()
                .map(|l| {
                    serde_json::json!([
                        l.household_id,
                        l.region.as_str(),
                        l.category.code(),
                        l.fund.code(),
                        l.monthly.fen(),
                        l.arrears.fen(),
                        l.arrears_months,
                        l.amount.fen(),
                        l.held.fen(),
                        l.paid_through_before.map(|m| m.to_string()),
                        notes_json(&l.notes),
                    ])
                })
                .collect();
            query(&sql)
                .bind(serde_json::Value::Array(rows).to_string())
                .bind(&roll.id)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn roll(&self, id: &str) -> Result<Option<RollRecord>, DbError> {
        let rows = query(&format!("SELECT {ROLL_COLUMNS} WHERE r.id = $1"))
            .bind(id)
            .fetch_all(&self.db)
            .await?;
        Ok(decoded::<RollRecord, RollRow>(&rows)?.pop())
    }

    #[tracing::instrument(skip_all)]
    async fn rolls(&self, county: &RegionCode, limit: i64) -> Result<Vec<RollRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {ROLL_COLUMNS} WHERE r.county = $1 ORDER BY r.month DESC LIMIT $2"
        ))
        .bind(county.county().as_str())
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        decoded::<RollRecord, RollRow>(&rows)
    }

    #[tracing::instrument(skip_all)]
    async fn roll_totals(&self, roll_id: &str) -> Result<Vec<RollTotal>, DbError> {
        let rows = query(
            "SELECT category, fund, count(*) AS households, CAST(sum(amount) AS BIGINT) AS amount, \
             CAST(sum(held) AS BIGINT) AS held FROM payment_lines WHERE roll_id = $1 \
             GROUP BY category, fund ORDER BY category, fund",
        )
        .bind(roll_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let category: String = r.get("category")?;
                let fund: String = r.get("fund")?;
                Ok(RollTotal {
                    category: code("category", &category)?,
                    fund: code("fund", &fund)?,
                    households: r.get("households")?,
                    amount: Money::from_fen(r.get::<Option<i64>, _>("amount")?.unwrap_or(0)),
                    held: Money::from_fen(r.get::<Option<i64>, _>("held")?.unwrap_or(0)),
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn roll_lines(
        &self,
        roll_id: &str,
        filter: LineFilter,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<LineRecord>, DbError> {
        let only = line_filter(filter);
        let rows = query(&format!(
            "SELECT {LINE_COLUMNS} FROM payment_lines l WHERE l.roll_id = $1 \
             AND l.household_id > $2 {only} ORDER BY l.household_id LIMIT $3"
        ))
        .bind(roll_id)
        .bind(after.unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        decoded::<LineRecord, LineRow>(&rows)
    }

    #[tracing::instrument(skip_all)]
    async fn payees(
        &self,
        roll_id: &str,
        filter: LineFilter,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<PayeeRecord>, DbError> {
        let only = line_filter(filter);
        let rows = query(&format!(
            "SELECT {LINE_COLUMNS}, h.head_id_sealed, \
             (SELECT a.declaration FROM applications a WHERE a.household_id = h.id \
             ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1) AS declaration, \
             (SELECT c.person_name FROM caseload c WHERE c.household_id = h.id \
             AND c.relation = 'head' ORDER BY c.since, c.roster LIMIT 1) AS listed_name \
             FROM payment_lines l JOIN households h ON h.id = l.household_id \
             WHERE l.roll_id = $1 AND l.household_id > $2 {only} \
             ORDER BY l.household_id LIMIT $3"
        ))
        .bind(roll_id)
        .bind(after.unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let sealed: String = r.get("head_id_sealed")?;
                let declaration: Option<String> = r.get("declaration")?;
                let listed: Option<String> = r.get("listed_name")?;
                Ok(PayeeRecord {
                    line: r.decode::<LineRow>()?.try_into()?,
                    head_id_number: super::dialect::id_number(
                        "head_id_sealed",
                        &self.open(super::sealed::ID_SEALED, &sealed)?,
                    )?,
                    listed_head_name: match declaration {
                        Some(_) => None,
                        None => self.open_opt(super::sealed::CASELOAD_NAME, listed)?,
                    },
                    declaration_json: self.open_opt(super::sealed::DECLARATION, declaration)?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn approve_roll(&self, id: &str, actor_id: &str, now: Millis) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let r = query(
            "UPDATE payment_rolls SET status = status WHERE id = $1 \
             RETURNING status, prepared_by, month",
        )
        .bind(id)
        .fetch_optional(&mut tx)
        .await?
        .ok_or(DbError::NotFound)?;
        let status: String = r.get("status")?;
        let prepared_by: String = r.get("prepared_by")?;
        let month: String = r.get("month")?;
        if status != "prepared" {
            return Err(DbError::Conflict("roll_state"));
        }
        if prepared_by == actor_id {
            return Err(DbError::Conflict("same_person"));
        }
        // A household paid by another roll since this one was computed: its line is out of date.
        let stale: i64 = query(
            "SELECT count(*) AS n FROM payment_lines l JOIN households h ON h.id = l.household_id \
             WHERE l.roll_id = $1 AND COALESCE(h.paid_through, '') <> \
             COALESCE(l.paid_through_before, '')",
        )
        .bind(id)
        .fetch_one(&mut tx)
        .await?
        .get("n")?;
        if stale > 0 {
            return Err(DbError::Conflict("roll_stale"));
        }
        query(
            "UPDATE households SET paid_through = $2 WHERE id IN \
             (SELECT household_id FROM payment_lines WHERE roll_id = $1 AND amount > 0)",
        )
        .bind(id)
        .bind(&month)
        .execute(&mut tx)
        .await?;
        query(
            "UPDATE payment_rolls SET status = 'approved', approved_by = $2, approved_at = $3 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(actor_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn record_bank_return(
        &self,
        roll_id: &str,
        answers: &[BankAnswer],
        now: Millis,
    ) -> Result<ReturnOutcome, DbError> {
        let mut tx = self.db.begin().await?;
        let r = query("UPDATE payment_rolls SET status = status WHERE id = $1 RETURNING status")
            .bind(roll_id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(DbError::NotFound)?;
        let status: String = r.get("status")?;
        if status == "prepared" {
            return Err(DbError::Conflict("roll_state"));
        }
        let d = tx.dialect();
        let sql = format!(
            "UPDATE payment_lines SET bank_status = {s}, bank_reason = {why} FROM {rows} \
             WHERE payment_lines.roll_id = $2 AND payment_lines.household_id = {h} \
             AND payment_lines.amount > 0 RETURNING payment_lines.household_id",
            s = d.json_field(1, false),
            why = d.json_field(2, false),
            h = d.json_field(0, false),
            rows = d.json_rows(),
        );
        let mut matched = std::collections::HashSet::new();
        for batch in answers.chunks(BATCH) {
            let rows: Vec<serde_json::Value> = batch
                .iter()
                .map(|a| serde_json::json!([a.household_id, a.status.code(), a.reason]))
                .collect();
            for r in query(&sql)
                .bind(serde_json::Value::Array(rows).to_string())
                .bind(roll_id)
                .fetch_all(&mut tx)
                .await?
            {
                matched.insert(r.get::<String, _>(0)?);
            }
        }
        let mut unknown: Vec<String> = answers
            .iter()
            .filter(|a| !matched.contains(&a.household_id))
            .map(|a| a.household_id.clone())
            .collect();
        unknown.sort();
        unknown.dedup();
        let sums = query(
            "SELECT \
             CAST(COALESCE(sum(CASE WHEN bank_status IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS unanswered, \
             CAST(COALESCE(sum(CASE WHEN bank_status = 'paid' THEN amount ELSE 0 END), 0) \
             AS BIGINT) AS paid, \
             CAST(COALESCE(sum(CASE WHEN bank_status = 'failed' THEN amount ELSE 0 END), 0) \
             AS BIGINT) AS failed \
             FROM payment_lines WHERE roll_id = $1 AND amount > 0",
        )
        .bind(roll_id)
        .fetch_one(&mut tx)
        .await?;
        let unanswered: i64 = sums.get("unanswered")?;
        let reconciled = unanswered == 0;
        if reconciled {
            query(
                "UPDATE payment_rolls SET status = 'reconciled', reconciled_at = $2 WHERE id = $1",
            )
            .bind(roll_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        let outcome = ReturnOutcome {
            matched: matched.len() as i64,
            unknown,
            unanswered,
            paid: Money::from_fen(sums.get("paid")?),
            failed: Money::from_fen(sums.get("failed")?),
            reconciled,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    #[tracing::instrument(skip_all)]
    async fn paid_after_exit(
        &self,
        county: &RegionCode,
    ) -> Result<Vec<(Month, LineRecord, chrono::NaiveDate)>, DbError> {
        let rows = query(&format!(
            "SELECT r.month AS roll_month, h.assistance_until, {LINE_COLUMNS} FROM payment_lines l \
             JOIN payment_rolls r ON r.id = l.roll_id JOIN households h ON h.id = l.household_id \
             WHERE r.county = $1 AND r.status <> 'prepared' AND l.amount > 0 \
             AND h.standing = 'exited' AND h.assistance_until IS NOT NULL \
             AND r.month >= substr(h.assistance_until, 1, 7) \
             ORDER BY r.month DESC, l.household_id LIMIT 500"
        ))
        .bind(county.county().as_str())
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let m: String = r.get("roll_month")?;
                let until: String = r.get("assistance_until")?;
                Ok((
                    month("month", &m)?,
                    r.decode::<LineRow>()?.try_into()?,
                    super::dialect::day("assistance_until", &until)?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn household_payments(
        &self,
        household_id: &str,
    ) -> Result<Vec<(Month, LineRecord)>, DbError> {
        let rows = query(&format!(
            "SELECT r.month AS roll_month, {LINE_COLUMNS} FROM payment_lines l \
             JOIN payment_rolls r ON r.id = l.roll_id WHERE l.household_id = $1 \
             AND r.status <> 'prepared' ORDER BY r.month DESC LIMIT 120"
        ))
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let m: String = r.get("roll_month")?;
                Ok((month("month", &m)?, r.decode::<LineRow>()?.try_into()?))
            })
            .collect()
    }
}
