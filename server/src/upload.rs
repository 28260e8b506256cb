//! Proof files (证明材料): upload to the resident's draft and download by the owner or staff
//! of the region. Types are checked by content, not by name; files are stored by hash.

use crate::startup::AppState;
use app::auth::{audit, AuthSession};
use app::domain::declaration::{AttachmentKind, MAX_ATTACHMENT_BYTES};
use app::domain::region::RegionCode;
use app::domain::status::Role;
use app::error::AppError;
use app::services::now_millis;
use app::store::{DbError, NewAttachment};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

const ALLOWED: [&str; 3] = ["image/jpeg", "image/png", "application/pdf"];

fn refuse(status: StatusCode, err: AppError) -> Response {
    (status, Json(err)).into_response()
}

/// A store's refusal as the browser sees it: not found 404, a conflict 409, anything else 500.
fn refuse_db(e: DbError) -> Response {
    let err = AppError::from(e);
    refuse(
        StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        err,
    )
}

fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// The text fields and the one `file` field of a multipart upload, within `names`.
type Fields = (
    std::collections::HashMap<String, String>,
    Option<(String, axum::body::Bytes)>,
);

async fn read_fields(multipart: &mut Multipart, names: &[&str]) -> Result<Fields, Response> {
    let (mut text, mut file) = (std::collections::HashMap::new(), None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok((text, file)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    AppError::refused("file_too_large"),
                ))
            }
            Err(_) => return Err(refuse(StatusCode::BAD_REQUEST, AppError::BadRequest)),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(clean_file_name);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    AppError::refused("file_too_large"),
                ))
            }
            Err(_) => return Err(refuse(StatusCode::BAD_REQUEST, AppError::BadRequest)),
        };
        match name.as_str() {
            "file" => file = Some((file_name.unwrap_or_else(|| "file".into()), bytes)),
            n if names.contains(&n) => {
                let value = String::from_utf8(bytes.to_vec())
                    .map_err(|_| refuse(StatusCode::BAD_REQUEST, AppError::BadRequest))?;
                text.insert(name, value);
            }
            _ => return Err(refuse(StatusCode::BAD_REQUEST, AppError::BadRequest)),
        }
    }
}

/// A proof file as received: not empty, at most 10 MB, a JPEG, PNG or PDF by its content.
#[expect(
    clippy::result_large_err,
    reason = "the error is the refusal's response, returned as is"
)]
fn checked_file(
    file: Option<(String, axum::body::Bytes)>,
) -> Result<(String, axum::body::Bytes, &'static str), Response> {
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            AppError::refused("file_empty"),
        ));
    };
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::refused("file_too_large"),
        ));
    }
    let Some(mime) = infer::get(&bytes)
        .map(|t| t.mime_type())
        .filter(|m| ALLOWED.contains(m))
    else {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::refused("file_type"),
        ));
    };
    Ok((file_name, bytes, mime))
}

pub async fn upload(
    State(state): State<AppState>,
    auth: AuthSession,
    mut multipart: Multipart,
) -> Response {
    let Some(user) = auth.user else {
        return refuse(StatusCode::UNAUTHORIZED, AppError::Unauthenticated);
    };
    if user.0.role != Role::Resident {
        return refuse(StatusCode::FORBIDDEN, AppError::Forbidden);
    }
    let (fields, file) = match read_fields(&mut multipart, &["draft_id", "kind"]).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (Some(draft_id), Some(kind)) = (
        fields.get("draft_id").cloned(),
        fields
            .get("kind")
            .and_then(|k| AttachmentKind::from_code(k)),
    ) else {
        return refuse(StatusCode::BAD_REQUEST, AppError::BadRequest);
    };
    let (file_name, bytes, mime) = match checked_file(file) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let s = &state.services;
    let hash = match s.blobs.put(&bytes).await {
        Ok(h) => h,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(e)),
    };
    let added = s
        .store
        .add_attachment(NewAttachment {
            owner_id: user.0.id.clone(),
            draft_id,
            kind: kind.code().into(),
            file_name,
            content_hash: hash,
            mime: mime.into(),
            size: bytes.len() as i64,
            now: now_millis(),
        })
        .await;
    match added {
        Ok(meta) => {
            audit(s, Some(&user.0.id), "attachment_add", &meta.id, "ok").await;
            (StatusCode::CREATED, Json(meta)).into_response()
        }
        Err(e) => refuse_db(e),
    }
}

