//! The playbook's panel over the sync engine: three interviewers offline, notes in the same
//! stage, two different salary figures; after sync the notes hold everyone's words and the
//! salary is one conflict naming both authors; after resolution no conflict remains anywhere.

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{ConflictedValue, LogisticsUpdate, NewCandidate, SalaryExpectation};
use panelnotes_core::sync::{Event, Grant};
use panelnotes_core::{apply_diff, CandidateListUpdate, DocumentId, DocumentState, DocumentUpdate, Origin, Store};
use panelnotes_tests::fixture;
use panelnotes_tests::net::{settle, Link};

fn phone(dir: &tempfile::TempDir, who: &str) -> Store {
    fixture::phone(dir.path(), who)
}

fn type_at_end(s: &mut Store, i: DocumentId, stage: &str, text: &str) {
    for ch in text.chars() {
        let end = panelnotes_core::text::utf16_len(&s.notes(i, stage).unwrap());
        s.splice_notes(i, stage, end, 0, &ch.to_string()).unwrap();
    }
}

/// Ana (the lead) creates the candidate and interview; Ben and Cy join the panel.
fn panel(dir: &tempfile::TempDir) -> (Vec<Store>, DocumentId, DocumentId, Grant) {
    let mut stores = vec![phone(dir, "ana@acme"), phone(dir, "ben@acme"), phone(dir, "cy@acme")];
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (c, i) = fixture::candidate_with_interview(&mut stores[0], &["ana@acme", "ben@acme", "cy@acme"], t0);
    let grant = Grant::panel(&mut stores[0], i).unwrap();
    (stores, c, i, grant)
}

#[test]
fn the_panel_converges_and_the_salary_conflict_is_shown_then_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let (mut stores, c, i, grant) = panel(&dir);
    // Ben and Cy receive the documents from Ana before the interview (they know the ids from
    // the panel invite).
    let mut links = vec![
        Link::connect(&mut stores, 1, 0, grant.clone(), grant.clone()),
        Link::connect(&mut stores, 2, 0, grant.clone(), grant.clone()),
    ];
    settle(&mut stores, &mut links);
    for l in links.iter_mut() {
        l.close(&mut stores);
    }
    assert_eq!(stores[1].interview(i).unwrap(), stores[0].interview(i).unwrap());
    assert_eq!(stores[2].candidate(c).unwrap().name, "Dana Example");
    assert_eq!(stores[1].candidates().unwrap(), stores[0].candidates().unwrap());

    // In the room, offline: everyone types in the same stage; Ana and Ben note different
    // salary figures.
    let lines = ["Ana: ran Spark on 200 nodes 🚀\n", "Ben: 分布式 trade-offs were sharp\n", "Cy: knows the business why\n"];
    for (s, line) in stores.iter_mut().zip(lines) {
        type_at_end(s, i, "learn", line);
    }
    let salary = |min, max| LogisticsUpdate {
        salary: Some(SalaryExpectation::Range { min, max, currency: "EUR".into() }),
        ..Default::default()
    };
    stores[0].set_logistics(c, salary(90_000, 100_000)).unwrap();
    stores[1].set_logistics(c, salary(95_000, 110_000)).unwrap();

    // Back online: a mesh this time.
    let mut links = vec![
        Link::connect(&mut stores, 0, 1, grant.clone(), grant.clone()),
        Link::connect(&mut stores, 1, 2, grant.clone(), grant.clone()),
        Link::connect(&mut stores, 2, 0, grant.clone(), grant.clone()),
    ];
    settle(&mut stores, &mut links);

    let merged = stores[0].notes(i, "learn").unwrap();
    for line in lines {
        assert!(merged.contains(line), "{line:?} is missing from {merged:?}");
    }
    for s in stores.iter_mut() {
        assert_eq!(s.notes(i, "learn").unwrap(), merged);
        let conflicts = s.all_conflicts().unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let conflict = &conflicts[0];
        assert_eq!((conflict.document, conflict.field.as_str()), (c, "logistics.salary"));
        let mut authors: Vec<String> = conflict.values.iter().map(|v| v.author.as_ref().unwrap().to_string()).collect();
        authors.sort();
        assert_eq!(authors, ["ana@acme", "ben@acme"]);
        // The values cross as data (the apps word them), never as a sentence.
        let mut values: Vec<(i64, i64)> = conflict
            .values
            .iter()
            .map(|v| match &v.value {
                ConflictedValue::Salary { salary: SalaryExpectation::Range { min, max, currency } } if currency == "EUR" => (*min, *max),
                other => panic!("expected a salary range in EUR, got {other:?}"),
            })
            .collect();
        values.sort();
        assert_eq!(values, [(90_000, 100_000), (95_000, 110_000)]);
        assert!(conflict.values.iter().all(|v| v.at.is_some()));
    }
    // Every phone lists the values (and their tokens) alike, so a pick means the same everywhere.
    let order: Vec<_> = stores.iter_mut().map(|s| s.conflicts(c).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] == w[1]));

    // Cy resolves it by keeping Ben's figure.
    let pick = order[0][0].values.iter().find(|v| v.author.as_ref().unwrap().as_str() == "ben@acme").unwrap();
    stores[2].resolve_conflict(c, "logistics.salary", &pick.token).unwrap();
    assert!(stores[2].conflicts(c).unwrap().is_empty());
    settle(&mut stores, &mut links);
    for s in stores.iter_mut() {
        assert!(s.all_conflicts().unwrap().is_empty());
        assert_eq!(
            s.candidate(c).unwrap().logistics.salary,
            Some(SalaryExpectation::Range { min: 95_000, max: 110_000, currency: "EUR".into() })
        );
    }
    assert_eq!(stores[0].candidates().unwrap(), stores[2].candidates().unwrap());
    assert_eq!(stores[1].timeline(c).unwrap(), stores[2].timeline(c).unwrap());
}

