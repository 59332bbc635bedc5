//! The playbook interview, from application to decision, on one store.

mod common;

use chrono::Duration;
use common::*;
use panelnotes_core::model::{
    CandidateEventKind, LogisticsUpdate, NextSteps, Outcome, QuestionKind, Ratings,
    Recommendation, RiskTolerance, SalaryExpectation, ScorecardDraft, ScorecardView, Stage,
    Template,
};
use panelnotes_core::timeline::{CandidateStatus, NextAction, TimelineKind};
use panelnotes_core::Error;

fn full_draft(rec: Recommendation) -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings {
            technical_depth: Some(3),
            reaction_to_challenge: Some(4),
            business_understanding: Some(2),
            question_quality: Some(3),
        },
        recommendation: Some(rec),
        comments: "Solid on Spark internals".into(),
    }
}

#[test]
fn stage_timing_reports_elapsed_against_budget_and_overruns() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();

    let clock = s.clock(i, t(590)).unwrap();
    assert_eq!(clock.current, None);
    assert_eq!(clock.budget, Duration::minutes(45));

    assert_eq!(s.advance_stage(i, t(600)).unwrap().as_deref(), Some("pitch"));
    let clock = s.clock(i, t(603)).unwrap();
    assert_eq!(clock.current.as_deref(), Some("pitch"));
    assert_eq!(clock.stages[0].elapsed, Duration::minutes(3));
    assert_eq!(clock.stages[0].overrun, Duration::zero());

    // The pitch runs 7 minutes against a budget of 5.
    assert_eq!(s.advance_stage(i, t(607)).unwrap().as_deref(), Some("learn"));
    let clock = s.clock(i, t(630)).unwrap();
    assert_eq!(clock.stages[0].ended_at, Some(t(607)));
    assert_eq!(clock.stages[0].overrun, Duration::minutes(2));
    assert_eq!(clock.stages[1].elapsed, Duration::minutes(23));
    assert_eq!(clock.stages[1].overrun, Duration::minutes(3));
    assert_eq!(clock.elapsed, Duration::minutes(30));

    // Skipping ahead and ending: the running stage ends with the interview.
    s.start_stage(i, "logistics", t(631)).unwrap();
    s.end_interview(i, t(650)).unwrap();
    let clock = s.clock(i, t(700)).unwrap();
    assert_eq!(clock.current, None);
    assert_eq!(clock.elapsed, Duration::minutes(50));
    assert_eq!(clock.overrun, Duration::minutes(5));
    let logistics = clock.stages.iter().find(|t| t.key == "logistics").unwrap();
    assert_eq!(logistics.ended_at, Some(t(650)));
    assert_eq!(logistics.overrun, Duration::minutes(14));
    assert!(clock.stages.iter().find(|t| t.key == "questions").unwrap().started_at.is_none());

    assert!(matches!(s.start_stage(i, "nope", t(651)), Err(Error::NotFound { kind: "stage", .. })));
    assert!(matches!(s.start_stage(i, "pitch", t(651)), Err(Error::InvalidArgument(_))));
    assert!(s.advance_stage(i, t(651)).unwrap().is_none());
}

