//! The storage boundary: traits in the language of the business, one per capability (mirroring
//! `api/`), implemented for SQLite and PostgreSQL in the `server` crate (`server/src/store/`).
//! Server functions never name a database; they take `Store`, the sum of every capability.
//!
//! A new capability adds a file here with its records and its trait, a line to `Store`'s
//! supertraits, and its implementation in `server/src/store/<capability>.rs`.

mod accounts;
mod audit;
mod care;
mod casework;
mod charity;
mod complaints;
mod cycle;
mod declarations;
mod households;
mod intake;
mod jobs;
mod leads;
mod machine;
mod monitoring;
mod parameters;
mod payments;
mod publicity;
mod recovery;
mod reserve;
mod rosters;
mod shared;
mod statistics;

pub use accounts::*;
pub use audit::*;
pub use care::*;
pub use casework::*;
pub use charity::*;
pub use complaints::*;
pub use cycle::*;
pub use declarations::*;
pub use households::*;
pub use intake::*;
pub use jobs::*;
pub use leads::*;
pub use machine::*;
pub use monitoring::*;
pub use parameters::*;
pub use payments::*;
pub use publicity::*;
pub use recovery::*;
pub use reserve::*;
pub use rosters::*;
pub use shared::*;
pub use statistics::*;

use crate::domain::audit::AuditEntry;
use crate::domain::declaration::AttachmentMeta;
use crate::domain::id_number::IdNumber;
use crate::domain::money::Money;
use crate::domain::region::{Region, RegionCode};
use crate::domain::status::{ApplicationStatus, ApplicationSummary, Role, TimelineEvent};
use async_trait::async_trait;
use chrono::NaiveDate;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database: {0}")]
    Other(String),
}

impl From<DbError> for crate::error::AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => Self::NotFound,
            DbError::Conflict(code) => Self::refused(code),
            DbError::Other(cause) => Self::internal(cause),
        }
    }
}

/// Milliseconds since the Unix epoch, UTC: how every stored time is kept.
pub type Millis = i64;

/// Every capability's storage: what server functions, jobs and imports take from context.
pub trait Store:
    AccountStore
    + AuditStore
    + CareStore
    + CaseworkStore
    + CharityStore
    + ComplaintStore
    + CycleStore
    + DeclarationStore
    + HouseholdStore
    + IntakeStore
    + JobStore
    + LeadStore
    + MachineStore
    + MonitoringStore
    + ParameterStore
    + PaymentStore
    + PublicityStore
    + RecoveryStore
    + ReserveStore
    + RosterStore
    + SharedStore
    + StatisticsStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: AccountStore
        + AuditStore
        + CareStore
        + CaseworkStore
        + CharityStore
        + ComplaintStore
        + CycleStore
        + DeclarationStore
        + HouseholdStore
        + IntakeStore
        + JobStore
        + LeadStore
        + MachineStore
        + MonitoringStore
        + ParameterStore
        + PaymentStore
        + PublicityStore
        + RecoveryStore
        + ReserveStore
        + RosterStore
        + SharedStore
        + StatisticsStore
        + Send
        + Sync
{
}
