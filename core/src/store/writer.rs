//! The writer's document lifecycle: decoded documents kept in memory (least recently used
//! beyond the limit are dropped), every edit committed as one change and made durable with
//! its index rows in one transaction, keystrokes folded, chunks compacted, the WAL
//! checkpointed, all off the keystroke path where possible.

use automerge::{AutoCommit, TextEncoding};
use rusqlite::Transaction;

use super::documents::{self, OpenDoc};
use std::collections::HashMap;
use super::problems::{self, Problem, ProblemKind};
use super::{author_in, commit_options, index, refresh_notes_cache, register_author, Origin, QuarantinedDocument, Store, ORPHAN_MESSAGES, ORPHAN_TTL};
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::DocKind;

impl Store {
    // ---- document lifecycle -------------------------------------------------------------

    pub(crate) fn touch(&mut self, id: DocumentId) {
        if let Some(i) = self.recent.iter().position(|d| *d == id) {
            self.recent.remove(i);
        }
        self.recent.push(id);
    }

    pub(crate) fn evict_if_needed(&mut self) -> Result<()> {
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
    pub(crate) fn open_doc(&mut self, id: DocumentId, want: DocKind) -> Result<&mut OpenDoc> {
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

    pub(crate) fn load(&mut self, id: DocumentId) -> Result<()> {
        // The decoded document replaces what keystrokes were checked against.
        self.drop_undecoded(id);
        let stored = documents::read(&self.conn, &*self.at_rest, id)?;
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
        if let Err(e) = self.replay_lane(id) {
            // Its keystrokes stay in the lane's log for the next decode.
            self.forget(id);
            return Err(e);
        }
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
        documents::insert_new(&tx, &*self.at_rest, id, kind, &snapshot)?;
        index::update(&tx, id, kind, &mut doc, now)?;
        tx.commit()?;
        self.adopt(id, kind, doc, snapshot.len(), 0);
        self.evict_if_needed()?;
        self.notify(id, origin);
        Ok(())
    }

    /// Keeps a document that matches what is on disk (`snapshot_len` + `chunks_len` bytes)
    /// as an open document writing as this install's actor.
    pub(crate) fn adopt(&mut self, id: DocumentId, kind: DocKind, mut doc: AutoCommit, snapshot_len: usize, chunks_len: usize) {
        doc.set_actor(self.actor.clone());
        self.drop_undecoded(id);
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
    pub(crate) fn persist(
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
                documents::append_chunk(&tx, &*self.at_rest, id, &chunk)?;
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

    pub(crate) fn forget(&mut self, id: DocumentId) {
        self.docs.remove(&id);
        self.recent.retain(|d| *d != id);
    }

    /// Turns a document's pending keystrokes into one durable change.
    pub(crate) fn fold(&mut self, id: DocumentId) -> Result<()> {
        match self.docs.get(&id) {
            Some(od) if od.pending.is_some() => {
                self.persist(id, false, |_| Ok(()))?;
                // Folded keystrokes are not echoed to listeners, but they must still go out.
                self.change_signal.changed();
                Ok(())
            }
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
    pub(crate) fn compact_if_due(&mut self, id: DocumentId) -> Result<()> {
        let Some(od) = self.docs.get_mut(&id) else { return Ok(()) };
        if od.pending.is_some() || od.chunks_len <= od.snapshot_len.max(4096) {
            return Ok(());
        }
        let snapshot = od.doc.save();
        let tx = self.conn.unchecked_transaction()?;
        documents::replace_with_snapshot(&tx, &*self.at_rest, id, &snapshot)?;
        tx.commit()?;
        od.snapshot_len = snapshot.len();
        od.chunks_len = 0;
        od.saved_heads = od.doc.get_heads();
        Ok(())
    }

    pub(crate) fn checkpoint(&mut self) -> Result<()> {
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
    pub(crate) fn expire_orphans(&mut self, id: DocumentId, now: std::time::Instant) -> Result<()> {
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
}
