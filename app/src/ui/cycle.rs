//! The caseworker's cycle pages: tasks by due date, the low-income database search, and
//! emergency aid registration; plus the exit form and standing shown on the household file.

use crate::api::cycle::{
    complete_task, exit_household, my_tasks, register_emergency, search_households,
    unidentified_aid, EmergencyView, HouseholdSearch, TaskView,
};
use crate::domain::chain::{AidKind, Department};
use crate::domain::cycle::{EmergencyDraft, Standing, TaskKind};
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{
    china_time, device, field_error_of, general_error, labels, ErrorBanner, FieldMessage, ForRoles,
};
use crate::ui::{OnDemand, PageTitle};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;

fn task_kind(i18n: I18nContext<Locale>, k: Option<TaskKind>) -> String {
    match k {
        Some(TaskKind::AnnualReview) => t_string!(i18n, cycle.task.annual_review),
        Some(TaskKind::TaperEnd) => t_string!(i18n, cycle.task.taper_end),
        Some(TaskKind::ReferralOverdue) => t_string!(i18n, cycle.task.referral_overdue),
        Some(TaskKind::DocumentsDue) => t_string!(i18n, cycle.task.documents_due),
        Some(TaskKind::RandomSurvey) => t_string!(i18n, cycle.task.random_survey),
        None => "",
    }
    .to_string()
}

pub fn standing(i18n: I18nContext<Locale>, s: Option<Standing>) -> String {
    match s {
        Some(Standing::Applicant) => t_string!(i18n, cycle.standing.applicant),
        Some(Standing::InAssistance) => t_string!(i18n, cycle.standing.in_assistance),
        Some(Standing::Rejected) => t_string!(i18n, cycle.standing.rejected),
        Some(Standing::Exited) => t_string!(i18n, cycle.standing.exited),
        Some(Standing::Listed) => t_string!(i18n, cycle.standing.listed),
        None => "",
    }
    .to_string()
}

