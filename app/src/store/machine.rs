//! 部门系统对接: the credentials of departments' systems for the machine API, and what the API
//! keeps so that every server process agrees (nonces seen, calls counted, batches taken).

use super::*;
use crate::domain::chain::Department;
use crate::domain::monitoring::Source;

/// A key as made: its public id and its secret (shown once, stored sealed).
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub id: String,
    pub secret: String,
    /// The first characters of the secret's SHA-256, to tell keys apart on a page.
    pub fingerprint: String,
    pub created_by: String,
    pub now: Millis,
}

/// A connected system as an administrator makes it, with its first key.
#[derive(Clone, Debug)]
pub struct NewApiClient {
    /// Also the id of the account it acts through.
    pub id: String,
    pub name: String,
    pub department: Department,
    pub sources: Vec<Source>,
    pub region: RegionCode,
    pub calls_per_minute: i64,
    pub key: NewApiKey,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub fingerprint: String,
    pub created_at: Millis,
    /// Set when the key was rotated out: it works until then.
    pub expires_at: Option<Millis>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiClientRecord {
    pub id: String,
    pub name: String,
    pub department: Department,
    pub sources: Vec<Source>,
    pub region: RegionCode,
    pub calls_per_minute: i64,
    pub created_by_name: String,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
    /// Newest first.
    pub keys: Vec<ApiKeyRecord>,
}

/// What a signed request's key id finds: the key's secret (opened) and its system.
#[derive(Clone, Debug)]
pub struct ApiKeyLookup {
    pub key_id: String,
    pub secret: String,
    pub expires_at: Option<Millis>,
    pub client: ApiClientRecord,
}

/// A pushed batch already taken under its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchClaim {
    /// Taken now: the caller imports it.
    Claimed,
    /// Imported before: its source and report (JSON).
    Done { source: Source, report_json: String },
    /// Another request is importing it now.
    Running,
}

#[async_trait]
pub trait MachineStore: Send + Sync {
    /// Makes the system's account, the system, its sources and its first key in one
    /// transaction.
    async fn create_api_client(&self, c: NewApiClient, now: Millis) -> Result<(), DbError>;

    /// The systems whose region lies in `region`, newest first, with their keys.
    async fn api_clients(&self, region: &RegionCode) -> Result<Vec<ApiClientRecord>, DbError>;

    async fn api_client(&self, id: &str) -> Result<Option<ApiClientRecord>, DbError>;

    /// Adds a key; every key of the system still without an end ends at `old_until` (the
    /// overlap). `Conflict("api_client_revoked")` for a revoked system.
    async fn rotate_api_key(
        &self,
        client_id: &str,
        key: NewApiKey,
        old_until: Millis,
    ) -> Result<(), DbError>;

    /// Revokes a system: its keys stop at once. `Conflict("api_client_revoked")` when it was.
    async fn revoke_api_client(
        &self,
        client_id: &str,
        by: &str,
        now: Millis,
    ) -> Result<(), DbError>;

    async fn api_key(&self, key_id: &str) -> Result<Option<ApiKeyLookup>, DbError>;

    /// Records a nonce of a key; `false` when it was seen in the last ten minutes (a replay).
    /// Nonces older than `forget_before` are forgotten.
    async fn use_api_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        now: Millis,
        forget_before: Millis,
    ) -> Result<bool, DbError>;

    /// Counts a call of a system in its minute; the count so far in that minute.
    async fn count_api_call(&self, client_id: &str, minute: i64) -> Result<i64, DbError>;

    /// Takes a batch key for a push (a running claim older than `stale_before` is taken over:
    /// its request died).
    async fn claim_api_batch(
        &self,
        client_id: &str,
        batch_key: &str,
        source: Source,
        now: Millis,
        stale_before: Millis,
    ) -> Result<BatchClaim, DbError>;

    /// Records a claimed batch's import and report.
    async fn finish_api_batch(
        &self,
        client_id: &str,
        batch_key: &str,
        import_id: &str,
        report_json: &str,
    ) -> Result<(), DbError>;

    /// Gives a claimed batch back (its import failed): it may be sent again.
    async fn release_api_batch(&self, client_id: &str, batch_key: &str) -> Result<(), DbError>;

    /// Warnings in `region` raised by an import of one of `sources`, created at or after
    /// `since`, oldest first, at most `limit`.
    async fn warnings_from_sources(
        &self,
        region: &RegionCode,
        sources: &[Source],
        since: Millis,
        limit: i64,
    ) -> Result<Vec<WarningRecord>, DbError>;
}
