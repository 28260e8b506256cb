#![recursion_limit = "512"]
//! `make bench`'s load run: the release server with 100 000 households seeded (SQLite or a
//! throwaway PostgreSQL), under a mixed **open-loop** load at a fixed rate: requests are sent
//! on a fixed schedule whether or not earlier ones have been answered, and each one's latency
//! is counted from the moment it was due, so a server that falls behind is seen as slow
//! (no "coordinated omission"). Residents (landing page, sign-in, their applications, draft
//! saves, submissions), caseworkers (queue, an application, a household file) and a charity
//! (the needs board). Prints p50, p99, max and errors per route and overall.
//!
//! Usage: load [--backend sqlite|postgres] [--rate 500] [--secs 60] [--households 100000]
//! [--server PATH] [--only TEXT] [--import-rows N] [--cost N] (PostgreSQL: run under
//! `scripts/with-postgres.sh`, which sets DOUDI_TEST_PG_URL.)
//!
//! `--cost N`: before the open-loop run, each route's cost alone: N requests of it one after
//! another, and the CPU time the server process and the PostgreSQL processes spent on them
//! (from `/proc`; every `postgres` process on the machine is counted, so run nothing else), per
//! request; on PostgreSQL also the statements per request when `pg_stat_statements` is loaded
//! (`DOUDI_PG_SETTINGS="-c shared_preload_libraries=pg_stat_statements"`). What a route costs
//! is what decides the rate two cores can serve.
//!
//! `--import-rows N`: when the measured period starts, the demo department officer uploads a
//! medical-insurance file of N rows (`/imports`, as the page does); the run then also prints
//! each route's figures for the requests due while the import ran (issue 20: residents'
//! submissions keep p99 <= 250 ms during a 1 000 000-row import on SQLite).

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "shared/harness.rs"]
mod harness;
#[path = "shared/seed.rs"]
#[macro_use]
mod seed;

const RESIDENTS: usize = 40;
const KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client")
}

/// What each request of the mix does. The weights (per 100 requests) are what a county's
/// first morning of the month looks like: mostly residents, a caseworker team, a charity.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    Landing,
    SignIn,
    MyApplications,
    SaveDraft,
    NewDraft,
    Submit,
    Queue,
    Application,
    HouseholdFile,
    NeedsBoard,
}

const MIX: [(Route, usize); 10] = [
    (Route::Landing, 18),
    (Route::SignIn, 1),
    (Route::MyApplications, 14),
    (Route::SaveDraft, 18),
    (Route::NewDraft, 4),
    (Route::Submit, 4),
    (Route::Queue, 10),
    (Route::Application, 12),
    (Route::HouseholdFile, 12),
    (Route::NeedsBoard, 7),
];

impl Route {
    fn label(self) -> &'static str {
        match self {
            Route::Landing => "resident   GET  /                          (landing)",
            Route::SignIn => "resident   POST /api/accounts/login        (sign-in)",
            Route::MyApplications => "resident   GET  /applications              (status)",
            Route::SaveDraft => "resident   POST /api/declaration/save      (draft save)",
            Route::NewDraft => "resident   POST /api/declaration/draft     (new draft)",
            Route::Submit => "resident   POST /api/declaration/submit    (submission)",
            Route::Queue => "caseworker GET  /staff/queue",
            Route::Application => "caseworker GET  /applications/:number",
            Route::HouseholdFile => "caseworker GET  /staff/households/:id",
            Route::NeedsBoard => "charity    GET  /charity                   (needs board)",
        }
    }
}

/// One resident's session and the draft they are working on.
struct Resident {
    client: Client,
    phone: String,
    draft: Mutex<Option<String>>,
}

struct Load {
    base: String,
    residents: Vec<Resident>,
    caseworkers: Vec<Client>,
    charities: Vec<Client>,
    households: usize,
    next: AtomicUsize,
}

