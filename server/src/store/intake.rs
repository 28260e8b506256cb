//! 现有对象直接纳入: a roster's rows taken in one transaction as the reader sends them. Each
//! person finds their household by the head's ID number (or the head's membership of one), or
//! makes it; a person already of another household is refused, never moved.

use super::dialect::{code, code_opt, day, query, within, Row};
use super::households::insert_aid;
use super::sealed::{
    CASELOAD_ADDRESS, CASELOAD_CARE_NEED, CASELOAD_DETAIL, CASELOAD_GRADE, CASELOAD_ID,
    CASELOAD_NAME, CASELOAD_PHONE, ID_SEALED, NAME,
};
use super::SqlStore;
use app::domain::chain::{AidKind, AidOrigin, Department, NewAid};
use app::domain::cycle::{china_midnight_ms, next_annual_review, Standing, WorkKind};
use app::domain::intake::{intake_decision, IntakeRow, Listing, Roster};
use app::domain::monitoring::RowProblem;
use app::domain::payments::Month;
use app::domain::policy::assess::Category;
use app::domain::region::RegionCode;
use app::store::*;
use std::collections::{BTreeSet, HashMap};

/// What deciding a taken-in household did.
#[derive(Debug, PartialEq, Eq)]
enum Decided {
    /// A decision made (or changed) by the intake is now in force, under this category.
    Made(Category),
    /// The intake's decision in force already said the same.
    Unchanged,
    /// A decision of an application is in force, or the household left assistance or was
    /// rejected here: kept.
    Kept,
    /// No listing of the household puts it in assistance.
    Nothing,
}

/// What an intake keeps while its rows arrive.
#[derive(Default)]
struct Progress {
    /// Households this intake made, with their village.
    made: HashMap<String, RegionCode>,
    /// Households with a listing in assistance this intake made or corrected: decided at the end.
    touched: BTreeSet<String>,
    /// The persons this file listed so far (a 64-bit digest each, for a person twice in it).
    seen: std::collections::HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
}

impl Progress {
    /// Whether the file listed this person before (and notes that it has now).
    fn again(&mut self, person_key: &str) -> bool {
        use std::hash::BuildHasher;
        !self.seen.insert(self.hasher.hash_one(person_key))
    }
}

/// When, who and what a decision by intake records (an intake's, or the one-time decision of
/// households taken in before intakes decided).
struct DecidedBy<'a> {
    intake_id: &'a str,
    actor_id: &'a str,
    now: Millis,
    today: chrono::NaiveDate,
    paid_outside_through: Month,
    review: Option<(i64, i64)>,
}

