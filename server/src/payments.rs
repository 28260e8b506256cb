//! 资金发放's files: `GET /payments/{roll}/bank.{csv|xlsx}`, the bank payment file of an approved
//! roll (the columns `DOUDI_BANK_COLUMNS` names; it holds whole ID numbers, so every download is
//! audited), and `POST /payments/{roll}/return`, the bank's return file (CSV or XLSX: a reference,
//! paid or failed, a reason), checked whole before anything is recorded.

use crate::startup::AppState;
use app::api::payments::{payment_county, ReturnProblem, ReturnReport};
use app::auth::{audit, signed_in, AuthSession};
use app::domain::audit::AuditResult;
use app::domain::declaration::{Declaration, Relation};
use app::domain::payments::RollStatus;
use app::domain::status::Role;
use app::error::AppError;
use app::store::{BankAnswer, BankStatus, LineFilter, RollRecord};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A column of the bank payment file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankColumn {
    /// The line's reference (the household's id): what the return file names.
    Ref,
    Name,
    IdNumber,
    /// Yuan, two decimals.
    Amount,
    /// The month and the fund.
    Summary,
    Region,
    Category,
}

impl BankColumn {
    const ALL: [(&'static str, BankColumn, &'static str); 7] = [
        ("ref", BankColumn::Ref, "流水号"),
        ("name", BankColumn::Name, "姓名"),
        ("id_number", BankColumn::IdNumber, "身份证号"),
        ("amount", BankColumn::Amount, "金额"),
        ("summary", BankColumn::Summary, "摘要"),
        ("region", BankColumn::Region, "区划代码"),
        ("category", BankColumn::Category, "类别"),
    ];

    fn heading(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, c, _)| *c == self)
            .map(|(_, _, h)| *h)
            .unwrap_or("")
    }
}

/// The bank file's columns, in order (`DOUDI_BANK_COLUMNS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankColumns(pub Vec<BankColumn>);

/// Reads `ref,name,id_number,amount,summary`: known names, each once, the reference among them.
pub fn parse_bank_columns(raw: &str) -> Result<BankColumns, String> {
    let mut out = Vec::new();
    for name in raw.split(',').map(str::trim) {
        let (_, c, _) = BankColumn::ALL
            .iter()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| {
                format!(
                    "unknown bank column {name:?} (known: {})",
                    BankColumn::ALL.map(|(n, _, _)| n).join(", ")
                )
            })?;
        if out.contains(c) {
            return Err(format!("bank column {name:?} named twice"));
        }
        out.push(*c);
    }
    if !out.contains(&BankColumn::Ref) || !out.contains(&BankColumn::Amount) {
        return Err("the bank columns must include ref and amount".into());
    }
    Ok(BankColumns(out))
}

