//! 审核确认 for caseworkers: the review queue of their region, accepting a case (受理), the
//! home-visit and review steps, rejection with a reason, the decision proposed by the
//! assessment (changed only with a reason), the public notice (公示) and its objections, and
//! the final result. Every action is limited to the caseworker's region subtree.

#[cfg(feature = "ssr")]
use crate::domain::audit::AuditResult;
use crate::domain::casework::DecisionDraft;
use crate::domain::policy::Category;
use crate::domain::status::ApplicationStatus;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit, SessionUser},
    domain::casework::{masked_name, proposal, Decision},
    domain::declaration::{Declaration, FieldErrorCode, Relation},
    domain::money::Money,
    domain::policy::{params::ParamKey, resolve, Assessment},
    domain::region::RegionCode,
    domain::status::Role,
    services::{now_millis, services, today_in_china, Services},
    store::{ApplicationRecord, DecisionRecord, QueueQuery},
};

pub const QUEUE_PAGE: i64 = 50;
pub const MAX_TEXT_CHARS: usize = 1000;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueFilter {
    /// A status code, `open` for every open state, or empty for all.
    pub status: String,
    /// A township (9 digits) or village code inside the caller's region; empty for all.
    pub area: String,
    /// A help kind code; empty for all.
    pub help: String,
    /// Only cases waiting at least this many days; empty for all.
    pub min_days: String,
    /// Only cases whose household has warnings due (overdue referrals, documents owed …).
    pub warnings: bool,
    /// Keyset cursor: continue after this case.
    pub after_submitted_at: Option<i64>,
    pub after_number: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub number: String,
    pub status: ApplicationStatus,
    pub region_code: String,
    pub region_name: String,
    pub submitted_at: i64,
    pub days_waiting: i64,
    pub help: Vec<String>,
    pub categories: Vec<Category>,
    pub warnings: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    /// The cursor of the next page, when there may be one.
    pub next: Option<(i64, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub category: Option<Category>,
    pub monthly_amount_fen: i64,
    pub proposed_category: Option<Category>,
    pub proposed_amount_fen: Option<i64>,
    pub adjustment_reason: String,
    pub effective_from: String,
    pub notice_until: String,
}

/// Where an application made on a household's behalf came from (基层上报 → 依申请 by proxy).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyOrigin {
    pub reporter: String,
    pub consent_by: String,
    pub consent_form: Option<crate::domain::leads::ConsentForm>,
    pub consent_on: Option<String>,
}

/// What the staff side of an application page needs beyond the application itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub proposed_category: Option<Category>,
    pub proposed_amount_fen: Option<i64>,
    pub notice_days: Option<i64>,
    pub decision: Option<DecisionView>,
    pub objections: Vec<(String, i64)>,
    /// Objections the public filed online (投诉举报, kind notice objection): tracking number,
    /// state and when; read in full from the complaints page.
    pub public_objections: Vec<(String, crate::domain::complaints::ComplaintState, i64)>,
    /// Made on the household's behalf from a grassroots report (基层上报): who reported it, and
    /// who in the household consented, how and when.
    pub made_for: Option<ProxyOrigin>,
    /// The household file (一户一档) this application belongs to, once accepted.
    pub household_id: Option<String>,
    /// The declared head is not the account's: accepting needs the caseworker to confirm it.
    pub head_change: bool,
    /// Declared persons already in another household's file or another open application.
    pub conflicts: Vec<MemberConflictView>,
}

/// A declared person who is already somewhere else, as the accepting caseworker sees them: the
/// other file or application named only when it lies in the caseworker's region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberConflictView {
    pub id_number_masked: String,
    /// In another household's file: its id when in the caller's region, empty otherwise.
    pub in_household: Option<String>,
    /// In another open application: its number when in the caller's region, empty otherwise.
    pub in_application: Option<String>,
}

/// One line of the public notice: no more than policy allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRow {
    /// What an objection filed online names (`api::complaints`).
    pub notice_ref: String,
    pub masked_name: String,
    pub village_code: String,
    pub village_name: String,
    pub category: Option<Category>,
    pub monthly_amount_fen: i64,
    pub notice_until: String,
}

/// The application if it lies in the caller's region; `NotFound` otherwise (logged).
#[cfg(feature = "ssr")]
pub(crate) async fn case_in_scope(
    s: &Services,
    user: &SessionUser,
    number: &str,
) -> Result<ApplicationRecord, AppError> {
    auth::staff_scope(user)?;
    let number = number.trim();
    let app = crate::services::PageReads::once(&format!("application:{number}"), || async {
        Ok(s.store.application(number).await?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    auth::check_in_region(s, user, &app.region_code, "case_access", number).await?;
    Ok(app)
}

#[cfg(feature = "ssr")]
fn text(raw: &str, field: &str) -> Result<String, AppError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(AppError::field(field, FieldErrorCode::Required));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::field(field, FieldErrorCode::TooLong));
    }
    Ok(t.to_string())
}

