//! Texts shared by pages and the files the server writes (the import report's XLSX says what
//! the page says), in a given language: here rather than in `ui`, which the server does not use.

use crate::api::monitoring::ImportReport;
use crate::domain::monitoring::{FileProblem, RowProblem};
use crate::i18n::*;

/// The language a page's data or a file the server writes is in: the caller's chosen language
/// (the cookie the pages' language switch sets), Chinese by default.
#[cfg(feature = "ssr")]
pub fn locale_of(headers: &axum::http::HeaderMap) -> Locale {
    let english = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.split(';').any(|kv| kv.trim() == "i18n_pref_locale=en"));
    if english {
        Locale::en
    } else {
        Locale::zh_CN
    }
}

/// A refused row's reason in a given language (the page and the XLSX report say the same).
pub fn row_problem_in(locale: Locale, p: RowProblem) -> String {
    match p {
        RowProblem::IdFormat => td_string!(locale, errors.id_format),
        RowProblem::IdNotText => td_string!(locale, monitoring.problem.id_not_text),
        RowProblem::IdChecksum => td_string!(locale, errors.id_checksum),
        RowProblem::IdBirthDate => td_string!(locale, errors.id_birth_date),
        RowProblem::DateFormat => td_string!(locale, errors.date_format),
        RowProblem::DateInFuture => td_string!(locale, errors.date_in_future),
        RowProblem::AmountFormat => td_string!(locale, errors.amount_format),
        RowProblem::AmountNegative => td_string!(locale, errors.amount_negative),
        RowProblem::OutOfPocketOverTotal => {
            td_string!(locale, monitoring.problem.out_of_pocket_over_total)
        }
        RowProblem::CellTooLong => td_string!(locale, monitoring.problem.cell_too_long),
        RowProblem::WrongFieldCount => td_string!(locale, monitoring.problem.wrong_field_count),
        RowProblem::Duplicate => td_string!(locale, monitoring.problem.duplicate),
        RowProblem::EventUnknown => td_string!(locale, monitoring.problem.event_unknown),
        RowProblem::GradeFormat => td_string!(locale, monitoring.problem.grade_format),
        RowProblem::RegionFormat => td_string!(locale, monitoring.problem.region_format),
        RowProblem::RegionOutside => td_string!(locale, monitoring.problem.region_outside),
        RowProblem::RelationUnknown => td_string!(locale, monitoring.problem.relation_unknown),
        RowProblem::NameMissing => td_string!(locale, monitoring.problem.name_missing),
        RowProblem::PhoneFormat => td_string!(locale, errors.phone_format),
        RowProblem::AmountMissing => td_string!(locale, monitoring.problem.amount_missing),
        RowProblem::ResidenceUnknown => td_string!(locale, monitoring.problem.residence_unknown),
        RowProblem::SupportModeUnknown => {
            td_string!(locale, monitoring.problem.support_mode_unknown)
        }
        RowProblem::CareNeedUnknown => td_string!(locale, monitoring.problem.care_need_unknown),
        RowProblem::OtherHousehold => td_string!(locale, monitoring.problem.other_household),
        RowProblem::HouseholdMismatch => {
            td_string!(locale, monitoring.problem.household_mismatch)
        }
    }
    .to_string()
}

/// The report's counts as (label, number) lines in a given language, in the order shown.
pub fn report_lines_in(locale: Locale, r: &ImportReport) -> Vec<(String, i64)> {
    vec![
        (
            td_string!(locale, monitoring.rows_read).to_string(),
            r.rows_read,
        ),
        (
            td_string!(locale, monitoring.new_records).to_string(),
            r.new_records,
        ),
        (
            td_string!(locale, monitoring.duplicates).to_string(),
            r.duplicates,
        ),
        (
            td_string!(locale, monitoring.matched).to_string(),
            r.matched,
        ),
        (
            td_string!(locale, monitoring.unmatched).to_string(),
            r.unmatched,
        ),
        (
            td_string!(locale, monitoring.invalid).to_string(),
            r.invalid,
        ),
        (
            td_string!(locale, monitoring.warnings_raised).to_string(),
            r.warnings,
        ),
    ]
}

