//! HTTP plumbing around the app: the HTTP status of each server function's `AppError`, the Origin check, health, the demo SMS outbox, and request tracing.

use crate::startup::AppState;
use app::error::AppError;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Leptos answers every failed server function with 500. The `AppError` in the body says
/// whose fault it was, so the status is taken from it: a body that does not decode is the
/// caller's (400), a refused rule 409, and so on; only `Internal` stays 500.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 256 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The largest body of an upload of one attachment or proof (the file and its fields).
pub const ATTACHMENT_BODY_MAX: usize = app::domain::declaration::MAX_ATTACHMENT_BYTES + 64 * 1024;
/// The largest body of a department's import file.
pub const IMPORT_BODY_MAX: usize = crate::imports::MAX_IMPORT_BYTES + 64 * 1024;
/// The largest body of a bank's return file: about 700 000 lines of CSV, read whole.
pub const BANK_RETURN_BODY_MAX: usize = 32 * 1024 * 1024;

/// The body a raw (non-API) route takes at most: the uploads their own limit, anything else
/// (a page, a form sent too early) the API's small one.
fn raw_body_max(path: &str, small: usize) -> usize {
    if path == "/imports" || path == "/intake" {
        IMPORT_BODY_MAX
    } else if path == "/attachments" || path.starts_with("/charity/proof/") {
        ATTACHMENT_BODY_MAX
    } else if path.starts_with("/payments/") && path.ends_with("/return") {
        BANK_RETURN_BODY_MAX
    } else {
        small
    }
}

/// Bodies are refused by size (413) before any work and before the session or the signed-in
/// user is read (this runs outside the session layers). Server functions take small bodies,
/// read here at most to their limit; a raw route whose declared length passes its limit is
/// refused at once, and a raw upload without a length (chunked) stops at its route's limit
/// while it is read (`DefaultBodyLimit`).
pub async fn api_body_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // The machine API answers in its own shape; a push streams to disk within the import's
    // limit, its other calls are small.
    if req.uri().path().starts_with("/api/v1/") {
        let records = req.uri().path().starts_with("/api/v1/records/");
        let max = if records {
            IMPORT_BODY_MAX
        } else {
            state.config.max_body_bytes
        };
        if declared.is_some_and(|n| n > max) {
            return crate::machine::body_too_large(req.headers());
        }
        if records {
            return next.run(req).await;
        }
        let (parts, body) = req.into_parts();
        return match axum::body::to_bytes(body, max).await {
            Ok(bytes) => {
                next.run(Request::from_parts(parts, Body::from(bytes)))
                    .await
            }
            Err(_) => crate::machine::body_too_large(&parts.headers),
        };
    }
    if !req.uri().path().starts_with("/api/") {
        let max = raw_body_max(req.uri().path(), state.config.max_body_bytes);
        if declared.is_some_and(|n| n > max) {
            return AppError::refused("body_too_large").into_response();
        }
        return next.run(req).await;
    }
    // A home visit carries its photos and signatures; everything else is small.
    let max = if req.uri().path() == "/api/household/visit" {
        app::domain::visit::MAX_VISIT_BODY_BYTES.max(state.config.max_body_bytes)
    } else {
        state.config.max_body_bytes
    };
    if declared.is_some_and(|n| n > max) {
        return AppError::refused("body_too_large").into_response();
    }
    // Without a length (chunked), read at most `max` bytes.
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, max).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => AppError::refused("body_too_large").into_response(),
    }
}

const RATE_LIMITED_PATHS: [&str; 8] = [
    "/api/accounts/login",
    "/api/accounts/second_factor/confirm",
    "/api/accounts/register",
    "/api/accounts/send_code",
    "/api/charity/register",
    // 投诉举报: filed and followed without signing in.
    "/api/complaints/file",
    "/api/complaints/track",
    "/complaints/files",
];

pub use app::services::ClientAddr;

