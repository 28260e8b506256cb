//! The caseworker's pages: the review queue (filters, oldest first, more on demand), the
//! actions on an application (受理 → 入户调查 → 审核 → decision → 公示 → result), and the
//! public notice page anyone may read.

use crate::api::applications::request_info;
use crate::api::casework::{
    advance, case_view, decide, finalize, record_objection, reject, review_queue, QueueFilter,
    QueueRow,
};
use crate::domain::casework::DecisionDraft;
use crate::domain::declaration::HelpKind;
use crate::domain::policy::Category;
use crate::domain::status::{ApplicationStatus, Role};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::policy::yuan;
use crate::ui::PageTitle;
use crate::ui::{
    china_time, device, field_error_of, general_error, labels, ErrorBanner, FieldMessage,
    MeResource,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    // The first page is rendered on the server (a tablet shows the queue before any script
    // runs); the resource lives outside the suspended part so hydration finds its data.
    let applied = RwSignal::new(QueueFilter {
        status: "open".into(),
        ..Default::default()
    });
    let first = Resource::new(move || applied.get(), review_queue);
    view! {
        <h1>{t_string!(i18n, casework.queue_title)}</h1>
        <PageTitle text=t_string!(i18n, casework.queue_title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(u)) if u.acts_as(&[Role::Caseworker, Role::Admin]) => {
                        let root = u.region_code.clone().unwrap_or_default();
                        view! { <Queue applied first root /> }.into_any()
                    }
                    _ => view! { <p class="notice">{t_string!(i18n, error.forbidden)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Queue(
    applied: RwSignal<QueueFilter>,
    first: Resource<Result<crate::api::casework::QueuePage, AppError>>,
    /// The caseworker's own region: areas are picked below it.
    root: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(applied.get_untracked());
    // Pages after the first, loaded on demand and appended.
    let more_rows = RwSignal::new(Vec::<QueueRow>::new());
    let more_next = RwSignal::new(None::<Option<(i64, String)>>);
    let error = RwSignal::new(None::<AppError>);
    let load = Action::new(move |f: &QueueFilter| review_queue(f.clone()));
    Effect::new(move |_| match load.value().get() {
        Some(Ok(page)) => {
            error.set(None);
            more_rows.update(|r| r.extend(page.rows));
            more_next.set(Some(page.next));
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let first_page = move || first.get().and_then(Result::ok);
    Effect::new(move |_| {
        if let Some(Err(e)) = first.get() {
            error.set(Some(e));
        }
    });
    let rows = move || {
        let mut r = first_page().map(|p| p.rows).unwrap_or_default();
        r.extend(more_rows.get());
        r
    };
    let next = move || match more_next.get() {
        Some(n) => n,
        None => first_page().and_then(|p| p.next),
    };
    let search = move || {
        error.set(None);
        more_rows.set(Vec::new());
        more_next.set(None);
        applied.set(QueueFilter {
            after_submitted_at: None,
            after_number: String::new(),
            ..filter.get_untracked()
        });
    };
    let more = move |_| {
        if let Some((at, number)) = next() {
            load.dispatch(QueueFilter {
                after_submitted_at: Some(at),
                after_number: number,
                ..applied.get_untracked()
            });
        }
    };
    let field_error = move |field| field_error_of(error, field);
    view! {
        <form class="card filters" on:submit=move |ev| { ev.prevent_default(); search(); }>
            <div class="filter-grid">
                <div>
                    <label for="q-status">{t_string!(i18n, casework.status)}</label>
                    <select id="q-status" on:change=move |ev| filter.update(|f| f.status = event_target_value(&ev))>
                        <option value="open" selected>{t_string!(i18n, casework.open)}</option>
                        <option value="">{t_string!(i18n, casework.all)}</option>
                        {ApplicationStatus::ALL.into_iter().map(|s| view! { <option value=s.code()>{labels::status(i18n, s)}</option> }).collect_view()}
                    </select>
                </div>
                <AreaPicker root area=Signal::derive(move || filter.with(|f| f.area.clone()))
                    on_change=Callback::new(move |a: String| filter.update(|f| f.area = a)) />
                <FieldMessage error=field_error("area") id="q-area-error" />
                <div>
                    <label for="q-help">{t_string!(i18n, casework.help)}</label>
                    <select id="q-help" on:change=move |ev| filter.update(|f| f.help = event_target_value(&ev))>
                        <option value="">{t_string!(i18n, casework.all)}</option>
                        {HelpKind::ALL.iter().map(|h| { let h = *h; view! { <option value=h.code()>{labels::help(i18n, h)}</option> } }).collect_view()}
                    </select>
                </div>
                <div>
                    <label class="check" for="q-warnings">
                        <input type="checkbox" id="q-warnings" prop:checked=move || filter.with(|f| f.warnings) on:change=move |ev| filter.update(|f| f.warnings = event_target_checked(&ev)) />
                        {t_string!(i18n, casework.with_warnings)}
                    </label>
                </div>
                <div>
                    <label for="q-days">{t_string!(i18n, casework.min_days)}</label>
                    <input id="q-days" inputmode="numeric" maxlength="4" prop:value=move || filter.with(|f| f.min_days.clone())
                        on:input=move |ev| filter.update(|f| f.min_days = event_target_value(&ev)) />
                    <FieldMessage error=field_error("min_days") id="q-days-error" />
                </div>
            </div>
            <button type="submit" class="primary" id="q-search">{t_string!(i18n, casework.search)}</button>
        </form>
        <ErrorBanner error=general_error(error) />
        <div class="table-scroll" tabindex="0">
            <table class="queue" id="queue">
                <thead><tr>
                    <th>{t_string!(i18n, casework.number)}</th><th>{t_string!(i18n, casework.status)}</th><th>{t_string!(i18n, casework.village)}</th>
                    <th>{t_string!(i18n, casework.waiting)}</th><th>{t_string!(i18n, casework.help)}</th><th>{t_string!(i18n, casework.assessed)}</th><th>{t_string!(i18n, casework.warnings)}</th>
                </tr></thead>
                <Transition fallback=|| ()>
                    <tbody>
                        {move || Suspend::new(async move {
                            let _ = first.await;
                            view! {
                                <For each=rows key=|r| r.number.clone() let:r>
                                    <QueueLine row=r />
                                </For>
                            }
                        })}
                    </tbody>
                </Transition>
            </table>
        </div>
        {move || (first_page().is_some_and(|p| p.rows.is_empty()) && more_rows.with(Vec::is_empty)).then(|| view! { <p class="muted" id="queue-empty">{t_string!(i18n, casework.empty)}</p> })}
        {move || next().is_some().then(|| view! {
            <button type="button" id="q-more" on:click=more disabled=move || load.pending().get()>{t_string!(i18n, casework.more)}</button>
        })}
    }
    .into_any()
}

/// Picks an area inside `root` by name, level by level below it (in a county: the township, then
/// the village); 全部 at a level means the whole area above it. Gives the chosen code ("" for the
/// whole of `root`).
#[component]
pub(crate) fn AreaPicker(
    root: String,
    #[prop(into)] area: Signal<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    use crate::api::regions::region_children;
    use crate::ui::chosen_at_level;
    let i18n = use_i18n();
    let Ok(root_code) = crate::domain::region::RegionCode::parse(&root) else {
        return ().into_any();
    };
    let top = root_code.level() as usize;
    let root = root_code.as_str().to_string();
    let chosen = move |level: usize| area.with(|a| chosen_at_level(a, level));
    (top + 1..5)
        .map(|level| {
            let root = root.clone();
            let parent = Memo::new(move |_| {
                if level == top + 1 {
                    Some(root.clone())
                } else {
                    Some(chosen(level - 1)).filter(|c| !c.is_empty())
                }
            });
            let children = Resource::new(move || parent.get(), |p| async move {
                match p {
                    Some(p) => region_children(p).await,
                    None => Ok(Vec::new()),
                }
            });
            let id = format!("q-area-{level}");
            let above = move || {
                if level == top + 1 {
                    String::new()
                } else {
                    chosen(level - 1)
                }
            };
            view! {
                <div>
                    <label for=id.clone()>{crate::ui::region_level_label(i18n, level)}</label>
                    <select id=id.clone() disabled=move || parent.get().is_none()
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            on_change.run(if v.is_empty() { above() } else { v });
                        }>
                        <option value="">{t_string!(i18n, casework.all)}</option>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                children.await.unwrap_or_default().into_iter().map(|r| {
                                    let code = r.code.clone();
                                    let selected = move || chosen(level) == code;
                                    view! { <option value=r.code.clone() selected=selected lang="zh-CN">{r.name_zh}</option> }
                                }).collect_view()
                            })}
                        </Transition>
                    </select>
                </div>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
fn QueueLine(row: QueueRow) -> impl IntoView {
    let i18n = use_i18n();
    let status = row.status;
    // Long waits stand out: a week, and a month.
    let wait_class = match row.days_waiting {
        d if d >= 30 => "wait late",
        d if d >= 7 => "wait due",
        _ => "wait",
    };
    let help = row.help.clone();
    let cats = row.categories.clone();
    let href = format!("/applications/{}", row.number);
    let number = row.number.clone();
    let submitted = china_time(row.submitted_at);
    view! {
        <tr data-number=row.number>
            <td><A href=href>{number}</A><br /><small class="muted">{submitted}</small></td>
            <td><span class=format!("badge {}", status.code())>{labels::status(i18n, status)}</span></td>
            <td>{crate::ui::as_written(row.region_name.clone())} <br /><small class="mono muted">{row.region_code.clone()}</small></td>
            <td><span class=wait_class>{row.days_waiting} " " {t_string!(i18n, casework.days)}</span></td>
            <td>{help.iter().filter_map(|h| HelpKind::from_code(h)).map(|h| labels::help(i18n, h)).collect::<Vec<_>>().join(labels::list_sep(i18n))}</td>
            <td>{cats.iter().map(|c| labels::category(i18n, *c)).collect::<Vec<_>>().join(labels::list_sep(i18n))}</td>
            <td>{(row.warnings > 0).then(|| view! { <span class="badge late">{row.warnings}</span> })}</td>
        </tr>
    }
}

/// A case's data for its actions ([`case_view`]).
pub type CaseResource = Resource<Result<crate::api::casework::CaseState, AppError>>;

/// [`CaseResource`] of the application `number` names, fetched for a caseworker only (anyone else
/// gets `Forbidden` without asking the server). Created by the page, outside its suspended part: a
/// resource created inside it is created (and fetched, and its read recorded) again when the
/// server walks the suspended part a second time.
pub fn case_resource(number: impl Fn() -> String + Send + Sync + 'static) -> CaseResource {
    let me = expect_context::<MeResource>();
    Resource::new(number, move |n| async move {
        match me.await {
            Ok(Some(u)) if u.role == Role::Caseworker => case_view(n).await,
            _ => Err(AppError::Forbidden),
        }
    })
}

/// The caseworker's actions on an application, by its state, from `case` (the page's, see
/// [`case_resource`]; made here when the page has none). For caseworkers only (the caller
/// decides; every action checks again on the server). The card waits for the case once, as a
/// whole: each part waiting on its own made each its own suspended view (five, in code the
/// tablet downloads) for a wait of a few milliseconds on the same data.
#[component]
pub fn CaseActions(
    number: String,
    status: ApplicationStatus,
    on_done: Callback<()>,
    #[prop(optional_no_strip)] case: Option<CaseResource>,
) -> impl IntoView {
    let number = StoredValue::new(number);
    let case = case.unwrap_or_else(|| Resource::new(move || number.get_value(), case_view));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let case = case.await.ok();
                view! { <CaseActionsCard number=number.get_value() status case on_done /> }
            })}
        </Transition>
    }
    .into_any()
}

/// What the caseworker asks of an application (one action for them all).
#[derive(Clone)]
enum CaseCommand {
    Step(ApplicationStatus),
    Ask(String),
    Reject(String),
    Decide(DecisionDraft),
    Object(String),
    Finalize,
}

#[component]
fn CaseActionsCard(
    number: String,
    status: ApplicationStatus,
    /// `None` when it could not be read: the actions that need none are still offered.
    case: Option<crate::api::casework::CaseState>,
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let number = StoredValue::new(number);
    let error = RwSignal::new(None::<AppError>);
    let confirm_head = RwSignal::new(false);
    let act = Action::new(move |c: &CaseCommand| {
        let (n, c, head) = (number.get_value(), c.clone(), confirm_head.get_untracked());
        async move {
            match c {
                CaseCommand::Step(to) => advance(n, to, head).await,
                CaseCommand::Ask(q) => request_info(n, q).await,
                CaseCommand::Reject(r) => reject(n, r).await,
                CaseCommand::Decide(d) => decide(n, d).await,
                CaseCommand::Object(t) => record_objection(n, t).await,
                CaseCommand::Finalize => finalize(n, String::new()).await,
            }
        }
    });
    Effect::new(move |_| match act.value().get() {
        Some(Ok(())) => {
            error.set(None);
            on_done.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let question = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let objection = RwSignal::new(String::new());
    let field_error = move |field| field_error_of(error, field);
    let open = !matches!(
        status,
        ApplicationStatus::Approved | ApplicationStatus::Rejected | ApplicationStatus::Withdrawn
    );
    let next_step = match status {
        ApplicationStatus::Submitted => Some((
            ApplicationStatus::Accepted,
            "case-accept",
            t_string!(i18n, casework.accept),
        )),
        ApplicationStatus::Accepted => Some((
            ApplicationStatus::Visiting,
            "case-visit",
            t_string!(i18n, casework.start_visit),
        )),
        ApplicationStatus::Visiting => Some((
            ApplicationStatus::Reviewing,
            "case-review",
            t_string!(i18n, casework.to_review),
        )),
        _ => None,
    };
    let household = case.as_ref().and_then(|c| c.household_id.clone());
    let submitted = (status == ApplicationStatus::Submitted)
        .then(|| case.clone())
        .flatten();
    let deciding = matches!(
        status,
        ApplicationStatus::Visiting | ApplicationStatus::Reviewing
    )
    .then(|| case.clone())
    .flatten();
    let publicising = status == ApplicationStatus::Publicising;
    let made_for = case.as_ref().and_then(|c| c.made_for.clone());
    let (decision, objections, public_objections) = case
        .filter(|_| publicising)
        .map(|c| (c.decision, c.objections, c.public_objections))
        .unwrap_or_default();
    view! {
        <section class="card attention" id="case-actions">
            <h2>{t_string!(i18n, casework.actions)}</h2>
            <ErrorBanner error=general_error(error) />
            {made_for.map(|p| view! {
                <p id="case-made-for" class="banner">
                    {t_string!(i18n, leads.made_for)} " " {crate::ui::as_written(p.reporter)} " · "
                    {t_string!(i18n, leads.consent_title)} ": " {crate::ui::as_written(p.consent_by)}
                    {p.consent_form.map(|f| view! { " · " {labels::consent_form(i18n, f)} })}
                    " " {p.consent_on.unwrap_or_default()}
                </p>
            })}
            {household.map(|h| view! {
                // Full page loads: this card also shows inside the portal's WASM, which has no staff pages.
                <p><a href=format!("/staff/households/{h}") id="case-household" rel="external">{t_string!(i18n, casework.household_file)}</a></p>
            })}
            {matches!(status, ApplicationStatus::Accepted | ApplicationStatus::Visiting | ApplicationStatus::Reviewing).then(|| view! {
                <p><a href=format!("/staff/visit/{}", number.get_value()) id="case-visit-form" rel="external">{t_string!(i18n, visit.open)}</a></p>
            })}
            {submitted.map(|c| view! {
                {(!c.conflicts.is_empty()).then(|| view! {
                    <h3>{t_string!(i18n, casework.conflicts)}</h3>
                    <ul id="case-conflicts">
                        {c.conflicts.into_iter().map(|m| {
                            let elsewhere = m.in_household.as_deref() == Some("") || m.in_application.as_deref() == Some("");
                            view! {
                                <li>{m.id_number_masked} " "
                                    {m.in_household.map(|h| view! { {t_string!(i18n, casework.conflict_household)} " " {(!h.is_empty()).then(|| view! { <a href=format!("/staff/households/{h}") rel="external">{h.chars().take(8).collect::<String>()}</a> })} " " })}
                                    {m.in_application.map(|n| view! { {t_string!(i18n, casework.conflict_application)} " " {n} " " })}
                                    {elsewhere.then(|| view! { {t_string!(i18n, casework.conflict_elsewhere)} })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
                {c.head_change.then(|| view! {
                    <p>{t_string!(i18n, casework.head_change)}</p>
                    <label class="check"><input type="checkbox" id="case-confirm-head" prop:checked=confirm_head on:change=move |ev| confirm_head.set(event_target_checked(&ev)) /> {t_string!(i18n, casework.confirm_head)}</label>
                })}
            })}
            {next_step.map(|(to, id, label)| view! {
                <button type="button" class="primary" id=id on:click=move |_| { act.dispatch(CaseCommand::Step(to)); }>{label}</button>
            })}
            {matches!(status, ApplicationStatus::Submitted | ApplicationStatus::Accepted | ApplicationStatus::Visiting | ApplicationStatus::Reviewing).then(|| view! {
                <form on:submit=move |ev| { ev.prevent_default(); act.dispatch(CaseCommand::Ask(question.get_untracked())); }>
                    <label for="case-question">{t_string!(i18n, casework.question)}</label>
                    <textarea id="case-question" rows="2" maxlength="1000" prop:value=question on:input=move |ev| question.set(event_target_value(&ev))></textarea>
                    <FieldMessage error=field_error("note") id="case-question-error" />
                    <button type="submit" id="case-ask">{t_string!(i18n, casework.ask)}</button>
                </form>
            })}
            {deciding.map(|c| view! { <DecisionForm proposed=(c.proposed_category, c.proposed_amount_fen) notice_days=c.notice_days action=act error /> })}
            {publicising.then(|| view! {
                {decision.map(|d| view! {
                    <p id="case-decision">
                        {d.category.map(|x| labels::category(i18n, x)).unwrap_or_default()} " "
                        {yuan(i18n, d.monthly_amount_fen)} " — " {t_string!(i18n, casework.notice_until)} " " {d.notice_until.clone()}
                    </p>
                })}
                <ul id="case-objections">
                    {objections.into_iter().map(|(t, at)| view! { <li>{china_time(at)} " " {t}</li> }).collect_view()}
                    {public_objections.into_iter().map(|(tracking, state, at)| view! {
                        <li class="public-objection">
                            {china_time(at)} " " {t_string!(i18n, casework.public_objection)} " "
                            <a href="/staff/complaints">{tracking}</a> " · "
                            {crate::ui::portal::complaints::state_label(i18n, state)}
                        </li>
                    }).collect_view()}
                </ul>
                <form on:submit=move |ev| { ev.prevent_default(); act.dispatch(CaseCommand::Object(objection.get_untracked())); }>
                    <label for="case-objection">{t_string!(i18n, casework.objection)}</label>
                    <textarea id="case-objection" rows="2" maxlength="1000" prop:value=objection on:input=move |ev| objection.set(event_target_value(&ev))></textarea>
                    <FieldMessage error=field_error("objection") id="case-objection-error" />
                    <button type="submit" id="case-object">{t_string!(i18n, casework.record_objection)}</button>
                </form>
                <button type="button" class="primary" id="case-finalize" on:click=move |_| { act.dispatch(CaseCommand::Finalize); }>{t_string!(i18n, casework.finalize)}</button>
            })}
            {open.then(|| view! {
                <form on:submit=move |ev| { ev.prevent_default(); act.dispatch(CaseCommand::Reject(reason.get_untracked())); }>
                    <label for="case-reason">{t_string!(i18n, casework.reject_reason)}</label>
                    <textarea id="case-reason" rows="2" maxlength="1000" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    <FieldMessage error=field_error("reason") id="case-reason-error" />
                    <button type="submit" class="danger" id="case-reject">{t_string!(i18n, casework.reject)}</button>
                </form>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn DecisionForm(
    proposed: (Option<Category>, Option<i64>),
    notice_days: Option<i64>,
    action: Action<CaseCommand, Result<(), AppError>>,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let amount = proposed
        .1
        .map(|f| crate::domain::money::Money::from_fen(f).to_string())
        .unwrap_or_default();
    let form = RwSignal::new(DecisionDraft {
        category: proposed.0.map(|c| c.code().to_string()).unwrap_or_default(),
        monthly_amount: amount,
        adjustment_reason: String::new(),
        effective_from: device::today_china().to_string(),
    });
    let field_error = move |field| field_error_of(error, field);
    view! {
        <form id="decision-form" on:submit=move |ev| { ev.prevent_default(); action.dispatch(CaseCommand::Decide(form.get_untracked())); }>
            <h3>{t_string!(i18n, casework.decision)}</h3>
            <p class="muted">
                {t_string!(i18n, casework.proposed)} " "
                {proposed.0.map(|c| labels::category(i18n, c)).unwrap_or_else(|| t_string!(i18n, policy.cliff_none).to_string())}
                {proposed.1.map(|a| view! { " " {yuan(i18n, a)} })}
                {notice_days.map(|d| view! { "；" {t_string!(i18n, casework.notice_days)} " " {d} })}
            </p>
            <label for="decision-category">{t_string!(i18n, casework.category)}</label>
            <select id="decision-category" on:change=move |ev| form.update(|f| f.category = event_target_value(&ev))>
                <option value="">{t_string!(i18n, common.please_choose)}</option>
                {Category::ALL.into_iter().map(|c| view! {
                    <option value=c.code() selected=move || form.with(|f| f.category == c.code())>{labels::category(i18n, c)}</option>
                }).collect_view()}
            </select>
            <FieldMessage error=field_error("category") id="decision-category-error" />
            <label for="decision-amount">{t_string!(i18n, casework.amount)}</label>
            <input id="decision-amount" inputmode="decimal" maxlength="12" prop:value=move || form.with(|f| f.monthly_amount.clone())
                on:input=move |ev| form.update(|f| f.monthly_amount = event_target_value(&ev)) />
            <FieldMessage error=field_error("monthly_amount") id="decision-amount-error" />
            <label for="decision-reason">{t_string!(i18n, casework.adjustment_reason)}</label>
            <textarea id="decision-reason" rows="2" maxlength="500" prop:value=move || form.with(|f| f.adjustment_reason.clone())
                on:input=move |ev| form.update(|f| f.adjustment_reason = event_target_value(&ev))></textarea>
            <FieldMessage error=field_error("adjustment_reason") id="decision-reason-error" />
            <label for="decision-from">{t_string!(i18n, casework.effective_from)}</label>
            <input id="decision-from" type="date" prop:value=move || form.with(|f| f.effective_from.clone())
                on:input=move |ev| form.update(|f| f.effective_from = event_target_value(&ev)) />
            <FieldMessage error=field_error("effective_from") id="decision-from-error" />
            <button type="submit" class="primary" id="decision-submit" disabled=move || action.pending().get()>{t_string!(i18n, casework.decide)}</button>
        </form>
    }
    .into_any()
}