impl Load {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn pick<'a, T>(&self, of: &'a [T]) -> &'a T {
        &of[self.next.fetch_add(1, Ordering::Relaxed) % of.len()]
    }

    /// One request of the kind; Ok when the server answered with success (and, for pages,
    /// the page it should have).
    async fn send(&self, route: Route, i: usize) -> Result<(), String> {
        let ok = |s: StatusCode| {
            if s.is_success() {
                Ok(())
            } else {
                Err(format!("{s}"))
            }
        };
        let get = |c: &Client, path: String| {
            let url = self.url(&path);
            let c = c.clone();
            async move {
                let r = c.get(url).send().await.map_err(|e| e.to_string())?;
                let status = r.status();
                let page = r.text().await.map_err(|e| e.to_string())?;
                ok(status)?;
                // A page that came back but shows an error (rendered with a 200) is an error.
                if page.contains("banner error") {
                    return Err("the page shows an error".into());
                }
                Ok(())
            }
        };
        let k = (i * 7919) % self.households;
        match route {
            Route::Landing => get(&self.pick(&self.residents).client, "/".into()).await,
            Route::MyApplications => {
                get(&self.pick(&self.residents).client, "/applications".into()).await
            }
            Route::Queue => get(self.pick(&self.caseworkers), "/staff/queue".into()).await,
            Route::Application => {
                get(
                    self.pick(&self.caseworkers),
                    format!("/applications/SQ-BENCH-{k:07}"),
                )
                .await
            }
            Route::HouseholdFile => {
                get(
                    self.pick(&self.caseworkers),
                    format!("/staff/households/bench-h{k}"),
                )
                .await
            }
            Route::NeedsBoard => get(self.pick(&self.charities), "/charity".into()).await,
            Route::SignIn => {
                // A phone signing in again: a new session each time.
                let r = self.pick(&self.residents);
                let response = client()
                    .post(self.url("/api/accounts/login"))
                    .form(&[("login", r.phone.as_str()), ("password", "Load-test-1234")])
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                ok(response.status())
            }
            Route::NewDraft => {
                let r = self.pick(&self.residents[self.residents.len() / 2..]);
                let response = r
                    .client
                    .post(self.url("/api/declaration/draft"))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                let body: Value = response.json().await.map_err(|e| e.to_string())?;
                ok(status)?;
                let id = body["id"].as_str().ok_or("no draft id")?;
                *r.draft.lock().unwrap() = Some(id.to_string());
                Ok(())
            }
            Route::SaveDraft | Route::Submit => {
                // Half the residents save drafts, the other half start and submit them: one
                // person does not save and submit the same draft at the same moment (the
                // server refuses a save of a submitted draft, rightly).
                let half = self.residents.len() / 2;
                let n = self.next.fetch_add(1, Ordering::Relaxed) % half;
                let who = if route == Route::Submit { half + n } else { n };
                let r = &self.residents[who];
                // A submission takes the resident's draft (a draft is submitted once); a save
                // writes it again.
                let draft = if route == Route::Submit {
                    r.draft.lock().unwrap().take()
                } else {
                    r.draft.lock().unwrap().clone()
                };
                let Some(draft) = draft else {
                    // Nothing to submit yet: the resident starts one (timed as this request).
                    return Box::pin(self.send(Route::NewDraft, i)).await;
                };
                // Members nobody declared before: born on a day from `i`, order code `who`.
                let born = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("a day")
                    + chrono::Days::new((i % 30_000) as u64);
                let id = harness::valid_id(&format!("620702{}{who:03}", born.format("%Y%m%d")));
                let data = server::fuzz::example_declaration(&id, &format!("梁家墩镇{who}组{i}号"));
                let path = if route == Route::Submit {
                    "/api/declaration/submit"
                } else {
                    "/api/declaration/save"
                };
                let response = r
                    .client
                    .post(self.url(path))
                    .json(&json!({ "save": { "draft_id": draft, "data": data } }))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                ok(status)
                    .map_err(|e| format!("{e} {}", body.chars().take(200).collect::<String>()))
            }
        }
    }
}

/// How an `Outcome`'s error starts when the server answered 503 (busy).
const BUSY: &str = "503";

/// One request's route, its latency from when it was due, and whether it succeeded.
/// (route, latency from when it was due, how it went, when it was due after the start).
type Outcome = (Route, Duration, Result<(), String>, Duration);

struct Server(Child);

