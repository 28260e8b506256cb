//! The charity tables' rows as read: the columns each query selects, a `FromRow` struct of
//! them, and the `TryFrom` into the record `CharityStore` returns.

use crate::store::dialect::{code, day, region, Row};
use app::domain::charity::CharityStatus;
use app::domain::region::RegionCode;
use app::domain::Coded;
use app::store::{CharityRecord, DbError, MatchRecord, Millis, NeedRecord, ResourceRecord};

pub(super) fn list(raw: &str) -> Result<Vec<String>, DbError> {
    serde_json::from_str(raw).map_err(|e| DbError::Other(format!("stored list: {e}")))
}

pub(super) fn json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Codes as stored: a JSON list of them (`["education","medical"]`).
pub(super) fn codes_json<T: Coded>(v: &[T]) -> String {
    json(&v.iter().map(|c| c.code().to_string()).collect::<Vec<_>>())
}

/// A stored list of codes; one this version does not know is an error naming its column.
fn codes<T: Coded>(column: &str, raw: &str) -> Result<Vec<T>, DbError> {
    list(raw)?.iter().map(|c| code(column, c)).collect()
}

/// A code stored as text where the empty text means none (a need's category, its covering aid).
pub(super) fn code_or_empty<T: Coded>(v: Option<T>) -> &'static str {
    v.map(|c| c.code()).unwrap_or("")
}

fn code_or_none<T: Coded>(column: &str, raw: &str) -> Result<Option<T>, DbError> {
    (!raw.is_empty()).then(|| code(column, raw)).transpose()
}

/// A township as the needs store it: its nine digits (`620702001`).
pub(super) fn township_text(t: &RegionCode) -> &str {
    &t.as_str()[..9]
}

/// Regions as stored: a JSON list of their prefixes (`6207` for a city).
pub(super) fn region_json(v: &[RegionCode]) -> String {
    json(&v.iter().map(|r| r.prefix().to_string()).collect::<Vec<_>>())
}

/// A stored list of regions; one that does not read as a region is an error naming it.
pub(super) fn region_list(raw: &str) -> Result<Vec<RegionCode>, DbError> {
    list(raw)?
        .iter()
        .map(|r| crate::store::dialect::region("regions", r))
        .collect()
}

pub(super) const CHARITY_COLUMNS: &str =
    "id, user_id, name, credit_code, contact_name, contact_phone, regions, kinds, status, \
        status_note, created_at, revoked_at, org_kind";

#[derive(sqlx::FromRow)]
struct CharityRow {
    id: String,
    user_id: String,
    name: String,
    credit_code: String,
    contact_name: String,
    contact_phone: String,
    regions: String,
    kinds: String,
    status: String,
    status_note: String,
    revoked_at: Option<i64>,
    created_at: Millis,
    org_kind: String,
}

impl TryFrom<CharityRow> for CharityRecord {
    type Error = DbError;
    fn try_from(r: CharityRow) -> Result<Self, DbError> {
        Ok(CharityRecord {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            credit_code: r.credit_code,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            regions: region_list(&r.regions)?,
            kinds: codes("kinds", &r.kinds)?,
            // A revoked verification is stored as `rejected` (every query that looks for
            // `verified` leaves it out) with the time of revocation.
            status: match (code("status", &r.status)?, r.revoked_at) {
                (CharityStatus::Rejected, Some(_)) => CharityStatus::Revoked,
                (status, _) => status,
            },
            status_note: r.status_note,
            created_at: r.created_at,
            org_kind: code("org_kind", &r.org_kind)?,
        })
    }
}

/// A charity as stored, its contact person and phone opened (`sealed::CHARITY_CONTACT_*`).
pub(super) fn charity_from_row(
    r: &Row,
    cipher: &crate::crypto::FieldCipher,
) -> Result<CharityRecord, DbError> {
    use crate::store::sealed::{CHARITY_CONTACT_NAME, CHARITY_CONTACT_PHONE};
    let mut c: CharityRecord = r.to::<CharityRow, _>()?;
    c.contact_name = cipher.open(CHARITY_CONTACT_NAME, &c.contact_name)?;
    c.contact_phone = cipher.open(CHARITY_CONTACT_PHONE, &c.contact_phone)?;
    Ok(c)
}

pub(super) const RESOURCE_FROM: &str = "r.id, r.charity_id, c.name AS charity_name, r.form, \
    r.title, r.unit, r.total, r.remaining, \
     r.per_household_cap, r.need_kinds, r.categories, r.regions, r.valid_from, r.valid_until, \
     r.updated_at \
     FROM charity_resources r JOIN charities c ON c.id = r.charity_id";

#[derive(sqlx::FromRow)]
struct ResourceRow {
    id: String,
    charity_id: String,
    charity_name: String,
    form: String,
    title: String,
    unit: String,
    total: i64,
    remaining: i64,
    per_household_cap: Option<i64>,
    need_kinds: String,
    categories: String,
    regions: String,
    valid_from: String,
    valid_until: String,
    updated_at: Millis,
}

