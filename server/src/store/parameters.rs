//! Dated policy parameters, the assessments made with them, and the reassessment proposals a new parameter brings.

use super::declarations::add_event;
use super::dialect::{categories, code, code_opt, day, query, region, within, Row, Target};
use super::sealed::{ASSESSMENT, FACTS};
use super::SqlStore;
use app::domain::policy::assess::CategorySet;
use app::domain::policy::ProposalStatus;
use app::domain::region::RegionCode;
use app::domain::status::TimelineKind;
use app::store::*;

/// Approves (`approve`) or refuses (withdraws) a dated row of `table` waiting for a security
/// administrator's approval (三员分立): `policy_parameters` and `public_contacts` keep the same
/// columns for it. One statement: two approvers at once cannot both pass, and a row approved by
/// one cannot then be refused by the other; only rows entered by someone else, not past their
/// date. `NotFound`, `Conflict("param_own")` or `Conflict("param_not_pending")` otherwise.
pub(super) async fn decide_pending(
    store: &SqlStore,
    table: &'static str,
    id: i64,
    approve: bool,
    actor_id: &str,
    today: chrono::NaiveDate,
    now: Millis,
) -> Result<(), DbError> {
    let set = if approve {
        "approved_at = $1, approved_by = $2"
    } else {
        "withdrawn_at = $1, withdrawn_by = $2"
    };
    let done = query(&format!(
        "UPDATE {table} SET {set} WHERE id = $3 AND approved_at IS NULL \
         AND withdrawn_at IS NULL AND effective_from >= $4 AND created_by <> $2"
    ))
    .bind(now)
    .bind(actor_id)
    .bind(id)
    .bind(today)
    .execute(&store.db)
    .await?
    .rows_affected();
    if done == 1 {
        return Ok(());
    }
    let row = query(&format!("SELECT created_by FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&store.db)
        .await?;
    let created_by: Option<(String,)> = row.as_ref().map(Row::decode).transpose()?;
    Err(match created_by {
        None => DbError::NotFound,
        Some((by,)) if by == actor_id => DbError::Conflict("param_own"),
        Some(_) => DbError::Conflict("param_not_pending"),
    })
}

pub(super) const PARAMETER_COLUMNS: &str =
    "id, key, region_code, residence, value, effective_from, source, example, \
    created_by, created_at, withdrawn_at, approved_at, approved_by, reassessed_at";

#[derive(sqlx::FromRow)]
struct ParameterRow {
    id: i64,
    key: String,
    region_code: String,
    residence: Option<String>,
    value: i64,
    effective_from: String,
    source: String,
    example: bool,
    created_by: String,
    created_at: Millis,
    withdrawn_at: Option<Millis>,
    approved_at: Option<Millis>,
    approved_by: Option<String>,
    reassessed_at: Option<Millis>,
}

impl TryFrom<ParameterRow> for ParameterRecord {
    type Error = DbError;
    fn try_from(r: ParameterRow) -> Result<Self, DbError> {
        Ok(ParameterRecord {
            id: r.id,
            key: code("key", &r.key)?,
            region_code: region("region_code", &r.region_code)?,
            residence: code_opt("residence", r.residence.as_deref())?,
            value: r.value,
            effective_from: day("effective_from", &r.effective_from)?,
            source: r.source,
            example: r.example,
            created_by: r.created_by,
            created_at: r.created_at,
            withdrawn_at: r.withdrawn_at,
            approved_at: r.approved_at,
            approved_by: r.approved_by,
            reassessed_at: r.reassessed_at,
        })
    }
}

/// The policy parameters as last read, with the value of `policy_parameters_generation` read
/// before them. The counter is moved by triggers on every write to the table (migration 0034),
/// by this process or any other sharing the database, so the cache is never taken for newer
/// than it is; every reader checks the counter (one small read) instead of reading and sorting
/// the whole table (~17 % of a submission's CPU).
#[derive(Debug, Default)]
pub(crate) struct ParameterCache(std::sync::Mutex<Option<(i64, Vec<ParameterRecord>)>>);

impl ParameterCache {
    fn get(&self, generation: i64) -> Option<Vec<ParameterRecord>> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, records)| records.clone())
    }

    fn put(&self, generation: i64, records: &[ParameterRecord]) {
        // A slower reader of an older counter may replace a newer one: the next reader then
        // reads the table again, nothing worse.
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((generation, records.to_vec()));
    }
}

