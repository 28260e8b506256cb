//! 服务类社会救助 (Zhangye (十); Liaoning 二(三)5): care services the government buys from
//! contracted organisations for people who cannot manage alone — who may have them, what an
//! order and a delivery must say, and what a month of services costs. Pure rules.

use super::declaration::{FieldError, FieldErrorCode};
use super::policy::facts::{CareNeed, MemberFacts};
use chrono::NaiveDate;

coded! {
    /// What kind of organisation registered: a charity (慈善组织) or a provider of care
    /// services the government contracts (服务机构: care homes, home-care services).
    pub enum OrgKind {
        Charity = "charity",
        ServiceProvider = "service_provider",
    }
}

coded! {
    /// The care services bought (服务类救助).
    pub enum ServiceKind {
        /// 生活照料
        DailyCare = "daily_care",
        /// 护理
        Nursing = "nursing",
        /// 陪护、陪伴
        Accompaniment = "accompaniment",
        /// 心理疏导
        Psychological = "psychological",
    }
}

coded! {
    /// What a price is for: an hour of service or a day.
    pub enum ServiceUnit {
        Hour = "hour",
        Day = "day",
    }
}

coded! {
    /// How the person served confirmed a service given.
    pub enum Confirmation {
        /// Signed by the person.
        Signature = "signature",
        /// A thumbprint (按手印).
        Thumbprint = "thumbprint",
        /// Signed by a family member (the person could not).
        Family = "family",
    }
}

coded! {
    /// Why a person may have care services: elderly, disabled, a minor, or not fully able to
    /// care for themselves as the caseworker recorded (生活不能自理).
    pub enum CareReason {
        Elderly = "elderly",
        Disabled = "disabled",
        Minor = "minor",
        Dependent = "dependent",
    }
}

/// The dated parameters that say who is elderly, a minor or severely disabled
/// (`ElderlyAge`, `MinorAge`, `SevereDisabilityGrade`), as in force for the household.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CareThresholds {
    pub elderly_age: Option<i64>,
    pub minor_age: Option<i64>,
    pub severe_grade: Option<i64>,
}

/// What the care rule reads of a person: age, a disability's grade, and the care need
/// recorded (a caseworker's finding, or a Tekun roster's 生活自理能力).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CareFacts {
    pub age: Option<u32>,
    /// 1 (most severe) to 4.
    pub disability_grade: Option<u8>,
    pub care_need: Option<CareNeed>,
}

impl CareFacts {
    /// A household member's, from the facts an assessment holds.
    pub fn of(m: &MemberFacts) -> Self {
        CareFacts {
            age: m.age,
            disability_grade: m.disability.and_then(|d| d.grade),
            care_need: m.care_need,
        }
    }

    /// A person as rosters list them (a household taken in, never assessed here): age on `on`
    /// from the birth date of their ID number, the disabled persons' roster's grade, the Tekun
    /// roster's 生活自理能力.
    pub fn listed(
        birth: NaiveDate,
        disability_grade: Option<u8>,
        care_need: Option<CareNeed>,
        on: NaiveDate,
    ) -> Self {
        CareFacts {
            age: super::policy::facts::age_on(birth, on),
            disability_grade,
            care_need,
        }
    }
}

/// Why the member `m` may have care services, as shown beside them. Whether they may is
/// `may_have_care`; this names its reasons, with the same parameters.
pub fn care_reasons(m: &MemberFacts, t: CareThresholds) -> Vec<CareReason> {
    reasons_of(CareFacts::of(m), t)
}

/// The reasons of `care_reasons`, from what the rule reads.
pub fn reasons_of(f: CareFacts, t: CareThresholds) -> Vec<CareReason> {
    let mut reasons = Vec::new();
    if f.age.zip(t.elderly_age).is_some_and(|(a, e)| a as i64 >= e) {
        reasons.push(CareReason::Elderly);
    }
    if f.disability_grade
        .zip(t.severe_grade)
        .is_some_and(|(g, s)| g as i64 <= s)
    {
        reasons.push(CareReason::Disabled);
    }
    if f.age.zip(t.minor_age).is_some_and(|(a, e)| (a as i64) < e) {
        reasons.push(CareReason::Minor);
    }
    if matches!(
        f.care_need,
        Some(CareNeed::PartlyDependent | CareNeed::FullyDependent)
    ) {
        reasons.push(CareReason::Dependent);
    }
    reasons
}