/// Words the XLSX report needs besides the lines: title, file, row, reason, count.
pub fn report_words_in(locale: Locale) -> [String; 5] {
    [
        td_string!(locale, monitoring.report).to_string(),
        td_string!(locale, monitoring.file_label).to_string(),
        td_string!(locale, monitoring.row).to_string(),
        td_string!(locale, monitoring.reason).to_string(),
        td_string!(locale, monitoring.count).to_string(),
    ]
}

/// Why a whole file was refused, in a given language (the page and the XLSX report).
pub fn file_problem_in(locale: Locale, p: &FileProblem) -> String {
    match p {
        FileProblem::Empty => td_string!(locale, monitoring.file.empty).to_string(),
        FileProblem::Encoding => td_string!(locale, monitoring.file.encoding).to_string(),
        FileProblem::Unreadable => td_string!(locale, monitoring.file.unreadable).to_string(),
        FileProblem::TooMuchText => td_string!(locale, monitoring.file.too_much_text).to_string(),
        FileProblem::MissingColumns { fields } => {
            let names: Vec<String> = fields.iter().map(|f| import_field_in(locale, *f)).collect();
            format!(
                "{} {}",
                td_string!(locale, monitoring.file.missing_columns),
                names.join("、")
            )
        }
        FileProblem::DuplicateColumn { header } => format!(
            "{} {header}",
            td_string!(locale, monitoring.file.duplicate_column)
        ),
    }
}

pub fn import_field_in(locale: Locale, f: crate::domain::monitoring::Field) -> String {
    use crate::domain::monitoring::Field;
    match f {
        Field::IdNumber => td_string!(locale, monitoring.field.id_number),
        Field::Name => td_string!(locale, monitoring.field.name),
        Field::Date => td_string!(locale, monitoring.field.date),
        Field::Total => td_string!(locale, monitoring.field.total),
        Field::OutOfPocket => td_string!(locale, monitoring.field.out_of_pocket),
        Field::Event => td_string!(locale, monitoring.field.event),
        Field::Grade => td_string!(locale, monitoring.field.grade),
        Field::Amount => td_string!(locale, monitoring.field.amount),
        Field::Detail => td_string!(locale, monitoring.field.detail),
        Field::HeadIdNumber => td_string!(locale, monitoring.field.head_id_number),
        Field::Relation => td_string!(locale, monitoring.field.relation),
        Field::Region => td_string!(locale, monitoring.field.region),
        Field::Address => td_string!(locale, monitoring.field.address),
        Field::Phone => td_string!(locale, monitoring.field.phone),
        Field::Residence => td_string!(locale, monitoring.field.residence),
        Field::SupportMode => td_string!(locale, monitoring.field.support_mode),
        Field::CareNeed => td_string!(locale, monitoring.field.care_need),
    }
    .to_string()
}

/// 花名册: the words of a roster's file in a given language.
pub mod roster {
    use crate::domain::cycle::Standing;
    use crate::domain::declaration::{HelpKind, Residence};
    use crate::domain::monitoring::{RuleKind, WarningStatus};
    use crate::domain::policy::assess::Category;
    use crate::domain::roster::RosterKind;
    use crate::domain::status::ApplicationStatus;
    use crate::i18n::*;

    /// The export page's title.
    pub fn page_title(locale: Locale) -> String {
        td_string!(locale, roster.title).to_string()
    }

    pub fn title(locale: Locale, kind: RosterKind) -> String {
        match kind {
            RosterKind::Households => td_string!(locale, roster.kind.households),
            RosterKind::Applications => td_string!(locale, roster.kind.applications),
            RosterKind::Warnings => td_string!(locale, roster.kind.warnings),
            RosterKind::Payments => td_string!(locale, roster.kind.payments),
            RosterKind::Referrals => td_string!(locale, roster.kind.referrals),
            RosterKind::Emergency => td_string!(locale, roster.kind.emergency),
            RosterKind::Recovery => td_string!(locale, roster.kind.recovery),
            RosterKind::Charity => td_string!(locale, roster.kind.charity),
        }
        .to_string()
    }

