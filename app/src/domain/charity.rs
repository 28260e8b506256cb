//! 慈善帮扶: the unified social credit code of a charity organisation (GB 32100-2015) and the
//! matching of households' needs with charities' resources (Liaoning 二(三)6). Pure.
//!
//! The matching maximises urgency-weighted coverage: a need of urgency `w` asking for `a` units
//! is worth `w / a` per unit it receives (so a need fully met counts `w`, half met `w / 2`),
//! subject to each resource's capacity, its cap per household, and fit (need kind, household
//! category, region, validity window; needs without consent, or already covered by the household's
//! assistance chain, never enter). It is a maximum-weight flow where the weight sits on the
//! needs: the demand vectors a flow network can meet form a polymatroid, so serving needs in
//! order of weight per unit, each as fully as augmenting paths allow (earlier needs may be
//! re-routed, never reduced), is exact — the same optimum as a min-cost flow, found faster.
//! The property tests compare it with a brute force over every integral assignment.

use super::chain::AidKind;
use super::declaration::{FieldError, FieldErrorCode, HelpKind};
use super::money::Money;
use super::monitoring::WarningLevel;
use super::phone::Phone;
use super::policy::Category;
use super::region::RegionCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The 31 characters of a unified social credit code (no I, O, S, V, Z).
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17: 3^i mod 31.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// 统一社会信用代码, checked (18 characters, the GB 32100 check character last).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditCode(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreditCodeError {
    /// Not 18 characters of the code's alphabet (digits and capitals without I, O, S, V, Z).
    Format,
    /// Characters 3–8 must be digits (the administrative division code).
    Division,
    /// The 18th character does not match the first 17.
    Checksum,
}

impl CreditCode {
    /// Parses a code as typed: spaces are dropped and letters taken as capitals.
    pub fn parse(raw: &str) -> Result<Self, CreditCodeError> {
        let code: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let values: Vec<u32> = code
            .chars()
            .map(|c| USCC_CHARS.find(c).map(|i| i as u32))
            .collect::<Option<_>>()
            .ok_or(CreditCodeError::Format)?;
        if values.len() != 18 {
            return Err(CreditCodeError::Format);
        }
        if !code[2..8].chars().all(|c| c.is_ascii_digit()) {
            return Err(CreditCodeError::Division);
        }
        if check_value(&values[..17]) != values[17] {
            return Err(CreditCodeError::Checksum);
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code made of 17 characters and their check character (for demo data and tests).
    pub fn with_check(first17: &str) -> Option<Self> {
        let values: Vec<u32> = first17
            .chars()
            .map(|c| USCC_CHARS.find(c).map(|i| i as u32))
            .collect::<Option<_>>()?;
        (values.len() == 17).then_some(())?;
        let check = USCC_CHARS.chars().nth(check_value(&values) as usize)?;
        Self::parse(&format!("{first17}{check}")).ok()
    }
}

fn check_value(first17: &[u32]) -> u32 {
    let sum: u32 = first17.iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

/// A household's need as the optimiser sees it (already de-identified, consent checked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    pub id: String,
    pub household: String,
    /// What is needed, in which form.
    pub kind: FitKey,
    /// The household's category, for resources that serve some only (`None`: none yet).
    pub category: Option<Category>,
    /// The household's township (or a finer region).
    pub region: RegionCode,
    /// Units asked for (fen for money, pieces or hours otherwise).
    pub amount: i64,
    /// Urgency, from the warning level and category (larger is more urgent).
    pub urgency: i64,
    /// The household agreed to share its needs with charities; without it the need never enters.
    pub consent: bool,
    /// The household's assistance chain already covers this need (no duplicate assistance).
    pub covered: bool,
}

impl Need {
    fn open(&self) -> bool {
        self.consent && !self.covered && self.amount > 0 && self.urgency > 0
    }
}

/// A charity's resource as the optimiser sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub kinds: Vec<FitKey>,
    /// Categories served; empty: any.
    pub categories: Vec<Category>,
    /// Regions served (a county serves its whole subtree); empty: anywhere.
    pub regions: Vec<RegionCode>,
    /// Units left to give.
    pub remaining: i64,
    /// At most this many units to one household (`None`: no cap), counting what it already gives.
    pub per_household_cap: Option<i64>,
    /// Units this resource already gives households through earlier matches (household → units).
    #[serde(default)]
    pub already_given: std::collections::HashMap<String, i64>,
    /// Valid from / until (inclusive).
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

impl Resource {
    /// Whether the resource may serve the need on `today`.
    pub fn fits(&self, need: &Need, today: NaiveDate) -> bool {
        self.remaining > 0
            && self.valid_from <= today
            && today <= self.valid_until
            && self.kinds.contains(&need.kind)
            && (self.categories.is_empty()
                || need.category.is_some_and(|c| self.categories.contains(&c)))
            && (self.regions.is_empty() || self.regions.iter().any(|r| need.region.is_within(r)))
            && self.cap_left(&need.household).is_none_or(|c| c > 0)
    }

    /// What the cap per household still allows this household (`None`: no cap).
    pub fn cap_left(&self, household: &str) -> Option<i64> {
        self.per_household_cap
            .map(|c| (c - self.already_given.get(household).copied().unwrap_or(0)).max(0))
    }
}

/// How near a resource is to a need: by the longest region prefix they share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Distance {
    SameTownship,
    SameCounty,
    SameCity,
    Farther,
}

fn distance(resource: &Resource, need: &Need) -> Distance {
    // The most specific of the resource's regions that holds the need.
    let best = resource
        .regions
        .iter()
        .filter(|r| need.region.is_within(r))
        .map(|r| r.prefix().len())
        .max()
        .unwrap_or(0);
    match best {
        9.. => Distance::SameTownship,
        6..=8 => Distance::SameCounty,
        4..=5 => Distance::SameCity,
        _ => Distance::Farther,
    }
}

/// One suggested pair and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub need: String,
    pub resource: String,
    pub units: i64,
    pub urgency: i64,
    /// Units this need receives in all / units asked for.
    pub coverage: (i64, i64),
    pub distance: Distance,
}

