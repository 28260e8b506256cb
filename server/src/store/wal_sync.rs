//! Group commit for SQLite. Each commit used to wait for its own `fsync` of the write-ahead log
//! (`synchronous=FULL`): one disk flush per submission, one writer at a time. Now commits run
//! with `synchronous=NORMAL` (written to the log, not flushed) and the store acknowledges a
//! write only after `WalSync::durable`: one flush of the log, started after the commit, shared
//! by every commit waiting meanwhile. What a caller is told is stored is on disk, as with
//! FULL; the flushes are fewer.
//!
//! Writers also queue here, in this process (`WalSync::write_lock`), instead of at SQLite's
//! lock: SQLite's busy handler waits by sleeping (1, 2, 5 … 100 ms), which under many
//! concurrent writers cost more than the writes. Readers never wait (WAL).
//!
//! Writers that come while another writes are joined into one SQLite transaction (a batch):
//! each writer's statements run in a savepoint of the transaction open on the writers'
//! connection (`dialect::Here`), released into it when the writer commits; the writer that
//! finds nobody waiting for the turn commits the batch, and every writer of the batch is told
//! its write is stored only once the batch is committed and flushed. A page that several
//! writers change (an index's last leaf, a counter) is written to the log once per batch, not
//! once per writer. A writer that fails or rolls back undoes its own savepoint only. A writer
//! that does not join batches (a session, the checkpoint, a transaction on a connection of its
//! own) commits the open batch when it takes the turn.
//!
//! The log file is opened for each flush (SQLite may remove and recreate it when its last
//! connection closes), and its folder is flushed too, so a newly created log is found after a
//! power loss. When there is no log file, everything is in the database file, which SQLite
//! flushes at each checkpoint.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long a writer waits for its turn before failing.
const WRITE_WAIT: Duration = Duration::from_secs(30);
/// The most writers one batch holds, and the longest it stays open: its first writer waits
/// for the last.
const BATCH_WRITERS: u32 = 64;
const BATCH_OPEN_AT_MOST: Duration = Duration::from_millis(10);
/// How often a writer waiting for its batch looks whether the turn is free with the batch
/// still open (the writer it was left open for went away): it then commits it itself.
const BATCH_LOOK: Duration = Duration::from_millis(2);

/// The writers' turn.
pub type Turn = tokio::sync::OwnedMutexGuard<()>;

/// Commits the open batch (numbered) on the writers' connection, and reports it closed.
pub type Closer = Box<dyn Fn(&WalSync, u64) + Send + Sync>;

/// The batch open on the writers' connection.
#[derive(Debug)]
struct Batch {
    /// Its number while one is open.
    open: Option<u64>,
    next: u64,
    writers: u32,
    began: Instant,
}

/// The group flusher of one SQLite database.
#[derive(Debug)]
pub struct WalSync {
    wal: PathBuf,
    folder: PathBuf,
    /// Tickets handed out: a commit that wants to be durable takes the next one.
    requested: AtomicU64,
    /// The highest ticket whose commit is on disk, and whether the last flush worked.
    done: tokio::sync::watch::Sender<(u64, bool)>,
    /// Wakes the flushing task (also when this is dropped, so that it ends).
    kick: Arc<tokio::sync::Notify>,
    /// One writer at a time, in arrival order.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Writers waiting for the turn: a batch is left open for them.
    waiting: AtomicUsize,
    batch: std::sync::Mutex<Batch>,
    /// The last batch closed; the numbers of those whose commit failed (the latest few).
    closed: tokio::sync::watch::Sender<u64>,
    failed: std::sync::Mutex<std::collections::VecDeque<u64>>,
    /// Installed by the writers' connection (`dialect::HereConns`).
    closer: CloserSlot,
}

/// Where the closer is kept.
#[derive(Default)]
struct CloserSlot(OnceLock<Closer>);

impl std::fmt::Debug for CloserSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CloserSlot")
    }
}

impl Drop for WalSync {
    fn drop(&mut self) {
        self.kick.notify_one();
    }
}

