//! 政策宣传与政务公开 (Liaoning 三(四); Zhangye (十五), (十六)): what the public pages show, as
//! pure rules. The standards in force for a county, read from the dated parameters (never a
//! number written here); the hotline and supervision telephone numbers in force for a region;
//! and which cells of a public table are withheld so that no small group can be recognised.

use super::declaration::Residence;
use super::policy::params::{ParamKey, ParamValue, ParameterSet, Unit};
use super::region::RegionCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

coded! {
    /// A figure of the public policy page. Most are one parameter; three are computed from two
    /// (the Tekun standard, the marginal line and each category's premium subsidy), as the
    /// assessment computes them.
    pub enum StandardItem {
        /// 低保标准 (fen per person per month).
        DibaoStandard = "dibao_standard",
        /// 特困人员基本生活标准: the Dibao standard × the Tekun ratio.
        TekunStandard = "tekun_standard",
        /// 低保边缘: below the Dibao standard × the marginal multiplier.
        MarginalLine = "marginal_line",
        /// Last year's per-capita disposable income (the rigid-expense income line, per year).
        DisposableIncome = "disposable_income",
        /// Rigid spending above this share of the household's income.
        RigidShare = "rigid_share",
        /// Savings up to this many months of the Dibao standard per person.
        DibaoDeposit = "dibao_deposit",
        /// The individual medical insurance contribution (per person per year).
        Premium = "premium",
        /// What the assistance pays of it for a Tekun person (per year).
        PremiumTekun = "premium_tekun",
        /// … for a Dibao member (a fixed amount, never above the contribution).
        PremiumDibao = "premium_dibao",
        /// … for a marginal household's member.
        PremiumMarginal = "premium_marginal",
        /// 就业成本扣减 per working member per month.
        EmploymentDeduction = "employment_deduction",
        /// 渐退期: months of assistance kept after income rises above the standard.
        TaperMonths = "taper_months",
        /// The small advance aid's cap (先行救助).
        AdvanceAidMax = "advance_aid_max",
        /// Working days to a decision.
        DecisionDays = "decision_days",
        /// Days a decision is publicly posted before it is final.
        NoticeDays = "notice_days",
    }
}

/// How a standard's value reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    /// Yuan (the value is in fen) per person per month.
    PerPersonMonth,
    /// Yuan per person per year.
    PerPersonYear,
    /// Yuan per working member per month.
    PerWorkerMonth,
    /// Yuan, once.
    Yuan,
    /// A percentage (the value in thousandths).
    Percent,
    Months,
    Days,
    WorkingDays,
}

