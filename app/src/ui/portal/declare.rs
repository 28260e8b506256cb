//! The declaration form (自主申报). Everything typed lives in one `DeclarationDraft` signal:
//! it is kept on the device at every change and saved to the server shortly after typing
//! stops, so neither a dropped connection nor a closed tab loses anything. Errors come from
//! the same `Declaration::parse` the server runs.

use crate::api::declaration::{
    load_draft, remove_attachment, save_draft, submit_declaration, DraftSave, Saved, SubmitReceipt,
};
use crate::api::leads::{save_proxy_draft, submit_proxy};
use crate::api::regions::{region_choices, PickerLevel};
use crate::api::types::{AttachmentMeta, DraftState};
use crate::domain::declaration::{
    AttachmentKind, Declaration, DeclarationDraft, DisabilityKind, FieldError, FieldErrorCode,
    Health, HelpKind, LabourCapacity, MemberDraft, Relation, Residence, Schooling, WorkStatus,
    CONSENT_TEXT_VERSION, MAX_MEMBERS,
};
use crate::domain::id_number::{IdNumber, Sex};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::PageTitle;
use crate::ui::{
    china_time, device, island_context, labels, portal_island, ErrorBanner, FieldMessage,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;

const AUTOSAVE_DELAY_MS: u64 = 800;
const RETRY_DELAY_MS: u64 = 5000;

#[component]
pub fn DeclarePage() -> impl IntoView {
    let i18n = use_i18n();
    let draft = Resource::new(|| (), |_| load_draft());
    view! {
        <h1>{t_string!(i18n, declare.title)}</h1>
        <PageTitle text=t_string!(i18n, declare.title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match draft.await {
                    Ok(state) => portal_island(state, |state| view! { <Declaration state /> }, |state| view! { <DeclarationForm state /> }),
                    Err(AppError::Unauthenticated | AppError::Forbidden) => view! {
                        <p class="notice">{t_string!(i18n, error.unauthenticated)} " " <A href="/login">{t_string!(i18n, nav.login)}</A> " · " <A href="/register">{t_string!(i18n, nav.register)}</A></p>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A caseworker fills in the declaration of a household that consented to an application
/// made on its behalf (基层上报 → 依申请 by proxy): the resident's form, saved through the lead.
#[cfg(not(feature = "portal"))]
#[component]
pub fn ProxyDeclarePage() -> impl IntoView {
    use crate::api::leads::proxy_draft;
    let i18n = use_i18n();
    let params = leptos_router::hooks::use_params_map();
    let lead = move || params.read().get("id").unwrap_or_default();
    let draft = Resource::new(lead, proxy_draft);
    view! {
        <h1>{t_string!(i18n, leads.proxy_title)}</h1>
        <PageTitle text=t_string!(i18n, leads.proxy_title).to_string() />
        <p class="notice">{t_string!(i18n, leads.proxy_intro)} " " <A href="/staff/leads">{t_string!(i18n, leads.queue_title)}</A></p>
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match draft.await {
                    Ok(state) => view! { <DeclarationForm state /> }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// [`DeclarationForm`] as the portal's island, loaded when the page is first visited (its own WASM
/// chunk). The draft comes from the page as the island's props: what an island loads is found again
/// when it hydrates only if the island asks for it as it is built, not inside a suspended part.
#[island(lazy)]
fn Declaration(state: DraftState) -> impl IntoView {
    island_context();
    view! { <DeclarationForm state /> }
}

#[derive(Clone, Debug, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved(i64),
    Failed,
    SignedOut,
}

/// What every field needs: the draft, which fields were visited, and the current errors.
#[derive(Clone, Copy)]
struct Form {
    draft: RwSignal<DeclarationDraft>,
    /// A list, not a set: a few dozen fields at most, and a set's hashing is code of its own in
    /// the phone's download.
    touched: RwSignal<Vec<String>>,
    show_all: RwSignal<bool>,
    errors: Memo<Vec<FieldError>>,
    step: RwSignal<Step>,
    /// The error list at the top: `None` hidden, `Some(Some(step))` that step's errors (after
    /// 下一步), `Some(None)` all of them (after submitting). It follows the errors as they are fixed.
    summary: RwSignal<Option<Option<Step>>>,
    /// The region picker's levels known so far (see `RegionPicker`).
    regions: RwSignal<Vec<PickerLevel>>,
}

impl Form {
    fn error(self, field: String) -> Signal<Option<FieldErrorCode>> {
        Signal::derive(move || {
            if !self.show_all.get() && !self.touched.with(|t| t.contains(&field)) {
                return None;
            }
            self.errors
                .with(|e| e.iter().find(|e| e.field == field).map(|e| e.code))
        })
    }

    fn touch(self, field: &str) {
        if !self
            .touched
            .with_untracked(|t| t.iter().any(|f| f == field))
        {
            self.touched.update(|t| t.push(field.to_string()));
        }
    }
}

/// The declaration's steps: a few short screens on a phone instead of one long page. Every step's
/// fields stay in the page (hidden when not current), so the draft, its autosave and the errors
/// are one form's; moving on saves the draft at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Step {
    Household,
    Members,
    Money,
    Needs,
    Review,
}

impl Step {
    const ALL: [Step; 5] = [
        Step::Household,
        Step::Members,
        Step::Money,
        Step::Needs,
        Step::Review,
    ];

    fn code(self) -> &'static str {
        match self {
            Step::Household => "household",
            Step::Members => "members",
            Step::Money => "money",
            Step::Needs => "needs",
            Step::Review => "review",
        }
    }

    fn number(self) -> usize {
        self as usize + 1
    }

    fn next(self) -> Step {
        Step::ALL[(self as usize + 1).min(Step::ALL.len() - 1)]
    }

    fn previous(self) -> Step {
        Step::ALL[(self as usize).saturating_sub(1)]
    }

    /// The step whose screen holds a field (the paths `Declaration::parse` reports).
    fn of_field(field: &str) -> Step {
        match field {
            "region_code" | "address" | "residence" | "contact_phone" | "description" => {
                Step::Household
            }
            "help" | "consent_verification" | "consent_charity" => Step::Needs,
            f if f == "members" || f.starts_with("members.") => Step::Members,
            _ => Step::Money,
        }
    }

    fn label(self, i18n: I18nContext<Locale>) -> String {
        match self {
            Step::Household => t_string!(i18n, declare.step_household),
            Step::Members => t_string!(i18n, declare.step_members),
            Step::Money => t_string!(i18n, declare.step_money),
            Step::Needs => t_string!(i18n, declare.step_needs),
            Step::Review => t_string!(i18n, declare.step_review),
        }
        .to_string()
    }
}

/// The control a field's error takes the person to (its `id`, as the fields below name them).
fn field_element_id(field: &str) -> String {
    if let Some((i, name)) = field
        .strip_prefix("members.")
        .and_then(|r| r.split_once('.'))
    {
        return format!("m{i}-{name}");
    }
    match field {
        "members" => "add-member".into(),
        "region_code" => "region-0".into(),
        "help" => format!("help-{}", HelpKind::ALL[0].code()),
        f => f.replace('_', "-"),
    }
}

/// What a field is called in the error list: its label, and the member's number for a member's.
fn field_label(i18n: I18nContext<Locale>, field: &str) -> String {
    if let Some((i, name)) = field
        .strip_prefix("members.")
        .and_then(|r| r.split_once('.'))
    {
        let n = i.parse::<usize>().map(|i| i + 1).unwrap_or(0);
        let label = match name {
            "relation" => t_string!(i18n, declare.relation),
            "name" => t_string!(i18n, declare.name),
            "id_number" => t_string!(i18n, declare.id_number),
            "health" => t_string!(i18n, declare.health),
            "illness" => t_string!(i18n, declare.illness),
            "disability_kind" => t_string!(i18n, declare.disability_kind),
            "disability_grade" => t_string!(i18n, declare.disability_grade),
            "schooling" => t_string!(i18n, declare.schooling),
            "work_status" => t_string!(i18n, declare.work_status),
            _ => t_string!(i18n, declare.labour_capacity),
        };
        return format!("{} {n} {label}", t_string!(i18n, declare.member_n));
    }
    match field {
        "region_code" => t_string!(i18n, declare.region),
        "address" => t_string!(i18n, declare.address),
        "residence" => t_string!(i18n, declare.residence),
        "contact_phone" => t_string!(i18n, declare.contact_phone),
        "description" => t_string!(i18n, declare.section_description),
        "members" => t_string!(i18n, declare.section_members),
        "income_wages" => t_string!(i18n, declare.income_wages),
        "income_business" => t_string!(i18n, declare.income_business),
        "income_property" => t_string!(i18n, declare.income_property),
        "income_transfers" => t_string!(i18n, declare.income_transfers),
        "income_other" => t_string!(i18n, declare.income_other),
        "deposits" => t_string!(i18n, declare.deposits),
        "housing_count" => t_string!(i18n, declare.housing_count),
        "housing_area" => t_string!(i18n, declare.housing_area),
        "vehicles" => t_string!(i18n, declare.vehicles),
        "medical_spending" => t_string!(i18n, declare.medical_spending),
        "education_spending" => t_string!(i18n, declare.education_spending),
        "disability_spending" => t_string!(i18n, declare.disability_spending),
        "income_12m" => t_string!(i18n, declare.income_12m),
        "help" => t_string!(i18n, declare.section_help),
        _ => t_string!(i18n, declare.section_consent),
    }
    .to_string()
}

impl Form {
    /// The errors on one step's screen (all of them for `None`), in the order of the form.
    fn errors_of(self, step: Option<Step>) -> Vec<FieldError> {
        self.errors.with(|e| {
            e.iter()
                .filter(|e| step.is_none_or(|s| Step::of_field(&e.field) == s))
                .cloned()
                .collect()
        })
    }

    /// Shows a step and moves the cursor to its heading (a screen reader reads where it is).
    fn go(self, step: Step) {
        self.step.set(step);
        device::focus_first(format!("#panel-{} > h2", step.code()));
    }

    /// Shows the errors of `scope` (one step, or all), on their step, and moves the cursor to
    /// the first. Returns whether there were any.
    fn stop_at_errors(self, scope: Option<Step>) -> bool {
        let errs = self.errors_of(scope);
        let Some(first) = errs.first() else {
            return false;
        };
        for e in &errs {
            self.touch(&e.field);
        }
        self.summary.set(Some(scope));
        self.step.set(Step::of_field(&first.field));
        device::focus_first(format!("#{}", field_element_id(&first.field)));
        true
    }
}

fn local_key(draft_id: &str) -> String {
    format!("doudi.draft.{draft_id}")
}

/// The copy kept on the device. `synced` is true once the server has exactly this data, so
/// no clocks are compared: an unsynced copy holds typing the server never received.
#[derive(serde::Serialize, serde::Deserialize)]
struct LocalCopy {
    synced: bool,
    data: DeclarationDraft,
}

fn keep_on_device(draft_id: &str, data: &DeclarationDraft, synced: bool) {
    if let Ok(json) = serde_json::to_string(&LocalCopy {
        synced,
        data: data.clone(),
    }) {
        device::local_save(&local_key(draft_id), &json);
    }
}

/// The draft's saving to the server: when typing pauses, at once on moving to another step, and
/// again a while after a failure. (Plain tasks rather than actions: an action's machinery is code
/// of its own in the phone's download.)
#[derive(Clone, Copy)]
struct Autosave {
    draft_id: StoredValue<String>,
    draft: RwSignal<DeclarationDraft>,
    /// Counts the saves asked for: a save waiting for a pause is dropped when another is asked.
    generation: StoredValue<u64>,
    /// What the last save sent: when the server has it and nothing was typed since, the copy
    /// on the device is marked as synced.
    sent: StoredValue<Option<DeclarationDraft>>,
    state: RwSignal<SaveState>,
    submitted: RwSignal<Option<SubmitReceipt>>,
    /// The lead whose household a caseworker fills this in for (saved through the lead, and
    /// never kept on the caseworker's device); `None` for a resident's own.
    proxy: StoredValue<Option<String>>,
}

impl Autosave {
    /// Saves the draft `delay_ms` from now, unless another save is asked before then.
    fn schedule(self, delay_ms: u64) {
        self.generation.update_value(|g| *g += 1);
        let mine = self.generation.get_value();
        set_timeout(
            move || {
                if self.generation.try_get_value() == Some(mine)
                    && self.submitted.try_with_untracked(|s| s.is_none()) == Some(true)
                {
                    self.send();
                }
            },
            std::time::Duration::from_millis(delay_ms),
        );
    }

    fn send(self) {
        self.state.set(SaveState::Saving);
        let data = self.draft.get_untracked();
        self.sent.set_value(Some(data.clone()));
        let req = DraftSave {
            draft_id: self.draft_id.get_value(),
            data,
        };
        let proxy = self.proxy.get_value();
        leptos::task::spawn_local(async move {
            let answer = match proxy {
                None => save_draft(req).await,
                Some(lead) => save_proxy_draft(lead, req).await,
            };
            self.saved(answer);
        });
    }

    fn saved(self, answer: Result<Saved, AppError>) {
        match answer {
            Ok(Saved { updated_at, .. }) => {
                self.state.try_set(SaveState::Saved(updated_at));
                self.draft.try_with_untracked(|current| {
                    if self.sent.try_get_value().flatten().as_ref() == Some(current)
                        && self.proxy.with_value(Option::is_none)
                    {
                        keep_on_device(&self.draft_id.get_value(), current, true);
                    }
                });
            }
            Err(AppError::Refused(code)) if code == "draft_submitted" => {
                self.state.try_set(SaveState::Idle);
            }
            // Retrying cannot help until the resident signs in again; the copy stays on the device.
            Err(AppError::Unauthenticated) => {
                self.state.try_set(SaveState::SignedOut);
            }
            Err(_) => {
                self.state.try_set(SaveState::Failed);
                self.schedule(RETRY_DELAY_MS);
            }
        }
    }
}

#[component]
pub(crate) fn DeclarationForm(state: DraftState) -> impl IntoView {
    let i18n = use_i18n();
    let proxy = StoredValue::new(state.proxy_for.clone());
    let draft_id = StoredValue::new(state.id.clone());
    let draft = RwSignal::new(state.data.clone());
    let attachments = RwSignal::new(state.attachments.clone());
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let errors = Memo::new(move |_| {
        let mut errs = draft.with(|d| {
            Declaration::parse(d, device::today_china())
                .err()
                .unwrap_or_default()
        });
        errs.extend(server_errors.get());
        errs
    });
    let form = Form {
        draft,
        touched: RwSignal::new(Vec::new()),
        show_all: RwSignal::new(false),
        errors,
        step: RwSignal::new(Step::Household),
        summary: RwSignal::new(None),
        regions: RwSignal::new(state.regions.clone()),
    };
    let save_state = RwSignal::new(SaveState::Idle);
    let restored = RwSignal::new(false);
    let submitted = RwSignal::new(None::<SubmitReceipt>);
    let general_error = RwSignal::new(None::<AppError>);

    let submitting = RwSignal::new(false);
    let autosave = Autosave {
        draft_id,
        draft,
        generation: StoredValue::new(0),
        sent: StoredValue::new(None),
        state: save_state,
        submitted,
        proxy,
    };
    // Typing this device kept but never got to the server (offline, tab closed) is restored.
    Effect::new(move |_| {
        if proxy.with_value(Option::is_some) {
            return;
        }
        let key = local_key(&draft_id.get_value());
        if let Some(copy) =
            device::local_load(&key).and_then(|s| serde_json::from_str::<LocalCopy>(&s).ok())
        {
            if !copy.synced && copy.data != draft.get_untracked() {
                draft.set(copy.data);
                restored.set(true);
                // Send it now: the autosave effect may not have seen the change as an edit.
                autosave.schedule(0);
            }
        }
    });

    // Every change: keep a copy on the device now, send to the server when typing pauses.
    Effect::new(move |first: Option<()>| {
        let data = draft.get();
        if first.is_some() {
            server_errors.set(Vec::new());
            if proxy.with_value(Option::is_none) {
                keep_on_device(&draft_id.get_value(), &data, false);
            }
            autosave.schedule(AUTOSAVE_DELAY_MS);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.show_all.set(true);
        general_error.set(None);
        if form.stop_at_errors(None) {
            return;
        }
        form.summary.set(None);
        let req = DraftSave {
            draft_id: draft_id.get_value(),
            data: draft.get_untracked(),
        };
        submitting.set(true);
        let lead = proxy.get_value();
        leptos::task::spawn_local(async move {
            let answer = match lead {
                None => submit_declaration(req).await,
                Some(lead) => submit_proxy(lead, req).await,
            };
            submitting.try_set(false);
            match answer {
                Ok(receipt) => {
                    device::local_remove(&local_key(&draft_id.get_value()));
                    submitted.try_set(Some(receipt));
                    device::focus_first("#submitted h2".into());
                }
                Err(AppError::Invalid(errs)) => {
                    server_errors.try_set(errs);
                    form.stop_at_errors(None);
                }
                Err(e) => {
                    general_error.try_set(Some(e));
                }
            }
        });
    };

    view! {
        {move || submitted.get().map(|receipt| view! { <Submitted receipt proxy=proxy.with_value(Option::is_some) /> })}
        // Hidden rather than removed once submitted: the form's parts are built with the island,
        // so that what they load is found again when it hydrates.
        <div hidden=move || submitted.get().is_some()>
            <p class="muted">{t_string!(i18n, declare.estimate_note)}</p>
            <p class="save-state" role="status" aria-live="polite" id="save-state">
                {move || match save_state.get() {
                    SaveState::Idle => String::new(),
                    SaveState::Saving => t_string!(i18n, declare.saving).to_string(),
                    SaveState::Saved(at) => format!("{} {}", t_string!(i18n, declare.saved_at), china_time(at)),
                    SaveState::Failed => t_string!(i18n, declare.save_failed).to_string(),
                    SaveState::SignedOut => t_string!(i18n, error.unauthenticated).to_string(),
                }}
            </p>
            {move || restored.get().then(|| view! { <p class="banner ok">{t_string!(i18n, declare.offline_restored)}</p> })}
            <StepList form />
            <form class="declaration" on:submit=on_submit novalidate>
                <ErrorSummary form />
                <StepPanel form step=Step::Household>
                    <AddressSection form />
                    <fieldset>
                        <legend>{t_string!(i18n, declare.section_description)}</legend>
                        <label for="description">{t_string!(i18n, declare.description)}</label>
                        <textarea id="description" rows="4" maxlength="2000" aria-describedby="description-error"
                            aria-invalid=move || form.error("description".into()).get().is_some().to_string()
                            prop:value=move || draft.with(|d| d.description.clone())
                            on:input=move |ev| draft.update(|d| d.description = event_target_value(&ev))
                            on:blur=move |_| form.touch("description")></textarea>
                        <FieldMessage error=form.error("description".into()) id="description-error" />
                    </fieldset>
                </StepPanel>
                <StepPanel form step=Step::Members>
                    <MembersSection form />
                </StepPanel>
                <StepPanel form step=Step::Money>
                    <MoneySection form />
                    <EstimatePanel form />
                </StepPanel>
                <StepPanel form step=Step::Needs>
                    <HelpSection form />
                    {match proxy.with_value(Option::is_none) {
                        true => view! { <AttachmentsSection draft_id=draft_id.get_value() attachments /> }.into_any(),
                        false => view! { <p class="muted" id="proxy-files-note">{t_string!(i18n, leads.proxy_files)}</p> }.into_any(),
                    }}
                    <ConsentSection form />
                </StepPanel>
                <StepPanel form step=Step::Review>
                    // Drawn again each time it is shown, not on every keystroke in another step.
                    {move || (form.step.get() == Step::Review).then(|| view! { <Review form attachments /> })}
                    <ErrorBanner error=general_error />
                    <button type="submit" id="submit-declaration" class="primary big" disabled=move || submitting.get()>
                        {move || if submitting.get() { t_string!(i18n, declare.submitting) } else { t_string!(i18n, declare.submit) }}
                    </button>
                </StepPanel>
                <StepButtons form on_next=Callback::new(move |_| autosave.schedule(0)) />
            </form>
        </div>
    }
    .into_any()
}

#[component]
fn Submitted(receipt: SubmitReceipt, proxy: bool) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/applications/{}", receipt.number);
    // How long the review takes where the household lives (a dated parameter, in the receipt).
    let time = receipt.decision_working_days.map(|days| {
        let text = t_string!(i18n, declare.next_time)
            .to_string()
            .replace("{days}", &days.to_string());
        let example = receipt
            .decision_days_example
            .then(|| format!(" [{}]", t_string!(i18n, policy.example)));
        view! { <li id="next-time">{text} {example}</li> }
    });
    view! {
        <section class="card success" id="submitted">
            <h2 tabindex="-1">{t_string!(i18n, declare.submitted_title)}</h2>
            <p>{t_string!(i18n, declare.submitted_number)} ": " <strong id="application-number">{receipt.number}</strong></p>
            {proxy.then(|| view! { <p class="banner ok" id="proxy-made">{t_string!(i18n, leads.proxy_made)}</p> })}
            <h3>{t_string!(i18n, declare.next_title)}</h3>
            <ol class="next-steps" id="next-steps">
                <li>{t_string!(i18n, declare.next_call)}</li>
                <li>{t_string!(i18n, declare.next_check)}</li>
                <li>{t_string!(i18n, declare.next_notice)}</li>
                {time}
            </ol>
            <a href=href class="button primary">{t_string!(i18n, declare.view_status)}</a>
        </section>
    }
}

/// A labelled text input bound to one draft field.
#[component]
fn TextField(
    form: Form,
    id: String,
    field: String,
    get: fn(&DeclarationDraft) -> String,
    set: fn(&mut DeclarationDraft, String),
    #[prop(optional)] inputmode: &'static str,
    #[prop(default = 200)] maxlength: usize,
    children: Children,
) -> impl IntoView {
    let err_id = format!("{id}-error");
    let f = field.clone();
    view! {
        <div class="field">
            <label for=id.clone()>{children()}</label>
            <input id=id type="text" inputmode=if inputmode.is_empty() { None } else { Some(inputmode) } maxlength=maxlength
                aria-describedby=err_id.clone()
                aria-invalid=move || form.error(f.clone()).get().is_some().to_string()
                prop:value=move || form.draft.with(get)
                on:input=move |ev| form.draft.update(|d| set(d, event_target_value(&ev)))
                on:blur={ let f = field.clone(); move |_| form.touch(&f) } />
            <FieldMessage error=form.error(field) id=err_id />
        </div>
    }
}

/// A labelled select of codes with translated labels.
#[component]
fn Choice(
    id: String,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(into)] error: Signal<Option<FieldErrorCode>>,
    /// The options' language when it is not the page's (place names are Chinese in English too).
    #[prop(optional)]
    options_lang: Option<&'static str>,
    /// The message is shown elsewhere, under this id (one message for a group of selects).
    #[prop(optional)]
    message_id: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let own_message = message_id.is_none();
    let err_id = message_id
        .map(str::to_string)
        .unwrap_or_else(|| format!("{id}-error"));
    view! {
        <div class="field">
            <label for=id.clone()>{children()}</label>
            <select id=id aria-describedby=err_id.clone()
                aria-invalid=move || error.get().is_some().to_string()
                on:change=move |ev| on_change.run(event_target_value(&ev))>
                <option value="" selected=move || value.get().is_empty()>{t_string!(i18n, common.please_choose)}</option>
                {move || options.get().into_iter().map(|(code, label)| {
                    let c = code.clone();
                    view! { <option value=code lang=options_lang selected=move || value.get() == c>{label}</option> }
                }).collect_view()}
            </select>
            {own_message.then(|| view! { <FieldMessage error id=err_id /> })}
        </div>
    }
}

fn options<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    code: fn(T) -> &'static str,
    label: fn(I18nContext<Locale>, T) -> String,
) -> Signal<Vec<(String, String)>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        all.iter()
            .map(|v| (code(*v).to_string(), label(i18n, *v)))
            .collect()
    })
}

#[component]
fn AddressSection(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    view! {
        <fieldset>
            <legend>{t_string!(i18n, declare.section_address)}</legend>
            <RegionPicker form />
            <TextField form id="address".into() field="address".into() get=|d| d.address.clone() set=|d, v| d.address = v maxlength=120>
                {t_string!(i18n, declare.address)}
            </TextField>
            <Choice id="residence".into()
                value=Signal::derive(move || draft.with(|d| d.residence.clone()))
                on_change=Callback::new(move |v| { draft.update(|d| d.residence = v); form.touch("residence") })
                options=options(&Residence::ALL, Residence::code, labels::residence)
                error=form.error("residence".into())>
                {t_string!(i18n, declare.residence)}
            </Choice>
            <TextField form id="contact-phone".into() field="contact_phone".into() get=|d| d.contact_phone.clone() set=|d, v| d.contact_phone = v inputmode="tel" maxlength=20>
                {t_string!(i18n, declare.contact_phone)}
            </TextField>
        </fieldset>
    }
    .into_any()
}

/// Province → city → county → township → village. The draft keeps the deepest code chosen; the
/// choices of every level come with the draft (`DraftState::regions`) and, after a choice, from
/// one request for all the levels below it. A level whose choices are not there yet (the level
/// above not chosen, or its request on its way) is shown all the same, disabled and as tall: the
/// form does not jump as choices arrive (layout shift on a phone).
#[component]
fn RegionPicker(form: Form) -> impl IntoView {
    use crate::ui::{chosen_at_level, region_level_label};
    let i18n = use_i18n();
    let draft = form.draft;
    let regions = form.regions;
    let code = Memo::new(move |_| draft.with(|d| d.region_code.clone()));
    // Whatever a choice (or a copy restored from the device) needs and is not here is fetched.
    // Answers are only ever added (a region's children do not change), so a slow answer arriving
    // after a later one does no harm. A level that cannot be fetched stays not yet choosable.
    Effect::new(move |_| {
        let code = code.get();
        let missing = regions.with_untracked(|r| {
            levels_needed(&code)
                .iter()
                .any(|parent| !r.iter().any(|l| &l.parent == parent))
        });
        if missing {
            leptos::task::spawn_local(async move {
                if let Ok(answer) = region_choices(code).await {
                    regions.try_update(|r| {
                        for level in answer {
                            if !r.iter().any(|l| l.parent == level.parent) {
                                r.push(level);
                            }
                        }
                    });
                }
            });
        }
    });
    let select = move |level: usize| {
        let id = format!("region-{level}");
        let chosen = Memo::new(move |_| code.with(|c| chosen_at_level(c, level)));
        let choices = Memo::new(move |_| {
            let parent = if level == 0 {
                String::new()
            } else {
                code.with(|c| chosen_at_level(c, level - 1))
            };
            if level > 0 && parent.is_empty() {
                return Vec::new();
            }
            regions.with(|r| {
                r.iter()
                    .find(|l| l.parent == parent)
                    .map(|l| l.choices.clone())
                    .unwrap_or_default()
            })
        });
        let waiting = move || choices.with(Vec::is_empty);
        view! {
            <div class="field">
                <label for=id.clone()>{region_level_label(i18n, level)}</label>
                <select id=id disabled=waiting aria-describedby="region_code-error"
                    aria-invalid=move || form.error("region_code".into()).get().is_some().to_string()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        let chosen = if v.is_empty() { level.checked_sub(1).map(|l| code.with_untracked(|c| chosen_at_level(c, l))).unwrap_or_default() } else { v };
                        draft.update(|d| d.region_code = chosen);
                        form.touch("region_code");
                    }>
                    <option value="" selected=move || chosen.with(String::is_empty)>
                        {move || if waiting() { t_string!(i18n, declare.region_choose_above) } else { t_string!(i18n, common.please_choose) }}
                    </option>
                    {move || choices.get().into_iter().map(|(value, name)| {
                        let c = value.clone();
                        view! { <option value=value lang="zh-CN" selected=move || chosen.with(|v| *v == c)>{name}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <div class="region-picker" role="group" aria-label=t_string!(i18n, declare.region)>
            {(0..5usize).map(select).collect_view()}
            <FieldMessage error=form.error("region_code".into()) id="region_code-error" />
        </div>
    }
    .into_any()
}

/// The parents whose children the picker shows for a chosen `code`: "" (the provinces), then
/// every region from the province down to `code`, except a village (it has no children).
fn levels_needed(code: &str) -> Vec<String> {
    use crate::domain::region::{RegionCode, RegionLevel};
    let mut parents = vec![String::new()];
    if let Ok(rc) = RegionCode::parse(code) {
        let deepest = (rc.level() as usize).min(RegionLevel::Township as usize);
        parents.extend((0..=deepest).map(|level| crate::ui::chosen_at_level(code, level)));
    }
    parents
}

/// The chosen region's names from the province down, from the picker's levels ("" when not
/// chosen, or a level's names are not there).
fn place_name(regions: &[PickerLevel], code: &str) -> String {
    use crate::domain::region::RegionCode;
    let Ok(rc) = RegionCode::parse(code) else {
        return String::new();
    };
    let mut names = Vec::new();
    for level in 0..=(rc.level() as usize) {
        let parent = if level == 0 {
            String::new()
        } else {
            crate::ui::chosen_at_level(code, level - 1)
        };
        let chosen = crate::ui::chosen_at_level(code, level);
        let name = regions
            .iter()
            .find(|l| l.parent == parent)
            .and_then(|l| l.choices.iter().find(|(c, _)| *c == chosen));
        match name {
            Some((_, name)) => names.push(name.clone()),
            None => return String::new(),
        }
    }
    names.join(" ")
}

#[component]
fn MembersSection(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    let count = Memo::new(move |_| draft.with(|d| d.members.len()));
    view! {
        <fieldset>
            <legend>{t_string!(i18n, declare.section_members)}</legend>
            <FieldMessage error=form.error("members".into()) id="members-error" />
            // Drawn again when a member is added or removed (a card reads its member by position).
            {move || (0..count.get()).map(|i| view! { <MemberCard form index=i /> }).collect_view()}
            <button type="button" id="add-member" disabled=move || { count.get() >= MAX_MEMBERS }
                on:click=move |_| draft.update(|d| d.members.push(MemberDraft::with_relation("")))>
                {t_string!(i18n, declare.add_member)}
            </button>
        </fieldset>
    }
    .into_any()
}

#[component]
fn MemberCard(form: Form, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    let get = move |f: fn(&MemberDraft) -> String| {
        Signal::derive(move || draft.with(|d| d.members.get(index).map(f).unwrap_or_default()))
    };
    let setter = move |f: fn(&mut MemberDraft, String), name: &'static str| {
        Callback::new(move |v: String| {
            draft.update(|d| {
                if let Some(m) = d.members.get_mut(index) {
                    f(m, v)
                }
            });
            form.touch(&format!("members.{index}.{name}"));
        })
    };
    let field = move |name: &str| format!("members.{index}.{name}");
    let id = move |name: &str| format!("m{index}-{name}");
    let text = move |name: &'static str,
                     f: fn(&MemberDraft) -> String,
                     set: fn(&mut MemberDraft, String),
                     max: usize| {
        let fid = id(name);
        let err_id = format!("{fid}-error");
        let fname = field(name);
        let value = get(f);
        let invalid = form.error(fname.clone());
        view! {
            <input id=fid type="text" maxlength=max aria-describedby=err_id.clone()
                aria-invalid=move || invalid.get().is_some().to_string()
                prop:value=value
                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(m) = d.members.get_mut(index) { set(m, v) }); }
                on:blur={ let n = fname.clone(); move |_| form.touch(&n) } />
            <FieldMessage error=form.error(fname) id=err_id />
        }
    };
    let id_value = get(|m| m.id_number.clone());
    let derived = move || {
        IdNumber::parse(&id_value.get(), device::today_china())
            .ok()
            .map(|id| {
                let sex = if id.sex() == Sex::Male {
                    t_string!(i18n, declare.sex_male)
                } else {
                    t_string!(i18n, declare.sex_female)
                };
                format!("{} · {}", id.birth_date(), sex)
            })
    };
    let is_head = Signal::derive(move || {
        draft.with(|d| {
            d.members
                .get(index)
                .is_some_and(|m| m.relation == Relation::Head.code())
        })
    });
    let health = get(|m| m.health.clone());
    let disability = get(|m| m.disability_kind.clone());
    // Memos: the parts below are drawn again when these change, not at every keystroke.
    let ill = Memo::new(move |_| {
        let h = health.get();
        h == "chronic" || h == "serious_illness"
    });
    let disabled = Memo::new(move |_| {
        let k = disability.get();
        !k.is_empty() && k != "none"
    });
    view! {
        <div class="member card" id=format!("member-{index}")>
            <h3 class="member-title">{t_string!(i18n, declare.member_n)} " " {index + 1}</h3>
            <Choice id=id("relation") value=get(|m| m.relation.clone()) on_change=setter(|m, v| m.relation = v, "relation")
                options=options(&Relation::ALL, Relation::code, labels::relation) error=form.error(field("relation"))>
                {t_string!(i18n, declare.relation)}
            </Choice>
            <div class="field">
                <label for=id("name")>{t_string!(i18n, declare.name)}</label>
                {text("name", |m| m.name.clone(), |m, v| m.name = v, 30)}
            </div>
            <div class="field">
                <label for=id("id_number")>{t_string!(i18n, declare.id_number)}</label>
                {text("id_number", |m| m.id_number.clone(), |m, v| m.id_number = v, 18)}
                {move || derived().map(|d| view! { <p class="hint derived"><span class="sr-only">{t_string!(i18n, declare.derived)} ": "</span>{d}</p> })}
            </div>
            <Choice id=id("health") value=health on_change=setter(|m, v| m.health = v, "health")
                options=options(&Health::ALL, Health::code, labels::health) error=form.error(field("health"))>
                {t_string!(i18n, declare.health)}
            </Choice>
            {move || ill.get().then(|| view! {
                <div class="field">
                    <label for=id("illness")>{t_string!(i18n, declare.illness)}</label>
                    {text("illness", |m| m.illness.clone(), |m, v| m.illness = v, 100)}
                </div>
            })}
            <Choice id=id("disability_kind") value=disability on_change=setter(|m, v| m.disability_kind = v, "disability_kind")
                options=options(&DisabilityKind::ALL, DisabilityKind::code, labels::disability) error=form.error(field("disability_kind"))>
                {t_string!(i18n, declare.disability_kind)}
            </Choice>
            {move || disabled.get().then(|| view! {
                <Choice id=id("disability_grade") value=get(|m| m.disability_grade.clone()) on_change=setter(|m, v| m.disability_grade = v, "disability_grade")
                    options=Signal::derive(move || (1..=4).map(|g| (g.to_string(), format!("{g} {}", t_string!(i18n, declare.grade_n)))).collect())
                    error=form.error(field("disability_grade"))>
                    {t_string!(i18n, declare.disability_grade)}
                </Choice>
            })}
            <Choice id=id("schooling") value=get(|m| m.schooling.clone()) on_change=setter(|m, v| m.schooling = v, "schooling")
                options=options(&Schooling::ALL, Schooling::code, labels::schooling) error=form.error(field("schooling"))>
                {t_string!(i18n, declare.schooling)}
            </Choice>
            <Choice id=id("work_status") value=get(|m| m.work_status.clone()) on_change=setter(|m, v| m.work_status = v, "work_status")
                options=options(&WorkStatus::ALL, WorkStatus::code, labels::work) error=form.error(field("work_status"))>
                {t_string!(i18n, declare.work_status)}
            </Choice>
            <Choice id=id("labour_capacity") value=get(|m| m.labour_capacity.clone()) on_change=setter(|m, v| m.labour_capacity = v, "labour_capacity")
                options=options(&LabourCapacity::ALL, LabourCapacity::code, labels::labour) error=form.error(field("labour_capacity"))>
                {t_string!(i18n, declare.labour_capacity)}
            </Choice>
            <button type="button" class="danger" id=format!("remove-member-{index}") hidden=move || is_head.get()
                on:click=move |_| draft.update(|d| { if index < d.members.len() { d.members.remove(index); } })>
                {t_string!(i18n, declare.remove_member)}
            </button>
        </div>
    }
    .into_any()
}

#[component]
fn MoneySection(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    view! {
        <fieldset>
            <legend>{t_string!(i18n, declare.section_income)}</legend>
            <TextField form id="income-wages".into() field="income_wages".into() get=|d| d.income_wages.clone() set=|d, v| d.income_wages = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.income_wages)}</TextField>
            <TextField form id="income-business".into() field="income_business".into() get=|d| d.income_business.clone() set=|d, v| d.income_business = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.income_business)}</TextField>
            <TextField form id="income-property".into() field="income_property".into() get=|d| d.income_property.clone() set=|d, v| d.income_property = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.income_property)}</TextField>
            <TextField form id="income-transfers".into() field="income_transfers".into() get=|d| d.income_transfers.clone() set=|d, v| d.income_transfers = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.income_transfers)}</TextField>
            <TextField form id="income-other".into() field="income_other".into() get=|d| d.income_other.clone() set=|d, v| d.income_other = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.income_other)}</TextField>
        </fieldset>
        <fieldset>
            <legend>{t_string!(i18n, declare.section_income_12m)}</legend>
            <TextField form id="income-12m".into() field="income_12m".into() get=|d| d.income_12m.clone() set=|d, v| d.income_12m = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.income_12m)}</TextField>
            <div class="check">
                <input id="income-changed" type="checkbox" prop:checked=move || draft.with(|d| d.income_changed)
                    on:change=move |ev| draft.update(|d| d.income_changed = event_target_checked(&ev)) />
                <label for="income-changed">{t_string!(i18n, declare.income_changed)}</label>
            </div>
        </fieldset>
        <fieldset>
            <legend>{t_string!(i18n, declare.section_assets)}</legend>
            <TextField form id="deposits".into() field="deposits".into() get=|d| d.deposits.clone() set=|d, v| d.deposits = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.deposits)}</TextField>
            <TextField form id="housing-count".into() field="housing_count".into() get=|d| d.housing_count.clone() set=|d, v| d.housing_count = v inputmode="numeric" maxlength=3>{t_string!(i18n, declare.housing_count)}</TextField>
            <TextField form id="housing-area".into() field="housing_area".into() get=|d| d.housing_area.clone() set=|d, v| d.housing_area = v inputmode="decimal" maxlength=10>{t_string!(i18n, declare.housing_area)}</TextField>
            <TextField form id="vehicles".into() field="vehicles".into() get=|d| d.vehicles.clone() set=|d, v| d.vehicles = v inputmode="numeric" maxlength=3>{t_string!(i18n, declare.vehicles)}</TextField>
            <div class="check">
                <input id="has-business" type="checkbox" prop:checked=move || draft.with(|d| d.has_business)
                    on:change=move |ev| draft.update(|d| d.has_business = event_target_checked(&ev)) />
                <label for="has-business">{t_string!(i18n, declare.has_business)}</label>
            </div>
        </fieldset>
        <fieldset>
            <legend>{t_string!(i18n, declare.section_spending)}</legend>
            <TextField form id="medical-spending".into() field="medical_spending".into() get=|d| d.medical_spending.clone() set=|d, v| d.medical_spending = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.medical_spending)}</TextField>
            <TextField form id="education-spending".into() field="education_spending".into() get=|d| d.education_spending.clone() set=|d, v| d.education_spending = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.education_spending)}</TextField>
            <TextField form id="disability-spending".into() field="disability_spending".into() get=|d| d.disability_spending.clone() set=|d, v| d.disability_spending = v inputmode="decimal" maxlength=20>{t_string!(i18n, declare.disability_spending)}</TextField>
        </fieldset>
    }
    .into_any()
}

