//! 统计分析 for staff: the figures of the caller's region or a region in it, level by level
//! (province → city → county → township → village), for a range of months. Read from the
//! maintained figures (`StatisticsStore`), which a background job refreshes and staff may
//! refresh at once; no request scans the caseload. The page receives each section ready to
//! show: its title, its ECharts option (built with `charming`, drawn by the page's script) and
//! the table beside it, whose numbers link to the masked roster behind them.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::audit::AuditResult,
    domain::declaration::FieldErrorCode,
    domain::payments::Month,
    domain::region::RegionCode,
    domain::status::Role,
    services::{now_millis, services, today_in_china},
    store::Store,
};

/// The longest range of months a page shows.
pub const MAX_MONTHS: usize = 60;
/// The months shown when none are asked: this one and the eleven before.
pub const DEFAULT_MONTHS: usize = 12;
/// A refresh asked by staff within this long of the last one is not repeated (the figures are
/// that fresh already); the background job refreshes every `Config::stats_refresh_secs`.
pub const MIN_REFRESH_GAP_MS: i64 = 60_000;

/// Who sees the figures: region staff (caseworkers, administrators), each for their region.
#[cfg(feature = "ssr")]
pub const VIEWERS: &[Role] = &[Role::Caseworker, Role::Admin];

/// A cell of a table: its text and, for a number, the list behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub text: String,
    /// A masked roster (a download) or another region's figures (`/staff/dashboard?…`).
    pub href: Option<String>,
}

/// One chart and the table beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The anchor and chart element's id.
    pub id: String,
    pub title: String,
    /// The ECharts option, JSON; empty when the section has no chart.
    pub chart: String,
    pub head: Vec<String>,
    /// Each row's first cell is its label.
    pub rows: Vec<Vec<Cell>>,
}

/// A region on the way from the caller's region down to the one shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub region: String,
    /// From the caller's own region to the one shown (the last).
    pub trail: Vec<Place>,
    pub from: String,
    pub to: String,
    /// When the figures were counted (ms; 0: never).
    pub refreshed_at: i64,
    pub sections: Vec<Section>,
    /// The monthly statistical report of the range's last month, as XLSX.
    pub report_href: String,
    /// The performance review (考核) of the range, as XLSX.
    pub review_href: String,
}

/// Reads the range asked (`YYYY-MM` each; empty: the last `DEFAULT_MONTHS` months).
#[cfg(feature = "ssr")]
pub fn read_range(
    from: &str,
    to: &str,
    today: chrono::NaiveDate,
) -> Result<(Month, Month), AppError> {
    let bad = |f: &str| AppError::field(f, FieldErrorCode::InvalidChoice);
    let to = match to.trim() {
        "" => Month::of(today),
        t => Month::parse(t).ok_or_else(|| bad("to"))?,
    };
    let from = match from.trim() {
        "" => {
            let mut m = to;
            for _ in 1..DEFAULT_MONTHS {
                m = m.prev();
            }
            m
        }
        f => Month::parse(f).ok_or_else(|| bad("from"))?,
    };
    if from > to || crate::domain::statistics::months(from, to).count() > MAX_MONTHS {
        return Err(AppError::field("from", FieldErrorCode::InvalidChoice));
    }
    Ok((from, to))
}

/// The region asked, within the caller's (empty: the caller's own). Outside it: audited,
/// answered as not found.
#[cfg(feature = "ssr")]
pub async fn region_asked(
    s: &crate::services::Services,
    user: &crate::auth::SessionUser,
    raw: &str,
    action: &str,
) -> Result<(RegionCode, RegionCode), AppError> {
    let scope = auth::staff_scope(user)?;
    let region = match raw.trim() {
        "" => scope.clone(),
        r => RegionCode::parse(r)
            .map_err(|_| AppError::field("region", FieldErrorCode::InvalidChoice))?,
    };
    if !region.is_within(&scope) {
        audit(
            s,
            Some(&user.0.id),
            action,
            region.as_str(),
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::NotFound);
    }
    Ok((scope, region))
}

/// Counts everything again and replaces the stored figures: what the background job and
/// "refresh now" run. Returns how many figures were stored.
#[cfg(feature = "ssr")]
pub async fn refresh(store: &dyn Store, today: chrono::NaiveDate) -> Result<usize, AppError> {
    let started = std::time::Instant::now();
    let base = store.statistics_base(today).await?;
    let figures = crate::domain::statistics::roll_up(base);
    let took = started.elapsed().as_millis() as i64;
    store
        .replace_statistics(&figures, now_millis(), took)
        .await?;
    Ok(figures.len())
}

