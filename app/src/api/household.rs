//! 一户一档 and 一户一条救助链 for caseworkers: the household file across its applications,
//! home visits sent from tablets (once, conflicts shown), aid recorded in the chain with its
//! flags, and referrals (需求推送) that department officers answer (反馈) from their inbox.

use crate::api::casework::DecisionView;
use crate::api::types::{AttachmentMeta, MemberView};
#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::chain::{Aid, AidDraft, AidKind, Department, Flag};
use crate::domain::policy::Category;
use crate::domain::referral::{ReferralDraft, ReferralStatus};
use crate::domain::status::ApplicationStatus;
use crate::domain::visit::VisitDraft;
#[cfg(feature = "ssr")]
use crate::domain::visit::VisitFileRole;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit, SessionUser},
    domain::chain::{flags, AidOrigin, NewAid},
    domain::declaration::{Declaration, FieldErrorCode},
    domain::policy::{params::ParamKey, Assessment},
    domain::referral::NewReferral,
    domain::region::RegionCode,
    domain::status::Role,
    domain::visit::Visit,
    services::{now_millis, services, today_in_china, Services},
    store::{
        HouseholdRecord, NewReferralRecord, NewVisit, ReferralAnswer, ReferralQuery,
        ReferralRecord, VisitFile, VisitOutcome, VisitRecord,
    },
};

/// What a visit records besides its images, as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitNotes {
    pub present: String,
    pub housing: String,
    pub living: String,
    pub assets_seen: String,
    pub notes: String,
    pub second_staff: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitView {
    pub id: String,
    pub number: String,
    pub visited_on: String,
    pub notes: VisitNotes,
    /// Image addresses (`/visit-files/<hash>`), readable by staff of the region.
    pub photos: Vec<String>,
    /// (role, address) of the three signatures.
    pub signatures: Vec<(String, String)>,
    pub recorded_by: String,
    pub received_at: i64,
}

/// What happened to a visit the device sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitSync {
    Recorded,
    /// Sent before (the device retried): nothing changed.
    AlreadyRecorded,
    /// Visits recorded meanwhile that the device did not know of; this one was not recorded.
    Conflict(Vec<VisitView>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AidView {
    pub aid: Aid,
    pub number: Option<String>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralView {
    pub id: i64,
    pub household_id: String,
    pub region_code: String,
    pub region_name: String,
    pub department: Option<Department>,
    pub need: Option<AidKind>,
    pub note: String,
    pub due_on: String,
    pub status: Option<ReferralStatus>,
    pub overdue: bool,
    pub answer: String,
    pub created_by: String,
    pub created_at: i64,
    /// The head of the household, for the department to find the person (ID masked).
    pub head: Option<HeadView>,
}

/// A household's head as lists show them: name and masked ID number, from the latest
/// declaration, or from the roster for a household taken in that never applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadView {
    pub name: String,
    pub id_number_masked: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileApplication {
    pub number: String,
    pub status: ApplicationStatus,
    pub submitted_at: i64,
    pub members: Vec<MemberView>,
    /// Address, phone, difficulty, incomes, assets and spending as declared.
    pub declared: crate::api::types::DeclaredView,
    pub consent_charity: bool,
    pub consent_text_version: String,
    pub decision: Option<DecisionView>,
    pub documents: Vec<AttachmentMeta>,
}

/// 一户一档: everything known about a household, across its applications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdFile {
    pub id: String,
    pub region_code: String,
    pub region_name: String,
    pub head_id_masked: String,
    /// Oldest first: the members as each declaration gave them.
    pub applications: Vec<FileApplication>,
    /// (application, reason, categories, at), oldest first.
    pub assessments: Vec<(String, String, Vec<Category>, i64)>,
    pub visits: Vec<VisitView>,
    pub chain: Vec<AidView>,
    pub flags: Vec<Flag>,
    pub referrals: Vec<ReferralView>,
    /// Days a department has to answer a referral here (a dated parameter).
    pub referral_days: Option<i64>,
    pub standing: Option<crate::domain::cycle::Standing>,
    pub standing_at: Option<i64>,
    pub exit_reason: String,
    /// The last day of assistance after an exit, and the days left until it (渐退期 countdown).
    pub assistance_until: Option<String>,
    pub days_left: Option<i64>,
    /// The last day of aid an exit with a 渐退期 would give today (the dated parameter's months
    /// from the day the taper began), where the latest assessment found the household earned
    /// one; `None` when it did not, and an exit then ends aid on its day.
    pub taper_until: Option<String>,
    pub emergencies: Vec<crate::api::cycle::EmergencyView>,
    /// Its lines in frozen payment rolls (资金发放), newest month first.
    #[serde(default)]
    pub payments: Vec<FilePayment>,
    /// Its recovery cases (追回), newest first.
    #[serde(default)]
    pub recoveries: Vec<crate::api::recovery::RecoveryView>,
    /// Its people as the county's rosters listed them when taken in (现有对象直接纳入).
    #[serde(default)]
    pub caseload: Vec<CaseloadView>,
    /// Its decision in force when an intake made it (no application decided it here).
    #[serde(default)]
    pub intake_decision: Option<IntakeDecisionView>,
}

/// A household's line in one month's frozen payment roll, as its file shows it: what was paid,
/// what was held back, and what the bank said (the roll's page gives the whole line and why).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePayment {
    pub month: String,
    pub amount: String,
    pub held: String,
    pub bank: Option<(crate::domain::payments::BankStatus, String)>,
}

