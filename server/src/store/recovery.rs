//! 追回: recovery cases. A step reads its case locked (PostgreSQL `FOR UPDATE`; SQLite's
//! transaction holds the write lock from its start), lets `domain::recovery` decide, and writes
//! the case, the repayment and the audit entry in the same transaction.

use super::dialect::{code, day, query, region, Dialect, Row, Tx};
use super::sealed::{RECOVERY_NOTE, RECOVERY_WRITE_OFF};
use super::SqlStore;
use app::domain::audit::AuditResult;
use app::domain::money::Money;
use app::domain::recovery::{ask_write_off, decide_write_off, repay, RecoveryRefusal};
use app::store::*;

const COLUMNS: &str = "c.id, c.household_id, c.region_code, c.reason, c.state, c.amount, \
    c.repaid, c.written_off, c.decision, c.note, c.write_off_reason, c.write_off_asked_by, \
    c.approved_by, COALESCE(u.display_name, '') AS opened_by_name, c.opened_at, c.updated_at";

const REPAYMENTS: &str = "SELECT p.amount, p.paid_on, COALESCE(u.display_name, '') AS by_name, \
    p.recorded_at FROM recovery_repayments p LEFT JOIN users u ON u.id = p.recorded_by \
    WHERE p.case_id = $1 ORDER BY p.id";

fn case_sql(lock: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM recovery_cases c LEFT JOIN users u ON u.id = c.opened_by \
         WHERE c.id = $1{lock}"
    )
}

fn repayment(r: &Row) -> Result<Repayment, DbError> {
    let paid_on: String = r.get("paid_on")?;
    Ok(Repayment {
        amount: Money::from_fen(r.get("amount")?),
        paid_on: day("paid_on", &paid_on)?,
        by_name: r.get("by_name")?,
        at: r.get("recorded_at")?,
    })
}

fn refused(r: RecoveryRefusal) -> DbError {
    DbError::Conflict(r.code())
}

impl SqlStore {
    fn recovery_of_row(&self, r: &Row) -> Result<RecoveryRecord, DbError> {
        let raw_region: String = r.get("region_code")?;
        let reason: String = r.get("reason")?;
        let state: String = r.get("state")?;
        let note: String = r.get("note")?;
        let write_off: String = r.get("write_off_reason")?;
        Ok(RecoveryRecord {
            id: r.get("id")?,
            household_id: r.get("household_id")?,
            region_code: region("region_code", &raw_region)?,
            reason: code("reason", &reason)?,
            state: code("state", &state)?,
            sums: RecoverySums {
                amount: Money::from_fen(r.get("amount")?),
                repaid: Money::from_fen(r.get("repaid")?),
                written_off: Money::from_fen(r.get("written_off")?),
            },
            decision: r.get("decision")?,
            note: self.open(RECOVERY_NOTE, &note)?,
            write_off_reason: if write_off.is_empty() {
                String::new()
            } else {
                self.open(RECOVERY_WRITE_OFF, &write_off)?
            },
            write_off_asked_by: r.get("write_off_asked_by")?,
            approved_by: r.get("approved_by")?,
            opened_by_name: r.get("opened_by_name")?,
            opened_at: r.get("opened_at")?,
            updated_at: r.get("updated_at")?,
            repayments: Vec::new(),
        })
    }

    /// The case, read inside `tx` (locked where the backend needs it).
    async fn case_in(
        &self,
        tx: &mut Tx<'_>,
        id: &str,
        lock: bool,
    ) -> Result<Option<RecoveryRecord>, DbError> {
        let lock = if lock && tx.dialect() == Dialect::Postgres {
            " FOR UPDATE OF c"
        } else {
            ""
        };
        let Some(r) = query(&case_sql(lock))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let mut case = self.recovery_of_row(&r)?;
        case.repayments = query(REPAYMENTS)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(repayment)
            .collect::<Result<_, _>>()?;
        Ok(Some(case))
    }
}