/// What a task is about, in words: an overdue referral names the need and the department.
fn task_note(i18n: I18nContext<Locale>, t: &TaskView) -> String {
    match (t.kind, t.note.split_once(" → ")) {
        (Some(TaskKind::ReferralOverdue), Some((need, dept))) => format!(
            "{} → {}",
            AidKind::from_code(need)
                .map(|k| labels::aid_kind(i18n, k))
                .unwrap_or_default(),
            Department::from_code(dept)
                .map(|d| labels::department(i18n, d))
                .unwrap_or_default()
        ),
        _ => t.note.clone(),
    }
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| my_tasks(false));
    view! {
        <h1>{t_string!(i18n, cycle.tasks_title)}</h1>
        <PageTitle text=t_string!(i18n, cycle.tasks_title).to_string() />
        <ForRoles roles=&[Role::Caseworker, Role::Admin]>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted" id="tasks-none">{t_string!(i18n, cycle.no_tasks)}</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul class="tasks" id="tasks">
                                {rows.into_iter().map(|t| view! { <TaskItem task=t on_done=Callback::new(move |_| list.refetch()) /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <SurveyCard on_drawn=Callback::new(move |_| list.refetch()) />
        </ForRoles>
    }
    .into_any()
}

#[component]
fn TaskItem(task: TaskView, on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = task.id;
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let close = Action::new(move |n: &String| complete_task(id, n.clone()));
    Effect::new(move |_| match close.value().get() {
        Some(Ok(())) => on_done.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let kind = task.kind;
    let late = task.days_left < 0;
    let days = task.days_left;
    let what = task_note(i18n, &task);
    view! {
        <li class=if late { "card task overdue" } else { "card task" } data-kind=kind.map(|k| k.code()).unwrap_or_default()>
            <h2>{task_kind(i18n, kind)} " · " {task.region_name.clone()}</h2>
            <p>
                {t_string!(i18n, household.due)} " " {task.due_on.clone()} " · "
                {move || if days < 0 { t_string!(i18n, household.overdue).to_string() } else { format!("{} {}", days, t_string!(i18n, casework.days)) }}
            </p>
            {(!what.is_empty()).then(|| view! { <p>{what}</p> })}
            <p><A href=format!("/staff/households/{}", task.household_id)>{t_string!(i18n, casework.household_file)}</A></p>
            <form on:submit=move |ev| { ev.prevent_default(); close.dispatch(note.get_untracked()); }>
                <label for=format!("task-note-{id}")>{t_string!(i18n, cycle.task_result)}</label>
                <textarea id=format!("task-note-{id}") rows="2" maxlength="1000" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                <FieldMessage error=field_error_of(error, "note") id=format!("task-note-{id}-error") />
                <ErrorBanner error=general_error(error) />
                <button type="submit" class="primary task-done" disabled=move || close.pending().get()>{t_string!(i18n, cycle.task_done)}</button>
            </form>
        </li>
    }
    .into_any()
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(HouseholdSearch::default());
    let error = RwSignal::new(None::<AppError>);
    let search = Action::new(move |q: &HouseholdSearch| search_households(q.clone()));
    Effect::new(move |_| match search.value().get() {
        Some(Err(e)) => error.set(Some(e)),
        Some(Ok(_)) => error.set(None),
        None => {}
    });
    view! {
        <h1>{t_string!(i18n, cycle.search_title)}</h1>
        <PageTitle text=t_string!(i18n, cycle.search_title).to_string() />
        <ForRoles roles=&[Role::Caseworker, Role::Admin]>
            <p class="muted">{t_string!(i18n, cycle.search_intro)}</p>
            <form class="card filters" on:submit=move |ev| { ev.prevent_default(); search.dispatch(query.get_untracked()); }>
                <div class="filter-grid">
                    <div>
                        <label for="s-id">{t_string!(i18n, cycle.id_number)}</label>
                        <input id="s-id" maxlength="18" prop:value=move || query.with(|q| q.id_number.clone()) on:input=move |ev| query.update(|q| q.id_number = event_target_value(&ev)) />
                        <FieldMessage error=field_error_of(error, "id_number") id="s-id-error" />
                    </div>
                    <div>
                        <label for="s-name">{t_string!(i18n, cycle.name)}</label>
                        <input id="s-name" maxlength="30" prop:value=move || query.with(|q| q.name.clone()) on:input=move |ev| query.update(|q| q.name = event_target_value(&ev)) />
                        <FieldMessage error=field_error_of(error, "name") id="s-name-error" />
                    </div>
                    <div>
                        <label for="s-standing">{t_string!(i18n, cycle.standing_label)}</label>
                        <select id="s-standing" on:change=move |ev| query.update(|q| q.standing = event_target_value(&ev))>
                            <option value="">{t_string!(i18n, casework.all)}</option>
                            {Standing::ALL.into_iter().map(|s| view! { <option value=s.code()>{standing(i18n, Some(s))}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <ErrorBanner error=general_error(error) />
                <button type="submit" class="primary" id="s-search">{t_string!(i18n, casework.search)}</button>
            </form>
            {move || search.value().get().and_then(Result::ok).map(|rows| view! {
                {rows.is_empty().then(|| view! { <p class="muted" id="search-none">{t_string!(i18n, cycle.search_none)}</p> })}
                <div class="table-scroll" tabindex="0">
                    <table id="search-results">
                        <thead><tr><th>{t_string!(i18n, casework.head)}</th><th>{t_string!(i18n, casework.village)}</th><th>{t_string!(i18n, cycle.standing_label)}</th><th>{t_string!(i18n, cycle.monitored_until)}</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|h| {
                                let st = h.standing;
                                view! {
                                    <tr>
                                        <td><A href=format!("/staff/households/{}", h.id)>{h.head_name.clone()}</A><br /><small class="mono">{h.head_id_masked.clone()}</small></td>
                                        <td>{h.region_name.clone()}</td>
                                        <td>{standing(i18n, st)} {h.standing_at.map(|t| view! { <br /><small>{china_time(t)}</small> })} {(!h.exit_reason.is_empty()).then(|| view! { <br /><small>{h.exit_reason.clone()}</small> })}</td>
                                        <td>{h.monitored_until.clone().unwrap_or_default()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </ForRoles>
    }
    .into_any()
}

#[component]
pub fn EmergencyPage() -> impl IntoView {
    let i18n = use_i18n();
    let form = RwSignal::new(EmergencyDraft::default());
    let error = RwSignal::new(None::<AppError>);
    let done = RwSignal::new(None::<EmergencyView>);
    // The id is made once per form in the browser, so a double tap registers once.
    Effect::new(move |_| {
        if form.with_untracked(|f| f.id.is_empty()) {
            form.update(|f| f.id = device::new_device_id("emergency"));
        }
    });
    let save = Action::new(move |d: &EmergencyDraft| register_emergency(d.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(v)) => {
            error.set(None);
            done.set(Some(v));
            form.set(EmergencyDraft {
                id: device::new_device_id("emergency"),
                ..Default::default()
            });
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let fe = move |f| field_error_of(error, f);
    let text = move |id: &'static str,
                     get: fn(&EmergencyDraft) -> String,
                     set: fn(&mut EmergencyDraft, String)| {
        view! { <input id=id maxlength="30" prop:value=move || form.with(get) on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) /> }
    };
    view! {
        <h1>{t_string!(i18n, cycle.emergency_title)}</h1>
        <PageTitle text=t_string!(i18n, cycle.emergency_title).to_string() />
        <ForRoles roles=&[Role::Caseworker]>
            <p class="muted">{t_string!(i18n, cycle.emergency_intro)}</p>
            {move || done.get().map(|v| view! {
                <p class="banner ok" id="emergency-done">
                    {t_string!(i18n, cycle.emergency_done)} " "
                    {(!v.household_id.is_empty()).then(|| view! { <A href=format!("/staff/households/{}", v.household_id)>{t_string!(i18n, casework.household_file)}</A> })}
                    {v.documents_due.clone().map(|d| view! { " · " {t_string!(i18n, cycle.documents_due)} " " {d} })}
                </p>
            })}
            <form class="card" id="emergency-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(form.get_untracked()); }>
                <label class="check"><input type="checkbox" id="em-unidentified" prop:checked=move || form.with(|f| f.unidentified)
                    on:change=move |ev| form.update(|f| { f.unidentified = event_target_checked(&ev); if f.unidentified { f.id_number.clear(); } }) /> {t_string!(i18n, cycle.unidentified)}</label>
                <label for="em-name">{move || if form.with(|f| f.unidentified) { t_string!(i18n, cycle.person_name_optional) } else { t_string!(i18n, cycle.person_name) }}</label>
                {text("em-name", |f| f.person_name.clone(), |f, v| f.person_name = v)}
                <FieldMessage error=fe("person_name") id="em-name-error" />
                <Show when=move || !form.with(|f| f.unidentified)>
                    <label for="em-id">{t_string!(i18n, cycle.id_number)}</label>
                    {text("em-id", |f| f.id_number.clone(), |f, v| f.id_number = v)}
                </Show>
                <FieldMessage error=fe("id_number") id="em-id-error" />
                <Show when=move || form.with(|f| f.unidentified)>
                    <label for="em-description">{t_string!(i18n, cycle.description)}</label>
                    <textarea id="em-description" rows="2" maxlength="500" prop:value=move || form.with(|f| f.description.clone()) on:input=move |ev| form.update(|f| f.description = event_target_value(&ev))></textarea>
                </Show>
                <FieldMessage error=fe("description") id="em-description-error" />
                <label for="em-region">{t_string!(i18n, cycle.place)}</label>
                <input id="em-region" inputmode="numeric" maxlength="12" prop:value=move || form.with(|f| f.region.clone()) on:input=move |ev| form.update(|f| f.region = event_target_value(&ev)) />
                <FieldMessage error=fe("region") id="em-region-error" />
                <label for="em-situation">{t_string!(i18n, cycle.situation)}</label>
                <textarea id="em-situation" rows="3" maxlength="1000" prop:value=move || form.with(|f| f.situation.clone()) on:input=move |ev| form.update(|f| f.situation = event_target_value(&ev))></textarea>
                <FieldMessage error=fe("situation") id="em-situation-error" />
                <label for="em-amount">{t_string!(i18n, household.amount_yuan)}</label>
                <input id="em-amount" inputmode="decimal" maxlength="12" prop:value=move || form.with(|f| f.amount.clone()) on:input=move |ev| form.update(|f| f.amount = event_target_value(&ev)) />
                <FieldMessage error=fe("amount") id="em-amount-error" />
                <label class="check"><input type="checkbox" id="em-advance" prop:checked=move || form.with(|f| f.advance) on:change=move |ev| form.update(|f| f.advance = event_target_checked(&ev)) /> {t_string!(i18n, cycle.advance)}</label>
                <label for="em-conference">{t_string!(i18n, cycle.conference)}</label>
                <textarea id="em-conference" rows="3" maxlength="1000" prop:value=move || form.with(|f| f.conference.clone()) on:input=move |ev| form.update(|f| f.conference = event_target_value(&ev))></textarea>
                <FieldMessage error=fe("conference") id="em-conference-error" />
                <ErrorBanner error=general_error(error) />
                <button type="submit" class="primary" id="em-save" disabled=move || save.pending().get()>{t_string!(i18n, cycle.register)}</button>
            </form>
            <UnidentifiedList refresh=save.version() />
        </ForRoles>
    }
    .into_any()
}

/// Aid to unidentified persons in the caseworker's region (reloaded after each registration).
#[component]
fn UnidentifiedList(#[prop(into)] refresh: Signal<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let items = Resource::new(move || refresh.get(), |_| unidentified_aid());
    view! {
        <section class="card" id="unidentified">
            <h2>{t_string!(i18n, cycle.unidentified_title)}</h2>
            <p class="muted">{t_string!(i18n, cycle.unidentified_note)}</p>
            <Transition fallback=|| ()>
                {move || items.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted" id="unidentified-none">{t_string!(i18n, cycle.unidentified_none)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul>
                            {list.into_iter().map(|a| view! {
                                <li data-unidentified=a.id.clone()>
                                    {china_time(a.recorded_at)} " · " {crate::ui::as_written(a.region_name.clone())} " · "
                                    {crate::ui::policy::yuan(i18n, a.amount.fen())}
                                    {a.advance.then(|| view! { " · " {t_string!(i18n, cycle.advance_short)} })}
                                    {a.documents_due.clone().map(|d| view! { " · " {t_string!(i18n, cycle.documents_due)} " " {d} })}
                                    <br />{crate::ui::as_written(a.description.clone())}
                                    {(!a.name.is_empty()).then(|| view! { " · " {crate::ui::as_written(a.name.clone())} })}
                                    <br /><small>{crate::ui::as_written(a.situation.clone())}</small>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The household's standing, the 渐退期 countdown, and (for caseworkers) the exit form.
#[component]
pub fn StandingCard(
    household: String,
    standing_now: Option<Standing>,
    standing_at: Option<i64>,
    exit_reason: String,
    assistance_until: Option<String>,
    days_left: Option<i64>,
    /// The last day of aid with the 渐退期 the latest assessment found; without one an exit
    /// ends aid on its day.
    taper_until: Option<String>,
    caseworker: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" id="standing">
            <p>
                {t_string!(i18n, cycle.standing_label)} ": " <strong id="standing-value">{standing(i18n, standing_now)}</strong>
                {standing_at.map(|t| view! { " · " {china_time(t)} })}
            </p>
            {(!exit_reason.is_empty()).then(|| view! { <p>{t_string!(i18n, cycle.exit_reason)} ": " {exit_reason.clone()}</p> })}
            {assistance_until.map(|u| view! {
                <p id="taper-countdown" class="attention">
                    {t_string!(i18n, cycle.aid_until)} " " {u} " · "
                    {days_left.map(|d| if d >= 0 { view! { <span>{t!(i18n, cycle.days_left, days = d)}</span> }.into_any() } else { view! { <span>{t_string!(i18n, cycle.aid_ended)}</span> }.into_any() })}
                </p>
            })}
            // Folded, and its code loaded when opened: the file is read far more often than a
            // household leaves assistance.
            {(caseworker && standing_now == Some(Standing::InAssistance)).then(|| view! {
                <OnDemand id="exit-details" summary=t_string!(i18n, cycle.exit_title)
                    args=(household, taper_until, on_change)
                    load=|(household, taper_until, on_change)| Box::pin(exit_form_part(household, taper_until, on_change)) />
            })}
        </section>
    }
    .into_any()
}

/// The exit form, its code loaded when first opened.
#[cfg_attr(not(feature = "portal"), lazy)] // not exported from the portal's WASM (its islands only)
async fn exit_form_part(
    household: String,
    taper_until: Option<String>,
    on_change: Callback<()>,
) -> AnyView {
    view! { <ExitForm household taper_until on_change /> }.into_any()
}

/// Ending a household's assistance, with or without the 渐退期 its assessment found.
#[component]
fn ExitForm(
    household: String,
    taper_until: Option<String>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let household = StoredValue::new(household);
    let reason = RwSignal::new(String::new());
    // Offered, and ticked, only where the assessment found it: a household that earned it keeps
    // its aid unless the caseworker decides otherwise.
    let taper = RwSignal::new(taper_until.is_some());
    let error = RwSignal::new(None::<AppError>);
    let exit = Action::new(move |(r, t): &(String, bool)| {
        exit_household(household.get_value(), r.clone(), *t)
    });
    Effect::new(move |_| match exit.value().get() {
        Some(Ok(_)) => on_change.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <form id="exit-form" on:submit=move |ev| { ev.prevent_default(); exit.dispatch((reason.get_untracked(), taper.get_untracked())); }>
            <label for="exit-reason">{t_string!(i18n, cycle.exit_reason)}</label>
            <textarea id="exit-reason" rows="2" maxlength="1000" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            <FieldMessage error=field_error_of(error, "reason") id="exit-reason-error" />
            {match taper_until {
                Some(until) => view! {
                    <label class="check"><input type="checkbox" id="exit-taper" prop:checked=taper on:change=move |ev| taper.set(event_target_checked(&ev)) /> {t!(i18n, cycle.with_taper, until = until.clone())}</label>
                }.into_any(),
                None => view! { <p class="muted" id="exit-no-taper">{t_string!(i18n, cycle.no_taper)}</p> }.into_any(),
            }}
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="danger" id="exit-save" disabled=move || exit.pending().get()>{t_string!(i18n, cycle.exit)}</button>
        </form>
    }
}

#[component]
pub fn EmergencyList(items: Vec<EmergencyView>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {(!items.is_empty()).then(|| view! {
            <section class="card" id="emergencies">
                <h2>{t_string!(i18n, cycle.emergency_title)}</h2>
                <ul>
                    {items.into_iter().map(|e| view! {
                        <li>
                            {china_time(e.recorded_at)} " · " {e.person_name.clone()} " · " {e.situation.clone()}
                            {e.advance.then(|| view! { " · " {t_string!(i18n, cycle.advance_short)} })}
                            {e.documents_due.clone().map(|d| view! { " · " {t_string!(i18n, cycle.documents_due)} " " {d} {if e.documents_received { " ✓" } else { "" }} })}
                            {(!e.conference.is_empty()).then(|| view! { <br /><small>{t_string!(i18n, cycle.conference_short)} ": " {e.conference.clone()}</small> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
    .into_any()
}

/// 随机调查: draw a sample of the region's households in assistance (each a visit task), and the
/// surveys drawn with their seeds and visits done.
#[component]
fn SurveyCard(on_drawn: Callback<()>) -> impl IntoView {
    use crate::api::surveys::{surveys, DrawSurvey};
    let i18n = use_i18n();
    let me = expect_context::<crate::ui::MeResource>();
    let draw = ServerAction::<DrawSurvey>::new();
    let list = Resource::new(move || draw.version().get(), |_| surveys());
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match draw.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            on_drawn.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let fe = move |f| field_error_of(error, f);
    let due = (device::today_china() + chrono::Days::new(15)).to_string();
    view! {
        <section class="card" id="surveys">
            <h2>{t_string!(i18n, cycle.survey_title)}</h2>
            <p class="muted">{t_string!(i18n, cycle.survey_intro)}</p>
            <Suspense fallback=|| ()>
                {move || { let due = due.clone(); Suspend::new(async move {
                    let region = me.await.ok().flatten().and_then(|u| u.region_code).unwrap_or_default();
                    view! {
                        <ActionForm action=draw attr:id="survey-form">
                            <label for="survey-region">{t_string!(i18n, cycle.survey_region)}</label>
                            <input id="survey-region" name="region" type="text" maxlength="12" value=region />
                            <FieldMessage error=fe("region") id="survey-region-error" />
                            <label for="survey-size">{t_string!(i18n, cycle.survey_size)}</label>
                            <input id="survey-size" name="size" type="number" min="1" max="500" value="10" />
                            <FieldMessage error=fe("size") id="survey-size-error" />
                            <label for="survey-due">{t_string!(i18n, cycle.survey_due)}</label>
                            <input id="survey-due" name="due_on" type="date" value=due />
                            <FieldMessage error=fe("due_on") id="survey-due-error" />
                            <label for="survey-seed">{t_string!(i18n, cycle.survey_seed)}</label>
                            <input id="survey-seed" name="seed" type="text" inputmode="numeric" maxlength="20" />
                            <p class="hint">{t_string!(i18n, cycle.survey_seed_hint)}</p>
                            <FieldMessage error=fe("seed") id="survey-seed-error" />
                            <ErrorBanner error=general_error(error) />
                            <button type="submit" class="primary" id="survey-draw" disabled=move || draw.pending().get()>{t_string!(i18n, cycle.survey_draw)}</button>
                        </ActionForm>
                    }
                })}}
            </Suspense>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">{t_string!(i18n, cycle.survey_none)}</p> }.into_any(),
                        Ok(rows) => view! {
                            <div class="table-scroll" tabindex="0">
                                <table id="survey-table">
                                    <thead><tr>
                                        <th>{t_string!(i18n, cycle.survey_drawn_at)}</th><th>{t_string!(i18n, cycle.survey_region)}</th>
                                        <th>{t_string!(i18n, cycle.survey_seed)}</th><th>{t_string!(i18n, cycle.survey_population)}</th>
                                        <th>{t_string!(i18n, cycle.survey_done)}</th><th>{t_string!(i18n, cycle.survey_due)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| view! {
                                            <tr data-survey=r.id.clone()>
                                                <td>{china_time(r.drawn_at)}</td>
                                                <td class="mono">{r.region.clone()}</td>
                                                <td class="mono" title=r.population_digest.clone()>{r.seed.clone()}</td>
                                                <td class="num">{r.population}</td>
                                                <td class="num">{format!("{} / {}", r.done, r.households.len())}</td>
                                                <td>{r.due_on.clone()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
