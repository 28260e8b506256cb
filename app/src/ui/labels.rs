//! Translations of codes that arrive as data (choices, statuses, error codes). Each code maps
//! to a leptos_i18n key, so both locales are checked at compile time.

use crate::domain::declaration::{
    AttachmentKind, DisabilityKind, FieldErrorCode, Health, HelpKind, LabourCapacity, Relation,
    Residence, Schooling, WorkStatus,
};
use crate::domain::status::{AdminDuty, ApplicationStatus, Role, TimelineKind};
use crate::error::AppError;
use crate::i18n::*;
use leptos_i18n::I18nContext;

macro_rules! labels {
    ($fn:ident: $ty:ty { $($variant:path => $($key:ident).+),+ $(,)? }) => {
        pub fn $fn(i18n: I18nContext<Locale>, v: $ty) -> String {
            match v { $($variant => t_string!(i18n, $($key).+).to_string()),+ }
        }
    };
}

labels!(relation: Relation {
    Relation::Head => relation.head, Relation::Spouse => relation.spouse, Relation::Child => relation.child,
    Relation::Parent => relation.parent, Relation::Grandchild => relation.grandchild, Relation::Grandparent => relation.grandparent,
    Relation::Sibling => relation.sibling, Relation::ChildInLaw => relation.child_in_law, Relation::Other => relation.other,
});
labels!(residence: Residence { Residence::Urban => residence.urban, Residence::Rural => residence.rural });
labels!(health: Health { Health::Healthy => health.healthy, Health::Chronic => health.chronic, Health::SeriousIllness => health.serious_illness });
labels!(disability: DisabilityKind {
    DisabilityKind::None => disability.none, DisabilityKind::Visual => disability.visual, DisabilityKind::Hearing => disability.hearing,
    DisabilityKind::Speech => disability.speech, DisabilityKind::Physical => disability.physical,
    DisabilityKind::Intellectual => disability.intellectual, DisabilityKind::Mental => disability.mental, DisabilityKind::Multiple => disability.multiple,
});
labels!(schooling: Schooling {
    Schooling::NotInSchool => schooling.not_in_school, Schooling::Preschool => schooling.preschool, Schooling::Primary => schooling.primary,
    Schooling::JuniorSecondary => schooling.junior_secondary, Schooling::SeniorSecondary => schooling.senior_secondary,
    Schooling::Vocational => schooling.vocational, Schooling::Higher => schooling.higher,
});
labels!(work: WorkStatus {
    WorkStatus::Employed => work.employed, WorkStatus::Farming => work.farming, WorkStatus::SelfEmployed => work.self_employed,
    WorkStatus::Unemployed => work.unemployed, WorkStatus::Retired => work.retired, WorkStatus::Student => work.student, WorkStatus::Unable => work.unable,
});
labels!(labour: LabourCapacity { LabourCapacity::Full => labour.full, LabourCapacity::Partial => labour.partial, LabourCapacity::None => labour.none });
labels!(help: HelpKind {
    HelpKind::BasicLiving => help.basic_living, HelpKind::Medical => help.medical, HelpKind::Education => help.education,
    HelpKind::Housing => help.housing, HelpKind::Employment => help.employment, HelpKind::Emergency => help.emergency,
    HelpKind::CareServices => help.care_services, HelpKind::Other => help.other,
});
labels!(attachment: AttachmentKind {
    AttachmentKind::IdCard => attachment.id_card, AttachmentKind::HouseholdRegister => attachment.household_register,
    AttachmentKind::DisabilityCertificate => attachment.disability_certificate, AttachmentKind::MedicalBill => attachment.medical_bill,
    AttachmentKind::IncomeProof => attachment.income_proof, AttachmentKind::Other => attachment.other,
});
labels!(status: ApplicationStatus {
    ApplicationStatus::Submitted => status.submitted, ApplicationStatus::Accepted => status.accepted,
    ApplicationStatus::InfoRequested => status.info_requested, ApplicationStatus::Visiting => status.visiting,
    ApplicationStatus::Reviewing => status.reviewing, ApplicationStatus::Publicising => status.publicising,
    ApplicationStatus::Approved => status.approved, ApplicationStatus::Rejected => status.rejected, ApplicationStatus::Withdrawn => status.withdrawn,
});
labels!(role: Role {
    Role::Resident => role.resident, Role::Caseworker => role.caseworker, Role::Department => role.department,
    Role::Charity => role.charity, Role::Admin => role.admin, Role::GridWorker => role.grid_worker,
});
labels!(lead_state: crate::domain::leads::LeadState {
    crate::domain::leads::LeadState::Open => leads.state.open, crate::domain::leads::LeadState::Consented => leads.state.consented,
    crate::domain::leads::LeadState::Converted => leads.state.converted, crate::domain::leads::LeadState::Closed => leads.state.closed,
});
labels!(close_reason: crate::domain::leads::CloseReason {
    crate::domain::leads::CloseReason::AlreadyCovered => leads.reason.already_covered, crate::domain::leads::CloseReason::NotInNeed => leads.reason.not_in_need,
    crate::domain::leads::CloseReason::Declined => leads.reason.declined, crate::domain::leads::CloseReason::MovedAway => leads.reason.moved_away,
    crate::domain::leads::CloseReason::Duplicate => leads.reason.duplicate,
});
labels!(consent_form: crate::domain::leads::ConsentForm {
    crate::domain::leads::ConsentForm::SignedForm => leads.form.signed_form, crate::domain::leads::ConsentForm::InPerson => leads.form.in_person,
});
labels!(lead_source: crate::domain::leads::LeadSource {
    crate::domain::leads::LeadSource::GridWorker => leads.source.grid_worker,
});
labels!(org_kind: crate::domain::care::OrgKind {
    crate::domain::care::OrgKind::Charity => care.org.charity, crate::domain::care::OrgKind::ServiceProvider => care.org.service_provider,
});
labels!(service_kind: crate::domain::care::ServiceKind {
    crate::domain::care::ServiceKind::DailyCare => care.kind.daily_care, crate::domain::care::ServiceKind::Nursing => care.kind.nursing,
    crate::domain::care::ServiceKind::Accompaniment => care.kind.accompaniment, crate::domain::care::ServiceKind::Psychological => care.kind.psychological,
});
labels!(service_unit: crate::domain::care::ServiceUnit {
    crate::domain::care::ServiceUnit::Hour => care.unit.hour, crate::domain::care::ServiceUnit::Day => care.unit.day,
});
labels!(care_need: crate::domain::policy::facts::CareNeed {
    crate::domain::policy::facts::CareNeed::SelfCare => policy.care_self,
    crate::domain::policy::facts::CareNeed::PartlyDependent => policy.care_partly,
    crate::domain::policy::facts::CareNeed::FullyDependent => policy.care_fully,
});
labels!(care_reason: crate::domain::care::CareReason {
    crate::domain::care::CareReason::Elderly => care.reason.elderly, crate::domain::care::CareReason::Disabled => care.reason.disabled,
    crate::domain::care::CareReason::Minor => care.reason.minor, crate::domain::care::CareReason::Dependent => care.reason.dependent,
});
labels!(confirmation: crate::domain::care::Confirmation {
    crate::domain::care::Confirmation::Signature => care.confirmation.signature, crate::domain::care::Confirmation::Thumbprint => care.confirmation.thumbprint,
    crate::domain::care::Confirmation::Family => care.confirmation.family,
});
labels!(audit_result: crate::domain::audit::AuditResult {
    crate::domain::audit::AuditResult::Ok => audit.results.ok, crate::domain::audit::AuditResult::Denied => audit.results.denied,
    crate::domain::audit::AuditResult::Failed => audit.results.failed, crate::domain::audit::AuditResult::Throttled => audit.results.throttled,
    crate::domain::audit::AuditResult::Locked => audit.results.locked, crate::domain::audit::AuditResult::Disabled => audit.results.disabled,
    crate::domain::audit::AuditResult::MustEnrol => audit.results.must_enrol, crate::domain::audit::AuditResult::Used => audit.results.used,
    crate::domain::audit::AuditResult::Unconfirmed => audit.results.unconfirmed, crate::domain::audit::AuditResult::Exists => audit.results.exists,
    crate::domain::audit::AuditResult::Refused => audit.results.refused, crate::domain::audit::AuditResult::Error => audit.results.error,
    crate::domain::audit::AuditResult::SecondFactorFailed => audit.results.second_factor_failed,
    crate::domain::audit::AuditResult::Repeat => audit.results.repeat, crate::domain::audit::AuditResult::Conflict => audit.results.conflict,
});
labels!(duty: AdminDuty {
    AdminDuty::System => duty.system, AdminDuty::Security => duty.security, AdminDuty::Audit => duty.audit,
});
labels!(field_error: FieldErrorCode {
    FieldErrorCode::Required => errors.required, FieldErrorCode::TooLong => errors.too_long, FieldErrorCode::InvalidChoice => errors.invalid_choice,
    FieldErrorCode::NameChars => errors.name_chars, FieldErrorCode::IdFormat => errors.id_format, FieldErrorCode::IdBirthDate => errors.id_birth_date,
    FieldErrorCode::IdChecksum => errors.id_checksum, FieldErrorCode::IdDuplicateInHousehold => errors.id_duplicate,
    FieldErrorCode::IdInOtherOpenApplication => errors.id_in_other_application, FieldErrorCode::PhoneFormat => errors.phone_format,
    FieldErrorCode::AmountFormat => errors.amount_format, FieldErrorCode::AmountNegative => errors.amount_negative,
    FieldErrorCode::AmountTooLarge => errors.amount_too_large, FieldErrorCode::CountFormat => errors.count_format,
    FieldErrorCode::RegionNotVillage => errors.region_not_village, FieldErrorCode::NoHead => errors.no_head,
    FieldErrorCode::SeveralHeads => errors.several_heads, FieldErrorCode::TooManyMembers => errors.too_many_members,
    FieldErrorCode::GradeRequired => errors.grade_required, FieldErrorCode::ConsentRequired => errors.consent_required,
    FieldErrorCode::HelpRequired => errors.help_required, FieldErrorCode::IncomeRequired => errors.income_required,
    FieldErrorCode::OutOfBounds => errors.out_of_bounds, FieldErrorCode::RegionLevel => errors.region_level,
    FieldErrorCode::DateFormat => errors.date_format, FieldErrorCode::DateInPast => errors.date_in_past,
    FieldErrorCode::ValueFormat => errors.value_format,
    FieldErrorCode::DateOrder => errors.date_order, FieldErrorCode::DateInFuture => errors.date_in_future,
    FieldErrorCode::TooMany => errors.too_many, FieldErrorCode::ImageInvalid => errors.image_invalid,
    FieldErrorCode::SignatureRequired => errors.signature_required,
    FieldErrorCode::CreditCodeFormat => errors.credit_code_format, FieldErrorCode::CreditCodeChecksum => errors.credit_code_checksum,
});

