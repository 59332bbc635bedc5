//! The local store: one SQLite file per install (WAL). Documents are snapshot + chunks,
//! keystrokes go through the durable pending-edit log, and index tables are rewritten in the
//! same transaction as the chunk that changes them. Every method that returns `Ok` after an
//! edit has made that edit durable.

pub mod at_rest;
mod change_signal;
pub(crate) mod authors;
pub mod content_keys;
mod file_modes;
pub(crate) mod changes;
mod conflicts;
mod decode;
mod documents;
mod heal;
mod identity;
mod index;
mod keystrokes;
mod lane_merge;
mod list_diff;
mod mailbox_drop;
pub(crate) mod migrations;
mod observe;
mod pending;
mod problems;
pub(crate) mod purge;
mod queries;
mod reader;
mod remote;
mod repair;
mod sync;
mod typing_lane;
#[cfg(test)]
mod typing_lane_tests;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc};
use chrono::Utc;
use rusqlite::Connection;

pub use change_signal::{ChangeSignal, ChangeWaker};
pub(crate) use remote::load_untrusted;
pub use conflicts::{Conflict, ConflictValue};
pub use decode::{Decoded, Decoding};
pub use documents::QuarantinedDocument;
pub use problems::{Problem, ProblemKind};
pub use crate::model::DocKind;
pub use list_diff::{apply_diff, ListDiff};
pub use observe::{CandidateListUpdate, DocumentState, DocumentUpdate, Subscription};
pub use reader::Reader;
pub use typing_lane::{splice_shared, TypingLane};
pub use queries::{InterviewView, MIN_ID_PREFIX};
pub use pending::{Clock, CommitPolicy, ManualClock, SystemClock};

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use documents::OpenDoc;

/// Where a change came from, for observers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Local,
    Remote,
}

/// The interviewer using this install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub id: InterviewerId,
    pub display_name: String,
}

#[derive(Clone)]
pub struct StoreOptions {
    /// When keystrokes become changes while a peer is connected for the document: often,
    /// so co-panelists see each other's notes within seconds.
    pub policy: CommitPolicy,
    /// ... and while nobody is: rarely, since no one is waiting for them. Every keystroke is
    /// durable either way; fewer changes mean faster loads and far fewer bytes when the panel
    /// finally syncs.
    pub offline_policy: CommitPolicy,
    /// Documents kept decoded in memory; the least recently used beyond this are dropped
    /// (after their pending edits are folded).
    pub max_open_documents: usize,
    pub clock: std::sync::Arc<dyn Clock>,
    /// Seeds the store's non-secret randomness (actor, document, storage and peer ids), so
    /// tests replay exactly; `None` in the apps.
    pub seed: Option<u64>,
    /// Whether opening records the identity as the store's own (the apps: whoever signed
    /// in). The CLI acts as someone for one command without changing who the store is.
    pub remember_identity: bool,
    /// The app's at-rest key (Keychain / Keystore; the CLI's key file or environment). With
    /// it, no personal data is written in plaintext. `None` keeps a plaintext store, which
    /// only tests use: the CLI and the bindings always pass a key.
    pub key: Option<at_rest::AtRestKey>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            policy: CommitPolicy::default(),
            offline_policy: CommitPolicy::offline(),
            max_open_documents: 64,
            clock: std::sync::Arc::new(SystemClock),
            seed: None,
            remember_identity: true,
            key: None,
        }
    }
}

/// How long changes may wait for their dependencies before they are dropped.
pub const ORPHAN_TTL: std::time::Duration = std::time::Duration::from_secs(600);
/// How many sync messages may arrive while changes wait, before they are dropped.
const ORPHAN_MESSAGES: u32 = 256;

