//! One module per product feature, each an `impl Store` block over the writer's documents
//! (ARCHITECTURE.md, "Layers"): what the apps and the CLI call. The store below knows
//! documents, chunks, indexes and the pending log, not hiring.

pub mod candidates;
pub mod debrief;
pub mod export;
pub mod interviews;
pub(crate) mod order;
pub mod scorecards;
pub mod templates;
