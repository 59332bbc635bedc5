//! Panels on the trust path, for the apps: the lead starts an interview's panel (its signed
//! roster) and shows a seat invite per panelist; a phone that scans one joins over the LAN or
//! a platform pipe; the lead's phone admits scheduled panelists on its own and queues the
//! rest; rostered panels sync their sealed mailboxes over device-key sessions. Panels are
//! named by their interview's id (the roster's hash never crosses). What the apps show
//! crosses as data (seats, fingerprints, reason codes) for them to word; only errors carry
//! text. No private key and no candidate data crosses here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use panelnotes_core::ffi::to_system;
use panelnotes_core::model::DocKind;
use panelnotes_core::transport::lan::{self, LanOptions};
use panelnotes_core::transport::{JoinOutcome, PanelPipe, TransportError};
use panelnotes_core::trust::roster::{Action, Hash, Roster};
use panelnotes_core::trust::{self as core_trust, EnvelopeRejection, JoinRefusal};
use panelnotes_core::{DocumentId, Store};

use crate::error::{PanelNotesError, R};
use crate::store::{at, id, lock_store, who, PanelNotes};
use crate::sync::{LanServer, LanSync, SyncCallback, SyncSession};

/// A seat invite to show as a QR code. It holds a single-use token, the lead device's
/// fingerprint and the expiry; no document id and no secret.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SeatInvite {
    pub uri: String,
    /// The seat it admits to on its own; `None` for an invite the lead decides on.
    pub seat: Option<String>,
    pub expires_at: SystemTime,
    /// What the joining phone checks the panel's lead against.
    pub lead_fingerprint: String,
}

/// A device on a panel's roster. Removed devices stay listed, marked.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RosterDevice {
    /// What its owner called it when joining ("Pixel 8").
    pub label: String,
    /// 16 hex digits people compare to check a device.
    pub fingerprint: String,
    pub removed: bool,
    pub this_device: bool,
    /// Joined its seat by a link, vouched for by the seat's other device.
    pub linked: bool,
}

/// A scheduled seat and the devices admitted to it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RosterSeat {
    pub interviewer_id: String,
    /// Admins (the lead and the deputy) invite, admit and remove.
    pub admin: bool,
    pub devices: Vec<RosterDevice>,
}

/// Who is on an interview's panel, as its roster says.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PanelRoster {
    pub interview_id: String,
    pub lead_fingerprint: String,
    /// The lead's seat (the genesis names it; a transfer moves it).
    pub lead_seat: String,
    /// Starts at 0; each removal starts a new epoch, sealed from the removed device.
    pub epoch: u32,
    pub seats: Vec<RosterSeat>,
}

/// A join request waiting for the lead (it came with an invite that names no seat).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct JoinRequest {
    pub id: i64,
    pub interview_id: String,
    pub label: String,
    pub device_fingerprint: String,
    pub received_at: SystemTime,
}

/// Why the lead's phone turned a join away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum JoinRefusalReason {
    /// No open invite matches (the lead's phone does not know the code).
    UnknownInvite,
    /// The request was damaged or not made with the invite.
    Malformed,
    Expired,
    /// Another device used this code first.
    AlreadyUsed,
    SeatTaken,
    /// This device was removed from the panel, or is on it already.
    KnownDevice,
    /// The lead refused this device's earlier request.
    Declined,
    /// The lead's phone did not answer the code at all: a used-up or expired code, a code
    /// from another phone, or the lead's phone stopped listening.
    NoAnswer,
    /// A reason from a newer version.
    Other,
}

/// How joining ended, on the phone that scanned the invite.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum JoinResult {
    /// Admitted: the panel's documents arrive with the first sync (`sync_panel_lan`).
    Welcomed { interview_id: String, seat: String },
    /// The request waits for the lead; join again with the same invite once they admit it.
    Pending,
    Refused { reason: JoinRefusalReason },
}

