//! Pages and components, one folder per audience (portal for residents, staff) plus the
//! shell, header and shared form pieces. Every string comes from `locales/` via leptos_i18n.
// The portal's WASM (feature `portal`) holds only the islands: the page tree is not used there.
#![cfg_attr(feature = "portal", allow(dead_code, unused_imports, unused_macros))]

pub mod device;
pub mod early;
pub mod labels;
pub mod policy;
pub mod portal;

/// The staff's, charities' and care providers' pages: not in the portal's WASM, which holds the
/// residents' islands only (compiled there, they were only dropped again by the optimiser, after
/// costing each build's compiler their time).
macro_rules! whole_app_modules {
    ($($module:ident)*) => {
        $(
            #[cfg(not(feature = "portal"))]
            pub mod $module;
        )*
    };
}

whole_app_modules! {
    audit care casework charity complaints cycle dashboard household intake leads machine
    monitoring payments policy_admin recovery reserve rosters staff visit
}

use crate::api::accounts::{logout, me};
use crate::api::types::CurrentUser;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use leptos_router::{lazy_route, Lazy, LazyRoute};

/// The page around the whole application (staff, charity and every other page).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> AnyView {
    document(options, false, || view! { <App /> }.into_any())
}

/// Where the portal's WASM is built: `site-pkg-dir` (below the whole application's, `pkg`) and
/// `output-name` of the cargo-leptos project `portal` in the workspace's Cargo.toml.
pub const PORTAL_PKG_SUBDIR: &str = "portal";
pub const PORTAL_OUTPUT_NAME: &str = "doudi-portal";

/// Whether one segment of an address under `/pkg/` is a version of the build output: "v" and 12
/// lower-case hexadecimal digits. The server names its files under the current one (`pkg/v…`,
/// the options' `site_pkg_dir`) and serves them from `pkg/` (`server::assets`).
pub fn is_pkg_version(segment: &str) -> bool {
    segment.len() == 13
        && segment.starts_with('v')
        && segment[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where a package directory of the options (`pkg/v…/portal`) is on disk: without its version.
#[cfg(feature = "ssr")]
fn pkg_dir_on_disk(pkg_dir: &str) -> String {
    pkg_dir
        .split('/')
        .filter(|s| !is_pkg_version(s))
        .collect::<Vec<_>>()
        .join("/")
}

/// The page around the residents' portal: the same markup, server-rendered, of which the portal's
/// own WASM hydrates only the islands (`#[island]`: the forms and buttons).
#[cfg(feature = "ssr")]
pub fn portal_shell(options: LeptosOptions) -> AnyView {
    let mut options = options;
    options.site_pkg_dir = format!("{}/{PORTAL_PKG_SUBDIR}", options.site_pkg_dir).into();
    options.output_name = PORTAL_OUTPUT_NAME.into();
    document(options, true, || {
        provide_context(IslandsDocument);
        view! { <PortalApp /> }.into_any()
    })
}

/// The HTML document: the head loads the WASM that `options` names, the body is `app`. With
/// `islands`, only islands are hydrated (the head is built first: it switches the rest off).
#[cfg(feature = "ssr")]
fn document(options: LeptosOptions, islands: bool, app: impl FnOnce() -> AnyView) -> AnyView {
    let splits = split_manifest(&options);
    // One style sheet for both: the whole application's (`pkg/doudi.css`), under the version.
    let css = format!(
        "/{}/doudi.css",
        options
            .site_pkg_dir
            .strip_suffix(&format!("/{PORTAL_PKG_SUBDIR}"))
            .unwrap_or(&options.site_pkg_dir)
    );
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <Head options splits islands css />
            </head>
            <body>
                {app()}
            </body>
        </html>
    }
    .into_any()
}

#[cfg(feature = "ssr")]
#[component]
fn Head(
    options: LeptosOptions,
    splits: Option<leptos::WasmSplitManifest>,
    islands: bool,
    css: String,
) -> impl IntoView {
    // This answer's CSP names the nonce Leptos put on its inline scripts (the hydration script
    // and the streamed resources): no other inline script runs, whatever a page shows.
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(csp) = http::HeaderValue::from_str(&crate::csp::content_security_policy(Some(
            nonce.as_inner(),
        ))) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    let view = view! {
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="theme-color" content="#b71c1c" />
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" id="leptos" href=css />
        <AutoReload options=options.clone() />
        <HydrationScripts options islands />
        <leptos_meta::MetaTags />
    };
    // `HydrationScripts` keeps the first split manifest it reads for every later page, whichever
    // WASM that page loads: the right one replaces it here, so a page preloads its own chunks.
    if let Some(splits) = splits {
        provide_context(splits);
    }
    view
}

/// The lazily loaded chunks of the WASM in `options`' package directory, read once per directory.
#[cfg(feature = "ssr")]
fn split_manifest(options: &LeptosOptions) -> Option<leptos::WasmSplitManifest> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static READ: OnceLock<Mutex<HashMap<String, Option<leptos::WasmSplitManifest>>>> =
        OnceLock::new();
    let pkg_dir = options.site_pkg_dir.to_string();
    let mut read = READ
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    read.entry(pkg_dir.clone())
        .or_insert_with(|| {
            let path = std::path::Path::new(options.site_root.as_ref())
                .join(pkg_dir_on_disk(&pkg_dir))
                .join("__wasm_split_manifest.json");
            let chunks = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
            Some(leptos::WasmSplitManifest(ArcStoredValue::new((
                format!("/{pkg_dir}"),
                chunks,
                // The loader's name when files are not hashed (`hash-files` is off).
                "__wasm_split.______________________.js".to_string(),
            ))))
        })
        .clone()
}