/// Makes the decision in force of a household taken in from rosters, from all its listings
/// (`domain::intake::intake_decision`), and puts its listed amounts in its chain, unless it was
/// decided here (a decision of an application in force, or exited or rejected here). The
/// household is then paid from the month after `paid_outside_through` (when nothing here paid
/// it before), and a marginal or rigid-expense household's annual review is scheduled for its
/// next anniversary.
async fn decide(
    tx: &mut super::dialect::Tx<'_>,
    household: &str,
    by: &DecidedBy<'_>,
) -> Result<Decided, DbError> {
    let row = query(
        "SELECT h.standing, h.decision_id, d.application_id, d.category, d.monthly_amount, \
         d.effective_from FROM households h LEFT JOIN decisions d ON d.id = h.decision_id \
         WHERE h.id = $1",
    )
    .bind(household)
    .fetch_one(&mut *tx)
    .await?;
    type Current = (
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
    );
    let (standing, decision_id, application_id, category, amount, effective_from): Current =
        row.decode()?;
    // Decided here through an application, or exited or rejected here: kept as it is.
    if application_id.is_some() || standing != Standing::InAssistance.code() {
        return Ok(Decided::Kept);
    }
    let current = decision_id.and(category.zip(amount).zip(effective_from));
    let rows = query(
        "SELECT roster, person_key, monthly_amount, since FROM caseload WHERE household_id = $1",
    )
    .bind(household)
    .fetch_all(&mut *tx)
    .await?;
    let (mut listings, mut keys) = (Vec::with_capacity(rows.len()), Vec::new());
    for r in &rows {
        let (roster, key, amount_fen, since): (String, String, Option<i64>, String) = r.decode()?;
        listings.push(Listing {
            roster: code("roster", &roster)?,
            amount_fen,
            since: day("since", &since)?,
        });
        keys.push(key);
    }
    let Some(d) = intake_decision(&listings) else {
        return Ok(Decided::Nothing);
    };
    // Each listed amount is the household's basic living aid from its day, in its chain (once
    // per person and roster); a household decided here shows its own decision's instead. The
    // chain is read once for all its listings: (id, amount, from, still open).
    let mut chain = Vec::new();
    for r in query(
        "SELECT id, amount, period_from, period_until FROM assistance WHERE household_id = $1",
    )
    .bind(household)
    .fetch_all(&mut *tx)
    .await?
    {
        let (id, amount, from, until): (String, i64, String, Option<String>) = r.decode()?;
        chain.push((id, amount, day("period_from", &from)?, until.is_none()));
    }
    for (l, key) in listings.iter().zip(&keys) {
        let Some(amount) = l.amount_fen.filter(|a| *a > 0 && l.roster.in_assistance()) else {
            continue;
        };
        let aid = NewAid {
            kind: AidKind::BasicLiving,
            source: Some(Department::CivilAffairs),
            source_name: String::new(),
            amount_fen: amount,
            monthly: true,
            from: l.since,
            until: None,
            note: format!("intake:{}", l.roster.code()),
        };
        let base = format!("intake-{}-{}", l.roster.code(), key);
        listed_aid(tx, household, &base, &chain, aid, by).await?;
    }
    let from = d.effective_from.to_string();
    if current
        .as_ref()
        .is_some_and(|((category, amount), effective_from)| {
            (category.as_str(), *amount, effective_from.as_str())
                == (d.category.code(), d.monthly_fen, from.as_str())
        })
    {
        return Ok(Decided::Unchanged);
    }
    // No public notice: the listing was decided, and publicised, where the roster was kept.
    let made = query(
        "INSERT INTO decisions (intake_id, category, monthly_amount, effective_from, \
         notice_until, decided_by, decided_at) VALUES ($1, $2, $3, $4, $4, $5, $6) RETURNING id",
    )
    .bind(by.intake_id)
    .bind(d.category.code())
    .bind(d.monthly_fen)
    .bind(&from)
    .bind(by.actor_id)
    .bind(by.now)
    .fetch_one(&mut *tx)
    .await?;
    let decision_id: i64 = made.get("id")?;
    // Nothing to read for the statistics' urban/rural split: no application's facts.
    query(
        "UPDATE households SET decision_id = $1, facts_read = 1, \
         paid_through = COALESCE(paid_through, $2) WHERE id = $3",
    )
    .bind(decision_id)
    .bind(by.paid_outside_through.to_string())
    .bind(household)
    .execute(&mut *tx)
    .await?;
    if current.is_some() {
        // A decision the intake remade (a corrected roster): the review its start date had
        // scheduled, if not yet begun, gives way to the one below.
        query(
            "DELETE FROM work_items WHERE kind = $1 AND subject = $2 AND done_at IS NULL \
             AND claimed_by IS NULL",
        )
        .bind(WorkKind::AnnualReview.code())
        .bind(household)
        .execute(&mut *tx)
        .await?;
    }
    if let (Some((interval, lead)), Category::DibaoMarginal | Category::RigidExpense) =
        (by.review, d.category)
    {
        let (due, appears) = next_annual_review(d.effective_from, by.today, interval, lead);
        query(
            "INSERT INTO work_items (kind, subject, payload, run_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, subject, run_at) DO NOTHING",
        )
        .bind(WorkKind::AnnualReview.code())
        .bind(household)
        .bind(due.to_string())
        .bind(china_midnight_ms(appears))
        .execute(&mut *tx)
        .await?;
    }
    Ok(Decided::Made(d.category))
}