    /// The column headings of a roster, in the order its rows are written.
    pub fn headings(locale: Locale, kind: RosterKind) -> Vec<String> {
        let person = [
            td_string!(locale, roster.col.head),
            td_string!(locale, roster.col.id_number),
            td_string!(locale, roster.col.phone),
            td_string!(locale, roster.col.region),
            td_string!(locale, roster.col.region_code),
        ];
        let mut h = vec![td_string!(locale, roster.col.no)];
        match kind {
            RosterKind::Households => {
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.address),
                    td_string!(locale, roster.col.residence),
                    td_string!(locale, roster.col.persons),
                    td_string!(locale, roster.col.category),
                    td_string!(locale, roster.col.amount),
                    td_string!(locale, roster.col.from),
                    td_string!(locale, roster.col.standing),
                    td_string!(locale, roster.col.taper_since),
                    td_string!(locale, roster.col.aid_until),
                    td_string!(locale, roster.col.number),
                ]);
            }
            RosterKind::Applications => {
                h.push(td_string!(locale, roster.col.number));
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.residence),
                    td_string!(locale, roster.col.persons),
                    td_string!(locale, roster.col.status),
                    td_string!(locale, roster.col.submitted),
                    td_string!(locale, roster.col.updated),
                    td_string!(locale, roster.col.help),
                    td_string!(locale, roster.col.category),
                    td_string!(locale, roster.col.amount),
                ]);
            }
            RosterKind::Warnings => {
                h.push(td_string!(locale, roster.col.warning));
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.rule),
                    td_string!(locale, roster.col.level),
                    td_string!(locale, roster.col.status),
                    td_string!(locale, roster.col.raised),
                    td_string!(locale, roster.col.visit_due),
                    td_string!(locale, roster.col.visited_on),
                    td_string!(locale, roster.col.household),
                ]);
            }
            RosterKind::Payments => {
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.category),
                    td_string!(locale, roster.col.fund),
                    td_string!(locale, roster.col.monthly),
                    td_string!(locale, roster.col.arrears),
                    td_string!(locale, roster.col.arrears_months),
                    td_string!(locale, roster.col.paid),
                    td_string!(locale, roster.col.held),
                    td_string!(locale, roster.col.notes),
                    td_string!(locale, roster.col.bank),
                    td_string!(locale, roster.col.household),
                ]);
            }
            RosterKind::Referrals => {
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.department),
                    td_string!(locale, roster.col.need),
                    td_string!(locale, roster.col.status),
                    td_string!(locale, roster.col.sent),
                    td_string!(locale, roster.col.due),
                    td_string!(locale, roster.col.answered),
                    td_string!(locale, roster.col.household),
                ]);
            }
            RosterKind::Recovery => {
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.reason),
                    td_string!(locale, roster.col.status),
                    td_string!(locale, roster.col.overpaid),
                    td_string!(locale, roster.col.repaid),
                    td_string!(locale, roster.col.written_off),
                    td_string!(locale, roster.col.outstanding),
                    td_string!(locale, roster.col.decision),
                    td_string!(locale, roster.col.opened),
                    td_string!(locale, roster.col.household),
                ]);
            }
            RosterKind::Charity => {
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.need),
                    td_string!(locale, roster.col.form),
                    td_string!(locale, roster.col.asked),
                    td_string!(locale, roster.col.delivered),
                    td_string!(locale, roster.col.status),
                    td_string!(locale, roster.col.created),
                    td_string!(locale, roster.col.closed),
                    td_string!(locale, roster.col.household),
                ]);
            }
            RosterKind::Emergency => {
                h.extend(person);
                h.extend([
                    td_string!(locale, roster.col.person_helped),
                    td_string!(locale, roster.col.advance),
                    td_string!(locale, roster.col.aid_amount),
                    td_string!(locale, roster.col.recorded),
                    td_string!(locale, roster.col.documents_due),
                    td_string!(locale, roster.col.documents_received),
                    td_string!(locale, roster.col.household),
                ]);
            }
        }
        h.into_iter().map(str::to_string).collect()
    }

    /// Masked or not, who, when, the total: the file's own words.
    pub struct FileWords {
        pub masked: String,
        pub unmasked: String,
        pub by: String,
        pub at: String,
        pub total: String,
    }

    pub fn file_words(locale: Locale) -> FileWords {
        FileWords {
            masked: td_string!(locale, roster.file_masked).to_string(),
            unmasked: td_string!(locale, roster.file_unmasked).to_string(),
            by: td_string!(locale, roster.file_by).to_string(),
            at: td_string!(locale, roster.file_at).to_string(),
            total: td_string!(locale, roster.file_total).to_string(),
        }
    }

    pub fn category(locale: Locale, c: Category) -> String {
        match c {
            Category::Tekun => td_string!(locale, policy.category.tekun),
            Category::Dibao => td_string!(locale, policy.category.dibao),
            Category::DibaoMarginal => td_string!(locale, policy.category.dibao_marginal),
            Category::RigidExpense => td_string!(locale, policy.category.rigid_expense),
            Category::RelapseWatch => td_string!(locale, policy.category.relapse_watch),
            Category::OtherHardship => td_string!(locale, policy.category.other_hardship),
        }
        .to_string()
    }

    pub fn standing(locale: Locale, s: Standing) -> String {
        match s {
            Standing::Applicant => td_string!(locale, cycle.standing.applicant),
            Standing::InAssistance => td_string!(locale, cycle.standing.in_assistance),
            Standing::Rejected => td_string!(locale, cycle.standing.rejected),
            Standing::Exited => td_string!(locale, cycle.standing.exited),
            Standing::Listed => td_string!(locale, cycle.standing.listed),
        }
        .to_string()
    }

    pub fn status(locale: Locale, s: ApplicationStatus) -> String {
        match s {
            ApplicationStatus::Submitted => td_string!(locale, status.submitted),
            ApplicationStatus::Accepted => td_string!(locale, status.accepted),
            ApplicationStatus::InfoRequested => td_string!(locale, status.info_requested),
            ApplicationStatus::Visiting => td_string!(locale, status.visiting),
            ApplicationStatus::Reviewing => td_string!(locale, status.reviewing),
            ApplicationStatus::Publicising => td_string!(locale, status.publicising),
            ApplicationStatus::Approved => td_string!(locale, status.approved),
            ApplicationStatus::Rejected => td_string!(locale, status.rejected),
            ApplicationStatus::Withdrawn => td_string!(locale, status.withdrawn),
        }
        .to_string()
    }

    pub fn warning_status(locale: Locale, s: WarningStatus) -> String {
        match s {
            WarningStatus::New => td_string!(locale, monitoring.status.new),
            WarningStatus::Assigned => td_string!(locale, monitoring.status.assigned),
            WarningStatus::Visited => td_string!(locale, monitoring.status.visited),
            WarningStatus::Disposed => td_string!(locale, monitoring.status.disposed),
            WarningStatus::Closed => td_string!(locale, monitoring.status.closed),
        }
        .to_string()
    }

    pub fn rule(locale: Locale, r: RuleKind) -> String {
        match r {
            RuleKind::MedicalOutOfPocket => {
                td_string!(locale, monitoring.rule.medical_out_of_pocket)
            }
            RuleKind::MedicalShareOfIncome => {
                td_string!(locale, monitoring.rule.medical_share_of_income)
            }
            RuleKind::SevereDisability => td_string!(locale, monitoring.rule.severe_disability),
            RuleKind::Death => td_string!(locale, monitoring.rule.death),
            RuleKind::OnlyEarnerUnemployed => {
                td_string!(locale, monitoring.rule.only_earner_unemployed)
            }
            RuleKind::Disaster => td_string!(locale, monitoring.rule.disaster),
            RuleKind::NewAsset => td_string!(locale, monitoring.rule.new_asset),
            RuleKind::RelapseWatch => td_string!(locale, monitoring.rule.relapse_watch),
            RuleKind::Enrolment => td_string!(locale, monitoring.rule.enrolment),
            RuleKind::EntitledNotReceived => {
                td_string!(locale, monitoring.rule.entitled_not_received)
            }
            RuleKind::SeriousIllness => td_string!(locale, monitoring.rule.serious_illness),
            RuleKind::Custody => td_string!(locale, monitoring.rule.custody),
            RuleKind::HardshipRecognised => {
                td_string!(locale, monitoring.rule.hardship_recognised)
            }
        }
        .to_string()
    }

    pub fn fund(locale: Locale, f: crate::domain::payments::Fund) -> String {
        use crate::domain::payments::Fund;
        match f {
            Fund::Dibao => td_string!(locale, payments.fund.dibao),
            Fund::Tekun => td_string!(locale, payments.fund.tekun),
            Fund::Other => td_string!(locale, payments.fund.other),
        }
        .to_string()
    }

    /// The bank's answer for a line.
    pub fn bank(locale: Locale, b: &(crate::domain::payments::BankStatus, String)) -> String {
        use crate::domain::payments::BankStatus;
        match b.0 {
            BankStatus::Paid => td_string!(locale, payments.bank_status.paid).to_string(),
            BankStatus::Failed => {
                format!(
                    "{}：{}",
                    td_string!(locale, payments.bank_status.failed),
                    b.1
                )
            }
        }
    }

    /// Why a payment line is what it is, in words.
    pub fn note(locale: Locale, n: &crate::domain::payments::PayNote) -> String {
        use crate::domain::payments::PayNote;
        let yuan = |fen: i64| crate::domain::money::Money::from_fen(fen).to_string();
        let y = td_string!(locale, payments.note.yuan);
        match n {
            PayNote::Monthly { month, amount_fen } => format!(
                "{} {month} {} {y}",
                td_string!(locale, payments.note.monthly),
                yuan(*amount_fen)
            ),
            PayNote::Arrears {
                from,
                until,
                months,
                amount_fen,
            } => format!(
                "{} {from} {} {until} ({months} {}) {} {y}",
                td_string!(locale, payments.note.arrears),
                td_string!(locale, payments.note.to),
                td_string!(locale, payments.note.months),
                yuan(*amount_fen)
            ),
            PayNote::PaidUntil { last_day } => {
                format!(
                    "{} {last_day}",
                    td_string!(locale, payments.note.paid_until)
                )
            }
            PayNote::Taper { since } => {
                format!("{} {since}", td_string!(locale, payments.note.taper))
            }
            PayNote::Held { warning } => {
                format!("{} #{warning}", td_string!(locale, payments.note.held))
            }
            PayNote::Stopped { last_day } => match last_day {
                Some(d) => format!(
                    "{} ({} {d})",
                    td_string!(locale, payments.note.stopped),
                    td_string!(locale, payments.note.paid_until)
                ),
                None => td_string!(locale, payments.note.stopped).to_string(),
            },
        }
    }

    pub fn residence(locale: Locale, r: Residence) -> String {
        match r {
            Residence::Urban => td_string!(locale, residence.urban),
            Residence::Rural => td_string!(locale, residence.rural),
        }
        .to_string()
    }

    pub fn referral_status(locale: Locale, s: crate::domain::referral::ReferralStatus) -> String {
        use crate::domain::referral::ReferralStatus as S;
        match s {
            S::Sent => td_string!(locale, referral.status.sent),
            S::Accepted => td_string!(locale, referral.status.accepted),
            S::Done => td_string!(locale, referral.status.done),
            S::Declined => td_string!(locale, referral.status.declined),
        }
        .to_string()
    }

    pub fn flow(locale: Locale, f: crate::domain::roster::Flow) -> String {
        use crate::domain::roster::Flow as F;
        match f {
            F::Entered => td_string!(locale, roster.flow.entered),
            F::Exited => td_string!(locale, roster.flow.exited),
            F::Tapering => td_string!(locale, roster.flow.tapering),
        }
        .to_string()
    }

    pub fn visit(locale: Locale, v: crate::domain::roster::VisitFilter) -> String {
        use crate::domain::roster::VisitFilter as V;
        match v {
            V::Due => td_string!(locale, roster.visit.due),
            V::OnTime => td_string!(locale, roster.visit.on_time),
        }
        .to_string()
    }

    pub fn recovery_state(locale: Locale, s: crate::domain::recovery::RecoveryState) -> String {
        use crate::domain::recovery::RecoveryState as S;
        match s {
            S::Open => td_string!(locale, roster.recovery_state.open),
            S::WriteOffAsked => td_string!(locale, roster.recovery_state.write_off_asked),
            S::Closed => td_string!(locale, roster.recovery_state.closed),
        }
        .to_string()
    }

    pub fn supply_form(locale: Locale, f: crate::domain::charity::SupplyForm) -> String {
        use crate::domain::charity::SupplyForm as F;
        match f {
            F::Funds => td_string!(locale, charity.form_funds),
            F::Goods => td_string!(locale, charity.form_goods),
            F::Services => td_string!(locale, charity.form_services),
        }
        .to_string()
    }

    pub fn need_state(locale: Locale, s: crate::domain::charity::NeedState) -> String {
        use crate::domain::charity::NeedState as S;
        match s {
            S::Open => td_string!(locale, charity.need_open),
            S::Met => td_string!(locale, charity.need_met),
            S::DoneByOthers => td_string!(locale, charity.done_by_others),
            S::NoLongerNeeded => td_string!(locale, charity.no_longer_needed),
            S::Duplicate => td_string!(locale, charity.duplicate),
        }
        .to_string()
    }

    pub fn emergency_form(locale: Locale, f: crate::domain::roster::EmergencyForm) -> String {
        use crate::domain::roster::EmergencyForm as F;
        match f {
            F::Advance => td_string!(locale, roster.form.advance),
            F::Regular => td_string!(locale, roster.form.regular),
        }
        .to_string()
    }

    /// What a referral asks for: the policy engine's entitlement, or 慈善帮扶.
    pub fn aid(locale: Locale, k: crate::domain::chain::AidKind) -> String {
        use crate::domain::policy::assess::EntitlementKind as E;
        let Some(e) = k.entitlement() else {
            return td_string!(locale, chain.charity).to_string();
        };
        match e {
            E::BasicLiving => td_string!(locale, policy.entitlement.basic_living),
            E::PremiumSubsidy => td_string!(locale, policy.entitlement.premium_subsidy),
            E::MedicalAssistance => td_string!(locale, policy.entitlement.medical_assistance),
            E::DiseaseEmergency => td_string!(locale, policy.entitlement.disease_emergency),
            E::Education => td_string!(locale, policy.entitlement.education),
            E::Housing => td_string!(locale, policy.entitlement.housing),
            E::Employment => td_string!(locale, policy.entitlement.employment),
            E::Disaster => td_string!(locale, policy.entitlement.disaster),
            E::Heating => td_string!(locale, policy.entitlement.heating),
            E::Funeral => td_string!(locale, policy.entitlement.funeral),
            E::LegalAid => td_string!(locale, policy.entitlement.legal_aid),
            E::ServiceAssistance => td_string!(locale, policy.entitlement.service_assistance),
            E::Emergency => td_string!(locale, policy.entitlement.emergency),
        }
        .to_string()
    }

    pub fn help(locale: Locale, h: HelpKind) -> String {
        match h {
            HelpKind::BasicLiving => td_string!(locale, help.basic_living),
            HelpKind::Medical => td_string!(locale, help.medical),
            HelpKind::Education => td_string!(locale, help.education),
            HelpKind::Housing => td_string!(locale, help.housing),
            HelpKind::Employment => td_string!(locale, help.employment),
            HelpKind::Emergency => td_string!(locale, help.emergency),
            HelpKind::CareServices => td_string!(locale, help.care_services),
            HelpKind::Other => td_string!(locale, help.other),
        }
        .to_string()
    }
}

