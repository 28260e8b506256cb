//! Dynamic monitoring: department data imports, warning rules, warnings and their handling.

use super::*;
use crate::domain::monitoring::{
    Disposal, EventRecord, Finding, ImportStatus, MedicalRecord, RuleKind, Source, WarningLevel,
    WarningStatus,
};

/// Checked medical settlements on their way to the store, already in the text its SQL reads,
/// so that the file reader's thread does the formatting and the store only stores: a JSON
/// array with one string per row, `settled_on` (10 characters, `YYYY-MM-DD`), the total and
/// the out-of-pocket amount (fen, 20 characters each, zero-padded), then the person's key: what
/// the store keys persons by (the ID number's keyed digest, made by the server's reader, which
/// holds the key; never the ID number itself).
/// (One string per row: SQLite reads it with `substr`, where a nested array would be parsed
/// again for every field.) The rows go in the order of their persons' keys: the store looks
/// each person up in a table ordered by that key, and neighbouring lookups find their pages
/// still in the cache.
#[derive(Clone, Debug, Default)]
pub struct MedicalBatch {
    /// The rows' strings, each `width` bytes long.
    rows: Vec<u8>,
    width: usize,
}

/// Where the person's key starts in a row's string.
const KEY_AT: usize = 50;

impl MedicalBatch {
    /// One row, its person under `person_key` (see the type's doc).
    pub fn push(&mut self, row: &MedicalRecord, person_key: &str) {
        use chrono::Datelike;
        use std::io::Write;
        // A date of any other width would shift every field after it (`medical_row` takes
        // years from 1900 only; see `domain::monitoring`).
        assert!(
            (1000..=9999).contains(&row.date.year()),
            "settlement date {}",
            row.date
        );
        let before = self.rows.len();
        // Digits and dashes need no escaping, nor does a key (URL-safe base64: letters, digits,
        // `-` and `_`; see `FieldCipher::key`).
        let _ = write!(
            self.rows,
            "{}{:020}{:020}{}",
            row.date, row.total_fen, row.out_of_pocket_fen, person_key
        );
        let width = self.rows.len() - before;
        // Every key is as long as every other (one digest): rows keep one width.
        assert!(
            self.width == 0 || self.width == width,
            "rows of different widths"
        );
        self.width = width;
    }

    pub fn len(&self) -> usize {
        self.rows.len().checked_div(self.width).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The JSON text (an empty array for no rows), the rows in their persons' keys' order.
    pub fn into_json(self) -> String {
        let mut rows: Vec<&[u8]> = if self.width == 0 {
            Vec::new()
        } else {
            self.rows.chunks_exact(self.width).collect()
        };
        rows.sort_unstable_by(|a, b| a[KEY_AT..].cmp(&b[KEY_AT..]));
        let mut json = Vec::with_capacity(self.rows.len() + 3 * rows.len() + 2);
        json.push(b'[');
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.push(b'"');
            json.extend_from_slice(row);
            json.push(b'"');
        }
        json.push(b']');
        // Only `write!` of dates, numbers and keys went in: always UTF-8.
        String::from_utf8(json).unwrap_or_default()
    }

    /// The SQL for the fields of a row's string `value`: ID number, date, total, out of pocket
    /// (the same on SQLite and PostgreSQL).
    pub fn sql_fields(value: &str) -> [String; 4] {
        [
            format!("substr({value}, {})", KEY_AT + 1),
            format!("substr({value}, 1, 10)"),
            format!("CAST(substr({value}, 11, 20) AS BIGINT)"),
            format!("CAST(substr({value}, 31, 20) AS BIGINT)"),
        ]
    }
}

impl MedicalBatch {
    /// The rows, each person keyed by `person_key` of their ID number.
    pub fn keyed(rows: &[MedicalRecord], person_key: impl Fn(&str) -> String) -> Self {
        let mut batch = MedicalBatch::default();
        for r in rows {
            batch.push(r, &person_key(r.id_number.as_str()));
        }
        batch
    }
}

