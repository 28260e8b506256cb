//! `GET /statistics/report.xlsx?region=…&month=YYYY-MM`: the monthly statistical report
//! (社会救助统计月报) of a region in the caller's, with the region and the month in its title,
//! from the maintained figures (`app::api::statistics::report_rows`). Figures only, no person;
//! each export is audited all the same (a village's few households can be recognised).

use crate::startup::AppState;
use app::api::statistics::{region_asked, report_rows, VIEWERS};
use app::auth::{audit, signed_in, AuthSession};
use app::domain::audit::AuditResult;
use app::domain::declaration::FieldErrorCode;
use app::domain::payments::Month;
use app::error::AppError;
use app::i18n::*;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    month: String,
}

pub async fn report(
    State(state): State<AppState>,
    auth: AuthSession,
    headers: HeaderMap,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let user = signed_in(auth.user)?;
    if !user.may_act_as(VIEWERS) {
        return Err(AppError::Forbidden);
    }
    let Query(q) = query.map_err(|_| AppError::BadRequest)?;
    let s = &state.services;
    let (_, region) = region_asked(s, &user, &q.region, "statistics_report").await?;
    let month = match q.month.trim() {
        "" => Month::of(app::services::today_in_china()),
        m => Month::parse(m)
            .ok_or_else(|| AppError::field("month", FieldErrorCode::InvalidChoice))?,
    };
    let locale = crate::http::locale_of(&headers);
    let figures = s.store.statistics(&region, month, month).await?;
    let (refreshed_at, _) = s.store.statistics_refreshed().await?;
    let name = s
        .store
        .region(&region)
        .await?
        .map(|r| match locale {
            Locale::en => r.name_en,
            _ => r.name_zh,
        })
        .unwrap_or_else(|| region.as_str().to_string());
    let (head, rows) = report_rows(locale, &figures, month);
    let title = format!("{name} {} {month}", td_string!(locale, stats.report_title));
    let bytes = workbook(
        &title,
        &[
            format!(
                "{}: {} ({})",
                td_string!(locale, stats.report_region),
                name,
                region.as_str()
            ),
            format!("{}: {month}", td_string!(locale, stats.report_month)),
            format!(
                "{}: {}",
                td_string!(locale, stats.as_of),
                if refreshed_at > 0 {
                    app::clock::china_time(refreshed_at)
                } else {
                    "—".into()
                }
            ),
            td_string!(locale, stats.report_note).to_string(),
        ],
        &head,
        &rows,
    )
    .map_err(AppError::internal)?;
    audit(
        s,
        Some(&user.0.id),
        "statistics_report",
        &format!("{} {month}", region.as_str()),
        AuditResult::Ok,
    )
    .await;
    Ok(xlsx(
        bytes,
        &format!("statistics-{}-{month}.xlsx", region.as_str()),
    ))
}

fn workbook(
    title: &str,
    notes: &[String],
    head: &[String],
    rows: &[impl AsRef<[String]>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.write_string_with_format(0, 0, title, &bold)?;
    for (i, n) in notes.iter().enumerate() {
        sheet.write_string(1 + i as u32, 0, n)?;
    }
    let top = 2 + notes.len() as u32;
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(top, c as u16, h, &bold)?;
    }
    sheet.set_column_width(0, 34)?;
    for c in 1..head.len() as u16 {
        sheet.set_column_width(c, 16)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let r = r.as_ref();
        let row = top + 1 + i as u32;
        sheet.write_string(row, 0, &r[0])?;
        for (c, v) in r.iter().enumerate().skip(1) {
            // Numbers as numbers (a statistician sums them); an empty cell (or "—", nothing to
            // rate) stays text.
            if v.is_empty() {
                continue;
            }
            match v.parse::<f64>() {
                Ok(n) => sheet.write_number(row, c as u16, n)?,
                Err(_) => sheet.write_string(row, c as u16, v)?,
            };
        }
    }
    book.save_to_buffer()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// `GET /statistics/review.xlsx?region=…&from=…&to=…`: the performance review (考核) of a region
/// in the caller's and of each region below it, as the dashboard shows it. Audited.
pub async fn review(
    State(state): State<AppState>,
    auth: AuthSession,
    headers: HeaderMap,
    query: Result<Query<ReviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    use app::api::statistics::build::{review_section, BELOW};
    let user = signed_in(auth.user)?;
    if !user.may_act_as(VIEWERS) {
        return Err(AppError::Forbidden);
    }
    let Query(q) = query.map_err(|_| AppError::BadRequest)?;
    let s = &state.services;
    let (_, region) = region_asked(s, &user, &q.region, "statistics_review").await?;
    let (from, to) =
        app::api::statistics::read_range(&q.from, &q.to, app::services::today_in_china())?;
    let locale = crate::http::locale_of(&headers);
    let own = s.store.statistics(&region, from, to).await?;
    let below = s
        .store
        .statistics_of_children(&region, &BELOW, from, to)
        .await?;
    let named = s.store.region_children(Some(region.as_str())).await?;
    let name = s
        .store
        .region(&region)
        .await?
        .map(|r| match locale {
            Locale::en => r.name_en,
            _ => r.name_zh,
        })
        .unwrap_or_else(|| region.as_str().to_string());
    let section = review_section(locale, from, to, &own, &below, &named);
    let rows: Vec<Vec<String>> = section
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.text.trim_end_matches('%').to_string())
                .collect()
        })
        .collect();
    let (refreshed_at, _) = s.store.statistics_refreshed().await?;
    let bytes = workbook(
        &format!(
            "{name} {} {from} – {to}",
            td_string!(locale, stats.review_file)
        ),
        &[
            format!(
                "{}: {} ({})",
                td_string!(locale, stats.report_region),
                name,
                region.as_str()
            ),
            format!(
                "{}: {}",
                td_string!(locale, stats.as_of),
                if refreshed_at > 0 {
                    app::clock::china_time(refreshed_at)
                } else {
                    "—".into()
                }
            ),
            td_string!(locale, stats.review_note).to_string(),
        ],
        &section.head,
        &rows,
    )
    .map_err(AppError::internal)?;
    audit(
        s,
        Some(&user.0.id),
        "statistics_review",
        &format!("{} {from} {to}", region.as_str()),
        AuditResult::Ok,
    )
    .await;
    Ok(xlsx(
        bytes,
        &format!("review-{}-{from}-{to}.xlsx", region.as_str()),
    ))
}

fn xlsx(bytes: Vec<u8>, file: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
