//! The rest of the cycle for caseworkers: tasks by due date (年度复核, 渐退期 ends, overdue
//! referrals, documents owed), exits with a reason, the low-income database search (rejected
//! and exited households stay findable), and emergency aid registered where it happened.
//! Background work these create is scheduled here and done by `server::jobs`.

#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::cycle::{EmergencyDraft, Standing, TaskKind};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::cycle::{
        annual_review, china_midnight_ms, last_day_of_aid, Emergency, EmergencyPerson, WorkKind,
    },
    domain::declaration::{Declaration, FieldErrorCode},
    domain::policy::params::ParamKey,
    domain::region::RegionCode,
    domain::status::Role,
    services::{now_millis, services, today_in_china, Services},
    store::{HouseholdQuery, HouseholdSummary, NewEmergencyAid, NewTask, NewUnidentifiedAid},
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: i64,
    pub kind: Option<TaskKind>,
    pub household_id: String,
    pub region_name: String,
    pub subject: String,
    pub due_on: String,
    pub days_left: i64,
    pub done: bool,
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HouseholdSearch {
    pub id_number: String,
    pub name: String,
    pub standing: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRow {
    pub id: String,
    pub head_name: String,
    pub head_id_masked: String,
    pub region_name: String,
    pub standing: Option<Standing>,
    pub standing_at: Option<i64>,
    pub exit_reason: String,
    pub latest_number: Option<String>,
    /// Rejected or exited: monitored (and kept) at least until this day.
    pub monitored_until: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyView {
    pub id: String,
    pub household_id: String,
    pub person_name: String,
    pub situation: String,
    pub advance: bool,
    pub documents_due: Option<String>,
    pub documents_received: bool,
    pub conference: String,
    pub recorded_at: i64,
}

#[cfg(feature = "ssr")]
pub(crate) fn emergency_view(e: crate::store::EmergencyRecord) -> EmergencyView {
    EmergencyView {
        id: e.id,
        household_id: e.household_id,
        person_name: e.person_name,
        situation: e.situation,
        advance: e.advance,
        documents_due: e.documents_due.map(|d| d.to_string()),
        documents_received: e.documents_received_at.is_some(),
        conference: e.conference,
        recorded_at: e.recorded_at,
    }
}

/// Emergency aid to a person whose identity is not known, for the caseworkers of the region
/// where they were found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnidentifiedAidView {
    pub id: String,
    pub region_name: String,
    pub name: String,
    pub description: String,
    pub situation: String,
    pub amount: crate::domain::money::Money,
    pub advance: bool,
    pub documents_due: Option<String>,
    pub conference: String,
    pub recorded_at: i64,
}

#[cfg(feature = "ssr")]
pub(crate) async fn param(
    s: &Services,
    region: &RegionCode,
    key: ParamKey,
) -> Result<Option<i64>, AppError> {
    let rows = crate::api::policy::param_rows(s.store.as_ref()).await?;
    Ok(crate::domain::policy::resolve(&rows, region, None, today_in_china()).value(key))
}

/// Schedules the annual review of a household identified (or last reviewed) on `from`.
#[cfg(feature = "ssr")]
pub(crate) async fn schedule_annual_review(
    s: &Services,
    household_id: &str,
    region: &RegionCode,
    from: chrono::NaiveDate,
) -> Result<(), AppError> {
    let interval = param(s, region, ParamKey::ReviewIntervalMonths)
        .await?
        .ok_or_else(|| AppError::refused("param_missing"))?;
    let lead = param(s, region, ParamKey::ReviewLeadDays)
        .await?
        .unwrap_or(0);
    let (due, appears) = annual_review(from, interval, lead);
    s.store
        .enqueue_work(
            WorkKind::AnnualReview,
            household_id,
            &due.to_string(),
            china_midnight_ms(appears),
        )
        .await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn head_name(declaration_json: Option<&str>) -> String {
    declaration_json
        .and_then(|j| serde_json::from_str::<Declaration>(j).ok())
        .map(|d| d.head().name.clone())
        .unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn monitored_until(h: &HouseholdSummary) -> Option<String> {
    match Some(h.standing) {
        // 应入尽入: two years of monitoring after a rejection or an exit.
        Some(Standing::Rejected | Standing::Exited) => h
            .standing_at
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| crate::domain::cycle::add_months(t.date_naive(), 24).to_string()),
        _ => None,
    }
}

#[server(endpoint = "cycle/tasks")]
pub async fn my_tasks(include_done: bool) -> Result<Vec<TaskView>, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = s.store.tasks(&scope, !include_done).await?;
    auth::audit_read(&s, &user, "tasks_read", scope.prefix()).await;
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        rows.iter().map(|t| t.region_code.clone()).collect(),
    )
    .await?;
    let today = today_in_china();
    Ok(rows
        .into_iter()
        .map(|t| TaskView {
            days_left: crate::domain::cycle::days_left(today, t.due_on),
            kind: Some(t.kind),
            region_name: names.get(&t.region_code).cloned().unwrap_or_default(),
            done: t.status == crate::domain::cycle::TaskStatus::Done,
            id: t.id,
            household_id: t.household_id,
            subject: t.subject,
            due_on: t.due_on.to_string(),
            note: t.note,
        })
        .collect())
}

