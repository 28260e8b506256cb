//! Several servers, one province (issue 23): two server processes (the release's own binary, not
//! two applications in this test's process, so that nothing in one process's memory can help)
//! on one throwaway PostgreSQL database and one S3-compatible object store that the test starts
//! itself (`s3s-fs`, installed by `scripts/ensure-tools.sh`). What one process does, the other
//! sees: a file uploaded through one is served by the other, a session signed in on one is good
//! on the other, an import started on one is followed on the other, a lockout and the sign-in
//! rate limit counted on one hold on the other, and a scheduled work item is done once.

use crate::api::{png, valid_id};
use crate::helpers::{fresh_database, pg_admin_url};
use reqwest::{multipart, Client, StatusCode};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const FIELD_KEY: &str = "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a";
const S3_KEY: &str = "doudi-test";
const S3_SECRET: &str = "doudi-test-secret";
const BUCKET: &str = "doudi";
/// Sign-in requests a client address may make a minute, across both processes.
const AUTH_PER_MINUTE: usize = 12;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process whose output goes to a file, shown when the test fails.
struct Proc {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        if std::thread::panicking() {
            let said = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: String = said
                .lines()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            eprintln!("--- {} (last lines) ---\n{tail}", self.name);
        }
    }
}

fn spawn(name: &'static str, mut cmd: Command, dir: &Path) -> std::io::Result<Proc> {
    let log = dir.join(format!("{name}.log"));
    let out = std::fs::File::create(&log)?;
    let child = cmd
        .stdout(out.try_clone()?)
        .stderr(out)
        .kill_on_drop(true)
        .spawn()?;
    Ok(Proc { name, child, log })
}

/// The local S3-compatible server, or `None` (skipped) when it is not installed outside CI.
fn start_object_store(dir: &Path) -> Option<(Proc, String)> {
    let root = dir.join("s3");
    std::fs::create_dir_all(root.join(BUCKET)).unwrap();
    let port = free_port();
    let mut cmd = Command::new("s3s-fs");
    cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", S3_KEY, "--secret-key", S3_SECRET])
        .arg(&root);
    match spawn("s3s-fs", cmd, dir) {
        Ok(p) => Some((p, format!("http://127.0.0.1:{port}"))),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but s3s-fs cannot start ({e}): scripts/ensure-tools.sh installs it")
        }
        Err(e) => {
            eprintln!("s3s-fs cannot start ({e}): skipping the two-process test");
            None
        }
    }
}

