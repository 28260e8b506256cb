//! Registration with an SMS code, and sign-in (residents by mobile number, staff by user name).

use crate::api::accounts::{login, register, send_code, Registration};
use crate::api::types::CurrentUser;
use crate::domain::declaration::FieldErrorCode;
use crate::domain::phone::Phone;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::PageTitle;
use crate::ui::{early, island_context, load_page, portal_island, ErrorBanner, FieldMessage};
use leptos::prelude::*;
use leptos_router::components::A;

/// Said on the sign-in and registration pages when their form was sent before the page's code
/// was live (or without JavaScript): the server sends the page back with `?early` and reads
/// nothing of what was sent (`server::http::form_sent_too_early`).
#[component]
fn SentTooEarly() -> impl IntoView {
    let i18n = use_i18n();
    let early = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("early").is_some());
    early
        .then(|| view! { <p class="banner error" role="alert">{t_string!(i18n, auth.sent_too_early)}</p> })
}

/// After signing in or registering, a page load to where the user works (the header and every
/// page after it are rendered for the signed-in user).
fn go_home_for(user: &CurrentUser) {
    match user.role {
        crate::domain::status::Role::Charity => load_page("/charity"),
        r if r.is_staff() => load_page("/staff"),
        _ => load_page("/declare"),
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card narrow">
            <h1>{t_string!(i18n, auth.register_title)}</h1>
        <PageTitle text=t_string!(i18n, auth.register_title).to_string() />
            <SentTooEarly />
            {portal_island((), |()| view! { <RegisterIsland /> }, |()| view! { <RegisterForm /> })}
            <p><A href="/login">{t_string!(i18n, auth.have_account)}</A></p>
        </section>
    }
}

/// [`RegisterForm`] as the portal's island.
#[island(lazy)]
fn RegisterIsland() -> impl IntoView {
    island_context();
    view! { <RegisterForm /> }
}

#[component]
fn RegisterForm() -> impl IntoView {
    let i18n = use_i18n();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let phone_touched = RwSignal::new(false);
    let phone_error = Signal::derive(move || {
        (phone_touched.get() && Phone::parse(&phone.get()).is_err())
            .then_some(FieldErrorCode::PhoneFormat)
    });
    let send = Action::new(move |p: &String| send_code(p.clone()));
    let submit = Action::new(move |r: &Registration| register(r.clone()));
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(user)) => go_home_for(&user),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = send.value().get() {
            error.set(Some(e));
        }
    });
    let mismatch = move || !confirm.get().is_empty() && confirm.get() != password.get();
    view! {
        // `method="post"`: sent before the page's code is live, the form must not put the password
        // in the address (the server answers with the page again).
        <form method="post" on:submit=move |ev| {
            ev.prevent_default();
            error.set(None);
            phone_touched.set(true);
            if phone_error.get_untracked().is_some() || mismatch() { return; }
            submit.dispatch(Registration { phone: phone.get_untracked(), code: code.get_untracked(), password: password.get_untracked() });
        }>
            <label for="reg-phone">{t_string!(i18n, auth.phone)}</label>
            <input id="reg-phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="20"
                aria-describedby="reg-phone-error" prop:value=phone
                on:input=move |ev| phone.set(event_target_value(&ev)) on:blur=move |_| phone_touched.set(true) />
            <p class="hint">{t_string!(i18n, auth.phone_hint)}</p>
            <FieldMessage error=phone_error id="reg-phone-error" />
            <early::SendCodeButton send on_press=Callback::new(move |()| {
                phone_touched.set(true);
                if phone_error.get_untracked().is_none() { send.dispatch(phone.get_untracked()); }
            }) />
            {move || matches!(send.value().get(), Some(Ok(_))).then(|| view! { <p class="banner ok" role="status">{t_string!(i18n, auth.code_sent)}</p> })}
            <label for="reg-code">{t_string!(i18n, auth.code)}</label>
            <input id="reg-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
                prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
            <label for="reg-password">{t_string!(i18n, auth.password)}</label>
            <input id="reg-password" name="password" type="password" autocomplete="new-password" maxlength="64"
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
            <p class="hint">{t_string!(i18n, auth.password_hint)}</p>
            <label for="reg-confirm">{t_string!(i18n, auth.password_confirm)}</label>
            <input id="reg-confirm" name="confirm" type="password" autocomplete="new-password" maxlength="64"
                prop:value=confirm on:input=move |ev| confirm.set(event_target_value(&ev)) />
            {move || mismatch().then(|| view! { <p class="field-error" role="alert">{t_string!(i18n, auth.password_mismatch)}</p> })}
            <ErrorBanner error=error />
            <button type="submit" class="primary" disabled=move || submit.pending().get()>{t_string!(i18n, auth.register_submit)}</button>
        </form>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card narrow">
            <h1>{t_string!(i18n, auth.login_title)}</h1>
        <PageTitle text=t_string!(i18n, auth.login_title).to_string() />
            <SentTooEarly />
            {portal_island((), |()| view! { <LoginIsland /> }, |()| view! { <LoginForm /> })}
            <p><A href="/register">{t_string!(i18n, auth.no_account)}</A></p>
            <p><a href="/charity/register" id="charity-register-link" rel="external">{t_string!(i18n, charity.register_link)}</a></p>
        </section>
    }
}

