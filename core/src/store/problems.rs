//! Problems the store met in what peers wrote: a value of the wrong type (skipped by the
//! reader), changes whose dependencies never arrived, a document healed from a peer. Each
//! names the document and the path, and where it can, the author and when they wrote it,
//! never the value itself (it may be candidate data). A problem crosses to the apps as its
//! kind and those fields, never as a sentence: the apps say it in their own words. The
//! `detail` column keeps a developer's note of what was expected, read by no one but a
//! person debugging a store.

use automerge::{AutoCommit, ObjId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::index::{from_ms, ms};
use crate::error::Result;
use crate::ids::{DocumentId, InterviewerId};
use crate::model::FieldProblem;

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A field or list item had the wrong type or lacked what it needs; readers skip it.
    InvalidValue,
    /// Changes from a peer waited for dependencies that never arrived and were dropped.
    OrphanChanges,
    /// The document was quarantined and has been restored from a panel member's copy.
    Healed,
}

impl ProblemKind {
    fn as_str(self) -> &'static str {
        match self {
            ProblemKind::InvalidValue => "invalid_value",
            ProblemKind::OrphanChanges => "orphan_changes",
            ProblemKind::Healed => "healed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [ProblemKind::InvalidValue, ProblemKind::OrphanChanges, ProblemKind::Healed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub document: DocumentId,
    pub kind: ProblemKind,
    /// The field's path (`questions[3].askedAt`), or what the problem concerns (`notes`,
    /// `changes`, `document`).
    pub path: String,
    /// The Automerge actor (hex) that wrote the value, when known.
    pub actor: Option<String>,
    /// The interviewer that actor belongs to, when the document says.
    pub author: Option<InterviewerId>,
    /// When the value was written, by its author's clock.
    pub written_at: Option<DateTime<Utc>>,
    /// When this store first met the problem.
    pub seen_at: DateTime<Utc>,
}

/// Replaces a document's invalid-value problems by those of its latest read, keeping when
/// each was first seen.
pub(crate) fn record_fields(conn: &Connection, id: DocumentId, doc: &mut AutoCommit, found: &[FieldProblem], now: i64) -> Result<()> {
    let key = &id.as_bytes()[..];
    let kind = ProblemKind::InvalidValue.as_str();
    if found.is_empty() {
        conn.prepare_cached("DELETE FROM problems WHERE doc_id = ?1 AND kind = ?2")?
            .execute(params![key, kind])?;
        return Ok(());
    }
    let seats = super::authors::roster_seats(conn)?;
    let mut seen = std::collections::HashMap::new();
    {
        let mut q = conn.prepare_cached("SELECT path, seen_at FROM problems WHERE doc_id = ?1 AND kind = ?2")?;
        let rows = q.query_map(params![key, kind], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (p, t) = row?;
            seen.insert(p, t);
        }
    }
    conn.prepare_cached("DELETE FROM problems WHERE doc_id = ?1 AND kind = ?2")?
        .execute(params![key, kind])?;
    for p in found {
        let (actor, author, written_at) = match &p.op {
            Some(op) => origin(&seats, doc, op),
            None => (None, None, None),
        };
        conn.prepare_cached(
            "INSERT OR REPLACE INTO problems(doc_id, kind, path, detail, actor, author, written_at, seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            key,
            kind,
            p.path,
            p.expected,
            actor,
            author.as_ref().map(|a| a.as_str()),
            written_at.map(ms),
            seen.get(&p.path).copied().unwrap_or(now)
        ])?;
    }
    Ok(())
}

/// Records one problem about a whole document (orphans, healing).
pub(crate) fn record(conn: &Connection, id: DocumentId, kind: ProblemKind, path: &str, detail: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO problems(doc_id, kind, path, detail, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(doc_id, kind, path) DO UPDATE SET detail = excluded.detail, seen_at = excluded.seen_at",
    )?
    .execute(params![&id.as_bytes()[..], kind.as_str(), path, detail, now])?;
    Ok(())
}

pub(crate) fn list(conn: &Connection, only: Option<DocumentId>) -> Result<Vec<Problem>> {
    let mut q = conn.prepare_cached(
        "SELECT doc_id, kind, path, actor, author, written_at, seen_at FROM problems
         WHERE ?1 IS NULL OR doc_id = ?1 ORDER BY seen_at, doc_id, path",
    )?;
    let rows = q.query_map([only.map(|d| d.as_bytes().to_vec())], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (doc, kind, path, actor, author, written_at, seen_at) = row?;
        let (Ok(doc), Some(kind)) = (<[u8; 16]>::try_from(doc.as_slice()), ProblemKind::parse(&kind)) else {
            continue;
        };
        out.push(Problem {
            document: DocumentId::from_bytes(doc),
            kind,
            path,
            actor,
            author: author.and_then(|a| InterviewerId::new(a).ok()),
            written_at: written_at.map(from_ms),
            seen_at: from_ms(seen_at),
        });
    }
    Ok(out)
}

/// Who wrote the op and when: its actor, the interviewer its roster seat (or, with no roster,
/// the document) names for that actor,
/// and the time of the change that holds it. Walks the history, which is fine for the rare
/// document with a problem.
fn origin(seats: &super::authors::RosterSeats, doc: &mut AutoCommit, op: &ObjId) -> (Option<String>, Option<InterviewerId>, Option<DateTime<Utc>>) {
    let ObjId::Id(counter, actor, _) = op else {
        return (None, None, None);
    };
    let hex = actor.to_hex_string();
    let author = super::authors::author_of(seats, doc, &hex);
    let at = doc
        .get_changes(&[])
        .into_iter()
        .find(|c| c.actor_id() == actor && c.start_op().get() <= *counter && *counter < c.start_op().get() + c.len() as u64)
        .and_then(|c| chrono::TimeZone::timestamp_opt(&Utc, c.timestamp(), 0).single());
    (Some(hex), author, at)
}
