//! The durable pending-edit log. A keystroke is one small row (made durable before the call
//! returns) plus an operation in Automerge's open transaction; at a pause or a word boundary
//! the open transaction becomes one Automerge change, and the change's chunk is written in
//! the same SQLite transaction that deletes the rows it folds. Per-keystroke durability
//! without per-keystroke changes: few changes keep loads fast and sync messages small.

use std::time::{Duration, Instant};

pub use crate::clock::{Clock, ManualClock, SystemClock};

use serde::{Deserialize, Serialize};

/// When the pending keystrokes of a document become one Automerge change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitPolicy {
    /// Fold at the first word boundary once the oldest pending keystroke is this old.
    pub word_after: Duration,
    /// Fold when no keystroke came for this long (applied by `Store::tick`).
    pub idle: Duration,
    /// Fold regardless once the oldest pending keystroke is this old.
    pub cap: Duration,
}

impl Default for CommitPolicy {
    /// Measured (FACTS.md): about 0.5 changes per second per typist, co-panelists within
    /// 2-5 s of each other, a third of the load time and wire bytes of a change per keystroke.
    fn default() -> Self {
        CommitPolicy {
            word_after: Duration::from_secs(2),
            idle: Duration::from_secs(1),
            cap: Duration::from_secs(5),
        }
    }
}

impl CommitPolicy {
    /// While no peer is connected: at a word boundary after 30 s, after 15 s of quiet, or at
    /// 60 s. A 45-minute offline interview then makes a few hundred changes, not thousands.
    pub fn offline() -> Self {
        CommitPolicy {
            word_after: Duration::from_secs(30),
            idle: Duration::from_secs(15),
            cap: Duration::from_secs(60),
        }
    }

    /// Every keystroke its own change (for tests and comparisons).
    pub fn every_edit() -> Self {
        CommitPolicy {
            word_after: Duration::ZERO,
            idle: Duration::ZERO,
            cap: Duration::ZERO,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingRun {
    pub since: Instant,
    pub last: Instant,
    /// When the latest keystroke that ended a word (space or punctuation) was typed.
    pub last_boundary: Option<Instant>,
}

impl PendingRun {
    pub fn new(now: Instant) -> Self {
        PendingRun {
            since: now,
            last: now,
            last_boundary: None,
        }
    }

    pub fn record(&mut self, now: Instant, inserted: &str) {
        self.last = now;
        if inserted
            .chars()
            .last()
            .is_some_and(|c| c.is_whitespace() || c.is_ascii_punctuation())
        {
            self.last_boundary = Some(now);
        }
    }

    /// The policy, as the timer applies it: a word ended once `word_after` had passed, the
    /// typist paused for `idle`, or the oldest keystroke reached `cap`.
    pub fn due(&self, policy: &CommitPolicy, now: Instant) -> bool {
        now.duration_since(self.since) >= policy.cap
            || self
                .last_boundary
                .is_some_and(|b| b.duration_since(self.since) >= policy.word_after)
            || now.duration_since(self.last) >= policy.idle
    }

    /// The keystroke path folds only when the timer has evidently not run (twice the cap):
    /// a fold is a SQLite transaction, and keystrokes should cost one row insert.
    pub fn overdue(&self, policy: &CommitPolicy, now: Instant) -> bool {
        now.duration_since(self.since) >= policy.cap * 2
    }
}

/// One logged keystroke (or paste): a splice of a stage's notes in UTF-16 units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingSplice {
    #[serde(rename = "s")]
    pub stage: String,
    #[serde(rename = "p")]
    pub pos: u64,
    #[serde(rename = "d")]
    pub delete: u64,
    #[serde(rename = "t")]
    pub text: String,
}

impl PendingSplice {
    /// Replays this logged keystroke onto `text`, the stage's text as it was when typed.
    pub(crate) fn apply_to(&self, text: &mut String) -> crate::error::Result<()> {
        let range = crate::text::splice_range(text, self.pos, self.delete)?;
        text.replace_range(range, &self.text);
        Ok(())
    }
}

/// A document's logged keystrokes, oldest first.
pub(crate) fn splices(conn: &rusqlite::Connection, id: crate::ids::DocumentId) -> crate::error::Result<Vec<PendingSplice>> {
    let mut q = conn.prepare_cached("SELECT pn_open('pending_edits.edit', doc_id, edit) FROM pending_edits WHERE doc_id = ?1 ORDER BY seq")?;
    let rows = q.query_map([&id.as_bytes()[..]], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(serde_json::from_str(&row?).map_err(|err| crate::error::Error::Corrupt {
            id,
            reason: format!("unreadable pending edit: {err}"),
        })?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_a_word_boundary_after_the_delay_when_idle_or_at_the_cap() {
        let p = CommitPolicy::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut run = PendingRun::new(t0);
        // Typing steadily mid-word: not due until the cap.
        for n in (0..5000).step_by(200) {
            run.record(ms(n), "a");
            assert!(!run.due(&p, ms(n + 100)), "at {n} ms");
        }
        run.record(ms(5000), "a");
        assert!(run.due(&p, ms(5100)));
        // A word boundary after 2 s, even if the timer only sees it a keystroke later.
        let mut run = PendingRun::new(t0);
        run.record(ms(1000), " ");
        assert!(!run.due(&p, ms(1100)));
        run.record(ms(2100), ".");
        run.record(ms(2300), "a");
        assert!(run.due(&p, ms(2350)));
        // A pause.
        let mut run = PendingRun::new(t0);
        run.record(ms(100), "a");
        assert!(!run.due(&p, ms(1000)));
        assert!(run.due(&p, ms(1100)));
        assert!(!run.overdue(&p, ms(9000)));
        assert!(run.overdue(&p, ms(10_000)));
    }
}
