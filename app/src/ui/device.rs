//! Browser-only helpers (local storage, clock, file upload). They run only from effects and
//! event handlers; on the server they are inert, so rendering never depends on them.

use crate::api::types::AttachmentMeta;
use crate::error::AppError;

/// Milliseconds since the epoch from the device clock (the server's clock when rendering).
pub fn now_millis() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        real + DEMO_CLOCK_OFFSET_MS.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Demo mode only (`/dev/clock`): moves the server's clock forward so a demonstration can
/// show what happens when a period ends (the public notice, a scheduled parameter). Always
/// zero outside demo mode.
#[cfg(not(feature = "hydrate"))]
pub static DEMO_CLOCK_OFFSET_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Today's date in China (UTC+8, no daylight saving).
pub fn today_china() -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_millis() + 8 * 3_600_000)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

pub fn local_save(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

pub fn local_load(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(key).ok().flatten())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

pub fn local_remove(key: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(key);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Uploads the file chosen in `<input type=file id=input_id>` to the draft.
pub async fn upload_file(input_id: &str, draft_id: &str, kind: &str) -> Result<AttachmentMeta, AppError> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let input = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(input_id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .ok_or(AppError::refused("file_empty"))?;
        let file = input.files().and_then(|f| f.get(0)).ok_or(AppError::refused("file_empty"))?;
        if file.size() > crate::domain::declaration::MAX_ATTACHMENT_BYTES as f64 {
            return Err(AppError::refused("file_too_large"));
        }
        let form = web_sys::FormData::new().map_err(|_| AppError::Internal)?;
        form.append_with_str("draft_id", draft_id).map_err(|_| AppError::Internal)?;
        form.append_with_str("kind", kind).map_err(|_| AppError::Internal)?;
        form.append_with_blob_and_filename("file", &file, &file.name()).map_err(|_| AppError::Internal)?;
        let resp = gloo_net::http::Request::post("/attachments")
            .body(form)
            .map_err(|_| AppError::Internal)?
            .send()
            .await
            .map_err(|_| AppError::Network)?;
        if resp.ok() {
            input.set_value("");
            resp.json::<AttachmentMeta>().await.map_err(|_| AppError::Internal)
        } else {
            Err(resp.json::<AppError>().await.unwrap_or(AppError::Internal))
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, draft_id, kind);
        Err(AppError::Internal)
    }
}