impl Server {
    /// SIGTERM, as an operator stops it, and the time it took to exit; a server still running
    /// `STOP_WITHIN` later is killed and reported (the deadlock under load fixed in
    /// `vendor/reactive_graph` showed so: a worker hung for good and SIGTERM never completed).
    fn stop(&mut self) -> Result<Duration, String> {
        let started = Instant::now();
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        while started.elapsed() < STOP_WITHIN {
            if let Ok(Some(_)) = self.0.try_wait() {
                return Ok(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
        Err(format!(
            "still running {} s after SIGTERM: killed (see its log)",
            STOP_WITHIN.as_secs()
        ))
    }
}

/// The server's grace for requests in flight is 10 s; this leaves it as long again and more.
const STOP_WITHIN: Duration = Duration::from_secs(30);

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.stop();
        }
    }
}

/// CPU time (user and system) the process `pid` has spent, all its threads.
fn cpu_of(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Clock ticks of 1/100 s (USER_HZ on Linux).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// CPU time of each `postgres` process now running, by process id (a connection may end and
/// another start between two readings: each is counted from when it was first seen).
fn cpu_of_postgres() -> std::collections::HashMap<u32, Duration> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Default::default();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| (pid, cpu_of(pid)))
        .collect()
}

/// CPU time the `postgres` processes spent since `before`.
fn postgres_since(before: &std::collections::HashMap<u32, Duration>) -> Duration {
    cpu_of_postgres()
        .into_iter()
        .map(|(pid, now)| now.saturating_sub(before.get(&pid).copied().unwrap_or_default()))
        .sum()
}

/// Statements PostgreSQL has run, when `pg_stat_statements` is loaded.
async fn statements(pool: &Option<sqlx::PgPool>) -> Option<i64> {
    let pool = pool.as_ref()?;
    sqlx::query_scalar::<_, Option<i64>>(
        "SELECT sum(calls)::bigint FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'",
    )
    .fetch_one(pool)
    .await
    .ok()
    .flatten()
}

/// `--cost N`: each route alone, N requests one after another (after N / 5 not counted, to warm
/// caches): wall time and CPU time of the server and of PostgreSQL per request.
async fn costs(load: &Load, server: u32, pg: Option<String>, n: usize, only: &str) {
    let pool = match pg {
        Some(url) => match sqlx::PgPool::connect(&url).await {
            Ok(pool) => sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                .execute(&pool)
                .await
                .is_ok()
                .then_some(pool),
            Err(_) => None,
        },
        None => None,
    };
    let per = |d: Duration| d.as_secs_f64() * 1e3 / n as f64;
    println!("Cost of each route alone ({n} requests one after another; CPU time per request):");
    for (route, _) in MIX {
        if !route.label().contains(only) {
            continue;
        }
        for i in 0..n / 5 {
            let _ = load.send(route, i).await;
        }
        let (server_before, pg_before) = (cpu_of(server), cpu_of_postgres());
        let statements_before = statements(&pool).await;
        let started = Instant::now();
        let mut failed = 0;
        for i in 0..n {
            failed += usize::from(load.send(route, i).await.is_err());
        }
        let wall = started.elapsed();
        let (server_cpu, pg_cpu) = (
            cpu_of(server).saturating_sub(server_before),
            postgres_since(&pg_before),
        );
        let statements = match (statements_before, statements(&pool).await) {
            // The reads of the count itself are not counted (`statements` leaves them out).
            (Some(a), Some(b)) => format!("  statements {:>5.1}", (b - a) as f64 / n as f64),
            _ => String::new(),
        };
        println!(
            "  {:<62} wall {:>6.2} ms  server CPU {:>6.2} ms  PostgreSQL CPU {:>6.2} ms{statements}{}",
            route.label(),
            per(wall),
            per(server_cpu),
            per(pg_cpu),
            if failed > 0 { format!("  ({failed} failed)") } else { String::new() },
        );
    }
}

