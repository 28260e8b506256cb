//! The rest of the cycle through HTTP: emergency aid without hukou restriction (advance aid
//! capped unless a case conference decided), deadlines turning into tasks via the job runner,
//! exits with a 渐退期 countdown, and the low-income database search.

use crate::api::{draft_id, good_draft, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{spawn_app, TestApp};
use app::domain::status::ApplicationStatus as S;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn login(app: &TestApp, login: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, "Demo2026pass").await;
    assert_eq!(r.status(), StatusCode::OK);
    c
}

fn day_ms(days: u64) -> i64 {
    app::domain::cycle::china_midnight_ms(app::services::today_in_china() + chrono::Days::new(days))
}

/// Does what is due now (today's entitlement scan, if the server's own job loop has not yet),
/// so that the counts below are the test's items only.
async fn drain_today(store: &dyn app::store::Store) {
    server::jobs::process_work(store, "w0", app::services::now_millis())
        .await
        .unwrap();
}

async fn tasks(c: &Client, app: &TestApp) -> Vec<Value> {
    post_form(c, app, "/api/cycle/tasks", &[("include_done", "false")])
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn emergency_aid_is_registered_once_and_owed_documents_become_a_task() {
    let app = spawn_app().await;
    let cw = login(&app, "demo_caseworker").await;
    // A migrant worker from Shenyang (a Liaoning ID number), taken ill in Ganzhou.
    let draft = |amount: &str, conference: &str| {
        json!({ "emergency": { "id": "emergency-test-0001", "person_name": "赵外来", "id_number": valid_id("21010219850505001"),
            "region": "620702", "situation": "务工期间突发脑出血，无力支付医疗费", "amount": amount, "advance": true, "conference": conference } })
    };
    let over = post_json(&cw, &app, "/api/cycle/emergency", draft("3000", "")).await;
    assert_eq!(over.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        over.json::<Value>().await.unwrap()["detail"][0],
        json!({ "field": "amount", "code": "out_of_bounds" })
    );
    let ok = post_json(
        &cw,
        &app,
        "/api/cycle/emergency",
        draft("3000", "2026-11-26 甘州区协调机制一事一议：先行救助3000元"),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK, "{}", ok.text().await.unwrap());
    let rec: Value = ok.json().await.unwrap();
    let again: Value = post_json(&cw, &app, "/api/cycle/emergency", draft("3000", "重复提交"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], rec["id"], "a retry registers nothing new");
    let due = (app::services::today_in_china() + chrono::Days::new(30)).to_string();
    assert_eq!(rec["documents_due"], due.as_str());
    let household = rec["household_id"].as_str().unwrap().to_string();
    let file: Value = post_form(&cw, &app, "/api/household/file", &[("id", &household)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(file["chain"][0]["aid"]["amount_fen"], 300_000);
    assert_eq!(file["chain"][0]["aid"]["origin"], "emergency");
    assert_eq!(
        file["emergencies"][0]["conference"],
        "2026-11-26 甘州区协调机制一事一议：先行救助3000元"
    );

    // Nothing is due yet; the day after the deadline the job runner opens a task, once.
    let store = app.store();
    drain_today(store.as_ref()).await;
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w1", day_ms(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w1", day_ms(31))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w2", day_ms(32))
            .await
            .unwrap(),
        0
    );
    let open = tasks(&cw, &app).await;
    assert_eq!(
        (
            open.len(),
            open[0]["kind"].as_str(),
            open[0]["due_on"].as_str()
        ),
        (1, Some("documents_due"), Some(due.as_str()))
    );
    let done = post_form(
        &cw,
        &app,
        "/api/cycle/complete_task",
        &[("id", &open[0]["id"].to_string()), ("note", "")],
    )
    .await;
    assert_eq!(
        done.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a task is closed with what was done"
    );
    let done = post_form(
        &cw,
        &app,
        "/api/cycle/complete_task",
        &[
            ("id", &open[0]["id"].to_string()),
            ("note", "医院诊断证明已补交"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(tasks(&cw, &app).await.is_empty());
    let outside = post_json(
        &login(&app, "demo_department").await,
        &app,
        "/api/cycle/emergency",
        draft("100", ""),
    )
    .await;
    assert_eq!(outside.status(), StatusCode::FORBIDDEN);
}

/// Small advance aid without a case conference is capped by a dated parameter; where no cap is
/// set it is refused, never paid uncapped (Liaoning 二(三)3), and nothing is recorded.
#[tokio::test]
async fn advance_aid_without_a_cap_for_the_region_is_refused() {
    let app = spawn_app().await;
    // A caseworker of a district no example parameter reaches (Beijing's Dongcheng).
    app.store()
        .create_user(app::store::NewUser {
            role: app::domain::status::Role::Caseworker,
            login: "beijing_caseworker".into(),
            display_name: "东城".into(),
            password_hash: app::auth::hash_password(crate::helpers::LANZHOU_PASSWORD.into())
                .await
                .unwrap(),
            region_code: Some(crate::helpers::region("110101000000")),
            department: None,
            must_change_password: false,
            duty: None,
            now: 0,
        })
        .await
        .unwrap();
    let cw = app.client();
    let r = app
        .sign_in(&cw, "beijing_caseworker", crate::helpers::LANZHOU_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let draft = |conference: &str| {
        json!({ "emergency": { "id": "emergency-test-0009", "person_name": "钱过路", "id_number": valid_id("11010119800101009"),
            "region": "", "situation": "途中遭遇车祸，身无分文", "amount": "50", "advance": true, "conference": conference } })
    };
    let refused = post_json(&cw, &app, "/api/cycle/emergency", draft("")).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({"kind": "refused", "detail": "param_missing"})
    );
    let found = |cw: Client| {
        let app = &app;
        async move {
            post_json(
                &cw,
                app,
                "/api/cycle/search",
                json!({ "query": { "id_number": valid_id("11010119800101009") } }),
            )
            .await
            .json::<Vec<Value>>()
            .await
            .unwrap()
            .len()
        }
    };
    assert_eq!(found(cw.clone()).await, 0, "nothing recorded");
    // Aid that is not advance aid needs no cap: it is registered.
    let mut paid = draft("");
    paid["emergency"]["advance"] = json!(false);
    let ok = post_json(&cw, &app, "/api/cycle/emergency", paid).await;
    assert_eq!(ok.status(), StatusCode::OK, "{}", ok.text().await.unwrap());
    assert_eq!(found(cw).await, 1);
}

#[tokio::test]
async fn an_exit_keeps_aid_through_the_taper_and_the_household_stays_findable() {
    let app = spawn_app().await;
    let r = resident(&app, "13900000601").await;
    let d = draft_id(&r, &app).await;
    let mut draft = good_draft(&[valid_id("62070219700101601")]);
    draft.members[0].name = "孙有福".into();
    draft.income_wages = "100".into();
    let number = submit(&r, &app, &d, &draft)
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let cw = login(&app, "demo_caseworker").await;
    for to in ["accepted", "visiting"] {
        assert_eq!(
            post_form(
                &cw,
                &app,
                "/api/casework/advance",
                &[("number", number.as_str()), ("to", to)]
            )
            .await
            .status(),
            StatusCode::OK
        );
    }
    let today = app::services::today_in_china().to_string();
    let decided = post_json(&cw, &app, "/api/casework/decide", json!({ "number": number, "decision": { "category": "dibao", "monthly_amount": "480", "adjustment_reason": "按核实收入", "effective_from": today } })).await;
    assert_eq!(
        decided.status(),
        StatusCode::OK,
        "{}",
        decided.text().await.unwrap()
    );
    // The notice ends in the future; the store is told a later day directly (the HTTP path waits for it).
    let actor = app
        .store()
        .user_by_login("demo_caseworker")
        .await
        .unwrap()
        .unwrap()
        .id;
    app.store()
        .finalize(&number, &actor, "", crate::helpers::day("2099-01-01"), 1)
        .await
        .unwrap();
    assert_eq!(
        app.store()
            .application(&number)
            .await
            .unwrap()
            .unwrap()
            .summary
            .status,
        S::Approved
    );
    let household = app
        .store()
        .application(&number)
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();

    let exit = post_form(
        &cw,
        &app,
        "/api/cycle/exit",
        &[
            ("household", household.as_str()),
            ("reason", ""),
            ("taper", "true"),
        ],
    )
    .await;
    assert_eq!(exit.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The assessment at submission found income below the standard: no 渐退期 was earned
    // (Zhangye (八): only where income rose above the standard through employment).
    let exit_form = [
        ("household", household.as_str()),
        ("reason", "子女就业，家庭人均收入超过低保标准"),
        ("taper", "true"),
    ];
    let exit_with_taper = || post_form(&cw, &app, "/api/cycle/exit", &exit_form);
    let refused = exit_with_taper().await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({"kind": "refused", "detail": "taper_not_earned"})
    );
    let file: Value = post_form(&cw, &app, "/api/household/file", &[("id", &household)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(file["taper_until"], Value::Null);
    assert_eq!(
        file["standing"], "in_assistance",
        "a refused exit changed nothing"
    );
    // The household declares again: its wages rose above the standard. Verified as receiving
    // Dibao, the reassessment finds the taper.
    let d2 = draft_id(&r, &app).await;
    let mut rose = draft.clone();
    rose.income_wages = "3000".into();
    let second = submit(&r, &app, &d2, &rose).await;
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "{}",
        second.text().await.unwrap()
    );
    let second = second.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let accepted = post_form(
        &cw,
        &app,
        "/api/casework/advance",
        &[("number", second.as_str()), ("to", "accepted")],
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let verified = post_json(&cw, &app, "/api/policy/record_verification", json!({ "number": second, "verification": {
        "members": [{}], "relapse_watch": null, "other_hardship_reason": "", "currently_dibao": true } })).await;
    assert_eq!(
        verified.status(),
        StatusCode::OK,
        "{}",
        verified.text().await.unwrap()
    );
    let file: Value = post_form(&cw, &app, "/api/household/file", &[("id", &household)])
        .await
        .json()
        .await
        .unwrap();
    let last_day =
        app::domain::cycle::last_day_of_aid(app::services::today_in_china(), Some(6)).to_string();
    assert_eq!(
        file["taper_until"],
        last_day.as_str(),
        "six months (the example parameter) from today, when the taper began"
    );
    let summary = app
        .store()
        .household_summary(&household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.taper_since, Some(app::services::today_in_china()));
    let exit = exit_with_taper().await;
    assert_eq!(exit.status(), StatusCode::OK);
    let last_day =
        app::domain::cycle::last_day_of_aid(app::services::today_in_china(), Some(6)).to_string();
    assert_eq!(
        exit.json::<String>().await.unwrap(),
        last_day,
        "six months of 渐退期 (the example parameter)"
    );
    let again = post_form(
        &cw,
        &app,
        "/api/cycle/exit",
        &[
            ("household", household.as_str()),
            ("reason", "x"),
            ("taper", "false"),
        ],
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let file: Value = post_form(&cw, &app, "/api/household/file", &[("id", &household)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (file["standing"].as_str(), file["assistance_until"].as_str()),
        (Some("exited"), Some(last_day.as_str()))
    );
    // Why it left, and the decision's reasons, read as written and sealed in a copy of the
    // database (issue 17, hole 12).
    assert_eq!(file["exit_reason"], "子女就业，家庭人均收入超过低保标准");
    assert_eq!(
        app.in_database(&["子女就业，家庭人均收入超过低保标准", "按核实收入"]),
        Vec::<&str>::new()
    );
    assert!(file["days_left"].as_i64().unwrap() > 150);
    assert_eq!(
        file["chain"][0]["aid"]["until"],
        last_day.as_str(),
        "the basic living aid ends with the taper"
    );
    let open = tasks(&cw, &app).await;
    assert_eq!(
        (open[0]["kind"].as_str(), open[0]["due_on"].as_str()),
        (Some("taper_end"), Some(last_day.as_str()))
    );

    // The low-income database finds the exited household by a member's ID number, name or standing.
    let search = |q: Value| {
        let (cw, app) = (&cw, &app);
        async move { post_json(cw, app, "/api/cycle/search", json!({ "query": q })).await }
    };
    let by_id: Value = search(json!({ "id_number": valid_id("62070219700101601") }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            by_id[0]["standing"].as_str(),
            by_id[0]["head_name"].as_str()
        ),
        (Some("exited"), Some("孙有福"))
    );
    assert!(
        by_id[0]["monitored_until"].as_str().is_some(),
        "monitored for two years after the exit"
    );
    let by_name: Value = search(json!({ "name": "有福" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_name.as_array().unwrap().len(), 1);
    let none: Value = search(json!({ "name": "不存在" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!([]));
    assert_eq!(
        search(json!({ "id_number": "12345" })).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        search(json!({ "name": "%" })).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn an_unanswered_referral_becomes_a_task_the_day_after_its_due_date() {
    let app = spawn_app().await;
    let r = resident(&app, "13900000602").await;
    let d = draft_id(&r, &app).await;
    let number = submit(&r, &app, &d, &good_draft(&[valid_id("62070219700101602")]))
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    crate::api::accept(&app, &number).await;
    let household = app
        .store()
        .application(&number)
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();
    let cw = login(&app, "demo_caseworker").await;
    let sent = post_json(
        &cw,
        &app,
        "/api/household/refer",
        json!({ "referral": { "household": household, "need": "housing", "note": "危房改造" } }),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let store = app.store();
    drain_today(store.as_ref()).await;
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w", day_ms(10))
            .await
            .unwrap(),
        0,
        "due on day 10: not overdue that day"
    );
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w", day_ms(11))
            .await
            .unwrap(),
        1
    );
    let open = tasks(&cw, &app).await;
    assert_eq!(
        (open[0]["kind"].as_str(), open[0]["note"].as_str()),
        (Some("referral_overdue"), Some("housing → housing"))
    );

    // The overdue referral is a warning on the case in the review queue, and a filter finds it.
    let r2 = resident(&app, "13900000603").await;
    let d2 = draft_id(&r2, &app).await;
    let quiet = submit(
        &r2,
        &app,
        &d2,
        &good_draft(&[valid_id("62070219700101603")]),
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let page: Value = post_json(
        &cw,
        &app,
        "/api/casework/queue",
        json!({ "filter": { "status": "open" } }),
    )
    .await
    .json()
    .await
    .unwrap();
    let warnings = |n: &str| {
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["number"] == n)
            .map(|r| r["warnings"].as_i64().unwrap())
    };
    assert_eq!(
        (warnings(&number), warnings(&quiet)),
        (Some(0), Some(0)),
        "not a warning today: the referral was due ten days from now"
    );
    let later = app::store::QueueQuery {
        with_warnings: true,
        ..app::store::QueueQuery::within(
            crate::helpers::region("620702"),
            app::services::today_in_china() + chrono::Days::new(11),
            50,
        )
    };
    let flagged = app.store().review_queue(later).await.unwrap();
    assert_eq!(
        flagged
            .iter()
            .map(|r| (r.number.as_str(), r.warnings))
            .collect::<Vec<_>>(),
        vec![(number.as_str(), 1)]
    );
}

#[tokio::test]
async fn the_daily_scan_finds_a_household_entitled_to_aid_it_does_not_receive() {
    let app = spawn_app().await;
    let r = resident(&app, "13900000611").await;
    let d = draft_id(&r, &app).await;
    let mut draft = good_draft(&[valid_id("62070219700101611")]);
    draft.income_wages = "100".into();
    let number = submit(&r, &app, &d, &draft)
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let cw = login(&app, "demo_caseworker").await;
    for to in ["accepted", "visiting"] {
        assert_eq!(
            post_form(
                &cw,
                &app,
                "/api/casework/advance",
                &[("number", number.as_str()), ("to", to)]
            )
            .await
            .status(),
            StatusCode::OK
        );
    }
    let today = app::services::today_in_china();
    let decided = post_json(&cw, &app, "/api/casework/decide", json!({ "number": number, "decision": { "category": "dibao", "monthly_amount": "480", "adjustment_reason": "按核实收入", "effective_from": today.to_string() } })).await;
    assert_eq!(
        decided.status(),
        StatusCode::OK,
        "{}",
        decided.text().await.unwrap()
    );
    let actor = app
        .store()
        .user_by_login("demo_caseworker")
        .await
        .unwrap()
        .unwrap()
        .id;
    app.store()
        .finalize(&number, &actor, "", crate::helpers::day("2099-01-01"), 1)
        .await
        .unwrap();
    let household = app
        .store()
        .application(&number)
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();

    // In assistance with its basic living aid, but without the premium subsidy a Dibao household is entitled to.
    let store = app.store();
    assert_eq!(
        server::jobs::scan_entitlements(store.as_ref(), today, 1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        server::jobs::scan_entitlements(store.as_ref(), today, 2)
            .await
            .unwrap(),
        0,
        "one open warning per household"
    );
    let w = store
        .warnings(&crate::helpers::region("6207"))
        .await
        .unwrap();
    let found = w
        .iter()
        .find(|w| w.household_id == household)
        .expect("a warning for the household");
    assert_eq!(
        (found.kind.code(), found.level.code()),
        ("entitled_not_received", "II")
    );
    let board: Value = post_form(&cw, &app, "/api/monitoring/warnings", &[])
        .await
        .json()
        .await
        .unwrap();
    let shown = board["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["household_id"] == household.as_str())
        .unwrap();
    assert!(
        shown["missed"]["missed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m[0] == "premium_subsidy" && m[1] == "dibao"),
        "{shown}"
    );
    assert!(
        !shown["missed"]["missed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m[0] == "basic_living"),
        "the basic living aid is in the chain"
    );

    // Once the subsidy is recorded, a later scan (after this warning is closed) finds nothing to raise.
    let id = found.id;
    use app::domain::monitoring::{Disposal, Finding, WarningStep};
    for step in [
        WarningStep::Visit {
            on: today,
            finding: Finding::Confirmed,
            note: String::new(),
        },
        WarningStep::Dispose {
            disposal: Disposal::Referral,
            note: "推送医保".into(),
        },
        WarningStep::Close,
    ] {
        store
            .advance_warning(id, &crate::helpers::region("620702"), step, &actor, 3)
            .await
            .unwrap();
    }
    let aid = json!({ "kind": "premium_subsidy", "source": "medical_insurance", "amount": "300", "monthly": false, "from": today.to_string(), "until": (today + chrono::Days::new(300)).to_string() });
    let resp = post_json(
        &cw,
        &app,
        "/api/household/aid",
        json!({ "household": household, "id": "aid-premium", "aid": aid }),
    )
    .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
    assert_eq!(
        server::jobs::scan_entitlements(store.as_ref(), today, 4)
            .await
            .unwrap(),
        0
    );
}

/// An application submitted and taken to the home visit, for a decision the test records with
/// dates of its choosing.
async fn visited_case(app: &TestApp, cw: &Client, phone: &str, id: &str) -> String {
    let r = resident(app, phone).await;
    let d = draft_id(&r, app).await;
    let number = submit(&r, app, &d, &good_draft(&[valid_id(id)]))
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    for to in ["accepted", "visiting"] {
        let r = post_form(
            cw,
            app,
            "/api/casework/advance",
            &[("number", number.as_str()), ("to", to)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    number
}

/// Zhangye (三): marginal and rigid-expense households are reviewed every year from the day
/// they were identified (a Dibao household is not: its checks are the other rules'). The task
/// appears `review_lead_days` ahead; an overdue review stays open, counted in days past due;
/// closing it schedules the next from the day the closed one was due, not from the day it
/// was closed.
#[tokio::test]
async fn marginal_households_are_reviewed_yearly_from_identification_and_an_overdue_review_stays_open(
) {
    let app = spawn_app().await;
    let cw = login(&app, "demo_caseworker").await;
    let store = app.store();
    let actor = store
        .user_by_login("demo_caseworker")
        .await
        .unwrap()
        .unwrap()
        .id;
    let today = app::services::today_in_china();
    // Identified 13 months ago: the review fell due a month ago and nobody has done it.
    let identified = today - chrono::Months::new(13);
    let due = app::domain::cycle::add_months(identified, 12);
    let decide = |number: String, category: app::domain::policy::Category| {
        let (store, actor) = (store.clone(), actor.clone());
        async move {
            store
                .decide(
                    &number,
                    app::store::DecisionRecord {
                        category,
                        monthly_amount: app::domain::money::Money::from_fen(10_000),
                        proposed_category: None,
                        proposed_amount: None,
                        adjustment_reason: "测试：认定日期在一年多以前".into(),
                        effective_from: identified,
                        notice_until: today - chrono::Days::new(1),
                        decided_by: actor,
                        decided_at: 1,
                    },
                    1,
                )
                .await
                .unwrap();
        }
    };
    let marginal = visited_case(&app, &cw, "13900000611", "62070219700101611").await;
    let dibao = visited_case(&app, &cw, "13900000612", "62070219700101612").await;
    decide(
        marginal.clone(),
        app::domain::policy::Category::DibaoMarginal,
    )
    .await;
    decide(dibao.clone(), app::domain::policy::Category::Dibao).await;
    for number in [&marginal, &dibao] {
        let r = post_form(
            &cw,
            &app,
            "/api/casework/finalize",
            &[("number", number), ("note", "")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
    let household = |number: String| {
        let store = store.clone();
        async move {
            store
                .application(&number)
                .await
                .unwrap()
                .unwrap()
                .household_id
                .unwrap()
        }
    };
    let marginal_household = household(marginal).await;

    // The job runner opens one review, for the marginal household only, due on the anniversary.
    drain_today(store.as_ref()).await;
    let open = tasks(&cw, &app).await;
    let reviews: Vec<&Value> = open
        .iter()
        .filter(|t| t["kind"] == "annual_review")
        .collect();
    assert_eq!(reviews.len(), 1, "{open:?}");
    let review = reviews[0];
    assert_eq!(review["household_id"], marginal_household.as_str());
    assert_eq!(review["due_on"], due.to_string().as_str());
    assert_eq!(
        review["days_left"].as_i64(),
        Some(app::domain::cycle::days_left(today, due)),
        "overdue: days past due, counted"
    );
    assert!(review["days_left"].as_i64().unwrap() < 0);
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w1", app::services::now_millis())
            .await
            .unwrap(),
        0,
        "an overdue review is not opened twice"
    );

    // Closed with what was found: the next review is due a year after this one was due, and
    // appears 30 days (the example `review_lead_days`) before it.
    let done = post_form(
        &cw,
        &app,
        "/api/cycle/complete_task",
        &[
            ("id", &review["id"].to_string()),
            ("note", "入户复核：收入仍在边缘标准内"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(tasks(&cw, &app)
        .await
        .iter()
        .all(|t| t["kind"] != "annual_review"));
    let next = app::domain::cycle::add_months(due, 12);
    let appears = next - chrono::Days::new(30);
    let at = |d: chrono::NaiveDate| app::domain::cycle::china_midnight_ms(d);
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w2", at(appears) - 1)
            .await
            .unwrap(),
        0,
        "not before its lead time"
    );
    assert_eq!(
        server::jobs::process_work(store.as_ref(), "w2", at(appears))
            .await
            .unwrap(),
        1
    );
    let open = tasks(&cw, &app).await;
    let next_review = open.iter().find(|t| t["kind"] == "annual_review").unwrap();
    assert_eq!(next_review["due_on"], next.to_string().as_str());
}

/// 生活无着流浪乞讨人员 (Liaoning 二(三)3): a person whose identity is not known is helped where
/// found, recorded without a household, once per form; the record (sealed) is listed for the
/// region's staff and not for another city's.
#[tokio::test]
async fn a_person_whose_identity_is_not_known_is_helped_and_recorded_for_the_region() {
    let app = spawn_app().await;
    let cw = login(&app, "demo_caseworker").await;
    let draft = |id_number: &str| {
        json!({ "emergency": { "id": "emergency-test-0021", "person_name": "", "id_number": id_number,
            "region": "", "situation": "夜间低温，身无分文，无处安身", "amount": "300", "advance": true,
            "conference": "", "unidentified": true, "description": "男，约六十岁，灰色棉衣，在甘州区客运站发现" } })
    };
    let refused = post_json(&cw, &app, "/api/cycle/emergency", draft("123")).await;
    assert_eq!(
        refused.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a number nobody checked is not taken"
    );
    let ok = post_json(&cw, &app, "/api/cycle/emergency", draft("")).await;
    assert_eq!(ok.status(), StatusCode::OK, "{}", ok.text().await.unwrap());
    let rec: Value = ok.json().await.unwrap();
    assert_eq!(rec["household_id"], "", "no household to file it under");
    let due = (app::services::today_in_china() + chrono::Days::new(30)).to_string();
    assert_eq!(rec["documents_due"], due.as_str());
    let again: Value = post_json(&cw, &app, "/api/cycle/emergency", draft(""))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], rec["id"], "a retry registers nothing new");
    let list: Vec<Value> = post_form(&cw, &app, "/api/cycle/unidentified_aid", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0]["description"].as_str(),
            list[0]["amount"].as_i64(),
            list[0]["advance"].as_bool()
        ),
        (
            Some("男，约六十岁，灰色棉衣，在甘州区客运站发现"),
            Some(30_000),
            Some(true)
        )
    );
    assert_eq!(
        app.in_database(&["灰色棉衣", "身无分文"]),
        Vec::<&str>::new(),
        "sealed in the database"
    );
    // Another city's administrator sees none of it; a resident may not ask.
    crate::helpers::lanzhou_admin(
        &app,
        "lz_unidentified",
        app::domain::status::AdminDuty::System,
    )
    .await;
    let outsider = app.client();
    let r = app
        .sign_in(
            &outsider,
            "lz_unidentified",
            crate::helpers::LANZHOU_PASSWORD,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let theirs: Vec<Value> = post_form(&outsider, &app, "/api/cycle/unidentified_aid", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty());
    let resident = resident(&app, "13900000621").await;
    assert_eq!(
        post_form(&resident, &app, "/api/cycle/unidentified_aid", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
