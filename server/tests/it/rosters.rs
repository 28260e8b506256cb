//! 花名册 through HTTP: a roster is the caller's region only, masked unless a caseworker states
//! a purpose, audited either way, text never a formula, and a refusal a browser can read.

use crate::api::{draft_id, good_draft, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{lanzhou_admin, spawn_app, TestApp, LANZHOU_PASSWORD};
use calamine::Reader as _;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::io::Read as _;

async fn login(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, password).await;
    assert_eq!(r.status(), StatusCode::OK, "{login}");
    c
}

/// A household in assistance: submitted, accepted, visited, decided Dibao at `amount` yuan a
/// month and finalised (the notice's end told to the store). Its application's number.
pub(crate) async fn household_in_assistance(
    app: &TestApp,
    cw: &Client,
    phone: &str,
    id17: &str,
    name: &str,
    address: &str,
    amount: &str,
) -> String {
    let r = resident(app, phone).await;
    let d = draft_id(&r, app).await;
    let mut draft = good_draft(&[valid_id(id17)]);
    draft.members[0].name = name.into();
    draft.address = address.into();
    draft.contact_phone = phone.into();
    draft.income_wages = "100".into();
    let sent = submit(&r, app, &d, &draft).await;
    assert_eq!(sent.status(), StatusCode::OK);
    let number = sent.json::<Value>().await.unwrap()["number"]
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
    let today = app::services::today_in_china().to_string();
    let decided = post_json(cw, app, "/api/casework/decide", json!({ "number": number, "decision": { "category": "dibao", "monthly_amount": amount, "adjustment_reason": "按核实收入", "effective_from": today } })).await;
    assert_eq!(decided.status(), StatusCode::OK);
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
    number
}

/// A downloaded roster: every cell of its sheet as text (row by row), and the raw XML of the
/// sheet and of its styles.
pub(crate) struct Roster {
    rows: Vec<Vec<String>>,
    pub(crate) sheet_xml: String,
    styles_xml: String,
    formulas: usize,
}

impl Roster {
    pub(crate) async fn of(r: reqwest::Response) -> Roster {
        let status = r.status();
        if status != StatusCode::OK {
            panic!("{status}: {}", r.text().await.unwrap());
        }
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"roster-"));
        let bytes = r.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let rows = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        let formulas = book
            .worksheet_formula(&book.sheet_names()[0].clone())
            .unwrap()
            .cells()
            .filter(|(_, _, f)| !f.is_empty())
            .count();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut part = |name: &str| {
            let mut s = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        Roster {
            sheet_xml: part("xl/worksheets/sheet1.xml"),
            styles_xml: part("xl/styles.xml"),
            rows,
            formulas,
        }
    }

    /// The data rows (after the headings' row, before the total).
    pub(crate) fn lines(&self) -> Vec<&Vec<String>> {
        let head = self
            .rows
            .iter()
            .position(|r| r.first().is_some_and(|c| c == "序号" || c == "No."))
            .expect("a headings row");
        self.rows[head + 1..]
            .iter()
            .filter(|r| r.first().is_some_and(|c| c.parse::<u64>().is_ok()))
            .collect()
    }

    pub(crate) fn line_of(&self, name: &str) -> Option<&Vec<String>> {
        self.lines()
            .into_iter()
            .find(|r| r.contains(&name.to_string()))
    }

    fn total(&self) -> String {
        self.rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c == "合计" || c == "Total"))
            .map(|r| r[1].clone())
            .expect("a total row")
    }
}