/// Closes a task with what was found; a finished annual review schedules the next one.
#[server(endpoint = "cycle/complete_task")]
pub async fn complete_task(id: i64, note: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let note = note.trim().to_string();
    if note.is_empty() {
        return Err(AppError::field("note", FieldErrorCode::Required));
    }
    if note.chars().count() > crate::domain::cycle::MAX_CYCLE_TEXT_CHARS {
        return Err(AppError::field("note", FieldErrorCode::TooLong));
    }
    let s = services()?;
    let task = s
        .store
        .complete_task(id, &scope, &user.0.id, &note, now_millis())
        .await?;
    if task.kind == TaskKind::AnnualReview {
        schedule_annual_review(&s, &task.household_id, &task.region_code, task.due_on).await?;
    }
    audit(
        &s,
        Some(&user.0.id),
        &format!("task_{}", task.kind.code()),
        &id.to_string(),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Ends a household's assistance with a reason, after a 渐退期 (the parameter's months) when
/// `taper` is set; the end of the taper becomes a task with its countdown. The taper is refused
/// unless the household's latest assessment found it (Zhangye (八): a Dibao household whose
/// income rose above the standard through employment); its months count from the day a verified
/// reassessment first found it (`taper_since`), or from today when none recorded it.
#[server(endpoint = "cycle/exit")]
pub async fn exit_household(
    household: String,
    reason: String,
    taper: bool,
) -> Result<String, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let h = crate::api::household::household_in_scope(&s, &user, &household).await?;
    let reason = reason.trim().to_string();
    if reason.is_empty() {
        return Err(AppError::field("reason", FieldErrorCode::Required));
    }
    if reason.chars().count() > crate::domain::cycle::MAX_CYCLE_TEXT_CHARS {
        return Err(AppError::field("reason", FieldErrorCode::TooLong));
    }
    let mut taper_since = None;
    let months = if taper {
        let earned = crate::api::household::latest_assessment_of(&s, &h.id)
            .await?
            .and_then(|a| a.taper_earned());
        if earned.is_none() {
            return Err(AppError::refused("taper_not_earned"));
        }
        taper_since = s
            .store
            .household_summary(&h.id)
            .await?
            .and_then(|h| h.taper_since);
        Some(
            param(&s, &h.region_code, ParamKey::TaperMonths)
                .await?
                .ok_or_else(|| AppError::refused("param_missing"))?,
        )
    } else {
        None
    };
    let today = today_in_china();
    // The taper's months count from the day it began (a reassessment found it), never past.
    let last_day = last_day_of_aid(taper_since.unwrap_or(today), months).max(today);
    let now = now_millis();
    s.store
        .exit_household(&h.id, &reason, last_day, &user.0.id, now)
        .await?;
    if months.is_some_and(|m| m > 0) {
        s.store
            .add_task(NewTask {
                kind: TaskKind::TaperEnd,
                household_id: h.id.clone(),
                region_code: h.region_code.clone(),
                subject: h.id.clone(),
                due_on: last_day,
                note: reason,
                now,
            })
            .await?;
    }
    Ok(last_day.to_string())
}

