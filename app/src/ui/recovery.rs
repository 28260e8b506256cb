//! 追回 on the household file: the household's recovery cases (amount, repaid, written off,
//! outstanding, decision, repayments) and, for a caseworker, the forms that open a case, record
//! a repayment, ask for a write-off, and (for a second county caseworker) approve or refuse it.

use crate::api::recovery::{
    ask_write_off, decide_write_off, open_recovery, repay_recovery, RecoveryView,
};
use crate::clock::china_time;
use crate::domain::recovery::{RecoveryReason, RecoveryState};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{field_error_of, general_error, ErrorBanner, FieldMessage, OnDemand};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

fn reason_label(i18n: I18nContext<Locale>, r: RecoveryReason) -> &'static str {
    match r {
        RecoveryReason::PaidAfterExit => t_string!(i18n, recovery.reason.paid_after_exit),
        RecoveryReason::PaidAfterDeath => t_string!(i18n, recovery.reason.paid_after_death),
        RecoveryReason::EntitlementChanged => {
            t_string!(i18n, recovery.reason.entitlement_changed)
        }
        RecoveryReason::FalseDeclaration => t_string!(i18n, recovery.reason.false_declaration),
        RecoveryReason::Other => t_string!(i18n, recovery.reason.other),
    }
}

fn state_label(i18n: I18nContext<Locale>, s: RecoveryState) -> &'static str {
    match s {
        RecoveryState::Open => t_string!(i18n, recovery.state.open),
        RecoveryState::WriteOffAsked => t_string!(i18n, recovery.state.write_off_asked),
        RecoveryState::Closed => t_string!(i18n, recovery.state.closed),
    }
}

#[component]
pub fn RecoveryCard(
    household: String,
    cases: Vec<RecoveryView>,
    caseworker: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" id="recovery">
            <h2>{t_string!(i18n, recovery.title)}</h2>
            <p class="muted">{t_string!(i18n, recovery.intro)}</p>
            {cases.is_empty().then(|| view! { <p class="muted" id="recovery-none">{t_string!(i18n, recovery.none)}</p> })}
            {cases.into_iter().map(|c| view! { <Case case=c caseworker on_change /> }).collect_view()}
            // The form that opens a case is loaded when opened: few files ever need it.
            {caseworker.then(|| view! {
                <OnDemand id="recovery-open" summary=t_string!(i18n, recovery.open_title)
                    args=(household, on_change) load=|(household, on_change)| Box::pin(open_form_part(household, on_change)) />
            })}
        </section>
    }
}

/// The form that opens a recovery case, its code loaded when first opened.
#[cfg_attr(not(feature = "portal"), lazy)] // not exported from the portal's WASM (its islands only)
async fn open_form_part(household: String, on_change: Callback<()>) -> AnyView {
    view! { <OpenForm household on_change /> }.into_any()
}

