//! What server functions reach through context: storage, blobs, the notifier and settings.
//! Built once by the `server` crate at startup.

use crate::error::AppError;
use crate::store::Store;
use async_trait::async_trait;
use std::sync::Arc;

/// Carries messages (verification codes) to a phone. SMS cannot be reached here, so the
/// shipped implementation logs; a gateway plugs in behind this trait.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn send_sms(&self, phone: &str, text: &str) -> Result<(), String>;
}

/// Content-addressed storage for uploaded proofs (a directory under `data/`, or S3-compatible).
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores bytes under their SHA-256 and returns the hex hash; storing twice is harmless
    /// (and makes the file young again, so a sweep that started before leaves it).
    async fn put(&self, bytes: &[u8]) -> Result<String, String>;
    async fn get(&self, hash: &str) -> Result<Vec<u8>, String>;
    /// The hashes of files last written before `before` (milliseconds UTC).
    async fn older_than(&self, before: i64) -> Result<Vec<String>, String>;
    /// Removes a file if it is still older than `before` (a `put` since keeps it).
    async fn remove_if_older(&self, hash: &str, before: i64) -> Result<bool, String>;
}

/// Settings server functions need; the full configuration lives in the `server` crate.
#[derive(Clone, Debug)]
pub struct PortalSettings {
    /// Sign-in attempts per (account, client address), and failures per client address, in a
    /// window of `lockout_minutes`.
    pub max_failed_logins: i64,
    pub max_failed_logins_per_client: i64,
    pub lockout_minutes: i64,
    pub code_ttl_minutes: i64,
    /// Seconds between two verification SMS to one phone.
    pub sms_interval_seconds: i64,
    /// Verification SMS a day to one phone, and from one client address.
    pub sms_per_phone_per_day: i64,
    pub sms_per_client_per_day: i64,
}

/// The address of the client a request came from, as the server worked it out (trusted proxies
/// only: `server::config::Config::client_address`); in every request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

#[cfg(feature = "ssr")]
tokio::task_local! {
    /// The client of the request this task serves, set by `server::http::client_address`
    /// around the whole request, so that an audit record anywhere in it can name the address.
    pub static CLIENT: ClientAddr;
}

/// The client of the request being served, if this task serves one (a background job does
/// not). The streamed rest of a page, rendered after its handler returned, finds it in the
/// request the page's context holds.
#[cfg(feature = "ssr")]
pub fn current_client() -> Option<std::net::IpAddr> {
    CLIENT.try_with(|c| c.0).ok().or_else(|| {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<ClientAddr>().map(|c| c.0))
    })
}

/// The reads of people's data already recorded while serving one request (a page, or a server
/// function called by itself), by action and object: a page whose parts ask for the same record
/// twice (a case's data for two of its cards, a page's parts rendered again while it streams)
/// is one read in the audit trail. Provided with each request's context (`server::startup`).
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct RequestReads(
    std::sync::Arc<std::sync::Mutex<std::collections::HashSet<(String, String)>>>,
);

#[cfg(feature = "ssr")]
impl RequestReads {
    /// Whether this read of `object` by `action` is the request's first (then it is noted). Out
    /// of a request's context every read is a first.
    pub fn first(action: &str, object: &str) -> bool {
        match leptos::prelude::use_context::<RequestReads>() {
            Some(reads) => reads
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert((action.to_owned(), object.to_owned())),
            None => true,
        }
    }
}

/// What a page's parts read alike, read once per page: a page's server functions each load the
/// record they check (the household file's three load the household, the application page's two
/// the application), and on PostgreSQL each load is round trips. Only while a page renders (a
/// GET): a server function called on its own (a POST) may change a record and read it again.
/// Each caller still checks the record against its own rules. Provided with each request's
/// context (`server::startup`).
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct PageReads(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, PageRead>>>);

/// One record a page read, once it is (of the type its key names).
#[cfg(feature = "ssr")]
type PageRead =
    std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<dyn std::any::Any + Send + Sync>>>;

#[cfg(feature = "ssr")]
impl PageReads {
    /// `load`'s answer for `key`: loaded by the first part of the page that asks (the others
    /// wait for it), or at once outside a page's render. A failed load is not kept.
    pub async fn once<T, F, Fut>(key: &str, load: F) -> Result<T, AppError>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        let page = leptos::prelude::use_context::<http::request::Parts>()
            .is_some_and(|p| p.method == http::Method::GET);
        let Some(reads) = leptos::prelude::use_context::<PageReads>().filter(|_| page) else {
            return load().await;
        };
        let cell = reads
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(format!("{}:{key}", std::any::type_name::<T>()))
            .or_default()
            .clone();
        let value = cell
            .get_or_try_init(|| async {
                load().await.map(|v| {
                    std::sync::Arc::new(v) as std::sync::Arc<dyn std::any::Any + Send + Sync>
                })
            })
            .await?;
        value
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| AppError::internal("a page read of another type"))
    }
}

