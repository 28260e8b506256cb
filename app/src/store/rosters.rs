//! 花名册: the rows behind a roster export, read a page at a time in a stable order (a keyset
//! cursor), so an export of any size holds one page in memory.

use super::*;
use crate::domain::cycle::Standing;
use crate::domain::monitoring::{RuleKind, WarningLevel, WarningStatus};
use crate::domain::policy::assess::Category;

/// Which households: a region's subtree, optionally one category (of the decision in force)
/// and one standing; ordered by household id, after `after`.
#[derive(Clone, Debug)]
pub struct HouseholdRosterQuery {
    pub region: RegionCode,
    pub category: Option<Category>,
    pub standing: Option<Standing>,
    pub after: Option<String>,
    pub limit: i64,
}

/// A household as its roster line shows it.
#[derive(Clone, Debug)]
pub struct HouseholdRosterRecord {
    pub id: String,
    pub region_code: RegionCode,
    pub standing: Standing,
    pub taper_since: Option<NaiveDate>,
    pub assistance_until: Option<NaiveDate>,
    /// The latest application's number and declaration (opened): the head's name, the
    /// contact phone, the members, the address.
    pub latest_number: Option<String>,
    pub declaration_json: Option<String>,
    /// The decision in force: the latest decision of the household's latest approved
    /// application (`None`: never approved).
    pub category: Option<Category>,
    pub monthly_amount: Option<Money>,
    pub effective_from: Option<NaiveDate>,
}

/// Which applications: a region's subtree, optionally one status; ordered by number.
#[derive(Clone, Debug)]
pub struct ApplicationRosterQuery {
    pub region: RegionCode,
    pub status: Option<ApplicationStatus>,
    pub after: Option<String>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct ApplicationRosterRecord {
    pub number: String,
    pub region_code: RegionCode,
    pub status: ApplicationStatus,
    pub submitted_at: Millis,
    pub updated_at: Millis,
    /// Opened.
    pub declaration_json: String,
    /// The latest decision's category and amount, once decided.
    pub category: Option<Category>,
    pub monthly_amount: Option<Money>,
}

/// Which warnings: a region's subtree, optionally one state; ordered by id.
#[derive(Clone, Debug)]
pub struct WarningRosterQuery {
    pub region: RegionCode,
    pub status: Option<WarningStatus>,
    pub after: Option<i64>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct WarningRosterRecord {
    pub id: i64,
    pub household_id: String,
    pub region_code: RegionCode,
    pub kind: RuleKind,
    pub level: WarningLevel,
    pub status: WarningStatus,
    pub visit_due: NaiveDate,
    pub visited_on: Option<NaiveDate>,
    pub created_at: Millis,
    /// The household's latest declaration (opened), for the head's name and phone.
    pub declaration_json: Option<String>,
}

#[async_trait]
pub trait RosterStore: Send + Sync {
    async fn roster_households(
        &self,
        q: HouseholdRosterQuery,
    ) -> Result<Vec<HouseholdRosterRecord>, DbError>;

    async fn roster_applications(
        &self,
        q: ApplicationRosterQuery,
    ) -> Result<Vec<ApplicationRosterRecord>, DbError>;

    async fn roster_warnings(
        &self,
        q: WarningRosterQuery,
    ) -> Result<Vec<WarningRosterRecord>, DbError>;
}
