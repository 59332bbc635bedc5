//! Encryption at rest, per record (ARCHITECTURE.md, "Store" → "At rest"). Every column that
//! can hold personal data is stored as a sealed record: XChaCha20-Poly1305 under the
//! candidate's own content key (so destroying that key shreds everything written about them)
//! or, for data that belongs to no candidate, under the store key. Ids and times stay clear.
//!
//! The sealing happens inside SQLite, through three functions registered on every connection
//! (`pn_seal`, `pn_open`, `pn_forget`), so a query keeps its shape: `pn_open` in a SELECT
//! decrypts per row and sorting or filtering on it is done in memory by SQLite itself. The
//! record's table, column and row id are bound as associated data, so rows cannot be swapped.
//!
//! Per-record AEAD rather than SQLCipher: the issue's measurement (README, "At rest") found
//! it adds a few kilobytes where SQLCipher's vendored OpenSSL adds megabytes to the library.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension};

use super::content_keys::{self, Wrapped};
use crate::error::{Error, Result};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;

/// A 256-bit key for XChaCha20-Poly1305 (the store's own, not trust's: the store sits below
/// trust). Zeroed on drop and never printed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) [u8; 32]);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Secret {
        Secret(bytes)
    }

    pub(crate) fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        XChaCha20Poly1305::new((&self.0).into())
            .encrypt(XNonce::from_slice(nonce), Payload { msg: plaintext, aad })
            .expect("XChaCha20-Poly1305 encrypts any length this code passes")
    }

    /// `None` when the bytes were not sealed under this key, nonce and associated data.
    pub(crate) fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad })
            .ok()
            .map(Zeroizing::new)
    }
}

/// The key the app keeps in the Keychain or Keystore. Zeroed on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AtRestKey(Secret);

impl AtRestKey {
    pub fn from_bytes(bytes: [u8; 32]) -> AtRestKey {
        AtRestKey(Secret::from_bytes(bytes))
    }

    /// A key from exactly 32 bytes (what crosses the FFI), or a typed error.
    pub fn from_slice(bytes: &[u8]) -> Result<AtRestKey> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| Error::invalid("the store key must be 32 bytes"))?;
        Ok(AtRestKey::from_bytes(bytes))
    }

    /// A key from 64 hex digits (the CLI's environment variable and key file).
    pub fn from_hex(text: &str) -> Result<AtRestKey> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return Err(Error::invalid("the store key must be 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| Error::invalid("the store key must be 64 hex digits"))?;
        }
        Ok(AtRestKey::from_bytes(out))
    }

    /// A fresh random key from the OS.
    pub fn generate() -> AtRestKey {
        let mut b = Zeroizing::new([0u8; 32]);
        rand::fill(&mut b[..]);
        AtRestKey::from_bytes(*b)
    }

    pub fn to_hex(&self) -> String {
        self.0 .0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.0
    }
}

impl std::fmt::Debug for AtRestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AtRestKey(..)")
    }
}

/// Which key sealed a record. The candidate id is an id, so it may stay clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Store,
    Candidate([u8; 16]),
}

const RECORD_MAGIC: u8 = 0xA7;
const RECORD_VERSION: u8 = 1;

/// A sealed record as stored: magic, version, scope (0 store; 1 candidate, then its 16-byte
/// id), a 24-byte nonce, then the ciphertext of (type byte, value) with its tag.
#[derive(Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub scope: Scope,
    pub header: &'a [u8],
    pub nonce: [u8; NONCE_LEN],
    pub ciphertext: &'a [u8],
}

/// Why stored bytes did not open. Codes only: these end up in logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// Not a sealed record at all (a plaintext value where a sealed one belongs).
    NotSealed,
    /// A sealed record of a version or scope this build does not know, or truncated.
    Malformed,
    /// The key that sealed it is gone (the candidate was erased).
    KeyGone,
    /// The tag did not verify: damaged, or moved from another row or column.
    Tampered,
}

