//! Conflicts: listing every value of a contested field with who wrote it and when, and
//! resolving by a person's pick, which is an ordinary edit that syncs and clears the conflict
//! on every peer. A pick names its value by a token (the op that wrote it), never by position:
//! a sync between listing and resolving may add, drop or reorder values, and a position would
//! then keep the wrong one silently.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, Value};
use chrono::{DateTime, Utc};

use super::{DocKind, Store};
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::conflict::{self, ConflictedValue};

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConflictValue {
    /// Names this value for `resolve_conflict`: opaque, stable for as long as the value stays
    /// among the field's values, and the same on every peer.
    pub token: String,
    /// The value, as data the apps render in their own words.
    pub value: ConflictedValue,
    /// The interviewer whose device wrote it, if that device said who it is.
    pub author: Option<InterviewerId>,
    /// When the value was said (the time given with it, as on the timeline), or else when
    /// the change that wrote it was made, by the writer's clock.
    pub at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub document: DocumentId,
    pub kind: DocKind,
    /// The field's path in the document, such as `logistics.salary` or `stageStarts.learn`.
    pub field: String,
    /// Every concurrent value, in Automerge's deterministic order (the same on every peer).
    pub values: Vec<ConflictValue>,
}

impl Store {
    /// The contested fields of one document.
    pub fn conflicts(&mut self, id: DocumentId) -> Result<Vec<Conflict>> {
        let kind = self.kind_or_not_found(id)?;
        let seats = super::authors::roster_seats(&self.conn)?;
        let od = self.open_folded(id, kind)?;
        let fields = conflict::scan(&od.doc, kind);
        let mut out = Vec::new();
        for (field, _) in fields {
            let Some((obj, key)) = conflict::parent_of(&od.doc, &field) else { continue };
            let values = od.doc.get_all(&obj, key)?;
            let values: Vec<(Value<'static>, automerge::ObjId)> =
                values.into_iter().map(|(v, id)| (v.into_owned(), id)).collect();
            let mut described = Vec::new();
            for (value, op) in &values {
                let data = conflict::value_of(&od.doc, id, &field, value, op);
                let (author, at) = match op {
                    automerge::ObjId::Id(_, actor, _) => {
                        let author = super::authors::author_of(&seats, &od.doc, &actor.to_hex_string());
                        let at = conflict::said_at(&od.doc, &field, value, op).or_else(|| {
                            od.doc
                                .hash_for_opid(op)
                                .and_then(|h| od.doc.get_change_by_hash(&h))
                                .and_then(|c| DateTime::from_timestamp(c.timestamp(), 0))
                        });
                        (author, at)
                    }
                    automerge::ObjId::Root => (None, None),
                };
                described.push(ConflictValue { token: conflict::token(&field, op), value: data, author, at });
            }
            out.push(Conflict {
                document: id,
                kind,
                field,
                values: described,
            });
        }
        Ok(out)
    }

    /// Every contested field in the store, found through the index.
    pub fn all_conflicts(&mut self) -> Result<Vec<Conflict>> {
        let ids: Vec<Vec<u8>> = {
            let mut q = self
                .conn()
                .prepare("SELECT DISTINCT doc_id FROM idx_conflicts ORDER BY doc_id")?;
            let rows = q.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for id in ids {
            let Ok(bytes) = <[u8; 16]>::try_from(id.as_slice()) else { continue };
            match self.conflicts(DocumentId::from_bytes(bytes)) {
                Ok(c) => out.extend(c),
                Err(Error::Quarantined { .. } | Error::Corrupt { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Resolves a conflict by keeping the value `token` names (from `conflicts`). The kept value
    /// is written again, superseding all the concurrent ones. A token whose value is no longer
    /// among the field's values (a sync landed since the listing) is `ConflictChanged`, and
    /// nothing is written.
    pub fn resolve_conflict(&mut self, id: DocumentId, field: &str, token: &str) -> Result<()> {
        let kind = self.kind_or_not_found(id)?;
        // Two devices of one seat submitted at once: both cards stay, the same one wins on
        // every phone, and writing either again would change a submitted card.
        if kind == DocKind::Interview && field.starts_with("scorecards.") {
            return Err(Error::ScorecardSubmitted { id });
        }
        if conflict::token_field(token) != Some(field) {
            return Err(Error::invalid(format!("that token names a value of another field than {field}")));
        }
        let changed = || Error::ConflictChanged { id, field: field.to_owned() };
        self.edit(
            id,
            kind,
            |doc| {
                let (obj, key) = conflict::parent_of(doc, field).ok_or_else(changed)?;
                let values = doc.get_all(&obj, key)?;
                let (value, op) = values
                    .iter()
                    .find(|(_, op)| conflict::token(field, op) == token)
                    .ok_or_else(changed)?;
                match value {
                    Value::Scalar(s) => {
                        let s = s.clone().into_owned();
                        doc.put(&obj, key, s)?;
                    }
                    Value::Object(_) => {
                        let hydrated = doc.hydrate(op, None)?;
                        doc.batch_create_object(&obj, key, &hydrated, false)?;
                    }
                }
                Ok(())
            },
            |_| Ok(()),
        )
    }
}

pub(crate) fn index_conflicts(conn: &rusqlite::Connection, id: DocumentId, kind: DocKind, doc: &automerge::AutoCommit) -> Result<()> {
    let key = &id.as_bytes()[..];
    conn.prepare_cached("DELETE FROM idx_conflicts WHERE doc_id = ?1")?
        .execute([key])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO idx_conflicts(doc_id, field, values_count) VALUES (?1, ?2, ?3)",
    )?;
    for (field, n) in conflict::scan(doc, kind) {
        insert.execute(rusqlite::params![key, field, n as i64])?;
    }
    Ok(())
}

