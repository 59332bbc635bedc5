//! Documents on disk: a snapshot plus incremental chunks (the automerge-repo storage model).
//! Loading concatenates everything and calls Automerge once; compaction replaces the chunks
//! with a new snapshot in one transaction. A document that fails to load is quarantined: its
//! rows stay for recovery, and every other document keeps working.

use std::collections::HashMap;

use automerge::{AutoCommit, ChangeHash, LoadOptions, OnPartialLoad, TextEncoding};
use rusqlite::{params, Connection, OptionalExtension};

use super::DocKind;
use super::at_rest::{candidate_scope, document_scope, Vault};
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::QuarantineReason;

/// A document in memory with what the store knows about its durable form.
pub(crate) struct OpenDoc {
    pub doc: AutoCommit,
    pub kind: DocKind,
    /// Heads of everything already in a chunk or the snapshot; the next chunk is
    /// `save_after(saved_heads)`.
    pub saved_heads: Vec<ChangeHash>,
    pub snapshot_len: usize,
    pub chunks_len: usize,
    pub pending: Option<super::pending::PendingRun>,
    /// Per stage: the notes Text object and its current content, so each keystroke is
    /// validated without materialising the text.
    pub notes: HashMap<String, (automerge::ObjId, String)>,
    /// Stages typed in since the last fold, whose indexed notes need rewriting.
    pub dirty_notes: std::collections::BTreeSet<String>,
    pub actor_registered: bool,
    /// Since when changes from peers have waited for dependencies, and how many messages
    /// have arrived since; they are dropped (with a problem) once either is too large.
    pub orphans: Option<(std::time::Instant, u32)>,
}

/// What a snapshot or chunk is bound to when sealed (with its document's id).
const SNAPSHOT: &str = "documents.snapshot";
const CHUNK: &str = "chunks.bytes";

pub(crate) struct StoredDoc {
    pub kind: DocKind,
    pub bytes: Vec<u8>,
    pub snapshot_len: usize,
    pub chunks_len: usize,
}

pub(crate) fn kind_of(conn: &Connection, id: DocumentId) -> Result<Option<(DocKind, Option<String>)>> {
    // Asked on every keystroke and sync step: keep the parsed statement.
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT kind, quarantine_reason FROM documents WHERE id = ?1")?
        .query_row([&id.as_bytes()[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Ok(None),
        Some((k, q)) => Ok(Some((
            DocKind::parse(&k).ok_or_else(|| Error::Corrupt {
                id,
                reason: format!("unknown document kind {k:?}"),
            })?,
            q,
        ))),
    }
}

pub(crate) fn read(conn: &Connection, at_rest: &Vault, id: DocumentId) -> Result<StoredDoc> {
    let key = &id.as_bytes()[..];
    let (kind, snapshot, quarantine): (String, Vec<u8>, Option<String>) = conn
        .query_row(
            "SELECT kind, snapshot, quarantine_reason FROM documents WHERE id = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "document",
            id: id.to_string(),
        })?;
    if let Some(reason) = quarantine {
        return Err(Error::Quarantined { id, reason });
    }
    let kind = DocKind::parse(&kind).ok_or_else(|| Error::Corrupt {
        id,
        reason: format!("unknown document kind {kind:?}"),
    })?;
    // Lengths are of what is stored, so a decode made elsewhere can check it is current.
    let snapshot_len = snapshot.len();
    let mut bytes = at_rest.open_bytes(conn, SNAPSHOT, key, snapshot)?;
    let mut chunks_len = 0;
    let mut q = conn.prepare_cached("SELECT bytes FROM chunks WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = q.query([key])?;
    while let Some(row) = rows.next()? {
        let chunk: Vec<u8> = row.get(0)?;
        chunks_len += chunk.len();
        bytes.extend_from_slice(&at_rest.open_bytes(conn, CHUNK, key, chunk)?);
    }
    Ok(StoredDoc {
        kind,
        bytes,
        snapshot_len,
        chunks_len,
    })
}

/// The stored sizes of a document (snapshot, chunks), or `None` if it is gone or quarantined:
/// how a decode made elsewhere checks that it is still current.
pub(crate) fn stored_lens(conn: &Connection, id: DocumentId) -> Result<Option<(usize, usize)>> {
    let key = &id.as_bytes()[..];
    Ok(conn
        .prepare_cached(
            "SELECT length(snapshot), (SELECT COALESCE(SUM(length(bytes)), 0) FROM chunks WHERE doc_id = ?1)
             FROM documents WHERE id = ?1 AND quarantine_reason IS NULL",
        )?
        .query_row([key], |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)))
        .optional()?)
}

