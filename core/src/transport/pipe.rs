//! The byte-pipe API for platform transports (Multipeer Connectivity, Nearby Connections,
//! BLE) and the LAN: the app hands the pipe whatever bytes arrived and sends whatever bytes
//! it returns. Inside: an encrypted channel carrying the sync engine's frames. For a
//! rostered panel (v2) the channel is authenticated by both devices' keys, each checked
//! against the roster before a frame is taken or sent, and the session shares only the
//! panel's mailboxes; for a panel from before rosters (v1), by the panel secret.

use zeroize::Zeroizing;

use super::{Panel, SecureChannel, TransportError};
use crate::sync::{Connection, Event, Role};
use crate::trust::roster::Hash;
use crate::trust::session_keys::EpochKey;
use crate::trust::{JoinDecision, SeatInvite};
use crate::{DocumentId, Store};

/// What the accepting side may answer for, taken from the store without holding it while a
/// peer that has proved nothing is handshaking.
#[derive(Clone)]
pub struct Keyring {
    pub panels: Vec<Panel>,
    pub epochs: Vec<EpochKey>,
    /// Open invites' join sessions (tag, key).
    pub joins: Vec<([u8; 8], [u8; 32])>,
    /// Erased panels' session keys (tag, key): a stale member's phone is answered with the
    /// erasure record and nothing else.
    pub erased: Vec<([u8; 8], [u8; 32])>,
    device: Zeroizing<[u8; 32]>,
}

impl Store {
    pub fn keyring(&self) -> crate::Result<Keyring> {
        Ok(Keyring {
            panels: self.panels()?,
            epochs: self.epoch_keys()?,
            joins: self.open_join_keys()?,
            erased: self.erased_session_keys()?,
            device: self.device_keys().agreement_secret(),
        })
    }
}

/// How a join session ended, on either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinOutcome {
    /// The lead's phone decided on a request.
    Decided(JoinDecision),
    /// The joining phone was welcomed: the roster it now holds.
    Welcomed(Hash),
    /// The joining phone was turned away; the reason as the lead's phone gave it.
    Refused(String),
}

/// What a session carries: the sync protocol, or one join request and its answer.
enum Mode {
    Sync,
    JoinDialer { request: Vec<u8>, sent: bool },
    JoinListener,
    /// A session for an erased panel: the record and acknowledgements, nothing else.
    Erased { candidate: Option<DocumentId> },
}

/// A refusal on the wire: shorter than any welcome, which starts with a 16-byte join box.
const REFUSED: &[u8] = b"refused:";
/// An erased panel's answer (record and acknowledgements), and the acknowledgements sent
/// back. Sync frames are CBOR maps and never start with these bytes.
const ERASED: &[u8] = b"erased:";
const ACKS: &[u8] = b"erasure-acks:";

impl Keyring {
    fn secret_for(&self, tag: &[u8; 8]) -> Option<[u8; 32]> {
        self.panels
            .iter()
            .find(|p| &p.tag() == tag)
            .map(|p| p.secret)
            .or_else(|| self.epochs.iter().find(|e| &e.tag == tag).map(|e| e.psk))
            .or_else(|| self.joins.iter().find(|(t, _)| t == tag).map(|(_, k)| *k))
            .or_else(|| self.erased.iter().find(|(t, _)| t == tag).map(|(_, k)| *k))
    }
}

pub struct PanelPipe {
    channel: SecureChannel,
    sync: Option<Connection>,
    panel: Option<Panel>,
    roster: Option<Hash>,
    /// Whether the peer's device key was checked against the roster (v2).
    verified: bool,
    /// Frames that completed before the sync connection existed (`receive_handshake`).
    early: Vec<Vec<u8>>,
    mode: Mode,
    join: Option<JoinOutcome>,
}

impl PanelPipe {
    /// The dialling side, for a panel from before rosters that this store leads or joined.
    pub fn initiator(store: &Store, panel: &Panel) -> Result<PanelPipe, TransportError> {
        Ok(PanelPipe {
            channel: SecureChannel::initiator(&panel.secret)?,
            sync: Some(Connection::new(store, Role::Initiator, panel.grant())?),
            panel: Some(panel.clone()),
            roster: None,
            verified: true,
            early: Vec::new(),
            mode: Mode::Sync,
            join: None,
        })
    }

