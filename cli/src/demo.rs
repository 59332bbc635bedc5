//! `panelnotes demo`: the playbook interview with a panel of three, from application to
//! decision, on a fresh store. Each panelist acts through their own identity (until sync
//! lands, the three share one store file, as on a shared desktop).

use std::path::PathBuf;

use chrono::{Duration, TimeZone, Utc};
use panelnotes_core::model::{
    CandidateEventKind, LogisticsUpdate, NewCandidate, NewInterview, NextSteps, Outcome,
    QuestionKind, Ratings, Recommendation, RiskTolerance, SalaryExpectation, ScorecardDraft,
    Template,
};
use panelnotes_core::{Error, Identity, InterviewerId, Store};

use crate::{output, Failure};

fn person(id: &str, name: &str) -> Identity {
    Identity {
        id: InterviewerId::new(id).expect("valid id"),
        display_name: name.into(),
    }
}

fn draft(t: u8, c: u8, b: u8, q: u8, r: Recommendation, comments: &str) -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings {
            technical_depth: Some(t),
            reaction_to_challenge: Some(c),
            business_understanding: Some(b),
            question_quality: Some(q),
        },
        recommendation: Some(r),
        comments: comments.into(),
    }
}

/// Types `text` at the end of a stage's notes one character at a time, as a phone would.
fn type_notes(s: &mut Store, i: panelnotes_core::DocumentId, stage: &str, text: &str) -> Result<(), Error> {
    for ch in text.chars() {
        let end = panelnotes_core::text::utf16_len(&s.notes(i, stage)?);
        s.splice_notes(i, stage, end, 0, &ch.to_string())?;
    }
    Ok(())
}

