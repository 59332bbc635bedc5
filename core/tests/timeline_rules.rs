//! A timeline that cannot lie: events are checked against the candidate's timeline before
//! they are written, events peers wrote out of order are flagged instead of turned into
//! negative durations, and only the people whose job it is record the debrief and decision.

mod common;

use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue};
use chrono::{DateTime, Duration, Utc};
use common::*;
use panelnotes_core::model::{
    CandidateEventKind, LogisticsUpdate, Outcome, Ratings, Recommendation, SalaryExpectation, ScorecardDraft,
    NOTES_LIMIT,
};
use panelnotes_core::timeline::{OrderProblem, TimelineKind};
use panelnotes_core::{DocumentId, Error, InterviewerId, ManualClock, Store, StoreOptions};

/// A store whose clock reads `now_min` minutes after 2026-03-02 09:00.
fn store_at(dir: &tempfile::TempDir, who: &str, now_min: i64) -> (Store, ManualClock) {
    let clock = ManualClock::starting_at(t(now_min));
    let seed = who.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(seed), ..Default::default() };
    (Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap(), clock)
}

fn draft() -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings {
            technical_depth: Some(3),
            reaction_to_challenge: Some(3),
            business_understanding: Some(3),
            question_quality: Some(3),
        },
        recommendation: Some(Recommendation::Yes),
        comments: String::new(),
    }
}

/// What a peer running an older or buggy build writes straight into a document, as its own
/// change, which then arrives here by sync.
fn peer_writes(s: &mut Store, id: DocumentId, actor: u8, f: impl FnOnce(&mut AutoCommit)) {
    let mut doc = AutoCommit::load(&s.document_bytes(id).unwrap()).unwrap().with_actor(ActorId::from([actor; 16]));
    let heads = doc.get_heads();
    f(&mut doc);
    doc.commit();
    s.apply_remote(id, &doc.save_after(&heads)).unwrap();
}

fn ts(at: DateTime<Utc>) -> ScalarValue {
    ScalarValue::Timestamp(at.timestamp_millis())
}

fn raw_event(doc: &mut AutoCommit, kind: &str, at: DateTime<Utc>) {
    let Some((_, events)) = doc.get(ObjId::Root, "events").unwrap() else { panic!("no events") };
    let n = doc.length(&events);
    let m = doc.insert_object(&events, n, ObjType::Map).unwrap();
    doc.put(&m, "kind", kind).unwrap();
    doc.put(&m, "at", ts(at)).unwrap();
}

fn out_of_order(r: Result<(), Error>) -> String {
    match r {
        Err(e @ Error::OutOfOrder { .. }) => e.to_string(),
        other => panic!("expected an out-of-order error, got {other:?}"),
    }
}

#[test]
fn no_acknowledgement_before_the_application() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let e = out_of_order(s.record_event(c, CandidateEventKind::Acknowledged, t(-25 * 60), None));
    assert_eq!(e, "the acknowledgement cannot be dated before the application");
    s.record_event(c, CandidateEventKind::Acknowledged, t(90), None).unwrap();
    assert_eq!(s.timeline(c).unwrap().speed.application_to_acknowledgement, Some(Duration::minutes(90)));
}

