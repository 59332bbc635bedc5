//! The CLI always encrypts: `init` makes a 0600 key file beside the store, `PANELNOTES_KEY`
//! overrides it, and every key problem is a clear message with exit code 3.

mod common;

use std::process::Output;

use common::{bin, Cli};

const KEY_EXIT: i32 = 3;

fn with_key(cli: &Cli, key: &str, args: &[&str]) -> Output {
    bin().env("PANELNOTES_KEY", key).arg("--store").arg(cli.store()).args(args).output().unwrap()
}

fn key_failure(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(KEY_EXIT), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[cfg(unix)]
#[test]
fn init_makes_a_private_key_file_and_an_encrypted_store() {
    use std::os::unix::fs::PermissionsExt;
    let cli = Cli::new();
    let key_file = cli.dir.path().join("s.sqlite3.key");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(&cli.store()), 0o600);
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(key.trim().len(), 64);
    // A name no plaintext in the file can spell by chance: "Dana" matched "D" + "ana@acme"
    // (the store's interviewer id, kept in clear) whenever the byte before it was 0x44.
    const NAME: &str = "Quexmarker Okafor";
    cli.ok("ana@acme", &["candidate", "add", "--name", NAME, "--role", "SRE", "--applied-at", "2026-03-02 09:00"]);
    let bytes = std::fs::read(cli.store()).unwrap();
    assert!(!bytes.windows(10).any(|w| w == b"Quexmarker"), "the candidate's name is not in the file");
    // The environment's key is used in place of the file.
    std::fs::remove_file(&key_file).unwrap();
    let out = with_key(&cli, key.trim(), &["candidate", "list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(NAME));
}

#[test]
fn a_wrong_or_missing_key_is_a_clear_error_with_its_own_exit_code() {
    let cli = Cli::new();
    cli.dana();
    let err = key_failure(&with_key(&cli, &"ab".repeat(32), &["candidate", "list"]));
    assert!(err.contains("store key is wrong"), "{err}");
    assert!(!err.contains("Dana"), "{err}");
    let err = key_failure(&with_key(&cli, "not hex", &["candidate", "list"]));
    assert!(err.contains("64 hex digits"), "{err}");

    let key_file = cli.dir.path().join("s.sqlite3.key");
    std::fs::write(&key_file, "zz\n").unwrap();
    let err = key_failure(&cli.run_as("ana@acme", &["candidate", "list"], None));
    assert!(err.contains("damaged"), "{err}");
    std::fs::remove_file(&key_file).unwrap();
    let err = key_failure(&cli.run_as("ana@acme", &["candidate", "list"], None));
    assert!(err.contains("no key for this store") && err.contains("PANELNOTES_KEY"), "{err}");
}

#[test]
fn a_plaintext_store_is_refused_not_read_as_empty() {
    let cli = Cli::bare();
    let me = panelnotes_core::Identity { id: panelnotes_core::InterviewerId::new("ana@acme").unwrap(), display_name: "Ana".into() };
    drop(panelnotes_core::Store::open(cli.store(), me).unwrap());
    let err = key_failure(&with_key(&cli, &"ab".repeat(32), &["--as", "ana@acme", "candidate", "list"]));
    assert!(err.contains("not encrypted"), "{err}");
}
