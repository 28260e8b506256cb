//! The machine API (`/api/v1`) for departments' systems (部门系统对接; Liaoning 二(二)1(1)–(2),
//! Zhangye (四)): push comparison records, pull the referrals addressed to the department and
//! answer them, pull the warnings its data raised and their disposal, read a person's standing.
//!
//! Every call is signed with the system's key (`app::api::machine` makes them): HMAC-SHA256 or
//! HMAC-SM3 over the method, the path with its query, the time, a nonce and the body's digest.
//! A signature older or newer than five minutes, a nonce seen before, an unknown, rotated-out or
//! revoked key are refused (401) and the refusal audited; each system has its calls a minute
//! (429 beyond), counted in the database so that every server process shares them. Every call
//! is in the audit trail under the system's own account.
//!
//! The OpenAPI 3.1 document is generated from the handlers and types below (`utoipa`) and
//! served at `/api/v1/openapi.json`, with a readable page of it at `/api/v1/docs`.

use crate::imports::{import_file, Format, Progress, MAX_IMPORT_BYTES};
use crate::startup::AppState;
use app::api::monitoring::ImportReport;
use app::auth::audit;
use app::domain::audit::AuditResult;
use app::domain::chain::AidDraft;
use app::domain::monitoring::Source;
use app::domain::referral::ReferralStatus;
use app::error::AppError;
use app::store::{ApiKeyLookup, BatchClaim, ReferralQuery};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use hmac::Mac;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::io::Write;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// How far a request's time may be from the server's (either way).
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;
/// How long a nonce is remembered: longer than any time a signature is accepted in.
const NONCE_MEMORY_MS: i64 = 2 * MAX_SKEW_MS;
/// A push still running after this long died with its request: its batch key may be sent again.
const BATCH_STALE_MS: i64 = 30 * 60 * 1000;
/// The most warnings or referrals one answer lists.
const PAGE_MAX: i64 = 1000;

/// The signature headers.
pub const KEY_HEADER: &str = "x-doudi-key";
pub const TIMESTAMP_HEADER: &str = "x-doudi-timestamp";
pub const NONCE_HEADER: &str = "x-doudi-nonce";
pub const SIGNATURE_HEADER: &str = "x-doudi-signature";
pub const ALGORITHM_HEADER: &str = "x-doudi-algorithm";
/// The body's digest as the caller declares it (lowercase hex). Required on a push, so that the
/// call is authenticated before its body is read; checked against the body on every call.
pub const CONTENT_DIGEST_HEADER: &str = "x-doudi-content-digest";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/docs", get(docs))
        .route("/api/v1/records/{source}", post(push_records))
        .route("/api/v1/referrals", get(referrals))
        .route("/api/v1/referrals/{id}/feedback", post(referral_feedback))
        .route("/api/v1/warnings", get(warnings))
        .route("/api/v1/standing", post(standing))
}

// ---------------------------------------------------------------------------------------------
// What the API answers: its own types (the document is generated from them), not the pages'.

/// Why a call was refused.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorBody {
    /// A stable code: `unsigned`, `unknown_key`, `key_expired`, `revoked`, `clock_skew`,
    /// `bad_signature`, `replayed`, `rate_limited`, `out_of_scope`, `not_found`, `invalid`,
    /// `refused`, `batch_running`, `body_too_large`, `unsupported_media_type`, `busy`,
    /// `internal`.
    pub error: String,
    /// What it means, in the language `Accept-Language` asks for (Chinese by default).
    pub message: String,
    /// For `refused`: which rule (e.g. `referral_state`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `invalid`: the fields refused and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
}

/// A refused row: its line (the header or first record is line 1) and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RowRefusal {
    pub line: i64,
    pub reason: String,
}

/// What a push did: the same rules and counts as a file imported in the browser.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PushReport {
    /// The import's id (as the import list shows it).
    pub import_id: Option<String>,
    pub source: String,
    /// `true` when this batch key was pushed before: nothing was imported now, and this is
    /// the first push's report.
    pub repeated: bool,
    /// Set when the whole batch was refused (nothing stored): `empty`, `encoding`,
    /// `unreadable`, `missing_columns`, `duplicate_column`, `too_much_text`.
    pub refused: Option<String>,
    pub rows_read: i64,
    pub valid: i64,
    pub invalid: i64,
    /// Valid rows naming a person in the database.
    pub matched: i64,
    /// Of those, records not stored before.
    pub new_records: i64,
    /// Valid rows naming nobody in the database: counted, not kept.
    pub unmatched: i64,
    pub warnings: i64,
    pub ignored_columns: Vec<String>,
    /// Refused rows by reason.
    pub problems_by_kind: Vec<ProblemCount>,
    /// The first refused rows.
    pub problems: Vec<RowRefusal>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProblemCount {
    pub reason: String,
    pub rows: i64,
}

impl PushReport {
    fn of(r: ImportReport, repeated: bool) -> Self {
        let reason = |p: app::domain::monitoring::RowProblem| {
            serde_json::to_value(p)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{p:?}"))
        };
        PushReport {
            import_id: r.import_id,
            source: r.source,
            repeated,
            // Tagged `{"problem": "unreadable", …}`: the tag is the code.
            refused: r.refused.map(|p| {
                serde_json::to_value(&p)
                    .ok()
                    .and_then(|v| v["problem"].as_str().map(str::to_string))
                    .unwrap_or_default()
            }),
            rows_read: r.rows_read,
            valid: r.valid,
            invalid: r.invalid,
            matched: r.matched,
            new_records: r.new_records,
            unmatched: r.unmatched,
            warnings: r.warnings,
            ignored_columns: r.ignored_columns,
            problems_by_kind: r
                .problems_by_kind
                .into_iter()
                .map(|(p, rows)| ProblemCount {
                    reason: reason(p),
                    rows,
                })
                .collect(),
            problems: r
                .problems
                .into_iter()
                .map(|(line, p)| RowRefusal {
                    line,
                    reason: reason(p),
                })
                .collect(),
        }
    }
}

