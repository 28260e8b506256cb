//! 投诉举报 for caseworkers (tablet): the region's complaints by deadline, one opened beside
//! the list with what was written, the handling so far and the actions (take, note, answer).
//! The filer's name and phone show only to the complaint's handler.

use crate::api::complaints::{
    answer_complaint, assign_complaint, complaint_case, complaint_queue, note_complaint,
    ComplaintView, QueueLine,
};
use crate::domain::complaints::{ComplaintOutcome, ComplaintState};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::portal::complaints::{kind_label, outcome_label, state_label};
use crate::ui::{
    as_written, china_time, field_error_of, general_error, labels, ErrorBanner, FieldMessage,
    PageTitle,
};
use leptos::prelude::*;

#[component]
pub fn ComplaintsPage() -> impl IntoView {
    let i18n = use_i18n();
    let answered = RwSignal::new(false);
    let queue = Resource::new(move || answered.get(), complaint_queue);
    let open = RwSignal::new(None::<String>);
    view! {
        <h1>{t_string!(i18n, complaints.staff_title)}</h1>
        <PageTitle text=t_string!(i18n, complaints.staff_title).to_string() />
        <label class="check">
            <input type="checkbox" id="complaints-answered" prop:checked=answered on:change=move |ev| answered.set(event_target_checked(&ev)) />
            <span>{t_string!(i18n, complaints.with_answered)}</span>
        </label>
        <div class="split">
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(lines) if lines.is_empty() => view! { <p class="muted" id="complaints-empty">{t_string!(i18n, complaints.none)}</p> }.into_any(),
                        Ok(lines) => view! { <QueueTable lines open /> }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || open.get().map(|id| view! { <CaseCard id on_change=Callback::new(move |_| queue.refetch()) /> })}
        </div>
    }
}

