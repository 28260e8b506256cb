//! The sealed columns (issue 17, hole 12): drafts and declarations hold names, ID numbers,
//! phones, health, illness and disability, so they are stored sealed (`crate::crypto`), and the
//! household search finds applications by keyed digests (`application_keys`) instead of looking
//! inside them.

use super::dialect::{query, Tx};
use super::SqlStore;
use crate::crypto::{name_keys, name_query, FieldCipher};
use app::store::DbError;

/// A resident's draft as typed (JSON).
pub(super) const DRAFT_DATA: &str = "drafts.data";
/// A submitted declaration (JSON).
pub(super) const DECLARATION: &str = "applications.declaration";

/// An assessment's facts (ages, health, disability, work, incomes) and its result, wherever
/// they are kept (an assessment, a reassessment proposal: one moves into the other as is).
pub(super) const FACTS: &str = "assessment.facts";
pub(super) const ASSESSMENT: &str = "assessment.assessment";

/// An ID number shown where it is kept beside its key (a household's head, an application's
/// head and members, an event's person).
pub(super) const ID_SEALED: &str = "id_number";

/// A home visit's record (who was present, housing, living, assets seen, notes).
pub(super) const VISIT_RECORD: &str = "home_visits.record";
/// An emergency's person and what happened to them.
pub(super) const EMERGENCY_NAME: &str = "emergency_aid.person_name";
pub(super) const EMERGENCY_SITUATION: &str = "emergency_aid.situation";
/// An unidentified person's aid: the name they gave, how to recognise them, what happened
/// (sealed from the first row: the table is newer than the sealing of older rows).
pub(super) const UNIDENTIFIED_NAME: &str = "unidentified_aid.name";
pub(super) const UNIDENTIFIED_DESCRIPTION: &str = "unidentified_aid.description";
pub(super) const UNIDENTIFIED_SITUATION: &str = "unidentified_aid.situation";
/// A charity's contact person and their phone (a person's data, though the charity is not).
pub(super) const CHARITY_CONTACT_NAME: &str = "charities.contact_name";
pub(super) const CHARITY_CONTACT_PHONE: &str = "charities.contact_phone";
/// What fired a warning (a department's record: the person masked, a disability's grade and
/// category; or a household's medical sums).
pub(super) const WARNING_FACTS: &str = "warnings.trigger_facts";
/// A department record's detail (a disability's category, a school, where a person moved), as
/// databases converted as `field_encryption_v2` hold it until it moves into the record.
const EVENT_DETAIL: &str = "person_events.detail";
/// A department's record of a person, whole (source, kind, date, grade, amount, detail).
pub(super) const EVENT_RECORD: &str = "person_events.record";
/// What staff and residents write in free text about a case: a status change's note (a
/// decision's reasons), a request for information and its answer, a referral to a department
/// and the department's answer.
pub(super) const TIMELINE_NOTE: &str = "application_events.note";
pub(super) const INFO_QUESTION: &str = "info_requests.question";
pub(super) const INFO_ANSWER: &str = "info_requests.answer";
pub(super) const REFERRAL_NOTE: &str = "referrals.note";
pub(super) const REFERRAL_ANSWER: &str = "referrals.answer";
/// Why a decision's amount or category differs from the assessment's.
pub(super) const DECISION_REASON: &str = "decisions.adjustment_reason";
/// Why a household left assistance.
pub(super) const EXIT_REASON: &str = "households.exit_reason";
/// A task's note (what is owed, what was done).
pub(super) const TASK_NOTE: &str = "tasks.note";
/// A recovery case's note and its write-off's reason (what a caseworker wrote of a family).
pub(super) const RECOVERY_NOTE: &str = "recovery_cases.note";
pub(super) const RECOVERY_WRITE_OFF: &str = "recovery_cases.write_off_reason";
/// A caseworker's note on a warning (what the visit found, what was done).
pub(super) const WARNING_NOTE: &str = "warnings.note";

