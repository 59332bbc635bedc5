//! The playbook interview end to end, on three phones (three stores, three actors): the lead
//! schedules, everyone takes notes in the same stage offline, documents are exchanged, and
//! every phone ends with the same merged notes, timeline and scorecard rules.

use chrono::{Duration, TimeZone, Utc};
use panelnotes_core::model::{
    CandidateEventKind, LogisticsUpdate, NewCandidate, NewInterview, QuestionKind, Ratings,
    Recommendation, RiskTolerance, ScorecardDraft, ScorecardView, Template,
};
use panelnotes_core::timeline::CandidateStatus;
use panelnotes_core::{DocumentId, InterviewerId, Store};

fn phone(dir: &tempfile::TempDir, who: &str) -> Store {
    panelnotes_tests::fixture::phone(dir.path(), who)
}

/// Each phone sends the others what they lack, as whole-document exchanges (the sync
/// engine's own tests are in sync_panel.rs).
fn exchange(phones: &mut [Store], docs: &[DocumentId]) {
    for _ in 0..2 {
        for from in 0..phones.len() {
            for to in 0..phones.len() {
                if from == to {
                    continue;
                }
                for d in docs {
                    let Ok(bytes) = phones[from].changes_since(*d, &[]) else { continue };
                    phones[to].apply_remote(*d, &bytes).unwrap();
                }
            }
        }
    }
}

fn scorecard(rec: Recommendation) -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings {
            technical_depth: Some(3),
            reaction_to_challenge: Some(3),
            business_understanding: Some(4),
            question_quality: Some(2),
        },
        recommendation: Some(rec),
        comments: format!("{rec:?} because reasons"),
    }
}

#[test]
fn three_phones_run_the_playbook_interview() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["ana@acme", "ben@acme", "cy@acme"];
    let mut phones: Vec<Store> = names.iter().map(|n| phone(&dir, n)).collect();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let c = phones[0]
        .create_candidate(NewCandidate {
            name: "Dana".into(),
            role: "Data engineer".into(),
            source: None,
            contact: None,
            applied_at: t0,
        })
        .unwrap();
    phones[0].record_event(c, CandidateEventKind::Acknowledged, t0 + Duration::hours(2), None).unwrap();
    let start = t0 + Duration::days(2);
    let i = phones[0]
        .schedule_interview(NewInterview {
            candidate_id: c,
            title: None,
            template: Template::playbook(),
            booked_at: t0 + Duration::hours(3),
            scheduled_start: start,
            minutes: None,
            panelists: names.iter().map(|n| InterviewerId::new(*n).unwrap()).collect(),
            lead: InterviewerId::new("ana@acme").unwrap(),
        })
        .unwrap();
    exchange(&mut phones, &[c, i]);
    phones[0].advance_stage(i, start).unwrap();
    phones[0].advance_stage(i, start + Duration::minutes(5)).unwrap();

    // Offline, all three type into the same stage at once.
    let lines = ["Ana: Spark on 200 nodes 🚀\n", "Ben: 分布式训练 trade-offs, good\n", "Cy: knows the business why\n"];
    for (p, line) in phones.iter_mut().zip(lines) {
        for ch in line.chars() {
            let end = panelnotes_core::text::utf16_len(&p.notes(i, "learn").unwrap());
            p.splice_notes(i, "learn", end, 0, &ch.to_string()).unwrap();
        }
    }
    phones[1].add_question(i, "Why Postgres for features?", QuestionKind::Specific, start + Duration::minutes(30)).unwrap();
    phones[2]
        .set_logistics(c, LogisticsUpdate { risk_tolerance: Some(RiskTolerance::Comfortable), notice_period_days: Some(30), ..Default::default() })
        .unwrap();
    phones[0].end_interview(i, start + Duration::minutes(46)).unwrap();
    exchange(&mut phones, &[c, i]);

    let merged = phones[0].notes(i, "learn").unwrap();
    for line in lines {
        assert!(merged.contains(line), "{line:?} missing from {merged:?}");
    }
    for p in phones.iter_mut() {
        assert_eq!(p.notes(i, "learn").unwrap(), merged, "every phone holds the same merged notes");
        assert_eq!(p.interview(i).unwrap().questions.len(), 1);
        assert_eq!(p.candidate(c).unwrap().logistics.notice_period_days, Some(30));
        assert_eq!(p.pending_feedback(start + Duration::hours(1)).unwrap().len(), 1);
    }

    // Scorecards: Ana submits; her draft never left her phone before that.
    phones[1].save_scorecard_draft(i, scorecard(Recommendation::No)).unwrap();
    phones[0].save_scorecard_draft(i, scorecard(Recommendation::StrongYes)).unwrap();
    phones[0].submit_scorecard(i, start + Duration::minutes(60)).unwrap();
    exchange(&mut phones, &[i]);
    assert!(matches!(phones[1].scorecards(i).unwrap(), ScorecardView::Sealed { ref submitted, .. } if submitted.len() == 1));
    assert!(matches!(phones[0].scorecards(i).unwrap(), ScorecardView::Visible(ref v) if v.len() == 1), "Ben's draft is not shared");
    phones[1].submit_scorecard(i, start + Duration::minutes(90)).unwrap();
    phones[2].save_scorecard_draft(i, scorecard(Recommendation::Yes)).unwrap();
    phones[2].submit_scorecard(i, start + Duration::minutes(120)).unwrap();
    phones[0].record_event(c, CandidateEventKind::DebriefBooked, start + Duration::minutes(125), None).unwrap();
    exchange(&mut phones, &[c, i]);

    let timelines: Vec<_> = phones.iter().map(|p| p.timeline(c).unwrap()).collect();
    assert!(timelines.windows(2).all(|w| w[0] == w[1]), "every phone shows the same timeline");
    let tl = &timelines[0];
    assert_eq!(tl.candidate.status, CandidateStatus::DebriefBooked);
    assert_eq!(tl.speed.application_to_acknowledgement, Some(Duration::hours(2)));
    let mut delays: Vec<_> = tl.speed.feedback.iter().map(|f| f.delay.unwrap().num_minutes()).collect();
    delays.sort();
    assert_eq!(delays, [14, 44, 74]);
    for p in phones.iter_mut() {
        match p.scorecards(i).unwrap() {
            ScorecardView::Visible(cards) => assert_eq!(cards.len(), 3),
            v => panic!("{v:?}"),
        }
    }
}
