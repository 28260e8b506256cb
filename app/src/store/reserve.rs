//! 乡镇临时救助备用金: township reserves, credited by the county and spent by advance emergency
//! aid (`CycleStore::record_emergency` spends in its own transaction).

use super::*;
pub use crate::domain::reserve::{ReserveEntry, ReserveKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReserveBalance {
    pub township: RegionCode,
    pub balance: Money,
    pub updated_at: Millis,
}

#[async_trait]
pub trait ReserveStore: Send + Sync {
    /// Credits a township's reserve (opening it on its first allocation); the balance after.
    async fn reserve_credit(
        &self,
        township: &RegionCode,
        kind: ReserveKind,
        amount: Money,
        note: &str,
        actor_id: &str,
        now: Millis,
    ) -> Result<Money, DbError>;

    /// Spends from a township's reserve, only what is there: `Conflict("reserve_short")` when the
    /// balance is less, `NotFound` when the township has none. The balance after.
    async fn reserve_spend(
        &self,
        township: &RegionCode,
        amount: Money,
        emergency_id: Option<&str>,
        actor_id: &str,
        now: Millis,
    ) -> Result<Money, DbError>;

    /// The reserves of the townships in a region.
    async fn reserve_balances(&self, region: &RegionCode) -> Result<Vec<ReserveBalance>, DbError>;

    /// A township's entries at or after `from` and before `until`, oldest first, and its
    /// balance before `from`.
    async fn reserve_entries(
        &self,
        township: &RegionCode,
        from: Millis,
        until: Millis,
    ) -> Result<(Money, Vec<ReserveEntry>), DbError>;
}