/// Why a need is left (partly) unmet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unmet {
    /// No resource fits its kind, category, region and dates.
    NoFit,
    /// Fitting resources exist, but more urgent needs (per unit) used them up.
    Exhausted,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub suggestions: Vec<Suggestion>,
    /// (need id, units still missing, why).
    pub unmet: Vec<(String, i64, Unmet)>,
}

/// Compares needs by urgency per unit, most valuable first (exact: cross-multiplied).
fn by_value(a: &Need, b: &Need) -> Ordering {
    let left = i128::from(b.urgency) * i128::from(a.amount.max(1));
    let right = i128::from(a.urgency) * i128::from(b.amount.max(1));
    left.cmp(&right).then_with(|| a.id.cmp(&b.id))
}

/// A flow network with residual capacities (edges in pairs: `e` and its reverse `e ^ 1`).
struct Network {
    to: Vec<usize>,
    cap: Vec<i64>,
    adj: Vec<Vec<usize>>,
    /// Search scratch, reused: `toward[u]` is valid when `stamp[u] == round`.
    toward: Vec<usize>,
    stamp: Vec<u32>,
    round: u32,
}

impl Network {
    fn new(nodes: usize) -> Self {
        Network {
            to: Vec::new(),
            cap: Vec::new(),
            adj: vec![Vec::new(); nodes],
            toward: Vec::new(),
            stamp: Vec::new(),
            round: 0,
        }
    }

    fn edge(&mut self, from: usize, to: usize, cap: i64) -> usize {
        let e = self.to.len();
        self.to.extend([to, from]);
        self.cap.extend([cap, 0]);
        self.adj[from].push(e);
        self.adj[to].push(e + 1);
        e
    }

    /// Units moved along `e` so far (the reverse edge's residual).
    fn flow(&self, e: usize) -> i64 {
        self.cap[e ^ 1]
    }

    /// A path from the source to `target` with spare capacity, searched backwards from the
    /// target, skipping nodes known dead; the nodes of a failed search become dead (capacity only
    /// gets used up, so they stay unable to reach the source). Returns the edges, source first.
    fn path_to(&mut self, source: usize, target: usize, dead: &mut [bool]) -> Option<Vec<usize>> {
        // toward[u] = the edge u → v by which u was reached from v (one step nearer the target).
        if self.stamp.len() != self.adj.len() {
            self.stamp = vec![0; self.adj.len()];
            self.toward = vec![0; self.adj.len()];
        }
        self.round += 1;
        let round = self.round;
        self.stamp[target] = round;
        let mut queue = std::collections::VecDeque::from([target]);
        let mut visited = vec![target];
        while let Some(v) = queue.pop_front() {
            for &out in &self.adj[v] {
                let into = out ^ 1;
                let u = self.to[out];
                if self.cap[into] <= 0 || dead[u] || self.stamp[u] == round {
                    continue;
                }
                self.stamp[u] = round;
                self.toward[u] = into;
                if u == source {
                    let mut path = Vec::new();
                    let mut node = source;
                    while node != target {
                        let e = self.toward[node];
                        path.push(e);
                        node = self.to[e];
                    }
                    return Some(path);
                }
                visited.push(u);
                queue.push_back(u);
            }
        }
        for v in visited {
            dead[v] = true;
        }
        None
    }

    fn push(&mut self, path: &[usize], units: i64) {
        for &e in path {
            self.cap[e] -= units;
            self.cap[e ^ 1] += units;
        }
    }
}

