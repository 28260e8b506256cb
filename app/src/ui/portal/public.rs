//! The public pages (no sign-in): the assistance policy in plain words with a county's standards
//! in force, the monthly public statistics, the public notice with a village search, and the
//! footer every portal page shows (hotline and supervision numbers, links to these pages).
//! Nothing here is interactive: every choice is a link or a plain GET form, so the portal's
//! document holds no island for them (a page load per choice, on any phone).

use crate::api::casework::{public_notices, NoticePage as Notices};
use crate::api::publicity::{
    notice_places, policy_standards, public_contacts, public_statistics, PublicLine, RegionSteps,
};
use crate::domain::money::Money;
use crate::domain::policy::assess::Category;
use crate::domain::publicity::{ContactKind, Shown, Standard, StandardItem};
use crate::i18n::*;
use crate::ui::{as_written, china_time, labels, PageTitle};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_query_map;

/// One query parameter of the page's address (empty when absent).
fn query(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let q = use_query_map();
    move || q.read().get(name).unwrap_or_default()
}

/// A path with its query (`region` and more), each value percent-encoded.
fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencoding(v)))
        .collect();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

fn urlencoding(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The region picker: the regions chosen so far as links back up, and the next level as a
/// plain GET form (`region`), on page `path`.
#[component]
pub fn RegionPicker(steps: RegionSteps, path: &'static str, label: String) -> impl IntoView {
    let i18n = use_i18n();
    let RegionSteps { trail, choices } = steps;
    view! {
        <nav class="region-trail" aria-label=t_string!(i18n, public.trail)>
            <a href=path>{t_string!(i18n, public.all_regions)}</a>
            {trail.into_iter().map(|(code, name)| view! {
                " › " <a href=href(path, &[("region", &code)])>{as_written(name)}</a>
            }).collect_view()}
        </nav>
        {(!choices.is_empty()).then(|| view! {
            <form method="get" action=path class="region-pick">
                <label for="region">{label}</label>
                <select id="region" name="region">
                    {choices.into_iter().map(|(code, name)| view! { <option value=code>{as_written(name)}</option> }).collect_view()}
                </select>
                <button type="submit">{t_string!(i18n, public.choose)}</button>
            </form>
        })}
    }
}

/// A figure as the public reads it, with its unit.
fn figure(i18n: I18nContext<Locale>, shown: Shown, v: i64) -> String {
    let money = |unit: &str| format!("{} {unit}", Money::from_fen(v));
    match shown {
        Shown::PerPersonMonth => money(t_string!(i18n, public.per_person_month)),
        Shown::PerPersonYear => money(t_string!(i18n, public.per_person_year)),
        Shown::PerWorkerMonth => money(t_string!(i18n, public.per_worker_month)),
        Shown::Yuan => money(t_string!(i18n, public.yuan)),
        Shown::Percent => match v % 10 {
            0 => format!("{}%", v / 10),
            d => format!("{}.{d}%", v / 10),
        },
        Shown::Months => format!("{v} {}", t_string!(i18n, public.months)),
        Shown::Days => format!("{v} {}", t_string!(i18n, public.days)),
        Shown::WorkingDays => format!("{v} {}", t_string!(i18n, public.working_days)),
    }
}

fn item_label(i18n: I18nContext<Locale>, item: StandardItem) -> String {
    match item {
        StandardItem::DibaoStandard => t_string!(i18n, public.item.dibao_standard),
        StandardItem::TekunStandard => t_string!(i18n, public.item.tekun_standard),
        StandardItem::MarginalLine => t_string!(i18n, public.item.marginal_line),
        StandardItem::DisposableIncome => t_string!(i18n, public.item.disposable_income),
        StandardItem::RigidShare => t_string!(i18n, public.item.rigid_share),
        StandardItem::DibaoDeposit => t_string!(i18n, public.item.dibao_deposit),
        StandardItem::Premium => t_string!(i18n, public.item.premium),
        StandardItem::PremiumTekun => t_string!(i18n, public.item.premium_tekun),
        StandardItem::PremiumDibao => t_string!(i18n, public.item.premium_dibao),
        StandardItem::PremiumMarginal => t_string!(i18n, public.item.premium_marginal),
        StandardItem::EmploymentDeduction => t_string!(i18n, public.item.employment_deduction),
        StandardItem::TaperMonths => t_string!(i18n, public.item.taper_months),
        StandardItem::AdvanceAidMax => t_string!(i18n, public.item.advance_aid_max),
        StandardItem::DecisionDays => t_string!(i18n, public.item.decision_days),
        StandardItem::NoticeDays => t_string!(i18n, public.item.notice_days),
    }
    .to_string()
}

/// The sections of the policy page: each group of people assisted and each kind of help, with
/// the figures that concern it.
#[derive(Clone, Copy)]
enum Section {
    Tekun,
    Dibao,
    Marginal,
    Rigid,
    Relapse,
    Other,
    Medical,
    Education,
    Housing,
    Employment,
    Emergency,
    Service,
}

impl Section {
    const ALL: [Section; 12] = [
        Section::Dibao,
        Section::Tekun,
        Section::Marginal,
        Section::Rigid,
        Section::Relapse,
        Section::Other,
        Section::Medical,
        Section::Education,
        Section::Housing,
        Section::Employment,
        Section::Emergency,
        Section::Service,
    ];

    fn anchor(self) -> &'static str {
        match self {
            Section::Tekun => Category::Tekun.code(),
            Section::Dibao => Category::Dibao.code(),
            Section::Marginal => Category::DibaoMarginal.code(),
            Section::Rigid => Category::RigidExpense.code(),
            Section::Relapse => Category::RelapseWatch.code(),
            Section::Other => Category::OtherHardship.code(),
            Section::Medical => "medical",
            Section::Education => "education",
            Section::Housing => "housing",
            Section::Employment => "employment",
            Section::Emergency => "emergency",
            Section::Service => "service",
        }
    }

    fn items(self) -> &'static [StandardItem] {
        use StandardItem as S;
        match self {
            Section::Dibao => &[S::DibaoStandard, S::DibaoDeposit, S::PremiumDibao],
            Section::Tekun => &[S::TekunStandard, S::PremiumTekun],
            Section::Marginal => &[S::MarginalLine, S::PremiumMarginal],
            Section::Rigid => &[S::DisposableIncome, S::RigidShare],
            Section::Medical => &[
                S::Premium,
                S::PremiumTekun,
                S::PremiumDibao,
                S::PremiumMarginal,
            ],
            Section::Employment => &[S::EmploymentDeduction, S::TaperMonths],
            Section::Emergency => &[S::AdvanceAidMax],
            Section::Relapse
            | Section::Other
            | Section::Education
            | Section::Housing
            | Section::Service => &[],
        }
    }

    /// Title, who, what, how, documents.
    fn texts(self, i18n: I18nContext<Locale>) -> [String; 5] {
        macro_rules! five {
            ($s:ident) => {
                [
                    t_string!(i18n, public.section.$s.title).to_string(),
                    t_string!(i18n, public.section.$s.who).to_string(),
                    t_string!(i18n, public.section.$s.what).to_string(),
                    t_string!(i18n, public.section.$s.how).to_string(),
                    t_string!(i18n, public.section.$s.docs).to_string(),
                ]
            };
        }
        match self {
            Section::Tekun => five!(tekun),
            Section::Dibao => five!(dibao),
            Section::Marginal => five!(dibao_marginal),
            Section::Rigid => five!(rigid_expense),
            Section::Relapse => five!(relapse_watch),
            Section::Other => five!(other_hardship),
            Section::Medical => five!(medical),
            Section::Education => five!(education),
            Section::Housing => five!(housing),
            Section::Employment => five!(employment),
            Section::Emergency => five!(emergency),
            Section::Service => five!(service),
        }
    }
}