/// Why a roster export was refused, in a given language: the page a browser shows instead of
/// the file (the export is a link or a form, not a script that could show it).
pub fn roster_error_in(locale: Locale, e: &crate::error::AppError) -> (String, String) {
    use crate::error::AppError;
    let message = match e {
        AppError::Unauthenticated => td_string!(locale, roster.error.unauthenticated),
        AppError::Forbidden => td_string!(locale, roster.error.forbidden),
        AppError::NotFound => td_string!(locale, roster.error.not_found),
        AppError::Invalid(fields) if fields.iter().any(|f| f.field == "purpose") => {
            td_string!(locale, roster.error.purpose)
        }
        AppError::Invalid(_) | AppError::BadRequest => td_string!(locale, roster.error.filter),
        AppError::Refused(code) if code == "roster_too_large" => {
            td_string!(locale, roster.error.too_large)
        }
        AppError::Busy | AppError::TooManyRequests => td_string!(locale, roster.error.busy),
        _ => td_string!(locale, roster.error.other),
    };
    (
        message.to_string(),
        td_string!(locale, roster.error.back).to_string(),
    )
}

/// The dashboard's and the statistical report's words, in a given language.
pub mod statistics {
    use crate::domain::chain::Department;
    use crate::domain::charity::SupplyForm;
    use crate::domain::declaration::Residence;
    use crate::domain::monitoring::Source;
    use crate::domain::payments::Fund;
    use crate::domain::policy::assess::Category;
    use crate::domain::statistics::Measure;
    use crate::domain::status::ApplicationStatus;
    use crate::i18n::*;

