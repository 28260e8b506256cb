//! 分层分类认定: which of the six categories a household and each member falls in, what that
//! unlocks, and the trace that explains it. Each criterion is a named function returning a
//! `Check` (outcome, the inputs and parameters it used); categories combine checks.

use super::clauses::{self, Clause};
use super::facts::{CareNeed, Disability, HouseholdFacts, MemberFacts, SupportMode};
use super::params::{ParamKey, ParameterSet};
use crate::domain::declaration::{
    DisabilityKind, Health, LabourCapacity, Residence, Schooling, WorkStatus,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

coded! {
    /// 低收入人口的六类
    #[derive(PartialOrd, Ord)]
    pub enum Category {
        /// 特困人员
        Tekun = "tekun",
        /// 低保对象
        Dibao = "dibao",
        /// 低保边缘家庭成员
        DibaoMarginal = "dibao_marginal",
        /// 刚性支出困难家庭成员
        RigidExpense = "rigid_expense",
        /// 防止返贫监测对象
        RelapseWatch = "relapse_watch",
        /// 其他困难人员
        OtherHardship = "other_hardship",
    }
}

impl Category {
    /// The categories a person can hold only one of, most generous first.
    pub const RANKED: [Category; 4] = [
        Category::Tekun,
        Category::Dibao,
        Category::DibaoMarginal,
        Category::RigidExpense,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// Position in `RANKED` (lower is more generous); `None` for the categories that add on.
    pub fn rank(self) -> Option<usize> {
        Self::RANKED.iter().position(|c| *c == self)
    }
}

/// A small set of categories (bit set), serialised as a list of codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "Vec<Category>", from = "Vec<Category>")]
pub struct CategorySet(u8);

impl CategorySet {
    pub fn contains(self, c: Category) -> bool {
        self.0 & c.bit() != 0
    }
    pub fn insert(&mut self, c: Category) {
        self.0 |= c.bit();
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |c| self.contains(*c))
    }
    /// The most generous of the ranked categories in the set.
    pub fn primary(self) -> Option<Category> {
        Category::RANKED.into_iter().find(|c| self.contains(*c))
    }
    /// As stored: the codes in declaration order, comma-separated (`dibao,relapse_watch`);
    /// empty for none.
    pub fn codes(self) -> String {
        self.iter()
            .map(Category::code)
            .collect::<Vec<_>>()
            .join(",")
    }
    /// Reads `codes()` back; `None` when any code is unknown (bad data is not dropped).
    pub fn from_codes(codes: &str) -> Option<Self> {
        let mut s = CategorySet::default();
        for code in codes.split(',').filter(|c| !c.is_empty()) {
            s.insert(Category::from_code(code)?);
        }
        Some(s)
    }
}

impl From<CategorySet> for Vec<Category> {
    fn from(s: CategorySet) -> Self {
        s.iter().collect()
    }
}

impl From<Vec<Category>> for CategorySet {
    fn from(v: Vec<Category>) -> Self {
        let mut s = CategorySet::default();
        v.into_iter().for_each(|c| s.insert(c));
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// A fact or parameter is missing; `Check::need` says which.
    Unknown,
}

/// All must pass: any failure fails, otherwise anything unknown leaves it unknown.
pub fn all_of(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut result = Outcome::Pass;
    for o in outcomes {
        match o {
            Outcome::Fail => return Outcome::Fail,
            Outcome::Unknown => result = Outcome::Unknown,
            Outcome::Pass => {}
        }
    }
    result
}

/// One passing is enough: any pass passes, otherwise anything unknown leaves it unknown.
pub fn any_of(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut result = Outcome::Fail;
    for o in outcomes {
        match o {
            Outcome::Pass => return Outcome::Pass,
            Outcome::Unknown => result = Outcome::Unknown,
            Outcome::Fail => {}
        }
    }
    result
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "of", content = "index")]
pub enum Subject {
    Household,
    Member(u8),
}

coded! {
    /// The criteria. Each is implemented by the function of the same (snake_case) name.
    pub enum Criterion {
        DibaoIncome = "dibao_income",
        DibaoDeposits = "dibao_deposits",
        HousingWithinLimit = "housing_within_limit",
        VehiclesWithinLimit = "vehicles_within_limit",
        BusinessWithinLimit = "business_within_limit",
        Taper = "taper",
        IndividualInclusion = "individual_inclusion",
        TekunCondition = "tekun_condition",
        TekunNoLabour = "tekun_no_labour",
        TekunNoIncome = "tekun_no_income",
        TekunNoSupporter = "tekun_no_supporter",
        MarginalIncome = "marginal_income",
        MarginalDeposits = "marginal_deposits",
        RigidIncome = "rigid_income",
        RigidSpending = "rigid_spending",
        RelapseListed = "relapse_listed",
        OtherDetermined = "other_determined",
    }
}

impl Criterion {
    /// The clauses the criterion implements (document and section).
    pub fn clauses(self) -> &'static [Clause] {
        use clauses::*;
        match self {
            Criterion::DibaoIncome => &[DIBAO_NATIONAL, ZY_STANDARDS, ZY_EMPLOYMENT],
            Criterion::DibaoDeposits
            | Criterion::HousingWithinLimit
            | Criterion::VehiclesWithinLimit
            | Criterion::BusinessWithinLimit => &[DIBAO_NATIONAL, ZY_SCOPE],
            Criterion::Taper => &[ZY_EMPLOYMENT],
            Criterion::IndividualInclusion => &[LN_BASIC_LIVING, ZY_BASIC_LIVING],
            Criterion::TekunCondition => &[TEKUN_NATIONAL, TEKUN_CONDITIONS, TEKUN_NO_LABOUR],
            Criterion::TekunNoLabour => &[TEKUN_CONDITIONS, TEKUN_NO_LABOUR],
            Criterion::TekunNoIncome | Criterion::TekunNoSupporter => {
                &[TEKUN_NATIONAL, TEKUN_CONDITIONS]
            }
            Criterion::MarginalIncome | Criterion::MarginalDeposits => {
                &[MARGINAL_NATIONAL, ZY_STANDARDS, LN_SCOPE]
            }
            Criterion::RigidIncome | Criterion::RigidSpending => &[ZY_STANDARDS, LN_SCOPE],
            Criterion::RelapseListed => &[ZY_MUTUAL_RECOGNITION, ZY_RECOGNITION],
            Criterion::OtherDetermined => &[ZY_STANDARDS, LN_SCOPE],
        }
    }
}