#[test]
fn notes_take_utf16_splices_with_emoji_and_cjk() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();

    s.splice_notes(i, "learn", 0, 0, "Spark 🚀 at scale").unwrap();
    // "Spark " is 6 units, 🚀 is 2: position 8 is right after the rocket.
    s.splice_notes(i, "learn", 8, 0, " 分布式计算").unwrap();
    assert_eq!(s.notes(i, "learn").unwrap(), "Spark 🚀 分布式计算 at scale");
    // Delete the rocket (2 units) and the space after it.
    s.splice_notes(i, "learn", 6, 3, "").unwrap();
    assert_eq!(s.notes(i, "learn").unwrap(), "Spark 分布式计算 at scale");
    s.splice_notes(i, "learn", 0, 0, "👩🏽‍💻 ").unwrap();
    let expected = "👩🏽‍💻 Spark 分布式计算 at scale";
    assert_eq!(s.notes(i, "learn").unwrap(), expected);

    let len = expected.encode_utf16().count() as u64;
    assert!(matches!(
        s.splice_notes(i, "learn", len + 1, 0, "x"),
        Err(Error::OutOfRange { position, length }) if position == len + 1 && length == len
    ));
    assert!(matches!(s.splice_notes(i, "learn", 1, 0, "x"), Err(Error::SplitCharacter { position: 1 })));
    assert!(matches!(s.splice_notes(i, "learn", len - 2, 5, ""), Err(Error::OutOfRange { .. })));
    assert!(matches!(s.splice_notes(i, "nope", 0, 0, "x"), Err(Error::NotFound { kind: "stage", .. })));
    assert!(matches!(
        s.splice_notes(c, "learn", 0, 0, "x"),
        Err(Error::NotFound { kind: "interview", .. })
    ));
    // Rejected splices changed nothing.
    assert_eq!(s.notes(i, "learn").unwrap(), expected);

    // Durable without any flush: the app is killed and reopened.
    s.splice_notes(i, "learn", len, 0, " — 好").unwrap();
    crash(s);
    let mut s = open(&dir, "ana@acme");
    assert_eq!(s.notes(i, "learn").unwrap(), format!("{expected} — 好"));

    // A whole-text replace diffs against the current text.
    s.replace_notes(i, "learn", "Spark 分布式计算, 🚀").unwrap();
    assert_eq!(s.notes(i, "learn").unwrap(), "Spark 分布式计算, 🚀");
    s.close().unwrap();
    let mut s = open(&dir, "ana@acme");
    assert_eq!(s.notes(i, "learn").unwrap(), "Spark 分布式计算, 🚀");
}

#[test]
fn keystrokes_fold_into_few_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    let text = "Has run Spark on 200 nodes; explains shuffle cost clearly. ";
    for (n, ch) in text.encode_utf16().enumerate() {
        let ch = String::from_utf16(&[ch]).unwrap();
        s.splice_notes(i, "learn", n as u64, 0, &ch).unwrap();
    }
    s.flush().unwrap();
    let bytes = s.document_bytes(i).unwrap();
    let doc = automerge::AutoCommit::load(&bytes).unwrap();
    let mut doc = doc;
    let changes = doc.get_changes(&[]).len();
    // Typed within well under the 2 s word delay: creation, actor, and one folded change.
    assert!(changes <= 3, "{changes} changes for {} keystrokes", text.len());
    drop(s);

    let dir = tempfile::tempdir().unwrap();
    let mut s = open_with(
        &dir,
        "ana@acme",
        panelnotes_core::StoreOptions {
            policy: panelnotes_core::CommitPolicy::every_edit(),
            offline_policy: panelnotes_core::CommitPolicy::every_edit(),
            ..Default::default()
        },
    );
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    for (n, ch) in "abc def".chars().enumerate() {
        s.splice_notes(i, "learn", n as u64, 0, &ch.to_string()).unwrap();
    }
    let mut doc = automerge::AutoCommit::load(&s.document_bytes(i).unwrap()).unwrap();
    assert!(doc.get_changes(&[]).len() >= 7, "the every-edit policy commits each keystroke");
}

