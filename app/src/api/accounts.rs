//! Accounts: resident registration with an SMS code, login with lockout, logout, the current
//! user, and staff accounts created by an administrator within the administrator's region.

use crate::api::types::CurrentUser;
#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::{
        declaration::FieldErrorCode,
        phone::Phone,
        region::RegionCode,
        status::{AdminDuty, Role},
    },
    services::{now_millis, services, Services},
    store::{CodeOutcome, DbError, NewCode, NewUser, UserRecord},
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

/// Sends a six-digit verification code to a mobile number (through the `Notifier`). Answers the
/// seconds before another code may be asked for (the page counts them down).
#[server(endpoint = "accounts/send_code")]
pub async fn send_code(phone: String) -> Result<u32, AppError> {
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
    Ok(u32::try_from(s.settings.sms_interval_seconds).unwrap_or(60))
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
        password_hash: hash.clone(),
        region_code: None,
        department: None,
        must_change_password: false,
        duty: None,
        now,
    };
    let id = match s.store.create_user(user).await {
        Ok(id) => {
            audit(&s, Some(&id), "register", &id, AuditResult::Ok).await;
            id
        }
        Err(DbError::Conflict(_)) => claim_household_account(&s, &phone, &hash).await?,
        Err(e) => return Err(e.into()),
    };
    let record = s.store.user_by_id(&id).await?.ok_or(AppError::Internal)?;
    let user = auth::SessionUser(record);
    auth::sign_in(&user).await?;
    Ok(user.current())
}

/// A resident account made for a household by a caseworker applying on its behalf (基层上报,
/// `api::leads`) has a password nobody knows: whoever proves the number with a code takes it
/// with their own password. Any other account of that number is `phone_taken`.
#[cfg(feature = "ssr")]
async fn claim_household_account(
    s: &crate::services::Services,
    phone: &Phone,
    hash: &str,
) -> Result<String, AppError> {
    match s.store.user_by_login(phone.as_str()).await? {
        Some(u) if u.role == Role::Resident && u.must_change_password => {
            s.store.set_password(&u.id, hash, false).await?;
            audit(s, Some(&u.id), "claim_account", &u.id, AuditResult::Ok).await;
            Ok(u.id)
        }
        _ => Err(AppError::refused("phone_taken")),
    }
}

/// Signs in with a mobile number (residents) or user name (staff), and the second factor
/// (`otp`: a code from the authenticator app or a recovery code) of accounts that have one.
/// Refusals: `bad_credentials`, `too_many_attempts`, `second_factor_needed` (send again with
/// `otp`), `bad_second_factor`, and `second_factor_enrol`: a role that must have a second
/// factor has none yet, and this session may now enrol one (`begin_second_factor`) and only that.
#[server(endpoint = "accounts/login")]
pub async fn login(
    login: String,
    password: String,
    #[server(default)] otp: String,
) -> Result<CurrentUser, AppError> {
    let login = Phone::parse(&login)
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|_| login.trim().to_string());
    if login.is_empty() || login.len() > 64 || password.len() > 256 || otp.len() > 64 {
        return Err(AppError::refused("bad_credentials"));
    }
    match auth::check_login(&login, &password, &otp).await? {
        auth::LoginOutcome::Ready(user) => {
            auth::sign_in(&user).await?;
            Ok(user.current())
        }
        auth::LoginOutcome::MustEnrol(user) => {
            auth::hold_for_enrolment(&user).await?;
            Err(AppError::refused("second_factor_enrol"))
        }
    }
}

/// What an authenticator app needs to start: the QR code (SVG drawn by the server), and the
/// same secret as text for typing in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub login: String,
    pub secret: String,
    pub qr_svg: String,
}

