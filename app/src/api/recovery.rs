//! 追回 for staff: a caseworker opens a recovery case on a household in their region (amount,
//! reason, decision), records repayments as they arrive, and asks to write off what cannot be
//! recovered; a second caseworker of the county approves or refuses the write-off. Every step is
//! audited (in the store's transaction). The cases show on the household file.

use crate::domain::recovery::{RecoveryReason, RecoveryState};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    api::household::household_in_scope,
    auth::{self, SessionUser},
    domain::declaration::{FieldError, FieldErrorCode},
    domain::money::Money,
    domain::status::Role,
    services::{now_millis, services, today_in_china},
    store::{NewRecovery, RecoveryRecord, RecoveryStep},
};

/// The most one case may be, in yuan (a slip of the finger is not a debt).
pub const MAX_RECOVERY_YUAN: i64 = 1_000_000;
pub const MAX_DECISION_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 500;
/// A write-off's reason: a few words at least.
pub const MIN_WRITE_OFF_CHARS: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepaymentView {
    pub amount: String,
    pub paid_on: String,
    pub by: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryView {
    pub id: String,
    pub reason: RecoveryReason,
    pub state: RecoveryState,
    pub amount: String,
    pub repaid: String,
    pub written_off: String,
    pub outstanding: String,
    pub decision: String,
    pub note: String,
    pub write_off_reason: String,
    /// The caller may approve or refuse the pending write-off (a county caseworker who did not
    /// ask for it).
    pub may_decide: bool,
    pub opened_by: String,
    pub opened_at: i64,
    pub repayments: Vec<RepaymentView>,
}

#[cfg(feature = "ssr")]
pub fn view(user: &SessionUser, r: RecoveryRecord) -> RecoveryView {
    let county_staff = auth::staff_scope(user)
        .map(|s| s.level() <= crate::domain::region::RegionLevel::County)
        .unwrap_or(false);
    RecoveryView {
        may_decide: r.state == RecoveryState::WriteOffAsked
            && county_staff
            && user.0.role == Role::Caseworker
            && r.write_off_asked_by.as_deref() != Some(user.0.id.as_str()),
        id: r.id,
        reason: r.reason,
        state: r.state,
        amount: r.sums.amount.to_string(),
        repaid: r.sums.repaid.to_string(),
        written_off: r.sums.written_off.to_string(),
        outstanding: r.sums.outstanding().to_string(),
        decision: r.decision,
        note: r.note,
        write_off_reason: r.write_off_reason,
        opened_by: r.opened_by_name,
        opened_at: r.opened_at,
        repayments: r
            .repayments
            .into_iter()
            .map(|p| RepaymentView {
                amount: p.amount.to_string(),
                paid_on: p.paid_on.to_string(),
                by: p.by_name,
                at: p.at,
            })
            .collect(),
    }
}

#[cfg(feature = "ssr")]
fn bad(field: &str, code: FieldErrorCode) -> FieldError {
    FieldError {
        field: field.into(),
        code,
    }
}

/// A positive amount of at most `MAX_RECOVERY_YUAN`.
#[cfg(feature = "ssr")]
fn amount_of(raw: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
    match Money::parse_yuan(raw, MAX_RECOVERY_YUAN) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            errors.push(bad("amount", FieldErrorCode::Required));
            None
        }
        Err(e) => {
            errors.push(bad("amount", e.into()));
            None
        }
    }
}

/// One line of 1..=`max` characters.
#[cfg(feature = "ssr")]
fn line(field: &str, raw: &str, min: usize, max: usize, errors: &mut Vec<FieldError>) -> String {
    let t = raw.trim();
    let n = t.chars().count();
    if n < min {
        errors.push(bad(field, FieldErrorCode::Required));
    } else if n > max || t.contains(['\n', '\r']) {
        errors.push(bad(field, FieldErrorCode::TooLong));
    }
    t.to_string()
}

