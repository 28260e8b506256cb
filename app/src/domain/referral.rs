//! 需求推送 / 反馈: a need of a household pushed to the department responsible for it, with a
//! due date, and the department's answer. Pure; the states and who may move them.

use super::chain::{AidKind, Department};
use super::declaration::{FieldError, FieldErrorCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MAX_REFERRAL_NOTE_CHARS: usize = 500;

coded! {
    pub enum ReferralStatus {
        /// 已推送: waiting for the department.
        Sent = "sent",
        /// 已接收: the department is handling it.
        Accepted = "accepted",
        /// 已反馈: the department gave the aid (it is in the chain) or answered.
        Done = "done",
        /// 已退回: the department declined, with a reason.
        Declined = "declined",
    }
}

impl ReferralStatus {
    pub fn is_open(self) -> bool {
        matches!(self, Self::Sent | Self::Accepted)
    }

    /// The states a department may move a referral to from this one.
    pub fn can_become(self, next: ReferralStatus) -> bool {
        matches!(
            (self, next),
            (Self::Sent, Self::Accepted | Self::Declined | Self::Done)
                | (Self::Accepted, Self::Done | Self::Declined)
        )
    }

    /// Open past its due date.
    pub fn overdue(self, due: NaiveDate, today: NaiveDate) -> bool {
        self.is_open() && due < today
    }
}

/// The referral form as typed on the household file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferralDraft {
    pub household: String,
    pub need: String,
    /// Empty: the department responsible for the need.
    pub department: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReferral {
    pub need: AidKind,
    pub department: Department,
    pub note: String,
}

impl NewReferral {
    pub fn parse(d: &ReferralDraft) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let need = AidKind::from_code(d.need.trim()).filter(|k| *k != AidKind::Charity);
        if need.is_none() {
            errors.push(FieldError {
                field: "need".into(),
                code: if d.need.trim().is_empty() {
                    FieldErrorCode::Required
                } else {
                    FieldErrorCode::InvalidChoice
                },
            });
        }
        let department = match d.department.trim() {
            "" => need.map(AidKind::responsible),
            code => Department::from_code(code),
        };
        if department.is_none() && need.is_some() {
            errors.push(FieldError {
                field: "department".into(),
                code: FieldErrorCode::InvalidChoice,
            });
        }
        let note = d.note.trim().to_string();
        if note.is_empty() {
            errors.push(FieldError {
                field: "note".into(),
                code: FieldErrorCode::Required,
            });
        } else if note.chars().count() > MAX_REFERRAL_NOTE_CHARS {
            errors.push(FieldError {
                field: "note".into(),
                code: FieldErrorCode::TooLong,
            });
        }
        match (need, department) {
            (Some(need), Some(department)) if errors.is_empty() => Ok(Self {
                need,
                department,
                note,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_need_goes_to_its_department_unless_another_is_chosen() {
        let r = NewReferral::parse(&ReferralDraft {
            need: "premium_subsidy".into(),
            note: "低保户未享受参保资助".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.department, Department::MedicalInsurance);
        let r = NewReferral::parse(&ReferralDraft {
            need: "housing".into(),
            department: "disabled_persons".into(),
            note: "无障碍改造".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.department, Department::DisabledPersons);
        let errs = NewReferral::parse(&ReferralDraft {
            need: "charity".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["need", "note"]
        );
    }

    #[test]
    fn only_open_referrals_move_and_fall_overdue() {
        use ReferralStatus::*;
        assert!(
            Sent.can_become(Accepted)
                && Accepted.can_become(Done)
                && !Done.can_become(Accepted)
                && !Declined.can_become(Done)
        );
        let day = |d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        assert!(Accepted.overdue(day("2026-11-10"), day("2026-11-11")));
        assert!(!Accepted.overdue(day("2026-11-11"), day("2026-11-11")));
        assert!(!Done.overdue(day("2026-11-01"), day("2026-11-11")));
    }
}
