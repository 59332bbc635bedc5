//! The debrief brief on the lead's phone, over the sync engine: a loop of three interviews
//! (a panel of two, a one-to-one, another panel of two), five scorecards written offline on
//! four phones, arriving at the lead's phone one sync at a time in a random order. The brief
//! is partial and names exactly who is missing until the last one lands; from that moment it
//! is complete, the widest disagreement first, each rating beside its author's words.

use chrono::{DateTime, Duration, TimeZone, Utc};
use panelnotes_core::model::{NewCandidate, NewInterview, Probe, QuestionKind, Ratings, Recommendation, ScorecardDraft, Template};
use panelnotes_core::services::brief::RatedDimension;
use panelnotes_core::sync::Grant;
use panelnotes_core::{DocumentId, InterviewerId, Store};
use panelnotes_tests::fixture;
use panelnotes_tests::net::{settle, Link};
use rand::seq::SliceRandom;
use rand::SeedableRng;

const PHONES: [&str; 5] = ["ana@acme", "ben@acme", "cy@acme", "dev@acme", "eve@acme"];

fn who(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// Syncs phone `a` with phone `b` over the given documents until nothing moves.
fn sync(stores: &mut [Store], a: usize, b: usize, docs: &[DocumentId]) {
    let grant = Grant::documents(docs.iter().copied());
    let mut links = vec![Link::connect(stores, a, b, grant.clone(), grant)];
    settle(stores, &mut links);
    links[0].close(stores);
}

struct Card {
    phone: usize,
    interview: usize,
    /// Technical depth, reaction to a challenge, business impact, question quality.
    ratings: [u8; 4],
}

const CARDS: [Card; 5] = [
    Card { phone: 1, interview: 0, ratings: [4, 3, 2, 3] },
    Card { phone: 2, interview: 0, ratings: [1, 3, 3, 3] },
    Card { phone: 3, interview: 1, ratings: [3, 3, 2, 2] },
    Card { phone: 4, interview: 2, ratings: [2, 3, 3, 3] },
    Card { phone: 1, interview: 2, ratings: [4, 3, 3, 3] },
];

/// Ana (the candidate's lead, on no panel) books the loop; each panel holds its interview and
/// its panelists submit offline. Returns the stores, the candidate and the interviews.
fn loop_of_three(dir: &tempfile::TempDir) -> (Vec<Store>, DocumentId, Vec<DocumentId>) {
    let mut stores: Vec<Store> = PHONES.iter().map(|p| fixture::phone(dir.path(), p)).collect();
    let c = stores[0]
        .create_candidate(NewCandidate { name: "Dana".into(), role: "Data engineer".into(), source: None, contact: None, applied_at: t(0) })
        .unwrap();
    let panels: [&[usize]; 3] = [&[1, 2], &[3], &[4, 1]];
    let mut interviews = Vec::new();
    for (n, panel) in panels.iter().enumerate() {
        let start = 600 + 120 * n as i64;
        let i = stores[0]
            .schedule_interview(NewInterview {
                candidate_id: c,
                title: None,
                template: Template::playbook(),
                booked_at: t(60),
                scheduled_start: t(start),
                minutes: None,
                panelists: panel.iter().map(|p| who(PHONES[*p])).collect(),
                lead: who(PHONES[panel[0]]),
            })
            .unwrap();
        interviews.push(i);
    }
    for (n, panel) in panels.iter().enumerate() {
        let i = interviews[n];
        let docs = [c, i];
        for p in panel.iter() {
            sync(&mut stores, *p, 0, &docs);
        }
        // The interview's own lead runs it and writes the probe notes.
        let lead = panel[0];
        let start = 600 + 120 * n as i64;
        stores[lead].advance_stage(i, t(start)).unwrap();
        stores[lead].advance_stage(i, t(start + 5)).unwrap();
        let notes = format!("## Technical depth\nInterview {n}: walked through the Spark job.\n\nTrade-offs of sampling #challenge");
        stores[lead].replace_notes(i, "learn", &notes).unwrap();
        stores[lead].add_question(i, &format!("Question {n}"), if n == 1 { QuestionKind::Generic } else { QuestionKind::Specific }, t(start + 30)).unwrap();
        stores[lead].end_interview(i, t(start + 45)).unwrap();
        // Everyone on the panel has the end before submitting; the lead's phone too.
        for p in panel.iter() {
            sync(&mut stores, lead, *p, &docs);
        }
        sync(&mut stores, lead, 0, &docs);
    }
    for (k, card) in CARDS.iter().enumerate() {
        let [td, rc, bi, qq] = card.ratings;
        let i = interviews[card.interview];
        let s = &mut stores[card.phone];
        let draft = ScorecardDraft {
            ratings: Ratings { technical_depth: Some(td), reaction_to_challenge: Some(rc), business_understanding: Some(bi), question_quality: Some(qq) },
            recommendation: Some(if td >= 3 { Recommendation::Yes } else { Recommendation::No }),
            comments: format!("card {k}: depth {td}"),
        };
        s.save_scorecard_draft(i, draft).unwrap();
        s.submit_scorecard(i, t(600 + 120 * card.interview as i64 + 60)).unwrap();
    }
    (stores, c, interviews)
}

#[test]
fn the_brief_is_partial_until_the_last_scorecard_lands_then_disagreement_first() {
    for seed in [1u64, 7, 42] {
        let dir = tempfile::tempdir().unwrap();
        let (mut stores, c, interviews) = loop_of_three(&dir);
        let brief = stores[0].debrief_brief(c).unwrap();
        assert!(!brief.complete);
        assert_eq!(brief.missing.len(), 5, "seed {seed}");
        assert!(brief.dimensions.is_empty());

        // Ben holds two cards on one phone: they arrive together. The arrival order of the
        // four phones is random.
        let mut order = vec![1usize, 2, 3, 4];
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let mut arrived: Vec<usize> = Vec::new();
        for (step, phone) in order.iter().enumerate() {
            let mine: Vec<DocumentId> = CARDS.iter().filter(|k| k.phone == *phone).map(|k| interviews[k.interview]).collect();
            let mut docs = vec![c];
            docs.extend(&mine);
            // Only the lead's phone syncs: the phones never meet each other after submitting.
            sync(&mut stores, *phone, 0, &docs);
            arrived.extend(CARDS.iter().enumerate().filter(|(_, k)| k.phone == *phone).map(|(n, _)| n));
            let brief = stores[0].debrief_brief(c).unwrap();
            let last = step == order.len() - 1;
            assert_eq!(brief.complete, last, "seed {seed}, step {step}");
            let mut missing: Vec<(DocumentId, InterviewerId)> = brief.missing.iter().map(|m| (m.interview_id, m.interviewer.clone())).collect();
            let mut expected: Vec<(DocumentId, InterviewerId)> = CARDS
                .iter()
                .enumerate()
                .filter(|(n, _)| !arrived.contains(n))
                .map(|(_, k)| (interviews[k.interview], who(PHONES[k.phone])))
                .collect();
            missing.sort();
            expected.sort();
            assert_eq!(missing, expected, "seed {seed}, step {step}");
            let in_hand: usize = brief.dimensions.iter().find(|d| d.dimension == RatedDimension::TechnicalDepth).map_or(0, |d| d.ratings.len());
            assert_eq!(in_hand, arrived.len(), "seed {seed}, step {step}");
        }

        let brief = stores[0].debrief_brief(c).unwrap();
        let order: Vec<(RatedDimension, u8)> = brief.dimensions.iter().map(|d| (d.dimension, d.spread)).collect();
        assert_eq!(
            order,
            [
                (RatedDimension::TechnicalDepth, 3),
                (RatedDimension::BusinessImpact, 1),
                (RatedDimension::QuestionQuality, 1),
                (RatedDimension::ReactionToChallenge, 0),
            ]
        );
        // The biggest disagreement, lowest rating first, each with its author's words and the
        // probe's notes from the interview it rated.
        let depth = &brief.dimensions[0];
        let low = &depth.ratings[0];
        assert_eq!((low.rating, &low.interviewer, low.interview_id), (1, &who("cy@acme"), interviews[0]));
        assert_eq!(low.comments, "card 1: depth 1");
        assert_eq!(low.notes.len(), 1);
        assert_eq!(low.notes[0].probe, Probe::TechnicalDepth);
        assert_eq!(low.notes[0].text, "Interview 0: walked through the Spark job.");
        let high = depth.ratings.last().unwrap();
        assert_eq!(high.rating, 4);
        let challenge = brief.dimensions.iter().find(|d| d.dimension == RatedDimension::ReactionToChallenge).unwrap();
        assert!(challenge.ratings.iter().all(|r| r.notes.len() == 1 && r.notes[0].text.contains("#challenge")));
        let quality = brief.dimensions.iter().find(|d| d.dimension == RatedDimension::QuestionQuality).unwrap();
        assert!(quality.ratings.iter().all(|r| r.notes.is_empty()));
        // Each panelist's recommendation as theirs; questions with their kinds.
        assert_eq!(brief.recommendations.len(), 5);
        assert_eq!((brief.generic_questions, brief.specific_questions), (1, 2));
        assert_eq!(brief.questions.iter().map(|q| q.text.as_str()).collect::<Vec<_>>(), ["Question 0", "Question 1", "Question 2"]);
    }
}
