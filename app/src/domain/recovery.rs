//! 追回 (Zhangye (十六)): money paid that was not due — after an exit or a death, or before a
//! change that removed the entitlement — is recovered. A caseworker opens a case with its amount,
//! reason and decision (追回决定); repayments are recorded as they come; what cannot be
//! recovered is written off only when a second person approves. Pure: the rules a case moves by.

use super::money::Money;
use serde::{Deserialize, Serialize};

coded! {
    /// Why money is to be recovered.
    pub enum RecoveryReason {
        /// Paid for months after the household left assistance.
        PaidAfterExit = "paid_after_exit",
        /// Paid after a death the imports reported.
        PaidAfterDeath = "paid_after_death",
        /// A change (income, household, assets) removed or lowered the entitlement.
        EntitlementChanged = "entitlement_changed",
        /// 虚报、隐瞒、伪造: obtained by a false declaration.
        FalseDeclaration = "false_declaration",
        Other = "other",
    }
}

coded! {
    /// Where a case stands.
    pub enum RecoveryState {
        /// Being recovered.
        Open = "open",
        /// A write-off of what is left waits for a second person.
        WriteOffAsked = "write_off_asked",
        /// Nothing left: repaid, or the rest written off.
        Closed = "closed",
    }
}

/// A case's sums: what was overpaid, repaid so far and written off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverySums {
    pub amount: Money,
    pub repaid: Money,
    pub written_off: Money,
}

impl RecoverySums {
    /// What is still to be recovered.
    pub fn outstanding(self) -> Money {
        Money::from_fen(self.amount.fen() - self.repaid.fen() - self.written_off.fen())
    }
}

/// Why a step on a case was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryRefusal {
    /// Not a positive amount.
    Amount,
    /// More than is left to recover.
    MoreThanOutstanding,
    /// The case is not in the state the step needs (closed, or a write-off pending).
    State,
    /// The write-off's approver is who asked for it.
    SamePerson,
}

impl RecoveryRefusal {
    pub fn code(self) -> &'static str {
        match self {
            RecoveryRefusal::Amount => "recovery_amount",
            RecoveryRefusal::MoreThanOutstanding => "recovery_more_than_outstanding",
            RecoveryRefusal::State => "recovery_state",
            RecoveryRefusal::SamePerson => "same_person",
        }
    }
}

/// A repayment of `amount` on an open case: the sums and state after it (closed when nothing is
/// left).
pub fn repay(
    state: RecoveryState,
    sums: RecoverySums,
    amount: Money,
) -> Result<(RecoverySums, RecoveryState), RecoveryRefusal> {
    if amount.fen() <= 0 {
        return Err(RecoveryRefusal::Amount);
    }
    if state != RecoveryState::Open {
        return Err(RecoveryRefusal::State);
    }
    if amount.fen() > sums.outstanding().fen() {
        return Err(RecoveryRefusal::MoreThanOutstanding);
    }
    let after = RecoverySums {
        repaid: Money::from_fen(sums.repaid.fen() + amount.fen()),
        ..sums
    };
    let state = if after.outstanding().fen() == 0 {
        RecoveryState::Closed
    } else {
        RecoveryState::Open
    };
    Ok((after, state))
}

/// Asking to write off what is left: only of an open case with something left.
pub fn ask_write_off(state: RecoveryState, sums: RecoverySums) -> Result<(), RecoveryRefusal> {
    if state != RecoveryState::Open || sums.outstanding().fen() <= 0 {
        return Err(RecoveryRefusal::State);
    }
    Ok(())
}

/// A second person's answer to a write-off: approved, what is left is written off and the case
/// closes; refused, the case is open again. Never by who asked.
pub fn decide_write_off(
    state: RecoveryState,
    sums: RecoverySums,
    asked_by: Option<&str>,
    by: &str,
    approve: bool,
) -> Result<(RecoverySums, RecoveryState), RecoveryRefusal> {
    if state != RecoveryState::WriteOffAsked {
        return Err(RecoveryRefusal::State);
    }
    if asked_by == Some(by) {
        return Err(RecoveryRefusal::SamePerson);
    }
    if !approve {
        return Ok((sums, RecoveryState::Open));
    }
    Ok((
        RecoverySums {
            written_off: Money::from_fen(sums.written_off.fen() + sums.outstanding().fen()),
            ..sums
        },
        RecoveryState::Closed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(amount: i64, repaid: i64) -> RecoverySums {
        RecoverySums {
            amount: Money::from_fen(amount),
            repaid: Money::from_fen(repaid),
            written_off: Money::from_fen(0),
        }
    }

    #[test]
    fn repayments_never_exceed_what_is_left_and_the_last_one_closes_the_case() {
        use RecoveryState::*;
        let s = sums(10_000, 0);
        let (after, state) = repay(Open, s, Money::from_fen(4_000)).unwrap();
        assert_eq!((after.outstanding().fen(), state), (6_000, Open));
        assert_eq!(
            repay(Open, after, Money::from_fen(6_001)),
            Err(RecoveryRefusal::MoreThanOutstanding)
        );
        assert_eq!(
            repay(Open, after, Money::from_fen(0)),
            Err(RecoveryRefusal::Amount)
        );
        let (done, state) = repay(Open, after, Money::from_fen(6_000)).unwrap();
        assert_eq!((done.outstanding().fen(), state), (0, Closed));
        assert_eq!(
            repay(Closed, done, Money::from_fen(1)),
            Err(RecoveryRefusal::State)
        );
        assert_eq!(
            repay(WriteOffAsked, after, Money::from_fen(1)),
            Err(RecoveryRefusal::State)
        );
    }

    #[test]
    fn a_write_off_needs_a_second_person_and_takes_only_what_is_left() {
        use RecoveryState::*;
        let s = sums(10_000, 2_500);
        assert_eq!(ask_write_off(Open, s), Ok(()));
        assert_eq!(ask_write_off(Closed, s), Err(RecoveryRefusal::State));
        assert_eq!(
            ask_write_off(Open, sums(100, 100)),
            Err(RecoveryRefusal::State)
        );
        assert_eq!(
            decide_write_off(WriteOffAsked, s, Some("a"), "a", true),
            Err(RecoveryRefusal::SamePerson)
        );
        assert_eq!(
            decide_write_off(Open, s, Some("a"), "b", true),
            Err(RecoveryRefusal::State)
        );
        let (after, state) = decide_write_off(WriteOffAsked, s, Some("a"), "b", true).unwrap();
        assert_eq!(
            (after.written_off.fen(), after.outstanding().fen(), state),
            (7_500, 0, Closed)
        );
        assert_eq!(
            decide_write_off(WriteOffAsked, s, Some("a"), "b", false),
            Ok((s, Open))
        );
    }
}
