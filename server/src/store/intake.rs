//! 现有对象直接纳入: a roster's rows taken in one transaction as the reader sends them. Each
//! person finds their household by the head's ID number (or the head's membership of one), or
//! makes it; a person already of another household is refused, never moved.

use super::dialect::{code, day, query, within, Row};
use super::households::insert_aid;
use super::sealed::{CASELOAD_DETAIL, CASELOAD_ID, CASELOAD_NAME, ID_SEALED, NAME};
use super::SqlStore;
use app::domain::chain::{AidKind, AidOrigin, Department, NewAid};
use app::domain::cycle::{china_midnight_ms, Standing};
use app::domain::intake::{IntakeRow, Roster};
use app::domain::monitoring::RowProblem;
use app::domain::region::RegionCode;
use app::store::*;
use std::collections::HashMap;

impl SqlStore {
    /// The household is found by this person's name forms (`household_keys`).
    async fn insert_name_keys(
        &self,
        tx: &mut super::dialect::Tx<'_>,
        household: &str,
        name: &str,
    ) -> Result<(), DbError> {
        for form in crate::crypto::name_keys(name) {
            query(
                "INSERT INTO household_keys (household_id, kind, digest) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(household)
            .bind(NAME)
            .bind(self.cipher.digest(NAME, &form))
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Keys the names of persons taken in before `household_keys` existed, once, in batches;
    /// returns how many persons. Run at start.
    pub async fn key_caseload_names(&self) -> Result<usize, DbError> {
        const DONE: &str = "caseload_names_v1";
        if super::sealed::is_done(&self.db, DONE).await? {
            return Ok(0);
        }
        let (mut after, mut keyed) = ((String::new(), String::new()), 0);
        loop {
            let rows = query(
                "SELECT roster, person_key, household_id, person_name FROM caseload \
                 WHERE roster > $1 OR (roster = $1 AND person_key > $2) \
                 ORDER BY roster, person_key LIMIT 500",
            )
            .bind(&after.0)
            .bind(&after.1)
            .fetch_all(&self.db)
            .await?;
            let mut tx = self.db.begin().await?;
            for r in &rows {
                let (roster, key, household, sealed): (String, String, String, String) =
                    r.decode()?;
                let name = self.open(CASELOAD_NAME, &sealed)?;
                self.insert_name_keys(&mut tx, &household, &name).await?;
                after = (roster, key);
            }
            keyed += rows.len();
            if rows.len() < 500 {
                super::sealed::mark_done(&mut tx, DONE).await?;
                tx.commit().await?;
                return Ok(keyed);
            }
            tx.commit().await?;
        }
    }

    /// One row inside the intake's transaction. `made`: households this intake made, with
    /// their village.
    async fn intake_row(
        &self,
        tx: &mut super::dialect::Tx<'_>,
        meta: &NewIntake,
        r: &IntakeRow,
        made: &mut HashMap<String, RegionCode>,
        out: &mut IntakeOutcome,
    ) -> Result<Option<RowProblem>, DbError> {
        let head_key = self.id_key(r.head.as_str());
        let person_key = self.id_key(r.id_number.as_str());
        let found = query("SELECT id FROM households WHERE head_id_number = $1")
            .bind(&head_key)
            .fetch_optional(&mut *tx)
            .await?;
        let mut household: Option<String> = found.map(|row| row.get("id")).transpose()?;
        if household.is_none() {
            // The head may be a member of a household headed by someone else.
            let member = query("SELECT household_id FROM persons WHERE id_number = $1")
                .bind(&head_key)
                .fetch_optional(&mut *tx)
                .await?;
            household = member.map(|row| row.get("household_id")).transpose()?;
        }
        let household = match household {
            Some(h) => {
                if made.get(&h).is_some_and(|village| *village != r.region) {
                    return Ok(Some(RowProblem::HouseholdMismatch));
                }
                h
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                query(
                    "INSERT INTO households (id, head_id_number, head_id_sealed, region_code, \
                     created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&id)
                .bind(&head_key)
                .bind(self.seal(ID_SEALED, r.head.as_str()))
                .bind(r.region.as_str())
                .bind(meta.now)
                .execute(&mut *tx)
                .await?;
                query(
                    "INSERT INTO persons (id_number, household_id, region_code) \
                     VALUES ($1, $2, $3) ON CONFLICT (id_number) DO NOTHING",
                )
                .bind(&head_key)
                .bind(&id)
                .bind(r.region.as_str())
                .execute(&mut *tx)
                .await?;
                made.insert(id.clone(), r.region.clone());
                out.households_new += 1;
                id
            }
        };
        let member = query("SELECT household_id FROM persons WHERE id_number = $1")
            .bind(&person_key)
            .fetch_optional(&mut *tx)
            .await?;
        match member
            .map(|row| row.get::<String, _>("household_id"))
            .transpose()?
        {
            Some(other) if other != household => return Ok(Some(RowProblem::OtherHousehold)),
            Some(_) => {}
            None => {
                query(
                    "INSERT INTO persons (id_number, household_id, region_code) \
                     VALUES ($1, $2, $3)",
                )
                .bind(&person_key)
                .bind(&household)
                .bind(r.region.as_str())
                .execute(&mut *tx)
                .await?;
            }
        }
        let listed = query(
            "INSERT INTO caseload (roster, person_key, household_id, person_id, person_name, \
             relation, monthly_amount, since, grade, detail, intake_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (roster, person_key) DO NOTHING",
        )
        .bind(meta.roster.code())
        .bind(&person_key)
        .bind(&household)
        .bind(self.seal(CASELOAD_ID, r.id_number.as_str()))
        .bind(self.seal(CASELOAD_NAME, &r.name))
        .bind(r.relation.code())
        .bind(r.amount_fen)
        .bind(r.since.to_string())
        .bind(r.grade.map(i64::from))
        .bind(self.seal_or_empty(CASELOAD_DETAIL, &r.detail))
        .bind(&meta.id)
        .bind(meta.now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if listed == 0 {
            out.already += 1;
            return Ok(None);
        }
        self.insert_name_keys(&mut *tx, &household, &r.name).await?;
        out.taken += 1;
        if !made.contains_key(&household) {
            out.merged += 1;
        }
        if meta.roster.in_assistance() {
            query(
                "UPDATE households SET standing = $1, standing_at = $2 \
                 WHERE id = $3 AND standing <> $1",
            )
            .bind(Standing::InAssistance.code())
            .bind(china_midnight_ms(r.since))
            .bind(&household)
            .execute(&mut *tx)
            .await?;
            // The listed amount is the household's basic living aid from that day, in its chain
            // (once per person and roster).
            if let Some(amount) = r.amount_fen.filter(|a| *a > 0) {
                let aid = NewAid {
                    kind: AidKind::BasicLiving,
                    source: Some(Department::CivilAffairs),
                    source_name: String::new(),
                    amount_fen: amount,
                    monthly: true,
                    from: r.since,
                    until: None,
                    note: format!("intake:{}", meta.roster.code()),
                };
                let id = format!("intake-{}-{}", meta.roster.code(), &person_key);
                insert_aid(
                    &mut *tx,
                    &household,
                    &id,
                    &aid,
                    AidOrigin::Manual,
                    &meta.created_by,
                    meta.now,
                )
                .await?;
            }
        }
        if meta.roster == Roster::RelapseWatch {
            query(
                "UPDATE households SET relapse_watch_since = $1 \
                 WHERE id = $2 AND relapse_watch_since IS NULL",
            )
            .bind(r.since.to_string())
            .bind(&household)
            .execute(&mut *tx)
            .await?;
        }
        Ok(None)
    }
}

#[async_trait::async_trait]
impl IntakeStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn intake(
        &self,
        meta: NewIntake,
        mut rows: tokio::sync::mpsc::Receiver<IntakeBatch>,
    ) -> Result<IntakeOutcome, DbError> {
        let mut tx = self.db.begin().await?;
        // The intake's record first: its rows refer to it (its report is written at the end).
        query(
            "INSERT INTO intakes (id, roster, file_hash, file_name, region_code, status, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'done', $6, $7)",
        )
        .bind(&meta.id)
        .bind(meta.roster.code())
        .bind(&meta.file_hash)
        .bind(&meta.file_name)
        .bind(meta.region.as_str())
        .bind(&meta.created_by)
        .bind(meta.now)
        .execute(&mut tx)
        .await?;
        let mut out = IntakeOutcome::default();
        let mut made = HashMap::new();
        loop {
            match rows.recv().await {
                Some(IntakeBatch::Rows(batch)) => {
                    for (line, r) in batch {
                        if let Some(p) = self
                            .intake_row(&mut tx, &meta, &r, &mut made, &mut out)
                            .await?
                        {
                            out.refused.push((line, p));
                        }
                    }
                }
                Some(IntakeBatch::End) => break,
                // The reader refused the file, or stopped: nothing is kept.
                Some(IntakeBatch::Abort) | None => {
                    tx.rollback().await?;
                    return Err(DbError::Conflict("intake_aborted"));
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn record_intake(
        &self,
        meta: &NewIntake,
        refused: bool,
        rows_read: i64,
        taken: i64,
        report_json: &str,
    ) -> Result<(), DbError> {
        // A refused file has no row yet (its transaction was rolled back).
        query(
            "INSERT INTO intakes (id, roster, file_hash, file_name, region_code, status, \
             rows_read, taken, report, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET rows_read = $7, taken = $8, report = $9",
        )
        .bind(&meta.id)
        .bind(meta.roster.code())
        .bind(&meta.file_hash)
        .bind(&meta.file_name)
        .bind(meta.region.as_str())
        .bind(if refused { "refused" } else { "done" })
        .bind(rows_read)
        .bind(taken)
        .bind(report_json)
        .bind(&meta.created_by)
        .bind(meta.now)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn intakes_in(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<(String, Roster, String, String, Millis)>, DbError> {
        let rows = query(
            "SELECT id, roster, file_name, report, created_at FROM intakes \
             WHERE region_code LIKE $1 ORDER BY created_at DESC, id LIMIT 50",
        )
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r: &Row| {
                let roster: String = r.get("roster")?;
                Ok((
                    r.get("id")?,
                    code("roster", &roster)?,
                    r.get("file_name")?,
                    r.get("report")?,
                    r.get("created_at")?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn caseload_of(&self, household_id: &str) -> Result<Vec<CaseloadRecord>, DbError> {
        let rows = query(
            "SELECT roster, person_id, person_name, relation, monthly_amount, since, grade, \
             detail, created_at FROM caseload WHERE household_id = $1 ORDER BY since, roster",
        )
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r: &Row| {
                let roster: String = r.get("roster")?;
                let relation: String = r.get("relation")?;
                let since: String = r.get("since")?;
                let detail: String = r.get("detail")?;
                Ok(CaseloadRecord {
                    roster: code("roster", &roster)?,
                    name: self.open(CASELOAD_NAME, &r.get::<String, _>("person_name")?)?,
                    id_number: self.open(CASELOAD_ID, &r.get::<String, _>("person_id")?)?,
                    relation: code("relation", &relation)?,
                    monthly_amount_fen: r.get("monthly_amount")?,
                    since: day("since", &since)?,
                    grade: r.get("grade")?,
                    detail: if detail.is_empty() {
                        detail
                    } else {
                        self.open(CASELOAD_DETAIL, &detail)?
                    },
                    created_at: r.get("created_at")?,
                })
            })
            .collect()
    }
}