/// The roll, for a county caseworker of its county; `NotFound` otherwise (nothing disclosed).
async fn roll_of(
    state: &AppState,
    user: &app::auth::SessionUser,
    id: &str,
) -> Result<RollRecord, AppError> {
    if !user.may_act_as(&[Role::Caseworker]) {
        return Err(AppError::Forbidden);
    }
    let county = payment_county(user)?;
    match state.services.store.roll(id).await? {
        Some(r) if r.county == county => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// Rows of the bank file read from the store at a time.
const PAGE: i64 = 5_000;

pub async fn bank_file(
    State(state): State<AppState>,
    auth: AuthSession,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let user = signed_in(auth.user)?;
    let xlsx = match file.as_str() {
        "bank.csv" => false,
        "bank.xlsx" => true,
        _ => return Err(AppError::NotFound),
    };
    let roll = roll_of(&state, &user, &id).await?;
    if roll.status == RollStatus::Prepared {
        // Only an approved roll is paid: a prepared one may still change.
        return Err(AppError::refused("roll_state"));
    }
    let s = &state.services;
    let columns = &state.config.bank_columns.0;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .store
            .payees(&roll.id, LineFilter::Paying, after.take(), PAGE)
            .await?;
        for p in &page {
            let name = match &p.declaration_json {
                Some(json) => {
                    let d: Declaration = serde_json::from_str(json).map_err(AppError::internal)?;
                    d.members
                        .iter()
                        .find(|m| m.relation == Relation::Head)
                        .or(d.members.first())
                        .map(|m| m.name.clone())
                        .unwrap_or_default()
                }
                // Taken in from rosters, never applied: the head as the roster listed them.
                None => p.listed_head_name.clone().unwrap_or_default(),
            };
            let l = &p.line.line;
            rows.push(
                columns
                    .iter()
                    .map(|c| match c {
                        BankColumn::Ref => l.household_id.clone(),
                        BankColumn::Name => name.clone(),
                        BankColumn::IdNumber => p.head_id_number.as_str().to_string(),
                        BankColumn::Amount => l.amount.to_string(),
                        BankColumn::Summary => format!(
                            "{} {}",
                            roll.month,
                            match l.fund {
                                app::domain::payments::Fund::Dibao => "低保金",
                                app::domain::payments::Fund::Tekun => "特困供养金",
                                app::domain::payments::Fund::Other => "救助金",
                            }
                        ),
                        BankColumn::Region => l.region.as_str().to_string(),
                        BankColumn::Category => l.category.code().to_string(),
                    })
                    .collect(),
            );
        }
        if (page.len() as i64) < PAGE {
            break;
        }
        after = page.last().map(|p| p.line.line.household_id.clone());
    }
    audit(
        s,
        Some(&user.0.id),
        "payment_bank_file",
        &format!("{} rows={}", roll.id, rows.len()),
        AuditResult::Ok,
    )
    .await;
    let headings: Vec<&str> = columns.iter().map(|c| c.heading()).collect();
    let name = format!(
        "bank-{}-{}.{}",
        roll.county.as_str(),
        roll.month,
        if xlsx { "xlsx" } else { "csv" }
    );
    let (mime, bytes) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bank_xlsx(&headings, &rows).map_err(AppError::internal)?,
        )
    } else if state.config.bank_csv_encoding == "utf-8" {
        (
            "text/csv; charset=utf-8",
            bank_csv(&headings, &rows, "utf-8")?,
        )
    } else {
        (
            "text/csv; charset=GB18030",
            bank_csv(&headings, &rows, "gb18030")?,
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// A CSV cell that a spreadsheet would read as a formula starts with a quote instead.
fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn bank_csv(headings: &[&str], rows: &[Vec<String>], encoding: &str) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headings).map_err(AppError::internal)?;
    for r in rows {
        w.write_record(r.iter().map(|c| csv_safe(c).into_owned()))
            .map_err(AppError::internal)?;
    }
    let text = String::from_utf8(w.into_inner().map_err(AppError::internal)?)
        .map_err(AppError::internal)?;
    Ok(if encoding == "utf-8" {
        text.into_bytes()
    } else {
        encoding_rs::GB18030.encode(&text).0.into_owned()
    })
}

fn bank_xlsx(
    headings: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let quoted = rust_xlsxwriter::Format::new().set_quote_prefix();
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            // Text throughout: an ID number stays 18 digits, an amount keeps its two decimals.
            if v.starts_with(['=', '+', '-', '@']) {
                sheet.write_string_with_format(1 + i as u32, c as u16, v, &quoted)?;
            } else {
                sheet.write_string(1 + i as u32, c as u16, v)?;
            }
        }
    }
    book.save_to_buffer()
}

/// The column of the first heading among `names` (case and spaces ignored).
fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().to_lowercase();
        names.iter().any(|n| h == *n)
    })
}

/// The rows the report lists one by one (all are counted).
const LISTED: usize = 200;

