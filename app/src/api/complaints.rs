//! 投诉举报 (Zhangye (十六); Liaoning 三(四)): anyone files a complaint or report, signed in
//! or not, and follows it with a tracking number and a secret code; caseworkers of the region
//! that handles it take it, note what they find and answer it by its deadline (a dated
//! parameter), after which it goes up a level. The filer's identity is shown only to the
//! complaint's handler; every step and every read by staff is in the audit trail.

use crate::domain::complaints::{ComplaintKind, ComplaintOutcome, ComplaintState};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit, audit_read},
    domain::audit::AuditResult,
    domain::complaints::{
        add_working_days, code_from, escalated, handling_region, question, secret_code,
        tracking_number, COMPLAINT_TEXT_MAX,
    },
    domain::declaration::{FieldError, FieldErrorCode},
    domain::id_number::IdNumber,
    domain::policy::params::{resolve, ParamKey},
    domain::region::{RegionCode, RegionLevel},
    domain::status::Role,
    services::{now_millis, services, today_in_china},
    store::{ComplaintRecord, NewComplaint, Store},
};

/// Complaints one address may file in an hour (beyond: 429). An operational limit, like the
/// sign-in limits, not a policy number.
#[cfg(feature = "ssr")]
const PER_ADDRESS_PER_HOUR: i64 = 5;

/// How long the form's question may be answered (ms).
#[cfg(feature = "ssr")]
const QUESTION_MS: i64 = 30 * 60_000;

/// The form's arithmetic question: `a + b`, and its token (`a-b-expiry-nonce-mac`, the mac keyed
/// with the server's key: nothing is stored until a complaint answers it, and one complaint only
/// answers each).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub token: String,
    pub a: u8,
    pub b: u8,
}

#[cfg(feature = "ssr")]
const QUESTION_KIND: &str = "complaint_question";

/// The nonce of a question `token` answered with `answer` before it expired, when the token is
/// the server's own; `None` otherwise.
#[cfg(feature = "ssr")]
fn answered_question(
    keyed: &dyn crate::services::Keyed,
    token: &str,
    answer: &str,
    now: i64,
) -> Option<String> {
    let (body, mac) = token.trim().rsplit_once('-')?;
    let expected = keyed.digest(QUESTION_KIND, body);
    // Compared in constant time: the mac's bytes are not guessed one by one.
    if mac.len() != expected.len()
        || mac
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            != 0
    {
        return None;
    }
    let mut parts = body.split('-');
    let a: i64 = parts.next()?.parse().ok()?;
    let b: i64 = parts.next()?.parse().ok()?;
    let expires: i64 = parts.next()?.parse().ok()?;
    let nonce = parts.next()?.to_string();
    (expires >= now && answer.trim().parse::<i64>().ok()? == a + b).then_some(nonce)
}

#[cfg(feature = "ssr")]
fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// A new question for the complaint form. Public (its page asks it when rendered); stores
/// nothing.
#[server(endpoint = "complaints/question")]
pub async fn complaint_question() -> Result<Question, AppError> {
    let s = services()?;
    let [x, y] = random_bytes::<2>();
    let (a, b) = question(x, y);
    let body = format!(
        "{a}-{b}-{}-{}",
        now_millis() + QUESTION_MS,
        uuid::Uuid::new_v4().simple()
    );
    let mac = s.keyed.digest(QUESTION_KIND, &body);
    Ok(Question {
        token: format!("{body}-{mac}"),
        a,
        b,
    })
}

/// What a filer sends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintInput {
    pub kind: String,
    /// The place it is about (village, township or county).
    pub region: String,
    /// The public notice objected to (its reference on the notice page).
    #[serde(default)]
    pub notice_ref: String,
    /// A member of staff's conduct: the level of their office (`township`, `county`, `city`).
    #[serde(default)]
    pub staff_level: String,
    /// Who it is about (a person's or a member of staff's name), optional.
    #[serde(default)]
    pub subject: String,
    /// The person concerned's ID number, optional (checked when given).
    #[serde(default)]
    pub person_id: String,
    pub body: String,
    /// Who files (optional: anonymous is allowed); shown only to the handler.
    #[serde(default)]
    pub filer_name: String,
    #[serde(default)]
    pub filer_phone: String,
    /// The question's token, and the filer's answer.
    pub question: String,
    pub answer: String,
}