/// The optimal assignment (see the module notes). `needs` must be consenting needs not already
/// covered by the chain; resources are filtered by `Resource::fits` on `today` here.
pub fn suggest(needs: &[Need], resources: &[Resource], today: NaiveDate) -> Plan {
    // Nodes: the source, resources, (resource, household) pairs for the per-household cap, needs.
    let source = 0;
    let resource_node = |r: usize| 1 + r;
    let first_need = 1 + resources.len();
    let mut net = Network::new(first_need + needs.len());
    let mut need_edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); needs.len()]; // (edge, resource)
                                                                                  // Open needs by kind, sorted by region: a resource's regions are prefix ranges in it.
    let mut by_kind: std::collections::HashMap<FitKey, Vec<usize>> = Default::default();
    for (n, need) in needs.iter().enumerate().filter(|(_, n)| n.open()) {
        by_kind.entry(need.kind).or_default().push(n);
    }
    for list in by_kind.values_mut() {
        list.sort_by(|&a, &b| needs[a].region.cmp(&needs[b].region));
    }
    let mut taken = vec![usize::MAX; needs.len()];
    for (r, res) in resources.iter().enumerate() {
        net.edge(source, resource_node(r), res.remaining.max(0));
        let mut fitting: Vec<usize> = Vec::new();
        for list in res.kinds.iter().filter_map(|k| by_kind.get(k)) {
            let ranges: Vec<&[usize]> = if res.regions.is_empty() {
                vec![list.as_slice()]
            } else {
                res.regions
                    .iter()
                    .map(|region| {
                        // Full codes sort with every code under a prefix side by side.
                        let prefix = region.prefix();
                        let from = list.partition_point(|&n| needs[n].region.as_str() < prefix);
                        let len = list[from..]
                            .iter()
                            .take_while(|&&n| needs[n].region.as_str().starts_with(prefix))
                            .count();
                        &list[from..from + len]
                    })
                    .collect()
            };
            for &n in ranges.into_iter().flatten() {
                if taken[n] != r && res.fits(&needs[n], today) {
                    taken[n] = r;
                    fitting.push(n);
                }
            }
        }
        // A household with two needs this resource fits shares its cap through a node of its own;
        // otherwise the cap is simply the edge's capacity.
        let mut per_household: std::collections::HashMap<&str, usize> = Default::default();
        if res.per_household_cap.is_some() {
            for &n in &fitting {
                *per_household
                    .entry(needs[n].household.as_str())
                    .or_default() += 1;
            }
        }
        let mut pair_of: std::collections::HashMap<&str, usize> = Default::default();
        for n in fitting {
            let need = &needs[n];
            let e = match res.cap_left(&need.household) {
                Some(cap)
                    if per_household
                        .get(need.household.as_str())
                        .copied()
                        .unwrap_or(0)
                        > 1 =>
                {
                    let pair = *pair_of.entry(need.household.as_str()).or_insert_with(|| {
                        net.adj.push(Vec::new());
                        let p = net.adj.len() - 1;
                        net.edge(resource_node(r), p, cap);
                        p
                    });
                    net.edge(pair, first_need + n, need.amount)
                }
                cap => net.edge(
                    resource_node(r),
                    first_need + n,
                    cap.map_or(need.amount, |c| c.min(need.amount)),
                ),
            };
            need_edges[n].push((e, r));
        }
    }
    let mut order: Vec<usize> = (0..needs.len()).filter(|&n| needs[n].open()).collect();
    order.sort_by(|&a, &b| by_value(&needs[a], &needs[b]));
    let mut dead = vec![false; net.adj.len()];
    let mut received = vec![0i64; needs.len()];
    for &n in &order {
        while received[n] < needs[n].amount {
            let Some(path) = net.path_to(source, first_need + n, &mut dead) else {
                break;
            };
            let units = path
                .iter()
                .map(|&e| net.cap[e])
                .min()
                .unwrap_or(0)
                .min(needs[n].amount - received[n]);
            if units <= 0 {
                break;
            }
            net.push(&path, units);
            received[n] += units;
        }
    }
    let mut plan = Plan::default();
    for &n in &order {
        for &(e, r) in &need_edges[n] {
            let units = net.flow(e);
            if units > 0 {
                plan.suggestions.push(Suggestion {
                    need: needs[n].id.clone(),
                    resource: resources[r].id.clone(),
                    units,
                    urgency: needs[n].urgency,
                    coverage: (received[n], needs[n].amount),
                    distance: distance(&resources[r], &needs[n]),
                });
            }
        }
        if received[n] < needs[n].amount {
            let why = if need_edges[n].is_empty() {
                Unmet::NoFit
            } else {
                Unmet::Exhausted
            };
            plan.unmet
                .push((needs[n].id.clone(), needs[n].amount - received[n], why));
        }
    }
    plan
}

/// The plan's objective: Σ urgency × units received / units asked.
pub fn objective(needs: &[Need], plan: &Plan) -> f64 {
    let by_id: std::collections::HashMap<&str, &Need> =
        needs.iter().map(|n| (n.id.as_str(), n)).collect();
    plan.suggestions
        .iter()
        .filter_map(|s| {
            by_id
                .get(s.need.as_str())
                .map(|need| need.urgency as f64 * s.units as f64 / need.amount as f64)
        })
        .sum()
}

coded! {
    /// What a resource gives, and the unit its amounts count: fen for funds, pieces for goods,
    /// places or hours for services (the resource names its unit). A need asks for one form.
    pub enum SupplyForm {
        Funds = "funds",
        Goods = "goods",
        Services = "services",
    }
}

