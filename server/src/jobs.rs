//! Background work, in one place. Two kinds:
//! - sweeps that are idempotent by construction (reassessment proposals after a parameter
//!   change: `Store::due_parameters`), which every process simply runs;
//! - scheduled work items (annual reviews, referral deadlines, documents owed after advance
//!   aid), claimed row by row with a lease (`Store::claim_work`: `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL), so with several processes each item is done once, and an item whose worker
//!   died is taken up again when its lease ends.

use app::domain::cycle::{Standing, TaskKind, WorkKind};
use app::services::BlobStore;
use app::store::{Millis, NewTask, Store, WorkItem};
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed item stays with its worker before another may take it, unless
/// configured (`Config::job_lease_secs`).
const LEASE_MS: i64 = 5 * 60_000;
const BATCH: i64 = 50;
/// A failed item is tried again after this long.
const RETRY_MS: i64 = 10 * 60_000;

/// This process's name in claims: host and pid, unique enough across a cluster.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )
}

/// What one run of the jobs did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ran {
    /// Reassessments proposed after parameter changes took effect.
    pub proposed: usize,
    /// Work items done (reviews, deadlines, the day's entitlement scan).
    pub work_done: usize,
    /// Warnings escalated to the county.
    pub escalated: usize,
    /// Complaints moved up a level after their deadline.
    pub complaints_escalated: usize,
}

/// Runs every job once: what tests call.
pub async fn run_once(store: &dyn Store, worker: &str) -> anyhow::Result<Ran> {
    run_round(store, worker, LEASE_MS, &|| false).await
}

