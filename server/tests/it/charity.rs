//! 慈善帮扶 end to end through HTTP (a charity registers, is verified, publishes; needs are
//! de-identified on every response; a caseworker's accepted suggestion is accepted, revealed,
//! delivered and lands in the chain), and the store's reservations on both backends under
//! concurrent requests.

use crate::api::{draft_id, good_draft, png, post_form, post_json, resident, submit, valid_id};
use crate::helpers::{backends, spawn_app, store_for, TestApp};
use app::domain::charity::{CreditCode, MatchState, NeedSource, NeedState};
use app::domain::declaration::HelpKind;
use app::domain::status::Role;
use app::store::{
    DbError, HouseholdQuery, NewCharity, NewMatch, NewNeed, NewResource, NewUser, Store,
};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::crypto::FieldCipher;
use std::sync::Arc;

async fn login(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, password).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    c
}

/// A household with an accepted application (consenting to charity sharing or not); its id.
async fn household(app: &TestApp, phone: &str, id17: &str, consent: bool) -> (String, Client) {
    let r = resident(app, phone).await;
    let d = draft_id(&r, app).await;
    let id = valid_id(id17);
    let mut draft = good_draft(std::slice::from_ref(&id));
    draft.consent_charity = consent;
    let resp = submit(&r, app, &d, &draft).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let number = resp.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    crate::api::accept(app, &number).await;
    let found = app
        .store()
        .search_households(HouseholdQuery {
            id_number: Some(id.clone()),
            ..HouseholdQuery::within(crate::helpers::region("6207"), 5)
        })
        .await
        .unwrap();
    (found[0].id.clone(), r)
}

fn org(name: &str, code: &str) -> Value {
    json!({ "name": name, "credit_code": code, "contact_name": "赵联系", "contact_phone": "13700000001",
            "regions": ["620702"], "kinds": ["education", "medical"] })
}

