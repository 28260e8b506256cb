//! Application lifecycle (申请状态) and roles: the states a case moves through and who acts.

use serde::{Deserialize, Serialize};

coded! {
    /// The state of a submitted application. Drafts are not applications.
    pub enum ApplicationStatus {
        /// 已提交
        Submitted = "submitted",
        /// 已受理
        Accepted = "accepted",
        /// 待补充材料: the caseworker asked for more information.
        InfoRequested = "info_requested",
        /// 入户调查
        Visiting = "visiting",
        /// 审核
        Reviewing = "reviewing",
        /// 公示
        Publicising = "publicising",
        /// 结果: approved
        Approved = "approved",
        /// 结果: not approved
        Rejected = "rejected",
        /// 已撤回
        Withdrawn = "withdrawn",
    }
}

/// The steps of the timeline a resident sees, in order.
pub const TIMELINE: [ApplicationStatus; 6] = [
    ApplicationStatus::Submitted,
    ApplicationStatus::Accepted,
    ApplicationStatus::Visiting,
    ApplicationStatus::Reviewing,
    ApplicationStatus::Publicising,
    ApplicationStatus::Approved,
];

impl ApplicationStatus {
    /// Every state a case is still being handled in.
    pub fn open_states() -> impl Iterator<Item = ApplicationStatus> {
        Self::ALL.into_iter().filter(|s| s.is_open())
    }

    /// Open applications block their members' ID numbers from another open application.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Approved | Self::Rejected | Self::Withdrawn)
    }

    /// A resident may withdraw until a decision is being publicised.
    pub fn can_withdraw(self) -> bool {
        matches!(
            self,
            Self::Submitted
                | Self::Accepted
                | Self::InfoRequested
                | Self::Visiting
                | Self::Reviewing
        )
    }

    /// How far along the timeline this state is (index into [`TIMELINE`]).
    pub fn timeline_step(self) -> usize {
        match self {
            Self::Submitted | Self::Withdrawn => 0,
            Self::Accepted | Self::InfoRequested => 1,
            Self::Visiting => 2,
            Self::Reviewing => 3,
            Self::Publicising => 4,
            Self::Approved | Self::Rejected => 5,
        }
    }
}

coded! {
    pub enum Role {
        /// 居民
        Resident = "resident",
        /// 乡镇(街道)/县民政 caseworker
        Caseworker = "caseworker",
        /// 部门 officer
        Department = "department",
        /// 慈善组织
        Charity = "charity",
        /// 管理员
        Admin = "admin",
        /// 网格员 / 村(社区)协理员: reports households that seem in difficulty in one village.
        GridWorker = "grid_worker",
    }
}

coded! {
    /// An administrator's one duty (三员分立, MLPS-3): no administrator holds two.
    pub enum AdminDuty {
        /// 系统管理员: staff accounts and configuration (parameters, warning rules, charities).
        System = "system",
        /// 安全管理员: second factors and the approval of parameters.
        Security = "security",
        /// 安全审计员: reads the audit trail, changes nothing.
        Audit = "audit",
    }
}

impl Role {
    pub fn is_staff(self) -> bool {
        self != Role::Resident
    }

    /// Roles that must sign in with a second factor (TOTP); charities may choose to.
    pub fn needs_second_factor(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Caseworker | Role::Department | Role::GridWorker
        )
    }
}

/// `SQ-2026-000123`: the number a resident quotes.
pub fn application_number(year: i32, seq: i64) -> String {
    format!("SQ-{year}-{seq:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_numbers_format() {
        for s in TIMELINE {
            assert_eq!(ApplicationStatus::from_code(s.code()), Some(s));
        }
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(application_number(2026, 123), "SQ-2026-000123");
        assert!(ApplicationStatus::Submitted.is_open() && !ApplicationStatus::Withdrawn.is_open());
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub number: String,
    pub status: ApplicationStatus,
    pub submitted_at: i64,
    pub updated_at: i64,
}

coded! {
    /// What happened to an application, as its timeline shows it.
    pub enum TimelineKind {
        Submitted = "submitted",
        StatusChanged = "status_changed",
        InfoRequested = "info_requested",
        InfoAnswered = "info_answered",
        ConsentChanged = "consent_changed",
        Withdrawn = "withdrawn",
        Reassessed = "reassessed",
        Decided = "decided",
        Objection = "objection",
        VisitRecorded = "visit_recorded",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub kind: TimelineKind,
    pub status: ApplicationStatus,
    pub note: String,
    pub at: i64,
}
