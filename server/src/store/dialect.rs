//! Where SQLite and PostgreSQL differ, gathered in one place. The store's SQL is written once
//! (`$n` placeholders and `RETURNING` work in both); this module runs it on whichever backend is
//! open, choosing at run time rather than through generics or macros, so every store module is
//! plain Rust that rustfmt, the compiler's messages and code navigation all reach.
//!
//! `query(sql).bind(x).execute(&db)` reads as sqlx does: arguments are kept with their type
//! (a NULL stays a typed NULL for PostgreSQL) and bound when the backend is known. Rows decode
//! any type both backends decode, and a bad stored value is an error (`Row::get`).

use app::domain::declaration::HelpKind;
use app::domain::id_number::IdNumber;
use app::domain::money::Money;
use app::domain::policy::assess::CategorySet;
use app::domain::region::RegionCode;
use app::domain::Coded;
use app::store::DbError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{
    ColumnIndex, Decode, FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection,
    SqlitePool, Type,
};
use std::borrow::Cow;
use std::sync::Arc;

use super::wal_sync::WalSync;

use super::db_err;

/// The open database: a pool of either backend.
#[derive(Clone, Debug)]
pub enum Db {
    /// The pool, the group flusher its commits wait for (`super::wal_sync`), and the
    /// connections kept for statements run on the caller's thread (`HereConns`).
    Sqlite(SqlitePool, Arc<WalSync>, Arc<HereConns>),
    Postgres(PgPool),
}

/// Which SQL a backend speaks, where the two differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// What a claiming `SELECT` appends so that concurrent workers skip each other's rows
    /// (SQLite has one writer at a time and needs nothing).
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        }
    }

    /// The China (UTC+8) month, `YYYY-MM`, of a column of milliseconds since the epoch.
    pub fn month_of_millis(self, column: &str) -> String {
        match self {
            Dialect::Postgres => format!(
                "to_char(to_timestamp(({column} + 28800000) / 1000.0) AT TIME ZONE 'UTC', \
                 'YYYY-MM')"
            ),
            Dialect::Sqlite => {
                format!("strftime('%Y-%m', ({column} + 28800000) / 1000, 'unixepoch')")
            }
        }
    }

    /// The China (UTC+8) day, `YYYY-MM-DD`, of a column of milliseconds since the epoch.
    pub fn date_of_millis(self, column: &str) -> String {
        match self {
            Dialect::Postgres => format!(
                "to_char(to_timestamp(({column} + 28800000) / 1000.0) AT TIME ZONE 'UTC', \
                 'YYYY-MM-DD')"
            ),
            Dialect::Sqlite => {
                format!("strftime('%Y-%m-%d', ({column} + 28800000) / 1000, 'unixepoch')")
            }
        }
    }

    /// The rows of a JSON array bound as `$1`, one row per element (`r`).
    pub fn json_rows(self) -> &'static str {
        match self {
            Dialect::Postgres => "jsonb_array_elements(CAST($1 AS jsonb)) AS r",
            Dialect::Sqlite => "json_each($1) AS r",
        }
    }

    /// The strings of a JSON array bound as `$1`, one row per element, as `r.value`.
    pub fn json_strings(self) -> &'static str {
        match self {
            Dialect::Postgres => "jsonb_array_elements_text(CAST($1 AS jsonb)) AS r(value)",
            Dialect::Sqlite => "json_each($1) AS r",
        }
    }

    /// Element `i` of a `json_rows` row, as text or as a (nullable) integer.
    pub fn json_field(self, i: usize, integer: bool) -> String {
        match (self, integer) {
            (Dialect::Postgres, false) => format!("(r ->> {i})"),
            (Dialect::Postgres, true) => format!("CAST(r ->> {i} AS BIGINT)"),
            (Dialect::Sqlite, _) => format!("(r.value ->> {i})"),
        }
    }

    /// Settings for the connection an import runs on, and the statements that restore them:
    /// SQLite gets a 64 MB page cache (KiB when negative) for the database and 16 MB for its
    /// stage, which holds every matched row of the file until it is stored (`import_on`): past
    /// that it goes to a temporary file, so memory stays bounded whatever the file's size.
    /// PostgreSQL needs none.
    pub fn import_settings(self) -> (&'static [&'static str], &'static str) {
        match self {
            Dialect::Sqlite => (
                &[
                    "PRAGMA cache_size = -65536",
                    "PRAGMA temp_store = FILE",
                    "PRAGMA temp.cache_size = -16384",
                ],
                "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; PRAGMA temp.cache_size = -2000",
            ),
            Dialect::Postgres => (&[], ""),
        }
    }

    /// Per-transaction tables of an import: the households it touches, and the stages of a
    /// batch of medical rows, or of department events, of persons in the database.
    pub fn import_temp_tables(self) -> &'static [&'static str] {
        match self {
            Dialect::Postgres => &[
                "CREATE TEMP TABLE import_touched (household_id TEXT) ON COMMIT DROP",
                "CREATE TEMP TABLE import_stage (id_number TEXT, settled_on TEXT, total BIGINT, \
                 out_of_pocket BIGINT, household_id TEXT) ON COMMIT DROP",
                "CREATE TEMP TABLE import_event_stage (record_key TEXT, id_number TEXT, record \
                 TEXT) ON COMMIT DROP",
            ],
            Dialect::Sqlite => &[
                "DROP TABLE IF EXISTS temp.import_touched",
                "CREATE TEMP TABLE import_touched (household_id TEXT PRIMARY KEY) WITHOUT ROWID",
                "DROP TABLE IF EXISTS temp.import_stage",
                "CREATE TEMP TABLE import_stage (id_number TEXT, settled_on TEXT, total INTEGER, \
                 out_of_pocket INTEGER, household_id TEXT)",
                "DROP TABLE IF EXISTS temp.import_event_stage",
                "CREATE TEMP TABLE import_event_stage (record_key TEXT, id_number TEXT, record \
                 TEXT)",
            ],
        }
    }
}

