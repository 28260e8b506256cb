//! 花名册: roster exports (XLSX) of the lists staff work from — households in a category,
//! applications in a state, warnings — for the caller's region or a region in it. ID numbers
//! and phones are masked unless a caseworker states a purpose; every export is audited.
//! The file itself is written by the server (`server::rosters`); this module holds what the
//! page and the server share: the kinds, the request, its checks and who may ask.

use crate::domain::chain::Department;
use crate::domain::charity::{NeedState, SupplyForm};
use crate::domain::cycle::Standing;
use crate::domain::declaration::Residence;
use crate::domain::declaration::{FieldError, FieldErrorCode};
use crate::domain::monitoring::{WarningLevel, WarningStatus};
use crate::domain::payments::{Fund, Month};
use crate::domain::policy::assess::Category;
use crate::domain::recovery::RecoveryReason;
use crate::domain::region::RegionCode;
use crate::domain::roster::{
    EmergencyForm, Flow, MonthSpan, VisitFilter, STAFF_SOURCE, UNRECORDED,
};
pub use crate::domain::roster::{RecoveryChoice, ReferralState, WarningOrigin};
use crate::domain::status::{ApplicationStatus, Role};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub use crate::domain::roster::RosterKind;

/// A stated purpose of an unmasked export, in characters (a few words at least; one line).
pub const PURPOSE_MIN_CHARS: usize = 4;
pub const PURPOSE_MAX_CHARS: usize = 200;

/// A payment roster's `status`: only the lines that paid.
pub const PAID: &str = "paid";

/// Rows read from the store at a time while a roster is written.
pub const ROSTER_PAGE: i64 = 1_000;

/// What a roster export asks: the query of a masked download (`GET`), or the form of an
/// unmasked one (`POST`, with its purpose). Empty fields mean "any" (the region: the caller's).
/// Each list reads its own fields (`RosterRequest::FIELDS`); a field of another list is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterRequest {
    #[serde(default)]
    pub region: String,
    /// Households: the category of the decision in force. Payments: the line's category.
    #[serde(default)]
    pub category: String,
    /// Households: their standing.
    #[serde(default)]
    pub standing: String,
    /// Households: urban or rural as recorded when assistance was decided, or `unrecorded`.
    #[serde(default)]
    pub residence: String,
    /// Applications: their status; warnings and referrals: their state.
    #[serde(default)]
    pub status: String,
    /// Payments: the roll's month (`YYYY-MM`).
    #[serde(default)]
    pub month: String,
    /// Households: what happened to them in `from`..`to` (entered, exited, tapering).
    #[serde(default)]
    pub flow: String,
    /// Warnings: their level (I, II, III).
    #[serde(default)]
    pub level: String,
    /// Warnings: the department's file that raised them, or `staff`.
    #[serde(default)]
    pub source: String,
    /// Warnings: visits due, or made on time.
    #[serde(default)]
    pub visit: String,
    /// Referrals: the department they were sent to.
    #[serde(default)]
    pub department: String,
    /// Emergency aid: in advance or after approval.
    #[serde(default)]
    pub form: String,
    /// Payments: the fund the line is paid from.
    #[serde(default)]
    pub fund: String,
    /// Recovery cases: why the money is recovered.
    #[serde(default)]
    pub reason: String,
    /// A span of months (`YYYY-MM`, both or neither): applications decided, warnings raised,
    /// referrals sent, emergency aid recorded, or households' `flow`, in those months.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub unmask: bool,
    #[serde(default)]
    pub purpose: String,
}

