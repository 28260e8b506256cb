//! `make crash`: the release server killed with SIGKILL at random moments while 8 residents
//! submit declarations and a caseworker accepts or rejects them, restarted, over and over, on
//! SQLite or PostgreSQL. After every kill, with the server down, the database is checked:
//! every acknowledged submission is there once, under the number the resident was given; no
//! number is used twice; no draft produced two applications; every acknowledged decision is
//! recorded once; SQLite's `PRAGMA integrity_check` is ok. At the end the background jobs must
//! have resumed: every work item put in during the run is done, and SIGTERM stops the server
//! cleanly. Each database lives `--cycles-per-database` cycles (100), then the next run starts
//! on a fresh one (`CYCLES_PER_DATABASE` says why).
//!
//! Usage: crash [--cycles N] [--cycles-per-database M] [--backend sqlite|postgres]
//! [--server PATH] [--seed S]
//! (PostgreSQL: run under `scripts/with-postgres.sh`, which sets DOUDI_TEST_PG_URL.)

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::store::dialect::{query, Db};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "shared/harness.rs"]
mod harness;

const RESIDENTS: usize = 8;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// What the clients were told, to be found in the database afterwards.
#[derive(Default)]
struct Acknowledged {
    /// draft id → the application number the resident was given.
    submissions: BTreeMap<String, String>,
    /// application number → the status the caseworker was told it now has.
    decisions: BTreeMap<String, String>,
}