    /// The dialling side for a rostered panel: this device's changes are posted to its
    /// outbox first, and the session shares the panel's mailboxes.
    pub fn roster_initiator(store: &mut Store, roster: &Hash) -> Result<PanelPipe, TransportError> {
        store.post_outgoing(roster)?;
        let key = store.current_epoch_key(roster)?;
        let grant = store.mailbox_grant(roster)?;
        Ok(PanelPipe {
            channel: SecureChannel::initiator_v2(store.device_keys().agreement_secret(), &key.psk, key.tag)?,
            sync: Some(Connection::new(store, Role::Initiator, grant)?),
            panel: None,
            roster: Some(*roster),
            verified: false,
            early: Vec::new(),
            mode: Mode::Sync,
            join: None,
        })
    }

    /// The dialling side of a join session: the phone that scanned `invite` sends its join
    /// request and takes the welcome.
    pub fn join_initiator(store: &mut Store, invite: &SeatInvite, label: &str) -> Result<PanelPipe, TransportError> {
        let request = store.join_request(invite, label)?;
        let (tag, psk) = crate::trust::session_keys::join_key(invite);
        Ok(PanelPipe {
            channel: SecureChannel::initiator_v2(store.device_keys().agreement_secret(), &psk, tag)?,
            sync: None,
            panel: None,
            roster: None,
            // Trust in the lead comes from the welcome, checked against the invite.
            verified: true,
            early: Vec::new(),
            mode: Mode::JoinDialer { request, sent: false },
            join: None,
        })
    }

    /// The dialling side of a session for an erased panel, from a device that erased it:
    /// the two devices swap acknowledgements, so the lead learns who purged.
    pub fn erasure_initiator(store: &mut Store, candidate: DocumentId) -> Result<PanelPipe, TransportError> {
        let (tag, psk) = store.erasure_session_key(candidate)?;
        let mut pipe = PanelPipe {
            channel: SecureChannel::initiator_v2(store.device_keys().agreement_secret(), &psk, tag)?,
            sync: None,
            panel: None,
            roster: None,
            verified: false,
            early: Vec::new(),
            mode: Mode::Erased { candidate: Some(candidate) },
            join: None,
        };
        pipe.channel.send_frame(&[ACKS, &crate::trust::erasure::encode_acks(&store.erasure_acks(candidate)?)].concat())?;
        Ok(pipe)
    }

    /// The candidate whose erasure this session carried, once known.
    pub fn erased(&self) -> Option<DocumentId> {
        match self.mode {
            Mode::Erased { candidate } => candidate,
            _ => None,
        }
    }

    /// How the join session ended, if this was one.
    pub fn join_outcome(&self) -> Option<&JoinOutcome> {
        self.join.as_ref()
    }

    /// The accepting side: the peer's opening says which of our panels it is for. It answers
    /// v2 (rostered) sessions with the device key in `keyring`.
    pub fn responder_with(keyring: &Keyring) -> PanelPipe {
        PanelPipe {
            channel: SecureChannel::responder_with_device(keyring.device.clone()),
            sync: None,
            panel: None,
            roster: None,
            verified: false,
            early: Vec::new(),
            mode: Mode::Sync,
            join: None,
        }
    }

    /// The accepting side for v1 panels only.
    pub fn responder() -> PanelPipe {
        PanelPipe { channel: SecureChannel::responder(), sync: None, panel: None, roster: None, verified: false, early: Vec::new(), mode: Mode::Sync, join: None }
    }

    /// The v1 panel this pipe syncs, once known.
    pub fn panel(&self) -> Option<&Panel> {
        self.panel.as_ref()
    }

    /// The roster of the panel this pipe syncs (v2), once known.
    pub fn roster(&self) -> Option<&Hash> {
        self.roster.as_ref()
    }

    pub fn is_established(&self) -> bool {
        self.channel.is_established()
            && (self.sync.as_ref().is_some_and(|s| s.is_ready()) || !matches!(self.mode, Mode::Sync))
    }

    pub fn connection(&self) -> Option<&Connection> {
        self.sync.as_ref()
    }

    /// Bytes that arrived from the peer, in any split.
    pub fn receive(&mut self, store: &mut Store, bytes: &[u8]) -> Result<Vec<Event>, TransportError> {
        let keyring = if self.channel.version() == 0 { Some(store.keyring()?) } else { None };
        let frames = self.channel.receive(bytes, |tag| {
            keyring.as_ref().and_then(|k| k.secret_for(tag)).or_else(|| store.panel_by_tag(tag).ok().flatten().map(|p| p.secret))
        })?;
        self.early.extend(frames);
        self.attach(store)
    }

