//! 资金发放 for county staff: a month's roll computed from the decisions in force
//! (`domain::payments`), approved by a second person and then frozen, its bank file
//! (`server::payments`) and the bank's return file reconciled line by line.

#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::payments::{BankStatus, Fund, PayNote, RollStatus};
use crate::domain::policy::assess::Category;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::payments::{pay_line, Month},
    domain::region::{RegionCode, RegionLevel},
    domain::status::Role,
    services::{now_millis, services, today_in_china},
    store::{LineFilter, LineRecord, NewRoll, RollRecord},
};

/// Households read from the store at a time while a roll is computed.
pub const INPUT_PAGE: i64 = 50_000;
/// Lines shown on the page (the roster holds them all).
pub const LINES_SHOWN: i64 = 200;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollView {
    pub id: String,
    pub month: String,
    pub status: RollStatus,
    pub households: i64,
    /// Yuan, two decimals.
    pub total: String,
    pub held: String,
    pub prepared_by: String,
    pub prepared_at: i64,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub reconciled_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalView {
    pub category: Category,
    pub fund: Fund,
    pub households: i64,
    pub amount: String,
    pub held: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineView {
    pub household_id: String,
    pub region_code: String,
    pub category: Category,
    pub monthly: String,
    pub arrears: String,
    pub arrears_months: u32,
    pub amount: String,
    pub held: String,
    pub notes: Vec<PayNote>,
    pub bank: Option<(BankStatus, String)>,
}

/// The payments page of a county and month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentsView {
    pub county: String,
    pub county_name: String,
    pub month: String,
    pub roll: Option<RollView>,
    pub totals: Vec<TotalView>,
    pub lines: Vec<LineView>,
    /// Lines the bank returned as failed, for follow-up.
    pub failed: Vec<LineView>,
    /// Payments made for months after a household's aid ended (an exit recorded after the
    /// roll): to check and recover (追回).
    #[serde(default)]
    pub overpaid: Vec<OverpaidView>,
    /// Whether the caller may approve the roll shown (prepared, and not by them).
    pub may_approve: bool,
    pub recent: Vec<RollView>,
}

/// A payment made after the household's aid ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverpaidView {
    pub month: String,
    pub household_id: String,
    pub last_day: String,
    /// Yuan paid for months after the last day.
    pub amount: String,
}

#[cfg(feature = "ssr")]
fn roll_view(r: RollRecord) -> RollView {
    RollView {
        id: r.id,
        month: r.month.to_string(),
        status: r.status,
        households: r.households,
        total: r.total.to_string(),
        held: r.held.to_string(),
        prepared_by: r.prepared_by_name,
        prepared_at: r.prepared_at,
        approved_by: r.approved_by_name,
        approved_at: r.approved_at,
        reconciled_at: r.reconciled_at,
    }
}

#[cfg(feature = "ssr")]
pub fn line_view(l: LineRecord) -> LineView {
    let p = l.line;
    LineView {
        household_id: p.household_id,
        region_code: p.region.as_str().to_string(),
        category: p.category,
        monthly: p.monthly.to_string(),
        arrears: p.arrears.to_string(),
        arrears_months: p.arrears_months,
        amount: p.amount.to_string(),
        held: p.held.to_string(),
        notes: p.notes,
        bank: l.bank,
    }
}

/// The county a caseworker pays for: payments are made per county, by county staff.
#[cfg(feature = "ssr")]
pub fn payment_county(user: &crate::auth::SessionUser) -> Result<RegionCode, AppError> {
    let scope = auth::staff_scope(user)?;
    if scope.level() == RegionLevel::County {
        Ok(scope)
    } else {
        Err(AppError::refused("county_staff_only"))
    }
}

/// A month as asked (`YYYY-MM`; empty: this month), no later than next month.
#[cfg(feature = "ssr")]
fn month_asked(raw: &str) -> Result<Month, AppError> {
    use crate::domain::declaration::FieldErrorCode;
    let this = Month::of(today_in_china());
    if raw.is_empty() {
        return Ok(this);
    }
    let m =
        Month::parse(raw).ok_or_else(|| AppError::field("month", FieldErrorCode::InvalidChoice))?;
    if m > this.next() {
        return Err(AppError::field("month", FieldErrorCode::InvalidChoice));
    }
    Ok(m)
}

