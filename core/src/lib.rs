//! Panel Notes core: the domain model of the playbook interview as Automerge documents, a
//! durable SQLite store, and the queries lists and timelines need. FFI forms only behind the
//! `uniffi` feature (records derived on these types, `ffi`); the bindings crate wraps this one.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("panelnotes_core");

pub mod clock;
pub use services::export;
pub mod error;
#[cfg(feature = "uniffi")]
pub mod ffi;
pub mod guard;
pub mod ids;
pub mod keys;
pub mod model;
pub mod services;
pub(crate) mod notes_diff;
pub mod store;
pub mod sync;
pub mod text;
pub mod transport;
pub mod trust;
pub mod timeline;

pub use clock::Entropy;
pub use error::{Error, Result};
pub use ids::{DocumentId, InterviewerId};
pub use store::{Decoded, Decoding, 
    apply_diff, CandidateListUpdate, Clock, CommitPolicy, Conflict, ConflictValue, DocKind, DocumentState, DocumentUpdate, Identity, InterviewView, ListDiff, Reader,
    ManualClock, MIN_ID_PREFIX, Origin, Problem, ProblemKind, QuarantinedDocument, Store, StoreOptions, Subscription, SystemClock,
};