/// The figures of `region` (empty: the caller's) for the months `from`..`to`.
#[server(endpoint = "statistics/dashboard")]
pub async fn dashboard(
    region: String,
    from: String,
    to: String,
) -> Result<DashboardView, AppError> {
    let user = auth::require(VIEWERS).await?;
    let s = services()?;
    let (scope, region) = region_asked(&s, &user, &region, "statistics").await?;
    let (from, to) = read_range(&from, &to, today_in_china())?;
    let locale = request_locale().await;
    let figures = s.store.statistics(&region, from, to).await?;
    let below = s
        .store
        .statistics_of_children(&region, &build::BELOW, from, to)
        .await?;
    let named = s.store.region_children(Some(region.as_str())).await?;
    // The way down from the caller's region to this one, named.
    let mut trail_codes = vec![region.clone()];
    while let Some(p) = trail_codes.last().and_then(|r| r.parent()) {
        if !p.is_within(&scope) {
            break;
        }
        trail_codes.push(p);
    }
    trail_codes.reverse();
    let names = s.store.regions(&trail_codes).await?;
    let name_of = |code: &RegionCode, list: &[crate::domain::region::Region]| {
        list.iter()
            .find(|r| r.code == code.as_str())
            .map(|r| build::region_name(locale, r))
            .unwrap_or_else(|| code.as_str().to_string())
    };
    let trail = trail_codes
        .iter()
        .map(|c| Place {
            code: c.as_str().to_string(),
            name: name_of(c, &names),
        })
        .collect();
    let (refreshed_at, _) = s.store.statistics_refreshed().await?;
    Ok(DashboardView {
        region: region.as_str().to_string(),
        trail,
        from: from.to_string(),
        to: to.to_string(),
        refreshed_at,
        sections: build::sections(locale, &region, from, to, &figures, &below, &named),
        report_href: format!(
            "/statistics/report.xlsx?region={}&month={to}",
            region.as_str()
        ),
        review_href: format!(
            "/statistics/review.xlsx?region={}&from={from}&to={to}",
            region.as_str()
        ),
    })
}

/// Counts again now (the background job does so regularly): when the last refresh is less than
/// `MIN_REFRESH_GAP_MS` old, nothing is done. Returns when the figures were counted.
#[server(endpoint = "statistics/refresh")]
pub async fn refresh_statistics() -> Result<i64, AppError> {
    let user = auth::require(VIEWERS).await?;
    auth::staff_scope(&user)?;
    let s = services()?;
    let (last, _) = s.store.statistics_refreshed().await?;
    if now_millis() - last >= MIN_REFRESH_GAP_MS {
        refresh(s.store.as_ref(), today_in_china()).await?;
    }
    Ok(s.store.statistics_refreshed().await?.0)
}

/// The caller's language: the cookie the language switch sets, Chinese by default.
#[cfg(feature = "ssr")]
async fn request_locale() -> crate::i18n::Locale {
    match leptos_axum::extract::<axum::http::HeaderMap>().await {
        Ok(h) => crate::texts::locale_of(&h),
        Err(_) => crate::i18n::Locale::zh_CN,
    }
}

