//! How an assessment reads: the categories each member is likely in, what that unlocks, the
//! clause-by-clause trace with every value and parameter, and the cliff view. Used by the
//! portal's instant estimate, the status page and staff pages.

use crate::domain::money::Money;
use crate::domain::policy::assess::{Check, EntitlementKind, Need, Outcome, Value, Verdict};
use crate::domain::policy::cliff::cliffs;
use crate::domain::policy::params::{format_value, ParamValue};
use crate::domain::policy::{
    Assessment, Category, CategorySet, HouseholdFacts, ParameterSet, Subject,
};
use crate::domain::region::RegionCode;
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
        Value::Flag(b) => if b {
            t_string!(i18n, common.yes)
        } else {
            t_string!(i18n, common.no)
        }
        .to_string(),
        Value::Residence(r) => labels::residence(i18n, r),
        Value::Day(d) => d.to_string(),
        Value::Schooling(s) => labels::schooling(i18n, s),
        Value::Disability(d) => match d.grade {
            Some(g) => format!(
                "{} {g}{}",
                labels::disability(i18n, d.kind),
                t_string!(i18n, policy.unit.grade)
            ),
            None => labels::disability(i18n, d.kind),
        },
        Value::Health(h) => labels::health(i18n, h),
        Value::Work(w) => labels::work(i18n, w),
        Value::Labour(l) => labels::labour(i18n, l),
    }
}

/// `低保标准 580.00 元/人·月（省，农村，2026-01-01 起；来源：… [示例值]）`: where the value is
/// set by the level's name (a person reads names, not region codes). The source is what an
/// administrator typed: marked as Chinese when it is, so an English page reads it as such.
pub fn param_view(i18n: I18nContext<Locale>, p: &ParamValue) -> impl IntoView {
    let residence = p
        .residence
        .map(|r| labels::residence(i18n, r))
        .unwrap_or_else(|| t_string!(i18n, policy.both).to_string());
    let example = if p.example {
        format!(" [{}]", t_string!(i18n, policy.example))
    } else {
        String::new()
    };
    let level = crate::ui::region_level_label(i18n, p.region.level() as usize);
    let since = t_string!(i18n, policy.since_date)
        .to_string()
        .replace("{date}", &p.effective_from.to_string());
    let english = i18n.get_locale_untracked() == Locale::en;
    let (open, close) = if english { (" (", ")") } else { ("（", "）") };
    let before = format!(
        "{} {} {}{open}{level}{sep}{residence}{sep}{since}{semi}{source}{colon}",
        labels::param(i18n, p.key),
        format_value(p.key, p.value),
        labels::unit(i18n, p.key.unit()),
        sep = labels::comma(i18n),
        semi = labels::semicolon(i18n),
        source = t_string!(i18n, policy.source_short),
        colon = labels::colon(i18n),
    );
    view! {
        <span class="param">{before}{source_view(i18n, &p.source, p.example)}{format!("{example}{close}")}</span>
    }
}

/// A parameter's source as a person reads it: a shipped example's in the page's language, an
/// administrator's as written (a document's name), marked as Chinese where it is.
pub fn source_view(i18n: I18nContext<Locale>, source: &str, example: bool) -> impl IntoView {
    let english = (example && i18n.get_locale_untracked() == Locale::en)
        .then(|| crate::domain::policy::examples::source_in_english(source))
        .flatten();
    let text = english
        .map(str::to_string)
        .unwrap_or_else(|| source.to_string());
    view! { <span lang=crate::ui::text_lang(&text)>{text.clone()}</span> }
}

