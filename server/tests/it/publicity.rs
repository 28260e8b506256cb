//! 政策宣传与政务公开 through HTTP, on both databases: the public policy page's standards come
//! from the dated parameters in force; the hotline and supervision numbers apply once approved
//! and show on every portal page; public statistics withhold small cells; the public notice
//! finds a village by name. No sign-in anywhere on the public side.

use crate::api::{draft_id, good_draft, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{backends, lanzhou_admin, spawn_app_on, TestApp, LANZHOU_PASSWORD};
use app::domain::payments::Month;
use app::domain::region::RegionCode;
use app::domain::statistics::{Figure, Measure};
use app::domain::status::AdminDuty;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn staff(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, password).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    c
}

/// A page as anyone receives it: status and HTML, without its comments and `<!>` (the markers
/// between the parts of a text).
async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app.client().get(app.url(path)).send().await.unwrap();
    let status = r.status();
    let mut html = r.text().await.unwrap();
    while let Some(start) = html.find("<!--") {
        let end = html[start..]
            .find("-->")
            .map_or(html.len(), |e| start + e + 3);
        html.replace_range(start..end, "");
    }
    (status, html.replace("<!>", ""))
}

async fn api(app: &TestApp, c: &Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn today() -> String {
    app::services::today_in_china().to_string()
}

const GANZHOU: &str = "620702000000";

#[tokio::test]
async fn the_policy_page_shows_the_standards_in_force_for_the_county_with_their_sources() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        // Before a county is chosen: the plain-language sections and a picker, no figure.
        let (s, html) = page(&app, "/policy").await;
        assert_eq!(s, StatusCode::OK, "{backend}");
        for text in [
            "最低生活保障（低保）",
            "谁可以申请",
            "需要的材料",
            "临时救助和急难救助",
            "甘肃省",
        ] {
            assert!(html.contains(text), "{backend}: {text} missing");
        }
        assert!(!html.contains("data-item=\"dibao_standard\""), "{backend}");
        assert!(
            html.contains("href=\"/declare\""),
            "the estimate is one tap away"
        );

        // Above a county: the next level to choose, no figure yet.
        let (_, d) = api(
            &app,
            &app.client(),
            "/api/public/standards",
            &[("region", "620000000000")],
        )
        .await;
        assert_eq!(
            d["steps"]["trail"],
            json!([["620000000000", "甘肃省"]]),
            "{backend}"
        );
        assert!(
            d["steps"]["choices"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c[1] == "张掖市"),
            "{d}"
        );
        assert_eq!((&d["county"], &d["standards"]), (&Value::Null, &json!([])));
        // A county: its standards in force, each with its source and the example mark.
        let (_, d) = api(
            &app,
            &app.client(),
            "/api/public/standards",
            &[("region", GANZHOU)],
        )
        .await;
        let dibao = d["standards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["item"] == "dibao_standard")
            .unwrap_or_else(|| panic!("{backend}: {d}"))
            .clone();
        assert_eq!(d["county"][1], "甘州区");
        assert!(dibao["sources"][0]["example"].as_bool().unwrap());
        let (_, html) = page(&app, &format!("/policy?region={GANZHOU}")).await;
        assert!(html.contains("甘州区</span>现行标准"), "{backend}");
        // Whole HTML, in place: nothing waits for a script to be put where it belongs.
        assert!(!html.contains("<template"), "{backend}");
        let body_end = html.find("</body>").unwrap();
        assert!(html.find("现行标准").unwrap() < body_end);
        assert!(
            html.find("0936-0000001").unwrap() < body_end,
            "the footer too"
        );
        assert!(html.contains("data-item=\"dibao_standard\""));
        assert!(html.contains("data-item=\"tekun_standard\""));
        assert!(html.contains(dibao["sources"][0]["text"].as_str().unwrap()));
        assert!(html.contains("示例"));

        // The system administrator sets the county's urban standard from today: nothing changes
        // on the public page until the security administrator approves it; then it is shown,
        // with the source entered.
        let admin = staff(&app, "demo_admin", "Demo2026pass").await;
        let added = post_json(&admin, &app, "/api/policy/add_parameter", json!({ "form": {
            "key": "dibao_standard", "region_code": GANZHOU, "residence": "urban", "value": "912.50",
            "effective_from": today(), "source": "甘州区民政局公告第7号" } })).await;
        assert_eq!(
            added.status(),
            StatusCode::OK,
            "{}",
            added.text().await.unwrap()
        );
        let id = added.json::<i64>().await.unwrap();
        let (_, html) = page(&app, &format!("/policy?region={GANZHOU}")).await;
        assert!(
            !html.contains("甘州区民政局公告第7号") && !html.contains("912.50"),
            "{backend}: not approved yet"
        );
        let security = staff(&app, "demo_security", "Demo2026pass").await;
        let r = post_form(
            &security,
            &app,
            "/api/policy/decide_parameter",
            &[("id", &id.to_string()), ("approve", "true")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (_, html) = page(&app, &format!("/policy?region={GANZHOU}")).await;
        assert!(
            html.contains("912.50"),
            "{backend}: the approved standard is shown"
        );
        assert!(
            html.contains("甘州区民政局公告第7号"),
            "{backend}: with its source"
        );
        // A village is shown its county's standards; another county keeps the city's.
        let (_, d) = api(
            &app,
            &app.client(),
            "/api/public/standards",
            &[("region", "620702100201")],
        )
        .await;
        assert_eq!(d["county"][0], GANZHOU);
        assert_eq!(d["standards"][0]["urban"], 91_250);
        let (_, d) = api(
            &app,
            &app.client(),
            "/api/public/standards",
            &[("region", "620722000000")],
        )
        .await;
        assert_ne!(d["standards"][0]["urban"], 91_250, "{backend}: {d}");

        // Nonsense is a field error, never a 500; no sign-in is needed for any of it.
        let (s, e) = api(
            &app,
            &app.client(),
            "/api/public/standards",
            &[("region", "62x")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["detail"][0]["field"], "region");
        let (s, _) = page(&app, "/policy?region=%3Cscript%3E").await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a bad address still gives the page, with its message"
        );
    }
}

#[tokio::test]
async fn public_numbers_apply_once_approved_and_every_portal_page_shows_them() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        // The seeded examples, for the province, on any portal page's footer, marked example.
        for path in ["/", "/login", "/policy", "/open", "/notice"] {
            let (s, html) = page(&app, path).await;
            assert_eq!(s, StatusCode::OK, "{backend} {path}");
            assert!(html.contains("id=\"public-footer\""), "{backend} {path}");
            assert!(
                html.contains("0936-0000001") && html.contains("0936-0000002"),
                "{backend} {path}"
            );
            assert!(
                html.contains("tel:09360000001"),
                "{backend} {path}: a number one taps to call"
            );
        }

        // Added by the system administrator for the county: pending, not shown.
        let admin = staff(&app, "demo_admin", "Demo2026pass").await;
        let form = |number: &'static str, kind: &'static str| {
            vec![
                ("region", GANZHOU),
                ("kind", kind),
                ("number", number),
                ("effective_from", "TODAY"),
                ("source", "区政府公告"),
            ]
        };
        let with_today = |f: Vec<(&'static str, &'static str)>| -> Vec<(String, String)> {
            f.into_iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        if v == "TODAY" { today() } else { v.to_string() },
                    )
                })
                .collect()
        };
        let r = admin
            .post(app.url("/api/public/add_contact"))
            .form(&with_today(form("0936-8212345", "supervision")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let id = r.json::<i64>().await.unwrap().to_string();
        let county_page = format!("/policy?region={GANZHOU}");
        assert!(
            !page(&app, &county_page).await.1.contains("0936-8212345"),
            "{backend}: pending"
        );

        // Bad input: each field named, nothing stored.
        let r = admin
            .post(app.url("/api/public/add_contact"))
            .form(&[
                ("region", "x"),
                ("kind", "fax"),
                ("number", "call me"),
                ("effective_from", "2020-01-01"),
                ("source", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields = crate::helpers::fields_named(&r.json::<Value>().await.unwrap());
        assert_eq!(
            fields,
            ["region", "kind", "number", "effective_from", "source"]
        );
        assert_eq!(
            app.store().public_contacts().await.unwrap().len(),
            5,
            "{backend}"
        );

        // Who may do what: nobody anonymous, no resident, not the one who entered it, not
        // another city's security administrator; a region outside one's own is refused.
        let anonymous = app
            .client()
            .post(app.url("/api/public/add_contact"))
            .form(&with_today(form("0936-8212345", "hotline")))
            .send()
            .await
            .unwrap();
        let s = anonymous.status();
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let res = resident(&app, "13900002201").await;
        let (s, _) = api(
            &app,
            &res,
            "/api/public/decide_contact",
            &[("id", &id), ("approve", "true")],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = api(
            &app,
            &admin,
            "/api/public/decide_contact",
            &[("id", &id), ("approve", "true")],
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "the system administrator does not approve"
        );
        let mut outside = with_today(form("0931-1234567", "hotline"));
        outside[0].1 = "620102000000".into();
        let r = admin
            .post(app.url("/api/public/add_contact"))
            .form(&outside)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "Lanzhou is not the administrator's region"
        );
        lanzhou_admin(&app, "lz_security", AdminDuty::Security).await;
        let lz = staff(&app, "lz_security", LANZHOU_PASSWORD).await;
        let (s, _) = api(
            &app,
            &lz,
            "/api/public/decide_contact",
            &[("id", &id), ("approve", "true")],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Approved: the county's pages show it in place of the province's; others keep theirs.
        let security = staff(&app, "demo_security", "Demo2026pass").await;
        let (s, _) = api(
            &app,
            &security,
            "/api/public/decide_contact",
            &[("id", &id), ("approve", "true")],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, again) = api(
            &app,
            &security,
            "/api/public/decide_contact",
            &[("id", &id), ("approve", "false")],
        )
        .await;
        assert_eq!(
            (s, again["detail"].as_str()),
            (StatusCode::CONFLICT, Some("param_not_pending"))
        );
        let html = page(&app, &county_page).await.1;
        assert!(
            html.contains("0936-8212345") && !html.contains("0936-0000002"),
            "{backend}"
        );
        assert!(
            html.contains("0936-0000001"),
            "{backend}: the province's hotline still holds"
        );
        let html = page(&app, "/policy?region=620722000000").await.1;
        assert!(
            html.contains("0936-0000002") && !html.contains("0936-8212345"),
            "{backend}"
        );

        // Each step is in the audit trail.
        let actions = app.audited(50).await;
        for a in ["public_contact_add", "public_contact_approve"] {
            assert!(
                actions.iter().any(|x| x == a),
                "{backend}: {a} in {actions:?}"
            );
        }
    }
}

fn fig(
    region: &str,
    measure: Measure,
    month: Option<&str>,
    k1: &str,
    n: i64,
    amount: i64,
) -> Figure {
    Figure {
        region: RegionCode::parse(region).unwrap(),
        measure,
        month: month.map(|m| Month::parse(m).unwrap()),
        k1: k1.into(),
        k2: String::new(),
        n,
        amount,
    }
}

#[tokio::test]
async fn public_statistics_show_a_countys_month_and_withhold_small_cells() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let m = Some("2026-10");
        let figures = vec![
            fig(GANZHOU, Measure::Paid, m, "dibao", 12, 1_200_000),
            fig(GANZHOU, Measure::PaidPersons, m, "dibao", 30, 0),
            fig(GANZHOU, Measure::Paid, m, "dibao_marginal", 9, 90_000),
            fig(GANZHOU, Measure::PaidPersons, m, "dibao_marginal", 21, 0),
            fig(GANZHOU, Measure::Paid, m, "tekun", 3, 330_000),
            fig(GANZHOU, Measure::PaidPersons, m, "tekun", 3, 0),
            fig(
                GANZHOU,
                Measure::Paid,
                Some("2026-09"),
                "dibao",
                11,
                1_100_000,
            ),
            fig(GANZHOU, Measure::Households, None, "dibao", 40, 97),
            fig(GANZHOU, Measure::Households, None, "tekun", 6, 6),
        ];
        app.store()
            .replace_statistics(&figures, 1_700_000_000_000, 5)
            .await
            .unwrap();
        let c = app.client();
        let (s, d) = api(&app, &c, "/api/public/statistics", &[("region", GANZHOU)]).await;
        assert_eq!(s, StatusCode::OK, "{backend}: {d}");
        assert_eq!(d["min_cell"], 5);
        assert_eq!(d["months"], json!(["2026-10", "2026-09"]));
        assert_eq!(d["month"], "2026-10", "the latest month first");
        let line = |lines: &Value, cat: &str| -> Value {
            lines
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["category"] == cat)
                .unwrap()
                .clone()
        };
        assert_eq!(
            line(&d["paid"], "dibao"),
            json!({ "category": "dibao", "households": 12, "persons": 30, "amount": 1_200_000 })
        );
        // 3 Tekun households are withheld, and the marginal 9 with them: the total would give
        // the 3 back.
        assert_eq!(
            line(&d["paid"], "tekun"),
            json!({ "category": "tekun", "households": null, "persons": null, "amount": null })
        );
        assert_eq!(
            line(&d["paid"], "dibao_marginal")["households"],
            Value::Null
        );
        assert_eq!(
            line(&d["paid"], ""),
            json!({ "category": "", "households": 24, "persons": 54, "amount": 1_620_000 })
        );
        assert_eq!(line(&d["now"], "tekun")["households"], 6);

        // The page: a plain table, "*" where withheld, the withheld figures nowhere in it.
        let (s, html) = page(&app, &format!("/open?region={GANZHOU}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("id=\"open-paid\"") && html.contains(">*<"),
            "{backend}"
        );
        assert!(
            html.contains("12,000.00") || html.contains("12000.00"),
            "{backend}: {html}"
        );
        assert!(
            !html.contains("3,300.00") && !html.contains("3300.00") && !html.contains("900.00"),
            "{backend}"
        );
        assert!(html.contains("少于5户"));
        let (_, html) = page(&app, &format!("/open?region={GANZHOU}&month=2026-09")).await;
        assert!(
            html.contains("11,000.00") || html.contains("11000.00"),
            "{backend}"
        );

        // A month not published, or not a month: the field named.
        for month in ["2026-08", "2026-13", "x"] {
            let (s, e) = api(
                &app,
                &c,
                "/api/public/statistics",
                &[("region", GANZHOU), ("month", month)],
            )
            .await;
            assert_eq!(
                (s, e["detail"][0]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("month")),
                "{month}"
            );
        }
        // Another county: nothing paid yet, said so.
        let (_, d) = api(
            &app,
            &c,
            "/api/public/statistics",
            &[("region", "620722000000")],
        )
        .await;
        assert_eq!(d["month"], Value::Null);
        assert_eq!(d["paid"], json!([]));
    }
}

#[tokio::test]
async fn the_public_notice_finds_a_village_by_name_and_lists_its_notices() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        // One decision under public notice in 迎恩村 (620702100201).
        let cw = staff(&app, "demo_caseworker", "Demo2026pass").await;
        let r = resident(&app, "13900002211").await;
        let d = draft_id(&r, &app).await;
        let mut draft = good_draft(&[valid_id("62070219700101221")]);
        draft.members[0].name = "孙公示".into();
        let sent = submit(&r, &app, &d, &draft).await;
        assert_eq!(sent.status(), StatusCode::OK);
        let number = sent.json::<Value>().await.unwrap()["number"]
            .as_str()
            .unwrap()
            .to_string();
        for to in ["accepted", "visiting"] {
            let r = post_form(
                &cw,
                &app,
                "/api/casework/advance",
                &[("number", number.as_str()), ("to", to)],
            )
            .await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let decided = post_json(&cw, &app, "/api/casework/decide", json!({ "number": number, "decision": { "category": "dibao", "monthly_amount": "300", "adjustment_reason": "按核实收入", "effective_from": today() } })).await;
        assert_eq!(
            decided.status(),
            StatusCode::OK,
            "{}",
            decided.text().await.unwrap()
        );

        // Found by name within the county; the link leads to its notices.
        let c = app.client();
        let (s, found) = api(
            &app,
            &c,
            "/api/public/notice_places",
            &[("region", GANZHOU), ("text", "迎恩")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend}: {found}");
        assert_eq!(
            found["found"],
            json!([["620702100201", "迎恩村村民委员会"]])
        );
        let (_, html) = page(
            &app,
            &format!("/notice?region={GANZHOU}&text=%E8%BF%8E%E6%81%A9"),
        )
        .await;
        assert!(
            html.contains("href=\"/notice?region=620702100201\""),
            "{backend}"
        );
        let (_, html) = page(&app, "/notice?region=620702100201").await;
        assert!(
            html.contains("孙**") && !html.contains("孙公示"),
            "{backend}: the masked name only"
        );
        let (_, html) = page(&app, "/notice?region=620702100202").await;
        assert!(
            !html.contains("孙**"),
            "{backend}: another village's notice is not this one's"
        );

        // A name is taken literally (no wildcard), searched only within a region, and short.
        let (_, found) = api(
            &app,
            &c,
            "/api/public/notice_places",
            &[("region", GANZHOU), ("text", "%")],
        )
        .await;
        assert_eq!(found["found"], json!([]));
        let (s, e) = api(
            &app,
            &c,
            "/api/public/notice_places",
            &[("region", ""), ("text", "迎恩")],
        )
        .await;
        assert_eq!(
            (s, e["detail"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("region"))
        );
        let long = "村".repeat(21);
        let (s, _) = api(
            &app,
            &c,
            "/api/public/notice_places",
            &[("region", GANZHOU), ("text", &long)],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, html) = page(&app, "/notice?text=%E8%BF%8E%E6%81%A9").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("请先选择县（区）"), "{backend}");
    }
}