impl Db {
    /// The pool's connections: (open, idle).
    pub fn connections(&self) -> (u32, usize) {
        match self {
            Db::Sqlite(p, _, here) => {
                let (open, idle) = here.counts();
                (p.size() + open, p.num_idle() + idle)
            }
            Db::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    /// Waits for the pool's connections to close (SQLite then checkpoints its write-ahead log
    /// into the database file and removes it).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p, _, here) => {
                here.close().await;
                p.close().await
            }
            Db::Postgres(p) => p.close().await,
        }
    }

    /// Whether every migration this version knows has been applied (and none failed).
    pub async fn migrations_current(&self) -> Result<bool, DbError> {
        let (newest, known) = match self {
            Db::Sqlite(..) => (
                query("SELECT max(version) FROM _sqlx_migrations WHERE success"),
                super::sqlite::MIGRATOR.iter().map(|m| m.version).max(),
            ),
            Db::Postgres(_) => (
                query("SELECT max(version) FROM _sqlx_migrations WHERE success"),
                super::postgres::MIGRATOR.iter().map(|m| m.version).max(),
            ),
        };
        let applied: Option<i64> = newest.fetch_one(self).await?.get(0)?;
        Ok(applied >= known)
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(..) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), waiting the
    /// busy timeout for it: a deferred one that read first and then wrote while another
    /// connection committed fails at once with "database is locked" (the background jobs and
    /// requests write concurrently).
    ///
    /// On SQLite its statements run on the calling thread (`Here`): the writers' turn is held
    /// for the time SQLite works, not for thread hand-offs and for the scheduler to come back
    /// to this task between statements.
    pub async fn begin(&self) -> Result<Tx<'static>, DbError> {
        Ok(match self {
            Db::Sqlite(_, sync, here) => Tx::SqliteHere(Here::begin(here, sync).await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await.map_err(db_err)?),
        })
    }

    /// One connection of the pool, held until dropped (for settings that last a connection).
    pub async fn acquire(&self) -> Result<Conn, DbError> {
        Ok(match self {
            Db::Sqlite(p, sync, _) => {
                Conn::Sqlite(p.acquire().await.map_err(db_err)?, sync.clone())
            }
            Db::Postgres(p) => Conn::Postgres(p.acquire().await.map_err(db_err)?),
        })
    }
}

/// How SQLite transactions begin: see `Db::begin`.
const SQLITE_BEGIN: &str = "BEGIN IMMEDIATE";

/// A connection taken from the pool.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>, Arc<WalSync>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(..) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    pub async fn begin(&mut self) -> Result<Tx<'_>, DbError> {
        use sqlx::Connection as _;
        Ok(match self {
            Conn::Sqlite(c, sync) => sqlite_tx(sync, c.begin_with(SQLITE_BEGIN)).await?,
            Conn::Postgres(c) => Tx::Postgres(c.begin().await.map_err(db_err)?),
        })
    }
}

/// A transaction: rolled back when dropped without `commit`.
pub enum Tx<'c> {
    /// The transaction, the database's flusher, and this writer's turn (`WalSync::write_lock`).
    Sqlite(
        sqlx::Transaction<'c, Sqlite>,
        Arc<WalSync>,
        tokio::sync::OwnedMutexGuard<()>,
    ),
    /// A SQLite transaction run on the calling thread (`Db::begin`).
    SqliteHere(Here),
    Postgres(sqlx::Transaction<'c, Postgres>),
}

/// A SQLite transaction whose statements run on the calling thread, between the connection's
/// own worker thread's commands (`SqliteConnection::execute_here`, `vendor/sqlx-sqlite`): a
/// statement costs what SQLite spends on it, not two thread hand-offs, and the task holding
/// the writers' turn does not go back to the scheduler's queue between its statements. A
/// statement that finds the worker busy (it is still finishing an earlier one of this
/// connection) is sent to it as usual.
///
/// It is a savepoint of the batch open on the writers' connection (`WalSync`, "batch"): its
/// commit releases it into the batch and returns once the batch is committed and flushed; its
/// rollback, or its drop without `commit`, undoes this writer's statements only.
pub struct Here {
    conn: HereConn,
    sync: Arc<WalSync>,
    turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Whether this writer's savepoint is open.
    open: bool,
    /// The batch it is part of.
    batch: u64,
}

/// The savepoint each writer of a batch works in.
const SAVEPOINT: &str = "SAVEPOINT writer";
const RELEASE: &str = "RELEASE writer";
const UNDO: &str = "ROLLBACK TO writer";

impl Here {
    async fn begin(conns: &Arc<HereConns>, sync: &Arc<WalSync>) -> Result<Self, DbError> {
        // The turn first, as every writer takes them: one holding a connection while it waits
        // for the turn would keep it from a writer holding the turn while it waits for one.
        let turn = sync
            .joining_lock()
            .await
            .ok_or_else(|| DbError::Other(BUSY.into()))?;
        let conn = conns.writer().await.map_err(db_err)?;
        let mut here = Here {
            conn,
            sync: sync.clone(),
            turn: Some(turn),
            open: false,
            batch: 0,
        };
        // A batch whose transaction SQLite ended on its own (it rolls back the whole
        // transaction on some errors: a full disk, an I/O error) was not stored.
        let open = match sync.open_batch() {
            Some(batch) if here.conn.in_transaction_here() == Some(false) => {
                sync.batch_closed(batch, false);
                None
            }
            open => open,
        };
        here.batch = match open {
            Some(batch) => batch,
            None => {
                here.conn.run(query(SQLITE_BEGIN)).await.map_err(db_err)?;
                sync.begin_batch()
            }
        };
        here.conn.run(query(SAVEPOINT)).await.map_err(db_err)?;
        here.open = true;
        Ok(here)
    }

    async fn commit(mut self) -> Result<(), DbError> {
        self.conn.run(query(RELEASE)).await.map_err(db_err)?;
        self.open = false;
        if self.sync.leave_batch_open(true) {
            // The next writer goes on in this batch; its last one commits it.
            self.conn.give_back();
            self.turn = None;
            if !self.sync.batch_committed(self.batch).await {
                return Err(DbError::Other(BATCH_FAILED.into()));
            }
        } else {
            let committed = self.close_batch().await;
            // The next writer goes on while this commit is flushed with others (the connection
            // given back first: the next writer takes it).
            self.conn.give_back();
            self.turn = None;
            committed?;
        }
        durable(&self.sync).await
    }