fn need_text(i18n: I18nContext<Locale>, n: Need) -> String {
    match n {
        Need::Fact(f) => labels::fact(i18n, f),
        Need::Param(k) => format!(
            "{}{}",
            t_string!(i18n, policy.need_param),
            labels::param(i18n, k)
        ),
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
    s.iter()
        .map(|c| labels::category(i18n, c))
        .collect::<Vec<_>>()
        .join(labels::list_sep(i18n))
}

fn codes(s: CategorySet) -> String {
    s.iter().map(Category::code).collect::<Vec<_>>().join(",")
}

/// What is still needed before the possible categories can be settled.
fn needs(a: &Assessment, v: &Verdict) -> Vec<Need> {
    let mut out: Vec<Need> = a
        .checks_of(v)
        .filter(|c| c.outcome == Outcome::Unknown)
        .filter_map(|c| c.need)
        .collect();
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
                    <strong>{name}</strong> {labels::colon(i18n)}
                    {if likely.is_empty() {
                        t_string!(i18n, policy.none_likely).to_string()
                    } else {
                        format!("{} {}", t_string!(i18n, policy.likely), categories_text(i18n, likely))
                    }}
                    {(!possible.is_empty()).then(|| view! {
                        <span class="muted">
                            {labels::semicolon(i18n)} {t_string!(i18n, policy.possible)} " " {categories_text(i18n, possible)}
                            // What is still to be checked, not what is required ("有能力的法定义务人" alone read as
                            // a condition, the opposite of the rule).
                            {(!open_needs.is_empty()).then(|| labels::paren(i18n, &format!("{}{}{}", t_string!(i18n, policy.needs), labels::colon(i18n), open_needs.join(labels::list_sep(i18n)))))}
                        </span>
                    })}
                </li>
            }
        })
        .collect();
    view! {
        <p class="household-categories" data-household=codes(household)>
            <strong>{t_string!(i18n, policy.household)}</strong> {labels::colon(i18n)}
            {if household.is_empty() { t_string!(i18n, policy.none_likely).to_string() } else { categories_text(i18n, household) }}
        </p>
        <ul class="member-categories">{rows}</ul>
    }
    .into_any()
}

#[component]
pub fn Entitlements(
    assessment: Assessment,
    names: Vec<String>,
    region: RegionCode,
) -> impl IntoView {
    let i18n = use_i18n();
    let items: Vec<_> = assessment
        .entitlements
        .iter()
        .map(|e| {
            let who: Vec<String> = (0..assessment.members.len()).filter(|i| e.members & (1 << i) != 0).map(|i| subject_text(i18n, Subject::Member(i as u8), &names)).collect();
            let mut text = labels::entitlement(i18n, e.kind);
            if let Some(c) = e.via {
                text.push_str(&labels::paren(i18n, &labels::category(i18n, c)));
            }
            // Whole phrases with a place for the figure: word order is the language's own.
            if let Some(m) = e.monthly_fen {
                text.push(' ');
                text.push_str(&t_string!(i18n, policy.monthly_amount).to_string().replace("{amount}", &yuan(i18n, m)));
            }
            if let Some(y) = e.yearly_fen {
                text.push(' ');
                text.push_str(&t_string!(i18n, policy.yearly_amount).to_string().replace("{amount}", &yuan(i18n, y)));
            }
            if let Some(t) = e.taper_months {
                text.push_str(labels::comma(i18n));
                text.push_str(&t_string!(i18n, policy.taper_for).to_string().replace("{months}", &t.to_string()));
            }
            let clauses = labels::clauses_for(i18n, e.kind.clauses(), &region);
            let everyone = e.kind == EntitlementKind::Emergency;
            view! {
                <li data-entitlement=e.kind.code()>
                    {text}
                    {(!everyone && !who.is_empty()).then(|| view! { <span class="muted">" — " {who.join(labels::list_sep(i18n))}</span> })}
                    {(!clauses.is_empty()).then(|| view! { <br /><small class="muted">{t_string!(i18n, policy.clauses)} {labels::colon(i18n)} {clauses}</small> })}
                </li>
            }
        })
        .collect();
    view! {
        <h3>{t_string!(i18n, policy.entitlements)}</h3>
        <ul class="entitlements">{items}</ul>
    }
    .into_any()
}