pub fn run(keep: Option<PathBuf>) -> Result<(), Failure> {
    let tmp = tempfile::tempdir().map_err(|e| Failure::msg(format!("temporary directory: {e}")))?;
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|e| Failure::msg(format!("{}: {e}", dir.display())))?;
    let path = dir.join("demo.sqlite3");
    let _ = std::fs::remove_file(&path);
    let (ana, ben, cy) = (
        person("ana@acme.test", "Ana (lead)"),
        person("ben@acme.test", "Ben"),
        person("cy@acme.test", "Cy"),
    );
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let at = |min: i64| t0 + Duration::minutes(min);

    println!("== Panel Notes demo: the playbook interview, panel of three ==\n");
    let mut s = Store::open(&path, ana.clone())?;
    let c = s.create_candidate(NewCandidate {
        name: "Dana Example".into(),
        role: "Senior data engineer".into(),
        source: Some("referral".into()),
        contact: Some("dana@example.org".into()),
        applied_at: t0,
    })?;
    println!("Monday 09:00  Dana applies. Ana acknowledges at 11:30 (speed is key).");
    s.record_event(c, CandidateEventKind::Acknowledged, at(150), None)?;
    let start = 2 * 24 * 60; // Wednesday 09:00
    let i = s.schedule_interview(NewInterview {
        candidate_id: c,
        title: Some("Panel interview".into()),
        template: Template::playbook(),
        booked_at: at(160),
        scheduled_start: at(start),
        minutes: None,
        panelists: vec![ana.id.clone(), ben.id.clone(), cy.id.clone()],
        lead: ana.id.clone(),
    })?;
    println!("Monday 11:40  Ana books a 45-minute panel for Wednesday 09:00 with Ben and Cy.\n");

    println!("Wednesday: the interview, stage by stage");
    s.advance_stage(i, at(start))?;
    type_notes(&mut s, i, "pitch", "Pitched the data platform, our constraints (small team, on-call). Dana opted in.\n")?;
    s.advance_stage(i, at(start + 6))?;
    type_notes(&mut s, i, "learn", "Ana: Ran Spark on 200 nodes 🚀; explains shuffle cost clearly.\n")?;
    s.close()?;
    let mut s = Store::open(&path, ben.clone())?;
    type_notes(&mut s, i, "learn", "Ben: Challenge on sampling vs distributed training — paused, then a good trade-off answer.\n")?;
    s.close()?;
    let mut s = Store::open(&path, cy.clone())?;
    type_notes(&mut s, i, "learn", "Cy: Knows the business why: cut reporting latency for sales (销售) from a day to 1h.\n")?;
    s.close()?;
    let mut s = Store::open(&path, ana.clone())?;
    s.advance_stage(i, at(start + 28))?; // the learning stage ran 2 minutes over
    s.add_question(i, "How is the culture?", QuestionKind::Generic, at(start + 29))?;
    s.add_question(i, "Why Postgres rather than a warehouse for the feature store?", QuestionKind::Specific, at(start + 31))?;
    s.advance_stage(i, at(start + 37))?;
    s.set_logistics(
        c,
        LogisticsUpdate {
            risk_tolerance: Some(RiskTolerance::Comfortable),
            risk_notes: Some("fine with early stage; has savings".into()),
            salary: Some(SalaryExpectation::Range { min: 95_000, max: 110_000, currency: "EUR".into() }),
            start_date: Some(chrono::NaiveDate::from_ymd_opt(2026, 5, 1).expect("valid date")),
            notice_period_days: Some(60),
        },
    )?;
    s.advance_stage(i, at(start + 42))?;
    s.set_next_steps(
        i,
        NextSteps {
            meet_next: vec!["CTO".into(), "Head of Data".into()],
            owner: Some(ana.id.clone()),
            note: Some("Ana follows up by Friday".into()),
        },
    )?;
    s.end_interview(i, at(start + 47))?;
    let iv = s.interview(i)?;
    print!("{}", output::clock(&iv, &iv.clock(at(start + 47))));

    println!("\nThe panel's shared notes:");
    for stage in &iv.stages {
        let text = s.notes(i, &stage.key)?;
        if !text.trim().is_empty() {
            println!("  [{}]\n{}", stage.title, text.trim_end().lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n"));
        }
    }

    println!("\nScorecards are independent:");
    s.save_scorecard_draft(i, draft(4, 3, 3, 4, Recommendation::StrongYes, "Deep Spark experience; asked sharp questions."))?;
    s.submit_scorecard(i, at(start + 65))?;
    s.close()?;
    let mut s = Store::open(&path, ben.clone())?;
    println!("  Ben, before submitting his own: {}", output::scorecards(&s.scorecards(i)?).trim_end());
    s.save_scorecard_draft(i, draft(3, 4, 3, 3, Recommendation::Yes, "Handled the challenge well."))?;
    s.submit_scorecard(i, at(start + 120))?;
    s.close()?;
    let mut s = Store::open(&path, cy.clone())?;
    s.save_scorecard_draft(i, draft(3, 3, 4, 3, Recommendation::Yes, "Understands business impact."))?;
    s.submit_scorecard(i, at(start + 180))?;
    println!("  Cy, after submitting:\n{}", output::scorecards(&s.scorecards(i)?).lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n"));
    s.close()?;

    let mut s = Store::open(&path, ana.clone())?;
    s.record_event(c, CandidateEventKind::DebriefBooked, at(start + 185), None)?;
    s.record_event(c, CandidateEventKind::DebriefHeld, at(start + 24 * 60), None)?;
    s.decide(c, Outcome::Hire, at(start + 24 * 60 + 30), Some("Unanimous yes at the debrief".into()))?;
    s.record_event(c, CandidateEventKind::OfferMade, at(start + 26 * 60), None)?;

    println!("\n== The candidate's timeline ==\n");
    print!("{}", output::timeline(&s.timeline(c)?));
    println!("\n== The candidate list ==\n");
    print!("{}", output::candidate_list(&s.candidates()?, at(start + 27 * 60)));

    let md = s.export_markdown(c)?;
    let md_path = dir.join("dana-example.md");
    std::fs::write(&md_path, &md).map_err(|e| Failure::msg(format!("{}: {e}", md_path.display())))?;
    s.close()?;
    if dir == tmp.path() {
        println!("\nThe Markdown dossier the lead shares ({} lines) follows.\n", md.lines().count());
        print!("{md}");
    } else {
        println!("\nStore: {}\nDossier: {}", path.display(), md_path.display());
    }
    Ok(())
}
