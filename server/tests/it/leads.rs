//! 基层上报 through HTTP, on both databases: a grid worker's report is a lead for the caseworkers
//! of its region only, with its photos; a caseworker records the household's consent and makes
//! its application on its behalf in the household's own account, which the household then
//! claims by registering with its number; or closes the lead with a reason.

use crate::api::{good_draft, png, post_form, post_json, valid_id};
use crate::helpers::{backends, caseworker, grid_worker, spawn_app_on, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn report(c: &Client, app: &TestApp, report: Value) -> (StatusCode, Value) {
    let r = post_json(c, app, "/api/leads/report", json!({ "report": report })).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn photo(c: &Client, app: &TestApp, lead: &str) -> StatusCode {
    let form = reqwest::multipart::Form::new()
        .text("lead", lead.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(png()).file_name("屋顶.png"),
        );
    c.post(app.url("/leads/files"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
}

async fn answer(r: reqwest::Response) -> (StatusCode, Value) {
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_grid_workers_report_becomes_an_application_made_on_the_households_behalf() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let grid = grid_worker(&app, "grid_yingen", "620702100201").await;
        let other_grid = grid_worker(&app, "grid_other", "620702100202").await;
        let cw = caseworker(&app, "lead_cw", "620702000000").await;
        let outsider = caseworker(&app, "lead_sunan", "620721000000").await;
        let head = valid_id("62070219560101550");

        // What was seen and who are required; a bad phone number is named.
        let (s, body) = report(
            &grid,
            &app,
            json!({"seen": " ", "who": "", "contact_phone": "123"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert_eq!(
            crate::helpers::fields_named(&body),
            ["seen", "who", "contact_phone"]
        );
        // Only grid workers report.
        let (s, _) = report(&cw, &app, json!({"seen": "x", "who": "y"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, id) = report(
            &grid,
            &app,
            json!({
                "seen": "独居老人，冬天没有取暖，屋顶漏雨",
                "who": "王守田",
                "address": "迎恩村三组12号",
                "contact_phone": "139 0000 5501",
                "id_numbers": head,
            }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend}: {id}");
        let id = id.as_str().unwrap().to_string();
        // Sealed at rest: neither what was seen nor the ID number is in the database's bytes
        // (the SQLite file read whole; PostgreSQL's columns are the same sealed text).
        if backend == "sqlite" {
            assert!(app.in_database(&["屋顶漏雨", &head, "王守田"]).is_empty());
        }
        assert_eq!(photo(&grid, &app, &id).await, StatusCode::OK);
        // Another village's grid worker cannot attach to it.
        assert_eq!(photo(&other_grid, &app, &id).await, StatusCode::NOT_FOUND);

        // The reporter follows it.
        let (_, mine) = answer(post_form(&grid, &app, "/api/leads/mine", &[]).await).await;
        assert_eq!(
            (&mine[0]["id"], &mine[0]["state"], &mine[0]["files"]),
            (&json!(id), &json!("open"), &json!(1))
        );
        let (_, theirs) = answer(post_form(&other_grid, &app, "/api/leads/mine", &[]).await).await;
        assert_eq!(theirs, json!([]));

        // The caseworkers of the county see it with its source; another county's do not.
        let (s, queue) = answer(post_form(&cw, &app, "/api/leads/queue", &[]).await).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (
                &queue[0]["id"],
                &queue[0]["source"],
                &queue[0]["reporter"],
                &queue[0]["region_name"]
            ),
            (
                &json!(id),
                &json!("grid_worker"),
                &json!("grid_yingen的名字"),
                &json!("迎恩村村民委员会")
            )
        );
        let (_, none) = answer(post_form(&outsider, &app, "/api/leads/queue", &[]).await).await;
        assert_eq!(none, json!([]));
        let r = post_form(&outsider, &app, "/api/leads/case", &[("id", &id)]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = post_form(&grid, &app, "/api/leads/queue", &[]).await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "a grid worker sees no queue"
        );

        let (s, case) = answer(post_form(&cw, &app, "/api/leads/case", &[("id", &id)]).await).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (
                &case["seen"],
                &case["contact_phone"],
                &case["id_numbers"],
                case["files"].as_array().map(Vec::len)
            ),
            (
                &json!("独居老人，冬天没有取暖，屋顶漏雨"),
                &json!("13900005501"),
                &json!([head]),
                Some(1)
            )
        );
        assert_eq!(app.audited(1).await, ["lead_read"]);
        let file = case["files"][0][0].as_str().unwrap().to_string();
        let r = cw
            .get(app.url(&format!("/leads/files/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap().to_vec(), png());
        let r = outsider
            .get(app.url(&format!("/leads/files/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // No application before the household consents.
        let r = post_form(&cw, &app, "/api/leads/proxy_draft", &[("lead", &id)]).await;
        assert_eq!(
            answer(r).await,
            (
                StatusCode::CONFLICT,
                json!({"kind": "refused", "detail": "lead_no_consent"})
            )
        );
        let future = (app::services::today_in_china() + chrono::Days::new(2)).to_string();
        let (s, body) = answer(
            post_form(
                &cw,
                &app,
                "/api/leads/consent",
                &[
                    ("consent[lead]", id.as_str()),
                    ("consent[by]", ""),
                    ("consent[form]", "nodded"),
                    ("consent[on]", &future),
                    ("consent[phone]", "5501"),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            crate::helpers::fields_named(&body),
            ["by", "form", "on", "phone"]
        );
        let today = app::services::today_in_china().to_string();
        let r = post_form(
            &cw,
            &app,
            "/api/leads/consent",
            &[
                ("consent[lead]", id.as_str()),
                ("consent[by]", "王守田"),
                ("consent[form]", "signed_form"),
                ("consent[on]", &today),
                ("consent[phone]", "13900005501"),
                ("consent[note]", "入户宣读告知书后本人签字"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        // The household's own account, made for its number, with a password nobody knows.
        let account = app
            .store()
            .user_by_login("13900005501")
            .await
            .unwrap()
            .expect("the household's account");
        assert_eq!(account.role, app::domain::status::Role::Resident);
        assert!(account.must_change_password);

        // The declaration begins from the report.
        let (s, draft) =
            answer(post_form(&cw, &app, "/api/leads/proxy_draft", &[("lead", &id)]).await).await;
        assert_eq!(s, StatusCode::OK, "{backend}: {draft}");
        assert_eq!(
            (
                &draft["proxy_for"],
                &draft["data"]["region_code"],
                &draft["data"]["members"][0]["name"],
                &draft["data"]["members"][0]["id_number"],
                &draft["data"]["contact_phone"]
            ),
            (
                &json!(id),
                &json!("620702100201"),
                &json!("王守田"),
                &json!(head),
                &json!("13900005501")
            )
        );
        let draft_id = draft["id"].as_str().unwrap().to_string();
        let data = good_draft(std::slice::from_ref(&head));
        let r = post_json(
            &cw,
            &app,
            "/api/leads/proxy_save",
            json!({"lead": id, "save": {"draft_id": draft_id, "data": data}}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        // An outsider cannot save or submit it.
        let r = post_json(
            &outsider,
            &app,
            "/api/leads/proxy_submit",
            json!({"lead": id, "save": {"draft_id": draft_id, "data": data}}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let (s, receipt) = answer(
            post_json(
                &cw,
                &app,
                "/api/leads/proxy_submit",
                json!({"lead": id, "save": {"draft_id": draft_id, "data": data}}),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend}: {receipt}");
        let number = receipt["number"].as_str().unwrap().to_string();
        let stored = app.store().application(&number).await.unwrap().unwrap();
        assert_eq!(stored.owner_id, account.id, "in the household's account");
        assert_eq!(
            app.audited(2).await,
            ["lead_converted", "submit_proxy"],
            "{backend}"
        );
        // Its case says where it came from and who consented.
        let (_, case) =
            answer(post_form(&cw, &app, "/api/casework/case", &[("number", &number)]).await).await;
        assert_eq!(
            case["made_for"],
            json!({"reporter": "grid_yingen的名字", "consent_by": "王守田",
                   "consent_form": "signed_form", "consent_on": today})
        );

        // The lead is done: out of the open queue, converted for its reporter, not closable.
        let (_, queue) = answer(post_form(&cw, &app, "/api/leads/queue", &[]).await).await;
        assert_eq!(queue, json!([]));
        let (_, all) =
            answer(post_form(&cw, &app, "/api/leads/queue", &[("done", "true")]).await).await;
        assert_eq!(
            (&all[0]["state"], &all[0]["application_number"]),
            (&json!("converted"), &json!(number))
        );
        let (_, mine) = answer(post_form(&grid, &app, "/api/leads/mine", &[]).await).await;
        assert_eq!(mine[0]["state"], "converted");
        let r = post_form(
            &cw,
            &app,
            "/api/leads/close",
            &[("id", id.as_str()), ("reason", "declined"), ("note", "")],
        )
        .await;
        assert_eq!(
            answer(r).await,
            (
                StatusCode::CONFLICT,
                json!({"kind": "refused", "detail": "lead_done"})
            )
        );

        // The household registers with its number and finds its application there.
        let household = crate::api::resident(&app, "13900005501").await;
        let (_, apps) =
            answer(post_form(&household, &app, "/api/applications/mine", &[]).await).await;
        assert_eq!(apps[0]["number"], json!(number), "{backend}");
        // Claimed: its password is the household's own from now on (registering again with
        // the number is `phone_taken`, as for any account).
        assert!(
            !app.store()
                .user_by_login("13900005501")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );
    }
}

#[tokio::test]
async fn a_lead_is_closed_with_a_reason_and_grid_workers_belong_to_a_village() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let grid = grid_worker(&app, "grid_close", "620702100201").await;
        let cw = caseworker(&app, "close_cw", "620702100000").await;
        let (_, id) = report(&grid, &app, json!({"seen": "孩子辍学在家", "who": "李家"})).await;
        let id = id.as_str().unwrap().to_string();
        let r = post_form(
            &cw,
            &app,
            "/api/leads/close",
            &[("id", id.as_str()), ("reason", "because"), ("note", "")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = post_form(
            &cw,
            &app,
            "/api/leads/close",
            &[
                ("id", id.as_str()),
                ("reason", "already_covered"),
                ("note", "已在低保"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let (_, mine) = answer(post_form(&grid, &app, "/api/leads/mine", &[]).await).await;
        assert_eq!(
            (&mine[0]["state"], &mine[0]["close_reason"]),
            (&json!("closed"), &json!("already_covered"))
        );
        assert_eq!(app.audited(1).await, ["lead_close"]);
        // A closed lead takes no more photos.
        assert_eq!(photo(&grid, &app, &id).await, StatusCode::CONFLICT);

        // The system administrator makes grid workers for a village only.
        let admin = app.client();
        assert_eq!(
            app.sign_in(&admin, "demo_admin", "Demo2026pass")
                .await
                .status(),
            StatusCode::OK
        );
        let make = |region: &'static str, login: &'static str| {
            let admin = admin.clone();
            let url = app.url("/api/accounts/create_staff");
            async move {
                admin
                    .post(url)
                    .form(&[
                        ("staff[login]", login),
                        ("staff[display_name]", "网格员"),
                        ("staff[role]", "grid_worker"),
                        ("staff[region_code]", region),
                        ("staff[password]", "Grid-worker-2026"),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let (s, body) = answer(make("620702100000", "grid_town").await).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(crate::helpers::fields_named(&body), ["region_code"]);
        assert_eq!(
            make("620702100202", "grid_village").await.status(),
            StatusCode::OK
        );
    }
}
