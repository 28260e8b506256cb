//! Table-driven tests of each criterion at its boundaries, of unknowns, of entitlements and
//! cliffs, and property tests of the whole assessment. Example parameters for a rural village
//! of Ganzhou: standard 580.00 yuan, marginal 1.5×, deposits 24/36 months, deduction 200.00.

use super::assess::*;
use super::cliff::cliffs;
use super::examples::example_rows;
use super::facts::{CareNeed, Disability, HouseholdFacts, MemberFacts, SupportMode};
use super::params::{resolve, ParamKey, ParameterSet};
use crate::domain::declaration::{
    DisabilityKind, Health, LabourCapacity, Residence, Schooling, WorkStatus,
};
use crate::domain::region::RegionCode;
use chrono::NaiveDate;
use proptest::prelude::*;

const STD: i64 = 58_000;

fn params() -> ParameterSet {
    rural_params(&example_rows(0), "620702100201")
}

/// The parameters of `rows` in force in a rural `village` on the tests' day.
fn rural_params(rows: &[super::params::ParamRow], village: &str) -> ParameterSet {
    resolve(
        rows,
        &RegionCode::parse(village).unwrap(),
        Some(Residence::Rural),
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
    )
}

/// The entitlement of `kind` an assessment gives (the test fails when there is none).
fn entitlement(a: &Assessment, kind: EntitlementKind) -> &Entitlement {
    a.entitlements
        .iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} in {:?}", a.entitlements))
}

fn adult() -> MemberFacts {
    MemberFacts {
        age: Some(40),
        schooling: Some(Schooling::NotInSchool),
        health: Some(Health::Healthy),
        disability: Some(Disability {
            kind: DisabilityKind::None,
            grade: None,
        }),
        work: Some(WorkStatus::Farming),
        labour: Some(LabourCapacity::Full),
        ..Default::default()
    }
}

fn household(n: usize, income: i64) -> HouseholdFacts {
    HouseholdFacts {
        residence: Some(Residence::Rural),
        members: vec![adult(); n],
        income_total: Some(income),
        income_employment: Some(0),
        deposits: Some(0),
        housing_count: Some(1),
        vehicles: Some(0),
        has_business: Some(false),
        rigid_spending_12m: Some(0),
        relapse_watch: Some(false),
        ..Default::default()
    }
}

fn lone_elder(age: u32) -> HouseholdFacts {
    let mut f = household(1, 0);
    f.members[0] = MemberFacts {
        age: Some(age),
        work: Some(WorkStatus::Retired),
        labour: Some(LabourCapacity::None),
        supporter_able: Some(false),
        ..adult()
    };
    f
}

fn primary(a: &Assessment, i: usize) -> Option<Category> {
    a.members[i].categories.primary()
}

#[test]
fn the_example_parameters_resolve_to_the_county_rural_standard() {
    assert_eq!(params().value(ParamKey::DibaoStandard), Some(STD));
    assert_eq!(
        params()
            .get(ParamKey::DibaoStandard)
            .unwrap()
            .region
            .as_str(),
        "620702000000"
    );
    assert!(params().values().all(|v| v.example));
}

#[test]
fn dibao_income_is_strictly_below_the_standard_per_capita() {
    let p = params();
    for (n, income, expected) in [
        (3, 3 * STD - 1, Outcome::Pass),
        (3, 3 * STD, Outcome::Fail),     // exactly at the line
        (3, 3 * STD + 1, Outcome::Fail), // one fen over
        (1, 0, Outcome::Pass),
        (2, 2 * STD - 1, Outcome::Pass),
    ] {
        assert_eq!(
            dibao_income(&household(n, income), &p).outcome,
            expected,
            "n={n} income={income}"
        );
    }
}

#[test]
fn employment_costs_are_deducted_per_employed_member_up_to_their_earnings() {
    let p = params();
    let mut f = household(3, 3 * STD + 2 * 20_000);
    f.members[0].work = Some(WorkStatus::Employed);
    f.members[1].work = Some(WorkStatus::Employed);
    f.income_employment = Some(100_000);
    f.currently_dibao = true;
    assert_eq!(
        dibao_income(&f, &p).outcome,
        Outcome::Fail,
        "at the line after deduction"
    );
    f.income_total = Some(3 * STD + 2 * 20_000 - 1);
    let c = dibao_income(&f, &p);
    assert_eq!(c.outcome, Outcome::Pass);
    assert!(c.params().any(|k| k == ParamKey::EmploymentCostDeduction));
    // The deduction never exceeds what employment brought in.
    f.income_employment = Some(10_000);
    f.income_total = Some(3 * STD + 10_000 - 1);
    assert_eq!(counted_income(&f, &p).unwrap().deduction, 10_000);
    assert_eq!(dibao_income(&f, &p).outcome, Outcome::Pass);
}