/// A case in the caller's region, or `NotFound` (audited when outside it).
#[cfg(feature = "ssr")]
async fn case_in_region(
    s: &crate::services::Services,
    user: &SessionUser,
    id: &str,
) -> Result<RecoveryRecord, AppError> {
    let case = s
        .store
        .recovery(id.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    auth::check_in_region(s, user, &case.region_code, "recovery_access", id.trim()).await?;
    Ok(case)
}

/// Opens a recovery case on a household; its id.
#[server(endpoint = "recovery/open")]
pub async fn open_recovery(
    household: String,
    reason: String,
    amount: String,
    decision: String,
    note: String,
) -> Result<String, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let h = household_in_scope(&s, &user, &household).await?;
    let mut errors = Vec::new();
    let reason = RecoveryReason::from_code(reason.trim());
    if reason.is_none() {
        errors.push(bad("reason", FieldErrorCode::InvalidChoice));
    }
    let amount = amount_of(&amount, &mut errors);
    let decision = line("decision", &decision, 2, MAX_DECISION_CHARS, &mut errors);
    let note = note.trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(bad("note", FieldErrorCode::TooLong));
    }
    let (Some(reason), Some(amount), true) = (reason, amount, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let id = format!("rc-{}", uuid::Uuid::new_v4().simple());
    s.store
        .open_recovery(NewRecovery {
            id: id.clone(),
            household_id: h.id,
            region_code: h.region_code,
            reason,
            amount,
            decision,
            note,
            opened_by: user.0.id.clone(),
            now: now_millis(),
        })
        .await?;
    Ok(id)
}

/// Records a repayment received on `paid_on` (not in the future); the case after it.
#[server(endpoint = "recovery/repay")]
pub async fn repay_recovery(
    case: String,
    amount: String,
    paid_on: String,
) -> Result<RecoveryView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let c = case_in_region(&s, &user, &case).await?;
    let mut errors = Vec::new();
    let amount = amount_of(&amount, &mut errors);
    let paid_on = match chrono::NaiveDate::parse_from_str(paid_on.trim(), "%Y-%m-%d") {
        Ok(d) if d <= today_in_china() && chrono::Datelike::year(&d) >= 2000 => Some(d),
        Ok(_) => {
            errors.push(bad("paid_on", FieldErrorCode::OutOfBounds));
            None
        }
        Err(_) => {
            errors.push(bad("paid_on", FieldErrorCode::DateFormat));
            None
        }
    };
    let (Some(amount), Some(paid_on), true) = (amount, paid_on, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let after = s
        .store
        .recovery_step(
            &c.id,
            RecoveryStep::Repay { amount, paid_on },
            &user.0.id,
            now_millis(),
        )
        .await?;
    Ok(view(&user, after))
}

/// Asks a second person to write off what is left, with the reason.
#[server(endpoint = "recovery/ask_write_off")]
pub async fn ask_write_off(case: String, reason: String) -> Result<RecoveryView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let c = case_in_region(&s, &user, &case).await?;
    let mut errors = Vec::new();
    let reason = line(
        "reason",
        &reason,
        MIN_WRITE_OFF_CHARS,
        MAX_NOTE_CHARS,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let after = s
        .store
        .recovery_step(
            &c.id,
            RecoveryStep::AskWriteOff { reason },
            &user.0.id,
            now_millis(),
        )
        .await?;
    Ok(view(&user, after))
}

/// A county caseworker other than who asked approves (`approve` = "true") or refuses the
/// write-off.
#[server(endpoint = "recovery/decide_write_off")]
pub async fn decide_write_off(case: String, approve: String) -> Result<RecoveryView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    crate::api::payments::payment_county(&user)?;
    let approve = match approve.trim() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::field("approve", FieldErrorCode::InvalidChoice)),
    };
    let s = services()?;
    let c = case_in_region(&s, &user, &case).await?;
    let after = s
        .store
        .recovery_step(
            &c.id,
            RecoveryStep::DecideWriteOff { approve },
            &user.0.id,
            now_millis(),
        )
        .await?;
    Ok(view(&user, after))
}
