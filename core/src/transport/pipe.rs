//! The byte-pipe API for platform transports (Multipeer Connectivity, Nearby Connections,
//! BLE): the app hands the pipe whatever bytes arrived and sends whatever bytes it returns.
//! Inside: the panel's encrypted channel carrying the sync engine's frames.

use super::{Panel, SecureChannel, TransportError};
use crate::sync::{Connection, Event, Role};
use crate::Store;

pub struct PanelPipe {
    channel: SecureChannel,
    sync: Option<Connection>,
    panel: Option<Panel>,
    /// Frames that completed before the sync connection existed (`receive_handshake`).
    early: Vec<Vec<u8>>,
}

impl PanelPipe {
    /// The dialling side, for a panel this store leads or joined.
    pub fn initiator(store: &Store, panel: &Panel) -> Result<PanelPipe, TransportError> {
        Ok(PanelPipe {
            channel: SecureChannel::initiator(&panel.secret)?,
            sync: Some(Connection::new(store, Role::Initiator, panel.grant())?),
            panel: Some(panel.clone()),
            early: Vec::new(),
        })
    }

    /// The accepting side: the peer's opening says which of our panels it is for.
    pub fn responder() -> PanelPipe {
        PanelPipe {
            channel: SecureChannel::responder(),
            sync: None,
            panel: None,
            early: Vec::new(),
        }
    }

    /// The panel this pipe syncs, once known.
    pub fn panel(&self) -> Option<&Panel> {
        self.panel.as_ref()
    }

    pub fn is_established(&self) -> bool {
        self.channel.is_established() && self.sync.as_ref().is_some_and(|s| s.is_ready())
    }

    pub fn connection(&self) -> Option<&Connection> {
        self.sync.as_ref()
    }

    /// Bytes that arrived from the peer, in any split.
    pub fn receive(&mut self, store: &mut Store, bytes: &[u8]) -> Result<Vec<Event>, TransportError> {
        let frames = self.channel.receive(bytes, |tag| {
            store.panel_by_tag(tag).ok().flatten().map(|p| p.secret)
        })?;
        self.early.extend(frames);
        self.attach(store)
    }

    /// The handshake half of `receive`, without the store: an unauthenticated peer never
    /// takes the store's lock. `panels` are the ones this install may answer for. Returns
    /// whether the channel is established; then `attach` starts the sync.
    pub fn receive_handshake(&mut self, bytes: &[u8], panels: &[Panel]) -> Result<bool, TransportError> {
        let frames = self.channel.receive(bytes, |tag| panels.iter().find(|p| &p.tag() == tag).map(|p| p.secret))?;
        self.early.extend(frames);
        Ok(self.channel.is_established())
    }

    /// Once the channel is established, starts the sync connection (responder side) and
    /// hands it the frames that arrived so far.
    pub fn attach(&mut self, store: &mut Store) -> Result<Vec<Event>, TransportError> {
        if self.sync.is_none() && self.channel.is_established() {
            let tag = self.channel.tag().ok_or(TransportError::UnknownPanel)?;
            let panel = store.panel_by_tag(&tag)?.ok_or(TransportError::UnknownPanel)?;
            self.sync = Some(Connection::new(store, Role::Responder, panel.grant())?);
            self.panel = Some(panel);
        }
        let mut events = Vec::new();
        if let Some(sync) = self.sync.as_mut() {
            for f in std::mem::take(&mut self.early) {
                events.extend(sync.receive(store, &f)?);
            }
        }
        Ok(events)
    }

    /// Bytes to send now (after `receive`, after local edits, or on a timer).
    pub fn poll(&mut self, store: &mut Store) -> Result<Vec<u8>, TransportError> {
        if let Some(sync) = self.sync.as_mut() {
            for f in sync.poll(store)? {
                self.channel.send_frame(&f)?;
            }
        }
        Ok(self.channel.take_output())
    }

    /// Handshake bytes to send, without the store (before `attach`).
    pub fn take_handshake_output(&mut self) -> Vec<u8> {
        self.channel.take_output()
    }

    /// Ends the session, keeping the sync state agreed so far.
    pub fn close(&mut self, store: &mut Store) -> Result<(), TransportError> {
        if let Some(sync) = self.sync.as_mut() {
            sync.close(store)?;
        }
        Ok(())
    }
}
