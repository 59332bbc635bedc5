//! The relay on phones, sans-IO: the app owns the WebSocket (URLSessionWebSocketTask, the
//! JDK's or OkHttp's) and uses it as a pipe of binary frames. It says when the socket is
//! connecting, connected and gone, hands over each binary message that arrives, and sends
//! what `next_outgoing` yields. One session per rostered panel, presenting the panel's own
//! storage id (as `relay::sync_roster_via_relay` does), so the relay sees that panel's sealed
//! mailboxes only and cannot link one install across panels. Sync state is kept under the
//! relay's storage id, so a reconnect resumes rather than resending everything.
//!
//! Kept in sync, the session wakes on the store's change signal: a local change is sealed and
//! offered after `debounce`, with no polling; changes from the relay arrive as frames do.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::lan::SharedStore;
use super::TransportError;
use crate::clock::{Clock, SystemClock};
use crate::store::ChangeWaker;
use crate::sync::wire::MAX_FRAME;
use crate::sync::{Connection, Role, SyncError};
use crate::trust::roster::Hash;
use crate::trust::JoinBox;

/// What a session syncs: a rostered panel's mailboxes, or one join through the relay
/// (trust/join_box.rs), on the joiner's phone or on the lead's device answering it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Panel(Hash),
    /// The joiner's phone: its request in the join box, its reply document.
    Join(JoinBox),
    /// The lead's device: a seat code's join box, and the replies it posts there.
    Answer(crate::ids::DocumentId),
}

#[derive(Clone)]
pub struct RelaySessionOptions {
    /// Local changes go out when the store has been quiet this long after one, batching a
    /// burst of edits into one offer (only while kept in sync).
    pub debounce: Duration,
    /// In sync once nothing moved either way for this long after the handshake.
    pub quiet: Duration,
    /// Keep sending local changes while connected (otherwise the session offers what the
    /// store held at `connected`, and what the relay's answers call for).
    pub keep_in_sync: bool,
    pub clock: Arc<dyn Clock>,
}

