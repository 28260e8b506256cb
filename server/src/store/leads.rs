//! 基层上报: grid workers' reports sealed at rest, as leads for the caseworkers of the region.
//! Each change is one conditional statement: a lead closed by one caseworker cannot be converted
//! by another at the same moment (the second is told why).

use super::dialect::{code, code_opt, day_opt, query, region, within, Row};
use super::sealed::{
    LEAD_ADDRESS, LEAD_CONSENT_BY, LEAD_FILE_NAME, LEAD_IDS, LEAD_NOTE, LEAD_PHONE, LEAD_SEEN,
    LEAD_WHO,
};
use super::SqlStore;
use app::domain::leads::LEAD_FILES_MAX;
use app::domain::region::RegionCode;
use app::store::*;

const COLUMNS: &str =
    "l.id, l.region_code, l.source, l.reported_by, u.display_name AS reporter_name, \
    l.seen, l.who, l.address, l.contact_phone, l.id_numbers, l.state, l.close_reason, l.note, \
    l.handled_by, l.handled_at, l.consent_by, l.consent_form, l.consent_on, l.household_account, \
    a.number AS application_number, l.created_at, \
    (SELECT COUNT(*) FROM lead_files f WHERE f.lead_id = l.id) AS files";

const FROM: &str = "leads l JOIN users u ON u.id = l.reported_by \
    LEFT JOIN applications a ON a.id = l.application_id";

impl SqlStore {
    fn lead_of_row(&self, r: &Row) -> Result<LeadRecord, DbError> {
        let opened = |column: &str, name: &str| -> Result<String, DbError> {
            let stored: String = r.get(name)?;
            if stored.is_empty() {
                Ok(String::new())
            } else {
                self.open(column, &stored)
            }
        };
        let source: String = r.get("source")?;
        let state: String = r.get("state")?;
        let reason: Option<String> = r.get("close_reason")?;
        let form: Option<String> = r.get("consent_form")?;
        let on: Option<String> = r.get("consent_on")?;
        let raw_region: String = r.get("region_code")?;
        let ids = opened(LEAD_IDS, "id_numbers")?;
        Ok(LeadRecord {
            id: r.get("id")?,
            region: region("region_code", &raw_region)?,
            source: code("source", &source)?,
            reported_by: r.get("reported_by")?,
            reporter_name: r.get("reporter_name")?,
            seen: opened(LEAD_SEEN, "seen")?,
            who: opened(LEAD_WHO, "who")?,
            address: opened(LEAD_ADDRESS, "address")?,
            contact_phone: opened(LEAD_PHONE, "contact_phone")?,
            id_numbers: ids
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            state: code("state", &state)?,
            close_reason: code_opt("close_reason", reason.as_deref())?,
            note: opened(LEAD_NOTE, "note")?,
            handled_by: r.get("handled_by")?,
            handled_at: r.get("handled_at")?,
            consent_by: opened(LEAD_CONSENT_BY, "consent_by")?,
            consent_form: code_opt("consent_form", form.as_deref())?,
            consent_on: day_opt("consent_on", on.as_deref())?,
            household_account: r.get("household_account")?,
            application_number: r.get("application_number")?,
            files: r.get("files")?,
            created_at: r.get("created_at")?,
        })
    }

    fn lead_file_of_row(&self, r: &Row) -> Result<LeadFile, DbError> {
        let name: String = r.get("file_name")?;
        Ok(LeadFile {
            id: r.get("id")?,
            lead_id: r.get("lead_id")?,
            file_name: self.open(LEAD_FILE_NAME, &name)?,
            content_hash: r.get("content_hash")?,
            mime: r.get("mime")?,
            size: r.get("size")?,
        })
    }

    async fn leads_where(&self, condition: &str, bind: &str) -> Result<Vec<LeadRecord>, DbError> {
        let rows = query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE {condition}"))
            .bind(bind)
            .fetch_all(&self.db)
            .await?;
        rows.iter().map(|r| self.lead_of_row(r)).collect()
    }

    /// Why a change to lead `id` did not apply: not there, or no longer open.
    async fn lead_conflict(&self, id: &str) -> DbError {
        match self.lead(id).await {
            Ok(None) => DbError::NotFound,
            Ok(Some(_)) => DbError::Conflict("lead_done"),
            Err(e) => e,
        }
    }
}

#[async_trait::async_trait]
impl LeadStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn add_lead(&self, lead: NewLead) -> Result<(), DbError> {
        let r = &lead.report;
        let ids: Vec<&str> = r.id_numbers.iter().map(|i| i.as_str()).collect();
        query(
            "INSERT INTO leads (id, region_code, source, reported_by, seen, who, address, \
             contact_phone, id_numbers, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $10)",
        )
        .bind(&lead.id)
        .bind(lead.region.as_str())
        .bind(lead.source.code())
        .bind(&lead.reported_by)
        .bind(self.seal(LEAD_SEEN, &r.seen))
        .bind(self.seal(LEAD_WHO, &r.who))
        .bind(self.seal_or_empty(LEAD_ADDRESS, &r.address))
        .bind(self.seal_or_empty(
            LEAD_PHONE,
            r.contact_phone.as_ref().map_or("", |p| p.as_str()),
        ))
        .bind(self.seal_or_empty(LEAD_IDS, &ids.join(",")))
        .bind(lead.now)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn lead(&self, id: &str) -> Result<Option<LeadRecord>, DbError> {
        Ok(self.leads_where("l.id = $1", id).await?.into_iter().next())
    }

