//! Department data comparison through HTTP: a GBK CSV from medical insurance is matched by ID
//! number, bad rows are reported with reasons, a re-import changes nothing, a refused file
//! stores nothing, and the warnings equal an independent reference computation.

use crate::api::{draft_id, good_draft, post_form, resident, submit, valid_id};
use crate::helpers::{spawn_app, TestApp};
use reqwest::{multipart, Client, StatusCode};
use serde_json::Value;

async fn login(app: &TestApp, login: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, "Demo2026pass").await;
    assert_eq!(r.status(), StatusCode::OK);
    c
}

async fn upload(c: &Client, app: &TestApp, bytes: Vec<u8>, name: &str) -> (StatusCode, Value) {
    upload_source(c, app, "medical_insurance", bytes, name).await
}

async fn upload_source(
    c: &Client,
    app: &TestApp,
    source: &str,
    bytes: Vec<u8>,
    name: &str,
) -> (StatusCode, Value) {
    let form = multipart::Form::new()
        .text("source", source.to_string())
        .part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let r = c
        .post(app.url("/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn day(offset_days: i64) -> String {
    (app::services::today_in_china() - chrono::Duration::days(offset_days)).to_string()
}

/// A household with an accepted application: returns the members' ID numbers.
async fn household(app: &TestApp, phone: &str, ids17: &[&str]) -> Vec<String> {
    let r = resident(app, phone).await;
    let d = draft_id(&r, app).await;
    let ids: Vec<String> = ids17.iter().map(|i| valid_id(i)).collect();
    let resp = submit(&r, app, &d, &good_draft(&ids)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let number = resp.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    crate::api::accept(app, &number).await;
    ids
}

#[tokio::test]
async fn a_gbk_file_from_medical_insurance_raises_a_warning_once_and_reports_every_row() {
    let app = spawn_app().await;
    let ids = household(
        &app,
        "13900000701",
        &["62070219700101701", "62070219720202702"],
    )
    .await;
    let stranger = valid_id("62070219800101799");
    let bad_check = format!(
        "{}{}",
        &ids[0][..17],
        if ids[0].ends_with('1') { '2' } else { '1' }
    );
    // Chinese Excel's CSV: GBK, Chinese headers, an extra column, both members' settlements.
    let text = format!(
        "姓名,身份证号,就诊日期,医疗总费用,个人自付,医院\r\n\
         张三,{a},{d1},30000,15000,市人民医院\r\n\
         李四,{b},{d2},12000,6000.50,市中医院\r\n\
         张三,{a},{d1},30000,15000,市人民医院\r\n\
         王五,{s},{d2},5000,1000,县医院\r\n\
         张三,{x},{d2},100,10,县医院\r\n\
         张三,{a},昨天,100,10,县医院\r\n\
         张三,{a},{old},90000,90000,县医院\r\n",
        a = ids[0],
        b = ids[1],
        s = stranger,
        x = bad_check,
        d1 = day(30),
        d2 = day(200),
        old = day(500)
    );
    let officer = login(&app, "demo_department").await;
    let (status, report) = upload(&officer, &app, gbk(&text), "医保结算.csv").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["encoding"], "gb18030");
    assert_eq!(report["ignored_columns"], serde_json::json!(["医院"]));
    let counts = |r: &Value| {
        [
            "rows_read",
            "valid",
            "new_records",
            "duplicates",
            "matched",
            "unmatched",
            "invalid",
            "warnings",
        ]
        .map(|k| r[k].as_i64().unwrap())
    };
    // 7 rows: 5 valid (one twice, one stranger — counted, not stored — one too old to count),
    // 2 refused. Two warnings: over 20 000 yuan, and over half the declared 9 600 a year.
    assert_eq!(counts(&report), [7, 5, 3, 1, 4, 1, 2, 2]);
    assert_eq!(
        report["problems"],
        serde_json::json!([[6, "id_checksum"], [7, "date_format"]])
    );

    // The warning: 15 000 + 6 000.50 out of pocket in 12 months > 20 000 (the example rule).
    let warnings = app
        .store()
        .warnings(&crate::helpers::region("6207"))
        .await
        .unwrap();
    assert_eq!(warnings.len(), 2);
    let w = warnings
        .iter()
        .find(|w| w.kind.code() == "medical_out_of_pocket")
        .unwrap();
    let share = warnings
        .iter()
        .find(|w| w.kind.code() == "medical_share_of_income")
        .unwrap();
    assert!(
        share.trigger_json.contains("\"share\":[50,960000]")
            && share.trigger_json.contains("\"threshold_fen\":480000"),
        "{}",
        share.trigger_json
    );
    assert_eq!(
        (w.kind.code(), w.level.code(), w.status.code()),
        ("medical_out_of_pocket", "II", "new")
    );
    assert_eq!(
        w.visit_due,
        app::services::today_in_china() + chrono::Days::new(15)
    );
    let facts: Value = serde_json::from_str(&w.trigger_json).unwrap();
    assert_eq!(
        (
            facts["out_of_pocket_fen"].as_i64(),
            facts["settlements"].as_i64()
        ),
        (Some(2_100_050), Some(2))
    );

    // The same file again changes nothing.
    let (status, again) = upload(&officer, &app, gbk(&text), "医保结算.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts(&again), [7, 5, 0, 4, 4, 1, 2, 0]);
    assert_eq!(
        app.store()
            .warnings(&crate::helpers::region("6207"))
            .await
            .unwrap()
            .len(),
        2
    );
    // UTF-8 works the same (with a BOM, as Excel's "CSV UTF-8" writes it).
    let (status, utf8) = upload(
        &officer,
        &app,
        format!("\u{feff}{text}").into_bytes(),
        "utf8.csv",
    )
    .await;
    assert_eq!(
        (
            status,
            utf8["encoding"].as_str(),
            utf8["new_records"].as_i64()
        ),
        (StatusCode::OK, Some("UTF-8"), Some(0))
    );
}

#[tokio::test]
async fn malformed_files_get_a_clear_answer_and_store_nothing() {
    let app = spawn_app().await;
    let ids = household(&app, "13900000702", &["62070219700101711"]).await;
    let officer = login(&app, "demo_department").await;
    let header = "身份证号,结算日期,医疗总费用,个人自付\n";

    let (status, err) = upload(&officer, &app, Vec::new(), "empty.csv").await;
    assert_eq!(
        (status, err["detail"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file_empty")),
        "a 0-byte upload"
    );
    let (status, report) = upload(
        &officer,
        &app,
        header.as_bytes().to_vec(),
        "header-only.csv",
    )
    .await;
    assert_eq!(
        (status, report["rows_read"].as_i64()),
        (StatusCode::OK, Some(0)),
        "an empty file is an empty report"
    );
    let (status, report) = upload(&officer, &app, "\n\n".as_bytes().to_vec(), "blank.csv").await;
    assert_eq!(
        (status, report["refused"]["problem"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("empty"))
    );
    let (status, report) = upload(
        &officer,
        &app,
        gbk("身份证号,医疗总费用\n1,2\n"),
        "cols.csv",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        report["refused"],
        serde_json::json!({ "problem": "missing_columns", "fields": ["date", "out_of_pocket"] })
    );
    let (status, report) = upload(
        &officer,
        &app,
        vec![0xff, 0xfe, 0x00, 0x81, 0xff, 0x0a],
        "binary.csv",
    )
    .await;
    assert_eq!(
        (status, report["refused"]["problem"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("encoding"))
    );
    let (status, report) = upload(
        &officer,
        &app,
        b"PK\x03\x04rest-of-a-zip".to_vec(),
        "sheet.xlsx",
    )
    .await;
    assert_eq!(
        (status, report["refused"]["problem"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unreadable")),
        "a broken spreadsheet"
    );
    // An XLSX whose table of texts is larger than an import holds in memory (41 MB unpacked,
    // a few hundred KB packed); and a good XLSX whose table announces (spaces around `=`, as XML
    // allows) more texts than it could hold (calamine would first reserve room for them all:
    // the process would abort).
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut big = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    big.start_file("xl/sharedStrings.xml", options).unwrap();
    std::io::Write::write_all(
        &mut big,
        format!(
            "<sst>{}</sst>",
            "<si><t>a</t></si>".repeat(41 * 1024 * 1024 / 17)
        )
        .as_bytes(),
    )
    .unwrap();
    let good_xlsx = xlsx(
        &[
            &["身份证号", "结算日期", "医疗总费用", "个人自付"],
            &[ids[0].as_str(), &day(3), "100", "10"],
        ],
        1,
    );
    let lying = with_shared_texts(&good_xlsx, |t| {
        t.replacen("uniqueCount=\"", "uniqueCount = \"99999999999", 1)
    });
    for (bytes, problem) in [
        (big.finish().unwrap().into_inner(), "too_much_text"),
        (lying, "unreadable"),
    ] {
        let (status, report) = upload(&officer, &app, bytes, "texts.xlsx").await;
        assert_eq!(
            (status, report["refused"]["problem"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(problem)),
            "{problem}"
        );
    }
    let huge = format!(
        "{header}{},{},100,{}\n{},{},100,10,extra\n",
        ids[0],
        day(3),
        "9".repeat(100_000),
        ids[0],
        day(4)
    );
    let (status, report) = upload(&officer, &app, huge.into_bytes(), "huge.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        report["problems"],
        serde_json::json!([[2, "cell_too_long"], [3, "wrong_field_count"]])
    );

    // Refused files are listed with their reason, for an uploader who closed the page.
    let listed: Value = post_form(&officer, &app, "/api/monitoring/imports", &[])
        .await
        .json()
        .await
        .unwrap();
    let cols = listed["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file_name"] == "cols.csv")
        .expect("the refused file is listed");
    assert_eq!(
        (cols["refused"].as_bool(), cols["rows_read"].as_i64()),
        (Some(true), Some(0))
    );

    // Who may import: the department whose data it is, or an administrator.
    let resident = app.client();
    assert_eq!(
        upload(&resident, &app, header.as_bytes().to_vec(), "x.csv")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let cw = login(&app, "demo_caseworker").await;
    assert_eq!(
        upload(&cw, &app, header.as_bytes().to_vec(), "x.csv")
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Nothing above stored a record: a good file now brings its row as new.
    let good = format!("{header}{},{},100,10\n", ids[0], day(5));
    let (status, report) = upload(&officer, &app, good.into_bytes(), "good.csv").await;
    assert_eq!(
        (
            status,
            report["new_records"].as_i64(),
            report["matched"].as_i64()
        ),
        (StatusCode::OK, Some(1), Some(1))
    );
    // The count of texts written with spaces around `=` (as XML allows) is read, not refused.
    let spaced = with_shared_texts(&good_xlsx, |t| {
        t.replacen("uniqueCount=", "uniqueCount = ", 1)
    });
    let (status, report) = upload(&officer, &app, spaced, "spaced.xlsx").await;
    assert_eq!(
        (status, report["new_records"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{report}"
    );
}

/// An XLSX with its table of shared texts edited.
fn with_shared_texts(xlsx: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..source.len() {
        let mut part = source.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut part, &mut text).unwrap();
        if name.ends_with("sharedStrings.xml") {
            assert!(text.contains("uniqueCount="), "{text}");
            text = edit(&text);
        }
        out.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut out, text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn warnings_for_a_generated_data_set_equal_an_independent_reference() {
    use app::domain::monitoring::{example_rules, medical_warning};
    let app = spawn_app().await;
    // 12 households with 1–2 members, settlements spread over 20 months (a fixed LCG).
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    let mut households = Vec::new();
    for h in 0..12u64 {
        let ids17: Vec<String> = (0..1 + h % 2)
            .map(|m| format!("620702197{}0101{:03}", h % 10, 800 + h * 2 + m))
            .collect();
        let refs: Vec<&str> = ids17.iter().map(String::as_str).collect();
        households.push(household(&app, &format!("139000008{:02}", h), &refs).await);
    }
    let mut csv = String::from("身份证号,结算日期,医疗总费用,个人自付\n");
    let mut by_household: Vec<Vec<(chrono::NaiveDate, i64)>> = vec![Vec::new(); households.len()];
    for _ in 0..120 {
        let h = next(households.len() as u64) as usize;
        let id = &households[h][next(households[h].len() as u64) as usize];
        let ago = next(600) as i64;
        let oop = next(1_200_000) as i64;
        let date = app::services::today_in_china() - chrono::Duration::days(ago);
        csv.push_str(&format!(
            "{id},{date},{}.{:02},{}.{:02}\n",
            (oop * 2) / 100,
            (oop * 2) % 100,
            oop / 100,
            oop % 100
        ));
        by_household[h].push((date, oop));
    }
    let officer = login(&app, "demo_department").await;
    let (status, report) = upload(&officer, &app, csv.into_bytes(), "generated.csv").await;
    assert_eq!(status, StatusCode::OK, "{report}");

    // The reference: the domain rule over each household's rows (duplicates counted once), for
    // the amount rule and for the share rule (each household declared 800 yuan a month).
    let amount = example_rules().remove(0);
    let share = app::domain::monitoring::WarningRule {
        threshold: app::domain::monitoring::share_of_income(80_000, 50),
        ..amount.clone()
    };
    let today = app::services::today_in_china();
    let mut expected = Vec::new();
    for (h, rows) in by_household.iter_mut().enumerate() {
        rows.sort();
        rows.dedup();
        for (kind, rule) in [
            ("medical_out_of_pocket", &amount),
            ("medical_share_of_income", &share),
        ] {
            if let Some(t) = medical_warning(rule, rows, today) {
                expected.push((
                    households[h][0].clone(),
                    kind.to_string(),
                    t.out_of_pocket_fen,
                ));
            }
        }
    }
    let mut got = Vec::new();
    for w in app
        .store()
        .warnings(&crate::helpers::region("62"))
        .await
        .unwrap()
    {
        let facts: Value = serde_json::from_str(&w.trigger_json).unwrap();
        let head = app
            .store()
            .household(&w.household_id)
            .await
            .unwrap()
            .unwrap()
            .head_id_number;
        got.push((
            head.as_str().to_owned(),
            w.kind.code().to_string(),
            facts["out_of_pocket_fen"].as_i64().unwrap(),
        ));
    }
    expected.sort();
    got.sort();
    assert!(!expected.is_empty(), "the data set raises some warnings");
    assert_eq!(got, expected);
}

#[tokio::test]
async fn a_warning_is_assigned_visited_disposed_and_closed_and_escalates_when_late() {
    let app = spawn_app().await;
    let ids = household(&app, "13900000720", &["62070219700101721"]).await;
    // One rule at a time: the share-of-income rule is switched off for this walk through.
    let mut share = app::domain::monitoring::example_rules().remove(1);
    share.enabled = false;
    app.store().set_warning_rule(share, None, 1).await.unwrap();
    let officer = login(&app, "demo_department").await;
    let file = format!(
        "身份证号,结算日期,医疗总费用,个人自付\n{},{},50000,25000\n",
        ids[0],
        day(10)
    );
    assert_eq!(
        upload(&officer, &app, file.into_bytes(), "f.csv").await.0,
        StatusCode::OK
    );
    let cw = login(&app, "demo_caseworker").await;
    let board: Value = post_form(&cw, &app, "/api/monitoring/warnings", &[])
        .await
        .json()
        .await
        .unwrap();
    let w = &board["warnings"][0];
    assert_eq!(
        (
            w["level"].as_str(),
            w["status"].as_str(),
            w["medical"]["out_of_pocket_fen"].as_i64()
        ),
        (Some("II"), Some("new"), Some(2_500_000))
    );
    let id = w["id"].as_i64().unwrap();

    // Nobody visited within the deadline: the job escalates it to the county, once.
    let later = app::services::today_in_china() + chrono::Days::new(16);
    assert_eq!(
        app.store()
            .escalate_overdue_warnings(later, 1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.store()
            .escalate_overdue_warnings(later, 2)
            .await
            .unwrap(),
        0
    );
    let board: Value = post_form(&cw, &app, "/api/monitoring/warnings", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(board["warnings"][0]["escalated"], true);

    let step = |action: &str, extra: Value| {
        let mut body = serde_json::json!({ "action": action });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::json!({ "id": id, "step": body })
    };
    let post = |c: &Client, body: Value| {
        let (c, app) = (c.clone(), &app);
        async move {
            crate::api::post_json(&c, app, "/api/monitoring/step", body)
                .await
                .status()
        }
    };
    assert_eq!(
        post(&cw, step("close", serde_json::json!({}))).await,
        StatusCode::CONFLICT,
        "not before it is disposed"
    );
    let tomorrow = (app::services::today_in_china() + chrono::Days::new(1)).to_string();
    assert_eq!(
        post(
            &cw,
            step(
                "visit",
                serde_json::json!({ "visited_on": tomorrow, "finding": "confirmed" })
            )
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post(&cw, step("assign", serde_json::json!({}))).await,
        StatusCode::OK
    );
    let today = app::services::today_in_china().to_string();
    assert_eq!(post(&cw, step("visit", serde_json::json!({ "visited_on": today, "finding": "confirmed", "note": "住院治疗，家庭负担重" }))).await, StatusCode::OK);
    assert_eq!(
        post(
            &cw,
            step("dispose", serde_json::json!({ "disposal": "no_action" }))
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no action needs its reason"
    );
    assert_eq!(
        post(
            &cw,
            step(
                "dispose",
                serde_json::json!({ "disposal": "referral", "note": "推送医保核定医疗救助" })
            )
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        post(&cw, step("close", serde_json::json!({}))).await,
        StatusCode::OK
    );
    let board: Value = post_form(&cw, &app, "/api/monitoring/warnings", &[])
        .await
        .json()
        .await
        .unwrap();
    let w = &board["warnings"][0];
    assert_eq!(
        (
            w["status"].as_str(),
            w["finding"].as_str(),
            w["disposal"].as_str()
        ),
        (Some("closed"), Some("confirmed"), Some("referral"))
    );
    // The visit's and the disposal's notes read as written, sealed in a copy of the database.
    assert_eq!(w["note"], "住院治疗，家庭负担重 / 推送医保核定医疗救助");
    assert_eq!(
        app.in_database(&["住院治疗，家庭负担重", "推送医保核定医疗救助"]),
        Vec::<&str>::new()
    );
    assert_eq!(
        (
            board["rates"][0]["due"].as_i64(),
            board["rates"][0]["on_time"].as_i64()
        ),
        (Some(1), Some(1)),
        "visited within its deadline"
    );
    // A closed warning lets a new one be raised by later data.
    assert_eq!(
        app.store()
            .warnings(&crate::helpers::region("6207"))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A worksheet as a department's Excel writes it: text cells, and dates as real Excel dates.
pub(crate) fn xlsx(rows: &[&[&str]], date_column: usize) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let parsed = rust_xlsxwriter::ExcelDateTime::parse_from_str(cell);
            match parsed {
                Ok(d) if r > 0 && c == date_column => sheet
                    .write_datetime_with_format(r as u32, c as u16, &d, &date)
                    .map(|_| ()),
                _ => sheet.write_string(r as u32, c as u16, *cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn every_department_source_raises_its_rule_from_csv_or_xlsx_and_the_report_downloads() {
    let app = spawn_app().await;
    let alone = household(&app, "13900000731", &["62070219700101731"]).await;
    let pair = household(
        &app,
        "13900000732",
        &["62070219700101732", "62070219720202733"],
    )
    .await;
    let stranger = valid_id("62070219800101739");
    let bad = format!(
        "{}{}",
        &alone[0][..17],
        if alone[0].ends_with('1') { '2' } else { '1' }
    );
    let admin = login(&app, "demo_admin").await;
    let medical_officer = login(&app, "demo_department").await;
    let d = day(3);

    // 人社 in XLSX: the only earner of one household and one of two earners of another lose work.
    let rows: Vec<Vec<&str>> = vec![
        vec!["身份证号", "姓名", "事项", "登记日期"],
        vec![&alone[0], "张三", "失业登记", &d],
        vec![&pair[0], "李四", "失业登记", &d],
        vec![&stranger, "王五", "失业登记", &d],
        vec![&bad, "赵六", "失业登记", &d],
        vec![&alone[0], "张三", "参军", &d],
    ];
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let book = xlsx(&rows, 3);
    assert_eq!(
        upload_source(
            &medical_officer,
            &app,
            "human_resources",
            book.clone(),
            "人社.xlsx"
        )
        .await
        .0,
        StatusCode::FORBIDDEN,
        "not their department's data"
    );
    let (status, report) = upload_source(&admin, &app, "human_resources", book, "人社.xlsx").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let counts = |r: &Value| {
        ["rows_read", "valid", "matched", "invalid", "warnings"].map(|k| r[k].as_i64().unwrap())
    };
    assert_eq!(
        (report["encoding"].as_str(), counts(&report)),
        (Some("xlsx"), [5, 3, 2, 2, 1])
    );
    assert_eq!(
        report["problems"],
        serde_json::json!([[5, "id_checksum"], [6, "event_unknown"]])
    );

    // 公安 in CSV: a member of the pair died.
    let csv = format!(
        "公民身份号码,姓名,注销原因,注销日期\n{},李四之母,死亡,{d}\n",
        pair[1]
    );
    let (status, report) = upload_source(
        &admin,
        &app,
        "public_security",
        csv.into_bytes(),
        "公安.csv",
    )
    .await;
    assert_eq!(
        (status, report["warnings"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{report}"
    );

    let cw = login(&app, "demo_caseworker").await;
    let board: Value = post_form(&cw, &app, "/api/monitoring/warnings", &[])
        .await
        .json()
        .await
        .unwrap();
    let mut seen: Vec<(String, String, String)> = board["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["kind"].as_str().unwrap().to_string(),
                w["level"].as_str().unwrap().to_string(),
                w["event"]["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("death".into(), "III".into(), "death".into()),
            (
                "only_earner_unemployed".into(),
                "I".into(),
                "unemployed".into()
            )
        ]
    );
    let text = board.to_string();
    assert!(
        !text.contains(&pair[1]) && text.contains(&pair[1][..6]),
        "the person is shown masked"
    );

    // The report as XLSX: the uploader's reasons in Chinese; nobody else's business.
    let imports: Value = post_form(&admin, &app, "/api/monitoring/imports", &[])
        .await
        .json()
        .await
        .unwrap();
    let hr = imports["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"] == "human_resources")
        .unwrap();
    let url = format!("/imports/{}/report.xlsx", hr["id"].as_str().unwrap());
    let r = admin.get(app.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut sheet: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let range = sheet.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cells
            .iter()
            .any(|c| c == "身份证号校验位不正确，请核对是否输错"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "“事项”无法识别"), "{cells:?}");
    assert!(
        cells.windows(2).any(|w| w[0] == "无效行" && w[1] == "2"),
        "{cells:?}"
    );
    assert_eq!(
        medical_officer
            .get(app.url(&url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.client()
            .get(app.url(&url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Issue 17, hole 12: a department's record of a person (here 残联's: a severe disability, its
/// category) is readable by the caseworker who must visit, and by nobody holding a copy of the
/// database: neither its kind, category nor the person is in the database's bytes, its key
/// included. The same file again adds nothing (the sealed records are still found the same).
#[tokio::test]
async fn a_department_record_of_a_disability_is_unreadable_in_a_copy_of_the_database() {
    let app = spawn_app().await;
    let ids = household(&app, "13900000735", &["62070219700101735"]).await;
    let admin = login(&app, "demo_admin").await;
    let category = "视力残疾（多重）";
    let csv = format!(
        "身份证号,姓名,发证日期,残疾等级,残疾类别\n{},王五,{},一级,{category}\n",
        ids[0],
        day(2)
    );
    let (status, report) = upload_source(
        &admin,
        &app,
        "disabled_persons",
        csv.clone().into_bytes(),
        "残联.csv",
    )
    .await;
    assert_eq!(
        (
            status,
            report["matched"].as_i64(),
            report["warnings"].as_i64()
        ),
        (StatusCode::OK, Some(1), Some(1)),
        "{report}"
    );
    let cw = login(&app, "demo_caseworker").await;
    let board: Value = post_form(&cw, &app, "/api/monitoring/warnings", &[])
        .await
        .json()
        .await
        .unwrap();
    let warning = &board["warnings"][0];
    assert_eq!(
        (
            warning["kind"].as_str(),
            warning["event"]["grade"].as_i64(),
            warning["event"]["detail"].as_str()
        ),
        (Some("severe_disability"), Some(1), Some(category)),
        "{board}"
    );
    assert_eq!(
        app.in_database(&[category, "disability_certified", "王五", ids[0].as_str()]),
        Vec::<&str>::new()
    );
    let (status, again) = upload_source(
        &admin,
        &app,
        "disabled_persons",
        csv.into_bytes(),
        "残联2.csv",
    )
    .await;
    assert_eq!(
        (
            status,
            again["matched"].as_i64(),
            again["new_records"].as_i64(),
            again["warnings"].as_i64()
        ),
        (StatusCode::OK, Some(1), Some(0), Some(0)),
        "{again}"
    );
}

#[tokio::test]
async fn an_administrator_edits_the_rules_and_a_rule_switched_off_raises_nothing() {
    let app = spawn_app().await;
    let ids = household(&app, "13900000741", &["62070219700101741"]).await;
    let admin = login(&app, "demo_admin").await;
    let cw = login(&app, "demo_caseworker").await;
    let rules: Value = post_form(&cw, &app, "/api/monitoring/rules", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rules.as_array().unwrap().len(),
        13,
        "the nine earlier kinds, enrolment (就学), serious illness, custody and hardship \
         recognised by another department"
    );
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["example"] == true),
        "shipped rules are examples"
    );
    let save = |c: &Client, draft: Value| {
        let (c, app) = (c.clone(), &app);
        async move {
            crate::api::post_json(
                &c,
                app,
                "/api/monitoring/rule",
                serde_json::json!({ "draft": draft }),
            )
            .await
        }
    };
    let death_off = serde_json::json!({ "kind": "death", "level": "II", "visit_days": "20", "threshold": "", "enabled": false });
    assert_eq!(
        save(&cw, death_off.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = save(&admin, serde_json::json!({ "kind": "death", "level": "II", "visit_days": "0", "threshold": "", "enabled": true })).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("visit_days"));
    let r = save(&admin, serde_json::json!({ "kind": "medical_out_of_pocket", "level": "I", "visit_days": "10", "threshold": "abc", "enabled": true })).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(save(&admin, serde_json::json!({ "kind": "medical_out_of_pocket", "level": "I", "visit_days": "10", "threshold": "15,000", "enabled": true })).await.status(), StatusCode::OK);
    assert_eq!(save(&admin, death_off).await.status(), StatusCode::OK);
    let share_off = serde_json::json!({ "kind": "medical_share_of_income", "level": "II", "visit_days": "15", "threshold": "50", "enabled": false });
    assert_eq!(save(&admin, share_off).await.status(), StatusCode::OK);
    let rules: Value = post_form(&admin, &app, "/api/monitoring/rules", &[])
        .await
        .json()
        .await
        .unwrap();
    let rule = |k: &str| {
        rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            rule("medical_out_of_pocket")["threshold"].as_i64(),
            rule("medical_out_of_pocket")["example"].as_bool()
        ),
        (Some(1_500_000), Some(false))
    );
    assert_eq!(rule("death")["enabled"], false);

    // The death rule is off: a death raises nothing. 16 000 yuan now passes the edited 15 000.
    let csv = format!("身份证号,事项,日期\n{},死亡,{}\n", ids[0], day(2));
    let (status, report) = upload_source(
        &admin,
        &app,
        "public_security",
        csv.into_bytes(),
        "公安.csv",
    )
    .await;
    assert_eq!(
        (
            status,
            report["matched"].as_i64(),
            report["warnings"].as_i64()
        ),
        (StatusCode::OK, Some(1), Some(0))
    );
    let csv = format!(
        "身份证号,结算日期,医疗总费用,个人自付\n{},{},20000,16000\n",
        ids[0],
        day(2)
    );
    let (status, report) = upload(&admin, &app, csv.into_bytes(), "医保.csv").await;
    assert_eq!(
        (status, report["warnings"].as_i64()),
        (StatusCode::OK, Some(1))
    );
    let w = app
        .store()
        .warnings(&crate::helpers::region("6207"))
        .await
        .unwrap();
    assert_eq!(
        (w.len(), w[0].level.code(), w[0].visit_due),
        (
            1,
            "I",
            app::services::today_in_china() + chrono::Days::new(10)
        )
    );
}

#[tokio::test]
async fn an_import_finishes_when_the_uploader_goes_away_and_shows_its_progress_meanwhile() {
    let app = spawn_app().await;
    let ids = household(&app, "13900000751", &["62070219700101751"]).await;
    let officer = login(&app, "demo_department").await;
    assert_eq!(
        app.client()
            .get(app.url("/imports/progress/run-1"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let idle: Value = officer
        .get(app.url("/imports/progress/run-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(idle["running"], false);

    // A file large enough to take a while; the request is dropped once the import is running.
    let mut csv = String::from("身份证号,结算日期,医疗总费用,个人自付\n");
    for k in 0..150_000u32 {
        let born = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
            + chrono::Days::new(u64::from(k / 1000));
        let id = if k == 0 {
            ids[0].clone()
        } else {
            valid_id(&format!("110101{}{:03}", born.format("%Y%m%d"), k % 1000))
        };
        csv.push_str(&format!(
            "{id},{},100,{}\n",
            day(i64::from(k % 300)),
            1 + k % 90
        ));
    }
    let form = multipart::Form::new()
        .text("source", "medical_insurance")
        .text("run", "run-2")
        .part(
            "file",
            multipart::Part::bytes(csv.into_bytes()).file_name("big.csv"),
        );
    let request = officer.post(app.url("/imports")).multipart(form).send();
    let uploading = tokio::spawn(request);
    let mut seen = None;
    for _ in 0..400 {
        let p: Value = officer
            .get(app.url("/imports/progress/run-2"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if p["running"] == true && p["read_bytes"].as_u64() > Some(0) {
            seen = Some(p);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let seen = seen.expect("progress is reported while the import runs");
    assert!(seen["read_bytes"].as_u64() <= seen["total_bytes"].as_u64());
    uploading.abort();
    // The import goes on without its request and lands in the list.
    let mut done = None;
    for _ in 0..600 {
        let listed: Value = post_form(&officer, &app, "/api/monitoring/imports", &[])
            .await
            .json()
            .await
            .unwrap();
        if let Some(i) = listed["imports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file_name"] == "big.csv")
        {
            done = Some(i.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let done = done.expect("the import finished after its uploader left");
    assert_eq!(
        (
            done["rows_read"].as_i64(),
            done["invalid"].as_i64(),
            done["matched"].as_i64(),
            done["refused"].as_bool()
        ),
        (Some(150_000), Some(0), Some(1), Some(false))
    );
    let mut running = true;
    for _ in 0..200 {
        let p: Value = officer
            .get(app.url("/imports/progress/run-2"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        running = p["running"] == true;
        if !running {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        !running,
        "a finished import is no longer reported as running"
    );
}

/// Issue 17, hole 11: a warning rule belongs to the region of the administrator who saved it.
/// Lanzhou's administrator switching the death rule off changes nothing in Zhangye: a death
/// there still raises its warning, and Zhangye's staff see the rule as it was.
#[tokio::test]
async fn an_administrator_changes_the_warning_rules_of_their_own_region_only() {
    let app = crate::helpers::spawn_app_with(|c| c.auth_requests_per_minute = 1000).await;
    let ids = household(&app, "13900000751", &["62070219700101751"]).await;
    crate::helpers::lanzhou_admin(
        &app,
        "lanzhou_system",
        app::domain::status::AdminDuty::System,
    )
    .await;
    let lanzhou = app.client();
    let r = app
        .sign_in(&lanzhou, "lanzhou_system", crate::helpers::LANZHOU_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let death_off = serde_json::json!({ "draft": { "kind": "death", "level": "II",
        "visit_days": "20", "threshold": "", "enabled": false } });
    let r = crate::api::post_json(&lanzhou, &app, "/api/monitoring/rule", death_off).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let death = |c: Client| {
        let app = &app;
        async move {
            let rules: Value = post_form(&c, app, "/api/monitoring/rules", &[])
                .await
                .json()
                .await
                .unwrap();
            rules
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["kind"] == "death")
                .unwrap()
                .clone()
        }
    };
    let theirs = death(lanzhou.clone()).await;
    assert_eq!(
        (&theirs["enabled"], &theirs["region"]),
        (&Value::Bool(false), &Value::from("620100000000"))
    );
    let cw = login(&app, "demo_caseworker").await;
    let ours = death(cw).await;
    assert_eq!(
        (&ours["enabled"], &ours["example"], &ours["region"]),
        (&Value::Bool(true), &Value::Bool(true), &Value::Null),
        "Zhangye keeps the default"
    );
    // A death in Ganzhou still raises its warning under the default rule.
    let officer = login(&app, "demo_admin").await;
    let csv = format!("身份证号,事项,日期\n{},死亡,{}\n", ids[0], day(2));
    let (status, report) = upload_source(
        &officer,
        &app,
        "public_security",
        csv.into_bytes(),
        "公安.csv",
    )
    .await;
    assert_eq!(
        (
            status,
            report["matched"].as_i64(),
            report["warnings"].as_i64()
        ),
        (StatusCode::OK, Some(1), Some(1))
    );
}

/// An XLSX whose ID column is numeric, as Excel leaves it when nobody formats the column as
/// text: `6.2070219650315E+17`. A number keeps 15 digits, so the ID read back has lost its last
/// ones; for about one row in eleven what is left is another person's valid number. Every such
/// row is refused with a reason that says what to do, whether or not it happens to be valid.
#[tokio::test]
async fn an_id_column_held_as_numbers_is_refused_and_never_matched_to_someone_else() {
    // A real person's ID whose number, rounded as a spreadsheet holds it, is another valid ID.
    let (real, rounded) = (0..1000)
        .map(|seq| valid_id(&format!("62070219650315{seq:03}")))
        .filter(|id| !id.ends_with('X'))
        .find_map(|id| {
            let read_back = (id.parse::<u64>().unwrap() as f64).to_string();
            let valid =
                app::domain::id_number::check_char(&read_back[..17]) == read_back.chars().nth(17);
            (valid && read_back != id).then_some((id, read_back))
        })
        .expect("some ID in a thousand rounds to another valid one");
    let app = spawn_app().await;
    // The household of the person the rounded number names.
    household(&app, "13900000741", &[&rounded[..17]]).await;
    let admin = login(&app, "demo_admin").await;
    let d = day(3);

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["身份证号", "姓名", "事项", "登记日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet
        .write_number(1, 0, real.parse::<f64>().unwrap())
        .unwrap();
    sheet.write_string(1, 1, "张三").unwrap();
    sheet.write_string(1, 2, "失业登记").unwrap();
    sheet.write_string(1, 3, &d).unwrap();
    let (status, report) = upload_source(
        &admin,
        &app,
        "human_resources",
        book.save_to_buffer().unwrap(),
        "人社.xlsx",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (
            report["valid"].as_i64(),
            report["matched"].as_i64(),
            report["warnings"].as_i64()
        ),
        (Some(0), Some(0), Some(0)),
        "{report}"
    );
    assert_eq!(report["problems"], serde_json::json!([[2, "id_not_text"]]));
    assert!(app
        .store()
        .warnings(&crate::helpers::region("6207"))
        .await
        .unwrap()
        .is_empty());

    // The same number exported to CSV by the spreadsheet.
    let csv = format!(
        "身份证号,姓名,事项,登记日期\n{},张三,失业登记,{d}\n",
        "6.2070219650315E+17"
    );
    let (_, report) = upload_source(
        &admin,
        &app,
        "human_resources",
        csv.into_bytes(),
        "人社.csv",
    )
    .await;
    assert_eq!(report["problems"], serde_json::json!([[2, "id_not_text"]]));
}