/// What happened to an application, for its timeline.
pub fn event(i18n: I18nContext<Locale>, kind: TimelineKind) -> String {
    match kind {
        TimelineKind::Submitted => t_string!(i18n, event.submitted),
        TimelineKind::InfoRequested => t_string!(i18n, event.info_requested),
        TimelineKind::InfoAnswered => t_string!(i18n, event.info_answered),
        TimelineKind::ConsentChanged => t_string!(i18n, event.consent_changed),
        TimelineKind::Withdrawn => t_string!(i18n, event.withdrawn),
        TimelineKind::Reassessed => t_string!(i18n, event.reassessed),
        TimelineKind::Decided => t_string!(i18n, event.decided),
        TimelineKind::Objection => t_string!(i18n, event.objection),
        TimelineKind::VisitRecorded => t_string!(i18n, event.visit_recorded),
        TimelineKind::StatusChanged => t_string!(i18n, event.status_changed),
    }
    .to_string()
}

/// The general message for an error; field errors are shown at their fields.
pub fn app_error(i18n: I18nContext<Locale>, e: &AppError) -> String {
    match e {
        AppError::Unauthenticated => t_string!(i18n, error.unauthenticated),
        AppError::Forbidden => t_string!(i18n, error.forbidden),
        AppError::NotFound => t_string!(i18n, error.not_found),
        AppError::Invalid(_) => t_string!(i18n, error.invalid),
        AppError::BadRequest => t_string!(i18n, error.bad_request),
        AppError::TooManyRequests => t_string!(i18n, error.too_many),
        AppError::Busy => t_string!(i18n, error.busy),
        AppError::Internal => t_string!(i18n, error.internal),
        AppError::Network => t_string!(i18n, error.network),
        AppError::Refused(code) => return refused(i18n, code),
    }
    .to_string()
}