/// A push answered 422: the batch's report (refused whole), or an error (a malformed key).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PushRefusal {
    Report(PushReport),
    Error(ApiErrorBody),
}

/// A referral addressed to the department (转办): who, what is needed, by when, and its state.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiReferral {
    pub id: i64,
    pub household_id: String,
    pub region_code: String,
    /// The head of the household, for the department's system to find the person.
    pub head_name: String,
    pub head_id_number: String,
    /// What is asked of the department (an aid kind: `medical_assistance`, `education`, …).
    pub need: String,
    pub note: String,
    /// The day an answer is due (YYYY-MM-DD).
    pub due_on: String,
    /// `sent`, `accepted`, `declined` or `done`.
    pub status: String,
    pub answer: String,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralFilter {
    /// `open` (default: sent or accepted) or `all`.
    pub state: Option<String>,
}

/// The department's answer to a referral.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// `accepted`, `declined` (an answer is required) or `done`.
    pub to: String,
    #[serde(default)]
    pub answer: String,
    /// For `done`: the aid given, which joins the household's assistance chain.
    #[serde(default)]
    pub aid: Option<AidGiven>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AidGiven {
    /// An aid kind: `medical_assistance`, `education`, `housing`, `employment`, …
    pub kind: String,
    /// Yuan, e.g. `"1200.00"`.
    pub amount: String,
    #[serde(default)]
    pub monthly: bool,
    /// YYYY-MM-DD.
    pub from: String,
    /// YYYY-MM-DD; empty: continuing (monthly) or the same day.
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackResult {
    pub id: i64,
    pub status: String,
}

/// A warning raised by the department's data (预警), and where its handling stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiWarning {
    pub id: i64,
    pub household_id: String,
    pub region_code: String,
    /// The rule: `medical_out_of_pocket`, `severe_disability`, `death`, …
    pub kind: String,
    /// `I`, `II` or `III`.
    pub level: String,
    /// `new`, `assigned`, `visited`, `disposed` or `closed`.
    pub status: String,
    /// The day the home visit is due (YYYY-MM-DD).
    pub visit_due: String,
    pub visited_on: Option<String>,
    /// What the visit found, once it did.
    pub finding: Option<String>,
    /// How it was disposed of, once it was.
    pub disposal: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningFilter {
    /// Raised at or after this time (ms since the epoch); default: the last 90 days.
    pub since: Option<i64>,
    /// At most this many (1–1000, default 1000), oldest first: ask again from the last one's
    /// `created_at` for more.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandingQuery {
    /// The person's 18-character ID number.
    pub id_number: String,
}

/// A person's current low-income standing (政策找人), within the system's region.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StandingAnswer {
    /// `false`: no household of the region has this person (outside the region is the same).
    pub found: bool,
    /// `applicant`, `in_assistance`, `rejected` or `exited`.
    pub standing: Option<String>,
    pub since: Option<i64>,
    /// The categories of the latest assessment: `tekun`, `dibao`, `dibao_marginal`,
    /// `rigid_expense`, `relapse_watch`, `other_hardship`.
    pub categories: Vec<String>,
    pub assistance_until: Option<String>,
    pub taper_since: Option<String>,
    pub region_code: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PushParams {
    /// The batch's key (1–64 letters, digits, `-`, `_`, `.`): a batch sent again with the same
    /// key imports nothing and is answered with the first report.
    pub batch: String,
}

// ---------------------------------------------------------------------------------------------
// Errors.

#[derive(Debug)]
pub enum ApiError {
    Unsigned,
    UnknownKey,
    KeyExpired,
    Revoked,
    ClockSkew,
    BadSignature,
    Replayed,
    RateLimited,
    OutOfScope,
    NotFound,
    Invalid(Vec<(String, String)>),
    Refused(String),
    BatchRunning,
    BodyTooLarge,
    UnsupportedMediaType,
    Busy,
    Internal,
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::Unsigned => "unsigned",
            ApiError::UnknownKey => "unknown_key",
            ApiError::KeyExpired => "key_expired",
            ApiError::Revoked => "revoked",
            ApiError::ClockSkew => "clock_skew",
            ApiError::BadSignature => "bad_signature",
            ApiError::Replayed => "replayed",
            ApiError::RateLimited => "rate_limited",
            ApiError::OutOfScope => "out_of_scope",
            ApiError::NotFound => "not_found",
            ApiError::Invalid(_) => "invalid",
            ApiError::Refused(_) => "refused",
            ApiError::BatchRunning => "batch_running",
            ApiError::BodyTooLarge => "body_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Busy => "busy",
            ApiError::Internal => "internal",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unsigned
            | ApiError::UnknownKey
            | ApiError::KeyExpired
            | ApiError::Revoked
            | ApiError::ClockSkew
            | ApiError::BadSignature
            | ApiError::Replayed => StatusCode::UNAUTHORIZED,
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::OutOfScope => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Refused(_) | ApiError::BatchRunning => StatusCode::CONFLICT,
            ApiError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn invalid(field: &str, code: &str) -> Self {
        ApiError::Invalid(vec![(field.into(), code.into())])
    }

    fn response(self, locale: app::i18n::Locale) -> Response {
        let status = self.status();
        let body = ApiErrorBody {
            error: self.code().into(),
            message: app::texts::machine_error_in(locale, self.code()),
            detail: match &self {
                ApiError::Refused(code) => Some(code.clone()),
                _ => None,
            },
            fields: match self {
                ApiError::Invalid(fields) => fields
                    .into_iter()
                    .map(|(field, code)| FieldProblem { field, code })
                    .collect(),
                _ => Vec::new(),
            },
        };
        let mut res = (status, Json(body)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("60"),
            );
        }
        res
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::NotFound,
            AppError::Forbidden | AppError::Unauthenticated => ApiError::OutOfScope,
            AppError::Invalid(fields) => ApiError::Invalid(
                fields
                    .into_iter()
                    .map(|f| (f.field, f.code.code().to_string()))
                    .collect(),
            ),
            AppError::Refused(code) if code == "body_too_large" || code == "file_too_large" => {
                ApiError::BodyTooLarge
            }
            AppError::Refused(code) => ApiError::Refused(code),
            AppError::BadRequest => ApiError::invalid("body", "value_format"),
            AppError::TooManyRequests => ApiError::RateLimited,
            AppError::Busy => ApiError::Busy,
            _ => ApiError::Internal,
        }
    }
}