/// Zhangye (八) deducts employment costs for "已就业的低保对象": the same earnings of a household
/// applying are counted whole, and no deduction parameter is asked for.
#[test]
fn an_applicant_household_s_earnings_are_counted_whole() {
    let p = params();
    let mut f = household(3, 3 * STD + 2 * 20_000 - 1);
    f.members[0].work = Some(WorkStatus::Employed);
    f.members[1].work = Some(WorkStatus::Employed);
    f.income_employment = Some(100_000);
    f.currently_dibao = true;
    assert_eq!(dibao_income(&f, &p).outcome, Outcome::Pass);
    f.currently_dibao = false;
    let c = dibao_income(&f, &p);
    assert_eq!(c.outcome, Outcome::Fail, "the same income, applying");
    assert_eq!(counted_income(&f, &p).unwrap().deduction, 0);
    assert!(!c.params().any(|k| k == ParamKey::EmploymentCostDeduction));
    let mut rows = example_rows(0);
    rows.retain(|r| r.key != ParamKey::EmploymentCostDeduction);
    let without = resolve(&rows, &p.region, Some(Residence::Rural), p.on);
    assert_eq!(dibao_income(&f, &without).outcome, Outcome::Fail);
}

#[test]
fn missing_facts_and_parameters_give_unknown_with_what_is_needed() {
    let p = params();
    let mut f = household(2, 0);
    f.income_total = None;
    let c = dibao_income(&f, &p);
    assert_eq!(
        (c.outcome, c.need),
        (Outcome::Unknown, Some(Need::Fact(Fact::IncomeTotal)))
    );
    let mut f = household(2, 0);
    f.residence = None;
    let c = dibao_income(
        &f,
        &ParameterSet::empty(RegionCode::parse("620702100201").unwrap(), None, p.on),
    );
    assert_eq!(
        (c.outcome, c.need),
        (Outcome::Unknown, Some(Need::Fact(Fact::Residence)))
    );
    let empty = ParameterSet::empty(
        RegionCode::parse("620702100201").unwrap(),
        Some(Residence::Rural),
        p.on,
    );
    let c = dibao_income(&household(2, 0), &empty);
    assert_eq!(
        (c.outcome, c.need),
        (Outcome::Unknown, Some(Need::Param(ParamKey::DibaoStandard)))
    );
    // An employed Dibao recipient and no deduction parameter: the counted income is unknown.
    let mut f = household(1, 10_000);
    f.currently_dibao = true;
    f.members[0].work = Some(WorkStatus::Employed);
    f.income_employment = Some(10_000);
    let mut rows = example_rows(0);
    rows.retain(|r| r.key != ParamKey::EmploymentCostDeduction);
    let p2 = resolve(&rows, &p.region, Some(Residence::Rural), p.on);
    assert_eq!(
        dibao_income(&f, &p2).need,
        Some(Need::Param(ParamKey::EmploymentCostDeduction))
    );
    // Unknown never becomes a category: the household is "possible", not in.
    let mut f = household(2, 0);
    f.income_total = None;
    let a = assess(&f, &p);
    assert!(a.household.primary().is_none());
    assert!(a.members[0].possible.contains(Category::Dibao));
}

#[test]
fn assets_are_within_limits_at_the_limit_and_not_one_fen_over() {
    let p = params();
    let limit = 24 * STD * 2;
    for (deposits, expected) in [(limit, Outcome::Pass), (limit + 1, Outcome::Fail)] {
        let mut f = household(2, 0);
        f.deposits = Some(deposits);
        assert_eq!(dibao_deposits(&f, &p).outcome, expected);
    }
    let marginal_limit = 36 * STD * 2;
    let mut f = household(2, 0);
    f.deposits = Some(marginal_limit);
    assert_eq!(marginal_deposits(&f, &p).outcome, Outcome::Pass);
    f.deposits = Some(marginal_limit + 1);
    assert_eq!(marginal_deposits(&f, &p).outcome, Outcome::Fail);

    let mut f = household(2, 0);
    f.housing_count = Some(2);
    assert_eq!(housing_within_limit(&f, &p).outcome, Outcome::Fail);
    f.housing_count = Some(1);
    assert_eq!(housing_within_limit(&f, &p).outcome, Outcome::Pass);
    f.vehicles = Some(1);
    assert_eq!(vehicles_within_limit(&f, &p).outcome, Outcome::Fail);
    f.has_business = Some(true);
    assert_eq!(business_within_limit(&f, &p).outcome, Outcome::Fail);
    f.has_business = None;
    assert_eq!(
        business_within_limit(&f, &p).need,
        Some(Need::Fact(Fact::HasBusiness))
    );
}

#[test]
fn marginal_is_below_the_multiplied_standard_and_never_together_with_dibao() {
    let p = params();
    let line = STD * 3 * 3 / 2; // 1.5 × standard × 3 people
    for (income, expected) in [
        (line - 1, Outcome::Pass),
        (line, Outcome::Fail),
        (line + 1, Outcome::Fail),
    ] {
        assert_eq!(
            marginal_income(&household(3, income), &p).outcome,
            expected,
            "income={income}"
        );
    }
    let a = assess(&household(3, line - 1), &p);
    assert_eq!(a.household.primary(), Some(Category::DibaoMarginal));
    assert_eq!(primary(&a, 0), Some(Category::DibaoMarginal));
    let a = assess(&household(3, 3 * STD - 1), &p);
    assert_eq!(a.household.primary(), Some(Category::Dibao));
    assert!(!a.household.contains(Category::DibaoMarginal));
}