/// What the lead's phone did with a join request (a LAN listener's or a session's).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum JoinDecision {
    Admitted { seat: String, device_fingerprint: String, label: String },
    /// Queued for the lead: `join_requests` lists it under `request_id`.
    Pending { request_id: i64, device_fingerprint: String, label: String },
    Refused { reason: JoinRefusalReason },
}

/// A refused envelope: which device signed it, if known, why, and when.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct EnvelopeProblem {
    pub device_fingerprint: Option<String>,
    pub reason: EnvelopeRejection,
    pub at: SystemTime,
}

/// The answer to `join_via_lan`, from a core thread.
#[uniffi::export(with_foreign)]
pub trait JoinCallback: Send + Sync {
    fn on_done(&self, result: JoinResult);
    fn on_error(&self, error: PanelNotesError);
}

/// The lead's phone answers a join it leaves to the lead with this text (transport/pipe.rs).
const PENDING_ANSWER: &str = "the lead will decide";

/// The core refuses a join with its refusal's text on the wire; the same build's texts map
/// back to codes, and anything else is a newer version's.
fn refusal_from_text(text: &str) -> JoinRefusalReason {
    use JoinRefusal as J;
    [
        (J::UnknownInvite, JoinRefusalReason::UnknownInvite),
        (J::Malformed, JoinRefusalReason::Malformed),
        (J::Expired, JoinRefusalReason::Expired),
        (J::AlreadyUsed, JoinRefusalReason::AlreadyUsed),
        (J::SeatTaken, JoinRefusalReason::SeatTaken),
        (J::KnownDevice, JoinRefusalReason::KnownDevice),
        (J::Declined, JoinRefusalReason::Declined),
    ]
    .into_iter()
    .find(|(r, _)| r.to_string() == text)
    .map_or(JoinRefusalReason::Other, |(_, code)| code)
}

fn refusal(r: &JoinRefusal) -> JoinRefusalReason {
    refusal_from_text(&r.to_string())
}

