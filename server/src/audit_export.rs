//! The audit administrator's export: the records the audit page's filters select, as XLSX
//! (newest first, at most `AUDIT_EXPORT_MAX`). The export is itself recorded.

use crate::startup::AppState;
use app::api::audit::{
    audit_query, filter_summary, row_view, AuditFilter, AuditRowView, AUDIT_EXPORT_MAX,
};
use app::auth::{audit_read, AuthSession};
use app::domain::status::{AdminDuty, Role};
use app::error::AppError;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub async fn export(
    State(state): State<AppState>,
    auth: AuthSession,
    filter: Result<Query<AuditFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let user = app::auth::signed_in(auth.user)?;
    if user.0.role != Role::Admin || user.0.duty != Some(AdminDuty::Audit) {
        return Err(AppError::Forbidden);
    }
    let Query(filter) = filter.map_err(|_| AppError::BadRequest)?;
    let s = &state.services;
    let q = audit_query(&user, &filter, AUDIT_EXPORT_MAX)?;
    let rows: Vec<AuditRowView> = s
        .store
        .search_audit(&q)
        .await?
        .into_iter()
        .map(row_view)
        .collect();
    audit_read(s, &user, "audit_export", &filter_summary(&filter)).await;
    let bytes = workbook(&filter_summary(&filter), &rows).map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-trail.xlsx\"".to_string(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// Column headings in both languages: an export travels to people who read either.
const HEADINGS: [&str; 9] = [
    "序号 No.",
    "时间 Time (UTC+8)",
    "操作人 User",
    "角色 Role",
    "操作 Action",
    "对象 Object",
    "结果 Result",
    "客户端地址 Client",
    "目的 Purpose",
];

fn workbook(filters: &str, rows: &[AuditRowView]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.write_string_with_format(0, 0, "审计日志 Audit trail", &bold)?;
    sheet.write_string(1, 0, filters)?;
    for (c, h) in HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &bold)?;
    }
    sheet.set_column_width(1, 20)?;
    sheet.set_column_width(5, 36)?;
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        let at = chrono::DateTime::from_timestamp_millis(r.at + app::clock::CHINA_OFFSET_MS)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        sheet.write_number(row, 0, r.seq as f64)?;
        for (c, v) in [
            at.as_str(),
            &r.actor,
            &r.role,
            &r.action,
            &r.object,
            r.result.code(),
            &r.client,
            &r.purpose,
        ]
        .into_iter()
        .enumerate()
        {
            // Text cells only: a value that starts with `=` stays text, never a formula.
            sheet.write_string(row, 1 + c as u16, v)?;
        }
    }
    book.save_to_buffer()
}