#[test]
fn rigid_expense_needs_low_income_and_high_rigid_spending() {
    let p = params();
    // Rural disposable income line 14,000 yuan a year; spending share 50%.
    let line_monthly = 1_400_000 * 2 / 12; // two people
    let mut f = household(2, line_monthly - 1);
    f.rigid_spending_12m = Some((line_monthly - 1) * 12 / 2 + 1);
    assert_eq!(rigid_income(&f, &p).outcome, Outcome::Pass);
    assert_eq!(rigid_spending(&f, &p).outcome, Outcome::Pass);
    assert_eq!(
        assess(&f, &p).household.primary(),
        Some(Category::RigidExpense)
    );
    f.rigid_spending_12m = Some((line_monthly - 1) * 12 / 2); // exactly half: not above
    assert_eq!(rigid_spending(&f, &p).outcome, Outcome::Fail);
    let mut g = household(2, 1_400_000 * 2 / 12 + 1);
    g.rigid_spending_12m = Some(10_000_000);
    assert_eq!(rigid_income(&g, &p).outcome, Outcome::Fail);
}

/// Both rigid-expense tests read one income: the 12 months as declared, or the month × 12 when
/// none was declared or it changed suddenly (the trace names which).
#[test]
fn rigid_expense_reads_one_twelve_month_income_declared_or_from_the_month() {
    let p = params();
    let line = 1_400_000 * 2; // two people's yearly line, rural example
                              // The month says little (a job lost last month); the year says more.
    let mut f = household(2, 1_000);
    f.rigid_spending_12m = Some(900_000);
    f.income_12m = Some(line); // at the line: not below
    let inc = rigid_income(&f, &p);
    assert_eq!(inc.outcome, Outcome::Fail);
    assert!(inc
        .inputs()
        .any(|i| i.fact == Fact::Income12m && i.value == Value::Fen(line)));
    // Spending against the same 12 months: 900 000 is not above half of 2 800 000.
    assert_eq!(rigid_spending(&f, &p).outcome, Outcome::Fail);
    f.income_12m = Some(line - 1);
    assert_eq!(rigid_income(&f, &p).outcome, Outcome::Pass);
    f.income_12m = Some(1_799_999);
    assert_eq!(
        rigid_spending(&f, &p).outcome,
        Outcome::Pass,
        "900 000 > half of 1 799 999"
    );
    // None declared (or the household said the income changed suddenly): the month × 12.
    f.income_12m = None;
    let inc = rigid_income(&f, &p);
    assert!(inc
        .inputs()
        .any(|i| i.fact == Fact::Income12mFromMonth && i.value == Value::Fen(12_000)));
    assert_eq!(inc.outcome, Outcome::Pass);
}

/// What the declaration gives the engine: spending for illness, schooling and disability
/// together; the 12 months' income unless the household says its income changed suddenly.
#[test]
fn a_declaration_s_rigid_spending_has_three_kinds_and_a_sudden_change_counts_the_month() {
    use crate::domain::declaration::DeclarationDraft;
    let on = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let d = DeclarationDraft {
        income_wages: "1000".into(),
        medical_spending: "3000".into(),
        education_spending: "2000".into(),
        disability_spending: "1500.50".into(),
        income_12m: "30000".into(),
        ..Default::default()
    };
    let f = HouseholdFacts::from_draft(&d, on);
    assert_eq!(f.rigid_spending_12m, Some(650_050));
    assert_eq!(f.income_12m, Some(3_000_000));
    let changed = DeclarationDraft {
        income_changed: true,
        ..d.clone()
    };
    assert_eq!(HouseholdFacts::from_draft(&changed, on).income_12m, None);
    let empty = DeclarationDraft {
        income_12m: " ".into(),
        ..d
    };
    assert_eq!(HouseholdFacts::from_draft(&empty, on).income_12m, None);
}

#[test]
fn tekun_covers_the_elderly_the_severely_disabled_and_minors_without_support() {
    let p = params();
    let cases: [(u32, Option<Disability>, Schooling, Outcome); 9] = [
        (60, None, Schooling::NotInSchool, Outcome::Pass),
        (
            59,
            Some(Disability {
                kind: DisabilityKind::None,
                grade: None,
            }),
            Schooling::NotInSchool,
            Outcome::Fail,
        ),
        (
            40,
            Some(Disability {
                kind: DisabilityKind::Physical,
                grade: Some(2),
            }),
            Schooling::NotInSchool,
            Outcome::Pass,
        ),
        (
            40,
            Some(Disability {
                kind: DisabilityKind::Physical,
                grade: Some(3),
            }),
            Schooling::NotInSchool,
            Outcome::Fail,
        ),
        (
            40,
            Some(Disability {
                kind: DisabilityKind::Intellectual,
                grade: Some(3),
            }),
            Schooling::NotInSchool,
            Outcome::Pass,
        ),
        (
            15,
            Some(Disability {
                kind: DisabilityKind::None,
                grade: None,
            }),
            Schooling::JuniorSecondary,
            Outcome::Pass,
        ),
        (
            16,
            Some(Disability {
                kind: DisabilityKind::None,
                grade: None,
            }),
            Schooling::NotInSchool,
            Outcome::Fail,
        ),
        (
            17,
            Some(Disability {
                kind: DisabilityKind::None,
                grade: None,
            }),
            Schooling::SeniorSecondary,
            Outcome::Pass,
        ),
        (
            18,
            Some(Disability {
                kind: DisabilityKind::None,
                grade: None,
            }),
            Schooling::SeniorSecondary,
            Outcome::Fail,
        ),
    ];
    for (age, disability, schooling, expected) in cases {
        let m = MemberFacts {
            age: Some(age),
            disability,
            schooling: Some(schooling),
            ..adult()
        };
        assert_eq!(
            tekun_condition(&m, 0, &p).outcome,
            expected,
            "age {age} {disability:?} {schooling:?}"
        );
    }
    let a = assess(&lone_elder(60), &p);
    assert_eq!(primary(&a, 0), Some(Category::Tekun));
    // Tekun is more generous than the household's Dibao and replaces it for that member.
    assert!(!a.members[0].categories.contains(Category::Dibao));
}

