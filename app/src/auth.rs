//! Who is calling: password hashing (Argon2id, OWASP parameters, on a blocking thread),
//! login with lockout, the axum-login backend, and `require` for server functions.

use crate::api::types::{AuditEntry, CurrentUser};
use crate::domain::audit::AuditResult;
use crate::domain::phone::Phone;
use crate::domain::status::{AdminDuty, Role};
use crate::error::AppError;
use crate::services::{now_millis, services, Services};
use crate::store::{DbError, Store, UserRecord};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use axum_login::{AuthUser, AuthnBackend, UserId};
use std::sync::Arc;

/// OWASP: Argon2id, m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid params"),
    )
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// A stored hash that begins with this matches no password (as a locked account in
/// `/etc/shadow`): the accounts departments' systems act through sign in nowhere.
pub const NO_PASSWORD: &str = "!";

pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    if hash.starts_with(NO_PASSWORD) {
        return Ok(false);
    }
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| e.to_string())?;
        Ok::<_, String>(
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
        )
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// Passwords (issue 17, hole 3; as NIST SP 800-63B asks): 10–64 characters, not one of the
/// 10 000 most common passwords (ignoring case), no composition rules (a Chinese passphrase is
/// as good as any).
pub fn password_acceptable(p: &str) -> bool {
    let n = p.chars().count();
    (MIN_PASSWORD_CHARS..=64).contains(&n) && !is_common_password(p)
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// Whether `p` is in the shipped list of common passwords (`common_passwords.txt`).
pub fn is_common_password(p: &str) -> bool {
    static COMMON: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let set = COMMON.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });
    set.contains(p.to_lowercase().as_str())
}

/// The user in the session. The auth hash is the password hash, so a password change ends
/// every other session.
#[derive(Clone)]
pub struct SessionUser(pub UserRecord);

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("id", &self.0.id)
            .field("role", &self.0.role)
            .finish()
    }
}

impl AuthUser for SessionUser {
    type Id = String;
    fn id(&self) -> String {
        self.0.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        self.0.password_hash.as_bytes()
    }
}

impl SessionUser {
    /// Whether this account acts as one of `roles`: `Role::Admin` stands for the system
    /// administrator only (accounts, configuration, and the region's casework views); the
    /// security and audit administrators have their own functions (`require_duty`).
    pub fn may_act_as(&self, roles: &[Role]) -> bool {
        roles.contains(&self.0.role)
            && (self.0.role != Role::Admin || self.0.duty == Some(AdminDuty::System))
    }

    pub fn current(&self) -> CurrentUser {
        let u = &self.0;
        // A resident's login is their phone number, which the store keeps only as its keyed
        // digest: their display name is the masked number (set at registration).
        let login_masked = match u.role {
            Role::Resident => Phone::parse(&u.login)
                .map(|p| p.masked())
                .unwrap_or_else(|_| u.display_name.clone()),
            _ => u.login.clone(),
        };
        CurrentUser {
            id: u.id.clone(),
            role: u.role,
            display_name: u.display_name.clone(),
            login_masked,
            region_code: u.region_code.as_ref().map(|r| r.as_str().to_owned()),
            region_name: None,
            must_change_password: u.must_change_password,
            duty: u.duty,
        }
    }
}

pub struct Credentials {
    pub login: String,
    pub password: String,
}

