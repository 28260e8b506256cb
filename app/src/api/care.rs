//! 服务类社会救助 (Zhangye (十); Liaoning 二(三)5): a caseworker orders care services from a
//! verified contracted provider for a household member who needs care (the reasons computed
//! from the household's assessed facts, the recorded care need among them); the order joins
//! the household's assistance chain with its monthly cost; the provider records each service
//! given with the person's confirmation, held to the order's quantity a month; what was given
//! each month is its cost. Providers register and are verified as charities are
//! (`charity/register` with `org_kind`), and keep their own price list.

use crate::domain::care::{
    CareReason, Confirmation, DeliveryDraft, OrderDraft, ServiceKind, ServiceUnit,
};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit, audit_read, SessionUser},
    domain::audit::AuditResult,
    domain::care::{care_reasons, check_delivery, check_order, cost, CareThresholds, OrgKind},
    domain::chain::{AidKind, Department, NewAid},
    domain::charity::CharityStatus,
    domain::declaration::{Declaration, FieldErrorCode},
    domain::policy::facts::HouseholdFacts,
    domain::status::Role,
    services::{now_millis, services, today_in_china, Services},
    store::{
        CharityRecord, DeliveryRecord, HouseholdRecord, NewServiceOrder, ServiceOrderRecord,
        ServicePrice,
    },
};

/// A price as shown: the provider, the service, the unit and fen a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceView {
    pub id: String,
    pub provider: String,
    pub kind: ServiceKind,
    pub unit: ServiceUnit,
    pub price_fen: i64,
    pub active: bool,
}

#[cfg(feature = "ssr")]
fn price_view(p: ServicePrice) -> PriceView {
    PriceView {
        id: p.id,
        provider: p.provider_name,
        kind: p.kind,
        unit: p.unit,
        price_fen: p.price,
        active: p.active,
    }
}

/// One month of an order: what was ordered, given, and what the given services cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    /// Tenths of the unit.
    pub given: i64,
    pub cost_fen: i64,
}

/// One service given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub day: String,
    pub quantity: i64,
    pub carer: String,
    pub confirmed_by: String,
    pub confirmation: Confirmation,
}

/// A service order as the caseworker and its provider read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub household_id: String,
    pub provider: String,
    pub kind: ServiceKind,
    pub unit: ServiceUnit,
    pub price_fen: i64,
    pub monthly_quantity: i64,
    pub monthly_cost_fen: i64,
    pub from: String,
    pub until: String,
    pub person: String,
    pub reasons: Vec<CareReason>,
    /// The village (or community) the household lives in, by name.
    pub place: String,
    pub months: Vec<MonthView>,
    pub deliveries: Vec<DeliveryView>,
}

#[cfg(feature = "ssr")]
fn order_view(o: ServiceOrderRecord, deliveries: Vec<DeliveryRecord>, place: String) -> OrderView {
    let mut months: Vec<MonthView> = Vec::new();
    for d in &deliveries {
        let month = d.day.format("%Y-%m").to_string();
        match months.iter_mut().find(|m| m.month == month) {
            Some(m) => m.given += d.quantity,
            None => months.push(MonthView {
                month,
                given: d.quantity,
                cost_fen: 0,
            }),
        }
    }
    for m in &mut months {
        m.cost_fen = cost(m.given, o.price);
    }
    OrderView {
        id: o.id,
        household_id: o.household_id,
        provider: o.provider_name,
        kind: o.kind,
        unit: o.unit,
        price_fen: o.price,
        monthly_quantity: o.monthly_quantity,
        monthly_cost_fen: o.monthly_cost,
        from: o.from.to_string(),
        until: o.until.to_string(),
        person: o.person_name,
        reasons: o.reasons,
        place,
        months,
        deliveries: deliveries
            .into_iter()
            .map(|d| DeliveryView {
                day: d.day.to_string(),
                quantity: d.quantity,
                carer: d.carer,
                confirmed_by: d.confirmed_by,
                confirmation: d.confirmation,
            })
            .collect(),
    }
}