coded! {
    /// A fact an explanation shows next to a criterion (sent and stored as its code, the
    /// variant's snake_case name, as serde spelled it).
    pub enum Fact {
        Residence = "residence",
        HouseholdSize = "household_size",
        IncomeTotal = "income_total",
        EmploymentDeduction = "employment_deduction",
        PerCapitaIncome = "per_capita_income",
        IncomeLine = "income_line",
        Deposits = "deposits",
        DepositLimit = "deposit_limit",
        HousingCount = "housing_count",
        Vehicles = "vehicles",
        HasBusiness = "has_business",
        RigidSpending12m = "rigid_spending12m",
        Income12m = "income12m",
        /// The 12 months' income taken as the month × 12 (none declared, or a sudden change).
        Income12mFromMonth = "income12m_from_month",
        Age = "age",
        Schooling = "schooling",
        Disability = "disability",
        Health = "health",
        Work = "work",
        Labour = "labour",
        SupporterAble = "supporter_able",
        RelapseList = "relapse_list",
        StaffDetermination = "staff_determination",
        CurrentlyDibao = "currently_dibao",
        IncomeWithoutEmployment = "income_without_employment",
        /// The day a running 渐退期 began.
        TaperSince = "taper_since",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "t", content = "v")]
pub enum Value {
    Fen(i64),
    Count(i64),
    Years(u32),
    Flag(bool),
    Residence(Residence),
    Schooling(Schooling),
    Disability(Disability),
    Health(Health),
    Work(WorkStatus),
    Labour(LabourCapacity),
    Day(NaiveDate),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub fact: Fact,
    pub value: Value,
}

/// What an unknown outcome is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "t", content = "v")]
pub enum Need {
    Fact(Fact),
    Param(ParamKey),
}

const MAX_INPUTS: usize = 6;
const MAX_PARAMS: usize = 4;

/// One criterion evaluated: the unit of the trace. Fixed-size lists keep an assessment to a
/// handful of allocations (it runs for every stored household in a what-if).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CheckRepr", into = "CheckRepr")]
pub struct Check {
    pub criterion: Criterion,
    pub subject: Subject,
    pub outcome: Outcome,
    inputs: [Option<Input>; MAX_INPUTS],
    params: [Option<ParamKey>; MAX_PARAMS],
    pub need: Option<Need>,
}

#[derive(Clone, Serialize, Deserialize)]
struct CheckRepr {
    criterion: Criterion,
    subject: Subject,
    outcome: Outcome,
    #[serde(default)]
    inputs: Vec<Input>,
    #[serde(default)]
    params: Vec<ParamKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    need: Option<Need>,
}

impl From<Check> for CheckRepr {
    fn from(c: Check) -> Self {
        CheckRepr {
            criterion: c.criterion,
            subject: c.subject,
            outcome: c.outcome,
            inputs: c.inputs().collect(),
            params: c.params().collect(),
            need: c.need,
        }
    }
}

impl From<CheckRepr> for Check {
    fn from(r: CheckRepr) -> Self {
        let mut c = Check::new(r.criterion, r.subject);
        r.inputs
            .into_iter()
            .for_each(|i| c.push_input(i.fact, i.value));
        r.params.into_iter().for_each(|p| c.push_param(p));
        c.outcome = r.outcome;
        c.need = r.need;
        c
    }
}

impl Check {
    fn new(criterion: Criterion, subject: Subject) -> Self {
        Check {
            criterion,
            subject,
            outcome: Outcome::Unknown,
            inputs: [None; MAX_INPUTS],
            params: [None; MAX_PARAMS],
            need: None,
        }
    }

    fn push_input(&mut self, fact: Fact, value: Value) {
        if let Some(slot) = self.inputs.iter_mut().find(|s| s.is_none()) {
            *slot = Some(Input { fact, value });
        }
    }

    fn push_param(&mut self, key: ParamKey) {
        if let Some(slot) = self.params.iter_mut().find(|s| s.is_none()) {
            *slot = Some(key);
        }
    }

    pub fn inputs(&self) -> impl Iterator<Item = Input> + '_ {
        self.inputs.iter().flatten().copied()
    }

    pub fn params(&self) -> impl Iterator<Item = ParamKey> + '_ {
        self.params.iter().flatten().copied()
    }

    fn unknown(&mut self, need: Need) -> Stop {
        self.outcome = Outcome::Unknown;
        self.need = Some(need);
        Stop
    }

    fn decided(mut self, pass: bool) -> Self {
        self.outcome = if pass { Outcome::Pass } else { Outcome::Fail };
        self
    }

    /// Reads a parameter into the trace, or `Err` with the check marked unknown.
    fn param(&mut self, p: &ParameterSet, key: ParamKey) -> Result<i64, Stop> {
        self.push_param(key);
        p.value(key).ok_or_else(|| self.unknown(Need::Param(key)))
    }

    fn fact<T>(
        &mut self,
        v: Option<T>,
        fact: Fact,
        as_value: impl Fn(&T) -> Value,
    ) -> Result<T, Stop> {
        match v {
            Some(v) => {
                self.push_input(fact, as_value(&v));
                Ok(v)
            }
            None => Err(self.unknown(Need::Fact(fact))),
        }
    }
}

