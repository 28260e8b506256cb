//! 一户一条救助链: every assistance a household received, from any source, and the two
//! checks run over it — duplicate assistance and missed entitlements. Pure; the household
//! file shows what these functions find.

use super::declaration::{FieldError, FieldErrorCode};
use super::money::Money;
use super::policy::assess::{Assessment, EntitlementKind};
use super::policy::Category;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MAX_NOTE_CHARS: usize = 500;
/// A single assistance entry above this (yuan) is a slip of the finger, not aid.
pub const MAX_AID_YUAN: i64 = 1_000_000;

/// What was given (救助类别). Basic living aid and the special assistances follow the
/// entitlements of the policy engine; 临时救助 and 慈善帮扶 come from elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AidKind {
    BasicLiving,
    PremiumSubsidy,
    MedicalAssistance,
    Education,
    Housing,
    Employment,
    Disaster,
    Heating,
    Funeral,
    LegalAid,
    ServiceAssistance,
    /// 急难救助 / 临时救助, including 先行救助.
    Emergency,
    /// 慈善帮扶.
    Charity,
}

impl super::Coded for AidKind {
    fn code(self) -> &'static str {
        AidKind::code(self)
    }
    fn from_code(code: &str) -> Option<Self> {
        AidKind::from_code(code)
    }
}

impl AidKind {
    pub const ALL: [AidKind; 13] = [
        AidKind::BasicLiving,
        AidKind::PremiumSubsidy,
        AidKind::MedicalAssistance,
        AidKind::Education,
        AidKind::Housing,
        AidKind::Employment,
        AidKind::Disaster,
        AidKind::Heating,
        AidKind::Funeral,
        AidKind::LegalAid,
        AidKind::ServiceAssistance,
        AidKind::Emergency,
        AidKind::Charity,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AidKind::Charity => "charity",
            other => other.entitlement().map(EntitlementKind::code).unwrap_or(""),
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn entitlement(self) -> Option<EntitlementKind> {
        Some(match self {
            AidKind::BasicLiving => EntitlementKind::BasicLiving,
            AidKind::PremiumSubsidy => EntitlementKind::PremiumSubsidy,
            AidKind::MedicalAssistance => EntitlementKind::MedicalAssistance,
            AidKind::Education => EntitlementKind::Education,
            AidKind::Housing => EntitlementKind::Housing,
            AidKind::Employment => EntitlementKind::Employment,
            AidKind::Disaster => EntitlementKind::Disaster,
            AidKind::Heating => EntitlementKind::Heating,
            AidKind::Funeral => EntitlementKind::Funeral,
            AidKind::LegalAid => EntitlementKind::LegalAid,
            AidKind::ServiceAssistance => EntitlementKind::ServiceAssistance,
            AidKind::Emergency => EntitlementKind::Emergency,
            AidKind::Charity => return None,
        })
    }

    pub fn of_entitlement(e: EntitlementKind) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.entitlement() == Some(e))
            .unwrap_or(AidKind::Emergency)
    }

    /// The department that gives this kind of aid (需求推送 goes there).
    pub fn responsible(self) -> Department {
        match self {
            AidKind::PremiumSubsidy | AidKind::MedicalAssistance => Department::MedicalInsurance,
            AidKind::Education => Department::Education,
            AidKind::Housing => Department::Housing,
            AidKind::Employment => Department::HumanResources,
            AidKind::Disaster => Department::EmergencyManagement,
            AidKind::LegalAid => Department::Justice,
            AidKind::BasicLiving
            | AidKind::Heating
            | AidKind::Funeral
            | AidKind::ServiceAssistance
            | AidKind::Emergency
            | AidKind::Charity => Department::CivilAffairs,
        }
    }
}

coded! {
    /// The bodies that give assistance or hold data (部门). Department officers' accounts name one.
    #[derive(PartialOrd, Ord)]
    pub enum Department {
        /// 民政
        CivilAffairs = "civil_affairs",
        /// 医保
        MedicalInsurance = "medical_insurance",
        /// 教育
        Education = "education",
        /// 人社
        HumanResources = "human_resources",
        /// 住建
        Housing = "housing",
        /// 应急管理
        EmergencyManagement = "emergency_management",
        /// 残联
        DisabledPersons = "disabled_persons",
        /// 司法 (法律援助)
        Justice = "justice",
        /// 乡村振兴 / 农业农村
        RuralRevitalisation = "rural_revitalisation",
        /// 公安 (户籍, 车辆登记)
        PublicSecurity = "public_security",
        /// 市场监管 (经营主体登记)
        MarketRegulation = "market_regulation",
        /// 卫生健康 (大病诊断, 医院内出生和死亡)
        Health = "health",
        /// 退役军人事务 (困难退役军人)
        VeteransAffairs = "veterans_affairs",
        /// 总工会 (困难职工)
        TradeUnion = "trade_union",
        /// 人民法院 (司法救助)
        Court = "court",
        /// 人民检察院 (司法救助)
        Procuratorate = "procuratorate",
    }
}