    async fn rollback(mut self) -> Result<(), DbError> {
        self.conn.run(query(UNDO)).await.map_err(db_err)?;
        self.conn.run(query(RELEASE)).await.map_err(db_err)?;
        self.open = false;
        // What the batch holds is earlier writers' work: left open for the next writer, or
        // committed for them.
        if !self.sync.leave_batch_open(false) {
            // Their callers are told whether it was stored; this one rolled back either way.
            let _ = self.close_batch().await;
        }
        Ok(())
    }

    /// Commits the batch (rolled back whole if its commit fails), and reports it closed.
    async fn close_batch(&mut self) -> Result<(), DbError> {
        let out = self.conn.run(query("COMMIT")).await;
        if out.is_err() && self.conn.run(query("ROLLBACK")).await.is_err() {
            // Closing the connection rolls back (and reports the batch closed).
            self.conn.discard();
        }
        self.sync.batch_closed(self.batch, out.is_ok());
        out.map(|_| ()).map_err(db_err)
    }
}

impl Drop for Here {
    fn drop(&mut self) {
        // A discarded connection (`HereConn::run`) is closed, which rolls back.
        if !self.open || self.conn.conn.is_none() {
            return;
        }
        // This writer's statements undone before the turn is released, and the batch
        // committed for the writers before it. The worker can only be busy finishing a
        // statement of this transaction whose caller went away: it is done within moments.
        if !(run_now(&mut self.conn, UNDO) && run_now(&mut self.conn, RELEASE)) {
            // Closing the connection rolls its transaction back.
            self.conn.discard();
            return;
        }
        let committed = run_now(&mut self.conn, "COMMIT");
        if !committed && !run_now(&mut self.conn, "ROLLBACK") {
            self.conn.discard();
            return;
        }
        self.sync.batch_closed(self.batch, committed);
    }
}

/// Runs `sql` on the calling thread, waiting for the connection's worker to be idle (it can
/// only be finishing a statement whose caller went away): whether it worked.
fn run_now(c: &mut SqliteConnection, sql: &str) -> bool {
    for _ in 0..10_000 {
        match c.execute_here(sql, None) {
            Some(Ok(_)) => return true,
            Some(Err(e)) => {
                tracing::error!(error = %e, statement = sql, "a transaction could not be ended");
                return false;
            }
            None => std::thread::yield_now(),
        }
    }
    false
}

/// The connections statements run on the caller's thread use (`Here`, `on_sqlite_pool`),
/// kept here rather than in sqlx's pool: the pool checks each connection given back to it with
/// a round trip to the connection's thread (a ping, on a task of its own), the cost running
/// here spares. Taken from the pool once (`detach`) and kept: at most `max` for reads at once,
/// and one for writers (`writer`).
pub struct HereConns {
    pool: SqlitePool,
    idle: std::sync::Mutex<Vec<SqliteConnection>>,
    /// The connection writers use, one at a time (they hold the writers' turn). One, so that
    /// its page cache stays warm: SQLite empties a connection's cache when it finds that
    /// another connection wrote since its last transaction, and a writer then reads again
    /// from the file every page it touches.
    writer: std::sync::Mutex<Option<SqliteConnection>>,
    slots: Arc<tokio::sync::Semaphore>,
    max: usize,
    /// The database's flusher, whose batches the writers' connection holds.
    sync: std::sync::Weak<WalSync>,
}

impl std::fmt::Debug for HereConns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (open, idle) = self.counts();
        write!(f, "HereConns {{ open: {open}, idle: {idle} }}")
    }
}

impl HereConns {
    pub fn new(pool: SqlitePool, max: usize, sync: &Arc<WalSync>) -> Arc<Self> {
        let conns = Arc::new(HereConns {
            pool,
            idle: Default::default(),
            writer: Default::default(),
            slots: Arc::new(tokio::sync::Semaphore::new(max)),
            max,
            sync: Arc::downgrade(sync),
        });
        let weak = Arc::downgrade(&conns);
        sync.set_closer(Box::new(move |sync: &WalSync, batch| {
            // (The caller holds the turn: no writer has the connection, and none in its place
            // means the one that held the batch was closed, rolling it back.)
            let committed = weak.upgrade().and_then(|c| c.commit_batch());
            sync.batch_closed(batch, committed == Some(true));
        }));
        conns
    }

    /// Commits the batch open on the writers' connection: whether it was committed (one that
    /// fails is rolled back); `None` when the connection is not here (a writer has it, or it
    /// was closed).
    fn commit_batch(&self) -> Option<bool> {
        let mut c = self.writer.lock().map(|mut w| w.take()).unwrap_or(None)?;
        let committed = run_now(&mut c, "COMMIT");
        if committed || run_now(&mut c, "ROLLBACK") {
            if let Ok(mut w) = self.writer.lock() {
                *w = Some(c);
            }
        }
        Some(committed)
    }

    /// A connection, waiting while `max` are in use.
    async fn get(self: &Arc<Self>) -> Result<HereConn, sqlx::Error> {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().map(|mut i| i.pop()).unwrap_or(None);
        self.lend(idle, Some(slot)).await
    }

    /// The writers' connection: only for a caller holding the writers' turn.
    async fn writer(self: &Arc<Self>) -> Result<HereConn, sqlx::Error> {
        let kept = self.writer.lock().map(|mut w| w.take()).unwrap_or(None);
        self.lend(kept, None).await
    }

    /// `kept`, or a new connection from the pool when there is none, lent out.
    async fn lend(
        self: &Arc<Self>,
        kept: Option<SqliteConnection>,
        slot: Option<tokio::sync::OwnedSemaphorePermit>,
    ) -> Result<HereConn, sqlx::Error> {
        let conn = match kept {
            Some(c) => c,
            None => self.pool.acquire().await?.detach(),
        };
        Ok(HereConn {
            conn: Some(conn),
            home: self.clone(),
            writer: slot.is_none(),
            _slot: slot,
        })
    }