#[component]
fn OpenForm(household: String, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let form = RwSignal::new((
        "paid_after_exit".to_string(),
        String::new(),
        String::new(),
        String::new(),
    ));
    let household = StoredValue::new(household);
    let open = Action::new(move |f: &(String, String, String, String)| {
        let (r, a, d, n) = f.clone();
        open_recovery(household.get_value(), r, a, d, n)
    });
    Effect::new(move |_| match open.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let fe = move |f| field_error_of(error, f);
    view! {
        <form on:submit=move |ev| { ev.prevent_default(); open.dispatch(form.get_untracked()); }>
            <label for="rc-reason">{t_string!(i18n, recovery.reason_label)}</label>
            <select id="rc-reason" on:change=move |ev| form.update(|f| f.0 = event_target_value(&ev))>
                {RecoveryReason::ALL.into_iter().map(|r| view! { <option value=r.code() selected=r == RecoveryReason::PaidAfterExit>{reason_label(i18n, r)}</option> }).collect_view()}
            </select>
            <FieldMessage error=fe("reason") id="rc-reason-error" />
            <label for="rc-amount">{t_string!(i18n, recovery.amount)}</label>
            <input id="rc-amount" inputmode="decimal" required prop:value=move || form.with(|f| f.1.clone()) on:input=move |ev| form.update(|f| f.1 = event_target_value(&ev)) />
            <FieldMessage error=fe("amount") id="rc-amount-error" />
            <label for="rc-decision">{t_string!(i18n, recovery.decision)}</label>
            <input id="rc-decision" required maxlength="200" prop:value=move || form.with(|f| f.2.clone()) on:input=move |ev| form.update(|f| f.2 = event_target_value(&ev)) />
            <FieldMessage error=fe("decision") id="rc-decision-error" />
            <label for="rc-note">{t_string!(i18n, recovery.note)}</label>
            <input id="rc-note" maxlength="500" prop:value=move || form.with(|f| f.3.clone()) on:input=move |ev| form.update(|f| f.3 = event_target_value(&ev)) />
            <FieldMessage error=fe("note") id="rc-note-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" id="rc-open-go" disabled=move || open.pending().get()>{t_string!(i18n, recovery.open_go)}</button>
        </form>
    }
}

#[component]
fn Case(case: RecoveryView, caseworker: bool, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(case.id.clone());
    let error = RwSignal::new(None::<AppError>);
    let repay = RwSignal::new((String::new(), String::new()));
    let reason = RwSignal::new(String::new());
    let done = move |r: Option<Result<RecoveryView, AppError>>| match r {
        Some(Ok(_)) => {
            error.set(None);
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    };
    let pay = Action::new(move |f: &(String, String)| {
        repay_recovery(id.get_value(), f.0.clone(), f.1.clone())
    });
    let ask = Action::new(move |r: &String| ask_write_off(id.get_value(), r.clone()));
    let decide = Action::new(move |yes: &bool| decide_write_off(id.get_value(), yes.to_string()));
    Effect::new(move |_| done(pay.value().get()));
    Effect::new(move |_| done(ask.value().get()));
    Effect::new(move |_| done(decide.value().get()));
    let fe = move |f| field_error_of(error, f);
    let open_case = case.state == RecoveryState::Open;
    let p = |s: &str| format!("{}-{}", s, case.id);
    view! {
        <article class="recovery-case" data-case=case.id.clone()>
            <h3>{reason_label(i18n, case.reason)} " · " <span class="rc-state">{state_label(i18n, case.state)}</span></h3>
            <table><tbody>
                <tr><th scope="row">{t_string!(i18n, recovery.amount)}</th><td class="num">{case.amount.clone()}</td></tr>
                <tr><th scope="row">{t_string!(i18n, recovery.repaid)}</th><td class="num">{case.repaid.clone()}</td></tr>
                <tr><th scope="row">{t_string!(i18n, recovery.written_off)}</th><td class="num">{case.written_off.clone()}</td></tr>
                <tr><th scope="row">{t_string!(i18n, recovery.outstanding)}</th><td class="num rc-outstanding">{case.outstanding.clone()}</td></tr>
                <tr><th scope="row">{t_string!(i18n, recovery.decision)}</th><td lang=crate::ui::text_lang(&case.decision)>{case.decision.clone()}</td></tr>
                <tr><th scope="row">{t_string!(i18n, recovery.opened)}</th><td>{china_time(case.opened_at)} " · " <span lang=crate::ui::text_lang(&case.opened_by)>{case.opened_by.clone()}</span></td></tr>
            </tbody></table>
            {(!case.note.is_empty()).then(|| view! { <p lang=crate::ui::text_lang(&case.note)>{case.note.clone()}</p> })}
            {(!case.repayments.is_empty()).then(|| view! {
                <h4>{t_string!(i18n, recovery.repayments)}</h4>
                <ul>{case.repayments.iter().map(|r| view! { <li>{r.paid_on.clone()} " · " {r.amount.clone()} " · " <span lang=crate::ui::text_lang(&r.by)>{r.by.clone()}</span></li> }).collect_view()}</ul>
            })}
            {(case.state == RecoveryState::WriteOffAsked).then(|| view! {
                <p class="banner warn">{t_string!(i18n, recovery.pending)} <span lang=crate::ui::text_lang(&case.write_off_reason)>{case.write_off_reason.clone()}</span></p>
            })}
            {(caseworker && case.may_decide).then(|| view! {
                <p>
                    <button type="button" class="primary" id=p("rc-approve") on:click=move |_| { decide.dispatch(true); }>{t_string!(i18n, recovery.approve)}</button>
                    " "
                    <button type="button" id=p("rc-refuse") on:click=move |_| { decide.dispatch(false); }>{t_string!(i18n, recovery.refuse)}</button>
                </p>
            })}
            {(caseworker && open_case).then(|| {
                let (amount_id, on_id, reason_id) = (p("rc-pay-amount"), p("rc-paid-on"), p("rc-wo-reason"));
                view! {
                    <form class="filter-grid" on:submit=move |ev| { ev.prevent_default(); pay.dispatch(repay.get_untracked()); }>
                        <div>
                            <label for=amount_id.clone()>{t_string!(i18n, recovery.repay_amount)}</label>
                            <input id=amount_id.clone() inputmode="decimal" required prop:value=move || repay.with(|f| f.0.clone()) on:input=move |ev| repay.update(|f| f.0 = event_target_value(&ev)) />
                            <FieldMessage error=fe("amount") id=format!("{amount_id}-error") />
                        </div>
                        <div>
                            <label for=on_id.clone()>{t_string!(i18n, recovery.paid_on)}</label>
                            <input id=on_id.clone() type="date" required prop:value=move || repay.with(|f| f.1.clone()) on:input=move |ev| repay.update(|f| f.1 = event_target_value(&ev)) />
                            <FieldMessage error=fe("paid_on") id=format!("{on_id}-error") />
                        </div>
                        <div><button type="submit" id=p("rc-pay-go") disabled=move || pay.pending().get()>{t_string!(i18n, recovery.repay_go)}</button></div>
                    </form>
                    <form on:submit=move |ev| { ev.prevent_default(); ask.dispatch(reason.get_untracked()); }>
                        <label for=reason_id.clone()>{t_string!(i18n, recovery.ask_reason)}</label>
                        <input id=reason_id.clone() required maxlength="500" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                        <FieldMessage error=fe("reason") id=format!("{reason_id}-error") />
                        <button type="submit" id=p("rc-wo-go") disabled=move || ask.pending().get()>{t_string!(i18n, recovery.ask_go)}</button>
                    </form>
                }
            })}
            <ErrorBanner error=general_error(error) />
        </article>
    }
}
