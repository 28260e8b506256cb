//! Policy parameters and assessments: the values in force for the portal's instant estimate,
//! the administrator's dated parameter history (add, schedule, withdraw), the what-if of a
//! proposed change, and the reassessments proposed when a change takes effect.

#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::declaration::Residence;
use crate::domain::policy::assess::Category;
use crate::domain::policy::params::{ParamKey, ParameterSet};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::declaration::{FieldError, FieldErrorCode},
    domain::policy::{
        assess::{assess, Assessment},
        facts::HouseholdFacts,
        params::{check_new_value, format_value, resolve, ParamError, ParamRow},
    },
    domain::region::RegionCode,
    domain::status::{AdminDuty, Role},
    services::{now_millis, services, today_in_china},
    store::{NewAssessment, NewParameter, NewProposal, ParameterRecord, Store},
};
#[cfg(feature = "ssr")]
use chrono::NaiveDate;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamStatus {
    InForce,
    /// Takes effect later; can still be withdrawn.
    Scheduled,
    /// Replaced by a later value for the same region and urban/rural.
    Superseded,
    Withdrawn,
    /// Entered, waiting for a security administrator's approval; never applies until then.
    Pending,
    /// Its effective date passed without approval: it never applied and cannot be approved.
    Lapsed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamRowView {
    pub id: i64,
    pub key: ParamKey,
    pub region_code: String,
    pub region_name: String,
    pub residence: Option<Residence>,
    pub value: i64,
    /// As an administrator writes it: yuan, a ratio, a count.
    pub value_text: String,
    pub effective_from: String,
    pub source: String,
    pub example: bool,
    pub status: ParamStatus,
    pub created_by: String,
}

/// A new value or a proposed change, as the administrator's form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParamForm {
    pub key: String,
    pub region_code: String,
    /// `urban`, `rural`, or empty for both.
    pub residence: String,
    pub value: String,
    pub effective_from: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIfRow {
    pub region_code: String,
    pub region_name: String,
    pub category: Category,
    pub enter: u32,
    pub leave: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIfReport {
    pub on: String,
    pub households: u32,
    pub changed: u32,
    /// By county, then category; only rows with a change.
    pub rows: Vec<WhatIfRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalView {
    pub id: i64,
    pub number: String,
    pub region_code: String,
    pub parameter_id: i64,
    pub from: Vec<Category>,
    pub to: Vec<Category>,
    pub status: String,
    pub created_at: i64,
}

/// A stored parameter as the engine reads it.
#[cfg(feature = "ssr")]
fn row_of(r: &ParameterRecord) -> ParamRow {
    ParamRow {
        id: r.id,
        key: r.key,
        region: r.region_code.clone(),
        residence: r.residence,
        value: r.value,
        effective_from: r.effective_from,
        source: r.source.clone(),
        example: r.example,
        withdrawn: r.withdrawn_at.is_some(),
        approved: r.approved_at.is_some(),
        created_by: r.created_by.clone(),
        created_at: r.created_at,
    }
}

/// Every stored parameter row (a malformed stored row is the store's error, never skipped: a
/// skipped standard would silently assess with an older one).
#[cfg(feature = "ssr")]
pub async fn param_rows(store: &dyn Store) -> Result<Vec<ParamRow>, AppError> {
    let records = store.policy_parameters().await?;
    Ok(records.iter().map(row_of).collect())
}

/// Assesses a household on `on` and packs everything the record keeps.
#[cfg(feature = "ssr")]
pub fn assessment_record(
    facts: &HouseholdFacts,
    rows: &[ParamRow],
    region: &RegionCode,
    on: NaiveDate,
) -> Result<NewAssessment, AppError> {
    assessed_record(facts, rows, region, on).map(|(record, _)| record)
}

/// [`assessment_record`] with the assessment itself, for a caller that reads it further.
#[cfg(feature = "ssr")]
pub fn assessed_record(
    facts: &HouseholdFacts,
    rows: &[ParamRow],
    region: &RegionCode,
    on: NaiveDate,
) -> Result<(NewAssessment, Assessment), AppError> {
    let params = resolve(rows, region, facts.residence, on);
    let a = assess(facts, &params);
    let record = NewAssessment {
        facts_json: serde_json::to_string(facts).map_err(AppError::internal)?,
        parameters_json: serde_json::to_string(&params).map_err(AppError::internal)?,
        assessment_json: serde_json::to_string(&a).map_err(AppError::internal)?,
        categories: a.categories(),
    };
    Ok((record, a))
}

/// The parameters in force today for a village and urban/rural: what the browser needs to
/// compute the instant estimate itself. Public information, so no sign-in is needed.
#[server(endpoint = "policy/in_force")]
pub async fn parameters_in_force(
    region_code: String,
    residence: String,
) -> Result<ParameterSet, AppError> {
    let region = RegionCode::parse(&region_code)
        .map_err(|_| AppError::field("region_code", FieldErrorCode::Required))?;
    let residence = match residence.trim() {
        "" => None,
        code => Some(
            Residence::from_code(code)
                .ok_or_else(|| AppError::field("residence", FieldErrorCode::InvalidChoice))?,
        ),
    };
    let s = services()?;
    let rows = param_rows(s.store.as_ref()).await?;
    Ok(resolve(&rows, &region, residence, today_in_china()))
}

#[cfg(feature = "ssr")]
fn status_of(row: &ParamRow, all: &[ParamRow], today: NaiveDate) -> ParamStatus {
    if row.withdrawn {
        ParamStatus::Withdrawn
    } else if !row.approved && row.effective_from < today {
        ParamStatus::Lapsed
    } else if !row.approved {
        ParamStatus::Pending
    } else if row.effective_from > today {
        ParamStatus::Scheduled
    } else if all.iter().any(|o| {
        o.id != row.id
            && !o.withdrawn
            && o.approved
            && o.key == row.key
            && o.region == row.region
            && o.residence == row.residence
            && o.effective_from <= today
            && (o.effective_from, o.id) > (row.effective_from, row.id)
    }) {
        ParamStatus::Superseded
    } else {
        ParamStatus::InForce
    }
}

/// The parameter history that concerns the caller's region: values set above it (inherited)
/// and within it. Caseworkers, the system administrator (who enters values) and the security
/// administrator (who approves them).
#[server(endpoint = "policy/parameters")]
pub async fn parameters() -> Result<Vec<ParamRowView>, AppError> {
    let user =
        auth::require_role_or_duty(&[Role::Admin, Role::Caseworker], AdminDuty::Security).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = param_rows(s.store.as_ref()).await?;
    let today = today_in_china();
    let visible: Vec<&ParamRow> = rows
        .iter()
        .filter(|r| scope.is_within(&r.region) || r.region.is_within(&scope))
        .collect();
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        visible.iter().map(|r| r.region.clone()).collect(),
    )
    .await?;
    let mut out = Vec::new();
    for r in visible {
        let region_name = names.get(&r.region).cloned().unwrap_or_default();
        out.push(ParamRowView {
            id: r.id,
            key: r.key,
            region_code: r.region.as_str().to_string(),
            region_name,
            residence: r.residence,
            value: r.value,
            value_text: format_value(r.key, r.value),
            effective_from: r.effective_from.to_string(),
            source: r.source.clone(),
            example: r.example,
            status: status_of(r, &rows, today),
            created_by: r.created_by.clone(),
        });
    }
    out.sort_by(|a, b| {
        (a.key, &a.region_code, &a.effective_from, a.id).cmp(&(
            b.key,
            &b.region_code,
            &b.effective_from,
            b.id,
        ))
    });
    Ok(out)
}

/// Checks a form into a parameter row inside the caller's region, effective today or later.
#[cfg(feature = "ssr")]
fn checked_form(
    form: &ParamForm,
    scope: &RegionCode,
    today: NaiveDate,
) -> Result<(ParamKey, RegionCode, Option<Residence>, i64, NaiveDate), AppError> {
    let field_of = |e: ParamError| match e {
        ParamError::UnknownKey => FieldError {
            field: "key".into(),
            code: FieldErrorCode::InvalidChoice,
        },
        ParamError::RegionLevel => FieldError {
            field: "region_code".into(),
            code: FieldErrorCode::RegionLevel,
        },
        ParamError::OutOfBounds => FieldError {
            field: "value".into(),
            code: FieldErrorCode::OutOfBounds,
        },
        ParamError::ValueFormat => FieldError {
            field: "value".into(),
            code: FieldErrorCode::ValueFormat,
        },
        ParamError::DateFormat => FieldError {
            field: "effective_from".into(),
            code: FieldErrorCode::DateFormat,
        },
        ParamError::SourceRequired => FieldError {
            field: "source".into(),
            code: FieldErrorCode::Required,
        },
    };
    // The source is checked by the caller when it matters (a what-if needs none).
    let source = if form.source.trim().is_empty() {
        "-"
    } else {
        form.source.as_str()
    };
    let (key, region, value, date) = check_new_value(
        &form.key,
        &form.region_code,
        &form.value,
        &form.effective_from,
        source,
    )
    .map_err(|e| AppError::Invalid(vec![field_of(e)]))?;
    let residence = match form.residence.trim() {
        "" => None,
        code => Some(
            Residence::from_code(code)
                .ok_or_else(|| AppError::field("residence", FieldErrorCode::InvalidChoice))?,
        ),
    };
    if !region.is_within(scope) {
        return Err(AppError::Forbidden);
    }
    if date < today {
        // History is never rewritten: a value can only take effect from today on.
        return Err(AppError::field(
            "effective_from",
            FieldErrorCode::DateInPast,
        ));
    }
    Ok((key, region, residence, value, date))
}

/// Adds a value (a change, or a scheduled one when the date is later). Nothing is overwritten.
#[server(endpoint = "policy/add_parameter", input = server_fn::codec::Json)]
pub async fn add_parameter(form: ParamForm) -> Result<i64, AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let (key, region, residence, value, date) = checked_form(&form, &scope, today_in_china())?;
    let source = form.source.trim();
    if source.is_empty() {
        return Err(AppError::field("source", FieldErrorCode::Required));
    }
    if source.chars().count() > 200 {
        return Err(AppError::field("source", FieldErrorCode::TooLong));
    }
    let s = services()?;
    let rec = s
        .store
        .add_policy_parameter(NewParameter {
            key,
            region_code: region.clone(),
            residence,
            value,
            effective_from: date,
            source: source.into(),
            example: false,
            created_by: user.0.id.clone(),
            approved: false,
            now: now_millis(),
        })
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "policy_parameter_add",
        &format!("{}:{}:{}", rec.id, key.code(), region.as_str()),
        AuditResult::Ok,
    )
    .await;
    Ok(rec.id)
}

