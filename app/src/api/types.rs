//! Data shapes server functions send to the browser. Masked by default: nothing here carries
//! an unmasked ID number unless its name says so.

pub use crate::domain::audit::AuditEntry;
pub use crate::domain::declaration::AttachmentMeta;
pub use crate::domain::region::Region;
use crate::domain::status::Role;
pub use crate::domain::status::{ApplicationSummary, TimelineEvent};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub role: Role,
    pub display_name: String,
    /// `138****5678` for residents, the user name for staff.
    pub login_masked: String,
    pub region_code: Option<String>,
    /// The name of that region (甘州区), for showing it: people read names, not codes.
    #[serde(default)]
    pub region_name: Option<String>,
    /// An administrator chose the password: the next page asks for a new one.
    #[serde(default)]
    pub must_change_password: bool,
    /// An administrator's one duty (三员分立).
    #[serde(default)]
    pub duty: Option<crate::domain::status::AdminDuty>,
}

impl CurrentUser {
    /// `auth::SessionUser::may_act_as` for the pages: `Role::Admin` is the system
    /// administrator; the security and audit administrators see their own pages only.
    pub fn acts_as(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
            && (self.role != Role::Admin
                || self.duty == Some(crate::domain::status::AdminDuty::System))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub relation: String,
    pub name: String,
    pub id_number_masked: String,
    pub birth_date: String,
    pub sex: String,
    pub schooling: crate::domain::declaration::Schooling,
    pub work_status: crate::domain::declaration::WorkStatus,
    pub labour_capacity: crate::domain::declaration::LabourCapacity,
    /// Health and disability: for the household itself; staff see them only through
    /// `casework::unmask_health`, a deliberate, logged action (sensitive personal information).
    pub health: Option<MemberHealth>,
}

/// One member's health and disability as declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberHealth {
    pub health: crate::domain::declaration::Health,
    pub illness: String,
    pub disability_kind: crate::domain::declaration::DisabilityKind,
    pub disability_grade: Option<u8>,
}

impl From<&crate::domain::declaration::Member> for MemberHealth {
    fn from(m: &crate::domain::declaration::Member) -> Self {
        MemberHealth {
            health: m.health,
            illness: m.illness.clone(),
            disability_kind: m.disability_kind,
            disability_grade: m.disability_grade,
        }
    }
}

/// What the household declared besides its members, read back on its application: the
/// caseworker phones the contact number to arrange the visit and checks the rest there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredView {
    pub address: String,
    pub residence: crate::domain::declaration::Residence,
    pub contact_phone: String,
    pub description: String,
    pub income: crate::domain::declaration::MonthlyIncome,
    pub assets: crate::domain::declaration::Assets,
    pub medical_spending_12m: crate::domain::money::Money,
    pub education_spending_12m: crate::domain::money::Money,
    pub disability_spending_12m: crate::domain::money::Money,
    /// The income of the last 12 months as declared (`None`: not given), and whether it
    /// changed suddenly (the month counts).
    pub income_12m: Option<crate::domain::money::Money>,
    pub income_changed: bool,
}

impl From<&crate::domain::declaration::Declaration> for DeclaredView {
    fn from(d: &crate::domain::declaration::Declaration) -> Self {
        DeclaredView {
            address: d.address.clone(),
            residence: d.residence,
            contact_phone: d.contact_phone.as_str().to_string(),
            description: d.description.clone(),
            income: d.income.clone(),
            assets: d.assets.clone(),
            medical_spending_12m: d.medical_spending_12m,
            education_spending_12m: d.education_spending_12m,
            disability_spending_12m: d.disability_spending_12m,
            income_12m: d.income_12m,
            income_changed: d.income_changed,
        }
    }
}

impl From<&crate::domain::declaration::Member> for MemberView {
    /// The ID number masked: full numbers reach a browser only through a logged unmask.
    fn from(m: &crate::domain::declaration::Member) -> Self {
        MemberView {
            relation: m.relation.code().into(),
            name: m.name.clone(),
            id_number_masked: m.id_number.masked(),
            birth_date: m.birth_date.to_string(),
            sex: if m.sex == crate::domain::id_number::Sex::Male {
                "male".into()
            } else {
                "female".into()
            },
            schooling: m.schooling,
            work_status: m.work_status,
            labour_capacity: m.labour_capacity,
            health: None,
        }
    }
}

/// What the status page shows to the owner (or authorised staff).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub summary: ApplicationSummary,
    pub region_code: String,
    pub region_name: String,
    pub declared: DeclaredView,
    pub members: Vec<MemberView>,
    pub help: Vec<String>,
    pub consent_charity: bool,
    pub events: Vec<TimelineEvent>,
    pub open_info_request: Option<String>,
    pub attachments: Vec<AttachmentMeta>,
    /// The latest assessment (at submission, or a reassessment staff accepted).
    pub assessment: Option<StoredAssessment>,
    /// Every assessment, oldest first: nothing is overwritten.
    pub assessment_history: Vec<AssessmentEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentEntry {
    /// `submission`, `verification` or `reassessment`.
    pub reason: String,
    pub categories: Vec<crate::domain::policy::Category>,
    pub at: i64,
}

/// An assessment as recorded: the result with its trace, the parameters in force and the
/// facts it used (so the cliff view can be computed again in the browser).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAssessment {
    pub assessment: crate::domain::policy::Assessment,
    pub parameters: crate::domain::policy::ParameterSet,
    pub facts: crate::domain::policy::HouseholdFacts,
    /// `submission` or `reassessment`.
    pub reason: String,
    pub created_at: i64,
}

/// The draft as the server holds it, with the version the autosave saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftState {
    pub id: String,
    pub version: i64,
    pub updated_at: i64,
    pub data: crate::domain::declaration::DeclarationDraft,
    pub attachments: Vec<AttachmentMeta>,
    /// The region picker's levels for the draft's region (`region_choices`): the form's first
    /// screen is drawn with its choices, on the server and again in the browser, with no request.
    pub regions: Vec<crate::api::regions::PickerLevel>,
    /// The lead (基层上报) whose household a caseworker fills this draft in for, by proxy;
    /// `None` for a resident's own.
    #[serde(default)]
    pub proxy_for: Option<String>,
}
