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
    /// The department of a department officer (a `Department` code).
    pub department: Option<String>,
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
    pub department: Option<String>,
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
    /// The assessment computed at submission, recorded with it.
    pub assessment: NewAssessment,
    /// Help kinds asked for (codes), for the review queue's filter.
    pub help: Vec<String>,
    /// The head's ID number: the household (一户一档) the application belongs to.
    pub head_id_number: String,
    /// The declared monthly income of the household (fen), kept on the household for monitoring.
    pub monthly_income_fen: i64,
}

/// A page of the review queue: the caller's region (or a township in it), oldest first, after
/// a keyset cursor.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    pub region_prefix: String,
    pub statuses: Vec<ApplicationStatus>,
    pub help: Option<String>,
    /// Only applications submitted at or before this time (waiting at least N days).
    pub submitted_before: Option<Millis>,
    /// Continue after this (submitted_at, number).
    pub after: Option<(Millis, String)>,
    /// `today` (YYYY-MM-DD): every row counts the household's warnings due by then (open
    /// tasks: overdue referrals, documents owed, reviews and taper ends).
    pub today: String,
    /// Only cases whose household has such warnings.
    pub with_warnings: bool,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct QueueRecord {
    pub number: String,
    pub status: ApplicationStatus,
    pub region_code: String,
    pub submitted_at: Millis,
    pub updated_at: Millis,
    pub help: String,
    /// Category codes of the latest assessment.
    pub categories: String,
    /// Open tasks of the household due by today.
    pub warnings: i64,
}

#[derive(Clone, Debug)]
pub struct DecisionRecord {
    pub category: String,
    pub monthly_amount_fen: i64,
    pub proposed_category: Option<String>,
    pub proposed_amount_fen: Option<i64>,
    pub adjustment_reason: String,
    pub effective_from: String,
    /// The last day of the public notice (YYYY-MM-DD).
    pub notice_until: String,
    pub decided_by: String,
    pub decided_at: Millis,
}

/// An application under public notice: what the notice may show is chosen by the caller.
#[derive(Clone, Debug)]
pub struct NoticeRecord {
    pub number: String,
    pub region_code: String,
    pub declaration_json: String,
    pub decision: DecisionRecord,
}

/// An assessment as stored: the facts it used, the parameters in force, the result with its
/// trace (all JSON), and the categories for lists and counts.
#[derive(Clone, Debug)]
pub struct NewAssessment {
    pub facts_json: String,
    pub parameters_json: String,
    pub assessment_json: String,
    /// Category codes, comma-separated, e.g. `dibao,relapse_watch`.
    pub categories: String,
}

#[derive(Clone, Debug)]
pub struct AssessmentRecord {
    pub id: i64,
    pub reason: String,
    pub stored: NewAssessment,
    pub created_at: Millis,
}

/// A household the what-if and the reassessment job look at: an application still in
/// play and the facts of its latest assessment.
#[derive(Clone, Debug)]
pub struct AssessedHousehold {
    pub application_id: String,
    pub number: String,
    pub region_code: String,
    pub facts_json: String,
    pub categories: String,
}

