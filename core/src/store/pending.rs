//! The durable pending-edit log. A keystroke is one small row (made durable before the call
//! returns) plus an operation in Automerge's open transaction; at a pause or a word boundary
//! the open transaction becomes one Automerge change, and the change's chunk is written in
//! the same SQLite transaction that deletes the rows it folds. Per-keystroke durability
//! without per-keystroke changes: few changes keep loads fast and sync messages small.

use std::time::{Duration, Instant};

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
}

impl PendingRun {
    pub fn fold_now(&self, policy: &CommitPolicy, now: Instant, inserted: &str) -> bool {
        let age = now.duration_since(self.since);
        let at_boundary = inserted
            .chars()
            .last()
            .is_some_and(|c| c.is_whitespace() || c.is_ascii_punctuation());
        age >= policy.cap || (at_boundary && age >= policy.word_after)
    }

    pub fn idle(&self, policy: &CommitPolicy, now: Instant) -> bool {
        now.duration_since(self.last) >= policy.idle
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_a_word_boundary_after_the_delay_or_at_the_cap() {
        let p = CommitPolicy::default();
        let t0 = Instant::now();
        let run = PendingRun { since: t0, last: t0 };
        assert!(!run.fold_now(&p, t0 + Duration::from_millis(500), " "));
        assert!(!run.fold_now(&p, t0 + Duration::from_secs(3), "a"));
        assert!(run.fold_now(&p, t0 + Duration::from_secs(3), " "));
        assert!(run.fold_now(&p, t0 + Duration::from_secs(3), "."));
        assert!(run.fold_now(&p, t0 + Duration::from_secs(5), "a"));
        assert!(!run.idle(&p, t0 + Duration::from_millis(900)));
        assert!(run.idle(&p, t0 + Duration::from_secs(1)));
    }
}
