//! Encryption at rest and file hygiene (issue 13): a candidate written with marker strings in
//! every kind of personal data leaves none of them in any file of the store's directory, yet
//! reads back exactly as a plaintext store does; wrong keys and mismatched stores are typed
//! errors; rotation keeps the data; files are 0600 and the directory 0700.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{LogisticsUpdate, NewCandidate, NewInterview, Ratings, SalaryExpectation, ScorecardDraft, Template};
use panelnotes_core::store::at_rest::AtRestKey;
use panelnotes_core::{Clock, DocumentId, Error, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture;

const NAME: &str = "Zorblat Quexmarker";
const NOTE: &str = "Built the ledger NOTEMARKERALPHA pipelines. ";
/// Pasted last and never folded: it lives only in the pending-edit log.
const TAIL: &str = "TAILMARKEROMEGA";
const SALARY: i64 = 918_273_645;
const RISK: &str = "wants 918273645 EUR, RISKMARKERKQZ";
const COMMENT: &str = "SCORECARDMARKERPLW strong on incidents";
const MARKERS: [&str; 7] =
    ["Quexmarker", "NOTEMARKERALPHA", "TAILMARKEROMEGA", "918273645", "RISKMARKERKQZ", "SCORECARDMARKERPLW", "strong on incidents"];

fn key(n: u8) -> AtRestKey {
    AtRestKey::from_bytes([n; 32])
}

fn open(path: &Path, key: Option<AtRestKey>, clock: &ManualClock) -> panelnotes_core::Result<Store> {
    let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(13), key, ..Default::default() };
    Store::open_with(path, fixture::identity("ana@acme"), options)
}

fn clock() -> ManualClock {
    ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap())
}

/// Writes the candidate, their interview, typed notes (the last keystrokes left unfolded),
/// logistics with a salary, and a scorecard draft. The store stays open.
fn write_candidate(path: &Path, key: Option<AtRestKey>, clock: &ManualClock) -> (Store, DocumentId, DocumentId) {
    let mut s = open(path, key, clock).unwrap();
    let applied = clock.wall() - chrono::Duration::days(5);
    let c = s
        .create_candidate(NewCandidate { name: NAME.into(), role: "Data engineer".into(), source: None, contact: None, applied_at: applied })
        .unwrap();
    let ana = InterviewerId::new("ana@acme").unwrap();
    let i = s
        .schedule_interview(NewInterview {
            candidate_id: c,
            title: None,
            template: Template::playbook(),
            booked_at: applied,
            scheduled_start: applied + chrono::Duration::days(2),
            minutes: None,
            panelists: vec![ana.clone()],
            lead: ana,
        })
        .unwrap();
    s.set_logistics(
        c,
        LogisticsUpdate {
            salary: Some(SalaryExpectation::Current { amount: SALARY, currency: "EUR".into() }),
            risk_notes: Some(RISK.into()),
            ..Default::default()
        },
    )
    .unwrap();
    s.save_scorecard_draft(
        i,
        ScorecardDraft { ratings: Ratings { technical_depth: Some(4), ..Default::default() }, recommendation: None, comments: COMMENT.into() },
    )
    .unwrap();
    let mut at = 0u64;
    for ch in NOTE.chars() {
        s.splice_notes(i, "learn", at, 0, &ch.to_string()).unwrap();
        at += ch.len_utf16() as u64;
    }
    clock.advance(Duration::from_secs(120));
    s.tick().unwrap();
    // Pasted as one splice, so the plaintext control can find it whole in the pending log.
    s.splice_notes(i, "learn", at, 0, TAIL).unwrap();
    (s, c, i)
}

/// Every file in `dir` (the database, its WAL and SHM, and anything else), recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The markers found in any file of `dir`, with where.
fn markers_in(dir: &Path) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    for f in files(dir) {
        let bytes = std::fs::read(&f).unwrap();
        for m in MARKERS {
            if bytes.windows(m.len()).any(|w| w == m.as_bytes()) {
                found.push((f.file_name().unwrap().to_string_lossy().into_owned(), m));
            }
        }
    }
    found
}

fn pending_rows(path: &Path) -> i64 {
    let raw = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    raw.query_row("SELECT COUNT(*) FROM pending_edits", [], |r| r.get(0)).unwrap()
}

/// What the store answers about the candidate, through the writer and a reader.
fn answers(s: &mut Store, c: DocumentId, i: DocumentId, now: chrono::DateTime<Utc>) -> String {
    let reader = s.reader().unwrap();
    let parts = [
        format!("{:?}", s.candidates().unwrap()),
        format!("{:?}", reader.candidates().unwrap()),
        format!("{:?}", s.find_candidates("quexmarker").unwrap()),
        format!("{:?}", s.timeline(c).unwrap()),
        format!("{:?}", reader.timeline(c).unwrap()),
        format!("{:?}", reader.interview_view(i).unwrap()),
        format!("{:?}", s.interview_view(i).unwrap()),
        format!("{:?}", s.scorecard_draft(i).unwrap()),
        format!("{:?}", s.acknowledgement_queue(&Default::default(), chrono::Duration::days(2), now).unwrap()),
        format!("{:?}", s.feedback_owed(None, now).unwrap()),
        format!("{:?}", s.templates().unwrap().len()),
        format!("{:?}", s.candidate(c).unwrap()),
    ];
    parts.join("\n")
}