impl WalSync {
    /// The flusher of the database file `db` (its log is `db-wal`), with its task started.
    pub fn start(db: PathBuf) -> Arc<Self> {
        let mut wal = db.clone().into_os_string();
        wal.push("-wal");
        let folder = db
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let sync = Arc::new(WalSync {
            wal: PathBuf::from(wal),
            folder,
            requested: AtomicU64::new(0),
            done: tokio::sync::watch::channel((0, true)).0,
            kick: Arc::new(tokio::sync::Notify::new()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            waiting: AtomicUsize::new(0),
            batch: std::sync::Mutex::new(Batch {
                open: None,
                next: 1,
                writers: 0,
                began: Instant::now(),
            }),
            closed: tokio::sync::watch::channel(0).0,
            failed: Default::default(),
            closer: CloserSlot::default(),
        });
        let weak = Arc::downgrade(&sync);
        let kick = sync.kick.clone();
        tokio::spawn(async move {
            loop {
                // Ends when the store is gone (its drop wakes this task).
                let Some(sync) = weak.upgrade() else {
                    return;
                };
                let target = sync.requested.load(Ordering::SeqCst);
                if sync.done.borrow().0 >= target {
                    drop(sync);
                    kick.notified().await;
                    continue;
                }
                let (wal, folder) = (sync.wal.clone(), sync.folder.clone());
                let flushed = tokio::task::spawn_blocking(move || flush(&wal, &folder))
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                if let Err(e) = &flushed {
                    tracing::error!(error = %e, "the database's log could not be flushed to disk");
                }
                sync.done.send_replace((target, flushed.is_ok()));
            }
        });
        sync
    }

    /// The database's write-ahead log (`<file>-wal`).
    pub fn log_file(&self) -> &std::path::Path {
        &self.wal
    }

    /// The turn to write: held from `BEGIN` to `COMMIT` (not while the commit is flushed),
    /// with no batch open (one open is committed first). `None` after `WRITE_WAIT` (a writer
    /// holding its turn that long is stuck, or waits for itself): the caller fails as SQLite's
    /// own busy timeout would have made it fail.
    pub async fn write_lock(&self) -> Option<Turn> {
        let turn = self.joining_lock().await?;
        self.close_batch();
        Some(turn)
    }

    /// The turn, leaving an open batch open: for a writer that joins it (`dialect::Here`).
    pub(super) async fn joining_lock(&self) -> Option<Turn> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let turn = tokio::time::timeout(WRITE_WAIT, self.writer.clone().lock_owned())
            .await
            .ok();
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        turn
    }

    /// How the open batch is committed (once, by the writers' connection).
    pub(super) fn set_closer(&self, closer: Closer) {
        let _ = self.closer.0.set(closer);
    }

    /// The open batch's number, if one is open.
    pub(super) fn open_batch(&self) -> Option<u64> {
        self.batch.lock().map(|b| b.open).unwrap_or(None)
    }

    /// How many batches have begun.
    pub fn batches(&self) -> u64 {
        self.batch.lock().map(|b| b.next - 1).unwrap_or(0)
    }

    /// A batch begun (its transaction just begun): its number.
    pub(super) fn begin_batch(&self) -> u64 {
        let mut b = self.batch.lock().unwrap_or_else(|p| p.into_inner());
        let id = b.next;
        b.next += 1;
        b.open = Some(id);
        b.writers = 0;
        b.began = Instant::now();
        id
    }

    /// A writer's savepoint released into the open batch (`joined`), or undone: whether to
    /// leave the batch open for a writer waiting for the turn (else the caller commits it).
    pub(super) fn leave_batch_open(&self, joined: bool) -> bool {
        let mut b = self.batch.lock().unwrap_or_else(|p| p.into_inner());
        b.writers += u32::from(joined);
        self.waiting.load(Ordering::SeqCst) > 0
            && b.writers < BATCH_WRITERS
            && b.began.elapsed() < BATCH_OPEN_AT_MOST
    }

    /// Batch `id` is closed: committed (`ok`) or not.
    pub(super) fn batch_closed(&self, id: u64, ok: bool) {
        {
            let mut b = self.batch.lock().unwrap_or_else(|p| p.into_inner());
            if b.open == Some(id) {
                b.open = None;
            }
        }
        if !ok {
            let mut f = self.failed.lock().unwrap_or_else(|p| p.into_inner());
            f.push_back(id);
            if f.len() > 1024 {
                f.pop_front();
            }
        }
        self.closed.send_modify(|c| *c = (*c).max(id));
    }

    /// Commits the open batch, if one is open (the caller holds the turn).
    fn close_batch(&self) {
        if let (Some(id), Some(closer)) = (self.open_batch(), self.closer.0.get()) {
            closer(self, id);
        }
    }

    /// Waits until batch `id` is closed: whether it was committed. If the turn is free with
    /// the batch still open (the writer it was left open for went away), commits it.
    pub(super) async fn batch_committed(&self, id: u64) -> bool {
        let mut closed = self.closed.subscribe();
        loop {
            match tokio::time::timeout(BATCH_LOOK, closed.wait_for(|c| *c >= id)).await {
                Ok(Ok(_)) => break,
                Ok(Err(_)) => return false,
                Err(_) => {
                    if let Ok(_turn) = self.writer.clone().try_lock_owned() {
                        if self.open_batch() == Some(id) {
                            self.close_batch();
                        }
                    }
                }
            }
        }
        let failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        !failed.contains(&id)
    }

    /// Returns once everything committed before the call is on disk. `false`: the flush
    /// failed (the disk is failing); the caller must not say the write is stored.
    pub async fn durable(&self) -> bool {
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut done = self.done.subscribe();
        self.kick.notify_one();
        let flushed = match done.wait_for(|(d, _)| *d >= ticket).await {
            Ok(state) => state.1,
            Err(_) => false,
        };
        flushed
    }
}

fn flush(wal: &std::path::Path, folder: &std::path::Path) -> std::io::Result<()> {
    match std::fs::File::open(wal) {
        Ok(f) => f.sync_data()?,
        // No log: everything is in the database file (flushed at the checkpoint that removed it).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    std::fs::File::open(folder)?.sync_all()
}
