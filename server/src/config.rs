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
    /// Stored files (attachments, visit photos, proofs) in this S3-compatible bucket instead of
    /// `DATA_DIR/blobs`: what several server processes behind a load balancer need. The bucket
    /// must exist. Unset: the local disk.
    #[arg(long, env = "DOUDI_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The object store's address, e.g. `http://10.0.0.5:9000` (MinIO, Ceph, a cloud's
    /// S3-compatible service). Unset: Amazon S3 itself.
    #[arg(long, env = "DOUDI_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region (many compatible stores accept any).
    #[arg(long, env = "DOUDI_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(long, env = "DOUDI_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    #[arg(long, env = "DOUDI_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
    /// Object names start with it (deployments sharing a bucket use different ones).
    #[arg(long, env = "DOUDI_S3_PREFIX", default_value = "blobs")]
    pub s3_prefix: String,
    /// The field encryption master key: 64 hexadecimal digits (256 bits). Declarations and
    /// drafts are sealed with keys derived from it (`server::crypto`); without it they cannot
    /// be read. Make one with `openssl rand -hex 32` and keep it out of the database's backups.
    #[arg(long, env = "DOUDI_FIELD_KEY", hide_env_values = true)]
    pub field_key: Option<String>,
    /// A file holding the field encryption key instead (a mounted secret). In demo mode, when
    /// neither is set, `DATA_DIR/field.key` is used, made on the first start.
    #[arg(long, env = "DOUDI_FIELD_KEY_FILE")]
    pub field_key_file: Option<PathBuf>,
    /// The origin browsers use, e.g. https://doudi.example.gov.cn (behind a load balancer).
    /// Non-GET requests from any other origin are refused. Unset: the request's own Host.
    #[arg(long, env = "DOUDI_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Idle session timeout in minutes.
    #[arg(long, env = "DOUDI_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Hours after signing in when a session ends, however active (beside the idle timeout).
    #[arg(long, env = "DOUDI_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,
    /// Sign-in attempts one client address may make on one account in a window; past it, that
    /// address is refused for that account (never the account for everyone).
    #[arg(long, env = "DOUDI_MAX_FAILED_LOGINS", default_value_t = 5)]
    pub max_failed_logins: i64,
    /// Failed sign-ins one client address may make in a window, whatever the accounts.
    #[arg(long, env = "DOUDI_MAX_FAILED_LOGINS_PER_CLIENT", default_value_t = 50)]
    pub max_failed_logins_per_client: i64,
    /// The window of the two limits above, in minutes.
    #[arg(long, env = "DOUDI_LOCKOUT_MINUTES", default_value_t = 30)]
    pub lockout_minutes: i64,
    /// Days audit records are kept before the daily purge removes them (MLPS-3 asks for at
    /// least 184, six months).
    #[arg(long, env = "DOUDI_AUDIT_RETENTION_DAYS", default_value_t = 184,
          value_parser = clap::value_parser!(i64).range(184..))]
    pub audit_retention_days: i64,
    /// How long an SMS verification code is valid, in minutes.
    #[arg(long, env = "DOUDI_CODE_TTL_MINUTES", default_value_t = 10)]
    pub code_ttl_minutes: i64,
    /// Seconds before another verification SMS may go to the same phone.
    #[arg(long, env = "DOUDI_SMS_INTERVAL_SECONDS", default_value_t = 60)]
    pub sms_interval_seconds: i64,
    /// Verification SMS one phone may receive in 24 hours.
    #[arg(long, env = "DOUDI_SMS_PER_PHONE_PER_DAY", default_value_t = 10)]
    pub sms_per_phone_per_day: i64,
    /// Verification SMS one client address may ask for in 24 hours.
    #[arg(long, env = "DOUDI_SMS_PER_CLIENT_PER_DAY", default_value_t = 50)]
    pub sms_per_client_per_day: i64,
    /// The bank payment file's columns, in order (资金发放): any of ref (the line's reference,
    /// which the bank's return file names), name (the head of household), id_number, amount
    /// (yuan), summary (month and fund), region (village code), category; ref and amount are
    /// required. Headings are in Chinese (流水号, 姓名, 身份证号, 金额, 摘要, 区划代码, 类别).
    #[arg(long, env = "DOUDI_BANK_COLUMNS", default_value = "ref,name,id_number,amount,summary",
          value_parser = crate::payments::parse_bank_columns)]
    pub bank_columns: crate::payments::BankColumns,
    /// The bank payment CSV's encoding: gb18030 (GBK, what most bank systems read) or utf-8.
    #[arg(long, env = "DOUDI_BANK_CSV_ENCODING", default_value = "gb18030",
          value_parser = ["gb18030", "utf-8"])]
    pub bank_csv_encoding: String,
    /// Largest request body for server functions, in bytes (uploads have their own limit).
    #[arg(long, env = "DOUDI_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    /// Sign-in, registration and SMS-code requests allowed per client address per minute
    /// (counted in the database: one budget across every server process), against password
    /// spraying across many accounts.
    #[arg(long, env = "DOUDI_AUTH_REQUESTS_PER_MINUTE", default_value_t = 30)]
    pub auth_requests_per_minute: u32,
    /// The proxies (load balancers) whose X-Forwarded-For is believed, as a comma-separated
    /// list of addresses or CIDR blocks (`10.0.0.0/8,192.0.2.7`). A request from anywhere else
    /// is from its peer address whatever it says; from a trusted proxy, the client is the
    /// right-most forwarded address that is not itself a trusted proxy. Empty: trust nobody.
    #[arg(long, env = "DOUDI_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds between runs of the background jobs (reassessments after parameter changes).
    #[arg(long, env = "DOUDI_JOB_INTERVAL_SECS", default_value_t = 60)]
    pub job_interval_secs: u64,

    /// The bearer token `/metrics` asks for; unset, `/metrics` does not exist (404).
    #[arg(long, env = "DOUDI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Seconds a background work item stays with the process that claimed it: after a crash,
    /// another process takes it up once this has passed.
    #[arg(long, env = "DOUDI_JOB_LEASE_SECS", default_value_t = 300)]
    pub job_lease_secs: i64,

    /// Seconds between refreshes of the statistics the dashboard reads (staff may also refresh
    /// at once); each refresh counts the whole caseload, so not too often on a large one.
    #[arg(long, env = "DOUDI_STATS_REFRESH_SECS", default_value_t = 600)]
    pub stats_refresh_secs: u64,

    /// On SIGTERM or Ctrl-C: seconds the requests in flight may take to finish before the
    /// process stops anyway (background jobs finish the item in hand and give back the rest).
    #[arg(long, env = "DOUDI_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// Requests this process serves at once (pages, server functions, files being uploaded or
    /// downloaded; not `/pkg`, `/healthz`, `/readyz`, `/metrics`). One more is answered at once
    /// with 503 and `Retry-After: 1` ("busy, nothing was done") rather than queued until the
    /// client gives up. 0: 32 per CPU core.
    #[arg(long, env = "DOUDI_MAX_IN_FLIGHT", default_value_t = 0)]
    pub max_in_flight: usize,

    /// Demo mode: seed labelled demo data and accounts, show sent SMS at /dev/outbox.
    #[arg(long, env = "DOUDI_DEMO", default_value_t = false)]
    pub demo: bool,
    /// Log format: text or json.
    #[arg(long, env = "DOUDI_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Optional file of KEY=value settings read before the environment is parsed.
    #[arg(long, env = "DOUDI_CONFIG_FILE")]
    pub config_file: Option<PathBuf>,
    /// Without a command, the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(clap::Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Checks the audit trail's hash chain from its anchor to its head and prints the verdict;
    /// exits 1 when a record was altered, removed or inserted.
    VerifyAudit,
    /// Prints a new random field encryption key (64 hexadecimal digits) for DOUDI_FIELD_KEY or
    /// the file named by DOUDI_FIELD_KEY_FILE; nothing is stored.
    NewFieldKey,
    /// Writes a backup of the database to PATH (which must not exist): SQLite through
    /// `VACUUM INTO` while the server runs, checked; PostgreSQL through `pg_dump`. Uploaded
    /// files (DOUDI_DATA_DIR) and the field key are backed up separately (README).
    Backup { path: PathBuf },
    /// Restores a backup made by `backup` into the configured database (stop the server
    /// first). SQLite: the replaced database is kept beside it and every table of the result
    /// is compared with the backup; PostgreSQL: `pg_restore --clean --single-transaction`.
    Restore {
        path: PathBuf,
        /// Restore even though the SQLite database still has a write-ahead log beside it.
        #[arg(long)]
        force: bool,
    },
}

