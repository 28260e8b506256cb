//! The machine API (`/api/v1`) through HTTP, on both databases, as a department's system calls
//! it: signing is written here from the documented scheme (not the server's code). A system
//! pushes records idempotently, pulls referrals and answers them, pulls the warnings its data
//! raised, and reads a person's standing; every signature fault is refused; a system is scoped
//! to its sources and region, rotated with an overlap, revoked at once; every call is audited.

use crate::api::{post_form, post_json, valid_id};
use crate::helpers::{
    backends, caseworker, lanzhou_admin, spawn_app_on, TestApp, LANZHOU_PASSWORD,
};
use crate::rosters::household_in_assistance;
use hmac::Mac;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha2::Digest;

async fn signed_in(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, password).await;
    assert_eq!(r.status(), StatusCode::OK, "{login}");
    c
}

/// A connected system's key as the administrator's page gives it.
#[derive(Clone)]
struct Key {
    id: String,
    secret: String,
}

/// How a call is signed: the algorithm, and what to get wrong.
#[derive(Clone, Copy, Default)]
struct Signing {
    sm3: bool,
    skew_secs: i64,
}

fn hex_digest(sm3: bool, body: &[u8]) -> String {
    if sm3 {
        hex::encode(sm3::Sm3::digest(body))
    } else {
        hex::encode(sha2::Sha256::digest(body))
    }
}