    /// A dimension's code (`k1`/`k2` of a figure of `measure`) in words; an empty code is "not
    /// recorded" (or, for a warning's source, "entered by staff"), an unknown one itself.
    pub fn key(locale: Locale, measure: Measure, dim: u8, code: &str) -> String {
        use Measure::*;
        let unknown = || code.to_string();
        match (measure, dim) {
            (Households | Entered | Decided | Paid, 1) => Category::from_code(code)
                .map(|c| super::roster::category(locale, c))
                .unwrap_or_else(unknown),
            (Households | Paid, 2) => match Residence::from_code(code) {
                Some(r) => super::roster::residence(locale, r),
                None if code.is_empty() => td_string!(locale, stats.unrecorded).to_string(),
                None => unknown(),
            },
            (TekunSupport | PaidTekun, 1) => match code {
                "centralised" => td_string!(locale, policy.support_centralised).to_string(),
                "dispersed" => td_string!(locale, policy.support_dispersed).to_string(),
                "" => td_string!(locale, stats.unrecorded).to_string(),
                _ => unknown(),
            },
            (Applications, 1) => ApplicationStatus::from_code(code)
                .map(|s| super::roster::status(locale, s))
                .unwrap_or_else(unknown),
            (Warnings, 1) => format!(
                "{}{code}{}",
                td_string!(locale, stats.level_prefix),
                td_string!(locale, stats.level_suffix)
            ),
            (Warnings, 2) => match Source::from_code(code) {
                Some(s) => source(locale, s),
                None if code.is_empty() => td_string!(locale, stats.no_source).to_string(),
                None => unknown(),
            },
            (Referrals, 1) => Department::from_code(code)
                .map(|d| department(locale, d))
                .unwrap_or_else(unknown),
            (Emergency, 1) => match code {
                "advance" => td_string!(locale, stats.advance).to_string(),
                "regular" => td_string!(locale, stats.regular).to_string(),
                _ => unknown(),
            },
            (CharityMet, 1) => match SupplyForm::from_code(code) {
                Some(SupplyForm::Funds) => td_string!(locale, charity.form_funds).to_string(),
                Some(SupplyForm::Goods) => td_string!(locale, charity.form_goods).to_string(),
                Some(SupplyForm::Services) => td_string!(locale, charity.form_services).to_string(),
                None => unknown(),
            },
            (RecoveryOpened, 1) => match crate::domain::recovery::RecoveryReason::from_code(code) {
                Some(r) => recovery_reason(locale, r),
                None => unknown(),
            },
            (PaidFund, 1) => Fund::from_code(code)
                .map(|f| super::roster::fund(locale, f))
                .unwrap_or_else(unknown),
            _ => unknown(),
        }
    }

