//! `make bench`: SSR latency of the portal landing page and acknowledged submissions per
//! second on SQLite, measured against the whole app spawned in-process (release build).

use app::domain::declaration::{DeclarationDraft, MemberDraft};
use app::domain::id_number::check_char;
use serde_json::{json, Value};
use server::config::Config;
use server::startup::Application;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn draft(seq: u64) -> DeclarationDraft {
    // A valid birth date; the address code and order code make each person unique.
    let first17 = format!("62070219900101{:03}", seq % 1000);
    let area = format!("{:06}", 110000 + (seq / 1000) % 540000);
    let id17 = format!("{area}{}", &first17[6..]);
    let id = format!("{id17}{}", check_char(&id17).unwrap());
    DeclarationDraft {
        region_code: "620702100201".into(),
        address: "基准测试".into(),
        residence: "rural".into(),
        contact_phone: "13812345678".into(),
        members: vec![MemberDraft {
            relation: "head".into(),
            name: "基准".into(),
            id_number: id,
            health: "healthy".into(),
            schooling: "not_in_school".into(),
            work_status: "farming".into(),
            labour_capacity: "full".into(),
            ..Default::default()
        }],
        income_wages: format!("{}", 300 + seq % 700),
        help: vec!["basic_living".into()],
        consent_verification: true,
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = Config::for_tests(format!("sqlite://{}/bench.db", dir.path().display()), dir.path().join("data"));
    config.demo = true;
    config.auth_requests_per_minute = 10_000;
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let notifier = app.state.notifier.clone();
    tokio::spawn(app.run_until_stopped());

    // SSR latency of the landing page.
    let client = reqwest::Client::new();
    for _ in 0..20 {
        client.get(format!("{base}/")).send().await?.text().await?;
    }
    let mut times = Vec::new();
    for _ in 0..500 {
        let t = Instant::now();
        let r = client.get(format!("{base}/")).send().await?;
        assert!(r.status().is_success());
        r.bytes().await?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "SSR landing page (SQLite, 500 sequential requests): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3
    );

    // Acknowledged submissions per second: 16 residents submitting concurrently.
    let residents = 16u64;
    let mut clients = Vec::new();
    for i in 0..residents {
        let c = reqwest::Client::builder().cookie_store(true).build()?;
        let phone = format!("1370000{:04}", i);
        c.post(format!("{base}/api/accounts/send_code")).form(&[("phone", &phone)]).send().await?;
        let (_, text) = notifier.recent().into_iter().find(|(to, _)| *to == phone).expect("code");
        let code: String = text.chars().filter(|c| c.is_ascii_digit()).take(6).collect();
        let r = c
            .post(format!("{base}/api/accounts/register"))
            .form(&[("form[phone]", phone.as_str()), ("form[code]", &code), ("form[password]", "secret123")])
            .send()
            .await?;
        assert!(r.status().is_success());
        clients.push(c);
    }
    let per_client = 40u64;
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let base = base.clone();
            tokio::spawn(async move {
                let mut ok = 0u64;
                for n in 0..per_client {
                    let d: Value = c.post(format!("{base}/api/declaration/draft")).send().await.unwrap().json().await.unwrap();
                    let body = json!({ "save": { "draft_id": d["id"], "data": draft(i as u64 * 1000 + n) } });
                    let r = c.post(format!("{base}/api/declaration/submit")).json(&body).send().await.unwrap();
                    if r.status().is_success() {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let mut acknowledged = 0;
    for t in tasks {
        acknowledged += t.await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Submissions on SQLite (16 concurrent residents, draft load + submit each): {acknowledged} acknowledged in {secs:.2} s = {:.0} per second",
        acknowledged as f64 / secs
    );
    Ok(())
}
