//! A resident's draft, its submission as an application, the application's life as the resident sees it, and its attachments.

use super::dialect::{code, help_codes, query, region, region_opt, Row, Target, Tx};
use super::parameters::{insert_assessment, SealedAssessment};
use super::sealed::{
    declaration_keys, insert_keys, DECLARATION, DRAFT_DATA, ID_SEALED, INFO_ANSWER, INFO_QUESTION,
    TIMELINE_NOTE,
};
use super::SqlStore;
use crate::crypto::FieldCipher;
use app::domain::declaration::AttachmentMeta;
use app::domain::id_number::IdNumber;
use app::domain::region::RegionCode;
use app::domain::status::{
    application_number, ApplicationStatus, ApplicationSummary, TimelineEvent, TimelineKind,
};
use app::store::*;

pub(super) const ATTACHMENT_COLUMNS: &str =
    "a.id, a.kind, a.file_name, a.mime, a.size, a.created_at";

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    number: String,
    status: String,
    submitted_at: Millis,
    updated_at: Millis,
}

impl TryFrom<SummaryRow> for ApplicationSummary {
    type Error = DbError;
    fn try_from(r: SummaryRow) -> Result<Self, DbError> {
        Ok(ApplicationSummary {
            number: r.number,
            status: code("status", &r.status)?,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
        })
    }
}

pub(super) fn summary_from_row(r: &Row) -> Result<ApplicationSummary, DbError> {
    r.to::<SummaryRow, _>()
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: String,
    kind: String,
    file_name: String,
    mime: String,
    size: i64,
    created_at: Millis,
}

impl TryFrom<AttachmentRow> for AttachmentMeta {
    type Error = DbError;
    fn try_from(r: AttachmentRow) -> Result<Self, DbError> {
        Ok(AttachmentMeta {
            id: r.id,
            kind: code("kind", &r.kind)?,
            file_name: r.file_name,
            mime: r.mime,
            size: r.size,
            created_at: r.created_at,
        })
    }
}

pub(super) fn attachment_from_row(r: &Row) -> Result<AttachmentMeta, DbError> {
    r.to::<AttachmentRow, _>()
}

#[derive(sqlx::FromRow)]
struct EventRow {
    kind: String,
    status: String,
    note: String,
    at: Millis,
}

