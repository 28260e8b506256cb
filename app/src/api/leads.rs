//! 基层上报 / 主动发现 (Liaoning 二(二)3(2); Zhangye (三)): a grid worker (网格员) or village
//! assistant (协理员), whose account is scoped to one village, reports a household that seems in
//! difficulty; the caseworkers of the region see it as a lead with its source, and either close
//! it with a reason or, once the household consented, make its application on its behalf
//! (依申请 by proxy). The application belongs to the household's own resident account (made for
//! its phone number when it has none), so the household follows it and can withdraw it. Every
//! read of a lead by a caseworker and every step is in the audit trail.

use crate::api::declaration::{DraftSave, Saved, SubmitReceipt};
use crate::api::types::DraftState;
use crate::domain::leads::{CloseReason, ConsentForm, LeadReportDraft, LeadSource, LeadState};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit, audit_read, SessionUser},
    domain::audit::AuditResult,
    domain::declaration::{DeclarationDraft, FieldError, FieldErrorCode, MemberDraft, Relation},
    domain::leads::LeadReport,
    domain::phone::Phone,
    domain::status::Role,
    services::{now_millis, services, today_in_china, Services},
    store::{DbError, HouseholdQuery, LeadConsent, LeadRecord, NewLead, NewUser},
};

/// Reports one grid worker may make in a day (beyond: 429). An operational limit against a
/// script on a lost phone, not a policy number.
#[cfg(feature = "ssr")]
const REPORTS_PER_DAY: i64 = 50;

/// A grid worker reports a household in their village. Answers the lead's id (photos are
/// attached to it next: `POST /leads/files`).
#[server(endpoint = "leads/report", input = server_fn::codec::Json)]
pub async fn report_lead(report: LeadReportDraft) -> Result<String, AppError> {
    let user = auth::require(&[Role::GridWorker]).await?;
    let region = auth::staff_scope(&user)?;
    let report = LeadReport::parse(&report, today_in_china()).map_err(AppError::Invalid)?;
    let s = services()?;
    let now = now_millis();
    if s.store
        .leads_reported_since(&user.0.id, now - 86_400_000)
        .await?
        >= REPORTS_PER_DAY
    {
        return Err(AppError::TooManyRequests);
    }
    let id = format!("lead-{}", uuid::Uuid::new_v4().simple());
    s.store
        .add_lead(NewLead {
            id: id.clone(),
            region,
            source: LeadSource::GridWorker,
            reported_by: user.0.id.clone(),
            report,
            now,
        })
        .await?;
    audit(&s, Some(&user.0.id), "lead_report", &id, AuditResult::Ok).await;
    Ok(id)
}

/// One of a grid worker's own reports, as they follow it: what became of it, not the
/// household's file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyReport {
    pub id: String,
    pub who: String,
    pub state: LeadState,
    pub close_reason: Option<CloseReason>,
    pub files: i64,
    pub at: i64,
}

/// The grid worker's own reports, newest first.
#[server(endpoint = "leads/mine")]
pub async fn my_reports() -> Result<Vec<MyReport>, AppError> {
    let user = auth::require(&[Role::GridWorker]).await?;
    let s = services()?;
    Ok(s.store
        .leads_reported_by(&user.0.id, 100)
        .await?
        .into_iter()
        .map(|l| MyReport {
            id: l.id,
            who: l.who,
            state: l.state,
            close_reason: l.close_reason,
            files: l.files,
            at: l.created_at,
        })
        .collect())
}

/// A lead in the caseworkers' queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadLine {
    pub id: String,
    pub region: String,
    pub region_name: String,
    pub source: LeadSource,
    pub reporter: String,
    pub who: String,
    pub state: LeadState,
    pub close_reason: Option<CloseReason>,
    pub application_number: Option<String>,
    pub files: i64,
    pub at: i64,
}

/// The leads reported in the caller's region: open ones oldest first, or all with `done`.
/// Caseworkers.
#[server(endpoint = "leads/queue")]
pub async fn lead_queue(#[server(default)] done: bool) -> Result<Vec<LeadLine>, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let leads = s.store.leads_in(&scope, done).await?;
    let mut places: Vec<_> = leads.iter().map(|l| l.region.clone()).collect();
    places.sort();
    places.dedup();
    let names: std::collections::HashMap<String, String> = s
        .store
        .regions(&places)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name_zh))
        .collect();
    Ok(leads.into_iter().map(|l| line(l, &names)).collect())
}

#[cfg(feature = "ssr")]
fn line(l: LeadRecord, names: &std::collections::HashMap<String, String>) -> LeadLine {
    LeadLine {
        region_name: names.get(l.region.as_str()).cloned().unwrap_or_default(),
        region: l.region.as_str().to_string(),
        id: l.id,
        source: l.source,
        reporter: l.reporter_name,
        who: l.who,
        state: l.state,
        close_reason: l.close_reason,
        application_number: l.application_number,
        files: l.files,
        at: l.created_at,
    }
}

