//! Sessions live in the database (tower-sessions' sqlx stores), so several server processes
//! behind a load balancer share them. The backend is chosen at run time, hence this enum.

use crate::store::dialect::Db;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Clone, Debug)]
pub enum Sessions {
    /// The store, and the database's queue of writers: session writes take their turn like
    /// every other write (`crate::store::dialect`), so no writer meets SQLite's sleeping busy
    /// handler. They are not waited on to be flushed: a session lost to a power cut only signs
    /// its user out.
    Sqlite(SqliteStore, std::sync::Arc<crate::store::wal_sync::WalSync>),
    Postgres(PostgresStore),
}

/// A session writer that waited too long for its turn.
fn busy() -> session_store::Error {
    session_store::Error::Backend("the database is busy: no turn to write".into())
}

impl Sessions {
    pub async fn for_backend(backend: &crate::store::Backend) -> anyhow::Result<Self> {
        Ok(match backend.db() {
            Db::Sqlite(pool, sync) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                Sessions::Sqlite(store, sync.clone())
            }
            Db::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                Sessions::Postgres(store)
            }
        })
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, w) => {
                let _turn = w.write_lock().await.ok_or_else(busy)?;
                s.create(record).await
            }
            Sessions::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, w) => {
                let _turn = w.write_lock().await.ok_or_else(busy)?;
                s.save(record).await
            }
            Sessions::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s, _) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, w) => {
                let _turn = w.write_lock().await.ok_or_else(busy)?;
                s.delete(id).await
            }
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, w) => {
                let _turn = w.write_lock().await.ok_or_else(busy)?;
                s.delete_expired().await
            }
            Sessions::Postgres(s) => s.delete_expired().await,
        }
    }
}
