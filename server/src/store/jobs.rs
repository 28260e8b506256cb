//! Background work: queued items claimed by one worker at a time under a lease.

use super::dialect::{code, query, Row};
use super::SqlStore;
use app::domain::cycle::WorkKind;
use app::store::*;

#[derive(sqlx::FromRow)]
struct WorkRow {
    id: i64,
    kind: String,
    subject: String,
    payload: String,
    run_at: Millis,
    attempts: i64,
}

impl TryFrom<WorkRow> for WorkItem {
    type Error = DbError;
    fn try_from(r: WorkRow) -> Result<Self, DbError> {
        Ok(WorkItem {
            id: r.id,
            kind: code("kind", &r.kind)?,
            subject: r.subject,
            payload: r.payload,
            run_at: r.run_at,
            attempts: r.attempts,
        })
    }
}

#[async_trait::async_trait]
impl JobStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn claim_periodic(
        &self,
        name: &str,
        now: Millis,
        every_ms: i64,
    ) -> Result<bool, DbError> {
        // One statement: of two processes claiming at once, one updates and the other finds
        // the period taken (PostgreSQL locks the row; SQLite has one writer).
        let r = query(
            "INSERT INTO periodic_runs (name, last_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET last_at = excluded.last_at \
             WHERE periodic_runs.last_at <= $3",
        )
        .bind(name)
        .bind(now)
        .bind(now.saturating_sub(every_ms))
        .execute(&self.db)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn release_periodic(&self, name: &str) -> Result<(), DbError> {
        query("DELETE FROM periodic_runs WHERE name = $1")
            .bind(name)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn enqueue_work(
        &self,
        kind: WorkKind,
        subject: &str,
        payload: &str,
        run_at: Millis,
    ) -> Result<bool, DbError> {
        let r = query(
            "INSERT INTO work_items (kind, subject, payload, run_at) VALUES ($1, $2, $3, $4) ON \
                CONFLICT (kind, subject, run_at) DO NOTHING",
        )
        .bind(kind.code())
        .bind(subject)
        .bind(payload)
        .bind(run_at)
        .execute(&self.db)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn claim_work(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<WorkItem>, DbError> {
        // The kinds this version knows, inlined: codes are `[a-z_]` only (`coded!`).
        let kinds: Vec<String> = WorkKind::ALL
            .iter()
            .map(|k| format!("'{}'", k.code()))
            .collect();
        let rows = query(&format!(
            "UPDATE work_items SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM work_items WHERE done_at IS NULL AND run_at <= $3 \
               AND (claimed_until IS NULL OR claimed_until < $3) AND kind IN ({}) \
               ORDER BY run_at, id LIMIT $4 {}) \
             RETURNING id, kind, subject, payload, run_at, attempts",
            kinds.join(", "),
            self.db.dialect().skip_locked()
        ))
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        let mut out = rows
            .iter()
            .map(Row::to::<WorkRow, _>)
            .collect::<Result<Vec<WorkItem>, DbError>>()?;
        out.sort_by_key(|w| (w.run_at, w.id));
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn finish_work(
        &self,
        id: i64,
        worker: &str,
        error: Option<&str>,
        now: Millis,
        retry_at: Millis,
    ) -> Result<(), DbError> {
        let q = match error {
            None => query(
                "UPDATE work_items SET done_at = $1, claimed_by = NULL, claimed_until = \
                NULL WHERE id = $2 AND claimed_by = $3",
            )
            .bind(now)
            .bind(id)
            .bind(worker),
            // Released, and not claimable again before `retry_at`.
            Some(e) => query(
                "UPDATE work_items SET claimed_by = NULL, claimed_until = $1, \
                last_error = $4 WHERE id = $2 AND claimed_by = $3",
            )
            .bind(retry_at)
            .bind(id)
            .bind(worker)
            .bind(e),
        };
        q.execute(&self.db).await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn work_queue(&self, now: Millis) -> Result<(i64, Option<Millis>), DbError> {
        let r = query(
            "SELECT count(*), min(run_at) FROM work_items WHERE done_at IS NULL AND run_at <= $1",
        )
        .bind(now)
        .fetch_one(&self.db)
        .await?;
        Ok((r.get(0)?, r.get(1)?))
    }

    #[tracing::instrument(skip_all)]
    async fn release_work(&self, worker: &str) -> Result<u64, DbError> {
        let r = query(
            "UPDATE work_items SET claimed_by = NULL, claimed_until = NULL, \
             attempts = attempts - 1 WHERE claimed_by = $1 AND done_at IS NULL",
        )
        .bind(worker)
        .execute(&self.db)
        .await?;
        Ok(r.rows_affected())
    }

    #[tracing::instrument(skip_all, fields(n = hashes.len()))]
    async fn blobs_in_use(
        &self,
        hashes: &[String],
    ) -> Result<std::collections::HashSet<String>, DbError> {
        let mut used = std::collections::HashSet::new();
        for chunk in hashes.chunks(200) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT content_hash FROM attachments WHERE content_hash IN ({list}) \
                 UNION SELECT content_hash FROM visit_files WHERE content_hash IN ({list}) \
                 UNION SELECT file_hash FROM imports WHERE file_hash IN ({list}) \
                 UNION SELECT proof_hash FROM charity_matches WHERE proof_hash IN ({list})"
            );
            let mut q = query(&sql);
            for h in chunk {
                q = q.bind(h.as_str());
            }
            for row in q.fetch_all(&self.db).await? {
                used.insert(row.get::<String, _>(0)?);
            }
        }
        Ok(used)
    }
}