/// A criterion stopped at a missing fact or parameter; the check already says which.
struct Stop;

/// Runs a criterion body that may stop with an unknown outcome via `?`.
fn evaluate(
    criterion: Criterion,
    subject: Subject,
    body: impl FnOnce(&mut Check) -> Result<bool, Stop>,
) -> Check {
    let mut c = Check::new(criterion, subject);
    match body(&mut c) {
        Ok(pass) => c.decided(pass),
        Err(Stop) => c,
    }
}

/// Monthly household income after the employment-cost deduction (Zhangye (八) 就业救助:
/// "对已就业的低保对象，在核算其家庭收入时，扣减必要的就业成本"): for a household receiving Dibao
/// only (an applicant's income is counted whole), per employed member, never more than what
/// employment brought in.
pub struct CountedIncome {
    pub total: i64,
    pub employment: i64,
    pub employed: i64,
    pub deduction: i64,
    pub counted: i64,
}

pub fn counted_income(f: &HouseholdFacts, p: &ParameterSet) -> Result<CountedIncome, Need> {
    let total = f.income_total.ok_or(Need::Fact(Fact::IncomeTotal))?;
    let employment = f.income_employment.unwrap_or(0);
    let employed = f.members.iter().filter(|m| m.is_employed()).count() as i64;
    let deduction = if !f.currently_dibao || employed == 0 || employment == 0 {
        0
    } else {
        let per = p
            .value(ParamKey::EmploymentCostDeduction)
            .ok_or(Need::Param(ParamKey::EmploymentCostDeduction))?;
        (per * employed).min(employment)
    };
    Ok(CountedIncome {
        total,
        employment,
        employed,
        deduction,
        counted: total - deduction,
    })
}

/// The counted income, or the check stops unknown with what it needs.
fn counted(c: &mut Check, f: &HouseholdFacts, p: &ParameterSet) -> Result<CountedIncome, Stop> {
    counted_income(f, p).map_err(|need| {
        if let Need::Param(k) = need {
            c.push_param(k);
        }
        c.unknown(need)
    })
}

/// Reads household size and counted income into a check.
fn income_inputs(
    c: &mut Check,
    f: &HouseholdFacts,
    p: &ParameterSet,
) -> Result<(i64, CountedIncome), Stop> {
    let n = f.size();
    if n == 0 {
        return Err(c.unknown(Need::Fact(Fact::HouseholdSize)));
    }
    c.push_input(Fact::HouseholdSize, Value::Count(n));
    let income = counted(c, f, p)?;
    c.push_input(Fact::IncomeTotal, Value::Fen(income.total));
    if income.deduction > 0 {
        c.push_param(ParamKey::EmploymentCostDeduction);
        c.push_input(Fact::EmploymentDeduction, Value::Fen(income.deduction));
    }
    c.push_input(Fact::PerCapitaIncome, Value::Fen(income.counted / n));
    Ok((n, income))
}

fn standard(c: &mut Check, f: &HouseholdFacts, p: &ParameterSet) -> Result<i64, Stop> {
    // The standard has urban and rural values, so it needs the household's residence.
    if f.residence.is_none() && p.residence.is_none() {
        c.push_param(ParamKey::DibaoStandard);
        return Err(c.unknown(Need::Fact(Fact::Residence)));
    }
    c.param(p, ParamKey::DibaoStandard)
}

/// 低保: monthly per-capita counted income strictly below the local standard.
pub fn dibao_income(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::DibaoIncome, Subject::Household, |c| {
        let std = standard(c, f, p)?;
        let (n, inc) = income_inputs(c, f, p)?;
        Ok((inc.counted as i128) < (std as i128) * (n as i128))
    })
}

fn deposits_within(
    c: &mut Check,
    f: &HouseholdFacts,
    p: &ParameterSet,
    months_key: ParamKey,
) -> Result<bool, Stop> {
    let std = standard(c, f, p)?;
    let months = c.param(p, months_key)?;
    let n = f.size().max(1);
    let deposits = c.fact(f.deposits, Fact::Deposits, |v| Value::Fen(*v))?;
    let limit = (months as i128) * (std as i128) * (n as i128);
    c.push_input(
        Fact::DepositLimit,
        Value::Fen(limit.min(i64::MAX as i128) as i64),
    );
    Ok((deposits as i128) <= limit)
}

/// 低保家庭财产: deposits per capita at most N months of the standard.
pub fn dibao_deposits(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::DibaoDeposits, Subject::Household, |c| {
        deposits_within(c, f, p, ParamKey::DibaoDepositMonths)
    })
}

/// 低保边缘/刚性支出家庭财产: deposits per capita at most M months of the standard.
pub fn marginal_deposits(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::MarginalDeposits, Subject::Household, |c| {
        deposits_within(c, f, p, ParamKey::MarginalDepositMonths)
    })
}

pub fn housing_within_limit(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::HousingWithinLimit, Subject::Household, |c| {
        let max = c.param(p, ParamKey::MaxHousing)?;
        let n = c.fact(f.housing_count, Fact::HousingCount, |v| {
            Value::Count(*v as i64)
        })?;
        Ok(n as i64 <= max)
    })
}

