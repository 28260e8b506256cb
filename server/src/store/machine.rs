//! 部门系统对接: connected systems' credentials (secrets sealed), and the nonces, call counts
//! and batch keys every server process consults in the database, so that N processes behind a
//! load balancer refuse the same replay, share one rate limit and import a batch once.

use super::dialect::{code, query, region, within, Row};
use super::monitoring::{warning_from_row, WARNING_COLUMNS};
use super::sealed::API_KEY_SECRET;
use super::SqlStore;
use app::domain::monitoring::Source;
use app::domain::region::RegionCode;
use app::domain::status::Role;
use app::store::*;

const CLIENT_COLUMNS: &str = "c.id, c.name, c.department, c.region_code, c.calls_per_minute, \
    u.display_name AS created_by_name, c.created_at, c.revoked_at";
const CLIENT_FROM: &str = "api_clients c JOIN users u ON u.id = c.created_by";

impl SqlStore {
    fn api_client_of_row(r: &Row) -> Result<ApiClientRecord, DbError> {
        let department: String = r.get("department")?;
        let raw_region: String = r.get("region_code")?;
        Ok(ApiClientRecord {
            id: r.get("id")?,
            name: r.get("name")?,
            department: code("department", &department)?,
            sources: Vec::new(),
            region: region("region_code", &raw_region)?,
            calls_per_minute: r.get("calls_per_minute")?,
            created_by_name: r.get("created_by_name")?,
            created_at: r.get("created_at")?,
            revoked_at: r.get("revoked_at")?,
            keys: Vec::new(),
        })
    }

