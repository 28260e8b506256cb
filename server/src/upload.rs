//! Proof files (证明材料): upload to the resident's draft and download by the owner or staff
//! of the region. Types are checked by content, not by name; files are stored by hash.

use crate::startup::AppState;
use app::auth::{audit, check_staff_in_region, AuthSession};
use app::domain::audit::AuditResult;
use app::domain::charity::CharityStatus;
use app::domain::declaration::{AttachmentKind, MAX_ATTACHMENT_BYTES};
use app::domain::status::Role;
use app::error::AppError;
use app::services::now_millis;
use app::store::NewAttachment;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

const ALLOWED: [&str; 3] = ["image/jpeg", "image/png", "application/pdf"];

/// A handler's answer: its response, or a refusal answered as `AppError` says (status and body).
type Answer = Result<Response, AppError>;

/// A stored file as its reader receives it: shown in the browser, never kept by a cache.
fn private_file(mime: &str, bytes: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response()
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

async fn read_fields(multipart: &mut Multipart, names: &[&str]) -> Result<Fields, AppError> {
    let (mut text, mut file) = (std::collections::HashMap::new(), None);
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(clean_file_name);
        let bytes = field.bytes().await?;
        match name.as_str() {
            "file" => file = Some((file_name.unwrap_or_else(|| "file".into()), bytes)),
            n if names.contains(&n) => {
                let value = String::from_utf8(bytes.to_vec()).map_err(|_| AppError::BadRequest)?;
                text.insert(name, value);
            }
            _ => return Err(AppError::BadRequest),
        }
    }
    Ok((text, file))
}

/// A proof file as received: not empty, at most 10 MB, a JPEG, PNG or PDF by its content.
fn checked_file(
    file: Option<(String, axum::body::Bytes)>,
) -> Result<(String, axum::body::Bytes, &'static str), AppError> {
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::refused("file_empty"));
    };
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(AppError::refused("file_too_large"));
    }
    let mime = infer::get(&bytes)
        .map(|t| t.mime_type())
        .filter(|m| ALLOWED.contains(m))
        .ok_or(AppError::refused("file_type"))?;
    Ok((file_name, bytes, mime))
}

/// A multipart body read as `upload` reads one (its fields, then the file checked), storing
/// nothing: the parsers' entry for `crate::fuzz`. Returns how many fields were read. Not for
/// use inside an async runtime (it runs its own).
pub fn check_multipart(boundary: &[u8], body: &[u8]) -> Result<usize, AppError> {
    use axum::extract::FromRequest;
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime for checking multipart bodies");
    }
    let content_type = format!(
        "multipart/form-data; boundary={}",
        String::from_utf8_lossy(boundary)
    );
    let request = axum::http::Request::builder()
        .method("POST")
        .header(header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body.to_vec()))
        .map_err(|_| AppError::BadRequest)?;
    RUNTIME.with(|rt| {
        rt.block_on(async {
            let mut multipart = Multipart::from_request(request, &())
                .await
                .map_err(|_| AppError::BadRequest)?;
            let (fields, file) = read_fields(&mut multipart, &["draft_id", "kind"]).await?;
            let files = usize::from(file.is_some());
            checked_file(file)?;
            Ok(fields.len() + files)
        })
    })
}

pub async fn upload(
    State(state): State<AppState>,
    auth: AuthSession,
    mut multipart: Multipart,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    if user.0.role != Role::Resident {
        return Err(AppError::Forbidden);
    }
    let (fields, file) = read_fields(&mut multipart, &["draft_id", "kind"]).await?;
    let (Some(draft_id), Some(kind)) = (
        fields.get("draft_id").cloned(),
        fields
            .get("kind")
            .and_then(|k| AttachmentKind::from_code(k)),
    ) else {
        return Err(AppError::BadRequest);
    };
    let (file_name, bytes, mime) = checked_file(file)?;
    let s = &state.services;
    let hash = s.blobs.put(&bytes).await.map_err(AppError::internal)?;
    let meta = s
        .store
        .add_attachment(NewAttachment {
            owner_id: user.0.id.clone(),
            draft_id,
            kind,
            file_name,
            content_hash: hash,
            mime: mime.into(),
            size: bytes.len() as i64,
            now: now_millis(),
        })
        .await?;
    audit(
        s,
        Some(&user.0.id),
        "attachment_add",
        &meta.id,
        AuditResult::Ok,
    )
    .await;
    Ok((StatusCode::CREATED, Json(meta)).into_response())
}