    pub fn recovery_reason(locale: Locale, r: crate::domain::recovery::RecoveryReason) -> String {
        use crate::domain::recovery::RecoveryReason as R;
        match r {
            R::PaidAfterExit => td_string!(locale, recovery.reason.paid_after_exit),
            R::PaidAfterDeath => td_string!(locale, recovery.reason.paid_after_death),
            R::EntitlementChanged => td_string!(locale, recovery.reason.entitlement_changed),
            R::FalseDeclaration => td_string!(locale, recovery.reason.false_declaration),
            R::Other => td_string!(locale, recovery.reason.other),
        }
        .to_string()
    }

    pub fn source(locale: Locale, s: Source) -> String {
        match s {
            Source::MedicalInsurance => {
                td_string!(locale, monitoring.source_label.medical_insurance)
            }
            Source::DisabledPersons => td_string!(locale, monitoring.source_label.disabled_persons),
            Source::HumanResources => td_string!(locale, monitoring.source_label.human_resources),
            Source::PublicSecurity => td_string!(locale, monitoring.source_label.public_security),
            Source::Housing => td_string!(locale, monitoring.source_label.housing),
            Source::Education => td_string!(locale, monitoring.source_label.education),
            Source::EmergencyManagement => {
                td_string!(locale, monitoring.source_label.emergency_management)
            }
            Source::Vehicles => td_string!(locale, monitoring.source_label.vehicles),
            Source::Businesses => td_string!(locale, monitoring.source_label.businesses),
            Source::RuralRevitalisation => {
                td_string!(locale, monitoring.source_label.rural_revitalisation)
            }
            Source::Justice => td_string!(locale, monitoring.source_label.justice),
            Source::Health => td_string!(locale, monitoring.source_label.health),
            Source::Veterans => td_string!(locale, monitoring.source_label.veterans),
            Source::TradeUnion => td_string!(locale, monitoring.source_label.trade_union),
            Source::Court => td_string!(locale, monitoring.source_label.court),
            Source::Procuratorate => td_string!(locale, monitoring.source_label.procuratorate),
        }
        .to_string()
    }

