//! 政策即代码: the six-category assessment, its dated regional parameters, and the trace that
//! explains every result clause by clause. Pure: the browser and the server run the same code.

pub mod assess;
pub mod clauses;
pub mod cliff;
pub mod facts;
pub mod params;

pub use assess::{
    assess, Assessment, Category, CategorySet, Check, Criterion, EntitlementKind, Outcome, Subject,
};
pub use facts::HouseholdFacts;
pub use params::{resolve, ParamKey, ParamRow, ParameterSet, ProposalStatus};
pub mod examples;
#[cfg(test)]
mod tests;