pub struct Store {
    conn: Connection,
    path: PathBuf,
    me: Identity,
    actor: ActorId,
    options: StoreOptions,
    docs: HashMap<DocumentId, OpenDoc>,
    /// Recency order for eviction, most recent last.
    recent: Vec<DocumentId>,
    /// Commits since the last WAL checkpoint.
    unchecked_commits: u32,
    notifier: std::sync::Arc<observe::Notifier>,
    /// Documents shared with a connected peer, each held by its connections' tokens.
    live: HashMap<DocumentId, Vec<std::sync::Weak<()>>>,
    entropy: crate::clock::Entropy,
    /// Copies of quarantined documents arriving from peers, until they are whole.
    healing: HashMap<DocumentId, AutoCommit>,
    /// Interviews typed in before their document was decoded.
    undecoded: keystrokes::Undecoded,
    at_rest: std::sync::Arc<at_rest::Vault>,
    device: crate::keys::DeviceKeys,
    /// Bumped whenever what a listener may answer changes (panels, rosters, invites, device
    /// keys), so a running LAN listener refreshes its snapshot exactly when it must.
    pub(crate) keyring_version: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Wakes relay sessions kept in sync when a change is durable.
    pub(crate) change_signal: std::sync::Arc<change_signal::ChangeSignal>,
    /// Keystrokes taken while the writer handles a peer's frame.
    lane: std::sync::Arc<typing_lane::TypingLane>,
    /// The interview typed in last: the one armed on the lane around a peer's frame.
    typing: Option<DocumentId>,
}

impl Store {
    /// Opens (or creates) the store at `path` for `identity`. The identity is remembered; the
    /// install's Automerge actor id is created on first open and kept.
    pub fn open(path: impl AsRef<Path>, identity: Identity) -> Result<Store> {
        Self::open_with(path, identity, StoreOptions::default())
    }

    pub fn open_with(path: impl AsRef<Path>, identity: Identity, options: StoreOptions) -> Result<Store> {
        if identity.display_name.trim().is_empty() {
            return Err(Error::invalid("the interviewer needs a display name"));
        }
        let path = path.as_ref().to_path_buf();
        // Created 0600 before SQLite sees it: SQLite gives the WAL and SHM the database
        // file's mode. Files and the directory made by older builds are tightened here.
        file_modes::prepare(&path)?;
        let mut conn = Connection::open(&path)?;
        // A file that is not a database (or is damaged at the page level) fails here, as a
        // typed storage error, before anything is written to it.
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        // NORMAL in WAL mode: a committed transaction survives the app being killed (the
        // common failure on phones); only an OS crash or power loss can roll back the last
        // few, and the file stays consistent.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Checkpoints run from `tick` (the app's timer), not inside a keystroke's commit;
        // `persist` still checkpoints inline if the timer never runs.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Deleted rows are overwritten, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let fresh = migrations::is_fresh(&conn)?;
        migrations::migrate(&mut conn)?;
        let at_rest = content_keys::open_vault(&conn, options.key.as_ref(), fresh)?;
        at_rest::register(&conn, &at_rest)?;
        file_modes::tighten_side_files(&path);
        let entropy = match options.seed {
            Some(seed) => crate::clock::Entropy::seeded(seed),
            None => crate::clock::Entropy::from_os(),
        };
        let (device, actor) = identity::install_device(&conn, &at_rest, &entropy, options.seed.is_some())?;
        // The first insert into the pending log after opening costs about 0.8 ms more than
        // the next (measured; paid inside SQLite's first write to that table), which was
        // most of the first keystroke after reopening. Pay it here, where the app starts,
        // with an insert that is rolled back.
        conn.execute_batch(
            "SAVEPOINT warm; INSERT INTO pending_edits(doc_id, edit) VALUES (x'00', ''); ROLLBACK TO warm; RELEASE warm;",
        )?;
        if options.remember_identity {
            identity::remember(&conn, &identity)?;
        }
        let lane = typing_lane::TypingLane::open(&path, at_rest.clone());
        let mut store = Store {
            conn,
            path,
            me: identity,
            actor,
            options,
            docs: HashMap::new(),
            recent: Vec::new(),
            unchecked_commits: 0,
            notifier: observe::Notifier::new(),
            live: HashMap::new(),
            entropy,
            healing: HashMap::new(),
            undecoded: HashMap::new(),
            at_rest,
            device,
            keyring_version: Default::default(),
            change_signal: Default::default(),
            lane,
            typing: None,
        };
        // Keystrokes the lane took during a frame the app was killed in.
        store.replay_lane_on_open();
        // The team's retention rule runs whenever the store opens. A failure here must not
        // keep the app from opening: the next open, or a run on demand, tries again.
        let _ = store.run_retention();
        // Outboxes an epoch's snapshot replaced go now, when no session can still share them.
        let _ = store.drop_retired_outboxes();
        Ok(store)
    }

