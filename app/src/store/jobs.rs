//! Background work: queued items claimed by one worker at a time under a lease.

use super::*;
use crate::domain::cycle::WorkKind;

/// A unit of background work, claimed by one worker at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkItem {
    pub id: i64,
    pub kind: WorkKind,
    pub subject: String,
    pub payload: String,
    pub run_at: Millis,
    pub attempts: i64,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Schedules work unless the same (kind, subject, run_at) is scheduled (`false` then).
    async fn enqueue_work(
        &self,
        kind: WorkKind,
        subject: &str,
        payload: &str,
        run_at: Millis,
    ) -> Result<bool, DbError>;

    /// Claims up to `limit` due items of the kinds this version knows (a newer version's kinds
    /// stay for its workers) for `worker` until `now + lease_ms`. An item claimed by a
    /// worker that died is claimed again once its lease ends. Never hands one item to two
    /// workers at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer).
    async fn claim_work(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<WorkItem>, DbError>;

    /// Marks an item done, or (with an error) releases it to be retried at `retry_at`.
    async fn finish_work(
        &self,
        id: i64,
        worker: &str,
        error: Option<&str>,
        now: Millis,
        retry_at: Millis,
    ) -> Result<(), DbError>;

    /// The items due by `now` and not done, and the oldest one's due time (for `/metrics`).
    async fn work_queue(&self, now: Millis) -> Result<(i64, Option<Millis>), DbError>;

    /// Gives back every item `worker` holds and has not finished (a process stopping cleanly):
    /// claimable again at once, the claim not counted as an attempt. Returns how many.
    async fn release_work(&self, worker: &str) -> Result<u64, DbError>;

    /// Claims the periodic chore `name` for this period: `true` for the one caller that finds
    /// it last run `every_ms` or more before `now` (or never), which runs it; `false` for the
    /// others (another process ran it this period).
    async fn claim_periodic(&self, name: &str, now: Millis, every_ms: i64)
        -> Result<bool, DbError>;

    /// Gives back the period of the chore `name` (it failed): the next process to ask, this
    /// one included, runs it.
    async fn release_periodic(&self, name: &str) -> Result<(), DbError>;

    /// Which of `hashes` a stored row still names (an attachment, a visit's photo or
    /// signature, an import's file, a charity's proof of delivery): the blob sweep removes
    /// the others.
    async fn blobs_in_use(
        &self,
        hashes: &[String],
    ) -> Result<std::collections::HashSet<String>, DbError>;
}