fn hmac_hex(sm3: bool, secret: &str, text: &str) -> String {
    if sm3 {
        let mut m = hmac::Hmac::<sm3::Sm3>::new_from_slice(secret.as_bytes()).unwrap();
        m.update(text.as_bytes());
        hex::encode(m.finalize().into_bytes())
    } else {
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        m.update(text.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
}

/// A signed request: `path` with its query, the body as sent; `nonce` chosen by the caller
/// (a fresh one when `None`).
#[allow(clippy::too_many_arguments)]
async fn call(
    app: &TestApp,
    key: &Key,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
    nonce: Option<&str>,
    how: Signing,
) -> (StatusCode, Value) {
    let ts = (chrono::Utc::now().timestamp() + how.skew_secs).to_string();
    let nonce = nonce
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let alg = if how.sm3 { "HMAC-SM3" } else { "HMAC-SHA256" };
    let digest = hex_digest(how.sm3, body);
    let text = format!("{alg}\n{method}\n{path}\n{ts}\n{nonce}\n{digest}");
    let mut req = app
        .client()
        .request(method.parse().unwrap(), app.url(path))
        .header("X-Doudi-Key", &key.id)
        .header("X-Doudi-Timestamp", ts)
        .header("X-Doudi-Nonce", nonce)
        .header("X-Doudi-Algorithm", alg)
        .header("X-Doudi-Signature", hmac_hex(how.sm3, &key.secret, &text))
        .header("X-Doudi-Content-Digest", digest)
        .body(body.to_vec());
    if let Some(t) = content_type {
        req = req.header("Content-Type", t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, key: &Key, path: &str) -> (StatusCode, Value) {
    call(app, key, "GET", path, None, b"", None, Signing::default()).await
}

async fn post(app: &TestApp, key: &Key, path: &str, body: Value) -> (StatusCode, Value) {
    let bytes = serde_json::to_vec(&body).unwrap();
    call(
        app,
        key,
        "POST",
        path,
        Some("application/json"),
        &bytes,
        None,
        Signing::default(),
    )
    .await
}

async fn push(
    app: &TestApp,
    key: &Key,
    source: &str,
    batch: &str,
    ndjson: &str,
) -> (StatusCode, Value) {
    call(
        app,
        key,
        "POST",
        &format!("/api/v1/records/{source}?batch={batch}"),
        Some("application/x-ndjson"),
        ndjson.as_bytes(),
        None,
        Signing::default(),
    )
    .await
}

/// The administrator connects a system; its key.
async fn connect(admin: &Client, app: &TestApp, draft: Value) -> Key {
    let r = post_json(admin, app, "/api/machine/create", json!({ "draft": draft })).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let issued: Value = r.json().await.unwrap();
    Key {
        id: issued["key_id"].as_str().unwrap().into(),
        secret: issued["secret"].as_str().unwrap().into(),
    }
}

fn medical_system() -> Value {
    json!({ "name": "张掖市医保信息系统", "department": "medical_insurance",
        "sources": ["medical_insurance"], "region_code": "620700000000", "calls_per_minute": "" })
}

fn days_ago(n: i64) -> String {
    (app::services::today_in_china() - chrono::Duration::days(n)).to_string()
}

#[tokio::test]
async fn a_departments_system_pushes_records_answers_referrals_and_reads_warnings_and_standing() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let admin = signed_in(&app, "demo_admin", "Demo2026pass").await;
        let cw = caseworker(&app, "api_cw", "620702000000").await;
        let number = household_in_assistance(
            &app,
            &cw,
            "13900007701",
            "62070219600101771",
            "孙大户",
            "迎恩村三组",
            "400",
        )
        .await;
        let head = valid_id("62070219600101771");
        let household = app
            .store()
            .application(&number)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .unwrap();

        // A source of another department is refused at its field; the system is made.
        let mut wrong = medical_system();
        wrong["sources"] = json!(["disabled_persons"]);
        let r = post_json(
            &admin,
            &app,
            "/api/machine/create",
            json!({ "draft": wrong }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            crate::helpers::fields_named(&r.json().await.unwrap()),
            ["sources"]
        );
        let key = connect(&admin, &app, medical_system()).await;

        // A push: the head's settlements (one over the example 20 000 yuan rule), a stranger,
        // a bad row, and an ID number sent as a JSON number (its digits may be lost: refused).
        let ndjson = format!(
            "{{\"id_number\":\"{head}\",\"name\":\"孙大户\",\"date\":\"{d}\",\"total\":\"40000\",\"out_of_pocket\":\"25000\"}}\n\
             {{\"id_number\":\"{s}\",\"date\":\"{d}\",\"total\":\"100\",\"out_of_pocket\":\"10\"}}\n\
             \n\
             {{\"id_number\":\"{head}\",\"date\":\"昨天\",\"total\":\"100\",\"out_of_pocket\":\"10\"}}\n\
             {{\"id_number\":{n},\"date\":\"{d}\",\"total\":\"100\",\"out_of_pocket\":\"10\"}}\n\
             not json\n",
            d = days_ago(10),
            s = valid_id("62070219800101779"),
            n = &head[..17],
        );
        let (status, report) = push(&app, &key, "medical_insurance", "2026-12-a", &ndjson).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let counts = |r: &Value| {
            [
                "rows_read",
                "valid",
                "matched",
                "new_records",
                "unmatched",
                "invalid",
                "warnings",
            ]
            .map(|k| r[k].as_i64().unwrap())
        };
        // Two warnings: over the example 20 000 yuan, and over half the declared yearly income.
        assert_eq!(counts(&report), [5, 2, 1, 1, 1, 3, 2], "{report}");
        assert_eq!(
            report["problems"],
            json!([{ "line": 5, "reason": "date_format" }, { "line": 6, "reason": "id_not_text" },
                { "line": 7, "reason": "wrong_field_count" }])
        );
        assert_eq!(report["repeated"], false);
        // The same batch again: nothing imported, the first report.
        let (status, again) = push(&app, &key, "medical_insurance", "2026-12-a", &ndjson).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["repeated"], true);
        assert_eq!(again["import_id"], report["import_id"]);
        assert_eq!(
            app.store()
                .warnings(&crate::helpers::region("6207"))
                .await
                .unwrap()
                .len(),
            2
        );
        // A CSV push of the same source is taken too; a source not the system's is refused.
        let csv = format!(
            "身份证号,就诊日期,医疗总费用,个人自付\r\n{head},{},300,30\r\n",
            days_ago(3)
        );
        let (status, csv_report) = call(
            &app,
            &key,
            "POST",
            "/api/v1/records/medical_insurance?batch=2026-12-b",
            Some("text/csv"),
            csv.as_bytes(),
            None,
            Signing::default(),
        )
        .await;
        assert_eq!(
            (status, csv_report["new_records"].as_i64()),
            (StatusCode::OK, Some(1))
        );
        let (status, body) = push(&app, &key, "disabled_persons", "x1", "{}\n").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("out_of_scope"))
        );
        let (status, body) = push(&app, &key, "medical_insurance", &"k".repeat(65), &ndjson).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // The warning its data raised, and where its handling stands.
        let (status, warnings) = get(&app, &key, "/api/v1/warnings").await;
        assert_eq!(status, StatusCode::OK, "{warnings}");
        let w = &warnings.as_array().unwrap()[0];
        assert_eq!(
            (
                w["household_id"].as_str(),
                w["kind"].as_str(),
                w["status"].as_str()
            ),
            (
                Some(household.as_str()),
                Some("medical_out_of_pocket"),
                Some("new")
            )
        );

        // A referral to medical insurance: pulled with the head's ID number, answered done
        // with the aid given, which joins the household's chain.
        let refer = post_json(&cw, &app, "/api/household/refer", json!({ "referral": { "household": household, "need": "medical_assistance", "note": "住院自付过高" } })).await;
        assert_eq!(refer.status(), StatusCode::OK);
        let referral = refer.json::<i64>().await.unwrap();
        let (status, list) = get(&app, &key, "/api/v1/referrals").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let r = &list.as_array().unwrap()[0];
        assert_eq!(
            (
                r["id"].as_i64(),
                r["head_id_number"].as_str(),
                r["head_name"].as_str(),
                r["status"].as_str()
            ),
            (
                Some(referral),
                Some(head.as_str()),
                Some("孙大户"),
                Some("sent")
            )
        );
        let path = format!("/api/v1/referrals/{referral}/feedback");
        let (status, body) = post(
            &app,
            &key,
            &path,
            json!({ "to": "done", "answer": "已按规定救助",
            "aid": { "kind": "medical_assistance", "amount": "8000", "from": days_ago(1) } }),
        )
        .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("done")),
            "{body}"
        );
        let chain = app.store().assistance_of(&household).await.unwrap();
        assert!(
            chain.iter().any(|a| a.aid.amount_fen == 800_000
                && a.aid.source == Some(app::domain::chain::Department::MedicalInsurance)),
            "{chain:?}"
        );
        let (status, body) = post(&app, &key, &path, json!({ "to": "accepted" })).await;
        assert_eq!(
            (status, body["detail"].as_str()),
            (StatusCode::CONFLICT, Some("referral_state"))
        );
        let (status, body) =
            post(&app, &key, &path, json!({ "to": "declined", "unknown": 1 })).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid"))
        );
        let (status, _) = post(
            &app,
            &key,
            "/api/v1/referrals/999999/feedback",
            json!({ "to": "accepted" }),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, open) = get(&app, &key, "/api/v1/referrals").await;
        assert_eq!(open, json!([]));
        let (_, all) = get(&app, &key, "/api/v1/referrals?state=all").await;
        assert_eq!(all.as_array().unwrap().len(), 1);

        // Standing by ID number: the head in assistance as Dibao; a stranger not found; a bad
        // number refused at its field.
        let (status, s) = post(&app, &key, "/api/v1/standing", json!({ "id_number": head })).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!(
            (s["found"].as_bool(), s["standing"].as_str()),
            (Some(true), Some("in_assistance"))
        );
        assert!(
            s["categories"]
                .as_array()
                .unwrap()
                .contains(&json!("dibao")),
            "{s}"
        );
        let (_, s) = post(
            &app,
            &key,
            "/api/v1/standing",
            json!({ "id_number": valid_id("62070219800101779") }),
        )
        .await;
        assert_eq!(s["found"], false);
        let (status, s) = post(
            &app,
            &key,
            "/api/v1/standing",
            json!({ "id_number": "620702" }),
        )
        .await;
        assert_eq!(
            (status, s["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("id_number"))
        );

        // A system of another county finds nobody of Ganzhou and no referral of it.
        let mut elsewhere = medical_system();
        elsewhere["region_code"] = json!("620722000000");
        elsewhere["name"] = json!("民乐县医保");
        let other = connect(&admin, &app, elsewhere).await;
        let (_, s) = post(
            &app,
            &other,
            "/api/v1/standing",
            json!({ "id_number": head }),
        )
        .await;
        assert_eq!(s["found"], false);
        let (_, list) = get(&app, &other, "/api/v1/referrals?state=all").await;
        assert_eq!(list, json!([]));
        let (_, warnings) = get(&app, &other, "/api/v1/warnings").await;
        assert_eq!(warnings, json!([]));
        let (status, _) = post(&app, &other, &path, json!({ "to": "accepted" })).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Signed, but malformed: a clear 4xx, never a 5xx.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let huge = format!("{{\"id_number\":\"{}\"}}", "长".repeat(200_000));
        let bodies: [(&str, &[u8]); 7] = [
            ("application/json", b"{\"to\":"),
            ("application/json", deep.as_bytes()),
            ("application/json", huge.as_bytes()),
            ("application/json", b"{\"id_number\":\"\xff\xfe\"}"),
            (
                "application/json",
                b"{\"to\": 5, \"aid\": {\"amount\": 1e400}}",
            ),
            ("text/plain", b"to=done"),
            ("application/x-ndjson", b"\xff\xfe{\n[[[[\n"),
        ];
        for path in [
            path.as_str(),
            "/api/v1/standing",
            "/api/v1/records/medical_insurance?batch=bad-1",
        ] {
            for (content_type, body) in bodies {
                let (status, answer) = call(
                    &app,
                    &key,
                    "POST",
                    path,
                    Some(content_type),
                    body,
                    None,
                    Signing::default(),
                )
                .await;
                assert!(
                    status.is_client_error() && answer["error"].is_string()
                        || path.contains("records")
                            && status == StatusCode::UNPROCESSABLE_ENTITY
                            && answer["refused"] == "unreadable"
                            && answer["repeated"] == false,
                    "{path} {content_type}: {status} {answer}"
                );
            }
        }

        // Every call is in the audit trail under the system's own account.
        let client_id = app
            .store()
            .api_key(&key.id)
            .await
            .unwrap()
            .unwrap()
            .client
            .id;
        let trail = app.store().recent_audit(60).await.unwrap();
        for action in [
            "api_push",
            "api_push_repeated",
            "api_warnings_read",
            "api_referrals_read",
            "referral_done",
            "api_standing_read",
        ] {
            assert!(
                trail.iter().any(
                    |e| e.action == action && e.actor_id.as_deref() == Some(client_id.as_str())
                ),
                "{action} on {backend}"
            );
        }
        // The standing lookup names the person masked, never whole.
        assert!(!trail.iter().any(|e| e.object.contains(&head)));
    }
}