pub fn vehicles_within_limit(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::VehiclesWithinLimit, Subject::Household, |c| {
        let max = c.param(p, ParamKey::MaxVehicles)?;
        let n = c.fact(f.vehicles, Fact::Vehicles, |v| Value::Count(*v as i64))?;
        Ok(n as i64 <= max)
    })
}

pub fn business_within_limit(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::BusinessWithinLimit, Subject::Household, |c| {
        let excludes = c.param(p, ParamKey::BusinessExcludes)?;
        let has = c.fact(f.has_business, Fact::HasBusiness, |v| Value::Flag(*v))?;
        Ok(!(has && excludes == 1))
    })
}

/// 渐退期: a Dibao household whose income rose above the standard only through employment
/// keeps its aid for a number of months (Zhangye (八) 就业救助), counted from the day the taper
/// began (`taper_since`) when one is running.
pub fn taper(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::Taper, Subject::Household, |c| {
        c.push_input(Fact::CurrentlyDibao, Value::Flag(f.currently_dibao));
        if !f.currently_dibao {
            return Ok(false);
        }
        let months = c.param(p, ParamKey::TaperMonths)?;
        if let Some(since) = f.taper_since {
            c.push_input(Fact::TaperSince, Value::Day(since));
            // 不超过6个月: a taper that began its months ago is over, whatever the income.
            if p.on >= crate::domain::cycle::add_months(since, months) {
                return Ok(false);
            }
        }
        let std = standard(c, f, p)?;
        let (n, inc) = income_inputs(c, f, p)?;
        let line = (std as i128) * (n as i128);
        let without = inc.counted - (inc.employment - inc.deduction);
        c.push_input(Fact::IncomeWithoutEmployment, Value::Fen(without));
        Ok(months > 0 && inc.counted as i128 >= line && (without as i128) < line)
    })
}

fn severe_disability(c: &mut Check, m: &MemberFacts, p: &ParameterSet) -> Result<bool, Stop> {
    let d = c.fact(m.disability, Fact::Disability, |v| Value::Disability(*v))?;
    let Some(grade) = d.grade else {
        return Ok(false);
    };
    if d.kind == DisabilityKind::None {
        return Ok(false);
    }
    let severe = c.param(p, ParamKey::SevereDisabilityGrade)?;
    if (grade as i64) <= severe {
        return Ok(true);
    }
    if matches!(
        d.kind,
        DisabilityKind::Intellectual | DisabilityKind::Mental
    ) {
        let im = c.param(p, ParamKey::IntellectualMentalGrade)?;
        return Ok((grade as i64) <= im);
    }
    Ok(false)
}

/// 特困 condition of the person: elderly, severely disabled, a minor, or a student under the
/// student age.
pub fn tekun_condition(m: &MemberFacts, i: u8, p: &ParameterSet) -> Check {
    evaluate(Criterion::TekunCondition, Subject::Member(i), |c| {
        // A severe disability qualifies at any age, so check it first.
        if m.disability.is_some() && severe_disability(c, m, p)? {
            return Ok(true);
        }
        let age = c.fact(m.age, Fact::Age, |v| Value::Years(*v))?;
        let elderly = c.param(p, ParamKey::ElderlyAge)?;
        let minor = c.param(p, ParamKey::MinorAge)?;
        if age as i64 >= elderly || (age as i64) < minor {
            return Ok(true);
        }
        let student = c.param(p, ParamKey::StudentAge)?;
        if (age as i64) < student {
            let in_school = c.fact(m.in_school(), Fact::Schooling, |v| Value::Flag(*v))?;
            return Ok(in_school);
        }
        if m.disability.is_none() {
            return Err(c.unknown(Need::Fact(Fact::Disability)));
        }
        Ok(false)
    })
}

/// 无劳动能力.
pub fn tekun_no_labour(m: &MemberFacts, i: u8) -> Check {
    evaluate(Criterion::TekunNoLabour, Subject::Member(i), |c| {
        let l = c.fact(m.labour, Fact::Labour, |v| Value::Labour(*v))?;
        Ok(l == LabourCapacity::None)
    })
}

/// 无生活来源: no work of one's own, and the household's counted income per capita below the
/// standard (the declaration records income per household, not per person).
pub fn tekun_no_income(m: &MemberFacts, i: u8, f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::TekunNoIncome, Subject::Member(i), |c| {
        let work = c.fact(m.work, Fact::Work, |v| Value::Work(*v))?;
        if matches!(
            work,
            WorkStatus::Employed | WorkStatus::SelfEmployed | WorkStatus::Farming
        ) {
            return Ok(false);
        }
        let std = standard(c, f, p)?;
        let (n, inc) = income_inputs(c, f, p)?;
        Ok((inc.counted as i128) < (std as i128) * (n as i128))
    })
}

/// 无法定义务人或义务人无能力: verified by staff, so unknown on a declaration alone.
pub fn tekun_no_supporter(m: &MemberFacts, i: u8) -> Check {
    evaluate(Criterion::TekunNoSupporter, Subject::Member(i), |c| {
        let able = c.fact(m.supporter_able, Fact::SupporterAble, |v| Value::Flag(*v))?;
        Ok(!able)
    })
}

/// 单人户纳入低保: a seriously ill or severely disabled member of a marginal household, or an
/// adult jobless severely disabled person (Liaoning 二(三)1, Zhangye (七)). This checks the
/// person; the household's marginal income and assets are separate checks.
pub fn individual_inclusion(m: &MemberFacts, i: u8, p: &ParameterSet) -> Check {
    evaluate(Criterion::IndividualInclusion, Subject::Member(i), |c| {
        let health = c.fact(m.health, Fact::Health, |v| Value::Health(*v))?;
        if health == Health::SeriousIllness {
            return Ok(true);
        }
        // Severe disability qualifies within a marginal household; the adult jobless rule
        // needs the same severity, so one test covers both routes.
        severe_disability(c, m, p)
    })
}