/// A decision in force made by an intake from the county's rosters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeDecisionView {
    pub category: Category,
    pub monthly_amount_fen: i64,
    pub effective_from: String,
    pub decided_at: i64,
    pub roster: crate::domain::intake::Roster,
    pub file_name: String,
}

/// A person as a roster listed them (ID number masked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseloadView {
    pub roster: crate::domain::intake::Roster,
    pub name: String,
    pub id_masked: String,
    pub relation: crate::domain::declaration::Relation,
    pub monthly_amount_fen: Option<i64>,
    pub since: String,
    pub grade: Option<i64>,
    pub detail: String,
    /// The address and phone the roster gave (empty when none): how a household that never
    /// applied is reached.
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    /// From the ID number (empty when it does not read as one).
    #[serde(default)]
    pub birth_date: String,
    /// 生活自理能力, when a Tekun roster listed it.
    #[serde(default)]
    pub care_need: Option<crate::domain::policy::facts::CareNeed>,
}

/// The household's latest recorded assessment: of its latest application that has one.
#[cfg(feature = "ssr")]
pub(crate) async fn latest_assessment_of(
    s: &Services,
    household_id: &str,
) -> Result<Option<Assessment>, AppError> {
    for a in s
        .store
        .household_applications(household_id)
        .await?
        .iter()
        .rev()
    {
        if let Some(rec) = s.store.latest_assessment(&a.summary.number).await? {
            return serde_json::from_str(&rec.stored.assessment_json)
                .map(Some)
                .map_err(AppError::internal);
        }
    }
    Ok(None)
}

