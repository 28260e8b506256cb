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

    /// The audit administrator's search, newest first: records whose actor works in
    /// `q.region` (and, for a province or wider, records without a regional actor: residents,
    /// charities, background jobs).
    async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditLine>, DbError>;
}

/// What the audit page asks for; every filter is optional.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub region: Option<crate::domain::region::RegionCode>,
    pub actor_login: Option<String>,
    pub action: Option<String>,
    /// A part of the object (an application number, a household id).
    pub object: Option<String>,
    pub result: Option<crate::domain::audit::AuditResult>,
    pub from: Option<Millis>,
    pub until: Option<Millis>,
    /// Records before this place in the chain (the next page).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// A record with its actor's user name.
#[derive(Clone, Debug)]
pub struct AuditLine {
    pub entry: AuditEntry,
    pub actor_login: Option<String>,
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
