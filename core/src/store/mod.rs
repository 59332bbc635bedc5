//! The local store: one SQLite file per install (WAL). Documents are snapshot + chunks,
//! keystrokes go through the durable pending-edit log, and index tables are rewritten in the
//! same transaction as the chunk that changes them. Every method that returns `Ok` after an
//! edit has made that edit durable.

mod candidates;
mod conflicts;
mod decode;
mod documents;
mod heal;
mod identity;
mod index;
mod interviews;
mod keystrokes;
mod list_diff;
mod migrations;
mod observe;
mod order;
mod pending;
mod problems;
mod queries;
mod reader;
mod repair;
mod sync;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, TextEncoding};
use chrono::Utc;
use rusqlite::{Connection, Transaction};

pub use conflicts::{Conflict, ConflictValue};
pub use decode::{Decoded, Decoding};
pub use documents::QuarantinedDocument;
pub use problems::{Problem, ProblemKind};
pub use crate::model::DocKind;
pub use list_diff::{apply_diff, ListDiff};
pub use observe::{CandidateListUpdate, DocumentState, DocumentUpdate, Subscription};
pub use reader::Reader;
pub use queries::{InterviewView, MIN_ID_PREFIX};
pub use pending::{Clock, CommitPolicy, ManualClock, SystemClock};

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use documents::OpenDoc;

