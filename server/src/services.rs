//! Shipped implementations of the app's service traits: the logging notifier and the
//! content-addressed blob store on the local disk.

use app::services::{BlobStore, Notifier};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;

/// Stands in for an SMS gateway (none can be reached from here; a real one implements
/// `Notifier`). In demo mode it logs each message and keeps the last ones for /dev/outbox;
/// otherwise it delivers nothing and logs only that a message was not delivered, its digits
/// hidden: a verification code is never written to a log outside demo mode.
#[derive(Default)]
pub struct LoggingNotifier {
    pub outbox: Option<Mutex<VecDeque<(String, String)>>>,
}

impl LoggingNotifier {
    pub fn new(demo: bool) -> Self {
        Self {
            outbox: demo.then(|| Mutex::new(VecDeque::new())),
        }
    }

    pub fn recent(&self) -> Vec<(String, String)> {
        self.outbox
            .as_ref()
            .map(|o| o.lock().expect("outbox lock").iter().cloned().collect())
            .unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for LoggingNotifier {
    async fn send_sms(&self, phone: &str, text: &str) -> Result<(), String> {
        let masked = app::domain::phone::Phone::parse(phone)
            .map(|p| p.masked())
            .unwrap_or_default();
        let Some(outbox) = &self.outbox else {
            let hidden: String = text
                .chars()
                .map(|c| if c.is_ascii_digit() { '*' } else { c })
                .collect();
            tracing::error!(to = %masked, text = %hidden, "SMS not delivered: no SMS gateway configured");
            return Err("no SMS gateway configured".into());
        };
        // Demo mode: the log and /dev/outbox are this notifier's carrier.
        tracing::info!(to = %masked, %text, "SMS (demo: shown at /dev/outbox)");
        let mut o = outbox.lock().map_err(|e| e.to_string())?;
        o.push_front((phone.to_string(), text.to_string()));
        o.truncate(50);
        Ok(())
    }
}

/// When a file was last written, in milliseconds UTC.
fn modified_ms(path: &std::path::Path) -> Option<i64> {
    let m = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(m.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64)
}

/// Files under `root/ab/cd/<sha256>`; identical uploads share one file.
/// Files (attachments, visit photos and signatures, proofs of delivery) on the local disk,
/// each named by the SHA-256 of its content and stored sealed (`FieldCipher::seal_bytes`,
/// bound to that name): a copy of the directory shows no ID card, bill or photo.
pub struct FsBlobStore {
    pub root: PathBuf,
    pub cipher: crate::crypto::FieldCipher,
}

impl FsBlobStore {
    fn path(&self, hash: &str) -> Result<PathBuf, String> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("bad hash".into());
        }
        Ok(self.root.join(&hash[..2]).join(&hash[2..4]).join(hash))
    }

    /// Seals every file still stored in clear (written before encryption), in place (a
    /// temporary file renamed over it, its modification time kept for the sweep of unused
    /// files); returns how many. A file whose content does not match its name is left alone
    /// and logged. Run at start.
    pub async fn seal_existing(&self) -> Result<usize, String> {
        let root = self.root.clone();
        let cipher = self.cipher.clone();
        tokio::task::spawn_blocking(move || {
            let mut sealed = 0;
            for a in std::fs::read_dir(&root).into_iter().flatten().flatten() {
                for b in std::fs::read_dir(a.path()).into_iter().flatten().flatten() {
                    for f in std::fs::read_dir(b.path()).into_iter().flatten().flatten() {
                        let name = f.file_name().to_string_lossy().to_string();
                        if name.len() != 64 || !name.bytes().all(|c| c.is_ascii_hexdigit()) {
                            continue;
                        }
                        let path = f.path();
                        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
                        if crate::crypto::FieldCipher::is_sealed_bytes(&bytes) {
                            continue;
                        }
                        if hex::encode(Sha256::digest(&bytes)) != name {
                            tracing::error!(file = %path.display(), "stored file does not match its name; left as it is");
                            continue;
                        }
                        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
                        let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4()));
                        std::fs::write(&tmp, cipher.seal_bytes(&name, &bytes))
                            .map_err(|e| e.to_string())?;
                        let file = std::fs::File::options()
                            .append(true)
                            .open(&tmp)
                            .map_err(|e| e.to_string())?;
                        if let Some(m) = modified {
                            let _ = file.set_modified(m);
                        }
                        file.sync_all().map_err(|e| e.to_string())?;
                        std::fs::rename(&tmp, &path).map_err(|e| e.to_string())?;
                        sealed += 1;
                    }
                }
            }
            Ok(sealed)
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<String, String> {
        let hash = hex::encode(Sha256::digest(bytes));
        let path = self.path(&hash)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            // Young again: a sweep of unreferenced files leaves it while its new row is written.
            let touched = path.clone();
            let _ = tokio::task::spawn_blocking(move || {
                std::fs::File::options()
                    .append(true)
                    .open(&touched)
                    .and_then(|f| f.set_modified(std::time::SystemTime::now()))
            })
            .await;
            return Ok(hash);
        }
        let dir = path.parent().ok_or("no parent")?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| e.to_string())?;
        // Write to a temporary name and rename, so a crash never leaves a partial blob.
        let tmp = dir.join(format!("{hash}.{}.tmp", uuid::Uuid::new_v4()));
        tokio::fs::write(&tmp, self.cipher.seal_bytes(&hash, bytes))
            .await
            .map_err(|e| e.to_string())?;
        let f = tokio::fs::File::open(&tmp)
            .await
            .map_err(|e| e.to_string())?;
        f.sync_all().await.map_err(|e| e.to_string())?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| e.to_string())?;
        Ok(hash)
    }

    async fn get(&self, hash: &str) -> Result<Vec<u8>, String> {
        let stored = tokio::fs::read(self.path(hash)?)
            .await
            .map_err(|e| e.to_string())?;
        self.cipher.open_bytes(hash, &stored)
    }

    async fn older_than(&self, before: i64) -> Result<Vec<String>, String> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let Ok(level1) = std::fs::read_dir(&root) else {
                return Ok(out); // nothing stored yet
            };
            for a in level1.flatten() {
                for b in std::fs::read_dir(a.path()).into_iter().flatten().flatten() {
                    for f in std::fs::read_dir(b.path()).into_iter().flatten().flatten() {
                        let name = f.file_name().to_string_lossy().to_string();
                        let is_blob =
                            name.len() == 64 && name.bytes().all(|c| c.is_ascii_hexdigit());
                        if is_blob && modified_ms(&f.path()).is_some_and(|m| m < before) {
                            out.push(name);
                        }
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn remove_if_older(&self, hash: &str, before: i64) -> Result<bool, String> {
        let path = self.path(hash)?;
        tokio::task::spawn_blocking(move || {
            if modified_ms(&path).is_none_or(|m| m >= before) {
                return Ok(false);
            }
            std::fs::remove_file(&path)
                .map(|()| true)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}
