//! The audit trail, and whether the database answers at all.

use super::*;

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Answers only when the database answers.
    async fn ping(&self) -> Result<(), DbError>;

    async fn audit(&self, entry: AuditEntry) -> Result<(), DbError>;

    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError>;
}
