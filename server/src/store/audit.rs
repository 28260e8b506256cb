//! The audit trail, and whether the database answers at all.
//!
//! The trail is a hash chain (MLPS-3 安全审计: records protected against alteration): each
//! record's `hash` is SHA-256 over the hash before it and the record's own fields, in order of
//! `seq`. `audit_head` holds the last `seq` and hash (updating it serialises appends, on both
//! databases) and the anchor the chain is verified from: the genesis, or the last record the
//! retention purge removed. An altered field, a removed or inserted record, or a cut-off tail
//! shows in `verify_audit`.

use super::dialect::{code, query, Dialect, Tx};
use super::SqlStore;
use app::domain::audit::{AuditEntry, AuditResult};
use app::store::*;
use sha2::{Digest, Sha256};

const COLUMNS: &str = "actor_id, action, object, result, at, client, role, purpose, seq";

#[derive(sqlx::FromRow)]
struct AuditRow {
    actor_id: Option<String>,
    action: String,
    object: String,
    result: String,
    at: Millis,
    client: Option<String>,
    role: Option<String>,
    purpose: Option<String>,
    seq: Option<i64>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = DbError;
    fn try_from(r: AuditRow) -> Result<Self, DbError> {
        Ok(AuditEntry {
            actor_id: r.actor_id,
            action: r.action,
            object: r.object,
            result: code("result", &r.result)?,
            at: r.at,
            client: r.client,
            role: r.role,
            purpose: r.purpose,
            seq: r.seq,
        })
    }
}

/// The hash of record `seq` after `prev`: every field, in a fixed order, as a JSON array (so
/// no field's text can pose as another's).
pub(crate) fn chain_hash(prev: &str, seq: i64, e: &AuditEntry) -> String {
    link_hash(
        prev,
        serde_json::json!([
            seq,
            e.actor_id,
            e.role,
            e.action,
            e.object,
            e.purpose,
            e.result.code(),
            e.at,
            e.client
        ]),
    )
}

/// `chain_hash` of a record as it is stored, its text as written (verification checks what
/// is there, whatever this version makes of it).
fn stored_hash(prev: &str, r: &AuditRow) -> String {
    link_hash(
        prev,
        serde_json::json!([
            r.seq.unwrap_or_default(),
            r.actor_id,
            r.role,
            r.action,
            r.object,
            r.purpose,
            r.result,
            r.at,
            r.client
        ]),
    )
}