/// Works out the client's address once, from the peer and (from trusted proxies only)
/// X-Forwarded-For.
pub async fn client_address(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    let client = state.config.client_address(peer.ip(), forwarded);
    req.extensions_mut().insert(ClientAddr(client));
    app::services::CLIENT
        .scope(ClientAddr(client), next.run(req))
        .await
}

/// The endpoints that take passwords and send SMS: at most `Config::auth_requests_per_minute`
/// requests a client address a minute, counted in the database so that every process behind a
/// load balancer shares the one budget (`SharedStore::count_request`).
pub async fn auth_rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && RATE_LIMITED_PATHS.contains(&req.uri().path()) {
        let Some(ClientAddr(client)) = req.extensions().get::<ClientAddr>().copied() else {
            return AppError::internal("client address missing").into_response();
        };
        let minute = app::auth::real_now_millis().div_euclid(60_000);
        let counted = state
            .services
            .store
            .count_request(&format!("auth:{client}"), minute)
            .await;
        match counted {
            Ok(calls) if calls > i64::from(state.config.auth_requests_per_minute) => {
                tracing::warn!(%client, "sign-in rate limit reached");
                return AppError::TooManyRequests.into_response();
            }
            Ok(_) => {}
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    next.run(req).await
}

/// Paths served without a permit: the build's static files (cheap, and what a busy page
/// still needs), and what operators and load balancers ask while the server is busy.
fn exempt_from_shedding(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Serves at most `Config::max_in_flight` requests at once. One more is answered at once,
/// before its session is read or anything is done: 503 with `Retry-After: 1`, a page saying
/// so in both languages to a browser asking for a page, `AppError::Busy` to the app's calls
/// (which keep what they were sending, as for a lost network). Without this an overloaded
/// server queued every request until clients gave up, and the ones it then reached failed
/// on the database pool's timeout with 500s, false "signed out" and conflicts. The permit is
/// held until the response's body is sent (a streamed page renders while it is sent).
pub async fn shed_load(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if exempt_from_shedding(req.uri().path()) {
        return next.run(req).await;
    }
    let Ok(permit) = state.in_flight.clone().try_acquire_owned() else {
        metrics::counter!("doudi_http_requests_shed_total").increment(1);
        let wants_page = req.method() == Method::GET
            && req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/html"));
        let mut res = if wants_page {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Html(
                    "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
                     <meta name=\"viewport\" content=\"width=device-width\">\
                     <title>系统正忙 / Busy</title><body><h1>系统正忙</h1>\
                     <p>请稍等片刻后刷新本页。您的信息没有丢失。</p>\
                     <p lang=\"en\">The service is busy. Please reload this page in a moment; \
                     nothing of yours was lost.</p></body></html>",
                ),
            )
                .into_response()
        } else {
            AppError::Busy.into_response()
        };
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return res;
    };
    next.run(req).await.map(|body| {
        Body::new(Permitted {
            body,
            _permit: permit,
        })
    })
}

/// A response body holding its request's permit until it is sent or dropped.
struct Permitted {
    body: Body,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl http_body::Body for Permitted {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Refuses state-changing requests from other origins before a session cookie is trusted.
pub async fn origin_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let allowed = match origin {
        Some(o) => {
            state.config.public_origin.as_deref() == Some(o)
                || host.is_some_and(|h| o == format!("http://{h}") || o == format!("https://{h}"))
        }
        // No Origin: not a cross-site browser request unless the browser says so.
        None => headers
            .get("sec-fetch-site")
            .is_none_or(|v| v == "same-origin" || v == "none"),
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!(?origin, ?host, "cross-origin request refused");
        AppError::Forbidden.into_response()
    }
}

/// A sign-in or registration form sent before its page's code was live (or with JavaScript off):
/// the form posts to its own page (`method="post"`, so the password is never in an address), and
/// gets the page again, empty, saying why (`?early`). Nothing of the body is read.
pub async fn form_sent_too_early(uri: axum::http::Uri) -> axum::response::Redirect {
    axum::response::Redirect::to(&format!("{}?early", uri.path()))
}

/// The process answers (liveness): nothing else is checked, so a database outage does not get
/// healthy processes restarted.
pub async fn healthz() -> Response {
    (StatusCode::OK, "ok").into_response()
}

/// Ready for traffic: the database answers and has every migration this version knows.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.migrations_current().await {
        Ok(true) => (StatusCode::OK, "ready").into_response(),
        Ok(false) => {
            tracing::error!("readiness: the database is missing migrations of this version");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database migrations not current",
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "readiness: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Demo mode only: the SMS the logging notifier would have sent.
pub async fn outbox(State(state): State<AppState>) -> Response {
    if !state.config.demo {
        return StatusCode::NOT_FOUND.into_response();
    }
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let items: String = state
        .notifier
        .recent()
        .iter()
        .map(|(to, text)| format!("<li><b>{}</b> {}</li>", escape(to), escape(text)))
        .collect();
    // The demo accounts' second factor, as an authenticator app would show it now.
    let now = (app::auth::real_now_millis() / 1000) as u64;
    let totp = app::second_factor::code_at(crate::seed::DEMO_TOTP_SECRET, now).unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>演示短信发件箱 Demo SMS outbox</title>\
         <body><h1>演示短信发件箱 / Demo SMS outbox</h1><p>演示模式：短信未真正发送。Demo mode: no SMS is really sent.</p>\
         <ul id=\"outbox\">{items}</ul>\
         <h2>演示账号动态验证码 / Demo accounts' second factor</h2>\
         <p>密钥 Secret <code>{secret}</code>：动态验证码 code now <b id=\"demo-totp\">{totp}</b>（每 30 秒更新 / changes every 30 s）</p>\
         </body></html>",
        secret = crate::seed::DEMO_TOTP_SECRET,
    ))
    .into_response()
}

#[derive(serde::Deserialize)]
pub struct ClockForm {
    days: i64,
}

/// Demo mode only: moves the server's clock `days` ahead of real time (0 puts it back), so a
/// demonstration can reach the end of a public notice. Refused outside demo mode.
pub async fn demo_clock_set(
    State(state): State<AppState>,
    axum::Form(f): axum::Form<ClockForm>,
) -> Response {
    if !state.config.demo {
        return StatusCode::NOT_FOUND.into_response();
    }
    if !(0..=400).contains(&f.days) {
        return (StatusCode::UNPROCESSABLE_ENTITY, "days must be 0..=400").into_response();
    }
    app::services::demo_clock::set_days(f.days);
    tracing::warn!(days = f.days, "demo clock moved");
    demo_clock(State(state)).await
}

/// Demo mode only: how far the demo clock is ahead.
pub async fn demo_clock(State(state): State<AppState>) -> Response {
    if !state.config.demo {
        return StatusCode::NOT_FOUND.into_response();
    }
    let days = app::services::demo_clock::days();
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>演示时钟 Demo clock</title>\
         <body><h1>演示时钟 / Demo clock</h1><p id=\"clock\">服务器时间比实际快 {days} 天 / server clock is {days} days ahead; today: {}</p></body></html>",
        app::services::today_in_china()
    ))
    .into_response()
}

