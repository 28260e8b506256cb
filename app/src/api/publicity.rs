//! 政策宣传与政务公开 (Liaoning 三(四); Zhangye (十五), (十六)): the public policy page with a
//! county's standards in force, the hotline and supervision numbers every portal page shows, the
//! monthly public statistics with small cells withheld, finding a village on the public notice;
//! and the administrators' side of the numbers (entered, then approved). Public reads need no
//! sign-in and show nothing about a person.

use crate::domain::publicity::{ContactKind, Standard};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::audit::AuditResult,
    domain::declaration::{FieldErrorCode, Residence},
    domain::payments::Month,
    domain::policy::params::{resolve, ParamKey},
    domain::publicity::{contact_number, contacts_in_force, standards, withheld, StandardItem},
    domain::region::{RegionCode, RegionLevel},
    domain::statistics::{by_k1, Measure},
    domain::status::{AdminDuty, Role},
    services::{now_millis, services, today_in_china},
    store::{NewContact, Store},
};

/// Where a public page's region picker stands: the regions chosen so far from the province
/// down (code, name) and the next level's choices (none once the page's deepest level is
/// reached). Every step is a plain link or a plain form: no script is needed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSteps {
    pub trail: Vec<(String, String)>,
    pub choices: Vec<(String, String)>,
}

/// The region a public page was asked for: empty is none; anything not a region code is a
/// field error naming `region`.
#[cfg(feature = "ssr")]
fn asked_region(raw: &str) -> Result<Option<RegionCode>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        code => RegionCode::parse(code)
            .map(Some)
            .map_err(|_| AppError::field("region", FieldErrorCode::InvalidChoice)),
    }
}

/// The picker's steps for `chosen`, offering choices down to `deepest`.
#[cfg(feature = "ssr")]
async fn region_steps(
    store: &dyn Store,
    chosen: Option<&RegionCode>,
    deepest: RegionLevel,
) -> Result<RegionSteps, AppError> {
    let mut path = Vec::new();
    let mut at = chosen.cloned();
    while let Some(c) = at {
        at = c.parent();
        path.push(c);
    }
    path.reverse();
    let named = store.regions(&path).await?;
    let name = |c: &RegionCode| {
        named
            .iter()
            .find(|r| r.code == c.as_str())
            .map(|r| r.name_zh.clone())
            .unwrap_or_default()
    };
    let trail = path
        .iter()
        .map(|c| (c.as_str().to_string(), name(c)))
        .collect();
    let choices = match chosen {
        Some(c) if c.level() as usize >= deepest as usize => Vec::new(),
        other => store
            .region_children(other.map(|c| c.as_str()))
            .await?
            .into_iter()
            .map(|r| (r.code, r.name_zh))
            .collect(),
    };
    Ok(RegionSteps { trail, choices })
}

/// The province `region` lies in.
#[cfg(feature = "ssr")]
fn province_of(region: &RegionCode) -> RegionCode {
    let mut at = region.clone();
    while let Some(up) = at.parent() {
        at = up;
    }
    at
}

/// The county of `region` (itself, or the county above it); `None` above county level.
#[cfg(feature = "ssr")]
fn county_of(region: &RegionCode) -> Option<RegionCode> {
    let mut at = Some(region.clone());
    while let Some(c) = at {
        if c.level() == RegionLevel::County {
            return Some(c);
        }
        at = c.parent();
    }
    None
}

/// The public policy page's data: the picker, and once a county (or a place in it) is chosen,
/// its standards in force today with their sources.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardsPage {
    pub steps: RegionSteps,
    /// The county whose standards are shown (code, name); `None` until one is chosen.
    pub county: Option<(String, String)>,
    pub standards: Vec<Standard>,
    /// The day they are in force on (China time).
    pub on: String,
}

/// A county's standards in force today, for the public policy page. Public.
#[server(endpoint = "public/standards")]
pub async fn policy_standards(region: String) -> Result<StandardsPage, AppError> {
    let chosen = asked_region(&region)?;
    let s = services()?;
    let store = s.store.as_ref();
    let county = chosen.as_ref().and_then(county_of);
    let at = county.clone().or(chosen);
    let steps = region_steps(store, at.as_ref(), RegionLevel::County).await?;
    let today = today_in_china();
    let Some(county) = county else {
        return Ok(StandardsPage {
            steps,
            on: today.to_string(),
            ..Default::default()
        });
    };
    let rows = crate::api::policy::param_rows(store).await?;
    let urban = resolve(&rows, &county, Some(Residence::Urban), today);
    let rural = resolve(&rows, &county, Some(Residence::Rural), today);
    let name = steps
        .trail
        .last()
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    Ok(StandardsPage {
        steps,
        county: Some((county.as_str().to_string(), name)),
        standards: standards(&StandardItem::ALL, &urban, &rural),
        on: today.to_string(),
    })
}

