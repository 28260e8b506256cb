//! Spawning the whole app on port 0 with a fresh database, and the backends under test.

use app::store::Store;
use server::config::Config;
use server::crypto::FieldCipher;
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

/// The field cipher of the stores `store_for` opens (a fixed key, for tests only), so that a
/// test can key what it hands a store as the server's reader would.
pub fn test_cipher() -> FieldCipher {
    FieldCipher::from_hex(&"5e".repeat(32)).expect("a well-formed test key")
}

/// A fresh database of `backend` and the store over it with `cipher`, for tests that also
/// reach the tables directly (`SqlStore::db`); the URL too, for what opens it again.
pub async fn sql_store(
    backend: &str,
    dir: &std::path::Path,
    cipher: FieldCipher,
) -> (String, server::store::SqlStore) {
    let url = fresh_database(backend, dir).await;
    let sql = server::store::connect(&url, 5, cipher)
        .await
        .expect("connect and migrate");
    (url, sql)
}

pub async fn store_for(backend: &str, dir: &std::path::Path) -> Arc<dyn Store> {
    let url = fresh_database(backend, dir).await;
    server::store::connect(&url, 20, test_cipher())
        .await
        .expect("connect and migrate")
        .store()
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// The last TOTP time step each account used here (a code works once).
    otp_steps: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The database this application runs on.
    pub fn database_url(&self) -> String {
        self.state.config.database_url.clone()
    }

    pub fn client(&self) -> reqwest::Client {
        // A request that never answers fails its test after a minute instead of holding CI
        // (a staff page's SSR hung twice under `make test`: routes listed by another test's
        // application meanwhile, `startup::route_lists`).
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

    /// What a copy of the stored files would hold: every file under the data directory.
    pub fn stored_file_bytes(&self) -> Vec<Vec<u8>> {
        fn walk(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    walk(&e.path(), out);
                } else if let Ok(b) = std::fs::read(e.path()) {
                    out.push(b);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self._dir.path().join("data"), &mut out);
        out
    }

    /// What a copy of the (SQLite) database would hold: its files' bytes as they lie on disk.
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for file in ["test.db", "test.db-wal", "test.db-shm"] {
            if let Ok(b) = std::fs::read(self._dir.path().join(file)) {
                bytes.extend(b);
            }
        }
        assert!(
            !bytes.is_empty(),
            "the database files are where the test put them"
        );
        bytes
    }

    /// Which of `secrets` a copy of the (SQLite) database holds in clear (`database_bytes`).
    pub fn in_database<'a>(&self, secrets: &[&'a str]) -> Vec<&'a str> {
        let bytes = self.database_bytes();
        secrets
            .iter()
            .copied()
            .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
            .collect()
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

impl TestApp {
    /// A TOTP code of `secret` for `login` that this app has not seen used yet: the current
    /// step or the next (the server allows one step either side; the current one keeps a whole
    /// step's margin for the request to arrive), after the last one used, waiting when both
    /// are spent (an authenticator app's user would wait too).
    pub async fn otp(&self, login: &str, secret: &str) -> String {
        let step_of = || app::auth::real_now_millis() / 1000 / 30;
        let step = {
            let mut used = self.otp_steps.lock().unwrap();
            let last = used.get(login).copied().unwrap_or(i64::MIN);
            let step = step_of().max(last.saturating_add(1));
            used.insert(login.to_string(), step);
            step
        };
        while step > step_of() + 1 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        app::second_factor::code_at(secret, step as u64 * 30).expect("a code")
    }

    /// Signs `c` in as `login`, with the second factor of accounts that have one (the secret
    /// read from the store, as the member of staff's phone holds it) and enrolling one first for
    /// staff who have none yet. The last answer: 200 with the user, or the refusal.
    /// An account an administrator created must change its first password before anything
    /// else: the helper does as its owner would, to a new one and back again, so the test's
    /// password stays good.
    pub async fn sign_in(
        &self,
        c: &reqwest::Client,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        let r = self.sign_in_as_is(c, login, password).await;
        if r.status() == reqwest::StatusCode::OK {
            let user = self.store().user_by_login(login).await.unwrap().unwrap();
            if user.must_change_password {
                let interim = format!("{password}-interim");
                for (current, new) in [(password, interim.as_str()), (interim.as_str(), password)] {
                    let changed = c
                        .post(self.url("/api/accounts/change_password"))
                        .form(&[("current", current), ("new", new)])
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(changed.status(), reqwest::StatusCode::OK, "{login}");
                }
            }
        }
        r
    }

