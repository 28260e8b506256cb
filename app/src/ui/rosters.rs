//! 花名册导出: choose a list and its filters (an area below one's own region, a category, a
//! status), then download it masked (a link) or, for caseworkers, unmasked with a purpose (a
//! form the browser posts; the server answers the file, or a page saying why not). The server
//! (`server::rosters`) checks everything again.

use crate::api::rosters::{
    ReferralState, RosterKind, RosterRequest, EXPORTERS, PURPOSE_MAX_CHARS, UNMASKERS,
};
use crate::domain::chain::Department;
use crate::domain::charity::{NeedState, SupplyForm};
use crate::domain::cycle::Standing;
use crate::domain::declaration::Residence;
use crate::domain::monitoring::{Source, WarningLevel, WarningStatus};
use crate::domain::payments::Fund;
use crate::domain::policy::assess::Category;
use crate::domain::recovery::{RecoveryReason, RecoveryState};
use crate::domain::referral::ReferralStatus;
use crate::domain::roster::{
    EmergencyForm, Flow, RecoveryChoice, VisitFilter, STAFF_SOURCE, UNRECORDED,
};
use crate::domain::status::ApplicationStatus;
use crate::i18n::*;
use crate::texts::roster as words;
use crate::ui::{MeResource, PageTitle};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn RostersPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    view! {
        <h1>{t_string!(i18n, roster.title)}</h1>
        <PageTitle text=t_string!(i18n, roster.title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(u)) if u.acts_as(EXPORTERS) => {
                        let root = u.region_code.clone().unwrap_or_default();
                        let unmask = u.acts_as(UNMASKERS);
                        view! { <RosterForm root unmask /> }.into_any()
                    }
                    _ => view! { <p class="notice">{t_string!(i18n, error.forbidden)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The filters a list starts with: households in assistance; this month's roll; any status
/// otherwise.
fn fresh(kind: RosterKind) -> RosterRequest {
    RosterRequest {
        standing: if kind == RosterKind::Households {
            Standing::InAssistance.code().into()
        } else {
            String::new()
        },
        month: if kind == RosterKind::Payments {
            crate::domain::payments::Month::of(crate::clock::today_in_china()).to_string()
        } else {
            String::new()
        },
        ..Default::default()
    }
}

#[component]
fn RosterForm(
    /// The caller's region: areas are picked below it.
    root: String,
    /// Whether the caller may export unmasked.
    unmask: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(RosterKind::Households);
    let request = RwSignal::new(fresh(RosterKind::Households));
    let locale = move || i18n.get_locale();
    // One select of codes: its label, its id, the choices (code, label), which field it sets.
    // One select of codes for a field of the request (its id is `r-{field}`).
    let select = move |field: &'static str, label: String, choices: Vec<(&'static str, String)>| {
        let id = format!("r-{field}");
        view! {
            <div>
                <label for=id.clone()>{label}</label>
                <select id=id on:change=move |ev| request.update(|r| r.set(field, event_target_value(&ev)))>
                    <option value="" selected=move || request.with(|r| r.value(field).is_empty())>{t_string!(i18n, roster.any)}</option>
                    {choices.into_iter().map(|(code, text)| view! {
                        <option value=code selected=move || request.with(|r| r.value(field) == code)>{text}</option>
                    }).collect_view()}
                </select>
            </div>
        }
    };
    // A span of months, for the lists that read one.
    let months = move || {
        view! {
            <div>
                <label for="r-from">{t_string!(i18n, roster.from_label)}</label>
                <input id="r-from" type="month" prop:value=move || request.with(|r| r.from.clone())
                    on:input=move |ev| request.update(|r| r.from = event_target_value(&ev)) />
            </div>
            <div>
                <label for="r-to">{t_string!(i18n, roster.to_label)}</label>
                <input id="r-to" type="month" prop:value=move || request.with(|r| r.to.clone())
                    on:input=move |ev| request.update(|r| r.to = event_target_value(&ev)) />
            </div>
        }
    };
    let filters = move || {
        match kind.get() {
        RosterKind::Households => view! {
            {select(
                "category",
                t_string!(i18n, roster.category_label).to_string(),
                Category::ALL.into_iter().map(|c| (c.code(), words::category(locale(), c))).collect(),
            )}
            {select(
                "standing",
                t_string!(i18n, roster.standing_label).to_string(),
                Standing::ALL.into_iter().map(|s| (s.code(), words::standing(locale(), s))).collect(),
            )}
            {select(
                "residence",
                t_string!(i18n, roster.col.residence).to_string(),
                Residence::ALL
                    .into_iter()
                    .map(|r| (r.code(), words::residence(locale(), r)))
                    .chain([(UNRECORDED, t_string!(i18n, stats.unrecorded).to_string())])
                    .collect(),
            )}
            {select(
                "flow",
                t_string!(i18n, roster.flow_label).to_string(),
                Flow::ALL.into_iter().map(|f| (f.code(), words::flow(locale(), f))).collect(),
            )}
            {months()}
        }
        .into_any(),
        RosterKind::Applications => view! {
            {select(
                "status",
                t_string!(i18n, roster.status_label).to_string(),
                ApplicationStatus::ALL.into_iter().map(|s| (s.code(), words::status(locale(), s))).collect(),
            )}
            {months()}
        }
        .into_any(),
        RosterKind::Warnings => view! {
            {select(
                "status",
                t_string!(i18n, roster.status_label).to_string(),
                WarningStatus::ALL.into_iter().map(|s| (s.code(), words::warning_status(locale(), s))).collect(),
            )}
            {select(
                "level",
                t_string!(i18n, roster.level_label).to_string(),
                WarningLevel::ALL.into_iter().map(|l| (l.code(), l.code().to_string())).collect(),
            )}
            {select(
                "source",
                t_string!(i18n, roster.source_label).to_string(),
                Source::ALL
                    .into_iter()
                    .map(|s| (s.code(), crate::texts::statistics::source(locale(), s)))
                    .chain([(STAFF_SOURCE, t_string!(i18n, roster.source_staff).to_string())])
                    .collect(),
            )}
            {select(
                "visit",
                t_string!(i18n, roster.visit_label).to_string(),
                VisitFilter::ALL.into_iter().map(|v| (v.code(), words::visit(locale(), v))).collect(),
            )}
            {months()}
        }
        .into_any(),
        RosterKind::Payments => view! {
            <div>
                <label for="r-month">{t_string!(i18n, roster.month_label)}</label>
                <input id="r-month" type="month" prop:value=move || request.with(|r| r.month.clone())
                    on:input=move |ev| request.update(|r| r.month = event_target_value(&ev)) />
            </div>
            {select(
                "category",
                t_string!(i18n, roster.category_label).to_string(),
                Category::ALL.into_iter().map(|c| (c.code(), words::category(locale(), c))).collect(),
            )}
            {select(
                "fund",
                t_string!(i18n, roster.fund_label).to_string(),
                Fund::ALL.into_iter().map(|f| (f.code(), words::fund(locale(), f))).collect(),
            )}
        }
        .into_any(),
        RosterKind::Referrals => view! {
            {select(
                "department",
                t_string!(i18n, roster.department_label).to_string(),
                Department::ALL
                    .into_iter()
                    .map(|d| (d.code(), crate::texts::statistics::department(locale(), d)))
                    .collect(),
            )}
            {select(
                "status",
                t_string!(i18n, roster.status_label).to_string(),
                ReferralStatus::ALL
                    .into_iter()
                    .map(|s| (s.code(), words::referral_status(locale(), s)))
                    .chain([(ReferralState::ANSWERED, t_string!(i18n, roster.answered).to_string())])
                    .collect(),
            )}
            {months()}
        }
        .into_any(),
        RosterKind::Recovery => view! {
            {select(
                "reason",
                t_string!(i18n, roster.reason_label).to_string(),
                RecoveryReason::ALL
                    .into_iter()
                    .map(|r| (r.code(), crate::texts::statistics::recovery_reason(locale(), r)))
                    .collect(),
            )}
            {select(
                "status",
                t_string!(i18n, roster.status_label).to_string(),
                RecoveryState::ALL
                    .into_iter()
                    .map(|s| (s.code(), words::recovery_state(locale(), s)))
                    .chain([(RecoveryChoice::OUTSTANDING, t_string!(i18n, roster.outstanding).to_string())])
                    .collect(),
            )}
            {months()}
        }
        .into_any(),
        RosterKind::Charity => view! {
            {select(
                "form",
                t_string!(i18n, roster.form_label).to_string(),
                SupplyForm::ALL.into_iter().map(|f| (f.code(), words::supply_form(locale(), f))).collect(),
            )}
            {select(
                "status",
                t_string!(i18n, roster.status_label).to_string(),
                NeedState::ALL.into_iter().map(|s| (s.code(), words::need_state(locale(), s))).collect(),
            )}
            {months()}
        }
        .into_any(),
        RosterKind::Emergency => view! {
            {select(
                "form",
                t_string!(i18n, roster.form_label).to_string(),
                EmergencyForm::ALL.into_iter().map(|f| (f.code(), words::emergency_form(locale(), f))).collect(),
            )}
            {months()}
        }
        .into_any(),
    }
    };
    view! {
        <p class="muted">{t_string!(i18n, roster.intro)}</p>
        <div class="card filters" id="roster-filters">
            <div class="filter-grid">
                <div>
                    <label for="r-kind">{t_string!(i18n, roster.kind_label)}</label>
                    <select id="r-kind" on:change=move |ev| {
                        if let Some(k) = RosterKind::from_code(&event_target_value(&ev)) {
                            let area = request.with_untracked(|r| r.region.clone());
                            request.set(RosterRequest { region: area, ..fresh(k) });
                            kind.set(k);
                        }
                    }>
                        {RosterKind::ALL.into_iter().map(|k| view! {
                            <option value=k.code() selected=move || kind.get() == k>{move || words::title(locale(), k)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <crate::ui::casework::AreaPicker root area=Signal::derive(move || request.with(|r| r.region.clone()))
                    on_change=Callback::new(move |a: String| request.update(|r| r.region = a)) />
                {filters}
            </div>
            <p><a id="roster-masked" class="button primary" rel="external" download
                href=move || request.with(|r| r.href(kind.get()))>{t_string!(i18n, roster.download_masked)}</a></p>
        </div>
        {unmask.then(|| view! {
            <details class="card" id="roster-unmasked">
                <summary>{t_string!(i18n, roster.unmasked_title)}</summary>
                <p class="muted">{t_string!(i18n, roster.unmasked_intro)}</p>
                <form method="post" action=move || format!("/rosters/{}.xlsx", kind.get().code())>
                    {RosterRequest::FIELDS.iter().copied().map(|name| view! {
                        <input type="hidden" name=name prop:value=move || request.with(|r| r.value(name).to_string()) />
                    }).collect_view()}
                    <input type="hidden" name="unmask" value="true" />
                    <label for="r-purpose">{t_string!(i18n, roster.purpose_label)}</label>
                    <input id="r-purpose" name="purpose" required minlength="4" maxlength=PURPOSE_MAX_CHARS.to_string() autocomplete="off" />
                    <button type="submit" id="roster-unmasked-go">{t_string!(i18n, roster.download_unmasked)}</button>
                </form>
            </details>
        })}
    }
}