#[test]
fn tekun_needs_no_labour_no_income_source_and_no_able_supporter() {
    let p = params();
    let mut f = lone_elder(70);
    f.members[0].labour = Some(LabourCapacity::Partial);
    assert_eq!(primary(&assess(&f, &p), 0), Some(Category::Dibao));
    let mut f = lone_elder(70);
    f.members[0].work = Some(WorkStatus::Employed);
    assert_eq!(
        tekun_no_income(&f.members[0], 0, &f, &p).outcome,
        Outcome::Fail
    );
    let mut f = lone_elder(70);
    f.income_total = Some(STD);
    assert_eq!(
        tekun_no_income(&f.members[0], 0, &f, &p).outcome,
        Outcome::Fail
    );
    let mut f = lone_elder(70);
    f.members[0].supporter_able = Some(true);
    assert_eq!(tekun_no_supporter(&f.members[0], 0).outcome, Outcome::Fail);
    // A declaration alone cannot say whether a supporter is able: Tekun stays possible.
    let mut f = lone_elder(70);
    f.members[0].supporter_able = None;
    f.members[0].support_mode = Some(SupportMode::Dispersed);
    let a = assess(&f, &p);
    assert_eq!(primary(&a, 0), Some(Category::Dibao));
    assert!(a.members[0].possible.contains(Category::Tekun));
    assert_eq!(
        a.checks
            .iter()
            .find(|c| c.criterion == Criterion::TekunNoSupporter)
            .unwrap()
            .need,
        Some(Need::Fact(Fact::SupporterAble))
    );
}

#[test]
fn seriously_ill_or_severely_disabled_members_of_a_marginal_household_are_included_alone() {
    let p = params();
    let mut f = household(3, 3 * STD + 1);
    f.members[1].health = Some(Health::SeriousIllness);
    f.members[2].disability = Some(Disability {
        kind: DisabilityKind::Physical,
        grade: Some(1),
    });
    let a = assess(&f, &p);
    assert_eq!(a.household.primary(), Some(Category::DibaoMarginal));
    assert_eq!(primary(&a, 0), Some(Category::DibaoMarginal));
    assert_eq!(primary(&a, 1), Some(Category::Dibao));
    assert_eq!(primary(&a, 2), Some(Category::Dibao));
    assert!(
        a.verdict(Category::Dibao, Subject::Member(1))
            .unwrap()
            .individual
    );
    // Above the marginal line nobody is included individually.
    let mut g = f.clone();
    g.income_total = Some(STD * 3 * 3 / 2);
    assert_eq!(primary(&assess(&g, &p), 1), None);
}

#[test]
fn a_dibao_household_earning_above_the_line_keeps_aid_in_the_taper_period() {
    let p = params();
    let mut f = household(2, 2 * STD + 50_000);
    f.members[0].work = Some(WorkStatus::Employed);
    f.income_employment = Some(100_000);
    f.currently_dibao = true;
    let a = assess(&f, &p);
    assert_eq!(a.household.primary(), Some(Category::Dibao));
    let v = a.verdict(Category::Dibao, Subject::Household).unwrap();
    assert_eq!(v.taper_months, Some(6));
    let basic = entitlement(&a, EntitlementKind::BasicLiving);
    assert_eq!(basic.taper_months, Some(6));
    // What an exit reads (`api::cycle::exit_household` refuses a taper without it).
    assert_eq!(a.taper_earned(), Some(6));
    // A running taper counts from the day it began: five months in, it holds; six months in,
    // it is over whatever the income (不超过6个月), and the trace shows the day.
    let began = |months: u32| p.on - chrono::Months::new(months);
    let mut running = f.clone();
    running.taper_since = Some(began(5));
    let a5 = assess(&running, &p);
    assert_eq!(a5.taper_earned(), Some(6));
    assert!(a5
        .checks
        .iter()
        .any(|c| c.inputs().any(|i| i.value == Value::Day(began(5)))));
    running.taper_since = Some(began(6));
    let over = assess(&running, &p);
    assert_eq!(over.taper_earned(), None);
    assert_ne!(over.household.primary(), Some(Category::Dibao));
    // Still below the line: Dibao without a taper, and an exit ends aid on its day.
    let mut below = household(2, 2 * STD - 1);
    below.currently_dibao = true;
    let plain = assess(&below, &p);
    assert_eq!(plain.household.primary(), Some(Category::Dibao));
    assert_eq!(plain.taper_earned(), None);
    // The same rise from a pension (not employment) ends Dibao.
    f.income_employment = Some(0);
    f.members[0].work = Some(WorkStatus::Retired);
    let pension = assess(&f, &p);
    assert_ne!(pension.household.primary(), Some(Category::Dibao));
    assert_eq!(pension.taper_earned(), None);
    // A household that is not receiving Dibao has no taper.
    let mut g = household(2, 2 * STD + 50_000);
    g.income_employment = Some(100_000);
    g.members[0].work = Some(WorkStatus::Employed);
    assert_ne!(assess(&g, &p).household.primary(), Some(Category::Dibao));
    assert_eq!(assess(&g, &p).taper_earned(), None);
}

