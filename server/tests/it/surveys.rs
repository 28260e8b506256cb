//! 随机调查 through HTTP, on both databases: a sample drawn with a recorded seed is the same when
//! drawn again over the same households, each household drawn is a visit task with its deadline,
//! and only caseworkers and the system administrator of the region draw.

use crate::helpers::{backends, caseworker, lanzhou_admin, spawn_app_on, LANZHOU_PASSWORD};
use crate::rosters::household_in_assistance;
use app::domain::status::AdminDuty;
use reqwest::{Client, StatusCode};
use serde_json::Value;

async fn draw(
    app: &crate::helpers::TestApp,
    c: &Client,
    region: &str,
    size: &str,
    due: &str,
    seed: &str,
) -> (StatusCode, Value) {
    let r = c
        .post(app.url("/api/surveys/draw"))
        .form(&[
            ("region", region),
            ("size", size),
            ("due_on", due),
            ("seed", seed),
        ])
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_random_survey_is_reproducible_from_its_seed_and_each_household_drawn_is_a_visit_task() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let cw = caseworker(&app, "survey_cw", "620702000000").await;
        for (phone, id, name) in [
            ("13900004401", "62070219610101441", "赵抽查"),
            ("13900004402", "62070219610101442", "钱抽查"),
            ("13900004403", "62070219610101443", "孙抽查"),
            ("13900004404", "62070219610101444", "李抽查"),
        ] {
            household_in_assistance(&app, &cw, phone, id, name, "梁家墩镇5组", "300").await;
        }
        let today = app::services::today_in_china();
        let due = (today + chrono::Days::new(10)).to_string();
        let (s, first) = draw(&app, &cw, "620702000000", "2", &due, "12345").await;
        assert_eq!(s, StatusCode::OK, "{backend}: {first}");
        assert_eq!(
            (first["seed"].as_str(), first["population"].as_i64()),
            (Some("12345"), Some(4))
        );
        // The households are the population's, by id, at the positions the seed draws.
        let population = app
            .store()
            .survey_population(&crate::helpers::region("620702"))
            .await
            .unwrap();
        let expected: Vec<String> = app::domain::survey::sample(population.len(), 2, 12345)
            .into_iter()
            .map(|i| population[i].0.clone())
            .collect();
        assert_eq!(
            first["households"],
            serde_json::json!(expected),
            "{backend}"
        );
        // The same seed over the same households: the same sample, and the same digest.
        let (_, again) = draw(&app, &cw, "620702000000", "2", &due, "12345").await;
        assert_eq!(
            (&again["households"], &again["population_digest"]),
            (&first["households"], &first["population_digest"])
        );

        // Each household drawn is a visit task with the deadline, in the caseworker's list.
        let tasks: Vec<Value> = cw
            .post(app.url("/api/cycle/tasks"))
            .form(&[("include_done", "false")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let survey_tasks: Vec<&Value> = tasks
            .iter()
            .filter(|t| t["kind"] == "random_survey")
            .collect();
        assert_eq!(survey_tasks.len(), 4, "two surveys of two: {tasks:?}");
        assert!(survey_tasks.iter().all(|t| t["due_on"] == due.as_str()));
        let id = survey_tasks[0]["id"].as_i64().unwrap().to_string();
        let done = cw
            .post(app.url("/api/cycle/complete_task"))
            .form(&[("id", id.as_str()), ("note", "已入户，情况属实")])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), StatusCode::OK);
        let list: Vec<Value> = cw
            .post(app.url("/api/surveys/list"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            list.iter()
                .map(|s| s["done"].as_i64().unwrap())
                .sum::<i64>(),
            1,
            "{backend}"
        );

        // Bad input, each field named; a region without households; who may not draw.
        let r = cw
            .post(app.url("/api/surveys/draw"))
            .form(&[
                ("region", "x"),
                ("size", "0"),
                ("due_on", &today.to_string()),
                ("seed", "-1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields = crate::helpers::fields_named(&r.json::<Value>().await.unwrap());
        assert_eq!(fields, ["region", "size", "due_on", "seed"]);
        let (s, e) = draw(&app, &cw, "620702101000", "2", &due, "").await;
        assert_eq!(
            (s.is_client_error(), e["detail"].as_str()),
            (true, Some("survey_empty")),
            "{e}"
        );
        let (s, _) = draw(&app, &cw, "620722000000", "2", &due, "").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "another county");
        lanzhou_admin(&app, "survey_security", AdminDuty::Security).await;
        let sec = app.client();
        assert_eq!(
            app.sign_in(&sec, "survey_security", LANZHOU_PASSWORD)
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            draw(&app, &sec, "620102000000", "1", &due, "").await.0,
            StatusCode::FORBIDDEN
        );
        let actions = app.audited(100).await;
        assert!(actions.iter().any(|a| a == "survey_draw"));
    }
}
