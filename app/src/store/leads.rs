//! 基层上报: grid workers' reports of households that seem in difficulty, as leads for the
//! caseworkers, and what became of each.

use super::*;
pub use crate::domain::leads::{CloseReason, ConsentForm, LeadSource, LeadState};

/// A report as stored (its id made by the server).
#[derive(Clone, Debug)]
pub struct NewLead {
    pub id: String,
    /// The village it was reported in (the reporter's own).
    pub region: RegionCode,
    pub source: LeadSource,
    pub reported_by: String,
    pub report: crate::domain::leads::LeadReport,
    pub now: Millis,
}

/// A stored lead, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadRecord {
    pub id: String,
    pub region: RegionCode,
    pub source: LeadSource,
    pub reported_by: String,
    /// The reporter's display name.
    pub reporter_name: String,
    pub seen: String,
    pub who: String,
    pub address: String,
    /// Empty when not given.
    pub contact_phone: String,
    pub id_numbers: Vec<String>,
    pub state: LeadState,
    pub close_reason: Option<CloseReason>,
    /// The caseworker's note on closing it or on the consent.
    pub note: String,
    pub handled_by: Option<String>,
    pub handled_at: Option<Millis>,
    /// The household member who consented to an application made on the household's behalf.
    pub consent_by: String,
    pub consent_form: Option<ConsentForm>,
    pub consent_on: Option<NaiveDate>,
    /// The household's resident account the application is made in.
    pub household_account: Option<String>,
    pub application_number: Option<String>,
    pub files: i64,
    pub created_at: Millis,
}

/// The household's consent, as the caseworker records it.
#[derive(Clone, Debug)]
pub struct LeadConsent {
    pub by: String,
    pub form: ConsentForm,
    pub on: NaiveDate,
    pub note: String,
    /// The household's resident account (found or made for its phone number).
    pub account: String,
}

/// A photo attached to a report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeadFile {
    pub id: String,
    pub lead_id: String,
    pub file_name: String,
    pub content_hash: String,
    pub mime: String,
    pub size: i64,
}

#[async_trait]
pub trait LeadStore: Send + Sync {
    async fn add_lead(&self, lead: NewLead) -> Result<(), DbError>;

    async fn lead(&self, id: &str) -> Result<Option<LeadRecord>, DbError>;

    /// What `reporter` reported, newest first (at most `limit`).
    async fn leads_reported_by(
        &self,
        reporter: &str,
        limit: i64,
    ) -> Result<Vec<LeadRecord>, DbError>;

    /// The leads reported within `region`: open ones (oldest first), or every one with
    /// `with_done` (newest first, at most 200).
    async fn leads_in(
        &self,
        region: &RegionCode,
        with_done: bool,
    ) -> Result<Vec<LeadRecord>, DbError>;

    /// How many leads `reporter` made at or after `since`.
    async fn leads_reported_since(&self, reporter: &str, since: Millis) -> Result<i64, DbError>;

    /// Closes an open lead with its reason: `Conflict("lead_done")` once converted or closed.
    async fn close_lead(
        &self,
        id: &str,
        actor: &str,
        reason: CloseReason,
        note: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Records the household's consent and its account on an open lead (consented from then
    /// on; recording it again replaces it): `Conflict("lead_done")` once converted or closed.
    async fn consent_lead(
        &self,
        id: &str,
        actor: &str,
        consent: LeadConsent,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Marks a consented lead converted into the application numbered `number` (once:
    /// `Conflict("lead_done")` when it is not consented).
    async fn lead_converted(&self, id: &str, number: &str, now: Millis) -> Result<(), DbError>;

    /// The lead an application was made from, when it was made from one.
    async fn lead_of_application(&self, number: &str) -> Result<Option<LeadRecord>, DbError>;

    /// Attaches a photo to an open lead: `Conflict("lead_files_full")` beyond
    /// `domain::leads::LEAD_FILES_MAX`, `Conflict("lead_done")` once converted or closed.
    async fn add_lead_file(&self, f: LeadFile, now: Millis) -> Result<(), DbError>;

    async fn lead_files(&self, lead_id: &str) -> Result<Vec<LeadFile>, DbError>;

    async fn lead_file(&self, id: &str) -> Result<Option<LeadFile>, DbError>;
}