#[cfg(feature = "ssr")]
async fn order_views(
    s: &Services,
    orders: Vec<ServiceOrderRecord>,
) -> Result<Vec<OrderView>, AppError> {
    let places = crate::api::regions::region_names(
        s.store.as_ref(),
        orders.iter().map(|o| o.region.clone()).collect(),
    )
    .await?;
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        let deliveries = s.store.deliveries(&o.id).await?;
        let place = places.get(&o.region).cloned().unwrap_or_default();
        out.push(order_view(o, deliveries, place));
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// The caseworker

/// A household member who may have care services, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareMember {
    /// Their place in the household's latest declaration, or (a household taken in from
    /// rosters) among its listed persons.
    pub index: usize,
    pub name: String,
    pub id_masked: String,
    pub reasons: Vec<CareReason>,
}

/// What a caseworker may order for a household: its members who need care, the prices of the
/// verified providers serving its region, and its orders so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesOfHousehold {
    /// Whether the household has a declaration here to read care needs from (a household
    /// taken in from rosters that never applied has none).
    pub assessed: bool,
    /// Whether the members come from the rosters the household was taken in from (never
    /// assessed here): their age, disability grade and 生活自理能力 as listed.
    pub from_roster: bool,
    pub members: Vec<CareMember>,
    pub prices: Vec<PriceView>,
    pub orders: Vec<OrderView>,
}

/// A person of the household who may have care services.
#[cfg(feature = "ssr")]
struct Candidate {
    index: usize,
    name: String,
    id_number: crate::domain::id_number::IdNumber,
    reasons: Vec<CareReason>,
}

/// A household's members who may have care services, with the reasons shown for each.
#[cfg(feature = "ssr")]
struct CareCase {
    household: HouseholdRecord,
    /// Whether a declaration was read (its latest assessment's facts).
    assessed: bool,
    /// Whether the household's rosters were read instead (taken in, never applied).
    from_roster: bool,
    /// How many persons were read (a `member` beyond them is no choice at all).
    persons: usize,
    members: Vec<Candidate>,
}

/// The household `id` within the caller's region and who in it may have care services, their
/// reasons named with the dated parameters in force: the members of its latest assessment's
/// service-assistance entitlement (the assessment's own rule); for a household taken in from
/// rosters and never assessed here, its listed persons by the same rule (`may_have_care`) on
/// what the rosters list, while the household is in assistance or listed.
#[cfg(feature = "ssr")]
async fn care_case(s: &Services, user: &SessionUser, id: &str) -> Result<CareCase, AppError> {
    use crate::domain::policy::assess::{Assessment, EntitlementKind};
    use crate::domain::policy::params::ParamKey;
    let h = crate::api::household::household_in_scope(s, user, id).await?;
    let rows = crate::api::policy::param_rows(s.store.as_ref()).await?;
    let today = today_in_china();
    let p = crate::domain::policy::resolve(&rows, &h.region_code, None, today);
    let t = CareThresholds {
        elderly_age: p.value(ParamKey::ElderlyAge),
        minor_age: p.value(ParamKey::MinorAge),
        severe_grade: p.value(ParamKey::SevereDisabilityGrade),
    };
    let apps = s.store.household_applications(&h.id).await?;
    let Some(latest) = apps.last() else {
        return listed_case(s, h, t, today).await;
    };
    let declaration: Declaration =
        serde_json::from_str(&latest.declaration_json).map_err(AppError::internal)?;
    let (facts, mask) = match s.store.latest_assessment(&latest.summary.number).await? {
        Some(a) => {
            let facts: HouseholdFacts =
                serde_json::from_str(&a.stored.facts_json).map_err(AppError::internal)?;
            let assessment: Assessment =
                serde_json::from_str(&a.stored.assessment_json).map_err(AppError::internal)?;
            let mask = assessment
                .entitlements
                .iter()
                .filter(|e| e.kind == EntitlementKind::ServiceAssistance)
                .fold(0u32, |m, e| m | e.members);
            (facts, mask)
        }
        None => (HouseholdFacts::default(), 0),
    };
    let members = declaration
        .members
        .iter()
        .enumerate()
        .take(32)
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(i, m)| Candidate {
            index: i,
            name: m.name.clone(),
            id_number: m.id_number.clone(),
            reasons: facts
                .members
                .get(i)
                .map(|f| care_reasons(f, t))
                .unwrap_or_default(),
        })
        .collect();
    Ok(CareCase {
        household: h,
        assessed: true,
        from_roster: false,
        persons: declaration.members.len(),
        members,
    })
}

