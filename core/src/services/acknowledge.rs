//! The acknowledgement queue: applicants nobody has acknowledged yet, oldest first, each
//! flagged once it has waited longer than the team's target (24 hours unless the team says
//! otherwise). The playbook's first speed rule, as a list to work through.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use crate::error::Result;
use crate::ids::DocumentId;
use crate::store::Store;
use crate::timeline::{CandidateStatus, TimelineKind};
use crate::model::CandidateEventKind;

/// The default time to acknowledge an application.
pub const ACKNOWLEDGE_TARGET: Duration = Duration::hours(24);

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcknowledgementFilter {
    /// Only this role (compared without case).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub role: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub status: Option<CandidateStatus>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwaitingAcknowledgement {
    pub candidate_id: DocumentId,
    pub name: String,
    pub role: String,
    pub status: CandidateStatus,
    pub applied_at: DateTime<Utc>,
    pub waiting: Duration,
    pub over_target: bool,
}

impl Store {
    /// Open applications with no acknowledgement, oldest first, as of `now`.
    pub fn acknowledgement_queue(&self, filter: &AcknowledgementFilter, target: Duration, now: DateTime<Utc>) -> Result<Vec<AwaitingAcknowledgement>> {
        let mut q = self.conn().prepare_cached(
            "SELECT id, name, role, status, applied_at FROM (
                SELECT c.id, pn_open('idx_candidates.name', c.id, c.name) AS name,
                       pn_open('idx_candidates.role', c.id, c.role) AS role,
                       pn_open('idx_candidates.status', c.id, c.status) AS status, c.applied_at
                FROM idx_candidates c
                WHERE c.closed = 0
                  AND NOT EXISTS (SELECT 1 FROM idx_events e WHERE e.candidate_id = c.id
                                  AND pn_open('idx_events.kind', e.source_doc, e.kind) = ?1))
             WHERE (?2 IS NULL OR role = ?2 COLLATE NOCASE)
               AND (?3 IS NULL OR status = ?3)
             ORDER BY applied_at, id",
        )?;
        let ack = TimelineKind::Candidate(CandidateEventKind::Acknowledged).as_str();
        let rows = q.query_map(params![ack, filter.role.as_deref().map(str::trim), filter.status.map(|s| s.as_str())], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, status, applied) = row?;
            // A row this build cannot read (a newer status, a bad id) is left out of the queue.
            let (Ok(id), Some(status), Some(applied_at)) =
                (<[u8; 16]>::try_from(id.as_slice()), CandidateStatus::parse(&status), DateTime::from_timestamp_millis(applied))
            else {
                continue;
            };
            let waiting = (now - applied_at).max(Duration::zero());
            out.push(AwaitingAcknowledgement {
                candidate_id: DocumentId::from_bytes(id),
                name,
                role,
                status,
                applied_at,
                waiting,
                over_target: waiting > target,
            });
        }
        Ok(out)
    }
}
