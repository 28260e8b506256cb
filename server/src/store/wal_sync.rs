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
//! The log file is opened for each flush (SQLite may remove and recreate it when its last
//! connection closes), and its folder is flushed too, so a newly created log is found after a
//! power loss. When there is no log file, everything is in the database file, which SQLite
//! flushes at each checkpoint.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How long a writer waits for its turn before failing.
const WRITE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

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

    /// The turn to write: held from `BEGIN` to `COMMIT` (not while the commit is flushed).
    /// `None` after `WRITE_WAIT` (a writer holding its turn that long is stuck, or waits for
    /// itself): the caller fails as SQLite's own busy timeout would have made it fail.
    pub async fn write_lock(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        tokio::time::timeout(WRITE_WAIT, self.writer.clone().lock_owned())
            .await
            .ok()
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
