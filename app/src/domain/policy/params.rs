//! 政策参数: dated, regional parameter values with their source, and the one rule that picks
//! the value in force for a household: the most specific region, then the urban/rural
//! variant, then the latest effective date. Nothing is overwritten: a change is a new row.

use super::clauses::{self, Clause};
use crate::domain::declaration::Residence;
use crate::domain::region::RegionCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a parameter's integer value means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// fen per person per month
    FenPerPersonMonth,
    /// fen per person per year
    FenPerPersonYear,
    /// fen per employed member per month
    FenPerWorkerMonth,
    /// fen, once (e.g. the cap of a small advance aid)
    Fen,
    /// thousandths (1500 = 1.5×, 600 = 60%)
    Permille,
    Months,
    Years,
    Count,
    Days,
    /// working days (not counting weekends and holidays)
    WorkingDays,
    /// a disability grade, 1 (most severe) to 4
    Grade,
    /// 1 = yes, 0 = no
    Flag,
}

macro_rules! param_keys {
    ($($variant:ident = $code:literal, $unit:ident, $min:literal..=$max:literal, $clause:expr;)+) => {
        /// A policy parameter (政策参数). Values are integers in the key's `unit`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ParamKey { $($variant),+ }

        // Sent and read as its code (serde's own reader for ~20 names was ~17 KB of a page's
        // WASM); the codes are the variants' snake_case names, as serde spelled them before.
        impl Serialize for ParamKey {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
        impl<'de> Deserialize<'de> for ParamKey {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::domain::deserialize_code(d)
            }
        }

        impl $crate::domain::Coded for ParamKey {
            fn code(self) -> &'static str { ParamKey::code(self) }
            fn from_code(code: &str) -> Option<Self> { ParamKey::from_code(code) }
        }
        impl ParamKey {
            pub const ALL: &'static [ParamKey] = &[$(ParamKey::$variant),+];
            pub fn code(self) -> &'static str { match self { $(ParamKey::$variant => $code),+ } }
            pub fn from_code(code: &str) -> Option<Self> { match code { $($code => Some(ParamKey::$variant),)+ _ => None } }
            pub fn unit(self) -> Unit { match self { $(ParamKey::$variant => Unit::$unit),+ } }
            /// The values an administrator may enter: guards against slips, and the policy's own caps.
            pub fn bounds(self) -> (i64, i64) { match self { $(ParamKey::$variant => ($min, $max)),+ } }
            /// The clause that makes this a parameter.
            pub fn clause(self) -> Clause { match self { $(ParamKey::$variant => $clause),+ } }
            pub fn index(self) -> usize { self as usize }
        }
    };
}

