//! The review queue, decisions, public notice, objections and finalisation.

use super::*;
use crate::domain::policy::assess::{Category, CategorySet};

/// A page of the review queue: the caller's region (or a township in it), oldest first, after
/// a keyset cursor.
#[derive(Clone, Debug)]
pub struct QueueQuery {
    pub region: RegionCode,
    pub statuses: Vec<ApplicationStatus>,
    pub help: Option<crate::domain::declaration::HelpKind>,
    /// Only applications submitted at or before this time (waiting at least N days).
    pub submitted_before: Option<Millis>,
    /// Continue after this (submitted_at, number).
    pub after: Option<(Millis, String)>,
    /// `today`: every row counts the household's warnings due by then (open
    /// tasks: overdue referrals, documents owed, reviews and taper ends).
    pub today: chrono::NaiveDate,
    /// Only cases whose household has such warnings.
    pub with_warnings: bool,
    pub limit: i64,
}

impl QueueQuery {
    /// Every application in `region`'s subtree, whatever its status, counting what is due by
    /// `today`, up to `limit`.
    pub fn within(region: RegionCode, today: chrono::NaiveDate, limit: i64) -> Self {
        QueueQuery {
            region,
            statuses: Vec::new(),
            help: None,
            submitted_before: None,
            after: None,
            today,
            with_warnings: false,
            limit,
        }
    }
}

#[derive(Clone, Debug)]
pub struct QueueRecord {
    pub number: String,
    pub status: ApplicationStatus,
    pub region_code: RegionCode,
    pub submitted_at: Millis,
    pub updated_at: Millis,
    pub help: Vec<crate::domain::declaration::HelpKind>,
    /// The categories of the latest assessment.
    pub categories: CategorySet,
    /// Open tasks of the household due by today.
    pub warnings: i64,
}

#[derive(Clone, Debug)]
pub struct DecisionRecord {
    pub category: Category,
    pub monthly_amount: Money,
    pub proposed_category: Option<Category>,
    pub proposed_amount: Option<Money>,
    pub adjustment_reason: String,
    pub effective_from: chrono::NaiveDate,
    /// The last day of the public notice.
    pub notice_until: chrono::NaiveDate,
    pub decided_by: String,
    pub decided_at: Millis,
}

/// An application under public notice: what the notice may show is chosen by the caller.
#[derive(Clone, Debug)]
pub struct NoticeRecord {
    pub number: String,
    pub region_code: RegionCode,
    pub declaration_json: String,
    pub decision: DecisionRecord,
}

#[async_trait]
pub trait CaseworkStore: Send + Sync {
    async fn review_queue(&self, q: QueueQuery) -> Result<Vec<QueueRecord>, DbError>;

    /// Records a decision and opens the public notice: `Visiting`/`Reviewing` → `Publicising`.
    async fn decide(&self, number: &str, d: DecisionRecord, now: Millis) -> Result<(), DbError>;

    async fn latest_decision(&self, number: &str) -> Result<Option<DecisionRecord>, DbError>;

    /// An objection raised during the notice; `Conflict("status")` outside it.
    async fn record_objection(
        &self,
        number: &str,
        text: &str,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    /// (text, at) of the objections to an application, oldest first.
    async fn objections(&self, number: &str) -> Result<Vec<(String, Millis)>, DbError>;

    /// Ends the notice: `Publicising` → `Approved` once `today` is after the notice's last day;
    /// `Conflict("notice_running")` before. Basic living aid decided for the household starts
    /// its assistance chain in the same transaction.
    async fn finalize(
        &self,
        number: &str,
        actor_id: &str,
        note: &str,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<(), DbError>;

    /// Notices in a region's subtree, or (None) everywhere.
    async fn public_notices(
        &self,
        region: Option<&RegionCode>,
        today: chrono::NaiveDate,
    ) -> Result<Vec<NoticeRecord>, DbError>;
}
