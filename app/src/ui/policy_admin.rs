//! 政策参数管理: the parameter history an administrator keeps (list, add, schedule, withdraw),
//! the what-if of a proposed change, and the reassessments proposed after changes took effect.
//! Caseworkers see the same lists read-only; the security administrator approves or refuses the
//! values waiting for approval (三员分立: no value the system administrator enters applies
//! before that).

use crate::api::policy::{
    add_parameter, decide_parameter, decide_proposal, parameters, proposals, what_if,
    withdraw_parameter, ParamForm, ParamStatus, WhatIfReport,
};
use crate::domain::declaration::Residence;
use crate::domain::policy::params::ParamKey;
use crate::domain::policy::CategorySet;
use crate::domain::status::{AdminDuty, Role};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::PageTitle;
use crate::ui::{
    china_time, device, field_error_of, general_error, labels, ErrorBanner, FieldMessage,
    MeResource,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn PolicyAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let me_resource = expect_context::<MeResource>();
    view! {
        <h1>{t_string!(i18n, policy.admin_title)}</h1>
        <PageTitle text=t_string!(i18n, policy.admin_title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me_resource.await {
                    Ok(Some(user)) if user.acts_as(&[Role::Admin, Role::Caseworker]) => {
                        let admin = user.role == Role::Admin;
                        let region = user.region_code.clone().unwrap_or_default();
                        view! { <PolicyWorkspace admin approver=false region /> }.into_any()
                    }
                    Ok(Some(user)) if user.role == Role::Admin && user.duty == Some(AdminDuty::Security) => {
                        let region = user.region_code.clone().unwrap_or_default();
                        view! { <PolicyWorkspace admin=false approver=true region /> }.into_any()
                    }
                    _ => view! { <p class="notice">{t_string!(i18n, error.forbidden)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PolicyWorkspace(admin: bool, approver: bool, region: String) -> impl IntoView {
    let i18n = use_i18n();
    let rows = Resource::new(|| (), |_| parameters());
    let withdraw = Action::new(move |id: &i64| withdraw_parameter(*id));
    let decide = Action::new(move |(id, approve): &(i64, bool)| decide_parameter(*id, *approve));
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match withdraw.value().get() {
        Some(Ok(())) => rows.refetch(),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match decide.value().get() {
        Some(Ok(())) => {
            error.set(None);
            rows.refetch();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let today = device::today_china().to_string();
    let region_for_contacts = region.clone();
    view! {
        <p class="muted">{t_string!(i18n, policy.admin_intro)}</p>
        {approver.then(|| view! { <p class="notice" id="approval-intro">{t_string!(i18n, policy.approval_intro)}</p> })}
        {admin.then(|| view! { <ParamFormCard region=region.clone() on_saved=Callback::new(move |_| rows.refetch()) /> })}
        <section class="card wide">
            <h2>{t_string!(i18n, policy.admin_title)}</h2>
            <ErrorBanner error />
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || { let today = today.clone(); Suspend::new(async move {
                    match rows.await {
                        Ok(list) => view! {
                            <div class="table-scroll" tabindex="0">
                            <table class="params" id="param-table">
                                <thead><tr>
                                    <th>{t_string!(i18n, policy.key)}</th><th>{t_string!(i18n, policy.region)}</th><th>{t_string!(i18n, policy.residence)}</th>
                                    <th>{t_string!(i18n, policy.value)}</th><th>{t_string!(i18n, policy.effective_from)}</th><th>{t_string!(i18n, policy.source)}</th>
                                    <th>{t_string!(i18n, policy.status)}</th><th></th>
                                </tr></thead>
                                <tbody>
                                {list.into_iter().map(|r| {
                                    let id = r.id;
                                    let pending = r.status == ParamStatus::Pending;
                                    // Withdrawn only before its date (the server refuses otherwise).
                                    let withdrawable = r.status == ParamStatus::Scheduled
                                        || (pending && r.effective_from > today);
                                    let status = r.status;
                                    let key = r.key;
                                    let residence = r.residence;
                                    view! {
                                        <tr data-param=r.key.code() data-status=format!("{:?}", r.status).to_lowercase() class=if r.status == ParamStatus::InForce { "" } else { "muted" }>
                                            <td>{labels::param(i18n, key)}</td>
                                            <td>{crate::ui::as_written(r.region_name.clone())} " " <span class="mono">{r.region_code.clone()}</span></td>
                                            <td>{residence.map(|x| labels::residence(i18n, x)).unwrap_or_else(|| t_string!(i18n, policy.both).to_string())}</td>
                                            <td class="num">{r.value_text.clone()} " " {labels::unit(i18n, key.unit())}</td>
                                            <td>{r.effective_from.clone()}</td>
                                            <td>{crate::ui::policy::source_view(i18n, &r.source, r.example)} {r.example.then(|| view! { " " <span class="badge unknown">{t_string!(i18n, policy.example)}</span> })}</td>
                                            <td>{labels::param_status(i18n, status)}</td>
                                            <td>{(admin && withdrawable).then(|| view! {
                                                <button type="button" class="danger" on:click=move |_| { withdraw.dispatch(id); }>{t_string!(i18n, policy.withdraw)}</button>
                                            })}
                                            {(approver && pending).then(|| view! {
                                                <div class="actions">
                                                    <button type="button" class="primary" data-approve=id disabled=move || decide.pending().get()
                                                        on:click=move |_| { decide.dispatch((id, true)); }>{t_string!(i18n, policy.approve)}</button>
                                                    <button type="button" class="danger" data-refuse=id disabled=move || decide.pending().get()
                                                        on:click=move |_| { decide.dispatch((id, false)); }>{t_string!(i18n, policy.refuse)}</button>
                                                </div>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}}
            </Transition>
        </section>
        {(admin || approver).then(|| view! { <ContactsCard admin approver region=region_for_contacts /> })}
        {(!approver).then(|| view! { <ProposalsCard caseworker=!admin /> })}
    }
    .into_any()
}

/// 公开电话: the hotline and supervision numbers the portal's footer shows, entered by the system
/// administrator and approved by the security administrator, as parameter values are.
#[component]
fn ContactsCard(admin: bool, approver: bool, region: String) -> impl IntoView {
    use crate::api::publicity::{contacts_admin, decide_contact, AddContact};
    use crate::domain::publicity::ContactKind;
    let i18n = use_i18n();
    let rows = Resource::new(|| (), |_| contacts_admin());
    let add = ServerAction::<AddContact>::new();
    let decide = Action::new(move |(id, approve): &(i64, bool)| decide_contact(*id, *approve));
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    Effect::new(move |_| match add.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            saved.set(true);
            rows.refetch();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match decide.value().get() {
        Some(Ok(())) => {
            error.set(None);
            rows.refetch();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let field_error = move |field| field_error_of(error, field);
    let kind_label = move |k: ContactKind| match k {
        ContactKind::Hotline => t_string!(i18n, public.hotline).to_string(),
        ContactKind::Supervision => t_string!(i18n, public.supervision).to_string(),
    };
    let today = device::today_china().to_string();
    view! {
        <section class="card wide" id="contacts">
            <h2>{t_string!(i18n, public.contacts_title)}</h2>
            <p class="muted">{t_string!(i18n, public.contacts_intro)}</p>
            <ErrorBanner error=general_error(error) />
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">{t_string!(i18n, public.contacts_none)}</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-scroll" tabindex="0">
                            <table id="contact-table">
                                <thead><tr>
                                    <th>{t_string!(i18n, public.contact_kind)}</th><th>{t_string!(i18n, public.contact_region)}</th>
                                    <th>{t_string!(i18n, public.contact_number)}</th><th>{t_string!(i18n, public.contact_from)}</th>
                                    <th>{t_string!(i18n, public.contact_source)}</th><th>{t_string!(i18n, public.contact_state)}</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let id = r.id;
                                        let pending = !r.approved && !r.withdrawn;
                                        let state = if r.withdrawn {
                                            t_string!(i18n, public.state_withdrawn)
                                        } else if !r.approved {
                                            t_string!(i18n, public.state_pending)
                                        } else if r.in_force {
                                            t_string!(i18n, public.state_in_force)
                                        } else {
                                            t_string!(i18n, public.state_approved)
                                        };
                                        view! {
                                            <tr data-contact=id>
                                                <td>{kind_label(r.kind)}</td>
                                                <td class="mono">{r.region.clone()}</td>
                                                <td>{r.number.clone()} {r.example.then(|| view! { " " <span class="badge unknown">{t_string!(i18n, public.example)}</span> })}</td>
                                                <td>{r.effective_from.clone()}</td>
                                                <td>{crate::ui::as_written(r.source.clone())}</td>
                                                <td>{state}</td>
                                                <td>{(approver && pending).then(|| view! {
                                                    <div class="actions">
                                                        <button type="button" class="primary" data-approve-contact=id disabled=move || decide.pending().get()
                                                            on:click=move |_| { decide.dispatch((id, true)); }>{t_string!(i18n, public.approve)}</button>
                                                        <button type="button" class="danger" data-refuse-contact=id disabled=move || decide.pending().get()
                                                            on:click=move |_| { decide.dispatch((id, false)); }>{t_string!(i18n, public.refuse)}</button>
                                                    </div>
                                                })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {admin.then(|| view! {
                <h3>{t_string!(i18n, public.contact_add)}</h3>
                <ActionForm action=add attr:id="contact-form">
                    <label for="contact-kind">{t_string!(i18n, public.contact_kind)}</label>
                    <select id="contact-kind" name="kind">
                        {ContactKind::ALL.iter().map(|k| view! { <option value=k.code()>{kind_label(*k)}</option> }).collect_view()}
                    </select>
                    <label for="contact-region">{t_string!(i18n, public.contact_region)}</label>
                    <input id="contact-region" name="region" type="text" maxlength="12" value=region.clone() />
                    <FieldMessage error=field_error("region") id="contact-region-error" />
                    <label for="contact-number">{t_string!(i18n, public.contact_number)}</label>
                    <input id="contact-number" name="number" type="tel" maxlength="32" />
                    <FieldMessage error=field_error("number") id="contact-number-error" />
                    <label for="contact-from">{t_string!(i18n, public.contact_from)}</label>
                    <input id="contact-from" name="effective_from" type="date" value=today.clone() />
                    <FieldMessage error=field_error("effective_from") id="contact-from-error" />
                    <label for="contact-source">{t_string!(i18n, public.contact_source)}</label>
                    <input id="contact-source" name="source" type="text" maxlength="200" />
                    <FieldMessage error=field_error("source") id="contact-source-error" />
                    {move || saved.get().then(|| view! { <p class="banner ok" role="status">{t_string!(i18n, public.contact_added)}</p> })}
                    <button type="submit" class="primary" id="contact-save" disabled=move || add.pending().get()>{t_string!(i18n, public.contact_add)}</button>
                </ActionForm>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn ParamFormCard(region: String, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let form = RwSignal::new(ParamForm {
        key: ParamKey::DibaoStandard.code().into(),
        region_code: region,
        residence: String::new(),
        value: String::new(),
        effective_from: device::today_china().to_string(),
        source: String::new(),
    });
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let report = RwSignal::new(None::<WhatIfReport>);
    let save = Action::new(move |f: &ParamForm| add_parameter(f.clone()));
    let simulate = Action::new(move |f: &ParamForm| what_if(f.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            saved.set(true);
            on_saved.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match simulate.value().get() {
        Some(Ok(r)) => {
            error.set(None);
            report.set(Some(r));
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let field_error = move |field| field_error_of(error, field);
    let text = move |id: &'static str,
                     get: fn(&ParamForm) -> String,
                     set: fn(&mut ParamForm, String),
                     kind: &'static str| {
        view! {
            <input id=id type=kind maxlength="200" prop:value=move || form.with(get)
                on:input=move |ev| { saved.set(false); form.update(|f| set(f, event_target_value(&ev))) } />
        }
    };
    view! {
        <section class="card">
            <h2>{t_string!(i18n, policy.add_title)}</h2>
            <form on:submit=move |ev| { ev.prevent_default(); save.dispatch(form.get_untracked()); }>
                <label for="param-key">{t_string!(i18n, policy.key)}</label>
                <select id="param-key" on:change=move |ev| form.update(|f| f.key = event_target_value(&ev))>
                    {ParamKey::ALL.iter().map(|k| {
                        let k = *k;
                        view! { <option value=k.code() selected=move || form.with(|f| f.key == k.code())>{labels::param(i18n, k)}</option> }
                    }).collect_view()}
                </select>
                <FieldMessage error=field_error("key") id="param-key-error" />
                <label for="param-region">{t_string!(i18n, policy.region)}</label>
                {text("param-region", |f| f.region_code.clone(), |f, v| f.region_code = v, "text")}
                <FieldMessage error=field_error("region_code") id="param-region-error" />
                <label for="param-residence">{t_string!(i18n, policy.residence)}</label>
                <select id="param-residence" on:change=move |ev| form.update(|f| f.residence = event_target_value(&ev))>
                    <option value="">{t_string!(i18n, policy.both)}</option>
                    {Residence::ALL.iter().map(|r| {
                        let r = *r;
                        view! { <option value=r.code()>{labels::residence(i18n, r)}</option> }
                    }).collect_view()}
                </select>
                <label for="param-value">{t_string!(i18n, policy.value)} " "
                    <span class="muted">{move || form.with(|f| ParamKey::from_code(&f.key).map(|k| labels::unit(i18n, k.unit())).unwrap_or_default())}</span>
                </label>
                {text("param-value", |f| f.value.clone(), |f, v| f.value = v, "text")}
                <p class="muted">{t_string!(i18n, policy.value_hint)}</p>
                <FieldMessage error=field_error("value") id="param-value-error" />
                <label for="param-from">{t_string!(i18n, policy.effective_from)}</label>
                {text("param-from", |f| f.effective_from.clone(), |f, v| f.effective_from = v, "date")}
                <FieldMessage error=field_error("effective_from") id="param-from-error" />
                <label for="param-source">{t_string!(i18n, policy.source)}</label>
                {text("param-source", |f| f.source.clone(), |f, v| f.source = v, "text")}
                <FieldMessage error=field_error("source") id="param-source-error" />
                <ErrorBanner error=general_error(error) />
                {move || saved.get().then(|| view! { <p class="banner ok">{t_string!(i18n, policy.added)}</p> })}
                <div class="actions">
                    <button type="button" id="param-what-if" disabled=move || simulate.pending().get()
                        on:click=move |_| { simulate.dispatch(form.get_untracked()); }>{t_string!(i18n, policy.what_if)}</button>
                    <button type="submit" class="primary" id="param-save" disabled=move || save.pending().get()>{t_string!(i18n, policy.add)}</button>
                </div>
            </form>
            {move || report.get().map(|r| view! { <WhatIfTable report=r /> })}
        </section>
    }
    .into_any()
}

#[component]
fn WhatIfTable(report: WhatIfReport) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div id="what-if-report">
            <h3>{t_string!(i18n, policy.what_if_title)} " (" {report.on.clone()} ")"</h3>
            <p>{t_string!(i18n, policy.what_if_households)} " " {report.households} "；" {t_string!(i18n, policy.what_if_changed)} " " <strong id="what-if-changed">{report.changed}</strong></p>
            {if report.rows.is_empty() {
                view! { <p class="muted">{t_string!(i18n, policy.what_if_none)}</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th>{t_string!(i18n, policy.region)}</th><th>{t_string!(i18n, policy.category_col)}</th><th>{t_string!(i18n, policy.what_if_enter)}</th><th>{t_string!(i18n, policy.what_if_leave)}</th></tr></thead>
                        <tbody>
                            {report.rows.into_iter().map(|r| {
                                let c = r.category;
                                view! { <tr data-category=c.code()><td>{crate::ui::as_written(r.region_name)} " " <span class="mono">{r.region_code}</span></td><td>{labels::category(i18n, c)}</td><td class="num">"+" {r.enter}</td><td class="num">"−" {r.leave}</td></tr> }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
    .into_any()
}

#[component]
fn ProposalsCard(caseworker: bool) -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| proposals());
    let decide = Action::new(move |(id, accept): &(i64, bool)| decide_proposal(*id, *accept));
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match decide.value().get() {
        Some(Ok(())) => list.refetch(),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let cats = move |v: Vec<crate::domain::policy::Category>| {
        let s = CategorySet::from(v);
        if s.is_empty() {
            t_string!(i18n, policy.cliff_none).to_string()
        } else {
            s.iter()
                .map(|c| labels::category(i18n, c))
                .collect::<Vec<_>>()
                .join(labels::list_sep(i18n))
        }
    };
    view! {
        <section class="card wide" id="proposals">
            <h2>{t_string!(i18n, policy.proposals_title)}</h2>
            <ErrorBanner error />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">{t_string!(i18n, policy.proposals_none)}</p> }.into_any(),
                        Ok(rows) => view! {
                            <table>
                                <thead><tr><th>{t_string!(i18n, policy.application)}</th><th>{t_string!(i18n, policy.from)}</th><th>{t_string!(i18n, policy.to)}</th><th>{t_string!(i18n, policy.status)}</th><th></th><th></th></tr></thead>
                                <tbody>
                                {rows.into_iter().map(|p| {
                                    let from = p.from.clone();
                                    let to = p.to.clone();
                                    let status = p.status.clone();
                                    let open = p.status == "open";
                                    let id = p.id;
                                    view! {
                                        <tr>
                                            <td><A href=format!("/applications/{}", p.number)>{p.number.clone()}</A></td>
                                            <td>{move || cats(from.clone())}</td>
                                            <td>{move || cats(to.clone())}</td>
                                            <td>{move || match status.as_str() {
                                                "accepted" => t_string!(i18n, policy.proposal_accepted),
                                                "dismissed" => t_string!(i18n, policy.proposal_dismissed),
                                                _ => t_string!(i18n, policy.proposal_open),
                                            }}</td>
                                            <td>{china_time(p.created_at)}</td>
                                            <td>{(caseworker && open).then(|| view! {
                                                <div class="actions">
                                                    <button type="button" class="primary" on:click=move |_| { decide.dispatch((id, true)); }>{t_string!(i18n, policy.accept)}</button>
                                                    <button type="button" on:click=move |_| { decide.dispatch((id, false)); }>{t_string!(i18n, policy.dismiss)}</button>
                                                </div>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}
