//! The SQL both backends run, written once. `impl_store!(T)` implements `app::store::Store`
//! for a type with a `pool` field of either `SqlitePool` or `PgPool`.
//!
//! Transactions that read and then write start with a write to the row they are about
//! ("claim" it): SQLite then holds its write lock from the first statement (no upgrade
//! failure under concurrency), and PostgreSQL holds the row lock, so concurrent requests on
//! the same object queue instead of racing.

macro_rules! impl_store {
    ($store:ty, $db:ty, $skip_locked:literal) => {
        use app::api::types::{ApplicationSummary, AttachmentMeta, AuditEntry, Region, TimelineEvent};
        use app::domain::status::{application_number, ApplicationStatus, Role};
        use app::store::{
            ApplicationRecord, AssessedHousehold, AssessmentRecord, AttachmentRecord, DbError, DecisionRecord, Millis,
            NewAssessment, NewAttachment, NewParameter, NewProposal, NewUser, NoticeRecord, ParameterRecord, ProposalRecord,
            QueueQuery, QueueRecord, StoredDraft, SubmitOutcome, Submission, UserRecord,
            AidRecord, HouseholdApplication, HouseholdRecord, NewReferralRecord, NewVisit, ReferralAnswer, ReferralQuery,
            ReferralRecord, VisitFile, VisitOutcome, VisitRecord,
            EmergencyRecord, HouseholdQuery, HouseholdSummary, NewEmergencyAid, NewTask, TaskRecord, WorkItem,
            ImportBatch, ImportResult, MedicalBatch, NewImport, OnTimeRate, WarningRecord,
        };
        use app::domain::monitoring::{RuleKind, WarningLevel, WarningRule, WarningStatus, WarningStep};
        use app::domain::chain::{Aid, AidKind, AidOrigin, Department, NewAid};
        use app::domain::referral::ReferralStatus;
        use sqlx::Row as _;
        use $crate::store::{db_err, is_unique_violation};

        const USER_COLUMNS: &str =
            "id, role, login, display_name, password_hash, region_code, department, failed_logins, locked_until";
        const ATTACHMENT_COLUMNS: &str = "a.id, a.kind, a.file_name, a.mime, a.size, a.created_at";

        fn status_of(code: &str) -> Result<ApplicationStatus, DbError> {
            ApplicationStatus::from_code(code).ok_or_else(|| DbError::Other(format!("unknown status {code}")))
        }

        macro_rules! get {
            ($row:expr, $col:literal) => {
                $row.try_get($col).map_err(db_err)?
            };
        }

        macro_rules! user_from_row {
            ($r:expr) => {{
                let role: String = get!($r, "role");
                UserRecord {
                    id: get!($r, "id"),
                    role: Role::from_code(&role).ok_or_else(|| DbError::Other(format!("unknown role {role}")))?,
                    login: get!($r, "login"),
                    display_name: get!($r, "display_name"),
                    password_hash: get!($r, "password_hash"),
                    region_code: get!($r, "region_code"),
                    department: get!($r, "department"),
                    failed_logins: get!($r, "failed_logins"),
                    locked_until: get!($r, "locked_until"),
                }
            }};
        }

        macro_rules! summary_from_row {
            ($r:expr) => {{
                let status: String = get!($r, "status");
                ApplicationSummary {
                    number: get!($r, "number"),
                    status: status_of(&status)?,
                    submitted_at: get!($r, "submitted_at"),
                    updated_at: get!($r, "updated_at"),
                }
            }};
        }

        macro_rules! attachment_from_row {
            ($r:expr) => {
                AttachmentMeta {
                    id: get!($r, "id"),
                    kind: get!($r, "kind"),
                    file_name: get!($r, "file_name"),
                    mime: get!($r, "mime"),
                    size: get!($r, "size"),
                    created_at: get!($r, "created_at"),
                }
            };
        }

        macro_rules! region_from_row {
            ($r:expr) => {
                Region {
                    code: get!($r, "code"),
                    parent_code: get!($r, "parent_code"),
                    name_zh: get!($r, "name_zh"),
                    name_en: get!($r, "name_en"),
                    demo: get!($r, "demo"),
                }
            };
        }

        /// Claims an application's row for the rest of the transaction; returns its id and status.
        macro_rules! claim_application {
            ($tx:expr, $number:expr, $now:expr) => {{
                let n = sqlx::query("UPDATE applications SET updated_at = $1 WHERE number = $2")
                    .bind($now)
                    .bind($number)
                    .execute(&mut *$tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if n == 0 {
                    return Err(DbError::NotFound);
                }
                let row = sqlx::query("SELECT id, status FROM applications WHERE number = $1")
                    .bind($number)
                    .fetch_one(&mut *$tx)
                    .await
                    .map_err(db_err)?;
                let id: String = get!(row, "id");
                let status: String = get!(row, "status");
                (id, status_of(&status)?)
            }};
        }

        const PARAMETER_COLUMNS: &str = "id, key, region_code, residence, value, effective_from, source, example, \
            created_by, created_at, withdrawn_at, reassessed_at";

        macro_rules! parameter_from_row {
            ($r:expr) => {
                ParameterRecord {
                    id: get!($r, "id"),
                    key: get!($r, "key"),
                    region_code: get!($r, "region_code"),
                    residence: get!($r, "residence"),
                    value: get!($r, "value"),
                    effective_from: get!($r, "effective_from"),
                    source: get!($r, "source"),
                    example: get!($r, "example"),
                    created_by: get!($r, "created_by"),
                    created_at: get!($r, "created_at"),
                    withdrawn_at: get!($r, "withdrawn_at"),
                    reassessed_at: get!($r, "reassessed_at"),
                }
            };
        }

        const DECISION_COLUMNS: &str = "d.category, d.monthly_amount, d.proposed_category, d.proposed_amount, d.adjustment_reason, \
            d.effective_from, d.notice_until, d.decided_by, d.decided_at";

        macro_rules! decision_from_row {
            ($r:expr) => {
                DecisionRecord {
                    category: get!($r, "category"),
                    monthly_amount_fen: get!($r, "monthly_amount"),
                    proposed_category: get!($r, "proposed_category"),
                    proposed_amount_fen: get!($r, "proposed_amount"),
                    adjustment_reason: get!($r, "adjustment_reason"),
                    effective_from: get!($r, "effective_from"),
                    notice_until: get!($r, "notice_until"),
                    decided_by: get!($r, "decided_by"),
                    decided_at: get!($r, "decided_at"),
                }
            };
        }

        fn parameters_from(rows: Vec<<$db as sqlx::Database>::Row>) -> Result<Vec<ParameterRecord>, DbError> {
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(parameter_from_row!(r));
            }
            Ok(out)
        }

        async fn insert_assessment<'c, E>(
            ex: E,
            application_id: &str,
            reason: &str,
            a: &NewAssessment,
            actor_id: &str,
            at: Millis,
        ) -> Result<(), DbError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO assessments (application_id, reason, facts, parameters, assessment, categories, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(application_id)
            .bind(reason)
            .bind(&a.facts_json)
            .bind(&a.parameters_json)
            .bind(&a.assessment_json)
            .bind(&a.categories)
            .bind(actor_id)
            .bind(at)
            .execute(ex)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn add_event<'c, E>(
            ex: E,
            application_id: &str,
            kind: &str,
            status: ApplicationStatus,
            actor_id: &str,
            note: &str,
            at: Millis,
        ) -> Result<(), DbError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO application_events (application_id, kind, status, actor_id, note, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(application_id)
            .bind(kind)
            .bind(status.code())
            .bind(actor_id)
            .bind(note)
            .bind(at)
            .execute(ex)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        fn aid_from_row(r: &<$db as sqlx::Database>::Row) -> Result<AidRecord, DbError> {
            let kind: String = get!(r, "kind");
            let source: Option<String> = get!(r, "source");
            let origin: String = get!(r, "origin");
            let from: String = get!(r, "period_from");
            let until: Option<String> = get!(r, "period_until");
            let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| DbError::Other(format!("stored date {s}: {e}")));
            Ok(AidRecord {
                aid: Aid {
                    id: get!(r, "id"),
                    kind: AidKind::from_code(&kind).ok_or_else(|| DbError::Other(format!("unknown aid kind {kind}")))?,
                    source: source.as_deref().and_then(Department::from_code),
                    source_name: get!(r, "source_name"),
                    amount_fen: get!(r, "amount"),
                    monthly: get!(r, "monthly"),
                    from: date(&from)?,
                    until: until.as_deref().map(date).transpose()?,
                    origin: AidOrigin::from_code(&origin).ok_or_else(|| DbError::Other(format!("unknown aid origin {origin}")))?,
                    note: get!(r, "note"),
                },
                number: get!(r, "number"),
                recorded_by_name: get!(r, "display_name"),
                recorded_at: get!(r, "recorded_at"),
            })
        }

        async fn insert_aid(
            tx: &mut sqlx::Transaction<'_, $db>,
            household_id: &str,
            id: &str,
            aid: &NewAid,
            origin: AidOrigin,
            actor_id: &str,
            now: Millis,
        ) -> Result<bool, DbError> {
            let r = sqlx::query(
                "INSERT INTO assistance (id, household_id, kind, source, source_name, amount, monthly, period_from, period_until, \
                   origin, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
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
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
            Ok(r.rows_affected() == 1)
        }

        /// The rows of a JSON array bound as `$1`, one row per element (`r`), in this backend's SQL.
        const JSON_ROWS: &str = if IS_POSTGRES { "jsonb_array_elements(CAST($1 AS jsonb)) AS r" } else { "json_each($1) AS r" };
        /// The strings of a JSON array bound as `$1`, one row per element, as `r.value`.
        const JSON_STRINGS: &str = if IS_POSTGRES { "jsonb_array_elements_text(CAST($1 AS jsonb)) AS r(value)" } else { "json_each($1) AS r" };
        /// SQLite while an import runs: a 64 MB page cache (KiB when negative), and its
        /// per-transaction tables in memory (not in a temporary file).
        const IMPORT_CACHE: &[&str] = &["PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY"];
        /// Per-transaction tables: the households an import touches, and the stages of a batch
        /// of medical rows, or of department events, of persons in the database.
        const IMPORT_TEMP_TABLES: &[&str] = if IS_POSTGRES {
            &[
                "CREATE TEMP TABLE import_touched (household_id TEXT PRIMARY KEY) ON COMMIT DROP",
                "CREATE TEMP TABLE import_stage (id_number TEXT, settled_on TEXT, total BIGINT, out_of_pocket BIGINT, household_id TEXT) ON COMMIT DROP",
                "CREATE TEMP TABLE import_event_stage (record_key TEXT, source TEXT, id_number TEXT, event TEXT, event_on TEXT, grade BIGINT, amount BIGINT, detail TEXT) ON COMMIT DROP",
            ]
        } else {
            &[
                "DROP TABLE IF EXISTS temp.import_touched",
                "CREATE TEMP TABLE import_touched (household_id TEXT PRIMARY KEY) WITHOUT ROWID",
                "DROP TABLE IF EXISTS temp.import_stage",
                "CREATE TEMP TABLE import_stage (id_number TEXT, settled_on TEXT, total INTEGER, out_of_pocket INTEGER, household_id TEXT)",
                "DROP TABLE IF EXISTS temp.import_event_stage",
                "CREATE TEMP TABLE import_event_stage (record_key TEXT, source TEXT, id_number TEXT, event TEXT, event_on TEXT, grade INTEGER, amount INTEGER, detail TEXT)",
            ]
        };
        const IS_POSTGRES: bool = matches!(<$db as sqlx::Database>::NAME.as_bytes(), b"PostgreSQL");

        /// Element `i` of a `JSON_ROWS` row, as text or as a (nullable) integer.
        fn json_field(i: usize, integer: bool) -> String {
            match (IS_POSTGRES, integer) {
                (true, false) => format!("(r ->> {i})"),
                (true, true) => format!("CAST(r ->> {i} AS BIGINT)"),
                (false, _) => format!("(r.value ->> {i})"),
            }
        }

        /// Inserts a warning unless one of its kind is open for the household (`false` then).
        async fn insert_warning(conn: &mut <$db as sqlx::Database>::Connection, w: &app::store::NewWarning, import_id: Option<&str>) -> Result<bool, DbError> {
            let added = sqlx::query(
                "INSERT INTO warnings (household_id, region_code, kind, level, trigger_facts, visit_due, import_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(&w.household_id)
            .bind(&w.region_code)
            .bind(&w.kind)
            .bind(&w.level)
            .bind(&w.trigger_json)
            .bind(&w.visit_due)
            .bind(import_id)
            .bind(w.now)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?
            .rows_affected();
            Ok(added == 1)
        }

        /// Locks row `id` of a region-scoped table (`tasks`, `warnings`) for this transaction;
        /// `NotFound` when it does not exist or lies outside `region_prefix`.
        async fn lock_in_region(conn: &mut <$db as sqlx::Database>::Connection, table: &'static str, id: i64, region_prefix: &str) -> Result<(), DbError> {
            let claimed = sqlx::query(&format!("UPDATE {table} SET note = note WHERE id = $1 AND region_code LIKE $2"))
                .bind(id)
                .bind(format!("{region_prefix}%"))
                .execute(&mut *conn)
                .await
                .map_err(db_err)?
                .rows_affected();
            if claimed == 0 {
                return Err(DbError::NotFound);
            }
            Ok(())
        }

        /// An import on one connection (see `Store::import_records`): one transaction.
        async fn import_on(
            conn: &mut <$db as sqlx::Database>::Connection,
            meta: NewImport,
            mut rows: tokio::sync::mpsc::Receiver<ImportBatch>,
        ) -> Result<ImportResult, DbError> {
            let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db_err)?;
            // The households this file touches, gathered while its rows go in (for the rules),
            // and the stage each batch of medical rows passes through.
            for sql in IMPORT_TEMP_TABLES {
                sqlx::query(sql).execute(&mut *tx).await.map_err(db_err)?;
            }
            // The import row first (with zero counts), so records can name it.
            sqlx::query(
                "INSERT INTO imports (id, source, file_hash, file_name, encoding, status, rows_read, new_records, matched, invalid, warnings, \
                   report, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'done', 0, 0, 0, 0, 0, '', $6, $7)",
            )
            .bind(&meta.id)
            .bind(&meta.source)
            .bind(&meta.file_hash)
            .bind(&meta.file_name)
            .bind(&meta.encoding)
            .bind(&meta.created_by)
            .bind(meta.now)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            let (mut new_records, mut matched) = (0i64, 0i64);
            let window = app::domain::monitoring::twelve_months(meta.today);
            let started = std::time::Instant::now();
            let end = loop {
                match rows.recv().await {
                    Some(ImportBatch::Medical(batch)) if !batch.is_empty() => {
                        // One statement per step with the batch as one JSON text (binding
                        // thousands of parameters is what made sqlx slow). Only the rows of
                        // persons in the database are kept (data minimisation): they go to the
                        // stage with their household, which gives the matched count at once.
                        let [id, on, total, own] = MedicalBatch::sql_fields("r.value");
                        let stage = format!(
                            "INSERT INTO import_stage (id_number, settled_on, total, out_of_pocket, household_id) \
                             SELECT {id}, {on}, {total}, {own}, p.household_id FROM {JSON_STRINGS} JOIN persons p ON p.id_number = {id}"
                        );
                        let json = batch.into_json();
                        let staged = sqlx::query(&stage).bind(&json).execute(&mut *tx).await.map_err(db_err)?.rows_affected();
                        matched += staged as i64;
                        let added = sqlx::query(
                            "INSERT INTO medical_records (id_number, settled_on, total, out_of_pocket, import_id) \
                             SELECT id_number, settled_on, total, out_of_pocket, $1 FROM import_stage WHERE true \
                             ON CONFLICT (id_number, settled_on, total, out_of_pocket) DO NOTHING",
                        )
                        .bind(&meta.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                        new_records += added as i64;
                        // Only records new to the database, inside the rules' 12 months, touch
                        // their household: a file imported again raises nothing. When every
                        // staged row went in (a new file) that is the whole stage; when none
                        // did (the file again), nothing; otherwise the rows this import wrote.
                        let (from, to) = (window.0.to_string(), window.1.to_string());
                        let touched = if added == staged {
                            sqlx::query(
                                "INSERT INTO import_touched (household_id) SELECT DISTINCT s.household_id FROM import_stage s \
                                 WHERE s.settled_on >= $1 AND s.settled_on <= $2 ON CONFLICT (household_id) DO NOTHING",
                            )
                            .bind(from)
                            .bind(to)
                        } else {
                            sqlx::query(
                                "INSERT INTO import_touched (household_id) SELECT DISTINCT s.household_id FROM import_stage s \
                                 JOIN medical_records m ON m.id_number = s.id_number AND m.settled_on = s.settled_on \
                                   AND m.total = s.total AND m.out_of_pocket = s.out_of_pocket \
                                 WHERE s.settled_on >= $1 AND s.settled_on <= $2 AND m.import_id = $3 ON CONFLICT (household_id) DO NOTHING",
                            )
                            .bind(from)
                            .bind(to)
                            .bind(&meta.id)
                        };
                        if added > 0 {
                            touched.execute(&mut *tx).await.map_err(db_err)?;
                        }
                        sqlx::query("DELETE FROM import_stage").execute(&mut *tx).await.map_err(db_err)?;
                    }
                    Some(ImportBatch::Events(batch)) if !batch.is_empty() => {
                        let rows: Vec<_> = batch
                            .iter()
                            .map(|e| (&e.key, &e.source, &e.id_number, &e.event, &e.event_on, e.grade, e.amount_fen, &e.detail))
                            .collect();
                        let json = serde_json::to_string(&rows).map_err(|e| DbError::Other(e.to_string()))?;
                        // Records of persons in the database only, like medical settlements:
                        // staged (the matched count), then kept unless already stored.
                        let stage = format!(
                            "INSERT INTO import_event_stage (record_key, source, id_number, event, event_on, grade, amount, detail) \
                             SELECT {}, {}, {id}, {}, {}, {}, {}, {} FROM {JSON_ROWS} JOIN persons p ON p.id_number = {id}",
                            json_field(0, false), json_field(1, false), json_field(3, false), json_field(4, false),
                            json_field(5, true), json_field(6, true), json_field(7, false),
                            id = json_field(2, false),
                        );
                        matched += sqlx::query(&stage).bind(&json).execute(&mut *tx).await.map_err(db_err)?.rows_affected() as i64;
                        new_records += sqlx::query(
                            "INSERT INTO person_events (record_key, source, id_number, event, event_on, grade, amount, detail, import_id) \
                             SELECT record_key, source, id_number, event, event_on, grade, amount, detail, $1 FROM import_event_stage WHERE true \
                             ON CONFLICT (record_key) DO NOTHING",
                        )
                        .bind(&meta.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected() as i64;
                        sqlx::query("DELETE FROM import_event_stage").execute(&mut *tx).await.map_err(db_err)?;
                    }
                    Some(ImportBatch::Medical(_)) | Some(ImportBatch::Events(_)) => {}
                    Some(ImportBatch::End { rows_read, invalid, report_json }) => break (rows_read, invalid, report_json),
                    // Aborted, or the reader stopped: the transaction is dropped, nothing stays.
                    Some(ImportBatch::Abort) | None => return Err(DbError::Conflict("import_aborted")),
                }
            };
            let rows_done = started.elapsed();
            // The rules on the households this file touched (rejected or exited ones included
            // while they are monitored: two years).
            let monitored_since = meta.now - 2 * 366 * 86_400_000;
            let mut raised: Vec<(String, String, WarningRule, String)> = Vec::new();
            let (from, to) = window;
            // Both medical rules in one pass over the touched households' 12 months.
            let amount = meta.rules.iter().find(|r| r.enabled && r.kind == RuleKind::MedicalOutOfPocket);
            let share = meta.rules.iter().find(|r| r.enabled && r.kind == RuleKind::MedicalShareOfIncome);
            if amount.is_some() || share.is_some() {
                let found = sqlx::query(
                    // From the touched households outwards (SQLite takes CROSS JOIN's order as
                    // given; left to itself it may scan every person): the work grows with the
                    // file, not with the database. The sums come first (on SQLite in the touched
                    // households' key order: no sort for the grouping); then each household once.
                    "SELECT h.id AS household_id, h.region_code, h.monthly_income, s.total, s.n \
                     FROM (SELECT t.household_id, CAST(SUM(m.out_of_pocket) AS BIGINT) AS total, COUNT(*) AS n \
                           FROM import_touched t CROSS JOIN persons p CROSS JOIN medical_records m \
                           WHERE p.household_id = t.household_id AND m.id_number = p.id_number \
                             AND m.settled_on >= $1 AND m.settled_on <= $2 \
                           GROUP BY t.household_id) s \
                     CROSS JOIN households h \
                     WHERE h.id = s.household_id AND NOT (h.standing IN ('rejected', 'exited') AND COALESCE(h.standing_at, 0) < $3) \
                       AND (($4 > 0 AND s.total > $4) OR ($5 > 0 AND h.monthly_income > 0 AND s.total * 100 > h.monthly_income * 12 * $5))",
                )
                .bind(from.to_string())
                .bind(to.to_string())
                .bind(monitored_since)
                .bind(amount.map(|r| r.threshold).unwrap_or(0))
                .bind(share.map(|r| r.threshold).unwrap_or(0))
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
                for r in found {
                    let income: Option<i64> = get!(r, "monthly_income");
                    let (total, n): (i64, i64) = (get!(r, "total"), get!(r, "n"));
                    let (household_id, region_code): (String, String) = (get!(r, "household_id"), get!(r, "region_code"));
                    // Which of the two fired: the same comparisons as the query, in the domain's words.
                    let fired = [
                        amount.map(|rule| (rule, rule.threshold, None)),
                        share.filter(|_| income.unwrap_or(0) > 0).map(|rule| {
                            let income = income.unwrap_or(0);
                            (rule, app::domain::monitoring::share_of_income(income, rule.threshold), Some((rule.threshold, income * 12)))
                        }),
                    ];
                    for (rule, threshold_fen, share) in fired.into_iter().flatten() {
                        let over = match share {
                            Some((percent, yearly)) => total.saturating_mul(100) > yearly.saturating_mul(percent),
                            None => total > threshold_fen,
                        };
                        if over {
                            let facts = app::domain::monitoring::MedicalTrigger { from, to, out_of_pocket_fen: total, settlements: n, threshold_fen, share };
                            let json = serde_json::to_string(&facts).map_err(|e| DbError::Other(e.to_string()))?;
                            raised.push((household_id.clone(), region_code.clone(), rule.clone(), json));
                        }
                    }
                }
            }
            // Department events: each record new in this file, on its household's rule.
            let events = sqlx::query(
                "SELECT e.source, e.id_number, e.event, e.event_on, e.grade, e.amount, e.detail, p.household_id, h.region_code \
                 FROM person_events e JOIN persons p ON p.id_number = e.id_number JOIN households h ON h.id = p.household_id \
                 WHERE e.import_id = $1 AND NOT (h.standing IN ('rejected', 'exited') AND COALESCE(h.standing_at, 0) < $2) \
                 ORDER BY e.event_on, e.record_key",
            )
            .bind(&meta.id)
            .bind(monitored_since)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            for r in events {
                let (source, id_number, event, event_on): (String, String, String, String) = (get!(r, "source"), get!(r, "id_number"), get!(r, "event"), get!(r, "event_on"));
                let grade: Option<i64> = get!(r, "grade");
                let (Some(source), Some(event), Ok(id_number), Ok(date)) = (
                    app::domain::monitoring::Source::from_code(&source),
                    app::domain::monitoring::EventKind::from_code(&event),
                    app::domain::id_number::IdNumber::parse(&id_number, meta.today),
                    chrono::NaiveDate::parse_from_str(&event_on, "%Y-%m-%d"),
                ) else {
                    continue;
                };
                let household_id: String = get!(r, "household_id");
                let record = app::domain::monitoring::EventRecord {
                    source,
                    id_number,
                    event,
                    date,
                    grade: grade.and_then(|g| u8::try_from(g).ok()),
                    amount_fen: get!(r, "amount"),
                    detail: get!(r, "detail"),
                };
                // Who works, from the household's latest declaration (only for unemployment).
                let work = if event == app::domain::monitoring::EventKind::Unemployed {
                    let d = sqlx::query("SELECT declaration FROM applications WHERE household_id = $1 ORDER BY submitted_at DESC LIMIT 1")
                        .bind(&household_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    let text: Option<String> = match d {
                        Some(d) => Some(get!(d, "declaration")),
                        None => None,
                    };
                    text.and_then(|t| serde_json::from_str::<app::domain::declaration::Declaration>(&t).ok())
                        .map(|d| app::domain::monitoring::HouseholdWork::of(&d))
                } else {
                    None
                };
                if let Some((rule, facts)) = app::domain::monitoring::event_warning(&meta.rules, &record, work.as_ref()) {
                    let json = serde_json::to_string(&facts).map_err(|e| DbError::Other(e.to_string()))?;
                    raised.push((household_id, get!(r, "region_code"), rule, json));
                }
            }
            let mut warnings = 0i64;
            for (household_id, region_code, rule, trigger_json) in raised {
                let w = app::store::NewWarning {
                    household_id,
                    region_code,
                    kind: rule.kind.code().into(),
                    level: rule.level.code().into(),
                    trigger_json,
                    visit_due: (meta.today + chrono::Days::new(rule.visit_days.max(0) as u64)).to_string(),
                    now: meta.now,
                };
                warnings += i64::from(insert_warning(&mut tx, &w, Some(&meta.id)).await?);
            }
            tracing::info!(rows_ms = rows_done.as_millis() as u64, rules_ms = (started.elapsed() - rows_done).as_millis() as u64, new_records, matched, warnings, "import stored");
            let (rows_read, invalid, report_json) = end;
            sqlx::query("UPDATE imports SET rows_read = $1, new_records = $2, matched = $3, invalid = $4, warnings = $5, report = $6 WHERE id = $7")
                .bind(rows_read)
                .bind(new_records)
                .bind(matched)
                .bind(invalid)
                .bind(warnings)
                .bind(&report_json)
                .bind(&meta.id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            Ok(ImportResult { new_records, matched, warnings })
        }

        /// The household of a head's ID number, opened in `region` when there is none (a
        /// concurrent opening of the same household waits and then finds it). With
        /// `follow_region`, a household that moved is filed under its new region.
        async fn household_for(
            tx: &mut sqlx::Transaction<'_, $db>,
            head_id_number: &str,
            region: &str,
            follow_region: bool,
            now: Millis,
        ) -> Result<String, DbError> {
            sqlx::query("INSERT INTO households (id, head_id_number, region_code, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (head_id_number) DO NOTHING")
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(head_id_number)
                .bind(region)
                .bind(now)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
            if follow_region {
                sqlx::query("UPDATE households SET region_code = $1 WHERE head_id_number = $2")
                    .bind(region)
                    .bind(head_id_number)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
            }
            let r = sqlx::query("SELECT id FROM households WHERE head_id_number = $1").bind(head_id_number).fetch_one(&mut **tx).await.map_err(db_err)?;
            let id: String = get!(r, "id");
            sqlx::query("INSERT INTO persons (id_number, household_id) VALUES ($1, $2) ON CONFLICT (id_number) DO NOTHING")
                .bind(head_id_number)
                .bind(&id)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
            Ok(id)
        }

        async fn visits_where(pool: &sqlx::Pool<$db>, condition: &str, key: &str) -> Result<Vec<VisitRecord>, DbError> {
            let rows = sqlx::query(&format!(
                "SELECT v.id, a.number, v.based_on, v.visited_on, v.record, v.saved_on_device_at, v.received_at, u.display_name \
                 FROM home_visits v JOIN applications a ON a.id = v.application_id JOIN users u ON u.id = v.recorded_by \
                 WHERE {condition} ORDER BY v.received_at, v.id"
            ))
            .bind(key)
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let id: String = get!(r, "id");
                let files = sqlx::query("SELECT role, content_hash, mime, size FROM visit_files WHERE visit_id = $1 ORDER BY seq")
                    .bind(&id)
                    .fetch_all(pool)
                    .await
                    .map_err(db_err)?;
                let mut fs = Vec::with_capacity(files.len());
                for f in files {
                    fs.push(VisitFile { role: get!(f, "role"), content_hash: get!(f, "content_hash"), mime: get!(f, "mime"), size: get!(f, "size") });
                }
                out.push(VisitRecord {
                    id,
                    number: get!(r, "number"),
                    based_on: get!(r, "based_on"),
                    visited_on: get!(r, "visited_on"),
                    record_json: get!(r, "record"),
                    files: fs,
                    recorded_by_name: get!(r, "display_name"),
                    saved_on_device_at: get!(r, "saved_on_device_at"),
                    received_at: get!(r, "received_at"),
                });
            }
            Ok(out)
        }

        const REFERRAL_FROM: &str = "r.id, r.household_id, r.region_code, r.department, r.need, r.note, r.due_on, r.status, r.answer, \
            r.assistance_id, r.created_at, r.answered_at, u.display_name FROM referrals r JOIN users u ON u.id = r.created_by";

        fn referral_from_row(r: &<$db as sqlx::Database>::Row) -> Result<ReferralRecord, DbError> {
            Ok(ReferralRecord {
                id: get!(r, "id"),
                household_id: get!(r, "household_id"),
                region_code: get!(r, "region_code"),
                department: get!(r, "department"),
                need: get!(r, "need"),
                note: get!(r, "note"),
                due_on: get!(r, "due_on"),
                status: get!(r, "status"),
                answer: get!(r, "answer"),
                assistance_id: get!(r, "assistance_id"),
                created_by_name: get!(r, "display_name"),
                created_at: get!(r, "created_at"),
                answered_at: get!(r, "answered_at"),
            })
        }

        const TASK_COLUMNS: &str = "id, kind, household_id, region_code, subject, due_on, status, note, created_at, done_at";

        fn task_from_row(r: &<$db as sqlx::Database>::Row) -> Result<TaskRecord, DbError> {
            Ok(TaskRecord {
                id: get!(r, "id"),
                kind: get!(r, "kind"),
                household_id: get!(r, "household_id"),
                region_code: get!(r, "region_code"),
                subject: get!(r, "subject"),
                due_on: get!(r, "due_on"),
                status: get!(r, "status"),
                note: get!(r, "note"),
                created_at: get!(r, "created_at"),
                done_at: get!(r, "done_at"),
            })
        }

        const HOUSEHOLD_SUMMARY: &str = "h.id, h.head_id_number, h.region_code, h.standing, h.standing_at, h.exit_reason, h.assistance_until, \
            (SELECT a.declaration FROM applications a WHERE a.household_id = h.id ORDER BY a.submitted_at DESC LIMIT 1) AS declaration, \
            (SELECT a.number FROM applications a WHERE a.household_id = h.id ORDER BY a.submitted_at DESC LIMIT 1) AS number \
            FROM households h";

        fn household_summary_from_row(r: &<$db as sqlx::Database>::Row) -> Result<HouseholdSummary, DbError> {
            Ok(HouseholdSummary {
                id: get!(r, "id"),
                head_id_number: get!(r, "head_id_number"),
                region_code: get!(r, "region_code"),
                standing: get!(r, "standing"),
                standing_at: get!(r, "standing_at"),
                exit_reason: get!(r, "exit_reason"),
                assistance_until: get!(r, "assistance_until"),
                latest_declaration_json: get!(r, "declaration"),
                latest_number: get!(r, "number"),
            })
        }

        const EMERGENCY_COLUMNS: &str = "id, household_id, region_code, person_name, situation, advance, documents_due, documents_received_at, \
            conference, assistance_id, recorded_at";

        fn emergency_from_row(r: &<$db as sqlx::Database>::Row) -> Result<EmergencyRecord, DbError> {
            Ok(EmergencyRecord {
                id: get!(r, "id"),
                household_id: get!(r, "household_id"),
                region_code: get!(r, "region_code"),
                person_name: get!(r, "person_name"),
                situation: get!(r, "situation"),
                advance: get!(r, "advance"),
                documents_due: get!(r, "documents_due"),
                documents_received_at: get!(r, "documents_received_at"),
                conference: get!(r, "conference"),
                assistance_id: get!(r, "assistance_id"),
                recorded_at: get!(r, "recorded_at"),
            })
        }

        const IMPORT_COLUMNS: &str = "id, status, source, file_name, encoding, rows_read, new_records, matched, invalid, warnings, report, created_at";

        fn import_from_row(r: &<$db as sqlx::Database>::Row) -> Result<app::store::ImportRecord, DbError> {
            Ok(app::store::ImportRecord {
                id: get!(r, "id"),
                status: get!(r, "status"),
                source: get!(r, "source"),
                file_name: get!(r, "file_name"),
                encoding: get!(r, "encoding"),
                rows_read: get!(r, "rows_read"),
                new_records: get!(r, "new_records"),
                matched: get!(r, "matched"),
                invalid: get!(r, "invalid"),
                warnings: get!(r, "warnings"),
                report_json: get!(r, "report"),
                created_at: get!(r, "created_at"),
            })
        }

        const WARNING_COLUMNS: &str = "id, household_id, region_code, kind, level, trigger_facts, visit_due, status, created_at, assigned_to, \
            visited_on, finding, disposal, note, escalated_at, closed_at";

        fn warning_from_row(r: &<$db as sqlx::Database>::Row) -> Result<WarningRecord, DbError> {
            Ok(WarningRecord {
                id: get!(r, "id"),
                household_id: get!(r, "household_id"),
                region_code: get!(r, "region_code"),
                kind: get!(r, "kind"),
                level: get!(r, "level"),
                trigger_json: get!(r, "trigger_facts"),
                visit_due: get!(r, "visit_due"),
                status: get!(r, "status"),
                created_at: get!(r, "created_at"),
                assigned_to: get!(r, "assigned_to"),
                visited_on: get!(r, "visited_on"),
                finding: get!(r, "finding"),
                disposal: get!(r, "disposal"),
                note: get!(r, "note"),
                escalated_at: get!(r, "escalated_at"),
                closed_at: get!(r, "closed_at"),
            })
        }

        #[async_trait::async_trait]
        impl app::store::Store for $store {
            #[tracing::instrument(skip(self))]
            async fn ping(&self) -> Result<(), DbError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_err)?;
                Ok(())
            }

            #[tracing::instrument(skip(self, user), fields(role = user.role.code()))]
            async fn create_user(&self, user: NewUser) -> Result<String, DbError> {
                let id = uuid::Uuid::new_v4().to_string();
                let r = sqlx::query(
                    "INSERT INTO users (id, role, login, display_name, password_hash, region_code, created_at, department) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(user.role.code())
                .bind(&user.login)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(&user.region_code)
                .bind(user.now)
                .bind(&user.department)
                .execute(&self.pool)
                .await;
                match r {
                    Ok(_) => Ok(id),
                    Err(e) if is_unique_violation(&e) => Err(DbError::Conflict("login_taken")),
                    Err(e) => Err(db_err(e)),
                }
            }

            #[tracing::instrument(skip(self, login))]
            async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, DbError> {
                let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1"))
                    .bind(login)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(match row {
                    Some(r) => Some(user_from_row!(r)),
                    None => None,
                })
            }

            #[tracing::instrument(skip(self))]
            async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, DbError> {
                let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(match row {
                    Some(r) => Some(user_from_row!(r)),
                    None => None,
                })
            }

            #[tracing::instrument(skip(self))]
            async fn record_failed_login(&self, user_id: &str, max_failures: i64, lock_until: Millis) -> Result<(), DbError> {
                sqlx::query(
                    "UPDATE users SET \
                       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END, \
                       failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END \
                     WHERE id = $1",
                )
                .bind(user_id)
                .bind(max_failures)
                .bind(lock_until)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(())
            }

            #[tracing::instrument(skip(self))]
            async fn record_successful_login(&self, user_id: &str) -> Result<(), DbError> {
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(())
            }

            async fn staff_accounts(&self) -> Result<Vec<UserRecord>, DbError> {
                let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE role <> 'resident' ORDER BY login"))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(user_from_row!(r));
                }
                Ok(out)
            }

            #[tracing::instrument(skip(self, phone, code_hash))]
            async fn put_verification_code(
                &self,
                phone: &str,
                code_hash: &str,
                issued_at: Millis,
                expires_at: Millis,
                not_after: Millis,
            ) -> Result<bool, DbError> {
                let n = sqlx::query(
                    "INSERT INTO verification_codes (phone, code_hash, issued_at, expires_at, attempts) VALUES ($1, $2, $3, $4, 0) \
                     ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, issued_at = excluded.issued_at, \
                       expires_at = excluded.expires_at, attempts = 0 \
                     WHERE verification_codes.issued_at <= $5",
                )
                .bind(phone)
                .bind(code_hash)
                .bind(issued_at)
                .bind(expires_at)
                .bind(not_after)
                .execute(&self.pool)
                .await
                .map_err(db_err)?
                .rows_affected();
                Ok(n == 1)
            }

            #[tracing::instrument(skip(self, phone, code_hash))]
            async fn consume_verification_code(&self, phone: &str, code_hash: &str, now: Millis) -> Result<bool, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let row = sqlx::query(
                    "UPDATE verification_codes SET attempts = attempts + 1 WHERE phone = $1 \
                     RETURNING code_hash, expires_at, attempts",
                )
                .bind(phone)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                let Some(row) = row else { return Ok(false) };
                let stored: String = get!(row, "code_hash");
                let expires_at: i64 = get!(row, "expires_at");
                let attempts: i64 = get!(row, "attempts");
                let ok = stored == code_hash && expires_at > now && attempts <= 5;
                if ok || attempts >= 5 || expires_at <= now {
                    sqlx::query("DELETE FROM verification_codes WHERE phone = $1")
                        .bind(phone)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                tx.commit().await.map_err(db_err)?;
                Ok(ok)
            }

            async fn region_children(&self, parent: Option<&str>) -> Result<Vec<Region>, DbError> {
                let q = match parent {
                    Some(p) => sqlx::query("SELECT code, parent_code, name_zh, name_en, demo FROM regions WHERE parent_code = $1 ORDER BY code").bind(p.to_string()),
                    None => sqlx::query("SELECT code, parent_code, name_zh, name_en, demo FROM regions WHERE parent_code IS NULL ORDER BY code"),
                };
                let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(region_from_row!(r));
                }
                Ok(out)
            }

            async fn region(&self, code: &str) -> Result<Option<Region>, DbError> {
                let row = sqlx::query("SELECT code, parent_code, name_zh, name_en, demo FROM regions WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(match row {
                    Some(r) => Some(region_from_row!(r)),
                    None => None,
                })
            }

            #[tracing::instrument(skip(self, initial_data))]
            async fn current_draft(&self, owner_id: &str, initial_data: &str, now: Millis) -> Result<StoredDraft, DbError> {
                sqlx::query(
                    "INSERT INTO drafts (id, owner_id, data, version, created_at, updated_at, submitted) \
                     VALUES ($1, $2, $3, 1, $4, $4, FALSE) ON CONFLICT DO NOTHING",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(owner_id)
                .bind(initial_data)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                let r = sqlx::query("SELECT id, data, version, updated_at FROM drafts WHERE owner_id = $1 AND submitted = FALSE")
                    .bind(owner_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(StoredDraft { id: get!(r, "id"), data: get!(r, "data"), version: get!(r, "version"), updated_at: get!(r, "updated_at") })
            }

            #[tracing::instrument(skip(self, data))]
            async fn save_draft(&self, owner_id: &str, draft_id: &str, data: &str, now: Millis) -> Result<i64, DbError> {
                let row = sqlx::query(
                    "UPDATE drafts SET data = $1, version = version + 1, updated_at = $2 \
                     WHERE id = $3 AND owner_id = $4 AND submitted = FALSE RETURNING version",
                )
                .bind(data)
                .bind(now)
                .bind(draft_id)
                .bind(owner_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
                if let Some(r) = row {
                    return Ok(get!(r, "version"));
                }
                let submitted = sqlx::query("SELECT 1 AS one FROM drafts WHERE id = $1 AND owner_id = $2")
                    .bind(draft_id)
                    .bind(owner_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                Err(if submitted.is_some() { DbError::Conflict("draft_submitted") } else { DbError::NotFound })
            }

            #[tracing::instrument(skip(self, s), fields(draft = %s.draft_id))]
            async fn submit_application(&self, s: Submission) -> Result<SubmitOutcome, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let claimed = sqlx::query("UPDATE drafts SET updated_at = updated_at WHERE id = $1 AND owner_id = $2")
                    .bind(&s.draft_id)
                    .bind(&s.owner_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if claimed == 0 {
                    return Err(DbError::NotFound);
                }
                let existing = sqlx::query("SELECT number, status, submitted_at, updated_at FROM applications WHERE draft_id = $1")
                    .bind(&s.draft_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                if let Some(r) = existing {
                    return Ok(SubmitOutcome::AlreadySubmitted(summary_from_row!(r)));
                }
                let mut taken = Vec::new();
                for id in &s.member_id_numbers {
                    let hit = sqlx::query("SELECT 1 AS one FROM open_application_members WHERE id_number = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    if hit.is_some() {
                        taken.push(id.clone());
                    }
                }
                if !taken.is_empty() {
                    return Ok(SubmitOutcome::IdsInOpenApplication(taken));
                }
                let seq_row = sqlx::query(
                    "INSERT INTO application_counters (year, last_seq) VALUES ($1, 1) \
                     ON CONFLICT (year) DO UPDATE SET last_seq = application_counters.last_seq + 1 RETURNING last_seq",
                )
                .bind(s.year)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                let seq: i64 = get!(seq_row, "last_seq");
                let number = application_number(s.year, seq);
                let app_id = uuid::Uuid::new_v4().to_string();
                // The household is its head's: a later application of the same head joins its file.
                let household_id = household_for(&mut tx, &s.head_id_number, &s.region_code, true, s.now).await?;
                sqlx::query("UPDATE households SET monthly_income = $1 WHERE id = $2")
                    .bind(s.monthly_income_fen)
                    .bind(&household_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                sqlx::query(
                    "INSERT INTO applications (id, number, owner_id, draft_id, region_code, status, declaration, \
                       consent_charity, consent_text_version, submitted_at, updated_at, help, household_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)",
                )
                .bind(&app_id)
                .bind(&number)
                .bind(&s.owner_id)
                .bind(&s.draft_id)
                .bind(&s.region_code)
                .bind(ApplicationStatus::Submitted.code())
                .bind(&s.declaration_json)
                .bind(s.consent_charity)
                .bind(&s.consent_text_version)
                .bind(s.now)
                .bind(format!(",{},", s.help.join(",")))
                .bind(&household_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                for id in &s.member_id_numbers {
                    // Every person declared belongs to the household of their latest application.
                    sqlx::query("INSERT INTO persons (id_number, household_id) VALUES ($1, $2) ON CONFLICT (id_number) DO UPDATE SET household_id = excluded.household_id")
                        .bind(id)
                        .bind(&household_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    let r = sqlx::query("INSERT INTO open_application_members (id_number, application_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(&app_id)
                        .execute(&mut *tx)
                        .await;
                    match r {
                        Ok(_) => {}
                        // Another application took this person between our check and insert.
                        Err(e) if is_unique_violation(&e) => return Ok(SubmitOutcome::IdsInOpenApplication(vec![id.clone()])),
                        Err(e) => return Err(db_err(e)),
                    }
                }
                add_event(&mut *tx, &app_id, "submitted", ApplicationStatus::Submitted, &s.owner_id, "", s.now).await?;
                insert_assessment(&mut *tx, &app_id, "submission", &s.assessment, &s.owner_id, s.now).await?;
                for (kind, granted) in [("verification", true), ("charity_sharing", s.consent_charity)] {
                    sqlx::query(
                        "INSERT INTO consents (user_id, application_id, kind, granted, text_version, at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&s.owner_id)
                    .bind(&app_id)
                    .bind(kind)
                    .bind(granted)
                    .bind(&s.consent_text_version)
                    .bind(s.now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                sqlx::query("UPDATE drafts SET submitted = TRUE WHERE id = $1")
                    .bind(&s.draft_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                tx.commit().await.map_err(db_err)?;
                Ok(SubmitOutcome::Created(ApplicationSummary {
                    number,
                    status: ApplicationStatus::Submitted,
                    submitted_at: s.now,
                    updated_at: s.now,
                }))
            }

            async fn applications_of(&self, owner_id: &str) -> Result<Vec<ApplicationSummary>, DbError> {
                let rows = sqlx::query(
                    "SELECT number, status, submitted_at, updated_at FROM applications WHERE owner_id = $1 ORDER BY submitted_at DESC",
                )
                .bind(owner_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(summary_from_row!(r));
                }
                Ok(out)
            }

            #[tracing::instrument(skip(self))]
            async fn application(&self, number: &str) -> Result<Option<ApplicationRecord>, DbError> {
                let Some(r) = sqlx::query(
                    "SELECT id, number, status, submitted_at, updated_at, owner_id, draft_id, region_code, declaration, \
                       consent_charity, consent_text_version, household_id FROM applications WHERE number = $1",
                )
                .bind(number)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?
                else {
                    return Ok(None);
                };
                let app_id: String = get!(r, "id");
                let events = sqlx::query("SELECT kind, status, note, at FROM application_events WHERE application_id = $1 ORDER BY id")
                    .bind(&app_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                let mut timeline = Vec::with_capacity(events.len());
                for e in events {
                    let status: String = get!(e, "status");
                    timeline.push(TimelineEvent { kind: get!(e, "kind"), status: status_of(&status)?, note: get!(e, "note"), at: get!(e, "at") });
                }
                let open = sqlx::query(
                    "SELECT id, question FROM info_requests WHERE application_id = $1 AND answer IS NULL ORDER BY id DESC LIMIT 1",
                )
                .bind(&app_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
                let open_info_request = match open {
                    Some(o) => Some((get!(o, "id"), get!(o, "question"))),
                    None => None,
                };
                Ok(Some(ApplicationRecord {
                    summary: summary_from_row!(r),
                    owner_id: get!(r, "owner_id"),
                    draft_id: get!(r, "draft_id"),
                    region_code: get!(r, "region_code"),
                    declaration_json: get!(r, "declaration"),
                    consent_charity: get!(r, "consent_charity"),
                    consent_text_version: get!(r, "consent_text_version"),
                    events: timeline,
                    open_info_request,
                    household_id: get!(r, "household_id"),
                }))
            }

            #[tracing::instrument(skip(self, note))]
            async fn change_status(
                &self,
                number: &str,
                from: &[ApplicationStatus],
                to: ApplicationStatus,
                actor_id: &str,
                note: &str,
                now: Millis,
            ) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, number, now);
                if !from.contains(&status) {
                    return Err(DbError::Conflict("status"));
                }
                sqlx::query("UPDATE applications SET status = $1 WHERE id = $2")
                    .bind(to.code())
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let kind = if to == ApplicationStatus::Withdrawn { "withdrawn" } else { "status_changed" };
                add_event(&mut *tx, &app_id, kind, to, actor_id, note, now).await?;
                if to == ApplicationStatus::Rejected {
                    // Kept in the low-income database as rejected (monitored, searchable), unless in assistance already.
                    sqlx::query(
                        "UPDATE households SET standing = 'rejected', standing_at = $1 \
                         WHERE id = (SELECT household_id FROM applications WHERE id = $2) AND standing <> 'in_assistance'",
                    )
                    .bind(now)
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                if !to.is_open() {
                    sqlx::query("DELETE FROM open_application_members WHERE application_id = $1")
                        .bind(&app_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            #[tracing::instrument(skip(self, question))]
            async fn request_info(&self, number: &str, actor_id: &str, question: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, number, now);
                if !matches!(
                    status,
                    ApplicationStatus::Submitted | ApplicationStatus::Accepted | ApplicationStatus::Visiting | ApplicationStatus::Reviewing
                ) {
                    return Err(DbError::Conflict("status"));
                }
                sqlx::query("INSERT INTO info_requests (application_id, question, asked_by, asked_at) VALUES ($1, $2, $3, $4)")
                    .bind(&app_id)
                    .bind(question)
                    .bind(actor_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                sqlx::query("UPDATE applications SET status = $1 WHERE id = $2")
                    .bind(ApplicationStatus::InfoRequested.code())
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                add_event(&mut *tx, &app_id, "info_requested", ApplicationStatus::InfoRequested, actor_id, question, now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            #[tracing::instrument(skip(self, answer))]
            async fn answer_info_request(&self, number: &str, actor_id: &str, answer: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, number, now);
                if status != ApplicationStatus::InfoRequested {
                    return Err(DbError::Conflict("no_open_request"));
                }
                let n = sqlx::query("UPDATE info_requests SET answer = $1, answered_at = $2 WHERE application_id = $3 AND answer IS NULL")
                    .bind(answer)
                    .bind(now)
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if n == 0 {
                    return Err(DbError::Conflict("no_open_request"));
                }
                sqlx::query("UPDATE applications SET status = $1 WHERE id = $2")
                    .bind(ApplicationStatus::Accepted.code())
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                add_event(&mut *tx, &app_id, "info_answered", ApplicationStatus::Accepted, actor_id, answer, now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            #[tracing::instrument(skip(self))]
            async fn set_charity_consent(&self, number: &str, actor_id: &str, granted: bool, text_version: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, number, now);
                sqlx::query("INSERT INTO consents (user_id, application_id, kind, granted, text_version, at) VALUES ($1, $2, 'charity_sharing', $3, $4, $5)")
                    .bind(actor_id)
                    .bind(&app_id)
                    .bind(granted)
                    .bind(text_version)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                sqlx::query("UPDATE applications SET consent_charity = $1 WHERE id = $2")
                    .bind(granted)
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let note = if granted { "granted" } else { "withdrawn" };
                add_event(&mut *tx, &app_id, "consent_changed", status, actor_id, note, now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            async fn add_assessment(&self, number: &str, reason: &str, a: NewAssessment, actor_id: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let app = sqlx::query("UPDATE applications SET updated_at = $1 WHERE number = $2 RETURNING id, status")
                    .bind(now)
                    .bind(number)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .ok_or(DbError::NotFound)?;
                let app_id: String = get!(app, "id");
                let status: String = get!(app, "status");
                insert_assessment(&mut *tx, &app_id, reason, &a, actor_id, now).await?;
                add_event(&mut *tx, &app_id, "reassessed", status_of(&status)?, actor_id, "", now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            async fn review_queue(&self, q: QueueQuery) -> Result<Vec<QueueRecord>, DbError> {
                // Placeholders are numbered as conditions are added; binds follow the same order.
                let mut sql = String::from(
                    "SELECT a.number, a.status, a.region_code, a.submitted_at, a.updated_at, a.help, \
                       COALESCE((SELECT s.categories FROM assessments s WHERE s.application_id = a.id ORDER BY s.id DESC LIMIT 1), '') AS categories, \
                       (SELECT COUNT(*) FROM tasks t WHERE t.household_id = a.household_id AND t.status = 'open' AND t.due_on <= $2) \
                       + (SELECT COUNT(*) FROM warnings w WHERE w.household_id = a.household_id AND w.status <> 'closed') AS warnings \
                     FROM applications a WHERE a.region_code LIKE $1",
                );
                let mut n = 2;
                if q.with_warnings {
                    sql.push_str(
                        " AND (EXISTS (SELECT 1 FROM tasks t WHERE t.household_id = a.household_id AND t.status = 'open' AND t.due_on <= $2) \
                         OR EXISTS (SELECT 1 FROM warnings w WHERE w.household_id = a.household_id AND w.status <> 'closed'))",
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
                sql.push_str(&format!(" ORDER BY a.submitted_at, a.number LIMIT {}", next()));
                let mut query = sqlx::query(&sql).bind(format!("{}%", q.region_prefix)).bind(&q.today);
                for st in &q.statuses {
                    query = query.bind(st.code());
                }
                if let Some(h) = &q.help {
                    query = query.bind(format!("%,{h},%"));
                }
                if let Some(t) = q.submitted_before {
                    query = query.bind(t);
                }
                if let Some((t, number)) = &q.after {
                    query = query.bind(*t).bind(number.clone());
                }
                let rows = query.bind(q.limit).fetch_all(&self.pool).await.map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let status: String = get!(r, "status");
                    out.push(QueueRecord {
                        number: get!(r, "number"),
                        status: status_of(&status)?,
                        region_code: get!(r, "region_code"),
                        submitted_at: get!(r, "submitted_at"),
                        updated_at: get!(r, "updated_at"),
                        help: get!(r, "help"),
                        categories: get!(r, "categories"),
                        warnings: get!(r, "warnings"),
                    });
                }
                Ok(out)
            }

            async fn decide(&self, number: &str, d: DecisionRecord, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, number, now);
                if !matches!(status, ApplicationStatus::Visiting | ApplicationStatus::Reviewing) {
                    return Err(DbError::Conflict("status"));
                }
                sqlx::query(
                    "INSERT INTO decisions (application_id, category, monthly_amount, proposed_category, proposed_amount, \
                       adjustment_reason, effective_from, notice_until, decided_by, decided_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&app_id)
                .bind(&d.category)
                .bind(d.monthly_amount_fen)
                .bind(&d.proposed_category)
                .bind(d.proposed_amount_fen)
                .bind(&d.adjustment_reason)
                .bind(&d.effective_from)
                .bind(&d.notice_until)
                .bind(&d.decided_by)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                sqlx::query("UPDATE applications SET status = $1 WHERE id = $2")
                    .bind(ApplicationStatus::Publicising.code())
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                add_event(&mut *tx, &app_id, "decided", ApplicationStatus::Publicising, &d.decided_by, &d.adjustment_reason, now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            async fn latest_decision(&self, number: &str) -> Result<Option<DecisionRecord>, DbError> {
                let r = sqlx::query(&format!(
                    "SELECT {DECISION_COLUMNS} FROM decisions d JOIN applications a ON a.id = d.application_id \
                     WHERE a.number = $1 ORDER BY d.id DESC LIMIT 1"
                ))
                .bind(number)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(match r {
                    Some(r) => Some(decision_from_row!(r)),
                    None => None,
                })
            }

            async fn record_objection(&self, number: &str, text: &str, actor_id: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, number, now);
                if status != ApplicationStatus::Publicising {
                    return Err(DbError::Conflict("status"));
                }
                sqlx::query("INSERT INTO objections (application_id, text, recorded_by, at) VALUES ($1, $2, $3, $4)")
                    .bind(&app_id)
                    .bind(text)
                    .bind(actor_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                add_event(&mut *tx, &app_id, "objection", status, actor_id, text, now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            async fn objections(&self, number: &str) -> Result<Vec<(String, Millis)>, DbError> {
                let rows = sqlx::query(
                    "SELECT o.text, o.at FROM objections o JOIN applications a ON a.id = o.application_id WHERE a.number = $1 ORDER BY o.id",
                )
                .bind(number)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push((get!(r, "text"), get!(r, "at")));
                }
                Ok(out)
            }

            async fn finalize(&self, number: &str, actor_id: &str, note: &str, today: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, number, now);
                if status != ApplicationStatus::Publicising {
                    return Err(DbError::Conflict("status"));
                }
                let r = sqlx::query(
                    "SELECT d.id, d.notice_until, d.category, d.monthly_amount, d.effective_from, a.household_id FROM decisions d \
                     JOIN applications a ON a.id = d.application_id WHERE d.application_id = $1 ORDER BY d.id DESC LIMIT 1",
                )
                .bind(&app_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                let until: String = get!(r, "notice_until");
                if until.as_str() >= today {
                    return Err(DbError::Conflict("notice_running"));
                }
                let decision_id: i64 = get!(r, "id");
                let category: String = get!(r, "category");
                let amount: i64 = get!(r, "monthly_amount");
                let household_id: Option<String> = get!(r, "household_id");
                let effective_from: String = get!(r, "effective_from");
                if let Some(h) = &household_id {
                    sqlx::query(
                        "UPDATE households SET standing = 'in_assistance', standing_at = $1, exit_reason = '', assistance_until = NULL WHERE id = $2",
                    )
                    .bind(now)
                    .bind(h)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                // Basic living aid (低保金 / 特困供养金) starts the chain on the effective date.
                if let (Some(household_id), true) = (household_id, amount > 0 && matches!(category.as_str(), "dibao" | "tekun")) {
                    sqlx::query(
                        "INSERT INTO assistance (id, household_id, application_id, kind, source, source_name, amount, monthly, \
                           period_from, period_until, origin, note, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, 'basic_living', 'civil_affairs', '', $4, TRUE, $5, NULL, 'decision', $6, $7, $8)",
                    )
                    .bind(format!("decision-{decision_id}"))
                    .bind(&household_id)
                    .bind(&app_id)
                    .bind(amount)
                    .bind(&effective_from)
                    .bind(&category)
                    .bind(actor_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                sqlx::query("UPDATE applications SET status = $1 WHERE id = $2")
                    .bind(ApplicationStatus::Approved.code())
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                add_event(&mut *tx, &app_id, "status_changed", ApplicationStatus::Approved, actor_id, note, now).await?;
                sqlx::query("DELETE FROM open_application_members WHERE application_id = $1")
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            async fn public_notices(&self, region_prefix: &str, today: &str) -> Result<Vec<NoticeRecord>, DbError> {
                let rows = sqlx::query(&format!(
                    "SELECT a.number, a.region_code, a.declaration, {DECISION_COLUMNS} FROM applications a \
                     JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE application_id = a.id) \
                     WHERE a.status = 'publicising' AND a.region_code LIKE $1 AND d.notice_until >= $2 ORDER BY a.region_code, a.number"
                ))
                .bind(format!("{region_prefix}%"))
                .bind(today)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(NoticeRecord {
                        number: get!(r, "number"),
                        region_code: get!(r, "region_code"),
                        declaration_json: get!(r, "declaration"),
                        decision: decision_from_row!(r),
                    });
                }
                Ok(out)
            }

            async fn assessment_history(&self, number: &str) -> Result<Vec<(String, String, Millis)>, DbError> {
                let rows = sqlx::query(
                    "SELECT s.reason, s.categories, s.created_at FROM assessments s JOIN applications a ON a.id = s.application_id \
                     WHERE a.number = $1 ORDER BY s.id",
                )
                .bind(number)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push((get!(r, "reason"), get!(r, "categories"), get!(r, "created_at")));
                }
                Ok(out)
            }

            async fn latest_assessment(&self, number: &str) -> Result<Option<AssessmentRecord>, DbError> {
                let r = sqlx::query(
                    "SELECT s.id, s.reason, s.facts, s.parameters, s.assessment, s.categories, s.created_at \
                     FROM assessments s JOIN applications a ON a.id = s.application_id \
                     WHERE a.number = $1 ORDER BY s.id DESC LIMIT 1",
                )
                .bind(number)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(match r {
                    Some(r) => Some(AssessmentRecord {
                        id: get!(r, "id"),
                        reason: get!(r, "reason"),
                        stored: NewAssessment {
                            facts_json: get!(r, "facts"),
                            parameters_json: get!(r, "parameters"),
                            assessment_json: get!(r, "assessment"),
                            categories: get!(r, "categories"),
                        },
                        created_at: get!(r, "created_at"),
                    }),
                    None => None,
                })
            }

            async fn policy_parameters(&self) -> Result<Vec<ParameterRecord>, DbError> {
                let rows = sqlx::query(&format!("SELECT {PARAMETER_COLUMNS} FROM policy_parameters ORDER BY key, region_code, effective_from, id"))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                parameters_from(rows)
            }

            async fn add_policy_parameter(&self, p: NewParameter) -> Result<ParameterRecord, DbError> {
                let r = sqlx::query(&format!(
                    "INSERT INTO policy_parameters (key, region_code, residence, value, effective_from, source, example, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {PARAMETER_COLUMNS}"
                ))
                .bind(&p.key)
                .bind(&p.region_code)
                .bind(&p.residence)
                .bind(p.value)
                .bind(&p.effective_from)
                .bind(&p.source)
                .bind(p.example)
                .bind(&p.created_by)
                .bind(p.now)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(parameter_from_row!(r))
            }

            async fn withdraw_policy_parameter(&self, id: i64, actor_id: &str, today: &str, now: Millis) -> Result<(), DbError> {
                let done = sqlx::query(
                    "UPDATE policy_parameters SET withdrawn_at = $1, withdrawn_by = $2 \
                     WHERE id = $3 AND withdrawn_at IS NULL AND effective_from > $4",
                )
                .bind(now)
                .bind(actor_id)
                .bind(id)
                .bind(today)
                .execute(&self.pool)
                .await
                .map_err(db_err)?
                .rows_affected();
                if done == 1 {
                    return Ok(());
                }
                let exists = sqlx::query("SELECT id FROM policy_parameters WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
                Err(if exists.is_some() { DbError::Conflict("param_in_force") } else { DbError::NotFound })
            }

            async fn assessed_households(&self, region_prefix: &str) -> Result<Vec<AssessedHousehold>, DbError> {
                // The latest assessment of each application that is still in play.
                let rows = sqlx::query(
                    "SELECT a.id, a.number, a.region_code, s.facts, s.categories FROM applications a \
                     JOIN assessments s ON s.id = (SELECT MAX(id) FROM assessments WHERE application_id = a.id) \
                     WHERE a.region_code LIKE $1 AND a.status NOT IN ('withdrawn') ORDER BY a.number",
                )
                .bind(format!("{region_prefix}%"))
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(AssessedHousehold {
                        application_id: get!(r, "id"),
                        number: get!(r, "number"),
                        region_code: get!(r, "region_code"),
                        facts_json: get!(r, "facts"),
                        categories: get!(r, "categories"),
                    });
                }
                Ok(out)
            }

            async fn due_parameters(&self, today: &str) -> Result<Vec<ParameterRecord>, DbError> {
                let rows = sqlx::query(&format!(
                    "SELECT {PARAMETER_COLUMNS} FROM policy_parameters \
                     WHERE reassessed_at IS NULL AND withdrawn_at IS NULL AND effective_from <= $1 ORDER BY id"
                ))
                .bind(today)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                parameters_from(rows)
            }

            async fn mark_parameter_reassessed(&self, id: i64, now: Millis) -> Result<(), DbError> {
                sqlx::query("UPDATE policy_parameters SET reassessed_at = $1 WHERE id = $2 AND reassessed_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(())
            }

            async fn add_reassessment_proposal(&self, p: NewProposal) -> Result<bool, DbError> {
                let r = sqlx::query(
                    "INSERT INTO reassessment_proposals (application_id, parameter_id, from_categories, to_categories, facts, parameters, assessment, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (application_id, parameter_id) DO NOTHING",
                )
                .bind(&p.application_id)
                .bind(p.parameter_id)
                .bind(&p.from_categories)
                .bind(&p.to_categories)
                .bind(&p.assessment.facts_json)
                .bind(&p.assessment.parameters_json)
                .bind(&p.assessment.assessment_json)
                .bind(p.now)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn decide_reassessment_proposal(&self, id: i64, region_prefix: &str, accept: bool, actor_id: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                // Claim the open proposal first: a concurrent decision waits, then finds it decided.
                let done = sqlx::query(
                    "UPDATE reassessment_proposals SET status = $1 WHERE id = $2 AND status = 'open' \
                     AND application_id IN (SELECT id FROM applications WHERE region_code LIKE $3)",
                )
                .bind(if accept { "accepted" } else { "dismissed" })
                .bind(id)
                .bind(format!("{region_prefix}%"))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                if done == 0 {
                    let r = sqlx::query(
                        "SELECT p.status FROM reassessment_proposals p JOIN applications a ON a.id = p.application_id \
                         WHERE p.id = $1 AND a.region_code LIKE $2",
                    )
                    .bind(id)
                    .bind(format!("{region_prefix}%"))
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    return Err(if r.is_some() { DbError::Conflict("proposal_decided") } else { DbError::NotFound });
                }
                if accept {
                    sqlx::query(
                        "INSERT INTO assessments (application_id, reason, facts, parameters, assessment, categories, created_by, created_at) \
                         SELECT application_id, 'reassessment', facts, parameters, assessment, to_categories, $1, $2 \
                         FROM reassessment_proposals WHERE id = $3",
                    )
                    .bind(actor_id)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let app = sqlx::query(
                        "SELECT a.id, a.status FROM applications a JOIN reassessment_proposals p ON p.application_id = a.id WHERE p.id = $1",
                    )
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let app_id: String = get!(app, "id");
                    let status: String = get!(app, "status");
                    add_event(&mut *tx, &app_id, "reassessed", status_of(&status)?, actor_id, "", now).await?;
                }
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            async fn reassessment_proposals(&self, region_prefix: &str) -> Result<Vec<ProposalRecord>, DbError> {
                let rows = sqlx::query(
                    "SELECT p.id, a.number, a.region_code, p.parameter_id, p.from_categories, p.to_categories, p.status, p.created_at \
                     FROM reassessment_proposals p JOIN applications a ON a.id = p.application_id \
                     WHERE a.region_code LIKE $1 ORDER BY p.id DESC LIMIT 500",
                )
                .bind(format!("{region_prefix}%"))
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(ProposalRecord {
                        id: get!(r, "id"),
                        number: get!(r, "number"),
                        region_code: get!(r, "region_code"),
                        parameter_id: get!(r, "parameter_id"),
                        from_categories: get!(r, "from_categories"),
                        to_categories: get!(r, "to_categories"),
                        status: get!(r, "status"),
                        created_at: get!(r, "created_at"),
                    });
                }
                Ok(out)
            }

            // households, visits, the assistance chain and referrals

            async fn household(&self, id: &str) -> Result<Option<HouseholdRecord>, DbError> {
                let r = sqlx::query("SELECT id, head_id_number, region_code, created_at FROM households WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(match r {
                    Some(r) => Some(HouseholdRecord {
                        id: get!(r, "id"),
                        head_id_number: get!(r, "head_id_number"),
                        region_code: get!(r, "region_code"),
                        created_at: get!(r, "created_at"),
                    }),
                    None => None,
                })
            }

            async fn household_applications(&self, household_id: &str) -> Result<Vec<HouseholdApplication>, DbError> {
                let rows = sqlx::query(
                    "SELECT number, status, submitted_at, updated_at, draft_id, region_code, declaration, consent_charity, consent_text_version \
                     FROM applications WHERE household_id = $1 ORDER BY submitted_at",
                )
                .bind(household_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(HouseholdApplication {
                        summary: summary_from_row!(r),
                        draft_id: get!(r, "draft_id"),
                        region_code: get!(r, "region_code"),
                        declaration_json: get!(r, "declaration"),
                        consent_charity: get!(r, "consent_charity"),
                        consent_text_version: get!(r, "consent_text_version"),
                    });
                }
                Ok(out)
            }

            async fn record_visit(&self, v: NewVisit) -> Result<VisitOutcome, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let (app_id, status) = claim_application!(tx, &v.number, v.now);
                let known = sqlx::query("SELECT application_id FROM home_visits WHERE id = $1")
                    .bind(&v.id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                if let Some(k) = known {
                    let of: String = get!(k, "application_id");
                    return if of == app_id { Ok(VisitOutcome::AlreadyRecorded) } else { Err(DbError::Conflict("visit_id")) };
                }
                if !matches!(status, ApplicationStatus::Accepted | ApplicationStatus::Visiting | ApplicationStatus::Reviewing) {
                    return Err(DbError::Conflict("status"));
                }
                let newest = sqlx::query("SELECT id FROM home_visits WHERE application_id = $1 ORDER BY received_at DESC, id DESC LIMIT 1")
                    .bind(&app_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let newest: Option<String> = match newest {
                    Some(r) => Some(get!(r, "id")),
                    None => None,
                };
                if newest.is_some() && newest != v.based_on {
                    // Show what the device did not know, newest last; record nothing.
                    let since = match &v.based_on {
                        Some(b) => sqlx::query("SELECT received_at FROM home_visits WHERE id = $1 AND application_id = $2")
                            .bind(b)
                            .bind(&app_id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(db_err)?
                            .map(|r| r.try_get::<i64, _>("received_at"))
                            .transpose()
                            .map_err(db_err)?,
                        None => None,
                    };
                    tx.rollback().await.map_err(db_err)?;
                    let all = visits_where(&self.pool, "v.application_id = $1", &app_id).await?;
                    return Ok(VisitOutcome::Conflict(all.into_iter().filter(|x| since.is_none_or(|t| x.received_at > t)).collect()));
                }
                sqlx::query(
                    "INSERT INTO home_visits (id, application_id, based_on, visited_on, record, recorded_by, saved_on_device_at, received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&v.id)
                .bind(&app_id)
                .bind(&v.based_on)
                .bind(&v.visited_on)
                .bind(&v.record_json)
                .bind(&v.recorded_by)
                .bind(v.saved_on_device_at)
                .bind(v.now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                for (seq, f) in v.files.iter().enumerate() {
                    sqlx::query("INSERT INTO visit_files (visit_id, seq, role, content_hash, mime, size) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&v.id)
                        .bind(seq as i64)
                        .bind(&f.role)
                        .bind(&f.content_hash)
                        .bind(&f.mime)
                        .bind(f.size)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                let after = if status == ApplicationStatus::Accepted { ApplicationStatus::Visiting } else { status };
                sqlx::query("UPDATE applications SET status = $1 WHERE id = $2")
                    .bind(after.code())
                    .bind(&app_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                add_event(&mut *tx, &app_id, "visit_recorded", after, &v.recorded_by, &v.visited_on, v.now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(VisitOutcome::Recorded)
            }

            async fn household_visits(&self, household_id: &str) -> Result<Vec<VisitRecord>, DbError> {
                visits_where(&self.pool, "a.household_id = $1", household_id).await
            }

            async fn visit_file_region(&self, content_hash: &str) -> Result<Option<String>, DbError> {
                let r = sqlx::query(
                    "SELECT a.region_code FROM visit_files f JOIN home_visits v ON v.id = f.visit_id \
                     JOIN applications a ON a.id = v.application_id WHERE f.content_hash = $1 LIMIT 1",
                )
                .bind(content_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(match r {
                    Some(r) => Some(get!(r, "region_code")),
                    None => None,
                })
            }

            async fn assistance_of(&self, household_id: &str) -> Result<Vec<AidRecord>, DbError> {
                let rows = sqlx::query(
                    "SELECT s.id, s.kind, s.source, s.source_name, s.amount, s.monthly, s.period_from, s.period_until, s.origin, s.note, \
                       s.recorded_at, u.display_name, a.number FROM assistance s JOIN users u ON u.id = s.recorded_by \
                     LEFT JOIN applications a ON a.id = s.application_id WHERE s.household_id = $1 ORDER BY s.period_from, s.recorded_at",
                )
                .bind(household_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(aid_from_row(&r)?);
                }
                Ok(out)
            }

            async fn add_assistance(&self, household_id: &str, id: &str, aid: NewAid, origin: AidOrigin, actor_id: &str, now: Millis) -> Result<bool, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let added = insert_aid(&mut tx, household_id, id, &aid, origin, actor_id, now).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(added)
            }

            async fn add_referral(&self, r: NewReferralRecord) -> Result<i64, DbError> {
                let row = sqlx::query(
                    "INSERT INTO referrals (household_id, region_code, department, need, note, due_on, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&r.household_id)
                .bind(&r.region_code)
                .bind(&r.department)
                .bind(&r.need)
                .bind(&r.note)
                .bind(&r.due_on)
                .bind(&r.created_by)
                .bind(r.now)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(get!(row, "id"))
            }

            async fn referrals(&self, q: ReferralQuery) -> Result<Vec<ReferralRecord>, DbError> {
                const COLUMNS: &str = REFERRAL_FROM;
                let rows = match &q {
                    ReferralQuery::Household(id) => sqlx::query(&format!("SELECT {COLUMNS} WHERE r.household_id = $1 ORDER BY r.id"))
                        .bind(id)
                        .fetch_all(&self.pool)
                        .await,
                    ReferralQuery::Inbox { department, region_prefix } => sqlx::query(&format!(
                        "SELECT {COLUMNS} WHERE r.department = $1 AND r.region_code LIKE $2 \
                         ORDER BY CASE WHEN r.status IN ('sent','accepted') THEN 0 ELSE 1 END, r.due_on, r.id LIMIT 500"
                    ))
                    .bind(department)
                    .bind(format!("{region_prefix}%"))
                    .fetch_all(&self.pool)
                    .await,
                }
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(referral_from_row(&r)?);
                }
                Ok(out)
            }

            async fn answer_referral(&self, a: ReferralAnswer) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                // Claim the row first so two officers answering at once queue.
                let claimed = sqlx::query("UPDATE referrals SET status = status WHERE id = $1 AND department = $2 AND region_code LIKE $3")
                    .bind(a.id)
                    .bind(&a.department)
                    .bind(format!("{}%", a.region_prefix))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if claimed == 0 {
                    return Err(DbError::NotFound);
                }
                let r = sqlx::query("SELECT status, household_id FROM referrals WHERE id = $1")
                    .bind(a.id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let status: String = get!(r, "status");
                let household_id: String = get!(r, "household_id");
                let from = ReferralStatus::from_code(&status).ok_or_else(|| DbError::Other(format!("unknown referral status {status}")))?;
                if !from.can_become(a.to) {
                    return Err(DbError::Conflict("referral_state"));
                }
                let aid_id = match &a.aid {
                    Some((id, aid)) => {
                        insert_aid(&mut tx, &household_id, id, aid, AidOrigin::Referral, &a.actor_id, a.now).await?;
                        Some(id.clone())
                    }
                    None => None,
                };
                sqlx::query(
                    "UPDATE referrals SET status = $1, answer = $2, assistance_id = COALESCE($3, assistance_id), answered_by = $4, answered_at = $5 \
                     WHERE id = $6",
                )
                .bind(a.to.code())
                .bind(&a.answer)
                .bind(&aid_id)
                .bind(&a.actor_id)
                .bind(a.now)
                .bind(a.id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            // background work, tasks, standing, emergency aid

            async fn enqueue_work(&self, kind: &str, subject: &str, payload: &str, run_at: Millis) -> Result<bool, DbError> {
                let r = sqlx::query(
                    "INSERT INTO work_items (kind, subject, payload, run_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, subject, run_at) DO NOTHING",
                )
                .bind(kind)
                .bind(subject)
                .bind(payload)
                .bind(run_at)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn claim_work(&self, worker: &str, now: Millis, lease_ms: i64, limit: i64) -> Result<Vec<WorkItem>, DbError> {
                let rows = sqlx::query(&format!(
                    "UPDATE work_items SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
                     WHERE id IN (SELECT id FROM work_items WHERE done_at IS NULL AND run_at <= $3 \
                       AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY run_at, id LIMIT $4 {}) \
                     RETURNING id, kind, subject, payload, run_at, attempts",
                    $skip_locked
                ))
                .bind(worker)
                .bind(now + lease_ms)
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(WorkItem {
                        id: get!(r, "id"),
                        kind: get!(r, "kind"),
                        subject: get!(r, "subject"),
                        payload: get!(r, "payload"),
                        run_at: get!(r, "run_at"),
                        attempts: get!(r, "attempts"),
                    });
                }
                out.sort_by_key(|w| (w.run_at, w.id));
                Ok(out)
            }

            async fn finish_work(&self, id: i64, worker: &str, error: Option<&str>, now: Millis, retry_at: Millis) -> Result<(), DbError> {
                let q = match error {
                    None => sqlx::query("UPDATE work_items SET done_at = $1, claimed_by = NULL, claimed_until = NULL WHERE id = $2 AND claimed_by = $3")
                        .bind(now)
                        .bind(id)
                        .bind(worker),
                    // Released, and not claimable again before `retry_at`.
                    Some(e) => sqlx::query("UPDATE work_items SET claimed_by = NULL, claimed_until = $1, last_error = $4 WHERE id = $2 AND claimed_by = $3")
                        .bind(retry_at)
                        .bind(id)
                        .bind(worker)
                        .bind(e),
                };
                q.execute(&self.pool).await.map_err(db_err)?;
                Ok(())
            }

            async fn referral(&self, id: i64) -> Result<Option<ReferralRecord>, DbError> {
                let r = sqlx::query(&format!("SELECT {REFERRAL_FROM} WHERE r.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                r.as_ref().map(referral_from_row).transpose()
            }

            async fn add_task(&self, t: NewTask) -> Result<bool, DbError> {
                let r = sqlx::query(
                    "INSERT INTO tasks (kind, household_id, region_code, subject, due_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (kind, subject, due_on) DO NOTHING",
                )
                .bind(&t.kind)
                .bind(&t.household_id)
                .bind(&t.region_code)
                .bind(&t.subject)
                .bind(&t.due_on)
                .bind(&t.note)
                .bind(t.now)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn tasks(&self, region_prefix: &str, open_only: bool) -> Result<Vec<TaskRecord>, DbError> {
                let rows = sqlx::query(&format!(
                    "SELECT {TASK_COLUMNS} FROM tasks WHERE region_code LIKE $1 {} \
                     ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, due_on, id LIMIT 500",
                    if open_only { "AND status = 'open'" } else { "" }
                ))
                .bind(format!("{region_prefix}%"))
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                rows.iter().map(task_from_row).collect()
            }

            async fn complete_task(&self, id: i64, region_prefix: &str, actor_id: &str, note: &str, now: Millis) -> Result<TaskRecord, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                lock_in_region(&mut tx, "tasks", id, region_prefix).await?;
                let r = sqlx::query(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1")).bind(id).fetch_one(&mut *tx).await.map_err(db_err)?;
                let mut task = task_from_row(&r)?;
                if task.status != "open" {
                    return Err(DbError::Conflict("task_done"));
                }
                sqlx::query("UPDATE tasks SET status = 'done', done_at = $1, done_by = $2, note = $3 WHERE id = $4")
                    .bind(now)
                    .bind(actor_id)
                    .bind(note)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                tx.commit().await.map_err(db_err)?;
                task.status = "done".into();
                task.note = note.into();
                task.done_at = Some(now);
                Ok(task)
            }

            async fn exit_household(&self, household_id: &str, reason: &str, last_day: &str, actor_id: &str, now: Millis) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let r = sqlx::query("UPDATE households SET standing = standing WHERE id = $1 RETURNING standing")
                    .bind(household_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .ok_or(DbError::NotFound)?;
                let standing: String = get!(r, "standing");
                if standing != "in_assistance" {
                    return Err(DbError::Conflict("not_in_assistance"));
                }
                sqlx::query("UPDATE households SET standing = 'exited', standing_at = $1, exit_reason = $2, assistance_until = $3 WHERE id = $4")
                    .bind(now)
                    .bind(reason)
                    .bind(last_day)
                    .bind(household_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                // Continuing aid ends on the last day (after the 渐退期, when there is one).
                sqlx::query("UPDATE assistance SET period_until = $1 WHERE household_id = $2 AND period_until IS NULL")
                    .bind(last_day)
                    .bind(household_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                sqlx::query("INSERT INTO audit_log (actor_id, action, object, result, at) VALUES ($1, 'household_exit', $2, 'ok', $3)")
                    .bind(actor_id)
                    .bind(household_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                tx.commit().await.map_err(db_err)?;
                Ok(())
            }

            async fn household_summary(&self, id: &str) -> Result<Option<HouseholdSummary>, DbError> {
                let r = sqlx::query(&format!("SELECT {HOUSEHOLD_SUMMARY} WHERE h.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                r.as_ref().map(household_summary_from_row).transpose()
            }

            async fn search_households(&self, q: HouseholdQuery) -> Result<Vec<HouseholdSummary>, DbError> {
                let id = q.id_number.unwrap_or_default();
                let name = q.name.unwrap_or_default();
                let rows = sqlx::query(&format!(
                    "SELECT {HOUSEHOLD_SUMMARY} WHERE h.region_code LIKE $1 \
                     AND ($2 = '' OR h.head_id_number = $2 OR EXISTS (SELECT 1 FROM applications a WHERE a.household_id = h.id AND a.declaration LIKE $3)) \
                     AND ($4 = '' OR EXISTS (SELECT 1 FROM applications a WHERE a.household_id = h.id AND a.declaration LIKE $5)) \
                     AND ($6 = '' OR h.standing = $6) \
                     ORDER BY COALESCE(h.standing_at, h.created_at) DESC, h.id LIMIT $7"
                ))
                .bind(format!("{}%", q.region_prefix))
                .bind(&id)
                .bind(format!("%\"{id}\"%"))
                .bind(&name)
                .bind(format!("%\"name\":\"%{name}%"))
                .bind(q.standing.unwrap_or_default())
                .bind(q.limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                rows.iter().map(household_summary_from_row).collect()
            }

            async fn record_emergency(&self, e: NewEmergencyAid) -> Result<EmergencyRecord, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                // The person's household, opened where the emergency happened when there is none.
                let household_id = household_for(&mut tx, &e.head_id_number, &e.region_code, false, e.now).await?;
                let existing = sqlx::query(&format!("SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE id = $1"))
                    .bind(&e.id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                if let Some(r) = existing {
                    return emergency_from_row(&r);
                }
                let aid_id = format!("emergency-{}", e.id);
                insert_aid(&mut tx, &household_id, &aid_id, &e.aid, AidOrigin::Emergency, &e.actor_id, e.now).await?;
                sqlx::query(
                    "INSERT INTO emergency_aid (id, household_id, region_code, person_name, situation, advance, documents_due, conference, \
                       assistance_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&e.id)
                .bind(&household_id)
                .bind(&e.region_code)
                .bind(&e.person_name)
                .bind(&e.situation)
                .bind(e.advance)
                .bind(&e.documents_due)
                .bind(&e.conference)
                .bind(&aid_id)
                .bind(&e.actor_id)
                .bind(e.now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                let r = sqlx::query(&format!("SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE id = $1")).bind(&e.id).fetch_one(&mut *tx).await.map_err(db_err)?;
                let rec = emergency_from_row(&r)?;
                tx.commit().await.map_err(db_err)?;
                Ok(rec)
            }

            async fn emergencies_of(&self, household_id: &str) -> Result<Vec<EmergencyRecord>, DbError> {
                let rows = sqlx::query(&format!("SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE household_id = $1 ORDER BY recorded_at"))
                    .bind(household_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                rows.iter().map(emergency_from_row).collect()
            }

            async fn emergency(&self, id: &str) -> Result<Option<EmergencyRecord>, DbError> {
                let r = sqlx::query(&format!("SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE id = $1")).bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
                r.as_ref().map(emergency_from_row).transpose()
            }

            async fn emergency_documents_received(&self, id: &str, region_prefix: &str, actor_id: &str, now: Millis) -> Result<(), DbError> {
                let n = sqlx::query(
                    "UPDATE emergency_aid SET documents_received_at = $1 WHERE id = $2 AND region_code LIKE $3 AND documents_received_at IS NULL",
                )
                .bind(now)
                .bind(id)
                .bind(format!("{region_prefix}%"))
                .execute(&self.pool)
                .await
                .map_err(db_err)?
                .rows_affected();
                if n == 0 {
                    return Err(match self.emergency(id).await? {
                        Some(r) if r.region_code.starts_with(region_prefix) => DbError::Conflict("documents_received"),
                        _ => DbError::NotFound,
                    });
                }
                let _ = actor_id;
                Ok(())
            }

            // monitoring

            async fn import_records(&self, meta: NewImport, rows: tokio::sync::mpsc::Receiver<ImportBatch>) -> Result<ImportResult, DbError> {
                let mut conn = self.pool.acquire().await.map_err(db_err)?;
                if !IS_POSTGRES {
                    // A large file touches indexes far bigger than SQLite's default 2 MB page cache;
                    // the connection gets its default back afterwards, whatever happened.
                    for pragma in IMPORT_CACHE {
                        sqlx::query(pragma).execute(&mut *conn).await.map_err(db_err)?;
                    }
                }
                let result = import_on(&mut conn, meta, rows).await;
                if !IS_POSTGRES {
                    if let Err(e) = sqlx::query("PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT").execute(&mut *conn).await {
                        // Not worth failing an import that is stored: the pool recycles connections.
                        tracing::warn!(error = %e, "could not restore the page cache size");
                    }
                }
                result
            }

            async fn imports(&self, sources: &[&str], limit: i64) -> Result<Vec<app::store::ImportRecord>, DbError> {
                if sources.is_empty() {
                    return Ok(Vec::new());
                }
                let marks: Vec<String> = (2..sources.len() + 2).map(|i| format!("${i}")).collect();
                let sql = format!("SELECT {IMPORT_COLUMNS} FROM imports WHERE source IN ({}) ORDER BY created_at DESC, id LIMIT $1", marks.join(", "));
                let mut q = sqlx::query(&sql).bind(limit);
                for s in sources {
                    q = q.bind(*s);
                }
                let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
                rows.iter().map(import_from_row).collect()
            }

            async fn raise_warning(&self, w: app::store::NewWarning) -> Result<bool, DbError> {
                let mut conn = self.pool.acquire().await.map_err(db_err)?;
                insert_warning(&mut conn, &w, None).await
            }

            async fn households_in_assistance(&self) -> Result<Vec<(String, String)>, DbError> {
                let rows = sqlx::query("SELECT id, region_code FROM households WHERE standing = 'in_assistance' ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push((get!(r, "id"), get!(r, "region_code")));
                }
                Ok(out)
            }

            async fn import_refused(&self, meta: NewImport, report_json: &str) -> Result<(), DbError> {
                sqlx::query(
                    "INSERT INTO imports (id, source, file_hash, file_name, encoding, status, rows_read, new_records, matched, invalid, warnings, \
                       report, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'refused', 0, 0, 0, 0, 0, $6, $7, $8)",
                )
                .bind(&meta.id)
                .bind(&meta.source)
                .bind(&meta.file_hash)
                .bind(&meta.file_name)
                .bind(&meta.encoding)
                .bind(report_json)
                .bind(&meta.created_by)
                .bind(meta.now)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(())
            }

            async fn import(&self, id: &str) -> Result<Option<app::store::ImportRecord>, DbError> {
                let r = sqlx::query(&format!("SELECT {IMPORT_COLUMNS} FROM imports WHERE id = $1")).bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
                r.as_ref().map(import_from_row).transpose()
            }

            async fn warning_rules(&self) -> Result<Vec<WarningRule>, DbError> {
                let rows = sqlx::query("SELECT kind, level, visit_days, threshold, enabled, example FROM warning_rules ORDER BY kind")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                let mut out = Vec::new();
                for r in rows {
                    let kind: String = get!(r, "kind");
                    let level: String = get!(r, "level");
                    // Rules of kinds this version does not know are skipped, not guessed.
                    if let (Some(kind), Some(level)) = (RuleKind::from_code(&kind), WarningLevel::from_code(&level)) {
                        out.push(WarningRule {
                            kind,
                            level,
                            visit_days: get!(r, "visit_days"),
                            threshold: get!(r, "threshold"),
                            enabled: get!(r, "enabled"),
                            example: get!(r, "example"),
                        });
                    }
                }
                Ok(out)
            }

            async fn set_warning_rule(&self, rule: WarningRule, actor_id: Option<&str>, now: Millis) -> Result<(), DbError> {
                sqlx::query(
                    "INSERT INTO warning_rules (kind, level, visit_days, threshold, enabled, example, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (kind) DO UPDATE SET level = excluded.level, visit_days = excluded.visit_days, threshold = excluded.threshold, \
                       enabled = excluded.enabled, example = excluded.example, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(rule.kind.code())
                .bind(rule.level.code())
                .bind(rule.visit_days)
                .bind(rule.threshold)
                .bind(rule.enabled)
                .bind(rule.example)
                .bind(actor_id)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(())
            }

            async fn warnings(&self, region_prefix: &str) -> Result<Vec<WarningRecord>, DbError> {
                let rows = sqlx::query(&format!(
                    "SELECT {WARNING_COLUMNS} FROM warnings WHERE region_code LIKE $1 \
                     ORDER BY CASE WHEN status = 'closed' THEN 1 ELSE 0 END, visit_due, id LIMIT 1000"
                ))
                .bind(format!("{region_prefix}%"))
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                rows.iter().map(warning_from_row).collect()
            }

            async fn warning(&self, id: i64) -> Result<Option<WarningRecord>, DbError> {
                let r = sqlx::query(&format!("SELECT {WARNING_COLUMNS} FROM warnings WHERE id = $1")).bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
                r.as_ref().map(warning_from_row).transpose()
            }

            async fn advance_warning(&self, id: i64, region_prefix: &str, step: WarningStep, actor_id: &str, now: Millis) -> Result<WarningRecord, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                lock_in_region(&mut tx, "warnings", id, region_prefix).await?;
                let r = sqlx::query("SELECT status FROM warnings WHERE id = $1").bind(id).fetch_one(&mut *tx).await.map_err(db_err)?;
                let status: String = get!(r, "status");
                let from = WarningStatus::from_code(&status).ok_or_else(|| DbError::Other(format!("unknown warning status {status}")))?;
                let to = step.next(from).ok_or(DbError::Conflict("warning_state"))?;
                let q = match &step {
                    WarningStep::Assign => sqlx::query("UPDATE warnings SET status = $1, assigned_to = $2 WHERE id = $3").bind(to.code()).bind(actor_id).bind(id),
                    WarningStep::Visit { on, finding, note } => sqlx::query(
                        "UPDATE warnings SET status = $1, assigned_to = COALESCE(assigned_to, $2), visited_on = $3, finding = $4, note = $5 WHERE id = $6",
                    )
                    .bind(to.code())
                    .bind(actor_id)
                    .bind(on.to_string())
                    .bind(finding.code())
                    .bind(note.clone())
                    .bind(id),
                    WarningStep::Dispose { disposal, note } => sqlx::query(
                        "UPDATE warnings SET status = $1, disposal = $2, note = CASE WHEN note = '' THEN $3 ELSE note || ' / ' || $3 END WHERE id = $4",
                    )
                    .bind(to.code())
                    .bind(disposal.code())
                    .bind(note.clone())
                    .bind(id),
                    WarningStep::Close => sqlx::query("UPDATE warnings SET status = $1, closed_at = $2 WHERE id = $3").bind(to.code()).bind(now).bind(id),
                };
                q.execute(&mut *tx).await.map_err(db_err)?;
                sqlx::query("INSERT INTO audit_log (actor_id, action, object, result, at) VALUES ($1, $2, $3, 'ok', $4)")
                    .bind(actor_id)
                    .bind(format!("warning_{}", to.code()))
                    .bind(id.to_string())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let r = sqlx::query(&format!("SELECT {WARNING_COLUMNS} FROM warnings WHERE id = $1")).bind(id).fetch_one(&mut *tx).await.map_err(db_err)?;
                let rec = warning_from_row(&r)?;
                tx.commit().await.map_err(db_err)?;
                Ok(rec)
            }

            async fn escalate_overdue_warnings(&self, today: &str, now: Millis) -> Result<i64, DbError> {
                let r = sqlx::query(
                    "UPDATE warnings SET escalated_at = $1 WHERE visited_on IS NULL AND escalated_at IS NULL AND visit_due < $2 \
                     AND status IN ('new', 'assigned')",
                )
                .bind(now)
                .bind(today)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(r.rows_affected() as i64)
            }

            async fn on_time_rates(&self, region_prefix: &str, today: &str) -> Result<Vec<OnTimeRate>, DbError> {
                let rows = sqlx::query(
                    "SELECT substr(region_code, 1, 9) AS township, COUNT(*) AS due, \
                       CAST(SUM(CASE WHEN visited_on IS NOT NULL AND visited_on <= visit_due THEN 1 ELSE 0 END) AS BIGINT) AS on_time \
                     FROM warnings WHERE region_code LIKE $1 AND (visit_due < $2 OR visited_on IS NOT NULL) \
                     GROUP BY substr(region_code, 1, 9) ORDER BY township",
                )
                .bind(format!("{region_prefix}%"))
                .bind(today)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(OnTimeRate { township: get!(r, "township"), due: get!(r, "due"), on_time: get!(r, "on_time") });
                }
                Ok(out)
            }

            #[tracing::instrument(skip(self, a), fields(draft = %a.draft_id))]
            async fn add_attachment(&self, a: NewAttachment) -> Result<AttachmentMeta, DbError> {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                let claimed = sqlx::query("UPDATE drafts SET updated_at = $1 WHERE id = $2 AND owner_id = $3 AND submitted = FALSE")
                    .bind(a.now)
                    .bind(&a.draft_id)
                    .bind(&a.owner_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if claimed == 0 {
                    return Err(DbError::NotFound);
                }
                let count_row = sqlx::query("SELECT COUNT(*) AS n FROM attachments WHERE draft_id = $1")
                    .bind(&a.draft_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let count: i64 = get!(count_row, "n");
                if count >= app::domain::declaration::MAX_ATTACHMENTS as i64 {
                    return Err(DbError::Conflict("too_many_attachments"));
                }
                let id = uuid::Uuid::new_v4().to_string();
                sqlx::query(
                    "INSERT INTO attachments (id, owner_id, draft_id, kind, file_name, content_hash, mime, size, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&id)
                .bind(&a.owner_id)
                .bind(&a.draft_id)
                .bind(&a.kind)
                .bind(&a.file_name)
                .bind(&a.content_hash)
                .bind(&a.mime)
                .bind(a.size)
                .bind(a.now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                tx.commit().await.map_err(db_err)?;
                Ok(AttachmentMeta { id, kind: a.kind, file_name: a.file_name, mime: a.mime, size: a.size, created_at: a.now })
            }

            async fn attachments_of_draft(&self, draft_id: &str) -> Result<Vec<AttachmentMeta>, DbError> {
                let rows = sqlx::query(&format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE a.draft_id = $1 ORDER BY a.created_at, a.id"))
                    .bind(draft_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(attachment_from_row!(r));
                }
                Ok(out)
            }

            async fn attachment(&self, id: &str) -> Result<Option<AttachmentRecord>, DbError> {
                let row = sqlx::query(&format!(
                    "SELECT {ATTACHMENT_COLUMNS}, a.owner_id, a.content_hash, ap.region_code FROM attachments a \
                     LEFT JOIN applications ap ON ap.draft_id = a.draft_id WHERE a.id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(match row {
                    Some(r) => Some(AttachmentRecord {
                        meta: attachment_from_row!(r),
                        owner_id: get!(r, "owner_id"),
                        content_hash: get!(r, "content_hash"),
                        region_code: get!(r, "region_code"),
                    }),
                    None => None,
                })
            }

            async fn delete_attachment(&self, owner_id: &str, id: &str) -> Result<(), DbError> {
                let n = sqlx::query(
                    "DELETE FROM attachments WHERE id = $1 AND owner_id = $2 \
                     AND draft_id IN (SELECT id FROM drafts WHERE submitted = FALSE)",
                )
                .bind(id)
                .bind(owner_id)
                .execute(&self.pool)
                .await
                .map_err(db_err)?
                .rows_affected();
                if n == 0 {
                    Err(DbError::NotFound)
                } else {
                    Ok(())
                }
            }

            async fn audit(&self, e: AuditEntry) -> Result<(), DbError> {
                sqlx::query("INSERT INTO audit_log (actor_id, action, object, result, at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&e.actor_id)
                    .bind(&e.action)
                    .bind(&e.object)
                    .bind(&e.result)
                    .bind(e.at)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(())
            }

            async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
                let rows = sqlx::query("SELECT actor_id, action, object, result, at FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(AuditEntry { actor_id: get!(r, "actor_id"), action: get!(r, "action"), object: get!(r, "object"), result: get!(r, "result"), at: get!(r, "at") });
                }
                Ok(out)
            }
        }
    };
}

pub(crate) use impl_store;
