//! The built-in LAN transport: TCP carrying the panel's encrypted channel, for phones on one
//! Wi-Fi network, the desktop CLI and the tests. Blocking sockets on the core's own threads;
//! the store is shared behind a mutex, held only while frames are processed.

use std::collections::{BTreeSet, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{Keyring, Panel, PanelPipe, TransportError};
use crate::trust::roster::Hash;
use crate::ids::DocumentId;
use crate::sync::Event;
use crate::clock::{Clock, SystemClock};
use crate::Store;

pub type SharedStore = Arc<Mutex<Store>>;

#[derive(Clone)]
pub struct LanOptions {
    /// A dialling side finishes once nothing moved either way for this long.
    pub quiet: Duration,
    /// A dialling side fails after this long.
    pub timeout: Duration,
    /// A dial gives up connecting after this long (capped by `timeout`).
    pub connect_timeout: Duration,
    /// An accepted connection must complete the handshake within this long.
    pub handshake_timeout: Duration,
    /// An accepted session ends once nothing moved either way for this long; one that keeps
    /// making progress is never cut.
    pub idle_timeout: Duration,
    /// Accepted connections still in their handshake at once; more are closed on arrival.
    pub max_unauthenticated: usize,
    /// How often an idle session looks for local changes to send.
    pub poll_interval: Duration,
    /// Deadlines are measured on this clock.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanOptions")
            .field("quiet", &self.quiet)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_unauthenticated", &self.max_unauthenticated)
            .finish()
    }
}

