//! Charity assistance (慈善帮扶): organisations, resources, needs and matches.

use super::*;
use crate::domain::chain::AidKind;
use crate::domain::charity::{CharityStatus, MatchState, NeedSource, NeedState, SupplyForm};
use crate::domain::declaration::HelpKind;
use crate::domain::policy::Category;

/// A registration: the organisation's account and its record, stored together.
#[derive(Clone, Debug)]
pub struct NewCharity {
    pub id: String,
    pub user: NewUser,
    pub name: String,
    pub credit_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub regions: Vec<RegionCode>,
    pub kinds: Vec<HelpKind>,
    pub org_kind: crate::domain::care::OrgKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharityRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub credit_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub regions: Vec<RegionCode>,
    pub kinds: Vec<HelpKind>,
    pub status: CharityStatus,
    pub status_note: String,
    pub created_at: Millis,
    pub org_kind: crate::domain::care::OrgKind,
}

#[derive(Clone, Debug)]
pub struct NewResource {
    pub id: String,
    pub charity_id: String,
    pub form: SupplyForm,
    pub title: String,
    pub unit: String,
    pub total: i64,
    pub per_household_cap: Option<i64>,
    pub need_kinds: Vec<HelpKind>,
    pub categories: Vec<Category>,
    pub regions: Vec<RegionCode>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRecord {
    pub id: String,
    pub charity_id: String,
    pub charity_name: String,
    pub form: SupplyForm,
    pub title: String,
    pub unit: String,
    pub total: i64,
    pub remaining: i64,
    pub per_household_cap: Option<i64>,
    pub need_kinds: Vec<HelpKind>,
    pub categories: Vec<Category>,
    pub regions: Vec<RegionCode>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub updated_at: Millis,
}

#[derive(Clone, Debug)]
pub struct NewNeed {
    pub id: String,
    pub household_id: String,
    pub source: NeedSource,
    /// The warning or application it came from; a need is recorded once per (household,
    /// source, reference, kind).
    pub source_ref: String,
    pub kind: HelpKind,
    pub form: SupplyForm,
    pub amount: i64,
    pub urgency: i64,
    /// The household's township: the finest place a charity sees.
    pub township: RegionCode,
    /// The household's category when the need was raised (`None`: none yet).
    pub category: Option<Category>,
    /// The chain kind that covers it, if any does.
    pub covering_aid: Option<AidKind>,
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
    pub source: NeedSource,
    pub kind: HelpKind,
    pub form: SupplyForm,
    pub amount: i64,
    /// Units held by live matches (proposed, accepted, delivered).
    pub committed: i64,
    pub delivered: i64,
    pub urgency: i64,
    pub township: RegionCode,
    pub category: Option<Category>,
    pub state: NeedState,
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
    /// `Proposed` (a caseworker's) or `Accepted` (a charity committing itself).
    pub state: MatchState,
    /// A caseworker's region: the need must lie in it.
    pub region: Option<RegionCode>,
    /// A charity committing itself: the resource must be its own.
    pub charity_id: Option<String>,
    pub actor_id: String,
    pub today: chrono::NaiveDate,
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
    pub state: MatchState,
    pub note: String,
    pub need_kind: HelpKind,
    pub form: SupplyForm,
    pub unit: String,
    pub township: RegionCode,
    pub resource_title: String,
    /// The proof of delivery file (content hash, type), if one was uploaded.
    pub proof: Option<(String, String)>,
    /// A caseworker of the household's region confirmed it (their own proposal, or a
    /// charity's commitment they checked): only then does the charity see the contact.
    pub confirmed: bool,
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
    /// An administrator verifies or rejects a pending organisation (`to`: `Verified` or
    /// `Rejected`), or revokes a verified one (`Revoked`); `Conflict("charity_state")` when it
    /// is not in the state that step starts from.
    async fn decide_charity(
        &self,
        id: &str,
        to: CharityStatus,
        note: &str,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    async fn add_resource(&self, r: NewResource) -> Result<(), DbError>;
    /// Resources of one charity, or (None) of every verified charity still valid on `today`.
    async fn resources(
        &self,
        charity_id: Option<&str>,
        today: chrono::NaiveDate,
    ) -> Result<Vec<ResourceRecord>, DbError>;

    /// Records a need once; false when the same need (household, source, reference, kind) exists.
    async fn add_need(&self, n: NewNeed) -> Result<bool, DbError>;
    /// Needs of households in a region; `open_only`: open needs with units not yet committed.
    async fn needs(
        &self,
        region: &RegionCode,
        open_only: bool,
        today: chrono::NaiveDate,
    ) -> Result<Vec<NeedRecord>, DbError>;
    async fn needs_of(
        &self,
        household_id: &str,
        today: chrono::NaiveDate,
    ) -> Result<Vec<NeedRecord>, DbError>;
    /// Closes an open need (done by others, no longer needed, duplicate); its proposed and
    /// accepted matches close with it and their units return to their resources.
    async fn close_need(
        &self,
        id: &str,
        region: &RegionCode,
        state: NeedState,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Reserves `units` of the need and of the resource in one transaction. Refusals:
    /// `need_taken` (the need is closed, lacks consent or has fewer uncommitted units),
    /// `resource_short` (remaining, validity, fit), `household_cap`, and for a charity's own
    /// commitment `below_minimum`: it must take all the need still lacks, or all its resource
    /// can give the household. Nothing changes then. A caseworker's proposal is confirmed by
    /// its author; a charity's commitment waits for `confirm_match`.
    async fn add_match(&self, m: NewMatch) -> Result<(), DbError>;
    /// A caseworker of the household's region confirms a charity's accepted or delivered
    /// commitment; `NotFound` outside the region, when unknown or already confirmed.
    async fn confirm_match(
        &self,
        id: &str,
        region: &RegionCode,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;
    async fn matches(&self, q: MatchQuery) -> Result<Vec<MatchRecord>, DbError>;
    async fn match_record(&self, id: &str) -> Result<Option<MatchRecord>, DbError>;
    /// Moves a match of the charity from `from` to `to`; units return when `to` does not hold
    /// them. `Conflict("match_state")` when it is no longer in `from`.
    async fn move_match(
        &self,
        id: &str,
        charity_id: &str,
        from: &[MatchState],
        to: MatchState,
        note: &str,
        now: Millis,
    ) -> Result<MatchRecord, DbError>;
    /// Attaches a proof file (already in the blob store) to an accepted or delivered match of
    /// the charity; `Conflict("match_state")` in any other state.
    async fn attach_match_proof(
        &self,
        id: &str,
        charity_id: &str,
        content_hash: &str,
        mime: &str,
        now: Millis,
    ) -> Result<(), DbError>;
    /// Records delivery: the match becomes `delivered`, the aid joins the household's chain, and
    /// the need is met once every unit is delivered — all or nothing.
    #[expect(
        clippy::too_many_arguments,
        reason = "one transaction's whole input: the match, its charity, and the aid it adds to the chain"
    )]
    async fn deliver_match(
        &self,
        id: &str,
        charity_id: &str,
        note: &str,
        aid_id: &str,
        aid: crate::domain::chain::NewAid,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;
}