impl From<app::store::DbError> for ApiError {
    fn from(e: app::store::DbError) -> Self {
        ApiError::from(AppError::from(e))
    }
}

/// A body over its limit (`http::api_body_limit`), refused in the API's own shape.
pub fn body_too_large(headers: &HeaderMap) -> Response {
    ApiError::BodyTooLarge.response(locale(headers))
}

/// The language of an answer's messages: English when `Accept-Language` prefers it.
fn locale(headers: &HeaderMap) -> app::i18n::Locale {
    let english = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"));
    if english {
        app::i18n::Locale::en
    } else {
        app::i18n::Locale::zh_CN
    }
}

// ---------------------------------------------------------------------------------------------
// Signatures.

/// The signature algorithms a system may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha256,
    HmacSm3,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "HMAC-SHA256",
            Algorithm::HmacSm3 => "HMAC-SM3",
        }
    }

    fn parse(raw: Option<&str>) -> Option<Self> {
        match raw.map(str::trim) {
            None | Some("HMAC-SHA256") => Some(Algorithm::HmacSha256),
            Some("HMAC-SM3") => Some(Algorithm::HmacSm3),
            _ => None,
        }
    }
}

/// A body's digest as the signature covers it (hex): SHA-256 or SM3, as the algorithm.
#[derive(Clone)]
pub enum BodyDigest {
    Sha256(sha2::Sha256),
    Sm3(sm3::Sm3),
}

impl BodyDigest {
    pub fn new(alg: Algorithm) -> Self {
        match alg {
            Algorithm::HmacSha256 => BodyDigest::Sha256(sha2::Sha256::new()),
            Algorithm::HmacSm3 => BodyDigest::Sm3(sm3::Sm3::new()),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            BodyDigest::Sha256(h) => h.update(bytes),
            BodyDigest::Sm3(h) => h.update(bytes),
        }
    }

    pub fn hex(self) -> String {
        match self {
            BodyDigest::Sha256(h) => hex::encode(h.finalize()),
            BodyDigest::Sm3(h) => hex::encode(h.finalize()),
        }
    }
}

/// The text a request's signature is made over: the algorithm, the method, the path with its
/// query as sent, the time (seconds since the epoch), the nonce and the body's digest, each on
/// its own line.
pub fn string_to_sign(
    alg: Algorithm,
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body_digest: &str,
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        alg.name(),
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp,
        nonce,
        body_digest
    )
}