#[test]
fn no_future_times_beyond_a_small_skew() {
    let dir = tempfile::tempdir().unwrap();
    // The store's clock says 2026-03-12 09:00.
    let now = 10 * 24 * 60;
    let (mut s, clock) = store_at(&dir, "ana@acme", now);
    // "--applied-at 2030-…": refused, so the list never shows a negative wait.
    let mut future = new_candidate("Dana", 0);
    future.applied_at = t(4 * 365 * 24 * 60);
    assert!(out_of_order(s.create_candidate(future).map(|_| ())).contains("in the future"));
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    // A few minutes ahead is a clock's drift, and allowed.
    s.record_event(c, CandidateEventKind::Acknowledged, t(now + 4), None).unwrap();
    out_of_order(s.record_event(c, CandidateEventKind::Note, t(now + 6), Some("x".into())));
    let mut n = panel_interview(c, now + 60);
    n.booked_at = t(now + 30);
    out_of_order(s.schedule_interview(n).map(|_| ()));
    let i = s.schedule_interview(panel_interview(c, now - 600)).unwrap();
    out_of_order(s.start_stage(i, "pitch", t(now + 10)));
    s.start_stage(i, "pitch", t(now - 600)).unwrap();
    out_of_order(s.end_interview(i, t(now + 10)));
    s.end_interview(i, t(now - 555)).unwrap();
    s.save_scorecard_draft(i, draft()).unwrap();
    out_of_order(s.submit_scorecard(i, t(now + 10)));
    out_of_order(s.decide(c, Outcome::Hire, t(now + 10), None));
    // Time passes on the injected clock, and the same times become fine.
    clock.advance(std::time::Duration::from_secs(15 * 60));
    s.submit_scorecard(i, t(now + 10)).unwrap();
    // Ben and Cy never submit: deciding without them takes the explicit override.
    s.decide_despite_missing_scorecards(c, Outcome::Hire, t(now + 10), None).unwrap();
}

#[test]
fn no_scorecard_before_its_interview_ended() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.save_scorecard_draft(i, draft()).unwrap();
    let e = out_of_order(s.submit_scorecard(i, t(700)));
    assert_eq!(e, "a scorecard cannot be dated before the end of the interview");
    s.advance_stage(i, t(600)).unwrap();
    s.end_interview(i, t(645)).unwrap();
    out_of_order(s.submit_scorecard(i, t(640)));
    s.submit_scorecard(i, t(650)).unwrap();
}

#[test]
fn no_interview_scheduled_or_held_before_the_application() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 600)).unwrap();
    out_of_order(s.schedule_interview(panel_interview(c, 300)).map(|_| ()));
    let mut n = panel_interview(c, 2000);
    n.booked_at = t(500);
    out_of_order(s.schedule_interview(n).map(|_| ()));
    let i = s.schedule_interview(panel_interview(c, 2000)).unwrap();
    out_of_order(s.start_stage(i, "pitch", t(100)));
}

#[test]
fn a_start_date_in_the_past_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let past = LogisticsUpdate { start_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1), ..Default::default() };
    assert!(out_of_order(s.set_logistics(c, past.clone())).contains("in the past"));
    let later = LogisticsUpdate { start_date: chrono::NaiveDate::from_ymd_opt(2026, 5, 1), ..Default::default() };
    s.set_logistics(c, later).unwrap();
    // Noted before the application, or in the future: refused like any event.
    out_of_order(s.set_logistics_at(c, LogisticsUpdate { notice_period_days: Some(30), ..Default::default() }, t(-60)));
    assert_eq!(s.candidate(c).unwrap().logistics.start_date, chrono::NaiveDate::from_ymd_opt(2026, 5, 1));
}