#[tokio::test]
async fn signatures_are_refused_when_wrong_replayed_skewed_rotated_out_or_revoked() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let admin = signed_in(&app, "demo_admin", "Demo2026pass").await;
        let key = connect(&admin, &app, medical_system()).await;
        let path = "/api/v1/referrals";
        let ok = Signing::default();
        assert_eq!(get(&app, &key, path).await.0, StatusCode::OK);
        assert_eq!(
            call(
                &app,
                &key,
                "GET",
                path,
                None,
                b"",
                None,
                Signing { sm3: true, ..ok }
            )
            .await
            .0,
            StatusCode::OK
        );

        let refused =
            |r: (StatusCode, Value)| (r.0, r.1["error"].as_str().unwrap_or("").to_string());
        let wrong = Key {
            secret: format!("{}x", key.secret),
            ..key.clone()
        };
        assert_eq!(
            refused(get(&app, &wrong, path).await),
            (StatusCode::UNAUTHORIZED, "bad_signature".into())
        );
        let unknown = Key {
            id: "dk_00000000000000000000".into(),
            ..key.clone()
        };
        assert_eq!(
            refused(get(&app, &unknown, path).await),
            (StatusCode::UNAUTHORIZED, "unknown_key".into())
        );
        // The same nonce twice: the second is a replay.
        let nonce = "replay-nonce-0000000001";
        assert_eq!(
            call(&app, &key, "GET", path, None, b"", Some(nonce), ok)
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            refused(call(&app, &key, "GET", path, None, b"", Some(nonce), ok).await),
            (StatusCode::UNAUTHORIZED, "replayed".into())
        );
        // Six minutes off either way.
        for skew_secs in [-360, 360] {
            assert_eq!(
                refused(
                    call(
                        &app,
                        &key,
                        "GET",
                        path,
                        None,
                        b"",
                        None,
                        Signing { skew_secs, ..ok }
                    )
                    .await
                ),
                (StatusCode::UNAUTHORIZED, "clock_skew".into())
            );
        }
        // Not signed; a body other than the one signed; a path other than the one signed.
        let r = app.client().get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "unsigned");
        let ts = chrono::Utc::now().timestamp().to_string();
        let text = format!(
            "HMAC-SHA256\nPOST\n/api/v1/standing\n{ts}\nnonce-tampered-000001\n{}",
            hex_digest(false, br#"{"id_number":"x"}"#)
        );
        let r = app
            .client()
            .post(app.url("/api/v1/standing"))
            .header("X-Doudi-Key", &key.id)
            .header("X-Doudi-Timestamp", &ts)
            .header("X-Doudi-Nonce", "nonce-tampered-000001")
            .header("X-Doudi-Signature", hmac_hex(false, &key.secret, &text))
            .header("Content-Type", "application/json")
            .body(r#"{"id_number":"y"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "bad_signature");
        // A push is authenticated before its body: without its declared digest it is not
        // signed; with a digest of other bytes than it sends, it is refused.
        let records = "{\"id_number\":\"x\"}\n";
        let text = format!(
            "HMAC-SHA256\nPOST\n/api/v1/records/medical_insurance?batch=d1\n{ts}\nnonce-digest-00000001\n{}",
            hex_digest(false, b"other bytes")
        );
        for (digest, expected) in [
            (None, "unsigned"),
            (Some(hex_digest(false, b"other bytes")), "bad_signature"),
        ] {
            let mut r = app
                .client()
                .post(app.url("/api/v1/records/medical_insurance?batch=d1"))
                .header("X-Doudi-Key", &key.id)
                .header("X-Doudi-Timestamp", &ts)
                .header(
                    "X-Doudi-Nonce",
                    if digest.is_some() {
                        "nonce-digest-00000001"
                    } else {
                        "nonce-digest-00000002"
                    },
                )
                .header("X-Doudi-Signature", hmac_hex(false, &key.secret, &text))
                .header("Content-Type", "application/x-ndjson");
            if let Some(d) = digest {
                r = r.header("X-Doudi-Content-Digest", d);
            }
            let r = r.body(records).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(r.json::<Value>().await.unwrap()["error"], expected);
        }
        let (status, body) = call(
            &app,
            &key,
            "GET",
            "/api/v1/referrals?state=all",
            None,
            b"",
            None,
            ok,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // English on request.
        let r = app
            .client()
            .get(app.url(path))
            .header("Accept-Language", "en-GB,en;q=0.9")
            .send()
            .await
            .unwrap();
        assert!(r.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("not signed"));

        // Rotation with a day's overlap: both keys work; with none, the earlier ones stop.
        let client_id = app
            .store()
            .api_key(&key.id)
            .await
            .unwrap()
            .unwrap()
            .client
            .id;
        let rotate = |days: u32| {
            let admin = admin.clone();
            let client_id = client_id.clone();
            let app = &app;
            async move {
                let r = post_json(
                    &admin,
                    app,
                    "/api/machine/rotate",
                    json!({ "client_id": client_id, "overlap_days": days }),
                )
                .await;
                assert_eq!(r.status(), StatusCode::OK);
                let k: Value = r.json().await.unwrap();
                Key {
                    id: k["key_id"].as_str().unwrap().into(),
                    secret: k["secret"].as_str().unwrap().into(),
                }
            }
        };
        let second = rotate(1).await;
        assert_eq!(get(&app, &key, path).await.0, StatusCode::OK);
        assert_eq!(get(&app, &second, path).await.0, StatusCode::OK);
        let third = rotate(0).await;
        assert_eq!(
            refused(get(&app, &key, path).await),
            (StatusCode::UNAUTHORIZED, "key_expired".into())
        );
        assert_eq!(
            refused(get(&app, &second, path).await),
            (StatusCode::UNAUTHORIZED, "key_expired".into())
        );
        assert_eq!(get(&app, &third, path).await.0, StatusCode::OK);
        let too_long = post_json(
            &admin,
            &app,
            "/api/machine/rotate",
            json!({ "client_id": client_id, "overlap_days": 31 }),
        )
        .await;
        assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The page's list shows the keys by fingerprint, never a secret.
        let list = post_form(&admin, &app, "/api/machine/clients", &[]).await;
        let text = list.text().await.unwrap();
        assert!(!text.contains(&third.secret) && !text.contains(&key.secret));
        assert!(text.contains(&third.id));
        // The secret is sealed at rest.
        if backend == "sqlite" {
            assert!(
                app.in_database(&[&third.secret]).is_empty(),
                "a secret stored in clear"
            );
        }

        // Another city's administrator finds no such system.
        lanzhou_admin(&app, "lz_api_admin", app::domain::status::AdminDuty::System).await;
        let lanzhou = signed_in(&app, "lz_api_admin", LANZHOU_PASSWORD).await;
        let r = post_json(
            &lanzhou,
            &app,
            "/api/machine/revoke",
            json!({ "client_id": client_id }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = post_form(&lanzhou, &app, "/api/machine/clients", &[]).await;
        assert_eq!(r.json::<Value>().await.unwrap(), json!([]));
        // A caseworker cannot connect systems.
        let cw = caseworker(&app, "api_cw2", "620702000000").await;
        let r = post_json(
            &cw,
            &app,
            "/api/machine/create",
            json!({ "draft": medical_system() }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // The system's account signs in nowhere.
        let login = format!("api:{client_id}");
        for password in ["!api", "", "api"] {
            let r = post_form(
                &app.client(),
                &app,
                "/api/accounts/login",
                &[
                    ("login", login.as_str()),
                    ("password", password),
                    ("otp", ""),
                ],
            )
            .await;
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            assert!(
                status == StatusCode::CONFLICT && body["detail"] == "bad_credentials"
                    || status == StatusCode::UNPROCESSABLE_ENTITY,
                "{status} {body}"
            );
        }

        // Its account is not in the administrators' staff list, and cannot be disabled there
        // (a system is disconnected at /staff/systems).
        let staff = post_form(&admin, &app, "/api/accounts/staff", &[]).await;
        assert_eq!(staff.status(), StatusCode::OK);
        assert!(!staff.text().await.unwrap().contains("api:"));
        let r = post_form(
            &admin,
            &app,
            "/api/accounts/set_staff_disabled",
            &[("login", login.as_str()), ("disabled", "true")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // Revoked: every key stops at once.
        let r = post_json(
            &admin,
            &app,
            "/api/machine/revoke",
            json!({ "client_id": client_id }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            refused(get(&app, &third, path).await),
            (StatusCode::UNAUTHORIZED, "revoked".into())
        );
        let r = post_json(
            &admin,
            &app,
            "/api/machine/rotate",
            json!({ "client_id": client_id, "overlap_days": 0 }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);

        // A system's calls a minute, counted in the database.
        let mut slow = medical_system();
        slow["calls_per_minute"] = json!("3");
        slow["name"] = json!("限速系统");
        let slow = connect(&admin, &app, slow).await;
        // Seven calls span at most two minutes, so one minute holds four of them: whatever the
        // clock, the first three pass and at least one later call is refused.
        let mut statuses = Vec::new();
        for _ in 0..7 {
            let (status, body) = get(&app, &slow, path).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert_eq!(body["error"], "rate_limited");
            }
            statuses.push(status);
        }
        assert!(
            statuses[..3].iter().all(|s| *s == StatusCode::OK)
                && statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        let audited = app.audited(200).await;
        for action in [
            "api_refused_bad_signature",
            "api_refused_replayed",
            "api_refused_key_expired",
            "api_refused_revoked",
            "api_key_rotate",
            "api_client_revoke",
        ] {
            assert!(audited.iter().any(|a| a == action), "{action} on {backend}");
        }
    }
}

#[tokio::test]
async fn the_openapi_document_validates_and_a_python_client_written_from_it_works() {
    let app = spawn_app_on("sqlite").await;
    let admin = signed_in(&app, "demo_admin", "Demo2026pass").await;
    let key = connect(&admin, &app, medical_system()).await;
    let page = app
        .client()
        .get(app.url("/api/v1/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("/api/v1/records/{source}") && page.contains("X-Doudi-Signature"));
    assert!(!page.contains("<script"), "the readable page runs nothing");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let deps = root.join("end2end/pydeps");
    // Not `std::process`: this test's runtime serves the app while the client runs.
    let out = tokio::process::Command::new("python3")
        .arg(root.join("end2end/api/client_test.py"))
        .env("PYTHONPATH", &deps)
        .env("DOUDI_BASE", &app.base)
        .env("DOUDI_KEY_ID", &key.id)
        .env("DOUDI_KEY_SECRET", &key.secret)
        .env("DOUDI_HEAD_ID", valid_id("62070219600101771"))
        .output()
        .await
        .expect("python3 runs (make test installs it and its packages: scripts/ensure-tools.sh)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("openapi document valid (3.1"), "{stdout}");
    assert!(
        stdout.contains("all calls answered as documented"),
        "{stdout}"
    );
}

#[tokio::test]
async fn justice_health_union_and_court_records_raise_their_warnings_by_api_and_by_upload() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let admin = signed_in(&app, "demo_admin", "Demo2026pass").await;
        let cw = caseworker(&app, "src_cw", "620702000000").await;
        let mut heads = Vec::new();
        for (phone, id17, name) in [
            ("13900007801", "62070219650101781", "周一"),
            ("13900007802", "62070219650101782", "吴二"),
            ("13900007803", "62070219650101783", "郑三"),
        ] {
            household_in_assistance(&app, &cw, phone, id17, name, "迎恩村四组", "300").await;
            heads.push(valid_id(id17));
        }
        let system = |department: &str, source: &str| {
            json!({ "name": format!("{source} 系统"), "department": department,
                "sources": [source], "region_code": "620700000000", "calls_per_minute": "" })
        };
        // 卫健 pushes a serious illness and a birth (kept, no warning); 工会 a worker in hardship.
        let health = connect(&admin, &app, system("health", "health")).await;
        let rows = format!(
            "{{\"id_number\":\"{}\",\"event\":\"大病确诊\",\"date\":\"{d}\",\"detail\":\"恶性肿瘤\"}}\n\
             {{\"id_number\":\"{}\",\"event\":\"出生\",\"date\":\"{d}\"}}\n",
            heads[0],
            heads[1],
            d = days_ago(4)
        );
        let (status, report) = push(&app, &health, "health", "h-1", &rows).await;
        assert_eq!(
            (
                status,
                report["valid"].as_i64(),
                report["warnings"].as_i64()
            ),
            (StatusCode::OK, Some(2), Some(1)),
            "{report}"
        );
        let union = connect(&admin, &app, system("trade_union", "trade_union")).await;
        let rows = format!(
            "{{\"id_number\":\"{}\",\"date\":\"{}\"}}\n",
            heads[1],
            days_ago(9)
        );
        let (status, report) = push(&app, &union, "trade_union", "u-1", &rows).await;
        assert_eq!(
            (status, report["warnings"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{report}"
        );
        // A health system may not push the union's records.
        let (status, _) = push(&app, &health, "trade_union", "u-2", &rows).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // 司法 and 法院 officers upload files as any department does.
        let justice =
            crate::household::staff(&app, "justice1", "department", "620700000000", "justice")
                .await;
        let csv = format!(
            "身份证号,事项,决定日期\r\n{},逮捕,{}\r\n",
            heads[2],
            days_ago(2)
        );
        let form = reqwest::multipart::Form::new()
            .text("source", "justice")
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("司法.csv"),
            );
        let r = justice
            .post(app.url("/imports"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["warnings"], 1);
        let court =
            crate::household::staff(&app, "court1", "department", "620700000000", "court").await;
        let csv = format!(
            "身份证号,决定日期,救助金额\r\n{},{},5000\r\n",
            heads[2],
            days_ago(1)
        );
        let form = reqwest::multipart::Form::new()
            .text("source", "court")
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.clone().into_bytes()).file_name("法院.csv"),
            );
        let r = court
            .post(app.url("/imports"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["warnings"], 1);
        // The court's officer may not import the procuratorate's source.
        let form = reqwest::multipart::Form::new()
            .text("source", "procuratorate")
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("检察院.csv"),
            );
        let r = court
            .post(app.url("/imports"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        let mut kinds: Vec<String> = app
            .store()
            .warnings(&crate::helpers::region("6207"))
            .await
            .unwrap()
            .into_iter()
            .map(|w| w.kind.code().to_string())
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                "custody",
                "hardship_recognised",
                "hardship_recognised",
                "serious_illness"
            ],
            "{backend}"
        );
        // Each system sees the warnings its own data raised.
        let (_, seen) = get(&app, &health, "/api/v1/warnings").await;
        assert_eq!(seen.as_array().unwrap().len(), 1);
        assert_eq!(seen[0]["kind"], "serious_illness");
    }
}