/// The signature (hex) of `text` with `secret`.
pub fn sign(alg: Algorithm, secret: &str, text: &str) -> String {
    match alg {
        Algorithm::HmacSha256 => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(text.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Algorithm::HmacSm3 => {
            let mut mac = hmac::Hmac::<sm3::Sm3>::new_from_slice(secret.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(text.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
    }
}

/// Whether `signature_hex` is `text`'s signature with `secret`, compared in constant time.
fn verify(alg: Algorithm, secret: &str, text: &str, signature_hex: &str) -> bool {
    let Ok(given) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    match alg {
        Algorithm::HmacSha256 => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(text.as_bytes());
            mac.verify_slice(&given).is_ok()
        }
        Algorithm::HmacSm3 => {
            let mut mac = hmac::Hmac::<sm3::Sm3>::new_from_slice(secret.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(text.as_bytes());
            mac.verify_slice(&given).is_ok()
        }
    }
}

/// What a request's headers say about its signature.
struct Signed {
    alg: Algorithm,
    key_id: String,
    timestamp: String,
    nonce: String,
    signature: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn signed_headers(headers: &HeaderMap) -> Result<Signed, ApiError> {
    let alg = Algorithm::parse(header(headers, ALGORITHM_HEADER)).ok_or(ApiError::Unsigned)?;
    let key_id = header(headers, KEY_HEADER).ok_or(ApiError::Unsigned)?;
    let timestamp = header(headers, TIMESTAMP_HEADER).ok_or(ApiError::Unsigned)?;
    let nonce = header(headers, NONCE_HEADER).ok_or(ApiError::Unsigned)?;
    let signature = header(headers, SIGNATURE_HEADER).ok_or(ApiError::Unsigned)?;
    let nonce_ok = (16..=64).contains(&nonce.len())
        && nonce
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key_ok = (1..=64).contains(&key_id.len())
        && key_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !nonce_ok || !key_ok || signature.len() != 64 {
        return Err(ApiError::Unsigned);
    }
    Ok(Signed {
        alg,
        key_id: key_id.into(),
        timestamp: timestamp.into(),
        nonce: nonce.into(),
        signature: signature.into(),
    })
}

/// A signed request's system, as its key found it.
struct Caller {
    key: ApiKeyLookup,
    signed: Signed,
}

impl Caller {
    fn id(&self) -> &str {
        &self.key.client.id
    }
}

/// Checks what can be checked before the body is read: the headers, the time, the key.
async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let signed = signed_headers(headers)?;
    let now = app::services::now_millis();
    let at = signed
        .timestamp
        .parse::<i64>()
        .map_err(|_| ApiError::Unsigned)?;
    if (at.saturating_mul(1000) - now).abs() > MAX_SKEW_MS {
        return Err(ApiError::ClockSkew);
    }
    let key = state
        .services
        .store
        .api_key(&signed.key_id)
        .await?
        .ok_or(ApiError::UnknownKey)?;
    let caller = Caller { key, signed };
    if caller.key.client.revoked_at.is_some() {
        return Err(refused_audited(state, &caller, ApiError::Revoked).await);
    }
    if caller.key.expires_at.is_some_and(|e| e <= now) {
        return Err(refused_audited(state, &caller, ApiError::KeyExpired).await);
    }
    Ok(caller)
}

/// Audits a refusal of a known system's call; gives the refusal back.
async fn refused_audited(state: &AppState, caller: &Caller, e: ApiError) -> ApiError {
    audit(
        &state.services,
        Some(caller.id()),
        &format!("api_refused_{}", e.code()),
        &caller.signed.key_id,
        AuditResult::Refused,
    )
    .await;
    e
}

/// Checks the signature over the request with its body's digest, then the nonce and the rate.
async fn admit(
    state: &AppState,
    caller: &Caller,
    method: &Method,
    uri: &Uri,
    body_digest: &str,
) -> Result<(), ApiError> {
    let s = &caller.signed;
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or(uri.path());
    let text = string_to_sign(
        s.alg,
        method.as_str(),
        path,
        &s.timestamp,
        &s.nonce,
        body_digest,
    );
    if !verify(s.alg, &caller.key.secret, &text, &s.signature) {
        return Err(refused_audited(state, caller, ApiError::BadSignature).await);
    }
    let now = app::services::now_millis();
    let store = &state.services.store;
    if !store
        .use_api_nonce(&s.key_id, &s.nonce, now, now - NONCE_MEMORY_MS)
        .await?
    {
        return Err(refused_audited(state, caller, ApiError::Replayed).await);
    }
    let calls = store.count_api_call(caller.id(), now / 60_000).await?;
    if calls > caller.key.client.calls_per_minute {
        // Counted, not audited one by one: a runaway client would flood the trail.
        if calls == caller.key.client.calls_per_minute + 1 {
            return Err(refused_audited(state, caller, ApiError::RateLimited).await);
        }
        return Err(ApiError::RateLimited);
    }
    Ok(())
}

/// A signed call with a small body (read whole, within the API's body limit).
async fn signed_call(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, ApiError> {
    let caller = identify(state, headers).await?;
    let mut digest = BodyDigest::new(caller.signed.alg);
    digest.update(body);
    let actual = digest.hex();
    if header(headers, CONTENT_DIGEST_HEADER).is_some_and(|d| d != actual) {
        return Err(refused_audited(state, &caller, ApiError::BadSignature).await);
    }
    admit(state, &caller, method, uri, &actual).await?;
    Ok(caller)
}

async fn done(state: &AppState, caller: &Caller, action: &str, object: &str) {
    audit(
        &state.services,
        Some(caller.id()),
        action,
        object,
        AuditResult::Ok,
    )
    .await;
}

fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ApiError> {
    let json = header(headers, axum::http::header::CONTENT_TYPE.as_str())
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType);
    }
    serde_json::from_slice(body).map_err(|_| ApiError::invalid("body", "value_format"))
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// Push comparison records of one source (数据比对), as NDJSON (one JSON object a line, UTF-8)
/// or CSV (UTF-8 or GBK, a header line first), with the columns of the source's template.
#[utoipa::path(
    post,
    path = "/api/v1/records/{source}",
    tag = "records",
    params(
        ("source" = String, Path, description = "The import source: `medical_insurance`, `disabled_persons`, `human_resources`, `public_security`, `housing`, `education`, `emergency_management`, `vehicles`, `businesses`, `rural_revitalisation`, `justice`, `health`, `veterans`, `trade_union`, `court`, `procuratorate` (each with the columns of its template, as the import page lists them)"),
        PushParams,
        SignedHeaders
    ),
    request_body(description = "The records", content(
        ("application/x-ndjson"),
        ("text/csv")
    )),
    responses(
        (status = 200, description = "Imported (or pushed before under this batch key)", body = PushReport),
        (status = 401, description = "Not signed, or the signature refused", body = ApiErrorBody),
        (status = 403, description = "A source the system may not push", body = ApiErrorBody),
        (status = 409, description = "The same batch key is being imported now", body = ApiErrorBody),
        (status = 413, description = "Over 512 MB", body = ApiErrorBody),
        (status = 415, description = "Neither NDJSON nor CSV", body = ApiErrorBody),
        (status = 422, description = "The batch was refused whole (a report with `refused`; nothing stored; its key may be sent again with the corrected batch), or the batch key is malformed (an error)", body = PushRefusal),
        (status = 429, description = "Over the system's calls a minute", body = ApiErrorBody)
    ),
    security(("signature" = []))
)]
async fn push_records(
    State(state): State<AppState>,
    Path(source): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let l = locale(&headers);
    push(&state, &source, &method, &uri, &headers, body)
        .await
        .unwrap_or_else(|e| e.response(l))
}

async fn push(
    state: &AppState,
    source: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = identify(state, headers).await?;
    let format = match header(headers, axum::http::header::CONTENT_TYPE.as_str())
        .map(|t| t.to_ascii_lowercase())
    {
        Some(t) if t.starts_with("application/x-ndjson") => Format::Ndjson,
        Some(t) if t.starts_with("text/csv") => {
            if t.contains("charset=gbk") || t.contains("charset=gb18030") {
                Format::Text(encoding_rs::GB18030)
            } else if t.contains("charset=utf-8") {
                Format::Text(encoding_rs::UTF_8)
            } else {
                Format::Detect
            }
        }
        _ => return Err(ApiError::UnsupportedMediaType),
    };
    // Authenticated before the body is read: the signature covers the digest the caller
    // declares, and the body streamed below must have it.
    let declared = header(headers, CONTENT_DIGEST_HEADER)
        .filter(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(ApiError::Unsigned)?
        .to_ascii_lowercase();
    admit(state, &caller, method, uri, &declared).await?;
    // Streamed to a temporary file while its digests are taken: memory stays flat.
    let mut tmp = tempfile::NamedTempFile::new().map_err(|_| ApiError::Internal)?;
    let mut digest = BodyDigest::new(caller.signed.alg);
    let mut file_hash = sha2::Sha256::new();
    let mut size = 0usize;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("body", "value_format"))?;
        size += chunk.len();
        if size > MAX_IMPORT_BYTES {
            return Err(ApiError::BodyTooLarge);
        }
        digest.update(&chunk);
        file_hash.update(&chunk);
        tmp.write_all(&chunk).map_err(|_| ApiError::Internal)?;
    }
    if digest.hex() != declared {
        return Err(refused_audited(state, &caller, ApiError::BadSignature).await);
    }
    let client = &caller.key.client;
    let source = Source::from_code(source.trim()).ok_or(ApiError::NotFound)?;
    if !client.sources.contains(&source) {
        return Err(refused_audited(state, &caller, ApiError::OutOfScope).await);
    }
    let batch = uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "batch")
                .map(|(_, v)| v.into_owned())
        })
        .filter(|b| {
            (1..=64).contains(&b.len())
                && b.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .ok_or_else(|| ApiError::invalid("batch", "value_format"))?;
    let store = &state.services.store;
    let now = app::services::now_millis();
    match store
        .claim_api_batch(
            client.id.as_str(),
            &batch,
            source,
            now,
            now - BATCH_STALE_MS,
        )
        .await?
    {
        BatchClaim::Claimed => {}
        BatchClaim::Running => return Err(ApiError::BatchRunning),
        BatchClaim::Done {
            source: first,
            report_json,
        } => {
            if first != source {
                return Err(ApiError::Refused("batch_key_used".into()));
            }
            let report: ImportReport = serde_json::from_str(&report_json).unwrap_or_default();
            done(state, &caller, "api_push_repeated", &batch).await;
            return Ok(report_response(report, true));
        }
    }
    let progress = std::sync::Arc::new(Progress {
        total_bytes: size as u64,
        ..Default::default()
    });
    let result = import_file(
        state,
        client.id.as_str(),
        &client.region,
        source,
        &format!("api:{batch}"),
        tmp.path().to_path_buf(),
        hex::encode(file_hash.finalize()),
        format,
        progress,
    )
    .await;
    drop(tmp);
    match result {
        Ok(report) => {
            // A batch refused whole stored nothing: its key is free for the corrected batch.
            if report.refused.is_some() {
                store.release_api_batch(client.id.as_str(), &batch).await?;
            } else {
                let json = serde_json::to_string(&report).map_err(|_| ApiError::Internal)?;
                store
                    .finish_api_batch(
                        client.id.as_str(),
                        &batch,
                        report.import_id.as_deref().unwrap_or("stored"),
                        &json,
                    )
                    .await?;
            }
            let outcome = if report.refused.is_some() {
                AuditResult::Refused
            } else {
                AuditResult::Ok
            };
            audit(
                &state.services,
                Some(client.id.as_str()),
                "api_push",
                &format!(
                    "{}:{}",
                    source.code(),
                    report.import_id.clone().unwrap_or_default()
                ),
                outcome,
            )
            .await;
            Ok(report_response(report, false))
        }
        Err(e) => {
            store.release_api_batch(client.id.as_str(), &batch).await?;
            Err(e.into())
        }
    }
}

fn report_response(report: ImportReport, repeated: bool) -> Response {
    let status = if report.refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, Json(PushReport::of(report, repeated))).into_response()
}