/// Why a request was refused: what anyone may meet on the portal's pages (signing in, with a
/// second factor too, registering, declaring, following an application), then staff's own.
fn refused(i18n: I18nContext<Locale>, code: &str) -> String {
    match code {
        "bad_credentials" => t_string!(i18n, refused.bad_credentials),
        "account_locked" => t_string!(i18n, refused.account_locked),
        "too_many_attempts" => t_string!(i18n, refused.too_many_attempts),
        "second_factor_needed" => t_string!(i18n, refused.second_factor_needed),
        "bad_second_factor" => t_string!(i18n, refused.bad_second_factor),
        "second_factor_enrol" => t_string!(i18n, refused.second_factor_enrol),
        "enrolment_expired" => t_string!(i18n, refused.enrolment_expired),
        "must_change_password" => t_string!(i18n, refused.must_change_password),
        "account_disabled" => t_string!(i18n, refused.account_disabled),
        "bad_code" => t_string!(i18n, refused.bad_code),
        "phone_taken" => t_string!(i18n, refused.phone_taken),
        "login_taken" => t_string!(i18n, refused.login_taken),
        "weak_password" => t_string!(i18n, refused.weak_password),
        "draft_submitted" => t_string!(i18n, refused.draft_submitted),
        "draft_too_large" => t_string!(i18n, refused.draft_too_large),
        "cannot_withdraw" => t_string!(i18n, refused.cannot_withdraw),
        "no_open_request" => t_string!(i18n, refused.no_open_request),
        "status" => t_string!(i18n, refused.status),
        "file_too_large" => t_string!(i18n, refused.file_too_large),
        "file_type" => t_string!(i18n, refused.file_type),
        "file_empty" => t_string!(i18n, refused.file_empty),
        "too_many_attachments" => t_string!(i18n, refused.too_many_attachments),
        _ => return staff_refused(i18n, code),
    }
    .to_string()
}