#[test]
fn events_from_peers_that_violate_the_order_are_shown_as_problems_and_never_produce_a_negative_duration() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.advance_stage(i, t(600)).unwrap();
    // An faulty peer acknowledges a day before the application, ends the interview before
    // it started, submits a scorecard before that, and decides before it.
    peer_writes(&mut s, c, 1, |d| raw_event(d, "acknowledged", t(-24 * 60)));
    peer_writes(&mut s, i, 2, |d| {
        d.put(ObjId::Root, "endedAt", ts(t(500))).unwrap();
        let Some((_, cards)) = d.get(ObjId::Root, "scorecards").unwrap() else { panic!() };
        // A sealed card states its time in its clear header: a version byte, then the
        // milliseconds (the rest does not matter to the timeline).
        let mut card = vec![1u8];
        card.extend_from_slice(&t(450).timestamp_millis().to_le_bytes());
        card.extend_from_slice(&[0; 40]);
        d.put(&cards, "ben@acme", automerge::ScalarValue::Bytes(card)).unwrap();
    });
    peer_writes(&mut s, c, 3, |d| {
        let m = d.put_object(ObjId::Root, "decision", ObjType::Map).unwrap();
        d.put(&m, "outcome", "hire").unwrap();
        d.put(&m, "at", ts(t(-10))).unwrap();
    });
    let tl = s.timeline(c).unwrap();
    let flagged = |k: TimelineKind| tl.entries.iter().find(|e| e.kind == k).unwrap().problem;
    let must = |k: TimelineKind| Some(OrderProblem { must_follow: k });
    assert_eq!(flagged(TimelineKind::Candidate(CandidateEventKind::Acknowledged)), must(TimelineKind::Candidate(CandidateEventKind::Applied)));
    assert_eq!(flagged(TimelineKind::InterviewHeld), must(TimelineKind::InterviewStarted));
    assert_eq!(flagged(TimelineKind::FeedbackSubmitted), must(TimelineKind::InterviewHeld));
    assert_eq!(flagged(TimelineKind::Decided(Outcome::Hire)), must(TimelineKind::Candidate(CandidateEventKind::Applied)));
    assert_eq!(flagged(TimelineKind::Candidate(CandidateEventKind::Applied)), None);
    let sp = &tl.speed;
    assert_eq!(sp.application_to_acknowledgement, None);
    assert_eq!(sp.last_interview_to_decision, None);
    assert_eq!(sp.application_to_decision, None);
    assert!(sp.feedback.is_empty(), "{:?}", sp.feedback);
    assert!(sp.figures().iter().all(|d| *d >= Duration::zero()));
    assert!(tl.entries.windows(2).all(|w| w[0].at <= w[1].at));
    let md = s.export_markdown(c).unwrap();
    assert!(md.contains("| Application acknowledged ⚠ dated before the application |"), "{md}");
    assert!(md.contains("- Application to acknowledgement: —"), "{md}");
}

#[test]
fn ending_an_interview_twice_is_an_error_unless_it_is_explicitly_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.advance_stage(i, t(600)).unwrap();
    s.end_interview(i, t(645)).unwrap();
    s.record_event(c, CandidateEventKind::DebriefBooked, t(700), None).unwrap();
    match s.end_interview(i, t(760)) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("already ended; reopen it"), "{m}"),
        r => panic!("{r:?}"),
    }
    assert_eq!(s.interview(i).unwrap().ended_at, Some(t(645)));
    // Reopened explicitly, it runs on and ends again.
    s.reopen_interview(i).unwrap();
    assert_eq!(s.interview(i).unwrap().ended_at, None);
    s.advance_stage(i, t(650)).unwrap();
    s.end_interview(i, t(660)).unwrap();
    assert_eq!(s.interview(i).unwrap().ended_at, Some(t(660)));
    // Not once a scorecard was written about the interview as ended.
    s.save_scorecard_draft(i, draft()).unwrap();
    s.submit_scorecard(i, t(670)).unwrap();
    assert!(matches!(s.reopen_interview(i), Err(Error::InvalidArgument(_))));
    let tl = s.timeline(c).unwrap();
    assert!(tl.entries.iter().all(|e| e.problem.is_none()));
    assert_eq!(tl.speed.last_interview_to_debrief_booked, Some(Duration::minutes(40)));
}

#[test]
fn restarting_a_stage_keeps_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.start_stage(i, "pitch", t(600)).unwrap();
    s.start_stage(i, "learn", t(605)).unwrap();
    s.start_stage(i, "questions", t(625)).unwrap();
    // Back to learn: its first run stays, the new one adds to it.
    s.start_stage(i, "learn", t(630)).unwrap();
    out_of_order(s.start_stage(i, "pitch", t(620)));
    s.end_interview(i, t(640)).unwrap();
    let iv = s.interview(i).unwrap();
    let runs: Vec<_> = iv.stage_runs.iter().map(|(k, at)| (k.as_str(), *at)).collect();
    assert_eq!(runs, [("pitch", t(600)), ("learn", t(605)), ("questions", t(625)), ("learn", t(630))]);
    assert!(iv.stage_starts.contains(&("learn".to_string(), t(605))));
    let clock = iv.clock(t(700));
    let learn = clock.stages.iter().find(|st| st.key == "learn").unwrap();
    assert_eq!((learn.started_at, learn.ended_at, learn.elapsed), (Some(t(605)), Some(t(640)), Duration::minutes(30)));
    let questions = clock.stages.iter().find(|st| st.key == "questions").unwrap();
    assert_eq!(questions.elapsed, Duration::minutes(5));
    // The same from the index, after a restart of the app.
    s.close().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    assert_eq!(s.interview_view(i).unwrap().interview.stage_runs, iv.stage_runs);
}

