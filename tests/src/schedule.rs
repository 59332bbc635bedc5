//! The edits of the convergence property tests (plain sync and sync through envelopes), what
//! each must leave behind, and everything a peer shows as one comparable value. Both tests
//! apply the same edits, so what one proves about the sync layer the other proves through
//! the trust layer.

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use panelnotes_core::model::{LogisticsUpdate, Outcome, QuestionKind, Ratings, Recommendation, SalaryExpectation, ScorecardDraft};
use panelnotes_core::{DocumentId, ManualClock, Store};

pub const STAGES: [&str; 5] = ["pitch", "learn", "questions", "logistics", "next_steps"];
pub const PIECES: [&str; 6] = ["a", " ", "🚀", "中文", "é", "👩🏽‍💻"];

#[derive(Clone, Debug)]
pub enum Edit {
    /// Inserts a unique token into a stage's notes at a fraction of its length.
    Type { stage: usize, at: u16, piece: usize },
    /// Deletes a few characters of the pitch notes (tokens elsewhere are never deleted).
    Erase { at: u16, len: u8 },
    Question { specific: bool },
    Notice(u16),
    Salary(u8),
    StartStage { stage: usize, minute: u8 },
    Submit(u8),
    Decide(bool),
    Tick,
    /// Lets (simulated) time pass, so ticks fold on the idle, word and cap rules.
    Wait { ms: u16 },
}

/// What the peers wrote that must survive any network: question texts and note tokens.
#[derive(Default)]
pub struct Script {
    pub questions: BTreeSet<String>,
    pub tokens: BTreeSet<String>,
    counter: u64,
}

impl Script {
    /// Applies one edit on `peer`'s store `s`, for the candidate `c` and interview `i`.
    pub fn apply(&mut self, s: &mut Store, clock: &ManualClock, peer: usize, c: DocumentId, i: DocumentId, e: &Edit) {
        self.counter += 1;
        let n = self.counter;
        let t = Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap();
        match e {
            Edit::Type { stage, at, piece } => {
                let text = s.notes(i, STAGES[*stage]).unwrap();
                // Tokens go between tokens (never inside one), so each stays findable; the
                // pitch stage takes plain characters anywhere.
                let mut spots = vec![0u64];
                let mut units = 0u64;
                for ch in text.chars() {
                    units += ch.len_utf16() as u64;
                    if *stage == 0 || ch == '⟩' {
                        spots.push(units);
                    }
                }
                let pos = spots[(*at as usize * spots.len()) / (u16::MAX as usize + 1)];
                let token = if *stage == 0 { PIECES[*piece].to_string() } else { format!("⟨{peer}.{n}{}⟩", PIECES[*piece]) };
                s.splice_notes(i, STAGES[*stage], pos, 0, &token).unwrap();
                if *stage != 0 {
                    self.tokens.insert(token);
                }
            }
            Edit::Erase { at, len } => {
                let text = s.notes(i, "pitch").unwrap();
                let chars: Vec<char> = text.chars().collect();
                if chars.is_empty() {
                    return;
                }
                let ci = (*at as usize * chars.len()) / (u16::MAX as usize + 1);
                let end = (ci + *len as usize).min(chars.len());
                let pos: u64 = chars[..ci].iter().map(|c| c.len_utf16() as u64).sum();
                let del: u64 = chars[ci..end].iter().map(|c| c.len_utf16() as u64).sum();
                s.splice_notes(i, "pitch", pos, del, "").unwrap();
            }
            Edit::Question { specific } => {
                let q = format!("question {peer}.{n}");
                let kind = if *specific { QuestionKind::Specific } else { QuestionKind::Generic };
                s.add_question(i, &q, kind, t).unwrap();
                self.questions.insert(q);
            }
            Edit::Notice(d) => s.set_logistics(c, LogisticsUpdate { notice_period_days: Some(*d as u32), ..Default::default() }).unwrap(),
            Edit::Salary(k) => {
                let min = 50_000 + *k as i64 * 1000;
                s.set_logistics(c, LogisticsUpdate {
                    salary: Some(SalaryExpectation::Range { min, max: min + 10_000, currency: "EUR".into() }),
                    ..Default::default()
                })
                .unwrap()
            }
            Edit::StartStage { stage, minute } => match s.start_stage(i, STAGES[*stage], t + Duration::minutes(*minute as i64)) {
                Ok(()) | Err(panelnotes_core::Error::InvalidArgument(_) | panelnotes_core::Error::OutOfOrder { .. }) => {} // ended, or before the running stage
                Err(e) => panic!("{e}"),
            },
            Edit::Submit(r) => {
                let rec = [Recommendation::StrongNo, Recommendation::No, Recommendation::Yes, Recommendation::StrongYes][*r as usize];
                let draft = ScorecardDraft {
                    ratings: Ratings { technical_depth: Some(1 + *r), reaction_to_challenge: Some(2), business_understanding: Some(3), question_quality: Some(4) },
                    recommendation: Some(rec),
                    comments: format!("card {peer}"),
                };
                match s.save_scorecard_draft(i, draft) {
                    // A scorecard needs the interview ended (after any stage start above).
                    Ok(()) => {
                        let _ = s.end_interview(i, t + Duration::hours(5));
                        s.submit_scorecard(i, t + Duration::hours(6)).unwrap()
                    }
                    Err(panelnotes_core::Error::ScorecardSubmitted { .. }) => {}
                    Err(e) => panic!("{e}"),
                }
            }
            Edit::Decide(hire) => {
                let o = if *hire { Outcome::Hire } else { Outcome::Reject };
                // Deciding with scorecards missing is the explicit override: decisions must still
                // happen mid-panel here, whatever arrived.
                match s.decide_despite_missing_scorecards(c, o, t + Duration::days(1), None) {
                    Ok(()) | Err(panelnotes_core::Error::NotPermitted(_)) => {} // only the lead decides
                    Err(e) => panic!("{e}"),
                }
            }
            Edit::Tick => s.tick().unwrap(),
            Edit::Wait { ms } => clock.advance(std::time::Duration::from_millis(*ms as u64)),
        }
    }