param_keys! {
    DibaoStandard = "dibao_standard", FenPerPersonMonth, 1..=10_000_000, clauses::ZY_STANDARDS;
    // Not below 1.3 times the Dibao standard: the floor the shipped example cites (issue 19).
    TekunStandardRatio = "tekun_standard_ratio", Permille, 1300..=5000, clauses::TEKUN_NATIONAL;
    MarginalMultiplier = "marginal_multiplier", Permille, 1000..=5000, clauses::MARGINAL_NATIONAL;
    EmploymentCostDeduction = "employment_cost_deduction", FenPerWorkerMonth, 0..=10_000_000, clauses::ZY_EMPLOYMENT;
    DibaoDepositMonths = "dibao_deposit_months", Months, 0..=240, clauses::DIBAO_NATIONAL;
    MarginalDepositMonths = "marginal_deposit_months", Months, 0..=480, clauses::ZY_STANDARDS;
    MaxHousing = "max_housing", Count, 0..=20, clauses::DIBAO_NATIONAL;
    MaxVehicles = "max_vehicles", Count, 0..=20, clauses::DIBAO_NATIONAL;
    BusinessExcludes = "business_excludes", Flag, 0..=1, clauses::DIBAO_NATIONAL;
    DisposableIncomeLastYear = "disposable_income_last_year", FenPerPersonYear, 1..=1_000_000_000, clauses::ZY_STANDARDS;
    RigidSpendingShare = "rigid_spending_share", Permille, 1..=10_000, clauses::ZY_STANDARDS;
    TaperMonths = "taper_months", Months, 0..=6, clauses::ZY_EMPLOYMENT;
    ElderlyAge = "elderly_age", Years, 40..=80, clauses::TEKUN_NO_LABOUR;
    MinorAge = "minor_age", Years, 10..=18, clauses::TEKUN_NO_LABOUR;
    StudentAge = "student_age", Years, 10..=25, clauses::TEKUN_CONDITIONS;
    SevereDisabilityGrade = "severe_disability_grade", Grade, 1..=4, clauses::TEKUN_NO_LABOUR;
    IntellectualMentalGrade = "intellectual_mental_grade", Grade, 1..=4, clauses::TEKUN_NO_LABOUR;
    PremiumIndividual = "premium_individual", FenPerPersonYear, 0..=10_000_000, clauses::LN_MEDICAL;
    PremiumTekunShare = "premium_tekun_share", Permille, 0..=1000, clauses::LN_MEDICAL;
    PremiumDibaoFixed = "premium_dibao_fixed", FenPerPersonYear, 0..=10_000_000, clauses::LN_MEDICAL;
    PremiumMarginalShare = "premium_marginal_share", Permille, 0..=1000, clauses::LN_MEDICAL;
    PublicNoticeDays = "public_notice_days", Days, 1..=60, clauses::ZY_DUTIES;
    ReferralResponseDays = "referral_response_days", Days, 1..=90, clauses::ZY_REFERRAL;
    ReviewIntervalMonths = "review_interval_months", Months, 1..=24, clauses::ZY_RECOGNITION;
    ReviewLeadDays = "review_lead_days", Days, 0..=90, clauses::ZY_RECOGNITION;
    AdvanceAidMax = "advance_aid_max", Fen, 0..=100_000_000, clauses::LN_EMERGENCY;
    AdvanceDocumentsDays = "advance_documents_days", Days, 1..=90, clauses::LN_EMERGENCY;
    DecisionWorkingDays = "decision_working_days", WorkingDays, 1..=90, clauses::DIBAO_CONFIRMATION;
    // Who receives education assistance, where the texts differ: 0, members in school of the
    // ranked categories' households (Liaoning 二(三)2(2)); 1, every low-income member in school
    // (Zhangye (八) "低收入人口及其他经济困难家庭"). A regional rule choice, dated like any value.
    EducationReach = "education_reach", Flag, 0..=1, clauses::ZY_EDUCATION;
    // 政务公开: a public statistics cell counting fewer households than this is withheld.
    PublicCellMin = "public_cell_min", Count, 1..=100, clauses::ZY_SUPERVISION;
    // 投诉举报: working days to answer a complaint or report before it goes up a level.
    ComplaintWorkingDays = "complaint_working_days", WorkingDays, 1..=90, clauses::ZY_SUPERVISION;
}

/// The number of parameter keys: resolved sets are indexed by `ParamKey::index`.
pub const PARAM_COUNT: usize = ParamKey::ALL.len();

coded! {
    /// Where a reassessment proposal stands (a new parameter changed a household's categories).
    pub enum ProposalStatus {
        Open = "open",
        Accepted = "accepted",
        Dismissed = "dismissed",
    }
}

/// One stored parameter value (a row of the parameter history).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamRow {
    pub id: i64,
    pub key: ParamKey,
    /// The province, city or county the value is set for; it applies to the whole subtree.
    pub region: RegionCode,
    /// `None`: both urban and rural.
    pub residence: Option<Residence>,
    pub value: i64,
    pub effective_from: NaiveDate,
    /// Where the value comes from (document and article), as the administrator entered it.
    pub source: String,
    /// Shipped for demonstration; not a real local standard.
    pub example: bool,
    /// Withdrawn before it took effect (a scheduled change that was cancelled, or one the
    /// security administrator refused).
    pub withdrawn: bool,
    /// Approved by a security administrator (三员分立): a value waiting for approval, or one
    /// that passed its date without it, never applies.
    pub approved: bool,
    pub created_by: String,
    pub created_at: i64,
}

