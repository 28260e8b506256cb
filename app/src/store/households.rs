//! Household files, home visits, the assistance chain (一户一条救助链) and referrals to departments.

use super::*;
use crate::domain::chain::Department;
use crate::domain::cycle::Standing;
use crate::domain::referral::ReferralStatus;

#[derive(Clone, Debug)]
pub struct HouseholdRecord {
    pub id: String,
    pub head_id_number: IdNumber,
    pub region_code: RegionCode,
    pub created_at: Millis,
}

/// One application of a household, for its file.
#[derive(Clone, Debug)]
pub struct HouseholdApplication {
    pub summary: ApplicationSummary,
    pub draft_id: String,
    pub region_code: RegionCode,
    pub declaration_json: String,
    pub consent_charity: bool,
    pub consent_text_version: String,
}

/// A photo or signature of a visit, stored by content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitFile {
    pub role: crate::domain::visit::VisitFileRole,
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
    pub visited_on: NaiveDate,
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
    pub visited_on: NaiveDate,
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
    pub region_code: RegionCode,
    pub department: Department,
    pub need: crate::domain::chain::AidKind,
    pub note: String,
    pub due_on: NaiveDate,
    pub created_by: String,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct ReferralRecord {
    pub id: i64,
    pub household_id: String,
    pub region_code: RegionCode,
    pub department: Department,
    pub need: crate::domain::chain::AidKind,
    pub note: String,
    pub due_on: NaiveDate,
    pub status: ReferralStatus,
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
    Inbox {
        department: Department,
        region: RegionCode,
    },
}

/// A department's answer to a referral.
#[derive(Clone, Debug)]
pub struct ReferralAnswer {
    pub id: i64,
    /// Only referrals to this department in this region subtree may be answered.
    pub department: Department,
    pub region: RegionCode,
    pub to: crate::domain::referral::ReferralStatus,
    pub answer: String,
    /// The aid given (lands in the chain), with its id.
    pub aid: Option<(String, crate::domain::chain::NewAid)>,
    pub actor_id: String,
    pub now: Millis,
}

/// A household as the low-income database lists it.
#[derive(Clone, Debug)]
pub struct HouseholdSummary {
    pub id: String,
    pub head_id_number: IdNumber,
    pub region_code: RegionCode,
    pub standing: Standing,
    pub standing_at: Option<Millis>,
    pub exit_reason: String,
    pub assistance_until: Option<NaiveDate>,
    /// The day a running 渐退期 began (a verified reassessment found it first).
    pub taper_since: Option<NaiveDate>,
    /// The latest declaration (JSON), for the head's name and the members.
    pub latest_declaration_json: Option<String>,
    pub latest_number: Option<String>,
}

#[derive(Clone, Debug)]
pub struct HouseholdQuery {
    pub region: RegionCode,
    /// An exact ID number of any member ever declared.
    pub id_number: Option<String>,
    /// A member's whole name, or their given name (two characters or more).
    pub name: Option<String>,
    pub standing: Option<Standing>,
    pub limit: i64,
}

impl HouseholdQuery {
    /// Every household in `region`'s subtree (no filter), up to `limit`.
    pub fn within(region: RegionCode, limit: i64) -> Self {
        HouseholdQuery {
            region,
            id_number: None,
            name: None,
            standing: None,
            limit,
        }
    }
}

#[async_trait]
pub trait HouseholdStore: Send + Sync {
    async fn household(&self, id: &str) -> Result<Option<HouseholdRecord>, DbError>;

    async fn household_applications(
        &self,
        household_id: &str,
    ) -> Result<Vec<HouseholdApplication>, DbError>;

    /// Records a visit once per id. `Conflict` lists the visits recorded since the one the
    /// device based it on; `DbError::Conflict("status")` when the case no longer takes visits.
    /// The first visit of an accepted case moves it to `Visiting`.
    async fn record_visit(&self, v: NewVisit) -> Result<VisitOutcome, DbError>;

    /// Every visit of a household's applications, oldest first.
    async fn household_visits(&self, household_id: &str) -> Result<Vec<VisitRecord>, DbError>;

    /// The region of the application whose visit holds this image, if any.
    async fn visit_file_region(&self, content_hash: &str) -> Result<Option<RegionCode>, DbError>;

    /// The assistance chain, oldest first.
    async fn assistance_of(&self, household_id: &str) -> Result<Vec<AidRecord>, DbError>;

    /// Adds an entry once per id (`false`: it was there already).
    async fn add_assistance(
        &self,
        household_id: &str,
        id: &str,
        aid: crate::domain::chain::NewAid,
        origin: crate::domain::chain::AidOrigin,
        actor_id: &str,
        now: Millis,
    ) -> Result<bool, DbError>;

    async fn add_referral(&self, r: NewReferralRecord) -> Result<i64, DbError>;

    async fn referrals(&self, q: ReferralQuery) -> Result<Vec<ReferralRecord>, DbError>;

    /// Moves a referral (and adds its aid to the chain) atomically; `Conflict("referral_state")`
    /// when the move is not allowed from its current state, `NotFound` outside the department
    /// or region.
    async fn answer_referral(&self, a: ReferralAnswer) -> Result<(), DbError>;

    async fn referral(&self, id: i64) -> Result<Option<ReferralRecord>, DbError>;

    async fn household_summary(&self, id: &str) -> Result<Option<HouseholdSummary>, DbError>;

    /// Records (or, with `None`, clears) the day a household's 渐退期 began.
    async fn set_taper_since(
        &self,
        household_id: &str,
        since: Option<NaiveDate>,
    ) -> Result<(), DbError>;

    /// The low-income database: households in a region by member ID number, name or standing.
    async fn search_households(&self, q: HouseholdQuery) -> Result<Vec<HouseholdSummary>, DbError>;
}
