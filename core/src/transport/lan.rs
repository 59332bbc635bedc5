//! The built-in LAN transport: TCP carrying the panel's encrypted channel, for phones on one
//! Wi-Fi network, the desktop CLI and the tests. Blocking sockets on the core's own threads;
//! the store is shared behind a mutex, held only while frames are processed.

use std::collections::BTreeSet;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Panel, PanelPipe, TransportError};
use crate::ids::DocumentId;
use crate::sync::Event;
use crate::Store;

pub type SharedStore = Arc<Mutex<Store>>;

#[derive(Clone, Debug)]
pub struct LanOptions {
    /// A dialling side finishes once nothing moved either way for this long.
    pub quiet: Duration,
    /// ... or fails after this long.
    pub timeout: Duration,
}

impl Default for LanOptions {
    fn default() -> Self {
        LanOptions {
            quiet: Duration::from_millis(300),
            timeout: Duration::from_secs(30),
        }
    }
}

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

/// Runs one session over a connected stream until the peer closes (`until_quiet` false) or
/// both sides are quiet (`until_quiet` true).
fn drive(
    store: &SharedStore,
    stream: &mut TcpStream,
    mut pipe: PanelPipe,
    until_quiet: bool,
    stop: Option<&AtomicBool>,
    opts: &LanOptions,
) -> Result<SyncReport, TransportError> {
    let start = Instant::now();
    let mut report = SyncReport::default();
    stream.set_read_timeout(Some(Duration::from_millis(20)))?;
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut last_activity = Instant::now();
    let result = loop {
        let out = pipe.poll(&mut lock(store))?;
        if !out.is_empty() {
            report.bytes_out += out.len() as u64;
            stream.write_all(&out)?;
            last_activity = Instant::now();
        }
        match stream.read(&mut buf) {
            Ok(0) => {
                if !pipe.is_established() {
                    // The other side hung up without completing the handshake: it does not
                    // accept our secret.
                    break Err(TransportError::Handshake);
                }
                break Ok(());
            }
            Ok(n) => {
                report.bytes_in += n as u64;
                last_activity = Instant::now();
                report.record(pipe.receive(&mut lock(store), &buf[..n])?);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset || e.kind() == ErrorKind::UnexpectedEof => {
                break Err(TransportError::Io("the connection was cut".into()));
            }
            Err(e) => break Err(e.into()),
        }
        if until_quiet && pipe.is_established() && last_activity.elapsed() >= opts.quiet {
            break Ok(());
        }
        if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            break Err(TransportError::Closed);
        }
        if start.elapsed() >= opts.timeout {
            break Err(TransportError::Timeout(format!("no convergence within {:?}", opts.timeout)));
        }
    };
    // Whatever happened, keep what was agreed with the peer.
    let _ = pipe.close(&mut lock(store));
    let _ = stream.shutdown(std::net::Shutdown::Both);
    report.elapsed_ms = start.elapsed().as_millis() as u64;
    result.map(|()| report)
}

/// Dials a panel member at `addr` and syncs the panel's documents until both sides are quiet.
pub fn sync_with(
    store: &SharedStore,
    addr: impl ToSocketAddrs,
    panel: &Panel,
    opts: &LanOptions,
) -> Result<SyncReport, TransportError> {
    let addr = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| TransportError::Io("no address to dial".into()))?;
    let mut stream = TcpStream::connect_timeout(&addr, opts.timeout.min(Duration::from_secs(10)))?;
    let pipe = PanelPipe::initiator(&lock(store), panel)?;
    drive(store, &mut stream, pipe, true, None, opts)
}

/// A listening LAN endpoint: each incoming connection is a session on its own thread.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    sessions: Arc<Mutex<Vec<Result<SyncReport, String>>>>,
}

impl Server {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The outcome of every finished session so far (errors as their messages).
    pub fn sessions(&self) -> Vec<Result<SyncReport, String>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).clone()
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

/// Accepts panel members on `addr` (for example 127.0.0.1:0, or the Wi-Fi address).
pub fn serve(store: SharedStore, addr: impl ToSocketAddrs, opts: LanOptions) -> Result<Server, TransportError> {
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let sessions = Arc::new(Mutex::new(Vec::new()));
    let (stop2, sessions2) = (stop.clone(), sessions.clone());
    let thread = std::thread::spawn(move || {
        let mut workers: Vec<JoinHandle<()>> = Vec::new();
        while !stop2.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    let (store, sessions, stop, opts) = (store.clone(), sessions2.clone(), stop2.clone(), opts.clone());
                    workers.push(std::thread::spawn(move || {
                        // A session ends when the peer hangs up, or when the server stops.
                        let r = drive(&store, &mut stream, PanelPipe::responder(), false, Some(&stop), &opts);
                        sessions.lock().unwrap_or_else(|p| p.into_inner()).push(r.map_err(|e| e.to_string()));
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
