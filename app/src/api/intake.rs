//! 现有对象直接纳入 (Zhangye (三), (十四)): the county's caseworkers (or a system administrator)
//! take in the current rosters at /staff/intake (`POST /intake`, `server::intake`); this is the
//! page's data: the rosters, their templates' columns and the recent intakes' reports.

use crate::domain::intake::Roster;
use crate::domain::monitoring::{FileProblem, RowProblem};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What an intake did: rows read, people taken (in households new or already known), people
/// already listed, rows refused with their reasons.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeReport {
    /// A check of the file: everything was done as an intake would, then undone (nothing
    /// stored, the intake not listed).
    #[serde(default)]
    pub check: bool,
    pub intake_id: Option<String>,
    pub roster: Option<Roster>,
    pub file_name: String,
    pub refused: Option<FileProblem>,
    pub rows_read: i64,
    pub taken: i64,
    /// Of those taken, people of households the database held before.
    pub merged: i64,
    pub households_new: i64,
    /// People already on this roster (the same file again adds nothing).
    pub already: i64,
    /// People already on this roster whose amount or start date the file corrected: their
    /// household's decision by intake made again.
    #[serde(default)]
    pub corrected: i64,
    /// People already on this roster with another amount or start date, in households decided
    /// here: not corrected (to be changed through the household's case).
    #[serde(default)]
    pub not_corrected: i64,
    /// Households whose decision in force the intake made or changed: on the 花名册 with
    /// their category and amount, and paid by the county's rolls from the intake's month.
    #[serde(default)]
    pub decided: i64,
    /// Of those, how many under each category (a clerk who chose the wrong roster sees it).
    #[serde(default)]
    pub decided_by_category: Vec<(crate::domain::policy::Category, i64)>,
    /// Households decided here (approved, exited or rejected): kept as they are.
    #[serde(default)]
    pub decisions_kept: i64,
    /// Households on a relapse-watch or disabled persons' roster only: listed for monitoring,
    /// not applicants.
    #[serde(default)]
    pub listed: i64,
    pub invalid: i64,
    pub ignored_columns: Vec<String>,
    pub problems_by_kind: Vec<(RowProblem, i64)>,
    /// The first refused rows: (line in the file, the header being 1; reason).
    pub problems: Vec<(i64, RowProblem)>,
    pub created_at: i64,
}

/// A roster's template as the page lists it: each column's first header and whether it is
/// required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterTemplate {
    pub roster: Roster,
    pub columns: Vec<(String, bool)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeOverview {
    pub templates: Vec<RosterTemplate>,
    pub recent: Vec<IntakeReport>,
}

/// The rosters' templates and the recent intakes of the caller's region.
#[server(endpoint = "intake/page")]
pub async fn intake_page() -> Result<IntakeOverview, AppError> {
    use crate::auth;
    use crate::domain::status::Role;
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = crate::services::services()?;
    let recent = s
        .store
        .intakes_in(&scope)
        .await?
        .into_iter()
        .map(|(id, roster, file_name, report, at)| IntakeReport {
            intake_id: Some(id),
            roster: Some(roster),
            file_name,
            created_at: at,
            ..serde_json::from_str(&report).unwrap_or_default()
        })
        .collect();
    Ok(IntakeOverview {
        templates: Roster::ALL
            .into_iter()
            .map(|roster| RosterTemplate {
                roster,
                columns: roster
                    .template()
                    .iter()
                    .map(|c| (c.headers[0].to_string(), c.required))
                    .collect(),
            })
            .collect(),
        recent,
    })
}
