//! `server backup PATH` and `server restore PATH`.
//!
//! - SQLite: `VACUUM INTO` writes a consistent copy while the server runs (readers and writers
//!   go on; the copy is one transaction's view), checked with `PRAGMA integrity_check`. A
//!   restore (server stopped) checks the copy, keeps the database it replaces beside it
//!   (`<file>.before-restore-<time>`), moves the copy in place in one rename, and compares
//!   every table of the result with the copy.
//! - PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --single-transaction`
//!   (PostgreSQL's own tools, which must be on PATH; the same major version as the server or
//!   newer).
//!
//! Tables are compared by `digests`: per table the row count and an order-free hash of its
//! rows (a sum of SHA-256 over each row's text), so a copy whose rows were reordered on disk
//! still compares equal and nothing is sorted or held in memory.

use anyhow::{bail, Context};
use futures_util::TryStreamExt;
use sha2::Digest;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection, Row};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a table holds, comparably: its row count and the sum (mod 2¹²⁸) of its rows' hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDigest {
    pub rows: i64,
    pub sum: u128,
}

/// Every table of a database by name.
pub type Digests = BTreeMap<String, TableDigest>;

/// What a backup or a restore did, to print.
#[derive(Debug)]
pub struct Done {
    pub path: PathBuf,
    pub bytes: u64,
    /// Tables and their rows, where the tool can tell (not for a PostgreSQL dump file).
    pub tables: Option<Digests>,
    /// Where the database a restore replaced was kept (SQLite).
    pub kept: Option<PathBuf>,
}

impl std::fmt::Display for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} bytes)", self.path.display(), self.bytes)?;
        if let Some(t) = &self.tables {
            let rows: i64 = t.values().map(|d| d.rows).sum();
            write!(f, ": {} tables, {rows} rows, checked", t.len())?;
        }
        if let Some(kept) = &self.kept {
            write!(
                f,
                "; the database it replaced is kept at {}",
                kept.display()
            )?;
        }
        Ok(())
    }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// The file a `sqlite://` URL names.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .context("not a sqlite:// URL")?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        bail!("DATABASE_URL names no database file");
    }
    Ok(PathBuf::from(path))
}

async fn open_sqlite_file(path: &Path, read_only: bool) -> anyhow::Result<sqlx::SqlitePool> {
    if !path.is_file() {
        bail!("{} does not exist", path.display());
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false)
        .busy_timeout(std::time::Duration::from_secs(10));
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

/// The row count and order-free hash of every table of the database at `url` (SQLite: every
/// table of the file, sessions included; PostgreSQL: the tables of the current schema).
pub async fn digests(url: &str) -> anyhow::Result<Digests> {
    if is_sqlite(url) {
        let pool = open_sqlite_file(&sqlite_file(url)?, true).await?;
        let result = sqlite_digests(&pool).await;
        pool.close().await;
        result
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
             ORDER BY tablename",
        )
        .fetch_all(&mut conn)
        .await?;
        let mut out = Digests::new();
        for t in tables {
            let sql = format!("SELECT r::text FROM {} AS r", quote_ident(&t));
            out.insert(
                t,
                digest_rows(sqlx::query_scalar(&sql).fetch(&mut conn)).await?,
            );
        }
        Ok(out)
    }
}

async fn sqlite_digests(pool: &sqlx::SqlitePool) -> anyhow::Result<Digests> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Digests::new();
    for t in tables {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info({})", quote_ident(&t)))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<_, _>>()?;
        let row_text = columns
            .iter()
            .map(|c| format!("quote({})", quote_ident(c)))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let sql = format!("SELECT {row_text} FROM {}", quote_ident(&t));
        out.insert(t, digest_rows(sqlx::query_scalar(&sql).fetch(pool)).await?);
    }
    Ok(out)
}

async fn digest_rows(
    mut rows: impl futures_util::Stream<Item = Result<String, sqlx::Error>> + Unpin,
) -> anyhow::Result<TableDigest> {
    let mut d = TableDigest { rows: 0, sum: 0 };
    while let Some(row) = rows.try_next().await? {
        let hash = sha2::Sha256::digest(row.as_bytes());
        let mut first = [0u8; 16];
        first.copy_from_slice(&hash[..16]);
        d.sum = d.sum.wrapping_add(u128::from_le_bytes(first));
        d.rows += 1;
    }
    Ok(d)
}