    pub fn department(locale: Locale, d: Department) -> String {
        match d {
            Department::CivilAffairs => td_string!(locale, chain.department.civil_affairs),
            Department::MedicalInsurance => td_string!(locale, chain.department.medical_insurance),
            Department::Education => td_string!(locale, chain.department.education),
            Department::HumanResources => td_string!(locale, chain.department.human_resources),
            Department::Housing => td_string!(locale, chain.department.housing),
            Department::EmergencyManagement => {
                td_string!(locale, chain.department.emergency_management)
            }
            Department::DisabledPersons => td_string!(locale, chain.department.disabled_persons),
            Department::Justice => td_string!(locale, chain.department.justice),
            Department::RuralRevitalisation => {
                td_string!(locale, chain.department.rural_revitalisation)
            }
            Department::PublicSecurity => td_string!(locale, chain.department.public_security),
            Department::MarketRegulation => td_string!(locale, chain.department.market_regulation),
            Department::Health => td_string!(locale, chain.department.health),
            Department::VeteransAffairs => td_string!(locale, chain.department.veterans_affairs),
            Department::TradeUnion => td_string!(locale, chain.department.trade_union),
            Department::Court => td_string!(locale, chain.department.court),
            Department::Procuratorate => td_string!(locale, chain.department.procuratorate),
        }
        .to_string()
    }
}

