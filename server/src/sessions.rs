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
    ///
    /// A session is read, on every request, through the store's own statements (`Db`), which
    /// run on the request's thread: the same query the sqlx store runs, without its two thread
    /// hand-offs.
    Sqlite(
        SqliteStore,
        std::sync::Arc<crate::store::wal_sync::WalSync>,
        Db,
    ),
    Postgres(PostgresStore),
}

/// A session writer that waited too long for its turn.
fn busy() -> session_store::Error {
    session_store::Error::Backend("the database is busy: no turn to write".into())
}

impl Sessions {
    pub async fn for_backend(backend: &crate::store::Backend) -> anyhow::Result<Self> {
        Ok(match backend.db() {
            Db::Sqlite(pool, sync, _) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                Sessions::Sqlite(store, sync.clone(), backend.db().clone())
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
            Sessions::Sqlite(s, w, _) => {
                let _turn = w.write_lock().await.ok_or_else(busy)?;
                s.create(record).await
            }
            Sessions::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, w, _) => {
                let _turn = w.write_lock().await.ok_or_else(busy)?;
                s.save(record).await
            }
            Sessions::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(_, _, db) => load_here(db, id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, w, _) => {
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
            Sessions::Sqlite(s, w, _) => {
                let _turn = w.write_lock().await.ok_or_else(busy)?;
                s.delete_expired().await
            }
            Sessions::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// `SqliteStore::load`'s query and decoding (tower-sessions-sqlx-store 0.15: the table
/// `tower_sessions`, expiry stored as RFC 3339 text, the record as MessagePack), run through
/// the store's statements. `sessions::tests` checks it reads what the sqlx store wrote.
async fn load_here(db: &Db, id: &Id) -> session_store::Result<Option<Record>> {
    let backend = |e: &dyn std::fmt::Display| session_store::Error::Backend(e.to_string());
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| backend(&e))?;
    let row = crate::store::dialect::query(
        "SELECT data FROM tower_sessions WHERE id = $1 AND expiry_date > $2",
    )
    .bind(id.to_string())
    .bind(now)
    .fetch_optional(db)
    .await
    .map_err(|e| backend(&e))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let data: Vec<u8> = row.get(0).map_err(|e| backend(&e))?;
    rmp_serde::from_slice(&data)
        .map(Some)
        .map_err(|e| session_store::Error::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::session::Record;

    /// What the sqlx store saved, `load_here` reads back; an expired or unknown session is
    /// not found.
    #[tokio::test]
    async fn a_session_saved_by_the_sqlx_store_is_read_back_here() {
        let dir = tempfile::tempdir().unwrap();
        let backend = crate::store::connect(
            &format!("sqlite://{}/s.db", dir.path().display()),
            4,
            crate::crypto::FieldCipher::random(),
        )
        .await
        .unwrap();
        let sessions = Sessions::for_backend(&backend).await.unwrap();
        let Sessions::Sqlite(store, _, db) = &sessions else {
            panic!("SQLite")
        };
        let mut data = std::collections::HashMap::new();
        data.insert("user".to_string(), serde_json::json!("u-1"));
        let mut live = Record {
            id: Id::default(),
            data,
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::minutes(5),
        };
        store.create(&mut live).await.unwrap();
        let read = load_here(db, &live.id).await.unwrap().expect("found");
        assert_eq!(read.data, live.data);
        assert_eq!(read.id, live.id);
        let mut old = Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::now_utc() - time::Duration::seconds(1),
        };
        store.create(&mut old).await.unwrap();
        assert!(load_here(db, &old.id).await.unwrap().is_none());
        assert!(load_here(db, &Id::default()).await.unwrap().is_none());
    }
}
