//! Spawning the whole app on port 0 with a fresh database, and the backends under test.

use app::store::Store;
use server::config::Config;
use server::startup::{AppState, Application};
use std::sync::Arc;

/// A fresh database URL per test: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_database(backend: &str, dir: &std::path::Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}/test.db", dir.display()),
        "postgres" => {
            let admin = pg_admin_url().expect("PostgreSQL requested without DOUDI_TEST_PG_URL");
            let name = format!("t_{}", uuid_like());
            let pool = sqlx::PgPool::connect(&admin)
                .await
                .expect("connect to the test cluster");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
        other => panic!("unknown backend {other}"),
    }
}

fn uuid_like() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The PostgreSQL cluster `make test` started. Under CI its absence is a failure, not a skip.
pub fn pg_admin_url() -> Option<String> {
    match std::env::var("DOUDI_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but DOUDI_TEST_PG_URL is not set: PostgreSQL tests must run in CI")
        }
        _ => {
            eprintln!("DOUDI_TEST_PG_URL not set: skipping PostgreSQL (run through `make test`)");
            None
        }
    }
}

/// The backends every conformance test runs against.
pub fn backends() -> Vec<&'static str> {
    let mut b = vec!["sqlite"];
    if pg_admin_url().is_some() {
        b.push("postgres");
    }
    b
}

pub async fn store_for(backend: &str, dir: &std::path::Path) -> Arc<dyn Store> {
    let url = fresh_database(backend, dir).await;
    server::store::connect(&url, 20)
        .await
        .expect("connect and migrate")
        .store()
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub fn client(&self) -> reqwest::Client {
        // A request that never answers fails its test after a minute instead of holding CI
        // (one such hang was seen once under `make test`, in a staff page's SSR; not reproduced).
        reqwest::Client::builder()
            .cookie_store(true)
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.state.services.store.clone()
    }

    /// The last verification code the logging notifier "sent" to `phone`.
    pub fn last_code(&self, phone: &str) -> String {
        let (_, text) = self
            .state
            .notifier
            .recent()
            .into_iter()
            .find(|(to, _)| to == phone)
            .expect("a code was sent");
        text.chars()
            .filter(|c| c.is_ascii_digit())
            .take(6)
            .collect()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    server::init_tracing("text");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database("sqlite", dir.path()).await;
    let mut config = Config::for_tests(url, dir.path().join("data"));
    // Demo mode keeps the notifier's outbox, which is how tests read SMS codes; it also
    // seeds the demo accounts, which tests use as staff.
    config.demo = true;
    adjust(&mut config);
    let app = Application::build(config).await.expect("build app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        state,
        _dir: dir,
    }
}

/// A day written `YYYY-MM-DD` in a test.
pub fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("a YYYY-MM-DD day")
}

/// A region code (or its 2/4/6/9-digit prefix) written in a test.
pub fn region(s: &str) -> app::domain::region::RegionCode {
    app::domain::region::RegionCode::parse(s).expect("a region code")
}

/// A valid ID number standing for `label` in a test ("ID-A", "ID-B" …): different labels give
/// different numbers (a hash of the label picks the birth date and the sequence), the same label
/// the same one; a label that is a valid ID number is that number.
pub fn id_of(label: &str) -> app::domain::id_number::IdNumber {
    if let Ok(id) = app::domain::id_number::IdNumber::parse(label, day("2026-01-01")) {
        return id;
    }
    let h = label.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let born = day("1950-01-01") + chrono::Days::new(h % 20_000);
    let first17 = format!("620702{}{:03}", born.format("%Y%m%d"), (h / 20_000) % 1000);
    let check = app::domain::id_number::check_char(&first17).expect("17 digits");
    app::domain::id_number::IdNumber::parse(&format!("{first17}{check}"), day("2026-01-01"))
        .expect("a valid ID number")
}