/// What the file reader sends the store while it reads: rows in batches, then the totals
/// (or an abort: nothing of the file is kept).
#[derive(Clone, Debug)]
pub enum ImportBatch {
    Medical(MedicalBatch),
    Events(Vec<EventRecord>),
    End {
        rows_read: i64,
        invalid: i64,
        report_json: String,
    },
    Abort,
}

#[derive(Clone, Debug)]
pub struct NewImport {
    pub id: String,
    pub source: Source,
    pub file_hash: String,
    pub file_name: String,
    pub encoding: String,
    pub created_by: String,
    pub now: Millis,
    /// The uploader's region: only persons of households in it are matched (and counted).
    pub region: RegionCode,
    /// The rules in force and the day the 12 months end.
    pub rules: Vec<crate::domain::monitoring::WarningRule>,
    pub today: chrono::NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportResult {
    /// Records not seen before (a re-imported file adds none).
    pub new_records: i64,
    /// Valid rows whose ID number belongs to a household in the database.
    pub matched: i64,
    pub warnings: i64,
}

/// A warning raised by a scan (not an import).
#[derive(Clone, Debug)]
pub struct NewWarning {
    pub household_id: String,
    pub region_code: RegionCode,
    pub kind: RuleKind,
    pub level: WarningLevel,
    pub trigger_json: String,
    pub visit_due: NaiveDate,
    pub now: Millis,
}

/// A stored import with its report.
#[derive(Clone, Debug)]
pub struct ImportRecord {
    pub id: String,
    pub status: ImportStatus,
    pub source: Source,
    pub file_name: String,
    pub encoding: String,
    pub rows_read: i64,
    pub new_records: i64,
    pub matched: i64,
    pub invalid: i64,
    pub warnings: i64,
    pub report_json: String,
    pub created_at: Millis,
}

#[derive(Clone, Debug)]
pub struct WarningRecord {
    pub id: i64,
    pub household_id: String,
    pub region_code: RegionCode,
    pub kind: RuleKind,
    pub level: WarningLevel,
    pub trigger_json: String,
    pub visit_due: NaiveDate,
    pub status: WarningStatus,
    pub created_at: Millis,
    pub assigned_to: Option<String>,
    pub visited_on: Option<NaiveDate>,
    pub finding: Option<Finding>,
    pub disposal: Option<Disposal>,
    pub note: String,
    pub escalated_at: Option<Millis>,
    pub closed_at: Option<Millis>,
}

/// Warnings handled on time in a township: visited by the deadline, of those due or visited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnTimeRate {
    /// The township (its 9-digit prefix, padded).
    pub township: RegionCode,
    pub due: i64,
    pub on_time: i64,
}

#[async_trait]
pub trait MonitoringStore: Send + Sync {
    /// Imports a department file in one transaction while it is read: new records are added,
    /// matched by ID number, and the warning rules run on the households they touch. An
    /// `Abort` (or a closed channel before `End`) keeps nothing.
    async fn import_records(
        &self,
        meta: NewImport,
        rows: tokio::sync::mpsc::Receiver<ImportBatch>,
    ) -> Result<ImportResult, DbError>;

    /// Every region's rules and the deployment's defaults: a household's own are
    /// `domain::monitoring::rules_for` of them.
    async fn warning_rules(&self) -> Result<Vec<crate::domain::monitoring::WarningRule>, DbError>;

    /// The latest imports of the given sources, newest first.
    async fn imports(&self, sources: &[Source], limit: i64) -> Result<Vec<ImportRecord>, DbError>;

    /// Records a file that was refused whole (nothing of it stored), so its uploader finds the
    /// report later even if the browser was closed.
    async fn import_refused(&self, meta: NewImport, report_json: &str) -> Result<(), DbError>;

    async fn import(&self, id: &str) -> Result<Option<ImportRecord>, DbError>;