async fn wait_ready(base: &str) {
    let c = client();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(r) = c.get(format!("{base}/readyz")).send().await {
            if r.status() == StatusCode::OK {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server was not ready within two minutes");
}

async fn resident(base: &str, i: usize) -> Resident {
    let c = client();
    let phone = format!("1370000{:04}", 5000 + i);
    let r = c
        .post(format!("{base}/api/accounts/send_code"))
        .form(&[("phone", &phone)])
        .send()
        .await
        .expect("send a code");
    assert!(r.status().is_success(), "send a code: {}", r.status());
    let code = harness::outbox_code(base, &phone).await;
    let r = c
        .post(format!("{base}/api/accounts/register"))
        .form(&[
            ("form[phone]", phone.as_str()),
            ("form[code]", &code),
            ("form[password]", "Load-test-1234"),
        ])
        .send()
        .await
        .expect("register");
    assert!(r.status().is_success(), "register: {}", r.status());
    Resident {
        client: c,
        phone,
        draft: Mutex::new(None),
    }
}

async fn staff(base: &str, login: &str) -> Client {
    let c = client();
    let now = (app::auth::real_now_millis() / 1000) as u64;
    let otp = app::second_factor::code_at(server::seed::DEMO_TOTP_SECRET, now).expect("a code");
    let r = c
        .post(format!("{base}/api/accounts/login"))
        .form(&[
            ("login", login),
            ("password", "Demo2026pass"),
            ("otp", &otp),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(r.status().is_success(), "{login} sign-in: {}", r.status());
    c
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend: String = arg(&args, "--backend", "sqlite".to_string());
    let rate: u64 = arg(&args, "--rate", 500);
    let secs: u64 = arg(&args, "--secs", 60);
    let households: usize = arg(&args, "--households", 100_000);
    // --only TEXT: only the routes whose label contains TEXT (to look at one).
    let only: String = arg(&args, "--only", String::new());
    let import_rows: usize = arg(&args, "--import-rows", 0);
    let cost_runs: usize = arg(&args, "--cost", 0);
    let exe: String = arg(&args, "--server", "target/release/server".to_string());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let database_url = harness::database_url(&backend, dir.path(), "load").await;
    let port = harness::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Server(
        Command::new(&exe)
            .envs([
                ("DATABASE_URL", database_url.clone()),
                ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")),
                ("LEPTOS_SITE_ROOT", "target/site".into()),
                (
                    "DOUDI_DATA_DIR",
                    dir.path().join("files").display().to_string(),
                ),
                ("DOUDI_FIELD_KEY", KEY.into()),
                ("DOUDI_DEMO", "true".into()),
                ("DOUDI_SMS_INTERVAL_SECONDS", "0".into()),
                // One address (this generator) is every client here.
                ("DOUDI_AUTH_REQUESTS_PER_MINUTE", "100000".into()),
                ("RUST_LOG", "warn".into()),
            ])
            // The server's log (warnings and errors) beside the build, to read after a run.
            .stdout(
                std::fs::File::create(format!("target/load-server-{backend}.log"))
                    .expect("the server's log file"),
            )
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server"),
    );
    wait_ready(&base).await;

    // One real submission first: its assessment (sealed as stored) is given to every seeded
    // application, so that the pages that open it read a real one.
    let first = resident(&base, RESIDENTS).await;
    let d: Value = first
        .client
        .post(format!("{base}/api/declaration/draft"))
        .send()
        .await
        .expect("a draft")
        .json()
        .await
        .expect("a draft");
    let head = harness::valid_id("62070219391231999");
    let r = first
        .client
        .post(format!("{base}/api/declaration/submit"))
        .json(&json!({ "save": { "draft_id": d["id"], "data": server::fuzz::example_declaration(&head, "梁家墩镇1组") } }))
        .send()
        .await
        .expect("a submission");
    assert!(
        r.status().is_success(),
        "the first submission: {}",
        r.status()
    );
    // Its parameters as an assessment of before kept them (in the row): read the same way.
    let assessed_sql = "SELECT s.facts, COALESCE(ps.parameters, s.parameters), s.assessment \
        FROM assessments s LEFT JOIN parameter_sets ps ON ps.digest = s.parameter_set LIMIT 1";

    // 100 000 households in the caseworker's county, each with an application and assessment.
    let started = Instant::now();
    let cipher = server::crypto::FieldCipher::from_hex(KEY).expect("the key");
    // The applications' owner: a demo resident (the load's residents register their own).
    let owner_sql = "SELECT id FROM users WHERE role = 'resident' ORDER BY id LIMIT 1";
    let run = async {
        if backend == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&database_url).await?;
            let owner: String = sqlx::query_scalar(owner_sql).fetch_one(&pool).await?;
            let assessed: (String, String, String) =
                sqlx::query_as(assessed_sql).fetch_one(&pool).await?;
            seed_households!(pool, households, owner, cipher, Some(assessed));
        } else {
            let pool = sqlx::PgPool::connect(&database_url).await?;
            let owner: String = sqlx::query_scalar(owner_sql).fetch_one(&pool).await?;
            let assessed: (String, String, String) =
                sqlx::query_as(assessed_sql).fetch_one(&pool).await?;
            seed_households!(pool, households, owner, cipher, Some(assessed));
        }
        anyhow::Ok(())
    };
    run.await.expect("seed the households");
    let seeded = started.elapsed().as_secs_f64();

    let mut residents = Vec::new();
    for i in 0..RESIDENTS {
        residents.push(resident(&base, i).await);
    }
    // One caseworker session (a second-factor code is taken once) used by the team's tablets.
    let caseworkers = vec![staff(&base, "demo_caseworker").await];
    let charities = vec![staff(&base, "demo_charity").await];
    // The file a department officer imports meanwhile (`--import-rows`): valid ID numbers
    // nobody in the database has (order codes 500+), small amounts.
    let import_file = dir.path().join("medical.csv");
    let officer = if import_rows > 0 {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&import_file).expect("a file"));
        writeln!(w, "身份证号,结算日期,医疗总费用,个人自付").expect("written");
        let today = app::services::today_in_china();
        for r in 0..import_rows {
            let born = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("a day")
                + chrono::Days::new((r / 400) as u64);
            let id = harness::valid_id(&format!(
                "620702{}{:03}",
                born.format("%Y%m%d"),
                500 + r % 400
            ));
            let day = today - chrono::Days::new((r % 300) as u64);
            writeln!(
                w,
                "{id},{day},{}.00,{}.00",
                200 + r % 5_000,
                100 + r % 2_500
            )
            .expect("written");
        }
        w.flush().expect("written");
        Some(staff(&base, "demo_department").await)
    } else {
        None
    };
    let load = Arc::new(Load {
        base: base.clone(),
        residents,
        caseworkers,
        charities,
        households,
        next: AtomicUsize::new(0),
    });
    // Each resident starts with a draft.
    for r in &load.residents {
        let d: Value = r
            .client
            .post(load.url("/api/declaration/draft"))
            .send()
            .await
            .expect("a first draft")
            .json()
            .await
            .expect("a draft");
        *r.draft.lock().unwrap() = Some(d["id"].as_str().expect("its id").to_string());
    }

    if cost_runs > 0 {
        let pg = (backend != "sqlite").then(|| database_url.clone());
        costs(&load, server.0.id(), pg, cost_runs, &only).await;
    }

    // The schedule: request i is due at start + i / rate, whatever happened before.
    let schedule: Vec<Route> = MIX
        .iter()
        .filter(|(r, _)| r.label().contains(&only))
        .flat_map(|&(r, w)| std::iter::repeat_n(r, w))
        .collect();
    let results: Arc<Mutex<Vec<Outcome>>> =
        Arc::new(Mutex::new(Vec::with_capacity((rate * secs) as usize)));
    let warmup = rate * 5;
    let total = warmup + rate * secs;
    let period = Duration::from_nanos(1_000_000_000 / rate);
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut tasks = tokio::task::JoinSet::new();
    // The import, started when the measured period does: (its window after `start`, its answer).
    let import = (import_rows > 0).then(|| {
        let (officer, base, file) = (
            officer.clone().expect("the officer"),
            base.clone(),
            import_file.clone(),
        );
        let begins = start + period * warmup as u32;
        tokio::spawn(async move {
            tokio::time::sleep_until(begins).await;
            let bytes = std::fs::read(&file).expect("the import file");
            let form = reqwest::multipart::Form::new()
                .text("source", "medical_insurance")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name("medical.csv"),
                );
            let sent = tokio::time::Instant::now();
            let answer = officer
                .post(format!("{base}/imports"))
                .timeout(Duration::from_secs(600))
                .multipart(form)
                .send()
                .await;
            let answer = match answer {
                Ok(r) => {
                    let status = r.status();
                    let body = r.text().await.unwrap_or_default();
                    format!("{status} {}", body.chars().take(160).collect::<String>())
                }
                Err(e) => format!("failed: {e}"),
            };
            (sent - start, tokio::time::Instant::now() - start, answer)
        })
    });
    for i in 0..total as usize {
        let due = start + period * i as u32;
        tokio::time::sleep_until(due).await;
        // A fixed shuffle of the mix (37 is prime to 100).
        let route = schedule[(i * 37) % schedule.len()];
        let load = load.clone();
        let results = results.clone();
        tasks.spawn(async move {
            let outcome = load.send(route, i).await;
            let took = due.elapsed();
            if i as u64 >= warmup {
                let at = due - start;
                results.lock().unwrap().push((route, took, outcome, at));
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let import = match import {
        Some(task) => Some(task.await.expect("the import task")),
        None => None,
    };
    let ran = start.elapsed().as_secs_f64() - warmup as f64 / rate as f64;

    let results = std::mem::take(&mut *results.lock().unwrap());
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    // A 503 ("busy, nothing done", `http::shed_load`) is counted apart from errors: the server
    // said at once that it did not serve the request; latencies are of the requests served.
    let is_busy = |o: &Result<(), String>| o.as_ref().err().is_some_and(|e| e.starts_with(BUSY));
    let summarize = |label: &str, of: &[&Outcome]| {
        let busy = of.iter().filter(|(_, _, o, _)| is_busy(o)).count();
        let errors = of.iter().filter(|(_, _, o, _)| o.is_err()).count() - busy;
        let mut times: Vec<Duration> = of
            .iter()
            .filter(|(_, _, o, _)| !is_busy(o))
            .map(|(_, t, _, _)| *t)
            .collect();
        times.sort();
        let p = |q: f64| {
            times
                .get(((times.len() as f64 - 1.0).max(0.0) * q).round() as usize)
                .map_or(f64::NAN, |t| ms(*t))
        };
        println!(
            "  {label:<62} {:>6} req  p50 {:>7.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  errors {errors}  busy (503) {busy}",
            of.len(),
            p(0.5),
            p(0.99),
            p(1.0),
        );
    };
    let name = if backend == "sqlite" {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!(
        "Load, {name}, {households} households (seeded in {seeded:.1} s): open loop at {rate} requests/s \
         for {secs} s after a 5 s warm-up ({} requests answered in {ran:.1} s; latency from when each \
         was due; goal p99 <= 25 ms, 0 errors)",
        results.len()
    );
    let mut first_errors = Vec::new();
    for (route, _) in MIX {
        let of: Vec<_> = results.iter().filter(|(r, _, _, _)| *r == route).collect();
        if of.is_empty() {
            continue;
        }
        if let Some(e) = of
            .iter()
            .filter(|(_, _, o, _)| !is_busy(o))
            .find_map(|(_, _, o, _)| o.as_ref().err())
        {
            first_errors.push(format!("{}: {e}", route.label()));
        }
        summarize(route.label(), &of);
    }
    summarize("all requests", &results.iter().collect::<Vec<_>>());
    // Sign-ins are 1 % of the mix, and each is an Argon2 hash (19 MiB, two passes: OWASP's
    // minimum) of ~35-45 ms of a core here: the p99 of all requests is their floor. The same
    // figure without them, labelled as such, shows what the other routes do.
    summarize(
        "all requests but sign-in",
        &results
            .iter()
            .filter(|(r, ..)| *r != Route::SignIn)
            .collect::<Vec<_>>(),
    );
    if let Some((from, to, answer)) = &import {
        println!(
            "  while a {import_rows}-row import ran ({:.1} s, from {:.1} s to {:.1} s after the start; its answer: {answer}):",
            (*to - *from).as_secs_f64(),
            from.as_secs_f64(),
            to.as_secs_f64()
        );
        for (route, _) in MIX {
            let during: Vec<_> = results
                .iter()
                .filter(|(r, _, _, at)| *r == route && at >= from && at <= to)
                .collect();
            if !during.is_empty() {
                summarize(route.label(), &during);
            }
        }
    }
    for e in first_errors {
        println!("  first error of {e}");
    }
    match server.stop() {
        Ok(took) => println!("  stopped on SIGTERM in {:.2} s", took.as_secs_f64()),
        Err(e) => {
            println!("  FAILED: the server {e}");
            std::process::exit(1);
        }
    }
}