/// 初步估算: the assessment computed here in the browser from what is typed, with the
/// parameters in force for the chosen village. No round trip per keystroke: the parameters
/// are fetched once per village and urban/rural.
#[component]
fn EstimatePanel(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    // Computed and drawn once opened, not before: neither the server's page nor the island's
    // start on a phone carries the whole explanation of a draft that already has a village.
    let opened = RwSignal::new(false);
    view! {
        // One line until opened: the full estimate takes three phone screens.
        <details class="estimate" id="estimate">
            <summary on:click=move |_| opened.set(true)>{t_string!(i18n, policy.estimate_title)} <span class="muted">{t_string!(i18n, policy.estimate_open)}</span></summary>
            <p class="muted">{t_string!(i18n, policy.estimate_label)}</p>
            {move || opened.get().then(|| view! { <EstimateBody form /> })}
        </details>
    }
    .into_any()
}

#[component]
fn EstimateBody(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    let place = Memo::new(move |_| draft.with(|d| (d.region_code.clone(), d.residence.clone())));
    // Built again when the place changes (the estimate is opened in the browser, never on the
    // server), once its code and the place's parameters are here; a view is handed over once,
    // taken out to be drawn. No suspense: nothing else waits for it, and suspense is code of its
    // own in the phone's download. The previous place's estimate goes at once: its reactive
    // values belong to the effect's previous run, disposed as the effect runs again (and an
    // answer still on its way for it is cancelled with them).
    let ready = RwSignal::new_local(None::<AnyView>);
    Effect::new(move |_| {
        let (region, residence) = place.get();
        ready.set(None);
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let view = estimate_view(form, i18n, region, residence).await;
            ready.try_set(Some(view));
        });
    });
    (move || {
        ready.track();
        ready.try_update_untracked(Option::take).flatten()
    })
    .into_any()
}

