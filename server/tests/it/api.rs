//! Server functions and uploads through HTTP on a spawned app: what a browser (or an
//! attacker's script) sees, and what is stored.

use crate::helpers::{spawn_app, TestApp};
use app::domain::declaration::{DeclarationDraft, MemberDraft};
use app::domain::id_number::check_char;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

pub(crate) fn valid_id(first17: &str) -> String {
    format!("{first17}{}", check_char(first17).unwrap())
}

fn member(relation: &str, name: &str, id: &str) -> MemberDraft {
    MemberDraft {
        relation: relation.into(),
        name: name.into(),
        id_number: id.into(),
        health: "healthy".into(),
        schooling: "not_in_school".into(),
        work_status: "farming".into(),
        labour_capacity: "full".into(),
        ..Default::default()
    }
}

pub(crate) fn good_draft(ids: &[String]) -> DeclarationDraft {
    DeclarationDraft {
        region_code: "620702100201".into(),
        address: "梁家墩镇3组12号".into(),
        residence: "rural".into(),
        contact_phone: "13812345678".into(),
        members: ids
            .iter()
            .enumerate()
            .map(|(i, id)| member(if i == 0 { "head" } else { "child" }, "张三", id))
            .collect(),
        income_wages: "800".into(),
        help: vec!["basic_living".into()],
        consent_verification: true,
        ..Default::default()
    }
}

pub(crate) async fn post_form(
    c: &Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.unwrap()
}

pub(crate) async fn post_json(
    c: &Client,
    app: &TestApp,
    path: &str,
    body: Value,
) -> reqwest::Response {
    c.post(app.url(path)).json(&body).send().await.unwrap()
}