impl SupplyForm {
    /// Reads an amount as typed: yuan with two decimals for funds (stored in fen), whole units
    /// otherwise.
    pub fn parse_amount(self, raw: &str) -> Result<i64, FieldErrorCode> {
        match self {
            SupplyForm::Funds => match Money::parse_yuan(raw, MAX_FUNDS_YUAN) {
                Ok(m) if m.fen() > 0 => Ok(m.fen()),
                Ok(_) if raw.trim().is_empty() => Err(FieldErrorCode::Required),
                Ok(_) => Err(FieldErrorCode::OutOfBounds),
                Err(e) => Err(e.into()),
            },
            _ => match raw.trim() {
                "" => Err(FieldErrorCode::Required),
                t => match t.parse::<i64>() {
                    Ok(n) if (1..=MAX_UNITS).contains(&n) => Ok(n),
                    Ok(n) if n > MAX_UNITS => Err(FieldErrorCode::AmountTooLarge),
                    Ok(_) => Err(FieldErrorCode::OutOfBounds),
                    Err(_) => Err(FieldErrorCode::CountFormat),
                },
            },
        }
    }

    /// An amount for people: `1,234.50` (yuan) for funds, the number otherwise.
    pub fn show(self, units: i64) -> String {
        match self {
            SupplyForm::Funds => Money::from_fen(units).to_string(),
            _ => units.to_string(),
        }
    }
}

/// A resource's total above this (yuan) is a slip of the finger.
pub const MAX_FUNDS_YUAN: i64 = 100_000_000;
/// Goods or service units above this are a slip of the finger.
pub const MAX_UNITS: i64 = 10_000_000;
pub const MAX_TEXT_CHARS: usize = 200;

coded! {
    /// An organisation's registration, as an administrator decided it (Liaoning 二(三)6:
    /// only verified organisations see needs).
    pub enum CharityStatus {
        Pending = "pending",
        Verified = "verified",
        Rejected = "rejected",
        /// Verified once, then revoked by an administrator: its board, resources and contacts
        /// close at once.
        Revoked = "revoked",
    }
}

coded! {
    /// Where a need came from (Liaoning 二(三)6: declarations, monitoring, caseworkers).
    pub enum NeedSource {
        /// Help the household asked for in its declaration.
        Declaration = "declaration",
        /// A monitoring warning (its level raises the urgency).
        Warning = "warning",
        /// A caseworker's own finding.
        Caseworker = "caseworker",
    }
}

coded! {
    /// A need's standing. Only `Open` needs take new commitments.
    pub enum NeedState {
        Open = "open",
        /// Delivered in full.
        Met = "met",
        DoneByOthers = "done_by_others",
        NoLongerNeeded = "no_longer_needed",
        Duplicate = "duplicate",
    }
}

coded! {
    /// A match of a need with a resource: proposed by a caseworker (or committed by the charity
    /// directly), accepted or declined by the charity, then delivered or closed.
    pub enum MatchState {
        /// Sent to the charity by a caseworker; the units are reserved.
        Proposed = "proposed",
        /// The charity committed; its identity release happened.
        Accepted = "accepted",
        /// The charity declined; the units went back to the pool.
        Declined = "declined",
        Delivered = "delivered",
        /// Closed by the charity without delivery; the units went back.
        DoneByOthers = "done_by_others",
        NoLongerNeeded = "no_longer_needed",
        Duplicate = "duplicate",
    }
}

impl NeedState {
    /// The states a person may close a need or a commitment with.
    pub const CLOSING: [NeedState; 3] = [
        NeedState::DoneByOthers,
        NeedState::NoLongerNeeded,
        NeedState::Duplicate,
    ];
}

impl MatchState {
    /// Whether the match holds its units of the need and the resource.
    pub fn holds(self) -> bool {
        matches!(
            self,
            MatchState::Proposed | MatchState::Accepted | MatchState::Delivered
        )
    }

    /// A closing state for a commitment (the same three a need can be closed with).
    pub fn closing(state: NeedState) -> Option<Self> {
        match state {
            NeedState::DoneByOthers => Some(MatchState::DoneByOthers),
            NeedState::NoLongerNeeded => Some(MatchState::NoLongerNeeded),
            NeedState::Duplicate => Some(MatchState::Duplicate),
            _ => None,
        }
    }
}

/// A need's urgency: the household's category (特困 first) raised by the level of the warning it
/// came from (I highest). The weights order needs; they are not a policy number.
pub fn urgency(category: Option<Category>, warning: Option<WarningLevel>) -> i64 {
    let base = match category {
        Some(Category::Tekun) => 5,
        Some(Category::Dibao) => 4,
        Some(Category::RelapseWatch | Category::DibaoMarginal | Category::RigidExpense) => 3,
        Some(Category::OtherHardship) => 2,
        None => 1,
    };
    let raised = match warning {
        Some(WarningLevel::I) => 3,
        Some(WarningLevel::II) => 2,
        Some(WarningLevel::III) => 1,
        None => 0,
    };
    base + raised
}

/// The assistance-chain kind a need of this kind duplicates (no duplicate assistance: a need is
/// covered once the chain holds public aid of that kind recorded after the need was raised).
pub fn covering_aid(kind: HelpKind) -> Option<AidKind> {
    Some(match kind {
        HelpKind::BasicLiving => AidKind::BasicLiving,
        HelpKind::Medical => AidKind::MedicalAssistance,
        HelpKind::Education => AidKind::Education,
        HelpKind::Housing => AidKind::Housing,
        HelpKind::Employment => AidKind::Employment,
        HelpKind::Emergency => AidKind::Emergency,
        HelpKind::CareServices => AidKind::ServiceAssistance,
        HelpKind::Other => return None,
    })
}