/// A household the platform already knows, found by an ID number the report gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownHousehold {
    pub id_number: String,
    pub household_id: String,
    pub standing: crate::domain::cycle::Standing,
    pub latest_number: Option<String>,
}

/// A lead as a caseworker reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadView {
    pub line: LeadLine,
    pub seen: String,
    pub address: String,
    pub contact_phone: String,
    pub id_numbers: Vec<String>,
    /// The households of the caller's region these ID numbers are already in.
    pub known: Vec<KnownHousehold>,
    /// (id, file name) of the reporter's photos.
    pub files: Vec<(String, String)>,
    pub note: String,
    pub consent_by: String,
    pub consent_form: Option<ConsentForm>,
    pub consent_on: Option<String>,
}

/// The lead `id` when it was reported within the caller's region; `NotFound` otherwise (the
/// attempt audited).
#[cfg(feature = "ssr")]
async fn in_scope(s: &Services, user: &SessionUser, id: &str) -> Result<LeadRecord, AppError> {
    let lead = s.store.lead(id).await?.ok_or(AppError::NotFound)?;
    auth::check_in_region(s, user, &lead.region, "lead_read", id).await?;
    Ok(lead)
}

/// One lead, whole: what was seen, who, the ID numbers and the households they are already
/// in, the photos. Caseworkers of the region; each read audited.
#[server(endpoint = "leads/case")]
pub async fn lead_case(id: String) -> Result<LeadView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let lead = in_scope(&s, &user, &id).await?;
    audit_read(&s, &user, "lead_read", &lead.id).await;
    let scope = auth::staff_scope(&user)?;
    let mut known = Vec::new();
    for id_number in &lead.id_numbers {
        let mut q = HouseholdQuery::within(scope.clone(), 5);
        q.id_number = Some(id_number.clone());
        for h in s.store.search_households(q).await? {
            known.push(KnownHousehold {
                id_number: id_number.clone(),
                household_id: h.id,
                standing: h.standing,
                latest_number: h.latest_number,
            });
        }
    }
    let files = s
        .store
        .lead_files(&lead.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.file_name))
        .collect();
    let names = s
        .store
        .regions(std::slice::from_ref(&lead.region))
        .await?
        .into_iter()
        .map(|r| (r.code, r.name_zh))
        .collect();
    Ok(LeadView {
        seen: lead.seen.clone(),
        address: lead.address.clone(),
        contact_phone: lead.contact_phone.clone(),
        id_numbers: lead.id_numbers.clone(),
        note: lead.note.clone(),
        consent_by: lead.consent_by.clone(),
        consent_form: lead.consent_form,
        consent_on: lead.consent_on.map(|d| d.to_string()),
        known,
        files,
        line: line(lead, &names),
    })
}

/// Closes a lead with its reason (and a note, at most 500 characters). Caseworkers of the region.
#[server(endpoint = "leads/close")]
pub async fn close_lead(id: String, reason: String, note: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let reason = CloseReason::from_code(reason.trim())
        .ok_or_else(|| AppError::field("reason", FieldErrorCode::InvalidChoice))?;
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(AppError::field("note", FieldErrorCode::TooLong));
    }
    let s = services()?;
    let lead = in_scope(&s, &user, &id).await?;
    s.store
        .close_lead(&lead.id, &user.0.id, reason, note, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "lead_close",
        &lead.id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// The household's consent to an application made on its behalf, as the caseworker records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub lead: String,
    /// The household member who consented (their name).
    pub by: String,
    /// A `ConsentForm` code.
    pub form: String,
    /// The day consent was given (`YYYY-MM-DD`; not in the future).
    pub on: String,
    /// The household's mobile number: its resident account, found or made.
    pub phone: String,
    #[serde(default)]
    pub note: String,
}