/// A telephone number shown to the public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub kind: ContactKind,
    pub number: String,
    pub example: bool,
}

/// The numbers in force for a region, under the region's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionContacts {
    pub region_name: String,
    pub numbers: Vec<ContactView>,
}

/// The hotline and supervision numbers for `region` (those set for it or above it), or, when
/// none is asked, each province's. Public: every portal page's footer.
#[server(endpoint = "public/contacts")]
pub async fn public_contacts(region: String) -> Result<Vec<RegionContacts>, AppError> {
    let chosen = asked_region(&region).unwrap_or(None);
    let s = services()?;
    let rows = s.store.public_contacts().await?;
    let today = today_in_china();
    let places: Vec<RegionCode> = match chosen {
        Some(c) => vec![c],
        None => {
            let mut provinces: Vec<RegionCode> =
                rows.iter().map(|r| province_of(&r.region)).collect();
            provinces.sort();
            provinces.dedup();
            provinces
        }
    };
    let names = s.store.regions(&places).await?;
    let mut out = Vec::new();
    for place in &places {
        let numbers: Vec<ContactView> = contacts_in_force(&rows, place, today)
            .into_iter()
            .map(|r| ContactView {
                kind: r.kind,
                number: r.number.clone(),
                example: r.example,
            })
            .collect();
        if numbers.is_empty() {
            continue;
        }
        let region_name = names
            .iter()
            .find(|r| r.code == place.as_str())
            .map(|r| r.name_zh.clone())
            .unwrap_or_default();
        out.push(RegionContacts {
            region_name,
            numbers,
        });
    }
    Ok(out)
}

/// One category's line of the public statistics: `None` where the cell is withheld.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicLine {
    /// A category's code; empty for the total.
    pub category: String,
    pub households: Option<i64>,
    pub persons: Option<i64>,
    /// Expenditure, fen.
    pub amount: Option<i64>,
}

/// A county's public statistics for one month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatisticsPage {
    pub steps: RegionSteps,
    pub county: Option<(String, String)>,
    /// The months with a paid roll, latest first (`YYYY-MM`).
    pub months: Vec<String>,
    /// The month shown.
    pub month: Option<String>,
    /// Households paid that month, their persons and what was paid, per category and in total.
    pub paid: Vec<PublicLine>,
    /// Households in assistance now and their persons, per category and in total.
    pub now: Vec<PublicLine>,
    /// Cells counting fewer households than this are withheld (a dated parameter); `None`:
    /// not set for the county, so nothing is published.
    pub min_cell: Option<i64>,
    /// When the figures were last counted (ms), 0 when never.
    pub refreshed_at: i64,
}

/// Lines of `(category, households, persons, amount)` with small cells withheld (a withheld
/// line shows none of its three figures) and a total line (withheld when it is small itself).
#[cfg(feature = "ssr")]
fn public_lines(rows: Vec<(String, i64, i64, i64)>, min: i64) -> Vec<PublicLine> {
    let counts: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let hide = withheld(&counts, min);
    let (n, persons, amount) = rows
        .iter()
        .fold((0, 0, 0), |(a, b, c), r| (a + r.1, b + r.2, c + r.3));
    let total_hidden = n > 0 && n < min;
    let mut out: Vec<PublicLine> = rows
        .into_iter()
        .zip(hide)
        .map(|((category, n, p, a), hidden)| PublicLine {
            category,
            households: (!hidden).then_some(n),
            persons: (!hidden).then_some(p),
            amount: (!hidden).then_some(a),
        })
        .collect();
    out.push(PublicLine {
        category: String::new(),
        households: (!total_hidden).then_some(n),
        persons: (!total_hidden).then_some(persons),
        amount: (!total_hidden).then_some(amount),
    });
    out
}

