//! 服务类社会救助: contracted providers' prices, service orders for household members who need
//! care (each an entry of the assistance chain), and the services given.

use super::*;
pub use crate::domain::care::{CareReason, Confirmation, ServiceKind, ServiceUnit};

/// A provider's contracted price for a service.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServicePrice {
    pub id: String,
    pub provider_id: String,
    /// The provider's name (filled in when read).
    pub provider_name: String,
    pub kind: ServiceKind,
    pub unit: ServiceUnit,
    /// Fen a unit.
    pub price: i64,
    pub active: bool,
}

/// A service order as stored (ids made by the server), with its chain entry.
#[derive(Clone, Debug)]
pub struct NewServiceOrder {
    pub id: String,
    pub household_id: String,
    pub region: RegionCode,
    pub price: ServicePrice,
    /// Tenths of the unit a month.
    pub monthly_quantity: i64,
    pub monthly_cost: i64,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub person_name: String,
    pub person_id: String,
    pub reasons: Vec<CareReason>,
    /// The assistance chain's entry (origin `service`), stored with the order.
    pub aid_id: String,
    pub aid: crate::domain::chain::NewAid,
    pub actor: String,
    pub now: Millis,
}

/// A stored service order, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceOrderRecord {
    pub id: String,
    pub household_id: String,
    pub region: RegionCode,
    pub provider_id: String,
    pub provider_name: String,
    pub kind: ServiceKind,
    pub unit: ServiceUnit,
    pub price: i64,
    pub monthly_quantity: i64,
    pub monthly_cost: i64,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub person_name: String,
    pub person_id: String,
    pub reasons: Vec<CareReason>,
    pub created_at: Millis,
}

/// One service given, as the provider recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: String,
    pub order_id: String,
    pub day: NaiveDate,
    /// Tenths of the order's unit.
    pub quantity: i64,
    pub carer: String,
    pub confirmed_by: String,
    pub confirmation: Confirmation,
    pub recorded_at: Millis,
}

#[async_trait]
pub trait CareStore: Send + Sync {
    async fn add_service_price(&self, p: ServicePrice, now: Millis) -> Result<(), DbError>;

    /// A provider's prices (with `active_only`, those it still offers).
    async fn service_prices(
        &self,
        provider_id: &str,
        active_only: bool,
    ) -> Result<Vec<ServicePrice>, DbError>;

    async fn service_price(&self, id: &str) -> Result<Option<ServicePrice>, DbError>;

    /// Stops (or resumes) offering a price of `provider_id`'s own: false when it is not theirs.
    async fn set_price_active(
        &self,
        id: &str,
        provider_id: &str,
        active: bool,
    ) -> Result<bool, DbError>;

    /// Stores an order and its chain entry in one transaction.
    async fn add_service_order(&self, o: NewServiceOrder) -> Result<(), DbError>;

    async fn service_order(&self, id: &str) -> Result<Option<ServiceOrderRecord>, DbError>;

    async fn service_orders_of_household(
        &self,
        household_id: &str,
    ) -> Result<Vec<ServiceOrderRecord>, DbError>;

    /// A provider's orders whose period has not ended before `since`, newest first.
    async fn service_orders_of_provider(
        &self,
        provider_id: &str,
        since: NaiveDate,
    ) -> Result<Vec<ServiceOrderRecord>, DbError>;

    /// Ends an order on `last_day` (its chain entry with it): `Conflict("order_ended")` when it
    /// ends by then already or `last_day` is before it begins, `Conflict("order_has_later_services")`
    /// when services were recorded after that day.
    async fn end_service_order(&self, id: &str, last_day: NaiveDate) -> Result<(), DbError>;

    /// Records a service given under `order_id`: `Conflict("over_monthly_quantity")` when the
    /// month's services would exceed the order's quantity a month.
    async fn add_delivery(&self, d: DeliveryRecord, recorded_by: &str) -> Result<(), DbError>;

    /// An order's services, by day.
    async fn deliveries(&self, order_id: &str) -> Result<Vec<DeliveryRecord>, DbError>;
}