    /// (in use or idle, idle), the writers' connection counted as one for reads.
    fn counts(&self) -> (u32, usize) {
        let writer = self.writer.lock().map(|w| w.is_some()).unwrap_or(false);
        let idle = self.idle.lock().map(|i| i.len()).unwrap_or(0) + usize::from(writer);
        let in_use = self.max - self.slots.available_permits().min(self.max);
        (u32::try_from(in_use + idle).unwrap_or(u32::MAX), idle)
    }

    /// Closes the idle connections, and any given back after this (at shutdown). An open
    /// batch is committed first (unless a writer has the connection: it closes the batch).
    async fn close(&self) {
        if let Some(sync) = self.sync.upgrade() {
            if let Some(batch) = sync.open_batch() {
                if let Some(committed) = self.commit_batch() {
                    sync.batch_closed(batch, committed);
                }
            }
        }
        self.slots.close();
        let idle = self
            .idle
            .lock()
            .map(|mut i| std::mem::take(&mut *i))
            .unwrap_or_default();
        let writer = self.writer.lock().map(|mut w| w.take()).unwrap_or(None);
        for c in idle.into_iter().chain(writer) {
            use sqlx::Connection as _;
            let _ = c.close().await;
        }
    }
}

/// A connection of `HereConns`, given back when dropped.
pub struct HereConn {
    conn: Option<SqliteConnection>,
    home: Arc<HereConns>,
    _slot: Option<tokio::sync::OwnedSemaphorePermit>,
    writer: bool,
}

impl HereConn {
    /// Not given back: closed when dropped (closing rolls back an open transaction, and so
    /// the writers' connection's open batch).
    fn discard(&mut self) {
        self.conn = None;
        if self.writer {
            if let Some(sync) = self.home.sync.upgrade() {
                if let Some(batch) = sync.open_batch() {
                    sync.batch_closed(batch, false);
                }
            }
        }
    }

    /// Runs a statement (`run_here`). A connection whose worker thread is gone (a panic in
    /// the driver) is not given back: statements that must go through the worker would fail
    /// on it for good.
    async fn run(&mut self, q: Query<'_>) -> Result<(u64, Vec<SqliteRow>), sqlx::Error> {
        let out = run_here(self, q).await;
        if matches!(out, Err(sqlx::Error::WorkerCrashed)) {
            self.discard();
        }
        out
    }

    /// Given back now (as when dropped); not to be used after.
    fn give_back(&mut self) {
        let Some(c) = self.conn.take() else {
            return;
        };
        if self.home.slots.is_closed() {
            return;
        }
        if self.writer {
            if let Ok(mut w) = self.home.writer.lock() {
                *w = Some(c);
            }
        } else if let Ok(mut idle) = self.home.idle.lock() {
            idle.push(c);
        }
    }
}

impl std::ops::Deref for HereConn {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("a connection until dropped")
    }
}

impl std::ops::DerefMut for HereConn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("a connection until dropped")
    }
}

impl Drop for HereConn {
    fn drop(&mut self) {
        self.give_back();
    }
}

/// Runs a statement on the calling thread when the connection's worker is idle, otherwise
/// through the worker (see `Here`).
async fn run_here(
    c: &mut SqliteConnection,
    q: Query<'_>,
) -> Result<(u64, Vec<SqliteRow>), sqlx::Error> {
    if let Some(out) = c.execute_here(q.sql, Some(q.sqlite_arguments()?)) {
        return out;
    }
    use sqlx::Executor as _;
    let mut changed = 0;
    let mut rows = Vec::new();
    let mut results = c.fetch_many(q.sqlite());
    while let Some(r) = futures_util::StreamExt::next(&mut results).await {
        match r? {
            sqlx::Either::Left(done) => changed += done.rows_affected(),
            sqlx::Either::Right(row) => rows.push(row),
        }
    }
    Ok((changed, rows))
}

impl Tx<'_> {
    /// PostgreSQL: sends `csv` (rows in CSV, an empty unquoted field NULL) through `COPY`
    /// (`statement`, e.g. `COPY t (a, b) FROM STDIN (FORMAT csv)`), the fastest way in for many
    /// rows. `false` on SQLite, whose callers insert the rows themselves.
    pub async fn copy_csv(&mut self, statement: &str, csv: Vec<u8>) -> Result<bool, DbError> {
        match self {
            Tx::Postgres(t) => {
                let conn: &mut sqlx::PgConnection = t;
                let mut copy = conn.copy_in_raw(statement).await.map_err(db_err)?;
                copy.send(csv).await.map_err(db_err)?;
                copy.finish().await.map_err(db_err)?;
                Ok(true)
            }
            Tx::Sqlite(..) | Tx::SqliteHere(_) => Ok(false),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(..) | Tx::SqliteHere(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Commits; returns once the transaction is on disk (SQLite: the group flush after it).
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::SqliteHere(h) => h.commit().await,
            Tx::Sqlite(t, sync, turn) => {
                t.commit().await.map_err(db_err)?;
                // The next writer goes on while this commit is flushed with others.
                drop(turn);
                durable(&sync).await
            }
            Tx::Postgres(t) => t.commit().await.map_err(db_err),
        }
    }

    pub async fn rollback(self) -> Result<(), DbError> {
        match self {
            Tx::SqliteHere(h) => h.rollback().await,
            Tx::Sqlite(t, _, _) => t.rollback().await.map_err(db_err),
            Tx::Postgres(t) => t.rollback().await.map_err(db_err),
        }
    }
}

/// Why a writer waited too long for its turn (`WalSync::write_lock`).
const BUSY: &str = "the database is busy: no turn to write";
/// Why a writer's work was not stored: the batch it joined could not be committed.
const BATCH_FAILED: &str = "the database could not commit the writes this one was part of";
/// Why a committed write could not be made durable (the disk is failing).
const NOT_FLUSHED: &str = "the database's log could not be flushed to disk";