#[test]
fn only_the_lead_records_the_decision_and_the_debrief() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    let (mut eve, _) = store_at(&dir, "eve@acme", 10 * 24 * 60);
    eve.apply_remote(c, &ana.document_bytes(c).unwrap()).unwrap();
    for r in [
        eve.decide(c, Outcome::Reject, t(60), None),
        eve.record_event(c, CandidateEventKind::DebriefBooked, t(60), None),
        eve.record_event(c, CandidateEventKind::DebriefHeld, t(60), None),
        eve.set_candidate_lead(c, InterviewerId::new("eve@acme").unwrap()),
    ] {
        match r {
            Err(Error::NotPermitted(m)) => assert!(m.contains("only the candidate's lead (ana@acme)"), "{m}"),
            r => panic!("{r:?}"),
        }
    }
    assert!(eve.candidate(c).unwrap().decision.is_none());
    // Anyone may acknowledge; the lead hands the process on explicitly.
    eve.record_event(c, CandidateEventKind::Acknowledged, t(30), None).unwrap();
    ana.set_candidate_lead(c, InterviewerId::new("eve@acme").unwrap()).unwrap();
    eve.apply_remote(c, &ana.document_bytes(c).unwrap()).unwrap();
    eve.decide(c, Outcome::Reject, t(60), None).unwrap();
    assert!(matches!(ana.decide(c, Outcome::Hire, t(61), None), Err(Error::NotPermitted(_))));
}

#[test]
fn scheduling_records_who_booked_it_and_the_lead_is_named_explicitly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "lee@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    // Lee books a panel of three led by Ben; Lee is not on it.
    let mut n = panel_interview(c, 600);
    n.lead = who("ben@acme");
    let i = s.schedule_interview(n).unwrap();
    let iv = s.interview(i).unwrap();
    assert_eq!(iv.booked_by, Some(who("lee@acme")));
    assert_eq!(iv.lead, who("ben@acme"));
    let tl = s.timeline(c).unwrap();
    let booked = tl.entries.iter().find(|e| e.kind == TimelineKind::InterviewScheduled).unwrap();
    assert_eq!(booked.actor, Some(who("lee@acme")));
    assert_eq!(tl.interviews[0].lead, who("ben@acme"));
}

#[test]
fn panelists_are_validated_as_interviewer_ids() {
    for bad in ["not an email, ben", "not an email", "ana@acme,ben@acme", "a@b@c", ""] {
        assert!(matches!(InterviewerId::new(bad), Err(Error::InvalidArgument(_))), "{bad:?}");
    }
    for good in ["ana@acme.test", "ben", "josé@acme.test"] {
        InterviewerId::new(good).unwrap();
    }
}

#[test]
fn a_stage_notes_are_capped_at_one_mib_with_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    let big = "x".repeat(NOTES_LIMIT + 1);
    match s.replace_notes(i, "learn", &big) {
        Err(e @ Error::TooLarge { size, limit, .. }) => {
            assert_eq!((size, limit), (NOTES_LIMIT as u64 + 1, 1 << 20));
            assert_eq!(e.to_string(), format!("a stage's notes would be {} bytes; the limit is 1048576", NOTES_LIMIT + 1));
        }
        r => panic!("{r:?}"),
    }
    s.replace_notes(i, "learn", &big[..NOTES_LIMIT - 2]).unwrap();
    s.splice_notes(i, "learn", 0, 0, "ab").unwrap();
    assert!(matches!(s.splice_notes(i, "learn", 0, 0, "c"), Err(Error::TooLarge { what: "a stage's notes", .. })));
    // Shrinking is always allowed, and other stages have their own room.
    s.splice_notes(i, "learn", 0, 2, "").unwrap();
    s.splice_notes(i, "pitch", 0, 0, "fine").unwrap();
    assert_eq!(s.notes(i, "learn").unwrap().len(), NOTES_LIMIT - 2);
}

