//! 乡镇临时救助备用金 (Zhangye (九)): a township's reserve for 先行救助, allocated and topped up
//! by the county and spent by advance emergency aid; its balance never goes below zero (the store
//! spends only what is there, in the emergency's own transaction). Pure: a month's
//! reconciliation of a township's entries.

use super::money::Money;
use super::region::RegionCode;
use serde::{Deserialize, Serialize};

coded! {
    /// What moved a reserve.
    pub enum ReserveKind {
        /// 县级下拨: the year's allocation from the county.
        Allocation = "allocation",
        /// 追加: a top-up when it runs low.
        TopUp = "top_up",
        /// 先行救助支出: advance emergency aid paid from it.
        Spend = "spend",
    }
}

impl ReserveKind {
    pub fn is_credit(self) -> bool {
        !matches!(self, ReserveKind::Spend)
    }
}

/// One movement of a township's reserve, with the balance it left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveEntry {
    pub id: i64,
    pub township: RegionCode,
    pub kind: ReserveKind,
    pub amount: Money,
    pub balance_after: Money,
    /// The emergency aid a spend paid.
    pub emergency_id: Option<String>,
    pub note: String,
    pub by_name: String,
    pub at: i64,
}

/// A month of a township's reserve (对账): what it opened with, what came in and went out, what
/// it closed with, and whether the entries agree with themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub opening: Money,
    pub allocated: Money,
    pub topped_up: Money,
    pub spent: Money,
    pub spends: i64,
    pub closing: Money,
    /// opening + allocated + topped up − spent = closing, and every entry's balance follows from
    /// the one before.
    pub consistent: bool,
}

/// The month's reconciliation from the balance before it (`opening`) and its entries in order.
pub fn reconcile(opening: Money, entries: &[ReserveEntry]) -> Reconciliation {
    let (mut allocated, mut topped_up, mut spent, mut spends) = (0i64, 0i64, 0i64, 0i64);
    let mut running = opening.fen();
    let mut consistent = true;
    for e in entries {
        let a = e.amount.fen();
        match e.kind {
            ReserveKind::Allocation => allocated += a,
            ReserveKind::TopUp => topped_up += a,
            ReserveKind::Spend => {
                spent += a;
                spends += 1;
            }
        }
        running += if e.kind.is_credit() { a } else { -a };
        consistent &= running == e.balance_after.fen() && running >= 0 && a > 0;
    }
    let closing = entries.last().map(|e| e.balance_after).unwrap_or(opening);
    consistent &= opening.fen() + allocated + topped_up - spent == closing.fen();
    Reconciliation {
        opening,
        allocated: Money::from_fen(allocated),
        topped_up: Money::from_fen(topped_up),
        spent: Money::from_fen(spent),
        spends,
        closing,
        consistent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: ReserveKind, amount: i64, after: i64) -> ReserveEntry {
        ReserveEntry {
            id: 0,
            township: RegionCode::parse("620702100").unwrap(),
            kind,
            amount: Money::from_fen(amount),
            balance_after: Money::from_fen(after),
            emergency_id: None,
            note: String::new(),
            by_name: String::new(),
            at: 0,
        }
    }

    #[test]
    fn a_month_reconciles_from_its_opening_balance() {
        let r = reconcile(
            Money::from_fen(10_000),
            &[
                entry(ReserveKind::Spend, 3_000, 7_000),
                entry(ReserveKind::TopUp, 50_000, 57_000),
                entry(ReserveKind::Spend, 7_000, 50_000),
            ],
        );
        assert_eq!(
            (r.topped_up, r.spent, r.spends, r.closing, r.consistent),
            (
                Money::from_fen(50_000),
                Money::from_fen(10_000),
                2,
                Money::from_fen(50_000),
                true
            )
        );
        // A month without movement closes as it opened.
        let quiet = reconcile(Money::from_fen(10_000), &[]);
        assert_eq!(
            (quiet.closing, quiet.consistent),
            (Money::from_fen(10_000), true)
        );
        // An entry whose balance does not follow is seen.
        let broken = reconcile(
            Money::from_fen(10_000),
            &[entry(ReserveKind::Spend, 3_000, 8_000)],
        );
        assert!(!broken.consistent);
    }
}