/// The low-income database of the caller's region: by a member's ID number, a name, or standing.
#[server(endpoint = "cycle/search", input = server_fn::codec::Json)]
pub async fn search_households(query: HouseholdSearch) -> Result<Vec<HouseholdRow>, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let id = query.id_number.trim().to_uppercase();
    if !id.is_empty() && (id.len() != 18 || !id.chars().all(|c| c.is_ascii_digit() || c == 'X')) {
        return Err(AppError::field("id_number", FieldErrorCode::IdFormat));
    }
    let name = query.name.trim().to_string();
    if name.chars().count() > 30 || name.contains(['%', '_', '"', '\\']) {
        return Err(AppError::field("name", FieldErrorCode::NameChars));
    }
    let standing = match query.standing.trim() {
        "" => None,
        code => Some(
            Standing::from_code(code)
                .ok_or_else(|| AppError::field("standing", FieldErrorCode::InvalidChoice))?,
        ),
    };
    let s = services()?;
    let rows = s
        .store
        .search_households(HouseholdQuery {
            region: scope.clone(),
            id_number: (!id.is_empty()).then(|| id.clone()),
            name: (!name.is_empty()).then(|| name.clone()),
            standing,
            limit: 100,
        })
        .await?;
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        rows.iter().map(|h| h.region_code.clone()).collect(),
    )
    .await?;
    audit(
        &s,
        Some(&user.0.id),
        "household_search",
        if id.is_empty() { "name" } else { "id_number" },
        AuditResult::Ok,
    )
    .await;
    // A household taken in from a roster has no declaration: its head's name is the roster's.
    let mut listed_heads = std::collections::HashMap::new();
    let mut listed_names: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    // (By name, every row's: a person taken in may have joined a household that applied.)
    for h in rows
        .iter()
        .filter(|h| h.latest_declaration_json.is_none() || !name.is_empty())
    {
        let listed = s.store.caseload_of(&h.id).await?;
        let head = listed
            .iter()
            .find(|c| c.relation == crate::domain::declaration::Relation::Head)
            .map(|c| c.name.clone());
        if let Some(name) = head {
            listed_heads.insert(h.id.clone(), name);
        }
        listed_names.insert(h.id.clone(), listed.into_iter().map(|c| c.name).collect());
    }
    Ok(rows
        .into_iter()
        // The store finds a name in any of the household's declarations: keep households whose
        // latest declaration or whose rosters list a person of that name (a person who left
        // is not found).
        .filter(|h| {
            name.is_empty()
                || h.latest_declaration_json
                    .as_deref()
                    .and_then(|j| serde_json::from_str::<Declaration>(j).ok())
                    .is_some_and(|d| d.members.iter().any(|m| m.name.contains(&name)))
                || listed_names
                    .get(&h.id)
                    .is_some_and(|names| names.iter().any(|n| n.contains(&name)))
        })
        .map(|h| HouseholdRow {
            head_name: match listed_heads.remove(&h.id) {
                Some(name) => name,
                None => head_name(h.latest_declaration_json.as_deref()),
            },
            head_id_masked: h.head_id_number.masked(),
            region_name: names.get(&h.region_code).cloned().unwrap_or_default(),
            standing: Some(h.standing),
            monitored_until: monitored_until(&h),
            standing_at: h.standing_at,
            exit_reason: h.exit_reason,
            latest_number: h.latest_number,
            id: h.id,
        })
        .collect())
}

