//! panelnotes-ffi: the thin uniffi layer the iOS and Android apps see. Every exported item
//! wraps panelnotes-core; data crosses as records and enums, failures as one public error
//! enum, changes as listener callbacks that start with the current state and stop when their
//! handle is dropped. Times cross as `SystemTime` (Instant / Date), text positions as UTF-16
//! code units.

uniffi::setup_scaffolding!();

mod error;
mod observe;
mod problems;
mod records;
mod store;
mod sync;

pub use error::PanelNotesError;
pub use observe::{CandidateListListener, DocumentListener, ObserverHandle};
pub use problems::{Problem, ProblemKind, QuarantinedDocument};
pub use records::*;
pub use store::PanelNotes;
pub use sync::{LanServer, SyncCallback, SyncSession};
