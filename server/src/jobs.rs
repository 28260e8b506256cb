//! Background work, in one place: each job is idempotent and safe to run in several server
//! processes at once (see `Store::due_parameters`), so every process simply runs them all.

use app::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Runs every job once: what tests call, and what the loop repeats.
pub async fn run_once(store: &dyn Store) -> anyhow::Result<usize> {
    let proposed = app::api::policy::propose_reassessments(store, app::services::today_in_china(), app::services::now_millis())
        .await
        .map_err(|e| anyhow::anyhow!("reassessment job: {e}"))?;
    if proposed > 0 {
        tracing::info!(proposed, "reassessments proposed after parameter changes took effect");
    }
    Ok(proposed)
}

pub fn spawn(store: Arc<dyn Store>, every: Duration) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_once(store.as_ref()).await {
                tracing::error!(error = %e, "background job failed; retrying next round");
            }
            tokio::time::sleep(every).await;
        }
    });
}