impl Default for RelaySessionOptions {
    fn default() -> Self {
        RelaySessionOptions {
            debounce: Duration::from_millis(1500),
            quiet: Duration::from_millis(600),
            keep_in_sync: false,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Why a relay session failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RelayFailure {
    /// The WebSocket closed or failed before the panel was in sync.
    ConnectionLost,
    /// The relay sent what the protocol does not accept (undecodable, out of order, another
    /// version, a frame over the limit); the connection is closed.
    Protocol,
    /// The relay answered with an error message.
    RelayRefused,
    /// This device is not (or no longer) a member holding the panel's secret.
    NotMember,
    /// The local store failed.
    Storage,
    Cancelled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RelayStatus {
    /// Not connected (before the first connection, or after one ended in sync).
    Idle,
    Connecting,
    /// Connected, frames moving.
    Syncing,
    /// Connected, and nothing moved either way for the quiet period.
    InSync,
    Failed { reason: RelayFailure },
}

/// Bytes moved over the session's connections so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RelayCounters {
    pub frames_in: u64,
    pub frames_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub connections: u64,
}

/// What the app's threads and the store's change waker share; never held while the store or
/// the connection is locked by the same thread after it (it is always taken last).
struct Pending {
    outgoing: VecDeque<Vec<u8>>,
    status: RelayStatus,
    /// The status changed since `next_outgoing` last said so.
    status_changed: bool,
    /// A connection is open and past its handshake.
    ready: bool,
    /// Set by the change waker: when the first unsent change was seen.
    dirty_since: Option<Instant>,
    last_activity: Instant,
    cancelled: bool,
    counters: RelayCounters,
}

struct Link {
    conn: Connection,
    /// Keeps the panel's own documents on the fast commit policy while connected, so typed
    /// notes are folded (and sent) within seconds.
    _live: Arc<()>,
}

pub struct RelaySession {
    store: SharedStore,
    target: Target,
    /// On the joiner's phone: the panel it was welcomed to, once it was.
    welcomed: Mutex<Option<Hash>>,
    storage_id: String,
    opts: RelaySessionOptions,
    link: Mutex<Option<Link>>,
    pending: Arc<(Mutex<Pending>, Condvar)>,
    _waker: Option<ChangeWaker>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn failure_of(e: &TransportError) -> RelayFailure {
    match e {
        TransportError::Cancelled => RelayFailure::Cancelled,
        TransportError::Sync(SyncError::PeerError(_)) => RelayFailure::RelayRefused,
        TransportError::Sync(SyncError::Store(crate::Error::NotPermitted(_))) | TransportError::NotMember => RelayFailure::NotMember,
        TransportError::Store(crate::Error::NotPermitted(_)) => RelayFailure::NotMember,
        TransportError::Store(_) | TransportError::Sync(SyncError::Store(_)) => RelayFailure::Storage,
        TransportError::Io(_) | TransportError::Timeout(_) | TransportError::Closed => RelayFailure::ConnectionLost,
        _ => RelayFailure::Protocol,
    }
}

impl RelaySession {
    /// A session for the rostered panel `roster`; nothing is sent before `connected`.
    pub fn new(store: SharedStore, roster: Hash, opts: RelaySessionOptions) -> Result<Arc<RelaySession>, TransportError> {
        let (storage_id, signal) = {
            let s = lock(&store);
            if s.mailbox_ids(&roster)?.is_empty() {
                return Err(TransportError::NotMember);
            }
            (s.relay_storage_id(&roster)?, s.change_signal())
        };
        let now = opts.clock.now();
        let pending = Arc::new((
            Mutex::new(Pending {
                outgoing: VecDeque::new(),
                status: RelayStatus::Idle,
                status_changed: false,
                ready: false,
                dirty_since: None,
                last_activity: now,
                cancelled: false,
                counters: RelayCounters::default(),
            }),
            Condvar::new(),
        ));
        let waker = opts.keep_in_sync.then(|| {
            let (pending, clock) = (Arc::downgrade(&pending), opts.clock.clone());
            signal.on_change(move || {
                let Some(p) = pending.upgrade() else { return };
                let mut g = lock(&p.0);
                // Also before the handshake completes: the change is then offered once it has.
                if g.dirty_since.is_none() {
                    g.dirty_since = Some(clock.now());
                    p.1.notify_all();
                }
            })
        });
        Ok(Arc::new(RelaySession {
            store,
            target: Target::Panel(roster),
            welcomed: Mutex::new(None),
            storage_id,
            opts,
            link: Mutex::new(None),
            pending,
            _waker: waker,
        }))
    }

    fn for_target(store: SharedStore, target: Target, storage_id: String, opts: RelaySessionOptions) -> Arc<RelaySession> {
        let pending = Pending {
            outgoing: VecDeque::new(),
            status: RelayStatus::Idle,
            status_changed: false,
            ready: false,
            dirty_since: None,
            last_activity: opts.clock.now(),
            cancelled: false,
            counters: RelayCounters::default(),
        };
        let opts = RelaySessionOptions { keep_in_sync: false, ..opts };
        Arc::new(RelaySession {
            store,
            target,
            welcomed: Mutex::new(None),
            storage_id,
            opts,
            link: Mutex::new(None),
            pending: Arc::new((Mutex::new(pending), Condvar::new())),
            _waker: None,
        })
    }

    /// The joiner's phone: a session that posts the join request of `invite` (once) and
    /// takes the welcome when the lead's device has posted it (`welcomed`). In sync means
    /// the relay has the request and this phone has what the relay holds for it.
    pub fn for_join(store: SharedStore, invite: &crate::trust::SeatInvite, label: &str, opts: RelaySessionOptions) -> Result<Arc<RelaySession>, TransportError> {
        let (boxes, storage_id) = {
            let mut s = lock(&store);
            let boxes = s.post_join_request(invite, label)?;
            (boxes, s.join_box_storage_id(&boxes.join_box)?)
        };
        Ok(Self::for_target(store, Target::Join(boxes), storage_id, opts))
    }

    /// The lead's device: one session per seat code still to answer (`Store::open_join_boxes`),
    /// each answering the requests in its join box as they arrive and posting the welcomes.
    pub fn for_answers(store: SharedStore, opts: RelaySessionOptions) -> Result<Vec<Arc<RelaySession>>, TransportError> {
        let boxes = lock(&store).open_join_boxes()?;
        let mut out = Vec::new();
        for (join_box, _) in boxes {
            let storage_id = lock(&store).join_box_storage_id(&join_box)?;
            out.push(Self::for_target(store.clone(), Target::Answer(join_box), storage_id, opts.clone()));
        }
        Ok(out)
    }

    /// On a join session: the panel this phone was welcomed to, once it was.
    pub fn welcomed(&self) -> Option<Hash> {
        *lock(&self.welcomed)
    }

    /// The documents of a join target, after taking in what is here: the joiner looks for its
    /// welcome, the lead answers the requests (and shares the replies it posted).
    fn join_documents(&self, s: &mut crate::Store) -> Result<Vec<crate::ids::DocumentId>, TransportError> {
        match self.target {
            Target::Panel(_) => Ok(Vec::new()),
            Target::Join(boxes) => {
                if let Some(r) = s.take_relay_welcome(&boxes)? {
                    *lock(&self.welcomed) = Some(r);
                }
                Ok(vec![boxes.join_box, boxes.reply])
            }
            Target::Answer(join_box) => {
                s.answer_join_box(join_box)?;
                let mut docs = vec![join_box];
                docs.extend(s.answers_posted(join_box)?);
                Ok(docs)
            }
        }
    }

    fn pending(&self) -> MutexGuard<'_, Pending> {
        lock(&self.pending.0)
    }

    fn set_status(&self, p: &mut Pending, status: RelayStatus) {
        if p.status != status {
            p.status = status;
            p.status_changed = true;
            self.pending.1.notify_all();
        }
    }

    pub fn status(&self) -> RelayStatus {
        self.pending().status
    }

    pub fn counters(&self) -> RelayCounters {
        self.pending().counters
    }

    pub fn is_cancelled(&self) -> bool {
        self.pending().cancelled
    }

    fn check_open(&self) -> Result<(), TransportError> {
        if self.pending().cancelled {
            return Err(TransportError::Cancelled);
        }
        Ok(())
    }

    /// Records a failure: the connection is dropped (its sync state kept) and the status says
    /// why. The error is handed back for the caller to return.
    fn fail(&self, link: &mut Option<Link>, e: TransportError) -> TransportError {
        if let Some(mut l) = link.take() {
            let _ = l.conn.close(&mut lock(&self.store));
        }
        let mut p = self.pending();
        p.ready = false;
        p.outgoing.clear();
        p.dirty_since = None;
        if !p.cancelled {
            self.set_status(&mut p, RelayStatus::Failed { reason: failure_of(&e) });
        }
        e
    }

    /// The app started opening its WebSocket.
    pub fn connecting(&self) -> Result<(), TransportError> {
        self.check_open()?;
        let mut p = self.pending();
        self.set_status(&mut p, RelayStatus::Connecting);
        Ok(())
    }

    /// The WebSocket is open: this device's new changes are sealed into its outbox and the
    /// handshake is queued. A session may be connected again after `disconnected`.
    pub fn connected(&self) -> Result<(), TransportError> {
        self.check_open()?;
        let mut link = lock(&self.link);
        if let Some(mut old) = link.take() {
            let _ = old.conn.close(&mut lock(&self.store));
        }
        let opened = (|| -> Result<Link, TransportError> {
            let mut s = lock(&self.store);
            let live = Arc::new(());
            let grant = match self.target {
                Target::Panel(roster) => {
                    s.post_outgoing(&roster)?;
                    for id in s.roster(&roster)?.state().documents.keys() {
                        s.mark_live(*id, &live);
                    }
                    s.mailbox_grant(&roster)?
                }
                _ => crate::sync::Grant::documents(self.join_documents(&mut s)?),
            };
            let mut conn = Connection::with_storage_id(&s, Role::Initiator, grant, self.storage_id.clone())?;
            let frames = conn.take_outgoing();
            self.queue(frames, true);
            // Everything changed so far is in the outbox just posted.
            self.pending().dirty_since = None;
            Ok(Link { conn, _live: live })
        })();
        match opened {
            Ok(l) => {
                *link = Some(l);
                let mut p = self.pending();
                p.counters.connections += 1;
                self.set_status(&mut p, RelayStatus::Syncing);
                Ok(())
            }
            Err(e) => Err(self.fail(&mut link, e)),
        }
    }

    /// Queues frames to send (called with the store held, so a change waker that runs after
    /// this sees the frames' changes as already sent).
    fn queue(&self, frames: Vec<Vec<u8>>, activity: bool) {
        let mut p = self.pending();
        for f in frames {
            p.counters.frames_out += 1;
            p.counters.bytes_out += f.len() as u64;
            p.outgoing.push_back(f);
        }
        if activity {
            p.last_activity = self.opts.clock.now();
            if p.status == RelayStatus::InSync {
                self.set_status(&mut p, RelayStatus::Syncing);
            }
        }
        self.pending.1.notify_all();
    }

    /// One binary message from the relay. Text and oversized messages are protocol errors:
    /// the connection is closed and the status says so.
    pub fn receive(&self, frame: &[u8]) -> Result<(), TransportError> {
        self.check_open()?;
        let mut link = lock(&self.link);
        if link.is_none() {
            return Err(TransportError::Closed);
        }
        {
            let mut p = self.pending();
            p.counters.frames_in += 1;
            p.counters.bytes_in += frame.len() as u64;
        }
        if frame.len() > MAX_FRAME {
            return Err(self.fail(&mut link, TransportError::FrameTooLarge { size: frame.len(), max: MAX_FRAME }));
        }
        let l = link.as_mut().expect("checked above");
        let result = (|| -> Result<(), TransportError> {
            let mut s = lock(&self.store);
            let events = l.conn.receive(&mut s, frame)?;
            // A join's documents moved: take the welcome, or answer the requests and share
            // the replies just posted.
            if !matches!(self.target, Target::Panel(_)) && events.iter().any(|e| matches!(e, crate::sync::Event::DocumentChanged(_))) {
                for id in self.join_documents(&mut s)? {
                    if !l.conn.grant().allows(id) {
                        l.conn.share(&mut s, id);
                    }
                }
            }
            let frames = l.conn.poll(&mut s)?;
            let ready = l.conn.is_ready();
            self.queue(frames, true);
            self.pending().ready = ready;
            Ok(())
        })();
        result.map_err(|e| self.fail(&mut link, e))
    }

    /// Seals and offers what changed here since the last offer (the change waker's work).
    fn offer_local_changes(&self) -> Result<(), TransportError> {
        let mut link = lock(&self.link);
        let Some(l) = link.as_mut() else {
            self.pending().dirty_since = None;
            return Ok(());
        };
        let Target::Panel(roster) = self.target else {
            self.pending().dirty_since = None;
            return Ok(());
        };
        let result = (|| -> Result<(), TransportError> {
            let mut s = lock(&self.store);
            s.post_outgoing(&roster)?;
            // A device admitted meanwhile has a new mailbox to share.
            for id in s.mailbox_ids(&roster)? {
                if !l.conn.grant().allows(id) {
                    l.conn.share(&mut s, id);
                }
            }
            let frames = l.conn.poll(&mut s)?;
            let any = !frames.is_empty();
            self.queue(frames, any);
            // Cleared with the store still held: a change made after this wakes us again.
            self.pending().dirty_since = None;
            Ok(())
        })();
        result.map_err(|e| self.fail(&mut link, e))
    }

    /// The next frame to send, waiting up to `timeout`. `Ok(None)` when the time is up or the
    /// status changed since the last call said so (read `status`); `Cancelled` once the session is cancelled. While
    /// kept in sync, local changes are sealed and offered from inside this wait.
    pub fn next_outgoing(&self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        let clock = self.opts.clock.as_ref();
        let deadline = clock.now() + timeout;
        let mut p = self.pending();
        loop {
            if p.cancelled {
                return Err(TransportError::Cancelled);
            }
            if let Some(f) = p.outgoing.pop_front() {
                return Ok(Some(f));
            }
            let now = clock.now();
            if let Some(since) = p.dirty_since {
                if p.ready && now >= since + self.opts.debounce {
                    drop(p);
                    self.offer_local_changes()?;
                    p = self.pending();
                    continue;
                }
            }
            if p.ready && p.status == RelayStatus::Syncing && p.dirty_since.is_none() && now >= p.last_activity + self.opts.quiet {
                self.set_status(&mut p, RelayStatus::InSync);
            }
            // A change made while the app was away (sending, or between calls) is reported
            // by the next call, so none is missed.
            if std::mem::take(&mut p.status_changed) || now >= deadline {
                return Ok(None);
            }
            let mut wake_at = deadline;
            if let Some(since) = p.dirty_since.filter(|_| p.ready) {
                wake_at = wake_at.min(since + self.opts.debounce);
            }
            if p.ready && p.status == RelayStatus::Syncing {
                wake_at = wake_at.min(p.last_activity + self.opts.quiet);
            }
            let wait = wake_at.saturating_duration_since(now).max(Duration::from_millis(1));
            p = self.pending.1.wait_timeout(p, wait).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// The WebSocket closed (or failed): the connection ends, keeping what was agreed with
    /// the relay for the next one. In sync before, the session is idle; otherwise it failed
    /// with `ConnectionLost`. Frames not yet sent are dropped.
    pub fn disconnected(&self) {
        let mut link = lock(&self.link);
        if let Some(mut l) = link.take() {
            let _ = l.conn.close(&mut lock(&self.store));
        }
        let mut p = self.pending();
        p.ready = false;
        p.outgoing.clear();
        p.dirty_since = None;
        let next = match p.status {
            RelayStatus::InSync | RelayStatus::Idle => RelayStatus::Idle,
            RelayStatus::Failed { reason } => RelayStatus::Failed { reason },
            _ => RelayStatus::Failed { reason: RelayFailure::ConnectionLost },
        };
        if !p.cancelled {
            self.set_status(&mut p, next);
        }
    }

    /// Ends the session for good: a waiting `next_outgoing` returns `Cancelled` at once,
    /// later calls are `Cancelled`, what was merged and the sync state stay.
    pub fn cancel(&self) {
        {
            let mut p = self.pending();
            if p.cancelled {
                return;
            }
            p.cancelled = true;
            p.ready = false;
            p.outgoing.clear();
            self.set_status(&mut p, RelayStatus::Failed { reason: RelayFailure::Cancelled });
            self.pending.1.notify_all();
        }
        if let Some(mut l) = lock(&self.link).take() {
            let _ = l.conn.close(&mut lock(&self.store));
        }
    }
}
