//! The FFI forms of the core's types, behind the `uniffi` feature: custom types for ids, times
//! and durations, and the one public error enum the apps see. They live here rather than in the
//! bindings crate because the records derived on the core's types need them, and because a
//! value the apps send that fails to convert (a malformed date inside a record) must reach
//! them as this typed error: uniffi hands a failed argument conversion back as the function's
//! error only when it is that very type.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

use crate::error::Error;
use crate::ids::{DocumentId, InterviewerId};
use crate::sync::SyncError;
use crate::transport::TransportError;

/// The one public error type: each variant is something an app can act on. Messages carry ids
/// and field paths, never candidate data.
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
    /// A time that would make the timeline say something false (before what must come first,
    /// or too far ahead of this device's clock).
    #[error("{reason}")]
    OutOfOrder { reason: String },
    /// The conflict's values changed since it was listed (a sync landed in between): list the
    /// conflicts again and let the person pick anew.
    #[error("the conflict on {field} of {document_id} changed; list it again")]
    ConflictChanged { document_id: String, field: String },
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
    /// Your scorecard for this interview is already submitted; a submitted scorecard cannot
    /// change.
    #[error("the scorecard for interview {interview_id} is already submitted")]
    ScorecardSubmitted { interview_id: String },
    /// The app cancelled the operation (a sync session or a LAN sync).
    #[error("cancelled")]
    Cancelled,
    /// The at-rest key does not open this store.
    #[error("the store key is wrong")]
    WrongKey,
    /// The store is encrypted but no key was given, or is plaintext and a key was given: the
    /// app must not treat it as an empty store.
    #[error("the store's encryption does not match: encrypted {encrypted}")]
    EncryptionMismatch { encrypted: bool },
    /// A stored record did not open (damaged, or its candidate was erased); `code` says which.
    #[error("a stored record did not open: {code}")]
    SealedRecord { code: String },
}

impl From<Error> for PanelNotesError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match e {
            Error::NotFound { kind, id } => PanelNotesError::NotFound { kind: kind.into(), id },
            Error::InvalidArgument(m) => PanelNotesError::InvalidArgument { reason: m },
            Error::OutOfRange { position, length } => PanelNotesError::OutOfRange { position, length },
            // A split surrogate pair is an invalid position, reported with the core's wording.
            Error::SplitCharacter { .. } | Error::TooLarge { .. } => PanelNotesError::InvalidArgument { reason: message },
            Error::InvalidDate { .. } => PanelNotesError::InvalidDate { reason: message },
            Error::NotPermitted(m) => PanelNotesError::NotPermitted { reason: m },
            Error::LegalHold { .. } | Error::Erased { .. } => PanelNotesError::NotPermitted { reason: message },
            Error::OutOfOrder { .. } => PanelNotesError::OutOfOrder { reason: message },
            Error::ScorecardSubmitted { id } => PanelNotesError::ScorecardSubmitted { interview_id: id.to_string() },
            Error::ConflictChanged { id, field } => PanelNotesError::ConflictChanged { document_id: id.to_string(), field },
            Error::Quarantined { .. } | Error::Corrupt { .. } => PanelNotesError::Corrupt { reason: message },
            Error::InvalidField { .. } => PanelNotesError::InvalidField { reason: message },
            Error::Storage(_) | Error::StoreTooNew { .. } | Error::Document(_) => PanelNotesError::Storage { reason: message },
            Error::WrongKey => PanelNotesError::WrongKey,
            Error::StoreEncrypted => PanelNotesError::EncryptionMismatch { encrypted: true },
            Error::StoreNotEncrypted => PanelNotesError::EncryptionMismatch { encrypted: false },
            Error::SealedRecord { reason } => PanelNotesError::SealedRecord { code: reason.into() },
        }
    }
}

impl From<SyncError> for PanelNotesError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(e) => e.into(),
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
            TransportError::Cancelled => PanelNotesError::Cancelled,
            e => PanelNotesError::Transport { reason: e.to_string() },
        }
    }
}

fn refuse(e: PanelNotesError) -> uniffi::deps::anyhow::Error {
    uniffi::deps::anyhow::Error::new(e)
}

/// A time from the apps (`Date` / `Instant`), to the millisecond the documents keep.
pub fn from_system(t: SystemTime) -> Result<DateTime<Utc>, PanelNotesError> {
    let bad = |what: &str| PanelNotesError::InvalidDate { reason: format!("a time too far in the {what}") };
    let ms = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).map_err(|_| bad("future"))?,
        Err(e) => -i64::try_from(e.duration().as_millis()).map_err(|_| bad("past"))?,
    };
    Utc.timestamp_millis_opt(ms).single().ok_or_else(|| bad("future or past"))
}

pub fn to_system(t: DateTime<Utc>) -> SystemTime {
    let ms = t.timestamp_millis();
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// A duration for the apps. Every duration the core reports is a length of time that has
/// passed (elapsed, overrun, waiting, a speed figure over correctly ordered events), so a
/// negative one can only come from clock skew and is shown as zero.
pub fn to_std(d: TimeDelta) -> Duration {
    d.to_std().unwrap_or(Duration::ZERO)
}

uniffi::custom_type!(DocumentId, String, {
    lower: |id| id.to_string(),
    try_lift: |s| s.parse().map_err(|_| refuse(PanelNotesError::NotFound { kind: "document".into(), id: s })),
});

uniffi::custom_type!(InterviewerId, String, {
    lower: |id| id.as_str().to_owned(),
    try_lift: |s| InterviewerId::new(s).map_err(|e| refuse(e.into())),
});

/// A point in time: `Date` in Swift, `java.time.Instant` in Kotlin.
pub type Timestamp = DateTime<Utc>;
/// A calendar date without a time zone.
pub type IsoDate = NaiveDate;

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |t| to_system(t),
    try_lift: |t| from_system(t).map_err(refuse),
});

uniffi::custom_type!(TimeDelta, Duration, {
    remote,
    lower: |d| to_std(d),
    try_lift: |d| TimeDelta::from_std(d).map_err(|_| refuse(PanelNotesError::InvalidArgument { reason: "a duration out of range".into() })),
});

// A calendar date (a start date) crosses as ISO 8601 `YYYY-MM-DD`: both platforms parse it
// with their own date types, and no time zone can shift it by a day.
uniffi::custom_type!(IsoDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .map_err(|_| refuse(PanelNotesError::InvalidDate { reason: "a date must be YYYY-MM-DD".into() })),
});

// The kind of a document, from the store module (restructured separately): declared remote so
// the derive sits here, next to the other FFI forms.
use crate::model::DocKind;

#[uniffi::remote(Enum)]
pub enum DocKind {
    Candidate,
    Interview,
    Template,
    Mailbox,
}

impl crate::Store {
    /// Whether a document is decoded in memory: how the bindings (and their tests) tell that
    /// a background decode started by `open_interview` has been handed back.
    pub fn is_decoded(&self, id: DocumentId) -> bool {
        self.is_open(id)
    }
}
