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

    /// A submitted scorecard is immutable: no new draft, no second submission.
    #[error("the scorecard for interview {id} is already submitted and cannot change")]
    ScorecardSubmitted { id: DocumentId },

    /// The candidate is under a legal hold: nothing about them may be erased.
    #[error("candidate {candidate} is under a legal hold")]
    LegalHold { candidate: DocumentId },

    /// The id was erased on this device; it is refused from here on.
    #[error("{id} was erased")]
    Erased { id: String },

    #[error("the local store failed: {0}")]
    Storage(rusqlite::Error),

    /// The key given does not open this store (its key-check record did not verify).
    #[error("the store key is wrong: this store was encrypted with another key")]
    WrongKey,

    /// The store is encrypted and was opened without a key.
    #[error("the store is encrypted: open it with its key")]
    StoreEncrypted,

    /// The store holds plaintext and was opened with a key (or rotated without one): it is
    /// refused rather than read as empty or mixed.
    #[error("the store is not encrypted: it cannot be opened with a key")]
    StoreNotEncrypted,

    /// A sealed record did not open: damaged, moved between rows, or its candidate's key was
    /// destroyed. `reason` is a code (`not_sealed`, `malformed`, `key_gone`, `tampered`).
    #[error("a stored record did not open: {reason}")]
    SealedRecord { reason: &'static str },

    #[error("the store file was written by a newer version of Panel Notes (schema {found}, this build knows {known})")]
    StoreTooNew { found: i64, known: i64 },

    #[error("document operation failed: {0}")]
    Document(#[from] automerge::AutomergeError),
}

impl From<rusqlite::Error> for Error {
    /// A failure inside the at-rest SQL functions comes back from SQLite as a message; it is
    /// turned back into its typed error here.
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(_, Some(m)) = &e {
            if let Some(code) = m.strip_prefix(crate::store::at_rest::FUNCTION_ERROR_PREFIX) {
                if let Some(r) = crate::store::at_rest::RecordError::parse(code) {
                    return Error::SealedRecord { reason: r.code() };
                }
            }
        }
        if let rusqlite::Error::UserFunctionError(inner) = &e {
            if let Some(r) = inner.downcast_ref::<crate::store::at_rest::RecordError>() {
                return Error::SealedRecord { reason: r.code() };
            }
        }
        Error::Storage(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
}
