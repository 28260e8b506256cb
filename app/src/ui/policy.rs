//! How an assessment reads: the categories each member is likely in, what that unlocks, the
//! clause-by-clause trace with every value and parameter, and the cliff view. Used by the
//! portal's instant estimate, the status page and staff pages.

use crate::domain::money::Money;
use crate::domain::policy::assess::{Check, EntitlementKind, Need, Outcome, Value, Verdict};
use crate::domain::policy::cliff::cliffs;
use crate::domain::policy::params::{format_value, ParamValue};
use crate::domain::policy::{Assessment, Category, CategorySet, HouseholdFacts, ParameterSet, Subject};
use crate::i18n::*;
use crate::ui::labels;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

pub fn yuan(i18n: I18nContext<Locale>, fen: i64) -> String {
    format!("{} {}", Money::from_fen(fen), t_string!(i18n, common.yuan))
}

fn value_text(i18n: I18nContext<Locale>, v: Value) -> String {
    match v {
        Value::Fen(f) => yuan(i18n, f),
        Value::Count(n) => n.to_string(),
        Value::Years(y) => format!("{y} {}", t_string!(i18n, policy.unit.years)),
        Value::Flag(b) => if b { t_string!(i18n, common.yes) } else { t_string!(i18n, common.no) }.to_string(),
        Value::Residence(r) => labels::residence(i18n, r),
        Value::Schooling(s) => labels::schooling(i18n, s),
        Value::Disability(d) => match d.grade {
            Some(g) => format!("{} {g}{}", labels::disability(i18n, d.kind), t_string!(i18n, policy.unit.grade)),
            None => labels::disability(i18n, d.kind),
        },
        Value::Health(h) => labels::health(i18n, h),
        Value::Work(w) => labels::work(i18n, w),
        Value::Labour(l) => labels::labour(i18n, l),
    }
}

/// `低保标准 580.00 元/人·月（620702000000 农村，2026-01-01 起；来源：… 【示例值】）`
pub fn param_text(i18n: I18nContext<Locale>, p: &ParamValue) -> String {
    let residence = p.residence.map(|r| labels::residence(i18n, r)).unwrap_or_else(|| t_string!(i18n, policy.both).to_string());
    let example = if p.example { format!(" 【{}】", t_string!(i18n, policy.example)) } else { String::new() };
    format!(
        "{} {} {}（{} {}，{} {}；{}{}）",
        labels::param(i18n, p.key),
        format_value(p.key, p.value),
        labels::unit(i18n, p.key.unit()),
        p.region.as_str(),
        residence,
        p.effective_from,
        t_string!(i18n, policy.since),
        p.source,
        example,
    )
}

fn need_text(i18n: I18nContext<Locale>, n: Need) -> String {
    match n {
        Need::Fact(f) => labels::fact(i18n, f),
        Need::Param(k) => format!("{}{}", t_string!(i18n, policy.need_param), labels::param(i18n, k)),
    }
}

fn subject_text(i18n: I18nContext<Locale>, s: Subject, names: &[String]) -> String {
    match s {
        Subject::Household => t_string!(i18n, policy.household).to_string(),
        Subject::Member(i) => names
            .get(i as usize)
            .filter(|n| !n.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| format!("{} {}", t_string!(i18n, policy.member), i + 1)),
    }
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "badge pass",
        Outcome::Fail => "badge fail",
        Outcome::Unknown => "badge unknown",
    }
}

fn categories_text(i18n: I18nContext<Locale>, s: CategorySet) -> String {
    s.iter().map(|c| labels::category(i18n, c)).collect::<Vec<_>>().join("、")
}

fn codes(s: CategorySet) -> String {
    s.iter().map(Category::code).collect::<Vec<_>>().join(",")
}

/// What is still needed before the possible categories can be settled.
fn needs(a: &Assessment, v: &Verdict) -> Vec<Need> {
    let mut out: Vec<Need> = a.checks_of(v).filter(|c| c.outcome == Outcome::Unknown).filter_map(|c| c.need).collect();
    out.dedup();
    out
}

