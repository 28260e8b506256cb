//! 追回: recovery cases of overpaid money, their repayments and write-offs. Each step is one
//! transaction that reads the case (locked), applies the rule (`domain::recovery`) and records
//! the step with its audit entry.

use super::*;
pub use crate::domain::recovery::{RecoveryReason, RecoveryState, RecoverySums};

#[derive(Clone, Debug)]
pub struct NewRecovery {
    /// Made by the server.
    pub id: String,
    pub household_id: String,
    pub region_code: RegionCode,
    pub reason: RecoveryReason,
    pub amount: Money,
    /// 追回决定: the decision's number and words.
    pub decision: String,
    pub note: String,
    pub opened_by: String,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repayment {
    pub amount: Money,
    pub paid_on: chrono::NaiveDate,
    pub by_name: String,
    pub at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryRecord {
    pub id: String,
    pub household_id: String,
    pub region_code: RegionCode,
    pub reason: RecoveryReason,
    pub state: RecoveryState,
    pub sums: RecoverySums,
    pub decision: String,
    pub note: String,
    pub write_off_reason: String,
    pub write_off_asked_by: Option<String>,
    pub approved_by: Option<String>,
    pub opened_by_name: String,
    pub opened_at: Millis,
    pub updated_at: Millis,
    /// Oldest first.
    pub repayments: Vec<Repayment>,
}

/// A step on a case, as the store records it.
#[derive(Clone, Debug)]
pub enum RecoveryStep {
    Repay {
        amount: Money,
        paid_on: chrono::NaiveDate,
    },
    AskWriteOff {
        reason: String,
    },
    DecideWriteOff {
        approve: bool,
    },
}

#[async_trait]
pub trait RecoveryStore: Send + Sync {
    /// Opens a case (audited `recovery_open`).
    async fn open_recovery(&self, r: NewRecovery) -> Result<(), DbError>;

    async fn recovery(&self, id: &str) -> Result<Option<RecoveryRecord>, DbError>;

    /// A household's cases, newest first.
    async fn recoveries_of(&self, household_id: &str) -> Result<Vec<RecoveryRecord>, DbError>;

    /// One step on a case, checked by `domain::recovery` against the case as it is when the
    /// step is recorded: `Conflict(code)` with the refusal's code, `NotFound` for no case.
    /// Audited (`recovery_repay`, `recovery_write_off_asked`, `recovery_write_off_approved` or
    /// `…_refused`). The case after it.
    async fn recovery_step(
        &self,
        id: &str,
        step: RecoveryStep,
        actor_id: &str,
        now: Millis,
    ) -> Result<RecoveryRecord, DbError>;
}
