//! 投诉举报: complaints sealed at rest, handled by one person at a time, answered once, moved
//! up a level when overdue. Every change is one conditional statement (two handlers at once:
//! one wins, the other is told why).

use super::dialect::{code, code_opt, day, query, region, region_opt, within, Row};
use super::sealed::{
    COMPLAINT_BODY, COMPLAINT_FILER_NAME, COMPLAINT_FILER_PHONE, COMPLAINT_FILE_NAME,
    COMPLAINT_NOTE, COMPLAINT_PERSON, COMPLAINT_REPLY, COMPLAINT_SUBJECT,
};
use super::SqlStore;
use app::domain::region::RegionCode;
use app::store::*;

const COLUMNS: &str = "c.id, c.tracking, c.code_hash, c.kind, c.region_code, c.handling_region, \
    a.number AS application_number, c.staff_office, c.subject, c.person_id, c.body, c.filer_name, \
    c.filer_phone, c.filer_user, c.state, c.due_on, c.escalations, c.assigned_to, c.outcome, \
    c.reply, c.created_at, c.answered_at";

const FROM: &str = "complaints c LEFT JOIN applications a ON a.id = c.application_id";

impl SqlStore {
    fn complaint_of_row(&self, r: &Row) -> Result<ComplaintRecord, DbError> {
        let opened = |column: &str, name: &str| -> Result<String, DbError> {
            let stored: String = r.get(name)?;
            if stored.is_empty() {
                Ok(String::new())
            } else {
                self.open(column, &stored)
            }
        };
        let kind: String = r.get("kind")?;
        let state: String = r.get("state")?;
        let outcome: Option<String> = r.get("outcome")?;
        let raw_region: String = r.get("region_code")?;
        let raw_handling: String = r.get("handling_region")?;
        let office: Option<String> = r.get("staff_office")?;
        let due: String = r.get("due_on")?;
        Ok(ComplaintRecord {
            id: r.get("id")?,
            tracking: r.get("tracking")?,
            code_hash: r.get("code_hash")?,
            kind: code("kind", &kind)?,
            region: region("region_code", &raw_region)?,
            handling_region: region("handling_region", &raw_handling)?,
            application_number: r.get("application_number")?,
            staff_office: region_opt("staff_office", office.as_deref())?,
            subject: opened(COMPLAINT_SUBJECT, "subject")?,
            person_id: opened(COMPLAINT_PERSON, "person_id")?,
            body: opened(COMPLAINT_BODY, "body")?,
            filer_name: opened(COMPLAINT_FILER_NAME, "filer_name")?,
            filer_phone: opened(COMPLAINT_FILER_PHONE, "filer_phone")?,
            filer_user: r.get("filer_user")?,
            state: code("state", &state)?,
            due_on: day("due_on", &due)?,
            escalations: r.get("escalations")?,
            assigned_to: r.get("assigned_to")?,
            outcome: code_opt("outcome", outcome.as_deref())?,
            reply: opened(COMPLAINT_REPLY, "reply")?,
            created_at: r.get("created_at")?,
            answered_at: r.get("answered_at")?,
        })
    }

    fn complaint_file_of_row(&self, r: &Row) -> Result<ComplaintFile, DbError> {
        let name: String = r.get("file_name")?;
        Ok(ComplaintFile {
            id: r.get("id")?,
            complaint_id: r.get("complaint_id")?,
            file_name: self.open(COMPLAINT_FILE_NAME, &name)?,
            content_hash: r.get("content_hash")?,
            mime: r.get("mime")?,
            size: r.get("size")?,
        })
    }

    /// Seals `plain`, or keeps it empty (an empty field says "not given" without a cipher).
    pub(super) fn seal_or_empty(&self, column: &str, plain: &str) -> String {
        if plain.is_empty() {
            String::new()
        } else {
            self.seal(column, plain)
        }
    }

    async fn complaints_where(
        &self,
        condition: &str,
        bind: &str,
    ) -> Result<Vec<ComplaintRecord>, DbError> {
        let rows = query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE {condition}"))
            .bind(bind)
            .fetch_all(&self.db)
            .await?;
        rows.iter().map(|r| self.complaint_of_row(r)).collect()
    }

