//! Changes one at a time, for trust's envelopes: this device's own changes a peer has not
//! been sent, whether a peer's run can be applied yet, and applying a run that trust has
//! checked (durable and indexed when this returns, like every remote change).

use automerge::{AutoCommit, Change, ChangeHash, TextEncoding};

use super::{documents, refresh_notes_cache, Origin, Store};
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::DocKind;

/// What applying a run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Changed,
    /// Every change was already here.
    Unchanged,
    /// Some change depends on one this store does not have: nothing was applied.
    MissingDependencies,
}

impl Store {
    /// Whether `id` names a mailbox this device expects (trust registers them from rosters,
    /// and the join-box documents of a join through the relay).
    pub(crate) fn is_expected_mailbox(&self, id: DocumentId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM mailboxes WHERE doc_id = ?1 UNION ALL SELECT 1 FROM join_box_docs WHERE doc_id = ?1")?
            .exists([&id.as_bytes()[..]])?)
    }

    /// The changes to `id` that are not in the history of `since` and that `keep` wants by
    /// their actor (this device's own, say), oldest first, with the document's heads now.
    /// Pending keystrokes are folded first.
    pub(crate) fn changes_for_envelopes(
        &mut self,
        id: DocumentId,
        since: &[ChangeHash],
        keep: impl Fn(&automerge::ActorId, &automerge::ActorId) -> bool,
    ) -> Result<Option<(Vec<Change>, Vec<ChangeHash>)>> {
        let Some((kind, None)) = documents::kind_of(&self.conn, id)? else { return Ok(None) };
        let actor = self.actor.clone();
        let od = self.open_folded(id, kind)?;
        let known = since.iter().all(|h| od.doc.get_change_by_hash(h).is_some());
        let changes = od
            .doc
            .get_changes(if known { since } else { &[] })
            .into_iter()
            .filter(|c| keep(c.actor_id(), &actor))
            .collect();
        Ok(Some((changes, od.doc.get_heads())))
    }

    /// Runs `f` on the document as it is here, or on an empty one when it is not here yet.
    pub(crate) fn read_document<T>(&mut self, id: DocumentId, kind: DocKind, f: impl FnOnce(&mut AutoCommit) -> T) -> Result<T> {
        match documents::kind_of(&self.conn, id)? {
            Some((_, Some(reason))) => Err(Error::Quarantined { id, reason }),
            Some((have, None)) if have != kind => Err(Error::invalid("the document is of another kind")),
            Some(_) => Ok(f(&mut self.open_folded(id, kind)?.doc)),
            None => Ok(f(&mut AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit))),
        }
    }

    /// Whether every dependency of `run` is here or earlier in the run.
    pub(crate) fn has_dependencies(&mut self, id: DocumentId, kind: DocKind, run: &[Change]) -> Result<bool> {
        let in_run: std::collections::HashSet<ChangeHash> = run.iter().map(|c| c.hash()).collect();
        self.read_document(id, kind, |doc| {
            run.iter().flat_map(|c| c.deps()).all(|d| in_run.contains(d) || doc.get_change_by_hash(d).is_some())
        })
    }

    /// Applies a checked run from a peer. A document new here is created from it when its
    /// root says it is of `kind`.
    pub(crate) fn apply_run(&mut self, id: DocumentId, kind: DocKind, run: Vec<Change>) -> Result<Applied> {
        if !self.has_dependencies(id, kind, &run)? {
            return Ok(Applied::MissingDependencies);
        }
        match documents::kind_of(&self.conn, id)? {
            Some(_) => {
                let od = self.open_folded(id, kind)?;
                let before = od.doc.get_heads();
                if let Err(e) = od.doc.apply_changes(run) {
                    self.forget(id);
                    return Err(Error::invalid(format!("a change did not apply: {e}")));
                }
                if od.doc.get_heads() == before {
                    return Ok(Applied::Unchanged);
                }
                self.persist(id, true, |_| Ok(()))?;
                refresh_notes_cache(self.docs.get_mut(&id).expect("opened"))?;
                self.notify(id, Origin::Remote);
                Ok(Applied::Changed)
            }
            None => {
                let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit).with_actor(self.actor.clone());
                doc.apply_changes(run).map_err(|e| Error::invalid(format!("a change did not apply: {e}")))?;
                if doc.get_heads().is_empty() {
                    return Ok(Applied::Unchanged);
                }
                if super::remote::kind_from_root(&doc)? != kind {
                    return Err(Error::invalid("the document is not of the kind the roster names"));
                }
                self.store_new(id, kind, doc, Origin::Remote)?;
                Ok(Applied::Changed)
            }
        }
    }
}

/// The key of a mailbox's `n`th item: fixed width, so keys sort in posting order.
fn mailbox_key(n: u64) -> String {
    format!("e{n:010}")
}

impl Store {
    /// Appends items to a mailbox this device owns, as `actor`, numbered from `from`, in one
    /// change. Creates the mailbox on its first post.
    pub(crate) fn append_to_mailbox(&mut self, id: DocumentId, actor: &automerge::ActorId, from: u64, items: &[Vec<u8>]) -> Result<()> {
        use automerge::transaction::Transactable;
        let put_all = |doc: &mut AutoCommit| -> Result<()> {
            for (n, item) in items.iter().enumerate() {
                doc.put(automerge::ROOT, mailbox_key(from + n as u64), automerge::ScalarValue::Bytes(item.clone()))?;
            }
            Ok(())
        };
        match documents::kind_of(&self.conn, id)? {
            None => {
                let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit).with_actor(actor.clone());
                put_all(&mut doc)?;
                doc.commit_with(self.commit_options());
                self.store_new(id, DocKind::Mailbox, doc, Origin::Local)
            }
            Some((_, Some(reason))) => Err(Error::Quarantined { id, reason }),
            Some(_) => {
                let od = self.open_folded(id, DocKind::Mailbox)?;
                od.doc.set_actor(actor.clone());
                put_all(&mut od.doc)?;
                self.persist(id, false, |_| Ok(()))
            }
        }
    }

    /// A mailbox's items from number `from` on, as its owner (`actor`) wrote them. They are
    /// read from the owner's own changes, not from the merged document: there, a later put
    /// under the same key by someone who learned the mailbox's id would hide the owner's item,
    /// and every item after it, from a phone that had not read it yet. What anyone else wrote
    /// never reaches an envelope check, let alone a document.
    pub(crate) fn mailbox_items(&mut self, id: DocumentId, actor: &automerge::ActorId, from: u64) -> Result<Vec<Vec<u8>>> {
        use automerge::legacy::{Key, ObjectId, OpType};
        let Some((_, None)) = documents::kind_of(&self.conn, id)? else { return Ok(Vec::new()) };
        let od = self.open_folded(id, DocKind::Mailbox)?;
        let mut items = std::collections::BTreeMap::new();
        for change in od.doc.get_changes(&[]).into_iter().filter(|c| c.actor_id() == actor) {
            // Legacy expansion asserts what loading already checked; a change that still trips
            // it gives nothing.
            let Ok(expanded) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change.decode())) else { continue };
            for op in expanded.operations {
                if let (ObjectId::Root, Key::Map(key), OpType::Put(automerge::ScalarValue::Bytes(b))) = (op.obj, op.key, op.action) {
                    if let Some(n) = key.strip_prefix('e').filter(|n| n.len() == 10).and_then(|n| n.parse::<u64>().ok()) {
                        items.insert(n, b);
                    }
                }
            }
        }
        Ok((from..).map_while(|n| items.remove(&n)).collect())
    }
}