/// Records the household's consent on a lead and finds its resident account by the phone
/// number given, making one when there is none (no password anyone knows: the household claims
/// it by registering with that number, `accounts::register`). Then the caseworker fills in the
/// declaration with the household ([`proxy_draft`]). Caseworkers of the region.
#[server(endpoint = "leads/consent")]
pub async fn consent_lead(consent: ConsentInput) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let mut errors = Vec::new();
    let mut field = |name: &str, code: FieldErrorCode| {
        errors.push(FieldError {
            field: name.to_string(),
            code,
        })
    };
    let by = consent.by.trim().to_string();
    if by.is_empty() {
        field("by", FieldErrorCode::Required);
    } else if by.chars().count() > 30 {
        field("by", FieldErrorCode::TooLong);
    }
    let form = ConsentForm::from_code(consent.form.trim());
    if form.is_none() {
        field("form", FieldErrorCode::InvalidChoice);
    }
    let today = today_in_china();
    let on = match chrono::NaiveDate::parse_from_str(consent.on.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            field("on", FieldErrorCode::DateInFuture);
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            field("on", FieldErrorCode::DateFormat);
            None
        }
    };
    let phone = Phone::parse(&consent.phone).ok();
    if phone.is_none() {
        field("phone", FieldErrorCode::PhoneFormat);
    }
    let note = consent.note.trim().to_string();
    if note.chars().count() > 500 {
        field("note", FieldErrorCode::TooLong);
    }
    let (Some(form), Some(on), Some(phone), true) = (form, on, phone, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let s = services()?;
    let lead = in_scope(&s, &user, &consent.lead).await?;
    if !lead.state.is_open() {
        return Err(AppError::refused("lead_done"));
    }
    let account = household_account(&s, &user, &phone).await?;
    s.store
        .consent_lead(
            &lead.id,
            &user.0.id,
            LeadConsent {
                by,
                form,
                on,
                note,
                account,
            },
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "lead_consent",
        &lead.id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// The resident account of `phone`, made (audited) when there is none. A staff account whose
/// name happens to be that number is refused.
#[cfg(feature = "ssr")]
async fn household_account(
    s: &Services,
    actor: &SessionUser,
    phone: &Phone,
) -> Result<String, AppError> {
    use rand::RngCore;
    if let Some(u) = s.store.user_by_login(phone.as_str()).await? {
        return if u.role == Role::Resident {
            Ok(u.id)
        } else {
            Err(AppError::field("phone", FieldErrorCode::InvalidChoice))
        };
    }
    // A password nobody is told: the account is the household's once it registers.
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let hash = auth::hash_password(hex::encode(secret)).await?;
    let made = s
        .store
        .create_user(NewUser {
            role: Role::Resident,
            login: phone.as_str().to_string(),
            display_name: phone.masked(),
            password_hash: hash,
            region_code: None,
            department: None,
            must_change_password: true,
            duty: None,
            now: now_millis(),
        })
        .await;
    let id = match made {
        Ok(id) => id,
        // Made meanwhile by the household itself, or by another caseworker: that one.
        Err(DbError::Conflict(_)) => {
            return match s.store.user_by_login(phone.as_str()).await? {
                Some(u) if u.role == Role::Resident => Ok(u.id),
                _ => Err(AppError::field("phone", FieldErrorCode::InvalidChoice)),
            }
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        s,
        Some(&actor.0.id),
        "household_account_made",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(id)
}

/// A consented lead and its household's account, for the caseworker of its region.
#[cfg(feature = "ssr")]
async fn consented(
    s: &Services,
    user: &SessionUser,
    lead_id: &str,
) -> Result<(LeadRecord, String), AppError> {
    let lead = in_scope(s, user, lead_id).await?;
    match (lead.state, lead.household_account.clone()) {
        (LeadState::Consented, Some(account)) => Ok((lead, account)),
        (LeadState::Open, _) => Err(AppError::refused("lead_no_consent")),
        _ => Err(AppError::refused("lead_done")),
    }
}

/// The household's declaration, begun from the report (the village, the address, the head's
/// name, the first ID number, the phone reported, what was seen) when it has none, for the caseworker to fill in with the household.
#[server(endpoint = "leads/proxy_draft")]
pub async fn proxy_draft(lead: String) -> Result<DraftState, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let (lead, account) = consented(&s, &user, &lead).await?;
    audit_read(&s, &user, "lead_proxy_draft", &lead.id).await;
    let mut head = MemberDraft::with_relation(Relation::Head.code());
    head.name = lead.who.clone();
    head.id_number = lead.id_numbers.first().cloned().unwrap_or_default();
    let initial = DeclarationDraft {
        region_code: lead.region.as_str().to_string(),
        address: lead.address.clone(),
        contact_phone: lead.contact_phone.clone(),
        description: lead.seen.clone(),
        members: vec![head],
        ..DeclarationDraft::default()
    };
    crate::api::declaration::draft_state_for(&s, &account, initial, Some(lead.id)).await
}

/// Saves the household's declaration as the caseworker fills it in.
#[server(endpoint = "leads/proxy_save", input = server_fn::codec::Json)]
pub async fn save_proxy_draft(lead: String, save: DraftSave) -> Result<Saved, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let (_, account) = consented(&s, &user, &lead).await?;
    crate::api::declaration::save_for(&s, &account, save).await
}

/// Submits the household's declaration as its application, made on its behalf: the same
/// checks and assessment as a resident's own, the application in the household's account, the
/// lead converted and linked to it.
#[server(endpoint = "leads/proxy_submit", input = server_fn::codec::Json)]
pub async fn submit_proxy(lead: String, save: DraftSave) -> Result<SubmitReceipt, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let (lead, account) = consented(&s, &user, &lead).await?;
    let receipt =
        crate::api::declaration::submit_for(&s, &account, &user.0.id, "submit_proxy", save).await?;
    s.store
        .lead_converted(&lead.id, &receipt.number, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "lead_converted",
        &format!("{}:{}", lead.id, receipt.number),
        AuditResult::Ok,
    )
    .await;
    Ok(receipt)
}
