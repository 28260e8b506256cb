//! 政策宣传与政务公开: the public telephone numbers (dated, approved like parameters) and finding
//! villages by name for the public notice.

use super::*;
pub use crate::domain::publicity::{ContactKind, ContactRow};

/// A number to add (waiting for a security administrator's approval unless `approved`).
#[derive(Clone, Debug)]
pub struct NewContact {
    pub region: RegionCode,
    pub kind: ContactKind,
    pub number: String,
    pub effective_from: NaiveDate,
    pub source: String,
    pub example: bool,
    pub approved: bool,
    pub created_by: String,
    pub now: Millis,
}

#[async_trait]
pub trait PublicityStore: Send + Sync {
    /// Every stored number, oldest first.
    async fn public_contacts(&self) -> Result<Vec<ContactRow>, DbError>;

    async fn add_public_contact(&self, c: NewContact) -> Result<i64, DbError>;

    /// Approves (`approve`) or refuses (withdraws) a number waiting for approval, not entered by
    /// `actor_id`, whose date is not past: `NotFound` when there is none,
    /// `Conflict("param_own")` for one's own, `Conflict("param_not_pending")` otherwise.
    async fn decide_public_contact(
        &self,
        id: i64,
        approve: bool,
        actor_id: &str,
        today: NaiveDate,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Regions below `within` (any depth) whose Chinese name contains `text`, by code, at most
    /// `limit`.
    async fn regions_named(
        &self,
        within: &RegionCode,
        text: &str,
        limit: i64,
    ) -> Result<Vec<Region>, DbError>;
}