/// The referrals addressed to the system's department in its region, open ones by due date.
#[utoipa::path(
    get,
    path = "/api/v1/referrals",
    tag = "referrals",
    params(ReferralFilter, SignedHeaders),
    responses(
        (status = 200, description = "The referrals", body = Vec<ApiReferral>),
        (status = 401, description = "Not signed, or the signature refused", body = ApiErrorBody),
        (status = 429, description = "Over the system's calls a minute", body = ApiErrorBody)
    ),
    security(("signature" = []))
)]
async fn referrals(
    State(state): State<AppState>,
    Query(filter): Query<ReferralFilter>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let l = locale(&headers);
    list_referrals(&state, filter, &method, &uri, &headers)
        .await
        .unwrap_or_else(|e| e.response(l))
}

async fn list_referrals(
    state: &AppState,
    filter: ReferralFilter,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let caller = signed_call(state, method, uri, headers, b"").await?;
    let all = match filter.state.as_deref() {
        None | Some("open") => false,
        Some("all") => true,
        Some(_) => return Err(ApiError::invalid("state", "invalid_choice")),
    };
    let client = &caller.key.client;
    let s = &state.services;
    let rows = s
        .store
        .referrals(ReferralQuery::Inbox {
            department: client.department,
            region: client.region.clone(),
        })
        .await?;
    let mut out = Vec::new();
    // Each household's head read once, however many of its referrals the page holds.
    let mut heads: std::collections::HashMap<String, Option<(String, String)>> =
        std::collections::HashMap::new();
    for r in rows
        .into_iter()
        .filter(|r| all || matches!(r.status, ReferralStatus::Sent | ReferralStatus::Accepted))
        .take(PAGE_MAX as usize)
    {
        let head = match heads.get(&r.household_id) {
            Some(known) => known.clone(),
            None => {
                let head = app::api::machine::household_head(s, &r.household_id).await?;
                heads.insert(r.household_id.clone(), head.clone());
                head
            }
        };
        out.push(ApiReferral {
            id: r.id,
            household_id: r.household_id,
            region_code: r.region_code.as_str().to_string(),
            head_name: head.as_ref().map(|h| h.0.clone()).unwrap_or_default(),
            head_id_number: head.map(|h| h.1).unwrap_or_default(),
            need: r.need.code().to_string(),
            note: r.note,
            due_on: r.due_on.to_string(),
            status: r.status.code().to_string(),
            answer: r.answer,
            created_at: r.created_at,
            answered_at: r.answered_at,
        });
    }
    done(
        state,
        &caller,
        "api_referrals_read",
        client.department.code(),
    )
    .await;
    Ok(Json(out).into_response())
}

