//! Sync from the apps: the byte pipe for platform transports (the app moves the bytes), and
//! the LAN transport, which runs on the core's own threads and reports through a callback.

use std::sync::{Arc, Mutex};

use panelnotes_core::transport::lan::{self, LanOptions};
use panelnotes_core::transport::PanelPipe;

use crate::error::PanelNotesError;
use crate::records::SyncReport;
use crate::store::{id, PanelNotes};

/// One encrypted session with one peer over a byte pipe (Multipeer Connectivity, Nearby
/// Connections, BLE): hand it what arrived, send what `poll` returns.
#[derive(uniffi::Object)]
pub struct SyncSession {
    store: Arc<Mutex<panelnotes_core::Store>>,
    pipe: Mutex<PanelPipe>,
}

#[uniffi::export]
impl SyncSession {
    /// Bytes that arrived from the peer (any split). Hostile or damaged input is an error,
    /// after which the session is closed; the store is unchanged by it.
    pub fn receive(&self, bytes: Vec<u8>) -> Result<(), PanelNotesError> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let mut pipe = self.pipe.lock().unwrap_or_else(|p| p.into_inner());
        pipe.receive(&mut store, &bytes)?;
        Ok(())
    }

    /// Bytes to send to the peer now (empty when there is nothing).
    pub fn poll(&self) -> Result<Vec<u8>, PanelNotesError> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let mut pipe = self.pipe.lock().unwrap_or_else(|p| p.into_inner());
        Ok(pipe.poll(&mut store)?)
    }

    pub fn is_established(&self) -> bool {
        self.pipe.lock().unwrap_or_else(|p| p.into_inner()).is_established()
    }

    /// Ends the session, keeping what was agreed with the peer for the next one.
    pub fn finish(&self) -> Result<(), PanelNotesError> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let mut pipe = self.pipe.lock().unwrap_or_else(|p| p.into_inner());
        Ok(pipe.close(&mut store)?)
    }
}

#[uniffi::export(with_foreign)]
pub trait SyncCallback: Send + Sync {
    fn on_done(&self, report: SyncReport);
    fn on_error(&self, error: PanelNotesError);
}

/// A LAN listener; stops when closed or dropped.
#[derive(uniffi::Object)]
pub struct LanServer {
    server: Mutex<Option<lan::Server>>,
    address: String,
}

#[uniffi::export]
impl LanServer {
    pub fn address(&self) -> String {
        self.address.clone()
    }

    pub fn stop(&self) {
        if let Some(s) = self.server.lock().unwrap_or_else(|p| p.into_inner()).take() {
            s.stop();
        }
    }
}

#[uniffi::export]
impl PanelNotes {
    /// Starts a session to a peer of this interview's panel (this side dials).
    pub fn start_session(&self, interview_id: String) -> Result<Arc<SyncSession>, PanelNotesError> {
        let store = self.lock();
        let panel = store
            .panel(id(&interview_id)?)?
            .ok_or_else(|| PanelNotesError::NotFound { kind: "panel".into(), id: interview_id.clone() })?;
        let pipe = PanelPipe::initiator(&store, &panel)?;
        drop(store);
        Ok(Arc::new(SyncSession { store: self.store.clone(), pipe: Mutex::new(pipe) }))
    }

    /// Accepts a session from a peer; its opening says which of our panels it is for.
    pub fn accept_session(&self) -> Arc<SyncSession> {
        Arc::new(SyncSession { store: self.store.clone(), pipe: Mutex::new(PanelPipe::responder()) })
    }

    /// Listens for panel members on the LAN (for example "0.0.0.0:7420").
    pub fn serve_lan(&self, address: String) -> Result<Arc<LanServer>, PanelNotesError> {
        let server = lan::serve(self.store.clone(), address.as_str(), LanOptions::default())?;
        let address = server.local_addr().to_string();
        Ok(Arc::new(LanServer { server: Mutex::new(Some(server)), address }))
    }

    /// Syncs this interview's panel with a member at `address`, on a core thread; the result
    /// arrives through `callback`.
    pub fn sync_lan(&self, address: String, interview_id: String, callback: Arc<dyn SyncCallback>) -> Result<(), PanelNotesError> {
        let panel = self
            .lock()
            .panel(id(&interview_id)?)?
            .ok_or_else(|| PanelNotesError::NotFound { kind: "panel".into(), id: interview_id.clone() })?;
        let store = self.store.clone();
        std::thread::Builder::new()
            .name("panelnotes-lan".into())
            .spawn(move || match lan::sync_with(&store, address.as_str(), &panel, &LanOptions::default()) {
                Ok(r) => callback.on_done(SyncReport {
                    bytes_in: r.bytes_in,
                    bytes_out: r.bytes_out,
                    changed_documents: r.changed.iter().map(|d| d.to_string()).collect(),
                }),
                Err(e) => callback.on_error(e.into()),
            })
            .map_err(|e| PanelNotesError::Transport { reason: e.to_string() })?;
        Ok(())
    }
}
