//! 现有对象直接纳入 (/staff/intake): a county's caseworker (or a system administrator) takes in
//! the current rosters, one roster a file, from its template; the report says what was taken,
//! merged with households already known, already listed, and refused with reasons.

use crate::api::intake::{intake_page, IntakeReport, RosterTemplate};
use crate::clock::china_time;
use crate::domain::intake::Roster;
use crate::error::AppError;
use crate::i18n::*;
use crate::texts::{file_problem_in, row_problem_in};
use crate::ui::{device, general_error, labels, ErrorBanner, PageTitle};
use leptos::prelude::*;

#[component]
pub fn IntakePage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new(|| (), |_| intake_page());
    let report = RwSignal::new(None::<IntakeReport>);
    view! {
        <h1>{t_string!(i18n, intake.title)}</h1>
        <PageTitle text=t_string!(i18n, intake.title).to_string() />
        <p>{t_string!(i18n, intake.intro)}</p>
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        <IntakeForm templates=o.templates report on_done=Callback::new(move |_| overview.refetch()) />
                        {move || report.get().map(|r| view! { <section class="card"><ReportCard report=r id="intake-report" /></section> })}
                        <section class="card" id="intake-recent">
                            <h2>{t_string!(i18n, intake.recent)}</h2>
                            {o.recent.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, intake.none)}</p> })}
                            {o.recent.into_iter().map(|r| view! { <ReportCard report=r id="" /> }).collect_view()}
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IntakeForm(
    templates: Vec<RosterTemplate>,
    report: RwSignal<Option<IntakeReport>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let roster = RwSignal::new(Roster::Dibao);
    let error = RwSignal::new(None::<AppError>);
    // (roster, only a check)
    let run = Action::new_local(move |(r, check): &(Roster, bool)| {
        let (r, check) = (*r, *check);
        async move { device::upload_intake("intake-file", r.code(), check).await }
    });
    Effect::new(move |_| match run.value().get() {
        Some(Ok(r)) => {
            error.set(None);
            report.set(Some(r));
            on_done.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let templates = StoredValue::new(templates);
    view! {
        <form class="card" id="intake-form" on:submit=move |ev| { ev.prevent_default(); run.dispatch((roster.get_untracked(), false)); }>
            <label for="intake-roster">{t_string!(i18n, intake.roster)}</label>
            <select id="intake-roster" on:change=move |ev| if let Some(r) = Roster::from_code(&event_target_value(&ev)) { roster.set(r) }>
                {Roster::ALL.into_iter().map(|r| view! { <option value=r.code() selected=r == Roster::Dibao>{labels::roster_kind(i18n, r)}</option> }).collect_view()}
            </select>
            <details id="intake-columns">
                <summary>{t_string!(i18n, intake.columns)}</summary>
                <ul>
                    {move || templates.with_value(|t| t.iter().find(|t| t.roster == roster.get()).map(|t| t.columns.clone()).unwrap_or_default())
                        .into_iter()
                        .map(|(header, required)| view! {
                            <li>{header} {(!required).then(|| view! { " (" {t_string!(i18n, monitoring.optional)} ")" })}</li>
                        }).collect_view()}
                </ul>
                <p>
                    <a id="intake-template" rel="external" href=move || format!("/intake/template/{}.xlsx", roster.get().code())>
                        {t_string!(i18n, intake.template)}
                    </a>
                </p>
            </details>
            <label for="intake-file">{t_string!(i18n, monitoring.file_label)}</label>
            <input id="intake-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
            <ErrorBanner error=general_error(error) />
            {move || run.pending().get().then(|| view! { <p role="status">{t_string!(i18n, intake.running)}</p> })}
            <p class="muted">{t_string!(i18n, intake.check_hint)}</p>
            <div class="actions">
                <button type="button" id="intake-check" disabled=move || run.pending().get() on:click=move |_| { run.dispatch((roster.get_untracked(), true)); }>{t_string!(i18n, intake.check)}</button>
                <button type="submit" class="primary" id="intake-run" disabled=move || run.pending().get()>{t_string!(i18n, intake.run)}</button>
            </div>
        </form>
    }
}

#[component]
fn ReportCard(report: IntakeReport, #[prop(into)] id: String) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let lines = [
        (t_string!(i18n, intake.rows_read), report.rows_read),
        (t_string!(i18n, intake.taken), report.taken),
        (t_string!(i18n, intake.merged), report.merged),
        (
            t_string!(i18n, intake.households_new),
            report.households_new,
        ),
        (t_string!(i18n, intake.decided), report.decided),
        (
            t_string!(i18n, intake.decisions_kept),
            report.decisions_kept,
        ),
        (t_string!(i18n, intake.listed), report.listed),
        (t_string!(i18n, intake.already), report.already),
        (t_string!(i18n, intake.corrected), report.corrected),
        (t_string!(i18n, intake.not_corrected), report.not_corrected),
        (t_string!(i18n, intake.invalid), report.invalid),
    ];
    let title = format!(
        "{}{} · {} · {}",
        if report.check {
            format!("{} · ", t_string!(i18n, intake.checked))
        } else {
            String::new()
        },
        report
            .roster
            .map(|r| labels::roster_kind(i18n, r))
            .unwrap_or_default(),
        report.file_name,
        china_time(report.created_at)
    );
    view! {
        <article class="intake-report" id=(!id.is_empty()).then_some(id) data-taken=report.taken data-check=report.check.then_some("true")>
            <h3>{title}</h3>
            {report.check.then(|| view! { <p class="banner" role="status">{t_string!(i18n, intake.checked_note)}</p> })}
            {report.refused.as_ref().map(|p| view! { <p class="banner error">{file_problem_in(locale, p)}</p> })}
            <table class="counts">
                <tbody>{lines.into_iter().map(|(label, n)| view! { <tr><th scope="row">{label}</th><td class="num">{n}</td></tr> }).collect_view()}</tbody>
            </table>
            {(!report.decided_by_category.is_empty()).then(|| view! {
                <p class="intake-categories">
                    {t_string!(i18n, intake.by_category)} ": "
                    {report.decided_by_category.iter().map(|(c, n)| format!("{} {n}", labels::category(i18n, *c))).collect::<Vec<_>>().join(labels::list_sep(i18n))}
                </p>
            })}
            {(!report.ignored_columns.is_empty()).then(|| view! {
                <p class="muted">{t_string!(i18n, monitoring.ignored_columns)} ": " {crate::ui::as_written(report.ignored_columns.join(labels::list_sep(i18n)))}</p>
            })}
            {(!report.problems.is_empty()).then(|| view! {
                <table class="problems">
                    <thead><tr><th>{t_string!(i18n, intake.line)}</th><th>{t_string!(i18n, intake.reason)}</th></tr></thead>
                    <tbody>{report.problems.iter().map(|(line, p)| view! {
                        <tr><td class="num">{*line}</td><td>{row_problem_in(locale, *p)}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            })}
        </article>
    }
}
