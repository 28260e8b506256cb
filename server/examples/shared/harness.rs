//! Shared by the examples that drive a real server process (`crash`, `load`).

use std::path::Path;

/// A valid ID number from its first 17 digits (the check character added).
pub fn valid_id(first17: &str) -> String {
    format!(
        "{first17}{}",
        app::domain::id_number::check_char(first17).expect("17 digits")
    )
}

/// A database for one run: a SQLite file `<name>.db` in `dir`, or a new database
/// `<name>_<pid>` in the throwaway PostgreSQL cluster of `scripts/with-postgres.sh`.
pub async fn database_url(backend: &str, dir: &Path, name: &str) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}/{name}.db", dir.display()),
        "postgres" => {
            let admin = std::env::var("DOUDI_TEST_PG_URL")
                .expect("PostgreSQL: run under scripts/with-postgres.sh (DOUDI_TEST_PG_URL)");
            let name = format!("{name}_{}", std::process::id());
            let pool = sqlx::PgPool::connect(&admin).await.expect("the cluster");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("create the database");
            pool.close().await;
            format!("{}/{name}", admin.rsplit_once('/').expect("a URL").0)
        }
        other => panic!("unknown backend {other}"),
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address").port()
}

/// The verification code last texted to `phone`, read from the demo server's outbox.
pub async fn outbox_code(base: &str, phone: &str) -> String {
    let html = reqwest::get(format!("{base}/dev/outbox"))
        .await
        .expect("the outbox")
        .text()
        .await
        .unwrap_or_default();
    let marker = format!("<b>{phone}</b>");
    let at = html.rfind(&marker).expect("an SMS to the phone");
    html[at + marker.len()..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect()
}

/// A medical-insurance file at `path` imported province-wide (62) by `user`, as the upload's
/// handler runs it (the benches' 1 000 000-row imports).
#[allow(dead_code)] // Not every example that includes this file imports.
pub async fn import_medical(
    state: &server::startup::AppState,
    user: &str,
    path: std::path::PathBuf,
    file_hash: &str,
) -> anyhow::Result<app::api::monitoring::ImportReport> {
    server::imports::import_file(
        state,
        user,
        &app::domain::region::RegionCode::parse("62").expect("a province"),
        app::domain::monitoring::Source::MedicalInsurance,
        "medical.csv",
        path,
        file_hash.into(),
        server::imports::Format::Detect,
        Default::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// Writes a medical-insurance CSV of `rows` rows, as 医保 exports them: row `r` is settled `r %
/// 300` days before today, its person and out-of-pocket amount (fen) from `row(r)`, its total
/// twice that. Flushed to disk, so an import is not timed with the file's own writing.
#[allow(dead_code)] // Not every example that includes this file imports.
pub fn write_medical_csv(
    path: &Path,
    rows: usize,
    row: impl Fn(usize) -> (String, i64),
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "身份证号,结算日期,医疗总费用,个人自付")?;
    let today = app::services::today_in_china();
    for r in 0..rows {
        let (id, own) = row(r);
        let date = today - chrono::Days::new((r % 300) as u64);
        let total = own * 2;
        writeln!(
            w,
            "{id},{date},{}.{:02},{}.{:02}",
            total / 100,
            total % 100,
            own / 100,
            own % 100
        )?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

/// The review queue as a tablet first gets it, 220 times in a row by the signed-in client `c`:
/// the first answer must be server-rendered with 50 rows whose numbers start `number_prefix`;
/// the times of the last 200 (the first 20 warm up).
#[allow(dead_code)] // Not every example that includes this file asks for the queue.
pub async fn queue_page_times(
    c: &reqwest::Client,
    base: &str,
    number_prefix: &str,
) -> anyhow::Result<Vec<std::time::Duration>> {
    let mut times = Vec::new();
    for i in 0..220 {
        let t = std::time::Instant::now();
        let r = c.get(format!("{base}/staff/queue")).send().await?;
        anyhow::ensure!(r.status().is_success(), "queue: {}", r.status());
        let html = r.text().await?;
        if i == 0 {
            anyhow::ensure!(
                html.matches(&format!("data-number=\"{number_prefix}"))
                    .count()
                    == 50,
                "the first page is server-rendered with 50 rows"
            );
        }
        if i >= 20 {
            times.push(t.elapsed());
        }
    }
    Ok(times)
}

/// The id of the demo account signed in as `login` (the demo data must have it).
#[allow(dead_code)] // Not every example that includes this file needs one.
pub async fn demo_user_id(
    store: &std::sync::Arc<dyn app::store::Store>,
    login: &str,
) -> anyhow::Result<String> {
    Ok(store
        .user_by_login(login)
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .ok_or_else(|| anyhow::anyhow!("no demo account {login}"))?
        .id)
}
