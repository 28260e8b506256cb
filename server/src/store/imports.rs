//! Department data imports: one file, one transaction.

use super::dialect::{query, region, Conn, Dialect, Row, Target, Tx};
use super::monitoring::insert_warning;
use app::domain::monitoring::{RuleKind, WarningRule};
use app::domain::region::RegionCode;
use app::store::*;

/// A touched household past the medical screen, with its sums (see `import_on`).
#[derive(sqlx::FromRow)]
struct MedicalSumsRow {
    household_id: String,
    region_code: String,
    monthly_income: Option<i64>,
    lost_labour: bool,
    total: i64,
    n: i64,
}

/// A department event this import stored, of a person in the database.
#[derive(sqlx::FromRow)]
struct EventRow {
    /// The record, sealed (`EVENT_RECORD`).
    record: String,
    household_id: String,
    region_code: String,
    lost_labour: bool,
    /// Listed for relapse watch already (a roster's intake): a listing again raises nothing.
    relapse_watched: bool,
}

/// The key a department's record is stored under: the keyed digest of what makes two records
/// the same (`EventRecord::key_with`, the person as their ID number's key), so that a file
/// imported again adds nothing and the key tells nothing.
pub(super) fn event_record_key(cipher: &crate::crypto::FieldCipher, same: &str) -> String {
    cipher.key("event_record", same)
}

/// A stored department record, opened; a record that does not read back is an error.
pub(super) fn open_event_record(
    cipher: &crate::crypto::FieldCipher,
    sealed: &str,
) -> Result<app::domain::monitoring::EventRecord, DbError> {
    let json = cipher.open(super::sealed::EVENT_RECORD, sealed)?;
    // The error says where, never what (its message could quote the record).
    serde_json::from_str(&json).map_err(|e| {
        DbError::Other(format!(
            "stored event record does not read (column {})",
            e.column()
        ))
    })
}

/// PostgreSQL: the memory each join or grouping of an import's end may take before it spills
/// to temporary files (hundreds of thousands of staged rows and touched households; the
/// default 4 MB wrote them to disk in batches), for the import's transaction only.
/// Nor is any of them compiled just in time (its compiling took longer than it saved).
const IMPORT_SETTINGS: [&str; 2] = ["SET LOCAL work_mem = '128MB'", "SET LOCAL jit = off"];

/// The rules of a household in `region` (`rules_for`), worked out once per region.
fn rules_in<'a>(
    cache: &'a mut std::collections::HashMap<RegionCode, Vec<WarningRule>>,
    all: &[WarningRule],
    region: &RegionCode,
) -> &'a [WarningRule] {
    cache
        .entry(region.clone())
        .or_insert_with(|| app::domain::monitoring::rules_for(all, region))
}

