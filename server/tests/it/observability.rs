//! What operators see: liveness and readiness, `/metrics` (behind its token), and the request
//! id every answer carries.

use crate::helpers::{spawn_app, spawn_app_with};
use reqwest::StatusCode;

const TOKEN: &str = "metrics-token-for-tests-0123456789";

#[tokio::test]
async fn readiness_says_the_database_answers_with_every_migration() {
    let app = spawn_app().await;
    let c = app.client();
    let live = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let ready = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready");

    // A migration of this version missing from the database: not ready, still alive.
    server::store::dialect::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let ready = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        c.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_exist_only_behind_their_token() {
    let closed = spawn_app().await;
    let r = closed
        .client()
        .get(closed.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "no token configured: no metrics"
    );

    let app = spawn_app_with(|c| c.metrics_token = Some(TOKEN.into())).await;
    let c = app.client();
    for auth in [None, Some("Bearer wrong"), Some(TOKEN)] {
        let mut r = c.get(app.url("/metrics"));
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        assert_eq!(
            r.send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{auth:?}"
        );
    }

    // Traffic to count: a page, a page with an id in its path, a failed sign-in.
    assert_eq!(
        c.get(app.url("/login")).send().await.unwrap().status(),
        StatusCode::OK
    );
    c.get(app.url("/applications/SQ-2026-999999"))
        .send()
        .await
        .unwrap();
    let failed = c
        .post(app.url("/api/accounts/login"))
        .form(&[
            ("login", "demo_caseworker"),
            ("password", "not-the-password"),
            ("otp", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(failed.status().is_client_error());

    // A method the client made up is counted, but never becomes a label of its own.
    c.request(
        reqwest::Method::from_bytes(b"MADEUPMETHOD").unwrap(),
        app.url("/login"),
    )
    .send()
    .await
    .unwrap();

    let text = c
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let has = |needle: &str| {
        assert!(
            text.lines().any(|l| l.contains(needle)),
            "{needle} missing from:\n{text}"
        )
    };
    has(r#"doudi_http_requests_total{route="/login",method="GET",status="200"}"#);
    has(r#"doudi_http_request_duration_seconds_bucket{route="/login""#);
    // The route's pattern, never the id in the path.
    has(r#"route="/applications/{number}""#);
    assert!(!text.contains("SQ-2026-999999"), "an id became a label");
    assert!(
        !text.contains("MADEUPMETHOD"),
        "a client's method became a label"
    );
    has(r#"method="other""#);
    has("doudi_sign_in_failures_total");
    has(r#"doudi_audit_events_total{action="login",result="failed"}"#);
    has(r#"doudi_db_pool_connections{state="idle"}"#);
    has("doudi_job_queue_due");
    has("doudi_job_queue_oldest_due_seconds");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = spawn_app().await;
    let r = app.client().get(app.url("/")).send().await.unwrap();
    let id = r.headers().get("x-request-id").expect("a request id");
    assert_eq!(id.to_str().unwrap().len(), 36, "a UUID");
    let mine = app
        .client()
        .get(app.url("/"))
        .header("x-request-id", "req-from-the-balancer")
        .send()
        .await
        .unwrap();
    assert_eq!(
        mine.headers().get("x-request-id").unwrap(),
        "req-from-the-balancer",
        "an id from a load balancer is kept"
    );
}

/// A session in use stays signed in past the idle window: tower-sessions writes (and so
/// extends) only a changed session, and `http::session_lifetime` touches it as it is used.
/// Found by `make crash`: every session ended `session_idle_minutes` after signing in,
/// however busy. (Takes 75 s: the idle window is counted in minutes.)
#[tokio::test]
async fn a_session_in_use_outlives_the_idle_window() {
    let app = spawn_app_with(|c| c.session_idle_minutes = 1).await;
    let c = crate::api::resident(&app, "13900000961").await;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(75) {
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        let r = c.post(app.url("/api/accounts/me")).send().await.unwrap();
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["id"].is_string(),
            "signed out after {:?}: {body}",
            started.elapsed()
        );
    }
}

/// Issue 20: an overloaded server says "busy" at once (503, `Retry-After`) instead of queueing
/// requests until clients give up; what operators ask still answers; the permit comes back
/// when the request in hand is done.
#[tokio::test]
async fn a_request_beyond_the_in_flight_limit_is_told_busy_at_once() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|c| {
        c.max_in_flight = 1;
        c.metrics_token = Some(TOKEN.into());
    })
    .await;
    let c = app.client();
    // A request whose body is still coming: it holds the only permit.
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(
        b"POST /api/accounts/me HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nab",
    )
    .await
    .unwrap();
    // Until the server took it, the next request may still get the permit: wait for a 503.
    let mut busy = None;
    for _ in 0..100 {
        let r = c.post(app.url("/api/accounts/me")).send().await.unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            busy = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let busy = busy.expect("the second request is told the server is busy");
    assert_eq!(busy.headers()["retry-after"], "1");
    assert_eq!(
        busy.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "kind": "busy" })
    );
    let page = c
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = page.text().await.unwrap();
    assert!(
        text.contains("系统正忙") && text.contains("The service is busy"),
        "{text}"
    );
    for path in ["/healthz", "/readyz"] {
        assert_eq!(
            c.get(app.url(path)).send().await.unwrap().status(),
            StatusCode::OK,
            "{path} answers while busy"
        );
    }
    let metrics = c
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("doudi_http_requests_shed_total") && !l.ends_with(" 0")),
        "{metrics}"
    );

    // The slow request ends (its answer read): the permit is back.
    slow.write_all(b"12345678").await.unwrap();
    let mut answer = vec![0u8; 1024];
    let n = slow.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 "));
    drop(slow);
    let mut served = false;
    for _ in 0..100 {
        let r = c.post(app.url("/api/accounts/me")).send().await.unwrap();
        if r.status() != StatusCode::SERVICE_UNAVAILABLE {
            served = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(served, "served again once the request in hand is done");
}