    /// Why a change to complaint `id` by `actor` did not apply.
    async fn complaint_conflict(&self, id: &str, actor: &str) -> DbError {
        match self.complaint(id).await {
            Ok(None) => DbError::NotFound,
            Ok(Some(c)) if c.state == ComplaintState::Answered => {
                DbError::Conflict("complaint_answered")
            }
            Ok(Some(c)) if c.assigned_to.as_deref() != Some(actor) => {
                DbError::Conflict("complaint_not_yours")
            }
            Ok(Some(_)) => DbError::Conflict("complaint_changed"),
            Err(e) => e,
        }
    }

    async fn complaint_step(
        &self,
        tx: &mut super::dialect::Tx<'_>,
        id: &str,
        kind: &str,
        author: Option<&str>,
        body: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        query(
            "INSERT INTO complaint_notes (complaint_id, kind, author, body, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(kind)
        .bind(author)
        .bind(self.seal_or_empty(COMPLAINT_NOTE, body))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl ComplaintStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn add_complaint(&self, c: NewComplaint) -> Result<(), DbError> {
        let done = query(
            "INSERT INTO complaints (id, tracking, code_hash, kind, region_code, handling_region, \
             application_id, staff_office, subject, person_id, body, filer_name, filer_phone, \
             filer_user, filed_from, question_nonce, state, due_on, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             'received', $17, $18, $18)",
        )
        .bind(&c.id)
        .bind(&c.tracking)
        .bind(&c.code_hash)
        .bind(c.kind.code())
        .bind(c.region.as_str())
        .bind(c.handling_region.as_str())
        .bind(c.application_id.as_deref())
        .bind(c.staff_office.as_ref().map(|o| o.as_str()))
        .bind(self.seal_or_empty(COMPLAINT_SUBJECT, &c.subject))
        .bind(self.seal_or_empty(
            COMPLAINT_PERSON,
            c.person_id.as_ref().map_or("", |p| p.as_str()),
        ))
        .bind(self.seal(COMPLAINT_BODY, &c.body))
        .bind(self.seal_or_empty(COMPLAINT_FILER_NAME, &c.filer_name))
        .bind(self.seal_or_empty(COMPLAINT_FILER_PHONE, &c.filer_phone))
        .bind(c.filer_user.as_deref())
        .bind(&c.filed_from)
        .bind(&c.question_nonce)
        .bind(c.due_on.to_string())
        .bind(c.now)
        .execute_raw(&self.db)
        .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) if super::is_unique_violation(&e) => Err(DbError::Conflict("question_used")),
            Err(e) => Err(super::db_err(e)),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn complaints_filed_since(
        &self,
        filed_from: &str,
        since: Millis,
    ) -> Result<i64, DbError> {
        let r = query(
            "SELECT COUNT(*) AS n FROM complaints WHERE filed_from = $1 AND created_at >= $2",
        )
        .bind(filed_from)
        .bind(since)
        .fetch_one(&self.db)
        .await?;
        r.get("n")
    }

    #[tracing::instrument(skip_all)]
    async fn complaint_by_tracking(
        &self,
        tracking: &str,
    ) -> Result<Option<ComplaintRecord>, DbError> {
        Ok(self
            .complaints_where("c.tracking = $1", tracking)
            .await?
            .into_iter()
            .next())
    }

    #[tracing::instrument(skip_all)]
    async fn complaint(&self, id: &str) -> Result<Option<ComplaintRecord>, DbError> {
        Ok(self
            .complaints_where("c.id = $1", id)
            .await?
            .into_iter()
            .next())
    }

    #[tracing::instrument(skip_all)]
    async fn complaints_in(
        &self,
        region: &RegionCode,
        with_answered: bool,
    ) -> Result<Vec<ComplaintRecord>, DbError> {
        let open = if with_answered {
            ""
        } else {
            " AND c.state <> 'answered'"
        };
        self.complaints_where(
            &format!("c.handling_region LIKE $1{open} ORDER BY c.due_on, c.created_at LIMIT 500"),
            &within(region),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn complaints_about(&self, number: &str) -> Result<Vec<ComplaintRecord>, DbError> {
        self.complaints_where("a.number = $1 ORDER BY c.created_at", number)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn complaint_notes(&self, id: &str) -> Result<Vec<ComplaintNote>, DbError> {
        let rows = query(
            "SELECT kind, author, body, at FROM complaint_notes WHERE complaint_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.get("body")?;
                Ok(ComplaintNote {
                    kind: r.get("kind")?,
                    author: r.get("author")?,
                    body: if body.is_empty() {
                        body
                    } else {
                        self.open(COMPLAINT_NOTE, &body)?
                    },
                    at: r.get("at")?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn assign_complaint(
        &self,
        id: &str,
        handler: &str,
        actor: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let done = query(
            "UPDATE complaints SET assigned_to = $1, state = 'investigating', updated_at = $2 \
             WHERE id = $3 AND state <> 'answered'",
        )
        .bind(handler)
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if done != 1 {
            drop(tx);
            return Err(match self.complaint(id).await? {
                None => DbError::NotFound,
                Some(_) => DbError::Conflict("complaint_answered"),
            });
        }
        self.complaint_step(&mut tx, id, "assigned", Some(actor), handler, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn add_complaint_note(
        &self,
        id: &str,
        actor: &str,
        body: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let done = query(
            "UPDATE complaints SET updated_at = $1 WHERE id = $2 AND assigned_to = $3 \
             AND state = 'investigating'",
        )
        .bind(now)
        .bind(id)
        .bind(actor)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if done != 1 {
            drop(tx);
            return Err(self.complaint_conflict(id, actor).await);
        }
        self.complaint_step(&mut tx, id, "note", Some(actor), body, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn answer_complaint(
        &self,
        id: &str,
        actor: &str,
        outcome: ComplaintOutcome,
        reply: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        let done = query(
            "UPDATE complaints SET state = 'answered', outcome = $1, reply = $2, answered_at = $3, \
             updated_at = $3 WHERE id = $4 AND assigned_to = $5 AND state = 'investigating'",
        )
        .bind(outcome.code())
        .bind(self.seal(COMPLAINT_REPLY, reply))
        .bind(now)
        .bind(id)
        .bind(actor)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if done != 1 {
            drop(tx);
            return Err(self.complaint_conflict(id, actor).await);
        }
        self.complaint_step(&mut tx, id, "answered", Some(actor), outcome.code(), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn add_complaint_file(&self, f: ComplaintFile, now: Millis) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // The complaint's row first, locked for the count (two uploads at once: one waits).
        let open = query(
            "UPDATE complaints SET updated_at = updated_at WHERE id = $1 AND state <> 'answered'",
        )
        .bind(&f.complaint_id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if open != 1 {
            return Err(DbError::Conflict("complaint_answered"));
        }
        let n: i64 = query("SELECT COUNT(*) AS n FROM complaint_files WHERE complaint_id = $1")
            .bind(&f.complaint_id)
            .fetch_one(&mut tx)
            .await?
            .get("n")?;
        if n >= COMPLAINT_FILES_MAX {
            return Err(DbError::Conflict("complaint_files_full"));
        }
        query(
            "INSERT INTO complaint_files (id, complaint_id, file_name, content_hash, mime, size, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&f.id)
        .bind(&f.complaint_id)
        .bind(self.seal(COMPLAINT_FILE_NAME, &f.file_name))
        .bind(&f.content_hash)
        .bind(&f.mime)
        .bind(f.size)
        .bind(now)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn complaint_files(&self, complaint_id: &str) -> Result<Vec<ComplaintFile>, DbError> {
        let rows = query(
            "SELECT id, complaint_id, file_name, content_hash, mime, size FROM complaint_files \
             WHERE complaint_id = $1 ORDER BY created_at, id",
        )
        .bind(complaint_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(|r| self.complaint_file_of_row(r)).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn complaint_file(&self, id: &str) -> Result<Option<ComplaintFile>, DbError> {
        let row = query(
            "SELECT id, complaint_id, file_name, content_hash, mime, size FROM complaint_files \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        row.as_ref()
            .map(|r| self.complaint_file_of_row(r))
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn overdue_complaints(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<Vec<(String, RegionCode)>, DbError> {
        let rows = query(
            "SELECT id, handling_region FROM complaints WHERE state <> 'answered' AND due_on < $1 \
             ORDER BY due_on LIMIT 1000",
        )
        .bind(today.to_string())
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let raw: String = r.get("handling_region")?;
                Ok((r.get("id")?, region("handling_region", &raw)?))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn escalate_complaint(
        &self,
        id: &str,
        from: &RegionCode,
        to: &RegionCode,
        due_on: chrono::NaiveDate,
        now: Millis,
    ) -> Result<bool, DbError> {
        let mut tx = self.db.begin().await?;
        let done = query(
            "UPDATE complaints SET handling_region = $1, due_on = $2, escalations = escalations + 1, \
             updated_at = $3 WHERE id = $4 AND handling_region = $5 AND state <> 'answered'",
        )
        .bind(to.as_str())
        .bind(due_on.to_string())
        .bind(now)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        self.complaint_step(&mut tx, id, "escalated", None, to.as_str(), now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}