/// A roster request, read: which rows, where, and whether unmasked (with its purpose).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterSelection {
    pub region: Option<RegionCode>,
    pub filter: RosterFilter,
    pub purpose: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RosterFilter {
    Households {
        category: Option<Category>,
        standing: Option<Standing>,
        /// `Some(None)`: no residence recorded.
        residence: Option<Option<Residence>>,
        flow: Option<(Flow, MonthSpan)>,
    },
    Applications {
        status: Option<ApplicationStatus>,
        /// Decided in these months (the latest decision, if it was decided again).
        decided: Option<MonthSpan>,
    },
    Warnings {
        status: Option<WarningStatus>,
        level: Option<WarningLevel>,
        origin: Option<WarningOrigin>,
        visit: Option<VisitFilter>,
        /// Raised in these months.
        raised: Option<MonthSpan>,
    },
    /// The lines of the county's roll of a month.
    Payments {
        month: Month,
        category: Option<Category>,
        fund: Option<Fund>,
        /// Only the lines that paid (an amount, not returned failed by the bank): what the
        /// dashboard counts as paid (`status=paid`).
        paid: bool,
    },
    Referrals {
        department: Option<Department>,
        status: Option<ReferralState>,
        /// Sent in these months.
        sent: Option<MonthSpan>,
    },
    Emergency {
        form: Option<EmergencyForm>,
        /// Recorded in these months.
        recorded: Option<MonthSpan>,
    },
    Recovery {
        reason: Option<RecoveryReason>,
        status: Option<RecoveryChoice>,
        /// Opened in these months.
        opened: Option<MonthSpan>,
    },
    Charity {
        form: Option<SupplyForm>,
        status: Option<NeedState>,
        /// Closed (met, or otherwise) in these months.
        closed: Option<MonthSpan>,
    },
}

impl RosterFilter {
    pub fn kind(self) -> RosterKind {
        match self {
            RosterFilter::Households { .. } => RosterKind::Households,
            RosterFilter::Applications { .. } => RosterKind::Applications,
            RosterFilter::Warnings { .. } => RosterKind::Warnings,
            RosterFilter::Payments { .. } => RosterKind::Payments,
            RosterFilter::Referrals { .. } => RosterKind::Referrals,
            RosterFilter::Emergency { .. } => RosterKind::Emergency,
            RosterFilter::Recovery { .. } => RosterKind::Recovery,
            RosterFilter::Charity { .. } => RosterKind::Charity,
        }
    }

    /// What the audit trail records of the selection (codes, never personal data).
    pub fn summary(self) -> String {
        fn opt<T: crate::domain::Coded>(c: Option<T>) -> &'static str {
            c.map_or("*", T::code)
        }
        let span = |s: Option<MonthSpan>| s.map_or_else(|| "*".to_string(), |s| s.to_string());
        match self {
            RosterFilter::Households {
                category,
                standing,
                residence,
                flow,
            } => {
                let mut s = format!("category={} standing={}", opt(category), opt(standing));
                if let Some(r) = residence {
                    s.push_str(&format!(
                        " residence={}",
                        r.map_or(UNRECORDED, Residence::code)
                    ));
                }
                if let Some((flow, span)) = flow {
                    s.push_str(&format!(" {}={span}", flow.code()));
                }
                s
            }
            RosterFilter::Applications { status, decided } => {
                format!("status={} decided={}", opt(status), span(decided))
            }
            RosterFilter::Warnings {
                status,
                level,
                origin,
                visit,
                raised,
            } => format!(
                "status={} level={} source={} visit={} raised={}",
                opt(status),
                opt(level),
                origin.map_or("*", WarningOrigin::code),
                opt(visit),
                span(raised)
            ),
            RosterFilter::Payments {
                month,
                category,
                fund,
                paid,
            } => format!(
                "month={month} category={} fund={}{}",
                opt(category),
                opt(fund),
                if paid { " status=paid" } else { "" }
            ),
            RosterFilter::Referrals {
                department,
                status,
                sent,
            } => format!(
                "department={} status={} sent={}",
                opt(department),
                status.map_or("*", ReferralState::code),
                span(sent)
            ),
            RosterFilter::Emergency { form, recorded } => {
                format!("form={} recorded={}", opt(form), span(recorded))
            }
            RosterFilter::Recovery {
                reason,
                status,
                opened,
            } => format!(
                "reason={} status={} opened={}",
                opt(reason),
                status.map_or("*", RecoveryChoice::code),
                span(opened)
            ),
            RosterFilter::Charity {
                form,
                status,
                closed,
            } => format!(
                "form={} status={} closed={}",
                opt(form),
                opt(status),
                span(closed)
            ),
        }
    }
}

fn bad(field: &str, code: FieldErrorCode) -> FieldError {
    FieldError {
        field: field.into(),
        code,
    }
}

/// Reads a request's fields, keeping every error (each field named once).
struct Reader<'a> {
    request: &'a RosterRequest,
    errors: Vec<FieldError>,
}

