//! 乡镇临时救助备用金 for staff: each township's reserve in the caller's county or township, with
//! the month's reconciliation (对账); the county allocates and tops up. Advance emergency aid
//! (先行救助) registered in a township with a reserve is paid from it
//! (`CycleStore::record_emergency`), and refused when the reserve holds too little.

#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::reserve::{Reconciliation, ReserveKind};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::cycle::china_midnight_ms,
    domain::declaration::FieldErrorCode,
    domain::money::Money,
    domain::payments::Month,
    domain::region::{RegionCode, RegionLevel},
    domain::status::Role,
    services::{now_millis, services, today_in_china},
};

/// The most one allocation or top-up may be, in yuan (a slip of the finger is not a budget).
pub const MAX_CREDIT_YUAN: i64 = 10_000_000;
pub const MAX_NOTE_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub kind: ReserveKind,
    pub amount: String,
    pub balance_after: String,
    pub emergency_id: Option<String>,
    pub note: String,
    pub by: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveRow {
    pub township: String,
    pub name: String,
    pub balance: String,
    pub month: Reconciliation,
    pub entries: Vec<EntryView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveView {
    pub month: String,
    /// The caller allocates (county staff).
    pub may_credit: bool,
    pub rows: Vec<ReserveRow>,
}

/// The county or township whose reserves a caseworker sees.
#[cfg(feature = "ssr")]
fn reserve_scope(user: &crate::auth::SessionUser) -> Result<RegionCode, AppError> {
    let scope = auth::staff_scope(user)?;
    match scope.level() {
        RegionLevel::County | RegionLevel::Township => Ok(scope),
        _ => Err(AppError::refused("county_staff_only")),
    }
}

/// The reserves of the caller's county (or township) and their month.
#[server(endpoint = "reserve/overview")]
pub async fn reserve_overview(month: String) -> Result<ReserveView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = reserve_scope(&user)?;
    let month = if month.is_empty() {
        Month::of(today_in_china())
    } else {
        Month::parse(&month)
            .ok_or_else(|| AppError::field("month", FieldErrorCode::InvalidChoice))?
    };
    let s = services()?;
    let (from, until) = (
        china_midnight_ms(month.first_day()),
        china_midnight_ms(month.next().first_day()),
    );
    let balances = s.store.reserve_balances(&scope).await?;
    let codes: Vec<RegionCode> = balances.iter().map(|b| b.township.clone()).collect();
    let names = s.store.regions(&codes).await?;
    let mut rows = Vec::new();
    for b in balances {
        let (opening, entries) = s.store.reserve_entries(&b.township, from, until).await?;
        rows.push(ReserveRow {
            name: names
                .iter()
                .find(|r| r.code == b.township.as_str())
                .map(|r| r.name_zh.clone())
                .unwrap_or_default(),
            township: b.township.as_str().to_string(),
            balance: b.balance.to_string(),
            month: crate::domain::reserve::reconcile(opening, &entries),
            entries: entries
                .into_iter()
                .map(|e| EntryView {
                    kind: e.kind,
                    amount: e.amount.to_string(),
                    balance_after: e.balance_after.to_string(),
                    emergency_id: e.emergency_id,
                    note: e.note,
                    by: e.by_name,
                    at: e.at,
                })
                .collect(),
        });
    }
    auth::audit_read(
        &s,
        &user,
        "reserve_read",
        &format!("{} {month}", scope.as_str()),
    )
    .await;
    Ok(ReserveView {
        month: month.to_string(),
        may_credit: scope.level() == RegionLevel::County,
        rows,
    })
}

/// The county allocates to (or tops up) a township's reserve; the balance after.
#[server(endpoint = "reserve/credit")]
pub async fn credit_reserve(
    township: String,
    kind: String,
    amount: String,
    note: String,
) -> Result<String, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let county = crate::api::payments::payment_county(&user)?;
    let mut errors = Vec::new();
    let mut bad = |field: &str, code: FieldErrorCode| {
        errors.push(crate::domain::declaration::FieldError {
            field: field.into(),
            code,
        })
    };
    let township = match RegionCode::parse(&township) {
        Ok(t) if t.level() == RegionLevel::Township && t.is_within(&county) => Some(t),
        _ => {
            bad("township", FieldErrorCode::InvalidChoice);
            None
        }
    };
    let kind = match ReserveKind::from_code(&kind) {
        Some(k) if k.is_credit() => Some(k),
        _ => {
            bad("kind", FieldErrorCode::InvalidChoice);
            None
        }
    };
    let amount = match Money::parse_yuan(&amount, MAX_CREDIT_YUAN) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            bad("amount", FieldErrorCode::Required);
            None
        }
        Err(e) => {
            bad("amount", e.into());
            None
        }
    };
    let note = note.trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS {
        bad("note", FieldErrorCode::TooLong);
    }
    let (Some(township), Some(kind), Some(amount), true) =
        (township, kind, amount, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    let s = services()?;
    let balance = s
        .store
        .reserve_credit(&township, kind, amount, &note, &user.0.id, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "reserve_credit",
        &format!("{} {} {}", township.as_str(), kind.code(), amount),
        AuditResult::Ok,
    )
    .await;
    Ok(balance.to_string())
}
