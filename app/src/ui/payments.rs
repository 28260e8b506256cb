//! 资金发放 on a tablet: a month's roll of the county, computed, approved by a second person, its
//! bank file downloaded and the bank's return file imported; totals by category and fund, the
//! lines with why each is what it is, and the failed payments to follow up.

use crate::api::payments::{
    approve_roll, payments_page, prepare_roll, LineView, PaymentsView, ReturnReport,
};
use crate::clock::china_time;
use crate::domain::payments::RollStatus;
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::texts::roster as words;
use crate::ui::{ErrorBanner, ForRoles, PageTitle};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;

fn status_label(i18n: I18nContext<Locale>, s: RollStatus) -> &'static str {
    match s {
        RollStatus::Prepared => t_string!(i18n, payments.status.prepared),
        RollStatus::Approved => t_string!(i18n, payments.status.approved),
        RollStatus::Reconciled => t_string!(i18n, payments.status.reconciled),
    }
}

fn problem_label(i18n: I18nContext<Locale>, code: &str) -> &'static str {
    match code {
        "columns" => t_string!(i18n, payments.problem.columns),
        "ref_missing" => t_string!(i18n, payments.problem.ref_missing),
        "status_unknown" => t_string!(i18n, payments.problem.status_unknown),
        "ref_unknown" => t_string!(i18n, payments.problem.ref_unknown),
        _ => t_string!(i18n, payments.problem.ref_twice),
    }
}

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, payments.title)}</h1>
        <PageTitle text=t_string!(i18n, payments.title).to_string() />
        <ForRoles roles=&[Role::Caseworker]>
            <Payments />
        </ForRoles>
    }
}

