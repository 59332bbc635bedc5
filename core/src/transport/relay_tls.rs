//! How the CLI reaches a relay: wss:// through rustls (ring), trusting the platform's roots or
//! only a private CA given as PEM; ws:// only to a relay on this machine, since anything on
//! the way could read the mailboxes' metadata and drop or replay frames.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::TransportError;

/// A relay address: `ws://host:port/…` or `wss://host[:port]/…`.
#[derive(Debug, PartialEq, Eq)]
pub struct RelayUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
}

impl RelayUrl {
    pub fn parse(url: &str) -> Result<RelayUrl, TransportError> {
        let bad = |why: &str| TransportError::RelayUrl(format!("relay address {url:?}: {why}"));
        let (tls, rest) = if let Some(r) = url.strip_prefix("wss://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("ws://") {
            (false, r)
        } else {
            return Err(bad("use wss://host[:port] (or ws:// for a relay on this machine)"));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad("credentials in the address are not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed [ in the host"))?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| bad("the port is not a number from 1 to 65535"))?,
            None if tls => 443,
            None => 80,
        };
        if port == 0 {
            return Err(bad("the port is not a number from 1 to 65535"));
        }
        let host = host.to_ascii_lowercase();
        if !tls && !is_loopback(&host) {
            return Err(TransportError::RelayUrl(format!(
                "ws:// is accepted only for a relay on this machine (localhost, 127.0.0.1, ::1); use wss://{host} for a relay elsewhere"
            )));
        }
        Ok(RelayUrl { tls, host, port })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The socket under the WebSocket: plain to a loopback relay, TLS otherwise.
pub enum RelayStream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl RelayStream {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            RelayStream::Plain(s) => s,
            RelayStream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for RelayStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            RelayStream::Plain(s) => s.read(buf),
            RelayStream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for RelayStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            RelayStream::Plain(s) => s.write(buf),
            RelayStream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            RelayStream::Plain(s) => s.flush(),
            RelayStream::Tls(s) => s.flush(),
        }
    }
}

/// The roots a wss:// relay's certificate must chain to: only `ca_pem`'s certificates when
/// given, otherwise the platform's.
fn roots(ca_pem: Option<&[u8]>) -> Result<RootCertStore, TransportError> {
    let mut roots = RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| TransportError::RelayUrl(format!("the CA file is not PEM certificates: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| TransportError::RelayUrl(format!("the CA file holds an unusable certificate: {e}")))?;
            }
            if roots.is_empty() {
                return Err(TransportError::RelayUrl("the CA file holds no certificate".into()));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(TransportError::Untrusted("this system has no root certificates".into()));
            }
        }
    }
    Ok(roots)
}

/// Connects TLS over `tcp` and completes the handshake here, so an untrusted certificate is
/// reported as such rather than as a WebSocket error.
pub fn handshake(host: &str, mut tcp: TcpStream, ca_pem: Option<&[u8]>) -> Result<StreamOwned<ClientConnection, TcpStream>, TransportError> {
    // ring rather than aws-lc-rs keeps the build free of a C/cmake toolchain; the price,
    // which rustls flags as deprecated, is no post-quantum key exchange.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::Io(format!("TLS setup: {e}")))?
        .with_root_certificates(roots(ca_pem)?)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| TransportError::RelayUrl(format!("{host} is not a valid TLS server name")))?;
    let mut conn = ClientConnection::new(Arc::new(config), name).map_err(|e| TransportError::Io(format!("TLS setup: {e}")))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            let tls = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
            return Err(match tls {
                Some(rustls::Error::InvalidCertificate(c)) => TransportError::Untrusted(format!("{c:?}")),
                Some(t) => TransportError::Io(format!("TLS handshake with {host}: {t}")),
                None => TransportError::Io(format!("TLS handshake with {host}: {e}")),
            });
        }
    }
    Ok(StreamOwned::new(conn, tcp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_is_for_this_machine_only_and_wss_defaults_to_443() {
        assert_eq!(RelayUrl::parse("ws://127.0.0.1:3030").unwrap(), RelayUrl { tls: false, host: "127.0.0.1".into(), port: 3030 });
        assert!(RelayUrl::parse("ws://[::1]:9/x").is_ok());
        assert!(RelayUrl::parse("ws://LocalHost:9").is_ok());
        for far in ["ws://relay.example.com:3030", "ws://10.0.0.7:3030", "ws://127.0.0.1.example.com:1"] {
            let e = RelayUrl::parse(far).unwrap_err().to_string();
            assert!(e.contains("only for a relay on this machine"), "{far}: {e}");
        }
        assert_eq!(RelayUrl::parse("wss://relay.example.com/sync").unwrap(), RelayUrl { tls: true, host: "relay.example.com".into(), port: 443 });
        for bad in ["http://x", "wss://", "wss://h:0", "wss://h:99999", "wss://u:p@h", "wss://[::1", "ws:/x"] {
            assert!(matches!(RelayUrl::parse(bad), Err(TransportError::RelayUrl(_))), "{bad}");
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        assert!(roots(Some(b"not a pem")).is_err());
        assert!(roots(Some(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).is_err());
    }
}
