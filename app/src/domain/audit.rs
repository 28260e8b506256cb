//! The audit trail's entries: who did what to which subject, and when. Every read of a
//! person's data by staff leaves one.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub actor_id: Option<String>,
    /// `login`, `login_failed`, `register`, `submit`, `withdraw`, `unmask`, `attachment_read` …
    pub action: String,
    pub object: String,
    /// `ok`, `denied`, `locked`, `failed`.
    pub result: String,
    pub at: i64,
    /// The client address of the request that did it (MLPS-3 安全审计); none for background
    /// jobs.
    #[serde(default)]
    pub client: Option<String>,
    /// The actor's role when it was written (the store reads it from the account).
    #[serde(default)]
    pub role: Option<String>,
    /// Why, where the action asks for a reason (opening a contact, showing an ID number).
    #[serde(default)]
    pub purpose: Option<String>,
    /// Its place in the hash chain (the store assigns it).
    #[serde(default)]
    pub seq: Option<i64>,
}
