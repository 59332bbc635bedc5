//! The sans-IO sync engine: automerge-repo's protocol over any byte pipe. A `Connection`
//! takes incoming frames and yields outgoing ones; transports only move bytes. Sync state is
//! kept per (document, peer storage id) in the store, so a reconnect resumes where the last
//! connection left off, and a share policy (`Grant`) decides which documents a peer may learn.

mod connection;
pub use crate::guard;
pub mod wire;

use std::collections::BTreeSet;

pub use connection::{Connection, ConnectionStats, Event, Role};

use crate::ids::DocumentId;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("a frame of {size} bytes exceeds the limit of {max}")]
    Oversized { size: usize, max: usize },
    #[error("the peer supports protocol versions {offered:?}; this build speaks \"1\"")]
    ProtocolVersion { offered: Vec<String> },
    #[error("unexpected {0} message at this point of the protocol")]
    Unexpected(&'static str),
    /// The peer's error frame, as a code (`peer_error_code`): its text is never echoed.
    #[error("the peer reported an error (code {0})")]
    PeerError(String),
    #[error("the connection is closed")]
    Closed,
    #[error(transparent)]
    Store(#[from] crate::Error),
}

/// What this build says in an error frame when the peer's protocol version is unknown.
pub(crate) const UNSUPPORTED_VERSION: &str = "unsupported protocol version";

/// A peer's error text as a code: the one this build sends maps to its code, anything else
/// (another implementation's words, or hostile text) to `other`. The text itself is never
/// shown or logged: it could carry anything.
pub fn peer_error_code(text: &str) -> String {
    match text {
        UNSUPPORTED_VERSION => "unsupported_version",
        _ => "other",
    }
    .into()
}

/// The share policy's answer for one peer: which documents it may learn about. A peer that
/// proved membership of a panel gets the panel's interview and candidate documents; requests
/// for anything else are answered doc-unavailable, as if the document did not exist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grant {
    documents: BTreeSet<DocumentId>,
}

impl Grant {
    pub fn none() -> Self {
        Grant::default()
    }

    pub fn documents(ids: impl IntoIterator<Item = DocumentId>) -> Self {
        Grant {
            documents: ids.into_iter().collect(),
        }
    }

    /// A panel: its interview document and the candidate it is about.
    pub fn panel(store: &mut crate::Store, interview: DocumentId) -> crate::Result<Self> {
        let candidate = store.interview(interview)?.candidate_id;
        Ok(Grant::documents([interview, candidate]))
    }

    pub fn allows(&self, id: DocumentId) -> bool {
        self.documents.contains(&id)
    }

    pub fn iter(&self) -> impl Iterator<Item = DocumentId> + '_ {
        self.documents.iter().copied()
    }

    pub fn add(&mut self, id: DocumentId) {
        self.documents.insert(id);
    }
}

impl crate::Store {
    /// The share policy for a rostered panel: its mailboxes, nothing else. Its documents never
    /// travel as themselves; their changes ride in the mailboxes' sealed envelopes.
    pub fn mailbox_grant(&self, roster: &crate::trust::roster::Hash) -> crate::Result<Grant> {
        Ok(Grant::documents(self.mailbox_ids(roster)?))
    }
}

impl crate::trust::Panel {
    /// What a member of this panel may learn: its interview and candidate documents.
    pub fn grant(&self) -> Grant {
        Grant::documents([self.interview, self.candidate])
    }
}