fn check_view(i18n: I18nContext<Locale>, c: &Check, params: &ParameterSet) -> impl IntoView {
    let inputs = c
        .inputs()
        .map(|i| {
            format!(
                "{} {}",
                labels::fact(i18n, i.fact),
                value_text(i18n, i.value)
            )
        })
        .collect::<Vec<_>>()
        .join(labels::semicolon(i18n));
    let used: Vec<_> = c
        .params()
        .filter_map(|k| params.get(k))
        .enumerate()
        .map(|(i, p)| view! { {(i > 0).then(|| labels::semicolon(i18n))} {param_view(i18n, p)} })
        .collect();
    let clauses = labels::clauses_for(i18n, c.criterion.clauses(), &params.region);
    let need = c.need.map(|n| need_text(i18n, n));
    view! {
        <li class="check" data-criterion=c.criterion.code() data-outcome=format!("{:?}", c.outcome).to_lowercase()>
            <span class=outcome_class(c.outcome)>{labels::outcome(i18n, c.outcome)}</span> " "
            {labels::criterion(i18n, c.criterion)}
            {(!inputs.is_empty()).then(|| view! { <div class="trace-line"><span class="muted">{t_string!(i18n, policy.inputs)} {labels::colon(i18n)}</span>{inputs}</div> })}
            {(!used.is_empty()).then(|| view! {
                <div class="trace-line"><span class="muted">{t_string!(i18n, policy.params_used)} {labels::colon(i18n)}</span>{used}</div>
            })}
            {need.map(|n| view! { <div class="trace-line"><span class="muted">{t_string!(i18n, policy.needs)} {labels::colon(i18n)}</span>{n}</div> })}
            {(!clauses.is_empty()).then(|| view! { <div class="trace-line"><span class="muted">{t_string!(i18n, policy.clauses)} {labels::colon(i18n)}</span>{clauses}</div> })}
        </li>
    }
}

/// The clause-by-clause explanation: every category's verdict for every subject, with its checks.
#[component]
pub fn Explanation(
    assessment: Assessment,
    parameters: ParameterSet,
    names: Vec<String>,
) -> impl IntoView {
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
            <summary>{t_string!(i18n, policy.explanation)}</summary>
            <ul class="verdicts">{blocks}</ul>
        </details>
    }
    .into_any()
}

/// 陡坡→缓坡: for each income-tested category, how much more income is possible and what is lost.
#[component]
pub fn CliffView(
    assessment: Assessment,
    parameters: ParameterSet,
    facts: HouseholdFacts,
) -> impl IntoView {
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
                c.loses.iter().map(|k| labels::entitlement(i18n, *k)).collect::<Vec<_>>().join(labels::list_sep(i18n))
            };
            let then = if c.then.is_empty() { t_string!(i18n, policy.cliff_none).to_string() } else { categories_text(i18n, c.then) };
            view! {
                <li data-cliff=c.category.code() data-headroom=c.headroom_fen.to_string()>
                    <strong>{labels::category(i18n, c.category)}</strong> {labels::colon(i18n)}
                    {t_string!(i18n, policy.cliff_headroom)} " " {yuan(i18n, c.headroom_fen)} {labels::semicolon(i18n)}
                    {t_string!(i18n, policy.cliff_then)} " " {then} {labels::semicolon(i18n)}
                    {t_string!(i18n, policy.cliff_loses)} " " {loses}
                    {(c.loses_monthly_fen > 0).then(|| labels::paren(i18n, &t_string!(i18n, policy.monthly_amount).to_string().replace("{amount}", &yuan(i18n, c.loses_monthly_fen))))}
                    {c.taper_months.filter(|m| *m > 0).map(|m| view! { <br /><small class="muted">{t_string!(i18n, policy.cliff_taper).to_string().replace("{months}", &m.to_string())}</small> })}
                </li>
            }
        })
        .collect();
    view! {
        <h3>{t_string!(i18n, policy.cliff_title)}</h3>
        <ul class="cliffs">{items}</ul>
    }
    .into_any()
}