/// Starts enrolling a second factor: for a member of staff just past their password
/// (`second_factor_enrol`), or a signed-in charity choosing one. The secret waits in the session
/// until `confirm_second_factor` proves the app has it. `Refused("second_factor_present")` when
/// the account has one already (a security administrator resets a lost one).
#[server(endpoint = "accounts/second_factor/begin")]
pub async fn begin_second_factor() -> Result<Enrolment, AppError> {
    use crate::second_factor as sf;
    let user = auth::enrolling_user().await?;
    if user.0.totp_secret.is_some() {
        return Err(AppError::refused("second_factor_present"));
    }
    let secret = sf::new_secret();
    auth::auth_session()
        .await?
        .session
        .insert(auth::ENROLMENT_SECRET, &secret)
        .await
        .map_err(AppError::internal)?;
    let url = sf::otpauth_url(&secret, &user.0.login)?;
    Ok(Enrolment {
        login: user.0.login.clone(),
        qr_svg: sf::qr_svg(&url)?,
        secret,
    })
}

/// Finishes enrolling: `code` from the app proves it holds the secret. Stores the secret, signs
/// the member of staff in, and answers the ten recovery codes, shown this once.
/// `Refused("bad_second_factor")` for a wrong code; five wrong codes end the enrolment.
#[server(endpoint = "accounts/second_factor/confirm")]
pub async fn confirm_second_factor(code: String) -> Result<Vec<String>, AppError> {
    use crate::second_factor as sf;
    let user = auth::enrolling_user().await?;
    let s = services()?;
    let session = auth::auth_session().await?.session;
    let secret: String = session
        .get(auth::ENROLMENT_SECRET)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::refused("enrolment_expired"))?;
    if user.0.totp_secret.is_some() {
        return Err(AppError::refused("second_factor_present"));
    }
    let keys = auth::count_attempt(&s, "enrol", &user.0.id).await?;
    let now_s = (auth::real_now_millis() / 1000) as u64;
    let Some(step) = sf::matching_step(&secret, &code, now_s)? else {
        audit(
            &s,
            Some(&user.0.id),
            "second_factor_enrol",
            &user.0.id,
            AuditResult::Failed,
        )
        .await;
        return Err(AppError::refused("bad_second_factor"));
    };
    let codes = sf::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| sf::recovery_hash(c)).collect();
    s.store
        .set_second_factor(&user.0.id, Some((&secret, &hashes)), now_millis())
        .await?;
    // The code that proved the app is spent like any other.
    s.store.use_totp_step(&user.0.id, step).await?;
    s.store.login_succeeded(Some(&keys.0), &keys.1).await?;
    let _ = session.remove::<String>(auth::ENROLMENT_SECRET).await;
    audit(
        &s,
        Some(&user.0.id),
        "second_factor_enrol",
        &user.0.id,
        AuditResult::Ok,
    )
    .await;
    let user = s
        .store
        .user_by_id(&user.0.id)
        .await?
        .map(auth::SessionUser)
        .ok_or(AppError::Unauthenticated)?;
    if auth::current_user().await?.is_none() {
        auth::sign_in(&user).await?;
    }
    let _ = session.remove::<(String, i64)>(auth::ENROLMENT_USER).await;
    Ok(codes)
}

/// Whether a charity's organisation serves only regions inside `scope` (a charity's account has
/// no region of its own: the administrator responsible is one whose region holds all it serves).
#[cfg(feature = "ssr")]
async fn charity_within(
    s: &Services,
    user: &UserRecord,
    scope: &RegionCode,
) -> Result<bool, AppError> {
    Ok(match s.store.charity_of_user(&user.id).await? {
        Some(c) => !c.regions.is_empty() && c.regions.iter().all(|r| r.is_within(scope)),
        None => false,
    })
}

/// An account the security administrator may act on: staff of their region, or a charity's
/// account whose organisation serves only regions inside it. Any other answers `NotFound`
/// (audited as denied when the account exists).
#[cfg(feature = "ssr")]
async fn account_in_scope(
    s: &Services,
    admin: &auth::SessionUser,
    login: &str,
    action: &str,
) -> Result<UserRecord, AppError> {
    let target = s
        .store
        .user_by_login(login.trim())
        .await?
        .filter(|u| u.role.is_staff())
        .ok_or(AppError::NotFound)?;
    if let Some(region) = &target.region_code {
        auth::check_in_region(s, admin, region, action, &target.id).await?;
        return Ok(target);
    }
    if target.role == Role::Charity
        && charity_within(s, &target, &auth::staff_scope(admin)?).await?
    {
        return Ok(target);
    }
    audit(
        s,
        Some(&admin.0.id),
        action,
        &target.id,
        AuditResult::Denied,
    )
    .await;
    Err(AppError::NotFound)
}

