//! The relay on phones: the app's own WebSocket (URLSessionWebSocketTask, the JDK's
//! java.net.http.WebSocket, OkHttp) as a pipe of binary frames into a core relay session, one
//! per rostered panel. The app reports `connecting`, `connected` and `disconnected`, hands
//! every binary message to `receive`, and sends what `next_outgoing` yields; `cancel` ends the
//! session from any thread. What the relay gets is the panel's sealed mailboxes only.

use std::sync::Arc;
use std::time::Duration;

use panelnotes_core::transport::relay_session::{self as core_session, RelaySessionOptions, RelayStatus};
use panelnotes_core::transport::TransportError;

use crate::error::{PanelNotesError, R};
use crate::store::PanelNotes;

/// Bytes and connections of a relay session so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RelayCounters {
    pub frames_in: u64,
    pub frames_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub connections: u64,
}

/// One rostered panel's session with the relay, driven by the app's WebSocket.
#[derive(uniffi::Object)]
pub struct RelaySession {
    inner: Arc<core_session::RelaySession>,
    interview_id: String,
}

fn err(e: TransportError) -> PanelNotesError {
    match e {
        TransportError::Cancelled => PanelNotesError::Cancelled,
        TransportError::Store(e) => e.into(),
        e @ (TransportError::Sync(_) | TransportError::FrameTooLarge { .. } | TransportError::Malformed(_)) => {
            PanelNotesError::Sync { reason: e.to_string() }
        }
        e => PanelNotesError::Transport { reason: e.to_string() },
    }
}

#[uniffi::export]
impl RelaySession {
    /// The interview whose panel this session syncs.
    pub fn interview_id(&self) -> String {
        self.interview_id.clone()
    }

    /// The app started opening its WebSocket.
    pub fn connecting(&self) -> R<()> {
        self.inner.connecting().map_err(err)
    }

    /// The WebSocket is open: new changes are sealed and the handshake is queued.
    pub fn connected(&self) -> R<()> {
        self.inner.connected().map_err(err)
    }

    /// One binary message from the relay. Hostile bytes are an error and fail the connection
    /// (`status` says why); the app closes its socket and may connect again.
    pub fn receive(&self, frame: Vec<u8>) -> R<()> {
        self.inner.receive(&frame).map_err(err)
    }

    /// Blocks (call it off the main thread) until there is a frame to send, the status
    /// changes, or `timeout_ms` passes; `null`/`nil` when there is nothing to send. While kept
    /// in sync, local changes are sealed and offered from inside this wait. `Cancelled` once
    /// the session is cancelled.
    pub fn next_outgoing(&self, timeout_ms: u64) -> R<Option<Vec<u8>>> {
        self.inner.next_outgoing(Duration::from_millis(timeout_ms)).map_err(err)
    }

    /// The WebSocket closed or failed; the sync state is kept for the next connection.
    pub fn disconnected(&self) {
        self.inner.disconnected()
    }

    /// Ends the session for good; a waiting `next_outgoing` returns `Cancelled` at once.
    pub fn cancel(&self) {
        self.inner.cancel()
    }

    pub fn status(&self) -> RelayStatus {
        self.inner.status()
    }

    pub fn counters(&self) -> RelayCounters {
        let c = self.inner.counters();
        RelayCounters {
            frames_in: c.frames_in,
            frames_out: c.frames_out,
            bytes_in: c.bytes_in,
            bytes_out: c.bytes_out,
            connections: c.connections,
        }
    }
}

#[uniffi::export]
impl PanelNotes {
    /// The interviews whose rostered panels this device belongs to: one relay session each.
    pub fn relay_panels(&self) -> R<Vec<String>> {
        let store = self.lock();
        let mut out = Vec::new();
        for roster in store.rosters()? {
            if store.mailbox_ids(&roster)?.is_empty() {
                continue;
            }
            let interview = store.roster(&roster)?.state().documents.iter().find_map(|(id, kind)| {
                (*kind == panelnotes_core::model::DocKind::Interview).then_some(*id)
            });
            if let Some(i) = interview {
                out.push(i.to_string());
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// A relay session for an interview's rostered panel. Kept in sync, local changes go out
    /// within about `debounce_ms` while connected; otherwise the session offers what the
    /// store holds when it connects. `NotFound` when this install holds no such panel.
    pub fn start_relay_session(&self, interview_id: String, keep_in_sync: bool, debounce_ms: u64) -> R<Arc<RelaySession>> {
        let interview = crate::store::id(&interview_id)?;
        let roster = self
            .lock()
            .roster_of_interview(interview)?
            .ok_or_else(|| PanelNotesError::NotFound { kind: "panel".into(), id: interview_id.clone() })?;
        let opts = RelaySessionOptions { keep_in_sync, debounce: Duration::from_millis(debounce_ms), ..Default::default() };
        let inner = core_session::RelaySession::new(self.store.clone(), roster, opts).map_err(err)?;
        Ok(Arc::new(RelaySession { inner, interview_id }))
    }

    /// The joiner's phone: a relay session for a scanned seat code, away from the lead's
    /// phone. It posts the join request (once, however often it runs) into the code's join
    /// box; once in sync, `relay_join_result` says whether the lead's device has welcomed this
    /// phone. Run it again later (the lead's device answers when it next syncs).
    pub fn start_relay_join_session(&self, invite_uri: String, label: String) -> R<Arc<RelaySession>> {
        let invite = crate::trust::parse_invite(&invite_uri)?;
        let inner = core_session::RelaySession::for_join(self.store.clone(), &invite, &label, RelaySessionOptions::default()).map_err(err)?;
        Ok(Arc::new(RelaySession { inner, interview_id: String::new() }))
    }

    /// The lead's device: one relay session per seat code still to answer (unexpired; unused,
    /// or used by a device whose welcome is not posted yet). Each takes the requests in its
    /// code's join box as a LAN join would (admits a scheduled panelist to a free seat, queues
    /// the rest in `join_requests`) and posts the welcomes.
    pub fn start_join_answer_sessions(&self) -> R<Vec<Arc<RelaySession>>> {
        let sessions = core_session::RelaySession::for_answers(self.store.clone(), RelaySessionOptions::default()).map_err(err)?;
        Ok(sessions.into_iter().map(|inner| Arc::new(RelaySession { inner, interview_id: String::new() })).collect())
    }

    /// Where a join session stands: `Welcomed` once the lead's device answered and the welcome
    /// checked out (the panel then syncs with `start_relay_session`), `Pending` until then.
    pub fn relay_join_result(&self, session: Arc<RelaySession>) -> R<crate::trust::JoinResult> {
        let Some(roster) = session.inner.welcomed() else { return Ok(crate::trust::JoinResult::Pending) };
        let store = self.lock();
        let outcome = panelnotes_core::transport::JoinOutcome::Welcomed(roster);
        Ok(crate::trust::join_result(&store, &outcome)?.unwrap_or(crate::trust::JoinResult::Pending))
    }
}
