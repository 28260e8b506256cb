//! 统计: the maintained figures (`domain::statistics`). The store counts; the roll-up to every
//! level and the sums a page makes are the domain's.

use super::*;
use crate::domain::payments::Month;
pub use crate::domain::statistics::{Figure, Measure};

#[async_trait]
pub trait StatisticsStore: Send + Sync {
    /// Every measure counted per finest region a record has (its village, or its township)
    /// and month, from what is stored now; `today` decides which warning visits were due.
    async fn statistics_base(&self, today: chrono::NaiveDate) -> Result<Vec<Figure>, DbError>;

    /// Records urban/rural and the support mode of up to `limit` households decided before
    /// they were recorded at each decision (read from each one's last assessment), once each.
    /// How many were read: 0 when none is left.
    async fn read_missing_facts(&self, limit: i64) -> Result<u64, DbError>;

    /// Replaces every stored figure by `figures` in one transaction (a reader sees the earlier
    /// refresh or this one), recording when and how long it took. Refreshes queue one after
    /// another.
    async fn replace_statistics(
        &self,
        figures: &[Figure],
        refreshed_at: Millis,
        took_ms: i64,
    ) -> Result<(), DbError>;

    /// When the figures were last refreshed (0: never) and how long it took (ms).
    async fn statistics_refreshed(&self) -> Result<(Millis, i64), DbError>;

    /// One region's figures: its current counts and its months from `from` to `to`.
    async fn statistics(
        &self,
        region: &RegionCode,
        from: Month,
        to: Month,
    ) -> Result<Vec<Figure>, DbError>;

    /// The figures of the regions directly below `region` for `measures` (current counts, and
    /// months from `from` to `to`).
    async fn statistics_of_children(
        &self,
        region: &RegionCode,
        measures: &[Measure],
        from: Month,
        to: Month,
    ) -> Result<Vec<Figure>, DbError>;
}
