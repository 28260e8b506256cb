//! Warnings for caseworkers: their region's warnings by visit deadline with the facts that
//! triggered them, each step of the handling (assign, visit, dispose, close), and the on-time
//! handling rate per township. Imports are an upload route (`server::imports`).

#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::monitoring::{
    Disposal, EventTrigger, FileProblem, Finding, MedicalTrigger, RowProblem, RuleKind, Source,
    WarningLevel, WarningRule, WarningStatus,
};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::declaration::FieldErrorCode,
    domain::monitoring::WarningStep,
    domain::region::RegionCode,
    domain::status::Role,
    services::{now_millis, services, today_in_china},
    store::WarningRecord,
};

/// What an import did, as the uploader sees it (and downloads).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub import_id: Option<String>,
    pub source: String,
    pub file_name: String,
    pub encoding: String,
    /// Set when the whole file was refused; nothing was stored then.
    pub refused: Option<FileProblem>,
    pub rows_read: i64,
    pub valid: i64,
    /// Rows of persons in the database that were not stored before.
    pub new_records: i64,
    /// Rows of persons in the database already stored (twice in this file, or imported
    /// before): nothing changed.
    pub duplicates: i64,
    /// Valid rows naming a person in the database (their records are kept).
    pub matched: i64,
    /// Valid rows naming nobody in the database: counted, not stored (data minimisation).
    pub unmatched: i64,
    pub invalid: i64,
    pub warnings: i64,
    pub ignored_columns: Vec<String>,
    /// Refused rows by reason, all counted.
    pub problems_by_kind: Vec<(RowProblem, i64)>,
    /// The first refused rows: (row number in the file, counting the header as 1; reason).
    pub problems: Vec<(i64, RowProblem)>,
}