/// A SQLite transaction begun in the writers' turn (`begin` is only polled once the turn is
/// taken), which it holds until it commits or is dropped.
async fn sqlite_tx<'c>(
    sync: &Arc<WalSync>,
    begin: impl std::future::Future<Output = Result<sqlx::Transaction<'c, Sqlite>, sqlx::Error>>,
) -> Result<Tx<'c>, DbError> {
    let turn = sync
        .write_lock()
        .await
        .ok_or_else(|| DbError::Other(BUSY.into()))?;
    Ok(Tx::Sqlite(begin.await.map_err(db_err)?, sync.clone(), turn))
}

/// Waits for the group flush that makes a committed write durable.
async fn durable(sync: &WalSync) -> Result<(), DbError> {
    if sync.durable().await {
        Ok(())
    } else {
        Err(DbError::Other(NOT_FLUSHED.into()))
    }
}

/// One statement straight on the SQLite pool, run on the calling thread (`run_here`): a write
/// is a transaction of its own (`Here`, so it joins the open batch) and returns once flushed,
/// as a transaction's commit does; a read runs at once.
async fn on_sqlite_pool(
    conns: &Arc<HereConns>,
    sync: &Arc<WalSync>,
    q: Query<'_>,
) -> Result<(u64, Vec<SqliteRow>), sqlx::Error> {
    if !writes(q.sql) {
        return conns.get().await?.run(q).await;
    }
    let as_sqlx = |e: DbError| sqlx::Error::Io(std::io::Error::other(e.to_string()));
    let mut tx = Here::begin(conns, sync).await.map_err(as_sqlx)?;
    let out = tx.conn.run(q).await;
    if out.is_err() {
        // The statement's own error is the caller's (a unique violation, say).
        let _ = tx.rollback().await;
        return out;
    }
    tx.commit().await.map_err(as_sqlx)?;
    out
}

/// Whether a statement run outside a transaction writes (and so must be flushed before its
/// caller is told it is stored).
fn writes(sql: &str) -> bool {
    let head = sql.trim_start().get(..7).unwrap_or("").to_ascii_uppercase();
    ["INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"]
        .iter()
        .any(|w| head.starts_with(w))
}

/// Where a statement runs: the pool, a held connection or a transaction.
pub enum Target<'e> {
    SqlitePool(&'e Arc<HereConns>, &'e Arc<WalSync>),
    PgPool(&'e PgPool),
    Sqlite(&'e mut SqliteConnection),
    /// A connection whose statements run on the calling thread when they can (`Here`).
    SqliteHere(&'e mut SqliteConnection),
    Postgres(&'e mut PgConnection),
}

impl Target<'_> {
    /// The same target for one more statement, keeping this one for the next.
    pub fn reborrow(&mut self) -> Target<'_> {
        match self {
            Target::SqlitePool(here, sync) => Target::SqlitePool(here, sync),
            Target::PgPool(p) => Target::PgPool(p),
            Target::Sqlite(c) => Target::Sqlite(c),
            Target::SqliteHere(c) => Target::SqliteHere(c),
            Target::Postgres(c) => Target::Postgres(c),
        }
    }
}

impl<'e> From<&'e Db> for Target<'e> {
    fn from(db: &'e Db) -> Self {
        match db {
            Db::Sqlite(_, sync, here) => Target::SqlitePool(here, sync),
            Db::Postgres(p) => Target::PgPool(p),
        }
    }
}

impl<'e> From<&'e mut Conn> for Target<'e> {
    fn from(c: &'e mut Conn) -> Self {
        match c {
            Conn::Sqlite(c, _) => Target::Sqlite(c),
            Conn::Postgres(c) => Target::Postgres(c),
        }
    }
}

impl<'e, 'c> From<&'e mut Tx<'c>> for Target<'e> {
    fn from(t: &'e mut Tx<'c>) -> Self {
        match t {
            Tx::Sqlite(t, _, _) => Target::Sqlite(t),
            Tx::SqliteHere(h) => Target::SqliteHere(&mut h.conn),
            Tx::Postgres(t) => Target::Postgres(t),
        }
    }
}

/// An argument with its type, bound once the backend is known.
#[derive(Clone, Debug)]
pub enum Arg<'q> {
    I64(Option<i64>),
    I32(Option<i32>),
    F64(Option<f64>),
    Bool(Option<bool>),
    Text(Option<Cow<'q, str>>),
    Bytes(Option<Cow<'q, [u8]>>),
}

macro_rules! arg_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl<'q> From<$t> for Arg<'q> {
            fn from($v: $t) -> Self {
                $e
            }
        })*
    };
}

arg_from! {
    i64 => |v| Arg::I64(Some(v)),
    Option<i64> => |v| Arg::I64(v),
    &'q i64 => |v| Arg::I64(Some(*v)),
    &'q Option<i64> => |v| Arg::I64(*v),
    i32 => |v| Arg::I32(Some(v)),
    Option<i32> => |v| Arg::I32(v),
    f64 => |v| Arg::F64(Some(v)),
    Option<f64> => |v| Arg::F64(v),
    bool => |v| Arg::Bool(Some(v)),
    Option<bool> => |v| Arg::Bool(v),
    &'q bool => |v| Arg::Bool(Some(*v)),
    &'q str => |v| Arg::Text(Some(Cow::Borrowed(v))),
    &'q String => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    &'q &'q str => |v| Arg::Text(Some(Cow::Borrowed(*v))),
    String => |v| Arg::Text(Some(Cow::Owned(v))),
    Option<&'q str> => |v| Arg::Text(v.map(Cow::Borrowed)),
    Option<&'q String> => |v| Arg::Text(v.map(|s| Cow::Borrowed(s.as_str()))),
    &'q Option<String> => |v| Arg::Text(v.as_deref().map(Cow::Borrowed)),
    Option<String> => |v| Arg::Text(v.map(Cow::Owned)),
    &'q [u8] => |v| Arg::Bytes(Some(Cow::Borrowed(v))),
    &'q Vec<u8> => |v| Arg::Bytes(Some(Cow::Borrowed(v.as_slice()))),
    Vec<u8> => |v| Arg::Bytes(Some(Cow::Owned(v))),
    // A day is stored as its text, `YYYY-MM-DD` (read back by `day`).
    chrono::NaiveDate => |v| Arg::Text(Some(Cow::Owned(v.to_string()))),
    &'q chrono::NaiveDate => |v| Arg::Text(Some(Cow::Owned(v.to_string()))),
    Option<chrono::NaiveDate> => |v| Arg::Text(v.map(|d| Cow::Owned(d.to_string()))),
    // A region as its 12 digits (read back by `region`), an ID number as its 18 characters
    // (`id_number`), an amount as its fen.
    &'q RegionCode => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    Option<&'q RegionCode> => |v| Arg::Text(v.map(|r| Cow::Borrowed(r.as_str()))),
    &'q IdNumber => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    Money => |v| Arg::I64(Some(v.fen())),
    Option<Money> => |v| Arg::I64(v.map(Money::fen)),
}