#[test]
fn replace_notes_at_the_cap_writes_only_what_changed_and_keeps_concurrent_edits() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, _) = store_at(&dir, "ana@acme", 10 * 24 * 60);
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = ana.schedule_interview(panel_interview(c, 600)).unwrap();
    let line = "Ran Spark on 200 nodes; explained shuffle cost clearly 🚀 分布式.\n";
    let full: String = line.repeat(NOTES_LIMIT / line.len());
    ana.replace_notes(i, "learn", &full).unwrap();
    let (mut ben, _) = store_at(&dir, "ben@acme", 10 * 24 * 60);
    ben.apply_remote(c, &ana.document_bytes(c).unwrap()).unwrap();
    ben.apply_remote(i, &ana.document_bytes(i).unwrap()).unwrap();
    // Ana edits one word near the start in her editor; Ben appends at the end meanwhile.
    let edited = full.replacen("clearly", "very clearly", 1);
    let heads_before = ana.heads(i).unwrap();
    ana.replace_notes(i, "learn", &edited).unwrap();
    let end = panelnotes_core::text::utf16_len(&full);
    ben.splice_notes(i, "learn", end, 0, "Ben: agreed.\n").unwrap();
    // Ana's change holds the few characters she typed, not a second copy of the text.
    let change = ana.changes_since(i, &heads_before).unwrap();
    assert!(change.len() < 2_000, "{} bytes for a one-word edit", change.len());
    ben.apply_remote(i, &change).unwrap();
    let ana_heads = ana.heads(i).unwrap();
    ana.apply_remote(i, &ben.changes_since(i, &ana_heads).unwrap()).unwrap();
    let merged = format!("{edited}Ben: agreed.\n");
    assert_eq!(ana.notes(i, "learn").unwrap(), merged);
    assert_eq!(ben.notes(i, "learn").unwrap(), merged);
    assert_eq!(ana.interview_view(i).unwrap().notes[1].1, merged);
}

#[test]
fn conflicts_show_the_time_each_value_was_said() {
    let dir = tempfile::tempdir().unwrap();
    // Both devices' clocks say November; the salary was said during the March interview.
    let (mut ana, _) = store_at(&dir, "ana@acme", 270 * 24 * 60);
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    let (mut ben, _) = store_at(&dir, "ben@acme", 270 * 24 * 60);
    ben.apply_remote(c, &ana.document_bytes(c).unwrap()).unwrap();
    let salary = |min| LogisticsUpdate {
        salary: Some(SalaryExpectation::Range { min, max: min + 10_000, currency: "EUR".into() }),
        notice_period_days: Some(30),
        ..Default::default()
    };
    ana.set_logistics_at(c, salary(90_000), t(2 * 24 * 60 + 37)).unwrap();
    ben.set_logistics_at(c, salary(95_000), t(2 * 24 * 60 + 38)).unwrap();
    ana.apply_remote(c, &ben.document_bytes(c).unwrap()).unwrap();
    let conflicts = ana.conflicts(c).unwrap();
    let salary = conflicts.iter().find(|k| k.field == "logistics.salary").unwrap();
    let mut said: Vec<_> = salary.values.iter().map(|v| (v.author.clone().unwrap().to_string(), v.at.unwrap())).collect();
    said.sort();
    assert_eq!(said, [("ana@acme".into(), t(2 * 24 * 60 + 37)), ("ben@acme".into(), t(2 * 24 * 60 + 38))]);
    let notice = conflicts.iter().find(|k| k.field == "logistics.noticePeriodDays").unwrap();
    assert!(notice.values.iter().all(|v| v.at.unwrap() < t(3 * 24 * 60)));
}