#[server(endpoint = "casework/queue", input = server_fn::codec::Json)]
pub async fn review_queue(filter: QueueFilter) -> Result<QueuePage, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let scope = auth::staff_scope(&user)?;
    let area = match filter.area.trim() {
        "" => scope.clone(),
        code => {
            let a = RegionCode::parse(code)
                .map_err(|_| AppError::field("area", FieldErrorCode::InvalidChoice))?;
            if !a.is_within(&scope) {
                return Err(AppError::Forbidden);
            }
            a
        }
    };
    let statuses = match filter.status.trim() {
        "" => Vec::new(),
        "open" => ApplicationStatus::open_states().collect(),
        code => vec![ApplicationStatus::from_code(code)
            .ok_or_else(|| AppError::field("status", FieldErrorCode::InvalidChoice))?],
    };
    let help = match filter.help.trim() {
        "" => None,
        code => Some(
            crate::domain::declaration::HelpKind::from_code(code)
                .ok_or_else(|| AppError::field("help", FieldErrorCode::InvalidChoice))?,
        ),
    };
    let now = now_millis();
    let submitted_before = match filter.min_days.trim() {
        "" => None,
        d => Some(
            now - d
                .parse::<u32>()
                .map_err(|_| AppError::field("min_days", FieldErrorCode::CountFormat))?
                as i64
                * 86_400_000,
        ),
    };
    let after = filter
        .after_submitted_at
        .map(|t| (t, filter.after_number.clone()));
    let s = services()?;
    let rows = s
        .store
        .review_queue(QueueQuery {
            region: area.clone(),
            statuses,
            help,
            submitted_before,
            after,
            limit: QUEUE_PAGE,
            today: today_in_china(),
            with_warnings: filter.warnings,
        })
        .await?;
    auth::audit_read(&s, &user, "queue_read", area.prefix()).await;
    let next = (rows.len() as i64 == QUEUE_PAGE)
        .then(|| rows.last().map(|r| (r.submitted_at, r.number.clone())))
        .flatten();
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        rows.iter().map(|r| r.region_code.clone()).collect(),
    )
    .await?;
    Ok(QueuePage {
        rows: rows
            .into_iter()
            .map(|r| QueueRow {
                region_name: names.get(&r.region_code).cloned().unwrap_or_default(),
                days_waiting: (now - r.submitted_at) / 86_400_000,
                help: r.help.iter().map(|h| h.code().to_owned()).collect(),
                categories: r.categories.into(),
                warnings: r.warnings,
                number: r.number,
                status: r.status,
                region_code: r.region_code.as_str().to_owned(),
                submitted_at: r.submitted_at,
            })
            .collect(),
        next,
    })
}

#[cfg(feature = "ssr")]
pub(crate) fn decision_view(d: DecisionRecord) -> DecisionView {
    DecisionView {
        category: Some(d.category),
        monthly_amount_fen: d.monthly_amount.fen(),
        proposed_category: d.proposed_category,
        proposed_amount_fen: d.proposed_amount.map(Money::fen),
        adjustment_reason: d.adjustment_reason,
        effective_from: d.effective_from.to_string(),
        notice_until: d.notice_until.to_string(),
    }
}

#[cfg(feature = "ssr")]
async fn latest_assessment(s: &Services, number: &str) -> Result<Option<Assessment>, AppError> {
    match s.store.latest_assessment(number).await? {
        Some(rec) => Ok(Some(
            serde_json::from_str(&rec.stored.assessment_json).map_err(AppError::internal)?,
        )),
        None => Ok(None),
    }
}

/// The days of public notice in force for the application's region today.
#[cfg(feature = "ssr")]
async fn notice_days(s: &Services, region: &RegionCode) -> Result<Option<i64>, AppError> {
    let rows = crate::api::policy::param_rows(s.store.as_ref()).await?;
    Ok(resolve(&rows, region, None, today_in_china()).value(ParamKey::PublicNoticeDays))
}