/// [`LoginForm`] as the portal's island.
#[island(lazy)]
fn LoginIsland() -> impl IntoView {
    island_context();
    view! { <LoginForm /> }
}

#[component]
fn LoginForm() -> impl IntoView {
    let i18n = use_i18n();
    let login_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let otp = RwSignal::new(String::new());
    // Shown once the server asks for the second factor (and kept while it is wrong).
    let want_otp = RwSignal::new(false);
    let otp_input = NodeRef::<leptos::html::Input>::new();
    let submit = Action::new(move |(l, p, o): &(String, String, String)| {
        login(l.clone(), p.clone(), o.clone())
    });
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(user)) => go_home_for(&user),
        Some(Err(AppError::Refused(code))) if code == "second_factor_enrol" => {
            load_page("/second-factor")
        }
        Some(Err(AppError::Refused(code))) if code == "second_factor_needed" => {
            want_otp.set(true);
            // Once it is shown (the next frame), the cursor goes to the code.
            request_animation_frame(move || {
                if let Some(input) = otp_input.get_untracked() {
                    let _ = input.focus();
                }
            });
        }
        Some(Err(e)) => {
            if matches!(&e, AppError::Refused(c) if c == "bad_second_factor") {
                otp.set(String::new());
            }
            error.set(Some(e))
        }
        None => {}
    });
    view! {
        // `method="post"`: see the registration form.
        <form method="post" on:submit=move |ev| {
            ev.prevent_default();
            error.set(None);
            submit.dispatch((login_name.get_untracked(), password.get_untracked(), otp.get_untracked()));
        }>
            <label for="login-name">{t_string!(i18n, auth.login_name)}</label>
            <input id="login-name" name="login" autocomplete="username" maxlength="64"
                prop:value=login_name on:input=move |ev| login_name.set(event_target_value(&ev)) />
            <label for="login-password">{t_string!(i18n, auth.password)}</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password" maxlength="256"
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
            // Always in the page, hidden until asked for: a block shown and removed by a
            // signal would bring Leptos' code for such blocks into the portal's first download
            // (33 KB brotli, moved there from the declaration's part).
            <div hidden=move || !want_otp.get()>
                <label for="login-otp">{t_string!(i18n, auth.otp)}</label>
                <input id="login-otp" name="otp" autocomplete="one-time-code" inputmode="numeric" maxlength="32"
                    aria-describedby="login-otp-hint" node_ref=otp_input
                    prop:value=otp on:input=move |ev| otp.set(event_target_value(&ev)) />
                <p class="hint" id="login-otp-hint">{t_string!(i18n, auth.otp_hint)}</p>
            </div>
            <ErrorBanner error=error />
            <button type="submit" class="primary" disabled=move || submit.pending().get()>{t_string!(i18n, auth.login_submit)}</button>
        </form>
    }
}
