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
