//! Byte pipes for the sync engine's frames. Phone-to-phone links are encrypted and
//! authenticated with the panel's secret (`channel`), whatever carries the bytes: the
//! platform's peer-to-peer transport through `PanelPipe`, or the built-in LAN TCP transport.
//! The relay speaks automerge-repo's protocol over WebSocket to the standard sync server.

pub mod channel;
pub mod lan;
pub mod pipe;
#[cfg(feature = "relay")]
pub mod relay;
#[cfg(feature = "relay")]
pub mod relay_join;
#[cfg(feature = "relay")]
pub mod relay_tls;
pub mod relay_session;

pub use channel::SecureChannel;
pub use crate::trust::{InviteError, Panel, PanelInvite};
pub use pipe::{JoinOutcome, Keyring, PanelPipe};

use crate::sync::SyncError;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("the peer does not know any panel of ours")]
    UnknownPanel,
    #[error("the handshake failed: the peer does not hold this panel's secret")]
    Handshake,
    #[error("the peer's device is not a current member of the panel")]
    NotMember,
    #[error("a frame failed authentication (tampered, replayed or out of order); the session is closed")]
    Tampered,
    #[error("malformed transport data: {0}")]
    Malformed(String),
    #[error("a frame of {size} bytes exceeds the limit of {max}")]
    FrameTooLarge { size: usize, max: usize },
    #[error("the session is closed")]
    Closed,
    /// The caller cancelled (a dial still connecting, or a session under way).
    #[error("cancelled")]
    Cancelled,
    #[error("network error: {0}")]
    Io(String),
    #[error("timed out: {0}")]
    Timeout(String),
    /// The relay's TLS certificate does not chain to a trusted root (or to the private CA
    /// given); never retried.
    #[error("the relay's TLS certificate is not trusted ({0}); for a relay with a private CA, pass its certificate (--ca FILE)")]
    Untrusted(String),
    /// A relay address this build does not dial (ws:// to another machine, another scheme).
    #[error("{0}")]
    RelayUrl(String),
    #[error("invalid invite: {0}")]
    Invite(String),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl From<InviteError> for TransportError {
    fn from(e: InviteError) -> Self {
        TransportError::Invite(e.0)
    }
}

impl From<std::io::Error> for TransportError {
    fn from(e: std::io::Error) -> Self {
        TransportError::Io(e.to_string())
    }
}