#[cfg(feature = "ssr")]
pub(crate) async fn household_in_scope(
    s: &Services,
    user: &SessionUser,
    id: &str,
) -> Result<HouseholdRecord, AppError> {
    auth::staff_scope(user)?;
    let id = id.trim();
    let h = crate::services::PageReads::once(&format!("household:{id}"), || async {
        Ok(s.store.household(id).await?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    auth::check_in_region(s, user, &h.region_code, "household_access", id).await?;
    Ok(h)
}

#[cfg(feature = "ssr")]
fn visit_view(v: VisitRecord) -> VisitView {
    let url = |f: &VisitFile| format!("/visit-files/{}", f.content_hash);
    VisitView {
        notes: serde_json::from_str(&v.record_json).unwrap_or_default(),
        photos: v
            .files
            .iter()
            .filter(|f| f.role == VisitFileRole::Photo)
            .map(url)
            .collect(),
        signatures: v
            .files
            .iter()
            .filter(|f| f.role != VisitFileRole::Photo)
            .map(|f| (f.role.code().to_owned(), url(f)))
            .collect(),
        id: v.id,
        number: v.number,
        visited_on: v.visited_on.to_string(),
        recorded_by: v.recorded_by_name,
        received_at: v.received_at,
    }
}

#[cfg(feature = "ssr")]
async fn referral_views(
    s: &Services,
    rows: Vec<ReferralRecord>,
    with_head: bool,
) -> Result<Vec<ReferralView>, AppError> {
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        rows.iter().map(|r| r.region_code.clone()).collect(),
    )
    .await?;
    let heads = if with_head {
        household_heads(s, rows.iter().map(|r| r.household_id.as_str())).await?
    } else {
        Default::default()
    };
    let today = today_in_china();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let status = Some(r.status);
        let due = Some(r.due_on);
        let head = heads.get(&r.household_id).cloned().flatten();
        out.push(ReferralView {
            region_name: names.get(&r.region_code).cloned().unwrap_or_default(),
            department: Some(r.department),
            need: Some(r.need),
            overdue: status.zip(due).is_some_and(|(st, d)| st.overdue(d, today)),
            status,
            id: r.id,
            household_id: r.household_id,
            region_code: r.region_code.as_str().to_owned(),
            note: r.note,
            due_on: r.due_on.to_string(),
            answer: r.answer,
            created_by: r.created_by_name,
            created_at: r.created_at,
            head,
        });
    }
    Ok(out)
}

/// The head of each household as its latest declaration gives them (or, never having applied,
/// as its roster listed them), looked up once per household.
#[cfg(feature = "ssr")]
pub(crate) async fn household_heads<'a>(
    s: &Services,
    household_ids: impl Iterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, Option<HeadView>>, AppError> {
    let mut heads = std::collections::HashMap::new();
    for id in household_ids {
        if heads.contains_key(id) {
            continue;
        }
        let head = crate::api::machine::household_head(s, id)
            .await?
            .map(|(name, id_number)| HeadView {
                name,
                id_number_masked: crate::domain::id_number::mask_id_text(&id_number),
            });
        heads.insert(id.to_string(), head);
    }
    Ok(heads)
}

#[server(endpoint = "household/file")]
pub async fn get_household_file(id: String) -> Result<HouseholdFile, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let s = services()?;
    let h = household_in_scope(&s, &user, &id).await?;
    let apps = s.store.household_applications(&h.id).await?;
    let mut applications = Vec::with_capacity(apps.len());
    let mut assessments = Vec::new();
    let mut latest: Option<Assessment> = None;
    for a in &apps {
        let d: Declaration =
            serde_json::from_str(&a.declaration_json).map_err(AppError::internal)?;
        let number = a.summary.number.clone();
        // Independent reads, at once (on PostgreSQL each is a round trip).
        let (history, latest_record, decision, documents) = tokio::try_join!(
            s.store.assessment_history(&number),
            s.store.latest_assessment(&number),
            s.store.latest_decision(&number),
            s.store.attachments_of_draft(&a.draft_id),
        )?;
        for (reason, categories, at) in history {
            assessments.push((number.clone(), reason, categories.into(), at));
        }
        if let Some(rec) = latest_record {
            latest = Some(
                serde_json::from_str(&rec.stored.assessment_json).map_err(AppError::internal)?,
            );
        }
        applications.push(FileApplication {
            number: number.clone(),
            status: a.summary.status,
            submitted_at: a.summary.submitted_at,
            members: d.members.iter().map(MemberView::from).collect(),
            declared: crate::api::types::DeclaredView::from(&d),
            consent_charity: a.consent_charity,
            consent_text_version: a.consent_text_version.clone(),
            decision: decision.map(crate::api::casework::decision_view),
            documents,
        });
    }
    let (aid_records, referral_records, visit_records, summary, emergency_records) = tokio::try_join!(
        s.store.assistance_of(&h.id),
        s.store.referrals(ReferralQuery::Household(h.id.clone())),
        s.store.household_visits(&h.id),
        s.store.household_summary(&h.id),
        s.store.emergencies_of(&h.id),
    )?;
    let payments = s
        .store
        .household_payments(&h.id)
        .await?
        .into_iter()
        .map(|(m, l)| FilePayment {
            month: m.to_string(),
            amount: l.line.amount.to_string(),
            held: l.line.held.to_string(),
            bank: l.bank,
        })
        .collect();
    let (caseload, intake_decision) = tokio::try_join!(
        s.store.caseload_of(&h.id),
        s.store.intake_decision_of(&h.id)
    )?;
    let recoveries = s
        .store
        .recoveries_of(&h.id)
        .await?
        .into_iter()
        .map(|r| crate::api::recovery::view(&user, r))
        .collect();
    let chain: Vec<AidView> = aid_records
        .into_iter()
        .map(|r| AidView {
            aid: r.aid,
            number: r.number,
            recorded_by: r.recorded_by_name,
            recorded_at: r.recorded_at,
        })
        .collect();
    let aids: Vec<Aid> = chain.iter().map(|a| a.aid.clone()).collect();
    // Only a household that is in assistance can miss an entitlement: the latest application was approved.
    let approved = apps
        .last()
        .is_some_and(|a| a.summary.status == ApplicationStatus::Approved);
    let flags = flags(
        &aids,
        latest.as_ref().filter(|_| approved),
        today_in_china(),
    );
    let referrals = referral_views(&s, referral_records, false).await?;
    let names =
        crate::api::regions::region_names(s.store.as_ref(), vec![h.region_code.clone()]).await?;
    let visits = visit_records.into_iter().map(visit_view).collect();
    let summary = summary.ok_or(AppError::NotFound)?;
    let until = summary.assistance_until;
    // As an exit would give it today (the dated parameter), where the taper was earned.
    let taper_until = match latest.as_ref().and_then(Assessment::taper_earned) {
        Some(_) => crate::api::cycle::param(&s, &h.region_code, ParamKey::TaperMonths)
            .await?
            .filter(|m| *m > 0)
            .map(|m| {
                let today = today_in_china();
                crate::domain::cycle::last_day_of_aid(summary.taper_since.unwrap_or(today), Some(m))
                    .max(today)
                    .to_string()
            }),
        None => None,
    };
    let emergencies = emergency_records
        .into_iter()
        .map(crate::api::cycle::emergency_view)
        .collect();
    audit(
        &s,
        Some(&user.0.id),
        "household_file",
        &h.id,
        AuditResult::Ok,
    )
    .await;
    Ok(HouseholdFile {
        region_name: names.get(&h.region_code).cloned().unwrap_or_default(),
        head_id_masked: h.head_id_number.masked(),
        referral_days: crate::api::cycle::param(&s, &h.region_code, ParamKey::ReferralResponseDays)
            .await?,
        id: h.id,
        region_code: h.region_code.as_str().to_owned(),
        applications,
        assessments,
        visits,
        chain,
        flags,
        referrals,
        standing: Some(summary.standing),
        standing_at: summary.standing_at,
        exit_reason: summary.exit_reason,
        days_left: until.map(|u| crate::domain::cycle::days_left(today_in_china(), u)),
        assistance_until: until.map(|u| u.to_string()),
        taper_until,
        emergencies,
        payments,
        recoveries,
        caseload: caseload
            .into_iter()
            .map(|c| CaseloadView {
                roster: c.roster,
                name: c.name,
                id_masked: crate::domain::id_number::mask_id_text(&c.id_number),
                birth_date: crate::domain::id_number::IdNumber::parse(
                    &c.id_number,
                    today_in_china(),
                )
                .map(|i| i.birth_date().to_string())
                .unwrap_or_default(),
                relation: c.relation,
                monthly_amount_fen: c.monthly_amount_fen,
                since: c.since.to_string(),
                grade: c.grade,
                detail: c.detail,
                address: c.address,
                phone: c.phone,
                care_need: c.care_need,
            })
            .collect(),
        intake_decision: intake_decision.map(|d| IntakeDecisionView {
            category: d.category,
            monthly_amount_fen: d.monthly_amount_fen,
            effective_from: d.effective_from.to_string(),
            decided_at: d.decided_at,
            roster: d.roster,
            file_name: d.file_name,
        }),
    })
}