    pub fn identity(&self) -> &Identity {
        &self.me
    }

    pub fn actor_hex(&self) -> String {
        self.actor.to_hex_string()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The commit policy in force for a document: live while a sync connection shares it.
    pub fn policy_for(&mut self, id: DocumentId) -> CommitPolicy {
        if self.is_live(id) {
            self.options.policy
        } else {
            self.options.offline_policy
        }
    }

    /// Marks a document as shared with a connected peer for as long as `token` lives.
    pub(crate) fn mark_live(&mut self, id: DocumentId, token: &std::sync::Arc<()>) {
        let tokens = self.live.entry(id).or_default();
        tokens.retain(|t| t.strong_count() > 0);
        tokens.push(std::sync::Arc::downgrade(token));
    }

    fn is_live(&mut self, id: DocumentId) -> bool {
        match self.live.get_mut(&id) {
            None => false,
            Some(tokens) => {
                tokens.retain(|t| t.strong_count() > 0);
                !tokens.is_empty()
            }
        }
    }

    pub(crate) fn is_open(&self, id: DocumentId) -> bool {
        self.docs.contains_key(&id)
    }

    fn kind_or_not_found(&self, id: DocumentId) -> Result<DocKind> {
        match documents::kind_of(&self.conn, id)? {
            None => Err(Error::NotFound {
                kind: "document",
                id: id.to_string(),
            }),
            Some((_, Some(reason))) => Err(Error::Quarantined { id, reason }),
            Some((k, None)) => Ok(k),
        }
    }

    /// Wall-clock time by the injected clock.
    pub fn now(&self) -> chrono::DateTime<Utc> {
        self.options.clock.wall()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    pub(crate) fn commit_options(&self) -> automerge::transaction::CommitOptions {
        commit_options(self.now())
    }

    /// Non-secret random bytes (ids), from the store's seeded or OS source.
    pub(crate) fn random_bytes<const N: usize>(&self) -> [u8; N] {
        self.entropy.bytes()
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn me(&self) -> &InterviewerId {
        &self.me.id
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Pending keystrokes are durable already; folding here only saves the next open a
        // replay. Errors cannot be reported from drop.
        let _ = self.flush();
        self.notifier.close();
    }
}

fn refresh_notes_cache(od: &mut OpenDoc) -> Result<()> {
    for (obj, text) in od.notes.values_mut() {
        *text = od.doc.text(&*obj)?;
    }
    Ok(())
}


fn commit_options(now: chrono::DateTime<Utc>) -> automerge::transaction::CommitOptions {
    automerge::transaction::CommitOptions::default().with_time(now.timestamp())
}

/// Documents record which interviewer each actor is, so a conflict can name who wrote what.
fn register_author<D: Transactable>(doc: &mut D, actor: &ActorId, who: &InterviewerId) -> Result<()> {
    let actors = match doc.get(ObjId::Root, "actors")? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        _ => doc.put_object(ObjId::Root, "actors", ObjType::Map)?,
    };
    doc.put(&actors, actor.to_hex_string(), who.as_str())?;
    Ok(())
}

/// The interviewer a document says wrote as `actor_hex`.
pub(crate) fn author_in(doc: &AutoCommit, actor_hex: &str) -> Option<InterviewerId> {
    let (_, actors) = doc.get(ObjId::Root, "actors").ok().flatten()?;
    match doc.get(&actors, actor_hex).ok().flatten()? {
        (automerge::Value::Scalar(s), _) => s.as_str().and_then(|s| InterviewerId::new(s).ok()),
        _ => None,
    }
}
