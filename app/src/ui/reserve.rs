//! 乡镇临时救助备用金 on a tablet: each township's balance and month (opening, allocated, topped
//! up, spent, closing, whether the entries agree), its entries, and for county staff a form to
//! allocate or top up.

use crate::api::reserve::{credit_reserve, reserve_overview, ReserveRow};
use crate::clock::china_time;
use crate::domain::reserve::ReserveKind;
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{
    field_error_of, general_error, ErrorBanner, FieldMessage, ForRoles, MeResource, PageTitle,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

fn kind_label(i18n: I18nContext<Locale>, k: ReserveKind) -> &'static str {
    match k {
        ReserveKind::Allocation => t_string!(i18n, reserve.kind.allocation),
        ReserveKind::TopUp => t_string!(i18n, reserve.kind.top_up),
        ReserveKind::Spend => t_string!(i18n, reserve.kind.spend),
    }
}

#[component]
pub fn ReservePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, reserve.title)}</h1>
        <PageTitle text=t_string!(i18n, reserve.title).to_string() />
        <ForRoles roles=&[Role::Caseworker]>
            <Reserves />
        </ForRoles>
    }
}

#[component]
fn Reserves() -> impl IntoView {
    let i18n = use_i18n();
    let month = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    let view_of = Resource::new(move || month.get(), reserve_overview);
    let error = RwSignal::new(None::<AppError>);
    let form = RwSignal::new((
        String::new(),
        "allocation".to_string(),
        String::new(),
        String::new(),
    ));
    let credit = Action::new(move |f: &(String, String, String, String)| {
        let (t, k, a, n) = f.clone();
        credit_reserve(t, k, a, n)
    });
    let done = RwSignal::new(None::<String>);
    Effect::new(move |_| match credit.value().get() {
        Some(Ok(balance)) => {
            error.set(None);
            done.set(Some(balance));
            form.update(|f| {
                f.2.clear();
                f.3.clear();
            });
            view_of.refetch();
        }
        Some(Err(e)) => {
            done.set(None);
            error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(v)) = view_of.get() {
            if typed.with_untracked(String::is_empty) {
                typed.set(v.month);
            }
        }
    });
    let fe = move |f| field_error_of(error, f);
    view! {
        <p class="muted">{t_string!(i18n, reserve.intro)}</p>
        <form class="card filters" on:submit=move |ev| { ev.prevent_default(); month.set(typed.get_untracked()); }>
            <div class="filter-grid">
                <div>
                    <label for="rf-month">{t_string!(i18n, reserve.month_label)}</label>
                    <input id="rf-month" type="month" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                </div>
            </div>
            <button type="submit" id="rf-show">{t_string!(i18n, reserve.show)}</button>
        </form>
        <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match view_of.await {
                    Ok(v) => {
                        let may_credit = v.may_credit;
                        let rows = v.rows.clone();
                        view! {
                            {rows.is_empty().then(|| view! { <p class="muted" id="rf-none">{t_string!(i18n, reserve.none)}</p> })}
                            {(!rows.is_empty()).then(|| view! {
                                <div class="table-scroll" tabindex="0">
                                    <table id="rf-table">
                                        <thead><tr>
                                            <th>{t_string!(i18n, reserve.township)}</th><th>{t_string!(i18n, reserve.balance)}</th>
                                            <th>{t_string!(i18n, reserve.opening)}</th><th>{t_string!(i18n, reserve.allocated)}</th>
                                            <th>{t_string!(i18n, reserve.topped_up)}</th><th>{t_string!(i18n, reserve.spent)}</th>
                                            <th>{t_string!(i18n, reserve.spends)}</th><th>{t_string!(i18n, reserve.closing)}</th>
                                            <th>{t_string!(i18n, reserve.consistent)}</th>
                                        </tr></thead>
                                        <tbody>{rows.iter().map(|r| row(i18n, r)).collect_view()}</tbody>
                                    </table>
                                </div>
                                {rows.iter().filter(|r| !r.entries.is_empty()).map(|r| view! {
                                    <section class="card" data-township=r.township.clone()>
                                        <h3>{r.name.clone()} " · " {t_string!(i18n, reserve.entries_title)}</h3>
                                        <ul>{r.entries.iter().map(|e| view! {
                                            <li>{china_time(e.at)} " · " {kind_label(i18n, e.kind)} " " {e.amount.clone()} " → " {e.balance_after.clone()} " · " {e.by.clone()} {(!e.note.is_empty()).then(|| format!(" · {}", e.note))}</li>
                                        }).collect_view()}</ul>
                                    </section>
                                }).collect_view()}
                            })}
                            {may_credit.then(|| view! {
                                <form class="card" id="rf-credit" on:submit=move |ev| { ev.prevent_default(); credit.dispatch(form.get_untracked()); }>
                                    <h2>{t_string!(i18n, reserve.credit_title)}</h2>
                                    <label for="rf-township">{t_string!(i18n, reserve.township)}</label>
                                    <TownshipSelect id="rf-township" value=Signal::derive(move || form.with(|f| f.0.clone())) on_change=Callback::new(move |t: String| form.update(|f| f.0 = t)) />
                                    <FieldMessage error=fe("township") id="rf-township-error" />
                                    <label for="rf-kind">{t_string!(i18n, reserve.kind_label)}</label>
                                    <select id="rf-kind" on:change=move |ev| form.update(|f| f.1 = event_target_value(&ev))>
                                        <option value="allocation" selected>{kind_label(i18n, ReserveKind::Allocation)}</option>
                                        <option value="top_up">{kind_label(i18n, ReserveKind::TopUp)}</option>
                                    </select>
                                    <label for="rf-amount">{t_string!(i18n, reserve.amount_label)}</label>
                                    <input id="rf-amount" inputmode="decimal" required prop:value=move || form.with(|f| f.2.clone()) on:input=move |ev| form.update(|f| f.2 = event_target_value(&ev)) />
                                    <FieldMessage error=fe("amount") id="rf-amount-error" />
                                    <label for="rf-note">{t_string!(i18n, reserve.note_label)}</label>
                                    <input id="rf-note" maxlength="200" prop:value=move || form.with(|f| f.3.clone()) on:input=move |ev| form.update(|f| f.3 = event_target_value(&ev)) />
                                    <ErrorBanner error=general_error(error) />
                                    {move || done.get().map(|b| view! { <p role="status" id="rf-done">{t_string!(i18n, reserve.credited)} {b}</p> })}
                                    <button type="submit" class="primary" id="rf-credit-go" disabled=move || credit.pending().get()>{t_string!(i18n, reserve.credit_go)}</button>
                                </form>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The townships of the caller's county, to choose one.
#[component]
fn TownshipSelect(
    id: &'static str,
    /// The township chosen (the form's, so the page drawn again shows it).
    value: Signal<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let towns = Resource::new(
        || (),
        move |_| async move {
            match me.await {
                Ok(Some(u)) => {
                    crate::api::regions::region_children(u.region_code.unwrap_or_default()).await
                }
                _ => Ok(Vec::new()),
            }
        },
    );
    view! {
        <select id=id required on:change=move |ev| on_change.run(event_target_value(&ev))>
            <option value="">{t_string!(i18n, common.please_choose)}</option>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    towns.await.unwrap_or_default().into_iter().map(|r| {
                        let code = r.code.clone();
                        view! {
                            <option value=r.code.clone() lang="zh-CN" selected=move || value.with(|v| *v == code)>{r.name_zh}</option>
                        }
                    }).collect_view()
                })}
            </Transition>
        </select>
    }
}

fn row(i18n: I18nContext<Locale>, r: &ReserveRow) -> impl IntoView {
    let m = &r.month;
    view! {
        <tr data-township=r.township.clone()>
            <td>{r.name.clone()}</td><td class="num">{r.balance.clone()}</td>
            <td class="num">{m.opening.to_string()}</td><td class="num">{m.allocated.to_string()}</td>
            <td class="num">{m.topped_up.to_string()}</td><td class="num">{m.spent.to_string()}</td>
            <td class="num">{m.spends}</td><td class="num">{m.closing.to_string()}</td>
            <td>{if m.consistent { t_string!(i18n, reserve.ok) } else { t_string!(i18n, reserve.mismatch) }}</td>
        </tr>
    }
}
