//! Mailbox compaction by epochs, on real stores syncing their mailboxes: the lead's phone
//! starts a new epoch from a snapshot; a phone that joins afterwards and one that was away
//! both reach exactly the documents everyone else has from the snapshot and the new epoch,
//! without the old outboxes; a snapshot in which an admin altered, added or dropped a
//! member's change is refused by every phone. Prints what a fresh phone downloads before and
//! after compaction.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ROOT};
use chrono::{TimeZone, Utc};
use panelnotes_core::keys::DeviceKeys;
use panelnotes_core::trust::compaction::{CompactionPolicy, SnapshotReceipt};
use panelnotes_core::trust::epoch_snapshot::Snapshot;
use panelnotes_core::trust::mailbox::{outbox_of, seal_snapshot};
use panelnotes_core::trust::membership::wrap_context;
use panelnotes_core::trust::roster::Hash;
use panelnotes_core::trust::seal::{unwrap, Secret};
use panelnotes_core::{DocumentId, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};
use panelnotes_tests::net::{settle, Link};

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

fn store(dir: &std::path::Path, who: &str, n: u64, clock: &ManualClock) -> Store {
    let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(n), ..Default::default() };
    Store::open_with(dir.join(format!("{who}.sqlite3")), identity(who), options).unwrap()
}

const ANA: usize = 0;
const BEN: usize = 1;
const CY: usize = 2;

struct World {
    _dir: tempfile::TempDir,
    clock: ManualClock,
    phones: Vec<Store>,
    roster: Hash,
    c: DocumentId,
    i: DocumentId,
    /// An admin's phone running a modified app: the test holds its keys.
    deputy: DeviceKeys,
}

/// Syncs the given pairs of phones, each posting its new changes first, session after
/// session until nothing moves (a phone that learns of a new epoch in one session shares its
/// outboxes from the next). Returns the bytes on the wire.
fn sync(w: &mut World, pairs: &[(usize, usize)]) -> u64 {
    let mut total = 0;
    for _ in 0..4 {
        for &(a, b) in pairs {
            for n in [a, b] {
                w.phones[n].post_outgoing(&w.roster).unwrap();
            }
            let (ga, gb) = (w.phones[a].mailbox_grant(&w.roster).unwrap(), w.phones[b].mailbox_grant(&w.roster).unwrap());
            let mut links = [Link::connect(&mut w.phones, a, b, ga, gb)];
            let (_, bytes) = settle(&mut w.phones, &mut links);
            links[0].close(&mut w.phones);
            total += bytes;
        }
    }
    total
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let mut ana = store(dir.path(), "ana@acme", 1, &clock);
    let ben = store(dir.path(), "ben@acme", 2, &clock);
    let cy = store(dir.path(), "cy@acme", 3, &clock);
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (c, i) = candidate_with_interview(&mut ana, &["ana@acme", "ben@acme", "cy@acme", "dan@acme", "eve@acme"], t0);
    let roster = ana.start_roster(i, Some(seat("zed@acme"))).unwrap();
    let deputy = DeviceKeys::from_secret(&[77; 64]);
    ana.admit_device(&roster, seat("ben@acme"), ben.device(), "Pixel 8").unwrap();
    ana.admit_device(&roster, seat("cy@acme"), cy.device(), "iPhone").unwrap();
    ana.admit_device(&roster, seat("zed@acme"), deputy.public(), "deputy").unwrap();
    let mut w = World { _dir: dir, clock, phones: vec![ana, ben, cy], roster, c, i, deputy };
    let bytes = w.phones[ANA].roster_bytes(&roster).unwrap();
    for n in [BEN, CY] {
        w.phones[n].import_roster(&roster, &bytes).unwrap();
    }
    sync(&mut w, &[(ANA, BEN), (ANA, CY)]);
    w
}

/// Each phone types a few sentences into the notes, in turns, syncing through the lead.
fn type_notes(w: &mut World, who: &[usize], rounds: usize, tag: &str) {
    for r in 0..rounds {
        for &n in who {
            let text = format!("{tag} {n}.{r}: asked about streaming joins, answered with watermarks and late data. ");
            w.phones[n].splice_notes(w.i, "learn", 0, 0, &text).unwrap();
            w.clock.advance(std::time::Duration::from_secs(20));
        }
        let pairs: Vec<(usize, usize)> = who.iter().filter(|&&n| n != ANA).map(|&n| (ANA, n)).collect();
        sync(w, &pairs);
    }
}

