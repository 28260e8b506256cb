//! The `Store` implementation for SQLite (embedded default) and PostgreSQL: one module per
//! capability (mirroring `app::store` and `app::api`), each plain Rust over `dialect`, which
//! runs the same SQL text on either backend and holds what differs between them. The
//! conformance suite in `tests/` runs every capability against both.
//!
//! Transactions that read and then write start with a write to the row they are about
//! ("claim" it): SQLite then holds its write lock from the first statement (no upgrade
//! failure under concurrency), and PostgreSQL holds the row lock, so concurrent requests on
//! the same object queue instead of racing.

mod accounts;
mod audit;
mod care;
mod casework;
mod charity;
mod complaints;
mod cycle;
mod declarations;
pub mod dialect;
mod households;
mod imports;
mod intake;
mod jobs;
mod leads;
mod machine;
mod monitoring;
mod parameters;
mod payments;
pub mod postgres;
mod publicity;
mod recovery;
mod reserve;
mod rosters;
mod sealed;
mod shared;
pub mod sqlite;
mod statistics;
pub mod wal_sync;

use crate::crypto::FieldCipher;
use app::store::{DbError, Store};
use dialect::Db;
use std::sync::Arc;

pub(crate) fn db_err(e: sqlx::Error) -> DbError {
    match e {
        sqlx::Error::RowNotFound => DbError::NotFound,
        e => DbError::Other(e.to_string()),
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Opens the database named by `url` (`sqlite://…` or `postgres://…`) and migrates it; fields
/// are sealed and opened with `cipher` (see `crate::crypto`).
pub async fn connect(
    url: &str,
    max_connections: u32,
    cipher: FieldCipher,
) -> anyhow::Result<Backend> {
    let db = if url.starts_with("sqlite:") {
        let (pool, sync) = sqlite::connect(url, max_connections).await?;
        let here = dialect::HereConns::new(pool.clone(), max_connections as usize, &sync);
        Db::Sqlite(pool, sync, here)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Db::Postgres(postgres::connect(url, max_connections).await?)
    } else {
        anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://")
    };
    Ok(SqlStore {
        db,
        cipher,
        audits: Default::default(),
        parameters: Default::default(),
    })
}

/// The store over either backend: every capability trait of `app::store` is implemented for
/// it, one module each.
#[derive(Clone)]
pub struct SqlStore {
    db: Db,
    cipher: FieldCipher,
    /// Audit records waiting to be written together (`audit::Batch`).
    audits: Arc<audit::Batch>,
    /// The policy parameters last read, with the change counter read before them
    /// (`parameters::ParameterCache`).
    parameters: Arc<parameters::ParameterCache>,
}

/// The opened backend: the trait object for server functions and the pool for sessions.
pub type Backend = SqlStore;

impl SqlStore {
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::new(self.clone())
    }

    /// The pool, for what shares the database without being the store (sessions).
    pub fn db(&self) -> &Db {
        &self.db
    }
}
