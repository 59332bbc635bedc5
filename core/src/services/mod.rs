//! One module per product feature, each an `impl Store` block over the writer's documents
//! (ARCHITECTURE.md, "Layers"): what the apps and the CLI call. The store below knows
//! documents, chunks, indexes and the pending log, not hiring.

pub mod access_request;
pub mod acknowledge;
pub mod brief;
pub mod candidates;
pub mod commitments;
pub mod debrief;
pub mod erasure;
pub mod export;
pub mod feedback;
pub mod interviews;
pub mod kit;
pub(crate) mod order;
pub mod retention;
pub mod scorecards;
pub mod templates;
#[cfg(test)]
mod erasure_tests;
