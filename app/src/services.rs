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
    /// Stores bytes under their SHA-256 and returns the hex hash; storing twice is harmless.
    async fn put(&self, bytes: &[u8]) -> Result<String, String>;
    async fn get(&self, hash: &str) -> Result<Vec<u8>, String>;
}

/// Settings server functions need; the full configuration lives in the `server` crate.
#[derive(Clone, Debug)]
pub struct PortalSettings {
    pub max_failed_logins: i64,
    pub lockout_minutes: i64,
    pub code_ttl_minutes: i64,
}

#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub notifier: Arc<dyn Notifier>,
    pub settings: PortalSettings,
}

pub fn services() -> Result<Services, AppError> {
    leptos::prelude::use_context::<Services>()
        .ok_or_else(|| AppError::internal("Services missing from context"))
}

/// The clock the browser and the server share (milliseconds UTC; today in China), and the demo
/// offset the server's clock may carry in demo mode.
pub use crate::clock::{demo as demo_clock, now_millis, today_in_china};