impl StandardItem {
    /// The parameters the figure is made of (its sources).
    pub fn keys(self) -> &'static [ParamKey] {
        use ParamKey as K;
        match self {
            StandardItem::DibaoStandard => &[K::DibaoStandard],
            StandardItem::TekunStandard => &[K::DibaoStandard, K::TekunStandardRatio],
            StandardItem::MarginalLine => &[K::DibaoStandard, K::MarginalMultiplier],
            StandardItem::DisposableIncome => &[K::DisposableIncomeLastYear],
            StandardItem::RigidShare => &[K::RigidSpendingShare],
            StandardItem::DibaoDeposit => &[K::DibaoDepositMonths],
            StandardItem::Premium => &[K::PremiumIndividual],
            StandardItem::PremiumTekun => &[K::PremiumIndividual, K::PremiumTekunShare],
            StandardItem::PremiumDibao => &[K::PremiumIndividual, K::PremiumDibaoFixed],
            StandardItem::PremiumMarginal => &[K::PremiumIndividual, K::PremiumMarginalShare],
            StandardItem::EmploymentDeduction => &[K::EmploymentCostDeduction],
            StandardItem::TaperMonths => &[K::TaperMonths],
            StandardItem::AdvanceAidMax => &[K::AdvanceAidMax],
            StandardItem::DecisionDays => &[K::DecisionWorkingDays],
            StandardItem::NoticeDays => &[K::PublicNoticeDays],
        }
    }

    pub fn shown(self) -> Shown {
        match self {
            StandardItem::DibaoStandard
            | StandardItem::TekunStandard
            | StandardItem::MarginalLine => Shown::PerPersonMonth,
            StandardItem::DisposableIncome
            | StandardItem::Premium
            | StandardItem::PremiumTekun
            | StandardItem::PremiumDibao
            | StandardItem::PremiumMarginal => Shown::PerPersonYear,
            StandardItem::RigidShare => Shown::Percent,
            StandardItem::DibaoDeposit | StandardItem::TaperMonths => Shown::Months,
            StandardItem::EmploymentDeduction => Shown::PerWorkerMonth,
            StandardItem::AdvanceAidMax => Shown::Yuan,
            StandardItem::DecisionDays => Shown::WorkingDays,
            StandardItem::NoticeDays => Shown::Days,
        }
    }

    /// The figure in one parameter set, computed as the assessment does; `None` when a
    /// parameter it needs is not set there.
    pub fn value(self, p: &ParameterSet) -> Option<i64> {
        use ParamKey as K;
        let v = |k| p.value(k);
        let share = |a: i64, permille: i64| a * permille / 1000;
        match self {
            StandardItem::TekunStandard => {
                Some(share(v(K::DibaoStandard)?, v(K::TekunStandardRatio)?))
            }
            StandardItem::MarginalLine => {
                Some(share(v(K::DibaoStandard)?, v(K::MarginalMultiplier)?))
            }
            StandardItem::PremiumTekun => {
                Some(share(v(K::PremiumIndividual)?, v(K::PremiumTekunShare)?))
            }
            StandardItem::PremiumDibao => {
                Some(v(K::PremiumDibaoFixed)?.min(v(K::PremiumIndividual)?))
            }
            StandardItem::PremiumMarginal => {
                Some(share(v(K::PremiumIndividual)?, v(K::PremiumMarginalShare)?))
            }
            single => {
                debug_assert_eq!(single.keys().len(), 1);
                let key = single.keys()[0];
                debug_assert!(!matches!(key.unit(), Unit::Flag | Unit::Grade));
                v(key)
            }
        }
    }
}

/// Where a figure comes from: one stored value's source, date and region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub key: ParamKey,
    pub text: String,
    #[serde(with = "crate::domain::ymd")]
    pub effective_from: NaiveDate,
    pub region: RegionCode,
    pub residence: Option<Residence>,
    /// A shipped example, not a real local standard.
    pub example: bool,
}

impl From<&ParamValue> for Source {
    fn from(v: &ParamValue) -> Self {
        Source {
            key: v.key,
            text: v.source.clone(),
            effective_from: v.effective_from,
            region: v.region.clone(),
            residence: v.residence,
            example: v.example,
        }
    }
}

/// One figure in force in a county: its urban and its rural value (the same when the
/// parameters do not differ) and every stored value it was made of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standard {
    pub item: StandardItem,
    pub urban: Option<i64>,
    pub rural: Option<i64>,
    pub sources: Vec<Source>,
}

impl Standard {
    /// Whether urban and rural households have the same figure (shown once).
    pub fn same_for_both(&self) -> bool {
        self.urban == self.rural
    }

    /// Whether any value it is made of is a shipped example.
    pub fn example(&self) -> bool {
        self.sources.iter().any(|s| s.example)
    }
}

/// The figures of `items` in force, from the county's urban and rural parameter sets. A
/// figure none of whose parameters is set is left out (a county with no standard yet shows
/// none, never a zero).
pub fn standards(
    items: &[StandardItem],
    urban: &ParameterSet,
    rural: &ParameterSet,
) -> Vec<Standard> {
    items
        .iter()
        .filter_map(|&item| {
            let (u, r) = (item.value(urban), item.value(rural));
            if u.is_none() && r.is_none() {
                return None;
            }
            let mut sources: Vec<Source> = Vec::new();
            for set in [urban, rural] {
                for &key in item.keys() {
                    if let Some(v) = set.get(key) {
                        let s = Source::from(v);
                        if !sources.contains(&s) {
                            sources.push(s);
                        }
                    }
                }
            }
            Some(Standard {
                item,
                urban: u,
                rural: r,
                sources,
            })
        })
        .collect()
}