/// A value in force for one household: what the trace shows next to each criterion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamValue {
    pub key: ParamKey,
    pub value: i64,
    pub row_id: i64,
    pub region: RegionCode,
    pub residence: Option<Residence>,
    #[serde(with = "crate::domain::ymd")]
    pub effective_from: NaiveDate,
    pub source: String,
    pub example: bool,
}

/// Every parameter in force for a region, urban/rural and date. Missing keys stay `None`,
/// and the criteria that need them answer "unknown".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterSet {
    #[serde(with = "crate::domain::ymd")]
    pub on: NaiveDate,
    pub region: RegionCode,
    pub residence: Option<Residence>,
    values: Vec<Option<ParamValue>>,
}

impl ParameterSet {
    pub fn empty(region: RegionCode, residence: Option<Residence>, on: NaiveDate) -> Self {
        Self {
            on,
            region,
            residence,
            values: vec![None; PARAM_COUNT],
        }
    }

    pub fn get(&self, key: ParamKey) -> Option<&ParamValue> {
        self.values.get(key.index()).and_then(Option::as_ref)
    }

    pub fn value(&self, key: ParamKey) -> Option<i64> {
        self.get(key).map(|p| p.value)
    }

    pub fn values(&self) -> impl Iterator<Item = &ParamValue> {
        self.values.iter().flatten()
    }

    /// Sets a value directly (what-if proposals and tests).
    pub fn set(&mut self, value: ParamValue) {
        let i = value.key.index();
        if self.values.len() < PARAM_COUNT {
            self.values.resize(PARAM_COUNT, None);
        }
        self.values[i] = Some(value);
    }
}

/// How specific a row is for the household: region depth first, then a matching
/// urban/rural variant, then the latest date, then the latest entry.
fn specificity(row: &ParamRow) -> (usize, bool, NaiveDate, i64) {
    (
        row.region.level() as usize,
        row.residence.is_some(),
        row.effective_from,
        row.id,
    )
}

/// Whether a row can apply to a household in `region`, `residence` on `on`.
pub fn applies(
    row: &ParamRow,
    region: &RegionCode,
    residence: Option<Residence>,
    on: NaiveDate,
) -> bool {
    !row.withdrawn
        && row.approved
        && row.effective_from <= on
        && region.is_within(&row.region)
        && match (row.residence, residence) {
            (None, _) => true,
            (Some(r), Some(h)) => r == h,
            // Urban/rural not known yet: only values for both can be used.
            (Some(_), None) => false,
        }
}

/// The parameters in force for `region` (and urban/rural) on `on`. A county's value
/// overrides its city's and province's from its effective date on (inheritance).
pub fn resolve(
    rows: &[ParamRow],
    region: &RegionCode,
    residence: Option<Residence>,
    on: NaiveDate,
) -> ParameterSet {
    let mut best: Vec<Option<&ParamRow>> = vec![None; PARAM_COUNT];
    for row in rows.iter().filter(|r| applies(r, region, residence, on)) {
        let slot = &mut best[row.key.index()];
        if slot.is_none_or(|b| specificity(row) > specificity(b)) {
            *slot = Some(row);
        }
    }
    ParameterSet {
        on,
        region: region.clone(),
        residence,
        values: best
            .into_iter()
            .map(|r| {
                r.map(|r| ParamValue {
                    key: r.key,
                    value: r.value,
                    row_id: r.id,
                    region: r.region.clone(),
                    residence: r.residence,
                    effective_from: r.effective_from,
                    source: r.source.clone(),
                    example: r.example,
                })
            })
            .collect(),
    }
}