/// A household that never applied here: its persons as its rosters list them (head first,
/// then by ID number), each once with all their listings — a category from any roster but
/// the disabled persons' (which is no category of its own), the disabled roster's grade, the
/// Tekun roster's 生活自理能力.
#[cfg(feature = "ssr")]
async fn listed_case(
    s: &Services,
    h: HouseholdRecord,
    t: CareThresholds,
    today: chrono::NaiveDate,
) -> Result<CareCase, AppError> {
    use crate::domain::care::{may_have_care, reasons_of, CareFacts};
    use crate::domain::cycle::Standing;
    use crate::domain::declaration::Relation;
    use crate::domain::id_number::IdNumber;
    let listings = s.store.caseload_of(&h.id).await?;
    let standing = s.store.household_summary(&h.id).await?.map(|x| x.standing);
    let open = matches!(standing, Some(Standing::InAssistance | Standing::Listed));
    /// A listed person, with all their listings read.
    struct Listed {
        id: IdNumber,
        name: String,
        relation: Relation,
        /// On a roster that gives a category (any but the disabled persons').
        in_category: bool,
        disability_grade: Option<u8>,
        care_need: Option<crate::domain::policy::facts::CareNeed>,
    }
    let mut persons: Vec<Listed> = Vec::new();
    for l in &listings {
        let id = IdNumber::parse(&l.id_number, today)
            .map_err(|e| AppError::internal(format!("a listed ID number: {e:?}")))?;
        let at = match persons.iter().position(|p| p.id == id) {
            Some(at) => at,
            None => {
                persons.push(Listed {
                    id,
                    name: l.name.clone(),
                    relation: l.relation,
                    in_category: false,
                    disability_grade: None,
                    care_need: None,
                });
                persons.len() - 1
            }
        };
        let person = &mut persons[at];
        person.in_category |= l.roster.category().is_some();
        if l.roster == crate::domain::intake::Roster::Disabled {
            // The most severe grade listed (1 is the most severe).
            let grade = l.grade.and_then(|g| u8::try_from(g).ok());
            person.disability_grade = match (person.disability_grade, grade) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        person.care_need = person.care_need.or(l.care_need);
    }
    persons.sort_by(|a, b| {
        (a.relation != Relation::Head, a.id.as_str())
            .cmp(&(b.relation != Relation::Head, b.id.as_str()))
    });
    let members = persons
        .iter()
        .enumerate()
        .filter_map(|(index, p)| {
            let facts =
                CareFacts::listed(p.id.birth_date(), p.disability_grade, p.care_need, today);
            (open && p.in_category && may_have_care(facts, t)).then(|| Candidate {
                index,
                name: p.name.clone(),
                id_number: p.id.clone(),
                reasons: reasons_of(facts, t),
            })
        })
        .collect();
    Ok(CareCase {
        household: h,
        assessed: false,
        from_roster: !listings.is_empty(),
        persons: persons.len(),
        members,
    })
}

/// The verified care-service providers whose service area holds `region`.
#[cfg(feature = "ssr")]
async fn providers_serving(
    s: &Services,
    region: &crate::domain::region::RegionCode,
) -> Result<Vec<CharityRecord>, AppError> {
    Ok(s.store
        .charities()
        .await?
        .into_iter()
        .filter(|c| {
            c.org_kind == OrgKind::ServiceProvider
                && c.status == CharityStatus::Verified
                && c.regions.iter().any(|r| region.is_within(r))
        })
        .collect())
}

#[server(endpoint = "care/household")]
pub async fn household_services(household: String) -> Result<ServicesOfHousehold, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let case = care_case(&s, &user, &household).await?;
    let h = case.household;
    audit_read(&s, &user, "service_orders_read", &h.id).await;
    let members = case
        .members
        .into_iter()
        .map(|m| CareMember {
            index: m.index,
            name: m.name,
            id_masked: m.id_number.masked(),
            reasons: m.reasons,
        })
        .collect();
    let mut prices = Vec::new();
    for p in providers_serving(&s, &h.region_code).await? {
        prices.extend(
            s.store
                .service_prices(&p.id, true)
                .await?
                .into_iter()
                .map(price_view),
        );
    }
    let orders = s.store.service_orders_of_household(&h.id).await?;
    Ok(ServicesOfHousehold {
        assessed: case.assessed,
        from_roster: case.from_roster,
        members,
        prices,
        orders: order_views(&s, orders).await?,
    })
}

