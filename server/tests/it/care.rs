//! 服务类社会救助 through HTTP, on both databases: a caseworker orders care for a household
//! member who needs it from a verified provider serving the region, the order is in the
//! household's assistance chain with its monthly cost; the provider records services given,
//! held to the month's quantity; what was given each month is its cost. Charities are not
//! providers, and providers are not charities.

use crate::api::{post_form, post_json};
use crate::helpers::{backends, caseworker, spawn_app_on, TestApp};
use crate::rosters::household_in_assistance;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn answer(r: reqwest::Response) -> (StatusCode, Value) {
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn signed_in(app: &TestApp, login: &str) -> Client {
    let c = app.client();
    let r = app.sign_in(&c, login, "Demo2026pass").await;
    assert_eq!(r.status(), StatusCode::OK, "{login}");
    c
}

#[tokio::test]
async fn a_care_service_is_ordered_for_a_member_who_needs_it_and_its_deliveries_cost_the_month() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let cw = caseworker(&app, "care_cw", "620702000000").await;
        // Born 1950: elderly. Born 1990: nothing recorded says they need care.
        let elderly = household_in_assistance(
            &app,
            &cw,
            "13900006601",
            "62070219500101661",
            "赵老人",
            "迎恩村一组",
            "300",
        )
        .await;
        let younger = household_in_assistance(
            &app,
            &cw,
            "13900006602",
            "62070219900101662",
            "钱青年",
            "迎恩村二组",
            "300",
        )
        .await;
        let household = |n: &str| {
            let store = app.store();
            let n = n.to_string();
            async move {
                store
                    .application(&n)
                    .await
                    .unwrap()
                    .unwrap()
                    .household_id
                    .unwrap()
            }
        };
        let (h, young) = (household(&elderly).await, household(&younger).await);

        let (s, options) =
            answer(post_form(&cw, &app, "/api/care/household", &[("household", &h)]).await).await;
        assert_eq!(s, StatusCode::OK, "{backend}: {options}");
        assert_eq!(
            (
                &options["members"][0]["name"],
                &options["members"][0]["reasons"]
            ),
            (&json!("赵老人"), &json!(["elderly"]))
        );
        // The demo provider's four example prices; its daily care at 25 yuan an hour.
        let care = options["prices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "daily_care")
            .expect("the demo provider's daily care")
            .clone();
        assert_eq!(
            (&care["unit"], &care["price_fen"]),
            (&json!("hour"), &json!(2500))
        );
        let price = care["id"].as_str().unwrap().to_string();
        let today = app::services::today_in_china();
        let first = chrono::NaiveDate::from_ymd_opt(
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
            1,
        )
        .unwrap();
        let until = (today + chrono::Days::new(180)).to_string();
        let order = |household: &str, quantity: &str| {
            json!({"order": {
                "household": household, "member": 0, "price": price,
                "monthly_quantity": quantity, "from": first.to_string(), "until": until,
            }})
        };

        // Nobody in the younger household needs care: refused, nothing stored.
        let (s, body) =
            answer(post_json(&cw, &app, "/api/care/order", order(&young, "20")).await).await;
        assert_eq!(
            (s, body),
            (
                StatusCode::CONFLICT,
                json!({"kind": "refused", "detail": "no_care_need"})
            )
        );
        let (s, body) = answer(post_json(&cw, &app, "/api/care/order", order(&h, "0")).await).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(crate::helpers::fields_named(&body), ["monthly_quantity"]);
        // Another county's caseworker cannot see or order for the household.
        let outsider = caseworker(&app, "care_sunan", "620721000000").await;
        let r = post_json(&outsider, &app, "/api/care/order", order(&h, "20")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        let (s, id) = answer(post_json(&cw, &app, "/api/care/order", order(&h, "20")).await).await;
        assert_eq!(s, StatusCode::OK, "{backend}: {id}");
        let order_id = id.as_str().unwrap().to_string();
        assert_eq!(app.audited(1).await, ["service_order"]);
        // In the chain: care services from civil affairs, 20 hours × 25 yuan = 500 yuan a month.
        let (_, file) =
            answer(post_form(&cw, &app, "/api/household/file", &[("id", &h)]).await).await;
        let entry = file["chain"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["aid"]["origin"] == "service")
            .expect("the order in the chain")
            .clone();
        assert_eq!(
            (
                &entry["aid"]["kind"],
                &entry["aid"]["amount_fen"],
                &entry["aid"]["monthly"],
                &entry["aid"]["source_name"]
            ),
            (
                &json!("service_assistance"),
                &json!(50000),
                &json!(true),
                &json!("【演示】甘州区居家养老服务中心")
            )
        );

        // The provider sees the order and records what it gave.
        let provider = signed_in(&app, "demo_provider").await;
        let (s, home) = answer(post_form(&provider, &app, "/api/care/provider", &[]).await).await;
        assert_eq!(s, StatusCode::OK, "{backend}: {home}");
        assert_eq!(
            (&home["orders"][0]["id"], &home["orders"][0]["person"]),
            (&json!(order_id), &json!("赵老人"))
        );
        let deliver = |quantity: &str, confirmation: &str| {
            json!({"delivery": {
                "order": order_id, "day": today.to_string(), "quantity": quantity,
                "carer": "刘护工", "confirmed_by": "赵老人", "confirmation": confirmation,
            }})
        };
        let (s, body) =
            answer(post_json(&provider, &app, "/api/care/deliver", deliver("2.5", "nod")).await)
                .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(crate::helpers::fields_named(&body), ["confirmation"]);
        for q in ["12.5", "5"] {
            let r = post_json(
                &provider,
                &app,
                "/api/care/deliver",
                deliver(q, "thumbprint"),
            )
            .await;
            assert_eq!(r.status(), StatusCode::OK, "{backend}");
        }
        // 17.5 of the month's 20 hours given: 3 more would be over.
        let (s, body) = answer(
            post_json(
                &provider,
                &app,
                "/api/care/deliver",
                deliver("3", "signature"),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, body),
            (
                StatusCode::CONFLICT,
                json!({"kind": "refused", "detail": "over_monthly_quantity"})
            )
        );
        // The month's cost: 17.5 hours × 25 yuan = 437.50 yuan, on both sides.
        let (_, options) =
            answer(post_form(&cw, &app, "/api/care/household", &[("household", &h)]).await).await;
        let month = today.format("%Y-%m").to_string();
        assert_eq!(
            options["orders"][0]["months"],
            json!([{"month": month, "given": 175, "cost_fen": 43750}])
        );
        assert_eq!(options["orders"][0]["deliveries"][0]["carer"], "刘护工");
        let (_, home) = answer(post_form(&provider, &app, "/api/care/provider", &[]).await).await;
        assert_eq!(home["orders"][0]["months"][0]["cost_fen"], 43750);
        // Sealed at rest: the carer and the person confirming.
        if backend == "sqlite" {
            assert!(app.in_database(&["刘护工"]).is_empty());
        }

        // Ended early: not before a service recorded; on the day, the chain entry ends with it.
        let yesterday = (today - chrono::Days::new(1)).to_string();
        let r = post_form(
            &cw,
            &app,
            "/api/care/end_order",
            &[("id", order_id.as_str()), ("last_day", yesterday.as_str())],
        )
        .await;
        assert_eq!(
            answer(r).await,
            (
                StatusCode::CONFLICT,
                json!({"kind": "refused", "detail": "order_has_later_services"})
            )
        );
        let r = post_form(
            &outsider,
            &app,
            "/api/care/end_order",
            &[
                ("id", order_id.as_str()),
                ("last_day", today.to_string().as_str()),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = post_form(
            &cw,
            &app,
            "/api/care/end_order",
            &[
                ("id", order_id.as_str()),
                ("last_day", today.to_string().as_str()),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let (_, file) =
            answer(post_form(&cw, &app, "/api/household/file", &[("id", &h)]).await).await;
        let entry = file["chain"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["aid"]["origin"] == "service")
            .unwrap()
            .clone();
        assert_eq!(entry["aid"]["until"], json!(today.to_string()));
        let (_, options) =
            answer(post_form(&cw, &app, "/api/care/household", &[("household", &h)]).await).await;
        assert_eq!(options["orders"][0]["until"], json!(today.to_string()));

        // A charity is not a provider, and a provider not a charity.
        let charity = signed_in(&app, "demo_charity").await;
        let r = post_form(&charity, &app, "/api/care/provider", &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post_form(&provider, &app, "/api/charity/board", &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // A provider's own prices: a new one, and one stopped is no longer offered.
        let (s, new_price) = answer(
            post_form(
                &provider,
                &app,
                "/api/care/add_price",
                &[("kind", "nursing"), ("unit", "day"), ("price", "180")],
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let r = post_form(
            &provider,
            &app,
            "/api/care/set_price",
            &[("id", new_price.as_str().unwrap()), ("active", "false")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (_, options) =
            answer(post_form(&cw, &app, "/api/care/household", &[("household", &h)]).await).await;
        assert!(!options["prices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == new_price));
    }
}