/// The department's answer to a referral (反馈): accepted, declined with a reason, or done with
/// the aid given (which joins the household's assistance chain).
#[utoipa::path(
    post,
    path = "/api/v1/referrals/{id}/feedback",
    tag = "referrals",
    params(("id" = i64, Path, description = "The referral"), SignedHeaders),
    request_body(content = FeedbackBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded", body = FeedbackResult),
        (status = 401, description = "Not signed, or the signature refused", body = ApiErrorBody),
        (status = 404, description = "No referral to the department in its region", body = ApiErrorBody),
        (status = 409, description = "Not allowed from the referral's state (`referral_state`)", body = ApiErrorBody),
        (status = 422, description = "A field refused", body = ApiErrorBody)
    ),
    security(("signature" = []))
)]
async fn referral_feedback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let l = locale(&headers);
    feedback(&state, &id, &method, &uri, &headers, &body)
        .await
        .unwrap_or_else(|e| e.response(l))
}

async fn feedback(
    state: &AppState,
    id: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let caller = signed_call(state, method, uri, headers, body).await?;
    let id: i64 = id.trim().parse().map_err(|_| ApiError::NotFound)?;
    let b: FeedbackBody = json_body(headers, body)?;
    let to = ReferralStatus::from_code(b.to.trim())
        .filter(|t| *t != ReferralStatus::Sent)
        .ok_or_else(|| ApiError::invalid("to", "invalid_choice"))?;
    let aid = b.aid.map(|a| AidDraft {
        kind: a.kind,
        source: String::new(),
        source_name: String::new(),
        amount: a.amount,
        monthly: a.monthly,
        from: a.from,
        until: a.until,
        note: a.note,
    });
    let client = &caller.key.client;
    app::api::household::answer_referral_as(
        &state.services,
        client.id.as_str(),
        client.department,
        &client.region,
        id,
        to,
        b.answer,
        aid,
    )
    .await?;
    Ok(Json(FeedbackResult {
        id,
        status: to.code().to_string(),
    })
    .into_response())
}

/// The warnings the department's data raised in its region (预警) and how far each was handled.
#[utoipa::path(
    get,
    path = "/api/v1/warnings",
    tag = "warnings",
    params(WarningFilter, SignedHeaders),
    responses(
        (status = 200, description = "The warnings, oldest first", body = Vec<ApiWarning>),
        (status = 401, description = "Not signed, or the signature refused", body = ApiErrorBody),
        (status = 422, description = "A parameter refused", body = ApiErrorBody)
    ),
    security(("signature" = []))
)]
async fn warnings(
    State(state): State<AppState>,
    Query(filter): Query<WarningFilter>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let l = locale(&headers);
    list_warnings(&state, filter, &method, &uri, &headers)
        .await
        .unwrap_or_else(|e| e.response(l))
}

