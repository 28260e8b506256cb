//! The holes of issue 17, each closed and kept closed by a test named after what it stops.

use crate::api::{post_json, valid_id};
use crate::helpers::spawn_app;
use crate::household::{accepted_case, login, staff};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Hole 8: a caseworker who could choose an aid record's id could take ids the server gives its
/// own records (`decision-N`, `referral-N`) and block those records in any county.
#[tokio::test]
async fn a_caseworker_cannot_choose_the_id_of_an_aid_record() {
    let app = spawn_app().await;
    let (_r, cw, number) = accepted_case(&app, "13900001701", "62070219700101701").await;
    let case: Value =
        crate::api::post_form(&cw, &app, "/api/casework/case", &[("number", &number)])
            .await
            .json()
            .await
            .unwrap();
    let household = case["household_id"].as_str().unwrap().to_string();
    let aid = json!({ "kind": "medical_assistance", "source": "civil_affairs", "amount": "500",
        "monthly": false, "from": "2026-03-01", "until": "2026-03-31" });
    for _ in 0..2 {
        let r = post_json(
            &cw,
            &app,
            "/api/household/aid",
            json!({ "household": household, "id": "decision-1", "aid": aid }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
    let file: Value =
        crate::api::post_form(&cw, &app, "/api/household/file", &[("id", &household)])
            .await
            .json()
            .await
            .unwrap();
    let ids: Vec<&str> = file["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["aid"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "the form's key still makes a resend harmless");
    assert!(
        ids[0].starts_with("manual-") && ids[0] != "decision-1",
        "the server made the id: {ids:?}"
    );
    let bad = post_json(
        &cw,
        &app,
        "/api/household/aid",
        json!({ "household": household, "id": "decision 1; --", "aid": aid }),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

/// Hole 14 (and 8): an emergency-aid key sent again by a caseworker of another county must not
/// answer with the first county's record (the person's name, situation and household).
#[tokio::test]
async fn an_emergency_key_replayed_from_another_county_reads_nothing_of_the_first() {
    let app = spawn_app().await;
    let ganzhou = login(&app, "demo_caseworker", "Demo2026pass").await;
    let sunan = staff(&app, "cw_sunan", "caseworker", "620721000000", "").await;
    let draft = |name: &str, id17: &str, region: &str| {
        json!({ "emergency": { "id": "emergency-key-0001", "person_name": name,
            "id_number": valid_id(id17), "region": region, "situation": "突发重病",
            "amount": "800", "advance": false, "conference": "" } })
    };
    let first: Value = post_json(
        &ganzhou,
        &app,
        "/api/cycle/emergency",
        draft("赵甲", "21010219850505011", "620702"),
    )
    .await
    .json()
    .await
    .unwrap();
    let replay = post_json(
        &sunan,
        &app,
        "/api/cycle/emergency",
        draft("钱乙", "21010219850505021", "620721"),
    )
    .await;
    assert_eq!(replay.status(), StatusCode::OK);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(
        replay["person_name"], "钱乙",
        "its own record, not Ganzhou's"
    );
    assert_ne!(replay["id"], first["id"]);
    assert_ne!(replay["household_id"], first["household_id"]);
    let again: Value = post_json(
        &ganzhou,
        &app,
        "/api/cycle/emergency",
        draft("赵甲", "21010219850505011", "620702"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        again["id"], first["id"],
        "a retry of the same caseworker finds its record"
    );
}

/// Hole 5: a client that sets its own X-Forwarded-For must not get a fresh sign-in budget per
/// made-up address. Only the configured proxies are believed, and of what they forward only the
/// right-most address they did not add themselves.
#[tokio::test]
async fn a_client_cannot_choose_its_address_with_x_forwarded_for() {
    // The test client connects from 127.0.0.1; first it is nobody's proxy, then it is one.
    for proxies in [vec![], vec!["10.0.0.0/8".parse().unwrap()]] {
        let app = crate::helpers::spawn_app_with(|c| {
            c.trusted_proxies = proxies;
            c.auth_requests_per_minute = 3;
        })
        .await;
        let c = app.client();
        let mut statuses = Vec::new();
        for i in 0..5 {
            let r = c
                .post(app.url("/api/accounts/login"))
                .header("x-forwarded-for", format!("198.51.100.{i}"))
                .form(&[("login", "nobody"), ("password", "wrong-password")])
                .send()
                .await
                .unwrap();
            statuses.push(r.status());
        }
        assert_eq!(
            statuses[3..],
            [StatusCode::TOO_MANY_REQUESTS; 2],
            "{statuses:?}"
        );
    }
    // Behind a trusted proxy, the client is who the proxy says; addresses the client wrote
    // before the proxy's own entry change nothing.
    let app = crate::helpers::spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.auth_requests_per_minute = 3;
    })
    .await;
    let c = app.client();
    let mut statuses = Vec::new();
    for i in 0..5 {
        let r = c
            .post(app.url("/api/accounts/login"))
            .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.9"))
            .form(&[("login", "nobody"), ("password", "wrong-password")])
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(
        statuses[3..],
        [StatusCode::TOO_MANY_REQUESTS; 2],
        "{statuses:?}"
    );
    let other = c
        .post(app.url("/api/accounts/login"))
        .header("x-forwarded-for", "203.0.113.10")
        .form(&[("login", "nobody"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_ne!(
        other.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "another client behind the proxy has its own budget"
    );
}

/// Hole 6: five wrong guesses used to delete the code, and with it the time it was sent, so a
/// new SMS could be asked for at once; and one address could have codes sent to any number of
/// phones.
#[tokio::test]
async fn spent_codes_and_daily_caps_hold_back_more_sms() {
    let app = crate::helpers::spawn_app_with(|c| c.sms_per_client_per_day = 2).await;
    let c = app.client();
    let send = |phone: &'static str| {
        c.post(app.url("/api/accounts/send_code"))
            .form(&[("phone", phone)])
            .send()
    };
    assert_eq!(send("13900001761").await.unwrap().status(), StatusCode::OK);
    for _ in 0..5 {
        let r = crate::api::post_form(
            &c,
            &app,
            "/api/accounts/register",
            &[
                ("form[phone]", "13900001761"),
                ("form[code]", "000000"),
                ("form[password]", "Secret-1234"),
            ],
        )
        .await;
        assert_ne!(r.status(), StatusCode::OK);
    }
    assert_eq!(
        send("13900001761").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the spent code still holds back the next for a minute"
    );
    assert_eq!(send("13900001762").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        send("13900001763").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS,
        "two a day from this address"
    );
}

/// Hole 6: outside demo mode no verification code reaches a log (there is no gateway here, so
/// the message is not delivered and the log says so with its digits hidden).
#[tokio::test]
async fn verification_codes_are_never_logged_outside_demo_mode() {
    use app::services::Notifier;
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let text = "【兜底】您的验证码是 482913，10 分钟内有效。";
    let production = server::services::LoggingNotifier::new(false);
    assert!(production.send_sms("13900001771", text).await.is_err());
    let logged = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("not delivered") && !logged.contains("482913"),
        "{logged}"
    );
    let demo = server::services::LoggingNotifier::new(true);
    demo.send_sms("13900001771", text).await.unwrap();
    let logged = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("482913"), "demo mode shows it: {logged}");
}

/// Hole 1 (and 9): a resident who declared the head ID number of someone else's household used
/// to move that household's file to a region of their choice, overwrite its income and take its
/// persons; and was told which declared persons were in an open application anywhere.
#[tokio::test]
async fn a_declaration_changes_no_household_file_until_a_caseworker_accepts_it() {
    use crate::api::{draft_id, good_draft, post_form, resident, submit};
    let app = spawn_app().await;
    let (head, spouse) = (valid_id("62070219700101711"), valid_id("62070219720101722"));
    // The real household, accepted in Ganzhou, then refused (no open application any more).
    let owner = resident(&app, "13900001711").await;
    let d = draft_id(&owner, &app).await;
    let mut draft = good_draft(&[head.clone(), spouse.clone()]);
    draft.income_wages = "300".into();
    let number = submit(&owner, &app, &d, &draft)
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let ganzhou = login(&app, "demo_caseworker", "Demo2026pass").await;
    let accepted = post_form(
        &ganzhou,
        &app,
        "/api/casework/advance",
        &[("number", number.as_str()), ("to", "accepted")],
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let store = app.store();
    let household = store
        .application(&number)
        .await
        .unwrap()
        .unwrap()
        .household_id
        .expect("accepted: the file exists");
    let before = store.household(&household).await.unwrap().unwrap();
    let r = post_form(
        &ganzhou,
        &app,
        "/api/casework/reject",
        &[("number", number.as_str()), ("reason", "收入超标")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Someone else declares the same head and spouse, in another county, with more income.
    let attacker = resident(&app, "13900001712").await;
    let d = draft_id(&attacker, &app).await;
    let mut draft = good_draft(&[head.clone(), spouse.clone()]);
    draft.region_code = "620721100201".into();
    draft.income_wages = "9000".into();
    let r = submit(&attacker, &app, &d, &draft).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the resident is told nothing else"
    );
    let theirs = r.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let after = store.household(&household).await.unwrap().unwrap();
    assert_eq!(
        (after.region_code, after.head_id_number),
        (before.region_code, before.head_id_number),
        "the file stays where it is"
    );
    let summary = store.household_summary(&household).await.unwrap().unwrap();
    assert_eq!(summary.standing.code(), "rejected");
    let file = post_form(&ganzhou, &app, "/api/household/file", &[("id", &household)]).await;
    assert_eq!(
        file.status(),
        StatusCode::OK,
        "Ganzhou's caseworker keeps the file"
    );
    assert!(store
        .application(&theirs)
        .await
        .unwrap()
        .unwrap()
        .household_id
        .is_none());

    // The Sunan caseworker sees who is declared elsewhere, without the other county's file.
    let sunan = staff(&app, "cw_sunan_1", "caseworker", "620721000000", "").await;
    let case: Value = post_form(&sunan, &app, "/api/casework/case", &[("number", &theirs)])
        .await
        .json()
        .await
        .unwrap();
    let conflicts = case["conflicts"].as_array().unwrap();
    let mut masked: Vec<&str> = conflicts
        .iter()
        .map(|c| c["id_number_masked"].as_str().unwrap())
        .collect();
    masked.sort();
    let mut expected = vec![
        format!("620702********{}", &head[14..]),
        format!("620702********{}", &spouse[14..]),
    ];
    expected.sort();
    assert_eq!(masked, expected, "both are in a file elsewhere: {case}");
    assert!(
        conflicts.iter().all(|c| c["in_household"] == ""),
        "another county's file is not named"
    );
}

/// Hole 1: a resident account is bound to the head it first declared; another head needs the
/// accepting caseworker's confirmation of identity.
#[tokio::test]
async fn declaring_another_head_needs_a_caseworkers_confirmation() {
    use crate::api::{draft_id, good_draft, post_form, resident, submit};
    let app = spawn_app().await;
    let r = resident(&app, "13900001713").await;
    let numbers: Vec<String> = {
        let mut out = Vec::new();
        for id17 in ["62070219700101731", "62070219800101732"] {
            let d = draft_id(&r, &app).await;
            let resp = submit(&r, &app, &d, &good_draft(&[valid_id(id17)])).await;
            assert_eq!(resp.status(), StatusCode::OK);
            let number = resp.json::<Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_string();
            // The first is withdrawn so the second can be filed.
            if out.is_empty() {
                let w = post_form(
                    &r,
                    &app,
                    "/api/applications/withdraw",
                    &[("number", &number), ("reason", "")],
                )
                .await;
                assert_eq!(w.status(), StatusCode::OK, "{}", w.text().await.unwrap());
            }
            out.push(number);
        }
        out
    };
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    let case: Value = post_form(&cw, &app, "/api/casework/case", &[("number", &numbers[1])])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["head_change"], true);
    let accept = |confirm: &'static str| {
        cw.post(app.url("/api/casework/advance"))
            .form(&[
                ("number", numbers[1].as_str()),
                ("to", "accepted"),
                ("confirm_head", confirm),
            ])
            .send()
    };
    let refused = accept("false").await.unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "{}",
        refused.text().await.unwrap()
    );
    assert!(app
        .store()
        .application(&numbers[1])
        .await
        .unwrap()
        .unwrap()
        .household_id
        .is_none());
    assert_eq!(accept("true").await.unwrap().status(), StatusCode::OK);
    assert!(app
        .store()
        .application(&numbers[1])
        .await
        .unwrap()
        .unwrap()
        .household_id
        .is_some());
}

/// Hole 9: a department officer's import used to match (and count, and store records for)
/// persons anywhere: the matched count told whether any ID number was in the database, and
/// records landed in households outside the officer's region.
#[tokio::test]
async fn an_import_matches_only_households_in_the_officers_region() {
    use crate::api::{accept, draft_id, good_draft, resident, submit};
    let app = spawn_app().await;
    let id = valid_id("62070219700101741");
    let r = resident(&app, "13900001741").await;
    let d = draft_id(&r, &app).await;
    let number = submit(&r, &app, &d, &good_draft(std::slice::from_ref(&id)))
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    accept(&app, &number).await;
    let day = (app::services::today_in_china() - chrono::Days::new(30)).to_string();
    let csv =
        format!("姓名,身份证号,就诊日期,医疗总费用,个人自付\n张三,{id},{day},9000000,8000000\n");
    let upload = |c: reqwest::Client, name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("source", "medical_insurance")
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.clone().into_bytes()).file_name(name),
            );
        let url = app.url("/imports");
        async move {
            let r = c.post(url).multipart(form).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let sunan = staff(
        &app,
        "mi_sunan",
        "department",
        "620721000000",
        "medical_insurance",
    )
    .await;
    let report = upload(sunan, "a.csv").await;
    assert_eq!(
        (
            report["matched"].as_i64(),
            report["unmatched"].as_i64(),
            report["warnings"].as_i64()
        ),
        (Some(0), Some(1), Some(0)),
        "a Ganzhou household is nobody to a Sunan officer: {report}"
    );
    assert!(app
        .store()
        .warnings(&crate::helpers::region("62"))
        .await
        .unwrap()
        .is_empty());
    let zhangye = login(&app, "demo_department", "Demo2026pass").await;
    let report = upload(zhangye, "b.csv").await;
    assert_eq!(
        (report["matched"].as_i64(), report["new_records"].as_i64()),
        (Some(1), Some(1)),
        "the city's officer finds it, and the record is new: nothing was kept before. {report}"
    );
}

/// An XLSX with one part rewritten.
fn with_part(xlsx: &[u8], suffix: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..source.len() {
        let mut part = source.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut part, &mut text).unwrap();
        if name.ends_with(suffix) {
            text = edit(&text);
        }
        out.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut out, text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Hole 13: the XLSX check read the count of texts as the first `uniqueCount` in the first 4 KB,
/// so a decoy in a comment, or a long comment first, let calamine reserve room for 10¹⁴ texts
/// and the process abort; and one huge text in a sheet went into memory whole. Each crafted file
/// is refused, and the server still answers afterwards.
#[tokio::test]
async fn crafted_spreadsheets_never_exhaust_the_server() {
    let app = spawn_app().await;
    let officer = login(&app, "demo_department", "Demo2026pass").await;
    let good = crate::monitoring::xlsx(
        &[
            &["身份证号", "结算日期", "医疗总费用", "个人自付"],
            &[&valid_id("62070219700101751"), "2026-11-01", "100", "10"],
        ],
        1,
    );
    let huge_count = |t: &str| {
        let start = t.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = start + t[start..].find('"').unwrap();
        format!("{}100000000000000{}", &t[..start], &t[end..])
    };
    let decoy = with_part(&good, "sharedStrings.xml", |t| {
        huge_count(t).replacen("<sst", "<!-- <sst uniqueCount=\"1\"> --><sst", 1)
    });
    let long_comment = with_part(&good, "sharedStrings.xml", |t| {
        huge_count(t).replacen("<sst", &format!("<!--{}--><sst", "x".repeat(5 * 1024)), 1)
    });
    let huge_cell = with_part(&good, "sheet1.xml", |t| {
        t.replacen(
            "</sheetData>",
            &format!(
                "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>{}</t></is></c></row></sheetData>",
                "9".repeat(2 * 1024 * 1024)
            ),
            1,
        )
    });
    for (name, bytes) in [
        ("decoy.xlsx", decoy),
        ("comment.xlsx", long_comment),
        ("cell.xlsx", huge_cell),
    ] {
        assert!(
            bytes.len() < 64 * 1024,
            "{name} is small: {} bytes",
            bytes.len()
        );
        let form = reqwest::multipart::Form::new()
            .text("source", "medical_insurance")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        let r = officer
            .post(app.url("/imports"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let report: Value = r.json().await.unwrap();
        assert_eq!(
            (status, report["refused"]["problem"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("unreadable")),
            "{name}: {report}"
        );
        let health = app.client().get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(
            health.status(),
            StatusCode::OK,
            "still answering after {name}"
        );
    }
    // The untouched file still goes in.
    let form = reqwest::multipart::Form::new()
        .text("source", "medical_insurance")
        .part(
            "file",
            reqwest::multipart::Part::bytes(good).file_name("good.xlsx"),
        );
    let r = officer
        .post(app.url("/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

/// Hole 14: a session used to live as long as it was used (only an idle timeout); now it ends a
/// fixed time after signing in, however active.
#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_however_active() {
    for (hours, signed_in) in [(12, true), (0, false)] {
        let app = crate::helpers::spawn_app_with(|c| c.session_max_hours = hours).await;
        let c = login(&app, "demo_caseworker", "Demo2026pass").await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let me: Value = crate::api::post_form(&c, &app, "/api/accounts/me", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me.is_object(), signed_in, "{hours} h: {me}");
    }
}

/// Hole 14: pages and answers carry personal data, so none is kept in any cache, framed by
/// another site, or allowed to load scripts from elsewhere.
#[tokio::test]
async fn pages_are_never_cached_framed_or_fed_foreign_scripts() {
    let app = spawn_app().await;
    let c = login(&app, "demo_caseworker", "Demo2026pass").await;
    let mut nonces = std::collections::HashSet::new();
    for path in ["/", "/staff/queue", "/login", "/staff/queue"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let h = r.headers().clone();
        assert_eq!(h["cache-control"], "no-store", "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "not over plain http"
        );
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self' 'nonce-"),
            "{path}: {csp}"
        );
        // Inline scripts run only with this answer's nonce, which every one of ours carries.
        let script_src = csp.split(';').find(|d| d.contains("script-src")).unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{path}: {csp}");
        let nonce = script_src
            .split("'nonce-")
            .nth(1)
            .and_then(|n| n.split('\'').next())
            .unwrap()
            .to_string();
        assert!(nonce.len() >= 16, "{nonce}");
        let body = r.text().await.unwrap();
        let scripts: Vec<String> = body
            .split("<script")
            .skip(1)
            .map(|s| s.chars().take(120).collect::<String>())
            .collect();
        assert!(
            scripts
                .iter()
                .any(|s| s.contains(&format!("nonce=\"{nonce}\""))),
            "{path}: the hydration script carries the nonce"
        );
        let without: Vec<&String> = scripts
            .iter()
            // An empty `<script></script>` (Leptos ends a streamed page with one) runs nothing.
            .filter(|s| !s.starts_with("></script>"))
            .filter(|s| !s.contains(&format!("nonce=\"{nonce}\"")))
            .collect();
        assert!(
            without.is_empty(),
            "{path}: every inline script carries the nonce: {without:?}"
        );
        nonces.insert(nonce);
    }
    assert_eq!(nonces.len(), 4, "a new nonce for every answer");
    let r = crate::api::post_form(&c, &app, "/api/accounts/me", &[]).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    let script_src = csp.split(';').find(|d| d.contains("script-src")).unwrap();
    assert_eq!(
        script_src.trim(),
        "script-src 'self' 'wasm-unsafe-eval'",
        "an answer that is no page allows no inline script"
    );
    let https = crate::helpers::spawn_app_with(|c| {
        c.public_origin = Some("https://doudi.example.gov.cn".into())
    })
    .await;
    let r = https
        .client()
        .get(https.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}

/// Hole 4: an attacker's parallel guesses from one address stop at five, whoever the account,
/// with the same answers for real and unknown accounts; the member of staff, from their own
/// address, still signs in.
#[tokio::test]
async fn parallel_guesses_stop_at_five_and_never_lock_staff_out() {
    let app = crate::helpers::spawn_app_with(|c| {
        // The test client is the proxy, so each request says which client it is.
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.auth_requests_per_minute = 1000;
    })
    .await;
    let guess = |login: &'static str, password: &'static str, from: &'static str| {
        let c = app.client();
        let url = app.url("/api/accounts/login");
        async move {
            let r = c
                .post(url)
                .header("x-forwarded-for", from)
                .form(&[("login", login), ("password", password)])
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap();
            (status, body["detail"].as_str().unwrap_or("").to_string())
        }
    };
    // Twenty guesses at once at a real caseworker, twenty at an account that does not exist.
    for login in ["demo_caseworker", "nobody_here"] {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            set.spawn(guess(login, "Wrong-guess-1", "198.51.100.7"));
        }
        let answers = set.join_all().await;
        let tried = answers.iter().filter(|a| a.1 == "bad_credentials").count();
        let held = answers
            .iter()
            .filter(|a| a.1 == "too_many_attempts")
            .count();
        assert_eq!((tried, held), (5, 15), "{login}: {answers:?}");
        assert!(answers.iter().all(|a| a.0 == StatusCode::CONFLICT));
    }
    // The right password from the attacker's address is held back too, and says nothing more.
    assert_eq!(
        guess("demo_caseworker", "Demo2026pass", "198.51.100.7")
            .await
            .1,
        "too_many_attempts"
    );
    // From the caseworker's own address: password, then the second factor, signed in.
    let own = app.client();
    let r = own
        .post(app.url("/api/accounts/login"))
        .header("x-forwarded-for", "203.0.113.5")
        .form(&[("login", "demo_caseworker"), ("password", "Demo2026pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"],
        "second_factor_needed"
    );
    let secret = server::seed::DEMO_TOTP_SECRET;
    let code = app.otp("demo_caseworker", secret).await;
    let r = own
        .post(app.url("/api/accounts/login"))
        .header("x-forwarded-for", "203.0.113.5")
        .form(&[
            ("login", "demo_caseworker"),
            ("password", "Demo2026pass"),
            ("otp", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let audit = app.store().recent_audit(200).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "login" && e.result.code() == "throttled"));
    // Each record names the client it came from (hole 10, part).
    assert!(audit.iter().any(|e| e.action == "login"
        && e.result.code() == "ok"
        && e.client.as_deref() == Some("203.0.113.5")));
    assert!(audit
        .iter()
        .filter(|e| e.result.code() == "throttled")
        .all(|e| e.client.as_deref() == Some("198.51.100.7")));
}

/// Hole 4: one address guessing across many accounts is held back after the per-address cap.
#[tokio::test]
async fn one_address_guessing_across_accounts_is_held_back() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.max_failed_logins_per_client = 8;
        c.auth_requests_per_minute = 1000;
    })
    .await;
    let c = app.client();
    let mut answers = Vec::new();
    for i in 0..10 {
        let r = c
            .post(app.url("/api/accounts/login"))
            .form(&[
                ("login", format!("user{i}")),
                ("password", "Wrong-guess-1".into()),
            ])
            .send()
            .await
            .unwrap();
        answers.push(
            r.json::<Value>().await.unwrap()["detail"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(answers[..8], vec!["bad_credentials"; 8][..], "{answers:?}");
    assert_eq!(
        answers[8..],
        vec!["too_many_attempts"; 2][..],
        "{answers:?}"
    );
}

/// Hole 2: staff sign in with a password and a TOTP code; a code works once, a wrong one is
/// refused, a recovery code works once, and a member of staff without a second factor must
/// enrol one before anything else.
#[tokio::test]
async fn staff_cannot_sign_in_with_a_password_alone() {
    let app = crate::helpers::spawn_app_with(|c| c.auth_requests_per_minute = 1000).await;
    let post = |c: &reqwest::Client, path: &str, form: Vec<(&str, String)>| {
        c.post(app.url(path)).form(&form).send()
    };
    let detail = |r: reqwest::Response| async move {
        (
            r.status(),
            r.json::<Value>().await.unwrap()["detail"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    // A new caseworker, created by the administrator: the password alone opens nothing.
    let admin = login(&app, "demo_admin", "Demo2026pass").await;
    let r = admin
        .post(app.url("/api/accounts/create_staff"))
        .form(&[
            ("staff[login]", "newcw"),
            ("staff[display_name]", "新社工"),
            ("staff[role]", "caseworker"),
            ("staff[region_code]", "620702000000"),
            ("staff[password]", "Newcw-2026-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cw = app.client();
    let creds = || {
        vec![
            ("login", "newcw".to_string()),
            ("password", "Newcw-2026-pass".to_string()),
        ]
    };
    let own = || {
        vec![
            ("login", "newcw".to_string()),
            ("password", "Newcw-own-2026".to_string()),
        ]
    };
    let (_, d) = detail(post(&cw, "/api/accounts/login", creds()).await.unwrap()).await;
    assert_eq!(d, "second_factor_enrol");
    // Not signed in: the queue is closed to this session.
    let r = cw
        .post(app.url("/api/casework/queue"))
        .json(&json!({"filter": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Enrolment: a QR code drawn here and the secret; a wrong code is refused.
    let r = post(&cw, "/api/accounts/second_factor/begin", vec![])
        .await
        .unwrap();
    let e: Value = r.json().await.unwrap();
    let secret = e["secret"].as_str().unwrap().to_string();
    assert!(
        e["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || e["qr_svg"].as_str().unwrap().contains("<svg")
    );
    let (_, d) = detail(
        post(
            &cw,
            "/api/accounts/second_factor/confirm",
            vec![("code", "000000".into())],
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(d, "bad_second_factor");
    let code = app.otp("newcw", &secret).await;
    let r = post(
        &cw,
        "/api/accounts/second_factor/confirm",
        vec![("code", code)],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let recovery: Vec<String> = r.json().await.unwrap();
    assert_eq!(recovery.len(), 10);
    // Signed in now (and, as the administrator chose the password, made to change it first).
    let r = post(
        &cw,
        "/api/accounts/change_password",
        vec![
            ("current", "Newcw-2026-pass".into()),
            ("new", "Newcw-own-2026".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = cw
        .post(app.url("/api/casework/queue"))
        .json(&json!({"filter": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Next time: the password alone asks for the code; a wrong code, and a used one, are refused.
    let c2 = app.client();
    let (_, d) = detail(post(&c2, "/api/accounts/login", own()).await.unwrap()).await;
    assert_eq!(d, "second_factor_needed");
    let with = |otp: String| {
        let mut f = own();
        f.push(("otp", otp));
        f
    };
    let (_, d) = detail(
        post(&c2, "/api/accounts/login", with("123456".into()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(d, "bad_second_factor");
    let code = app.otp("newcw", &secret).await;
    let r = post(&c2, "/api/accounts/login", with(code.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let c3 = app.client();
    let (_, d) = detail(post(&c3, "/api/accounts/login", with(code)).await.unwrap()).await;
    assert_eq!(d, "bad_second_factor", "a code works once");
    // A recovery code works once, however it is typed.
    let typed = recovery[3].to_uppercase().replace('-', " ");
    let r = post(&c3, "/api/accounts/login", with(typed.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let c4 = app.client();
    let (_, d) = detail(post(&c4, "/api/accounts/login", with(typed)).await.unwrap()).await;
    assert_eq!(d, "bad_second_factor");

    // The security administrator resets it (a lost phone), audited; the next sign-in enrols
    // anew. The system administrator who created the account may not (三员分立, hole 11).
    let r = post(
        &admin,
        "/api/accounts/second_factor/reset",
        vec![("login", "newcw".into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let security = login(&app, "demo_security", "Demo2026pass").await;
    let r = post(
        &security,
        "/api/accounts/second_factor/reset",
        vec![("login", "newcw".into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, d) = detail(post(&c4, "/api/accounts/login", own()).await.unwrap()).await;
    assert_eq!(d, "second_factor_enrol");
    let audit = app.store().recent_audit(200).await.unwrap();
    for (action, result) in [
        ("second_factor_enrol", "ok"),
        ("second_factor_reset", "ok"),
        ("recovery_code", "used"),
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.result.code() == result),
            "{action}"
        );
    }
    // An administrator of another city cannot reset it.
    crate::helpers::lanzhou_admin(
        &app,
        "lanzhou_admin",
        app::domain::status::AdminDuty::Security,
    )
    .await;
    let other = login(&app, "lanzhou_admin", crate::helpers::LANZHOU_PASSWORD).await;
    let r = post(
        &other,
        "/api/accounts/second_factor/reset",
        vec![("login", "newcw".into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Hole 3: a first password an administrator chose opens nothing until changed; a change ends
/// the account's other sessions; the policy refuses short and common passwords; a disabled
/// account's sessions end at once and it signs in nowhere until enabled again.
#[tokio::test]
async fn accounts_are_managed_first_password_changed_and_disabled_staff_shut_out() {
    let app = crate::helpers::spawn_app_with(|c| c.auth_requests_per_minute = 1000).await;
    let detail = |r: reqwest::Response| async move {
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        (status, body["detail"].as_str().unwrap_or("").to_string())
    };
    let admin = login(&app, "demo_admin", "Demo2026pass").await;
    let create = |password: &'static str| {
        admin
            .post(app.url("/api/accounts/create_staff"))
            .form(&[
                ("staff[login]", "mgd"),
                ("staff[display_name]", "管理测试"),
                ("staff[role]", "caseworker"),
                ("staff[region_code]", "620702000000"),
                ("staff[password]", password),
            ])
            .send()
    };
    // The policy: ten characters at least, and not a common password.
    for weak in ["Short-1", "1234567890", "Password123"] {
        assert_eq!(
            detail(create(weak).await.unwrap()).await.1,
            "weak_password",
            "{weak}"
        );
    }
    assert_eq!(
        create("Initial-2026-pw").await.unwrap().status(),
        StatusCode::OK
    );
    let (cw, other) = (app.client(), app.client());
    for c in [&cw, &other] {
        let r = app.sign_in_as_is(c, "mgd", "Initial-2026-pw").await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let queue = |c: &reqwest::Client| {
        c.post(app.url("/api/casework/queue"))
            .json(&json!({"filter": {}}))
            .send()
    };
    assert_eq!(
        detail(queue(&cw).await.unwrap()).await.1,
        "must_change_password"
    );
    let me: Value = cw
        .post(app.url("/api/accounts/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], true);
    let change = |c: &reqwest::Client, current: &str, new: &str| {
        c.post(app.url("/api/accounts/change_password"))
            .form(&[("current", current), ("new", new)])
            .send()
    };
    assert_eq!(
        detail(change(&cw, "wrong-one-x", "Mgd-own-2026").await.unwrap())
            .await
            .1,
        "bad_current_password"
    );
    assert_eq!(
        detail(change(&cw, "Initial-2026-pw", "qwertyuiop").await.unwrap())
            .await
            .1,
        "weak_password"
    );
    assert_eq!(
        detail(
            change(&cw, "Initial-2026-pw", "Initial-2026-pw")
                .await
                .unwrap()
        )
        .await
        .1,
        "same_password"
    );
    assert_eq!(
        change(&cw, "Initial-2026-pw", "Mgd-own-2026")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // This session goes on; the other one ended with the old password.
    assert_eq!(queue(&cw).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        queue(&other).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Disabled: its session ends at once, and the right password opens nothing.
    let disable = |login: &str, off: &str| {
        admin
            .post(app.url("/api/accounts/set_staff_disabled"))
            .form(&[("login", login), ("disabled", off)])
            .send()
    };
    assert_eq!(
        disable("mgd", "true").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(queue(&cw).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let r = app
        .client()
        .post(app.url("/api/accounts/login"))
        .form(&[("login", "mgd"), ("password", "Mgd-own-2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(detail(r).await.1, "account_disabled");
    // An administrator cannot shut themselves out; enabled again, the account signs in.
    assert_eq!(
        detail(disable("demo_admin", "true").await.unwrap()).await.1,
        "not_yourself"
    );
    assert_eq!(
        disable("mgd", "false").await.unwrap().status(),
        StatusCode::OK
    );
    let back = login(&app, "mgd", "Mgd-own-2026").await;
    assert_eq!(queue(&back).await.unwrap().status(), StatusCode::OK);
    let audit = app.store().recent_audit(200).await.unwrap();
    for action in ["change_password", "disable_staff", "enable_staff"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.result.code() == "ok"),
            "{action}"
        );
    }
}

/// Hole 14: the file of an attachment a resident removed, or of an upload refused after its file
/// was written, does not stay on the server (after an hour's grace for uploads in flight); a
/// file a record still names stays.
#[tokio::test]
async fn files_of_removed_or_refused_uploads_do_not_stay() {
    use crate::api::{draft_id, png, resident};
    use sha2::Digest;
    let app = spawn_app().await;
    let with = |tag: u8| {
        let mut b = png();
        b.push(tag);
        b
    };
    let hash = |tag: u8| hex::encode(sha2::Sha256::digest(with(tag)));
    let upload = |c: &reqwest::Client, draft: String, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("draft_id", draft)
            .text("kind", "id_card")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("证件.png"),
            );
        c.post(app.url("/attachments")).multipart(form).send()
    };
    let c = resident(&app, "13900000083").await;
    let d = draft_id(&c, &app).await;
    let r = upload(&c, d.clone(), with(1)).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = upload(&c, d.clone(), with(2)).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let removed: Value = r.json().await.unwrap();
    let r = c
        .post(app.url("/api/declaration/remove_attachment"))
        .form(&[("id", removed["id"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Someone else's draft: refused, after the file was written.
    let other = resident(&app, "13900000084").await;
    let r = upload(&other, d.clone(), with(3)).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let blobs = app.state.services.blobs.clone();
    for tag in 1..=3 {
        assert!(blobs.get(&hash(tag)).await.is_ok(), "file {tag} written");
    }
    let store = app.store();
    let now = app::auth::real_now_millis();
    // Within the grace (the cut-off before the files were written), nothing goes.
    let n = server::jobs::sweep_blobs(store.as_ref(), blobs.as_ref(), now - 3_600_000)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let n = server::jobs::sweep_blobs(store.as_ref(), blobs.as_ref(), now + 1_000)
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert!(
        blobs.get(&hash(1)).await.is_ok(),
        "the attachment's file stays"
    );
    assert!(
        blobs.get(&hash(2)).await.is_err(),
        "the removed attachment's file went"
    );
    assert!(
        blobs.get(&hash(3)).await.is_err(),
        "the refused upload's file went"
    );
}

/// Hole 10: staff reads of a person's data left no trace, records named no role, and nothing
/// showed an altered record. Each read below is recorded with who, role, which application or
/// household, and the client address; the chain verifies.
#[tokio::test]
async fn every_staff_read_of_a_persons_data_is_recorded_with_role_and_address() {
    let app = spawn_app().await;
    let (_r, cw, number) = accepted_case(&app, "13900001710", "62070219700101710").await;
    let form = |k: &'static str, v: &str| vec![(k, v.to_string())];
    let read = |path: &'static str, args: Vec<(&'static str, String)>| {
        let cw = &cw;
        let app = &app;
        async move {
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = crate::api::post_form(cw, app, path, &args).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.json::<Value>().await.unwrap()
        }
    };
    let case = read("/api/casework/case", form("number", &number)).await;
    let household = case["household_id"].as_str().unwrap().to_string();
    read("/api/applications/get_application", form("number", &number)).await;
    // What the visit page reads of the application: the same record.
    let declared = read("/api/applications/declared", form("number", &number)).await;
    assert!(
        declared[1].as_str().is_some_and(|n| !n.is_empty()),
        "{declared}"
    );
    read("/api/household/case_visits", form("number", &number)).await;
    read("/api/household/file", form("id", &household)).await;
    read("/api/charity/household", form("household_id", &household)).await;
    read("/api/charity/matching", vec![]).await;
    read("/api/cycle/tasks", form("include_done", "false")).await;
    let trail = app.store().recent_audit(100).await.unwrap();
    for (action, object) in [
        ("case_read", number.as_str()),
        ("application_read", number.as_str()),
        ("visits_read", number.as_str()),
        ("household_file", household.as_str()),
        ("needs_read", household.as_str()),
        ("matching_read", "620702"),
        ("tasks_read", "620702"),
    ] {
        let e = trail
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("no {action} record in {trail:#?}"));
        assert_eq!(
            (
                e.object.as_str(),
                e.role.as_deref(),
                e.client.as_deref(),
                e.result.code()
            ),
            (object, Some("caseworker"), Some("127.0.0.1"), "ok"),
            "{action}"
        );
        assert!(e.actor_id.is_some() && e.seq.is_some());
    }
    let application_reads = trail
        .iter()
        .filter(|e| e.action == "application_read" && e.object == number)
        .filter(|e| e.role.as_deref() == Some("caseworker"))
        .filter(|e| e.client.as_deref() == Some("127.0.0.1"))
        .count();
    assert_eq!(
        application_reads, 2,
        "the application page's read and the visit page's"
    );
    // Another resident does not read it there either; the refusal is recorded.
    let other = crate::api::resident(&app, "13900001799").await;
    let refused = crate::api::post_form(
        &other,
        &app,
        "/api/applications/declared",
        &[("number", &number)],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let trail = app.store().recent_audit(10).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "application_read"
        && e.object == number
        && e.role.as_deref() == Some("resident")
        && e.result.code() == "denied"));
    let verdict = app.store().verify_audit().await.unwrap();
    assert_eq!(verdict.first_broken, None);
    assert!(verdict.checked as usize >= trail.len());
}

/// A page is one read: opening the application page and the household file as a caseworker
/// renders parts that each ask for the case (or the household's needs and care services), some of
/// them while the page streams after its handler returned. Each read is recorded once per page,
/// with the client's address; opening the page again is another read.
#[tokio::test]
async fn a_staff_page_is_one_read_in_the_audit_trail_with_its_address() {
    let app = spawn_app().await;
    let (_r, cw, number) = accepted_case(&app, "13900001711", "62070219700101711").await;
    let case = crate::api::post_form(&cw, &app, "/api/casework/case", &[("number", &number)])
        .await
        .json::<Value>()
        .await
        .unwrap();
    let household = case["household_id"].as_str().unwrap().to_string();
    let before = app.store().recent_audit(1000).await.unwrap().len();
    let open = |path: String| {
        let cw = &cw;
        let app = &app;
        async move {
            let r = cw.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            // The whole page, streamed parts included.
            let html = r.text().await.unwrap();
            assert!(html.contains("</html>"), "{path}");
        }
    };
    open(format!("/applications/{number}")).await;
    open(format!("/staff/households/{household}")).await;
    let trail = app.store().recent_audit(1000).await.unwrap();
    let new = &trail[..trail.len() - before];
    let count = |action: &str, object: &str| {
        new.iter()
            .filter(|e| e.action == action && e.object == object)
            .inspect(|e| assert_eq!(e.client.as_deref(), Some("127.0.0.1"), "{action}"))
            .count()
    };
    let reads = [
        ("application_read", number.as_str()),
        ("case_read", number.as_str()),
        ("household_file", household.as_str()),
        ("needs_read", household.as_str()),
        ("service_orders_read", household.as_str()),
    ];
    for (action, object) in reads {
        assert_eq!(count(action, object), 1, "{action} in {new:#?}");
    }
    // Another visit is another read.
    open(format!("/applications/{number}")).await;
    let trail = app.store().recent_audit(1000).await.unwrap();
    let new = &trail[..trail.len() - before];
    let count = |action: &str| new.iter().filter(|e| e.action == action).count();
    assert_eq!((count("application_read"), count("case_read")), (2, 2));
}

/// Hole 11: one administrator could do everything, everywhere. Now the system administrator
/// (accounts, configuration), the security administrator (second factors) and the audit
/// administrator (reads the trail, changes nothing) each pass only their own doors, and an
/// administrator acts only inside their region.
#[tokio::test]
async fn one_administrator_cannot_do_everything_and_none_beyond_their_region() {
    use crate::api::post_form;
    let app = crate::helpers::spawn_app_with(|c| c.auth_requests_per_minute = 1000).await;
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    let system = login(&app, "demo_admin", "Demo2026pass").await;
    let security = login(&app, "demo_security", "Demo2026pass").await;
    let auditor = login(&app, "demo_auditor", "Demo2026pass").await;
    let queue = |c: &reqwest::Client| {
        c.post(app.url("/api/casework/queue"))
            .json(&json!({"filter": {}}))
            .send()
    };
    assert_eq!(queue(&cw).await.unwrap().status(), StatusCode::OK);
    let trail = |c: &reqwest::Client, filter: Value| {
        c.post(app.url("/api/audit/trail"))
            .json(&json!({ "filter": filter }))
            .send()
    };

    // The audit administrator reads the trail, filtered, with the chain's state…
    let r = trail(
        &auditor,
        json!({"action": "queue_read", "actor": "demo_caseworker"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = r.json().await.unwrap();
    let rows = page["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["action"] == "queue_read"
        && r["actor"] == "demo_caseworker"
        && r["role"] == "caseworker"
        && r["client"] == "127.0.0.1"));
    assert_eq!(page["chain"][1], Value::Null, "the chain holds: {page}");
    assert!(page["chain"][0].as_u64().unwrap() > 0);
    // …and exports the same selection as XLSX.
    let r = auditor
        .get(app.url("/audit/export.xlsx?action=queue_read&from=2020-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader as _;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "queue_read"), "{cells:?}");
    assert!(cells.iter().any(|c| c == "demo_caseworker"));
    // Reading and exporting are recorded too.
    let page: Value = trail(&auditor, json!({"actor": "demo_auditor"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        own.contains(&"audit_read") && own.contains(&"audit_export"),
        "{own:?}"
    );

    // Nobody passes another's door.
    let staff_list = |c: &reqwest::Client| c.post(app.url("/api/accounts/staff")).send();
    let create = |c: &reqwest::Client| {
        c.post(app.url("/api/accounts/create_staff"))
            .form(&[
                ("staff[login]", "x_new"),
                ("staff[display_name]", "新人"),
                ("staff[role]", "caseworker"),
                ("staff[region_code]", "620702000000"),
                ("staff[password]", "Another-pass-2026"),
            ])
            .send()
    };
    for (who, c) in [("auditor", &auditor), ("security", &security)] {
        assert_eq!(
            queue(c).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            create(c).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        staff_list(&auditor).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff_list(&security).await.unwrap().status(),
        StatusCode::OK
    );
    for (who, c) in [
        ("system", &system),
        ("security", &security),
        ("caseworker", &cw),
    ] {
        assert_eq!(
            trail(c, json!({})).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let r = c.get(app.url("/audit/export.xlsx")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who}");
    }
    // An administrator's account names its one duty.
    let r = system
        .post(app.url("/api/accounts/create_staff"))
        .form(&[
            ("staff[login]", "x_admin"),
            ("staff[display_name]", "管理员"),
            ("staff[role]", "admin"),
            ("staff[region_code]", "620702000000"),
            ("staff[password]", "Another-pass-2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"][0]["field"],
        "duty"
    );

    // Another province's administrators see nothing of Zhangye: not its charity, not its trail.
    for (name, duty) in [
        ("lanzhou_system", app::domain::status::AdminDuty::System),
        ("lanzhou_auditor", app::domain::status::AdminDuty::Audit),
    ] {
        crate::helpers::lanzhou_admin(&app, name, duty).await;
    }
    let charities: Value = system
        .post(app.url("/api/charity/registrations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let zhangye_charity = charities[0]["id"].as_str().unwrap().to_string();
    let lanzhou = login(&app, "lanzhou_system", crate::helpers::LANZHOU_PASSWORD).await;
    let theirs: Value = lanzhou
        .post(app.url("/api/charity/registrations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs, json!([]));
    let r = post_form(
        &lanzhou,
        &app,
        "/api/charity/revoke",
        &[("id", zhangye_charity.as_str()), ("note", "试图撤销")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let lanzhou_auditor = login(&app, "lanzhou_auditor", crate::helpers::LANZHOU_PASSWORD).await;
    let page: Value = trail(&lanzhou_auditor, json!({"action": "queue_read"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["rows"], json!([]));
}

/// Hole 11, parameters: a value the system administrator enters applies to no household, public
/// estimate or reassessment until a security administrator of its region approves it; the
/// system administrator, a caseworker and another province's security administrator cannot.
#[tokio::test]
async fn no_parameter_applies_before_a_security_administrator_of_its_region_approves_it() {
    use crate::api::post_form;
    let app = crate::helpers::spawn_app_with(|c| c.auth_requests_per_minute = 1000).await;
    let system = login(&app, "demo_admin", "Demo2026pass").await;
    let security = login(&app, "demo_security", "Demo2026pass").await;
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    let today = app::services::today_in_china().to_string();
    let in_force = || async {
        let r = post_form(
            &app.client(),
            &app,
            "/api/policy/in_force",
            &[("region_code", "620702100201"), ("residence", "rural")],
        )
        .await;
        let p: app::domain::policy::ParameterSet = r.json().await.unwrap();
        p.value(app::domain::policy::ParamKey::DibaoStandard)
    };
    assert_eq!(in_force().await, Some(58_000), "the example standard");
    let add = |value: &str, from: &str| {
        let body = json!({ "form": { "key": "dibao_standard", "region_code": "620702",
            "residence": "rural", "value": value, "effective_from": from,
            "source": "测试：县政府文件第1条" } });
        let system = system.clone();
        let app = &app;
        async move {
            let r = post_json(&system, app, "/api/policy/add_parameter", body).await;
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
            r.json::<i64>().await.unwrap()
        }
    };
    let id = add("600", &today).await;
    assert_eq!(
        in_force().await,
        Some(58_000),
        "entered today, not yet approved: the old standard still applies"
    );
    let status = |c: reqwest::Client, id: i64| {
        let app = &app;
        async move {
            let rows: Vec<Value> = post_form(&c, app, "/api/policy/parameters", &[])
                .await
                .json()
                .await
                .unwrap();
            rows.iter().find(|r| r["id"] == id).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(status(security.clone(), id).await, "pending");
    let decide = |c: &reqwest::Client, id: i64, approve: bool| {
        let (c, app) = (c.clone(), &app);
        async move {
            post_form(
                &c,
                app,
                "/api/policy/decide_parameter",
                &[("id", &id.to_string()), ("approve", &approve.to_string())],
            )
            .await
            .status()
        }
    };
    // Neither the one who entered it nor a caseworker approves it.
    assert_eq!(decide(&system, id, true).await, StatusCode::FORBIDDEN);
    assert_eq!(decide(&cw, id, true).await, StatusCode::FORBIDDEN);
    // Nor a security administrator of another province.
    crate::helpers::lanzhou_admin(
        &app,
        "lanzhou_security",
        app::domain::status::AdminDuty::Security,
    )
    .await;
    let lanzhou = login(&app, "lanzhou_security", crate::helpers::LANZHOU_PASSWORD).await;
    assert_eq!(decide(&lanzhou, id, true).await, StatusCode::FORBIDDEN);
    assert_eq!(in_force().await, Some(58_000));

    // The region's security administrator approves: in force at once (effective today), once.
    assert_eq!(decide(&security, id, true).await, StatusCode::OK);
    assert_eq!(in_force().await, Some(60_000));
    assert_eq!(status(system.clone(), id).await, "in_force");
    assert_eq!(decide(&security, id, false).await, StatusCode::CONFLICT);

    // A refused value never applies and is listed as withdrawn.
    let refused = add("700", &today).await;
    assert_eq!(decide(&security, refused, false).await, StatusCode::OK);
    assert_eq!(in_force().await, Some(60_000));
    assert_eq!(status(cw.clone(), refused).await, "withdrawn");

    // Both decisions are in the trail, by the security administrator.
    let trail = app.store().recent_audit(50).await.unwrap();
    let security_id = app
        .store()
        .user_by_login("demo_security")
        .await
        .unwrap()
        .unwrap()
        .id;
    let by_security = |action: &str, id: i64| {
        trail.iter().any(|e| {
            e.action == action
                && e.object.starts_with(&format!("{id}:dibao_standard:620702"))
                && e.actor_id.as_deref() == Some(security_id.as_str())
        })
    };
    assert!(by_security("policy_parameter_approve", id));
    assert!(by_security("policy_parameter_refuse", refused));
}

/// Hole 11, lockouts: a member of staff who mistyped past the limit at their office is let back
/// in by the security administrator of their region (every count kept for the account cleared,
/// recorded), not by the system administrator.
#[tokio::test]
async fn a_security_administrator_lifts_a_lockout_and_no_one_else_can() {
    use crate::api::post_form;
    let app = crate::helpers::spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.auth_requests_per_minute = 1000;
    })
    .await;
    let office = app.client();
    let attempt = |password: &'static str| {
        let (c, url) = (office.clone(), app.url("/api/accounts/login"));
        async move {
            let r = c
                .post(url)
                .header("x-forwarded-for", "203.0.113.9")
                .form(&[("login", "demo_caseworker"), ("password", password)])
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()["detail"]
                .as_str()
                .unwrap_or("")
                .to_string()
        }
    };
    for _ in 0..6 {
        attempt("Wrong-guess-1").await;
    }
    assert_eq!(attempt("Demo2026pass").await, "too_many_attempts");

    let clear = |c: &reqwest::Client| {
        let (c, app) = (c.clone(), &app);
        async move {
            post_form(
                &c,
                app,
                "/api/accounts/clear_lockout",
                &[("login", "demo_caseworker")],
            )
            .await
            .status()
        }
    };
    let system = login(&app, "demo_admin", "Demo2026pass").await;
    assert_eq!(clear(&system).await, StatusCode::FORBIDDEN);
    assert_eq!(attempt("Demo2026pass").await, "too_many_attempts");
    let security = login(&app, "demo_security", "Demo2026pass").await;
    assert_eq!(clear(&security).await, StatusCode::OK);
    // Back in from the same office: the password passes, the second factor is asked next.
    assert_eq!(attempt("Demo2026pass").await, "second_factor_needed");
    let r = post_form(
        &security,
        &app,
        "/api/accounts/clear_lockout",
        &[("login", "nobody_here")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let caseworker = app
        .store()
        .user_by_login("demo_caseworker")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(app
        .store()
        .recent_audit(50)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "lockout_clear" && e.object == caseworker));
}

/// Hole 14: a body larger than its route takes is refused (413) on its declared length alone,
/// before the body is read and before anything looks at the session or who is signed in: a
/// signed-out client announcing 600 MB to an upload route gets 413 at once, not 401 after the
/// server waited for the bytes.
#[tokio::test]
async fn oversized_bodies_are_refused_before_sign_in_is_looked_at() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let host = app.base.trim_start_matches("http://").to_string();
    for (path, length) in [
        ("/imports", 600 * 1024 * 1024),
        ("/attachments", 60 * 1024 * 1024),
        ("/charity/proof/anything", 60 * 1024 * 1024),
        ("/api/declaration/save", 60 * 1024 * 1024),
        ("/login", 60 * 1024 * 1024),
    ] {
        let mut s = tokio::net::TcpStream::connect(&host).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n\r\n--x",
            app.base
        );
        s.write_all(head.as_bytes()).await.unwrap();
        // Only the head and three bytes were sent: the answer must come without the rest.
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut answer))
            .await
            .unwrap_or_else(|_| panic!("{path}: no answer without the body"))
            .unwrap();
        let text = String::from_utf8_lossy(&answer[..n]);
        assert!(
            text.starts_with("HTTP/1.1 413"),
            "{path}: {}",
            text.lines().next().unwrap_or("")
        );
        assert!(text.contains("body_too_large"), "{path}: {text}");
    }
}

/// Hole 2, charities: a charity that chose a second factor and lost its phone is reset by the
/// security administrator whose region holds every region it serves (and listed for them), not
/// by another province's, nor by the system administrator.
#[tokio::test]
async fn a_charitys_lost_second_factor_is_reset_by_the_security_administrator_of_its_regions() {
    use crate::api::post_form;
    let app = crate::helpers::spawn_app_with(|c| c.auth_requests_per_minute = 1000).await;
    let charity = app
        .store()
        .user_by_login("demo_charity")
        .await
        .unwrap()
        .unwrap();
    let codes = ["c1".to_string()];
    app.store()
        .set_second_factor(&charity.id, Some(("JBSWY3DPEHPK3PXP", &codes)), 5)
        .await
        .unwrap();
    crate::helpers::lanzhou_admin(
        &app,
        "lanzhou_security",
        app::domain::status::AdminDuty::Security,
    )
    .await;
    let reset = |c: reqwest::Client| {
        let app = &app;
        async move {
            post_form(
                &c,
                app,
                "/api/accounts/second_factor/reset",
                &[("login", "demo_charity")],
            )
            .await
            .status()
        }
    };
    let lanzhou = login(&app, "lanzhou_security", crate::helpers::LANZHOU_PASSWORD).await;
    assert_eq!(reset(lanzhou.clone()).await, StatusCode::NOT_FOUND);
    let listed: Value = post_form(&lanzhou, &app, "/api/accounts/staff", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(!listed.to_string().contains("demo_charity"));
    let system = login(&app, "demo_admin", "Demo2026pass").await;
    assert_eq!(reset(system).await, StatusCode::FORBIDDEN);
    let security = login(&app, "demo_security", "Demo2026pass").await;
    let listed: Value = post_form(&security, &app, "/api/accounts/staff", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "demo_charity")
        .expect("the charity is listed for its region's security administrator")
        .clone();
    assert_eq!(row["second_factor"], true);
    assert_eq!(reset(security).await, StatusCode::OK);
    let after = app.store().user_by_id(&charity.id).await.unwrap().unwrap();
    assert_eq!(after.totp_secret, None);
}

/// Hole 12: a copy of the database (its files as they lie on disk, drafts and submissions alike,
/// before and after a caseworker accepts the household) shows no declared name, address, contact
/// phone, illness or ID number, nor the phone the resident signs in with: drafts and
/// declarations are sealed with SM4-GCM, the ID number is kept as its keyed digest where it
/// joins tables (sealed where it is shown), the sign-in phone and the SMS counts as keyed digests. Staff still find the household by a member's whole or given name and
/// ID number (keyed digests); a name that is only part of one finds nothing.
#[tokio::test]
async fn a_copy_of_the_database_shows_no_declared_name_address_phone_illness_or_id_number() {
    use crate::api::{draft_id, good_draft, post_form, resident, submit};
    let app = spawn_app().await;
    let r = resident(&app, "13900001201").await;
    let draft = draft_id(&r, &app).await;
    let head = valid_id("62070219700101602");
    let mut data = good_draft(std::slice::from_ref(&head));
    data.members[0].name = "欧阳春晓".into();
    data.members[0].health = "serious_illness".into();
    data.members[0].illness = "尘肺病三期伴呼吸衰竭".into();
    data.address = "梁家墩镇幸福巷77号".into();
    data.contact_phone = "13698765432".into();
    let secrets: [&str; 6] = [
        "13900001201",
        head.as_str(),
        "欧阳春晓",
        "尘肺病三期伴呼吸衰竭",
        "幸福巷77号",
        "13698765432",
    ];
    let leaked = |bytes: &[u8]| -> Vec<&str> {
        secrets
            .iter()
            .copied()
            .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
            .collect()
    };

    // Typed so far (the draft's autosave): sealed already.
    let saved = post_json(
        &r,
        &app,
        "/api/declaration/save",
        json!({ "save": { "draft_id": draft, "data": data } }),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(leaked(&app.database_bytes()), Vec::<&str>::new());
    // The resident reads back what they typed.
    let back: Value = post_json(&r, &app, "/api/declaration/draft", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["data"]["members"][0]["name"], "欧阳春晓");

    let submitted = submit(&r, &app, &draft, &data).await;
    assert_eq!(submitted.status(), StatusCode::OK);
    let number = submitted.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(leaked(&app.database_bytes()), Vec::<&str>::new());

    // The caseworker of the region reads it and finds the household once accepted.
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    let got: Value = post_form(
        &cw,
        &app,
        "/api/applications/get_application",
        &[("number", number.as_str())],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        got["members"][0]["name"], "欧阳春晓",
        "opened for the caseworker"
    );
    let accepted = post_form(
        &cw,
        &app,
        "/api/casework/advance",
        &[("number", number.as_str()), ("to", "accepted")],
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let search = |q: Value| {
        let cw = &cw;
        let app = &app;
        async move {
            let r = post_json(cw, app, "/api/cycle/search", json!({ "query": q })).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap().as_array().unwrap().len()
        }
    };
    assert_eq!(search(json!({ "name": "欧阳春晓" })).await, 1);
    assert_eq!(search(json!({ "name": "春晓" })).await, 1, "the given name");
    assert_eq!(
        search(json!({ "name": "阳春晓" })).await,
        0,
        "not any part of a name"
    );
    assert_eq!(
        search(json!({ "name": "欧阳" })).await,
        0,
        "not the surname alone"
    );
    assert_eq!(search(json!({ "id_number": head })).await, 1);
    assert_eq!(leaked(&app.database_bytes()), Vec::<&str>::new());
}

/// Hole 12, the files: an uploaded ID card, a visit's photos and signatures, a proof of
/// delivery lie on disk sealed (SM4-GCM, bound to their content hash); the owner downloads the
/// very bytes they uploaded. Files written before encryption are sealed when the server starts.
#[tokio::test]
async fn a_copy_of_the_stored_files_shows_no_uploaded_document() {
    use crate::api::{draft_id, png, resident, upload};
    let app = spawn_app().await;
    let c = resident(&app, "13900001202").await;
    let d = draft_id(&c, &app).await;
    let mut scan = png();
    scan.extend_from_slice("身份证 620702197001016023 欧阳春晓".as_bytes());
    let marker = "620702197001016023".as_bytes();
    let r = upload(&c, &app, &d, "身份证.png", scan.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let files = app.stored_file_bytes();
    assert!(!files.is_empty(), "the upload is stored");
    for f in &files {
        assert!(
            !f.windows(marker.len()).any(|w| w == marker),
            "a file holds the scan in clear"
        );
    }
    let back = c
        .get(app.url(&format!("/attachments/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::OK);
    assert_eq!(back.bytes().await.unwrap().to_vec(), scan);

    // A file from before encryption, in clear under its content hash: sealed at start.
    let dir = tempfile::tempdir().unwrap();
    let cipher = server::crypto::FieldCipher::random();
    let blobs = server::services::FsBlobStore {
        root: dir.path().to_path_buf(),
        cipher: cipher.clone(),
    };
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&scan))
    };
    let path = dir.path().join(&hash[..2]).join(&hash[2..4]).join(&hash);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &scan).unwrap();
    use app::services::BlobStore;
    assert!(
        blobs.get(&hash).await.is_err(),
        "a clear file is not read as sealed"
    );
    assert_eq!(blobs.seal_existing().await.unwrap(), 1);
    assert_eq!(blobs.seal_existing().await.unwrap(), 0, "once");
    let stored = std::fs::read(&path).unwrap();
    assert!(!stored.windows(marker.len()).any(|w| w == marker));
    assert_eq!(blobs.get(&hash).await.unwrap(), scan);
}