#[test]
fn relapse_watch_is_recognised_not_screened_and_other_hardship_needs_a_staff_reason() {
    let p = params();
    let mut f = household(2, 10 * STD);
    f.relapse_watch = Some(true);
    let a = assess(&f, &p);
    assert!(a.household.contains(Category::RelapseWatch));
    assert!(a.members[0].categories.contains(Category::RelapseWatch));
    assert!(
        a.entitled_to(EntitlementKind::Housing),
        "rural relapse-watch households may get housing aid"
    );
    f.relapse_watch = None;
    let c = relapse_listed(&f);
    assert_eq!(
        (c.outcome, c.need),
        (Outcome::Unknown, Some(Need::Fact(Fact::RelapseList)))
    );
    f.other_hardship_reason = Some("  ".into());
    assert_eq!(other_determined(&f).outcome, Outcome::Unknown);
    f.other_hardship_reason = Some("突发重病，县级协调机制认定".into());
    assert!(assess(&f, &p).household.contains(Category::OtherHardship));
}

#[test]
fn entitlements_follow_the_categories_with_their_amounts() {
    let p = params();
    // Tekun: premium in full (400.00), basic living 1.3 × standard.
    let a = assess(&lone_elder(70), &p);
    let prem = entitlement(&a, EntitlementKind::PremiumSubsidy);
    assert_eq!(
        (prem.via, prem.yearly_fen),
        (Some(Category::Tekun), Some(40_000))
    );
    let basic = entitlement(&a, EntitlementKind::BasicLiving);
    assert_eq!(basic.monthly_fen, Some(STD * 13 / 10));
    // Dibao: the gap to the standard, and the fixed premium subsidy per member.
    let a = assess(&household(2, 60_000), &p);
    let basic = entitlement(&a, EntitlementKind::BasicLiving);
    assert_eq!(basic.monthly_fen, Some(2 * STD - 60_000));
    let prem = entitlement(&a, EntitlementKind::PremiumSubsidy);
    assert_eq!(prem.yearly_fen, Some(2 * 30_000));
    // The fixed amount never exceeds the contribution it pays (here 400.00 a year).
    let mut rows = example_rows(0);
    for r in rows
        .iter_mut()
        .filter(|r| r.key == ParamKey::PremiumDibaoFixed)
    {
        r.value = 50_000;
    }
    let capped = rural_params(&rows, "620702100201");
    let a = assess(&household(2, 60_000), &capped);
    let prem = entitlement(&a, EntitlementKind::PremiumSubsidy);
    assert_eq!(prem.yearly_fen, Some(2 * 40_000));
    // Marginal: 60% of the premium; no basic living aid.
    let a = assess(&household(2, 2 * STD + 1), &p);
    assert!(!a.entitled_to(EntitlementKind::BasicLiving));
    let prem = entitlement(&a, EntitlementKind::PremiumSubsidy);
    assert_eq!(prem.yearly_fen, Some(2 * 24_000));
    // A student gets education aid; emergency aid is open to everyone, in any category or none.
    let mut f = household(2, 0);
    f.members[1] = MemberFacts {
        age: Some(12),
        schooling: Some(Schooling::Primary),
        ..adult()
    };
    let a = assess(&f, &p);
    let edu = entitlement(&a, EntitlementKind::Education);
    assert_eq!(edu.members, 0b10);
    let rich = assess(&household(2, 100 * STD), &p);
    assert_eq!(
        rich.entitlements.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EntitlementKind::Emergency]
    );
    assert_eq!(rich.entitlements[0].via, None);
}

#[test]
fn cliffs_show_the_exact_headroom_and_what_would_be_lost() {
    let p = params();
    let f = household(3, 100_000);
    let now = assess(&f, &p);
    let cl = cliffs(&f, &p, &now);
    let dibao = cl.iter().find(|c| c.category == Category::Dibao).unwrap();
    assert_eq!(dibao.headroom_fen, 3 * STD - 1 - 100_000);
    assert!(dibao.loses.contains(&EntitlementKind::BasicLiving));
    assert_eq!(dibao.then.primary(), Some(Category::DibaoMarginal));
    assert_eq!(dibao.taper_months, Some(6));
    let mut at = f.clone();
    at.income_total = Some(100_000 + dibao.headroom_fen);
    assert!(assess(&at, &p).household.contains(Category::Dibao));
    at.income_total = Some(100_000 + dibao.headroom_fen + 1);
    assert!(!assess(&at, &p).household.contains(Category::Dibao));
}