async fn list_warnings(
    state: &AppState,
    filter: WarningFilter,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let caller = signed_call(state, method, uri, headers, b"").await?;
    let limit = filter.limit.unwrap_or(PAGE_MAX);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::invalid("limit", "out_of_bounds"));
    }
    let since = filter
        .since
        .unwrap_or_else(|| app::services::now_millis() - 90 * 86_400_000);
    let client = &caller.key.client;
    let rows = state
        .services
        .store
        .warnings_from_sources(&client.region, &client.sources, since, limit)
        .await?;
    let out: Vec<ApiWarning> = rows
        .into_iter()
        .map(|w| ApiWarning {
            id: w.id,
            household_id: w.household_id,
            region_code: w.region_code.as_str().to_string(),
            kind: w.kind.code().to_string(),
            level: w.level.code().to_string(),
            status: w.status.code().to_string(),
            visit_due: w.visit_due.to_string(),
            visited_on: w.visited_on.map(|d| d.to_string()),
            finding: w.finding.map(|f| f.code().to_string()),
            disposal: w.disposal.map(|d| d.code().to_string()),
            created_at: w.created_at,
            closed_at: w.closed_at,
        })
        .collect();
    done(state, &caller, "api_warnings_read", client.region.prefix()).await;
    Ok(Json(out).into_response())
}

/// A person's current low-income standing by ID number (政策找人), within the system's region.
/// Each lookup is in the audit trail with the person's masked number.
#[utoipa::path(
    post,
    path = "/api/v1/standing",
    tag = "standing",
    params(SignedHeaders),
    request_body(content = StandingQuery, content_type = "application/json"),
    responses(
        (status = 200, description = "The standing, or `found: false`", body = StandingAnswer),
        (status = 401, description = "Not signed, or the signature refused", body = ApiErrorBody),
        (status = 422, description = "Not a valid ID number", body = ApiErrorBody)
    ),
    security(("signature" = []))
)]
async fn standing(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let l = locale(&headers);
    look_up(&state, &method, &uri, &headers, &body)
        .await
        .unwrap_or_else(|e| e.response(l))
}

async fn look_up(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let caller = signed_call(state, method, uri, headers, body).await?;
    let q: StandingQuery = json_body(headers, body)?;
    let id = app::domain::id_number::IdNumber::parse(
        q.id_number.trim(),
        app::services::today_in_china(),
    )
    .map_err(|e| {
        ApiError::invalid(
            "id_number",
            app::domain::declaration::FieldErrorCode::from(e).code(),
        )
    })?;
    let client = &caller.key.client;
    let found = app::api::machine::standing_of(&state.services, &client.region, &id).await?;
    done(state, &caller, "api_standing_read", &id.masked()).await;
    let answer = match found {
        Some(p) => StandingAnswer {
            found: true,
            standing: Some(p.standing.code().to_string()),
            since: p.since,
            categories: p.categories.iter().map(|c| c.code().to_string()).collect(),
            assistance_until: p.assistance_until.map(|d| d.to_string()),
            taper_since: p.taper_since.map(|d| d.to_string()),
            region_code: Some(p.region_code),
        },
        None => StandingAnswer {
            found: false,
            standing: None,
            since: None,
            categories: Vec::new(),
            assistance_until: None,
            taper_since: None,
            region_code: None,
        },
    };
    Ok(Json(answer).into_response())
}

// ---------------------------------------------------------------------------------------------
// The document.

/// The headers every call carries (see the `signature` security scheme).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct SignedHeaders {
    /// The key's id (`dk_…`), as the administrator's page showed it.
    #[serde(rename = "X-Doudi-Key")]
    #[param(rename = "X-Doudi-Key")]
    pub key: String,
    /// The request's time, whole seconds since the Unix epoch (within five minutes of the
    /// server's).
    #[serde(rename = "X-Doudi-Timestamp")]
    #[param(rename = "X-Doudi-Timestamp")]
    pub timestamp: String,
    /// 16–64 letters, digits, `-` or `_`, never used twice with the key.
    #[serde(rename = "X-Doudi-Nonce")]
    #[param(rename = "X-Doudi-Nonce")]
    pub nonce: String,
    /// The signature, 64 hex digits.
    #[serde(rename = "X-Doudi-Signature")]
    #[param(rename = "X-Doudi-Signature")]
    pub signature: String,
    /// `HMAC-SHA256` (default) or `HMAC-SM3`.
    #[serde(rename = "X-Doudi-Algorithm")]
    #[param(rename = "X-Doudi-Algorithm")]
    pub algorithm: Option<String>,
    /// The lowercase hex digest of the body (SHA-256, or SM3 with HMAC-SM3). Required on a push
    /// (it is authenticated before its body is read); when given on another call, the body
    /// must have it.
    #[serde(rename = "X-Doudi-Content-Digest")]
    #[param(rename = "X-Doudi-Content-Digest")]
    pub content_digest: Option<String>,
}

struct SignatureScheme;

impl utoipa::Modify for SignatureScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Doudi-Key",
                SIGNING_HELP,
            ))),
        );
    }
}