/// One round of every job (what the loop repeats); work items stop being taken once
/// `should_stop` says so.
async fn run_round(
    store: &dyn Store,
    worker: &str,
    lease_ms: i64,
    should_stop: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<Ran> {
    let proposed = app::api::policy::propose_reassessments(
        store,
        app::services::today_in_china(),
        app::services::now_millis(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("reassessment job: {e}"))?;
    if proposed > 0 {
        tracing::info!(
            proposed,
            "reassessments proposed after parameter changes took effect"
        );
    }
    // 政策找人 once a day: the first worker to run on a day schedules the scan, one worker does it.
    let today = app::services::today_in_china();
    // Due at the day's start: the same (kind, day, time) every round, so it is scheduled once.
    store
        .enqueue_work(
            WorkKind::EntitlementScan,
            &today.to_string(),
            "",
            app::domain::cycle::china_midnight_ms(today),
        )
        .await
        .map_err(|e| anyhow::anyhow!("schedule the entitlement scan: {e}"))?;
    let done = process_work_until(
        store,
        worker,
        app::services::now_millis(),
        lease_ms,
        should_stop,
    )
    .await?;
    let escalated = store
        .escalate_overdue_warnings(app::services::today_in_china(), app::services::now_millis())
        .await
        .map_err(|e| anyhow::anyhow!("escalate warnings: {e}"))?;
    if escalated > 0 {
        tracing::warn!(
            escalated,
            "warnings past their visit deadline escalated to the county"
        );
    }
    // 投诉举报 past their deadline go up a level.
    let complaints = app::api::complaints::escalate_overdue(store)
        .await
        .map_err(|e| anyhow::anyhow!("escalate complaints: {e}"))?;
    if complaints > 0 {
        tracing::warn!(
            complaints,
            "complaints past their deadline moved up a level"
        );
    }
    Ok(Ran {
        proposed,
        work_done: done,
        escalated: escalated as usize,
        complaints_escalated: complaints as usize,
    })
}

/// Claims and does due work items until none is left; returns how many were done.
pub async fn process_work(store: &dyn Store, worker: &str, now: Millis) -> anyhow::Result<usize> {
    process_work_until(store, worker, now, LEASE_MS, &|| false).await
}

/// `process_work`, stopping early once `should_stop` says so (the items claimed and not done
/// are then left to `JobStore::release_work`).
async fn process_work_until(
    store: &dyn Store,
    worker: &str,
    now: Millis,
    lease_ms: i64,
    should_stop: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<usize> {
    let mut done = 0;
    loop {
        if should_stop() {
            return Ok(done);
        }
        let items = store
            .claim_work(worker, now, lease_ms, BATCH)
            .await
            .map_err(|e| anyhow::anyhow!("claim work: {e}"))?;
        if items.is_empty() {
            return Ok(done);
        }
        for item in items {
            if should_stop() {
                return Ok(done);
            }
            match handle(store, &item, now).await {
                Ok(()) => {
                    store
                        .finish_work(item.id, worker, None, now, now)
                        .await
                        .map_err(|e| anyhow::anyhow!("finish work: {e}"))?;
                    done += 1;
                }
                Err(e) => {
                    tracing::error!(id = item.id, kind = item.kind.code(), attempts = item.attempts, error = %e, "work item failed; retrying later");
                    store
                        .finish_work(item.id, worker, Some(&e.to_string()), now, now + RETRY_MS)
                        .await
                        .map_err(|e| anyhow::anyhow!("release work: {e}"))?;
                }
            }
        }
    }
}

/// Does one item. Each handler only adds a task (unique per kind, subject and due date), so
/// doing an item twice after a crash adds nothing.
async fn handle(store: &dyn Store, item: &WorkItem, now: Millis) -> anyhow::Result<()> {
    let err = |e: app::store::DbError| anyhow::anyhow!("{e}");
    match item.kind {
        WorkKind::AnnualReview => {
            let Some(h) = store.household_summary(&item.subject).await.map_err(err)? else {
                return Ok(());
            };
            // A household that left assistance meanwhile needs no review.
            if h.standing == Standing::InAssistance {
                let task = NewTask {
                    kind: TaskKind::AnnualReview,
                    household_id: h.id.clone(),
                    region_code: h.region_code.clone(),
                    subject: h.id,
                    due_on: chrono::NaiveDate::parse_from_str(&item.payload, "%Y-%m-%d")?,
                    note: String::new(),
                    now,
                };
                store.add_task(task).await.map_err(err)?;
            }
        }
        WorkKind::ReferralDue => {
            let id: i64 = item.subject.parse()?;
            let Some(r) = store.referral(id).await.map_err(err)? else {
                return Ok(());
            };
            if r.status.is_open() {
                let need = r.need.code();
                let dept = r.department.code();
                let task = NewTask {
                    kind: TaskKind::ReferralOverdue,
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
        WorkKind::DocumentsDue => {
            let Some(e) = store.emergency(&item.subject).await.map_err(err)? else {
                return Ok(());
            };
            if let (None, Some(due)) = (e.documents_received_at, e.documents_due) {
                let task = NewTask {
                    kind: TaskKind::DocumentsDue,
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
        WorkKind::EntitlementScan => {
            let raised = scan_entitlements(store, app::services::today_in_china(), now).await?;
            if raised > 0 {
                tracing::info!(
                    raised,
                    "households entitled to assistance they do not receive (政策找人)"
                );
            }
        }
    }
    Ok(())
}

/// How long records are kept before the daily purge removes them.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// Audit records: at least 184 days (`Config::audit_retention_days`).
    pub audit_days: i64,
    /// Sign-in counts: the lockout window, after which they count for nothing.
    pub login_attempts_ms: i64,
}

/// The running background loop: stopped by `stop`, which lets the item in hand finish and
/// gives back the others this process claimed.
pub struct Jobs {
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

impl Jobs {
    /// Asks the loop to stop and waits for it, at most `within`. Returns whether it stopped.
    pub async fn stop(self, within: Duration) -> bool {
        let _ = self.stop.send(true);
        tokio::time::timeout(within, self.handle).await.is_ok()
    }
}

pub fn spawn(
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    every: Duration,
    lease: Duration,
    stats_every: Duration,
    keep: Retention,
) -> Jobs {
    let lease_ms = lease.as_millis().clamp(1, i64::MAX as u128) as i64;
    let worker = worker_name();
    let (stop, mut stopping) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(async move {
        let mut last_sweep = None::<std::time::Instant>;
        let mut last_purge = None::<std::time::Instant>;
        let mut last_stats = None::<std::time::Instant>;
        let stopped = stopping.clone();
        let should_stop = move || *stopped.borrow();
        loop {
            if let Err(e) = run_round(store.as_ref(), &worker, lease_ms, &should_stop).await {
                tracing::error!(error = %e, "background job failed; retrying next round");
            }
            if should_stop() {
                break;
            }
            // Once a period in one process of those on the database (`claimed`); a process
            // that finds it claimed looks again a period later.
            if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
                last_purge = Some(std::time::Instant::now());
                if claimed(store.as_ref(), "purge", PURGE_EVERY).await {
                    match purge_expired(store.as_ref(), app::services::now_millis(), keep).await {
                        Ok((0, 0)) => {}
                        Ok((audit, attempts)) => {
                            tracing::info!(audit, attempts, "expired records purged")
                        }
                        Err(e) => tracing::error!(error = %e, "purge failed; retrying tomorrow"),
                    }
                }
            }
            // The figures the dashboard reads: counted every `stats_every` by the process that
            // claims the period (at start when no process did this period); one that fails
            // gives the period back and tries again next round.
            if last_stats.is_none_or(|t| t.elapsed() >= stats_every) {
                last_stats = Some(std::time::Instant::now());
                if claimed(store.as_ref(), "statistics", stats_every).await {
                    if let Err(e) = refresh_statistics(store.as_ref(), &should_stop).await {
                        last_stats = None;
                        if let Err(e) = store.release_periodic("statistics").await {
                            tracing::error!(error = %e, "giving back the statistics' period failed");
                        }
                        tracing::error!(error = %e, "statistics refresh failed; retrying next round");
                    }
                }
                if should_stop() {
                    break;
                }
            }
            if last_sweep.is_none_or(|t| t.elapsed() >= BLOB_SWEEP_EVERY) {
                last_sweep = Some(std::time::Instant::now());
                if claimed(store.as_ref(), "blob_sweep", BLOB_SWEEP_EVERY).await {
                    let before = app::auth::real_now_millis() - BLOB_GRACE_MS;
                    match sweep_blobs(store.as_ref(), blobs.as_ref(), before).await {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!(removed = n, "files no record names any more removed")
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "blob sweep failed; retrying next hour")
                        }
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stopping.wait_for(|s| *s) => break,
            }
        }
        // Whatever this process claimed and did not do goes back to the others now, not when
        // its lease ends.
        match store.release_work(&worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "work items given back on stopping"),
            Err(e) => {
                tracing::warn!(error = %e, "could not give work items back; their leases will end")
            }
        }
        tracing::info!("background jobs stopped");
    });
    Jobs { stop, handle }
}

const PURGE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Removes audit records older than the retention (the chain stays verifiable from its new
/// anchor), sign-in counts past their window, request counts of minutes past and stale import
/// progress. Returns (audit records, the rest).
pub async fn purge_expired(
    store: &dyn Store,
    now: Millis,
    keep: Retention,
) -> anyhow::Result<(u64, u64)> {
    let audit = store
        .purge_audit(now - keep.audit_days * 86_400_000)
        .await
        .map_err(|e| anyhow::anyhow!("purge audit records: {e}"))?;
    let attempts = store
        .purge_login_attempts(now - keep.login_attempts_ms)
        .await
        .map_err(|e| anyhow::anyhow!("purge sign-in counts: {e}"))?;
    // Requests a minute of minutes past, and the progress left by imports whose process died
    // (a running import rewrites its own every `imports::PROGRESS_EVERY`), on the real clock.
    let real = app::auth::real_now_millis();
    let shared = store
        .purge_shared(real.div_euclid(60_000) - 1, real - 3_600_000)
        .await
        .map_err(|e| anyhow::anyhow!("purge request counts: {e}"))?;
    Ok((audit, attempts + shared))
}

/// Reads the facts of households decided before urban/rural was recorded (once, in batches),
/// then counts the dashboard's figures.
async fn refresh_statistics(
    store: &dyn Store,
    should_stop: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<()> {
    loop {
        match store.read_missing_facts(500).await {
            Ok(0) => break,
            Ok(n) => tracing::info!(households = n, "urban/rural and support mode read"),
            Err(e) => {
                tracing::error!(error = %e, "reading households' facts failed; tried again next period (the figures are counted without their split)");
                break;
            }
        }
        if should_stop() {
            return Ok(());
        }
    }
    let n = app::api::statistics::refresh(store, app::services::today_in_china())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::info!(figures = n, "statistics refreshed");
    Ok(())
}

/// Whether this process runs the periodic chore `name` this period (one process of those on
/// the database does; the others find it claimed and look again after a period of their own).
/// A failure to ask is logged and counts as not claimed.
async fn claimed(store: &dyn Store, name: &str, every: Duration) -> bool {
    // A minute's slack: one process's timer and the real clock need not tick together.
    let every_ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX) - 60_000;
    match store
        .claim_periodic(name, app::auth::real_now_millis(), every_ms)
        .await
    {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::error!(error = %e, chore = name, "claiming a periodic chore failed");
            false
        }
    }
}

/// How often stored files are swept, and how old an unnamed file must be to go: an upload
/// writes its file before its row, so a younger file may be about to be named.
const BLOB_SWEEP_EVERY: Duration = Duration::from_secs(3600);
const BLOB_GRACE_MS: i64 = 60 * 60_000;

/// Removes stored files that no record names any more and were last written before `before`:
/// the files of refused uploads, of attachments a resident removed, of imports refused before
/// their record. A person's document does not outlive the record that needed it. Returns how
/// many files went.
pub async fn sweep_blobs(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    before: Millis,
) -> anyhow::Result<usize> {
    let old = blobs
        .older_than(before)
        .await
        .map_err(|e| anyhow::anyhow!("list stored files: {e}"))?;
    let mut removed = 0;
    for chunk in old.chunks(500) {
        let used = store
            .blobs_in_use(chunk)
            .await
            .map_err(|e| anyhow::anyhow!("files in use: {e}"))?;
        for hash in chunk.iter().filter(|h| !used.contains(*h)) {
            if blobs
                .remove_if_older(hash, before)
                .await
                .map_err(|e| anyhow::anyhow!("remove {hash}: {e}"))?
            {
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// The daily "policy finds the person" (政策找人) scan: every household in assistance whose
/// latest approved assessment entitles it to assistance no aid in its chain covers on `today`
/// gets a warning (one open per household). Returns how many were raised.
pub async fn scan_entitlements(
    store: &dyn Store,
    today: chrono::NaiveDate,
    now: Millis,
) -> anyhow::Result<usize> {
    use app::domain::status::ApplicationStatus;
    let err = |e: app::store::DbError| anyhow::anyhow!("{e}");
    use app::domain::monitoring::RuleKind;
    let rules = store.warning_rules().await.map_err(err)?;
    if !rules
        .iter()
        .any(|r| r.kind == RuleKind::EntitledNotReceived && r.enabled)
    {
        return Ok(0);
    }
    let mut raised = 0;
    for (household_id, region_code) in store.households_in_assistance().await.map_err(err)? {
        // The household's own rule (its region's, most specific first).
        let Some(rule) = app::domain::monitoring::rules_for(&rules, &region_code)
            .into_iter()
            .find(|r| r.kind == RuleKind::EntitledNotReceived && r.enabled)
        else {
            continue;
        };
        let apps = store
            .household_applications(&household_id)
            .await
            .map_err(err)?;
        let Some(latest) = apps
            .last()
            .filter(|a| a.summary.status == ApplicationStatus::Approved)
        else {
            continue;
        };
        let Some(rec) = store
            .latest_assessment(&latest.summary.number)
            .await
            .map_err(err)?
        else {
            continue;
        };
        let Ok(assessment) = serde_json::from_str::<app::domain::policy::assess::Assessment>(
            &rec.stored.assessment_json,
        ) else {
            continue;
        };
        let aids: Vec<_> = store
            .assistance_of(&household_id)
            .await
            .map_err(err)?
            .into_iter()
            .map(|r| r.aid)
            .collect();
        let flags = app::domain::chain::flags(&aids, Some(&assessment), today);
        let Some((rule, facts)) =
            app::domain::monitoring::entitlement_warning(std::slice::from_ref(&rule), &flags)
        else {
            continue;
        };
        let added = store
            .raise_warning(app::store::NewWarning {
                household_id,
                region_code,
                kind: rule.kind,
                level: rule.level,
                trigger_json: serde_json::to_string(&facts)?,
                visit_due: today + chrono::Days::new(rule.visit_days.max(0) as u64),
                now,
            })
            .await
            .map_err(err)?;
        raised += usize::from(added);
    }
    Ok(raised)
}
