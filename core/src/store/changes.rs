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
    /// This device's changes to `id` that are not in the history of `since`, oldest first,
    /// with the document's heads now. Pending keystrokes are folded first.
    pub(crate) fn own_changes_since(&mut self, id: DocumentId, since: &[ChangeHash]) -> Result<Option<(Vec<Change>, Vec<ChangeHash>)>> {
        let Some((kind, None)) = documents::kind_of(&self.conn, id)? else { return Ok(None) };
        let actor = self.actor.clone();
        let od = self.open_folded(id, kind)?;
        let known = since.iter().all(|h| od.doc.get_change_by_hash(h).is_some());
        let changes = od
            .doc
            .get_changes(if known { since } else { &[] })
            .into_iter()
            .filter(|c| *c.actor_id() == actor)
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
