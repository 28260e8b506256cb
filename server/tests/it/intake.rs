//! 现有对象直接纳入 through HTTP, on both databases: a county's caseworker takes in its Dibao
//! roster (GBK CSV, as Excel saves it) as households with members, amounts and start dates;
//! a household already in the database is merged, not doubled; bad rows are reported with
//! their reasons; the same file again adds nothing; the people taken in are monitored from the
//! next department file; a relapse-watch listing is never screened again.

use crate::api::{post_form, valid_id};
use crate::helpers::{backends, caseworker, region, spawn_app_on, TestApp};
use crate::rosters::household_in_assistance;
use reqwest::{multipart, Client, StatusCode};
use serde_json::Value;

async fn take_in(c: &Client, app: &TestApp, roster: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    send_roster(c, app, roster, bytes, false).await
}

/// `check`: only checked (reported, nothing stored).
async fn send_roster(
    c: &Client,
    app: &TestApp,
    roster: &str,
    bytes: Vec<u8>,
    check: bool,
) -> (StatusCode, Value) {
    let form = multipart::Form::new()
        .text("roster", roster.to_string())
        .text("check", if check { "1" } else { "" })
        .part("file", multipart::Part::bytes(bytes).file_name("名册.csv"));
    let r = c
        .post(app.url("/intake"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// The households of the county 620702 holding this ID number (of any member).
async fn households_of(app: &TestApp, id_number: &str) -> Vec<app::store::HouseholdSummary> {
    app.store()
        .search_households(app::store::HouseholdQuery {
            id_number: Some(id_number.to_string()),
            ..app::store::HouseholdQuery::within(region("620702"), 5)
        })
        .await
        .unwrap()
}

/// The one household of the county 620702 holding this ID number.
async fn household_of(app: &TestApp, id_number: &str) -> app::store::HouseholdSummary {
    households_of(app, id_number)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no household holds {id_number}"))
}

#[tokio::test]
async fn a_dibao_roster_becomes_households_merged_with_known_ones_and_monitored() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let cw = caseworker(&app, "intake_cw", "620702000000").await;
        // A household already in the database (applied online, in assistance).
        household_in_assistance(
            &app,
            &cw,
            "13900008801",
            "62070219550101881",
            "老户主",
            "迎恩村",
            "300",
        )
        .await;
        let known = valid_id("62070219550101881");
        let (a, a_wife, a_child) = (
            valid_id("62070219700101882"),
            valid_id("62070219720101883"),
            valid_id("62070220100101884"),
        );
        let known_spouse = valid_id("62070219570101885");
        let elsewhere = valid_id("62072219700101886");
        let watched = valid_id("62070219800101887");
        let text = format!(
            "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,家庭住址,联系电话,月保障金额,纳入日期,城乡类别,备注\r\n\
             {a},{a},王户主,户主,620702100201,迎恩村一组,13900008811,400,2022-03-01,农村,\r\n\
             {a},{a_wife},李妻,配偶,620702100201,迎恩村一组,,350,2022-03-01,农村,\r\n\
             {a},{a_child},王子,子,620702100201,迎恩村一组,,300,2022-03-01,,\r\n\
             {known},{known_spouse},老伴,配偶,620702100201,迎恩村,,300,2021-01-01,,\r\n\
             {a},{a_child},王子,表亲,620702100201,,,300,2022-03-01,,\r\n\
             {elsewhere},{elsewhere},外县,户主,620722100201,,,300,2022-03-01,,\r\n\
             {a_wife},{known},老户主,户主,620702100201,,,300,2022-03-01,,\r\n"
        );
        let (status, report) = take_in(&cw, &app, "dibao", gbk(&text)).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let counts = [
            "rows_read",
            "taken",
            "merged",
            "households_new",
            "already",
            "invalid",
        ]
        .map(|k| report[k].as_i64().unwrap());
        // 7 rows: 4 taken (3 of a new household, 1 merged into the known one), 3 refused.
        assert_eq!(counts, [7, 4, 1, 1, 0, 3], "{report}");
        assert_eq!(
            report["problems"],
            serde_json::json!([
                [6, "relation_unknown"],
                [7, "region_outside"],
                [8, "household_mismatch"]
            ])
        );
        assert_eq!(report["ignored_columns"], serde_json::json!(["备注"]));
        // The new household is decided from its listings; the known one keeps the decision
        // made here.
        assert_eq!(
            (
                report["decided"].as_i64(),
                report["decisions_kept"].as_i64()
            ),
            (Some(1), Some(1)),
            "{report}"
        );

        // The same file again: nothing new.
        let (_, again) = take_in(&cw, &app, "dibao", gbk(&text)).await;
        assert_eq!(
            (
                again["taken"].as_i64(),
                again["already"].as_i64(),
                again["decided"].as_i64()
            ),
            (Some(0), Some(4), Some(0)),
            "{again}"
        );

        // The new household: found by a member's ID number, in assistance since its start
        // date, its amounts in the chain, its listings on its file.
        let found = crate::api::post_json(
            &cw,
            &app,
            "/api/cycle/search",
            serde_json::json!({ "query": { "id_number": a_child, "name": "", "standing": "" } }),
        )
        .await;
        assert_eq!(found.status(), StatusCode::OK);
        let found: Value = found.json().await.unwrap();
        let rows = found.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{found}");
        assert_eq!(
            rows[0]["head_name"], "王户主",
            "the roster's head names the household"
        );
        // A person taken in is found by name too, whole or given name (as a declared one is),
        // also one taken into a household that applied online.
        for (name, head) in [("李妻", "王户主"), ("王子", "王户主"), ("老伴", "老户主")]
        {
            let by_name: Value = crate::api::post_json(
                &cw,
                &app,
                "/api/cycle/search",
                serde_json::json!({ "query": { "id_number": "", "name": name, "standing": "" } }),
            )
            .await
            .json()
            .await
            .unwrap();
            assert_eq!(
                (
                    by_name.as_array().map(|r| r.len()),
                    &by_name[0]["head_name"]
                ),
                (Some(1), &Value::from(head)),
                "{backend}: {name}: {by_name}"
            );
        }
        let household = household_of(&app, &a).await;
        assert_eq!(
            household.standing,
            app::domain::cycle::Standing::InAssistance
        );
        // Without an application, the head departments' systems are told of is the roster's.
        assert_eq!(
            app::api::machine::household_head(&app.state.services, &household.id)
                .await
                .unwrap(),
            Some(("王户主".to_string(), a.clone()))
        );
        let chain = app.store().assistance_of(&household.id).await.unwrap();
        assert_eq!(
            chain.iter().map(|c| c.aid.amount_fen).sum::<i64>(),
            105_000,
            "{chain:?}"
        );
        // Its decision in force is the roster's: Dibao, every listed amount, from the earliest
        // listing; the months before the intake's were paid by the county's old system.
        let today = app::services::today_in_china();
        let this_month = app::domain::payments::Month::of(today);
        let input = app
            .store()
            .pay_inputs(&region("620702"), None, 100)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.household_id == household.id)
            .expect("the taken-in household is on the county's payment inputs");
        assert_eq!(
            (
                input.category,
                input.monthly.fen(),
                input.effective_from.to_string(),
                input.paid_through
            ),
            (
                app::domain::policy::assess::Category::Dibao,
                105_000,
                "2022-03-01".to_string(),
                Some(this_month.prev())
            )
        );
        // So the month's roll pays it this month, without arrears, beside the known household.
        let roll: Value = post_form(
            &cw,
            &app,
            "/api/payments/prepare",
            &[("month", this_month.to_string().as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(
            (roll["households"].as_i64(), roll["total"].as_str()),
            (Some(2), Some("1350.00")),
            "{roll}"
        );
        // Approved by a second caseworker, the bank file names the head as the roster did.
        let second = caseworker(&app, "intake_cw2", "620702000000").await;
        let roll_id = roll["id"].as_str().unwrap();
        let approved =
            post_form(&second, &app, "/api/payments/approve", &[("roll", roll_id)]).await;
        assert_eq!(approved.status(), StatusCode::OK);
        let bank = cw
            .get(app.url(&format!("/payments/{roll_id}/bank.csv")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let (bank, _, _) = encoding_rs::GB18030.decode(&bank);
        let line = bank
            .lines()
            .find(|l| l.contains(a.as_str()))
            .unwrap_or_else(|| panic!("the household's bank line: {bank}"));
        assert!(
            line.contains("王户主") && line.contains("1050.00"),
            "{line}"
        );
        // On the 花名册 with the roster's head (ID masked), its persons, category and amount.
        let roster = crate::rosters::Roster::of(
            cw.get(app.url("/rosters/households.xlsx?category=dibao"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let line = roster
            .line_of("王户主")
            .expect("the household's line")
            .clone();
        assert!(
            line.iter()
                .any(|c| c.contains('*') && c.ends_with(&a[14..]))
                && !line.contains(&a),
            "{line:?}"
        );
        for cell in [
            "3",
            "低保对象",
            "1050",
            "2022-03-01",
            "在保",
            "迎恩村一组",
            "139****8811",
            "农村",
        ] {
            assert!(line.contains(&cell.to_string()), "{cell}: {line:?}");
        }
        assert!(!roster.sheet_xml.contains("13900008811"));
        // The known household shows its own decision's aid, not the roster's amount beside it.
        let known_household = household_of(&app, &known).await;
        let known_chain = app
            .store()
            .assistance_of(&known_household.id)
            .await
            .unwrap();
        assert!(
            !known_chain.is_empty()
                && !known_chain
                    .iter()
                    .any(|c| c.aid.note.starts_with("intake:")),
            "{known_chain:?}"
        );
        let listed = app.store().caseload_of(&household.id).await.unwrap();
        assert_eq!(listed.len(), 3);
        assert!(listed
            .iter()
            .any(|p| p.name == "李妻" && p.since.to_string() == "2022-03-01"));
        // The household file shows the listings, ID numbers masked.
        let file: Value = post_form(
            &cw,
            &app,
            "/api/household/file",
            &[("id", household.id.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
        let listed_on_file = file["caseload"].as_array().unwrap();
        assert_eq!(listed_on_file.len(), 3, "{file}");
        assert!(
            !file.to_string().contains(&a_wife),
            "the file masks ID numbers"
        );
        // Names and ID numbers are sealed at rest.
        if backend == "sqlite" {
            assert!(app
                .in_database(&["李妻", a_wife.as_str(), "13900008811", "迎恩村一组"])
                .is_empty());
        }

        // Monitored from the next department file: a death of the new household's member.
        let officer =
            crate::household::staff(&app, "ps1", "department", "620700000000", "public_security")
                .await;
        let csv = format!(
            "身份证号,事项,变动日期\r\n{a_wife},死亡,{}\r\n",
            app::services::today_in_china() - chrono::Days::new(3)
        );
        let form = multipart::Form::new()
            .text("source", "public_security")
            .part(
                "file",
                multipart::Part::bytes(csv.into_bytes()).file_name("公安.csv"),
            );
        let r = officer
            .post(app.url("/imports"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["warnings"], 1);
        // The warning board names the head as the roster listed them (the household never
        // applied), the ID masked.
        let board: Value = post_form(&cw, &app, "/api/monitoring/warnings", &[])
            .await
            .json()
            .await
            .unwrap();
        let warning = board["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["household_id"] == household.id.as_str())
            .unwrap_or_else(|| panic!("{board}"));
        assert_eq!(
            (
                warning["head"]["name"].as_str(),
                warning["head"]["id_number_masked"].as_str()
            ),
            (
                Some("王户主"),
                Some(format!("{}********{}", &a[..6], &a[14..]).as_str())
            ),
            "{warning}"
        );

        // A relapse-watch roster sets the flag; 乡村振兴's listing then raises nothing for it,
        // while it still does for a household not yet on watch.
        let relapse = format!(
            "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,监测对象类型,纳入日期\r\n\
             {a},{a},王户主,户主,620702100201,突发严重困难户,2024-06-01\r\n\
             {watched},{watched},赵监测,户主,620702100201,脱贫不稳定户,2024-06-01\r\n"
        );
        let (status, r) = take_in(&cw, &app, "relapse_watch", relapse.into_bytes()).await;
        // The household in assistance stays so; the new one is listed, not an applicant, and
        // holds no decision (not paid).
        assert_eq!(
            (
                status,
                r["taken"].as_i64(),
                r["listed"].as_i64(),
                r["decided"].as_i64()
            ),
            (StatusCode::OK, Some(2), Some(1), Some(0)),
            "{r}"
        );
        let watched_household = household_of(&app, &watched).await;
        assert_eq!(
            watched_household.standing,
            app::domain::cycle::Standing::Listed
        );
        assert!(!app
            .store()
            .pay_inputs(&region("620702"), None, 100)
            .await
            .unwrap()
            .iter()
            .any(|p| p.household_id == watched_household.id));
        let rural = crate::household::staff(
            &app,
            "rr1",
            "department",
            "620700000000",
            "rural_revitalisation",
        )
        .await;
        let csv = format!("身份证号,纳入日期\r\n{a},2024-06-01\r\n{known},2024-06-01\r\n");
        let form = multipart::Form::new()
            .text("source", "rural_revitalisation")
            .part(
                "file",
                multipart::Part::bytes(csv.into_bytes()).file_name("监测.csv"),
            );
        let r = rural
            .post(app.url("/imports"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let r: Value = r.json().await.unwrap();
        assert_eq!(
            (r["matched"].as_i64(), r["warnings"].as_i64()),
            (Some(2), Some(1)),
            "{r}"
        );

        // The template downloads with its headers; a resident may not take rosters in; the
        // page lists the intakes.
        let t = cw
            .get(app.url("/intake/template/dibao.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(t.status(), StatusCode::OK);
        let bytes = t.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let first: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(first[..3], ["户主身份证号", "身份证号", "姓名"]);
        let resident = crate::api::resident(&app, "13900008899").await;
        let (status, _) = take_in(&resident, &app, "dibao", gbk(&text)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let page: Value = post_form(&cw, &app, "/api/intake/page", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["recent"].as_array().unwrap().len(), 3, "{page}");
        assert_eq!(page["templates"].as_array().unwrap().len(), 6);
        // A file without the roster's columns is refused whole, stores nothing, and says which.
        let (status, r) = take_in(&cw, &app, "tekun", gbk("姓名,身份证号\r\n张三,1\r\n")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r["refused"]["problem"], "missing_columns");
    }
}

#[tokio::test]
async fn a_corrected_roster_changes_a_taken_in_households_amount_never_one_decided_here() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let cw = caseworker(&app, "fix_cw", "620702000000").await;
        household_in_assistance(
            &app,
            &cw,
            "13900008701",
            "62070219550101871",
            "老户主",
            "迎恩村",
            "300",
        )
        .await;
        let known = valid_id("62070219550101871");
        let (a, a_wife, known_spouse) = (
            valid_id("62070219700101872"),
            valid_id("62070219720101873"),
            valid_id("62070219570101875"),
        );
        let roster = |head: &str, known_amount: &str| {
            gbk(&format!(
                "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,家庭住址,联系电话,月保障金额,纳入日期\r\n\
                 {a},{a},王户主,户主,620702100201,迎恩村二组,13900008711,{head},2022-03-01\r\n\
                 {a},{a_wife},李妻,配偶,620702100201,迎恩村二组,,350,2022-03-01\r\n\
                 {known},{known_spouse},老伴,配偶,620702100201,迎恩村,,{known_amount},2021-01-01\r\n"
            ))
        };
        // Checked first: the report says what the intake would do, and nothing is stored.
        let (status, checked) = send_roster(&cw, &app, "dibao", roster("400", "300"), true).await;
        assert_eq!(
            (
                status,
                checked["check"].as_bool(),
                checked["taken"].as_i64(),
                checked["decided"].as_i64(),
                &checked["decided_by_category"]
            ),
            (
                StatusCode::OK,
                Some(true),
                Some(3),
                Some(1),
                &serde_json::json!([["dibao", 1]])
            ),
            "{checked}"
        );
        let page: Value = post_form(&cw, &app, "/api/intake/page", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["recent"].as_array().unwrap().len(), 0, "{page}");
        assert!(households_of(&app, &a).await.is_empty());
        let (status, first) = take_in(&cw, &app, "dibao", roster("400", "300")).await;
        assert_eq!(
            (status, first["taken"].as_i64(), first["decided"].as_i64()),
            (StatusCode::OK, Some(3), Some(1)),
            "{first}"
        );
        let household = household_of(&app, &a).await;
        let monthly = || async {
            app.store()
                .pay_inputs(&region("620702"), None, 100)
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.household_id == household.id)
                .map(|p| (p.monthly.fen(), p.effective_from.to_string()))
        };
        assert_eq!(monthly().await, Some((75_000, "2022-03-01".to_string())));

        // The county's system raised the head's amount and the known household's spouse's.
        let (status, fixed) = take_in(&cw, &app, "dibao", roster("450", "320")).await;
        let counts = ["taken", "already", "corrected", "not_corrected", "decided"]
            .map(|k| fixed[k].as_i64().unwrap_or(-1));
        assert_eq!(
            (status, counts),
            (StatusCode::OK, [0, 1, 1, 1, 1]),
            "{backend}: {fixed}"
        );
        // Paid the corrected amount from the first month not yet paid; the start stays.
        assert_eq!(monthly().await, Some((80_000, "2022-03-01".to_string())));
        // The chain keeps the old amount until yesterday and the new one from today.
        let today = app::services::today_in_china();
        let chain = app.store().assistance_of(&household.id).await.unwrap();
        let mut amounts: Vec<(i64, Option<String>)> = chain
            .iter()
            .map(|c| (c.aid.amount_fen, c.aid.until.map(|u| u.to_string())))
            .collect();
        amounts.sort();
        assert_eq!(
            amounts,
            [
                (35_000, None),
                (40_000, Some((today - chrono::Days::new(1)).to_string())),
                (45_000, None)
            ],
            "{chain:?}"
        );
        assert!(chain
            .iter()
            .any(|c| c.aid.amount_fen == 45_000 && c.aid.from == today));
        // Recorded as the roster's, not as a caseworker's entry.
        assert!(
            chain
                .iter()
                .all(|c| c.aid.origin == app::domain::chain::AidOrigin::Intake),
            "{chain:?}"
        );
        // The known household keeps its listing and its decision made here.
        let known_household = household_of(&app, &known).await;
        let listed = app.store().caseload_of(&known_household.id).await.unwrap();
        assert_eq!(listed[0].monthly_amount_fen, Some(30_000));

        // The household file shows the decision the intake made and how to reach the head.
        let file: Value = post_form(
            &cw,
            &app,
            "/api/household/file",
            &[("id", household.id.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
        let d = &file["intake_decision"];
        assert_eq!(
            (
                d["category"].as_str(),
                d["monthly_amount_fen"].as_i64(),
                d["effective_from"].as_str(),
                d["roster"].as_str()
            ),
            (
                Some("dibao"),
                Some(80_000),
                Some("2022-03-01"),
                Some("dibao")
            ),
            "{file}"
        );
        let head = file["caseload"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "王户主")
            .unwrap();
        assert_eq!(
            (head["address"].as_str(), head["phone"].as_str()),
            (Some("迎恩村二组"), Some("13900008711")),
            "{head}"
        );
        // Its care services answer (it has no declaration to read a need from), not an error.
        let care = post_form(
            &cw,
            &app,
            "/api/care/household",
            &[("household", household.id.as_str())],
        )
        .await;
        assert_eq!(care.status(), StatusCode::OK);
        let care: Value = care.json().await.unwrap();
        // Read from its rosters: nobody in it is elderly, disabled or a minor.
        assert_eq!(
            (
                care["assessed"].as_bool(),
                care["from_roster"].as_bool(),
                care["members"].as_array().map(Vec::len)
            ),
            (Some(false), Some(true), Some(0)),
            "{care}"
        );
        // A household decided by an application shows no intake decision.
        let file: Value = post_form(
            &cw,
            &app,
            "/api/household/file",
            &[("id", known_household.id.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
        assert!(file["intake_decision"].is_null(), "{file}");

        // The corrected file again changes nothing.
        let (_, again) = take_in(&cw, &app, "dibao", roster("450", "320")).await;
        let counts = ["already", "corrected", "not_corrected", "decided"]
            .map(|k| again[k].as_i64().unwrap_or(-1));
        assert_eq!(counts, [2, 0, 1, 0], "{again}");
        assert_eq!(
            app.store()
                .assistance_of(&household.id)
                .await
                .unwrap()
                .len(),
            3
        );
        // A person twice in one file with different amounts: the second row is refused, the
        // listing stays as it was.
        let twice = gbk(&format!(
            "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,月保障金额,纳入日期\r\n\
             {a},{a_wife},李妻,配偶,620702100201,350,2022-03-01\r\n\
             {a},{a_wife},李妻,配偶,620702100201,360,2022-03-01\r\n"
        ));
        let (_, r) = take_in(&cw, &app, "dibao", twice).await;
        assert_eq!(
            (
                r["already"].as_i64(),
                r["corrected"].as_i64(),
                &r["problems"]
            ),
            (Some(1), Some(0), &serde_json::json!([[3, "duplicate"]])),
            "{r}"
        );
        assert_eq!(monthly().await, Some((80_000, "2022-03-01".to_string())));
    }
}

/// 城乡类别 and 供养方式 are what the statistics split a roster's households by: a later roster's
/// word replaces them (a person moved into a care home), a silent one keeps them, the same person
/// twice in one file with two values is refused, and a household decided here keeps what its
/// assessment recorded.
#[tokio::test]
async fn a_later_roster_moves_a_taken_in_household_to_its_new_support_mode_never_one_decided_here()
{
    use server::store::dialect::query;
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let cw = caseworker(&app, "support_cw", "620702000000").await;
        household_in_assistance(
            &app,
            &cw,
            "13900008751",
            "62070219450101875",
            "本地户",
            "迎恩村",
            "300",
        )
        .await;
        let (mover, decided) = (valid_id("62070219400101876"), valid_id("62070219450101875"));
        let tekun = |rows: &[(&str, &str, &str)]| {
            let mut f = String::from(
                "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,月供养金额,纳入日期,城乡类别,供养方式\r\n",
            );
            for (id, residence, support) in rows {
                f.push_str(&format!(
                    "{id},{id},某人,本人,620702100201,900,2020-01-01,{residence},{support}\r\n"
                ));
            }
            gbk(&f)
        };
        let sql = server::store::connect(
            &app.database_url(),
            2,
            app.state.config.field_cipher().unwrap(),
        )
        .await
        .unwrap();
        let stored = |id: String| {
            let (app, sql) = (&app, &sql);
            async move {
                let h = household_of(app, &id).await.id;
                let r = query("SELECT residence, support_mode FROM households WHERE id = $1")
                    .bind(h.as_str())
                    .fetch_one(sql.db())
                    .await
                    .unwrap();
                r.decode::<(Option<String>, Option<String>)>().unwrap()
            }
        };
        let (status, report) = take_in(
            &cw,
            &app,
            "tekun",
            tekun(&[
                (mover.as_str(), "农村", "分散供养"),
                (decided.as_str(), "农村", "分散供养"),
            ]),
        )
        .await;
        assert_eq!(
            (status, report["taken"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{report}"
        );
        let decided_before = stored(decided.clone()).await;
        assert_eq!(
            stored(mover.clone()).await,
            (Some("rural".into()), Some("dispersed".into())),
            "{backend}"
        );
        // Moved into a care home, the village now a town: taken; nothing else changed.
        let (status, report) = take_in(
            &cw,
            &app,
            "tekun",
            tekun(&[
                (mover.as_str(), "城市", "集中供养"),
                (decided.as_str(), "城市", "集中供养"),
            ]),
        )
        .await;
        assert_eq!(
            (
                status,
                report["already"].as_i64(),
                report["corrected"].as_i64()
            ),
            (StatusCode::OK, Some(2), Some(0)),
            "{backend}: {report}"
        );
        assert_eq!(
            stored(mover.clone()).await,
            (Some("urban".into()), Some("centralised".into())),
            "{backend}"
        );
        assert_eq!(
            stored(decided.clone()).await,
            decided_before,
            "{backend}: decided here"
        );
        // A roster that does not say keeps them.
        let (status, _) = take_in(&cw, &app, "tekun", tekun(&[(mover.as_str(), "", "")])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            stored(mover.clone()).await,
            (Some("urban".into()), Some("centralised".into())),
            "{backend}"
        );
        // Twice in one file with two values: the second line is refused (the first holds, as
        // for an amount).
        let (_, report) = take_in(
            &cw,
            &app,
            "tekun",
            tekun(&[
                (mover.as_str(), "城市", "分散供养"),
                (mover.as_str(), "城市", "集中供养"),
            ]),
        )
        .await;
        assert_eq!(
            report["problems"],
            serde_json::json!([[3, "duplicate"]]),
            "{backend}: {report}"
        );
        assert_eq!(
            stored(mover.clone()).await,
            (Some("urban".into()), Some("dispersed".into())),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn care_services_are_ordered_for_a_taken_in_person_the_rosters_show_needs_care() {
    use serde_json::json;
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let cw = caseworker(&app, "care_intake_cw", "620702000000").await;
        // Three Tekun persons, each their own household: born 1940 and listed 全护理; born
        // 1942 and able to look after themselves (全自理); born 1944 with no assessment listed.
        let (frail, able, unknown) = (
            valid_id("62070219400101891"),
            valid_id("62070219420101892"),
            valid_id("62070219440101893"),
        );
        let tekun = |able_care: &str| {
            gbk(&format!(
                "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,月供养金额,纳入日期,生活自理能力\r\n\
                 {frail},{frail},孙五保,本人,620702100201,900,2020-01-01,全护理\r\n\
                 {able},{able},周五保,本人,620702100201,900,2020-01-01,{able_care}\r\n\
                 {unknown},{unknown},吴五保,本人,620702100201,900,2020-01-01,\r\n"
            ))
        };
        let (status, report) = take_in(&cw, &app, "tekun", tekun("全自理")).await;
        assert_eq!(
            (status, report["taken"].as_i64()),
            (StatusCode::OK, Some(3)),
            "{backend}: {report}"
        );
        // 生活自理能力 is health data: sealed at rest as the disability's kind is.
        if backend == "sqlite" {
            assert!(app
                .in_database(&["fully_dependent", "self_care", "全护理", "全自理"])
                .is_empty());
        }
        // A Dibao household whose head the disabled persons' roster lists at grade 1.
        let (disabled, child) = (valid_id("62070219800101894"), valid_id("62070220150101895"));
        let dibao = gbk(&format!(
            "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,月保障金额,纳入日期\r\n\
             {disabled},{disabled},郑户主,户主,620702100202,400,2021-01-01\r\n\
             {disabled},{child},郑小,子,620702100202,300,2021-01-01\r\n"
        ));
        assert_eq!(take_in(&cw, &app, "dibao", dibao).await.0, StatusCode::OK);
        let grades = gbk(&format!(
            "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,残疾等级,残疾类别,纳入日期\r\n\
             {disabled},{disabled},郑户主,户主,620702100202,一级,肢体,2021-01-01\r\n"
        ));
        assert_eq!(
            take_in(&cw, &app, "disabled", grades).await.0,
            StatusCode::OK
        );
        // The grade is health data, as the disability's kind: sealed at rest, never in clear; a
        // database that took persons in before (their grade in clear) has them sealed at start.
        {
            use server::store::dialect::query;
            let cipher = app.state.config.field_cipher().unwrap();
            let sql = server::store::connect(&app.database_url(), 2, cipher)
                .await
                .unwrap();
            let stored = || async {
                let rows =
                    query("SELECT grade, grade_sealed FROM caseload WHERE roster = 'disabled'")
                        .fetch_all(sql.db())
                        .await
                        .unwrap();
                rows.iter()
                    .map(|r| r.decode::<(Option<i64>, Option<String>)>().unwrap())
                    .collect::<Vec<_>>()
            };
            let sealed = stored().await;
            assert!(
                sealed.len() == 1
                    && sealed[0].0.is_none()
                    && sealed[0]
                        .1
                        .as_deref()
                        .is_some_and(|s| s.len() > 16 && s != "1"),
                "{backend}: {sealed:?}"
            );
            query("UPDATE caseload SET grade = 1, grade_sealed = NULL WHERE roster = 'disabled'")
                .execute(sql.db())
                .await
                .unwrap();
            query("DELETE FROM maintenance_done WHERE name = 'caseload_grades_v1'")
                .execute(sql.db())
                .await
                .unwrap();
            assert_eq!(sql.seal_caseload_grades().await.unwrap(), 1, "{backend}");
            let again = stored().await;
            assert!(
                again[0].0.is_none() && again[0].1.is_some(),
                "{backend}: {again:?}"
            );
            assert_eq!(
                sql.seal_caseload_grades().await.unwrap(),
                0,
                "{backend}: once"
            );
        }

        let options = |id: String| {
            let (cw, app) = (&cw, &app);
            async move {
                let h = household_of(app, &id).await.id;
                let r =
                    post_form(cw, app, "/api/care/household", &[("household", h.as_str())]).await;
                assert_eq!(r.status(), StatusCode::OK);
                let v: Value = r.json().await.unwrap();
                assert_eq!(v["from_roster"].as_bool(), Some(true), "{v}");
                let members: Vec<(String, Value)> = v["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| {
                        (
                            m["name"].as_str().unwrap().to_string(),
                            m["reasons"].clone(),
                        )
                    })
                    .collect();
                (h, members, v)
            }
        };
        let (frail_h, members, offered) = options(frail.clone()).await;
        assert_eq!(
            members,
            [("孙五保".to_string(), json!(["elderly", "dependent"]))],
            "{backend}"
        );
        assert!(options(able.clone()).await.1.is_empty(), "{backend}");
        // Not assessed yet: may have them, pending the assessment (the assessment's own rule).
        assert_eq!(
            options(unknown.clone()).await.1,
            [("吴五保".to_string(), json!(["elderly"]))]
        );
        // The disabled head (grade 1 is severe) and the minor, head first.
        assert_eq!(
            options(disabled.clone()).await.1,
            [
                ("郑户主".to_string(), json!(["disabled"])),
                ("郑小".to_string(), json!(["minor"]))
            ],
            "{backend}"
        );

        // Ordered from the demo provider: in the chain, the order names the person.
        let price = offered["prices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "daily_care")
            .expect("the demo provider's daily care")["id"]
            .clone();
        let today = app::services::today_in_china();
        let order = |household: &str, member: usize| {
            json!({"order": {
                "household": household, "member": member, "price": price,
                "monthly_quantity": "10", "from": today.to_string(),
                "until": (today + chrono::Days::new(90)).to_string(),
            }})
        };
        let (able_h, _, _) = options(able.clone()).await;
        let r = crate::api::post_json(&cw, &app, "/api/care/order", order(&able_h, 0)).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let r = crate::api::post_json(&cw, &app, "/api/care/order", order(&frail_h, 1)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = crate::api::post_json(&cw, &app, "/api/care/order", order(&frail_h, 0)).await;
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let orders = app
            .store()
            .service_orders_of_household(&frail_h)
            .await
            .unwrap();
        assert_eq!(
            orders
                .iter()
                .map(|o| (o.person_name.as_str(), o.monthly_cost))
                .collect::<Vec<_>>(),
            [("孙五保", 25_000)],
            "{backend}"
        );
        let chain = app.store().assistance_of(&frail_h).await.unwrap();
        assert!(
            chain
                .iter()
                .any(|c| c.aid.kind == app::domain::chain::AidKind::ServiceAssistance),
            "{chain:?}"
        );

        // The next year's roster finds 周五保 partly dependent: the listing follows it (the
        // amount and start unchanged: nothing is decided again).
        let (status, again) = take_in(&cw, &app, "tekun", tekun("半护理")).await;
        assert_eq!(
            (status, again["already"].as_i64(), again["decided"].as_i64()),
            (StatusCode::OK, Some(3), Some(0)),
            "{backend}: {again}"
        );
        assert_eq!(
            options(able.clone()).await.1,
            [("周五保".to_string(), json!(["elderly", "dependent"]))],
            "{backend}"
        );
        // A roster that says nothing of it leaves it as it was; an unknown word is refused.
        let (_, silent) = take_in(&cw, &app, "tekun", tekun("")).await;
        assert_eq!(silent["already"].as_i64(), Some(3), "{silent}");
        assert_eq!(options(able.clone()).await.1.len(), 1);
        let (_, bad) = take_in(&cw, &app, "tekun", tekun("很好")).await;
        assert_eq!(
            bad["problems"],
            json!([[3, "care_need_unknown"]]),
            "{backend}: {bad}"
        );
    }
}

/// Takes `rows` in through the store, as `POST /intake` does after reading a file.
async fn store_intake(
    store: &std::sync::Arc<dyn app::store::Store>,
    actor: &str,
    roster: app::domain::intake::Roster,
    today: chrono::NaiveDate,
    rows: Vec<app::domain::intake::IntakeRow>,
) -> app::store::IntakeOutcome {
    use app::store::{IntakeBatch, NewIntake};
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let batch = rows.into_iter().enumerate().map(|(i, r)| (i as i64 + 2, r));
    tx.send(IntakeBatch::Rows(batch.collect())).await.unwrap();
    tx.send(IntakeBatch::End).await.unwrap();
    let meta = NewIntake {
        id: uuid::Uuid::new_v4().to_string(),
        roster,
        file_hash: "hash".into(),
        file_name: "名册.csv".into(),
        region: region("620702"),
        created_by: actor.into(),
        now: 1,
        today,
        paid_outside_through: app::domain::payments::Month::of(today).prev(),
        review: Some((12, 30)),
        check: false,
    };
    store.intake(meta, rx).await.unwrap()
}

#[tokio::test]
async fn households_taken_in_before_intakes_decided_are_decided_once_at_start() {
    use app::domain::intake::{IntakeRow, Roster};
    use server::store::dialect::query;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (_, sql) =
            crate::helpers::sql_store(backend, dir.path(), crate::helpers::test_cipher()).await;
        let store = sql.store();
        let actor = store
            .create_user(app::store::NewUser {
                role: app::domain::status::Role::Caseworker,
                login: "intake_actor".into(),
                display_name: "t".into(),
                password_hash: "h".into(),
                region_code: Some(region("620702000000")),
                department: None,
                must_change_password: false,
                duty: None,
                now: 1,
            })
            .await
            .unwrap();
        let today = crate::helpers::day("2026-12-07");
        let row = |head: &str, who: &str, relation, amount_fen, since: &str| IntakeRow {
            head: crate::helpers::id_of(head),
            id_number: crate::helpers::id_of(who),
            name: who.into(),
            relation,
            region: region("620702100201"),
            address: String::new(),
            phone: None,
            amount_fen,
            since: crate::helpers::day(since),
            grade: None,
            detail: String::new(),
            residence: None,
            support_mode: None,
            care_need: None,
        };
        use app::domain::declaration::Relation::{Child, Head};
        let marginal = store_intake(
            &store,
            &actor,
            Roster::DibaoMarginal,
            today,
            vec![
                row("M-HEAD", "M-HEAD", Head, None, "2019-03-15"),
                row("M-HEAD", "M-CHILD", Child, Some(20_000), "2019-03-15"),
            ],
        )
        .await;
        let watch = store_intake(
            &store,
            &actor,
            Roster::RelapseWatch,
            today,
            vec![row("W-HEAD", "W-HEAD", Head, None, "2024-06-01")],
        )
        .await;
        assert_eq!(
            (marginal.decided, watch.decided, watch.listed),
            (1, 0, 1),
            "{backend}"
        );
        let db = sql.db().clone();
        let run = |sql_text: &'static str| {
            let db = db.clone();
            async move {
                query(sql_text).execute(&db).await.unwrap();
            }
        };
        let review_items = || {
            let db = db.clone();
            async move {
                let rows = query(
                    "SELECT payload, run_at FROM work_items WHERE kind = 'annual_review' \
                     ORDER BY payload",
                )
                .fetch_all(&db)
                .await
                .unwrap();
                rows.iter()
                    .map(|r| r.decode::<(String, i64)>().unwrap())
                    .collect::<Vec<_>>()
            }
        };
        // Reviewed on the next anniversary of its listing, its task a lead of 30 days ahead.
        let due = vec![(
            "2027-03-15".to_string(),
            app::domain::cycle::china_midnight_ms(crate::helpers::day("2027-02-13")),
        )];
        assert_eq!(review_items().await, due, "{backend}");
        // As before migration 0054: no decision, no review, the watched household an applicant.
        run(
            "UPDATE households SET decision_id = NULL, paid_through = NULL, standing = CASE \
             WHEN standing = 'listed' THEN 'applicant' ELSE standing END",
        )
        .await;
        run("DELETE FROM decisions WHERE intake_id IS NOT NULL").await;
        run("DELETE FROM work_items").await;
        run("DELETE FROM maintenance_done WHERE name = 'caseload_decisions_v1'").await;
        assert!(store
            .pay_inputs(&region("620702"), None, 10)
            .await
            .unwrap()
            .is_empty());

        let decided = sql
            .decide_caseload(today, 2, |r| {
                assert_eq!(r.as_str(), "620702000000");
                Some((12, 30))
            })
            .await
            .unwrap();
        assert_eq!(decided, 1, "{backend}");
        let inputs = store.pay_inputs(&region("620702"), None, 10).await.unwrap();
        assert_eq!(
            inputs
                .iter()
                .map(|p| (p.category, p.monthly.fen(), p.paid_through))
                .collect::<Vec<_>>(),
            [(
                app::domain::policy::assess::Category::DibaoMarginal,
                20_000,
                Some(app::domain::payments::Month::of(today).prev())
            )],
            "{backend}"
        );
        assert_eq!(review_items().await, due, "{backend}");
        let watched = store
            .search_households(app::store::HouseholdQuery {
                id_number: Some(crate::helpers::id_of("W-HEAD").as_str().to_string()),
                ..app::store::HouseholdQuery::within(region("620702"), 5)
            })
            .await
            .unwrap();
        assert_eq!(
            watched[0].standing,
            app::domain::cycle::Standing::Listed,
            "{backend}"
        );
        // A household that left assistance here is not brought back by a roster: a person
        // added to it is listed, its standing and decision stay.
        run("UPDATE households SET standing = 'exited' WHERE decision_id IS NOT NULL").await;
        use app::domain::declaration::Relation::Spouse;
        let again = store_intake(
            &store,
            &actor,
            Roster::Dibao,
            today,
            vec![row("M-HEAD", "M-WIFE", Spouse, Some(50_000), "2026-01-01")],
        )
        .await;
        assert_eq!(
            (again.taken, again.decided, again.decisions_kept),
            (1, 0, 1),
            "{backend}"
        );
        let inputs = store.pay_inputs(&region("620702"), None, 10).await.unwrap();
        assert_eq!(
            inputs
                .iter()
                .map(|p| (p.standing, p.monthly.fen()))
                .collect::<Vec<_>>(),
            [(app::domain::cycle::Standing::Exited, 20_000)],
            "{backend}"
        );

        // Once: at the next start, nothing more.
        run("UPDATE households SET decision_id = NULL").await;
        assert_eq!(
            sql.decide_caseload(today, 3, |_| None).await.unwrap(),
            0,
            "{backend}"
        );
    }
}