/// A phone admitted now, with its welcome (the roster) and nothing else.
fn admit_fresh(w: &mut World, who: &str, n: u64) -> usize {
    let phone = store(w._dir.path(), who, n, &w.clock);
    w.phones[ANA].admit_device(&w.roster, seat(who), phone.device(), "fresh").unwrap();
    w.phones.push(phone);
    let at = w.phones.len() - 1;
    let bytes = w.phones[ANA].roster_bytes(&w.roster).unwrap();
    w.phones[at].import_roster(&w.roster, &bytes).unwrap();
    at
}

fn heads(s: &mut Store, doc: DocumentId) -> Vec<automerge::ChangeHash> {
    let mut h = AutoCommit::load(&s.document_bytes(doc).unwrap()).unwrap().get_heads();
    h.sort();
    h
}

fn epoch_of(s: &Store, roster: &Hash) -> u32 {
    s.roster(roster).unwrap().state().epoch
}

/// The outbox ids of `epoch`, of every device the roster admitted (`admins_only`: of the
/// admins), derived as any member derives them (the deputy's keys unwrap the secret).
fn outboxes(w: &World, epoch: u32, admins_only: bool) -> std::collections::BTreeSet<DocumentId> {
    let r = w.phones[ANA].roster(&w.roster).unwrap();
    let state = r.state();
    let wrapped = r.wrapped_for(&w.deputy.public().signing, epoch).unwrap();
    let secret = unwrap(&w.deputy, wrapped, &wrap_context(&state.panel, epoch)).unwrap();
    state
        .members
        .values()
        .filter(|m| !admins_only || state.is_admin(&m.device.signing))
        .map(|m| outbox_of(&secret, &state.panel, &m.device.signing).0)
        .collect()
}

#[test]
fn late_and_away_phones_converge_from_the_snapshot_without_the_old_outboxes() {
    let mut w = world();
    type_notes(&mut w, &[ANA, BEN, CY], 3, "before");
    // Cy goes away; Ana and Ben go on, and Cy types offline.
    type_notes(&mut w, &[ANA, BEN], 12, "while Cy was away");
    w.phones[CY].splice_notes(w.i, "learn", 0, 0, "Cy offline: strong on data modelling. ").unwrap();
    w.phones[CY].post_outgoing(&w.roster).unwrap();

    // A phone that joins before compaction downloads every envelope ever sent.
    let dan = admit_fresh(&mut w, "dan@acme", 4);
    sync(&mut w, &[(ANA, BEN)]);
    let before_wire = sync(&mut w, &[(ANA, dan)]);
    let before_held = w.phones[dan].mailbox_bytes(&w.roster).unwrap();
    assert_eq!(heads(&mut w.phones[dan], w.i), heads(&mut w.phones[ANA], w.i));

    // The lead compacts: a new epoch for the same members, from a snapshot.
    let epoch = w.phones[ANA].compact_panel(&w.roster).unwrap();
    assert_eq!(epoch, 1);
    assert_eq!(w.phones[ANA].compacted_epoch(&w.roster).unwrap(), Some(1));
    // A phone that joins right after gets the same documents from the snapshot alone.
    let eve = admit_fresh(&mut w, "eve@acme", 5);
    let after_wire = sync(&mut w, &[(ANA, eve)]);
    let after_held = w.phones[eve].mailbox_bytes(&w.roster).unwrap();
    assert_eq!(w.phones[eve].compacted_epoch(&w.roster).unwrap(), Some(1));
    assert_eq!(heads(&mut w.phones[eve], w.i), heads(&mut w.phones[ANA], w.i));
    assert_eq!(heads(&mut w.phones[eve], w.c), heads(&mut w.phones[ANA], w.c));
    eprintln!("fresh phone, mailbox bytes held / on the wire: before compaction {before_held} / {before_wire}; after {after_held} / {after_wire}");
    assert!(after_held < before_held, "{after_held} < {before_held}");

    sync(&mut w, &[(ANA, BEN), (ANA, dan)]);
    for n in [BEN, dan] {
        assert_eq!(w.phones[n].compacted_epoch(&w.roster).unwrap(), Some(1), "phone {n} verified the snapshot");
        assert!(w.phones[n].snapshot_problems(&w.roster).unwrap().is_empty());
    }
    type_notes(&mut w, &[ANA, BEN], 2, "after compaction");
    sync(&mut w, &[(ANA, dan), (ANA, eve)]);

    // Cy comes back on epoch 0: it learns the new epoch from the lead's epoch-0 outbox (kept
    // by the phones that compacted), then catches up from the snapshot; what it typed away is
    // sealed again into the new epoch and reaches everyone.
    assert_eq!(epoch_of(&w.phones[CY], &w.roster), 0);
    sync(&mut w, &[(BEN, CY), (ANA, BEN), (ANA, dan), (ANA, eve)]);
    assert_eq!(epoch_of(&w.phones[CY], &w.roster), 1);
    assert_eq!(w.phones[CY].compacted_epoch(&w.roster).unwrap(), Some(1));
    let all = [ANA, BEN, CY, dan, eve];
    let want = heads(&mut w.phones[ANA], w.i);
    for n in all {
        assert_eq!(heads(&mut w.phones[n], w.i), want, "phone {n}");
        assert_eq!(heads(&mut w.phones[n], w.c), heads(&mut w.phones[ANA], w.c), "phone {n}");
        assert!(w.phones[n].notes(w.i, "learn").unwrap().contains("Cy offline: strong on data modelling."));
        assert_eq!(w.phones[n].held_envelopes(&w.roster).unwrap(), 0, "phone {n}");
    }
    let text = w.phones[ANA].notes(w.i, "learn").unwrap();
    for n in all {
        assert_eq!(w.phones[n].notes(w.i, "learn").unwrap(), text);
    }
    // Nobody syncs the old outboxes any more: the fresh phone never knew them, the others
    // kept only the lead's and the deputy's of epoch 0, which carry the roster.
    let new = outboxes(&w, 1, false);
    let bridge = outboxes(&w, 0, true);
    for n in all {
        let held: std::collections::BTreeSet<DocumentId> = w.phones[n].mailbox_ids(&w.roster).unwrap().into_iter().collect();
        let allowed: std::collections::BTreeSet<DocumentId> = if n == eve { new.clone() } else { new.union(&bridge).copied().collect() };
        assert!(held.is_subset(&allowed), "phone {n} still syncs {} old outboxes", held.difference(&allowed).count());
    }
    // The retired outboxes' documents go at a quiet moment (the store's next open).
    for n in [BEN, CY, dan] {
        assert!(w.phones[n].drop_retired_outboxes().unwrap() > 0, "phone {n}");
        assert_eq!(w.phones[n].drop_retired_outboxes().unwrap(), 0);
        assert_eq!(heads(&mut w.phones[n], w.i), want);
    }
    sync(&mut w, &[(ANA, BEN), (BEN, CY), (ANA, dan)]);
    for n in all {
        assert_eq!(heads(&mut w.phones[n], w.i), want, "phone {n} after the old outboxes went");
    }
}