/// An address or a CIDR block of `DOUDI_TRUSTED_PROXIES` (an address is a block of one).
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is neither an address nor a CIDR block"))
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
        // The old switch trusted any client's X-Forwarded-For; silently ignoring it would hide
        // that the deployment still needs its proxies named.
        if std::env::var_os("DOUDI_TRUST_FORWARDED_FOR").is_some() {
            eprintln!(
                "DOUDI_TRUST_FORWARDED_FOR is gone: name the load balancers instead, \
                 DOUDI_TRUSTED_PROXIES=10.0.0.0/8 (addresses or CIDR blocks)"
            );
            std::process::exit(2);
        }
        Config::parse()
    }

    /// The client of a request that came from `peer` with these X-Forwarded-For values (see
    /// `trusted_proxies`). Unreadable forwarded addresses end the walk at the last trusted hop.
    pub fn client_address<'a>(
        &self,
        peer: std::net::IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> std::net::IpAddr {
        let trusted = |ip: &std::net::IpAddr| self.trusted_proxies.iter().any(|n| n.contains(ip));
        if !trusted(&peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !trusted(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }

    /// The field cipher from the configured key (see `field_key`). Outside demo mode a missing
    /// key stops the server: it never makes one up for real data.
    pub fn field_cipher(&self) -> anyhow::Result<crate::crypto::FieldCipher> {
        use crate::crypto::FieldCipher;
        let from_file = |path: &std::path::Path| -> anyhow::Result<FieldCipher> {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!("cannot read the field key file {}: {e}", path.display())
            })?;
            FieldCipher::from_hex(&text)
                .map_err(|e| anyhow::anyhow!("field key file {}: {e}", path.display()))
        };
        if let Some(key) = &self.field_key {
            return FieldCipher::from_hex(key).map_err(|e| anyhow::anyhow!("DOUDI_FIELD_KEY: {e}"));
        }
        if let Some(path) = &self.field_key_file {
            return from_file(path);
        }
        if !self.demo {
            anyhow::bail!(
                "no field encryption key: set DOUDI_FIELD_KEY (64 hexadecimal digits, e.g. from \
                 `openssl rand -hex 32`) or DOUDI_FIELD_KEY_FILE; keep it apart from the backups"
            );
        }
        let path = self.data_dir.join("field.key");
        if !path.exists() {
            std::fs::create_dir_all(&self.data_dir)?;
            match write_secret(&path, &FieldCipher::new_key_hex()) {
                Ok(()) => {
                    tracing::warn!(path = %path.display(), "demo mode: made a field encryption key")
                }
                // Another process starting at the same moment made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.into()),
            }
        }
        from_file(&path)
    }

    /// Cookies carry `Secure` when the public origin is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }

    /// Settings for tests: SQLite at `database_url`, a free port, files under `data_dir`.
    /// `max_in_flight` with 0 read as 32 per CPU core.
    pub fn requests_in_flight(&self) -> usize {
        match self.max_in_flight {
            0 => 32 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

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
            .chain([data_dir.display().to_string()])
            .chain([
                "--field-key".into(),
                crate::crypto::FieldCipher::new_key_hex(),
            ]),
        )
    }
}

