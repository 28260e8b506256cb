//! Server functions, one module per capability. Each authorises its caller, parses its input
//! with `app::domain`, and reaches storage only through the `Store` trait.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod care;
pub mod casework;
pub mod charity;
pub mod complaints;
pub mod cycle;
pub mod declaration;
pub mod household;
pub mod intake;
pub mod leads;
pub mod machine;
pub mod monitoring;
pub mod payments;
pub mod policy;
pub mod publicity;
pub mod recovery;
pub mod regions;
pub mod reserve;
pub mod rosters;
pub mod statistics;
pub mod surveys;
pub mod types;