coded! {
    /// Where an entry of the chain came from: what a caseworker or department recorded, and why.
    pub enum AidOrigin {
        /// The final decision on an application (basic living aid).
        Decision = "decision",
        /// A department's feedback on a referral.
        Referral = "referral",
        /// Emergency aid registered by a caseworker.
        Emergency = "emergency",
        /// Recorded by a caseworker from another record (e.g. paper).
        Manual = "manual",
        /// A charity's delivery.
        Charity = "charity",
        /// A care service ordered from a contracted provider (服务类救助).
        Service = "service",
        /// An amount the county's roster listed, taken in (现有对象直接纳入).
        Intake = "intake",
    }
}

/// One entry of the assistance chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aid {
    pub id: String,
    pub kind: AidKind,
    /// The department that gave it, or `None` for a charity (then `source_name` names it).
    pub source: Option<Department>,
    pub source_name: String,
    pub amount_fen: i64,
    /// Monthly (basic living aid) or once.
    pub monthly: bool,
    pub from: NaiveDate,
    /// `None`: continuing.
    pub until: Option<NaiveDate>,
    pub origin: AidOrigin,
    pub note: String,
}

impl Aid {
    /// The source as one comparable key: a department or a named charity.
    fn source_key(&self) -> (Option<Department>, &str) {
        (
            self.source,
            if self.source.is_some() {
                ""
            } else {
                self.source_name.as_str()
            },
        )
    }

    fn overlaps(&self, other: &Aid) -> bool {
        let ends_after = |a: &Aid, start: NaiveDate| a.until.is_none_or(|u| u >= start);
        ends_after(self, other.from) && ends_after(other, self.from)
    }

    fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|u| u >= day)
    }
}

/// What a flag asks the caseworker to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlagAction {
    /// Check with both sources and stop one (重复救助).
    ReconcileSources,
    /// Push the need to this department (需求推送).
    Refer(Department),
    /// Record the aid given (民政's own aid).
    RecordAid,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flag {
    /// Same kind of aid, overlapping periods, from two sources: entries `first` and `second`.
    Duplicate {
        kind: AidKind,
        first: String,
        second: String,
    },
    /// Entitled through `via` but nothing of this kind is running today.
    Missed {
        kind: AidKind,
        via: Category,
        action: FlagAction,
    },
}

impl Flag {
    pub fn action(&self) -> FlagAction {
        match self {
            Flag::Duplicate { .. } => FlagAction::ReconcileSources,
            Flag::Missed { action, .. } => *action,
        }
    }
}

/// The entitlements a household receives without asking again once it is in a category:
/// basic living aid, the insurance premium subsidy and (for pupils) education aid. The others
/// (heating, funeral, disaster …) depend on an event and are not "missed" by their absence.
const STANDING: [EntitlementKind; 3] = [
    EntitlementKind::BasicLiving,
    EntitlementKind::PremiumSubsidy,
    EntitlementKind::Education,
];

/// Duplicate assistance (same kind, overlapping period, two sources) and missed entitlements
/// (entitled by the latest assessment but no aid of that kind covers `today`), in chain order.
pub fn flags(chain: &[Aid], assessment: Option<&Assessment>, today: NaiveDate) -> Vec<Flag> {
    let mut out = Vec::new();
    for (i, a) in chain.iter().enumerate() {
        for b in &chain[i + 1..] {
            // Charity on top of public aid is welcome; two public or two charity sources of the
            // same kind for the same days are not.
            if a.kind == b.kind
                && a.source_key() != b.source_key()
                && a.overlaps(b)
                && a.source.is_some() == b.source.is_some()
            {
                out.push(Flag::Duplicate {
                    kind: a.kind,
                    first: a.id.clone(),
                    second: b.id.clone(),
                });
            }
        }
    }
    if let Some(assessment) = assessment {
        let mut seen = Vec::new();
        for e in &assessment.entitlements {
            let Some(via) = e.via else { continue };
            if !STANDING.contains(&e.kind) || seen.contains(&e.kind) {
                continue;
            }
            seen.push(e.kind);
            let kind = AidKind::of_entitlement(e.kind);
            if chain.iter().any(|a| a.kind == kind && a.covers(today)) {
                continue;
            }
            let action = match kind.responsible() {
                Department::CivilAffairs => FlagAction::RecordAid,
                d => FlagAction::Refer(d),
            };
            out.push(Flag::Missed { kind, via, action });
        }
    }
    out
}

