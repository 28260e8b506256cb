//! `/metrics` in Prometheus's text format (`metrics` + `metrics-exporter-prometheus`): requests
//! and their latency per route, errors, database pool use, the background work queue's depth
//! and age, import rows, sign-in failures and lockouts (counted where they are audited,
//! `app::auth::audit_for`).
//!
//! Not public: answered only with `Authorization: Bearer <DOUDI_METRICS_TOKEN>`; without a
//! configured token the route does not exist (404), so nothing is exposed by default.

use crate::startup::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// The process's recorder (one per process: every application a test starts shares it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .expect("buckets are given")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only its own");
        }
        handle
    })
}

/// A request's route for its labels: the route pattern it matched (`/applications/{number}`),
/// so an id in a path never becomes a label; `unmatched` for what no route took.
#[derive(Clone)]
struct Route(String);

/// Added with `Router::route_layer`: notes which route took the request (the outer `track`
/// records it).
pub async fn note_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(Route(route));
    }
    res
}

/// Counts every request by route, method and status, and times it by route.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    // A client chooses the method (any token is valid HTTP): only the standard ones become
    // labels, so requests cannot grow the metrics without bound.
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_string(),
        _ => "other".to_string(),
    };
    let res = next.run(req).await;
    let route = res
        .extensions()
        .get::<Route>()
        .map_or_else(|| "unmatched".to_string(), |r| r.0.clone());
    let status = res.status();
    metrics::counter!(
        "doudi_http_requests_total",
        "route" => route.clone(),
        "method" => method,
        "status" => status.as_u16().to_string()
    )
    .increment(1);
    if status.is_server_error() {
        metrics::counter!("doudi_http_server_errors_total", "route" => route.clone()).increment(1);
    }
    metrics::histogram!("doudi_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// `GET /metrics`.
pub async fn endpoint(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !app::second_factor::same_secret(given, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    // Gauges read when asked.
    let (size, idle) = state.db.connections();
    metrics::gauge!("doudi_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("doudi_db_pool_connections", "state" => "in_use")
        .set((size as usize).saturating_sub(idle) as f64);
    let now = app::services::now_millis();
    match state.services.store.work_queue(now).await {
        Ok((due, oldest)) => {
            metrics::gauge!("doudi_job_queue_due").set(due as f64);
            metrics::gauge!("doudi_job_queue_oldest_due_seconds")
                .set(oldest.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0));
        }
        Err(e) => tracing::warn!(error = %e, "job queue unreadable for /metrics"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}
