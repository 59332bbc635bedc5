//! panelnotes-ffi: the thin uniffi layer the iOS and Android apps see. Every exported item
//! wraps panelnotes-core. Data crosses as the core's own records and enums (derived behind its
//! `uniffi` feature, so nothing is lost in a mirror), failures as one public error enum,
//! changes as listener callbacks that start with the current state and stop when their handle
//! is dropped. Times cross as `SystemTime` (Instant / Date), text positions as UTF-16 code
//! units.

uniffi::setup_scaffolding!();

mod candidates;
mod conflicts;
mod erasure;
mod error;
mod interviews;
mod linking;
mod observe;
mod oneshot;
mod playbook;
mod problems;
mod records;
mod relay_session;
mod store;
mod sync;
mod trust;

pub use error::PanelNotesError;
pub use observe::*;
pub use panelnotes_core::{Problem, ProblemKind, QuarantinedDocument};
pub use records::*;
pub use relay_session::{RelayCounters, RelaySession};
pub use store::PanelNotes;
pub use sync::{LanServer, LanSync, SyncCallback, SyncSession};
pub use trust::*;
