//! 审核确认: the caseworker's decision on an application — category and monthly amount as the
//! assessment proposes them, changed only with a reason — and how a name is shown on the
//! public notice (公示). Pure; the browser and the server check a decision the same way.

use super::declaration::{FieldError, FieldErrorCode};
use super::money::Money;
use super::policy::assess::{Assessment, Category, EntitlementKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MAX_REASON_CHARS: usize = 500;

/// What the assessment proposes: the household's category and its monthly basic living aid.
pub fn proposal(a: &Assessment) -> (Option<Category>, Option<i64>) {
    let category = a.household.primary().or_else(|| {
        a.members
            .iter()
            .filter_map(|m| m.categories.primary())
            .min()
    });
    let amount = category.and_then(|c| {
        a.entitlements
            .iter()
            .filter(|e| e.kind == EntitlementKind::BasicLiving && e.via == Some(c))
            .filter_map(|e| e.monthly_fen)
            .reduce(|x, y| x + y)
    });
    (category, amount)
}

/// The decision form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionDraft {
    pub category: String,
    /// Yuan per month; empty for none.
    pub monthly_amount: String,
    pub adjustment_reason: String,
    pub effective_from: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub category: Category,
    pub monthly_amount_fen: i64,
    pub proposed_category: Option<Category>,
    pub proposed_amount_fen: Option<i64>,
    /// Why the decision differs from the proposal; empty when it does not.
    pub adjustment_reason: String,
    pub effective_from: NaiveDate,
}

impl Decision {
    /// Checks a decision against the assessment's proposal: a different category or amount
    /// needs a reason. The effective date may not lie before `today`.
    pub fn parse(
        d: &DecisionDraft,
        proposed: (Option<Category>, Option<i64>),
        today: NaiveDate,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, code| {
            errors.push(FieldError {
                field: field.into(),
                code,
            })
        };
        let category = Category::from_code(d.category.trim());
        if category.is_none() {
            err(
                "category",
                if d.category.trim().is_empty() {
                    FieldErrorCode::Required
                } else {
                    FieldErrorCode::InvalidChoice
                },
            );
        }
        let amount = match Money::parse_yuan(&d.monthly_amount, 1_000_000) {
            Ok(m) => m.fen(),
            Err(e) => {
                err("monthly_amount", e.into());
                0
            }
        };
        let effective_from = crate::domain::ymd::parse(d.effective_from.trim());
        match effective_from {
            None => err("effective_from", FieldErrorCode::DateFormat),
            Some(date) if date < today => err("effective_from", FieldErrorCode::DateInPast),
            Some(_) => {}
        }
        let reason = d.adjustment_reason.trim().to_string();
        // A category without basic living aid proposes no amount: zero.
        let adjusted = category != proposed.0 || amount != proposed.1.unwrap_or(0);
        if adjusted && reason.is_empty() {
            err("adjustment_reason", FieldErrorCode::Required);
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            err("adjustment_reason", FieldErrorCode::TooLong);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Decision {
            category: category.expect("checked"),
            monthly_amount_fen: amount,
            proposed_category: proposed.0,
            proposed_amount_fen: proposed.1,
            adjustment_reason: reason,
            effective_from: effective_from.expect("checked"),
        })
    }
}

/// A name as the public notice may show it: the surname and a mask (`张*`, `张**`).
pub fn masked_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn draft(category: &str, amount: &str, reason: &str) -> DecisionDraft {
        DecisionDraft {
            category: category.into(),
            monthly_amount: amount.into(),
            adjustment_reason: reason.into(),
            effective_from: "2026-12-01".into(),
        }
    }

    #[test]
    fn the_proposal_is_accepted_without_a_reason() {
        let d = Decision::parse(
            &draft("dibao", "410.00", ""),
            (Some(Category::Dibao), Some(41_000)),
            today(),
        )
        .unwrap();
        assert_eq!(
            (d.category, d.monthly_amount_fen),
            (Category::Dibao, 41_000)
        );
    }

    #[test]
    fn a_changed_category_or_amount_needs_a_reason() {
        for (cat, amount) in [("dibao_marginal", "410"), ("dibao", "400")] {
            let errs = Decision::parse(
                &draft(cat, amount, ""),
                (Some(Category::Dibao), Some(41_000)),
                today(),
            )
            .unwrap_err();
            assert_eq!(
                errs,
                vec![FieldError {
                    field: "adjustment_reason".into(),
                    code: FieldErrorCode::Required
                }],
                "{cat} {amount}"
            );
            assert!(Decision::parse(
                &draft(cat, amount, "入户调查发现另有赡养费收入"),
                (Some(Category::Dibao), Some(41_000)),
                today()
            )
            .is_ok());
        }
    }

    #[test]
    fn a_category_without_basic_living_aid_needs_no_amount() {
        assert!(Decision::parse(
            &draft("dibao_marginal", "", ""),
            (Some(Category::DibaoMarginal), None),
            today()
        )
        .is_ok());
        assert!(Decision::parse(
            &draft("dibao_marginal", "0", ""),
            (Some(Category::DibaoMarginal), None),
            today()
        )
        .is_ok());
    }

    #[test]
    fn bad_input_is_reported_at_its_field() {
        let mut d = draft("", "-1", "");
        d.effective_from = "2026-11-01".into();
        let errs = Decision::parse(&d, (None, None), today()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(fields.contains(&("category", FieldErrorCode::Required)));
        assert!(fields.contains(&("monthly_amount", FieldErrorCode::AmountNegative)));
        assert!(fields.contains(&("effective_from", FieldErrorCode::DateInPast)));
    }

    #[test]
    fn names_are_masked_after_the_surname() {
        assert_eq!(masked_name("张建国"), "张**");
        assert_eq!(masked_name("李四"), "李*");
        assert_eq!(masked_name("阿依古丽·买买提"), "阿*******");
        assert_eq!(masked_name(""), "");
    }
}