impl ImportReport {
    /// The report with what the store did: `new_records` of the `matched` rows were new.
    pub fn with_stored(self, new_records: i64, matched: i64) -> Self {
        ImportReport {
            new_records,
            matched,
            duplicates: (matched - new_records).max(0),
            unmatched: (self.valid - matched).max(0),
            ..self
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningView {
    pub id: i64,
    pub household_id: String,
    pub region_name: String,
    pub kind: Option<RuleKind>,
    pub level: Option<WarningLevel>,
    /// The facts of a medical warning.
    pub medical: Option<MedicalTrigger>,
    /// The department record that fired any other warning.
    pub event: Option<EventTrigger>,
    /// 政策找人: the assistance the household is entitled to and does not receive.
    pub missed: Option<crate::domain::monitoring::EntitlementTrigger>,
    pub visit_due: String,
    pub days_left: i64,
    pub status: Option<WarningStatus>,
    pub escalated: bool,
    pub visited_on: Option<String>,
    pub finding: Option<Finding>,
    pub disposal: Option<Disposal>,
    pub note: String,
    pub head: Option<crate::api::household::HeadView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownshipRate {
    pub township: String,
    pub name: String,
    pub due: i64,
    pub on_time: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningBoard {
    pub warnings: Vec<WarningView>,
    pub rates: Vec<TownshipRate>,
}

/// A step as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarningStepDraft {
    /// `assign`, `visit`, `dispose` or `close`.
    pub action: String,
    pub visited_on: String,
    pub finding: String,
    pub disposal: String,
    pub note: String,
}

#[cfg(feature = "ssr")]
fn warning_view(
    w: WarningRecord,
    names: &std::collections::HashMap<RegionCode, String>,
    head: Option<crate::api::household::HeadView>,
) -> WarningView {
    let today = today_in_china();
    let due = w.visit_due;
    let kind = Some(w.kind);
    WarningView {
        region_name: names.get(&w.region_code).cloned().unwrap_or_default(),
        kind,
        level: Some(w.level),
        medical: matches!(
            kind,
            Some(RuleKind::MedicalOutOfPocket | RuleKind::MedicalShareOfIncome)
        )
        .then(|| serde_json::from_str(&w.trigger_json).ok())
        .flatten(),
        missed: (kind == Some(RuleKind::EntitledNotReceived))
            .then(|| serde_json::from_str(&w.trigger_json).ok())
            .flatten(),
        // Every other rule fires on a department's record.
        event: kind
            .filter(|k| {
                !matches!(
                    k,
                    RuleKind::MedicalOutOfPocket
                        | RuleKind::MedicalShareOfIncome
                        | RuleKind::EntitledNotReceived
                )
            })
            .and_then(|_| serde_json::from_str(&w.trigger_json).ok()),
        days_left: (due - today).num_days(),
        status: Some(w.status),
        escalated: w.escalated_at.is_some(),
        finding: w.finding,
        disposal: w.disposal,
        id: w.id,
        household_id: w.household_id,
        visit_due: w.visit_due.to_string(),
        visited_on: w.visited_on.map(|d| d.to_string()),
        note: w.note,
        head,
    }
}

/// The caller's region's warnings, open first by visit deadline, and the on-time rate per township.
#[server(endpoint = "monitoring/warnings")]
pub async fn load_warnings() -> Result<WarningBoard, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = s.store.warnings(&scope).await?;
    let rates = s.store.on_time_rates(&scope, today_in_china()).await?;
    let mut codes: Vec<RegionCode> = rows.iter().map(|w| w.region_code.clone()).collect();
    codes.extend(rates.iter().map(|r| r.township.clone()));
    let names = crate::api::regions::region_names(s.store.as_ref(), codes).await?;
    let heads =
        crate::api::household::household_heads(&s, rows.iter().map(|w| w.household_id.as_str()))
            .await?;
    let warnings = rows
        .into_iter()
        .map(|w| {
            let head = heads.get(&w.household_id).cloned().flatten();
            warning_view(w, &names, head)
        })
        .collect();
    audit(
        &s,
        Some(&user.0.id),
        "warnings_read",
        scope.prefix(),
        AuditResult::Ok,
    )
    .await;
    Ok(WarningBoard {
        warnings,
        rates: rates
            .into_iter()
            .map(|r| TownshipRate {
                name: names.get(&r.township).cloned().unwrap_or_default(),
                township: r.township.as_str()[..9].to_owned(),
                due: r.due,
                on_time: r.on_time,
            })
            .collect(),
    })
}

/// One step of a warning's handling by a caseworker of its region.
#[server(endpoint = "monitoring/step", input = server_fn::codec::Json)]
pub async fn record_warning_step(id: i64, step: WarningStepDraft) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let today = today_in_china();
    let note = step.note.trim().to_string();
    let parsed = match step.action.as_str() {
        "assign" => WarningStep::Assign,
        "visit" => WarningStep::Visit {
            on: chrono::NaiveDate::parse_from_str(step.visited_on.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::field("visited_on", FieldErrorCode::DateFormat))?,
            finding: Finding::from_code(step.finding.trim())
                .ok_or_else(|| AppError::field("finding", FieldErrorCode::Required))?,
            note,
        },
        "dispose" => WarningStep::Dispose {
            disposal: Disposal::from_code(step.disposal.trim())
                .ok_or_else(|| AppError::field("disposal", FieldErrorCode::Required))?,
            note,
        },
        "close" => WarningStep::Close,
        _ => return Err(AppError::BadRequest),
    };
    parsed
        .check(today)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let s = services()?;
    s.store
        .advance_warning(id, &scope, parsed, &user.0.id, now_millis())
        .await?;
    Ok(())
}

/// How far a running import has come (`GET /imports/progress/<run>`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    pub running: bool,
    pub total_bytes: u64,
    pub read_bytes: u64,
    pub rows: i64,
}

/// A past import as its uploader sees it in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub id: String,
    /// The whole file was refused (nothing stored); the report says why.
    pub refused: bool,
    pub source: Option<Source>,
    pub file_name: String,
    pub encoding: String,
    pub rows_read: i64,
    pub new_records: i64,
    pub matched: i64,
    pub invalid: i64,
    pub warnings: i64,
    pub at: i64,
}

/// What the import page offers the caller: the sources they may import and their latest imports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOverview {
    pub sources: Vec<Source>,
    pub imports: Vec<ImportSummary>,
}

/// The sources a user may import: an officer their department's, an administrator all.
#[cfg(feature = "ssr")]
pub fn importable_sources(user: &crate::store::UserRecord) -> Vec<Source> {
    match user.role {
        Role::Admin => Source::ALL.to_vec(),
        Role::Department => Source::ALL
            .into_iter()
            .filter(|s| user.department == Some(s.department()))
            .collect(),
        _ => Vec::new(),
    }
}

