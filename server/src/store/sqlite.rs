//! SQLite: WAL, foreign keys on, a busy timeout. Commits are written with
//! `synchronous=NORMAL` and made durable by a group flush of the log before the store
//! returns (`super::wal_sync`): as durable as `FULL`, one flush for many commits.
//!
//! The log is copied into the database file (checkpointed) by a task of its own
//! (`checkpoints`), not by whichever writer's commit crossed SQLite's threshold: that writer
//! used to do it inside its turn, every other writer waiting for the copy and the database
//! file's flush (~5 % of a submission's CPU, all of it in the writers' turn).

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Opens (creating the file and its folder when missing) and migrates; returns the pool and
/// the group flusher of its file.
pub async fn connect(
    url: &str,
    max_connections: u32,
) -> anyhow::Result<(SqlitePool, std::sync::Arc<super::wal_sync::WalSync>)> {
    let path = url
        .strip_prefix("sqlite://")
        .map(|p| p.split('?').next().unwrap_or(p));
    if let Some(path) = path {
        let dir = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
        }
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // `checkpoints` below does it.
        .pragma("wal_autocheckpoint", "0");
    migrate(&options).await?;
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        // A connection to a local file does not go stale; the check would cost each use a
        // round trip to the connection's thread.
        .test_before_acquire(false)
        .connect_with(options.clone())
        .await?;
    let file = options_file(url)?;
    let sync = super::wal_sync::WalSync::start(file);
    let checkpointer = sqlx::ConnectOptions::connect(&options).await?;
    tokio::spawn(checkpoints(
        checkpointer,
        sync.log_file().to_path_buf(),
        Arc::downgrade(&sync),
    ));
    Ok((pool, sync))
}

/// Runs the migrations on a connection of their own with foreign keys off, as SQLite's way of
/// changing a table (a CHECK, a column's type) asks: a table is built anew, its rows copied, the
/// old one dropped and the new one renamed, which foreign keys would refuse for a table others
/// refer to. What that may have broken is looked for afterwards, when a migration ran (a start
/// with none to run does not read the whole database): any row `PRAGMA foreign_key_check`
/// finds stops the start.
async fn migrate(options: &SqliteConnectOptions) -> anyhow::Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = options.clone().foreign_keys(false).connect().await?;
    const APPLIED: &str = "SELECT COUNT(*) FROM _sqlx_migrations";
    // No table yet: a new database.
    let before = sqlx::query_scalar::<_, i64>(APPLIED)
        .fetch_one(&mut conn)
        .await
        .unwrap_or(0);
    MIGRATOR.run(&mut conn).await?;
    let after = sqlx::query_scalar::<_, i64>(APPLIED)
        .fetch_one(&mut conn)
        .await?;
    let broken = if after > before {
        sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut conn)
            .await?
    } else {
        Vec::new()
    };
    conn.close().await?;
    anyhow::ensure!(
        broken.is_empty(),
        "the database's migrations left {} rows whose references are broken",
        broken.len()
    );
    Ok(())
}

/// How much log makes a checkpoint due (SQLite's own default threshold: 1 000 pages of 4 KiB).
const CHECKPOINT_AFTER_BYTES: u64 = 4 * 1024 * 1024;
/// How often the log's size is looked at.
const CHECKPOINT_LOOK: Duration = Duration::from_millis(200);

/// One PASSIVE checkpoint; `false` if it failed.
async fn checkpoint(conn: &mut sqlx::SqliteConnection) -> bool {
    match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(conn)
        .await
    {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "checkpoint of the database's log");
            false
        }
    }
}

/// Checkpoints the log `wal` whenever it has grown past `CHECKPOINT_AFTER_BYTES`, on a
/// connection of its own: PASSIVE, so that readers never wait for it (what a reader still uses
/// stays in the log until the next time), and writers only for the last frames. A commit's
/// durability does not depend on it (`WalSync` flushes the log); SQLite flushes the database
/// file after each checkpoint. Ends when the store is gone (`alive`); the last connection to
/// close checkpoints the rest.
async fn checkpoints(
    mut conn: sqlx::SqliteConnection,
    wal: std::path::PathBuf,
    alive: std::sync::Weak<super::wal_sync::WalSync>,
) {
    use sqlx::Connection;
    let mut tick = tokio::time::interval(CHECKPOINT_LOOK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.strong_count() == 0 {
            break;
        }
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size < CHECKPOINT_AFTER_BYTES {
            continue;
        }
        // Most of the log is copied while writers go on; what they appended meanwhile is
        // copied in their turn, so that the log is wholly in the database file and the next
        // writer starts it again from its beginning (else it grows for as long as writes come).
        // (A failed one is logged by `checkpoint` and tried again at the next look.)
        if checkpoint(&mut conn).await {
            let Some(sync) = alive.upgrade() else { break };
            let turn = sync.write_lock().await;
            drop(sync);
            if turn.is_some() {
                checkpoint(&mut conn).await;
            }
        }
    }
    let _ = conn.close().await;
}

/// The database file a URL names, as SQLite opened it.
fn options_file(url: &str) -> anyhow::Result<std::path::PathBuf> {
    Ok(SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_path_buf())
}

/// The migrations of this version, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