    #[tracing::instrument(skip_all)]
    async fn leads_reported_by(
        &self,
        reporter: &str,
        limit: i64,
    ) -> Result<Vec<LeadRecord>, DbError> {
        self.leads_where(
            &format!(
                "l.reported_by = $1 ORDER BY l.created_at DESC, l.id LIMIT {}",
                limit.clamp(1, 500)
            ),
            reporter,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn leads_in(
        &self,
        region: &RegionCode,
        with_done: bool,
    ) -> Result<Vec<LeadRecord>, DbError> {
        let condition = if with_done {
            "l.region_code LIKE $1 ORDER BY l.created_at DESC, l.id LIMIT 200"
        } else {
            "l.region_code LIKE $1 AND l.state IN ('open', 'consented') \
             ORDER BY l.created_at, l.id LIMIT 500"
        };
        self.leads_where(condition, &within(region)).await
    }

    #[tracing::instrument(skip_all)]
    async fn leads_reported_since(&self, reporter: &str, since: Millis) -> Result<i64, DbError> {
        query("SELECT COUNT(*) AS n FROM leads WHERE reported_by = $1 AND created_at >= $2")
            .bind(reporter)
            .bind(since)
            .fetch_one(&self.db)
            .await?
            .get("n")
    }

    #[tracing::instrument(skip_all)]
    async fn close_lead(
        &self,
        id: &str,
        actor: &str,
        reason: CloseReason,
        note: &str,
        now: Millis,
    ) -> Result<(), DbError> {
        let done = query(
            "UPDATE leads SET state = 'closed', close_reason = $1, note = $2, handled_by = $3, \
             handled_at = $4, updated_at = $4 WHERE id = $5 AND state IN ('open', 'consented')",
        )
        .bind(reason.code())
        .bind(self.seal_or_empty(LEAD_NOTE, note))
        .bind(actor)
        .bind(now)
        .bind(id)
        .execute(&self.db)
        .await?
        .rows_affected();
        if done != 1 {
            return Err(self.lead_conflict(id).await);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn consent_lead(
        &self,
        id: &str,
        actor: &str,
        consent: LeadConsent,
        now: Millis,
    ) -> Result<(), DbError> {
        let done = query(
            "UPDATE leads SET state = 'consented', consent_by = $1, consent_form = $2, \
             consent_on = $3, note = $4, household_account = $5, handled_by = $6, \
             handled_at = $7, updated_at = $7 WHERE id = $8 AND state IN ('open', 'consented')",
        )
        .bind(self.seal(LEAD_CONSENT_BY, &consent.by))
        .bind(consent.form.code())
        .bind(consent.on.to_string())
        .bind(self.seal_or_empty(LEAD_NOTE, &consent.note))
        .bind(&consent.account)
        .bind(actor)
        .bind(now)
        .bind(id)
        .execute(&self.db)
        .await?
        .rows_affected();
        if done != 1 {
            return Err(self.lead_conflict(id).await);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn lead_converted(&self, id: &str, number: &str, now: Millis) -> Result<(), DbError> {
        let done = query(
            "UPDATE leads SET state = 'converted', updated_at = $1, \
             application_id = (SELECT id FROM applications WHERE number = $2) \
             WHERE id = $3 AND state = 'consented' \
             AND EXISTS (SELECT 1 FROM applications WHERE number = $2)",
        )
        .bind(now)
        .bind(number)
        .bind(id)
        .execute(&self.db)
        .await?
        .rows_affected();
        if done != 1 {
            return Err(self.lead_conflict(id).await);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn lead_of_application(&self, number: &str) -> Result<Option<LeadRecord>, DbError> {
        Ok(self
            .leads_where("a.number = $1", number)
            .await?
            .into_iter()
            .next())
    }

    #[tracing::instrument(skip_all)]
    async fn add_lead_file(&self, f: LeadFile, now: Millis) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        // The lead's row first, locked for the count (two uploads at once: one waits).
        let open = query(
            "UPDATE leads SET updated_at = updated_at WHERE id = $1 \
             AND state IN ('open', 'consented')",
        )
        .bind(&f.lead_id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if open != 1 {
            return Err(DbError::Conflict("lead_done"));
        }
        let n: i64 = query("SELECT COUNT(*) AS n FROM lead_files WHERE lead_id = $1")
            .bind(&f.lead_id)
            .fetch_one(&mut tx)
            .await?
            .get("n")?;
        if n >= LEAD_FILES_MAX {
            return Err(DbError::Conflict("lead_files_full"));
        }
        query(
            "INSERT INTO lead_files (id, lead_id, file_name, content_hash, mime, size, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&f.id)
        .bind(&f.lead_id)
        .bind(self.seal(LEAD_FILE_NAME, &f.file_name))
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
    async fn lead_files(&self, lead_id: &str) -> Result<Vec<LeadFile>, DbError> {
        let rows = query(
            "SELECT id, lead_id, file_name, content_hash, mime, size FROM lead_files \
             WHERE lead_id = $1 ORDER BY created_at, id",
        )
        .bind(lead_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(|r| self.lead_file_of_row(r)).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn lead_file(&self, id: &str) -> Result<Option<LeadFile>, DbError> {
        let row = query(
            "SELECT id, lead_id, file_name, content_hash, mime, size FROM lead_files WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        row.as_ref().map(|r| self.lead_file_of_row(r)).transpose()
    }
}