/// An import on one connection (see `Store::import_records`): what it stores is stored in one
/// transaction, or nothing is.
///
/// On SQLite every write waits for the one writer's turn, so the rows are first staged on
/// the import's own connection, outside any transaction: the stage tables are `TEMP` (the
/// connection's own database file), which takes no lock of the shared database, so residents
/// and caseworkers write meanwhile. The transaction (the writer's turn) comes once the whole
/// file is read and matched: storing what matched and the rules on the touched households.
/// Before, the turn was held while the file was read, and every other write waited for it
/// (1.8 s behind a 1 000 000-row file in the load run). On PostgreSQL, where writers do not
/// queue for one turn, each batch is staged inside the transaction as it comes (its persons
/// looked up while the reader reads on), and stored in one statement once the file is read.
pub(super) async fn import_on(
    conn: &mut Conn,
    cipher: &crate::crypto::FieldCipher,
    meta: NewImport,
    mut rows: tokio::sync::mpsc::Receiver<ImportBatch>,
) -> Result<ImportResult, DbError> {
    let dialect = conn.dialect();
    // Only persons of households in the uploader's region are matched and kept: a department
    // officer learns nothing of, and writes nothing into, households elsewhere.
    let scope = super::dialect::within(&meta.region);
    let window = app::domain::monitoring::twelve_months(meta.today);
    let started = std::time::Instant::now();
    let (mut new_records, mut matched) = (0i64, 0i64);
    let (end, mut tx) = if dialect == Dialect::Sqlite {
        for sql in dialect.import_temp_tables() {
            query(sql).execute(&mut *conn).await?;
        }
        let mut staged_medical = 0i64;
        let end = loop {
            match rows.recv().await {
                Some(ImportBatch::Medical(batch)) if !batch.is_empty() => {
                    staged_medical += stage_medical(&mut *conn, dialect, batch, &scope).await?;
                }
                Some(ImportBatch::Events(batch)) if !batch.is_empty() => {
                    matched += stage_events(&mut *conn, dialect, cipher, &batch, &scope).await?;
                }
                Some(ImportBatch::Medical(_)) | Some(ImportBatch::Events(_)) => {}
                Some(ImportBatch::End {
                    rows_read,
                    invalid,
                    report_json,
                }) => break (rows_read, invalid, report_json),
                // Aborted, or the reader stopped: nothing was stored.
                Some(ImportBatch::Abort) | None => return Err(DbError::Conflict("import_aborted")),
            }
        };
        matched += staged_medical;
        let mut tx = conn.begin().await?;
        insert_import_row(&mut tx, &meta).await?;
        new_records += store_medical(&mut tx, &meta, window, staged_medical).await?;
        new_records += store_events(&mut tx, &meta).await?;
        (end, tx)
    } else {
        let mut tx = conn.begin().await?;
        for sql in dialect.import_temp_tables() {
            query(sql).execute(&mut tx).await?;
        }
        insert_import_row(&mut tx, &meta).await?;
        // Each batch's rows of persons in the region are staged as they come (their lookups
        // run while the reader reads on); once the file is read they are stored together, in
        // their households' order (`store_medical`).
        let mut staged_medical = 0i64;
        let end = loop {
            match rows.recv().await {
                Some(ImportBatch::Medical(batch)) if !batch.is_empty() => {
                    staged_medical += stage_medical(&mut tx, dialect, batch, &scope).await?;
                }
                Some(ImportBatch::Events(batch)) if !batch.is_empty() => {
                    matched += stage_events(&mut tx, dialect, cipher, &batch, &scope).await?;
                    new_records += store_events(&mut tx, &meta).await?;
                }
                Some(ImportBatch::Medical(_)) | Some(ImportBatch::Events(_)) => {}
                Some(ImportBatch::End {
                    rows_read,
                    invalid,
                    report_json,
                }) => break (rows_read, invalid, report_json),
                // Aborted, or the reader stopped: the transaction is dropped, nothing stays.
                Some(ImportBatch::Abort) | None => return Err(DbError::Conflict("import_aborted")),
            }
        };
        matched += staged_medical;
        // The statements below join and group hundreds of thousands of rows: in memory, not in
        // temporary files (this transaction only).
        for setting in IMPORT_SETTINGS {
            query(setting).execute(&mut tx).await?;
        }
        new_records += store_medical(&mut tx, &meta, window, staged_medical).await?;
        // The planner then knows how many households the rules read (a temporary table has
        // no statistics until analysed).
        query("ANALYZE import_touched").execute(&mut tx).await?;
        (end, tx)
    };
    let rows_done = started.elapsed();
    // The rules on the households this file touched (rejected or exited ones included
    // while they are monitored: two years).
    let monitored_since = meta.now - 2 * 366 * 86_400_000;
    let mut raised: Vec<(String, RegionCode, WarningRule, String)> = Vec::new();
    let (from, to) = window;
    // The medical rules decide in the domain (`medical_warnings`); the store sums each touched
    // household's 12 months and brings back only those past the domain's screen
    // (`MedicalScreen`: what the enabled rules could fire on), so memory stays flat.
    let screen = app::domain::monitoring::MedicalScreen::of(&meta.rules);
    // Each household's own rules (its region's, most specific first: `rules_for`), once per
    // region.
    let mut regional: std::collections::HashMap<RegionCode, Vec<WarningRule>> =
        std::collections::HashMap::new();

    let medical_rules_on = meta.rules.iter().any(|r| {
        r.enabled
            && matches!(
                r.kind,
                RuleKind::MedicalOutOfPocket | RuleKind::MedicalShareOfIncome
            )
    });
    if medical_rules_on {
        // Then each household once, by its key: PostgreSQL's planner would rather read every
        // household of the province and match them in a hash (3 s for 500 000 touched among
        // 5 000 000 here, against 1.4 s by key), so there the households are a `LATERAL`
        // subquery that `OFFSET 0` keeps from being flattened into a join, and the sums come
        // in the households' key order (bytewise): neighbouring lookups find their pages in
        // the cache (6 µs a household in the hash's order, under 3 µs so).
        let (sums_order, households) = match dialect {
            Dialect::Sqlite => (
                "",
                "CROSS JOIN households h WHERE h.id = s.household_id AND",
            ),
            Dialect::Postgres => (
                "ORDER BY t.household_id COLLATE \"C\"",
                "CROSS JOIN LATERAL (SELECT x.id, x.region_code, x.monthly_income, \
                 x.lost_labour, x.standing, x.standing_at FROM households x \
                 WHERE x.id = s.household_id OFFSET 0) h WHERE",
            ),
        };
        let found = query(&format!(
            // From the touched households outwards (SQLite takes CROSS JOIN's order as
            // given; left to itself it may scan every settlement): the work grows with the
            // file, not with the database. The sums come first, each household's settlements
            // one range of the table's key (on SQLite in the touched households' key order: no
            // sort for the grouping); then each household once.
            "SELECT h.id AS household_id, h.region_code, h.monthly_income, h.lost_labour, \
             s.total, s.n \
             FROM (SELECT t.household_id, CAST(SUM(m.out_of_pocket) AS BIGINT) AS total, COUNT(*) \
             AS n \
                   FROM import_touched t CROSS JOIN medical_records m \
                   WHERE m.household_id = t.household_id \
                     AND m.settled_on >= $1 AND m.settled_on <= $2 \
                   GROUP BY t.household_id {sums_order}) s \
             {households} \
               NOT (h.standing IN ('rejected', 'exited') AND COALESCE(h.standing_at, 0) < $3) \
               AND (s.total > $4 OR ($5 >= 0 AND h.monthly_income > 0 \
                    AND s.total * 100 > h.monthly_income * 12 * $5))",
        ))
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(monitored_since)
        .bind(screen.out_of_pocket_over)
        .bind(screen.share_percent)
        .fetch_all(&mut tx)
        .await?;
        for r in found {
            let r: MedicalSumsRow = r.decode()?;
            let region_code = region("region_code", &r.region_code)?;
            let sums = app::domain::monitoring::MedicalSums {
                from,
                to,
                out_of_pocket_fen: r.total,
                settlements: r.n,
                monthly_income_fen: r.monthly_income,
                lost_labour: r.lost_labour,
            };
            let rules = rules_in(&mut regional, &meta.rules, &region_code);
            for (rule, facts) in app::domain::monitoring::medical_warnings(rules, &sums) {
                let json =
                    serde_json::to_string(&facts).map_err(|e| DbError::Other(e.to_string()))?;
                raised.push((r.household_id.clone(), region_code.clone(), rule, json));
            }
        }
    }
    // Department events: each record new in this file, on its household's rule, in the order
    // they happened (opened first: the date is sealed with the record).
    let events = query(
        "SELECT e.record, p.household_id, h.region_code, h.lost_labour, \
         h.relapse_watch_since IS NOT NULL AS relapse_watched \
         FROM person_events e JOIN persons p ON p.id_number = e.id_number JOIN households h ON \
         h.id = p.household_id \
         WHERE e.import_id = $1 AND NOT (h.standing IN ('rejected', 'exited') AND \
         COALESCE(h.standing_at, 0) < $2)",
    )
    .bind(&meta.id)
    .bind(monitored_since)
    .fetch_all(&mut tx)
    .await?;
    let mut opened = Vec::with_capacity(events.len());
    for r in events {
        let r: EventRow = r.decode()?;
        let record = open_event_record(cipher, &r.record)?;
        // 不再重复排查 (Zhangye (十四)): a household already on relapse watch is not screened again.
        if r.relapse_watched
            && record.event == app::domain::monitoring::EventKind::RelapseWatchListed
        {
            continue;
        }
        opened.push((
            record,
            r.household_id,
            region("region_code", &r.region_code)?,
            r.lost_labour,
        ));
    }
    opened.sort_by_cached_key(|(record, ..)| (record.date, record.key()));
    for (record, household_id, region_code, lost_labour) in opened {
        let event = record.event;
        // Who works, from the household's latest declaration (only for unemployment).
        let work = if event == app::domain::monitoring::EventKind::Unemployed {
            let d = query(
                "SELECT declaration FROM applications WHERE household_id = $1 ORDER BY \
                submitted_at DESC LIMIT 1",
            )
            .bind(&household_id)
            .fetch_optional(&mut tx)
            .await?;
            let text: Option<(String,)> = d.as_ref().map(Row::decode).transpose()?;
            let text = text
                .map(|(t,)| cipher.open(super::sealed::DECLARATION, &t))
                .transpose()?;
            text.and_then(|t| {
                serde_json::from_str::<app::domain::declaration::Declaration>(&t).ok()
            })
            .map(|d| app::domain::monitoring::HouseholdWork::of(&d))
        } else {
            None
        };
        if let Some((rule, facts)) = app::domain::monitoring::event_warning(
            rules_in(&mut regional, &meta.rules, &region_code),
            &record,
            work.as_ref(),
            lost_labour,
        ) {
            let json = serde_json::to_string(&facts).map_err(|e| DbError::Other(e.to_string()))?;
            raised.push((household_id, region_code, rule, json));
        }
    }
    let mut warnings = 0i64;
    for (household_id, region_code, rule, trigger_json) in raised {
        let w = app::store::NewWarning {
            household_id,
            region_code,
            kind: rule.kind,
            level: rule.level,
            trigger_json,
            visit_due: meta.today + chrono::Days::new(rule.visit_days.max(0) as u64),
            now: meta.now,
        };
        warnings += i64::from(insert_warning(&mut tx, cipher, &w, Some(&meta.id)).await?);
    }
    tracing::info!(
        rows_ms = rows_done.as_millis() as u64,
        rules_ms = (started.elapsed() - rows_done).as_millis() as u64,
        new_records,
        matched,
        warnings,
        "import stored"
    );
    let (rows_read, invalid, report_json) = end;
    query(
        "UPDATE imports SET rows_read = $1, new_records = $2, matched = $3, invalid = $4, \
        warnings = $5, report = $6 WHERE id = $7",
    )
    .bind(rows_read)
    .bind(new_records)
    .bind(matched)
    .bind(invalid)
    .bind(warnings)
    .bind(&report_json)
    .bind(&meta.id)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(ImportResult {
        new_records,
        matched,
        warnings,
    })
}

