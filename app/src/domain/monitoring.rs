//! 数据比对 and 预警: department files matched by ID number against the low-income database,
//! and warning rules (data an administrator edits: level I/II/III and a home-visit deadline).
//! Pure: column templates, row checks and rule evaluation. First source: medical insurance.

use super::id_number::IdNumber;
use super::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A cell longer than this is not data (a pasted document, a broken quote).
pub const MAX_CELL_CHARS: usize = 200;

/// Who sent the file. More sources (残联, 人社, 公安 …) follow with their templates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 医保: hospital settlements with total and out-of-pocket spending.
    MedicalInsurance,
}

impl Source {
    pub const ALL: [Source; 1] = [Source::MedicalInsurance];

    pub fn code(self) -> &'static str {
        match self {
            Source::MedicalInsurance => "medical_insurance",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The department that sends this source (its officers may import it).
    pub fn department(self) -> super::chain::Department {
        match self {
            Source::MedicalInsurance => super::chain::Department::MedicalInsurance,
        }
    }

    /// The columns of the source's file: what each is, the headers it goes by, and whether it
    /// must be there. Other columns are ignored and named in the report.
    pub fn template(self) -> &'static [Column] {
        match self {
            Source::MedicalInsurance => &[
                Column { field: Field::IdNumber, headers: &["身份证号", "公民身份号码", "证件号码", "身份证号码", "id_number"], required: true },
                Column { field: Field::Name, headers: &["姓名", "name"], required: false },
                Column { field: Field::Date, headers: &["结算日期", "就诊日期", "费用发生日期", "date"], required: true },
                Column { field: Field::Total, headers: &["医疗总费用", "总费用", "total"], required: true },
                Column { field: Field::OutOfPocket, headers: &["个人自付", "个人负担", "自付金额", "out_of_pocket"], required: true },
            ],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    IdNumber,
    Name,
    Date,
    Total,
    OutOfPocket,
}

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub field: Field,
    pub headers: &'static [&'static str],
    pub required: bool,
}

/// Which column of the file holds each field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    positions: Vec<(Field, usize)>,
    pub width: usize,
    /// Headers that are not part of the template (reported, ignored).
    pub ignored: Vec<String>,
}

impl ColumnMap {
    fn get(&self, field: Field) -> Option<usize> {
        self.positions.iter().find(|(f, _)| *f == field).map(|(_, i)| *i)
    }
}

/// Why a whole file is refused before any row is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum FileProblem {
    Empty,
    /// Neither UTF-8 nor GBK/GB18030 text.
    Encoding,
    MissingColumns { fields: Vec<Field> },
    DuplicateColumn { header: String },
}

/// Maps a header row onto the source's template (headers are trimmed; a UTF-8 BOM is ignored).
pub fn map_header(source: Source, header: &[String]) -> Result<ColumnMap, FileProblem> {
    let clean: Vec<String> = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string()).collect();
    if clean.iter().all(String::is_empty) {
        return Err(FileProblem::Empty);
    }
    let mut positions = Vec::new();
    let mut missing = Vec::new();
    for col in source.template() {
        let found: Vec<usize> = clean.iter().enumerate().filter(|(_, h)| col.headers.contains(&h.as_str())).map(|(i, _)| i).collect();
        match found.as_slice() {
            [] if col.required => missing.push(col.field),
            [] => {}
            [i] => positions.push((col.field, *i)),
            [_, j, ..] => return Err(FileProblem::DuplicateColumn { header: clean[*j].clone() }),
        }
    }
    if !missing.is_empty() {
        return Err(FileProblem::MissingColumns { fields: missing });
    }
    let ignored = clean.iter().enumerate().filter(|(i, h)| !h.is_empty() && !positions.iter().any(|(_, p)| p == i)).map(|(_, h)| h.clone()).collect();
    Ok(ColumnMap { positions, width: clean.len(), ignored })
}

/// Why one row was not taken (the row is reported, never dropped silently).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    IdFormat,
    IdChecksum,
    IdBirthDate,
    DateFormat,
    DateInFuture,
    AmountFormat,
    AmountNegative,
    OutOfPocketOverTotal,
    CellTooLong,
    WrongFieldCount,
    /// The same record twice in this file, or already imported.
    Duplicate,
}

