//! The one public error type, distinct from the core's internal errors: each variant is
//! something an app can act on, with a message fit to show.

use panelnotes_core::transport::TransportError;
use panelnotes_core::Error;

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PanelNotesError {
    #[error("no {kind} with id {id}")]
    NotFound { kind: String, id: String },
    #[error("{reason}")]
    InvalidArgument { reason: String },
    #[error("position {position} is out of range: the text has {length} UTF-16 code units")]
    OutOfRange { position: u64, length: u64 },
    #[error("{reason}")]
    InvalidDate { reason: String },
    #[error("{reason}")]
    NotPermitted { reason: String },
    /// A document is damaged; it is quarantined and everything else keeps working.
    #[error("{reason}")]
    Corrupt { reason: String },
    /// A peer wrote a field with the wrong type.
    #[error("{reason}")]
    InvalidField { reason: String },
    #[error("{reason}")]
    Storage { reason: String },
    /// Malformed or hostile sync input; the session is closed where the protocol says so.
    #[error("{reason}")]
    Sync { reason: String },
    #[error("{reason}")]
    Transport { reason: String },
}

impl From<Error> for PanelNotesError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match e {
            Error::NotFound { kind, id } => PanelNotesError::NotFound { kind: kind.into(), id },
            Error::InvalidArgument(m) => PanelNotesError::InvalidArgument { reason: m },
            Error::OutOfRange { position, length } => PanelNotesError::OutOfRange { position, length },
            Error::SplitCharacter { .. } => PanelNotesError::OutOfRange { position: 0, length: 0 }.with_message(message),
            Error::InvalidDate { .. } => PanelNotesError::InvalidDate { reason: message },
            Error::NotPermitted(m) => PanelNotesError::NotPermitted { reason: m },
            Error::OutOfOrder { .. } | Error::TooLarge { .. } => PanelNotesError::InvalidArgument { reason: message },
            Error::Quarantined { .. } | Error::Corrupt { .. } => PanelNotesError::Corrupt { reason: message },
            Error::InvalidField { .. } => PanelNotesError::InvalidField { reason: message },
            Error::Storage(_) | Error::StoreTooNew { .. } | Error::Document(_) => PanelNotesError::Storage { reason: message },
        }
    }
}

impl PanelNotesError {
    fn with_message(self, message: String) -> Self {
        // A split surrogate pair is an invalid position, reported with the core's wording.
        match self {
            PanelNotesError::OutOfRange { .. } => PanelNotesError::InvalidArgument { reason: message },
            other => other,
        }
    }
}

impl From<panelnotes_core::sync::SyncError> for PanelNotesError {
    fn from(e: panelnotes_core::sync::SyncError) -> Self {
        match e {
            panelnotes_core::sync::SyncError::Store(e) => e.into(),
            e => PanelNotesError::Sync { reason: e.to_string() },
        }
    }
}

impl From<TransportError> for PanelNotesError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Store(e) => e.into(),
            TransportError::Sync(e) => e.into(),
            TransportError::Invite(m) => PanelNotesError::InvalidArgument { reason: format!("invalid invite: {m}") },
            e => PanelNotesError::Transport { reason: e.to_string() },
        }
    }
}

pub(crate) fn bad(message: impl Into<String>) -> PanelNotesError {
    PanelNotesError::InvalidArgument { reason: message.into() }
}
