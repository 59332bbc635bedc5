//! File hygiene for the store: the database, its WAL, SHM and journal are 0600 and its
//! directory 0700, so another user of the device (or a backup tool running as one) cannot
//! read them. Applied when a store is created and again at every open, for files made by
//! older builds.

use std::path::{Path, PathBuf};

use crate::error::Result;

/// The files SQLite keeps beside the database.
pub(crate) fn side_files(db: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| {
            let mut p = db.as_os_str().to_owned();
            p.push(s);
            PathBuf::from(p)
        })
        .collect()
}

#[cfg(unix)]
pub(crate) fn prepare(db: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let dir = db.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| crate::error::Error::invalid(format!("cannot create the store's directory: {}", e.kind())))?;
        } else {
            // A directory this user does not own (say /tmp) refuses; that is its owner's call.
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    if !db.exists() {
        // create_new: if another opener won the race, its file is tightened below.
        let _ = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(db);
    }
    let _ = std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o600));
    tighten_side_files(db);
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn prepare(_db: &Path) -> Result<()> {
    Ok(())
}

/// The WAL and SHM take the database's mode when SQLite creates them; ones left by an older
/// build are tightened here.
pub(crate) fn tighten_side_files(db: &Path) {
    #[cfg(unix)]
    for f in side_files(db) {
        use std::os::unix::fs::PermissionsExt;
        if f.exists() {
            let _ = std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600));
        }
    }
    #[cfg(not(unix))]
    let _ = db;
}