/// The signed-in user, shared by every page (signing in or out loads a new page).
pub type MeResource = Resource<Result<Option<CurrentUser>, AppError>>;

/// The whole application's pages, each loaded when first visited (staff and charities, who use
/// this WASM, seldom open the residents' light pages, so those are lazy here too): every address
/// and its page listed once, for the router and for loading the first page's code before the
/// page is hydrated ([`load_page_code`]).
macro_rules! whole_app_routes {
    ($($path:tt => $route:ident,)*) => {
        /// The whole application: every page, for staff, charities and residents alike.
        #[cfg(not(feature = "portal"))]
        #[component]
        pub fn App() -> impl IntoView {
            frame(|| {
                view! {
                    <Routes fallback=NotFound>
                        $(<Route path=path!($path) view={Lazy::<$route>::new()} ssr=ssr_mode($path) />)*
                    </Routes>
                }
            }, || ())
        }

        /// Loads the code of the page at `path` (an address's path), when it is one of the
        /// application's pages. Hydration is synchronous (our tachys: vendor/README.md), so
        /// the page's code must be there before it begins.
        #[cfg(all(feature = "hydrate", not(feature = "portal")))]
        pub async fn load_page_code(path: &str) {
            use leptos_router::PossibleRouteMatch;
            // The router's own test of an address against a route, and its rule for a whole
            // match (`Routes::match_route`): nothing left, or a trailing slash.
            let whole = |m: Option<leptos_router::PartialPathMatch<'_>>| {
                m.is_some_and(|m| matches!(m.remaining(), "" | "/"))
            };
            $(
                if whole(path!($path).test(path)) {
                    return <$route as LazyRoute>::preload().await;
                }
            )*
        }
    };
}

