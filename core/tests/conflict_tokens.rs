//! Resolving a conflict names the kept value by its token. A sync that lands between listing
//! and resolving must never make a pick keep another value than the one the person saw.

mod common;

use common::*;
use panelnotes_core::model::{ConflictedValue, LogisticsUpdate, SalaryExpectation};
use panelnotes_core::{DocumentId, Error, Store};

fn salary(min: i64) -> LogisticsUpdate {
    LogisticsUpdate {
        salary: Some(SalaryExpectation::Range { min, max: min + 10_000, currency: "EUR".into() }),
        ..Default::default()
    }
}

/// Hands `from`'s whole document to `to`, as a sync would.
fn sync(from: &mut Store, to: &mut Store, id: DocumentId) {
    let bytes = from.document_bytes(id).unwrap();
    to.apply_remote(id, &bytes).unwrap();
}

#[test]
fn a_token_made_stale_by_a_sync_is_refused_and_a_fresh_listing_resolves() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut ana = open(&dirs[0], "ana@acme");
    let mut ben = open(&dirs[1], "ben@acme");
    let mut cy = open(&dirs[2], "cy@acme");
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    sync(&mut ana, &mut ben, c);
    sync(&mut ana, &mut cy, c);

    // Ana and Ben note different figures at once: a conflict of two values.
    ana.set_logistics(c, salary(90_000)).unwrap();
    ben.set_logistics(c, salary(95_000)).unwrap();
    sync(&mut ben, &mut ana, c);
    sync(&mut ana, &mut ben, c);
    let listed = ana.conflicts(c).unwrap();
    assert_eq!(listed.len(), 1);
    let stale = listed[0].values.clone();
    assert_eq!(stale.len(), 2);
    assert_ne!(stale[0].token, stale[1].token);
    // Every peer names each value with the same token.
    let tokens = |s: &mut Store| {
        let mut t: Vec<String> = s.conflicts(c).unwrap()[0].values.iter().map(|v| v.token.clone()).collect();
        t.sort();
        t
    };
    assert_eq!(tokens(&mut ana), tokens(&mut ben));

    // Before Ana resolves, a sync lands: Ben corrected the figure (superseding both values he
    // had seen) while Cy, offline, wrote another one.
    ben.set_logistics(c, salary(97_000)).unwrap();
    cy.set_logistics(c, salary(80_000)).unwrap();
    sync(&mut ben, &mut ana, c);
    sync(&mut cy, &mut ana, c);

    // Ana's picks from the old listing name values that are gone: refused, nothing written.
    for v in &stale {
        match ana.resolve_conflict(c, "logistics.salary", &v.token) {
            Err(Error::ConflictChanged { id, field }) => assert_eq!((id, field.as_str()), (c, "logistics.salary")),
            other => panic!("expected ConflictChanged, got {other:?}"),
        }
    }
    let fresh = ana.conflicts(c).unwrap();
    assert_eq!(fresh[0].values.len(), 2);
    assert!(fresh[0].values.iter().all(|v| stale.iter().all(|s| s.token != v.token)));

    // A token is for one field only.
    let keep = fresh[0].values.iter().find(|v| matches!(&v.value, ConflictedValue::Salary { salary: SalaryExpectation::Range { min: 97_000, .. } })).unwrap().clone();
    assert!(matches!(ana.resolve_conflict(c, "logistics.startDate", &keep.token), Err(Error::InvalidArgument(_))));

    // The fresh listing's token keeps exactly the value it names.
    ana.resolve_conflict(c, "logistics.salary", &keep.token).unwrap();
    assert!(ana.conflicts(c).unwrap().is_empty());
    assert_eq!(
        ana.candidate(c).unwrap().logistics.salary,
        Some(SalaryExpectation::Range { min: 97_000, max: 107_000, currency: "EUR".into() })
    );
    // Resolving twice with the now-superseded token is refused as well.
    assert!(matches!(ana.resolve_conflict(c, "logistics.salary", &keep.token), Err(Error::ConflictChanged { .. })));
}
