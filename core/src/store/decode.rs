//! Decoding off the writer. Decoding a long interview's Automerge document takes tens of
//! milliseconds (FACTS.md); the apps read what to decode under the writer's lock (fast),
//! decode with no lock held, and hand the result back (fast). Keystrokes typed meanwhile
//! went to the pending log against the index text and are applied when it is handed back.

use automerge::{AutoCommit, ObjId, ReadDoc};

use super::{documents, Store};
use crate::error::Result;
use crate::ids::DocumentId;
use crate::model::{interview, DocKind};

/// A document's stored bytes, read for decoding elsewhere.
pub struct Decoding {
    id: DocumentId,
    kind: DocKind,
    bytes: Vec<u8>,
    snapshot_len: usize,
    chunks_len: usize,
}

/// A decoded document, with its stage texts materialised, ready to hand back.
pub struct Decoded {
    id: DocumentId,
    kind: DocKind,
    doc: AutoCommit,
    snapshot_len: usize,
    chunks_len: usize,
    notes: Vec<(String, ObjId, String)>,
}

impl Decoding {
    pub fn id(&self) -> DocumentId {
        self.id
    }

    /// The slow part; needs no store. A document that does not decode is handed back as the
    /// error, and the writer's next use of it quarantines it as usual.
    pub fn decode(self) -> Result<Decoded> {
        let doc = documents::decode(self.id, &self.bytes)?;
        let mut notes = Vec::new();
        if self.kind == DocKind::Interview {
            if let Ok(found) = interview::read(&doc, self.id) {
                for stage in &found.stages {
                    if let Ok(Some(obj)) = interview::notes_obj(&doc, self.id, &stage.key) {
                        let text = doc.text(&obj)?;
                        notes.push((stage.key.clone(), obj, text));
                    }
                }
            }
        }
        Ok(Decoded { id: self.id, kind: self.kind, doc, snapshot_len: self.snapshot_len, chunks_len: self.chunks_len, notes })
    }
}

impl Store {
    /// What a background decode of `id` needs; `None` when it is decoded already.
    pub fn start_decode(&self, id: DocumentId) -> Result<Option<Decoding>> {
        if self.is_open(id) {
            return Ok(None);
        }
        let stored = documents::read(self.conn(), &*self.at_rest, id)?;
        Ok(Some(Decoding { id, kind: stored.kind, bytes: stored.bytes, snapshot_len: stored.snapshot_len, chunks_len: stored.chunks_len }))
    }

    /// Keeps a document decoded off the writer, unless it changed on disk or was opened
    /// meanwhile (then the decode is simply dropped), and applies the keystrokes logged
    /// since. Their fold waits for the usual pause.
    pub fn finish_decode(&mut self, decoded: Decoded) -> Result<()> {
        let id = decoded.id;
        if self.is_open(id) || documents::stored_lens(self.conn(), id)? != Some((decoded.snapshot_len, decoded.chunks_len)) {
            return Ok(());
        }
        self.adopt(id, decoded.kind, decoded.doc, decoded.snapshot_len, decoded.chunks_len);
        let od = self.docs.get_mut(&id).expect("adopted");
        for (stage, obj, text) in decoded.notes {
            od.notes.insert(stage, (obj, text));
        }
        self.replay_pending(id, false)?;
        self.evict_if_needed()
    }
}