/// The aid form as typed (a caseworker recording aid, or a department's feedback).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AidDraft {
    pub kind: String,
    /// A department code; empty for a charity (then `source_name`).
    pub source: String,
    pub source_name: String,
    /// Yuan.
    pub amount: String,
    pub monthly: bool,
    pub from: String,
    /// Empty: continuing (monthly aid) or the same day (once).
    pub until: String,
    pub note: String,
}

/// A checked aid entry, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAid {
    pub kind: AidKind,
    pub source: Option<Department>,
    pub source_name: String,
    pub amount_fen: i64,
    pub monthly: bool,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub note: String,
}

fn date(raw: &str) -> Option<NaiveDate> {
    crate::domain::ymd::parse(raw.trim())
}

impl NewAid {
    /// Checks an aid entry; one-off aid lasts its day when no end is given.
    pub fn parse(d: &AidDraft) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, code| {
            errors.push(FieldError {
                field: field.into(),
                code,
            })
        };
        let kind = AidKind::from_code(d.kind.trim());
        if kind.is_none() {
            err(
                "kind",
                if d.kind.trim().is_empty() {
                    FieldErrorCode::Required
                } else {
                    FieldErrorCode::InvalidChoice
                },
            );
        }
        let source = match d.source.trim() {
            "" => None,
            code => {
                let dept = Department::from_code(code);
                if dept.is_none() {
                    err("source", FieldErrorCode::InvalidChoice);
                }
                dept
            }
        };
        let source_name = d.source_name.trim().to_string();
        if source.is_none() && source_name.is_empty() {
            err("source_name", FieldErrorCode::Required);
        }
        if source_name.chars().count() > 100 {
            err("source_name", FieldErrorCode::TooLong);
        }
        let amount = match Money::parse_yuan(&d.amount, MAX_AID_YUAN) {
            Ok(m) => m.fen(),
            Err(e) => {
                err("amount", e.into());
                0
            }
        };
        let from = date(&d.from);
        if from.is_none() {
            err("from", FieldErrorCode::DateFormat);
        }
        let until = match d.until.trim() {
            "" => None,
            raw => match date(raw) {
                None => {
                    err("until", FieldErrorCode::DateFormat);
                    None
                }
                Some(u) if from.is_some_and(|f| u < f) => {
                    err("until", FieldErrorCode::DateOrder);
                    None
                }
                u => u,
            },
        };
        let note = d.note.trim().to_string();
        if note.chars().count() > MAX_NOTE_CHARS {
            err("note", FieldErrorCode::TooLong);
        }
        match (kind, from) {
            (Some(kind), Some(from)) if errors.is_empty() => Ok(Self {
                kind,
                source,
                source_name,
                amount_fen: amount,
                monthly: d.monthly,
                from,
                until: if d.monthly {
                    until
                } else {
                    until.or(Some(from))
                },
                note,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::assess::{CategorySet, Entitlement};

    fn day(s: &str) -> NaiveDate {
        date(s).unwrap()
    }

    fn aid(
        id: &str,
        kind: AidKind,
        source: Option<Department>,
        from: &str,
        until: Option<&str>,
    ) -> Aid {
        Aid {
            id: id.into(),
            kind,
            source,
            source_name: if source.is_none() {
                "春晖基金会".into()
            } else {
                String::new()
            },
            amount_fen: 10_000,
            monthly: true,
            from: day(from),
            until: until.map(day),
            origin: AidOrigin::Manual,
            note: String::new(),
        }
    }

    fn entitled(kinds: &[(EntitlementKind, Category)]) -> Assessment {
        Assessment {
            on: day("2026-11-01"),
            checks: vec![],
            verdicts: vec![],
            members: vec![],
            household: CategorySet::default(),
            entitlements: kinds
                .iter()
                .map(|&(kind, via)| Entitlement {
                    kind,
                    via: Some(via),
                    members: 1,
                    monthly_fen: None,
                    yearly_fen: None,
                    taper_months: None,
                })
                .collect(),
        }
    }

    #[test]
    fn same_kind_two_sources_overlapping_is_a_duplicate() {
        let chain = [
            aid(
                "a",
                AidKind::MedicalAssistance,
                Some(Department::MedicalInsurance),
                "2026-01-01",
                Some("2026-06-30"),
            ),
            aid(
                "b",
                AidKind::MedicalAssistance,
                Some(Department::CivilAffairs),
                "2026-06-30",
                None,
            ),
        ];
        assert_eq!(
            flags(&chain, None, day("2026-11-01")),
            vec![Flag::Duplicate {
                kind: AidKind::MedicalAssistance,
                first: "a".into(),
                second: "b".into()
            }]
        );
    }

    #[test]
    fn no_duplicate_for_adjacent_periods_same_source_or_other_kind() {
        let chain = [
            aid(
                "a",
                AidKind::MedicalAssistance,
                Some(Department::MedicalInsurance),
                "2026-01-01",
                Some("2026-06-29"),
            ),
            aid(
                "b",
                AidKind::MedicalAssistance,
                Some(Department::CivilAffairs),
                "2026-06-30",
                None,
            ),
            aid(
                "c",
                AidKind::MedicalAssistance,
                Some(Department::CivilAffairs),
                "2026-07-01",
                None,
            ),
            aid(
                "d",
                AidKind::Education,
                Some(Department::MedicalInsurance),
                "2026-01-01",
                None,
            ),
            // Charity alongside public aid of the same kind is not duplicate assistance.
            aid("e", AidKind::MedicalAssistance, None, "2026-01-01", None),
        ];
        assert_eq!(flags(&chain, None, day("2026-11-01")), vec![]);
    }

    #[test]
    fn two_charities_for_the_same_need_are_a_duplicate() {
        let mut second = aid(
            "b",
            AidKind::Charity,
            None,
            "2026-03-01",
            Some("2026-03-01"),
        );
        second.source_name = "另一家基金会".into();
        let chain = [aid("a", AidKind::Charity, None, "2026-01-01", None), second];
        assert_eq!(flags(&chain, None, day("2026-11-01")).len(), 1);
    }

    #[test]
    fn dibao_household_without_premium_subsidy_is_flagged_for_medical_insurance() {
        let a = entitled(&[
            (EntitlementKind::BasicLiving, Category::Dibao),
            (EntitlementKind::PremiumSubsidy, Category::Dibao),
            (EntitlementKind::Heating, Category::Dibao),
        ]);
        let chain = [aid(
            "a",
            AidKind::BasicLiving,
            Some(Department::CivilAffairs),
            "2026-01-01",
            None,
        )];
        assert_eq!(
            flags(&chain, Some(&a), day("2026-11-01")),
            vec![Flag::Missed {
                kind: AidKind::PremiumSubsidy,
                via: Category::Dibao,
                action: FlagAction::Refer(Department::MedicalInsurance)
            }]
        );
    }

    #[test]
    fn aid_that_ended_does_not_count_as_received_today() {
        let a = entitled(&[(EntitlementKind::BasicLiving, Category::Tekun)]);
        let chain = [aid(
            "a",
            AidKind::BasicLiving,
            Some(Department::CivilAffairs),
            "2025-01-01",
            Some("2025-12-31"),
        )];
        assert_eq!(
            flags(&chain, Some(&a), day("2026-11-01")),
            vec![Flag::Missed {
                kind: AidKind::BasicLiving,
                via: Category::Tekun,
                action: FlagAction::RecordAid
            }]
        );
        assert_eq!(flags(&chain, Some(&a), day("2025-06-01")), vec![]);
    }

    #[test]
    fn aid_form_checks_dates_source_and_amount() {
        let ok = NewAid::parse(&AidDraft {
            kind: "education".into(),
            source: "education".into(),
            amount: "1,200.50".into(),
            from: "2026-09-01".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (ok.amount_fen, ok.until),
            (120_050, Some(day("2026-09-01")))
        );
        let errs = NewAid::parse(&AidDraft {
            kind: "x".into(),
            amount: "-3".into(),
            from: "2026-09-01".into(),
            until: "2026-08-01".into(),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("kind", FieldErrorCode::InvalidChoice),
                ("source_name", FieldErrorCode::Required),
                ("amount", FieldErrorCode::AmountNegative),
                ("until", FieldErrorCode::DateOrder)
            ]
        );
    }
}