#[derive(Clone)]
pub struct Backend {
    pub store: Arc<dyn Store>,
}

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = DbError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<SessionUser>, DbError> {
        let Some(user) = self.store.user_by_login(&creds.login).await? else {
            return Ok(None);
        };
        let ok = verify_password(creds.password, user.password_hash.clone())
            .await
            .map_err(|e| DbError::Other(e.to_string()))?;
        Ok(ok.then_some(SessionUser(user)))
    }

    /// A disabled account's sessions end here, on their next request.
    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, DbError> {
        Ok(self
            .store
            .user_by_id(id)
            .await?
            .filter(|u| !u.disabled)
            .map(SessionUser))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

pub async fn auth_session() -> Result<AuthSession, AppError> {
    leptos_axum::extract::<AuthSession>()
        .await
        .map_err(AppError::internal)
}

/// Session key of the real (not demo-shifted) time of signing in, milliseconds UTC: a session
/// ends a fixed time after it, however active (`server::http::session_lifetime`).
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// When a signed-in session was last written (ms), to extend its idle expiry while it is used.
pub const TOUCHED_AT: &str = "touched_at";

/// Milliseconds UTC by the system clock (the demo offset never ages a session).
pub fn real_now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Signs `user` in on this session (a new session id) and starts its absolute lifetime.
pub async fn sign_in(user: &SessionUser) -> Result<(), AppError> {
    let mut session = auth_session().await?;
    session.login(user).await.map_err(AppError::internal)?;
    session
        .session
        .insert(SIGNED_IN_AT, real_now_millis())
        .await
        .map_err(AppError::internal)
}

/// Session keys of a second-factor enrolment: the member of staff past their password (id and
/// real time, valid ten minutes), and the secret being enrolled.
pub const ENROLMENT_USER: &str = "enrolment_user";
pub const ENROLMENT_SECRET: &str = "enrolment_secret";
const ENROLMENT_MINUTES: i64 = 10;

/// A member of staff whose password was right but who has no second factor yet: this session
/// may enrol one, and nothing else (they are not signed in).
pub async fn hold_for_enrolment(user: &SessionUser) -> Result<(), AppError> {
    let session = auth_session().await?.session;
    // A new session id: whatever the visitor held before does not carry over.
    session.cycle_id().await.map_err(AppError::internal)?;
    session
        .insert(ENROLMENT_USER, (user.0.id.clone(), real_now_millis()))
        .await
        .map_err(AppError::internal)
}

/// Who may enrol a second factor on this session: the signed-in user, or the member of staff
/// held by `hold_for_enrolment` in the last ten minutes.
pub async fn enrolling_user() -> Result<SessionUser, AppError> {
    if let Some(user) = current_user().await? {
        return Ok(user);
    }
    let session = auth_session().await?.session;
    let held: Option<(String, i64)> = session
        .get(ENROLMENT_USER)
        .await
        .map_err(AppError::internal)?;
    let Some((id, at)) = held else {
        return Err(AppError::Unauthenticated);
    };
    if real_now_millis() - at > ENROLMENT_MINUTES * 60_000 {
        let _ = session.remove::<(String, i64)>(ENROLMENT_USER).await;
        return Err(AppError::refused("enrolment_expired"));
    }
    let s = services()?;
    s.store
        .user_by_id(&id)
        .await?
        .map(SessionUser)
        .ok_or(AppError::Unauthenticated)
}

/// The signed-in user, if any.
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    Ok(auth_session().await?.user)
}

/// The region subtree a staff account may see; `Forbidden` for accounts without one.
pub fn staff_scope(user: &SessionUser) -> Result<crate::domain::region::RegionCode, AppError> {
    user.0.region_code.clone().ok_or(AppError::Forbidden)
}

/// Whether `region_code` lies in the caller's region subtree. Outside it, the attempt is
/// audit-logged (`action`, `object`, denied) and answered `NotFound`, so nothing is disclosed.
pub async fn check_in_region(
    s: &Services,
    user: &SessionUser,
    region_code: &crate::domain::region::RegionCode,
    action: &str,
    object: &str,
) -> Result<(), AppError> {
    let scope = staff_scope(user)?;
    if region_code.is_within(&scope) {
        Ok(())
    } else {
        audit(s, Some(&user.0.id), action, object, AuditResult::Denied).await;
        Err(AppError::NotFound)
    }
}

/// `check_in_region` for what only region staff (caseworkers, administrators) may read, such as
/// a proof file: any other role, and a record without a region, are refused the same way
/// (audited as denied, answered `NotFound`).
pub async fn check_staff_in_region(
    s: &Services,
    user: &SessionUser,
    region_code: Option<&crate::domain::region::RegionCode>,
    action: &str,
    object: &str,
) -> Result<(), AppError> {
    match region_code {
        Some(region) if user.may_act_as(&[Role::Caseworker, Role::Admin]) => {
            check_in_region(s, user, region, action, object).await
        }
        _ => {
            audit(s, Some(&user.0.id), action, object, AuditResult::Denied).await;
            Err(AppError::NotFound)
        }
    }
}

/// The signed-in user of a raw handler's session, held to what `require` holds every user to.
pub fn signed_in(user: Option<SessionUser>) -> Result<SessionUser, AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?;
    if user.0.must_change_password {
        return Err(AppError::refused("must_change_password"));
    }
    Ok(user)
}

