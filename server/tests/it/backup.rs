//! `server backup` and `server restore`: a round trip that compares every table, on SQLite and
//! on PostgreSQL, and the refusals that keep a restore from losing data.

use crate::helpers::{backends, fresh_database};
use server::backup::{backup, digests, restore};

/// A database filled as `make run` fills it (the labelled demo data), its jobs stopped.
async fn demo_database(backend: &str, dir: &std::path::Path) -> String {
    let url = fresh_database(backend, dir).await;
    let mut config = server::config::Config::for_tests(url.clone(), dir.join("files"));
    config.demo = true;
    let mut app = server::startup::Application::build(config).await.unwrap();
    app.stop_background_jobs().await;
    drop(app);
    url
}

#[tokio::test]
async fn a_backup_restores_to_the_same_rows_in_every_table() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = demo_database(backend, dir.path()).await;
        let before = digests(&url).await.unwrap();
        for table in [
            "applications",
            "application_events",
            "users",
            "policy_parameters",
            "charities",
        ] {
            assert!(
                before.get(table).is_some_and(|d| d.rows > 0),
                "{backend}: the demo data fills {table}: {before:?}"
            );
        }

        let file = dir.path().join("backups").join("doudi.backup");
        let done = backup(&url, &file).await.unwrap();
        assert!(done.bytes > 0);
        let again = backup(&url, &file).await.unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");

        let restored_url = fresh_database(backend, dir.path()).await;
        let restored_url = if backend == "sqlite" {
            format!("sqlite://{}/restored.db", dir.path().display())
        } else {
            restored_url
        };
        let done = restore(&restored_url, &file, false).await.unwrap();
        assert_eq!(done.tables.as_ref(), Some(&before), "{backend}");
        assert_eq!(digests(&restored_url).await.unwrap(), before, "{backend}");
        assert_eq!(
            digests(&url).await.unwrap(),
            before,
            "{backend}: the source untouched"
        );
    }
}

#[tokio::test]
async fn a_sqlite_restore_keeps_what_it_replaces_and_refuses_what_would_lose_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = demo_database("sqlite", dir.path()).await;
    let file = dir.path().join("doudi.backup");
    backup(&url, &file).await.unwrap();

    // A target in use (a write-ahead log beside it) is refused and left as it was.
    let target = dir.path().join("live.db");
    let target_url = format!("sqlite://{}", target.display());
    std::fs::write(&target, b"the database before").unwrap();
    std::fs::write(
        dir.path().join("live.db-wal"),
        b"frames not yet checkpointed",
    )
    .unwrap();
    let refused = restore(&target_url, &file, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("write-ahead log"), "{refused}");
    assert_eq!(std::fs::read(&target).unwrap(), b"the database before");

    // Forced, the replaced database and its log are kept beside it.
    let done = restore(&target_url, &file, true).await.unwrap();
    let kept = done.kept.clone().expect("the replaced database is kept");
    assert_eq!(std::fs::read(&kept).unwrap(), b"the database before");
    let mut kept_wal = kept.into_os_string();
    kept_wal.push("-wal");
    assert_eq!(
        std::fs::read(kept_wal).unwrap(),
        b"frames not yet checkpointed"
    );
    assert_eq!(
        digests(&target_url).await.unwrap(),
        digests(&url).await.unwrap()
    );

    // A damaged or foreign file is never restored.
    let before = std::fs::read(&target).unwrap();
    let garbage = dir.path().join("garbage.backup");
    std::fs::write(&garbage, vec![0x5au8; 8192]).unwrap();
    assert!(restore(&target_url, &garbage, true).await.is_err());
    let foreign = dir.path().join("foreign.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", foreign.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (x)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let refused = restore(&target_url, &foreign, true)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("not a Doudi database"), "{refused}");
    assert_eq!(std::fs::read(&target).unwrap(), before, "left as it was");
}