whole_app_routes! {
    "/" => HomeRoute,
    "/register" => RegisterRoute,
    "/login" => LoginRoute,
    "/declare" => DeclareRoute,
    "/applications" => MyApplicationsRoute,
    "/applications/:number" => ApplicationRoute,
    "/staff" => StaffRoute,
    "/second-factor" => SecondFactorRoute,
    "/account/password" => PasswordRoute,
    "/staff/policy" => PolicyRoute,
    "/staff/queue" => QueueRoute,
    "/notice" => NoticeRoute,
    "/policy" => PolicyInfoRoute,
    "/open" => OpenStatisticsRoute,
    "/complaints" => ComplaintRoute,
    "/complaints/track" => TrackRoute,
    "/staff/complaints" => StaffComplaintsRoute,
    "/staff/reports" => GridReportsRoute,
    "/staff/leads" => LeadsRoute,
    "/staff/leads/:id/declare" => ProxyDeclareRoute,
    "/staff/visit/:number" => VisitRoute,
    "/staff/households/:id" => HouseholdRoute,
    "/staff/referrals" => ReferralsRoute,
    "/staff/tasks" => TasksRoute,
    "/staff/search" => SearchRoute,
    "/staff/emergency" => EmergencyRoute,
    "/staff/warnings" => WarningsRoute,
    "/staff/imports" => ImportsRoute,
    "/staff/intake" => IntakeRoute,
    "/staff/rules" => RulesRoute,
    "/staff/audit" => AuditRoute,
    "/staff/rosters" => RostersRoute,
    "/staff/payments" => PaymentsRoute,
    "/staff/reserve" => ReserveRoute,
    "/staff/dashboard" => DashboardRoute,
    "/staff/matching" => MatchingRoute,
    "/staff/charities" => CharityAdminRoute,
    "/staff/systems" => SystemsRoute,
    "/charity" => CharityRoute,
    "/provider" => ProviderRoute,
    "/charity/register" => CharityRegisterRoute,
}

/// How the server sends a page: the public pages (policy, open statistics, the public notice)
/// whole, once their data are read, so that they are complete HTML without any script; a
/// resident's declaration and application pages whole too, so that a phone never shows a
/// "loading" line and the footer below it, then moves both down when the form streamed after them
/// arrives (Lighthouse's layout shift on `/declare` was 0.13-0.42; a resident's data there are
/// one indexed read; a caseworker's application page, the same address, comes whole too: p50
/// 4.8 ms under `make bench`'s load); every other page streamed, its slow parts following its
/// first bytes.
pub fn ssr_mode(path: &str) -> leptos_router::SsrMode {
    match path {
        "/policy" | "/open" | "/notice" | "/declare" | "/applications/:number" => {
            leptos_router::SsrMode::Async
        }
        _ => leptos_router::SsrMode::OutOfOrder,
    }
}

/// The residents' portal alone: the pages a resident uses, rendered on the server; the portal's own,
/// smaller WASM hydrates their islands only. Every link from these pages is a page load. Only the
/// server renders it: the portal's WASM holds the islands and none of the page tree around them.
#[cfg(feature = "ssr")]
#[component]
pub fn PortalApp() -> impl IntoView {
    // The same addresses as the whole application's (`whole_app_routes!`).
    frame(
        || {
            view! {
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=portal::home::HomePage />
                    <Route path=path!("/register") view=portal::auth::RegisterPage />
                    <Route path=path!("/login") view=portal::auth::LoginPage />
                    <Route path=path!("/declare") view={Lazy::<DeclareRoute>::new()} />
                    <Route path=path!("/applications") view=portal::applications::MyApplicationsPage />
                    <Route path=path!("/applications/:number") view={Lazy::<ApplicationRoute>::new()} />
                    <Route path=path!("/policy") view=portal::public::PolicyInfoPage />
                    <Route path=path!("/open") view=portal::public::OpenStatisticsPage />
                    <Route path=path!("/notice") view=portal::public::PublicNoticePage />
                <Route path=path!("/complaints") view=portal::complaints::ComplaintPage />
                <Route path=path!("/complaints/track") view=portal::complaints::TrackPage />
                </Routes>
            }
        },
        || view! { <portal::public::PublicFooter /> },
    )
}