/// 政务公开: a county's households, persons and expenditure by category for a month (the paid
/// roll), and those in assistance now, small cells withheld. Public; counts only.
#[server(endpoint = "public/statistics")]
pub async fn public_statistics(
    region: String,
    #[server(default)] month: String,
) -> Result<StatisticsPage, AppError> {
    use crate::domain::policy::assess::Category;
    let chosen = asked_region(&region)?;
    let asked_month = match month.trim() {
        "" => None,
        m => Some(
            Month::parse(m).ok_or_else(|| AppError::field("month", FieldErrorCode::DateFormat))?,
        ),
    };
    let s = services()?;
    let store = s.store.as_ref();
    let county = chosen.as_ref().and_then(county_of);
    let at = county.clone().or(chosen);
    let steps = region_steps(store, at.as_ref(), RegionLevel::County).await?;
    let (refreshed_at, _) = store.statistics_refreshed().await?;
    let Some(county) = county else {
        return Ok(StatisticsPage {
            steps,
            refreshed_at,
            ..Default::default()
        });
    };
    let name = steps
        .trail
        .last()
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    let today = today_in_china();
    let params = resolve(
        &crate::api::policy::param_rows(store).await?,
        &county,
        None,
        today,
    );
    let min_cell = params.value(ParamKey::PublicCellMin);
    let mut out = StatisticsPage {
        steps,
        county: Some((county.as_str().to_string(), name)),
        min_cell,
        refreshed_at,
        ..Default::default()
    };
    let Some(min) = min_cell else {
        return Ok(out);
    };
    let (first, last) = (Month::parse("2000-01"), Month::parse("2199-12"));
    let (Some(first), Some(last)) = (first, last) else {
        return Err(AppError::internal("month bounds"));
    };
    let figures = store.statistics(&county, first, last).await?;
    let mut months: Vec<Month> = figures
        .iter()
        .filter(|f| f.measure == Measure::Paid)
        .filter_map(|f| f.month)
        .collect();
    months.sort();
    months.dedup();
    months.reverse();
    let month = match asked_month {
        Some(m) if months.contains(&m) => Some(m),
        Some(_) => return Err(AppError::field("month", FieldErrorCode::InvalidChoice)),
        None => months.first().copied(),
    };
    let order = |code: &str| {
        Category::from_code(code)
            .map(|c| c as usize)
            .unwrap_or(usize::MAX)
    };
    let sorted = |mut rows: Vec<(String, i64, i64, i64)>| {
        rows.sort_by_key(|r| order(&r.0));
        rows
    };
    if let Some(m) = month {
        let paid = by_k1(&figures, Measure::Paid, m, m);
        let persons = by_k1(&figures, Measure::PaidPersons, m, m);
        let rows = paid
            .into_iter()
            .map(|(k, n, amount)| {
                let p = persons.iter().find(|p| p.0 == k).map_or(0, |p| p.1);
                (k, n, p, amount)
            })
            .collect();
        out.paid = public_lines(sorted(rows), min);
    }
    let now = by_k1(&figures, Measure::Households, first, last)
        .into_iter()
        .map(|(k, n, persons)| (k, n, persons, 0))
        .collect();
    out.now = public_lines(sorted(now), min);
    out.months = months.iter().map(|m| m.to_string()).collect();
    out.month = month.map(|m| m.to_string());
    Ok(out)
}

/// The public notice's picker and, when `text` is given, the villages (and townships) under
/// the chosen region whose name contains it (at most 20). Public.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacesFound {
    pub steps: RegionSteps,
    pub found: Vec<(String, String)>,
}

#[server(endpoint = "public/notice_places")]
pub async fn notice_places(
    region: String,
    #[server(default)] text: String,
) -> Result<PlacesFound, AppError> {
    let chosen = asked_region(&region)?;
    let text = text.trim();
    if text.chars().count() > 20 {
        return Err(AppError::field("text", FieldErrorCode::TooLong));
    }
    let s = services()?;
    let store = s.store.as_ref();
    let steps = region_steps(store, chosen.as_ref(), RegionLevel::Village).await?;
    let found = match (&chosen, text) {
        (_, "") => Vec::new(),
        (Some(within), text) => store
            .regions_named(within, text, 20)
            .await?
            .into_iter()
            .map(|r| (r.code, r.name_zh))
            .collect(),
        // A name is searched within a county or a place below it (names repeat across China).
        (None, _) => return Err(AppError::field("region", FieldErrorCode::Required)),
    };
    Ok(PlacesFound { steps, found })
}

/// A stored number as the administrators' page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactAdminRow {
    pub id: i64,
    pub region: String,
    pub kind: ContactKind,
    pub number: String,
    pub effective_from: String,
    pub source: String,
    pub example: bool,
    pub approved: bool,
    pub withdrawn: bool,
    /// Whether it is the one shown now for its region and kind.
    pub in_force: bool,
    pub created_by: String,
}