    /// `sign_in` without the first password's change.
    pub async fn sign_in_as_is(
        &self,
        c: &reqwest::Client,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        let post = |otp: String| {
            c.post(self.url("/api/accounts/login"))
                .form(&[
                    ("login", login),
                    ("password", password),
                    ("otp", otp.as_str()),
                ])
                .send()
        };
        let r = post(String::new()).await.unwrap();
        if r.status() != reqwest::StatusCode::CONFLICT {
            return r;
        }
        let body: serde_json::Value = r.json().await.unwrap();
        match body["detail"].as_str() {
            Some("second_factor_needed") => {
                let user = self.store().user_by_login(login).await.unwrap().unwrap();
                let secret = user.totp_secret.expect("an enrolled second factor");
                post(self.otp(login, &secret).await).await.unwrap()
            }
            Some("second_factor_enrol") => {
                let r = c
                    .post(self.url("/api/accounts/second_factor/begin"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), reqwest::StatusCode::OK);
                let e: serde_json::Value = r.json().await.unwrap();
                let secret = e["secret"].as_str().unwrap().to_string();
                let code = self.otp(login, &secret).await;
                c.post(self.url("/api/accounts/second_factor/confirm"))
                    .form(&[("code", code)])
                    .send()
                    .await
                    .unwrap()
            }
            other => panic!("sign-in of {login} refused: {other:?}"),
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on_with("sqlite", adjust).await
}

/// The app on `backend` (`sqlite` or `postgres`, see `backends`).
pub async fn spawn_app_on(backend: &str) -> TestApp {
    spawn_app_on_with(backend, |_| {}).await
}

async fn spawn_app_on_with(backend: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    server::init_tracing("text");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database(backend, dir.path()).await;
    let mut config = Config::for_tests(url, dir.path().join("data"));
    // Demo mode keeps the notifier's outbox, which is how tests read SMS codes; it also
    // seeds the demo accounts, which tests use as staff.
    config.demo = true;
    adjust(&mut config);
    let mut app = Application::build(config).await.expect("build app");
    // The background loop would race the test (found by CI: it ran the day's entitlement scan
    // between a test's decision and the scan the test called): tests run jobs themselves
    // (`jobs::run_once`, `process_work`) when they mean to.
    app.stop_background_jobs().await;
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        state,
        otp_steps: Default::default(),
        _dir: dir,
    }
}

/// The password of the accounts `lanzhou_admin` creates.
pub const LANZHOU_PASSWORD: &str = "Lanzhou-2026-pass";

/// An administrator of Lanzhou (another city of Gansu) holding `duty`, stored directly: the
/// outsider the region checks are tested against. Signs in with `LANZHOU_PASSWORD`.
pub async fn lanzhou_admin(app: &TestApp, login: &str, duty: app::domain::status::AdminDuty) {
    app.store()
        .create_user(app::store::NewUser {
            role: app::domain::status::Role::Admin,
            login: login.into(),
            display_name: "兰州".into(),
            password_hash: app::auth::hash_password(LANZHOU_PASSWORD.into())
                .await
                .unwrap(),
            region_code: Some(region("620100000000")),
            department: None,
            must_change_password: false,
            duty: Some(duty),
            now: 0,
        })
        .await
        .unwrap();
}

/// A caseworker of `region` (12 digits or a prefix), stored directly, signed in (second factor
/// enrolled as its owner would) with `LANZHOU_PASSWORD`.
pub async fn caseworker(app: &TestApp, login: &str, region_code: &str) -> reqwest::Client {
    staff_member(
        app,
        app::domain::status::Role::Caseworker,
        login,
        region_code,
    )
    .await
}

/// A grid worker (网格员) of the village `village`, stored directly and signed in as
/// `caseworker` is.
pub async fn grid_worker(app: &TestApp, login: &str, village: &str) -> reqwest::Client {
    staff_member(app, app::domain::status::Role::GridWorker, login, village).await
}

async fn staff_member(
    app: &TestApp,
    role: app::domain::status::Role,
    login: &str,
    region_code: &str,
) -> reqwest::Client {
    app.store()
        .create_user(app::store::NewUser {
            role,
            login: login.into(),
            display_name: format!("{login}的名字"),
            password_hash: app::auth::hash_password(LANZHOU_PASSWORD.into())
                .await
                .unwrap(),
            region_code: Some(region(region_code)),
            department: None,
            must_change_password: false,
            duty: None,
            now: 0,
        })
        .await
        .unwrap();
    let c = app.client();
    let r = app.sign_in(&c, login, LANZHOU_PASSWORD).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK, "{login}");
    c
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

impl TestApp {
    /// The actions of the last `n` audit entries, latest first.
    pub async fn audited(&self, n: i64) -> Vec<String> {
        self.store()
            .recent_audit(n)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

/// The fields a 422's body names, in its order.
pub fn fields_named(body: &serde_json::Value) -> Vec<String> {
    body["detail"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
