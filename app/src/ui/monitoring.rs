//! 动态监测 pages: a department officer's import with its report, and the caseworker's
//! warnings by visit deadline with each step of their handling and the on-time rate.

use crate::api::monitoring::{
    load_import_page, load_rules, load_warnings, record_warning_step, save_rule, ImportOverview,
    ImportReport, RuleDraft, WarningStepDraft, WarningView,
};
use crate::domain::monitoring::{
    Disposal, FileProblem, Finding, RowProblem, Source, Threshold, WarningLevel, WarningRule,
    WarningStatus,
};
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::texts::{file_problem_in, import_field_in, report_lines_in, row_problem_in};
use crate::ui::policy::yuan;
use crate::ui::PageTitle;
use crate::ui::{
    device, field_error_of, general_error, labels, ErrorBanner, FieldMessage, ForRoles, MeResource,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;

fn row_problem(i18n: I18nContext<Locale>, p: RowProblem) -> String {
    row_problem_in(i18n.get_locale(), p)
}

fn file_problem(i18n: I18nContext<Locale>, p: &FileProblem) -> String {
    file_problem_in(i18n.get_locale(), p)
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, monitoring.import_title)}</h1>
        <PageTitle text=t_string!(i18n, monitoring.import_title).to_string() />
        <ForRoles roles=&[Role::Department, Role::Admin]><ImportForm /></ForRoles>
    }
    .into_any()
}

#[component]
fn ImportForm() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new(|| (), |_| load_import_page());
    // Kept here: the list below is reloaded after an import, and the report must outlive that.
    let report = RwSignal::new(None::<ImportReport>);
    view! {
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) if o.sources.is_empty() => view! { <p class="card muted" id="import-no-sources">{t_string!(i18n, monitoring.no_sources)}</p> }.into_any(),
                    Ok(o) => view! { <ImportFormFor overview=o report on_done=Callback::new(move |_| overview.refetch()) /> }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn ImportFormFor(
    overview: ImportOverview,
    report: RwSignal<Option<ImportReport>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let first = overview
        .sources
        .first()
        .copied()
        .unwrap_or(Source::MedicalInsurance);
    let source = RwSignal::new(first);
    let encoding = RwSignal::new(String::from("auto"));
    let error = RwSignal::new(None::<AppError>);
    // The server reports how far the import has come under a token this page chooses; the
    // import goes on if the page is closed, and then waits in the list below.
    let progress = RwSignal::new(None::<crate::api::monitoring::ImportProgress>);
    let poller = StoredValue::new(None::<leptos::prelude::IntervalHandle>);
    let run = Action::new_local(move |(src, enc, token): &(Source, String, String)| {
        let (src, enc, token) = (*src, enc.clone(), token.clone());
        async move { device::upload_import("import-file", src.code(), &enc, &token).await }
    });
    let start = move || {
        let token = device::new_device_id("import");
        progress.set(None);
        let polled = token.clone();
        let handle = leptos::prelude::set_interval_with_handle(
            move || {
                let polled = polled.clone();
                leptos::task::spawn_local(async move {
                    if let Some(p) = device::import_progress(&polled).await.filter(|p| p.running) {
                        progress.set(Some(p));
                    }
                });
            },
            std::time::Duration::from_millis(700),
        );
        poller.set_value(handle.ok());
        run.dispatch((source.get_untracked(), encoding.get_untracked(), token));
    };
    Effect::new(move |_| {
        let done = run.value().get();
        if done.is_some() {
            if let Some(h) = poller.get_value() {
                h.clear();
            }
            poller.set_value(None);
            progress.set(None);
        }
        match done {
            Some(Err(e)) => error.set(Some(e)),
            Some(Ok(r)) => {
                error.set(None);
                report.set(Some(r));
                on_done.run(());
            }
            None => {}
        }
    });
    let sources = overview.sources.clone();
    view! {
        <form class="card" id="import-form" on:submit=move |ev| { ev.prevent_default(); start(); }>
            <p class="muted">{t_string!(i18n, monitoring.import_intro)}</p>
            <label for="import-source">{t_string!(i18n, monitoring.source)}</label>
            <select id="import-source" on:change=move |ev| if let Some(s) = Source::from_code(&event_target_value(&ev)) { source.set(s) }>
                {sources.into_iter().map(|s| view! { <option value=s.code() selected=s == first>{labels::import_source(i18n, s)}</option> }).collect_view()}
            </select>
            <details id="import-columns">
                <summary>{t_string!(i18n, monitoring.columns)}</summary>
                <ul>
                    {move || source.get().template().iter().map(|c| {
                        let (field, required) = (c.field, c.required);
                        view! { <li><strong>{import_field_in(i18n.get_locale(), field)}</strong> ": " {c.headers.join(" / ")}
                            {(!required).then(|| view! { " (" {t_string!(i18n, monitoring.optional)} ")" })}</li> }
                    }).collect_view()}
                </ul>
            </details>
            <label for="import-encoding">{t_string!(i18n, monitoring.encoding)}</label>
            <select id="import-encoding" on:change=move |ev| encoding.set(event_target_value(&ev))>
                <option value="auto" selected>{t_string!(i18n, monitoring.encoding_auto)}</option>
                <option value="gbk">"GBK / GB18030"</option>
                <option value="utf-8">"UTF-8"</option>
            </select>
            <label for="import-file">{t_string!(i18n, monitoring.file_label)}</label>
            <input id="import-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
            <ErrorBanner error=general_error(error) />
            <FieldMessage error=field_error_of(error, "encoding") id="import-encoding-error" />
            {move || run.pending().get().then(|| {
                let p = progress.get();
                let (value, max) = p.as_ref().map(|p| (p.read_bytes, p.total_bytes.max(1))).unwrap_or((0, 1));
                let rows = p.map(|p| p.rows).unwrap_or(0);
                view! {
                    <p aria-live="polite">
                        <progress id="import-progress" value=value.to_string() max=max.to_string() aria-label=t_string!(i18n, monitoring.importing)></progress>
                        " " {t_string!(i18n, monitoring.importing)} " " {rows} " " {t_string!(i18n, monitoring.rows_so_far)}
                    </p>
                    <p class="muted">{t_string!(i18n, monitoring.may_close)}</p>
                }
            })}
            <button type="submit" class="primary" id="import-run" disabled=move || run.pending().get()>{t_string!(i18n, monitoring.import)}</button>
        </form>
        {move || report.get().map(|r| view! { <ImportReportView report=r /> })}
        <section class="card" id="past-imports">
            <h2>{t_string!(i18n, monitoring.past_imports)}</h2>
            {overview.imports.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, monitoring.no_imports)}</p> })}
            <table><tbody>
                {overview.imports.into_iter().map(|i| {
                    let src = i.source;
                    view! { <tr>
                        <td>{crate::ui::china_time(i.at)}</td>
                        <td>{src.map(|s| labels::import_source(i18n, s)).unwrap_or_default()}</td>
                        <td>{i.file_name.clone()} {i.refused.then(|| view! { " " <span class="badge">{t_string!(i18n, monitoring.refused_short)}</span> })}</td>
                        <td class="num">{i.rows_read} " / " {i.matched} " / " {i.invalid}</td>
                        <td class="num">{i.warnings}</td>
                        <td><a rel="external" href=format!("/imports/{}/report.xlsx", i.id)>{t_string!(i18n, monitoring.download_xlsx)}</a></td>
                    </tr> }
                }).collect_view()}
            </tbody></table>
        </section>
    }
    .into_any()
}