/// The signed-in user with one of `roles`; every mutating server function starts here. An
/// account whose password an administrator chose does nothing before changing it
/// (`Refused("must_change_password")`).
pub async fn require(roles: &[Role]) -> Result<SessionUser, AppError> {
    let user = signed_in(current_user().await?)?;
    if user.may_act_as(roles) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// An administrator holding `duty`, signed in as `require` asks (三员分立: the security and
/// audit administrators pass here only, never where `Role::Admin` is asked for).
pub async fn require_duty(duty: AdminDuty) -> Result<SessionUser, AppError> {
    let user = signed_in(current_user().await?)?;
    if user.0.role == Role::Admin && user.0.duty == Some(duty) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// One of `roles` (as `require` asks) or an administrator holding `duty`: a door two duties
/// pass through, such as the staff list (system and security administrators).
pub async fn require_role_or_duty(
    roles: &[Role],
    duty: AdminDuty,
) -> Result<SessionUser, AppError> {
    let user = signed_in(current_user().await?)?;
    if user.may_act_as(roles) || (user.0.role == Role::Admin && user.0.duty == Some(duty)) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn audit(
    s: &Services,
    actor: Option<&str>,
    action: &str,
    object: &str,
    result: AuditResult,
) {
    audit_for(s, actor, action, object, result, None).await
}

/// Records that a member of staff (any role but a resident reading their own) read a person's
/// or a household's data: `object` names which (an application number, a household id) or,
/// for a list, the region it covered. Once per request (`RequestReads`): a page whose parts
/// read the same record twice is one read.
pub async fn audit_read(s: &Services, user: &SessionUser, action: &str, object: &str) {
    if user.0.role != Role::Resident && crate::services::RequestReads::first(action, object) {
        audit(s, Some(&user.0.id), action, object, AuditResult::Ok).await;
    }
}

/// `audit` with the purpose the caller gave for the action (opening a contact, showing an ID
/// number), kept in its own column.
pub async fn audit_for(
    s: &Services,
    actor: Option<&str>,
    action: &str,
    object: &str,
    result: AuditResult,
    purpose: Option<&str>,
) {
    let entry = AuditEntry {
        actor_id: actor.map(str::to_string),
        action: action.into(),
        object: object.into(),
        result,
        at: now_millis(),
        client: crate::services::current_client().map(|ip| ip.to_string()),
        role: None,
        purpose: purpose.map(str::to_string),
        seq: None,
    };
    // What operators watch (`/metrics`): every audited action by result, and sign-in failures
    // and lockouts by name. Actions are the code's own words, a bounded set.
    metrics::counter!(
        "doudi_audit_events_total",
        "action" => entry.action.clone(),
        "result" => result.code()
    )
    .increment(1);
    if action == "login" {
        match result {
            AuditResult::Failed => metrics::counter!("doudi_sign_in_failures_total").increment(1),
            AuditResult::Throttled => {
                metrics::counter!("doudi_sign_in_lockouts_total").increment(1)
            }
            _ => {}
        }
    }
    if let Err(e) = s.store.audit(entry).await {
        // The action itself already happened; losing its audit line must be visible in the log.
        tracing::error!(error = %e, action, object, "audit write failed");
    }
}

/// Where a correct password leads.
pub enum LoginOutcome {
    /// Both factors checked (or the account has none): sign the user in.
    Ready(SessionUser),
    /// A role that needs a second factor and has none yet: enrol before anything else.
    MustEnrol(SessionUser),
}

/// The key of a sign-in limit: a digest, so no mistyped phone number is written down.
fn attempt_key(kind: &str, login: &str, client: std::net::IpAddr) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(
        format!("doudi-login:{kind}:{}:{client}", login.to_lowercase()).as_bytes(),
    ))
}

/// The digest of the account a count concerns (`AttemptKey::subject`): its login as typed for
/// sign-in, its id for the checks made once signed in (enrolment, password change).
pub fn attempt_subject(who: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(
        format!("doudi-login-subject:{}", who.to_lowercase()).as_bytes(),
    ))
}

/// Counts one attempt for (`login`, this client) and for this client before anything is checked,
/// so parallel guesses cannot pass the limits; past either limit the answer is
/// `too_many_attempts`, the same for known and unknown accounts. Returns the two keys.
pub async fn count_attempt(
    s: &Services,
    kind: &str,
    login: &str,
) -> Result<(String, String), AppError> {
    let client = crate::services::client_addr().await?;
    let pair = attempt_key(kind, login, client);
    let by_client = attempt_key("client", "", client);
    let window = s.settings.lockout_minutes * 60_000;
    let counts = s
        .store
        .count_login_attempt(
            &[
                crate::store::AttemptKey {
                    key: pair.clone(),
                    subject: Some(attempt_subject(login)),
                },
                crate::store::AttemptKey {
                    key: by_client.clone(),
                    subject: None,
                },
            ],
            window,
            real_now_millis(),
        )
        .await?;
    if counts[0] > s.settings.max_failed_logins
        || counts[1] > s.settings.max_failed_logins_per_client
    {
        audit(
            s,
            None,
            "login",
            &client.to_string(),
            AuditResult::Throttled,
        )
        .await;
        return Err(AppError::refused("too_many_attempts"));
    }
    Ok((pair, by_client))
}

