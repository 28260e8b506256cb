//! The staff landing page. Administrators create staff accounts bound to a region inside
//! their own; the caseworker workspace itself is the subject of a later issue.

use crate::api::accounts::{create_staff, staff_accounts, NewStaff};
use crate::domain::chain::Department;
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{field_error_of, labels, ErrorBanner, FieldMessage, MeResource};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn StaffPage() -> impl IntoView {
    let i18n = use_i18n();
    let me_resource = expect_context::<MeResource>();
    view! {
        <h1>{t!(i18n, staff.title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me_resource.await {
                    Ok(Some(user)) if user.role.is_staff() => {
                        let role = user.role;
                        view! {
                            <section class="card">
                                <p>{t!(i18n, staff.role)} ": " {move || labels::role(i18n, role)}</p>
                                <p>{t!(i18n, staff.region)} ": " <span class="mono">{user.region_code.clone().unwrap_or_default()}</span></p>
                                {matches!(role, Role::Caseworker | Role::Admin).then(|| view! {
                                    <p><A href="/staff/queue" attr:id="queue-link">{t!(i18n, casework.queue_title)}</A></p>
                                    <p><A href="/staff/tasks" attr:id="tasks-link">{t!(i18n, staff.tasks_link)}</A></p>
                                    <p><A href="/staff/warnings" attr:id="warnings-link">{t!(i18n, staff.warnings_link)}</A></p>
                                    <p><A href="/staff/search" attr:id="search-link">{t!(i18n, staff.search_link)}</A></p>
                                    <p><A href="/staff/policy" attr:id="policy-link">{t!(i18n, policy.admin_title)}</A></p>
                                })}
                                {(role == Role::Caseworker).then(|| view! {
                                    <p><A href="/staff/emergency" attr:id="emergency-link">{t!(i18n, staff.emergency_link)}</A></p>
                                    <p><A href="/staff/matching" attr:id="matching-link">{t!(i18n, charity.matching_title)}</A></p>
                                })}
                                {(role == Role::Charity).then(|| view! {
                                    <p><A href="/charity" attr:id="charity-link">{t!(i18n, charity.title)}</A></p>
                                })}
                                {(role == Role::Department).then(|| view! {
                                    <p><A href="/staff/referrals" attr:id="inbox-link">{t!(i18n, staff.inbox_link)}</A></p>
                                })}
                                {matches!(role, Role::Department | Role::Admin).then(|| view! {
                                    <p><A href="/staff/imports" attr:id="imports-link">{t!(i18n, staff.imports_link)}</A></p>
                                })}
                                {(role == Role::Admin).then(|| view! {
                                    <p><A href="/staff/rules" attr:id="rules-link">{t!(i18n, monitoring.rules_link)}</A></p>
                                    <p><A href="/staff/charities" attr:id="charities-link">{t!(i18n, charity.admin_title)}</A></p>
                                })}
                            </section>
                            {(role == Role::Admin).then(|| view! { <StaffAdmin /> })}
                        }.into_any()
                    }
                    _ => view! { <p class="notice">{t!(i18n, error.forbidden)} " " <A href="/login">{t!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StaffAdmin() -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| staff_accounts());
    let login = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Caseworker.code().to_string());
    let region = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let create = Action::new(move |s: &NewStaff| create_staff(s.clone()));
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            list.refetch();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let input = move |id: &'static str, sig: RwSignal<String>, kind: &'static str| {
        view! { <input id=id type=kind maxlength="64" prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev)) /> }
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, staff.create_title)}</h2>
            <form on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(NewStaff {
                    login: login.get_untracked(),
                    display_name: name.get_untracked(),
                    role: role.get_untracked(),
                    region_code: region.get_untracked(),
                    password: password.get_untracked(),
                    department: department.get_untracked(),
                });
            }>
                <label for="staff-login">{t!(i18n, staff.login)}</label>
                {input("staff-login", login, "text")}
                <label for="staff-name">{t!(i18n, staff.display_name)}</label>
                {input("staff-name", name, "text")}
                <label for="staff-role">{t!(i18n, staff.role_label)}</label>
                <select id="staff-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    {Role::ALL.into_iter().filter(|r| r.is_staff()).map(|r| {
                        view! { <option value=r.code() selected=move || role.get() == r.code()>{move || labels::role(i18n, r)}</option> }
                    }).collect_view()}
                </select>
                <Show when=move || role.get() == Role::Department.code()>
                    <label for="staff-department">{t!(i18n, staff.department)}</label>
                    <select id="staff-department" on:change=move |ev| department.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {Department::ALL.into_iter().map(|d| {
                            view! { <option value=d.code() selected=move || department.get() == d.code()>{move || labels::department(i18n, d)}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage error=field_error_of(error, "department") id="staff-department-error" />
                </Show>
                <label for="staff-region">{t!(i18n, staff.region_code)}</label>
                {input("staff-region", region, "text")}
                <label for="staff-password">{t!(i18n, staff.initial_password)}</label>
                {input("staff-password", password, "password")}
                <ErrorBanner error />
                {move || matches!(create.value().get(), Some(Ok(_))).then(|| view! { <p class="banner ok">{t!(i18n, staff.created)}</p> })}
                <button type="submit" class="primary" disabled=move || create.pending().get()>{t!(i18n, staff.create)}</button>
            </form>
        </section>
        <section class="card">
            <h2>{t!(i18n, staff.list_title)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    list.await.map(|rows| view! {
                        <table><tbody>
                            {rows.into_iter().map(|r| view! { <tr><td>{r.login}</td><td>{r.display_name}</td><td>{r.role}</td><td class="mono">{r.region_code}</td></tr> }).collect_view()}
                        </tbody></table>
                    }).ok()
                })}
            </Transition>
        </section>
    }
}