/// The estimate for a village and urban/rural: the parameters in force there, then the
/// assessment and its explanation. Its code is a WASM chunk of its own (`#[lazy]`), loaded when a
/// resident first opens the estimate: most never do, and a phone need not download it for them.
#[lazy]
async fn estimate_view(
    form: Form,
    i18n: I18nContext<Locale>,
    region: String,
    residence: String,
) -> AnyView {
    use crate::api::policy::parameters_in_force;
    use crate::domain::region::{RegionCode, RegionLevel};
    let village = RegionCode::parse(&region).is_ok_and(|r| r.level() == RegionLevel::Village);
    let params = if village && Residence::from_code(&residence).is_some() {
        parameters_in_force(region, residence).await.ok()
    } else {
        None
    };
    match params {
        None => view! { <p class="muted" id="estimate-needs-place">{t_string!(i18n, policy.estimate_needs_place)}</p> }.into_any(),
        Some(p) if p.values().next().is_none() => view! { <p class="muted">{t_string!(i18n, policy.estimate_no_params)}</p> }.into_any(),
        Some(p) => view! { <EstimateResult form params=p /> }.into_any(),
    }
}

#[component]
fn EstimateResult(form: Form, params: crate::domain::policy::ParameterSet) -> impl IntoView {
    use crate::domain::policy::{assess, HouseholdFacts};
    use crate::ui::policy::{AssessmentSummary, CliffView, Entitlements, Explanation};
    let params = StoredValue::new(params);
    // Recomputed at every change; the view only changes when the result does.
    let estimate = Memo::new(move |_| {
        form.draft.with(|d| {
            let facts = HouseholdFacts::from_draft(d, device::today_china());
            let names: Vec<String> = d
                .members
                .iter()
                .map(|m| m.name.trim().to_string())
                .collect();
            let a = params.with_value(|p| assess(&facts, p));
            (a, names, facts)
        })
    });
    view! {
        <div aria-live="polite" id="estimate-result">
            {move || {
                let (a, names, facts) = estimate.get();
                let p = params.get_value();
                view! {
                    <AssessmentSummary assessment=a.clone() names=names.clone() />
                    <Entitlements assessment=a.clone() names=names.clone() region=p.region.clone() />
                    <CliffView assessment=a.clone() parameters=p.clone() facts />
                    <Explanation assessment=a parameters=p names />
                }
            }}
        </div>
    }
    .into_any()
}

