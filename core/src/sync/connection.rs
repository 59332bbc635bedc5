//! One connection to one peer, as a state machine: handshake (join / peer), then per-document
//! sync messages. It never touches a socket: `receive` takes a frame, `take_outgoing` hands
//! back the frames to send.

use std::collections::{BTreeSet, HashMap, VecDeque};

use automerge::sync::{Message, State};

use super::wire::{PeerMetadata, WireMessage, PROTOCOL_V1};
use super::{Grant, SyncError};
use crate::ids::DocumentId;
use crate::Store;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Sends `join` and waits for `peer` (a client of a relay, or the dialling phone).
    Initiator,
    /// Waits for `join` and answers `peer`.
    Responder,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The handshake completed.
    Ready { remote_peer: String, remote_storage: Option<String> },
    /// A document changed here because of this peer (durable and indexed).
    DocumentChanged(DocumentId),
    /// The peer does not have this document (or may not share it).
    Unavailable(DocumentId),
    /// One document's sync message was unusable; the connection goes on, the store is
    /// unchanged for that document.
    Rejected { document: DocumentId, error: String },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    pub frames_in: u64,
    pub frames_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    AwaitingJoin,
    AwaitingPeer,
    Ready { remote: String, storage: Option<String> },
    Closed,
}

pub struct Connection {
    me: String,
    metadata: PeerMetadata,
    phase: Phase,
    grant: Grant,
    states: HashMap<DocumentId, State>,
    requested: BTreeSet<DocumentId>,
    unavailable: BTreeSet<DocumentId>,
    outbox: VecDeque<Vec<u8>>,
    stats: ConnectionStats,
    /// While this lives and the connection is ready, the store treats the shared documents as
    /// live (the fast commit policy); dropped on close, failure, or when the connection is.
    liveness: std::sync::Arc<()>,
}

impl Connection {
    pub fn new(store: &Store, role: Role, grant: Grant) -> Result<Connection, SyncError> {
        Self::with_storage_id(store, role, grant, store.storage_id()?)
    }

