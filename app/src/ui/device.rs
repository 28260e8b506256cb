//! Browser-only helpers (local storage, clock, file upload). They run only from effects and
//! event handlers; on the server they are inert, so rendering never depends on them.

use crate::api::types::AttachmentMeta;
use crate::error::AppError;

pub use crate::clock::{now_millis, today_in_china as today_china};

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
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(key).ok().flatten())
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

/// Moves the cursor (and the screen) to the first element `selector` finds, on the next frame
/// (after what a change shows has been drawn). Returns nothing: a missing element is left alone.
pub fn focus_first(selector: String) {
    #[cfg(feature = "hydrate")]
    leptos::prelude::request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

/// The `<input type=file id=input_id>` and the file chosen in it.
#[cfg(feature = "hydrate")]
fn chosen_file(input_id: &str) -> Result<(web_sys::HtmlInputElement, web_sys::File), AppError> {
    use wasm_bindgen::JsCast;
    let input = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(input_id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .ok_or(AppError::refused("file_empty"))?;
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or(AppError::refused("file_empty"))?;
    Ok((input, file))
}

/// Posts `file` as a multipart form after the text `fields` (the server reads them first).
#[cfg(feature = "hydrate")]
async fn post_file(
    url: &str,
    fields: &[(&str, &str)],
    file: &web_sys::File,
) -> Result<gloo_net::http::Response, AppError> {
    let form = web_sys::FormData::new().map_err(|_| AppError::Internal)?;
    for (name, value) in fields {
        form.append_with_str(name, value)
            .map_err(|_| AppError::Internal)?;
    }
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(|_| AppError::Internal)?;
    gloo_net::http::Request::post(url)
        .body(form)
        .map_err(|_| AppError::Internal)?
        .send()
        .await
        .map_err(|_| AppError::Network)
}

/// The error a server's refusal carries.
#[cfg(feature = "hydrate")]
async fn refusal(resp: gloo_net::http::Response) -> AppError {
    resp.json::<AppError>().await.unwrap_or(AppError::Internal)
}

/// Uploads the file chosen in `<input type=file id=input_id>`, if any, as the proof of delivery
/// of a charity's match; `Ok(false)` when no file was chosen.
pub async fn upload_proof(input_id: &str, match_id: &str) -> Result<bool, AppError> {
    #[cfg(feature = "hydrate")]
    {
        let Ok((input, file)) = chosen_file(input_id) else {
            return Ok(false);
        };
        if file.size() > crate::domain::declaration::MAX_ATTACHMENT_BYTES as f64 {
            return Err(AppError::refused("file_too_large"));
        }
        let resp = post_file(&format!("/charity/proof/{match_id}"), &[], &file).await?;
        if resp.ok() {
            input.set_value("");
            Ok(true)
        } else {
            Err(refusal(resp).await)
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, match_id);
        Err(AppError::Internal)
    }
}

/// Uploads the file chosen in `<input type=file id=input_id>` to the complaint `tracking`
/// (its filer's code proves it is theirs).
pub async fn upload_complaint_file(
    input_id: &str,
    tracking: &str,
    code: &str,
) -> Result<(), AppError> {
    upload_chosen(
        input_id,
        "/complaints/files",
        &[("tracking", tracking), ("code", code)],
    )
    .await
}

/// Uploads the photo chosen in `<input type=file id=input_id>` to the grid worker's report
/// `lead` (基层上报).
pub async fn upload_lead_photo(input_id: &str, lead: &str) -> Result<(), AppError> {
    upload_chosen(input_id, "/leads/files", &[("lead", lead)]).await
}

/// Posts the file chosen in `<input type=file id=input_id>` to `path` with `fields`, and clears
/// the input once it is taken.
async fn upload_chosen(
    input_id: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> Result<(), AppError> {
    #[cfg(feature = "hydrate")]
    {
        let (input, file) = chosen_file(input_id)?;
        if file.size() > crate::domain::declaration::MAX_ATTACHMENT_BYTES as f64 {
            return Err(AppError::refused("file_too_large"));
        }
        let resp = post_file(path, fields, &file).await?;
        if resp.ok() {
            input.set_value("");
            Ok(())
        } else {
            Err(refusal(resp).await)
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, path, fields);
        Err(AppError::Internal)
    }
}

/// Uploads the file chosen in `<input type=file id=input_id>` to the draft.
pub async fn upload_file(
    input_id: &str,
    draft_id: &str,
    kind: &str,
) -> Result<AttachmentMeta, AppError> {
    #[cfg(feature = "hydrate")]
    {
        let (input, file) = chosen_file(input_id)?;
        if file.size() > crate::domain::declaration::MAX_ATTACHMENT_BYTES as f64 {
            return Err(AppError::refused("file_too_large"));
        }
        let resp = post_file(
            "/attachments",
            &[("draft_id", draft_id), ("kind", kind)],
            &file,
        )
        .await?;
        if resp.ok() {
            input.set_value("");
            resp.json::<AttachmentMeta>()
                .await
                .map_err(|_| AppError::Internal)
        } else {
            Err(refusal(resp).await)
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, draft_id, kind);
        Err(AppError::Internal)
    }
}

/// A fresh id made on this device (visits, aid entries): what makes a resend harmless.
pub fn new_device_id(prefix: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let part = || format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u64);
        format!("{prefix}-{}{}{}{}", part(), part(), part(), part())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        format!(
            "{prefix}-{:032x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        )
    }
}

/// The photo chosen in `<input type=file id=input_id>`, scaled so its longer side is at most
/// `max_px`, as a JPEG data URL: small enough to keep on the device and send later.
pub async fn photo_from_input(input_id: &str, max_px: f64) -> Result<String, AppError> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let window = web_sys::window().ok_or(AppError::Internal)?;
        let document = window.document().ok_or(AppError::Internal)?;
        let (input, file) = chosen_file(input_id)?;
        let promise = window
            .create_image_bitmap_with_blob(&file)
            .map_err(|_| AppError::refused("file_type"))?;
        let bitmap: web_sys::ImageBitmap = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|b| b.dyn_into().ok())
            .ok_or(AppError::refused("file_type"))?;
        let (w, h) = (bitmap.width() as f64, bitmap.height() as f64);
        let scale = (max_px / w.max(h)).min(1.0);
        let canvas: web_sys::HtmlCanvasElement = document
            .create_element("canvas")
            .ok()
            .and_then(|c| c.dyn_into().ok())
            .ok_or(AppError::Internal)?;
        canvas.set_width((w * scale).round() as u32);
        canvas.set_height((h * scale).round() as u32);
        let ctx = context_2d(&canvas).ok_or(AppError::Internal)?;
        ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w * scale, h * scale)
            .map_err(|_| AppError::Internal)?;
        input.set_value("");
        for quality in [0.7, 0.5, 0.35] {
            let url = canvas
                .to_data_url_with_type_and_encoder_options(
                    "image/jpeg",
                    &wasm_bindgen::JsValue::from_f64(quality),
                )
                .map_err(|_| AppError::Internal)?;
            if url.len() <= crate::domain::visit::MAX_IMAGE_DATA_URL_CHARS {
                return Ok(url);
            }
        }
        Err(AppError::refused("file_too_large"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, max_px);
        Err(AppError::Internal)
    }
}

