//! 自主申报 `Declaration`: what a resident declares about the household, the draft the form
//! edits, and the one `parse` that both the browser and the server run on it.

use super::id_number::{IdNumber, IdNumberError, Sex};
use super::money::{Money, MoneyError};
use super::phone::Phone;
use super::region::{RegionCode, RegionLevel};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Bounds that keep a slip of the finger from being stored. Not policy numbers.
pub const MAX_MONTHLY_INCOME_YUAN: i64 = 1_000_000;
pub const MAX_ASSET_YUAN: i64 = 1_000_000_000;
pub const MAX_MEMBERS: usize = 20;
pub const MAX_NAME_CHARS: usize = 30;
pub const MAX_ADDRESS_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_ILLNESS_CHARS: usize = 100;
/// Proof files per declaration, and the size of each.
pub const MAX_ATTACHMENTS: usize = 20;
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// The version of the consent texts shown to residents; stored with each consent.
pub const CONSENT_TEXT_VERSION: &str = "2026-11-v1";

coded! {
    /// 与户主关系
    pub enum Relation {
        Head = "head",
        Spouse = "spouse",
        Child = "child",
        Parent = "parent",
        Grandchild = "grandchild",
        Grandparent = "grandparent",
        Sibling = "sibling",
        ChildInLaw = "child_in_law",
        Other = "other",
    }
}
coded! {
    /// 城乡属性
    pub enum Residence {
        Urban = "urban",
        Rural = "rural",
    }
}
coded! {
    /// 健康状况
    pub enum Health {
        Healthy = "healthy",
        Chronic = "chronic",
        SeriousIllness = "serious_illness",
    }
}
coded! {
    /// 残疾类别
    pub enum DisabilityKind {
        None = "none",
        Visual = "visual",
        Hearing = "hearing",
        Speech = "speech",
        Physical = "physical",
        Intellectual = "intellectual",
        Mental = "mental",
        Multiple = "multiple",
    }
}
coded! {
    /// 就学阶段
    pub enum Schooling {
        NotInSchool = "not_in_school",
        Preschool = "preschool",
        Primary = "primary",
        JuniorSecondary = "junior_secondary",
        SeniorSecondary = "senior_secondary",
        Vocational = "vocational",
        Higher = "higher",
    }
}
coded! {
    /// 就业状况
    pub enum WorkStatus {
        Employed = "employed",
        Farming = "farming",
        SelfEmployed = "self_employed",
        Unemployed = "unemployed",
        Retired = "retired",
        Student = "student",
        Unable = "unable",
    }
}
coded! {
    /// 劳动能力
    pub enum LabourCapacity {
        Full = "full",
        Partial = "partial",
        None = "none",
    }
}
coded! {
    /// 申请的救助类型
    pub enum HelpKind {
        BasicLiving = "basic_living",
        Medical = "medical",
        Education = "education",
        Housing = "housing",
        Employment = "employment",
        Emergency = "emergency",
        CareServices = "care_services",
        Other = "other",
    }
}
coded! {
    /// 证明材料类型
    pub enum AttachmentKind {
        IdCard = "id_card",
        HouseholdRegister = "household_register",
        DisabilityCertificate = "disability_certificate",
        MedicalBill = "medical_bill",
        IncomeProof = "income_proof",
        Other = "other",
    }
}

/// One member as the form holds it: raw text, so nothing typed is ever lost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemberDraft {
    pub relation: String,
    pub name: String,
    pub id_number: String,
    pub health: String,
    pub illness: String,
    pub disability_kind: String,
    pub disability_grade: String,
    pub schooling: String,
    pub work_status: String,
    pub labour_capacity: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeclarationDraft {
    pub region_code: String,
    pub address: String,
    pub residence: String,
    pub contact_phone: String,
    pub members: Vec<MemberDraft>,
    pub income_wages: String,
    pub income_business: String,
    pub income_property: String,
    pub income_transfers: String,
    pub income_other: String,
    pub deposits: String,
    pub housing_count: String,
    pub housing_area: String,
    pub vehicles: String,
    pub has_business: bool,
    /// The household's income of the last 12 months (yuan), for the rigid-expense tests; empty:
    /// the monthly income × 12.
    pub income_12m: String,
    /// Income changed suddenly (job lost, illness): the tests take the month × 12 instead.
    pub income_changed: bool,
    pub medical_spending: String,
    pub education_spending: String,
    /// Rehabilitation, assistive devices and care for a disability (因残), last 12 months.
    pub disability_spending: String,
    pub description: String,
    pub help: Vec<String>,
    pub consent_verification: bool,
    pub consent_charity: bool,
}

