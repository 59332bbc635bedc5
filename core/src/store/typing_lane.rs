//! The typing lane: a keystroke never waits for a merge.
//!
//! Applying a big sync message holds the writer for up to ~20 ms (Automerge's merge, the
//! chunk, the index). So while the writer handles a peer's frame, the interview being typed
//! in is *armed* here: the lane keeps a copy of its stage texts and the heads they belong
//! to. A keystroke that finds the writer busy is checked against that copy, logged durably
//! in the lane's own SQLite file (its own write lock: the merge's transaction never delays
//! it), and queued. When the frame is done the writer applies the queue at the armed heads
//! (Automerge's `isolate`), so each position means what it meant on the screen, and
//! integrates (`lane_merge.rs`). A crash in between leaves the log, which the next open
//! replays the same way; the store records how far the log was applied in the transaction
//! that saved it, so a replay never applies a keystroke twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::ChangeHash;
use rusqlite::{params, Connection};

use super::at_rest::{Scope, Vault};
use super::pending::PendingSplice;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::NOTES_LIMIT;

/// What a logged keystroke is bound to when sealed (with the lane's id and its epoch).
pub(crate) const EDIT: &str = "typing_lane.edit";

/// Keystrokes taken while the store's writer is busy. Shared beside the store's lock (the
/// apps and the CLI hold the store in a mutex); see `Store::typing_lane`.
pub struct TypingLane {
    inner: Mutex<Lane>,
    taken: std::sync::atomic::AtomicU64,
}

struct Lane {
    /// `None` when the lane's file could not be opened: every keystroke then goes through
    /// the writer, as before the lane existed.
    conn: Option<Connection>,
    id: [u8; 16],
    vault: Arc<Vault>,
    armed: Option<Armed>,
}

/// The interview armed for one frame: the texts keystrokes are checked against, and what
/// the lane took.
pub(crate) struct Armed {
    pub doc: DocumentId,
    pub heads: Vec<ChangeHash>,
    texts: HashMap<String, String>,
    scope: Scope,
    pub epoch: i64,
    /// Whether the epoch's row (document and heads) is in the file yet: it is written with
    /// the epoch's first keystroke, so a frame nobody types through costs no write.
    logged: bool,
    pub queue: Vec<PendingSplice>,
    pub last_seq: i64,
}

/// Keystrokes the file holds for one epoch, still sealed.
pub(crate) struct LoggedEpoch {
    pub epoch: i64,
    pub doc: DocumentId,
    pub heads: Vec<ChangeHash>,
    /// By sequence number.
    pub edits: Vec<(i64, Vec<u8>)>,
    pub last_seq: i64,
}

/// What the writer takes from the lane in one round.
pub(crate) struct Batch {
    pub doc: DocumentId,
    /// What the epoch's first keystroke was typed against.
    pub heads: Vec<ChangeHash>,
    pub epoch: i64,
    pub splices: Vec<PendingSplice>,
    pub last_seq: i64,
    /// Whether the lane closed with this round.
    pub closed: bool,
}

pub(crate) fn lane_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-lane");
    PathBuf::from(p)
}

/// The associated data a logged keystroke is sealed with: which lane, which epoch.
pub(crate) fn row_of(lane: &[u8; 16], epoch: i64) -> Vec<u8> {
    let mut row = lane.to_vec();
    row.extend_from_slice(&epoch.to_be_bytes());
    row
}

fn lock(m: &Mutex<Lane>) -> MutexGuard<'_, Lane> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn check_size(text: &str, removed: usize, inserted: usize) -> Result<()> {
    let size = text.len() - removed + inserted;
    // A text a peer already took past the cap may still shrink.
    if size > NOTES_LIMIT && size > text.len() {
        return Err(Error::TooLarge { what: "a stage's notes", size: size as u64, limit: NOTES_LIMIT as u64 });
    }
    Ok(())
}

fn open_file(path: &Path) -> Result<(Connection, [u8; 16])> {
    super::file_modes::prepare(path)?;
    let conn = Connection::open(path)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    // The store's own durability: a committed keystroke survives the app being killed.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS lane (id BLOB NOT NULL);
         CREATE TABLE IF NOT EXISTS epochs (epoch INTEGER PRIMARY KEY, doc_id BLOB NOT NULL, heads BLOB NOT NULL);
         CREATE TABLE IF NOT EXISTS splices (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             epoch INTEGER NOT NULL REFERENCES epochs(epoch),
             edit BLOB NOT NULL
         );",
    )?;
    super::file_modes::tighten_side_files(path);
    let stored: Option<Vec<u8>> = conn.query_row("SELECT id FROM lane", [], |r| r.get(0)).ok();
    let id = match stored.as_deref().and_then(|b| <[u8; 16]>::try_from(b).ok()) {
        Some(id) => id,
        None => {
            let mut id = [0u8; 16];
            rand::fill(&mut id[..]);
            conn.execute("DELETE FROM lane", [])?;
            conn.execute("INSERT INTO lane (id) VALUES (?1)", [&id[..]])?;
            id
        }
    };
    Ok((conn, id))
}