/// What every page shares: language, title, header and the signed-in user around the routes,
/// and `footer` below them: the portal's (hotline and supervision numbers, the public pages) or
/// none (a function, not a flag: the whole application's WASM then holds no footer's code).
fn frame<R: IntoView + 'static, F: IntoView + 'static>(
    routes: impl FnOnce() -> R + Send + 'static,
    footer: impl FnOnce() -> F + Send + 'static,
) -> impl IntoView {
    provide_meta_context();
    let me_resource: MeResource = Resource::new(|| (), |_| me());
    provide_context(me_resource);
    // Chinese first: the browser's Accept-Language is not consulted; English is one click away and
    // remembered in a cookie (written by the language switch), which the server renders in.
    let chosen = chosen_language();
    view! {
        <I18nContextProvider ssr_lang_header_getter=leptos_i18n::context::UseLocalesOptions::default().ssr_lang_header_getter(move || chosen.clone())>
            <AppTitle />
            <Router>
                <Header />
                <main id="main" class="page">
                    {routes()}
                </main>
                {footer()}
            </Router>
        </I18nContextProvider>
    }
}

// The heavy pages are loaded when first visited (WASM code splitting), so the landing,
// sign-in and registration pages stay light on a phone's network. Each lazy page is exported
// from the WASM that splits it: the portal's build leaves out all but the residents' own.
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

// Not in the portal's build, which holds islands only (each lazy page is an export, which would
// keep its whole page there).
macro_rules! whole_app_pages {
    ($($route:ident => $page:path;)*) => {
        $(
            #[cfg(not(feature = "portal"))]
            lazy_page!($route => $page);
        )*
    };
}

whole_app_pages! {
    HomeRoute => portal::home::HomePage;
    RegisterRoute => portal::auth::RegisterPage;
    LoginRoute => portal::auth::LoginPage;
    MyApplicationsRoute => portal::applications::MyApplicationsPage;
    DeclareRoute => portal::declare::DeclarePage;
    ApplicationRoute => portal::applications::ApplicationPage;
    StaffRoute => staff::StaffPage;
    SecondFactorRoute => staff::SecondFactorPage;
    PasswordRoute => staff::ChangePasswordPage;
    PolicyRoute => policy_admin::PolicyAdminPage;
    QueueRoute => casework::QueuePage;
    NoticeRoute => portal::public::PublicNoticePage;
    PolicyInfoRoute => portal::public::PolicyInfoPage;
    OpenStatisticsRoute => portal::public::OpenStatisticsPage;
    ComplaintRoute => portal::complaints::ComplaintPage;
    TrackRoute => portal::complaints::TrackPage;
    StaffComplaintsRoute => complaints::ComplaintsPage;
    GridReportsRoute => leads::GridReportPage;
    LeadsRoute => leads::LeadsPage;
    ProxyDeclareRoute => portal::declare::ProxyDeclarePage;
    VisitRoute => visit::VisitPage;
    HouseholdRoute => household::HouseholdPage;
    ReferralsRoute => household::ReferralInboxPage;
    TasksRoute => cycle::TasksPage;
    SearchRoute => cycle::SearchPage;
    EmergencyRoute => cycle::EmergencyPage;
    WarningsRoute => monitoring::WarningsPage;
    ImportsRoute => monitoring::ImportPage;
    IntakeRoute => intake::IntakePage;
    RulesRoute => monitoring::RulesPage;
    AuditRoute => audit::AuditTrailPage;
    RostersRoute => rosters::RostersPage;
    PaymentsRoute => payments::PaymentsPage;
    ReserveRoute => reserve::ReservePage;
    DashboardRoute => dashboard::DashboardPage;
    MatchingRoute => charity::MatchingPage;
    CharityAdminRoute => charity::CharityAdminPage;
    SystemsRoute => machine::SystemsPage;
    CharityRoute => charity::CharityPage;
    ProviderRoute => care::ProviderPage;
    CharityRegisterRoute => charity::CharityRegisterPage;
}

/// The document's title: the page's own (its `PageTitle`), then the service's name; the service's
/// full name where a page has none.
#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    // Plain strings: the title is written after the page is rendered, when the page's reactive
    // values (an island's language among them) may be gone.
    let name = t_string!(i18n, app_name).to_string();
    let full = format!("{name} · {}", t_string!(i18n, app_subtitle));
    let formatter = move |page: String| {
        if page.is_empty() {
            full.clone()
        } else {
            format!("{page} · {name}")
        }
    };
    view! { <Title formatter text=String::new() /> }
}

