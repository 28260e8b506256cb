//! Accounts: resident registration with an SMS code, login with lockout, logout, the current
//! user, and staff accounts created by an administrator within the administrator's region.

use crate::api::types::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::{declaration::FieldErrorCode, phone::Phone, region::RegionCode, status::Role},
    services::{now_millis, services},
    store::{CodeOutcome, DbError, NewCode, NewUser},
};

#[cfg(feature = "ssr")]
fn hash_code(phone: &str, code: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("{phone}:{code}").as_bytes()))
}

/// Consumes a verification code sent to `phone`; false when it is wrong or expired.
#[cfg(feature = "ssr")]
pub(crate) async fn consume_code(
    s: &crate::services::Services,
    phone: &Phone,
    code: &str,
    now: i64,
) -> Result<bool, crate::error::AppError> {
    Ok(s.store
        .consume_verification_code(phone.as_str(), &hash_code(phone.as_str(), code.trim()), now)
        .await?)
}

/// Sends a six-digit verification code to a mobile number (through the `Notifier`).
#[server(endpoint = "accounts/send_code")]
pub async fn send_code(phone: String) -> Result<(), AppError> {
    use rand::Rng;
    let phone =
        Phone::parse(&phone).map_err(|_| AppError::field("phone", FieldErrorCode::PhoneFormat))?;
    let s = services()?;
    let client = crate::services::client_addr().await?;
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    let now = now_millis();
    let outcome = s
        .store
        .put_verification_code(NewCode {
            phone: phone.as_str().to_owned(),
            code_hash: hash_code(phone.as_str(), &code),
            client: client.to_string(),
            issued_at: now,
            expires_at: now + s.settings.code_ttl_minutes * 60_000,
            // One SMS per number per interval (a minute), so no one floods a phone.
            not_after: now - s.settings.sms_interval_seconds * 1000,
            per_phone_per_day: s.settings.sms_per_phone_per_day,
            per_client_per_day: s.settings.sms_per_client_per_day,
        })
        .await?;
    if outcome != CodeOutcome::Stored {
        tracing::warn!(?outcome, %client, "verification SMS refused");
        return Err(AppError::TooManyRequests);
    }
    s.notifier
        .send_sms(
            phone.as_str(),
            &format!(
                "【兜底】您的验证码是 {code}，{} 分钟内有效。",
                s.settings.code_ttl_minutes
            ),
        )
        .await
        .map_err(AppError::internal)?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub phone: String,
    pub code: String,
    pub password: String,
}

/// Creates a resident account (mobile number + password) and signs it in.
#[server(endpoint = "accounts/register")]
pub async fn register(form: Registration) -> Result<CurrentUser, AppError> {
    let phone = Phone::parse(&form.phone)
        .map_err(|_| AppError::field("phone", FieldErrorCode::PhoneFormat))?;
    if !auth::password_acceptable(&form.password) {
        return Err(AppError::refused("weak_password"));
    }
    let s = services()?;
    let now = now_millis();
    if !consume_code(&s, &phone, &form.code, now).await? {
        return Err(AppError::refused("bad_code"));
    }
    let hash = auth::hash_password(form.password).await?;
    let user = NewUser {
        role: Role::Resident,
        login: phone.as_str().to_string(),
        display_name: phone.masked(),
        password_hash: hash,
        region_code: None,
        department: None,
        now,
    };
    let id = match s.store.create_user(user).await {
        Ok(id) => id,
        Err(DbError::Conflict(_)) => return Err(AppError::refused("phone_taken")),
        Err(e) => return Err(e.into()),
    };
    audit(&s, Some(&id), "register", &id, "ok").await;
    let record = s.store.user_by_id(&id).await?.ok_or(AppError::Internal)?;
    let user = auth::SessionUser(record);
    auth::auth_session()
        .await?
        .login(&user)
        .await
        .map_err(AppError::internal)?;
    Ok(user.current())
}

/// Signs in with a mobile number (residents) or user name (staff).
#[server(endpoint = "accounts/login")]
pub async fn login(login: String, password: String) -> Result<CurrentUser, AppError> {
    let login = Phone::parse(&login)
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|_| login.trim().to_string());
    if login.is_empty() || login.len() > 64 || password.len() > 256 {
        return Err(AppError::refused("bad_credentials"));
    }
    let user = auth::check_login(&login, &password).await?;
    auth::auth_session()
        .await?
        .login(&user)
        .await
        .map_err(AppError::internal)?;
    Ok(user.current())
}

#[server(endpoint = "accounts/logout")]
pub async fn logout() -> Result<(), AppError> {
    auth::auth_session()
        .await?
        .logout()
        .await
        .map_err(AppError::internal)?;
    Ok(())
}

#[server(endpoint = "accounts/me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    Ok(auth::current_user().await?.map(|u| u.current()))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub password: String,
    /// A `Department` code; required for department officers, ignored for other roles.
    #[serde(default)]
    pub department: String,
}

/// An administrator creates a staff account bound to a region inside the administrator's own.
#[server(endpoint = "accounts/create_staff")]
pub async fn create_staff(staff: NewStaff) -> Result<String, AppError> {
    let admin = auth::require(&[Role::Admin]).await?;
    let role = Role::from_code(&staff.role)
        .filter(|r| r.is_staff())
        .ok_or_else(|| AppError::field("role", FieldErrorCode::InvalidChoice))?;
    let region = RegionCode::parse(&staff.region_code)
        .map_err(|_| AppError::field("region_code", FieldErrorCode::Required))?;
    let admin_region = auth::staff_scope(&admin)?;
    if !region.is_within(&admin_region) {
        return Err(AppError::Forbidden);
    }
    let department = match role {
        Role::Department => Some(
            crate::domain::chain::Department::from_code(staff.department.trim())
                .ok_or_else(|| AppError::field("department", FieldErrorCode::Required))?,
        ),
        _ => None,
    };
    let login = staff.login.trim().to_string();
    if login.is_empty()
        || login.chars().count() > 32
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(AppError::field("login", FieldErrorCode::InvalidChoice));
    }
    let name = staff.display_name.trim().to_string();
    if name.is_empty() || name.chars().count() > 30 {
        return Err(AppError::field("display_name", FieldErrorCode::Required));
    }
    if !auth::password_acceptable(&staff.password) {
        return Err(AppError::refused("weak_password"));
    }
    let s = services()?;
    let hash = auth::hash_password(staff.password).await?;
    let id = s
        .store
        .create_user(NewUser {
            role,
            login,
            display_name: name,
            password_hash: hash,
            region_code: Some(region),
            department,
            now: now_millis(),
        })
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => AppError::refused("login_taken"),
            e => e.into(),
        })?;
    audit(&s, Some(&admin.0.id), "create_staff", &id, "ok").await;
    Ok(id)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
}

/// Staff accounts inside the administrator's region.
#[server(endpoint = "accounts/staff")]
pub async fn staff_accounts() -> Result<Vec<StaffView>, AppError> {
    let admin = auth::require(&[Role::Admin]).await?;
    let admin_region = auth::staff_scope(&admin)?;
    let s = services()?;
    Ok(s.store
        .staff_accounts()
        .await?
        .into_iter()
        .filter(|u| {
            u.region_code
                .as_ref()
                .is_some_and(|r| r.is_within(&admin_region))
        })
        .map(|u| StaffView {
            login: u.login,
            display_name: u.display_name,
            role: u.role.code().into(),
            region_code: u
                .region_code
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
        })
        .collect())
}
