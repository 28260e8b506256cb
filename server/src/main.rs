#![recursion_limit = "512"]
use server::{config::Config, seed, startup::Application};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::load();
    server::init_tracing(&config.log_format);
    let demo = config.demo;
    let app = Application::build(config).await?;
    let url = format!("http://{}", app.state.leptos_options.site_addr);
    tracing::info!(%url, "listening");
    if demo {
        seed::print_demo_accounts(&url);
    }
    app.run_until_stopped().await?;
    Ok(())
}