/// Refusals only staff meet (their own pages: accounts, casework, monitoring, charities, policy
/// parameters). Not in the residents' portal's WASM, which every resident downloads first: the
/// portal's pages never receive them, and the general message stands in there.
#[cfg(not(feature = "portal"))]
fn staff_refused(i18n: I18nContext<Locale>, code: &str) -> String {
    match code {
        "second_factor_present" => t_string!(i18n, refused.second_factor_present),
        "bad_current_password" => t_string!(i18n, refused.bad_current_password),
        "same_password" => t_string!(i18n, refused.same_password),
        "not_yourself" => t_string!(i18n, refused.not_yourself),
        "match_unconfirmed" => t_string!(i18n, refused.match_unconfirmed),
        "below_minimum" => t_string!(i18n, refused.below_minimum),
        "credit_code_taken" => t_string!(i18n, refused.credit_code_taken),
        "charity_state" => t_string!(i18n, refused.charity_state),
        "charity_not_verified" => t_string!(i18n, refused.charity_not_verified),
        "need_state" => t_string!(i18n, refused.need_state),
        "need_taken" => t_string!(i18n, refused.need_taken),
        "resource_short" => t_string!(i18n, refused.resource_short),
        "household_cap" => t_string!(i18n, refused.household_cap),
        "match_state" => t_string!(i18n, refused.match_state),
        "param_in_force" => t_string!(i18n, refused.param_in_force),
        "param_not_pending" => t_string!(i18n, refused.param_not_pending),
        "param_own" => t_string!(i18n, refused.param_own),
        "complaint_answered" => t_string!(i18n, refused.complaint_answered),
        "lead_done" => t_string!(i18n, refused.lead_done),
        "no_care_need" => t_string!(i18n, refused.no_care_need),
        "order_ended" => t_string!(i18n, refused.order_ended),
        "order_has_later_services" => t_string!(i18n, refused.order_has_later_services),
        "over_monthly_quantity" => t_string!(i18n, refused.over_monthly_quantity),
        "lead_no_consent" => t_string!(i18n, refused.lead_no_consent),
        "lead_files_full" => t_string!(i18n, refused.lead_files_full),
        "survey_empty" => t_string!(i18n, refused.survey_empty),
        "complaint_not_yours" => t_string!(i18n, refused.complaint_not_yours),
        "complaint_changed" => t_string!(i18n, refused.complaint_changed),
        "complaint_files_full" => t_string!(i18n, refused.complaint_files_full),
        "proposal_decided" => t_string!(i18n, refused.proposal_decided),
        "notice_running" => t_string!(i18n, refused.notice_running),
        "param_missing" => t_string!(i18n, refused.param_missing),
        "taper_not_earned" => t_string!(i18n, refused.taper_not_earned),
        "referral_state" => t_string!(i18n, refused.referral_state),
        "xlsx_not_yet" => t_string!(i18n, refused.xlsx_not_yet),
        "warning_state" => t_string!(i18n, refused.warning_state),
        "task_done" => t_string!(i18n, refused.task_done),
        "not_in_assistance" => t_string!(i18n, refused.not_in_assistance),
        "documents_received" => t_string!(i18n, refused.documents_received),
        "visit_id" => t_string!(i18n, refused.visit_id),
        "head_unconfirmed" => t_string!(i18n, refused.head_unconfirmed),
        "members_in_open_application" => t_string!(i18n, refused.members_in_open_application),
        "county_staff_only" => t_string!(i18n, refused.county_staff_only),
        "same_person" => t_string!(i18n, refused.same_person),
        "roll_state" => t_string!(i18n, refused.roll_state),
        "roll_stale" => t_string!(i18n, refused.roll_stale),
        "roll_frozen" => t_string!(i18n, refused.roll_frozen),
        "roll_past" => t_string!(i18n, refused.roll_past),
        "file_unreadable" => t_string!(i18n, refused.file_unreadable),
        "reserve_short" => t_string!(i18n, refused.reserve_short),
        "reserve_amount" => t_string!(i18n, refused.reserve_amount),
        _ => t_string!(i18n, refused.other),
    }
    .to_string()
}

#[cfg(feature = "portal")]
fn staff_refused(i18n: I18nContext<Locale>, _code: &str) -> String {
    t_string!(i18n, refused.other).to_string()
}

// Policy engine: categories, criteria, facts, parameters, entitlements, documents.
use crate::api::policy::ParamStatus;
use crate::domain::policy::assess::{Criterion, EntitlementKind, Fact, Outcome};
use crate::domain::policy::clauses::{Clause, Document};
use crate::domain::policy::params::{ParamKey, Unit};
use crate::domain::policy::Category;