/// Request ids (x-request-id, generated when absent, echoed back), a tracing span per
/// request carrying that id, and conservative security headers.
/// The CSP of answers that are not pages (no inline script at all); a page sets its own, with
/// its nonce (`app::csp::content_security_policy`).
static CONTENT_SECURITY_POLICY: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    HeaderValue::from_str(&app::csp::content_security_policy(None))
        .expect("the policy is plain ASCII")
});

/// Ends a signed-in session `session_max_hours` after signing in, however active it has been
/// (beside the idle timeout): the user is signed out before anything else reads the session.
pub async fn session_lifetime(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(auth) = req.extensions_mut().get_mut::<app::auth::AuthSession>() {
        if auth.user.is_some() {
            let since = auth
                .session
                .get::<i64>(app::auth::SIGNED_IN_AT)
                .await
                .ok()
                .flatten();
            let max = state.config.session_max_hours * 3_600_000;
            let now = app::auth::real_now_millis();
            if since.is_none_or(|t| now - t > max) {
                if let Err(e) = auth.logout().await {
                    tracing::error!(error = %e, "could not end an expired session");
                    return AppError::Internal.into_response();
                }
            } else {
                // The idle timeout counts from the session's last write (tower-sessions saves
                // only a changed session): without this, a session in constant use ended
                // `session_idle_minutes` after signing in (found by `make crash`). Written
                // again once a tenth of the window has passed, not on every request.
                let idle = state.config.session_idle_minutes * 60_000;
                let touched = auth
                    .session
                    .get::<i64>(app::auth::TOUCHED_AT)
                    .await
                    .ok()
                    .flatten()
                    .or(since)
                    .unwrap_or(0);
                if now - touched > idle / 10 {
                    if let Err(e) = auth.session.insert(app::auth::TOUCHED_AT, now).await {
                        tracing::warn!(error = %e, "could not extend a session");
                    }
                }
            }
        }
    }
    next.run(req).await
}

