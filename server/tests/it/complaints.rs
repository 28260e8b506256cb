//! 投诉举报 through HTTP, on both databases: anonymous filing and tracking, the question and the
//! per-address limit, the handlers' scope, the filer's identity shown to the handler only, a
//! staff member's conduct routed above their office, deadlines and escalation, objections to a
//! notice filed online.

use crate::api::{draft_id, good_draft, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{backends, caseworker, spawn_app_on, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn question(app: &TestApp, c: &Client) -> (String, i64) {
    let r = c
        .post(app.url("/api/complaints/question"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let q: Value = r.json().await.unwrap();
    let answer = q["a"].as_i64().unwrap() + q["b"].as_i64().unwrap();
    (q["token"].as_str().unwrap().to_string(), answer)
}

/// Files `input` (with a fresh question answered right); the answer's status and body.
async fn file(app: &TestApp, c: &Client, mut input: Value) -> (StatusCode, Value) {
    let (id, answer) = question(app, c).await;
    input["question"] = json!(id);
    if input.get("answer").is_none() {
        input["answer"] = json!(answer.to_string());
    }
    let r = post_json(c, app, "/api/complaints/file", json!({ "input": input })).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn fraud(region: &str) -> Value {
    json!({ "kind": "fraud", "region": region, "subject": "王某", "body": "邻居家开着小汽车还领低保，请核查。",
            "filer_name": "李举报", "filer_phone": "13900003301" })
}

async fn track(app: &TestApp, tracking: &str, code: &str) -> (StatusCode, Value) {
    let r = app
        .client()
        .post(app.url("/api/complaints/track"))
        .form(&[("tracking", tracking), ("code", code)])
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn queue(app: &TestApp, c: &Client) -> Vec<Value> {
    let r = c
        .post(app.url("/api/complaints/queue"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Vec<Value>>().await.unwrap()
}

async fn case(app: &TestApp, c: &Client, id: &str) -> (StatusCode, Value) {
    let r = post_form(c, app, "/api/complaints/case", &[("id", id)]).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn anyone_files_a_report_and_follows_it_while_its_handler_alone_sees_who_filed() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let anon = app.client();
        let (s, filed) = file(&app, &anon, fraud("620702100201")).await;
        assert_eq!(s, StatusCode::OK, "{backend}: {filed}");
        let tracking = filed["tracking"].as_str().unwrap().to_string();
        let code = filed["code"].as_str().unwrap().to_string();
        assert!(
            tracking.starts_with("TS") && tracking.len() == 12,
            "{tracking}"
        );
        assert_eq!(code.len(), 12);
        // Due in 15 working days (the example parameter), never on a weekend.
        let due = chrono::NaiveDate::parse_from_str(filed["due_on"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
        assert_eq!(
            due,
            app::domain::complaints::add_working_days(app::services::today_in_china(), 15)
        );

        // Sealed at rest: what was written and who wrote it are not in the database's bytes
        // (the SQLite file read whole; PostgreSQL's columns are the same sealed text).
        if backend == "sqlite" {
            assert_eq!(
                app.in_database(&["小汽车还领低保", "李举报", "13900003301"]),
                Vec::<&str>::new()
            );
        }

        // Followed with the number and the code, typed loosely; a wrong code is "not found".
        let loose = format!("{}-{}", &tracking[..6].to_lowercase(), &tracking[6..]);
        let (s, t) = track(&app, &loose, &code.to_lowercase()).await;
        assert_eq!(s, StatusCode::OK, "{t}");
        assert_eq!(
            (t["state"].as_str(), t["kind"].as_str()),
            (Some("received"), Some("fraud"))
        );
        assert!(t.get("filer_name").is_none() && !t.to_string().contains("李举报"));
        let wrong = if code.starts_with('A') { "B" } else { "A" };
        let (s, _) = track(&app, &tracking, &format!("{wrong}{}", &code[1..])).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The county's caseworkers see it; another county's do not (not even by id).
        let cw = caseworker(&app, "cmp_cw", "620702000000").await;
        let other = caseworker(&app, "cmp_other", "620722000000").await;
        let lines = queue(&app, &cw).await;
        let line = lines
            .iter()
            .find(|l| l["tracking"] == tracking)
            .unwrap_or_else(|| panic!("{lines:?}"));
        assert!(
            !line.to_string().contains("李举报"),
            "the queue shows nothing of the filer"
        );
        let id = line["id"].as_str().unwrap().to_string();
        assert!(queue(&app, &other)
            .await
            .iter()
            .all(|l| l["tracking"] != tracking));
        assert_eq!(case(&app, &other, &id).await.0, StatusCode::NOT_FOUND);
        let anon_case = post_form(&anon, &app, "/api/complaints/case", &[("id", &id)]).await;
        assert_eq!(anon_case.status(), StatusCode::UNAUTHORIZED);

        // Before it is taken, nobody sees who filed; its handler does, and each read is audited.
        let (_, v) = case(&app, &cw, &id).await;
        assert_eq!(v["filer"], Value::Null, "{backend}");
        assert_eq!(v["body"], "邻居家开着小汽车还领低保，请核查。");
        let r = post_form(
            &cw,
            &app,
            "/api/complaints/note",
            &[("id", &id), ("note", "入户")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "a note needs the handler");
        let r = post_form(&cw, &app, "/api/complaints/assign", &[("id", &id)]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let (_, v) = case(&app, &cw, &id).await;
        assert_eq!(v["filer"], json!(["李举报", "13900003301"]));
        assert_eq!(v["line"]["state"], "investigating");
        // A colleague of the same county takes nothing from it and does not see the filer.
        let colleague = caseworker(&app, "cmp_colleague", "620702000000").await;
        let (_, v) = case(&app, &colleague, &id).await;
        assert_eq!(v["filer"], Value::Null);
        let r = post_form(
            &colleague,
            &app,
            "/api/complaints/answer",
            &[("id", &id), ("outcome", "unfounded"), ("reply", "x")],
        )
        .await;
        assert_eq!(
            (
                r.status(),
                r.json::<Value>().await.unwrap()["detail"].as_str()
            ),
            (StatusCode::CONFLICT, Some("complaint_not_yours"))
        );

        // Noted, then answered: the filer reads the outcome and the reply, nothing else.
        let r = post_form(
            &cw,
            &app,
            "/api/complaints/note",
            &[("id", &id), ("note", "已入户核查，车辆登记在他人名下。")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = post_form(
            &cw,
            &app,
            "/api/complaints/answer",
            &[("id", &id), ("outcome", "maybe"), ("reply", "")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields = crate::helpers::fields_named(&r.json::<Value>().await.unwrap());
        assert_eq!(fields, ["outcome", "reply"]);
        let r = post_form(
            &cw,
            &app,
            "/api/complaints/answer",
            &[
                ("id", &id),
                ("outcome", "unfounded"),
                ("reply", "经核查，车辆不属于该户。感谢您的监督。"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = post_form(
            &cw,
            &app,
            "/api/complaints/answer",
            &[("id", &id), ("outcome", "corrected"), ("reply", "again")],
        )
        .await;
        assert_eq!(
            (
                r.status(),
                r.json::<Value>().await.unwrap()["detail"].as_str()
            ),
            (StatusCode::CONFLICT, Some("complaint_answered"))
        );
        let (_, t) = track(&app, &tracking, &code).await;
        assert_eq!(
            (t["state"].as_str(), t["outcome"].as_str()),
            (Some("answered"), Some("unfounded"))
        );
        assert_eq!(t["reply"], "经核查，车辆不属于该户。感谢您的监督。");
        assert!(
            !t.to_string().contains("车辆登记在他人名下"),
            "notes stay with staff"
        );
        let actions = app.audited(100).await;
        for a in [
            "complaint_file",
            "complaint_read",
            "complaint_assign",
            "complaint_note",
            "complaint_answer",
        ] {
            assert!(actions.iter().any(|x| x == a), "{backend}: {a}");
        }
    }
}

#[tokio::test]
async fn a_complaint_needs_its_question_answered_and_one_address_files_a_few_an_hour() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let c = app.client();
        // A wrong answer, a reused question, bad fields: each named, nothing stored.
        let mut bad = fraud("620702100201");
        bad["answer"] = json!("999");
        let (s, e) = file(&app, &c, bad).await;
        assert_eq!(
            (s, e["detail"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("answer"))
        );
        let (qid, answer) = question(&app, &c).await;
        let mut once = fraud("620702100201");
        once["question"] = json!(qid);
        once["answer"] = json!(answer.to_string());
        let r = post_json(
            &c,
            &app,
            "/api/complaints/file",
            json!({ "input": once.clone() }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = post_json(&c, &app, "/api/complaints/file", json!({ "input": once })).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a question is answered once"
        );
        let (s, e) = file(&app, &c, json!({ "kind": "rumour", "region": "62", "body": "", "person_id": "110101199003070000", "filer_phone": "12" })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = crate::helpers::fields_named(&e);
        assert_eq!(
            fields,
            ["kind", "region", "person_id", "body", "filer_phone"],
            "{e}"
        );
        // A valid ID number of the person concerned is kept (sealed).
        let mut with_id = fraud("620702100201");
        with_id["person_id"] = json!(valid_id("62070219800101330"));
        assert_eq!(file(&app, &c, with_id).await.0, StatusCode::OK);
        // The address's hourly limit: five filed, the sixth refused.
        for _ in 0..3 {
            assert_eq!(
                file(&app, &c, fraud("620702100201")).await.0,
                StatusCode::OK
            );
        }
        let (s, _) = file(&app, &c, fraud("620702100201")).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{backend}");
        assert_eq!(
            app.store()
                .complaints_in(&crate::helpers::region("62"), true)
                .await
                .unwrap()
                .len(),
            5
        );
    }
}

#[tokio::test]
async fn conduct_goes_above_the_office_and_an_overdue_complaint_goes_up_a_level() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let c = app.client();
        // A township worker's conduct: the county handles it, the township does not see it.
        let (s, f) = file(
            &app,
            &c,
            json!({ "kind": "conduct", "region": "620702100201", "staff_level": "township",
            "subject": "乡镇工作人员", "body": "办理时索要好处费。" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{f}");
        let township = caseworker(&app, "cmp_town", "620702100000").await;
        let county = caseworker(&app, "cmp_county", "620702000000").await;
        let city = caseworker(&app, "cmp_city", "620700000000").await;
        assert!(
            queue(&app, &township).await.is_empty(),
            "{backend}: not to the office complained of"
        );
        let line = queue(&app, &county)
            .await
            .into_iter()
            .find(|l| l["tracking"] == f["tracking"])
            .unwrap();
        assert_eq!(line["handling_region"], "620702000000");
        // Nor can the county give it to someone of the township it is about.
        let r = post_form(
            &county,
            &app,
            "/api/complaints/assign",
            &[
                ("id", line["id"].as_str().unwrap()),
                ("handler", "cmp_town"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        // The county's own conduct: the city.
        let (_, g) = file(&app, &c, json!({ "kind": "conduct", "region": "620702100201", "staff_level": "county", "body": "态度恶劣。" })).await;
        assert!(queue(&app, &county)
            .await
            .iter()
            .all(|l| l["tracking"] != g["tracking"]));
        assert!(queue(&app, &city)
            .await
            .iter()
            .any(|l| l["tracking"] == g["tracking"]));
        let (s, e) = file(&app, &c, json!({ "kind": "conduct", "region": "620702100201", "staff_level": "ministry", "body": "x" })).await;
        assert_eq!(
            (s, e["detail"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("staff_level"))
        );

        // Overdue: the job moves it to the city with a new deadline, once, and says so to the filer.
        let id = line["id"].as_str().unwrap().to_string();
        let store = app.store();
        let past = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let county_code = crate::helpers::region("620702000000");
        assert!(store
            .escalate_complaint(&id, &county_code, &county_code, past, 1)
            .await
            .unwrap());
        let moved = app::api::complaints::escalate_overdue(store.as_ref())
            .await
            .unwrap();
        assert_eq!(moved, 1, "{backend}");
        assert_eq!(
            app::api::complaints::escalate_overdue(store.as_ref())
                .await
                .unwrap(),
            0
        );
        let line = queue(&app, &city)
            .await
            .into_iter()
            .find(|l| l["id"] == id.as_str())
            .unwrap();
        assert_eq!(
            (line["handling_region"].as_str(), line["overdue"].as_bool()),
            (Some("620700000000"), Some(false))
        );
        assert!(
            queue(&app, &county)
                .await
                .iter()
                .all(|l| l["id"] != id.as_str()),
            "{backend}"
        );
        let actions: Vec<String> = store
            .recent_audit(50)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.iter().any(|a| a == "complaint_escalate"));
    }
}

#[tokio::test]
async fn the_public_objects_to_a_notice_online_and_the_case_shows_it() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let cw = crate::household::login(&app, "demo_caseworker", "Demo2026pass").await;
        let r = resident(&app, "13900003311").await;
        let d = draft_id(&r, &app).await;
        let mut draft = good_draft(&[valid_id("62070219700101331")]);
        draft.members[0].name = "周异议".into();
        let sent = submit(&r, &app, &d, &draft).await;
        let number = sent.json::<Value>().await.unwrap()["number"]
            .as_str()
            .unwrap()
            .to_string();
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
        let decided = post_json(&cw, &app, "/api/casework/decide", json!({ "number": number, "decision": { "category": "dibao", "monthly_amount": "300", "adjustment_reason": "按核实收入", "effective_from": today } })).await;
        assert_eq!(decided.status(), StatusCode::OK);
        // The notice's reference, from the public notice itself.
        let notices: Value = app
            .client()
            .post(app.url("/api/casework/notices"))
            .form(&[("region_code", "620702100201")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let reference = notices["rows"][0]["notice_ref"]
            .as_str()
            .unwrap()
            .to_string();
        let anon = app.client();
        let (s, f) = file(
            &app,
            &anon,
            json!({ "kind": "notice_objection", "region": "620702100201", "notice_ref": reference,
            "body": "该户儿子在城里有房有车。" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend}: {f}");
        // Another village's reference, or none: refused.
        let (s, e) = file(&app, &anon, json!({ "kind": "notice_objection", "region": "620702100202", "notice_ref": reference, "body": "x" })).await;
        assert_eq!(
            (s, e["detail"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("notice_ref"))
        );
        // The county's handlers see the application it is about.
        let lines = queue(&app, &cw).await;
        let line = lines
            .iter()
            .find(|l| l["tracking"] == f["tracking"])
            .unwrap();
        let (_, v) = case(&app, &cw, line["id"].as_str().unwrap()).await;
        assert_eq!(v["application_number"], number.as_str(), "{backend}");
        assert_eq!(v["line"]["kind"], "notice_objection");
        // The application's own case shows it beside the objections entered by staff, so the
        // decision is not made final without it being seen.
        let r = post_form(
            &cw,
            &app,
            "/api/casework/case",
            &[("number", number.as_str())],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let case_state: Value = r.json().await.unwrap();
        assert_eq!(
            case_state["public_objections"][0][0], f["tracking"],
            "{backend}: {case_state}"
        );
        assert_eq!(case_state["public_objections"][0][1], "received");
    }
}

async fn attach(
    app: &TestApp,
    tracking: &str,
    code: &str,
    name: &str,
    bytes: Vec<u8>,
) -> StatusCode {
    let form = reqwest::multipart::Form::new()
        .text("tracking", tracking.to_string())
        .text("code", code.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    app.client()
        .post(app.url("/complaints/files"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_filer_attaches_files_with_the_code_and_only_the_handling_region_reads_them() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let (_, f) = file(&app, &app.client(), fraud("620702100201")).await;
        let (tracking, code) = (f["tracking"].as_str().unwrap(), f["code"].as_str().unwrap());
        let png = crate::api::png();
        // Not theirs without the code; a file that is not what it says is refused.
        assert_eq!(
            attach(&app, tracking, "AAAAAAAAAAAA", "a.png", png.clone()).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            attach(&app, tracking, code, "a.png", b"not an image".to_vec()).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        for i in 0..5 {
            assert_eq!(
                attach(&app, tracking, code, &format!("现场{i}.png"), png.clone()).await,
                StatusCode::OK,
                "{backend}"
            );
        }
        assert_eq!(
            attach(&app, tracking, code, "six.png", png.clone()).await,
            StatusCode::CONFLICT,
            "five at most"
        );
        if backend == "sqlite" {
            assert_eq!(
                app.in_database(&["现场0.png"]),
                Vec::<&str>::new(),
                "the file's name is sealed"
            );
        }
        // The county's caseworker reads them from the case; another county's and a resident cannot.
        let cw = caseworker(&app, "cmpf_cw", "620702000000").await;
        let other = caseworker(&app, "cmpf_other", "620722000000").await;
        let line = queue(&app, &cw)
            .await
            .into_iter()
            .find(|l| l["tracking"] == tracking)
            .unwrap();
        let (_, v) = case(&app, &cw, line["id"].as_str().unwrap()).await;
        let files = v["files"].as_array().unwrap();
        assert_eq!(files.len(), 5);
        assert_eq!(files[0][1], "现场0.png");
        let path = format!("/complaints/files/{}", files[0][0].as_str().unwrap());
        let r = cw.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap().to_vec(), png);
        assert_eq!(
            other.get(app.url(&path)).send().await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
        let res = resident(&app, "13900003341").await;
        assert_eq!(
            res.get(app.url(&path)).send().await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.client()
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED
        );
        let actions = app.audited(100).await;
        assert!(
            actions.iter().any(|a| a == "complaint_file_add")
                && actions.iter().any(|a| a == "complaint_file_read")
        );
    }
}
