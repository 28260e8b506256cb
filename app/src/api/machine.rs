//! 部门系统对接 (Liaoning 二(二)1(1)–(2); Zhangye (四)): a system administrator connects a
//! department's system to the machine API (`/api/v1`, served by `server::machine`): one
//! credential per system, scoped to the department, the comparison sources it may push and a
//! region; its secret is shown once, rotated with an overlap, revoked at once. What the API's
//! calls do is here too where it is more than a store call (a person's standing, a referral's
//! answer), so that the API and the pages share one rule.

use crate::domain::chain::Department;
use crate::domain::monitoring::Source;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit, audit_read},
    domain::audit::AuditResult,
    domain::declaration::FieldErrorCode,
    domain::region::RegionCode,
    domain::status::Role,
    services::{now_millis, services, Services},
    store::{ApiClientRecord, NewApiClient, NewApiKey},
};

/// The most calls a minute an administrator may give a system (beyond: 429).
pub const MAX_CALLS_PER_MINUTE: i64 = 6_000;
/// The calls a minute a new system gets when the administrator leaves it empty.
pub const DEFAULT_CALLS_PER_MINUTE: i64 = 120;
/// The longest overlap of a rotated key, in days.
pub const MAX_OVERLAP_DAYS: u32 = 30;
/// The login of the account a connected system acts through begins with this (no login a
/// person is given can: `create_staff` takes letters, digits, `_` and `.` only). Such accounts
/// are managed at /staff/systems, never in the staff list.
pub const SYSTEM_LOGIN_PREFIX: &str = "api:";
/// A system's name, at most.
pub const MAX_CLIENT_NAME_CHARS: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub fingerprint: String,
    pub created_at: i64,
    /// When a rotated key stops working.
    pub expires_at: Option<i64>,
    /// Whether it signs requests now.
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientView {
    pub id: String,
    pub name: String,
    pub department: Department,
    pub sources: Vec<Source>,
    pub region_code: String,
    pub region_name: String,
    pub calls_per_minute: i64,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub keys: Vec<ApiKeyView>,
}

/// A system as the administrator's form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientDraft {
    pub name: String,
    pub department: String,
    pub sources: Vec<String>,
    pub region_code: String,
    /// Empty: `DEFAULT_CALLS_PER_MINUTE`.
    pub calls_per_minute: String,
}

/// A key just made: its secret is in this answer and nowhere else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedKey {
    pub client_id: String,
    pub key_id: String,
    pub secret: String,
}

#[cfg(feature = "ssr")]
fn new_key(created_by: &str) -> NewApiKey {
    use base64::Engine;
    use rand::RngCore;
    use sha2::Digest;
    let mut id = [0u8; 10];
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut id);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let fingerprint = hex::encode(sha2::Sha256::digest(secret.as_bytes()))[..12].to_string();
    NewApiKey {
        id: format!("dk_{}", hex::encode(id)),
        secret,
        fingerprint,
        created_by: created_by.to_string(),
        now: now_millis(),
    }
}

#[cfg(feature = "ssr")]
fn client_view(
    c: ApiClientRecord,
    names: &std::collections::HashMap<RegionCode, String>,
    now: i64,
) -> ApiClientView {
    let revoked = c.revoked_at.is_some();
    ApiClientView {
        region_name: names.get(&c.region).cloned().unwrap_or_default(),
        region_code: c.region.as_str().to_string(),
        id: c.id,
        name: c.name,
        department: c.department,
        sources: c.sources,
        calls_per_minute: c.calls_per_minute,
        created_by: c.created_by_name,
        created_at: c.created_at,
        revoked_at: c.revoked_at,
        keys: c
            .keys
            .into_iter()
            .map(|k| ApiKeyView {
                active: !revoked && k.expires_at.is_none_or(|e| e > now),
                id: k.id,
                fingerprint: k.fingerprint,
                created_at: k.created_at,
                expires_at: k.expires_at,
            })
            .collect(),
    }
}

/// A system of the administrator's region, or "not found" (the attempt audited).
#[cfg(feature = "ssr")]
async fn client_in_scope(
    s: &Services,
    user: &auth::SessionUser,
    id: &str,
) -> Result<ApiClientRecord, AppError> {
    let c = s
        .store
        .api_client(id.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    auth::check_in_region(s, user, &c.region, "api_client_access", &c.id).await?;
    Ok(c)
}

/// The connected systems of the administrator's region, newest first.
#[server(endpoint = "machine/clients")]
pub async fn api_clients() -> Result<Vec<ApiClientView>, AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = s.store.api_clients(&scope).await?;
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        rows.iter().map(|c| c.region.clone()).collect(),
    )
    .await?;
    audit_read(&s, &user, "api_clients_read", scope.prefix()).await;
    let now = now_millis();
    Ok(rows
        .into_iter()
        .map(|c| client_view(c, &names, now))
        .collect())
}