#[server(endpoint = "monitoring/imports")]
pub async fn load_import_page() -> Result<ImportOverview, AppError> {
    let user = auth::require(&[Role::Department, Role::Admin]).await?;
    let s = services()?;
    let sources = importable_sources(&user.0);
    let imports = s
        .store
        .imports(&sources, 20)
        .await?
        .into_iter()
        .map(|i| ImportSummary {
            refused: i.status == crate::domain::monitoring::ImportStatus::Refused,
            source: Some(i.source),
            id: i.id,
            file_name: i.file_name,
            encoding: i.encoding,
            rows_read: i.rows_read,
            new_records: i.new_records,
            matched: i.matched,
            invalid: i.invalid,
            warnings: i.warnings,
            at: i.created_at,
        })
        .collect();
    Ok(ImportOverview { sources, imports })
}

/// The warning rules in force in the caller's region (every kind: the region's own, else the
/// nearest region above it, else the default; a kind never saved shows as switched off).
#[server(endpoint = "monitoring/rules")]
pub async fn load_rules() -> Result<Vec<WarningRule>, AppError> {
    let user = auth::require(&[Role::Admin, Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let stored = crate::domain::monitoring::rules_for(&s.store.warning_rules().await?, &scope);
    Ok(RuleKind::ALL
        .into_iter()
        .map(|kind| {
            stored
                .iter()
                .find(|r| r.kind == kind)
                .cloned()
                .unwrap_or(WarningRule {
                    kind,
                    level: WarningLevel::III,
                    visit_days: 30,
                    threshold: match kind.threshold() {
                        crate::domain::monitoring::Threshold::Grade => 2,
                        crate::domain::monitoring::Threshold::Fen { .. }
                        | crate::domain::monitoring::Threshold::Percent { .. } => 1,
                        crate::domain::monitoring::Threshold::None => 0,
                    },
                    enabled: false,
                    example: false,
                    region: None,
                })
        })
        .collect())
}

/// A rule as the administrator's form sends it (the threshold in yuan for amounts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleDraft {
    pub kind: String,
    pub level: String,
    pub visit_days: String,
    pub threshold: String,
    pub enabled: bool,
}

/// Saves a rule for the administrator's region (its households and the regions below it that
/// set none of their own): from now on it is the administrator's, no longer an example. Other
/// regions' rules are untouched. Warnings already raised keep the rule they were raised under
/// (their facts say why).
#[server(endpoint = "monitoring/rule", input = server_fn::codec::Json)]
pub async fn save_rule(draft: RuleDraft) -> Result<(), AppError> {
    use crate::domain::monitoring::Threshold;
    let user = auth::require(&[Role::Admin]).await?;
    let kind = RuleKind::from_code(draft.kind.trim()).ok_or(AppError::BadRequest)?;
    let level = WarningLevel::from_code(draft.level.trim())
        .ok_or_else(|| AppError::field("level", FieldErrorCode::InvalidChoice))?;
    let visit_days: i64 = draft
        .visit_days
        .trim()
        .parse()
        .map_err(|_| AppError::field("visit_days", FieldErrorCode::CountFormat))?;
    let raw = draft.threshold.trim();
    let threshold = match kind.threshold() {
        Threshold::None => 0,
        Threshold::Fen { max } => crate::domain::money::Money::parse_yuan(raw, max / 100)
            .map(crate::domain::money::Money::fen)
            .map_err(|_| AppError::field("threshold", FieldErrorCode::AmountFormat))?,
        Threshold::Percent { .. } | Threshold::Grade => raw
            .parse()
            .map_err(|_| AppError::field("threshold", FieldErrorCode::CountFormat))?,
    };
    let rule = WarningRule {
        kind,
        level,
        visit_days,
        threshold,
        enabled: draft.enabled,
        example: false,
        region: Some(auth::staff_scope(&user)?),
    };
    rule.check().map_err(|e| AppError::Invalid(vec![e]))?;
    let s = services()?;
    s.store
        .set_warning_rule(rule, Some(&user.0.id), now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "warning_rule_saved",
        &format!("{}:{}", kind.code(), auth::staff_scope(&user)?.as_str()),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}
