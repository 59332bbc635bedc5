//! Healing a quarantined document from a panel member that has it. The quarantined bytes
//! stay on disk while a copy arrives through ordinary sync (into a document held in memory
//! only); once the copy is whole, whatever of our own history still decodes is merged into
//! it, the result is checked to reload from its saved form, and only then does it replace
//! the damaged rows, in one transaction with its index rows.

use automerge::sync::{Message, State, SyncDoc};
use automerge::{AutoCommit, LoadOptions, OnPartialLoad, TextEncoding};

use super::problems::{self, ProblemKind};
use super::{documents, index, DocKind, Origin, Store};
use crate::error::{Error, Result};
use crate::ids::DocumentId;

impl Store {
    /// The sync message for a quarantined document: a request for everything.
    pub(crate) fn healing_sync_message(&mut self, id: DocumentId, state: &mut State) -> Option<Vec<u8>> {
        let doc = self.healing.entry(id).or_insert_with(new_doc);
        doc.sync().generate_sync_message(state).map(Message::encode)
    }

    /// Takes a peer's message into the healing copy; restores the document once the copy
    /// is complete. Returns whether it was restored.
    pub(crate) fn receive_healing(&mut self, id: DocumentId, kind: DocKind, state: &mut State, message: Message) -> Result<bool> {
        let doc = self.healing.entry(id).or_insert_with(new_doc);
        let received = doc.sync().receive_sync_message(state, message).map_err(|e| e.to_string());
        if let Err(e) = received {
            self.healing.remove(&id);
            return Err(Error::invalid(format!("sync message rejected: {e}")));
        }
        let doc = self.healing.get_mut(&id).expect("inserted above");
        if doc.get_heads().is_empty() || !doc.get_missing_deps(&[]).is_empty() {
            return Ok(false);
        }
        if super::remote::kind_from_root(doc)? != kind {
            self.healing.remove(&id);
            return Err(Error::invalid("the copy offered for a quarantined document is of another kind"));
        }
        let mut healed = self.healing.remove(&id).expect("present above");
        // Our own changes that still decode (edits the peer may not have) are kept.
        let damaged = documents::quarantined_bytes(self.conn(), &*self.at_rest, id)?;
        if let Ok(mut salvaged) = AutoCommit::load_with_options(
            &damaged,
            LoadOptions::new().on_partial_load(OnPartialLoad::Ignore).text_encoding(TextEncoding::Utf16CodeUnit),
        ) {
            let _ = healed.merge(&mut salvaged);
        }
        let snapshot = healed.save();
        // The repair is verified before the damaged bytes are replaced.
        let mut healed = documents::decode(id, &snapshot)?;
        let now = self.now_ms();
        let tx = self.conn().unchecked_transaction()?;
        documents::restore(&tx, &*self.at_rest, id, &snapshot)?;
        index::update(&tx, id, kind, &mut healed, now)?;
        problems::record(&tx, id, ProblemKind::Healed, "document", "restored from a panel member's copy", now)?;
        tx.commit()?;
        self.adopt(id, kind, healed, snapshot.len(), 0);
        self.notify(id, Origin::Remote);
        Ok(true)
    }
}

fn new_doc() -> AutoCommit {
    AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit)
}