/// The lead's snapshot item of epoch 1 for the interview, as a deputy admin (who holds the
/// epoch's secret) reads it out of the lead's outbox.
fn lead_snapshot(w: &mut World, secret: &Secret) -> Snapshot {
    let r = w.phones[ANA].roster(&w.roster).unwrap();
    let (outbox, _) = outbox_of(secret, &r.state().panel, &w.phones[ANA].device().signing);
    let doc = AutoCommit::load(&w.phones[ANA].document_bytes(outbox).unwrap()).unwrap();
    let mut found = None;
    for key in doc.keys(ROOT) {
        let Some((automerge::Value::Scalar(v), _)) = doc.get(ROOT, &key).unwrap() else { continue };
        let automerge::ScalarValue::Bytes(item) = v.as_ref() else { continue };
        if item.first() != Some(&b'S') {
            continue;
        }
        let nonce: [u8; 24] = item[5..29].try_into().unwrap();
        let plain = secret.derive("snapshot", &r.state().panel).open(&nonce, &item[..29], &item[29..]).unwrap();
        let s = Snapshot::decode(&plain).unwrap();
        if s.document == w.i {
            found = Some(s);
        }
    }
    found.expect("the lead posted the interview's snapshot")
}

#[test]
fn every_phone_refuses_a_snapshot_that_alters_adds_or_drops_a_members_change() {
    let mut w = world();
    type_notes(&mut w, &[ANA, BEN, CY], 2, "notes");
    // Ben's last run ends the history: a change nothing else builds on.
    w.phones[BEN].splice_notes(w.i, "learn", 0, 0, "Ben: would hire. ").unwrap();
    sync(&mut w, &[(ANA, BEN), (ANA, CY)]);
    w.phones[ANA].compact_panel(&w.roster).unwrap();
    let eve = admit_fresh(&mut w, "eve@acme", 5);
    sync(&mut w, &[(ANA, BEN), (ANA, CY)]);
    let r = w.phones[ANA].roster(&w.roster).unwrap();
    let panel = r.state().panel;
    let wrapped = r.wrapped_for(&w.deputy.public().signing, 1).unwrap();
    let secret = unwrap(&w.deputy, wrapped, &wrap_context(&panel, 1)).unwrap();
    let honest = lead_snapshot(&mut w, &secret);
    let ben_actor = w.phones[BEN].device().actor();

    // The deputy re-signs the lead's snapshot with Ben's notes changed in three ways.
    let mut base = AutoCommit::load(&honest.save).unwrap();
    let changes = base.clone().get_changes(&[]);
    let ben_last = changes.iter().rev().find(|c| *c.actor_id() == ben_actor).unwrap().hash();
    let mut dropped = AutoCommit::new();
    dropped.apply_changes(changes.iter().filter(|c| c.hash() != ben_last).cloned()).unwrap();
    let mut altered = dropped.fork().with_actor(ben_actor.clone());
    let notes = altered.get(ROOT, "notes").unwrap().unwrap().1;
    let learn = altered.get(&notes, "learn").unwrap().unwrap().1;
    altered.splice_text(&learn, 0, 0, "Ben: would not hire. ").unwrap();
    altered.commit();
    let mut added = base.fork().with_actor(ben_actor.clone());
    let notes = added.get(ROOT, "notes").unwrap().unwrap().1;
    let learn = added.get(&notes, "learn").unwrap().unwrap().1;
    added.splice_text(&learn, 0, 0, "Ben: salary too high. ").unwrap();
    added.commit();

    let before: Vec<String> = w.phones.iter_mut().map(|s| s.notes(w.i, "learn").unwrap_or_default()).collect();
    for (n, doc) in [dropped, altered, added].iter_mut().enumerate() {
        let forged = Snapshot::sign(&w.deputy, panel, 1, w.i, honest.kind, honest.roster_head, doc, honest.headers.clone());
        let item = seal_snapshot(&secret, &panel, 1, &forged.encode(), [n as u8; 24]);
        for (p, phone) in w.phones.iter_mut().enumerate() {
            assert_eq!(phone.receive_snapshot_item(&w.roster, &item).unwrap(), SnapshotReceipt::Refused, "phone {p}, forgery {n}");
        }
    }
    let deputy_fp = w.deputy.public().fingerprint();
    let ben_fp = w.phones[BEN].device().fingerprint();
    for (p, phone) in w.phones.iter_mut().enumerate() {
        let problems = phone.snapshot_problems(&w.roster).unwrap();
        assert_eq!(problems.len(), 3, "phone {p}: {problems:?}");
        assert!(problems.iter().all(|x| x.device.as_deref() == Some(deputy_fp.as_str())), "{problems:?}");
        assert!(problems.iter().all(|x| x.code == panelnotes_core::trust::EnvelopeRejection::SnapshotRefused), "{problems:?}");
        // Each names Ben as the member whose signed changes the snapshot does not match.
        assert!(problems.iter().all(|x| x.reason.contains(&ben_fp) && x.reason.contains("not the ones it signed")), "{problems:?}");
        assert!(problems.iter().all(|x| !x.reason.contains("hire") && !x.reason.contains("salary")));
        let notes = phone.notes(w.i, "learn").unwrap_or_default();
        assert!(!notes.contains("would not hire") && !notes.contains("salary too high"), "phone {p}");
        assert_eq!(notes, before[p], "phone {p}: nothing applied");
    }
    // The honest snapshot still brings the fresh phone everything.
    sync(&mut w, &[(ANA, eve)]);
    assert_eq!(heads(&mut w.phones[eve], w.i), heads(&mut w.phones[ANA], w.i));
    assert!(w.phones[eve].notes(w.i, "learn").unwrap().contains("Ben: would hire."));
}

