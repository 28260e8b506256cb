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
                ("form[password]", "secret123"),
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
