//! Policy parameters, assessments and reassessments through HTTP on a spawned app with the
//! example parameters (demo mode): what an administrator and a resident see, and what is stored.

use crate::api::{draft_id, good_draft, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{spawn_app, TestApp};
use app::domain::policy::{assess, resolve, Category, HouseholdFacts};
use app::domain::region::RegionCode;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn staff(app: &TestApp, login: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, "Demo2026pass").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    c
}

fn form(key: &str, region: &str, residence: &str, value: &str, from: &str) -> Value {
    json!({ "form": { "key": key, "region_code": region, "residence": residence, "value": value, "effective_from": from, "source": "测试：县政府文件第1条" } })
}

fn today() -> String {
    app::services::today_in_china().to_string()
}

/// The seeded demo household: two people in a rural village of Ganzhou, 750.00 yuan a month,
/// 38,000 yuan medical spending, head seriously ill: Dibao under the example standard 580.00.
async fn demo_application(app: &TestApp) -> String {
    let s = app.store();
    let all = s
        .assessed_households(&crate::helpers::region("62"))
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    all[0].number.clone()
}

#[tokio::test]
async fn the_parameters_in_force_are_public_and_labelled_as_examples() {
    let app = spawn_app().await;
    let r = post_form(
        &app.client(),
        &app,
        "/api/policy/in_force",
        &[("region_code", "620702100201"), ("residence", "rural")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: app::domain::policy::ParameterSet = r.json().await.unwrap();
    let std = p.get(app::domain::policy::ParamKey::DibaoStandard).unwrap();
    assert_eq!(
        (std.value, std.region.as_str(), std.example),
        (58_000, "620702000000", true)
    );
    // Urban Ganzhou inherits the city's value.
    let r = post_form(
        &app.client(),
        &app,
        "/api/policy/in_force",
        &[("region_code", "620702100201"), ("residence", "urban")],
    )
    .await;
    let p: app::domain::policy::ParameterSet = r.json().await.unwrap();
    assert_eq!(
        p.value(app::domain::policy::ParamKey::DibaoStandard),
        Some(77_000)
    );
    let r = post_form(
        &app.client(),
        &app,
        "/api/policy/in_force",
        &[("region_code", "x"), ("residence", "rural")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_submission_records_the_same_assessment_the_browser_computes() {
    let app = spawn_app().await;
    let c = resident(&app, "13900000301").await;
    let d = draft_id(&c, &app).await;
    let mut draft = good_draft(&[valid_id("62070219700101301"), valid_id("62070219720202302")]);
    draft.income_wages = "900".into();
    let r = submit(&c, &app, &d, &draft).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let number = r.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();

    let view = post_form(
        &c,
        &app,
        "/api/applications/get_application",
        &[("number", &number)],
    )
    .await;
    assert_eq!(view.status(), StatusCode::OK);
    let view: app::api::types::ApplicationView = view.json().await.unwrap();
    let stored = view
        .assessment
        .expect("assessment recorded with the submission");
    assert_eq!(stored.reason, "submission");

    // What the browser does: facts from the draft, parameters in force, the same function.
    let p = post_form(
        &c,
        &app,
        "/api/policy/in_force",
        &[("region_code", "620702100201"), ("residence", "rural")],
    )
    .await;
    let p: app::domain::policy::ParameterSet = p.json().await.unwrap();
    let estimate = assess(
        &HouseholdFacts::from_draft(&draft, app::services::today_in_china()),
        &p,
    );
    assert_eq!(stored.assessment, estimate);
    // The parameters it applied are kept with it (stored once per set, read back whole).
    assert_eq!(stored.parameters, p);
    // 900.00 for two people is 450.00 each, under the 580.00 standard.
    assert_eq!(stored.assessment.household.primary(), Some(Category::Dibao));
}

#[tokio::test]
async fn administrators_add_and_schedule_values_within_their_region_and_bounds() {
    let app = spawn_app().await;
    let admin = staff(&app, "demo_admin").await;
    let add = |body: Value| {
        let admin = admin.clone();
        let app = &app;
        async move { post_json(&admin, app, "/api/policy/add_parameter", body).await }
    };
    // The 渐退期 may not exceed six months.
    let r = add(form("taper_months", "620702", "", "7", "2027-01-01")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0]["code"],
        "out_of_bounds"
    );
    let r = add(form(
        "dibao_standard",
        "620702",
        "rural",
        "600",
        "2020-01-01",
    ))
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0]["code"],
        "date_in_past"
    );
    let r = add(form("dibao_standard", "62", "rural", "600", "2027-01-01")).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a city administrator cannot set the province's value"
    );
    let r = add(form(
        "dibao_standard",
        "620702100",
        "rural",
        "600",
        "2027-01-01",
    ))
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0]["code"],
        "region_level"
    );
    let r = post_json(&admin, &app, "/api/policy/add_parameter", json!({ "form": { "key": "dibao_standard", "region_code": "620702", "residence": "rural", "value": "600", "effective_from": "2027-01-01", "source": "" } })).await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0]["field"],
        "source"
    );
    let caseworker = staff(&app, "demo_caseworker").await;
    let r = post_json(
        &caseworker,
        &app,
        "/api/policy/add_parameter",
        form("dibao_standard", "620702", "rural", "600", "2027-01-01"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = add(form(
        "dibao_standard",
        "620702",
        "rural",
        "600.50",
        "2027-01-01",
    ))
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let id: i64 = r.json().await.unwrap();
    let rows: Vec<Value> = post_form(&admin, &app, "/api/policy/parameters", &[])
        .await
        .json()
        .await
        .unwrap();
    let scheduled = rows.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(
        (
            scheduled["value"].as_i64(),
            scheduled["status"].as_str(),
            scheduled["example"].as_bool()
        ),
        (Some(60_050), Some("pending"), Some(false)),
        "a value entered waits for the security administrator's approval"
    );
    let example = rows
        .iter()
        .find(|r| {
            r["key"] == "dibao_standard" && r["region_code"] == "620702000000" && r["id"] != id
        })
        .unwrap();
    assert_eq!(example["status"], "in_force");
    assert!(
        rows.iter().any(|r| r["region_code"] == "620000000000"),
        "inherited province values are listed"
    );
    assert!(
        !rows.iter().any(|r| r["region_code"] == "210000000000"),
        "another province's values are not"
    );

    // A scheduled value can be withdrawn; a value in force cannot (history stays).
    let r = post_form(
        &admin,
        &app,
        "/api/policy/withdraw_parameter",
        &[("id", &example["id"].to_string())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = post_form(
        &admin,
        &app,
        "/api/policy/withdraw_parameter",
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows: Vec<Value> = post_form(&admin, &app, "/api/policy/parameters", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rows.iter().find(|r| r["id"] == id).unwrap()["status"],
        "withdrawn"
    );
}

#[tokio::test]
async fn what_if_counts_households_entering_and_leaving_each_category_by_county() {
    let app = spawn_app().await;
    let admin = staff(&app, "demo_admin").await;
    let parameters_before = app.store().policy_parameters().await.unwrap().len();
    // A rural standard of 100.00: the demo household (375.00 per person) is no longer Dibao
    // nor marginal (150.00), but its medical spending makes it a rigid-expense household.
    let r = post_json(
        &admin,
        &app,
        "/api/policy/what_if",
        form("dibao_standard", "620702", "rural", "100", &today()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let report: app::api::policy::WhatIfReport = r.json().await.unwrap();
    assert_eq!((report.households, report.changed), (1, 1));
    let row = |c: Category| {
        report
            .rows
            .iter()
            .find(|r| r.category == c)
            .map(|r| (r.region_code.as_str(), r.enter, r.leave))
    };
    assert_eq!(row(Category::Dibao), Some(("620702000000", 0, 1)));
    assert_eq!(row(Category::RigidExpense), Some(("620702000000", 1, 0)));
    // Nothing was stored: the household's record is unchanged and no change was added.
    let number = demo_application(&app).await;
    assert_eq!(
        app.store()
            .latest_assessment(&number)
            .await
            .unwrap()
            .unwrap()
            .stored
            .categories
            .codes(),
        "dibao"
    );
    assert_eq!(
        app.store().policy_parameters().await.unwrap().len(),
        parameters_before
    );
    // An unchanged standard changes nobody.
    let r = post_json(
        &admin,
        &app,
        "/api/policy/what_if",
        form("dibao_standard", "620702", "rural", "580", &today()),
    )
    .await;
    let report: app::api::policy::WhatIfReport = r.json().await.unwrap();
    assert_eq!((report.changed, report.rows.len()), (0, 0));
}

#[tokio::test]
async fn a_change_taking_effect_proposes_reassessments_once_and_edits_nothing() {
    let app = spawn_app().await;
    let admin = staff(&app, "demo_admin").await;
    let number = demo_application(&app).await;
    // The example values took effect before: the first run proposes nothing.
    let proposed = || async {
        server::jobs::run_once(app.store().as_ref(), "test-worker")
            .await
            .unwrap()
            .proposed
    };
    assert_eq!(proposed().await, 0);
    let r = post_json(
        &admin,
        &app,
        "/api/policy/add_parameter",
        form("dibao_standard", "620702", "rural", "100", &today()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let change: i64 = r.json().await.unwrap();
    assert_eq!(
        proposed().await,
        0,
        "a value waiting for approval proposes nothing"
    );
    let security = staff(&app, "demo_security").await;
    let r = post_form(
        &security,
        &app,
        "/api/policy/decide_parameter",
        &[("id", &change.to_string()), ("approve", "true")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(proposed().await, 1);
    assert_eq!(proposed().await, 0, "a change is processed once");

    let caseworker = staff(&app, "demo_caseworker").await;
    let list: Vec<app::api::policy::ProposalView> =
        post_form(&caseworker, &app, "/api/policy/proposals", &[])
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0].number.as_str(),
            list[0].from.clone(),
            list[0].to.clone()
        ),
        (
            number.as_str(),
            vec![Category::Dibao],
            vec![Category::RigidExpense]
        )
    );
    // A proposal, not an edit: the recorded assessment is still the submission's.
    assert_eq!(
        app.store()
            .latest_assessment(&number)
            .await
            .unwrap()
            .unwrap()
            .reason,
        "submission"
    );
    // The caseworker accepts: the proposal becomes the recorded assessment, once.
    let id = list[0].id.to_string();
    let r = post_form(
        &admin,
        &app,
        "/api/policy/decide_proposal",
        &[("id", &id), ("accept", "true")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "deciding is the caseworker's"
    );
    let r = post_form(
        &caseworker,
        &app,
        "/api/policy/decide_proposal",
        &[("id", &id), ("accept", "true")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rec = app
        .store()
        .latest_assessment(&number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (rec.reason.as_str(), rec.stored.categories.codes().as_str()),
        ("reassessment", "rigid_expense")
    );
    let r = post_form(
        &caseworker,
        &app,
        "/api/policy/decide_proposal",
        &[("id", &id), ("accept", "false")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // A resident sees no proposals.
    let c = resident(&app, "13900000302").await;
    let r = post_form(&c, &app, "/api/policy/proposals", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[test]
fn the_example_parameters_cover_every_key_for_both_provinces() {
    let rows = app::domain::policy::examples::example_rows(0);
    for village in ["620702100201", "210102001001"] {
        let region = RegionCode::parse(village).unwrap();
        for residence in [
            app::domain::declaration::Residence::Urban,
            app::domain::declaration::Residence::Rural,
        ] {
            let p = resolve(
                &rows,
                &region,
                Some(residence),
                app::domain::policy::examples::examples_effective_from(),
            );
            for key in app::domain::policy::ParamKey::ALL {
                assert!(
                    p.get(*key).is_some(),
                    "{village} {residence:?} lacks {key:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_caseworker_records_verified_facts_and_the_household_is_reassessed() {
    let app = spawn_app().await;
    let c = resident(&app, "13900000303").await;
    let d = draft_id(&c, &app).await;
    // A lone 76-year-old with no labour capacity and no income.
    let mut draft = good_draft(&[valid_id("62070219500101303")]);
    draft.members[0].work_status = "retired".into();
    draft.members[0].labour_capacity = "none".into();
    draft.income_wages = "0".into();
    let r = submit(&c, &app, &d, &draft).await;
    let number = r.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let before = app
        .store()
        .latest_assessment(&number)
        .await
        .unwrap()
        .unwrap();
    // Whether a legal supporter can support is not declared: Tekun stays possible.
    let a: app::domain::policy::Assessment =
        serde_json::from_str(&before.stored.assessment_json).unwrap();
    assert_eq!(a.members[0].categories.primary(), Some(Category::Dibao));
    assert!(a.members[0].possible.contains(Category::Tekun));

    let verified = json!({ "number": number, "verification": {
        "members": [{ "supporter_able": false, "support_mode": "dispersed", "care_need": "partly_dependent" }],
        "relapse_watch": true, "other_hardship_reason": "", "currently_dibao": false } });
    let r = post_json(
        &c,
        &app,
        "/api/policy/record_verification",
        verified.clone(),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "residents cannot verify their own case"
    );
    let caseworker = staff(&app, "demo_caseworker").await;
    let mut two = verified.clone();
    two["verification"]["members"] = json!([{}, {}]);
    let r = post_json(&caseworker, &app, "/api/policy/record_verification", two).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_json(
        &caseworker,
        &app,
        "/api/policy/record_verification",
        verified,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    let view: app::api::types::ApplicationView = post_form(
        &c,
        &app,
        "/api/applications/get_application",
        &[("number", &number)],
    )
    .await
    .json()
    .await
    .unwrap();
    let stored = view.assessment.unwrap();
    assert_eq!(stored.reason, "verification");
    let m = stored.assessment.members[0];
    assert_eq!(m.categories.primary(), Some(Category::Tekun));
    assert!(m.categories.contains(Category::RelapseWatch));
    assert_eq!(
        m.support_mode,
        Some(app::domain::policy::facts::SupportMode::Dispersed)
    );
    assert!(
        stored
            .assessment
            .entitled_to(app::domain::policy::EntitlementKind::Housing),
        "dispersed Tekun may get housing aid"
    );
    // The submission's assessment stays in the record; the timeline shows the reassessment.
    assert_eq!(before.reason, "submission");
    assert_eq!(
        view.events.last().map(|e| e.kind.code()),
        Some("reassessed")
    );
    let history: Vec<&str> = view
        .assessment_history
        .iter()
        .map(|e| e.reason.as_str())
        .collect();
    assert_eq!(history, vec!["submission", "verification"]);
    assert!(view.assessment_history[1]
        .categories
        .contains(&Category::Tekun));
}