/// The calling client's address (`ClientAddr`).
#[cfg(feature = "ssr")]
pub async fn client_addr() -> Result<std::net::IpAddr, AppError> {
    leptos_axum::extract::<axum::Extension<ClientAddr>>()
        .await
        .map(|axum::Extension(ClientAddr(ip))| ip)
        .map_err(|_| AppError::internal("client address missing"))
}

#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    /// Keyed digests with the server's key (every process of one deployment shares it).
    pub keyed: Arc<dyn Keyed>,
    pub blobs: Arc<dyn BlobStore>,
    pub notifier: Arc<dyn Notifier>,
    pub settings: PortalSettings,
}

/// A keyed digest (HMAC-SHA-256) of a value of some `kind`: equal values give equal digests, and
/// none can be made or reversed without the server's key. For tokens the server hands out and
/// reads back (the complaint form's question) and for keeping a value without keeping it (the
/// address a complaint came from).
pub trait Keyed: Send + Sync {
    fn digest(&self, kind: &str, value: &str) -> String;
}

pub fn services() -> Result<Services, AppError> {
    leptos::prelude::use_context::<Services>()
        .ok_or_else(|| AppError::internal("Services missing from context"))
}

/// The id of a record a caller asks for with a key of its own (made by a form or a device, so
/// that a resend records once). The server makes it from the key and the caller, under the
/// prefix of the record's kind: no caller chooses a record id, two callers' keys never meet, and
/// no key reaches the ids the server gives its own records (`decision-…`, `referral-…`).
/// A key is at most 64 letters, digits and `-`; an empty key (no resend to guard) gets a new id.
#[cfg(feature = "ssr")]
pub fn record_id(prefix: &str, caller: &str, key: &str) -> Result<String, AppError> {
    use sha2::{Digest, Sha256};
    let key = key.trim();
    if key.len() > 64 || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::BadRequest);
    }
    if key.is_empty() {
        return Ok(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
    }
    let digest = Sha256::new()
        .chain_update(caller.as_bytes())
        .chain_update([0])
        .chain_update(key.as_bytes())
        .finalize();
    Ok(format!("{prefix}-{}", &hex::encode(digest)[..32]))
}

/// The clock the browser and the server share (milliseconds UTC; today in China), and the demo
/// offset the server's clock may carry in demo mode.
pub use crate::clock::{demo as demo_clock, now_millis, today_in_china};

#[cfg(all(test, feature = "ssr"))]
mod page_reads_tests {
    use super::{AppError, PageReads};
    use leptos::prelude::{provide_context, Owner};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Two parts of one page asking at once load the record once; two parts of a server
    /// function's call (a POST) load it each time, as does a load outside any request.
    #[tokio::test]
    async fn a_page_loads_a_shared_record_once_and_a_post_each_time() {
        for (method, loads) in [(http::Method::GET, 1), (http::Method::POST, 2)] {
            let owner = Owner::new();
            owner.set();
            let (parts, ()) = http::Request::builder()
                .method(method.clone())
                .body(())
                .unwrap()
                .into_parts();
            provide_context(parts);
            provide_context(PageReads::default());
            let count = AtomicUsize::new(0);
            let load = || async {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Ok::<_, AppError>(String::from("the household"))
            };
            let (a, b) = tokio::join!(PageReads::once("h1", load), PageReads::once("h1", load));
            assert_eq!(
                (a.unwrap(), b.unwrap()),
                ("the household".into(), "the household".into())
            );
            assert_eq!(count.load(Ordering::SeqCst), loads, "{method}");
            // Another record is another load.
            PageReads::once("h2", load).await.unwrap();
            assert_eq!(count.load(Ordering::SeqCst), loads + 1, "{method}");
        }
        let owner = Owner::new();
        owner.set();
        let count = AtomicUsize::new(0);
        for _ in 0..2 {
            PageReads::once("h1", || async {
                count.fetch_add(1, Ordering::SeqCst);
                Ok::<_, AppError>(1)
            })
            .await
            .unwrap();
        }
        assert_eq!(count.load(Ordering::SeqCst), 2, "outside a request");
    }
}