async fn upload_proof(
    c: &Client,
    app: &TestApp,
    match_id: &str,
    bytes: Vec<u8>,
    name: &str,
) -> StatusCode {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    c.post(app.url(&format!("/charity/proof/{match_id}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
}

async fn call(
    c: &Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let r = post_form(c, app, path, form).await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

async fn post(c: &Client, app: &TestApp, path: &str, body: Value) -> (StatusCode, String) {
    let r = post_json(c, app, path, body).await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// `text` with every UUID (8-4-4-4-12 lowercase hex digits) replaced by dashes.
fn without_uuids(text: &str) -> String {
    let mut out = text.as_bytes().to_vec();
    let is_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    let mut i = 0;
    while i + 36 <= out.len() {
        let shaped = out[i..i + 36].iter().enumerate().all(|(k, &b)| {
            if [8, 13, 18, 23].contains(&k) {
                b == b'-'
            } else {
                is_hex(b)
            }
        });
        if shaped {
            out[i..i + 36].fill(b'-');
            i += 36;
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("only ASCII was replaced")
}

/// The check itself: a UUID's digits are no phone number (a flake seen once: `…-c14219753127`),
/// a phone number beside one still is.
#[test]
fn the_de_identification_check_ignores_uuids_but_not_phones() {
    assert_de_identified(r#"{"id":"2d6e2a30-f01d-4abe-be6f-c14219753127"}"#, &[]);
    let leaked = std::panic::catch_unwind(|| {
        assert_de_identified(
            r#"{"id":"2d6e2a30-f01d-4abe-be6f-c14219753127","p":"13800000001"}"#,
            &[],
        )
    });
    assert!(leaked.is_err());
}

/// Nothing that identifies a person: no ID number (17 digits and a check character), no mobile
/// number (11 digits from 13–19), no name or street address.
fn assert_de_identified(text: &str, names: &[&str]) {
    // Record ids are UUIDs, whose hex groups may hold an 11-digit run by chance: blank them.
    let blanked = without_uuids(text);
    let bytes = blanked.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run > 0 {
            let id_like = run >= 17 || (run == 17 && bytes.get(i + 17) == Some(&b'X'));
            let phone_like = run == 11 && bytes[i] == b'1' && (b'3'..=b'9').contains(&bytes[i + 1]);
            assert!(!id_like, "an ID number leaked: {text}");
            assert!(!phone_like, "a phone number leaked: {text}");
            i += run;
        } else {
            i += 1;
        }
    }
    for n in names {
        assert!(!text.contains(n), "{n} leaked: {text}");
    }
}

#[tokio::test]
async fn a_charity_is_verified_sees_only_de_identified_needs_and_its_delivery_joins_the_chain() {
    let app = spawn_app().await;
    let code = CreditCode::with_check("53620702MJ0000017").unwrap();
    let (consenting, resident_client) =
        household(&app, "13900000801", "62070219700101801", true).await;
    let (private, _) = household(&app, "13900000802", "62070219700101802", false).await;

    // Registration: the credit code is checked; a good one registers and signs in.
    let charity = app.client();
    post_form(
        &charity,
        &app,
        "/api/accounts/send_code",
        &[("phone", "13700000009")],
    )
    .await;
    let sms = app.last_code("13700000009");
    let bad = format!(
        "{}{}",
        &code.as_str()[..17],
        if code.as_str().ends_with('0') {
            '1'
        } else {
            '0'
        }
    );
    let form = |org: Value| json!({ "form": { "phone": "13700000009", "code": sms, "password": "Charity2026", "org": org } });
    let (status, body) = post(
        &charity,
        &app,
        "/api/charity/register",
        form(org("爱心基金会", &bad)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("credit_code_checksum"), "{body}");
    let (status, body) = post(
        &charity,
        &app,
        "/api/charity/register",
        form(org("爱心基金会", code.as_str())),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Before verification it sees its own page and nothing else.
    let (status, home) = call(&charity, &app, "/api/charity/home", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("\"status\":\"pending\""), "{home}");
    // Its contact person and their phone are a person's data: shown to the charity, sealed where
    // they are stored (issue 17, hole 12).
    assert!(
        home.contains("赵联系") && home.contains("13700000001"),
        "{home}"
    );
    let stored = app.database_bytes();
    for clear in ["赵联系", "13700000001"] {
        assert!(
            !stored.windows(clear.len()).any(|w| w == clear.as_bytes()),
            "{clear} is stored in clear"
        );
    }
    let (status, body) = call(&charity, &app, "/api/charity/board", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("charity_not_verified"));
    let resource = json!({ "draft": { "form": "funds", "title": "助学金", "total": "1000", "per_household_cap": "600",
        "need_kinds": ["education"], "valid_from": "2026-01-01", "valid_until": "2099-12-31" } });
    assert_eq!(
        post(
            &charity,
            &app,
            "/api/charity/add_resource",
            resource.clone()
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    // Nor may anyone but an administrator verify it.
    let caseworker = login(&app, "demo_caseworker", "Demo2026pass").await;
    assert_eq!(
        post_form(&caseworker, &app, "/api/charity/registrations", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let admin = login(&app, "demo_admin", "Demo2026pass").await;
    let list: Value = post_form(&admin, &app, "/api/charity/registrations", &[])
        .await
        .json()
        .await
        .unwrap();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["credit_code"] == code.as_str())
        .unwrap();
    let charity_id = entry["id"].as_str().unwrap().to_string();
    let r = post_form(
        &admin,
        &app,
        "/api/charity/decide",
        &[("id", &charity_id), ("verified", "false"), ("note", "")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "rejecting needs a reason"
    );
    let r = post_form(
        &admin,
        &app,
        "/api/charity/decide",
        &[
            ("id", &charity_id),
            ("verified", "true"),
            ("note", "材料齐全"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // It publishes; a region outside its own is refused.
    let mut far = resource.clone();
    far["draft"]["regions"] = json!(["210100"]);
    let (status, body) = post(&charity, &app, "/api/charity/add_resource", far).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        post(&charity, &app, "/api/charity/add_resource", resource)
            .await
            .0,
        StatusCode::OK
    );

    // Needs recorded by the caseworker, for both households.
    for h in [&consenting, &private] {
        let (status, body) = post(&caseworker, &app, "/api/charity/add_need",
            json!({ "draft": { "household_id": h, "source": "caseworker", "kind": "education", "form": "funds", "amount": "800" } })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // A charity cannot record needs.
    let (status, _) = post(&charity, &app, "/api/charity/add_need",
        json!({ "draft": { "household_id": consenting, "source": "caseworker", "kind": "education", "form": "funds", "amount": "1" } })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The board: only the consenting household's need, without anything that identifies it.
    let (status, board) = call(&charity, &app, "/api/charity/board", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let needs: Value = serde_json::from_str(&board).unwrap();
    assert_eq!(needs.as_array().unwrap().len(), 1, "{board}");
    assert_eq!(
        (needs[0]["open"].as_str(), needs[0]["township"].as_str()),
        (Some("800.00"), Some("梁家墩镇"))
    );
    assert_de_identified(&board, &["张三", "梁家墩镇3组12号", &consenting, &private]);

    // The caseworker's plan: the consenting need gets 600 (the cap per household), and says why.
    let (status, plan) = call(&caseworker, &app, "/api/charity/suggest", &[]).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let plan: Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["excluded_no_consent"], 1);
    let s = plan["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["household_id"] == consenting.as_str())
        .expect("a suggestion")
        .clone();
    assert_eq!(
        (
            s["units"].as_i64(),
            s["distance"].as_str(),
            s["coverage"][1].as_str()
        ),
        (Some(60_000), Some("SameCounty"), Some("800.00"))
    );
    assert!(plan["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["need"]["id"] == s["need"]["id"] && u["why"] == "Exhausted"));
    // More than the cap is refused, and nothing is reserved.
    let r = post_form(
        &caseworker,
        &app,
        "/api/charity/propose",
        &[
            ("need_id", s["need"]["id"].as_str().unwrap()),
            ("resource_id", s["resource_id"].as_str().unwrap()),
            ("units", "700"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("household_cap"));
    let r = post_form(
        &caseworker,
        &app,
        "/api/charity/propose",
        &[
            ("need_id", s["need"]["id"].as_str().unwrap()),
            ("resource_id", s["resource_id"].as_str().unwrap()),
            ("units", "600"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // The charity sees the proposal (still without identity), accepts it, and only then the contact.
    let (_, home) = call(&charity, &app, "/api/charity/home", &[]).await;
    assert_de_identified(
        &home.replace("13700000001", ""),
        &["张三", "梁家墩镇3组12号", &consenting],
    );
    let home: Value = serde_json::from_str(&home).unwrap();
    let m = home["matches"][0].clone();
    assert_eq!(
        (m["state"].as_str(), m["units"].as_str()),
        (Some("proposed"), Some("600.00"))
    );
    assert_eq!(
        home["resources"][0]["remaining"], "400.00",
        "the proposal reserves its units"
    );
    let mid = m["id"].as_str().unwrap();
    let r = post_form(
        &charity,
        &app,
        "/api/charity/contact",
        &[("id", mid), ("purpose", "arrange_delivery")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "no contact before the match is confirmed"
    );
    assert_eq!(
        upload_proof(&charity, &app, mid, png(), "receipt.png").await,
        StatusCode::CONFLICT,
        "no proof before accepting"
    );
    assert_eq!(
        post_form(
            &charity,
            &app,
            "/api/charity/answer",
            &[("id", mid), ("accept", "true"), ("note", "")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let contact: Value = post_form(
        &charity,
        &app,
        "/api/charity/contact",
        &[("id", mid), ("purpose", "arrange_delivery")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (contact["head_name"].as_str(), contact["phone"].as_str()),
        (Some("张三"), Some("13812345678"))
    );
    let audit = app.store().recent_audit(50).await.unwrap();
    assert!(
        audit.iter().any(|a| a.action == "charity_contact"
            && a.result.code() == "ok"
            && a.object.contains(&consenting)),
        "the release is audit-logged"
    );
    // Another organisation cannot see it.
    let other = login(&app, "demo_charity", "Demo2026pass").await;
    assert_eq!(
        post_form(
            &other,
            &app,
            "/api/charity/contact",
            &[("id", mid), ("purpose", "arrange_delivery")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );

    // The proof file: checked by content, only the match's own charity may attach it.
    assert_eq!(
        upload_proof(
            &charity,
            &app,
            mid,
            b"not a picture".to_vec(),
            "receipt.png"
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        upload_proof(&charity, &app, mid, Vec::new(), "receipt.png").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        upload_proof(&other, &app, mid, png(), "receipt.png").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        upload_proof(&caseworker, &app, mid, png(), "receipt.png").await,
        StatusCode::FORBIDDEN
    );
    assert!(
        app.store()
            .match_record(mid)
            .await
            .unwrap()
            .unwrap()
            .proof
            .is_none(),
        "nothing stored by refused uploads"
    );
    assert_eq!(
        upload_proof(&charity, &app, mid, png(), "receipt.png").await,
        StatusCode::NO_CONTENT
    );
    // Delivery: a date in the future or no proof is refused; then it lands in the chain.
    let tomorrow = (app::services::today_in_china() + chrono::Days::new(1)).to_string();
    let today = app::services::today_in_china().to_string();
    assert_eq!(
        post_form(
            &charity,
            &app,
            "/api/charity/deliver",
            &[
                ("id", mid),
                ("delivered_on", &tomorrow),
                ("proof", "收据 001")
            ]
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post_form(
            &charity,
            &app,
            "/api/charity/deliver",
            &[("id", mid), ("delivered_on", &today), ("proof", " ")]
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post_form(
            &charity,
            &app,
            "/api/charity/deliver",
            &[("id", mid), ("delivered_on", &today), ("proof", "收据 001")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        post_form(
            &charity,
            &app,
            "/api/charity/deliver",
            &[("id", mid), ("delivered_on", &today), ("proof", "again")]
        )
        .await
        .status(),
        StatusCode::CONFLICT,
        "once"
    );
    let chain = app.store().assistance_of(&consenting).await.unwrap();
    let aid = chain
        .iter()
        .find(|a| a.aid.kind == app::domain::chain::AidKind::Charity)
        .expect("the delivery is in the chain");
    assert_eq!(
        (aid.aid.amount_fen, aid.aid.source_name.as_str()),
        (60_000, "爱心基金会")
    );
    let file: Value = post_form(
        &caseworker,
        &app,
        "/api/household/file",
        &[("id", &consenting)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        file.to_string().contains("爱心基金会"),
        "the household file shows the delivery"
    );
    // The proof file: readable by the charity and by the household's caseworkers, nobody else.
    let (_, matches) = call(
        &caseworker,
        &app,
        "/api/charity/household",
        &[("household_id", &consenting)],
    )
    .await;
    let href = format!("/charity/proof/{mid}");
    assert!(matches.contains(&href), "{matches}");
    for (who, expected) in [
        (&caseworker, StatusCode::OK),
        (&charity, StatusCode::OK),
        (&other, StatusCode::NOT_FOUND),
        (&resident_client, StatusCode::NOT_FOUND),
    ] {
        let r = who.get(app.url(&href)).send().await.unwrap();
        assert_eq!(r.status(), expected);
        if expected == StatusCode::OK {
            assert_eq!(r.headers()["content-type"], "image/png");
            assert_eq!(r.bytes().await.unwrap().to_vec(), png());
        }
    }
    // The cap per household is used up: the next plan offers this resource nothing more for it.
    let (_, plan) = call(&caseworker, &app, "/api/charity/suggest", &[]).await;
    let plan: Value = serde_json::from_str(&plan).unwrap();
    assert!(
        plan["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["household_id"] != consenting.as_str()),
        "{plan}"
    );
    // The need still lacks 200: it stays open for others.
    let needs = app
        .store()
        .needs_of(&consenting, app::services::today_in_china())
        .await
        .unwrap();
    assert_eq!(
        (
            needs[0].state.code(),
            needs[0].delivered,
            needs[0].committed
        ),
        ("open", 60_000, 60_000)
    );
}

#[tokio::test]
async fn a_declined_proposal_returns_to_the_pool_and_a_withdrawn_consent_hides_the_need() {
    let app = spawn_app().await;
    let (h, resident) = household(&app, "13900000811", "62070219700101811", true).await;
    let caseworker = login(&app, "demo_caseworker", "Demo2026pass").await;
    let (status, body) = post(&caseworker, &app, "/api/charity/add_need",
        json!({ "draft": { "household_id": h, "source": "declaration", "kind": "basic_living", "form": "funds", "amount": "300" } })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The declaration asked for basic living aid only: a medical need cannot come "from" it.
    let (status, body) = post(&caseworker, &app, "/api/charity/add_need",
        json!({ "draft": { "household_id": h, "source": "declaration", "kind": "housing", "form": "funds", "amount": "300" } })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = post(&caseworker, &app, "/api/charity/add_need",
        json!({ "draft": { "household_id": h, "source": "caseworker", "kind": "medical", "form": "funds", "amount": "-5" } })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("amount"), "{body}");

    // The demo charity's resource serves medical needs only: a basic-living need has no fit.
    let (_, plan) = call(&caseworker, &app, "/api/charity/suggest", &[]).await;
    let plan: Value = serde_json::from_str(&plan).unwrap();
    assert!(plan["suggestions"].as_array().unwrap().is_empty(), "{plan}");
    assert_eq!(plan["unmet"][0]["why"], "NoFit");
    let (status, body) = post(&caseworker, &app, "/api/charity/add_need",
        json!({ "draft": { "household_id": h, "source": "caseworker", "kind": "medical", "form": "funds", "amount": "2000" } })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, plan) = call(&caseworker, &app, "/api/charity/suggest", &[]).await;
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let s = &plan["suggestions"][0];
    assert_eq!(
        (s["units"].as_i64(), s["resource_id"].as_str()),
        (Some(200_000), Some("demo-resource")),
        "{plan}"
    );
    let r = post_form(
        &caseworker,
        &app,
        "/api/charity/propose",
        &[
            ("need_id", s["need"]["id"].as_str().unwrap()),
            ("resource_id", "demo-resource"),
            ("units", "2000"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let remaining = |app: &TestApp| {
        let store = app.store();
        async move {
            store
                .resources(Some("demo-charity"), crate::helpers::day("2026-11-26"))
                .await
                .unwrap()[0]
                .remaining
        }
    };
    assert_eq!(remaining(&app).await, 5_000_000 - 200_000);

    // The charity declines: units back to the resource and the need.
    let charity = login(&app, "demo_charity", "Demo2026pass").await;
    let home: Value = post_form(&charity, &app, "/api/charity/home", &[])
        .await
        .json()
        .await
        .unwrap();
    let mid = home["matches"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        post_form(
            &charity,
            &app,
            "/api/charity/answer",
            &[("id", &mid), ("accept", "false"), ("note", "本月名额已满")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(remaining(&app).await, 5_000_000);
    let (_, board) = call(&charity, &app, "/api/charity/board", &[]).await;
    assert!(
        board.contains("2000.00"),
        "the need is back on the board: {board}"
    );

    // The household withdraws its consent: the need leaves the board and cannot be committed.
    let number = app
        .store()
        .search_households(HouseholdQuery {
            id_number: None,
            ..HouseholdQuery::within(crate::helpers::region("6207"), 50)
        })
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.id == h)
        .unwrap()
        .latest_number
        .unwrap();
    let r = post_form(
        &resident,
        &app,
        "/api/applications/charity_consent",
        &[("number", &number), ("granted", "false")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, board) = call(&charity, &app, "/api/charity/board", &[]).await;
    assert_eq!(board, "[]");
    let need_id = s["need"]["id"].as_str().unwrap();
    let r = post_form(
        &charity,
        &app,
        "/api/charity/commit",
        &[
            ("need_id", need_id),
            ("resource_id", "demo-resource"),
            ("units", "100"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("need_taken"));
}

/// Issue 17, hole 7: a verified charity cannot commit a token amount to a need and read the
/// household's name, phone and address. Its own commitment must take all the need still lacks
/// (or all its resource may give the household), and the contact opens only after a caseworker
/// of the household's region confirmed it, for a stated purpose, each opening audited with it.
/// A revoked charity's board and contacts close at once (hole 3).
#[tokio::test]
async fn a_charity_cannot_harvest_contacts_with_a_token_commitment() {
    let app = spawn_app().await;
    let (h, _resident) = household(&app, "13900000071", "62070219800101071", true).await;
    let caseworker = login(&app, "demo_caseworker", "Demo2026pass").await;
    let (status, body) = post(&caseworker, &app, "/api/charity/add_need",
        json!({ "draft": { "household_id": h, "source": "caseworker", "kind": "medical", "form": "funds", "amount": "2000" } })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let charity = login(&app, "demo_charity", "Demo2026pass").await;
    let (_, board) = call(&charity, &app, "/api/charity/board", &[]).await;
    let board: Value = serde_json::from_str(&board).unwrap();
    let need_id = board[0]["id"]
        .as_str()
        .expect("the need on the board")
        .to_string();
    let commit = |units: &'static str| {
        let (c, need_id) = (&charity, need_id.clone());
        let app = &app;
        async move {
            post_form(
                c,
                app,
                "/api/charity/commit",
                &[
                    ("need_id", need_id.as_str()),
                    ("resource_id", "demo-resource"),
                    ("units", units),
                ],
            )
            .await
        }
    };
    // A token commitment is refused, and reserves nothing.
    let r = commit("0.01").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("below_minimum"));
    let r = commit("1999.99").await;
    assert!(r.text().await.unwrap().contains("below_minimum"));
    // All of it: committed, but the contact stays closed until a caseworker confirms.
    assert_eq!(commit("2000").await.status(), StatusCode::OK);
    let home: Value = post_form(&charity, &app, "/api/charity/home", &[])
        .await
        .json()
        .await
        .unwrap();
    let m = &home["matches"][0];
    assert_eq!(
        (m["state"].as_str(), m["confirmed"].as_bool()),
        (Some("accepted"), Some(false))
    );
    let mid = m["id"].as_str().unwrap().to_string();
    let contact = |purpose: &'static str| {
        let (c, mid) = (&charity, mid.clone());
        let app = &app;
        async move {
            post_form(
                c,
                app,
                "/api/charity/contact",
                &[("id", mid.as_str()), ("purpose", purpose)],
            )
            .await
        }
    };
    let r = contact("arrange_delivery").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("match_unconfirmed"));
    // A caseworker of another county cannot confirm it; the household's caseworker can.
    let sunan = crate::household::staff(&app, "sunan_cw7", "caseworker", "620721000000", "").await;
    let r = post_form(
        &sunan,
        &app,
        "/api/charity/confirm_match",
        &[("id", mid.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post_form(
        &caseworker,
        &app,
        "/api/charity/confirm_match",
        &[("id", mid.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Only for a stated purpose, recorded with each opening.
    assert_eq!(
        contact("curiosity").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = contact("arrange_delivery").await;
    assert_eq!(r.status(), StatusCode::OK);
    let audit = app.store().recent_audit(100).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "charity_contact"
        && a.result.code() == "ok"
        && a.object.ends_with(&format!(":{h}"))
        && a.purpose.as_deref() == Some("arrange_delivery")
        && a.role.as_deref() == Some("charity")));
    assert!(audit
        .iter()
        .any(|a| a.action == "charity_confirm" && a.result.code() == "ok"));

    // Revoked: the board and the contact close at once.
    let admin = login(&app, "demo_admin", "Demo2026pass").await;
    let r = post_form(
        &admin,
        &app,
        "/api/charity/revoke",
        &[("id", "demo-charity"), ("note", "")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let r = post_form(
        &admin,
        &app,
        "/api/charity/revoke",
        &[("id", "demo-charity"), ("note", "资质过期")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    for (path, form) in [
        ("/api/charity/board", vec![]),
        (
            "/api/charity/contact",
            vec![("id", mid.as_str()), ("purpose", "deliver")],
        ),
    ] {
        let r = post_form(&charity, &app, path, &form).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{path}");
        assert!(
            r.text().await.unwrap().contains("charity_not_verified"),
            "{path}"
        );
    }
    let record = app.store().charity("demo-charity").await.unwrap().unwrap();
    assert_eq!(record.status, app::domain::charity::CharityStatus::Revoked);
    let r = post_form(
        &admin,
        &app,
        "/api/charity/revoke",
        &[("id", "demo-charity"), ("note", "再次")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

// ------------------------------------------------------------------------------------------
// The store, on both backends

async fn charity_with_resource(
    store: &Arc<dyn Store>,
    tag: &str,
    total: i64,
    cap: Option<i64>,
) -> (String, String) {
    let code = CreditCode::with_check(&format!("5362070{tag:0>2}MJ00000{tag:0>2}")[..17]).unwrap();
    let user_id = store
        .register_charity(NewCharity {
            id: format!("c-{tag}"),
            user: NewUser {
                role: Role::Charity,
                login: format!("org-{tag}"),
                display_name: "o".into(),
                password_hash: "h".into(),
                region_code: None,
                department: None,
                must_change_password: false,
                duty: None,
                now: 1,
            },
            name: format!("机构{tag}"),
            credit_code: code.as_str().into(),
            contact_name: "x".into(),
            contact_phone: "13700000001".into(),
            regions: vec![crate::helpers::region("6207")],
            kinds: vec![HelpKind::Education],
            org_kind: app::domain::care::OrgKind::Charity,
        })
        .await
        .unwrap();
    store
        .decide_charity(
            &format!("c-{tag}"),
            app::domain::charity::CharityStatus::Verified,
            "",
            &user_id,
            2,
        )
        .await
        .unwrap();
    store
        .add_resource(NewResource {
            id: format!("r-{tag}"),
            charity_id: format!("c-{tag}"),
            form: app::domain::charity::SupplyForm::Funds,
            title: "t".into(),
            unit: String::new(),
            total,
            per_household_cap: cap,
            need_kinds: vec![HelpKind::Education],
            categories: vec![],
            regions: vec![crate::helpers::region("6207")],
            valid_from: crate::helpers::day("2026-01-01"),
            valid_until: crate::helpers::day("2099-12-31"),
            now: 3,
        })
        .await
        .unwrap();
    (format!("c-{tag}"), user_id)
}

async fn consenting_household(
    store: &Arc<dyn Store>,
    owner: &str,
    head: &str,
    consent: bool,
) -> String {
    let user = store
        .create_user(NewUser {
            role: Role::Resident,
            login: owner.into(),
            display_name: "r".into(),
            password_hash: "h".into(),
            region_code: None,
            department: None,
            must_change_password: false,
            duty: None,
            now: 1,
        })
        .await
        .unwrap();
    let draft = store.current_draft(&user, "{}", 1).await.unwrap();
    let submitted = store
        .submit_application(app::store::Submission {
            owner_id: user.clone(),
            draft_id: draft.id,
            region_code: crate::helpers::region("620702100201"),
            declaration_json: "{}".into(),
            member_id_numbers: vec![crate::helpers::id_of(head)],
            monthly_income: app::domain::money::Money::from_fen(0),
            lost_labour: false,
            consent_charity: consent,
            consent_text_version: "v1".into(),
            now: 1000,
            year: 2026,
            assessment: app::store::NewAssessment {
                facts_json: "{}".into(),
                parameters_json: "{}".into(),
                assessment_json: "{}".into(),
                categories: Default::default(),
            },
            help: vec![app::domain::declaration::HelpKind::Education],
            head_id_number: crate::helpers::id_of(head),
        })
        .await
        .unwrap();
    let number = match submitted {
        app::store::SubmitOutcome::Created(s) | app::store::SubmitOutcome::AlreadySubmitted(s) => {
            s.number
        }
    };
    store
        .accept_application(&number, &user, false, 1001)
        .await
        .unwrap();
    store
        .search_households(HouseholdQuery {
            id_number: Some(crate::helpers::id_of(head).as_str().into()),
            ..HouseholdQuery::within(crate::helpers::region("6207"), 1)
        })
        .await
        .unwrap()[0]
        .id
        .clone()
}

async fn need(store: &Arc<dyn Store>, household: &str, id: &str, amount: i64, actor: &str) {
    assert!(store
        .add_need(NewNeed {
            id: id.into(),
            household_id: household.into(),
            source: NeedSource::Caseworker,
            source_ref: id.into(),
            kind: HelpKind::Education,
            form: app::domain::charity::SupplyForm::Funds,
            amount,
            urgency: 3,
            township: crate::helpers::region("620702100"),
            category: None,
            covering_aid: Some(app::domain::chain::AidKind::Education),
            note: String::new(),
            created_by: actor.into(),
            now: 10,
        })
        .await
        .unwrap());
}

fn commit(
    id: String,
    need: &str,
    resource: &str,
    units: i64,
    charity: &str,
    actor: &str,
) -> NewMatch {
    NewMatch {
        id,
        need_id: need.into(),
        resource_id: resource.into(),
        units,
        state: MatchState::Accepted,
        region: None,
        charity_id: Some(charity.into()),
        actor_id: actor.into(),
        today: crate::helpers::day("2026-11-26"),
        now: 20,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commitments_never_overdraw_under_concurrent_requests_on_either_backend() {
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = store_for(backend, dir.path()).await;
        let (charity, actor) = charity_with_resource(&store, "1", 100_000, None).await;
        let h = consenting_household(&store, "13900000901", "H-1", true).await;
        for i in 0..10 {
            need(&store, &h, &format!("n{i}"), 30_000, &actor).await;
        }
        // Ten charities' clicks at once on ten needs of 300 from a resource of 1 000: three fit.
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let store = store.clone();
                let m = commit(
                    format!("m{i}"),
                    &format!("n{i}"),
                    "r-1",
                    30_000,
                    &charity,
                    &actor,
                );
                tokio::spawn(async move { store.add_match(m).await })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(DbError::Conflict("resource_short")) => {}
                Err(e) => panic!("{backend}: {e}"),
            }
        }
        assert_eq!(ok, 3, "{backend}");
        let r = &store
            .resources(Some(&charity), crate::helpers::day("2026-11-26"))
            .await
            .unwrap()[0];
        assert_eq!(r.remaining, 10_000, "{backend}");

        // A charity's own commitment takes all the need lacks: 200 of 300 is refused.
        let (charity2, _) = charity_with_resource(&store, "2", 10_000_000, None).await;
        need(&store, &h, "single", 30_000, &actor).await;
        assert!(matches!(
            store
                .add_match(commit(
                    "part".into(),
                    "single",
                    "r-2",
                    20_000,
                    &charity2,
                    &actor
                ))
                .await,
            Err(DbError::Conflict("below_minimum"))
        ));
        // Six commitments of all 300 at once to one need: exactly one holds it.
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let store = store.clone();
                let m = commit(format!("s{i}"), "single", "r-2", 30_000, &charity2, &actor);
                tokio::spawn(async move { store.add_match(m).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        assert_eq!(
            outcomes.iter().filter(|o| o.is_ok()).count(),
            1,
            "{backend}: {outcomes:?}"
        );
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Ok(()) | Err(DbError::Conflict("need_taken")))),
            "{backend}: {outcomes:?}"
        );
        let single = store
            .needs_of(&h, crate::helpers::day("2026-11-26"))
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.id == "single")
            .unwrap();
        assert_eq!(single.committed, 30_000);

        // The cap per household counts every live match of the resource.
        let (charity3, _) = charity_with_resource(&store, "3", 10_000_000, Some(25_000)).await;
        need(&store, &h, "cap-a", 20_000, &actor).await;
        need(&store, &h, "cap-b", 20_000, &actor).await;
        store
            .add_match(commit(
                "c-a".into(),
                "cap-a",
                "r-3",
                20_000,
                &charity3,
                &actor,
            ))
            .await
            .unwrap();
        assert!(matches!(
            store
                .add_match(commit(
                    "c-b".into(),
                    "cap-b",
                    "r-3",
                    20_000,
                    &charity3,
                    &actor
                ))
                .await,
            Err(DbError::Conflict("household_cap"))
        ));
        // Closing a commitment gives its units back; a need closed by the caseworker releases its matches.
        store
            .move_match(
                "c-a",
                &charity3,
                &[MatchState::Accepted],
                MatchState::DoneByOthers,
                "",
                30,
            )
            .await
            .unwrap();
        store
            .add_match(commit(
                "c-b".into(),
                "cap-b",
                "r-3",
                20_000,
                &charity3,
                &actor,
            ))
            .await
            .unwrap();
        store
            .close_need(
                "cap-b",
                &crate::helpers::region("6207"),
                NeedState::NoLongerNeeded,
                &actor,
                40,
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .resources(Some(&charity3), crate::helpers::day("2026-11-26"))
                .await
                .unwrap()[0]
                .remaining,
            10_000_000
        );
        assert!(matches!(
            store
                .close_need(
                    "cap-b",
                    &crate::helpers::region("6207"),
                    NeedState::Duplicate,
                    &actor,
                    41
                )
                .await,
            Err(DbError::Conflict("need_state"))
        ));
        assert!(
            matches!(
                store
                    .close_need(
                        "cap-a",
                        &crate::helpers::region("2101"),
                        NeedState::Duplicate,
                        &actor,
                        41
                    )
                    .await,
                Err(DbError::NotFound)
            ),
            "outside the region"
        );

        // A household without consent is never committed to.
        let private = consenting_household(&store, "13900000902", "H-2", false).await;
        need(&store, &private, "private", 10_000, &actor).await;
        assert!(matches!(
            store
                .add_match(commit(
                    "p".into(),
                    "private",
                    "r-2",
                    10_000,
                    &charity2,
                    &actor
                ))
                .await,
            Err(DbError::Conflict("need_taken"))
        ));
        assert_eq!(
            store
                .needs_of(&private, crate::helpers::day("2026-11-26"))
                .await
                .unwrap()[0]
                .committed,
            0,
            "nothing half-written"
        );
        // Another charity's resource cannot be committed by this one.
        need(&store, &h, "spare", 100, &actor).await;
        assert!(matches!(
            store
                .add_match(commit("x".into(), "spare", "r-2", 100, &charity, &actor))
                .await,
            Err(DbError::Conflict("resource_short"))
        ));
    }
}

/// A charity row holding a code this version never writes (a need kind, a category, a township)
/// is an error naming its column when read: never skipped, never read as a default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_stored_charity_code_is_an_error_never_skipped() {
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let (_, sql) = crate::helpers::sql_store(backend, dir.path(), FieldCipher::random()).await;
        let store = sql.store();
        let (charity, actor) = charity_with_resource(&store, "1", 100_000, None).await;
        let h = consenting_household(&store, "13900000901", "H-1", true).await;
        need(&store, &h, "n1", 30_000, &actor).await;
        let today = crate::helpers::day("2026-11-26");
        let resources = store.resources(Some(&charity), today).await.unwrap();
        assert_eq!(resources[0].need_kinds, vec![HelpKind::Education]);
        let needs = store.needs_of(&h, today).await.unwrap();
        assert_eq!(needs[0].kind, HelpKind::Education);
        assert_eq!(needs[0].township, crate::helpers::region("620702100"));
        assert_eq!(needs[0].category, None);

        for (corrupt, restore, column) in [
            (
                r#"UPDATE charity_resources SET need_kinds = '["education","bribes"]'"#,
                r#"UPDATE charity_resources SET need_kinds = '["education"]'"#,
                "need_kinds",
            ),
            (
                r#"UPDATE charity_resources SET categories = '["royalty"]'"#,
                r#"UPDATE charity_resources SET categories = '[]'"#,
                "categories",
            ),
        ] {
            query(corrupt).execute(sql.db()).await.unwrap();
            match store.resources(Some(&charity), today).await {
                Err(DbError::Other(m)) => assert!(m.contains(column), "{m}"),
                other => panic!("{column} read as {other:?}"),
            }
            query(restore).execute(sql.db()).await.unwrap();
            assert_eq!(
                store.resources(Some(&charity), today).await.unwrap().len(),
                1
            );
        }
        for (corrupt, restore, column) in [
            (
                "UPDATE charity_needs SET kind = 'bribes'",
                "UPDATE charity_needs SET kind = 'education'",
                "kind",
            ),
            (
                "UPDATE charity_needs SET category = 'royalty'",
                "UPDATE charity_needs SET category = ''",
                "category",
            ),
            (
                "UPDATE charity_needs SET township = 'Ganzhou'",
                "UPDATE charity_needs SET township = '620702100'",
                "township",
            ),
        ] {
            query(corrupt).execute(sql.db()).await.unwrap();
            match store.needs_of(&h, today).await {
                Err(DbError::Other(m)) => assert!(m.contains(column), "{m}"),
                other => panic!("{column} read as {other:?}"),
            }
            query(restore).execute(sql.db()).await.unwrap();
            assert_eq!(store.needs_of(&h, today).await.unwrap().len(), 1);
        }
        query(r#"UPDATE charities SET kinds = '["education","bribes"]'"#)
            .execute(sql.db())
            .await
            .unwrap();
        match store.charity(&charity).await {
            Err(DbError::Other(m)) => assert!(m.contains("kinds"), "{m}"),
            other => panic!("kinds read as {other:?}"),
        }
    }
}

/// The matching page proposes the help a household asked for in its declaration, when it agreed
/// to share it with charities, until the caseworker records it as a need; a household that did
/// not agree is never proposed.
#[tokio::test]
async fn declared_help_with_consent_is_proposed_until_it_is_recorded() {
    let app = spawn_app().await;
    let (consenting, _) = household(&app, "13900000811", "62070219710101811", true).await;
    let (private, _) = household(&app, "13900000812", "62070219710101812", false).await;
    let caseworker = login(&app, "demo_caseworker", "Demo2026pass").await;
    let proposed = proposals(&caseworker, &app).await;
    let of = |h: &str| {
        proposed
            .iter()
            .filter(|p| p["household_id"] == h)
            .map(|p| p["kind"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(&consenting), vec!["basic_living"], "{proposed:?}");
    assert!(
        of(&private).is_empty(),
        "no consent, no proposal: {proposed:?}"
    );
    let entry = proposed
        .iter()
        .find(|p| p["household_id"] == consenting)
        .unwrap();
    assert!(entry["number"].as_str().unwrap().starts_with("SQ-"));
    assert!(!entry["township"].as_str().unwrap().is_empty());

    // Confirmed with an amount, it is a need and no longer proposed.
    let (status, body) = post(&caseworker, &app, "/api/charity/add_need",
        json!({ "draft": { "household_id": consenting, "source": "declaration", "kind": "basic_living", "form": "funds", "amount": "300" } })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let proposed = proposals(&caseworker, &app).await;
    assert!(
        !proposed.iter().any(|p| p["household_id"] == consenting),
        "{proposed:?}"
    );
}

async fn proposals(c: &Client, app: &TestApp) -> Vec<Value> {
    let (status, body) = call(c, app, "/api/charity/matching", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["proposed"]
        .as_array()
        .unwrap()
        .clone()
}