/// What the filer keeps: the tracking number and the secret code (shown once), and the day
/// it will be answered by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filed {
    pub tracking: String,
    pub code: String,
    pub due_on: String,
}

#[cfg(feature = "ssr")]
fn field(errors: &mut Vec<FieldError>, field: &str, code: FieldErrorCode) {
    errors.push(FieldError {
        field: field.into(),
        code,
    });
}

#[cfg(feature = "ssr")]
fn text_within(
    errors: &mut Vec<FieldError>,
    name: &str,
    raw: &str,
    max: usize,
    required: bool,
) -> String {
    let t = raw.trim();
    if required && t.is_empty() {
        field(errors, name, FieldErrorCode::Required);
    } else if t.chars().count() > max {
        field(errors, name, FieldErrorCode::TooLong);
    } else if t
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        field(errors, name, FieldErrorCode::NameChars);
    }
    t.to_string()
}

/// The working days to answer, in force for the handling region (`None`: not set there).
#[cfg(feature = "ssr")]
async fn working_days(store: &dyn Store, region: &RegionCode) -> Result<Option<i64>, AppError> {
    let rows = crate::api::policy::param_rows(store).await?;
    Ok(resolve(&rows, region, None, today_in_china()).value(ParamKey::ComplaintWorkingDays))
}

