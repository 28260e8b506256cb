#![recursion_limit = "512"]
//! The Doudi server: configuration, startup, the `Store` implementations, sessions, uploads.
//! `main.rs` only wires these together; tests spawn `startup::Application` on port 0.

pub mod assets;
pub mod audit_export;
pub mod backup;
pub mod config;
pub mod crypto;
pub mod fuzz;
pub mod http;
pub mod imports;
pub mod intake;
pub mod jobs;
pub mod machine;
pub mod metrics;
pub mod payments;
pub mod rosters;
pub mod s3;
pub mod seed;
pub mod services;
pub mod sessions;
pub mod startup;
pub mod statistics;
pub mod store;
pub mod upload;

/// The allocator of the server and of everything built on this library (its examples and
/// tests): jemalloc. With glibc's, allocation was ~13 % of a submission's CPU, much of it
/// consolidating and unlinking free chunks across the runtime's threads. (mimalloc was as fast
/// for submissions but stalled the load run: sign-in p99 633 ms and every route's tail with it,
/// most likely by giving each sign-in's 19 MiB of Argon2 memory back to the system and faulting
/// it in again; not traced further.)
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Installs the tracing subscriber (text or JSON lines), filtered by `RUST_LOG`.
pub fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
