//! Texts shared by pages and the files the server writes (the import report's XLSX says what
//! the page says), in a given language: here rather than in `ui`, which the server does not use.

use crate::api::monitoring::ImportReport;
use crate::domain::monitoring::{FileProblem, RowProblem};
use crate::i18n::*;

/// A refused row's reason in a given language (the page and the XLSX report say the same).
pub fn row_problem_in(locale: Locale, p: RowProblem) -> String {
    match p {
        RowProblem::IdFormat => td_string!(locale, errors.id_format),
        RowProblem::IdNotText => td_string!(locale, monitoring.problem.id_not_text),
        RowProblem::IdChecksum => td_string!(locale, errors.id_checksum),
        RowProblem::IdBirthDate => td_string!(locale, errors.id_birth_date),
        RowProblem::DateFormat => td_string!(locale, errors.date_format),
        RowProblem::DateInFuture => td_string!(locale, errors.date_in_future),
        RowProblem::AmountFormat => td_string!(locale, errors.amount_format),
        RowProblem::AmountNegative => td_string!(locale, errors.amount_negative),
        RowProblem::OutOfPocketOverTotal => {
            td_string!(locale, monitoring.problem.out_of_pocket_over_total)
        }
        RowProblem::CellTooLong => td_string!(locale, monitoring.problem.cell_too_long),
        RowProblem::WrongFieldCount => td_string!(locale, monitoring.problem.wrong_field_count),
        RowProblem::Duplicate => td_string!(locale, monitoring.problem.duplicate),
        RowProblem::EventUnknown => td_string!(locale, monitoring.problem.event_unknown),
        RowProblem::GradeFormat => td_string!(locale, monitoring.problem.grade_format),
    }
    .to_string()
}

/// The report's counts as (label, number) lines in a given language, in the order shown.
pub fn report_lines_in(locale: Locale, r: &ImportReport) -> Vec<(String, i64)> {
    vec![
        (
            td_string!(locale, monitoring.rows_read).to_string(),
            r.rows_read,
        ),
        (
            td_string!(locale, monitoring.new_records).to_string(),
            r.new_records,
        ),
        (
            td_string!(locale, monitoring.duplicates).to_string(),
            r.duplicates,
        ),
        (
            td_string!(locale, monitoring.matched).to_string(),
            r.matched,
        ),
        (
            td_string!(locale, monitoring.unmatched).to_string(),
            r.unmatched,
        ),
        (
            td_string!(locale, monitoring.invalid).to_string(),
            r.invalid,
        ),
        (
            td_string!(locale, monitoring.warnings_raised).to_string(),
            r.warnings,
        ),
    ]
}

/// Words the XLSX report needs besides the lines: title, file, row, reason, count.
pub fn report_words_in(locale: Locale) -> [String; 5] {
    [
        td_string!(locale, monitoring.report).to_string(),
        td_string!(locale, monitoring.file_label).to_string(),
        td_string!(locale, monitoring.row).to_string(),
        td_string!(locale, monitoring.reason).to_string(),
        td_string!(locale, monitoring.count).to_string(),
    ]
}

/// Why a whole file was refused, in a given language (the page and the XLSX report).
pub fn file_problem_in(locale: Locale, p: &FileProblem) -> String {
    match p {
        FileProblem::Empty => td_string!(locale, monitoring.file.empty).to_string(),
        FileProblem::Encoding => td_string!(locale, monitoring.file.encoding).to_string(),
        FileProblem::Unreadable => td_string!(locale, monitoring.file.unreadable).to_string(),
        FileProblem::TooMuchText => td_string!(locale, monitoring.file.too_much_text).to_string(),
        FileProblem::MissingColumns { fields } => {
            let names: Vec<String> = fields.iter().map(|f| import_field_in(locale, *f)).collect();
            format!(
                "{} {}",
                td_string!(locale, monitoring.file.missing_columns),
                names.join("、")
            )
        }
        FileProblem::DuplicateColumn { header } => format!(
            "{} {header}",
            td_string!(locale, monitoring.file.duplicate_column)
        ),
    }
}

pub fn import_field_in(locale: Locale, f: crate::domain::monitoring::Field) -> String {
    use crate::domain::monitoring::Field;
    match f {
        Field::IdNumber => td_string!(locale, monitoring.field.id_number),
        Field::Name => td_string!(locale, monitoring.field.name),
        Field::Date => td_string!(locale, monitoring.field.date),
        Field::Total => td_string!(locale, monitoring.field.total),
        Field::OutOfPocket => td_string!(locale, monitoring.field.out_of_pocket),
        Field::Event => td_string!(locale, monitoring.field.event),
        Field::Grade => td_string!(locale, monitoring.field.grade),
        Field::Amount => td_string!(locale, monitoring.field.amount),
        Field::Detail => td_string!(locale, monitoring.field.detail),
    }
    .to_string()
}