#[component]
fn HelpSection(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    let boxes = HelpKind::ALL
        .iter()
        .map(|k| {
            let code = k.code();
            let id = format!("help-{code}");
            view! {
                <div class="check">
                    <input id=id.clone() type="checkbox" prop:checked=move || draft.with(|d| d.help.iter().any(|h| h == code))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            draft.update(|d| {
                                d.help.retain(|h| h != code);
                                if on { d.help.push(code.to_string()); }
                            });
                            form.touch("help");
                        } />
                    <label for=id>{labels::help(i18n, *k)}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset aria-describedby="help-error">
            <legend>{t_string!(i18n, declare.section_help)}</legend>
            {boxes}
            <FieldMessage error=form.error("help".into()) id="help-error" />
        </fieldset>
    }
    .into_any()
}

#[component]
fn AttachmentsSection(
    draft_id: String,
    attachments: RwSignal<Vec<AttachmentMeta>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(AttachmentKind::IdCard.code().to_string());
    let error = RwSignal::new(None::<AppError>);
    let uploading = RwSignal::new(false);
    let draft_id = StoredValue::new(draft_id);
    let upload = move |_| {
        error.set(None);
        uploading.set(true);
        leptos::task::spawn_local(async move {
            match device::upload_file(
                "attachment-file",
                &draft_id.get_value(),
                &kind.get_untracked(),
            )
            .await
            {
                Ok(meta) => attachments.update(|a| a.push(meta)),
                Err(e) => error.set(Some(e)),
            }
            uploading.set(false);
        });
    };
    let remove = move |id: String| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match remove_attachment(id.clone()).await {
                Ok(()) => {
                    attachments.try_update(|a| a.retain(|m| m.id != id));
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    view! {
        <fieldset>
            <legend>{t_string!(i18n, declare.section_attachments)}</legend>
            <ul class="attachments" id="attachment-list">
                {move || {
                    let list = attachments.get();
                    if list.is_empty() {
                        view! { <li class="muted">{t_string!(i18n, declare.no_attachments)}</li> }.into_any()
                    } else {
                        list.into_iter().map(|a| {
                            let kind_label = labels::attachment(i18n, a.kind);
                            let id = a.id.clone();
                            view! {
                                <li>
                                    <a href=format!("/attachments/{}", a.id) target="_blank" rel="noopener">{kind_label} " · " {a.file_name.clone()}</a>
                                    " (" {(a.size + 1023) / 1024} " KB) "
                                    <button type="button" class="link danger" on:click=move |_| remove(id.clone())>{t_string!(i18n, declare.remove_attachment)}</button>
                                </li>
                            }
                        }).collect_view().into_any()
                    }
                }}
            </ul>
            <Choice id="attachment-kind".into() value=kind on_change=Callback::new(move |v| kind.set(v))
                options=options(&AttachmentKind::ALL, AttachmentKind::code, labels::attachment) error=Signal::derive(|| None)>
                {t_string!(i18n, declare.attachment_kind)}
            </Choice>
            <div class="field">
                <label for="attachment-file">{t_string!(i18n, declare.attachment_file)}</label>
                <input id="attachment-file" type="file" accept="image/jpeg,image/png,application/pdf" />
            </div>
            <ErrorBanner error />
            <button type="button" id="upload-attachment" on:click=upload disabled=move || uploading.get()>
                {move || if uploading.get() { t_string!(i18n, declare.uploading) } else { t_string!(i18n, declare.upload) }}
            </button>
        </fieldset>
    }
    .into_any()
}

#[component]
fn ConsentSection(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    view! {
        <fieldset>
            <legend>{t_string!(i18n, declare.section_consent)}</legend>
            <div class="check consent">
                <input id="consent-verification" type="checkbox" aria-describedby="consent-verification-error"
                    aria-invalid=move || form.error("consent_verification".into()).get().is_some().to_string()
                    prop:checked=move || draft.with(|d| d.consent_verification)
                    on:change=move |ev| { draft.update(|d| d.consent_verification = event_target_checked(&ev)); form.touch("consent_verification"); } />
                <label for="consent-verification">{t_string!(i18n, declare.consent_verification)}</label>
            </div>
            <FieldMessage error=form.error("consent_verification".into()) id="consent-verification-error" />
            <div class="check consent">
                <input id="consent-charity" type="checkbox"
                    prop:checked=move || draft.with(|d| d.consent_charity)
                    on:change=move |ev| draft.update(|d| d.consent_charity = event_target_checked(&ev)) />
                <label for="consent-charity">{t_string!(i18n, declare.consent_charity)}</label>
            </div>
            <p class="hint">{t_string!(i18n, declare.consent_version)} ": " {CONSENT_TEXT_VERSION}</p>
        </fieldset>
    }
    .into_any()
}

/// The steps as a list at the top: where the person is, and a way back to any step.
#[component]
fn StepList(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let items = Step::ALL
        .iter()
        .map(|&s| {
            view! {
                <li>
                    <button type="button" id=format!("step-{}", s.code()) class="step"
                        aria-current=move || (form.step.get() == s).then_some("step")
                        on:click=move |_| form.go(s)>
                        <span class="step-n" aria-hidden="true">{s.number()}</span>
                        <span class="step-label">{s.label(i18n)}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="steps" aria-label=t_string!(i18n, declare.steps_label)>
            <ol>{items}</ol>
        </nav>
    }
    .into_any()
}

/// One step's screen, headed "第 n 步（共 5 步）：…". Its fields are drawn when the step is
/// first shown and then kept (hidden while another step is shown, so what was typed and chosen
/// stays in the form): the page starts with only the first step's, less for a phone to hydrate.
#[component]
fn StepPanel(form: Form, step: Step, children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let heading = move || {
        let of = t_string!(i18n, declare.step_of)
            .to_string()
            .replace("{n}", &step.number().to_string())
            .replace("{total}", &Step::ALL.len().to_string());
        format!("{of}{}{}", labels::colon(i18n), step.label(i18n))
    };
    // The first step is drawn by the server too (and its region picker's choices with it).
    let body = if step == Step::ALL[0] {
        children().into_any()
    } else {
        let drawn = Memo::new(move |before: Option<&bool>| {
            before.copied().unwrap_or(false) || form.step.get() == step
        });
        (move || drawn.get().then(|| children())).into_any()
    };
    view! {
        <section class="step-panel" id=format!("panel-{}", step.code()) hidden=move || form.step.get() != step>
            <h2 tabindex="-1">{heading}</h2>
            {body}
        </section>
    }
    .into_any()
}

/// 上一步 / 下一步. Moving on checks this step's answers first, and saves the draft at once.
#[component]
fn StepButtons(form: Form, on_next: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let next = move |_| {
        let here = form.step.get_untracked();
        if form.stop_at_errors(Some(here)) {
            return;
        }
        form.summary.set(None);
        on_next.run(());
        form.go(here.next());
    };
    view! {
        <div class="step-buttons">
            <button type="button" id="step-back" hidden=move || form.step.get() == Step::Household
                on:click=move |_| form.go(form.step.get_untracked().previous())>
                {t_string!(i18n, declare.step_back)}
            </button>
            <button type="button" id="step-next" class="primary" hidden=move || form.step.get() == Step::Review
                on:click=next>
                {t_string!(i18n, declare.step_next)}
            </button>
        </div>
    }
    .into_any()
}

/// The errors to fix, at the top, each a link to its field (on whatever step it is).
#[component]
fn ErrorSummary(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let shown = move || {
        form.summary
            .get()
            .map(|scope| form.errors_of(scope))
            .filter(|e| !e.is_empty())
    };
    view! {
        {move || shown().map(|errs| {
            let items = errs.into_iter().map(|e| {
                let id = field_element_id(&e.field);
                let step = Step::of_field(&e.field);
                let text = format!("{}{}{}", field_label(i18n, &e.field), labels::colon(i18n), labels::field_error(i18n, e.code));
                let target = format!("#{id}");
                view! {
                    <li><a href=target.clone() on:click=move |ev| {
                        ev.prevent_default();
                        form.step.set(step);
                        device::focus_first(target.clone());
                    }>{text}</a></li>
                }
            }).collect_view();
            view! {
                <div class="error-summary" id="error-summary" role="alert">
                    <h2>{t_string!(i18n, declare.errors_title)}</h2>
                    <ul>{items}</ul>
                </div>
            }
        })}
    }
    .into_any()
}

/// Everything declared, read back before submitting, each part with a way back to change it.
#[component]
fn Review(form: Form, attachments: RwSignal<Vec<AttachmentMeta>>) -> impl IntoView {
    let i18n = use_i18n();
    let draft = form.draft;
    // The chosen village by name, from the picker's levels (no request).
    let place = move || {
        form.regions
            .with(|r| draft.with(|d| place_name(r, &d.region_code)))
    };
    let none = move || t_string!(i18n, declare.review_none).to_string();
    let or_none = move |v: String| if v.trim().is_empty() { none() } else { v };
    let yes_no = move |b: bool| {
        if b {
            t_string!(i18n, common.yes)
        } else {
            t_string!(i18n, common.no)
        }
        .to_string()
    };
    let yuan = move |v: String| {
        if v.trim().is_empty() {
            none()
        } else {
            format!("{} {}", v.trim(), t_string!(i18n, declare.yuan))
        }
    };
    let change = move |step: Step| {
        view! {
            <button type="button" class="link" id=format!("review-change-{}", step.code()) on:click=move |_| form.go(step)>
                {t_string!(i18n, declare.review_change)}
                <span class="sr-only">{move || format!(" {}", step.label(i18n))}</span>
            </button>
        }
    };
    let row = move |label: String, value: String| view! { <dt>{label}</dt><dd>{value}</dd> };
    view! {
        <div class="review" id="review">
            <p class="muted">{t_string!(i18n, declare.review_intro)}</p>
            <section class="card">
                <h3>{Step::Household.label(i18n)}</h3>
                <dl>
                    {move || {
                        let d = draft.get();
                        let residence = Residence::from_code(&d.residence).map(|r| labels::residence(i18n, r)).unwrap_or_else(none);
                        view! {
                            <dt>{t_string!(i18n, declare.region)}</dt>
                            <dd lang="zh-CN" id="review-region">{or_none(place())}</dd>
                            {row(t_string!(i18n, declare.address).to_string(), or_none(d.address.clone()))}
                            {row(t_string!(i18n, declare.residence).to_string(), residence)}
                            {row(t_string!(i18n, declare.contact_phone).to_string(), or_none(d.contact_phone.clone()))}
                            {row(t_string!(i18n, declare.section_description).to_string(), or_none(d.description.clone()))}
                        }
                    }}
                </dl>
                {change(Step::Household)}
            </section>
            <section class="card">
                <h3>{Step::Members.label(i18n)}</h3>
                <ol class="review-members">
                    {move || draft.with(|d| d.members.iter().map(|m| {
                        let relation = Relation::from_code(&m.relation).map(|r| labels::relation(i18n, r)).unwrap_or_else(none);
                        view! { <li>{or_none(m.name.clone())} {labels::paren(i18n, &relation)}</li> }
                    }).collect_view())}
                </ol>
                {change(Step::Members)}
            </section>
            <section class="card">
                <h3>{Step::Money.label(i18n)}</h3>
                <dl>
                    {move || {
                        let d = draft.get();
                        view! {
                            {row(t_string!(i18n, declare.income_wages).to_string(), yuan(d.income_wages.clone()))}
                            {row(t_string!(i18n, declare.income_business).to_string(), yuan(d.income_business.clone()))}
                            {row(t_string!(i18n, declare.income_property).to_string(), yuan(d.income_property.clone()))}
                            {row(t_string!(i18n, declare.income_transfers).to_string(), yuan(d.income_transfers.clone()))}
                            {row(t_string!(i18n, declare.income_other).to_string(), yuan(d.income_other.clone()))}
                            {row(t_string!(i18n, declare.income_12m).to_string(), yuan(d.income_12m.clone()))}
                            {row(t_string!(i18n, declare.income_changed).to_string(), yes_no(d.income_changed))}
                            {row(t_string!(i18n, declare.deposits).to_string(), yuan(d.deposits.clone()))}
                            {row(t_string!(i18n, declare.housing_count).to_string(), or_none(d.housing_count.clone()))}
                            {row(t_string!(i18n, declare.housing_area).to_string(), or_none(d.housing_area.clone()))}
                            {row(t_string!(i18n, declare.vehicles).to_string(), or_none(d.vehicles.clone()))}
                            {row(t_string!(i18n, declare.has_business).to_string(), yes_no(d.has_business))}
                            {row(t_string!(i18n, declare.medical_spending).to_string(), yuan(d.medical_spending.clone()))}
                            {row(t_string!(i18n, declare.education_spending).to_string(), yuan(d.education_spending.clone()))}
                            {row(t_string!(i18n, declare.disability_spending).to_string(), yuan(d.disability_spending.clone()))}
                        }
                    }}
                </dl>
                {change(Step::Money)}
            </section>
            <section class="card">
                <h3>{Step::Needs.label(i18n)}</h3>
                <dl>
                    {move || {
                        let d = draft.get();
                        let help = HelpKind::ALL.iter().filter(|k| d.help.iter().any(|h| h == k.code()))
                            .map(|k| labels::help(i18n, *k)).collect::<Vec<_>>().join(labels::list_sep(i18n));
                        let files = attachments.with(|a| a.iter().map(|m| m.file_name.clone()).collect::<Vec<_>>().join(labels::list_sep(i18n)));
                        view! {
                            {row(t_string!(i18n, declare.section_help).to_string(), or_none(help))}
                            {row(t_string!(i18n, declare.section_attachments).to_string(), or_none(files))}
                            {row(t_string!(i18n, declare.review_consent_verification).to_string(), yes_no(d.consent_verification))}
                            {row(t_string!(i18n, declare.review_consent_charity).to_string(), yes_no(d.consent_charity))}
                        }
                    }}
                </dl>
                {change(Step::Needs)}
            </section>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(parent: &str, choices: &[(&str, &str)]) -> PickerLevel {
        PickerLevel {
            parent: parent.into(),
            choices: choices
                .iter()
                .map(|(c, n)| (c.to_string(), n.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_picker_needs_the_levels_down_to_the_choice_and_none_below_a_village() {
        assert_eq!(levels_needed(""), [""]);
        assert_eq!(levels_needed("not a code"), [""]);
        assert_eq!(levels_needed("62"), ["", "620000000000"]);
        assert_eq!(
            levels_needed("620702000000"),
            ["", "620000000000", "620700000000", "620702000000"]
        );
        let village = levels_needed("620702100201");
        assert_eq!(village.len(), 5);
        assert_eq!(village[4], "620702100000");
    }

    #[test]
    fn the_review_names_the_place_from_the_pickers_levels() {
        let levels = vec![
            level("", &[("620000000000", "甘肃省")]),
            level("620000000000", &[("620700000000", "张掖市")]),
            level("620700000000", &[("620702000000", "甘州区")]),
        ];
        assert_eq!(place_name(&levels, "620702000000"), "甘肃省 张掖市 甘州区");
        assert_eq!(place_name(&levels, "620700000000"), "甘肃省 张掖市");
        // A level not known (yet): no half name.
        assert_eq!(place_name(&levels, "620702100000"), "");
        assert_eq!(place_name(&levels, ""), "");
    }
}
