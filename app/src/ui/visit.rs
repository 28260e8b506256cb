//! 入户调查 on a tablet: the visit form keeps every keystroke on the device, a finished visit
//! waits in the device's outbox until the network answers, and a visit someone else recorded
//! meanwhile is shown side by side for the caseworker to decide — never overwritten.

use crate::api::household::{case_visits, record_visit, VisitSync, VisitView};
use crate::domain::declaration::FieldError;
use crate::domain::visit::{Visit, VisitDraft, MAX_PHOTOS};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::PageTitle;
use crate::ui::{china_time, device, labels, ErrorBanner, FieldMessage, ForRoles};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

const OUTBOX_KEY: &str = "doudi.visits.outbox";

fn form_key(number: &str) -> String {
    format!("doudi.visit.form.{number}")
}

/// What this device still has to deliver. Kept in local storage until the server has it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Outbox {
    pending: Vec<VisitDraft>,
    /// Sent, but others recorded visits the form did not know of.
    conflicts: Vec<(VisitDraft, Vec<VisitView>)>,
    /// Sent, and refused (e.g. the case was closed meanwhile): kept until the caseworker discards it.
    refused: Vec<(VisitDraft, AppError)>,
}

impl Outbox {
    fn load() -> Self {
        device::local_load(OUTBOX_KEY)
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    fn save(&self) {
        device::local_save(OUTBOX_KEY, &serde_json::to_string(self).unwrap_or_default());
    }
}

#[component]
pub fn VisitPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let number = move || params.with(|p| p.get("number").unwrap_or_default());
    let visits = Resource::new(number, case_visits);
    view! {
        <h1>{t_string!(i18n, visit.title)} " " <span class="mono">{number}</span></h1>
        <PageTitle text=format!("{} {}", t_string!(i18n, visit.title), number()) />
        <p><A href=move || format!("/applications/{}", number())>{t_string!(i18n, visit.back)}</A></p>
        <ForRoles roles=&[crate::domain::status::Role::Caseworker]>
            {move || view! { <VisitDeclared number=number() /> <VisitWorkspace number=number() visits /> }}
        </ForRoles>
    }
    .into_any()
}