impl Reader<'_> {
    fn refuse(&mut self, field: &str, code: FieldErrorCode) {
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(bad(field, code));
        }
    }

    /// An optional code: empty is `None`, an unknown code refuses the field.
    fn choice<T: crate::domain::Coded>(&mut self, field: &str) -> Option<T> {
        let raw = self.request.value(field);
        if raw.is_empty() {
            return None;
        }
        let v = T::from_code(raw);
        if v.is_none() {
            self.refuse(field, FieldErrorCode::InvalidChoice);
        }
        v
    }

    fn month(&mut self, field: &str) -> Option<Month> {
        let raw = self.request.value(field);
        if raw.is_empty() {
            return None;
        }
        let m = Month::parse(raw);
        if m.is_none() {
            self.refuse(field, FieldErrorCode::DateFormat);
        }
        m
    }

    /// `from`..`to`: both or neither; `to` not before `from`.
    fn span(&mut self) -> Option<MonthSpan> {
        let (from, to) = (self.month("from"), self.month("to"));
        let (raw_from, raw_to) = (self.request.from.is_empty(), self.request.to.is_empty());
        match (from, to) {
            (Some(from), Some(to)) => {
                let s = MonthSpan::new(from, to);
                if s.is_none() {
                    self.refuse("to", FieldErrorCode::DateOrder);
                }
                s
            }
            _ => {
                if raw_from != raw_to {
                    self.refuse(
                        if raw_from { "from" } else { "to" },
                        FieldErrorCode::Required,
                    );
                }
                None
            }
        }
    }
}

/// The request's selecting fields by name: `FIELDS` (in the order a link carries them), and
/// `value`/`set` by name (a name not among them reads as `""` and sets nothing).
macro_rules! fields_by_name {
    ($($name:ident),+ $(,)?) => {
        impl RosterRequest {
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($name)),+];

            pub fn value(&self, field: &str) -> &str {
                match field {
                    $(stringify!($name) => &self.$name,)+
                    _ => "",
                }
            }

            pub fn set(&mut self, field: &str, value: String) {
                match field {
                    $(stringify!($name) => self.$name = value,)+
                    _ => {}
                }
            }
        }
    };
}

fields_by_name!(
    region, category, standing, residence, status, month, flow, level, source, visit, department,
    form, fund, reason, from, to,
);

