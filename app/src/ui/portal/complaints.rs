//! 投诉举报 on the portal: filing a complaint or report (anyone, signed in or not: the place
//! chosen with plain forms, then the form, an island) and following one with its tracking
//! number and secret code (an island: the code is never put in an address).

use crate::api::complaints::{
    complaint_question, file_complaint, track_complaint, ComplaintInput, Filed, Question, Tracked,
};
use crate::api::publicity::notice_places;
use crate::domain::complaints::{ComplaintKind, ComplaintOutcome, ComplaintState};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{china_time, field_error_of, general_error, island_context, portal_island};
use crate::ui::{ErrorBanner, FieldMessage, PageTitle};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_query_map;

pub fn kind_label(i18n: I18nContext<Locale>, k: ComplaintKind) -> String {
    match k {
        ComplaintKind::Decision => t_string!(i18n, complaints.kind.decision),
        ComplaintKind::Fraud => t_string!(i18n, complaints.kind.fraud),
        ComplaintKind::Conduct => t_string!(i18n, complaints.kind.conduct),
        ComplaintKind::Unhelped => t_string!(i18n, complaints.kind.unhelped),
        ComplaintKind::NoticeObjection => t_string!(i18n, complaints.kind.notice_objection),
    }
    .to_string()
}

pub fn state_label(i18n: I18nContext<Locale>, s: ComplaintState) -> String {
    match s {
        ComplaintState::Received => t_string!(i18n, complaints.state.received),
        ComplaintState::Investigating => t_string!(i18n, complaints.state.investigating),
        ComplaintState::Answered => t_string!(i18n, complaints.state.answered),
    }
    .to_string()
}

pub fn outcome_label(i18n: I18nContext<Locale>, o: ComplaintOutcome) -> String {
    match o {
        ComplaintOutcome::Unfounded => t_string!(i18n, complaints.outcome.unfounded),
        ComplaintOutcome::Corrected => t_string!(i18n, complaints.outcome.corrected),
        ComplaintOutcome::RecoveryOpened => t_string!(i18n, complaints.outcome.recovery_opened),
        ComplaintOutcome::Referred => t_string!(i18n, complaints.outcome.referred),
    }
    .to_string()
}

/// What the form starts from: the place chosen, the notice objected to, the question.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FormStart {
    pub region: String,
    pub region_name: String,
    pub kind: String,
    pub notice_ref: String,
    pub question: Question,
}

/// `/complaints`: the place, chosen down to the village with plain forms, then the form.
#[component]
pub fn ComplaintPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let region = move || q.read().get("region").unwrap_or_default();
    let kind = move || q.read().get("kind").unwrap_or_default();
    let notice = move || q.read().get("notice").unwrap_or_default();
    let places = Resource::new(region, |r| notice_places(r, String::new()));
    let question = Resource::new(|| (), |_| complaint_question());
    view! {
        <h1>{t_string!(i18n, complaints.title)}</h1>
        <PageTitle text=t_string!(i18n, complaints.title).to_string() />
        <p>{t_string!(i18n, complaints.intro)}</p>
        <p><a href="/complaints/track" id="track-link">{t_string!(i18n, complaints.track_link)}</a></p>
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let steps = match places.await {
                    Ok(p) => p.steps,
                    Err(e) => return view! { <p class="banner error">{crate::ui::labels::app_error(i18n, &e)}</p> }.into_any(),
                };
                let chosen = steps.trail.last().cloned();
                let deep_enough = chosen.as_ref().is_some_and(|(code, _)| {
                    crate::domain::region::RegionCode::parse(code).is_ok_and(|c| c.level() as usize >= crate::domain::region::RegionLevel::County as usize)
                });
                let picker = view! {
                    <section class="card">
                        <h2>{t_string!(i18n, complaints.where_title)}</h2>
                        <super::public::RegionPicker steps path="/complaints" label=t_string!(i18n, complaints.where_label).to_string() />
                    </section>
                };
                let form = match (deep_enough, chosen, question.await) {
                    (true, Some((code, name)), Ok(question)) => {
                        let start = FormStart { region: code, region_name: name, kind: kind(), notice_ref: notice(), question };
                        portal_island(start, |start| view! { <ComplaintIsland start /> }, |start| view! { <ComplaintForm start /> })
                    }
                    (_, _, Err(e)) => view! { <p class="banner error">{crate::ui::labels::app_error(i18n, &e)}</p> }.into_any(),
                    _ => view! { <p class="muted" id="choose-place-first">{t_string!(i18n, complaints.choose_first)}</p> }.into_any(),
                };
                view! { {picker} {form} }.into_any()
            })}
        </Suspense>
    }
}