#[cfg(feature = "ssr")]
pub mod build {
    //! The sections of a region's page, from its figures: tables (what auditors copy) and the
    //! charts drawn from the same numbers.
    use super::{Cell, Section};
    use crate::api::rosters::{RosterRequest, PAID};
    use crate::domain::money::Money;
    use crate::domain::payments::Month;
    use crate::domain::policy::assess::Category;
    use crate::domain::region::{RegionCode, RegionLevel};
    use crate::domain::roster::{Flow, ReferralState, RosterKind, VisitFilter, STAFF_SOURCE};
    use crate::domain::statistics::{by_k1, by_k2, by_month, rate, total, Figure, Measure};
    use crate::i18n::*;
    use crate::texts::statistics::key;
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, Tooltip, Trigger};
    use charming::series::{Bar, Line};
    use charming::Chart;

    /// What the table of the regions below shows.
    pub const CHILD_MEASURE: Measure = Measure::Households;
    /// What is read of the regions below: their households and their review (考核).
    pub const BELOW: [Measure; 6] = [
        Measure::Households,
        Measure::WarningVisits,
        Measure::WarningsDisposed,
        Measure::Reviews,
        Measure::Referrals,
        Measure::Decided,
    ];

    /// 考核: this region's total and each region below it, one row each: visits on time,
    /// warnings disposed on time, annual reviews on time, referrals answered, days to decision.
    pub fn review_section(
        locale: Locale,
        from: Month,
        to: Month,
        f: &[Figure],
        below: &[Figure],
        named: &[crate::domain::region::Region],
    ) -> Section {
        use crate::domain::statistics::Review;
        let cells = |r: Review| -> Vec<Cell> {
            let [v, d, a, rf, days] = r.rates();
            vec![
                text(percent(v)),
                text(percent(d)),
                text(percent(a)),
                text(percent(rf)),
                text(days.map_or_else(|| "—".to_string(), |d| format!("{d:.1}"))),
            ]
        };
        let mut rows = Vec::new();
        let mut own = vec![text(td_string!(locale, stats.this_level))];
        own.extend(cells(Review::of(f, from, to)));
        rows.push(own);
        for (code, name) in children(locale, below, named) {
            let Ok(child) = RegionCode::parse(&code) else {
                continue;
            };
            let mine: Vec<Figure> = below
                .iter()
                .filter(|b| b.region == child)
                .cloned()
                .collect();
            let mut row = vec![linked(
                name,
                Some(format!(
                    "/staff/dashboard?region={code}&from={from}&to={to}"
                )),
            )];
            row.extend(cells(Review::of(&mine, from, to)));
            rows.push(row);
        }
        Section {
            id: "review".into(),
            title: td_string!(locale, stats.review_title).to_string(),
            chart: String::new(),
            head: vec![
                td_string!(locale, stats.region).to_string(),
                td_string!(locale, stats.review_visits).to_string(),
                td_string!(locale, stats.review_disposed).to_string(),
                td_string!(locale, stats.review_reviews).to_string(),
                td_string!(locale, stats.review_referrals).to_string(),
                td_string!(locale, stats.review_days).to_string(),
            ],
            rows,
        }
    }

    /// The regions below, named, in code order: those the division table knows and any with
    /// figures it does not name (shown by code).
    fn children(
        locale: Locale,
        below: &[Figure],
        named: &[crate::domain::region::Region],
    ) -> Vec<(String, String)> {
        let mut codes: Vec<String> = named.iter().map(|r| r.code.clone()).collect();
        for b in below {
            if !codes.iter().any(|c| c == b.region.as_str()) {
                codes.push(b.region.as_str().to_string());
            }
        }
        codes.sort();
        codes
            .into_iter()
            .map(|code| {
                let name = named
                    .iter()
                    .find(|r| r.code == code)
                    .map(|r| region_name(locale, r))
                    .unwrap_or_else(|| code.clone());
                (code, name)
            })
            .collect()
    }

    pub fn region_name(locale: Locale, r: &crate::domain::region::Region) -> String {
        match locale {
            Locale::en => r.name_en.clone(),
            _ => r.name_zh.clone(),
        }
    }

    fn text(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            href: None,
        }
    }

    fn linked(t: impl Into<String>, href: Option<String>) -> Cell {
        Cell {
            text: t.into(),
            href,
        }
    }

    fn yuan(fen: i64) -> String {
        Money::from_fen(fen).to_string()
    }

    fn percent(r: Option<f64>) -> String {
        r.map_or_else(|| "—".to_string(), |r| format!("{r:.1}%"))
    }

    fn roster(
        kind: RosterKind,
        region: &RegionCode,
        set: impl FnOnce(&mut RosterRequest),
    ) -> String {
        let mut r = RosterRequest {
            region: region.as_str().to_string(),
            ..Default::default()
        };
        set(&mut r);
        r.href(kind)
    }

    /// A residence key of the figures as a roster selects it (`""`: not recorded).
    fn residence_code(k: &str) -> String {
        if k.is_empty() {
            crate::domain::roster::UNRECORDED.to_string()
        } else {
            k.to_string()
        }
    }

    /// Sets a roster's span of months.
    fn months_of(r: &mut RosterRequest, from: Month, to: Month) {
        r.from = from.to_string();
        r.to = to.to_string();
    }

    fn bar_chart(
        categories: Vec<String>,
        series: Vec<(String, Vec<i64>)>,
        stacked: bool,
    ) -> String {
        let mut c = Chart::new()
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(Legend::new())
            .grid(Grid::new().contain_label(true))
            .x_axis(Axis::new().type_(AxisType::Category).data(categories))
            .y_axis(Axis::new().type_(AxisType::Value));
        for (name, data) in series {
            let mut b = Bar::new().name(name).data(data);
            if stacked {
                b = b.stack("total");
            }
            c = c.series(b);
        }
        serde_json::to_string(&c).unwrap_or_default()
    }

    fn line_chart(months: &[Month], series: Vec<(String, Vec<i64>)>) -> String {
        let mut c = Chart::new()
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(Legend::new())
            .grid(Grid::new().contain_label(true))
            .x_axis(
                Axis::new()
                    .type_(AxisType::Category)
                    .data(months.iter().map(|m| m.to_string()).collect()),
            )
            .y_axis(Axis::new().type_(AxisType::Value));
        for (name, data) in series {
            c = c.series(Line::new().name(name).data(data));
        }
        serde_json::to_string(&c).unwrap_or_default()
    }

    /// Every section of a region's page.
    pub fn sections(
        locale: Locale,
        region: &RegionCode,
        from: Month,
        to: Month,
        f: &[Figure],
        below: &[Figure],
        named: &[crate::domain::region::Region],
    ) -> Vec<Section> {
        let t = |s: &str| s.to_string();
        let mut out = Vec::new();

        // 在保对象: category × urban/rural, households and persons.
        {
            let m = Measure::Households;
            let cats = by_k1(f, m, from, to);
            let res_codes = ["urban", "rural", ""];
            let mut rows = Vec::new();
            let mut series: Vec<(String, Vec<i64>)> = res_codes
                .iter()
                .map(|r| (key(locale, m, 2, r), Vec::new()))
                .collect();
            for c in Category::ALL {
                let mine: Vec<Figure> = f.iter().filter(|x| x.k1 == c.code()).cloned().collect();
                let by_res = by_k2(&mine, m, from, to);
                let n_of = |r: &str| by_res.iter().find(|x| x.0 == r).map_or(0, |x| x.1);
                let (n, persons) = cats
                    .iter()
                    .find(|x| x.0 == c.code())
                    .map_or((0, 0), |x| (x.1, x.2));
                let href = Some(roster(RosterKind::Households, region, |r| {
                    r.category = c.code().into();
                    r.standing = "in_assistance".into();
                }));
                let mut row = vec![text(key(locale, m, 1, c.code()))];
                for (i, r) in res_codes.iter().enumerate() {
                    row.push(linked(
                        n_of(r).to_string(),
                        Some(roster(RosterKind::Households, region, |q| {
                            q.category = c.code().into();
                            q.standing = "in_assistance".into();
                            q.residence = residence_code(r);
                        })),
                    ));
                    series[i].1.push(n_of(r));
                }
                row.push(linked(n.to_string(), href.clone()));
                row.push(linked(persons.to_string(), href));
                rows.push(row);
            }
            let (n, persons) = total(f, m, from, to);
            let all = Some(roster(RosterKind::Households, region, |r| {
                r.standing = "in_assistance".into();
            }));
            let mut last = vec![text(td_string!(locale, stats.total))];
            for r in res_codes {
                last.push(linked(
                    by_k2(f, m, from, to)
                        .iter()
                        .find(|x| x.0 == r)
                        .map_or(0, |x| x.1)
                        .to_string(),
                    Some(roster(RosterKind::Households, region, |q| {
                        q.standing = "in_assistance".into();
                        q.residence = residence_code(r);
                    })),
                ));
            }
            last.push(linked(n.to_string(), all.clone()));
            last.push(linked(persons.to_string(), all));
            rows.push(last);
            out.push(Section {
                id: t("households"),
                title: td_string!(locale, stats.households_title).to_string(),
                chart: bar_chart(
                    Category::ALL
                        .iter()
                        .map(|c| key(locale, m, 1, c.code()))
                        .collect(),
                    series,
                    true,
                ),
                head: vec![
                    td_string!(locale, stats.category).to_string(),
                    format!(
                        "{}·{}",
                        td_string!(locale, stats.urban),
                        td_string!(locale, stats.households)
                    ),
                    format!(
                        "{}·{}",
                        td_string!(locale, stats.rural),
                        td_string!(locale, stats.households)
                    ),
                    format!(
                        "{}·{}",
                        td_string!(locale, stats.unrecorded),
                        td_string!(locale, stats.households)
                    ),
                    td_string!(locale, stats.households).to_string(),
                    td_string!(locale, stats.persons).to_string(),
                ],
                rows,
            });
        }

        // 下级区划: households per category in each region below, each a way down.
        if region.level() != RegionLevel::Village {
            let mut rows = Vec::new();
            let mut names = Vec::new();
            let mut totals = Vec::new();
            for (code, name) in children(locale, below, named) {
                let Ok(child) = RegionCode::parse(&code) else {
                    continue;
                };
                let mine: Vec<Figure> = below
                    .iter()
                    .filter(|b| b.region == child)
                    .cloned()
                    .collect();
                let mut row = vec![linked(
                    name.clone(),
                    Some(format!(
                        "/staff/dashboard?region={code}&from={from}&to={to}"
                    )),
                )];
                let cats = by_k1(&mine, CHILD_MEASURE, from, to);
                for c in Category::ALL {
                    let n = cats.iter().find(|x| x.0 == c.code()).map_or(0, |x| x.1);
                    row.push(linked(
                        n.to_string(),
                        Some(roster(RosterKind::Households, &child, |r| {
                            r.category = c.code().into();
                            r.standing = "in_assistance".into();
                        })),
                    ));
                }
                let (n, persons) = total(&mine, CHILD_MEASURE, from, to);
                let all = Some(roster(RosterKind::Households, &child, |r| {
                    r.standing = "in_assistance".into();
                }));
                row.push(linked(n.to_string(), all.clone()));
                row.push(linked(persons.to_string(), all));
                rows.push(row);
                names.push(name);
                totals.push(n);
            }
            let mut head = vec![td_string!(locale, stats.region).to_string()];
            head.extend(
                Category::ALL
                    .iter()
                    .map(|c| key(locale, CHILD_MEASURE, 1, c.code())),
            );
            head.push(td_string!(locale, stats.households).to_string());
            head.push(td_string!(locale, stats.persons).to_string());
            out.push(Section {
                id: t("children"),
                title: td_string!(locale, stats.children_title).to_string(),
                chart: bar_chart(
                    names,
                    vec![(td_string!(locale, stats.households).to_string(), totals)],
                    false,
                ),
                head,
                rows,
            });
        }

        // 每月新增、退出、渐退.
        let months: Vec<Month> = crate::domain::statistics::months(from, to).collect();
        {
            let entered = by_month(f, Measure::Entered, from, to);
            let exited = by_month(f, Measure::Exited, from, to);
            let tapering = by_month(f, Measure::Tapering, from, to);
            let list = |flow: Flow, m: Month| {
                Some(roster(RosterKind::Households, region, |r| {
                    r.flow = flow.code().into();
                    months_of(r, m, m);
                }))
            };
            let rows = months
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    vec![
                        text(m.to_string()),
                        linked(entered[i].1.to_string(), list(Flow::Entered, *m)),
                        linked(exited[i].1.to_string(), list(Flow::Exited, *m)),
                        linked(tapering[i].1.to_string(), list(Flow::Tapering, *m)),
                    ]
                })
                .collect();
            out.push(Section {
                id: t("flow"),
                title: td_string!(locale, stats.flow_title).to_string(),
                chart: line_chart(
                    &months,
                    vec![
                        (
                            t(td_string!(locale, stats.entered)),
                            entered.iter().map(|x| x.1).collect(),
                        ),
                        (
                            t(td_string!(locale, stats.exited)),
                            exited.iter().map(|x| x.1).collect(),
                        ),
                        (
                            t(td_string!(locale, stats.tapering)),
                            tapering.iter().map(|x| x.1).collect(),
                        ),
                    ],
                ),
                head: vec![
                    t(td_string!(locale, stats.month)),
                    t(td_string!(locale, stats.entered)),
                    t(td_string!(locale, stats.exited)),
                    t(td_string!(locale, stats.tapering)),
                ],
                rows,
            });
        }

        // 申请: by state now; decisions in the range and their average days.
        {
            let m = Measure::Applications;
            let states = by_k1(f, m, from, to);
            let mut rows: Vec<Vec<Cell>> = states
                .iter()
                .map(|(code, n, _)| {
                    vec![
                        text(key(locale, m, 1, code)),
                        linked(
                            n.to_string(),
                            Some(roster(RosterKind::Applications, region, |r| {
                                r.status = code.clone();
                            })),
                        ),
                    ]
                })
                .collect();
            let (decided, days) = total(f, Measure::Decided, from, to);
            rows.push(vec![
                text(td_string!(locale, stats.decided)),
                linked(
                    decided.to_string(),
                    Some(roster(RosterKind::Applications, region, |r| {
                        months_of(r, from, to)
                    })),
                ),
            ]);
            rows.push(vec![
                text(td_string!(locale, stats.avg_days)),
                text(if decided > 0 {
                    format!("{:.1}", days as f64 / decided as f64)
                } else {
                    "—".into()
                }),
            ]);
            out.push(Section {
                id: t("applications"),
                title: td_string!(locale, stats.applications_title).to_string(),
                chart: bar_chart(
                    states.iter().map(|s| key(locale, m, 1, &s.0)).collect(),
                    vec![(
                        t(td_string!(locale, stats.count)),
                        states.iter().map(|s| s.1).collect(),
                    )],
                    false,
                ),
                head: vec![
                    t(td_string!(locale, stats.status)),
                    t(td_string!(locale, stats.count)),
                ],
                rows,
            });
        }

        // 预警: level × source, and visits on time.
        {
            let m = Measure::Warnings;
            let levels = by_k1(f, m, from, to);
            let sources = by_k2(f, m, from, to);
            let list = |src: &str, level: &str| {
                Some(roster(RosterKind::Warnings, region, |r| {
                    r.source = if src.is_empty() {
                        STAFF_SOURCE.to_string()
                    } else {
                        src.to_string()
                    };
                    r.level = level.to_string();
                    months_of(r, from, to);
                }))
            };
            let mut rows = Vec::new();
            for (src, _, _) in &sources {
                let mine: Vec<Figure> = f.iter().filter(|x| &x.k2 == src).cloned().collect();
                let per = by_k1(&mine, m, from, to);
                let mut row = vec![text(key(locale, m, 2, src))];
                let mut sum = 0;
                for (lv, _, _) in &levels {
                    let n = per.iter().find(|x| &x.0 == lv).map_or(0, |x| x.1);
                    sum += n;
                    row.push(linked(n.to_string(), list(src, lv)));
                }
                row.push(linked(sum.to_string(), list(src, "")));
                rows.push(row);
            }
            let (due, on_time) = total(f, Measure::WarningVisits, from, to);
            let mut head = vec![t(td_string!(locale, stats.source))];
            head.extend(levels.iter().map(|l| key(locale, m, 1, &l.0)));
            head.push(t(td_string!(locale, stats.total)));
            out.push(Section {
                id: t("warnings"),
                title: td_string!(locale, stats.warnings_title).to_string(),
                chart: bar_chart(
                    levels.iter().map(|l| key(locale, m, 1, &l.0)).collect(),
                    vec![(
                        t(td_string!(locale, stats.count)),
                        levels.iter().map(|l| l.1).collect(),
                    )],
                    false,
                ),
                head,
                rows,
            });
            let visits = by_month(f, Measure::WarningVisits, from, to);
            let list = |visit: VisitFilter, from: Month, to: Month| {
                Some(roster(RosterKind::Warnings, region, |r| {
                    r.visit = visit.code().into();
                    months_of(r, from, to);
                }))
            };
            let mut rows: Vec<Vec<Cell>> = months
                .iter()
                .enumerate()
                .filter(|(i, _)| visits[*i].1 > 0)
                .map(|(i, mo)| {
                    vec![
                        text(mo.to_string()),
                        linked(visits[i].1.to_string(), list(VisitFilter::Due, *mo, *mo)),
                        linked(visits[i].2.to_string(), list(VisitFilter::OnTime, *mo, *mo)),
                        text(percent(rate(visits[i].2, visits[i].1))),
                    ]
                })
                .collect();
            rows.push(vec![
                text(td_string!(locale, stats.total)),
                linked(due.to_string(), list(VisitFilter::Due, from, to)),
                linked(on_time.to_string(), list(VisitFilter::OnTime, from, to)),
                text(percent(rate(on_time, due))),
            ]);
            out.push(Section {
                id: t("visits"),
                title: td_string!(locale, stats.visits_title).to_string(),
                chart: line_chart(
                    &months,
                    vec![
                        (
                            t(td_string!(locale, stats.due)),
                            visits.iter().map(|x| x.1).collect(),
                        ),
                        (
                            t(td_string!(locale, stats.on_time)),
                            visits.iter().map(|x| x.2).collect(),
                        ),
                    ],
                ),
                head: vec![
                    t(td_string!(locale, stats.month)),
                    t(td_string!(locale, stats.due)),
                    t(td_string!(locale, stats.on_time)),
                    t(td_string!(locale, stats.on_time_rate)),
                ],
                rows,
            });
        }

        // 转介: departments, sent and answered.
        {
            let m = Measure::Referrals;
            let deps = by_k1(f, m, from, to);
            let rows = deps
                .iter()
                .map(|(d, sent, answered)| {
                    let list = |status: &str| {
                        Some(roster(RosterKind::Referrals, region, |r| {
                            r.department = d.clone();
                            r.status = status.to_string();
                            months_of(r, from, to);
                        }))
                    };
                    vec![
                        text(key(locale, m, 1, d)),
                        linked(sent.to_string(), list("")),
                        linked(answered.to_string(), list(ReferralState::ANSWERED)),
                        text(percent(rate(*answered, *sent))),
                    ]
                })
                .collect();
            out.push(Section {
                id: t("referrals"),
                title: td_string!(locale, stats.referrals_title).to_string(),
                chart: bar_chart(
                    deps.iter().map(|d| key(locale, m, 1, &d.0)).collect(),
                    vec![
                        (
                            t(td_string!(locale, stats.sent)),
                            deps.iter().map(|d| d.1).collect(),
                        ),
                        (
                            t(td_string!(locale, stats.answered)),
                            deps.iter().map(|d| d.2).collect(),
                        ),
                    ],
                    false,
                ),
                head: vec![
                    t(td_string!(locale, stats.department)),
                    t(td_string!(locale, stats.sent)),
                    t(td_string!(locale, stats.answered)),
                    t(td_string!(locale, stats.response_rate)),
                ],
                rows,
            });
        }

        // 临时救助 and 慈善: counts and amounts.
        for (id, title, m, kinds, money) in [
            (
                "emergency",
                td_string!(locale, stats.emergency_title),
                Measure::Emergency,
                vec!["advance", "regular"],
                true,
            ),
            (
                "charity",
                td_string!(locale, stats.charity_title),
                Measure::CharityMet,
                vec!["funds", "goods", "services"],
                false,
            ),
        ] {
            let sums = by_k1(f, m, from, to);
            let rows = kinds
                .iter()
                .map(|k| {
                    let (n, a) = sums
                        .iter()
                        .find(|x| x.0 == *k)
                        .map_or((0, 0), |x| (x.1, x.2));
                    // Emergency aid given in the months; charity needs met (closed) in them.
                    let list = Some(if m == Measure::Emergency {
                        roster(RosterKind::Emergency, region, |r| {
                            r.form = k.to_string();
                            months_of(r, from, to);
                        })
                    } else {
                        roster(RosterKind::Charity, region, |r| {
                            r.form = k.to_string();
                            r.status = "met".into();
                            months_of(r, from, to);
                        })
                    });
                    vec![
                        text(key(locale, m, 1, k)),
                        linked(n.to_string(), list.clone()),
                        linked(
                            if money || *k == "funds" {
                                yuan(a)
                            } else {
                                a.to_string()
                            },
                            list,
                        ),
                    ]
                })
                .collect();
            out.push(Section {
                id: t(id),
                title: title.to_string(),
                chart: bar_chart(
                    kinds.iter().map(|k| key(locale, m, 1, k)).collect(),
                    vec![(
                        t(td_string!(locale, stats.count)),
                        kinds
                            .iter()
                            .map(|k| sums.iter().find(|x| x.0 == *k).map_or(0, |x| x.1))
                            .collect(),
                    )],
                    false,
                ),
                head: vec![
                    t(td_string!(locale, stats.form)),
                    if money {
                        t(td_string!(locale, stats.count))
                    } else {
                        t(td_string!(locale, stats.needs_met))
                    },
                    if money {
                        t(td_string!(locale, stats.amount))
                    } else {
                        t(td_string!(locale, stats.delivered))
                    },
                ],
                rows,
            });
        }

        // 资金发放: months × category (yuan), each month's roll linked (a county or below).
        {
            let m = Measure::Paid;
            let may_link = region.level() >= RegionLevel::County;
            let mut series = Vec::new();
            let mut rows = Vec::new();
            // Each category paid in the range, with its months.
            type PerMonth = Vec<(Month, i64, i64)>;
            let per_cat: Vec<(Category, PerMonth)> = Category::ALL
                .iter()
                .map(|c| {
                    let mine: Vec<Figure> =
                        f.iter().filter(|x| x.k1 == c.code()).cloned().collect();
                    (*c, by_month(&mine, m, from, to))
                })
                .filter(|(_, v)| v.iter().any(|x| x.2 != 0))
                .collect();
            let all = by_month(f, m, from, to);
            for (i, mo) in months.iter().enumerate() {
                let mut row = vec![text(mo.to_string())];
                for (c, v) in &per_cat {
                    row.push(linked(
                        yuan(v[i].2),
                        (may_link && v[i].1 > 0).then(|| {
                            roster(RosterKind::Payments, region, |r| {
                                r.month = mo.to_string();
                                r.category = c.code().into();
                                r.status = PAID.into();
                            })
                        }),
                    ));
                }
                let list = (may_link && all[i].1 > 0).then(|| {
                    roster(RosterKind::Payments, region, |r| {
                        r.month = mo.to_string();
                        r.status = PAID.into();
                    })
                });
                row.push(linked(all[i].1.to_string(), list.clone()));
                row.push(linked(yuan(all[i].2), list));
                rows.push(row);
            }
            for (c, v) in &per_cat {
                series.push((
                    key(locale, m, 1, c.code()),
                    v.iter().map(|x| x.2 / 100).collect(),
                ));
            }
            let mut head = vec![t(td_string!(locale, stats.month))];
            head.extend(per_cat.iter().map(|(c, _)| key(locale, m, 1, c.code())));
            head.push(t(td_string!(locale, stats.paid_households)));
            head.push(t(td_string!(locale, stats.amount)));
            out.push(Section {
                id: t("paid"),
                title: td_string!(locale, stats.paid_title).to_string(),
                chart: bar_chart(months.iter().map(|m| m.to_string()).collect(), series, true),
                head,
                rows,
            });
            // By fund: months × funds, each amount the roll's lines paid from that fund.
            let funds: Vec<(String, PerMonth)> = by_k1(f, Measure::PaidFund, from, to)
                .into_iter()
                .map(|(k, _, _)| {
                    let mine: Vec<Figure> = f.iter().filter(|x| x.k1 == k).cloned().collect();
                    let v = by_month(&mine, Measure::PaidFund, from, to);
                    (k, v)
                })
                .collect();
            let mut rows: Vec<Vec<Cell>> = Vec::new();
            for (i, mo) in months.iter().enumerate() {
                if funds.iter().all(|(_, v)| v[i].1 == 0 && v[i].2 == 0) {
                    continue;
                }
                let mut row = vec![text(mo.to_string())];
                for (k, v) in &funds {
                    row.push(linked(
                        format!("{} / {}", v[i].1, yuan(v[i].2)),
                        (may_link && v[i].1 > 0).then(|| {
                            roster(RosterKind::Payments, region, |r| {
                                r.month = mo.to_string();
                                r.fund = k.clone();
                                r.status = PAID.into();
                            })
                        }),
                    ));
                }
                rows.push(row);
            }
            let mut head = vec![t(td_string!(locale, stats.month))];
            head.extend(funds.iter().map(|(k, _)| {
                format!(
                    "{}（{} / {}）",
                    key(locale, Measure::PaidFund, 1, k),
                    td_string!(locale, stats.paid_households),
                    td_string!(locale, stats.amount)
                )
            }));
            out.push(Section {
                id: t("funds"),
                title: td_string!(locale, stats.fund_title).to_string(),
                chart: String::new(),
                head,
                rows,
            });
        }
        // 追回: opened in the range by reason, repaid in the range, outstanding now.
        {
            let opened = by_k1(f, Measure::RecoveryOpened, from, to);
            let mut rows: Vec<Vec<Cell>> = opened
                .iter()
                .map(|(k, n, a)| {
                    let list = Some(roster(RosterKind::Recovery, region, |r| {
                        r.reason = k.clone();
                        months_of(r, from, to);
                    }));
                    vec![
                        text(key(locale, Measure::RecoveryOpened, 1, k)),
                        linked(n.to_string(), list.clone()),
                        linked(yuan(*a), list),
                    ]
                })
                .collect();
            let (repaid_n, repaid) = total(f, Measure::RecoveryRepaid, from, to);
            let (open_n, outstanding) = total(f, Measure::RecoveryOutstanding, from, to);
            rows.push(vec![
                text(td_string!(locale, stats.recovery_repaid)),
                text(repaid_n.to_string()),
                text(yuan(repaid)),
            ]);
            let open = Some(roster(RosterKind::Recovery, region, |r| {
                r.status = crate::domain::roster::RecoveryChoice::OUTSTANDING.into();
            }));
            rows.push(vec![
                text(td_string!(locale, stats.recovery_outstanding)),
                linked(open_n.to_string(), open.clone()),
                linked(yuan(outstanding), open),
            ]);
            out.push(Section {
                id: t("recovery"),
                title: td_string!(locale, stats.recovery_title).to_string(),
                chart: String::new(),
                head: vec![
                    t(td_string!(locale, stats.recovery_item)),
                    t(td_string!(locale, stats.count)),
                    t(td_string!(locale, stats.amount)),
                ],
                rows,
            });
        }
        out.push(review_section(locale, from, to, f, below, named));
        out
    }
}

