//! 服务类社会救助: providers' prices, service orders (each with its assistance-chain entry, in
//! one transaction) and the services given, the month's total held to the order's quantity.

use super::dialect::{code, day, query, region, Row};
use super::households::insert_aid;
use super::sealed::{SERVICE_CARER, SERVICE_CONFIRMED_BY, SERVICE_PERSON_ID, SERVICE_PERSON_NAME};
use super::SqlStore;
use app::domain::chain::AidOrigin;
use app::store::*;

const PRICE_COLUMNS: &str = "p.id, p.provider_id, c.name AS provider_name, p.kind, p.unit, \
    p.price, p.active";

const ORDER_COLUMNS: &str = "o.id, o.household_id, o.region_code, o.provider_id, \
    c.name AS provider_name, o.kind, o.unit, o.price, o.monthly_quantity, o.monthly_cost, \
    o.period_from, o.period_until, o.person_name, o.person_id, o.reason, o.created_at";

const DELIVERY_COLUMNS: &str =
    "id, order_id, day, quantity, carer, confirmed_by, confirmation, recorded_at";

fn price_of_row(r: &Row) -> Result<ServicePrice, DbError> {
    let kind: String = r.get("kind")?;
    let unit: String = r.get("unit")?;
    Ok(ServicePrice {
        id: r.get("id")?,
        provider_id: r.get("provider_id")?,
        provider_name: r.get("provider_name")?,
        kind: code("kind", &kind)?,
        unit: code("unit", &unit)?,
        price: r.get("price")?,
        active: r.get("active")?,
    })
}

impl SqlStore {
    fn order_of_row(&self, r: &Row) -> Result<ServiceOrderRecord, DbError> {
        let kind: String = r.get("kind")?;
        let unit: String = r.get("unit")?;
        let raw_region: String = r.get("region_code")?;
        let from: String = r.get("period_from")?;
        let until: String = r.get("period_until")?;
        let name: String = r.get("person_name")?;
        let id: String = r.get("person_id")?;
        let reasons: String = r.get("reason")?;
        Ok(ServiceOrderRecord {
            id: r.get("id")?,
            household_id: r.get("household_id")?,
            region: region("region_code", &raw_region)?,
            provider_id: r.get("provider_id")?,
            provider_name: r.get("provider_name")?,
            kind: code("kind", &kind)?,
            unit: code("unit", &unit)?,
            price: r.get("price")?,
            monthly_quantity: r.get("monthly_quantity")?,
            monthly_cost: r.get("monthly_cost")?,
            from: day("period_from", &from)?,
            until: day("period_until", &until)?,
            person_name: self.open(SERVICE_PERSON_NAME, &name)?,
            person_id: self.open(SERVICE_PERSON_ID, &id)?,
            reasons: reasons
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| code("reason", c))
                .collect::<Result<_, _>>()?,
            created_at: r.get("created_at")?,
        })
    }

    fn delivery_of_row(&self, r: &Row) -> Result<DeliveryRecord, DbError> {
        let on: String = r.get("day")?;
        let confirmation: String = r.get("confirmation")?;
        let carer: String = r.get("carer")?;
        let by: String = r.get("confirmed_by")?;
        Ok(DeliveryRecord {
            id: r.get("id")?,
            order_id: r.get("order_id")?,
            day: day("day", &on)?,
            quantity: r.get("quantity")?,
            carer: self.open(SERVICE_CARER, &carer)?,
            confirmed_by: self.open(SERVICE_CONFIRMED_BY, &by)?,
            confirmation: code("confirmation", &confirmation)?,
            recorded_at: r.get("recorded_at")?,
        })
    }

    async fn orders_where(
        &self,
        condition: &str,
        a: &str,
        b: Option<&str>,
    ) -> Result<Vec<ServiceOrderRecord>, DbError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM service_orders o JOIN charities c ON c.id = o.provider_id \
             WHERE {condition}"
        );
        let mut q = query(&sql).bind(a);
        if let Some(b) = b {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.db).await?;
        rows.iter().map(|r| self.order_of_row(r)).collect()
    }
}

