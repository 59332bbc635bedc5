//! The CLI as a person runs it: real processes on a temporary store.

mod common;


use common::Cli;

#[test]
fn a_whole_process_through_the_cli() {
    let cli = Cli::new();
    let c = cli
        .ok("ana@acme", &["candidate", "add", "--name", "Dana", "--role", "Data engineer", "--applied-at", "2026-03-02 09:00"])
        .trim()
        .to_owned();
    let short = &c[..6];
    assert!(cli.ok("ana@acme", &["candidates"]).contains("Acknowledge the application"));
    cli.ok("ana@acme", &["candidate", "event", short, "acknowledged", "--at", "2026-03-02 10:00"]);
    let i = cli
        .ok("ana@acme", &["interview", "schedule", short, "--at", "2026-03-04 09:00", "--panel", "ana@acme,ben@acme", "--lead", "ana@acme", "--booked-at", "2026-03-02 11:00"])
        .trim()
        .to_owned();
    assert_eq!(cli.ok("ana@acme", &["interview", "stage", &i, "--at", "2026-03-04 09:00"]).trim(), "started pitch");
    assert_eq!(cli.ok("ana@acme", &["interview", "stage", &i, "--at", "2026-03-04 09:07"]).trim(), "started learn");
    cli.ok_in("ana@acme", &["notes", &i, "learn", "--append"], Some("Ran Spark 🚀 on 200 nodes"));
    cli.ok_in("ben@acme", &["notes", &i, "learn", "--append"], Some("分布式 answer was good"));
    // "Ran Spark " is 10 UTF-16 units, the rocket 2 more.
    cli.ok_in("ana@acme", &["notes", &i, "learn", "--insert-at", "10", "--delete", "2"], Some("🔥"));
    assert_eq!(
        cli.ok("ana@acme", &["notes", &i, "learn", "--print"]).trim_end(),
        "Ran Spark 🔥 on 200 nodes\n分布式 answer was good"
    );
    cli.ok("ana@acme", &["interview", "question", &i, "How is the culture?", "--generic"]);
    cli.ok("ana@acme", &["candidate", "logistics", short, "--salary-range", "95000-110000", "--notice-days", "60", "--risk", "comfortable"]);
    let show = cli.ok("ana@acme", &["interview", "show", &i, "--now", "2026-03-04 09:30"]);
    assert!(show.contains("▶ learn"), "{show}");
    assert!(show.contains("pitch        Company and role pitch       7m of 5m, 2m over"), "{show}");
    cli.ok_in("ana@acme", &["notes", &i, "learn", "--append"], Some("\n## Technical depth\nTuned shuffles by hand."));
    let kit = cli.ok("ana@acme", &["interview", "kit", &i, "--now", "2026-03-04 09:30"]);
    assert!(kit.contains("Learn about the candidate (now): 23m of 20m, 3m over"), "{kit}");
    assert!(kit.contains("Technical depth [noted]\n    ? Have you used X or anything like it?\n    > Tuned shuffles by hand."), "{kit}");
    assert!(kit.contains("Business impact [no notes yet]"), "{kit}");
    assert!(kit.contains("  - logistics: possible start date\n"), "{kit}");
    assert!(!kit.contains("logistics: salary"), "{kit}");
    let end = cli.ok("ana@acme", &["interview", "end", &i, "--at", "2026-03-04 09:50"]);
    assert!(end.starts_with("Never covered:\n"), "{end}");
    assert!(end.contains("probe: Reaction to a challenge") && end.contains("probe: Business impact"), "{end}");
    assert!(!end.contains("probe: Technical depth") && !end.contains("candidate's questions"), "{end}");
    assert!(cli.ok("ben@acme", &["pending"]).contains("Dana"));
    cli.ok("ana@acme", &["scorecard", "draft", &i, "--technical", "4", "--challenge", "3", "--business", "3", "--questions", "2", "--recommend", "strong-yes"]);
    cli.ok("ana@acme", &["scorecard", "submit", &i, "--at", "2026-03-04 10:00"]);
    assert!(cli.ok("ben@acme", &["scorecard", "show", &i]).contains("Sealed: 1 of 2 submitted"));
    let partial = cli.ok("ana@acme", &["candidate", "brief", short]);
    assert!(partial.starts_with("Debrief brief (PARTIAL)\n  missing: ben@acme"), "{partial}");
    cli.ok("ben@acme", &["scorecard", "draft", &i, "--technical", "3", "--challenge", "3", "--business", "2", "--questions", "3", "--recommend", "no"]);
    let revealed = cli.ok("ben@acme", &["scorecard", "submit", &i, "--at", "2026-03-04 11:00"]);
    assert!(revealed.contains("ana@acme — Strong yes"), "{revealed}");
    let brief = cli.ok("ana@acme", &["candidate", "brief", short]);
    assert!(brief.starts_with("Debrief brief (complete: every scorecard is in)\n\nTechnical depth — spread 1 (close)\n  ben@acme 3/4"), "{brief}");
    assert!(brief.contains("    > Tuned shuffles by hand."), "{brief}");
    assert!(brief.contains("Reaction to a challenge — spread 0 (agreement)"), "{brief}");
    assert!(brief.contains("  [generic] How is the culture?"), "{brief}");
    assert!(brief.contains("  start date: not asked"), "{brief}");
    cli.ok("ana@acme", &["candidate", "event", short, "debrief-booked", "--at", "2026-03-04 11:05"]);
    cli.ok("ana@acme", &["candidate", "decide", short, "hire", "--at", "2026-03-05 09:00"]);
    let tl = cli.ok("ana@acme", &["candidate", "show", short]);
    assert!(tl.contains("application → acknowledgement:   1h 0m"), "{tl}");
    assert!(tl.contains("last interview → debrief booked: 1h 15m"), "{tl}");
    assert!(tl.contains("Status: offer to make — next: Make an offer"), "{tl}");
    let md_path = cli.dir.path().join("dana.md");
    cli.ok("ana@acme", &["export", short, "-o", md_path.to_str().unwrap()]);
    let md = std::fs::read_to_string(md_path).unwrap();
    assert!(md.starts_with("# Dana — Data engineer"));
    assert!(md.contains("Ran Spark 🔥 on 200 nodes"));
    assert!(md.contains("- Salary: expects 95000-110000 EUR/year"));
    assert!(cli.ok("ana@acme", &["verify"]).contains("All documents load."));
    // The identity is remembered by the store.
    assert!(cli.me(&["whoami"]).starts_with("Ana (ana@acme) — store"));
}