impl TryFrom<ResourceRow> for ResourceRecord {
    type Error = DbError;
    fn try_from(r: ResourceRow) -> Result<Self, DbError> {
        Ok(ResourceRecord {
            id: r.id,
            charity_id: r.charity_id,
            charity_name: r.charity_name,
            form: code("form", &r.form)?,
            title: r.title,
            unit: r.unit,
            total: r.total,
            remaining: r.remaining,
            per_household_cap: r.per_household_cap,
            need_kinds: codes("need_kinds", &r.need_kinds)?,
            categories: codes("categories", &r.categories)?,
            regions: region_list(&r.regions)?,
            valid_from: day("valid_from", &r.valid_from)?,
            valid_until: day("valid_until", &r.valid_until)?,
            updated_at: r.updated_at,
        })
    }
}

pub(super) fn resource_from_row(r: &Row) -> Result<ResourceRecord, DbError> {
    r.to::<ResourceRow, _>()
}

/// A need with the household's current consent (its latest application) and whether
/// public aid of the covering kind, recorded after the need, runs on `$1` (today).
pub(super) const NEED_FROM: &str = "n.id, n.household_id, n.source, n.kind, n.form, n.amount, \
    n.committed, n.delivered, n.urgency, \
     n.township, n.category, n.state, n.note, n.created_at, \
     COALESCE((SELECT a.consent_charity FROM applications a WHERE a.household_id = n.household_id \
               ORDER BY a.submitted_at DESC LIMIT 1), FALSE) AS consent, \
     EXISTS (SELECT 1 FROM assistance x WHERE x.household_id = n.household_id AND x.kind = \
     n.covering_aid \
             AND x.origin <> 'charity' AND x.recorded_at > n.created_at AND x.period_from <= $1 \
             AND (x.period_until IS NULL OR x.period_until >= $1)) AS covered \
     FROM charity_needs n JOIN households h ON h.id = n.household_id";

#[derive(sqlx::FromRow)]
struct NeedRow {
    id: String,
    household_id: String,
    source: String,
    kind: String,
    form: String,
    amount: i64,
    committed: i64,
    delivered: i64,
    urgency: i64,
    township: String,
    category: String,
    state: String,
    note: String,
    consent: bool,
    covered: bool,
    created_at: Millis,
}

impl TryFrom<NeedRow> for NeedRecord {
    type Error = DbError;
    fn try_from(r: NeedRow) -> Result<Self, DbError> {
        Ok(NeedRecord {
            id: r.id,
            household_id: r.household_id,
            source: code("source", &r.source)?,
            kind: code("kind", &r.kind)?,
            form: code("form", &r.form)?,
            amount: r.amount,
            committed: r.committed,
            delivered: r.delivered,
            urgency: r.urgency,
            township: region("township", &r.township)?,
            category: code_or_none("category", &r.category)?,
            state: code("state", &r.state)?,
            note: r.note,
            consent: r.consent,
            covered: r.covered,
            created_at: r.created_at,
        })
    }
}

pub(super) fn need_from_row(r: &Row) -> Result<NeedRecord, DbError> {
    r.to::<NeedRow, _>()
}

pub(super) const MATCH_FROM: &str = "m.id, m.need_id, m.resource_id, r.charity_id, c.name AS \
    charity_name, n.household_id, m.units, \
     m.state, m.note, n.kind AS need_kind, r.form, r.unit, n.township, r.title AS resource_title, \
     m.proof_hash, m.proof_mime, m.created_at, m.updated_at, m.confirmed_at \
     FROM charity_matches m JOIN charity_needs n ON n.id = m.need_id \
     JOIN charity_resources r ON r.id = m.resource_id JOIN charities c ON c.id = r.charity_id";

#[derive(sqlx::FromRow)]
struct MatchRow {
    id: String,
    need_id: String,
    resource_id: String,
    charity_id: String,
    charity_name: String,
    household_id: String,
    units: i64,
    state: String,
    note: String,
    need_kind: String,
    form: String,
    unit: String,
    township: String,
    resource_title: String,
    proof_hash: Option<String>,
    proof_mime: Option<String>,
    created_at: Millis,
    updated_at: Millis,
    confirmed_at: Option<Millis>,
}

impl TryFrom<MatchRow> for MatchRecord {
    type Error = DbError;
    fn try_from(r: MatchRow) -> Result<Self, DbError> {
        Ok(MatchRecord {
            confirmed: r.confirmed_at.is_some(),
            id: r.id,
            need_id: r.need_id,
            resource_id: r.resource_id,
            charity_id: r.charity_id,
            charity_name: r.charity_name,
            household_id: r.household_id,
            units: r.units,
            state: code("state", &r.state)?,
            note: r.note,
            need_kind: code("need_kind", &r.need_kind)?,
            form: code("form", &r.form)?,
            unit: r.unit,
            township: region("township", &r.township)?,
            resource_title: r.resource_title,
            proof: r.proof_hash.zip(r.proof_mime),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(super) fn match_from_row(r: &Row) -> Result<MatchRecord, DbError> {
    r.to::<MatchRow, _>()
}