/// The owner, or a caseworker/admin whose region contains the application, may read a file.
pub async fn download(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    let s = &state.services;
    let record = s.store.attachment(&id).await?.ok_or(AppError::NotFound)?;
    if user.0.role == Role::Resident {
        if record.owner_id != user.0.id {
            audit(
                s,
                Some(&user.0.id),
                "attachment_read",
                &id,
                AuditResult::Denied,
            )
            .await;
            return Err(AppError::NotFound);
        }
    } else {
        let region = record.region_code.as_ref();
        check_staff_in_region(s, &user, region, "attachment_read", &id).await?;
    }
    let bytes = s
        .blobs
        .get(&record.content_hash)
        .await
        .map_err(AppError::internal)?;
    audit(s, Some(&user.0.id), "attachment_read", &id, AuditResult::Ok).await;
    Ok(private_file(&record.meta.mime, bytes))
}

/// A photo or signature of a home visit, for caseworkers and admins of the application's region.
pub async fn visit_file(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(hash): Path<String>,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    let s = &state.services;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let region = s.store.visit_file_region(&hash).await?;
    check_staff_in_region(s, &user, region.as_ref(), "visit_file_read", &hash).await?;
    let bytes = s.blobs.get(&hash).await.map_err(AppError::internal)?;
    let mime = infer::get(&bytes)
        .map(|t| t.mime_type())
        .filter(|m| *m == "image/jpeg" || *m == "image/png")
        .unwrap_or("application/octet-stream");
    audit(
        s,
        Some(&user.0.id),
        "visit_file_read",
        &hash,
        AuditResult::Ok,
    )
    .await;
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// A charity's proof of delivery for one of its accepted (or delivered) matches.
pub async fn charity_proof_upload(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    if user.0.role != Role::Charity {
        return Err(AppError::Forbidden);
    }
    let s = &state.services;
    let charity = s
        .store
        .charity_of_user(&user.0.id)
        .await?
        .filter(|c| c.status == CharityStatus::Verified)
        .ok_or(AppError::refused("charity_not_verified"))?;
    let (_, file) = read_fields(&mut multipart, &[]).await?;
    let (_, bytes, mime) = checked_file(file)?;
    let hash = s.blobs.put(&bytes).await.map_err(AppError::internal)?;
    s.store
        .attach_match_proof(&id, &charity.id, &hash, mime, now_millis())
        .await?;
    audit(s, Some(&user.0.id), "charity_proof", &id, AuditResult::Ok).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A match's proof of delivery: for its charity, and for caseworkers and administrators of the
/// household's region.
pub async fn charity_proof(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    let s = &state.services;
    let found = s.store.match_record(&id).await?;
    let Some((m, (hash, mime))) = found.and_then(|m| m.proof.clone().map(|p| (m, p))) else {
        return Err(AppError::NotFound);
    };
    if user.0.role == Role::Charity {
        let own = s.store.charity_of_user(&user.0.id).await?;
        if own.is_none_or(|c| c.id != m.charity_id) {
            audit(
                s,
                Some(&user.0.id),
                "charity_proof_read",
                &id,
                AuditResult::Denied,
            )
            .await;
            return Err(AppError::NotFound);
        }
    } else {
        let region = s
            .store
            .household(&m.household_id)
            .await?
            .map(|h| h.region_code);
        check_staff_in_region(s, &user, region.as_ref(), "charity_proof_read", &id).await?;
    }
    let bytes = s.blobs.get(&hash).await.map_err(AppError::internal)?;
    audit(
        s,
        Some(&user.0.id),
        "charity_proof_read",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(private_file(&mime, bytes))
}

/// A filer attaches a file to their complaint (投诉举报), signed in or not: the multipart form
/// names the complaint by its tracking number and secret code, then the file (checked as a
/// declaration's are). A wrong number or code is "not found", as when tracking.
pub async fn complaint_file_upload(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Answer {
    use app::domain::complaints::{secret_code, tracking_number};
    let (fields, file) = read_fields(&mut multipart, &["tracking", "code"]).await?;
    let (Some(tracking), Some(code)) = (
        fields.get("tracking").and_then(|t| tracking_number(t)),
        fields.get("code").and_then(|c| secret_code(c)),
    ) else {
        return Err(AppError::NotFound);
    };
    let s = &state.services;
    let complaint = s
        .store
        .complaint_by_tracking(&tracking)
        .await?
        .ok_or(AppError::NotFound)?;
    if !app::auth::verify_password(code, complaint.code_hash.clone()).await? {
        return Err(AppError::NotFound);
    }
    let (file_name, bytes, mime) = checked_file(file)?;
    let hash = s.blobs.put(&bytes).await.map_err(AppError::internal)?;
    let id = format!("cfile-{}", uuid::Uuid::new_v4().simple());
    s.store
        .add_complaint_file(
            app::store::ComplaintFile {
                id: id.clone(),
                complaint_id: complaint.id.clone(),
                file_name,
                content_hash: hash,
                mime: mime.into(),
                size: bytes.len() as i64,
            },
            now_millis(),
        )
        .await?;
    audit(
        s,
        None,
        "complaint_file_add",
        &format!("{}:{id}", complaint.id),
        AuditResult::Ok,
    )
    .await;
    Ok((StatusCode::OK, Json(id)).into_response())
}

/// A complaint's file, for caseworkers of the region that handles it (each read audited).
pub async fn complaint_file(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    if user.0.role != Role::Caseworker {
        return Err(AppError::Forbidden);
    }
    let s = &state.services;
    let file = s
        .store
        .complaint_file(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    let complaint = s
        .store
        .complaint(&file.complaint_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = app::auth::staff_scope(&user)?;
    if !complaint.handling_region.is_within(&scope) {
        audit(
            s,
            Some(&user.0.id),
            "complaint_file_read",
            &id,
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::NotFound);
    }
    let bytes = s
        .blobs
        .get(&file.content_hash)
        .await
        .map_err(AppError::internal)?;
    audit(
        s,
        Some(&user.0.id),
        "complaint_file_read",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(private_file(&file.mime, bytes))
}

/// A grid worker attaches a photo to their own report (基层上报) while it is open: the
/// multipart form names the lead, then the file (checked as a declaration's are). Anyone
/// else's lead is "not found".
pub async fn lead_file_upload(
    State(state): State<AppState>,
    auth: AuthSession,
    mut multipart: Multipart,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    if user.0.role != Role::GridWorker {
        return Err(AppError::Forbidden);
    }
    let (fields, file) = read_fields(&mut multipart, &["lead"]).await?;
    let s = &state.services;
    let lead_id = fields.get("lead").cloned().unwrap_or_default();
    let lead = s
        .store
        .lead(&lead_id)
        .await?
        .filter(|l| l.reported_by == user.0.id)
        .ok_or(AppError::NotFound)?;
    let (file_name, bytes, mime) = checked_file(file)?;
    let hash = s.blobs.put(&bytes).await.map_err(AppError::internal)?;
    let id = format!("lfile-{}", uuid::Uuid::new_v4().simple());
    s.store
        .add_lead_file(
            app::store::LeadFile {
                id: id.clone(),
                lead_id: lead.id.clone(),
                file_name,
                content_hash: hash,
                mime: mime.into(),
                size: bytes.len() as i64,
            },
            now_millis(),
        )
        .await?;
    audit(
        s,
        Some(&user.0.id),
        "lead_file_add",
        &format!("{}:{id}", lead.id),
        AuditResult::Ok,
    )
    .await;
    Ok((StatusCode::OK, Json(id)).into_response())
}

/// A report's photo, for caseworkers of the region it was reported in and for its reporter
/// (each staff read audited).
pub async fn lead_file(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Answer {
    let user = app::auth::signed_in(auth.user)?;
    let s = &state.services;
    let file = s.store.lead_file(&id).await?.ok_or(AppError::NotFound)?;
    let lead = s
        .store
        .lead(&file.lead_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match user.0.role {
        Role::GridWorker if lead.reported_by == user.0.id => {}
        Role::Caseworker => {
            app::auth::check_in_region(s, &user, &lead.region, "lead_file_read", &id).await?;
        }
        _ => {
            audit(
                s,
                Some(&user.0.id),
                "lead_file_read",
                &id,
                AuditResult::Denied,
            )
            .await;
            return Err(AppError::NotFound);
        }
    }
    let bytes = s
        .blobs
        .get(&file.content_hash)
        .await
        .map_err(AppError::internal)?;
    audit(s, Some(&user.0.id), "lead_file_read", &id, AuditResult::Ok).await;
    Ok(private_file(&file.mime, bytes))
}