fn unix_seconds(s: i64) -> SystemTime {
    if s >= 0 {
        UNIX_EPOCH + Duration::from_secs(s as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(s.unsigned_abs())
    }
}

fn interview_of(roster: &Roster) -> Option<DocumentId> {
    roster.state().documents.iter().find(|(_, k)| **k == DocKind::Interview).map(|(d, _)| *d)
}

fn fingerprint_of(signing: [u8; 32]) -> String {
    panelnotes_core::keys::DevicePublic { signing, agreement: [0; 32] }.fingerprint()
}

pub(crate) fn roster_view(store: &Store, roster: &Roster) -> PanelRoster {
    let state = roster.state();
    let me = store.device().signing;
    let seats = state
        .seats
        .iter()
        .map(|(seat, admin)| RosterSeat {
            interviewer_id: seat.to_string(),
            admin: *admin,
            devices: state
                .members
                .values()
                .filter(|m| &m.seat == seat)
                .map(|m| RosterDevice {
                    label: m.label.clone(),
                    fingerprint: m.device.fingerprint(),
                    removed: m.removed.is_some(),
                    this_device: m.device.signing == me,
                    linked: roster.entries().iter().any(|e| matches!(&e.action, Action::Link { device, .. } if device.signing == m.device.signing)),
                })
                .collect(),
        })
        .collect();
    PanelRoster {
        interview_id: interview_of(roster).map(|d| d.to_string()).unwrap_or_default(),
        lead_fingerprint: fingerprint_of(state.lead_device),
        lead_seat: state.lead_seat.to_string(),
        epoch: state.epoch,
        seats,
    }
}

/// The joining phone's view of how a join ended.
pub(crate) fn join_result(store: &Store, outcome: &JoinOutcome) -> R<Option<JoinResult>> {
    Ok(match outcome {
        JoinOutcome::Welcomed(hash) => {
            let roster = store.roster(hash)?;
            let seat = roster.state().current(&store.device().signing).map(|m| m.seat.to_string()).unwrap_or_default();
            let interview_id = interview_of(&roster).map(|d| d.to_string()).unwrap_or_default();
            Some(JoinResult::Welcomed { interview_id, seat })
        }
        JoinOutcome::Refused(text) if text == PENDING_ANSWER => Some(JoinResult::Pending),
        JoinOutcome::Refused(text) => Some(JoinResult::Refused { reason: refusal_from_text(text) }),
        JoinOutcome::Decided(_) => None,
    })
}

/// The lead's phone's view of a join session.
fn join_decision(outcome: &JoinOutcome) -> Option<JoinDecision> {
    let JoinOutcome::Decided(d) = outcome else { return None };
    Some(match d {
        core_trust::JoinDecision::Admitted { seat, device, label, .. } => {
            JoinDecision::Admitted { seat: seat.to_string(), device_fingerprint: device.clone(), label: label.clone() }
        }
        core_trust::JoinDecision::Pending { request, device, label } => {
            JoinDecision::Pending { request_id: *request, device_fingerprint: device.clone(), label: label.clone() }
        }
        core_trust::JoinDecision::Refused(r) => JoinDecision::Refused { reason: refusal(r) },
    })
}

pub(crate) fn parse_invite(uri: &str) -> R<core_trust::SeatInvite> {
    core_trust::SeatInvite::parse(uri).map_err(|e| PanelNotesError::InvalidArgument { reason: e.to_string() })
}

impl PanelNotes {
    /// The roster of an interview's panel; `NotFound` when this install holds none.
    pub(crate) fn roster_id(&self, interview_id: &str) -> R<Hash> {
        self.lock()
            .roster_of_interview(id(interview_id)?)?
            .ok_or_else(|| PanelNotesError::NotFound { kind: "panel".into(), id: interview_id.to_owned() })
    }
}

#[uniffi::export]
impl PanelNotes {
    /// Starts the panel of an interview this install leads (its roster: the lead's and the
    /// panelists' seats, the lead and `deputy` as admins, this device in the lead's seat), or
    /// returns the one already started.
    pub fn start_panel(&self, interview_id: String, deputy: Option<String>) -> R<PanelRoster> {
        let interview = id(&interview_id)?;
        let deputy = deputy.map(who).transpose()?;
        let mut s = self.lock();
        let hash = match s.roster_of_interview(interview)? {
            Some(h) => h,
            None => s.start_roster(interview, deputy)?,
        };
        let roster = s.roster(&hash)?;
        Ok(roster_view(&s, &roster))
    }

    /// The interview's panel, if this install holds its roster (it leads it or joined it).
    pub fn panel_roster(&self, interview_id: String) -> R<Option<PanelRoster>> {
        let s = self.lock();
        let Some(hash) = s.roster_of_interview(id(&interview_id)?)? else { return Ok(None) };
        let roster = s.roster(&hash)?;
        Ok(Some(roster_view(&s, &roster)))
    }

    /// An invite to one seat of the panel (admitted on its own when the seat is free), or,
    /// with no seat, one the lead decides on. It lasts until `expires_at`, by default the end
    /// of the interview's day. Only an admin's device invites.
    pub fn invite_seat(&self, interview_id: String, seat: Option<String>, expires_at: Option<SystemTime>) -> R<SeatInvite> {
        let hash = self.roster_id(&interview_id)?;
        let seat_id = seat.clone().map(who).transpose()?;
        let expires = expires_at.map(at).transpose()?;
        let invite = self.lock().invite_seat(&hash, seat_id, expires)?;
        Ok(SeatInvite { uri: invite.to_uri(), seat, expires_at: unix_seconds(invite.expires), lead_fingerprint: invite.lead.clone() })
    }

    /// Join requests waiting for this device's decision, oldest first.
    pub fn join_requests(&self) -> R<Vec<JoinRequest>> {
        let s = self.lock();
        let mut out = Vec::new();
        for r in s.join_requests()? {
            let interview_id = interview_of(&s.roster(&r.roster)?).map(|d| d.to_string()).unwrap_or_default();
            out.push(JoinRequest { id: r.id, interview_id, label: r.label, device_fingerprint: r.device, received_at: to_system(r.received_at) });
        }
        Ok(out)
    }

    /// Admits a waiting request to a free seat. The joining phone gets its welcome when it
    /// asks again with the same invite.
    pub fn admit_join_request(&self, request_id: i64, seat: String) -> R<()> {
        self.lock().admit_join_request(request_id, who(seat)?)?;
        Ok(())
    }

    pub fn refuse_join_request(&self, request_id: i64) -> R<()> {
        Ok(self.lock().refuse_join_request(request_id)?)
    }

    /// Removes a device from the panel, as an admin, and starts a new epoch: what is written
    /// from now on is sealed from it. What it already read stays read.
    pub fn remove_device(&self, interview_id: String, fingerprint: String) -> R<PanelRoster> {
        let hash = self.roster_id(&interview_id)?;
        let mut s = self.lock();
        let device = s
            .roster(&hash)?
            .state()
            .current_devices()
            .find(|m| m.device.fingerprint() == fingerprint)
            .map(|m| m.device.signing)
            .ok_or_else(|| PanelNotesError::NotFound { kind: "device".into(), id: fingerprint })?;
        s.remove_device(&hash, device)?;
        let roster = s.roster(&hash)?;
        Ok(roster_view(&s, &roster))
    }

    /// This install's device fingerprint, to show next to the lead's "Ben · Pixel 8 · 4721".
    pub fn this_device_fingerprint(&self) -> String {
        self.lock().device().fingerprint()
    }

    /// Envelopes from the panel's peers that were refused, newest first.
    pub fn envelope_problems(&self, interview_id: String) -> R<Vec<EnvelopeProblem>> {
        let hash = self.roster_id(&interview_id)?;
        let problems = self.lock().envelope_problems(&hash)?;
        Ok(problems
            .into_iter()
            .map(|p| EnvelopeProblem {
                device_fingerprint: p.device,
                reason: p.code,
                at: UNIX_EPOCH + Duration::from_millis(p.at_ms.max(0) as u64),
            })
            .collect())
    }

    /// Envelopes held until this phone learns more of the roster or of a document.
    pub fn held_envelopes(&self, interview_id: String) -> R<u64> {
        let hash = self.roster_id(&interview_id)?;
        Ok(self.lock().held_envelopes(&hash)? as u64)
    }

    /// Joins a panel from a scanned invite by dialling the lead's phone at `address`, on a
    /// core thread; the answer arrives through `callback`. The exchange is one request and
    /// one answer, bounded by the LAN timeout.
    pub fn join_via_lan(&self, invite_uri: String, address: String, label: String, callback: Arc<dyn JoinCallback>) -> R<()> {
        let invite = parse_invite(&invite_uri)?;
        let store = self.store.clone();
        std::thread::Builder::new()
            .name("panelnotes-join".into())
            .spawn(move || {
                let outcome = lan::join_with(&store, address.as_str(), &invite, &label, &LanOptions::default());
                let result = match outcome {
                    Ok(o) => join_result(&lock_store(&store), &o),
                    // A photo of a spent or expired code gets no answer from the lead's phone,
                    // by design: the handshake fails, or the session ends without a word.
                    Err(TransportError::Handshake | TransportError::Timeout(_)) => {
                        Ok(Some(JoinResult::Refused { reason: JoinRefusalReason::NoAnswer }))
                    }
                    Err(e) => Err(e.into()),
                };
                match result {
                    Ok(Some(r)) => callback.on_done(r),
                    Ok(None) => callback.on_error(PanelNotesError::Transport { reason: "the peer answered as a joiner".into() }),
                    Err(e) => callback.on_error(e),
                }
            })
            .map_err(|e| PanelNotesError::Transport { reason: e.to_string() })?;
        Ok(())
    }

    /// Syncs the interview's rostered panel with a member at `address`, on a core thread:
    /// this device's new changes go to its mailbox first, then both devices' keys are
    /// checked against the roster and the panel's mailboxes are exchanged. The result arrives
    /// through `callback` (`Cancelled` after `cancel` on the returned handle).
    pub fn sync_panel_lan(&self, address: String, interview_id: String, callback: Arc<dyn SyncCallback>) -> R<Arc<LanSync>> {
        let hash = self.roster_id(&interview_id)?;
        let store = self.store.clone();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        std::thread::Builder::new()
            .name("panelnotes-lan".into())
            .spawn(move || {
                let result = lan::sync_roster_with(&store, address.as_str(), &hash, &LanOptions::default(), Some(&flag));
                match result {
                    Ok(r) => callback.on_done(r.into()),
                    Err(_) if flag.load(Ordering::SeqCst) => callback.on_error(PanelNotesError::Cancelled),
                    Err(e) => callback.on_error(e.into()),
                }
            })
            .map_err(|e| PanelNotesError::Transport { reason: e.to_string() })?;
        Ok(Arc::new(LanSync { cancel }))
    }

    /// A session over a platform byte pipe with a member of the interview's rostered panel
    /// (this side dials).
    pub fn start_panel_session(&self, interview_id: String) -> R<Arc<SyncSession>> {
        let hash = self.roster_id(&interview_id)?;
        let pipe = PanelPipe::roster_initiator(&mut self.lock(), &hash)?;
        Ok(SyncSession::new(self.store.clone(), pipe))
    }

    /// A session over a platform byte pipe where the peer dials: a member of a rostered
    /// panel, a phone joining with one of this device's invites (`join_decision` then says
    /// what became of it), or a panel from before rosters.
    pub fn accept_panel_session(&self) -> R<Arc<SyncSession>> {
        let keyring = self.lock().keyring()?;
        Ok(SyncSession::new(self.store.clone(), PanelPipe::responder_with(&keyring)))
    }

    /// A join session over a platform byte pipe, from a scanned invite (this side dials);
    /// `join_result` says how it ended.
    pub fn start_join_session(&self, invite_uri: String, label: String) -> R<Arc<SyncSession>> {
        let invite = parse_invite(&invite_uri)?;
        let pipe = PanelPipe::join_initiator(&mut self.lock(), &invite, &label)?;
        Ok(SyncSession::new(self.store.clone(), pipe))
    }
}

#[uniffi::export]
impl SyncSession {
    /// On the joining phone, how a join session ended; `None` until it has (or for a sync
    /// session).
    pub fn join_result(&self) -> R<Option<JoinResult>> {
        let outcome = self.pipe.lock().unwrap_or_else(|p| p.into_inner()).join_outcome().cloned();
        match outcome {
            Some(o) => join_result(&lock_store(&self.store), &o),
            None => Ok(None),
        }
    }

    /// On the lead's phone, what it decided on the join request this session carried.
    pub fn join_decision(&self) -> Option<JoinDecision> {
        self.pipe.lock().unwrap_or_else(|p| p.into_inner()).join_outcome().and_then(join_decision)
    }
}

#[uniffi::export]
impl LanServer {
    /// What this listener decided on the join requests it was sent, oldest first (among its
    /// latest sessions).
    pub fn join_decisions(&self) -> Vec<JoinDecision> {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = server.as_ref() else { return Vec::new() };
        s.sessions().iter().filter_map(|r| r.as_ref().ok()?.join.as_ref().and_then(join_decision)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_join_refusal_maps_to_its_own_code() {
        let all = [
            JoinRefusal::UnknownInvite,
            JoinRefusal::Malformed,
            JoinRefusal::Expired,
            JoinRefusal::AlreadyUsed,
            JoinRefusal::SeatTaken,
            JoinRefusal::KnownDevice,
            JoinRefusal::Declined,
        ];
        let codes: Vec<_> = all.iter().map(refusal).collect();
        assert!(!codes.contains(&JoinRefusalReason::Other));
        assert!(codes.iter().enumerate().all(|(k, c)| !codes[..k].contains(c)), "{codes:?}");
        assert_eq!(refusal_from_text("something a newer lead says"), JoinRefusalReason::Other);
    }
}