#[component]
fn QueueTable(lines: Vec<QueueLine>, open: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-scroll" tabindex="0">
            <table id="complaint-queue">
                <thead><tr>
                    <th>{t_string!(i18n, complaints.tracking)}</th><th>{t_string!(i18n, complaints.kind_label)}</th>
                    <th>{t_string!(i18n, complaints.state_label)}</th><th>{t_string!(i18n, complaints.due)}</th>
                    <th>{t_string!(i18n, complaints.handler)}</th>
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|l| {
                        let id = l.id.clone();
                        view! {
                            <tr data-complaint=l.tracking.clone() class:overdue=l.overdue>
                                <td><button type="button" class="link" on:click=move |_| open.set(Some(id.clone()))>{l.tracking.clone()}</button></td>
                                <td>{kind_label(i18n, l.kind)}</td>
                                <td>{state_label(i18n, l.state)} {(l.escalations > 0).then(|| view! { " " <span class="badge unknown">{t_string!(i18n, complaints.escalated)}</span> })}</td>
                                <td>{l.due_on.clone()} {l.overdue.then(|| view! { " " <span class="badge fail">{t_string!(i18n, complaints.overdue)}</span> })}</td>
                                <td>{l.handler.clone().map(as_written)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CaseCard(id: String, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let key = id.clone();
    let case = Resource::new(move || key.clone(), complaint_case);
    let error = RwSignal::new(None::<AppError>);
    let after = move |r: Option<Result<(), AppError>>| match r {
        Some(Ok(())) => {
            error.set(None);
            case.refetch();
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    };
    let take = Action::new(move |id: &String| assign_complaint(id.clone(), String::new()));
    let note = Action::new(move |(id, n): &(String, String)| note_complaint(id.clone(), n.clone()));
    let answer = Action::new(move |(id, o, r): &(String, String, String)| {
        answer_complaint(id.clone(), o.clone(), r.clone())
    });
    Effect::new(move |_| after(take.value().get()));
    Effect::new(move |_| after(note.value().get()));
    Effect::new(move |_| after(answer.value().get()));
    let note_text = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let reply = RwSignal::new(String::new());
    view! {
        <section class="card" id="complaint-case">
            <ErrorBanner error=general_error(error) />
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match case.await {
                        Ok(c) => {
                            let ComplaintView { line, application_number, staff_office, subject, person_id, body, filer, filed_at, outcome: done, reply: replied, steps, files } = c;
                            let id = line.id.clone();
                            let (id2, id3) = (id.clone(), id.clone());
                            let open_case = line.state != ComplaintState::Answered;
                            view! {
                                <h2>{line.tracking.clone()} " · " {kind_label(i18n, line.kind)}</h2>
                                <dl>
                                    <dt>{t_string!(i18n, complaints.filed_at)}</dt><dd>{china_time(filed_at)}</dd>
                                    <dt>{t_string!(i18n, complaints.place)}</dt><dd class="mono">{line.region.clone()}</dd>
                                    {application_number.map(|n| view! { <dt>{t_string!(i18n, complaints.application)}</dt><dd><a href=format!("/applications/{n}")>{n.clone()}</a></dd> })}
                                    {staff_office.map(|o| view! { <dt>{t_string!(i18n, complaints.staff_level)}</dt><dd class="mono">{o}</dd> })}
                                    {(!subject.is_empty()).then(|| view! { <dt>{t_string!(i18n, complaints.subject)}</dt><dd>{as_written(subject.clone())}</dd> })}
                                    {(!person_id.is_empty()).then(|| view! { <dt>{t_string!(i18n, complaints.person_id)}</dt><dd class="mono">{person_id.clone()}</dd> })}
                                    <dt>{t_string!(i18n, complaints.filer_title)}</dt>
                                    <dd id="complaint-filer">{match filer {
                                        Some((name, phone)) if name.is_empty() && phone.is_empty() => t_string!(i18n, complaints.anonymous).to_string(),
                                        Some((name, phone)) => format!("{name} {phone}"),
                                        None => t_string!(i18n, complaints.filer_hidden).to_string(),
                                    }}</dd>
                                </dl>
                                <p class="complaint-body">{as_written(body)}</p>
                                {(!files.is_empty()).then(|| view! {
                                    <ul class="complaint-files">
                                        {files.into_iter().map(|(id, name)| view! { <li><a href=format!("/complaints/files/{id}") target="_blank" rel="noopener">{as_written(name)}</a></li> }).collect_view()}
                                    </ul>
                                })}
                                {done.map(|o| view! { <p><strong>{outcome_label(i18n, o)}</strong> " · " {as_written(replied.clone())}</p> })}
                                <h3>{t_string!(i18n, complaints.steps)}</h3>
                                <ol class="steps">
                                    {steps.into_iter().map(|s| view! {
                                        <li><span class="muted">{china_time(s.at)} " " {as_written(s.author)}</span> " " {step_text(i18n, &s.kind, s.text)}</li>
                                    }).collect_view()}
                                </ol>
                                {(open_case && !line.mine).then(|| view! {
                                    <button type="button" class="primary" id="complaint-take" on:click=move |_| { take.dispatch(id.clone()); }>{t_string!(i18n, complaints.take)}</button>
                                })}
                                {(open_case && line.mine).then(|| view! {
                                    <form id="complaint-note-form" on:submit=move |ev| { ev.prevent_default(); note.dispatch((id2.clone(), note_text.get_untracked())); }>
                                        <label for="complaint-note">{t_string!(i18n, complaints.note)}</label>
                                        <textarea id="complaint-note" rows="3" maxlength="2000" prop:value=note_text on:input=move |ev| note_text.set(event_target_value(&ev))></textarea>
                                        <FieldMessage error=field_error_of(error, "note") id="complaint-note-error" />
                                        <button type="submit">{t_string!(i18n, complaints.add_note)}</button>
                                    </form>
                                    <form id="complaint-answer-form" on:submit=move |ev| { ev.prevent_default(); answer.dispatch((id3.clone(), outcome.get_untracked(), reply.get_untracked())); }>
                                        <label for="complaint-outcome">{t_string!(i18n, complaints.outcome_label)}</label>
                                        <select id="complaint-outcome" on:change=move |ev| outcome.set(event_target_value(&ev))>
                                            <option value="">{t_string!(i18n, complaints.choose)}</option>
                                            {ComplaintOutcome::ALL.iter().map(|o| view! { <option value=o.code()>{outcome_label(i18n, *o)}</option> }).collect_view()}
                                        </select>
                                        <FieldMessage error=field_error_of(error, "outcome") id="complaint-outcome-error" />
                                        <label for="complaint-reply">{t_string!(i18n, complaints.reply)}</label>
                                        <textarea id="complaint-reply" rows="4" maxlength="2000" prop:value=reply on:input=move |ev| reply.set(event_target_value(&ev))></textarea>
                                        <FieldMessage error=field_error_of(error, "reply") id="complaint-reply-error" />
                                        <button type="submit" class="primary" id="complaint-answer">{t_string!(i18n, complaints.answer)}</button>
                                    </form>
                                })}
                            }.into_any()
                        }
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn step_text(i18n: I18nContext<Locale>, kind: &str, text: String) -> String {
    let what = match kind {
        "assigned" => t_string!(i18n, complaints.step_assigned),
        "escalated" => t_string!(i18n, complaints.step_escalated),
        "answered" => t_string!(i18n, complaints.step_answered),
        _ => t_string!(i18n, complaints.step_note),
    };
    let text = match kind {
        "answered" => ComplaintOutcome::from_code(&text)
            .map(|o| outcome_label(i18n, o))
            .unwrap_or(text),
        _ => text,
    };
    format!("{what}{} {text}", t_string!(i18n, public.colon))
}

use leptos_i18n::I18nContext;