/// Tables keyed by text whose columns are sealed (table, its key column, columns with their
/// labels); the first column tells whether a row is sealed yet.
type SealedTable = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);
const SEALED_TEXT_KEYED: [SealedTable; 5] = [
    ("drafts", "id", &[("data", DRAFT_DATA)]),
    ("households", "id", &[("exit_reason", EXIT_REASON)]),
    ("home_visits", "id", &[("record", VISIT_RECORD)]),
    (
        "emergency_aid",
        "id",
        &[
            ("person_name", EMERGENCY_NAME),
            ("situation", EMERGENCY_SITUATION),
        ],
    ),
    (
        "charities",
        "id",
        &[
            ("contact_name", CHARITY_CONTACT_NAME),
            ("contact_phone", CHARITY_CONTACT_PHONE),
        ],
    ),
];
/// The same for tables keyed by number (`id`).
const SEALED_NUMBER_KEYED: [(&str, &[(&str, &str)]); 9] = [
    (
        "assessments",
        &[("facts", FACTS), ("assessment", ASSESSMENT)],
    ),
    (
        "reassessment_proposals",
        &[("facts", FACTS), ("assessment", ASSESSMENT)],
    ),
    ("warnings", &[("trigger_facts", WARNING_FACTS)]),
    ("application_events", &[("note", TIMELINE_NOTE)]),
    (
        "info_requests",
        &[("question", INFO_QUESTION), ("answer", INFO_ANSWER)],
    ),
    (
        "referrals",
        &[("note", REFERRAL_NOTE), ("answer", REFERRAL_ANSWER)],
    ),
    ("decisions", &[("adjustment_reason", DECISION_REASON)]),
    ("tasks", &[("note", TASK_NOTE)]),
    // Apart from the facts: a database converted as `_v2` has its facts sealed already.
    ("warnings", &[("note", WARNING_NOTE)]),
];

/// The blind-index kinds of `application_keys`.
pub(super) const NAME: &str = "name";
pub(super) const ID_NUMBER: &str = "id_number";

/// Rows sealed per transaction when older rows are sealed at start.
const BATCH: i64 = 500;

/// The name `maintenance_done` records once older rows are sealed and keyed: `_v2` since
/// charities' contacts and warnings' facts are sealed too, `_v3` since a department's record is
/// sealed whole and case notes are sealed (timeline notes, requests for information and their
/// answers, referrals and their answers, decisions' reasons, exit reasons, tasks' and warnings'
/// notes); a database converted before is looked at once more, what was sealed then is left
/// alone.
const CONVERSION: &str = "field_encryption_v3";

/// The columns that hold a value's key instead of the value: (table, column, the sealed copy
/// beside it or "", the kind of value, the length of the value in clear, which rows).
const KEYED_COLUMNS: [(&str, &str, &str, &str, usize, &str); 11] = [
    ("persons", "id_number", "", "id_number", 18, "TRUE"),
    (
        "households",
        "head_id_number",
        "head_id_sealed",
        "id_number",
        18,
        "TRUE",
    ),
    (
        "applications",
        "head_id_number",
        "head_id_sealed",
        "id_number",
        18,
        "TRUE",
    ),
    (
        "application_members",
        "id_number",
        "id_sealed",
        "id_number",
        18,
        "TRUE",
    ),
    (
        "open_application_members",
        "id_number",
        "",
        "id_number",
        18,
        "TRUE",
    ),
    ("medical_records", "id_number", "", "id_number", 18, "TRUE"),
    (
        "person_events",
        "id_number",
        "id_sealed",
        "id_number",
        18,
        "TRUE",
    ),
    ("users", "bound_head_id_number", "", "id_number", 18, "TRUE"),
    // A resident signs in with their phone number; staff and charities with names.
    ("users", "login", "", "phone", 11, "role = 'resident'"),
    ("verification_codes", "phone", "", "phone", 11, "TRUE"),
    ("sms_sends", "phone", "", "phone", 11, "TRUE"),
];