/// Empties SQLite's stage after an import, stored or not (the connection goes back to the
/// pool: what a file matched does not wait in its temporary tables for the next import).
/// PostgreSQL's go with the transaction.
pub(super) async fn drop_sqlite_stage(conn: &mut Conn) {
    for table in ["import_touched", "import_stage", "import_event_stage"] {
        if let Err(e) = query(&format!("DROP TABLE IF EXISTS temp.{table}"))
            .execute(&mut *conn)
            .await
        {
            tracing::warn!(error = %e, table, "an import's stage could not be dropped");
        }
    }
}

/// The import's row first (with zero counts, filled in at the end), so records can name it.
async fn insert_import_row(tx: &mut Tx<'_>, meta: &NewImport) -> Result<(), DbError> {
    query(
        "INSERT INTO imports (id, source, file_hash, file_name, encoding, status, rows_read, \
            new_records, matched, invalid, warnings, \
           report, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'done', 0, 0, 0, 0, 0, '', \
           $6, $7)",
    )
    .bind(&meta.id)
    .bind(meta.source.code())
    .bind(&meta.file_hash)
    .bind(&meta.file_name)
    .bind(&meta.encoding)
    .bind(&meta.created_by)
    .bind(meta.now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Stages a batch of medical settlements: only the rows of persons in the database (data
/// minimisation), with their household. Returns how many (the rows matched).
async fn stage_medical<'e>(
    on: impl Into<Target<'e>>,
    dialect: Dialect,
    batch: MedicalBatch,
    scope: &str,
) -> Result<i64, DbError> {
    // One statement per step with the batch as one JSON text (binding thousands of
    // parameters is what made sqlx slow). A person carries their household's region
    // (migration 0028): one search.
    let [id, on_day, total, own] = MedicalBatch::sql_fields("r.value");
    let json_strings = dialect.json_strings();
    let stage = format!(
        "INSERT INTO import_stage (id_number, settled_on, total, out_of_pocket, household_id) \
         SELECT {id}, {on_day}, {total}, {own}, p.household_id FROM {json_strings} JOIN \
         persons p ON p.id_number = {id} WHERE p.region_code LIKE $2"
    );
    let json = batch.into_json();
    Ok(query(&stage)
        .bind(&json)
        .bind(scope)
        .execute(on)
        .await?
        .rows_affected() as i64)
}

/// Stores the staged settlements not stored before, notes the households they touch for the
/// rules, and empties the stage. `staged`: how many rows the stage holds. Returns how many
/// records are new.
async fn store_medical(
    tx: &mut Tx<'_>,
    meta: &NewImport,
    window: (chrono::NaiveDate, chrono::NaiveDate),
    staged: i64,
) -> Result<i64, DbError> {
    let postgres = tx.dialect() == Dialect::Postgres;
    // PostgreSQL writes them in the order of their key (`medical_records_key`, led by the
    // household): neighbouring rows land in the index pages just written (3.7 s instead of 4.3
    // s for 500 000 rows here). SQLite's stage is written in its persons' order and kept so.
    // Sorted bytewise (`COLLATE "C"`: the database's collation compares slower and buys
    // nothing for the ASCII ids). The stage is analysed first: the planner then knows its size
    // (a temporary table has no statistics until analysed) and makes `DISTINCT` below a hash.
    let order = if postgres {
        query("ANALYZE import_stage").execute(&mut *tx).await?;
        "ORDER BY household_id COLLATE \"C\""
    } else {
        ""
    };
    let added = query(&format!(
        // A settlement is unique by household, person, date and amounts (the household is the
        // person's, which never changes: migration 0027), the key on both databases.
        "INSERT INTO medical_records (household_id, id_number, settled_on, total, \
            out_of_pocket, import_id) \
         SELECT household_id, id_number, settled_on, total, out_of_pocket, $1 \
         FROM import_stage WHERE true {order} ON CONFLICT DO NOTHING",
    ))
    .bind(&meta.id)
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    // Only records new to the database, inside the rules' 12 months, touch their household: a
    // file imported again raises nothing. When every staged row went in (a new file) that is
    // the whole stage; when none did (the file again), nothing; otherwise the rows this import
    // wrote. PostgreSQL's table of them has no key (an index written row by row cost 2.6 s for
    // 500 000 households here): each is written once, from `DISTINCT`.
    let (distinct, once) = if postgres {
        ("DISTINCT ", "")
    } else {
        ("", " ON CONFLICT (household_id) DO NOTHING")
    };
    let (from, to) = (window.0.to_string(), window.1.to_string());
    let touched = if added == staged {
        format!(
            "INSERT INTO import_touched (household_id) SELECT {distinct}s.household_id \
                FROM import_stage s \
             WHERE s.settled_on >= $1 AND s.settled_on <= $2{once}"
        )
    } else {
        format!(
            "INSERT INTO import_touched (household_id) SELECT {distinct}s.household_id \
                FROM import_stage s \
             JOIN medical_records m ON m.household_id = s.household_id \
               AND m.id_number = s.id_number AND m.settled_on = s.settled_on \
               AND m.total = s.total AND m.out_of_pocket = s.out_of_pocket \
             WHERE s.settled_on >= $1 AND s.settled_on <= $2 AND m.import_id = $3{once}"
        )
    };
    if added > 0 {
        let q = query(&touched).bind(from).bind(to);
        if added == staged {
            q.execute(&mut *tx).await?;
        } else {
            q.bind(&meta.id).execute(&mut *tx).await?;
        }
    }
    // PostgreSQL's stage goes with the transaction.
    if !postgres {
        query("DELETE FROM import_stage").execute(&mut *tx).await?;
    }
    Ok(added)
}

/// Stages a batch of department events of persons in the database, each whole and sealed
/// (`EVENT_RECORD`) under the keyed digest of what makes two records the same
/// (`event_record_key`): nothing of it is readable in a copy of the database. Returns how many.
async fn stage_events<'e>(
    on: impl Into<Target<'e>>,
    dialect: Dialect,
    cipher: &crate::crypto::FieldCipher,
    batch: &[app::domain::monitoring::EventRecord],
    scope: &str,
) -> Result<i64, DbError> {
    let mut rows = Vec::with_capacity(batch.len());
    for e in batch {
        let person = cipher.id_key(e.id_number.as_str());
        let record = serde_json::to_string(e).map_err(|err| DbError::Other(err.to_string()))?;
        rows.push((
            event_record_key(cipher, &e.key_with(&person)),
            person,
            cipher.seal(super::sealed::EVENT_RECORD, &record),
        ));
    }
    let json = serde_json::to_string(&rows).map_err(|e| DbError::Other(e.to_string()))?;
    let json_rows = dialect.json_rows();
    let stage = format!(
        "INSERT INTO import_event_stage (record_key, id_number, record) \
         SELECT {}, {id}, {} FROM {json_rows} JOIN persons p ON p.id_number = {id} \
         WHERE p.region_code LIKE $2",
        dialect.json_field(0, false),
        dialect.json_field(2, false),
        id = dialect.json_field(1, false),
    );
    Ok(query(&stage)
        .bind(&json)
        .bind(scope)
        .execute(on)
        .await?
        .rows_affected() as i64)
}

/// Stores the staged events not stored before and empties the stage; returns how many are new.
async fn store_events(tx: &mut Tx<'_>, meta: &NewImport) -> Result<i64, DbError> {
    // The clear columns of older databases stay empty (migration 0029).
    let added = query(
        "INSERT INTO person_events (record_key, source, id_number, event, event_on, \
            grade, amount, detail, record, import_id) \
         SELECT record_key, '', id_number, '', '', NULL, NULL, '', record, $1 \
         FROM import_event_stage WHERE true \
         ON CONFLICT (record_key) DO NOTHING",
    )
    .bind(&meta.id)
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    query("DELETE FROM import_event_stage")
        .execute(&mut *tx)
        .await?;
    Ok(added)
}
