//! 动态监测 pages: a department officer's import with its report, and the caseworker's
//! warnings by visit deadline with each step of their handling and the on-time rate.

use crate::api::monitoring::{load_warnings, record_warning_step, ImportReport, WarningStepDraft, WarningView};
use crate::domain::monitoring::{Disposal, FileProblem, Finding, RowProblem, WarningStatus};
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::policy::yuan;
use crate::ui::{device, field_error_of, general_error, labels, ErrorBanner, FieldMessage, ForRoles, MeResource};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;

fn row_problem(i18n: I18nContext<Locale>, p: RowProblem) -> String {
    match p {
        RowProblem::IdFormat => t_string!(i18n, errors.id_format),
        RowProblem::IdChecksum => t_string!(i18n, errors.id_checksum),
        RowProblem::IdBirthDate => t_string!(i18n, errors.id_birth_date),
        RowProblem::DateFormat => t_string!(i18n, errors.date_format),
        RowProblem::DateInFuture => t_string!(i18n, errors.date_in_future),
        RowProblem::AmountFormat => t_string!(i18n, errors.amount_format),
        RowProblem::AmountNegative => t_string!(i18n, errors.amount_negative),
        RowProblem::OutOfPocketOverTotal => t_string!(i18n, monitoring.problem.out_of_pocket_over_total),
        RowProblem::CellTooLong => t_string!(i18n, monitoring.problem.cell_too_long),
        RowProblem::WrongFieldCount => t_string!(i18n, monitoring.problem.wrong_field_count),
        RowProblem::Duplicate => t_string!(i18n, monitoring.problem.duplicate),
    }
    .to_string()
}

fn file_problem(i18n: I18nContext<Locale>, p: &FileProblem) -> String {
    match p {
        FileProblem::Empty => t_string!(i18n, monitoring.file.empty).to_string(),
        FileProblem::Encoding => t_string!(i18n, monitoring.file.encoding).to_string(),
        FileProblem::MissingColumns { fields } => format!("{} {}", t_string!(i18n, monitoring.file.missing_columns), fields.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", ")),
        FileProblem::DuplicateColumn { header } => format!("{} {header}", t_string!(i18n, monitoring.file.duplicate_column)),
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, monitoring.import_title)}</h1>
        <ForRoles roles=&[Role::Department, Role::Admin]><ImportForm /></ForRoles>
    }
    .into_any()
}

#[component]
fn ImportForm() -> impl IntoView {
    let i18n = use_i18n();
    let encoding = RwSignal::new(String::from("auto"));
    let error = RwSignal::new(None::<AppError>);
    let run = Action::new_local(move |enc: &String| {
        let enc = enc.clone();
        async move { device::upload_import("import-file", "medical_insurance", &enc).await }
    });
    Effect::new(move |_| match run.value().get() {
        Some(Err(e)) => error.set(Some(e)),
        Some(Ok(_)) => error.set(None),
        None => {}
    });
    view! {
        <form class="card" id="import-form" on:submit=move |ev| { ev.prevent_default(); run.dispatch(encoding.get_untracked()); }>
            <p class="muted">{t!(i18n, monitoring.import_intro)}</p>
            <label for="import-source">{t!(i18n, monitoring.source)}</label>
            <select id="import-source"><option value="medical_insurance" selected>{t!(i18n, chain.department.medical_insurance)}</option></select>
            <label for="import-encoding">{t!(i18n, monitoring.encoding)}</label>
            <select id="import-encoding" on:change=move |ev| encoding.set(event_target_value(&ev))>
                <option value="auto" selected>{t!(i18n, monitoring.encoding_auto)}</option>
                <option value="gbk">"GBK / GB18030"</option>
                <option value="utf-8">"UTF-8"</option>
            </select>
            <label for="import-file">{t!(i18n, monitoring.file_label)}</label>
            <input id="import-file" type="file" accept=".csv,text/csv" />
            <ErrorBanner error=general_error(error) />
            <FieldMessage error=field_error_of(error, "encoding") id="import-encoding-error" />
            {move || run.pending().get().then(|| view! { <progress id="import-progress" aria-label=move || t_string!(i18n, monitoring.importing)></progress> " " {t!(i18n, monitoring.importing)} })}
            <button type="submit" class="primary" id="import-run" disabled=move || run.pending().get()>{t!(i18n, monitoring.import)}</button>
        </form>
        {move || run.value().get().and_then(Result::ok).map(|r| view! { <ImportReportView report=r /> })}
    }
    .into_any()
}

