//! Pure domain types and rules shared by browser and server; no I/O here.
//! Parsing follows "parse, don't validate": a value of these types is valid by construction.

/// A coded enum: each value's code is written once, here, and is its one spelling everywhere —
/// stored (`code()`, read back by `from_code`, an unknown code being `None`), sent by serde to
/// and from the browser (the same literal is serde's `rename`), used in form values and
/// translation keys.
///
/// ```ignore
/// coded! {
///     /// 城乡属性
///     pub enum Residence { Urban = "urban", Rural = "rural" }
/// }
/// ```
macro_rules! coded {
    (
        $(#[$m:meta])*
        pub enum $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }
    ) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        // serde sends and reads the code itself: one spelling, and one small reader for every
        // coded enum instead of serde's four generated per enum (visible in the WASMs' size).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::domain::deserialize_code(d)
            }
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The stable code used in storage, forms, the browser and translation keys.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The value of a code; `None` for an unknown one (never a fallback).
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::domain::Coded for $name {
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn from_code(code: &str) -> Option<Self> {
                $name::from_code(code)
            }
        }
    };
}

/// A value stored and sent as a code (what `coded!` declares): how the store reads any of them
/// back without a parser per type.
pub trait Coded: Sized + Copy + 'static {
    fn code(self) -> &'static str;
    /// `None` for a code this version does not know.
    fn from_code(code: &str) -> Option<Self>;
}

/// serde's reading of a coded value: its code, as a string; a code this version does not know
/// is an error. The string is read by one reader per format (not one per coded type and
/// format: ~100 copies of the same reader in a staff page's WASM).
pub fn deserialize_code<'de, T: Coded, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    use serde::de::{Deserialize, Error, Unexpected};
    let code = String::deserialize(d)?;
    T::from_code(&code)
        .ok_or_else(|| D::Error::invalid_value(Unexpected::Str(&code), &"a known code"))
}

pub mod audit;
pub mod care;
pub mod casework;
pub mod chain;
pub mod charity;
pub mod complaints;
pub mod cycle;
pub mod declaration;
pub mod id_number;
pub mod intake;
pub mod leads;
pub mod money;
pub mod monitoring;
pub mod payments;
pub mod phone;
pub mod policy;
pub mod publicity;
pub mod recovery;
pub mod referral;
pub mod region;
pub mod reserve;
pub mod roster;
pub mod statistics;
pub mod status;
pub mod survey;
pub mod visit;
pub mod ymd;

/// Every coded enum has one spelling: the code it is stored under (`code()`, read back by
/// `from_code`) is the one serde sends to the browser and reads back, and a code nobody wrote is
/// refused rather than read as some default.
#[cfg(test)]
mod one_spelling {
    macro_rules! same_spelling {
        ($($t:ty),* $(,)?) => {$(
            let mut seen = std::collections::HashSet::new();
            for v in <$t>::ALL.iter().copied() {
                let sent = serde_json::to_value(v).unwrap();
                assert_eq!(sent.as_str(), Some(v.code()), "{}", stringify!($t));
                assert_eq!(serde_json::from_value::<$t>(sent).unwrap(), v);
                assert_eq!(<$t>::from_code(v.code()), Some(v), "{}", stringify!($t));
                assert!(seen.insert(v.code()), "{} repeats {}", stringify!($t), v.code());
            }
            assert!(serde_json::from_str::<$t>("\"no_such_code\"").is_err());
            assert_eq!(<$t>::from_code(""), None);
        )*};
    }

    #[test]
    fn every_coded_enum_is_stored_and_sent_with_one_spelling() {
        use super::*;
        same_spelling!(
            cycle::TaskKind,
            cycle::TaskStatus,
            cycle::Standing,
            chain::AidKind,
            chain::AidOrigin,
            chain::Department,
            monitoring::Source,
            monitoring::ImportStatus,
            monitoring::EventKind,
            monitoring::WarningLevel,
            monitoring::RuleKind,
            monitoring::WarningStatus,
            monitoring::Finding,
            monitoring::Disposal,
            policy::Category,
            policy::Criterion,
            policy::EntitlementKind,
            policy::clauses::Document,
            referral::ReferralStatus,
            charity::CharityStatus,
            charity::SupplyForm,
            charity::NeedSource,
            charity::NeedState,
            charity::MatchState,
            status::ApplicationStatus,
            status::Role,
            declaration::Relation,
            declaration::Residence,
            declaration::Health,
            declaration::DisabilityKind,
            declaration::Schooling,
            declaration::WorkStatus,
            declaration::LabourCapacity,
            declaration::HelpKind,
            declaration::AttachmentKind,
            declaration::FieldErrorCode,
        );
    }
}

/// A variant's name as serde's `rename_all = "snake_case"` spells it (an uppercase letter after
/// the first becomes `_` and its lowercase; digits stay where they are): for tests that a code is
/// the spelling stored before it.
#[cfg(test)]
pub(crate) fn serde_snake_case(name: &str) -> String {
    let mut snake = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

#[cfg(test)]
mod coded_tests {
    use super::cycle::Standing;

    #[test]
    fn a_coded_value_is_read_from_its_code_and_an_unknown_code_or_a_number_is_refused() {
        let kind: Standing =
            serde_json::from_str(&format!("\"{}\"", Standing::Exited.code())).unwrap();
        assert_eq!(kind, Standing::Exited);
        let unknown = serde_json::from_str::<Standing>("\"no_such_kind\"").unwrap_err();
        assert!(unknown.to_string().contains("no_such_kind"), "{unknown}");
        assert!(unknown.to_string().contains("a known code"), "{unknown}");
        assert!(serde_json::from_str::<Standing>("3").is_err());
    }
}