impl TypingLane {
    /// The lane beside the store at `db`. A lane whose file cannot be opened is disabled,
    /// never an error: keystrokes then wait for the writer, as they always could.
    pub(crate) fn open(db: &Path, vault: Arc<Vault>) -> Arc<TypingLane> {
        let (conn, id) = match open_file(&lane_path(db)) {
            Ok((c, id)) => (Some(c), id),
            Err(_) => (None, [0u8; 16]),
        };
        Arc::new(TypingLane { inner: Mutex::new(Lane { conn, id, vault, armed: None }), taken: Default::default() })
    }

    /// How many keystrokes the lane has taken since the store opened (diagnostics, tests).
    pub fn taken(&self) -> u64 {
        self.taken.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn id(&self) -> [u8; 16] {
        lock(&self.inner).id
    }

    /// Takes a keystroke while the writer is busy with a peer's frame: checked against the
    /// armed texts (UTF-16 positions, the notes cap), durable when it returns `Some(Ok)`.
    /// `None` when the lane cannot take it (this interview or stage is not armed, or the log
    /// failed): the caller goes through the writer, which then checks it.
    pub fn splice(&self, interview: DocumentId, stage: &str, position: u64, delete: u64, insert: &str) -> Option<Result<()>> {
        let mut guard = lock(&self.inner);
        let Lane { conn, id, vault, armed, .. } = &mut *guard;
        let armed = armed.as_mut().filter(|a| a.doc == interview)?;
        let conn = conn.as_ref()?;
        let text = armed.texts.get(stage)?;
        if insert.len() > NOTES_LIMIT {
            return Some(Err(Error::TooLarge { what: "a single insertion", size: insert.len() as u64, limit: NOTES_LIMIT as u64 }));
        }
        if delete == 0 && insert.is_empty() {
            return Some(Ok(()));
        }
        let range = match crate::text::splice_range(text, position, delete) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        if let Err(e) = check_size(text, range.len(), insert.len()) {
            return Some(Err(e));
        }
        let splice = PendingSplice { stage: stage.to_owned(), pos: position, delete, text: insert.to_owned() };
        let seq = log(conn, vault, id, armed, &splice).ok()?;
        armed.texts.get_mut(stage).expect("checked above").replace_range(range, insert);
        armed.queue.push(splice);
        armed.last_seq = seq;
        armed.logged = true;
        self.taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(Ok(()))
    }

    /// Arms `doc` for one frame of the writer's. `texts` are its stage texts at `heads`,
    /// which are durable.
    pub(crate) fn arm(&self, doc: DocumentId, heads: Vec<ChangeHash>, texts: HashMap<String, String>, scope: Scope) {
        let mut lane = lock(&self.inner);
        if lane.conn.is_none() {
            return;
        }
        // Random, not counted: the store's watermark names an epoch, and one counted again
        // after its rows were cleared could be taken for it at a replay.
        let mut bytes = [0u8; 8];
        rand::fill(&mut bytes[..]);
        let epoch = (i64::from_be_bytes(bytes) & i64::MAX).max(1);
        lane.armed = Some(Armed { doc, heads, texts, scope, epoch, logged: false, queue: Vec::new(), last_seq: 0 });
    }

    /// What the lane took since the last round. When it took nothing (or `close`), the lane
    /// closes in the same step, so no keystroke falls between the last round and the
    /// writer: from then on they wait for it.
    pub(crate) fn take_batch(&self, close: bool) -> Option<Batch> {
        let mut lane = lock(&self.inner);
        let armed = lane.armed.as_mut()?;
        if armed.queue.is_empty() {
            lane.armed = None;
            return None;
        }
        let batch = Batch {
            doc: armed.doc,
            heads: armed.heads.clone(),
            epoch: armed.epoch,
            splices: std::mem::take(&mut armed.queue),
            last_seq: armed.last_seq,
            closed: close,
        };
        if close {
            lane.armed = None;
        }
        Some(batch)
    }

    /// Ends the armed frame: from here keystrokes go through the writer again, after what
    /// the lane took (which the writer applies before it lets go of the store).
    pub(crate) fn disarm(&self) -> Option<Armed> {
        lock(&self.inner).armed.take()
    }

    /// Forgets an epoch's keystrokes, once the store has saved them (or their document is
    /// gone).
    pub(crate) fn clear_epoch(&self, epoch: i64) -> Result<()> {
        let lane = lock(&self.inner);
        let Some(conn) = &lane.conn else { return Ok(()) };
        let tx = conn.unchecked_transaction()?;
        tx.execute("DELETE FROM splices WHERE epoch = ?1", [epoch])?;
        tx.execute("DELETE FROM epochs WHERE epoch = ?1", [epoch])?;
        tx.commit()?;
        Ok(())
    }

    /// What the log holds, by epoch, oldest first.
    pub(crate) fn logged(&self) -> Result<Vec<LoggedEpoch>> {
        let lane = lock(&self.inner);
        let Some(conn) = &lane.conn else { return Ok(Vec::new()) };
        let mut q = conn.prepare(
            "SELECT s.seq, s.epoch, e.doc_id, e.heads, s.edit FROM splices s JOIN epochs e ON e.epoch = s.epoch
             ORDER BY s.seq",
        )?;
        let rows = q.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, Vec<u8>>(3)?, r.get::<_, Vec<u8>>(4)?))
        })?;
        let mut out: Vec<LoggedEpoch> = Vec::new();
        for row in rows {
            let (seq, epoch, doc, heads, edit) = row?;
            if let Some(last) = out.last_mut().filter(|l| l.epoch == epoch) {
                last.edits.push((seq, edit));
                last.last_seq = seq;
                continue;
            }
            // A damaged row names nothing it could be applied to: it is left out, and the
            // store reports the keystrokes it cannot read.
            let Ok(doc) = <[u8; 16]>::try_from(doc.as_slice()).map(DocumentId::from_bytes) else { continue };
            if heads.is_empty() || heads.len() % 32 != 0 {
                continue;
            }
            let heads = heads.chunks(32).map(|h| ChangeHash(h.try_into().expect("32 bytes"))).collect();
            out.push(LoggedEpoch { epoch, doc, heads, edits: vec![(seq, edit)], last_seq: seq });
        }
        Ok(out)
    }
}

