//! A resident's applications after submission: the list, the status page with its timeline,
//! withdrawal, answering a request for more information, and the charity-sharing consent.

use crate::api::types::{ApplicationSummary, ApplicationView};
#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    api::types::{MemberView, StoredAssessment},
    auth::{self, audit, SessionUser},
    domain::{
        declaration::{Declaration, CONSENT_TEXT_VERSION},
        status::{ApplicationStatus, Role},
    },
    services::{now_millis, services, Services},
    store::ApplicationRecord,
};

pub const MAX_NOTE_CHARS: usize = 1000;

#[server(endpoint = "applications/mine")]
pub async fn my_applications() -> Result<Vec<ApplicationSummary>, AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    Ok(services()?.store.applications_of(&user.0.id).await?)
}

/// Loads an application the caller may see: its owner, or staff whose region contains it.
/// Others get `NotFound`, so numbers cannot be probed.
#[cfg(feature = "ssr")]
async fn visible_application(
    s: &Services,
    user: &SessionUser,
    number: &str,
) -> Result<ApplicationRecord, AppError> {
    let app = crate::services::PageReads::once(&format!("application:{number}"), || async {
        Ok(s.store.application(number).await?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let allowed = match user.0.role {
        Role::Resident => app.owner_id == user.0.id,
        Role::Caseworker | Role::Admin if user.may_act_as(&[Role::Caseworker, Role::Admin]) => {
            auth::staff_scope(user).is_ok_and(|scope| app.region_code.is_within(&scope))
        }
        Role::Caseworker | Role::Admin => false,
        Role::Department | Role::Charity | Role::GridWorker => false,
    };
    if allowed {
        Ok(app)
    } else {
        audit(
            s,
            Some(&user.0.id),
            "application_read",
            number,
            AuditResult::Denied,
        )
        .await;
        Err(AppError::NotFound)
    }
}

/// An application the caller may see and what it declared, its reading recorded
/// (`application_read`): where [`get_application`] and [`application_declared`] begin.
#[cfg(feature = "ssr")]
async fn read_application(
    number: &str,
) -> Result<(SessionUser, Services, ApplicationRecord, Declaration), AppError> {
    let user = auth::require(&[Role::Resident, Role::Caseworker, Role::Admin]).await?;
    let s = services()?;
    let app = visible_application(&s, &user, number.trim()).await?;
    auth::audit_read(&s, &user, "application_read", &app.summary.number).await;
    let declaration: Declaration =
        serde_json::from_str(&app.declaration_json).map_err(AppError::internal)?;
    Ok((user, s, app, declaration))
}

#[server(endpoint = "applications/get_application")]
pub async fn get_application(number: String) -> Result<ApplicationView, AppError> {
    let (user, s, app, declaration) = read_application(&number).await?;
    // Independent reads, at once (on PostgreSQL each is a round trip).
    let (region, attachments, latest, history) = tokio::try_join!(
        s.store.region(&app.region_code),
        s.store.attachments_of_draft(&app.draft_id),
        s.store.latest_assessment(&app.summary.number),
        s.store.assessment_history(&app.summary.number),
    )?;
    let region_name = region.map(|r| r.name_zh).unwrap_or_default();
    let assessment = match latest {
        Some(rec) => Some(StoredAssessment {
            assessment: serde_json::from_str(&rec.stored.assessment_json)
                .map_err(AppError::internal)?,
            parameters: serde_json::from_str(&rec.stored.parameters_json)
                .map_err(AppError::internal)?,
            facts: serde_json::from_str(&rec.stored.facts_json).map_err(AppError::internal)?,
            reason: rec.reason,
            created_at: rec.created_at,
        }),
        None => None,
    };
    let assessment_history = history
        .into_iter()
        .map(
            |(reason, categories, at)| crate::api::types::AssessmentEntry {
                reason,
                categories: categories.into(),
                at,
            },
        )
        .collect();
    Ok(ApplicationView {
        assessment,
        assessment_history,
        region_code: app.region_code.as_str().to_owned(),
        region_name,
        declared: crate::api::types::DeclaredView::from(&declaration),
        // The household reads its own members' health; staff unmask it member by member.
        members: declaration
            .members
            .iter()
            .map(|m| MemberView {
                health: (user.0.role == Role::Resident)
                    .then(|| crate::api::types::MemberHealth::from(m)),
                ..MemberView::from(m)
            })
            .collect(),
        help: declaration
            .help
            .iter()
            .map(|h| h.code().to_string())
            .collect(),
        consent_charity: app.consent_charity,
        events: app.events,
        open_info_request: app.open_info_request.map(|(_, q)| q),
        attachments,
        summary: app.summary,
    })
}

/// What an application declared (address, phone, difficulty, incomes) and its place's name: what
/// the visit page shows of it. The same checks and audit record as [`get_application`]
/// ([`read_application`]), without the rest (its members, events, assessment and parameters:
/// neither read nor sent, nor their readers in the visit page's WASM).
#[server(endpoint = "applications/declared")]
pub async fn application_declared(
    number: String,
) -> Result<(crate::api::types::DeclaredView, String), AppError> {
    let (_, s, app, declaration) = read_application(&number).await?;
    let region_name = s
        .store
        .region(&app.region_code)
        .await?
        .map(|r| r.name_zh)
        .unwrap_or_default();
    Ok((
        crate::api::types::DeclaredView::from(&declaration),
        region_name,
    ))
}

#[cfg(feature = "ssr")]
fn note(raw: &str, required: bool) -> Result<String, AppError> {
    let t = raw.trim();
    if required && t.is_empty() {
        return Err(AppError::field(
            "note",
            crate::domain::declaration::FieldErrorCode::Required,
        ));
    }
    if t.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::field(
            "note",
            crate::domain::declaration::FieldErrorCode::TooLong,
        ));
    }
    Ok(t.to_string())
}

#[server(endpoint = "applications/withdraw")]
pub async fn withdraw_application(number: String, reason: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    let s = services()?;
    let app = visible_application(&s, &user, number.trim()).await?;
    if !app.summary.status.can_withdraw() {
        return Err(AppError::refused("cannot_withdraw"));
    }
    let reason = note(&reason, false)?;
    let from: Vec<ApplicationStatus> = crate::domain::status::TIMELINE
        .iter()
        .copied()
        .chain([ApplicationStatus::InfoRequested])
        .filter(|s| s.can_withdraw())
        .collect();
    s.store
        .change_status(
            &app.summary.number,
            &from,
            ApplicationStatus::Withdrawn,
            &user.0.id,
            &reason,
            now_millis(),
        )
        .await
        .map_err(|e| match e {
            crate::store::DbError::Conflict(_) => AppError::refused("cannot_withdraw"),
            e => e.into(),
        })?;
    audit(
        &s,
        Some(&user.0.id),
        "withdraw",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

#[server(endpoint = "applications/answer")]
pub async fn answer_info_request(number: String, answer: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    let s = services()?;
    let app = visible_application(&s, &user, number.trim()).await?;
    let answer = note(&answer, true)?;
    s.store
        .answer_info_request(&app.summary.number, &user.0.id, &answer, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "answer_info",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Grants or withdraws the optional consent to share de-identified needs with charities.
#[server(endpoint = "applications/charity_consent")]
pub async fn set_charity_consent(number: String, granted: bool) -> Result<(), AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    let s = services()?;
    let app = visible_application(&s, &user, number.trim()).await?;
    s.store
        .set_charity_consent(
            &app.summary.number,
            &user.0.id,
            granted,
            CONSENT_TEXT_VERSION,
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        if granted {
            "consent_charity_grant"
        } else {
            "consent_charity_withdraw"
        },
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Staff ask the resident for more information (the caseworker workspace builds on this).
#[server(endpoint = "applications/request_info")]
pub async fn request_info(number: String, question: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = visible_application(&s, &user, number.trim()).await?;
    let question = note(&question, true)?;
    s.store
        .request_info(&app.summary.number, &user.0.id, &question, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "request_info",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}