impl SqlStore {
    pub(super) fn seal(&self, column: &str, plain: &str) -> String {
        self.cipher.seal(column, plain)
    }

    pub(super) fn open(&self, column: &str, stored: &str) -> Result<String, DbError> {
        self.cipher.open(column, stored)
    }

    pub(super) fn open_opt(
        &self,
        column: &str,
        stored: Option<String>,
    ) -> Result<Option<String>, DbError> {
        stored.map(|s| self.open(column, &s)).transpose()
    }

    /// The digest a search for this name looks up.
    pub(super) fn name_digest(&self, name: &str) -> String {
        self.cipher.digest(NAME, &name_query(name))
    }

    /// A resident's phone number as it is stored where it signs in or counts codes.
    pub(super) fn phone_key(&self, phone: &str) -> String {
        self.cipher.key("phone", phone)
    }

    /// An ID number as the join columns hold it (`FieldCipher::id_key`).
    pub(super) fn id_key(&self, id_number: &str) -> String {
        self.cipher.id_key(id_number)
    }

    /// Seals every row still stored in clear (written before field encryption) in the sealed
    /// columns, and records the search keys of those applications, in batches; returns how
    /// many rows it sealed. Run at start; a row sealed meanwhile by a request is left alone.
    pub async fn seal_existing(&self) -> Result<usize, DbError> {
        if is_done(&self.db, CONVERSION).await? {
            return Ok(0);
        }
        let mut sealed = self.key_existing_ids().await?;
        loop {
            let mut tx = self.db.begin().await?;
            let mut most = 0;
            for (table, key, columns) in SEALED_TEXT_KEYED {
                let n = self.seal_batch(&mut tx, table, key, columns, false).await?;
                (sealed, most) = (sealed + n, most.max(n));
            }
            for (table, columns) in SEALED_NUMBER_KEYED {
                let n = self.seal_batch(&mut tx, table, "id", columns, true).await?;
                (sealed, most) = (sealed + n, most.max(n));
            }
            let n = self.seal_event_records(&mut tx).await?;
            (sealed, most) = (sealed + n, most.max(n));
            let apps = query(
                "SELECT id, declaration FROM applications WHERE declaration NOT LIKE 'sm4gcm.%' \
                 ORDER BY id LIMIT $1",
            )
            .bind(BATCH)
            .fetch_all(&mut tx)
            .await?;
            for r in &apps {
                let (id, declaration): (String, String) = r.decode()?;
                query(
                    "UPDATE applications SET declaration = $1 WHERE id = $2 \
                     AND declaration NOT LIKE 'sm4gcm.%'",
                )
                .bind(self.seal(DECLARATION, &declaration))
                .bind(&id)
                .execute(&mut tx)
                .await?;
                let keys = declaration_keys(&self.cipher, &declaration);
                insert_keys(&mut tx, &id, &keys).await?;
            }
            if (most.max(apps.len()) as i64) < BATCH {
                mark_done(&mut tx, CONVERSION).await?;
                tx.commit().await?;
                return Ok(sealed + apps.len());
            }
            tx.commit().await?;
            sealed += apps.len();
        }
    }

