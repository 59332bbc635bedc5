//! What a receiving phone accepts as an erasure: only a record an admin of the candidate's
//! panel signed, over exactly the ids it names.

use chrono::{TimeZone, Utc};

use crate::error::Error;
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{NewCandidate, NewInterview, Template};
use crate::store::{Identity, ManualClock, Store, StoreOptions};
use crate::trust::erasure::ErasureRecord;
use crate::trust::roster::Hash;

fn open(dir: &std::path::Path, who: &str, seed: u64) -> Store {
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let options = StoreOptions { clock: std::sync::Arc::new(clock), seed: Some(seed), ..Default::default() };
    let identity = Identity { id: InterviewerId::new(who).unwrap(), display_name: who.into() };
    Store::open_with(dir.join(format!("{who}.sqlite3")), identity, options).unwrap()
}

/// Ana leads a panel with Ben on it; both hold the candidate (Ben via the documents' bytes).
fn panel(dir: &std::path::Path) -> (Store, Store, DocumentId, DocumentId, Hash) {
    let (mut ana, mut ben) = (open(dir, "ana@acme", 1), open(dir, "ben@acme", 2));
    let applied = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let c = ana
        .create_candidate(NewCandidate { name: "Dana".into(), role: "Data engineer".into(), source: None, contact: None, applied_at: applied })
        .unwrap();
    let i = ana
        .schedule_interview(NewInterview {
            candidate_id: c,
            title: None,
            template: Template::playbook(),
            booked_at: applied,
            scheduled_start: applied + chrono::Duration::days(2),
            minutes: None,
            panelists: vec![InterviewerId::new("ana@acme").unwrap(), InterviewerId::new("ben@acme").unwrap()],
            lead: InterviewerId::new("ana@acme").unwrap(),
        })
        .unwrap();
    let roster = ana.start_roster(i, None).unwrap();
    ana.admit_device(&roster, InterviewerId::new("ben@acme").unwrap(), ben.device(), "phone").unwrap();
    ben.import_roster(&roster, &ana.roster_bytes(&roster).unwrap()).unwrap();
    for id in [c, i] {
        let bytes = ana.document_bytes(id).unwrap();
        ben.apply_remote(id, &bytes).unwrap();
    }
    (ana, ben, c, i, roster)
}

#[test]
fn only_an_admins_record_over_the_ids_it_signed_purges_a_member() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, mut ben, c, i, roster) = panel(dir.path());
    assert_eq!(ben.candidate(c).unwrap().name, "Dana");

    // Ben is a member, not an admin: his record changes nothing on Ana's phone.
    let by_ben = ErasureRecord::sign(ben.device_keys(), c, vec![c, i], vec![roster], 0).encode();
    assert!(matches!(ana.receive_erasure(&by_ben), Err(Error::NotPermitted(_))));
    assert!(matches!(ben.erase_candidate(c), Err(Error::NotPermitted(_))));
    // Ana's record with one id changed no longer verifies.
    let mut forged = ErasureRecord::sign(ana.device_keys(), c, vec![c, i], vec![roster], 0);
    forged.at_ms += 1;
    assert!(matches!(ben.receive_erasure(&forged.encode()), Err(Error::NotPermitted(_))));
    // A record for a panel Ben's phone does not hold cannot be checked: refused.
    let elsewhere = ErasureRecord::sign(ana.device_keys(), c, vec![c, i], vec![[7; 32]], 0).encode();
    assert!(matches!(ben.receive_erasure(&elsewhere), Err(Error::NotPermitted(_))));
    // Garbage is a typed error.
    assert!(matches!(ben.receive_erasure(b"not a record"), Err(Error::InvalidArgument(_))));
    assert!(!ben.is_erased(c).unwrap() && ben.candidate(c).is_ok());

    // A hold on Ben's phone keeps the data even against a valid record.
    let record = ErasureRecord::sign(ana.device_keys(), c, vec![c, i], vec![roster], 0).encode();
    ben.set_legal_hold(c, true).unwrap();
    assert!(matches!(ben.receive_erasure(&record), Err(Error::LegalHold { .. })));
    ben.set_legal_hold(c, false).unwrap();

    assert_eq!(ben.receive_erasure(&record).unwrap(), c);
    assert!(ben.is_erased(c).unwrap() && ben.is_erased(i).unwrap());
    assert!(ben.rosters().unwrap().is_empty());
    assert!(matches!(ben.candidate(c), Err(Error::NotFound { .. })));
    // The same record again changes nothing; the ids stay refused.
    assert_eq!(ben.receive_erasure(&record).unwrap(), c);
    assert!(matches!(ben.set_legal_hold(c, true), Err(Error::Erased { .. })));
    assert!(matches!(ben.import_roster(&roster, &ana.roster_bytes(&roster).unwrap()), Err(Error::Erased { .. })));
}
