//! 资金发放: monthly payment rolls per county, their lines, two-person approval and the bank's
//! return file.

use super::*;
pub use crate::domain::payments::{BankStatus, RollStatus};
use crate::domain::payments::{Fund, Month, PayInput, PayLine, PayNote};
use crate::domain::policy::assess::Category;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollRecord {
    pub id: String,
    pub county: RegionCode,
    pub month: Month,
    pub status: RollStatus,
    pub households: i64,
    pub total: Money,
    pub held: Money,
    pub prepared_by: String,
    pub prepared_by_name: String,
    pub prepared_at: Millis,
    pub approved_by: Option<String>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<Millis>,
    pub reconciled_at: Option<Millis>,
}

/// A roll to store with its lines (made by the server).
#[derive(Clone, Debug)]
pub struct NewRoll {
    pub id: String,
    pub county: RegionCode,
    pub month: Month,
    pub prepared_by: String,
    pub now: Millis,
}

/// A stored line, with the bank's answer once given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRecord {
    pub roll_id: String,
    pub line: PayLine,
    pub bank: Option<(BankStatus, String)>,
}

/// Per category and fund: households, paid and held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollTotal {
    pub category: Category,
    pub fund: Fund,
    pub households: i64,
    pub amount: Money,
    pub held: Money,
}

/// Which lines of a roll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineFilter {
    All,
    /// Lines the bank returned as failed (for follow-up).
    Failed,
    /// Lines paying something (what the bank file holds).
    Paying,
}

/// A paying line with who is paid: the head's ID number and the latest declaration (opened),
/// for the bank file.
#[derive(Clone, Debug)]
pub struct PayeeRecord {
    pub line: LineRecord,
    pub head_id_number: IdNumber,
    pub declaration_json: Option<String>,
    /// The head's name as a roster listed them, when there is no declaration (taken in).
    pub listed_head_name: Option<String>,
}

/// One row of the bank's return file, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankAnswer {
    pub household_id: String,
    pub status: BankStatus,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReturnOutcome {
    /// Answers recorded.
    pub matched: i64,
    /// References that are no paying line of the roll.
    pub unknown: Vec<String>,
    /// Paying lines still without an answer.
    pub unanswered: i64,
    pub paid: Money,
    pub failed: Money,
    /// Every paying line is answered now.
    pub reconciled: bool,
}

#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// The county's households with a decision in force, as a roll reads them, in id order after
    /// `after` (keyset), at most `limit`.
    async fn pay_inputs(
        &self,
        county: &RegionCode,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<PayInput>, DbError>;

    /// The month of the county's first frozen roll.
    async fn first_frozen_month(&self, county: &RegionCode) -> Result<Option<Month>, DbError>;

    /// Stores a prepared roll and its lines in one transaction, replacing the county's prepared
    /// roll of that month; `Conflict("roll_frozen")` when that month's roll is approved.
    async fn save_roll(&self, roll: NewRoll, lines: &[PayLine]) -> Result<(), DbError>;

    async fn roll(&self, id: &str) -> Result<Option<RollRecord>, DbError>;

    /// The county's rolls, newest month first.
    async fn rolls(&self, county: &RegionCode, limit: i64) -> Result<Vec<RollRecord>, DbError>;

    async fn roll_totals(&self, roll_id: &str) -> Result<Vec<RollTotal>, DbError>;

    /// Lines of a roll in household order after `after`.
    async fn roll_lines(
        &self,
        roll_id: &str,
        filter: LineFilter,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<LineRecord>, DbError>;

    /// Lines of a roll with their payees, in household order after `after`.
    async fn payees(
        &self,
        roll_id: &str,
        filter: LineFilter,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<PayeeRecord>, DbError>;

    /// Approval by a second person, in one transaction: the roll is frozen and each paid
    /// household's `paid_through` becomes the roll's month. Refusals: `roll_state` (not
    /// prepared), `same_person` (the preparer), `roll_stale` (a household was paid meanwhile by
    /// another roll: prepare it again).
    async fn approve_roll(&self, id: &str, actor_id: &str, now: Millis) -> Result<(), DbError>;

    /// Records the bank's answers for an approved roll (`roll_state` otherwise). A later answer
    /// for the same line replaces the earlier (a corrected return file).
    async fn record_bank_return(
        &self,
        roll_id: &str,
        answers: &[BankAnswer],
        now: Millis,
    ) -> Result<ReturnOutcome, DbError>;

    /// Lines of the county's frozen rolls that paid a household which has left, in or after
    /// the month its aid ended, newest first (at most 500): (roll month, line, last day of aid).
    async fn paid_after_exit(
        &self,
        county: &RegionCode,
    ) -> Result<Vec<(Month, LineRecord, NaiveDate)>, DbError>;

    /// A household's lines in frozen rolls, newest month first: its payments.
    async fn household_payments(
        &self,
        household_id: &str,
    ) -> Result<Vec<(Month, LineRecord)>, DbError>;
}

/// The notes of a line as stored (JSON).
pub fn notes_json(notes: &[PayNote]) -> String {
    serde_json::to_string(notes).unwrap_or_else(|_| "[]".into())
}