/// The numbers set for the caller's region and the regions above it. Administrators (the
/// system administrator enters, the security administrator approves).
#[server(endpoint = "public/contacts_admin")]
pub async fn contacts_admin() -> Result<Vec<ContactAdminRow>, AppError> {
    let user = auth::require(&[Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = s.store.public_contacts().await?;
    let today = today_in_china();
    let shown: Vec<i64> = rows
        .iter()
        .map(|r| r.region.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .iter()
        .flat_map(|region| contacts_in_force(&rows, region, today))
        .filter(|r| rows.iter().any(|o| o.id == r.id))
        .map(|r| r.id)
        .collect();
    Ok(rows
        .iter()
        .filter(|r| r.region.is_within(&scope) || scope.is_within(&r.region))
        .map(|r| ContactAdminRow {
            id: r.id,
            region: r.region.as_str().to_string(),
            kind: r.kind,
            number: r.number.clone(),
            effective_from: r.effective_from.to_string(),
            source: r.source.clone(),
            example: r.example,
            approved: r.approved,
            withdrawn: r.withdrawn,
            in_force: shown.contains(&r.id),
            created_by: r.created_by.clone(),
        })
        .collect())
}

/// The system administrator adds a number for a region inside theirs, from a date (today or
/// later); it applies once a security administrator approved it.
#[server(endpoint = "public/add_contact")]
pub async fn add_contact(
    region: String,
    kind: String,
    number: String,
    effective_from: String,
    source: String,
) -> Result<i64, AppError> {
    let user = auth::require_duty(AdminDuty::System).await?;
    let scope = auth::staff_scope(&user)?;
    let mut errors = Vec::new();
    let region = RegionCode::parse(region.trim()).ok();
    if region.is_none() {
        errors.push(("region", FieldErrorCode::InvalidChoice));
    }
    let kind = ContactKind::from_code(kind.trim());
    if kind.is_none() {
        errors.push(("kind", FieldErrorCode::InvalidChoice));
    }
    let number = contact_number(&number);
    if number.is_none() {
        errors.push(("number", FieldErrorCode::PhoneFormat));
    }
    let today = today_in_china();
    let date = chrono::NaiveDate::parse_from_str(effective_from.trim(), "%Y-%m-%d").ok();
    match date {
        None => errors.push(("effective_from", FieldErrorCode::DateFormat)),
        Some(d) if d < today => errors.push(("effective_from", FieldErrorCode::DateInPast)),
        Some(_) => {}
    }
    let source = source.trim().to_string();
    if source.is_empty() {
        errors.push(("source", FieldErrorCode::Required));
    } else if source.chars().count() > 200 {
        errors.push(("source", FieldErrorCode::TooLong));
    }
    let (Some(region), Some(kind), Some(number), Some(date), true) =
        (region, kind, number, date, errors.is_empty())
    else {
        return Err(AppError::Invalid(
            errors
                .into_iter()
                .map(|(field, code)| crate::domain::declaration::FieldError {
                    field: field.into(),
                    code,
                })
                .collect(),
        ));
    };
    if !region.is_within(&scope) {
        return Err(AppError::Forbidden);
    }
    let s = services()?;
    let id = s
        .store
        .add_public_contact(NewContact {
            region: region.clone(),
            kind,
            number,
            effective_from: date,
            source,
            example: false,
            approved: false,
            created_by: user.0.id.clone(),
            now: now_millis(),
        })
        .await?;
    let object = format!("{id}:{}:{}", kind.code(), region.as_str());
    audit(
        &s,
        Some(&user.0.id),
        "public_contact_add",
        &object,
        AuditResult::Ok,
    )
    .await;
    Ok(id)
}

/// The security administrator approves or refuses a number waiting for approval, inside their
/// region and entered by someone else.
#[server(endpoint = "public/decide_contact")]
pub async fn decide_contact(id: i64, approve: bool) -> Result<(), AppError> {
    let user = auth::require_duty(AdminDuty::Security).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let row = s
        .store
        .public_contacts()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    if !row.region.is_within(&scope) {
        return Err(AppError::Forbidden);
    }
    s.store
        .decide_public_contact(id, approve, &user.0.id, today_in_china(), now_millis())
        .await?;
    let action = if approve {
        "public_contact_approve"
    } else {
        "public_contact_refuse"
    };
    let object = format!("{id}:{}:{}", row.kind.code(), row.region.as_str());
    audit(&s, Some(&user.0.id), action, &object, AuditResult::Ok).await;
    Ok(())
}
