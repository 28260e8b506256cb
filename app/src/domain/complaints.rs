//! 投诉举报 (Zhangye (十六) 举报监督; Liaoning 三(四)): what a complaint or report is, where it is
//! handled, by when, and how a filer follows it. Pure rules; the store keeps the record and the
//! API decides who may see what.

use super::region::{RegionCode, RegionLevel};
use chrono::{Datelike, NaiveDate, Weekday};

coded! {
    /// What a complaint or report is about.
    pub enum ComplaintKind {
        /// A decision on an application (a refusal, an amount).
        Decision = "decision",
        /// Suspected fraud: aid claimed or drawn by someone not entitled (冒领、骗保).
        Fraud = "fraud",
        /// A member of staff's conduct: handled above that member's own office.
        Conduct = "conduct",
        /// A household in need that nobody helps (主动发现).
        Unhelped = "unhelped",
        /// An objection to a decision under public notice (公示异议).
        NoticeObjection = "notice_objection",
    }
}

coded! {
    /// Where a complaint stands.
    pub enum ComplaintState {
        /// Filed, not yet taken by a handler.
        Received = "received",
        /// A handler took it and is finding out.
        Investigating = "investigating",
        /// Closed with an outcome and a reply the filer reads.
        Answered = "answered",
    }
}

coded! {
    /// How a complaint ended.
    pub enum ComplaintOutcome {
        /// Looked into; nothing wrong found.
        Unfounded = "unfounded",
        /// Something was wrong and has been put right.
        Corrected = "corrected",
        /// Aid was paid that was not due: a recovery case opened (追回).
        RecoveryOpened = "recovery_opened",
        /// Passed to the department or body it belongs to.
        Referred = "referred",
    }
}

/// The longest text a filer writes, a note or a reply (characters).
pub const COMPLAINT_TEXT_MAX: usize = 2000;

/// The region whose staff handle a complaint: a member of staff's conduct goes to the office
/// above theirs (never to their own; a province's office stays with the province); anything
/// else to the county of the place it is about (the county civil affairs bureau), or the place
/// itself above county level.
pub fn handling_region(
    kind: ComplaintKind,
    place: &RegionCode,
    staff_office: Option<&RegionCode>,
) -> RegionCode {
    match (kind, staff_office) {
        (ComplaintKind::Conduct, Some(office)) => office.parent().unwrap_or_else(|| office.clone()),
        _ => county_or_above(place),
    }
}

fn county_or_above(place: &RegionCode) -> RegionCode {
    let mut at = place.clone();
    while at.level() as usize > RegionLevel::County as usize {
        match at.parent() {
            Some(up) => at = up,
            None => break,
        }
    }
    at
}

/// The day `n` working days after `day` (Monday to Friday; public holidays are not known here
/// and are counted as working days, so a deadline is never later than the policy's).
pub fn add_working_days(day: NaiveDate, n: i64) -> NaiveDate {
    let mut at = day;
    let mut left = n.max(0);
    while left > 0 {
        at = at.succ_opt().unwrap_or(at);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    at
}

/// The region a complaint overdue at `handling` moves up to: its parent, or itself at the top.
pub fn escalated(handling: &RegionCode) -> Option<RegionCode> {
    handling.parent()
}

/// The characters of tracking numbers and secret codes: no 0/O, 1/I/L, to be read aloud and
/// typed from a phone's screen.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// `len` characters of [`CODE_ALPHABET`] from random bytes (one byte per character; the bias of
/// 256 % 31 is below 4 % per character and the code is long enough for it not to matter).
pub fn code_from(bytes: &[u8], len: usize) -> String {
    bytes
        .iter()
        .take(len)
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

/// A tracking number as typed: upper-cased, spaces and dashes dropped, then `TS` and 10
/// characters of the alphabet; `None` for anything else.
pub fn tracking_number(raw: &str) -> Option<String> {
    let t: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let rest = t.strip_prefix("TS")?;
    (rest.len() == 10 && rest.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(t)
}

/// A secret code as typed (upper-cased, spaces and dashes dropped): 12 characters of the
/// alphabet, or `None`.
pub fn secret_code(raw: &str) -> Option<String> {
    let t: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (t.len() == 12 && t.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(t)
}

/// The arithmetic question of the complaint form (no outside service; read by a person): two
/// numbers from 1 to 20 to add, from two random bytes.
pub fn question(a: u8, b: u8) -> (u8, u8) {
    (a % 20 + 1, b % 20 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_complaint_is_handled_by_the_county_and_a_staff_members_conduct_above_their_office() {
        let village = r("620702100201");
        assert_eq!(
            handling_region(ComplaintKind::Fraud, &village, None),
            r("620702")
        );
        assert_eq!(
            handling_region(ComplaintKind::Decision, &r("6207"), None),
            r("6207")
        );
        // A township's worker: the county; a county's: the city; the province's: itself.
        let township = r("620702100");
        assert_eq!(
            handling_region(ComplaintKind::Conduct, &village, Some(&township)),
            r("620702")
        );
        assert_eq!(
            handling_region(ComplaintKind::Conduct, &village, Some(&r("620702"))),
            r("6207")
        );
        assert_eq!(
            handling_region(ComplaintKind::Conduct, &village, Some(&r("62"))),
            r("62")
        );
        assert_eq!(escalated(&r("620702")), Some(r("6207")));
        assert_eq!(escalated(&r("62")), None);
    }

    #[test]
    fn a_deadline_counts_working_days_only() {
        // 2026-12-04 is a Friday: 1 working day later is Monday the 7th.
        assert_eq!(add_working_days(d("2026-12-04"), 1), d("2026-12-07"));
        assert_eq!(add_working_days(d("2026-12-07"), 15), d("2026-12-28"));
        assert_eq!(add_working_days(d("2026-12-05"), 0), d("2026-12-05"));
    }

    #[test]
    fn tracking_numbers_and_codes_are_read_as_typed() {
        let code = code_from(&[0, 1, 30, 31, 255, 7, 8, 9, 10, 11, 12, 13], 12);
        assert_eq!(code.len(), 12);
        assert_eq!(secret_code(&code.to_lowercase()), Some(code.clone()));
        assert_eq!(secret_code("ABCD-EFGH-JKMN"), Some("ABCDEFGHJKMN".into()));
        assert_eq!(
            secret_code("ABCDEFGHJKM0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(
            tracking_number("ts-23456 789ab"),
            Some("TS23456789AB".into())
        );
        assert_eq!(tracking_number("TS23456789A"), None);
        assert_eq!(tracking_number("XX23456789AB"), None);
        assert_eq!(question(0, 255), (1, 16));
    }
}