/// A statement with its arguments (see the module's doc).
#[must_use = "a query does nothing until it is run"]
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Arg<'q>>,
}

/// A statement to run on either backend.
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

/// What a statement changed.
#[derive(Clone, Copy, Debug)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

impl<'q> Query<'q> {
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    fn sqlite(self) -> sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>> {
        let mut q = sqlx::query(self.sql);
        for a in self.args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::I32(v) => q.bind(v),
                Arg::F64(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v.map(Cow::into_owned)),
            };
        }
        q
    }

    /// The arguments, bound for SQLite (`run_here`).
    fn sqlite_arguments(&self) -> Result<SqliteArguments<'q>, sqlx::Error> {
        use sqlx::Arguments as _;
        let mut out = SqliteArguments::default();
        for a in &self.args {
            match a.clone() {
                Arg::I64(v) => out.add(v),
                Arg::I32(v) => out.add(v),
                Arg::F64(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Bytes(v) => out.add(v.map(Cow::into_owned)),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(out)
    }

    fn postgres(self) -> sqlx::query::Query<'q, Postgres, PgArguments> {
        let mut q = sqlx::query(self.sql);
        for a in self.args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::I32(v) => q.bind(v),
                Arg::F64(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Text(v) => q.bind(v.map(Cow::into_owned)),
                Arg::Bytes(v) => q.bind(v.map(Cow::into_owned)),
            };
        }
        q
    }

    pub async fn execute<'e>(self, on: impl Into<Target<'e>>) -> Result<Done, DbError> {
        self.execute_raw(on).await.map_err(db_err)
    }

    /// `execute` with sqlx's own error, for the callers that tell a unique violation (a
    /// `Conflict` of their own) from other failures.
    pub async fn execute_raw<'e>(self, on: impl Into<Target<'e>>) -> Result<Done, sqlx::Error> {
        let rows_affected = match on.into() {
            Target::SqlitePool(p, sync) => on_sqlite_pool(p, sync, self).await?.0,
            Target::Sqlite(c) => self.sqlite().execute(c).await?.rows_affected(),
            Target::SqliteHere(c) => run_here(c, self).await?.0,
            Target::PgPool(p) => self.postgres().execute(p).await?.rows_affected(),
            Target::Postgres(c) => self.postgres().execute(c).await?.rows_affected(),
        };
        Ok(Done { rows_affected })
    }

    pub async fn fetch_all<'e>(self, on: impl Into<Target<'e>>) -> Result<Vec<Row>, DbError> {
        let rows = match on.into() {
            Target::SqlitePool(p, sync) => wrap(
                on_sqlite_pool(p, sync, self).await.map(|r| r.1),
                Row::Sqlite,
            ),
            Target::Sqlite(c) => wrap(self.sqlite().fetch_all(c).await, Row::Sqlite),
            Target::SqliteHere(c) => wrap(run_here(c, self).await.map(|r| r.1), Row::Sqlite),
            Target::PgPool(p) => wrap(self.postgres().fetch_all(p).await, Row::Postgres),
            Target::Postgres(c) => wrap(self.postgres().fetch_all(c).await, Row::Postgres),
        };
        rows.map_err(db_err)
    }

    pub async fn fetch_optional<'e>(
        self,
        on: impl Into<Target<'e>>,
    ) -> Result<Option<Row>, DbError> {
        let row = match on.into() {
            Target::SqlitePool(p, sync) => on_sqlite_pool(p, sync, self)
                .await
                .map(|r| r.1.into_iter().next().map(Row::Sqlite)),
            Target::Sqlite(c) => self
                .sqlite()
                .fetch_optional(c)
                .await
                .map(|r| r.map(Row::Sqlite)),
            Target::SqliteHere(c) => run_here(c, self)
                .await
                .map(|r| r.1.into_iter().next().map(Row::Sqlite)),
            Target::PgPool(p) => self
                .postgres()
                .fetch_optional(p)
                .await
                .map(|r| r.map(Row::Postgres)),
            Target::Postgres(c) => self
                .postgres()
                .fetch_optional(c)
                .await
                .map(|r| r.map(Row::Postgres)),
        };
        row.map_err(db_err)
    }

    /// The one row the statement returns; `NotFound` when it returns none.
    pub async fn fetch_one<'e>(self, on: impl Into<Target<'e>>) -> Result<Row, DbError> {
        self.fetch_optional(on).await?.ok_or(DbError::NotFound)
    }
}

fn wrap<R>(rows: Result<Vec<R>, sqlx::Error>, f: fn(R) -> Row) -> Result<Vec<Row>, sqlx::Error> {
    rows.map(|rows| rows.into_iter().map(f).collect())
}

