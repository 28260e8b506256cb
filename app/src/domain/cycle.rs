//! The rest of the cycle: caseworker tasks with due dates (年度复核, the end of a 渐退期,
//! overdue referrals, documents owed after 先行救助), exits with a reason, and emergency aid
//! (急难救助) registered where the emergency happened. Pure.

use super::chain::{AidDraft, AidKind, Department, NewAid};
use super::declaration::{FieldError, FieldErrorCode};
use super::id_number::IdNumber;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub const MAX_CYCLE_TEXT_CHARS: usize = 1000;

coded! {
    pub enum TaskKind {
        /// 年度复核 of a marginal or rigid-expense household.
        AnnualReview = "annual_review",
        /// A 渐退期 ends: the household's aid stops.
        TaperEnd = "taper_end",
        /// A department did not answer a referral in time.
        ReferralOverdue = "referral_overdue",
        /// Documents owed after advance aid did not arrive in time.
        DocumentsDue = "documents_due",
        /// 随机调查: a household drawn by a random survey is to be visited by the deadline.
        RandomSurvey = "random_survey",
    }
}

coded! {
    /// Scheduled background work (`server::jobs` does each kind).
    pub enum WorkKind {
        /// Opens the annual-review task of a household (payload: the review's due day).
        AnnualReview = "annual_review",
        /// A referral's answer is due (subject: the referral).
        ReferralDue = "referral_due",
        /// Documents owed after advance aid are due (subject: the emergency aid).
        DocumentsDue = "documents_due",
        /// The daily "policy finds the person" scan (subject: the day).
        EntitlementScan = "entitlement_scan",
    }
}

coded! {
    /// A caseworker task is open until it is done (with a note).
    pub enum TaskStatus {
        Open = "open",
        Done = "done",
    }
}

coded! {
    /// Where a household stands in the low-income database. Rejected and exited households stay
    /// (monitored and searchable) for at least two years.
    pub enum Standing {
        Applicant = "applicant",
        InAssistance = "in_assistance",
        Rejected = "rejected",
        Exited = "exited",
        /// On a relapse-watch or disabled persons' roster taken in (现有对象直接纳入), not in
        /// assistance: monitored, never screened again for the listing.
        Listed = "listed",
    }
}

/// Midnight at the start of `date` in China (UTC+8), in ms since the epoch.
pub fn china_midnight_ms(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
        - 8 * 3_600_000
}

/// `date` plus `months` (the 31st becomes the month's last day).
pub fn add_months(date: NaiveDate, months: i64) -> NaiveDate {
    date.checked_add_months(Months::new(months.max(0) as u32))
        .unwrap_or(date)
}

/// When the annual review of a household identified on `identified` falls due, and the day
/// its task appears (`lead_days` before).
pub fn annual_review(
    identified: NaiveDate,
    interval_months: i64,
    lead_days: i64,
) -> (NaiveDate, NaiveDate) {
    let due = add_months(identified, interval_months);
    (due, due - chrono::Days::new(lead_days.max(0) as u64))
}

/// The annual review's interval (months) and lead (days) in force in `region` on `on`; `None`
/// when the parameters give no interval.
pub fn review_cycle(
    rows: &[super::policy::ParamRow],
    region: &super::region::RegionCode,
    on: NaiveDate,
) -> Option<(i64, i64)> {
    use super::policy::ParamKey;
    let set = super::policy::resolve(rows, region, None, on);
    Some((
        set.value(ParamKey::ReviewIntervalMonths)?,
        set.value(ParamKey::ReviewLeadDays).unwrap_or(0),
    ))
}

/// The next annual review of a household in assistance since `since`, taken in on `today`
/// from an existing roster: the first anniversary of `since` (every `interval_months`) after
/// `today`, so that a caseload listed years ago does not fall due all at once; and the day its
/// task appears (`lead_days` before).
pub fn next_annual_review(
    since: NaiveDate,
    today: NaiveDate,
    interval_months: i64,
    lead_days: i64,
) -> (NaiveDate, NaiveDate) {
    let interval = interval_months.max(1);
    // Whole intervals already run (at least one: never on the start day itself), then on to
    // the first after today.
    let run = (today.year() as i64 * 12 + today.month0() as i64)
        - (since.year() as i64 * 12 + since.month0() as i64);
    let mut k = (run / interval).max(1);
    let mut due = add_months(since, k * interval);
    while due <= today {
        k += 1;
        due = add_months(since, k * interval);
    }
    (due, due - chrono::Days::new(lead_days.max(0) as u64))
}

/// The last day of assistance when a household leaves: after the 渐退期 when it has one.
pub fn last_day_of_aid(today: NaiveDate, taper_months: Option<i64>) -> NaiveDate {
    match taper_months {
        Some(m) if m > 0 => add_months(today, m) - chrono::Days::new(1),
        _ => today,
    }
}