/// The monthly statistical report (社会救助统计月报) in the shape civil affairs statistics use:
/// Dibao urban and rural, Tekun by support mode, temporary assistance by kind, and the other
/// categories; households, persons, cases and the month's spending. Rows of
/// [item, households, persons, cases, spent (yuan)], empty where a column does not apply.
#[cfg(feature = "ssr")]
pub fn report_rows(
    locale: crate::i18n::Locale,
    f: &[crate::domain::statistics::Figure],
    month: Month,
) -> (Vec<String>, Vec<[String; 5]>) {
    use crate::domain::money::Money;
    use crate::domain::policy::assess::Category;
    use crate::domain::statistics::{by_k1, Figure, Measure};
    use crate::i18n::*;
    let yuan = |fen: i64| Money::from_fen(fen).to_string();
    let only = |k1: &str, m: Measure| -> Vec<Figure> {
        f.iter()
            .filter(|x| x.measure == m && x.k1 == k1)
            .cloned()
            .collect()
    };
    let k2_sum = |rows: &[Figure], k2: &str| -> (i64, i64) {
        rows.iter()
            .filter(|x| x.k2 == k2 && (x.month.is_none() || x.month == Some(month)))
            .fold((0, 0), |(n, a), x| (n + x.n, a + x.amount))
    };
    let mut out = Vec::new();
    let dibao_now = only(Category::Dibao.code(), Measure::Households);
    let dibao_paid = only(Category::Dibao.code(), Measure::Paid);
    for (res, label) in [
        ("urban", td_string!(locale, stats.dibao_urban)),
        ("rural", td_string!(locale, stats.dibao_rural)),
        ("", td_string!(locale, stats.dibao_unrecorded)),
    ] {
        let (h, p) = k2_sum(&dibao_now, res);
        let (_, spent) = k2_sum(&dibao_paid, res);
        if res.is_empty() && h == 0 && spent == 0 {
            continue;
        }
        out.push([
            label.to_string(),
            h.to_string(),
            p.to_string(),
            String::new(),
            yuan(spent),
        ]);
    }
    let support = by_k1(f, Measure::TekunSupport, month, month);
    let tekun_paid = by_k1(f, Measure::PaidTekun, month, month);
    for (mode, label) in [
        ("centralised", td_string!(locale, stats.tekun_centralised)),
        ("dispersed", td_string!(locale, stats.tekun_dispersed)),
        ("", td_string!(locale, stats.tekun_unrecorded)),
    ] {
        let (h, p) = support
            .iter()
            .find(|x| x.0 == mode)
            .map_or((0, 0), |x| (x.1, x.2));
        let spent = tekun_paid.iter().find(|x| x.0 == mode).map_or(0, |x| x.2);
        if mode.is_empty() && h == 0 && spent == 0 {
            continue;
        }
        out.push([
            label.to_string(),
            h.to_string(),
            p.to_string(),
            String::new(),
            yuan(spent),
        ]);
    }
    let temp = by_k1(f, Measure::Emergency, month, month);
    for (kind, label) in [
        ("advance", td_string!(locale, stats.temp_advance)),
        ("regular", td_string!(locale, stats.temp_regular)),
    ] {
        let (n, a) = temp
            .iter()
            .find(|x| x.0 == kind)
            .map_or((0, 0), |x| (x.1, x.2));
        out.push([
            label.to_string(),
            String::new(),
            String::new(),
            n.to_string(),
            yuan(a),
        ]);
    }
    let now = by_k1(f, Measure::Households, month, month);
    for c in [
        Category::DibaoMarginal,
        Category::RigidExpense,
        Category::RelapseWatch,
        Category::OtherHardship,
    ] {
        let (h, p) = now
            .iter()
            .find(|x| x.0 == c.code())
            .map_or((0, 0), |x| (x.1, x.2));
        out.push([
            crate::texts::roster::category(locale, c),
            h.to_string(),
            p.to_string(),
            String::new(),
            String::new(),
        ]);
    }
    let head = vec![
        td_string!(locale, stats.report_item).to_string(),
        td_string!(locale, stats.households).to_string(),
        td_string!(locale, stats.persons).to_string(),
        td_string!(locale, stats.count).to_string(),
        td_string!(locale, stats.report_spent).to_string(),
    ];
    (head, out)
}