    /// Saves the rule of its kind for its region (`rule.region`; `None`: the default).
    async fn set_warning_rule(
        &self,
        rule: crate::domain::monitoring::WarningRule,
        actor_id: Option<&str>,
        now: Millis,
    ) -> Result<(), DbError>;

    async fn warnings(&self, region: &RegionCode) -> Result<Vec<WarningRecord>, DbError>;

    async fn warning(&self, id: i64) -> Result<Option<WarningRecord>, DbError>;

    /// Raises a warning found outside an import (one open per household and kind: `false` when
    /// one is open already).
    async fn raise_warning(&self, w: NewWarning) -> Result<bool, DbError>;

    /// Households in assistance (id, region), for the daily "policy finds the person" scan.
    async fn households_in_assistance(&self) -> Result<Vec<(String, RegionCode)>, DbError>;

    /// One step of the lifecycle; `Conflict("warning_state")` when the step does not follow
    /// from the current state, `NotFound` outside the region.
    async fn advance_warning(
        &self,
        id: i64,
        region: &RegionCode,
        step: crate::domain::monitoring::WarningStep,
        actor_id: &str,
        now: Millis,
    ) -> Result<WarningRecord, DbError>;

    /// Marks warnings whose visit deadline passed unvisited as escalated (to the county); one
    /// statement, so several processes may run it. Returns how many were escalated now.
    async fn escalate_overdue_warnings(
        &self,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<i64, DbError>;

    async fn on_time_rates(
        &self,
        region: &RegionCode,
        today: chrono::NaiveDate,
    ) -> Result<Vec<OnTimeRate>, DbError>;
}

#[cfg(test)]
mod tests {
    use super::{MedicalBatch, MedicalRecord};
    use crate::domain::id_number::IdNumber;
    use chrono::NaiveDate;

    /// What the SQL of `MedicalBatch::sql_fields` reads from one string (SQL's `substr` is
    /// 1-based); the SQL itself is exercised on both backends by the store conformance suite.
    fn fields(value: &str) -> (&str, &str, i64, i64) {
        (
            &value[50..],
            &value[..10],
            value[10..30].parse().unwrap(),
            value[30..50].parse().unwrap(),
        )
    }

    /// The valid ID number of 17 digits (its check character found by trying each).
    fn id(first17: &str) -> IdNumber {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        "0123456789X"
            .chars()
            .find_map(|c| IdNumber::parse(&format!("{first17}{c}"), today).ok())
            .unwrap()
    }

    fn row(id: IdNumber, on: NaiveDate, total: i64, own: i64) -> MedicalRecord {
        MedicalRecord {
            id_number: id,
            date: on,
            total_fen: total,
            out_of_pocket_fen: own,
        }
    }

    #[test]
    fn a_medical_batch_is_a_json_array_of_one_string_per_row() {
        assert_eq!(MedicalBatch::default().into_json(), "[]");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let (a, b) = (id("62070219900101123"), id("62070219851231002"));
        let batch = MedicalBatch::keyed(
            &[
                row(a.clone(), day(2026, 3, 5), 1_200_050, 800_000),
                row(b.clone(), day(2025, 12, 31), 0, -1),
            ],
            |id| id.to_string(),
        );
        assert_eq!(batch.len(), 2);
        // In the order of the persons' keys (b's sorts first), not the file's.
        let values: Vec<String> = serde_json::from_str(&batch.into_json()).unwrap();
        assert_eq!(fields(&values[0]), (b.as_str(), "2025-12-31", 0, -1));
        assert_eq!(
            fields(&values[1]),
            (a.as_str(), "2026-03-05", 1_200_050, 800_000)
        );
    }

    #[test]
    #[should_panic(expected = "settlement date")]
    fn a_date_of_another_width_is_never_packed() {
        let mut batch = MedicalBatch::default();
        let far = NaiveDate::from_ymd_opt(12026, 3, 5).unwrap();
        batch.push(&row(id("62070219900101123"), far, 1, 1), "key");
    }
}