/// Whole days left until `until` (0 on the day itself, negative after).
pub fn days_left(today: NaiveDate, until: NaiveDate) -> i64 {
    (until - today).num_days()
}

/// The emergency aid form as typed (急难救助, 先行救助, 一事一议).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmergencyDraft {
    /// Made on the device: a retry registers it once.
    pub id: String,
    pub person_name: String,
    pub id_number: String,
    /// Where it happened: a code inside the caseworker's region (no hukou restriction).
    pub region: String,
    pub situation: String,
    /// Yuan, once.
    pub amount: String,
    /// 先行救助: paid first, documents later.
    pub advance: bool,
    /// 一事一议: the case conference's record (date, participants, decision); empty when none.
    pub conference: String,
    /// The person's identity is not known (生活无着流浪乞讨人员, Liaoning 二(三)3): no ID number;
    /// `description` says how to recognise them, and the name is what they gave, if anything.
    pub unidentified: bool,
    pub description: String,
}

/// How long a description of an unidentified person may be.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Whom emergency aid went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmergencyPerson {
    /// Known by an ID number: the aid joins their household's chain.
    Known { name: String, id_number: IdNumber },
    /// Identity not known: recorded where they were found, with how to recognise them.
    Unknown { name: String, description: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emergency {
    pub id: String,
    pub person: EmergencyPerson,
    pub situation: String,
    pub advance: bool,
    pub conference: String,
    pub aid: NewAid,
}

impl Emergency {
    /// Checks the form. Advance aid is small: at most `advance_cap_fen` (a parameter) unless a
    /// case conference decided more.
    pub fn parse(
        d: &EmergencyDraft,
        today: NaiveDate,
        advance_cap_fen: Option<i64>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, code| {
            errors.push(FieldError {
                field: field.into(),
                code,
            })
        };
        if !(8..=64).contains(&d.id.len())
            || !d.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            err("id", FieldErrorCode::InvalidChoice);
        }
        let name = d.person_name.trim().to_string();
        if name.is_empty() && !d.unidentified {
            err("person_name", FieldErrorCode::Required);
        } else if name.chars().count() > 30 {
            err("person_name", FieldErrorCode::TooLong);
        }
        let description = d.description.trim().to_string();
        let person = if d.unidentified {
            // Whatever number was typed is not taken for an identity nobody checked.
            if !d.id_number.trim().is_empty() {
                err("id_number", FieldErrorCode::InvalidChoice);
            }
            if description.is_empty() {
                err("description", FieldErrorCode::Required);
            } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
                err("description", FieldErrorCode::TooLong);
            }
            Some(EmergencyPerson::Unknown {
                name: name.clone(),
                description,
            })
        } else {
            match IdNumber::parse(d.id_number.trim(), today) {
                Ok(id_number) => Some(EmergencyPerson::Known {
                    name: name.clone(),
                    id_number,
                }),
                Err(e) => {
                    err("id_number", e.into());
                    None
                }
            }
        };
        let situation = d.situation.trim().to_string();
        if situation.is_empty() {
            err("situation", FieldErrorCode::Required);
        } else if situation.chars().count() > MAX_CYCLE_TEXT_CHARS {
            err("situation", FieldErrorCode::TooLong);
        }
        let conference = d.conference.trim().to_string();
        if conference.chars().count() > MAX_CYCLE_TEXT_CHARS {
            err("conference", FieldErrorCode::TooLong);
        }
        let aid = NewAid::parse(&AidDraft {
            kind: AidKind::Emergency.code().into(),
            source: Department::CivilAffairs.code().into(),
            amount: d.amount.clone(),
            from: today.to_string(),
            note: if d.advance {
                "先行救助".into()
            } else {
                String::new()
            },
            ..Default::default()
        });
        let aid = match aid {
            Ok(a) if a.amount_fen == 0 => {
                err("amount", FieldErrorCode::Required);
                None
            }
            Ok(a)
                if d.advance
                    && conference.is_empty()
                    && advance_cap_fen.is_some_and(|cap| a.amount_fen > cap) =>
            {
                err("amount", FieldErrorCode::OutOfBounds);
                None
            }
            Ok(a) => Some(a),
            Err(es) => {
                for e in es {
                    err("amount", e.code);
                }
                None
            }
        };
        match (person, aid) {
            (Some(person), Some(aid)) if errors.is_empty() => Ok(Self {
                id: d.id.clone(),
                person,
                situation,
                advance: d.advance,
                conference,
                aid,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn valid_id(first17: &str) -> String {
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
        let sum: u32 = first17
            .chars()
            .zip(W)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        format!("{first17}{}", C[(sum % 11) as usize])
    }

    #[test]
    fn reviews_fall_on_the_anniversary_and_appear_ahead() {
        assert_eq!(
            annual_review(day("2026-01-31"), 12, 30),
            (day("2027-01-31"), day("2027-01-01"))
        );
        assert_eq!(annual_review(day("2026-08-31"), 6, 0).0, day("2027-02-28"));
    }

    #[test]
    fn a_caseload_taken_in_is_reviewed_on_its_next_anniversary_not_all_at_once() {
        // Listed in March 2019, taken in on 7 December 2026: next March, not years overdue.
        let today = day("2026-12-07");
        assert_eq!(
            next_annual_review(day("2019-03-15"), today, 12, 30),
            (day("2027-03-15"), day("2027-02-13"))
        );
        // Its anniversary today is past: the next one.
        assert_eq!(
            next_annual_review(day("2025-12-07"), today, 12, 0).0,
            day("2027-12-07")
        );
        assert_eq!(
            next_annual_review(day("2026-11-30"), today, 6, 0).0,
            day("2027-05-30")
        );
        // Half-yearly from a month's 31st keeps to each month's end.
        assert_eq!(
            next_annual_review(day("2024-08-31"), today, 6, 0).0,
            day("2027-02-28")
        );
        // A start date after today (not read from a roster, but safe): one interval on.
        assert_eq!(
            next_annual_review(day("2027-01-01"), today, 12, 0).0,
            day("2028-01-01")
        );
    }

    #[test]
    fn the_taper_keeps_aid_for_its_months() {
        assert_eq!(
            last_day_of_aid(day("2026-11-26"), Some(6)),
            day("2027-05-25")
        );
        assert_eq!(
            last_day_of_aid(day("2026-11-26"), Some(0)),
            day("2026-11-26")
        );
        assert_eq!(last_day_of_aid(day("2026-11-26"), None), day("2026-11-26"));
        assert_eq!(days_left(day("2026-11-26"), day("2026-12-06")), 10);
    }

    #[test]
    fn china_midnight_is_sixteen_hours_utc_the_day_before() {
        assert_eq!(china_midnight_ms(day("1970-01-02")), 16 * 3_600_000);
    }

    #[test]
    fn advance_aid_is_small_unless_a_conference_decided() {
        let today = day("2026-11-26");
        let d = EmergencyDraft {
            id: "emergency-0001".into(),
            person_name: "过路人".into(),
            id_number: valid_id("21010219800101001"),
            region: "620702".into(),
            situation: "外地务工人员突发重病，无钱就医".into(),
            amount: "1500".into(),
            advance: true,
            conference: String::new(),
            ..Default::default()
        };
        let errs = Emergency::parse(&d, today, Some(100_000)).unwrap_err();
        assert_eq!(
            errs,
            vec![FieldError {
                field: "amount".into(),
                code: FieldErrorCode::OutOfBounds
            }]
        );
        let ok = Emergency::parse(
            &EmergencyDraft {
                conference: "2026-11-26 县协调机制一事一议：给予临时救助1500元".into(),
                ..d.clone()
            },
            today,
            Some(100_000),
        )
        .unwrap();
        assert_eq!(
            (ok.aid.amount_fen, ok.aid.kind, ok.aid.until),
            (150_000, AidKind::Emergency, Some(today))
        );
        // An ID number from another province is fine: no hukou restriction.
        let EmergencyPerson::Known { id_number, .. } = &ok.person else {
            panic!("{:?}", ok.person)
        };
        assert_eq!(id_number.address_code(), "210102");
        let errs = Emergency::parse(
            &EmergencyDraft {
                amount: "0".into(),
                id_number: "123".into(),
                ..d
            },
            today,
            None,
        )
        .unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["id_number", "amount"]
        );
    }

    /// 生活无着流浪乞讨人员 (Liaoning 二(三)3): a person without an ID number is helped with a
    /// description instead; a number typed anyway is refused rather than taken unchecked.
    #[test]
    fn a_person_whose_identity_is_not_known_is_helped_with_a_description() {
        let today = day("2026-11-26");
        let d = EmergencyDraft {
            id: "emergency-0002".into(),
            unidentified: true,
            description: "男，约60岁，灰色棉衣，在火车站广场发现".into(),
            situation: "夜间低温，无处安身，身无分文".into(),
            amount: "200".into(),
            advance: true,
            ..Default::default()
        };
        let ok = Emergency::parse(&d, today, Some(100_000)).unwrap();
        assert_eq!(
            ok.person,
            EmergencyPerson::Unknown {
                name: String::new(),
                description: "男，约60岁，灰色棉衣，在火车站广场发现".into()
            }
        );
        assert_eq!(ok.aid.amount_fen, 20_000);
        // Still capped: advance aid without a conference is small.
        let errs = Emergency::parse(
            &EmergencyDraft {
                amount: "2000".into(),
                id_number: valid_id("21010219800101001"),
                description: " ".into(),
                ..d
            },
            today,
            Some(100_000),
        )
        .unwrap_err();
        let mut fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(fields, vec!["amount", "description", "id_number"]);
    }
}