#[test]
fn an_outsider_learns_nothing_and_unshared_ids_are_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let (mut stores, c, i, grant) = panel(&dir);
    let other = stores[0]
        .create_candidate(NewCandidate { name: "Eli".into(), role: "SRE".into(), source: None, contact: None, applied_at: Utc::now() })
        .unwrap();
    // Cy is an outsider: Ana grants him nothing. He knows the ids and asks anyway.
    let mut links = vec![Link::connect(&mut stores, 2, 0, Grant::documents([i, c, other]), Grant::none())];
    settle(&mut stores, &mut links);
    assert!(!stores[2].has_document(i).unwrap());
    assert!(!stores[2].has_document(c).unwrap());
    assert!(stores[2].candidates().unwrap().is_empty());
    let unavailable: Vec<_> = links[0]
        .events
        .iter()
        .filter_map(|(who, e)| match e {
            Event::Unavailable(d) if *who == 2 => Some(*d),
            _ => None,
        })
        .collect();
    assert_eq!(unavailable.len(), 3, "{:?}", links[0].events);

    // Ben is on the panel: he gets the panel's documents and not the other candidate.
    let mut links = vec![Link::connect(&mut stores, 1, 0, Grant::documents([i, c, other]), grant)];
    settle(&mut stores, &mut links);
    assert!(stores[1].has_document(i).unwrap());
    assert!(stores[1].has_document(c).unwrap());
    assert!(!stores[1].has_document(other).unwrap());
}

#[test]
fn a_reconnect_resumes_from_persisted_sync_state() {
    let dir = tempfile::tempdir().unwrap();
    let (mut stores, _c, i, grant) = panel(&dir);
    // A long interview: many changes (one per fold).
    for n in 0..1500 {
        type_at_end(&mut stores[0], i, "learn", &format!("w{n} "));
        stores[0].flush().unwrap();
    }
    let mut links = vec![Link::connect(&mut stores, 1, 0, grant.clone(), grant.clone())];
    settle(&mut stores, &mut links);
    links[0].close(&mut stores);
    assert_eq!(stores[1].notes(i, "learn").unwrap(), stores[0].notes(i, "learn").unwrap());

    // The apps restart; Ana adds a line; they meet again.
    let reconnect = |stores: &mut Vec<Store>, line: &str| -> u64 {
        let fresh: Vec<_> = ["ana@acme", "ben@acme", "cy@acme"].iter().map(|w| phone(&dir, w)).collect();
        drop(std::mem::replace(stores, fresh));
        type_at_end(&mut stores[0], i, "learn", line);
        let mut links = vec![Link::connect(stores, 1, 0, grant.clone(), grant.clone())];
        let (_, bytes) = settle(stores, &mut links);
        links[0].close(stores);
        assert_eq!(stores[1].notes(i, "learn").unwrap(), stores[0].notes(i, "learn").unwrap());
        bytes
    };
    let resumed = reconnect(&mut stores, "one more line ");
    // The same again after forgetting the sync state: every message then carries a Bloom
    // filter over the whole history.
    for who in ["ana@acme", "ben@acme"] {
        let conn = rusqlite::Connection::open(dir.path().join(format!("{who}.sqlite3"))).unwrap();
        conn.execute("DELETE FROM sync_states", []).unwrap();
    }
    let from_scratch = reconnect(&mut stores, "and another ");
    eprintln!("reconnect after 1,500 changes: {resumed} bytes resuming, {from_scratch} bytes from scratch");
    assert!(
        resumed * 2 < from_scratch,
        "resuming sent {resumed} bytes, starting over {from_scratch}"
    );
}