/// Why a new parameter value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamError {
    UnknownKey,
    OutOfBounds,
    RegionLevel,
    SourceRequired,
    DateFormat,
    ValueFormat,
}

/// Checks a value an administrator entered: known key, a province/city/county region,
/// value in bounds (e.g. 渐退期 ≤ 6 months), a source reference.
pub fn check_new_value(
    key: &str,
    region: &str,
    value: &str,
    effective_from: &str,
    source: &str,
) -> Result<(ParamKey, RegionCode, i64, NaiveDate), ParamError> {
    let key = ParamKey::from_code(key.trim()).ok_or(ParamError::UnknownKey)?;
    let region = RegionCode::parse(region).map_err(|_| ParamError::RegionLevel)?;
    if region.level() > crate::domain::region::RegionLevel::County {
        return Err(ParamError::RegionLevel);
    }
    let value = parse_value(key, value)?;
    let (min, max) = key.bounds();
    if value < min || value > max {
        return Err(ParamError::OutOfBounds);
    }
    let date = crate::domain::ymd::parse(effective_from.trim()).ok_or(ParamError::DateFormat)?;
    if source.trim().is_empty() {
        return Err(ParamError::SourceRequired);
    }
    Ok((key, region, value, date))
}

/// Parses a value as people write it: yuan for money (to fen), a decimal for ratios
/// (1.5 → 1500‰), whole numbers otherwise.
pub fn parse_value(key: ParamKey, raw: &str) -> Result<i64, ParamError> {
    use crate::domain::money::Money;
    let raw = raw.trim();
    match key.unit() {
        Unit::FenPerPersonMonth | Unit::FenPerPersonYear | Unit::FenPerWorkerMonth | Unit::Fen => {
            Money::parse_yuan(raw, 100_000_000)
                .map(Money::fen)
                .map_err(|_| ParamError::ValueFormat)
        }
        Unit::Permille => {
            // A ratio with up to three decimals, via the money parser's exact decimal handling.
            let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
            if int.is_empty()
                || frac.len() > 3
                || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
                || int.len() > 6
            {
                return Err(ParamError::ValueFormat);
            }
            let whole: i64 = int.parse().map_err(|_| ParamError::ValueFormat)?;
            let thousandths: i64 = format!("{frac:0<3}")
                .parse()
                .map_err(|_| ParamError::ValueFormat)?;
            Ok(whole * 1000 + thousandths)
        }
        _ => raw.parse::<i64>().map_err(|_| ParamError::ValueFormat),
    }
}