/// A medical settlement, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MedicalRecord {
    pub id_number: IdNumber,
    pub date: NaiveDate,
    pub total_fen: i64,
    pub out_of_pocket_fen: i64,
}

impl MedicalRecord {
    /// What makes two rows the same record: a re-imported file adds nothing.
    pub fn key(&self) -> String {
        format!("{}|{}|{}|{}", self.id_number.as_str(), self.date, self.total_fen, self.out_of_pocket_fen)
    }
}

fn parse_date(raw: &str) -> Option<NaiveDate> {
    let t = raw.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"].iter().find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

/// Checks one data row against the column map.
pub fn medical_row(map: &ColumnMap, row: &[&str], today: NaiveDate) -> Result<MedicalRecord, RowProblem> {
    if row.len() != map.width {
        return Err(RowProblem::WrongFieldCount);
    }
    if row.iter().any(|c| c.chars().count() > MAX_CELL_CHARS) {
        return Err(RowProblem::CellTooLong);
    }
    let cell = |f: Field| map.get(f).map(|i| row[i].trim()).unwrap_or("");
    let id_number = IdNumber::parse(&cell(Field::IdNumber).to_uppercase(), today).map_err(|e| match e {
        super::id_number::IdNumberError::Format => RowProblem::IdFormat,
        super::id_number::IdNumberError::Checksum => RowProblem::IdChecksum,
        super::id_number::IdNumberError::BirthDate => RowProblem::IdBirthDate,
    })?;
    let date = parse_date(cell(Field::Date)).ok_or(RowProblem::DateFormat)?;
    if date > today {
        return Err(RowProblem::DateInFuture);
    }
    let amount = |f: Field| -> Result<i64, RowProblem> {
        let raw = cell(f);
        if raw.is_empty() {
            return Err(RowProblem::AmountFormat);
        }
        Money::parse_yuan(raw, 100_000_000).map(Money::fen).map_err(|e| match e {
            super::money::MoneyError::Negative => RowProblem::AmountNegative,
            _ => RowProblem::AmountFormat,
        })
    };
    let total_fen = amount(Field::Total)?;
    let out_of_pocket_fen = amount(Field::OutOfPocket)?;
    if out_of_pocket_fen > total_fen {
        return Err(RowProblem::OutOfPocketOverTotal);
    }
    Ok(MedicalRecord { id_number, date, total_fen, out_of_pocket_fen })
}

/// 预警级别: I is the most urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WarningLevel {
    I,
    II,
    III,
}

impl WarningLevel {
    pub fn code(self) -> &'static str {
        match self {
            WarningLevel::I => "I",
            WarningLevel::II => "II",
            WarningLevel::III => "III",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [WarningLevel::I, WarningLevel::II, WarningLevel::III].into_iter().find(|l| l.code() == code)
    }
}

/// The warning rules. Each is a row an administrator edits (level, visit deadline, threshold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Medical out-of-pocket spending over an amount in 12 months.
    MedicalOutOfPocket,
}

impl RuleKind {
    pub const ALL: [RuleKind; 1] = [RuleKind::MedicalOutOfPocket];

    pub fn code(self) -> &'static str {
        match self {
            RuleKind::MedicalOutOfPocket => "medical_out_of_pocket",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A rule as stored: shipped values are examples until an administrator confirms them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRule {
    pub kind: RuleKind,
    pub level: WarningLevel,
    /// Days within which the household must be visited.
    pub visit_days: i64,
    /// The amount that triggers the rule (fen), where the rule has one.
    pub threshold_fen: i64,
    pub example: bool,
}

/// The example rules shipped for demonstrations (labelled as examples everywhere).
pub fn example_rules() -> Vec<WarningRule> {
    vec![WarningRule { kind: RuleKind::MedicalOutOfPocket, level: WarningLevel::II, visit_days: 15, threshold_fen: 2_000_000, example: true }]
}

/// What fired a medical warning: the 12 months and the sum, in the words of the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalTrigger {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub out_of_pocket_fen: i64,
    pub settlements: i64,
    pub threshold_fen: i64,
}

/// The 12 months ending `today` (inclusive), as the medical rule counts them.
pub fn twelve_months(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today.checked_sub_months(chrono::Months::new(12)).unwrap_or(today) + chrono::Days::new(1), today)
}