#[server(endpoint = "casework/case")]
pub async fn case_view(number: String) -> Result<CaseState, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    let s = services()?;
    let app = case_in_scope(&s, &user, &number).await?;
    let number = app.summary.number.as_str();
    // The record of the read, and the case's independent reads, at once (on PostgreSQL each is
    // a round trip; one after another they were most of the case card's wait).
    let ((), assessment, notice_days, decision, objections, complaints, lead, conflicts) = tokio::join!(
        auth::audit_read(&s, &user, "case_read", number),
        latest_assessment(&s, number),
        notice_days(&s, &app.region_code),
        s.store.latest_decision(number),
        s.store.objections(number),
        s.store.complaints_about(number),
        s.store.lead_of_application(number),
        member_conflicts(&s, &user, number),
    );
    let (proposed_category, proposed_amount_fen) =
        assessment?.map(|a| proposal(&a)).unwrap_or((None, None));
    Ok(CaseState {
        proposed_category,
        proposed_amount_fen,
        notice_days: notice_days?,
        decision: decision?.map(decision_view),
        objections: objections?,
        public_objections: complaints?
            .into_iter()
            .filter(|c| c.kind == crate::domain::complaints::ComplaintKind::NoticeObjection)
            .map(|c| (c.tracking, c.state, c.created_at))
            .collect(),
        made_for: lead?.map(|l| ProxyOrigin {
            reporter: l.reporter_name,
            consent_by: l.consent_by,
            consent_form: l.consent_form,
            consent_on: l.consent_on.map(|d| d.to_string()),
        }),
        household_id: app.household_id.clone(),
        head_change: app.head_change,
        conflicts: conflicts?,
    })
}

#[cfg(feature = "ssr")]
async fn member_conflicts(
    s: &Services,
    user: &SessionUser,
    number: &str,
) -> Result<Vec<MemberConflictView>, AppError> {
    let scope = auth::staff_scope(user)?;
    let shown = |(id, region): (String, RegionCode)| {
        if region.is_within(&scope) {
            id
        } else {
            String::new()
        }
    };
    Ok(s.store
        .member_conflicts(number)
        .await?
        .into_iter()
        .map(|c| MemberConflictView {
            id_number_masked: c.id_number.masked(),
            in_household: c.household.map(shown),
            in_application: c.open_application.map(shown),
        })
        .collect())
}