    /// Fills in each system's sources, and its keys when `with_keys` (the page lists them; a
    /// signed call's lookup does not need them): one query each for all the systems.
    async fn with_sources_and_keys(
        &self,
        mut clients: Vec<ApiClientRecord>,
        with_keys: bool,
    ) -> Result<Vec<ApiClientRecord>, DbError> {
        if clients.is_empty() {
            return Ok(clients);
        }
        let ids: Vec<String> = clients.iter().map(|c| c.id.clone()).collect();
        let list = ids
            .iter()
            .enumerate()
            .map(|(i, _)| format!("${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let sources_sql = format!(
            "SELECT client_id, source FROM api_client_sources WHERE client_id IN ({list}) \
             ORDER BY source"
        );
        let keys_sql = format!(
            "SELECT id, client_id, fingerprint, created_at, expires_at FROM api_keys \
             WHERE client_id IN ({list}) ORDER BY created_at DESC, id"
        );
        let mut sources = query(&sources_sql);
        let mut keys = query(&keys_sql);
        for id in &ids {
            sources = sources.bind(id.clone());
            keys = keys.bind(id.clone());
        }
        let sources = sources.fetch_all(&self.db).await?;
        let keys = if with_keys {
            keys.fetch_all(&self.db).await?
        } else {
            Vec::new()
        };
        for c in &mut clients {
            for r in &sources {
                if r.get::<String, _>("client_id")? == c.id {
                    let raw: String = r.get("source")?;
                    c.sources.push(code("source", &raw)?);
                }
            }
            for r in &keys {
                if r.get::<String, _>("client_id")? == c.id {
                    c.keys.push(ApiKeyRecord {
                        id: r.get("id")?,
                        fingerprint: r.get("fingerprint")?,
                        created_at: r.get("created_at")?,
                        expires_at: r.get("expires_at")?,
                    });
                }
            }
        }
        Ok(clients)
    }
}

#[async_trait::async_trait]
impl MachineStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn create_api_client(&self, c: NewApiClient, now: Millis) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // The account the system acts through: no password matches its hash
        // (`app::auth::NO_PASSWORD`), and `api:` is no login a person can be given.
        query(
            "INSERT INTO users (id, role, login, display_name, password_hash, region_code, \
                created_at, department, must_change_password) \
             VALUES ($1, $2, $3, $4, '!api', $5, $6, $7, FALSE)",
        )
        .bind(&c.id)
        .bind(Role::Department.code())
        .bind(format!(
            "{}{}",
            app::api::machine::SYSTEM_LOGIN_PREFIX,
            c.id
        ))
        .bind(&c.name)
        .bind(c.region.as_str())
        .bind(now)
        .bind(c.department.code())
        .execute(&mut tx)
        .await?;
        query(
            "INSERT INTO api_clients (id, name, department, region_code, calls_per_minute, \
                created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(c.department.code())
        .bind(c.region.as_str())
        .bind(c.calls_per_minute)
        .bind(&c.key.created_by)
        .bind(now)
        .execute(&mut tx)
        .await?;
        for source in &c.sources {
            query("INSERT INTO api_client_sources (client_id, source) VALUES ($1, $2)")
                .bind(&c.id)
                .bind(source.code())
                .execute(&mut tx)
                .await?;
        }
        query(
            "INSERT INTO api_keys (id, client_id, secret, fingerprint, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&c.key.id)
        .bind(&c.id)
        .bind(self.seal(API_KEY_SECRET, &c.key.secret))
        .bind(&c.key.fingerprint)
        .bind(&c.key.created_by)
        .bind(c.key.now)
        .execute(&mut tx)
        .await?;
        tx.commit().await
    }

    #[tracing::instrument(skip_all)]
    async fn api_clients(&self, region: &RegionCode) -> Result<Vec<ApiClientRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM {CLIENT_FROM} WHERE c.region_code LIKE $1 \
             ORDER BY c.created_at DESC, c.id LIMIT 500"
        ))
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        let clients = rows
            .iter()
            .map(Self::api_client_of_row)
            .collect::<Result<Vec<_>, _>>()?;
        self.with_sources_and_keys(clients, true).await
    }

    #[tracing::instrument(skip_all)]
    async fn api_client(&self, id: &str) -> Result<Option<ApiClientRecord>, DbError> {
        let row = query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM {CLIENT_FROM} WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let client = Self::api_client_of_row(&row)?;
        Ok(self.with_sources_and_keys(vec![client], true).await?.pop())
    }

    #[tracing::instrument(skip_all)]
    async fn rotate_api_key(
        &self,
        client_id: &str,
        key: NewApiKey,
        old_until: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // Claims the system's row first (one rotation at a time), and finds it revoked or gone.
        let live = query(
            "UPDATE api_clients SET calls_per_minute = calls_per_minute \
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(client_id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if live != 1 {
            let exists = query("SELECT 1 AS one FROM api_clients WHERE id = $1")
                .bind(client_id)
                .fetch_optional(&mut tx)
                .await?;
            return Err(match exists {
                Some(_) => DbError::Conflict("api_client_revoked"),
                None => DbError::NotFound,
            });
        }
        query(
            "UPDATE api_keys SET expires_at = $1 WHERE client_id = $2 \
             AND (expires_at IS NULL OR expires_at > $1)",
        )
        .bind(old_until)
        .bind(client_id)
        .execute(&mut tx)
        .await?;
        query(
            "INSERT INTO api_keys (id, client_id, secret, fingerprint, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&key.id)
        .bind(client_id)
        .bind(self.seal(API_KEY_SECRET, &key.secret))
        .bind(&key.fingerprint)
        .bind(&key.created_by)
        .bind(key.now)
        .execute(&mut tx)
        .await?;
        tx.commit().await
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_api_client(
        &self,
        client_id: &str,
        by: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let done = query(
            "UPDATE api_clients SET revoked_at = $1, revoked_by = $2 \
             WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(by)
        .bind(client_id)
        .execute(&self.db)
        .await?
        .rows_affected();
        if done == 1 {
            return Ok(());
        }
        match self.api_client(client_id).await? {
            Some(_) => Err(DbError::Conflict("api_client_revoked")),
            None => Err(DbError::NotFound),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn api_key(&self, key_id: &str) -> Result<Option<ApiKeyLookup>, DbError> {
        // Every signed call comes here: the key with its system in one query, then the
        // system's sources (not its key list, which only the page shows).
        let row = query(&format!(
            "SELECT k.secret, k.expires_at, {CLIENT_COLUMNS} FROM api_keys k \
             JOIN api_clients c ON c.id = k.client_id JOIN users u ON u.id = c.created_by \
             WHERE k.id = $1"
        ))
        .bind(key_id)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let secret: String = row.get("secret")?;
        let client = Self::api_client_of_row(&row)?;
        let Some(client) = self.with_sources_and_keys(vec![client], false).await?.pop() else {
            return Ok(None);
        };
        Ok(Some(ApiKeyLookup {
            key_id: key_id.to_string(),
            secret: self.open(API_KEY_SECRET, &secret)?,
            expires_at: row.get("expires_at")?,
            client,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn use_api_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        now: Millis,
        forget_before: Millis,
    ) -> Result<bool, DbError> {
        query("DELETE FROM api_nonces WHERE seen_at < $1")
            .bind(forget_before)
            .execute(&self.db)
            .await?;
        let added = query(
            "INSERT INTO api_nonces (key_id, nonce, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key_id, nonce) DO NOTHING",
        )
        .bind(key_id)
        .bind(nonce)
        .bind(now)
        .execute(&self.db)
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn count_api_call(&self, client_id: &str, minute: i64) -> Result<i64, DbError> {
        // Forgets minutes before the previous one (as it always has).
        super::shared::count_in_minute(
            &self.db,
            "api_calls",
            "client_id",
            client_id,
            minute,
            minute - 1,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn claim_api_batch(
        &self,
        client_id: &str,
        batch_key: &str,
        source: Source,
        now: Millis,
        stale_before: Millis,
    ) -> Result<BatchClaim, DbError> {
        // A new key, or a running claim whose request died: taken in one statement each.
        let added = query(
            "INSERT INTO api_batches (client_id, batch_key, source, started_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (client_id, batch_key) DO NOTHING",
        )
        .bind(client_id)
        .bind(batch_key)
        .bind(source.code())
        .bind(now)
        .execute(&self.db)
        .await?
        .rows_affected();
        if added == 1 {
            return Ok(BatchClaim::Claimed);
        }
        let taken_over = query(
            "UPDATE api_batches SET started_at = $1, source = $2 WHERE client_id = $3 \
             AND batch_key = $4 AND import_id = '' AND started_at < $5",
        )
        .bind(now)
        .bind(source.code())
        .bind(client_id)
        .bind(batch_key)
        .bind(stale_before)
        .execute(&self.db)
        .await?
        .rows_affected();
        if taken_over == 1 {
            return Ok(BatchClaim::Claimed);
        }
        let row = query(
            "SELECT source, import_id, report FROM api_batches \
             WHERE client_id = $1 AND batch_key = $2",
        )
        .bind(client_id)
        .bind(batch_key)
        .fetch_one(&self.db)
        .await?;
        let import_id: String = row.get("import_id")?;
        if import_id.is_empty() {
            return Ok(BatchClaim::Running);
        }
        let raw: String = row.get("source")?;
        Ok(BatchClaim::Done {
            source: code("source", &raw)?,
            report_json: row.get("report")?,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn finish_api_batch(
        &self,
        client_id: &str,
        batch_key: &str,
        import_id: &str,
        report_json: &str,
    ) -> Result<(), DbError> {
        query(
            "UPDATE api_batches SET import_id = $1, report = $2 \
             WHERE client_id = $3 AND batch_key = $4",
        )
        .bind(import_id)
        .bind(report_json)
        .bind(client_id)
        .bind(batch_key)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn release_api_batch(&self, client_id: &str, batch_key: &str) -> Result<(), DbError> {
        query("DELETE FROM api_batches WHERE client_id = $1 AND batch_key = $2 AND import_id = ''")
            .bind(client_id)
            .bind(batch_key)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn warnings_from_sources(
        &self,
        region: &RegionCode,
        sources: &[Source],
        since: Millis,
        limit: i64,
    ) -> Result<Vec<WarningRecord>, DbError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let list = (0..sources.len())
            .map(|i| format!("${}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let columns = WARNING_COLUMNS
            .split(", ")
            .map(|c| format!("w.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM warnings w JOIN imports i ON i.id = w.import_id \
             WHERE w.region_code LIKE $1 AND w.created_at >= $2 AND i.source IN ({list}) \
             ORDER BY w.created_at, w.id LIMIT $3"
        );
        let mut q = query(&sql)
            .bind(within(region))
            .bind(since)
            .bind(limit.clamp(1, 1000));
        for s in sources {
            q = q.bind(s.code());
        }
        let rows = q.fetch_all(&self.db).await?;
        rows.iter()
            .map(|r| warning_from_row(r, &self.cipher))
            .collect()
    }
}