/// What [`OnDemand`] loads: the part's view, from its arguments (a `#[lazy]` function's call).
pub type LoadPart<A> = fn(A) -> std::pin::Pin<Box<dyn std::future::Future<Output = AnyView>>>;

/// A part of a page most visits never open (a caseworker's form to record something): a
/// `<details>` whose content is built, and its code loaded (`load` calls a `#[lazy]` function:
/// a WASM chunk of its own), when it is first opened; a tablet's first visit does not download
/// it. `open` opens it from elsewhere too (a flag's "refer" link). The server renders it closed
/// and empty. Once built, the content stays (closing hides it, what was typed is kept).
#[component]
pub fn OnDemand<A>(
    id: &'static str,
    #[prop(into)] summary: String,
    #[prop(optional)] open: Option<RwSignal<bool>>,
    args: A,
    load: LoadPart<A>,
) -> impl IntoView
where
    A: Clone + Send + Sync + 'static,
{
    let open = open.unwrap_or_else(|| RwSignal::new(false));
    #[cfg(feature = "hydrate")]
    let content = {
        // Browser only: a view is not `Send` (the estimate on `/declare` does the same).
        let ready = RwSignal::new_local(None::<AnyView>);
        let started = StoredValue::new(false);
        let args = StoredValue::new(args);
        // The part is built under this component's owner: it reads the page's contexts (the
        // language, the signed-in user) and its reactive values go with the page's part around
        // it; not the effect's, which a second toggle would dispose of.
        let owner = Owner::current().unwrap_or_default();
        Effect::new(move |_| {
            if open.get() && !started.get_value() {
                started.set_value(true);
                let part = leptos::reactive::computed::ScopedFuture {
                    owner: owner.clone(),
                    observer: None,
                    fut: load(args.get_value()),
                };
                leptos::task::spawn_local(async move {
                    let view = part.await;
                    ready.try_set(Some(view));
                });
            }
        });
        move || {
            ready.track();
            ready.try_update_untracked(Option::take).flatten()
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let content = {
        let _ = (args, load);
        || None::<AnyView>
    };
    view! {
        <details class="card on-demand" id=id prop:open=move || open.get()
            on:toggle=move |ev| open.set(event_target::<leptos::web_sys::Element>(&ev).has_attribute("open"))>
            <summary>{summary}</summary>
            {content}
        </details>
    }
}

/// A page's own title (tab, history, what a screen reader announces first), usually its `<h1>`.
/// A plain string, for the same reason as `AppTitle`'s.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <Title text /> }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="notice">{t_string!(i18n, not_found_page)}</p> }
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    // Who is signed in, known as the page is rendered: the header is in the page's first bytes
    // as it will stay (awaited, it was streamed in after the first paint and moved the page: CLS
    // 0.23–0.33 on a phone). The browser hydrates with the value the server rendered with.
    let rendered_with = leptos::prelude::SharedValue::new(signed_in_now).into_inner();
    // Then, in the whole application, whatever the `me` resource says once (re)loaded: signing in
    // on a page that navigates without a page load (a charity's registration) updates it.
    let me_resource = expect_context::<MeResource>();
    let signed_in = move || match me_resource.get() {
        Some(Ok(user)) => user,
        _ => rendered_with.clone(),
    };
    view! {
        <a class="skip" href="#main">{t_string!(i18n, skip_to_content)}</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="brand-name">{t_string!(i18n, app_name)}</span>
                <span class="brand-sub">{t_string!(i18n, app_subtitle)}</span>
            </A>
            <nav aria-label=t_string!(i18n, nav.home)>
                {move || match signed_in() {
                            Some(user) => {
                                let staff = user.role.is_staff();
                                view! {
                                    <span class="who">{t_string!(i18n, auth.signed_in_as)} {as_written(user.display_name.clone())}</span>
                                    {(!staff).then(|| view! {
                                        <A href="/declare">{t_string!(i18n, nav.declare)}</A>
                                        <A href="/applications">{t_string!(i18n, nav.applications)}</A>
                                    })}
                                    // Staff pages belong to the whole application, not the portal: a full page load.
                                    {staff.then(|| view! { <a href="/staff" rel="external">{t_string!(i18n, nav.staff)}</a> })}
                                    {portal_island((), |()| view! { <SignOut /> }, |()| view! { <SignOutButton /> })}
                                }.into_any()
                            }
                            None => view! {
                                <A href="/login">{t_string!(i18n, nav.login)}</A>
                                <A href="/register">{t_string!(i18n, nav.register)}</A>
                            }.into_any(),
                }}
                {portal_island((), |()| view! { <LanguageSwitch /> }, |()| view! { <LanguageButton /> })}
            </nav>
        </header>
    }
}

/// The signed-in user of the request being rendered (server side; `None` in the browser, where
/// [`Header`] takes the server's value).
fn signed_in_now() -> Option<CurrentUser> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()?
            .extensions
            .get::<crate::auth::AuthSession>()?
            .user
            .as_ref()
            .map(|u| u.current())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// [`SignOutButton`] as the portal's island.
#[island]
fn SignOut() -> impl IntoView {
    island_context();
    view! { <SignOutButton /> }
}

/// Signs out, then loads the landing page afresh (nothing of the session stays on the page).
#[component]
fn SignOutButton() -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = Action::new(move |_: &()| async move {
        let _ = logout().await;
        load_page("/");
    });
    view! {
        <button type="button" class="link" id="sign-out" on:click=move |_| { sign_out.dispatch(()); }>
            {t_string!(i18n, nav.logout)}
        </button>
    }
}

