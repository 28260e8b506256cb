//! 统计分析 on a tablet: the figures of the caller's region, or of a region below it reached by
//! its link, for a range of months. Each section is a chart (drawn by `/pkg/charts/doudi-charts.js`
//! with the ECharts copy we serve, from the option the server built) and the table of the same
//! numbers beside it; the numbers link to the masked roster behind them. The address carries
//! the region and the months (`?region=…&from=…&to=…`), so a view can be shared and works
//! without the WASM.

use crate::api::statistics::{dashboard, refresh_statistics, Cell, Section};
use crate::clock::china_time;
use crate::domain::status::Role;
use crate::i18n::*;
use crate::ui::{general_error, ErrorBanner, ForRoles, PageTitle};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The script that draws every `[data-chart]` element (and loads ECharts the first time).
pub const CHARTS_SCRIPT: &str = "/pkg/charts/doudi-charts.js";

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, stats.title)}</h1>
        <PageTitle text=t_string!(i18n, stats.title).to_string() />
        <ForRoles roles=&[Role::Caseworker, Role::Admin]>
            <Figures />
        </ForRoles>
        <script src=CHARTS_SCRIPT defer></script>
    }
}

fn cell(c: &Cell) -> AnyView {
    match &c.href {
        // A roster is a download: the browser's own, not the router's.
        Some(h) if h.starts_with("/rosters/") => {
            view! { <a href=h.clone() rel="external" download>{c.text.clone()}</a> }.into_any()
        }
        Some(h) => view! { <a href=h.clone()>{c.text.clone()}</a> }.into_any(),
        None => c.text.clone().into_any(),
    }
}

fn section(i18n: leptos_i18n::I18nContext<Locale>, s: Section) -> impl IntoView {
    let label = format!("{}{}", t_string!(i18n, stats.chart_label), s.title);
    let heading = format!("st-{}-title", s.id);
    let labelled_by = heading.clone();
    view! {
        <section class="card stat-section" id=format!("st-{}", s.id) aria-labelledby=labelled_by>
            <h2 id=heading>{s.title.clone()}</h2>
            <div class="stat-body">
                {(!s.chart.is_empty()).then(|| view! {
                    <div class="chart" id=format!("chart-{}", s.id) data-chart=s.chart.clone() role="img" aria-label=label></div>
                })}
                <div class="table-scroll" tabindex="0">
                    <table id=format!("table-{}", s.id)>
                        <thead><tr>{s.head.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {s.rows.is_empty().then(|| view! { <tr><td colspan=s.head.len().max(1)>{t_string!(i18n, stats.no_data)}</td></tr> })}
                            {s.rows.iter().map(|r| view! {
                                <tr>{r.iter().enumerate().map(|(i, c)| if i == 0 {
                                    // A region's name is as the division table writes it.
                                    view! { <th scope="row" lang=crate::ui::text_lang(&c.text)>{cell(c)}</th> }.into_any()
                                } else {
                                    view! { <td class="num">{cell(c)}</td> }.into_any()
                                }).collect_view()}</tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </div>
        </section>
    }
}

#[component]
fn Figures() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let asked = move || {
        query.with(|q| {
            (
                q.get("region").unwrap_or_default(),
                q.get("from").unwrap_or_default(),
                q.get("to").unwrap_or_default(),
            )
        })
    };
    let figures = Resource::new(asked, |(r, f, t)| dashboard(r, f, t));
    let refresh = Action::new(|_: &()| refresh_statistics());
    let error = RwSignal::new(None);
    Effect::new(move |_| match refresh.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            figures.refetch();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <p class="muted">{t_string!(i18n, stats.intro)}</p>
        <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match figures.await {
                    Ok(d) => {
                        let last = d.trail.len().saturating_sub(1);
                        let (from, to, region) = (d.from.clone(), d.to.clone(), d.region.clone());
                        view! {
                            <nav aria-label=t_string!(i18n, stats.region) class="trail" id="st-trail">
                                {d.trail.iter().enumerate().map(|(i, p)| if i == last {
                                    view! { <span aria-current="page" lang=crate::ui::text_lang(&p.name)>{p.name.clone()}</span> }.into_any()
                                } else {
                                    view! { <a href=format!("/staff/dashboard?region={}&from={from}&to={to}", p.code) lang=crate::ui::text_lang(&p.name)>{p.name.clone()}</a> " › " }.into_any()
                                }).collect_view()}
                            </nav>
                            <form class="card filters" method="get" action="/staff/dashboard" id="st-range">
                                <input type="hidden" name="region" value=region />
                                <div class="filter-grid">
                                    <div>
                                        <label for="st-from">{t_string!(i18n, stats.from)}</label>
                                        <input id="st-from" name="from" type="month" value=from.clone() />
                                    </div>
                                    <div>
                                        <label for="st-to">{t_string!(i18n, stats.to)}</label>
                                        <input id="st-to" name="to" type="month" value=to.clone() />
                                    </div>
                                </div>
                                <button type="submit" id="st-show">{t_string!(i18n, stats.show)}</button>
                            </form>
                            <p id="st-as-of">
                                {if d.refreshed_at > 0 {
                                    format!("{} {}", t_string!(i18n, stats.as_of), china_time(d.refreshed_at))
                                } else {
                                    t_string!(i18n, stats.never).to_string()
                                }}
                                " "
                                <button type="button" id="st-refresh" on:click=move |_| { refresh.dispatch(()); } disabled=move || refresh.pending().get()>
                                    {move || if refresh.pending().get() { t_string!(i18n, stats.refreshing) } else { t_string!(i18n, stats.refresh) }}
                                </button>
                                " "
                                <a href=d.report_href.clone() rel="external" download id="st-report">{t_string!(i18n, stats.report_link)}</a>
                                " · "
                                <a href=d.review_href.clone() rel="external" download id="st-review">{t_string!(i18n, stats.review_export)}</a>
                            </p>
                            {d.sections.into_iter().map(|s| section(i18n, s)).collect_view()}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                }
            })}
        </Transition>
        <ErrorBanner error=general_error(error) />
    }
}