#[test]
fn the_lead_compacts_on_its_own_only_past_the_policy() {
    let mut w = world();
    type_notes(&mut w, &[ANA, BEN], 2, "notes");
    // The default policy leaves a small panel alone.
    assert!(!w.phones[ANA].compact_panel_if_due(&w.roster, &CompactionPolicy::default()).unwrap());
    // A member's phone never compacts, whatever the policy.
    let eager = CompactionPolicy { min_bytes: 1, ratio: 1 };
    assert!(!w.phones[BEN].compact_panel_if_due(&w.roster, &eager).unwrap());
    assert_eq!(epoch_of(&w.phones[ANA], &w.roster), 0);
    assert!(w.phones[ANA].compact_panel_if_due(&w.roster, &eager).unwrap());
    assert_eq!(epoch_of(&w.phones[ANA], &w.roster), 1);
    // Right after, the new epoch's outboxes hold only the snapshot: not due again at 4x.
    let ratio = CompactionPolicy { min_bytes: 1, ratio: 4 };
    assert!(!w.phones[ANA].compact_panel_if_due(&w.roster, &ratio).unwrap());
    sync(&mut w, &[(ANA, BEN)]);
    assert_eq!(w.phones[BEN].compacted_epoch(&w.roster).unwrap(), Some(1));
    assert_eq!(heads(&mut w.phones[BEN], w.i), heads(&mut w.phones[ANA], w.i));
}

