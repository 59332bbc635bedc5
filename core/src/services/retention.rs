//! The team's retention rule (ARCHITECTURE.md, "Trust" → "Erasure"): erase a candidate a
//! number of days after the decision, or after a number of days without activity. It runs
//! when the store opens and on demand; the dry run lists candidate ids and why, nothing
//! else, so a log of it names no one. Time comes from the injected clock.

use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::store::Store;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// What the team keeps. `None` on both: nothing is erased by rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RetentionRule {
    pub after_decision_days: Option<u32>,
    pub after_inactive_days: Option<u32>,
}

/// One candidate the rule makes due, and why (ids and numbers only).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RetentionDue {
    pub candidate_id: String,
    pub reason: String,
}

/// What a run did: the due candidates erased, and those it could not erase here (a legal
/// hold, or this device is not an admin of their panels), with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RetentionRun {
    pub erased: Vec<RetentionDue>,
    pub skipped: Vec<RetentionDue>,
}

impl Store {
    pub fn set_retention_rule(&mut self, rule: RetentionRule) -> Result<()> {
        if rule.after_decision_days == Some(0) || rule.after_inactive_days == Some(0) {
            return Err(Error::invalid("a retention period is at least one day"));
        }
        self.conn().execute(
            "INSERT INTO retention_rule(id, after_decision_days, after_inactive_days) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET after_decision_days = excluded.after_decision_days,
                 after_inactive_days = excluded.after_inactive_days",
            params![rule.after_decision_days, rule.after_inactive_days],
        )?;
        Ok(())
    }

    pub fn retention_rule(&self) -> Result<RetentionRule> {
        let row: Option<(Option<u32>, Option<u32>)> = self
            .conn()
            .query_row("SELECT after_decision_days, after_inactive_days FROM retention_rule WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map(|(d, i)| RetentionRule { after_decision_days: d, after_inactive_days: i }).unwrap_or_default())
    }

    /// The dry run: every candidate the rule makes due now, oldest reason first.
    pub fn retention_due(&self) -> Result<Vec<RetentionDue>> {
        self.retention_preview(self.retention_rule()?)
    }

    /// The same for a rule not (yet) the team's: what it would erase now.
    pub fn retention_preview(&self, rule: RetentionRule) -> Result<Vec<RetentionDue>> {
        if rule == RetentionRule::default() {
            return Ok(Vec::new());
        }
        let now = self.now_ms();
        // Activity: the application, any timeline event (the candidate's or an interview's),
        // and the decision.
        let mut q = self.conn().prepare(
            "SELECT c.id, c.decided_at,
                    MAX(c.applied_at, COALESCE(c.decided_at, 0), COALESCE((SELECT MAX(at) FROM idx_events e WHERE e.candidate_id = c.id), 0))
             FROM idx_candidates c ORDER BY c.applied_at, c.id",
        )?;
        let rows: Vec<(Vec<u8>, Option<i64>, i64)> = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (id, decided, last) in rows {
            let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) else { continue };
            let id = DocumentId::from_bytes(id);
            let reason = match (rule.after_decision_days, decided) {
                (Some(days), Some(at)) if now - at >= days as i64 * DAY_MS => {
                    Some(format!("decided {} days ago (rule: {days} days after the decision)", (now - at) / DAY_MS))
                }
                _ => None,
            }
            .or_else(|| match rule.after_inactive_days {
                Some(days) if now - last >= days as i64 * DAY_MS => {
                    Some(format!("no activity for {} days (rule: {days} days without activity)", (now - last) / DAY_MS))
                }
                _ => None,
            });
            if let Some(reason) = reason {
                out.push(RetentionDue { candidate_id: id.to_string(), reason });
            }
        }
        Ok(out)
    }

    /// Erases every due candidate this device may erase; the rest are reported.
    pub fn run_retention(&mut self) -> Result<RetentionRun> {
        let mut run = RetentionRun::default();
        for due in self.retention_due()? {
            let id: DocumentId = due.candidate_id.parse()?;
            match self.erase_candidate(id) {
                Ok(_) => run.erased.push(due),
                Err(e @ (Error::LegalHold { .. } | Error::NotPermitted(_))) => {
                    run.skipped.push(RetentionDue { candidate_id: due.candidate_id, reason: e.to_string() })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(run)
    }
}
