//! The resident's declaration: the draft that autosaves as the resident types, and the one
//! submission per draft that turns it into an application.

use crate::api::types::DraftState;
#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::declaration::DeclarationDraft;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::declaration::{Declaration, CONSENT_TEXT_VERSION},
    domain::id_number::IdNumber,
    domain::policy::HouseholdFacts,
    domain::status::Role,
    services::{now_millis, services, today_in_china},
    store::{Submission, SubmitOutcome},
};

/// Drafts are stored as typed; this only bounds their size.
pub const MAX_DRAFT_BYTES: usize = 64 * 1024;

#[server(endpoint = "declaration/draft")]
pub async fn load_draft() -> Result<DraftState, AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    let s = services()?;
    draft_state_for(&s, &user.0.id, DeclarationDraft::new_with_head(), None).await
}

/// The current draft of the resident account `owner` (begun as `initial` when it has none), as
/// the form takes it; `proxy_for` names the lead when a caseworker fills it in on the
/// household's behalf.
#[cfg(feature = "ssr")]
pub(crate) async fn draft_state_for(
    s: &crate::services::Services,
    owner: &str,
    initial: DeclarationDraft,
    proxy_for: Option<String>,
) -> Result<DraftState, AppError> {
    let initial = serde_json::to_string(&initial).map_err(AppError::internal)?;
    let d = s.store.current_draft(owner, &initial, now_millis()).await?;
    let data: DeclarationDraft = serde_json::from_str(&d.data).map_err(AppError::internal)?;
    let attachments = s.store.attachments_of_draft(&d.id).await?;
    // A code the form would refuse (typed into a saved draft by hand) starts the picker afresh.
    let region = crate::domain::region::RegionCode::parse(&data.region_code).ok();
    let regions = crate::api::regions::picker_levels(&*s.store, region.as_ref()).await?;
    Ok(DraftState {
        id: d.id,
        version: d.version,
        updated_at: d.updated_at,
        data,
        attachments,
        regions,
        proxy_for,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftSave {
    pub draft_id: String,
    pub data: DeclarationDraft,
}

/// What a resident is told once their declaration is submitted: its number, and how many working
/// days the decision takes where the household lives (the dated parameter in force, `None` when
/// there is none; `decision_days_example` when that figure is an example value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitReceipt {
    pub number: String,
    pub decision_working_days: Option<i64>,
    pub decision_days_example: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub version: i64,
    pub updated_at: i64,
}

/// Saves what the resident has typed so far. Nothing is checked but size: a draft may be incomplete.
#[server(endpoint = "declaration/save", input = server_fn::codec::Json)]
pub async fn save_draft(save: DraftSave) -> Result<Saved, AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    let s = services()?;
    save_for(&s, &user.0.id, save).await
}

/// Saves the draft `save` of the resident account `owner`.
#[cfg(feature = "ssr")]
pub(crate) async fn save_for(
    s: &crate::services::Services,
    owner: &str,
    save: DraftSave,
) -> Result<Saved, AppError> {
    let data = serde_json::to_string(&save.data).map_err(AppError::internal)?;
    if data.len() > MAX_DRAFT_BYTES {
        return Err(AppError::refused("draft_too_large"));
    }
    let now = now_millis();
    let version = s
        .store
        .save_draft(owner, &save.draft_id, &data, now)
        .await?;
    Ok(Saved {
        version,
        updated_at: now,
    })
}

/// Submits the draft. Submitting the same draft again (double tap, retry after a timeout)
/// returns the application created the first time.
#[server(endpoint = "declaration/submit", input = server_fn::codec::Json)]
pub async fn submit_declaration(save: DraftSave) -> Result<SubmitReceipt, AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    let s = services()?;
    submit_for(&s, &user.0.id, &user.0.id, "submit", save).await
}

/// Submits the draft `save` of the resident account `owner` as an application of its own; the
/// audit trail names `actor` (the resident, or the caseworker applying on the household's
/// behalf, `action` saying which).
#[cfg(feature = "ssr")]
pub(crate) async fn submit_for(
    s: &crate::services::Services,
    owner: &str,
    actor: &str,
    action: &str,
    save: DraftSave,
) -> Result<SubmitReceipt, AppError> {
    let now = now_millis();
    let declaration =
        Declaration::parse(&save.data, today_in_china()).map_err(AppError::Invalid)?;
    let data = serde_json::to_string(&save.data).map_err(AppError::internal)?;
    if data.len() > MAX_DRAFT_BYTES {
        return Err(AppError::refused("draft_too_large"));
    }
    let ids: Vec<IdNumber> = declaration
        .members
        .iter()
        .map(|m| m.id_number.clone())
        .collect();
    // The same assessment the browser estimated, recorded with the submission.
    let today = today_in_china();
    let facts = HouseholdFacts::from_draft(&save.data, today);
    let rows = crate::api::policy::param_rows(s.store.as_ref()).await?;
    let assessment =
        crate::api::policy::assessment_record(&facts, &rows, &declaration.region, today)?;
    let submission = Submission {
        head_id_number: declaration.head().id_number.clone(),
        assessment,
        help: declaration.help.clone(),
        owner_id: owner.to_string(),
        draft_id: save.draft_id.clone(),
        region_code: declaration.region.clone(),
        declaration_json: serde_json::to_string(&declaration).map_err(AppError::internal)?,
        member_id_numbers: ids,
        monthly_income: declaration.income.total(),
        lost_labour: declaration.lost_labour(),
        consent_charity: declaration.consent_charity,
        consent_text_version: CONSENT_TEXT_VERSION.to_string(),
        now,
        year: chrono::Datelike::year(&today),
    };
    let decision = crate::domain::policy::resolve(
        &rows,
        &declaration.region,
        Some(declaration.residence),
        today,
    )
    .get(crate::domain::policy::params::ParamKey::DecisionWorkingDays)
    .map(|p| (p.value, p.example));
    let summary = match s.store.submit_application(submission).await? {
        SubmitOutcome::Created(summary) => {
            audit(s, Some(actor), action, &summary.number, AuditResult::Ok).await;
            summary
        }
        SubmitOutcome::AlreadySubmitted(summary) => summary,
    };
    Ok(SubmitReceipt {
        number: summary.number,
        decision_working_days: decision.map(|(days, _)| days),
        decision_days_example: decision.is_some_and(|(_, example)| example),
    })
}

/// Removes an attachment from the resident's unsubmitted draft.
#[server(endpoint = "declaration/remove_attachment")]
pub async fn remove_attachment(id: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Resident]).await?;
    services()?.store.delete_attachment(&user.0.id, &id).await?;
    Ok(())
}