impl RecordError {
    pub fn code(self) -> &'static str {
        match self {
            RecordError::NotSealed => "not_sealed",
            RecordError::Malformed => "malformed",
            RecordError::KeyGone => "key_gone",
            RecordError::Tampered => "tampered",
        }
    }

    pub fn parse(code: &str) -> Option<RecordError> {
        [RecordError::NotSealed, RecordError::Malformed, RecordError::KeyGone, RecordError::Tampered]
            .into_iter()
            .find(|e| e.code() == code)
    }
}

/// What a failing SQL function reports, so `Error::from(rusqlite::Error)` can give the typed
/// error back (SQLite carries only the message across).
pub(crate) const FUNCTION_ERROR_PREFIX: &str = "panelnotes at-rest: ";

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{FUNCTION_ERROR_PREFIX}{}", self.code())
    }
}

impl std::error::Error for RecordError {}

/// Parses stored bytes as a sealed record, without trusting any length in them.
pub fn parse_record(bytes: &[u8]) -> std::result::Result<Record<'_>, RecordError> {
    if bytes.first() != Some(&RECORD_MAGIC) {
        return Err(RecordError::NotSealed);
    }
    if bytes.get(1) != Some(&RECORD_VERSION) {
        return Err(RecordError::Malformed);
    }
    let (scope, header_len) = match bytes.get(2) {
        Some(0) => (Scope::Store, 3),
        Some(1) => {
            let id: [u8; 16] = bytes.get(3..19).ok_or(RecordError::Malformed)?.try_into().map_err(|_| RecordError::Malformed)?;
            (Scope::Candidate(id), 19)
        }
        _ => return Err(RecordError::Malformed),
    };
    let nonce: [u8; NONCE_LEN] = bytes
        .get(header_len..header_len + NONCE_LEN)
        .ok_or(RecordError::Malformed)?
        .try_into()
        .map_err(|_| RecordError::Malformed)?;
    let ciphertext = &bytes[header_len + NONCE_LEN..];
    if ciphertext.len() < TAG_LEN + 1 {
        return Err(RecordError::Malformed);
    }
    Ok(Record { scope, header: &bytes[..header_len], nonce, ciphertext })
}

fn header(scope: Scope) -> Vec<u8> {
    match scope {
        Scope::Store => vec![RECORD_MAGIC, RECORD_VERSION, 0],
        Scope::Candidate(id) => {
            let mut h = vec![RECORD_MAGIC, RECORD_VERSION, 1];
            h.extend_from_slice(&id);
            h
        }
    }
}

fn aad(label: &str, row: &[u8], header: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(32 + label.len() + row.len() + header.len());
    a.extend_from_slice(b"panelnotes at-rest v1\0");
    a.extend_from_slice(label.as_bytes());
    a.push(0);
    a.extend_from_slice(&(row.len() as u32).to_le_bytes());
    a.extend_from_slice(row);
    a.extend_from_slice(header);
    a
}

/// A value's bytes with its SQLite type, so it opens to what was sealed.
fn encode_value(v: ValueRef<'_>) -> Option<Vec<u8>> {
    let (tag, bytes): (u8, &[u8]) = match v {
        ValueRef::Null => return None,
        ValueRef::Text(t) => (1, t),
        ValueRef::Blob(b) => (2, b),
        ValueRef::Integer(i) => return Some([&[3u8][..], &i.to_le_bytes()].concat()),
        ValueRef::Real(r) => return Some([&[4u8][..], &r.to_le_bytes()].concat()),
    };
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.push(tag);
    out.extend_from_slice(bytes);
    Some(out)
}

fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn decode_value(plain: &[u8]) -> std::result::Result<Value, RecordError> {
    let (tag, rest) = plain.split_first().ok_or(RecordError::Malformed)?;
    Ok(match tag {
        1 => Value::Text(String::from_utf8(rest.to_vec()).map_err(|_| RecordError::Malformed)?),
        2 => Value::Blob(rest.to_vec()),
        3 => Value::Integer(i64::from_le_bytes(rest.try_into().map_err(|_| RecordError::Malformed)?)),
        4 => Value::Real(f64::from_le_bytes(rest.try_into().map_err(|_| RecordError::Malformed)?)),
        _ => return Err(RecordError::Malformed),
    })
}

/// The keys of an open encrypted store: the app's key (which wraps the others), the store
/// key, and the content keys unwrapped so far. `None` inside: a plaintext store (tests only;
/// the CLI and the bindings always pass a key).
pub(crate) struct Vault {
    keys: Option<Keys>,
}

struct Keys {
    app: Mutex<AtRestKey>,
    store: Secret,
    content: Mutex<HashMap<[u8; 16], Secret>>,
}

impl Vault {
    pub fn plaintext() -> Arc<Vault> {
        Arc::new(Vault { keys: None })
    }

    pub fn sealed(app: AtRestKey, store: Secret) -> Arc<Vault> {
        Arc::new(Vault {
            keys: Some(Keys { app: Mutex::new(app), store, content: Mutex::new(HashMap::new()) }),
        })
    }

    pub fn is_sealed(&self) -> bool {
        self.keys.is_some()
    }

    pub fn app_key(&self) -> Option<AtRestKey> {
        self.keys.as_ref().map(|k| k.app.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    pub fn set_app_key(&self, key: AtRestKey) {
        if let Some(k) = &self.keys {
            *k.app.lock().unwrap_or_else(|p| p.into_inner()) = key;
        }
    }

    pub fn forget(&self, candidate: &[u8; 16]) {
        if let Some(k) = &self.keys {
            k.content.lock().unwrap_or_else(|p| p.into_inner()).remove(candidate);
        }
    }

    /// The key for `scope`: a candidate's is read from `content_keys` (and made there, inside
    /// the caller's transaction, when `create` and it has none yet).
    fn key(&self, conn: Conn<'_, '_>, scope: Scope, create: bool) -> std::result::Result<Secret, RecordError> {
        let keys = self.keys.as_ref().ok_or(RecordError::NotSealed)?;
        let Scope::Candidate(id) = scope else { return Ok(keys.store.clone()) };
        if let Some(k) = keys.content.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(k.clone());
        }
        let app = self.app_key().ok_or(RecordError::NotSealed)?;
        let fetch = |c: &Connection| -> std::result::Result<Secret, RecordError> {
            match content_keys::load(c, &app, &id).map_err(|_| RecordError::Tampered)? {
                Some(k) => Ok(k),
                None if create => content_keys::create(c, &app, &id).map_err(|_| RecordError::Malformed),
                None => Err(RecordError::KeyGone),
            }
        };
        // Only a miss reaches SQLite: a function's connection handle costs an allocation.
        let key = match conn {
            Conn::Direct(c) => fetch(c)?,
            Conn::Function(ctx) => {
                let c = conn_of(ctx).map_err(|_| RecordError::Malformed)?;
                fetch(&c)?
            }
        };
        keys.content.lock().unwrap_or_else(|p| p.into_inner()).insert(id, key.clone());
        Ok(key)
    }

    /// Unwraps (or makes) `scope`'s key ahead of a seal that cannot reach the store's
    /// connection: the typing lane seals on its own file.
    pub fn warm(&self, conn: &Connection, scope: Scope) -> Result<()> {
        if self.keys.is_none() {
            return Ok(());
        }
        self.key(Conn::Direct(conn), scope, true).map(|_| ()).map_err(record_error)
    }

    /// `value` as stored in column `label` of row `row`: sealed under `scope`'s key, or as
    /// it is in a plaintext store. NULL stays NULL (absence is not personal data).
    pub fn seal(&self, conn: Conn<'_, '_>, scope: Scope, label: &str, row: &[u8], value: ValueRef<'_>) -> std::result::Result<Value, RecordError> {
        if self.keys.is_none() {
            return Ok(owned(value));
        }
        let Some(plain) = encode_value(value) else { return Ok(Value::Null) };
        let plain = zeroize::Zeroizing::new(plain);
        let key = self.key(conn, scope, true)?;
        let header = header(scope);
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce[..]);
        let ct = key.seal(&nonce, &aad(label, row, &header), &plain);
        let mut out = header;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(Value::Blob(out))
    }

