//! 部门系统对接 (/staff/systems): the system administrator connects a department's system to the
//! machine API, sees each system's scope and keys (by fingerprint), rotates a key with an
//! overlap and disconnects a system. A secret is shown once, right after it is made.

use crate::api::machine::{
    api_clients, create_api_client, revoke_api_client, rotate_api_key, ApiClientDraft,
    ApiClientView, IssuedKey, DEFAULT_CALLS_PER_MINUTE, MAX_OVERLAP_DAYS,
};
use crate::clock::{china_date, china_time};
use crate::domain::chain::Department;
use crate::domain::monitoring::Source;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{
    as_written, field_error_of, general_error, labels, ErrorBanner, FieldMessage, PageTitle,
};
use leptos::prelude::*;

#[component]
pub fn SystemsPage() -> impl IntoView {
    let i18n = use_i18n();
    let clients = Resource::new(|| (), |_| api_clients());
    let issued = RwSignal::new(None::<IssuedKey>);
    let on_issued = Callback::new(move |k: IssuedKey| {
        issued.set(Some(k));
        clients.refetch();
    });
    let refresh = Callback::new(move |_| clients.refetch());
    view! {
        <h1>{t_string!(i18n, machine.title)}</h1>
        <PageTitle text=t_string!(i18n, machine.title).to_string() />
        <p>{t_string!(i18n, machine.intro)} " "
            <a href="/api/v1/docs" rel="external" id="api-docs-link">{t_string!(i18n, machine.docs_link)}</a>
        </p>
        {move || issued.get().map(|k| view! {
            <section class="card banner ok" id="issued-key" role="status">
                <h2>{t_string!(i18n, machine.secret_title)}</h2>
                <p><strong>{t_string!(i18n, machine.secret_once)}</strong></p>
                <dl>
                    <dt>{t_string!(i18n, machine.key_id)}</dt>
                    <dd><code id="issued-key-id">{k.key_id.clone()}</code></dd>
                    <dt>{t_string!(i18n, machine.secret)}</dt>
                    <dd><code id="issued-secret">{k.secret.clone()}</code></dd>
                </dl>
                <button type="button" id="issued-done" on:click=move |_| issued.set(None)>
                    {t_string!(i18n, machine.secret_done)}
                </button>
            </section>
        })}
        <CreateForm on_issued />
        <section class="card" id="systems">
            <h2>{t_string!(i18n, machine.list_title)}</h2>
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match clients.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">{t_string!(i18n, machine.none)}</p>
                        }.into_any(),
                        Ok(list) => list.into_iter().map(|c| view! {
                            <SystemCard client=c on_issued on_change=refresh />
                        }).collect_view().into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CreateForm(on_issued: Callback<IssuedKey>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let sources = RwSignal::new(Vec::<String>::new());
    let region = RwSignal::new(String::new());
    let calls = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let create = Action::new(move |d: &ApiClientDraft| create_api_client(d.clone()));
    Effect::new(move |_| match create.value().get() {
        Some(Ok(k)) => {
            error.set(None);
            name.set(String::new());
            sources.set(Vec::new());
            on_issued.run(k);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // The sources the chosen department sends.
    let offered = move || {
        Department::from_code(&department.get())
            .map(|d| {
                Source::ALL
                    .into_iter()
                    .filter(|s| s.department() == d)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <form class="card" id="system-form" on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch(ApiClientDraft {
                name: name.get_untracked(),
                department: department.get_untracked(),
                sources: sources.get_untracked(),
                region_code: region.get_untracked(),
                calls_per_minute: calls.get_untracked(),
            });
        }>
            <h2>{t_string!(i18n, machine.create_title)}</h2>
            <label for="system-name">{t_string!(i18n, machine.name)}</label>
            <input id="system-name" maxlength="40" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "name") id="system-name-error" />
            <label for="system-department">{t_string!(i18n, machine.department)}</label>
            <select id="system-department" prop:value=department on:change=move |ev| {
                department.set(event_target_value(&ev));
                sources.set(Vec::new());
            }>
                <option value="">{t_string!(i18n, complaints.choose)}</option>
                {Department::ALL.into_iter().map(|d| view! { <option value=d.code()>{labels::department(i18n, d)}</option> }).collect_view()}
            </select>
            <FieldMessage error=field_error_of(error, "department") id="system-department-error" />
            <fieldset id="system-sources">
                <legend>{t_string!(i18n, machine.sources)}</legend>
                {move || {
                    let list = offered();
                    if list.is_empty() {
                        view! { <p class="muted">{t_string!(i18n, machine.no_sources)}</p> }.into_any()
                    } else {
                        list.into_iter().map(|s| {
                            let code = s.code();
                            let id = format!("system-source-{code}");
                            let label_for = id.clone();
                            view! {
                                <label for=label_for class="inline">
                                    <input type="checkbox" id=id value=code
                                        prop:checked=move || sources.get().iter().any(|c| c == code)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            sources.update(|list| {
                                                list.retain(|c| c != code);
                                                if on { list.push(code.to_string()); }
                                            });
                                        } />
                                    {labels::import_source(i18n, s)}
                                </label>
                            }
                        }).collect_view().into_any()
                    }
                }}
                <FieldMessage error=field_error_of(error, "sources") id="system-sources-error" />
            </fieldset>
            <label for="system-region">{t_string!(i18n, machine.region)}</label>
            <input id="system-region" inputmode="numeric" maxlength="12" aria-describedby="system-region-hint"
                prop:value=region on:input=move |ev| region.set(event_target_value(&ev)) />
            <p class="hint" id="system-region-hint">{t_string!(i18n, machine.region_hint)}</p>
            <FieldMessage error=field_error_of(error, "region_code") id="system-region-error" />
            <label for="system-calls">{t_string!(i18n, machine.calls_per_minute)}</label>
            <input id="system-calls" inputmode="numeric" maxlength="5" aria-describedby="system-calls-hint"
                prop:value=calls on:input=move |ev| calls.set(event_target_value(&ev)) />
            <p class="hint" id="system-calls-hint">{format!("{} {DEFAULT_CALLS_PER_MINUTE}", t_string!(i18n, machine.calls_hint))}</p>
            <FieldMessage error=field_error_of(error, "calls_per_minute") id="system-calls-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" id="system-create">{t_string!(i18n, machine.create)}</button>
        </form>
    }
}

#[component]
fn SystemCard(
    client: ApiClientView,
    on_issued: Callback<IssuedKey>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(client.id.clone());
    let overlap = RwSignal::new("7".to_string());
    let error = RwSignal::new(None::<AppError>);
    let confirming = RwSignal::new(false);
    let rotate = Action::new(move |(id, days): &(String, u32)| rotate_api_key(id.clone(), *days));
    let revoke = Action::new(move |id: &String| revoke_api_client(id.clone()));
    Effect::new(move |_| match rotate.value().get() {
        Some(Ok(k)) => {
            error.set(None);
            on_issued.run(k);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => on_change.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let revoked = client.revoked_at.is_some();
    let sources = client
        .sources
        .iter()
        .map(|s| labels::import_source(i18n, *s))
        .collect::<Vec<_>>()
        .join(labels::list_sep(i18n));
    let field = move |name: &str| format!("{name}-{}", id.get_value());
    view! {
        <article class="system" data-system=client.id.clone() data-revoked=revoked.to_string()>
            <h3>{as_written(client.name.clone())} " · " {labels::department(i18n, client.department)}
                {revoked.then(|| view! { " · " <span class="badge">{t_string!(i18n, machine.revoked)}</span> })}
            </h3>
            <p>
                {t_string!(i18n, machine.sources)} ": " {if sources.is_empty() { "—".to_string() } else { sources }} <br />
                {t_string!(i18n, machine.region)} ": " {as_written(client.region_name.clone())} " (" {client.region_code.clone()} ")" <br />
                {t_string!(i18n, machine.calls_per_minute)} ": " {client.calls_per_minute} <br />
                <span class="muted">{as_written(client.created_by.clone())} " · " {china_date(client.created_at)}</span>
            </p>
            <table class="keys">
                <thead><tr>
                    <th>{t_string!(i18n, machine.key_id)}</th>
                    <th>{t_string!(i18n, machine.fingerprint)}</th>
                    <th>{t_string!(i18n, machine.key_made)}</th>
                    <th>{t_string!(i18n, machine.key_state)}</th>
                </tr></thead>
                <tbody>{client.keys.into_iter().map(|k| view! {
                    <tr data-key=k.id.clone() data-active=k.active.to_string()>
                        <td><code>{k.id.clone()}</code></td>
                        <td><code>{k.fingerprint.clone()}</code></td>
                        <td>{china_date(k.created_at)}</td>
                        <td>{match (k.active, k.expires_at) {
                            (true, None) => t_string!(i18n, machine.key_active).to_string(),
                            (true, Some(e)) => format!("{} {}", t_string!(i18n, machine.key_until), china_time(e)),
                            (false, _) => t_string!(i18n, machine.key_ended).to_string(),
                        }}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
            {(!revoked).then(|| view! {
                <form class="fields-row" on:submit=move |ev| {
                    ev.prevent_default();
                    let days = overlap.get_untracked().trim().parse::<u32>().unwrap_or(u32::MAX);
                    rotate.dispatch((id.get_value(), days));
                }>
                    <span>
                        <label for=field("overlap")>{t_string!(i18n, machine.overlap_days)}</label>
                        <input id=field("overlap") inputmode="numeric" maxlength="2" aria-describedby=field("overlap-hint")
                            prop:value=overlap on:input=move |ev| overlap.set(event_target_value(&ev)) />
                        <span class="hint" id=field("overlap-hint")>{format!("0–{MAX_OVERLAP_DAYS}")}</span>
                        <FieldMessage error=field_error_of(error, "overlap_days") id=field("overlap-error") />
                    </span>
                    <button type="submit" class="rotate">{t_string!(i18n, machine.rotate)}</button>
                    // Disconnecting cannot be undone: a second click confirms it.
                    {move || if confirming.get() {
                        view! {
                            <button type="button" class="danger revoke-confirm" on:click=move |_| { revoke.dispatch(id.get_value()); }>
                                {t_string!(i18n, machine.revoke_confirm)}
                            </button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="danger revoke" on:click=move |_| confirming.set(true)>
                                {t_string!(i18n, machine.revoke)}
                            </button>
                        }.into_any()
                    }}
                </form>
            })}
            <ErrorBanner error=general_error(error) />
        </article>
    }
}
