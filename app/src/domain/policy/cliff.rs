//! 陡坡→缓坡: how much more monthly income a household could have before it leaves each
//! income-tested category it is in, and what it would lose then.

use super::assess::{assess, counted_income, Assessment, Category, CategorySet, EntitlementKind};
use super::facts::HouseholdFacts;
use super::params::{ParamKey, ParameterSet};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cliff {
    pub category: Category,
    /// The most extra monthly household income (fen, not from employment) that keeps the category.
    pub headroom_fen: i64,
    /// What the household would fall in one fen beyond the headroom.
    pub then: CategorySet,
    /// Entitlements it would no longer have.
    pub loses: Vec<EntitlementKind>,
    /// Monthly basic living aid it would no longer receive (estimate), fen.
    pub loses_monthly_fen: i64,
    /// For Dibao: months of continued aid if the rise comes from employment (渐退期).
    pub taper_months: Option<i64>,
}

fn ceil_div(a: i128, b: i128) -> i128 {
    (a + b - 1).div_euclid(b)
}

/// The largest extra monthly income `x` with the category's income test still passing,
/// from the same inequalities the criteria use.
fn headroom(category: Category, f: &HouseholdFacts, p: &ParameterSet) -> Option<i64> {
    let n = f.size() as i128;
    let inc = counted_income(f, p).ok()?;
    let counted = inc.counted as i128;
    let std = p.value(ParamKey::DibaoStandard)? as i128;
    let x = match category {
        // counted + x < std × n
        Category::Dibao => std * n - 1 - counted,
        // (counted + x) × 1000 < mult × std × n
        Category::DibaoMarginal => {
            ceil_div(
                p.value(ParamKey::MarginalMultiplier)? as i128 * std * n,
                1000,
            ) - 1
                - counted
        }
        Category::RigidExpense => {
            // (counted + x) × 12 < line × n, and spending × 1000 > share × (total + x) × 12
            let line = p.value(ParamKey::DisposableIncomeLastYear)? as i128;
            let by_income = ceil_div(line * n, 12) - 1 - counted;
            let share = p.value(ParamKey::RigidSpendingShare)? as i128;
            let spend = f.rigid_spending_12m? as i128;
            let by_spending = ceil_div(spend * 1000, share * 12) - 1 - inc.total as i128;
            by_income.min(by_spending)
        }
        _ => return None,
    };
    i64::try_from(x.max(0)).ok()
}

fn basic_living(a: &Assessment) -> i64 {
    a.entitlements
        .iter()
        .filter(|e| e.kind == EntitlementKind::BasicLiving)
        .filter_map(|e| e.monthly_fen)
        .sum()
}

/// One cliff per income-tested category the household is in now.
pub fn cliffs(f: &HouseholdFacts, p: &ParameterSet, now: &Assessment) -> Vec<Cliff> {
    let mut out = Vec::new();
    for category in [
        Category::Dibao,
        Category::DibaoMarginal,
        Category::RigidExpense,
    ] {
        if !now.household.contains(category) {
            continue;
        }
        // A Dibao household kept by the 渐退期 has no income headroom to show.
        if category == Category::Dibao && now.verdicts.iter().any(|v| v.taper_months.is_some()) {
            continue;
        }
        let Some(x) = headroom(category, f, p) else {
            continue;
        };
        let mut beyond = f.clone();
        beyond.income_total = beyond.income_total.map(|t| t + x + 1);
        let after = assess(&beyond, p);
        let loses = EntitlementKind::ALL
            .into_iter()
            .filter(|k| now.entitled_to(*k) && !after.entitled_to(*k))
            .collect();
        out.push(Cliff {
            category,
            headroom_fen: x,
            then: after.household,
            loses,
            loses_monthly_fen: (basic_living(now) - basic_living(&after)).max(0),
            taper_months: (category == Category::Dibao)
                .then(|| p.value(ParamKey::TaperMonths))
                .flatten(),
        });
    }
    out
}
