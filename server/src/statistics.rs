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
    // Who asks is checked first: a query that does not read is a 400 only to a viewer.
    let q = query.map(|Query(q)| q);
    let region = q.as_ref().map_or("", |q| q.region.as_str());
    let a = Asked::read(&state, auth, &headers, region, "statistics_report").await?;
    let q = q.map_err(|_| AppError::BadRequest)?;
    let (s, region, locale) = (&state.services, &a.region, a.locale);
    let month = match q.month.trim() {
        "" => Month::of(app::services::today_in_china()),
        m => Month::parse(m)
            .ok_or_else(|| AppError::field("month", FieldErrorCode::InvalidChoice))?,
    };
    let figures = s.store.statistics(region, month, month).await?;
    let (head, rows) = report_rows(locale, &figures, month);
    let title = format!(
        "{} {} {month}",
        a.name,
        td_string!(locale, stats.report_title)
    );
    let bytes = workbook(
        &title,
        &[
            a.region_line(),
            format!("{}: {month}", td_string!(locale, stats.report_month)),
            a.as_of.clone(),
            td_string!(locale, stats.report_note).to_string(),
        ],
        &head,
        &rows,
    )
    .map_err(AppError::internal)?;
    Ok(a.sent(
        &state,
        &format!("{} {month}", region.as_str()),
        bytes,
        &format!("statistics-{}-{month}.xlsx", region.as_str()),
    )
    .await)
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
    // Who asks is checked first: a query that does not read is a 400 only to a viewer.
    let q = query.map(|Query(q)| q);
    let region = q.as_ref().map_or("", |q| q.region.as_str());
    let a = Asked::read(&state, auth, &headers, region, "statistics_review").await?;
    let q = q.map_err(|_| AppError::BadRequest)?;
    let (s, region, locale) = (&state.services, &a.region, a.locale);
    let (from, to) =
        app::api::statistics::read_range(&q.from, &q.to, app::services::today_in_china())?;
    let own = s.store.statistics(region, from, to).await?;
    let below = s
        .store
        .statistics_of_children(region, &BELOW, from, to)
        .await?;
    let named = s.store.region_children(Some(region.as_str())).await?;
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
    let bytes = workbook(
        &format!(
            "{} {} {from} – {to}",
            a.name,
            td_string!(locale, stats.review_file)
        ),
        &[
            a.region_line(),
            a.as_of.clone(),
            td_string!(locale, stats.review_note).to_string(),
        ],
        &section.head,
        &rows,
    )
    .map_err(AppError::internal)?;
    Ok(a.sent(
        &state,
        &format!("{} {from} {to}", region.as_str()),
        bytes,
        &format!("review-{}-{from}-{to}.xlsx", region.as_str()),
    )
    .await)
}

/// A file of figures asked for: by whom (a viewer of statistics), of which region (the caller's
/// or one in it, checked), in which language, the region's name and when the figures were counted.
struct Asked {
    user: app::auth::SessionUser,
    /// The audit action of the file.
    action: &'static str,
    region: app::domain::region::RegionCode,
    locale: Locale,
    name: String,
    /// "统计截至: …", as the file's notes say it.
    as_of: String,
}

impl Asked {
    async fn read(
        state: &AppState,
        auth: AuthSession,
        headers: &HeaderMap,
        region: &str,
        action: &'static str,
    ) -> Result<Asked, AppError> {
        let user = signed_in(auth.user)?;
        if !user.may_act_as(VIEWERS) {
            return Err(AppError::Forbidden);
        }
        let s = &state.services;
        let (_, region) = region_asked(s, &user, region, action).await?;
        let locale = crate::http::locale_of(headers);
        let name = s
            .store
            .region(&region)
            .await?
            .map(|r| match locale {
                Locale::en => r.name_en,
                _ => r.name_zh,
            })
            .unwrap_or_else(|| region.as_str().to_string());
        let (refreshed_at, _) = s.store.statistics_refreshed().await?;
        let as_of = format!(
            "{}: {}",
            td_string!(locale, stats.as_of),
            if refreshed_at > 0 {
                app::clock::china_time(refreshed_at)
            } else {
                "—".into()
            }
        );
        Ok(Asked {
            user,
            action,
            region,
            locale,
            name,
            as_of,
        })
    }

    /// "地区: 甘州区 (620702000000)".
    fn region_line(&self) -> String {
        format!(
            "{}: {} ({})",
            td_string!(self.locale, stats.report_region),
            self.name,
            self.region.as_str()
        )
    }

    /// The file, audited with what it held.
    async fn sent(&self, state: &AppState, object: &str, bytes: Vec<u8>, file: &str) -> Response {
        audit(
            &state.services,
            Some(&self.user.0.id),
            self.action,
            object,
            AuditResult::Ok,
        )
        .await;
        xlsx(bytes, file)
    }
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