/// A server process on `database_url`, its files in the object store at `s3`.
async fn start_server(
    name: &'static str,
    database_url: &str,
    s3: &str,
    dir: &Path,
) -> (Proc, String) {
    let port = free_port();
    let data = dir.join(format!("{name}-data"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", dir.join("site"))
        .env("DOUDI_DATA_DIR", &data)
        .env("DOUDI_DEMO", "true")
        .env("DOUDI_FIELD_KEY", FIELD_KEY)
        .env("DOUDI_S3_ENDPOINT", s3)
        .env("DOUDI_S3_BUCKET", BUCKET)
        .env("DOUDI_S3_ACCESS_KEY_ID", S3_KEY)
        .env("DOUDI_S3_SECRET_ACCESS_KEY", S3_SECRET)
        .env("DOUDI_MAX_FAILED_LOGINS", "3")
        .env(
            "DOUDI_AUTH_REQUESTS_PER_MINUTE",
            AUTH_PER_MINUTE.to_string(),
        )
        .env("DOUDI_JOB_INTERVAL_SECS", "1")
        .env("RUST_LOG", "warn");
    let proc = spawn(name, cmd, dir).expect("start the server binary");
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let probe = Client::new();
    loop {
        if let Ok(r) = probe.get(format!("{base}/readyz")).send().await {
            if r.status() == StatusCode::OK {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{name} did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (proc, base)
}

fn client() -> Client {
    // One cookie jar for both processes (cookies are per host, not per port): a session made
    // through one is sent to the other, as a load balancer would.
    Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn login(
    c: &Client,
    base: &str,
    login: &str,
    password: &str,
    otp: &str,
) -> reqwest::Response {
    c.post(format!("{base}/api/accounts/login"))
        .form(&[("login", login), ("password", password), ("otp", otp)])
        .send()
        .await
        .unwrap()
}

async fn detail(r: reqwest::Response) -> (StatusCode, String) {
    let s = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (s, body["detail"].as_str().unwrap_or_default().to_string())
}

/// Signs a demo member of staff in through `base`, with the demo's second factor.
async fn sign_in_staff(c: &Client, base: &str, who: &str) {
    let (s, d) = detail(login(c, base, who, "Demo2026pass", "").await).await;
    assert_eq!(
        (s, d.as_str()),
        (StatusCode::CONFLICT, "second_factor_needed"),
        "{who}"
    );
    let now = (app::auth::real_now_millis() / 1000) as u64;
    let code = app::second_factor::code_at(server::seed::DEMO_TOTP_SECRET, now).unwrap();
    let r = login(c, base, who, "Demo2026pass", &code).await;
    assert_eq!(r.status(), StatusCode::OK, "{who} signed in");
}

/// The import `cluster-run`'s progress as `base` tells it.
async fn progress(c: &Client, base: &str) -> Value {
    c.get(format!("{base}/imports/progress/cluster-run"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every file under `dir`, read.
fn files_under(dir: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else if let Ok(b) = std::fs::read(e.path()) {
            out.push(b);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_and_one_object_store_serve_as_one() {
    if pg_admin_url().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some((_s3, s3)) = start_object_store(dir.path()) else {
        return;
    };
    let url = fresh_database("postgres", dir.path()).await;
    // The first process migrates and seeds the demo; the second starts on what it made.
    let (_a, a) = start_server("server-a", &url, &s3, dir.path()).await;
    let (_b, b) = start_server("server-b", &url, &s3, dir.path()).await;

    // A file sent through A (a complaint's photo, filed without signing in) ...
    let anon = client();
    let q: Value = anon
        .post(format!("{a}/api/complaints/question"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answer = (q["a"].as_i64().unwrap() + q["b"].as_i64().unwrap()).to_string();
    let input = json!({ "input": { "kind": "fraud", "region": "620702100201", "subject": "王某",
        "body": "邻居家开着小汽车还领低保，请核查。", "question": q["token"], "answer": answer } });
    let r = anon
        .post(format!("{a}/api/complaints/file"))
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let filed: Value = r.json().await.unwrap();
    let photo = png();
    let form = multipart::Form::new()
        .text("tracking", filed["tracking"].as_str().unwrap().to_string())
        .text("code", filed["code"].as_str().unwrap().to_string())
        .part(
            "file",
            multipart::Part::bytes(photo.clone()).file_name("现场.png"),
        );
    let r = anon
        .post(format!("{a}/complaints/files"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let file_id: String = r.json().await.unwrap();
    // ... is in the object store, sealed, and on neither process's disk ...
    let stored = files_under(&dir.path().join("s3").join(BUCKET));
    assert!(!stored.is_empty(), "the file went to the object store");
    assert!(
        stored
            .iter()
            .all(|f| !f.windows(photo.len()).any(|w| w == photo.as_slice())),
        "the object store holds the file sealed"
    );
    for node in ["server-a", "server-b"] {
        assert!(
            !dir.path().join(format!("{node}-data/blobs")).exists(),
            "{node} kept no file on its disk"
        );
    }
    // ... and a caseworker signed in through A reads it through B (one session for both).
    let cw = client();
    sign_in_staff(&cw, &a, "demo_caseworker").await;
    let r = cw
        .get(format!("{b}/complaints/files/{file_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), photo, "the same bytes");

    // An import started through A is followed through B, and is over for B when A is done.
    let officer = client();
    sign_in_staff(&officer, &a, "demo_department").await;
    let mut csv = String::from("身份证号,结算日期,医疗总费用,个人自付\n");
    for k in 0..150_000u32 {
        let born = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
            + chrono::Days::new(u64::from(k / 1000));
        let id = valid_id(&format!("110101{}{:03}", born.format("%Y%m%d"), k % 1000));
        csv.push_str(&format!(
            "{id},{},100,{}\n",
            app::services::today_in_china() - chrono::Days::new(u64::from(k % 300)),
            1 + k % 90
        ));
    }
    let form = multipart::Form::new()
        .text("source", "medical_insurance")
        .text("run", "cluster-run")
        .part(
            "file",
            multipart::Part::bytes(csv.into_bytes()).file_name("big.csv"),
        );
    let uploading = tokio::spawn(officer.post(format!("{a}/imports")).multipart(form).send());
    let mut seen = None;
    for _ in 0..1200 {
        let p = progress(&officer, &b).await;
        if p["running"] == true {
            seen = Some(p);
            break;
        }
        if uploading.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let seen = seen.expect("B saw A's import running");
    assert!(seen["total_bytes"].as_u64().unwrap() > 5_000_000, "{seen}");
    let done = uploading.await.unwrap().unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let p = progress(&officer, &b).await;
    assert_eq!(p["running"], false, "over for B too");

    // A lockout counted through A holds through B: the right password is refused there.
    let grid = client();
    for attempt in 0.. {
        let (s, d) = detail(login(&grid, &a, "demo_grid", "wrong-password", "").await).await;
        if d == "too_many_attempts" {
            break;
        }
        assert!(attempt < 10, "A never locked: {s} {d}");
    }
    let (s, d) = detail(login(&grid, &b, "demo_grid", "Demo2026pass", "").await).await;
    assert_eq!(
        (s, d.as_str()),
        (StatusCode::CONFLICT, "too_many_attempts"),
        "the lockout holds on B"
    );

    // The sign-in requests a minute are one budget: past it through A, B refuses too (unless
    // the minute turned meanwhile, when the round is run again).
    let minute = || app::auth::real_now_millis() / 60_000;
    let mut refused_by_b = false;
    for _round in 0..3 {
        let began = minute();
        for _ in 0..AUTH_PER_MINUTE {
            login(&grid, &a, "nobody", "x", "").await;
        }
        let r = login(&grid, &b, "nobody", "x", "").await;
        if minute() == began {
            assert_eq!(
                r.status(),
                StatusCode::TOO_MANY_REQUESTS,
                "B counts A's requests"
            );
            refused_by_b = true;
            break;
        }
    }
    assert!(refused_by_b);

    // Scheduled work is done once, whichever process claims it.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let now = app::auth::real_now_millis();
    for i in 0..200 {
        sqlx::query(
            "INSERT INTO work_items (kind, subject, payload, run_at) \
             VALUES ('annual_review', $1, '2027-01-01', $2)",
        )
        .bind(format!("cluster-{i}"))
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    }
    let started = Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM work_items WHERE subject LIKE 'cluster-%' AND done_at IS NULL",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{left} items not done"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (items, claims): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(attempts) AS BIGINT) FROM work_items \
         WHERE subject LIKE 'cluster-%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (items, claims),
        (200, 200),
        "each item claimed and done once"
    );
    pool.close().await;
}
