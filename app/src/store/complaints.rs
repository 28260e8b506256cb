//! 投诉举报: complaints and reports, their handling notes, deadlines and escalation.

use super::*;
pub use crate::domain::complaints::{ComplaintKind, ComplaintOutcome, ComplaintState};

/// A complaint as filed (ids, tracking number and the code's hash made by the server).
#[derive(Clone, Debug)]
pub struct NewComplaint {
    pub id: String,
    pub tracking: String,
    pub code_hash: String,
    pub kind: ComplaintKind,
    pub region: RegionCode,
    pub handling_region: RegionCode,
    /// The application it is about (an objection to a notice, a decision), by its id.
    pub application_id: Option<String>,
    pub staff_office: Option<RegionCode>,
    /// Who it is about, as the filer wrote it (a person's or a member of staff's name).
    pub subject: String,
    /// The person concerned's ID number, checked, when given.
    pub person_id: Option<IdNumber>,
    pub body: String,
    pub filer_name: String,
    pub filer_phone: String,
    pub filer_user: Option<String>,
    /// A keyed digest of the address it was sent from (per-address limits; not the address).
    pub filed_from: String,
    /// The form's question it answered: one complaint per question
    /// (`Conflict("question_used")` for a second).
    pub question_nonce: String,
    pub due_on: NaiveDate,
    pub now: Millis,
}

/// A stored complaint, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintRecord {
    pub id: String,
    pub tracking: String,
    pub code_hash: String,
    pub kind: ComplaintKind,
    pub region: RegionCode,
    pub handling_region: RegionCode,
    /// The application's number (not its id).
    pub application_number: Option<String>,
    pub staff_office: Option<RegionCode>,
    pub subject: String,
    pub person_id: String,
    pub body: String,
    pub filer_name: String,
    pub filer_phone: String,
    pub filer_user: Option<String>,
    pub state: ComplaintState,
    pub due_on: NaiveDate,
    pub escalations: i64,
    pub assigned_to: Option<String>,
    pub outcome: Option<ComplaintOutcome>,
    pub reply: String,
    pub created_at: Millis,
    pub answered_at: Option<Millis>,
}

/// A file attached to a complaint.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ComplaintFile {
    pub id: String,
    pub complaint_id: String,
    pub file_name: String,
    pub content_hash: String,
    pub mime: String,
    pub size: i64,
}

/// Files one complaint may carry.
pub const COMPLAINT_FILES_MAX: i64 = 5;

/// One step of a complaint's handling: a note, an assignment, an escalation, the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintNote {
    pub kind: String,
    pub author: Option<String>,
    pub body: String,
    pub at: Millis,
}

#[async_trait]
pub trait ComplaintStore: Send + Sync {
    async fn add_complaint(&self, c: NewComplaint) -> Result<(), DbError>;

    /// How many complaints were filed from `filed_from` at or after `since`.
    async fn complaints_filed_since(&self, filed_from: &str, since: Millis)
        -> Result<i64, DbError>;

    async fn complaint_by_tracking(
        &self,
        tracking: &str,
    ) -> Result<Option<ComplaintRecord>, DbError>;

    async fn complaint(&self, id: &str) -> Result<Option<ComplaintRecord>, DbError>;

    /// The complaints handled within `region` (its own and below), not answered ones unless
    /// `with_answered`, by deadline.
    async fn complaints_in(
        &self,
        region: &RegionCode,
        with_answered: bool,
    ) -> Result<Vec<ComplaintRecord>, DbError>;

    /// The complaints about an application (by its number), oldest first.
    async fn complaints_about(&self, number: &str) -> Result<Vec<ComplaintRecord>, DbError>;

    async fn complaint_notes(&self, id: &str) -> Result<Vec<ComplaintNote>, DbError>;

    /// Gives an open complaint to `handler` (investigating from then on):
    /// `Conflict("complaint_answered")` once answered.
    async fn assign_complaint(
        &self,
        id: &str,
        handler: &str,
        actor: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// A handler's note: `Conflict("complaint_not_yours")` unless `actor` is its handler,
    /// `Conflict("complaint_answered")` once answered.
    async fn add_complaint_note(
        &self,
        id: &str,
        actor: &str,
        body: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Closes a complaint with its outcome and the reply the filer reads (the same conflicts).
    async fn answer_complaint(
        &self,
        id: &str,
        actor: &str,
        outcome: ComplaintOutcome,
        reply: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Attaches a file to a complaint not answered yet: `Conflict("complaint_files_full")` beyond
    /// [`COMPLAINT_FILES_MAX`], `Conflict("complaint_answered")` once answered.
    async fn add_complaint_file(&self, f: ComplaintFile, now: Millis) -> Result<(), DbError>;

    async fn complaint_files(&self, complaint_id: &str) -> Result<Vec<ComplaintFile>, DbError>;

    async fn complaint_file(&self, id: &str) -> Result<Option<ComplaintFile>, DbError>;

    /// (id, handling region) of the complaints not answered whose deadline passed before `today`.
    async fn overdue_complaints(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<(String, RegionCode)>, DbError>;

    /// Moves an overdue complaint from `from` up to `to` with a new deadline (once: false when
    /// it was answered or moved meanwhile).
    async fn escalate_complaint(
        &self,
        id: &str,
        from: &RegionCode,
        to: &RegionCode,
        due_on: NaiveDate,
        now: Millis,
    ) -> Result<bool, DbError>;
}
