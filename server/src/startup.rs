//! Builds the whole application from a `Config`: database, services, sessions, routes and
//! layers. Binding is separate from serving so tests can spawn the app on port 0.

use crate::config::Config;
use crate::services::{FsBlobStore, LoggingNotifier};
use crate::sessions::Sessions;
use crate::{http, seed, store, upload};
use app::auth::Backend;
use app::services::{PortalSettings, Services};
use app::ui::{portal_shell, shell, App, PortalApp};
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};
use axum::Router;
use axum_login::AuthManagerLayerBuilder;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::convert::Infallible;
use std::sync::Arc;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

/// What every handler and middleware reads: cloned for each of them on every request (axum's
/// `State`), so one `Arc` (cloning the fields themselves cost ~4 % of a submission's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The whole application's routes, and the addresses the residents' portal serves (with its own,
/// smaller WASM; every other page with the whole application's): listed once per process.
///
/// Listing runs the application with resources held back, through a flag of `leptos_server`'s
/// that is global to the process: a resource first polled anywhere while it is set waits for
/// ever (leptos-rs/leptos#4773). Once per process, before any of its applications serves,
/// nothing renders meanwhile; a second application started in the same process (the tests
/// start one per test, beside others serving pages) used to list them again while another's
/// page loaded, and that page's response never ended (seen twice under `make test`).
fn route_lists() -> &'static (Vec<leptos_axum::AxumRouteListing>, Arc<Vec<String>>) {
    static LISTS: std::sync::OnceLock<(Vec<leptos_axum::AxumRouteListing>, Arc<Vec<String>>)> =
        std::sync::OnceLock::new();
    LISTS.get_or_init(|| {
        let portal = generate_route_list(PortalApp)
            .iter()
            .map(|r| r.path().to_string())
            .collect();
        (generate_route_list(App), Arc::new(portal))
    })
}

/// Leptos's routes read the options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The fields of `AppState`.
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub notifier: Arc<LoggingNotifier>,
    pub config: Arc<Config>,
    /// The field cipher (`crate::crypto`), for what keys or seals outside the store.
    pub cipher: crate::crypto::FieldCipher,
    /// Imports running in this process, for their uploaders' progress bars.
    pub imports: crate::imports::Running,
    /// The build output's version, under which pages name its files (`crate::assets`).
    pub pkg_version: Arc<str>,
    /// The database pool itself, for what is about the pool (readiness, `/metrics`).
    pub db: crate::store::dialect::Db,
    /// One permit per request being served (`http::shed_load`).
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// One permit per roster export being written (`crate::rosters::EXPORTS_AT_ONCE`).
    pub exports: Arc<tokio::sync::Semaphore>,
}

pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    jobs: Option<crate::jobs::Jobs>,
    pub state: AppState,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let cipher = config.field_cipher()?;
        let backend = store::connect(
            &config.database_url,
            config.db_max_connections,
            cipher.clone(),
        )
        .await?;
        let sealed = backend.seal_existing().await?;
        let keyed = backend.key_caseload_names().await?;
        let grades = backend.seal_caseload_grades().await?;
        if grades > 0 {
            tracing::info!(
                grades,
                "disability grades of persons taken in from rosters sealed"
            );
        }
        if keyed > 0 {
            tracing::info!(
                keyed,
                "names of persons taken in from rosters keyed for search"
            );
        }
        if sealed > 0 {
            tracing::info!(
                sealed,
                "drafts and declarations from before field encryption sealed"
            );
        }
        let store = backend.store();
        // Households taken in before an intake decided them: on the rolls from now on.
        let rows = app::api::policy::param_rows(store.as_ref()).await?;
        let today = app::services::today_in_china();
        let decided = backend
            .decide_caseload(today, app::services::now_millis(), |region| {
                app::domain::cycle::review_cycle(&rows, region, today)
            })
            .await?;
        if decided > 0 {
            tracing::info!(
                decided,
                "households taken in from rosters given their decision in force"
            );
        }
        let chained = store.chain_audit_backlog().await?;
        if chained > 0 {
            tracing::info!(chained, "audit records from before the hash chain chained");
        }
        let blobs: Arc<dyn app::services::BlobStore> = match &config.s3_bucket {
            Some(bucket) => {
                let settings = crate::s3::S3Settings {
                    endpoint: config.s3_endpoint.clone(),
                    bucket: bucket.clone(),
                    region: config.s3_region.clone(),
                    access_key_id: config.s3_access_key_id.clone(),
                    secret_access_key: config.s3_secret_access_key.clone(),
                    prefix: config.s3_prefix.clone(),
                };
                tracing::info!(bucket = %bucket, endpoint = ?config.s3_endpoint, "stored files in an object store");
                let store = crate::s3::S3BlobStore::new(&settings, cipher.clone())?;
                store.check().await?;
                Arc::new(store)
            }
            None => {
                let disk = FsBlobStore {
                    root: config.data_dir.join("blobs"),
                    cipher: cipher.clone(),
                };
                let sealed_files = disk.seal_existing().await.map_err(anyhow::Error::msg)?;
                if sealed_files > 0 {
                    tracing::info!(
                        sealed_files,
                        "stored files from before field encryption sealed"
                    );
                }
                Arc::new(disk)
            }
        };
        let notifier = Arc::new(LoggingNotifier::new(config.demo));
        if config.demo {
            tracing::warn!("demo mode: verification codes are logged and shown at /dev/outbox");
        } else {
            tracing::warn!("no SMS gateway configured: verification codes cannot be delivered");
        }
        let services = Services {
            store: store.clone(),
            keyed: Arc::new(cipher.clone()),
            blobs: blobs.clone(),
            notifier: notifier.clone(),
            settings: PortalSettings {
                max_failed_logins: config.max_failed_logins,
                max_failed_logins_per_client: config.max_failed_logins_per_client,
                lockout_minutes: config.lockout_minutes,
                code_ttl_minutes: config.code_ttl_minutes,
                sms_interval_seconds: config.sms_interval_seconds,
                sms_per_phone_per_day: config.sms_per_phone_per_day,
                sms_per_client_per_day: config.sms_per_client_per_day,
            },
        };
        if config.demo {
            seed::seed_demo(&services).await?;
        }

        let jobs = crate::jobs::spawn(
            services.store.clone(),
            services.blobs.clone(),
            std::time::Duration::from_secs(config.job_interval_secs.max(1)),
            std::time::Duration::from_secs(config.job_lease_secs.max(1) as u64),
            std::time::Duration::from_secs(config.stats_refresh_secs.max(1)),
            crate::jobs::Retention {
                audit_days: config.audit_retention_days,
                login_attempts_ms: config.lockout_minutes * 60_000,
            },
        );

        let sessions = Sessions::for_backend(&backend).await?;
        tokio::spawn(
            sessions
                .clone()
                .continuously_delete_expired(tokio::time::Duration::from_secs(600)),
        );
        let session_layer = SessionManagerLayer::new(sessions)
            .with_name("doudi.sid")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(config.secure_cookies())
            .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
                config.session_idle_minutes,
            )));
        let auth_layer = AuthManagerLayerBuilder::new(Backend { store }, session_layer).build();

        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let env = if std::env::var("LEPTOS_ENV").is_ok_and(|e| e.eq_ignore_ascii_case("dev")) {
            leptos::config::Env::DEV
        } else {
            leptos::config::Env::PROD
        };
        let pkg_version: Arc<str> = crate::assets::version(&config.site_root).into();
        let leptos_options = LeptosOptions::builder()
            .output_name("doudi")
            .site_root(config.site_root.as_str())
            .site_pkg_dir(format!("{}/{pkg_version}", crate::assets::PKG_DIR))
            .site_addr(addr)
            .env(env)
            .build();
        let in_flight = Arc::new(tokio::sync::Semaphore::new(config.requests_in_flight()));
        let state = AppState(Arc::new(Shared {
            leptos_options: leptos_options.clone(),
            services: services.clone(),
            notifier,
            config: Arc::new(config),
            cipher,
            imports: Default::default(),
            pkg_version,
            db: backend.db().clone(),
            in_flight,
            exports: Arc::new(tokio::sync::Semaphore::new(crate::rosters::EXPORTS_AT_ONCE)),
        }));

        let (routes, portal_paths) = route_lists();
        let routes = routes.clone();
        let portal_paths = portal_paths.clone();
        let context = {
            let services = services.clone();
            move || {
                provide_context(services.clone());
                // Each request's own (a page, or a server function): `audit_read` records
                // a read once per request.
                provide_context(app::services::RequestReads::default());
                // And what its parts read alike, read once (a page's render only).
                provide_context(app::services::PageReads::default());
            }
        };
        let router = Router::new()
            .route(
                "/attachments",
                // Multipart reads obey axum's body limit; it answers 413 beyond one file and its fields.
                post(upload::upload)
                    .layer::<_, Infallible>(DefaultBodyLimit::max(http::ATTACHMENT_BODY_MAX)),
            )
            .route("/attachments/{id}", get(upload::download))
            .route(
                "/charity/proof/{id}",
                get(upload::charity_proof)
                    .post(upload::charity_proof_upload)
                    .layer::<_, Infallible>(DefaultBodyLimit::max(http::ATTACHMENT_BODY_MAX)),
            )
            .route("/visit-files/{hash}", get(upload::visit_file))
            .route(
                "/complaints/files",
                post(upload::complaint_file_upload)
                    .layer::<_, Infallible>(DefaultBodyLimit::max(http::ATTACHMENT_BODY_MAX)),
            )
            .route("/complaints/files/{id}", get(upload::complaint_file))
            .route(
                "/leads/files",
                post(upload::lead_file_upload)
                    .layer::<_, Infallible>(DefaultBodyLimit::max(http::ATTACHMENT_BODY_MAX)),
            )
            .route("/leads/files/{id}", get(upload::lead_file))
            .route("/audit/export.xlsx", get(crate::audit_export::export))
            .route("/statistics/report.xlsx", get(crate::statistics::report))
            .route("/statistics/review.xlsx", get(crate::statistics::review))
            .route("/payments/{roll}/{file}", get(crate::payments::bank_file))
            .route(
                "/payments/{roll}/return",
                post(crate::payments::bank_return)
                    .layer::<_, Infallible>(DefaultBodyLimit::max(http::BANK_RETURN_BODY_MAX)),
            )
            .route(
                "/rosters/{file}",
                get(crate::rosters::download).post(crate::rosters::download_posted),
            )
            .route(
                "/imports/{id}/report.xlsx",
                get(crate::imports::report_xlsx),
            )
            .route("/imports/progress/{run}", get(crate::imports::progress))
            .route(
                "/imports",
                post(crate::imports::upload)
                    .layer::<_, Infallible>(DefaultBodyLimit::max(http::IMPORT_BODY_MAX)),
            )
            .route(
                "/intake",
                post(crate::intake::upload)
                    .layer::<_, Infallible>(DefaultBodyLimit::max(http::IMPORT_BODY_MAX)),
            )
            .route("/intake/template/{file}", get(crate::intake::template))
            // The machine API for departments' systems (signed calls, its own errors).
            .merge(crate::machine::routes())
            .route("/pkg/{*file}", get(crate::assets::serve))
            .route("/healthz", get(http::healthz))
            .route("/readyz", get(http::readyz))
            .route("/metrics", get(crate::metrics::endpoint))
            .route("/dev/outbox", get(http::outbox))
            .route(
                "/dev/clock",
                get(http::demo_clock).post(http::demo_clock_set),
            )
            .leptos_routes_with_context(&state, routes, context.clone(), {
                let o = leptos_options.clone();
                move || {
                    let parts = use_context::<axum::http::request::Parts>();
                    let path = parts
                        .as_ref()
                        .map(|p| p.uri.path().to_string())
                        .unwrap_or_default();
                    // Staff opening a resident's page (an application) get the whole application,
                    // which holds their actions.
                    let staff = parts
                        .as_ref()
                        .and_then(|p| p.extensions.get::<app::auth::AuthSession>())
                        .and_then(|s| s.user.as_ref())
                        .is_some_and(|u| u.current().role.is_staff());
                    if !staff
                        && portal_paths
                            .iter()
                            .any(|pattern| http::route_matches(pattern, &path))
                    {
                        portal_shell(o.clone())
                    } else {
                        shell(o.clone())
                    }
                }
            })
            .route("/login", post(http::form_sent_too_early))
            .route("/register", post(http::form_sent_too_early))
            // Which route took a request, for `crate::metrics::track` (outermost).
            .route_layer(axum::middleware::from_fn(crate::metrics::note_route))
            .fallback(leptos_axum::file_and_error_handler_with_context::<
                AppState,
                _,
            >(context, shell))
            // Server functions read their body through axum's extractor limit (2 MB by default);
            // `api_body_limit` below sets the real, per-endpoint limits, so this one only has to
            // let the largest through (a home visit with its photos).
            .layer(DefaultBodyLimit::max(
                app::domain::visit::MAX_VISIT_BODY_BYTES,
            ))
            .layer(axum::middleware::from_fn(http::server_fn_status))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::session_lifetime,
            ))
            .layer(auth_layer)
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::api_body_limit,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::auth_rate_limit,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::origin_check,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::security_headers,
            ))
            // First of all: who the client is (`http::ClientAddr`), for limits and audit.
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::client_address,
            ))
            // Before anything reads the database (the session): a request beyond what the
            // process serves well is answered 503 at once.
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::shed_load,
            ))
            .with_state(state.clone());
        let router = http::with_observability(router)
            .layer(http::compression())
            .layer(axum::middleware::from_fn(crate::metrics::track));
        crate::metrics::handle();
        Ok(Self {
            listener,
            router,
            jobs: Some(jobs),
            state,
        })
    }

    /// Stops the background jobs (they give back what they claimed): for what needs the
    /// database still, such as a test comparing it with its backup.
    pub async fn stop_background_jobs(&mut self) {
        if let Some(jobs) = self.jobs.take() {
            jobs.stop(std::time::Duration::from_secs(30)).await;
        }
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until SIGTERM or Ctrl-C, then stops gracefully: no new connections; the
    /// requests in flight get `shutdown_grace_secs` to finish; the background jobs finish the
    /// item in hand and give back what they claimed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        use std::future::IntoFuture;
        let grace = std::time::Duration::from_secs(self.state.config.shutdown_grace_secs);
        // Streamed SSR writes in several pieces; without TCP_NODELAY each waits for a delayed ACK.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        // Before the first request is answered (see `shutdown_signal`).
        let signalled = shutdown_signal();
        let (stopping, mut stop) = tokio::sync::watch::channel(false);
        let serving = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .into_future();
        tokio::pin!(serving);
        tokio::select! {
            served = &mut serving => return served,
            signal = signalled => {
                tracing::info!(signal, grace_secs = grace.as_secs(), "stopping: finishing the requests in flight");
            }
        }
        let _ = stopping.send(true);
        let jobs = async {
            match self.jobs {
                Some(jobs) => jobs.stop(grace).await,
                None => true,
            }
        };
        let (served, jobs_stopped) = tokio::join!(tokio::time::timeout(grace, &mut serving), jobs);
        if !jobs_stopped {
            tracing::warn!(
                "background jobs still busy at the end of the grace period; their leases will end"
            );
        }
        // SQLite writes its log back into the database file as the last connection closes.
        if tokio::time::timeout(grace, self.state.db.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still busy; not waiting for them");
        }
        match served {
            Ok(result) => {
                tracing::info!("stopped");
                result
            }
            Err(_) => {
                tracing::warn!(
                    grace_secs = grace.as_secs(),
                    "requests still running at the end of the grace period; stopping anyway"
                );
                Ok(())
            }
        }
    }
}

/// Listens for SIGTERM (what service managers and container runtimes send) and Ctrl-C, and
/// resolves naming which came first. The handlers are installed here, before the future is
/// polled: the caller does this before it answers any request, so a signal sent as soon as the
/// server answers (a supervisor's readiness check, then a stop) is never met by the default
/// action, which ends the process at once.
fn shutdown_signal() -> impl std::future::Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate())
            .inspect_err(|e| tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops gracefully"))
            .ok();
        let int = signal(SignalKind::interrupt())
            .inspect_err(|e| tracing::warn!(error = %e, "cannot listen for Ctrl-C"))
            .ok();
        async move {
            async fn next(s: Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                _ = next(term) => "SIGTERM",
                _ = next(int) => "SIGINT",
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}