coded! {
    /// A public telephone number (Zhangye (十六) 举报监督电话; Liaoning 三(四) 服务热线).
    pub enum ContactKind {
        /// 社会救助服务热线: questions and help with an application.
        Hotline = "hotline",
        /// 举报监督电话: reports of fraud or of staff's conduct.
        Supervision = "supervision",
    }
}

/// The longest telephone number kept (digits, `-`, spaces, and an extension).
pub const CONTACT_NUMBER_MAX: usize = 32;

/// A telephone number as the public dials it: 3 to 32 characters of digits, `-`, spaces,
/// parentheses and `+` (an extension after `-`), at least 3 digits. `None` for anything else.
pub fn contact_number(raw: &str) -> Option<String> {
    let t = raw.trim();
    let ok_chars = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')' | '+'));
    let digits = t.chars().filter(char::is_ascii_digit).count();
    (ok_chars && digits >= 3 && t.len() <= CONTACT_NUMBER_MAX).then(|| t.to_string())
}

/// One stored number (history kept: a change is a new row, dated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: i64,
    pub region: RegionCode,
    pub kind: ContactKind,
    pub number: String,
    #[serde(with = "crate::domain::ymd")]
    pub effective_from: NaiveDate,
    pub source: String,
    pub example: bool,
    /// Approved by a security administrator (三员分立), as a parameter value is.
    pub approved: bool,
    pub withdrawn: bool,
    pub created_by: String,
}

/// The number of each kind in force in `region` on `on`: approved, not withdrawn, in effect,
/// set for `region` or a region above it; the most specific region wins, then the latest date.
pub fn contacts_in_force<'a>(
    rows: &'a [ContactRow],
    region: &RegionCode,
    on: NaiveDate,
) -> Vec<&'a ContactRow> {
    ContactKind::ALL
        .iter()
        .filter_map(|&kind| {
            rows.iter()
                .filter(|r| {
                    r.kind == kind
                        && r.approved
                        && !r.withdrawn
                        && r.effective_from <= on
                        && region.is_within(&r.region)
                })
                .max_by_key(|r| (r.region.level() as usize, r.effective_from, r.id))
        })
        .collect()
}

