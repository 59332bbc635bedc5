//! The standard automerge-repo sync server (relay/server.mjs, Node) on loopback, for the
//! tests that sync through it. Needs `npm install` in relay/ (scripts/test-all does it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Relay {
    child: Child,
    pub url: String,
    data: tempfile::TempDir,
}

impl Relay {
    /// Where the server keeps what it stores.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn relay_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../relay")
}

pub fn start_relay() -> Relay {
    let dir = relay_dir();
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").exists(),
        "the relay's npm packages are missing: run `npm install` in relay/ (scripts/test-all does)"
    );
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(&dir)
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().strip_prefix("listening on ").expect("the relay says where it listens").to_owned();
    Relay { child, url, data }
}