/// The visits of one case (the visit form needs the newest to base a new one on).
#[server(endpoint = "household/case_visits")]
pub async fn case_visits(number: String) -> Result<Vec<VisitView>, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let s = services()?;
    let app = crate::api::casework::case_in_scope(&s, &user, &number).await?;
    auth::audit_read(&s, &user, "visits_read", &app.summary.number).await;
    let Some(hh) = app.household_id else {
        return Ok(Vec::new());
    };
    Ok(s.store
        .household_visits(&hh)
        .await?
        .into_iter()
        .filter(|v| v.number == app.summary.number)
        .map(visit_view)
        .collect())
}

/// Decodes a checked data URL and confirms by content that it is the image it claims to be.
#[cfg(feature = "ssr")]
pub fn image_bytes(data_url: &str, field: &str) -> Result<(Vec<u8>, &'static str), AppError> {
    use base64::Engine as _;
    let bad = || AppError::field(field, FieldErrorCode::ImageInvalid);
    let b64 = data_url
        .split_once(";base64,")
        .map(|(_, b)| b)
        .ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| bad())?;
    let mime = match infer::get(&bytes).map(|t| t.mime_type()) {
        Some("image/jpeg") => "image/jpeg",
        Some("image/png") => "image/png",
        _ => return Err(bad()),
    };
    Ok((bytes, mime))
}