/// Connects a department's system: its account, its scope and its first key, whose secret the
/// answer holds once.
#[server(endpoint = "machine/create", input = server_fn::codec::Json)]
pub async fn create_api_client(draft: ApiClientDraft) -> Result<IssuedKey, AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let name = draft.name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::field("name", FieldErrorCode::Required));
    }
    if name.chars().count() > MAX_CLIENT_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::field("name", FieldErrorCode::TooLong));
    }
    let department = Department::from_code(draft.department.trim())
        .ok_or_else(|| AppError::field("department", FieldErrorCode::Required))?;
    let mut sources = Vec::new();
    for code in &draft.sources {
        let source = Source::from_code(code.trim())
            .filter(|s| s.department() == department)
            .ok_or_else(|| AppError::field("sources", FieldErrorCode::InvalidChoice))?;
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    let region = RegionCode::parse(draft.region_code.trim())
        .map_err(|_| AppError::field("region_code", FieldErrorCode::Required))?;
    if !region.is_within(&scope) {
        return Err(AppError::field("region_code", FieldErrorCode::OutOfBounds));
    }
    let calls_per_minute = match draft.calls_per_minute.trim() {
        "" => DEFAULT_CALLS_PER_MINUTE,
        n => n
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_CALLS_PER_MINUTE).contains(n))
            .ok_or_else(|| AppError::field("calls_per_minute", FieldErrorCode::CountFormat))?,
    };
    let s = services()?;
    let key = new_key(&user.0.id);
    let id = uuid::Uuid::new_v4().to_string();
    let issued = IssuedKey {
        client_id: id.clone(),
        key_id: key.id.clone(),
        secret: key.secret.clone(),
    };
    s.store
        .create_api_client(
            NewApiClient {
                id: id.clone(),
                name,
                department,
                sources,
                region,
                calls_per_minute,
                key,
            },
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "api_client_create",
        &id,
        AuditResult::Ok,
    )
    .await;
    audit(
        &s,
        Some(&user.0.id),
        "api_key_issue",
        &issued.key_id,
        AuditResult::Ok,
    )
    .await;
    Ok(issued)
}

/// A new key for a system; its keys so far keep working for `overlap_days` (0: they stop now).
#[server(endpoint = "machine/rotate", input = server_fn::codec::Json)]
pub async fn rotate_api_key(client_id: String, overlap_days: u32) -> Result<IssuedKey, AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    if overlap_days > MAX_OVERLAP_DAYS {
        return Err(AppError::field("overlap_days", FieldErrorCode::OutOfBounds));
    }
    let s = services()?;
    let c = client_in_scope(&s, &user, &client_id).await?;
    let key = new_key(&user.0.id);
    let until = key.now + i64::from(overlap_days) * 86_400_000;
    let issued = IssuedKey {
        client_id: c.id.clone(),
        key_id: key.id.clone(),
        secret: key.secret.clone(),
    };
    s.store.rotate_api_key(&c.id, key, until).await?;
    audit(
        &s,
        Some(&user.0.id),
        "api_key_rotate",
        &format!("{}:{}", c.id, issued.key_id),
        AuditResult::Ok,
    )
    .await;
    Ok(issued)
}

/// Disconnects a system: every key of it stops at once.
#[server(endpoint = "machine/revoke", input = server_fn::codec::Json)]
pub async fn revoke_api_client(client_id: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    let s = services()?;
    let c = client_in_scope(&s, &user, &client_id).await?;
    s.store
        .revoke_api_client(&c.id, &user.0.id, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "api_client_revoke",
        &c.id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// A person's current low-income standing, as a department's system reads it (政策找人).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonStanding {
    /// Where the person's household stands in the low-income database.
    pub standing: crate::domain::cycle::Standing,
    /// Since when (ms since the epoch), when known.
    pub since: Option<i64>,
    /// The categories the latest assessment found for the person (特困, 低保, 低保边缘, …).
    pub categories: Vec<crate::domain::policy::assess::Category>,
    /// The end of the household's current assistance, when it has one.
    pub assistance_until: Option<chrono::NaiveDate>,
    /// The day a running 渐退期 began.
    pub taper_since: Option<chrono::NaiveDate>,
    /// The household's region.
    pub region_code: String,
}

/// The standing of the person with this ID number among households of `region`; `None` when no
/// household there has them (a person outside the region is not told apart from one unknown).
#[cfg(feature = "ssr")]
pub async fn standing_of(
    s: &Services,
    region: &RegionCode,
    id_number: &crate::domain::id_number::IdNumber,
) -> Result<Option<PersonStanding>, AppError> {
    let found = s
        .store
        .search_households(crate::store::HouseholdQuery {
            id_number: Some(id_number.as_str().to_string()),
            ..crate::store::HouseholdQuery::within(region.clone(), 1)
        })
        .await?;
    let Some(h) = found.into_iter().next() else {
        return Ok(None);
    };
    let mut categories = Vec::new();
    if let Some(a) = crate::api::household::latest_assessment_of(s, &h.id).await? {
        // The assessment's members are the declaration's, in its order.
        let declared = h
            .latest_declaration_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<crate::domain::declaration::Declaration>(j).ok());
        let at = declared
            .as_ref()
            .and_then(|d| d.members.iter().position(|m| m.id_number == *id_number));
        if let Some(m) = at.and_then(|i| a.members.get(i)) {
            categories = m.categories.iter().collect();
        }
        for c in a.household.iter() {
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
    }
    Ok(Some(PersonStanding {
        standing: h.standing,
        since: h.standing_at,
        categories,
        assistance_until: h.assistance_until,
        taper_since: h.taper_since,
        region_code: h.region_code.as_str().to_string(),
    }))
}

/// The head of a household as its latest application declared them, or as a roster listed them
/// for a household taken in without an application: (name, ID number).
#[cfg(feature = "ssr")]
pub async fn household_head(
    s: &Services,
    household_id: &str,
) -> Result<Option<(String, String)>, AppError> {
    let apps = s.store.household_applications(household_id).await?;
    let Some(latest) = apps.last() else {
        return Ok(s
            .store
            .caseload_of(household_id)
            .await?
            .into_iter()
            .find(|c| c.relation == crate::domain::declaration::Relation::Head)
            .map(|c| (c.name, c.id_number)));
    };
    let d: crate::domain::declaration::Declaration =
        serde_json::from_str(&latest.declaration_json).map_err(AppError::internal)?;
    let head = d.head();
    Ok(Some((
        head.name.clone(),
        head.id_number.as_str().to_string(),
    )))
}
