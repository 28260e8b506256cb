//! Every server function and raw route, sent bodies a careless or hostile client sends
//! (truncated JSON, wrong types, a huge string, deep nesting, invalid UTF-8, emoji, negative
//! and overflowing numbers, missing and extra fields, wrong content types), by an anonymous
//! visitor and by a signed-in resident, caseworker and administrator: never a 5xx, always an
//! answer with something to say, and nothing stored (every table compared before and after,
//! but for the audit trail and the sign-in counts, which record the attempts).

use crate::api::resident;
use crate::helpers::{backends, fresh_database, spawn_app_with};
use crate::household::login;
use reqwest::{Client, StatusCode};

/// (content type, body) pairs.
fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    const JSON: &str = "application/json";
    const FORM: &str = "application/x-www-form-urlencoded";
    let huge = format!("{{\"number\":\"{}\"}}", "长".repeat(1_000_000));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    vec![
        (JSON, b"{\"number\":".to_vec()),
        (
            JSON,
            b"{\"number\": 5, \"filter\": \"x\", \"visit\": [], \"decision\": 1}".to_vec(),
        ),
        (JSON, huge.into_bytes()),
        (JSON, deep.into_bytes()),
        (JSON, b"{\"number\":\"\xff\xfe\xfd\"}".to_vec()),
        (
            JSON,
            "{\"number\":\"😀\",\"reason\":\"😀\",\"id\":\"😀\"}"
                .as_bytes()
                .to_vec(),
        ),
        (
            JSON,
            b"{\"days\": -99999999999999999999999, \"amount\": 1e400, \"limit\": -1}".to_vec(),
        ),
        (JSON, b"{}".to_vec()),
        (
            JSON,
            b"{\"unknown_field\": true, \"another\": [1,2,3]}".to_vec(),
        ),
        (JSON, b"null".to_vec()),
        (FORM, b"number=%FF%FE&reason=%00".to_vec()),
        (FORM, b"number=\xff\xfe".to_vec()),
        (
            FORM,
            "number=😀&to=😀&days=-1&amount=-1e400".as_bytes().to_vec(),
        ),
        (FORM, b"".to_vec()),
        (FORM, b"a[b][c][d][e][f][g]=1&&&==".to_vec()),
        ("text/plain", b"number=SQ-2026-000001".to_vec()),
        ("multipart/form-data; boundary=X", b"--X\r\nbroken".to_vec()),
        ("application/octet-stream", vec![0u8; 4096]),
    ]
}

/// The tables that must not change (the audit trail, sign-in counts and requests a minute
/// record attempts).
async fn stored(app: &crate::helpers::TestApp) -> server::backup::Digests {
    let mut d = server::backup::digests(&app.database_url()).await.unwrap();
    for noisy in [
        "audit_log",
        "audit_head",
        "login_attempts",
        "request_counts",
        "tower_sessions",
        // Counted from the rest, never entered: "refresh now" takes no arguments, so any body
        // asks it (and a refresh changes nothing anyone entered).
        "stat_figures",
        "stat_refresh",
    ] {
        d.remove(noisy);
    }
    d
}

#[tokio::test]
async fn no_malformed_request_gets_a_server_error_or_stores_anything() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database(backend, dir.path()).await;
        let app = spawn_app_with(|c| c.database_url = url).await;
        malformed_requests(&app, backend).await;
    }
}

async fn malformed_requests(app: &crate::helpers::TestApp, backend: &str) {
    let clients: Vec<(&str, Client)> = vec![
        ("anonymous", app.client()),
        ("resident", resident(app, "13900000951").await),
        (
            "caseworker",
            login(app, "demo_caseworker", "Demo2026pass").await,
        ),
        ("admin", login(app, "demo_admin", "Demo2026pass").await),
    ];
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    paths.sort();
    paths.dedup();
    assert!(
        paths.len() > 80,
        "every server function is listed: {}",
        paths.len()
    );
    // Raw routes that take a body; logout and the SMS code are left out (their effect is the
    // point of a test of their own: a new session, an SMS).
    paths.extend(
        [
            "/attachments",
            "/charity/proof/x",
            "/imports",
            "/intake",
            "/rosters/households.xlsx",
            "/payments/x/return",
            "/dev/clock",
            "/login",
            "/register",
            // The machine API: unsigned, each is refused with its reason.
            "/api/v1/records/medical_insurance?batch=m1",
            "/api/v1/referrals/1/feedback",
            "/api/v1/standing",
        ]
        .map(String::from),
    );
    let skip = ["/api/accounts/logout", "/api/accounts/send_code"];
    // What a request without arguments does for a resident anyway (their current draft is
    // made on first asking): done once before, so the comparison sees only the bodies' doing.
    let r = clients[1]
        .1
        .post(app.url("/api/declaration/draft"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let before = stored(app).await;
    let mut failures = Vec::new();
    let mut sent = 0;
    for path in paths.iter().filter(|p| !skip.contains(&p.as_str())) {
        for (who, c) in &clients {
            for (content_type, body) in bodies() {
                let r = c
                    .post(app.url(path))
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                sent += 1;
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                // A form sent to /login or /register before its page's code ran is sent back
                // to the page (a redirect the client follows): a success there is the answer.
                let page_form = path == "/login" || path == "/register";
                if status.is_server_error()
                    || status.is_success() && !path.starts_with("/api/") && !page_form
                {
                    failures.push(format!("{who} {path} {content_type}: {status} {text:.200}"));
                } else if status.is_client_error()
                    && text.trim().is_empty()
                    && status != StatusCode::NOT_FOUND
                {
                    failures.push(format!(
                        "{who} {path} {content_type}: {status} with no message"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{backend}: {} of {sent} requests answered badly:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        stored(app).await,
        before,
        "{backend}: a malformed request stored something"
    );
}