/// Files a complaint or report. Anyone may; a signed-in filer's account is kept with it (never
/// shown to staff but its handler). The form's question must be answered; one address files at
/// most a few an hour.
#[server(endpoint = "complaints/file", input = server_fn::codec::Json)]
pub async fn file_complaint(input: ComplaintInput) -> Result<Filed, AppError> {
    let s = services()?;
    let store = s.store.as_ref();
    let now = now_millis();
    let nonce = answered_question(s.keyed.as_ref(), &input.question, &input.answer, now);
    let mut errors = Vec::new();
    let kind = ComplaintKind::from_code(input.kind.trim());
    if kind.is_none() {
        field(&mut errors, "kind", FieldErrorCode::InvalidChoice);
    }
    let place = RegionCode::parse(input.region.trim()).ok();
    match &place {
        None => field(&mut errors, "region", FieldErrorCode::Required),
        Some(p) if (p.level() as usize) < RegionLevel::County as usize => {
            field(&mut errors, "region", FieldErrorCode::RegionLevel)
        }
        Some(_) => {}
    }
    let staff_office = match (kind, place.as_ref()) {
        (Some(ComplaintKind::Conduct), Some(p)) => {
            let level = match input.staff_level.trim() {
                "township" => Some(RegionLevel::Township),
                "county" => Some(RegionLevel::County),
                "city" => Some(RegionLevel::City),
                _ => None,
            };
            let office = level.and_then(|level| {
                let mut at = Some(p.clone());
                while let Some(c) = at {
                    if c.level() == level {
                        return Some(c);
                    }
                    at = c.parent();
                }
                None
            });
            if office.is_none() {
                field(&mut errors, "staff_level", FieldErrorCode::InvalidChoice);
            }
            office
        }
        _ => None,
    };
    let subject = text_within(&mut errors, "subject", &input.subject, 100, false);
    let person_id = match input.person_id.trim() {
        "" => None,
        raw => match IdNumber::parse(raw, today_in_china()) {
            Ok(id) => Some(id),
            Err(_) => {
                field(&mut errors, "person_id", FieldErrorCode::IdFormat);
                None
            }
        },
    };
    let body = text_within(&mut errors, "body", &input.body, COMPLAINT_TEXT_MAX, true);
    let filer_name = text_within(&mut errors, "filer_name", &input.filer_name, 50, false);
    let filer_phone = match input.filer_phone.trim() {
        "" => String::new(),
        raw => match crate::domain::phone::Phone::parse(raw) {
            Ok(p) => p.as_str().to_string(),
            Err(_) => {
                field(&mut errors, "filer_phone", FieldErrorCode::PhoneFormat);
                String::new()
            }
        },
    };
    if nonce.is_none() {
        field(&mut errors, "answer", FieldErrorCode::InvalidChoice);
    }
    // An objection names a decision under notice in the place chosen.
    let mut application_id = None;
    if let (Some(ComplaintKind::NoticeObjection), Some(p)) = (kind, place.as_ref()) {
        let wanted = input.notice_ref.trim();
        let notices = store
            .public_notices(Some(p), today_in_china(), 0, 1000)
            .await?;
        match notices
            .iter()
            .find(|n| !wanted.is_empty() && n.application_id == wanted)
        {
            Some(n) => application_id = Some(n.application_id.clone()),
            None => field(&mut errors, "notice_ref", FieldErrorCode::InvalidChoice),
        }
    }
    let (Some(kind), Some(place), Some(nonce), true) = (kind, place, nonce, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    // Per address: its keyed digest, never the address itself in this table.
    let filed_from = s.keyed.digest(
        "complaint_from",
        &crate::services::current_client()
            .map(|a| a.to_string())
            .unwrap_or_default(),
    );
    if store
        .complaints_filed_since(&filed_from, now - 3_600_000)
        .await?
        >= PER_ADDRESS_PER_HOUR
    {
        return Err(AppError::TooManyRequests);
    }
    let handling = handling_region(kind, &place, staff_office.as_ref());
    // Without the region's deadline nobody could be held to one: refused, said so.
    let Some(days) = working_days(store, &handling).await? else {
        return Err(AppError::refused("param_missing"));
    };
    let due_on = add_working_days(today_in_china(), days);
    let tracking = format!("TS{}", code_from(&random_bytes::<10>(), 10));
    let code = code_from(&random_bytes::<12>(), 12);
    let code_hash = auth::hash_password(code.clone()).await?;
    let user = auth::current_user().await?;
    let id = format!("complaint-{}", uuid::Uuid::new_v4().simple());
    store
        .add_complaint(NewComplaint {
            id: id.clone(),
            tracking: tracking.clone(),
            code_hash,
            kind,
            region: place.clone(),
            handling_region: handling.clone(),
            application_id,
            staff_office,
            subject,
            person_id,
            body,
            filer_name,
            filer_phone,
            filer_user: user.as_ref().map(|u| u.0.id.clone()),
            filed_from,
            question_nonce: nonce,
            due_on,
            now,
        })
        .await
        .map_err(|e| match e {
            // The question was answered by a complaint already: ask again.
            crate::store::DbError::Conflict("question_used") => {
                AppError::field("answer", FieldErrorCode::InvalidChoice)
            }
            e => e.into(),
        })?;
    audit(
        &s,
        user.as_ref().map(|u| u.0.id.as_str()),
        "complaint_file",
        &format!("{id}:{}:{}", kind.code(), handling.as_str()),
        AuditResult::Ok,
    )
    .await;
    Ok(Filed {
        tracking,
        code,
        due_on: due_on.to_string(),
    })
}

/// What a filer sees of their complaint: never the handler, the notes or anyone's identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    pub tracking: String,
    pub kind: ComplaintKind,
    pub state: ComplaintState,
    pub filed_at: i64,
    pub due_on: String,
    /// Moved up a level after its deadline passed.
    pub escalated: bool,
    pub outcome: Option<ComplaintOutcome>,
    pub reply: String,
    pub answered_at: Option<i64>,
}

/// A complaint by its tracking number and secret code. Public; a wrong number and a wrong code
/// get the same answer (404), and both count toward the address's sign-in limit.
#[server(endpoint = "complaints/track")]
pub async fn track_complaint(tracking: String, code: String) -> Result<Tracked, AppError> {
    let (Some(tracking), Some(code)) = (tracking_number(&tracking), secret_code(&code)) else {
        return Err(AppError::NotFound);
    };
    let s = services()?;
    let Some(c) = s.store.complaint_by_tracking(&tracking).await? else {
        return Err(AppError::NotFound);
    };
    if !auth::verify_password(code, c.code_hash.clone()).await? {
        return Err(AppError::NotFound);
    }
    Ok(Tracked {
        tracking: c.tracking,
        kind: c.kind,
        state: c.state,
        filed_at: c.created_at,
        due_on: c.due_on.to_string(),
        escalated: c.escalations > 0,
        outcome: c.outcome,
        reply: c.reply,
        answered_at: c.answered_at,
    })
}

/// A line of the handlers' queue: nothing of the filer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLine {
    pub id: String,
    pub tracking: String,
    pub kind: ComplaintKind,
    pub region: String,
    pub handling_region: String,
    pub state: ComplaintState,
    pub due_on: String,
    pub overdue: bool,
    pub escalations: i64,
    /// The handler's display name, when taken.
    pub handler: Option<String>,
    pub mine: bool,
}