/// [`LanguageButton`] as the portal's island.
#[island]
fn LanguageSwitch() -> impl IntoView {
    island_context();
    view! { <LanguageButton /> }
}

/// Switches between Chinese and English and remembers the choice in a cookie.
#[component]
fn LanguageButton() -> impl IntoView {
    let i18n = use_i18n();
    let toggle = move |_| {
        let next = if i18n.get_locale() == Locale::en {
            Locale::zh_CN
        } else {
            Locale::en
        };
        remember_language(next);
        // The page is rendered again in the new language by the server: its texts are not
        // reactive (`t_string!`: each reactive text was a view type of its own, ~750 of them).
        // What was typed and not saved is put back once the new page is live.
        early::Typed::read().carry_over();
        reload_page();
    };
    view! {
        // The accessible name is the visible text and what it does ("English（切换语言）"): a person
        // using voice control says what they see. The language's name is in that language.
        <button type="button" class="lang" id="lang-switch" on:click=toggle>
            <span lang=if i18n.get_locale() == Locale::en { "zh-CN" } else { "en" }>{t_string!(i18n, nav.language)}</span>
            <span class="sr-only">{labels::paren(i18n, t_string!(i18n, nav.language_label))}</span>
        </button>
    }
}

/// The portal's document: its interactive parts are islands (see `portal_island`).
#[derive(Clone, Copy)]
struct IslandsDocument;

/// Whether the page is rendered as the portal's document (islands) rather than the whole
/// application's.
pub fn in_portal_document() -> bool {
    use_context::<IslandsDocument>().is_some()
}

/// One interactive part of a page, given its `data`: `island(data)` in the portal's document,
/// `whole(data)` (the same part as a plain component) in the whole application's. The whole
/// application hydrates its pages whole, and Leptos's islands are not made to be hydrated that way:
/// after one, hydration loses its place in the page.
pub fn portal_island<T, I: IntoView + 'static, W: IntoView + 'static>(
    data: T,
    island: impl FnOnce(T) -> I,
    whole: impl FnOnce(T) -> W,
) -> AnyView {
    // The whole application's WASM hydrates only the whole application's documents: the
    // island's side is left out of it (code a tablet would download and never run).
    #[cfg(all(feature = "hydrate", not(feature = "portal")))]
    {
        let _ = island;
        whole(data).into_any()
    }
    #[cfg(not(all(feature = "hydrate", not(feature = "portal"))))]
    if in_portal_document() {
        island(data).into_any()
    } else {
        whole(data).into_any()
    }
}

