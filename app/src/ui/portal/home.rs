//! The portal landing page.
use crate::i18n::*;
use crate::ui::PageTitle;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="hero">
            <h1>{t_string!(i18n, home.title)}</h1>
        <PageTitle text=t_string!(i18n, home.title).to_string() />
            <p>{t_string!(i18n, home.intro)}</p>
            <div class="actions">
                <A href="/declare" attr:class="button primary">{t_string!(i18n, home.start)}</A>
                <A href="/applications" attr:class="button">{t_string!(i18n, home.follow)}</A>
            </div>
        </section>
        <section class="card">
            <h2>{t_string!(i18n, home.steps_title)}</h2>
            <p>{t_string!(i18n, home.steps)}</p>
            <p class="muted">{t_string!(i18n, home.privacy)}</p>
        </section>
        <section class="card">
            <h2>{t_string!(i18n, public.policy_title)}</h2>
            <p>{t_string!(i18n, public.policy_intro)}</p>
            <div class="actions">
                <a href="/policy" class="button" id="home-policy">{t_string!(i18n, public.nav_policy)}</a>
                <a href="/open" class="button">{t_string!(i18n, public.nav_open)}</a>
                <a href="/notice" class="button">{t_string!(i18n, public.nav_notice)}</a>
                <a href="/complaints" class="button" id="home-complaints">{t_string!(i18n, complaints.nav)}</a>
            </div>
        </section>
    }
}