    /// The same, presenting `storage_id` (the key under which the peer keeps its sync state
    /// with us) instead of the install's: a relay session per panel presents one of its own,
    /// so the server cannot link one install across panels.
    pub fn with_storage_id(store: &Store, role: Role, grant: Grant, storage_id: String) -> Result<Connection, SyncError> {
        let me = format!(
            "panelnotes-{}",
            store.random_bytes::<8>().iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let metadata = PeerMetadata {
            storage_id: Some(storage_id),
            is_ephemeral: false,
        };
        let mut c = Connection {
            me,
            metadata,
            phase: Phase::AwaitingJoin,
            grant,
            states: HashMap::new(),
            requested: BTreeSet::new(),
            unavailable: BTreeSet::new(),
            outbox: VecDeque::new(),
            stats: ConnectionStats::default(),
            liveness: std::sync::Arc::new(()),
        };
        if role == Role::Initiator {
            c.phase = Phase::AwaitingPeer;
            c.send(WireMessage::Join {
                sender: c.me.clone(),
                versions: vec![PROTOCOL_V1.into()],
                metadata: c.metadata.clone(),
            });
        }
        Ok(c)
    }

    pub fn peer_id(&self) -> &str {
        &self.me
    }

    pub fn remote_peer(&self) -> Option<&str> {
        match &self.phase {
            Phase::Ready { remote, .. } => Some(remote),
            _ => None,
        }
    }

    pub fn is_ready(&self) -> bool {
        matches!(self.phase, Phase::Ready { .. })
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    pub fn stats(&self) -> ConnectionStats {
        self.stats
    }

    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// Shares one more document with this peer (call `sync` after).
    pub fn share(&mut self, store: &mut Store, id: DocumentId) {
        self.grant.add(id);
        if self.is_ready() {
            store.mark_live(id, &self.liveness);
        }
    }

    /// Frames already queued (handshake, doc-unavailable, errors), in order, without
    /// generating sync messages.
    pub fn take_outgoing(&mut self) -> Vec<Vec<u8>> {
        self.outbox.drain(..).collect()
    }

    /// Everything to send now: queued frames, then a sync message for each shared document
    /// the peer needs something of (replies to what arrived, and local changes). Transports
    /// call this after delivering incoming frames and after local edits.
    pub fn poll(&mut self, store: &mut Store) -> Result<Vec<Vec<u8>>, SyncError> {
        if self.is_ready() {
            let mut events = Vec::new();
            // Generating a big message holds the writer too.
            store.arm_lane();
            let synced = self.sync_inner(store, &mut events);
            store.disarm_lane();
            synced?;
        }
        Ok(self.take_outgoing())
    }

    fn send(&mut self, m: WireMessage) {
        let bytes = m.encode();
        self.stats.frames_out += 1;
        self.stats.bytes_out += bytes.len() as u64;
        self.outbox.push_back(bytes);
    }

    fn fail(&mut self, e: SyncError) -> SyncError {
        self.phase = Phase::Closed;
        self.liveness = std::sync::Arc::new(());
        e
    }

    /// The storage id sync state with this peer is kept under; `None` for ephemeral peers,
    /// whose state lives only as long as the connection.
    fn state_key(&self) -> Option<String> {
        match &self.phase {
            Phase::Ready { storage, .. } => storage.clone(),
            _ => None,
        }
    }

    fn state_for(&mut self, store: &Store, id: DocumentId) -> Result<State, SyncError> {
        if let Some(s) = self.states.remove(&id) {
            return Ok(s);
        }
        Ok(match self.state_key() {
            Some(key) => store.sync_state(id, &key)?,
            None => State::new(),
        })
    }

    fn remote(&self) -> String {
        self.remote_peer().unwrap_or_default().to_owned()
    }

    /// Handles one incoming frame. A frame the protocol cannot accept (undecodable, oversized,
    /// out of order, a wrong protocol version) closes the connection with a typed error;
    /// a bad sync payload for one document is reported as `Event::Rejected`.
    pub fn receive(&mut self, store: &mut Store, frame: &[u8]) -> Result<Vec<Event>, SyncError> {
        if self.is_closed() {
            return Err(SyncError::Closed);
        }
        self.stats.frames_in += 1;
        self.stats.bytes_in += frame.len() as u64;
        let msg = WireMessage::decode(frame).map_err(|e| self.fail(e))?;
        let mut events = Vec::new();
        match (&self.phase, msg) {
            (Phase::AwaitingJoin, WireMessage::Join { sender, versions, metadata }) => {
                if !versions.iter().any(|v| v == PROTOCOL_V1) {
                    self.send(WireMessage::Error {
                        sender: Some(self.me.clone()),
                        message: super::UNSUPPORTED_VERSION.into(),
                    });
                    return Err(self.fail(SyncError::ProtocolVersion { offered: versions }));
                }
                self.send(WireMessage::Peer {
                    sender: self.me.clone(),
                    target: sender.clone(),
                    version: PROTOCOL_V1.into(),
                    metadata: self.metadata.clone(),
                });
                self.ready(store, sender, metadata, &mut events)?;
            }
            (Phase::AwaitingPeer, WireMessage::Peer { sender, target, version, metadata }) => {
                if version != PROTOCOL_V1 {
                    return Err(self.fail(SyncError::ProtocolVersion { offered: vec![version] }));
                }
                if target != self.me {
                    return Err(self.fail(SyncError::Malformed("peer message for another peer".into())));
                }
                self.ready(store, sender, metadata, &mut events)?;
            }
            (_, WireMessage::Error { message, .. }) => {
                return Err(self.fail(SyncError::PeerError(super::peer_error_code(&message))));
            }
            (_, WireMessage::Leave { .. }) => {
                self.close(store)?;
            }
            (_, WireMessage::Join { .. }) => return Err(self.fail(SyncError::Unexpected("join"))),
            (_, WireMessage::Peer { .. }) => return Err(self.fail(SyncError::Unexpected("peer"))),
            (Phase::Ready { remote, .. }, msg) => {
                let remote = remote.clone();
                // A merge can hold the writer for milliseconds: keystrokes meanwhile go to
                // the typing lane, and are applied before the writer lets go.
                store.arm_lane();
                let handled = self.handle(store, &remote, msg, &mut events);
                store.disarm_lane();
                handled?;
            }
            (_, WireMessage::Other { .. }) => {}
            (_, _) => return Err(self.fail(SyncError::Unexpected("document"))),
        }
        Ok(events)
    }

    fn ready(
        &mut self,
        store: &mut Store,
        remote: String,
        metadata: PeerMetadata,
        events: &mut Vec<Event>,
    ) -> Result<(), SyncError> {
        let storage = metadata.storage_id.filter(|_| !metadata.is_ephemeral);
        self.phase = Phase::Ready {
            remote: remote.clone(),
            storage: storage.clone(),
        };
        events.push(Event::Ready {
            remote_peer: remote,
            remote_storage: storage,
        });
        for id in self.grant.iter().collect::<Vec<_>>() {
            store.mark_live(id, &self.liveness);
        }
        self.sync_inner(store, events)
    }

    fn handle(
        &mut self,
        store: &mut Store,
        remote: &str,
        msg: WireMessage,
        events: &mut Vec<Event>,
    ) -> Result<(), SyncError> {
        let (sender, target, document, data, is_request) = match msg {
            WireMessage::Request { sender, target, document, data } => (sender, target, document, data, true),
            WireMessage::Sync { sender, target, document, data } => (sender, target, document, data, false),
            WireMessage::DocUnavailable { sender, target, document } => {
                self.check_route(remote, &sender, &target)?;
                if self.grant.allows(document) {
                    self.unavailable.insert(document);
                    events.push(Event::Unavailable(document));
                }
                return Ok(());
            }
            WireMessage::Ephemeral { sender, target, .. } => {
                // Presence and cursors are not used yet; routing is still checked.
                return self.check_route(remote, &sender, &target);
            }
            _ => return Ok(()),
        };
        self.check_route(remote, &sender, &target)?;
        // An erased id is refused from any peer forever, whatever the grant says.
        if !self.grant.allows(document) || store.is_erased(document)? {
            // Never confirm that a document exists to a peer that may not have it.
            self.send(WireMessage::DocUnavailable {
                sender: self.me.clone(),
                target: remote.to_owned(),
                document,
            });
            return Ok(());
        }
        if let Err(e) = super::guard::check_sync_message(&data, &super::guard::Limits::default()) {
            events.push(Event::Rejected {
                document,
                error: format!("sync message refused: {e}"),
            });
            return Ok(());
        }
        let message = match Message::decode(&data) {
            Ok(m) => m,
            Err(e) => {
                events.push(Event::Rejected {
                    document,
                    error: format!("undecodable sync message: {e}"),
                });
                return Ok(());
            }
        };
        self.unavailable.remove(&document);
        // The peer has a document we asked for in vain earlier (it came to the relay later):
        // answer its heads with what we need, or it never sends the changes.
        if !message.heads.is_empty() && !store.has_document(document)? {
            self.requested.remove(&document);
        }
        let mut state = self.state_for(store, document)?;
        match store.receive_sync_message(document, &mut state, message) {
            Ok(true) => {
                events.push(Event::DocumentChanged(document));
                // A peer's mailbox moved on: its envelopes go through every check now. One
                // that fails is recorded by trust; the connection goes on either way.
                if store.is_expected_mailbox(document)? {
                    let _ = store.ingest_mailbox(document);
                }
            }
            Ok(false) => {}
            Err(e) => {
                events.push(Event::Rejected {
                    document,
                    error: e.to_string(),
                });
                // Start this document's sync afresh rather than from a state that saw the bad message.
                self.states.insert(document, State::new());
                return Ok(());
            }
        }
        if let Some(key) = self.state_key() {
            store.save_sync_state(document, &key, &state)?;
        }
        self.states.insert(document, state);
        if is_request && !store.has_document(document)? {
            self.send(WireMessage::DocUnavailable {
                sender: self.me.clone(),
                target: remote.to_owned(),
                document,
            });
        }
        // The reply is generated by the next `poll`, not here: a hub that hears from several
        // phones at once then answers each with everything it has learnt, once.
        Ok(())
    }

    fn check_route(&mut self, remote: &str, sender: &str, target: &str) -> Result<(), SyncError> {
        if sender != remote || target != self.me {
            return Err(self.fail(SyncError::Malformed(
                "a message whose sender or target is not this connection's".into(),
            )));
        }
        Ok(())
    }

    /// Offers the peer whatever it lacks of every shared document (after local edits, or
    /// periodically). Documents we lack are requested once per connection.
    pub fn sync(&mut self, store: &mut Store) -> Result<Vec<Event>, SyncError> {
        let mut events = Vec::new();
        if !self.is_ready() {
            return Ok(events);
        }
        self.sync_inner(store, &mut events)?;
        Ok(events)
    }

    fn sync_inner(&mut self, store: &mut Store, events: &mut Vec<Event>) -> Result<(), SyncError> {
        let remote = self.remote();
        let docs: Vec<DocumentId> = self.grant.iter().collect();
        for id in docs {
            if store.is_erased(id)? {
                continue;
            }
            let have = store.has_document(id)?;
            if !have && (self.requested.contains(&id) || self.unavailable.contains(&id)) {
                continue;
            }
            let mut state = self.state_for(store, id)?;
            let message = store.generate_sync_message(id, &mut state);
            self.states.insert(id, state);
            match message {
                Ok(Some(data)) if have => self.send(WireMessage::Sync {
                    sender: self.me.clone(),
                    target: remote.clone(),
                    document: id,
                    data,
                }),
                Ok(Some(data)) => {
                    self.requested.insert(id);
                    self.send(WireMessage::Request {
                        sender: self.me.clone(),
                        target: remote.clone(),
                        document: id,
                        data,
                    });
                }
                Ok(None) => {}
                Err(e) => events.push(Event::Rejected {
                    document: id,
                    error: e.to_string(),
                }),
            }
        }
        Ok(())
    }

    /// Ends the connection, keeping what was agreed with the peer for the next one.
    pub fn close(&mut self, store: &mut Store) -> Result<(), SyncError> {
        if let Some(key) = self.state_key() {
            for (id, state) in &self.states {
                store.save_sync_state(*id, &key, state)?;
            }
        }
        self.phase = Phase::Closed;
        self.liveness = std::sync::Arc::new(());
        Ok(())
    }
}