#[test]
fn scorecards_stay_sealed_until_your_own_is_submitted() {
    let dir = tempfile::tempdir().unwrap();
    let mut ana = open(&dir, "ana@acme");
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = ana.schedule_interview(panel_interview(c, 600)).unwrap();
    ana.end_interview(i, t(645)).unwrap();

    // An incomplete draft cannot be submitted, and drafts validate their ratings.
    let mut partial = full_draft(Recommendation::Yes);
    partial.ratings.business_understanding = None;
    ana.save_scorecard_draft(i, partial).unwrap();
    assert!(matches!(ana.submit_scorecard(i, t(650)), Err(Error::InvalidArgument(m)) if m.contains("Business")));
    let mut bad = full_draft(Recommendation::Yes);
    bad.ratings.technical_depth = Some(5);
    assert!(matches!(ana.save_scorecard_draft(i, bad), Err(Error::InvalidArgument(_))));

    ana.save_scorecard_draft(i, full_draft(Recommendation::StrongYes)).unwrap();
    // A draft is not in the shared document.
    let shared = String::from_utf8_lossy(&ana.document_bytes(i).unwrap()).to_string();
    assert!(!shared.contains("Solid on Spark"));
    assert_eq!(ana.scorecards(i).unwrap(), ScorecardView::Sealed { submitted: vec![], panel_size: 3 });
    ana.submit_scorecard(i, t(700)).unwrap();
    assert!(ana.scorecard_draft(i).unwrap().is_none());
    assert!(matches!(
        ana.save_scorecard_draft(i, full_draft(Recommendation::No)),
        Err(Error::ScorecardSubmitted { id }) if id == i
    ));
    // Nor submitted again.
    assert!(matches!(ana.submit_scorecard(i, t(710)), Err(Error::ScorecardSubmitted { .. })));
    ana.close().unwrap();

    // Ben uses the same store file as a different interviewer (as a shared desktop would).
    let mut ben = open(&dir, "ben@acme");
    match ben.scorecards(i).unwrap() {
        ScorecardView::Sealed { submitted, panel_size } => {
            assert_eq!(submitted, vec![who("ana@acme")]);
            assert_eq!(panel_size, 3);
        }
        v => panic!("ben must not see ana's scorecard before submitting: {v:?}"),
    }
    ben.save_scorecard_draft(i, full_draft(Recommendation::No)).unwrap();
    ben.submit_scorecard(i, t(760)).unwrap();
    match ben.scorecards(i).unwrap() {
        ScorecardView::Visible(cards) => {
            let mut names: Vec<_> = cards.iter().map(|c| c.interviewer.to_string()).collect();
            names.sort();
            assert_eq!(names, ["ana@acme", "ben@acme"]);
            let a = cards.iter().find(|c| c.interviewer == who("ana@acme")).unwrap();
            assert_eq!(a.recommendation, Recommendation::StrongYes);
            assert_eq!(a.ratings.reaction_to_challenge, Some(4));
            assert_eq!(a.submitted_at, t(700));
        }
        v => panic!("{v:?}"),
    }
    ben.close().unwrap();

    // Someone off the panel (the process lead at the debrief) sees what was submitted.
    let mut lead = open(&dir, "lee@acme");
    assert!(matches!(lead.scorecards(i).unwrap(), ScorecardView::Visible(c) if c.len() == 2));
    assert!(matches!(
        lead.save_scorecard_draft(i, full_draft(Recommendation::Yes)),
        Err(Error::NotPermitted(_))
    ));
}