#[tokio::test]
async fn a_roster_is_the_callers_region_masked_audited_and_never_a_formula() {
    let app = spawn_app().await;
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    let number = household_in_assistance(
        &app,
        &cw,
        "13900000711",
        "62070219600101711",
        "韩冬梅",
        formula,
        "480",
    )
    .await;
    let full_id = valid_id("62070219600101711");
    // Masked by default: the household is there with its category, amount and standing.
    let roster = Roster::of(
        cw.get(app.url("/rosters/households.xlsx?category=dibao&standing=in_assistance"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let line = roster
        .line_of("韩冬梅")
        .expect("the household's line")
        .clone();
    assert!(
        roster.rows[0][0].ends_with("救助家庭花名册"),
        "{:?}",
        roster.rows[0]
    );
    assert_eq!(roster.rows[1][0], "身份证号、电话已脱敏");
    assert!(!line.contains(&full_id), "{line:?}");
    assert!(
        line.iter()
            .any(|c| c.contains('*') && c.ends_with(&full_id[14..])),
        "{line:?}"
    );
    assert!(line.contains(&"139****0711".to_string()), "{line:?}");
    assert!(!roster.sheet_xml.contains("13900000711"));
    assert!(
        line.contains(&"低保对象".to_string()) && line.contains(&"480".to_string()),
        "{line:?}"
    );
    assert!(
        line.contains(&"在保".to_string()) && line.contains(&number),
        "{line:?}"
    );
    // The address a resident typed as a formula is text, marked so it stays text.
    assert!(line.contains(&formula.to_string()), "{line:?}");
    assert_eq!(roster.formulas, 0);
    assert!(!roster.sheet_xml.contains("<f>"));
    assert!(roster.styles_xml.contains("quotePrefix=\"1\""));
    assert_eq!(roster.total(), roster.lines().len().to_string());
    // Another category does not list it.
    let tekun = Roster::of(
        cw.get(app.url("/rosters/households.xlsx?category=tekun"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(tekun.line_of("韩冬梅").is_none());
    // The applications roster lists the application, approved; English when asked.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str("i18n_pref_locale=en", &app.url("/").parse().unwrap());
    let cw_en = Client::builder().cookie_provider(jar).build().unwrap();
    assert_eq!(
        app.sign_in(&cw_en, "demo_caseworker", "Demo2026pass")
            .await
            .status(),
        StatusCode::OK
    );
    let english = cw_en
        .get(app.url("/rosters/applications.xlsx?status=approved"))
        .send()
        .await
        .unwrap();
    let apps = Roster::of(english).await;
    let line = apps.line_of(&number).expect("the application's line");
    assert!(
        line.contains(&"Minimum living guarantee (Dibao)".to_string())
            && line.contains(&"Result: approved".to_string())
            && line.contains(&"Basic living".to_string()),
        "{line:?}"
    );
    assert_eq!(apps.rows[1][0], "ID numbers and phones masked");
    // Warnings: a roster with its headings even when empty.
    let w = Roster::of(
        cw.get(app.url("/rosters/warnings.xlsx"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(w.total(), w.lines().len().to_string());

    // Unmasked: a POST with a purpose, by a caseworker; the purpose is written in the file.
    let post = |c: &Client, form: Vec<(&'static str, String)>| {
        c.post(app.url("/rosters/households.xlsx"))
            .form(&form)
            .send()
    };
    // A form posts only an unmasked export.
    let masked_post = post(&cw, vec![("category", "dibao".into())]).await.unwrap();
    assert_eq!(masked_post.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        masked_post.json::<Value>().await.unwrap()["detail"][0]["field"],
        "unmask"
    );
    let no_purpose = post(
        &cw,
        vec![("unmask", "true".into()), ("category", "dibao".into())],
    )
    .await
    .unwrap();
    assert_eq!(no_purpose.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_purpose.json::<Value>().await.unwrap()["detail"][0]["field"],
        "purpose"
    );
    // A browser gets the reason as a page in its language, with the way back.
    let page = cw
        .post(app.url("/rosters/households.xlsx"))
        .header("accept", "text/html,application/xhtml+xml")
        .form(&[("unmask", "true"), ("purpose", "核")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("须说明用途") && html.contains("href=\"/staff/rosters\""),
        "{html}"
    );
    // In an address, never.
    let r = cw
        .get(app.url(
            "/rosters/households.xlsx?unmask=true&purpose=%E5%B9%B4%E5%BA%A6%E5%AE%A1%E8%AE%A1",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let purpose = "2026年12月资金发放核对";
    let full = Roster::of(
        post(
            &cw,
            vec![
                ("unmask", "true".into()),
                ("purpose", purpose.into()),
                ("category", "dibao".into()),
            ],
        )
        .await
        .unwrap(),
    )
    .await;
    let line = full.line_of("韩冬梅").unwrap();
    assert!(
        line.contains(&full_id) && line.contains(&"13900000711".to_string()),
        "{line:?}"
    );
    assert_eq!(full.rows[1][0], format!("未脱敏，用途：{purpose}"));

    // Both exports are in the audit trail: what was selected, how many rows, the purpose.
    let trail = app
        .store()
        .search_audit(&app::store::AuditQuery {
            region: None,
            actor_login: Some("demo_caseworker".into()),
            action: None,
            object: Some("households".into()),
            result: None,
            from: None,
            until: None,
            before_seq: None,
            limit: 50,
        })
        .await
        .unwrap();
    let unmasked: Vec<_> = trail
        .iter()
        .filter(|l| l.entry.action == "roster_export_unmasked")
        .collect();
    assert_eq!(unmasked.len(), 1, "{trail:?}");
    assert_eq!(unmasked[0].entry.purpose.as_deref(), Some(purpose));
    assert!(
        unmasked[0]
            .entry
            .object
            .starts_with("households 620702000000 category=dibao standing=*"),
        "{:?}",
        unmasked[0].entry.object
    );
    assert!(trail.iter().any(|l| l.entry.action == "roster_export"
        && l.entry
            .object
            .contains("category=dibao standing=in_assistance rows=")));

    // A system administrator exports masked, never unmasked.
    let admin = login(&app, "demo_admin", "Demo2026pass").await;
    let masked = Roster::of(
        admin
            .get(app.url("/rosters/households.xlsx"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(masked.line_of("韩冬梅").is_some());
    let r = post(
        &admin,
        vec![("unmask", "true".into()), ("purpose", purpose.into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Outside one's region: nothing, and the attempt is recorded.
    let r = cw
        .get(app.url("/rosters/households.xlsx?region=620100000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    lanzhou_admin(&app, "lz_admin", app::domain::status::AdminDuty::System).await;
    let lz = login(&app, "lz_admin", LANZHOU_PASSWORD).await;
    let theirs = Roster::of(
        lz.get(app.url("/rosters/households.xlsx"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(theirs.lines().is_empty(), "{:?}", theirs.rows);
    assert!(!theirs.sheet_xml.contains("韩冬梅"));

    // Nobody else exports at all; a bad filter or list is named.
    let department = login(&app, "demo_department", "Demo2026pass").await;
    let r = department
        .get(app.url("/rosters/households.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let auditor = login(&app, "demo_auditor", "Demo2026pass").await;
    let r = auditor
        .get(app.url("/rosters/households.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client()
        .get(app.url("/rosters/households.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = cw
        .get(app.url("/rosters/households.xlsx?category=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0]["field"],
        "category"
    );
    let r = cw
        .get(app.url("/rosters/nothing.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = cw
        .get(app.url("/rosters/households.xlsx?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