/// A row of either backend.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// The row as `T`, a `#[derive(sqlx::FromRow)]` struct of its columns (each module keeps
    /// its own, private, beside the `TryFrom` that turns it into a record).
    pub fn decode<T>(&self) -> Result<T, DbError>
    where
        T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        match self {
            Row::Sqlite(r) => T::from_row(r),
            Row::Postgres(r) => T::from_row(r),
        }
        .map_err(db_err)
    }

    /// The row as record `R`, through the row struct `T`: `row.to::<TaskRow, _>()`.
    pub fn to<T, R>(&self) -> Result<R, DbError>
    where
        T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
        R: TryFrom<T, Error = DbError>,
    {
        R::try_from(self.decode::<T>()?)
    }

    /// One column (a name or a position) as `T`, for a single value (whole rows go through
    /// `decode`); a missing column or a value of another type is an error, never a default.
    pub fn get<'r, T, I>(&'r self, index: I) -> Result<T, DbError>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>,
    {
        use sqlx::Row as _;
        match self {
            Row::Sqlite(r) => r.try_get(index),
            Row::Postgres(r) => r.try_get(index),
        }
        .map_err(db_err)
    }
}

/// A stored code as the value it spells (`TryFrom` of a row struct): a code this version does
/// not know is an error naming the column, never a default.
pub fn code<T: Coded>(column: &str, raw: &str) -> Result<T, DbError> {
    T::from_code(raw).ok_or_else(|| DbError::Other(format!("unknown {column} {raw:?}")))
}

/// A nullable stored code: NULL is `None`, an unknown code an error.
pub fn code_opt<T: Coded>(column: &str, raw: Option<&str>) -> Result<Option<T>, DbError> {
    raw.map(|raw| code(column, raw)).transpose()
}

/// Stored categories (`CategorySet::codes`, comma-joined): any unknown code is an error.
pub fn categories(column: &str, raw: &str) -> Result<CategorySet, DbError> {
    CategorySet::from_codes(raw).ok_or_else(|| DbError::Other(format!("unknown {column} {raw:?}")))
}

/// Help kinds as stored for the queue's `LIKE` filter: `,medical,education,` (empty: `,,`).
pub fn help_codes(help: &[HelpKind]) -> String {
    let codes: Vec<&str> = help.iter().map(|h| h.code()).collect();
    format!(",{},", codes.join(","))
}

/// Stored help kinds (`help_codes`): any unknown code is an error.
pub fn help_kinds(raw: &str) -> Result<Vec<HelpKind>, DbError> {
    raw.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| code("help", c))
        .collect()
}

/// A stored day (`YYYY-MM-DD`): anything else is an error naming the column.
pub fn day(column: &str, raw: &str) -> Result<chrono::NaiveDate, DbError> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|e| DbError::Other(format!("stored {column} {raw:?}: {e}")))
}

/// A nullable stored day.
pub fn day_opt(column: &str, raw: Option<&str>) -> Result<Option<chrono::NaiveDate>, DbError> {
    raw.map(|raw| day(column, raw)).transpose()
}

/// A stored region code (12 digits): anything else is an error naming the column.
pub fn region(column: &str, raw: &str) -> Result<RegionCode, DbError> {
    RegionCode::parse(raw).map_err(|_| DbError::Other(format!("stored {column} {raw:?}")))
}

/// A nullable stored region code.
pub fn region_opt(column: &str, raw: Option<&str>) -> Result<Option<RegionCode>, DbError> {
    raw.map(|raw| region(column, raw)).transpose()
}

/// Stored region codes, each checked.
pub fn regions(column: &str, raw: &[String]) -> Result<Vec<RegionCode>, DbError> {
    raw.iter().map(|r| region(column, r)).collect()
}

/// A stored ID number (checksum and birth date checked): anything else is an error.
pub fn id_number(column: &str, raw: &str) -> Result<IdNumber, DbError> {
    IdNumber::try_from(raw.to_owned()).map_err(|e| DbError::Other(format!("stored {column}: {e}")))
}