impl TryFrom<EventRow> for TimelineEvent {
    type Error = DbError;
    fn try_from(r: EventRow) -> Result<Self, DbError> {
        Ok(TimelineEvent {
            kind: code("kind", &r.kind)?,
            status: code("status", &r.status)?,
            note: r.note,
            at: r.at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    id: String,
    data: String,
    version: i64,
    updated_at: Millis,
}

impl From<DraftRow> for StoredDraft {
    fn from(r: DraftRow) -> Self {
        StoredDraft {
            id: r.id,
            data: r.data,
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: String,
    #[sqlx(flatten)]
    summary: SummaryRow,
    owner_id: String,
    draft_id: String,
    region_code: String,
    declaration: String,
    consent_charity: bool,
    consent_text_version: String,
    household_id: Option<String>,
    head_change: bool,
}

#[derive(sqlx::FromRow)]
struct AttachmentWithOwnerRow {
    #[sqlx(flatten)]
    meta: AttachmentRow,
    owner_id: String,
    content_hash: String,
    region_code: Option<String>,
}

impl TryFrom<AttachmentWithOwnerRow> for AttachmentRecord {
    type Error = DbError;
    fn try_from(r: AttachmentWithOwnerRow) -> Result<Self, DbError> {
        Ok(AttachmentRecord {
            meta: r.meta.try_into()?,
            owner_id: r.owner_id,
            content_hash: r.content_hash,
            region_code: region_opt("region_code", r.region_code.as_deref())?,
        })
    }
}

/// Claims an application's row for the rest of the transaction; returns its id and status.
pub(super) async fn claim_application(
    tx: &mut Tx<'_>,
    number: &str,
    now: Millis,
) -> Result<(String, ApplicationStatus), DbError> {
    let n = query("UPDATE applications SET updated_at = $1 WHERE number = $2")
        .bind(now)
        .bind(number)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(DbError::NotFound);
    }
    let row = query("SELECT id, status FROM applications WHERE number = $1")
        .bind(number)
        .fetch_one(&mut *tx)
        .await?;
    let (id, status): (String, String) = row.decode()?;
    Ok((id, code("status", &status)?))
}

#[allow(
    clippy::too_many_arguments,
    reason = "one line of an application's timeline: each argument is one of its columns"
)]
pub(super) async fn add_event<'c, E>(
    ex: E,
    cipher: &FieldCipher,
    application_id: &str,
    kind: TimelineKind,
    status: ApplicationStatus,
    actor_id: &str,
    note: &str,
    at: Millis,
) -> Result<(), DbError>
where
    E: Into<Target<'c>>,
{
    query(
        "INSERT INTO application_events (application_id, kind, status, actor_id, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(application_id)
    .bind(kind.code())
    .bind(status.code())
    .bind(actor_id)
    .bind(cipher.seal(TIMELINE_NOTE, note))
    .bind(at)
    .execute(ex)
    .await?;
    Ok(())
}

/// The household of a head's ID number, opened in `region` when there is none (a
/// concurrent opening of the same household waits and then finds it). With
/// `follow_region`, a household that moved is filed under its new region.
pub(super) async fn household_for(
    tx: &mut Tx<'_>,
    cipher: &FieldCipher,
    head: &IdNumber,
    region: &RegionCode,
    follow_region: bool,
    now: Millis,
) -> Result<String, DbError> {
    let head_id_number = cipher.id_key(head.as_str());
    query(
        "INSERT INTO households (id, head_id_number, head_id_sealed, region_code, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (head_id_number) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&head_id_number)
    .bind(cipher.seal(ID_SEALED, head.as_str()))
    .bind(region)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if follow_region {
        query("UPDATE households SET region_code = $1 WHERE head_id_number = $2")
            .bind(region)
            .bind(&head_id_number)
            .execute(&mut *tx)
            .await?;
    }
    let r = query("SELECT id FROM households WHERE head_id_number = $1")
        .bind(&head_id_number)
        .fetch_one(&mut *tx)
        .await?;
    let id: String = r.get("id")?;
    // The head with the household's region (a move above reached the household's persons by
    // trigger: migration 0028).
    query(
        "INSERT INTO persons (id_number, household_id, region_code) \
         SELECT $1, id, region_code FROM households WHERE id = $2 \
         ON CONFLICT (id_number) DO NOTHING",
    )
    .bind(&head_id_number)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

#[async_trait::async_trait]
impl DeclarationStore for SqlStore {
    #[tracing::instrument(skip(self, initial_data))]
    async fn current_draft(
        &self,
        owner_id: &str,
        initial_data: &str,
        now: Millis,
    ) -> Result<StoredDraft, DbError> {
        const CURRENT: &str = "SELECT id, data, version, updated_at FROM drafts WHERE owner_id = \
            $1 AND submitted = FALSE";
        // Most loads find the draft the resident is filling in: a read, no writer's turn.
        let r = match query(CURRENT)
            .bind(owner_id)
            .fetch_optional(&self.db)
            .await?
        {
            Some(r) => r,
            None => {
                // One unsubmitted draft per account (a unique index): a concurrent load that
                // opened it first wins, and both read the same draft.
                let opened = query(
                    "INSERT INTO drafts (id, owner_id, data, version, created_at, updated_at, \
                     submitted) VALUES ($1, $2, $3, 1, $4, $4, FALSE) ON CONFLICT DO NOTHING \
                     RETURNING id, data, version, updated_at",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(owner_id)
                .bind(self.seal(DRAFT_DATA, initial_data))
                .bind(now)
                .fetch_optional(&self.db)
                .await?;
                match opened {
                    Some(r) => r,
                    None => query(CURRENT).bind(owner_id).fetch_one(&self.db).await?,
                }
            }
        };
        let mut draft: StoredDraft = r.decode::<DraftRow>()?.into();
        draft.data = self.open(DRAFT_DATA, &draft.data)?;
        Ok(draft)
    }

    #[tracing::instrument(skip(self, data))]
    async fn save_draft(
        &self,
        owner_id: &str,
        draft_id: &str,
        data: &str,
        now: Millis,
    ) -> Result<i64, DbError> {
        let row = query(
            "UPDATE drafts SET data = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND owner_id = $4 AND submitted = FALSE RETURNING version",
        )
        .bind(self.seal(DRAFT_DATA, data))
        .bind(now)
        .bind(draft_id)
        .bind(owner_id)
        .fetch_optional(&self.db)
        .await?;
        if let Some(r) = row {
            return r.get("version");
        }
        let submitted = query("SELECT 1 AS one FROM drafts WHERE id = $1 AND owner_id = $2")
            .bind(draft_id)
            .bind(owner_id)
            .fetch_optional(&self.db)
            .await?;
        Err(if submitted.is_some() {
            DbError::Conflict("draft_submitted")
        } else {
            DbError::NotFound
        })
    }

    #[tracing::instrument(skip(self, s), fields(draft = %s.draft_id))]
    async fn submit_application(&self, s: Submission) -> Result<SubmitOutcome, DbError> {
        // Sealed and digested before the transaction: the writers' turn is held for the
        // statements alone.
        let head_key = self.id_key(s.head_id_number.as_str());
        let declaration_sealed = self.seal(DECLARATION, &s.declaration_json);
        let head_sealed = self.seal(ID_SEALED, s.head_id_number.as_str());
        let keys = declaration_keys(&self.cipher, &s.declaration_json);
        let members: Vec<(String, String)> = s
            .member_id_numbers
            .iter()
            .map(|id| (self.id_key(id.as_str()), self.seal(ID_SEALED, id.as_str())))
            .collect();
        let members = serde_json::to_string(&members).map_err(|e| DbError::Other(e.to_string()))?;
        let assessment = SealedAssessment::new(&self.cipher, &s.assessment);
        let mut tx = self.db.begin().await?;
        // The draft claimed (a second submission of it waits here on PostgreSQL) and marked
        // submitted at once; if it already was, the transaction is rolled back below. The
        // application holds the declaration from now on: the draft keeps no second copy of
        // the household's personal data (its attachments stay, now the application's).
        let claimed = query(
            "UPDATE drafts SET submitted = TRUE, data = '', version = version + 1, \
             updated_at = $3 WHERE id = $1 AND owner_id = $2",
        )
        .bind(&s.draft_id)
        .bind(&s.owner_id)
        .bind(s.now)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Err(DbError::NotFound);
        }
        let existing = query(
            "SELECT number, status, submitted_at, updated_at FROM applications WHERE draft_id = $1",
        )
        .bind(&s.draft_id)
        .fetch_optional(&mut tx)
        .await?;
        if let Some(r) = existing {
            let summary = summary_from_row(&r)?;
            tx.rollback().await?;
            return Ok(SubmitOutcome::AlreadySubmitted(summary));
        }
        let seq_row = query(
            "INSERT INTO application_counters (year, last_seq) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last_seq = application_counters.last_seq + 1 \
             RETURNING last_seq",
        )
        .bind(s.year)
        .fetch_one(&mut tx)
        .await?;
        let seq: i64 = seq_row.get("last_seq")?;
        let number = application_number(s.year, seq);
        let app_id = uuid::Uuid::new_v4().to_string();
        // The account is bound to the first head it declares; another head waits for a
        // caseworker's confirmation at acceptance.
        let bound_now = || query("SELECT bound_head_id_number FROM users WHERE id = $1");
        let mut bound: Option<String> = bound_now()
            .bind(&s.owner_id)
            .fetch_one(&mut tx)
            .await?
            .get("bound_head_id_number")?;
        if bound.is_none() {
            // (A concurrent first submission of this account may bind it first.)
            query(
                "UPDATE users SET bound_head_id_number = $1 WHERE id = $2 AND \
                 bound_head_id_number IS NULL",
            )
            .bind(&head_key)
            .bind(&s.owner_id)
            .execute(&mut tx)
            .await?;
            bound = bound_now()
                .bind(&s.owner_id)
                .fetch_one(&mut tx)
                .await?
                .get("bound_head_id_number")?;
        }
        let head_change = bound.as_deref() != Some(head_key.as_str());
        // No household file, person or region changes here (see `Submission`).
        query(
            "INSERT INTO applications (id, number, owner_id, draft_id, region_code, status, \
                declaration, \
               consent_charity, consent_text_version, submitted_at, updated_at, help, \
               head_id_number, head_id_sealed, monthly_income, head_change, lost_labour) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&app_id)
        .bind(&number)
        .bind(&s.owner_id)
        .bind(&s.draft_id)
        .bind(&s.region_code)
        .bind(ApplicationStatus::Submitted.code())
        .bind(&declaration_sealed)
        .bind(s.consent_charity)
        .bind(&s.consent_text_version)
        .bind(s.now)
        .bind(help_codes(&s.help))
        .bind(&head_key)
        .bind(&head_sealed)
        .bind(s.monthly_income)
        .bind(head_change)
        .bind(s.lost_labour)
        .execute(&mut tx)
        .await?;
        insert_keys(&mut tx, &app_id, &keys).await?;
        let d = tx.dialect();
        query(&format!(
            "INSERT INTO application_members (application_id, id_number, id_sealed) \
             SELECT $2, {}, {} FROM {} WHERE TRUE ON CONFLICT DO NOTHING",
            d.json_field(0, false),
            d.json_field(1, false),
            d.json_rows(),
        ))
        .bind(&members)
        .bind(&app_id)
        .execute(&mut tx)
        .await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::Submitted,
            ApplicationStatus::Submitted,
            &s.owner_id,
            "",
            s.now,
        )
        .await?;
        insert_assessment(
            &mut tx,
            &app_id,
            "submission",
            &assessment,
            &s.owner_id,
            s.now,
        )
        .await?;
        query(
            "INSERT INTO consents (user_id, application_id, kind, granted, text_version, at) \
                VALUES ($1, $2, 'verification', TRUE, $4, $5), \
                ($1, $2, 'charity_sharing', $3, $4, $5)",
        )
        .bind(&s.owner_id)
        .bind(&app_id)
        .bind(s.consent_charity)
        .bind(&s.consent_text_version)
        .bind(s.now)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(SubmitOutcome::Created(ApplicationSummary {
            number,
            status: ApplicationStatus::Submitted,
            submitted_at: s.now,
            updated_at: s.now,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn applications_of(&self, owner_id: &str) -> Result<Vec<ApplicationSummary>, DbError> {
        let rows = query(
            "SELECT number, status, submitted_at, updated_at FROM applications WHERE owner_id = \
                $1 ORDER BY submitted_at DESC",
        )
        .bind(owner_id)
        .fetch_all(&self.db)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(summary_from_row(&r)?);
        }
        Ok(out)
    }

    #[tracing::instrument(skip(self))]
    async fn application(&self, number: &str) -> Result<Option<ApplicationRecord>, DbError> {
        let Some(r) = query(
            "SELECT id, number, status, submitted_at, updated_at, owner_id, draft_id, \
                region_code, declaration, \
               consent_charity, consent_text_version, household_id, head_change FROM applications \
               WHERE number = $1",
        )
        .bind(number)
        .fetch_optional(&self.db)
        .await?
        else {
            return Ok(None);
        };
        let r: ApplicationRow = r.decode()?;
        let events = query(
            "SELECT kind, status, note, at FROM application_events WHERE \
            application_id = $1 ORDER BY id",
        )
        .bind(&r.id)
        .fetch_all(&self.db)
        .await?;
        let mut events: Vec<TimelineEvent> = events
            .iter()
            .map(Row::to::<EventRow, _>)
            .collect::<Result<_, _>>()?;
        for e in &mut events {
            e.note = self.open(TIMELINE_NOTE, &e.note)?;
        }
        let open = query(
            "SELECT id, question FROM info_requests WHERE application_id = $1 AND answer IS NULL \
                ORDER BY id DESC LIMIT 1",
        )
        .bind(&r.id)
        .fetch_optional(&self.db)
        .await?;
        Ok(Some(ApplicationRecord {
            summary: r.summary.try_into()?,
            owner_id: r.owner_id,
            draft_id: r.draft_id,
            region_code: region("region_code", &r.region_code)?,
            declaration_json: self.open(DECLARATION, &r.declaration)?,
            consent_charity: r.consent_charity,
            consent_text_version: r.consent_text_version,
            events,
            open_info_request: open
                .as_ref()
                .map(Row::decode::<(i64, String)>)
                .transpose()?
                .map(|(id, q)| Ok::<_, DbError>((id, self.open(INFO_QUESTION, &q)?)))
                .transpose()?,
            household_id: r.household_id,
            head_change: r.head_change,
        }))
    }

    #[tracing::instrument(skip(self, note))]
    async fn change_status(
        &self,
        number: &str,
        from: &[ApplicationStatus],
        to: ApplicationStatus,
        actor_id: &str,
        note: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        if to == ApplicationStatus::Accepted {
            // One way in, where the declaration reaches the household file.
            return Err(DbError::Other(
                "acceptance goes through accept_application".into(),
            ));
        }
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        if !from.contains(&status) {
            return Err(DbError::Conflict("status"));
        }
        query("UPDATE applications SET status = $1 WHERE id = $2")
            .bind(to.code())
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        let kind = if to == ApplicationStatus::Withdrawn {
            TimelineKind::Withdrawn
        } else {
            TimelineKind::StatusChanged
        };
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            kind,
            to,
            actor_id,
            note,
            now,
        )
        .await?;
        if to == ApplicationStatus::Rejected {
            // Kept in the low-income database as rejected (monitored, searchable), unless in assistance already.
            query(
                "UPDATE households SET standing = 'rejected', standing_at = $1 \
                 WHERE id = (SELECT household_id FROM applications WHERE id = $2) AND standing <> \
                 'in_assistance'",
            )
            .bind(now)
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        }
        if !to.is_open() {
            query("DELETE FROM open_application_members WHERE application_id = $1")
                .bind(&app_id)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, question))]
    async fn request_info(
        &self,
        number: &str,
        actor_id: &str,
        question: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        if !matches!(
            status,
            ApplicationStatus::Submitted
                | ApplicationStatus::Accepted
                | ApplicationStatus::Visiting
                | ApplicationStatus::Reviewing
        ) {
            return Err(DbError::Conflict("status"));
        }
        query(
            "INSERT INTO info_requests (application_id, question, asked_by, asked_at) VALUES \
            ($1, $2, $3, $4)",
        )
        .bind(&app_id)
        .bind(self.seal(INFO_QUESTION, question))
        .bind(actor_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        query("UPDATE applications SET status = $1 WHERE id = $2")
            .bind(ApplicationStatus::InfoRequested.code())
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::InfoRequested,
            ApplicationStatus::InfoRequested,
            actor_id,
            question,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, answer))]
    async fn answer_info_request(
        &self,
        number: &str,
        actor_id: &str,
        answer: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        if status != ApplicationStatus::InfoRequested {
            return Err(DbError::Conflict("no_open_request"));
        }
        let n = query(
            "UPDATE info_requests SET answer = $1, answered_at = $2 WHERE \
            application_id = $3 AND answer IS NULL",
        )
        .bind(self.seal(INFO_ANSWER, answer))
        .bind(now)
        .bind(&app_id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DbError::Conflict("no_open_request"));
        }
        // Back to the caseworker: accepted again if it had been, otherwise still to accept.
        let accepted: Option<String> = query("SELECT household_id FROM applications WHERE id = $1")
            .bind(&app_id)
            .fetch_one(&mut tx)
            .await?
            .get("household_id")?;
        let back = if accepted.is_some() {
            ApplicationStatus::Accepted
        } else {
            ApplicationStatus::Submitted
        };
        query("UPDATE applications SET status = $1 WHERE id = $2")
            .bind(back.code())
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::InfoAnswered,
            back,
            actor_id,
            answer,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn set_charity_consent(
        &self,
        number: &str,
        actor_id: &str,
        granted: bool,
        text_version: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let (app_id, status) = claim_application(&mut tx, number, now).await?;
        query(
            "INSERT INTO consents (user_id, application_id, kind, granted, text_version, at) \
            VALUES ($1, $2, 'charity_sharing', $3, $4, $5)",
        )
        .bind(actor_id)
        .bind(&app_id)
        .bind(granted)
        .bind(text_version)
        .bind(now)
        .execute(&mut tx)
        .await?;
        query("UPDATE applications SET consent_charity = $1 WHERE id = $2")
            .bind(granted)
            .bind(&app_id)
            .execute(&mut tx)
            .await?;
        let note = if granted { "granted" } else { "withdrawn" };
        add_event(
            &mut tx,
            &self.cipher,
            &app_id,
            TimelineKind::ConsentChanged,
            status,
            actor_id,
            note,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, a), fields(draft = %a.draft_id))]
    async fn add_attachment(&self, a: NewAttachment) -> Result<AttachmentMeta, DbError> {
        let mut tx = self.db.begin().await?;
        let claimed = query(
            "UPDATE drafts SET updated_at = $1 WHERE id = $2 AND owner_id = $3 \
            AND submitted = FALSE",
        )
        .bind(a.now)
        .bind(&a.draft_id)
        .bind(&a.owner_id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Err(DbError::NotFound);
        }
        let count_row = query("SELECT COUNT(*) AS n FROM attachments WHERE draft_id = $1")
            .bind(&a.draft_id)
            .fetch_one(&mut tx)
            .await?;
        let count: i64 = count_row.get("n")?;
        if count >= app::domain::declaration::MAX_ATTACHMENTS as i64 {
            return Err(DbError::Conflict("too_many_attachments"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        query(
            "INSERT INTO attachments (id, owner_id, draft_id, kind, file_name, content_hash, \
                mime, size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&a.owner_id)
        .bind(&a.draft_id)
        .bind(a.kind.code())
        .bind(&a.file_name)
        .bind(&a.content_hash)
        .bind(&a.mime)
        .bind(a.size)
        .bind(a.now)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(AttachmentMeta {
            id,
            kind: a.kind,
            file_name: a.file_name,
            mime: a.mime,
            size: a.size,
            created_at: a.now,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn attachments_of_draft(&self, draft_id: &str) -> Result<Vec<AttachmentMeta>, DbError> {
        let rows = query(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE \
            a.draft_id = $1 ORDER BY a.created_at, a.id"
        ))
        .bind(draft_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn attachment(&self, id: &str) -> Result<Option<AttachmentRecord>, DbError> {
        let row = query(&format!(
            "SELECT {ATTACHMENT_COLUMNS}, a.owner_id, a.content_hash, ap.region_code FROM \
                attachments a \
             LEFT JOIN applications ap ON ap.draft_id = a.draft_id WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        row.as_ref()
            .map(Row::to::<AttachmentWithOwnerRow, _>)
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn delete_attachment(&self, owner_id: &str, id: &str) -> Result<(), DbError> {
        let n = query(
            "DELETE FROM attachments WHERE id = $1 AND owner_id = $2 \
             AND draft_id IN (SELECT id FROM drafts WHERE submitted = FALSE)",
        )
        .bind(id)
        .bind(owner_id)
        .execute(&self.db)
        .await?
        .rows_affected();
        if n == 0 {
            Err(DbError::NotFound)
        } else {
            Ok(())
        }
    }
}