/// The summary: each member's likely category (and what stays open), the household's.
#[component]
pub fn AssessmentSummary(assessment: Assessment, names: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let a = assessment;
    let household = a.household;
    let rows: Vec<_> = a
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let name = subject_text(i18n, Subject::Member(i as u8), &names);
            let likely = m.categories;
            let possible = m.possible;
            let open_needs: Vec<String> = a
                .verdicts
                .iter()
                .filter(|v| v.outcome == Outcome::Unknown && possible.contains(v.category))
                .filter(|v| v.subject == Subject::Household || v.subject == Subject::Member(i as u8))
                .flat_map(|v| needs(&a, v))
                .map(|n| need_text(i18n, n))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            view! {
                <li data-member=i.to_string() data-categories=codes(likely) data-possible=codes(possible)>
                    <strong>{name}</strong> "："
                    {if likely.is_empty() {
                        t_string!(i18n, policy.none_likely).to_string()
                    } else {
                        format!("{} {}", t_string!(i18n, policy.likely), categories_text(i18n, likely))
                    }}
                    {(!possible.is_empty()).then(|| view! {
                        <span class="muted">
                            "；" {t!(i18n, policy.possible)} " " {categories_text(i18n, possible)}
                            {(!open_needs.is_empty()).then(|| format!("（{}：{}）", t_string!(i18n, policy.needs), open_needs.join("、")))}
                        </span>
                    })}
                </li>
            }
        })
        .collect();
    view! {
        <p class="household-categories" data-household=codes(household)>
            <strong>{t!(i18n, policy.household)}</strong> "："
            {if household.is_empty() { t_string!(i18n, policy.none_likely).to_string() } else { categories_text(i18n, household) }}
        </p>
        <ul class="member-categories">{rows}</ul>
    }
    .into_any()
}

#[component]
pub fn Entitlements(assessment: Assessment, names: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let items: Vec<_> = assessment
        .entitlements
        .iter()
        .map(|e| {
            let who: Vec<String> = (0..assessment.members.len()).filter(|i| e.members & (1 << i) != 0).map(|i| subject_text(i18n, Subject::Member(i as u8), &names)).collect();
            let mut text = labels::entitlement(i18n, e.kind);
            if let Some(c) = e.via {
                text.push_str(&format!("（{}）", labels::category(i18n, c)));
            }
            if let Some(m) = e.monthly_fen {
                text.push_str(&format!(" {} {}", t_string!(i18n, policy.monthly), yuan(i18n, m)));
            }
            if let Some(y) = e.yearly_fen {
                text.push_str(&format!(" {} {}", t_string!(i18n, policy.yearly), yuan(i18n, y)));
            }
            if let Some(t) = e.taper_months {
                text.push_str(&format!(" {} {t}", t_string!(i18n, policy.taper_months)));
            }
            let clauses = e.kind.clauses().iter().map(|c| labels::clause(i18n, *c)).collect::<Vec<_>>().join("；");
            let everyone = e.kind == EntitlementKind::Emergency;
            view! {
                <li data-entitlement=e.kind.code()>
                    {text}
                    {(!everyone && !who.is_empty()).then(|| view! { <span class="muted">" — " {who.join("、")}</span> })}
                    <br /><small class="muted">{t!(i18n, policy.clauses)} "：" {clauses}</small>
                </li>
            }
        })
        .collect();
    view! {
        <h3>{t!(i18n, policy.entitlements)}</h3>
        <ul class="entitlements">{items}</ul>
    }
    .into_any()
}

fn check_view(i18n: I18nContext<Locale>, c: &Check, params: &ParameterSet) -> impl IntoView {
    let inputs = c.inputs().map(|i| format!("{} {}", labels::fact(i18n, i.fact), value_text(i18n, i.value))).collect::<Vec<_>>().join("；");
    let used: Vec<String> = c.params().filter_map(|k| params.get(k)).map(|p| param_text(i18n, p)).collect();
    let clauses = c.criterion.clauses().iter().map(|x| labels::clause(i18n, *x)).collect::<Vec<_>>().join("；");
    let need = c.need.map(|n| need_text(i18n, n));
    view! {
        <li class="check" data-criterion=c.criterion.code() data-outcome=format!("{:?}", c.outcome).to_lowercase()>
            <span class=outcome_class(c.outcome)>{labels::outcome(i18n, c.outcome)}</span> " "
            {labels::criterion(i18n, c.criterion)}
            {(!inputs.is_empty()).then(|| view! { <div class="trace-line"><span class="muted">{t!(i18n, policy.inputs)} "："</span>{inputs}</div> })}
            {(!used.is_empty()).then(|| view! {
                <div class="trace-line"><span class="muted">{t!(i18n, policy.params_used)} "："</span>{used.join("；")}</div>
            })}
            {need.map(|n| view! { <div class="trace-line"><span class="muted">{t!(i18n, policy.needs)} "："</span>{n}</div> })}
            <div class="trace-line"><span class="muted">{t!(i18n, policy.clauses)} "："</span>{clauses}</div>
        </li>
    }
}