/// An SQL identifier in double quotes (table and column names come from the database's own
/// catalogue, but are quoted all the same).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Writes a backup of the database at `url` to `to`, which must not exist.
pub async fn backup(url: &str, to: &Path) -> anyhow::Result<Done> {
    if to.exists() {
        bail!(
            "{} already exists: a backup never overwrites a file",
            to.display()
        );
    }
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    if is_sqlite(url) {
        let pool = open_sqlite_file(&sqlite_file(url)?, false).await?;
        let target = to
            .to_str()
            .context("the backup's path is not valid UTF-8")?;
        let result = sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&pool)
            .await;
        pool.close().await;
        result.context("VACUUM INTO")?;
        let tables = check_sqlite_copy(to).await?;
        Ok(Done {
            path: to.to_path_buf(),
            bytes: std::fs::metadata(to)?.len(),
            tables: Some(tables),
            kept: None,
        })
    } else {
        run_tool(
            "pg_dump",
            url,
            &[
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                &format!("--file={}", to.display()),
            ],
        )?;
        Ok(Done {
            path: to.to_path_buf(),
            bytes: std::fs::metadata(to)?.len(),
            tables: None,
            kept: None,
        })
    }
}

/// A SQLite copy passes `PRAGMA integrity_check` and was written by this version or an older
/// one (the server migrates it forward when it starts); returns its tables.
async fn check_sqlite_copy(path: &Path) -> anyhow::Result<Digests> {
    let pool = open_sqlite_file(path, true).await?;
    let checked = async {
        let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await?;
        if verdict != ["ok"] {
            bail!(
                "{} is damaged (integrity check: {})",
                path.display(),
                verdict.join("; ")
            );
        }
        let newest: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .with_context(|| format!("{} is not a Doudi database", path.display()))?;
        let ours = crate::store::sqlite::MIGRATOR
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        if newest.unwrap_or(0) > ours {
            bail!(
                "{} was written by a newer version of Doudi (migration {} > {ours}): restore it \
                 with that version",
                path.display(),
                newest.unwrap_or(0)
            );
        }
        sqlite_digests(&pool).await
    }
    .await;
    pool.close().await;
    checked
}

/// Restores the backup at `from` into the database at `url`. The server must be stopped:
/// a SQLite database with a write-ahead log still beside it (a server running, or one that
/// did not stop cleanly) is refused unless `force`.
pub async fn restore(url: &str, from: &Path, force: bool) -> anyhow::Result<Done> {
    if !from.is_file() {
        bail!("{} does not exist", from.display());
    }
    if !is_sqlite(url) {
        run_tool(
            "pg_restore",
            url,
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                &from.display().to_string(),
            ],
        )?;
        return Ok(Done {
            path: from.to_path_buf(),
            bytes: std::fs::metadata(from)?.len(),
            tables: Some(digests(url).await?),
            kept: None,
        });
    }
    let expected = check_sqlite_copy(from).await?;
    let target = sqlite_file(url)?;
    let wal = sidecar(&target, "-wal");
    if !force && std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        bail!(
            "{} has a write-ahead log beside it: the server is running or did not stop \
             cleanly. Stop it (or start and stop it once), then restore; --force restores \
             anyway (the replaced database and its log are kept)",
            target.display()
        );
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // The copy is written beside the target and moved in place in one rename: a crash leaves
    // either the old database or the new one, never half of one.
    let incoming = sidecar(&target, ".restoring");
    std::fs::copy(from, &incoming)?;
    std::fs::File::open(&incoming)?.sync_all()?;
    let kept = if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let kept = sidecar(&target, &format!(".before-restore-{stamp}"));
        for suffix in ["-wal", "-shm"] {
            let side = sidecar(&target, suffix);
            if side.exists() {
                std::fs::rename(&side, sidecar(&kept, suffix))?;
            }
        }
        std::fs::rename(&target, &kept)?;
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&incoming, &target)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    let restored = digests(url).await?;
    if restored != expected {
        bail!(
            "the restored database differs from the backup; the one it replaced is at {}",
            kept.map(|k| k.display().to_string())
                .unwrap_or_else(|| "(none)".into())
        );
    }
    Ok(Done {
        path: target.clone(),
        bytes: std::fs::metadata(&target)?.len(),
        tables: Some(restored),
        kept,
    })
}

/// `path` with `suffix` appended to its file name (`doudi.db` → `doudi.db-wal`).
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A PostgreSQL URL without its password, and the password (for `PGPASSWORD`: a password on
/// a command line is visible to every user of the machine).
fn without_password(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a valid URL")?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

/// Runs one of PostgreSQL's tools against `url`, saying what to install when it is missing.
fn run_tool(tool: &str, url: &str, args: &[&str]) -> anyhow::Result<()> {
    let (url, password) = without_password(url)?;
    let mut command = std::process::Command::new(tool);
    command.args(args).arg(format!("--dbname={url}"));
    if let Some(p) = password {
        command.env("PGPASSWORD", p);
    }
    let status = command.status().with_context(|| {
        format!(
            "{tool} was not found: install PostgreSQL's client tools (Debian: \
                 postgresql-client, the server's major version or newer)"
        )
    })?;
    if !status.success() {
        bail!("{tool} failed ({status})");
    }
    Ok(())
}
