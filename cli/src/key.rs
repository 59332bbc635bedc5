//! The store's at-rest key for the CLI: the environment variable `PANELNOTES_KEY` (64 hex
//! digits) if set, else the key file beside the store (`<store>.key`, e.g.
//! `store.sqlite3.key`), which `init` creates with mode 0600 when it creates the store.
//! Without either, an existing store is not opened: the CLI always encrypts.

use std::path::{Path, PathBuf};

use panelnotes_core::store::at_rest::AtRestKey;

use crate::Failure;

pub const ENV: &str = "PANELNOTES_KEY";

/// The exit code for every at-rest key problem (wrong key, no key, a plaintext store), so
/// scripts can tell it from other failures (1).
pub const EXIT_KEY: u8 = 3;

pub fn file_for(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}

fn key_failure(m: impl Into<String>) -> Failure {
    Failure::with_code(m, EXIT_KEY)
}

fn from_env() -> Result<Option<AtRestKey>, Failure> {
    match std::env::var(ENV) {
        Ok(v) if !v.trim().is_empty() => {
            AtRestKey::from_hex(&v).map(Some).map_err(|_| key_failure(format!("{ENV} must be 64 hex digits")))
        }
        _ => Ok(None),
    }
}

/// The key for an existing store.
pub fn load(store: &Path) -> Result<AtRestKey, Failure> {
    if let Some(k) = from_env()? {
        return Ok(k);
    }
    let file = file_for(store);
    match std::fs::read_to_string(&file) {
        Ok(text) => AtRestKey::from_hex(&text)
            .map_err(|_| key_failure(format!("the key file {} is damaged: it must hold 64 hex digits", file.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(key_failure(format!(
            "no key for this store: set {ENV} or put its key file at {}",
            file.display()
        ))),
        Err(e) => Err(key_failure(format!("cannot read the key file {}: {}", file.display(), e.kind()))),
    }
}

/// The key for `init`: the environment's, an existing key file's, or (for a store that does
/// not exist yet) a new random key written to the key file with mode 0600.
pub fn load_or_create(store: &Path) -> Result<AtRestKey, Failure> {
    if let Some(k) = from_env()? {
        return Ok(k);
    }
    let file = file_for(store);
    if file.exists() || store.exists() {
        return load(store);
    }
    let key = AtRestKey::generate();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    use std::io::Write;
    let mut f = opts.open(&file).map_err(|e| Failure::msg(format!("cannot create the key file {}: {}", file.display(), e.kind())))?;
    f.write_all(format!("{}\n", key.to_hex()).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Failure::msg(format!("cannot write the key file {}: {}", file.display(), e.kind())))?;
    Ok(key)
}