/// Puts a listed amount in the household's chain as `base` (once). A listing whose amount an
/// intake corrected ends the aid it had opened the day before the correction (or drops it if it
/// had not begun) and opens the new amount from that day, as `{base}-{intake}`: the chain
/// keeps what the household was paid under the roster before.
/// `chain`: the household's chain as read before any listing's change, (id, amount, from, still
/// open).
async fn listed_aid(
    tx: &mut super::dialect::Tx<'_>,
    household: &str,
    base: &str,
    chain: &[(String, i64, chrono::NaiveDate, bool)],
    mut aid: NewAid,
    by: &DecidedBy<'_>,
) -> Result<(), DbError> {
    let version = format!("{base}-");
    let open = chain
        .iter()
        .find(|(id, _, _, open)| *open && (id == base || id.starts_with(&version)));
    let id = match open {
        None if !chain.iter().any(|(id, ..)| id == base) => base.to_owned(),
        // Ended otherwise (never by an intake): not opened again.
        None => return Ok(()),
        Some((_, amount, _, _)) if *amount == aid.amount_fen => return Ok(()),
        Some((old, _, from, _)) => {
            if *from < by.today {
                query("UPDATE assistance SET period_until = $1 WHERE id = $2")
                    .bind((by.today - chrono::Days::new(1)).to_string())
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
            } else {
                query("DELETE FROM assistance WHERE id = $1")
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
            }
            aid.from = aid.from.max(by.today);
            format!("{base}-{}", by.intake_id)
        }
    };
    insert_aid(
        tx,
        household,
        &id,
        &aid,
        AidOrigin::Intake,
        by.actor_id,
        by.now,
    )
    .await?;
    Ok(())
}