labels!(category: Category {
    Category::Tekun => policy.category.tekun, Category::Dibao => policy.category.dibao,
    Category::DibaoMarginal => policy.category.dibao_marginal, Category::RigidExpense => policy.category.rigid_expense,
    Category::RelapseWatch => policy.category.relapse_watch, Category::OtherHardship => policy.category.other_hardship,
});
labels!(outcome: Outcome { Outcome::Pass => policy.outcome.pass, Outcome::Fail => policy.outcome.fail, Outcome::Unknown => policy.outcome.unknown });
labels!(criterion: Criterion {
    Criterion::DibaoIncome => policy.criterion.dibao_income, Criterion::DibaoDeposits => policy.criterion.dibao_deposits,
    Criterion::HousingWithinLimit => policy.criterion.housing_within_limit, Criterion::VehiclesWithinLimit => policy.criterion.vehicles_within_limit,
    Criterion::BusinessWithinLimit => policy.criterion.business_within_limit, Criterion::Taper => policy.criterion.taper,
    Criterion::IndividualInclusion => policy.criterion.individual_inclusion, Criterion::TekunCondition => policy.criterion.tekun_condition,
    Criterion::TekunNoLabour => policy.criterion.tekun_no_labour, Criterion::TekunNoIncome => policy.criterion.tekun_no_income,
    Criterion::TekunNoSupporter => policy.criterion.tekun_no_supporter, Criterion::MarginalIncome => policy.criterion.marginal_income,
    Criterion::MarginalDeposits => policy.criterion.marginal_deposits, Criterion::RigidIncome => policy.criterion.rigid_income,
    Criterion::RigidSpending => policy.criterion.rigid_spending, Criterion::RelapseListed => policy.criterion.relapse_listed,
    Criterion::OtherDetermined => policy.criterion.other_determined,
});
labels!(fact: Fact {
    Fact::Residence => policy.fact.residence, Fact::HouseholdSize => policy.fact.household_size, Fact::IncomeTotal => policy.fact.income_total,
    Fact::EmploymentDeduction => policy.fact.employment_deduction, Fact::PerCapitaIncome => policy.fact.per_capita_income, Fact::IncomeLine => policy.fact.income_line,
    Fact::Deposits => policy.fact.deposits, Fact::DepositLimit => policy.fact.deposit_limit, Fact::HousingCount => policy.fact.housing_count,
    Fact::Vehicles => policy.fact.vehicles, Fact::HasBusiness => policy.fact.has_business, Fact::RigidSpending12m => policy.fact.rigid_spending12m,
    Fact::Income12m => policy.fact.income12m, Fact::Income12mFromMonth => policy.fact.income12m_from_month, Fact::Age => policy.fact.age, Fact::Schooling => policy.fact.schooling,
    Fact::Disability => policy.fact.disability, Fact::Health => policy.fact.health, Fact::Work => policy.fact.work, Fact::Labour => policy.fact.labour,
    Fact::SupporterAble => policy.fact.supporter_able, Fact::RelapseList => policy.fact.relapse_list,
    Fact::StaffDetermination => policy.fact.staff_determination, Fact::CurrentlyDibao => policy.fact.currently_dibao,
    Fact::IncomeWithoutEmployment => policy.fact.income_without_employment, Fact::TaperSince => policy.fact.taper_since,
});
labels!(param: ParamKey {
    ParamKey::DibaoStandard => policy.param.dibao_standard, ParamKey::TekunStandardRatio => policy.param.tekun_standard_ratio,
    ParamKey::MarginalMultiplier => policy.param.marginal_multiplier, ParamKey::EmploymentCostDeduction => policy.param.employment_cost_deduction,
    ParamKey::DibaoDepositMonths => policy.param.dibao_deposit_months, ParamKey::MarginalDepositMonths => policy.param.marginal_deposit_months,
    ParamKey::MaxHousing => policy.param.max_housing, ParamKey::MaxVehicles => policy.param.max_vehicles,
    ParamKey::BusinessExcludes => policy.param.business_excludes, ParamKey::DisposableIncomeLastYear => policy.param.disposable_income_last_year,
    ParamKey::RigidSpendingShare => policy.param.rigid_spending_share, ParamKey::TaperMonths => policy.param.taper_months,
    ParamKey::ElderlyAge => policy.param.elderly_age, ParamKey::MinorAge => policy.param.minor_age, ParamKey::StudentAge => policy.param.student_age,
    ParamKey::SevereDisabilityGrade => policy.param.severe_disability_grade, ParamKey::IntellectualMentalGrade => policy.param.intellectual_mental_grade,
    ParamKey::PremiumIndividual => policy.param.premium_individual, ParamKey::PremiumTekunShare => policy.param.premium_tekun_share,
    ParamKey::PremiumDibaoFixed => policy.param.premium_dibao_fixed, ParamKey::PremiumMarginalShare => policy.param.premium_marginal_share,
    ParamKey::PublicNoticeDays => policy.param.public_notice_days, ParamKey::ReferralResponseDays => policy.param.referral_response_days,
    ParamKey::DecisionWorkingDays => policy.param.decision_working_days, ParamKey::EducationReach => policy.param.education_reach, ParamKey::PublicCellMin => policy.param.public_cell_min, ParamKey::ComplaintWorkingDays => policy.param.complaint_working_days,
    ParamKey::ReviewIntervalMonths => policy.param.review_interval_months, ParamKey::ReviewLeadDays => policy.param.review_lead_days,
    ParamKey::AdvanceAidMax => policy.param.advance_aid_max, ParamKey::AdvanceDocumentsDays => policy.param.advance_documents_days,
});
labels!(unit: Unit {
    Unit::FenPerPersonMonth => policy.unit.fen_per_person_month, Unit::FenPerPersonYear => policy.unit.fen_per_person_year,
    Unit::FenPerWorkerMonth => policy.unit.fen_per_worker_month, Unit::Fen => policy.unit.fen, Unit::Permille => policy.unit.permille, Unit::Months => policy.unit.months,
    Unit::Years => policy.unit.years, Unit::Count => policy.unit.count, Unit::Days => policy.unit.days, Unit::WorkingDays => policy.unit.working_days, Unit::Grade => policy.unit.grade, Unit::Flag => policy.unit.flag,
});
labels!(entitlement: EntitlementKind {
    EntitlementKind::BasicLiving => policy.entitlement.basic_living, EntitlementKind::PremiumSubsidy => policy.entitlement.premium_subsidy,
    EntitlementKind::MedicalAssistance => policy.entitlement.medical_assistance, EntitlementKind::DiseaseEmergency => policy.entitlement.disease_emergency,
    EntitlementKind::Education => policy.entitlement.education,
    EntitlementKind::Housing => policy.entitlement.housing, EntitlementKind::Employment => policy.entitlement.employment,
    EntitlementKind::Disaster => policy.entitlement.disaster, EntitlementKind::Heating => policy.entitlement.heating,
    EntitlementKind::Funeral => policy.entitlement.funeral, EntitlementKind::LegalAid => policy.entitlement.legal_aid,
    EntitlementKind::ServiceAssistance => policy.entitlement.service_assistance, EntitlementKind::Emergency => policy.entitlement.emergency,
});
labels!(document: Document {
    Document::Liaoning => policy.document.liaoning, Document::Zhangye => policy.document.zhangye,
    Document::InterimMeasures => policy.document.interim_measures, Document::TekunMeasures => policy.document.tekun_measures,
    Document::Guobanfa39 => policy.document.guobanfa39, Document::DibaoConfirmation => policy.document.dibao_confirmation,
});
labels!(param_status: ParamStatus {
    ParamStatus::InForce => policy.state.in_force, ParamStatus::Scheduled => policy.state.scheduled,
    ParamStatus::Superseded => policy.state.superseded, ParamStatus::Withdrawn => policy.state.withdrawn,
    ParamStatus::Pending => policy.state.pending, ParamStatus::Lapsed => policy.state.lapsed,
});