impl RosterRequest {
    /// The fields each list reads (besides the region).
    fn fields_of(kind: RosterKind) -> &'static [&'static str] {
        match kind {
            RosterKind::Households => &["category", "standing", "residence", "flow", "from", "to"],
            RosterKind::Applications => &["status", "from", "to"],
            RosterKind::Warnings => &["status", "level", "source", "visit", "from", "to"],
            RosterKind::Payments => &["month", "category", "fund", "status"],
            RosterKind::Referrals => &["department", "status", "from", "to"],
            RosterKind::Emergency => &["form", "from", "to"],
            RosterKind::Recovery => &["reason", "status", "from", "to"],
            RosterKind::Charity => &["form", "status", "from", "to"],
        }
    }

    /// Reads the request for `kind`; every field that cannot be read is named (422). A field
    /// of another kind's list is refused rather than ignored: the file would not be what the
    /// caller thinks.
    pub fn read(&self, kind: RosterKind) -> Result<RosterSelection, AppError> {
        let mut r = Reader {
            request: self,
            errors: Vec::new(),
        };
        let region = if self.region.is_empty() {
            None
        } else {
            let code = RegionCode::parse(&self.region).ok();
            if code.is_none() {
                r.refuse("region", FieldErrorCode::InvalidChoice);
            }
            code
        };
        let own = Self::fields_of(kind);
        for field in &Self::FIELDS[1..] {
            if !own.contains(field) && !self.value(field).is_empty() {
                r.refuse(field, FieldErrorCode::InvalidChoice);
            }
        }
        let filter = match kind {
            RosterKind::Households => {
                let category = r.choice("category");
                let standing = r.choice("standing");
                let residence = if self.residence == UNRECORDED {
                    Some(None)
                } else {
                    r.choice("residence").map(Some)
                };
                let flow: Option<Flow> = r.choice("flow");
                let span = r.span();
                if flow.is_some() != span.is_some() && !r.errors.iter().any(|e| e.field == "to") {
                    // A flow is counted over months; months alone select nothing here.
                    r.refuse(
                        if flow.is_some() { "from" } else { "flow" },
                        FieldErrorCode::Required,
                    );
                }
                RosterFilter::Households {
                    category,
                    standing,
                    residence,
                    flow: flow.zip(span),
                }
            }
            RosterKind::Applications => RosterFilter::Applications {
                status: r.choice("status"),
                decided: r.span(),
            },
            RosterKind::Warnings => {
                let origin = match self.source.as_str() {
                    "" => None,
                    STAFF_SOURCE => Some(WarningOrigin::Staff),
                    _ => r.choice("source").map(WarningOrigin::File),
                };
                RosterFilter::Warnings {
                    status: r.choice("status"),
                    level: r.choice("level"),
                    origin,
                    visit: r.choice("visit"),
                    raised: r.span(),
                }
            }
            RosterKind::Payments => {
                let month = r.month("month");
                if self.month.is_empty() {
                    r.refuse("month", FieldErrorCode::Required);
                }
                let category = r.choice("category");
                let fund = r.choice("fund");
                let paid = self.status == PAID;
                if !paid && !self.status.is_empty() {
                    r.refuse("status", FieldErrorCode::InvalidChoice);
                }
                match month {
                    Some(month) => RosterFilter::Payments {
                        month,
                        category,
                        fund,
                        paid,
                    },
                    None => return Err(AppError::Invalid(r.errors)),
                }
            }
            RosterKind::Referrals => RosterFilter::Referrals {
                department: r.choice("department"),
                status: if self.status == ReferralState::ANSWERED {
                    Some(ReferralState::Answered)
                } else {
                    r.choice("status").map(ReferralState::Is)
                },
                sent: r.span(),
            },
            RosterKind::Emergency => RosterFilter::Emergency {
                form: r.choice("form"),
                recorded: r.span(),
            },
            RosterKind::Recovery => RosterFilter::Recovery {
                reason: r.choice("reason"),
                status: if self.status == RecoveryChoice::OUTSTANDING {
                    Some(RecoveryChoice::Outstanding)
                } else {
                    r.choice("status").map(RecoveryChoice::Is)
                },
                opened: r.span(),
            },
            RosterKind::Charity => RosterFilter::Charity {
                form: r.choice("form"),
                status: r.choice("status"),
                closed: r.span(),
            },
        };
        let purpose = self.purpose.trim();
        let purpose = if self.unmask {
            let n = purpose.chars().count();
            if n < PURPOSE_MIN_CHARS {
                r.refuse("purpose", FieldErrorCode::Required);
            } else if n > PURPOSE_MAX_CHARS || purpose.contains(['\n', '\r']) {
                r.refuse("purpose", FieldErrorCode::TooLong);
            }
            Some(purpose.to_string())
        } else {
            if !purpose.is_empty() {
                // A purpose without unmasking is a form filled in by mistake: say so.
                r.refuse("unmask", FieldErrorCode::Required);
            }
            None
        };
        // Named in the order of the form (and of a link), whatever the order they were found in.
        let place = |f: &FieldError| {
            Self::FIELDS
                .iter()
                .position(|k| *k == f.field)
                .unwrap_or(Self::FIELDS.len())
        };
        r.errors.sort_by_key(place);
        if r.errors.is_empty() {
            Ok(RosterSelection {
                region,
                filter,
                purpose,
            })
        } else {
            Err(AppError::Invalid(r.errors))
        }
    }

    /// The address of this roster's masked download.
    pub fn href(&self, kind: RosterKind) -> String {
        let q: Vec<String> = Self::FIELDS
            .iter()
            .filter(|k| !self.value(k).is_empty())
            .map(|k| format!("{k}={}", self.value(k)))
            .collect();
        let path = format!("/rosters/{}.xlsx", kind.code());
        if q.is_empty() {
            path
        } else {
            format!("{path}?{}", q.join("&"))
        }
    }
}

/// Who may export rosters: caseworkers and system administrators, each for their region.
pub const EXPORTERS: &[Role] = &[Role::Caseworker, Role::Admin];

/// Who may export them unmasked: those who may show a person's whole ID number (caseworkers).
pub const UNMASKERS: &[Role] = &[Role::Caseworker];

