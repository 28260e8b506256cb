//! 家庭事实: what the assessment knows about a household, each fact possibly unknown.
//! Built from a declaration draft (the browser's estimate and the server's record use the
//! same conversion) and completed by staff with what a resident cannot declare.

use crate::domain::declaration::{
    DeclarationDraft, DisabilityKind, Health, LabourCapacity, MemberDraft, Residence, Schooling,
    WorkStatus,
};
use crate::domain::id_number::IdNumber;
use crate::domain::money::Money;
use crate::domain::region::RegionCode;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// 特困人员供养方式
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportMode {
    /// 分散供养
    Dispersed,
    /// 集中供养
    Centralised,
}

impl SupportMode {
    /// As stored with a household (`households.support_mode`), as serde writes it.
    pub fn code(self) -> &'static str {
        match self {
            SupportMode::Dispersed => "dispersed",
            SupportMode::Centralised => "centralised",
        }
    }
}

coded! {
    /// 照料护理需求 (生活自理能力): as a caseworker records it, or a Tekun roster lists it.
    pub enum CareNeed {
        /// 具备生活自理能力 (全自理).
        SelfCare = "self_care",
        /// 部分丧失生活自理能力 (半护理).
        PartlyDependent = "partly_dependent",
        /// 完全丧失生活自理能力 (全护理).
        FullyDependent = "fully_dependent",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disability {
    pub kind: DisabilityKind,
    /// 1 (most severe) to 4; `None` when not disabled.
    pub grade: Option<u8>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFacts {
    /// Whole years on the assessment date, from the ID number.
    pub age: Option<u32>,
    pub schooling: Option<Schooling>,
    pub health: Option<Health>,
    pub disability: Option<Disability>,
    pub work: Option<WorkStatus>,
    pub labour: Option<LabourCapacity>,
    /// Has a legal supporter (法定赡养、抚养、扶养义务人) able to support them. Verified by
    /// staff; a declaration alone leaves it unknown.
    pub supporter_able: Option<bool>,
    pub support_mode: Option<SupportMode>,
    pub care_need: Option<CareNeed>,
}

impl MemberFacts {
    pub fn in_school(&self) -> Option<bool> {
        self.schooling.map(|s| s != Schooling::NotInSchool)
    }

    /// Works for an income (wages, farming or own business), so employment costs apply.
    pub fn is_employed(&self) -> bool {
        matches!(
            self.work,
            Some(WorkStatus::Employed | WorkStatus::SelfEmployed)
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdFacts {
    pub region: Option<RegionCode>,
    pub residence: Option<Residence>,
    pub members: Vec<MemberFacts>,
    /// Monthly household income in fen, all sources.
    pub income_total: Option<i64>,
    /// The part of it earned through employment (wages and business).
    pub income_employment: Option<i64>,
    pub deposits: Option<i64>,
    pub housing_count: Option<u32>,
    pub vehicles: Option<u32>,
    pub has_business: Option<bool>,
    /// Rigid spending of the last 12 months, fen: medical, education and disability (因病、因学、
    /// 因残).
    pub rigid_spending_12m: Option<i64>,
    /// The household's income of the last 12 months as declared (fen), for the rigid-expense
    /// tests; `None`: the monthly income × 12 (not declared, or the income changed suddenly).
    #[serde(default)]
    pub income_12m: Option<i64>,
    /// On the rural-revitalisation department's 防止返贫监测 list, or flagged by staff.
    pub relapse_watch: Option<bool>,
    /// A staff determination that the household is 其他困难人员, with its reason.
    pub other_hardship_reason: Option<String>,
    /// The household receives Dibao now (for the 渐退期).
    pub currently_dibao: bool,
    /// The day its 渐退期 began, if one is running (kept on the household).
    #[serde(default)]
    pub taper_since: Option<NaiveDate>,
}

/// Whole years from `birth` to `on` (`None` before birth).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

fn code<T>(raw: &str, from_code: fn(&str) -> Option<T>) -> Option<T> {
    from_code(raw.trim())
}

fn member_facts(m: &MemberDraft, on: NaiveDate) -> MemberFacts {
    let disability = match code(&m.disability_kind, DisabilityKind::from_code) {
        Some(DisabilityKind::None) => Some(Disability {
            kind: DisabilityKind::None,
            grade: None,
        }),
        Some(kind) => match m.disability_grade.trim().parse::<u8>() {
            Ok(g @ 1..=4) => Some(Disability {
                kind,
                grade: Some(g),
            }),
            _ => None,
        },
        None => None,
    };
    MemberFacts {
        age: IdNumber::parse(&m.id_number, on)
            .ok()
            .and_then(|id| age_on(id.birth_date(), on)),
        schooling: code(&m.schooling, Schooling::from_code),
        health: code(&m.health, Health::from_code),
        disability,
        work: code(&m.work_status, WorkStatus::from_code),
        labour: code(&m.labour_capacity, LabourCapacity::from_code),
        supporter_able: None,
        support_mode: None,
        care_need: None,
    }
}

fn amount(raw: &str) -> Option<i64> {
    Money::parse_yuan(raw, i64::MAX / 1000).ok().map(Money::fen)
}

impl HouseholdFacts {
    /// What a declaration (possibly unfinished) says. Income is unknown until at least one
    /// income field is filled in and all filled ones are amounts; an empty asset field is zero.
    pub fn from_draft(d: &DeclarationDraft, on: NaiveDate) -> Self {
        let incomes = [
            &d.income_wages,
            &d.income_business,
            &d.income_property,
            &d.income_transfers,
            &d.income_other,
        ];
        let any_income = incomes.iter().any(|s| !s.trim().is_empty());
        let parsed: Option<Vec<i64>> = incomes.iter().map(|s| amount(s)).collect();
        let (income_total, income_employment) = match (any_income, parsed) {
            (true, Some(v)) => (Some(v.iter().sum()), Some(v[0] + v[1])),
            _ => (None, None),
        };
        let count = |raw: &str| {
            if raw.trim().is_empty() {
                Some(0)
            } else {
                raw.trim().parse::<u32>().ok()
            }
        };
        let spending = [
            &d.medical_spending,
            &d.education_spending,
            &d.disability_spending,
        ]
        .into_iter()
        .map(|s| amount(s))
        .sum::<Option<i64>>();
        // A sudden change (job lost, illness): the month tells more than the year before it.
        let income_12m = (!d.income_changed && !d.income_12m.trim().is_empty())
            .then(|| amount(&d.income_12m))
            .flatten();
        HouseholdFacts {
            region: RegionCode::parse(&d.region_code).ok(),
            residence: code(&d.residence, Residence::from_code),
            members: d.members.iter().map(|m| member_facts(m, on)).collect(),
            income_total,
            income_employment,
            deposits: amount(&d.deposits),
            housing_count: count(&d.housing_count),
            vehicles: count(&d.vehicles),
            has_business: Some(d.has_business),
            rigid_spending_12m: spending,
            income_12m,
            relapse_watch: None,
            other_hardship_reason: None,
            currently_dibao: false,
            taper_since: None,
        }
    }

    pub fn size(&self) -> i64 {
        self.members.len() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_counts_whole_years_on_the_date() {
        let b = NaiveDate::from_ymd_opt(1966, 11, 26).unwrap();
        assert_eq!(
            age_on(b, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
            Some(59)
        );
        assert_eq!(
            age_on(b, NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()),
            Some(60)
        );
    }

    #[test]
    fn income_is_unknown_until_typed_and_while_malformed() {
        let on = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let mut d = DeclarationDraft::new_with_head();
        assert_eq!(HouseholdFacts::from_draft(&d, on).income_total, None);
        d.income_other = "0".into();
        assert_eq!(HouseholdFacts::from_draft(&d, on).income_total, Some(0));
        d.income_wages = "1.2.3".into();
        assert_eq!(HouseholdFacts::from_draft(&d, on).income_total, None);
        d.income_wages = "1,200.50".into();
        let f = HouseholdFacts::from_draft(&d, on);
        assert_eq!(
            (f.income_total, f.income_employment),
            (Some(120_050), Some(120_050))
        );
    }
}
