//! Who is calling: password hashing (Argon2id, OWASP parameters, on a blocking thread),
//! login with lockout, the axum-login backend, and `require` for server functions.

use crate::api::types::{AuditEntry, CurrentUser};
use crate::domain::phone::Phone;
use crate::domain::status::Role;
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

pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
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

/// Passwords: 8–64 characters with at least a letter and a digit.
pub fn password_acceptable(p: &str) -> bool {
    let n = p.chars().count();
    (8..=64).contains(&n)
        && p.chars().any(|c| c.is_ascii_digit())
        && p.chars().any(|c| c.is_alphabetic())
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
    pub fn current(&self) -> CurrentUser {
        let u = &self.0;
        let login_masked = match u.role {
            Role::Resident => Phone::parse(&u.login)
                .map(|p| p.masked())
                .unwrap_or_default(),
            _ => u.login.clone(),
        };
        CurrentUser {
            id: u.id.clone(),
            role: u.role,
            display_name: u.display_name.clone(),
            login_masked,
            region_code: u.region_code.as_ref().map(|r| r.as_str().to_owned()),
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

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, DbError> {
        Ok(self.store.user_by_id(id).await?.map(SessionUser))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

pub async fn auth_session() -> Result<AuthSession, AppError> {
    leptos_axum::extract::<AuthSession>()
        .await
        .map_err(AppError::internal)
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
        audit(s, Some(&user.0.id), action, object, "denied").await;
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
        Some(region) if matches!(user.0.role, Role::Caseworker | Role::Admin) => {
            check_in_region(s, user, region, action, object).await
        }
        _ => {
            audit(s, Some(&user.0.id), action, object, "denied").await;
            Err(AppError::NotFound)
        }
    }
}

/// The signed-in user with one of `roles`; every mutating server function starts here.
pub async fn require(roles: &[Role]) -> Result<SessionUser, AppError> {
    let user = current_user().await?.ok_or(AppError::Unauthenticated)?;
    if roles.contains(&user.0.role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn audit(s: &Services, actor: Option<&str>, action: &str, object: &str, result: &str) {
    let entry = AuditEntry {
        actor_id: actor.map(str::to_string),
        action: action.into(),
        object: object.into(),
        result: result.into(),
        at: now_millis(),
    };
    if let Err(e) = s.store.audit(entry).await {
        // The action itself already happened; losing its audit line must be visible in the log.
        tracing::error!(error = %e, action, object, "audit write failed");
    }
}

/// Checks a password with lockout: after `max_failed_logins` failures the account is locked
/// for `lockout_minutes`, and while locked even the right password is refused.
pub async fn check_login(login: &str, password: &str) -> Result<SessionUser, AppError> {
    let s = services()?;
    let now = now_millis();
    let Some(user) = s.store.user_by_login(login).await? else {
        // Spend the same time as a real check so existence does not leak through timing.
        let _ = hash_password(password.to_string()).await;
        // Unknown logins are not written down: they may be someone's mistyped phone number.
        audit(&s, None, "login", "unknown_login", "failed").await;
        return Err(AppError::refused("bad_credentials"));
    };
    if user.locked_until.is_some_and(|t| t > now) {
        audit(&s, Some(&user.id), "login", &user.id, "locked").await;
        return Err(AppError::refused("account_locked"));
    }
    if verify_password(password.to_string(), user.password_hash.clone()).await? {
        s.store.record_successful_login(&user.id).await?;
        audit(&s, Some(&user.id), "login", &user.id, "ok").await;
        Ok(SessionUser(user))
    } else {
        let lock_until = now + s.settings.lockout_minutes * 60_000;
        s.store
            .record_failed_login(&user.id, s.settings.max_failed_logins, lock_until)
            .await?;
        audit(&s, Some(&user.id), "login", &user.id, "failed").await;
        if user.failed_logins + 1 >= s.settings.max_failed_logins {
            Err(AppError::refused("account_locked"))
        } else {
            Err(AppError::refused("bad_credentials"))
        }
    }
}