/// Registers a resident and returns a signed-in client.
pub(crate) async fn resident(app: &TestApp, phone: &str) -> Client {
    let c = app.client();
    let r = post_form(&c, app, "/api/accounts/send_code", &[("phone", phone)]).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let code = app.last_code(phone);
    let r = post_form(
        &c,
        app,
        "/api/accounts/register",
        &[
            ("form[phone]", phone),
            ("form[code]", &code),
            ("form[password]", "Secret-1234"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    c
}

/// The demo caseworker accepts (受理) an application: only now its household file exists.
/// (Through the store: a setup step, without spending the sign-in rate limit; acceptance over
/// HTTP is what `household::accepted_case` and the security tests do.)
pub(crate) async fn accept(app: &TestApp, number: &str) {
    let store = app.store();
    let cw = store
        .user_by_login("demo_caseworker")
        .await
        .unwrap()
        .expect("the demo caseworker");
    store
        .accept_application(number, &cw.id, false, app::services::now_millis())
        .await
        .unwrap();
}

pub(crate) async fn draft_id(c: &Client, app: &TestApp) -> String {
    draft_state(c, app).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The resident's current draft as the form receives it.
async fn draft_state(c: &Client, app: &TestApp) -> Value {
    let r = post_form(c, app, "/api/declaration/draft", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn save_draft(c: &Client, app: &TestApp, draft: &str, data: &DeclarationDraft) {
    let r = post_json(
        c,
        app,
        "/api/declaration/save",
        json!({"save": {"draft_id": draft, "data": data}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
}

pub(crate) async fn submit(
    c: &Client,
    app: &TestApp,
    draft: &str,
    data: &DeclarationDraft,
) -> reqwest::Response {
    post_json(
        c,
        app,
        "/api/declaration/submit",
        json!({ "save": { "draft_id": draft, "data": data } }),
    )
    .await
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let app = spawn_app().await;
    let r = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn the_portal_renders_in_chinese_by_default() {
    let app = spawn_app().await;
    let r = app
        .client()
        .get(app.url("/"))
        .header("accept-language", "en-US")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("困难群众自主申报"), "{html}");
}

#[tokio::test]
async fn portal_pages_load_the_portal_wasm_and_staff_pages_the_whole_application() {
    let app = spawn_app().await;
    let page = |path: &'static str| {
        let app = &app;
        async move {
            app.client()
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    // The build output is named under its version (`server::assets`).
    let pkg = format!("/pkg/{}", app.state.pkg_version);
    for path in [
        "/",
        "/login",
        "/register",
        "/declare",
        "/applications",
        "/applications/SQ-2026-000001",
        "/policy",
        "/open",
        "/notice",
        "/complaints",
        "/complaints/track",
    ] {
        let html = page(path).await;
        assert!(
            html.contains(&format!(r#"href="{pkg}/portal/doudi-portal.wasm""#)),
            "{path}: {html}"
        );
        assert!(
            !html.contains(&format!(r#"href="{pkg}/doudi.wasm""#)),
            "{path}: {html}"
        );
        assert!(
            html.contains(&format!(r#"href="{pkg}/doudi.css""#)),
            "{path}: {html}"
        );
    }
    for path in [
        "/staff",
        "/staff/queue",
        "/staff/complaints",
        "/charity/register",
    ] {
        let html = page(path).await;
        assert!(
            html.contains(&format!(r#"href="{pkg}/doudi.wasm""#)),
            "{path}: {html}"
        );
        assert!(!html.contains("/portal/"), "{path}: {html}");
        // The whole application hydrates whole: no islands in its pages.
        assert!(!html.contains("<leptos-island"), "{path}: {html}");
    }
    // The portal's forms and buttons are islands, the rest of its pages plain HTML.
    let login = page("/login").await;
    assert!(
        login.contains(r#"<leptos-island data-component="LoginIsland_"#),
        "{login}"
    );
    assert!(
        login.contains(r#"<leptos-island data-component="LanguageSwitch_"#),
        "{login}"
    );
    assert!(!login.contains("RegisterIsland_"), "{login}");
    // Sent before the page's code is live, the sign-in and registration forms post to their page
    // and get it again: the password is never in an address, and nobody is signed in.
    for path in ["/login", "/register"] {
        assert!(
            page(path).await.contains(r#"<form method="post""#),
            "{path}"
        );
        let c = app.client();
        let r = post_form(
            &c,
            &app,
            path,
            &[
                ("login", "13800000001"),
                ("phone", "13800000001"),
                ("password", "Demo2026pass"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            r.url().as_str(),
            app.url(&format!("{path}?early")),
            "{path}: back on the page, nothing sent in the address"
        );
        let html = r.text().await.unwrap();
        assert!(
            html.contains("表单在页面加载完成之前就提交了，内容没有发送"),
            "{path}: says what happened: {html}"
        );
        let me: Value = post_form(&c, &app, "/api/accounts/me", &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(me.is_null(), "{path}: {me}");
    }
}

/// The resident's declaration submitted: its number and the server's answer (the receipt).
async fn submitted(r: &Client, app: &TestApp) -> (String, Value) {
    let d = draft_id(r, app).await;
    let answer: Value = submit(r, app, &d, &good_draft(&[valid_id("62070219800101477")]))
        .await
        .json()
        .await
        .unwrap();
    let number = answer["number"].as_str().unwrap().to_string();
    (number, answer)
}

/// A resident's declaration and application pages arrive with their content in place, before the
/// page's footer: not a "loading" line that a part streamed after the footer replaces, which moved
/// the footer on a phone as the page appeared (Lighthouse's layout shift on `/declare`: 0.13-0.42).
#[tokio::test]
async fn a_residents_pages_arrive_whole_with_nothing_moving_in_later() {
    let app = spawn_app().await;
    let r = resident(&app, "13900000078").await;
    let (number, _) = submitted(&r, &app).await;
    for (path, content) in [
        (
            "/declare".to_string(),
            r#"<leptos-island data-component="Declaration_"#,
        ),
        (format!("/applications/{number}"), r#"id="timeline""#),
    ] {
        let html = r
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let footer = html.find(r#"id="public-footer""#).expect("the footer");
        let at = html
            .find(content)
            .unwrap_or_else(|| panic!("{path}: {content} missing: {html}"));
        assert!(
            at < footer,
            "{path}: {content} comes after the footer: {html}"
        );
        assert!(!html.contains("加载中"), "{path}: a loading line: {html}");
    }
}

#[tokio::test]
async fn staff_opening_an_application_get_the_whole_application_and_its_resident_the_portal() {
    let app = spawn_app().await;
    let r = resident(&app, "13900000077").await;
    let (number, answer) = submitted(&r, &app).await;
    // The receipt says how long the decision takes there: the example parameter in force.
    assert_eq!(answer["decision_working_days"], 30, "{answer}");
    assert_eq!(answer["decision_days_example"], true, "{answer}");
    let path = format!("/applications/{number}");
    let html = r
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pkg = format!("/pkg/{}", app.state.pkg_version);
    assert!(
        html.contains(&format!(r#"href="{pkg}/portal/doudi-portal.wasm""#)),
        "{html}"
    );
    // The page is plain HTML but for the resident's requests, each an island given what it needs
    // as its props (no request of its own).
    for island in ["CharityToggleIsland_", "WithdrawIsland_"] {
        let tag = html
            .split(&format!(r#"<leptos-island data-component="{island}"#))
            .nth(1)
            .unwrap_or_else(|| panic!("{island}: {html}"));
        let tag = &tag[..tag.find('>').unwrap()];
        assert!(
            tag.contains("data-props=") && tag.contains(&number),
            "{tag}"
        );
    }
    // Those two and the header's (language switch, sign-out): nothing else is live.
    assert_eq!(html.matches("<leptos-island").count(), 4, "{html}");
    // Plain HTML: the timeline is inside no island (as many opened as closed before it).
    let before = &html[..html.find(r#"id="timeline""#).expect("the timeline")];
    assert_eq!(
        before.matches("<leptos-island").count(),
        before.matches("</leptos-island>").count(),
        "{html}"
    );
    // The resident sees neither the case's actions nor the verification form.
    assert!(
        !html.contains(r#"id="case-actions""#) && !html.contains(r#"id="verification"#),
        "{html}"
    );
    let caseworker = app.client();
    app.sign_in(&caseworker, "demo_caseworker", "Demo2026pass")
        .await;
    let html = caseworker
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!(r#"href="{pkg}/doudi.wasm""#)) && !html.contains("/portal/"),
        "{html}"
    );
    assert!(!html.contains("<leptos-island"), "{html}");
    // A caseworker gets the case's actions for a submitted application, rendered on the server,
    // and the verification form's part, closed: its form is built when opened (`ui::OnDemand`).
    assert!(
        html.contains(r#"id="case-actions""#)
            && html.contains(r#"id="case-accept""#)
            && html.contains(r#"id="verification-open""#)
            && !html.contains(r#"id="verification""#),
        "{html}"
    );
}

#[tokio::test]
async fn the_language_cookie_chooses_the_rendered_language() {
    let app = spawn_app().await;
    let get = |cookie: &'static str| {
        let app = &app;
        async move {
            app.client()
                .get(app.url("/"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let english = get("other=1; i18n_pref_locale=en").await;
    assert!(english.contains(r#"<html lang="en""#), "{english}");
    assert!(!english.contains("困难群众自主申报"), "{english}");
    let chinese = get("i18n_pref_locale=zh-CN").await;
    assert!(
        chinese.contains(r#"<html lang="zh-CN""#) && chinese.contains("困难群众自主申报"),
        "{chinese}"
    );
    // An unknown value falls back to Chinese.
    let unknown = get("i18n_pref_locale=fr").await;
    assert!(unknown.contains(r#"<html lang="zh-CN""#), "{unknown}");
}

#[tokio::test]
async fn a_resident_registers_and_is_signed_in() {
    // The second code comes at once here (a minute later in life).
    let app = crate::helpers::spawn_app_with(|c| c.sms_interval_seconds = 0).await;
    let c = resident(&app, "13900000001").await;
    let me: Value = post_form(&c, &app, "/api/accounts/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "resident");
    assert_eq!(me["login_masked"], "139****0001");
    // A second registration of the same number is refused with a clear code.
    let c2 = app.client();
    post_form(
        &c2,
        &app,
        "/api/accounts/send_code",
        &[("phone", "13900000001")],
    )
    .await;
    let code = app.last_code("13900000001");
    let r = post_form(
        &c2,
        &app,
        "/api/accounts/register",
        &[
            ("form[phone]", "13900000001"),
            ("form[code]", &code),
            ("form[password]", "Secret-1234"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"kind": "refused", "detail": "phone_taken"})
    );
}

#[tokio::test]
async fn a_wrong_code_or_bad_phone_is_refused() {
    let app = spawn_app().await;
    let c = app.client();
    let r = post_form(&c, &app, "/api/accounts/send_code", &[("phone", "12345")]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.text().await.unwrap()
    );
    post_form(
        &c,
        &app,
        "/api/accounts/send_code",
        &[("phone", "13900000002")],
    )
    .await;
    // One code per number per minute.
    let r = post_form(
        &c,
        &app,
        "/api/accounts/send_code",
        &[("phone", "13900000002")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = post_form(
        &c,
        &app,
        "/api/accounts/register",
        &[
            ("form[phone]", "13900000002"),
            ("form[code]", "000000x"),
            ("form[password]", "Secret-1234"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(app
        .store()
        .user_by_login("13900000002")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn mutating_functions_are_not_reachable_by_get_or_from_other_origins() {
    let app = spawn_app().await;
    let c = resident(&app, "13900000004").await;
    let r = c
        .get(app.url("/api/applications/withdraw?number=SQ-2026-000001&reason="))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = c
        .post(app.url("/api/accounts/logout"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(app.url("/api/accounts/me"))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn submission_is_idempotent_and_private_to_its_owner() {
    let app = spawn_app().await;
    let a = resident(&app, "13900000005").await;
    let d = draft_id(&a, &app).await;
    let data = good_draft(&[valid_id("62070219700101001"), valid_id("62070220100101002")]);
    let (r1, r2) = tokio::join!(submit(&a, &app, &d, &data), submit(&a, &app, &d, &data));
    let (s1, s2): (Value, Value) = (r1.json().await.unwrap(), r2.json().await.unwrap());
    assert_eq!(s1["number"], s2["number"]);
    assert!(s1["number"].as_str().unwrap().starts_with("SQ-"));
    let mine: Value = post_form(&a, &app, "/api/applications/mine", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);

    let number = s1["number"].as_str().unwrap();
    let view: Value = post_form(
        &a,
        &app,
        "/api/applications/get_application",
        &[("number", number)],
    )
    .await
    .json()
    .await
    .unwrap();
    let head_id = valid_id("62070219700101001");
    assert_eq!(
        view["members"][0]["id_number_masked"],
        format!("620702********{}", &head_id[14..])
    );
    assert!(
        !view.to_string().contains(&valid_id("62070219700101001")),
        "full ID never sent"
    );

    let b = resident(&app, "13900000006").await;
    let r = post_form(
        &b,
        &app,
        "/api/applications/get_application",
        &[("number", number)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post_form(
        &b,
        &app,
        "/api/applications/withdraw",
        &[("number", number), ("reason", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Someone else declaring the same person is told nothing of the other application: theirs
    // is filed, and the same person cannot be in two accepted open applications.
    accept(&app, number).await;
    let db = draft_id(&b, &app).await;
    let r = submit(&b, &app, &db, &good_draft(&[valid_id("62070219700101001")])).await;
    assert_eq!(r.status(), StatusCode::OK);
    let second = r.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let cw = app.client();
    app.sign_in(&cw, "demo_caseworker", "Demo2026pass").await;
    let r = post_form(
        &cw,
        &app,
        "/api/casework/advance",
        &[("number", second.as_str()), ("to", "accepted")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"],
        "members_in_open_application"
    );

    // Withdrawal frees the person and is recorded.
    let r = post_form(
        &a,
        &app,
        "/api/applications/withdraw",
        &[("number", number), ("reason", "情况好转")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    accept(&app, &second).await;
    let audit = app.store().recent_audit(50).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "withdraw" && e.object == number));
    assert!(audit.iter().any(|e| e.action == "submit"));
}

#[tokio::test]
async fn bad_bodies_get_a_clear_4xx_and_store_nothing() {
    let app = spawn_app().await;
    let c = resident(&app, "13900000007").await;
    let d = draft_id(&c, &app).await;
    let cases = [
        (
            "not json",
            c.post(app.url("/api/declaration/submit"))
                .header("content-type", "application/json")
                .body("{oops"),
        ),
        (
            "wrong type",
            c.post(app.url("/api/declaration/submit"))
                .json(&json!({"save": {"draft_id": d, "data": {"members": "x"}}})),
        ),
        (
            "unknown field",
            c.post(app.url("/api/declaration/submit"))
                .json(&json!({"save": {"draft_id": d, "data": {"evil": 1}}})),
        ),
        (
            "missing argument",
            c.post(app.url("/api/declaration/submit")).json(&json!({})),
        ),
    ];
    for (what, req) in cases {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{what}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"kind": "bad_request"}),
            "{what}"
        );
    }
    let mut long_name = good_draft(&[valid_id("62070219700101001")]);
    long_name.members[0].name = "长".repeat(500);
    let r = submit(&c, &app, &d, &long_name).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0],
        json!({"field": "members.0.name", "code": "too_long"})
    );
    let mut emoji = good_draft(&[valid_id("62070219700101001")]);
    emoji.members[0].name = "张三🎉".into();
    let r = submit(&c, &app, &d, &emoji).await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0],
        json!({"field": "members.0.name", "code": "name_chars"})
    );
    let huge = "x".repeat(400 * 1024);
    let r = c
        .post(app.url("/api/declaration/save"))
        .json(&json!({"save": {"draft_id": d, "data": {"description": huge}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let mine: Value = post_form(&c, &app, "/api/applications/mine", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine, json!([]));
}

#[tokio::test]
async fn signed_out_callers_are_refused() {
    let app = spawn_app().await;
    let c = app.client();
    let r = post_json(
        &c,
        &app,
        "/api/declaration/submit",
        json!({"save": {"draft_id": "x", "data": {}}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = post_form(&c, &app, "/api/declaration/draft", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn drafts_survive_and_are_saved_as_typed() {
    let app = spawn_app().await;
    let c = resident(&app, "13900000008").await;
    let d = draft_id(&c, &app).await;
    let mut partial = DeclarationDraft::new_with_head();
    partial.members[0].id_number = "6207021970010100".into();
    partial.address = "未写完".into();
    save_draft(&c, &app, &d, &partial).await;
    let back = draft_state(&c, &app).await;
    assert_eq!(back["id"], d.as_str());
    assert_eq!(back["data"]["address"], "未写完");
    assert_eq!(back["data"]["members"][0]["id_number"], "6207021970010100");
}

/// The region picker's levels come with the draft (the form's first screen needs no request), and
/// one request gives every level below a new choice.
#[tokio::test]
async fn the_draft_carries_its_region_pickers_levels_and_a_choice_gets_the_levels_below() {
    let app = spawn_app().await;
    let c = resident(&app, "13900000009").await;
    let fresh = draft_state(&c, &app).await;
    let d = fresh["id"].as_str().unwrap().to_string();
    // A new draft has no region: the provinces alone.
    let levels = fresh["regions"].as_array().unwrap();
    assert_eq!(levels.len(), 1);
    assert_eq!(levels[0]["parent"], "");
    assert!(levels[0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c[0] == "620000000000" && c[1] == "甘肃省"));

    let mut draft = DeclarationDraft::new_with_head();
    draft.region_code = "620702000000".into(); // a county: its townships are the next level
    save_draft(&c, &app, &d, &draft).await;
    let back = draft_state(&c, &app).await;
    let parents: Vec<&str> = back["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["parent"].as_str().unwrap())
        .collect();
    assert_eq!(
        parents,
        ["", "620000000000", "620700000000", "620702000000"]
    );
    let townships = &back["regions"][3]["choices"];
    assert!(!townships.as_array().unwrap().is_empty());

    // Choosing a village: five levels, the last its township's villages, none below a village.
    let township = townships[0][0].as_str().unwrap().to_string();
    let levels: Value = post_form(&c, &app, "/api/regions/choices", &[("code", &township)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(levels.as_array().unwrap().len(), 5);
    let village = levels[4]["choices"][0][0].as_str().unwrap().to_string();
    assert_eq!(levels[4]["parent"], township.as_str());
    let at_village: Value = post_form(&c, &app, "/api/regions/choices", &[("code", &village)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(at_village, levels);

    // A code that is not one is refused with a 4xx, not a 500; a draft saved with one still
    // opens, its picker starting afresh from the provinces.
    let r = post_form(&c, &app, "/api/regions/choices", &[("code", "62x")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    draft.region_code = "62x".into();
    save_draft(&c, &app, &d, &draft).await;
    let back = draft_state(&c, &app).await;
    assert_eq!(back["data"]["region_code"], "62x");
    assert_eq!(back["regions"].as_array().unwrap().len(), 1);
    assert_eq!(back["regions"][0]["parent"], "");
}

pub(crate) fn png() -> Vec<u8> {
    let mut v = vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    v.extend_from_slice(&[0; 64]);
    v
}

pub(crate) async fn upload(
    c: &Client,
    app: &TestApp,
    draft: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("draft_id", draft.to_string())
        .text("kind", "id_card")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    c.post(app.url("/attachments"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn uploads_are_checked_by_content_and_size_and_private() {
    let app = spawn_app().await;
    let c = resident(&app, "13900000009").await;
    let d = draft_id(&c, &app).await;
    let r = upload(&c, &app, &d, "fake.png", b"just text pretending".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = upload(&c, &app, &d, "big.png", vec![0u8; 11 * 1024 * 1024]).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = upload(&c, &app, &d, "empty.png", Vec::new()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = upload(&c, &app, &d, "../../etc/身份证.png", png()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let meta: Value = r.json().await.unwrap();
    assert_eq!(meta["file_name"], "身份证.png");
    assert_eq!(meta["mime"], "image/png");
    let id = meta["id"].as_str().unwrap();

    let r = c
        .get(app.url(&format!("/attachments/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), png());
    let other = resident(&app, "13900000010").await;
    let r = other
        .get(app.url(&format!("/attachments/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = upload(&other, &app, &d, "x.png", png()).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "cannot attach to someone else's draft"
    );
    let listed = app.store().attachments_of_draft(&d).await.unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn staff_accounts_are_created_by_an_admin_within_the_admins_region() {
    let app = spawn_app().await;
    let admin = app.client();
    let r = app.sign_in(&admin, "demo_admin", "Demo2026pass").await;
    assert_eq!(r.status(), StatusCode::OK);
    let staff = |login: &str, region: &str| {
        vec![
            ("staff[login]".to_string(), login.to_string()),
            ("staff[display_name]".to_string(), "王社工".to_string()),
            ("staff[role]".to_string(), "caseworker".to_string()),
            ("staff[region_code]".to_string(), region.to_string()),
            ("staff[password]".to_string(), "Secret-1234".to_string()),
        ]
    };
    let r = admin
        .post(app.url("/api/accounts/create_staff"))
        .form(&staff("wang", "620721000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = admin
        .post(app.url("/api/accounts/create_staff"))
        .form(&staff("li", "210102000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "Liaoning is outside a Zhangye admin's region"
    );
    let resident_client = resident(&app, "13900000011").await;
    let r = resident_client
        .post(app.url("/api/accounts/create_staff"))
        .form(&staff("zhao", "620721000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.store()
            .user_by_login("wang")
            .await
            .unwrap()
            .unwrap()
            .region_code,
        Some(crate::helpers::region("620721000000"))
    );
    assert!(app.store().user_by_login("li").await.unwrap().is_none());
}

#[tokio::test]
async fn caseworkers_see_only_their_subtree() {
    let app = spawn_app().await;
    let a = resident(&app, "13900000012").await;
    let d = draft_id(&a, &app).await;
    let s: Value = submit(&a, &app, &d, &good_draft(&[valid_id("62070219800101001")]))
        .await
        .json()
        .await
        .unwrap();
    let number = s["number"].as_str().unwrap();
    let inside = app.client();
    app.sign_in(&inside, "demo_caseworker", "Demo2026pass")
        .await;
    let r = post_form(
        &inside,
        &app,
        "/api/applications/request_info",
        &[("number", number), ("question", "请补充收入证明")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let view: Value = post_form(
        &a,
        &app,
        "/api/applications/get_application",
        &[("number", number)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(view["open_info_request"], "请补充收入证明");
    assert_eq!(view["summary"]["status"], "info_requested");

    // A caseworker of another county gets nothing.
    let admin = app.client();
    app.sign_in(&admin, "demo_admin", "Demo2026pass").await;
    admin
        .post(app.url("/api/accounts/create_staff"))
        .form(&[
            ("staff[login]", "sunan"),
            ("staff[display_name]", "肃南社工"),
            ("staff[role]", "caseworker"),
            ("staff[region_code]", "620721000000"),
            ("staff[password]", "Secret-1234"),
        ])
        .send()
        .await
        .unwrap();
    let outside = app.client();
    app.sign_in(&outside, "sunan", "Secret-1234").await;
    let r = post_form(
        &outside,
        &app,
        "/api/applications/get_application",
        &[("number", number)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post_form(
        &a,
        &app,
        "/api/applications/answer",
        &[("number", number), ("answer", "已补充村委会出具的收入证明")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The question and the answer are on the application's timeline as written, and sealed in
    // a copy of the database (issue 17, hole 12).
    let view: Value = post_form(
        &inside,
        &app,
        "/api/applications/get_application",
        &[("number", number)],
    )
    .await
    .json()
    .await
    .unwrap();
    let notes: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert!(
        notes.contains(&"请补充收入证明") && notes.contains(&"已补充村委会出具的收入证明"),
        "{notes:?}"
    );
    assert_eq!(
        app.in_database(&["请补充收入证明", "已补充村委会出具的收入证明"]),
        Vec::<&str>::new()
    );
}

#[tokio::test]
async fn sessions_end_after_the_configured_idle_time() {
    let app = crate::helpers::spawn_app_with(|c| c.session_idle_minutes = 0).await;
    let c = app.client();
    let r = app.sign_in(&c, "demo_admin", "Demo2026pass").await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let me: Value = post_form(&c, &app, "/api/accounts/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me, Value::Null, "an idle session is over");
}

#[tokio::test]
async fn sign_in_attempts_from_one_address_are_rate_limited() {
    let app = crate::helpers::spawn_app_with(|c| c.auth_requests_per_minute = 3).await;
    let c = app.client();
    for _ in 0..3 {
        let r = post_form(
            &c,
            &app,
            "/api/accounts/login",
            &[("login", "nobody"), ("password", "wrong-pass1")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
    let r = app.sign_in(&c, "demo_admin", "Demo2026pass").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"kind": "too_many_requests"})
    );
    // Other functions are not affected.
    assert_eq!(
        post_form(&c, &app, "/api/accounts/me", &[]).await.status(),
        StatusCode::OK
    );
}

/// The build output goes out compressed (the brotli or gzip copy the build wrote, whichever the
/// browser accepts) and, under the current version, cached for a year; pages go out gzipped.
#[tokio::test]
async fn build_output_is_sent_precompressed_and_cached_and_pages_compressed() {
    let site = tempfile::tempdir().unwrap();
    let pkg_dir = site.path().join("pkg");
    std::fs::create_dir_all(pkg_dir.join("portal")).unwrap();
    let js = "console.log('doudi');\n".repeat(100);
    std::fs::write(pkg_dir.join("doudi.js"), &js).unwrap();
    std::fs::write(pkg_dir.join("doudi.js.br"), b"brotli copy").unwrap();
    std::fs::write(pkg_dir.join("doudi.js.gz"), b"gzip copy").unwrap();
    std::fs::write(pkg_dir.join("portal/doudi-portal.js"), &js).unwrap();
    let root = site.path().to_str().unwrap().to_string();
    let app = crate::helpers::spawn_app_with(move |c| c.site_root = root).await;
    let version = app.state.pkg_version.to_string();
    assert!(app::ui::is_pkg_version(&version), "{version}");
    let c = Client::new();
    let get = |path: String, accept: &'static str| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let mut req = c.get(url);
            if !accept.is_empty() {
                req = req.header("accept-encoding", accept);
            }
            req.send().await.unwrap()
        }
    };
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    for (accept, encoding, body) in [
        ("gzip, deflate, br", "br", "brotli copy"),
        ("gzip", "gzip", "gzip copy"),
        ("", "", js.as_str()),
    ] {
        let r = get(format!("/pkg/{version}/doudi.js"), accept).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-encoding"), encoding, "{accept}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&r, "vary"), "accept-encoding");
        assert!(header(&r, "content-type").starts_with("text/javascript"));
        assert_eq!(r.text().await.unwrap(), body, "{accept}");
    }
    // Without the version, or under another build's: the file all the same, asked for again
    // each time (a page of an older build must not keep a newer file as its own for a year).
    for path in [
        "/pkg/doudi.js".to_string(),
        "/pkg/v0123456789ab/doudi.js".to_string(),
    ] {
        let r = get(path.clone(), "").await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, "cache-control"), "no-cache", "{path}");
        assert_eq!(r.text().await.unwrap(), js);
    }
    // Nothing outside the build output, nothing that is not there.
    for path in [
        format!("/pkg/{version}/../../Cargo.toml"),
        format!("/pkg/{version}/%2e%2e/%2e%2e/Cargo.toml"),
        format!("/pkg/{version}/missing.wasm"),
    ] {
        let r = get(path.clone(), "br").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_ne!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
    }
    // A page: gzip when accepted (its bytes start with gzip's magic), never cached.
    let r = get("/".into(), "gzip").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-encoding"), "gzip");
    assert_eq!(header(&r, "cache-control"), "no-store");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    let r = get("/".into(), "").await;
    assert_eq!(header(&r, "content-encoding"), "");
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"/pkg/{version}/portal/doudi-portal.js"#)),
        "{html}"
    );
}