    /// What `seal` was given for this column and row.
    pub fn open(&self, conn: Conn<'_, '_>, label: &str, row: &[u8], stored: ValueRef<'_>) -> std::result::Result<Value, RecordError> {
        if self.keys.is_none() {
            return Ok(owned(stored));
        }
        let bytes = match stored {
            ValueRef::Null => return Ok(Value::Null),
            ValueRef::Blob(b) => b,
            _ => return Err(RecordError::NotSealed),
        };
        let record = parse_record(bytes)?;
        let key = self.key(conn, record.scope, false)?;
        let plain = key
            .open(&record.nonce, &aad(label, row, record.header), record.ciphertext)
            .ok_or(RecordError::Tampered)?;
        decode_value(&plain)
    }

    /// Bytes sealed from Rust (document snapshots and chunks).
    pub fn seal_bytes(&self, conn: &Connection, scope: Scope, label: &str, row: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        match self.seal(Conn::Direct(conn), scope, label, row, ValueRef::Blob(plain)).map_err(record_error)? {
            Value::Blob(b) => Ok(b),
            _ => Err(record_error(RecordError::Malformed)),
        }
    }

    pub fn open_bytes(&self, conn: &Connection, label: &str, row: &[u8], stored: Vec<u8>) -> Result<Vec<u8>> {
        if self.keys.is_none() {
            return Ok(stored);
        }
        match self.open(Conn::Direct(conn), label, row, ValueRef::Blob(&stored)).map_err(record_error)? {
            Value::Blob(b) => Ok(b),
            _ => Err(record_error(RecordError::Malformed)),
        }
    }

    /// A small secret (device keys, a panel secret) wrapped under the app key.
    pub fn wrap(&self, label: &str, id: &[u8], secret: &[u8]) -> Vec<u8> {
        match self.app_key() {
            Some(app) => content_keys::wrap(&app, label, id, secret).to_bytes(),
            None => secret.to_vec(),
        }
    }

    pub fn unwrap(&self, label: &str, id: &[u8], stored: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        match self.app_key() {
            Some(app) => {
                let w = Wrapped::parse(stored).map_err(record_error)?;
                content_keys::unwrap(&app, label, id, &w).ok_or(record_error(RecordError::Tampered))
            }
            None => Ok(zeroize::Zeroizing::new(stored.to_vec())),
        }
    }
}

/// Where a content key is read from on a cache miss: a connection at hand, or the one a SQL
/// function runs on.
#[derive(Clone, Copy)]
pub(crate) enum Conn<'a, 'b> {
    Direct(&'a Connection),
    Function(&'a Context<'b>),
}

pub(crate) fn record_error(e: RecordError) -> Error {
    Error::SealedRecord { reason: e.code() }
}

fn row_bytes(v: ValueRef<'_>) -> Vec<u8> {
    match v {
        ValueRef::Null => Vec::new(),
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        ValueRef::Integer(i) => i.to_le_bytes().to_vec(),
        ValueRef::Real(r) => r.to_le_bytes().to_vec(),
    }
}

fn scope_arg(v: ValueRef<'_>) -> std::result::Result<Scope, RecordError> {
    match v {
        ValueRef::Null => Ok(Scope::Store),
        ValueRef::Blob(b) => Ok(Scope::Candidate(b.try_into().map_err(|_| RecordError::Malformed)?)),
        _ => Err(RecordError::Malformed),
    }
}

fn fail(e: RecordError) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(Box::new(e))
}