/// 低保边缘: per-capita counted income below multiplier × standard.
pub fn marginal_income(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::MarginalIncome, Subject::Household, |c| {
        let std = standard(c, f, p)?;
        let mult = c.param(p, ParamKey::MarginalMultiplier)?;
        let (n, inc) = income_inputs(c, f, p)?;
        c.push_input(
            Fact::IncomeLine,
            Value::Fen(((std as i128) * (mult as i128) / 1000) as i64),
        );
        Ok((inc.counted as i128) * 1000 < (mult as i128) * (std as i128) * (n as i128))
    })
}

/// 刚性支出困难 (income): per-capita counted income below last year's per-capita disposable income.
pub fn rigid_income(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::RigidIncome, Subject::Household, |c| {
        let line = c.param(p, ParamKey::DisposableIncomeLastYear)?;
        let (n, inc) = income_inputs(c, f, p)?;
        let income = income_12m(c, f, &inc);
        Ok((income as i128) < (line as i128) * (n as i128))
    })
}

/// The household's income of the last 12 months, the one notion both rigid-expense tests use:
/// as declared, or the counted monthly income × 12 when none was declared or the income changed
/// suddenly (the trace says which). The employment-cost deduction applies as to the month.
fn income_12m(c: &mut Check, f: &HouseholdFacts, inc: &CountedIncome) -> i64 {
    match f.income_12m {
        Some(declared) => {
            let counted = (declared - inc.deduction * 12).max(0);
            c.push_input(Fact::Income12m, Value::Fen(counted));
            counted
        }
        None => {
            c.push_input(Fact::Income12mFromMonth, Value::Fen(inc.counted * 12));
            inc.counted * 12
        }
    }
}

/// 刚性支出困难 (spending): medical, education and disability spending of 12 months (因病、
/// 因学、因残) above a share of the household's income of the same 12 months.
pub fn rigid_spending(f: &HouseholdFacts, p: &ParameterSet) -> Check {
    evaluate(Criterion::RigidSpending, Subject::Household, |c| {
        let share = c.param(p, ParamKey::RigidSpendingShare)?;
        let spend = c.fact(f.rigid_spending_12m, Fact::RigidSpending12m, |v| {
            Value::Fen(*v)
        })?;
        let inc = counted(c, f, p)?;
        let income = income_12m(c, f, &inc);
        Ok((spend as i128) * 1000 > (share as i128) * (income as i128))
    })
}

/// 防止返贫监测对象: recognised from the department's list, never re-screened (对象互认).
pub fn relapse_listed(f: &HouseholdFacts) -> Check {
    evaluate(Criterion::RelapseListed, Subject::Household, |c| {
        c.fact(f.relapse_watch, Fact::RelapseList, |v| Value::Flag(*v))
    })
}

/// 其他困难人员: a staff determination with a reason.
pub fn other_determined(f: &HouseholdFacts) -> Check {
    evaluate(Criterion::OtherDetermined, Subject::Household, |c| {
        let reason = f
            .other_hardship_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        c.fact(reason.map(|_| true), Fact::StaffDetermination, |v| {
            Value::Flag(*v)
        })
    })
}

/// The category a subject meets on its own criteria, before one category excludes another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub category: Category,
    pub subject: Subject,
    pub outcome: Outcome,
    /// The criteria it combined (indexes into `Assessment::checks`).
    pub checks: CheckIndexes,
    /// Dibao by the 渐退期 (months of continued aid).
    pub taper_months: Option<u8>,
    /// Dibao as a single-person household (单人户).
    pub individual: bool,
}

/// Up to eight indexes into `Assessment::checks`, serialised as a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<u8>", from = "Vec<u8>")]
pub struct CheckIndexes {
    len: u8,
    items: [u8; 8],
}