#[test]
fn no_marker_reaches_any_file_of_an_encrypted_store_and_reads_match_plaintext() {
    // The control: in plaintext mode the same writes leave every marker findable, so the
    // search below can fail.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain_path = plain_dir.path().join("store.sqlite3");
    let clock_p = clock();
    let (mut p, pc, pi) = write_candidate(&plain_path, None, &clock_p);
    assert!(pending_rows(&plain_path) > 0, "the test needs keystrokes left in the pending log");
    let found: Vec<_> = markers_in(plain_dir.path()).into_iter().map(|(_, m)| m).collect();
    for m in MARKERS {
        assert!(found.contains(&m), "the plaintext control should find {m:?}");
    }
    let plain_answers = answers(&mut p, pc, pi, clock_p.wall());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let clock_e = clock();
    let (mut s, c, i) = write_candidate(&path, Some(key(1)), &clock_e);
    assert!(pending_rows(&path) > 0, "the test needs keystrokes left in the pending log");
    assert!(files(dir.path()).iter().any(|f| f.to_string_lossy().ends_with("-wal")), "the WAL is searched too");
    assert_eq!(markers_in(dir.path()), vec![], "markers in an open encrypted store's files");
    // Same seed, same clock: an encrypted store answers exactly as the plaintext one.
    let enc_answers = answers(&mut s, c, i, clock_e.wall());
    assert_eq!(enc_answers, plain_answers);
    assert!(enc_answers.contains(NAME) && enc_answers.contains(TAIL) && enc_answers.contains(COMMENT));
    drop(s);
    drop(p);
    assert_eq!(markers_in(dir.path()), vec![], "markers after closing");

    // Reopened, everything reads back, notes with the keystrokes that were pending.
    let mut s = open(&path, Some(key(1)), &clock_e).unwrap();
    assert_eq!(s.notes(i, "learn").unwrap(), format!("{NOTE}{TAIL}"));
    assert_eq!(s.candidate_summary(c).unwrap().name, NAME);
    drop(s);
    assert_eq!(markers_in(dir.path()), vec![], "markers after reopening");
}

#[test]
fn a_wrong_key_or_the_wrong_form_is_a_typed_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let clock = clock();
    let (s, c, _) = write_candidate(&path, Some(key(1)), &clock);
    drop(s);
    assert!(matches!(open(&path, Some(key(2)), &clock), Err(Error::WrongKey)));
    assert!(matches!(open(&path, None, &clock), Err(Error::StoreEncrypted)));
    // Nothing was lost or rewritten by the refused opens.
    let s = open(&path, Some(key(1)), &clock).unwrap();
    assert_eq!(s.candidate_summary(c).unwrap().name, NAME);
    drop(s);

    let plain = dir.path().join("plain.sqlite3");
    let (p, pc, _) = write_candidate(&plain, None, &clock);
    drop(p);
    assert!(matches!(open(&plain, Some(key(1)), &clock), Err(Error::StoreNotEncrypted)));
    assert_eq!(open(&plain, None, &clock).unwrap().candidate_summary(pc).unwrap().name, NAME);
}

#[test]
fn rotating_the_key_rewraps_without_losing_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let clock = clock();
    let (mut s, c, i) = write_candidate(&path, Some(key(1)), &clock);
    s.rotate_key(&key(2)).unwrap();
    // The open store keeps working under the new key.
    s.replace_notes(i, "pitch", "after rotation").unwrap();
    let before = answers(&mut s, c, i, clock.wall());
    drop(s);
    assert!(matches!(open(&path, Some(key(1)), &clock), Err(Error::WrongKey)));
    let mut s = open(&path, Some(key(2)), &clock).unwrap();
    assert_eq!(answers(&mut s, c, i, clock.wall()), before);
    assert_eq!(s.notes(i, "pitch").unwrap(), "after rotation");
    assert_eq!(s.notes(i, "learn").unwrap(), format!("{NOTE}{TAIL}"));
    drop(s);

    // A plaintext store has nothing to rotate.
    let plain = dir.path().join("plain.sqlite3");
    let mut p = open(&plain, None, &clock).unwrap();
    assert!(matches!(p.rotate_key(&key(3)), Err(Error::StoreNotEncrypted)));
}

#[cfg(unix)]
#[test]
fn store_files_are_0600_and_its_directory_0700_even_when_made_looser() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let path = dir.join("store.sqlite3");
    let clock = clock();
    let (s, _, _) = write_candidate(&path, Some(key(1)), &clock);
    assert_eq!(mode(&dir), 0o700);
    let all = files(&dir);
    assert!(all.len() >= 3, "the database, its WAL and SHM: {all:?}");
    for f in &all {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    drop(s);
    // Loosened by something else (an older build, a copy): tightened at the next open.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in files(&dir) {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let s = open(&path, Some(key(1)), &clock).unwrap();
    assert_eq!(mode(&dir), 0o700);
    for f in files(&dir) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    drop(s);
}