#[test]
fn bad_input_is_a_clear_error_and_a_failing_exit_code() {
    let cli = Cli::new();
    let c = cli.ok("ana@acme", &["candidate", "add", "--name", "Dana", "--role", "SRE", "--applied-at", "2026-03-02 09:00"]).trim().to_owned();
    let i = cli
        .ok("ana@acme", &["interview", "schedule", &c, "--at", "2026-03-04 09:00", "--panel", "ana@acme", "--lead", "ana@acme"])
        .trim()
        .to_owned();
    assert!(cli.fails(&["candidate", "show", "zzzzzzzz"], None).contains("no candidate or document matches \"zzzzzzzz\""));
    assert!(cli.fails(&["interview", "show", "zzzzzzzz"], None).contains("no document with id"));
    assert!(cli.fails(&["candidate", "show", "3sSRdrfmjH6Efo5ZnLVyKkwD2wJH"], None).contains("no candidate"));
    assert!(cli.fails(&["interview", "show", &c], None).contains("no interview with id"));
    let e = cli.fails(&["candidate", "event", &c, "acknowledged", "--at", "next tuesday"], None);
    assert!(e.contains("invalid date or time \"next tuesday\""), "{e}");
    let e = cli.fails(&["notes", &i, "learn", "--insert-at", "99"], Some("x"));
    assert!(e.contains("position 99 is out of range: the text has 0 UTF-16 code units"), "{e}");
    let e = cli.fails(&["notes", &i, "nope", "--append"], Some("x"));
    assert!(e.contains("no stage with id nope"), "{e}");
    let e = cli.fails(&["candidate", "event", &c, "hired"], None);
    assert!(e.contains("unknown event"), "{e}");
    let e = cli.fails(&["scorecard", "draft", &i, "--technical", "7"], None);
    assert!(e.contains("rated 1 to 4"), "{e}");
    let e = cli.fails(&["scorecard", "draft", &i, "--recommend", "maybe"], None);
    assert!(e.contains("no neutral"), "{e}");
    let e = cli.fails(&["candidate", "logistics", &c, "--salary-range", "lots"], None);
    assert!(e.contains("MIN-MAX"), "{e}");
}