#[test]
fn sequence_numbers_and_equivocation_carry_across_the_epoch_change() {
    use panelnotes_core::model::DocKind;
    use panelnotes_core::trust::envelope;
    use panelnotes_core::trust::Receipt;
    let mut w = world();
    type_notes(&mut w, &[ANA, BEN], 1, "notes");
    w.phones[ANA].compact_panel(&w.roster).unwrap();
    sync(&mut w, &[(ANA, BEN)]);
    // The deputy signs one run under sequence number 1 in epoch 0, and another under the
    // same number in epoch 1: the second is flagged as equivocation by a phone that saw both.
    let r = w.phones[ANA].roster(&w.roster).unwrap();
    let panel = r.state().panel;
    let mut run_for = |epoch: u32, text: &str| {
        let secret = unwrap(&w.deputy, r.wrapped_for(&w.deputy.public().signing, epoch).unwrap(), &wrap_context(&panel, epoch)).unwrap();
        let mut d = AutoCommit::load(&w.phones[ANA].document_bytes(w.i).unwrap()).unwrap().with_actor(w.deputy.actor());
        d.put(ROOT, "deputyNote", text).unwrap();
        d.commit();
        let change = d.get_last_local_change().unwrap();
        envelope::seal(&w.deputy, &secret, epoch, panel, w.i, DocKind::Interview, r.head(), 1, &mut [change], [epoch as u8; 24])
    };
    let first = run_for(0, "one");
    let second = run_for(1, "two");
    assert!(matches!(w.phones[ANA].receive_envelope(&w.roster, &first).unwrap(), Receipt::Applied { .. }));
    w.phones[ANA].receive_envelope(&w.roster, &second).unwrap();
    assert!(matches!(w.phones[BEN].receive_envelope(&w.roster, &first).unwrap(), Receipt::Applied { .. }));
    let got = w.phones[BEN].receive_envelope(&w.roster, &second).unwrap();
    let problems = w.phones[BEN].envelope_problems(&w.roster).unwrap();
    assert!(problems.iter().any(|p| p.reason.contains("sequence number 1")), "{got:?} {problems:?}");
    // Ben's own sequence numbers went on from epoch 0 into epoch 1.
    w.phones[BEN].splice_notes(w.i, "learn", 0, 0, "Ben after compaction. ").unwrap();
    let out = w.phones[BEN].seal_outgoing(&w.roster).unwrap();
    assert_eq!(envelope::epoch_of(&out[0]).unwrap(), 1);
    assert!(matches!(w.phones[ANA].receive_envelope(&w.roster, &out[0]).unwrap(), Receipt::Applied { changed: true, .. } | Receipt::Duplicate));
}

#[test]
fn a_removal_epoch_starts_from_a_snapshot_that_keeps_what_the_removed_device_wrote() {
    let mut w = world();
    type_notes(&mut w, &[ANA, BEN, CY], 2, "notes");
    w.phones[BEN].splice_notes(w.i, "learn", 0, 0, "Ben before he left. ").unwrap();
    sync(&mut w, &[(ANA, BEN), (ANA, CY)]);
    let ben = w.phones[BEN].device().signing;
    w.phones[ANA].remove_device(&w.roster, ben).unwrap();
    // The lead's next flush posts the new epoch's snapshot: Ben's changes up to his cutoff
    // are in it, signed by him.
    sync(&mut w, &[(ANA, CY)]);
    assert_eq!(w.phones[ANA].compacted_epoch(&w.roster).unwrap(), Some(1));
    assert_eq!(w.phones[CY].compacted_epoch(&w.roster).unwrap(), Some(1));
    assert!(w.phones[CY].snapshot_problems(&w.roster).unwrap().is_empty());
    let eve = admit_fresh(&mut w, "eve@acme", 5);
    sync(&mut w, &[(ANA, eve)]);
    assert_eq!(heads(&mut w.phones[eve], w.i), heads(&mut w.phones[ANA], w.i));
    assert!(w.phones[eve].notes(w.i, "learn").unwrap().contains("Ben before he left."));
    // Ben's phone holds no secret of the new epoch: it never learns what comes after.
    assert!(w.phones[ANA].roster(&w.roster).unwrap().wrapped_for(&ben, 1).is_none());
}
