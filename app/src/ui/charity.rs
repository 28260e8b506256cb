//! 慈善帮扶 pages: a charity registers and, once verified, publishes resources, browses the
//! de-identified needs board, commits, answers proposals and records deliveries; an
//! administrator verifies organisations; a caseworker records needs on the household file and
//! matches needs with resources on the tablet, helped by the optimiser.

use crate::api::accounts::send_code;
use crate::api::charity::{
    add_need, add_resource, answer_match, charity_registrations, close_match, close_need,
    commit_to_need, confirm_match, decide_charity, deliver_match, household_needs,
    load_charity_home, load_matching, needs_board, propose_match, register_charity,
    reveal_match_contact, revoke_charity, service_regions, suggest_matches, BoardNeed, CaseNeed,
    CharityHome, CharityRegistration, CharityView, MatchContact, MatchView, PlanView, ProposedNeed,
    ResourceView, SuggestionView, CONTACT_PURPOSES,
};
use crate::domain::charity::{
    CharityDraft, MatchState, NeedDraft, NeedSource, NeedState, ResourceDraft, SupplyForm,
};
use crate::domain::declaration::{FieldErrorCode, HelpKind};
use crate::domain::phone::Phone;
use crate::domain::policy::Category;
use crate::domain::status::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{
    field_error_of, general_error, labels, ErrorBanner, FieldMessage, ForRoles, MeResource,
};
use crate::ui::{OnDemand, PageTitle};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

fn kind_label(i18n: I18nContext<Locale>, code: &str) -> String {
    HelpKind::from_code(code)
        .map(|k| labels::help(i18n, k))
        .unwrap_or_else(|| code.to_string())
}

fn form_label(i18n: I18nContext<Locale>, code: &str) -> String {
    SupplyForm::from_code(code)
        .map(|f| labels::supply_form(i18n, f))
        .unwrap_or_else(|| code.to_string())
}

fn category_label(i18n: I18nContext<Locale>, code: &str) -> String {
    Category::from_code(code)
        .map(|c| labels::category(i18n, c))
        .unwrap_or_else(|| t_string!(i18n, charity.no_category).to_string())
}

fn match_state_label(i18n: I18nContext<Locale>, code: &str) -> String {
    MatchState::from_code(code)
        .map(|s| labels::match_state(i18n, s))
        .unwrap_or_else(|| code.to_string())
}

fn need_state_label(i18n: I18nContext<Locale>, code: &str) -> String {
    NeedState::from_code(code)
        .map(|s| labels::need_state(i18n, s))
        .unwrap_or_else(|| code.to_string())
}

fn purpose_label(i18n: I18nContext<Locale>, purpose: &str) -> String {
    match purpose {
        "arrange_delivery" => t_string!(i18n, charity.purpose_arrange_delivery),
        "deliver" => t_string!(i18n, charity.purpose_deliver),
        _ => t_string!(i18n, charity.purpose_follow_up),
    }
    .to_string()
}

fn charity_status(i18n: I18nContext<Locale>, status: &str) -> String {
    match status {
        "verified" => t_string!(i18n, charity.status_verified),
        "rejected" => t_string!(i18n, charity.status_rejected),
        "revoked" => t_string!(i18n, charity.status_revoked),
        _ => t_string!(i18n, charity.status_pending),
    }
    .to_string()
}

/// An amount with its unit: `1,000.00 元`, `20 件`.
fn amount(i18n: I18nContext<Locale>, form: &str, shown: &str, unit: &str) -> String {
    match SupplyForm::from_code(form) {
        Some(SupplyForm::Funds) => format!("{shown} {}", t_string!(i18n, common.yuan)),
        _ if !unit.is_empty() => format!("{shown} {unit}"),
        _ => shown.to_string(),
    }
}

