//! 统计: counts per finest region and month, grouped by the database (one pass per table), and
//! the maintained figures the dashboard reads, replaced whole in one transaction.

use super::dialect::{query, region, within, Dialect, Row};
use super::SqlStore;
use app::domain::payments::Month;
use app::domain::policy::assess::Category;
use app::domain::region::RegionCode;
use app::store::*;

/// Figures inserted per statement (8 values each).
const INSERT_BATCH: usize = 500;

/// A grouped row of a base query: its region, month (`None` for a current count), up to four
/// text keys and two sums, read by name.
struct Counted {
    region: RegionCode,
    month: Option<Month>,
    keys: [String; 4],
    n: i64,
    amount: i64,
}

/// `None` for a row dated outside the months the figures keep (2000–2199: a clock set wrong
/// when it was recorded); it is left out of the figures and logged rather than stopping them.
fn counted(r: &Row) -> Result<Option<Counted>, DbError> {
    let raw_region: String = r.get("region")?;
    let raw_month: Option<String> = r.get("month")?;
    let month = match raw_month.as_deref() {
        None | Some("") => None,
        Some(m) => match Month::parse(m) {
            Some(m) => Some(m),
            None => {
                tracing::warn!(
                    month = m,
                    "a record dated outside 2000-2199 left out of the statistics"
                );
                return Ok(None);
            }
        },
    };
    let key = |name: &str| -> Result<String, DbError> {
        Ok(r.get::<Option<String>, _>(name)?.unwrap_or_default())
    };
    Ok(Some(Counted {
        region: region("region", &raw_region)?,
        month,
        keys: [key("k1")?, key("k2")?, key("k3")?, key("k4")?],
        n: r.get("n")?,
        amount: r.get("amount")?,
    }))
}

fn figure(c: &Counted, measure: Measure, k1: &str, k2: &str, n: i64, amount: i64) -> Figure {
    Figure {
        region: c.region.clone(),
        measure,
        month: c.month,
        k1: k1.to_string(),
        k2: k2.to_string(),
        n,
        amount,
    }
}