fn text(field: &str, raw: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    let t = raw.trim().to_string();
    if required && t.is_empty() {
        errors.push(FieldError {
            field: field.into(),
            code: FieldErrorCode::Required,
        });
    } else if t.chars().count() > MAX_TEXT_CHARS {
        errors.push(FieldError {
            field: field.into(),
            code: FieldErrorCode::TooLong,
        });
    }
    t
}

fn help_kinds(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<HelpKind> {
    let mut kinds: Vec<HelpKind> = Vec::new();
    for k in raw {
        match HelpKind::from_code(k.trim()) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => errors.push(FieldError {
                field: field.into(),
                code: FieldErrorCode::InvalidChoice,
            }),
        }
    }
    if kinds.is_empty() && !errors.iter().any(|e| e.field == field) {
        errors.push(FieldError {
            field: field.into(),
            code: FieldErrorCode::Required,
        });
    }
    kinds
}

fn regions(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<RegionCode> {
    let mut out: Vec<RegionCode> = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        match RegionCode::parse(r.trim()) {
            Ok(code) if !out.contains(&code) => out.push(code),
            Ok(_) => {}
            Err(_) => errors.push(FieldError {
                field: field.into(),
                code: FieldErrorCode::InvalidChoice,
            }),
        }
    }
    if out.len() > 50 {
        errors.push(FieldError {
            field: field.into(),
            code: FieldErrorCode::TooMany,
        });
    }
    out
}

/// A charity's registration as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CharityDraft {
    pub name: String,
    pub credit_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// Region codes served (any level).
    pub regions: Vec<String>,
    /// Help kinds offered (`HelpKind` codes).
    pub kinds: Vec<String>,
    /// An `OrgKind` code: a charity (the default) or a contracted care-service provider.
    pub org_kind: String,
}

/// A checked registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharityProfile {
    pub name: String,
    pub credit_code: CreditCode,
    pub contact_name: String,
    pub contact_phone: Phone,
    pub regions: Vec<RegionCode>,
    pub kinds: Vec<HelpKind>,
    pub org_kind: crate::domain::care::OrgKind,
}

impl CharityDraft {
    pub fn check(&self) -> Result<CharityProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text("name", &self.name, true, &mut errors);
        let credit_code = CreditCode::parse(&self.credit_code).map_err(|e| {
            let code = if self.credit_code.trim().is_empty() {
                FieldErrorCode::Required
            } else if e == CreditCodeError::Checksum {
                FieldErrorCode::CreditCodeChecksum
            } else {
                FieldErrorCode::CreditCodeFormat
            };
            errors.push(FieldError {
                field: "credit_code".into(),
                code,
            });
        });
        let contact_name = text("contact_name", &self.contact_name, true, &mut errors);
        let contact_phone = Phone::parse(&self.contact_phone).map_err(|_| {
            errors.push(FieldError {
                field: "contact_phone".into(),
                code: FieldErrorCode::PhoneFormat,
            })
        });
        let regions = regions("regions", &self.regions, &mut errors);
        if regions.is_empty() && !errors.iter().any(|e| e.field == "regions") {
            errors.push(FieldError {
                field: "regions".into(),
                code: FieldErrorCode::Required,
            });
        }
        let kinds = help_kinds("kinds", &self.kinds, &mut errors);
        let org_kind = match self.org_kind.trim() {
            "" => Some(crate::domain::care::OrgKind::Charity),
            code => crate::domain::care::OrgKind::from_code(code),
        };
        if org_kind.is_none() {
            errors.push(FieldError {
                field: "org_kind".into(),
                code: FieldErrorCode::InvalidChoice,
            });
        }
        match (credit_code, contact_phone) {
            (Ok(credit_code), Ok(contact_phone)) if errors.is_empty() => Ok(CharityProfile {
                name,
                credit_code,
                contact_name,
                contact_phone,
                regions,
                kinds,
                org_kind: org_kind.unwrap_or(crate::domain::care::OrgKind::Charity),
            }),
            _ => Err(errors),
        }
    }
}

/// A resource as typed by its charity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceDraft {
    pub form: String,
    pub title: String,
    /// The unit of goods or services (件, 小时, 个名额); funds count in yuan.
    pub unit: String,
    pub total: String,
    /// Empty: no cap per household.
    pub per_household_cap: String,
    pub need_kinds: Vec<String>,
    /// `Category` codes served; empty: any.
    pub categories: Vec<String>,
    /// Region codes served; empty: all the charity's service regions.
    pub regions: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
}

/// A checked resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceSpec {
    pub form: SupplyForm,
    pub title: String,
    pub unit: String,
    pub total: i64,
    pub per_household_cap: Option<i64>,
    pub need_kinds: Vec<HelpKind>,
    pub categories: Vec<Category>,
    pub regions: Vec<RegionCode>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

