//! 花名册: roster exports (XLSX) of the lists staff work from — households in a category,
//! applications in a state, warnings — for the caller's region or a region in it. ID numbers
//! and phones are masked unless a caseworker states a purpose; every export is audited.
//! The file itself is written by the server (`server::rosters`); this module holds what the
//! page and the server share: the kinds, the request, its checks and who may ask.

use crate::domain::cycle::Standing;
use crate::domain::declaration::{FieldError, FieldErrorCode};
use crate::domain::monitoring::WarningStatus;
use crate::domain::policy::assess::Category;
use crate::domain::region::RegionCode;
use crate::domain::status::{ApplicationStatus, Role};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub use crate::domain::roster::RosterKind;

/// A stated purpose of an unmasked export, in characters (a few words at least; one line).
pub const PURPOSE_MIN_CHARS: usize = 4;
pub const PURPOSE_MAX_CHARS: usize = 200;

/// Rows read from the store at a time while a roster is written.
pub const ROSTER_PAGE: i64 = 1_000;

/// What a roster export asks: the query of a masked download (`GET`), or the form of an
/// unmasked one (`POST`, with its purpose). Empty fields mean "any" (the region: the caller's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterRequest {
    #[serde(default)]
    pub region: String,
    /// Households: the category of the decision in force.
    #[serde(default)]
    pub category: String,
    /// Households: their standing.
    #[serde(default)]
    pub standing: String,
    /// Applications: their status; warnings: their state.
    #[serde(default)]
    pub status: String,
    /// Payments: the roll's month (`YYYY-MM`).
    #[serde(default)]
    pub month: String,
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
    },
    Applications {
        status: Option<ApplicationStatus>,
    },
    Warnings {
        status: Option<WarningStatus>,
    },
    /// The lines of the county's roll of a month.
    Payments {
        month: crate::domain::payments::Month,
    },
}

impl RosterFilter {
    pub fn kind(self) -> RosterKind {
        match self {
            RosterFilter::Households { .. } => RosterKind::Households,
            RosterFilter::Applications { .. } => RosterKind::Applications,
            RosterFilter::Warnings { .. } => RosterKind::Warnings,
            RosterFilter::Payments { .. } => RosterKind::Payments,
        }
    }

    /// What the audit trail records of the selection (codes, never personal data).
    pub fn summary(self) -> String {
        let opt = |c: Option<&'static str>| c.unwrap_or("*");
        match self {
            RosterFilter::Households { category, standing } => format!(
                "category={} standing={}",
                opt(category.map(Category::code)),
                opt(standing.map(Standing::code))
            ),
            RosterFilter::Applications { status } => {
                format!("status={}", opt(status.map(ApplicationStatus::code)))
            }
            RosterFilter::Warnings { status } => {
                format!("status={}", opt(status.map(WarningStatus::code)))
            }
            RosterFilter::Payments { month } => format!("month={month}"),
        }
    }
}

fn bad(field: &str, code: FieldErrorCode) -> FieldError {
    FieldError {
        field: field.into(),
        code,
    }
}

/// An optional code: empty is `None`, an unknown code refuses `field`.
fn choice<T: crate::domain::Coded>(field: &str, raw: &str) -> Result<Option<T>, FieldError> {
    if raw.is_empty() {
        return Ok(None);
    }
    T::from_code(raw)
        .map(Some)
        .ok_or_else(|| bad(field, FieldErrorCode::InvalidChoice))
}

impl RosterRequest {
    /// Reads the request for `kind`; every field that cannot be read is named (422). A field
    /// of another kind's list is refused rather than ignored: the file would not be what the
    /// caller thinks.
    pub fn read(&self, kind: RosterKind) -> Result<RosterSelection, AppError> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<(), FieldError>| {
            if let Err(e) = r {
                errors.push(e)
            }
        };
        let region = if self.region.is_empty() {
            None
        } else {
            let r = RegionCode::parse(&self.region).ok();
            if r.is_none() {
                keep(Err(bad("region", FieldErrorCode::InvalidChoice)));
            }
            r
        };
        let mut filter = None;
        match kind {
            RosterKind::Households => {
                let category = choice("category", &self.category);
                let standing = choice("standing", &self.standing);
                if let (Ok(category), Ok(standing)) = (&category, &standing) {
                    filter = Some(RosterFilter::Households {
                        category: *category,
                        standing: *standing,
                    });
                }
                keep(category.map(|_| ()));
                keep(standing.map(|_| ()));
                if !self.month.is_empty() {
                    keep(Err(bad("month", FieldErrorCode::InvalidChoice)));
                }
                if !self.status.is_empty() {
                    keep(Err(bad("status", FieldErrorCode::InvalidChoice)));
                }
            }
            RosterKind::Payments => {
                for (field, value) in [
                    ("category", &self.category),
                    ("standing", &self.standing),
                    ("status", &self.status),
                ] {
                    if !value.is_empty() {
                        keep(Err(bad(field, FieldErrorCode::InvalidChoice)));
                    }
                }
                match crate::domain::payments::Month::parse(&self.month) {
                    Some(month) => filter = Some(RosterFilter::Payments { month }),
                    None => keep(Err(bad("month", FieldErrorCode::Required))),
                }
            }
            RosterKind::Applications | RosterKind::Warnings => {
                if !self.month.is_empty() {
                    keep(Err(bad("month", FieldErrorCode::InvalidChoice)));
                }
                for (field, value) in [("category", &self.category), ("standing", &self.standing)] {
                    if !value.is_empty() {
                        keep(Err(bad(field, FieldErrorCode::InvalidChoice)));
                    }
                }
                if kind == RosterKind::Applications {
                    match choice("status", &self.status) {
                        Ok(status) => filter = Some(RosterFilter::Applications { status }),
                        Err(e) => keep(Err(e)),
                    }
                } else {
                    match choice("status", &self.status) {
                        Ok(status) => filter = Some(RosterFilter::Warnings { status }),
                        Err(e) => keep(Err(e)),
                    }
                }
            }
        }
        let purpose = self.purpose.trim();
        let purpose = if self.unmask {
            let n = purpose.chars().count();
            if n < PURPOSE_MIN_CHARS {
                keep(Err(bad("purpose", FieldErrorCode::Required)));
            } else if n > PURPOSE_MAX_CHARS || purpose.contains(['\n', '\r']) {
                keep(Err(bad("purpose", FieldErrorCode::TooLong)));
            }
            Some(purpose.to_string())
        } else {
            if !purpose.is_empty() {
                // A purpose without unmasking is a form filled in by mistake: say so.
                keep(Err(bad("unmask", FieldErrorCode::Required)));
            }
            None
        };
        match filter {
            Some(filter) if errors.is_empty() => Ok(RosterSelection {
                region,
                filter,
                purpose,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }

    /// The address of this roster's masked download.
    pub fn href(&self, kind: RosterKind) -> String {
        let mut q = Vec::new();
        for (k, v) in [
            ("region", &self.region),
            ("category", &self.category),
            ("standing", &self.standing),
            ("status", &self.status),
            ("month", &self.month),
        ] {
            if !v.is_empty() {
                q.push(format!("{k}={v}"));
            }
        }
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
                standing: Some(Standing::InAssistance)
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
            "status=closed"
        );
    }

    #[test]
    fn a_payment_roster_names_its_month_and_nothing_else() {
        let ok = req(|r| r.month = "2026-12".into());
        assert_eq!(
            ok.read(RosterKind::Payments).unwrap().filter.summary(),
            "month=2026-12"
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
        assert_eq!(
            fields(ok.read(RosterKind::Households).unwrap_err()),
            ["month"]
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
