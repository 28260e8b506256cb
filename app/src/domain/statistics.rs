//! 统计: the figures the dashboard and the monthly statistical report show, as maintained rows.
//! The store counts what it holds per village (or the finest region a record has) and month;
//! `roll_up` adds each count to every region above it, so a reader asks for one region's rows
//! (and its children's) and never scans the caseload. Pure: the measures, the roll-up, and the
//! sums a page or a report makes of the rows.

use super::payments::Month;
use super::region::RegionCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

coded! {
    /// What a figure counts. `n` and `amount` mean, per measure:
    pub enum Measure {
        /// Households in assistance now (the decision in force), by category (`k1`) and
        /// urban/rural (`k2`, empty when not recorded): n households, amount persons.
        Households = "households",
        /// Tekun households in assistance now by support mode (`k1`): n households, amount persons.
        TekunSupport = "tekun_support",
        /// Decisions taking effect in a month, by category: n decisions.
        Entered = "entered",
        /// Households that left assistance in a month: n households.
        Exited = "exited",
        /// Households whose 渐退期 began in a month: n households.
        Tapering = "tapering",
        /// Applications now, by state (`k1`): n applications.
        Applications = "applications",
        /// Applications decided in a month (by their latest decision, when decided again after
        /// an objection), by category: n applications, amount the days from submission.
        Decided = "decided",
        /// Warnings raised in a month by level (`k1`) and source (`k2`): n warnings.
        Warnings = "warnings",
        /// Warnings raised in a month whose visit was due by the refresh or was made: n such
        /// warnings, amount those visited by their deadline.
        WarningVisits = "warning_visits",
        /// The same warnings (n), and those disposed of after a visit by the deadline (amount).
        WarningsDisposed = "warnings_disposed",
        /// Annual reviews (年度复核) due in a month, by the refresh or done (n), and those done
        /// by their day (amount).
        Reviews = "reviews",
        /// Referrals sent in a month by department (`k1`): n sent, amount answered.
        Referrals = "referrals",
        /// Emergency aid recorded in a month, advance (`k1` = `advance`) or not (`regular`):
        /// n cases, amount yuan (in fen).
        Emergency = "emergency",
        /// Charity needs met in a month by form (`k1`): n needs, amount delivered (fen for funds,
        /// units for goods and services).
        CharityMet = "charity_met",
        /// Paid in a month's approved roll, by category (`k1`) and urban/rural (`k2`): n
        /// households paid, amount fen.
        Paid = "paid",
        /// The persons of the households paid in a month's approved roll (the members each
        /// household has now), by category (`k1`): n persons.
        PaidPersons = "paid_persons",
        /// Paid in a month's approved roll, by funding source (`k1`): n households, amount fen.
        PaidFund = "paid_fund",
        /// Paid to Tekun households in a month, by support mode (`k1`): n households, amount fen.
        PaidTekun = "paid_tekun",
        /// Recovery cases (追回) opened in a month, by reason (`k1`): n cases, amount fen.
        RecoveryOpened = "recovery_opened",
        /// Repayments received in a month: n repayments, amount fen.
        RecoveryRepaid = "recovery_repaid",
        /// Recovery cases not closed now: n cases, amount outstanding (fen).
        RecoveryOutstanding = "recovery_outstanding",
    }
}

impl Measure {
    /// Counted as of the refresh (no month) rather than per month.
    pub fn is_current(self) -> bool {
        matches!(
            self,
            Measure::Households
                | Measure::TekunSupport
                | Measure::Applications
                | Measure::RecoveryOutstanding
        )
    }
}

/// One counted cell: a region (any level), a measure, a month (`None`: as of the refresh), two
/// dimensions (empty when unused) and its two numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub region: RegionCode,
    pub measure: Measure,
    pub month: Option<Month>,
    pub k1: String,
    pub k2: String,
    pub n: i64,
    pub amount: i64,
}

type Key = (RegionCode, Measure, Option<Month>, String, String);

/// Adds every counted row to its own region and to each region above it, once per key: the
/// rows the store keeps. A row of a township (a record with no village) counts at the township
/// and above.
pub fn roll_up(base: impl IntoIterator<Item = Figure>) -> Vec<Figure> {
    let mut sums: HashMap<Key, (i64, i64)> = HashMap::new();
    for f in base {
        let mut at = Some(f.region);
        while let Some(region) = at {
            at = region.parent();
            let e = sums
                .entry((region, f.measure, f.month, f.k1.clone(), f.k2.clone()))
                .or_default();
            e.0 = e.0.saturating_add(f.n);
            e.1 = e.1.saturating_add(f.amount);
        }
    }
    sums.into_iter()
        .map(|((region, measure, month, k1, k2), (n, amount))| Figure {
            region,
            measure,
            month,
            k1,
            k2,
            n,
            amount,
        })
        .collect()
}

