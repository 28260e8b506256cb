//! Pages and components, one folder per audience (portal for residents, staff) plus the
//! shell, header and shared form pieces. Every string comes from `locales/` via leptos_i18n.

pub mod casework;
pub mod charity;
pub mod cycle;
pub mod device;
pub mod household;
pub mod labels;
pub mod monitoring;
pub mod policy;
pub mod policy_admin;
pub mod portal;
pub mod staff;
pub mod visit;

use crate::api::accounts::{logout, me};
use crate::api::types::CurrentUser;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{lazy_route, Lazy, LazyRoute};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#b71c1c" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The signed-in user, shared by every page; refetched after login and logout.
pub type MeResource = Resource<Result<Option<CurrentUser>, AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me_resource: MeResource = Resource::new(|| (), |_| me());
    provide_context(me_resource);
    view! {
        // Chinese first: the browser's Accept-Language is not consulted; English is one click away
        // (and remembered in a cookie).
        <I18nContextProvider ssr_lang_header_getter=leptos_i18n::context::UseLocalesOptions::default().ssr_lang_header_getter(|| None)>
            <Stylesheet id="leptos" href="/pkg/doudi.css" />
            <AppTitle />
            <Router>
                <Header />
                <main id="main" class="page">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=portal::home::HomePage />
                        <Route path=path!("/register") view=portal::auth::RegisterPage />
                        <Route path=path!("/login") view=portal::auth::LoginPage />
                        <Route path=path!("/declare") view={Lazy::<DeclareRoute>::new()} />
                        <Route path=path!("/applications") view=portal::applications::MyApplicationsPage />
                        <Route path=path!("/applications/:number") view={Lazy::<ApplicationRoute>::new()} />
                        <Route path=path!("/staff") view={Lazy::<StaffRoute>::new()} />
                        <Route path=path!("/staff/policy") view={Lazy::<PolicyRoute>::new()} />
                        <Route path=path!("/staff/queue") view={Lazy::<QueueRoute>::new()} />
                        <Route path=path!("/notice") view={Lazy::<NoticeRoute>::new()} />
                        <Route path=path!("/staff/visit/:number") view={Lazy::<VisitRoute>::new()} />
                        <Route path=path!("/staff/households/:id") view={Lazy::<HouseholdRoute>::new()} />
                        <Route path=path!("/staff/referrals") view={Lazy::<ReferralsRoute>::new()} />
                        <Route path=path!("/staff/tasks") view={Lazy::<TasksRoute>::new()} />
                        <Route path=path!("/staff/search") view={Lazy::<SearchRoute>::new()} />
                        <Route path=path!("/staff/emergency") view={Lazy::<EmergencyRoute>::new()} />
                        <Route path=path!("/staff/warnings") view={Lazy::<WarningsRoute>::new()} />
                        <Route path=path!("/staff/imports") view={Lazy::<ImportsRoute>::new()} />
                        <Route path=path!("/staff/rules") view={Lazy::<RulesRoute>::new()} />
                        <Route path=path!("/staff/matching") view={Lazy::<MatchingRoute>::new()} />
                        <Route path=path!("/staff/charities") view={Lazy::<CharityAdminRoute>::new()} />
                        <Route path=path!("/charity") view={Lazy::<CharityRoute>::new()} />
                        <Route path=path!("/charity/register") view={Lazy::<CharityRegisterRoute>::new()} />
                    </Routes>
                </main>
            </Router>
        </I18nContextProvider>
    }
}