/// The base queries: each selects `region`, `month`, `k1`..`k4`, `n`, `amount` (absent keys
/// as NULL), grouped. `$1` is today (`YYYY-MM-DD`) where a query needs it.
fn base_queries(d: Dialect) -> Vec<(&'static str, String)> {
    let month = |c: &str| d.month_of_millis(c);
    vec![
        // Households in assistance now: category, residence, support mode; persons.
        (
            "households",
            "SELECT h.region_code AS region, NULL AS month, d.category AS k1, \
             COALESCE(h.residence, '') AS k2, COALESCE(h.support_mode, '') AS k3, NULL AS k4, \
             COUNT(*) AS n, CAST(COALESCE(SUM(p.c), 0) AS BIGINT) AS amount \
             FROM households h JOIN decisions d ON d.id = h.decision_id \
             LEFT JOIN (SELECT household_id, COUNT(*) AS c FROM persons GROUP BY household_id) p \
               ON p.household_id = h.id \
             WHERE h.standing = 'in_assistance' \
             GROUP BY h.region_code, d.category, COALESCE(h.residence, ''), \
               COALESCE(h.support_mode, '')"
                .to_string(),
        ),
        // Entered: the decision (last) in force of every household, by the month it took effect.
        (
            "entered",
            "SELECT h.region_code AS region, substr(d.effective_from, 1, 7) AS month, \
             d.category AS k1, NULL AS k2, NULL AS k3, NULL AS k4, COUNT(*) AS n, \
             CAST(0 AS BIGINT) AS amount \
             FROM households h JOIN decisions d ON d.id = h.decision_id \
             GROUP BY h.region_code, substr(d.effective_from, 1, 7), d.category"
                .to_string(),
        ),
        (
            "exited",
            format!(
                "SELECT region_code AS region, {m} AS month, NULL AS k1, NULL AS k2, NULL AS k3, \
                 NULL AS k4, COUNT(*) AS n, CAST(0 AS BIGINT) AS amount FROM households \
                 WHERE standing = 'exited' AND standing_at IS NOT NULL GROUP BY region_code, {m}",
                m = month("standing_at")
            ),
        ),
        (
            "tapering",
            "SELECT region_code AS region, substr(taper_since, 1, 7) AS month, NULL AS k1, \
             NULL AS k2, NULL AS k3, NULL AS k4, COUNT(*) AS n, CAST(0 AS BIGINT) AS amount \
             FROM households WHERE taper_since IS NOT NULL \
             GROUP BY region_code, substr(taper_since, 1, 7)"
                .to_string(),
        ),
        (
            "applications",
            "SELECT region_code AS region, NULL AS month, status AS k1, NULL AS k2, NULL AS k3, \
             NULL AS k4, COUNT(*) AS n, CAST(0 AS BIGINT) AS amount FROM applications \
             GROUP BY region_code, status"
                .to_string(),
        ),
        // Decided: each application once, by its latest decision.
        (
            "decided",
            format!(
                "SELECT a.region_code AS region, {m} AS month, d.category AS k1, NULL AS k2, \
                 NULL AS k3, NULL AS k4, COUNT(*) AS n, \
                 CAST(SUM((d.decided_at - a.submitted_at) / 86400000) AS BIGINT) AS amount \
                 FROM decisions d JOIN applications a ON a.id = d.application_id \
                 WHERE NOT EXISTS (SELECT 1 FROM decisions d2 \
                   WHERE d2.application_id = d.application_id AND d2.id > d.id) \
                 GROUP BY a.region_code, {m}, d.category",
                m = month("d.decided_at")
            ),
        ),
        // Warnings by level and source, with whether each visit was due and made on time.
        (
            "warnings",
            format!(
                "SELECT w.region_code AS region, {m} AS month, w.level AS k1, \
                 COALESCE(i.source, '') AS k2, NULL AS k3, NULL AS k4, COUNT(*) AS n, \
                 CAST(SUM(CASE WHEN w.visited_on IS NOT NULL OR w.visit_due < $1 THEN 1 ELSE 0 \
                 END) AS BIGINT) AS amount, \
                 CAST(SUM(CASE WHEN w.visited_on IS NOT NULL AND w.visited_on <= w.visit_due \
                 THEN 1 ELSE 0 END) AS BIGINT) AS on_time, \
                 CAST(SUM(CASE WHEN w.status IN ('disposed', 'closed') AND w.visited_on IS NOT \
                 NULL AND w.visited_on <= w.visit_due THEN 1 ELSE 0 END) AS BIGINT) AS disposed \
                 FROM warnings w LEFT JOIN imports i ON i.id = w.import_id \
                 GROUP BY w.region_code, {m}, w.level, COALESCE(i.source, '')",
                m = month("w.created_at")
            ),
        ),
        // Annual reviews: due by today (or done), and done on or before their day in China.
        (
            "reviews",
            format!(
                "SELECT region_code AS region, substr(due_on, 1, 7) AS month, NULL AS k1, \
                 NULL AS k2, NULL AS k3, NULL AS k4, \
                 CAST(SUM(CASE WHEN status = 'done' OR due_on < $1 THEN 1 ELSE 0 END) AS BIGINT) \
                 AS n, \
                 CAST(SUM(CASE WHEN status = 'done' AND {done} <= due_on THEN 1 ELSE 0 END) \
                 AS BIGINT) AS amount \
                 FROM tasks WHERE kind = 'annual_review' GROUP BY region_code, substr(due_on, 1, 7)",
                done = d.date_of_millis("done_at")
            ),
        ),
        (
            "referrals",
            format!(
                "SELECT region_code AS region, {m} AS month, department AS k1, NULL AS k2, \
                 NULL AS k3, NULL AS k4, COUNT(*) AS n, \
                 CAST(SUM(CASE WHEN status <> 'sent' THEN 1 ELSE 0 END) AS BIGINT) AS amount \
                 FROM referrals GROUP BY region_code, {m}, department",
                m = month("created_at")
            ),
        ),
        (
            "emergency",
            format!(
                "SELECT e.region_code AS region, {m} AS month, \
                 CASE WHEN e.advance THEN 'advance' ELSE 'regular' END AS k1, NULL AS k2, \
                 NULL AS k3, NULL AS k4, COUNT(*) AS n, CAST(SUM(a.amount) AS BIGINT) AS amount \
                 FROM emergency_aid e JOIN assistance a ON a.id = e.assistance_id \
                 GROUP BY e.region_code, {m}, CASE WHEN e.advance THEN 'advance' ELSE 'regular' END",
                m = month("e.recorded_at")
            ),
        ),
        (
            "charity",
            format!(
                "SELECT township AS region, {m} AS month, form AS k1, NULL AS k2, NULL AS k3, \
                 NULL AS k4, COUNT(*) AS n, CAST(SUM(delivered) AS BIGINT) AS amount \
                 FROM charity_needs WHERE state = 'met' AND closed_at IS NOT NULL \
                 GROUP BY township, {m}, form",
                m = month("closed_at")
            ),
        ),
        // 追回: cases opened per month by reason, repayments per month, and what is outstanding.
        (
            "recovery_opened",
            format!(
                "SELECT region_code AS region, {m} AS month, reason AS k1, NULL AS k2, NULL AS k3, \
                 NULL AS k4, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS amount \
                 FROM recovery_cases GROUP BY region_code, {m}, reason",
                m = month("opened_at")
            ),
        ),
        (
            "recovery_repaid",
            format!(
                "SELECT c.region_code AS region, {m} AS month, NULL AS k1, NULL AS k2, \
                 NULL AS k3, NULL AS k4, COUNT(*) AS n, CAST(SUM(p.amount) AS BIGINT) AS amount \
                 FROM recovery_repayments p JOIN recovery_cases c ON c.id = p.case_id \
                 GROUP BY c.region_code, {m}",
                m = month("p.recorded_at")
            ),
        ),
        (
            "recovery_outstanding",
            "SELECT region_code AS region, NULL AS month, NULL AS k1, NULL AS k2, NULL AS k3, \
             NULL AS k4, COUNT(*) AS n, \
             CAST(SUM(amount - repaid - written_off) AS BIGINT) AS amount \
             FROM recovery_cases WHERE state <> 'closed' GROUP BY region_code"
                .to_string(),
        ),
        // Paid: approved rolls' lines the bank did not return as failed.
        (
            "paid",
            "SELECT l.region_code AS region, r.month AS month, l.category AS k1, \
             COALESCE(h.residence, '') AS k2, COALESCE(h.support_mode, '') AS k3, l.fund AS k4, \
             CAST(SUM(CASE WHEN l.amount > 0 THEN 1 ELSE 0 END) AS BIGINT) AS n, \
             CAST(SUM(l.amount) AS BIGINT) AS amount \
             FROM payment_lines l JOIN payment_rolls r ON r.id = l.roll_id \
             LEFT JOIN households h ON h.id = l.household_id \
             WHERE r.status IN ('approved', 'reconciled') \
               AND (l.bank_status IS NULL OR l.bank_status <> 'failed') \
             GROUP BY l.region_code, r.month, l.category, COALESCE(h.residence, ''), \
               COALESCE(h.support_mode, ''), l.fund"
                .to_string(),
        ),
        // The persons of the households paid (members now), for the public statistics.
        (
            "paid_persons",
            "SELECT l.region_code AS region, r.month AS month, l.category AS k1, NULL AS k2, \
             NULL AS k3, NULL AS k4, CAST(COALESCE(SUM(p.c), 0) AS BIGINT) AS n, \
             CAST(0 AS BIGINT) AS amount \
             FROM payment_lines l JOIN payment_rolls r ON r.id = l.roll_id \
             LEFT JOIN (SELECT household_id, COUNT(*) AS c FROM persons GROUP BY household_id) p \
               ON p.household_id = l.household_id \
             WHERE r.status IN ('approved', 'reconciled') AND l.amount > 0 \
               AND (l.bank_status IS NULL OR l.bank_status <> 'failed') \
             GROUP BY l.region_code, r.month, l.category"
                .to_string(),
        ),
    ]
}

