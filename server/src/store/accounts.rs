//! Staff and resident accounts, sign-in codes, and the regions accounts are scoped to.

use super::dialect::{code, code_opt, query, region_opt, Row};
use super::{db_err, is_unique_violation, SqlStore};
use app::domain::chain::Department;
use app::domain::region::{Region, RegionCode};
use app::domain::status::{AdminDuty, Role};
use app::store::*;

pub(super) const USER_COLUMNS: &str =
    "id, role, login, display_name, password_hash, region_code, department, totp_secret, \
        must_change_password, disabled_at, duty";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    role: String,
    login: String,
    display_name: String,
    password_hash: String,
    region_code: Option<String>,
    department: Option<String>,
    totp_secret: Option<String>,
    must_change_password: bool,
    disabled_at: Option<Millis>,
    duty: Option<String>,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = DbError;
    fn try_from(r: UserRow) -> Result<Self, DbError> {
        Ok(UserRecord {
            id: r.id,
            role: code("role", &r.role)?,
            login: r.login,
            display_name: r.display_name,
            password_hash: r.password_hash,
            region_code: region_opt("region_code", r.region_code.as_deref())?,
            department: code_opt("department", r.department.as_deref())?,
            totp_secret: r.totp_secret,
            must_change_password: r.must_change_password,
            disabled: r.disabled_at.is_some(),
            duty: code_opt("duty", r.duty.as_deref())?,
        })
    }
}

pub(super) fn user_from_row(r: &Row) -> Result<UserRecord, DbError> {
    r.to::<UserRow, _>()
}

/// A region as stored: the same fields as the domain's `Region`.
#[derive(sqlx::FromRow)]
struct RegionRow {
    code: String,
    parent_code: Option<String>,
    name_zh: String,
    name_en: String,
    demo: bool,
}

pub(super) fn region_from_row(r: &Row) -> Result<Region, DbError> {
    let RegionRow {
        code,
        parent_code,
        name_zh,
        name_en,
        demo,
    } = r.decode()?;
    Ok(Region {
        code,
        parent_code,
        name_zh,
        name_en,
        demo,
    })
}

#[async_trait::async_trait]
impl AccountStore for SqlStore {
    #[tracing::instrument(skip(self, user), fields(role = user.role.code()))]
    async fn create_user(&self, user: NewUser) -> Result<String, DbError> {
        let id = uuid::Uuid::new_v4().to_string();
        let r = query(
            "INSERT INTO users (id, role, login, display_name, password_hash, region_code, \
                created_at, department, must_change_password, duty) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(user.role.code())
        // A resident signs in with their phone number: stored as its key, never in clear.
        .bind(if user.role == Role::Resident {
            self.phone_key(&user.login)
        } else {
            user.login.clone()
        })
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.region_code.as_ref())
        .bind(user.now)
        .bind(user.department.map(Department::code))
        .bind(user.must_change_password)
        .bind(user.duty.map(AdminDuty::code))
        .execute_raw(&self.db)
        .await;
        match r {
            Ok(_) => Ok(id),
            Err(e) if is_unique_violation(&e) => Err(DbError::Conflict("login_taken")),
            Err(e) => Err(db_err(e)),
        }
    }

