//! The typing lane, driven as the writer drives it around a peer's frame: arm, keystrokes on
//! the lane, the merge, disarm; and the app killed in between.

use std::sync::Arc;

use chrono::TimeZone;

use super::at_rest::AtRestKey;
use super::{Identity, Store, StoreOptions};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{NewCandidate, NewInterview, Template};

fn options(seed: u64) -> StoreOptions {
    StoreOptions { seed: Some(seed), key: Some(AtRestKey::from_bytes([9; 32])), ..Default::default() }
}

fn who(id: &str) -> Identity {
    Identity { id: InterviewerId::new(id).unwrap(), display_name: id.split('@').next().unwrap().into() }
}

/// The lead's store with an interview whose "learn" notes read "hello world", and a
/// colleague's copy of it.
fn panel(dir: &std::path::Path) -> (Store, Store, DocumentId) {
    let mut ana = Store::open_with(dir.join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    let t0 = chrono::Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap();
    let candidate = ana
        .create_candidate(NewCandidate { name: "Quexmarker Okafor".into(), role: "Data engineer".into(), source: None, contact: None, applied_at: t0 })
        .unwrap();
    let interview = ana
        .schedule_interview(NewInterview {
            candidate_id: candidate,
            title: None,
            template: Template::playbook(),
            booked_at: t0,
            scheduled_start: t0 + chrono::Duration::days(1),
            minutes: None,
            panelists: vec![InterviewerId::new("ana@acme").unwrap(), InterviewerId::new("ben@acme").unwrap()],
            lead: InterviewerId::new("ana@acme").unwrap(),
        })
        .unwrap();
    ana.splice_notes(interview, "learn", 0, 0, "hello world").unwrap();
    let mut ben = Store::open_with(dir.join("ben.sqlite3"), who("ben@acme"), options(2)).unwrap();
    for id in [candidate, interview] {
        let bytes = ana.document_bytes(id).unwrap();
        ben.apply_remote(id, &bytes).unwrap();
    }
    (ana, ben, interview)
}

#[test]
fn keystrokes_taken_during_a_merge_land_where_they_were_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, mut ben, interview) = panel(dir.path());
    ben.splice_notes(interview, "learn", 0, 0, "big ").unwrap();
    let from_ben = ben.document_bytes(interview).unwrap();

    let lane = ana.typing_lane();
    assert!(lane.splice(interview, "learn", 5, 0, ",").is_none(), "not armed: the writer takes it");
    ana.arm_lane();
    // Typed against "hello world", the text on screen while the merge runs.
    lane.splice(interview, "learn", 5, 0, ",").unwrap().unwrap();
    lane.splice(interview, "learn", 12, 0, "!").unwrap().unwrap();
    assert!(matches!(lane.splice(interview, "learn", 14, 0, "?"), Some(Err(crate::Error::OutOfRange { .. }))));
    assert!(lane.splice(interview, "pitch", 0, 0, "x").is_none(), "a stage not armed goes to the writer");
    ana.apply_remote(interview, &from_ben).unwrap();
    ana.disarm_lane();
    assert!(lane.splice(interview, "learn", 0, 0, "x").is_none(), "disarmed with the frame");
    assert_eq!(ana.notes(interview, "learn").unwrap(), "big hello, world!");
    // And the writer's next keystroke goes on top, at a position in the merged text.
    ana.splice_notes(interview, "learn", 17, 0, " ok").unwrap();
    assert_eq!(ana.notes(interview, "learn").unwrap(), "big hello, world! ok");
    drop(ana);
    let mut ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    assert_eq!(ana.notes(interview, "learn").unwrap(), "big hello, world! ok");
    assert!(ana.lane.logged().unwrap().is_empty(), "applied keystrokes leave the lane");
}

#[test]
fn a_kill_mid_merge_replays_the_lane_once_and_its_file_holds_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, mut ben, interview) = panel(dir.path());
    ben.splice_notes(interview, "learn", 0, 0, "big ").unwrap();
    let from_ben = ben.document_bytes(interview).unwrap();
    let lane = ana.typing_lane();
    ana.arm_lane();
    lane.splice(interview, "learn", 11, 0, " Quexmarker").unwrap().unwrap();
    ana.apply_remote(interview, &from_ben).unwrap();
    let lane_file = super::typing_lane::lane_path(&dir.path().join("ana.sqlite3"));
    let mut on_disk = std::fs::read(&lane_file).unwrap();
    on_disk.extend(std::fs::read(format!("{}-wal", lane_file.display())).unwrap_or_default());
    assert!(!on_disk.windows(10).any(|w| w == b"Quexmarker"), "the lane seals what it logs");
    // Killed before the frame ended: nothing runs, nothing is folded.
    std::mem::forget(ana);
    drop(lane);

    let mut ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    assert_eq!(ana.notes(interview, "learn").unwrap(), "big hello world Quexmarker");
    assert!(ana.lane.logged().unwrap().is_empty());
    std::mem::forget(ana);
    let mut ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    assert_eq!(ana.notes(interview, "learn").unwrap(), "big hello world Quexmarker", "replayed once");
}