/// The connection of a running function: content keys are read (and made) in the same
/// transaction as the row being sealed.
fn conn_of<'a>(ctx: &'a Context<'_>) -> rusqlite::Result<rusqlite::functions::ConnectionRef<'a>> {
    // SAFETY: the reference is used only inside this call, on the thread SQLite runs it on.
    unsafe { ctx.get_connection() }
}

/// Registers `pn_seal(scope, label, row, value)`, `pn_open(label, row, stored)` and
/// `pn_forget(candidate)` on `conn`.
pub(crate) fn register(conn: &Connection, vault: &Arc<Vault>) -> Result<()> {
    let v = vault.clone();
    conn.create_scalar_function("pn_seal", 4, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY, move |ctx| {
        let scope = scope_arg(ctx.get_raw(0)).map_err(fail)?;
        let label = ctx.get_raw(1).as_str().map_err(|_| fail(RecordError::Malformed))?.to_owned();
        let row = row_bytes(ctx.get_raw(2));
        v.seal(Conn::Function(ctx), scope, &label, &row, ctx.get_raw(3)).map_err(fail)
    })?;
    let v = vault.clone();
    conn.create_scalar_function(
        "pn_open",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let label = ctx.get_raw(0).as_str().map_err(|_| fail(RecordError::Malformed))?.to_owned();
            let row = row_bytes(ctx.get_raw(1));
            v.open(Conn::Function(ctx), &label, &row, ctx.get_raw(2)).map_err(fail)
        },
    )?;
    let v = vault.clone();
    conn.create_scalar_function("pn_forget", 1, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY, move |ctx| {
        if let Ok(id) = <[u8; 16]>::try_from(row_bytes(ctx.get_raw(0)).as_slice()) {
            v.forget(&id);
        }
        Ok(Value::Null)
    })?;
    Ok(())
}

/// `stored` opened as the blob of column `label`, row `row`, under `store_key` alone: what a
/// damaged or hostile file makes a reader see. For the fuzz target and its corpus replay.
pub fn open_untrusted(store_key: [u8; 32], label: &str, row: &[u8], stored: &[u8]) -> std::result::Result<Vec<u8>, RecordError> {
    let Ok(conn) = Connection::open_in_memory() else { return Err(RecordError::Malformed) };
    let vault = Vault::sealed(AtRestKey::from_bytes([0; 32]), Secret::from_bytes(store_key));
    match vault.open(Conn::Direct(&conn), label, row, ValueRef::Blob(stored))? {
        Value::Blob(b) => Ok(b),
        Value::Text(t) => Ok(t.into_bytes()),
        _ => Err(RecordError::Malformed),
    }
}

/// `plain` sealed as `open_untrusted` opens it (the fuzz target's round trip).
pub fn seal_untrusted(store_key: [u8; 32], label: &str, row: &[u8], plain: &[u8]) -> Vec<u8> {
    let Ok(conn) = Connection::open_in_memory() else { return Vec::new() };
    let vault = Vault::sealed(AtRestKey::from_bytes([0; 32]), Secret::from_bytes(store_key));
    match vault.seal(Conn::Direct(&conn), Scope::Store, label, row, ValueRef::Blob(plain)) {
        Ok(Value::Blob(b)) => b,
        _ => Vec::new(),
    }
}

/// The scope of what is written about `candidate`.
pub(crate) fn candidate_scope(candidate: &crate::ids::DocumentId) -> Scope {
    Scope::Candidate(*candidate.as_bytes())
}