#[island(lazy)]
fn ComplaintIsland(start: FormStart) -> impl IntoView {
    island_context();
    view! { <ComplaintForm start /> }
}

#[component]
fn ComplaintForm(start: FormStart) -> impl IntoView {
    let i18n = use_i18n();
    let preset = ComplaintKind::from_code(&start.kind).unwrap_or(ComplaintKind::Fraud);
    let input = RwSignal::new(ComplaintInput {
        kind: preset.code().into(),
        region: start.region.clone(),
        notice_ref: start.notice_ref.clone(),
        question: start.question.token.clone(),
        ..Default::default()
    });
    let error = RwSignal::new(None::<AppError>);
    let send = Action::new(move |i: &ComplaintInput| file_complaint(i.clone()));
    let filed = RwSignal::new(None::<Filed>);
    Effect::new(move |_| match send.value().get() {
        Some(Ok(f)) => filed.set(Some(f)),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let fe = move |f| field_error_of(error, f);
    let text = move |id: &'static str,
                     name: &'static str,
                     get: fn(&ComplaintInput) -> String,
                     set: fn(&mut ComplaintInput, String),
                     max: &'static str| {
        view! {
            <input id=id name=name type="text" maxlength=max prop:value=move || input.with(get)
                on:input=move |ev| input.update(|i| set(i, event_target_value(&ev))) />
        }
    };
    let conduct = move || input.with(|i| i.kind == ComplaintKind::Conduct.code());
    let objection = !start.notice_ref.is_empty();
    let (a, b) = (start.question.a, start.question.b);
    view! {
        {move || match filed.get() {
            Some(f) => view! {
                <section class="card" id="complaint-filed" role="status">
                    <h2>{t_string!(i18n, complaints.filed_title)}</h2>
                    <p>{t_string!(i18n, complaints.filed_keep)}</p>
                    <dl class="codes">
                        <dt>{t_string!(i18n, complaints.tracking)}</dt><dd class="mono" id="filed-tracking">{f.tracking.clone()}</dd>
                        <dt>{t_string!(i18n, complaints.code)}</dt><dd class="mono" id="filed-code">{f.code.clone()}</dd>
                        <dt>{t_string!(i18n, complaints.due)}</dt><dd>{f.due_on.clone()}</dd>
                    </dl>
                    <ComplaintFiles tracking=f.tracking.clone() code=f.code.clone() />
                    <p><a href="/complaints/track">{t_string!(i18n, complaints.track_link)}</a></p>
                </section>
            }.into_any(),
            None => view! {
                <form class="card" id="complaint-form" method="post" on:submit=move |ev| {
                    ev.prevent_default();
                    error.set(None);
                    send.dispatch(input.get_untracked());
                }>
                    <p>{t_string!(i18n, complaints.place)} " " <strong>{crate::ui::as_written(start.region_name.clone())}</strong></p>
                    {if objection {
                        view! { <p class="notice">{kind_label(i18n, ComplaintKind::NoticeObjection)}</p> }.into_any()
                    } else {
                        view! {
                            <label for="complaint-kind">{t_string!(i18n, complaints.kind_label)}</label>
                            <select id="complaint-kind" name="kind" on:change=move |ev| input.update(|i| i.kind = event_target_value(&ev))>
                                {[ComplaintKind::Fraud, ComplaintKind::Decision, ComplaintKind::Conduct, ComplaintKind::Unhelped].into_iter().map(|k| view! {
                                    <option value=k.code() selected=k == preset>{kind_label(i18n, k)}</option>
                                }).collect_view()}
                            </select>
                            <FieldMessage error=fe("kind") id="complaint-kind-error" />
                        }.into_any()
                    }}
                    {move || conduct().then(|| view! {
                        <label for="complaint-staff-level">{t_string!(i18n, complaints.staff_level)}</label>
                        <select id="complaint-staff-level" name="staff_level" on:change=move |ev| input.update(|i| i.staff_level = event_target_value(&ev))>
                            <option value="">{t_string!(i18n, complaints.choose)}</option>
                            <option value="township">{t_string!(i18n, complaints.level_township)}</option>
                            <option value="county">{t_string!(i18n, complaints.level_county)}</option>
                            <option value="city">{t_string!(i18n, complaints.level_city)}</option>
                        </select>
                        <p class="hint">{t_string!(i18n, complaints.conduct_hint)}</p>
                        <FieldMessage error=fe("staff_level") id="complaint-staff-level-error" />
                    })}
                    <label for="complaint-subject">{t_string!(i18n, complaints.subject)}</label>
                    {text("complaint-subject", "subject", |i| i.subject.clone(), |i, v| i.subject = v, "100")}
                    <FieldMessage error=fe("subject") id="complaint-subject-error" />
                    <label for="complaint-person">{t_string!(i18n, complaints.person_id)}</label>
                    {text("complaint-person", "person_id", |i| i.person_id.clone(), |i, v| i.person_id = v, "18")}
                    <FieldMessage error=fe("person_id") id="complaint-person-error" />
                    <label for="complaint-body">{t_string!(i18n, complaints.body)}</label>
                    <textarea id="complaint-body" name="body" rows="6" maxlength="2000" prop:value=move || input.with(|i| i.body.clone())
                        on:input=move |ev| input.update(|i| i.body = event_target_value(&ev))></textarea>
                    <FieldMessage error=fe("body") id="complaint-body-error" />
                    <fieldset>
                        <legend>{t_string!(i18n, complaints.filer_title)}</legend>
                        <p class="hint">{t_string!(i18n, complaints.filer_hint)}</p>
                        <label for="complaint-filer-name">{t_string!(i18n, complaints.filer_name)}</label>
                        {text("complaint-filer-name", "filer_name", |i| i.filer_name.clone(), |i, v| i.filer_name = v, "50")}
                        <FieldMessage error=fe("filer_name") id="complaint-filer-name-error" />
                        <label for="complaint-filer-phone">{t_string!(i18n, complaints.filer_phone)}</label>
                        <input id="complaint-filer-phone" name="filer_phone" type="tel" inputmode="numeric" maxlength="20"
                            prop:value=move || input.with(|i| i.filer_phone.clone())
                            on:input=move |ev| input.update(|i| i.filer_phone = event_target_value(&ev)) />
                        <FieldMessage error=fe("filer_phone") id="complaint-filer-phone-error" />
                    </fieldset>
                    <label for="complaint-answer">{t_string!(i18n, complaints.question)} " " {format!("{a} + {b} = ?")}</label>
                    <input id="complaint-answer" name="answer" type="text" inputmode="numeric" maxlength="3"
                        prop:value=move || input.with(|i| i.answer.clone())
                        on:input=move |ev| input.update(|i| i.answer = event_target_value(&ev)) />
                    <FieldMessage error=fe("answer") id="complaint-answer-error" />
                    <FieldMessage error=fe("notice_ref") id="complaint-notice-error" />
                    <FieldMessage error=fe("region") id="complaint-region-error" />
                    <ErrorBanner error=general_error(error) />
                    <button type="submit" class="primary" id="complaint-submit" disabled=move || send.pending().get()>{t_string!(i18n, complaints.submit)}</button>
                </form>
            }.into_any(),
        }}
    }
}

/// Files attached after filing (a photo, a document), one at a time, at most five.
#[component]
fn ComplaintFiles(tracking: String, code: String) -> impl IntoView {
    let i18n = use_i18n();
    let sent = RwSignal::new(0usize);
    let error = RwSignal::new(None::<AppError>);
    let send = Action::new_local(move |(t, c): &(String, String)| {
        let (t, c) = (t.clone(), c.clone());
        async move { crate::ui::device::upload_complaint_file("complaint-file", &t, &c).await }
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(())) => {
            error.set(None);
            sent.update(|n| *n += 1);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <form id="complaint-files" on:submit=move |ev| {
            ev.prevent_default();
            send.dispatch((tracking.clone(), code.clone()));
        }>
            <label for="complaint-file">{t_string!(i18n, complaints.file_label)}</label>
            <input id="complaint-file" type="file" accept="image/jpeg,image/png,application/pdf" />
            <p class="hint">{t_string!(i18n, complaints.file_hint)}</p>
            <ErrorBanner error=error />
            {move || (sent.get() > 0).then(|| view! { <p class="banner ok" role="status" id="complaint-files-sent">{t_string!(i18n, complaints.files_sent)} " " {sent.get()}</p> })}
            <button type="submit" id="complaint-file-send" disabled=move || send.pending().get()>{t_string!(i18n, complaints.file_send)}</button>
        </form>
    }
}

/// `/complaints/track`: a complaint by its tracking number and secret code.
#[component]
pub fn TrackPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, complaints.track_title)}</h1>
        <PageTitle text=t_string!(i18n, complaints.track_title).to_string() />
        <p>{t_string!(i18n, complaints.track_intro)}</p>
        {portal_island((), |()| view! { <TrackIsland /> }, |()| view! { <TrackForm /> })}
    }
}

