//! 服务类救助 in the staff application: on the household file (tablet), the care services
//! ordered for its members and the form that orders one; the provider's page (/provider), its
//! prices, its orders and the services it records with the person's confirmation.

use crate::api::care::{
    add_price, end_order, household_services, order_service, provider_home, record_delivery,
    set_price, OrderView, PriceView,
};
use crate::domain::care::{
    show_tenths, Confirmation, DeliveryDraft, OrderDraft, ServiceKind, ServiceUnit,
};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::policy::yuan;
use crate::ui::{
    as_written, device, field_error_of, general_error, labels, ErrorBanner, FieldMessage, OnDemand,
    PageTitle,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// A price as an option of its provider's group: the service and its price a unit.
fn price_text(i18n: I18nContext<Locale>, p: &PriceView) -> String {
    format!(
        "{} · {}/{}",
        labels::service_kind(i18n, p.kind),
        yuan(i18n, p.price_fen),
        labels::service_unit(i18n, p.unit)
    )
}

/// Prices grouped by provider, in the order given (the provider's name is a group's label, in
/// the language it is written in).
fn by_provider(prices: &[PriceView]) -> Vec<(String, Vec<PriceView>)> {
    let mut groups: Vec<(String, Vec<PriceView>)> = Vec::new();
    for p in prices {
        match groups.iter_mut().find(|(name, _)| *name == p.provider) {
            Some((_, list)) => list.push(p.clone()),
            None => groups.push((p.provider.clone(), vec![p.clone()])),
        }
    }
    groups
}

/// An order: who, what, how much a month, the period, and what was given each month.
#[component]
fn OrderCard(order: OrderView, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let i18n = use_i18n();
    let unit = labels::service_unit(i18n, order.unit);
    let reasons = order
        .reasons
        .iter()
        .map(|r| labels::care_reason(i18n, *r))
        .collect::<Vec<_>>()
        .join(labels::list_sep(i18n));
    view! {
        <article class="service-order" data-order=order.id.clone()>
            <h3>{as_written(order.person.clone())} " · " {labels::service_kind(i18n, order.kind)} " · " {as_written(order.provider.clone())}</h3>
            <p>
                {show_tenths(order.monthly_quantity)} " " {unit.clone()} {t_string!(i18n, care.per_month)} " × "
                {yuan(i18n, order.price_fen)} " = " <strong>{yuan(i18n, order.monthly_cost_fen)}</strong> {t_string!(i18n, care.per_month)}
                " · " {order.from.clone()} " – " {order.until.clone()}
            </p>
            <p class="muted">{t_string!(i18n, care.reasons)} ": " {reasons} " · " {as_written(order.place.clone())}</p>
            {(!order.months.is_empty()).then(|| view! {
                <table class="service-months">
                    <thead><tr><th>{t_string!(i18n, care.month)}</th><th>{t_string!(i18n, care.given)}</th><th>{t_string!(i18n, care.cost)}</th></tr></thead>
                    <tbody>{order.months.iter().map(|m| view! {
                        <tr data-month=m.month.clone()><td>{m.month.clone()}</td><td class="num">{show_tenths(m.given)} " " {unit.clone()}</td><td class="num">{yuan(i18n, m.cost_fen)}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            })}
            {(!order.deliveries.is_empty()).then(|| view! {
                <details>
                    <summary>{t_string!(i18n, care.deliveries)} " (" {order.deliveries.len()} ")"</summary>
                    <ul>{order.deliveries.iter().map(|d| view! {
                        <li>{d.day.clone()} " · " {show_tenths(d.quantity)} " " {unit.clone()} " · " {as_written(d.carer.clone())}
                            " · " {labels::confirmation(i18n, d.confirmation)} " " {as_written(d.confirmed_by.clone())}</li>
                    }).collect_view()}</ul>
                </details>
            })}
            {children.map(|c| c())}
        </article>
    }
}

/// The household's care services ([`household_services`]), for [`HouseholdCare`].
pub type HouseholdServices = Resource<Result<crate::api::care::ServicesOfHousehold, AppError>>;

/// [`HouseholdServices`] of the household `id` names. Created by the page, outside its suspended
/// part: a resource created inside it is created (and fetched, and its read recorded) again when
/// the server walks the suspended part a second time.
pub fn household_services_resource(
    id: impl Fn() -> String + Send + Sync + 'static,
) -> HouseholdServices {
    Resource::new(id, household_services)
}

/// The household file's care services (`data`): the orders, and for its caseworker the order
/// form.
#[component]
pub fn HouseholdCare(
    household_id: String,
    caseworker: bool,
    data: HouseholdServices,
) -> impl IntoView {
    let i18n = use_i18n();
    let household = StoredValue::new(household_id);
    view! {
        <section class="card" id="care-services">
            <h2>{t_string!(i18n, care.title)}</h2>
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! {
                            {d.orders.is_empty().then(|| view! { <p class="muted" id="care-none">{t_string!(i18n, care.none)}</p> })}
                            {d.orders.into_iter().map(|o| {
                                let running = caseworker && o.until.as_str() >= device::today_china().to_string().as_str();
                                let id = o.id.clone();
                                view! { <OrderCard order=o>{running.then(|| view! { <EndOrderForm order=id on_done=Callback::new(move |_| data.refetch()) /> })}</OrderCard> }
                            }).collect_view()}
                            {(caseworker && d.from_roster).then(|| view! { <p class="muted" id="care-from-roster">{t_string!(i18n, care.from_roster)}</p> })}
                            {match (caseworker, d.members.is_empty()) {
                                (false, _) => ().into_any(),
                                (true, true) if d.from_roster => view! { <p class="muted" id="care-no-need">{t_string!(i18n, care.roster_no_need)}</p> }.into_any(),
                                (true, true) if !d.assessed => view! { <p class="muted" id="care-no-assessment">{t_string!(i18n, care.no_assessment)}</p> }.into_any(),
                                (true, true) => view! { <p class="muted" id="care-no-need">{t_string!(i18n, care.no_need)}</p> }.into_any(),
                                (true, false) => view! {
                                    <OnDemand id="care-open" summary=t_string!(i18n, care.order_title)
                                        args=(household.get_value(), d.members, d.prices, Callback::new(move |_| data.refetch()))
                                        load=|(household, members, prices, on_done)| Box::pin(order_form_part(household, members, prices, on_done)) />
                                }.into_any(),
                            }}
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The order form, its code loaded when first opened.
#[cfg_attr(not(feature = "portal"), lazy)] // not exported from the portal's WASM (its islands only)
async fn order_form_part(
    household: String,
    members: Vec<crate::api::care::CareMember>,
    prices: Vec<PriceView>,
    on_done: Callback<()>,
) -> AnyView {
    view! { <OrderForm household members prices on_done /> }.into_any()
}

#[component]
fn OrderForm(
    household: String,
    members: Vec<crate::api::care::CareMember>,
    prices: Vec<PriceView>,
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let member = RwSignal::new(members.first().map(|m| m.index).unwrap_or(0).to_string());
    let price = RwSignal::new(String::new());
    let quantity = RwSignal::new(String::new());
    let today = device::today_china();
    let from = RwSignal::new(today.to_string());
    let until = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let household = StoredValue::new(household);
    let save = Action::new(move |d: &OrderDraft| order_service(d.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            on_done.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let no_prices = prices.is_empty();
    view! {
        <form id="care-order-form" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(OrderDraft {
                household: household.get_value(),
                member: member.get_untracked().parse().unwrap_or(usize::MAX),
                price: price.get_untracked(),
                monthly_quantity: quantity.get_untracked(),
                from: from.get_untracked(),
                until: until.get_untracked(),
            });
        }>
            <label for="care-member">{t_string!(i18n, care.member)}</label>
            <select id="care-member" on:change=move |ev| member.set(event_target_value(&ev))>
                {members.into_iter().map(|m| {
                    let reasons = m.reasons.iter().map(|r| labels::care_reason(i18n, *r)).collect::<Vec<_>>().join(labels::list_sep(i18n));
                    view! { <option value=m.index.to_string()>{m.name.clone()} " (" {m.id_masked.clone()} ") · " {reasons}</option> }
                }).collect_view()}
            </select>
            <FieldMessage error=field_error_of(error, "member") id="care-member-error" />
            <label for="care-price">{t_string!(i18n, care.price)}</label>
            <select id="care-price" prop:value=price on:change=move |ev| price.set(event_target_value(&ev))>
                <option value="">{t_string!(i18n, complaints.choose)}</option>
                {by_provider(&prices).into_iter().map(|(provider, list)| view! {
                    <optgroup label=provider.clone() lang=crate::ui::text_lang(&provider)>
                        {list.iter().map(|p| view! { <option value=p.id.clone() lang=i18n.get_locale_untracked().as_str()>{price_text(i18n, p)}</option> }).collect_view()}
                    </optgroup>
                }).collect_view()}
            </select>
            {no_prices.then(|| view! { <p class="muted" id="care-no-provider">{t_string!(i18n, care.no_provider)}</p> })}
            <FieldMessage error=field_error_of(error, "price") id="care-price-error" />
            <label for="care-quantity">{t_string!(i18n, care.quantity)}</label>
            <input id="care-quantity" inputmode="decimal" maxlength="6" prop:value=quantity on:input=move |ev| quantity.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "monthly_quantity") id="care-quantity-error" />
            <label for="care-from">{t_string!(i18n, care.from)}</label>
            <input id="care-from" type="date" prop:value=from on:input=move |ev| from.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "from") id="care-from-error" />
            <label for="care-until">{t_string!(i18n, care.until)}</label>
            <input id="care-until" type="date" prop:value=until on:input=move |ev| until.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "until") id="care-until-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" id="care-order" disabled=move || save.pending().get()>{t_string!(i18n, care.order)}</button>
        </form>
    }
}

/// Ends an order early, on a day given (today unless changed).
#[component]
fn EndOrderForm(order: String, on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let day = RwSignal::new(device::today_china().to_string());
    let error = RwSignal::new(None::<AppError>);
    let order = StoredValue::new(order);
    let end = Action::new(move |d: &String| end_order(order.get_value(), d.clone()));
    Effect::new(move |_| match end.value().get() {
        Some(Ok(())) => {
            error.set(None);
            on_done.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let id = move |name: &str| format!("{name}-{}", order.get_value());
    view! {
        <form class="end-order-form" on:submit=move |ev| { ev.prevent_default(); end.dispatch(day.get_untracked()); }>
            <label for=id("end-day")>{t_string!(i18n, care.end_day)}</label>
            <input id=id("end-day") type="date" prop:value=day on:input=move |ev| day.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "last_day") id=id("end-day-error") />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="end-order">{t_string!(i18n, care.end)}</button>
        </form>
    }
}

/// The provider's page: prices, then orders with the form recording a service given.
#[component]
pub fn ProviderPage() -> impl IntoView {
    let i18n = use_i18n();
    let home = Resource::new(|| (), |_| provider_home());
    let refresh = Callback::new(move |_| home.refetch());
    view! {
        <h1>{t_string!(i18n, care.provider_title)}</h1>
        <PageTitle text=t_string!(i18n, care.provider_title).to_string() />
        <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(h) => view! {
                        <p class="muted">{as_written(h.name.clone())}</p>
                        <PriceList prices=h.prices on_change=refresh />
                        <section class="card" id="provider-orders">
                            <h2>{t_string!(i18n, care.orders)}</h2>
                            {h.orders.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, care.none)}</p> })}
                            {h.orders.into_iter().map(|o| {
                                let id = o.id.clone();
                                let unit = o.unit;
                                view! { <OrderCard order=o><DeliveryForm order=id unit on_done=refresh /></OrderCard> }
                            }).collect_view()}
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PriceList(prices: Vec<PriceView>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(String::new());
    let unit = RwSignal::new(ServiceUnit::Hour.code().to_string());
    let price = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let add = Action::new(move |(k, u, p): &(String, String, String)| {
        add_price(k.clone(), u.clone(), p.clone())
    });
    let toggle = Action::new(move |(id, on): &(String, bool)| set_price(id.clone(), *on));
    Effect::new(move |_| match add.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(())) => on_change.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <section class="card" id="provider-prices">
            <h2>{t_string!(i18n, care.prices)}</h2>
            <table id="price-table">
                <thead><tr><th>{t_string!(i18n, care.kind_label)}</th><th>{t_string!(i18n, care.unit_price)}</th><th><span class="sr-only">{t_string!(i18n, care.price_state)}</span></th></tr></thead>
                <tbody>{prices.into_iter().map(|p| {
                    let (id, on) = (p.id.clone(), p.active);
                    view! {
                        <tr data-price=p.id.clone() data-active=p.active.to_string()>
                            <td>{labels::service_kind(i18n, p.kind)}</td>
                            <td class="num">{yuan(i18n, p.price_fen)} "/" {labels::service_unit(i18n, p.unit)}</td>
                            <td><button type="button" class="link" on:click=move |_| { toggle.dispatch((id.clone(), !on)); }>
                                {if on { t_string!(i18n, care.stop_price) } else { t_string!(i18n, care.resume_price) }}
                            </button></td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table>
            <form id="price-form" on:submit=move |ev| { ev.prevent_default(); add.dispatch((kind.get_untracked(), unit.get_untracked(), price.get_untracked())); }>
                <label for="price-kind">{t_string!(i18n, care.kind_label)}</label>
                <select id="price-kind" prop:value=kind on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">{t_string!(i18n, complaints.choose)}</option>
                    {ServiceKind::ALL.into_iter().map(|k| view! { <option value=k.code()>{labels::service_kind(i18n, k)}</option> }).collect_view()}
                </select>
                <FieldMessage error=field_error_of(error, "kind") id="price-kind-error" />
                <label for="price-unit">{t_string!(i18n, care.unit_label)}</label>
                <select id="price-unit" prop:value=unit on:change=move |ev| unit.set(event_target_value(&ev))>
                    {ServiceUnit::ALL.into_iter().map(|u| view! { <option value=u.code()>{labels::service_unit(i18n, u)}</option> }).collect_view()}
                </select>
                <label for="price-yuan">{t_string!(i18n, care.price_yuan)}</label>
                <input id="price-yuan" inputmode="decimal" maxlength="10" prop:value=price on:input=move |ev| price.set(event_target_value(&ev)) />
                <FieldMessage error=field_error_of(error, "price") id="price-yuan-error" />
                <ErrorBanner error=general_error(error) />
                <button type="submit" id="price-add">{t_string!(i18n, care.add_price)}</button>
            </form>
        </section>
    }
}

#[component]
fn DeliveryForm(order: String, unit: ServiceUnit, on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let day = RwSignal::new(device::today_china().to_string());
    let quantity = RwSignal::new(String::new());
    let carer = RwSignal::new(String::new());
    let by = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let order = StoredValue::new(order);
    let save = Action::new(move |d: &DeliveryDraft| record_delivery(d.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            error.set(None);
            on_done.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // Ids of their own per order: one page holds a form for each.
    let id = move |name: &str| format!("{name}-{}", order.get_value());
    view! {
        <form class="delivery-form" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(DeliveryDraft {
                order: order.get_value(),
                day: day.get_untracked(),
                quantity: quantity.get_untracked(),
                carer: carer.get_untracked(),
                confirmed_by: by.get_untracked(),
                confirmation: confirmation.get_untracked(),
            });
        }>
            <h4>{t_string!(i18n, care.deliver_title)}</h4>
            <div class="fields-row">
                <span><label for=id("d-day")>{t_string!(i18n, care.day)}</label>
                <input id=id("d-day") type="date" prop:value=day on:input=move |ev| day.set(event_target_value(&ev)) />
                <FieldMessage error=field_error_of(error, "day") id=id("d-day-error") /></span>
                <span><label for=id("d-quantity")>{t_string!(i18n, care.quantity_given)} " (" {labels::service_unit(i18n, unit)} ")"</label>
                <input id=id("d-quantity") class="d-quantity" inputmode="decimal" maxlength="5" prop:value=quantity on:input=move |ev| quantity.set(event_target_value(&ev)) />
                <FieldMessage error=field_error_of(error, "quantity") id=id("d-quantity-error") /></span>
                <span><label for=id("d-carer")>{t_string!(i18n, care.carer)}</label>
                <input id=id("d-carer") class="d-carer" maxlength="30" prop:value=carer on:input=move |ev| carer.set(event_target_value(&ev)) />
                <FieldMessage error=field_error_of(error, "carer") id=id("d-carer-error") /></span>
                <span><label for=id("d-by")>{t_string!(i18n, care.confirmed_by)}</label>
                <input id=id("d-by") class="d-by" maxlength="30" prop:value=by on:input=move |ev| by.set(event_target_value(&ev)) />
                <FieldMessage error=field_error_of(error, "confirmed_by") id=id("d-by-error") /></span>
                <span><label for=id("d-confirmation")>{t_string!(i18n, care.confirmation_label)}</label>
                <select id=id("d-confirmation") class="d-confirmation" prop:value=confirmation on:change=move |ev| confirmation.set(event_target_value(&ev))>
                    <option value="">{t_string!(i18n, complaints.choose)}</option>
                    {Confirmation::ALL.into_iter().map(|c| view! { <option value=c.code()>{labels::confirmation(i18n, c)}</option> }).collect_view()}
                </select>
                <FieldMessage error=field_error_of(error, "confirmation") id=id("d-confirmation-error") /></span>
            </div>
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary d-save" disabled=move || save.pending().get()>{t_string!(i18n, care.deliver)}</button>
        </form>
    }
}