#[test]
fn logistics_are_validated_and_partially_updated() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    s.set_logistics(
        c,
        LogisticsUpdate {
            risk_tolerance: Some(RiskTolerance::Cautious),
            risk_notes: Some("has a mortgage".into()),
            salary: Some(SalaryExpectation::Range { min: 90_000, max: 110_000, currency: "EUR".into() }),
            ..Default::default()
        },
    )
    .unwrap();
    // Said during a March interview: a May start was in the future then.
    s.set_logistics_at(
        c,
        LogisticsUpdate {
            start_date: Some(chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
            notice_period_days: Some(30),
            ..Default::default()
        },
        t(60),
    )
    .unwrap();
    let l = s.candidate(c).unwrap().logistics;
    assert_eq!(l.risk_tolerance, Some(RiskTolerance::Cautious));
    assert_eq!(l.salary, Some(SalaryExpectation::Range { min: 90_000, max: 110_000, currency: "EUR".into() }));
    assert_eq!(l.start_date.unwrap().to_string(), "2026-05-01");
    assert_eq!(l.notice_period_days, Some(30));

    s.set_logistics(c, LogisticsUpdate { salary: Some(SalaryExpectation::Passed), ..Default::default() }).unwrap();
    assert_eq!(s.candidate(c).unwrap().logistics.salary, Some(SalaryExpectation::Passed));

    for bad in [
        SalaryExpectation::Range { min: 100, max: 50, currency: "EUR".into() },
        SalaryExpectation::Current { amount: -1, currency: "EUR".into() },
        SalaryExpectation::Current { amount: 1, currency: "euro".into() },
    ] {
        assert!(matches!(
            s.set_logistics(c, LogisticsUpdate { salary: Some(bad), ..Default::default() }),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(s.set_logistics(c, LogisticsUpdate::default()).is_err());
    assert_eq!(s.candidate(c).unwrap().logistics.salary, Some(SalaryExpectation::Passed));
}

#[test]
fn timeline_orders_events_and_measures_speed() {
    let dir = tempfile::tempdir().unwrap();
    let mut ana = open(&dir, "ana@acme");
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    assert_eq!(ana.candidate_summary(c).unwrap().status, CandidateStatus::Applied);
    // Recorded out of order: the acknowledgement is entered after the interview is booked.
    let i = ana.schedule_interview(panel_interview(c, 2 * 24 * 60)).unwrap();
    ana.record_event(c, CandidateEventKind::Acknowledged, t(90), None).unwrap();
    assert_eq!(ana.candidate_summary(c).unwrap().status, CandidateStatus::InterviewScheduled);
    ana.advance_stage(i, t(2 * 24 * 60)).unwrap();
    let end = 2 * 24 * 60 + 47;
    ana.end_interview(i, t(end)).unwrap();
    let summary = ana.candidate_summary(c).unwrap();
    assert_eq!(summary.status, CandidateStatus::AwaitingFeedback);
    assert_eq!(summary.next_action, Some(NextAction::CollectScorecards { submitted: 0, panel: 3 }));
    assert_eq!(ana.pending_feedback(t(end + 30)).unwrap().len(), 1);
    assert_eq!(ana.pending_feedback(t(end + 30)).unwrap()[0].waiting, Duration::minutes(30));

    ana.save_scorecard_draft(i, full_draft(Recommendation::Yes)).unwrap();
    ana.submit_scorecard(i, t(end + 20)).unwrap();
    assert!(ana.pending_feedback(t(end + 30)).unwrap().is_empty());
    ana.close().unwrap();
    for (who, after) in [("ben@acme", 65), ("cy@acme", 180)] {
        let mut s = open(&dir, who);
        assert_eq!(s.pending_feedback(t(end + 30)).unwrap().len(), 1);
        s.save_scorecard_draft(i, full_draft(Recommendation::Yes)).unwrap();
        s.submit_scorecard(i, t(end + after)).unwrap();
        s.close().unwrap();
    }
    let mut ana = open(&dir, "ana@acme");
    assert_eq!(ana.candidate_summary(c).unwrap().status, CandidateStatus::ReadyForDebrief);
    ana.record_event(c, CandidateEventKind::DebriefBooked, t(end + 190), None).unwrap();
    ana.record_event(c, CandidateEventKind::DebriefHeld, t(end + 24 * 60), None).unwrap();
    ana.decide(c, Outcome::Hire, t(end + 25 * 60), Some("Strong panel".into())).unwrap();
    assert_eq!(ana.candidate_summary(c).unwrap().status, CandidateStatus::Hired);

    let tl = ana.timeline(c).unwrap();
    let kinds: Vec<_> = tl.entries.iter().map(|e| e.kind).collect();
    use CandidateEventKind as E;
    assert_eq!(
        kinds,
        vec![
            TimelineKind::Candidate(E::Applied),
            TimelineKind::Candidate(E::Acknowledged),
            TimelineKind::InterviewScheduled,
            TimelineKind::InterviewStarted,
            TimelineKind::InterviewHeld,
            TimelineKind::FeedbackSubmitted,
            TimelineKind::FeedbackSubmitted,
            TimelineKind::FeedbackSubmitted,
            TimelineKind::Candidate(E::DebriefBooked),
            TimelineKind::Candidate(E::DebriefHeld),
            TimelineKind::Decided(Outcome::Hire),
        ]
    );
    assert!(tl.entries.windows(2).all(|w| w[0].at <= w[1].at));
    let feedback: Vec<_> = tl
        .entries
        .iter()
        .filter(|e| e.kind == TimelineKind::FeedbackSubmitted)
        .map(|e| e.actor.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(feedback, ["ana@acme", "ben@acme", "cy@acme"]);

    let sp = tl.speed;
    assert_eq!(sp.application_to_acknowledgement, Some(Duration::minutes(90)));
    assert_eq!(sp.application_to_first_interview, Some(Duration::days(2)));
    let mut delays: Vec<_> = sp.feedback.iter().map(|f| f.delay.unwrap().num_minutes()).collect();
    delays.sort();
    assert_eq!(delays, [20, 65, 180]);
    assert_eq!(sp.last_interview_to_debrief_booked, Some(Duration::minutes(190)));
    assert_eq!(sp.last_interview_to_decision, Some(Duration::minutes(25 * 60)));
    assert_eq!(sp.application_to_decision, Some(Duration::minutes(end + 25 * 60)));
}

#[test]
fn candidate_list_puts_the_longest_waiting_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let a = s.create_candidate(new_candidate("Late applicant", 300)).unwrap();
    let b = s.create_candidate(new_candidate("Early applicant", 0)).unwrap();
    let closed = s.create_candidate(new_candidate("Rejected one", -100)).unwrap();
    s.decide(closed, Outcome::Reject, t(10), None).unwrap();
    let list = s.candidates().unwrap();
    let ids: Vec<_> = list.iter().map(|c| c.id).collect();
    assert_eq!(ids, [b, a, closed]);
    assert_eq!(list[0].next_action, Some(NextAction::AcknowledgeApplication));
    assert_eq!(list[2].status, CandidateStatus::Rejected);
    assert_eq!(list[2].next_action, None);
    s.record_event(b, CandidateEventKind::Acknowledged, t(400), None).unwrap();
    let ids: Vec<_> = s.candidates().unwrap().iter().map(|c| c.id).collect();
    assert_eq!(ids, [a, b, closed]);
}

#[test]
fn questions_next_steps_and_the_markdown_dossier() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana Ölçer", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.advance_stage(i, t(600)).unwrap();
    s.splice_notes(i, "pitch", 0, 0, "Pitched the data platform; she opted in.").unwrap();
    s.advance_stage(i, t(606)).unwrap();
    s.splice_notes(i, "learn", 0, 0, "Ran Spark on 200 nodes 🚀. Knew why sampling fails | edge cases.").unwrap();
    s.advance_stage(i, t(628)).unwrap();
    s.add_question(i, "How is the culture?", QuestionKind::Generic, t(629)).unwrap();
    s.add_question(i, "Why Postgres over a warehouse for the feature store?", QuestionKind::Specific, t(631))
        .unwrap();
    assert!(s.add_question(i, "  ", QuestionKind::Generic, t(631)).is_err());
    s.advance_stage(i, t(636)).unwrap();
    s.set_logistics(
        c,
        LogisticsUpdate {
            risk_tolerance: Some(RiskTolerance::Comfortable),
            salary: Some(SalaryExpectation::Current { amount: 85_000, currency: "EUR".into() }),
            notice_period_days: Some(60),
            ..Default::default()
        },
    )
    .unwrap();
    s.advance_stage(i, t(641)).unwrap();
    s.set_next_steps(
        i,
        NextSteps { meet_next: vec!["CTO".into(), "Head of data".into()], owner: Some(who("ana@acme")), note: None },
    )
    .unwrap();
    s.end_interview(i, t(646)).unwrap();

    let interview = s.interview(i).unwrap();
    assert_eq!(interview.questions.len(), 2);
    assert_eq!(interview.questions[1].kind, QuestionKind::Specific);
    assert_eq!(interview.next_steps.as_ref().unwrap().meet_next, ["CTO", "Head of data"]);

    let md = s.export_markdown(c).unwrap();
    assert!(md.starts_with("# Dana Ölçer — Data engineer\n"), "{md}");
    assert!(md.contains("### Company and role pitch (5 min budget, took 6m, 1m over)"), "{md}");
    assert!(md.contains("Ran Spark on 200 nodes 🚀. Knew why sampling fails | edge cases."));
    assert!(md.contains("- [specific] Why Postgres over a warehouse"));
    assert!(md.contains("1 of 2 questions were specific."));
    assert!(md.contains("- Salary: current pay 85000 EUR/year"));
    assert!(md.contains("- Notice period: 60 days"));
    assert!(md.contains("- Meets next: CTO, Head of data"));
    // Ana is on the panel and has not submitted: nobody's scorecard is in her export.
    assert!(md.contains("Sealed: 0 of 3 submitted."));
    assert!(md.contains("| Interview held |"));
    assert!(md.contains("Panel: ana@acme (lead), ben@acme, cy@acme"));

    s.save_scorecard_draft(
        i,
        ScorecardDraft {
            ratings: Ratings {
                technical_depth: Some(4),
                reaction_to_challenge: Some(3),
                business_understanding: Some(3),
                question_quality: Some(4),
            },
            recommendation: Some(Recommendation::StrongYes),
            comments: "Hire | fast".into(),
        },
    )
    .unwrap();
    s.submit_scorecard(i, t(650)).unwrap();
    let md = s.export_markdown(c).unwrap();
    assert!(md.contains("| ana@acme | 4/4 | 3/4 | 3/4 | 4/4 | Strong yes |"), "{md}");
    assert!(md.contains("- ana@acme: Hire | fast"));
}

#[test]
fn teams_define_and_edit_templates() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let mut short = Template {
        id: None,
        name: "Phone screen".into(),
        stages: vec![
            Stage { key: "intro".into(), title: "Intro".into(), minutes: 5, guidance: String::new(), prompts: vec![] },
            Stage { key: "dig".into(), title: "Experience".into(), minutes: 20, guidance: String::new(), prompts: vec![] },
        ],
    };
    let id = s.create_template(short.clone()).unwrap();
    assert!(matches!(s.create_template(short.clone()), Err(Error::InvalidArgument(m)) if m.contains("exists")));
    let names: Vec<_> = s.templates().unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["Playbook (45 min)", "Phone screen"]);

    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let mut n = panel_interview(c, 600);
    n.template = s.find_template("phone screen").unwrap();
    let i = s.schedule_interview(n).unwrap();
    assert_eq!(s.interview(i).unwrap().minutes, 25);

    // Editing the template does not rewrite interviews already scheduled.
    short.stages[1].minutes = 40;
    s.update_template(id, short).unwrap();
    assert_eq!(s.template(id).unwrap().total_minutes(), 45);
    assert_eq!(s.interview(i).unwrap().minutes, 25);
    assert_eq!(s.interview(i).unwrap().stages[1].minutes, 20);
    assert!(matches!(s.find_template("nope"), Err(Error::NotFound { .. })));
}

