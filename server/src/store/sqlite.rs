//! SQLite: WAL, foreign keys on, a busy timeout. Commits are written with
//! `synchronous=NORMAL` and made durable by a group flush of the log before the store
//! returns (`super::wal_sync`): as durable as `FULL`, one flush for many commits.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
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
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        // A connection to a local file does not go stale; the check would cost each use a
        // round trip to the connection's thread.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    let file = options_file(url)?;
    Ok((pool, super::wal_sync::WalSync::start(file)))
}

/// The database file a URL names, as SQLite opened it.
fn options_file(url: &str) -> anyhow::Result<std::path::PathBuf> {
    Ok(SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_path_buf())
}

/// The migrations of this version, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
