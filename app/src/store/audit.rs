//! The audit trail, and whether the database answers at all.

use super::*;

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Answers only when the database answers.
    async fn ping(&self) -> Result<(), DbError>;

    async fn audit(&self, entry: AuditEntry) -> Result<(), DbError>;

    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError>;

    /// Chains the records written before the chain existed (in the order they were written);
    /// returns how many. Run at start.
    async fn chain_audit_backlog(&self) -> Result<u64, DbError>;

    /// Recomputes the chain from its anchor to its head.
    async fn verify_audit(&self) -> Result<AuditVerdict, DbError>;

    /// Removes the records written before `before`, oldest first (a prefix of the chain, so
    /// what stays still verifies from the new anchor); returns how many.
    async fn purge_audit(&self, before: Millis) -> Result<u64, DbError>;
}

/// What `verify_audit` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditVerdict {
    /// Records checked (from the anchor to the head).
    pub checked: u64,
    /// The first record whose hash, place or predecessor does not match; `None` when the whole
    /// chain holds.
    pub first_broken: Option<i64>,
    /// The head's sequence number: records after the last one stored would have been removed.
    pub head_seq: i64,
    /// The anchor: the last record removed by the retention purge (0: none).
    pub anchor_seq: i64,
}