/// What an island needs around it; every island calls this first. Its language: on the server the
/// page's own; in the browser, where the portal hydrates islands without the page around them, made
/// here from the language the server rendered in (`<html lang>`). In the portal's WASM it also
/// counts the island as hydrated.
pub fn island_context() {
    early::keep_for_island();
    #[cfg(feature = "portal")]
    Effect::new(|_| island_hydrated());
    if use_context::<I18nContext<Locale>>().is_none() {
        provide_context(leptos_i18n::context::init_i18n_context::<Locale>());
    }
}

/// Counts the portal's hydrated islands; when every island on the page is live, marks the body
/// `data-hydrated` (browser tests wait for it, as they do for the whole application).
#[cfg(feature = "portal")]
pub fn island_hydrated() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static HYDRATED: AtomicUsize = AtomicUsize::new(0);
    let done = HYDRATED.fetch_add(1, Ordering::SeqCst) + 1;
    mark_hydrated_when(done);
}

/// Marks the body `data-hydrated` once `done` islands are hydrated, all there are on the page.
#[cfg(feature = "portal")]
pub fn mark_hydrated_when(done: usize) {
    let doc = document();
    let total = doc
        .query_selector_all("leptos-island")
        .map(|l| l.length() as usize)
        .unwrap_or(0);
    if done >= total {
        // What was typed before the language was switched (`LanguageButton`).
        early::Typed::carried().restore();
        if let Some(body) = doc.body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    }
}

/// The language a list of accepted languages asks for (most preferred first, as a browser or an
/// `Accept-Language` header gives them): the first whose primary subtag is one of ours ("zh-TW"
/// and "zh-Hans-CN" read Chinese, "en-GB" English), else the default, Chinese. leptos_i18n's
/// `Locale::find_locale` for our generated `Locale` (see `app/build.rs`).
pub fn best_language<T: AsRef<[u8]>>(accepted: &[T]) -> Locale {
    accepted
        .iter()
        .find_map(|tag| {
            let tag = std::str::from_utf8(tag.as_ref()).ok()?;
            let primary = tag.trim().split(['-', '_']).next()?;
            if primary.eq_ignore_ascii_case("zh") {
                Some(Locale::zh_CN)
            } else if primary.eq_ignore_ascii_case("en") {
                Some(Locale::en)
            } else {
                None
            }
        })
        .unwrap_or_default()
}

/// The cookie that keeps a visitor's language (leptos_i18n's own name, so earlier choices hold).
const LANGUAGE_COOKIE: &str = "i18n_pref_locale";

/// The language this request's visitor chose before, from the language cookie (server side).
fn chosen_language() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        let chosen = parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| {
                pair.trim()
                    .strip_prefix(LANGUAGE_COOKIE)?
                    .strip_prefix('=')
                    .map(str::to_string)
            });
        chosen
    }
    #[cfg(not(feature = "ssr"))]
    None
}

/// Keeps the language for later pages and visits (a year), so the server renders in it.
fn remember_language(locale: Locale) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = doc.set_cookie(&format!(
                "{LANGUAGE_COOKIE}={}; path=/; max-age=31536000; samesite=lax",
                locale.as_str()
            ));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = locale;
}

/// Goes to a page of the whole application from anywhere (a full load: from the portal, whose
/// WASM does not hold that page). Only ever called in the browser.
pub fn load_page(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Loads the current page again (after a change that the page, rendered on the server, shows).
/// Only ever called in the browser.
pub fn reload_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().reload();
    }
}