#[test]
fn the_demo_runs_three_processes_that_converge() {
    let out = common::bin().arg("demo").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "[Ben] synced with Ana",
        "Ana: ran Spark on 200 nodes 🚀",
        "Cy: knows the business why: cut reporting latency for sales (销售)",
        "logistics.salary",
        // Each value with the time it was said, as typed with --at.
        "expects 95000-110000 EUR/year  — ben@acme.test, 2026-03-04 09:39",
        "expects 90000-100000 EUR/year  — ana@acme.test, 2026-03-04 09:38",
        "Sealed: 1 of 3 submitted (ana@acme.test)",
        "ben@acme.test — Yes (submitted 2026-03-04 11:00)",
        "No conflicts.",
        "application → acknowledgement:   2h 30m",
        "2026-03-02 11:40  Interview scheduled (for 2026-03-04 09:00, 45 min) by ana@acme.test",
        // Booked when the interview was scheduled: no wait after it.
        "last interview → debrief booked: 0s",
        "Proposed debrief, right after the last interview, with the whole panel: 2026-03-04 09:45 UTC, 30 min",
        "Debrief booked: 2026-03-04 09:45 UTC, 30 min, with ana@acme.test, ben@acme.test, cy@acme.test",
        // The kit on Ana's phone before any sync: her own #depth note only.
        "    Technical depth [noted]",
        "    Business impact [no notes yet]",
        // At the end, after the phones synced in the room.
        "Never covered:\n      - logistics: possible start date",
        "Debrief brief (PARTIAL)",
        "missing: ben@acme.test",
        "Debrief brief (complete: every scorecard is in)\n    \n    Technical depth — spread 2 (disagreement)\n      cy@acme.test 2/4",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the demo:\n{text}");
    }
}

#[test]
fn conflicts_are_listed_and_resolved() {
    use panelnotes_core::model::{LogisticsUpdate, NewCandidate, SalaryExpectation};
    use panelnotes_core::{Identity, InterviewerId, Store};
    let cli = Cli::new();
    let path = cli.store();
    let other = cli.dir.path().join("other.sqlite3");
    let me = |w: &str| Identity { id: InterviewerId::new(w).unwrap(), display_name: w.into() };
    // Two devices write different salary figures for the same candidate, then exchange.
    let keyed = panelnotes_core::StoreOptions { key: Some(cli.key()), ..Default::default() };
    let mut a = Store::open_with(&path, me("ana@acme"), keyed).unwrap();
    let c = a
        .create_candidate(NewCandidate { name: "Dana".into(), role: "SRE".into(), source: None, contact: None, applied_at: chrono::Utc::now() })
        .unwrap();
    let mut b = Store::open(&other, me("ben@acme")).unwrap();
    b.apply_remote(c, &a.document_bytes(c).unwrap()).unwrap();
    let salary = |min| LogisticsUpdate { salary: Some(SalaryExpectation::Current { amount: min, currency: "EUR".into() }), ..Default::default() };
    a.set_logistics(c, salary(80_000)).unwrap();
    b.set_logistics(c, salary(90_000)).unwrap();
    a.apply_remote(c, &b.document_bytes(c).unwrap()).unwrap();
    a.close().unwrap();
    drop(b);

    let listed = cli.ok("ana@acme", &["conflicts"]);
    assert!(listed.contains("logistics.salary"), "{listed}");
    assert!(listed.contains("current pay 80000 EUR/year  — ana@acme"), "{listed}");
    assert!(listed.contains("current pay 90000 EUR/year  — ben@acme"), "{listed}");
    let pick = listed.lines().find(|l| l.contains("90000")).unwrap().trim().split(':').next().unwrap().to_string();
    let c = c.to_string();
    let e = cli.fails(&["resolve", &c, "logistics.salary", "7"], None);
    assert!(e.contains("pick a value from 0 to 1"), "{e}");
    assert!(cli.fails(&["resolve", &c, "logistics.startDate", "0"], None).contains("no conflict"));
    cli.ok("ana@acme", &["resolve", &c, "logistics.salary", &pick]);
    assert_eq!(cli.ok("ana@acme", &["conflicts", &c]).trim(), "No conflicts.");
    let md = cli.ok("ana@acme", &["export", &c]);
    assert!(md.contains("- Salary: current pay 90000 EUR/year"), "{md}");
}

