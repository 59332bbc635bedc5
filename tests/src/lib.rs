//! Shared pieces of the cross-crate tests: the deterministic edit script the crash test's
//! child process runs, and the model the parent checks the store against.

pub mod fuzz;
pub mod net;
pub mod relay;
pub mod schedule;

use panelnotes_core::model::{LogisticsUpdate, QuestionKind};
use panelnotes_core::{DocumentId, Result, Store};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// One edit of the script. Positions are UTF-16 code units, as the apps send them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    Splice { pos: u64, delete: u64, text: String },
    Question(String),
    Notice(u32),
}

const PIECES: &[&str] = &["a", "e", " ", "s", "t", ".", "🚀", "中", "文", "é", "👩🏽‍💻", "n", "o"];

/// What the store must contain after a prefix of the script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    pub notes: String,
    pub questions: Vec<String>,
    pub notice: Option<u32>,
}

fn utf16_offset(s: &str, char_index: usize) -> u64 {
    s.chars().take(char_index).map(|c| c.len_utf16() as u64).sum()
}

impl Model {
    /// Edit number `n` of the script seeded by `seed`, given the state before it.
    pub fn next_edit(&self, seed: u64, n: u64) -> Edit {
        let mut rng = StdRng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let chars = self.notes.chars().count();
        let roll = rng.random_range(0..100);
        if roll < 5 {
            Edit::Question(format!("question {n}"))
        } else if roll < 10 {
            Edit::Notice((n % 700) as u32)
        } else if roll < 22 && chars > 0 {
            let at = rng.random_range(0..chars);
            let len = rng.random_range(1..=3).min(chars - at);
            let pos = utf16_offset(&self.notes, at);
            let end = utf16_offset(&self.notes, at + len);
            Edit::Splice { pos, delete: end - pos, text: String::new() }
        } else {
            let at = rng.random_range(0..=chars);
            let mut text = String::new();
            for _ in 0..rng.random_range(1..=2) {
                text.push_str(PIECES[rng.random_range(0..PIECES.len())]);
            }
            Edit::Splice { pos: utf16_offset(&self.notes, at), delete: 0, text }
        }
    }

    pub fn apply(&mut self, e: &Edit) {
        match e {
            Edit::Splice { pos, delete, text } => {
                let start = panelnotes_core::text::byte_offset(&self.notes, *pos).unwrap();
                let end = start + panelnotes_core::text::byte_offset(&self.notes[start..], *delete).unwrap();
                self.notes.replace_range(start..end, text);
            }
            Edit::Question(q) => self.questions.push(q.clone()),
            Edit::Notice(d) => self.notice = Some(*d),
        }
    }

    /// The model after the first `n` edits of the script.
    pub fn after(seed: u64, n: u64) -> Model {
        let mut m = Model::default();
        for i in 0..n {
            let e = m.next_edit(seed, i);
            m.apply(&e);
        }
        m
    }

    /// Reads the same facts back from a store.
    pub fn read(store: &mut Store, candidate: DocumentId, interview: DocumentId) -> Result<Model> {
        Ok(Model {
            notes: store.notes(interview, "learn")?,
            // Questions synced in from a co-panelist (the crash test's peer) are checked apart.
            questions: store
                .interview(interview)?
                .questions
                .into_iter()
                .map(|q| q.text)
                .filter(|q| !q.starts_with(PEER_QUESTION))
                .collect(),
            notice: store.candidate(candidate)?.logistics.notice_period_days,
        })
    }
}

/// What the crash test's co-panelist writes: `peer question N`, N from 1.
pub const PEER_QUESTION: &str = "peer question ";

/// The numbers of the peer's questions a store holds, in order.
pub fn peer_questions(store: &mut Store, interview: DocumentId) -> Result<Vec<u64>> {
    let mut n: Vec<u64> = store
        .interview(interview)?
        .questions
        .iter()
        .filter_map(|q| q.text.strip_prefix(PEER_QUESTION)?.parse().ok())
        .collect();
    n.sort();
    Ok(n)
}

pub fn perform(store: &mut Store, candidate: DocumentId, interview: DocumentId, e: &Edit) -> Result<()> {
    match e {
        Edit::Splice { pos, delete, text } => store.splice_notes(interview, "learn", *pos, *delete, text),
        Edit::Question(q) => store.add_question(interview, q, QuestionKind::Specific, chrono::Utc::now()),
        Edit::Notice(d) => store.set_logistics(
            candidate,
            LogisticsUpdate {
                notice_period_days: Some(*d),
                ..Default::default()
            },
        ),
    }
}

/// Stores and documents the scenario tests start from.
pub mod fixture {
    use std::path::Path;
    use std::sync::{Arc, Mutex};

    use chrono::{DateTime, Duration, Utc};
    use panelnotes_core::model::{NewCandidate, NewInterview, Template};
    use panelnotes_core::{DocumentId, Identity, InterviewerId, Store};

    pub fn identity(who: &str) -> Identity {
        Identity {
            id: InterviewerId::new(who).unwrap(),
            display_name: who.split('@').next().unwrap_or(who).to_owned(),
        }
    }

    /// One interviewer's store (a phone) in `dir`.
    pub fn phone(dir: &Path, who: &str) -> Store {
        Store::open(dir.join(format!("{who}.sqlite3")), identity(who)).unwrap()
    }

    /// The same, shared the way the transports take it.
    pub fn shared(dir: &Path, who: &str) -> Arc<Mutex<Store>> {
        Arc::new(Mutex::new(phone(dir, who)))
    }

    /// Dana Example, who applied at `applied`, and her playbook interview two days later
    /// with `panel` (the first is the lead). Returns (candidate, interview).
    pub fn candidate_with_interview(s: &mut Store, panel: &[&str], applied: DateTime<Utc>) -> (DocumentId, DocumentId) {
        let c = s
            .create_candidate(NewCandidate {
                name: "Dana Example".into(),
                role: "Data engineer".into(),
                source: None,
                contact: None,
                applied_at: applied,
            })
            .unwrap();
        let i = s
            .schedule_interview(NewInterview {
                candidate_id: c,
                title: None,
                template: Template::playbook(),
                booked_at: applied,
                scheduled_start: applied + Duration::days(2),
                minutes: None,
                panelists: panel.iter().map(|p| InterviewerId::new(*p).unwrap()).collect(),
                lead: InterviewerId::new(panel[0]).unwrap(),
            })
            .unwrap();
        (c, i)
    }
}

/// The letter the typing-lane crash test types as keystroke `n`.
pub fn lane_letter(n: u64) -> &'static str {
    const LETTERS: [&str; 26] = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    LETTERS[(n % 26) as usize]
}

/// What the typing-lane crash test's stage reads after `n` keystrokes.
pub fn lane_text(n: u64) -> String {
    (0..n).map(lane_letter).collect()
}