#[async_trait::async_trait]
impl StatisticsStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn read_missing_facts(&self, limit: i64) -> Result<u64, DbError> {
        let rows = query(
            "SELECT h.id AS household, d.application_id AS application FROM households h \
             JOIN decisions d ON d.id = h.decision_id \
             WHERE h.facts_read = 0 AND h.decision_id IS NOT NULL \
             AND d.application_id IS NOT NULL \
             ORDER BY h.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        let mut read = 0;
        for r in rows {
            let household: String = r.get("household")?;
            let application: String = r.get("application")?;
            let mut tx = self.db.begin().await?;
            // Facts that do not read are a fault to see, not a reason to stop reading the rest:
            // logged, and the household left "not recorded".
            let (residence, support_mode) = match super::casework::residence_and_support(
                &mut tx,
                &self.cipher,
                &application,
            )
            .await
            {
                Ok(known) => known,
                Err(e) => {
                    tracing::warn!(%household, error = %e, "facts not read: residence left unrecorded");
                    (None, None)
                }
            };
            // What a decision since recorded stays: only an empty column is filled.
            query(
                "UPDATE households SET residence = COALESCE(residence, $1), \
                 support_mode = COALESCE(support_mode, $2), facts_read = 1 \
                 WHERE id = $3 AND facts_read = 0",
            )
            .bind(residence)
            .bind(support_mode)
            .bind(household)
            .execute(&mut tx)
            .await?;
            tx.commit().await?;
            read += 1;
        }
        Ok(read)
    }