/// The simple steps: 受理 (the declaration reaches the household file only now; a new head for
/// the resident's account needs `confirm_head`), 入户调查, 提交审核.
#[server(endpoint = "casework/advance")]
pub async fn advance(
    number: String,
    to: ApplicationStatus,
    #[server(default)] confirm_head: bool,
) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = case_in_scope(&s, &user, &number).await?;
    if to == ApplicationStatus::Accepted {
        s.store
            .accept_application(&app.summary.number, &user.0.id, confirm_head, now_millis())
            .await?;
        let action = if app.head_change && confirm_head {
            "case_accepted_new_head"
        } else {
            "case_accepted"
        };
        audit(
            &s,
            Some(&user.0.id),
            action,
            &app.summary.number,
            AuditResult::Ok,
        )
        .await;
        return Ok(());
    }
    let from = match to {
        ApplicationStatus::Visiting => ApplicationStatus::Accepted,
        ApplicationStatus::Reviewing => ApplicationStatus::Visiting,
        _ => return Err(AppError::BadRequest),
    };
    s.store
        .change_status(
            &app.summary.number,
            &[from],
            to,
            &user.0.id,
            "",
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        &format!("case_{}", to.code()),
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

#[server(endpoint = "casework/reject")]
pub async fn reject(number: String, reason: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = case_in_scope(&s, &user, &number).await?;
    let reason = text(&reason, "reason")?;
    let open: Vec<_> = ApplicationStatus::open_states().collect();
    s.store
        .change_status(
            &app.summary.number,
            &open,
            ApplicationStatus::Rejected,
            &user.0.id,
            &reason,
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "case_reject",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Decides category and amount (as proposed, or changed with a reason) and opens the notice.
#[server(endpoint = "casework/decide", input = server_fn::codec::Json)]
pub async fn decide(number: String, decision: DecisionDraft) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = case_in_scope(&s, &user, &number).await?;
    let today = today_in_china();
    let proposed = latest_assessment(&s, &app.summary.number)
        .await?
        .map(|a| proposal(&a))
        .unwrap_or((None, None));
    let d = Decision::parse(&decision, proposed, today).map_err(AppError::Invalid)?;
    let days = notice_days(&s, &app.region_code)
        .await?
        .ok_or_else(|| AppError::refused("param_missing"))?;
    let notice_until = today + chrono::Days::new((days - 1).max(0) as u64);
    s.store
        .decide(
            &app.summary.number,
            DecisionRecord {
                category: d.category,
                monthly_amount: Money::from_fen(d.monthly_amount_fen),
                proposed_category: d.proposed_category,
                proposed_amount: d.proposed_amount_fen.map(Money::from_fen),
                adjustment_reason: d.adjustment_reason,
                effective_from: d.effective_from,
                notice_until,
                decided_by: user.0.id.clone(),
                decided_at: now_millis(),
            },
            now_millis(),
        )
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "case_decide",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Records an objection raised during the notice (by anyone; entered by the caseworker).
#[server(endpoint = "casework/object")]
pub async fn record_objection(number: String, objection: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = case_in_scope(&s, &user, &number).await?;
    let objection = text(&objection, "objection")?;
    s.store
        .record_objection(&app.summary.number, &objection, &user.0.id, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "case_objection",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Ends the notice with the final result, once the notice period is over.
#[server(endpoint = "casework/finalize")]
pub async fn finalize(number: String, note: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = case_in_scope(&s, &user, &number).await?;
    let note = note.trim();
    if note.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::field("note", FieldErrorCode::TooLong));
    }
    s.store
        .finalize(
            &app.summary.number,
            &user.0.id,
            note,
            today_in_china(),
            now_millis(),
        )
        .await?;
    // Marginal and rigid-expense households are reviewed every year from their identification.
    if let (Some(d), Some(h)) = (
        s.store.latest_decision(&app.summary.number).await?,
        app.household_id.as_deref(),
    ) {
        if matches!(d.category, Category::DibaoMarginal | Category::RigidExpense) {
            crate::api::cycle::schedule_annual_review(&s, h, &app.region_code, d.effective_from)
                .await?;
        }
    }
    audit(
        &s,
        Some(&user.0.id),
        "case_finalize",
        &app.summary.number,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// One declared member of a case, for a caseworker of its region who asked on purpose: the
/// reading is audit-logged as `action` with which application and which member.
#[cfg(feature = "ssr")]
async fn unmasked_member(
    number: &str,
    member: u32,
    action: &str,
) -> Result<crate::domain::declaration::Member, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let app = case_in_scope(&s, &user, number).await?;
    let mut d: Declaration =
        serde_json::from_str(&app.declaration_json).map_err(AppError::internal)?;
    let index = member as usize;
    if index >= d.members.len() {
        return Err(AppError::NotFound);
    }
    audit(
        &s,
        Some(&user.0.id),
        action,
        &format!("{}#{member}", app.summary.number),
        AuditResult::Ok,
    )
    .await;
    Ok(d.members.swap_remove(index))
}

/// Shows one member's full ID number to a caseworker of the region: a deliberate action,
/// audit-logged with who, which application and which member.
#[server(endpoint = "casework/unmask")]
pub async fn unmask_id(number: String, member: u32) -> Result<String, AppError> {
    let m = unmasked_member(&number, member, "unmask").await?;
    Ok(m.id_number.as_str().to_string())
}

/// Shows one member's declared health and disability to a caseworker of the region: sensitive
/// personal information, shown only on purpose and audit-logged like an ID number.
#[server(endpoint = "casework/unmask_health")]
pub async fn unmask_health(
    number: String,
    member: u32,
) -> Result<crate::api::types::MemberHealth, AppError> {
    let m = unmasked_member(&number, member, "unmask_health").await?;
    Ok(crate::api::types::MemberHealth::from(&m))
}

/// Notices shown on one page of the public list.
pub const NOTICES_PER_PAGE: usize = 50;

/// One page of the public notice list, and whether another follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePage {
    pub rows: Vec<NoticeRow>,
    pub page: u32,
    pub more: bool,
}

/// The public notice: the head's masked name, the village, category and amount, page by page
/// (`page` from 0, [`NOTICES_PER_PAGE`] a page). Public.
#[server(endpoint = "casework/notices")]
pub async fn public_notices(
    region_code: String,
    #[server(default)] page: u32,
) -> Result<NoticePage, AppError> {
    let region = match region_code.trim() {
        "" => None,
        code => Some(
            RegionCode::parse(code)
                .map_err(|_| AppError::field("region_code", FieldErrorCode::InvalidChoice))?,
        ),
    };
    let s = services()?;
    let page = page.min(10_000);
    let mut notices = s
        .store
        .public_notices(
            region.as_ref(),
            today_in_china(),
            i64::from(page) * NOTICES_PER_PAGE as i64,
            NOTICES_PER_PAGE as i64 + 1,
        )
        .await?;
    let more = notices.len() > NOTICES_PER_PAGE;
    notices.truncate(NOTICES_PER_PAGE);
    let names = crate::api::regions::region_names(
        s.store.as_ref(),
        notices.iter().map(|n| n.region_code.clone()).collect(),
    )
    .await?;
    let mut out = Vec::new();
    for n in notices {
        let d: Declaration =
            serde_json::from_str(&n.declaration_json).map_err(AppError::internal)?;
        let head = d
            .members
            .iter()
            .find(|m| m.relation == Relation::Head)
            .map(|m| masked_name(&m.name))
            .unwrap_or_default();
        let village_name = names.get(&n.region_code).cloned().unwrap_or_default();
        out.push(NoticeRow {
            notice_ref: n.application_id.clone(),
            masked_name: head,
            village_code: n.region_code.as_str().to_owned(),
            village_name,
            category: Some(n.decision.category),
            monthly_amount_fen: n.decision.monthly_amount.fen(),
            notice_until: n.decision.notice_until.to_string(),
        });
    }
    Ok(NoticePage {
        rows: out,
        page,
        more,
    })
}