/// Orders a care service for a household member who needs care, from a verified provider
/// serving the household's region at the provider's price; the order joins the household's
/// assistance chain with its monthly cost. Caseworkers of the region.
#[server(endpoint = "care/order", input = server_fn::codec::Json)]
pub async fn order_service(order: OrderDraft) -> Result<String, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let case = care_case(&s, &user, &order.household).await?;
    let h = case.household;
    if order.member >= case.persons {
        // Nobody there (or nobody read: no declaration and no roster).
        return Err(if case.persons == 0 {
            AppError::refused("no_care_need")
        } else {
            AppError::field("member", FieldErrorCode::InvalidChoice)
        });
    }
    let Some(member) = case.members.into_iter().find(|m| m.index == order.member) else {
        return Err(AppError::refused("no_care_need"));
    };
    let providers = providers_serving(&s, &h.region_code).await?;
    let price = s
        .store
        .service_price(order.price.trim())
        .await?
        .filter(|p| p.active && providers.iter().any(|c| c.id == p.provider_id))
        .ok_or_else(|| AppError::field("price", FieldErrorCode::InvalidChoice))?;
    let (quantity, from, until) =
        check_order(&order, price.unit, today_in_china()).map_err(AppError::Invalid)?;
    let monthly_cost = cost(quantity, price.price);
    let id = format!("order-{}", uuid::Uuid::new_v4().simple());
    let aid_id = uuid::Uuid::new_v4().to_string();
    s.store
        .add_service_order(NewServiceOrder {
            id: id.clone(),
            household_id: h.id.clone(),
            region: h.region_code.clone(),
            aid: NewAid {
                kind: AidKind::ServiceAssistance,
                source: Some(Department::CivilAffairs),
                source_name: price.provider_name.clone(),
                amount_fen: monthly_cost,
                monthly: true,
                from,
                until: Some(until),
                note: format!(
                    "{} {} {}",
                    price.kind.code(),
                    crate::domain::care::show_tenths(quantity),
                    price.unit.code()
                ),
            },
            price,
            monthly_quantity: quantity,
            monthly_cost,
            from,
            until,
            person_name: member.name,
            person_id: member.id_number.as_str().to_string(),
            reasons: member.reasons,
            aid_id,
            actor: user.0.id.clone(),
            now: now_millis(),
        })
        .await?;
    audit(&s, Some(&user.0.id), "service_order", &id, AuditResult::Ok).await;
    Ok(id)
}

