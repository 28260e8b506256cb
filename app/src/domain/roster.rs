//! 花名册: the lists a roster export is made of (`api::rosters` reads a request for one), and the
//! dated selections a dashboard figure links to (the months it counts).

use super::cycle::china_midnight_ms;
use super::monitoring::Source;
use super::payments::Month;
use super::referral::ReferralStatus;
use chrono::NaiveDate;

coded! {
    /// The lists a roster is made of.
    pub enum RosterKind {
        Households = "households",
        Applications = "applications",
        Warnings = "warnings",
        /// A month's payment roll (资金发放).
        Payments = "payments",
        /// 转介: referrals sent to other departments.
        Referrals = "referrals",
        /// 临时救助: emergency aid recorded (先行救助 or after approval).
        Emergency = "emergency",
        /// 追回: cases of money to be recovered.
        Recovery = "recovery",
        /// 慈善帮扶: households' needs put to charities.
        Charity = "charity",
    }
}

coded! {
    /// Households by what happened to them in a span of months, as the dashboard counts them:
    /// the decision in force took effect (新增), they left assistance (退出), their 渐退期 began.
    pub enum Flow {
        Entered = "entered",
        Exited = "exited",
        Tapering = "tapering",
    }
}

coded! {
    /// Warnings by their home visit, as the dashboard counts them: due (made, or its day
    /// passed) or made on time (on or before its day).
    pub enum VisitFilter {
        Due = "due",
        OnTime = "on_time",
    }
}

coded! {
    /// 临时救助 by when it was given: in advance (先行救助) or after approval.
    pub enum EmergencyForm {
        Advance = "advance",
        Regular = "regular",
    }
}

/// A household's residence as a roster selects it when none was recorded.
pub const UNRECORDED: &str = "unrecorded";

/// A warning's source as a roster selects it: a department's file, or none (raised by staff).
pub const STAFF_SOURCE: &str = "staff";

/// A referral's state as a roster selects it: one state, or answered (any but sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferralState {
    Is(ReferralStatus),
    Answered,
}

impl ReferralState {
    pub const ANSWERED: &'static str = "answered";

    pub fn code(self) -> &'static str {
        match self {
            ReferralState::Is(s) => s.code(),
            ReferralState::Answered => Self::ANSWERED,
        }
    }
}

/// Where a warning came from: a department's file, or staff (no file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningOrigin {
    File(Source),
    Staff,
}

impl WarningOrigin {
    pub fn code(self) -> &'static str {
        match self {
            WarningOrigin::File(s) => s.code(),
            WarningOrigin::Staff => STAFF_SOURCE,
        }
    }
}

/// A recovery case's state as a roster selects it: one state, or outstanding (not closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryChoice {
    Is(super::recovery::RecoveryState),
    Outstanding,
}

impl RecoveryChoice {
    pub const OUTSTANDING: &'static str = "outstanding";

    pub fn code(self) -> &'static str {
        match self {
            RecoveryChoice::Is(s) => s.code(),
            RecoveryChoice::Outstanding => Self::OUTSTANDING,
        }
    }
}

/// Whole months, `from` to `to` inclusive, in China's calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthSpan {
    pub from: Month,
    pub to: Month,
}

impl MonthSpan {
    /// `None` when `to` is before `from`.
    pub fn new(from: Month, to: Month) -> Option<MonthSpan> {
        (from <= to).then_some(MonthSpan { from, to })
    }

    pub fn first_day(self) -> NaiveDate {
        self.from.first_day()
    }

    pub fn last_day(self) -> NaiveDate {
        self.to.last_day()
    }

    /// The span as instants: `[start, end)` in ms since the epoch, midnight in China.
    pub fn millis(self) -> (i64, i64) {
        (
            china_midnight_ms(self.from.first_day()),
            china_midnight_ms(self.to.next().first_day()),
        )
    }
}

impl std::fmt::Display for MonthSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_holds_whole_months_in_china_time() {
        let m = |s: &str| Month::parse(s).unwrap();
        assert!(MonthSpan::new(m("2026-03"), m("2026-02")).is_none());
        let s = MonthSpan::new(m("2026-01"), m("2026-02")).unwrap();
        assert_eq!(s.first_day().to_string(), "2026-01-01");
        assert_eq!(s.last_day().to_string(), "2026-02-28");
        let (start, end) = s.millis();
        // 2025-12-31 16:00 UTC is midnight on New Year's Day in China.
        assert_eq!(start, 1_767_196_800_000);
        assert_eq!(end, 1_772_294_400_000);
        assert_eq!(s.to_string(), "2026-01..2026-02");
    }
}
