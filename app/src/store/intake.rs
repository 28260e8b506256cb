//! 现有对象直接纳入: rosters of the existing caseload taken in as households and members.

use super::*;
use crate::domain::intake::{IntakeRow, Roster};
use crate::domain::monitoring::RowProblem;
use crate::domain::payments::Month;

/// An intake as it starts (its id made by the server).
#[derive(Clone, Debug)]
pub struct NewIntake {
    pub id: String,
    pub roster: Roster,
    pub file_hash: String,
    pub file_name: String,
    /// The importer's region: every row lies inside it (checked when the row was read).
    pub region: RegionCode,
    pub created_by: String,
    pub now: Millis,
    /// The intake's day in China.
    pub today: NaiveDate,
    /// What a household this intake decides is deemed paid through by the county's system
    /// before this one (the month before the intake's): its payment rolls here start after it
    /// and never pay those months again as arrears.
    pub paid_outside_through: Month,
    /// The annual review's interval (months) and lead (days) in force in the importer's
    /// region, when the parameters give them: a Dibao-marginal or rigid-expense household
    /// this intake decides is reviewed on its next anniversary.
    pub review: Option<(i64, i64)>,
    /// Only a check: everything is done in the transaction, reported, and rolled back.
    pub check: bool,
}

/// What the reader sends the store: rows in batches (each with its line in the file), then
/// the end (the reader's count of rows and its report) or an abort (the file was refused).
#[derive(Debug)]
pub enum IntakeBatch {
    Rows(Vec<(i64, IntakeRow)>),
    End,
    Abort,
}

/// What the store did with an intake's rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntakeOutcome {
    /// Persons newly listed.
    pub taken: i64,
    /// Of those, in households that were in the database before this intake.
    pub merged: i64,
    /// Persons already on this roster with the same amount and start date (an intake again).
    pub already: i64,
    /// Persons already on this roster whose amount or start date this intake corrected (their
    /// household decided again).
    pub corrected: i64,
    /// Persons already on this roster with another amount or start date, in a household
    /// decided here: not corrected (a roster never overrules a decision recorded here).
    pub not_corrected: i64,
    /// Households made by this intake.
    pub households_new: i64,
    /// Households whose decision in force this intake made or changed (on the 花名册 and the
    /// payment rolls from then on).
    pub decided: i64,
    /// Of those, how many under each category.
    pub decided_by_category: Vec<(crate::domain::policy::assess::Category, i64)>,
    /// Households decided here (a decision of an application in force, or exited or rejected
    /// here): kept as they are.
    pub decisions_kept: i64,
    /// Households on a relapse-watch or disabled persons' roster only, now listed (not in
    /// assistance) rather than applicants.
    pub listed: i64,
    /// Rows the store refused, with their line (a person of another household; one household's
    /// rows naming different villages).
    pub refused: Vec<(i64, RowProblem)>,
}

/// A person as a roster listed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseloadRecord {
    pub roster: Roster,
    pub name: String,
    pub id_number: String,
    pub relation: crate::domain::declaration::Relation,
    pub monthly_amount_fen: Option<i64>,
    pub since: NaiveDate,
    pub grade: Option<i64>,
    pub detail: String,
    /// The address and phone the roster gave (empty when it gave none).
    pub address: String,
    pub phone: String,
    pub created_at: Millis,
    /// 生活自理能力, when a Tekun roster listed it.
    pub care_need: Option<crate::domain::policy::facts::CareNeed>,
}

/// A household's decision in force when an intake made it (现有对象直接纳入).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeDecisionRecord {
    pub category: crate::domain::policy::assess::Category,
    pub monthly_amount_fen: i64,
    pub effective_from: NaiveDate,
    pub decided_at: Millis,
    /// The intake that made it: its roster and file.
    pub roster: Roster,
    pub file_name: String,
}

#[async_trait]
pub trait IntakeStore: Send + Sync {
    /// Takes a roster's rows in one transaction as they arrive: `Ok` with what was done once
    /// the reader ends; an abort (or a failure) stores nothing.
    async fn intake(
        &self,
        meta: NewIntake,
        rows: tokio::sync::mpsc::Receiver<IntakeBatch>,
    ) -> Result<IntakeOutcome, DbError>;

    /// Records an intake's report (the reader's counts and the store's, as one JSON text), or a
    /// file refused whole (nothing of it stored).
    async fn record_intake(
        &self,
        meta: &NewIntake,
        refused: bool,
        rows_read: i64,
        taken: i64,
        report_json: &str,
    ) -> Result<(), DbError>;

    /// Recent intakes in `region`, newest first: (id, roster, file name, report JSON, when).
    async fn intakes_in(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<(String, Roster, String, String, Millis)>, DbError>;

    /// The roster listings of a household.
    async fn caseload_of(&self, household_id: &str) -> Result<Vec<CaseloadRecord>, DbError>;

    /// The household's decision in force, when an intake made it.
    async fn intake_decision_of(
        &self,
        household_id: &str,
    ) -> Result<Option<IntakeDecisionRecord>, DbError>;
}