#[test]
fn bad_arguments_get_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let mut nc = new_candidate(" ", 0);
    assert!(matches!(s.create_candidate(nc.clone()), Err(Error::InvalidArgument(_))));
    nc.name = "Dana".into();
    let c = s.create_candidate(nc).unwrap();
    let unknown = panelnotes_core::DocumentId::random();
    assert!(matches!(s.candidate(unknown), Err(Error::NotFound { .. })));
    assert!(matches!(s.interview(c), Err(Error::NotFound { kind: "interview", .. })));
    let mut n = panel_interview(unknown, 600);
    assert!(matches!(s.schedule_interview(n.clone()), Err(Error::NotFound { .. })));
    n.candidate_id = c;
    n.lead = who("zed@acme");
    assert!(matches!(s.schedule_interview(n.clone()), Err(Error::InvalidArgument(m)) if m.contains("lead")));
    n.lead = who("ana@acme");
    n.panelists.push(who("ana@acme"));
    assert!(matches!(s.schedule_interview(n), Err(Error::InvalidArgument(m)) if m.contains("twice")));
    assert!(matches!(
        s.record_event(c, CandidateEventKind::Applied, t(5), None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(s.timeline(unknown), Err(Error::NotFound { .. })));
}

#[test]
fn reopening_shows_the_interview_from_the_index_including_unfolded_keystrokes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.advance_stage(i, t(600)).unwrap();
    s.splice_notes(i, "pitch", 0, 0, "Pitch done 🚀").unwrap();
    s.flush().unwrap();
    s.add_question(i, "Why Postgres?", QuestionKind::Specific, t(630)).unwrap();
    // Typed after the last fold: only in the pending-edit log when the app dies.
    s.splice_notes(i, "learn", 0, 0, "中文 notes").unwrap();
    s.splice_notes(i, "pitch", 6, 5, "").unwrap();
    let exact = (s.interview(i).unwrap(), s.notes(i, "pitch").unwrap(), s.notes(i, "learn").unwrap());
    assert_eq!(exact.1, "Pitch 🚀");
    crash(s);

    let mut s = open(&dir, "ana@acme");
    let view = s.interview_view(i).unwrap();
    assert_eq!(view.interview, exact.0);
    let notes: std::collections::HashMap<_, _> = view.notes.iter().cloned().collect();
    assert_eq!(notes["pitch"], exact.1);
    assert_eq!(notes["learn"], exact.2);
    assert_eq!(notes["questions"], "");
    assert_eq!(view.notes.len(), 5);
    // The same once decoded.
    s.preload(i).unwrap();
    assert_eq!(s.interview_view(i).unwrap(), view);
    s.close().unwrap();
    let mut s = open(&dir, "ana@acme");
    assert_eq!(s.interview_view(i).unwrap(), view);
    assert!(matches!(s.interview_view(c), Err(Error::NotFound { .. })));
}

