//! What every server process on one database shares: requests a minute per counter, and the
//! progress of running imports (`app::store::SharedStore`).

use super::dialect::query;
use super::SqlStore;
use app::store::*;

/// Counts one call for `key` in `minute` in `table` (`column` the key's, then `minute`, `calls`),
/// forgetting the key's minutes before `forget_before`; returns the minute's count so far. One
/// statement each way, whichever process calls: the count every process behind a load
/// balancer shares (sign-in requests per address, a connected system's calls).
pub(super) async fn count_in_minute(
    db: &super::dialect::Db,
    table: &'static str,
    column: &'static str,
    key: &str,
    minute: i64,
    forget_before: i64,
) -> Result<i64, DbError> {
    query(&format!(
        "DELETE FROM {table} WHERE {column} = $1 AND minute < $2"
    ))
    .bind(key)
    .bind(forget_before)
    .execute(db)
    .await?;
    query(&format!(
        "INSERT INTO {table} ({column}, minute, calls) VALUES ($1, $2, 1) \
         ON CONFLICT ({column}, minute) DO UPDATE SET calls = {table}.calls + 1 \
         RETURNING calls"
    ))
    .bind(key)
    .bind(minute)
    .fetch_one(db)
    .await?
    .get("calls")
}

#[async_trait::async_trait]
impl SharedStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn count_request(&self, counter: &str, minute: i64) -> Result<i64, DbError> {
        count_in_minute(
            &self.db,
            "request_counts",
            "counter",
            counter,
            minute,
            minute,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn set_import_run(&self, r: &ImportRun) -> Result<(), DbError> {
        query(
            "INSERT INTO import_runs (user_id, run, total_bytes, read_bytes, rows, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, run) DO UPDATE SET \
             total_bytes = $3, read_bytes = $4, rows = $5, updated_at = $6",
        )
        .bind(&r.user_id)
        .bind(&r.run)
        .bind(r.total_bytes)
        .bind(r.read_bytes)
        .bind(r.rows)
        .bind(r.updated_at)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn import_run(
        &self,
        user_id: &str,
        run: &str,
        fresh_since: Millis,
    ) -> Result<Option<ImportRun>, DbError> {
        let row = query(
            "SELECT total_bytes, read_bytes, rows, updated_at FROM import_runs \
             WHERE user_id = $1 AND run = $2 AND updated_at >= $3",
        )
        .bind(user_id)
        .bind(run)
        .bind(fresh_since)
        .fetch_optional(&self.db)
        .await?;
        row.map(|r| {
            Ok(ImportRun {
                user_id: user_id.to_string(),
                run: run.to_string(),
                total_bytes: r.get("total_bytes")?,
                read_bytes: r.get("read_bytes")?,
                rows: r.get("rows")?,
                updated_at: r.get("updated_at")?,
            })
        })
        .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn end_import_run(&self, user_id: &str, run: &str) -> Result<(), DbError> {
        query("DELETE FROM import_runs WHERE user_id = $1 AND run = $2")
            .bind(user_id)
            .bind(run)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn purge_shared(&self, minute: i64, stale_before: Millis) -> Result<u64, DbError> {
        let counts = query("DELETE FROM request_counts WHERE minute < $1")
            .bind(minute)
            .execute(&self.db)
            .await?
            .rows_affected();
        let runs = query("DELETE FROM import_runs WHERE updated_at < $1")
            .bind(stale_before)
            .execute(&self.db)
            .await?
            .rows_affected();
        Ok(counts + runs)
    }
}
