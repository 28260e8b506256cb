//! 一户一档 on the tablet: the household's assistance chain with its flags and what to do
//! about them, referrals to departments, aid recorded by hand, and everything the household
//! declared, was assessed, visited and decided — plus the department officer's inbox (反馈).

use crate::api::household::{
    answer_referral, get_household_file, record_aid, refer, referral_inbox, AidView, HouseholdFile,
    ReferralView,
};
use crate::domain::chain::{AidDraft, AidKind, Department, Flag, FlagAction};
use crate::domain::referral::{ReferralDraft, ReferralStatus};
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::cycle::{EmergencyList, StandingCard};
use crate::ui::policy::yuan;
use crate::ui::portal::applications::Declared;
use crate::ui::visit::VisitCard;
use crate::ui::{
    china_time, device, field_error_of, general_error, labels, ErrorBanner, FieldMessage,
    MeResource,
};
use crate::ui::{OnDemand, PageTitle};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn HouseholdPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let file = Resource::new(id, get_household_file);
    let needs = crate::ui::charity::household_needs_resource(id);
    let services = crate::ui::care::household_services_resource(id);
    view! {
        <Suspense fallback=move || view! { <h1>{t_string!(i18n, household.title)}</h1> <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let caseworker = matches!(me.await, Ok(Some(ref u)) if u.role == Role::Caseworker);
                match file.await {
                    Ok(f) => view! { <HouseholdView file=f caseworker needs services on_change=Callback::new(move |_| { file.refetch(); needs.refetch(); services.refetch(); }) /> }.into_any(),
                    Err(e) => view! {
                        <h1>{t_string!(i18n, household.title)}</h1>
                        <PageTitle text=t_string!(i18n, household.title).to_string() />
                        <p class="banner error">{labels::app_error(i18n, &e)}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn period(i18n: leptos_i18n::I18nContext<Locale>, a: &AidView) -> String {
    match a.aid.until {
        Some(u) if u == a.aid.from => a.aid.from.to_string(),
        Some(u) => format!("{} – {}", a.aid.from, u),
        None => format!("{} – {}", a.aid.from, t_string!(i18n, household.ongoing)),
    }
}

#[component]
fn HouseholdView(
    file: HouseholdFile,
    caseworker: bool,
    needs: crate::ui::charity::HouseholdNeeds,
    services: crate::ui::care::HouseholdServices,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let household = StoredValue::new(file.id.clone());
    // A flag's "refer" link fills the referral form.
    let referral = RwSignal::new(ReferralDraft {
        household: file.id.clone(),
        ..Default::default()
    });
    // The forms to act are loaded when opened (`OnDemand`); a flag's link opens its form.
    let referral_open = RwSignal::new(false);
    let aid_open = RwSignal::new(false);
    let chain_ids: Vec<String> = file.chain.iter().map(|a| a.aid.id.clone()).collect();
    let flags = file.flags.clone();
    // Named as people name it: the head of household and the village.
    // (relation, name, masked ID number, birth date) as the latest declaration gave them; for a
    // household taken in from rosters that never applied, its persons as listed (once each,
    // though on two rosters).
    let members: Vec<(String, String, String, String)> = match file.applications.last() {
        Some(a) => a
            .members
            .iter()
            .map(|m| {
                let m = m.clone();
                (m.relation, m.name, m.id_number_masked, m.birth_date)
            })
            .collect(),
        None => {
            let mut listed: Vec<(String, String, String, String)> = Vec::new();
            for p in &file.caseload {
                if !listed.iter().any(|m| m.2 == p.id_masked && m.1 == p.name) {
                    listed.push((
                        p.relation.code().to_string(),
                        p.name.clone(),
                        p.id_masked.clone(),
                        p.birth_date.clone(),
                    ));
                }
            }
            listed
        }
    };
    let head = members
        .iter()
        .find(|m| m.0 == crate::domain::declaration::Relation::Head.code())
        .map(|m| m.1.clone())
        .unwrap_or_default();
    let village = file
        .region_name
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string();
    let heading = Signal::derive(move || {
        if head.is_empty() {
            t_string!(i18n, household.title).to_string()
        } else {
            t_string!(i18n, household.heading)
                .to_string()
                .replace("{name}", &head)
                .replace("{place}", &village)
        }
    });
    let chain_empty = file.chain.is_empty();
    // What the latest application declared: to phone the household and prepare a visit.
    let declared = file.applications.last().map(|a| a.declared.clone());
    let region_name = file.region_name.clone();
    view! {
        <h1 id="household-heading">{heading}</h1>
        <PageTitle text=heading.get_untracked() />
        <section class="card" id="file-members">
            <h2>{t_string!(i18n, household.members)}</h2>
            <p>{t_string!(i18n, household.region)} ": " {crate::ui::as_written(file.region_name.clone())}</p>
            <div class="table-scroll" tabindex="0">
                <table class="members">
                    <thead><tr>
                        <th scope="col">{t_string!(i18n, declare.relation)}</th><th scope="col">{t_string!(i18n, declare.name)}</th>
                        <th scope="col">{t_string!(i18n, declare.id_number)}</th><th scope="col">{t_string!(i18n, household.birth_date)}</th>
                    </tr></thead>
                    <tbody>
                        {members.into_iter().map(|(relation, name, id_masked, birth_date)| {
                            let rel = crate::domain::declaration::Relation::from_code(&relation);
                            view! { <tr><td>{rel.map(|r| labels::relation(i18n, r)).unwrap_or_default()}</td><td class="name">{crate::ui::as_written(name)}</td><td class="mono">{id_masked}</td><td>{birth_date}</td></tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        {declared.map(|declared| view! { <Declared declared region_name /> })}
        <StandingCard household=file.id.clone() standing_now=file.standing standing_at=file.standing_at exit_reason=file.exit_reason.clone()
            assistance_until=file.assistance_until.clone() days_left=file.days_left taper_until=file.taper_until.clone() caseworker on_change />
        <EmergencyList items=file.emergencies.clone() />
        <section class="card" id="flags">
            <h2>{t_string!(i18n, household.flags)}</h2>
            {flags.is_empty().then(|| view! { <p class="muted" id="flags-none">{t_string!(i18n, household.no_flags)}</p> })}
            <ul>
                {flags.into_iter().map(|f| {
                    let action = f.action();
                    let (text, need) = match &f {
                        Flag::Duplicate { kind, first, second } => {
                            let (k, pos) = (*kind, |id: &str| chain_ids.iter().position(|x| x == id).map(|p| p + 1).unwrap_or(0));
                            let (a, b) = (pos(first), pos(second));
                            (Signal::derive(move || format!("{}{}{} #{a} / #{b}", t_string!(i18n, household.flag_duplicate), labels::colon(i18n), labels::aid_kind(i18n, k))), None)
                        }
                        Flag::Missed { kind, via, .. } => {
                            let (k, c) = (*kind, *via);
                            (Signal::derive(move || format!("{}{}{}{}", t_string!(i18n, household.flag_missed), labels::colon(i18n), labels::aid_kind(i18n, k), labels::paren(i18n, &labels::category(i18n, c)))), Some(k))
                        }
                    };
                    view! {
                        <li class="flag">
                            <span>{text}</span> " → "
                            {match action {
                                FlagAction::ReconcileSources => view! { <span>{t_string!(i18n, household.do_reconcile)}</span> }.into_any(),
                                FlagAction::Refer(d) => view! {
                                    <a href="#referral-open" class="flag-refer" on:click=move |_| { referral.update(|r| { r.need = need.map(|k| k.code().to_string()).unwrap_or_default(); r.department = d.code().into(); }); referral_open.set(true); }>
                                        {move || format!("{} {}", t_string!(i18n, household.do_refer), labels::department(i18n, d))}
                                    </a>
                                }.into_any(),
                                FlagAction::RecordAid => view! { <a href="#aid-open" on:click=move |_| aid_open.set(true)>{t_string!(i18n, household.do_record)}</a> }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card" id="chain">
            <h2>{t_string!(i18n, household.chain)}</h2>
            {file.chain.is_empty().then(|| view! { <p class="muted" id="chain-empty">{t_string!(i18n, household.chain_empty)}</p> })}
            <div class="table-scroll" tabindex="0" hidden=chain_empty>
                <table id="chain-table">
                    <thead><tr>
                        <th>"#"</th><th>{t_string!(i18n, household.kind)}</th><th>{t_string!(i18n, household.source)}</th><th>{t_string!(i18n, household.amount)}</th>
                        <th>{t_string!(i18n, household.period)}</th><th>{t_string!(i18n, household.origin)}</th>
                    </tr></thead>
                    <tbody>
                        {file.chain.iter().enumerate().map(|(i, a)| {
                            let a = a.clone();
                            let (kind, source, origin, monthly, amount) = (a.aid.kind, a.aid.source, a.aid.origin, a.aid.monthly, a.aid.amount_fen);
                            let name = a.aid.source_name.clone();
                            let p = period(i18n, &a);
                            view! {
                                <tr data-kind=kind.code()>
                                    <td>{i + 1}</td>
                                    <td>{labels::aid_kind(i18n, kind)}</td>
                                    <td>{source.map(|d| labels::department(i18n, d)).unwrap_or_else(|| name.clone())}</td>
                                    <td class="num">{yuan(i18n, amount)} {monthly.then(|| t_string!(i18n, household.per_month))}</td>
                                    <td>{p}</td>
                                    <td>{labels::aid_origin(i18n, origin)} {a.number.clone().map(|n| view! { " " <A href=format!("/applications/{n}")>{n.clone()}</A> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        {(!file.payments.is_empty()).then(|| view! {
            <section class="card" id="payments">
                <h2>{t_string!(i18n, payments.history_title)}</h2>
                <div class="table-scroll" tabindex="0">
                    <table id="payments-table">
                        <thead><tr><th>{t_string!(i18n, payments.month_label)}</th><th>{t_string!(i18n, payments.amount)}</th><th>{t_string!(i18n, payments.held)}</th><th>{t_string!(i18n, payments.bank)}</th></tr></thead>
                        <tbody>{file.payments.iter().map(|l| view! {
                            <tr><td>{l.month.clone()}</td><td class="num">{l.amount.clone()}</td><td class="num">{l.held.clone()}</td>
                            <td>{l.bank.as_ref().map(|b| crate::texts::roster::bank(i18n.get_locale_untracked(), b)).unwrap_or_default()}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                </div>
            </section>
        })}
        {(!file.caseload.is_empty()).then(|| view! { <CaseloadCard people=file.caseload.clone() decision=file.intake_decision.clone() /> })}
        <crate::ui::recovery::RecoveryCard household=file.id.clone() cases=file.recoveries.clone() caseworker on_change />
        <crate::ui::care::HouseholdCare household_id=file.id.clone() caseworker data=services />
        <section class="card" id="referrals">
            <h2>{t_string!(i18n, household.referrals)}</h2>
            <ReferralList rows=file.referrals.clone() />
        </section>
        <section class="card" id="file-applications">
            <h2>{t_string!(i18n, household.applications)}</h2>
            {file.applications.into_iter().map(|a| {
                let status = a.status;
                view! {
                    <article class="file-app">
                        <h3><A href=format!("/applications/{}", a.number)>{a.number.clone()}</A> " · " {labels::status(i18n, status)} " · " {china_time(a.submitted_at)}</h3>
                        <table><tbody>
                            {a.members.into_iter().map(|m| {
                                let rel = crate::domain::declaration::Relation::from_code(&m.relation);
                                view! { <tr><td>{rel.map(|r| labels::relation(i18n, r)).unwrap_or_default()}</td><td>{crate::ui::as_written(m.name)}</td><td class="mono">{m.id_number_masked}</td><td>{m.birth_date}</td></tr> }
                            }).collect_view()}
                        </tbody></table>
                        {a.decision.map(|d| {
                            let c = d.category;
                            view! { <p>{t_string!(i18n, casework.decision)} ": " {c.map(|c| labels::category(i18n, c)).unwrap_or_default()} " " {yuan(i18n, d.monthly_amount_fen)} " · " {t_string!(i18n, casework.effective_from)} " " {d.effective_from.clone()}</p> }
                        })}
                        <p class="muted">{t_string!(i18n, household.consents)} ": " {t_string!(i18n, household.consent_verification)} " ✓ · " {t_string!(i18n, household.consent_charity)} " " {if a.consent_charity { "✓" } else { "✗" }} " (" {a.consent_text_version.clone()} ")"</p>
                        <ul class="documents">
                            {a.documents.into_iter().map(|d| view! { <li><a href=format!("/attachments/{}", d.id) target="_blank" rel="noopener">{d.file_name}</a></li> }).collect_view()}
                        </ul>
                    </article>
                }
            }).collect_view()}
        </section>
        <section class="card" id="file-assessments">
            <h2>{t_string!(i18n, household.assessments)}</h2>
            <ul>
                {file.assessments.into_iter().map(|(n, reason, cats, at)| view! {
                    <li>{china_time(at)} " · " {n} " · " {move || match reason.as_str() {
                        "submission" => t_string!(i18n, policy.reason_submission),
                        "verification" => t_string!(i18n, policy.reason_verification),
                        _ => t_string!(i18n, policy.reason_reassessment),
                    }} " · " {move || if cats.is_empty() { t_string!(i18n, policy.cliff_none).to_string() } else { cats.iter().map(|c| labels::category(i18n, *c)).collect::<Vec<_>>().join(labels::list_sep(i18n)) }}</li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card" id="file-visits">
            <h2>{t_string!(i18n, visit.recorded)}</h2>
            {file.visits.into_iter().map(|v| view! { <VisitCard visit=v /> }).collect_view()}
        </section>
        // What a caseworker can do, after what the file says: charity needs (with the form that
        // records one), referrals, aid.
        <crate::ui::charity::HouseholdCharity household_id=file.id.clone() caseworker=caseworker data=needs />
        {caseworker.then(|| view! {
            <OnDemand id="referral-open" summary=t_string!(i18n, household.refer_title) open=referral_open
                args=(referral, file.referral_days, on_change) load=|(form, days, on_change)| Box::pin(referral_form_part(form, days, on_change)) />
            <OnDemand id="aid-open" summary=t_string!(i18n, household.record_aid) open=aid_open
                args=(household.get_value(), on_change) load=|(household, on_change)| Box::pin(aid_form_part(household, on_change)) />
        })}
    }
    .into_any()
}

#[component]
fn ReferralList(rows: Vec<ReferralView>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {rows.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, household.no_referrals)}</p> })}
        <ul class="referrals">
            {rows.into_iter().map(|r| {
                let (status, need, dept, overdue) = (r.status, r.need, r.department, r.overdue);
                view! {
                    <li data-referral=r.id class=if overdue { "overdue" } else { "" }>
                        {need.map(|k| labels::aid_kind(i18n, k)).unwrap_or_default()} " → "
                        {dept.map(|d| labels::department(i18n, d)).unwrap_or_default()} " · "
                        <span class="badge">{status.map(|s| labels::referral_status(i18n, s)).unwrap_or_default()}</span> " · "
                        {t_string!(i18n, household.due)} " " {r.due_on.clone()}
                        {overdue.then(|| view! { " " <strong class="late">{t_string!(i18n, household.overdue)}</strong> })}
                        <br /><small>{r.note.clone()}</small>
                        {(!r.answer.is_empty()).then(|| view! { <br /><small>{t_string!(i18n, household.answer)} ": " {r.answer.clone()}</small> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The referral form, its code loaded when first opened.
#[cfg_attr(not(feature = "portal"), lazy)] // not exported from the portal's WASM (its islands only)
async fn referral_form_part(
    form: RwSignal<ReferralDraft>,
    days: Option<i64>,
    on_change: Callback<()>,
) -> AnyView {
    view! { <ReferralForm form days on_change /> }.into_any()
}

/// The form to record aid, its code loaded when first opened.
#[cfg_attr(not(feature = "portal"), lazy)] // not exported from the portal's WASM (its islands only)
async fn aid_form_part(household: String, on_change: Callback<()>) -> AnyView {
    view! { <AidForm household on_change /> }.into_any()
}

#[component]
fn ReferralForm(
    form: RwSignal<ReferralDraft>,
    days: Option<i64>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let send = Action::new(move |d: &ReferralDraft| refer(d.clone()));
    Effect::new(move |_| match send.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let fe = move |f| field_error_of(error, f);
    view! {
        <form id="referral-form" on:submit=move |ev| { ev.prevent_default(); send.dispatch(form.get_untracked()); }>
            {days.map(|d| view! { <p class="muted">{t!(i18n, household.refer_days, days = d)}</p> })}
            <label for="referral-need">{t_string!(i18n, household.need)}</label>
            <select id="referral-need" on:change=move |ev| form.update(|f| { f.need = event_target_value(&ev); f.department.clear(); })>
                <option value="">{t_string!(i18n, common.please_choose)}</option>
                {AidKind::ALL.into_iter().filter(|k| *k != AidKind::Charity).map(|k| view! {
                    <option value=k.code() selected=move || form.with(|f| f.need == k.code())>{labels::aid_kind(i18n, k)}</option>
                }).collect_view()}
            </select>
            <FieldMessage error=fe("need") id="referral-need-error" />
            <label for="referral-department">{t_string!(i18n, household.department)}</label>
            <select id="referral-department" on:change=move |ev| form.update(|f| f.department = event_target_value(&ev))>
                <option value="">{t_string!(i18n, household.department_default)}</option>
                {Department::ALL.into_iter().map(|d| view! {
                    <option value=d.code() selected=move || form.with(|f| f.department == d.code())>{labels::department(i18n, d)}</option>
                }).collect_view()}
            </select>
            <FieldMessage error=fe("department") id="referral-department-error" />
            <label for="referral-note">{t_string!(i18n, household.note)}</label>
            <textarea id="referral-note" rows="2" maxlength="500" prop:value=move || form.with(|f| f.note.clone())
                on:input=move |ev| form.update(|f| f.note = event_target_value(&ev))></textarea>
            <FieldMessage error=fe("note") id="referral-note-error" />
            <ErrorBanner error=general_error(error) />
            {move || matches!(send.value().get(), Some(Ok(_))).then(|| view! { <p class="banner ok" id="referral-sent">{t_string!(i18n, household.referral_sent)}</p> })}
            <button type="submit" class="primary" id="referral-send" disabled=move || send.pending().get()>{t_string!(i18n, household.send)}</button>
        </form>
    }
    .into_any()
}

/// The aid fields, shared by the caseworker's form and the department's feedback.
#[component]
fn AidFields(
    form: RwSignal<AidDraft>,
    error: RwSignal<Option<AppError>>,
    #[prop(into)] prefix: String,
    with_source: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let fe = move |f| field_error_of(error, f);
    let prefix = StoredValue::new(prefix);
    let id = move |f: &str| format!("{}-{f}", prefix.get_value());
    view! {
        <label for=id("kind")>{t_string!(i18n, household.kind)}</label>
        <select id=id("kind") on:change=move |ev| form.update(|f| f.kind = event_target_value(&ev))>
            <option value="">{t_string!(i18n, common.please_choose)}</option>
            {AidKind::ALL.into_iter().map(|k| view! { <option value=k.code() selected=move || form.with(|f| f.kind == k.code())>{labels::aid_kind(i18n, k)}</option> }).collect_view()}
        </select>
        <FieldMessage error=fe("kind") id=id("kind-error") />
        {with_source.then(|| view! {
            <label for=id("source")>{t_string!(i18n, household.source)}</label>
            <select id=id("source") on:change=move |ev| form.update(|f| f.source = event_target_value(&ev))>
                <option value="">{t_string!(i18n, household.source_charity)}</option>
                {Department::ALL.into_iter().map(|d| view! { <option value=d.code() selected=move || form.with(|f| f.source == d.code())>{labels::department(i18n, d)}</option> }).collect_view()}
            </select>
            <FieldMessage error=fe("source") id=id("source-error") />
            <label for=id("source-name")>{t_string!(i18n, household.source_name)}</label>
            <input id=id("source-name") maxlength="100" prop:value=move || form.with(|f| f.source_name.clone()) on:input=move |ev| form.update(|f| f.source_name = event_target_value(&ev)) />
            <FieldMessage error=fe("source_name") id=id("source-name-error") />
        })}
        <label for=id("amount")>{t_string!(i18n, household.amount_yuan)}</label>
        <input id=id("amount") inputmode="decimal" maxlength="12" prop:value=move || form.with(|f| f.amount.clone()) on:input=move |ev| form.update(|f| f.amount = event_target_value(&ev)) />
        <FieldMessage error=fe("amount") id=id("amount-error") />
        <label class="check"><input type="checkbox" id=id("monthly") prop:checked=move || form.with(|f| f.monthly) on:change=move |ev| form.update(|f| f.monthly = event_target_checked(&ev)) /> {t_string!(i18n, household.monthly)}</label>
        <label for=id("from")>{t_string!(i18n, household.from)}</label>
        <input id=id("from") type="date" prop:value=move || form.with(|f| f.from.clone()) on:input=move |ev| form.update(|f| f.from = event_target_value(&ev)) />
        <FieldMessage error=fe("from") id=id("from-error") />
        <label for=id("until")>{t_string!(i18n, household.until)}</label>
        <input id=id("until") type="date" prop:value=move || form.with(|f| f.until.clone()) on:input=move |ev| form.update(|f| f.until = event_target_value(&ev)) />
        <FieldMessage error=fe("until") id=id("until-error") />
    }
    .into_any()
}

#[component]
fn AidForm(household: String, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let household = StoredValue::new(household);
    let error = RwSignal::new(None::<AppError>);
    let form = RwSignal::new(AidDraft {
        source: Department::CivilAffairs.code().into(),
        from: device::today_china().to_string(),
        ..Default::default()
    });
    // One id per entry typed, so a double tap or retry records it once.
    let entry_id = StoredValue::new(device::new_device_id("aid"));
    let save = Action::new(move |d: &AidDraft| {
        record_aid(household.get_value(), entry_id.get_value(), d.clone())
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            error.set(None);
            entry_id.set_value(device::new_device_id("aid"));
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <form id="aid-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(form.get_untracked()); }>
            <AidFields form error prefix="aid" with_source=true />
            <label for="aid-note">{t_string!(i18n, household.note)}</label>
            <textarea id="aid-note" rows="2" maxlength="500" prop:value=move || form.with(|f| f.note.clone()) on:input=move |ev| form.update(|f| f.note = event_target_value(&ev))></textarea>
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" id="aid-save" disabled=move || save.pending().get()>{t_string!(i18n, household.save_aid)}</button>
        </form>
    }
    .into_any()
}

/// 部门收件箱: referrals to the officer's department in the officer's region, open first.
#[component]
pub fn ReferralInboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let inbox = Resource::new(|| (), |_| referral_inbox());
    view! {
        <h1>{t_string!(i18n, household.inbox_title)}</h1>
        <PageTitle text=t_string!(i18n, household.inbox_title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                if !matches!(me.await, Ok(Some(ref u)) if u.role == Role::Department) {
                    return view! { <p class="notice">{t_string!(i18n, error.forbidden)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p> }.into_any();
                }
                match inbox.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="muted" id="inbox-empty">{t_string!(i18n, household.inbox_empty)}</p> }.into_any(),
                    Ok(rows) => view! {
                        <div id="inbox">
                            {rows.into_iter().map(|r| view! { <InboxItem row=r on_change=Callback::new(move |_| inbox.refetch()) /> }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn InboxItem(row: ReferralView, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = row.id;
    let (status, need, overdue) = (row.status, row.need, row.overdue);
    let error = RwSignal::new(None::<AppError>);
    let answer = RwSignal::new(String::new());
    let aid = RwSignal::new(AidDraft {
        kind: need.map(|k| k.code().to_string()).unwrap_or_default(),
        from: device::today_china().to_string(),
        ..Default::default()
    });
    let with_aid = RwSignal::new(true);
    let act = Action::new(move |(to, a): &(ReferralStatus, Option<AidDraft>)| {
        answer_referral(id, *to, answer.get_untracked(), a.clone())
    });
    Effect::new(move |_| match act.value().get() {
        Some(Ok(())) => {
            error.set(None);
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let open = status.is_some_and(ReferralStatus::is_open);
    let head = row.head.clone();
    view! {
        <article class=if overdue { "card referral overdue" } else { "card referral" } data-referral=id>
            <h2>
                {need.map(|k| labels::aid_kind(i18n, k)).unwrap_or_default()} " · "
                <span class="badge">{status.map(|s| labels::referral_status(i18n, s)).unwrap_or_default()}</span>
            </h2>
            <p>{t_string!(i18n, household.due)} " " {row.due_on.clone()} {overdue.then(|| view! { " " <strong class="late">{t_string!(i18n, household.overdue)}</strong> })}</p>
            <p>{row.region_name.clone()} " · " {head.as_ref().map(|h| format!("{} {}", h.name, h.id_number_masked))}</p>
            <p>{row.note.clone()}</p>
            <p class="muted">{t_string!(i18n, household.sent_by)} " " {row.created_by.clone()} " · " {china_time(row.created_at)}</p>
            {(!row.answer.is_empty()).then(|| view! { <p>{t_string!(i18n, household.answer)} ": " {row.answer.clone()}</p> })}
            {open.then(|| view! {
                <form on:submit=move |ev| {
                    ev.prevent_default();
                    act.dispatch((ReferralStatus::Done, with_aid.get_untracked().then(|| aid.get_untracked())));
                }>
                    {(status == Some(ReferralStatus::Sent)).then(|| view! {
                        <button type="button" class="inbox-accept" on:click=move |_| { act.dispatch((ReferralStatus::Accepted, None)); }>{t_string!(i18n, household.accept)}</button>
                    })}
                    <label for=format!("answer-{id}")>{t_string!(i18n, household.answer)}</label>
                    <textarea id=format!("answer-{id}") rows="2" maxlength="500" prop:value=answer on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
                    <FieldMessage error=field_error_of(error, "answer") id=format!("answer-{id}-error") />
                    <label class="check"><input type="checkbox" prop:checked=with_aid on:change=move |ev| with_aid.set(event_target_checked(&ev)) /> {t_string!(i18n, household.gave_aid)}</label>
                    <Show when=move || with_aid.get()>
                        <AidFields form=aid error prefix=format!("feedback-{id}") with_source=false />
                    </Show>
                    <ErrorBanner error=general_error(error) />
                    <button type="submit" class="primary inbox-done" disabled=move || act.pending().get()>{t_string!(i18n, household.done)}</button>
                    <button type="button" class="danger inbox-decline" on:click=move |_| { act.dispatch((ReferralStatus::Declined, None)); }>{t_string!(i18n, household.decline)}</button>
                </form>
            })}
        </article>
    }
    .into_any()
}

/// The household's people as the county's rosters listed them when taken in, with how the
/// roster gave to reach them, and the decision in force when the intake made it.
#[component]
fn CaseloadCard(
    people: Vec<crate::api::household::CaseloadView>,
    decision: Option<crate::api::household::IntakeDecisionView>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" id="caseload">
            <h2>{t_string!(i18n, intake.file_title)}</h2>
            {decision.map(|d| view! {
                <p id="intake-decision">
                    {t_string!(i18n, casework.decision)} ": " {labels::category(i18n, d.category)} " "
                    {crate::ui::policy::yuan(i18n, d.monthly_amount_fen)} {t_string!(i18n, household.per_month)}
                    " · " {t_string!(i18n, casework.effective_from)} " " {d.effective_from.clone()}
                    " · " {t_string!(i18n, intake.decided_by)} " " {labels::roster_kind(i18n, d.roster)}
                    " (" {crate::ui::as_written(d.file_name.clone())} ", " {china_time(d.decided_at)} ")"
                </p>
            })}
            <div class="table-scroll" tabindex="0">
            <table id="caseload-table">
                <thead><tr>
                    <th>{t_string!(i18n, intake.roster)}</th>
                    <th>{t_string!(i18n, intake.person)}</th>
                    <th>{t_string!(i18n, intake.amount)}</th>
                    <th>{t_string!(i18n, intake.since)}</th>
                    <th>{t_string!(i18n, intake.contact)}</th>
                </tr></thead>
                <tbody>{people.into_iter().map(|p| view! {
                    <tr>
                        <td>{labels::roster_kind(i18n, p.roster)}</td>
                        <td>{crate::ui::as_written(p.name.clone())} " (" {labels::relation(i18n, p.relation)} ") " {p.id_masked.clone()}
                            {p.grade.map(|g| format!(" · {g}"))} {(!p.detail.is_empty()).then(|| format!(" · {}", p.detail))}
                            {p.care_need.map(|c| format!(" · {}", labels::care_need(i18n, c)))}</td>
                        <td class="num">{p.monthly_amount_fen.map(|f| crate::ui::policy::yuan(i18n, f)).unwrap_or_default()}</td>
                        <td>{p.since.clone()}</td>
                        <td>{crate::ui::as_written(p.address.clone())} {(!p.phone.is_empty()).then(|| view! { " " <a href=format!("tel:{}", p.phone)>{p.phone.clone()}</a> })}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
            </div>
        </section>
    }
}
