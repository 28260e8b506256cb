//! What one server process counts that every other must see when several serve behind a load
//! balancer: requests per client address a minute (the sign-in and SMS endpoints' limit), and
//! how far an import has come (its uploader's progress bar may be served by another process).

use super::*;

/// An import's progress as its process last wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportRun {
    pub user_id: String,
    /// The page's token for the run.
    pub run: String,
    pub total_bytes: i64,
    pub read_bytes: i64,
    pub rows: i64,
    pub updated_at: Millis,
}

#[async_trait]
pub trait SharedStore: Send + Sync {
    /// Counts one request for `counter` in `minute` (minutes since the epoch) and returns the
    /// count so far in that minute; the counter's earlier minutes are forgotten.
    async fn count_request(&self, counter: &str, minute: i64) -> Result<i64, DbError>;

    /// Writes (or rewrites) an import's progress.
    async fn set_import_run(&self, run: &ImportRun) -> Result<(), DbError>;

    /// The caller's import with that token, when its progress was written at or after
    /// `fresh_since` (older: its process died, and the run is over).
    async fn import_run(
        &self,
        user_id: &str,
        run: &str,
        fresh_since: Millis,
    ) -> Result<Option<ImportRun>, DbError>;

    /// The import is over: its progress is removed.
    async fn end_import_run(&self, user_id: &str, run: &str) -> Result<(), DbError>;

    /// Forgets request counts of minutes before `minute` and progress last written before
    /// `stale_before` (what processes that died left). Returns the rows removed.
    async fn purge_shared(&self, minute: i64, stale_before: Millis) -> Result<u64, DbError>;
}
