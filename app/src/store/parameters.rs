//! Dated policy parameters, the assessments made with them, and the reassessment proposals a new parameter brings.

use super::*;
use crate::domain::policy::assess::CategorySet;

/// An assessment as stored: the facts it used, the parameters in force, the result with its
/// trace (all JSON), and the categories for lists and counts.
#[derive(Clone, Debug)]
pub struct NewAssessment {
    pub facts_json: String,
    pub parameters_json: String,
    pub assessment_json: String,
    pub categories: CategorySet,
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
    pub region_code: RegionCode,
    pub facts_json: String,
    pub categories: CategorySet,
}

#[derive(Clone, Debug)]
pub struct NewParameter {
    pub key: crate::domain::policy::ParamKey,
    pub region_code: RegionCode,
    pub residence: Option<crate::domain::declaration::Residence>,
    pub value: i64,
    pub effective_from: NaiveDate,
    pub source: String,
    pub example: bool,
    pub created_by: String,
    /// Approved as it is recorded: only the shipped example values the demo seeds. Every value
    /// an administrator enters waits for a security administrator's approval.
    pub approved: bool,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct ParameterRecord {
    pub id: i64,
    pub key: crate::domain::policy::ParamKey,
    pub region_code: RegionCode,
    pub residence: Option<crate::domain::declaration::Residence>,
    pub value: i64,
    pub effective_from: NaiveDate,
    pub source: String,
    pub example: bool,
    pub created_by: String,
    pub created_at: Millis,
    pub withdrawn_at: Option<Millis>,
    /// Approved by a security administrator (`approved_by`); until then it never applies.
    pub approved_at: Option<Millis>,
    pub approved_by: Option<String>,
    pub reassessed_at: Option<Millis>,
}

#[derive(Clone, Debug)]
pub struct NewProposal {
    pub application_id: String,
    pub parameter_id: i64,
    pub from_categories: CategorySet,
    pub to_categories: CategorySet,
    pub assessment: NewAssessment,
    pub now: Millis,
}

#[derive(Clone, Debug)]
pub struct ProposalRecord {
    pub id: i64,
    pub number: String,
    pub region_code: RegionCode,
    pub parameter_id: i64,
    pub from_categories: CategorySet,
    pub to_categories: CategorySet,
    pub status: crate::domain::policy::ProposalStatus,
    pub created_at: Millis,
}

#[async_trait]
pub trait ParameterStore: Send + Sync {
    /// Appends an assessment to an application (`reason`: `verification` after staff verified facts).
    async fn add_assessment(
        &self,
        number: &str,
        reason: &str,
        assessment: NewAssessment,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Every assessment of an application, oldest first: (reason, category codes, at).
    async fn assessment_history(
        &self,
        number: &str,
    ) -> Result<Vec<(String, CategorySet, Millis)>, DbError>;

    /// The latest assessment of an application.
    async fn latest_assessment(&self, number: &str) -> Result<Option<AssessmentRecord>, DbError>;

    async fn policy_parameters(&self) -> Result<Vec<ParameterRecord>, DbError>;

    async fn add_policy_parameter(&self, p: NewParameter) -> Result<ParameterRecord, DbError>;

    /// A security administrator approves (`approve`) or refuses (withdrawn, by them) a value
    /// that waits for approval and has not yet passed its effective date. `NotFound` when there
    /// is no such row; `Conflict("param_not_pending")` when it is approved, withdrawn or lapsed
    /// already; `Conflict("param_own")` when the approver entered it.
    async fn decide_policy_parameter(
        &self,
        id: i64,
        approve: bool,
        actor_id: &str,
        today: NaiveDate,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Withdraws a scheduled value; `Conflict("param_in_force")` once it is in force
    /// (`effective_from <= today`) or already withdrawn.
    async fn withdraw_policy_parameter(
        &self,
        id: i64,
        actor_id: &str,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Applications still in play (not withdrawn) in a region subtree, with their latest facts.
    async fn assessed_households(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<AssessedHousehold>, DbError>;

    /// Approved parameter changes in force by `today` whose reassessments were not proposed yet.
    /// Proposals are unique per (application, change), so several processes may run the job
    /// at once and a crash in between only repeats work: the change is marked afterwards.
    async fn due_parameters(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<Vec<ParameterRecord>, DbError>;

    async fn mark_parameter_reassessed(&self, id: i64, now: Millis) -> Result<(), DbError>;

    /// Adds a proposal unless one exists for the same application and change (`false` then).
    async fn add_reassessment_proposal(&self, p: NewProposal) -> Result<bool, DbError>;

    async fn reassessment_proposals(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<ProposalRecord>, DbError>;

    /// Accepts (the proposal becomes the application's latest assessment, by `actor_id`) or
    /// dismisses an open proposal of an application in the region. `Conflict("proposal_decided")`
    /// once decided; `NotFound` outside the region.
    async fn decide_reassessment_proposal(
        &self,
        id: i64,
        region: &RegionCode,
        accept: bool,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;
}
