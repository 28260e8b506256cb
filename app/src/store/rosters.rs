//! 花名册: the rows behind a roster export, read a page at a time in a stable order (a keyset
//! cursor), so an export of any size holds one page in memory.

use super::*;
use crate::domain::chain::Department;
use crate::domain::cycle::Standing;
use crate::domain::monitoring::{RuleKind, WarningLevel, WarningStatus};
use crate::domain::policy::assess::Category;
use crate::domain::referral::ReferralStatus;
use crate::domain::roster::{
    EmergencyForm, Flow, MonthSpan, RecoveryChoice, ReferralState, VisitFilter, WarningOrigin,
};

/// The head of a household taken in from rosters (现有对象直接纳入), as the roster listed them:
/// what a roster line shows where the household has no declaration (never applied here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedHead {
    pub name: String,
    pub id_number: crate::domain::id_number::IdNumber,
    /// As the roster gave them ('' / `None` when it did not).
    pub address: String,
    pub phone: Option<crate::domain::phone::Phone>,
    /// Persons of the household in the database.
    pub persons: i64,
}

/// Which households: a region's subtree, optionally one category (of the decision in force)
/// and one standing; ordered by household id, after `after`.
#[derive(Clone, Debug)]
pub struct HouseholdRosterQuery {
    pub region: RegionCode,
    pub category: Option<Category>,
    pub standing: Option<Standing>,
    /// Urban or rural as recorded at the decision; `Some(None)`: none recorded.
    pub residence: Option<Option<crate::domain::declaration::Residence>>,
    /// What happened to them in those months (as the dashboard counts it).
    pub flow: Option<(Flow, MonthSpan)>,
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
    /// The head as a roster listed them, when there is no declaration.
    pub listed_head: Option<ListedHead>,
    /// Urban or rural as recorded with the household (its decision's facts, or its roster).
    pub residence: Option<crate::domain::declaration::Residence>,
    /// The decision in force: the latest decision of the household's latest approved
    /// application, or the one its intake from rosters made (`None`: neither).
    pub category: Option<Category>,
    pub monthly_amount: Option<Money>,
    pub effective_from: Option<NaiveDate>,
}

/// Which applications: a region's subtree, optionally one status; ordered by number.
#[derive(Clone, Debug)]
pub struct ApplicationRosterQuery {
    pub region: RegionCode,
    pub status: Option<ApplicationStatus>,
    /// Whose latest decision was recorded in these months (as the dashboard counts them).
    pub decided: Option<MonthSpan>,
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

/// Which warnings: a region's subtree, optionally one state, level, origin, visit and the months
/// they were raised in; ordered by id.
#[derive(Clone, Debug)]
pub struct WarningRosterQuery {
    pub region: RegionCode,
    pub status: Option<WarningStatus>,
    pub level: Option<WarningLevel>,
    pub origin: Option<WarningOrigin>,
    pub visit: Option<VisitFilter>,
    /// Today in China: a visit not made is due once its day is before today.
    pub today: NaiveDate,
    pub raised: Option<MonthSpan>,
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
    /// The head as a roster listed them, when there is no declaration.
    pub listed_head: Option<ListedHead>,
}

/// Which referrals: a region's subtree, optionally one department, state and the months they
/// were sent in; ordered by id.
#[derive(Clone, Debug)]
pub struct ReferralRosterQuery {
    pub region: RegionCode,
    pub department: Option<Department>,
    pub status: Option<ReferralState>,
    pub sent: Option<MonthSpan>,
    pub after: Option<i64>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct ReferralRosterRecord {
    pub id: i64,
    pub household_id: String,
    pub region_code: RegionCode,
    pub department: Department,
    pub need: crate::domain::chain::AidKind,
    pub status: ReferralStatus,
    pub due_on: NaiveDate,
    pub created_at: Millis,
    pub answered_at: Option<Millis>,
    pub declaration_json: Option<String>,
    /// The head as a roster listed them, when there is no declaration.
    pub listed_head: Option<ListedHead>,
}

/// Which emergency aid: a region's subtree, optionally in advance or not and the months it was
/// recorded in; ordered by id.
#[derive(Clone, Debug)]
pub struct EmergencyRosterQuery {
    pub region: RegionCode,
    pub form: Option<EmergencyForm>,
    pub recorded: Option<MonthSpan>,
    pub after: Option<String>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct EmergencyRosterRecord {
    pub id: String,
    pub household_id: String,
    pub region_code: RegionCode,
    /// The person helped, as the caseworker wrote the name.
    pub person_name: String,
    pub advance: bool,
    pub amount: Money,
    pub documents_due: Option<NaiveDate>,
    pub documents_received_at: Option<Millis>,
    pub recorded_at: Millis,
    pub declaration_json: Option<String>,
    /// The head as a roster listed them, when there is no declaration.
    pub listed_head: Option<ListedHead>,
}

/// Which recovery cases: a region's subtree, optionally one reason, state and the months they
/// were opened in; ordered by id.
#[derive(Clone, Debug)]
pub struct RecoveryRosterQuery {
    pub region: RegionCode,
    pub reason: Option<crate::domain::recovery::RecoveryReason>,
    pub status: Option<RecoveryChoice>,
    pub opened: Option<MonthSpan>,
    pub after: Option<String>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct RecoveryRosterRecord {
    pub id: String,
    pub household_id: String,
    pub region_code: RegionCode,
    pub reason: crate::domain::recovery::RecoveryReason,
    pub state: crate::domain::recovery::RecoveryState,
    pub amount: Money,
    pub repaid: Money,
    pub written_off: Money,
    pub decision: String,
    pub opened_at: Millis,
    pub declaration_json: Option<String>,
    /// The head as a roster listed them, when there is no declaration.
    pub listed_head: Option<ListedHead>,
}

/// Which charity needs: those of townships in a region's subtree, optionally one form, state
/// and the months they were closed in; ordered by id.
#[derive(Clone, Debug)]
pub struct CharityRosterQuery {
    pub region: RegionCode,
    pub form: Option<crate::domain::charity::SupplyForm>,
    pub status: Option<crate::domain::charity::NeedState>,
    pub closed: Option<MonthSpan>,
    pub after: Option<String>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct CharityRosterRecord {
    pub id: String,
    pub household_id: String,
    pub township: RegionCode,
    pub kind: crate::domain::declaration::HelpKind,
    pub form: crate::domain::charity::SupplyForm,
    /// In the form's unit (fen for funds).
    pub amount: i64,
    pub delivered: i64,
    pub state: crate::domain::charity::NeedState,
    pub created_at: Millis,
    pub closed_at: Option<Millis>,
    pub declaration_json: Option<String>,
    /// The head as a roster listed them, when there is no declaration.
    pub listed_head: Option<ListedHead>,
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

    async fn roster_referrals(
        &self,
        q: ReferralRosterQuery,
    ) -> Result<Vec<ReferralRosterRecord>, DbError>;

    async fn roster_emergency(
        &self,
        q: EmergencyRosterQuery,
    ) -> Result<Vec<EmergencyRosterRecord>, DbError>;

    async fn roster_recovery(
        &self,
        q: RecoveryRosterQuery,
    ) -> Result<Vec<RecoveryRosterRecord>, DbError>;

    async fn roster_charity(
        &self,
        q: CharityRosterQuery,
    ) -> Result<Vec<CharityRosterRecord>, DbError>;
}
