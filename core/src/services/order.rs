//! The checks a new event passes before this store writes it: dated no later than the
//! store's clock allows, in order on the candidate's timeline, and recorded by someone
//! allowed to. (The trust layer holds peers to the same roles; what a peer recorded out of
//! order is flagged on the timeline instead.)

use chrono::{DateTime, Utc};

use crate::store::Store;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::timeline::{check_new, TimelineEntry, TimelineKind};

impl Store {
    /// Checks an event of `kind` at `at` against the candidate's timeline as indexed. A
    /// candidate not indexed here yet (its interview arrived first) has nothing to check
    /// against but the clock.
    pub(crate) fn check_event(
        &self,
        candidate: DocumentId,
        kind: TimelineKind,
        at: DateTime<Utc>,
        interview: Option<DocumentId>,
    ) -> Result<()> {
        let new = TimelineEntry {
            at,
            kind,
            interview_id: interview,
            actor: Some(self.me().clone()),
            detail: None,
            problem: None,
        };
        let entries = match self.timeline(candidate) {
            Ok(t) => t.entries,
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        check_new(&entries, &new, self.now())
    }

    /// The candidate's lead alone books and holds the debrief and records the decision.
    /// Once a panel of the candidate had its lead transferred, that roster says who leads:
    /// a current device of its lead seat does, and this device, if it is on it otherwise,
    /// does not, whatever the candidate document still names.
    pub(crate) fn require_lead(&mut self, candidate: DocumentId, what: &str) -> Result<()> {
        let lead = self.candidate(candidate)?.lead;
        let me = self.device().signing;
        let mut on_transferred = false;
        for id in self.rosters()? {
            let roster = self.roster(&id)?;
            let transferred = roster.entries().iter().any(|e| matches!(e.action, crate::trust::roster::Action::TransferLead { .. }));
            if transferred && roster.state().documents.contains_key(&candidate) {
                if roster.state().is_lead(&me) {
                    return Ok(());
                }
                on_transferred |= roster.state().current(&me).is_some();
            }
        }
        if lead.as_ref() == Some(self.me()) && !on_transferred {
            return Ok(());
        }
        Err(Error::NotPermitted(match lead {
            Some(l) => format!("only the candidate's lead ({l}) {what}"),
            None => format!("only the candidate's lead {what}, and this candidate names none"),
        }))
    }
}