/// A home visit from a tablet. Sending the same visit again records nothing new; a visit
/// recorded meanwhile by someone else comes back as a conflict for the caseworker to see.
#[server(endpoint = "household/visit", input = server_fn::codec::Json)]
pub async fn record_visit(visit: VisitDraft) -> Result<VisitSync, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = crate::api::casework::case_in_scope(&s, &user, &visit.application).await?;
    let v = Visit::parse(&visit, today_in_china()).map_err(AppError::Invalid)?;
    let mut files = Vec::with_capacity(v.photos.len() + 3);
    let signatures = [
        VisitFileRole::SignResident,
        VisitFileRole::SignStaff,
        VisitFileRole::SignSecondStaff,
    ];
    let images = v
        .photos
        .iter()
        .map(|p| (VisitFileRole::Photo, "photos", p))
        .chain(
            signatures
                .into_iter()
                .zip(v.signatures.iter())
                .map(|(r, sig)| (r, r.code(), sig)),
        );
    for (role, field, data) in images {
        let (bytes, mime) = image_bytes(data, field)?;
        // Blobs are content-addressed: storing one twice (a retry) is harmless.
        let hash = s.blobs.put(&bytes).await.map_err(AppError::internal)?;
        files.push(VisitFile {
            role,
            content_hash: hash,
            mime: mime.into(),
            size: bytes.len() as i64,
        });
    }
    let notes = VisitNotes {
        present: v.present,
        housing: v.housing,
        living: v.living,
        assets_seen: v.assets_seen,
        notes: v.notes,
        second_staff: v.second_staff,
    };
    let outcome = s
        .store
        .record_visit(NewVisit {
            id: v.id.clone(),
            number: app.summary.number.clone(),
            based_on: v.based_on,
            visited_on: v.visited_on,
            record_json: serde_json::to_string(&notes).map_err(AppError::internal)?,
            files,
            recorded_by: user.0.id.clone(),
            saved_on_device_at: visit.saved_at,
            now: now_millis(),
        })
        .await?;
    let (result, sync) = match outcome {
        VisitOutcome::Recorded => (AuditResult::Ok, VisitSync::Recorded),
        VisitOutcome::AlreadyRecorded => (AuditResult::Repeat, VisitSync::AlreadyRecorded),
        VisitOutcome::Conflict(others) => (
            AuditResult::Conflict,
            VisitSync::Conflict(others.into_iter().map(visit_view).collect()),
        ),
    };
    audit(
        &s,
        Some(&user.0.id),
        "visit",
        &format!("{}#{}", app.summary.number, v.id),
        result,
    )
    .await;
    Ok(sync)
}

/// Records aid the household received (from a paper record, or 民政's own); the form's key
/// `id` makes a resend harmless (the record's id is the server's: `services::record_id`).
#[server(endpoint = "household/aid", input = server_fn::codec::Json)]
pub async fn record_aid(household: String, id: String, aid: AidDraft) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let h = household_in_scope(&s, &user, &household).await?;
    let aid = NewAid::parse(&aid).map_err(AppError::Invalid)?;
    let id = crate::services::record_id("manual", &user.0.id, &id)?;
    s.store
        .add_assistance(&h.id, &id, aid, AidOrigin::Manual, &user.0.id, now_millis())
        .await?;
    audit(&s, Some(&user.0.id), "aid_record", &h.id, AuditResult::Ok).await;
    Ok(())
}