use automerge::ChangeHash;

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
    undecoded: HashMap<DocumentId, keystrokes::Undecoded>,
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
        migrations::migrate(&mut conn)?;
        let entropy = match options.seed {
            Some(seed) => crate::clock::Entropy::seeded(seed),
            None => crate::clock::Entropy::from_os(),
        };
        let actor = identity::install_actor(&conn, &entropy)?;
        if options.remember_identity {
            identity::remember(&conn, &identity)?;
        }
        Ok(Store {
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
        })
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

    // ---- document lifecycle -------------------------------------------------------------

    fn touch(&mut self, id: DocumentId) {
        if let Some(i) = self.recent.iter().position(|d| *d == id) {
            self.recent.remove(i);
        }
        self.recent.push(id);
    }

    fn evict_if_needed(&mut self) -> Result<()> {
        while self.docs.len() > self.options.max_open_documents && !self.recent.is_empty() {
            let victim = self.recent.remove(0);
            if self.docs.get(&victim).is_some_and(|d| d.pending.is_some()) {
                self.fold(victim)?;
            }
            self.docs.remove(&victim);
        }
        Ok(())
    }

    /// The decoded document, loading (and replaying its pending keystrokes) on first use.
    fn open_doc(&mut self, id: DocumentId, want: DocKind) -> Result<&mut OpenDoc> {
        if !self.docs.contains_key(&id) {
            self.load(id)?;
            self.evict_if_needed()?;
        }
        self.touch(id);
        let od = self.docs.get_mut(&id).expect("loaded above");
        if od.kind != want {
            return Err(Error::NotFound {
                kind: want.as_str(),
                id: id.to_string(),
            });
        }
        Ok(od)
    }

    fn load(&mut self, id: DocumentId) -> Result<()> {
        // The decoded document replaces what keystrokes were checked against.
        self.undecoded.remove(&id);
        let stored = documents::read(&self.conn, id)?;
        let doc = match documents::decode(id, &stored.bytes) {
            Ok(doc) => doc,
            Err(e) => {
                let reason = e.to_string();
                documents::quarantine(&self.conn, id, &reason, self.now_ms())?;
                if stored.kind == DocKind::Candidate {
                    index::record_problem(&self.conn, id, &e)?;
                }
                return Err(e);
            }
        };
        self.adopt(id, stored.kind, doc, stored.snapshot_len, stored.chunks_len);
        self.replay_pending(id, true)
    }

    /// Creates a document: written by `init`, stored as its first snapshot, indexed, all in
    /// one transaction.
    pub(crate) fn create_doc(
        &mut self,
        kind: DocKind,
        init: impl FnOnce(&mut AutoCommit) -> Result<()>,
    ) -> Result<DocumentId> {
        let id = DocumentId::from_bytes(self.entropy.bytes());
        let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit).with_actor(self.actor.clone());
        init(&mut doc)?;
        register_author(&mut doc, &self.actor, &self.me.id)?;
        doc.commit_with(self.commit_options());
        self.store_new(id, kind, doc, Origin::Local)?;
        Ok(id)
    }

    /// Stores a document that is new here as its first snapshot, indexed, in one
    /// transaction, and keeps it open.
    pub(crate) fn store_new(&mut self, id: DocumentId, kind: DocKind, mut doc: AutoCommit, origin: Origin) -> Result<()> {
        let snapshot = doc.save();
        let now = self.now_ms();
        let tx = self.conn.unchecked_transaction()?;
        documents::insert_new(&tx, id, kind, &snapshot)?;
        index::update(&tx, id, kind, &mut doc, now)?;
        tx.commit()?;
        self.adopt(id, kind, doc, snapshot.len(), 0);
        self.evict_if_needed()?;
        self.notify(id, origin);
        Ok(())
    }

    /// Keeps a document that matches what is on disk (`snapshot_len` + `chunks_len` bytes)
    /// as an open document writing as this install's actor.
    fn adopt(&mut self, id: DocumentId, kind: DocKind, mut doc: AutoCommit, snapshot_len: usize, chunks_len: usize) {
        doc.set_actor(self.actor.clone());
        self.undecoded.remove(&id);
        let saved_heads = doc.get_heads();
        let actor_registered = author_in(&doc, &self.actor.to_hex_string()).is_some();
        self.docs.insert(
            id,
            OpenDoc {
                doc,
                kind,
                saved_heads,
                snapshot_len,
                chunks_len,
                pending: None,
                notes: HashMap::new(),
                dirty_notes: Default::default(),
                actor_registered,
                orphans: None,
            },
        );
        self.touch(id);
    }

    /// A structured edit: pending keystrokes are folded first, then `f`'s operations become
    /// one change, durable and indexed together with `extra` when this returns.
    pub(crate) fn edit<T>(
        &mut self,
        id: DocumentId,
        kind: DocKind,
        f: impl FnOnce(&mut AutoCommit) -> Result<T>,
        extra: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<T> {
        let (actor, me) = (self.actor.clone(), self.me.id.clone());
        let od = self.open_folded(id, kind)?;
        let out = match f(&mut od.doc).and_then(|out| {
            if !od.actor_registered {
                register_author(&mut od.doc, &actor, &me)?;
            }
            Ok(out)
        }) {
            Ok(out) => out,
            Err(e) => {
                od.doc.rollback();
                return Err(e);
            }
        };
        self.persist(id, true, extra)?;
        let od = self.docs.get_mut(&id).expect("opened");
        od.actor_registered = true;
        refresh_notes_cache(od)?;
        self.notify(id, Origin::Local);
        Ok(out)
    }

    /// Commits the open transaction as one change and makes it durable: the chunk, the
    /// deletion of the folded keystroke rows, the index rows and `extra` in one transaction.
    /// On failure the in-memory copy is dropped, so memory never runs ahead of the disk.
    fn persist(
        &mut self,
        id: DocumentId,
        reindex: bool,
        extra: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let od = self.docs.get_mut(&id).expect("persist on an open document");
        od.doc.commit_with(commit_options(self.options.clock.wall()));
        // The common case, folding our own keystrokes, adds exactly one change on top of
        // what is saved: take its bytes directly instead of walking the change graph.
        let chunk = match od.doc.get_last_local_change() {
            Some(c) if c.deps() == od.saved_heads.as_slice() && od.doc.get_heads() == [c.hash()] => {
                c.raw_bytes().to_vec()
            }
            _ => od.doc.save_after(&od.saved_heads),
        };
        let had_pending = od.pending.is_some();
        let now = self.options.clock.wall().timestamp_millis();
        let result = (|| -> Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            if !chunk.is_empty() {
                documents::append_chunk(&tx, id, &chunk)?;
            }
            if had_pending {
                tx.prepare_cached("DELETE FROM pending_edits WHERE doc_id = ?1")?
                    .execute([&id.as_bytes()[..]])?;
            }
            if reindex {
                index::update(&tx, id, od.kind, &mut od.doc, now)?;
            } else if !od.dirty_notes.is_empty() {
                let notes = &od.notes;
                index::write_notes(
                    &tx,
                    id,
                    od.dirty_notes
                        .iter()
                        .filter_map(|k| notes.get(k).map(|(_, t)| (k.as_str(), t.as_str()))),
                )?;
            }
            extra(&tx)?;
            tx.commit()?;
            Ok(())
        })();
        match result {
            Ok(()) => {
                od.saved_heads = od.doc.get_heads();
                od.chunks_len += chunk.len();
                od.pending = None;
                od.dirty_notes.clear();
                self.unchecked_commits += 1;
                if self.unchecked_commits > 20_000 {
                    self.checkpoint()?;
                }
                Ok(())
            }
            Err(e) => {
                self.forget(id);
                Err(e)
            }
        }
    }

    fn forget(&mut self, id: DocumentId) {
        self.docs.remove(&id);
        self.recent.retain(|d| *d != id);
    }

    /// Turns a document's pending keystrokes into one durable change.
    pub(crate) fn fold(&mut self, id: DocumentId) -> Result<()> {
        match self.docs.get(&id) {
            Some(od) if od.pending.is_some() => self.persist(id, false, |_| Ok(())),
            _ => Ok(()),
        }
    }

    /// The open document with its pending keystrokes folded: what peers, exports and
    /// conflict lists must see.
    pub(crate) fn open_folded(&mut self, id: DocumentId, kind: DocKind) -> Result<&mut OpenDoc> {
        self.open_doc(id, kind)?;
        self.fold(id)?;
        Ok(self.docs.get_mut(&id).expect("opened above"))
    }

    /// Replaces the chunks by a fresh snapshot when they outweigh it.
    fn compact_if_due(&mut self, id: DocumentId) -> Result<()> {
        let Some(od) = self.docs.get_mut(&id) else { return Ok(()) };
        if od.pending.is_some() || od.chunks_len <= od.snapshot_len.max(4096) {
            return Ok(());
        }
        let snapshot = od.doc.save();
        let tx = self.conn.unchecked_transaction()?;
        documents::replace_with_snapshot(&tx, id, &snapshot)?;
        tx.commit()?;
        od.snapshot_len = snapshot.len();
        od.chunks_len = 0;
        od.saved_heads = od.doc.get_heads();
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        self.unchecked_commits = 0;
        Ok(())
    }

    /// Periodic upkeep, for the app's timer (about once a second): folds the keystrokes of
    /// documents that went idle, compacts documents whose chunks outweigh their snapshot and
    /// checkpoints the WAL, all off the keystroke path.
    pub fn tick(&mut self) -> Result<()> {
        let now = self.options.clock.now();
        let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
        for id in ids {
            let policy = self.policy_for(id);
            if self.docs[&id].pending.is_some_and(|p| p.due(&policy, now)) {
                self.fold(id)?;
            }
            self.compact_if_due(id)?;
            self.expire_orphans(id, now)?;
        }
        if self.unchecked_commits > 200 {
            self.checkpoint()?;
        }
        Ok(())
    }

    /// Changes waiting for dependencies live only in Automerge's memory queue. Once they
    /// have waited too long, or too many messages came meanwhile, the document is reloaded
    /// from disk, which drops them; a reconnect asks the peer for everything again.
    fn expire_orphans(&mut self, id: DocumentId, now: std::time::Instant) -> Result<()> {
        let Some(od) = self.docs.get(&id) else { return Ok(()) };
        let Some((since, messages)) = od.orphans else { return Ok(()) };
        if now.duration_since(since) < ORPHAN_TTL && messages < ORPHAN_MESSAGES {
            return Ok(());
        }
        self.fold(id)?;
        self.forget(id);
        let detail = format!("changes waited {} s for dependencies that never arrived", now.duration_since(since).as_secs());
        problems::record(&self.conn, id, ProblemKind::OrphanChanges, "changes", &detail, self.now_ms())
    }

    /// Folds every pending keystroke and compacts where due; the store is then fully
    /// checkpointed into Automerge changes.
    pub fn flush(&mut self) -> Result<()> {
        for id in self.undecoded_ids() {
            // Decoding replays and folds the keystrokes typed against the index.
            self.preload(id)?;
        }
        let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
        for id in ids {
            self.fold(id)?;
            self.compact_if_due(id)?;
        }
        self.checkpoint()
    }

    /// Flushes and closes; `Drop` does the same but can only ignore errors.
    pub fn close(mut self) -> Result<()> {
        self.flush()?;
        self.docs.clear();
        Ok(())
    }

    /// Problems met in what peers wrote, oldest first: values skipped by the readers,
    /// orphaned changes dropped, documents healed. `None` lists every document's.
    pub fn problems(&self, document: Option<DocumentId>) -> Result<Vec<Problem>> {
        problems::list(&self.conn, document)
    }

    pub fn quarantined(&self) -> Result<Vec<QuarantinedDocument>> {
        documents::quarantined(&self.conn)
    }

    /// Loads every document once, quarantining the ones that fail. Returns how many failed.
    pub fn verify(&mut self) -> Result<usize> {
        let ids: Vec<(Vec<u8>, String)> = {
            let mut q = self
                .conn
                .prepare("SELECT id, kind FROM documents WHERE quarantine_reason IS NULL")?;
            let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut failed = 0;
        for (id, kind) in ids {
            let (Ok(bytes), Some(kind)) = (<[u8; 16]>::try_from(id.as_slice()), DocKind::parse(&kind)) else {
                continue;
            };
            let id = DocumentId::from_bytes(bytes);
            if self.docs.contains_key(&id) {
                continue;
            }
            match self.open_doc(id, kind) {
                Ok(_) => {}
                Err(Error::Corrupt { .. }) => failed += 1,
                Err(e) => return Err(e),
            }
            self.forget(id);
        }
        Ok(failed)
    }

    pub(crate) fn is_open(&self, id: DocumentId) -> bool {
        self.docs.contains_key(&id)
    }

    /// The document's raw bytes (snapshot of its current state), for export to a peer.
    pub fn document_bytes(&mut self, id: DocumentId) -> Result<Vec<u8>> {
        let kind = self.kind_or_not_found(id)?;
        Ok(self.open_folded(id, kind)?.doc.save())
    }

    /// Takes in a document or changes from a peer (whole-document bytes or change chunks).
    /// Bytes that do not decode are rejected with a typed error and change nothing; a new
    /// document is stored under `id` if its root says what kind it is.
    pub fn apply_remote(&mut self, id: DocumentId, bytes: &[u8]) -> Result<()> {
        let malformed = |e: &dyn std::fmt::Display| Error::invalid(format!("malformed document bytes: {e}"));
        match documents::kind_of(&self.conn, id)? {
            Some((_, Some(reason))) => Err(Error::Quarantined { id, reason }),
            Some((kind, None)) => {
                // Automerge's incremental load silently skips what it cannot parse; decode
                // strictly first so damaged bytes are an error, not a partial merge.
                crate::sync::guard::check_chunks(bytes, &Default::default()).map_err(|e| malformed(&e))?;
                documents::validate_incoming(bytes).map_err(|e| malformed(&e))?;
                let od = self.open_folded(id, kind)?;
                let before = od.doc.get_heads();
                if let Err(e) = od.doc.load_incremental(bytes) {
                    // Nothing decoded is kept: reload from disk on next use.
                    self.forget(id);
                    return Err(malformed(&e));
                }
                if !od.doc.get_missing_deps(&[]).is_empty() {
                    self.forget(id);
                    return Err(Error::invalid("changes whose dependencies are missing"));
                }
                if od.doc.get_heads() == before {
                    return Ok(());
                }
                self.persist(id, true, |_| Ok(()))?;
                // Re-read the cached notes here, on the sync path, so the next keystroke does
                // not pay for materialising the merged text.
                refresh_notes_cache(self.docs.get_mut(&id).expect("opened"))?;
                self.notify(id, Origin::Remote);
                Ok(())
            }
            None => {
                crate::sync::guard::check_chunks(bytes, &Default::default()).map_err(|e| malformed(&e))?;
                let doc = documents::decode(id, bytes).map_err(|e| malformed(&e))?;
                let kind = kind_from_root(&doc)?;
                self.store_new(id, kind, doc, Origin::Remote)
            }
        }
    }

    /// The document's heads (hex change hashes) as of its last durable change.
    pub fn heads(&mut self, id: DocumentId) -> Result<Vec<String>> {
        let kind = self.kind_or_not_found(id)?;
        Ok(self.open_folded(id, kind)?.saved_heads.iter().map(|h| h.to_string()).collect())
    }

    /// The changes a peer that has `heads` lacks, as bytes for `apply_remote` (empty when it
    /// has everything). Unknown or malformed heads mean "send everything".
    pub fn changes_since(&mut self, id: DocumentId, heads: &[String]) -> Result<Vec<u8>> {
        let kind = self.kind_or_not_found(id)?;
        let od = self.open_folded(id, kind)?;
        let parsed: Vec<ChangeHash> = heads.iter().filter_map(|h| h.parse().ok()).collect();
        let known = parsed.len() == heads.len()
            && parsed.iter().all(|h| od.doc.get_change_by_hash(h).is_some());
        Ok(od.doc.save_after(if known { &parsed } else { &[] }))
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

/// What kind a document from a peer is, from its root's `type`.
pub(crate) fn kind_from_root(doc: &AutoCommit) -> Result<DocKind> {
    match doc.get(ObjId::Root, "type")? {
        Some((automerge::Value::Scalar(s), _)) => s.as_str().and_then(DocKind::parse),
        Some((automerge::Value::Object(ObjType::Text), t)) => DocKind::parse(&doc.text(&t)?),
        _ => None,
    }
    .ok_or_else(|| Error::invalid("the document does not say what kind it is"))
}

fn commit_options(now: chrono::DateTime<Utc>) -> automerge::transaction::CommitOptions {
    automerge::transaction::CommitOptions::default().with_time(now.timestamp())
}

/// Documents record which interviewer each actor is, so a conflict can name who wrote what.
fn register_author(doc: &mut AutoCommit, actor: &ActorId, who: &InterviewerId) -> Result<()> {
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
