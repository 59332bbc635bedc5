//! `panelnotes join URI --relay URL`: Ben's phone joins with his seat code through the
//! standard relay (relay/server.mjs on loopback) with no LAN; the lead's `sync --relay`
//! answers the join box, and Ben's next contact picks up the welcome and the notes. A second
//! store with a photo of the used code gets nothing. Needs node and `npm install` in relay/.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::Cli;

struct Relay {
    child: Child,
    url: String,
    _data: tempfile::TempDir,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_relay() -> Relay {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../relay");
    assert!(dir.join("node_modules/@automerge/automerge-repo").exists(), "run `npm install` in relay/ (scripts/test-all does)");
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
    Relay { child, url, _data: data }
}

fn person(who: &str, name: &str) -> Cli {
    let cli = Cli::bare();
    let out = cli.raw(&["--as", who, "init", "--name", name], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    cli
}

#[test]
fn ben_joins_through_the_relay_and_a_photo_of_his_used_code_gets_nothing() {
    let relay = start_relay();
    let ana = Cli::new();
    let (_, i) = ana.dana();
    ana.ok_in("ana@acme", &["notes", &i, "learn"], Some("asked about on-call load"));
    let out = ana.me(&["invite", &i, "--seat", "ben@acme", "--hours", "2"]);
    let code = out.trim().split_once(": ").unwrap().1.to_owned();
    let (ben, eve) = (person("ben@acme", "Ben"), person("eve@acme", "Eve"));

    let out = ben.me(&["join", &code, "--relay", &relay.url, "--label", "Pixel 8"]);
    assert!(out.contains("join request posted through the relay"), "{out}");
    // No panel yet, but a join to pick up: `sync --relay` is not an error for Ben.
    let out = ben.me(&["sync", "--relay", &relay.url]);
    assert!(!out.contains("welcomed"), "{out}");

    let out = ana.me(&["sync", "--relay", &relay.url]);
    assert!(out.contains("join: Pixel 8 · ") && out.contains(" admitted to ben@acme"), "{out}");

    let out = ben.me(&["join", &code, "--relay", &relay.url, "--label", "Pixel 8"]);
    assert!(out.contains("welcomed to the panel of interview") && out.contains("in seat ben@acme"), "{out}");
    let notes = ben.me(&["notes", &i, "learn", "--print"]);
    assert!(notes.contains("asked about on-call load"), "{notes}");

    // Eve's store with a photo of the used code: posted, never answered.
    let out = eve.me(&["join", &code, "--relay", &relay.url, "--label", "Eve's"]);
    assert!(out.contains("join request posted"), "{out}");
    let out = ana.me(&["sync", "--relay", &relay.url]);
    assert!(!out.contains("Eve's"), "{out}");
    let out = eve.me(&["join", &code, "--relay", &relay.url, "--label", "Eve's"]);
    assert!(out.contains("join request posted"), "{out}");
    assert!(ana.me(&["requests"]).contains("no join request is waiting"));
    let roster = ana.me(&["roster", &i]);
    assert!(!roster.contains("Eve's"), "{roster}");
}

#[test]
fn join_through_a_relay_on_another_machine_needs_wss() {
    let ben = person("ben@acme", "Ben");
    let code = "panelnotes:join?v=2&t=BwcHBwcHBwcHBwcHBwcHBw&f=0123456789abcdef&x=1780000000";
    let refused = ben.fails_as("ben@acme", &["join", code, "--relay", "ws://relay.example.com:3030"], None);
    assert!(refused.contains("ws:// is accepted only for a relay on this machine"), "{refused}");
    // Neither the lead's phone nor a relay: a usage error.
    let out = ben.run_as("ben@acme", &["join", code], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--connect"));
}