/// The clause-by-clause explanation: every category's verdict for every subject, with its checks.
#[component]
pub fn Explanation(assessment: Assessment, parameters: ParameterSet, names: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let blocks: Vec<_> = assessment
        .verdicts
        .iter()
        .map(|v| {
            let checks: Vec<_> = assessment.checks_of(v).map(|c| check_view(i18n, c, &parameters)).collect();
            let title = format!("{} — {}", labels::category(i18n, v.category), subject_text(i18n, v.subject, &names));
            view! {
                <li class="verdict" data-category=v.category.code()>
                    <span class=outcome_class(v.outcome)>{labels::outcome(i18n, v.outcome)}</span> " " <strong>{title}</strong>
                    <ul>{checks}</ul>
                </li>
            }
        })
        .collect();
    view! {
        <details class="explanation">
            <summary>{t!(i18n, policy.explanation)}</summary>
            <ul class="verdicts">{blocks}</ul>
        </details>
    }
    .into_any()
}

/// 陡坡→缓坡: for each income-tested category, how much more income is possible and what is lost.
#[component]
pub fn CliffView(assessment: Assessment, parameters: ParameterSet, facts: HouseholdFacts) -> impl IntoView {
    let i18n = use_i18n();
    let list = cliffs(&facts, &parameters, &assessment);
    if list.is_empty() {
        return ().into_any();
    }
    let items: Vec<_> = list
        .into_iter()
        .map(|c| {
            let loses = if c.loses.is_empty() {
                t_string!(i18n, policy.cliff_none).to_string()
            } else {
                c.loses.iter().map(|k| labels::entitlement(i18n, *k)).collect::<Vec<_>>().join("、")
            };
            let then = if c.then.is_empty() { t_string!(i18n, policy.cliff_none).to_string() } else { categories_text(i18n, c.then) };
            view! {
                <li data-cliff=c.category.code() data-headroom=c.headroom_fen.to_string()>
                    <strong>{labels::category(i18n, c.category)}</strong> "："
                    {t!(i18n, policy.cliff_headroom)} " " {yuan(i18n, c.headroom_fen)} "；"
                    {t!(i18n, policy.cliff_then)} " " {then} "；"
                    {t!(i18n, policy.cliff_loses)} " " {loses}
                    {(c.loses_monthly_fen > 0).then(|| format!("（{} {}）", t_string!(i18n, policy.monthly), yuan(i18n, c.loses_monthly_fen)))}
                    {c.taper_months.filter(|m| *m > 0).map(|m| view! { <br /><small class="muted">{t!(i18n, policy.cliff_taper)} " " {m}</small> })}
                </li>
            }
        })
        .collect();
    view! {
        <h3>{t!(i18n, policy.cliff_title)}</h3>
        <ul class="cliffs">{items}</ul>
    }
    .into_any()
}

/// The assessment recorded with an application, as its owner and staff see it.
#[component]
pub fn StoredAssessmentCard(stored: crate::api::types::StoredAssessment, names: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let stored = StoredValue::new(stored);
    let names = StoredValue::new(names);
    view! {
        <section class="card assessment" id="assessment">
            <h2>{t!(i18n, policy.stored_title)}</h2>
            <p class="muted">{t!(i18n, policy.estimate_label)}</p>
            // Labels are computed when rendered: render again when the language changes.
            {move || {
                i18n.get_locale();
                let s = stored.get_value();
                let names = names.get_value();
                let a = s.assessment;
                view! {
                    <AssessmentSummary assessment=a.clone() names=names.clone() />
                    <Entitlements assessment=a.clone() names=names.clone() />
                    <CliffView assessment=a.clone() parameters=s.parameters.clone() facts=s.facts />
                    <Explanation assessment=a parameters=s.parameters names />
                }
            }}
        </section>
    }
    .into_any()
}