pub(super) fn parameter_from_row(r: &Row) -> Result<ParameterRecord, DbError> {
    r.to::<ParameterRow, _>()
}

pub(super) fn parameters_from(rows: Vec<Row>) -> Result<Vec<ParameterRecord>, DbError> {
    rows.iter().map(parameter_from_row).collect()
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    id: i64,
    reason: String,
    facts: String,
    parameters: String,
    assessment: String,
    categories: String,
    created_at: Millis,
}

impl TryFrom<AssessmentRow> for AssessmentRecord {
    type Error = DbError;
    fn try_from(r: AssessmentRow) -> Result<Self, DbError> {
        Ok(AssessmentRecord {
            id: r.id,
            reason: r.reason,
            stored: NewAssessment {
                facts_json: r.facts,
                parameters_json: r.parameters,
                assessment_json: r.assessment,
                categories: categories("categories", &r.categories)?,
            },
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AssessedRow {
    id: String,
    number: String,
    region_code: String,
    facts: String,
    categories: String,
}

impl TryFrom<AssessedRow> for AssessedHousehold {
    type Error = DbError;
    fn try_from(r: AssessedRow) -> Result<Self, DbError> {
        Ok(AssessedHousehold {
            application_id: r.id,
            number: r.number,
            region_code: region("region_code", &r.region_code)?,
            facts_json: r.facts,
            categories: categories("categories", &r.categories)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    number: String,
    region_code: String,
    parameter_id: i64,
    from_categories: String,
    to_categories: String,
    status: String,
    created_at: Millis,
}

impl TryFrom<ProposalRow> for ProposalRecord {
    type Error = DbError;
    fn try_from(r: ProposalRow) -> Result<Self, DbError> {
        Ok(ProposalRecord {
            id: r.id,
            number: r.number,
            region_code: region("region_code", &r.region_code)?,
            parameter_id: r.parameter_id,
            from_categories: categories("from_categories", &r.from_categories)?,
            to_categories: categories("to_categories", &r.to_categories)?,
            status: code("status", &r.status)?,
            created_at: r.created_at,
        })
    }
}

/// An assessment's columns as stored, sealed before a transaction begins (sealing is the
/// costly part, and a writer holds the writers' turn for its whole transaction).
pub(super) struct SealedAssessment {
    facts: String,
    /// The parameter set's JSON and its digest (SHA-256, hex), stored once (`parameter_sets`).
    parameters: String,
    parameter_set: String,
    assessment: String,
    categories: String,
}

impl SealedAssessment {
    pub(super) fn new(cipher: &crate::crypto::FieldCipher, a: &NewAssessment) -> Self {
        SealedAssessment {
            facts: cipher.seal(FACTS, &a.facts_json),
            parameters: a.parameters_json.clone(),
            parameter_set: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                a.parameters_json.as_bytes(),
            )),
            assessment: cipher.seal(ASSESSMENT, &a.assessment_json),
            categories: a.categories.codes(),
        }
    }
}

pub(super) async fn insert_assessment<'c, E>(
    ex: E,
    application_id: &str,
    reason: &str,
    a: &SealedAssessment,
    actor_id: &str,
    at: Millis,
) -> Result<(), DbError>
where
    E: Into<Target<'c>>,
{
    let mut target: Target<'c> = ex.into();
    query(
        "INSERT INTO parameter_sets (digest, parameters) VALUES ($1, $2) \
         ON CONFLICT (digest) DO NOTHING",
    )
    .bind(&a.parameter_set)
    .bind(&a.parameters)
    .execute(target.reborrow())
    .await?;
    query(
        "INSERT INTO assessments (application_id, reason, facts, parameters, parameter_set, \
            assessment, categories, created_by, created_at) \
         VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8)",
    )
    .bind(application_id)
    .bind(reason)
    .bind(&a.facts)
    .bind(&a.parameter_set)
    .bind(&a.assessment)
    .bind(&a.categories)
    .bind(actor_id)
    .bind(at)
    .execute(target)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl ParameterStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn add_assessment(
        &self,
        number: &str,
        reason: &str,
        a: NewAssessment,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let sealed = SealedAssessment::new(&self.cipher, &a);
        let mut tx = self.db.begin().await?;
        let app =
            query("UPDATE applications SET updated_at = $1 WHERE number = $2 RETURNING id, status")
                .bind(now)
                .bind(number)
                .fetch_optional(&mut tx)
                .await?
                .ok_or(DbError::NotFound)?;
        let (app_id, status): (String, String) = app.decode()?;
        insert_assessment(&mut tx, &app_id, reason, &sealed, actor_id, now).await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::Reassessed,
            code("status", &status)?,
            actor_id,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn assessment_history(
        &self,
        number: &str,
    ) -> Result<Vec<(String, CategorySet, Millis)>, DbError> {
        let rows = query(
            "SELECT s.reason, s.categories, s.created_at FROM assessments s JOIN applications a \
                ON a.id = s.application_id \
             WHERE a.number = $1 ORDER BY s.id",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let (reason, cats, at): (String, String, Millis) = r.decode()?;
                Ok((reason, categories("categories", &cats)?, at))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn latest_assessment(&self, number: &str) -> Result<Option<AssessmentRecord>, DbError> {
        let r = query(
            "SELECT s.id, s.reason, s.facts, COALESCE(ps.parameters, s.parameters) AS \
                parameters, s.assessment, s.categories, s.created_at \
             FROM assessments s JOIN applications a ON a.id = s.application_id \
             LEFT JOIN parameter_sets ps ON ps.digest = s.parameter_set \
             WHERE a.number = $1 ORDER BY s.id DESC LIMIT 1",
        )
        .bind(number)
        .fetch_optional(&self.db)
        .await?;
        r.as_ref()
            .map(|r| {
                let mut a: AssessmentRecord = r.to::<AssessmentRow, _>()?;
                a.stored.facts_json = self.open(FACTS, &a.stored.facts_json)?;
                a.stored.assessment_json = self.open(ASSESSMENT, &a.stored.assessment_json)?;
                Ok(a)
            })
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn policy_parameters(&self) -> Result<Vec<ParameterRecord>, DbError> {
        // The counter first: parameters read after it are at least as new as it says, so a
        // change made in between is read again next time, never missed.
        let generation: i64 =
            query("SELECT generation FROM policy_parameters_generation WHERE id = 1")
                .fetch_one(&self.db)
                .await?
                .get("generation")?;
        if let Some(records) = self.parameters.get(generation) {
            return Ok(records);
        }
        let rows = query(&format!(
            "SELECT {PARAMETER_COLUMNS} FROM policy_parameters ORDER BY \
            key, region_code, effective_from, id"
        ))
        .fetch_all(&self.db)
        .await?;
        let records = parameters_from(rows)?;
        self.parameters.put(generation, &records);
        Ok(records)
    }

    #[tracing::instrument(skip_all)]
    async fn add_policy_parameter(&self, p: NewParameter) -> Result<ParameterRecord, DbError> {
        let r = query(&format!(
            "INSERT INTO policy_parameters (key, region_code, residence, value, effective_from, \
                source, example, created_by, created_at, approved_at, approved_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {PARAMETER_COLUMNS}"
        ))
        .bind(p.key.code())
        .bind(&p.region_code)
        .bind(p.residence.map(|r| r.code()))
        .bind(p.value)
        .bind(p.effective_from)
        .bind(&p.source)
        .bind(p.example)
        .bind(&p.created_by)
        .bind(p.now)
        .bind(p.approved.then_some(p.now))
        .bind(p.approved.then_some(&p.created_by))
        .fetch_one(&self.db)
        .await?;
        Ok(parameter_from_row(&r)?)
    }

    #[tracing::instrument(skip_all)]
    async fn decide_policy_parameter(
        &self,
        id: i64,
        approve: bool,
        actor_id: &str,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<(), DbError> {
        decide_pending(self, "policy_parameters", id, approve, actor_id, today, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn withdraw_policy_parameter(
        &self,
        id: i64,
        actor_id: &str,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<(), DbError> {
        let done = query(
            "UPDATE policy_parameters SET withdrawn_at = $1, withdrawn_by = $2 \
             WHERE id = $3 AND withdrawn_at IS NULL AND effective_from > $4",
        )
        .bind(now)
        .bind(actor_id)
        .bind(id)
        .bind(today)
        .execute(&self.db)
        .await?
        .rows_affected();
        if done == 1 {
            return Ok(());
        }
        let exists = query("SELECT id FROM policy_parameters WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        Err(if exists.is_some() {
            DbError::Conflict("param_in_force")
        } else {
            DbError::NotFound
        })
    }

    #[tracing::instrument(skip_all)]
    async fn assessed_households(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<AssessedHousehold>, DbError> {
        // The latest assessment of each application that is still in play.
        let rows = query(
            "SELECT a.id, a.number, a.region_code, s.facts, s.categories FROM applications a \
             JOIN assessments s ON s.id = (SELECT MAX(id) FROM assessments WHERE application_id = \
             a.id) \
             WHERE a.region_code LIKE $1 AND a.status NOT IN ('withdrawn') ORDER BY a.number",
        )
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let mut a: AssessedHousehold = r.to::<AssessedRow, _>()?;
                a.facts_json = self.open(FACTS, &a.facts_json)?;
                Ok(a)
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn due_parameters(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<Vec<ParameterRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {PARAMETER_COLUMNS} FROM policy_parameters \
             WHERE reassessed_at IS NULL AND withdrawn_at IS NULL AND approved_at IS NOT NULL \
               AND effective_from <= $1 ORDER BY id"
        ))
        .bind(today)
        .fetch_all(&self.db)
        .await?;
        parameters_from(rows)
    }

    #[tracing::instrument(skip_all)]
    async fn mark_parameter_reassessed(&self, id: i64, now: Millis) -> Result<(), DbError> {
        query(
            "UPDATE policy_parameters SET reassessed_at = $1 WHERE id = $2 AND reassessed_at IS \
            NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn add_reassessment_proposal(&self, p: NewProposal) -> Result<bool, DbError> {
        let r = query(
            "INSERT INTO reassessment_proposals (application_id, parameter_id, from_categories, \
                to_categories, facts, parameters, assessment, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (application_id, parameter_id) \
             DO NOTHING",
        )
        .bind(&p.application_id)
        .bind(p.parameter_id)
        .bind(p.from_categories.codes())
        .bind(p.to_categories.codes())
        .bind(self.seal(FACTS, &p.assessment.facts_json))
        .bind(&p.assessment.parameters_json)
        .bind(self.seal(ASSESSMENT, &p.assessment.assessment_json))
        .bind(p.now)
        .execute(&self.db)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn decide_reassessment_proposal(
        &self,
        id: i64,
        region: &RegionCode,
        accept: bool,
        actor_id: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // Claim the open proposal first: a concurrent decision waits, then finds it decided.
        let done = query(
            "UPDATE reassessment_proposals SET status = $1 WHERE id = $2 AND status = 'open' \
             AND application_id IN (SELECT id FROM applications WHERE region_code LIKE $3)",
        )
        .bind(
            if accept {
                ProposalStatus::Accepted
            } else {
                ProposalStatus::Dismissed
            }
            .code(),
        )
        .bind(id)
        .bind(within(region))
        .execute(&mut tx)
        .await?
        .rows_affected();
        if done == 0 {
            let r = query(
                "SELECT p.status FROM reassessment_proposals p JOIN applications a ON a.id = \
                    p.application_id \
                 WHERE p.id = $1 AND a.region_code LIKE $2",
            )
            .bind(id)
            .bind(within(region))
            .fetch_optional(&mut tx)
            .await?;
            return Err(if r.is_some() {
                DbError::Conflict("proposal_decided")
            } else {
                DbError::NotFound
            });
        }
        if accept {
            query(
                "INSERT INTO assessments (application_id, reason, facts, parameters, assessment, \
                    categories, created_by, created_at) \
                 SELECT application_id, 'reassessment', facts, parameters, assessment, \
                 to_categories, $1, $2 \
                 FROM reassessment_proposals WHERE id = $3",
            )
            .bind(actor_id)
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
            let app = query(
                "SELECT a.id, a.status FROM applications a JOIN reassessment_proposals p ON \
                    p.application_id = a.id WHERE p.id = $1",
            )
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
            let (app_id, status): (String, String) = app.decode()?;
            add_event(
                &mut tx,
                &self.cipher,
                &app_id,
                TimelineKind::Reassessed,
                code("status", &status)?,
                actor_id,
                "",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn reassessment_proposals(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<ProposalRecord>, DbError> {
        let rows = query(
            "SELECT p.id, a.number, a.region_code, p.parameter_id, p.from_categories, \
                p.to_categories, p.status, p.created_at \
             FROM reassessment_proposals p JOIN applications a ON a.id = p.application_id \
             WHERE a.region_code LIKE $1 ORDER BY p.id DESC LIMIT 500",
        )
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(Row::to::<ProposalRow, _>).collect()
    }
}