/// The rows of one measure whose month lies in `from..=to` (or, for a current measure, all of
/// them), summed by `k1`, in `k1` order: (k1, n, amount).
pub fn by_k1(rows: &[Figure], measure: Measure, from: Month, to: Month) -> Vec<(String, i64, i64)> {
    let mut sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for f in in_range(rows, measure, from, to) {
        let e = sums.entry(&f.k1).or_default();
        e.0 += f.n;
        e.1 += f.amount;
    }
    sums.into_iter()
        .map(|(k, (n, a))| (k.to_string(), n, a))
        .collect()
}

/// The rows of one measure summed by `k2` (see `by_k1`).
pub fn by_k2(rows: &[Figure], measure: Measure, from: Month, to: Month) -> Vec<(String, i64, i64)> {
    let mut sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for f in in_range(rows, measure, from, to) {
        let e = sums.entry(&f.k2).or_default();
        e.0 += f.n;
        e.1 += f.amount;
    }
    sums.into_iter()
        .map(|(k, (n, a))| (k.to_string(), n, a))
        .collect()
}

/// The rows of one measure summed per month from `from` to `to`, every month present (zero
/// when nothing was counted): (month, n, amount).
pub fn by_month(
    rows: &[Figure],
    measure: Measure,
    from: Month,
    to: Month,
) -> Vec<(Month, i64, i64)> {
    let mut out: Vec<(Month, i64, i64)> = months(from, to).map(|m| (m, 0, 0)).collect();
    for f in in_range(rows, measure, from, to) {
        if let Some(slot) = out.iter_mut().find(|s| Some(s.0) == f.month) {
            slot.1 += f.n;
            slot.2 += f.amount;
        }
    }
    out
}

/// The sum of one measure in the range: (n, amount).
pub fn total(rows: &[Figure], measure: Measure, from: Month, to: Month) -> (i64, i64) {
    in_range(rows, measure, from, to).fold((0, 0), |(n, a), f| (n + f.n, a + f.amount))
}

fn in_range(
    rows: &[Figure],
    measure: Measure,
    from: Month,
    to: Month,
) -> impl Iterator<Item = &Figure> {
    rows.iter().filter(move |f| {
        f.measure == measure
            && match f.month {
                None => measure.is_current(),
                Some(m) => !measure.is_current() && from <= m && m <= to,
            }
    })
}

/// The months from `from` to `to`, both included (none when `to` is before `from`).
pub fn months(from: Month, to: Month) -> impl Iterator<Item = Month> {
    std::iter::successors(Some(from), move |m| Some(m.next()).filter(|n| *n <= to))
        .take_while(move |m| *m <= to)
}

/// A percentage of `part` in `whole`, to one decimal; `None` when there is no whole.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// 考核: how a region did over a range of months, from its figures: visits on time, warnings
/// disposed, annual reviews on time, referrals answered, days to decision. (Complaints resolved
/// join it once complaints exist.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Warnings whose visit was due (or made), and those visited by their deadline.
    pub visits_due: i64,
    pub visits_on_time: i64,
    /// The same warnings, and those disposed of after a visit on time.
    pub disposed: i64,
    /// Annual reviews due (or done), and those done by their day.
    pub reviews_due: i64,
    pub reviews_on_time: i64,
    pub referrals_sent: i64,
    pub referrals_answered: i64,
    pub decided: i64,
    pub decision_days: i64,
}

impl Review {
    pub fn of(rows: &[Figure], from: Month, to: Month) -> Review {
        let (visits_due, visits_on_time) = total(rows, Measure::WarningVisits, from, to);
        let (_, disposed) = total(rows, Measure::WarningsDisposed, from, to);
        let (reviews_due, reviews_on_time) = total(rows, Measure::Reviews, from, to);
        let (referrals_sent, referrals_answered) = total(rows, Measure::Referrals, from, to);
        let (decided, decision_days) = total(rows, Measure::Decided, from, to);
        Review {
            visits_due,
            visits_on_time,
            disposed,
            reviews_due,
            reviews_on_time,
            referrals_sent,
            referrals_answered,
            decided,
            decision_days,
        }
    }

