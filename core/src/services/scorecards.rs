//! Scorecards: a draft stays on this device until submitted; others' stay sealed until
//! yours is in.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::{interview, scorecard, DocKind, ScorecardDraft, ScorecardView};
use crate::store::Store;
use crate::timeline::not_in_future;

impl Store {
    /// Saves this panelist's draft. Drafts are local: they never enter a shared document.
    pub fn save_scorecard_draft(&mut self, id: DocumentId, draft: ScorecardDraft) -> Result<()> {
        draft.validate()?;
        self.require_panelist(id)?;
        self.conn().execute(
            "INSERT INTO scorecard_drafts(interview_id, draft, updated_at)
             VALUES (?1, pn_seal((SELECT candidate_id FROM idx_interviews WHERE id = ?1), 'scorecard_drafts.draft', ?1, ?2), ?3)
             ON CONFLICT(interview_id) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at",
            params![
                &id.as_bytes()[..],
                serde_json::to_string(&draft).expect("plain struct serializes"),
                self.now_ms()
            ],
        )?;
        Ok(())
    }

    pub fn scorecard_draft(&mut self, id: DocumentId) -> Result<Option<ScorecardDraft>> {
        let raw: Option<String> = self
            .conn()
            .query_row(
                "SELECT pn_open('scorecard_drafts.draft', interview_id, draft) FROM scorecard_drafts WHERE interview_id = ?1",
                [&id.as_bytes()[..]],
                |r| r.get(0),
            )
            .optional()?;
        match raw {
            None => Ok(None),
            Some(s) => serde_json::from_str(&s).map(Some).map_err(|e| Error::Corrupt {
                id,
                reason: format!("unreadable scorecard draft: {e}"),
            }),
        }
    }

    /// Submits this panelist's draft into the shared interview document; the draft is
    /// removed in the same transaction.
    pub fn submit_scorecard(&mut self, id: DocumentId, at: DateTime<Utc>) -> Result<()> {
        let i = self.require_panelist(id)?;
        if i.ended_at.is_none_or(|end| at < end) {
            return Err(Error::OutOfOrder { event: "a scorecard", problem: "before the end of the interview".into() });
        }
        not_in_future("a scorecard", at, self.now())?;
        let draft = self
            .scorecard_draft(id)?
            .ok_or_else(|| Error::invalid("there is no draft scorecard to submit"))?;
        draft.check_complete()?;
        let me = self.me().clone();
        self.edit(
            id,
            DocKind::Interview,
            |doc| scorecard::write_submitted(doc, &me, &draft, at),
            |tx| {
                tx.execute(
                    "DELETE FROM scorecard_drafts WHERE interview_id = ?1",
                    [&id.as_bytes()[..]],
                )?;
                Ok(())
            },
        )
    }

    /// The submitted scorecards as this interviewer may see them (sealed until their own is in).
    pub fn scorecards(&mut self, id: DocumentId) -> Result<ScorecardView> {
        let i = self.interview(id)?;
        let od = self.open_doc(id, DocKind::Interview)?;
        let submitted = interview::submitted_scorecards(&od.doc, id)?;
        Ok(scorecard::view_for(self.me(), &i.panelists, submitted))
    }
}