/// Writes a secret readable by this user only, whole or not at all: written beside `path`,
/// then linked into place (which fails with `AlreadyExists` when another process made it first).
fn write_secret(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(proxies: &[&str]) -> Config {
        let mut c = Config::for_tests("sqlite://x".into(), "data".into());
        c.trusted_proxies = proxies.iter().map(|p| parse_net(p).unwrap()).collect();
        c
    }

    #[test]
    fn the_field_key_comes_from_configuration_and_demo_mode_makes_its_own_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::for_tests("sqlite://x".into(), dir.path().join("data"));
        c.field_key = None;
        let refused = c.field_cipher().unwrap_err().to_string();
        assert!(refused.contains("DOUDI_FIELD_KEY"), "{refused}");
        c.demo = true;
        let first = c.field_cipher().unwrap();
        let path = dir.path().join("data").join("field.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "readable by the server's user only");
        }
        let again = c.field_cipher().unwrap();
        assert_eq!(
            first.id_key("x"),
            again.id_key("x"),
            "the same key on the next start"
        );
        c.field_key = Some("not a key".into());
        assert!(c.field_cipher().is_err());
    }

    #[test]
    fn audit_records_are_kept_at_least_184_days() {
        let parse = |days: &str| {
            Config::try_parse_from(["server", "--audit-retention-days", days])
                .map(|c| c.audit_retention_days)
        };
        assert_eq!(parse("184").unwrap(), 184);
        assert_eq!(parse("400").unwrap(), 400);
        assert!(parse("183").is_err(), "MLPS-3 asks for six months");
        let verify = Config::try_parse_from(["server", "verify-audit"]).unwrap();
        assert_eq!(verify.command, Some(Command::VerifyAudit));
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_added() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let lb = config(&["10.0.0.0/8", "192.0.2.7"]);
        let xff = |v: &'static str| std::iter::once(v);
        // A stranger's header is ignored.
        assert_eq!(
            lb.client_address(ip("198.51.100.1"), xff("1.1.1.1")),
            ip("198.51.100.1")
        );
        // Through two trusted hops, what the client wrote first does not count.
        assert_eq!(
            lb.client_address(ip("10.1.2.3"), xff("6.6.6.6, 203.0.113.5, 192.0.2.7")),
            ip("203.0.113.5")
        );
        // Several header lines are one list; garbage stops the walk at the last trusted hop.
        assert_eq!(
            lb.client_address(ip("10.1.2.3"), ["203.0.113.5", "10.9.9.9"].into_iter()),
            ip("203.0.113.5")
        );
        assert_eq!(
            lb.client_address(ip("10.1.2.3"), xff("nonsense")),
            ip("10.1.2.3")
        );
        assert_eq!(
            lb.client_address(ip("10.1.2.3"), std::iter::empty()),
            ip("10.1.2.3")
        );
        // Trusting nobody: always the peer.
        assert_eq!(
            config(&[]).client_address(ip("10.1.2.3"), xff("203.0.113.5")),
            ip("10.1.2.3")
        );
        assert!(parse_net("10.0.0.0/33").is_err() && parse_net("host").is_err());
    }
}
