#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use panelnotes_core::model::{NewCandidate, NewInterview, Template};
use panelnotes_core::{DocumentId, Identity, InterviewerId, Store, StoreOptions};

pub fn who(id: &str) -> InterviewerId {
    InterviewerId::new(id).unwrap()
}

pub fn identity(id: &str) -> Identity {
    Identity {
        id: who(id),
        display_name: id.split('@').next().unwrap().to_owned(),
    }
}

pub fn open(dir: &tempfile::TempDir, as_: &str) -> Store {
    Store::open(dir.path().join("store.sqlite3"), identity(as_)).unwrap()
}

pub fn open_with(dir: &tempfile::TempDir, as_: &str, options: StoreOptions) -> Store {
    Store::open_with(dir.path().join("store.sqlite3"), identity(as_), options).unwrap()
}

/// 2026-03-02 09:00 UTC plus `minutes`.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

pub fn new_candidate(name: &str, applied_min: i64) -> NewCandidate {
    NewCandidate {
        name: name.into(),
        role: "Data engineer".into(),
        source: Some("referral".into()),
        contact: Some("candidate@example.org".into()),
        applied_at: t(applied_min),
    }
}

pub fn panel_interview(candidate: DocumentId, start_min: i64) -> NewInterview {
    NewInterview {
        candidate_id: candidate,
        title: Some("Panel interview".into()),
        template: Template::playbook(),
        booked_at: t(start_min - 60),
        scheduled_start: t(start_min),
        minutes: None,
        panelists: vec![who("ana@acme"), who("ben@acme"), who("cy@acme")],
        lead: who("ana@acme"),
    }
}

/// Simulates the app being killed: no flush, no close. The connection is leaked the way a
/// dead process leaks it; what is on disk is all that survives.
pub fn crash(store: Store) {
    std::mem::forget(store);
}
