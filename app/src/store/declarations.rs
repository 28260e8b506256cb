//! A resident's draft, its submission as an application, the application's life as the resident sees it, and its attachments.

use super::*;

#[derive(Clone, Debug)]
pub struct StoredDraft {
    pub id: String,
    /// The `DeclarationDraft` as JSON, exactly as the resident left it.
    pub data: String,
    pub version: i64,
    pub updated_at: Millis,
}

/// Everything a submission stores, already checked by `Declaration::parse`. It changes no
/// household file, person or region: acceptance does, after a caseworker checked identity
/// (`CaseworkStore::accept_application`).
#[derive(Clone, Debug)]
pub struct Submission {
    pub owner_id: String,
    pub draft_id: String,
    pub region_code: RegionCode,
    pub declaration_json: String,
    pub member_id_numbers: Vec<IdNumber>,
    pub consent_charity: bool,
    pub consent_text_version: String,
    pub now: Millis,
    pub year: i32,
    /// The assessment computed at submission, recorded with it.
    pub assessment: NewAssessment,
    /// Help kinds asked for, for the review queue's filter.
    pub help: Vec<crate::domain::declaration::HelpKind>,
    /// The head's ID number: the household (一户一档) the application belongs to.
    pub head_id_number: IdNumber,
    /// The declared monthly income of the household, kept on the household for monitoring.
    pub monthly_income: Money,
    /// A member has lost all or part of their labour capacity (kept on the household for
    /// monitoring: `domain::monitoring::with_labour_priority`).
    pub lost_labour: bool,
}

/// What a submission did. Nothing else: a resident learns nothing of other people's files
/// (who is in another application is the accepting caseworker's to see, `member_conflicts`).
#[derive(Clone, Debug)]
pub enum SubmitOutcome {
    Created(ApplicationSummary),
    /// The draft had already been submitted (double tap, retry): the same application.
    AlreadySubmitted(ApplicationSummary),
}

#[derive(Clone, Debug)]
pub struct ApplicationRecord {
    pub summary: ApplicationSummary,
    pub owner_id: String,
    pub draft_id: String,
    pub region_code: RegionCode,
    pub declaration_json: String,
    pub consent_charity: bool,
    pub consent_text_version: String,
    pub events: Vec<TimelineEvent>,
    /// The open request for more information, if any: (request id, question).
    pub open_info_request: Option<(i64, String)>,
    /// The household file, once a caseworker accepted the application.
    pub household_id: Option<String>,
    /// The declared head is not the one the resident's account is bound to: acceptance needs
    /// the caseworker's confirmation of the new head.
    pub head_change: bool,
}

#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub owner_id: String,
    pub draft_id: String,
    pub kind: crate::domain::declaration::AttachmentKind,
    pub file_name: String,
    pub content_hash: String,
    pub mime: String,
    pub size: i64,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct AttachmentRecord {
    pub meta: AttachmentMeta,
    pub owner_id: String,
    pub content_hash: String,
    /// The region of the application it belongs to, once submitted (for staff access).
    pub region_code: Option<RegionCode>,
}

#[async_trait]
pub trait DeclarationStore: Send + Sync {
    /// The resident's unsubmitted draft, created empty when there is none.
    async fn current_draft(
        &self,
        owner_id: &str,
        initial_data: &str,
        now: Millis,
    ) -> Result<StoredDraft, DbError>;

    /// Saves the draft; `Conflict("draft_submitted")` once it has been submitted.
    async fn save_draft(
        &self,
        owner_id: &str,
        draft_id: &str,
        data: &str,
        now: Millis,
    ) -> Result<i64, DbError>;

    /// Creates exactly one application per draft, atomically with its members, consent and first event.
    async fn submit_application(&self, submission: Submission) -> Result<SubmitOutcome, DbError>;

    async fn applications_of(&self, owner_id: &str) -> Result<Vec<ApplicationSummary>, DbError>;

    async fn application(&self, number: &str) -> Result<Option<ApplicationRecord>, DbError>;

    /// Moves an application to a new state with an event; `Conflict("status")` when `from` no
    /// longer holds. Never to `Accepted`: that is `CaseworkStore::accept_application`.
    async fn change_status(
        &self,
        number: &str,
        from: &[ApplicationStatus],
        to: ApplicationStatus,
        actor_id: &str,
        note: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    async fn request_info(
        &self,
        number: &str,
        actor_id: &str,
        question: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    async fn answer_info_request(
        &self,
        number: &str,
        actor_id: &str,
        answer: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Records a change of the optional charity-sharing consent (granted or withdrawn).
    async fn set_charity_consent(
        &self,
        number: &str,
        actor_id: &str,
        granted: bool,
        text_version: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    async fn add_attachment(&self, attachment: NewAttachment) -> Result<AttachmentMeta, DbError>;

    async fn attachments_of_draft(&self, draft_id: &str) -> Result<Vec<AttachmentMeta>, DbError>;

    async fn attachment(&self, id: &str) -> Result<Option<AttachmentRecord>, DbError>;

    async fn delete_attachment(&self, owner_id: &str, id: &str) -> Result<(), DbError>;
}