/// `张政办发〔2023〕128号 (八) 就业救助`; in English `Zhangye … (8) employment assistance`.
pub fn clause(i18n: I18nContext<Locale>, c: Clause) -> String {
    let section = if english(i18n) {
        section_in_english(c.section)
    } else {
        c.section.to_string()
    };
    format!("{} {section}", document(i18n, c.document))
}

/// The clauses of `clauses` that apply in `region` (the region's own text and the national ones),
/// joined for reading; empty when none does.
pub fn clauses_for(
    i18n: I18nContext<Locale>,
    clauses: &[Clause],
    region: &crate::domain::region::RegionCode,
) -> String {
    crate::domain::policy::clauses::cited_in(clauses, region)
        .into_iter()
        .map(|c| clause(i18n, c))
        .collect::<Vec<_>>()
        .join(semicolon(i18n))
}

/// A section as the documents number it, in English: 第九条 → Article 9, 二(三)2(1) → 2(3)2(1),
/// (八) 受灾人员救助 → (8) disaster relief.
pub fn section_in_english(section: &str) -> String {
    const TOPICS: &[(&str, &str)] = &[
        ("受灾人员救助", "disaster relief"),
        ("就业救助", "employment assistance"),
        ("医疗救助", "medical assistance"),
        ("教育救助", "education assistance"),
        ("住房救助", "housing assistance"),
        ("低保边缘家庭", "marginal households"),
        ("审核确认时限", "time limit of the review"),
    ];
    let mut text = section.to_string();
    for (zh, en) in TOPICS {
        text = text.replace(zh, en);
    }
    if let Some(n) = text.strip_prefix('第').and_then(|t| t.strip_suffix('条')) {
        return format!("Article {}", numerals_to_digits(n));
    }
    numerals_to_digits(&text)
}