/// What a machine API refusal means, in a given language (`server::machine`).
pub fn machine_error_in(locale: Locale, code: &str) -> String {
    match code {
        "unsigned" => td_string!(locale, machine.errors.unsigned),
        "unknown_key" => td_string!(locale, machine.errors.unknown_key),
        "key_expired" => td_string!(locale, machine.errors.key_expired),
        "revoked" => td_string!(locale, machine.errors.revoked),
        "clock_skew" => td_string!(locale, machine.errors.clock_skew),
        "bad_signature" => td_string!(locale, machine.errors.bad_signature),
        "replayed" => td_string!(locale, machine.errors.replayed),
        "rate_limited" => td_string!(locale, machine.errors.rate_limited),
        "out_of_scope" => td_string!(locale, machine.errors.out_of_scope),
        "not_found" => td_string!(locale, machine.errors.not_found),
        "invalid" => td_string!(locale, machine.errors.invalid),
        "refused" => td_string!(locale, machine.errors.refused),
        "batch_running" => td_string!(locale, machine.errors.batch_running),
        "body_too_large" => td_string!(locale, machine.errors.body_too_large),
        "unsupported_media_type" => td_string!(locale, machine.errors.unsupported_media_type),
        "busy" => td_string!(locale, machine.errors.busy),
        _ => td_string!(locale, machine.errors.internal),
    }
    .to_string()
}
