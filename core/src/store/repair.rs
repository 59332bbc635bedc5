//! Repairing what a peer wrote wrongly. Readers already skip a bad value; a member may also
//! drop it from the document for everyone, as an ordinary edit that syncs like any other.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ReadDoc, Value};

use super::problems::ProblemKind;
use super::Store;
use crate::error::{Error, Result};
use crate::ids::DocumentId;

impl Store {
    /// Drops the value at `path`, which must be one `problems` lists for the document: the
    /// field itself, or the list item holding it when the field is missing (a question
    /// without `askedAt` goes as a whole).
    pub fn drop_invalid(&mut self, document: DocumentId, path: &str) -> Result<()> {
        let listed = self
            .problems(Some(document))?
            .iter()
            .any(|p| p.kind == ProblemKind::InvalidValue && p.path == path);
        if !listed {
            return Err(Error::invalid(format!("{path} is not a listed problem of document {document}")));
        }
        let kind = self.kind_or_not_found(document)?;
        self.edit(document, kind, |doc| drop_path(doc, path), |_| Ok(()))
    }
}

enum Step {
    Key(String),
    Index(usize),
}

/// Walks `path` from the root: `a.b[3].c`. Map keys may themselves contain dots (scorecards
/// are keyed by interviewer ids), so at each map the longest key that fits is taken.
fn walk(doc: &AutoCommit, path: &str) -> Result<Vec<(ObjId, Step)>> {
    let bad = || Error::invalid(format!("no value at {path}"));
    let mut chain = Vec::new();
    let mut obj = ObjId::Root;
    let mut rest = path;
    loop {
        let step = if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(bad)?;
            let n = r[..end].parse().map_err(|_| bad())?;
            rest = &r[end + 1..];
            Step::Index(n)
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let key = doc
                .keys(&obj)
                .filter(|k| r.starts_with(k.as_str()) && matches!(r.as_bytes().get(k.len()), None | Some(b'.') | Some(b'[')))
                .max_by_key(|k| k.len())
                // A missing last field: the path names it though the map lacks it.
                .or_else(|| (!r.contains(['.', '['])).then(|| r.to_owned()))
                .ok_or_else(bad)?;
            rest = &r[key.len()..];
            Step::Key(key)
        };
        let next = match &step {
            Step::Key(k) => doc.get(&obj, k.as_str())?,
            Step::Index(n) => doc.get(&obj, *n)?,
        };
        chain.push((obj.clone(), step));
        if rest.is_empty() {
            return Ok(chain);
        }
        match next {
            Some((Value::Object(_), id)) => obj = id,
            _ => return Err(bad()),
        }
    }
}

fn drop_path(doc: &mut AutoCommit, path: &str) -> Result<()> {
    let mut chain = walk(doc, path)?;
    let exists = |doc: &AutoCommit, (obj, step): &(ObjId, Step)| -> Result<bool> {
        Ok(match step {
            Step::Key(k) => doc.get(obj, k.as_str())?.is_some(),
            Step::Index(n) => doc.get(obj, *n)?.is_some(),
        })
    };
    // A field that is missing is dropped with the item that lacks it.
    while let Some(last) = chain.last() {
        if exists(doc, last)? {
            break;
        }
        chain.pop();
    }
    let (obj, step) = chain.pop().ok_or_else(|| Error::invalid(format!("no value at {path}")))?;
    match step {
        Step::Key(k) => doc.delete(&obj, k.as_str())?,
        Step::Index(n) => doc.delete(&obj, n)?,
    }
    Ok(())
}
