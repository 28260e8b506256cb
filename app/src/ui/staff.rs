//! The staff landing page. Administrators create staff accounts bound to a region inside
//! their own; the caseworker workspace itself is the subject of a later issue.

use crate::api::accounts::{
    begin_second_factor, change_password, clear_lockout, confirm_second_factor, create_staff,
    reset_second_factor, set_staff_disabled, staff_accounts, NewStaff,
};
use crate::domain::chain::Department;
use crate::domain::status::{AdminDuty, Role};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::PageTitle;
use crate::ui::{field_error_of, labels, ErrorBanner, FieldMessage, MeResource};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn StaffPage() -> impl IntoView {
    let i18n = use_i18n();
    let me_resource = expect_context::<MeResource>();
    view! {
        <h1>{t_string!(i18n, staff.title)}</h1>
        <PageTitle text=t_string!(i18n, staff.title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me_resource.await {
                    Ok(Some(user)) if user.must_change_password => view! {
                        <p class="notice" role="status">{t_string!(i18n, account.must_change)}</p>
                        <ChangePasswordForm />
                    }.into_any(),
                    Ok(Some(user)) if user.role.is_staff() => {
                        let role = user.role;
                        let duty = user.duty.filter(|_| role == Role::Admin);
                        let system = user.acts_as(&[Role::Admin]);
                        view! {
                            <section class="card">
                                <p>{t_string!(i18n, staff.role)} ": " {labels::role(i18n, role)}
                                    {duty.map(|d| view! { " · " <span id="admin-duty">{labels::duty(i18n, d)}</span> })}</p>
                                <p>{t_string!(i18n, staff.region)} ": " <span id="staff-region-name" lang=user.region_name.as_deref().and_then(crate::ui::text_lang)>{user.region_name.clone().or(user.region_code.clone()).unwrap_or_default()}</span></p>
                                {(role == Role::Caseworker || system).then(|| view! {
                                    <p><A href="/staff/queue" attr:id="queue-link">{t_string!(i18n, casework.queue_title)}</A></p>
                                    <p><A href="/staff/tasks" attr:id="tasks-link">{t_string!(i18n, staff.tasks_link)}</A></p>
                                    <p><A href="/staff/warnings" attr:id="warnings-link">{t_string!(i18n, staff.warnings_link)}</A></p>
                                    <p><A href="/staff/search" attr:id="search-link">{t_string!(i18n, staff.search_link)}</A></p>
                                    <p><A href="/staff/intake" attr:id="intake-link">{t_string!(i18n, intake.title)}</A></p>
                                    <p><A href="/staff/rosters" attr:id="rosters-link">{t_string!(i18n, roster.link)}</A></p>
                                    <p><A href="/staff/dashboard" attr:id="dashboard-link">{t_string!(i18n, stats.link)}</A></p>
                                    <p><A href="/staff/policy" attr:id="policy-link">{t_string!(i18n, policy.admin_title)}</A></p>
                                })}
                                {(role == Role::GridWorker).then(|| view! {
                                    <p><A href="/staff/reports" attr:id="reports-link" attr:class="button primary big">{t_string!(i18n, leads.report_title)}</A></p>
                                })}
                                {(role == Role::Caseworker).then(|| view! {
                                    <p><A href="/staff/leads" attr:id="leads-link">{t_string!(i18n, leads.queue_title)}</A></p>
                                    <p><A href="/staff/complaints" attr:id="complaints-link">{t_string!(i18n, complaints.staff_title)}</A></p>
                                    <p><A href="/staff/emergency" attr:id="emergency-link">{t_string!(i18n, staff.emergency_link)}</A></p>
                                    <p><A href="/staff/matching" attr:id="matching-link">{t_string!(i18n, charity.matching_title)}</A></p>
                                    <p><A href="/staff/payments" attr:id="payments-link">{t_string!(i18n, payments.link)}</A></p>
                                    <p><A href="/staff/reserve" attr:id="reserve-link">{t_string!(i18n, reserve.link)}</A></p>
                                })}
                                {(role == Role::Charity).then(|| view! {
                                    <p><A href="/charity" attr:id="charity-link">{t_string!(i18n, charity.title)}</A></p>
                                    <p><a href="/second-factor" id="second-factor-link" rel="external">{t_string!(i18n, second_factor.offer)}</a></p>
                                })}
                                {(role == Role::Department).then(|| view! {
                                    <p><A href="/staff/referrals" attr:id="inbox-link">{t_string!(i18n, staff.inbox_link)}</A></p>
                                })}
                                {(role == Role::Department || system).then(|| view! {
                                    <p><A href="/staff/imports" attr:id="imports-link">{t_string!(i18n, staff.imports_link)}</A></p>
                                })}
                                <p><a href="/account/password" id="password-link" rel="external">{t_string!(i18n, account.change_title)}</a></p>
                                {system.then(|| view! {
                                    <p><A href="/staff/rules" attr:id="rules-link">{t_string!(i18n, monitoring.rules_link)}</A></p>
                                    <p><A href="/staff/charities" attr:id="charities-link">{t_string!(i18n, charity.admin_title)}</A></p>
                                    <p><A href="/staff/systems" attr:id="systems-link">{t_string!(i18n, machine.title)}</A></p>
                                })}
                                {(duty == Some(AdminDuty::Security)).then(|| view! {
                                    <p><A href="/staff/policy" attr:id="approvals-link">{t_string!(i18n, staff.approvals_link)}</A></p>
                                })}
                                {(duty == Some(AdminDuty::Audit)).then(|| view! {
                                    <p><A href="/staff/audit" attr:id="audit-link">{t_string!(i18n, audit.title)}</A></p>
                                })}
                            </section>
                            {matches!(duty, Some(AdminDuty::System | AdminDuty::Security)).then(|| view! { <StaffAdmin duty=duty.unwrap_or(AdminDuty::System) /> })}
                        }.into_any()
                    }
                    _ => view! { <p class="notice">{t_string!(i18n, error.forbidden)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The system administrator creates and disables accounts; the security administrator resets
/// second factors. Each sees the region's staff list with their own buttons only.
#[component]
fn StaffAdmin(duty: AdminDuty) -> impl IntoView {
    let system = duty == AdminDuty::System;
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| staff_accounts());
    let login = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Caseworker.code().to_string());
    let region = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let admin_duty = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let create = Action::new(move |s: &NewStaff| create_staff(s.clone()));
    let reset = Action::new(move |login: &String| reset_second_factor(login.clone()));
    Effect::new(move |_| match reset.value().get() {
        Some(Ok(())) => list.refetch(),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let unlock = Action::new(move |login: &String| clear_lockout(login.clone()));
    // Whose lockout was asked to be lifted last, and whether that is done.
    let unlocking = RwSignal::new(String::new());
    let unlocked = RwSignal::new(None::<String>);
    Effect::new(move |_| match unlock.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            unlocked.set(Some(unlocking.get_untracked()));
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let disable =
        Action::new(move |(login, off): &(String, bool)| set_staff_disabled(login.clone(), *off));
    Effect::new(move |_| match disable.value().get() {
        Some(Ok(())) => list.refetch(),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
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
        <Show when=move || system>
        <section class="card">
            <h2>{t_string!(i18n, staff.create_title)}</h2>
            <form on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(NewStaff {
                    login: login.get_untracked(),
                    display_name: name.get_untracked(),
                    role: role.get_untracked(),
                    region_code: region.get_untracked(),
                    password: password.get_untracked(),
                    department: department.get_untracked(),
                    duty: admin_duty.get_untracked(),
                });
            }>
                <label for="staff-login">{t_string!(i18n, staff.login)}</label>
                {input("staff-login", login, "text")}
                <label for="staff-name">{t_string!(i18n, staff.display_name)}</label>
                {input("staff-name", name, "text")}
                <label for="staff-role">{t_string!(i18n, staff.role_label)}</label>
                <select id="staff-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    {Role::ALL.into_iter().filter(|r| r.is_staff()).map(|r| {
                        view! { <option value=r.code() selected=move || role.get() == r.code()>{labels::role(i18n, r)}</option> }
                    }).collect_view()}
                </select>
                <Show when=move || role.get() == Role::Department.code()>
                    <label for="staff-department">{t_string!(i18n, staff.department)}</label>
                    <select id="staff-department" on:change=move |ev| department.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {Department::ALL.into_iter().map(|d| {
                            view! { <option value=d.code() selected=move || department.get() == d.code()>{labels::department(i18n, d)}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage error=field_error_of(error, "department") id="staff-department-error" />
                </Show>
                <Show when=move || role.get() == Role::Admin.code()>
                    <label for="staff-duty">{t_string!(i18n, staff.duty_label)}</label>
                    <select id="staff-duty" on:change=move |ev| admin_duty.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {AdminDuty::ALL.into_iter().map(|d| {
                            view! { <option value=d.code() selected=move || admin_duty.get() == d.code()>{labels::duty(i18n, d)}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage error=field_error_of(error, "duty") id="staff-duty-error" />
                </Show>
                <label for="staff-region">{t_string!(i18n, staff.region_code)}</label>
                {input("staff-region", region, "text")}
                <label for="staff-password">{t_string!(i18n, staff.initial_password)}</label>
                {input("staff-password", password, "password")}
                <ErrorBanner error />
                {move || matches!(create.value().get(), Some(Ok(_))).then(|| view! { <p class="banner ok">{t_string!(i18n, staff.created)}</p> })}
                <button type="submit" class="primary" disabled=move || create.pending().get()>{t_string!(i18n, staff.create)}</button>
            </form>
        </section>
        </Show>
        {(!system).then(|| view! { <ErrorBanner error /> })}
        <section class="card">
            <h2>{t_string!(i18n, staff.list_title)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    list.await.map(|rows| view! {
                        <table><tbody>
                            {rows.into_iter().map(|r| {
                                let login = r.login.clone();
                                let who = r.login.clone();
                                let lifted = r.login.clone();
                                let lift = r.login.clone();
                                let row_login = r.login.clone();
                                let off = r.disabled;
                                let role = r.role.clone();
                                view! { <tr data-login=row_login data-disabled=off.to_string()>
                                    <td>{r.login}</td><td>{crate::ui::as_written(r.display_name)}</td>
                                    <td>{Role::from_code(&role).map(|x| labels::role(i18n, x)).unwrap_or_else(|| role.clone())}</td><td class="mono">{r.region_code}</td>
                                    <td>{if r.second_factor && !system {
                                        view! {
                                            <span>{t_string!(i18n, second_factor.enrolled)}</span> " "
                                            <button type="button" class="reset-second-factor"
                                                disabled=move || reset.pending().get()
                                                on:click=move |_| { reset.dispatch(login.clone()); }>
                                                {t_string!(i18n, second_factor.reset)}
                                            </button>
                                        }.into_any()
                                    } else if r.second_factor {
                                        view! { <span>{t_string!(i18n, second_factor.enrolled)}</span> }.into_any()
                                    } else {
                                        view! { <span>{t_string!(i18n, second_factor.not_enrolled)}</span> }.into_any()
                                    }}</td>
                                    <td>{(!system).then(|| view! {
                                        <button type="button" class="clear-lockout"
                                            disabled=move || unlock.pending().get()
                                            on:click=move |_| { unlocked.set(None); unlocking.set(lift.clone()); unlock.dispatch(lift.clone()); }>
                                            {t_string!(i18n, account.clear_lockout)}
                                        </button>
                                        {move || (unlocked.get().as_deref() == Some(lifted.as_str())).then(|| view! {
                                            " " <span class="ok" role="status">{t_string!(i18n, account.lockout_cleared)}</span>
                                        })}
                                    })}
                                    {system.then(|| view! {
                                        <button type="button" class="toggle-disabled"
                                            disabled=move || disable.pending().get()
                                            on:click=move |_| { disable.dispatch((who.clone(), !off)); }>
                                            {if off { t!(i18n, account.enable).into_any() } else { t!(i18n, account.disable).into_any() }}
                                        </button>
                                    })}</td>
                                </tr> }
                            }).collect_view()}
                        </tbody></table>
                    }).ok()
                })}
            </Transition>
        </section>
    }
}

/// Enrolling the second factor: a member of staff just past their password (or a charity
/// choosing one) scans the QR code, types the app's code, and is shown ten recovery codes once.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let i18n = use_i18n();
    // In the browser only: starting an enrolment writes the secret into the session.
    let start = LocalResource::new(begin_second_factor);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let confirm = Action::new(move |c: &String| confirm_second_factor(c.clone()));
    Effect::new(move |_| {
        if let Some(Err(e)) = confirm.value().get() {
            code.set(String::new());
            error.set(Some(e));
        }
    });
    view! {
        <h1>{t_string!(i18n, second_factor.title)}</h1>
        <PageTitle text=t_string!(i18n, second_factor.title).to_string() />
        {move || match confirm.value().get() {
            Some(Ok(codes)) => view! {
                <section class="card" id="second-factor-done">
                    <p class="banner ok" role="status">{t_string!(i18n, second_factor.done)}</p>
                    <h2>{t_string!(i18n, second_factor.recovery_title)}</h2>
                    <p>{t_string!(i18n, second_factor.recovery_hint)}</p>
                    <ol id="recovery-codes" class="mono">
                        {codes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                    </ol>
                    <p><a href="/staff" id="second-factor-continue" rel="external">{t_string!(i18n, second_factor.next)}</a></p>
                </section>
            }.into_any(),
            _ => view! {
                <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                    {move || Suspend::new(async move {
                        match start.await {
                            Ok(e) => view! {
                                <section class="card narrow">
                                    <p>{t_string!(i18n, second_factor.intro)}</p>
                                    <div class="qr" role="img" aria-label=t_string!(i18n, second_factor.qr_label) inner_html=e.qr_svg></div>
                                    <p>{t_string!(i18n, second_factor.manual)} " " <code id="second-factor-secret">{e.secret}</code></p>
                                    <form on:submit=move |ev| {
                                        ev.prevent_default();
                                        error.set(None);
                                        confirm.dispatch(code.get_untracked());
                                    }>
                                        <label for="second-factor-code">{t_string!(i18n, second_factor.code)}</label>
                                        <input id="second-factor-code" autocomplete="one-time-code" inputmode="numeric" maxlength="6"
                                            prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                                        <ErrorBanner error />
                                        <button type="submit" class="primary" disabled=move || confirm.pending().get()>{t_string!(i18n, second_factor.confirm)}</button>
                                    </form>
                                </section>
                            }.into_any(),
                            Err(e) => {
                                error.set(Some(e));
                                view! {
                                    <ErrorBanner error />
                                    <p><a href="/login" rel="external">{t_string!(i18n, nav.login)}</a></p>
                                }.into_any()
                            }
                        }
                    })}
                </Suspense>
            }.into_any(),
        }}
    }
}

/// Changing one's own password (`/account/password`, and the staff page while an administrator's
/// first password is still in force).
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, account.change_title)}</h1>
        <PageTitle text=t_string!(i18n, account.change_title).to_string() />
        <ChangePasswordForm />
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let change =
        Action::new(move |(c, n): &(String, String)| change_password(c.clone(), n.clone()));
    let mismatch = move || !confirm.get().is_empty() && confirm.get() != new.get();
    Effect::new(move |_| match change.value().get() {
        Some(Ok(())) => crate::ui::load_page("/staff"),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let field = move |id: &'static str, sig: RwSignal<String>, auto: &'static str| {
        view! {
            <input id=id type="password" autocomplete=auto maxlength="64"
                prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev)) />
        }
    };
    view! {
        <section class="card narrow">
            <form on:submit=move |ev| {
                ev.prevent_default();
                error.set(None);
                if !mismatch() {
                    change.dispatch((current.get_untracked(), new.get_untracked()));
                }
            }>
                <label for="pw-current">{t_string!(i18n, account.current)}</label>
                {field("pw-current", current, "current-password")}
                <label for="pw-new">{t_string!(i18n, account.new)}</label>
                {field("pw-new", new, "new-password")}
                <p class="hint">{t_string!(i18n, auth.password_hint)}</p>
                <label for="pw-confirm">{t_string!(i18n, auth.password_confirm)}</label>
                {field("pw-confirm", confirm, "new-password")}
                {move || mismatch().then(|| view! { <p class="field-error" role="alert">{t_string!(i18n, auth.password_mismatch)}</p> })}
                <ErrorBanner error />
                <button type="submit" id="pw-save" class="primary" disabled=move || change.pending().get()>{t_string!(i18n, account.save)}</button>
            </form>
        </section>
    }
}