/// 一 … 九十九 written in Chinese numerals, as digits; anything else left as it is.
fn numerals_to_digits(text: &str) -> String {
    fn digit(c: char) -> Option<u32> {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
    }
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.is_empty() {
            return;
        }
        let (tens, units) = match run.split_once('十') {
            Some((t, u)) => (
                t.chars().next().and_then(digit).unwrap_or(1),
                u.chars().next().and_then(digit).unwrap_or(0),
            ),
            None => (0, run.chars().next().and_then(digit).unwrap_or(0)),
        };
        out.push_str(&(tens * 10 + units).to_string());
        run.clear();
    };
    for c in text.chars() {
        if c == '十' || digit(c).is_some() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

// Casework: the assistance chain, departments, referrals.
use crate::domain::chain::{AidKind, AidOrigin, Department};
use crate::domain::referral::ReferralStatus;

use crate::domain::monitoring::{EventKind, RuleKind, Source};

labels!(import_source: Source {
    Source::MedicalInsurance => monitoring.source_label.medical_insurance, Source::DisabledPersons => monitoring.source_label.disabled_persons,
    Source::HumanResources => monitoring.source_label.human_resources, Source::PublicSecurity => monitoring.source_label.public_security,
    Source::Housing => monitoring.source_label.housing, Source::Education => monitoring.source_label.education,
    Source::EmergencyManagement => monitoring.source_label.emergency_management, Source::Vehicles => monitoring.source_label.vehicles,
    Source::Businesses => monitoring.source_label.businesses, Source::RuralRevitalisation => monitoring.source_label.rural_revitalisation,
    Source::Justice => monitoring.source_label.justice, Source::Health => monitoring.source_label.health,
    Source::Veterans => monitoring.source_label.veterans, Source::TradeUnion => monitoring.source_label.trade_union,
    Source::Court => monitoring.source_label.court, Source::Procuratorate => monitoring.source_label.procuratorate,
});
labels!(event_kind: EventKind {
    EventKind::DisabilityCertified => monitoring.event.disability_certified, EventKind::Unemployed => monitoring.event.unemployed,
    EventKind::Employed => monitoring.event.employed, EventKind::Pension => monitoring.event.pension, EventKind::Death => monitoring.event.death,
    EventKind::MovedOut => monitoring.event.moved_out, EventKind::MovedIn => monitoring.event.moved_in,
    EventKind::PropertyRegistered => monitoring.event.property_registered, EventKind::UnsafeHousing => monitoring.event.unsafe_housing,
    EventKind::Enrolled => monitoring.event.enrolled, EventKind::DisasterVictim => monitoring.event.disaster_victim,
    EventKind::VehicleRegistered => monitoring.event.vehicle_registered, EventKind::BusinessRegistered => monitoring.event.business_registered,
    EventKind::RelapseWatchListed => monitoring.event.relapse_watch_listed,
    EventKind::LegalAidGranted => monitoring.event.legal_aid_granted, EventKind::Detained => monitoring.event.detained,
    EventKind::Released => monitoring.event.released, EventKind::SeriousIllness => monitoring.event.serious_illness,
    EventKind::Born => monitoring.event.born, EventKind::VeteranInHardship => monitoring.event.veteran_in_hardship,
    EventKind::HardshipWorker => monitoring.event.hardship_worker, EventKind::JudicialAssistance => monitoring.event.judicial_assistance,
});
labels!(rule_kind: RuleKind {
    RuleKind::MedicalOutOfPocket => monitoring.rule.medical_out_of_pocket, RuleKind::MedicalShareOfIncome => monitoring.rule.medical_share_of_income,
    RuleKind::SevereDisability => monitoring.rule.severe_disability, RuleKind::Death => monitoring.rule.death,
    RuleKind::OnlyEarnerUnemployed => monitoring.rule.only_earner_unemployed, RuleKind::Disaster => monitoring.rule.disaster,
    RuleKind::NewAsset => monitoring.rule.new_asset, RuleKind::RelapseWatch => monitoring.rule.relapse_watch,
    RuleKind::EntitledNotReceived => monitoring.rule.entitled_not_received, RuleKind::Enrolment => monitoring.rule.enrolment,
    RuleKind::SeriousIllness => monitoring.rule.serious_illness, RuleKind::Custody => monitoring.rule.custody,
    RuleKind::HardshipRecognised => monitoring.rule.hardship_recognised,
});

labels!(roster_kind: crate::domain::intake::Roster {
    crate::domain::intake::Roster::Dibao => intake.rosters.dibao, crate::domain::intake::Roster::Tekun => intake.rosters.tekun,
    crate::domain::intake::Roster::DibaoMarginal => intake.rosters.dibao_marginal, crate::domain::intake::Roster::RigidExpense => intake.rosters.rigid_expense,
    crate::domain::intake::Roster::RelapseWatch => intake.rosters.relapse_watch, crate::domain::intake::Roster::Disabled => intake.rosters.disabled,
});
labels!(department: Department {
    Department::CivilAffairs => chain.department.civil_affairs, Department::MedicalInsurance => chain.department.medical_insurance,
    Department::Education => chain.department.education, Department::HumanResources => chain.department.human_resources,
    Department::Housing => chain.department.housing, Department::EmergencyManagement => chain.department.emergency_management,
    Department::DisabledPersons => chain.department.disabled_persons, Department::Justice => chain.department.justice,
    Department::RuralRevitalisation => chain.department.rural_revitalisation,
    Department::PublicSecurity => chain.department.public_security, Department::MarketRegulation => chain.department.market_regulation,
    Department::Health => chain.department.health, Department::VeteransAffairs => chain.department.veterans_affairs,
    Department::TradeUnion => chain.department.trade_union, Department::Court => chain.department.court,
    Department::Procuratorate => chain.department.procuratorate,
});
labels!(aid_origin: AidOrigin {
    AidOrigin::Decision => chain.origin.decision, AidOrigin::Referral => chain.origin.referral, AidOrigin::Emergency => chain.origin.emergency,
    AidOrigin::Manual => chain.origin.manual, AidOrigin::Charity => chain.origin.charity, AidOrigin::Service => chain.origin.service,
    AidOrigin::Intake => chain.origin.intake,
});
labels!(referral_status: ReferralStatus {
    ReferralStatus::Sent => referral.status.sent, ReferralStatus::Accepted => referral.status.accepted,
    ReferralStatus::Done => referral.status.done, ReferralStatus::Declined => referral.status.declined,
});

/// 慈善帮扶 has its own label; every other kind is the policy engine's entitlement.
pub fn aid_kind(i18n: I18nContext<Locale>, k: AidKind) -> String {
    match k.entitlement() {
        Some(e) => entitlement(i18n, e),
        None => t_string!(i18n, chain.charity).to_string(),
    }
}

use crate::domain::charity::{Distance, MatchState, NeedSource, NeedState, SupplyForm, Unmet};
labels!(supply_form: SupplyForm { SupplyForm::Funds => charity.form_funds, SupplyForm::Goods => charity.form_goods, SupplyForm::Services => charity.form_services });
labels!(need_state: NeedState {
    NeedState::Open => charity.need_open, NeedState::Met => charity.need_met, NeedState::DoneByOthers => charity.done_by_others,
    NeedState::NoLongerNeeded => charity.no_longer_needed, NeedState::Duplicate => charity.duplicate,
});
labels!(match_state: MatchState {
    MatchState::Proposed => charity.match_proposed, MatchState::Accepted => charity.match_accepted, MatchState::Declined => charity.match_declined,
    MatchState::Delivered => charity.match_delivered, MatchState::DoneByOthers => charity.done_by_others,
    MatchState::NoLongerNeeded => charity.no_longer_needed, MatchState::Duplicate => charity.duplicate,
});
labels!(need_source: NeedSource { NeedSource::Declaration => charity.source_declaration, NeedSource::Warning => charity.source_warning, NeedSource::Caseworker => charity.source_caseworker });
labels!(distance: Distance {
    Distance::SameTownship => charity.distance_township, Distance::SameCounty => charity.distance_county,
    Distance::SameCity => charity.distance_city, Distance::Farther => charity.distance_farther,
});
labels!(unmet: Unmet { Unmet::NoFit => charity.unmet_no_fit, Unmet::Exhausted => charity.unmet_exhausted });

/// Punctuation in the reader's language: Chinese full-width, English with spaces.
fn english(i18n: I18nContext<Locale>) -> bool {
    i18n.get_locale_untracked() == Locale::en
}

/// `text` in parentheses: （甲） or " (A)".
pub fn paren(i18n: I18nContext<Locale>, text: &str) -> String {
    if english(i18n) {
        format!(" ({text})")
    } else {
        format!("（{text}）")
    }
}

/// The separator of a list of names or items: 、 or ", ".
pub fn list_sep(i18n: I18nContext<Locale>) -> &'static str {
    if english(i18n) {
        ", "
    } else {
        "、"
    }
}