/// The security administrator clears the second factor of a staff account in their region, or
/// of a charity's account serving only inside it (a lost phone): its secret and recovery codes
/// go, and its next sign-in enrols anew (a charity may then choose again). Audited.
#[server(endpoint = "accounts/second_factor/reset")]
pub async fn reset_second_factor(login: String) -> Result<(), AppError> {
    let admin = auth::require_duty(AdminDuty::Security).await?;
    let s = services()?;
    let target = account_in_scope(&s, &admin, &login, "second_factor_reset").await?;
    s.store
        .set_second_factor(&target.id, None, now_millis())
        .await?;
    audit(
        &s,
        Some(&admin.0.id),
        "second_factor_reset",
        &target.id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// The security administrator lifts a lockout: every sign-in count kept for a member of staff in
/// their region (by login for sign-in, by account for enrolment and password change), whatever
/// the address. The counts of the addresses themselves stay.
#[server(endpoint = "accounts/clear_lockout")]
pub async fn clear_lockout(login: String) -> Result<u64, AppError> {
    let admin = auth::require_duty(AdminDuty::Security).await?;
    let s = services()?;
    let target = account_in_scope(&s, &admin, &login, "lockout_clear").await?;
    let cleared = s
        .store
        .clear_login_attempts(&[
            auth::attempt_subject(&target.login),
            auth::attempt_subject(&target.id),
        ])
        .await?;
    audit(
        &s,
        Some(&admin.0.id),
        "lockout_clear",
        &target.id,
        AuditResult::Ok,
    )
    .await;
    Ok(cleared)
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
    let Some(user) = auth::current_user().await? else {
        return Ok(None);
    };
    let mut current = user.current();
    // Staff see their region by name (a resident's is on their application).
    if let Some(region) = user
        .0
        .region_code
        .as_ref()
        .filter(|_| user.0.role.is_staff())
    {
        current.region_name = crate::services::services()?
            .store
            .region(region)
            .await?
            .map(|r| r.name_zh);
    }
    Ok(Some(current))
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
    /// An `AdminDuty` code; required for administrators, ignored for other roles.
    #[serde(default)]
    pub duty: String,
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
    // A grid worker (网格员) reports from one village or community.
    if role == Role::GridWorker && region.level() != crate::domain::region::RegionLevel::Village {
        return Err(AppError::field(
            "region_code",
            FieldErrorCode::RegionNotVillage,
        ));
    }
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
    let duty = match role {
        Role::Admin => Some(
            AdminDuty::from_code(staff.duty.trim())
                .ok_or_else(|| AppError::field("duty", FieldErrorCode::Required))?,
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
            // Whoever chose the first password is not its owner.
            must_change_password: true,
            duty,
            now: now_millis(),
        })
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => AppError::refused("login_taken"),
            e => e.into(),
        })?;
    audit(&s, Some(&admin.0.id), "create_staff", &id, AuditResult::Ok).await;
    Ok(id)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    /// Whether the account has enrolled its second factor.
    pub second_factor: bool,
    pub disabled: bool,
}