impl CheckIndexes {
    fn push(&mut self, i: usize) {
        if (self.len as usize) < self.items.len() {
            self.items[self.len as usize] = i as u8;
            self.len += 1;
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.items[..self.len as usize].iter().map(|i| *i as usize)
    }
}

impl From<CheckIndexes> for Vec<u8> {
    fn from(c: CheckIndexes) -> Self {
        c.items[..c.len as usize].to_vec()
    }
}

impl From<Vec<u8>> for CheckIndexes {
    fn from(v: Vec<u8>) -> Self {
        let mut c = CheckIndexes::default();
        v.into_iter().for_each(|i| c.push(i as usize));
        c
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberResult {
    /// The categories the member falls in: at most one ranked category plus add-ons.
    pub categories: CategorySet,
    /// More generous categories that stay open until missing facts are known.
    pub possible: CategorySet,
    pub support_mode: Option<SupportMode>,
    pub care_need: Option<CareNeed>,
}

coded! {
    #[derive(PartialOrd, Ord)]
    pub enum EntitlementKind {
        BasicLiving = "basic_living",
        PremiumSubsidy = "premium_subsidy",
        MedicalAssistance = "medical_assistance",
        /// 疾病应急救助: the disease emergency fund pays a low-income person's costs of an
        /// emergency, critical or serious illness. Every low-income category, relapse watch and
        /// other hardship included (Liaoning 二(三)2(1) "…防止返贫监测对象等低收入人口";
        /// Zhangye (八) "对符合条件的低收入人口出现急危重伤病的").
        DiseaseEmergency = "disease_emergency",
        Education = "education",
        Housing = "housing",
        Employment = "employment",
        Disaster = "disaster",
        Heating = "heating",
        Funeral = "funeral",
        LegalAid = "legal_aid",
        ServiceAssistance = "service_assistance",
        Emergency = "emergency",
    }
}

impl EntitlementKind {
    pub fn clauses(self) -> &'static [Clause] {
        use clauses::*;
        match self {
            EntitlementKind::BasicLiving => &[LN_BASIC_LIVING, ZY_BASIC_LIVING],
            EntitlementKind::PremiumSubsidy => &[LN_MEDICAL, ZY_MEDICAL],
            EntitlementKind::MedicalAssistance => &[LN_MEDICAL, ZY_MEDICAL],
            EntitlementKind::DiseaseEmergency => &[LN_MEDICAL, ZY_MEDICAL],
            EntitlementKind::Education => &[LN_EDUCATION, ZY_EDUCATION],
            EntitlementKind::Housing => &[LN_HOUSING, ZY_HOUSING],
            EntitlementKind::Employment => &[LN_EMPLOYMENT, ZY_EMPLOYMENT],
            EntitlementKind::Disaster => &[LN_DISASTER, ZY_DISASTER],
            EntitlementKind::Heating | EntitlementKind::Funeral => &[LN_OTHER_AID, ZY_OTHER_AID],
            EntitlementKind::LegalAid => &[LN_OTHER_AID],
            EntitlementKind::ServiceAssistance => &[LN_SERVICE, ZY_SERVICE],
            EntitlementKind::Emergency => &[LN_EMERGENCY, ZY_EMERGENCY],
        }
    }
}

/// Something the household or some members are entitled to, and through which category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlement {
    pub kind: EntitlementKind,
    /// `None`: not bound to a category (急难救助).
    pub via: Option<Category>,
    /// Members concerned, as a bit set of member indexes.
    pub members: u32,
    /// An estimated monthly amount (basic living aid), fen.
    pub monthly_fen: Option<i64>,
    /// An estimated yearly amount (premium subsidy), fen.
    pub yearly_fen: Option<i64>,
    /// Months of continued aid in the 渐退期.
    pub taper_months: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub on: NaiveDate,
    pub checks: Vec<Check>,
    pub verdicts: Vec<Verdict>,
    pub members: Vec<MemberResult>,
    /// The categories the household as a unit falls in.
    pub household: CategorySet,
    pub entitlements: Vec<Entitlement>,
}

impl Assessment {
    pub fn verdict(&self, category: Category, subject: Subject) -> Option<&Verdict> {
        self.verdicts
            .iter()
            .find(|v| v.category == category && v.subject == subject)
    }

    pub fn checks_of<'a>(&'a self, v: &'a Verdict) -> impl Iterator<Item = &'a Check> + 'a {
        v.checks.iter().filter_map(|i| self.checks.get(i))
    }

    /// Every category any member falls in.
    pub fn categories(&self) -> CategorySet {
        let mut s = self.household;
        for m in &self.members {
            m.categories.iter().for_each(|c| s.insert(c));
        }
        s
    }

    pub fn entitled_to(&self, kind: EntitlementKind) -> bool {
        self.entitlements.iter().any(|e| e.kind == kind)
    }

    /// The months of 渐退期 this assessment found: the household receives Dibao and its income
    /// rose above the standard only through employment (Zhangye (八); [`taper`]). `None` when
    /// it did not: an exit then ends aid on its day.
    pub fn taper_earned(&self) -> Option<u8> {
        self.verdict(Category::Dibao, Subject::Household)
            .filter(|v| v.outcome == Outcome::Pass)
            .and_then(|v| v.taper_months)
    }
}

struct Builder {
    checks: Vec<Check>,
    verdicts: Vec<Verdict>,
}

impl Builder {
    fn add(&mut self, c: Check) -> usize {
        self.checks.push(c);
        self.checks.len() - 1
    }

    fn verdict(&mut self, category: Category, subject: Subject, idx: &[usize]) -> Outcome {
        let outcome = all_of(idx.iter().map(|i| self.checks[*i].outcome));
        let mut checks = CheckIndexes::default();
        idx.iter().for_each(|i| checks.push(*i));
        self.verdicts.push(Verdict {
            category,
            subject,
            outcome,
            checks,
            taper_months: None,
            individual: false,
        });
        outcome
    }
}