/// Waits (on the notifier thread's schedule, not a timer assert) until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn observers_get_the_state_then_remote_changes_until_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (mut stores, c, i, grant) = panel(&dir);
    let mut links = vec![Link::connect(&mut stores, 1, 0, grant.clone(), grant)];
    settle(&mut stores, &mut links);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let sub = stores[1]
        .subscribe_document(i, move |u: &DocumentUpdate| {
            if let DocumentState::Interview(v) = &u.state {
                let learn = v.notes.iter().find(|(k, _)| k == "learn").unwrap().1.clone();
                sink.lock().unwrap().push((u.origin, u.first, learn, u.changed_stages.clone()));
            }
        })
        .unwrap();
    let lists = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = lists.clone();
    let list_sub = stores[1]
        .subscribe_candidates(move |u: &CandidateListUpdate| sink.lock().unwrap().push(u.clone()))
        .unwrap();
    eventually("the current state", || !seen.lock().unwrap().is_empty() && !lists.lock().unwrap().is_empty());
    type_at_end(&mut stores[0], i, "learn", "remote words");
    settle(&mut stores, &mut links);
    eventually("the remote words", || seen.lock().unwrap().last().unwrap().2 == "remote words");
    {
        let seen = seen.lock().unwrap();
        assert_eq!((seen[0].0, seen[0].1, seen[0].2.as_str()), (Origin::Local, true, ""), "the current state comes first");
        assert_eq!(seen[0].3.len(), stores[1].interview(i).unwrap().stages.len(), "the first update names every stage");
        let last = seen.last().unwrap();
        assert_eq!((last.0, last.1), (Origin::Remote, false));
        assert_eq!(last.3, vec!["learn".to_string()], "only the stage that changed is named");
    }
    stores[0].set_logistics(c, LogisticsUpdate { notice_period_days: Some(10), ..Default::default() }).unwrap();
    settle(&mut stores, &mut links);
    // The list listener got the list, then diffs that rebuild what the store lists now.
    let now = stores[1].candidates().unwrap();
    eventually("the list catches up", || {
        let updates = lists.lock().unwrap();
        let mut rebuilt = Vec::new();
        for u in updates.iter() {
            match u {
                CandidateListUpdate::Reset(l) => rebuilt = l.clone(),
                CandidateListUpdate::Diff(ops) => apply_diff(&mut rebuilt, ops),
            }
        }
        rebuilt == now
    });
    assert!(matches!(lists.lock().unwrap()[0], CandidateListUpdate::Reset(_)), "the whole list comes first");
    drop(sub);
    drop(list_sub);
    let before = (seen.lock().unwrap().len(), lists.lock().unwrap().len());
    type_at_end(&mut stores[0], i, "learn", " and more");
    stores[0].set_logistics(c, LogisticsUpdate { notice_period_days: Some(20), ..Default::default() }).unwrap();
    settle(&mut stores, &mut links);
    assert_eq!(stores[1].notes(i, "learn").unwrap(), "remote words and more");
    // A later subscription's first delivery marks that the notifier has run past the changes.
    let marker = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let m = marker.clone();
    let _later = stores[1].subscribe_document(i, move |_| m.store(true, std::sync::atomic::Ordering::SeqCst)).unwrap();
    eventually("the later subscription", || marker.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!((seen.lock().unwrap().len(), lists.lock().unwrap().len()), before, "dropped handles stop delivery");
}
