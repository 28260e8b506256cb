//! Stored files in an S3-compatible object store (`object_store`), for several server processes
//! behind a load balancer: a file uploaded through one is served by any other. Chosen when
//! `Config::s3_bucket` is set; the local disk (`services::FsBlobStore`) stays the default.
//!
//! Objects are named as on disk (`PREFIX/ab/cd/<sha256>`) and sealed the same way
//! (`FieldCipher::seal_bytes`, bound to the name): the object store's operators see no ID card,
//! bill or photo, and a copy of the bucket shows none.

use app::services::BlobStore;
use async_trait::async_trait;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

/// Where the object store is and how to sign in to it (`Config`'s `s3_*` settings).
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// e.g. `http://10.0.0.5:9000` (MinIO, Ceph, a cloud's compatible endpoint); `None`: AWS.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Names start with it (several deployments may share a bucket).
    pub prefix: String,
}

pub struct S3BlobStore {
    store: AmazonS3,
    prefix: String,
    cipher: crate::crypto::FieldCipher,
}

fn is_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl S3BlobStore {
    pub fn new(s: &S3Settings, cipher: crate::crypto::FieldCipher) -> anyhow::Result<Self> {
        // rustls on `ring` for HTTPS endpoints (set once per process; a second call is a no-op).
        // Deprecated only for lacking post-quantum key exchange, which needs aws-lc (cmake and a
        // long C build here); an object store inside the government network is what it speaks to.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region);
        if let Some(endpoint) = &s.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(k) = &s.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(k) = &s.secret_access_key {
            b = b.with_secret_access_key(k);
        }
        Ok(Self {
            store: b.build()?,
            prefix: s.prefix.trim_matches('/').to_string(),
            cipher,
        })
    }

    /// Writes and removes a small object: the bucket is there and the credentials may write.
    /// Run at start, so that a wrong endpoint, bucket or key stops the server then, not a
    /// resident's first upload.
    pub async fn check(&self) -> anyhow::Result<()> {
        let probe = Path::from(format!(
            "{}/probe-{}",
            self.prefix,
            uuid::Uuid::new_v4().simple()
        ));
        let unreachable = |e: object_store::Error| {
            anyhow::anyhow!("the object store cannot be written (endpoint, bucket, keys?): {e}")
        };
        self.store
            .put(&probe, PutPayload::from_static(b"doudi"))
            .await
            .map_err(unreachable)?;
        self.store.delete(&probe).await.map_err(unreachable)?;
        Ok(())
    }

    fn path(&self, hash: &str) -> Result<Path, String> {
        if !is_hash(hash) {
            return Err("bad hash".into());
        }
        Ok(Path::from(format!(
            "{}/{}/{}/{hash}",
            self.prefix,
            &hash[..2],
            &hash[2..4]
        )))
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    /// A put always writes: writing again makes the object young again (its last-modified time
    /// is what the sweep of unused files reads), like touching the file on disk.
    async fn put(&self, bytes: &[u8]) -> Result<String, String> {
        let hash = hex::encode(Sha256::digest(bytes));
        let sealed = self.cipher.seal_bytes(&hash, bytes);
        self.store
            .put(&self.path(&hash)?, PutPayload::from(sealed))
            .await
            .map_err(|e| e.to_string())?;
        Ok(hash)
    }

    async fn get(&self, hash: &str) -> Result<Vec<u8>, String> {
        let stored = self
            .store
            .get(&self.path(hash)?)
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        self.cipher.open_bytes(hash, &stored)
    }

    async fn older_than(&self, before: i64) -> Result<Vec<String>, String> {
        let prefix = Path::from(self.prefix.as_str());
        let mut listing = self.store.list(Some(&prefix));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| e.to_string())?;
            let Some(name) = meta.location.filename() else {
                continue;
            };
            if is_hash(name) && meta.last_modified.timestamp_millis() < before {
                out.push(name.to_string());
            }
        }
        Ok(out)
    }

    async fn remove_if_older(&self, hash: &str, before: i64) -> Result<bool, String> {
        let path = self.path(hash)?;
        let meta = match self.store.head(&path).await {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e.to_string()),
        };
        if meta.last_modified.timestamp_millis() >= before {
            return Ok(false);
        }
        self.store.delete(&path).await.map_err(|e| e.to_string())?;
        Ok(true)
    }
}
