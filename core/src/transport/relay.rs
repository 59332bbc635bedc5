//! The relay client: automerge-repo's protocol over WebSocket to the standard automerge-repo
//! sync server (each binary message is one CBOR frame). The server is the team's own and
//! stores documents as any automerge-repo peer does; what reaches it is decided by the grant.
//! Sync state is kept under the server's storage id, so a reconnect resumes; a dropped
//! connection is retried with backoff. wss:// goes through rustls with the platform's roots
//! (or a private CA); ws:// is for a relay on this machine only.

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::clock::{Clock, SystemClock};

use tungstenite::{Message, WebSocket};

use super::lan::{SharedStore, SyncReport};
use super::relay_tls::RelayStream;
use super::TransportError;
use crate::sync::wire::MAX_FRAME;
use crate::sync::{Connection, Grant, Role};

#[derive(Clone)]
pub struct RelayOptions {
    /// Finished once nothing moved for this long after the handshake.
    pub quiet: Duration,
    /// Gives up after this long in all.
    pub timeout: Duration,
    /// Connection attempts before giving up; the wait doubles from `backoff`.
    pub attempts: u32,
    pub backoff: Duration,
    /// Deadlines and backoff are measured on this clock.
    pub clock: Arc<dyn Clock>,
    /// The storage id to present instead of the install's (see `sync_roster_via_relay`).
    pub storage_id: Option<String>,
    /// For wss://: trust only this private CA (PEM) instead of the platform's roots.
    pub ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for RelayOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayOptions")
            .field("quiet", &self.quiet)
            .field("timeout", &self.timeout)
            .field("attempts", &self.attempts)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            quiet: Duration::from_millis(600),
            timeout: Duration::from_secs(30),
            attempts: 5,
            backoff: Duration::from_millis(200),
            clock: Arc::new(SystemClock),
            storage_id: None,
            ca_pem: None,
        }
    }
}

fn lock(store: &SharedStore) -> std::sync::MutexGuard<'_, crate::Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

fn io(e: tungstenite::Error) -> TransportError {
    TransportError::Io(e.to_string())
}

fn connect(url: &str, timeout: Duration, ca_pem: Option<&[u8]>) -> Result<WebSocket<RelayStream>, TransportError> {
    let target = super::relay_tls::RelayUrl::parse(url)?;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&(target.host.as_str(), target.port))?
        .next()
        .ok_or_else(|| TransportError::Io(format!("{}: no address", target.host)))?;
    let tcp = TcpStream::connect_timeout(&addr, timeout)?;
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(timeout))?;
    let stream = if target.tls {
        RelayStream::Tls(Box::new(super::relay_tls::handshake(&target.host, tcp, ca_pem)?))
    } else {
        RelayStream::Plain(tcp)
    };
    let (ws, _) = tungstenite::client(url, stream).map_err(|e| TransportError::Io(e.to_string()))?;
    ws.get_ref().tcp().set_read_timeout(Some(Duration::from_millis(20)))?;
    Ok(ws)
}

fn session(
    store: &SharedStore,
    url: &str,
    grant: &Grant,
    opts: &RelayOptions,
    deadline: Instant,
    report: &mut SyncReport,
) -> Result<(), TransportError> {
    let mut ws = connect(url, opts.timeout, opts.ca_pem.as_deref())?;
    let mut conn = match &opts.storage_id {
        Some(id) => Connection::with_storage_id(&lock(store), Role::Initiator, grant.clone(), id.clone())?,
        None => Connection::new(&lock(store), Role::Initiator, grant.clone())?,
    };
    let clock = opts.clock.as_ref();
    let mut last_activity = clock.now();
    let result = loop {
        let out = conn.poll(&mut lock(store))?;
        for f in out {
            report.bytes_out += f.len() as u64;
            ws.send(Message::Binary(f.into())).map_err(io)?;
            last_activity = clock.now();
        }
        match ws.read() {
            Ok(Message::Binary(b)) => {
                report.bytes_in += b.len() as u64;
                last_activity = clock.now();
                if b.len() > MAX_FRAME {
                    break Err(TransportError::FrameTooLarge { size: b.len(), max: MAX_FRAME });
                }
                report.record(conn.receive(&mut lock(store), &b)?);
            }
            Ok(Message::Close(_)) => break Err(TransportError::Io("the relay closed the connection".into())),
            Ok(_) => {} // pings are answered by tungstenite; text is not part of the protocol
            Err(tungstenite::Error::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => break Err(io(e)),
        }
        if conn.is_ready() && clock.now().duration_since(last_activity) >= opts.quiet {
            break Ok(());
        }
        if clock.now() >= deadline {
            break Err(TransportError::Timeout("the relay did not settle".into()));
        }
    };
    let _ = conn.close(&mut lock(store));
    let _ = ws.close(None);
    let _ = ws.flush();
    result
}

/// Syncs the granted documents with the relay at `url` (ws://host:port) until quiet,
/// reconnecting with backoff when the connection drops.
pub fn sync_via_relay(
    store: &SharedStore,
    url: &str,
    grant: Grant,
    opts: &RelayOptions,
) -> Result<SyncReport, TransportError> {
    let start = opts.clock.now();
    let deadline = start + opts.timeout;
    let mut report = SyncReport {
        changed: BTreeSet::new(),
        ..Default::default()
    };
    let mut wait = opts.backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match session(store, url, &grant, opts, deadline, &mut report) {
            Ok(()) => break,
            Err(e @ (TransportError::Io(_) | TransportError::Sync(_))) if attempt < opts.attempts && opts.clock.now() + wait < deadline => {
                let _ = e;
                std::thread::sleep(wait);
                wait *= 2;
            }
            Err(e) => return Err(e),
        }
    }
    report.elapsed_ms = opts.clock.now().duration_since(start).as_millis() as u64;
    Ok(report)
}

/// Syncs a rostered panel's mailboxes through the relay, this device's new changes posted
/// first. The session presents a storage id of its own for this panel, so the server, which
/// sees every panel's mailboxes, cannot tell that two panels' sessions come from one install.
pub fn sync_roster_via_relay(
    store: &SharedStore,
    url: &str,
    roster: &crate::trust::roster::Hash,
    opts: &RelayOptions,
) -> Result<SyncReport, TransportError> {
    let (grant, storage_id) = {
        let mut s = lock(store);
        s.post_outgoing(roster)?;
        (s.mailbox_grant(roster)?, s.relay_storage_id(roster)?)
    };
    let opts = RelayOptions { storage_id: Some(storage_id), ..opts.clone() };
    sync_via_relay(store, url, grant, &opts)
}