    /// Replaces every ID number and resident's phone still stored in clear in a keyed column
    /// (18 or 11 characters; a key has 22) by its key, sealing a copy where one is kept beside
    /// it; returns how many values it replaced. An event's record key, which holds the person,
    /// is rewritten the same way.
    async fn key_existing_ids(&self) -> Result<usize, DbError> {
        let mut keyed = 0;
        for (table, column, sealed_copy, kind, clear_len, rows) in KEYED_COLUMNS {
            loop {
                let mut tx = self.db.begin().await?;
                let ids = query(&format!(
                    "SELECT DISTINCT {column} FROM {table} WHERE length({column}) = {clear_len} \
                     AND {rows} LIMIT $1"
                ))
                .bind(BATCH)
                .fetch_all(&mut tx)
                .await?;
                for r in &ids {
                    let id: String = r.get(0)?;
                    if table == "person_events" {
                        self.key_event_records(&mut tx, &id).await?;
                    }
                    let sql = if sealed_copy.is_empty() {
                        format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2")
                    } else {
                        format!(
                            "UPDATE {table} SET {column} = $1, {sealed_copy} = $2 \
                             WHERE {column} = $3"
                        )
                    };
                    let mut q = query(&sql).bind(self.cipher.key(kind, &id));
                    if !sealed_copy.is_empty() {
                        q = q.bind(self.seal(ID_SEALED, &id));
                    }
                    q.bind(id).execute(&mut tx).await?;
                }
                tx.commit().await?;
                keyed += ids.len();
                if (ids.len() as i64) < BATCH {
                    break;
                }
            }
        }
        Ok(keyed)
    }

