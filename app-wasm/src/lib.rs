//! The browser's WASM (cargo-leptos builds this crate for `wasm32-unknown-unknown`): all of it is
//! the `app` crate, whose exported functions (`hydrate`, the islands, the lazily loaded parts)
//! the linker exports from here. The re-export links `app` in.
#[cfg(feature = "hydrate")]
pub use app::hydrate;