impl Default for LanOptions {
    fn default() -> Self {
        LanOptions {
            quiet: Duration::from_millis(300),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            max_unauthenticated: 8,
            poll_interval: Duration::from_millis(250),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Finished sessions a server remembers, newest last.
pub const MAX_SESSION_RESULTS: usize = 64;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Documents that changed here during the session.
    pub changed: BTreeSet<DocumentId>,
    pub unavailable: BTreeSet<DocumentId>,
    pub elapsed_ms: u64,
    /// Who the other side is (its storage id, else its peer id): one phone syncing several
    /// panels holds one session per panel.
    pub peer: Option<String>,
    /// For a join session, how it ended.
    pub join: Option<super::pipe::JoinOutcome>,
}

impl SyncReport {
    pub(crate) fn record(&mut self, events: Vec<Event>) {
        for e in events {
            match e {
                Event::DocumentChanged(d) => {
                    self.changed.insert(d);
                }
                Event::Unavailable(d) => {
                    self.unavailable.insert(d);
                }
                Event::Ready { remote_peer, remote_storage } => self.peer = Some(remote_storage.unwrap_or(remote_peer)),
                _ => {}
            }
        }
    }
}

fn lock(store: &SharedStore) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Reads what is there within the socket's short read timeout; `None` when nothing came.
fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> Result<Option<usize>, TransportError> {
    match stream.read(buf) {
        Ok(n) => Ok(Some(n)),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
        Err(e) if e.kind() == ErrorKind::ConnectionReset || e.kind() == ErrorKind::UnexpectedEof => {
            Err(TransportError::Io("the connection was cut".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The accepting side's handshake, with no store lock: the panels' secrets come from a
/// snapshot. Ends established (and attached to the store) or with an error by the deadline.
fn accept_handshake(
    store: &SharedStore,
    stream: &mut TcpStream,
    pipe: &mut PanelPipe,
    keyring: &Keyring,
    report: &mut SyncReport,
    opts: &LanOptions,
) -> Result<(), TransportError> {
    let deadline = opts.clock.now() + opts.handshake_timeout;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let out = pipe.take_handshake_output();
        if !out.is_empty() {
            report.bytes_out += out.len() as u64;
            stream.write_all(&out)?;
        }
        match read_some(stream, &mut buf)? {
            Some(0) => return Err(TransportError::Handshake),
            Some(n) => {
                report.bytes_in += n as u64;
                if pipe.receive_handshake(&buf[..n], keyring)? {
                    report.record(pipe.attach(&mut lock(store))?);
                    return Ok(());
                }
            }
            None => {}
        }
        if opts.clock.now() >= deadline {
            return Err(TransportError::Timeout("the handshake did not complete in time".into()));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Dialled: ends when both sides are quiet, or fails at the overall timeout.
    Dialer,
    /// Accepted: ends when the peer hangs up, or fails once idle for too long.
    Listener,
}

/// Runs one established session over a connected stream.
fn drive(
    store: &SharedStore,
    stream: &mut TcpStream,
    pipe: &mut PanelPipe,
    side: Side,
    stop: Option<&AtomicBool>,
    report: &mut SyncReport,
    opts: &LanOptions,
) -> Result<(), TransportError> {
    let clock = &opts.clock;
    let start = clock.now();
    let mut buf = vec![0u8; 64 * 1024];
    let mut last_activity = clock.now();
    // Poll at once: the dialler's join, and replies to what the handshake carried.
    let mut last_poll: Option<std::time::Instant> = None;
    let mut received = false;
    loop {
        // The store's lock is taken when something arrived or now and then for local
        // changes, not on every wake-up.
        if received || last_poll.is_none_or(|t| clock.now().duration_since(t) >= opts.poll_interval) {
            let out = pipe.poll(&mut lock(store))?;
            last_poll = Some(clock.now());
            if !out.is_empty() {
                report.bytes_out += out.len() as u64;
                stream.write_all(&out)?;
                last_activity = clock.now();
            }
        }
        received = false;
        match read_some(stream, &mut buf)? {
            Some(0) if pipe.is_established() => return Ok(()),
            // The other side hung up during the handshake: it does not accept our secret.
            Some(0) => return Err(TransportError::Handshake),
            Some(n) => {
                report.bytes_in += n as u64;
                last_activity = clock.now();
                received = true;
                report.record(pipe.receive(&mut lock(store), &buf[..n])?);
            }
            None => {}
        }
        let idle = clock.now().duration_since(last_activity);
        if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(TransportError::Cancelled);
        }
        match side {
            Side::Dialer => {
                if pipe.is_established() && idle >= opts.quiet {
                    return Ok(());
                }
                if clock.now().duration_since(start) >= opts.timeout {
                    return Err(TransportError::Timeout(format!("no convergence within {:?}", opts.timeout)));
                }
            }
            Side::Listener => {
                if idle >= opts.idle_timeout {
                    return Err(TransportError::Timeout(format!("nothing moved for {:?}", opts.idle_timeout)));
                }
            }
        }
    }
}

/// Ends a session whatever happened, keeping what was agreed with the peer.
fn finish(store: &SharedStore, stream: &mut TcpStream, pipe: &mut PanelPipe, report: &mut SyncReport, start: std::time::Instant, clock: &dyn Clock) {
    if pipe.is_established() {
        let _ = pipe.close(&mut lock(store));
    }
    report.join = pipe.join_outcome().cloned();
    let _ = stream.shutdown(std::net::Shutdown::Both);
    report.elapsed_ms = clock.now().duration_since(start).as_millis() as u64;
}

/// Dials a panel member at `addr` and syncs the panel's documents until both sides are quiet.
pub fn sync_with(
    store: &SharedStore,
    addr: impl ToSocketAddrs,
    panel: &Panel,
    opts: &LanOptions,
) -> Result<SyncReport, TransportError> {
    sync_with_cancel(store, addr, panel, opts, None)
}

/// The same, ending with `TransportError::Cancelled` soon after `cancel` is set, whether it
/// is still connecting, in the handshake, or syncing.
pub fn sync_with_cancel(
    store: &SharedStore,
    addr: impl ToSocketAddrs,
    panel: &Panel,
    opts: &LanOptions,
    cancel: Option<&AtomicBool>,
) -> Result<SyncReport, TransportError> {
    let addr = resolve(addr)?;
    session(store, addr, opts, cancel, |s| PanelPipe::initiator(s, panel))
}

/// Dials a member of a rostered panel at `addr` and syncs the panel's mailboxes (this
/// device's new changes posted first) until both sides are quiet. Both devices' keys are
/// checked against the roster before any frame.
pub fn sync_roster_with(
    store: &SharedStore,
    addr: impl ToSocketAddrs,
    roster: &Hash,
    opts: &LanOptions,
    cancel: Option<&AtomicBool>,
) -> Result<SyncReport, TransportError> {
    let addr = resolve(addr)?;
    session(store, addr, opts, cancel, |s| PanelPipe::roster_initiator(s, roster))
}

/// Dials a device of an erased candidate's panel at `addr`, from a device that erased it
/// too: the two swap acknowledgements, so the lead's count of devices that purged grows.
pub fn sync_erasure_with(
    store: &SharedStore,
    addr: impl ToSocketAddrs,
    candidate: crate::DocumentId,
    opts: &LanOptions,
) -> Result<SyncReport, TransportError> {
    let addr = resolve(addr)?;
    session(store, addr, opts, None, |s| PanelPipe::erasure_initiator(s, candidate))
}

/// Joins a panel from a scanned seat invite: dials the lead's phone at `addr`, sends the
/// join request, and takes the welcome (or the refusal).
pub fn join_with(
    store: &SharedStore,
    addr: impl ToSocketAddrs,
    invite: &crate::trust::SeatInvite,
    label: &str,
    opts: &LanOptions,
) -> Result<super::pipe::JoinOutcome, TransportError> {
    let addr = resolve(addr)?;
    let report = session(store, addr, opts, None, |s| PanelPipe::join_initiator(s, invite, label))?;
    report.join.ok_or_else(|| TransportError::Timeout("the lead's phone did not answer the join request".into()))
}

fn resolve(addr: impl ToSocketAddrs) -> Result<SocketAddr, TransportError> {
    addr.to_socket_addrs()?.next().ok_or_else(|| TransportError::Io("no address to dial".into()))
}

/// Dials `addr` and runs one session with the pipe `pipe` makes, to the end.
fn session(
    store: &SharedStore,
    addr: SocketAddr,
    opts: &LanOptions,
    cancel: Option<&AtomicBool>,
    pipe: impl FnOnce(&mut Store) -> Result<PanelPipe, TransportError>,
) -> Result<SyncReport, TransportError> {
    let start = opts.clock.now();
    let mut stream = dial(addr, opts.connect_timeout.min(opts.timeout), cancel)?;
    stream.set_read_timeout(Some(Duration::from_millis(20)))?;
    stream.set_nodelay(true)?;
    let mut pipe = pipe(&mut lock(store))?;
    let mut report = SyncReport::default();
    let result = drive(store, &mut stream, &mut pipe, Side::Dialer, cancel, &mut report, opts);
    finish(store, &mut stream, &mut pipe, &mut report, start, opts.clock.as_ref());
    result.map(|()| report)
}

/// How often a dial still connecting looks at its cancel flag.
const DIAL_CHECK: Duration = Duration::from_millis(20);

/// Connects to `addr` within `timeout`, giving up as soon as `cancel` is set. std's connect
/// cannot be interrupted (an unanswered SYN keeps it waiting for the whole timeout), so it
/// runs on a thread of its own while this one waits in short steps; a dial given up leaves
/// that thread to end at its timeout and drop whatever it got.
fn dial(addr: SocketAddr, timeout: Duration, cancel: Option<&AtomicBool>) -> Result<TcpStream, TransportError> {
    let cancelled = || cancel.is_some_and(|c| c.load(Ordering::SeqCst));
    if cancelled() {
        return Err(TransportError::Cancelled);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("panelnotes-dial".into())
        .spawn(move || {
            let _ = tx.send(TcpStream::connect_timeout(&addr, timeout));
        })?;
    loop {
        match rx.recv_timeout(DIAL_CHECK) {
            Ok(connected) => {
                // Cancelled while the connection was being made: hang up at once.
                return if cancelled() { Err(TransportError::Cancelled) } else { Ok(connected?) };
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if cancelled() => return Err(TransportError::Cancelled),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(TransportError::Io("the dialling thread ended without a result".into()))
            }
        }
    }
}

/// Why a served session failed, as data: the apps word it in the user's language.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionFailure {
    /// The peer named no panel of ours.
    UnknownPanel,
    /// The peer does not hold the panel's secret.
    Handshake,
    /// The peer's device is not a current member of the panel's roster.
    NotMember,
    /// A frame failed authentication (tampered, replayed or out of order).
    Tampered,
    /// The peer sent something malformed or broke the protocol.
    Malformed,
    /// The peer sent a frame over the size limit.
    TooLarge,
    /// The connection was closed or cut.
    Closed,
    Cancelled,
    /// The network failed.
    Network,
    /// Nothing moved within the time allowed.
    TimedOut,
    /// This store failed.
    Storage,
}

impl From<&TransportError> for SessionFailure {
    fn from(e: &TransportError) -> Self {
        match e {
            TransportError::UnknownPanel => SessionFailure::UnknownPanel,
            TransportError::Handshake => SessionFailure::Handshake,
            TransportError::NotMember => SessionFailure::NotMember,
            TransportError::Tampered => SessionFailure::Tampered,
            TransportError::Malformed(_) | TransportError::Invite(_) => SessionFailure::Malformed,
            TransportError::FrameTooLarge { .. } => SessionFailure::TooLarge,
            TransportError::Closed => SessionFailure::Closed,
            TransportError::Cancelled => SessionFailure::Cancelled,
            TransportError::Io(_) | TransportError::Untrusted(_) | TransportError::RelayUrl(_) => SessionFailure::Network,
            TransportError::Timeout(_) => SessionFailure::TimedOut,
            TransportError::Store(_) | TransportError::Sync(crate::sync::SyncError::Store(_)) => SessionFailure::Storage,
            TransportError::Sync(crate::sync::SyncError::Oversized { .. }) => SessionFailure::TooLarge,
            TransportError::Sync(crate::sync::SyncError::Closed) => SessionFailure::Closed,
            TransportError::Sync(_) => SessionFailure::Malformed,
        }
    }
}

/// A served session that failed: what the apps get (`failure`), and the error's message for a
/// developer's log (ids and sizes, never candidate data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionError {
    pub failure: SessionFailure,
    pub message: String,
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<TransportError> for SessionError {
    fn from(e: TransportError) -> Self {
        SessionError { failure: (&e).into(), message: e.to_string() }
    }
}

/// A listening LAN endpoint: each incoming connection is a session on its own thread.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    sessions: Arc<Mutex<VecDeque<Result<SyncReport, SessionError>>>>,
}

impl Server {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The outcome of the latest finished sessions (at most `MAX_SESSION_RESULTS`).
    pub fn sessions(&self) -> Vec<Result<SyncReport, SessionError>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Counts a session as unauthenticated for as long as this lives.
struct Unauthenticated(Arc<AtomicUsize>);

impl Drop for Unauthenticated {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accepts panel members on `addr` (for example 127.0.0.1:0, or the Wi-Fi address).
pub fn serve(store: SharedStore, addr: impl ToSocketAddrs, opts: LanOptions) -> Result<Server, TransportError> {
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let sessions = Arc::new(Mutex::new(VecDeque::new()));
    let (stop2, sessions2) = (stop.clone(), sessions.clone());
    let (version, initial) = {
        let s = lock(&store);
        let version = s.keyring_version();
        let seen = version.load(Ordering::SeqCst);
        (version, (seen, Arc::new(s.keyring()?)))
    };
    let thread = std::thread::spawn(move || {
        let mut workers: Vec<JoinHandle<()>> = Vec::new();
        let unauthenticated = Arc::new(AtomicUsize::new(0));
        // What a handshake may name, as a snapshot: connecting peers never take the store's
        // lock. This thread refreshes it when the store says it changed (a panel, a roster
        // entry, an invite), which only the store's owner can cause, before the next accept.
        let mut panels: (u64, Arc<Keyring>) = initial;
        while !stop2.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    if unauthenticated.load(Ordering::SeqCst) >= opts.max_unauthenticated {
                        // Too many handshakes under way: refuse rather than queue.
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                        continue;
                    }
                    let now = version.load(Ordering::SeqCst);
                    if now != panels.0 {
                        if let Ok(fresh) = lock(&store).keyring() {
                            panels = (now, Arc::new(fresh));
                        }
                    }
                    unauthenticated.fetch_add(1, Ordering::SeqCst);
                    let guard = Unauthenticated(unauthenticated.clone());
                    let (store, sessions, stop, opts, panels) = (store.clone(), sessions2.clone(), stop2.clone(), opts.clone(), panels.1.clone());
                    workers.push(std::thread::spawn(move || {
                        let start = opts.clock.now();
                        let mut pipe = PanelPipe::responder_with(&panels);
                        let mut report = SyncReport::default();
                        let result = (|| {
                            stream.set_nonblocking(false)?;
                            stream.set_read_timeout(Some(Duration::from_millis(20)))?;
                            stream.set_nodelay(true)?;
                            accept_handshake(&store, &mut stream, &mut pipe, &panels, &mut report, &opts)?;
                            drop(guard);
                            // A session ends when the peer hangs up, goes idle, or the server stops.
                            drive(&store, &mut stream, &mut pipe, Side::Listener, Some(&stop), &mut report, &opts)
                        })();
                        finish(&store, &mut stream, &mut pipe, &mut report, start, opts.clock.as_ref());
                        let mut s = sessions.lock().unwrap_or_else(|p| p.into_inner());
                        if s.len() == MAX_SESSION_RESULTS {
                            s.pop_front();
                        }
                        s.push_back(result.map(|()| report).map_err(SessionError::from));
                    }));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(10)),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
            workers.retain(|w| !w.is_finished());
        }
        for w in workers {
            let _ = w.join();
        }
    });
    Ok(Server {
        addr: local,
        stop,
        thread: Some(thread),
        sessions,
    })
}