    /// The record keys of a person's events (`source|person|…`) with the person as their key.
    async fn key_event_records(&self, tx: &mut Tx<'_>, id: &str) -> Result<(), DbError> {
        let rows = query("SELECT record_key FROM person_events WHERE id_number = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        let key = self.id_key(id);
        for r in &rows {
            let old: String = r.get(0)?;
            let mut parts: Vec<&str> = old.splitn(3, '|').collect();
            if parts.get(1) == Some(&id) {
                parts[1] = &key;
                query("UPDATE person_events SET record_key = $1 WHERE record_key = $2")
                    .bind(parts.join("|"))
                    .bind(&old)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(())
    }

    /// Seals up to `BATCH` department records written before they were sealed whole (the
    /// clear columns, the detail sealed or not) into `record`, empties the clear columns and
    /// stores the record under its keyed key (`imports::event_record_key`; its ID number was
    /// keyed already by `key_existing_ids`); returns how many.
    async fn seal_event_records(&self, tx: &mut Tx<'_>) -> Result<usize, DbError> {
        use super::dialect::{code, day, id_number};
        let rows = query(
            "SELECT record_key, source, event, event_on, grade, amount, detail, id_sealed \
             FROM person_events WHERE record IS NULL ORDER BY record_key LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            let key: String = r.get(0)?;
            let detail: String = r.get(6)?;
            let id_sealed: Option<String> = r.get(7)?;
            // Named without its key: an older key holds the record in clear.
            let id_sealed = id_sealed.ok_or(DbError::Other(
                "a department record without its ID number's sealed copy".into(),
            ))?;
            let grade: Option<i64> = r.get(4)?;
            let record = app::domain::monitoring::EventRecord {
                source: code("source", &r.get::<String, _>(1)?)?,
                id_number: id_number("id_sealed", &self.open(ID_SEALED, &id_sealed)?)?,
                event: code("event", &r.get::<String, _>(2)?)?,
                date: day("event_on", &r.get::<String, _>(3)?)?,
                grade: grade
                    .map(|g| u8::try_from(g).map_err(|_| DbError::Other(format!("grade {g}"))))
                    .transpose()?,
                amount_fen: r.get(5)?,
                detail: if FieldCipher::is_sealed(&detail) {
                    self.open(EVENT_DETAIL, &detail)?
                } else {
                    detail
                },
            };
            let json = serde_json::to_string(&record).map_err(|e| DbError::Other(e.to_string()))?;
            query(
                "UPDATE person_events SET record_key = $1, record = $2, source = '', event = '', \
                 event_on = '', grade = NULL, amount = NULL, detail = '', id_sealed = NULL \
                 WHERE record_key = $3 AND record IS NULL",
            )
            .bind(super::imports::event_record_key(&self.cipher, &key))
            .bind(self.seal(EVENT_RECORD, &json))
            .bind(&key)
            .execute(&mut *tx)
            .await?;
        }
        Ok(rows.len())
    }

    /// Seals up to `BATCH` rows of `table` (keyed by `key`, a text, or a number when
    /// `numeric_id`) still in clear; returns how many.
    async fn seal_batch(
        &self,
        tx: &mut Tx<'_>,
        table: &str,
        key: &str,
        columns: &[(&str, &str)],
        numeric_id: bool,
    ) -> Result<usize, DbError> {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let rows = query(&format!(
            "SELECT {key}, {} FROM {table} WHERE {} NOT LIKE 'sm4gcm.%' ORDER BY {key} LIMIT $1",
            names.join(", "),
            names[0]
        ))
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let sets: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        // Only while still in clear: a row a request wrote meanwhile (sealed) is left alone.
        let update = format!(
            "UPDATE {table} SET {} WHERE {key} = ${} AND {} NOT LIKE 'sm4gcm.%'",
            sets.join(", "),
            names.len() + 1,
            names[0]
        );
        for r in &rows {
            let mut q = query(&update);
            for (i, (_, label)) in columns.iter().enumerate() {
                // A column may be empty (NULL: an answer not given yet) and stays so.
                let clear: Option<String> = r.get(i + 1)?;
                q = q.bind(clear.map(|c| self.seal(label, &c)));
            }
            q = if numeric_id {
                q.bind(r.get::<i64, _>(0)?)
            } else {
                q.bind(r.get::<String, _>(0)?)
            };
            q.execute(&mut *tx).await?;
        }
        Ok(rows.len())
    }
}

/// The search keys of a declaration, as stored: (kind, digest) of each member's name forms and
/// ID number (computed before a transaction begins: the digests are the costly part).
pub(super) fn declaration_keys(
    cipher: &FieldCipher,
    declaration_json: &str,
) -> Vec<(&'static str, String)> {
    declared_keys(declaration_json)
        .into_iter()
        .map(|(kind, value)| {
            let digest = if kind == ID_NUMBER {
                cipher.id_key(&value)
            } else {
                cipher.digest(kind, &value)
            };
            (kind, digest)
        })
        .collect()
}

/// Whether the one-time work `name` was done (`maintenance_done`).
pub(super) async fn is_done(db: &super::dialect::Db, name: &str) -> Result<bool, DbError> {
    Ok(
        query("SELECT 1 AS one FROM maintenance_done WHERE name = $1")
            .bind(name)
            .fetch_optional(db)
            .await?
            .is_some(),
    )
}

/// Records the one-time work `name` as done, with the transaction that finished it.
pub(super) async fn mark_done(tx: &mut Tx<'_>, name: &str) -> Result<(), DbError> {
    query("INSERT INTO maintenance_done (name, done_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(app::services::now_millis())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Records a declaration's search keys (`declaration_keys`), in one statement.
pub(super) async fn insert_keys(
    tx: &mut Tx<'_>,
    application_id: &str,
    keys: &[(&'static str, String)],
) -> Result<(), DbError> {
    if keys.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(keys).map_err(|e| DbError::Other(e.to_string()))?;
    let d = tx.dialect();
    let sql = format!(
        "INSERT INTO application_keys (application_id, kind, digest) \
         SELECT $2, {}, {} FROM {} WHERE TRUE ON CONFLICT DO NOTHING",
        d.json_field(0, false),
        d.json_field(1, false),
        d.json_rows(),
    );
    query(&sql)
        .bind(json)
        .bind(application_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// What a declaration is found by: each member's name forms and ID number. Read loosely (as
/// JSON, whatever version wrote it): a member without them adds nothing.
fn declared_keys(declaration_json: &str) -> Vec<(&'static str, String)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(declaration_json) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for m in v["members"].as_array().into_iter().flatten() {
        if let Some(name) = m["name"].as_str() {
            keys.extend(name_keys(name).into_iter().map(|k| (NAME, k)));
        }
        if let Some(id) = m["id_number"].as_str().filter(|id| !id.is_empty()) {
            keys.push((ID_NUMBER, id.to_uppercase()));
        }
    }
    keys
}

/// 投诉举报: what the filer wrote, who it is about, the person's ID number, who the filer is,
/// the handlers' notes and the reply.
pub(super) const COMPLAINT_BODY: &str = "complaints.body";
pub(super) const COMPLAINT_SUBJECT: &str = "complaints.subject";
pub(super) const COMPLAINT_PERSON: &str = "complaints.person_id";
pub(super) const COMPLAINT_FILER_NAME: &str = "complaints.filer_name";
pub(super) const COMPLAINT_FILER_PHONE: &str = "complaints.filer_phone";
pub(super) const COMPLAINT_REPLY: &str = "complaints.reply";
pub(super) const COMPLAINT_NOTE: &str = "complaint_notes.body";
pub(super) const COMPLAINT_FILE_NAME: &str = "complaint_files.file_name";

/// 基层上报: what the reporter saw, who and where, a phone number and the ID numbers they gave,
/// the caseworker's note, who consented, and the photos' names.
pub(super) const LEAD_SEEN: &str = "leads.seen";
pub(super) const LEAD_WHO: &str = "leads.who";
pub(super) const LEAD_ADDRESS: &str = "leads.address";
pub(super) const LEAD_PHONE: &str = "leads.contact_phone";
pub(super) const LEAD_IDS: &str = "leads.id_numbers";
pub(super) const LEAD_NOTE: &str = "leads.note";
pub(super) const LEAD_CONSENT_BY: &str = "leads.consent_by";
pub(super) const LEAD_FILE_NAME: &str = "lead_files.file_name";

/// 服务类救助: the member a service is ordered for, the carer and who confirmed each service.
pub(super) const SERVICE_PERSON_NAME: &str = "service_orders.person_name";
pub(super) const SERVICE_PERSON_ID: &str = "service_orders.person_id";
pub(super) const SERVICE_CARER: &str = "service_deliveries.carer";
pub(super) const SERVICE_CONFIRMED_BY: &str = "service_deliveries.confirmed_by";

/// 部门系统对接: a connected system's key (an HMAC secret: whoever checks a signature must
/// hold it, so it is sealed, not hashed).
pub(super) const API_KEY_SECRET: &str = "api_keys.secret";

/// 现有对象直接纳入: a listed person's name and ID number, and a disability's kind (health data)
/// or a relapse-watch listing's risk.
pub(super) const CASELOAD_NAME: &str = "caseload.person_name";
pub(super) const CASELOAD_ID: &str = "caseload.person_id";
pub(super) const CASELOAD_DETAIL: &str = "caseload.detail";
/// 现有对象直接纳入: a listed person's address and phone as the roster gave them.
pub(super) const CASELOAD_ADDRESS: &str = "caseload.address";
pub(super) const CASELOAD_PHONE: &str = "caseload.phone";
/// 现有对象直接纳入: a Tekun listing's 生活自理能力 (health data).
pub(super) const CASELOAD_CARE_NEED: &str = "caseload.care_need";
/// 现有对象直接纳入: a disabled persons' listing's grade (health data), in `grade_sealed`.
pub(super) const CASELOAD_GRADE: &str = "caseload.grade";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declaration_is_found_by_each_members_names_and_id_number() {
        let keys = declared_keys(
            r#"{"members":[{"name":"孙有福","id_number":"62070219700101601x"},{"name":"王五"}]}"#,
        );
        assert_eq!(
            keys,
            vec![
                (NAME, "孙有福".to_string()),
                (NAME, "有福".to_string()),
                (ID_NUMBER, "62070219700101601X".to_string()),
                (NAME, "王五".to_string()),
            ]
        );
        assert!(declared_keys("not json").is_empty());
        assert!(declared_keys("{}").is_empty());
    }
}