/// Shown only to the roles a page is for.
#[component]
pub fn ForRoles(
    roles: &'static [crate::domain::status::Role],
    children: ChildrenFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(u)) if u.acts_as(roles) => children.with_value(|c| c()).into_any(),
                    _ => view! { <p class="notice">{t_string!(i18n, error.forbidden)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// Shows the translated message of a field error, or nothing.
#[component]
pub fn FieldMessage(
    #[prop(into)] error: Signal<Option<crate::domain::declaration::FieldErrorCode>>,
    #[prop(into)] id: String,
) -> impl IntoView {
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
pub fn field_error_of(
    error: RwSignal<Option<AppError>>,
    field: &'static str,
) -> Signal<Option<crate::domain::declaration::FieldErrorCode>> {
    Signal::derive(move || match error.get() {
        Some(AppError::Invalid(errs)) => errs.iter().find(|e| e.field == field).map(|e| e.code),
        _ => None,
    })
}

/// The error to show under a form: field errors are shown at their fields instead.
pub fn general_error(error: RwSignal<Option<AppError>>) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid(v) if !v.is_empty()))
    })
}

pub use crate::clock::{china_date, china_time};

/// The code chosen at `level` (0 = province … 4 = village) given the deepest code chosen,
/// or empty when the choice does not reach that level.
/// The name of a level of the region tree (0 = province … 4 = village), for pickers.
/// `lang="zh-CN"` for text people or the data wrote in Chinese (names of places, documents),
/// shown as it is on a page in another language: a screen reader reads it as Chinese.
pub fn text_lang(text: &str) -> Option<&'static str> {
    text.chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        .then_some("zh-CN")
}

/// Text as people or the records wrote it (a name, a place, what was declared), shown as it is on
/// a page in any language: marked as Chinese where it is, so a screen reader reads it as Chinese
/// (WCAG 3.1.2) and the English pages' test tells it from an untranslated word.
pub fn as_written(text: impl Into<String>) -> impl IntoView {
    let text = text.into();
    view! { <span lang=text_lang(&text)>{text.clone()}</span> }
}

pub fn region_level_label(i18n: leptos_i18n::I18nContext<Locale>, level: usize) -> String {
    match level {
        0 => t_string!(i18n, declare.region_province).to_string(),
        1 => t_string!(i18n, declare.region_city).to_string(),
        2 => t_string!(i18n, declare.region_county).to_string(),
        3 => t_string!(i18n, declare.region_township).to_string(),
        _ => t_string!(i18n, declare.region_village).to_string(),
    }
}

pub fn chosen_at_level(code: &str, level: usize) -> String {
    let Ok(rc) = crate::domain::region::RegionCode::parse(code) else {
        return String::new();
    };
    if (rc.level() as usize) < level {
        return String::new();
    }
    let len = [2, 4, 6, 9, 12][level];
    format!("{:0<12}", &rc.as_str()[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_accepted_language_of_ours_is_chosen_by_its_primary_subtag() {
        let pick = |tags: &[&str]| best_language(tags);
        assert_eq!(pick(&["en-US", "zh-CN"]), Locale::en);
        assert_eq!(pick(&["fr-FR", "EN_gb", "zh"]), Locale::en);
        assert_eq!(pick(&["zh-TW", "en"]), Locale::zh_CN);
        assert_eq!(pick(&["zh-Hans-CN"]), Locale::zh_CN);
        assert_eq!(pick(&["zh-CN"]), Locale::zh_CN);
        assert_eq!(
            pick(&["de", "ja"]),
            Locale::zh_CN,
            "none of ours: the default"
        );
        assert_eq!(pick(&[]), Locale::zh_CN);
        assert_eq!(
            pick(&["english"]),
            Locale::zh_CN,
            "a primary subtag, not a prefix"
        );
        // Exactly what leptos_i18n asks the generated `Locale` for.
        use leptos_i18n::Locale as _;
        assert_eq!(Locale::find_locale(&["en"]), Locale::en);
        assert_eq!(
            Locale::find_locale(&[b"fr".as_slice(), b"zh-HK"]),
            Locale::zh_CN
        );
    }
}
