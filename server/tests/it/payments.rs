//! 资金发放 through HTTP: a county's roll prepared by one caseworker and approved by another,
//! its bank file, the bank's return reconciled, and nothing for anyone else.

use crate::api::post_form;
use crate::helpers::{caseworker, spawn_app, TestApp};
use crate::rosters::household_in_assistance;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn login(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, password).await;
    assert_eq!(r.status(), StatusCode::OK, "{login}");
    c
}

async fn call(c: &Client, app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let form: Vec<(String, String)> = body
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let r = c.post(app.url(path)).form(&form).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn this_month() -> String {
    app::domain::payments::Month::of(app::services::today_in_china()).to_string()
}

#[tokio::test]
async fn a_roll_needs_two_people_its_bank_file_is_audited_and_the_banks_return_reconciles_it() {
    let app = spawn_app().await;
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    household_in_assistance(
        &app,
        &cw,
        "13900000721",
        "62070219610101721",
        "钱秋菊",
        "梁家墩镇3组1号",
        "480",
    )
    .await;
    household_in_assistance(
        &app,
        &cw,
        "13900000722",
        "62070219610101722",
        "孙建国",
        "梁家墩镇3组2号",
        "355.5",
    )
    .await;
    let month = this_month();

    // Prepared by one caseworker: every household in assistance, this month's amount.
    let (s, roll) = call(
        &cw,
        &app,
        "/api/payments/prepare",
        json!({ "month": month }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{roll}");
    assert_eq!(roll["status"], "prepared");
    assert_eq!(roll["total"], "835.50");
    let id = roll["id"].as_str().unwrap().to_string();
    let (s, page) = call(&cw, &app, "/api/payments/page", json!({ "month": month })).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["roll"]["households"], 2);
    assert_eq!(page["may_approve"], false, "not by who prepared it");
    assert_eq!(page["totals"][0]["category"], "dibao");
    assert_eq!(page["lines"][0]["notes"][0]["note"], "monthly");
    // The preparer cannot approve; nor is the bank file made before approval.
    let (s, e) = call(&cw, &app, "/api/payments/approve", json!({ "roll": id })).await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (StatusCode::CONFLICT, Some("same_person"))
    );
    let r = cw
        .get(app.url(&format!("/payments/{id}/bank.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Another county's caseworker sees nothing of it; a township caseworker makes no roll.
    let other = caseworker(&app, "gaotai_cw", "620724000000").await;
    let (s, _) = call(&other, &app, "/api/payments/approve", json!({ "roll": id })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let r = other
        .get(app.url(&format!("/payments/{id}/bank.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, theirs) = call(
        &other,
        &app,
        "/api/payments/page",
        json!({ "month": month }),
    )
    .await;
    assert_eq!(theirs["roll"], Value::Null);
    let township = caseworker(&app, "township_cw", "620702100000").await;
    let (s, e) = call(
        &township,
        &app,
        "/api/payments/prepare",
        json!({ "month": month }),
    )
    .await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (StatusCode::CONFLICT, Some("county_staff_only"))
    );
    let (s, _) = call(
        &cw,
        &app,
        "/api/payments/prepare",
        json!({ "month": "2026-13" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // A second caseworker of the county approves; the roll is frozen.
    let second = caseworker(&app, "ganzhou_cw2", "620702000000").await;
    let (_, page) = call(
        &second,
        &app,
        "/api/payments/page",
        json!({ "month": month }),
    )
    .await;
    assert_eq!(page["may_approve"], true);
    let (s, approved) = call(
        &second,
        &app,
        "/api/payments/approve",
        json!({ "roll": id }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["approved_by"], "ganzhou_cw2的名字");
    let (s, e) = call(
        &cw,
        &app,
        "/api/payments/prepare",
        json!({ "month": month }),
    )
    .await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (StatusCode::CONFLICT, Some("roll_frozen"))
    );

    // The bank file: GB18030 CSV with whole ID numbers, and XLSX; each download audited.
    let r = cw
        .get(app.url(&format!("/payments/{id}/bank.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let (csv, _, bad) = encoding_rs::GB18030.decode(&bytes);
    assert!(!bad);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "流水号,姓名,身份证号,金额,摘要");
    let qian = lines.iter().find(|l| l.contains("钱秋菊")).expect("a line");
    assert!(
        qian.contains(&crate::api::valid_id("62070219610101721")) && qian.contains(",480.00,"),
        "{qian}"
    );
    assert!(qian.ends_with(&format!("{month} 低保金")), "{qian}");
    let r = cw
        .get(app.url(&format!("/payments/{id}/bank.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    use calamine::Reader as _;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 3);
    let refs: Vec<String> = qian.split(',').take(1).map(str::to_string).collect();
    let qian_ref = refs[0].clone();
    let sun_ref = lines
        .iter()
        .find(|l| l.contains("孙建国"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();

    // The bank's return: a file naming a line of no roll is refused whole, nothing recorded.
    let upload = |text: String| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(text.into_bytes()).file_name("return.csv"),
        );
        cw.post(app.url(&format!("/payments/{id}/return")))
            .multipart(form)
            .send()
    };
    let r = upload(format!(
        "流水号,状态,失败原因\n{qian_ref},成功,\nhh-nobody,成功,\n"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["refused"], true);
    assert_eq!(report["problems"][0]["code"], "ref_unknown");
    assert_eq!(report["problems"][0]["row"], 3);
    // One paid, one failed: reconciled, every yuan accounted for; the failure listed.
    let r = upload(format!(
        "流水号,状态,失败原因\n{qian_ref},成功,\n{sun_ref},失败,账户已冻结\n"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert_eq!(
        (
            &report["recorded"],
            &report["paid"],
            &report["failed"],
            &report["reconciled"],
            &report["balanced"]
        ),
        (
            &json!(2),
            &json!("480.00"),
            &json!("355.50"),
            &json!(true),
            &json!(true)
        ),
        "{report}"
    );
    let (_, page) = call(&cw, &app, "/api/payments/page", json!({ "month": month })).await;
    assert_eq!(page["roll"]["status"], "reconciled");
    assert_eq!(page["failed"].as_array().unwrap().len(), 1);
    assert_eq!(page["failed"][0]["bank"][1], "账户已冻结");

    // On the dashboard, the month's paid households and amount (the line the bank paid, not
    // the failed one) link to exactly those lines, by category and by fund too.
    crate::statistics::refresh(&app, &cw).await;
    let (s, d) = crate::statistics::dashboard(&app, &cw, "", "", "").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let followed = crate::statistics::every_linked_count_is_its_rosters_lines(&app, &cw, &d).await;
    // The public statistics count the persons of the households paid (one member, one line
    // paid: the failed line is not counted).
    let m = app::domain::payments::Month::parse(&month).unwrap();
    let figures = app
        .store()
        .statistics(&crate::helpers::region("620702000000"), m, m)
        .await
        .unwrap();
    let persons: Vec<(String, i64)> = figures
        .iter()
        .filter(|f| f.measure == app::domain::statistics::Measure::PaidPersons)
        .map(|f| (f.k1.clone(), f.n))
        .collect();
    assert_eq!(persons, [("dibao".to_string(), 1)]);
    let paid = format!("status=paid&month={month}");
    assert!(
        followed
            .iter()
            .filter(|h| h.starts_with("/rosters/payments.xlsx") && h.contains(&paid))
            .count()
            >= 2,
        "{followed:#?}"
    );
    // The roll as a roster (花名册): ID numbers masked, the amounts, why, the bank's answer.
    let r = cw
        .get(app.url(&format!("/rosters/payments.xlsx?month={month}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let qian_line: Vec<String> = sheet
        .rows()
        .find(|row| {
            row.iter()
                .any(|c| matches!(c, calamine::Data::String(s) if s == "钱秋菊"))
        })
        .expect("the roster's line")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(
        !qian_line.contains(&crate::api::valid_id("62070219610101721")),
        "{qian_line:?}"
    );
    assert!(
        qian_line.contains(&"480".to_string()) && qian_line.contains(&"成功".to_string()),
        "{qian_line:?}"
    );
    assert!(
        qian_line.iter().any(|c| c.starts_with("本月")),
        "{qian_line:?}"
    );
    let r = cw
        .get(app.url("/rosters/payments.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a month is needed"
    );

    // The payment joins the household's file, with the bank's answer.
    let (s, file) = call(&cw, &app, "/api/household/file", json!({ "id": qian_ref })).await;
    assert_eq!(s, StatusCode::OK, "{file}");
    assert_eq!(file["payments"][0]["month"], json!(month));
    assert_eq!(file["payments"][0]["amount"], "480.00");
    assert_eq!(file["payments"][0]["bank"][0], "paid");

    // Next month's roll approved, then 钱秋菊's household leaves today: what next month's roll
    // paid it is flagged to recover.
    let next = app::domain::payments::Month::parse(&month)
        .unwrap()
        .next()
        .to_string();
    let (s, roll2) = call(&cw, &app, "/api/payments/prepare", json!({ "month": next })).await;
    assert_eq!(s, StatusCode::OK, "{roll2}");
    let (s, _) = call(
        &second,
        &app,
        "/api/payments/approve",
        json!({ "roll": roll2["id"].as_str().unwrap() }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, page) = call(&cw, &app, "/api/payments/page", json!({ "month": month })).await;
    assert_eq!(page["overpaid"], json!([]), "nothing overpaid yet");
    // A month before the latest approved roll is paid already: no roll for it.
    let before = app::domain::payments::Month::parse(&month)
        .unwrap()
        .prev()
        .to_string();
    let (s, e) = call(
        &cw,
        &app,
        "/api/payments/prepare",
        json!({ "month": before }),
    )
    .await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (StatusCode::CONFLICT, Some("roll_past"))
    );
    let r = post_form(
        &cw,
        &app,
        "/api/cycle/exit",
        &[
            ("household", qian_ref.as_str()),
            ("reason", "家庭收入超过低保标准"),
            ("taper", "false"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let (_, page) = call(&cw, &app, "/api/payments/page", json!({ "month": month })).await;
    let overpaid = page["overpaid"].as_array().unwrap();
    assert_eq!(overpaid.len(), 1, "{page}");
    assert_eq!(
        (
            &overpaid[0]["household_id"],
            &overpaid[0]["month"],
            &overpaid[0]["amount"]
        ),
        (&json!(qian_ref), &json!(next), &json!("480.00"))
    );

    // Every step is in the audit trail.
    let trail = app
        .store()
        .search_audit(&app::store::AuditQuery {
            region: None,
            actor_login: None,
            action: None,
            object: Some(id.clone()),
            result: None,
            from: None,
            until: None,
            before_seq: None,
            limit: 50,
        })
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = trail
        .iter()
        .map(|l| {
            (
                l.entry.action.as_str(),
                l.actor_login.as_deref().unwrap_or(""),
            )
        })
        .collect();
    for step in [
        ("payment_prepare", "demo_caseworker"),
        ("payment_approve", "ganzhou_cw2"),
        ("payment_bank_file", "demo_caseworker"),
        ("payment_return", "demo_caseworker"),
    ] {
        assert!(actions.contains(&step), "{step:?} in {actions:?}");
    }
    assert!(trail.iter().any(|l| l.entry.action == "payment_approve"
        && l.actor_login.as_deref() == Some("demo_caseworker")
        && l.entry.result == app::domain::audit::AuditResult::Denied));
}