#[cfg(feature = "hydrate")]
fn context_2d(canvas: &web_sys::HtmlCanvasElement) -> Option<web_sys::CanvasRenderingContext2d> {
    use wasm_bindgen::JsCast;
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
}

/// A point of a pointer event in the canvas's own pixels (the canvas may be drawn scaled).
#[cfg(feature = "hydrate")]
fn canvas_point(canvas: &web_sys::HtmlCanvasElement, ev: &web_sys::PointerEvent) -> (f64, f64) {
    let sx = canvas.width() as f64 / canvas.client_width().max(1) as f64;
    let sy = canvas.height() as f64 / canvas.client_height().max(1) as f64;
    (ev.offset_x() as f64 * sx, ev.offset_y() as f64 * sy)
}

/// Signature pad: a stroke starts.
pub fn pad_start(canvas: &leptos::web_sys::HtmlCanvasElement, ev: &leptos::web_sys::PointerEvent) {
    #[cfg(feature = "hydrate")]
    if let Some(ctx) = context_2d(canvas) {
        let (x, y) = canvas_point(canvas, ev);
        ctx.set_line_width(3.0);
        ctx.set_line_cap("round");
        ctx.begin_path();
        ctx.move_to(x, y);
        let _ = canvas.set_pointer_capture(ev.pointer_id());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (canvas, ev);
}

/// Signature pad: the stroke goes on.
pub fn pad_move(canvas: &leptos::web_sys::HtmlCanvasElement, ev: &leptos::web_sys::PointerEvent) {
    #[cfg(feature = "hydrate")]
    if let Some(ctx) = context_2d(canvas) {
        let (x, y) = canvas_point(canvas, ev);
        ctx.line_to(x, y);
        ctx.stroke();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (canvas, ev);
}

/// Signature pad: the picture so far as a PNG data URL.
pub fn pad_image(canvas: &leptos::web_sys::HtmlCanvasElement) -> String {
    #[cfg(feature = "hydrate")]
    {
        canvas.to_data_url().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = canvas;
        String::new()
    }
}

pub fn pad_clear(canvas: &leptos::web_sys::HtmlCanvasElement) {
    #[cfg(feature = "hydrate")]
    if let Some(ctx) = context_2d(canvas) {
        ctx.clear_rect(0.0, 0.0, canvas.width() as f64, canvas.height() as f64);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = canvas;
}

/// Uploads the department file chosen in `<input type=file id=input_id>` for import and
/// returns the import's report (a refused file's report says why).
pub async fn upload_import(
    input_id: &str,
    source: &str,
    encoding: &str,
    run: &str,
) -> Result<crate::api::monitoring::ImportReport, AppError> {
    #[cfg(feature = "hydrate")]
    {
        let (_, file) = chosen_file(input_id)?;
        let resp = post_file(
            "/imports",
            &[("run", run), ("source", source), ("encoding", encoding)],
            &file,
        )
        .await?;
        let text = resp.text().await.map_err(|_| AppError::Network)?;
        match serde_json::from_str::<crate::api::monitoring::ImportReport>(&text) {
            Ok(report) if resp.ok() || report.refused.is_some() => Ok(report),
            _ => Err(serde_json::from_str::<AppError>(&text).unwrap_or(AppError::Internal)),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, source, encoding, run);
        Err(AppError::Internal)
    }
}

/// Uploads the roster chosen in `<input type=file id=input_id>` for intake; its report, also
/// when the file was refused whole (the report says why).
pub async fn upload_intake(
    input_id: &str,
    roster: &str,
    check: bool,
) -> Result<crate::api::intake::IntakeReport, AppError> {
    #[cfg(feature = "hydrate")]
    {
        let (input, file) = chosen_file(input_id)?;
        let fields = [("roster", roster), ("check", if check { "1" } else { "" })];
        let resp = post_file("/intake", &fields, &file).await?;
        let text = resp.text().await.map_err(|_| AppError::Network)?;
        match serde_json::from_str::<crate::api::intake::IntakeReport>(&text) {
            Ok(report) if resp.ok() || report.refused.is_some() => {
                // A checked file stays chosen: the next step is to take it in.
                if resp.ok() && !check {
                    input.set_value("");
                }
                Ok(report)
            }
            _ => Err(serde_json::from_str::<AppError>(&text).unwrap_or(AppError::Internal)),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, roster, check);
        Err(AppError::Internal)
    }
}

/// Uploads the bank's return file chosen in `<input type=file id=input_id>` for a roll; its
/// report, also when the file was refused whole (the report says why).
pub async fn upload_bank_return(
    input_id: &str,
    roll: &str,
) -> Result<crate::api::payments::ReturnReport, AppError> {
    #[cfg(feature = "hydrate")]
    {
        let (input, file) = chosen_file(input_id)?;
        let resp = post_file(&format!("/payments/{roll}/return"), &[], &file).await?;
        let text = resp.text().await.map_err(|_| AppError::Network)?;
        match serde_json::from_str::<crate::api::payments::ReturnReport>(&text) {
            Ok(report) if resp.ok() || report.refused => {
                if resp.ok() {
                    input.set_value("");
                }
                Ok(report)
            }
            _ => Err(serde_json::from_str::<AppError>(&text).unwrap_or(AppError::Internal)),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input_id, roll);
        Err(AppError::Internal)
    }
}

/// How far the import with this run token has come (`None` when the server cannot say).
pub async fn import_progress(run: &str) -> Option<crate::api::monitoring::ImportProgress> {
    #[cfg(feature = "hydrate")]
    {
        let resp = gloo_net::http::Request::get(&format!("/imports/progress/{run}"))
            .send()
            .await
            .ok()?;
        resp.json().await.ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = run;
        None
    }
}