/// Whether a person of a household in a category may have care services (Zhangye (十)
/// "生活不能自理的老年人、未成年人、残疾人"): elderly, a minor or severely disabled, and not
/// recorded as able to look after themselves — one not yet assessed is, pending that
/// assessment. The one rule: the assessment's service-assistance entitlement and a taken-in
/// household's listed persons both ask it.
pub fn may_have_care(f: CareFacts, t: CareThresholds) -> bool {
    reasons_of(f, t).iter().any(|r| {
        matches!(
            r,
            CareReason::Elderly | CareReason::Minor | CareReason::Disabled
        )
    }) && f.care_need != Some(CareNeed::SelfCare)
}

/// Quantities (hours or days) are kept in tenths: `"2.5"` is 25.
pub fn tenths(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || whole.len() > 4
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 1
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n = whole.parse::<i64>().ok()? * 10 + frac.parse::<i64>().unwrap_or(0);
    (n > 0).then_some(n)
}

/// Tenths shown as a person writes them: `25` → `"2.5"`, `30` → `"3"`.
pub fn show_tenths(n: i64) -> String {
    if n % 10 == 0 {
        (n / 10).to_string()
    } else {
        format!("{}.{}", n / 10, n % 10)
    }
}

/// What `quantity` tenths of a unit cost at `price` fen a unit, in fen (rounded half up).
pub fn cost(quantity_tenths: i64, price_fen: i64) -> i64 {
    (quantity_tenths * price_fen + 5) / 10
}

/// The most hours a day may hold, and days a month (what a delivery or an order may say).
pub const MAX_HOURS_A_DAY: i64 = 24;
pub const MAX_DAYS_A_MONTH: i64 = 31;

/// A service order as the caseworker typed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDraft {
    pub household: String,
    /// The member served: their place in the household's latest declaration.
    pub member: usize,
    /// The provider's price (kind, unit and price) chosen.
    pub price: String,
    /// Hours or days a month (`"20"`, `"12.5"`).
    pub monthly_quantity: String,
    pub from: String,
    pub until: String,
}

/// An order's quantity and period, checked: a positive quantity a month within what a month
/// holds, a period of whole days from `from` to `until` (inclusive) that has not ended before
/// `today` and lasts at most a year.
pub fn check_order(
    d: &OrderDraft,
    unit: ServiceUnit,
    today: NaiveDate,
) -> Result<(i64, NaiveDate, NaiveDate), Vec<FieldError>> {
    let mut errors = Vec::new();
    let err = |errors: &mut Vec<FieldError>, field: &str, code| {
        errors.push(FieldError {
            field: field.into(),
            code,
        })
    };
    let most = match unit {
        ServiceUnit::Hour => MAX_HOURS_A_DAY * MAX_DAYS_A_MONTH * 10,
        ServiceUnit::Day => MAX_DAYS_A_MONTH * 10,
    };
    let quantity = match tenths(&d.monthly_quantity) {
        Some(q) if q <= most => Some(q),
        Some(_) => {
            err(&mut errors, "monthly_quantity", FieldErrorCode::OutOfBounds);
            None
        }
        None => {
            err(&mut errors, "monthly_quantity", FieldErrorCode::CountFormat);
            None
        }
    };
    let day = |raw: &str| crate::domain::ymd::parse(raw.trim());
    let from = day(&d.from);
    let until = day(&d.until);
    if from.is_none() {
        err(&mut errors, "from", FieldErrorCode::DateFormat);
    }
    match (from, until) {
        (_, None) => err(&mut errors, "until", FieldErrorCode::DateFormat),
        (Some(f), Some(u)) if u < f => err(&mut errors, "until", FieldErrorCode::DateOrder),
        (_, Some(u)) if u < today => err(&mut errors, "until", FieldErrorCode::DateInPast),
        (Some(f), Some(u)) if u > f + chrono::Days::new(366) => {
            err(&mut errors, "until", FieldErrorCode::OutOfBounds)
        }
        _ => {}
    }
    match (quantity, from, until, errors.is_empty()) {
        (Some(q), Some(f), Some(u), true) => Ok((q, f, u)),
        _ => Err(errors),
    }
}