/// 急难救助 where it happened, for anyone (no hukou restriction); 先行救助 first with the
/// documents owed by a due date, or more after a 一事一议 case conference.
#[server(endpoint = "cycle/emergency", input = server_fn::codec::Json)]
pub async fn register_emergency(emergency: EmergencyDraft) -> Result<EmergencyView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let region = match emergency.region.trim() {
        "" => scope.clone(),
        code => {
            let r = RegionCode::parse(code)
                .map_err(|_| AppError::field("region", FieldErrorCode::InvalidChoice))?;
            if !r.is_within(&scope) {
                return Err(AppError::field("region", FieldErrorCode::InvalidChoice));
            }
            r
        }
    };
    let s = services()?;
    let today = today_in_china();
    let cap = param(&s, &region, ParamKey::AdvanceAidMax).await?;
    // Advance aid without a case conference is capped; with no cap set for the region it is
    // refused (as every rule whose parameter is missing), never left uncapped (issue 19).
    if emergency.advance && emergency.conference.trim().is_empty() && cap.is_none() {
        return Err(AppError::refused("param_missing"));
    }
    let e = Emergency::parse(&emergency, today, cap).map_err(AppError::Invalid)?;
    let documents_due = if e.advance {
        let days = param(&s, &region, ParamKey::AdvanceDocumentsDays)
            .await?
            .ok_or_else(|| AppError::refused("param_missing"))?;
        Some(today + chrono::Days::new(days.max(0) as u64))
    } else {
        None
    };
    let (person_name, id_number) = match e.person {
        EmergencyPerson::Known { name, id_number } => (name, id_number),
        // 生活无着流浪乞讨人员: kept where they were found, no household to file it under (and
        // so no task for owed documents: the due day is on the record).
        EmergencyPerson::Unknown { name, description } => {
            let rec = s
                .store
                .record_unidentified_aid(NewUnidentifiedAid {
                    id: crate::services::record_id("u", &user.0.id, &e.id)?,
                    region_code: region,
                    name,
                    description,
                    situation: e.situation,
                    amount: crate::domain::money::Money::from_fen(e.aid.amount_fen),
                    advance: e.advance,
                    documents_due,
                    conference: e.conference,
                    actor_id: user.0.id.clone(),
                    now: now_millis(),
                })
                .await?;
            audit(
                &s,
                Some(&user.0.id),
                "unidentified_aid",
                &rec.id,
                AuditResult::Ok,
            )
            .await;
            return Ok(EmergencyView {
                id: rec.id,
                household_id: String::new(),
                person_name: rec.name,
                situation: rec.situation,
                advance: rec.advance,
                documents_due: rec.documents_due.map(|d| d.to_string()),
                documents_received: false,
                conference: rec.conference,
                recorded_at: rec.recorded_at,
            });
        }
    };
    let rec = s
        .store
        .record_emergency(NewEmergencyAid {
            // The device's key, the caller's record: a retry finds it, another county's
            // replay of the key makes its own record and never reads this one.
            id: crate::services::record_id("e", &user.0.id, &e.id)?,
            head_id_number: id_number,
            person_name,
            region_code: region,
            situation: e.situation,
            advance: e.advance,
            documents_due,
            conference: e.conference,
            aid: e.aid,
            actor_id: user.0.id.clone(),
            now: now_millis(),
        })
        .await?;
    if let Some(due) = documents_due {
        s.store
            .enqueue_work(
                WorkKind::DocumentsDue,
                &rec.id,
                "",
                china_midnight_ms(due + chrono::Days::new(1)),
            )
            .await?;
    }
    audit(
        &s,
        Some(&user.0.id),
        "emergency_aid",
        &rec.id,
        AuditResult::Ok,
    )
    .await;
    Ok(emergency_view(rec))
}

/// Aid to unidentified persons registered in the caller's region, newest first (at most 200);
/// reading it is audited.
#[server(endpoint = "cycle/unidentified_aid")]
pub async fn unidentified_aid() -> Result<Vec<UnidentifiedAidView>, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = s.store.unidentified_aid_in(&scope, 200).await?;
    auth::audit_read(&s, &user, "unidentified_aid_read", scope.prefix()).await;
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        rows.iter().map(|a| a.region_code.clone()).collect(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|a| UnidentifiedAidView {
            region_name: names.get(&a.region_code).cloned().unwrap_or_default(),
            id: a.id,
            name: a.name,
            description: a.description,
            situation: a.situation,
            amount: a.amount,
            advance: a.advance,
            documents_due: a.documents_due.map(|d| d.to_string()),
            conference: a.conference,
            recorded_at: a.recorded_at,
        })
        .collect())
}

/// Emergency aid registered in the caller's region, newest first.
#[server(endpoint = "cycle/emergency_list")]
pub async fn emergencies_of_household(household: String) -> Result<Vec<EmergencyView>, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let rows = s.store.emergencies_of(household.trim()).await?;
    auth::audit_read(&s, &user, "emergencies_read", household.trim()).await;
    Ok(rows
        .into_iter()
        .filter(|e| e.region_code.is_within(&scope))
        .map(emergency_view)
        .collect())
}

/// The documents owed after advance aid have arrived.
#[server(endpoint = "cycle/documents_received")]
pub async fn emergency_documents_received(id: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    s.store
        .emergency_documents_received(id.trim(), &scope, &user.0.id, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "emergency_documents",
        id.trim(),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}