#[island(lazy)]
fn TrackIsland() -> impl IntoView {
    island_context();
    view! { <TrackForm /> }
}

#[component]
fn TrackForm() -> impl IntoView {
    let i18n = use_i18n();
    let tracking = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let ask = Action::new(move |(t, c): &(String, String)| track_complaint(t.clone(), c.clone()));
    let found = RwSignal::new(None::<Result<Tracked, AppError>>);
    Effect::new(move |_| {
        if let Some(r) = ask.value().get() {
            found.set(Some(r));
        }
    });
    view! {
        <form class="card" id="track-form" method="post" on:submit=move |ev| {
            ev.prevent_default();
            ask.dispatch((tracking.get_untracked(), code.get_untracked()));
        }>
            <label for="track-number">{t_string!(i18n, complaints.tracking)}</label>
            <input id="track-number" name="tracking" type="text" maxlength="20" autocomplete="off" prop:value=tracking
                on:input=move |ev| tracking.set(event_target_value(&ev)) />
            <label for="track-code">{t_string!(i18n, complaints.code)}</label>
            <input id="track-code" name="code" type="password" maxlength="20" autocomplete="off" prop:value=code
                on:input=move |ev| code.set(event_target_value(&ev)) />
            <button type="submit" class="primary" id="track-submit" disabled=move || ask.pending().get()>{t_string!(i18n, complaints.track_submit)}</button>
        </form>
        {move || found.get().map(|r| match r {
            Ok(t) => view! {
                <section class="card" id="tracked" role="status">
                    <h2>{t.tracking.clone()} " · " {kind_label(i18n, t.kind)}</h2>
                    <dl>
                        <dt>{t_string!(i18n, complaints.state_label)}</dt><dd id="tracked-state">{state_label(i18n, t.state)}</dd>
                        <dt>{t_string!(i18n, complaints.filed_at)}</dt><dd>{china_time(t.filed_at)}</dd>
                        <dt>{t_string!(i18n, complaints.due)}</dt><dd>{t.due_on.clone()}</dd>
                        {t.escalated.then(|| view! { <dt>{t_string!(i18n, complaints.escalated)}</dt><dd>{t_string!(i18n, common.yes)}</dd> })}
                        {t.outcome.map(|o| view! { <dt>{t_string!(i18n, complaints.outcome_label)}</dt><dd id="tracked-outcome">{outcome_label(i18n, o)}</dd> })}
                    </dl>
                    {(!t.reply.is_empty()).then(|| view! { <h3>{t_string!(i18n, complaints.reply)}</h3><p id="tracked-reply">{crate::ui::as_written(t.reply.clone())}</p> })}
                </section>
            }.into_any(),
            Err(AppError::NotFound) => view! { <p class="banner error" role="alert" id="track-none">{t_string!(i18n, complaints.track_none)}</p> }.into_any(),
            Err(e) => view! { <p class="banner error" role="alert">{crate::ui::labels::app_error(i18n, &e)}</p> }.into_any(),
        })}
    }
}