#[component]
fn ImportReportView(report: ImportReport) -> impl IntoView {
    let i18n = use_i18n();
    let refused = report.refused.clone();
    let counts = report.clone();
    let line = move |label: String, n: i64| view! { <tr><th scope="row">{label}</th><td class="num">{n}</td></tr> };
    view! {
        <section class="card" id="import-report">
            <h2>{t_string!(i18n, monitoring.report)} " · " {report.file_name.clone()} " (" {report.encoding.clone()} ")"</h2>
            {refused.map(|p| view! { <p class="banner error" id="import-refused">{t_string!(i18n, monitoring.refused)} " " {file_problem(i18n, &p)}</p> })}
            {report.import_id.clone().map(|id| view! { <p><a rel="external" id="import-report-xlsx" href=format!("/imports/{id}/report.xlsx")>{t_string!(i18n, monitoring.download_xlsx)}</a></p> })}
            <table><tbody>
                {report_lines_in(i18n.get_locale(), &counts).into_iter().map(|(label, n)| line(label, n)).collect_view()}
            </tbody></table>
            {(!report.ignored_columns.is_empty()).then(|| view! { <p>{t_string!(i18n, monitoring.ignored_columns)} ": " {crate::ui::as_written(report.ignored_columns.join(labels::list_sep(i18n)))}</p> })}
            <ul id="import-problems">
                {report.problems.iter().map(|(row, p)| { let p = *p; let row = *row; view! { <li>{t_string!(i18n, monitoring.row)} " " {row} ": " {row_problem(i18n, p)}</li> } }).collect_view()}
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
    let only_escalated = RwSignal::new(false);
    view! {
        <h1>{t_string!(i18n, monitoring.warnings_title)}</h1>
        <PageTitle text=t_string!(i18n, monitoring.warnings_title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let caseworker = matches!(me.await, Ok(Some(ref u)) if u.role == Role::Caseworker);
                match board.await {
                    Ok(b) => view! {
                        <section class="card" id="on-time">
                            <h2>{t_string!(i18n, monitoring.on_time_title)}</h2>
                            {b.rates.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, monitoring.on_time_none)}</p> })}
                            <table><tbody>
                                {b.rates.into_iter().map(|r| view! {
                                    <tr><td>{r.name.clone()}</td><td class="num">{r.on_time} " / " {r.due}</td>
                                    <td class="num">{if r.due > 0 { format!("{:.0}%", 100.0 * r.on_time as f64 / r.due as f64) } else { String::new() }}</td></tr>
                                }).collect_view()}
                            </tbody></table>
                        </section>
                        {b.warnings.is_empty().then(|| view! { <p class="muted" id="warnings-none">{t_string!(i18n, monitoring.no_warnings)}</p> })}
                        <p><label class="check"><input type="checkbox" id="only-escalated" on:change=move |ev| only_escalated.set(event_target_checked(&ev)) />
                            {t_string!(i18n, monitoring.show_escalated)}</label></p>
                        <div id="warnings">
                            {b.warnings.into_iter().map(|w| {
                                let escalated = w.escalated;
                                view! { <div class:hidden=move || only_escalated.get() && !escalated>
                                    <WarningItem warning=w caseworker on_change=Callback::new(move |_| board.refetch()) />
                                </div> }
                            }).collect_view()}
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
    let form = RwSignal::new(WarningStepDraft {
        visited_on: device::today_china().to_string(),
        ..Default::default()
    });
    let act = Action::new(move |d: &WarningStepDraft| record_warning_step(id, d.clone()));
    Effect::new(move |_| match act.value().get() {
        Some(Ok(())) => on_change.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let send = move |action: &'static str| {
        act.dispatch(WarningStepDraft {
            action: action.into(),
            ..form.get_untracked()
        })
    };
    let status = warning.status;
    let late = warning.days_left < 0
        && matches!(status, Some(WarningStatus::New | WarningStatus::Assigned));
    let level = warning.level.map(|l| l.code()).unwrap_or_default();
    let medical = warning.medical.clone();
    let event = warning.event.clone();
    let missed = warning.missed.clone();
    let kind = warning.kind;
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
        <article class=if late { "card warning overdue" } else { "card warning" } data-warning=id data-kind=kind.map(|k| k.code()).unwrap_or_default()
            data-status=status.map(|s| s.code()).unwrap_or_default()>
            <h2>
                <span class=format!("badge level-{level}")>{t_string!(i18n, monitoring.level)} " " {level}</span> " "
                {kind.map(|k| labels::rule_kind(i18n, k)).unwrap_or_default()} " · " {warning.region_name.clone()}
                {warning.escalated.then(|| view! { " " <strong class="late">{t_string!(i18n, monitoring.escalated)}</strong> })}
            </h2>
            {(medical.as_ref().is_some_and(|m| m.labour_priority) || event.as_ref().is_some_and(|e| e.labour_priority))
                .then(|| view! { <p class="attention labour-priority">{t_string!(i18n, monitoring.labour_priority)}</p> })}
            <p>{warning.head.as_ref().map(|h| format!("{} {}", h.name, h.id_number_masked))} " · " <A href=format!("/staff/households/{}", warning.household_id)>{t_string!(i18n, casework.household_file)}</A></p>
            {medical.map(|m| view! {
                <p class="trigger">
                    {t_string!(i18n, monitoring.trigger_medical)} " " {m.from.to_string()} " – " {m.to.to_string()} ": "
                    {yuan(i18n, m.out_of_pocket_fen)} " (" {m.settlements} " " {t_string!(i18n, monitoring.settlements)} ") > "
                    {m.share.map(|(percent, _)| view! { {t_string!(i18n, monitoring.trigger_share)} " " {percent} "% = " })}
                    {yuan(i18n, m.threshold_fen)}
                </p>
            })}
            {missed.map(|m| view! {
                <p class="trigger">
                    {t_string!(i18n, monitoring.trigger_missed)} " "
                    {m.missed.into_iter().map(|(kind, via)| view! {
                        <span class="badge">{labels::aid_kind(i18n, kind)} " (" {labels::category(i18n, via)} ")"</span> " "
                    }).collect_view()}
                </p>
            })}
            {event.map(|e| view! {
                <p class="trigger">
                    {labels::department(i18n, e.source.department())} ": " <span class="mono">{e.person.clone()}</span> " " {e.date.to_string()} " "
                    <strong>{labels::event_kind(i18n, e.event)}</strong>
                    {e.grade.map(|g| view! { " " {t_string!(i18n, monitoring.grade)} " " {g} })}
                    {e.amount_fen.map(|a| view! { " " {yuan(i18n, a)} })}
                    {(!e.detail.is_empty()).then(|| view! { " · " {e.detail.clone()} })}
                </p>
            })}
            <p>
                <span class="badge">{status_label}</span> " · " {t_string!(i18n, monitoring.visit_due)} " " {warning.visit_due.clone()} " · "
                {move || if days < 0 { t_string!(i18n, household.overdue).to_string() } else { format!("{} {}", days, t_string!(i18n, casework.days)) }}
            </p>
            {warning.visited_on.clone().map(|v| view! { <p>{t_string!(i18n, monitoring.visited_on)} " " {v}</p> })}
            {(!warning.note.is_empty()).then(|| view! { <p class="muted">{warning.note.clone()}</p> })}
            {caseworker.then(|| view! {
                <form on:submit=move |ev| ev.prevent_default()>
                    <ErrorBanner error=general_error(error) />
                    {(status == Some(WarningStatus::New)).then(|| view! {
                        <button type="button" class="warning-assign" on:click=move |_| { send("assign"); }>{t_string!(i18n, monitoring.assign)}</button>
                    })}
                    {matches!(status, Some(WarningStatus::New | WarningStatus::Assigned)).then(|| view! {
                        <label for=format!("w{id}-date")>{t_string!(i18n, monitoring.visited_on)}</label>
                        <input id=format!("w{id}-date") type="date" prop:value=move || form.with(|f| f.visited_on.clone()) on:input=move |ev| form.update(|f| f.visited_on = event_target_value(&ev)) />
                        <FieldMessage error=fe("visited_on") id=format!("w{id}-date-error") />
                        <label for=format!("w{id}-finding")>{t_string!(i18n, monitoring.finding)}</label>
                        <select id=format!("w{id}-finding") on:change=move |ev| form.update(|f| f.finding = event_target_value(&ev))>
                            <option value="">{t_string!(i18n, common.please_choose)}</option>
                            {Finding::ALL.into_iter().map(|f| view! { <option value=f.code()>{move || match f {
                                Finding::Confirmed => t_string!(i18n, monitoring.finding_confirmed),
                                Finding::Refuted => t_string!(i18n, monitoring.finding_refuted),
                                Finding::Reclassified => t_string!(i18n, monitoring.finding_reclassified),
                            }}</option> }).collect_view()}
                        </select>
                        <FieldMessage error=fe("finding") id=format!("w{id}-finding-error") />
                    })}
                    {(status == Some(WarningStatus::Visited)).then(|| view! {
                        <label for=format!("w{id}-disposal")>{t_string!(i18n, monitoring.disposal)}</label>
                        <select id=format!("w{id}-disposal") on:change=move |ev| form.update(|f| f.disposal = event_target_value(&ev))>
                            <option value="">{t_string!(i18n, common.please_choose)}</option>
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
                        <label for=format!("w{id}-note")>{t_string!(i18n, household.note)}</label>
                        <textarea id=format!("w{id}-note") rows="2" maxlength="1000" prop:value=move || form.with(|f| f.note.clone()) on:input=move |ev| form.update(|f| f.note = event_target_value(&ev))></textarea>
                        <FieldMessage error=fe("note") id=format!("w{id}-note-error") />
                    })}
                    {matches!(status, Some(WarningStatus::New | WarningStatus::Assigned)).then(|| view! {
                        <button type="button" class="primary warning-visit" on:click=move |_| { send("visit"); }>{t_string!(i18n, monitoring.record_visit)}</button>
                    })}
                    {(status == Some(WarningStatus::Visited)).then(|| view! {
                        <button type="button" class="primary warning-dispose" on:click=move |_| { send("dispose"); }>{t_string!(i18n, monitoring.dispose)}</button>
                    })}
                    {(status == Some(WarningStatus::Disposed)).then(|| view! {
                        <button type="button" class="primary warning-close" on:click=move |_| { send("close"); }>{t_string!(i18n, monitoring.close)}</button>
                    })}
                </form>
            })}
        </article>
    }
    .into_any()
}

/// 预警规则: an administrator edits each rule's level, visit deadline, threshold and whether it
/// is on; shipped values are marked as examples until saved.
#[component]
pub fn RulesPage() -> impl IntoView {
    let i18n = use_i18n();
    let rules = Resource::new(|| (), |_| load_rules());
    view! {
        <h1>{t_string!(i18n, monitoring.rules_title)}</h1>
        <PageTitle text=t_string!(i18n, monitoring.rules_title).to_string() />
        <ForRoles roles=&[Role::Admin]>
            <p class="muted">{t_string!(i18n, monitoring.rules_intro)}</p>
            <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match rules.await {
                        Ok(list) => view! { <div class="rule-grid">
                            {list.into_iter().map(|r| view! { <RuleForm rule=r on_saved=Callback::new(move |_| rules.refetch()) /> }).collect_view()}
                        </div> }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </ForRoles>
    }
    .into_any()
}

#[component]
fn RuleForm(rule: WarningRule, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = rule.kind;
    let code = kind.code();
    let threshold_text = match kind.threshold() {
        Threshold::Fen { .. } => crate::domain::money::Money::from_fen(rule.threshold).to_string(),
        Threshold::None => String::new(),
        _ => rule.threshold.to_string(),
    };
    let form = RwSignal::new(RuleDraft {
        kind: code.into(),
        level: rule.level.code().into(),
        visit_days: rule.visit_days.to_string(),
        threshold: threshold_text,
        enabled: rule.enabled,
    });
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let save = Action::new(move |d: &RuleDraft| save_rule(d.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            error.set(None);
            saved.set(true);
            on_saved.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let fe = move |f| field_error_of(error, f);
    let id = move |f: &str| format!("rule-{code}-{f}");
    view! {
        <form class="card rule" data-rule=code on:submit=move |ev| { ev.prevent_default(); saved.set(false); save.dispatch(form.get_untracked()); }>
            <h2>{labels::rule_kind(i18n, kind)} {rule.example.then(|| view! { " " <span class="badge example">{t_string!(i18n, monitoring.example)}</span> })}</h2>
            <p class="muted rule-region">{t_string!(i18n, monitoring.rule_region)} ": "
                {match rule.region.clone() {
                    Some(r) => view! { <span class="mono">{r.as_str().to_string()}</span> }.into_any(),
                    None => view! { <span>{t_string!(i18n, monitoring.rule_default)}</span> }.into_any(),
                }}</p>
            <label class="check"><input type="checkbox" id=id("enabled") prop:checked=move || form.with(|f| f.enabled)
                on:change=move |ev| form.update(|f| f.enabled = event_target_checked(&ev)) /> {t_string!(i18n, monitoring.enabled)}</label>
            <label for=id("level")>{t_string!(i18n, monitoring.level)}</label>
            <select id=id("level") on:change=move |ev| form.update(|f| f.level = event_target_value(&ev))>
                {[WarningLevel::I, WarningLevel::II, WarningLevel::III].into_iter().map(|l| view! {
                    <option value=l.code() selected=move || form.with(|f| f.level == l.code())>{l.code()}</option>
                }).collect_view()}
            </select>
            <FieldMessage error=fe("level") id=id("level-error") />
            <label for=id("visit_days")>{t_string!(i18n, monitoring.visit_days)}</label>
            <input id=id("visit_days") inputmode="numeric" prop:value=move || form.with(|f| f.visit_days.clone()) on:input=move |ev| form.update(|f| f.visit_days = event_target_value(&ev)) />
            <FieldMessage error=fe("visit_days") id=id("visit_days-error") />
            {(kind.threshold() != Threshold::None).then(|| view! {
                <label for=id("threshold")>{move || match kind.threshold() {
                    Threshold::Fen { .. } => t_string!(i18n, monitoring.threshold_fen),
                    Threshold::Percent { .. } => t_string!(i18n, monitoring.threshold_percent),
                    _ => t_string!(i18n, monitoring.threshold_grade),
                }}</label>
                <input id=id("threshold") inputmode="decimal" prop:value=move || form.with(|f| f.threshold.clone()) on:input=move |ev| form.update(|f| f.threshold = event_target_value(&ev)) />
                <FieldMessage error=fe("threshold") id=id("threshold-error") />
            })}
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" disabled=move || save.pending().get()>{t_string!(i18n, monitoring.save_rule)}</button>
            {move || saved.get().then(|| view! { " " <span class="muted">{t_string!(i18n, monitoring.saved)}</span> })}
        </form>
    }
    .into_any()
}
