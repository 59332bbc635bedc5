//! The decision after the debrief: only the candidate's lead records it, in order on the
//! timeline.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::DocumentId;
use crate::model::{candidate, Decision, DocKind, Outcome};
use crate::store::Store;
use crate::timeline::TimelineKind;

impl Store {
    pub fn decide(
        &mut self,
        id: DocumentId,
        outcome: Outcome,
        at: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<()> {
        self.require_lead(id, "records the decision")?;
        self.check_event(id, TimelineKind::Decided(outcome), at, None)?;
        let d = Decision {
            outcome,
            at,
            by: Some(self.me().clone()),
            reason,
        };
        self.edit(id, DocKind::Candidate, |doc| candidate::set_decision(doc, &d), |_| Ok(()))
    }
}
