//! Whole documents and change chunks exchanged outside the sync protocol (export to a peer,
//! the relay's first load): bytes from a peer are checked before Automerge sees them.

use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc};

use super::{documents, refresh_notes_cache, Origin, Store};
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::DocKind;

/// A whole document from a peer (an epoch snapshot's `save()`), loaded only within the
/// guard's caps; `None` for anything the guard or Automerge refuse.
pub(crate) fn load_untrusted(bytes: &[u8]) -> Option<AutoCommit> {
    crate::guard::check_chunks(bytes, &Default::default()).ok()?;
    std::panic::catch_unwind(|| AutoCommit::load(bytes)).ok()?.ok()
}

impl Store {
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
                crate::guard::check_chunks(bytes, &Default::default()).map_err(|e| malformed(&e))?;
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
                crate::guard::check_chunks(bytes, &Default::default()).map_err(|e| malformed(&e))?;
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
}

/// What kind a document from a peer is, from its root's `type`.
pub(crate) fn kind_from_root(doc: &AutoCommit) -> Result<DocKind> {
    match doc.get(ObjId::Root, "type")? {
        Some((automerge::Value::Scalar(s), _)) => s.as_str().and_then(DocKind::parse),
        Some((automerge::Value::Object(ObjType::Text), t)) => DocKind::parse(&doc.text(&t)?),
        _ => None,
    }
    // A mailbox is one because this device expects it (trust names them), never because a
    // peer's document says so.
    .filter(|k| *k != DocKind::Mailbox)
    .ok_or_else(|| Error::invalid("the document does not say what kind it is"))
}