struct Harness {
    base: String,
    acked: Mutex<Acknowledged>,
    stop: AtomicBool,
    /// Requests that failed because the server was down (retried).
    interrupted: AtomicU64,
    /// Submissions the server refused (the harness's data must always be valid).
    refused: AtomicU64,
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a client")
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Posts until the server answers (it may be down or restarting): the answer's status and
    /// body. A request the server never answered is sent again, as a phone would.
    async fn post(&self, c: &Client, path: &str, body: PostBody<'_>) -> (StatusCode, Value) {
        loop {
            let request = c.post(self.url(path));
            let request = match &body {
                PostBody::Form(f) => request.form(f),
                PostBody::Json(j) => request.json(j),
            };
            match request.send().await {
                Ok(r) if r.status().is_server_error() => {}
                Ok(r) => {
                    let status = r.status();
                    // A connection that died while the answer was read: not acknowledged.
                    if let Ok(text) = r.text().await {
                        return (status, serde_json::from_str(&text).unwrap_or(Value::Null));
                    }
                }
                Err(_) => {}
            }
            self.interrupted.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

enum PostBody<'a> {
    Form(Vec<(&'a str, String)>),
    Json(Value),
}

/// The text of the last SMS the demo outbox shows for `phone`.
async fn register(h: &Harness, i: usize) -> Client {
    let c = client();
    let phone = format!("1390000{:04}", 9000 + i);
    let (status, body) = h
        .post(
            &c,
            "/api/accounts/send_code",
            PostBody::Form(vec![("phone", phone.clone())]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "send a code: {body}");
    let code = harness::outbox_code(&h.base, &phone).await;
    let (status, body) = h
        .post(
            &c,
            "/api/accounts/register",
            PostBody::Form(vec![
                ("form[phone]", phone),
                ("form[code]", code),
                ("form[password]", "Crash-test-1234".into()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "register: {body}");
    c
}

async fn caseworker(h: &Harness) -> Client {
    let c = client();
    let form = |otp: String| {
        PostBody::Form(vec![
            ("login", "demo_caseworker".into()),
            ("password", "Demo2026pass".into()),
            ("otp", otp),
        ])
    };
    let (status, _) = h.post(&c, "/api/accounts/login", form(String::new())).await;
    if status == StatusCode::CONFLICT {
        let now = (app::auth::real_now_millis() / 1000) as u64;
        let otp = app::second_factor::code_at(server::seed::DEMO_TOTP_SECRET, now).expect("a code");
        let (status, body) = h.post(&c, "/api/accounts/login", form(otp)).await;
        assert_eq!(status, StatusCode::OK, "caseworker sign-in: {body}");
    } else {
        assert_eq!(status, StatusCode::OK, "caseworker sign-in");
    }
    c
}

/// One resident: a new draft, a declaration with members never declared before, submitted
/// (again and again through crashes) until the server answers; then the next.
async fn resident_loop(h: Arc<Harness>, c: Client, who: usize) {
    let mut seq = 0u32;
    while !h.stop.load(Ordering::Relaxed) {
        let (status, draft) = h
            .post(&c, "/api/declaration/draft", PostBody::Form(vec![]))
            .await;
        let Some(draft_id) = draft["id"].as_str().filter(|_| status == StatusCode::OK) else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        seq += 1;
        // A person nobody declared before: born `seq` days after 1940-01-01, order code `who`.
        let born = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("a day")
            + chrono::Days::new(u64::from(seq % 30_000));
        let id = harness::valid_id(&format!("620702{}{who:03}", born.format("%Y%m%d")));
        let data = server::fuzz::example_declaration(&id, &format!("梁家墩镇{who}组{seq}号"));
        let body = json!({ "save": { "draft_id": draft_id, "data": data } });
        let (status, answer) = h
            .post(&c, "/api/declaration/submit", PostBody::Json(body))
            .await;
        match answer["number"].as_str() {
            Some(number) if status == StatusCode::OK => {
                let mut acked = h.acked.lock().unwrap();
                if let Some(before) = acked.submissions.insert(draft_id.into(), number.into()) {
                    assert_eq!(before, number, "one draft, two numbers");
                }
            }
            _ => {
                eprintln!("a submission refused: {status} {answer}");
                h.refused.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// The caseworker: accepts submitted applications, rejecting every fifth.
async fn caseworker_loop(h: Arc<Harness>, c: Client) {
    let mut n = 0u64;
    while !h.stop.load(Ordering::Relaxed) {
        let filter = json!({ "filter": {
            "status": "submitted", "area": "", "help": "", "min_days": "", "warnings": false,
            "after_submitted_at": null, "after_number": ""
        }});
        let (status, page) = h
            .post(&c, "/api/casework/queue", PostBody::Json(filter))
            .await;
        assert_eq!(status, StatusCode::OK, "the queue: {page}");
        let rows: Vec<String> = page["rows"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|r| r["number"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        if rows.is_empty() {
            tokio::time::sleep(Duration::from_millis(30)).await;
            continue;
        }
        for number in rows.into_iter().take(5) {
            n += 1;
            let (path, form, status_after) = if n.is_multiple_of(5) {
                (
                    "/api/casework/reject",
                    vec![
                        ("number", number.clone()),
                        ("reason", "材料不全（崩溃测试）".into()),
                    ],
                    "rejected",
                )
            } else {
                (
                    "/api/casework/advance",
                    vec![("number", number.clone()), ("to", "accepted".into())],
                    "accepted",
                )
            };
            let (status, _) = h.post(&c, path, PostBody::Form(form)).await;
            if status == StatusCode::OK {
                h.acked
                    .lock()
                    .unwrap()
                    .decisions
                    .insert(number, status_after.into());
            }
            // Otherwise (already decided before a crash cut the answer off): not acknowledged.
        }
    }
}

struct Server {
    exe: String,
    env: Vec<(String, String)>,
    child: Option<Child>,
    /// The current process's log (standard error), begun again at every start: what a failed
    /// clean stop is explained by.
    log: std::path::PathBuf,
}

impl Server {
    fn start(&mut self) {
        let mut command = Command::new(&self.exe);
        command
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&self.log).expect("the server's log file"));
        self.child = Some(command.spawn().expect("start the server"));
    }

    /// SIGTERM, and the process exits by itself within its grace period, successfully.
    fn stop_cleanly(&mut self) {
        if let Some(child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let out = child.wait_with_output().expect("wait for the server");
            assert!(
                out.status.success(),
                "SIGTERM: the server exited with {}; its log:\n{}",
                out.status,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL
            let _ = c.wait();
        }
    }
}

async fn wait_ready(h: &Harness) -> Duration {
    let started = Instant::now();
    let c = client();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = c.get(h.url("/healthz")).send().await {
            if r.status() == StatusCode::OK {
                return started.elapsed();
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not start within a minute");
}

/// What one check of the database found wrong.
#[derive(Default, Debug)]
struct Findings {
    lost: usize,
    duplicated: usize,
    integrity: usize,
    /// How long reading and comparing took, and SQLite's integrity check.
    read_time: Duration,
    integrity_time: Duration,
}

async fn check(db: &Db, sqlite: bool, acked: &Acknowledged) -> Findings {
    let mut f = Findings::default();
    let began = Instant::now();
    let rows = query("SELECT number, draft_id, status FROM applications")
        .fetch_all(db)
        .await
        .expect("read applications");
    let mut by_draft: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut numbers = BTreeSet::new();
    let mut status_of = BTreeMap::new();
    for r in &rows {
        let number: String = r.get(0).expect("a number");
        let draft: String = r
            .get::<Option<String>, _>(1)
            .expect("a draft")
            .unwrap_or_default();
        let status: String = r.get(2).expect("a status");
        if !numbers.insert(number.clone()) {
            f.duplicated += 1;
            eprintln!("application number {number} used twice");
        }
        by_draft.entry(draft).or_default().push(number.clone());
        status_of.insert(number, status);
    }
    for (draft, apps) in &by_draft {
        if apps.len() > 1 && !draft.is_empty() {
            f.duplicated += apps.len() - 1;
            eprintln!("draft {draft} produced {apps:?}");
        }
    }
    for (draft, number) in &acked.submissions {
        if by_draft.get(draft).is_none_or(|a| !a.contains(number)) {
            f.lost += 1;
            eprintln!("acknowledged submission {number} (draft {draft}) is missing");
        }
    }
    // Every decision event, counted per application and status in one read (one query per
    // acknowledged decision made each check grow with the run, and the run quadratic).
    let mut events_of: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in query(
        "SELECT a.number, e.status, count(*) FROM application_events e JOIN applications a \
         ON a.id = e.application_id GROUP BY a.number, e.status",
    )
    .fetch_all(db)
    .await
    .expect("read events")
    {
        let number: String = r.get(0).expect("a number");
        let status: String = r.get(1).expect("a status");
        events_of.insert((number, status), r.get(2).expect("a count"));
    }
    for (number, status) in &acked.decisions {
        let events = events_of
            .get(&(number.clone(), status.clone()))
            .copied()
            .unwrap_or(0);
        match events {
            0 => {
                f.lost += 1;
                eprintln!("acknowledged decision {status} of {number} is missing");
            }
            1 => {}
            n => {
                f.duplicated += n as usize - 1;
                eprintln!("decision {status} of {number} recorded {n} times");
            }
        }
        if status_of.get(number) != Some(status) {
            f.lost += 1;
            eprintln!(
                "{number} is {:?}, acknowledged as {status}",
                status_of.get(number)
            );
        }
    }
    f.read_time = began.elapsed();
    if sqlite {
        let began = Instant::now();
        let verdict: String = query("PRAGMA integrity_check")
            .fetch_one(db)
            .await
            .expect("integrity check")
            .get(0)
            .expect("a verdict");
        if verdict != "ok" {
            f.integrity += 1;
            eprintln!("integrity check: {verdict}");
        }
        f.integrity_time = began.elapsed();
    }
    f
}

/// What one database's run found and was told, added up over the run.
#[derive(Default)]
struct Totals {
    findings: Findings,
    submissions: usize,
    decisions: usize,
    interrupted: u64,
    refused: u64,
    work_items: u64,
    left: i64,
    startup: Duration,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cycles: u64 = arg(&args, "--cycles")
        .and_then(|c| c.parse().ok())
        .unwrap_or(1000);
    let per_database: u64 = arg(&args, "--cycles-per-database")
        .and_then(|c| c.parse().ok())
        .unwrap_or(CYCLES_PER_DATABASE)
        .max(1);
    let backend = arg(&args, "--backend").unwrap_or_else(|| "sqlite".into());
    let exe = arg(&args, "--server").unwrap_or_else(|| "target/release/server".into());
    let mut seed: u64 = arg(&args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| app::auth::real_now_millis() as u64);
    println!(
        "crash: {cycles} cycles on {backend} with {exe}, seed {seed}, a fresh database every \
         {per_database} cycles"
    );
    let started = Instant::now();
    let mut total = Totals::default();
    let mut done = 0u64;
    let mut database = 0u32;
    while done < cycles {
        let these = per_database.min(cycles - done);
        database += 1;
        let t = run_database(&backend, &exe, database, done, these, &mut seed).await;
        total.findings.lost += t.findings.lost;
        total.findings.duplicated += t.findings.duplicated;
        total.findings.integrity += t.findings.integrity;
        total.submissions += t.submissions;
        total.decisions += t.decisions;
        total.interrupted += t.interrupted;
        total.refused += t.refused;
        total.work_items += t.work_items;
        total.left += t.left;
        total.startup += t.startup;
        done += these;
    }
    println!(
        "crash: {backend}: {cycles} cycles on {database} databases in {:.0} s (mean start {:.0} \
         ms): {} submissions and {} decisions acknowledged, {} requests interrupted and retried; \
         lost {}, duplicated {}, integrity failures {}; work items left undone {} of {}",
        started.elapsed().as_secs_f64(),
        total.startup.as_secs_f64() * 1000.0 / cycles.max(1) as f64,
        total.submissions,
        total.decisions,
        total.interrupted,
        total.findings.lost,
        total.findings.duplicated,
        total.findings.integrity,
        total.left,
        total.work_items
    );
    let f = &total.findings;
    if f.lost + f.duplicated + f.integrity > 0 || total.refused > 0 || total.left != 0 {
        println!("crash: {} submissions refused", total.refused);
        println!("crash: FAILED");
        std::process::exit(1);
    }
    if total.submissions == 0 || total.decisions == 0 {
        println!("crash: FAILED (nothing was acknowledged: the run proves nothing)");
        std::process::exit(1);
    }
    println!("crash: ok");
}

/// How many cycles one database lives. SQLite's integrity check reads the whole database, and
/// the residents add ~430 submissions a cycle: on one database the checks made a run quadratic
/// (1 000 cycles ~3 h here, most of it in checks of ever more rows). A fresh database every
/// hundred cycles keeps each check under a second; every cycle is still a kill in the middle of
/// writes, checked against everything acknowledged on that database since it was made.
const CYCLES_PER_DATABASE: u64 = 100;

/// `cycles` kill-and-restart cycles on a new database (`number`): residents registered, a
/// caseworker signed in, the cycles, then the jobs' resumption and a clean SIGTERM.
async fn run_database(
    backend: &str,
    exe: &str,
    number: u32,
    first_cycle: u64,
    cycles: u64,
    seed: &mut u64,
) -> Totals {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let database_url = harness::database_url(backend, dir.path(), &format!("crash{number}")).await;
    let port = harness::free_port();
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", database_url.clone()),
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")),
        ("LEPTOS_SITE_ROOT", "target/site".into()),
        (
            "DOUDI_DATA_DIR",
            dir.path().join("files").display().to_string(),
        ),
        ("DOUDI_FIELD_KEY", "7e".repeat(32)),
        ("DOUDI_DEMO", "true".into()),
        ("DOUDI_JOB_INTERVAL_SECS", "1".into()),
        ("DOUDI_JOB_LEASE_SECS", "1".into()),
        ("DOUDI_SMS_INTERVAL_SECONDS", "0".into()),
        // Warnings, and the stop's own lines (what a failed clean stop is explained by).
        ("RUST_LOG", "warn,server::startup=info".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut server = Server {
        exe: exe.to_string(),
        env,
        child: None,
        log: dir.path().join("server.log"),
    };
    let h = Arc::new(Harness {
        base: format!("http://127.0.0.1:{port}"),
        acked: Mutex::new(Acknowledged::default()),
        stop: AtomicBool::new(false),
        interrupted: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let sqlite = backend == "sqlite";
    server.start();
    wait_ready(&h).await;
    let mut residents = Vec::new();
    for i in 0..RESIDENTS {
        residents.push(register(&h, i).await);
    }
    let cw = caseworker(&h).await;
    let cipher = server::crypto::FieldCipher::from_hex(&"7e".repeat(32)).expect("the key");
    let store = server::store::connect(&database_url, 2, cipher)
        .await
        .expect("the database");
    let pool = store.db().clone();
    // The check can fail: a submission the database never saw is found missing.
    let mut invented = Acknowledged::default();
    invented
        .submissions
        .insert("no-such-draft".into(), "SQ-1999-000001".into());
    assert_eq!(
        check(&pool, sqlite, &invented).await.lost,
        1,
        "the check finds what is missing"
    );
    let mut tasks: Vec<_> = residents
        .into_iter()
        .enumerate()
        .map(|(i, c)| tokio::spawn(resident_loop(h.clone(), c, i)))
        .collect();
    tasks.push(tokio::spawn(caseworker_loop(h.clone(), cw)));

    let mut total = Totals::default();
    // What the last 50 cycles took, and in what.
    let mut window = Instant::now();
    let mut window_reads = (Duration::ZERO, Duration::ZERO);
    let mut window_startup = Duration::ZERO;
    for cycle in first_cycle..first_cycle + cycles {
        // Work for the background jobs, put in while the server runs.
        let subject = format!("crash-{cycle}");
        query(
            "INSERT INTO work_items (kind, subject, payload, run_at) VALUES ('annual_review', $1, '', $2)",
        )
        .bind(&subject)
        .bind(app::auth::real_now_millis())
        .execute(&pool)
        .await
        .expect("put in a work item");
        total.work_items += 1;
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        tokio::time::sleep(Duration::from_millis(100 + *seed % 900)).await;
        server.kill();
        let acked = std::mem::take(&mut *h.acked.lock().unwrap());
        let f = check(&pool, sqlite, &acked).await;
        {
            let mut now = h.acked.lock().unwrap();
            // Keep checking everything acknowledged so far, after every later crash too.
            let mut all = acked;
            all.submissions.append(&mut now.submissions);
            all.decisions.append(&mut now.decisions);
            *now = all;
        }
        let t = &mut total.findings;
        t.lost += f.lost;
        t.duplicated += f.duplicated;
        t.integrity += f.integrity;
        t.read_time += f.read_time;
        t.integrity_time += f.integrity_time;
        server.start();
        let started_in = wait_ready(&h).await;
        total.startup += started_in;
        window_startup += started_in;
        if (cycle + 1) % 50 == 0 || cycle + 1 == first_cycle + cycles {
            let a = h.acked.lock().unwrap();
            println!(
                "  {} cycles: database {number}: {} submissions and {} decisions acknowledged, \
                 {} lost, {} duplicated ({:.0} s since the last line: checks {:.0} s reading and \
                 {:.0} s integrity, starts {:.0} s)",
                cycle + 1,
                a.submissions.len(),
                a.decisions.len(),
                t.lost,
                t.duplicated,
                window.elapsed().as_secs_f64(),
                (t.read_time - window_reads.0).as_secs_f64(),
                (t.integrity_time - window_reads.1).as_secs_f64(),
                window_startup.as_secs_f64(),
            );
            window = Instant::now();
            window_reads = (t.read_time, t.integrity_time);
            window_startup = Duration::ZERO;
        }
    }
    // The jobs resume: every item put in is done (a killed process's claims end with their
    // one-second lease).
    let resumed = Instant::now();
    let mut left = i64::MAX;
    while resumed.elapsed() < Duration::from_secs(30) {
        left = query(
            "SELECT count(*) FROM work_items WHERE subject LIKE 'crash-%' AND done_at IS NULL",
        )
        .fetch_one(&pool)
        .await
        .expect("count work items")
        .get(0)
        .expect("a count");
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    total.left = left;
    h.stop.store(true, Ordering::Relaxed);
    server.stop_cleanly();
    // SIGTERM as soon as a new process answers (a supervisor's readiness check, then a stop):
    // the stop is clean too (CI once saw the process die of the signal here).
    for _ in 0..5 {
        server.start();
        wait_ready(&h).await;
        server.stop_cleanly();
    }
    for t in tasks {
        t.abort();
    }
    pool.close().await;
    let a = h.acked.lock().unwrap();
    total.submissions = a.submissions.len();
    total.decisions = a.decisions.len();
    total.interrupted = h.interrupted.load(Ordering::Relaxed);
    total.refused = h.refused.load(Ordering::Relaxed);
    total
}