/// Runs `action`'s result into `error` and calls `done` on success.
fn on_result<T: Clone + Send + Sync + 'static, I: 'static>(
    action: Action<I, Result<T, AppError>>,
    error: RwSignal<Option<AppError>>,
    done: impl Fn(T) + 'static,
) {
    Effect::new(move |_| match action.value().get() {
        Some(Ok(v)) => {
            error.set(None);
            done(v);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
}

/// Check boxes for a list of codes held in a `Vec<String>` of a draft.
fn toggle(list: &mut Vec<String>, code: &str, on: bool) {
    list.retain(|c| c != code);
    if on {
        list.push(code.to_string());
    }
}

// ------------------------------------------------------------------------------------------
// Registration

#[component]
pub fn CharityRegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let org = RwSignal::new(CharityDraft::default());
    let regions = Resource::new(|| (), |_| service_regions());
    let send = Action::new(move |p: &String| send_code(p.clone()));
    let submit = Action::new(move |r: &CharityRegistration| register_charity(r.clone()));
    let error = RwSignal::new(None::<AppError>);
    on_result(submit, error, move |_| {
        me.refetch();
        use_navigate()("/charity", Default::default());
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = send.value().get() {
            error.set(Some(e));
        }
    });
    let fe = move |f| field_error_of(error, f);
    let text_field = move |id: &'static str,
                           label: String,
                           get: fn(&CharityDraft) -> String,
                           set: fn(&mut CharityDraft, String)| {
        view! {
            <label for=format!("org-{id}")>{label}</label>
            <input id=format!("org-{id}") maxlength="200" aria-describedby=format!("org-{id}-error")
                prop:value=move || org.with(get) on:input=move |ev| org.update(|d| set(d, event_target_value(&ev))) />
            <FieldMessage error=fe(id) id=format!("org-{id}-error") />
        }
    };
    view! {
        <section class="card narrow">
            <h1>{t_string!(i18n, charity.register_title)}</h1>
        <PageTitle text=t_string!(i18n, charity.register_title).to_string() />
            <p class="muted">{t_string!(i18n, charity.register_intro)}</p>
            <form on:submit=move |ev| {
                ev.prevent_default();
                error.set(None);
                submit.dispatch(CharityRegistration { phone: phone.get_untracked(), code: code.get_untracked(), password: password.get_untracked(), org: org.get_untracked() });
            }>
                <label for="org-org_kind">{t_string!(i18n, care.org_kind)}</label>
                <select id="org-org_kind" on:change=move |ev| org.update(|d| d.org_kind = event_target_value(&ev))>
                    {crate::domain::care::OrgKind::ALL.into_iter().map(|k| view! {
                        <option value=k.code() selected=move || org.with(|d| d.org_kind == k.code() || (d.org_kind.is_empty() && k == crate::domain::care::OrgKind::Charity))>{labels::org_kind(i18n, k)}</option>
                    }).collect_view()}
                </select>
                <FieldMessage error=fe("org_kind") id="org-org_kind-error" />
                {text_field("name", t_string!(i18n, charity.org_name).to_string(), |d| d.name.clone(), |d, v| d.name = v)}
                <label for="org-credit_code">{t_string!(i18n, charity.credit_code)}</label>
                <input id="org-credit_code" maxlength="30" autocapitalize="characters" aria-describedby="org-credit_code-error"
                    prop:value=move || org.with(|d| d.credit_code.clone()) on:input=move |ev| org.update(|d| d.credit_code = event_target_value(&ev))
                    on:blur=move |_| {
                        // The same check the server runs, as soon as the field is left.
                        let raw = org.with_untracked(|d| d.credit_code.clone());
                        let draft = CharityDraft { credit_code: raw, ..Default::default() };
                        let problem = draft.check().err().and_then(|v| v.into_iter().find(|e| e.field == "credit_code"));
                        error.update(|e| {
                            let mut list = match e.take() { Some(AppError::Invalid(v)) => v, _ => Vec::new() };
                            list.retain(|x| x.field != "credit_code");
                            list.extend(problem);
                            *e = (!list.is_empty()).then_some(AppError::Invalid(list));
                        });
                    } />
                <p class="hint">{t_string!(i18n, charity.credit_code_hint)}</p>
                <FieldMessage error=fe("credit_code") id="org-credit_code-error" />
                {text_field("contact_name", t_string!(i18n, charity.contact_name).to_string(), |d| d.contact_name.clone(), |d, v| d.contact_name = v)}
                <label for="org-contact_phone">{t_string!(i18n, charity.contact_phone)}</label>
                <input id="org-contact_phone" type="tel" inputmode="numeric" maxlength="20" aria-describedby="org-contact_phone-error"
                    prop:value=move || org.with(|d| d.contact_phone.clone()) on:input=move |ev| org.update(|d| d.contact_phone = event_target_value(&ev)) />
                <FieldMessage error=fe("contact_phone") id="org-contact_phone-error" />
                <fieldset>
                    <legend>{t_string!(i18n, charity.service_regions)}</legend>
                    <div class="choice-box">
                    <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                        {move || Suspend::new(async move {
                            regions.await.unwrap_or_default().into_iter().map(|(code, name)| {
                                let c = code.clone();
                                let id = format!("org-region-{code}");
                                view! { <label class="check"><input type="checkbox" id=id value=code.clone()
                                    prop:checked=move || org.with(|d| d.regions.contains(&c))
                                    on:change=move |ev| org.update(|d| toggle(&mut d.regions, &code, event_target_checked(&ev))) /> {name}</label> }
                            }).collect_view()
                        })}
                    </Suspense>
                    </div>
                    <FieldMessage error=fe("regions") id="org-regions-error" />
                </fieldset>
                <fieldset>
                    <legend>{t_string!(i18n, charity.kinds)}</legend>
                    {HelpKind::ALL.iter().map(|k| {
                        let code = k.code();
                        view! { <label class="check"><input type="checkbox" id=format!("org-kind-{code}")
                            prop:checked=move || org.with(|d| d.kinds.iter().any(|x| x == code))
                            on:change=move |ev| org.update(|d| toggle(&mut d.kinds, code, event_target_checked(&ev))) /> {labels::help(i18n, *k)}</label> }
                    }).collect_view()}
                    <FieldMessage error=fe("kinds") id="org-kinds-error" />
                </fieldset>
                <h2>{t_string!(i18n, charity.account)}</h2>
                <label for="reg-phone">{t_string!(i18n, auth.phone)}</label>
                <input id="reg-phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="20" aria-describedby="reg-phone-error"
                    prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) />
                <FieldMessage error=fe("phone") id="reg-phone-error" />
                <crate::ui::early::SendCodeButton send on_press=Callback::new(move |()| {
                    if Phone::parse(&phone.get_untracked()).is_err() {
                        error.set(Some(AppError::field("phone", FieldErrorCode::PhoneFormat)));
                    } else {
                        send.dispatch(phone.get_untracked());
                    }
                }) />
                {move || matches!(send.value().get(), Some(Ok(_))).then(|| view! { <p class="banner ok" role="status">{t_string!(i18n, auth.code_sent)}</p> })}
                <label for="reg-code">{t_string!(i18n, auth.code)}</label>
                <input id="reg-code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                <label for="reg-password">{t_string!(i18n, auth.password)}</label>
                <input id="reg-password" type="password" autocomplete="new-password" maxlength="64" prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                <p class="hint">{t_string!(i18n, auth.password_hint)}</p>
                <ErrorBanner error=general_error(error) />
                <button type="submit" class="primary" id="charity-register" disabled=move || submit.pending().get()>{t_string!(i18n, charity.register_submit)}</button>
            </form>
            <p><A href="/login">{t_string!(i18n, auth.have_account)}</A></p>
        </section>
    }
}

// ------------------------------------------------------------------------------------------
// The organisation's page

#[component]
pub fn CharityPage() -> impl IntoView {
    let i18n = use_i18n();
    let home = Resource::new(|| (), |_| load_charity_home());
    let board = Resource::new(|| (), |_| needs_board());
    let refresh = Callback::new(move |_| {
        home.refetch();
        board.refetch();
    });
    view! {
        <h1>{t_string!(i18n, charity.title)}</h1>
        <PageTitle text=t_string!(i18n, charity.title).to_string() />
        <ForRoles roles=&[Role::Charity]>
            <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match home.await {
                        Ok(h) => view! { <CharityHomeView home=h board=board refresh=refresh /> }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </ForRoles>
    }
}

#[component]
fn CharityHomeView(
    home: CharityHome,
    board: Resource<Result<Vec<BoardNeed>, AppError>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let c = home.charity.clone();
    let provider = c.org_kind == crate::domain::care::OrgKind::ServiceProvider;
    let verified = c.status == "verified" && !provider;
    let resources = StoredValue::new(home.resources.clone());
    view! {
        <section class="card" id="charity-profile">
            <h2>{crate::ui::as_written(c.name.clone())}</h2>
            <p>{t_string!(i18n, charity.credit_code)} ": " <span class="mono">{c.credit_code.clone()}</span></p>
            <p>{t_string!(i18n, charity.service_regions)} ": " {crate::ui::as_written(c.region_names.join(labels::list_sep(i18n)))}</p>
            <p id="charity-status" data-status=c.status.clone()>{t_string!(i18n, charity.status)} ": " {charity_status(i18n, &c.status)} {(!c.status_note.is_empty()).then(|| crate::ui::as_written(labels::paren(i18n, &c.status_note)))}</p>
            <p id="charity-org-kind">{t_string!(i18n, care.org_kind)} ": " {labels::org_kind(i18n, c.org_kind)}</p>
            {(c.status != "verified").then(|| view! { <p class="banner" role="status">{t_string!(i18n, charity.pending_explained)}</p> })}
            {(provider && c.status == "verified").then(|| view! { <p><A href="/provider" attr:id="provider-link" attr:class="button primary">{t_string!(i18n, care.provider_title)}</A></p> })}
        </section>
        {verified.then(|| view! {
            <section class="card" id="charity-resources">
                <h2>{t_string!(i18n, charity.resources)}</h2>
                <ResourceTable resources=home.resources.clone() />
                <ResourceForm regions=home.region_choices.clone() kinds=c.kinds.clone() on_saved=refresh />
            </section>
            <section class="card" id="charity-matches">
                <h2>{t_string!(i18n, charity.matches)}</h2>
                {home.matches.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, charity.no_matches)}</p> })}
                <ul class="plain">
                    {home.matches.clone().into_iter().map(|m| view! { <CharityMatch m=m on_change=refresh /> }).collect_view()}
                </ul>
            </section>
            <section class="card" id="needs-board">
                <h2>{t_string!(i18n, charity.board)}</h2>
                <p class="muted">{t_string!(i18n, charity.board_intro)}</p>
                <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                    {move || Suspend::new(async move {
                        match board.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">{t_string!(i18n, charity.board_empty)}</p> }.into_any(),
                            Ok(list) => view! { <ul class="plain">
                                {list.into_iter().map(|n| view! { <BoardRow need=n resources=resources.get_value() on_change=refresh /> }).collect_view()}
                            </ul> }.into_any(),
                            Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        })}
    }
}

#[component]
fn ResourceTable(resources: Vec<ResourceView>) -> impl IntoView {
    let i18n = use_i18n();
    if resources.is_empty() {
        return view! { <p class="muted">{t_string!(i18n, charity.no_resources)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0"><table class="resources">
            <thead><tr>
                <th>{t_string!(i18n, charity.resource_title)}</th><th>{t_string!(i18n, charity.charity_name)}</th><th>{t_string!(i18n, charity.form)}</th>
                <th>{t_string!(i18n, charity.need_kinds)}</th><th>{t_string!(i18n, charity.remaining)}</th><th>{t_string!(i18n, charity.cap)}</th>
                <th>{t_string!(i18n, charity.valid)}</th><th>{t_string!(i18n, charity.regions)}</th><th>{t_string!(i18n, charity.updated)}</th>
            </tr></thead>
            <tbody>
                {resources.into_iter().map(|r| view! {
                    <tr data-resource=r.id.clone()>
                        <td>{crate::ui::as_written(r.title.clone())}</td>
                        <td>{crate::ui::as_written(r.charity_name.clone())}</td>
                        <td>{form_label(i18n, &r.form)}</td>
                        <td>{r.need_kinds.iter().map(|k| kind_label(i18n, k)).collect::<Vec<_>>().join(labels::list_sep(i18n))}
                            {(!r.categories.is_empty()).then(|| labels::paren(i18n, &r.categories.iter().map(|c| category_label(i18n, c)).collect::<Vec<_>>().join(labels::list_sep(i18n))))}</td>
                        <td class="remaining">{amount(i18n, &r.form, &r.remaining, &r.unit)} " / " {amount(i18n, &r.form, &r.total, &r.unit)}</td>
                        <td>{r.per_household_cap.clone().map(|c| amount(i18n, &r.form, &c, &r.unit)).unwrap_or_else(|| "—".into())}</td>
                        <td>{r.valid_from.clone()} " – " {r.valid_until.clone()}</td>
                        <td>{crate::ui::as_written(r.region_names.join(labels::list_sep(i18n)))}</td>
                        <td>{r.updated_on.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

#[component]
fn ResourceForm(
    regions: Vec<(String, String)>,
    kinds: Vec<String>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let today = crate::ui::device::today_china().to_string();
    let draft = RwSignal::new(ResourceDraft {
        form: "funds".into(),
        valid_from: today,
        ..Default::default()
    });
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let save = Action::new(move |d: &ResourceDraft| add_resource(d.clone()));
    on_result(save, error, move |_| {
        saved.set(true);
        draft.update(|d| {
            d.title.clear();
            d.total.clear();
            d.per_household_cap.clear();
        });
        on_saved.run(());
    });
    let fe = move |f| field_error_of(error, f);
    let input = move |id: &'static str,
                      label: String,
                      get: fn(&ResourceDraft) -> String,
                      set: fn(&mut ResourceDraft, String),
                      mode: &'static str| {
        view! {
            <label for=format!("res-{id}")>{label}</label>
            <input id=format!("res-{id}") inputmode=mode maxlength="200" aria-describedby=format!("res-{id}-error")
                prop:value=move || draft.with(get) on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev))) />
            <FieldMessage error=fe(id) id=format!("res-{id}-error") />
        }
    };
    view! {
        <form class="resource-form" on:submit=move |ev| { ev.prevent_default(); saved.set(false); save.dispatch(draft.get_untracked()); }>
            <h3>{t_string!(i18n, charity.add_resource)}</h3>
            <label for="res-form">{t_string!(i18n, charity.form)}</label>
            <select id="res-form" on:change=move |ev| draft.update(|d| d.form = event_target_value(&ev))>
                {SupplyForm::ALL.into_iter().map(|f| view! { <option value=f.code() selected=move || draft.with(|d| d.form == f.code())>{labels::supply_form(i18n, f)}</option> }).collect_view()}
            </select>
            {input("title", t_string!(i18n, charity.resource_title).to_string(), |d| d.title.clone(), |d, v| d.title = v, "text")}
            {move || (draft.with(|d| d.form != "funds")).then(|| input("unit", t_string!(i18n, charity.unit).to_string(), |d| d.unit.clone(), |d, v| d.unit = v, "text"))}
            {input("total", t_string!(i18n, charity.total).to_string(), |d| d.total.clone(), |d, v| d.total = v, "decimal")}
            {input("per_household_cap", t_string!(i18n, charity.cap_optional).to_string(), |d| d.per_household_cap.clone(), |d, v| d.per_household_cap = v, "decimal")}
            <fieldset>
                <legend>{t_string!(i18n, charity.need_kinds)}</legend>
                {kinds.into_iter().filter_map(|k| HelpKind::from_code(&k)).map(|k| {
                    let code = k.code();
                    view! { <label class="check"><input type="checkbox" id=format!("res-kind-{code}")
                        prop:checked=move || draft.with(|d| d.need_kinds.iter().any(|x| x == code))
                        on:change=move |ev| draft.update(|d| toggle(&mut d.need_kinds, code, event_target_checked(&ev))) /> {labels::help(i18n, k)}</label> }
                }).collect_view()}
                <FieldMessage error=fe("need_kinds") id="res-need_kinds-error" />
            </fieldset>
            <fieldset>
                <legend>{t_string!(i18n, charity.categories_optional)}</legend>
                {Category::ALL.into_iter().map(|c| {
                    let code = c.code();
                    view! { <label class="check"><input type="checkbox" id=format!("res-cat-{code}")
                        prop:checked=move || draft.with(|d| d.categories.iter().any(|x| x == code))
                        on:change=move |ev| draft.update(|d| toggle(&mut d.categories, code, event_target_checked(&ev))) /> {labels::category(i18n, c)}</label> }
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>{t_string!(i18n, charity.regions_optional)}</legend>
                {regions.into_iter().map(|(code, name)| {
                    let c = code.clone();
                    view! { <label class="check"><input type="checkbox" id=format!("res-region-{code}")
                        prop:checked=move || draft.with(|d| d.regions.contains(&c))
                        on:change=move |ev| draft.update(|d| toggle(&mut d.regions, &code, event_target_checked(&ev))) /> {name}</label> }
                }).collect_view()}
                <FieldMessage error=fe("regions") id="res-regions-error" />
            </fieldset>
            <label for="res-valid_from">{t_string!(i18n, charity.valid_from)}</label>
            <input id="res-valid_from" type="date" prop:value=move || draft.with(|d| d.valid_from.clone()) on:input=move |ev| draft.update(|d| d.valid_from = event_target_value(&ev)) />
            <FieldMessage error=fe("valid_from") id="res-valid_from-error" />
            <label for="res-valid_until">{t_string!(i18n, charity.valid_until)}</label>
            <input id="res-valid_until" type="date" prop:value=move || draft.with(|d| d.valid_until.clone()) on:input=move |ev| draft.update(|d| d.valid_until = event_target_value(&ev)) />
            <FieldMessage error=fe("valid_until") id="res-valid_until-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" id="res-save" disabled=move || save.pending().get()>{t_string!(i18n, charity.publish)}</button>
            {move || saved.get().then(|| view! { " " <span class="muted" role="status">{t_string!(i18n, charity.published)}</span> })}
        </form>
    }
}

#[component]
fn BoardRow(
    need: BoardNeed,
    resources: Vec<ResourceView>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let fitting: Vec<ResourceView> = resources
        .into_iter()
        .filter(|r| r.form == need.form && r.need_kinds.contains(&need.kind))
        .collect();
    let first = fitting.first().map(|r| r.id.clone()).unwrap_or_default();
    let resource = RwSignal::new(first);
    let units = RwSignal::new(need.open.replace(',', ""));
    let error = RwSignal::new(None::<AppError>);
    let id = need.id.clone();
    let commit = Action::new(move |(n, r, u): &(String, String, String)| {
        commit_to_need(n.clone(), r.clone(), u.clone())
    });
    on_result(commit, error, move |_| on_change.run(()));
    let nid = need.id.clone();
    view! {
        <li class="card need" data-need=need.id.clone()>
            <p><strong>{kind_label(i18n, &need.kind)}</strong> " · " {form_label(i18n, &need.form)} " · " {crate::ui::as_written(need.township.clone())}
               " · " {t_string!(i18n, charity.urgency)} " " {need.urgency} " · " {category_label(i18n, &need.category)}</p>
            <p>{t_string!(i18n, charity.open_amount)} ": " <span class="open">{amount(i18n, &need.form, &need.open, "")}</span> " · " {t_string!(i18n, charity.raised_on)} " " {need.raised_on.clone()}</p>
            {if fitting.is_empty() {
                view! { <p class="muted">{t_string!(i18n, charity.no_fitting_resource)}</p> }.into_any()
            } else {
                view! {
                    <form class="inline" on:submit=move |ev| { ev.prevent_default(); commit.dispatch((id.clone(), resource.get_untracked(), units.get_untracked())); }>
                        <label for=format!("commit-res-{nid}")>{t_string!(i18n, charity.from_resource)}</label>
                        <select id=format!("commit-res-{nid}") on:change=move |ev| resource.set(event_target_value(&ev))>
                            {fitting.iter().map(|r| view! { <option value=r.id.clone()>{r.title.clone()} " (" {r.remaining.clone()} ")"</option> }).collect_view()}
                        </select>
                        <label for=format!("commit-units-{nid}")>{t_string!(i18n, charity.units)}</label>
                        <input id=format!("commit-units-{nid}") inputmode="decimal" prop:value=units on:input=move |ev| units.set(event_target_value(&ev)) />
                        <FieldMessage error=field_error_of(error, "units") id=format!("commit-units-{nid}-error") />
                        <ErrorBanner error=general_error(error) />
                        <button type="submit" class="primary" disabled=move || commit.pending().get()>{t_string!(i18n, charity.commit)}</button>
                    </form>
                }.into_any()
            }}
        </li>
    }
}

#[component]
fn CharityMatch(m: MatchView, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let state = MatchState::from_code(&m.state);
    let id = StoredValue::new(m.id.clone());
    let error = RwSignal::new(None::<AppError>);
    let note = RwSignal::new(String::new());
    let answer = Action::new(move |(accept, note): &(bool, String)| {
        answer_match(id.get_value(), *accept, note.clone())
    });
    on_result(answer, error, move |_| on_change.run(()));
    let close = Action::new(move |(state, note): &(String, String)| {
        close_match(id.get_value(), state.clone(), note.clone())
    });
    on_result(close, error, move |_| on_change.run(()));
    let purpose = RwSignal::new(CONTACT_PURPOSES[0].to_string());
    let contact = Action::new(move |p: &String| reveal_match_contact(id.get_value(), p.clone()));
    let shown = RwSignal::new(None::<MatchContact>);
    on_result(contact, error, move |c| shown.set(Some(c)));
    let delivered_on = RwSignal::new(crate::ui::device::today_china().to_string());
    let proof = RwSignal::new(String::new());
    // The proof file first (when one is chosen), then the delivery: a refused file stops both.
    let deliver = Action::new_local(move |(d, p): &(String, String)| {
        let (d, p, id) = (d.clone(), p.clone(), id.get_value());
        async move {
            crate::ui::device::upload_proof(&format!("deliver-file-{id}"), &id).await?;
            deliver_match(id, d, p).await
        }
    });
    on_result(deliver, error, move |_| on_change.run(()));
    let closing = RwSignal::new(NeedState::DoneByOthers.code().to_string());
    let mid = m.id.clone();
    view! {
        <li class="card match" data-match=m.id.clone() data-state=m.state.clone()>
            <p><strong>{kind_label(i18n, &m.need_kind)}</strong> " · " {crate::ui::as_written(m.township.clone())} " · " {crate::ui::as_written(m.resource_title.clone())} " · "
               {amount(i18n, &m.form, &m.units, &m.unit)}</p>
            <p>{t_string!(i18n, charity.match_state)} ": " <span class="state">{match_state_label(i18n, &m.state)}</span> " · " {m.updated_on.clone()}
               {(!m.note.is_empty()).then(|| format!(" · {}", m.note))}
               {m.proof_file.clone().map(|href| view! { " · " <a class="proof" href=href target="_blank" rel="noopener">{t_string!(i18n, charity.proof_view)}</a> })}</p>
            {(state == Some(MatchState::Proposed)).then(|| view! {
                <label for=format!("answer-note-{mid}")>{t_string!(i18n, charity.note_optional)}</label>
                <input id=format!("answer-note-{mid}") maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                <div class="actions">
                    <button type="button" class="primary accept" on:click=move |_| { answer.dispatch((true, note.get_untracked())); }>{t_string!(i18n, charity.accept)}</button>
                    <button type="button" class="decline" on:click=move |_| { answer.dispatch((false, note.get_untracked())); }>{t_string!(i18n, charity.decline)}</button>
                </div>
            })}
            {(matches!(state, Some(MatchState::Accepted | MatchState::Delivered)) && !m.confirmed).then(|| view! {
                <p class="hint unconfirmed">{t_string!(i18n, charity.awaiting_confirmation)}</p>
            })}
            {(matches!(state, Some(MatchState::Accepted | MatchState::Delivered)) && m.confirmed).then(|| view! {
                <label for=format!("purpose-{mid}")>{t_string!(i18n, charity.contact_purpose)}</label>
                <select id=format!("purpose-{mid}") on:change=move |ev| purpose.set(event_target_value(&ev))>
                    {CONTACT_PURPOSES.into_iter().map(|p| view! {
                        <option value=p selected=move || purpose.get() == p>{purpose_label(i18n, p)}</option>
                    }).collect_view()}
                </select>
                <button type="button" class="reveal" on:click=move |_| { contact.dispatch(purpose.get_untracked()); }>{t_string!(i18n, charity.show_contact)}</button>
                {move || shown.get().map(|c| view! {
                    <p class="contact">{c.head_name} " · " <span class="mono">{c.phone}</span> " · " {c.address}</p>
                    <p class="hint">{t_string!(i18n, charity.contact_logged)}</p>
                })}
            })}
            {(state == Some(MatchState::Accepted)).then(|| view! {
                <form class="deliver" on:submit=move |ev| { ev.prevent_default(); deliver.dispatch((delivered_on.get_untracked(), proof.get_untracked())); }>
                    <label for=format!("deliver-on-{mid}")>{t_string!(i18n, charity.delivered_on)}</label>
                    <input id=format!("deliver-on-{mid}") type="date" prop:value=delivered_on on:input=move |ev| delivered_on.set(event_target_value(&ev)) />
                    <FieldMessage error=field_error_of(error, "delivered_on") id=format!("deliver-on-{mid}-error") />
                    <label for=format!("deliver-proof-{mid}")>{t_string!(i18n, charity.proof)}</label>
                    <input id=format!("deliver-proof-{mid}") maxlength="500" prop:value=proof on:input=move |ev| proof.set(event_target_value(&ev)) />
                    <p class="hint">{t_string!(i18n, charity.proof_hint)}</p>
                    <FieldMessage error=field_error_of(error, "proof") id=format!("deliver-proof-{mid}-error") />
                    <label for=format!("deliver-file-{mid}")>{t_string!(i18n, charity.proof_file)}</label>
                    <input id=format!("deliver-file-{mid}") type="file" accept="image/jpeg,image/png,application/pdf" />
                    <button type="submit" class="primary">{t_string!(i18n, charity.record_delivery)}</button>
                </form>
            })}
            {matches!(state, Some(MatchState::Proposed | MatchState::Accepted)).then(|| view! {
                <form class="inline close" on:submit=move |ev| { ev.prevent_default(); close.dispatch((closing.get_untracked(), note.get_untracked())); }>
                    <label for=format!("close-{mid}")>{t_string!(i18n, charity.close_as)}</label>
                    <select id=format!("close-{mid}") on:change=move |ev| closing.set(event_target_value(&ev))>
                        {NeedState::CLOSING.into_iter().map(|s| view! { <option value=s.code()>{labels::need_state(i18n, s)}</option> }).collect_view()}
                    </select>
                    <button type="submit">{t_string!(i18n, charity.close)}</button>
                </form>
            })}
            <ErrorBanner error=general_error(error) />
        </li>
    }
}

// ------------------------------------------------------------------------------------------
// Administrators

#[component]
pub fn CharityAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| charity_registrations());
    view! {
        <h1>{t_string!(i18n, charity.admin_title)}</h1>
        <PageTitle text=t_string!(i18n, charity.admin_title).to_string() />
        <ForRoles roles=&[Role::Admin]>
            <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(all) if all.is_empty() => view! { <p class="muted">{t_string!(i18n, charity.none_registered)}</p> }.into_any(),
                        Ok(all) => view! { <ul class="plain">
                            {all.into_iter().map(|c| view! { <CharityDecision c=c on_change=Callback::new(move |_| list.refetch()) /> }).collect_view()}
                        </ul> }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </ForRoles>
    }
}

#[component]
fn CharityDecision(c: CharityView, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(c.id.clone());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    // (true, note): verify; (false, note): reject a pending one, or revoke a verified one.
    let pending = c.status == "pending";
    let decide = Action::new(move |(ok, note): &(bool, String)| {
        let (ok, note) = (*ok, note.clone());
        async move {
            if pending {
                decide_charity(id.get_value(), ok, note).await
            } else {
                revoke_charity(id.get_value(), note).await
            }
        }
    });
    on_result(decide, error, move |_| on_change.run(()));
    let cid = c.id.clone();
    view! {
        <li class="card charity" data-charity=c.credit_code.clone() data-status=c.status.clone()>
            <h2>{crate::ui::as_written(c.name.clone())}</h2>
            <p>{t_string!(i18n, charity.credit_code)} ": " <span class="mono">{c.credit_code.clone()}</span></p>
            <p>{t_string!(i18n, charity.contact_name)} ": " {crate::ui::as_written(c.contact_name.clone())} " · " <span class="mono">{c.contact_phone.clone()}</span></p>
            <p>{t_string!(i18n, charity.service_regions)} ": " {crate::ui::as_written(c.region_names.join(labels::list_sep(i18n)))}</p>
            <p>{t_string!(i18n, care.org_kind)} ": " {labels::org_kind(i18n, c.org_kind)}</p>
            <p>{t_string!(i18n, charity.kinds)} ": " {c.kinds.iter().map(|k| kind_label(i18n, k)).collect::<Vec<_>>().join(labels::list_sep(i18n))}</p>
            <p>{t_string!(i18n, charity.status)} ": " {charity_status(i18n, &c.status)} {(!c.status_note.is_empty()).then(|| crate::ui::as_written(labels::paren(i18n, &c.status_note)))}</p>
            {(c.status == "pending").then(|| view! {
                <label for=format!("decide-note-{cid}")>{t_string!(i18n, charity.decision_note)}</label>
                <input id=format!("decide-note-{cid}") maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                <FieldMessage error=field_error_of(error, "note") id=format!("decide-note-{cid}-error") />
                <div class="actions">
                    <button type="button" class="primary verify" on:click=move |_| { decide.dispatch((true, note.get_untracked())); }>{t_string!(i18n, charity.verify)}</button>
                    <button type="button" class="reject" on:click=move |_| { decide.dispatch((false, note.get_untracked())); }>{t_string!(i18n, charity.reject)}</button>
                </div>
                <ErrorBanner error=general_error(error) />
            })}
            {(c.status == "verified").then(|| view! {
                <label for=format!("revoke-note-{cid}")>{t_string!(i18n, charity.revoke_note)}</label>
                <input id=format!("revoke-note-{cid}") maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                <FieldMessage error=field_error_of(error, "note") id=format!("revoke-note-{cid}-error") />
                <div class="actions">
                    <button type="button" class="revoke" on:click=move |_| { decide.dispatch((false, note.get_untracked())); }>{t_string!(i18n, charity.revoke)}</button>
                </div>
                <ErrorBanner error=general_error(error) />
            })}
        </li>
    }
}

// ------------------------------------------------------------------------------------------
// Caseworkers: the matching page and the household's needs

#[component]
pub fn MatchingPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| load_matching());
    let plan = Action::new(move |_: &()| suggest_matches());
    let confirm = Action::new(move |id: &String| confirm_match(id.clone()));
    Effect::new(move |_| {
        if let Some(Ok(())) = confirm.value().get() {
            data.refetch();
        }
    });
    let kind_filter = RwSignal::new(String::new());
    let refresh = Callback::new(move |_| data.refetch());
    view! {
        <h1>{t_string!(i18n, charity.matching_title)}</h1>
        <PageTitle text=t_string!(i18n, charity.matching_title).to_string() />
        <ForRoles roles=&[Role::Caseworker]>
            <p class="muted">{t_string!(i18n, charity.matching_intro)}</p>
            <label for="kind-filter">{t_string!(i18n, charity.filter_kind)}</label>
            <select id="kind-filter" on:change=move |ev| kind_filter.set(event_target_value(&ev))>
                <option value="">{t_string!(i18n, charity.all_kinds)}</option>
                {HelpKind::ALL.iter().map(|k| view! { <option value=k.code()>{labels::help(i18n, *k)}</option> }).collect_view()}
            </select>
            <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => {
                            let needs = v.needs.clone();
                            let resources = v.resources.clone();
                            let proposed = v.proposed.clone();
                            view! {
                                <ProposedNeeds proposed on_change=refresh />
                                // One above the other: side by side, a tablet's half width wrapped the
                                // tables' cells to one or two characters.
                                <div class="matching">
                                    <section class="card" id="matching-needs">
                                        <h2>{t_string!(i18n, charity.needs)}</h2>
                                        {move || {
                                            let k = kind_filter.get();
                                            let shown: Vec<CaseNeed> = needs.iter().filter(|n| k.is_empty() || n.board.kind == k).cloned().collect();
                                            view! { <NeedTable needs=shown on_change=refresh /> }
                                        }}
                                    </section>
                                    <section class="card" id="matching-resources">
                                        <h2>{t_string!(i18n, charity.resources)}</h2>
                                        {move || {
                                            let k = kind_filter.get();
                                            view! { <ResourceTable resources=resources.iter().filter(|r| k.is_empty() || r.need_kinds.contains(&k)).cloned().collect() /> }
                                        }}
                                    </section>
                                </div>
                                <section class="card" id="region-matches">
                                    <h2>{t_string!(i18n, charity.matches)}</h2>
                                    {v.matches.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, charity.no_matches)}</p> })}
                                    <ul class="plain">
                                        {v.matches.into_iter().map(|m| {
                                            let to_confirm = !m.confirmed && matches!(m.state.as_str(), "accepted" | "delivered");
                                            let mid = m.id.clone();
                                            view! {
                                            <li data-match=m.id.clone() data-state=m.state.clone() data-confirmed=m.confirmed.to_string()>
                                                {kind_label(i18n, &m.need_kind)} " · " {crate::ui::as_written(m.township.clone())} " · " {crate::ui::as_written(m.charity_name.clone())} " · " {crate::ui::as_written(m.resource_title.clone())} " · "
                                                {amount(i18n, &m.form, &m.units, &m.unit)} " · " <strong>{match_state_label(i18n, &m.state)}</strong>
                                                {m.household_id.clone().map(|h| view! { " · " <A href=format!("/staff/households/{h}")>{t_string!(i18n, charity.household_file)}</A> })}
                                                {to_confirm.then(|| view! {
                                                    " · " <span>{t_string!(i18n, charity.unconfirmed)}</span> " "
                                                    <button type="button" class="confirm-match" disabled=move || confirm.pending().get()
                                                        on:click=move |_| { confirm.dispatch(mid.clone()); }>{t_string!(i18n, charity.confirm_match)}</button>
                                                })}
                                            </li>
                                        }}).collect_view()}
                                    </ul>
                                </section>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <section class="card" id="plan">
                <h2>{t_string!(i18n, charity.suggest_title)}</h2>
                <button type="button" class="primary" id="suggest" disabled=move || plan.pending().get() on:click=move |_| { plan.dispatch(()); }>{t_string!(i18n, charity.suggest)}</button>
                {move || plan.value().get().map(|r| match r {
                    Ok(p) => view! { <PlanList plan=p on_change=Callback::new(move |_| { data.refetch(); plan.dispatch(()); }) /> }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                })}
            </section>
        </ForRoles>
    }
}

/// What households asked for in their declarations (with charity consent), proposed as needs:
/// the caseworker confirms each with an amount, or leaves it.
#[component]
fn ProposedNeeds(proposed: Vec<ProposedNeed>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" id="proposed-needs">
            <h2>{t_string!(i18n, charity.proposed_title)}</h2>
            {if proposed.is_empty() {
                view! { <p class="muted" id="proposed-none">{t_string!(i18n, charity.proposed_none)}</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{t_string!(i18n, charity.proposed_intro)}</p>
                    <ul class="plain proposed">
                        {proposed.into_iter().enumerate().map(|(i, p)| view! { <ProposedRow p index=i on_change /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn ProposedRow(p: ProposedNeed, index: usize, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let draft = RwSignal::new(NeedDraft {
        household_id: p.household_id.clone(),
        source: NeedSource::Declaration.code().into(),
        kind: p.kind.clone(),
        form: SupplyForm::Funds.code().into(),
        ..Default::default()
    });
    let error = RwSignal::new(None::<AppError>);
    let save = Action::new(move |d: &NeedDraft| add_need(d.clone()));
    on_result(save, error, move |_| on_change.run(()));
    let amount_id = format!("proposed-amount-{index}");
    let err_id = format!("{amount_id}-error");
    view! {
        <li data-proposed=p.kind.clone() data-household=p.household_id.clone()>
            <form class="proposed-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(draft.get_untracked()); }>
                <strong>{kind_label(i18n, &p.kind)}</strong> " · " {crate::ui::as_written(p.township.clone())} " · "
                <A href=format!("/applications/{}", p.number)>{p.number.clone()}</A> " · "
                <A href=format!("/staff/households/{}", p.household_id)>{t_string!(i18n, charity.household_file)}</A>
                <div class="inline-field">
                    <label for=amount_id.clone()>{t_string!(i18n, charity.amount_yuan)}</label>
                    <input id=amount_id inputmode="decimal" aria-describedby=err_id.clone()
                        prop:value=move || draft.with(|d| d.amount.clone())
                        on:input=move |ev| draft.update(|d| d.amount = event_target_value(&ev)) />
                    <button type="submit" class="primary" disabled=move || save.pending().get()>{t_string!(i18n, charity.proposed_confirm)}</button>
                </div>
                <FieldMessage error=field_error_of(error, "amount") id=err_id />
                <ErrorBanner error=general_error(error) />
            </form>
        </li>
    }
    .into_any()
}

#[component]
fn NeedTable(needs: Vec<CaseNeed>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    if needs.is_empty() {
        return view! { <p class="muted">{t_string!(i18n, charity.no_needs)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0"><table class="needs">
            <thead><tr>
                <th>{t_string!(i18n, charity.kind)}</th><th>{t_string!(i18n, charity.township)}</th><th>{t_string!(i18n, charity.open_amount)}</th>
                <th>{t_string!(i18n, charity.urgency)}</th><th>{t_string!(i18n, charity.sharing)}</th><th>{t_string!(i18n, charity.close_as)}</th>
            </tr></thead>
            <tbody>
                {needs.into_iter().map(|n| view! { <NeedRow n=n on_change=on_change /> }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

#[component]
fn NeedRow(n: CaseNeed, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(n.board.id.clone());
    let error = RwSignal::new(None::<AppError>);
    let state = RwSignal::new(NeedState::DoneByOthers.code().to_string());
    let close = Action::new(move |s: &String| close_need(id.get_value(), s.clone()));
    on_result(close, error, move |_| on_change.run(()));
    let nid = n.board.id.clone();
    let open = n.state == "open";
    view! {
        <tr data-need=n.board.id.clone() data-consent=n.consent.to_string()>
            <td>{kind_label(i18n, &n.board.kind)} " · " {form_label(i18n, &n.board.form)}
                " " <A href=format!("/staff/households/{}", n.household_id)>{t_string!(i18n, charity.household_file)}</A></td>
            <td>{crate::ui::as_written(n.board.township.clone())}</td>
            <td>{amount(i18n, &n.board.form, &n.board.open, "")} " / " {amount(i18n, &n.board.form, &n.amount, "")}</td>
            <td>{n.board.urgency}</td>
            <td>{if !n.consent { t_string!(i18n, charity.no_consent).to_string() } else if n.covered { t_string!(i18n, charity.covered).to_string() } else { "✓".to_string() }}</td>
            <td>{open.then(|| view! {
                <form class="inline" on:submit=move |ev| { ev.prevent_default(); close.dispatch(state.get_untracked()); }>
                    <label class="sr-only" for=format!("close-need-{nid}")>{t_string!(i18n, charity.close_as)}</label>
                    <select id=format!("close-need-{nid}") on:change=move |ev| state.set(event_target_value(&ev))>
                        {NeedState::CLOSING.into_iter().map(|s| view! { <option value=s.code()>{labels::need_state(i18n, s)}</option> }).collect_view()}
                    </select>
                    <button type="submit">{t_string!(i18n, charity.close)}</button>
                </form>
            })}
            {(!open).then(|| need_state_label(i18n, &n.state))}
            <ErrorBanner error=general_error(error) /></td>
        </tr>
    }
}

#[component]
fn PlanList(plan: PlanView, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let (no_consent, covered) = (plan.excluded_no_consent, plan.excluded_covered);
    view! {
        <p class="muted" id="plan-excluded">{t!(i18n, charity.excluded, no_consent = no_consent, covered = covered)}</p>
        {plan.suggestions.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, charity.no_suggestions)}</p> })}
        <ul class="plain" id="suggestions">
            {plan.suggestions.into_iter().map(|s| view! { <SuggestionRow s=s on_change=on_change /> }).collect_view()}
        </ul>
        {(!plan.unmet.is_empty()).then(|| view! {
            <h3>{t_string!(i18n, charity.unmet_title)}</h3>
            <ul class="plain" id="unmet">
                {plan.unmet.into_iter().map(|u| view! {
                    <li data-need=u.need.id.clone()>{kind_label(i18n, &u.need.kind)} " · " {crate::ui::as_written(u.need.township.clone())} " · "
                        {t_string!(i18n, charity.missing)} " " {amount(i18n, &u.need.form, &u.missing, "")} " · " {labels::unmet(i18n, u.why)}</li>
                }).collect_view()}
            </ul>
        })}
    }
}

#[component]
fn SuggestionRow(s: SuggestionView, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let units = RwSignal::new(s.units_shown.replace(',', ""));
    let error = RwSignal::new(None::<AppError>);
    let rejected = RwSignal::new(false);
    let (need_id, resource_id) = (
        StoredValue::new(s.need.id.clone()),
        StoredValue::new(s.resource_id.clone()),
    );
    let propose = Action::new(move |u: &String| {
        propose_match(need_id.get_value(), resource_id.get_value(), u.clone())
    });
    on_result(propose, error, move |_| on_change.run(()));
    let sid = format!("{}-{}", s.need.id, s.resource_id);
    view! {
        <li class="card suggestion" data-need=s.need.id.clone() data-resource=s.resource_id.clone() class:rejected=rejected>
            <p><strong>{kind_label(i18n, &s.need.kind)}</strong> " · " {crate::ui::as_written(s.need.township.clone())} " → " {crate::ui::as_written(s.charity_name.clone())} " · " {crate::ui::as_written(s.resource_title.clone())}</p>
            <p class="why">
                {t_string!(i18n, charity.urgency)} " " {s.need.urgency} " · "
                {t_string!(i18n, charity.fit)} " " {kind_label(i18n, &s.need.kind)} "/" {form_label(i18n, &s.need.form)} " · "
                {t_string!(i18n, charity.coverage)} " " {amount(i18n, &s.need.form, &s.coverage.0, "")} " / " {amount(i18n, &s.need.form, &s.coverage.1, "")} " · "
                {t_string!(i18n, charity.distance)} " " {labels::distance(i18n, s.distance)}
            </p>
            {move || (!rejected.get()).then(|| {
                let sid = sid.clone();
                view! {
                    <form class="inline" on:submit=move |ev| { ev.prevent_default(); propose.dispatch(units.get_untracked()); }>
                        <label for=format!("units-{sid}")>{t_string!(i18n, charity.units)}</label>
                        <input id=format!("units-{sid}") inputmode="decimal" prop:value=units on:input=move |ev| units.set(event_target_value(&ev)) />
                        <FieldMessage error=field_error_of(error, "units") id=format!("units-{sid}-error") />
                        <button type="submit" class="primary accept" disabled=move || propose.pending().get()>{t_string!(i18n, charity.accept_suggestion)}</button>
                        <button type="button" class="reject" on:click=move |_| rejected.set(true)>{t_string!(i18n, charity.reject_suggestion)}</button>
                    </form>
                }
            })}
            {move || rejected.get().then(|| view! { <p class="muted">{t_string!(i18n, charity.suggestion_rejected)}</p> })}
            <ErrorBanner error=general_error(error) />
        </li>
    }
}

/// The household's needs and matches ([`household_needs`]), for [`HouseholdCharity`].
pub type HouseholdNeeds = Resource<Result<(Vec<CaseNeed>, Vec<MatchView>), AppError>>;

/// [`HouseholdNeeds`] of the household `id` names. Created by the page, outside its suspended
/// part: a resource created inside it is created (and fetched, and its read recorded) again when
/// the server walks the suspended part a second time.
pub fn household_needs_resource(id: impl Fn() -> String + Send + Sync + 'static) -> HouseholdNeeds {
    Resource::new(id, household_needs)
}

/// The household file's charity section: its needs (with their standing) and matches (`data`),
/// and a form to record a need.
#[component]
pub fn HouseholdCharity(
    household_id: String,
    caseworker: bool,
    data: HouseholdNeeds,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" id="charity-needs">
            <h2>{t_string!(i18n, charity.household_title)}</h2>
            <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((needs, matches)) => view! {
                            {needs.is_empty().then(|| view! { <p class="muted">{t_string!(i18n, charity.no_needs)}</p> })}
                            <ul class="plain">
                                {needs.into_iter().map(|n| view! {
                                    <li data-need=n.board.id.clone() data-state=n.state.clone()>
                                        {kind_label(i18n, &n.board.kind)} " · " {amount(i18n, &n.board.form, &n.amount, "")} " · "
                                        {t_string!(i18n, charity.delivered)} " " {amount(i18n, &n.board.form, &n.delivered, "")} " · "
                                        <strong>{need_state_label(i18n, &n.state)}</strong>
                                        {(!n.consent).then(|| view! { " · " <span class="badge">{t_string!(i18n, charity.no_consent)}</span> })}
                                    </li>
                                }).collect_view()}
                                {matches.into_iter().map(|m| view! {
                                    <li data-match=m.id.clone() data-state=m.state.clone()>
                                        {crate::ui::as_written(m.charity_name.clone())} " · " {crate::ui::as_written(m.resource_title.clone())} " · " {amount(i18n, &m.form, &m.units, &m.unit)} " · "
                                        <strong>{match_state_label(i18n, &m.state)}</strong>
                                        {(!m.note.is_empty()).then(|| format!(" · {}", m.note))}
                                        {m.proof_file.clone().map(|href| view! { " · " <a class="proof" href=href target="_blank" rel="noopener">{t_string!(i18n, charity.proof_view)}</a> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            {caseworker.then(|| view! {
                <OnDemand id="need-open" summary=t_string!(i18n, charity.add_need)
                    args=(household_id, data) load=|(household_id, data)| Box::pin(need_form_part(household_id, data)) />
            })}
        </section>
    }
}

/// The form to record a need, its code loaded when first opened.
#[cfg_attr(not(feature = "portal"), lazy)] // not exported from the portal's WASM (its islands only)
async fn need_form_part(household_id: String, data: HouseholdNeeds) -> AnyView {
    view! { <NeedForm household_id data /> }.into_any()
}

#[component]
fn NeedForm(household_id: String, data: HouseholdNeeds) -> impl IntoView {
    let i18n = use_i18n();
    let draft = RwSignal::new(NeedDraft {
        household_id,
        source: "caseworker".into(),
        form: "funds".into(),
        ..Default::default()
    });
    let error = RwSignal::new(None::<AppError>);
    let save = Action::new(move |d: &NeedDraft| add_need(d.clone()));
    let added = RwSignal::new(None::<bool>);
    on_result(save, error, move |new| {
        added.set(Some(new));
        data.refetch();
    });
    let fe = move |f| field_error_of(error, f);
    view! {
        <form class="need-form" on:submit=move |ev| { ev.prevent_default(); added.set(None); save.dispatch(draft.get_untracked()); }>
            <label for="need-source">{t_string!(i18n, charity.source)}</label>
            <select id="need-source" on:change=move |ev| draft.update(|d| d.source = event_target_value(&ev))>
                {NeedSource::ALL.into_iter().map(|s| view! { <option value=s.code() selected=move || draft.with(|d| d.source == s.code())>{labels::need_source(i18n, s)}</option> }).collect_view()}
            </select>
            <FieldMessage error=fe("source") id="need-source-error" />
            {move || draft.with(|d| d.source == "warning").then(|| view! {
                <label for="need-warning">{t_string!(i18n, charity.warning_id)}</label>
                <input id="need-warning" inputmode="numeric" prop:value=move || draft.with(|d| d.warning_id.clone())
                    on:input=move |ev| draft.update(|d| d.warning_id = event_target_value(&ev)) />
                <FieldMessage error=fe("warning_id") id="need-warning-error" />
            })}
            <label for="need-kind">{t_string!(i18n, charity.kind)}</label>
            <select id="need-kind" on:change=move |ev| draft.update(|d| d.kind = event_target_value(&ev))>
                <option value="">{t_string!(i18n, common.please_choose)}</option>
                {HelpKind::ALL.iter().map(|k| view! { <option value=k.code()>{labels::help(i18n, *k)}</option> }).collect_view()}
            </select>
            <FieldMessage error=fe("kind") id="need-kind-error" />
            <label for="need-form">{t_string!(i18n, charity.form)}</label>
            <select id="need-form" on:change=move |ev| draft.update(|d| d.form = event_target_value(&ev))>
                {SupplyForm::ALL.into_iter().map(|f| view! { <option value=f.code()>{labels::supply_form(i18n, f)}</option> }).collect_view()}
            </select>
            <label for="need-amount">{move || if draft.with(|d| d.form == "funds") { t_string!(i18n, charity.amount_yuan) } else { t_string!(i18n, charity.amount_units) }}</label>
            <input id="need-amount" inputmode="decimal" prop:value=move || draft.with(|d| d.amount.clone()) on:input=move |ev| draft.update(|d| d.amount = event_target_value(&ev)) />
            <FieldMessage error=fe("amount") id="need-amount-error" />
            <label for="need-note">{t_string!(i18n, charity.note_optional)}</label>
            <input id="need-note" maxlength="200" prop:value=move || draft.with(|d| d.note.clone()) on:input=move |ev| draft.update(|d| d.note = event_target_value(&ev)) />
            <FieldMessage error=fe("note") id="need-note-error" />
            <ErrorBanner error=general_error(error) />
            <button type="submit" class="primary" id="need-save" disabled=move || save.pending().get()>{t_string!(i18n, charity.save_need)}</button>
            {move || added.get().map(|new| view! { " " <span class="muted" role="status">{if new { t_string!(i18n, charity.need_saved) } else { t_string!(i18n, charity.need_exists) }}</span> })}
        </form>
    }
}