impl ResourceDraft {
    /// Checks a resource of a charity serving `served` (its regions must lie inside them) on
    /// `today` (it must still be valid).
    pub fn check(
        &self,
        served: &[RegionCode],
        today: NaiveDate,
    ) -> Result<ResourceSpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let err = |errors: &mut Vec<FieldError>, field: &str, code| {
            errors.push(FieldError {
                field: field.into(),
                code,
            })
        };
        let form = SupplyForm::from_code(self.form.trim());
        if form.is_none() {
            err(
                &mut errors,
                "form",
                if self.form.trim().is_empty() {
                    FieldErrorCode::Required
                } else {
                    FieldErrorCode::InvalidChoice
                },
            );
        }
        let title = text("title", &self.title, true, &mut errors);
        let unit = text(
            "unit",
            &self.unit,
            form.is_some_and(|f| f != SupplyForm::Funds),
            &mut errors,
        );
        let form = form.unwrap_or(SupplyForm::Funds);
        let total = form
            .parse_amount(&self.total)
            .map_err(|code| err(&mut errors, "total", code))
            .unwrap_or(0);
        let per_household_cap = match self.per_household_cap.trim() {
            "" => None,
            raw => match form.parse_amount(raw) {
                Ok(cap) if total > 0 && cap > total => {
                    err(
                        &mut errors,
                        "per_household_cap",
                        FieldErrorCode::OutOfBounds,
                    );
                    None
                }
                Ok(cap) => Some(cap),
                Err(code) => {
                    err(&mut errors, "per_household_cap", code);
                    None
                }
            },
        };
        let need_kinds = help_kinds("need_kinds", &self.need_kinds, &mut errors);
        let mut categories = Vec::new();
        for c in self.categories.iter().filter(|c| !c.trim().is_empty()) {
            match Category::from_code(c.trim()) {
                Some(cat) if !categories.contains(&cat) => categories.push(cat),
                Some(_) => {}
                None => err(&mut errors, "categories", FieldErrorCode::InvalidChoice),
            }
        }
        let mut regions = regions("regions", &self.regions, &mut errors);
        if regions
            .iter()
            .any(|r| !served.iter().any(|s| r.is_within(s)))
        {
            err(&mut errors, "regions", FieldErrorCode::OutOfBounds);
        }
        if regions.is_empty() {
            regions = served.to_vec();
        }
        let date = |raw: &str| crate::domain::ymd::parse(raw.trim());
        let valid_from = date(&self.valid_from);
        let valid_until = date(&self.valid_until);
        if valid_from.is_none() {
            err(&mut errors, "valid_from", FieldErrorCode::DateFormat);
        }
        match (valid_from, valid_until) {
            (_, None) => err(&mut errors, "valid_until", FieldErrorCode::DateFormat),
            (Some(f), Some(u)) if u < f => {
                err(&mut errors, "valid_until", FieldErrorCode::DateOrder)
            }
            (_, Some(u)) if u < today => {
                err(&mut errors, "valid_until", FieldErrorCode::DateInPast)
            }
            _ => {}
        }
        match (valid_from, valid_until) {
            (Some(valid_from), Some(valid_until)) if errors.is_empty() => Ok(ResourceSpec {
                form,
                title,
                unit,
                total,
                per_household_cap,
                need_kinds,
                categories,
                regions,
                valid_from,
                valid_until,
            }),
            _ => Err(errors),
        }
    }
}

/// A need as a caseworker records it for a household.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeedDraft {
    pub household_id: String,
    pub source: String,
    /// The warning it came from (source `warning`).
    pub warning_id: String,
    pub kind: String,
    pub form: String,
    pub amount: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedSpec {
    pub source: NeedSource,
    pub warning_id: Option<i64>,
    pub kind: HelpKind,
    pub form: SupplyForm,
    pub amount: i64,
    pub note: String,
}

