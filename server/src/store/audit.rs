//! The audit trail, and whether the database answers at all.

use super::dialect::query;
use super::SqlStore;
use app::domain::audit::AuditEntry;
use app::store::*;

#[derive(sqlx::FromRow)]
struct AuditRow {
    actor_id: Option<String>,
    action: String,
    object: String,
    result: String,
    at: Millis,
    client: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            actor_id: r.actor_id,
            action: r.action,
            object: r.object,
            result: r.result,
            at: r.at,
            client: r.client,
        }
    }
}

#[async_trait::async_trait]
impl AuditStore for SqlStore {
    #[tracing::instrument(skip(self))]
    async fn ping(&self) -> Result<(), DbError> {
        query("SELECT 1").execute(&self.db).await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn audit(&self, e: AuditEntry) -> Result<(), DbError> {
        query(
            "INSERT INTO audit_log (actor_id, action, object, result, at, client) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&e.actor_id)
        .bind(&e.action)
        .bind(&e.object)
        .bind(&e.result)
        .bind(e.at)
        .bind(&e.client)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        let rows = query(
            "SELECT actor_id, action, object, result, at, client FROM audit_log \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| Ok(r.decode::<AuditRow>()?.into()))
            .collect()
    }
}
