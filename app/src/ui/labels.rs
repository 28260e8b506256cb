//! Translations of codes that arrive as data (choices, statuses, error codes). Each code maps
//! to a leptos_i18n key, so both locales are checked at compile time.

use crate::domain::declaration::{
    AttachmentKind, DisabilityKind, FieldErrorCode, HelpKind, LabourCapacity, Relation, Residence, Schooling, WorkStatus, Health,
};
use crate::domain::status::{ApplicationStatus, Role};
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
    Role::Charity => role.charity, Role::Admin => role.admin,
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
});

/// A timeline event kind as stored (`submitted`, `withdrawn` …).
pub fn event(i18n: I18nContext<Locale>, kind: &str) -> String {
    match kind {
        "submitted" => t_string!(i18n, event.submitted),
        "info_requested" => t_string!(i18n, event.info_requested),
        "info_answered" => t_string!(i18n, event.info_answered),
        "consent_changed" => t_string!(i18n, event.consent_changed),
        "withdrawn" => t_string!(i18n, event.withdrawn),
        _ => t_string!(i18n, event.status_changed),
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
        AppError::Internal => t_string!(i18n, error.internal),
        AppError::Network => t_string!(i18n, error.network),
        AppError::Refused(code) => match code.as_str() {
            "bad_credentials" => t_string!(i18n, refused.bad_credentials),
            "account_locked" => t_string!(i18n, refused.account_locked),
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
            _ => t_string!(i18n, refused.other),
        },
    }
    .to_string()
}
