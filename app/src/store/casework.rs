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
    /// The application's id: the public's reference to a notice (an objection names it); random,
    /// so it tells nothing and leads nowhere without staff's rights.
    pub application_id: String,
    pub number: String,
    pub region_code: RegionCode,
    pub declaration_json: String,
    pub decision: DecisionRecord,
}

/// A person an application declares who is already somewhere else: shown to the accepting
/// caseworker side by side, never merged silently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberConflict {
    pub id_number: IdNumber,
    /// The household file the person is in (id, region), unless it is the one this
    /// application's head heads in the application's own village (accepting would otherwise
    /// add the person to a file they are not in, or move a file).
    pub household: Option<(String, RegionCode)>,
    /// Another accepted, still open application naming the person (number, region).
    pub open_application: Option<(String, RegionCode)>,
}

#[async_trait]
pub trait CaseworkStore: Send + Sync {
    async fn review_queue(&self, q: QueueQuery) -> Result<Vec<QueueRecord>, DbError>;

    /// 受理: `Submitted` → `Accepted`, and only now the declaration reaches the household file:
    /// the head's household is found or opened (and filed under the application's region), its
    /// declared income kept, declared persons in no household join it (persons in another
    /// household stay there: `member_conflicts`), and the members are held in this open
    /// application. Refusals: `status`; `head_unconfirmed` (the account's head changed and
    /// `confirm_head` is not given); `members_in_open_application` (a member is in another
    /// accepted open application). Nothing changes then.
    async fn accept_application(
        &self,
        number: &str,
        actor_id: &str,
        confirm_head: bool,
        now: Millis,
    ) -> Result<(), DbError>;

    /// The declared persons of an application who are in another household's file (or in a file
    /// acceptance would move) or in another accepted open application.
    async fn member_conflicts(&self, number: &str) -> Result<Vec<MemberConflict>, DbError>;

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

    /// Notices in a region's subtree, or (None) everywhere, by village and number: at most
    /// `limit` after the first `offset`.
    async fn public_notices(
        &self,
        region: Option<&RegionCode>,
        today: chrono::NaiveDate,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<NoticeRecord>, DbError>;
}
