//! 统计分析 through HTTP: the figures of the caller's region and of regions below it, never of
//! another's; each number's list behind it; the range of months checked; the monthly report.

use crate::helpers::{caseworker, spawn_app, TestApp};
use crate::rosters::household_in_assistance;
use reqwest::{Client, StatusCode};
use serde_json::Value;

pub(crate) async fn dashboard(
    app: &TestApp,
    c: &Client,
    region: &str,
    from: &str,
    to: &str,
) -> (StatusCode, Value) {
    let r = c
        .post(app.url("/api/statistics/dashboard"))
        .form(&[("region", region), ("from", from), ("to", to)])
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn section<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no section {id}: {d}"))
}

/// The row of a section's table whose label is `label`.
fn row<'a>(s: &'a Value, label: &str) -> &'a Vec<Value> {
    s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0]["text"] == label)
        .unwrap_or_else(|| panic!("no row {label}: {s}"))
        .as_array()
        .unwrap()
}

pub(crate) async fn refresh(app: &TestApp, c: &Client) {
    let r = c
        .post(app.url("/api/statistics/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn the_dashboard_shows_the_callers_region_level_by_level_and_links_each_number_to_its_list() {
    let app = spawn_app().await;
    let cw = caseworker(&app, "stats_cw", "620702000000").await;
    refresh(&app, &cw).await;
    let (s, before) = dashboard(&app, &cw, "", "", "").await;
    assert_eq!(s, StatusCode::OK, "{before}");
    let dibao_before: i64 = row(section(&before, "households"), "低保对象")[4]["text"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    for (phone, id, name) in [
        ("13900000731", "62070219610101731", "赵统计"),
        ("13900000732", "62070219610101732", "钱统计"),
    ] {
        household_in_assistance(&app, &cw, phone, id, name, "梁家墩镇5组", "400").await;
    }
    // Not counted until the figures are refreshed (the page says as of when).
    let (_, stale) = dashboard(&app, &cw, "", "", "").await;
    assert_eq!(stale["refreshed_at"], before["refreshed_at"]);
    // A refresh asked within a minute of the last is not repeated; the job's next one is.
    app.store().replace_statistics(&[], 1, 0).await.unwrap();
    refresh(&app, &cw).await;
    let (s, d) = dashboard(&app, &cw, "", "", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["region"], "620702000000");
    assert!(d["refreshed_at"].as_i64().unwrap() > 1);
    let households = section(&d, "households");
    let dibao = row(households, "低保对象");
    // Rural (the declaration's residence), households, persons.
    assert_eq!(dibao[4]["text"], (dibao_before + 2).to_string());
    assert!(dibao[2]["text"].as_str().unwrap().parse::<i64>().unwrap() >= 2);
    assert_eq!(
        dibao[4]["href"],
        "/rosters/households.xlsx?region=620702000000&category=dibao&standing=in_assistance"
    );
    // A chart beside the table: an ECharts option with the categories and a series per residence.
    let chart: Value = serde_json::from_str(households["chart"].as_str().unwrap()).unwrap();
    assert_eq!(chart["xAxis"]["data"][1], "低保对象", "{chart}");
    assert_eq!(chart["series"].as_array().unwrap().len(), 3);
    // The number's list: the masked roster of those households.
    let r = cw
        .get(app.url(dibao[4]["href"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Entered this month; the applications by state.
    let month = d["to"].as_str().unwrap().to_string();
    let flow = section(&d, "flow");
    assert!(
        row(flow, &month)[1]["text"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            >= 2
    );
    let approved = row(section(&d, "applications"), "结果：已批准");
    assert_eq!(approved[1]["text"], "2");
    assert_eq!(
        approved[1]["href"],
        "/rosters/applications.xlsx?region=620702000000&status=approved"
    );

    // Down a level: the county's townships, each a link to its own figures.
    let children = section(&d, "children");
    let liangjiadun = children["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r[0]["href"]
                .as_str()
                .unwrap_or("")
                .contains("region=620702100000")
        })
        .unwrap_or_else(|| panic!("{children}"));
    assert!(
        liangjiadun[2]["text"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            >= 2
    );
    let (s, town) = dashboard(&app, &cw, "620702100000", "", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        town["trail"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["620702000000", "620702100000"]
    );
    let (s, village) = dashboard(&app, &cw, "620702100201", "", "").await;
    assert_eq!(s, StatusCode::OK);
    assert!(village["sections"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["id"] != "children"));

    // Another county's caseworker: its own (empty) figures, never this county's, nor above its own.
    let other = caseworker(&app, "stats_gaotai", "620724000000").await;
    let (s, theirs) = dashboard(&app, &other, "", "", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        row(section(&theirs, "households"), "低保对象")[4]["text"],
        "0"
    );
    for region in ["620702000000", "620702100201", "620700000000", "62"] {
        let (s, _) = dashboard(&app, &other, region, "", "").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{region}");
        let r = other
            .get(app.url(&format!("/statistics/report.xlsx?region={region}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{region}");
    }
    // A township's caseworker sees its township, not the county.
    let township = caseworker(&app, "stats_town", "620702100000").await;
    let (s, _) = dashboard(&app, &township, "620702000000", "", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A resident, a department officer: not for them.
    let resident = app.client();
    assert_eq!(
        app.sign_in(&resident, "13800000001", "Demo2026pass")
            .await
            .status(),
        StatusCode::OK
    );
    let (s, _) = dashboard(&app, &resident, "", "", "").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = dashboard(&app, &app.client(), "", "", "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The months: checked, the last not before the first, at most five years.
    for (from, to) in [
        ("2026-13", ""),
        ("", "26-01"),
        ("2026-05", "2026-04"),
        ("2020-01", "2026-01"),
    ] {
        let (s, e) = dashboard(&app, &cw, "", from, to).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{from} {to}: {e}");
    }
    let (s, range) = dashboard(&app, &cw, "", "2026-01", "2026-03").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        section(&range, "flow")["rows"].as_array().unwrap().len(),
        3,
        "a row per month"
    );
    let (s, e) = dashboard(&app, &cw, "6207xx", "", "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // The monthly statistical report: region and month in its title, Dibao urban/rural.
    let r = cw
        .get(app.url(&format!("/statistics/report.xlsx?month={month}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(
        rows[0][0].contains("甘州区")
            && rows[0][0].contains("社会救助统计月报")
            && rows[0][0].contains(&month),
        "{:?}",
        rows[0]
    );
    let rural = rows
        .iter()
        .find(|r| r[0] == "农村最低生活保障")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(rural[1].parse::<i64>().unwrap() >= 2, "{rural:?}");
    assert!(rows.iter().any(|r| r[0] == "特困人员（集中供养）"));
    assert!(rows.iter().any(|r| r[0] == "临时救助（先行救助）"));
    let r = cw
        .get(app.url("/statistics/report.xlsx?month=2026-13"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = cw
        .get(app.url("/statistics/report.xlsx?month=2026-01&x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // The performance review: this level and each township below, as on the page.
    let review = section(&d, "review");
    assert_eq!(review["rows"][0][0]["text"], "本级合计");
    assert!(review["rows"].as_array().unwrap().len() > 1);
    assert_eq!(
        d["review_href"],
        format!(
            "/statistics/review.xlsx?region=620702000000&from={}&to={month}",
            d["from"].as_str().unwrap()
        )
    );
    let r = cw
        .get(app.url(d["review_href"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let review_rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(review_rows[0][0].contains("考核表"), "{review_rows:?}");
    assert!(review_rows.iter().any(|r| r[0] == "本级合计"));
    assert!(
        review_rows.iter().any(|r| r[0] == "梁家墩镇"),
        "{review_rows:?}"
    );
    let r = other
        .get(app.url("/statistics/review.xlsx?region=620702000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Each report export is in the audit trail.
    let audited = app
        .store()
        .search_audit(&app::store::AuditQuery {
            region: None,
            actor_login: Some("stats_cw".into()),
            action: Some("statistics_report".into()),
            object: None,
            result: None,
            from: None,
            until: None,
            before_seq: None,
            limit: 50,
        })
        .await
        .unwrap();
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0].entry.object, format!("620702000000 {month}"));
}

/// Every number on the page that links to a list is the number of lines of that list: the
/// households (by category, residence, region below, entering, leaving), the applications
/// decided, the warnings (by source × level, visits due and on time), the referrals (sent and
/// answered) and the emergency aid.
/// Follows every count on a dashboard page that links to a roster and checks the roster has
/// exactly that many lines (persons and amounts link to the same lists as their counts; they
/// are not counts of lines). The links followed.
pub(crate) async fn every_linked_count_is_its_rosters_lines(
    app: &TestApp,
    cw: &Client,
    d: &Value,
) -> Vec<String> {
    use crate::rosters::Roster;
    let mut checked = Vec::new();
    for section in d["sections"].as_array().unwrap() {
        let head = section["head"].as_array().unwrap();
        for row in section["rows"].as_array().unwrap() {
            for (i, cell) in row.as_array().unwrap().iter().enumerate() {
                let Some(href) = cell["href"].as_str() else {
                    continue;
                };
                if !href.starts_with("/rosters/") || head[i] == "人数" {
                    continue;
                }
                // A count (a fund's cell: households / amount); amounts in yuan are not.
                let text = cell["text"].as_str().unwrap();
                let Ok(n) = text.split(" / ").next().unwrap().parse::<usize>() else {
                    continue;
                };
                let roster = Roster::of(cw.get(app.url(href)).send().await.unwrap()).await;
                assert_eq!(
                    roster.lines().len(),
                    n,
                    "{} / {} / {}: {href}",
                    section["id"],
                    row[0]["text"],
                    head[i]
                );
                checked.push(href.to_string());
            }
        }
    }
    checked
}

#[tokio::test]
async fn every_linked_count_on_the_dashboard_is_the_number_of_lines_of_its_roster() {
    use app::domain::monitoring::{RuleKind, WarningLevel};
    let app = spawn_app().await;
    let cw = caseworker(&app, "stats_links", "620702000000").await;
    for (phone, id, name) in [
        ("13900000741", "62070219610101741", "孙链接"),
        ("13900000742", "62070219610101742", "李链接"),
    ] {
        household_in_assistance(&app, &cw, phone, id, name, "梁家墩镇5组", "400").await;
    }
    let households = app.store().households_in_assistance().await.unwrap();
    let (household, region) = households[0].clone();
    // A referral to medical insurance, and emergency aid given in advance.
    let r = crate::api::post_json(
        &cw,
        &app,
        "/api/household/refer",
        serde_json::json!({ "referral": { "household": household, "need": "premium_subsidy",
            "note": "参保资助未落实" } }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = crate::api::post_json(
        &cw,
        &app,
        "/api/cycle/emergency",
        serde_json::json!({ "emergency": { "id": "emergency-links-0001", "person_name": "周临时",
            "id_number": crate::api::valid_id("21010219850505002"), "region": "620702",
            "situation": "务工期间突发疾病，无力支付医疗费", "amount": "800", "advance": true,
            "conference": "" } }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    // A recovery case opened for an overpayment.
    let r = cw
        .post(app.url("/api/recovery/open"))
        .form(&[
            ("household", household.as_str()),
            ("reason", "paid_after_exit"),
            ("amount", "300"),
            ("decision", "甘民追〔2026〕9号"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    // Two warnings raised by staff: one of level II whose visit is past due, one of level I.
    let now = app::services::now_millis();
    for (level, due) in [
        (WarningLevel::II, chrono::Days::new(3)),
        (WarningLevel::I, chrono::Days::new(0)),
    ] {
        let today = app::services::today_in_china();
        app.store()
            .raise_warning(app::store::NewWarning {
                household_id: household.clone(),
                region_code: region.clone(),
                kind: if level == WarningLevel::I {
                    RuleKind::SevereDisability
                } else {
                    RuleKind::MedicalOutOfPocket
                },
                level,
                trigger_json: "{}".into(),
                visit_due: today - due,
                now,
            })
            .await
            .unwrap();
    }
    refresh(&app, &cw).await;
    let (s, d) = dashboard(&app, &cw, "", "", "").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let checked = every_linked_count_is_its_rosters_lines(&app, &cw, &d).await;
    // The lists behind the numbers this test made are among those checked.
    for (list, min) in [
        ("/rosters/households.xlsx?region=620702000000&category=dibao&standing=in_assistance&residence=rural", 1),
        ("/rosters/households.xlsx?region=620702000000&flow=entered", 1),
        ("/rosters/applications.xlsx?region=620702000000&from=", 1),
        ("/rosters/warnings.xlsx?region=620702000000&level=I&source=staff&", 1),
        ("/rosters/warnings.xlsx?region=620702000000&level=II&source=staff&", 1),
        ("/rosters/warnings.xlsx?region=620702000000&visit=due", 2),
        ("/rosters/warnings.xlsx?region=620702000000&visit=on_time", 1),
        ("/rosters/referrals.xlsx?region=620702000000&department=medical_insurance&from", 1),
        ("/rosters/referrals.xlsx?region=620702000000&status=answered&department=medical_insurance", 1),
        ("/rosters/emergency.xlsx?region=620702000000&form=advance", 1),
        ("/rosters/recovery.xlsx?region=620702000000&reason=paid_after_exit&from=", 1),
        ("/rosters/recovery.xlsx?region=620702000000&status=outstanding", 1),
        ("/rosters/households.xlsx?region=620702100000&standing=in_assistance", 1),
    ] {
        assert!(
            checked.iter().filter(|h| h.starts_with(list)).count() >= min,
            "{list} not among {checked:#?}"
        );
    }
}
