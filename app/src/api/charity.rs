//! 慈善帮扶 (Liaoning 二(三)6): organisations register and are verified by an administrator;
//! they publish resources, browse a de-identified needs board (consenting households only),
//! commit, accept or decline caseworkers' proposals, and record deliveries, which join the
//! household's assistance chain. Caseworkers record needs and run the optimiser.
//!
//! Privacy: nothing a charity receives before a confirmed match names a household — no name,
//! ID number, phone, exact age or place finer than the township. The contact of a confirmed
//! match is released to that one charity, and every release is audit-logged.

#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::charity::{CharityDraft, Distance, NeedDraft, ResourceDraft, Unmet};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit, SessionUser},
    domain::chain::{AidKind, NewAid},
    domain::charity::{
        covering_aid, suggest, urgency, CharityStatus, FitKey, MatchState, Need, NeedSource,
        NeedState, Resource, SupplyForm,
    },
    domain::declaration::{Declaration, FieldErrorCode},
    domain::phone::Phone,
    domain::policy::Category,
    domain::region::RegionCode,
    domain::status::Role,
    services::{now_millis, services, today_in_china, Services},
    store::{
        CharityRecord, DbError, MatchQuery, MatchRecord, NeedRecord, NewCharity, NewMatch, NewNeed,
        NewResource, NewUser, ResourceRecord,
    },
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharityView {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub contact_name: String,
    /// Masked for everyone but the organisation itself and administrators.
    pub contact_phone: String,
    pub region_names: Vec<String>,
    pub kinds: Vec<String>,
    /// `pending`, `verified`, `rejected`.
    pub status: String,
    pub status_note: String,
    /// A charity, or a contracted care-service provider (服务类救助: its page is /provider).
    pub org_kind: crate::domain::care::OrgKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceView {
    pub id: String,
    pub charity_name: String,
    pub form: String,
    pub title: String,
    pub unit: String,
    pub total: String,
    pub remaining: String,
    pub per_household_cap: Option<String>,
    pub need_kinds: Vec<String>,
    pub categories: Vec<String>,
    pub region_names: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
    /// Last updated (YYYY-MM-DD, China time).
    pub updated_on: String,
}

/// A need as anyone outside the household's caseworkers sees it: no names, numbers or places
/// finer than the township.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardNeed {
    pub id: String,
    pub kind: String,
    pub form: String,
    /// Units still open (not committed), as shown (yuan for funds).
    pub open: String,
    pub open_units: i64,
    pub urgency: i64,
    pub category: String,
    pub township: String,
    pub raised_on: String,
}