#[cfg(test)]
mod tests {
    use super::*;

    fn req(f: impl FnOnce(&mut RosterRequest)) -> RosterRequest {
        let mut r = RosterRequest::default();
        f(&mut r);
        r
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Invalid(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_request_is_read_for_its_kind_and_every_bad_field_is_named() {
        let ok = req(|r| {
            r.category = "dibao".into();
            r.standing = "in_assistance".into();
            r.region = "620702000000".into();
        })
        .read(RosterKind::Households)
        .unwrap();
        assert_eq!(
            ok.filter,
            RosterFilter::Households {
                category: Some(Category::Dibao),
                standing: Some(Standing::InAssistance),
                residence: None,
                flow: None,
            }
        );
        assert_eq!(ok.region.unwrap().as_str(), "620702000000");
        assert_eq!(ok.purpose, None);
        assert_eq!(ok.filter.summary(), "category=dibao standing=in_assistance");
        let bad = req(|r| {
            r.category = "nope".into();
            r.status = "approved".into();
            r.region = "6207x".into();
        });
        assert_eq!(
            fields(bad.read(RosterKind::Households).unwrap_err()),
            ["region", "category", "status"]
        );
        // A status is read for the list it belongs to.
        let s = req(|r| r.status = "approved".into());
        assert!(s.read(RosterKind::Applications).is_ok());
        assert_eq!(
            fields(s.read(RosterKind::Warnings).unwrap_err()),
            ["status"]
        );
        let w = req(|r| r.status = "closed".into());
        assert_eq!(
            w.read(RosterKind::Warnings).unwrap().filter.summary(),
            "status=closed level=* source=* visit=* raised=*"
        );
    }

    #[test]
    fn a_payment_roster_names_its_month_and_nothing_else() {
        let ok = req(|r| r.month = "2026-12".into());
        assert_eq!(
            ok.read(RosterKind::Payments).unwrap().filter.summary(),
            "month=2026-12 category=* fund=*"
        );
        assert_eq!(
            ok.href(RosterKind::Payments),
            "/rosters/payments.xlsx?month=2026-12"
        );
        assert_eq!(
            fields(
                RosterRequest::default()
                    .read(RosterKind::Payments)
                    .unwrap_err()
            ),
            ["month"]
        );
        let mixed = req(|r| {
            r.month = "2026-12".into();
            r.status = "approved".into();
        });
        assert_eq!(
            fields(mixed.read(RosterKind::Payments).unwrap_err()),
            ["status"]
        );
        let paid = req(|r| {
            r.month = "2026-12".into();
            r.fund = "tekun".into();
            r.status = PAID.into();
        });
        assert_eq!(
            paid.read(RosterKind::Payments).unwrap().filter.summary(),
            "month=2026-12 category=* fund=tekun status=paid"
        );
        assert_eq!(
            fields(ok.read(RosterKind::Households).unwrap_err()),
            ["month"]
        );
    }

    #[test]
    fn a_dashboard_figure_selects_its_months_and_its_keys() {
        // Warnings of one level from one department's file, raised in two months.
        let w = req(|r| {
            r.level = "II".into();
            r.source = "medical_insurance".into();
            r.visit = "on_time".into();
            r.from = "2026-11".into();
            r.to = "2026-12".into();
        });
        assert_eq!(
            w.read(RosterKind::Warnings).unwrap().filter.summary(),
            "status=* level=II source=medical_insurance visit=on_time raised=2026-11..2026-12"
        );
        assert_eq!(
            w.href(RosterKind::Warnings),
            "/rosters/warnings.xlsx?level=II&source=medical_insurance&visit=on_time\
             &from=2026-11&to=2026-12"
        );
        let staff = req(|r| r.source = STAFF_SOURCE.into());
        assert!(matches!(
            staff.read(RosterKind::Warnings).unwrap().filter,
            RosterFilter::Warnings {
                origin: Some(WarningOrigin::Staff),
                ..
            }
        ));
        // A flow needs its months, and months alone are no flow.
        let flow = req(|r| r.flow = "exited".into());
        assert_eq!(
            fields(flow.read(RosterKind::Households).unwrap_err()),
            ["from"]
        );
        let months = req(|r| {
            r.from = "2026-11".into();
            r.to = "2026-11".into();
        });
        assert_eq!(
            fields(months.read(RosterKind::Households).unwrap_err()),
            ["flow"]
        );
        // Months: both, well formed, in order.
        let half = req(|r| r.from = "2026-11".into());
        assert_eq!(
            fields(half.read(RosterKind::Referrals).unwrap_err()),
            ["to"]
        );
        let reversed = req(|r| {
            r.from = "2026-12".into();
            r.to = "2026-11".into();
        });
        assert_eq!(
            fields(reversed.read(RosterKind::Emergency).unwrap_err()),
            ["to"]
        );
        let garbled = req(|r| {
            r.from = "2026-13".into();
            r.to = "x".into();
        });
        assert_eq!(
            fields(garbled.read(RosterKind::Applications).unwrap_err()),
            ["from", "to"]
        );
        // Answered referrals; a residence not recorded; keys of another list refused.
        let answered = req(|r| {
            r.department = "education".into();
            r.status = "answered".into();
        });
        assert_eq!(
            answered
                .read(RosterKind::Referrals)
                .unwrap()
                .filter
                .summary(),
            "department=education status=answered sent=*"
        );
        let unrecorded = req(|r| r.residence = UNRECORDED.into());
        assert_eq!(
            unrecorded
                .read(RosterKind::Households)
                .unwrap()
                .filter
                .summary(),
            "category=* standing=* residence=unrecorded"
        );
        let stray = req(|r| {
            r.level = "I".into();
            r.fund = "dibao".into();
        });
        assert_eq!(
            fields(stray.read(RosterKind::Emergency).unwrap_err()),
            ["level", "fund"]
        );
        // The same field read for its own list: a charity's form is not emergency aid's.
        let goods = req(|r| {
            r.form = "goods".into();
            r.status = "met".into();
        });
        assert_eq!(
            goods.read(RosterKind::Charity).unwrap().filter.summary(),
            "form=goods status=met closed=*"
        );
        assert_eq!(
            fields(goods.read(RosterKind::Emergency).unwrap_err()),
            ["status", "form"]
        );
        let owed = req(|r| {
            r.reason = "paid_after_death".into();
            r.status = RecoveryChoice::OUTSTANDING.into();
        });
        assert_eq!(
            owed.read(RosterKind::Recovery).unwrap().filter.summary(),
            "reason=paid_after_death status=outstanding opened=*"
        );
        let form = req(|r| r.form = "sometime".into());
        assert_eq!(
            fields(form.read(RosterKind::Emergency).unwrap_err()),
            ["form"]
        );
    }

    #[test]
    fn an_unmasked_export_needs_a_purpose_of_one_line() {
        let short = req(|r| {
            r.unmask = true;
            r.purpose = " 核对 ".into();
        });
        assert_eq!(
            fields(short.read(RosterKind::Households).unwrap_err()),
            ["purpose"]
        );
        let ok = req(|r| {
            r.unmask = true;
            r.purpose = "  年度资金审计抽查  ".into();
        });
        assert_eq!(
            ok.read(RosterKind::Households).unwrap().purpose.as_deref(),
            Some("年度资金审计抽查")
        );
        let two_lines = req(|r| {
            r.unmask = true;
            r.purpose = "年度资金\n审计抽查".into();
        });
        assert!(two_lines.read(RosterKind::Warnings).is_err());
        let long = req(|r| {
            r.unmask = true;
            r.purpose = "审".repeat(PURPOSE_MAX_CHARS + 1);
        });
        assert!(long.read(RosterKind::Warnings).is_err());
        let stray = req(|r| r.purpose = "年度资金审计抽查".into());
        assert_eq!(
            fields(stray.read(RosterKind::Households).unwrap_err()),
            ["unmask"]
        );
    }

    #[test]
    fn the_masked_link_carries_only_the_filters_given() {
        assert_eq!(
            RosterRequest::default().href(RosterKind::Warnings),
            "/rosters/warnings.xlsx"
        );
        let r = req(|r| {
            r.category = "tekun".into();
            r.standing = "in_assistance".into();
            r.purpose = "x".into();
        });
        assert_eq!(
            r.href(RosterKind::Households),
            "/rosters/households.xlsx?category=tekun&standing=in_assistance"
        );
    }
}
