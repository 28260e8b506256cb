//! 追回 through HTTP: a caseworker opens a case on a household of the region, repayments are
//! recorded, the rest is written off only with a second county caseworker's approval; nothing
//! for another region; the case on the household file and in the figures.

use crate::helpers::{caseworker, spawn_app, TestApp};
use crate::rosters::household_in_assistance;
use reqwest::{Client, StatusCode};
use serde_json::Value;

async fn post(app: &TestApp, c: &Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn fields(e: &Value) -> Vec<String> {
    e["detail"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_recovery_is_repaid_and_its_rest_written_off_by_a_second_person_in_the_region_only() {
    let app = spawn_app().await;
    let cw = caseworker(&app, "rc_cw", "620702000000").await;
    let number = household_in_assistance(
        &app,
        &cw,
        "13900000741",
        "62070219610101741",
        "周追回",
        "梁家墩镇6组",
        "400",
    )
    .await;
    let household = app
        .store()
        .application(&number)
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();
    let open = |c: &Client, reason: &str, amount: &str, decision: &str| {
        let form = [
            ("household", household.as_str()),
            ("reason", reason),
            ("amount", amount),
            ("decision", decision),
            ("note", ""),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let url = app.url("/api/recovery/open");
        let c = c.clone();
        async move {
            let r = c.post(url).form(&form).send().await.unwrap();
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Checked: reason, a positive amount within bounds, a decision.
    let (s, e) = open(&cw, "because", "-5", "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["reason", "amount", "decision"]);
    let (s, e) = open(&cw, "paid_after_exit", "99999999", "甘民追〔2026〕7号").await;
    assert_eq!(
        (s, fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["amount".to_string()])
    );
    // Another county: as if there were no such household.
    let other = caseworker(&app, "rc_gaotai", "620724000000").await;
    let (s, _) = open(&other, "paid_after_exit", "800", "甘民追〔2026〕7号").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, id) = open(&cw, "paid_after_exit", "800", "甘民追〔2026〕7号").await;
    assert_eq!(s, StatusCode::OK, "{id}");
    let id = id.as_str().unwrap().to_string();
    assert!(id.starts_with("rc-"));
    let today = app::services::today_in_china();
    let tomorrow = today.succ_opt().unwrap().to_string();
    let (s, e) = post(
        &app,
        &cw,
        "/api/recovery/repay",
        &[("case", &id), ("amount", "300"), ("paid_on", &tomorrow)],
    )
    .await;
    assert_eq!(
        (s, fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["paid_on".to_string()]
        )
    );
    let (s, e) = post(
        &app,
        &other,
        "/api/recovery/repay",
        &[
            ("case", &id),
            ("amount", "300"),
            ("paid_on", &today.to_string()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, case) = post(
        &app,
        &cw,
        "/api/recovery/repay",
        &[
            ("case", &id),
            ("amount", "300"),
            ("paid_on", &today.to_string()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(
        (case["repaid"].as_str(), case["outstanding"].as_str()),
        (Some("300.00"), Some("500.00"))
    );
    let (s, e) = post(
        &app,
        &cw,
        "/api/recovery/repay",
        &[
            ("case", &id),
            ("amount", "500.01"),
            ("paid_on", &today.to_string()),
        ],
    )
    .await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (StatusCode::CONFLICT, Some("recovery_more_than_outstanding"))
    );

    // The rest written off: asked with a reason, decided by another county caseworker.
    let (s, e) = post(
        &app,
        &cw,
        "/api/recovery/ask_write_off",
        &[("case", &id), ("reason", "ab")],
    )
    .await;
    assert_eq!(
        (s, fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
    );
    let (s, case) = post(
        &app,
        &cw,
        "/api/recovery/ask_write_off",
        &[("case", &id), ("reason", "户主已故，无遗产可追")],
    )
    .await;
    assert_eq!(
        (s, case["state"].as_str()),
        (StatusCode::OK, Some("write_off_asked"))
    );
    assert_eq!(case["may_decide"], false, "not by who asked");
    let (s, e) = post(
        &app,
        &cw,
        "/api/recovery/decide_write_off",
        &[("case", &id), ("approve", "true")],
    )
    .await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (StatusCode::CONFLICT, Some("same_person"))
    );
    let township = caseworker(&app, "rc_town", "620702100000").await;
    let (s, e) = post(
        &app,
        &township,
        "/api/recovery/decide_write_off",
        &[("case", &id), ("approve", "true")],
    )
    .await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (StatusCode::CONFLICT, Some("county_staff_only"))
    );
    let (s, _) = post(
        &app,
        &other,
        "/api/recovery/decide_write_off",
        &[("case", &id), ("approve", "true")],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let second = caseworker(&app, "rc_cw2", "620702000000").await;
    let (s, e) = post(
        &app,
        &second,
        "/api/recovery/decide_write_off",
        &[("case", &id), ("approve", "maybe")],
    )
    .await;
    assert_eq!(
        (s, fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["approve".to_string()]
        )
    );
    let (s, case) = post(
        &app,
        &second,
        "/api/recovery/decide_write_off",
        &[("case", &id), ("approve", "true")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(
        (
            case["state"].as_str(),
            case["written_off"].as_str(),
            case["outstanding"].as_str()
        ),
        (Some("closed"), Some("500.00"), Some("0.00"))
    );

    // On the household file, with its repayment.
    let (s, file) = post(&app, &cw, "/api/household/file", &[("id", &household)]).await;
    assert_eq!(s, StatusCode::OK);
    let cases = file["recoveries"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["decision"], "甘民追〔2026〕7号");
    assert_eq!(cases[0]["repayments"][0]["amount"], "300.00");

    // In the figures: opened this month, repaid, nothing outstanding.
    let r = cw
        .post(app.url("/api/statistics/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, d) = post(
        &app,
        &cw,
        "/api/statistics/dashboard",
        &[("region", ""), ("from", ""), ("to", "")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let section = d["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "recovery")
        .unwrap();
    let rows: Vec<Vec<&str>> = section["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c["text"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["退出后仍发放", "1", "800.00"],
            vec!["本期追回款", "1", "300.00"],
            vec!["当前待追回", "0", "0.00"],
        ]
    );
}
