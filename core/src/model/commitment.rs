//! Next-step commitments captured in the room: who does what by when ("the lead replies by
//! Thursday"). A list in the interview document, appended to by any panelist; a commitment is
//! kept, never deleted, and marked done with the time. Additive: older builds ignore it.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schema::{ts, Reader};
use crate::error::{Error, Result};
use crate::ids::InterviewerId;

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub text: String,
    pub owner: InterviewerId,
    pub due: DateTime<Utc>,
    pub noted_at: DateTime<Utc>,
    pub noted_by: Option<InterviewerId>,
    pub done_at: Option<DateTime<Utc>>,
}

impl Commitment {
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.done_at.is_none() && now > self.due
    }
}

pub(crate) fn add(doc: &mut AutoCommit, c: &Commitment) -> Result<()> {
    let list = match doc.get(ObjId::Root, "commitments")? {
        Some((automerge::Value::Object(ObjType::List), id)) => id,
        _ => doc.put_object(ObjId::Root, "commitments", ObjType::List)?,
    };
    let n = doc.length(&list);
    let m = doc.insert_object(&list, n, ObjType::Map)?;
    doc.put(&m, "text", c.text.as_str())?;
    doc.put(&m, "owner", c.owner.as_str())?;
    doc.put(&m, "due", ts(c.due))?;
    doc.put(&m, "notedAt", ts(c.noted_at))?;
    if let Some(by) = &c.noted_by {
        doc.put(&m, "by", by.as_str())?;
    }
    Ok(())
}

/// Marks the `index`th commitment (as `read` lists them) done.
pub(crate) fn complete(doc: &mut AutoCommit, index: usize, at: DateTime<Utc>) -> Result<()> {
    let Some((automerge::Value::Object(ObjType::List), list)) = doc.get(ObjId::Root, "commitments")? else {
        return Err(Error::NotFound { kind: "commitment", id: index.to_string() });
    };
    match doc.get(&list, index)? {
        Some((automerge::Value::Object(ObjType::Map), m)) => Ok(doc.put(&m, "doneAt", ts(at))?),
        _ => Err(Error::NotFound { kind: "commitment", id: index.to_string() }),
    }
}

/// The commitments in list order; one a peer wrote badly is skipped and reported. Its index
/// is its position in the document's list, so `complete` finds the same one.
pub(crate) fn read(r: &Reader<'_>) -> Result<Vec<(usize, Commitment)>> {
    let Some(list) = r.or(r.list(&ObjId::Root, "commitments", "commitments"), None)? else {
        return Ok(Vec::new());
    };
    r.each(r.list_maps(&list, "commitments")?, |_, (i, m)| {
        let path = format!("commitments[{i}]");
        let need = |what: &'static str, p: &str| Error::InvalidField { id: r.id, path: format!("{path}.{p}"), expected: what };
        Ok((
            i,
            Commitment {
                text: r.str(&m, "text", &format!("{path}.text"))?.unwrap_or_default(),
                owner: r.interviewer(&m, "owner", &format!("{path}.owner"))?.ok_or_else(|| need("an interviewer id (missing)", "owner"))?,
                due: r.time(&m, "due", &format!("{path}.due"))?.ok_or_else(|| need("a timestamp (missing)", "due"))?,
                noted_at: r.time(&m, "notedAt", &format!("{path}.notedAt"))?.ok_or_else(|| need("a timestamp (missing)", "notedAt"))?,
                noted_by: r.or(r.interviewer(&m, "by", &format!("{path}.by")), None)?,
                done_at: r.or(r.time(&m, "doneAt", &format!("{path}.doneAt")), None)?,
            },
        ))
    })
}