impl SqlStore {
    /// The household is found by this person's name forms (`household_keys`).
    async fn insert_name_keys(
        &self,
        tx: &mut super::dialect::Tx<'_>,
        household: &str,
        name: &str,
    ) -> Result<(), DbError> {
        for form in crate::crypto::name_keys(name) {
            query(
                "INSERT INTO household_keys (household_id, kind, digest) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(household)
            .bind(NAME)
            .bind(self.cipher.digest(NAME, &form))
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Keys the names of persons taken in before `household_keys` existed, once, in batches;
    /// returns how many persons. Run at start.
    pub async fn key_caseload_names(&self) -> Result<usize, DbError> {
        const DONE: &str = "caseload_names_v1";
        if super::sealed::is_done(&self.db, DONE).await? {
            return Ok(0);
        }
        let (mut after, mut keyed) = ((String::new(), String::new()), 0);
        loop {
            let rows = query(
                "SELECT roster, person_key, household_id, person_name FROM caseload \
                 WHERE roster > $1 OR (roster = $1 AND person_key > $2) \
                 ORDER BY roster, person_key LIMIT 500",
            )
            .bind(&after.0)
            .bind(&after.1)
            .fetch_all(&self.db)
            .await?;
            let mut tx = self.db.begin().await?;
            for r in &rows {
                let (roster, key, household, sealed): (String, String, String, String) =
                    r.decode()?;
                let name = self.open(CASELOAD_NAME, &sealed)?;
                self.insert_name_keys(&mut tx, &household, &name).await?;
                after = (roster, key);
            }
            keyed += rows.len();
            if rows.len() < 500 {
                super::sealed::mark_done(&mut tx, DONE).await?;
                tx.commit().await?;
                return Ok(keyed);
            }
            tx.commit().await?;
        }
    }

    /// A listing's grade as stored: sealed, or in clear in a row taken in before grades were
    /// sealed whose start has not sealed it yet. A sealed grade that is not a number is an error.
    fn caseload_grade(
        &self,
        clear: Option<i64>,
        sealed: Option<String>,
    ) -> Result<Option<i64>, DbError> {
        match sealed {
            Some(s) => {
                let g = self.open(CASELOAD_GRADE, &s)?;
                g.parse()
                    .map(Some)
                    .map_err(|_| DbError::Other("stored caseload.grade: not a number".into()))
            }
            None => Ok(clear),
        }
    }

    /// Seals the grades of persons taken in before grades were sealed (migration 0058), once,
    /// in batches, and empties the clear column; returns how many. Run at start.
    pub async fn seal_caseload_grades(&self) -> Result<usize, DbError> {
        const DONE: &str = "caseload_grades_v1";
        if super::sealed::is_done(&self.db, DONE).await? {
            return Ok(0);
        }
        // From where the last batch ended (the rows before it have no clear grade any more,
        // and reading past them again each batch grew with the caseload).
        let (mut after, mut sealed) = ((String::new(), String::new()), 0);
        loop {
            let mut tx = self.db.begin().await?;
            let rows = query(
                "SELECT roster, person_key, grade FROM caseload \
                 WHERE (roster > $1 OR (roster = $1 AND person_key > $2)) AND grade IS NOT NULL \
                 ORDER BY roster, person_key LIMIT 500",
            )
            .bind(&after.0)
            .bind(&after.1)
            .fetch_all(&mut tx)
            .await?;
            for r in &rows {
                let (roster, key, grade): (String, String, i64) = r.decode()?;
                query(
                    "UPDATE caseload SET grade_sealed = $1, grade = NULL \
                     WHERE roster = $2 AND person_key = $3",
                )
                .bind(self.seal(CASELOAD_GRADE, &grade.to_string()))
                .bind(&roster)
                .bind(&key)
                .execute(&mut tx)
                .await?;
                after = (roster, key);
            }
            sealed += rows.len();
            if rows.len() < 500 {
                super::sealed::mark_done(&mut tx, DONE).await?;
                tx.commit().await?;
                return Ok(sealed);
            }
            tx.commit().await?;
        }
    }

    /// Once, at start: households taken in before intakes made decisions (migration 0054) get
    /// the decision their listings make, recorded as their first intake's, and those on a
    /// relapse-watch or disabled persons' roster only are listed rather than applicants.
    /// `review`: the annual review's interval and lead in force in an intake's region. Returns
    /// how many households were decided.
    pub async fn decide_caseload(
        &self,
        today: chrono::NaiveDate,
        now: Millis,
        review: impl Fn(&RegionCode) -> Option<(i64, i64)>,
    ) -> Result<usize, DbError> {
        const DONE: &str = "caseload_decisions_v1";
        if super::sealed::is_done(&self.db, DONE).await? {
            return Ok(0);
        }
        let mut tx = self.db.begin().await?;
        // Claimed first: a second server starting at the same time waits here, then finds it
        // done and leaves (no decision made twice).
        let claimed = query(
            "INSERT INTO maintenance_done (name, done_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(DONE)
        .bind(now)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            return Ok(0);
        }
        let rows = query(
            "SELECT c.household_id, i.id AS intake_id, i.region_code, i.created_by \
             FROM (SELECT c.household_id, MIN(c.intake_id) AS intake_id FROM caseload c \
               JOIN households h ON h.id = c.household_id \
               WHERE h.decision_id IS NULL \
               AND c.roster IN ('dibao', 'tekun', 'dibao_marginal', 'rigid_expense') \
               GROUP BY c.household_id) c \
             JOIN intakes i ON i.id = c.intake_id ORDER BY c.household_id",
        )
        .fetch_all(&mut tx)
        .await?;
        let mut decided = 0;
        for r in &rows {
            let (household, intake_id, region_code, actor_id): (String, String, String, String) =
                r.decode()?;
            let by = DecidedBy {
                intake_id: &intake_id,
                actor_id: &actor_id,
                now,
                today,
                paid_outside_through: Month::of(today).prev(),
                review: review(&super::dialect::region("region_code", &region_code)?),
            };
            if matches!(decide(&mut tx, &household, &by).await?, Decided::Made(_)) {
                decided += 1;
            }
        }
        query(
            "UPDATE households SET standing = $1, standing_at = $2 WHERE standing = $3 \
             AND decision_id IS NULL \
             AND EXISTS (SELECT 1 FROM caseload c WHERE c.household_id = households.id) \
             AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.household_id = households.id)",
        )
        .bind(Standing::Listed.code())
        .bind(now)
        .bind(Standing::Applicant.code())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(decided)
    }

    /// A person this roster lists already. The same amount and start date: nothing to do. A
    /// corrected amount or start date (the county's system changed it since it was taken in)
    /// replaces the listing and the household is decided again, unless the household was
    /// decided here (an application's decision in force, or exited or rejected here): a roster
    /// never overrules a decision recorded here, and the report counts it apart for the clerk
    /// to correct through the household's case. A later 生活自理能力, 城乡类别 or 供养方式 is
    /// taken as the roster's latest word (the last two not for a household decided here) and
    /// counted as nothing: they change no amount. A person twice in this file with different
    /// values is refused: which row holds is not for the store to guess.
    async fn listed_again(
        &self,
        tx: &mut super::dialect::Tx<'_>,
        meta: &NewIntake,
        r: &IntakeRow,
        person_key: &str,
        progress: &mut Progress,
        out: &mut IntakeOutcome,
    ) -> Result<Option<RowProblem>, DbError> {
        let again_in_file = progress.again(person_key);
        let row = query(
            "SELECT c.household_id, c.monthly_amount, c.since, c.care_need, h.standing, \
             d.application_id, h.residence, h.support_mode \
             FROM caseload c JOIN households h ON h.id = c.household_id \
             LEFT JOIN decisions d ON d.id = h.decision_id \
             WHERE c.roster = $1 AND c.person_key = $2",
        )
        .bind(meta.roster.code())
        .bind(person_key)
        .fetch_one(&mut *tx)
        .await?;
        type Listed = (
            String,
            Option<i64>,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let (
            household,
            amount,
            since,
            care_need,
            standing,
            application_id,
            residence,
            support_mode,
        ): Listed = row.decode()?;
        let decided_here = application_id.is_some()
            || ![
                Standing::InAssistance,
                Standing::Applicant,
                Standing::Listed,
            ]
            .iter()
            .any(|s| s.code() == standing);
        // 城乡类别 and 供养方式 (what the statistics split by) are an assistance roster's latest
        // word when it gives one (a person moved into a care home, a village became a town),
        // unless the household was decided here: it keeps what its assessment recorded. Twice
        // in this file with different values: refused, as for an amount.
        let new_residence = r
            .residence
            .map(|x| x.code())
            .filter(|x| residence.as_deref() != Some(*x));
        let new_support = r
            .support_mode
            .map(|m| m.code())
            .filter(|m| support_mode.as_deref() != Some(*m));
        if meta.roster.in_assistance()
            && !decided_here
            && (new_residence.is_some() || new_support.is_some())
        {
            if again_in_file {
                return Ok(Some(RowProblem::Duplicate));
            }
            query(
                "UPDATE households SET residence = COALESCE($1, residence), \
                 support_mode = COALESCE($2, support_mode) WHERE id = $3",
            )
            .bind(new_residence)
            .bind(new_support)
            .bind(&household)
            .execute(&mut *tx)
            .await?;
        }
        // 生活自理能力 is the roster's latest word when it gives one (it is assessed again
        // each year); it decides nothing the household is paid. Twice in this file with
        // different values: refused, as for an amount.
        let listed_care = care_need
            .map(|c| self.open(CASELOAD_CARE_NEED, &c))
            .transpose()?;
        let care_changed = r
            .care_need
            .is_some_and(|c| listed_care.as_deref() != Some(c.code()));
        if care_changed {
            if again_in_file {
                return Ok(Some(RowProblem::Duplicate));
            }
            query("UPDATE caseload SET care_need = $1 WHERE roster = $2 AND person_key = $3")
                .bind(r.care_need.map(|c| self.seal(CASELOAD_CARE_NEED, c.code())))
                .bind(meta.roster.code())
                .bind(person_key)
                .execute(&mut *tx)
                .await?;
        }
        if (amount, since.as_str()) == (r.amount_fen, r.since.to_string().as_str()) {
            out.already += 1;
            return Ok(None);
        }
        if again_in_file {
            // Twice in this file with different values: which one holds is not for us to guess.
            return Ok(Some(RowProblem::Duplicate));
        }
        if decided_here {
            out.not_corrected += 1;
            return Ok(None);
        }
        query(
            "UPDATE caseload SET monthly_amount = $1, since = $2, intake_id = $3 \
             WHERE roster = $4 AND person_key = $5",
        )
        .bind(r.amount_fen)
        .bind(r.since.to_string())
        .bind(&meta.id)
        .bind(meta.roster.code())
        .bind(person_key)
        .execute(&mut *tx)
        .await?;
        out.corrected += 1;
        if meta.roster.in_assistance() {
            progress.touched.insert(household);
        }
        Ok(None)
    }

    /// One row inside the intake's transaction.
    async fn intake_row(
        &self,
        tx: &mut super::dialect::Tx<'_>,
        meta: &NewIntake,
        r: &IntakeRow,
        progress: &mut Progress,
        out: &mut IntakeOutcome,
    ) -> Result<Option<RowProblem>, DbError> {
        let head_key = self.id_key(r.head.as_str());
        let person_key = self.id_key(r.id_number.as_str());
        let found = query("SELECT id FROM households WHERE head_id_number = $1")
            .bind(&head_key)
            .fetch_optional(&mut *tx)
            .await?;
        let mut household: Option<String> = found.map(|row| row.get("id")).transpose()?;
        if household.is_none() {
            // The head may be a member of a household headed by someone else.
            let member = query("SELECT household_id FROM persons WHERE id_number = $1")
                .bind(&head_key)
                .fetch_optional(&mut *tx)
                .await?;
            household = member.map(|row| row.get("household_id")).transpose()?;
        }
        let household = match household {
            Some(h) => {
                if progress
                    .made
                    .get(&h)
                    .is_some_and(|village| *village != r.region)
                {
                    return Ok(Some(RowProblem::HouseholdMismatch));
                }
                h
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                query(
                    "INSERT INTO households (id, head_id_number, head_id_sealed, region_code, \
                     created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&id)
                .bind(&head_key)
                .bind(self.seal(ID_SEALED, r.head.as_str()))
                .bind(r.region.as_str())
                .bind(meta.now)
                .execute(&mut *tx)
                .await?;
                query(
                    "INSERT INTO persons (id_number, household_id, region_code) \
                     VALUES ($1, $2, $3) ON CONFLICT (id_number) DO NOTHING",
                )
                .bind(&head_key)
                .bind(&id)
                .bind(r.region.as_str())
                .execute(&mut *tx)
                .await?;
                progress.made.insert(id.clone(), r.region.clone());
                out.households_new += 1;
                id
            }
        };
        let member = query("SELECT household_id FROM persons WHERE id_number = $1")
            .bind(&person_key)
            .fetch_optional(&mut *tx)
            .await?;
        match member
            .map(|row| row.get::<String, _>("household_id"))
            .transpose()?
        {
            Some(other) if other != household => return Ok(Some(RowProblem::OtherHousehold)),
            Some(_) => {}
            None => {
                query(
                    "INSERT INTO persons (id_number, household_id, region_code) \
                     VALUES ($1, $2, $3)",
                )
                .bind(&person_key)
                .bind(&household)
                .bind(r.region.as_str())
                .execute(&mut *tx)
                .await?;
            }
        }
        let listed = query(
            "INSERT INTO caseload (roster, person_key, household_id, person_id, person_name, \
             relation, monthly_amount, since, grade_sealed, detail, intake_id, created_at, \
             address, phone, care_need) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (roster, person_key) DO NOTHING",
        )
        .bind(meta.roster.code())
        .bind(&person_key)
        .bind(&household)
        .bind(self.seal(CASELOAD_ID, r.id_number.as_str()))
        .bind(self.seal(CASELOAD_NAME, &r.name))
        .bind(r.relation.code())
        .bind(r.amount_fen)
        .bind(r.since.to_string())
        .bind(r.grade.map(|g| self.seal(CASELOAD_GRADE, &g.to_string())))
        .bind(self.seal_or_empty(CASELOAD_DETAIL, &r.detail))
        .bind(&meta.id)
        .bind(meta.now)
        .bind(self.seal_or_empty(CASELOAD_ADDRESS, &r.address))
        .bind(self.seal_or_empty(CASELOAD_PHONE, r.phone.as_ref().map_or("", |p| p.as_str())))
        .bind(r.care_need.map(|c| self.seal(CASELOAD_CARE_NEED, c.code())))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if listed == 0 {
            return self
                .listed_again(tx, meta, r, &person_key, progress, out)
                .await;
        }
        progress.again(&person_key);
        self.insert_name_keys(&mut *tx, &household, &r.name).await?;
        out.taken += 1;
        if !progress.made.contains_key(&household) {
            out.merged += 1;
        }
        if meta.roster.in_assistance() {
            query(
                "UPDATE households SET standing = $1, standing_at = $2 \
                 WHERE id = $3 AND standing IN ($4, $5)",
            )
            .bind(Standing::InAssistance.code())
            .bind(china_midnight_ms(r.since))
            .bind(&household)
            // A household this system decided (in assistance, exited or rejected here) keeps
            // its standing: a roster never overrules a decision recorded here.
            .bind(Standing::Applicant.code())
            .bind(Standing::Listed.code())
            .execute(&mut *tx)
            .await?;
        }
        if meta.roster.in_assistance() {
            progress.touched.insert(household.clone());
            // What the statistics split by, when the roster says it; a household decided here
            // keeps what its assessment recorded.
            if r.residence.is_some() || r.support_mode.is_some() {
                query(
                    "UPDATE households SET residence = COALESCE(residence, $1), \
                     support_mode = COALESCE(support_mode, $2) WHERE id = $3",
                )
                .bind(r.residence.map(|x| x.code()))
                .bind(r.support_mode.map(|m| m.code()))
                .bind(&household)
                .execute(&mut *tx)
                .await?;
            }
        } else {
            // Listed, not applying: unless an application or a decision is the household's.
            let listed = query(
                "UPDATE households SET standing = $1, standing_at = $2 WHERE id = $3 \
                 AND standing = $4 AND decision_id IS NULL AND NOT EXISTS \
                 (SELECT 1 FROM applications a WHERE a.household_id = households.id)",
            )
            .bind(Standing::Listed.code())
            .bind(china_midnight_ms(r.since))
            .bind(&household)
            .bind(Standing::Applicant.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            out.listed += i64::try_from(listed).unwrap_or(0);
        }
        if meta.roster == Roster::RelapseWatch {
            query(
                "UPDATE households SET relapse_watch_since = $1 \
                 WHERE id = $2 AND relapse_watch_since IS NULL",
            )
            .bind(r.since.to_string())
            .bind(&household)
            .execute(&mut *tx)
            .await?;
        }
        Ok(None)
    }
}

#[async_trait::async_trait]
impl IntakeStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn intake(
        &self,
        meta: NewIntake,
        mut rows: tokio::sync::mpsc::Receiver<IntakeBatch>,
    ) -> Result<IntakeOutcome, DbError> {
        let mut tx = self.db.begin().await?;
        // The intake's record first: its rows refer to it (its report is written at the end).
        query(
            "INSERT INTO intakes (id, roster, file_hash, file_name, region_code, status, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'done', $6, $7)",
        )
        .bind(&meta.id)
        .bind(meta.roster.code())
        .bind(&meta.file_hash)
        .bind(&meta.file_name)
        .bind(meta.region.as_str())
        .bind(&meta.created_by)
        .bind(meta.now)
        .execute(&mut tx)
        .await?;
        let mut out = IntakeOutcome::default();
        let mut progress = Progress::default();
        loop {
            match rows.recv().await {
                Some(IntakeBatch::Rows(batch)) => {
                    for (line, r) in batch {
                        if let Some(p) = self
                            .intake_row(&mut tx, &meta, &r, &mut progress, &mut out)
                            .await?
                        {
                            out.refused.push((line, p));
                        }
                    }
                }
                Some(IntakeBatch::End) => {
                    // Each household with someone newly listed holds the decision all its
                    // listings make.
                    let by = DecidedBy {
                        intake_id: &meta.id,
                        actor_id: &meta.created_by,
                        now: meta.now,
                        today: meta.today,
                        paid_outside_through: meta.paid_outside_through,
                        review: meta.review,
                    };
                    for household in &progress.touched {
                        match decide(&mut tx, household, &by).await? {
                            Decided::Made(category) => {
                                out.decided += 1;
                                match out
                                    .decided_by_category
                                    .iter_mut()
                                    .find(|(c, _)| *c == category)
                                {
                                    Some((_, n)) => *n += 1,
                                    None => out.decided_by_category.push((category, 1)),
                                }
                            }
                            Decided::Kept => out.decisions_kept += 1,
                            Decided::Unchanged | Decided::Nothing => {}
                        }
                    }
                    break;
                }
                // The reader refused the file, or stopped: nothing is kept.
                Some(IntakeBatch::Abort) | None => {
                    tx.rollback().await?;
                    return Err(DbError::Conflict("intake_aborted"));
                }
            }
        }
        if meta.check {
            // A check: the report is what an intake would do; nothing of it stays.
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn record_intake(
        &self,
        meta: &NewIntake,
        refused: bool,
        rows_read: i64,
        taken: i64,
        report_json: &str,
    ) -> Result<(), DbError> {
        // A refused file has no row yet (its transaction was rolled back).
        query(
            "INSERT INTO intakes (id, roster, file_hash, file_name, region_code, status, \
             rows_read, taken, report, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET rows_read = $7, taken = $8, report = $9",
        )
        .bind(&meta.id)
        .bind(meta.roster.code())
        .bind(&meta.file_hash)
        .bind(&meta.file_name)
        .bind(meta.region.as_str())
        .bind(if refused { "refused" } else { "done" })
        .bind(rows_read)
        .bind(taken)
        .bind(report_json)
        .bind(&meta.created_by)
        .bind(meta.now)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn intakes_in(
        &self,
        region: &RegionCode,
    ) -> Result<Vec<(String, Roster, String, String, Millis)>, DbError> {
        let rows = query(
            "SELECT id, roster, file_name, report, created_at FROM intakes \
             WHERE region_code LIKE $1 ORDER BY created_at DESC, id LIMIT 50",
        )
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r: &Row| {
                let roster: String = r.get("roster")?;
                Ok((
                    r.get("id")?,
                    code("roster", &roster)?,
                    r.get("file_name")?,
                    r.get("report")?,
                    r.get("created_at")?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn caseload_of(&self, household_id: &str) -> Result<Vec<CaseloadRecord>, DbError> {
        let rows = query(
            "SELECT roster, person_id, person_name, relation, monthly_amount, since, grade, \
             grade_sealed, detail, address, phone, created_at, care_need FROM caseload \
             WHERE household_id = $1 \
             ORDER BY since, roster",
        )
        .bind(household_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r: &Row| {
                let roster: String = r.get("roster")?;
                let relation: String = r.get("relation")?;
                let since: String = r.get("since")?;
                let detail: String = r.get("detail")?;
                let care_need: Option<String> = r.get("care_need")?;
                Ok(CaseloadRecord {
                    roster: code("roster", &roster)?,
                    name: self.open(CASELOAD_NAME, &r.get::<String, _>("person_name")?)?,
                    id_number: self.open(CASELOAD_ID, &r.get::<String, _>("person_id")?)?,
                    relation: code("relation", &relation)?,
                    monthly_amount_fen: r.get("monthly_amount")?,
                    since: day("since", &since)?,
                    grade: self.caseload_grade(r.get("grade")?, r.get("grade_sealed")?)?,
                    detail: self.cipher.open_or_empty(CASELOAD_DETAIL, &detail)?,
                    address: self
                        .cipher
                        .open_or_empty(CASELOAD_ADDRESS, &r.get::<String, _>("address")?)?,
                    phone: self
                        .cipher
                        .open_or_empty(CASELOAD_PHONE, &r.get::<String, _>("phone")?)?,
                    created_at: r.get("created_at")?,
                    care_need: code_opt(
                        "care_need",
                        care_need
                            .map(|c| self.open(CASELOAD_CARE_NEED, &c))
                            .transpose()?
                            .as_deref(),
                    )?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn intake_decision_of(
        &self,
        household_id: &str,
    ) -> Result<Option<IntakeDecisionRecord>, DbError> {
        let row = query(
            "SELECT d.category, d.monthly_amount, d.effective_from, d.decided_at, i.roster, \
             i.file_name FROM households h JOIN decisions d ON d.id = h.decision_id \
             JOIN intakes i ON i.id = d.intake_id WHERE h.id = $1",
        )
        .bind(household_id)
        .fetch_optional(&self.db)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        type Made = (String, i64, String, Millis, String, String);
        let (category, amount, from, decided_at, roster, file_name): Made = r.decode()?;
        Ok(Some(IntakeDecisionRecord {
            category: code("category", &category)?,
            monthly_amount_fen: amount,
            effective_from: day("effective_from", &from)?,
            decided_at,
            roster: code("roster", &roster)?,
            file_name,
        }))
    }
}