/// One Automerge call over snapshot and chunks together (one call per chunk is orders of
/// magnitude slower). Any damage, including a change whose dependencies are missing, is
/// reported as corruption.
pub(crate) fn decode(id: DocumentId, bytes: &[u8]) -> Result<AutoCommit> {
    let mut doc = AutoCommit::load_with_options(
        bytes,
        LoadOptions::new()
            .on_partial_load(OnPartialLoad::Error)
            .text_encoding(TextEncoding::Utf16CodeUnit),
    )
    .map_err(|e| Error::Corrupt {
        id,
        reason: e.to_string(),
    })?;
    if !doc.get_missing_deps(&[]).is_empty() {
        return Err(Error::Corrupt {
            id,
            reason: crate::model::problem::MISSING_DEPENDENCIES.into(),
        });
    }
    Ok(doc)
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Checks bytes from outside (a peer) chunk by chunk: every chunk must be a whole, checksummed
/// document or change. Automerge's incremental load would silently skip a damaged tail, and
/// a change chunk cannot be loaded on its own when its dependencies live elsewhere.
pub(crate) fn validate_incoming(bytes: &[u8]) -> std::result::Result<usize, String> {
    let mut rest = bytes;
    let mut chunks = 0;
    while !rest.is_empty() {
        if rest.len() < 10 || rest[..4] != MAGIC {
            return Err("not an Automerge chunk".into());
        }
        // Header: magic, checksum (4), type (1), body length as unsigned LEB128.
        let (mut len, mut shift, mut i) = (0u64, 0u32, 9usize);
        loop {
            let b = *rest.get(i).ok_or("truncated chunk header")?;
            if shift > 56 {
                return Err("chunk length overflows".into());
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(i))
            .filter(|end| *end <= rest.len())
            .ok_or("truncated chunk")?;
        let chunk = &rest[..end];
        match rest[8] {
            0 => {
                AutoCommit::load_with_options(chunk, LoadOptions::new().on_partial_load(OnPartialLoad::Error))
                    .map_err(|e| e.to_string())?;
            }
            1 | 2 => {
                automerge::Change::try_from(chunk).map_err(|e| e.to_string())?;
            }
            t => return Err(format!("unknown chunk type {t}")),
        }
        chunks += 1;
        rest = &rest[end..];
    }
    Ok(chunks)
}

/// Marks a document unusable, keeping its bytes for salvage. The sync state agreed with
/// peers is dropped, so the next panel member met sends a whole healthy copy. `reason` is the
/// decoder's message; the row keeps its stable code, which the apps localise.
pub(crate) fn quarantine(conn: &Connection, id: DocumentId, reason: &str, now_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE documents SET quarantine_reason = ?2, quarantined_at = ?3 WHERE id = ?1",
        params![&id.as_bytes()[..], QuarantineReason::parse(reason).code(), now_ms],
    )?;
    conn.execute("DELETE FROM sync_states WHERE doc_id = ?1", [&id.as_bytes()[..]])?;
    Ok(())
}

/// A quarantined document's stored bytes (snapshot, then chunks), for salvage.
pub(crate) fn quarantined_bytes(conn: &Connection, at_rest: &Vault, id: DocumentId) -> Result<Vec<u8>> {
    let key = &id.as_bytes()[..];
    let snapshot: Vec<u8> = conn.query_row("SELECT snapshot FROM documents WHERE id = ?1", [key], |r| r.get(0))?;
    let mut bytes = at_rest.open_bytes(conn, SNAPSHOT, key, snapshot)?;
    let mut q = conn.prepare_cached("SELECT bytes FROM chunks WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = q.query([key])?;
    while let Some(row) = rows.next()? {
        bytes.extend_from_slice(&at_rest.open_bytes(conn, CHUNK, key, row.get(0)?)?);
    }
    Ok(bytes)
}

/// Replaces a quarantined document by a verified healthy copy and lifts the quarantine.
pub(crate) fn restore(conn: &Connection, at_rest: &Vault, id: DocumentId, snapshot: &[u8]) -> Result<()> {
    replace_with_snapshot(conn, at_rest, id, snapshot)?;
    conn.execute(
        "UPDATE documents SET quarantine_reason = NULL, quarantined_at = NULL WHERE id = ?1",
        [&id.as_bytes()[..]],
    )?;
    Ok(())
}

pub(crate) fn insert_new(conn: &Connection, at_rest: &Vault, id: DocumentId, kind: DocKind, snapshot: &[u8]) -> Result<()> {
    let scope = match kind {
        DocKind::Candidate => candidate_scope(&id),
        _ => document_scope(conn, id)?,
    };
    let sealed = at_rest.seal_bytes(conn, scope, SNAPSHOT, &id.as_bytes()[..], snapshot)?;
    conn.execute(
        "INSERT INTO documents(id, kind, snapshot, chunk_bytes) VALUES (?1, ?2, ?3, 0)",
        params![&id.as_bytes()[..], kind.as_str(), sealed],
    )?;
    Ok(())
}

pub(crate) fn append_chunk(conn: &Connection, at_rest: &Vault, id: DocumentId, chunk: &[u8]) -> Result<()> {
    let key = &id.as_bytes()[..];
    let chunk = &at_rest.seal_bytes(conn, document_scope(conn, id)?, CHUNK, key, chunk)?[..];
    conn.prepare_cached("INSERT INTO chunks(doc_id, bytes) VALUES (?1, ?2)")?
        .execute(params![key, chunk])?;
    conn.prepare_cached("UPDATE documents SET chunk_bytes = chunk_bytes + ?2 WHERE id = ?1")?
        .execute(params![key, chunk.len() as i64])?;
    Ok(())
}

pub(crate) fn replace_with_snapshot(conn: &Connection, at_rest: &Vault, id: DocumentId, snapshot: &[u8]) -> Result<()> {
    let key = &id.as_bytes()[..];
    conn.execute(
        "UPDATE documents SET snapshot = ?2, chunk_bytes = 0 WHERE id = ?1",
        params![key, at_rest.seal_bytes(conn, document_scope(conn, id)?, SNAPSHOT, key, snapshot)?],
    )?;
    conn.execute("DELETE FROM chunks WHERE doc_id = ?1", [key])?;
    Ok(())
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuarantinedDocument {
    pub id: DocumentId,
    pub kind: DocKind,
    pub reason: QuarantineReason,
    /// When it was quarantined.
    pub at: chrono::DateTime<chrono::Utc>,
}

pub(crate) fn quarantined(conn: &Connection) -> Result<Vec<QuarantinedDocument>> {
    let mut q = conn.prepare(
        "SELECT id, kind, quarantine_reason, quarantined_at FROM documents
         WHERE quarantine_reason IS NOT NULL ORDER BY quarantined_at",
    )?;
    let rows = q.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, reason, at) = row?;
        let (Ok(bytes), Some(kind)) = (<[u8; 16]>::try_from(id.as_slice()), DocKind::parse(&kind)) else { continue };
        out.push(QuarantinedDocument {
            id: DocumentId::from_bytes(bytes),
            kind,
            reason: QuarantineReason::parse(&reason),
            at: super::index::from_ms(at.unwrap_or(0)),
        });
    }
    Ok(out)
}
