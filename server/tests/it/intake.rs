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
    let form = multipart::Form::new()
        .text("roster", roster.to_string())
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
        let text = format!(
            "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,家庭住址,月保障金额,纳入日期,备注\r\n\
             {a},{a},王户主,户主,620702100201,迎恩村一组,400,2022-03-01,\r\n\
             {a},{a_wife},李妻,配偶,620702100201,迎恩村一组,350,2022-03-01,\r\n\
             {a},{a_child},王子,子,620702100201,迎恩村一组,300,2022-03-01,\r\n\
             {known},{known_spouse},老伴,配偶,620702100201,迎恩村,300,2021-01-01,\r\n\
             {a},{a_child},王子,表亲,620702100201,,300,2022-03-01,\r\n\
             {elsewhere},{elsewhere},外县,户主,620722100201,,300,2022-03-01,\r\n\
             {a_wife},{known},老户主,户主,620702100201,,300,2022-03-01,\r\n"
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

        // The same file again: nothing new.
        let (_, again) = take_in(&cw, &app, "dibao", gbk(&text)).await;
        assert_eq!(
            (again["taken"].as_i64(), again["already"].as_i64()),
            (Some(0), Some(4)),
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
        let household = app
            .store()
            .search_households(app::store::HouseholdQuery {
                id_number: Some(a.clone()),
                ..app::store::HouseholdQuery::within(region("620702"), 5)
            })
            .await
            .unwrap()
            .remove(0);
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
            assert!(app.in_database(&["李妻", a_wife.as_str()]).is_empty());
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

        // A relapse-watch roster sets the flag; 乡村振兴's listing then raises nothing for it,
        // while it still does for a household not yet on watch.
        let relapse = format!(
            "户主身份证号,身份证号,姓名,与户主关系,行政区划代码,监测对象类型,纳入日期\r\n\
             {a},{a},王户主,户主,620702100201,突发严重困难户,2024-06-01\r\n"
        );
        let (status, r) = take_in(&cw, &app, "relapse_watch", relapse.into_bytes()).await;
        assert_eq!(
            (status, r["taken"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{r}"
        );
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
