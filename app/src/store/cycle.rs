//! The assistance cycle after a decision: follow-up tasks, exits and emergency aid.

use super::*;
use crate::domain::cycle::TaskKind;

#[derive(Clone, Debug)]
pub struct NewTask {
    pub kind: TaskKind,
    pub household_id: String,
    pub region_code: RegionCode,
    pub subject: String,
    pub due_on: NaiveDate,
    pub note: String,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct TaskRecord {
    pub id: i64,
    pub kind: TaskKind,
    pub household_id: String,
    pub region_code: RegionCode,
    pub subject: String,
    pub due_on: NaiveDate,
    pub status: crate::domain::cycle::TaskStatus,
    pub note: String,
    pub created_at: Millis,
    pub done_at: Option<Millis>,
}

#[derive(Clone, Debug)]
pub struct NewEmergencyAid {
    pub id: String,
    /// The person's ID number: their household is found or opened by it.
    pub head_id_number: IdNumber,
    pub person_name: String,
    /// Where the emergency happened (no hukou restriction): the caseworker's region.
    pub region_code: RegionCode,
    pub situation: String,
    pub advance: bool,
    pub documents_due: Option<NaiveDate>,
    pub conference: String,
    pub aid: crate::domain::chain::NewAid,
    pub actor_id: String,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct EmergencyRecord {
    pub id: String,
    pub household_id: String,
    pub region_code: RegionCode,
    pub person_name: String,
    pub situation: String,
    pub advance: bool,
    pub documents_due: Option<NaiveDate>,
    pub documents_received_at: Option<Millis>,
    pub conference: String,
    pub assistance_id: String,
    pub recorded_at: Millis,
}

/// Emergency aid to a person whose identity is not known (生活无着流浪乞讨人员): no household
/// to file it under, so it is kept where they were found.
#[derive(Clone, Debug)]
pub struct NewUnidentifiedAid {
    pub id: String,
    pub region_code: RegionCode,
    /// What the person gave as a name, if anything.
    pub name: String,
    /// How to recognise them (appearance, where found).
    pub description: String,
    pub situation: String,
    pub amount: Money,
    pub advance: bool,
    pub documents_due: Option<NaiveDate>,
    pub conference: String,
    pub actor_id: String,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnidentifiedAidRecord {
    pub id: String,
    pub region_code: RegionCode,
    pub name: String,
    pub description: String,
    pub situation: String,
    pub amount: Money,
    pub advance: bool,
    pub documents_due: Option<NaiveDate>,
    pub conference: String,
    pub recorded_at: Millis,
}

/// 随机调查: one drawn sample (the households by id, in the order drawn).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyRecord {
    pub id: String,
    pub region: RegionCode,
    pub seed: u64,
    pub population: i64,
    /// SHA-256 of the population's ids in order, joined by newlines: what the seed was drawn over.
    pub population_digest: String,
    pub households: Vec<String>,
    pub due_on: NaiveDate,
    pub drawn_by: String,
    pub drawn_at: Millis,
}

#[async_trait]
pub trait CycleStore: Send + Sync {
    /// 随机调查's population: the households in assistance in a region, by id.
    async fn survey_population(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<(String, RegionCode)>, DbError>;

    /// Records a survey and a visit task per household drawn (region of each given), at once.
    async fn add_survey(&self, s: &SurveyRecord, regions: &[RegionCode]) -> Result<(), DbError>;

    /// The surveys drawn in a region (and below), latest first, with how many of each one's
    /// visits are done.
    async fn surveys(&self, region: &RegionCode) -> Result<Vec<(SurveyRecord, i64)>, DbError>;

    /// Adds a task unless the same (kind, subject, due date) exists (`false` then).
    async fn add_task(&self, t: NewTask) -> Result<bool, DbError>;

    /// Tasks in a region subtree, open first by due date.
    async fn tasks(&self, region: &RegionCode, open_only: bool)
        -> Result<Vec<TaskRecord>, DbError>;

    /// Closes an open task; `Conflict("task_done")` when already done, `NotFound` outside the region.
    async fn complete_task(
        &self,
        id: i64,
        region: &RegionCode,
        actor_id: &str,
        note: &str,
        now: Millis,
    ) -> Result<TaskRecord, DbError>;

    /// Ends assistance: the household leaves with a reason; open-ended aid ends on `last_day`.
    /// `Conflict("not_in_assistance")` unless it is in assistance.
    async fn exit_household(
        &self,
        household_id: &str,
        reason: &str,
        last_day: NaiveDate,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Registers emergency aid once per id: the person's household is found by ID number or
    /// opened at the place of the emergency, and the aid joins its chain — one transaction.
    /// Advance aid (先行救助) in a township with a reserve (备用金) is paid from it in the same
    /// transaction: `Conflict("reserve_short")` when it holds less, and nothing is recorded.
    async fn record_emergency(&self, e: NewEmergencyAid) -> Result<EmergencyRecord, DbError>;

    async fn emergencies_of(&self, household_id: &str) -> Result<Vec<EmergencyRecord>, DbError>;

    async fn emergency(&self, id: &str) -> Result<Option<EmergencyRecord>, DbError>;

    /// The documents owed after advance aid arrived.
    async fn emergency_documents_received(
        &self,
        id: &str,
        region: &RegionCode,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Registers aid to an unidentified person once per id (a retry returns the first record).
    async fn record_unidentified_aid(
        &self,
        a: NewUnidentifiedAid,
    ) -> Result<UnidentifiedAidRecord, DbError>;

    /// Aid to unidentified persons in a region's subtree, newest first, at most `limit`.
    async fn unidentified_aid_in(
        &self,
        region: &RegionCode,
        limit: i64,
    ) -> Result<Vec<UnidentifiedAidRecord>, DbError>;
}
