//! The audit administrator's view of the audit trail (安全审计员, 三员分立): search with filters,
//! page back through the chain, export the same selection as XLSX (`server::audit_export`), and
//! see whether the chain holds. Reading it is itself recorded; nothing here changes anything.

use crate::domain::audit::AuditResult;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, SessionUser},
    domain::{declaration::FieldErrorCode, status::AdminDuty},
    services::services,
    store::AuditQuery,
};

/// Records per page of the audit page.
pub const AUDIT_PAGE: i64 = 100;
/// Most records one export holds.
pub const AUDIT_EXPORT_MAX: i64 = 10_000;

/// The page's filters, as typed; every one optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditFilter {
    /// A member of staff's user name.
    pub actor: String,
    pub action: String,
    /// A part of the object: an application number, a household id.
    pub object: String,
    pub result: String,
    /// `YYYY-MM-DD`, China time, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, China time, inclusive.
    pub until: String,
    /// The next page: records before this place in the chain.
    pub before_seq: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRowView {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object: String,
    pub result: AuditResult,
    pub client: String,
    pub purpose: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRowView>,
    /// `before_seq` of the next (older) page, when there is one.
    pub next_before: Option<i64>,
    /// On the first page: records the chain check read, and where it broke (if it did).
    pub chain: Option<(u64, Option<i64>)>,
}

#[cfg(feature = "ssr")]
fn china_midnight(day: &str, field: &str) -> Result<i64, AppError> {
    let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(field, FieldErrorCode::DateFormat))?;
    Ok(d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - crate::clock::CHINA_OFFSET_MS)
        .unwrap_or(0))
}

/// The store's query for `filter`, scoped to the auditor's region (`limit` records).
#[cfg(feature = "ssr")]
pub fn audit_query(
    user: &SessionUser,
    filter: &AuditFilter,
    limit: i64,
) -> Result<AuditQuery, AppError> {
    let text = |v: &str, field: &str| -> Result<Option<String>, AppError> {
        let v = v.trim();
        if v.chars().count() > 64 {
            return Err(AppError::field(field, FieldErrorCode::TooLong));
        }
        Ok((!v.is_empty()).then(|| v.to_string()))
    };
    let day = |v: &str, field: &str, next: bool| -> Result<Option<i64>, AppError> {
        match v.trim() {
            "" => Ok(None),
            d => Ok(Some(
                china_midnight(d, field)? + if next { 86_400_000 } else { 0 },
            )),
        }
    };
    Ok(AuditQuery {
        region: Some(auth::staff_scope(user)?),
        actor_login: text(&filter.actor, "actor")?,
        action: text(&filter.action, "action")?,
        object: text(&filter.object, "object")?,
        result: match filter.result.trim() {
            "" => None,
            code => Some(
                AuditResult::from_code(code)
                    .ok_or_else(|| AppError::field("result", FieldErrorCode::InvalidChoice))?,
            ),
        },
        from: day(&filter.from, "from", false)?,
        until: day(&filter.until, "until", true)?,
        before_seq: filter.before_seq,
        limit,
    })
}

/// What a filter asked for, in the record of the reading.
#[cfg(feature = "ssr")]
pub fn filter_summary(filter: &AuditFilter) -> String {
    let mut s = format!(
        "actor={} action={} object={} result={} from={} until={}",
        filter.actor.trim(),
        filter.action.trim(),
        filter.object.trim(),
        filter.result.trim(),
        filter.from.trim(),
        filter.until.trim()
    );
    s.truncate(400);
    s
}

#[cfg(feature = "ssr")]
pub fn row_view(line: crate::store::AuditLine) -> AuditRowView {
    let e = line.entry;
    AuditRowView {
        seq: e.seq.unwrap_or_default(),
        at: e.at,
        actor: line.actor_login.or(e.actor_id).unwrap_or_default(),
        role: e.role.unwrap_or_default(),
        action: e.action,
        object: e.object,
        result: e.result,
        client: e.client.unwrap_or_default(),
        purpose: e.purpose.unwrap_or_default(),
    }
}

/// The audit administrator's search of the trail, newest first, one page at a time, with the
/// chain's state.
#[server(endpoint = "audit/trail", input = server_fn::codec::Json)]
pub async fn audit_trail(filter: AuditFilter) -> Result<AuditPage, AppError> {
    let user = auth::require_duty(AdminDuty::Audit).await?;
    let s = services()?;
    let q = audit_query(&user, &filter, AUDIT_PAGE)?;
    let lines = s.store.search_audit(&q).await?;
    auth::audit_read(&s, &user, "audit_read", &filter_summary(&filter)).await;
    // The whole chain is recomputed on the first page only, not on every page back.
    let chain = match filter.before_seq {
        None => {
            let v = s.store.verify_audit().await?;
            Some((v.checked, v.first_broken))
        }
        Some(_) => None,
    };
    let next_before = (lines.len() as i64 == AUDIT_PAGE)
        .then(|| lines.last().and_then(|l| l.entry.seq))
        .flatten();
    Ok(AuditPage {
        rows: lines.into_iter().map(row_view).collect(),
        next_before,
        chain,
    })
}
