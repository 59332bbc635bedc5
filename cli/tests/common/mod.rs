//! Running `panelnotes` as a person does: real processes on a temporary store that Ana set
//! up with `panelnotes init`.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub struct Cli {
    pub dir: tempfile::TempDir,
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_panelnotes"));
    // Times are typed and shown in UTC unless a test says otherwise.
    c.env_remove("PANELNOTES_STORE").env_remove("PANELNOTES_AS").env_remove("PANELNOTES_KEY").env("PANELNOTES_TZ", "UTC");
    c
}

impl Cli {
    /// A store set up for Ana.
    pub fn new() -> Self {
        let cli = Cli::bare();
        let out = cli.raw(&["--as", "ana@acme", "init", "--name", "Ana"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        cli
    }

    /// No store yet.
    pub fn bare() -> Self {
        Cli { dir: tempfile::tempdir().unwrap() }
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("s.sqlite3")
    }

    /// The store's at-rest key, from the key file `init` made, for tests that open the store
    /// through the core.
    pub fn key(&self) -> panelnotes_core::store::at_rest::AtRestKey {
        let text = std::fs::read_to_string(self.dir.path().join("s.sqlite3.key")).unwrap();
        panelnotes_core::store::at_rest::AtRestKey::from_hex(&text).unwrap()
    }

    /// Runs `panelnotes --store S ARGS`, feeding `stdin` if given. A command that exits
    /// before reading all its input (an error, say) closes the pipe: that is not a failure
    /// of the test, so a broken pipe while writing is ignored and the exit status decides.
    /// The input is written from its own thread while this one drains stdout and stderr, so
    /// neither side can wait on a full pipe of the other, whatever the timing.
    pub fn raw(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = bin()
            .arg("--store")
            .arg(self.store())
            .args(args)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let writer = match (stdin, child.stdin.take()) {
            (Some(text), Some(mut input)) => {
                let text = text.to_owned();
                Some(std::thread::spawn(move || match input.write_all(text.as_bytes()).and_then(|()| input.flush()) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(e),
                    // `input` drops here, closing the pipe: the child sees the end of its input.
                }))
            }
            _ => None,
        };
        let out = child.wait_with_output().unwrap();
        if let Some(w) = writer {
            w.join().unwrap().unwrap_or_else(|e| panic!("writing the child's stdin: {e}"));
        }
        out
    }

    pub fn run_as(&self, who: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        self.raw(&all, stdin)
    }

    pub fn ok(&self, who: &str, args: &[&str]) -> String {
        self.ok_in(who, args, None)
    }

    pub fn ok_in(&self, who: &str, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run_as(who, args, stdin);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs as the store's own identity (no --as).
    pub fn me(&self, args: &[&str]) -> String {
        let out = self.raw(args, None);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn fails(&self, args: &[&str], stdin: Option<&str>) -> String {
        self.fails_as("ana@acme", args, stdin)
    }

    pub fn fails_as(&self, who: &str, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run_as(who, args, stdin);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stderr).unwrap()
    }

    /// Dana, applied 2026-03-02 09:00, with the playbook interview on the 4th led by Ana.
    pub fn dana(&self) -> (String, String) {
        let c = self.ok("ana@acme", &["candidate", "add", "--name", "Dana", "--role", "SRE", "--applied-at", "2026-03-02 09:00"]).trim().to_owned();
        let i = self
            .ok("ana@acme", &["interview", "schedule", &c, "--at", "2026-03-04 09:00", "--panel", "ana@acme,ben@acme,cy@acme", "--lead", "ana@acme", "--booked-at", "2026-03-02 11:00"])
            .trim()
            .to_owned();
        (c, i)
    }
}