// The heavy pages are loaded when first visited (WASM code splitting), so the landing,
// sign-in and registration pages stay light on a phone's network.
macro_rules! lazy_page {
    ($route:ident => $page:path) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(DeclareRoute => portal::declare::DeclarePage);
lazy_page!(ApplicationRoute => portal::applications::ApplicationPage);
lazy_page!(StaffRoute => staff::StaffPage);
lazy_page!(PolicyRoute => policy_admin::PolicyAdminPage);
lazy_page!(QueueRoute => casework::QueuePage);
lazy_page!(NoticeRoute => casework::NoticePage);
lazy_page!(VisitRoute => visit::VisitPage);
lazy_page!(HouseholdRoute => household::HouseholdPage);
lazy_page!(ReferralsRoute => household::ReferralInboxPage);
lazy_page!(TasksRoute => cycle::TasksPage);
lazy_page!(SearchRoute => cycle::SearchPage);
lazy_page!(EmergencyRoute => cycle::EmergencyPage);
lazy_page!(WarningsRoute => monitoring::WarningsPage);
lazy_page!(ImportsRoute => monitoring::ImportPage);
lazy_page!(RulesRoute => monitoring::RulesPage);
lazy_page!(MatchingRoute => charity::MatchingPage);
lazy_page!(CharityAdminRoute => charity::CharityAdminPage);
lazy_page!(CharityRoute => charity::CharityPage);
lazy_page!(CharityRegisterRoute => charity::CharityRegisterPage);

#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    view! { <Title text=move || format!("{} · {}", t_string!(i18n, app_name), t_string!(i18n, app_subtitle)) /> }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="notice">{t!(i18n, not_found_page)}</p> }
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let me_resource = expect_context::<MeResource>();
    let toggle = move |_| {
        let next = if i18n.get_locale() == Locale::en { Locale::zh_CN } else { Locale::en };
        i18n.set_locale(next);
    };
    let do_logout = Action::new(move |_: &()| async move {
        let _ = logout().await;
        me_resource.refetch();
    });
    Effect::new(move |_| {
        if do_logout.value().get().is_some() {
            use_navigate()("/", Default::default());
        }
    });
    view! {
        <a class="skip" href="#main">{t!(i18n, skip_to_content)}</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="brand-name">{t!(i18n, app_name)}</span>
                <span class="brand-sub">{t!(i18n, app_subtitle)}</span>
            </A>
            <nav aria-label=move || t_string!(i18n, nav.home)>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me_resource.await {
                            Ok(Some(user)) => {
                                let staff = user.role.is_staff();
                                view! {
                                    <span class="who">{t!(i18n, auth.signed_in_as)} {user.display_name.clone()}</span>
                                    {(!staff).then(|| view! {
                                        <A href="/declare">{t!(i18n, nav.declare)}</A>
                                        <A href="/applications">{t!(i18n, nav.applications)}</A>
                                    })}
                                    {staff.then(|| view! { <A href="/staff">{t!(i18n, nav.staff)}</A> })}
                                    <button type="button" class="link" on:click=move |_| { do_logout.dispatch(()); }>
                                        {t!(i18n, nav.logout)}
                                    </button>
                                }.into_any()
                            }
                            _ => view! {
                                <A href="/login">{t!(i18n, nav.login)}</A>
                                <A href="/register">{t!(i18n, nav.register)}</A>
                            }.into_any(),
                        }
                    })}
                </Transition>
                <button type="button" class="lang" id="lang-switch" on:click=toggle aria-label=move || t_string!(i18n, nav.language_label)>
                    {t!(i18n, nav.language)}
                </button>
            </nav>
        </header>
    }
}

/// Shown only to the roles a page is for.
#[component]
pub fn ForRoles(roles: &'static [crate::domain::status::Role], children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(u)) if roles.contains(&u.role) => children.with_value(|c| c()).into_any(),
                    _ => view! { <p class="notice">{t!(i18n, error.forbidden)} " " <A href="/login">{t!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// Shows the translated message of a field error, or nothing.
#[component]
pub fn FieldMessage(#[prop(into)] error: Signal<Option<crate::domain::declaration::FieldErrorCode>>, #[prop(into)] id: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="field-error" id=id role="alert">
            {move || error.get().map(|e| labels::field_error(i18n, e))}
        </p>
    }
}

/// A general error message under a form.
#[component]
pub fn ErrorBanner(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {move || error.get().map(|e| view! { <p class="banner error" role="alert">{labels::app_error(i18n, &e)}</p> })}
    }
}

/// The field error a server function returned for `field`, if any.
pub fn field_error_of(error: RwSignal<Option<AppError>>, field: &'static str) -> Signal<Option<crate::domain::declaration::FieldErrorCode>> {
    Signal::derive(move || match error.get() {
        Some(AppError::Invalid(errs)) => errs.iter().find(|e| e.field == field).map(|e| e.code),
        _ => None,
    })
}

/// The error to show under a form: field errors are shown at their fields instead.
pub fn general_error(error: RwSignal<Option<AppError>>) -> Signal<Option<AppError>> {
    Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid(v) if !v.is_empty())))
}

/// `2026-11-25`: the day in China, from stored UTC milliseconds.
pub fn china_date(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis + 8 * 3_600_000).map(|t| t.date_naive().to_string()).unwrap_or_default()
}

/// `2026-11-25 14:03` in China time, from stored UTC milliseconds.
pub fn china_time(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis + 8 * 3_600_000)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