    #[tracing::instrument(skip_all)]
    async fn statistics_base(&self, today: chrono::NaiveDate) -> Result<Vec<Figure>, DbError> {
        let mut out = Vec::new();
        let today = today.to_string();
        for (name, sql) in base_queries(self.db.dialect()) {
            let q = query(&sql);
            let q = if sql.contains("$1") {
                q.bind(today.as_str())
            } else {
                q
            };
            for r in q.fetch_all(&self.db).await? {
                let Some(c) = counted(&r)? else {
                    continue;
                };
                let [k1, k2, k3, k4] = &c.keys;
                match name {
                    "households" => {
                        out.push(figure(&c, Measure::Households, k1, k2, c.n, c.amount));
                        if k1 == Category::Tekun.code() {
                            out.push(figure(&c, Measure::TekunSupport, k3, "", c.n, c.amount));
                        }
                    }
                    "entered" => out.push(figure(&c, Measure::Entered, k1, "", c.n, 0)),
                    "exited" => out.push(figure(&c, Measure::Exited, "", "", c.n, 0)),
                    "tapering" => out.push(figure(&c, Measure::Tapering, "", "", c.n, 0)),
                    "applications" => out.push(figure(&c, Measure::Applications, k1, "", c.n, 0)),
                    "decided" => out.push(figure(&c, Measure::Decided, k1, "", c.n, c.amount)),
                    "warnings" => {
                        let on_time: i64 = r.get("on_time")?;
                        let disposed: i64 = r.get("disposed")?;
                        out.push(figure(&c, Measure::Warnings, k1, k2, c.n, 0));
                        out.push(figure(
                            &c,
                            Measure::WarningVisits,
                            "",
                            "",
                            c.amount,
                            on_time,
                        ));
                        out.push(figure(
                            &c,
                            Measure::WarningsDisposed,
                            "",
                            "",
                            c.amount,
                            disposed,
                        ));
                    }
                    "reviews" => out.push(figure(&c, Measure::Reviews, "", "", c.n, c.amount)),
                    "referrals" => out.push(figure(&c, Measure::Referrals, k1, "", c.n, c.amount)),
                    "emergency" => out.push(figure(&c, Measure::Emergency, k1, "", c.n, c.amount)),
                    "charity" => out.push(figure(&c, Measure::CharityMet, k1, "", c.n, c.amount)),
                    "recovery_opened" => {
                        out.push(figure(&c, Measure::RecoveryOpened, k1, "", c.n, c.amount))
                    }
                    "recovery_repaid" => {
                        out.push(figure(&c, Measure::RecoveryRepaid, "", "", c.n, c.amount))
                    }
                    "recovery_outstanding" => out.push(figure(
                        &c,
                        Measure::RecoveryOutstanding,
                        "",
                        "",
                        c.n,
                        c.amount,
                    )),
                    "paid_persons" => {
                        out.push(figure(&c, Measure::PaidPersons, k1, "", c.n, c.amount))
                    }
                    "paid" => {
                        out.push(figure(&c, Measure::Paid, k1, k2, c.n, c.amount));
                        out.push(figure(&c, Measure::PaidFund, k4, "", c.n, c.amount));
                        if k1 == Category::Tekun.code() {
                            out.push(figure(&c, Measure::PaidTekun, k3, "", c.n, c.amount));
                        }
                    }
                    other => {
                        return Err(DbError::Other(format!(
                            "statistics: no measure for {other}"
                        )))
                    }
                }
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn replace_statistics(
        &self,
        figures: &[Figure],
        refreshed_at: Millis,
        took_ms: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // One refresh at a time: the next waits here for this one's commit (SQLite's write
        // lock is taken at `begin`).
        let lock = match tx.dialect() {
            Dialect::Postgres => "SELECT refreshed_at FROM stat_refresh WHERE id = 1 FOR UPDATE",
            Dialect::Sqlite => "SELECT refreshed_at FROM stat_refresh WHERE id = 1",
        };
        query(lock).fetch_one(&mut tx).await?;
        query("DELETE FROM stat_figures").execute(&mut tx).await?;
        for batch in figures.chunks(INSERT_BATCH) {
            let values: Vec<String> = (0..batch.len())
                .map(|i| {
                    let b = i * 8;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO stat_figures (region, parent, measure, month, k1, k2, n, amount) \
                 VALUES {}",
                values.join(", ")
            );
            let mut q = query(&sql);
            for f in batch {
                q = q
                    .bind(f.region.as_str().to_string())
                    .bind(
                        f.region
                            .parent()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default(),
                    )
                    .bind(f.measure.code())
                    .bind(f.month.map(|m| m.to_string()).unwrap_or_default())
                    .bind(f.k1.clone())
                    .bind(f.k2.clone())
                    .bind(f.n)
                    .bind(f.amount);
            }
            q.execute(&mut tx).await?;
        }
        query("UPDATE stat_refresh SET refreshed_at = $1, took_ms = $2 WHERE id = 1")
            .bind(refreshed_at)
            .bind(took_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }

    #[tracing::instrument(skip_all)]
    async fn statistics_refreshed(&self) -> Result<(Millis, i64), DbError> {
        let r = query("SELECT refreshed_at, took_ms FROM stat_refresh WHERE id = 1")
            .fetch_one(&self.db)
            .await?;
        Ok((r.get("refreshed_at")?, r.get("took_ms")?))
    }

    #[tracing::instrument(skip_all)]
    async fn statistics(
        &self,
        at: &RegionCode,
        from: Month,
        to: Month,
    ) -> Result<Vec<Figure>, DbError> {
        let rows = query(
            "SELECT region, measure, month, k1, k2, n, amount FROM stat_figures \
             WHERE region = $1 AND (month = '' OR month BETWEEN $2 AND $3)",
        )
        .bind(at.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(stored).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn statistics_of_children(
        &self,
        at: &RegionCode,
        measures: &[Measure],
        from: Month,
        to: Month,
    ) -> Result<Vec<Figure>, DbError> {
        let codes: Vec<&str> = measures.iter().map(|m| m.code()).collect();
        let d = self.db.dialect();
        let rows = query(&format!(
            "SELECT region, measure, month, k1, k2, n, amount FROM stat_figures \
             WHERE parent = $2 AND region LIKE $3 AND (month = '' OR month BETWEEN $4 AND $5) \
             AND measure IN (SELECT r.value FROM {})",
            d.json_strings()
        ))
        .bind(serde_json::to_string(&codes).map_err(|e| DbError::Other(e.to_string()))?)
        .bind(at.as_str())
        .bind(within(at))
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(stored).collect()
    }
}

/// A stored figure; a bad stored value is an error.
fn stored(r: &Row) -> Result<Figure, DbError> {
    let raw_region: String = r.get("region")?;
    let measure: String = r.get("measure")?;
    let month: String = r.get("month")?;
    Ok(Figure {
        region: region("region", &raw_region)?,
        measure: super::dialect::code("measure", &measure)?,
        month: if month.is_empty() {
            None
        } else {
            Some(
                Month::parse(&month)
                    .ok_or_else(|| DbError::Other(format!("stored month {month:?}")))?,
            )
        },
        k1: r.get("k1")?,
        k2: r.get("k2")?,
        n: r.get("n")?,
        amount: r.get("amount")?,
    })
}