#[derive(Clone, Debug)]
pub struct NewParameter {
    pub key: String,
    pub region_code: String,
    pub residence: Option<String>,
    pub value: i64,
    pub effective_from: String,
    pub source: String,
    pub example: bool,
    pub created_by: String,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct ParameterRecord {
    pub id: i64,
    pub key: String,
    pub region_code: String,
    pub residence: Option<String>,
    pub value: i64,
    pub effective_from: String,
    pub source: String,
    pub example: bool,
    pub created_by: String,
    pub created_at: Millis,
    pub withdrawn_at: Option<Millis>,
    pub reassessed_at: Option<Millis>,
}

#[derive(Clone, Debug)]
pub struct NewProposal {
    pub application_id: String,
    pub parameter_id: i64,
    pub from_categories: String,
    pub to_categories: String,
    pub assessment: NewAssessment,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct ProposalRecord {
    pub id: i64,
    pub number: String,
    pub region_code: String,
    pub parameter_id: i64,
    pub from_categories: String,
    pub to_categories: String,
    pub status: String,
    pub created_at: Millis,
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
    pub household_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct HouseholdRecord {
    pub id: String,
    pub head_id_number: String,
    pub region_code: String,
    pub created_at: Millis,
}

/// One application of a household, for its file.
#[derive(Clone, Debug)]
pub struct HouseholdApplication {
    pub summary: ApplicationSummary,
    pub draft_id: String,
    pub region_code: String,
    pub declaration_json: String,
    pub consent_charity: bool,
    pub consent_text_version: String,
}

/// A photo or signature of a visit, stored by content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitFile {
    /// `photo`, `sign_resident`, `sign_staff`, `sign_second_staff`.
    pub role: String,
    pub content_hash: String,
    pub mime: String,
    pub size: i64,
}

/// A checked home visit with its images already in the blob store.
#[derive(Clone, Debug)]
pub struct NewVisit {
    pub id: String,
    pub number: String,
    pub based_on: Option<String>,
    pub visited_on: String,
    /// present, housing, living, assets seen, notes, second staff (JSON).
    pub record_json: String,
    pub files: Vec<VisitFile>,
    pub recorded_by: String,
    pub saved_on_device_at: Millis,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct VisitRecord {
    pub id: String,
    pub number: String,
    pub based_on: Option<String>,
    pub visited_on: String,
    pub record_json: String,
    pub files: Vec<VisitFile>,
    pub recorded_by_name: String,
    pub saved_on_device_at: Millis,
    pub received_at: Millis,
}

#[derive(Clone, Debug)]
pub enum VisitOutcome {
    Recorded,
    /// The device sent a visit the server already has (same id): nothing changed.
    AlreadyRecorded,
    /// Visits of this application the device did not know of; nothing was recorded.
    Conflict(Vec<VisitRecord>),
}

/// An entry of the assistance chain as stored.
#[derive(Clone, Debug)]
pub struct AidRecord {
    pub aid: crate::domain::chain::Aid,
    pub number: Option<String>,
    pub recorded_by_name: String,
    pub recorded_at: Millis,
}

#[derive(Clone, Debug)]
pub struct NewReferralRecord {
    pub household_id: String,
    pub region_code: String,
    pub department: String,
    pub need: String,
    pub note: String,
    pub due_on: String,
    pub created_by: String,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct ReferralRecord {
    pub id: i64,
    pub household_id: String,
    pub region_code: String,
    pub department: String,
    pub need: String,
    pub note: String,
    pub due_on: String,
    pub status: String,
    pub answer: String,
    pub assistance_id: Option<String>,
    pub created_by_name: String,
    pub created_at: Millis,
    pub answered_at: Option<Millis>,
}

/// Which referrals: one household's, or a department's inbox in a region subtree.
#[derive(Clone, Debug)]
pub enum ReferralQuery {
    Household(String),
    Inbox { department: String, region_prefix: String },
}

/// A department's answer to a referral.
#[derive(Clone, Debug)]
pub struct ReferralAnswer {
    pub id: i64,
    /// Only referrals to this department in this region subtree may be answered.
    pub department: String,
    pub region_prefix: String,
    pub to: crate::domain::referral::ReferralStatus,
    pub answer: String,
    /// The aid given (lands in the chain), with its id.
    pub aid: Option<(String, crate::domain::chain::NewAid)>,
    pub actor_id: String,
    pub now: Millis,
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

/// A unit of background work, claimed by one worker at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkItem {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub payload: String,
    pub run_at: Millis,
    pub attempts: i64,
}

#[derive(Clone, Debug)]
pub struct NewTask {
    pub kind: String,
    pub household_id: String,
    pub region_code: String,
    pub subject: String,
    pub due_on: String,
    pub note: String,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct TaskRecord {
    pub id: i64,
    pub kind: String,
    pub household_id: String,
    pub region_code: String,
    pub subject: String,
    pub due_on: String,
    pub status: String,
    pub note: String,
    pub created_at: Millis,
    pub done_at: Option<Millis>,
}

/// A household as the low-income database lists it.
#[derive(Clone, Debug)]
pub struct HouseholdSummary {
    pub id: String,
    pub head_id_number: String,
    pub region_code: String,
    /// `applicant`, `in_assistance`, `rejected`, `exited`.
    pub standing: String,
    pub standing_at: Option<Millis>,
    pub exit_reason: String,
    pub assistance_until: Option<String>,
    /// The latest declaration (JSON), for the head's name and the members.
    pub latest_declaration_json: Option<String>,
    pub latest_number: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct HouseholdQuery {
    pub region_prefix: String,
    /// An exact ID number of any member ever declared.
    pub id_number: Option<String>,
    /// Part of a member's name.
    pub name: Option<String>,
    pub standing: Option<String>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct NewEmergencyAid {
    pub id: String,
    /// The person's ID number: their household is found or opened by it.
    pub head_id_number: String,
    pub person_name: String,
    /// Where the emergency happened (no hukou restriction): the caseworker's region.
    pub region_code: String,
    pub situation: String,
    pub advance: bool,
    pub documents_due: Option<String>,
    pub conference: String,
    pub aid: crate::domain::chain::NewAid,
    pub actor_id: String,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct EmergencyRecord {
    pub id: String,
    pub household_id: String,
    pub region_code: String,
    pub person_name: String,
    pub situation: String,
    pub advance: bool,
    pub documents_due: Option<String>,
    pub documents_received_at: Option<Millis>,
    pub conference: String,
    pub assistance_id: String,
    pub recorded_at: Millis,
}

/// A checked medical settlement on its way into the database.
#[derive(Clone, Debug)]
pub struct MedicalRow {
    pub id_number: String,
    pub settled_on: String,
    pub total_fen: i64,
    pub out_of_pocket_fen: i64,
}

/// Checked medical settlements on their way to the store, already in the text its SQL reads,
/// so that the file reader's thread does the formatting and the store only stores: a JSON
/// array with one string per row, `settled_on` (10 characters, `YYYY-MM-DD`), the total and
/// the out-of-pocket amount (fen, 20 characters each, zero-padded), then the ID number.
/// (One string per row: SQLite reads it with `substr`, where a nested array would be parsed
/// again for every field.)
#[derive(Clone, Debug, Default)]
pub struct MedicalBatch {
    json: Vec<u8>,
    rows: usize,
}

impl MedicalBatch {
    pub fn push(&mut self, row: &MedicalRow) {
        use std::io::Write;
        // A date of any other shape would shift every field after it (the reader only sends
        // dates it has checked; see `domain::monitoring`).
        assert!(row.settled_on.len() == 10 && row.settled_on.bytes().all(|b| b.is_ascii_digit() || b == b'-'), "settlement date {:?}", row.settled_on);
        self.json.push(if self.rows == 0 { b'[' } else { b',' });
        self.rows += 1;
        // Digits and dashes need no escaping; the ID number is escaped as JSON (it is inside the quotes).
        let id = serde_json::to_string(&row.id_number).unwrap_or_default();
        let _ = write!(self.json, "\"{}{:020}{:020}{}", row.settled_on, row.total_fen, row.out_of_pocket_fen, &id[1..]);
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The JSON text (an empty array for no rows).
    pub fn into_json(mut self) -> String {
        if self.rows == 0 {
            self.json.push(b'[');
        }
        self.json.push(b']');
        // Only `write!` of `str`s and serde_json's output went in: always UTF-8.
        String::from_utf8(self.json).unwrap_or_default()
    }

    /// The SQL for the fields of a row's string `value`: ID number, date, total, out of pocket
    /// (the same on SQLite and PostgreSQL).
    pub fn sql_fields(value: &str) -> [String; 4] {
        [
            format!("substr({value}, 51)"),
            format!("substr({value}, 1, 10)"),
            format!("CAST(substr({value}, 11, 20) AS BIGINT)"),
            format!("CAST(substr({value}, 31, 20) AS BIGINT)"),
        ]
    }
}

impl From<Vec<MedicalRow>> for MedicalBatch {
    fn from(rows: Vec<MedicalRow>) -> Self {
        let mut batch = MedicalBatch::default();
        rows.iter().for_each(|r| batch.push(r));
        batch
    }
}

/// A department's record of an event (a checked `EventRecord`), as stored.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub key: String,
    pub source: String,
    pub id_number: String,
    pub event: String,
    pub event_on: String,
    pub grade: Option<i64>,
    pub amount_fen: Option<i64>,
    pub detail: String,
}

/// What the file reader sends the store while it reads: rows in batches, then the totals
/// (or an abort: nothing of the file is kept).
#[derive(Clone, Debug)]
pub enum ImportBatch {
    Medical(MedicalBatch),
    Events(Vec<EventRow>),
    End { rows_read: i64, invalid: i64, report_json: String },
    Abort,
}

#[derive(Clone, Debug)]
pub struct NewImport {
    pub id: String,
    pub source: String,
    pub file_hash: String,
    pub file_name: String,
    pub encoding: String,
    pub created_by: String,
    pub now: Millis,
    /// The rules in force and the day the 12 months end.
    pub rules: Vec<crate::domain::monitoring::WarningRule>,
    pub today: chrono::NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportResult {
    /// Records not seen before (a re-imported file adds none).
    pub new_records: i64,
    /// Valid rows whose ID number belongs to a household in the database.
    pub matched: i64,
    pub warnings: i64,
}

/// A warning raised by a scan (not an import).
#[derive(Clone, Debug)]
pub struct NewWarning {
    pub household_id: String,
    pub region_code: String,
    pub kind: String,
    pub level: String,
    pub trigger_json: String,
    pub visit_due: String,
    pub now: Millis,
}

/// A stored import with its report.
#[derive(Clone, Debug)]
pub struct ImportRecord {
    pub id: String,
    /// `done` or `refused`.
    pub status: String,
    pub source: String,
    pub file_name: String,
    pub encoding: String,
    pub rows_read: i64,
    pub new_records: i64,
    pub matched: i64,
    pub invalid: i64,
    pub warnings: i64,
    pub report_json: String,
    pub created_at: Millis,
}

#[derive(Clone, Debug)]
pub struct WarningRecord {
    pub id: i64,
    pub household_id: String,
    pub region_code: String,
    pub kind: String,
    pub level: String,
    pub trigger_json: String,
    pub visit_due: String,
    pub status: String,
    pub created_at: Millis,
    pub assigned_to: Option<String>,
    pub visited_on: Option<String>,
    pub finding: Option<String>,
    pub disposal: Option<String>,
    pub note: String,
    pub escalated_at: Option<Millis>,
    pub closed_at: Option<Millis>,
}

/// Warnings handled on time in a township: visited by the deadline, of those due or visited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnTimeRate {
    pub township: String,
    pub due: i64,
    pub on_time: i64,
}

#[async_trait]
pub trait Store: CharityStore + Send + Sync {
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

    /// Appends an assessment to an application (`reason`: `verification` after staff verified facts).
    async fn add_assessment(&self, number: &str, reason: &str, assessment: NewAssessment, actor_id: &str, now: Millis) -> Result<(), DbError>;
    /// Every assessment of an application, oldest first: (reason, category codes, at).
    async fn assessment_history(&self, number: &str) -> Result<Vec<(String, String, Millis)>, DbError>;
    /// The latest assessment of an application.
    async fn latest_assessment(&self, number: &str) -> Result<Option<AssessmentRecord>, DbError>;

    // policy parameters
    async fn policy_parameters(&self) -> Result<Vec<ParameterRecord>, DbError>;
    async fn add_policy_parameter(&self, p: NewParameter) -> Result<ParameterRecord, DbError>;
    /// Withdraws a scheduled value; `Conflict("param_in_force")` once it is in force
    /// (`effective_from <= today`) or already withdrawn.
    async fn withdraw_policy_parameter(&self, id: i64, actor_id: &str, today: &str, now: Millis) -> Result<(), DbError>;
    /// Applications still in play (not withdrawn) in a region subtree, with their latest facts.
    async fn assessed_households(&self, region_prefix: &str) -> Result<Vec<AssessedHousehold>, DbError>;
    /// Parameter changes in force by `today` whose reassessments were not proposed yet.
    /// Proposals are unique per (application, change), so several processes may run the job
    /// at once and a crash in between only repeats work: the change is marked afterwards.
    async fn due_parameters(&self, today: &str) -> Result<Vec<ParameterRecord>, DbError>;
    async fn mark_parameter_reassessed(&self, id: i64, now: Millis) -> Result<(), DbError>;
    /// Adds a proposal unless one exists for the same application and change (`false` then).
    async fn add_reassessment_proposal(&self, p: NewProposal) -> Result<bool, DbError>;
    async fn reassessment_proposals(&self, region_prefix: &str) -> Result<Vec<ProposalRecord>, DbError>;
    /// Accepts (the proposal becomes the application's latest assessment, by `actor_id`) or
    /// dismisses an open proposal of an application in the region. `Conflict("proposal_decided")`
    /// once decided; `NotFound` outside the region.
    async fn decide_reassessment_proposal(&self, id: i64, region_prefix: &str, accept: bool, actor_id: &str, now: Millis) -> Result<(), DbError>;

    // casework
    async fn review_queue(&self, q: QueueQuery) -> Result<Vec<QueueRecord>, DbError>;
    /// Records a decision and opens the public notice: `Visiting`/`Reviewing` → `Publicising`.
    async fn decide(&self, number: &str, d: DecisionRecord, now: Millis) -> Result<(), DbError>;
    async fn latest_decision(&self, number: &str) -> Result<Option<DecisionRecord>, DbError>;
    /// An objection raised during the notice; `Conflict("status")` outside it.
    async fn record_objection(&self, number: &str, text: &str, actor_id: &str, now: Millis) -> Result<(), DbError>;
    /// (text, at) of the objections to an application, oldest first.
    async fn objections(&self, number: &str) -> Result<Vec<(String, Millis)>, DbError>;
    /// Ends the notice: `Publicising` → `Approved` once `today` is after the notice's last day;
    /// `Conflict("notice_running")` before. Basic living aid decided for the household starts
    /// its assistance chain in the same transaction.
    async fn finalize(&self, number: &str, actor_id: &str, note: &str, today: &str, now: Millis) -> Result<(), DbError>;
    async fn public_notices(&self, region_prefix: &str, today: &str) -> Result<Vec<NoticeRecord>, DbError>;

    // households (一户一档), visits, the assistance chain and referrals
    async fn household(&self, id: &str) -> Result<Option<HouseholdRecord>, DbError>;
    async fn household_applications(&self, household_id: &str) -> Result<Vec<HouseholdApplication>, DbError>;
    /// Records a visit once per id. `Conflict` lists the visits recorded since the one the
    /// device based it on; `DbError::Conflict("status")` when the case no longer takes visits.
    /// The first visit of an accepted case moves it to `Visiting`.
    async fn record_visit(&self, v: NewVisit) -> Result<VisitOutcome, DbError>;
    /// Every visit of a household's applications, oldest first.
    async fn household_visits(&self, household_id: &str) -> Result<Vec<VisitRecord>, DbError>;
    /// The region of the application whose visit holds this image, if any.
    async fn visit_file_region(&self, content_hash: &str) -> Result<Option<String>, DbError>;
    /// The assistance chain, oldest first.
    async fn assistance_of(&self, household_id: &str) -> Result<Vec<AidRecord>, DbError>;
    /// Adds an entry once per id (`false`: it was there already).
    async fn add_assistance(&self, household_id: &str, id: &str, aid: crate::domain::chain::NewAid, origin: crate::domain::chain::AidOrigin, actor_id: &str, now: Millis) -> Result<bool, DbError>;
    async fn add_referral(&self, r: NewReferralRecord) -> Result<i64, DbError>;
    async fn referrals(&self, q: ReferralQuery) -> Result<Vec<ReferralRecord>, DbError>;
    /// Moves a referral (and adds its aid to the chain) atomically; `Conflict("referral_state")`
    /// when the move is not allowed from its current state, `NotFound` outside the department
    /// or region.
    async fn answer_referral(&self, a: ReferralAnswer) -> Result<(), DbError>;

    // background work: claimed rows, each item done once even with several processes
    /// Schedules work unless the same (kind, subject, run_at) is scheduled (`false` then).
    async fn enqueue_work(&self, kind: &str, subject: &str, payload: &str, run_at: Millis) -> Result<bool, DbError>;
    /// Claims up to `limit` due items for `worker` until `now + lease_ms`. An item claimed by a
    /// worker that died is claimed again once its lease ends. Never hands one item to two
    /// workers at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer).
    async fn claim_work(&self, worker: &str, now: Millis, lease_ms: i64, limit: i64) -> Result<Vec<WorkItem>, DbError>;
    /// Marks an item done, or (with an error) releases it to be retried at `retry_at`.
    async fn finish_work(&self, id: i64, worker: &str, error: Option<&str>, now: Millis, retry_at: Millis) -> Result<(), DbError>;
    async fn referral(&self, id: i64) -> Result<Option<ReferralRecord>, DbError>;

    // tasks and the household's standing
    /// Adds a task unless the same (kind, subject, due date) exists (`false` then).
    async fn add_task(&self, t: NewTask) -> Result<bool, DbError>;
    /// Tasks in a region subtree, open first by due date.
    async fn tasks(&self, region_prefix: &str, open_only: bool) -> Result<Vec<TaskRecord>, DbError>;
    /// Closes an open task; `Conflict("task_done")` when already done, `NotFound` outside the region.
    async fn complete_task(&self, id: i64, region_prefix: &str, actor_id: &str, note: &str, now: Millis) -> Result<TaskRecord, DbError>;
    /// Ends assistance: the household leaves with a reason; open-ended aid ends on `last_day`.
    /// `Conflict("not_in_assistance")` unless it is in assistance.
    async fn exit_household(&self, household_id: &str, reason: &str, last_day: &str, actor_id: &str, now: Millis) -> Result<(), DbError>;
    async fn household_summary(&self, id: &str) -> Result<Option<HouseholdSummary>, DbError>;
    /// The low-income database: households in a region by member ID number, name or standing.
    async fn search_households(&self, q: HouseholdQuery) -> Result<Vec<HouseholdSummary>, DbError>;

    // emergency aid
    /// Registers emergency aid once per id: the person's household is found by ID number or
    /// opened at the place of the emergency, and the aid joins its chain — one transaction.
    async fn record_emergency(&self, e: NewEmergencyAid) -> Result<EmergencyRecord, DbError>;
    async fn emergencies_of(&self, household_id: &str) -> Result<Vec<EmergencyRecord>, DbError>;
    async fn emergency(&self, id: &str) -> Result<Option<EmergencyRecord>, DbError>;
    /// The documents owed after advance aid arrived.
    async fn emergency_documents_received(&self, id: &str, region_prefix: &str, actor_id: &str, now: Millis) -> Result<(), DbError>;

    // monitoring: imports and warnings
    /// Imports a department file in one transaction while it is read: new records are added,
    /// matched by ID number, and the warning rules run on the households they touch. An
    /// `Abort` (or a closed channel before `End`) keeps nothing.
    async fn import_records(&self, meta: NewImport, rows: tokio::sync::mpsc::Receiver<ImportBatch>) -> Result<ImportResult, DbError>;
    async fn warning_rules(&self) -> Result<Vec<crate::domain::monitoring::WarningRule>, DbError>;
    /// The latest imports of the given sources, newest first.
    async fn imports(&self, sources: &[&str], limit: i64) -> Result<Vec<ImportRecord>, DbError>;
    /// Records a file that was refused whole (nothing of it stored), so its uploader finds the
    /// report later even if the browser was closed.
    async fn import_refused(&self, meta: NewImport, report_json: &str) -> Result<(), DbError>;
    async fn import(&self, id: &str) -> Result<Option<ImportRecord>, DbError>;
    async fn set_warning_rule(&self, rule: crate::domain::monitoring::WarningRule, actor_id: Option<&str>, now: Millis) -> Result<(), DbError>;
    async fn warnings(&self, region_prefix: &str) -> Result<Vec<WarningRecord>, DbError>;
    async fn warning(&self, id: i64) -> Result<Option<WarningRecord>, DbError>;
    /// Raises a warning found outside an import (one open per household and kind: `false` when
    /// one is open already).
    async fn raise_warning(&self, w: NewWarning) -> Result<bool, DbError>;
    /// Households in assistance (id, region), for the daily "policy finds the person" scan.
    async fn households_in_assistance(&self) -> Result<Vec<(String, String)>, DbError>;
    /// One step of the lifecycle; `Conflict("warning_state")` when the step does not follow
    /// from the current state, `NotFound` outside the region.
    async fn advance_warning(&self, id: i64, region_prefix: &str, step: crate::domain::monitoring::WarningStep, actor_id: &str, now: Millis) -> Result<WarningRecord, DbError>;
    /// Marks warnings whose visit deadline passed unvisited as escalated (to the county); one
    /// statement, so several processes may run it. Returns how many were escalated now.
    async fn escalate_overdue_warnings(&self, today: &str, now: Millis) -> Result<i64, DbError>;
    async fn on_time_rates(&self, region_prefix: &str, today: &str) -> Result<Vec<OnTimeRate>, DbError>;

    // attachments
    async fn add_attachment(&self, attachment: NewAttachment) -> Result<AttachmentMeta, DbError>;
    async fn attachments_of_draft(&self, draft_id: &str) -> Result<Vec<AttachmentMeta>, DbError>;
    async fn attachment(&self, id: &str) -> Result<Option<AttachmentRecord>, DbError>;
    async fn delete_attachment(&self, owner_id: &str, id: &str) -> Result<(), DbError>;

    // audit
    async fn audit(&self, entry: AuditEntry) -> Result<(), DbError>;
    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError>;
}

// ---------------------------------------------------------------------------------------------
// 慈善帮扶: organisations, resources, needs and matches.

/// A registration: the organisation's account and its record, stored together.
#[derive(Clone, Debug)]
pub struct NewCharity {
    pub id: String,
    pub user: NewUser,
    pub name: String,
    pub credit_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub regions: Vec<String>,
    pub kinds: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharityRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub credit_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub regions: Vec<String>,
    pub kinds: Vec<String>,
    /// `pending`, `verified`, `rejected`.
    pub status: String,
    pub status_note: String,
    pub created_at: Millis,
}

#[derive(Clone, Debug)]
pub struct NewResource {
    pub id: String,
    pub charity_id: String,
    pub form: String,
    pub title: String,
    pub unit: String,
    pub total: i64,
    pub per_household_cap: Option<i64>,
    pub need_kinds: Vec<String>,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRecord {
    pub id: String,
    pub charity_id: String,
    pub charity_name: String,
    pub form: String,
    pub title: String,
    pub unit: String,
    pub total: i64,
    pub remaining: i64,
    pub per_household_cap: Option<i64>,
    pub need_kinds: Vec<String>,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
    pub updated_at: Millis,
}

#[derive(Clone, Debug)]
pub struct NewNeed {
    pub id: String,
    pub household_id: String,
    pub source: String,
    /// The warning or application it came from; a need is recorded once per (household,
    /// source, reference, kind).
    pub source_ref: String,
    pub kind: String,
    pub form: String,
    pub amount: i64,
    pub urgency: i64,
    /// The household's township (9 digits): the finest place a charity sees.
    pub township: String,
    pub category: String,
    /// The chain kind that covers it (`AidKind` code), empty when none does.
    pub covering_aid: String,
    pub note: String,
    pub created_by: String,
    pub now: Millis,
}

/// A need with its standing; `consent` is the household's current charity-sharing consent
/// (its latest application), `covered` whether the chain now covers it (see `covering_aid`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedRecord {
    pub id: String,
    pub household_id: String,
    pub source: String,
    pub kind: String,
    pub form: String,
    pub amount: i64,
    /// Units held by live matches (proposed, accepted, delivered).
    pub committed: i64,
    pub delivered: i64,
    pub urgency: i64,
    pub township: String,
    pub category: String,
    pub state: String,
    pub note: String,
    pub consent: bool,
    pub covered: bool,
    pub created_at: Millis,
}

#[derive(Clone, Debug)]
pub struct NewMatch {
    pub id: String,
    pub need_id: String,
    pub resource_id: String,
    pub units: i64,
    /// `proposed` (a caseworker's) or `accepted` (a charity committing itself).
    pub state: String,
    /// A caseworker's region: the need must lie in it.
    pub region_prefix: Option<String>,
    /// A charity committing itself: the resource must be its own.
    pub charity_id: Option<String>,
    pub actor_id: String,
    pub today: String,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchRecord {
    pub id: String,
    pub need_id: String,
    pub resource_id: String,
    pub charity_id: String,
    pub charity_name: String,
    pub household_id: String,
    pub units: i64,
    pub state: String,
    pub note: String,
    pub need_kind: String,
    pub form: String,
    pub unit: String,
    pub township: String,
    pub resource_title: String,
    /// The proof of delivery file (content hash, type), if one was uploaded.
    pub proof: Option<(String, String)>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Clone, Debug)]
pub enum MatchQuery {
    Charity(String),
    Region(String),
    Household(String),
}

#[async_trait]
pub trait CharityStore: Send + Sync {
    /// Creates the organisation's account and record together; `Conflict("credit_code_taken")`
    /// or `Conflict("phone_taken")`, and then nothing is stored.
    async fn register_charity(&self, c: NewCharity) -> Result<String, DbError>;
    async fn charity_of_user(&self, user_id: &str) -> Result<Option<CharityRecord>, DbError>;
    async fn charity(&self, id: &str) -> Result<Option<CharityRecord>, DbError>;
    async fn charities(&self) -> Result<Vec<CharityRecord>, DbError>;
    /// An administrator verifies or rejects a pending organisation (`Conflict("charity_state")`
    /// once decided).
    async fn decide_charity(&self, id: &str, verified: bool, note: &str, actor_id: &str, now: Millis) -> Result<(), DbError>;

    async fn add_resource(&self, r: NewResource) -> Result<(), DbError>;
    /// Resources of one charity, or (None) of every verified charity still valid on `today`.
    async fn resources(&self, charity_id: Option<&str>, today: &str) -> Result<Vec<ResourceRecord>, DbError>;

    /// Records a need once; false when the same need (household, source, reference, kind) exists.
    async fn add_need(&self, n: NewNeed) -> Result<bool, DbError>;
    /// Needs of households in a region; `open_only`: open needs with units not yet committed.
    async fn needs(&self, region_prefix: &str, open_only: bool, today: &str) -> Result<Vec<NeedRecord>, DbError>;
    async fn needs_of(&self, household_id: &str, today: &str) -> Result<Vec<NeedRecord>, DbError>;
    /// Closes an open need (done by others, no longer needed, duplicate); its proposed and
    /// accepted matches close with it and their units return to their resources.
    async fn close_need(&self, id: &str, region_prefix: &str, state: &str, actor_id: &str, now: Millis) -> Result<(), DbError>;

    /// Reserves `units` of the need and of the resource in one transaction. Refusals:
    /// `need_taken` (the need is closed, lacks consent or has fewer uncommitted units),
    /// `resource_short` (remaining, validity, fit), `household_cap`. Nothing changes then.
    async fn add_match(&self, m: NewMatch) -> Result<(), DbError>;
    async fn matches(&self, q: MatchQuery) -> Result<Vec<MatchRecord>, DbError>;
    async fn match_record(&self, id: &str) -> Result<Option<MatchRecord>, DbError>;
    /// Moves a match of the charity from `from` to `to`; units return when `to` does not hold
    /// them. `Conflict("match_state")` when it is no longer in `from`.
    async fn move_match(&self, id: &str, charity_id: &str, from: &[&str], to: &str, note: &str, now: Millis) -> Result<MatchRecord, DbError>;
    /// Attaches a proof file (already in the blob store) to an accepted or delivered match of
    /// the charity; `Conflict("match_state")` in any other state.
    async fn attach_match_proof(&self, id: &str, charity_id: &str, content_hash: &str, mime: &str, now: Millis) -> Result<(), DbError>;
    /// Records delivery: the match becomes `delivered`, the aid joins the household's chain, and
    /// the need is met once every unit is delivered — all or nothing.
    async fn deliver_match(&self, id: &str, charity_id: &str, note: &str, aid_id: &str, aid: crate::domain::chain::NewAid, actor_id: &str, now: Millis) -> Result<(), DbError>;
}

#[cfg(test)]
mod tests {
    use super::{MedicalBatch, MedicalRow};

    /// What the SQL of `MedicalBatch::sql_fields` reads from one string (SQL's `substr` is
    /// 1-based); the SQL itself is exercised on both backends by the store conformance suite.
    fn fields(value: &str) -> (&str, &str, i64, i64) {
        (&value[50..], &value[..10], value[10..30].parse().unwrap(), value[30..50].parse().unwrap())
    }

    #[test]
    fn a_medical_batch_is_a_json_array_of_one_string_per_row() {
        assert_eq!(MedicalBatch::default().into_json(), "[]");
        let row = |id: &str, on: &str, total: i64, own: i64| MedicalRow { id_number: id.into(), settled_on: on.into(), total_fen: total, out_of_pocket_fen: own };
        let batch: MedicalBatch = vec![row("620702199001011234", "2026-03-05", 1_200_050, 800_000), row("ID \"quoted\" 人", "2025-12-31", 0, 0)].into();
        assert_eq!(batch.len(), 2);
        let values: Vec<String> = serde_json::from_str(&batch.into_json()).unwrap();
        assert_eq!(fields(&values[0]), ("620702199001011234", "2026-03-05", 1_200_050, 800_000));
        assert_eq!(fields(&values[1]), ("ID \"quoted\" 人", "2025-12-31", 0, 0));
    }

    #[test]
    #[should_panic(expected = "settlement date")]
    fn a_date_of_another_shape_is_never_packed() {
        let mut batch = MedicalBatch::default();
        batch.push(&MedicalRow { id_number: "x".into(), settled_on: "2026-3-5".into(), total_fen: 1, out_of_pocket_fen: 1 });
    }
}