/// The scope for rows of a document: its candidate's key when the index knows it (a
/// candidate document is its own candidate; an interview names its candidate), the store
/// key otherwise (templates, mailboxes of already sealed envelopes, an interview received
/// before its index row).
pub(crate) fn document_scope(conn: &Connection, id: crate::ids::DocumentId) -> Result<Scope> {
    let key = &id.as_bytes()[..];
    let row: Option<(Option<String>, Option<Vec<u8>>)> = conn
        .prepare_cached(
            "SELECT (SELECT kind FROM documents WHERE id = ?1), (SELECT candidate_id FROM idx_interviews WHERE id = ?1)",
        )?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((Some(k), _)) if k == "candidate" => candidate_scope(&id),
        Some((_, Some(c))) => match <[u8; 16]>::try_from(c.as_slice()) {
            Ok(c) => Scope::Candidate(c),
            Err(_) => Scope::Store,
        },
        _ => Scope::Store,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_without_trusting_their_bytes() {
        assert_eq!(parse_record(b"plain text"), Err(RecordError::NotSealed));
        assert_eq!(parse_record(&[RECORD_MAGIC]), Err(RecordError::Malformed));
        assert_eq!(parse_record(&[RECORD_MAGIC, 1, 1, 0]), Err(RecordError::Malformed));
        assert_eq!(parse_record(&[RECORD_MAGIC, 1, 9]), Err(RecordError::Malformed));
        let mut ok = header(Scope::Candidate([7; 16]));
        ok.extend_from_slice(&[0; NONCE_LEN + TAG_LEN + 1]);
        assert_eq!(parse_record(&ok).unwrap().scope, Scope::Candidate([7; 16]));
        assert_eq!(parse_record(&ok[..ok.len() - 1]), Err(RecordError::Malformed));
    }

    #[test]
    fn a_sealed_value_opens_only_in_its_column_and_row() {
        let conn = Connection::open_in_memory().unwrap();
        let vault = Vault::sealed(AtRestKey::from_bytes([1; 32]), Secret::from_bytes([2; 32]));
        let sealed = vault.seal(Conn::Direct(&conn), Scope::Store, "t.c", b"row1", ValueRef::Text(b"salary 120k")).unwrap();
        let Value::Blob(b) = &sealed else { panic!("sealed to a blob") };
        assert!(!b.windows(6).any(|w| w == b"salary"));
        assert_eq!(vault.open(Conn::Direct(&conn), "t.c", b"row1", ValueRef::Blob(b)).unwrap(), Value::Text("salary 120k".into()));
        assert_eq!(vault.open(Conn::Direct(&conn), "t.c", b"row2", ValueRef::Blob(b)), Err(RecordError::Tampered));
        assert_eq!(vault.open(Conn::Direct(&conn), "t.d", b"row1", ValueRef::Blob(b)), Err(RecordError::Tampered));
        assert_eq!(vault.open(Conn::Direct(&conn), "t.c", b"row1", ValueRef::Text(b"plain")), Err(RecordError::NotSealed));
        assert_eq!(vault.seal(Conn::Direct(&conn), Scope::Store, "t.c", b"r", ValueRef::Null).unwrap(), Value::Null);
        for v in [Value::Integer(-5), Value::Real(1.5), Value::Blob(vec![0, 1])] {
            let s = vault.seal(Conn::Direct(&conn), Scope::Store, "t.c", b"r", (&v).into()).unwrap();
            assert_eq!(vault.open(Conn::Direct(&conn), "t.c", b"r", (&s).into()).unwrap(), v);
        }
    }

    #[test]
    fn keys_parse_from_hex_and_never_print() {
        let k = AtRestKey::generate();
        assert_eq!(AtRestKey::from_hex(&k.to_hex()).unwrap(), k);
        assert!(AtRestKey::from_hex("zz").is_err());
        assert!(AtRestKey::from_hex(&"g".repeat(64)).is_err());
        assert!(AtRestKey::from_slice(&[0; 31]).is_err());
        assert_eq!(format!("{k:?}"), "AtRestKey(..)");
    }
}
