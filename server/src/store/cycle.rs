//! The assistance cycle after a decision: follow-up tasks, exits and emergency aid.

use super::declarations::household_for;
use super::dialect::{code, day, day_opt, query, region, within, Row};
use super::households::insert_aid;
use super::monitoring::lock_in_region;
use super::sealed::{
    EMERGENCY_NAME, EMERGENCY_SITUATION, EXIT_REASON, TASK_NOTE, UNIDENTIFIED_DESCRIPTION,
    UNIDENTIFIED_NAME, UNIDENTIFIED_SITUATION,
};
use super::SqlStore;
use crate::crypto::FieldCipher;
use app::domain::audit::AuditResult;
use app::domain::chain::AidOrigin;
use app::domain::cycle::TaskStatus;
use app::domain::region::RegionCode;
use app::store::*;
use chrono::NaiveDate;

pub(super) const TASK_COLUMNS: &str =
    "id, kind, household_id, region_code, subject, due_on, status, note, created_at, done_at";

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: i64,
    kind: String,
    household_id: String,
    region_code: String,
    subject: String,
    due_on: String,
    status: String,
    note: String,
    created_at: Millis,
    done_at: Option<Millis>,
}

impl TryFrom<TaskRow> for TaskRecord {
    type Error = DbError;
    fn try_from(r: TaskRow) -> Result<Self, DbError> {
        Ok(TaskRecord {
            id: r.id,
            kind: code("kind", &r.kind)?,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            subject: r.subject,
            due_on: day("due_on", &r.due_on)?,
            status: code("status", &r.status)?,
            note: r.note,
            created_at: r.created_at,
            done_at: r.done_at,
        })
    }
}

/// A task, its note opened.
pub(super) fn task_from_row(r: &Row, cipher: &FieldCipher) -> Result<TaskRecord, DbError> {
    let mut task: TaskRecord = r.to::<TaskRow, _>()?;
    task.note = cipher.open(TASK_NOTE, &task.note)?;
    Ok(task)
}

pub(super) const EMERGENCY_COLUMNS: &str = "id, household_id, region_code, person_name, \
    situation, advance, documents_due, documents_received_at, \
    conference, assistance_id, recorded_at";

#[derive(sqlx::FromRow)]
struct EmergencyRow {
    id: String,
    household_id: String,
    region_code: String,
    person_name: String,
    situation: String,
    advance: bool,
    documents_due: Option<String>,
    documents_received_at: Option<Millis>,
    conference: String,
    assistance_id: String,
    recorded_at: Millis,
}

impl TryFrom<EmergencyRow> for EmergencyRecord {
    type Error = DbError;
    fn try_from(r: EmergencyRow) -> Result<Self, DbError> {
        Ok(EmergencyRecord {
            id: r.id,
            household_id: r.household_id,
            region_code: region("region_code", &r.region_code)?,
            person_name: r.person_name,
            situation: r.situation,
            advance: r.advance,
            documents_due: day_opt("documents_due", r.documents_due.as_deref())?,
            documents_received_at: r.documents_received_at,
            conference: r.conference,
            assistance_id: r.assistance_id,
            recorded_at: r.recorded_at,
        })
    }
}

const UNIDENTIFIED_COLUMNS: &str = "id, region_code, name, description, situation, amount, \
    advance, documents_due, conference, recorded_at";

#[derive(sqlx::FromRow)]
struct UnidentifiedRow {
    id: String,
    region_code: String,
    name: String,
    description: String,
    situation: String,
    amount: i64,
    advance: bool,
    documents_due: Option<String>,
    conference: String,
    recorded_at: Millis,
}

impl TryFrom<UnidentifiedRow> for UnidentifiedAidRecord {
    type Error = DbError;
    fn try_from(r: UnidentifiedRow) -> Result<Self, DbError> {
        Ok(UnidentifiedAidRecord {
            id: r.id,
            region_code: region("region_code", &r.region_code)?,
            name: r.name,
            description: r.description,
            situation: r.situation,
            amount: app::domain::money::Money::from_fen(r.amount),
            advance: r.advance,
            documents_due: day_opt("documents_due", r.documents_due.as_deref())?,
            conference: r.conference,
            recorded_at: r.recorded_at,
        })
    }
}