/// The assessment recorded with an application, as its owner and staff see it.
#[component]
pub fn StoredAssessmentCard(
    stored: crate::api::types::StoredAssessment,
    names: Vec<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let at_submission = stored.reason == "submission";
    let when = crate::ui::china_time(stored.created_at);
    let s = stored;
    let a = s.assessment;
    // (A change of language reloads the page: the labels are computed once.)
    view! {
        <section class="card assessment" id="assessment">
            <h2>
                {if at_submission { t_string!(i18n, policy.stored_title) } else { t_string!(i18n, policy.stored_title_reassessed) }}
                " " <small class="muted">{when}</small>
            </h2>
            <p class="muted">{t_string!(i18n, policy.stored_label)}</p>
            <AssessmentSummary assessment=a.clone() names=names.clone() />
            <Entitlements assessment=a.clone() names=names.clone() region=s.parameters.region.clone() />
            <CliffView assessment=a.clone() parameters=s.parameters.clone() facts=s.facts />
            <Explanation assessment=a parameters=s.parameters names />
        </section>
    }
    .into_any()
}

/// The verification form, its code loaded when first opened (`ui::OnDemand` on the application's
/// page).
#[cfg_attr(not(feature = "portal"), lazy)] // not exported from the portal's WASM (its islands only)
pub async fn verification_part(
    number: String,
    stored: crate::api::types::StoredAssessment,
    names: Vec<String>,
    on_saved: Callback<()>,
) -> AnyView {
    view! { <VerificationForm number stored names on_saved /> }.into_any()
}

/// 核实情况: what a caseworker verified in person (legal supporters, support mode, care need,
/// the relapse-watch list, an "other hardship" determination). Saving reassesses the household.
/// For caseworkers only (the caller decides; the server checks again). Its title is the
/// `OnDemand` part's that holds it.
#[component]
fn VerificationForm(
    number: String,
    stored: crate::api::types::StoredAssessment,
    names: Vec<String>,
    on_saved: Callback<()>,
) -> impl IntoView {
    use crate::api::policy::{record_verification, MemberVerification, Verification};
    let i18n = use_i18n();
    let facts = stored.facts;
    let form = RwSignal::new(Verification {
        members: facts
            .members
            .iter()
            .map(|m| MemberVerification {
                supporter_able: m.supporter_able,
                support_mode: m.support_mode,
                care_need: m.care_need,
            })
            .collect(),
        relapse_watch: facts.relapse_watch,
        other_hardship_reason: facts.other_hardship_reason.clone().unwrap_or_default(),
        currently_dibao: facts.currently_dibao,
    });
    let number = StoredValue::new(number);
    let save =
        Action::new(move |v: &Verification| record_verification(number.get_value(), v.clone()));
    let error = RwSignal::new(None::<crate::error::AppError>);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => on_saved.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
                    <div id="verification">
                        <p class="muted">{t_string!(i18n, policy.verification_intro)}</p>
                        <form on:submit=move |ev| { ev.prevent_default(); save.dispatch(form.get_untracked()); }>
                            <MemberVerificationRows form names />
                            <label for="v-relapse">{t_string!(i18n, policy.fact.relapse_list)}</label>
                            <select id="v-relapse" prop:value=move || form.with(|v| tri(v.relapse_watch).to_string())
                                on:change=move |ev| form.update(|v| v.relapse_watch = from_tri(&event_target_value(&ev)))>
                                <TriOptions />
                            </select>
                            <label for="v-other">{t_string!(i18n, policy.other_reason)}</label>
                            <textarea id="v-other" rows="2" maxlength="500" prop:value=move || form.with(|v| v.other_hardship_reason.clone())
                                on:input=move |ev| form.update(|v| v.other_hardship_reason = event_target_value(&ev))></textarea>
                            <div class="check">
                                <input id="v-dibao-now" type="checkbox" prop:checked=move || form.with(|v| v.currently_dibao)
                                    on:change=move |ev| form.update(|v| v.currently_dibao = event_target_checked(&ev)) />
                                <label for="v-dibao-now">{t_string!(i18n, policy.fact.currently_dibao)}</label>
                            </div>
                            <crate::ui::ErrorBanner error />
                            <button type="submit" class="primary" id="v-save" disabled=move || save.pending().get()>{t_string!(i18n, policy.verification_save)}</button>
                        </form>
                    </div>
    }
    .into_any()
}

fn tri(v: Option<bool>) -> &'static str {
    match v {
        None => "",
        Some(true) => "yes",
        Some(false) => "no",
    }
}