/// Reads a return file against the roll's paying lines: the answers, or the problems.
pub fn read_return(
    rows: &[Vec<String>],
    paying: &std::collections::HashSet<String>,
) -> (Vec<BankAnswer>, Vec<ReturnProblem>, i64) {
    let mut problems = Vec::new();
    let mut count = 0i64;
    let mut problem = |row: i64, code: &str, reference: &str| {
        count += 1;
        if problems.len() < LISTED {
            problems.push(ReturnProblem {
                row,
                code: code.into(),
                reference: reference.into(),
            });
        }
    };
    let Some(header) = rows.first() else {
        problem(1, "columns", "");
        return (Vec::new(), problems, count);
    };
    let reference = column(header, &["ref", "reference", "流水号", "参考号", "编号"]);
    let status = column(header, &["status", "状态", "结果", "发放结果"]);
    let reason = column(header, &["reason", "原因", "失败原因", "备注"]);
    let (Some(reference), Some(status)) = (reference, status) else {
        problem(1, "columns", "");
        return (Vec::new(), problems, count);
    };
    let mut seen = std::collections::HashSet::new();
    let mut answers = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let n = i as i64 + 1;
        let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let r = cell(reference);
        if r.is_empty() {
            problem(n, "ref_missing", "");
            continue;
        }
        let st = match cell(status).to_lowercase().as_str() {
            "paid" | "success" | "成功" | "已发放" | "1" => BankStatus::Paid,
            "failed" | "fail" | "失败" | "未发放" | "0" => BankStatus::Failed,
            _ => {
                problem(n, "status_unknown", r);
                continue;
            }
        };
        if !paying.contains(r) {
            problem(n, "ref_unknown", r);
            continue;
        }
        if !seen.insert(r.to_string()) {
            problem(n, "ref_twice", r);
            continue;
        }
        answers.push(BankAnswer {
            household_id: r.to_string(),
            status: st,
            // One line of at most 200 characters.
            reason: reason
                .map(|c| {
                    cell(c)
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    (answers, problems, count)
}

pub async fn bank_return(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let user = signed_in(auth.user)?;
    let roll = roll_of(&state, &user, &id).await?;
    if roll.status == RollStatus::Prepared {
        return Err(AppError::refused("roll_state"));
    }
    let mut bytes = None;
    while let Some(field) = multipart.next_field().await? {
        if field.name() == Some("file") {
            bytes = Some(field.bytes().await?);
        }
    }
    let bytes = bytes
        .filter(|b| !b.is_empty())
        .ok_or(AppError::refused("file_empty"))?;
    let s = &state.services;
    let rows = tokio::task::spawn_blocking(move || crate::imports::read_table(&bytes))
        .await
        .map_err(AppError::internal)?
        .map_err(|_| AppError::refused("file_unreadable"))?;
    let mut paying = std::collections::HashSet::new();
    let mut after = None;
    loop {
        let page = s
            .store
            .roll_lines(&roll.id, LineFilter::Paying, after.take(), 50_000)
            .await?;
        paying.extend(page.iter().map(|l| l.line.household_id.clone()));
        if page.len() < 50_000 {
            break;
        }
        after = page.last().map(|l| l.line.household_id.clone());
    }
    let (answers, problems, problem_count) = read_return(&rows, &paying);
    let mut report = ReturnReport {
        rows: rows.len().saturating_sub(1) as i64,
        problems,
        problem_count,
        total: roll.total.to_string(),
        ..Default::default()
    };
    if problem_count > 0 {
        report.refused = true;
        audit(
            s,
            Some(&user.0.id),
            "payment_return",
            &format!("{} problems={problem_count}", roll.id),
            AuditResult::Denied,
        )
        .await;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(report)).into_response());
    }
    let outcome = s
        .store
        .record_bank_return(&roll.id, &answers, app::services::now_millis())
        .await?;
    report.recorded = outcome.matched;
    report.unanswered = outcome.unanswered;
    report.paid = outcome.paid.to_string();
    report.failed = outcome.failed.to_string();
    report.reconciled = outcome.reconciled;
    report.balanced =
        outcome.unanswered == 0 && outcome.paid.fen() + outcome.failed.fen() == roll.total.fen();
    audit(
        s,
        Some(&user.0.id),
        "payment_return",
        &format!(
            "{} recorded={} paid={} failed={}",
            roll.id, outcome.matched, report.paid, report.failed
        ),
        AuditResult::Ok,
    )
    .await;
    Ok(Json(report).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn bank_columns_are_known_names_each_once_with_the_reference_and_amount() {
        assert_eq!(
            parse_bank_columns("ref, name,amount").unwrap().0,
            [BankColumn::Ref, BankColumn::Name, BankColumn::Amount]
        );
        assert!(parse_bank_columns("ref,amount,ref").is_err());
        assert!(parse_bank_columns("ref,iban,amount").is_err());
        assert!(parse_bank_columns("name,amount").is_err());
    }

    #[test]
    fn a_return_file_is_read_by_its_headings_and_every_bad_row_named() {
        let paying: std::collections::HashSet<String> =
            ["h1", "h2", "h3"].iter().map(|s| s.to_string()).collect();
        let (answers, problems, n) = read_return(
            &rows(&[
                &["流水号", "姓名", "状态", "失败原因"],
                &["h1", "张三", "成功", ""],
                &["h2", "李四", "失败", "账户已冻结"],
                &["", "", "", ""],
            ]),
            &paying,
        );
        assert_eq!((answers.len(), n), (2, 0), "{problems:?}");
        assert_eq!(answers[1].status, BankStatus::Failed);
        assert_eq!(answers[1].reason, "账户已冻结");
        let (_, problems, n) = read_return(
            &rows(&[
                &["Ref", "Status"],
                &["h1", "maybe"],
                &["h9", "paid"],
                &["h2", "paid"],
                &["h2", "failed"],
                &["", "paid"],
            ]),
            &paying,
        );
        assert_eq!(n, 4);
        let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            ["status_unknown", "ref_unknown", "ref_twice", "ref_missing"]
        );
        assert_eq!(problems[0].row, 2);
        let (_, problems, _) = read_return(&rows(&[&["姓名", "金额"]]), &paying);
        assert_eq!(problems[0].code, "columns");
    }

    #[test]
    fn a_csv_cell_that_reads_as_a_formula_is_quoted() {
        assert_eq!(csv_safe("=1+1"), "'=1+1");
        assert_eq!(csv_safe("张三"), "张三");
    }
}