#[test]
fn the_debrief_is_proposed_booked_ahead_and_exported() {
    let cli = Cli::new();
    let c = cli.ok("ana@acme", &["candidate", "add", "--name", "Dana", "--role", "SRE", "--applied-at", "2026-03-02 09:00"]).trim().to_owned();
    let i = cli
        .ok("ana@acme", &["interview", "schedule", &c, "--at", "2026-03-04 09:00", "--panel", "ben@acme", "--lead", "ben@acme", "--booked-at", "2026-03-02 10:00"])
        .trim()
        .to_owned();
    let shown = cli.ok("ana@acme", &["candidate", "debrief", &c]);
    assert!(
        shown.contains("with ben@acme (interviewer) and ana@acme (lead): 2026-03-04 09:45 UTC, 30 min, with ben@acme, ana@acme"),
        "{shown}"
    );
    let ics = cli.dir.path().join("debrief.ics");
    let booked = cli.ok("ana@acme", &["candidate", "debrief", &c, "--book", "--minutes", "20", "--booked-at", "2026-03-02 10:05", "--ics", ics.to_str().unwrap()]);
    assert_eq!(booked.trim(), "Debrief booked: 2026-03-04 09:45 UTC, 20 min, with ben@acme, ana@acme");
    let ics = std::fs::read_to_string(ics).unwrap();
    assert!(ics.contains("DTSTART:20260304T094500Z") && ics.contains("DTEND:20260304T100500Z"), "{ics}");
    cli.ok("ben@acme", &["interview", "stage", &i, "--at", "2026-03-04 09:00"]);
    cli.ok("ben@acme", &["interview", "end", &i, "--at", "2026-03-04 09:40"]);
    let tl = cli.ok("ana@acme", &["candidate", "show", &c]);
    assert!(tl.contains("Status: debrief booked — next: Hold the debrief"), "{tl}");
    assert!(tl.contains("last interview → debrief booked: 0s"), "{tl}");
    let owed = cli.ok("ana@acme", &["owed", "--now", "2026-03-05 12:00"]);
    assert!(owed.contains("ben@acme owes [") && owed.contains("next reminder 2026-03-06 10:40"), "{owed}");
    let e = cli.fails(&["candidate", "decide", &c, "hire", "--at", "2026-03-05 09:00"], None);
    assert!(e.contains("1 scorecard(s) are missing (ben@acme)"), "{e}");
    cli.ok("ana@acme", &["candidate", "decide", &c, "hire", "--at", "2026-03-05 09:00", "--without-scorecards"]);
    // Never acknowledged: 3 days 22 hours after applying, the queue flags Dana.
    let acks = cli.ok("ana@acme", &["acks", "--now", "2026-03-06 07:00"]);
    assert!(acks.contains("Dana — SRE — waiting 3d 22h OVER TARGET"), "{acks}");
    assert!(cli.ok("ana@acme", &["acks", "--role", "Designer", "--now", "2026-03-06 07:00"]).contains("Every application is acknowledged."));
    let tl = cli.ok("ana@acme", &["candidate", "show", &c]);
    assert!(tl.contains("Status: offer to make — next: Make an offer"), "{tl}");
    cli.ok("ben@acme", &["interview", "commit", &i, "Send the take-home", "--owner", "ben@acme", "--due", "2026-03-05 12:00", "--at", "2026-03-04 09:35"]);
    let open = cli.ok("ana@acme", &["commitments", "--now", "2026-03-06 00:00"]);
    assert!(open.contains("#0 ben@acme by 2026-03-05 12:00 OVERDUE: Send the take-home"), "{open}");
    assert!(cli.ok("ana@acme", &["candidate", "brief", &c]).contains("Open commitments:\n  ben@acme by 2026-03-05 12:00 UTC: Send the take-home"));
    cli.ok("ben@acme", &["interview", "kept", &i, "0", "--at", "2026-03-05 11:00"]);
    assert!(cli.ok("ana@acme", &["commitments"]).contains("No open commitments."));
    assert!(cli.ok("ana@acme", &["candidate", "show", &c]).contains("Commitment due"));
}
