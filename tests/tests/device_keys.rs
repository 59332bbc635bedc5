//! Each install has device keys, made on first open and kept; its Automerge actor id is
//! derived from the signing key, so a change's actor names the device that wrote it.

use panelnotes_core::{Error, Store};
use panelnotes_tests::fixture;

fn raw(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn the_actor_is_derived_from_the_device_key_and_both_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ana.sqlite3");
    let s = Store::open(&path, fixture::identity("ana@acme")).unwrap();
    let device = s.device();
    assert_eq!(s.actor_hex(), device.actor().to_hex_string());
    assert_eq!(device.fingerprint().len(), 16);
    s.close().unwrap();
    let s = Store::open(&path, fixture::identity("ana@acme")).unwrap();
    assert_eq!(s.device(), device, "reopening keeps the keys");
    let other = Store::open(dir.path().join("ben.sqlite3"), fixture::identity("ben@acme")).unwrap();
    assert_ne!(other.device(), device);
    assert_ne!(other.actor_hex(), s.actor_hex());
}

#[test]
fn a_restored_copy_becomes_a_new_device() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("ana.sqlite3"), fixture::identity("ana@acme")).unwrap();
    let before = (s.device(), s.actor_hex());
    s.rotate_actor().unwrap();
    assert_ne!(s.device(), before.0);
    assert_ne!(s.actor_hex(), before.1);
    assert_eq!(s.actor_hex(), s.device().actor().to_hex_string());
}

#[test]
fn a_store_from_before_device_keys_gets_them_and_writes_as_the_derived_actor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ana.sqlite3");
    Store::open(&path, fixture::identity("ana@acme")).unwrap().close().unwrap();
    let db = raw(&path);
    db.execute("DELETE FROM meta WHERE key = 'device_keys'", []).unwrap();
    db.execute("UPDATE meta SET value = ?1 WHERE key = 'actor'", [&[7u8; 16][..]]).unwrap();
    drop(db);
    let s = Store::open(&path, fixture::identity("ana@acme")).unwrap();
    assert_eq!(s.actor_hex(), s.device().actor().to_hex_string());
    assert_ne!(s.actor_hex(), "07".repeat(16));
}

#[test]
fn damaged_stored_keys_are_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ana.sqlite3");
    Store::open(&path, fixture::identity("ana@acme")).unwrap().close().unwrap();
    raw(&path).execute("UPDATE meta SET value = x'0102' WHERE key = 'device_keys'", []).unwrap();
    let err = Store::open(&path, fixture::identity("ana@acme")).err().expect("refused");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert!(!format!("{err}").contains("0102"));
}