fn link_hash(prev: &str, fields: serde_json::Value) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(fields.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Appends `e` to the chain inside `tx` (the caller's transaction, so a change and its record
/// commit together). The actor's role is read from the account.
pub(super) async fn append(tx: &mut Tx<'_>, e: AuditEntry) -> Result<(), DbError> {
    append_many(tx, vec![e]).await
}

/// Appends `entries`, in order, inside `tx`: their places in the chain taken at once (the head
/// moved by their number, holding it until `tx` ends), the roles of actors whose record does not
/// say read from their accounts in the same statement when there is one such actor (the usual
/// case: one record, or one person's), and the records written in one statement. On PostgreSQL,
/// where each statement is a round trip, a record costs four statements with the transaction's
/// own (it cost six, and four more for each further record of a batch).
pub(super) async fn append_many(
    tx: &mut Tx<'_>,
    mut entries: Vec<AuditEntry>,
) -> Result<(), DbError> {
    if entries.is_empty() {
        return Ok(());
    }
    let unknown: std::collections::BTreeSet<String> = entries
        .iter()
        .filter(|e| e.role.is_none())
        .filter_map(|e| e.actor_id.clone())
        .collect();
    let n = i64::try_from(entries.len()).map_err(|_| DbError::Other("too many records".into()))?;
    let mut roles: std::collections::HashMap<String, String> = Default::default();
    let (last, mut prev) = if unknown.len() == 1 {
        let actor = unknown.first().cloned().unwrap_or_default();
        let head = query(
            "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 \
             RETURNING seq, hash, (SELECT role FROM users WHERE id = $2)",
        )
        .bind(n)
        .bind(actor.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(role) = head.get::<Option<String>, _>(2)? {
            roles.insert(actor, role);
        }
        (head.get::<i64, _>(0)?, head.get::<String, _>(1)?)
    } else {
        if !unknown.is_empty() {
            let marks: Vec<String> = (1..=unknown.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, role FROM users WHERE id IN ({})",
                marks.join(", ")
            );
            let mut q = query(&sql);
            for actor in &unknown {
                q = q.bind(actor.as_str());
            }
            for r in q.fetch_all(&mut *tx).await? {
                roles.insert(r.get(0)?, r.get(1)?);
            }
        }
        let head = query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
            .bind(n)
            .fetch_one(&mut *tx)
            .await?;
        (head.get::<i64, _>(0)?, head.get::<String, _>(1)?)
    };
    let mut links = Vec::with_capacity(entries.len());
    for (e, seq) in entries.iter_mut().zip(last - n + 1..) {
        if e.role.is_none() {
            e.role = e.actor_id.as_ref().and_then(|a| roles.get(a).cloned());
        }
        prev = chain_hash(&prev, seq, e);
        links.push((seq, prev.clone()));
    }
    let rows: Vec<String> = (0..entries.len())
        .map(|i| {
            let marks: Vec<String> = (1..=10).map(|k| format!("${}", i * 10 + k)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let insert = format!(
        "INSERT INTO audit_log (actor_id, action, object, result, at, client, role, purpose, \
         seq, hash) VALUES {}",
        rows.join(", ")
    );
    let postgres = tx.dialect() == Dialect::Postgres;
    // The head's hash moves with the records: on PostgreSQL in the same statement.
    let hash_mark = entries.len() * 10 + 1;
    let sql = if postgres {
        format!("WITH head AS (UPDATE audit_head SET hash = ${hash_mark} WHERE id = 1) {insert}")
    } else {
        insert
    };
    let mut q = query(&sql);
    for (e, (seq, hash)) in entries.iter().zip(&links) {
        q = q
            .bind(e.actor_id.as_deref())
            .bind(e.action.as_str())
            .bind(e.object.as_str())
            .bind(e.result.code())
            .bind(e.at)
            .bind(e.client.as_deref())
            .bind(e.role.as_deref())
            .bind(e.purpose.as_deref())
            .bind(*seq)
            .bind(hash.as_str());
    }
    if postgres {
        q = q.bind(prev.as_str());
    }
    q.execute(&mut *tx).await?;
    if !postgres {
        query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(prev.as_str())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Audit records waiting for the writer. Every staff read writes one, and on a busy server
/// each in a transaction of its own queued for the one writer (SQLite) or the chain's head row
/// (both): under load the staff pages spent most of their time there. One writer task at a
/// time takes everything waiting and appends it in one transaction, up to `BATCH` records;
/// each caller still returns only once its own record is stored.
#[derive(Default)]
pub(crate) struct Batch {
    queue: std::sync::Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<(AuditEntry, Written)>,
    /// A writer task is running (and will look at `waiting` again before it stops).
    writing: bool,
}

/// Where a waiting record's caller hears how its write went.
type Written = tokio::sync::oneshot::Sender<Result<(), String>>;

/// Records per transaction at most.
const BATCH: usize = 256;

/// The writer task: writes what waits until nothing does.
async fn write_waiting(store: SqlStore) {
    let _unstuck = Unstuck(store.audits.clone());
    loop {
        let batch: Vec<_> = {
            let mut queue = store.audits.queue.lock().unwrap_or_else(|p| p.into_inner());
            if queue.waiting.is_empty() {
                queue.writing = false;
                return;
            }
            let n = queue.waiting.len().min(BATCH);
            queue.waiting.drain(..n).collect()
        };
        let entries: Vec<AuditEntry> = batch.iter().map(|(e, _)| e.clone()).collect();
        match append_all(&store, entries).await {
            Ok(()) => {
                for (_, done) in batch {
                    let _ = done.send(Ok(()));
                }
            }
            // One bad record must not cost the others theirs: each alone, with its own answer.
            Err(_) if batch.len() > 1 => {
                for (e, done) in batch {
                    let one = append_all(&store, vec![e]).await;
                    let _ = done.send(one.map_err(|e| e.to_string()));
                }
            }
            Err(e) => {
                for (_, done) in batch {
                    let _ = done.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// Should the writer task panic, the next record starts another, and the callers waiting are
/// told their record was not written (rather than waiting for good).
struct Unstuck(std::sync::Arc<Batch>);

impl Drop for Unstuck {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.writing = false;
            queue.waiting.clear();
        }
    }
}

async fn append_all(store: &SqlStore, entries: Vec<AuditEntry>) -> Result<(), DbError> {
    let mut tx = store.db.begin().await?;
    append_many(&mut tx, entries).await?;
    tx.commit().await
}

/// Takes the chain's next place inside `tx`: the head moves to it (holding the head until `tx`
/// ends) and the record's hash (`hash_of` the previous hash and the place) is returned with it.
async fn next_link(
    tx: &mut Tx<'_>,
    hash_of: impl FnOnce(&str, i64) -> String,
) -> Result<(i64, String), DbError> {
    let head = query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await?;
    let seq: i64 = head.get(0)?;
    let hash = hash_of(&head.get::<String, _>(1)?, seq);
    query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(hash.as_str())
        .execute(&mut *tx)
        .await?;
    Ok((seq, hash))
}

/// A record as the store wrote it, for `append` from inside another store method.
pub(super) fn entry(
    actor_id: &str,
    action: &str,
    object: &str,
    result: AuditResult,
    at: Millis,
) -> AuditEntry {
    AuditEntry {
        actor_id: Some(actor_id.into()),
        action: action.into(),
        object: object.into(),
        result,
        at,
        client: app::services::current_client().map(|ip| ip.to_string()),
        role: None,
        purpose: None,
        seq: None,
    }
}

/// How many records `verify_audit` reads at a time.
const VERIFY_PAGE: i64 = 5_000;

#[async_trait::async_trait]
impl AuditStore for SqlStore {
    #[tracing::instrument(skip(self))]
    async fn ping(&self) -> Result<(), DbError> {
        query("SELECT 1").execute(&self.db).await?;
        Ok(())
    }

    /// Written with whatever else is waiting, in one transaction (`Batch`); returns once this
    /// record is committed (and on SQLite flushed), as a record of its own would.
    #[tracing::instrument(skip_all)]
    async fn audit(&self, e: AuditEntry) -> Result<(), DbError> {
        let (done, written) = tokio::sync::oneshot::channel();
        let start_writer = {
            let mut queue = self.audits.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.waiting.push((e, done));
            !std::mem::replace(&mut queue.writing, true)
        };
        if start_writer {
            // A task of its own: a request given up while its record is written cannot take
            // the others' records down with it.
            tokio::spawn(write_waiting(self.clone()));
        }
        written
            .await
            .unwrap_or_else(|_| Err("the audit writer stopped".into()))
            .map_err(DbError::Other)
    }

    #[tracing::instrument(skip_all)]
    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        let rows = query(&format!(
            "SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| AuditEntry::try_from(r.decode::<AuditRow>()?))
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditLine>, DbError> {
        use super::dialect::{within, Arg};
        let mut conditions = vec!["a.seq IS NOT NULL".to_string()];
        let mut args: Vec<Arg> = Vec::new();
        let mut arg = |conditions: &mut Vec<String>, sql: &str, value: Arg<'static>| {
            args.push(value);
            conditions.push(sql.replace('?', &format!("${}", args.len())));
        };
        if let Some(region) = &q.region {
            if region.prefix().len() <= 2 {
                arg(
                    &mut conditions,
                    "(u.region_code LIKE ? OR u.region_code IS NULL)",
                    within(region).into(),
                );
            } else {
                arg(
                    &mut conditions,
                    "u.region_code LIKE ?",
                    within(region).into(),
                );
            }
        }
        if let Some(v) = &q.actor_login {
            arg(&mut conditions, "u.login = ?", v.clone().into());
        }
        if let Some(v) = &q.action {
            arg(&mut conditions, "a.action = ?", v.clone().into());
        }
        if let Some(v) = &q.object {
            let escaped = v
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            arg(
                &mut conditions,
                "a.object LIKE ? ESCAPE '\\'",
                format!("%{escaped}%").into(),
            );
        }
        if let Some(v) = &q.result {
            arg(&mut conditions, "a.result = ?", v.code().into());
        }
        if let Some(v) = q.from {
            arg(&mut conditions, "a.at >= ?", v.into());
        }
        if let Some(v) = q.until {
            arg(&mut conditions, "a.at < ?", v.into());
        }
        if let Some(v) = q.before_seq {
            arg(&mut conditions, "a.seq < ?", v.into());
        }
        args.push(q.limit.clamp(1, 10_000).into());
        let sql = format!(
            "SELECT a.actor_id, a.action, a.object, a.result, a.at, a.client, a.role, a.purpose, \
             a.seq, u.login AS actor_login FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
             WHERE {} ORDER BY a.seq DESC LIMIT ${}",
            conditions.join(" AND "),
            args.len()
        );
        let mut query = query(&sql);
        for a in args {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.db).await?;
        rows.iter()
            .map(|r| {
                Ok(AuditLine {
                    entry: AuditEntry::try_from(r.decode::<AuditRow>()?)?,
                    actor_login: r.get("actor_login")?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn chain_audit_backlog(&self) -> Result<u64, DbError> {
        let mut chained = 0;
        loop {
            let mut tx = self.db.begin().await?;
            // Holding the head: no append runs meanwhile.
            query("UPDATE audit_head SET seq = seq WHERE id = 1")
                .execute(&mut tx)
                .await?;
            let rows = query(&format!(
                "SELECT id, {COLUMNS} FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT $1"
            ))
            .bind(VERIFY_PAGE)
            .fetch_all(&mut tx)
            .await?;
            if rows.is_empty() {
                tx.rollback().await?;
                return Ok(chained);
            }
            for r in &rows {
                let id: i64 = r.get(0)?;
                // Chained as stored, whatever this version makes of its text.
                let mut row: AuditRow = r.decode()?;
                let (seq, hash) = next_link(&mut tx, |prev, seq| {
                    row.seq = Some(seq);
                    stored_hash(prev, &row)
                })
                .await?;
                query("UPDATE audit_log SET seq = $1, hash = $2 WHERE id = $3")
                    .bind(seq)
                    .bind(hash.as_str())
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
            }
            chained += rows.len() as u64;
            tx.commit().await?;
        }
    }

    #[tracing::instrument(skip_all)]
    async fn verify_audit(&self) -> Result<AuditVerdict, DbError> {
        let head = query("SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.db)
            .await?;
        let (head_seq, head_hash): (i64, String) = (head.get(0)?, head.get(1)?);
        let anchor_seq: i64 = head.get(2)?;
        let (mut last_seq, mut last_hash): (i64, String) = (anchor_seq, head.get(3)?);
        let mut checked = 0u64;
        let broken = |checked, seq| {
            Ok(AuditVerdict {
                checked,
                first_broken: Some(seq),
                head_seq,
                anchor_seq,
            })
        };
        loop {
            let rows = query(&format!(
                "SELECT hash, {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(last_seq)
            .bind(VERIFY_PAGE)
            .fetch_all(&self.db)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let stored: Option<String> = r.get(0)?;
                let row: AuditRow = r.decode()?;
                let seq = row.seq.unwrap_or_default();
                if seq != last_seq + 1 || stored.as_deref() != Some(&stored_hash(&last_hash, &row))
                {
                    return broken(checked, last_seq + 1);
                }
                (last_seq, last_hash) = (seq, stored.unwrap_or_default());
                checked += 1;
            }
        }
        // Records after the anchor that were never chained (written by an older version and not
        // yet chained at start) or a tail cut off: the head says where the chain ends.
        if last_seq != head_seq || last_hash != head_hash {
            return broken(checked, last_seq + 1);
        }
        let outside: i64 = query("SELECT COUNT(*) FROM audit_log WHERE seq IS NULL")
            .fetch_one(&self.db)
            .await?
            .get(0)?;
        if outside > 0 {
            return broken(checked, head_seq + 1);
        }
        Ok(AuditVerdict {
            checked,
            first_broken: None,
            head_seq,
            anchor_seq,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn purge_audit(&self, before: Millis) -> Result<u64, DbError> {
        let mut tx = self.db.begin().await?;
        query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut tx)
            .await?;
        // The chain's prefix written before `before`: up to the first record that is younger
        // (a later record with an earlier time, after a clock step, waits for its turn).
        let keep_from = query("SELECT MIN(seq) FROM audit_log WHERE at >= $1 AND seq IS NOT NULL")
            .bind(before)
            .fetch_one(&mut tx)
            .await?
            .get::<Option<i64>, _>(0)?;
        let last = match keep_from {
            Some(s) => Some(s - 1),
            None => query("SELECT MAX(seq) FROM audit_log")
                .fetch_one(&mut tx)
                .await?
                .get::<Option<i64>, _>(0)?,
        };
        let Some(last) = last else {
            tx.rollback().await?;
            return Ok(0);
        };
        let anchor = query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(last)
            .fetch_optional(&mut tx)
            .await?;
        let Some(anchor) = anchor else {
            // Nothing old enough (or already purged up to here).
            tx.rollback().await?;
            return Ok(0);
        };
        let anchor_hash: Option<String> = anchor.get(0)?;
        let removed = query("DELETE FROM audit_log WHERE seq <= $1")
            .bind(last)
            .execute(&mut tx)
            .await?
            .rows_affected();
        query("UPDATE audit_head SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1")
            .bind(last)
            .bind(anchor_hash.unwrap_or_default())
            .execute(&mut tx)
            .await?;
        append(
            &mut tx,
            AuditEntry {
                actor_id: None,
                action: "audit_purged".into(),
                object: format!("..={last}"),
                result: AuditResult::Ok,
                at: app::services::now_millis(),
                client: None,
                role: None,
                purpose: None,
                seq: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }
}