#[component]
fn Payments() -> impl IntoView {
    let i18n = use_i18n();
    // The month shown ("" is this month); the field's value until "show".
    let month = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let report = RwSignal::new(None::<ReturnReport>);
    let page = Resource::new(move || month.get(), payments_page);
    // The field starts at the month shown (this month at first).
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            if typed.with_untracked(String::is_empty) {
                typed.set(p.month);
            }
        }
    });
    let prepare = Action::new(move |m: &String| prepare_roll(m.clone()));
    let approve = Action::new(move |id: &String| approve_roll(id.clone()));
    let upload = Action::new_local(move |roll: &String| {
        let roll = roll.clone();
        async move { crate::ui::device::upload_bank_return("p-return-file", &roll).await }
    });
    // After any action: its error, or the page read again.
    Effect::new(move |_| {
        for result in [
            prepare.value().get().map(|r| r.map(|_| ())),
            approve.value().get().map(|r| r.map(|_| ())),
        ]
        .into_iter()
        .flatten()
        {
            match result {
                Ok(()) => {
                    error.set(None);
                    page.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    Effect::new(move |_| match upload.value().get() {
        Some(Ok(r)) => {
            error.set(None);
            let refused = r.refused;
            report.set(Some(r));
            if !refused {
                page.refetch();
            }
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <p class="muted">{t_string!(i18n, payments.intro)}</p>
        <form class="card filters" on:submit=move |ev| { ev.prevent_default(); report.set(None); month.set(typed.get_untracked()); }>
            <div class="filter-grid">
                <div>
                    <label for="p-month">{t_string!(i18n, payments.month_label)}</label>
                    <input id="p-month" type="month" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                </div>
            </div>
            <button type="submit" id="p-show">{t_string!(i18n, payments.show)}</button>
        </form>
        <ErrorBanner error=error />
        <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <Roll p prepare approve upload report /> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Roll(
    p: PaymentsView,
    prepare: Action<String, Result<crate::api::payments::RollView, AppError>>,
    approve: Action<String, Result<crate::api::payments::RollView, AppError>>,
    upload: Action<String, Result<ReturnReport, AppError>>,
    report: RwSignal<Option<ReturnReport>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let month = p.month.clone();
    let busy = move || prepare.pending().get() || approve.pending().get() || upload.pending().get();
    let may_prepare = p
        .roll
        .as_ref()
        .is_none_or(|r| r.status == RollStatus::Prepared);
    let frozen = p
        .roll
        .as_ref()
        .is_some_and(|r| r.status != RollStatus::Prepared);
    let roll_id = p.roll.as_ref().map(|r| r.id.clone()).unwrap_or_default();
    let summary = p.roll.clone().map(|r| view! {
        <dl class="card" id="p-roll" data-status=r.status.code()>
            <dt>{t_string!(i18n, payments.status_label)}</dt><dd id="p-status">{status_label(i18n, r.status)}</dd>
            <dt>{t_string!(i18n, payments.households)}</dt><dd id="p-households">{r.households}</dd>
            <dt>{t_string!(i18n, payments.total)}</dt><dd id="p-total">{r.total.clone()}</dd>
            <dt>{t_string!(i18n, payments.held)}</dt><dd>{r.held.clone()}</dd>
            <dt>{t_string!(i18n, payments.prepared_by)}</dt><dd>{r.prepared_by.clone()} " · " {china_time(r.prepared_at)}</dd>
            {r.approved_by.clone().map(|by| view! {
                <dt>{t_string!(i18n, payments.approved_by)}</dt><dd id="p-approved-by">{by} " · " {r.approved_at.map(china_time).unwrap_or_default()}</dd>
            })}
        </dl>
    });
    let line_row = move |l: LineView| {
        let locale = i18n.get_locale_untracked();
        let notes = l
            .notes
            .iter()
            .map(|n| words::note(locale, n))
            .collect::<Vec<_>>()
            .join("；");
        let bank = l.bank.as_ref().map(|b| words::bank(locale, b));
        let href = format!("/staff/households/{}", l.household_id);
        let (id, shown) = (l.household_id.clone(), l.household_id.clone());
        view! {
            <tr data-household=id>
                <td><A href=href>{shown}</A></td>
                <td class="mono">{l.region_code.clone()}</td>
                <td>{words::category(i18n.get_locale_untracked(), l.category)}</td>
                <td class="num">{l.monthly.clone()}</td>
                <td class="num">{l.arrears.clone()}</td>
                <td class="num">{l.amount.clone()}</td>
                <td>{notes}</td>
                <td>{bank.unwrap_or_default()}</td>
            </tr>
        }
    };
    let head = move || {
        view! {
            <thead><tr>
                <th>{t_string!(i18n, payments.household)}</th><th>{t_string!(i18n, payments.region)}</th>
                <th>{t_string!(i18n, payments.category)}</th><th>{t_string!(i18n, payments.monthly)}</th>
                <th>{t_string!(i18n, payments.arrears)}</th><th>{t_string!(i18n, payments.amount)}</th>
                <th>{t_string!(i18n, payments.notes)}</th><th>{t_string!(i18n, payments.bank)}</th>
            </tr></thead>
        }
    };
    let has_roll = p.roll.is_some();
    let failed = p.failed.clone();
    let overpaid = p.overpaid.clone();
    view! {
        <section aria-labelledby="p-month-title">
            <h2 id="p-month-title">{p.county_name.clone()} " " {p.month.clone()}</h2>
            {(!has_roll).then(|| view! { <p class="muted" id="p-none">{t_string!(i18n, payments.none)}</p> })}
            {summary}
            <p>
                {may_prepare.then(|| {
                    let month = month.clone();
                    view! {
                        <button type="button" class="primary" id="p-prepare" disabled=busy on:click=move |_| { prepare.dispatch(month.clone()); }>
                            {if has_roll { t_string!(i18n, payments.prepare_again) } else { t_string!(i18n, payments.prepare) }}
                        </button>
                    }
                })}
                {p.may_approve.then(|| {
                    let id = roll_id.clone();
                    view! { <button type="button" class="primary" id="p-approve" disabled=busy on:click=move |_| { approve.dispatch(id.clone()); }>{t_string!(i18n, payments.approve)}</button> }
                })}
            </p>
            {frozen.then(|| {
                let id = roll_id.clone();
                let id2 = roll_id.clone();
                view! {
                    <p>
                        <a class="button" id="p-bank-csv" rel="external" download href=format!("/payments/{id}/bank.csv")>{t_string!(i18n, payments.bank_csv)}</a>
                        " "
                        <a class="button" id="p-bank-xlsx" rel="external" download href=format!("/payments/{id}/bank.xlsx")>{t_string!(i18n, payments.bank_xlsx)}</a>
                    </p>
                    <form class="card" id="p-return" on:submit=move |ev| { ev.prevent_default(); upload.dispatch(id2.clone()); }>
                        <h3>{t_string!(i18n, payments.return_title)}</h3>
                        <label for="p-return-file">{t_string!(i18n, payments.return_file)}</label>
                        <input id="p-return-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required />
                        <button type="submit" id="p-return-go" disabled=busy>{t_string!(i18n, payments.return_go)}</button>
                    </form>
                }
            })}
            {move || report.get().map(|r| if r.refused {
                view! {
                    <div class="card notice" role="alert" id="p-return-report" data-refused="true">
                        <p>{t_string!(i18n, payments.return_refused)}</p>
                        <ul>{r.problems.iter().map(|p| view! { <li>{t_string!(i18n, payments.row)} " " {p.row} ": " {problem_label(i18n, &p.code)} " " {p.reference.clone()}</li> }).collect_view()}</ul>
                    </div>
                }.into_any()
            } else {
                let done = t_string!(i18n, payments.return_done)
                    .replace("{paid}", &r.paid)
                    .replace("{failed}", &r.failed)
                    .replace("{unanswered}", &r.unanswered.to_string());
                view! {
                    <div class="card" role="status" id="p-return-report" data-refused="false">
                        <p>{done}</p>
                        <p id="p-balanced">{if r.balanced { t_string!(i18n, payments.balanced) } else { t_string!(i18n, payments.not_balanced) }}</p>
                    </div>
                }.into_any()
            })}
            {(!p.totals.is_empty()).then(|| view! {
                <h3>{t_string!(i18n, payments.totals_title)}</h3>
                <div class="table-scroll" tabindex="0">
                    <table id="p-totals">
                        <thead><tr><th>{t_string!(i18n, payments.category)}</th><th>{t_string!(i18n, payments.fund_label)}</th><th>{t_string!(i18n, payments.households)}</th><th>{t_string!(i18n, payments.total)}</th><th>{t_string!(i18n, payments.held)}</th></tr></thead>
                        <tbody>{p.totals.iter().map(|t| view! {
                            <tr><td>{words::category(i18n.get_locale_untracked(), t.category)}</td><td>{words::fund(i18n.get_locale_untracked(), t.fund)}</td><td class="num">{t.households}</td><td class="num">{t.amount.clone()}</td><td class="num">{t.held.clone()}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                </div>
            })}
            {frozen.then(|| view! {
                <h3>{t_string!(i18n, payments.failed_title)}</h3>
                {if failed.is_empty() {
                    view! { <p class="muted" id="p-no-failed">{t_string!(i18n, payments.no_failed)}</p> }.into_any()
                } else {
                    view! { <div class="table-scroll" tabindex="0"><table id="p-failed">{head()}<tbody>{failed.clone().into_iter().map(line_row).collect_view()}</tbody></table></div> }.into_any()
                }}
            })}
            {(!overpaid.is_empty()).then(move || view! {
                <h3>{t_string!(i18n, payments.overpaid_title)}</h3>
                <div class="table-scroll" tabindex="0">
                    <table id="p-overpaid">
                        <thead><tr><th>{t_string!(i18n, payments.month_label)}</th><th>{t_string!(i18n, payments.household)}</th><th>{t_string!(i18n, payments.last_day)}</th><th>{t_string!(i18n, payments.overpaid_amount)}</th></tr></thead>
                        <tbody>{overpaid.into_iter().map(|o| {
                            // To the file, where a recovery case is opened.
                            let href = format!("/staff/households/{}#recovery", o.household_id);
                            let id = o.household_id.clone();
                            view! {
                                <tr data-household=id><td>{o.month}</td>
                                <td><A href=href>{o.household_id}</A></td>
                                <td>{o.last_day}</td><td class="num">{o.amount}</td></tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                </div>
            })}
            {(!p.lines.is_empty()).then(|| view! {
                <h3>{t_string!(i18n, payments.lines_title)}</h3>
                <div class="table-scroll" tabindex="0"><table id="p-lines">{head()}<tbody>{p.lines.clone().into_iter().map(line_row).collect_view()}</tbody></table></div>
            })}
            {(!p.recent.is_empty()).then(|| view! {
                <h3>{t_string!(i18n, payments.recent_title)}</h3>
                <ul id="p-recent">{p.recent.iter().map(|r| view! {
                    <li>{r.month.clone()} " · " {status_label(i18n, r.status)} " · " {r.households} " · " {r.total.clone()}</li>
                }).collect_view()}</ul>
            })}
        </section>
    }
}