impl SqlStore {
    /// An unidentified person's aid as read, its sealed texts opened.
    fn unidentified_from_row(&self, r: &Row) -> Result<UnidentifiedAidRecord, DbError> {
        let mut a: UnidentifiedAidRecord = r.to::<UnidentifiedRow, _>()?;
        a.name = self.open(UNIDENTIFIED_NAME, &a.name)?;
        a.description = self.open(UNIDENTIFIED_DESCRIPTION, &a.description)?;
        a.situation = self.open(UNIDENTIFIED_SITUATION, &a.situation)?;
        Ok(a)
    }

    /// An emergency as read, the person's name and situation opened.
    fn emergency_from_row(&self, r: &Row) -> Result<EmergencyRecord, DbError> {
        let mut e: EmergencyRecord = r.to::<EmergencyRow, _>()?;
        e.person_name = self.open(EMERGENCY_NAME, &e.person_name)?;
        e.situation = self.open(EMERGENCY_SITUATION, &e.situation)?;
        Ok(e)
    }
}

#[async_trait::async_trait]
impl CycleStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn survey_population(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<(String, RegionCode)>, DbError> {
        let rows = query(
            "SELECT id, region_code FROM households WHERE standing = 'in_assistance' \
             AND region_code LIKE $1 ORDER BY id",
        )
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let raw: String = r.get("region_code")?;
                Ok((r.get("id")?, super::dialect::region("region_code", &raw)?))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn add_survey(&self, s: &SurveyRecord, regions: &[RegionCode]) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        query(
            "INSERT INTO random_surveys (id, region_code, seed, population, population_digest, \
             sample_size, due_on, households, drawn_by, drawn_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&s.id)
        .bind(s.region.as_str())
        .bind(s.seed.to_string())
        .bind(s.population)
        .bind(&s.population_digest)
        .bind(s.households.len() as i64)
        .bind(s.due_on.to_string())
        .bind(serde_json::to_string(&s.households).map_err(|e| DbError::Other(e.to_string()))?)
        .bind(&s.drawn_by)
        .bind(s.drawn_at)
        .execute(&mut tx)
        .await?;
        for (household, region) in s.households.iter().zip(regions) {
            query(
                "INSERT INTO tasks (kind, household_id, region_code, subject, due_on, note, \
                 created_at) VALUES ('random_survey', $1, $2, $3, $4, $5, $6)",
            )
            .bind(household)
            .bind(region.as_str())
            .bind(format!("{}:{household}", s.id))
            .bind(s.due_on.to_string())
            .bind(self.seal(TASK_NOTE, ""))
            .bind(s.drawn_at)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn surveys(&self, region: &RegionCode) -> Result<Vec<(SurveyRecord, i64)>, DbError> {
        let rows = query(
            "SELECT s.id, s.region_code, s.seed, s.population, s.population_digest, s.due_on, \
             s.households, s.drawn_by, s.drawn_at, \
             (SELECT COUNT(*) FROM tasks t WHERE t.kind = 'random_survey' AND t.status = 'done' \
               AND t.subject LIKE s.id || ':%') AS done \
             FROM random_surveys s WHERE s.region_code LIKE $1 ORDER BY s.drawn_at DESC LIMIT 200",
        )
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let raw: String = r.get("region_code")?;
                let seed: String = r.get("seed")?;
                let due: String = r.get("due_on")?;
                let households: String = r.get("households")?;
                Ok((
                    SurveyRecord {
                        id: r.get("id")?,
                        region: super::dialect::region("region_code", &raw)?,
                        seed: seed
                            .parse()
                            .map_err(|_| DbError::Other(format!("stored seed {seed:?}")))?,
                        population: r.get("population")?,
                        population_digest: r.get("population_digest")?,
                        households: serde_json::from_str(&households)
                            .map_err(|e| DbError::Other(format!("stored sample: {e}")))?,
                        due_on: day("due_on", &due)?,
                        drawn_by: r.get("drawn_by")?,
                        drawn_at: r.get("drawn_at")?,
                    },
                    r.get("done")?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn add_task(&self, t: NewTask) -> Result<bool, DbError> {
        let r = query(
            "INSERT INTO tasks (kind, household_id, region_code, subject, due_on, note, \
                created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (kind, subject, due_on) DO NOTHING",
        )
        .bind(t.kind.code())
        .bind(&t.household_id)
        .bind(&t.region_code)
        .bind(&t.subject)
        .bind(t.due_on)
        .bind(self.seal(TASK_NOTE, &t.note))
        .bind(t.now)
        .execute(&self.db)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn tasks(
        &self,
        region: &RegionCode,
        open_only: bool,
    ) -> Result<Vec<TaskRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE region_code LIKE $1 {} \
             ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, due_on, id LIMIT 500",
            if open_only { "AND status = 'open'" } else { "" }
        ))
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| task_from_row(r, &self.cipher))
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn complete_task(
        &self,
        id: i64,
        region: &RegionCode,
        actor_id: &str,
        note: &str,
        now: Millis,
    ) -> Result<TaskRecord, DbError> {
        let mut tx = self.db.begin().await?;
        lock_in_region(&mut tx, "tasks", id, region).await?;
        let r = query(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let mut task = task_from_row(&r, &self.cipher)?;
        if task.status != TaskStatus::Open {
            return Err(DbError::Conflict("task_done"));
        }
        query(
            "UPDATE tasks SET status = 'done', done_at = $1, done_by = $2, note = $3 WHERE id = $4",
        )
        .bind(now)
        .bind(actor_id)
        .bind(self.seal(TASK_NOTE, note))
        .bind(id)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        task.status = TaskStatus::Done;
        task.note = note.into();
        task.done_at = Some(now);
        Ok(task)
    }

    #[tracing::instrument(skip_all)]
    async fn exit_household(
        &self,
        household_id: &str,
        reason: &str,
        last_day: NaiveDate,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let r = query("UPDATE households SET standing = standing WHERE id = $1 RETURNING standing")
            .bind(household_id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(DbError::NotFound)?;
        let standing: String = r.get("standing")?;
        if standing != "in_assistance" {
            return Err(DbError::Conflict("not_in_assistance"));
        }
        query(
            "UPDATE households SET standing = 'exited', standing_at = $1, exit_reason = $2, \
            assistance_until = $3 WHERE id = $4",
        )
        .bind(now)
        .bind(self.seal(EXIT_REASON, reason))
        .bind(last_day)
        .bind(household_id)
        .execute(&mut tx)
        .await?;
        // Continuing aid ends on the last day (after the 渐退期, when there is one).
        query(
            "UPDATE assistance SET period_until = $1 WHERE household_id = $2 AND period_until \
            IS NULL",
        )
        .bind(last_day)
        .bind(household_id)
        .execute(&mut tx)
        .await?;
        super::audit::append(
            &mut tx,
            super::audit::entry(
                actor_id,
                "household_exit",
                household_id,
                AuditResult::Ok,
                now,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn record_emergency(&self, e: NewEmergencyAid) -> Result<EmergencyRecord, DbError> {
        let mut tx = self.db.begin().await?;
        let existing = query(&format!(
            "SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE id = $1"
        ))
        .bind(&e.id)
        .fetch_optional(&mut tx)
        .await?;
        if let Some(r) = existing {
            return self.emergency_from_row(&r);
        }
        // The person's household, opened where the emergency happened when there is none.
        let household_id = household_for(
            &mut tx,
            &self.cipher,
            &e.head_id_number,
            &e.region_code,
            false,
            e.now,
        )
        .await?;
        let aid_id = format!("emergency-{}", e.id);
        // 先行救助 in a township with a reserve is paid from it, only what it holds: refused
        // (nothing recorded) when it holds less.
        if e.advance {
            super::reserve::spend_in(
                &mut tx,
                &e.region_code.township(),
                app::domain::money::Money::from_fen(e.aid.amount_fen),
                Some(&e.id),
                &e.actor_id,
                e.now,
            )
            .await?;
        }
        insert_aid(
            &mut tx,
            &household_id,
            &aid_id,
            &e.aid,
            AidOrigin::Emergency,
            &e.actor_id,
            e.now,
        )
        .await?;
        query(
            "INSERT INTO emergency_aid (id, household_id, region_code, person_name, situation, \
                advance, documents_due, conference, \
               assistance_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
               $9, $10, $11)",
        )
        .bind(&e.id)
        .bind(&household_id)
        .bind(&e.region_code)
        .bind(self.seal(EMERGENCY_NAME, &e.person_name))
        .bind(self.seal(EMERGENCY_SITUATION, &e.situation))
        .bind(e.advance)
        .bind(e.documents_due)
        .bind(&e.conference)
        .bind(&aid_id)
        .bind(&e.actor_id)
        .bind(e.now)
        .execute(&mut tx)
        .await?;
        let r = query(&format!(
            "SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE id = $1"
        ))
        .bind(&e.id)
        .fetch_one(&mut tx)
        .await?;
        let rec = self.emergency_from_row(&r)?;
        tx.commit().await?;
        Ok(rec)
    }

    #[tracing::instrument(skip_all)]
    async fn emergencies_of(&self, household_id: &str) -> Result<Vec<EmergencyRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE \
            household_id = $1 ORDER BY recorded_at"
        ))
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(|r| self.emergency_from_row(r)).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn emergency(&self, id: &str) -> Result<Option<EmergencyRecord>, DbError> {
        let r = query(&format!(
            "SELECT {EMERGENCY_COLUMNS} FROM emergency_aid WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        r.as_ref().map(|r| self.emergency_from_row(r)).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn emergency_documents_received(
        &self,
        id: &str,
        region: &RegionCode,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let n = query(
            "UPDATE emergency_aid SET documents_received_at = $1 WHERE id = $2 AND region_code \
                LIKE $3 AND documents_received_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(within(region))
        .execute(&self.db)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(match self.emergency(id).await? {
                Some(r) if r.region_code.is_within(region) => {
                    DbError::Conflict("documents_received")
                }
                _ => DbError::NotFound,
            });
        }
        let _ = actor_id;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn record_unidentified_aid(
        &self,
        a: NewUnidentifiedAid,
    ) -> Result<UnidentifiedAidRecord, DbError> {
        let select = format!("SELECT {UNIDENTIFIED_COLUMNS} FROM unidentified_aid WHERE id = $1");
        // One statement: a retry (or two at once) leaves one row, and reads the first.
        query(
            "INSERT INTO unidentified_aid (id, region_code, name, description, situation, amount, \
                advance, documents_due, conference, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&a.id)
        .bind(&a.region_code)
        .bind(self.seal(UNIDENTIFIED_NAME, &a.name))
        .bind(self.seal(UNIDENTIFIED_DESCRIPTION, &a.description))
        .bind(self.seal(UNIDENTIFIED_SITUATION, &a.situation))
        .bind(a.amount.fen())
        .bind(a.advance)
        .bind(a.documents_due)
        .bind(&a.conference)
        .bind(&a.actor_id)
        .bind(a.now)
        .execute(&self.db)
        .await?;
        let r = query(&select).bind(&a.id).fetch_one(&self.db).await?;
        self.unidentified_from_row(&r)
    }

    #[tracing::instrument(skip_all)]
    async fn unidentified_aid_in(
        &self,
        region: &RegionCode,
        limit: i64,
    ) -> Result<Vec<UnidentifiedAidRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {UNIDENTIFIED_COLUMNS} FROM unidentified_aid WHERE region_code LIKE $1 \
             ORDER BY recorded_at DESC, id LIMIT $2"
        ))
        .bind(within(region))
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(|r| self.unidentified_from_row(r)).collect()
    }
}