/// Assesses a household against the parameters in force (`p.on`). Pure: the browser's
/// estimate and the server's record run exactly this.
pub fn assess(f: &HouseholdFacts, p: &ParameterSet) -> Assessment {
    let mut b = Builder {
        checks: Vec::with_capacity(16 + 5 * f.members.len()),
        verdicts: Vec::with_capacity(6 + 2 * f.members.len()),
    };
    let di = b.add(dibao_income(f, p));
    let dd = b.add(dibao_deposits(f, p));
    let hs = b.add(housing_within_limit(f, p));
    let vh = b.add(vehicles_within_limit(f, p));
    let bz = b.add(business_within_limit(f, p));
    let mi = b.add(marginal_income(f, p));
    let md = b.add(marginal_deposits(f, p));
    let ri = b.add(rigid_income(f, p));
    let rs = b.add(rigid_spending(f, p));
    let rl = b.add(relapse_listed(f));
    let od = b.add(other_determined(f));

    let mut dibao = b.verdict(Category::Dibao, Subject::Household, &[di, dd, hs, vh, bz]);
    if f.currently_dibao && dibao != Outcome::Pass {
        let tp = b.add(taper(f, p));
        let with_taper = all_of([
            b.checks[tp].outcome,
            b.checks[dd].outcome,
            b.checks[hs].outcome,
            b.checks[vh].outcome,
            b.checks[bz].outcome,
        ]);
        if with_taper != Outcome::Fail {
            let v = b.verdicts.last_mut().expect("dibao verdict");
            v.outcome = any_of([v.outcome, with_taper]);
            v.checks.push(tp);
            if with_taper == Outcome::Pass {
                v.taper_months = p
                    .value(ParamKey::TaperMonths)
                    .and_then(|m| u8::try_from(m).ok());
            }
            dibao = v.outcome;
        }
    }
    let marginal = b.verdict(
        Category::DibaoMarginal,
        Subject::Household,
        &[mi, md, hs, vh, bz],
    );
    let rigid = b.verdict(
        Category::RigidExpense,
        Subject::Household,
        &[ri, rs, md, hs, vh, bz],
    );
    let relapse = b.verdict(Category::RelapseWatch, Subject::Household, &[rl]);
    let other = b.verdict(Category::OtherHardship, Subject::Household, &[od]);

    // The household falls in the most generous ranked category it meets.
    let mut household = CategorySet::default();
    let mut household_possible = CategorySet::default();
    for (cat, out) in [
        (Category::Dibao, dibao),
        (Category::DibaoMarginal, marginal),
        (Category::RigidExpense, rigid),
    ] {
        match out {
            Outcome::Pass => {
                household.insert(cat);
                break;
            }
            Outcome::Unknown => household_possible.insert(cat),
            Outcome::Fail => {}
        }
    }
    if relapse == Outcome::Pass {
        household.insert(Category::RelapseWatch);
    }
    if other == Outcome::Pass {
        household.insert(Category::OtherHardship);
    }

    let mut members = Vec::with_capacity(f.members.len());
    // Members are bounded by the declaration (20); member sets are 32-bit.
    for (i, m) in f.members.iter().enumerate().take(32) {
        let s = i as u8;
        let tc = b.add(tekun_condition(m, s, p));
        let tl = b.add(tekun_no_labour(m, s));
        let tn = b.add(tekun_no_income(m, s, f, p));
        let ts = b.add(tekun_no_supporter(m, s));
        let tekun = b.verdict(Category::Tekun, Subject::Member(s), &[tc, tl, tn, ts]);
        let ii = b.add(individual_inclusion(m, s, p));
        let mut individual = b.verdict(
            Category::Dibao,
            Subject::Member(s),
            &[ii, mi, md, hs, vh, bz],
        );
        b.verdicts
            .last_mut()
            .expect("individual verdict")
            .individual = true;
        // Individual inclusion is for members of households that are not Dibao already.
        if dibao == Outcome::Pass {
            individual = Outcome::Fail;
        }
        let member_dibao = any_of([dibao, individual]);

        let mut categories = CategorySet::default();
        let mut possible = CategorySet::default();
        for (cat, out) in [
            (Category::Tekun, tekun),
            (Category::Dibao, member_dibao),
            (Category::DibaoMarginal, marginal),
            (Category::RigidExpense, rigid),
        ] {
            match out {
                Outcome::Pass => {
                    categories.insert(cat);
                    break;
                }
                Outcome::Unknown => possible.insert(cat),
                Outcome::Fail => {}
            }
        }
        if relapse == Outcome::Pass {
            categories.insert(Category::RelapseWatch);
        }
        if other == Outcome::Pass {
            categories.insert(Category::OtherHardship);
        }
        let tekun_pass = tekun == Outcome::Pass;
        members.push(MemberResult {
            categories,
            possible,
            support_mode: if tekun_pass { m.support_mode } else { None },
            care_need: if tekun_pass { m.care_need } else { None },
        });
    }
    let entitlements = entitlements(f, p, &b.verdicts, &members, household);
    Assessment {
        on: p.on,
        checks: b.checks,
        verdicts: b.verdicts,
        members,
        household,
        entitlements,
    }
}