/// The owner, or a caseworker/admin whose region contains the application, may read a file.
pub async fn download(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = auth.user else {
        return refuse(StatusCode::UNAUTHORIZED, AppError::Unauthenticated);
    };
    let s = &state.services;
    let record = match s.store.attachment(&id).await {
        Ok(Some(r)) => r,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, AppError::NotFound),
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::from(e)),
    };
    let allowed = match user.0.role {
        Role::Resident => record.owner_id == user.0.id,
        Role::Caseworker | Role::Admin => {
            let scope = user
                .0
                .region_code
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok());
            let region = record
                .region_code
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok());
            matches!((scope, region), (Some(s), Some(r)) if r.is_within(&s))
        }
        _ => false,
    };
    if !allowed {
        audit(s, Some(&user.0.id), "attachment_read", &id, "denied").await;
        return refuse(StatusCode::NOT_FOUND, AppError::NotFound);
    }
    let bytes = match s.blobs.get(&record.content_hash).await {
        Ok(b) => b,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(e)),
    };
    audit(s, Some(&user.0.id), "attachment_read", &id, "ok").await;
    (
        [
            (header::CONTENT_TYPE, record.meta.mime.clone()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A photo or signature of a home visit, for caseworkers and admins of the application's region.
pub async fn visit_file(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(hash): Path<String>,
) -> Response {
    let Some(user) = auth.user else {
        return refuse(StatusCode::UNAUTHORIZED, AppError::Unauthenticated);
    };
    let s = &state.services;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return refuse(StatusCode::NOT_FOUND, AppError::NotFound);
    }
    let region = match s.store.visit_file_region(&hash).await {
        Ok(r) => r,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::from(e)),
    };
    let scope = user
        .0
        .region_code
        .as_deref()
        .and_then(|r| RegionCode::parse(r).ok());
    let allowed = matches!(user.0.role, Role::Caseworker | Role::Admin)
        && matches!((scope, region.as_deref().and_then(|r| RegionCode::parse(r).ok())), (Some(s), Some(r)) if r.is_within(&s));
    if !allowed {
        audit(s, Some(&user.0.id), "visit_file_read", &hash, "denied").await;
        return refuse(StatusCode::NOT_FOUND, AppError::NotFound);
    }
    let bytes = match s.blobs.get(&hash).await {
        Ok(b) => b,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(e)),
    };
    let mime = infer::get(&bytes)
        .map(|t| t.mime_type())
        .filter(|m| *m == "image/jpeg" || *m == "image/png")
        .unwrap_or("application/octet-stream");
    audit(s, Some(&user.0.id), "visit_file_read", &hash, "ok").await;
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A charity's proof of delivery for one of its accepted (or delivered) matches.
#[expect(
    clippy::result_large_err,
    reason = "the error is the refusal's response, returned as is"
)]
pub async fn charity_proof_upload(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let Some(user) = auth.user else {
        return refuse(StatusCode::UNAUTHORIZED, AppError::Unauthenticated);
    };
    if user.0.role != Role::Charity {
        return refuse(StatusCode::FORBIDDEN, AppError::Forbidden);
    }
    let s = &state.services;
    let charity = match s.store.charity_of_user(&user.0.id).await {
        Ok(Some(c)) if c.status == "verified" => c,
        Ok(_) => {
            return refuse(
                StatusCode::CONFLICT,
                AppError::refused("charity_not_verified"),
            )
        }
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::from(e)),
    };
    let (_, bytes, mime) = match read_fields(&mut multipart, &[])
        .await
        .and_then(|(_, file)| checked_file(file))
    {
        Ok(f) => f,
        Err(r) => return r,
    };
    let hash = match s.blobs.put(&bytes).await {
        Ok(h) => h,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(e)),
    };
    match s
        .store
        .attach_match_proof(&id, &charity.id, &hash, mime, now_millis())
        .await
    {
        Ok(()) => {
            audit(s, Some(&user.0.id), "charity_proof", &id, "ok").await;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => refuse_db(e),
    }
}

/// A match's proof of delivery: for its charity, and for caseworkers and administrators of the
/// household's region.
pub async fn charity_proof(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = auth.user else {
        return refuse(StatusCode::UNAUTHORIZED, AppError::Unauthenticated);
    };
    let s = &state.services;
    let found = match s.store.match_record(&id).await {
        Ok(m) => m,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::from(e)),
    };
    let Some((m, (hash, mime))) = found.and_then(|m| m.proof.clone().map(|p| (m, p))) else {
        return refuse(StatusCode::NOT_FOUND, AppError::NotFound);
    };
    let allowed = match user.0.role {
        Role::Charity => {
            matches!(s.store.charity_of_user(&user.0.id).await, Ok(Some(c)) if c.id == m.charity_id)
        }
        Role::Caseworker | Role::Admin => {
            let scope = user
                .0
                .region_code
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok());
            let region = match s.store.household(&m.household_id).await {
                Ok(h) => h.and_then(|h| RegionCode::parse(&h.region_code).ok()),
                Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::from(e)),
            };
            matches!((scope, region), (Some(s), Some(r)) if r.is_within(&s))
        }
        _ => false,
    };
    if !allowed {
        audit(s, Some(&user.0.id), "charity_proof_read", &id, "denied").await;
        return refuse(StatusCode::NOT_FOUND, AppError::NotFound);
    }
    let bytes = match s.blobs.get(&hash).await {
        Ok(b) => b,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(e)),
    };
    audit(s, Some(&user.0.id), "charity_proof_read", &id, "ok").await;
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response()
}