/// The separator between two clauses of one sentence: ， or ", ".
pub fn comma(i18n: I18nContext<Locale>) -> &'static str {
    if english(i18n) {
        ", "
    } else {
        "，"
    }
}

/// Between the items of a list of phrases: ； or "; ".
pub fn semicolon(i18n: I18nContext<Locale>) -> &'static str {
    if english(i18n) {
        "; "
    } else {
        "；"
    }
}

/// Between a label and what follows it: ： or ": ".
pub fn colon(i18n: I18nContext<Locale>) -> &'static str {
    if english(i18n) {
        ": "
    } else {
        "："
    }
}

#[cfg(test)]
mod tests {
    use super::section_in_english;
    use crate::domain::policy::clauses::*;

    #[test]
    fn sections_read_in_english_without_chinese() {
        assert_eq!(section_in_english(DIBAO_NATIONAL.section), "Article 9");
        assert_eq!(section_in_english(TEKUN_NATIONAL.section), "Article 14");
        assert_eq!(section_in_english(LN_MEDICAL.section), "2(3)2(1)");
        assert_eq!(
            section_in_english(ZY_DISASTER.section),
            "(8) disaster relief"
        );
        assert_eq!(section_in_english(ZY_MUTUAL_RECOGNITION.section), "(14)");
        assert_eq!(section_in_english(ZY_OTHER_AID.section), "(11)");
        assert_eq!(section_in_english(ZY_SERVICE.section), "(10)");
        assert_eq!(section_in_english("(二十)"), "(20)");
        for c in [
            LN_SCOPE,
            ZY_SCOPE,
            ZY_STANDARDS,
            ZY_RECOGNITION,
            LN_BASIC_LIVING,
            ZY_BASIC_LIVING,
            DIBAO_NATIONAL,
            TEKUN_NATIONAL,
            TEKUN_CONDITIONS,
            TEKUN_NO_LABOUR,
            ZY_EMPLOYMENT,
            ZY_MEDICAL,
            ZY_EDUCATION,
            ZY_HOUSING,
            ZY_DISASTER,
            ZY_EMERGENCY,
            ZY_SERVICE,
            ZY_OTHER_AID,
            ZY_REFERRAL,
            ZY_DUTIES,
            ZY_MUTUAL_RECOGNITION,
            MARGINAL_NATIONAL,
            LN_MEDICAL,
            LN_EDUCATION,
            LN_HOUSING,
            LN_EMPLOYMENT,
            LN_DISASTER,
            LN_EMERGENCY,
            LN_SERVICE,
            LN_OTHER_AID,
            DIBAO_CONFIRMATION,
        ] {
            let en = section_in_english(c.section);
            assert_eq!(crate::ui::text_lang(&en), None, "{} reads {en}", c.section);
        }
    }
}
