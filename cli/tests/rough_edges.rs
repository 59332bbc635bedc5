//! The CLI's rough edges, each as a person met it.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use common::{bin, Cli};

fn person(who: &str, name: &str) -> Cli {
    let cli = Cli::bare();
    let out = cli.raw(&["--as", who, "init", "--name", name], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    cli
}

#[test]
fn question_without_a_kind_says_one_of_generic_or_specific() {
    let cli = Cli::new();
    let (_, i) = cli.dana();
    let e = cli.fails(&["interview", "question", &i, "How is the culture?", "--at", "2026-03-04 09:30"], None);
    assert!(e.contains("one of --generic/--specific"), "{e}");
}

#[test]
fn interview_show_has_the_next_steps_note_and_questions_in_time_order() {
    let cli = Cli::new();
    let (_, i) = cli.dana();
    cli.me(&["interview", "question", &i, "Why Postgres?", "--specific", "--at", "2026-03-04 09:31"]);
    cli.me(&["interview", "question", &i, "How is the culture?", "--generic", "--at", "2026-03-04 09:29"]);
    cli.me(&["interview", "next-steps", &i, "--meet", "CTO", "--owner", "ana@acme", "--note", "Send the take-home on Friday"]);
    let show = cli.me(&["interview", "show", &i, "--now", "2026-03-04 09:45"]);
    let culture = show.find("question 2026-03-04 09:29 [generic] How is the culture?").expect(&show);
    let postgres = show.find("question 2026-03-04 09:31 [specific] Why Postgres?").expect(&show);
    assert!(culture < postgres, "{show}");
    assert!(show.contains("next: meets CTO"), "{show}");
    assert!(show.contains("next: ana@acme follows up"), "{show}");
    assert!(show.contains("next: Send the take-home on Friday"), "{show}");
}

#[test]
fn a_too_short_id_says_the_minimum_length() {
    let cli = Cli::new();
    cli.dana();
    let e = cli.fails(&["interview", "show", "P1w"], None);
    assert!(e.contains("\"P1w\" is too short") && e.contains("at least 4 characters"), "{e}");
}

#[test]
fn template_show_accepts_what_template_list_prints() {
    let cli = Cli::new();
    let file = cli.dir.path().join("screen.json");
    std::fs::write(&file, r#"{"name": "Phone screen", "stages": [{"key": "intro", "title": "Intro", "minutes": 5}]}"#).unwrap();
    cli.me(&["template", "add", file.to_str().unwrap()]);
    let list = cli.me(&["template", "list"]);
    for line in list.lines() {
        let shown = line.split_whitespace().next().unwrap();
        let t = cli.me(&["template", "show", shown]);
        let name = if shown == "built-in" { "Playbook (45 min)" } else { "Phone screen" };
        assert!(t.starts_with(name), "`template show {shown}`: {t}");
    }
}

#[test]
fn candidates_can_be_looked_up_by_name() {
    let cli = Cli::new();
    let (c, _) = cli.dana();
    cli.me(&["candidate", "add", "--name", "Dan Other", "--role", "SRE", "--applied-at", "2026-03-02 09:00"]);
    assert!(cli.me(&["candidate", "show", "dana"]).contains(&format!("Dana — SRE ({c})")));
    cli.me(&["candidate", "event", "Dana", "acknowledged", "--at", "2026-03-02 10:00"]);
    assert!(cli.me(&["candidate", "find", "Dan"]).contains("Dan Other"));
    // Two candidates contain "Dan": the error names ids, never guesses.
    let e = cli.fails(&["candidate", "show", "Dan"], None);
    assert!(e.contains("matches 2 candidates") && e.contains(&c[..8]), "{e}");
}

#[test]
fn times_are_shown_in_the_tz_zone_defaulting_to_the_system_zone() {
    let cli = Cli::new();
    // Typed in Berlin (UTC+1 in March) and stored as 09:00 UTC.
    let c = cli.me(&["--tz", "Europe/Berlin", "candidate", "add", "--name", "Dana", "--role", "SRE", "--applied-at", "2026-03-02 10:00"]);
    let c = c.trim();
    assert!(cli.me(&["candidate", "show", c]).contains("2026-03-02 09:00  Applied"));
    assert!(cli.me(&["--tz", "+05:30", "candidate", "show", c]).contains("2026-03-02 14:30  Applied"));
    // No --tz: the system's zone (here set through TZ).
    let out = bin()
        .env_remove("PANELNOTES_TZ")
        .env("TZ", "Asia/Tokyo")
        .arg("--store")
        .arg(cli.store())
        .args(["candidate", "show", c])
        .output()
        .unwrap();
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("Timeline (Asia/Tokyo)") && shown.contains("2026-03-02 18:00  Applied"), "{shown}");
    let e = cli.fails(&["--tz", "Mars/Olympus", "candidates"], None);
    assert!(e.contains("unknown time zone"), "{e}");
}

#[test]
fn control_characters_in_names_are_sanitised_on_output() {
    let cli = Cli::new();
    cli.me(&["candidate", "add", "--name", "Dana\u{1b}]0;pwned\u{7}\u{1b}[31m\nEvil", "--role", "SRE\r", "--applied-at", "2026-03-02 09:00"]);
    cli.me(&["candidate", "add", "--name", "Eli", "--role", "SRE", "--applied-at", "2026-03-02 09:00"]);
    let list = cli.me(&["candidates"]);
    assert!(!list.contains('\u{1b}') && !list.contains('\u{7}') && !list.contains('\r'), "{list:?}");
    // One header and one line per candidate: the newline did not break the list.
    assert_eq!(list.lines().count(), 3, "{list}");
    let show = cli.me(&["candidate", "show", "Evil"]);
    assert!(show.starts_with("Dana␛]0;pwned␇␛[31m Evil — SRE ("), "{show:?}");
}

#[test]
fn a_closed_stdout_is_handled_quietly() {
    let cli = Cli::new();
    let (_, i) = cli.dana();
    // Far more than a pipe holds, so the writer meets the closed pipe whatever the timing.
    let notes = "Ran Spark on 200 nodes.\n".repeat(20_000);
    cli.ok_in("ana@acme", &["notes", &i, "learn"], Some(&notes));
    let mut child = bin()
        .arg("--store")
        .arg(cli.store())
        .args(["notes", &i, "learn", "--print"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| head -0`
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}: {err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn sync_listen_sessions_counts_peers_not_panels() {
    let ana = Cli::new();
    let (c, first) = ana.dana();
    let second = ana
        .me(&["interview", "schedule", &c, "--at", "2026-03-06 09:00", "--panel", "ana@acme,ben@acme", "--lead", "ana@acme", "--booked-at", "2026-03-02 12:00"])
        .trim()
        .to_owned();
    let (ben, cy) = (person("ben@acme", "Ben"), person("cy@acme", "Cy"));
    // Seat invites, and the three joins they make, over the lead's listener.
    let code = |i: &str, seat: &str| {
        let out = ana.me(&["invite", i, "--seat", seat, "--hours", "2"]);
        out.trim().split_once(": ").unwrap().1.to_owned()
    };
    let joins = [(&ben, code(&first, "ben@acme")), (&ben, code(&second, "ben@acme")), (&cy, code(&first, "cy@acme"))];
    let mut listener = bin()
        .arg("--store")
        .arg(ana.store())
        .args(["sync", "--listen", "127.0.0.1:0", "--sessions", "3", "--for", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(listener.stdout.take().unwrap());
    let mut first_line = String::new();
    lines.read_line(&mut first_line).unwrap();
    let addr = first_line.trim().strip_prefix("listening on ").unwrap().to_owned();
    for (who, uri) in &joins {
        assert!(who.me(&["join", uri, "--connect", &addr]).starts_with("welcomed"));
    }
    let mut rest = String::new();
    lines.read_to_string(&mut rest).unwrap();
    assert!(listener.wait().unwrap().success());
    assert_eq!(rest.matches(" admitted to ").count(), 3, "{rest}");
    // Two phones are expected; Ben's has two panels, so he opens two sessions.
    let mut listener = bin()
        .arg("--store")
        .arg(ana.store())
        .args(["sync", "--listen", "127.0.0.1:0", "--sessions", "2", "--for", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(listener.stdout.take().unwrap());
    let mut first_line = String::new();
    lines.read_line(&mut first_line).unwrap();
    let addr = first_line.trim().strip_prefix("listening on ").unwrap().to_owned();
    let synced = ben.me(&["sync", "--connect", &addr]);
    assert_eq!(synced.lines().count(), 2, "{synced}");
    assert!(cy.me(&["sync", "--connect", &addr]).starts_with("panel "), "the third session (Cy's) was refused");
    let mut rest = String::new();
    lines.read_to_string(&mut rest).unwrap();
    assert!(listener.wait().unwrap().success());
    assert_eq!(rest.matches("session: ").count(), 3, "{rest}");
}

#[test]
fn conflicts_show_the_at_times_used_everywhere_else() {
    use panelnotes_core::model::{LogisticsUpdate, SalaryExpectation};
    use panelnotes_core::{Identity, InterviewerId, Store};
    let cli = Cli::new();
    let (c, _) = cli.dana();
    let c: panelnotes_core::DocumentId = c.parse().unwrap();
    let other = tempfile::tempdir().unwrap();
    let me = |w: &str| Identity { id: InterviewerId::new(w).unwrap(), display_name: w.into() };
    let keyed = panelnotes_core::StoreOptions { key: Some(cli.key()), ..Default::default() };
    let mut a = Store::open_with(cli.store(), me("ana@acme"), keyed).unwrap();
    let mut b = Store::open(other.path().join("b.sqlite3"), me("ben@acme")).unwrap();
    b.apply_remote(c, &a.document_bytes(c).unwrap()).unwrap();
    let said = |min| chrono::DateTime::parse_from_rfc3339(&format!("2026-03-04T09:{min}:00Z")).unwrap().to_utc();
    let salary = |amount| LogisticsUpdate { salary: Some(SalaryExpectation::Current { amount, currency: "EUR".into() }), ..Default::default() };
    a.set_logistics_at(c, salary(80_000), said(38)).unwrap();
    b.set_logistics_at(c, salary(90_000), said(39)).unwrap();
    a.apply_remote(c, &b.document_bytes(c).unwrap()).unwrap();
    a.close().unwrap();
    let listed = cli.me(&["conflicts"]);
    assert!(listed.contains("current pay 80000 EUR/year  — ana@acme, 2026-03-04 09:38"), "{listed}");
    assert!(listed.contains("current pay 90000 EUR/year  — ben@acme, 2026-03-04 09:39"), "{listed}");
    let berlin = cli.me(&["--tz", "Europe/Berlin", "conflicts"]);
    assert!(berlin.contains("— ben@acme, 2026-03-04 10:39"), "{berlin}");
}

#[test]
fn sealed_scorecards_with_none_submitted_say_so_without_an_empty_list() {
    let cli = Cli::new();
    let (_, i) = cli.dana();
    let shown = cli.ok("ben@acme", &["scorecard", "show", &i]);
    assert_eq!(shown.trim(), "Sealed: none of 3 submitted yet. Submit your own scorecard to see the others.");
    assert!(!shown.contains("()"));
}

#[test]
fn the_application_is_not_credited_to_the_interviewer() {
    let cli = Cli::new();
    let (c, _) = cli.dana();
    let tl = cli.me(&["candidate", "show", &c]);
    assert!(tl.contains("2026-03-02 09:00  Applied (recorded by ana@acme)"), "{tl}");
    assert!(!tl.contains("Applied by"), "{tl}");
}

#[test]
fn out_of_order_times_and_oversized_notes_are_clear_errors() {
    let cli = Cli::new();
    let (c, i) = cli.dana();
    let e = cli.fails(&["candidate", "event", &c, "acknowledged", "--at", "2026-03-01 09:00"], None);
    assert!(e.contains("the acknowledgement cannot be dated before the application"), "{e}");
    let e = cli.fails(&["candidate", "add", "--name", "Fay", "--role", "SRE", "--applied-at", "2030-01-01"], None);
    assert!(e.contains("in the future"), "{e}");
    cli.me(&["interview", "stage", &i, "--at", "2026-03-04 09:00"]);
    cli.me(&["interview", "end", &i, "--at", "2026-03-04 09:45"]);
    let e = cli.fails(&["interview", "end", &i, "--at", "2026-03-04 10:15"], None);
    assert!(e.contains("already ended; reopen it"), "{e}");
    let e = cli.fails(&["notes", &i, "learn"], Some(&"x".repeat((1 << 20) + 1)));
    assert!(e.contains("a stage's notes would be 1048577 bytes; the limit is 1048576"), "{e}");
}