/// The value as people write it (the inverse of `parse_value`).
pub fn format_value(key: ParamKey, value: i64) -> String {
    match key.unit() {
        Unit::FenPerPersonMonth | Unit::FenPerPersonYear | Unit::FenPerWorkerMonth | Unit::Fen => {
            crate::domain::money::Money::from_fen(value).to_string()
        }
        Unit::Permille => {
            let s = format!("{}.{:03}", value / 1000, value % 1000);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored rows and sent pages spell a key as serde's `rename_all = "snake_case"` did: its
    /// variant's name in snake_case. A map keyed by it reads back.
    #[test]
    fn a_key_is_written_and_read_as_its_snake_case_name() {
        for &k in ParamKey::ALL {
            let snake = crate::domain::serde_snake_case(&format!("{k:?}"));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{snake}\""));
            assert_eq!(
                serde_json::from_str::<ParamKey>(&format!("\"{snake}\"")).unwrap(),
                k
            );
        }
        let map: std::collections::BTreeMap<ParamKey, i64> =
            [(ParamKey::DibaoStandard, 1), (ParamKey::TaperMonths, 2)].into();
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, r#"{"dibao_standard":1,"taper_months":2}"#);
        assert_eq!(
            serde_json::from_str::<std::collections::BTreeMap<ParamKey, i64>>(&json).unwrap(),
            map
        );
        assert!(serde_json::from_str::<ParamKey>("\"no_such_key\"").is_err());
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn row(
        id: i64,
        key: ParamKey,
        region: &str,
        residence: Option<Residence>,
        value: i64,
        from: &str,
    ) -> ParamRow {
        ParamRow {
            id,
            key,
            region: RegionCode::parse(region).unwrap(),
            residence,
            value,
            effective_from: d(from),
            source: "test".into(),
            example: true,
            withdrawn: false,
            approved: true,
            created_by: "t".into(),
            created_at: 0,
        }
    }

    const VILLAGE: &str = "620702100201";

    #[test]
    fn the_most_specific_region_wins_and_applies_to_its_subtree() {
        let rows = [
            row(1, ParamKey::DibaoStandard, "62", None, 50_000, "2025-01-01"),
            row(
                2,
                ParamKey::DibaoStandard,
                "6207",
                None,
                55_000,
                "2025-01-01",
            ),
            row(
                3,
                ParamKey::DibaoStandard,
                "620702",
                None,
                58_000,
                "2025-01-01",
            ),
            row(
                4,
                ParamKey::DibaoStandard,
                "620721",
                None,
                99_000,
                "2025-01-01",
            ),
        ];
        let village = RegionCode::parse(VILLAGE).unwrap();
        let p = resolve(&rows, &village, Some(Residence::Rural), d("2026-01-01"));
        assert_eq!(p.value(ParamKey::DibaoStandard), Some(58_000));
        assert_eq!(p.get(ParamKey::DibaoStandard).unwrap().row_id, 3);
        // Another county of the same city inherits the city's value, not the sibling county's.
        let other = RegionCode::parse("620723100201").unwrap();
        assert_eq!(
            resolve(&rows, &other, None, d("2026-01-01")).value(ParamKey::DibaoStandard),
            Some(55_000)
        );
        // Another province inherits nothing.
        let liaoning = RegionCode::parse("210102001001").unwrap();
        assert_eq!(
            resolve(&rows, &liaoning, None, d("2026-01-01")).value(ParamKey::DibaoStandard),
            None
        );
    }

    #[test]
    fn a_value_applies_from_its_effective_date_and_history_is_kept() {
        let rows = [
            row(
                1,
                ParamKey::DibaoStandard,
                "6207",
                None,
                55_000,
                "2025-01-01",
            ),
            row(
                2,
                ParamKey::DibaoStandard,
                "6207",
                None,
                60_000,
                "2026-07-01",
            ),
        ];
        let v = RegionCode::parse(VILLAGE).unwrap();
        assert_eq!(
            resolve(&rows, &v, None, d("2026-06-30")).value(ParamKey::DibaoStandard),
            Some(55_000)
        );
        assert_eq!(
            resolve(&rows, &v, None, d("2026-07-01")).value(ParamKey::DibaoStandard),
            Some(60_000)
        );
        assert_eq!(
            resolve(&rows, &v, None, d("2024-12-31")).value(ParamKey::DibaoStandard),
            None
        );
    }

    #[test]
    fn urban_and_rural_variants_beat_a_shared_value_of_the_same_region() {
        let rows = [
            row(
                1,
                ParamKey::DibaoStandard,
                "6207",
                None,
                50_000,
                "2025-01-01",
            ),
            row(
                2,
                ParamKey::DibaoStandard,
                "6207",
                Some(Residence::Urban),
                79_000,
                "2025-01-01",
            ),
            row(
                3,
                ParamKey::DibaoStandard,
                "6207",
                Some(Residence::Rural),
                56_000,
                "2025-01-01",
            ),
        ];
        let v = RegionCode::parse(VILLAGE).unwrap();
        let on = d("2026-01-01");
        assert_eq!(
            resolve(&rows, &v, Some(Residence::Urban), on).value(ParamKey::DibaoStandard),
            Some(79_000)
        );
        assert_eq!(
            resolve(&rows, &v, Some(Residence::Rural), on).value(ParamKey::DibaoStandard),
            Some(56_000)
        );
        assert_eq!(
            resolve(&rows, &v, None, on).value(ParamKey::DibaoStandard),
            Some(50_000)
        );
    }

    #[test]
    fn a_county_override_stays_until_the_county_changes_it() {
        let rows = [
            row(
                1,
                ParamKey::MarginalMultiplier,
                "62",
                None,
                1500,
                "2024-01-01",
            ),
            row(
                2,
                ParamKey::MarginalMultiplier,
                "620702",
                None,
                2000,
                "2025-01-01",
            ),
            row(
                3,
                ParamKey::MarginalMultiplier,
                "62",
                None,
                1600,
                "2026-01-01",
            ),
        ];
        let v = RegionCode::parse(VILLAGE).unwrap();
        assert_eq!(
            resolve(&rows, &v, None, d("2026-06-01")).value(ParamKey::MarginalMultiplier),
            Some(2000)
        );
    }

    #[test]
    fn values_awaiting_approval_never_apply() {
        let mut r = row(2, ParamKey::TaperMonths, "6207", None, 3, "2026-01-01");
        r.approved = false;
        let rows = [
            row(1, ParamKey::TaperMonths, "6207", None, 6, "2025-01-01"),
            r,
        ];
        let v = RegionCode::parse(VILLAGE).unwrap();
        assert_eq!(
            resolve(&rows, &v, None, d("2026-06-01")).value(ParamKey::TaperMonths),
            Some(6)
        );
    }

    #[test]
    fn withdrawn_rows_never_apply() {
        let mut r = row(2, ParamKey::TaperMonths, "6207", None, 3, "2026-01-01");
        r.withdrawn = true;
        let rows = [
            row(1, ParamKey::TaperMonths, "6207", None, 6, "2025-01-01"),
            r,
        ];
        let v = RegionCode::parse(VILLAGE).unwrap();
        assert_eq!(
            resolve(&rows, &v, None, d("2026-06-01")).value(ParamKey::TaperMonths),
            Some(6)
        );
    }

    #[test]
    fn new_values_are_checked_against_their_bounds_and_units() {
        // The Tekun standard is at least 1.3 times the Dibao standard.
        assert_eq!(
            check_new_value("tekun_standard_ratio", "62", "1.29", "2026-01-01", "x"),
            Err(ParamError::OutOfBounds)
        );
        assert!(check_new_value("tekun_standard_ratio", "62", "1.3", "2026-01-01", "x").is_ok());
        assert_eq!(
            check_new_value(
                "taper_months",
                "6207",
                "7",
                "2026-01-01",
                "张政办发〔2023〕128号 (八)"
            ),
            Err(ParamError::OutOfBounds)
        );
        assert_eq!(
            check_new_value("taper_months", "620702100", "6", "2026-01-01", "x"),
            Err(ParamError::RegionLevel)
        );
        assert_eq!(
            check_new_value("taper_months", "6207", "6", "2026-13-01", "x"),
            Err(ParamError::DateFormat)
        );
        assert_eq!(
            check_new_value("taper_months", "6207", "6", "2026-01-01", " "),
            Err(ParamError::SourceRequired)
        );
        assert_eq!(
            check_new_value("nope", "6207", "6", "2026-01-01", "x"),
            Err(ParamError::UnknownKey)
        );
        let (_, _, v, _) =
            check_new_value("dibao_standard", "6207", "790.50", "2026-01-01", "x").unwrap();
        assert_eq!(v, 79_050);
        let (_, _, v, _) =
            check_new_value("marginal_multiplier", "62", "1.5", "2026-01-01", "x").unwrap();
        assert_eq!(v, 1500);
        assert_eq!(format_value(ParamKey::MarginalMultiplier, 1500), "1.5");
        assert_eq!(format_value(ParamKey::MarginalMultiplier, 2000), "2");
        assert_eq!(
            parse_value(ParamKey::MarginalMultiplier, "1.2345"),
            Err(ParamError::ValueFormat)
        );
    }
}