/// The `LIKE` pattern of a region's subtree (`6207%`): what a staff member's scope covers.
pub fn within(region: &RegionCode) -> String {
    format!("{}%", region.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/d.db", dir.path().display());
        let (pool, sync) = crate::store::sqlite::connect(&url, 4).await.unwrap();
        let here = HereConns::new(pool.clone(), 4, &sync);
        let db = Db::Sqlite(pool, sync, here);
        query("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
            .execute(&db)
            .await
            .unwrap();
        (dir, db)
    }

    async fn count(db: &Db) -> i64 {
        query("SELECT count(*) FROM t")
            .fetch_one(db)
            .await
            .unwrap()
            .get(0)
            .unwrap()
    }

    /// The log is checkpointed by its own task while writers and readers go on (no writer
    /// does it in its commit: `wal_autocheckpoint` is off), and started again from its
    /// beginning, so it does not grow for as long as writes come.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_checkpointed_apart_and_stays_bounded_under_writes() {
        let (dir, db) = sqlite().await;
        let auto: i64 = query("PRAGMA wal_autocheckpoint")
            .fetch_one(&db)
            .await
            .unwrap()
            .get(0)
            .unwrap();
        assert_eq!(auto, 0, "writers do not checkpoint");
        query("CREATE TABLE big (x INTEGER PRIMARY KEY, pad BLOB NOT NULL)")
            .execute(&db)
            .await
            .unwrap();
        let size = |name: &str| {
            std::fs::metadata(dir.path().join(name))
                .map(|m| m.len())
                .unwrap_or(0)
        };
        let before = size("d.db");
        let reader = {
            let db = db.clone();
            tokio::spawn(async move {
                for _ in 0..2_000 {
                    count(&db).await;
                    tokio::task::yield_now().await;
                }
            })
        };
        // ~48 MB of log in ~12 000 commits: twelve times the threshold.
        let mut largest = 0;
        for x in 0..12_000i64 {
            let mut tx = db.begin().await.unwrap();
            query("INSERT INTO big (x, pad) VALUES ($1, zeroblob(3000))")
                .bind(x)
                .execute(&mut tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            largest = largest.max(size("d.db-wal"));
        }
        reader.await.unwrap();
        assert!(
            size("d.db") > before + 16 * 1024 * 1024,
            "the log's pages reached the database file while writes went on"
        );
        assert!(
            largest < 40 * 1024 * 1024,
            "the log was started again: at most {largest} bytes"
        );
    }

    /// Writers that come together share one SQLite transaction and its commit (a batch), and
    /// each is told its write is stored only once the batch is: one that fails half way, rolls
    /// back or goes away before committing undoes its own statements only, and a writer that
    /// does not join batches (a session's, on a connection of its own) finds the batch
    /// committed when it takes the turn rather than SQLite's lock held (it would wait 10 s).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writers_share_commits_and_one_that_fails_or_goes_away_undoes_only_its_own() {
        let (_dir, db) = sqlite().await;
        let Db::Sqlite(pool, sync, _) = &db else {
            unreachable!()
        };
        query("INSERT INTO t (x) VALUES (-1)")
            .execute(&db)
            .await
            .unwrap();
        let before = sync.batches();
        let started = std::time::Instant::now();
        let writers = 500i64;
        let mut tasks = Vec::new();
        for w in 0..writers {
            let (db, pool, sync) = (db.clone(), pool.clone(), sync.clone());
            tasks.push(tokio::spawn(async move {
                let insert = |x: i64| query("INSERT INTO t (x) VALUES ($1)").bind(x);
                match w % 5 {
                    0 => {
                        let mut tx = db.begin().await.unwrap();
                        insert(w * 10).execute(&mut tx).await.unwrap();
                        insert(w * 10 + 1).execute(&mut tx).await.unwrap();
                        tx.commit().await.unwrap();
                    }
                    1 => {
                        insert(w * 10).execute(&db).await.unwrap();
                    }
                    2 => {
                        let mut tx = db.begin().await.unwrap();
                        insert(w * 10).execute(&mut tx).await.unwrap();
                        assert!(insert(-1).execute(&mut tx).await.is_err());
                        tx.rollback().await.unwrap();
                    }
                    3 => {
                        let mut tx = db.begin().await.unwrap();
                        insert(w * 10).execute(&mut tx).await.unwrap();
                        drop(tx);
                    }
                    _ => {
                        let turn = sync.write_lock().await.unwrap();
                        sqlx::query("INSERT INTO t (x) VALUES (?)")
                            .bind(w * 10)
                            .execute(&pool)
                            .await
                            .unwrap();
                        drop(turn);
                        assert!(sync.durable().await);
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let rows = query("SELECT x FROM t ORDER BY x")
            .fetch_all(&db)
            .await
            .unwrap();
        let stored: Vec<i64> = rows.iter().map(|r| r.get(0).unwrap()).collect();
        let mut expected = vec![-1];
        for w in 0..writers {
            match w % 5 {
                0 => expected.extend([w * 10, w * 10 + 1]),
                1 | 4 => expected.push(w * 10),
                _ => {}
            }
        }
        assert_eq!(stored, expected);
        let batches = sync.batches() - before;
        assert!(
            batches < 300,
            "{batches} commits for {} writers that join batches",
            writers * 4 / 5
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(8));
    }

    /// A transaction run on the calling thread sees its own writes, keeps them when committed
    /// and drops them when dropped uncommitted; the next writer then gets the database at
    /// once (a transaction left open would make it wait SQLite's busy timeout, 10 s).
    #[tokio::test]
    async fn a_transaction_run_here_commits_and_a_dropped_one_leaves_nothing() {
        let (_dir, db) = sqlite().await;
        let mut tx = db.begin().await.unwrap();
        assert!(matches!(tx, Tx::SqliteHere(_)));
        for x in [1, 2, 3] {
            query("INSERT INTO t (x) VALUES ($1)")
                .bind(x as i64)
                .execute(&mut tx)
                .await
                .unwrap();
        }
        let rows = query("SELECT x FROM t ORDER BY x")
            .fetch_all(&mut tx)
            .await
            .unwrap();
        let seen: Vec<i64> = rows.iter().map(|r| r.get(0).unwrap()).collect();
        assert_eq!(seen, [1, 2, 3]);
        tx.commit().await.unwrap();
        assert_eq!(count(&db).await, 3);

        let mut tx = db.begin().await.unwrap();
        query("INSERT INTO t (x) VALUES (4)")
            .execute(&mut tx)
            .await
            .unwrap();
        drop(tx);
        let started = std::time::Instant::now();
        let mut tx = db.begin().await.unwrap();
        let failed = query("INSERT INTO t (x) VALUES (1)").execute(&mut tx).await;
        assert!(failed.is_err(), "a unique violation is an error");
        query("INSERT INTO t (x) VALUES (5)")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let rows = query("SELECT x FROM t ORDER BY x")
            .fetch_all(&db)
            .await
            .unwrap();
        let seen: Vec<i64> = rows.iter().map(|r| r.get(0).unwrap()).collect();
        assert_eq!(seen, [1, 2, 3, 5]);
    }

    /// Statements sent through the connection's worker and statements run here happen in the
    /// order they were issued, also when the worker's last command was not waited for: a
    /// transaction of sqlx's dropped uncommitted only queues its rollback. A statement run
    /// here before that rollback would run inside the dropped transaction (see its row, and be
    /// rolled back with it); one that finds the rollback still queued goes to the worker after it.
    #[tokio::test]
    async fn statements_through_the_worker_and_here_keep_their_order() {
        let (_dir, db) = sqlite().await;
        let Db::Sqlite(pool, _, _) = &db else {
            unreachable!()
        };
        let mut conn = pool.acquire().await.unwrap();
        for round in 0..200i64 {
            let mut dropped = sqlx::Connection::begin(&mut *conn).await.unwrap();
            sqlx::query("INSERT INTO t (x) VALUES ($1)")
                .bind(-1 - round)
                .execute(&mut *dropped)
                .await
                .unwrap();
            drop(dropped);
            let (_, rows) = run_here(&mut conn, query("SELECT count(*) FROM t WHERE x < 0"))
                .await
                .unwrap();
            let seen: i64 = sqlx::Row::get(&rows[0], 0);
            assert_eq!(seen, 0, "round {round}: ran inside the dropped transaction");
            let (changed, _) = run_here(
                &mut conn,
                query("INSERT INTO t (x) VALUES ($1)").bind(round),
            )
            .await
            .unwrap();
            assert_eq!(changed, 1);
        }
        assert_eq!(count(&db).await, 200, "every row run here was kept");
    }
}
