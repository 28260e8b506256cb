//! Home visits from tablets (once, conflicts shown, images checked and scoped), the household
//! file with its assistance chain and flags, and referrals answered by departments — through HTTP.

use crate::api::{draft_id, good_draft, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{spawn_app, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// A 1×1 PNG: a real image, as a signature pad would send it.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

pub(crate) async fn login(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, password).await;
    assert_eq!(r.status(), StatusCode::OK, "{login}");
    c
}

pub(crate) async fn staff(
    app: &TestApp,
    login_name: &str,
    role: &str,
    region: &str,
    department: &str,
) -> Client {
    let admin = login(app, "demo_admin", "Demo2026pass").await;
    let r = admin
        .post(app.url("/api/accounts/create_staff"))
        .form(&[
            ("staff[login]", login_name),
            ("staff[display_name]", login_name),
            ("staff[role]", role),
            ("staff[region_code]", region),
            ("staff[password]", "Secret-1234"),
            ("staff[department]", department),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    login(app, login_name, "Secret-1234").await
}

/// A submitted application accepted by the demo caseworker: (resident, caseworker, number).
pub(crate) async fn accepted_case(
    app: &TestApp,
    phone: &str,
    id17: &str,
) -> (Client, Client, String) {
    let r = resident(app, phone).await;
    let d = draft_id(&r, app).await;
    let mut draft = good_draft(&[valid_id(id17)]);
    draft.income_wages = "300".into();
    let number = submit(&r, app, &d, &draft)
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let cw = login(app, "demo_caseworker", "Demo2026pass").await;
    let a = post_form(
        &cw,
        app,
        "/api/casework/advance",
        &[("number", number.as_str()), ("to", "accepted")],
    )
    .await;
    assert_eq!(a.status(), StatusCode::OK);
    (r, cw, number)
}

fn visit(id: &str, number: &str, based_on: Option<&str>) -> Value {
    json!({ "visit": {
        "id": id, "application": number, "based_on": based_on,
        "visited_on": app::services::today_in_china().to_string(),
        "present": "户主本人", "housing": "土木结构平房两间", "living": "靠低保和零工维持", "assets_seen": "无车辆、无农机",
        "notes": "", "second_staff": "李四", "photos": [PNG],
        "sign_resident": PNG, "sign_staff": PNG, "sign_second_staff": PNG, "saved_at": 1
    }})
}

async fn status(c: &Client, app: &TestApp, number: &str) -> String {
    let v: Value = post_form(
        c,
        app,
        "/api/applications/get_application",
        &[("number", number)],
    )
    .await
    .json()
    .await
    .unwrap();
    v["summary"]["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_visit_is_recorded_once_and_a_visit_made_meanwhile_is_a_conflict() {
    let app = spawn_app().await;
    let (r, cw, number) = accepted_case(&app, "13900000501", "62070219700101501").await;

    let first = post_json(
        &cw,
        &app,
        "/api/household/visit",
        visit("visit-aaaaaaaaaaaaaaaa", &number, None),
    )
    .await;
    assert_eq!(
        first.status(),
        StatusCode::OK,
        "{}",
        first.text().await.unwrap()
    );
    assert_eq!(
        status(&r, &app, &number).await,
        "visiting",
        "the first visit starts 入户调查"
    );
    // The tablet sends it again (the answer was lost): nothing new.
    let again: Value = post_json(
        &cw,
        &app,
        "/api/household/visit",
        visit("visit-aaaaaaaaaaaaaaaa", &number, None),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(again, json!("AlreadyRecorded"));
    // Another tablet, offline since before the first visit, sends its own: shown, not merged.
    let other: Value = post_json(
        &cw,
        &app,
        "/api/household/visit",
        visit("visit-bbbbbbbbbbbbbbbb", &number, None),
    )
    .await
    .json()
    .await
    .unwrap();
    let conflict = other["Conflict"].as_array().expect("a conflict");
    assert_eq!(
        (conflict.len(), conflict[0]["id"].as_str()),
        (1, Some("visit-aaaaaaaaaaaaaaaa"))
    );
    assert_eq!(conflict[0]["notes"]["housing"], "土木结构平房两间");
    // Having seen it, the caseworker keeps theirs as a further visit.
    let kept: Value = post_json(
        &cw,
        &app,
        "/api/household/visit",
        visit(
            "visit-bbbbbbbbbbbbbbbb",
            &number,
            Some("visit-aaaaaaaaaaaaaaaa"),
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(kept, json!("Recorded"));
    let visits: Value = post_form(
        &cw,
        &app,
        "/api/household/case_visits",
        &[("number", &number)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(visits.as_array().unwrap().len(), 2);
    let events: Value = post_form(
        &r,
        &app,
        "/api/applications/get_application",
        &[("number", &number)],
    )
    .await
    .json()
    .await
    .unwrap();
    let recorded = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "visit_recorded")
        .count();
    assert_eq!(recorded, 2, "the resident sees each visit once");

    // Images are readable by caseworkers of the region only.
    let photo = visits[0]["photos"][0].as_str().unwrap().to_string();
    let got = cw.get(app.url(&photo)).send().await.unwrap();
    assert_eq!(
        (
            got.status(),
            got.headers()["content-type"].to_str().unwrap().to_string()
        ),
        (StatusCode::OK, "image/png".to_string())
    );
    assert_eq!(
        r.get(app.url(&photo)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let outside = staff(&app, "sunan5", "caseworker", "620721000000", "").await;
    assert_eq!(
        outside.get(app.url(&photo)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let v = post_json(
        &outside,
        &app,
        "/api/household/visit",
        visit(
            "visit-cccccccccccccccc",
            &number,
            Some("visit-bbbbbbbbbbbbbbbb"),
        ),
    )
    .await;
    assert_eq!(
        v.status(),
        StatusCode::NOT_FOUND,
        "a caseworker of another county gets nothing"
    );
}

#[tokio::test]
async fn a_visit_without_signatures_or_with_a_fake_image_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (r, cw, number) = accepted_case(&app, "13900000502", "62070219700101502").await;
    let mut v = visit("visit-dddddddddddddddd", &number, None);
    v["visit"]["sign_second_staff"] = json!("");
    let resp = post_json(&cw, &app, "/api/household/visit", v.clone()).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["detail"][0],
        json!({ "field": "sign_second_staff", "code": "signature_required" })
    );
    // Claims to be a PNG, is HTML.
    v["visit"]["sign_second_staff"] =
        json!("data:image/png;base64,PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PjwvaHRtbD4=");
    let resp = post_json(&cw, &app, "/api/household/visit", v).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["detail"][0]["code"],
        "image_invalid"
    );
    assert_eq!(
        status(&r, &app, &number).await,
        "accepted",
        "nothing half-written"
    );
    let visits: Value = post_form(
        &cw,
        &app,
        "/api/household/case_visits",
        &[("number", &number)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(visits, json!([]));
    let resp = post_json(
        &r,
        &app,
        "/api/household/visit",
        visit("visit-eeeeeeeeeeeeeeee", &number, None),
    )
    .await;
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "residents do not record visits"
    );
}

#[tokio::test]
async fn the_household_file_shows_the_chain_its_flags_and_referrals_answered_by_the_department() {
    let app = spawn_app().await;
    let (_r, cw, number) = accepted_case(&app, "13900000503", "62070219700101503").await;
    let case: Value = post_form(&cw, &app, "/api/casework/case", &[("number", &number)])
        .await
        .json()
        .await
        .unwrap();
    let household = case["household_id"]
        .as_str()
        .expect("the application belongs to a household")
        .to_string();

    let file: Value = post_form(&cw, &app, "/api/household/file", &[("id", &household)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(file["applications"][0]["number"], number.as_str());
    assert_eq!(
        file["head_id_masked"],
        format!("620702********{}", &valid_id("62070219700101503")[14..])
    );
    assert_eq!(
        (
            file["chain"].as_array().unwrap().len(),
            file["referral_days"].as_i64()
        ),
        (0, Some(10))
    );

    // Two public sources for the same medical aid in overlapping months: a duplicate flag.
    for (id, source) in [("aid-1", "medical_insurance"), ("aid-2", "civil_affairs")] {
        let aid = json!({ "kind": "medical_assistance", "source": source, "amount": "500", "monthly": false, "from": "2026-03-01", "until": "2026-03-31" });
        let resp = post_json(
            &cw,
            &app,
            "/api/household/aid",
            json!({ "household": household, "id": id, "aid": aid }),
        )
        .await;
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{}",
            resp.text().await.unwrap()
        );
    }
    let bad = post_json(&cw, &app, "/api/household/aid", json!({ "household": household, "id": "aid-3", "aid": { "kind": "medical_assistance", "amount": "x", "from": "2026-03-01" } })).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let file: Value = post_form(&cw, &app, "/api/household/file", &[("id", &household)])
        .await
        .json()
        .await
        .unwrap();
    let chain = file["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    // The flag names both entries, in chain order (their ids are the server's).
    assert_eq!(
        file["flags"],
        json!([{ "Duplicate": { "kind": "medical_assistance",
            "first": chain[0]["aid"]["id"], "second": chain[1]["aid"]["id"] } }])
    );

    // A referral to medical insurance; the demo officer (医保, Zhangye) sees it in the inbox.
    let refer = post_json(&cw, &app, "/api/household/refer", json!({ "referral": { "household": household, "need": "premium_subsidy", "note": "参保资助未落实" } })).await;
    assert_eq!(
        refer.status(),
        StatusCode::OK,
        "{}",
        refer.text().await.unwrap()
    );
    let referral_id = refer.json::<i64>().await.unwrap();
    let officer = login(&app, "demo_department", "Demo2026pass").await;
    let inbox = post_form(&officer, &app, "/api/household/inbox", &[]).await;
    assert_eq!(inbox.status(), StatusCode::OK);
    let inbox: Value = inbox.json().await.unwrap();
    let row = &inbox.as_array().unwrap()[0];
    assert_eq!(
        (
            row["id"].as_i64(),
            row["status"].as_str(),
            row["department"].as_str()
        ),
        (Some(referral_id), Some("sent"), Some("medical_insurance"))
    );
    assert_eq!(
        row["due_on"],
        (app::services::today_in_china() + chrono::Days::new(10)).to_string()
    );
    let body = inbox.to_string();
    assert!(
        !body.contains(&valid_id("62070219700101503")),
        "the officer sees the ID masked: {body}"
    );

    // Another department's officer sees nothing and cannot answer; a caseworker cannot answer.
    let education = staff(&app, "edu1", "department", "620700000000", "education").await;
    assert_eq!(
        post_form(&education, &app, "/api/household/inbox", &[])
            .await
            .json::<Value>()
            .await
            .unwrap(),
        json!([])
    );
    let answer = |to: &str, aid: Value| json!({ "id": referral_id, "to": to, "answer": "已资助2026年度参保费", "aid": aid });
    let premium = json!({ "kind": "premium_subsidy", "amount": "300", "monthly": false, "from": "2026-01-01", "until": "2026-12-31" });
    assert_eq!(
        post_json(
            &education,
            &app,
            "/api/household/answer",
            answer("done", premium.clone())
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_json(
            &cw,
            &app,
            "/api/household/answer",
            answer("done", premium.clone())
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let admin = login(&app, "demo_admin", "Demo2026pass").await;
    let no_dept = admin
        .post(app.url("/api/accounts/create_staff"))
        .form(&[
            ("staff[login]", "nodept"),
            ("staff[display_name]", "x"),
            ("staff[role]", "department"),
            ("staff[region_code]", "620700000000"),
            ("staff[password]", "Secret-1234"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        no_dept.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a department officer needs a department"
    );

    let done = post_json(
        &officer,
        &app,
        "/api/household/answer",
        answer("done", premium.clone()),
    )
    .await;
    assert_eq!(
        done.status(),
        StatusCode::OK,
        "{}",
        done.text().await.unwrap()
    );
    let again = post_json(
        &officer,
        &app,
        "/api/household/answer",
        answer("declined", Value::Null),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let file: Value = post_form(&cw, &app, "/api/household/file", &[("id", &household)])
        .await
        .json()
        .await
        .unwrap();
    let fed = file["chain"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["aid"]["origin"] == "referral")
        .expect("the feedback is in the chain");
    assert_eq!(
        (
            fed["aid"]["kind"].as_str(),
            fed["aid"]["source"].as_str(),
            fed["aid"]["amount_fen"].as_i64()
        ),
        (
            Some("premium_subsidy"),
            Some("medical_insurance"),
            Some(30_000)
        )
    );
    assert_eq!(file["referrals"][0]["status"], "done");
    // The caseworker's note and the department's answer read as written, and are sealed in a
    // copy of the database (issue 17, hole 12).
    assert_eq!(
        (
            file["referrals"][0]["note"].as_str(),
            file["referrals"][0]["answer"].as_str()
        ),
        (Some("参保资助未落实"), Some("已资助2026年度参保费"))
    );
    assert_eq!(
        app.in_database(&["参保资助未落实", "已资助2026年度参保费"]),
        Vec::<&str>::new()
    );

    // A caseworker of another county cannot open the file.
    let outside = staff(&app, "sunan6", "caseworker", "620721000000", "").await;
    assert_eq!(
        post_form(&outside, &app, "/api/household/file", &[("id", &household)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_json(
            &outside,
            &app,
            "/api/household/refer",
            json!({ "referral": { "household": household, "need": "housing", "note": "x" } })
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_visit_with_four_large_photos_is_accepted() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let (_r, cw, number) = accepted_case(&app, "13900000504", "62070219700101504").await;
    // Four photos of about 450 KB each (what a tablet's scaled JPEG can weigh): 2.4 MB of JSON.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(450_000, 7);
    let photo = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&jpeg)
    );
    let mut v = visit("visit-ffffffffffffffff", &number, None);
    v["visit"]["photos"] = json!([photo.clone(), photo.clone(), photo.clone(), photo]);
    let resp = post_json(&cw, &app, "/api/household/visit", v).await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
}