/// Security headers of every answer: nothing but the hashed build output (`/pkg/`) and the
/// public assets is cached anywhere (pages and API answers carry personal data), and over https
/// browsers are told to stay on https (HSTS).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| CONTENT_SECURITY_POLICY.clone());
    let public_asset = path.starts_with("/pkg/")
        || path == "/favicon.ico"
        || path.ends_with(".css")
        || path.ends_with(".png")
        || path.ends_with(".svg");
    if !public_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.secure_cookies() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Answers compressed (gzip) for browsers that accept it: pages, server functions' JSON, the
/// files of `public/`. What already is compressed passes untouched: the build output's own
/// brotli and gzip copies (`crate::assets`, which carry a `Content-Encoding`), images, and the
/// spreadsheets, PDFs and other files people download. Compressed pages that mix a secret with
/// text an attacker chooses could leak it by their size (BREACH); the session cookie is
/// `SameSite=Lax`, so another site cannot make a signed-in browser fetch such pages for it.
pub fn compression(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    let predicate = DefaultPredicate::new()
        .and(NotForContentType::new("application/vnd.openxmlformats"))
        .and(NotForContentType::new("application/pdf"))
        .and(NotForContentType::new("application/zip"))
        .and(NotForContentType::new("application/octet-stream"));
    tower_http::compression::CompressionLayer::new()
        .gzip(true)
        .compress_when(predicate)
}

pub fn with_observability(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Whether `path` is a page of the route `pattern` as axum writes it (`/applications/{number}`):
/// the same segments, where a `{…}` segment stands for any one non-empty segment.
pub fn route_matches(pattern: &str, path: &str) -> bool {
    let (mut pattern, mut path) = (
        pattern.trim_end_matches('/').split('/'),
        path.trim_end_matches('/').split('/'),
    );
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') && !s.is_empty() => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

/// The language a file the server writes is in (`app::texts::locale_of`).
pub fn locale_of(headers: &axum::http::HeaderMap) -> app::i18n::Locale {
    app::texts::locale_of(headers)
}

#[cfg(test)]
mod tests {
    use super::route_matches;

    #[test]
    fn a_page_matches_its_route_pattern_only() {
        assert!(route_matches("/", "/"));
        assert!(route_matches("/login", "/login"));
        assert!(route_matches(
            "/applications/{number}",
            "/applications/SQ-2026-000123"
        ));
        assert!(route_matches("/applications", "/applications/"));
        assert!(!route_matches("/", "/staff"));
        assert!(!route_matches("/applications/{number}", "/applications"));
        assert!(!route_matches("/applications/{number}", "/applications//"));
        assert!(!route_matches(
            "/applications/{number}",
            "/applications/SQ-1/extra"
        ));
        assert!(!route_matches("/login", "/staff/login"));
    }
}
