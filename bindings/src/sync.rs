//! Sync from the apps: the byte pipe for platform transports (the app moves the bytes), and
//! the LAN transport, which runs on the core's own threads and reports through a callback.
//! Both can be cancelled: a session refuses further bytes once cancelled, and a LAN sync ends
//! within tens of milliseconds with `Cancelled`, whether it is still connecting, waiting for
//! the handshake, or syncing.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use panelnotes_core::transport::lan::{self, LanOptions, SessionFailure};
use panelnotes_core::transport::PanelPipe;

use crate::error::{PanelNotesError, R};
use crate::records::SyncReport;
use crate::store::{lock_store, PanelNotes};

/// One encrypted session with one peer over a byte pipe (Multipeer Connectivity, Nearby
/// Connections, BLE): hand it what arrived, send what `poll` returns.
#[derive(uniffi::Object)]
pub struct SyncSession {
    pub(crate) store: Arc<Mutex<panelnotes_core::Store>>,
    pub(crate) pipe: Mutex<PanelPipe>,
    state: AtomicU8,
}

const OPEN: u8 = 0;
const CLOSED: u8 = 1;
const CANCELLED: u8 = 2;

impl SyncSession {
    pub(crate) fn new(store: Arc<Mutex<panelnotes_core::Store>>, pipe: PanelPipe) -> Arc<Self> {
        Arc::new(SyncSession { store, pipe: Mutex::new(pipe), state: AtomicU8::new(OPEN) })
    }

    /// A session ends for good: finished, failed on bad input, or cancelled. Anything that
    /// arrives after is refused here, whatever state the transport below was left in.
    fn check_open(&self) -> R<()> {
        match self.state.load(Ordering::SeqCst) {
            OPEN => Ok(()),
            CANCELLED => Err(PanelNotesError::Cancelled),
            _ => Err(PanelNotesError::Transport { reason: "the session is closed".into() }),
        }
    }

    fn close_on_error<T>(&self, r: R<T>) -> R<T> {
        if r.is_err() {
            let _ = self.state.compare_exchange(OPEN, CLOSED, Ordering::SeqCst, Ordering::SeqCst);
        }
        r
    }
}

#[uniffi::export]
impl SyncSession {
    /// Bytes that arrived from the peer (any split). Hostile or damaged input is an error,
    /// after which the session is closed; the store is unchanged by it.
    pub fn receive(&self, bytes: Vec<u8>) -> R<()> {
        self.check_open()?;
        let mut pipe = self.pipe.lock().unwrap_or_else(|p| p.into_inner());
        let r = pipe.receive(&mut lock_store(&self.store), &bytes).map(|_| ()).map_err(Into::into);
        self.close_on_error(r)
    }

    /// Bytes to send to the peer now (empty when there is nothing).
    pub fn poll(&self) -> R<Vec<u8>> {
        self.check_open()?;
        let mut pipe = self.pipe.lock().unwrap_or_else(|p| p.into_inner());
        let r = pipe.poll(&mut lock_store(&self.store)).map_err(Into::into);
        self.close_on_error(r)
    }

    pub fn is_established(&self) -> bool {
        self.pipe.lock().unwrap_or_else(|p| p.into_inner()).is_established()
    }

    /// Ends the session, keeping what was agreed with the peer for the next one; later
    /// bytes are refused.
    pub fn finish(&self) -> R<()> {
        self.check_open()?;
        self.state.store(CLOSED, Ordering::SeqCst);
        let mut pipe = self.pipe.lock().unwrap_or_else(|p| p.into_inner());
        Ok(pipe.close(&mut lock_store(&self.store))?)
    }

    /// Cancels the session (the app's task was cancelled, or the peer went away): what was
    /// merged stays, the sync state is kept for the next session, and every later `receive`
    /// or `poll` is `Cancelled`.
    pub fn cancel(&self) {
        if self.state.compare_exchange(OPEN, CANCELLED, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return;
        }
        let mut pipe = self.pipe.lock().unwrap_or_else(|p| p.into_inner());
        let _ = pipe.close(&mut lock_store(&self.store));
    }

    pub fn is_cancelled(&self) -> bool {
        self.state.load(Ordering::SeqCst) == CANCELLED
    }

    /// Finished, failed on bad input, or cancelled.
    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::SeqCst) != OPEN
    }
}

#[uniffi::export(with_foreign)]
pub trait SyncCallback: Send + Sync {
    fn on_done(&self, report: SyncReport);
    fn on_error(&self, error: PanelNotesError);
}

/// A LAN sync under way; `cancel` ends it.
#[derive(uniffi::Object)]
pub struct LanSync {
    pub(crate) cancel: Arc<AtomicBool>,
}

#[uniffi::export]
impl LanSync {
    /// Ends the sync within tens of milliseconds, also while it is still connecting (an
    /// unreachable address) or waiting for a peer that never answers the handshake; the
    /// callback then gets `Cancelled`. Dropping this handle does not cancel: a sync may be
    /// started and forgotten.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }
}

/// One finished session of a LAN server: its report, or why it failed (as data the apps word
/// themselves).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct LanSession {
    pub report: Option<SyncReport>,
    pub failure: Option<SessionFailure>,
}

/// A LAN listener; stops when stopped or dropped.
#[derive(uniffi::Object)]
pub struct LanServer {
    pub(crate) server: Mutex<Option<lan::Server>>,
    address: String,
}

#[uniffi::export]
impl LanServer {
    pub fn address(&self) -> String {
        self.address.clone()
    }

    /// The sessions it served, newest last.
    pub fn sessions(&self) -> Vec<LanSession> {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = server.as_ref() else { return Vec::new() };
        s.sessions()
            .into_iter()
            .map(|r| match r {
                Ok(report) => LanSession { report: Some(report.into()), failure: None },
                Err(e) => LanSession { report: None, failure: Some(e.failure) },
            })
            .collect()
    }

    pub fn stop(&self) {
        if let Some(s) = self.server.lock().unwrap_or_else(|p| p.into_inner()).take() {
            s.stop();
        }
    }
}

#[uniffi::export]
impl PanelNotes {
    /// Listens for panel members on the LAN (for example "0.0.0.0:7420").
    pub fn serve_lan(&self, address: String) -> R<Arc<LanServer>> {
        let server = lan::serve(self.store.clone(), address.as_str(), LanOptions::default())?;
        let address = server.local_addr().to_string();
        Ok(Arc::new(LanServer { server: Mutex::new(Some(server)), address }))
    }
}