/// How long a keystroke that finds the writer busy looks for the lane before it waits.
const ARM_WAIT: std::time::Duration = std::time::Duration::from_millis(1);

/// A keystroke for a store shared behind a mutex, as the apps and the CLI hold it: to the
/// writer when it is free, to the lane when the writer is busy with a peer's frame, and
/// waiting for the writer only when the lane cannot take it. Durable when it returns `Ok`.
pub fn splice_shared(
    store: &Mutex<super::Store>,
    lane: &TypingLane,
    interview: DocumentId,
    stage: &str,
    position: u64,
    delete: u64,
    insert: &str,
) -> Result<()> {
    // The writer arms the lane a few microseconds after it takes the lock: a keystroke
    // arriving in between looks again for a while before it waits (for a lock held by
    // something else than a peer's frame).
    let since = std::time::Instant::now();
    loop {
        match store.try_lock() {
            Ok(mut s) => return s.splice_notes(interview, stage, position, delete, insert),
            Err(std::sync::TryLockError::Poisoned(p)) => return p.into_inner().splice_notes(interview, stage, position, delete, insert),
            Err(std::sync::TryLockError::WouldBlock) => {}
        }
        if let Some(taken) = lane.splice(interview, stage, position, delete, insert) {
            return taken;
        }
        if since.elapsed() > ARM_WAIT {
            return store.lock().unwrap_or_else(|p| p.into_inner()).splice_notes(interview, stage, position, delete, insert);
        }
        std::thread::yield_now();
    }
}

/// Logs one keystroke (and, with the epoch's first, the epoch's document and heads) in one
/// transaction. Sealed with the candidate's key, which arming warmed: the lane's file has no
/// keys of its own.
fn log(conn: &Connection, vault: &Vault, lane: &[u8; 16], armed: &Armed, splice: &PendingSplice) -> Result<i64> {
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(splice).expect("plain struct serializes"));
    let sealed = vault.seal_bytes(conn, armed.scope, EDIT, &row_of(lane, armed.epoch), &plain)?;
    let tx = conn.unchecked_transaction()?;
    if !armed.logged {
        let heads: Vec<u8> = armed.heads.iter().flat_map(|h| h.0).collect();
        tx.prepare_cached("INSERT OR IGNORE INTO epochs (epoch, doc_id, heads) VALUES (?1, ?2, ?3)")?
            .execute(params![armed.epoch, &armed.doc.as_bytes()[..], heads])?;
    }
    tx.prepare_cached("INSERT INTO splices (epoch, edit) VALUES (?1, ?2)")?.execute(params![armed.epoch, sealed])?;
    let seq = tx.last_insert_rowid();
    tx.commit()?;
    Ok(seq)
}