/// The medical rule on a household's settlements in the 12 months to `today`.
pub fn medical_warning(rule: &WarningRule, records: &[(NaiveDate, i64)], today: NaiveDate) -> Option<MedicalTrigger> {
    let (from, to) = twelve_months(today);
    let inside: Vec<i64> = records.iter().filter(|(d, _)| *d >= from && *d <= to).map(|(_, f)| *f).collect();
    let sum: i64 = inside.iter().sum();
    (sum > rule.threshold_fen).then(|| MedicalTrigger { from, to, out_of_pocket_fen: sum, settlements: inside.len() as i64, threshold_fen: rule.threshold_fen })
}

/// Where a warning stands: new → assigned → visited → disposed → closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningStatus {
    New,
    Assigned,
    Visited,
    Disposed,
    Closed,
}

impl WarningStatus {
    pub const ALL: [WarningStatus; 5] = [Self::New, Self::Assigned, Self::Visited, Self::Disposed, Self::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Assigned => "assigned",
            Self::Visited => "visited",
            Self::Disposed => "disposed",
            Self::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// What the home visit found (入户核实).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// The situation is as the data says.
    Confirmed,
    /// It is not (wrong person, already resolved …).
    Refuted,
    /// The household belongs in another category.
    Reclassified,
}

impl Finding {
    pub const ALL: [Finding; 3] = [Self::Confirmed, Self::Refuted, Self::Reclassified];

    pub fn code(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Refuted => "refuted",
            Self::Reclassified => "reclassified",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// 分类处置: what is done about a visited warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposal {
    StartAssistance,
    ChangeAssistance,
    Referral,
    /// No action; the note says why.
    NoAction,
}

impl Disposal {
    pub const ALL: [Disposal; 4] = [Self::StartAssistance, Self::ChangeAssistance, Self::Referral, Self::NoAction];

    pub fn code(self) -> &'static str {
        match self {
            Self::StartAssistance => "start_assistance",
            Self::ChangeAssistance => "change_assistance",
            Self::Referral => "referral",
            Self::NoAction => "no_action",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == code)
    }
}

/// One step of a warning's handling, as a caseworker records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WarningStep {
    /// Taken on by the caller.
    Assign,
    /// The home visit, on a day no later than today.
    Visit { on: NaiveDate, finding: Finding, note: String },
    Dispose { disposal: Disposal, note: String },
    Close,
}

impl WarningStep {
    /// The state after the step, if the step is allowed from `from`. A visit may be recorded
    /// without assigning first (the caseworker who went is the one who records it).
    pub fn next(&self, from: WarningStatus) -> Option<WarningStatus> {
        use WarningStatus::*;
        match (self, from) {
            (WarningStep::Assign, New) => Some(Assigned),
            (WarningStep::Visit { .. }, New | Assigned) => Some(Visited),
            (WarningStep::Dispose { .. }, Visited) => Some(Disposed),
            (WarningStep::Close, Disposed) => Some(Closed),
            _ => None,
        }
    }

