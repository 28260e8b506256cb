//! Staff and resident accounts, sign-in codes, and the regions accounts are scoped to.

use super::*;
use crate::domain::chain::Department;
use crate::domain::status::AdminDuty;

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
    /// The second factor's shared secret (base32), once enrolled.
    pub totp_secret: Option<String>,
    /// Set by an administrator's choice of the first password: nothing else until it changes.
    pub must_change_password: bool,
    /// A disabled account signs in nowhere, and its sessions end at once.
    pub disabled: bool,
    /// An administrator's duty; `None` for every other role.
    pub duty: Option<AdminDuty>,
}

#[derive(Clone, Debug)]
pub struct AttemptKey {
    /// The digest a count is kept under (see `auth::count_attempt`).
    pub key: String,
    /// The digest of the account it concerns, for a count per account and address (so a
    /// security administrator can lift it); `None` for a count per address alone.
    pub subject: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub role: Role,
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub region_code: Option<RegionCode>,
    pub department: Option<Department>,
    /// The password was chosen by someone else (an administrator creating the account).
    pub must_change_password: bool,
    /// Required for an administrator, `None` for every other role.
    pub duty: Option<AdminDuty>,
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

    /// Counts one sign-in attempt under each key (per login and address, per address) in one
    /// statement per key, before the password is checked: the counts after it, in `keys`'
    /// order. A key's window restarts once it is `window` old.
    async fn count_login_attempt(
        &self,
        keys: &[AttemptKey],
        window: Millis,
        now: Millis,
    ) -> Result<Vec<i64>, DbError>;
    /// A sign-in that succeeded: the (login, address) key is cleared (`Some`) and the address's
    /// own count gives its attempt back. A right password still waiting for its second factor
    /// gives back only the address's attempt (`None`): the account's count keeps it, so
    /// alternating requests never guess codes without limit.
    async fn login_succeeded(
        &self,
        pair_key: Option<&str>,
        client_key: &str,
    ) -> Result<(), DbError>;
    /// Forgets sign-in counts whose window started before `before`; returns how many.
    async fn purge_login_attempts(&self, before: Millis) -> Result<u64, DbError>;
    /// Forgets every count kept for these accounts (`AttemptKey::subject`), whatever the
    /// address: a security administrator lifting a lockout. Returns how many.
    async fn clear_login_attempts(&self, subjects: &[String]) -> Result<u64, DbError>;
    /// Enrols (`Some`: the secret and the digests of ten recovery codes, replacing any before)
    /// or resets (`None`: the secret and every recovery code go) a second factor.
    async fn set_second_factor(
        &self,
        user_id: &str,
        enrolment: Option<(&str, &[String])>,
        now: Millis,
    ) -> Result<(), DbError>;
    /// Uses the TOTP time step `step` once: false when it, or a later one, was used already.
    async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool, DbError>;
    /// Uses a recovery code once: false when unknown or already used.
    async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: Millis,
    ) -> Result<bool, DbError>;
    /// Recovery codes of the account not yet used.
    async fn recovery_codes_left(&self, user_id: &str) -> Result<i64, DbError>;
    /// A new password hash; `must_change` says whether its owner chose it.
    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), DbError>;
    /// Disables (`Some(when)`) or re-enables (`None`) an account.
    async fn set_disabled(&self, user_id: &str, at: Option<Millis>) -> Result<(), DbError>;
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

    /// The regions among `codes` (each once, in no particular order; unknown codes left out).
    /// One query where the store can: a page of fifty rows names fifty villages.
    async fn regions(&self, codes: &[RegionCode]) -> Result<Vec<Region>, DbError> {
        let mut codes = codes.to_vec();
        codes.sort_unstable();
        codes.dedup();
        let mut out = Vec::with_capacity(codes.len());
        for code in &codes {
            if let Some(r) = self.region(code).await? {
                out.push(r);
            }
        }
        Ok(out)
    }
}
