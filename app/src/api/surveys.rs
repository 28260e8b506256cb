//! 随机调查 (Zhangye (五)): a caseworker or the system administrator draws a random sample of
//! the households in assistance in a region inside theirs; each household drawn becomes a visit
//! task with the deadline chosen, recorded with the home-visit form as any visit is. The seed is
//! recorded with a digest of the households it was drawn over, so the draw can be repeated and
//! checked (`domain::survey`).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{self, audit},
    domain::audit::AuditResult,
    domain::declaration::{FieldError, FieldErrorCode},
    domain::region::RegionCode,
    domain::status::{AdminDuty, Role},
    domain::survey::{sample, SURVEY_MAX},
    services::{now_millis, services, today_in_china},
    store::SurveyRecord,
};

/// A drawn survey as staff read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyView {
    pub id: String,
    pub region: String,
    /// As text: a 64-bit seed does not fit a JSON number exactly.
    pub seed: String,
    pub population: i64,
    pub population_digest: String,
    pub households: Vec<String>,
    pub due_on: String,
    pub done: i64,
    pub drawn_at: i64,
}

/// Who may draw: a caseworker, or the system administrator (三员分立: not the others).
#[cfg(feature = "ssr")]
async fn drawer() -> Result<auth::SessionUser, AppError> {
    let user = auth::require(&[Role::Caseworker, Role::Admin]).await?;
    if user.0.role == Role::Admin && user.0.duty != Some(AdminDuty::System) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// Draws a survey of `size` households in `region` (inside the caller's), to be visited by
/// `due_on` (tomorrow to 90 days on). `seed` empty: a new random one; a number: that seed (to
/// repeat a draw). Returns the survey.
#[server(endpoint = "surveys/draw")]
pub async fn draw_survey(
    region: String,
    size: String,
    due_on: String,
    #[server(default)] seed: String,
) -> Result<SurveyView, AppError> {
    use sha2::{Digest, Sha256};
    let user = drawer().await?;
    let scope = auth::staff_scope(&user)?;
    let today = today_in_china();
    let mut errors = Vec::new();
    let mut bad = |field: &str, code| {
        errors.push(FieldError {
            field: field.into(),
            code,
        })
    };
    let region = RegionCode::parse(region.trim()).ok();
    if region.is_none() {
        bad("region", FieldErrorCode::InvalidChoice);
    }
    let size = size
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=SURVEY_MAX).contains(n));
    if size.is_none() {
        bad("size", FieldErrorCode::OutOfBounds);
    }
    let due = chrono::NaiveDate::parse_from_str(due_on.trim(), "%Y-%m-%d").ok();
    match due {
        None => bad("due_on", FieldErrorCode::DateFormat),
        Some(d) if d <= today || (d - today).num_days() > 90 => {
            bad("due_on", FieldErrorCode::OutOfBounds)
        }
        Some(_) => {}
    }
    let seed = match seed.trim() {
        "" => None,
        raw => match raw.parse::<u64>() {
            Ok(s) => Some(s),
            Err(_) => {
                bad("seed", FieldErrorCode::CountFormat);
                None
            }
        },
    };
    let (Some(region), Some(size), Some(due), true) = (region, size, due, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    if !region.is_within(&scope) {
        return Err(AppError::Forbidden);
    }
    let s = services()?;
    let population = s.store.survey_population(&region).await?;
    if population.is_empty() {
        return Err(AppError::refused("survey_empty"));
    }
    let seed = seed.unwrap_or_else(|| {
        use rand::RngCore;
        rand::rngs::OsRng.next_u64()
    });
    let mut digest = Sha256::new();
    for (id, _) in &population {
        digest.update(id.as_bytes());
        digest.update(b"\n");
    }
    let drawn = sample(population.len(), size, seed);
    let record = SurveyRecord {
        id: format!("survey-{}", uuid::Uuid::new_v4().simple()),
        region: region.clone(),
        seed,
        population: population.len() as i64,
        population_digest: hex::encode(digest.finalize()),
        households: drawn.iter().map(|&i| population[i].0.clone()).collect(),
        due_on: due,
        drawn_by: user.0.id.clone(),
        drawn_at: now_millis(),
    };
    let regions: Vec<RegionCode> = drawn.iter().map(|&i| population[i].1.clone()).collect();
    s.store.add_survey(&record, &regions).await?;
    audit(
        &s,
        Some(&user.0.id),
        "survey_draw",
        &format!(
            "{}:{}:{seed}:{}",
            record.id,
            region.as_str(),
            record.households.len()
        ),
        AuditResult::Ok,
    )
    .await;
    Ok(view_of(record, 0))
}

#[cfg(feature = "ssr")]
fn view_of(r: SurveyRecord, done: i64) -> SurveyView {
    SurveyView {
        id: r.id,
        region: r.region.as_str().to_string(),
        seed: r.seed.to_string(),
        population: r.population,
        population_digest: r.population_digest,
        households: r.households,
        due_on: r.due_on.to_string(),
        done,
        drawn_at: r.drawn_at,
    }
}

/// The surveys drawn in the caller's region, latest first, with their visits done.
#[server(endpoint = "surveys/list")]
pub async fn surveys() -> Result<Vec<SurveyView>, AppError> {
    let user = drawer().await?;
    let scope = auth::staff_scope(&user)?;
    let s = services()?;
    Ok(s.store
        .surveys(&scope)
        .await?
        .into_iter()
        .map(|(r, done)| view_of(r, done))
        .collect())
}
