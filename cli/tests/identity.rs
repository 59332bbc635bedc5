//! Who the CLI acts as: set once by `init`, changed only by `init --replace`, never by a
//! flag of another command, and never by a command that fails.

mod common;

use common::Cli;

#[test]
fn the_store_identity_is_set_once_by_init_and_changed_only_by_an_explicit_command() {
    let cli = Cli::bare();
    // Nothing works, and nothing is created, before `init`.
    let out = cli.raw(&["whoami"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("panelnotes init --as YOU --name"));
    assert!(!cli.store().exists());
    // A bad id or an empty name is refused before the store exists.
    assert!(!cli.raw(&["--as", "not an email", "init", "--name", "Ana"], None).status.success());
    assert!(!cli.raw(&["--as", "ana@acme", "init", "--name", " "], None).status.success());
    assert!(!cli.store().exists());
    cli.ok("ana@acme", &["init", "--name", "Ana"]);
    assert!(cli.me(&["whoami"]).starts_with("Ana (ana@acme) — store"));
    // Running init again as someone else is refused; only --replace changes it.
    let out = cli.run_as("eve@acme", &["init", "--name", "Eve"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("this store belongs to ana@acme"));
    assert!(cli.me(&["whoami"]).starts_with("Ana (ana@acme)"));
    cli.ok("ana@acme", &["init", "--name", "Ana"]);
    cli.ok("bea@acme", &["init", "--replace", "--name", "Bea"]);
    assert!(cli.me(&["whoami"]).starts_with("Bea (bea@acme)"));
}

#[test]
fn the_person_flag_and_the_candidate_name_flag_never_collide() {
    let cli = Cli::new();
    let c = cli.me(&["candidate", "add", "--name", "Candidate Carla", "--role", "R", "--applied-at", "2026-03-02 09:00"]);
    assert!(cli.me(&["candidate", "show", c.trim()]).starts_with("Candidate Carla — R"));
    assert!(cli.me(&["whoami"]).starts_with("Ana (ana@acme)"), "adding a candidate renamed the user");
    // An empty candidate name is the candidate's problem, not the interviewer's.
    let e = cli.fails(&["candidate", "add", "--name", "", "--role", "R"], None);
    assert!(e.contains("a candidate needs a name"), "{e}");
    // There is no global --name any more to mistake for the person's.
    let out = cli.raw(&["--name", "Ana", "candidate", "add", "--name", "Dana", "--role", "R"], None);
    assert!(!out.status.success());
}

#[test]
fn a_failing_command_changes_nothing_and_a_one_off_as_never_sticks() {
    let cli = Cli::new();
    let (c, _) = cli.dana();
    // Eve is not Dana's lead: her decision is refused, and she is not remembered.
    let e = cli.fails_as("eve@acme", &["candidate", "decide", &c, "reject", "--at", "2026-03-05 09:00"], None);
    assert!(e.contains("only the candidate's lead (ana@acme) records the decision"), "{e}");
    assert!(cli.me(&["whoami"]).starts_with("Ana (ana@acme)"));
    assert!(!cli.me(&["candidate", "show", &c]).contains("Decision"));
    // A one-off that works is credited to Ben, and does not stick either.
    cli.ok("ben@acme", &["candidate", "event", &c, "acknowledged", "--at", "2026-03-02 10:00"]);
    assert!(cli.me(&["candidate", "show", &c]).contains("Application acknowledged by ben@acme"));
    assert!(cli.ok("ben@acme", &["whoami"]).contains("for this command only; the store belongs to Ana (ana@acme)"));
    assert!(cli.me(&["whoami"]).starts_with("Ana (ana@acme)"));
    // No interview was held: deciding without its scorecards takes the explicit override.
    cli.me(&["candidate", "decide", &c, "hire", "--at", "2026-03-05 09:00", "--without-scorecards"]);
    assert!(cli.me(&["candidate", "show", &c]).contains("Decision: hire by ana@acme"));
}

#[test]
fn only_the_lead_records_the_decision_and_the_debrief() {
    let cli = Cli::new();
    let (c, _) = cli.dana();
    for args in [
        vec!["candidate", "event", &c, "debrief-booked", "--at", "2026-03-04 12:00"],
        vec!["candidate", "event", &c, "debrief-held", "--at", "2026-03-05 09:00"],
        vec!["candidate", "decide", &c, "hire", "--at", "2026-03-05 09:30"],
    ] {
        let e = cli.fails_as("ben@acme", &args, None);
        assert!(e.contains("not permitted: only the candidate's lead (ana@acme)"), "{e}");
    }
    cli.me(&["candidate", "lead", &c, "ben@acme"]);
    cli.ok("ben@acme", &["candidate", "event", &c, "debrief-booked", "--at", "2026-03-04 12:00"]);
}

#[test]
fn scheduling_records_who_booked_it_the_lead_is_named_and_panelists_are_interviewer_ids() {
    let cli = Cli::new();
    let c = cli.me(&["candidate", "add", "--name", "Dana", "--role", "SRE", "--applied-at", "2026-03-02 09:00"]);
    let c = c.trim();
    // No silent lead: the first panelist is not promoted.
    let out = cli.raw(&["interview", "schedule", c, "--at", "2026-03-04 09:00", "--panel", "ben@acme,cy@acme"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--lead"));
    let e = cli.fails(&["interview", "schedule", c, "--at", "2026-03-04 09:00", "--panel", "not an email, ben", "--lead", "ben"], None);
    assert!(e.contains("an interviewer id is an email address or a handle"), "{e}");
    cli.me(&["interview", "schedule", c, "--at", "2026-03-04 09:00", "--panel", "ben@acme,cy@acme", "--lead", "cy@acme", "--booked-at", "2026-03-02 10:00"]);
    let tl = cli.me(&["candidate", "show", c]);
    assert!(tl.contains("2026-03-02 10:00  Interview scheduled (for 2026-03-04 09:00, 45 min) by ana@acme"), "{tl}");
    assert!(tl.contains("cy@acme (lead)"), "{tl}");
    assert!(!tl.contains("ben@acme (lead)"), "{tl}");
}
