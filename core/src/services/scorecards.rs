//! Scorecards: a draft stays on this device until submitted; then it is sealed by
//! encryption, and others' open to you once yours is in and the lead's phone has released
//! their keys to your device.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::{scorecard, DocKind, ScorecardDraft, ScorecardSeal, ScorecardView, SealReason, SealState};
use crate::trust::scorecard_keys::Opening;
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

    /// Submits this panelist's draft: sealed on this device (`trust::sealed_card`) and written
    /// into the shared interview document as one immutable card; the draft is removed in the
    /// same transaction. Where this device is an admin's, the others' keys are released too.
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
        let card = self.seal_card(id, me.clone(), at.timestamp_millis(), &scorecard::plaintext(&draft))?;
        self.edit(
            id,
            DocKind::Interview,
            |doc| scorecard::write_sealed(doc, &me, card),
            |tx| {
                tx.execute(
                    "DELETE FROM scorecard_drafts WHERE interview_id = ?1",
                    [&id.as_bytes()[..]],
                )?;
                Ok(())
            },
        )?;
        self.release_scorecards(id)?;
        Ok(())
    }

    /// The submitted scorecards as this interviewer may see them: sealed until their own is
    /// in, and then those this device holds a key for.
    pub fn scorecards(&mut self, id: DocumentId) -> Result<ScorecardView> {
        let i = self.interview(id)?;
        let cards = self.open_cards(id)?;
        let submitted = cards.iter().map(|(c, _)| c.seat.clone()).collect();
        let open = cards
            .into_iter()
            .filter_map(|(_, o)| match o {
                Opening::Open(s) => Some(s),
                _ => None,
            })
            .collect();
        Ok(scorecard::view_for(self.me(), &i.panelists, submitted, open))
    }

    /// Each submitted scorecard with whether this viewer can read it and, if not, why: their
    /// own is not in yet, the lead's phone has not released its key to this device yet, or
    /// the card failed a check. The content is given only when open.
    pub fn scorecard_seals(&mut self, id: DocumentId) -> Result<Vec<ScorecardSeal>> {
        let i = self.interview(id)?;
        let me = self.me().clone();
        let mine_in = i.submitted.iter().any(|(w, _)| w == &me);
        let waiting = i.panelists.contains(&me) && !mine_in;
        let cards = self.open_cards(id)?;
        Ok(cards
            .into_iter()
            .map(|(c, o)| {
                let sealed = |reason| SealState::Sealed { reason };
                let (state, scorecard) = match o {
                    Opening::Refused(problem) => (sealed(SealReason::Refused { problem }), None),
                    _ if waiting && c.seat != me => (sealed(SealReason::WaitingForYourSubmission), None),
                    Opening::Open(s) => (SealState::Open, Some(s)),
                    Opening::NoKey => (sealed(SealReason::WaitingForRelease { by_seat: i.lead.clone() }), None),
                };
                ScorecardSeal { interviewer: c.seat, submitted_at: c.submitted_at, state, scorecard }
            })
            .collect())
    }
}
