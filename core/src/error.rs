//! The core's error type. Every failure a caller can cause or meet is a variant here, so the
//! bindings can map each one to a clear, typed error instead of a string or a panic.
//!
//! Messages never include candidate data (names, notes, salaries): errors end up in logs.

use crate::ids::DocumentId;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: String },

    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    #[error("position {position} is out of range: the text has {length} UTF-16 code units")]
    OutOfRange { position: u64, length: u64 },

    #[error("position {position} falls inside a surrogate pair (the middle of one character)")]
    SplitCharacter { position: u64 },

    #[error("invalid date or time {input:?}: {reason}")]
    InvalidDate { input: String, reason: String },

    #[error("document {id} has an invalid field {path}: expected {expected}")]
    InvalidField {
        id: DocumentId,
        path: String,
        expected: &'static str,
    },

    #[error("document {id} is quarantined: {reason}")]
    Quarantined { id: DocumentId, reason: String },

    #[error("document {id} is corrupt: {reason}")]
    Corrupt { id: DocumentId, reason: String },

    #[error("not permitted: {0}")]
    NotPermitted(String),

    /// A time that would make a candidate's timeline say something false: dated before what
    /// must come first, or ahead of the store's clock by more than the allowed skew.
    #[error("{event} cannot be dated {problem}")]
    OutOfOrder { event: &'static str, problem: String },

    /// Input over one of the store's caps (a stage's notes, a single insertion).
    #[error("{what} would be {size} bytes; the limit is {limit}")]
    TooLarge { what: &'static str, size: u64, limit: u64 },

    /// The value picked to resolve a conflict is no longer among the conflicting values (a
    /// sync landed between listing and resolving): nothing was written.
    #[error("the conflict on {field} of {id} changed; list it again")]
    ConflictChanged { id: DocumentId, field: String },

    /// The candidate is under a legal hold: nothing about them may be erased.
    #[error("candidate {candidate} is under a legal hold")]
    LegalHold { candidate: DocumentId },

    /// The id was erased on this device; it is refused from here on.
    #[error("{id} was erased")]
    Erased { id: String },

    #[error("the local store failed: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("the store file was written by a newer version of Panel Notes (schema {found}, this build knows {known})")]
    StoreTooNew { found: i64, known: i64 },

    #[error("document operation failed: {0}")]
    Document(#[from] automerge::AutomergeError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
}
