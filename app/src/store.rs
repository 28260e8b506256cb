//! The storage boundary: one object-safe trait in the language of the business, implemented
//! for SQLite and PostgreSQL in the `server` crate. Server functions never name a database.

use crate::api::types::{ApplicationSummary, AttachmentMeta, AuditEntry, Region, TimelineEvent};
use crate::domain::status::{ApplicationStatus, Role};
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database: {0}")]
    Other(String),
}

impl From<DbError> for crate::error::AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => Self::NotFound,
            DbError::Conflict(code) => Self::refused(code),
            DbError::Other(cause) => Self::internal(cause),
        }
    }
}

/// Milliseconds since the Unix epoch, UTC: how every stored time is kept.
pub type Millis = i64;

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: String,
    pub role: Role,
    /// The mobile number of a resident, the user name of staff.
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    /// The subtree a staff account may see; `None` for residents.
    pub region_code: Option<String>,
    pub failed_logins: i64,
    pub locked_until: Option<Millis>,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub role: Role,
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub region_code: Option<String>,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct StoredDraft {
    pub id: String,
    /// The `DeclarationDraft` as JSON, exactly as the resident left it.
    pub data: String,
    pub version: i64,
    pub updated_at: Millis,
}

/// Everything a submission stores, already checked by `Declaration::parse`.
#[derive(Clone, Debug)]
pub struct Submission {
    pub owner_id: String,
    pub draft_id: String,
    pub region_code: String,
    pub declaration_json: String,
    pub member_id_numbers: Vec<String>,
    pub consent_charity: bool,
    pub consent_text_version: String,
    pub now: Millis,
    pub year: i32,
}

#[derive(Clone, Debug)]
pub enum SubmitOutcome {
    Created(ApplicationSummary),
    /// The draft had already been submitted (double tap, retry): the same application.
    AlreadySubmitted(ApplicationSummary),
    /// These ID numbers are members of another open application.
    IdsInOpenApplication(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct ApplicationRecord {
    pub summary: ApplicationSummary,
    pub owner_id: String,
    pub draft_id: String,
    pub region_code: String,
    pub declaration_json: String,
    pub consent_charity: bool,
    pub consent_text_version: String,
    pub events: Vec<TimelineEvent>,
    /// The open request for more information, if any: (request id, question).
    pub open_info_request: Option<(i64, String)>,
}

#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub owner_id: String,
    pub draft_id: String,
    pub kind: String,
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
    pub region_code: Option<String>,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// Answers only when the database answers.
    async fn ping(&self) -> Result<(), DbError>;

    // accounts
    async fn create_user(&self, user: NewUser) -> Result<String, DbError>;
    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, DbError>;
    async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, DbError>;
    /// Counts a failed login; locks the account until `lock_until` when it reaches `max_failures`.
    async fn record_failed_login(&self, user_id: &str, max_failures: i64, lock_until: Millis) -> Result<(), DbError>;
    async fn record_successful_login(&self, user_id: &str) -> Result<(), DbError>;
    async fn staff_accounts(&self) -> Result<Vec<UserRecord>, DbError>;

    // verification codes (sent through the Notifier)
    /// Stores a new code unless one was issued after `not_after` (then `false`: too soon).
    async fn put_verification_code(&self, phone: &str, code_hash: &str, issued_at: Millis, expires_at: Millis, not_after: Millis) -> Result<bool, DbError>;
    /// True once for a matching, unexpired code; the code is spent either way after 5 tries.
    async fn consume_verification_code(&self, phone: &str, code_hash: &str, now: Millis) -> Result<bool, DbError>;

    // regions
    async fn region_children(&self, parent: Option<&str>) -> Result<Vec<Region>, DbError>;
    async fn region(&self, code: &str) -> Result<Option<Region>, DbError>;

    // declarations
    /// The resident's unsubmitted draft, created empty when there is none.
    async fn current_draft(&self, owner_id: &str, initial_data: &str, now: Millis) -> Result<StoredDraft, DbError>;
    /// Saves the draft; `Conflict("draft_submitted")` once it has been submitted.
    async fn save_draft(&self, owner_id: &str, draft_id: &str, data: &str, now: Millis) -> Result<i64, DbError>;
    /// Creates exactly one application per draft, atomically with its members, consent and first event.
    async fn submit_application(&self, submission: Submission) -> Result<SubmitOutcome, DbError>;
    async fn applications_of(&self, owner_id: &str) -> Result<Vec<ApplicationSummary>, DbError>;
    async fn application(&self, number: &str) -> Result<Option<ApplicationRecord>, DbError>;
    /// Moves an application to a new state with an event; `Conflict("status")` when `from` no longer holds.
    async fn change_status(
        &self,
        number: &str,
        from: &[ApplicationStatus],
        to: ApplicationStatus,
        actor_id: &str,
        note: &str,
        now: Millis,
    ) -> Result<(), DbError>;
    async fn request_info(&self, number: &str, actor_id: &str, question: &str, now: Millis) -> Result<(), DbError>;
    async fn answer_info_request(&self, number: &str, actor_id: &str, answer: &str, now: Millis) -> Result<(), DbError>;
    /// Records a change of the optional charity-sharing consent (granted or withdrawn).
    async fn set_charity_consent(&self, number: &str, actor_id: &str, granted: bool, text_version: &str, now: Millis) -> Result<(), DbError>;

    // attachments
    async fn add_attachment(&self, attachment: NewAttachment) -> Result<AttachmentMeta, DbError>;
    async fn attachments_of_draft(&self, draft_id: &str) -> Result<Vec<AttachmentMeta>, DbError>;
    async fn attachment(&self, id: &str) -> Result<Option<AttachmentRecord>, DbError>;
    async fn delete_attachment(&self, owner_id: &str, id: &str) -> Result<(), DbError>;

    // audit
    async fn audit(&self, entry: AuditEntry) -> Result<(), DbError>;
    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError>;
}
