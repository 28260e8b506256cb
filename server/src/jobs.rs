//! Background work, in one place. Two kinds:
//! - sweeps that are idempotent by construction (reassessment proposals after a parameter
//!   change: `Store::due_parameters`), which every process simply runs;
//! - scheduled work items (annual reviews, referral deadlines, documents owed after advance
//!   aid), claimed row by row with a lease (`Store::claim_work`: `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL), so with several processes each item is done once, and an item whose worker
//!   died is taken up again when its lease ends.

use app::api::cycle::{WORK_ANNUAL_REVIEW, WORK_DOCUMENTS_DUE, WORK_REFERRAL_DUE};
use app::domain::chain::{AidKind, Department};
use app::domain::cycle::{Standing, TaskKind};
use app::domain::referral::ReferralStatus;
use app::store::{Millis, NewTask, Store, WorkItem};
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed item stays with its worker before another may take it.
const LEASE_MS: i64 = 5 * 60_000;
const BATCH: i64 = 50;
/// A failed item is tried again after this long.
const RETRY_MS: i64 = 10 * 60_000;

/// This process's name in claims: host and pid, unique enough across a cluster.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// Runs every job once: what tests call, and what the loop repeats.
pub async fn run_once(store: &dyn Store, worker: &str) -> anyhow::Result<usize> {
    let proposed = app::api::policy::propose_reassessments(store, app::services::today_in_china(), app::services::now_millis())
        .await
        .map_err(|e| anyhow::anyhow!("reassessment job: {e}"))?;
    if proposed > 0 {
        tracing::info!(proposed, "reassessments proposed after parameter changes took effect");
    }
    let done = process_work(store, worker, app::services::now_millis()).await?;
    let escalated = store
        .escalate_overdue_warnings(&app::services::today_in_china().to_string(), app::services::now_millis())
        .await
        .map_err(|e| anyhow::anyhow!("escalate warnings: {e}"))?;
    if escalated > 0 {
        tracing::warn!(escalated, "warnings past their visit deadline escalated to the county");
    }
    Ok(proposed + done + escalated as usize)
}

/// Claims and does due work items until none is left; returns how many were done.
pub async fn process_work(store: &dyn Store, worker: &str, now: Millis) -> anyhow::Result<usize> {
    let mut done = 0;
    loop {
        let items = store.claim_work(worker, now, LEASE_MS, BATCH).await.map_err(|e| anyhow::anyhow!("claim work: {e}"))?;
        if items.is_empty() {
            return Ok(done);
        }
        for item in items {
            match handle(store, &item, now).await {
                Ok(()) => {
                    store.finish_work(item.id, worker, None, now, now).await.map_err(|e| anyhow::anyhow!("finish work: {e}"))?;
                    done += 1;
                }
                Err(e) => {
                    tracing::error!(id = item.id, kind = %item.kind, attempts = item.attempts, error = %e, "work item failed; retrying later");
                    store.finish_work(item.id, worker, Some(&e.to_string()), now, now + RETRY_MS).await.map_err(|e| anyhow::anyhow!("release work: {e}"))?;
                }
            }
        }
    }
}

/// Does one item. Each handler only adds a task (unique per kind, subject and due date), so
/// doing an item twice after a crash adds nothing.
async fn handle(store: &dyn Store, item: &WorkItem, now: Millis) -> anyhow::Result<()> {
    let err = |e: app::store::DbError| anyhow::anyhow!("{e}");
    match item.kind.as_str() {
        WORK_ANNUAL_REVIEW => {
            let Some(h) = store.household_summary(&item.subject).await.map_err(err)? else { return Ok(()) };
            // A household that left assistance meanwhile needs no review.
            if Standing::from_code(&h.standing) == Some(Standing::InAssistance) {
                let task = NewTask {
                    kind: TaskKind::AnnualReview.code().into(),
                    household_id: h.id.clone(),
                    region_code: h.region_code.clone(),
                    subject: h.id,
                    due_on: item.payload.clone(),
                    note: String::new(),
                    now,
                };
                store.add_task(task).await.map_err(err)?;
            }
        }
        WORK_REFERRAL_DUE => {
            let id: i64 = item.subject.parse()?;
            let Some(r) = store.referral(id).await.map_err(err)? else { return Ok(()) };
            if ReferralStatus::from_code(&r.status).is_some_and(ReferralStatus::is_open) {
                let need = AidKind::from_code(&r.need).map(AidKind::code).unwrap_or_default();
                let dept = Department::from_code(&r.department).map(Department::code).unwrap_or_default();
                let task = NewTask {
                    kind: TaskKind::ReferralOverdue.code().into(),
                    household_id: r.household_id,
                    region_code: r.region_code,
                    subject: id.to_string(),
                    due_on: r.due_on,
                    note: format!("{need} → {dept}"),
                    now,
                };
                store.add_task(task).await.map_err(err)?;
            }
        }
        WORK_DOCUMENTS_DUE => {
            let Some(e) = store.emergency(&item.subject).await.map_err(err)? else { return Ok(()) };
            if let (None, Some(due)) = (e.documents_received_at, e.documents_due) {
                let task = NewTask {
                    kind: TaskKind::DocumentsDue.code().into(),
                    household_id: e.household_id,
                    region_code: e.region_code,
                    subject: e.id,
                    due_on: due,
                    note: e.person_name,
                    now,
                };
                store.add_task(task).await.map_err(err)?;
            }
        }
        other => anyhow::bail!("unknown work kind {other}"),
    }
    Ok(())
}

pub fn spawn(store: Arc<dyn Store>, every: Duration) {
    let worker = worker_name();
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_once(store.as_ref(), &worker).await {
                tracing::error!(error = %e, "background job failed; retrying next round");
            }
            tokio::time::sleep(every).await;
        }
    });
}