/// Figures in force with their sources: urban and rural side by side (one cell when the same).
#[component]
fn StandardsTable(standards: Vec<Standard>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="standards">
            <thead><tr>
                <th scope="col">{t_string!(i18n, public.local)}</th>
                <th scope="col">{t_string!(i18n, public.urban)}</th>
                <th scope="col">{t_string!(i18n, public.rural)}</th>
            </tr></thead>
            <tbody>
                {standards.into_iter().map(|s| {
                    let shown = s.item.shown();
                    let cell = move |v: Option<i64>| v.map(|v| figure(i18n, shown, v)).unwrap_or_else(|| "—".into());
                    let values = if s.same_for_both() {
                        view! { <td colspan="2" class="num">{cell(s.urban)}</td> }.into_any()
                    } else {
                        view! { <td class="num">{cell(s.urban)}</td><td class="num">{cell(s.rural)}</td> }.into_any()
                    };
                    let example = s.example();
                    view! {
                        <tr data-item=s.item.code()>
                            <th scope="row">{item_label(i18n, s.item)}</th>
                            {values}
                        </tr>
                        <tr class="sources">
                            <td colspan="3">
                                {t_string!(i18n, public.source)} {t_string!(i18n, public.colon)}
                                {s.sources.into_iter().map(|src| view! {
                                    <span class="source">
                                        {crate::ui::policy::source_view(i18n, &src.text, src.example)}
                                        " · " {t_string!(i18n, public.from)} " " {src.effective_from.to_string()}
                                    </span>
                                }).collect_view()}
                                {example.then(|| view! { <span class="badge example">{t_string!(i18n, public.example)}</span> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/policy`: every group of people assisted and every kind of help in plain words, and once a
/// county is chosen its standards in force today with their sources.
#[component]
pub fn PolicyInfoPage() -> impl IntoView {
    let i18n = use_i18n();
    let region = query("region");
    let data = Resource::new(region, policy_standards);
    view! {
        <h1>{t_string!(i18n, public.policy_title)}</h1>
        <PageTitle text=t_string!(i18n, public.policy_title).to_string() />
        <p>{t_string!(i18n, public.policy_intro)}</p>
        <p class="actions">
            <a href="/declare" class="button primary" id="estimate-link">{t_string!(i18n, public.estimate_link)}</a>
        </p>
        <p class="muted">{t_string!(i18n, public.estimate_hint)}</p>
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let all = d.standards;
                        let of = |items: &[StandardItem]| -> Vec<Standard> {
                            items.iter().filter_map(|i| all.iter().find(|s| s.item == *i).cloned()).collect()
                        };
                        let chosen = d.county.is_some();
                        let process = of(&[StandardItem::DecisionDays, StandardItem::NoticeDays]);
                        let any_example = all.iter().any(Standard::example);
                        let on = d.on.clone();
                        let county_title = match d.county.clone() {
                            Some((_, name)) => view! { {t!(i18n, public.standards_title, county = move || as_written(name.clone()), on = move || on.clone())} }.into_any(),
                            None => view! { {t_string!(i18n, public.pick_region)} }.into_any(),
                        };
                        let none_set = chosen && all.is_empty();
                        view! {
                            <section class="card" id="standards">
                                <h2>{county_title}</h2>
                                <RegionPicker steps=d.steps path="/policy" label=t_string!(i18n, public.pick_county).to_string() />
                                {(!chosen).then(|| view! { <p class="muted">{t_string!(i18n, public.choose_county_first)}</p> })}
                                {none_set.then(|| view! { <p class="notice">{t_string!(i18n, public.standards_none)}</p> })}
                                {any_example.then(|| view! { <p class="muted">{t_string!(i18n, public.example_note)}</p> })}
                            </section>
                            <nav class="card toc">
                                <ul>
                                    {Section::ALL.iter().map(|s| {
                                        let [title, ..] = s.texts(i18n);
                                        view! { <li><a href=format!("#{}", s.anchor())>{title}</a></li> }
                                    }).collect_view()}
                                </ul>
                            </nav>
                            {Section::ALL.iter().map(|s| {
                                let [title, who, what, how, docs] = s.texts(i18n);
                                let local = of(s.items());
                                view! {
                                    <section class="card policy-section" id=s.anchor()>
                                        <h2>{title}</h2>
                                        <dl>
                                            <dt>{t_string!(i18n, public.who)}</dt><dd>{who}</dd>
                                            <dt>{t_string!(i18n, public.what)}</dt><dd>{what}</dd>
                                            <dt>{t_string!(i18n, public.how)}</dt><dd>{how}</dd>
                                            <dt>{t_string!(i18n, public.docs)}</dt><dd>{docs}</dd>
                                        </dl>
                                        {(!local.is_empty()).then(|| view! { <StandardsTable standards=local /> })}
                                    </section>
                                }
                            }).collect_view()}
                            <section class="card" id="process">
                                <h2>{t_string!(i18n, public.process_title)}</h2>
                                <p>{t_string!(i18n, public.process_text)}</p>
                                {(!process.is_empty()).then(|| view! { <StandardsTable standards=process /> })}
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A count of the public statistics: the number, or "*" where withheld.
fn count_cell(v: Option<i64>) -> String {
    v.map_or_else(|| "*".to_string(), |v| v.to_string())
}

#[component]
fn PublicTable(lines: Vec<PublicLine>, money: bool, id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let withheld = t_string!(i18n, public.open_withheld).to_string();
    view! {
        <table id=id class="public-figures">
            <thead><tr>
                <th scope="col">{t_string!(i18n, public.open_category)}</th>
                <th scope="col">{t_string!(i18n, public.open_households)}</th>
                <th scope="col">{t_string!(i18n, public.open_persons)}</th>
                {money.then(|| view! { <th scope="col">{t_string!(i18n, public.open_amount)}</th> })}
            </tr></thead>
            <tbody>
                {lines.into_iter().map(|l| {
                    let name = match Category::from_code(&l.category) {
                        Some(c) => labels::category(i18n, c).to_string(),
                        None if l.category.is_empty() => t_string!(i18n, public.open_total).to_string(),
                        None => l.category.clone(),
                    };
                    let title = l.households.is_none().then(|| withheld.clone());
                    view! {
                        <tr data-category=l.category.clone() class:total=l.category.is_empty() title=title>
                            <th scope="row">{name}</th>
                            <td class="num">{count_cell(l.households)}</td>
                            <td class="num">{count_cell(l.persons)}</td>
                            {money.then(|| view! { <td class="num">{l.amount.map_or_else(|| "*".to_string(), |a| Money::from_fen(a).to_string())}</td> })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/open`: 政务公开, a county's households, persons and expenditure by category for a month,
/// and those in assistance now, small cells withheld.
#[component]
pub fn OpenStatisticsPage() -> impl IntoView {
    let i18n = use_i18n();
    let region = query("region");
    let month = query("month");
    let data = Resource::new(
        move || (region(), month()),
        |(r, m)| public_statistics(r, m),
    );
    view! {
        <h1>{t_string!(i18n, public.open_title)}</h1>
        <PageTitle text=t_string!(i18n, public.open_title).to_string() />
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let intro = match d.min_cell {
                            Some(min) => view! { {t!(i18n, public.open_intro, min = move || min)} }.into_any(),
                            None => view! { {t_string!(i18n, public.open_intro_plain)} }.into_any(),
                        };
                        let county = d.county.clone();
                        let refreshed = if d.refreshed_at > 0 { china_time(d.refreshed_at) } else { t_string!(i18n, public.open_never).to_string() };
                        view! {
                            <p>{intro}</p>
                            <section class="card">
                                <RegionPicker steps=d.steps path="/open" label=t_string!(i18n, public.pick_county).to_string() />
                            </section>
                            {county.map(|(code, name)| {
                                if d.min_cell.is_none() {
                                    return view! { <p class="notice" id="open-unset">{t_string!(i18n, public.open_unset)}</p> }.into_any();
                                }
                                let shown_month = d.month.clone().unwrap_or_default();
                                view! {
                                    <h2>{as_written(name)}</h2>
                                    {(!d.months.is_empty()).then(|| view! {
                                        <form method="get" action="/open" class="region-pick">
                                            <input type="hidden" name="region" value=code.clone() />
                                            <label for="month">{t_string!(i18n, public.open_month)}</label>
                                            <select id="month" name="month">
                                                {d.months.iter().map(|m| view! { <option value=m.clone() selected=*m == shown_month>{m.clone()}</option> }).collect_view()}
                                            </select>
                                            <button type="submit">{t_string!(i18n, public.open_show)}</button>
                                        </form>
                                    })}
                                    <section class="card">
                                        {match d.month.clone() {
                                            Some(m) => view! {
                                                <h3>{t!(i18n, public.open_paid_title, month = move || m.clone())}</h3>
                                                <PublicTable lines=d.paid.clone() money=true id="open-paid" />
                                            }.into_any(),
                                            None => view! { <p class="muted">{t_string!(i18n, public.open_no_month)}</p> }.into_any(),
                                        }}
                                    </section>
                                    <section class="card">
                                        <h3>{t_string!(i18n, public.open_now_title)}</h3>
                                        <PublicTable lines=d.now.clone() money=false id="open-now" />
                                    </section>
                                }.into_any()
                            })}
                            <p class="muted">{t_string!(i18n, public.open_refreshed)} {refreshed}</p>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/notice`: the public notice (审核结果公示), page by page, for a region chosen down to the
/// village or found by the village's name within a county.
#[component]
pub fn PublicNoticePage() -> impl IntoView {
    let i18n = use_i18n();
    let region = query("region");
    let text = query("text");
    let page = move || query("page")().parse::<u32>().unwrap_or(0);
    let places = Resource::new(move || (region(), text()), |(r, t)| notice_places(r, t));
    let list = Resource::new(move || (region(), page()), |(r, p)| public_notices(r, p));
    view! {
        <h1>{t_string!(i18n, casework.notice_title)}</h1>
        <PageTitle text=t_string!(i18n, casework.notice_title).to_string() />
        <p class="muted">{t_string!(i18n, casework.notice_intro)}</p>
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let chosen = region();
                let searched = text();
                let picker = match places.await {
                    Ok(p) => {
                        let found = p.found;
                        view! {
                            <section class="card">
                                <RegionPicker steps=p.steps path="/notice" label=t_string!(i18n, public.pick_place).to_string() />
                                <form method="get" action="/notice" class="region-pick">
                                    <input type="hidden" name="region" value=chosen.clone() />
                                    <label for="notice-text">{t_string!(i18n, public.notice_search)}</label>
                                    <input id="notice-text" name="text" type="search" maxlength="20" value=searched.clone() />
                                    <button type="submit">{t_string!(i18n, public.notice_find)}</button>
                                </form>
                                {(!searched.is_empty()).then(|| if found.is_empty() {
                                    view! { <p class="muted" id="notice-nothing">{t_string!(i18n, public.notice_nothing)}</p> }.into_any()
                                } else {
                                    view! {
                                        <p>{t_string!(i18n, public.notice_found)}</p>
                                        <ul id="notice-found">
                                            {found.into_iter().map(|(code, name)| view! { <li><a href=href("/notice", &[("region", &code)])>{as_written(name)}</a></li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                })}
                            </section>
                        }.into_any()
                    }
                    Err(crate::error::AppError::Invalid(e)) if e.iter().any(|f| f.field == "region" && chosen.is_empty()) => view! {
                        <p class="notice">{t_string!(i18n, public.notice_pick_first)}</p>
                        <p><a href="/notice">{t_string!(i18n, public.all_regions)}</a></p>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                };
                let rows = match list.await {
                    Ok(p) if p.rows.is_empty() && p.page == 0 => view! { <p class="muted">{t_string!(i18n, casework.notice_none)}</p> }.into_any(),
                    Ok(Notices { rows, page, more }) => view! {
                        <table id="notices">
                            <thead><tr><th>{t_string!(i18n, casework.head)}</th><th>{t_string!(i18n, casework.village)}</th><th>{t_string!(i18n, casework.category)}</th><th>{t_string!(i18n, casework.amount)}</th><th>{t_string!(i18n, casework.notice_until)}</th><th></th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| {
                                    let c = r.category;
                                    view! { <tr><td>{as_written(r.masked_name)}</td><td>{as_written(r.village_name)}</td><td>{c.map(|c| labels::category(i18n, c)).unwrap_or_default()}</td><td class="num">{crate::ui::policy::yuan(i18n, r.monthly_amount_fen)}</td><td>{r.notice_until}</td><td><a class="object-link" href=href("/complaints", &[("region", &r.village_code), ("kind", "notice_objection"), ("notice", &r.notice_ref)])>{t_string!(i18n, complaints.object_link)}</a></td></tr> }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <nav class="pager" aria-label=t_string!(i18n, casework.notice_pages)>
                            {(page > 0).then(|| view! { <a id="notice-prev" href=href("/notice", &[("region", &chosen), ("page", &(page - 1).to_string())])>{t_string!(i18n, casework.notice_prev)}</a> })}
                            " "
                            {more.then(|| view! { <a id="notice-next" href=href("/notice", &[("region", &chosen), ("page", &(page + 1).to_string())])>{t_string!(i18n, casework.notice_next)}</a> })}
                        </nav>
                    }.into_any(),
                    Err(e) => view! { <p class="banner error">{labels::app_error(i18n, &e)}</p> }.into_any(),
                };
                view! { {picker} {rows} }.into_any()
            })}
        </Suspense>
    }
}

/// Every portal page's footer: the hotline and supervision numbers in force for the region the
/// page is about (its `region`), or each province's, and the public pages.
#[component]
pub fn PublicFooter() -> impl IntoView {
    let i18n = use_i18n();
    let region = query("region");
    let contacts = Resource::new(region, public_contacts);
    view! {
        <footer class="public-footer" id="public-footer">
            <nav aria-label=t_string!(i18n, public.footer_title)>
                <a href="/policy">{t_string!(i18n, public.nav_policy)}</a>
                " · "
                <a href="/open">{t_string!(i18n, public.nav_open)}</a>
                " · "
                <a href="/notice">{t_string!(i18n, public.nav_notice)}</a>
                " · "
                <a href="/complaints" id="footer-complaints">{t_string!(i18n, complaints.nav)}</a>
            </nav>
            <h2>{t_string!(i18n, public.footer_title)}</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match contacts.await {
                        Ok(list) if !list.is_empty() => view! {
                            <dl class="contacts">
                                {list.into_iter().map(|c| view! {
                                    <dt>{as_written(c.region_name)}</dt>
                                    <dd>
                                        {c.numbers.into_iter().map(|n| {
                                            let label = match n.kind {
                                                ContactKind::Hotline => t_string!(i18n, public.hotline),
                                                ContactKind::Supervision => t_string!(i18n, public.supervision),
                                            };
                                            let tel = format!("tel:{}", n.number.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>());
                                            view! {
                                                <span class=format!("contact {}", n.kind.code())>
                                                    {label} {t_string!(i18n, public.colon)} <a href=tel>{n.number.clone()}</a>
                                                    {n.example.then(|| view! { " " <span class="badge example">{t_string!(i18n, public.example)}</span> })}
                                                </span>
                                            }
                                        }).collect_view()}
                                    </dd>
                                }).collect_view()}
                            </dl>
                        }.into_any(),
                        _ => view! { <p class="muted">{t_string!(i18n, public.footer_none)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </footer>
    }
}
