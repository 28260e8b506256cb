//! 资金发放: what a household in assistance is paid in a month's roll, and why, line by line.
//! Pure: the store gives each household's decision in force, standing, the last month a frozen
//! roll paid it, and an open death warning; these rules decide.
//!
//! - A month is due when the decision is in force in it (its effective day falls on or before
//!   the month's last day) and the household is in assistance, or has left but its aid runs into
//!   the month (the exit's last day, or the end of its 渐退期, on or after the month's first day).
//! - Months due before this one and after the last paid month are arrears (补发), never before
//!   the county's first frozen roll (months before it were paid outside this system).
//! - A household with an open death warning (a member's death reported by 公安 or 卫健 imports)
//!   is held (暂缓发放): nothing is paid and the months stay due, so the roll after the warning
//!   is handled pays them as arrears.
//! - A household paid last month and due nothing now gets a line of zero saying why (停发), so
//!   the roll shows every change.

use super::cycle::Standing;
use super::money::Money;
use super::policy::assess::Category;
use super::region::RegionCode;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A calendar month, written `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// `YYYY-MM`, years 2000 to 2199.
    pub fn parse(raw: &str) -> Option<Month> {
        let (y, m) = raw.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        ((2000..=2199).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a month's first day")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next()
            .first_day()
            .pred_opt()
            .expect("a month's last day")
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                month: self.month - 1,
                ..self
            }
        }
    }

    /// Months from `self` to `later` (0 for the same month, negative when `later` is before).
    pub fn until(self, later: Month) -> i64 {
        (later.year - self.year) as i64 * 12 + later.month as i64 - self.month as i64
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).ok_or_else(|| serde::de::Error::custom("a month YYYY-MM"))
    }
}

coded! {
    /// The fund a payment is drawn from (资金来源): each category's own budget line.
    pub enum Fund {
        /// 最低生活保障资金
        Dibao = "dibao",
        /// 特困人员救助供养资金
        Tekun = "tekun",
        /// 其他社会救助资金
        Other = "other",
    }
}

impl Fund {
    pub fn of(category: Category) -> Fund {
        match category {
            Category::Dibao => Fund::Dibao,
            Category::Tekun => Fund::Tekun,
            _ => Fund::Other,
        }
    }
}

coded! {
    /// Where a roll stands: prepared (recomputable) → approved (frozen) → reconciled (the bank
    /// answered every paid line).
    pub enum RollStatus {
        Prepared = "prepared",
        Approved = "approved",
        Reconciled = "reconciled",
    }
}

coded! {
    /// The bank's answer for a line.
    pub enum BankStatus {
        Paid = "paid",
        Failed = "failed",
    }
}

/// Why a line is what it is: each is shown to the caseworker and written in the roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum PayNote {
    /// The month's amount under the decision in force.
    Monthly { month: Month, amount_fen: i64 },
    /// Months due before this one and not yet paid (补发).
    Arrears {
        from: Month,
        until: Month,
        months: u32,
        amount_fen: i64,
    },
    /// The household has left; its aid runs to this day (the exit's, or its 渐退期's end).
    PaidUntil { last_day: NaiveDate },
    /// In its 渐退期 since this day.
    Taper { since: NaiveDate },
    /// Held (暂缓发放): a member's death was reported (warning `warning`) and is not yet handled.
    Held { warning: i64 },
    /// Paid last month, nothing due now (停发): the aid ended on this day.
    Stopped { last_day: Option<NaiveDate> },
}

/// One household as the roll reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayInput {
    pub household_id: String,
    pub region: RegionCode,
    pub category: Category,
    pub monthly: Money,
    pub effective_from: NaiveDate,
    pub standing: Standing,
    /// The last day of aid of a household that left (`None` while in assistance).
    pub assistance_until: Option<NaiveDate>,
    pub taper_since: Option<NaiveDate>,
    /// The last month a frozen roll paid it.
    pub paid_through: Option<Month>,
    /// An open warning about a member's death.
    pub death_warning: Option<i64>,
}

/// A household's line of a roll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayLine {
    pub household_id: String,
    pub region: RegionCode,
    pub category: Category,
    pub fund: Fund,
    /// This month's amount (zero when not due this month).
    pub monthly: Money,
    pub arrears: Money,
    pub arrears_months: u32,
    /// What the bank pays: this month and arrears, unless held.
    pub amount: Money,
    /// Due but held.
    pub held: Money,
    /// `paid_through` when the line was computed: approval checks it has not moved since.
    pub paid_through_before: Option<Month>,
    pub notes: Vec<PayNote>,
}

impl PayInput {
    /// Whether the decision is in force and aid runs in `m`.
    fn due_in(&self, m: Month) -> bool {
        self.effective_from <= m.last_day()
            && match self.standing {
                Standing::InAssistance => true,
                Standing::Exited => self.assistance_until.is_some_and(|d| d >= m.first_day()),
                Standing::Applicant | Standing::Rejected | Standing::Listed => false,
            }
    }
}

/// The household's line of the roll of `month`; `first_month` is the county's first frozen roll
/// (`None`: this is the first). `None` when the household has nothing in this roll.
pub fn pay_line(input: &PayInput, month: Month, first_month: Option<Month>) -> Option<PayLine> {
    if input.monthly.fen() <= 0 {
        return None;
    }
    let mut start = Month::of(input.effective_from).max(first_month.unwrap_or(month).min(month));
    if let Some(paid) = input.paid_through {
        start = start.max(paid.next());
    }
    // The months due form one run: aid starts once and, when the household left, ends once.
    let due: Vec<Month> = std::iter::successors(Some(start), |m| Some(m.next()))
        .take_while(|m| *m <= month)
        .filter(|m| input.due_in(*m))
        .collect();
    let mut notes = Vec::new();
    let line = |monthly: i64, arrears: i64, arrears_months: u32, held: i64, notes| PayLine {
        household_id: input.household_id.clone(),
        region: input.region.clone(),
        category: input.category,
        fund: Fund::of(input.category),
        monthly: Money::from_fen(monthly),
        arrears: Money::from_fen(arrears),
        arrears_months,
        amount: Money::from_fen(monthly + arrears - held),
        held: Money::from_fen(held),
        paid_through_before: input.paid_through,
        notes,
    };
    if due.is_empty() {
        // Paid last month and nothing now: say why it stopped.
        return (input.paid_through == Some(month.prev())).then(|| {
            line(
                0,
                0,
                0,
                0,
                vec![PayNote::Stopped {
                    last_day: input.assistance_until,
                }],
            )
        });
    }
    let per_month = input.monthly.fen();
    let this_month = due.last() == Some(&month);
    let arrears: Vec<Month> = due.iter().copied().filter(|m| *m < month).collect();
    if this_month {
        notes.push(PayNote::Monthly {
            month,
            amount_fen: per_month,
        });
    }
    if let (Some(from), Some(until)) = (arrears.first(), arrears.last()) {
        notes.push(PayNote::Arrears {
            from: *from,
            until: *until,
            months: arrears.len() as u32,
            amount_fen: per_month * arrears.len() as i64,
        });
    }
    if input.standing == Standing::Exited {
        if let Some(since) = input.taper_since {
            notes.push(PayNote::Taper { since });
        }
        if let Some(last_day) = input.assistance_until {
            notes.push(PayNote::PaidUntil { last_day });
        }
    }
    let monthly = if this_month { per_month } else { 0 };
    let arrears_fen = per_month * arrears.len() as i64;
    let held = match input.death_warning {
        Some(warning) => {
            notes.push(PayNote::Held { warning });
            monthly + arrears_fen
        }
        None => 0,
    };
    Some(line(
        monthly,
        arrears_fen,
        arrears.len() as u32,
        held,
        notes,
    ))
}

/// What a frozen line paid for months after the household's aid ended on `last_day` (an exit
/// recorded after the roll was approved, with its last day before the month): to recover (追回).
/// The line's months are its arrears and, when it paid it, its own month, each paid alike.
pub fn overpaid(line: &PayLine, roll_month: Month, last_day: NaiveDate) -> Money {
    let months = line.arrears_months as i64 + i64::from(line.monthly.fen() > 0);
    if months == 0 || line.amount.fen() <= 0 {
        return Money::from_fen(0);
    }
    let per_month = line.amount.fen() / months;
    let last = if line.monthly.fen() > 0 {
        roll_month
    } else {
        roll_month.prev()
    };
    let after = (0..months)
        .map(|i| {
            std::iter::successors(Some(last), |m| Some(m.prev()))
                .nth(i as usize)
                .expect("a month")
        })
        .filter(|m| m.first_day() > last_day)
        .count() as i64;
    Money::from_fen(per_month * after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn input() -> PayInput {
        PayInput {
            household_id: "h1".into(),
            region: RegionCode::parse("620702100201").unwrap(),
            category: Category::Dibao,
            monthly: Money::from_fen(48_000),
            effective_from: d("2026-09-15"),
            standing: Standing::InAssistance,
            assistance_until: None,
            taper_since: None,
            paid_through: Some(m("2026-11")),
            death_warning: None,
        }
    }

    #[test]
    fn months_read_and_count() {
        assert_eq!(m("2026-12").next(), m("2027-01"));
        assert_eq!(m("2027-01").prev(), m("2026-12"));
        assert_eq!(m("2026-02").last_day(), d("2026-02-28"));
        assert_eq!(m("2026-10").until(m("2027-01")), 3);
        for bad in [
            "2026-13",
            "2026-00",
            "26-01",
            "2026-1",
            "1999-12",
            "2026/01",
            "２０２６-01",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(m("2026-03").to_string(), "2026-03");
        assert_eq!(
            serde_json::from_str::<Month>("\"2026-03\"").unwrap(),
            m("2026-03")
        );
    }

    #[test]
    fn a_household_in_assistance_is_paid_its_month() {
        let l = pay_line(&input(), m("2026-12"), Some(m("2026-01"))).unwrap();
        assert_eq!(l.amount, Money::from_fen(48_000));
        assert_eq!((l.arrears_months, l.held), (0, Money::from_fen(0)));
        assert_eq!(l.fund, Fund::Dibao);
        assert_eq!(
            l.notes,
            [PayNote::Monthly {
                month: m("2026-12"),
                amount_fen: 48_000
            }]
        );
        // Already paid this month (a roll approved meanwhile): nothing.
        let paid = PayInput {
            paid_through: Some(m("2026-12")),
            ..input()
        };
        assert_eq!(pay_line(&paid, m("2026-12"), Some(m("2026-01"))), None);
        // No cash (a marginal household's amount is zero): no line.
        let zero = PayInput {
            monthly: Money::from_fen(0),
            ..input()
        };
        assert_eq!(pay_line(&zero, m("2026-12"), None), None);
    }

    #[test]
    fn months_missed_since_the_last_payment_are_arrears_but_never_before_the_first_roll() {
        // Approved in September, first paid now: October and November are arrears; September was
        // before the county's first roll (October).
        let new = PayInput {
            paid_through: None,
            ..input()
        };
        let l = pay_line(&new, m("2026-12"), Some(m("2026-10"))).unwrap();
        assert_eq!(l.arrears_months, 2);
        assert_eq!(l.amount, Money::from_fen(3 * 48_000));
        assert!(l.notes.contains(&PayNote::Arrears {
            from: m("2026-10"),
            until: m("2026-11"),
            months: 2,
            amount_fen: 96_000
        }));
        // The county's first roll: nothing before it.
        let first = pay_line(&new, m("2026-12"), None).unwrap();
        assert_eq!(
            (first.arrears_months, first.amount),
            (0, Money::from_fen(48_000))
        );
        // A decision in force only from next month: nothing yet.
        let later = PayInput {
            effective_from: d("2027-01-01"),
            ..new
        };
        assert_eq!(pay_line(&later, m("2026-12"), Some(m("2026-10"))), None);
    }

    #[test]
    fn a_household_that_left_is_paid_to_its_last_day_then_stops_with_a_line_saying_so() {
        let left = PayInput {
            standing: Standing::Exited,
            assistance_until: Some(d("2027-02-28")),
            taper_since: Some(d("2026-11-20")),
            ..input()
        };
        let l = pay_line(&left, m("2026-12"), Some(m("2026-01"))).unwrap();
        assert_eq!(l.amount, Money::from_fen(48_000));
        assert!(l.notes.contains(&PayNote::Taper {
            since: d("2026-11-20")
        }));
        assert!(l.notes.contains(&PayNote::PaidUntil {
            last_day: d("2027-02-28")
        }));
        // After its last day: a zero line the month after the last payment, then nothing.
        let after = PayInput {
            paid_through: Some(m("2027-02")),
            ..left.clone()
        };
        let stop = pay_line(&after, m("2027-03"), Some(m("2026-01"))).unwrap();
        assert_eq!(stop.amount, Money::from_fen(0));
        assert_eq!(
            stop.notes,
            [PayNote::Stopped {
                last_day: Some(d("2027-02-28"))
            }]
        );
        assert_eq!(pay_line(&after, m("2027-04"), Some(m("2026-01"))), None);
        // Left on the 3rd of December: December is paid, January not.
        let exit = PayInput {
            standing: Standing::Exited,
            assistance_until: Some(d("2026-12-03")),
            ..input()
        };
        assert!(pay_line(&exit, m("2026-12"), None).is_some_and(|l| l.amount.fen() == 48_000));
    }

    #[test]
    fn what_was_paid_after_the_aid_ended_is_to_recover() {
        let line = pay_line(
            &PayInput {
                paid_through: Some(m("2026-10")),
                ..input()
            },
            m("2026-12"),
            Some(m("2026-01")),
        )
        .unwrap();
        // November (arrears) and December paid; the aid ended on 20 November: December is owed.
        assert_eq!(line.amount, Money::from_fen(96_000));
        assert_eq!(
            overpaid(&line, m("2026-12"), d("2026-11-20")),
            Money::from_fen(48_000)
        );
        assert_eq!(
            overpaid(&line, m("2026-12"), d("2026-10-31")),
            Money::from_fen(96_000)
        );
        assert_eq!(
            overpaid(&line, m("2026-12"), d("2026-12-01")),
            Money::from_fen(0)
        );
    }

    #[test]
    fn a_reported_death_holds_the_payment_and_the_months_are_paid_once_it_is_handled() {
        let held = PayInput {
            death_warning: Some(7),
            ..input()
        };
        let l = pay_line(&held, m("2026-12"), Some(m("2026-01"))).unwrap();
        assert_eq!(
            (l.amount, l.held),
            (Money::from_fen(0), Money::from_fen(48_000))
        );
        assert!(l.notes.contains(&PayNote::Held { warning: 7 }));
        // Nothing was paid in December (paid_through stays November); January pays both.
        let released = PayInput {
            death_warning: None,
            ..input()
        };
        let next = pay_line(&released, m("2027-01"), Some(m("2026-01"))).unwrap();
        assert_eq!(next.arrears_months, 1);
        assert_eq!(next.amount, Money::from_fen(96_000));
    }
}
