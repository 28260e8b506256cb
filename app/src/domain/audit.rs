//! The audit trail's entries: who did what to which subject, and when. Every read of a
//! person's data by staff leaves one.

use serde::{Deserialize, Serialize};

coded! {
    /// How an audited action ended.
    pub enum AuditResult {
        /// Done (or read).
        Ok = "ok",
        /// Refused: outside the actor's region, role or duty.
        Denied = "denied",
        /// Tried and wrong: a password or a code.
        Failed = "failed",
        /// Held back by a limit before anything was checked.
        Throttled = "throttled",
        /// A right password of a disabled account.
        Disabled = "disabled",
        /// A right password of staff who must enrol a second factor first.
        MustEnrol = "must_enrol",
        /// A one-time recovery code spent.
        Used = "used",
        /// A file refused whole by its checks (nothing of it stored).
        Refused = "refused",
        /// Stopped by an error of the system (nothing of it stored).
        Error = "error",
        /// A right password and a wrong second factor.
        SecondFactorFailed = "second_factor_failed",
        /// A home visit sent again (already recorded from this device).
        Repeat = "repeat",
        /// A home visit that conflicts with another recorded meanwhile (both kept, flagged).
        Conflict = "conflict",
        /// Recorded before: a repeated request that changed nothing.
        Exists = "exists",
        /// Refused until a caseworker confirms (a charity's contact before confirmation).
        Unconfirmed = "unconfirmed",
        /// An account locked after failures: written by versions before sign-in limits per
        /// account and address (no longer written, still read).
        Locked = "locked",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub actor_id: Option<String>,
    /// `login`, `login_failed`, `register`, `submit`, `withdraw`, `unmask`, `attachment_read` …
    pub action: String,
    pub object: String,
    pub result: AuditResult,
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