/// Which cells of one column of a public table are withheld (统计公开, small cells): every
/// count from 1 to `min - 1`; and when exactly one is withheld, the smallest other non-zero count
/// too (otherwise the total would give the withheld one back). Zero is shown: it names nobody.
pub fn withheld(counts: &[i64], min: i64) -> Vec<bool> {
    let mut hide: Vec<bool> = counts.iter().map(|&n| n > 0 && n < min).collect();
    if hide.iter().filter(|h| **h).count() == 1 {
        let other = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| !hide[*i] && **n > 0)
            .min_by_key(|(i, n)| (**n, *i))
            .map(|(i, _)| i);
        if let Some(i) = other {
            hide[i] = true;
        }
    }
    hide
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::params::{resolve, ParamRow};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn row(id: i64, key: ParamKey, region: &str, res: Option<Residence>, value: i64) -> ParamRow {
        ParamRow {
            id,
            key,
            region: RegionCode::parse(region).unwrap(),
            residence: res,
            value,
            effective_from: day("2026-01-01"),
            source: format!("source {id}"),
            example: id == 1,
            withdrawn: false,
            approved: true,
            created_by: "u".into(),
            created_at: 0,
        }
    }

    #[test]
    fn a_countys_standards_are_its_parameters_in_force_with_their_sources() {
        let rows = vec![
            row(
                1,
                ParamKey::DibaoStandard,
                "62",
                Some(Residence::Urban),
                75_000,
            ),
            row(
                2,
                ParamKey::DibaoStandard,
                "62",
                Some(Residence::Rural),
                55_000,
            ),
            row(3, ParamKey::TekunStandardRatio, "62", None, 1_300),
            // The county's own urban standard overrides the province's.
            row(
                4,
                ParamKey::DibaoStandard,
                "620702",
                Some(Residence::Urban),
                80_000,
            ),
        ];
        let county = RegionCode::parse("620702").unwrap();
        let on = day("2026-06-01");
        let urban = resolve(&rows, &county, Some(Residence::Urban), on);
        let rural = resolve(&rows, &county, Some(Residence::Rural), on);
        let items = [
            StandardItem::DibaoStandard,
            StandardItem::TekunStandard,
            StandardItem::MarginalLine,
            StandardItem::RigidShare,
        ];
        let got = standards(&items, &urban, &rural);
        // Nothing for figures whose parameters are not set: no zero shown.
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].urban, got[0].rural), (Some(80_000), Some(55_000)));
        let ids: Vec<&str> = got[0].sources.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(ids, ["source 4", "source 2"]);
        assert!(!got[0].example());
        assert_eq!((got[1].urban, got[1].rural), (Some(104_000), Some(71_500)));
        assert_eq!(got[1].sources.len(), 3);
        assert!(!got[1].same_for_both());
    }

    #[test]
    fn the_number_in_force_is_the_most_specific_approved_one() {
        let c = |id, region: &str, kind, from: &str, approved| ContactRow {
            id,
            region: RegionCode::parse(region).unwrap(),
            kind,
            number: format!("0936-{id}"),
            effective_from: day(from),
            source: String::new(),
            example: false,
            approved,
            withdrawn: false,
            created_by: "u".into(),
        };
        let rows = vec![
            c(1, "62", ContactKind::Hotline, "2026-01-01", true),
            c(2, "620702", ContactKind::Hotline, "2026-01-01", true),
            c(3, "620702", ContactKind::Hotline, "2026-03-01", false),
            c(4, "620702", ContactKind::Hotline, "2027-01-01", true),
            c(5, "62", ContactKind::Supervision, "2026-01-01", true),
        ];
        let county = RegionCode::parse("620702").unwrap();
        let numbers = |region: &RegionCode, on| -> Vec<i64> {
            contacts_in_force(&rows, region, day(on))
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(numbers(&county, "2026-06-01"), [2, 5]);
        assert_eq!(numbers(&county, "2027-01-01"), [4, 5]);
        let other = RegionCode::parse("620723").unwrap();
        assert_eq!(numbers(&other, "2026-06-01"), [1, 5]);
        let province = RegionCode::parse("62").unwrap();
        assert_eq!(numbers(&province, "2026-06-01"), [1, 5]);
        assert_eq!(numbers(&province, "2025-06-01"), Vec::<i64>::new());
        let liaoning = RegionCode::parse("21").unwrap();
        assert_eq!(numbers(&liaoning, "2026-06-01"), Vec::<i64>::new());
    }

    #[test]
    fn a_telephone_number_is_digits_and_separators() {
        assert_eq!(
            contact_number(" 0936-8212345 "),
            Some("0936-8212345".into())
        );
        assert_eq!(contact_number("12345"), Some("12345".into()));
        assert_eq!(
            contact_number("(0936) 821 2345-8"),
            Some("(0936) 821 2345-8".into())
        );
        assert_eq!(contact_number("12"), None);
        assert_eq!(contact_number("call 12345"), None);
        assert_eq!(contact_number("<script>"), None);
        assert_eq!(contact_number(&"1".repeat(33)), None);
    }

    #[test]
    fn small_cells_are_withheld_and_one_alone_takes_another_with_it() {
        assert_eq!(withheld(&[10, 3, 0, 8], 5), [false, true, false, true]);
        assert_eq!(withheld(&[10, 3, 4, 8], 5), [false, true, true, false]);
        assert_eq!(withheld(&[10, 20, 0], 5), [false, false, false]);
        // The only other non-zero cell goes too; none left: nothing more to hide.
        assert_eq!(withheld(&[2, 0], 5), [true, false]);
        assert_eq!(withheld(&[5, 1], 5), [true, true]);
        assert_eq!(withheld(&[], 5), Vec::<bool>::new());
    }
}