/// One service given, as the provider typed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryDraft {
    pub order: String,
    pub day: String,
    /// Hours or days given that day.
    pub quantity: String,
    /// Who gave it (the carer's name).
    pub carer: String,
    /// Who confirmed it (the person, or the family member who signed).
    pub confirmed_by: String,
    /// A `Confirmation` code.
    pub confirmation: String,
}

/// A delivery checked against its order: on a day of the order's period and not after
/// `today`, at most a day's worth, a carer and a confirmation named.
pub fn check_delivery(
    d: &DeliveryDraft,
    unit: ServiceUnit,
    period: (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Result<(NaiveDate, i64, String, String, Confirmation), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, code| {
        errors.push(FieldError {
            field: field.into(),
            code,
        })
    };
    let day = crate::domain::ymd::parse(d.day.trim());
    match day {
        None => err("day", FieldErrorCode::DateFormat),
        Some(x) if x > today => err("day", FieldErrorCode::DateInFuture),
        Some(x) if x < period.0 || x > period.1 => err("day", FieldErrorCode::OutOfBounds),
        _ => {}
    }
    let most = match unit {
        ServiceUnit::Hour => MAX_HOURS_A_DAY * 10,
        ServiceUnit::Day => 10,
    };
    let quantity = tenths(&d.quantity);
    match quantity {
        None => err("quantity", FieldErrorCode::CountFormat),
        Some(q) if q > most => err("quantity", FieldErrorCode::OutOfBounds),
        _ => {}
    }
    let carer = d.carer.trim().to_string();
    if carer.is_empty() {
        err("carer", FieldErrorCode::Required);
    } else if carer.chars().count() > 30 {
        err("carer", FieldErrorCode::TooLong);
    }
    let by = d.confirmed_by.trim().to_string();
    if by.is_empty() {
        err("confirmed_by", FieldErrorCode::Required);
    } else if by.chars().count() > 30 {
        err("confirmed_by", FieldErrorCode::TooLong);
    }
    let confirmation = Confirmation::from_code(d.confirmation.trim());
    if confirmation.is_none() {
        err("confirmation", FieldErrorCode::InvalidChoice);
    }
    match (day, quantity, confirmation, errors.is_empty()) {
        (Some(day), Some(q), Some(c), true) => Ok((day, q, carer, by, c)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::facts::Disability;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn care_is_for_the_elderly_young_or_severely_disabled_who_cannot_manage_alone() {
        // Example values (the dated parameters decide).
        let t = CareThresholds {
            elderly_age: Some(60),
            minor_age: Some(18),
            severe_grade: Some(2),
        };
        let born = day("1950-06-01");
        let on = day("2026-12-01");
        let listed = |birth, grade, care| CareFacts::listed(birth, grade, care, on);
        // 76, not yet assessed: may, pending the assessment.
        assert!(may_have_care(listed(born, None, None), t));
        assert!(may_have_care(
            listed(born, None, Some(CareNeed::FullyDependent)),
            t
        ));
        // Found able to look after themselves: not.
        assert!(!may_have_care(
            listed(born, None, Some(CareNeed::SelfCare)),
            t
        ));
        // 40 and dependent, but neither elderly, a minor nor severely disabled: not.
        let adult = day("1986-01-01");
        assert!(!may_have_care(
            listed(adult, None, Some(CareNeed::FullyDependent)),
            t
        ));
        assert!(may_have_care(listed(adult, Some(1), None), t));
        assert!(!may_have_care(listed(adult, Some(3), None), t));
        // The age is the listed person's on the day asked: 60 on their birthday.
        let sixty = day("1966-12-01");
        assert_eq!(listed(sixty, None, None).age, Some(60));
        assert_eq!(
            CareFacts::listed(sixty, None, None, day("2026-11-30")).age,
            Some(59)
        );
        // Born after the day asked (a date typed wrong): no age, no reason.
        assert_eq!(
            CareFacts::listed(day("2027-01-01"), None, None, on).age,
            None
        );
    }

    #[test]
    fn the_reasons_shown_follow_the_parameters() {
        let m = |age, disability: Option<Disability>, care| MemberFacts {
            age: Some(age),
            disability,
            care_need: care,
            ..Default::default()
        };
        // Example values (the dated parameters decide).
        let t = CareThresholds {
            elderly_age: Some(60),
            minor_age: Some(18),
            severe_grade: Some(2),
        };
        let care_reasons = |m: &MemberFacts| care_reasons(m, t);
        assert_eq!(care_reasons(&m(59, None, None)), []);
        assert_eq!(care_reasons(&m(60, None, None)), [CareReason::Elderly]);
        assert_eq!(care_reasons(&m(17, None, None)), [CareReason::Minor]);
        assert_eq!(
            care_reasons(&m(40, None, Some(CareNeed::PartlyDependent))),
            [CareReason::Dependent]
        );
        assert_eq!(care_reasons(&m(40, None, Some(CareNeed::SelfCare))), []);
        let disabled = Disability {
            kind: crate::domain::declaration::DisabilityKind::Physical,
            grade: Some(2),
        };
        let mild = Disability {
            kind: crate::domain::declaration::DisabilityKind::Physical,
            grade: Some(3),
        };
        assert_eq!(care_reasons(&m(40, Some(mild), None)), []);
        // Without the parameters nothing is said.
        assert_eq!(
            super::care_reasons(
                &m(70, None, None),
                CareThresholds {
                    elderly_age: None,
                    minor_age: None,
                    severe_grade: None
                }
            ),
            []
        );
        assert_eq!(
            care_reasons(&m(70, Some(disabled), Some(CareNeed::FullyDependent))),
            [
                CareReason::Elderly,
                CareReason::Disabled,
                CareReason::Dependent
            ]
        );
    }

    #[test]
    fn quantities_are_tenths_and_cost_rounds_half_up() {
        assert_eq!(tenths("2.5"), Some(25));
        assert_eq!(tenths(" 20 "), Some(200));
        for bad in ["", "0", "-1", "1.25", "1,5", "abc", "12345"] {
            assert_eq!(tenths(bad), None, "{bad}");
        }
        assert_eq!(
            (show_tenths(25), show_tenths(30)),
            ("2.5".into(), "3".into())
        );
        // 2.5 hours at 25.00 yuan: 62.50 yuan; 0.1 hour at 0.05 yuan rounds to 0.01.
        assert_eq!(cost(25, 2500), 6250);
        assert_eq!(cost(1, 5), 1);
    }

    #[test]
    fn an_order_and_a_delivery_are_checked() {
        let today = day("2026-12-06");
        let d = OrderDraft {
            monthly_quantity: "20".into(),
            from: "2026-12-01".into(),
            until: "2027-05-31".into(),
            ..Default::default()
        };
        assert_eq!(
            check_order(&d, ServiceUnit::Hour, today),
            Ok((200, day("2026-12-01"), day("2027-05-31")))
        );
        let bad = OrderDraft {
            monthly_quantity: "32".into(),
            from: "2026-12-01".into(),
            until: "2026-11-30".into(),
            ..Default::default()
        };
        let fields: Vec<_> = check_order(&bad, ServiceUnit::Day, today)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("monthly_quantity".to_string(), FieldErrorCode::OutOfBounds),
                ("until".to_string(), FieldErrorCode::DateOrder)
            ]
        );
        let period = (day("2026-12-01"), day("2027-05-31"));
        let given = DeliveryDraft {
            day: "2026-12-05".into(),
            quantity: "2.5".into(),
            carer: "刘护工".into(),
            confirmed_by: "王守田".into(),
            confirmation: "thumbprint".into(),
            ..Default::default()
        };
        assert_eq!(
            check_delivery(&given, ServiceUnit::Hour, period, today).map(|d| (d.0, d.1, d.4)),
            Ok((day("2026-12-05"), 25, Confirmation::Thumbprint))
        );
        let future = DeliveryDraft {
            day: "2026-12-07".into(),
            quantity: "25".into(),
            carer: String::new(),
            confirmation: "nod".into(),
            ..given
        };
        let fields: Vec<_> = check_delivery(&future, ServiceUnit::Hour, period, today)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["day", "quantity", "carer", "confirmation"]);
    }
}
