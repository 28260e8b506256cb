//! The caseworker's review and decision through HTTP: every state change, the decision rules,
//! the public notice's de-identification, and region scoping.

use crate::api::{draft_id, good_draft, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{spawn_app, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn login(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, password).await;
    assert_eq!(r.status(), StatusCode::OK);
    c
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

fn decision(category: &str, amount: &str, reason: &str) -> Value {
    json!({ "category": category, "monthly_amount": amount, "adjustment_reason": reason, "effective_from": app::services::today_in_china().to_string() })
}

#[tokio::test]
async fn a_case_goes_from_submission_to_public_notice_and_the_resident_sees_each_step() {
    let app = spawn_app().await;
    let r = resident(&app, "13900000401").await;
    let d = draft_id(&r, &app).await;
    let mut draft = good_draft(&[valid_id("62070219700101401"), valid_id("62070219720202402")]);
    draft.members[0].name = "张建国".into();
    draft.income_wages = "900".into(); // 450.00 each: Dibao, gap 2 × 580.00 − 900.00 = 260.00
    let number = submit(&r, &app, &d, &draft)
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;

    // The queue lists it with its assessed category.
    let page: Value = post_json(
        &cw,
        &app,
        "/api/casework/queue",
        json!({ "filter": { "status": "submitted" } }),
    )
    .await
    .json()
    .await
    .unwrap();
    let row = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == number.as_str())
        .expect("in the queue");
    assert_eq!(row["categories"], json!(["dibao"]));
    assert_eq!(row["days_waiting"], 0);
    assert!(
        !row["region_name"].as_str().unwrap().is_empty(),
        "the village is named"
    );

    let step = |to: &'static str| {
        let (cw, app, number) = (&cw, &app, number.clone());
        async move {
            post_form(
                cw,
                app,
                "/api/casework/advance",
                &[("number", number.as_str()), ("to", to)],
            )
            .await
        }
    };
    assert_eq!(
        step("visiting").await.status(),
        StatusCode::CONFLICT,
        "not before it is accepted"
    );
    assert_eq!(step("accepted").await.status(), StatusCode::OK);
    assert_eq!(status(&r, &app, &number).await, "accepted");
    let q = post_form(
        &cw,
        &app,
        "/api/applications/request_info",
        &[("number", &number), ("question", "请补充户主的诊断证明")],
    )
    .await;
    assert_eq!(q.status(), StatusCode::OK);
    assert_eq!(status(&r, &app, &number).await, "info_requested");
    assert_eq!(
        post_form(
            &r,
            &app,
            "/api/applications/answer",
            &[("number", &number), ("answer", "已上传诊断证明")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(step("visiting").await.status(), StatusCode::OK);
    assert_eq!(status(&r, &app, &number).await, "visiting");

    // The decision: as proposed, or changed only with a reason.
    let case: Value = post_form(&cw, &app, "/api/casework/case", &[("number", &number)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            case["proposed_category"].as_str(),
            case["proposed_amount_fen"].as_i64(),
            case["notice_days"].as_i64()
        ),
        (Some("dibao"), Some(26_000), Some(7))
    );
    let r2 = post_json(
        &cw,
        &app,
        "/api/casework/decide",
        json!({ "number": number, "decision": decision("dibao", "300", "") }),
    )
    .await;
    assert_eq!(r2.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r2.json::<Value>().await.unwrap()["detail"][0]["field"],
        "adjustment_reason"
    );
    let r2 = post_json(
        &r,
        &app,
        "/api/casework/decide",
        json!({ "number": number, "decision": decision("dibao", "260", "") }),
    )
    .await;
    assert_eq!(
        r2.status(),
        StatusCode::FORBIDDEN,
        "a resident cannot decide"
    );
    let r2 = post_json(
        &cw,
        &app,
        "/api/casework/decide",
        json!({ "number": number, "decision": decision("dibao", "260", "") }),
    )
    .await;
    assert_eq!(r2.status(), StatusCode::OK, "{}", r2.text().await.unwrap());
    assert_eq!(status(&r, &app, &number).await, "publicising");

    // The public notice shows a masked name, the village, category and amount; nothing more.
    let notices = app
        .client()
        .post(app.url("/api/casework/notices"))
        .form(&[("region_code", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(notices.status(), StatusCode::OK);
    let body = notices.text().await.unwrap();
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (page["page"].as_u64(), page["more"].as_bool()),
        (Some(0), Some(false))
    );
    assert!(body.contains("\"masked_name\":\"张**\""), "{body}");
    assert!(body.contains("\"monthly_amount_fen\":26000"));
    assert!(
        !body.contains("张建国") && !body.contains("620702197001014"),
        "no names or ID numbers: {body}"
    );
    assert!(!regex_like_phone(&body), "no phone numbers");

    // Objections are recorded; the result waits for the notice to end.
    let o = post_form(
        &cw,
        &app,
        "/api/casework/object",
        &[("number", &number), ("objection", "")],
    )
    .await;
    assert_eq!(o.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let o = post_form(
        &cw,
        &app,
        "/api/casework/object",
        &[("number", &number), ("objection", "邻居反映家中有出租房")],
    )
    .await;
    assert_eq!(o.status(), StatusCode::OK);
    let f = post_form(
        &cw,
        &app,
        "/api/casework/finalize",
        &[("number", &number), ("note", "")],
    )
    .await;
    assert_eq!(f.status(), StatusCode::CONFLICT);
    assert_eq!(f.json::<Value>().await.unwrap()["detail"], "notice_running");
    let case: Value = post_form(&cw, &app, "/api/casework/case", &[("number", &number)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["objections"][0][0], "邻居反映家中有出租房");
    assert_eq!(case["decision"]["monthly_amount_fen"], 26_000);

    // The resident's timeline shows every step.
    let v: Value = post_form(
        &r,
        &app,
        "/api/applications/get_application",
        &[("number", &number)],
    )
    .await
    .json()
    .await
    .unwrap();
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "submitted",
            "status_changed",
            "info_requested",
            "info_answered",
            "status_changed",
            "decided",
            "objection"
        ]
    );
}

fn regex_like_phone(s: &str) -> bool {
    s.as_bytes()
        .windows(11)
        .any(|w| w[0] == b'1' && (b'3'..=b'9').contains(&w[1]) && w.iter().all(u8::is_ascii_digit))
}

#[tokio::test]
async fn rejection_needs_a_reason_and_other_counties_get_nothing() {
    let app = spawn_app().await;
    let r = resident(&app, "13900000402").await;
    let d = draft_id(&r, &app).await;
    let mut draft = good_draft(&[valid_id("62070219800101403")]);
    // The 12 months' income and spending for a disability, read back below.
    draft.income_12m = "9600".into();
    draft.disability_spending = "1800".into();
    let number = submit(&r, &app, &d, &draft)
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = login(&app, "demo_admin", "Demo2026pass").await;
    admin
        .post(app.url("/api/accounts/create_staff"))
        .form(&[
            ("staff[login]", "sunan2"),
            ("staff[display_name]", "肃南社工"),
            ("staff[role]", "caseworker"),
            ("staff[region_code]", "620721000000"),
            ("staff[password]", "Secret-1234"),
        ])
        .send()
        .await
        .unwrap();
    let outside = login(&app, "sunan2", "Secret-1234").await;
    let page: Value = post_json(
        &outside,
        &app,
        "/api/casework/queue",
        json!({ "filter": {} }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(page["rows"].as_array().unwrap().is_empty());
    let r2 = post_json(
        &outside,
        &app,
        "/api/casework/queue",
        json!({ "filter": { "area": "620702" } }),
    )
    .await;
    assert_eq!(r2.status(), StatusCode::FORBIDDEN);
    for (path, form) in [
        (
            "/api/casework/advance",
            vec![("number", number.as_str()), ("to", "accepted")],
        ),
        (
            "/api/casework/reject",
            vec![("number", number.as_str()), ("reason", "x")],
        ),
        ("/api/casework/case", vec![("number", number.as_str())]),
    ] {
        assert_eq!(
            post_form(&outside, &app, path, &form).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    // Unmasking an ID number is for caseworkers of the region, and logged.
    let u = post_form(
        &r,
        &app,
        "/api/casework/unmask",
        &[("number", &number), ("member", "0")],
    )
    .await;
    assert_eq!(u.status(), StatusCode::FORBIDDEN);
    let u = post_form(
        &outside,
        &app,
        "/api/casework/unmask",
        &[("number", &number), ("member", "0")],
    )
    .await;
    assert_eq!(u.status(), StatusCode::NOT_FOUND);
    let u = post_form(
        &cw,
        &app,
        "/api/casework/unmask",
        &[("number", &number), ("member", "0")],
    )
    .await;
    assert_eq!(
        u.json::<String>().await.unwrap(),
        valid_id("62070219800101403")
    );
    let u = post_form(
        &cw,
        &app,
        "/api/casework/unmask",
        &[("number", &number), ("member", "5")],
    )
    .await;
    assert_eq!(u.status(), StatusCode::NOT_FOUND);
    // The declaration is on the case (address, phone, incomes) for staff; members' health and
    // disability only through a logged unmask by a caseworker of the region; the household
    // reads its own.
    let case: Value = post_form(
        &cw,
        &app,
        "/api/applications/get_application",
        &[("number", &number)],
    )
    .await
    .json()
    .await
    .unwrap();
    // What the household declared (`good_draft`), as the caseworker reads it.
    let declared = good_draft(&[]);
    assert_eq!(case["declared"]["address"], declared.address, "{case}");
    assert_eq!(
        case["declared"]["contact_phone"], declared.contact_phone,
        "{case}"
    );
    assert_eq!(case["declared"]["residence"], declared.residence, "{case}");
    assert_eq!(case["declared"]["income"]["wages"], 80000, "{case}");
    assert_eq!(case["declared"]["income_12m"], 960_000, "{case}");
    assert_eq!(case["declared"]["income_changed"], false, "{case}");
    assert_eq!(
        case["declared"]["disability_spending_12m"], 180_000,
        "{case}"
    );
    assert!(case["members"][0]["health"].is_null(), "{case}");
    let own: Value = post_form(
        &r,
        &app,
        "/api/applications/get_application",
        &[("number", &number)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(own["members"][0]["health"]["health"], "healthy", "{own}");
    for (who, status) in [
        (&r, StatusCode::FORBIDDEN),
        (&outside, StatusCode::NOT_FOUND),
    ] {
        let u = post_form(
            who,
            &app,
            "/api/casework/unmask_health",
            &[("number", &number), ("member", "0")],
        )
        .await;
        assert_eq!(u.status(), status);
    }
    let h: Value = post_form(
        &cw,
        &app,
        "/api/casework/unmask_health",
        &[("number", &number), ("member", "0")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(h["health"], "healthy", "{h}");
    let audit = app.store().recent_audit(50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "unmask"
        && e.object == format!("{number}#0")
        && e.result.code() == "ok"));
    assert!(audit.iter().any(|e| e.action == "unmask_health"
        && e.object == format!("{number}#0")
        && e.result.code() == "ok"));
    let rj = post_form(
        &cw,
        &app,
        "/api/casework/reject",
        &[("number", &number), ("reason", " ")],
    )
    .await;
    assert_eq!(rj.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let rj = post_form(
        &cw,
        &app,
        "/api/casework/reject",
        &[
            ("number", &number),
            ("reason", "家庭人均收入超过低保边缘标准"),
        ],
    )
    .await;
    assert_eq!(rj.status(), StatusCode::OK);
    assert_eq!(status(&r, &app, &number).await, "rejected");
    // A rejected case stays findable in the queue.
    let page: Value = post_json(
        &cw,
        &app,
        "/api/casework/queue",
        json!({ "filter": { "status": "rejected" } }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page["rows"][0]["number"], number.as_str());
}

#[tokio::test]
async fn the_demo_clock_exists_only_in_demo_mode_and_is_bounded() {
    let demo = spawn_app().await;
    // Setting 0 leaves the shared clock as every test expects it.
    let r = demo
        .client()
        .post(demo.url("/dev/clock"))
        .form(&[("days", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("0 天"));
    let r = demo
        .client()
        .post(demo.url("/dev/clock"))
        .form(&[("days", "999")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let real = crate::helpers::spawn_app_with(|c| c.demo = false).await;
    let r = real
        .client()
        .post(real.url("/dev/clock"))
        .form(&[("days", "8")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        real.client()
            .get(real.url("/dev/clock"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}