fn entitlements(
    f: &HouseholdFacts,
    p: &ParameterSet,
    verdicts: &[Verdict],
    members: &[MemberResult],
    household: CategorySet,
) -> Vec<Entitlement> {
    let mut out = Vec::with_capacity(8);
    let std = p.value(ParamKey::DibaoStandard);
    let premium = p.value(ParamKey::PremiumIndividual);
    let n = f.size();
    let mask = |pred: &dyn Fn(usize, &MemberResult) -> bool| -> u32 {
        members
            .iter()
            .enumerate()
            .filter(|(i, m)| pred(*i, m))
            .fold(0u32, |acc, (i, _)| acc | (1 << i))
    };
    let count = |m: u32| m.count_ones() as i64;
    let primary_is =
        |c: Category| move |_: usize, m: &MemberResult| m.categories.primary() == Some(c);
    let dibao_household = verdicts
        .iter()
        .find(|v| v.category == Category::Dibao && v.subject == Subject::Household);

    // 基本生活救助: Dibao (household gap, or the standard for a single-person inclusion), Tekun.
    let tekun = mask(&primary_is(Category::Tekun));
    if tekun != 0 {
        let ratio = p.value(ParamKey::TekunStandardRatio);
        let monthly = std.zip(ratio).map(|(s, r)| s * r / 1000 * count(tekun));
        out.push(Entitlement {
            kind: EntitlementKind::BasicLiving,
            via: Some(Category::Tekun),
            members: tekun,
            monthly_fen: monthly,
            yearly_fen: None,
            taper_months: None,
        });
    }
    let dibao = mask(&primary_is(Category::Dibao));
    if dibao != 0 {
        let (monthly, taper_months) = if household.contains(Category::Dibao) {
            let taper = dibao_household.and_then(|v| v.taper_months);
            let gap = match (std, counted_income(f, p)) {
                (Some(s), Ok(inc)) if taper.is_none() => Some((s * n - inc.counted).max(0)),
                _ => None,
            };
            (gap, taper)
        } else {
            (std.map(|s| s * count(dibao)), None)
        };
        out.push(Entitlement {
            kind: EntitlementKind::BasicLiving,
            via: Some(Category::Dibao),
            members: dibao,
            monthly_fen: monthly,
            yearly_fen: None,
            taper_months,
        });
    }

    // 医保个人缴费资助: Tekun in full, Dibao a fixed amount (never more than the contribution
    // itself: the subsidy pays the contribution, issue 19), marginal a share.
    let marginal = mask(&primary_is(Category::DibaoMarginal));
    let premium_by = [
        (
            Category::Tekun,
            tekun,
            premium
                .zip(p.value(ParamKey::PremiumTekunShare))
                .map(|(a, s)| a * s / 1000),
        ),
        (
            Category::Dibao,
            dibao,
            p.value(ParamKey::PremiumDibaoFixed)
                .zip(premium)
                .map(|(fixed, premium)| fixed.min(premium)),
        ),
        (
            Category::DibaoMarginal,
            marginal,
            premium
                .zip(p.value(ParamKey::PremiumMarginalShare))
                .map(|(a, s)| a * s / 1000),
        ),
    ];
    for (cat, who, each) in premium_by {
        if who != 0 {
            out.push(Entitlement {
                kind: EntitlementKind::PremiumSubsidy,
                via: Some(cat),
                members: who,
                monthly_fen: None,
                yearly_fen: each.map(|e| e * count(who)),
                taper_months: None,
            });
        }
    }

    let ranked = |_: usize, m: &MemberResult| m.categories.primary().is_some();
    let any = |_: usize, m: &MemberResult| !m.categories.is_empty();
    let rural = f.residence == Some(Residence::Rural);
    let elderly = p.value(ParamKey::ElderlyAge);
    let minor = p.value(ParamKey::MinorAge);
    let severe = p.value(ParamKey::SevereDisabilityGrade);
    let rules: [(EntitlementKind, u32); 10] = [
        (EntitlementKind::MedicalAssistance, mask(&ranked)),
        (EntitlementKind::DiseaseEmergency, mask(&any)),
        (
            EntitlementKind::Education,
            mask(&|i, m| {
                // Where the region chose the wider rule, any low-income category counts;
                // otherwise (or where nothing is set) the ranked categories only.
                let reach = if p.value(ParamKey::EducationReach) == Some(1) {
                    any(i, m)
                } else {
                    ranked(i, m)
                };
                reach && f.members[i].in_school() == Some(true)
            }),
        ),
        (
            EntitlementKind::Housing,
            mask(&|i, m| {
                let dispersed_tekun = m.categories.primary() == Some(Category::Tekun)
                    && m.support_mode != Some(SupportMode::Centralised);
                let other_ranked = matches!(
                    m.categories.primary(),
                    Some(Category::Dibao | Category::DibaoMarginal | Category::RigidExpense)
                );
                let _ = i;
                dispersed_tekun
                    || other_ranked
                    || (rural && m.categories.contains(Category::RelapseWatch))
            }),
        ),
        (
            EntitlementKind::Employment,
            mask(&|i, m| {
                let fm = &f.members[i];
                matches!(
                    m.categories.primary(),
                    Some(Category::Dibao | Category::DibaoMarginal | Category::RigidExpense)
                ) && fm.work == Some(WorkStatus::Unemployed)
                    && matches!(
                        fm.labour,
                        Some(LabourCapacity::Full | LabourCapacity::Partial)
                    )
            }),
        ),
        (EntitlementKind::Disaster, mask(&ranked)),
        (EntitlementKind::Heating, mask(&ranked)),
        (EntitlementKind::Funeral, mask(&ranked)),
        (EntitlementKind::LegalAid, mask(&any)),
        (
            EntitlementKind::ServiceAssistance,
            mask(&|i, m| {
                // For those who cannot look after themselves (`may_have_care`, the one rule).
                let thresholds = crate::domain::care::CareThresholds {
                    elderly_age: elderly,
                    minor_age: minor,
                    severe_grade: severe,
                };
                any(i, m)
                    && crate::domain::care::may_have_care(
                        crate::domain::care::CareFacts::of(&f.members[i]),
                        thresholds,
                    )
            }),
        ),
    ];
    for (kind, who) in rules {
        if who != 0 {
            let via = members
                .iter()
                .enumerate()
                .filter(|(i, _)| who & (1 << i) != 0)
                .filter_map(|(_, m)| m.categories.primary().or(m.categories.iter().next()))
                .min();
            out.push(Entitlement {
                kind,
                via,
                members: who,
                monthly_fen: None,
                yearly_fen: None,
                taper_months: None,
            });
        }
    }
    // 急难救助 is not bound to a category.
    out.push(Entitlement {
        kind: EntitlementKind::Emergency,
        via: None,
        members: mask(&|_, _| true),
        monthly_fen: None,
        yearly_fen: None,
        taper_months: None,
    });
    out
}

#[cfg(test)]
mod fact_code_tests {
    use super::Fact;

    /// Stored assessments spell a fact as serde's `rename_all = "snake_case"` did.
    #[test]
    fn a_fact_is_written_and_read_as_its_snake_case_name() {
        for k in Fact::ALL {
            let snake = crate::domain::serde_snake_case(&format!("{k:?}"));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{snake}\""));
            assert_eq!(
                serde_json::from_str::<Fact>(&format!("\"{snake}\"")).unwrap(),
                k
            );
        }
    }
}
