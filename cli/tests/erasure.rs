//! Erasure, legal holds, the access-request export and the retention rule through the CLI,
//! as a person runs them: real processes on a temporary store, dates relative to today
//! (the CLI runs on the system clock).

mod common;

use common::Cli;

fn days_ago(n: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(n)).format("%Y-%m-%d %H:%M").to_string()
}

fn add(cli: &Cli, name: &str, applied_days_ago: i64) -> String {
    cli.ok("ana@acme", &["candidate", "add", "--name", name, "--role", "Data engineer", "--applied-at", &days_ago(applied_days_ago)]).trim().to_owned()
}

#[test]
fn retention_dry_run_and_run_erasure_holds_and_export_through_the_cli() {
    let cli = Cli::new();
    let old = add(&cli, "Olwen Oldapplicant", 300);
    let fresh = add(&cli, "Fenna Freshapplicant", 10);
    let held = add(&cli, "Hedda Heldapplicant", 300);
    for c in [&old, &held] {
        cli.ok("ana@acme", &["candidate", "decide", c, "reject", "--at", &days_ago(200), "--without-scorecards"]);
    }
    cli.ok("ana@acme", &["candidate", "logistics", &held, "--salary-current", "123456"]);
    cli.ok("ana@acme", &["candidate", "hold", &held]);

    // The dry run of a proposed rule lists ids and why, no names, and keeps nothing.
    let dry = cli.ok("ana@acme", &["retention", "--dry-run", "--after-decision-days", "180"]);
    assert!(dry.contains(&format!("due  {old}  decided 200 days ago (rule: 180 days after the decision)")), "{dry}");
    assert!(dry.contains(&format!("due  {held}")), "{dry}");
    assert!(!dry.contains(&fresh), "{dry}");
    assert!(!dry.contains("applicant"), "no names in the listing: {dry}");
    let unchanged = cli.ok("ana@acme", &["retention", "--dry-run"]);
    assert!(unchanged.contains("Rule: erase off after the decision, off without activity.") && unchanged.contains("Nothing is due."), "{unchanged}");
    assert!(cli.ok("ana@acme", &["candidates"]).contains("Olwen"));

    // The run: the held candidate is kept and says why.
    let run = cli.ok("ana@acme", &["retention", "--after-decision-days", "180"]);
    assert!(run.contains(&format!("erased  {old}")), "{run}");
    assert!(run.contains(&format!("kept  {held}  candidate {held} is under a legal hold")), "{run}");
    let list = cli.ok("ana@acme", &["candidates"]);
    assert!(!list.contains("Olwen") && list.contains("Fenna") && list.contains("Hedda"), "{list}");
    let erasures = cli.ok("ana@acme", &["candidate", "erasures"]);
    assert!(erasures.contains(&format!("{old}  erased")) && erasures.contains("1 of 1 devices acknowledged"), "{erasures}");
    // The rule stays: the next run has nothing new to do.
    assert!(cli.ok("ana@acme", &["retention", "--dry-run"]).contains(&format!("due  {held}")));

    // The access request: everything held, in both forms.
    let json = cli.ok("ana@acme", &["candidate", "export-all", &held, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["candidate"]["name"], "Hedda Heldapplicant");
    assert_eq!(v["legal_hold"], true);
    assert!(v["logistics"]["salary"].as_str().unwrap().contains("123456"), "{json}");
    let md = cli.ok("ana@acme", &["candidate", "export-all", &held]);
    assert!(md.starts_with("# Hedda Heldapplicant") && md.contains("Everything held on this device"), "{md}");

    // Erasing by hand: it needs --yes, the lead, and no hold.
    let out = cli.run_as("ana@acme", &["candidate", "erase", &fresh], None);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--yes"));
    let out = cli.run_as("ben@acme", &["candidate", "erase", &fresh, "--yes"], None);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("only the candidate's lead"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = cli.run_as("ana@acme", &["candidate", "erase", &held, "--yes"], None);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("legal hold"));
    assert!(cli.ok("ana@acme", &["candidate", "erase", &fresh, "--yes"]).contains(&format!("Erased {fresh}. 1 of 1 devices acknowledged")));
    assert!(!cli.ok("ana@acme", &["candidates"]).contains("Fenna"));
    // The CLI's store is encrypted at rest, so its raw bytes hold no name either way; the purge
    // of the bytes themselves is checked on plaintext stores in tests/tests/erasure.rs.
    let list = cli.ok("ana@acme", &["candidates"]);
    assert!(!list.contains("Olwen") && !list.contains("Fenna"), "{list}");
    assert!(list.contains("Hedda"), "the kept candidate is still there: {list}");
}