#[async_trait::async_trait]
impl RecoveryStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn open_recovery(&self, r: NewRecovery) -> Result<(), DbError> {
        if r.amount.fen() <= 0 {
            return Err(refused(RecoveryRefusal::Amount));
        }
        let mut tx = self.db.begin().await?;
        query(
            "INSERT INTO recovery_cases (id, household_id, region_code, reason, amount, state, \
             decision, note, opened_by, opened_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $9)",
        )
        .bind(&r.id)
        .bind(&r.household_id)
        .bind(r.region_code.as_str())
        .bind(r.reason.code())
        .bind(r.amount.fen())
        .bind(&r.decision)
        .bind(self.seal(RECOVERY_NOTE, &r.note))
        .bind(&r.opened_by)
        .bind(r.now)
        .execute(&mut tx)
        .await?;
        super::audit::append(
            &mut tx,
            super::audit::entry(
                &r.opened_by,
                "recovery_open",
                &format!("{} household={} amount={}", r.id, r.household_id, r.amount),
                AuditResult::Ok,
                r.now,
            ),
        )
        .await?;
        tx.commit().await
    }

    #[tracing::instrument(skip_all)]
    async fn recovery(&self, id: &str) -> Result<Option<RecoveryRecord>, DbError> {
        let Some(r) = query(&case_sql(""))
            .bind(id)
            .fetch_optional(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let mut case = self.recovery_of_row(&r)?;
        case.repayments = query(REPAYMENTS)
            .bind(id)
            .fetch_all(&self.db)
            .await?
            .iter()
            .map(repayment)
            .collect::<Result<_, _>>()?;
        Ok(Some(case))
    }

    #[tracing::instrument(skip_all)]
    async fn recoveries_of(&self, household_id: &str) -> Result<Vec<RecoveryRecord>, DbError> {
        let ids = query(
            "SELECT id FROM recovery_cases WHERE household_id = $1 ORDER BY opened_at DESC, id",
        )
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for r in ids {
            let id: String = r.get("id")?;
            if let Some(c) = self.recovery(&id).await? {
                out.push(c);
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn recovery_step(
        &self,
        id: &str,
        step: RecoveryStep,
        actor_id: &str,
        now: Millis,
    ) -> Result<RecoveryRecord, DbError> {
        let mut tx = self.db.begin().await?;
        let case = self
            .case_in(&mut tx, id, true)
            .await?
            .ok_or(DbError::NotFound)?;
        let (action, object) = match step {
            RecoveryStep::Repay { amount, paid_on } => {
                let (sums, state) = repay(case.state, case.sums, amount).map_err(refused)?;
                query(
                    "UPDATE recovery_cases SET repaid = $2, state = $3, updated_at = $4 \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(sums.repaid.fen())
                .bind(state.code())
                .bind(now)
                .execute(&mut tx)
                .await?;
                query(
                    "INSERT INTO recovery_repayments (case_id, amount, paid_on, recorded_by, \
                     recorded_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(amount.fen())
                .bind(paid_on)
                .bind(actor_id)
                .bind(now)
                .execute(&mut tx)
                .await?;
                (
                    "recovery_repay",
                    format!("{id} amount={amount} paid_on={paid_on}"),
                )
            }
            RecoveryStep::AskWriteOff { reason } => {
                ask_write_off(case.state, case.sums).map_err(refused)?;
                query(
                    "UPDATE recovery_cases SET state = 'write_off_asked', write_off_reason = $2, \
                     write_off_asked_by = $3, approved_by = NULL, updated_at = $4 WHERE id = $1",
                )
                .bind(id)
                .bind(self.seal(RECOVERY_WRITE_OFF, &reason))
                .bind(actor_id)
                .bind(now)
                .execute(&mut tx)
                .await?;
                (
                    "recovery_write_off_asked",
                    format!("{id} outstanding={}", case.sums.outstanding()),
                )
            }
            RecoveryStep::DecideWriteOff { approve } => {
                let (sums, state) = decide_write_off(
                    case.state,
                    case.sums,
                    case.write_off_asked_by.as_deref(),
                    actor_id,
                    approve,
                )
                .map_err(refused)?;
                query(
                    "UPDATE recovery_cases SET written_off = $2, state = $3, approved_by = $4, \
                     updated_at = $5 WHERE id = $1",
                )
                .bind(id)
                .bind(sums.written_off.fen())
                .bind(state.code())
                .bind(approve.then_some(actor_id))
                .bind(now)
                .execute(&mut tx)
                .await?;
                if approve {
                    (
                        "recovery_write_off_approved",
                        format!("{id} written_off={}", case.sums.outstanding()),
                    )
                } else {
                    ("recovery_write_off_refused", id.to_string())
                }
            }
        };
        super::audit::append(
            &mut tx,
            super::audit::entry(actor_id, action, &object, AuditResult::Ok, now),
        )
        .await?;
        let after = self
            .case_in(&mut tx, id, false)
            .await?
            .ok_or(DbError::NotFound)?;
        tx.commit().await?;
        Ok(after)
    }
}