/// Staff accounts inside the administrator's region, and (for the security administrator, who
/// resets their second factors) the accounts of charities serving only inside it.
#[server(endpoint = "accounts/staff")]
pub async fn staff_accounts() -> Result<Vec<StaffView>, AppError> {
    let admin = auth::require_role_or_duty(&[Role::Admin], AdminDuty::Security).await?;
    let admin_region = auth::staff_scope(&admin)?;
    let security = admin.0.duty == Some(AdminDuty::Security);
    let s = services()?;
    auth::audit_read(&s, &admin, "staff_read", admin_region.prefix()).await;
    let mut shown = Vec::new();
    for u in s.store.staff_accounts().await? {
        // Departments' systems are managed at /staff/systems (revoked there, not disabled here).
        if u.login
            .starts_with(crate::api::machine::SYSTEM_LOGIN_PREFIX)
        {
            continue;
        }
        let inside = match &u.region_code {
            Some(r) => r.is_within(&admin_region),
            None => {
                security && u.role == Role::Charity && charity_within(&s, &u, &admin_region).await?
            }
        };
        if inside {
            shown.push(u);
        }
    }
    Ok(shown
        .into_iter()
        .map(|u| StaffView {
            login: u.login,
            display_name: u.display_name,
            role: u.role.code().into(),
            second_factor: u.totp_secret.is_some(),
            disabled: u.disabled,
            region_code: u
                .region_code
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
        })
        .collect())
}

/// Changes the signed-in user's own password: the current one first, then a new one that meets
/// the policy and differs from it. Every other session of the account ends (the session's
/// check is the password hash); this one continues. Clears an administrator's forced change.
#[server(endpoint = "accounts/change_password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    let user = auth::current_user()
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let s = services()?;
    if current.len() > 256 || new.len() > 256 {
        return Err(AppError::refused("bad_credentials"));
    }
    let keys = auth::count_attempt(&s, "password", &user.0.id).await?;
    if !auth::verify_password(current.clone(), user.0.password_hash.clone()).await? {
        audit(
            &s,
            Some(&user.0.id),
            "change_password",
            &user.0.id,
            AuditResult::Failed,
        )
        .await;
        return Err(AppError::refused("bad_current_password"));
    }
    if !auth::password_acceptable(&new) {
        return Err(AppError::refused("weak_password"));
    }
    if new == current {
        return Err(AppError::refused("same_password"));
    }
    let hash = auth::hash_password(new).await?;
    s.store.set_password(&user.0.id, &hash, false).await?;
    s.store.login_succeeded(Some(&keys.0), &keys.1).await?;
    audit(
        &s,
        Some(&user.0.id),
        "change_password",
        &user.0.id,
        AuditResult::Ok,
    )
    .await;
    let fresh = s
        .store
        .user_by_id(&user.0.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    // Signed in again under the new hash, keeping the session's absolute lifetime.
    let mut session = auth::auth_session().await?;
    let signed_in_at: Option<i64> = session
        .session
        .get(auth::SIGNED_IN_AT)
        .await
        .map_err(AppError::internal)?;
    session
        .login(&auth::SessionUser(fresh))
        .await
        .map_err(AppError::internal)?;
    if let Some(at) = signed_in_at {
        session
            .session
            .insert(auth::SIGNED_IN_AT, at)
            .await
            .map_err(AppError::internal)?;
    }
    Ok(())
}

/// An administrator disables (`disabled`) or re-enables a staff account of their region. A
/// disabled account's sessions end at once and it signs in nowhere; an administrator cannot
/// disable themselves. Audited.
#[server(endpoint = "accounts/set_staff_disabled")]
pub async fn set_staff_disabled(login: String, disabled: bool) -> Result<(), AppError> {
    let admin = auth::require(&[Role::Admin]).await?;
    let s = services()?;
    let target = s
        .store
        .user_by_login(login.trim())
        .await?
        .filter(|u| {
            u.role.is_staff()
                && u.role != Role::Charity
                && !u
                    .login
                    .starts_with(crate::api::machine::SYSTEM_LOGIN_PREFIX)
        })
        .ok_or(AppError::NotFound)?;
    let region = target.region_code.as_ref().ok_or(AppError::NotFound)?;
    let action = if disabled {
        "disable_staff"
    } else {
        "enable_staff"
    };
    auth::check_in_region(&s, &admin, region, action, &target.id).await?;
    if target.id == admin.0.id {
        return Err(AppError::refused("not_yourself"));
    }
    s.store
        .set_disabled(&target.id, disabled.then(now_millis))
        .await?;
    audit(&s, Some(&admin.0.id), action, &target.id, AuditResult::Ok).await;
    Ok(())
}
