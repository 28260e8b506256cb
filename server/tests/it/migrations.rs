//! Both backends' migrations carry the same version numbers and names.

fn versions(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(format!(
        "{}/../migrations/{dir}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("migrations dir")
    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
    .filter(|n| n.ends_with(".sql"))
    .collect();
    v.sort();
    v
}

#[test]
fn sqlite_and_postgres_migrations_have_the_same_versions() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}