impl MemberDraft {
    /// A new member row: "no disability" preselected, since most members have none.
    pub fn with_relation(relation: &str) -> Self {
        Self {
            relation: relation.into(),
            disability_kind: DisabilityKind::None.code().into(),
            ..Default::default()
        }
    }
}

impl DeclarationDraft {
    /// A new draft with the head's row ready to fill.
    pub fn new_with_head() -> Self {
        Self {
            members: vec![MemberDraft::with_relation(Relation::Head.code())],
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub relation: Relation,
    pub name: String,
    pub id_number: IdNumber,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub health: Health,
    pub illness: String,
    pub disability_kind: DisabilityKind,
    /// 1 (most severe) to 4; `None` when not disabled.
    pub disability_grade: Option<u8>,
    pub schooling: Schooling,
    pub work_status: WorkStatus,
    pub labour_capacity: LabourCapacity,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyIncome {
    pub wages: Money,
    pub business: Money,
    pub property: Money,
    pub transfers: Money,
    pub other: Money,
}

impl MonthlyIncome {
    pub fn total(&self) -> Money {
        Money::from_fen(
            self.wages.fen()
                + self.business.fen()
                + self.property.fen()
                + self.transfers.fen()
                + self.other.fen(),
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assets {
    pub deposits: Money,
    pub housing_count: u32,
    /// Square metres × 100 (two decimals kept exactly).
    pub housing_area_centi_m2: u32,
    pub vehicles: u32,
    pub has_business: bool,
}

/// A declaration that passed every check: what is stored with a submitted application.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub region: RegionCode,
    pub address: String,
    pub residence: Residence,
    pub contact_phone: Phone,
    pub members: Vec<Member>,
    pub income: MonthlyIncome,
    /// The income of the last 12 months as declared; `None` when not given (declarations
    /// before it was asked, or left empty).
    #[serde(default)]
    pub income_12m: Option<Money>,
    /// The income changed suddenly: the month counts, not the 12 months.
    #[serde(default)]
    pub income_changed: bool,
    pub assets: Assets,
    pub medical_spending_12m: Money,
    pub education_spending_12m: Money,
    #[serde(default)]
    pub disability_spending_12m: Money,
    pub description: String,
    pub help: Vec<HelpKind>,
    pub consent_charity: bool,
}

coded! {
    /// Why a field was refused; the UI turns the code into a message in the user's language.
    pub enum FieldErrorCode {
        Required = "required",
        TooLong = "too_long",
        InvalidChoice = "invalid_choice",
        NameChars = "name_chars",
        IdFormat = "id_format",
        IdBirthDate = "id_birth_date",
        IdChecksum = "id_checksum",
        IdDuplicateInHousehold = "id_duplicate_in_household",
        IdInOtherOpenApplication = "id_in_other_open_application",
        PhoneFormat = "phone_format",
        AmountFormat = "amount_format",
        AmountNegative = "amount_negative",
        AmountTooLarge = "amount_too_large",
        CountFormat = "count_format",
        RegionNotVillage = "region_not_village",
        NoHead = "no_head",
        SeveralHeads = "several_heads",
        TooManyMembers = "too_many_members",
        GradeRequired = "grade_required",
        ConsentRequired = "consent_required",
        HelpRequired = "help_required",
        /// No income field filled in: "none" must be said with a 0.
        IncomeRequired = "income_required",
        // Policy parameters (admin screen)
        OutOfBounds = "out_of_bounds",
        RegionLevel = "region_level",
        DateFormat = "date_format",
        DateInPast = "date_in_past",
        ValueFormat = "value_format",
        // Casework (home visits, aid, referrals)
        DateOrder = "date_order",
        DateInFuture = "date_in_future",
        TooMany = "too_many",
        ImageInvalid = "image_invalid",
        SignatureRequired = "signature_required",
        // Charity organisations
        CreditCodeFormat = "credit_code_format",
        CreditCodeChecksum = "credit_code_checksum",
    }
}

/// A refused field: `field` is a path such as `members.1.id_number`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: FieldErrorCode,
}

impl From<IdNumberError> for FieldErrorCode {
    fn from(e: IdNumberError) -> Self {
        match e {
            IdNumberError::Format => Self::IdFormat,
            IdNumberError::BirthDate => Self::IdBirthDate,
            IdNumberError::Checksum => Self::IdChecksum,
        }
    }
}

impl From<MoneyError> for FieldErrorCode {
    fn from(e: MoneyError) -> Self {
        match e {
            MoneyError::Format => Self::AmountFormat,
            MoneyError::Negative => Self::AmountNegative,
            MoneyError::TooLarge => Self::AmountTooLarge,
        }
    }
}

/// Names: Chinese characters, Latin letters, the middle dot of minority names, spaces.
fn name_is_plausible(name: &str) -> bool {
    name.chars().all(|c| {
        c.is_alphabetic() && !is_symbol_like(c) || matches!(c, '·' | '•' | '.' | ' ' | '-')
    })
}

fn is_symbol_like(c: char) -> bool {
    // Emoji and pictographs are not letters, but guard the ranges explicitly.
    matches!(c as u32, 0x1F000..=0x1FFFF | 0x2600..=0x27BF)
}

struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    fn push(&mut self, field: impl Into<String>, code: FieldErrorCode) {
        self.errors.push(FieldError {
            field: field.into(),
            code,
        });
    }

    fn text(&mut self, field: &str, raw: &str, max: usize, required: bool) -> String {
        let s = raw.trim().to_string();
        if required && s.is_empty() {
            self.push(field, FieldErrorCode::Required);
        } else if s.chars().count() > max {
            self.push(field, FieldErrorCode::TooLong);
        }
        s
    }

    fn choice<T>(&mut self, field: &str, raw: &str, from_code: fn(&str) -> Option<T>) -> Option<T> {
        if raw.trim().is_empty() {
            self.push(field, FieldErrorCode::Required);
            return None;
        }
        let v = from_code(raw.trim());
        if v.is_none() {
            self.push(field, FieldErrorCode::InvalidChoice);
        }
        v
    }

    fn money(&mut self, field: &str, raw: &str, max_yuan: i64) -> Money {
        Money::parse_yuan(raw, max_yuan).unwrap_or_else(|e| {
            self.push(field, e.into());
            Money::ZERO
        })
    }

    fn count(&mut self, field: &str, raw: &str, max: u32) -> u32 {
        let s = raw.trim();
        if s.is_empty() {
            return 0;
        }
        match s.parse::<u32>() {
            Ok(n) if n <= max => n,
            Ok(_) => {
                self.push(field, FieldErrorCode::AmountTooLarge);
                0
            }
            Err(_) => {
                self.push(field, FieldErrorCode::CountFormat);
                0
            }
        }
    }
}

fn parse_member(c: &mut Collector, i: usize, m: &MemberDraft, today: NaiveDate) -> Option<Member> {
    let f = |name: &str| format!("members.{i}.{name}");
    let relation = c.choice(&f("relation"), &m.relation, Relation::from_code);
    let name = c.text(&f("name"), &m.name, MAX_NAME_CHARS, true);
    if !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name_is_plausible(&name) {
        c.push(f("name"), FieldErrorCode::NameChars);
    }
    let id = if m.id_number.trim().is_empty() {
        c.push(f("id_number"), FieldErrorCode::Required);
        None
    } else {
        IdNumber::parse(&m.id_number, today)
            .map_err(|e| c.push(f("id_number"), e.into()))
            .ok()
    };
    let health = c.choice(&f("health"), &m.health, Health::from_code);
    let illness = c.text(
        &f("illness"),
        &m.illness,
        MAX_ILLNESS_CHARS,
        matches!(health, Some(Health::Chronic | Health::SeriousIllness)),
    );
    let disability_kind = if m.disability_kind.trim().is_empty() {
        Some(DisabilityKind::None)
    } else {
        c.choice(
            &f("disability_kind"),
            &m.disability_kind,
            DisabilityKind::from_code,
        )
    };
    let disability_grade = match disability_kind {
        Some(DisabilityKind::None) | None => None,
        Some(_) => match m.disability_grade.trim().parse::<u8>() {
            Ok(g @ 1..=4) => Some(g),
            _ => {
                c.push(f("disability_grade"), FieldErrorCode::GradeRequired);
                None
            }
        },
    };
    let schooling = c.choice(&f("schooling"), &m.schooling, Schooling::from_code);
    let work_status = c.choice(&f("work_status"), &m.work_status, WorkStatus::from_code);
    let labour_capacity = c.choice(
        &f("labour_capacity"),
        &m.labour_capacity,
        LabourCapacity::from_code,
    );
    let id = id?;
    Some(Member {
        relation: relation?,
        name,
        birth_date: id.birth_date(),
        sex: id.sex(),
        id_number: id,
        health: health?,
        illness,
        disability_kind: disability_kind?,
        disability_grade,
        schooling: schooling?,
        work_status: work_status?,
        labour_capacity: labour_capacity?,
    })
}

impl Declaration {
    /// The head (户主): `parse` accepts a declaration only with exactly one, listed among the members.
    pub fn head(&self) -> &Member {
        self.members
            .iter()
            .find(|m| m.relation == Relation::Head)
            .unwrap_or(&self.members[0])
    }

    /// A member has lost all or part of their labour capacity (全部或部分丧失劳动能力,
    /// Zhangye (六)): the household's warnings are raised a level.
    pub fn lost_labour(&self) -> bool {
        self.members.iter().any(|m| {
            matches!(
                m.labour_capacity,
                LabourCapacity::Partial | LabourCapacity::None
            )
        })
    }

    /// Checks a draft for submission. Every problem is reported at once, each at its field.
    pub fn parse(d: &DeclarationDraft, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut c = Collector { errors: Vec::new() };
        let region = match RegionCode::parse(&d.region_code) {
            Ok(r) if r.level() == RegionLevel::Village => Some(r),
            Ok(_) => {
                c.push("region_code", FieldErrorCode::RegionNotVillage);
                None
            }
            Err(_) => {
                c.push("region_code", FieldErrorCode::Required);
                None
            }
        };
        let address = c.text("address", &d.address, MAX_ADDRESS_CHARS, true);
        let residence = c.choice("residence", &d.residence, Residence::from_code);
        let contact_phone = Phone::parse(&d.contact_phone).map_err(|_| {
            let code = if d.contact_phone.trim().is_empty() {
                FieldErrorCode::Required
            } else {
                FieldErrorCode::PhoneFormat
            };
            c.push("contact_phone", code)
        });

        if d.members.len() > MAX_MEMBERS {
            c.push("members", FieldErrorCode::TooManyMembers);
        }
        let members: Vec<Option<Member>> = d
            .members
            .iter()
            .take(MAX_MEMBERS)
            .enumerate()
            .map(|(i, m)| parse_member(&mut c, i, m, today))
            .collect();
        let heads = d
            .members
            .iter()
            .filter(|m| m.relation == Relation::Head.code())
            .count();
        if heads == 0 {
            c.push("members", FieldErrorCode::NoHead);
        } else if heads > 1 {
            c.push("members", FieldErrorCode::SeveralHeads);
        }
        let mut seen = HashSet::new();
        for (i, m) in members.iter().enumerate() {
            if let Some(m) = m {
                if !seen.insert(m.id_number.as_str().to_string()) {
                    c.push(
                        format!("members.{i}.id_number"),
                        FieldErrorCode::IdDuplicateInHousehold,
                    );
                }
            }
        }

        let incomes = [
            &d.income_wages,
            &d.income_business,
            &d.income_property,
            &d.income_transfers,
            &d.income_other,
        ];
        if incomes.iter().all(|s| s.trim().is_empty()) {
            // The assessment must not read "not filled in yet" as "no income".
            c.push("income_wages", FieldErrorCode::IncomeRequired);
        }
        let income = MonthlyIncome {
            wages: c.money("income_wages", &d.income_wages, MAX_MONTHLY_INCOME_YUAN),
            business: c.money(
                "income_business",
                &d.income_business,
                MAX_MONTHLY_INCOME_YUAN,
            ),
            property: c.money(
                "income_property",
                &d.income_property,
                MAX_MONTHLY_INCOME_YUAN,
            ),
            transfers: c.money(
                "income_transfers",
                &d.income_transfers,
                MAX_MONTHLY_INCOME_YUAN,
            ),
            other: c.money("income_other", &d.income_other, MAX_MONTHLY_INCOME_YUAN),
        };
        let housing_area = match Money::parse_yuan(&d.housing_area, 100_000) {
            Ok(a) => a.fen() as u32,
            Err(e) => {
                c.push("housing_area", e.into());
                0
            }
        };
        let assets = Assets {
            deposits: c.money("deposits", &d.deposits, MAX_ASSET_YUAN),
            housing_count: c.count("housing_count", &d.housing_count, 100),
            housing_area_centi_m2: housing_area,
            vehicles: c.count("vehicles", &d.vehicles, 100),
            has_business: d.has_business,
        };
        let income_12m = (!d.income_12m.trim().is_empty())
            .then(|| c.money("income_12m", &d.income_12m, MAX_MONTHLY_INCOME_YUAN * 12));
        let medical = c.money("medical_spending", &d.medical_spending, MAX_ASSET_YUAN);
        let education = c.money("education_spending", &d.education_spending, MAX_ASSET_YUAN);
        let disability = c.money(
            "disability_spending",
            &d.disability_spending,
            MAX_ASSET_YUAN,
        );
        let description = c.text("description", &d.description, MAX_DESCRIPTION_CHARS, false);
        let mut help = Vec::new();
        for h in &d.help {
            match HelpKind::from_code(h) {
                Some(k) if !help.contains(&k) => help.push(k),
                Some(_) => {}
                None => c.push("help", FieldErrorCode::InvalidChoice),
            }
        }
        if d.help.is_empty() {
            c.push("help", FieldErrorCode::HelpRequired);
        }
        if !d.consent_verification {
            c.push("consent_verification", FieldErrorCode::ConsentRequired);
        }

        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        Ok(Declaration {
            region: region.expect("no errors"),
            address,
            residence: residence.expect("no errors"),
            contact_phone: contact_phone.expect("no errors"),
            members: members.into_iter().map(|m| m.expect("no errors")).collect(),
            income,
            income_12m,
            income_changed: d.income_changed,
            assets,
            medical_spending_12m: medical,
            education_spending_12m: education,
            disability_spending_12m: disability,
            description,
            help,
            consent_charity: d.consent_charity,
        })
    }
}

/// Checks that only need one field, for showing an error as soon as the resident leaves it.
pub fn check_id_field(raw: &str, today: NaiveDate) -> Option<FieldErrorCode> {
    if raw.trim().is_empty() {
        return None;
    }
    IdNumber::parse(raw, today).err().map(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id_number::check_char;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    pub fn valid_id(prefix17: &str) -> String {
        format!("{prefix17}{}", check_char(prefix17).unwrap())
    }

    fn member(relation: &str, name: &str, id: &str) -> MemberDraft {
        MemberDraft {
            relation: relation.into(),
            name: name.into(),
            id_number: id.into(),
            health: "healthy".into(),
            schooling: "not_in_school".into(),
            work_status: "farming".into(),
            labour_capacity: "full".into(),
            ..Default::default()
        }
    }

    fn good() -> DeclarationDraft {
        DeclarationDraft {
            region_code: "620702100201".into(),
            address: "甘州区梁家墩镇某村3组12号".into(),
            residence: "rural".into(),
            contact_phone: "13812345678".into(),
            members: vec![
                member("head", "张三", &valid_id("62070219700101001")),
                member("spouse", "李四", &valid_id("62070219720202002")),
            ],
            income_wages: "800.50".into(),
            help: vec!["basic_living".into()],
            consent_verification: true,
            ..Default::default()
        }
    }

    fn codes(r: Result<Declaration, Vec<FieldError>>) -> Vec<(String, FieldErrorCode)> {
        r.unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_complete_draft_parses_and_derives_birth_and_sex() {
        let d = Declaration::parse(&good(), today()).unwrap();
        assert_eq!(
            d.members[0].birth_date,
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
        );
        assert_eq!(d.members[0].sex, Sex::Male);
        assert_eq!(d.members[1].sex, Sex::Female);
        assert_eq!(d.income.total().fen(), 80_050);
    }

    #[test]
    fn a_bad_id_is_reported_at_its_field() {
        let mut d = good();
        d.members[1].id_number = "620702197202020021".into();
        let errs = codes(Declaration::parse(&d, today()));
        assert!(
            errs.contains(&("members.1.id_number".into(), FieldErrorCode::IdChecksum)),
            "{errs:?}"
        );
    }

    #[test]
    fn the_same_id_twice_is_refused() {
        let mut d = good();
        d.members[1].id_number = d.members[0].id_number.clone();
        let errs = codes(Declaration::parse(&d, today()));
        assert_eq!(
            errs,
            vec![(
                "members.1.id_number".into(),
                FieldErrorCode::IdDuplicateInHousehold
            )]
        );
    }

    #[test]
    fn consent_head_help_and_amounts_are_checked() {
        let mut d = good();
        d.consent_verification = false;
        d.members[0].relation = "spouse".into();
        d.help.clear();
        d.income_wages.clear();
        d.income_business = "-5".into();
        d.deposits = "12.345".into();
        d.contact_phone = "1234".into();
        let errs = codes(Declaration::parse(&d, today()));
        for e in [
            ("consent_verification", FieldErrorCode::ConsentRequired),
            ("members", FieldErrorCode::NoHead),
            ("help", FieldErrorCode::HelpRequired),
            ("income_business", FieldErrorCode::AmountNegative),
            ("deposits", FieldErrorCode::AmountFormat),
            ("contact_phone", FieldErrorCode::PhoneFormat),
        ] {
            assert!(
                errs.contains(&(e.0.to_string(), e.1)),
                "missing {e:?} in {errs:?}"
            );
        }
    }

    #[test]
    fn income_must_be_stated_even_when_it_is_zero() {
        let mut d = good();
        d.income_wages.clear();
        assert_eq!(
            codes(Declaration::parse(&d, today())),
            vec![("income_wages".into(), FieldErrorCode::IncomeRequired)]
        );
        d.income_other = "0".into();
        assert!(Declaration::parse(&d, today()).is_ok());
    }

    #[test]
    fn the_twelve_months_income_is_optional_and_checked_when_given() {
        let mut d = good();
        assert_eq!(Declaration::parse(&d, today()).unwrap().income_12m, None);
        d.income_12m = "-1".into();
        d.disability_spending = "abc".into();
        let errs = codes(Declaration::parse(&d, today()));
        assert!(errs.contains(&("income_12m".into(), FieldErrorCode::AmountNegative)));
        assert!(errs.contains(&("disability_spending".into(), FieldErrorCode::AmountFormat)));
        d.income_12m = "36000".into();
        d.disability_spending = "1200".into();
        d.income_changed = true;
        let ok = Declaration::parse(&d, today()).unwrap();
        assert_eq!(ok.income_12m, Some(Money::from_fen(3_600_000)));
        assert_eq!(ok.disability_spending_12m, Money::from_fen(120_000));
        assert!(ok.income_changed);
        // A declaration stored before these were asked reads as none given.
        let mut old = serde_json::to_value(&ok).unwrap();
        for k in ["income_12m", "income_changed", "disability_spending_12m"] {
            old.as_object_mut().unwrap().remove(k);
        }
        let read: Declaration = serde_json::from_value(old).unwrap();
        assert_eq!((read.income_12m, read.income_changed), (None, false));
    }

    #[test]
    fn names_with_emoji_or_too_long_are_refused() {
        let mut d = good();
        d.members[0].name = "张三😀".into();
        d.members[1].name = "李".repeat(31);
        let errs = codes(Declaration::parse(&d, today()));
        assert!(errs.contains(&("members.0.name".into(), FieldErrorCode::NameChars)));
        assert!(errs.contains(&("members.1.name".into(), FieldErrorCode::TooLong)));
        d.members[0].name = "阿依古丽·买买提".into();
        d.members[1].name = "李四".into();
        assert!(Declaration::parse(&d, today()).is_ok());
    }

    #[test]
    fn a_disability_needs_a_grade_and_an_illness_needs_a_name() {
        let mut d = good();
        d.members[0].disability_kind = "physical".into();
        d.members[1].health = "serious_illness".into();
        let errs = codes(Declaration::parse(&d, today()));
        assert!(errs.contains(&(
            "members.0.disability_grade".into(),
            FieldErrorCode::GradeRequired
        )));
        assert!(errs.contains(&("members.1.illness".into(), FieldErrorCode::Required)));
    }

    #[test]
    fn region_must_be_a_village() {
        let mut d = good();
        d.region_code = "620702".into();
        assert_eq!(
            codes(Declaration::parse(&d, today())),
            vec![("region_code".into(), FieldErrorCode::RegionNotVillage)]
        );
    }
}

/// An uploaded proof of a draft, as listed (the bytes stay in the blob store).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub id: String,
    pub kind: AttachmentKind,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub created_at: i64,
}