fn from_tri(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Not verified / yes / no.
#[component]
fn TriOptions() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <option value="">{t_string!(i18n, policy.unverified)}</option>
        <option value="yes">{t_string!(i18n, common.yes)}</option>
        <option value="no">{t_string!(i18n, common.no)}</option>
    }
}

#[component]
fn MemberVerificationRows(
    form: RwSignal<crate::api::policy::Verification>,
    names: Vec<String>,
) -> impl IntoView {
    use crate::api::policy::MemberVerification;
    use crate::domain::policy::facts::{CareNeed, SupportMode};
    let i18n = use_i18n();
    let count = form.with_untracked(|v| v.members.len());
    (0..count)
        .map(|i| {
            let name = subject_text(i18n, Subject::Member(i as u8), &names);
            let get = move |f: fn(&MemberVerification) -> String| move || form.with(|v| v.members.get(i).map(f).unwrap_or_default());
            view! {
                <fieldset class="member-verification">
                    <legend>{name}</legend>
                    <label for=format!("v{i}-supporter")>{t_string!(i18n, policy.fact.supporter_able)}</label>
                    <select id=format!("v{i}-supporter") prop:value=get(|m| tri(m.supporter_able).to_string())
                        on:change=move |ev| form.update(|v| v.members[i].supporter_able = from_tri(&event_target_value(&ev)))>
                        <TriOptions />
                    </select>
                    <label for=format!("v{i}-support")>{t_string!(i18n, policy.support_mode)}</label>
                    <select id=format!("v{i}-support")
                        prop:value=get(|m| match m.support_mode { Some(SupportMode::Dispersed) => "dispersed", Some(SupportMode::Centralised) => "centralised", None => "" }.to_string())
                        on:change=move |ev| form.update(|v| v.members[i].support_mode = match event_target_value(&ev).as_str() {
                            "dispersed" => Some(SupportMode::Dispersed),
                            "centralised" => Some(SupportMode::Centralised),
                            _ => None,
                        })>
                        <option value="">{t_string!(i18n, policy.unverified)}</option>
                        <option value="dispersed">{t_string!(i18n, policy.support_dispersed)}</option>
                        <option value="centralised">{t_string!(i18n, policy.support_centralised)}</option>
                    </select>
                    <label for=format!("v{i}-care")>{t_string!(i18n, policy.care_need)}</label>
                    <select id=format!("v{i}-care")
                        prop:value=get(|m| m.care_need.map_or("", CareNeed::code).to_string())
                        on:change=move |ev| form.update(|v| v.members[i].care_need = CareNeed::from_code(&event_target_value(&ev)))>
                        <option value="">{t_string!(i18n, policy.unverified)}</option>
                        <option value="self_care">{t_string!(i18n, policy.care_self)}</option>
                        <option value="partly_dependent">{t_string!(i18n, policy.care_partly)}</option>
                        <option value="fully_dependent">{t_string!(i18n, policy.care_fully)}</option>
                    </select>
                </fieldset>
            }
        })
        .collect_view()
        .into_any()
}

/// 一户一档: every assessment of the application, oldest first, with why it was made.
#[component]
pub fn AssessmentHistory(entries: Vec<crate::api::types::AssessmentEntry>) -> impl IntoView {
    let i18n = use_i18n();
    if entries.len() < 2 {
        return ().into_any();
    }
    view! {
        <section class="card" id="assessment-history">
            <h2>{t_string!(i18n, policy.history_title)}</h2>
            <ol>
                {entries.into_iter().map(|e| {
                    let reason = e.reason.clone();
                    let cats = CategorySet::from(e.categories.clone());
                    view! {
                        <li data-reason=e.reason.clone()>
                            {crate::ui::china_time(e.at)} " "
                            {match reason.as_str() {
                                "submission" => t_string!(i18n, policy.reason_submission),
                                "verification" => t_string!(i18n, policy.reason_verification),
                                _ => t_string!(i18n, policy.reason_reassessment),
                            }} {labels::colon(i18n)}
                            {if cats.is_empty() { t_string!(i18n, policy.cliff_none).to_string() } else { categories_text(i18n, cats) }}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
    .into_any()
}
