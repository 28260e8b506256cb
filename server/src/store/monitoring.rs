//! Dynamic monitoring: department data imports, warning rules, warnings and their handling.

use super::dialect::{code, code_opt, day, day_opt, query, region, within, Row, Target};
use super::sealed::{WARNING_FACTS, WARNING_NOTE};
use super::SqlStore;
use app::domain::audit::AuditResult;
use app::domain::monitoring::{
    RuleKind, Source, WarningLevel, WarningRule, WarningStatus, WarningStep,
};
use app::domain::region::RegionCode;
use app::store::*;

/// Inserts a warning unless one of its kind is open for the household (`false` then).
pub(super) async fn insert_warning<'e>(
    conn: impl Into<Target<'e>>,
    cipher: &crate::crypto::FieldCipher,
    w: &app::store::NewWarning,
    import_id: Option<&str>,
) -> Result<bool, DbError> {
    let added = query(
        "INSERT INTO warnings (household_id, region_code, kind, level, trigger_facts, visit_due, \
            import_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(&w.household_id)
    .bind(&w.region_code)
    .bind(w.kind.code())
    .bind(w.level.code())
    .bind(cipher.seal(WARNING_FACTS, &w.trigger_json))
    .bind(w.visit_due)
    .bind(import_id)
    .bind(w.now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// Locks row `id` of a region-scoped table (`tasks`, `warnings`) for this transaction;
/// `NotFound` when it does not exist or lies outside `region`.
pub(super) async fn lock_in_region<'e>(
    conn: impl Into<Target<'e>>,
    table: &'static str,
    id: i64,
    region: &RegionCode,
) -> Result<(), DbError> {
    let claimed = query(&format!(
        "UPDATE {table} SET note = note WHERE id = $1 AND region_code LIKE $2"
    ))
    .bind(id)
    .bind(within(region))
    .execute(conn)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

pub(super) const IMPORT_COLUMNS: &str = "id, status, source, file_name, encoding, rows_read, \
    new_records, matched, invalid, warnings, report, created_at";

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: String,
    status: String,
    source: String,
    file_name: String,
    encoding: String,
    rows_read: i64,
    new_records: i64,
    matched: i64,
    invalid: i64,
    warnings: i64,
    report: String,
    created_at: Millis,
}

impl TryFrom<ImportRow> for app::store::ImportRecord {
    type Error = DbError;
    fn try_from(r: ImportRow) -> Result<Self, DbError> {
        Ok(app::store::ImportRecord {
            id: r.id,
            status: code("status", &r.status)?,
            source: code("source", &r.source)?,
            file_name: r.file_name,
            encoding: r.encoding,
            rows_read: r.rows_read,
            new_records: r.new_records,
            matched: r.matched,
            invalid: r.invalid,
            warnings: r.warnings,
            report_json: r.report,
            created_at: r.created_at,
        })
    }
}

pub(super) fn import_from_row(r: &Row) -> Result<app::store::ImportRecord, DbError> {
    r.to::<ImportRow, _>()
}

pub(super) const WARNING_COLUMNS: &str = "id, household_id, region_code, kind, level, \
    trigger_facts, visit_due, status, created_at, assigned_to, \
    visited_on, finding, disposal, note, escalated_at, closed_at";

#[derive(sqlx::FromRow)]
struct WarningRow {
    id: i64,
    household_id: String,
    region_code: String,
    kind: String,
    level: String,
    trigger_facts: String,
    visit_due: String,
    status: String,
    created_at: Millis,
    assigned_to: Option<String>,
    visited_on: Option<String>,
    finding: Option<String>,
    disposal: Option<String>,
    note: String,
    escalated_at: Option<Millis>,
    closed_at: Option<Millis>,
}

impl TryFrom<WarningRow> for WarningRecord {
    type Error = DbError;
    fn try_from(r: WarningRow) -> Result<Self, DbError> {
        Ok(WarningRecord {
            id: r.id,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            kind: code("kind", &r.kind)?,
            level: code("level", &r.level)?,
            trigger_json: r.trigger_facts,
            visit_due: day("visit_due", &r.visit_due)?,
            status: code("status", &r.status)?,
            created_at: r.created_at,
            assigned_to: r.assigned_to,
            visited_on: day_opt("visited_on", r.visited_on.as_deref())?,
            finding: code_opt("finding", r.finding.as_deref())?,
            disposal: code_opt("disposal", r.disposal.as_deref())?,
            note: r.note,
            escalated_at: r.escalated_at,
            closed_at: r.closed_at,
        })
    }
}

/// A warning as stored, what fired it opened (`sealed::WARNING_FACTS`).
pub(super) fn warning_from_row(
    r: &Row,
    cipher: &crate::crypto::FieldCipher,
) -> Result<WarningRecord, DbError> {
    let mut w: WarningRecord = r.to::<WarningRow, _>()?;
    w.trigger_json = cipher.open(WARNING_FACTS, &w.trigger_json)?;
    // Empty until the caseworker writes one.
    w.note = cipher.open_or_empty(WARNING_NOTE, &w.note)?;
    Ok(w)
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    kind: String,
    level: String,
    visit_days: i64,
    threshold: i64,
    enabled: bool,
    example: bool,
    region_code: String,
}

#[derive(sqlx::FromRow)]
struct OnTimeRow {
    township: String,
    due: i64,
    on_time: i64,
}

#[async_trait::async_trait]
impl MonitoringStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn import_records(
        &self,
        meta: NewImport,
        rows: tokio::sync::mpsc::Receiver<ImportBatch>,
    ) -> Result<ImportResult, DbError> {
        let mut conn = self.db.acquire().await?;
        // A large file touches indexes far bigger than SQLite's default 2 MB page cache; the
        // connection gets its default back afterwards, whatever happened.
        let (settings, restore) = conn.dialect().import_settings();
        for setting in settings {
            query(setting).execute(&mut conn).await?;
        }
        let result = super::imports::import_on(&mut conn, &self.cipher, meta, rows).await;
        if conn.dialect() == super::dialect::Dialect::Sqlite {
            super::imports::drop_sqlite_stage(&mut conn).await;
        }
        if !restore.is_empty() {
            if let Err(e) = query(restore).execute(&mut conn).await {
                // Not worth failing an import that is stored: the pool recycles connections.
                tracing::warn!(error = %e, "could not restore the page cache size");
            }
        }
        result
    }

    #[tracing::instrument(skip_all)]
    async fn imports(
        &self,
        sources: &[Source],
        limit: i64,
    ) -> Result<Vec<app::store::ImportRecord>, DbError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (2..sources.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {IMPORT_COLUMNS} FROM imports WHERE source IN ({}) ORDER BY \
            created_at DESC, id LIMIT $1",
            marks.join(", ")
        );
        let mut q = query(&sql).bind(limit);
        for s in sources {
            q = q.bind(s.code());
        }
        let rows = q.fetch_all(&self.db).await?;
        rows.iter().map(import_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn raise_warning(&self, w: app::store::NewWarning) -> Result<bool, DbError> {
        let mut conn = self.db.acquire().await?;
        insert_warning(&mut conn, &self.cipher, &w, None).await
    }

    #[tracing::instrument(skip_all)]
    async fn households_in_assistance(&self) -> Result<Vec<(String, RegionCode)>, DbError> {
        let rows = query(
            "SELECT id, region_code FROM households WHERE standing = 'in_assistance' ORDER BY id",
        )
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let (id, code): (String, String) = r.decode()?;
                Ok((id, region("region_code", &code)?))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn import_refused(&self, meta: NewImport, report_json: &str) -> Result<(), DbError> {
        query(
            "INSERT INTO imports (id, source, file_hash, file_name, encoding, status, rows_read, \
                new_records, matched, invalid, warnings, \
               report, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'refused', 0, 0, 0, 0, \
               0, $6, $7, $8)",
        )
        .bind(&meta.id)
        .bind(meta.source.code())
        .bind(&meta.file_hash)
        .bind(&meta.file_name)
        .bind(&meta.encoding)
        .bind(report_json)
        .bind(&meta.created_by)
        .bind(meta.now)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn import(&self, id: &str) -> Result<Option<app::store::ImportRecord>, DbError> {
        let r = query(&format!(
            "SELECT {IMPORT_COLUMNS} FROM imports WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        r.as_ref().map(import_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn warning_rules(&self) -> Result<Vec<WarningRule>, DbError> {
        let rows = query(
            "SELECT kind, level, visit_days, threshold, enabled, example, region_code FROM \
            warning_rules ORDER BY kind, region_code",
        )
        .fetch_all(&self.db)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let r: RuleRow = r.decode()?;
            // '' is the deployment's default; any other stored region must be one.
            let region = match r.region_code.as_str() {
                "" => None,
                code => Some(region("region_code", code)?),
            };
            // Rules of kinds this version does not know are skipped, not guessed.
            if let (Some(kind), Some(level)) = (
                RuleKind::from_code(&r.kind),
                WarningLevel::from_code(&r.level),
            ) {
                out.push(WarningRule {
                    kind,
                    level,
                    visit_days: r.visit_days,
                    threshold: r.threshold,
                    enabled: r.enabled,
                    example: r.example,
                    region,
                });
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn set_warning_rule(
        &self,
        rule: WarningRule,
        actor_id: Option<&str>,
        now: Millis,
    ) -> Result<(), DbError> {
        query(
            "INSERT INTO warning_rules (kind, level, visit_days, threshold, enabled, example, \
                updated_by, updated_at, region_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (kind, region_code) DO UPDATE SET level = excluded.level, visit_days = \
             excluded.visit_days, threshold = excluded.threshold, \
               enabled = excluded.enabled, example = excluded.example, updated_by = \
               excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(rule.kind.code())
        .bind(rule.level.code())
        .bind(rule.visit_days)
        .bind(rule.threshold)
        .bind(rule.enabled)
        .bind(rule.example)
        .bind(actor_id)
        .bind(now)
        .bind(rule.region.as_ref().map_or("", |r| r.as_str()))
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn warnings(&self, region: &RegionCode) -> Result<Vec<WarningRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {WARNING_COLUMNS} FROM warnings WHERE region_code LIKE $1 \
             ORDER BY CASE WHEN status = 'closed' THEN 1 ELSE 0 END, visit_due, id LIMIT 1000"
        ))
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| warning_from_row(r, &self.cipher))
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn warning(&self, id: i64) -> Result<Option<WarningRecord>, DbError> {
        let r = query(&format!(
            "SELECT {WARNING_COLUMNS} FROM warnings WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        r.as_ref()
            .map(|r| warning_from_row(r, &self.cipher))
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn advance_warning(
        &self,
        id: i64,
        region: &RegionCode,
        step: WarningStep,
        actor_id: &str,
        now: Millis,
    ) -> Result<WarningRecord, DbError> {
        let mut tx = self.db.begin().await?;
        lock_in_region(&mut tx, "warnings", id, region).await?;
        let r = query("SELECT status, note FROM warnings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let (status, noted): (String, String) = r.decode()?;
        let noted = self.cipher.open_or_empty(WARNING_NOTE, &noted)?;
        let from: WarningStatus = code("status", &status)?;
        let to = step.next(from).ok_or(DbError::Conflict("warning_state"))?;
        let q = match &step {
            WarningStep::Assign => query(
                "UPDATE warnings SET status = $1, assigned_to = $2 WHERE \
                id = $3",
            )
            .bind(to.code())
            .bind(actor_id)
            .bind(id),
            WarningStep::Visit { on, finding, note } => query(
                "UPDATE warnings SET status = $1, assigned_to = COALESCE(assigned_to, $2), \
                    visited_on = $3, finding = $4, note = $5 WHERE id = $6",
            )
            .bind(to.code())
            .bind(actor_id)
            .bind(on.to_string())
            .bind(finding.code())
            .bind(self.seal(WARNING_NOTE, note))
            .bind(id),
            // The disposal's note follows the visit's.
            WarningStep::Dispose { disposal, note } => {
                query("UPDATE warnings SET status = $1, disposal = $2, note = $3 WHERE id = $4")
                    .bind(to.code())
                    .bind(disposal.code())
                    .bind(self.seal(
                        WARNING_NOTE,
                        &if noted.is_empty() {
                            note.clone()
                        } else {
                            format!("{noted} / {note}")
                        },
                    ))
                    .bind(id)
            }
            WarningStep::Close => query(
                "UPDATE warnings SET status = $1, closed_at = $2 WHERE id \
                = $3",
            )
            .bind(to.code())
            .bind(now)
            .bind(id),
        };
        q.execute(&mut tx).await?;
        super::audit::append(
            &mut tx,
            super::audit::entry(
                actor_id,
                &format!("warning_{}", to.code()),
                &id.to_string(),
                AuditResult::Ok,
                now,
            ),
        )
        .await?;
        let r = query(&format!(
            "SELECT {WARNING_COLUMNS} FROM warnings WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut tx)
        .await?;
        let rec = warning_from_row(&r, &self.cipher)?;
        tx.commit().await?;
        Ok(rec)
    }

    #[tracing::instrument(skip_all)]
    async fn escalate_overdue_warnings(
        &self,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<i64, DbError> {
        let r = query(
            "UPDATE warnings SET escalated_at = $1 WHERE visited_on IS NULL AND escalated_at IS \
                NULL AND visit_due < $2 \
             AND status IN ('new', 'assigned')",
        )
        .bind(now)
        .bind(today)
        .execute(&self.db)
        .await?;
        Ok(r.rows_affected() as i64)
    }

    #[tracing::instrument(skip_all)]
    async fn on_time_rates(
        &self,
        region: &RegionCode,
        today: chrono::NaiveDate,
    ) -> Result<Vec<OnTimeRate>, DbError> {
        let rows = query(
            "SELECT substr(region_code, 1, 9) AS township, COUNT(*) AS due, \
               CAST(SUM(CASE WHEN visited_on IS NOT NULL AND visited_on <= visit_due THEN 1 ELSE \
               0 END) AS BIGINT) AS on_time \
             FROM warnings WHERE region_code LIKE $1 AND (visit_due < $2 OR visited_on IS NOT \
             NULL) \
             GROUP BY substr(region_code, 1, 9) ORDER BY township",
        )
        .bind(within(region))
        .bind(today)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let r: OnTimeRow = r.decode()?;
                Ok(OnTimeRate {
                    township: super::dialect::region("township", &r.township)?,
                    due: r.due,
                    on_time: r.on_time,
                })
            })
            .collect()
    }
}