/// 需求推送: a need of the household to the department responsible, due in the parameter's days.
#[server(endpoint = "household/refer", input = server_fn::codec::Json)]
pub async fn refer(referral: ReferralDraft) -> Result<i64, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let h = household_in_scope(&s, &user, &referral.household).await?;
    let r = NewReferral::parse(&referral).map_err(AppError::Invalid)?;
    let days = crate::api::cycle::param(&s, &h.region_code, ParamKey::ReferralResponseDays)
        .await?
        .ok_or_else(|| AppError::refused("param_missing"))?;
    let due = today_in_china() + chrono::Days::new(days.max(0) as u64);
    let id = s
        .store
        .add_referral(NewReferralRecord {
            household_id: h.id.clone(),
            region_code: h.region_code.clone(),
            department: r.department,
            need: r.need,
            note: r.note,
            due_on: due,
            created_by: user.0.id.clone(),
            now: now_millis(),
        })
        .await?;
    // If the department has not answered by the end of the due day, the caseworker gets a task.
    s.store
        .enqueue_work(
            crate::domain::cycle::WorkKind::ReferralDue,
            &id.to_string(),
            "",
            crate::domain::cycle::china_midnight_ms(due + chrono::Days::new(1)),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "referral_send",
        &format!("{}#{id}", h.id),
        AuditResult::Ok,
    )
    .await;
    Ok(id)
}

/// The caller's department and region, for a department officer.
#[cfg(feature = "ssr")]
fn officer(user: &SessionUser) -> Result<(Department, RegionCode), AppError> {
    let dept = user.0.department.ok_or(AppError::Forbidden)?;
    Ok((dept, auth::staff_scope(user)?))
}

/// A department officer's inbox: referrals to the department in the officer's region, open first by due date.
#[server(endpoint = "household/inbox")]
pub async fn referral_inbox() -> Result<Vec<ReferralView>, AppError> {
    let user = auth::require(&[Role::Department]).await?;
    let (dept, scope) = officer(&user)?;
    let s = services()?;
    let rows = s
        .store
        .referrals(ReferralQuery::Inbox {
            department: dept,
            region: scope.clone(),
        })
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "referral_inbox",
        dept.code(),
        AuditResult::Ok,
    )
    .await;
    referral_views(&s, rows, true).await
}

/// 反馈: the department accepts, declines (with a reason) or reports what it gave, which
/// joins the household's chain in the same transaction.
#[server(endpoint = "household/answer", input = server_fn::codec::Json)]
pub async fn answer_referral(
    id: i64,
    to: ReferralStatus,
    answer: String,
    aid: Option<AidDraft>,
) -> Result<(), AppError> {
    let user = auth::require(&[Role::Department]).await?;
    let (dept, scope) = officer(&user)?;
    let s = services()?;
    answer_referral_as(&s, &user.0.id, dept, &scope, id, to, answer, aid).await
}

/// A department's answer to a referral addressed to it in `scope`, by `actor_id` (an officer,
/// or a department's system through the machine API): checked, stored with its aid in one
/// transaction, audited.
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
pub async fn answer_referral_as(
    s: &Services,
    actor_id: &str,
    dept: Department,
    scope: &RegionCode,
    id: i64,
    to: ReferralStatus,
    answer: String,
    aid: Option<AidDraft>,
) -> Result<(), AppError> {
    let answer = answer.trim().to_string();
    if answer.chars().count() > crate::domain::referral::MAX_REFERRAL_NOTE_CHARS {
        return Err(AppError::field("answer", FieldErrorCode::TooLong));
    }
    if to == ReferralStatus::Declined && answer.is_empty() {
        return Err(AppError::field("answer", FieldErrorCode::Required));
    }
    let aid = match (to, aid) {
        (ReferralStatus::Done, Some(draft)) => {
            // What a department reports is its own aid.
            let draft = AidDraft {
                source: dept.code().into(),
                source_name: String::new(),
                ..draft
            };
            Some((
                format!("referral-{id}"),
                NewAid::parse(&draft).map_err(AppError::Invalid)?,
            ))
        }
        (ReferralStatus::Done, None) if answer.is_empty() => {
            return Err(AppError::field("answer", FieldErrorCode::Required))
        }
        _ => None,
    };
    s.store
        .answer_referral(ReferralAnswer {
            id,
            department: dept,
            region: scope.clone(),
            to,
            answer,
            aid,
            actor_id: actor_id.to_string(),
            now: now_millis(),
        })
        .await?;
    audit(
        s,
        Some(actor_id),
        &format!("referral_{}", to.code()),
        &id.to_string(),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}
