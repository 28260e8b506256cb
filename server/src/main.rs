#![recursion_limit = "512"]
use server::{
    config::{Command, Config},
    seed,
    startup::Application,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::load();
    server::init_tracing(&config.log_format);
    if config.command == Some(Command::VerifyAudit) {
        return verify_audit(&config).await;
    }
    if config.command == Some(Command::NewFieldKey) {
        println!("{}", server::crypto::FieldCipher::new_key_hex());
        return Ok(());
    }
    match &config.command {
        Some(Command::Backup { path }) => {
            let done = server::backup::backup(&config.database_url, path).await?;
            println!("backup written: {done}");
            println!(
                "also keep: the uploaded files under {} (content-addressed; copy them after the \
                 database) and, apart from both, the field key: without it the sealed fields of \
                 this backup cannot be read",
                config.data_dir.display()
            );
            return Ok(());
        }
        Some(Command::Restore { path, force }) => {
            let done = server::backup::restore(&config.database_url, path, *force).await?;
            println!("restored: {done}");
            return Ok(());
        }
        _ => {}
    }
    let demo = config.demo;
    let json_logs = config.log_format == "json";
    let app = Application::build(config).await?;
    let url = format!("http://{}", app.state.leptos_options.site_addr);
    tracing::info!(%url, "listening");
    if demo {
        seed::print_demo_accounts(&url, json_logs);
    }
    app.run_until_stopped().await?;
    Ok(())
}

/// `server verify-audit`: the chain from its anchor to its head, on the configured database.
async fn verify_audit(config: &Config) -> anyhow::Result<()> {
    // The audit trail holds nothing sealed: an auditor checks it without the field key.
    let cipher = config
        .field_cipher()
        .unwrap_or_else(|_| server::crypto::FieldCipher::random());
    let store = server::store::connect(&config.database_url, 2, cipher)
        .await?
        .store();
    let v = store.verify_audit().await?;
    match v.first_broken {
        None => {
            println!(
                "audit trail intact: {} records checked (sequence {}..={}, anchor {})",
                v.checked,
                v.anchor_seq + 1,
                v.head_seq,
                v.anchor_seq
            );
            Ok(())
        }
        Some(seq) => {
            println!(
                "audit trail BROKEN at record {seq}: altered, removed or inserted \
                 ({} records before it hold; head {}, anchor {})",
                v.checked, v.head_seq, v.anchor_seq
            );
            std::process::exit(1);
        }
    }
}
