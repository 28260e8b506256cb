//! Following an application: the list, and the status page with its timeline
//! (已提交 → 已受理 → 入户调查 → 审核 → 公示 → 结果), answering a request for more
//! information, withdrawal, and the optional charity-sharing consent.

use crate::api::applications::{
    answer_info_request, get_application, my_applications, set_charity_consent,
    withdraw_application,
};
use crate::api::types::ApplicationView;
use crate::domain::declaration::{HelpKind, Relation};
use crate::domain::status::{ApplicationStatus, Role, TIMELINE};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::PageTitle;
use crate::ui::{china_time, island_context, labels, portal_island, ErrorBanner};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MyApplicationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| my_applications());
    view! {
        <h1>{t_string!(i18n, applications.title)}</h1>
        <PageTitle text=t_string!(i18n, applications.title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(apps) if apps.is_empty() => view! {
                        <p class="notice">{t_string!(i18n, applications.none)}</p>
                        <A href="/declare" attr:class="button primary">{t_string!(i18n, home.start)}</A>
                    }.into_any(),
                    Ok(apps) => view! {
                        <ul class="app-list">
                            {apps.into_iter().map(|a| view! {
                                <li class="card">
                                    <A href=format!("/applications/{}", a.number)><strong>{a.number.clone()}</strong></A>
                                    <span class=format!("badge {}", a.status.code())>{labels::status(i18n, a.status)}</span>
                                    <span class="muted">{t_string!(i18n, applications.submitted_at)} " " {china_time(a.submitted_at)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <A href="/declare" attr:class="button">{t_string!(i18n, applications.new_declaration)}</A>
                    }.into_any(),
                    Err(AppError::Unauthenticated | AppError::Forbidden) => view! {
                        <p class="notice">{t_string!(i18n, error.unauthenticated)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

// Not in the portal's WASM (its islands only; the page is rendered on the server).
#[cfg(not(feature = "portal"))]
#[component]
pub fn ApplicationPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let view_res = Resource::new(number, get_application);
    let me = expect_context::<crate::ui::MeResource>();
    // The case's actions (staff, in the whole application's document only: the portal's islands
    // hold their own data).
    let case =
        (!crate::ui::in_portal_document()).then(|| crate::ui::casework::case_resource(number));
    view! {
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                // Staff see the case, not the resident's own actions (consent, withdrawal, answers);
                // a caseworker also the case's actions and the verification form.
                let role = me.await.ok().flatten().map(|u| u.role);
                let owner = role == Some(Role::Resident);
                let caseworker = role == Some(Role::Caseworker);
                match view_res.await {
                    Ok(app) => view! { <ApplicationDetail app owner caseworker case reload=Callback::new(move |_| {
                        // After an action: the application, and the case's actions, again.
                        view_res.refetch();
                        if let Some(case) = case {
                            case.refetch();
                        }
                    }) /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <p class="notice">{t_string!(i18n, error.unauthenticated)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The resident's three requests, each an island of its own in the portal's document (loaded
/// when the page shows it): the rest of the application's page is plain HTML there, nothing in it
/// changes without a new page. After a request the page is loaded again.
#[island(lazy)]
fn InfoAnswerIsland(number: String, question: String) -> impl IntoView {
    island_context();
    view! { <InfoAnswer number question reload=Callback::new(|_| crate::ui::reload_page()) /> }
}

#[island(lazy)]
fn CharityToggleIsland(number: String, granted: bool) -> impl IntoView {
    island_context();
    view! { <CharityToggle number granted reload=Callback::new(|_| crate::ui::reload_page()) /> }
}

#[island(lazy)]
fn WithdrawIsland(number: String) -> impl IntoView {
    island_context();
    view! { <Withdraw number reload=Callback::new(|_| crate::ui::reload_page()) /> }
}

/// What a caseworker may reveal of a member, each reveal audit-logged on the server: the ID
/// number (shown masked until then) or the declared health and disability (not shown until then).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hidden {
    Id,
    Health,
}

/// What was revealed.
#[derive(Clone)]
enum Revealed {
    Id(String),
    Health(crate::api::types::MemberHealth),
}

/// A member's [`Hidden`] part and the button that reveals it (one component and one action for
/// both: each is code of its own in the tablet's download).
#[component]
fn Unmaskable(
    number: String,
    member: u32,
    what: Hidden,
    /// The masked ID number (`Hidden::Id`).
    #[prop(optional)]
    masked: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let number = StoredValue::new(number);
    let reveal = Action::new(move |_: &()| {
        let n = number.get_value();
        async move {
            match what {
                Hidden::Id => crate::api::casework::unmask_id(n, member)
                    .await
                    .map(Revealed::Id),
                Hidden::Health => crate::api::casework::unmask_health(n, member)
                    .await
                    .map(Revealed::Health),
            }
        }
    });
    view! {
        {move || match reveal.value().get() {
            Some(Ok(Revealed::Id(full))) => view! { <span class="unmasked">{full}</span> }.into_any(),
            Some(Ok(Revealed::Health(h))) => view! { <span class="unmasked" id=format!("health-{member}")><HealthText health=h /></span> }.into_any(),
            _ if what == Hidden::Id => view! {
                <span>{masked.clone()}</span> " "
                <button type="button" class="link" id=format!("unmask-{member}") title=t_string!(i18n, casework.unmask_note)
                    on:click=move |_| { reveal.dispatch(()); }>{t_string!(i18n, casework.unmask)}</button>
            }.into_any(),
            _ => view! {
                <button type="button" class="link" id=format!("unmask-health-{member}")
                    aria-label=t_string!(i18n, casework.unmask_health_note)
                    title=t_string!(i18n, casework.unmask_health_note)
                    on:click=move |_| { reveal.dispatch(()); }>{t_string!(i18n, casework.unmask_health)}</button>
            }.into_any(),
        }}
    }
}

/// What the resident asks of their application.
#[derive(Clone)]
enum OwnerCommand {
    Answer(String),
    Withdraw(String),
    Consent(bool),
}

/// The resident's requests on application `number` (one action for the three: each action is code
/// of its own): `reload` after one is done, its error in `error`.
fn owner_action(
    number: String,
    reload: Callback<()>,
    error: RwSignal<Option<AppError>>,
) -> Action<OwnerCommand, Result<(), AppError>> {
    let number = StoredValue::new(number);
    let act = Action::new(move |c: &OwnerCommand| {
        let (n, c) = (number.get_value(), c.clone());
        async move {
            match c {
                OwnerCommand::Answer(text) => answer_info_request(n, text).await,
                OwnerCommand::Withdraw(r) => withdraw_application(n, r).await,
                OwnerCommand::Consent(g) => set_charity_consent(n, g).await,
            }
        }
    });
    Effect::new(move |_| match act.value().get() {
        Some(Ok(())) => reload.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    act
}

/// Answering a caseworker's request for more information.
#[component]
fn InfoAnswer(number: String, question: String, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let act = owner_action(number, reload, error);
    let answer = RwSignal::new(String::new());
    view! {
        <section class="card attention" id="info-request">
            <h2>{t_string!(i18n, applications.info_request)}</h2>
            <p class="question">{question}</p>
            <form on:submit=move |ev| { ev.prevent_default(); act.dispatch(OwnerCommand::Answer(answer.get_untracked())); }>
                <label for="info-answer">{t_string!(i18n, applications.answer)}</label>
                <textarea id="info-answer" rows="3" maxlength="1000" prop:value=answer on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
                <ErrorBanner error />
                <button type="submit" class="primary" disabled=move || act.pending().get()>{t_string!(i18n, applications.send_answer)}</button>
            </form>
        </section>
    }
}

/// Granting or withdrawing the consent to share the application's needs with charities.
#[component]
fn CharityToggle(number: String, granted: bool, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let act = owner_action(number, reload, error);
    view! {
        <ErrorBanner error />
        <button type="button" id="charity-toggle" disabled=move || act.pending().get() on:click=move |_| { act.dispatch(OwnerCommand::Consent(!granted)); }>
            {if granted { t_string!(i18n, applications.charity_withdraw) } else { t_string!(i18n, applications.charity_grant) }}
        </button>
    }
}

/// Withdrawing the application, after a confirmation.
#[component]
fn Withdraw(number: String, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let act = owner_action(number, reload, error);
    let reason = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    view! {
        <section class="card">
            <h2>{t_string!(i18n, applications.withdraw)}</h2>
            <label for="withdraw-reason">{t_string!(i18n, applications.withdraw_reason)}</label>
            <input id="withdraw-reason" maxlength="1000" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
            <ErrorBanner error />
            <Show when=move || confirming.get() fallback=move || view! {
                <button type="button" class="danger" id="withdraw" on:click=move |_| confirming.set(true)>{t_string!(i18n, applications.withdraw)}</button>
            }>
                <p class="banner error">{t_string!(i18n, applications.withdraw_confirm)}</p>
                <button type="button" class="danger" id="withdraw-confirm" disabled=move || act.pending().get() on:click=move |_| { act.dispatch(OwnerCommand::Withdraw(reason.get_untracked())); }>{t_string!(i18n, common.yes)}</button>
                <button type="button" on:click=move |_| confirming.set(false)>{t_string!(i18n, common.cancel)}</button>
            </Show>
        </section>
    }
}

#[cfg(not(feature = "portal"))]
#[component]
fn ApplicationDetail(
    app: ApplicationView,
    owner: bool,
    /// The reader is a caseworker (who acts on the case and records what was verified).
    caseworker: bool,
    reload: Callback<()>,
    #[prop(optional_no_strip)] case: Option<crate::ui::casework::CaseResource>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = app.summary.status;
    let number = StoredValue::new(app.summary.number.clone());
    let reached = status.timeline_step();
    let ended_badly = matches!(
        status,
        ApplicationStatus::Rejected | ApplicationStatus::Withdrawn
    );
    let steps = TIMELINE
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let class = if i < reached || (i == reached && !ended_badly && i == TIMELINE.len() - 1) {
                "done"
            } else if i == reached {
                "current"
            } else {
                "todo"
            };
            let step = *step;
            let label = if i == TIMELINE.len() - 1 {
                if i == reached { labels::status(i18n, status) } else { t_string!(i18n, status.result).to_string() }
            } else {
                labels::status(i18n, step)
            };
            view! { <li class=class aria-current=(class == "current").then_some("step")>{label}</li> }
        })
        .collect_view();

    let charity = app.consent_charity;
    view! {
        <h1>{t_string!(i18n, applications.number)} " " <span id="status-number">{app.summary.number.clone()}</span></h1>
        <PageTitle text=format!("{} {}", t_string!(i18n, applications.number), app.summary.number) />
        <p>{t_string!(i18n, applications.status)} ": "
            <span class=format!("badge {}", status.code()) id="status-badge">{labels::status(i18n, status)}</span></p>
        <section class="card">
            <h2>{t_string!(i18n, applications.timeline)}</h2>
            <ol class="timeline" id="timeline">{steps}</ol>
        </section>
        {caseworker.then(|| view! { <crate::ui::casework::CaseActions number=app.summary.number.clone() status on_done=reload case /> })}
        {app.assessment.clone().map(|stored| {
            let names: Vec<String> = app.members.iter().map(|m| m.name.clone()).collect();
            view! {
                <crate::ui::policy::StoredAssessmentCard stored=stored.clone() names=names.clone() />
                // The verification form is loaded when opened (most readings of a case do not
                // record what was verified).
                {caseworker.then(|| view! {
                    <crate::ui::OnDemand id="verification-open" summary=t_string!(i18n, policy.verification_title)
                        args=(app.summary.number.clone(), stored, names, reload)
                        load=|(number, stored, names, on_saved)| Box::pin(crate::ui::policy::verification_part(number, stored, names, on_saved)) />
                })}
            }
        })}
        <crate::ui::policy::AssessmentHistory entries=app.assessment_history.clone() />
        {app.open_info_request.clone().filter(|_| owner).map(|question| portal_island(
            (number.get_value(), question),
            |(number, question)| view! { <InfoAnswerIsland number question /> },
            |(number, question)| view! { <InfoAnswer number question reload /> },
        ))}
        <section class="card">
            <h2>{t_string!(i18n, applications.history)}</h2>
            <ul class="events" id="events">
                {app.events.iter().rev().map(|e| {
                    let (kind, state) = (e.kind, e.status);
                    let note = e.note.clone();
                    // What happened and the state it left the application in.
                    view! { <li><time>{china_time(e.at)}</time> " " {labels::event(i18n, kind)} " → " <span class="event-state">{labels::status(i18n, state)}</span> {(!note.is_empty()).then(|| format!(" — {note}"))}</li> }
                }).collect_view()}
            </ul>
        </section>
        <Declared declared=app.declared.clone() region_name=app.region_name.clone() />
        <section class="card">
            <h2>{t_string!(i18n, applications.members)}</h2>
            <div class="table-scroll" tabindex="0">
            <table class="members">
                <thead>
                    <tr>
                        <th scope="col">{t_string!(i18n, declare.relation)}</th>
                        <th scope="col">{t_string!(i18n, declare.name)}</th>
                        <th scope="col">{t_string!(i18n, declare.id_number)}</th>
                        <th scope="col">{t_string!(i18n, declare.work_status)}</th>
                        <th scope="col">{t_string!(i18n, declare.labour_capacity)}</th>
                        <th scope="col">{t_string!(i18n, declare.schooling)}</th>
                        <th scope="col">{t_string!(i18n, applications.health_col)}</th>
                    </tr>
                </thead>
                <tbody>
                {app.members.iter().enumerate().map(|(i, m)| {
                    let rel = Relation::from_code(&m.relation);
                    let masked = m.id_number_masked.clone();
                    let (work, labour, school) = (m.work_status, m.labour_capacity, m.schooling);
                    let health = m.health.clone();
                    view! {
                        <tr>
                            <td>{rel.map(|r| labels::relation(i18n, r)).unwrap_or_default()}</td>
                            <td>{m.name.clone()}</td>
                            <td class="mono">{if owner { masked.into_any() } else { view! { <Unmaskable number=number.get_value() member=i as u32 what=Hidden::Id masked /> }.into_any() }}</td>
                            <td>{labels::work(i18n, work)}</td>
                            <td>{labels::labour(i18n, labour)}</td>
                            <td>{labels::schooling(i18n, school)}</td>
                            <td>{match health {
                                Some(h) => view! { <HealthText health=h /> }.into_any(),
                                None => view! { <Unmaskable number=number.get_value() member=i as u32 what=Hidden::Health /> }.into_any(),
                            }}</td>
                        </tr>
                    }
                }).collect_view()}
                </tbody>
            </table>
            </div>
            <h3>{t_string!(i18n, applications.help)}</h3>
            <p>{app.help.iter().filter_map(|h| HelpKind::from_code(h)).map(|h| labels::help(i18n, h)).collect::<Vec<_>>().join(labels::list_sep(i18n))}</p>
            <h3>{t_string!(i18n, applications.attachments)}</h3>
            // Images are shown where they are listed; a PDF opens in the browser's viewer.
            <ul class="attachments" id="attachments">
                {app.attachments.iter().map(|a| {
                    let href = format!("/attachments/{}", a.id);
                    let kind = a.kind;
                    let label = labels::attachment(i18n, kind);
                    let image = a.mime.starts_with("image/");
                    view! {
                        <li>
                            <a href=href.clone() target="_blank" rel="noopener">
                                {image.then(|| view! { <img src=href.clone() alt=a.file_name.clone() loading="lazy" class="thumb" /> })}
                                <span>{label} " · " {a.file_name.clone()} {(!image).then_some(" (PDF)")}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card">
            <h2>{t_string!(i18n, applications.charity_consent)}</h2>
            <p id="charity-state">{if charity { t_string!(i18n, applications.charity_on) } else { t_string!(i18n, applications.charity_off) }}</p>
            {owner.then(|| portal_island(
                (number.get_value(), charity),
                |(number, granted)| view! { <CharityToggleIsland number granted /> },
                |(number, granted)| view! { <CharityToggle number granted reload /> },
            ))}
        </section>
        {(owner && status.can_withdraw()).then(|| portal_island(
            number.get_value(),
            |number| view! { <WithdrawIsland number /> },
            |number| view! { <Withdraw number reload /> },
        ))}
    }
    .into_any()
}

/// One member's declared health and disability, in words.
#[component]
fn HealthText(health: crate::api::types::MemberHealth) -> impl IntoView {
    let i18n = use_i18n();
    let crate::api::types::MemberHealth {
        health,
        illness,
        disability_kind,
        disability_grade,
    } = health;
    move || {
        let mut parts = vec![labels::health(i18n, health)];
        if !illness.trim().is_empty() {
            parts.push(illness.clone());
        }
        if disability_kind != crate::domain::declaration::DisabilityKind::None {
            let grade = disability_grade
                .map(|g| format!(" {g}{}", t_string!(i18n, declare.grade_n)))
                .unwrap_or_default();
            parts.push(format!(
                "{}{grade}",
                labels::disability(i18n, disability_kind)
            ));
        }
        parts.join("；")
    }
}

/// What the household declared besides its members: where it lives and how to reach it, what it
/// says its difficulty is, its income by source, its assets and its essential spending.
#[component]
pub(crate) fn Declared(
    declared: crate::api::types::DeclaredView,
    region_name: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let d = declared;
    let yuan =
        move |m: crate::domain::money::Money| format!("{m} {}", t_string!(i18n, common.yuan));
    let residence = d.residence;
    let tel = format!("tel:{}", d.contact_phone);
    let income = d.income.clone();
    let rows: Vec<(&'static str, crate::domain::money::Money)> = vec![
        ("wages", income.wages),
        ("business", income.business),
        ("property", income.property),
        ("transfers", income.transfers),
        ("other", income.other),
    ];
    let income_label = move |key: &str| match key {
        "wages" => t_string!(i18n, declare.income_wages).to_string(),
        "business" => t_string!(i18n, declare.income_business).to_string(),
        "property" => t_string!(i18n, declare.income_property).to_string(),
        "transfers" => t_string!(i18n, declare.income_transfers).to_string(),
        _ => t_string!(i18n, declare.income_other).to_string(),
    };
    let (income_12m, income_changed) = (d.income_12m, d.income_changed);
    let a = d.assets.clone();
    let area = format!(
        "{}.{:02}",
        a.housing_area_centi_m2 / 100,
        a.housing_area_centi_m2 % 100
    );
    view! {
        <section class="card" id="declared">
            <h2>{t_string!(i18n, applications.declared)}</h2>
            <dl class="facts">
                <dt>{t_string!(i18n, declare.address)}</dt>
                <dd id="declared-address">{crate::ui::as_written(region_name.clone())} " " {crate::ui::as_written(d.address.clone())}</dd>
                <dt>{t_string!(i18n, declare.residence)}</dt>
                <dd>{labels::residence(i18n, residence)}</dd>
                <dt>{t_string!(i18n, declare.contact_phone)}</dt>
                <dd><a href=tel id="declared-phone">{d.contact_phone.clone()}</a></dd>
                <dt>{t_string!(i18n, declare.section_description)}</dt>
                <dd id="declared-description" class="prewrap" lang=crate::ui::text_lang(&d.description)>{d.description.clone()}</dd>
            </dl>
            <h3>{t_string!(i18n, declare.section_income)}</h3>
            <table class="amounts" id="declared-income">
                <tbody>
                    {rows.into_iter().map(|(key, m)| view! {
                        <tr><th scope="row">{income_label(key)}</th><td class="num">{yuan(m)}</td></tr>
                    }).collect_view()}
                    <tr class="total"><th scope="row">{t_string!(i18n, applications.income_total)}</th><td class="num">{yuan(income.total())}</td></tr>
                </tbody>
            </table>
            <h3>{t_string!(i18n, declare.section_assets)}</h3>
            <dl class="facts">
                <dt>{t_string!(i18n, declare.deposits)}</dt><dd>{yuan(a.deposits)}</dd>
                <dt>{t_string!(i18n, declare.housing_count)}</dt><dd>{a.housing_count}</dd>
                <dt>{t_string!(i18n, declare.housing_area)}</dt><dd>{area}</dd>
                <dt>{t_string!(i18n, declare.vehicles)}</dt><dd>{a.vehicles}</dd>
                <dt>{t_string!(i18n, declare.has_business)}</dt>
                <dd>{if a.has_business { t_string!(i18n, common.yes) } else { t_string!(i18n, common.no) }}</dd>
            </dl>
            <h3>{t_string!(i18n, applications.spending)}</h3>
            <dl class="facts">
                <dt>{t_string!(i18n, declare.medical_spending)}</dt><dd id="declared-medical">{yuan(d.medical_spending_12m)}</dd>
                <dt>{t_string!(i18n, declare.education_spending)}</dt><dd>{yuan(d.education_spending_12m)}</dd>
                <dt>{t_string!(i18n, declare.disability_spending)}</dt><dd>{yuan(d.disability_spending_12m)}</dd>
                <dt>{t_string!(i18n, declare.section_income_12m)}</dt>
                <dd id="declared-income-12m">
                    {match income_12m { Some(m) => yuan(m), None => t_string!(i18n, declare.review_none).to_string() }}
                    {income_changed.then(|| view! { <br /><small>{t_string!(i18n, declare.income_changed)}</small> })}
                </dd>
            </dl>
        </section>
    }
}