/// The county's roll of a month with its totals, its first lines and its failed payments.
#[server(endpoint = "payments/page")]
pub async fn payments_page(month: String) -> Result<PaymentsView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let county = payment_county(&user)?;
    let month = month_asked(&month)?;
    let s = services()?;
    let recent = s.store.rolls(&county, 24).await?;
    let roll = recent.iter().find(|r| r.month == month).cloned();
    let (totals, lines, failed) = match &roll {
        Some(r) => (
            s.store.roll_totals(&r.id).await?,
            s.store
                .roll_lines(&r.id, LineFilter::All, None, LINES_SHOWN)
                .await?,
            s.store
                .roll_lines(&r.id, LineFilter::Failed, None, LINES_SHOWN)
                .await?,
        ),
        None => Default::default(),
    };
    let overpaid = s
        .store
        .paid_after_exit(&county)
        .await?
        .into_iter()
        .filter_map(|(m, l, last_day)| {
            let amount = crate::domain::payments::overpaid(&l.line, m, last_day);
            (amount.fen() > 0).then(|| OverpaidView {
                month: m.to_string(),
                household_id: l.line.household_id,
                last_day: last_day.to_string(),
                amount: amount.to_string(),
            })
        })
        .collect();
    auth::audit_read(
        &s,
        &user,
        "payments_read",
        &format!("{} {month}", county.as_str()),
    )
    .await;
    let county_name = s
        .store
        .region(&county)
        .await?
        .map(|r| r.name_zh)
        .unwrap_or_default();
    Ok(PaymentsView {
        county: county.as_str().to_string(),
        county_name,
        month: month.to_string(),
        may_approve: roll
            .as_ref()
            .is_some_and(|r| r.status == RollStatus::Prepared && r.prepared_by != user.0.id),
        roll: roll.map(roll_view),
        totals: totals
            .into_iter()
            .map(|t| TotalView {
                category: t.category,
                fund: t.fund,
                households: t.households,
                amount: t.amount.to_string(),
                held: t.held.to_string(),
            })
            .collect(),
        lines: lines.into_iter().map(line_view).collect(),
        failed: failed.into_iter().map(line_view).collect(),
        recent: recent.into_iter().map(roll_view).collect(),
        overpaid,
    })
}

/// Computes the county's roll of a month from the decisions in force and stores it as prepared
/// (replacing a prepared one of the same month). Refused once that month's roll is approved.
#[server(endpoint = "payments/prepare")]
pub async fn prepare_roll(month: String) -> Result<RollView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let county = payment_county(&user)?;
    let month = month_asked(&month)?;
    let s = services()?;
    // Months up to the latest approved roll are paid (a month without a roll was paid as
    // arrears by the next): a roll for one would be empty, and approved it would move the
    // county's first roll back and open arrears to it.
    let latest = s
        .store
        .rolls(&county, 1_000)
        .await?
        .into_iter()
        .find(|r| r.status != RollStatus::Prepared)
        .map(|r| r.month);
    if latest.is_some_and(|l| month < l) {
        return Err(AppError::refused("roll_past"));
    }
    let first = s.store.first_frozen_month(&county).await?;
    let started = std::time::Instant::now();
    let mut lines = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .store
            .pay_inputs(&county, after.take(), INPUT_PAGE)
            .await?;
        lines.extend(page.iter().filter_map(|i| pay_line(i, month, first)));
        if (page.len() as i64) < INPUT_PAGE {
            break;
        }
        after = page.last().map(|i| i.household_id.clone());
    }
    let read = started.elapsed();
    let id = format!("roll-{}", uuid::Uuid::new_v4());
    s.store
        .save_roll(
            NewRoll {
                id: id.clone(),
                county: county.clone(),
                month,
                prepared_by: user.0.id.clone(),
                now: now_millis(),
            },
            &lines,
        )
        .await?;
    tracing::info!(
        lines = lines.len(),
        read_ms = read.as_millis() as u64,
        stored_ms = (started.elapsed() - read).as_millis() as u64,
        "payment roll prepared"
    );
    audit(
        &s,
        Some(&user.0.id),
        "payment_prepare",
        &format!("{id} {} {month} lines={}", county.as_str(), lines.len()),
        AuditResult::Ok,
    )
    .await;
    let roll = s.store.roll(&id).await?.ok_or(AppError::NotFound)?;
    Ok(roll_view(roll))
}

/// The second person's approval: the roll is frozen and its bank file can be made.
#[server(endpoint = "payments/approve")]
pub async fn approve_roll(roll: String) -> Result<RollView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let county = payment_county(&user)?;
    let s = services()?;
    let found = s.store.roll(&roll).await?.ok_or(AppError::NotFound)?;
    if found.county != county {
        audit(
            &s,
            Some(&user.0.id),
            "payment_approve",
            &roll,
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::NotFound);
    }
    let result = s.store.approve_roll(&roll, &user.0.id, now_millis()).await;
    audit(
        &s,
        Some(&user.0.id),
        "payment_approve",
        &roll,
        if result.is_ok() {
            AuditResult::Ok
        } else {
            AuditResult::Denied
        },
    )
    .await;
    result?;
    let roll = s.store.roll(&roll).await?.ok_or(AppError::NotFound)?;
    Ok(roll_view(roll))
}

/// Why a row of the bank's return file was not taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnProblem {
    /// The row in the file (the header is row 1).
    pub row: i64,
    /// `ref_missing`, `status_unknown`, `ref_unknown` (no paying line of this roll), `ref_twice`;
    /// `columns` (row 1: the reference or status column is missing).
    pub code: String,
    pub reference: String,
}

/// What a bank's return file did to a roll. A file with any problem is refused whole (nothing
/// recorded): it is not this roll's, or the bank must correct it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReport {
    pub rows: i64,
    pub recorded: i64,
    pub problems: Vec<ReturnProblem>,
    /// Every problem is counted; the first ones are listed.
    pub problem_count: i64,
    pub paid: String,
    pub failed: String,
    /// Paying lines still without an answer.
    pub unanswered: i64,
    /// The roll's total (paid + failed + unanswered lines' amounts).
    pub total: String,
    pub reconciled: bool,
    /// Paid and failed together are the roll's total: every yuan is accounted for.
    pub balanced: bool,
    pub refused: bool,
}