/// A need on the caseworker's matching page (the household is theirs to see).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNeed {
    pub board: BoardNeed,
    pub household_id: String,
    pub source: String,
    pub amount: String,
    pub committed: String,
    pub delivered: String,
    pub state: String,
    pub consent: bool,
    pub covered: bool,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchView {
    pub id: String,
    pub charity_name: String,
    pub resource_title: String,
    pub need_kind: String,
    pub form: String,
    pub units: String,
    pub unit: String,
    pub township: String,
    pub state: String,
    pub note: String,
    pub updated_on: String,
    /// The caseworker's view only: the household.
    pub household_id: Option<String>,
    /// Where the proof of delivery file is read (`/charity/proof/<id>`), if one was uploaded.
    pub proof_file: Option<String>,
    /// A caseworker confirmed it: the charity may then see the household's contact.
    #[serde(default)]
    pub confirmed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharityHome {
    pub charity: CharityView,
    pub resources: Vec<ResourceView>,
    pub matches: Vec<MatchView>,
    /// The help kinds and regions a resource may name (the organisation's own).
    pub region_choices: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionView {
    pub need: BoardNeed,
    pub household_id: String,
    pub resource_id: String,
    pub resource_title: String,
    pub charity_name: String,
    pub units: i64,
    pub units_shown: String,
    /// Units the need receives in the whole plan / units open.
    pub coverage: (String, String),
    pub distance: Distance,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmetView {
    pub need: BoardNeed,
    pub missing: String,
    pub why: Unmet,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchingView {
    pub needs: Vec<CaseNeed>,
    pub resources: Vec<ResourceView>,
    pub matches: Vec<MatchView>,
    /// Help households asked for in their declaration, with consent to share it with charities,
    /// not yet recorded as needs: for the caseworker to confirm with an amount.
    pub proposed: Vec<ProposedNeed>,
}

/// A kind of help a household asked for in its latest declaration (with charity consent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedNeed {
    pub household_id: String,
    pub kind: String,
    pub township: String,
    /// The application that asked for it.
    pub number: String,
}

/// How many of the region's households are looked at for proposals (the most recent first).
#[cfg(feature = "ssr")]
const PROPOSAL_HOUSEHOLDS: i64 = 500;

/// A kind of help asked for, before the township's name is looked up.
#[cfg(feature = "ssr")]
struct Proposal {
    household_id: String,
    kind: crate::domain::declaration::HelpKind,
    township: RegionCode,
    number: String,
}

/// What households in `scope` asked for and consented to share, not yet recorded as a need from
/// their declaration (recorded once, open or closed, it is not proposed again).
#[cfg(feature = "ssr")]
async fn proposed_needs(s: &Services, scope: &RegionCode) -> Result<Vec<Proposal>, AppError> {
    let recorded = s.store.needs(scope, false, today_in_china()).await?;
    let households = s
        .store
        .search_households(crate::store::HouseholdQuery::within(
            scope.clone(),
            PROPOSAL_HOUSEHOLDS,
        ))
        .await?;
    let mut out = Vec::new();
    for h in households {
        let Some(d) = h
            .latest_declaration_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<Declaration>(j).ok())
        else {
            continue;
        };
        if !d.consent_charity {
            continue;
        }
        for kind in d.help {
            let known = recorded.iter().any(|n| {
                n.household_id == h.id && n.kind == kind && n.source == NeedSource::Declaration
            });
            if !known {
                out.push(Proposal {
                    household_id: h.id.clone(),
                    kind,
                    township: h.region_code.township(),
                    number: h.latest_number.clone().unwrap_or_default(),
                });
            }
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub suggestions: Vec<SuggestionView>,
    pub unmet: Vec<UnmetView>,
    /// Needs left out before optimising: no consent, already covered by the chain.
    pub excluded_no_consent: i64,
    pub excluded_covered: i64,
}

/// The identity and contact of a confirmed match's household, released to its charity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchContact {
    pub head_name: String,
    pub phone: String,
    pub address: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CharityRegistration {
    pub phone: String,
    pub code: String,
    pub password: String,
    pub org: CharityDraft,
}

// ------------------------------------------------------------------------------------------
// Views

/// The names of regions a page shows.
#[cfg(feature = "ssr")]
type Names = std::collections::HashMap<RegionCode, String>;

#[cfg(feature = "ssr")]
async fn names_of<'a>(
    s: &Services,
    codes: impl Iterator<Item = &'a RegionCode>,
) -> Result<Names, AppError> {
    crate::api::regions::region_names(s.store.as_ref(), codes.cloned().collect()).await
}

/// Codes as the browser receives them.
#[cfg(feature = "ssr")]
fn codes<T: crate::domain::Coded>(v: &[T]) -> Vec<String> {
    v.iter().map(|c| c.code().to_string()).collect()
}

#[cfg(feature = "ssr")]
fn charity_view(c: CharityRecord, names: &Names, unmasked: bool) -> CharityView {
    CharityView {
        region_names: c
            .regions
            .iter()
            .map(|r| {
                names
                    .get(r)
                    .cloned()
                    .unwrap_or_else(|| r.prefix().to_string())
            })
            .collect(),
        contact_phone: if unmasked {
            c.contact_phone
        } else {
            Phone::parse(&c.contact_phone)
                .map(|p| p.masked())
                .unwrap_or_default()
        },
        id: c.id,
        name: c.name,
        credit_code: c.credit_code,
        contact_name: c.contact_name,
        kinds: codes(&c.kinds),
        status: c.status.code().into(),
        status_note: c.status_note,
        org_kind: c.org_kind,
    }
}

#[cfg(feature = "ssr")]
fn resource_view(r: ResourceRecord, names: &Names) -> ResourceView {
    ResourceView {
        total: r.form.show(r.total),
        remaining: r.form.show(r.remaining),
        per_household_cap: r.per_household_cap.map(|c| r.form.show(c)),
        region_names: r
            .regions
            .iter()
            .map(|c| {
                names
                    .get(c)
                    .cloned()
                    .unwrap_or_else(|| c.prefix().to_string())
            })
            .collect(),
        updated_on: crate::clock::china_date(r.updated_at),
        id: r.id,
        charity_name: r.charity_name,
        form: r.form.code().into(),
        title: r.title,
        unit: r.unit,
        need_kinds: codes(&r.need_kinds),
        categories: codes(&r.categories),
        valid_from: r.valid_from.to_string(),
        valid_until: r.valid_until.to_string(),
    }
}

#[cfg(feature = "ssr")]
fn board_need(n: &NeedRecord, names: &Names) -> BoardNeed {
    let open = (n.amount - n.committed).max(0);
    BoardNeed {
        id: n.id.clone(),
        kind: n.kind.code().into(),
        form: n.form.code().into(),
        open: n.form.show(open),
        open_units: open,
        urgency: n.urgency,
        category: n.category.map(|c| c.code().into()).unwrap_or_default(),
        township: names.get(&n.township).cloned().unwrap_or_default(),
        raised_on: crate::clock::china_date(n.created_at),
    }
}

#[cfg(feature = "ssr")]
fn match_view(m: MatchRecord, names: &Names, caseworker: bool) -> MatchView {
    MatchView {
        units: m.form.show(m.units),
        township: names.get(&m.township).cloned().unwrap_or_default(),
        updated_on: crate::clock::china_date(m.updated_at),
        household_id: caseworker.then_some(m.household_id),
        proof_file: m.proof.as_ref().map(|_| format!("/charity/proof/{}", m.id)),
        confirmed: m.confirmed,
        id: m.id,
        charity_name: m.charity_name,
        resource_title: m.resource_title,
        need_kind: m.need_kind.code().into(),
        form: m.form.code().into(),
        unit: m.unit,
        state: m.state.code().into(),
        note: m.note,
    }
}

// ------------------------------------------------------------------------------------------
// The organisation

/// The caller's organisation; `charity_not_verified` unless an administrator verified it.
#[cfg(feature = "ssr")]
async fn verified_charity(s: &Services) -> Result<(SessionUser, CharityRecord), AppError> {
    let user = auth::require(&[Role::Charity]).await?;
    let charity = s
        .store
        .charity_of_user(&user.0.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if charity.status != CharityStatus::Verified {
        audit(
            s,
            Some(&user.0.id),
            "charity_unverified_access",
            &charity.id,
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::refused("charity_not_verified"));
    }
    // A care-service provider's work is its orders (`api::care`), not the needs board.
    if charity.org_kind != crate::domain::care::OrgKind::Charity {
        return Err(AppError::Forbidden);
    }
    Ok((user, charity))
}

/// A charity registers: its account (the contact's mobile number, an SMS code, a password)
/// and the organisation, pending an administrator's verification. Signs it in.
#[server(endpoint = "charity/register", input = server_fn::codec::Json)]
pub async fn register_charity(
    form: CharityRegistration,
) -> Result<crate::api::types::CurrentUser, AppError> {
    let profile = form.org.check().map_err(AppError::Invalid)?;
    let phone = Phone::parse(&form.phone)
        .map_err(|_| AppError::field("phone", FieldErrorCode::PhoneFormat))?;
    if !auth::password_acceptable(&form.password) {
        return Err(AppError::refused("weak_password"));
    }
    let s = services()?;
    let now = now_millis();
    if !crate::api::accounts::consume_code(&s, &phone, &form.code, now).await? {
        return Err(AppError::refused("bad_code"));
    }
    let hash = auth::hash_password(form.password).await?;
    let user_id = s
        .store
        .register_charity(NewCharity {
            id: uuid::Uuid::new_v4().to_string(),
            user: NewUser {
                role: Role::Charity,
                login: phone.as_str().to_string(),
                display_name: profile.name.clone(),
                password_hash: hash,
                region_code: None,
                department: None,
                must_change_password: false,
                duty: None,
                now,
            },
            name: profile.name,
            credit_code: profile.credit_code.as_str().to_string(),
            contact_name: profile.contact_name,
            contact_phone: profile.contact_phone.as_str().to_string(),
            regions: profile.regions.clone(),
            kinds: profile.kinds.clone(),
            org_kind: profile.org_kind,
        })
        .await?;
    audit(
        &s,
        Some(&user_id),
        "charity_register",
        &user_id,
        AuditResult::Ok,
    )
    .await;
    let record = s
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or(AppError::Internal)?;
    let user = auth::SessionUser(record);
    auth::sign_in(&user).await?;
    Ok(user.current())
}

/// The organisation's own page: its record, and once verified its resources and matches.
#[server(endpoint = "charity/home")]
pub async fn load_charity_home() -> Result<CharityHome, AppError> {
    let user = auth::require(&[Role::Charity]).await?;
    let s = services()?;
    let charity = s
        .store
        .charity_of_user(&user.0.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = today_in_china();
    let (resources, matches) = if charity.status == CharityStatus::Verified {
        (
            s.store.resources(Some(&charity.id), today).await?,
            s.store
                .matches(MatchQuery::Charity(charity.id.clone()))
                .await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let names = names_of(
        &s,
        charity
            .regions
            .iter()
            .chain(resources.iter().flat_map(|r| r.regions.iter()))
            .chain(matches.iter().map(|m| &m.township)),
    )
    .await?;
    let region_choices = charity
        .regions
        .iter()
        .map(|r| {
            (
                r.prefix().to_string(),
                names.get(r).cloned().unwrap_or_default(),
            )
        })
        .collect();
    Ok(CharityHome {
        resources: resources
            .into_iter()
            .map(|r| resource_view(r, &names))
            .collect(),
        matches: matches
            .into_iter()
            .map(|m| match_view(m, &names, false))
            .collect(),
        charity: charity_view(charity, &names, true),
        region_choices,
    })
}

/// A verified charity publishes a resource.
#[server(endpoint = "charity/add_resource", input = server_fn::codec::Json)]
pub async fn add_resource(draft: ResourceDraft) -> Result<String, AppError> {
    let s = services()?;
    let (user, charity) = verified_charity(&s).await?;
    let spec = draft
        .check(&charity.regions, today_in_china())
        .map_err(AppError::Invalid)?;
    let id = uuid::Uuid::new_v4().to_string();
    s.store
        .add_resource(NewResource {
            id: id.clone(),
            charity_id: charity.id.clone(),
            form: spec.form,
            title: spec.title,
            unit: spec.unit,
            total: spec.total,
            per_household_cap: spec.per_household_cap,
            need_kinds: spec.need_kinds,
            categories: spec.categories,
            regions: spec.regions,
            valid_from: spec.valid_from,
            valid_until: spec.valid_until,
            now: now_millis(),
        })
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "charity_add_resource",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(id)
}

/// Whether a need's township lies in one of the regions a charity serves.
#[cfg(feature = "ssr")]
fn served(regions: &[RegionCode], township: &RegionCode) -> bool {
    regions.iter().any(|r| township.is_within(r))
}

/// The needs board: open needs of consenting households in the charity's regions, not covered
/// by the chain, without anything that identifies the household.
#[server(endpoint = "charity/board")]
pub async fn needs_board() -> Result<Vec<BoardNeed>, AppError> {
    let s = services()?;
    let (_, charity) = verified_charity(&s).await?;
    let today = today_in_china();
    let mut needs = Vec::new();
    for region in &charity.regions {
        needs.extend(s.store.needs(region, true, today).await?);
    }
    needs.retain(|n| {
        n.consent
            && !n.covered
            && charity.kinds.contains(&n.kind)
            && served(&charity.regions, &n.township)
    });
    needs.sort_by(|a, b| {
        b.urgency
            .cmp(&a.urgency)
            .then(a.created_at.cmp(&b.created_at))
            .then(a.id.cmp(&b.id))
    });
    needs.dedup_by(|a, b| a.id == b.id);
    let names = names_of(&s, needs.iter().map(|n| &n.township)).await?;
    Ok(needs.iter().map(|n| board_need(n, &names)).collect())
}

/// A charity commits part or all of a need from its own resource (exclusive for those units).
#[server(endpoint = "charity/commit")]
pub async fn commit_to_need(
    need_id: String,
    resource_id: String,
    units: String,
) -> Result<(), AppError> {
    let s = services()?;
    let (user, charity) = verified_charity(&s).await?;
    let resource = s
        .store
        .resources(Some(&charity.id), today_in_china())
        .await?
        .into_iter()
        .find(|r| r.id == resource_id)
        .ok_or(AppError::NotFound)?;
    let form = resource.form;
    let units = form
        .parse_amount(&units)
        .map_err(|code| AppError::field("units", code))?;
    let id = uuid::Uuid::new_v4().to_string();
    s.store
        .add_match(NewMatch {
            id: id.clone(),
            need_id: need_id.clone(),
            resource_id,
            units,
            state: MatchState::Accepted,
            region: None,
            charity_id: Some(charity.id.clone()),
            actor_id: user.0.id.clone(),
            today: today_in_china(),
            now: now_millis(),
        })
        .await?;
    audit(&s, Some(&user.0.id), "charity_commit", &id, AuditResult::Ok).await;
    Ok(())
}

/// The charity answers a caseworker's proposal: accept (commit) or decline (back to the pool).
#[server(endpoint = "charity/answer")]
pub async fn answer_match(id: String, accept: bool, note: String) -> Result<(), AppError> {
    let s = services()?;
    let (user, charity) = verified_charity(&s).await?;
    let note = note.trim().to_string();
    if note.chars().count() > 500 {
        return Err(AppError::field("note", FieldErrorCode::TooLong));
    }
    let to = if accept {
        MatchState::Accepted
    } else {
        MatchState::Declined
    };
    s.store
        .move_match(
            &id,
            &charity.id,
            &[MatchState::Proposed],
            to,
            &note,
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        if accept {
            "charity_accept"
        } else {
            "charity_decline"
        },
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// The charity closes a commitment without delivering: done by others, no longer needed,
/// duplicate. Its units return to the need and the resource.
#[server(endpoint = "charity/close")]
pub async fn close_match(id: String, state: String, note: String) -> Result<(), AppError> {
    let s = services()?;
    let (user, charity) = verified_charity(&s).await?;
    let to = NeedState::from_code(&state)
        .and_then(MatchState::closing)
        .ok_or_else(|| AppError::field("state", FieldErrorCode::InvalidChoice))?;
    let note = note.trim().to_string();
    if note.chars().count() > 500 {
        return Err(AppError::field("note", FieldErrorCode::TooLong));
    }
    s.store
        .move_match(
            &id,
            &charity.id,
            &[MatchState::Proposed, MatchState::Accepted],
            to,
            &note,
            now_millis(),
        )
        .await?;
    audit(&s, Some(&user.0.id), "charity_close", &id, AuditResult::Ok).await;
    Ok(())
}

/// The charity records what it delivered (a note of the proof: receipt number, photo kept …);
/// the delivery joins the household's assistance chain as 慈善帮扶.
#[server(endpoint = "charity/deliver")]
pub async fn deliver_match(
    id: String,
    delivered_on: String,
    proof: String,
) -> Result<(), AppError> {
    let s = services()?;
    let (user, charity) = verified_charity(&s).await?;
    let proof = proof.trim().to_string();
    if proof.is_empty() {
        return Err(AppError::field("proof", FieldErrorCode::Required));
    }
    if proof.chars().count() > 500 {
        return Err(AppError::field("proof", FieldErrorCode::TooLong));
    }
    let today = today_in_china();
    let day = chrono::NaiveDate::parse_from_str(delivered_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field("delivered_on", FieldErrorCode::DateFormat))?;
    if day > today {
        return Err(AppError::field(
            "delivered_on",
            FieldErrorCode::DateInFuture,
        ));
    }
    let m = s
        .store
        .match_record(&id)
        .await?
        .filter(|m| m.charity_id == charity.id)
        .ok_or(AppError::NotFound)?;
    let amount_fen = if m.form == SupplyForm::Funds {
        m.units
    } else {
        0
    };
    let what = match m.form {
        SupplyForm::Funds => format!("{}：{} 元", m.resource_title, m.form.show(m.units)),
        _ => format!("{}：{} {}", m.resource_title, m.units, m.unit),
    };
    let aid = NewAid {
        kind: AidKind::Charity,
        source: None,
        source_name: charity.name.clone(),
        amount_fen,
        monthly: false,
        from: day,
        until: Some(day),
        note: format!("{what}（{proof}）"),
    };
    s.store
        .deliver_match(
            &id,
            &charity.id,
            &proof,
            &format!("charity-{id}"),
            aid,
            &user.0.id,
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "charity_deliver",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Why a charity opens a household's contact; recorded with each opening (PIPL art. 6: for a
/// stated purpose, no more than it needs).
pub const CONTACT_PURPOSES: [&str; 3] = ["arrange_delivery", "deliver", "follow_up"];

/// The household's identity and contact for an accepted or delivered match that a caseworker
/// of the household's region has confirmed, to its charity only, for one of
/// [`CONTACT_PURPOSES`]; every opening is audit-logged with its purpose.
#[server(endpoint = "charity/contact")]
pub async fn reveal_match_contact(id: String, purpose: String) -> Result<MatchContact, AppError> {
    if !CONTACT_PURPOSES.contains(&purpose.as_str()) {
        return Err(AppError::field("purpose", FieldErrorCode::Required));
    }
    let s = services()?;
    let (user, charity) = verified_charity(&s).await?;
    let m = s
        .store
        .match_record(&id)
        .await?
        .filter(|m| m.charity_id == charity.id)
        .ok_or(AppError::NotFound)?;
    if !matches!(
        Some(m.state),
        Some(MatchState::Accepted | MatchState::Delivered)
    ) {
        audit(
            &s,
            Some(&user.0.id),
            "charity_contact",
            &id,
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::refused("match_state"));
    }
    if !m.confirmed {
        audit(
            &s,
            Some(&user.0.id),
            "charity_contact",
            &id,
            AuditResult::Unconfirmed,
        )
        .await;
        return Err(AppError::refused("match_unconfirmed"));
    }
    let household = s
        .store
        .household_summary(&m.household_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let declaration = household
        .latest_declaration_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<Declaration>(j).ok())
        .ok_or(AppError::NotFound)?;
    auth::audit_for(
        &s,
        Some(&user.0.id),
        "charity_contact",
        &format!("{id}:{}", m.household_id),
        AuditResult::Ok,
        Some(&purpose),
    )
    .await;
    Ok(MatchContact {
        head_name: declaration.head().name.clone(),
        phone: declaration.contact_phone.as_str().to_string(),
        address: declaration.address.clone(),
    })
}

/// The cities and counties an organisation may serve (for the registration form), by code
/// prefix. Public: registration comes before any account.
#[server(endpoint = "charity/service_regions")]
pub async fn service_regions() -> Result<Vec<(String, String)>, AppError> {
    let s = services()?;
    let mut out = Vec::new();
    for province in s.store.region_children(None).await? {
        for city in s.store.region_children(Some(&province.code)).await? {
            let prefix = RegionCode::parse(&city.code)
                .map(|r| r.prefix().to_string())
                .unwrap_or_default();
            out.push((prefix, city.name_zh.clone()));
            for county in s.store.region_children(Some(&city.code)).await? {
                let prefix = RegionCode::parse(&county.code)
                    .map(|r| r.prefix().to_string())
                    .unwrap_or_default();
                out.push((prefix, format!("{} {}", city.name_zh, county.name_zh)));
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Administrators

#[server(endpoint = "charity/registrations")]
pub async fn charity_registrations() -> Result<Vec<CharityView>, AppError> {
    let admin = auth::require(&[Role::Admin]).await?;
    let scope = auth::staff_scope(&admin)?;
    let s = services()?;
    // An administrator sees the organisations that serve their region (any of its regions).
    let all: Vec<_> = s
        .store
        .charities()
        .await?
        .into_iter()
        .filter(|c| c.regions.iter().any(|r| r.is_within(&scope)))
        .collect();
    let names = names_of(&s, all.iter().flat_map(|c| &c.regions)).await?;
    Ok(all
        .into_iter()
        .map(|c| charity_view(c, &names, true))
        .collect())
}

/// An administrator verifies or rejects a pending organisation (a rejection needs a reason).
#[server(endpoint = "charity/decide")]
pub async fn decide_charity(id: String, verified: bool, note: String) -> Result<(), AppError> {
    let to = if verified {
        CharityStatus::Verified
    } else {
        CharityStatus::Rejected
    };
    charity_decision(id, to, note).await
}

/// An administrator revokes a verified organisation's verification (a reason is required): its
/// needs board, its resources and the contacts of its matches close at once, since every
/// charity function checks the verification on each call.
#[server(endpoint = "charity/revoke")]
pub async fn revoke_charity(id: String, note: String) -> Result<(), AppError> {
    charity_decision(id, CharityStatus::Revoked, note).await
}

#[cfg(feature = "ssr")]
async fn charity_decision(id: String, to: CharityStatus, note: String) -> Result<(), AppError> {
    let admin = auth::require(&[Role::Admin]).await?;
    let note = note.trim().to_string();
    if to != CharityStatus::Verified && note.is_empty() {
        return Err(AppError::field("note", FieldErrorCode::Required));
    }
    if note.chars().count() > 500 {
        return Err(AppError::field("note", FieldErrorCode::TooLong));
    }
    let s = services()?;
    // Only an administrator whose region holds every region the organisation serves decides on
    // it: a city's administrator does not verify (or revoke) another province's charity.
    let scope = auth::staff_scope(&admin)?;
    let charity = s.store.charity(&id).await?.ok_or(AppError::NotFound)?;
    if charity.regions.is_empty() || !charity.regions.iter().all(|r| r.is_within(&scope)) {
        audit(
            &s,
            Some(&admin.0.id),
            "charity_decide",
            &id,
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::NotFound);
    }
    s.store
        .decide_charity(&id, to, &note, &admin.0.id, now_millis())
        .await?;
    let action = match to {
        CharityStatus::Verified => "charity_verify",
        CharityStatus::Rejected => "charity_reject",
        _ => "charity_revoke",
    };
    audit(&s, Some(&admin.0.id), action, &id, AuditResult::Ok).await;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Caseworkers

/// The household's category for urgency: its latest decision's, if any.
#[cfg(feature = "ssr")]
async fn household_category(
    s: &Services,
    household: &crate::store::HouseholdSummary,
) -> Result<Option<Category>, AppError> {
    let Some(number) = &household.latest_number else {
        return Ok(None);
    };
    Ok(s.store.latest_decision(number).await?.map(|d| d.category))
}

/// A caseworker records a household's need (from its declaration, a warning, or their own
/// finding). The urgency follows the household's category and the warning's level.
#[server(endpoint = "charity/add_need", input = server_fn::codec::Json)]
pub async fn add_need(draft: NeedDraft) -> Result<bool, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let spec = draft.check().map_err(AppError::Invalid)?;
    let s = services()?;
    let household = s
        .store
        .household_summary(draft.household_id.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    auth::check_in_region(
        &s,
        &user,
        &household.region_code,
        "charity_add_need",
        &household.id,
    )
    .await?;
    let (level, source_ref) = match spec.source {
        NeedSource::Warning => {
            let id = spec.warning_id.unwrap_or_default();
            let w = s
                .store
                .warning(id)
                .await?
                .filter(|w| w.household_id == household.id)
                .ok_or_else(|| AppError::field("warning_id", FieldErrorCode::InvalidChoice))?;
            (Some(w.level), id.to_string())
        }
        NeedSource::Declaration => {
            let asked = household
                .latest_declaration_json
                .as_deref()
                .and_then(|j| serde_json::from_str::<Declaration>(j).ok())
                .map(|d| d.help)
                .unwrap_or_default();
            if !asked.contains(&spec.kind) {
                return Err(AppError::field("kind", FieldErrorCode::InvalidChoice));
            }
            (None, household.latest_number.clone().unwrap_or_default())
        }
        // A caseworker may record the same kind again later (a new need): each is its own.
        NeedSource::Caseworker => (None, uuid::Uuid::new_v4().to_string()),
    };
    let category = household_category(&s, &household).await?;
    let township = household.region_code.township();
    let added = s
        .store
        .add_need(NewNeed {
            id: uuid::Uuid::new_v4().to_string(),
            household_id: household.id.clone(),
            source: spec.source,
            source_ref,
            kind: spec.kind,
            form: spec.form,
            amount: spec.amount,
            urgency: urgency(category, level),
            township,
            category,
            covering_aid: covering_aid(spec.kind),
            note: spec.note,
            created_by: user.0.id.clone(),
            now: now_millis(),
        })
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "charity_add_need",
        &household.id,
        if added {
            AuditResult::Ok
        } else {
            AuditResult::Exists
        },
    )
    .await;
    Ok(added)
}

/// A caseworker closes an open need (done by others, no longer needed, duplicate).
#[server(endpoint = "charity/close_need")]
pub async fn close_need(id: String, state: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let state = NeedState::from_code(&state)
        .filter(|s| NeedState::CLOSING.contains(s))
        .ok_or_else(|| AppError::field("state", FieldErrorCode::InvalidChoice))?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    s.store
        .close_need(&id, &scope, state, &user.0.id, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "charity_close_need",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// A household's needs and matches, for its file.
#[server(endpoint = "charity/household")]
pub async fn household_needs(
    household_id: String,
) -> Result<(Vec<CaseNeed>, Vec<MatchView>), AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let s = services()?;
    let household = s
        .store
        .household(&household_id)
        .await?
        .ok_or(AppError::NotFound)?;
    auth::check_in_region(
        &s,
        &user,
        &household.region_code,
        "charity_household",
        &household.id,
    )
    .await?;
    auth::audit_read(&s, &user, "needs_read", &household.id).await;
    let needs = s.store.needs_of(&household.id, today_in_china()).await?;
    let matches = s
        .store
        .matches(MatchQuery::Household(household.id.clone()))
        .await?;
    let names = names_of(
        &s,
        needs
            .iter()
            .map(|n| &n.township)
            .chain(matches.iter().map(|m| &m.township)),
    )
    .await?;
    Ok((
        needs.iter().map(|n| case_need(n, &names)).collect(),
        matches
            .into_iter()
            .map(|m| match_view(m, &names, true))
            .collect(),
    ))
}

#[cfg(feature = "ssr")]
fn case_need(n: &NeedRecord, names: &Names) -> CaseNeed {
    CaseNeed {
        board: board_need(n, names),
        household_id: n.household_id.clone(),
        source: n.source.code().into(),
        amount: n.form.show(n.amount),
        committed: n.form.show(n.committed),
        delivered: n.form.show(n.delivered),
        state: n.state.code().into(),
        consent: n.consent,
        covered: n.covered,
        note: n.note.clone(),
    }
}

/// What the optimiser works on for a caseworker: the region's open needs and the resources
/// that may serve them.
#[cfg(feature = "ssr")]
async fn matching_inputs(
    s: &Services,
    scope: &RegionCode,
) -> Result<(Vec<NeedRecord>, Vec<ResourceRecord>), AppError> {
    let today = today_in_china();
    let needs = s.store.needs(scope, true, today).await?;
    let resources = s
        .store
        .resources(None, today)
        .await?
        .into_iter()
        .filter(|r| {
            r.regions.is_empty()
                || r.regions
                    .iter()
                    .any(|p| p.is_within(scope) || scope.is_within(p))
        })
        .collect();
    Ok((needs, resources))
}

/// The matching page: needs and resources side by side, and the region's matches.
#[server(endpoint = "charity/matching")]
pub async fn load_matching() -> Result<MatchingView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let (needs, resources) = matching_inputs(&s, &scope).await?;
    let proposed = proposed_needs(&s, &scope).await?;
    auth::audit_read(&s, &user, "matching_read", scope.prefix()).await;
    let matches = s
        .store
        .matches(MatchQuery::Region(scope.prefix().to_string()))
        .await?;
    let names = names_of(
        &s,
        needs
            .iter()
            .map(|n| &n.township)
            .chain(resources.iter().flat_map(|r| &r.regions))
            .chain(matches.iter().map(|m| &m.township))
            .chain(proposed.iter().map(|p| &p.township)),
    )
    .await?;
    Ok(MatchingView {
        needs: needs.iter().map(|n| case_need(n, &names)).collect(),
        resources: resources
            .into_iter()
            .map(|r| resource_view(r, &names))
            .collect(),
        matches: matches
            .into_iter()
            .map(|m| match_view(m, &names, true))
            .collect(),
        proposed: proposed
            .into_iter()
            .map(|p| ProposedNeed {
                household_id: p.household_id,
                kind: p.kind.code().into(),
                township: names.get(&p.township).cloned().unwrap_or_default(),
                number: p.number,
            })
            .collect(),
    })
}

/// The optimiser's plan for the caseworker's region (see `domain::charity::suggest`): only
/// consenting needs not covered by the chain enter; each pair says why.
#[server(endpoint = "charity/suggest")]
pub async fn suggest_matches() -> Result<PlanView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let (needs, resources) = matching_inputs(&s, &scope).await?;
    auth::audit_read(&s, &user, "matching_suggest", scope.prefix()).await;
    let today = today_in_china();
    // A township the server wrote that no longer reads as a region is bad data: an error.
    let as_need = |n: &NeedRecord| -> Result<Need, AppError> {
        Ok(Need {
            id: n.id.clone(),
            household: n.household_id.clone(),
            kind: FitKey::new(n.form, n.kind),
            category: n.category,
            region: n.township.clone(),
            amount: n.amount - n.committed,
            urgency: n.urgency,
            consent: n.consent,
            covered: n.covered,
        })
    };
    let optimiser_needs: Vec<Need> = needs.iter().map(as_need).collect::<Result<_, _>>()?;
    // What each resource already gives each household of the region (live matches), for its cap.
    let mut given: std::collections::HashMap<String, std::collections::HashMap<String, i64>> =
        Default::default();
    for m in s
        .store
        .matches(MatchQuery::Region(scope.prefix().to_string()))
        .await?
    {
        if m.state.holds() {
            *given
                .entry(m.resource_id)
                .or_default()
                .entry(m.household_id)
                .or_default() += m.units;
        }
    }
    let optimiser_resources: Vec<Resource> = resources
        .iter()
        .map(|r| {
            let form = r.form;
            Resource {
                id: r.id.clone(),
                kinds: r.need_kinds.iter().map(|&k| FitKey::new(form, k)).collect(),
                categories: r.categories.clone(),
                regions: r.regions.clone(),
                remaining: r.remaining,
                per_household_cap: r.per_household_cap,
                already_given: given.remove(&r.id).unwrap_or_default(),
                valid_from: r.valid_from,
                valid_until: r.valid_until,
            }
        })
        .collect();
    let plan = suggest(&optimiser_needs, &optimiser_resources, today);
    let names = names_of(&s, needs.iter().map(|n| &n.township)).await?;
    let by_id: std::collections::HashMap<&str, &NeedRecord> =
        needs.iter().map(|n| (n.id.as_str(), n)).collect();
    let res_by_id: std::collections::HashMap<&str, &ResourceRecord> =
        resources.iter().map(|r| (r.id.as_str(), r)).collect();
    let suggestions = plan
        .suggestions
        .iter()
        .filter_map(|p| {
            let n = by_id.get(p.need.as_str())?;
            let r = res_by_id.get(p.resource.as_str())?;
            Some(SuggestionView {
                need: board_need(n, &names),
                household_id: n.household_id.clone(),
                resource_id: r.id.clone(),
                resource_title: r.title.clone(),
                charity_name: r.charity_name.clone(),
                units: p.units,
                units_shown: n.form.show(p.units),
                coverage: (n.form.show(p.coverage.0), n.form.show(p.coverage.1)),
                distance: p.distance,
            })
        })
        .collect();
    let unmet = plan
        .unmet
        .iter()
        .filter_map(|(id, missing, why)| {
            let n = by_id.get(id.as_str())?;
            Some(UnmetView {
                need: board_need(n, &names),
                missing: n.form.show(*missing),
                why: *why,
            })
        })
        .collect();
    Ok(PlanView {
        suggestions,
        unmet,
        excluded_no_consent: needs.iter().filter(|n| !n.consent).count() as i64,
        excluded_covered: needs.iter().filter(|n| n.consent && n.covered).count() as i64,
    })
}

/// A caseworker of the household's region confirms a charity's own commitment after checking
/// it (the charity, the units, the household's wish): only then may the charity open the
/// household's contact.
#[server(endpoint = "charity/confirm_match")]
pub async fn confirm_match(id: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let r = s
        .store
        .confirm_match(&id, &scope, &user.0.id, now_millis())
        .await;
    audit(
        &s,
        Some(&user.0.id),
        "charity_confirm",
        &id,
        if r.is_ok() {
            AuditResult::Ok
        } else {
            AuditResult::Denied
        },
    )
    .await;
    Ok(r?)
}

/// A caseworker accepts a suggestion (or an edited one): it goes to the charity, units reserved.
#[server(endpoint = "charity/propose")]
pub async fn propose_match(
    need_id: String,
    resource_id: String,
    units: String,
) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let today = today_in_china();
    let resource = s
        .store
        .resources(None, today)
        .await?
        .into_iter()
        .find(|r| r.id == resource_id)
        .ok_or_else(|| AppError::refused("resource_short"))?;
    let form = resource.form;
    let units = form
        .parse_amount(&units)
        .map_err(|code| AppError::field("units", code))?;
    let id = uuid::Uuid::new_v4().to_string();
    let r = s
        .store
        .add_match(NewMatch {
            id: id.clone(),
            need_id,
            resource_id,
            units,
            state: MatchState::Proposed,
            region: Some(scope.clone()),
            charity_id: None,
            actor_id: user.0.id.clone(),
            today,
            now: now_millis(),
        })
        .await;
    if let Err(DbError::Conflict(code)) = &r {
        // Refused by the store (the need taken meanwhile, the resource short): why, as purpose.
        auth::audit_for(
            &s,
            Some(&user.0.id),
            "charity_propose",
            &id,
            AuditResult::Refused,
            Some(code),
        )
        .await;
    }
    r?;
    audit(
        &s,
        Some(&user.0.id),
        "charity_propose",
        &id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}