/// What the household declared (address, phone, difficulty, incomes): the caseworker arranges
/// the visit by phone and checks the declaration on the spot. Read like the case page (logged).
#[component]
fn VisitDeclared(number: String) -> impl IntoView {
    use crate::ui::portal::applications::Declared;
    let application = Resource::new(
        move || number.clone(),
        crate::api::applications::application_declared,
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                application.await.ok().map(|(declared, region_name)| view! { <Declared declared region_name /> })
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn VisitWorkspace(
    number: String,
    visits: Resource<Result<Vec<VisitView>, AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let number = StoredValue::new(number);
    let outbox = RwSignal::new(Outbox::default());
    let form = RwSignal::new(VisitDraft::default());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let error = RwSignal::new(None::<AppError>);
    let syncing = RwSignal::new(false);
    let synced = RwSignal::new(false);
    let ready = RwSignal::new(false);

    // The newest visit the server showed this device: a new visit is based on it.
    let newest = move || {
        visits
            .get()
            .and_then(|r| r.ok())
            .and_then(|v| v.last().map(|v| v.id.clone()))
    };

    // In the browser: restore the form being typed (or start one) and the outbox.
    Effect::new(move |_| {
        if ready.get_untracked() {
            return;
        }
        let n = number.get_value();
        let restored = device::local_load(&form_key(&n))
            .and_then(|s| serde_json::from_str::<VisitDraft>(&s).ok());
        form.set(restored.unwrap_or_else(|| VisitDraft {
            id: device::new_device_id("visit"),
            application: n,
            visited_on: device::today_china().to_string(),
            ..Default::default()
        }));
        outbox.set(Outbox::load());
        ready.set(true);
    });
    // Every change to the form is kept on the device at once.
    Effect::new(move |_| {
        let f = form.get();
        if ready.get_untracked() {
            device::local_save(
                &form_key(&f.application),
                &serde_json::to_string(&f).unwrap_or_default(),
            );
        }
    });

    let flush = Action::new(move |_: &()| async move {
        let mut ob = Outbox::load();
        let mut delivered = false;
        let mut remaining = Vec::new();
        let mut stop = false;
        for v in std::mem::take(&mut ob.pending) {
            if stop {
                remaining.push(v);
                continue;
            }
            match record_visit(v.clone()).await {
                Ok(VisitSync::Recorded | VisitSync::AlreadyRecorded) => delivered = true,
                Ok(VisitSync::Conflict(others)) => ob.conflicts.push((v, others)),
                // No network, or the server busy: keep it and everything after it for the next try.
                Err(AppError::Network | AppError::Busy) => {
                    stop = true;
                    remaining.push(v);
                }
                Err(e) => ob.refused.push((v, e)),
            }
        }
        ob.pending = remaining;
        ob.save();
        (ob, delivered)
    });
    Effect::new(move |_| {
        if let Some((ob, delivered)) = flush.value().get() {
            outbox.set(ob);
            syncing.set(false);
            if delivered {
                synced.set(true);
                visits.refetch();
            }
        }
    });
    let sync = move || {
        if !flush.pending().get_untracked() && !Outbox::load().pending.is_empty() {
            syncing.set(true);
            flush.dispatch(());
        }
    };
    // Whatever waits is sent when the page opens and whenever the network returns.
    Effect::new(move |_| {
        if ready.get() {
            sync();
        }
    });
    let _online = window_event_listener(leptos::ev::online, move |_| sync());

    let save = move |_| {
        let mut draft = form.get_untracked();
        draft.based_on = newest();
        draft.saved_at = device::now_millis();
        match Visit::parse(&draft, device::today_china()) {
            Err(errs) => errors.set(errs),
            Ok(_) => {
                errors.set(Vec::new());
                let mut ob = Outbox::load();
                if !ob.pending.iter().any(|p| p.id == draft.id) {
                    ob.pending.push(draft.clone());
                }
                ob.save();
                outbox.set(ob);
                synced.set(false);
                // A fresh form for a further visit; the finished one waits in the outbox.
                let next = VisitDraft {
                    id: device::new_device_id("visit"),
                    application: draft.application.clone(),
                    visited_on: device::today_china().to_string(),
                    ..Default::default()
                };
                device::local_remove(&form_key(&draft.application));
                form.set(next);
                sync();
            }
        }
    };
    let field_error = move |field: &'static str| {
        Signal::derive(move || errors.with(|e| e.iter().find(|x| x.field == field).map(|x| x.code)))
    };
    let text_field = move |id: &'static str,
                           field: &'static str,
                           get: fn(&VisitDraft) -> String,
                           set: fn(&mut VisitDraft, String),
                           rows: &'static str| {
        view! {
            <div class="field">
                <label for=id>{visit_label(i18n, field)}</label>
                <textarea id=id rows=rows maxlength="2000" prop:value=move || form.with(get) on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))></textarea>
                <FieldMessage error=field_error(field) id=format!("{id}-error") />
            </div>
        }
    };
    let photo_error = RwSignal::new(None::<AppError>);
    let add_photo =
        Action::new_local(move |_: &()| device::photo_from_input("visit-photo-input", 1280.0));
    Effect::new(move |_| match add_photo.value().get() {
        Some(Ok(url)) => {
            photo_error.set(None);
            form.update(|f| {
                if f.photos.len() < MAX_PHOTOS {
                    f.photos.push(url)
                }
            });
        }
        Some(Err(e)) => photo_error.set(Some(e)),
        None => {}
    });

    view! {
        <section id="visit-outbox" aria-live="polite">
            {move || {
                let ob = outbox.get();
                let mine = ob.pending.len();
                view! {
                    {(mine > 0).then(|| view! { <p class="banner warn" id="visit-pending">{t!(i18n, visit.pending, count = mine)}</p> })}
                    {(mine == 0 && synced.get()).then(|| view! { <p class="banner ok" id="visit-synced">{t_string!(i18n, visit.synced)}</p> })}
                    {move || syncing.get().then(|| view! { <p class="muted">{t_string!(i18n, visit.syncing)}</p> })}
                    {ob.conflicts.into_iter().map(|(mine, others)| view! {
                        <ConflictCard mine others outbox sync=Callback::new(move |_| sync()) />
                    }).collect_view()}
                    {ob.refused.into_iter().map(|(v, e)| {
                        let id = v.id.clone();
                        view! {
                            <div class="banner error">
                                {t_string!(i18n, visit.refused)} " " {v.visited_on.clone()} " — " {labels::app_error(i18n, &e)}
                                <button type="button" on:click=move |_| {
                                    let mut ob = Outbox::load();
                                    ob.refused.retain(|(x, _)| x.id != id);
                                    ob.save();
                                    outbox.set(ob);
                                }>{t_string!(i18n, visit.discard)}</button>
                            </div>
                        }
                    }).collect_view()}
                    {(mine > 0).then(|| view! { <button type="button" id="visit-sync" on:click=move |_| sync()>{t_string!(i18n, visit.sync_now)}</button> })}
                }
            }}
        </section>
        <form class="card" id="visit-form" on:submit=move |ev| { ev.prevent_default(); save(()); }>
            <h2>{t_string!(i18n, visit.form_title)}</h2>
            <p class="muted">{t_string!(i18n, visit.offline_note)}</p>
            <div class="field">
                <label for="visit-date">{t_string!(i18n, visit.visited_on)}</label>
                <input id="visit-date" type="date" prop:value=move || form.with(|f| f.visited_on.clone())
                    on:input=move |ev| form.update(|f| f.visited_on = event_target_value(&ev)) />
                <FieldMessage error=field_error("visited_on") id="visit-date-error" />
            </div>
            {text_field("visit-present", "present", |f| f.present.clone(), |f, v| f.present = v, "2")}
            {text_field("visit-housing", "housing", |f| f.housing.clone(), |f, v| f.housing = v, "3")}
            {text_field("visit-living", "living", |f| f.living.clone(), |f, v| f.living = v, "3")}
            {text_field("visit-assets", "assets_seen", |f| f.assets_seen.clone(), |f, v| f.assets_seen = v, "3")}
            {text_field("visit-notes", "notes", |f| f.notes.clone(), |f, v| f.notes = v, "3")}
            <div class="field">
                <label for="visit-second">{t_string!(i18n, visit.second_staff)}</label>
                <input id="visit-second" maxlength="30" prop:value=move || form.with(|f| f.second_staff.clone())
                    on:input=move |ev| form.update(|f| f.second_staff = event_target_value(&ev)) />
                <FieldMessage error=field_error("second_staff") id="visit-second-error" />
            </div>
            <fieldset>
                <legend>{t_string!(i18n, visit.photos)}</legend>
                <div class="photos">
                    {move || form.with(|f| f.photos.clone()).into_iter().enumerate().map(|(i, url)| view! {
                        <figure>
                            <img src=url alt=move || format!("{} {}", t_string!(i18n, visit.photo), i + 1) />
                            <button type="button" on:click=move |_| form.update(|f| { if i < f.photos.len() { f.photos.remove(i); } })>{t_string!(i18n, visit.remove)}</button>
                        </figure>
                    }).collect_view()}
                </div>
                <label for="visit-photo-input">{t_string!(i18n, visit.add_photo)}</label>
                <input id="visit-photo-input" type="file" accept="image/*" capture="environment"
                    on:change=move |_| { add_photo.dispatch(()); }
                    disabled=move || form.with(|f| f.photos.len() >= MAX_PHOTOS) />
                <FieldMessage error=field_error("photos") id="visit-photos-error" />
                <ErrorBanner error=photo_error />
            </fieldset>
            <SignaturePad id="sign-resident" field="sign_resident" form get=|f| f.sign_resident.clone() set=|f, v| f.sign_resident = v error=field_error("sign_resident") />
            <SignaturePad id="sign-staff" field="sign_staff" form get=|f| f.sign_staff.clone() set=|f, v| f.sign_staff = v error=field_error("sign_staff") />
            <SignaturePad id="sign-second" field="sign_second_staff" form get=|f| f.sign_second_staff.clone() set=|f, v| f.sign_second_staff = v error=field_error("sign_second_staff") />
            <ErrorBanner error />
            <button type="submit" class="primary" id="visit-save">{t_string!(i18n, visit.save)}</button>
        </form>
        <section class="card">
            <h2>{t_string!(i18n, visit.recorded)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match visits.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted" id="visits-none">{t_string!(i18n, visit.none)}</p> }.into_any(),
                        Ok(list) => view! { <div id="visits">{list.into_iter().map(|v| view! { <VisitCard visit=v /> }).collect_view()}</div> }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

fn visit_label(i18n: leptos_i18n::I18nContext<Locale>, field: &str) -> String {
    match field {
        "present" => t_string!(i18n, visit.present),
        "housing" => t_string!(i18n, visit.housing),
        "living" => t_string!(i18n, visit.living),
        "assets_seen" => t_string!(i18n, visit.assets_seen),
        "notes" => t_string!(i18n, visit.notes),
        "sign_resident" => t_string!(i18n, visit.sign_resident),
        "sign_staff" => t_string!(i18n, visit.sign_staff),
        _ => t_string!(i18n, visit.sign_second_staff),
    }
    .to_string()
}

/// A finger or stylus signature, kept in the form as a PNG.
#[component]
fn SignaturePad(
    id: &'static str,
    field: &'static str,
    form: RwSignal<VisitDraft>,
    get: fn(&VisitDraft) -> String,
    set: fn(&mut VisitDraft, String),
    error: Signal<Option<crate::domain::declaration::FieldErrorCode>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawing = StoredValue::new(false);
    let signed = move || form.with(|f| !get(f).is_empty());
    view! {
        <div class="field signature">
            <label for=id>{visit_label(i18n, field)}</label>
            <div class="pad-wrap">
                <canvas id=id node_ref=canvas width="600" height="180" class="pad" role="img"
                    aria-label=visit_label(i18n, field)
                    on:pointerdown=move |ev| { if let Some(c) = canvas.get() { drawing.set_value(true); device::pad_start(&c, &ev); } }
                    on:pointermove=move |ev| { if drawing.get_value() { if let Some(c) = canvas.get() { device::pad_move(&c, &ev); } } }
                    on:pointerup=move |_| {
                        drawing.set_value(false);
                        if let Some(c) = canvas.get() { let png = device::pad_image(&c); form.update(|f| set(f, png)); }
                    }
                ></canvas>
                // A signature restored from the device is shown as the picture it is.
                {move || (signed() && !drawing.get_value()).then(|| view! { <img class="pad-saved" src=form.with(get) alt="" /> })}
            </div>
            <p class="muted">{move || if signed() { t_string!(i18n, visit.signed) } else { t_string!(i18n, visit.sign_here) }}</p>
            <button type="button" on:click=move |_| { if let Some(c) = canvas.get() { device::pad_clear(&c); } form.update(|f| set(f, String::new())); }>
                {t_string!(i18n, visit.clear)}
            </button>
            <FieldMessage error id=format!("{id}-error") />
        </div>
    }
    .into_any()
}

/// A visit of this device that met visits recorded meanwhile: both are shown; the caseworker
/// keeps theirs as a further visit or discards it.
#[component]
fn ConflictCard(
    mine: VisitDraft,
    others: Vec<VisitView>,
    outbox: RwSignal<Outbox>,
    sync: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(mine.id.clone());
    let newest = others.last().map(|v| v.id.clone());
    let resolve = move |keep: bool| {
        let mut ob = Outbox::load();
        if let Some(pos) = ob
            .conflicts
            .iter()
            .position(|(v, _)| v.id == id.get_value())
        {
            let (mut v, _) = ob.conflicts.remove(pos);
            if keep {
                v.based_on = newest.clone();
                ob.pending.push(v);
            }
        }
        ob.save();
        outbox.set(ob);
        sync.run(());
    };
    let resolve = StoredValue::new(resolve);
    view! {
        <div class="conflict card attention" id="visit-conflict">
            <h3>{t_string!(i18n, visit.conflict_title)}</h3>
            <div class="side-by-side">
                <div>
                    <h4>{t_string!(i18n, visit.conflict_mine)}</h4>
                    <p>{mine.visited_on.clone()}</p>
                    <p>{mine.housing.clone()}</p>
                    <p>{mine.living.clone()}</p>
                </div>
                <div>
                    <h4>{t_string!(i18n, visit.conflict_theirs)}</h4>
                    {others.into_iter().map(|v| view! {
                        <p>{v.visited_on.clone()} " · " {v.recorded_by.clone()} " · " {china_time(v.received_at)}</p>
                        <p>{v.notes.housing.clone()}</p>
                        <p>{v.notes.living.clone()}</p>
                    }).collect_view()}
                </div>
            </div>
            <button type="button" class="primary" id="conflict-keep" on:click=move |_| resolve.with_value(|r| r(true))>{t_string!(i18n, visit.keep_both)}</button>
            <button type="button" id="conflict-discard" on:click=move |_| resolve.with_value(|r| r(false))>{t_string!(i18n, visit.discard)}</button>
        </div>
    }
    .into_any()
}

/// A recorded visit: what was seen, photos and the three signatures.
#[component]
pub fn VisitCard(visit: VisitView) -> impl IntoView {
    let i18n = use_i18n();
    let n = visit.notes.clone();
    view! {
        <article class="visit" data-visit=visit.id.clone()>
            <h3>{visit.visited_on.clone()} " · " {visit.recorded_by.clone()} " · " {t_string!(i18n, visit.second_staff)} " " {n.second_staff.clone()}</h3>
            <dl>
                <dt>{t_string!(i18n, visit.present)}</dt><dd>{n.present.clone()}</dd>
                <dt>{t_string!(i18n, visit.housing)}</dt><dd>{n.housing.clone()}</dd>
                <dt>{t_string!(i18n, visit.living)}</dt><dd>{n.living.clone()}</dd>
                <dt>{t_string!(i18n, visit.assets_seen)}</dt><dd>{n.assets_seen.clone()}</dd>
                <dt>{t_string!(i18n, visit.notes)}</dt><dd>{n.notes.clone()}</dd>
            </dl>
            <div class="photos">
                {visit.photos.iter().enumerate().map(|(i, p)| view! { <img src=p.clone() alt=move || format!("{} {}", t_string!(i18n, visit.photo), i + 1) loading="lazy" /> }).collect_view()}
            </div>
            <div class="signatures">
                {visit.signatures.iter().map(|(role, url)| {
                    let role = role.clone();
                    view! { <figure><img src=url.clone() alt="" loading="lazy" /><figcaption>{visit_label(i18n, &role)}</figcaption></figure> }
                }).collect_view()}
            </div>
        </article>
    }
    .into_any()
}