/// Checks a sign-in: the limits per (account, address) and per address (`count_attempt`), the
/// password, then the second factor (`otp`: a TOTP code or a recovery code) of the accounts that
/// have or need one. Unknown logins, wrong passwords and throttling answer alike for real and
/// unknown accounts, and take the time of a password check. No account is locked for everyone:
/// an outsider's guesses from elsewhere never keep its owner out.
pub async fn check_login(login: &str, password: &str, otp: &str) -> Result<LoginOutcome, AppError> {
    let s = services()?;
    let keys = match count_attempt(&s, "login", login).await {
        Ok(keys) => keys,
        Err(e) => {
            let _ = hash_password(password.to_string()).await;
            return Err(e);
        }
    };
    let user = s.store.user_by_login(login).await?;
    let password_ok = match &user {
        Some(u) => verify_password(password.to_string(), u.password_hash.clone()).await?,
        None => {
            // Spend the same time as a real check so existence does not leak through timing.
            let _ = hash_password(password.to_string()).await;
            false
        }
    };
    let user = match user {
        Some(u) if password_ok && u.disabled => {
            audit(&s, Some(&u.id), "login", &u.id, AuditResult::Disabled).await;
            return Err(AppError::refused("account_disabled"));
        }
        Some(u) if password_ok => u,
        Some(u) => {
            audit(&s, Some(&u.id), "login", &u.id, AuditResult::Failed).await;
            return Err(AppError::refused("bad_credentials"));
        }
        None => {
            // Unknown logins are not written down: they may be someone's mistyped phone number.
            audit(&s, None, "login", "unknown_login", AuditResult::Failed).await;
            return Err(AppError::refused("bad_credentials"));
        }
    };
    if let Some(secret) = &user.totp_secret {
        if otp.trim().is_empty() {
            s.store.login_succeeded(None, &keys.1).await?;
            return Err(AppError::refused("second_factor_needed"));
        }
        let ok = second_factor_ok(&s, &user.id, secret, otp).await?;
        if !ok {
            audit(
                &s,
                Some(&user.id),
                "login",
                &user.id,
                AuditResult::SecondFactorFailed,
            )
            .await;
            return Err(AppError::refused("bad_second_factor"));
        }
    } else if user.role.needs_second_factor() {
        s.store.login_succeeded(None, &keys.1).await?;
        audit(
            &s,
            Some(&user.id),
            "login",
            &user.id,
            AuditResult::MustEnrol,
        )
        .await;
        return Ok(LoginOutcome::MustEnrol(SessionUser(user)));
    }
    s.store.login_succeeded(Some(&keys.0), &keys.1).await?;
    audit(&s, Some(&user.id), "login", &user.id, AuditResult::Ok).await;
    Ok(LoginOutcome::Ready(SessionUser(user)))
}

/// A TOTP code (each time step once) or an unused recovery code of the account.
pub async fn second_factor_ok(
    s: &Services,
    user_id: &str,
    secret: &str,
    otp: &str,
) -> Result<bool, AppError> {
    use crate::second_factor as sf;
    let otp = otp.trim();
    if otp.len() > 32 {
        return Ok(false);
    }
    if sf::looks_like_totp(otp) {
        let now = (real_now_millis() / 1000) as u64;
        return Ok(match sf::matching_step(secret, otp, now)? {
            Some(step) => s.store.use_totp_step(user_id, step).await?,
            None => false,
        });
    }
    let used = s
        .store
        .use_recovery_code(user_id, &sf::recovery_hash(otp), now_millis())
        .await?;
    if used {
        audit(
            s,
            Some(user_id),
            "recovery_code",
            user_id,
            AuditResult::Used,
        )
        .await;
    }
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_and_not_common() {
        assert!(!password_acceptable("secret123"), "nine characters");
        assert!(!password_acceptable("password123"), "common");
        assert!(
            !password_acceptable("PassWord123"),
            "common, whatever the case"
        );
        assert!(!password_acceptable("woaini1314"), "common in China");
        assert!(
            password_acceptable("甘州区的春天来得晚一些"),
            "a passphrase"
        );
        assert!(password_acceptable("Tidal-Lamp-42"));
        assert!(!password_acceptable(&"x".repeat(65)));
    }
}
