//! `panelnotes sync --relay wss://…` against the standard relay behind TLS on loopback
//! (relay/tls.mjs in front of the unchanged relay/server.mjs), with a test CA and certificate
//! made here by the openssl CLI. Needs node, openssl and `npm install` in relay/.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use common::Cli;

struct TlsRelay {
    child: Child,
    url: String,
    _data: tempfile::TempDir,
}

impl Drop for TlsRelay {
    fn drop(&mut self) {
        // tls.mjs runs server.mjs as its own child: stop the whole process group, or the inner
        // relay outlives the test (and holds the test run's output pipe open).
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl CLI runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA (`NAME.pem`, `NAME.key`) and, signed by it, a certificate for localhost.
fn ca_and_leaf(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (ca, ca_key) = (format!("{name}.pem"), format!("{name}.key"));
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend(["-keyout", &ca_key, "-out", &ca, "-days", "2", "-subj", "/CN=Panel Notes test CA"]);
    args.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &args);
    let (leaf, key, csr, ext) = (format!("{name}-leaf.pem"), format!("{name}-leaf.key"), format!("{name}.csr"), format!("{name}.ext"));
    let mut args = vec!["req"];
    args.extend(ec);
    args.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=localhost"]);
    openssl(dir, &args);
    std::fs::write(dir.join(&ext), "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n").unwrap();
    openssl(dir, &["x509", "-req", "-in", &csr, "-CA", &ca, "-CAkey", &ca_key, "-CAcreateserial", "-out", &leaf, "-days", "2", "-extfile", &ext]);
    (dir.join(ca), dir.join(leaf), dir.join(key))
}

fn start_tls_relay(cert: &Path, key: &Path) -> TlsRelay {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../relay");
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").exists(),
        "the relay's npm packages are missing: run `npm install` in relay/ (scripts/test-all does)"
    );
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new("node")
        .arg("tls.mjs")
        .current_dir(&dir)
        .env("PORT", "0")
        .env("DATA_DIR", data.path())
        .env("TLS_CERT", cert)
        .env("TLS_KEY", key)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .expect("node runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().strip_prefix("listening on ").expect("the relay says where it listens").to_owned();
    TlsRelay { child, url, _data: data }
}

#[test]
fn sync_through_a_wss_relay_trusts_the_given_ca_and_refuses_any_other_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = ca_and_leaf(certs.path(), "test-ca");
    let (other_ca, _, _) = ca_and_leaf(certs.path(), "other-ca");
    let relay = start_tls_relay(&cert, &key);
    assert!(relay.url.starts_with("wss://localhost:"), "{}", relay.url);

    let ana = Cli::new();
    let (_, i) = ana.dana();
    // The first invite starts the panel's roster: a panel to sync through the relay.
    ana.me(&["invite", &i, "--seat", "ben@acme", "--hours", "2"]);

    let ca = ca.to_str().unwrap();
    let out = ana.me(&["sync", "--relay", &relay.url, "--ca", ca]);
    assert!(out.contains("relay, panel"), "{out}");

    // The system's roots do not include the test CA.
    let refused = ana.fails(&["sync", "--relay", &relay.url], None);
    assert!(refused.contains("certificate is not trusted"), "{refused}");
    assert!(refused.contains("--ca"), "the error says how to trust a private CA: {refused}");
    // Nor does another private CA.
    let refused = ana.fails(&["sync", "--relay", &relay.url, "--ca", other_ca.to_str().unwrap()], None);
    assert!(refused.contains("certificate is not trusted"), "{refused}");

    // And the same relay still syncs once trusted (nothing was left half done).
    let out = ana.me(&["sync", "--relay", &relay.url, "--ca", ca]);
    assert!(out.contains("relay, panel"), "{out}");
}

#[test]
fn plain_ws_is_refused_for_a_relay_on_another_machine() {
    let ana = Cli::new();
    let (_, i) = ana.dana();
    ana.me(&["invite", &i, "--seat", "ben@acme", "--hours", "2"]);
    // No connection is attempted: the address alone is refused.
    let refused = ana.fails(&["sync", "--relay", "ws://relay.example.com:3030"], None);
    assert!(refused.contains("ws:// is accepted only for a relay on this machine"), "{refused}");
    let refused = ana.fails(&["sync", "--relay", "http://relay.example.com"], None);
    assert!(refused.contains("use wss://"), "{refused}");
    let refused = ana.fails(&["sync", "--relay", "wss://localhost:1", "--ca", "/nonexistent/ca.pem"], None);
    assert!(refused.contains("--ca"), "{refused}");
}

#[test]
fn sync_relay_without_a_panel_is_a_clear_error() {
    let ana = Cli::new();
    let refused = ana.fails(&["sync", "--relay", "wss://localhost:1"], None);
    assert!(refused.contains("no panel"), "{refused}");
}