    /// The handshake half of `receive`, without the store: an unauthenticated peer never
    /// takes the store's lock. Returns whether the channel is established; then `attach`
    /// checks the peer against the roster and starts the sync.
    pub fn receive_handshake(&mut self, bytes: &[u8], keyring: &Keyring) -> Result<bool, TransportError> {
        let frames = self.channel.receive(bytes, |tag| keyring.secret_for(tag))?;
        self.early.extend(frames);
        Ok(self.channel.is_established())
    }

    /// The peer's device must be a current member of the panel (v2), before any frame.
    fn verify(&mut self, store: &Store, roster: &Hash) -> Result<(), TransportError> {
        let remote = self.channel.remote_static().ok_or(TransportError::Handshake)?;
        if !store.is_current_member_key(roster, &remote)? {
            self.early.clear();
            return Err(TransportError::NotMember);
        }
        self.verified = true;
        Ok(())
    }

    /// Once the channel is established, checks the peer and starts the sync connection
    /// (responder side), handing it the frames that arrived so far.
    pub fn attach(&mut self, store: &mut Store) -> Result<Vec<Event>, TransportError> {
        if !self.channel.is_established() {
            return Ok(Vec::new());
        }
        if let Mode::Erased { candidate } = self.mode {
            if !self.verified {
                let remote = self.channel.remote_static().ok_or(TransportError::Handshake)?;
                if !candidate.map(|c| store.is_erasure_device(c, &remote)).transpose()?.unwrap_or(false) {
                    self.early.clear();
                    return Err(TransportError::NotMember);
                }
                self.verified = true;
            }
            return self.exchange_erasure(store);
        }
        if !matches!(self.mode, Mode::Sync) || (self.sync.is_none() && self.is_join_tag(store)?) {
            return self.exchange_join(store);
        }
        if self.sync.is_none() {
            let tag = self.channel.tag().ok_or(TransportError::UnknownPanel)?;
            if self.channel.version() == 2 {
                let Some(roster) = store.epoch_keys()?.into_iter().find(|e| e.tag == tag).map(|e| e.roster) else {
                    return self.answer_erased(store, &tag);
                };
                self.verify(store, &roster)?;
                store.post_outgoing(&roster)?;
                self.sync = Some(Connection::new(store, Role::Responder, store.mailbox_grant(&roster)?)?);
                self.roster = Some(roster);
            } else {
                let panel = store.panel_by_tag(&tag)?.ok_or(TransportError::UnknownPanel)?;
                self.sync = Some(Connection::new(store, Role::Responder, panel.grant())?);
                self.panel = Some(panel);
                self.verified = true;
            }
        } else if !self.verified {
            let roster = self.roster.ok_or(TransportError::UnknownPanel)?;
            self.verify(store, &roster)?;
        }
        let mut events = Vec::new();
        for f in std::mem::take(&mut self.early) {
            // The peer erased the panel: its record purges it here (if an admin signed it),
            // and this session syncs nothing more.
            if let Some(notice) = f.strip_prefix(ERASED) {
                self.take_notice(store, notice)?;
                break;
            }
            if let Some(sync) = self.sync.as_mut() {
                events.extend(sync.receive(store, &f)?);
            }
        }
        Ok(events)
    }

    /// The listener's side for a tag of an erased panel: the peer must be one of its
    /// devices; it gets the record and the acknowledgements.
    fn answer_erased(&mut self, store: &mut Store, tag: &[u8; 8]) -> Result<Vec<Event>, TransportError> {
        let (candidate, _) = store.erased_session(tag)?.ok_or(TransportError::UnknownPanel)?;
        let remote = self.channel.remote_static().ok_or(TransportError::Handshake)?;
        if !store.is_erasure_device(candidate, &remote)? {
            self.early.clear();
            return Err(TransportError::NotMember);
        }
        self.verified = true;
        self.mode = Mode::Erased { candidate: Some(candidate) };
        self.channel.send_frame(&[ERASED, &store.erasure_notice(candidate)?].concat())?;
        self.exchange_erasure(store)
    }