#[test]
fn every_check_of_a_verdict_names_clauses_and_every_parameter_it_used_is_in_the_set() {
    let p = params();
    let a = assess(&household(3, 100_000), &p);
    for c in &a.checks {
        assert!(!c.criterion.clauses().is_empty());
        for k in c.params() {
            assert!(p.get(k).is_some(), "{k:?}");
        }
    }
    // The trace survives storage as JSON.
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<Assessment>(&json).unwrap(), a);
}

fn arb_member() -> impl Strategy<Value = MemberFacts> {
    (
        0u32..95,
        prop::sample::select(Schooling::ALL.to_vec()),
        prop::sample::select(Health::ALL.to_vec()),
        prop::sample::select(DisabilityKind::ALL.to_vec()),
        1u8..=4,
        prop::sample::select(WorkStatus::ALL.to_vec()),
        prop::sample::select(LabourCapacity::ALL.to_vec()),
        prop::option::of(any::<bool>()),
    )
        .prop_map(
            |(age, schooling, health, kind, grade, work, labour, supporter)| MemberFacts {
                age: Some(age),
                schooling: Some(schooling),
                health: Some(health),
                disability: Some(Disability {
                    kind,
                    grade: (kind != DisabilityKind::None).then_some(grade),
                }),
                work: Some(work),
                labour: Some(labour),
                supporter_able: supporter,
                ..Default::default()
            },
        )
}

fn arb_household() -> impl Strategy<Value = HouseholdFacts> {
    (
        prop::collection::vec(arb_member(), 1..6),
        0i64..600_000,
        0i64..200_000,
        0i64..5_000_000,
        0u32..3,
        0u32..2,
        any::<bool>(),
        0i64..3_000_000,
        any::<bool>(),
    )
        .prop_map(
            |(
                members,
                income,
                employment,
                deposits,
                housing,
                vehicles,
                business,
                spending,
                dibao_now,
            )| HouseholdFacts {
                residence: Some(Residence::Rural),
                members,
                income_total: Some(income + employment),
                income_employment: Some(employment),
                deposits: Some(deposits),
                housing_count: Some(housing),
                vehicles: Some(vehicles),
                has_business: Some(business),
                rigid_spending_12m: Some(spending),
                relapse_watch: Some(false),
                currently_dibao: dibao_now,
                ..Default::default()
            },
        )
}

/// Lower is more generous; no ranked category is the least generous of all.
fn generosity(a: &Assessment, i: usize) -> usize {
    a.members[i]
        .categories
        .primary()
        .and_then(Category::rank)
        .unwrap_or(usize::MAX)
}

proptest! {
    #[test]
    fn more_income_never_makes_a_household_more_generously_placed(f in arb_household(), extra in 1i64..200_000) {
        let p = params();
        let before = assess(&f, &p);
        let mut richer = f.clone();
        richer.income_total = richer.income_total.map(|t| t + extra);
        let after = assess(&richer, &p);
        for i in 0..f.members.len() {
            prop_assert!(generosity(&after, i) >= generosity(&before, i), "member {i}: {:?} -> {:?}", before.members[i], after.members[i]);
        }
    }

    #[test]
    fn fewer_assets_never_remove_eligibility(f in arb_household()) {
        let p = params();
        let before = assess(&f, &p);
        let mut poorer = f.clone();
        poorer.deposits = Some(0);
        poorer.vehicles = Some(0);
        poorer.housing_count = Some(poorer.housing_count.unwrap().min(1));
        poorer.has_business = Some(false);
        let after = assess(&poorer, &p);
        for i in 0..f.members.len() {
            prop_assert!(generosity(&after, i) <= generosity(&before, i));
        }
    }

    #[test]
    fn a_cliff_is_exact_one_fen_decides(f in arb_household()) {
        // A household already on Dibao may keep it through the 渐退期 past its cliff: the
        // cliff reports that separately (`taper_months`).
        let f = HouseholdFacts { currently_dibao: false, ..f };
        let p = params();
        let now = assess(&f, &p);
        for c in cliffs(&f, &p, &now) {
            let mut at = f.clone();
            at.income_total = at.income_total.map(|t| t + c.headroom_fen);
            prop_assert!(assess(&at, &p).household.contains(c.category));
            at.income_total = at.income_total.map(|t| t + 1);
            prop_assert!(!assess(&at, &p).household.contains(c.category));
        }
    }

    #[test]
    fn categories_are_never_assigned_on_unknown_income(f in arb_household()) {
        let p = params();
        let mut unknown = f.clone();
        unknown.income_total = None;
        let a = assess(&unknown, &p);
        prop_assert!(a.household.primary().is_none());
        for m in &a.members {
            prop_assert!(m.categories.primary().is_none(), "{:?}", m);
        }
    }
}

#[test]
fn a_category_set_is_stored_as_its_codes_and_an_unknown_code_is_refused() {
    let mut set = CategorySet::default();
    set.insert(Category::RelapseWatch);
    set.insert(Category::Dibao);
    assert_eq!(set.codes(), "dibao,relapse_watch");
    assert_eq!(CategorySet::from_codes(&set.codes()), Some(set));
    assert_eq!(CategorySet::from_codes(""), Some(CategorySet::default()));
    assert_eq!(CategorySet::from_codes("dibao,unknown"), None);
}