    /// Field checks: a visit cannot be in the future; "no action" needs its reason.
    pub fn check(&self, today: NaiveDate) -> Result<(), super::declaration::FieldError> {
        use super::declaration::{FieldError, FieldErrorCode};
        let err = |field: &str, code| Err(FieldError { field: field.into(), code });
        match self {
            WarningStep::Visit { on, note, .. } => {
                if *on > today {
                    return err("visited_on", FieldErrorCode::DateInFuture);
                }
                if note.chars().count() > 1000 {
                    return err("note", FieldErrorCode::TooLong);
                }
            }
            WarningStep::Dispose { disposal, note } => {
                if *disposal == Disposal::NoAction && note.trim().is_empty() {
                    return err("note", FieldErrorCode::Required);
                }
                if note.chars().count() > 1000 {
                    return err("note", FieldErrorCode::TooLong);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Handled on time: visited no later than the visit deadline.
pub fn on_time(visited_on: Option<NaiveDate>, visit_due: NaiveDate) -> bool {
    visited_on.is_some_and(|v| v <= visit_due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    fn valid_id() -> String {
        // Computed so the check character is right for 62070219700101001.
        let first17 = "62070219700101001";
        format!("{first17}{}", crate::domain::id_number::check_char(first17).unwrap())
    }

    #[test]
    fn headers_map_by_any_alias_and_extra_columns_are_named() {
        let map = map_header(Source::MedicalInsurance, &header(&["\u{feff}姓名", "公民身份号码", "就诊日期", "总费用", "个人负担", "医院"])).unwrap();
        assert_eq!((map.get(Field::IdNumber), map.get(Field::OutOfPocket), map.ignored.clone()), (Some(1), Some(4), vec!["医院".to_string()]));
        assert_eq!(
            map_header(Source::MedicalInsurance, &header(&["身份证号", "总费用"])),
            Err(FileProblem::MissingColumns { fields: vec![Field::Date, Field::OutOfPocket] })
        );
        assert_eq!(map_header(Source::MedicalInsurance, &header(&["", " "])), Err(FileProblem::Empty));
        assert_eq!(
            map_header(Source::MedicalInsurance, &header(&["身份证号", "证件号码", "结算日期", "总费用", "个人自付"])),
            Err(FileProblem::DuplicateColumn { header: "证件号码".into() })
        );
    }

    #[test]
    fn rows_are_checked_field_by_field() {
        let map = map_header(Source::MedicalInsurance, &header(&["身份证号", "结算日期", "医疗总费用", "个人自付"])).unwrap();
        let today = day("2026-11-26");
        let id = valid_id();
        let ok = medical_row(&map, &[&id, "2026/03/05", "12,000.50", "8000"], today).unwrap();
        assert_eq!((ok.date, ok.total_fen, ok.out_of_pocket_fen), (day("2026-03-05"), 1_200_050, 800_000));
        let bad = |row: &[&str]| medical_row(&map, row, today).unwrap_err();
        let wrong_check = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
        assert_eq!(bad(&[&wrong_check, "2026-03-05", "1", "1"]), RowProblem::IdChecksum);
        assert_eq!(bad(&["1234", "2026-03-05", "1", "1"]), RowProblem::IdFormat);
        assert_eq!(bad(&[&id, "05.03.2026", "1", "1"]), RowProblem::DateFormat);
        assert_eq!(bad(&[&id, "2027-01-01", "1", "1"]), RowProblem::DateInFuture);
        assert_eq!(bad(&[&id, "2026-03-05", "-1", "0"]), RowProblem::AmountNegative);
        assert_eq!(bad(&[&id, "2026-03-05", "abc", "0"]), RowProblem::AmountFormat);
        assert_eq!(bad(&[&id, "2026-03-05", "100", "200"]), RowProblem::OutOfPocketOverTotal);
        assert_eq!(bad(&[&id, "2026-03-05", "100"]), RowProblem::WrongFieldCount);
        assert_eq!(bad(&[&id, &"长".repeat(201), "1", "1"]), RowProblem::CellTooLong);
    }

    #[test]
    fn warnings_move_forward_only_and_no_action_needs_a_reason() {
        use WarningStatus::*;
        let today = day("2026-11-26");
        let visit = WarningStep::Visit { on: today, finding: Finding::Confirmed, note: String::new() };
        assert_eq!((WarningStep::Assign.next(New), visit.next(New), visit.next(Assigned)), (Some(Assigned), Some(Visited), Some(Visited)));
        assert_eq!((visit.next(Visited), WarningStep::Close.next(Visited), WarningStep::Assign.next(Closed)), (None, None, None));
        let no_action = WarningStep::Dispose { disposal: Disposal::NoAction, note: " ".into() };
        assert_eq!(no_action.check(today).unwrap_err().field, "note");
        assert!(WarningStep::Visit { on: day("2026-11-27"), finding: Finding::Refuted, note: String::new() }.check(today).is_err());
        assert!(on_time(Some(day("2026-12-01")), day("2026-12-01")) && !on_time(Some(day("2026-12-02")), day("2026-12-01")) && !on_time(None, day("2026-12-01")));
    }

    #[test]
    fn the_medical_rule_sums_twelve_months_and_fires_above_the_threshold() {
        let rule = example_rules().remove(0);
        let today = day("2026-11-26");
        let records = [(day("2025-11-26"), 1_500_000), (day("2025-11-27"), 1_000_000), (day("2026-06-01"), 1_000_001)];
        let t = medical_warning(&rule, &records, today).unwrap();
        assert_eq!((t.from, t.out_of_pocket_fen, t.settlements), (day("2025-11-27"), 2_000_001, 2), "the first settlement is outside the 12 months");
        assert_eq!(medical_warning(&rule, &records[..2], today), None, "10 000 yuan is not over 20 000");
    }
}