    /// Whether `peer`'s store still holds every note token it typed itself.
    pub fn lost_own_token(&self, s: &mut Store, i: DocumentId, peer: usize) -> Option<String> {
        let mine = format!("⟨{peer}.");
        let all: String = STAGES.iter().map(|st| s.notes(i, st).unwrap()).collect();
        self.tokens.iter().filter(|t| t.starts_with(&mine)).find(|t| !all.contains(t.as_str())).cloned()
    }

    /// What of the script a store lost: a question or a note token, if any.
    pub fn lost(&self, s: &mut Store, i: DocumentId) -> Option<String> {
        let interview = s.interview(i).unwrap();
        let questions: BTreeSet<String> = interview.questions.iter().map(|q| q.text.clone()).collect();
        if let Some(q) = self.questions.difference(&questions).next() {
            return Some(format!("question {q:?}"));
        }
        let notes: String = STAGES[1..].iter().map(|st| s.notes(i, st).unwrap()).collect();
        self.tokens.iter().find(|t| !notes.contains(t.as_str())).map(|t| format!("note token {t:?}"))
    }
}

/// Everything a peer shows, as one comparable value: heads, documents, notes, index rows,
/// the timeline and conflicts.
pub fn observe(s: &mut Store, c: DocumentId, i: DocumentId) -> String {
    let mut out = format!("{:?}\n{:?}\n", s.heads(c).unwrap(), s.heads(i).unwrap());
    out += &format!("{:?}\n{:?}\n", s.candidate(c).unwrap(), s.interview(i).unwrap());
    for st in STAGES {
        out += &format!("{st}: {}\n", s.notes(i, st).unwrap());
    }
    out += &format!("{:?}\n{:?}\n", s.candidates().unwrap(), s.timeline(c).unwrap());
    out += &format!("{:?}\n", s.all_conflicts().unwrap());
    out
}