#[test]
fn a_kill_after_the_save_but_before_the_lane_forgot_does_not_type_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, _ben, interview) = panel(dir.path());
    let lane = ana.typing_lane();
    ana.arm_lane();
    lane.splice(interview, "learn", 0, 0, ">> ").unwrap().unwrap();
    // What `disarm_lane` does, stopped between saving and clearing the lane's log.
    let batch = lane.take_batch(true).unwrap();
    ana.apply_at_heads(interview, &batch.heads, &batch.splices, (batch.epoch, batch.last_seq), false).unwrap();
    assert_eq!(lane.logged().unwrap().len(), 1);
    std::mem::forget(ana);
    drop(lane);
    let mut ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    assert_eq!(ana.notes(interview, "learn").unwrap(), ">> hello world");
    assert!(ana.lane.logged().unwrap().is_empty());
}

#[test]
fn shared_keystrokes_take_the_lane_only_while_a_frame_holds_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, _ben, interview) = panel(dir.path());
    let lane = ana.typing_lane();
    let ana = Arc::new(std::sync::Mutex::new(ana));
    super::splice_shared(&ana, &lane, interview, "learn", 11, 0, ".").unwrap();
    {
        let mut writer = ana.lock().unwrap();
        writer.arm_lane();
        let (a, l) = (ana.clone(), lane.clone());
        // The writer is held here, so this keystroke can only land through the lane.
        std::thread::spawn(move || super::splice_shared(&a, &l, interview, "learn", 0, 0, "[").unwrap()).join().unwrap();
        writer.disarm_lane();
    }
    assert_eq!(ana.lock().unwrap().notes(interview, "learn").unwrap(), "[hello world.");
}

#[test]
fn a_kill_before_arming_saved_its_fold_replays_the_pending_log_then_the_lane() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, _ben, interview) = panel(dir.path());
    // Typed through the writer and not folded yet: in the pending log only.
    ana.splice_notes(interview, "learn", 11, 0, " again").unwrap();
    let lane = ana.typing_lane();
    // Armed, its fold made in memory but not saved when the app is killed.
    assert_eq!(ana.open_lane().unwrap(), Some(interview));
    lane.splice(interview, "learn", 0, 0, "so: ").unwrap().unwrap();
    std::mem::forget(ana);
    drop(lane);
    let mut ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    assert_eq!(ana.notes(interview, "learn").unwrap(), "so: hello world again");
    assert!(ana.lane.logged().unwrap().is_empty());
    assert!(ana.problems(Some(interview)).unwrap().is_empty(), "nothing was lost, so nothing is reported");
}

#[test]
fn a_lane_file_that_is_not_a_database_never_keeps_the_store_or_the_interview_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, _ben, interview) = panel(dir.path());
    let lane = ana.typing_lane();
    ana.arm_lane();
    lane.splice(interview, "learn", 0, 0, "lost: ").unwrap().unwrap();
    std::mem::forget(ana);
    drop(lane);
    let lane_file = super::typing_lane::lane_path(&dir.path().join("ana.sqlite3"));
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", lane_file.display()));
    }
    std::fs::write(&lane_file, vec![0x5a; 8192]).unwrap();
    let ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    let ana = Arc::new(std::sync::Mutex::new(ana));
    let lane = ana.lock().unwrap().typing_lane();
    assert_eq!(ana.lock().unwrap().notes(interview, "learn").unwrap(), "hello world");
    // The lane is off for this session: keystrokes wait for the writer, and still land.
    {
        let mut writer = ana.lock().unwrap();
        writer.arm_lane();
        assert!(lane.splice(interview, "learn", 0, 0, "x").is_none());
        writer.disarm_lane();
    }
    super::splice_shared(&ana, &lane, interview, "learn", 11, 0, "!").unwrap();
    assert_eq!(ana.lock().unwrap().notes(interview, "learn").unwrap(), "hello world!");
}

#[test]
fn a_replay_never_takes_an_epoch_for_one_applied_in_an_earlier_session() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, _ben, interview) = panel(dir.path());
    let lane = ana.typing_lane();
    ana.arm_lane();
    lane.splice(interview, "learn", 0, 0, ">> ").unwrap().unwrap();
    ana.disarm_lane();
    ana.splice_notes(interview, "learn", 14, 0, " end").unwrap();
    drop(ana);
    drop(lane);
    let mut ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    // A new session: its first armed epoch must not read as the last one applied.
    ana.preload(interview).unwrap();
    ana.splice_notes(interview, "learn", 18, 0, ".").unwrap();
    let lane = ana.typing_lane();
    ana.arm_lane();
    lane.splice(interview, "learn", 19, 0, "<").unwrap().unwrap();
    std::mem::forget(ana);
    drop(lane);
    let mut ana = Store::open_with(dir.path().join("ana.sqlite3"), who("ana@acme"), options(1)).unwrap();
    assert_eq!(ana.notes(interview, "learn").unwrap(), ">> hello world end.<");
    assert!(ana.problems(Some(interview)).unwrap().is_empty());
}