#[component]
fn ImportReportView(report: ImportReport) -> impl IntoView {
    let i18n = use_i18n();
    let refused = report.refused.clone();
    let line = move |label: String, n: i64| view! { <tr><th scope="row">{label}</th><td class="num">{n}</td></tr> };
    view! {
        <section class="card" id="import-report">
            <h2>{t!(i18n, monitoring.report)} " · " {report.file_name.clone()} " (" {report.encoding.clone()} ")"</h2>
            {refused.map(|p| view! { <p class="banner error" id="import-refused">{t!(i18n, monitoring.refused)} " " {move || file_problem(i18n, &p)}</p> })}
            <table><tbody>
                {line(t_string!(i18n, monitoring.rows_read).to_string(), report.rows_read)}
                {line(t_string!(i18n, monitoring.new_records).to_string(), report.new_records)}
                {line(t_string!(i18n, monitoring.duplicates).to_string(), report.duplicates)}
                {line(t_string!(i18n, monitoring.matched).to_string(), report.matched)}
                {line(t_string!(i18n, monitoring.unmatched).to_string(), report.unmatched)}
                {line(t_string!(i18n, monitoring.invalid).to_string(), report.invalid)}
                {line(t_string!(i18n, monitoring.warnings_raised).to_string(), report.warnings)}
            </tbody></table>
            {(!report.ignored_columns.is_empty()).then(|| view! { <p>{t!(i18n, monitoring.ignored_columns)} ": " {report.ignored_columns.join("、")}</p> })}
            <ul id="import-problems">
                {report.problems.iter().map(|(row, p)| { let p = *p; let row = *row; view! { <li>{t!(i18n, monitoring.row)} " " {row} ": " {move || row_problem(i18n, p)}</li> } }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
pub fn WarningsPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let board = Resource::new(|| (), |_| load_warnings());
    view! {
        <h1>{t!(i18n, monitoring.warnings_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let caseworker = matches!(me.await, Ok(Some(ref u)) if u.role == Role::Caseworker);
                match board.await {
                    Ok(b) => view! {
                        <section class="card" id="on-time">
                            <h2>{t!(i18n, monitoring.on_time_title)}</h2>
                            {b.rates.is_empty().then(|| view! { <p class="muted">{t!(i18n, monitoring.on_time_none)}</p> })}
                            <table><tbody>
                                {b.rates.into_iter().map(|r| view! {
                                    <tr><td>{r.name.clone()}</td><td class="num">{r.on_time} " / " {r.due}</td>
                                    <td class="num">{if r.due > 0 { format!("{:.0}%", 100.0 * r.on_time as f64 / r.due as f64) } else { String::new() }}</td></tr>
                                }).collect_view()}
                            </tbody></table>
                        </section>
                        {b.warnings.is_empty().then(|| view! { <p class="muted" id="warnings-none">{t!(i18n, monitoring.no_warnings)}</p> })}
                        <div id="warnings">
                            {b.warnings.into_iter().map(|w| view! { <WarningItem warning=w caseworker on_change=Callback::new(move |_| board.refetch()) /> }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn WarningItem(warning: WarningView, caseworker: bool, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = warning.id;
    let error = RwSignal::new(None::<AppError>);
    let form = RwSignal::new(WarningStepDraft { visited_on: device::today_china().to_string(), ..Default::default() });
    let act = Action::new(move |d: &WarningStepDraft| record_warning_step(id, d.clone()));
    Effect::new(move |_| match act.value().get() {
        Some(Ok(())) => on_change.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let send = move |action: &'static str| act.dispatch(WarningStepDraft { action: action.into(), ..form.get_untracked() });
    let status = warning.status;
    let late = warning.days_left < 0 && matches!(status, Some(WarningStatus::New | WarningStatus::Assigned));
    let level = warning.level.map(|l| l.code()).unwrap_or_default();
    let medical = warning.medical.clone();
    let days = warning.days_left;
    let fe = move |f| field_error_of(error, f);
    let status_label = move || match status {
        Some(WarningStatus::New) => t_string!(i18n, monitoring.status.new),
        Some(WarningStatus::Assigned) => t_string!(i18n, monitoring.status.assigned),
        Some(WarningStatus::Visited) => t_string!(i18n, monitoring.status.visited),
        Some(WarningStatus::Disposed) => t_string!(i18n, monitoring.status.disposed),
        Some(WarningStatus::Closed) | None => t_string!(i18n, monitoring.status.closed),
    };
    view! {
        <article class=if late { "card warning overdue" } else { "card warning" } data-warning=id data-status=status.map(|s| s.code()).unwrap_or_default()>
            <h2>
                <span class=format!("badge level-{level}")>{t!(i18n, monitoring.level)} " " {level}</span> " "
                {t!(i18n, monitoring.rule.medical_out_of_pocket)} " · " {warning.region_name.clone()}
                {warning.escalated.then(|| view! { " " <strong class="late">{t!(i18n, monitoring.escalated)}</strong> })}
            </h2>
            <p>{warning.head.as_ref().map(|h| format!("{} {}", h.name, h.id_number_masked))} " · " <A href=format!("/staff/households/{}", warning.household_id)>{t!(i18n, casework.household_file)}</A></p>
            {medical.map(|m| view! {
                <p class="trigger">
                    {t!(i18n, monitoring.trigger_medical)} " " {m.from.to_string()} " – " {m.to.to_string()} ": "
                    {move || yuan(i18n, m.out_of_pocket_fen)} " (" {m.settlements} " " {t!(i18n, monitoring.settlements)} ") > " {move || yuan(i18n, m.threshold_fen)}
                </p>
            })}
            <p>
                <span class="badge">{status_label}</span> " · " {t!(i18n, monitoring.visit_due)} " " {warning.visit_due.clone()} " · "
                {move || if days < 0 { t_string!(i18n, household.overdue).to_string() } else { format!("{} {}", days, t_string!(i18n, casework.days)) }}
            </p>
            {warning.visited_on.clone().map(|v| view! { <p>{t!(i18n, monitoring.visited_on)} " " {v}</p> })}
            {(!warning.note.is_empty()).then(|| view! { <p class="muted">{warning.note.clone()}</p> })}
            {caseworker.then(|| view! {
                <form on:submit=move |ev| ev.prevent_default()>
                    <ErrorBanner error=general_error(error) />
                    {(status == Some(WarningStatus::New)).then(|| view! {
                        <button type="button" class="warning-assign" on:click=move |_| { send("assign"); }>{t!(i18n, monitoring.assign)}</button>
                    })}
                    {matches!(status, Some(WarningStatus::New | WarningStatus::Assigned)).then(|| view! {
                        <label for=format!("w{id}-date")>{t!(i18n, monitoring.visited_on)}</label>
                        <input id=format!("w{id}-date") type="date" prop:value=move || form.with(|f| f.visited_on.clone()) on:input=move |ev| form.update(|f| f.visited_on = event_target_value(&ev)) />
                        <FieldMessage error=fe("visited_on") id=format!("w{id}-date-error") />
                        <label for=format!("w{id}-finding")>{t!(i18n, monitoring.finding)}</label>
                        <select id=format!("w{id}-finding") on:change=move |ev| form.update(|f| f.finding = event_target_value(&ev))>
                            <option value="">{t!(i18n, common.please_choose)}</option>
                            {Finding::ALL.into_iter().map(|f| view! { <option value=f.code()>{move || match f {
                                Finding::Confirmed => t_string!(i18n, monitoring.finding_confirmed),
                                Finding::Refuted => t_string!(i18n, monitoring.finding_refuted),
                                Finding::Reclassified => t_string!(i18n, monitoring.finding_reclassified),
                            }}</option> }).collect_view()}
                        </select>
                        <FieldMessage error=fe("finding") id=format!("w{id}-finding-error") />
                    })}
                    {(status == Some(WarningStatus::Visited)).then(|| view! {
                        <label for=format!("w{id}-disposal")>{t!(i18n, monitoring.disposal)}</label>
                        <select id=format!("w{id}-disposal") on:change=move |ev| form.update(|f| f.disposal = event_target_value(&ev))>
                            <option value="">{t!(i18n, common.please_choose)}</option>
                            {Disposal::ALL.into_iter().map(|d| view! { <option value=d.code()>{move || match d {
                                Disposal::StartAssistance => t_string!(i18n, monitoring.disposal_start),
                                Disposal::ChangeAssistance => t_string!(i18n, monitoring.disposal_change),
                                Disposal::Referral => t_string!(i18n, monitoring.disposal_referral),
                                Disposal::NoAction => t_string!(i18n, monitoring.disposal_none),
                            }}</option> }).collect_view()}
                        </select>
                        <FieldMessage error=fe("disposal") id=format!("w{id}-disposal-error") />
                    })}
                    {matches!(status, Some(WarningStatus::New | WarningStatus::Assigned | WarningStatus::Visited)).then(|| view! {
                        <label for=format!("w{id}-note")>{t!(i18n, household.note)}</label>
                        <textarea id=format!("w{id}-note") rows="2" maxlength="1000" prop:value=move || form.with(|f| f.note.clone()) on:input=move |ev| form.update(|f| f.note = event_target_value(&ev))></textarea>
                        <FieldMessage error=fe("note") id=format!("w{id}-note-error") />
                    })}
                    {matches!(status, Some(WarningStatus::New | WarningStatus::Assigned)).then(|| view! {
                        <button type="button" class="primary warning-visit" on:click=move |_| { send("visit"); }>{t!(i18n, monitoring.record_visit)}</button>
                    })}
                    {(status == Some(WarningStatus::Visited)).then(|| view! {
                        <button type="button" class="primary warning-dispose" on:click=move |_| { send("dispose"); }>{t!(i18n, monitoring.dispose)}</button>
                    })}
                    {(status == Some(WarningStatus::Disposed)).then(|| view! {
                        <button type="button" class="primary warning-close" on:click=move |_| { send("close"); }>{t!(i18n, monitoring.close)}</button>
                    })}
                </form>
            })}
        </article>
    }
    .into_any()
}
