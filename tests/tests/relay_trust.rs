//! Panel trust through the standard automerge-repo relay (Node, unmodified): phones exchange
//! sealed envelopes in their outbox documents, and the relay, its disk and a JS client that
//! knows every id see ciphertext only; what that client writes into a mailbox is ignored.
//!
//! Needs `npm install` in relay/ (scripts/test-all does it).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{LogisticsUpdate, SalaryExpectation};
use panelnotes_core::transport::relay::{sync_roster_via_relay, RelayOptions};
use panelnotes_core::{InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};
use panelnotes_tests::relay::{relay_dir, start_relay};

/// Every file under `dir`, read raw.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

const NOTE: &str = "MARKER-NOTE-uses-kafka-7f3a";
const CURRENCY: &str = "QZX";

#[test]
fn the_relay_and_anyone_who_knows_the_ids_see_ciphertext_only() {
    let relay = start_relay();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let open = |who: &str, n: u64| {
        let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(n), ..Default::default() };
        std::sync::Arc::new(std::sync::Mutex::new(Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap()))
    };
    let (ana, cy) = (open("ana@acme", 1), open("cy@acme", 3));
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (c, i, roster) = {
        let mut a = ana.lock().unwrap();
        let (c, i) = candidate_with_interview(&mut a, &["ana@acme", "cy@acme"], t0);
        a.splice_notes(i, "learn", 0, 0, NOTE).unwrap();
        let salary = SalaryExpectation::Current { amount: 987_654, currency: CURRENCY.into() };
        a.set_logistics(c, LogisticsUpdate { salary: Some(salary), ..Default::default() }).unwrap();
        let roster = a.start_roster(i, None).unwrap();
        let cy_device = cy.lock().unwrap().device();
        a.admit_device(&roster, InterviewerId::new("cy@acme").unwrap(), cy_device, "Pixel 8").unwrap();
        // Cy's phone gets the roster in the welcome (the join flow); here, directly.
        let entries = a.roster_bytes(&roster).unwrap();
        cy.lock().unwrap().import_roster(&roster, &entries).unwrap();
        (c, i, roster)
    };
    let opts = RelayOptions::default();
    let grant = ana.lock().unwrap().mailbox_grant(&roster).unwrap();
    assert_eq!(grant.iter().count(), 2, "one outbox per device");
    assert!(!grant.allows(i) && !grant.allows(c), "the panel's documents never go to the relay");
    sync_roster_via_relay(&ana, &relay.url, &roster, &opts).unwrap();

    // Cy's phone, never on Ana's LAN, gets everything through the relay.
    sync_roster_via_relay(&cy, &relay.url, &roster, &opts).unwrap();
    {
        let mut s = cy.lock().unwrap();
        assert!(s.notes(i, "learn").unwrap().contains(NOTE));
        let salary = s.candidate(c).unwrap().logistics.salary;
        assert!(format!("{salary:?}").contains(CURRENCY), "{salary:?}");
        // Cy writes too, so both outboxes are on the relay.
        s.splice_notes(i, "learn", 0, 0, "Cy: clear on trade-offs. ").unwrap();
    }
    sync_roster_via_relay(&cy, &relay.url, &roster, &opts).unwrap();
    sync_roster_via_relay(&ana, &relay.url, &roster, &opts).unwrap();
    assert!(ana.lock().unwrap().notes(i, "learn").unwrap().starts_with("Cy: clear on trade-offs. "));

    // Nothing under the relay's data directory holds any plaintext.
    let stored = files(relay.data_dir());
    assert!(!stored.is_empty(), "the relay stored the mailboxes");
    // Nor the installs' own storage ids: each panel's sessions present one of their own.
    let installs = [ana.lock().unwrap().storage_id().unwrap(), cy.lock().unwrap().storage_id().unwrap()];
    for (path, bytes) in &stored {
        for marker in ["Dana Example", NOTE, CURRENCY, "ana@acme", "cy@acme", "Data engineer", &installs[0], &installs[1]] {
            assert!(!contains(bytes, marker), "{} holds {marker:?}", path.display());
            assert!(!path.to_string_lossy().contains(marker), "{} names {marker:?}", path.display());
        }
    }

    // A JS client that knows the interview id, the candidate id and both mailbox ids.
    let mut ids = vec![i.url(), c.url()];
    ids.extend(grant.iter().map(|m| m.url()));
    let out = Command::new("node").arg("intruder.mjs").arg(&relay.url).args(&ids).current_dir(relay_dir()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(seen.contains(&format!("\"id\":\"{}\",\"found\":false", i.url())), "{seen}");
    assert!(seen.contains(&format!("\"id\":\"{}\",\"found\":false", c.url())), "{seen}");
    assert_eq!(seen.matches("\"found\":true").count(), 2, "it finds both outboxes: {seen}");
    assert!(!seen.contains("\"error\""), "{seen}");
    for marker in ["Dana Example", NOTE, CURRENCY, "ana@acme", "cy@acme"] {
        assert!(!seen.contains(marker), "the intruder read {marker:?}");
    }

    // What it wrote into the mailboxes is ignored: Ana's next note still arrives, nothing
    // else changes, and no envelope check even saw the garbage.
    {
        let mut a = ana.lock().unwrap();
        a.splice_notes(i, "learn", 0, 0, "second note ").unwrap();
    }
    sync_roster_via_relay(&ana, &relay.url, &roster, &opts).unwrap();
    sync_roster_via_relay(&cy, &relay.url, &roster, &opts).unwrap();
    sync_roster_via_relay(&ana, &relay.url, &roster, &opts).unwrap();
    for phone in [&ana, &cy] {
        let mut s = phone.lock().unwrap();
        assert!(s.notes(i, "learn").unwrap().starts_with("second note Cy: clear on trade-offs. "));
        assert!(s.envelope_problems(&roster).unwrap().is_empty(), "{:?}", s.envelope_problems(&roster).unwrap());
        assert_eq!(s.held_envelopes(&roster).unwrap(), 0);
    }
}
