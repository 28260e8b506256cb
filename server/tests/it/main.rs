//! One integration-test binary: helpers, store conformance on both backends, and the HTTP API.
mod api;
mod backup;
mod casework;
mod charity;
mod cycle;
mod helpers;
mod household;
mod malformed;
mod migrations;
mod monitoring;
mod observability;
mod payments;
mod policy;
mod reserve;
mod rosters;
mod security;
mod store_conformance;