#[cfg(feature = "ssr")]
async fn handler_names(
    store: &dyn Store,
    ids: impl Iterator<Item = String>,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut names = std::collections::HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let name = store
            .user_by_id(&id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        names.insert(id, name);
    }
    Ok(names)
}

/// The complaints handled in the caller's region (and below), open ones by deadline, or every
/// one with `answered`. Caseworkers.
#[server(endpoint = "complaints/queue")]
pub async fn complaint_queue(
    #[server(default)] answered: bool,
) -> Result<Vec<QueueLine>, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    let list = s.store.complaints_in(&scope, answered).await?;
    let names = handler_names(
        s.store.as_ref(),
        list.iter().filter_map(|c| c.assigned_to.clone()),
    )
    .await?;
    let today = today_in_china();
    Ok(list
        .into_iter()
        .map(|c| QueueLine {
            overdue: c.state != ComplaintState::Answered && c.due_on < today,
            handler: c.assigned_to.as_ref().and_then(|h| names.get(h).cloned()),
            mine: c.assigned_to.as_deref() == Some(user.0.id.as_str()),
            id: c.id,
            tracking: c.tracking,
            kind: c.kind,
            region: c.region.as_str().to_string(),
            handling_region: c.handling_region.as_str().to_string(),
            state: c.state,
            due_on: c.due_on.to_string(),
            escalations: c.escalations,
        })
        .collect())
}

/// One step of the handling, as staff read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub kind: String,
    pub author: String,
    pub text: String,
    pub at: i64,
}

/// A complaint as its handlers read it. The filer's name, phone and account only for the one
/// it is assigned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintView {
    pub line: QueueLine,
    pub application_number: Option<String>,
    pub staff_office: Option<String>,
    pub subject: String,
    pub person_id: String,
    pub body: String,
    /// `None` unless the caller handles it.
    pub filer: Option<(String, String)>,
    pub filed_at: i64,
    pub outcome: Option<ComplaintOutcome>,
    pub reply: String,
    pub steps: Vec<StepView>,
    /// (id, file name) of what the filer attached.
    pub files: Vec<(String, String)>,
}

/// The complaint `id` when it is handled within the caller's region; `NotFound` otherwise.
#[cfg(feature = "ssr")]
async fn in_scope(
    s: &crate::services::Services,
    user: &auth::SessionUser,
    id: &str,
) -> Result<ComplaintRecord, AppError> {
    let scope = auth::staff_scope(user)?;
    match s.store.complaint(id).await? {
        Some(c) if c.handling_region.is_within(&scope) => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

/// A complaint for its handlers (each read audited). Caseworkers of the handling region.
#[server(endpoint = "complaints/case")]
pub async fn complaint_case(id: String) -> Result<ComplaintView, AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let c = in_scope(&s, &user, &id).await?;
    audit_read(&s, &user, "complaint_read", &c.id).await;
    let notes = s.store.complaint_notes(&c.id).await?;
    let names = handler_names(
        s.store.as_ref(),
        notes
            .iter()
            .filter_map(|n| n.author.clone())
            .chain(c.assigned_to.clone())
            .chain(
                notes
                    .iter()
                    .filter(|n| n.kind == "assigned")
                    .map(|n| n.body.clone()),
            ),
    )
    .await?;
    let mine = c.assigned_to.as_deref() == Some(user.0.id.as_str());
    let today = today_in_china();
    let files = s
        .store
        .complaint_files(&c.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.file_name))
        .collect();
    Ok(ComplaintView {
        files,
        line: QueueLine {
            id: c.id.clone(),
            tracking: c.tracking.clone(),
            kind: c.kind,
            region: c.region.as_str().to_string(),
            handling_region: c.handling_region.as_str().to_string(),
            state: c.state,
            due_on: c.due_on.to_string(),
            overdue: c.state != ComplaintState::Answered && c.due_on < today,
            escalations: c.escalations,
            handler: c.assigned_to.as_ref().and_then(|h| names.get(h).cloned()),
            mine,
        },
        application_number: c.application_number,
        staff_office: c.staff_office.map(|o| o.as_str().to_string()),
        subject: c.subject,
        person_id: c.person_id,
        body: c.body,
        filer: mine.then_some((c.filer_name, c.filer_phone)),
        filed_at: c.created_at,
        outcome: c.outcome,
        reply: c.reply,
        steps: notes
            .into_iter()
            .map(|n| StepView {
                author: n
                    .author
                    .as_ref()
                    .and_then(|a| names.get(a).cloned())
                    .unwrap_or_default(),
                text: if n.kind == "assigned" {
                    names.get(&n.body).cloned().unwrap_or_default()
                } else {
                    n.body
                },
                kind: n.kind,
                at: n.at,
            })
            .collect(),
    })
}