#[test]
fn every_shipped_example_has_its_source_in_english_and_no_other_text_does() {
    let rows = example_rows(0);
    assert!(!rows.is_empty());
    for row in &rows {
        let en = super::examples::source_in_english(&row.source)
            .unwrap_or_else(|| panic!("no English for {}", row.source));
        assert!(
            !en.chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '：' || c == '（'),
            "Chinese left in {en}"
        );
    }
    let dibao = rows
        .iter()
        .find(|r| r.source == "示例：张掖市农村低保标准")
        .expect("row");
    assert_eq!(
        super::examples::source_in_english(&dibao.source),
        Some("Example: Zhangye city rural Dibao standard")
    );
    assert_eq!(super::examples::source_in_english("民政厅文件"), None);
}

/// An example value in Liaoning never cites Zhangye's measures, nor one in Gansu Liaoning's
/// opinions: a province's example stands on its own text (or on a national one, or says the
/// local text sets none). Each key has one value per province, region and residence.
#[test]
fn each_province_s_examples_cite_only_texts_that_apply_there() {
    let rows = example_rows(0);
    for row in &rows {
        let province = &row.region.as_str()[..2];
        let foreign: &[&str] = match province {
            "21" => &["张政办发", "张掖", "Zhangye"],
            "62" => &["辽宁", "Liaoning"],
            other => panic!("an example outside the two provinces: {other}"),
        };
        let en = super::examples::source_in_english(&row.source).unwrap_or("");
        for text in foreign {
            assert!(
                !row.source.contains(text) && !en.contains(text),
                "{:?} in {} cites {text}: {}",
                row.key,
                row.region.as_str(),
                row.source
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        assert!(
            seen.insert((row.key, row.region.as_str().to_string(), row.residence)),
            "{:?} twice in {}",
            row.key,
            row.region.as_str()
        );
    }
    // Liaoning still has every key Gansu has, as a province.
    for key in rows
        .iter()
        .filter(|r| r.region.as_str() == "62")
        .map(|r| r.key)
    {
        assert!(
            rows.iter()
                .any(|r| r.region.as_str() == "21" && r.key == key),
            "{key:?} missing in Liaoning"
        );
    }
}

/// The members (bit i: member i) entitled to `kind`, 0 when nobody is.
fn who(a: &Assessment, kind: EntitlementKind) -> u32 {
    a.entitlements
        .iter()
        .filter(|e| e.kind == kind)
        .fold(0, |m, e| m | e.members)
}

#[test]
fn each_special_assistance_reaches_the_categories_and_members_its_clause_names() {
    use EntitlementKind::*;
    // What every member of a ranked category (Tekun, Dibao, marginal, rigid expense) receives.
    const RANKED: [EntitlementKind; 6] = [
        MedicalAssistance,
        DiseaseEmergency,
        Disaster,
        Heating,
        Funeral,
        LegalAid,
    ];
    let p = params();
    // Tekun (a lone elder, no labour): medical, disease emergency, disaster, heating, funeral,
    // legal aid, service (over the elderly age); no employment aid.
    let a = assess(&lone_elder(70), &p);
    assert_eq!(primary(&a, 0), Some(Category::Tekun));
    for kind in RANKED {
        assert_eq!(who(&a, kind), 0b1, "Tekun: {kind:?}");
    }
    assert_eq!(who(&a, ServiceAssistance), 0b1);
    assert_eq!(who(&a, Employment), 0);
    // Service assistance is for those who cannot look after themselves: a caseworker's finding
    // that the elder can takes it away; found dependent, or not yet assessed, it stays.
    let mut elder = lone_elder(70);
    elder.members[0].care_need = Some(CareNeed::SelfCare);
    assert_eq!(who(&assess(&elder, &p), ServiceAssistance), 0);
    elder.members[0].care_need = Some(CareNeed::PartlyDependent);
    assert_eq!(who(&assess(&elder, &p), ServiceAssistance), 0b1);

    // Dibao, two adults: employment aid only for the one out of work who can work.
    let mut f = household(2, 0);
    f.members[1].work = Some(WorkStatus::Unemployed);
    let a = assess(&f, &p);
    assert_eq!(primary(&a, 0), Some(Category::Dibao));
    assert_eq!(who(&a, Employment), 0b10);
    f.members[1].labour = Some(LabourCapacity::None);
    assert_eq!(who(&assess(&f, &p), Employment), 0);
    for kind in RANKED {
        assert_eq!(who(&a, kind), 0b11, "Dibao: {kind:?}");
    }
    // Adults of working age without a disability: no service assistance.
    assert_eq!(who(&a, ServiceAssistance), 0);

    // Relapse watch alone (income above every line): disease emergency aid (Liaoning
    // "…防止返贫监测对象等低收入人口", Zhangye "低收入人口出现急危重伤病"), legal aid, and
    // housing in the countryside; not the medical assistance of the ranked categories.
    let mut f = household(2, 100 * STD);
    f.relapse_watch = Some(true);
    let a = assess(&f, &p);
    assert!(a.household.contains(Category::RelapseWatch));
    assert_eq!(a.household.primary(), None);
    assert_eq!(who(&a, DiseaseEmergency), 0b11);
    assert_eq!(who(&a, LegalAid), 0b11);
    assert_eq!(who(&a, Housing), 0b11);
    for kind in [
        MedicalAssistance,
        Disaster,
        Heating,
        Funeral,
        Employment,
        BasicLiving,
    ] {
        assert_eq!(who(&a, kind), 0, "relapse watch: {kind:?}");
    }

    // Education where the texts differ: a relapse-watch student gets it under Zhangye's measures
    // ("低收入人口…在校学生"), not under Liaoning's (the ranked categories' households); each
    // region's own choice, a dated parameter (`education_reach`).
    f.members[1] = MemberFacts {
        age: Some(15),
        schooling: Some(Schooling::JuniorSecondary),
        ..adult()
    };
    assert_eq!(p.value(ParamKey::EducationReach), Some(1));
    assert_eq!(who(&assess(&f, &p), Education), 0b10);
    let liaoning = rural_params(&example_rows(0), "210102001001");
    assert_eq!(liaoning.value(ParamKey::EducationReach), Some(0));
    let a = assess(&f, &liaoning);
    assert!(a.household.contains(Category::RelapseWatch));
    assert_eq!(who(&a, Education), 0);
    assert_eq!(who(&a, DiseaseEmergency), 0b11);
    // A Dibao student gets it under both.
    let mut d = household(2, 0);
    d.members[1] = f.members[1].clone();
    assert_eq!(who(&assess(&d, &liaoning), Education), 0b10);
    assert_eq!(who(&assess(&d, &p), Education), 0b10);

    // No category: emergency aid only, and it names nobody in particular.
    let a = assess(&household(2, 100 * STD), &p);
    for kind in EntitlementKind::ALL {
        if kind != Emergency {
            assert_eq!(who(&a, kind), 0, "no category: {kind:?}");
        }
    }
}

/// Every function, test, parameter, table or module `docs/policy-clauses.md` names in backticks
/// is in the code (as a whole word of a source file): a renamed or removed function leaves the
/// map pointing at nothing, and this fails.
/// The counts at the top of `docs/policy-clauses.md` are the map's own: each row of its tables is
/// implemented and tested (a test in its last column; the entitlements' tests are named above
/// their table), manual (the row says who does it), or planned (with what brings it); none is
/// left untested.
#[test]
fn the_clause_map_counts_are_its_own_and_no_rule_is_untested() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let map = std::fs::read_to_string(root.join("docs/policy-clauses.md")).expect("the map");
    let (mut tested, mut manual, mut planned) = (0, 0, 0);
    let mut untested = Vec::new();
    let mut entitlements = false;
    for line in map.lines() {
        if line.starts_with("## ") {
            entitlements = false;
        }
        if line.starts_with("| Clause | Entitlement |") {
            entitlements = true;
        }
        let header = ["| Clause |", "| Requirement |", "|---"];
        if !line.starts_with("| ") || header.iter().any(|h| line.starts_with(h)) {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let last = cells.last().copied().unwrap_or("");
        if cells.iter().any(|c| c.starts_with("planned")) {
            planned += 1;
        } else if entitlements {
            if cells.get(2).is_some_and(|c| c.contains("**manual**")) {
                manual += 1;
            } else {
                tested += 1;
            }
        } else if !last.is_empty() && last != "—" {
            tested += 1;
        } else if line.contains("**manual**") {
            manual += 1;
        } else {
            untested.push(cells.first().copied().unwrap_or("").to_string());
        }
    }
    assert!(
        untested.is_empty(),
        "rows neither tested, manual nor planned: {untested:?}"
    );
    let counts = format!(
        "**{tested}** implemented and tested · **{manual}** manual · **{planned}** planned"
    );
    assert!(
        map.contains(&counts),
        "the map's counts should read: {counts}"
    );
}

#[test]
fn the_clause_map_names_only_code_that_exists() {
    use std::path::{Path, PathBuf};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let map = std::fs::read_to_string(root.join("docs/policy-clauses.md")).expect("the map");
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("node_modules") {
                    sources(&path, out);
                }
            } else if path
                .extension()
                .is_some_and(|e| e == "rs" || e == "mjs" || e == "sql")
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in [
        "app/src",
        "server/src",
        "server/tests",
        "end2end/tests",
        "migrations",
    ] {
        sources(&root.join(dir), &mut files);
    }
    let code: String = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect::<Vec<_>>()
        .join("\n");
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let has_word = |w: &str| {
        code.match_indices(w).any(|(i, _)| {
            let before = code[..i].chars().next_back();
            let after = code[i + w.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
    };
    let mut named = 0;
    let mut missing = Vec::new();
    for quoted in map.split('`').skip(1).step_by(2) {
        // The last part of a path (`domain::monitoring::medical_warnings`, `cycle/search`).
        let leaf = quoted
            .trim_matches(|c: char| !is_word(c))
            .rsplit([':', '/', '.'])
            .next()
            .unwrap_or("");
        let identifier = leaf.contains('_')
            && leaf.chars().all(is_word)
            && leaf.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if identifier {
            named += 1;
            if !has_word(leaf) {
                missing.push(quoted.to_string());
            }
        }
    }
    assert!(named > 50, "the map names {named} identifiers");
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "named in the map, not in the code"
    );
}
