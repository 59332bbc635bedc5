//! `panelnotes compact`: the lead starts a new epoch for the same members from a snapshot.

mod common;

use common::Cli;

#[test]
fn the_lead_compacts_a_panel_and_its_roster_shows_the_new_epoch() {
    let ana = Cli::new();
    let (_, i) = ana.dana();
    // Without a panel there is nothing to compact.
    let refused = ana.fails(&["compact", &i], None);
    assert!(refused.contains("no panel for interview"), "{refused}");
    ana.me(&["invite", &i, "--seat", "ben@acme", "--hours", "2"]);
    let out = ana.me(&["compact", &i]);
    assert!(out.contains("epoch 1 starts from a snapshot"), "{out}");
    let out = ana.me(&["roster", &i]);
    assert!(out.contains("epoch 1"), "{out}");
    let out = ana.me(&["compact", &i]);
    assert!(out.contains("epoch 2 starts from a snapshot"), "{out}");
}
