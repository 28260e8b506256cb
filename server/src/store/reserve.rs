//! 乡镇临时救助备用金: a balance per township that one conditional `UPDATE` moves (it spends only
//! what is there, so concurrent spends queue on the row and none takes it below zero; the table's
//! CHECK says so again), and an entry per movement with the balance it left.

use super::dialect::{code, query, region, within, Tx};
use super::SqlStore;
use app::domain::money::Money;
use app::domain::region::RegionCode;
use app::store::*;

/// Spends from the township's reserve inside `tx`: `Ok(None)` when the township has no reserve,
/// `Conflict("reserve_short")` when it holds less than `amount`.
pub(super) async fn spend_in(
    tx: &mut Tx<'_>,
    township: &RegionCode,
    amount: Money,
    emergency_id: Option<&str>,
    actor_id: &str,
    now: Millis,
) -> Result<Option<Money>, DbError> {
    let moved = query(
        "UPDATE reserve_funds SET balance = balance - $2, updated_at = $3 \
         WHERE township = $1 AND balance >= $2 RETURNING balance",
    )
    .bind(township.as_str())
    .bind(amount.fen())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(r) = moved else {
        let exists = query("SELECT 1 AS one FROM reserve_funds WHERE township = $1")
            .bind(township.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        return if exists {
            Err(DbError::Conflict("reserve_short"))
        } else {
            Ok(None)
        };
    };
    let balance: i64 = r.get("balance")?;
    entry(
        tx,
        township,
        ReserveKind::Spend,
        amount,
        balance,
        emergency_id,
        "",
        actor_id,
        now,
    )
    .await?;
    Ok(Some(Money::from_fen(balance)))
}

#[allow(clippy::too_many_arguments)]
async fn entry(
    tx: &mut Tx<'_>,
    township: &RegionCode,
    kind: ReserveKind,
    amount: Money,
    balance_after: i64,
    emergency_id: Option<&str>,
    note: &str,
    actor_id: &str,
    now: Millis,
) -> Result<(), DbError> {
    query(
        "INSERT INTO reserve_entries (township, kind, amount, balance_after, emergency_id, note, \
         recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(township.as_str())
    .bind(kind.code())
    .bind(amount.fen())
    .bind(balance_after)
    .bind(emergency_id)
    .bind(note)
    .bind(actor_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    township: String,
    kind: String,
    amount: i64,
    balance_after: i64,
    emergency_id: Option<String>,
    note: String,
    by_name: String,
    recorded_at: Millis,
}

impl TryFrom<EntryRow> for ReserveEntry {
    type Error = DbError;
    fn try_from(r: EntryRow) -> Result<Self, DbError> {
        Ok(ReserveEntry {
            id: r.id,
            township: region("township", &r.township)?,
            kind: code("kind", &r.kind)?,
            amount: Money::from_fen(r.amount),
            balance_after: Money::from_fen(r.balance_after),
            emergency_id: r.emergency_id,
            note: r.note,
            by_name: r.by_name,
            at: r.recorded_at,
        })
    }
}

#[async_trait::async_trait]
impl ReserveStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn reserve_credit(
        &self,
        township: &RegionCode,
        kind: ReserveKind,
        amount: Money,
        note: &str,
        actor_id: &str,
        now: Millis,
    ) -> Result<Money, DbError> {
        if kind == ReserveKind::Spend || amount.fen() <= 0 {
            return Err(DbError::Conflict("reserve_amount"));
        }
        let mut tx = self.db.begin().await?;
        let r = query(
            "INSERT INTO reserve_funds (township, balance, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (township) DO UPDATE SET balance = reserve_funds.balance + $2, \
             updated_at = $3 RETURNING balance",
        )
        .bind(township.as_str())
        .bind(amount.fen())
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        let balance: i64 = r.get("balance")?;
        entry(
            &mut tx, township, kind, amount, balance, None, note, actor_id, now,
        )
        .await?;
        tx.commit().await?;
        Ok(Money::from_fen(balance))
    }

    #[tracing::instrument(skip_all)]
    async fn reserve_spend(
        &self,
        township: &RegionCode,
        amount: Money,
        emergency_id: Option<&str>,
        actor_id: &str,
        now: Millis,
    ) -> Result<Money, DbError> {
        if amount.fen() <= 0 {
            return Err(DbError::Conflict("reserve_amount"));
        }
        let mut tx = self.db.begin().await?;
        let balance = spend_in(&mut tx, township, amount, emergency_id, actor_id, now)
            .await?
            .ok_or(DbError::NotFound)?;
        tx.commit().await?;
        Ok(balance)
    }

    #[tracing::instrument(skip_all)]
    async fn reserve_balances(&self, region: &RegionCode) -> Result<Vec<ReserveBalance>, DbError> {
        let rows = query(
            "SELECT township, balance, updated_at FROM reserve_funds WHERE township LIKE $1 \
             ORDER BY township",
        )
        .bind(within(region))
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                let t: String = r.get("township")?;
                Ok(ReserveBalance {
                    township: region_of(&t)?,
                    balance: Money::from_fen(r.get("balance")?),
                    updated_at: r.get("updated_at")?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn reserve_entries(
        &self,
        township: &RegionCode,
        from: Millis,
        until: Millis,
    ) -> Result<(Money, Vec<ReserveEntry>), DbError> {
        let before = query(
            "SELECT balance_after FROM reserve_entries WHERE township = $1 AND recorded_at < $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(township.as_str())
        .bind(from)
        .fetch_optional(&self.db)
        .await?;
        let opening = match before {
            Some(r) => Money::from_fen(r.get("balance_after")?),
            None => Money::from_fen(0),
        };
        let rows = query(
            "SELECT e.id, e.township, e.kind, e.amount, e.balance_after, e.emergency_id, e.note, \
             u.display_name AS by_name, e.recorded_at FROM reserve_entries e \
             JOIN users u ON u.id = e.recorded_by WHERE e.township = $1 \
             AND e.recorded_at >= $2 AND e.recorded_at < $3 ORDER BY e.id",
        )
        .bind(township.as_str())
        .bind(from)
        .bind(until)
        .fetch_all(&self.db)
        .await?;
        let entries = rows
            .iter()
            .map(|r| r.decode::<EntryRow>()?.try_into())
            .collect::<Result<_, DbError>>()?;
        Ok((opening, entries))
    }
}

fn region_of(raw: &str) -> Result<RegionCode, DbError> {
    region("township", raw)
}
