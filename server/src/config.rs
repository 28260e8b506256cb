//! Typed configuration from the environment (and an optional `KEY=value` file named by
//! `DOUDI_CONFIG_FILE`); `server --help` lists every setting with its variable.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "server",
    version,
    about = "Doudi (兜底) server: low-income population monitoring and social assistance"
)]
pub struct Config {
    /// Database: sqlite://path (embedded, default) or postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/doudi.db")]
    pub database_url: String,
    /// Maximum database connections of this process.
    #[arg(long, env = "DOUDI_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Directory of the built site (WASM, JS, CSS) produced by cargo-leptos.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Directory for uploaded files (content-addressed blobs).
    #[arg(long, env = "DOUDI_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The origin browsers use, e.g. https://doudi.example.gov.cn (behind a load balancer).
    /// Non-GET requests from any other origin are refused. Unset: the request's own Host.
    #[arg(long, env = "DOUDI_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Idle session timeout in minutes.
    #[arg(long, env = "DOUDI_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Failed logins before an account is locked.
    #[arg(long, env = "DOUDI_MAX_FAILED_LOGINS", default_value_t = 5)]
    pub max_failed_logins: i64,
    /// How long a locked account stays locked, in minutes.
    #[arg(long, env = "DOUDI_LOCKOUT_MINUTES", default_value_t = 30)]
    pub lockout_minutes: i64,
    /// How long an SMS verification code is valid, in minutes.
    #[arg(long, env = "DOUDI_CODE_TTL_MINUTES", default_value_t = 10)]
    pub code_ttl_minutes: i64,
    /// Largest request body for server functions, in bytes (uploads have their own limit).
    #[arg(long, env = "DOUDI_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    /// Sign-in, registration and SMS-code requests allowed per client address per minute
    /// (per process), against password spraying across many accounts.
    #[arg(long, env = "DOUDI_AUTH_REQUESTS_PER_MINUTE", default_value_t = 30)]
    pub auth_requests_per_minute: u32,
    /// Take the client address from X-Forwarded-For (only behind a load balancer that sets it).
    #[arg(long, env = "DOUDI_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Demo mode: seed labelled demo data and accounts, show sent SMS at /dev/outbox.
    /// Seconds between runs of the background jobs (reassessments after parameter changes).
    #[arg(long, env = "DOUDI_JOB_INTERVAL_SECS", default_value_t = 60)]
    pub job_interval_secs: u64,

    #[arg(long, env = "DOUDI_DEMO", default_value_t = false)]
    pub demo: bool,
    /// Log format: text or json.
    #[arg(long, env = "DOUDI_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Optional file of KEY=value settings read before the environment is parsed.
    #[arg(long, env = "DOUDI_CONFIG_FILE")]
    pub config_file: Option<PathBuf>,
}

impl Config {
    /// Reads the optional settings file first (environment variables already set win).
    pub fn load() -> Self {
        if let Some(path) = std::env::var_os("DOUDI_CONFIG_FILE") {
            if let Err(e) = dotenvy::from_path(&path) {
                eprintln!(
                    "cannot read DOUDI_CONFIG_FILE {}: {e}",
                    PathBuf::from(path).display()
                );
                std::process::exit(2);
            }
        }
        Config::parse()
    }

    /// Cookies carry `Secure` when the public origin is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }

    /// Settings for tests: SQLite at `database_url`, a free port, files under `data_dir`.
    pub fn for_tests(database_url: String, data_dir: PathBuf) -> Self {
        Config::parse_from(
            [
                "server",
                "--database-url",
                &database_url,
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
            ]
            .into_iter()
            .map(String::from)
            .chain([data_dir.display().to_string()]),
        )
    }
}