/// The stored parameter `id`, when it is set for a region inside the caller's (where they may
/// act on it); `NotFound` when there is none, `Forbidden` when it is another region's.
#[cfg(feature = "ssr")]
async fn param_in_scope(
    s: &crate::services::Services,
    user: &auth::SessionUser,
    id: i64,
) -> Result<ParamRow, AppError> {
    let scope = auth::staff_scope(user)?;
    let row = param_rows(s.store.as_ref())
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    if row.region.is_within(&scope) {
        Ok(row)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The security administrator approves a value waiting for approval (`approve`), from which
/// on it applies from its effective date, or refuses it (withdrawn: it never applies). Only
/// values inside their region, entered by someone else, and not past their effective date.
#[server(endpoint = "policy/decide_parameter")]
pub async fn decide_parameter(id: i64, approve: bool) -> Result<(), AppError> {
    let user = auth::require_duty(AdminDuty::Security).await?;
    let s = services()?;
    let row = param_in_scope(&s, &user, id).await?;
    s.store
        .decide_policy_parameter(id, approve, &user.0.id, today_in_china(), now_millis())
        .await?;
    let action = if approve {
        "policy_parameter_approve"
    } else {
        "policy_parameter_refuse"
    };
    let object = format!("{id}:{}:{}", row.key.code(), row.region.as_str());
    audit(&s, Some(&user.0.id), action, &object, AuditResult::Ok).await;
    Ok(())
}

/// Withdraws a scheduled value before it takes effect; values in force stay in the history.
#[server(endpoint = "policy/withdraw_parameter")]
pub async fn withdraw_parameter(id: i64) -> Result<(), AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    let s = services()?;
    param_in_scope(&s, &user, id).await?;
    s.store
        .withdraw_policy_parameter(id, &user.0.id, today_in_china(), now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "policy_parameter_withdraw",
        &id.to_string(),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// What a proposed change would do to the stored households on its effective date: how many
/// would enter or leave each category, by county. Nothing is stored.
#[server(endpoint = "policy/what_if", input = server_fn::codec::Json)]
pub async fn what_if(form: ParamForm) -> Result<WhatIfReport, AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let (key, region, residence, value, on) = checked_form(&form, &scope, today_in_china())?;
    let s = services()?;
    let rows = param_rows(s.store.as_ref()).await?;
    let mut proposed = rows.clone();
    proposed.push(ParamRow {
        id: i64::MAX,
        key,
        region: region.clone(),
        residence,
        value,
        effective_from: on,
        source: "what-if".into(),
        example: false,
        withdrawn: false,
        // What the value would do once approved.
        approved: true,
        created_by: user.0.id.clone(),
        created_at: now_millis(),
    });
    let households = s.store.assessed_households(&region).await?;
    let mut counts: std::collections::BTreeMap<(RegionCode, Category), (u32, u32)> =
        Default::default();
    let mut changed = 0;
    for h in &households {
        let Ok(facts) = serde_json::from_str::<HouseholdFacts>(&h.facts_json) else {
            tracing::warn!(number = %h.number, "stored facts unreadable; skipped in what-if");
            continue;
        };
        let home = &h.region_code;
        let before = assess(&facts, &resolve(&rows, home, facts.residence, on)).categories();
        let after = assess(&facts, &resolve(&proposed, home, facts.residence, on)).categories();
        if before != after {
            changed += 1;
        }
        let county = home.county();
        for c in Category::ALL {
            let entry = counts.entry((county.clone(), c)).or_default();
            match (before.contains(c), after.contains(c)) {
                (false, true) => entry.0 += 1,
                (true, false) => entry.1 += 1,
                _ => {}
            }
        }
    }
    counts.retain(|_, (enter, leave)| *enter + *leave > 0);
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        counts.keys().map(|(county, _)| county.clone()).collect(),
    )
    .await?;
    let rows: Vec<WhatIfRow> = counts
        .into_iter()
        .map(|((county, category), (enter, leave))| WhatIfRow {
            region_name: names.get(&county).cloned().unwrap_or_default(),
            region_code: county.as_str().to_owned(),
            category,
            enter,
            leave,
        })
        .collect();
    Ok(WhatIfReport {
        on: on.to_string(),
        households: households.len() as u32,
        changed,
        rows,
    })
}

/// Reassessments proposed for the caller's region when parameter changes took effect.
#[server(endpoint = "policy/proposals")]
pub async fn proposals() -> Result<Vec<ProposalView>, AppError> {
    let user = auth::require(&[Role::Admin, Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = s.store.reassessment_proposals(&scope).await?;
    auth::audit_read(&s, &user, "proposals_read", scope.prefix()).await;
    Ok(rows
        .into_iter()
        .map(|p| ProposalView {
            id: p.id,
            number: p.number,
            region_code: p.region_code.as_str().to_owned(),
            parameter_id: p.parameter_id,
            from: p.from_categories.into(),
            to: p.to_categories.into(),
            status: p.status.code().to_owned(),
            created_at: p.created_at,
        })
        .collect())
}

/// What a caseworker verified of one member: facts a declaration cannot give.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemberVerification {
    /// Has a legal supporter able to support them; `None`: not verified.
    pub supporter_able: Option<bool>,
    pub support_mode: Option<crate::domain::policy::facts::SupportMode>,
    pub care_need: Option<crate::domain::policy::facts::CareNeed>,
}

/// What a caseworker verified of a household (入户调查, department lists).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Verification {
    pub members: Vec<MemberVerification>,
    /// On the rural-revitalisation department's list (or flagged); `None`: not checked.
    pub relapse_watch: Option<bool>,
    /// A determination as 其他困难人员, with its reason; empty for none.
    pub other_hardship_reason: String,
    pub currently_dibao: bool,
}

pub const MAX_REASON_CHARS: usize = 500;

/// Records verified facts and reassesses the household with the parameters in force today.
/// The new assessment is appended (reason `verification`); the earlier ones stay.
#[server(endpoint = "policy/record_verification", input = server_fn::codec::Json)]
pub async fn record_verification(
    number: String,
    verification: Verification,
) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let app = s
        .store
        .application(number.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let region = app.region_code.clone();
    if !region.is_within(&scope) {
        audit(
            &s,
            Some(&user.0.id),
            "verification",
            number.trim(),
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::NotFound);
    }
    let rec = s
        .store
        .latest_assessment(&app.summary.number)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut facts: HouseholdFacts =
        serde_json::from_str(&rec.stored.facts_json).map_err(AppError::internal)?;
    if verification.members.len() != facts.members.len() {
        return Err(AppError::field("members", FieldErrorCode::InvalidChoice));
    }
    let reason = verification.other_hardship_reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::field(
            "other_hardship_reason",
            FieldErrorCode::TooLong,
        ));
    }
    for (m, v) in facts.members.iter_mut().zip(&verification.members) {
        m.supporter_able = v.supporter_able;
        m.support_mode = v.support_mode;
        m.care_need = v.care_need;
    }
    facts.relapse_watch = verification.relapse_watch;
    facts.other_hardship_reason = (!reason.is_empty()).then(|| reason.to_string());
    facts.currently_dibao = verification.currently_dibao;
    // A running 渐退期 counts from the day it began, not from each reassessment.
    let household = match app.household_id.as_deref() {
        Some(h) => s.store.household_summary(h).await?,
        None => None,
    };
    let today = today_in_china();
    facts.taper_since = household
        .as_ref()
        .and_then(|h| h.taper_since)
        .filter(|_| facts.currently_dibao);
    let rows = param_rows(s.store.as_ref()).await?;
    let (record, assessed) = assessed_record(&facts, &rows, &region, today)?;
    if let Some(h) = &household {
        let since = assessed
            .taper_earned()
            .map(|_| facts.taper_since.unwrap_or(today));
        if since != h.taper_since {
            s.store.set_taper_since(&h.id, since).await?;
        }
    }
    s.store
        .add_assessment(
            &app.summary.number,
            "verification",
            record,
            &user.0.id,
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "verification",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// A caseworker accepts a proposed reassessment (it becomes the application's recorded
/// assessment) or dismisses it. Nothing changes without this decision.
#[server(endpoint = "policy/decide_proposal")]
pub async fn decide_proposal(id: i64, accept: bool) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    s.store
        .decide_reassessment_proposal(id, &scope, accept, &user.0.id, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        if accept {
            "reassessment_accept"
        } else {
            "reassessment_dismiss"
        },
        &id.to_string(),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// The background job: for every parameter change now in force and not yet processed,
/// reassess the households it reaches and propose (never apply) a new assessment where
/// the categories change. Returns the number of proposals added.
#[cfg(feature = "ssr")]
pub async fn propose_reassessments(
    store: &dyn Store,
    today: NaiveDate,
    now: i64,
) -> Result<usize, AppError> {
    let due = store.due_parameters(today).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let rows = param_rows(store).await?;
    let mut added = 0;
    for change in &due {
        let region = &change.region_code;
        for h in store.assessed_households(region).await? {
            let Ok(facts) = serde_json::from_str::<HouseholdFacts>(&h.facts_json) else {
                continue;
            };
            let record = assessment_record(&facts, &rows, &h.region_code, today)?;
            if record.categories == h.categories {
                continue;
            }
            let proposal = NewProposal {
                application_id: h.application_id.clone(),
                parameter_id: change.id,
                from_categories: h.categories,
                to_categories: record.categories,
                assessment: record,
                now,
            };
            if store.add_reassessment_proposal(proposal).await? {
                added += 1;
            }
        }
        store.mark_parameter_reassessed(change.id, now).await?;
    }
    Ok(added)
}
