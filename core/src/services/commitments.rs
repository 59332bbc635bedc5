//! Next-step commitments: noted by a panelist in the room, owned by one person with a
//! deadline, shown on the candidate's timeline, and surfaced across candidates while open,
//! overdue ones first.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{commitment, Commitment, DocKind};
use crate::store::Store;
use crate::timeline::not_in_future;

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCommitment {
    pub interview_id: DocumentId,
    pub candidate_id: DocumentId,
    /// Its position in the interview's list: what `complete_commitment` takes.
    pub index: u32,
    pub commitment: Commitment,
    pub overdue: bool,
}

impl Store {
    /// Notes a commitment made at `at`: `owner` does `text` by `due`.
    pub fn add_commitment(&mut self, interview: DocumentId, text: &str, owner: InterviewerId, due: DateTime<Utc>, at: DateTime<Utc>) -> Result<()> {
        if text.trim().is_empty() {
            return Err(Error::invalid("a commitment needs its text"));
        }
        not_in_future("a commitment", at, self.now())?;
        if due < at {
            return Err(Error::OutOfOrder { event: "a commitment's deadline", problem: "before it was made".into() });
        }
        let c = Commitment { text: text.trim().to_owned(), owner, due, noted_at: at, noted_by: Some(self.me().clone()), done_at: None };
        self.edit(interview, DocKind::Interview, |doc| commitment::add(doc, &c), |_| Ok(()))
    }

    /// Marks a commitment kept at `at`.
    pub fn complete_commitment(&mut self, interview: DocumentId, index: u32, at: DateTime<Utc>) -> Result<()> {
        not_in_future("a kept commitment", at, self.now())?;
        let i = self.interview(interview)?;
        let Some((_, c)) = i.commitments.iter().find(|(n, _)| *n == index as usize) else {
            return Err(Error::NotFound { kind: "commitment", id: index.to_string() });
        };
        if at < c.noted_at {
            return Err(Error::OutOfOrder { event: "a kept commitment", problem: "before it was made".into() });
        }
        self.edit(interview, DocKind::Interview, |doc| commitment::complete(doc, index as usize, at), |_| Ok(()))
    }

    /// Every open commitment on this store's interviews (`owner` narrows it), overdue first,
    /// then by deadline. From the index views: no document is decoded.
    pub fn open_commitments(&mut self, owner: Option<&InterviewerId>, now: DateTime<Utc>) -> Result<Vec<OpenCommitment>> {
        let ids: Vec<Vec<u8>> = {
            let mut q = self.conn().prepare_cached("SELECT id FROM idx_interviews")?;
            let rows = q.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for id in ids {
            let Ok(bytes) = <[u8; 16]>::try_from(id.as_slice()) else { continue };
            let id = DocumentId::from_bytes(bytes);
            let view = match self.interview_view(id) {
                Ok(v) => v,
                // One damaged interview must not hide the others' commitments.
                Err(Error::Corrupt { .. } | Error::Quarantined { .. } | Error::InvalidField { .. }) => continue,
                Err(e) => return Err(e),
            };
            for (index, c) in view.interview.commitments {
                if c.done_at.is_some() || owner.is_some_and(|o| *o != c.owner) {
                    continue;
                }
                out.push(OpenCommitment {
                    interview_id: id,
                    candidate_id: view.interview.candidate_id,
                    index: index as u32,
                    overdue: c.is_overdue(now),
                    commitment: c,
                });
            }
        }
        out.sort_by_key(|c| (!c.overdue, c.commitment.due));
        Ok(out)
    }
}