#[test]
fn offline_keystrokes_fold_rarely_and_live_ones_often() {
    use panelnotes_core::sync::{Connection, Grant, Role};
    use std::time::Duration as StdDuration;
    let dir = tempfile::tempdir().unwrap();
    let clock = panelnotes_core::ManualClock::starting_at(t(24 * 60));
    let mut s = open_with(
        &dir,
        "ana@acme",
        panelnotes_core::StoreOptions { clock: std::sync::Arc::new(clock.clone()), ..Default::default() },
    );
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    let changes = |s: &mut panelnotes_core::Store| {
        let mut d = automerge::AutoCommit::load(&s.document_bytes(i).unwrap()).unwrap();
        d.get_changes(&[]).len()
    };
    let type_for = |s: &mut panelnotes_core::Store, seconds: u64| {
        // Five characters a second with a space every fifth: a steady typist.
        for n in 0..seconds * 5 {
            let end = panelnotes_core::text::utf16_len(&s.notes(i, "learn").unwrap());
            s.splice_notes(i, "learn", end, 0, if n % 5 == 4 { " " } else { "a" }).unwrap();
            clock.advance(StdDuration::from_millis(200));
            if n % 5 == 0 {
                s.tick().unwrap();
            }
        }
    };
    let base = changes(&mut s);
    type_for(&mut s, 120);
    let offline = changes(&mut s) - base;
    assert!((2..=5).contains(&offline), "two minutes offline made {offline} changes");

    // A connected peer makes the document live: changes every couple of seconds.
    let mut conn = Connection::new(&s, Role::Initiator, Grant::documents([i])).unwrap();
    let peer_dir = tempfile::tempdir().unwrap();
    let mut peer = panelnotes_core::Store::open(peer_dir.path().join("p.sqlite3"), identity("ben@acme")).unwrap();
    let mut other = Connection::new(&peer, Role::Responder, Grant::documents([i])).unwrap();
    for _ in 0..4 {
        for f in conn.poll(&mut s).unwrap() {
            other.receive(&mut peer, &f).unwrap();
        }
        for f in other.poll(&mut peer).unwrap() {
            conn.receive(&mut s, &f).unwrap();
        }
    }
    assert!(conn.is_ready());
    let base = changes(&mut s);
    type_for(&mut s, 120);
    let live = changes(&mut s) - base;
    assert!(live >= 30, "two live minutes made only {live} changes");
    // Dropping the connection takes the document offline again.
    drop(conn);
    let base = changes(&mut s);
    type_for(&mut s, 120);
    assert!(changes(&mut s) - base <= 5);
}