/// Gives the complaint to a caseworker of its handling region (`handler` their login; empty:
/// the caller). Caseworkers of the handling region.
#[server(endpoint = "complaints/assign")]
pub async fn assign_complaint(
    id: String,
    #[server(default)] handler: String,
) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let c = in_scope(&s, &user, &id).await?;
    let to = match handler.trim() {
        "" => user.0.clone(),
        login => match s.store.user_by_login(login).await? {
            // A caseworker of the handling region; for a report on a member of staff's conduct,
            // never one of the office it is about.
            Some(u)
                if u.role == Role::Caseworker
                    && u.region_code.as_ref().is_some_and(|r| {
                        r.is_within(&c.handling_region)
                            && !c.staff_office.as_ref().is_some_and(|o| r.is_within(o))
                    }) =>
            {
                u
            }
            _ => return Err(AppError::field("handler", FieldErrorCode::InvalidChoice)),
        },
    };
    s.store
        .assign_complaint(&c.id, &to.id, &user.0.id, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "complaint_assign",
        &format!("{}:{}", c.id, to.id),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// The handler's note of what they found.
#[server(endpoint = "complaints/note")]
pub async fn note_complaint(id: String, note: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let c = in_scope(&s, &user, &id).await?;
    let mut errors = Vec::new();
    let note = text_within(&mut errors, "note", &note, COMPLAINT_TEXT_MAX, true);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    s.store
        .add_complaint_note(&c.id, &user.0.id, &note, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "complaint_note",
        &c.id,
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// The handler closes the complaint with its outcome and the reply its filer reads.
#[server(endpoint = "complaints/answer")]
pub async fn answer_complaint(id: String, outcome: String, reply: String) -> Result<(), AppError> {
    let user = auth::require(&[Role::Caseworker]).await?;
    let s = services()?;
    let c = in_scope(&s, &user, &id).await?;
    let mut errors = Vec::new();
    let outcome = ComplaintOutcome::from_code(outcome.trim());
    if outcome.is_none() {
        field(&mut errors, "outcome", FieldErrorCode::InvalidChoice);
    }
    let reply = text_within(&mut errors, "reply", &reply, COMPLAINT_TEXT_MAX, true);
    let (Some(outcome), true) = (outcome, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    s.store
        .answer_complaint(&c.id, &user.0.id, outcome, &reply, now_millis())
        .await?;
    audit(
        &s,
        Some(&user.0.id),
        "complaint_answer",
        &format!("{}:{}", c.id, outcome.code()),
        AuditResult::Ok,
    )
    .await;
    Ok(())
}

/// Moves every complaint whose deadline passed up a level, with a new deadline from today
/// (the background job's, each move in the audit trail). How many moved.
#[cfg(feature = "ssr")]
pub async fn escalate_overdue(store: &dyn Store) -> Result<u64, AppError> {
    let today = today_in_china();
    let mut moved = 0;
    for (id, from) in store.overdue_complaints(today).await? {
        let Some(to) = escalated(&from) else {
            continue;
        };
        let Some(days) = working_days(store, &to).await? else {
            continue;
        };
        let due = add_working_days(today, days);
        let now = now_millis();
        if store.escalate_complaint(&id, &from, &to, due, now).await? {
            moved += 1;
            store
                .audit(crate::domain::audit::AuditEntry {
                    actor_id: None,
                    action: "complaint_escalate".into(),
                    object: format!("{id}:{}:{}", from.as_str(), to.as_str()),
                    result: AuditResult::Ok,
                    at: now,
                    client: None,
                    role: None,
                    purpose: None,
                    seq: None,
                })
                .await?;
        }
    }
    Ok(moved)
}