/// Ends an order early (the person moved, died, went into a care home…): its last day, which
/// is not in the future nor before the order began nor before a service already recorded; the
/// chain entry ends with it. Caseworkers of the household's region.
#[server(endpoint = "care/end_order")]
pub async fn end_order(id: String, last_day: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let order = s
        .store
        .service_order(id.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    auth::check_in_region(&s, &user, &order.region, "service_order_end", &order.id).await?;
    let day = match chrono::NaiveDate::parse_from_str(last_day.trim(), "%Y-%m-%d") {
        Ok(d) if d > today_in_china() => {
            return Err(AppError::field("last_day", FieldErrorCode::DateInFuture))
        }
        Ok(d) => d,
        Err(_) => return Err(AppError::field("last_day", FieldErrorCode::DateFormat)),
    };
    s.store.end_service_order(&order.id, day).await?;
    audit(
        &s,
        Some(&user.0.id),
        "service_order_end",
        &order.id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// The provider

/// The caller's organisation when it is a verified care-service provider.
#[cfg(feature = "ssr")]
async fn verified_provider(s: &Services) -> Result<(SessionUser, CharityRecord), AppError> {
    let user = auth::require(&[Role::Charity]).await?;
    let org = s
        .store
        .charity_of_user(&user.0.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if org.org_kind != OrgKind::ServiceProvider {
        return Err(AppError::Forbidden);
    }
    if org.status != CharityStatus::Verified {
        return Err(AppError::refused("charity_not_verified"));
    }
    Ok((user, org))
}

/// A provider's page: its prices and its orders (those not ended more than a year ago), each
/// with its services and what they cost by month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    pub name: String,
    pub prices: Vec<PriceView>,
    pub orders: Vec<OrderView>,
}

#[server(endpoint = "care/provider")]
pub async fn provider_home() -> Result<ProviderView, AppError> {
    let s = services()?;
    let (user, org) = verified_provider(&s).await?;
    let prices = s
        .store
        .service_prices(&org.id, false)
        .await?
        .into_iter()
        .map(price_view)
        .collect();
    let since = today_in_china() - chrono::Days::new(366);
    let orders = s.store.service_orders_of_provider(&org.id, since).await?;
    audit_read(&s, &user, "service_orders_read", &org.id).await;
    Ok(ProviderView {
        name: org.name,
        prices,
        orders: order_views(&s, orders).await?,
    })
}

/// A provider adds a price it is contracted at (yuan a unit, e.g. `25` or `25.50`).
#[server(endpoint = "care/add_price")]
pub async fn add_price(kind: String, unit: String, price: String) -> Result<String, AppError> {
    let s = services()?;
    let (user, org) = verified_provider(&s).await?;
    let mut errors = Vec::new();
    let field = |errors: &mut Vec<_>, name: &str, code| {
        errors.push(crate::domain::declaration::FieldError {
            field: name.into(),
            code,
        })
    };
    let kind = ServiceKind::from_code(kind.trim());
    if kind.is_none() {
        field(&mut errors, "kind", FieldErrorCode::InvalidChoice);
    }
    let unit = ServiceUnit::from_code(unit.trim());
    if unit.is_none() {
        field(&mut errors, "unit", FieldErrorCode::InvalidChoice);
    }
    // A unit's price is at most 10 000 yuan (a day of full-time care is far less).
    let fen = match crate::domain::money::Money::parse_yuan(&price, 10_000) {
        Ok(m) if m.fen() > 0 => Some(m.fen()),
        Ok(_) => {
            field(&mut errors, "price", FieldErrorCode::OutOfBounds);
            None
        }
        Err(_) => {
            field(&mut errors, "price", FieldErrorCode::AmountFormat);
            None
        }
    };
    let (Some(kind), Some(unit), Some(fen), true) = (kind, unit, fen, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let id = format!("price-{}", uuid::Uuid::new_v4().simple());
    s.store
        .add_service_price(
            ServicePrice {
                id: id.clone(),
                provider_id: org.id.clone(),
                provider_name: org.name.clone(),
                kind,
                unit,
                price: fen,
                active: true,
            },
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "service_price_add",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(id)
}

/// A provider stops (or resumes) offering one of its prices; orders made at it keep it.
#[server(endpoint = "care/set_price")]
pub async fn set_price(id: String, active: bool) -> Result<(), AppError> {
    let s = services()?;
    let (user, org) = verified_provider(&s).await?;
    if !s.store.set_price_active(&id, &org.id, active).await? {
        return Err(AppError::NotFound);
    }
    audit(
        &s,
        Some(&user.0.id),
        "service_price_set",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// A provider records a service given under one of its orders, with the person's confirmation.
#[server(endpoint = "care/deliver", input = server_fn::codec::Json)]
pub async fn record_delivery(delivery: DeliveryDraft) -> Result<(), AppError> {
    let s = services()?;
    let (user, org) = verified_provider(&s).await?;
    let order = s
        .store
        .service_order(delivery.order.trim())
        .await?
        .filter(|o| o.provider_id == org.id)
        .ok_or(AppError::NotFound)?;
    let (day, quantity, carer, confirmed_by, confirmation) = check_delivery(
        &delivery,
        order.unit,
        (order.from, order.until),
        today_in_china(),
    )
    .map_err(AppError::Invalid)?;
    let id = format!("delivery-{}", uuid::Uuid::new_v4().simple());
    s.store
        .add_delivery(
            DeliveryRecord {
                id: id.clone(),
                order_id: order.id.clone(),
                day,
                quantity,
                carer,
                confirmed_by,
                confirmation,
                recorded_at: now_millis(),
            },
            &user.0.id,
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "service_delivery",
        &format!("{}:{id}", order.id),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}
