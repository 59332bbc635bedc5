//! Feedback owed across candidates: every interviewer's missing scorecards with their
//! reminder times, still listed once a debrief is booked; a decision with scorecards missing
//! takes the explicit override.

mod common;

use chrono::Duration;
use common::*;
use panelnotes_core::model::{Outcome, Ratings, Recommendation, ScorecardDraft};
use panelnotes_core::Error;

fn draft() -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings { technical_depth: Some(3), reaction_to_challenge: Some(3), business_understanding: Some(3), question_quality: Some(3) },
        recommendation: Some(Recommendation::Yes),
        comments: String::new(),
    }
}

#[test]
fn owed_scorecards_across_candidates_with_reminders_and_the_decision_override() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let dana = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let eli = s.create_candidate(new_candidate("Eli", 0)).unwrap();
    let i1 = s.schedule_interview(panel_interview(dana, 600)).unwrap();
    let i2 = s.schedule_interview(panel_interview(eli, 2000)).unwrap();
    for (i, start) in [(i1, 600), (i2, 2000)] {
        s.advance_stage(i, t(start)).unwrap();
        s.end_interview(i, t(start + 45)).unwrap();
    }
    s.save_scorecard_draft(i1, draft()).unwrap();
    s.submit_scorecard(i1, t(700)).unwrap();
    let slot = s.debrief_proposal(dana).unwrap().unwrap().slot;
    s.book_debrief(dana, slot, t(630)).unwrap();

    let now = t(2045 + 90);
    let owed = s.feedback_owed(None, now).unwrap();
    let rows: Vec<_> = owed.iter().map(|o| (o.candidate_name.as_str(), o.interviewer.as_str())).collect();
    // Dana's debrief is booked: Ben's and Cy's scorecards are still owed, oldest first.
    assert_eq!(rows, [("Dana", "ben@acme"), ("Dana", "cy@acme"), ("Eli", "ana@acme"), ("Eli", "ben@acme"), ("Eli", "cy@acme")]);
    let ben_dana = &owed[0];
    assert_eq!(ben_dana.waiting, now - t(645));
    // An hour after the end, then daily: 24 h 50 min have passed (t(645) to t(2135)), so the
    // first reminder is behind and the first daily one ahead.
    assert_eq!(ben_dana.reminded_at, Some(t(645) + Duration::hours(1)));
    assert_eq!(ben_dana.next_reminder_at, t(645) + Duration::hours(25));
    let eli_row = &owed[2];
    assert_eq!((eli_row.reminded_at, eli_row.next_reminder_at), (Some(t(2105)), t(2105) + Duration::days(1)));
    assert_eq!(s.feedback_owed(Some(&who("cy@acme")), now).unwrap().len(), 2);

    let e = s.decide(dana, Outcome::Hire, t(2200), None).unwrap_err();
    assert!(matches!(&e, Error::NotPermitted(m) if m.contains("2 scorecard(s) are missing (ben@acme, cy@acme)")), "{e}");
    assert!(s.candidate(dana).unwrap().decision.is_none());
    s.decide_despite_missing_scorecards(dana, Outcome::Hire, t(2200), None).unwrap();
    assert_eq!(s.candidate(dana).unwrap().decision.unwrap().outcome, Outcome::Hire);
}
