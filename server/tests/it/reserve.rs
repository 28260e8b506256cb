//! 乡镇临时救助备用金 through HTTP: the county allocates, advance emergency aid in the township is
//! paid from the reserve and refused (nothing recorded) when it holds too little, and the month
//! reconciles.

use crate::api::{post_form, post_json, valid_id};
use crate::helpers::{caseworker, spawn_app, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn login(app: &TestApp, login: &str, password: &str) -> Client {
    let c = app.client();
    assert_eq!(
        app.sign_in(&c, login, password).await.status(),
        StatusCode::OK
    );
    c
}

#[tokio::test]
async fn advance_aid_in_a_township_is_paid_from_its_reserve_and_never_beyond_it() {
    let app = spawn_app().await;
    let cw = login(&app, "demo_caseworker", "Demo2026pass").await;
    let credit = |c: &Client, township: &str, kind: &str, amount: &str| {
        let form = [
            ("township", township.to_string()),
            ("kind", kind.to_string()),
            ("amount", amount.to_string()),
            ("note", "2026年度备用金".to_string()),
        ];
        c.post(app.url("/api/reserve/credit")).form(&form).send()
    };
    let r = credit(&cw, "620702100000", "allocation", "100")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!("100.00"));
    // Only to a township of the county, only credits, only an amount.
    for (t, k, a, field) in [
        ("620724100000", "allocation", "100", "township"),
        ("620702000000", "allocation", "100", "township"),
        ("620702100000", "spend", "100", "kind"),
        ("620702100000", "top_up", "-5", "amount"),
        ("620702100000", "top_up", "0", "amount"),
    ] {
        let r = credit(&cw, t, k, a).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{t} {k} {a}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["detail"][0]["field"],
            field
        );
    }
    // A township's caseworker sees its reserve but does not allocate.
    let township = caseworker(&app, "liangjiadun_cw", "620702100000").await;
    let r = credit(&township, "620702100000", "top_up", "100")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Advance aid of 60 yuan in a village of the township: paid from the reserve.
    let aid = |id: &str, amount: &str| {
        json!({ "emergency": { "id": id, "person_name": "赵外来", "id_number": valid_id("21010219850505003"),
            "region": "620702100201", "situation": "务工期间突发疾病，无力支付医疗费", "amount": amount, "advance": true, "conference": "" } })
    };
    let r = post_json(
        &township,
        &app,
        "/api/cycle/emergency",
        aid("emergency-reserve-0001", "60"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let first: Value = r.json().await.unwrap();
    let household = first["household_id"].as_str().unwrap().to_string();
    // A second of 60: the reserve holds 40; refused, and nothing of it recorded.
    let r = post_json(
        &township,
        &app,
        "/api/cycle/emergency",
        aid("emergency-reserve-0002", "60"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.json::<Value>().await.unwrap()["detail"], "reserve_short");
    assert_eq!(
        app.store().emergencies_of(&household).await.unwrap().len(),
        1,
        "the refused aid left nothing"
    );
    // The county tops it up; the aid goes through.
    assert_eq!(
        credit(&cw, "620702100000", "top_up", "200")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let r = post_json(
        &township,
        &app,
        "/api/cycle/emergency",
        aid("emergency-reserve-0002", "60"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A retry of a registered aid spends nothing again.
    let r = post_json(
        &township,
        &app,
        "/api/cycle/emergency",
        aid("emergency-reserve-0002", "60"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // The month: 100 allocated, 200 topped up, 120 spent twice, 180 left, consistent.
    let r = post_form(&township, &app, "/api/reserve/overview", &[("month", "")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["may_credit"], false);
    let row = &view["rows"][0];
    assert_eq!(row["township"], "620702100000");
    assert_eq!(row["balance"], "180.00");
    assert_eq!(row["month"]["spends"], 2);
    assert_eq!(row["month"]["consistent"], true);
    assert_eq!(row["entries"].as_array().unwrap().len(), 4);
    assert_eq!(row["entries"][1]["emergency_id"], first["id"]);
    assert_eq!(
        app.store().emergencies_of(&household).await.unwrap().len(),
        2
    );
    let r = post_form(&cw, &app, "/api/reserve/overview", &[("month", "")]).await;
    assert_eq!(r.json::<Value>().await.unwrap()["may_credit"], true);
    // Another county sees none of it.
    let other = caseworker(&app, "gaotai_cw", "620724000000").await;
    let r = post_form(&other, &app, "/api/reserve/overview", &[("month", "")]).await;
    assert_eq!(r.json::<Value>().await.unwrap()["rows"], json!([]));
}
