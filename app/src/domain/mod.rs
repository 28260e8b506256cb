//! Pure domain types and rules shared by browser and server; no I/O here.
//! Parsing follows "parse, don't validate": a value of these types is valid by construction.

pub mod audit;
pub mod casework;
pub mod chain;
pub mod charity;
pub mod cycle;
pub mod declaration;
pub mod id_number;
pub mod money;
pub mod monitoring;
pub mod phone;
pub mod policy;
pub mod referral;
pub mod region;
pub mod status;
pub mod visit;

/// Every coded enum has one spelling: the code it is stored under (`code()`, read back by
/// `from_code`) is the one serde sends to the browser, so a value written by one side is read
/// by the other.
#[cfg(test)]
mod one_spelling {
    macro_rules! same_spelling {
        ($($t:ty),* $(,)?) => {$(
            for v in <$t>::ALL.iter().copied() {
                let sent = serde_json::to_value(v).unwrap();
                assert_eq!(sent.as_str(), Some(v.code()), "{}", stringify!($t));
                assert_eq!(<$t>::from_code(v.code()), Some(v), "{}", stringify!($t));
            }
        )*};
    }

    #[test]
    fn every_coded_enum_is_stored_and_sent_with_one_spelling() {
        use super::*;
        same_spelling!(
            cycle::TaskKind,
            cycle::Standing,
            chain::AidKind,
            chain::Department,
            monitoring::Source,
            monitoring::EventKind,
            monitoring::RuleKind,
            monitoring::WarningStatus,
            monitoring::Finding,
            monitoring::Disposal,
            policy::Category,
            referral::ReferralStatus,
            charity::SupplyForm,
            charity::NeedSource,
            charity::NeedState,
            charity::MatchState,
            status::ApplicationStatus,
            status::Role,
            declaration::Relation,
            declaration::Residence,
            declaration::Health,
        );
    }
}