    /// The rates shown, in order: visits on time, disposed, reviews on time, referrals answered
    /// (percent, `None` when nothing was due), and the average days to a decision.
    pub fn rates(&self) -> [Option<f64>; 5] {
        [
            rate(self.visits_on_time, self.visits_due),
            rate(self.disposed, self.visits_due),
            rate(self.reviews_on_time, self.reviews_due),
            rate(self.referrals_answered, self.referrals_sent),
            (self.decided > 0)
                .then(|| (self.decision_days as f64 * 10.0 / self.decided as f64).round() / 10.0),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(region: &str, measure: Measure, month: Option<&str>, k1: &str, n: i64) -> Figure {
        Figure {
            region: RegionCode::parse(region).unwrap(),
            measure,
            month: month.map(|m| Month::parse(m).unwrap()),
            k1: k1.into(),
            k2: String::new(),
            n,
            amount: n * 2,
        }
    }

    #[test]
    fn roll_up_adds_each_row_to_every_region_above_it() {
        let rows = roll_up([
            fig("620702100201", Measure::Households, None, "dibao", 3),
            fig("620702100202", Measure::Households, None, "dibao", 4),
            fig("620702100202", Measure::Households, None, "tekun", 1),
            // a record with only a township
            fig("620702101", Measure::Households, None, "dibao", 5),
            fig("620723100201", Measure::Households, None, "dibao", 7),
        ]);
        let at = |r: &str, k1: &str| {
            rows.iter()
                .find(|f| f.region.as_str() == RegionCode::parse(r).unwrap().as_str() && f.k1 == k1)
                .map(|f| (f.n, f.amount))
        };
        assert_eq!(at("620702100201", "dibao"), Some((3, 6)));
        assert_eq!(at("620702100", "dibao"), Some((7, 14)));
        assert_eq!(at("620702101", "dibao"), Some((5, 10)));
        assert_eq!(at("620702", "dibao"), Some((12, 24)));
        assert_eq!(at("620702", "tekun"), Some((1, 2)));
        assert_eq!(at("6207", "dibao"), Some((19, 38)));
        assert_eq!(at("62", "dibao"), Some((19, 38)));
        assert_eq!(at("620723", "tekun"), None);
        // one row per key: 2 villages + 1 (tekun) + township 620702100 ×2 + 620702101 +
        // county ×2 + 620723's village, township, county + city ×2 + province ×2
        assert_eq!(rows.len(), 15);
    }

    #[test]
    fn sums_keep_to_the_measure_and_the_months_asked() {
        let rows = vec![
            fig("620702", Measure::Entered, Some("2026-01"), "dibao", 2),
            fig("620702", Measure::Entered, Some("2026-03"), "dibao", 3),
            fig("620702", Measure::Entered, Some("2026-03"), "tekun", 1),
            fig("620702", Measure::Entered, Some("2026-05"), "dibao", 9),
            fig("620702", Measure::Exited, Some("2026-03"), "", 4),
            fig("620702", Measure::Households, None, "dibao", 8),
        ];
        let (from, to) = (
            Month::parse("2026-01").unwrap(),
            Month::parse("2026-04").unwrap(),
        );
        assert_eq!(
            by_k1(&rows, Measure::Entered, from, to),
            vec![("dibao".into(), 5, 10), ("tekun".into(), 1, 2)]
        );
        let per_month = by_month(&rows, Measure::Entered, from, to);
        assert_eq!(
            per_month.iter().map(|m| m.1).collect::<Vec<_>>(),
            vec![2, 0, 4, 0]
        );
        assert_eq!(total(&rows, Measure::Exited, from, to), (4, 8));
        // a current count whatever the months
        assert_eq!(total(&rows, Measure::Households, from, to), (8, 16));
        assert_eq!(months(to, from).count(), 0);
        assert_eq!(rate(1, 3), Some(33.3));
        let review = Review::of(
            &[
                fig("620702", Measure::WarningVisits, Some("2026-02"), "", 4),
                fig("620702", Measure::Reviews, Some("2026-03"), "", 5),
                fig("620702", Measure::Reviews, Some("2026-09"), "", 50),
            ],
            from,
            to,
        );
        // n and amount = 2n in `fig`: on time more than due would be a bad row, but the sums
        // are what is checked here.
        assert_eq!((review.visits_due, review.visits_on_time), (4, 8));
        assert_eq!((review.reviews_due, review.reviews_on_time), (5, 10));
        assert_eq!(review.rates()[3], None, "no referral sent");
        assert_eq!(rate(1, 0), None);
    }
}