const SIGNING_HELP: &str = "Every call is signed with the key's secret. The text signed is six \
lines joined by a line feed: the algorithm (`HMAC-SHA256` or `HMAC-SM3`), the method in capitals, \
the path with its query exactly as sent, the `X-Doudi-Timestamp`, the `X-Doudi-Nonce`, and the \
lowercase hex digest of the body (SHA-256 for HMAC-SHA256, SM3 for HMAC-SM3; the digest of no \
bytes for a call without a body), which a push must also send as `X-Doudi-Content-Digest` (it is \
then authenticated before its body is read). `X-Doudi-Signature` is the lowercase hex HMAC of that \
text with the secret as the key. A time more than five minutes from the server's, a nonce used before, an \
unknown, rotated-out or revoked key are answered 401.";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Doudi machine API (部门系统对接接口)",
        version = "1",
        description = "For departments' systems connected to Doudi (兜底), the platform for dynamic \
monitoring of the low-income population and tiered, classified social assistance. A system \
administrator connects a system and gives it a key scoped to its department, the comparison \
sources it may push and a region; every call is signed (see the `signature` security scheme) \
and in the audit trail."
    ),
    paths(push_records, referrals, referral_feedback, warnings, standing),
    components(schemas(
        ApiErrorBody,
        FieldProblem,
        PushReport,
        PushRefusal,
        ProblemCount,
        RowRefusal,
        ApiReferral,
        FeedbackBody,
        AidGiven,
        FeedbackResult,
        ApiWarning,
        StandingQuery,
        StandingAnswer
    )),
    modifiers(&SignatureScheme),
    tags(
        (name = "records", description = "Comparison records pushed by a department (数据比对)"),
        (name = "referrals", description = "Referrals to the department and its answers (转办、反馈)"),
        (name = "warnings", description = "Warnings its data raised (预警) and their disposal"),
        (name = "standing", description = "A person's low-income standing (政策找人)")
    )
)]
pub struct ApiDoc;

/// The document, made once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

async fn openapi_json() -> Response {
    Json(document()).into_response()
}

/// A readable page of the document, made on the server from it (no script, nothing fetched).
async fn docs() -> Html<String> {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    Html(PAGE.get_or_init(|| docs_page(document())).clone())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn docs_page(doc: &utoipa::openapi::OpenApi) -> String {
    let json = serde_json::to_value(doc).unwrap_or_default();
    let mut html = String::from(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Doudi API v1</title><style>body{font-family:sans-serif;max-width:60rem;\
         margin:2rem auto;padding:0 1rem;line-height:1.5}code,pre{background:#f4f4f4}\
         pre{padding:.5rem;overflow:auto}h3{margin-bottom:.2rem}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style></head><body>",
    );
    let info = &json["info"];
    html.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/api/v1/openapi.json\">openapi.json</a> (OpenAPI {})</p>",
        esc(info["title"].as_str().unwrap_or("")),
        esc(info["description"].as_str().unwrap_or("")),
        esc(json["openapi"].as_str().unwrap_or(""))
    ));
    html.push_str(&format!(
        "<h2 id=\"signing\">Signing / 签名</h2><p>{}</p>",
        esc(SIGNING_HELP)
    ));
    if let Some(paths) = json["paths"].as_object() {
        for (path, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            for (method, op) in ops {
                html.push_str(&format!(
                    "<h3><code>{} {}</code></h3><p>{}</p>",
                    esc(&method.to_uppercase()),
                    esc(path),
                    esc(op["description"]
                        .as_str()
                        .or(op["summary"].as_str())
                        .unwrap_or(""))
                ));
                if let Some(params) = op["parameters"].as_array() {
                    html.push_str("<table><tr><th>name</th><th>in</th><th></th></tr>");
                    for p in params {
                        html.push_str(&format!(
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                            esc(p["name"].as_str().unwrap_or("")),
                            esc(p["in"].as_str().unwrap_or("")),
                            esc(p["description"].as_str().unwrap_or(""))
                        ));
                    }
                    html.push_str("</table>");
                }
                if let Some(responses) = op["responses"].as_object() {
                    html.push_str("<ul>");
                    for (status, r) in responses {
                        html.push_str(&format!(
                            "<li><code>{}</code> {}</li>",
                            esc(status),
                            esc(r["description"].as_str().unwrap_or(""))
                        ));
                    }
                    html.push_str("</ul>");
                }
            }
        }
    }
    if let Some(schemas) = json["components"]["schemas"].as_object() {
        html.push_str("<h2>Schemas</h2>");
        for (name, schema) in schemas {
            html.push_str(&format!(
                "<h3 id=\"{0}\">{0}</h3><pre>{1}</pre>",
                esc(name),
                esc(&serde_json::to_string_pretty(schema).unwrap_or_default())
            ));
        }
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_names_every_import_source() {
        let json = serde_json::to_string(super::document()).unwrap();
        for s in app::domain::monitoring::Source::ALL {
            assert!(json.contains(&format!("`{}`", s.code())), "{}", s.code());
        }
    }

    #[test]
    fn a_signature_is_the_hmac_of_the_six_lines() {
        use super::{sign, string_to_sign, Algorithm};
        let text = string_to_sign(Algorithm::HmacSha256, "get", "/api/v1/x?a=1", "1", "n", "d");
        assert_eq!(text, "HMAC-SHA256\nGET\n/api/v1/x?a=1\n1\nn\nd");
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            sign(
                Algorithm::HmacSha256,
                "Jefe",
                "what do ya want for nothing?"
            ),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(super::verify(
            Algorithm::HmacSm3,
            "k",
            "t",
            &sign(Algorithm::HmacSm3, "k", "t")
        ));
        assert!(!super::verify(Algorithm::HmacSm3, "k", "t", "00"));
    }
}
