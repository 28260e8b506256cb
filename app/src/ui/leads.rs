//! 基层上报 in the staff application. A grid worker's page (phone first, 360 px): report a
//! household that seems in difficulty, add a photo, follow one's reports. The caseworker's page
//! (tablet): the region's leads with their source, one opened beside the list, closed with a
//! reason or, with the household's consent recorded, applied for on its behalf.

use crate::api::leads::{
    close_lead, consent_lead, lead_case, lead_queue, my_reports, report_lead, ConsentInput,
    LeadLine, LeadView,
};
use crate::domain::leads::{CloseReason, ConsentForm, LeadReportDraft, LeadState};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{
    as_written, china_time, device, field_error_of, general_error, labels, ErrorBanner,
    FieldMessage, PageTitle,
};
use leptos::prelude::*;
use leptos_router::components::A;

/// The grid worker's page: the report form, then their reports.
#[component]
pub fn GridReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let mine = Resource::new(|| (), |_| my_reports());
    view! {
        <h1>{t_string!(i18n, leads.report_title)}</h1>
        <PageTitle text=t_string!(i18n, leads.report_title).to_string() />
        <p class="muted">{t_string!(i18n, leads.report_intro)}</p>
        <ReportForm on_done=Callback::new(move |_| mine.refetch()) />
        <section class="card">
            <h2>{t_string!(i18n, leads.mine_title)}</h2>
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted" id="reports-empty">{t_string!(i18n, leads.none_mine)}</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="reports" id="my-reports">
                                {list.into_iter().map(|r| view! {
                                    <li data-lead=r.id.clone() data-state=r.state.code()>
                                        <strong>{as_written(r.who)}</strong> " · " {labels::lead_state(i18n, r.state)}
                                        {r.close_reason.map(|c| view! { " (" {labels::close_reason(i18n, c)} ")" })}
                                        <br /><span class="muted">{china_time(r.at)} " · " {t_string!(i18n, leads.photos)} " " {r.files}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ReportForm(on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let seen = RwSignal::new(String::new());
    let who = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let ids = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let photo_error = RwSignal::new(None::<AppError>);
    // The report just made: its photo is added next.
    let made = RwSignal::new(None::<String>);
    let photos = RwSignal::new(0u32);
    let sending = RwSignal::new(false);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let report = LeadReportDraft {
            seen: seen.get_untracked(),
            who: who.get_untracked(),
            address: address.get_untracked(),
            contact_phone: phone.get_untracked(),
            id_numbers: ids.get_untracked(),
        };
        sending.set(true);
        leptos::task::spawn_local(async move {
            let answer = report_lead(report).await;
            sending.try_set(false);
            match answer {
                Ok(id) => {
                    error.set(None);
                    for s in [seen, who, address, phone, ids] {
                        s.set(String::new());
                    }
                    photos.set(0);
                    made.set(Some(id));
                    on_done.run(());
                    device::focus_first("#report-made".into());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let uploading = RwSignal::new(false);
    let upload = move |_| {
        let Some(lead) = made.get_untracked() else {
            return;
        };
        uploading.set(true);
        leptos::task::spawn_local(async move {
            match device::upload_lead_photo("report-photo", &lead).await {
                Ok(()) => {
                    photo_error.set(None);
                    photos.update(|n| *n += 1);
                    on_done.run(());
                }
                Err(e) => photo_error.set(Some(e)),
            }
            uploading.try_set(false);
        });
    };
    let text = move |id: &'static str,
                     sig: RwSignal<String>,
                     kind: &'static str,
                     max: &'static str| {
        view! {
            <input id=id type=kind maxlength=max prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev))
                aria-describedby=format!("{id}-error") />
        }
    };
    view! {
        {move || made.get().map(|_| view! {
            <section class="card" id="report-made">
                <h2 tabindex="-1">{t_string!(i18n, leads.made)}</h2>
                <p>{t_string!(i18n, leads.photo_hint)}</p>
                <label for="report-photo">{t_string!(i18n, leads.photo)}</label>
                <input type="file" id="report-photo" accept="image/jpeg,image/png" capture="environment" />
                <ErrorBanner error=photo_error />
                {move || (photos.get() > 0).then(|| view! { <p class="banner ok" id="photo-added">{t_string!(i18n, leads.photo_added)} " " {photos.get()}</p> })}
                <button type="button" id="report-photo-upload" on:click=upload disabled=move || uploading.get()>{t_string!(i18n, leads.photo_upload)}</button>
                " "
                <button type="button" class="link" on:click=move |_| made.set(None)>{t_string!(i18n, leads.another)}</button>
            </section>
        })}
        <form class="card report-form" id="report-form" on:submit=send novalidate hidden=move || made.get().is_some()>
            <label for="report-seen">{t_string!(i18n, leads.seen)}</label>
            <textarea id="report-seen" rows="4" maxlength="1000" aria-describedby="report-seen-error"
                prop:value=seen on:input=move |ev| seen.set(event_target_value(&ev))></textarea>
            <FieldMessage error=field_error_of(error, "seen") id="report-seen-error" />
            <label for="report-who">{t_string!(i18n, leads.who)}</label>
            {text("report-who", who, "text", "50")}
            <FieldMessage error=field_error_of(error, "who") id="report-who-error" />
            <label for="report-address">{t_string!(i18n, leads.address)}</label>
            {text("report-address", address, "text", "100")}
            <FieldMessage error=field_error_of(error, "address") id="report-address-error" />
            <label for="report-phone">{t_string!(i18n, leads.contact_phone)}</label>
            <input id="report-phone" type="tel" inputmode="tel" autocomplete="off" maxlength="20" aria-describedby="report-phone-error"
                prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "contact_phone") id="report-phone-error" />
            <label for="report-ids">{t_string!(i18n, leads.id_numbers)}</label>
            <textarea id="report-ids" rows="2" maxlength="250" autocomplete="off" aria-describedby="report-ids-hint report-ids-error"
                prop:value=ids on:input=move |ev| ids.set(event_target_value(&ev))></textarea>
            <p class="muted" id="report-ids-hint">{t_string!(i18n, leads.id_numbers_hint)}</p>
            <FieldMessage error=field_error_of(error, "id_numbers") id="report-ids-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary big" id="report-send" disabled=move || sending.get()>{t_string!(i18n, leads.send)}</button>
        </form>
    }
}

/// The caseworker's page: the region's leads, one opened beside the list.
#[component]
pub fn LeadsPage() -> impl IntoView {
    let i18n = use_i18n();
    let done = RwSignal::new(false);
    let queue = Resource::new(move || done.get(), lead_queue);
    let open = RwSignal::new(None::<String>);
    view! {
        <h1>{t_string!(i18n, leads.queue_title)}</h1>
        <PageTitle text=t_string!(i18n, leads.queue_title).to_string() />
        <label class="check">
            <input type="checkbox" id="leads-done" prop:checked=done on:change=move |ev| done.set(event_target_checked(&ev)) />
            <span>{t_string!(i18n, leads.with_done)}</span>
        </label>
        <div class="split">
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(lines) if lines.is_empty() => view! { <p class="muted" id="leads-empty">{t_string!(i18n, leads.none)}</p> }.into_any(),
                        Ok(lines) => view! { <LeadTable lines open /> }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || open.get().map(|id| view! { <LeadCard id on_change=Callback::new(move |_| queue.refetch()) /> })}
        </div>
    }
}

#[component]
fn LeadTable(lines: Vec<LeadLine>, open: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-scroll" tabindex="0">
            <table id="lead-queue">
                <thead><tr>
                    <th>{t_string!(i18n, leads.who)}</th><th>{t_string!(i18n, leads.place)}</th>
                    <th>{t_string!(i18n, leads.source_label)}</th><th>{t_string!(i18n, leads.state_label)}</th>
                    <th>{t_string!(i18n, leads.reported_at)}</th>
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|l| {
                        let id = l.id.clone();
                        view! {
                            <tr data-lead=l.id.clone()>
                                <td><button type="button" class="link" on:click=move |_| open.set(Some(id.clone()))>{as_written(l.who.clone())}</button></td>
                                <td>{as_written(l.region_name.clone())}</td>
                                <td>{labels::lead_source(i18n, l.source)} " · " {as_written(l.reporter.clone())}</td>
                                <td>{labels::lead_state(i18n, l.state)}
                                    {l.application_number.clone().map(|n| view! { " " <A href=format!("/applications/{n}")>{n.clone()}</A> })}</td>
                                <td>{china_time(l.at)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn LeadCard(id: String, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let key = id.clone();
    let case = Resource::new(move || key.clone(), lead_case);
    view! {
        <section class="card" id="lead-case">
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match case.await {
                        Ok(c) => view! { <LeadDetails c on_change=Callback::new(move |_| { case.refetch(); on_change.run(()); }) /> }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LeadDetails(c: LeadView, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let LeadView {
        line,
        seen,
        address,
        contact_phone,
        id_numbers,
        known,
        files,
        note,
        consent_by,
        consent_form,
        consent_on,
    } = c;
    let id = line.id.clone();
    let state = line.state;
    view! {
        <h2>{as_written(line.who.clone())} " · " {labels::lead_state(i18n, state)}</h2>
        <dl>
            <dt>{t_string!(i18n, leads.source_label)}</dt><dd>{labels::lead_source(i18n, line.source)} " · " {as_written(line.reporter.clone())} " · " {china_time(line.at)}</dd>
            <dt>{t_string!(i18n, leads.place)}</dt><dd>{as_written(line.region_name.clone())} " " <span class="mono">{line.region.clone()}</span></dd>
            {(!address.is_empty()).then(|| view! { <dt>{t_string!(i18n, leads.address)}</dt><dd>{as_written(address.clone())}</dd> })}
            {(!contact_phone.is_empty()).then(|| view! { <dt>{t_string!(i18n, leads.contact_phone)}</dt><dd class="mono">{contact_phone.clone()}</dd> })}
            {(!id_numbers.is_empty()).then(|| view! { <dt>{t_string!(i18n, leads.id_numbers)}</dt><dd class="mono" id="lead-ids">{id_numbers.join(" ")}</dd> })}
            {line.application_number.clone().map(|n| view! { <dt>{t_string!(i18n, leads.application)}</dt><dd><A href=format!("/applications/{n}") attr:id="lead-application">{n.clone()}</A></dd> })}
            {line.close_reason.map(|r| view! { <dt>{t_string!(i18n, leads.reason_label)}</dt><dd>{labels::close_reason(i18n, r)}</dd> })}
            {consent_form.map(|f| view! { <dt>{t_string!(i18n, leads.consent_title)}</dt><dd id="lead-consent">{as_written(consent_by.clone())} " · " {labels::consent_form(i18n, f)} " · " {consent_on.clone().unwrap_or_default()}</dd> })}
            {(!note.is_empty()).then(|| view! { <dt>{t_string!(i18n, leads.note)}</dt><dd>{as_written(note.clone())}</dd> })}
        </dl>
        <p class="complaint-body" id="lead-seen">{as_written(seen)}</p>
        {(!files.is_empty()).then(|| view! {
            <ul class="complaint-files" id="lead-files">
                {files.into_iter().map(|(id, name)| view! { <li><a href=format!("/leads/files/{id}") target="_blank" rel="noopener">{as_written(name)}</a></li> }).collect_view()}
            </ul>
        })}
        {(!known.is_empty()).then(|| view! {
            <div class="banner" id="lead-known">
                <p>{t_string!(i18n, leads.known)}</p>
                <ul>
                    {known.into_iter().map(|k| view! {
                        <li><span class="mono">{k.id_number.clone()}</span> " → "
                            <A href=format!("/staff/households/{}", k.household_id)>{crate::ui::cycle::standing(i18n, Some(k.standing))}</A>
                            {k.latest_number.clone().map(|n| view! { " · " {n} })}</li>
                    }).collect_view()}
                </ul>
            </div>
        })}
        {(state == LeadState::Consented).then(|| view! {
            <p><A href=format!("/staff/leads/{id}/declare") attr:id="lead-declare" attr:class="button primary">{t_string!(i18n, leads.declare)}</A></p>
        })}
        {state.is_open().then(|| view! {
            <ConsentForm lead=line.id.clone() phone=contact_phone on_change />
            <CloseForm lead=line.id.clone() on_change />
        })}
    }
}

#[component]
fn ConsentForm(lead: String, phone: String, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let by = RwSignal::new(String::new());
    let form = RwSignal::new(String::new());
    let on = RwSignal::new(device::today_china().to_string());
    let phone = RwSignal::new(phone);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let lead = StoredValue::new(lead);
    let save = Action::new(move |c: &ConsentInput| consent_lead(c.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            error.set(None);
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <form id="lead-consent-form" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(ConsentInput {
                lead: lead.get_value(),
                by: by.get_untracked(),
                form: form.get_untracked(),
                on: on.get_untracked(),
                phone: phone.get_untracked(),
                note: note.get_untracked(),
            });
        }>
            <h3>{t_string!(i18n, leads.consent_title)}</h3>
            <p class="muted">{t_string!(i18n, leads.consent_intro)}</p>
            <label for="consent-by">{t_string!(i18n, leads.consent_by)}</label>
            <input id="consent-by" maxlength="30" prop:value=by on:input=move |ev| by.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "by") id="consent-by-error" />
            <label for="consent-form">{t_string!(i18n, leads.consent_form)}</label>
            <select id="consent-form" on:change=move |ev| form.set(event_target_value(&ev))>
                <option value="">{t_string!(i18n, complaints.choose)}</option>
                {ConsentForm::ALL.into_iter().map(|f| view! { <option value=f.code()>{labels::consent_form(i18n, f)}</option> }).collect_view()}
            </select>
            <FieldMessage error=field_error_of(error, "form") id="consent-form-error" />
            <label for="consent-on">{t_string!(i18n, leads.consent_on)}</label>
            <input id="consent-on" type="date" prop:value=on on:input=move |ev| on.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "on") id="consent-on-error" />
            <label for="consent-phone">{t_string!(i18n, leads.consent_phone)}</label>
            <input id="consent-phone" type="tel" inputmode="tel" maxlength="20" prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) />
            <FieldMessage error=field_error_of(error, "phone") id="consent-phone-error" />
            <label for="consent-note">{t_string!(i18n, leads.note)}</label>
            <textarea id="consent-note" rows="2" maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <FieldMessage error=field_error_of(error, "note") id="consent-note-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" id="consent-save" disabled=move || save.pending().get()>{t_string!(i18n, leads.consent_save)}</button>
        </form>
    }
}

#[component]
fn CloseForm(lead: String, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let lead = StoredValue::new(lead);
    let close = Action::new(move |(r, n): &(String, String)| {
        close_lead(lead.get_value(), r.clone(), n.clone())
    });
    Effect::new(move |_| match close.value().get() {
        Some(Ok(())) => {
            error.set(None);
            on_change.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <form id="lead-close-form" on:submit=move |ev| {
            ev.prevent_default();
            close.dispatch((reason.get_untracked(), note.get_untracked()));
        }>
            <h3>{t_string!(i18n, leads.close_title)}</h3>
            <label for="close-reason">{t_string!(i18n, leads.reason_label)}</label>
            <select id="close-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                <option value="">{t_string!(i18n, complaints.choose)}</option>
                {CloseReason::ALL.into_iter().map(|r| view! { <option value=r.code()>{labels::close_reason(i18n, r)}</option> }).collect_view()}
            </select>
            <FieldMessage error=field_error_of(error, "reason") id="close-reason-error" />
            <label for="close-note">{t_string!(i18n, leads.note)}</label>
            <textarea id="close-note" rows="2" maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <FieldMessage error=field_error_of(error, "note") id="close-note-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" id="close-save" disabled=move || close.pending().get()>{t_string!(i18n, leads.close)}</button>
        </form>
    }
}
