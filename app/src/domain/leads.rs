//! 基层上报 / 主动发现 (Liaoning 二(二)3(2); Zhangye (三) 基层上报、重点摸排): a grid worker or
//! village (community) assistant reports a household that seems in difficulty; the report is a
//! lead for the caseworkers, who close it with a reason or make the application on the
//! household's behalf once the household consented (依申请, by proxy). Pure rules: what a report
//! must say, what a lead may become.

use super::declaration::{FieldError, FieldErrorCode};
use super::id_number::IdNumber;
use super::phone::Phone;
use chrono::NaiveDate;

coded! {
    /// Where a lead came from.
    pub enum LeadSource {
        /// A grid worker's or village assistant's report (网格员 / 协理员上报).
        GridWorker = "grid_worker",
    }
}

coded! {
    /// Where a lead stands.
    pub enum LeadState {
        /// Reported; no caseworker has acted on it yet.
        Open = "open",
        /// The household consented: a caseworker is filling in its application with it.
        Consented = "consented",
        /// The application was made (its number is on the lead).
        Converted = "converted",
        /// Closed with a reason; nothing was applied for.
        Closed = "closed",
    }
}

coded! {
    /// Why a lead was closed without an application.
    pub enum CloseReason {
        /// The household is already in assistance or has an application open.
        AlreadyCovered = "already_covered",
        /// Visited: no difficulty the policy helps with.
        NotInNeed = "not_in_need",
        /// The household did not want to apply.
        Declined = "declined",
        /// The household has moved away or could not be found.
        MovedAway = "moved_away",
        /// Another lead already covers the household.
        Duplicate = "duplicate",
    }
}

coded! {
    /// How the household gave its consent to an application made on its behalf.
    pub enum ConsentForm {
        /// A consent form signed (or thumb-printed) by a household member, kept on file.
        SignedForm = "signed_form",
        /// Given in person to the caseworker and noted at once (a signed form to follow).
        InPerson = "in_person",
    }
}

impl LeadState {
    /// A caseworker may still act on it (close it, take consent, apply).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::Consented)
    }
}

/// ID numbers one report may name (a household's members).
pub const LEAD_IDS_MAX: usize = 10;
/// Photos one report may carry.
pub const LEAD_FILES_MAX: i64 = 3;
/// The longest description of what was seen (characters).
pub const LEAD_SEEN_MAX: usize = 1000;

/// A report as the grid worker typed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadReportDraft {
    /// What was seen: the difficulty, in the reporter's words.
    pub seen: String,
    /// Who: the person or household (a name as known in the village).
    pub who: String,
    /// Where they live (a house number, a group).
    #[serde(default)]
    pub address: String,
    /// A phone number to reach the household, when known.
    #[serde(default)]
    pub contact_phone: String,
    /// ID numbers of household members, when known: one per line or separated by commas.
    #[serde(default)]
    pub id_numbers: String,
}

/// A report that says enough to act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadReport {
    pub seen: String,
    pub who: String,
    pub address: String,
    pub contact_phone: Option<Phone>,
    pub id_numbers: Vec<IdNumber>,
}

fn error(field: &str, code: FieldErrorCode) -> FieldError {
    FieldError {
        field: field.to_string(),
        code,
    }
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    max: usize,
    required: bool,
) -> String {
    let t = raw.trim();
    if required && t.is_empty() {
        errors.push(error(field, FieldErrorCode::Required));
    } else if t.chars().count() > max {
        errors.push(error(field, FieldErrorCode::TooLong));
    }
    t.to_string()
}

impl LeadReport {
    /// Checks a report: what was seen and who are required; a phone number and ID numbers are
    /// checked when given (every ID number's check digit; the same one twice is kept once).
    pub fn parse(d: &LeadReportDraft, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let seen = text(&mut errors, "seen", &d.seen, LEAD_SEEN_MAX, true);
        let who = text(&mut errors, "who", &d.who, 50, true);
        let address = text(&mut errors, "address", &d.address, 100, false);
        let contact_phone = match d.contact_phone.trim() {
            "" => None,
            raw => match Phone::parse(raw) {
                Ok(p) => Some(p),
                Err(_) => {
                    errors.push(error("contact_phone", FieldErrorCode::PhoneFormat));
                    None
                }
            },
        };
        let mut id_numbers: Vec<IdNumber> = Vec::new();
        let raw_ids: Vec<&str> = d
            .id_numbers
            .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        if raw_ids.len() > LEAD_IDS_MAX {
            errors.push(error("id_numbers", FieldErrorCode::TooMany));
        } else {
            for raw in raw_ids {
                match IdNumber::parse(raw, today) {
                    Ok(id) if !id_numbers.contains(&id) => id_numbers.push(id),
                    Ok(_) => {}
                    Err(e) => {
                        errors.push(error("id_numbers", e.into()));
                        break;
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Self {
                seen,
                who,
                address,
                contact_phone,
                id_numbers,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    fn draft() -> LeadReportDraft {
        LeadReportDraft {
            seen: "老人独居，屋顶漏雨，冬天没有取暖".into(),
            who: "王大爷".into(),
            address: "三组 12 号".into(),
            contact_phone: "139 0000 0001".into(),
            id_numbers: "62070219700101610x，62070219700101610X\n".into(),
        }
    }

    #[test]
    fn a_report_needs_what_was_seen_and_who_and_checks_what_is_given() {
        let r = LeadReport::parse(&draft(), today()).unwrap();
        assert_eq!(r.contact_phone.unwrap().as_str(), "13900000001");
        // The same person written twice (x and X) is one.
        assert_eq!(r.id_numbers.len(), 1);
        assert_eq!(r.id_numbers[0].as_str(), "62070219700101610X");

        let empty = LeadReport::parse(&LeadReportDraft::default(), today()).unwrap_err();
        let fields: Vec<&str> = empty.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["seen", "who"]);

        let bad = LeadReport::parse(
            &LeadReportDraft {
                contact_phone: "12345".into(),
                id_numbers: "620702197001016012".into(),
                ..draft()
            },
            today(),
        )
        .unwrap_err();
        assert_eq!(
            bad.iter()
                .map(|e| (e.field.as_str(), e.code))
                .collect::<Vec<_>>(),
            [
                ("contact_phone", FieldErrorCode::PhoneFormat),
                ("id_numbers", FieldErrorCode::IdChecksum)
            ]
        );
        let many = ["620702197001016011"; LEAD_IDS_MAX + 1].join(",");
        let too_many = LeadReport::parse(
            &LeadReportDraft {
                id_numbers: many,
                ..draft()
            },
            today(),
        )
        .unwrap_err();
        assert_eq!(too_many[0].code, FieldErrorCode::TooMany);
    }

    #[test]
    fn only_open_and_consented_leads_are_acted_on() {
        assert!(LeadState::Open.is_open() && LeadState::Consented.is_open());
        assert!(!LeadState::Converted.is_open() && !LeadState::Closed.is_open());
    }
}