impl NeedDraft {
    pub fn check(&self) -> Result<NeedSpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let err = |errors: &mut Vec<FieldError>, field: &str, code| {
            errors.push(FieldError {
                field: field.into(),
                code,
            })
        };
        let source = NeedSource::from_code(self.source.trim());
        if source.is_none() {
            err(&mut errors, "source", FieldErrorCode::InvalidChoice);
        }
        let warning_id = match (source, self.warning_id.trim()) {
            (Some(NeedSource::Warning), "") => {
                err(&mut errors, "warning_id", FieldErrorCode::Required);
                None
            }
            (Some(NeedSource::Warning), raw) => raw
                .parse::<i64>()
                .map_err(|_| err(&mut errors, "warning_id", FieldErrorCode::InvalidChoice))
                .ok(),
            _ => None,
        };
        let kind = HelpKind::from_code(self.kind.trim());
        if kind.is_none() {
            err(
                &mut errors,
                "kind",
                if self.kind.trim().is_empty() {
                    FieldErrorCode::Required
                } else {
                    FieldErrorCode::InvalidChoice
                },
            );
        }
        let form = SupplyForm::from_code(self.form.trim());
        if form.is_none() {
            err(
                &mut errors,
                "form",
                if self.form.trim().is_empty() {
                    FieldErrorCode::Required
                } else {
                    FieldErrorCode::InvalidChoice
                },
            );
        }
        let amount = form
            .map(|f| {
                f.parse_amount(&self.amount)
                    .map_err(|code| err(&mut errors, "amount", code))
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let note = text("note", &self.note, false, &mut errors);
        match (source, kind, form) {
            (Some(source), Some(kind), Some(form)) if errors.is_empty() => Ok(NeedSpec {
                source,
                warning_id,
                kind,
                form,
                amount,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// The optimiser's kind key: a need fits a resource only in the same form and need kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FitKey {
    pub form: SupplyForm,
    pub kind: HelpKind,
}

impl FitKey {
    pub fn new(form: SupplyForm, kind: HelpKind) -> Self {
        Self { form, kind }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn credit_codes_are_checked_by_gb_32100() {
        for good in [
            "91350100M000100Y43",
            "91110000802100433B",
            "91350100m000100y43",
            " 9111 0000 8021 0043 3B ",
        ] {
            assert!(CreditCode::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::Checksum)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::Format)
        );
        assert_eq!(
            CreditCode::parse("91350100M00O100Y43"),
            Err(CreditCodeError::Format),
            "O is not in the alphabet"
        );
        assert_eq!(
            CreditCode::parse("91A50100M000100Y43"),
            Err(CreditCodeError::Division)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y43").unwrap().as_str(),
            "91350100M000100Y43"
        );
        assert_eq!(
            CreditCode::with_check("91350100M000100Y4")
                .unwrap()
                .as_str(),
            "91350100M000100Y43"
        );
    }

    fn need(id: &str, household: &str, amount: i64, urgency: i64) -> Need {
        Need {
            id: id.into(),
            household: household.into(),
            kind: EDUCATION,
            category: Some(Category::Dibao),
            region: code("620702100"),
            amount,
            urgency,
            consent: true,
            covered: false,
        }
    }

    fn resource(id: &str, remaining: i64, cap: Option<i64>) -> Resource {
        Resource {
            id: id.into(),
            kinds: vec![EDUCATION],
            categories: vec![],
            regions: vec![code("620702")],
            remaining,
            per_household_cap: cap,
            already_given: Default::default(),
            valid_from: day("2026-01-01"),
            valid_until: day("2026-12-31"),
        }
    }

    const EDUCATION: FitKey = FitKey {
        form: SupplyForm::Funds,
        kind: HelpKind::Education,
    };
    const MEDICAL: FitKey = FitKey {
        form: SupplyForm::Funds,
        kind: HelpKind::Medical,
    };

    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn code(text: &str) -> RegionCode {
        RegionCode::parse(text).unwrap()
    }

    #[test]
    fn an_urgent_need_is_served_first_and_a_lesser_one_rerouted_not_dropped() {
        // A can use r1 or r2, B only r1; r1 and r2 each have 10. Greedy-by-order would give r1
        // to A and leave B empty; the optimum moves A to r2 so both are met.
        let mut a = need("A", "h1", 10, 5);
        a.kind = MEDICAL;
        let b = need("B", "h2", 10, 4);
        let r1 = Resource {
            kinds: vec![EDUCATION, MEDICAL],
            ..resource("r1", 10, None)
        };
        let r2 = Resource {
            kinds: vec![MEDICAL],
            ..resource("r2", 10, None)
        };
        let plan = suggest(&[a.clone(), b.clone()], &[r1, r2], TODAY);
        assert!(plan.unmet.is_empty(), "{plan:?}");
        assert_eq!(objective(&[a, b], &plan), 9.0);
    }

    #[test]
    fn unmet_needs_say_why_and_nothing_is_given_outside_the_fit() {
        let mut far = need("far", "h1", 5, 3);
        far.region = code("620721100");
        let mut no_consent = need("nc", "h2", 5, 9);
        no_consent.consent = false;
        let mut covered = need("cov", "h3", 5, 9);
        covered.covered = true;
        let big = need("big", "h4", 50, 2);
        let plan = suggest(
            &[far, no_consent, covered, big],
            &[resource("r", 20, None)],
            TODAY,
        );
        assert_eq!(
            plan.suggestions
                .iter()
                .map(|s| (s.need.as_str(), s.units))
                .collect::<Vec<_>>(),
            vec![("big", 20)]
        );
        // Listed by value per unit, as they were served: far (3 / 5) before big (2 / 50).
        assert_eq!(
            plan.unmet,
            vec![
                ("far".into(), 5, Unmet::NoFit),
                ("big".into(), 30, Unmet::Exhausted)
            ]
        );
        assert_eq!(plan.suggestions[0].distance, Distance::SameCounty);
        let expired = Resource {
            valid_until: day("2026-11-25"),
            ..resource("old", 20, None)
        };
        assert!(suggest(&[need("x", "h", 1, 1)], &[expired], TODAY)
            .suggestions
            .is_empty());
    }

    #[test]
    fn what_a_resource_already_gives_a_household_counts_against_its_cap() {
        let mut r = resource("r", 100, Some(10));
        r.already_given.insert("h1".into(), 7);
        let plan = suggest(
            &[need("a", "h1", 10, 5), need("b", "h2", 10, 1)],
            &[r.clone()],
            TODAY,
        );
        let got = |id: &str| {
            plan.suggestions
                .iter()
                .filter(|s| s.need == id)
                .map(|s| s.units)
                .sum::<i64>()
        };
        assert_eq!((got("a"), got("b")), (3, 10));
        r.already_given.insert("h1".into(), 10);
        assert!(
            !r.fits(&need("a", "h1", 10, 5), TODAY),
            "the cap is used up"
        );
    }

    /// Every integral assignment of small instances, the best objective (network flows have
    /// integral optima, so this is the true optimum).
    fn brute_force(needs: &[Need], resources: &[Resource]) -> f64 {
        let edges: Vec<(usize, usize)> = (0..resources.len())
            .flat_map(|r| (0..needs.len()).map(move |n| (r, n)))
            .filter(|&(r, n)| needs[n].open() && resources[r].fits(&needs[n], TODAY))
            .collect();
        let mut x = vec![0i64; edges.len()];
        let mut best = 0.0f64;
        loop {
            let ok = (0..resources.len()).all(|r| {
                edges
                    .iter()
                    .zip(&x)
                    .filter(|((er, _), _)| *er == r)
                    .map(|(_, v)| v)
                    .sum::<i64>()
                    <= resources[r].remaining
            }) && (0..needs.len()).all(|n| {
                edges
                    .iter()
                    .zip(&x)
                    .filter(|((_, en), _)| *en == n)
                    .map(|(_, v)| v)
                    .sum::<i64>()
                    <= needs[n].amount
            }) && (0..resources.len()).all(|r| {
                needs.iter().map(|h| h.household.clone()).all(|h| {
                    let given: i64 = edges
                        .iter()
                        .zip(&x)
                        .filter(|((er, en), _)| *er == r && needs[*en].household == h)
                        .map(|(_, v)| v)
                        .sum();
                    resources[r].cap_left(&h).is_none_or(|c| given <= c)
                })
            });
            if ok {
                let value: f64 = edges
                    .iter()
                    .zip(&x)
                    .map(|(&(_, n), &v)| {
                        needs[n].urgency as f64 * v as f64 / needs[n].amount as f64
                    })
                    .sum();
                best = best.max(value);
            }
            // Next assignment (odometer), each edge up to its need's amount.
            let mut i = 0;
            loop {
                if i == x.len() {
                    return best;
                }
                if x[i] < needs[edges[i].1].amount {
                    x[i] += 1;
                    break;
                }
                x[i] = 0;
                i += 1;
            }
        }
    }

    fn instance() -> impl Strategy<Value = (Vec<Need>, Vec<Resource>)> {
        let needs = prop::collection::vec(
            (
                0..3usize,
                1..4i64,
                1..6i64,
                0..2usize,
                any::<bool>(),
                0..10u8,
            ),
            1..4,
        );
        let resources = prop::collection::vec(
            (0..5i64, prop::option::of(1..3i64), 0..2usize, 0..3usize),
            1..3,
        );
        (needs, resources).prop_map(|(ns, rs)| {
            let kinds = [EDUCATION, MEDICAL];
            let needs = ns
                .into_iter()
                .enumerate()
                .map(
                    |(i, (h, amount, urgency, kind, region_far, consent_roll))| Need {
                        kind: kinds[kind],
                        region: if region_far {
                            code("620721100")
                        } else {
                            code("620702100")
                        },
                        consent: consent_roll != 0,
                        ..need(&format!("n{i}"), &format!("h{h}"), amount, urgency)
                    },
                )
                .collect();
            let resources = rs
                .into_iter()
                .enumerate()
                .map(|(i, (remaining, cap, kind, regions))| Resource {
                    kinds: if kind == 0 {
                        vec![EDUCATION]
                    } else {
                        vec![EDUCATION, MEDICAL]
                    },
                    regions: match regions {
                        0 => vec![],
                        1 => vec![code("620702")],
                        _ => vec![code("620721")],
                    },
                    // Every other resource already gave household h0 one unit.
                    already_given: if i % 2 == 0 {
                        [("h0".to_string(), 1)].into()
                    } else {
                        Default::default()
                    },
                    ..resource(&format!("r{i}"), remaining, cap)
                })
                .collect();
            (needs, resources)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn the_plan_is_optimal_and_within_every_limit((needs, resources) in instance()) {
            let plan = suggest(&needs, &resources, TODAY);
            let best = brute_force(&needs, &resources);
            prop_assert!((objective(&needs, &plan) - best).abs() < 1e-9, "plan {} vs best {best}: {plan:?}", objective(&needs, &plan));
            for r in &resources {
                let given: i64 = plan.suggestions.iter().filter(|s| s.resource == r.id).map(|s| s.units).sum();
                prop_assert!(given <= r.remaining);
                for h in needs.iter().map(|n| &n.household) {
                    let to_h: i64 = plan.suggestions.iter().filter(|s| s.resource == r.id && needs.iter().any(|n| n.id == s.need && &n.household == h)).map(|s| s.units).sum();
                    prop_assert!(r.cap_left(h).is_none_or(|c| to_h <= c));
                }
            }
            for s in &plan.suggestions {
                let n = needs.iter().find(|n| n.id == s.need).unwrap();
                prop_assert!(n.consent, "a household without consent never appears");
                prop_assert!(resources.iter().find(|r| r.id == s.resource).unwrap().fits(n, TODAY));
            }
            for n in &needs {
                let got: i64 = plan.suggestions.iter().filter(|s| s.need == n.id).map(|s| s.units).sum();
                prop_assert!(got <= n.amount);
            }
        }
    }
}