#[async_trait::async_trait]
impl CareStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn add_service_price(&self, p: ServicePrice, now: Millis) -> Result<(), DbError> {
        query(
            "INSERT INTO service_prices (id, provider_id, kind, unit, price, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&p.id)
        .bind(&p.provider_id)
        .bind(p.kind.code())
        .bind(p.unit.code())
        .bind(p.price)
        .bind(p.active)
        .bind(now)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn service_prices(
        &self,
        provider_id: &str,
        active_only: bool,
    ) -> Result<Vec<ServicePrice>, DbError> {
        let active = if active_only { " AND p.active" } else { "" };
        let rows = query(&format!(
            "SELECT {PRICE_COLUMNS} FROM service_prices p JOIN charities c ON c.id = p.provider_id \
             WHERE p.provider_id = $1{active} ORDER BY p.kind, p.unit, p.created_at"
        ))
        .bind(provider_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(price_of_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn service_price(&self, id: &str) -> Result<Option<ServicePrice>, DbError> {
        let row = query(&format!(
            "SELECT {PRICE_COLUMNS} FROM service_prices p JOIN charities c ON c.id = p.provider_id \
             WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        row.as_ref().map(price_of_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn set_price_active(
        &self,
        id: &str,
        provider_id: &str,
        active: bool,
    ) -> Result<bool, DbError> {
        let done =
            query("UPDATE service_prices SET active = $1 WHERE id = $2 AND provider_id = $3")
                .bind(active)
                .bind(id)
                .bind(provider_id)
                .execute(&self.db)
                .await?
                .rows_affected();
        Ok(done == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn add_service_order(&self, o: NewServiceOrder) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        insert_aid(
            &mut tx,
            &o.household_id,
            &o.aid_id,
            &o.aid,
            AidOrigin::Service,
            &o.actor,
            o.now,
        )
        .await?;
        let reasons: Vec<&str> = o.reasons.iter().map(|r| r.code()).collect();
        query(
            "INSERT INTO service_orders (id, household_id, region_code, provider_id, price_id, \
             kind, unit, price, monthly_quantity, monthly_cost, period_from, period_until, \
             person_name, person_id, reason, assistance_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18)",
        )
        .bind(&o.id)
        .bind(&o.household_id)
        .bind(o.region.as_str())
        .bind(&o.price.provider_id)
        .bind(&o.price.id)
        .bind(o.price.kind.code())
        .bind(o.price.unit.code())
        .bind(o.price.price)
        .bind(o.monthly_quantity)
        .bind(o.monthly_cost)
        .bind(o.from.to_string())
        .bind(o.until.to_string())
        .bind(self.seal(SERVICE_PERSON_NAME, &o.person_name))
        .bind(self.seal(SERVICE_PERSON_ID, &o.person_id))
        .bind(reasons.join(","))
        .bind(&o.aid_id)
        .bind(&o.actor)
        .bind(o.now)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn service_order(&self, id: &str) -> Result<Option<ServiceOrderRecord>, DbError> {
        Ok(self
            .orders_where("o.id = $1", id, None)
            .await?
            .into_iter()
            .next())
    }

    #[tracing::instrument(skip_all)]
    async fn service_orders_of_household(
        &self,
        household_id: &str,
    ) -> Result<Vec<ServiceOrderRecord>, DbError> {
        self.orders_where(
            "o.household_id = $1 ORDER BY o.period_from DESC, o.created_at DESC",
            household_id,
            None,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn service_orders_of_provider(
        &self,
        provider_id: &str,
        since: chrono::NaiveDate,
    ) -> Result<Vec<ServiceOrderRecord>, DbError> {
        self.orders_where(
            "o.provider_id = $1 AND o.period_until >= $2 \
             ORDER BY o.period_from DESC, o.created_at DESC LIMIT 500",
            provider_id,
            Some(&since.to_string()),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn end_service_order(
        &self,
        id: &str,
        last_day: chrono::NaiveDate,
    ) -> Result<(), DbError> {
        let day = last_day.to_string();
        let mut tx = self.db.begin().await?;
        let later: i64 =
            query("SELECT COUNT(*) AS n FROM service_deliveries WHERE order_id = $1 AND day > $2")
                .bind(id)
                .bind(&day)
                .fetch_one(&mut tx)
                .await?
                .get("n")?;
        if later > 0 {
            return Err(DbError::Conflict("order_has_later_services"));
        }
        let assistance: Option<String> = query(
            "UPDATE service_orders SET period_until = $1 WHERE id = $2 AND period_until > $1 \
             AND period_from <= $1 RETURNING assistance_id",
        )
        .bind(&day)
        .bind(id)
        .fetch_optional(&mut tx)
        .await?
        .map(|r| r.get("assistance_id"))
        .transpose()?;
        let Some(assistance) = assistance else {
            return Err(DbError::Conflict("order_ended"));
        };
        query("UPDATE assistance SET period_until = $1 WHERE id = $2")
            .bind(&day)
            .bind(&assistance)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn add_delivery(&self, d: DeliveryRecord, recorded_by: &str) -> Result<(), DbError> {
        let month = d.day.format("%Y-%m").to_string();
        let mut tx = self.db.begin().await?;
        // The order's row first, locked for the month's sum (two records at once: one waits).
        let limit: Option<i64> = query(
            "UPDATE service_orders SET monthly_quantity = monthly_quantity WHERE id = $1 \
             RETURNING monthly_quantity",
        )
        .bind(&d.order_id)
        .fetch_optional(&mut tx)
        .await?
        .map(|r| r.get("monthly_quantity"))
        .transpose()?;
        let Some(limit) = limit else {
            return Err(DbError::NotFound);
        };
        let given: i64 = query(
            "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS n FROM service_deliveries \
             WHERE order_id = $1 AND month = $2",
        )
        .bind(&d.order_id)
        .bind(&month)
        .fetch_one(&mut tx)
        .await?
        .get("n")?;
        if given + d.quantity > limit {
            return Err(DbError::Conflict("over_monthly_quantity"));
        }
        query(
            "INSERT INTO service_deliveries (id, order_id, day, month, quantity, carer, \
             confirmed_by, confirmation, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&d.id)
        .bind(&d.order_id)
        .bind(d.day.to_string())
        .bind(&month)
        .bind(d.quantity)
        .bind(self.seal(SERVICE_CARER, &d.carer))
        .bind(self.seal(SERVICE_CONFIRMED_BY, &d.confirmed_by))
        .bind(d.confirmation.code())
        .bind(recorded_by)
        .bind(d.recorded_at)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn deliveries(&self, order_id: &str) -> Result<Vec<DeliveryRecord>, DbError> {
        let rows = query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM service_deliveries WHERE order_id = $1 \
             ORDER BY day, recorded_at"
        ))
        .bind(order_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(|r| self.delivery_of_row(r)).collect()
    }
}
