//! Staff and resident accounts, sign-in codes, and the regions accounts are scoped to.

use super::*;
use crate::domain::chain::Department;

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: String,
    pub role: Role,
    /// The mobile number of a resident, the user name of staff.
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    /// The subtree a staff account may see; `None` for residents.
    pub region_code: Option<RegionCode>,
    /// The department of a department officer.
    pub department: Option<Department>,
    pub failed_logins: i64,
    pub locked_until: Option<Millis>,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub role: Role,
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub region_code: Option<RegionCode>,
    pub department: Option<Department>,
    pub now: Millis,
}

/// A verification code on its way to a phone.
#[derive(Clone, Debug)]
pub struct NewCode {
    pub phone: String,
    pub code_hash: String,
    /// The address the request came from (`services::ClientAddr`).
    pub client: String,
    pub issued_at: Millis,
    pub expires_at: Millis,
    /// No new code while the last was issued after this.
    pub not_after: Millis,
    /// At most this many codes to one phone, and from one address, in the 24 hours before
    /// `issued_at`.
    pub per_phone_per_day: i64,
    pub per_client_per_day: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeOutcome {
    Stored,
    TooSoon,
    DailyCap,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_user(&self, user: NewUser) -> Result<String, DbError>;

    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, DbError>;

    async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, DbError>;

    /// Counts a failed login; locks the account until `lock_until` when it reaches `max_failures`.
    async fn record_failed_login(
        &self,
        user_id: &str,
        max_failures: i64,
        lock_until: Millis,
    ) -> Result<(), DbError>;

    async fn record_successful_login(&self, user_id: &str) -> Result<(), DbError>;

    async fn staff_accounts(&self) -> Result<Vec<UserRecord>, DbError>;

    /// Stores a new code, and records its sending, unless the last code of the phone was issued
    /// after `c.not_after` (whatever became of it) or a daily cap is reached; nothing is stored
    /// then.
    async fn put_verification_code(&self, c: NewCode) -> Result<CodeOutcome, DbError>;

    /// True once for a matching, unexpired code; the code is spent either way after 5 tries
    /// (spent, not forgotten: the time it was sent still holds back the next one).
    async fn consume_verification_code(
        &self,
        phone: &str,
        code_hash: &str,
        now: Millis,
    ) -> Result<bool, DbError>;

    async fn region_children(&self, parent: Option<&str>) -> Result<Vec<Region>, DbError>;

    async fn region(&self, code: &RegionCode) -> Result<Option<Region>, DbError>;
}
