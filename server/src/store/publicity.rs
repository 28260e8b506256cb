//! 政策宣传与政务公开: the public telephone numbers and finding villages by name.

use super::accounts::region_from_row;
use super::dialect::{code, day, query, region, within};
use super::SqlStore;
use app::domain::region::{Region, RegionCode};
use app::store::*;

#[derive(sqlx::FromRow)]
struct StoredContact {
    id: i64,
    region_code: String,
    kind: String,
    number: String,
    effective_from: String,
    source: String,
    example: bool,
    created_by: String,
    approved_at: Option<Millis>,
    withdrawn_at: Option<Millis>,
}

impl TryFrom<StoredContact> for ContactRow {
    type Error = DbError;
    fn try_from(r: StoredContact) -> Result<Self, DbError> {
        Ok(ContactRow {
            id: r.id,
            region: region("region_code", &r.region_code)?,
            kind: code("kind", &r.kind)?,
            number: r.number,
            effective_from: day("effective_from", &r.effective_from)?,
            source: r.source,
            example: r.example,
            approved: r.approved_at.is_some(),
            withdrawn: r.withdrawn_at.is_some(),
            created_by: r.created_by,
        })
    }
}

/// `text` as a LIKE pattern matching it anywhere, its own `%`, `_` and `\` taken literally.
fn containing(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[async_trait::async_trait]
impl PublicityStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn public_contacts(&self) -> Result<Vec<ContactRow>, DbError> {
        let rows = query(
            "SELECT id, region_code, kind, number, effective_from, source, example, created_by, \
             approved_at, withdrawn_at FROM public_contacts ORDER BY id",
        )
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| r.to::<StoredContact, ContactRow>())
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn add_public_contact(&self, c: NewContact) -> Result<i64, DbError> {
        let approved = c.approved.then_some(c.now);
        let row = query(
            "INSERT INTO public_contacts (region_code, kind, number, effective_from, source, \
             example, created_by, created_at, approved_at, approved_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(c.region.as_str())
        .bind(c.kind.code())
        .bind(c.number.as_str())
        .bind(c.effective_from.to_string())
        .bind(c.source.as_str())
        .bind(c.example)
        .bind(c.created_by.as_str())
        .bind(c.now)
        .bind(approved)
        .bind(c.approved.then_some(c.created_by.as_str()))
        .fetch_one(&self.db)
        .await?;
        Ok(row.get("id")?)
    }

    #[tracing::instrument(skip_all)]
    async fn decide_public_contact(
        &self,
        id: i64,
        approve: bool,
        actor_id: &str,
        today: chrono::NaiveDate,
        now: Millis,
    ) -> Result<(), DbError> {
        super::parameters::decide_pending(
            self,
            "public_contacts",
            id,
            approve,
            actor_id,
            today,
            now,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn regions_named(
        &self,
        parent: &RegionCode,
        text: &str,
        limit: i64,
    ) -> Result<Vec<Region>, DbError> {
        let rows = query(
            "SELECT code, parent_code, name_zh, name_en, demo FROM regions \
             WHERE code LIKE $1 AND code <> $2 AND name_zh LIKE $3 ESCAPE '\\' \
             ORDER BY code LIMIT $4",
        )
        .bind(within(parent))
        .bind(parent.as_str())
        .bind(containing(text))
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(region_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_searched_name_is_taken_literally() {
        assert_eq!(super::containing("村"), "%村%");
        assert_eq!(super::containing("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