    #[tracing::instrument(skip(self, login))]
    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, DbError> {
        let row = query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE login IN ($1, $2)"
        ))
        .bind(login)
        .bind(self.phone_key(login))
        .fetch_optional(&self.db)
        .await?;
        Ok(match row {
            Some(r) => Some(user_from_row(&r)?),
            None => None,
        })
    }

    #[tracing::instrument(skip(self))]
    async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, DbError> {
        let row = query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        Ok(match row {
            Some(r) => Some(user_from_row(&r)?),
            None => None,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn count_login_attempt(
        &self,
        keys: &[AttemptKey],
        window: Millis,
        now: Millis,
    ) -> Result<Vec<i64>, DbError> {
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            // One statement: two parallel attempts never read the same count.
            let n: i64 = query(
                "INSERT INTO login_attempts (key, attempts, window_start, subject) \
                 VALUES ($1, 1, $2, $4) \
                 ON CONFLICT (key) DO UPDATE SET \
                   attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 \
                                   ELSE login_attempts.attempts + 1 END, \
                   window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 \
                                       ELSE login_attempts.window_start END \
                 RETURNING attempts",
            )
            .bind(&key.key)
            .bind(now)
            .bind(now - window)
            .bind(&key.subject)
            .fetch_one(&self.db)
            .await?
            .get(0)?;
            counts.push(n);
        }
        Ok(counts)
    }

    #[tracing::instrument(skip_all)]
    async fn purge_login_attempts(&self, before: Millis) -> Result<u64, DbError> {
        Ok(query("DELETE FROM login_attempts WHERE window_start < $1")
            .bind(before)
            .execute(&self.db)
            .await?
            .rows_affected())
    }

    #[tracing::instrument(skip_all)]
    async fn clear_login_attempts(&self, subjects: &[String]) -> Result<u64, DbError> {
        let mut cleared = 0;
        for subject in subjects {
            cleared += query("DELETE FROM login_attempts WHERE subject = $1")
                .bind(subject)
                .execute(&self.db)
                .await?
                .rows_affected();
        }
        Ok(cleared)
    }

    #[tracing::instrument(skip_all)]
    async fn login_succeeded(
        &self,
        pair_key: Option<&str>,
        client_key: &str,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        if let Some(pair_key) = pair_key {
            query("DELETE FROM login_attempts WHERE key = $1")
                .bind(pair_key)
                .execute(&mut tx)
                .await?;
        }
        query("UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
            .bind(client_key)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }

    #[tracing::instrument(skip(self, enrolment))]
    async fn set_second_factor(
        &self,
        user_id: &str,
        enrolment: Option<(&str, &[String])>,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        let (secret, codes) = match enrolment {
            Some((secret, codes)) => (Some(secret), codes),
            None => (None, &[][..]),
        };
        let n = query(
            "UPDATE users SET totp_secret = $2, totp_last_step = NULL, totp_enrolled_at = $3 \
             WHERE id = $1",
        )
        .bind(user_id)
        .bind(secret)
        .bind(secret.map(|_| now))
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(DbError::NotFound);
        }
        for code in codes {
            query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(code)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await
    }

    #[tracing::instrument(skip(self))]
    async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool, DbError> {
        let n = query(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_secret IS NOT NULL \
               AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(user_id)
        .bind(step)
        .execute(&self.db)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    #[tracing::instrument(skip(self, code_hash))]
    async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: Millis,
    ) -> Result<bool, DbError> {
        let n = query(
            "UPDATE recovery_codes SET used_at = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(&self.db)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    #[tracing::instrument(skip(self))]
    async fn recovery_codes_left(&self, user_id: &str) -> Result<i64, DbError> {
        query("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_one(&self.db)
            .await?
            .get(0)
    }

    #[tracing::instrument(skip(self, password_hash))]
    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), DbError> {
        let n =
            query("UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1")
                .bind(user_id)
                .bind(password_hash)
                .bind(must_change)
                .execute(&self.db)
                .await?
                .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(DbError::NotFound)
        }
    }

    #[tracing::instrument(skip(self))]
    async fn set_disabled(&self, user_id: &str, at: Option<Millis>) -> Result<(), DbError> {
        let n = query("UPDATE users SET disabled_at = $2 WHERE id = $1")
            .bind(user_id)
            .bind(at)
            .execute(&self.db)
            .await?
            .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(DbError::NotFound)
        }
    }

    #[tracing::instrument(skip_all)]
    async fn staff_accounts(&self) -> Result<Vec<UserRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE role <> 'resident' ORDER BY login"
        ))
        .fetch_all(&self.db)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(user_from_row(&r)?);
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn put_verification_code(&self, c: NewCode) -> Result<CodeOutcome, DbError> {
        let mut tx = self.db.begin().await?;
        // The code first: its write holds SQLite's lock, so the counts below see every send.
        let n = query(
            "INSERT INTO verification_codes (phone, code_hash, issued_at, expires_at, attempts) \
                VALUES ($1, $2, $3, $4, 0) \
             ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, issued_at = \
             excluded.issued_at, \
               expires_at = excluded.expires_at, attempts = 0 \
             WHERE verification_codes.issued_at <= $5",
        )
        .bind(self.phone_key(&c.phone))
        .bind(&c.code_hash)
        .bind(c.issued_at)
        .bind(c.expires_at)
        .bind(c.not_after)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(CodeOutcome::TooSoon);
        }
        let day_ago = c.issued_at - 86_400_000;
        let (by_phone, by_client): (i64, i64) = query(
            "SELECT (SELECT COUNT(*) FROM sms_sends WHERE phone = $1 AND sent_at > $3), \
                    (SELECT COUNT(*) FROM sms_sends WHERE client = $2 AND sent_at > $3)",
        )
        .bind(self.phone_key(&c.phone))
        .bind(&c.client)
        .bind(day_ago)
        .fetch_one(&mut tx)
        .await?
        .decode()?;
        if by_phone >= c.per_phone_per_day || by_client >= c.per_client_per_day {
            // Rolled back: the last code stays as it was.
            return Ok(CodeOutcome::DailyCap);
        }
        query("DELETE FROM sms_sends WHERE sent_at < $1")
            .bind(day_ago - 86_400_000)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO sms_sends (phone, client, sent_at) VALUES ($1, $2, $3)")
            .bind(self.phone_key(&c.phone))
            .bind(&c.client)
            .bind(c.issued_at)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(CodeOutcome::Stored)
    }

    #[tracing::instrument(skip(self, phone, code_hash))]
    async fn consume_verification_code(
        &self,
        phone: &str,
        code_hash: &str,
        now: Millis,
    ) -> Result<bool, DbError> {
        let mut tx = self.db.begin().await?;
        let row = query(
            "UPDATE verification_codes SET attempts = attempts + 1 WHERE phone = $1 \
             RETURNING code_hash, expires_at, attempts",
        )
        .bind(self.phone_key(phone))
        .fetch_optional(&mut tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let (stored, expires_at, attempts): (String, Millis, i64) = row.decode()?;
        let ok = stored == code_hash && expires_at > now && attempts <= 5;
        if ok || attempts >= 5 || expires_at <= now {
            // Spent, but kept: when it was issued still holds back the next code.
            query("UPDATE verification_codes SET code_hash = '', expires_at = 0 WHERE phone = $1")
                .bind(self.phone_key(phone))
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(ok)
    }

    #[tracing::instrument(skip_all)]
    async fn region_children(&self, parent: Option<&str>) -> Result<Vec<Region>, DbError> {
        let q = match parent {
            Some(p) => query(
                "SELECT code, parent_code, name_zh, name_en, demo FROM regions WHERE \
                parent_code = $1 ORDER BY code",
            )
            .bind(p.to_string()),
            None => query(
                "SELECT code, parent_code, name_zh, name_en, demo FROM regions WHERE \
                parent_code IS NULL ORDER BY code",
            ),
        };
        let rows = q.fetch_all(&self.db).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(region_from_row(&r)?);
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn regions(&self, codes: &[RegionCode]) -> Result<Vec<Region>, DbError> {
        // Each code once (the trait's promise, also across chunks).
        let mut codes = codes.to_vec();
        codes.sort_unstable();
        codes.dedup();
        let mut out = Vec::with_capacity(codes.len());
        // At most 500 codes a statement (far under either database's limit on parameters).
        for chunk in codes.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT code, parent_code, name_zh, name_en, demo FROM regions WHERE code IN ({})",
                marks.join(", ")
            );
            let mut q = query(&sql);
            for code in chunk {
                q = q.bind(code);
            }
            for r in q.fetch_all(&self.db).await? {
                out.push(region_from_row(&r)?);
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn region(&self, code: &RegionCode) -> Result<Option<Region>, DbError> {
        let row =
            query("SELECT code, parent_code, name_zh, name_en, demo FROM regions WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.db)
                .await?;
        Ok(match row {
            Some(r) => Some(region_from_row(&r)?),
            None => None,
        })
    }
}