    /// A notice from the peer: purge (the record is checked against the roster held here),
    /// answer with the acknowledgements held now.
    fn take_notice(&mut self, store: &mut Store, notice: &[u8]) -> Result<(), TransportError> {
        let (candidate, acks) = store.receive_erasure_notice(notice)?;
        self.sync = None;
        self.early.clear();
        let answered = matches!(self.mode, Mode::Erased { .. });
        self.mode = Mode::Erased { candidate: Some(candidate) };
        if !answered {
            self.channel.send_frame(&[ACKS, &crate::trust::erasure::encode_acks(&acks)].concat())?;
        }
        Ok(())
    }

    /// Frames of an erased panel's session: acknowledgements are kept, a notice is taken,
    /// anything else (the sync a stale phone opens with) is dropped unread.
    fn exchange_erasure(&mut self, store: &mut Store) -> Result<Vec<Event>, TransportError> {
        for f in std::mem::take(&mut self.early) {
            if let Some(acks) = f.strip_prefix(ACKS) {
                if let Ok(acks) = crate::trust::erasure::decode_acks(acks) {
                    store.take_erasure_acks(&acks)?;
                }
            } else if let Some(notice) = f.strip_prefix(ERASED) {
                self.take_notice(store, notice)?;
            }
        }
        Ok(Vec::new())
    }

    fn is_join_tag(&self, store: &Store) -> Result<bool, TransportError> {
        let tag = self.channel.tag().ok_or(TransportError::UnknownPanel)?;
        Ok(self.channel.version() == 2 && store.open_join_keys()?.iter().any(|(t, _)| *t == tag))
    }

    /// The join exchange: the listener answers each request with a welcome or a refusal; the
    /// dialler takes the answer.
    fn exchange_join(&mut self, store: &mut Store) -> Result<Vec<Event>, TransportError> {
        if matches!(self.mode, Mode::Sync) {
            self.mode = Mode::JoinListener;
            self.verified = true;
        }
        for frame in std::mem::take(&mut self.early) {
            match self.mode {
                Mode::JoinListener => {
                    let decision = store.receive_join_request(&frame)?;
                    let reply = match &decision {
                        JoinDecision::Admitted { welcome, .. } => welcome.clone(),
                        JoinDecision::Pending { .. } => [REFUSED, b"the lead will decide"].concat(),
                        JoinDecision::Refused(r) => [REFUSED, r.to_string().as_bytes()].concat(),
                    };
                    self.channel.send_frame(&reply)?;
                    self.join = Some(JoinOutcome::Decided(decision));
                }
                Mode::JoinDialer { .. } => {
                    self.join = Some(match frame.strip_prefix(REFUSED) {
                        Some(reason) => JoinOutcome::Refused(known_refusal(reason)),
                        None => JoinOutcome::Welcomed(store.accept_welcome(&frame)?),
                    });
                }
                Mode::Sync | Mode::Erased { .. } => {}
            }
        }
        Ok(Vec::new())
    }

    /// Bytes to send now (after `receive`, after local edits, or on a timer).
    pub fn poll(&mut self, store: &mut Store) -> Result<Vec<u8>, TransportError> {
        if let Mode::JoinDialer { request, sent } = &mut self.mode {
            if self.channel.is_established() && !*sent {
                self.channel.send_frame(request)?;
                *sent = true;
            }
            return Ok(self.channel.take_output());
        }
        if self.channel.is_established() && !self.verified {
            self.attach(store)?;
        }
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

/// A refusal as this build words it, or a fixed text: a peer's own words are never echoed
/// (they could carry anything, and they end up on screen and in logs).
fn known_refusal(reason: &[u8]) -> String {
    use crate::trust::JoinRefusal as J;
    const PENDING: &str = "the lead will decide";
    let text = std::str::from_utf8(reason).unwrap_or("");
    if text == PENDING {
        return PENDING.into();
    }
    [J::UnknownInvite, J::Malformed, J::Expired, J::AlreadyUsed, J::SeatTaken, J::KnownDevice]
        .into_iter()
        .map(|r| r.to_string())
        .find(|r| r == text)
        .unwrap_or_else(|| UNRECOGNISED_REFUSAL.into())
}

/// What an unrecognised refusal from the lead's phone is shown as.
pub const UNRECOGNISED_REFUSAL: &str = "refused for a reason this build does not know";
