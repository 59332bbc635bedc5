//! Linking a second device of one's own to a panel seat through the CLI, and moving the lead.

mod common;
use common::Cli;

/// The last word of the line that starts with `prefix` (a code the CLI prints for the next step).
fn code_after(out: &str, prefix: &str) -> String {
    out.lines().find(|l| l.trim_start().starts_with(prefix)).and_then(|l| l.split_whitespace().last()).unwrap_or_else(|| panic!("no `{prefix}` in {out}")).to_owned()
}

#[test]
fn a_tablet_is_linked_to_the_leads_seat_and_the_roster_shows_it() {
    let ana = Cli::new();
    let (_, i) = ana.dana();
    ana.me(&["invite", &i, "--seat", "ben@acme", "--hours", "2"]);
    let tablet = Cli::new();
    let device = code_after(&tablet.me(&["device"]), "panelnotes countersign-link");
    assert!(device.starts_with("pndevice1:"), "{device}");

    let vouched = ana.me(&["countersign-link", &i, &device, "--label", "iPad"]);
    let link = code_after(&vouched, "panelnotes link");
    // A damaged code is a clear error, not a crash.
    let mut damaged = link.clone();
    damaged.truncate(link.len() - 2);
    assert!(ana.fails(&["link", &i, &damaged], None).contains("link code"));
    assert!(ana.me(&["link", &i, &link]).contains("linked device"));
    // The same device twice is refused.
    assert!(ana.fails(&["link", &i, &link], None).contains("already on this roster"));

    let roster = ana.me(&["roster", &i]);
    assert!(roster.contains("lead: ana@acme"), "{roster}");
    assert!(roster.contains("iPad") && roster.contains("linked"), "{roster}");
    let code = ana.me(&["roster", &i, "--export"]).trim().to_owned();
    let took = tablet.me(&["take-roster", &code]);
    assert!(took.contains("in seat ana@acme"), "{took}");

    // The lead moves only to a seat with a device.
    assert!(ana.fails(&["transfer-lead", &i, "ben@acme"], None).contains("no such current device"));
}
