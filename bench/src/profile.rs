//! The runs `scripts/bench --profile` hands to callgrind: the panel sync (in one process),
//! the first keystroke after reopening (without and with `preload` first) and the re-sync. Collection is switched on only inside
//! the `profiled_*` functions (`--toggle-collect`), so opening the fixtures is not counted.

use std::sync::{Arc, Mutex};

use panelnotes_core::sync::Grant;
use panelnotes_core::text::utf16_len;
use panelnotes_core::{DocumentId, ManualClock, Store};

use crate::fixture::{self, Paths};
use crate::net::{settle, Link, Phone};
use crate::stats;

#[inline(never)]
fn profiled_sync(phones: &[Phone], links: &mut [Link]) -> (usize, u64) {
    settle(phones, links)
}

#[inline(never)]
fn profiled_resync(paths: &Paths, phones: usize) -> serde_json::Value {
    crate::resync::run(paths, phones)
}

#[inline(never)]
fn profiled_keystroke(s: &mut Store, interview: DocumentId, pos: u64) {
    s.splice_notes(interview, "next_steps", pos, 0, "x").unwrap();
}

pub fn sync(paths: &Paths) {
    let ids = fixture::read_ids(paths);
    let dir = paths.scratch("profile-sync");
    stats::copy_dir(&paths.panel(), &dir);
    let clock = ManualClock::default();
    let phones: Vec<Phone> = (0..4)
        .map(|i| {
            let mut s = fixture::open_phone(&dir, i, &clock);
            s.preload(ids.interview).unwrap();
            Arc::new(Mutex::new(s))
        })
        .collect();
    let grant = Grant::documents([ids.interview]);
    let mut links: Vec<Link> = (1..4).map(|p| Link::connect(&phones, p, 0, &grant)).collect();
    let (rounds, bytes) = profiled_sync(&phones, &mut links);
    eprintln!("profiled sync: {rounds} rounds, {bytes} bytes");
}

/// The 20-phone re-sync with fewer phones (BENCH_PROFILE_PHONES, 2): the cost per phone is
/// what matters, and callgrind runs some fifty times slower than the real thing.
pub fn resync(paths: &Paths) {
    let v = profiled_resync(paths, stats::env_usize("BENCH_PROFILE_PHONES", 2));
    eprintln!("profiled re-sync: {v}");
}

/// The first keystroke after reopening; with `preload`, after the document was decoded.
pub fn first_keystroke(paths: &Paths, preload: bool) {
    let ids = fixture::read_ids(paths);
    let dir = paths.scratch("profile-keystroke");
    stats::copy_dir(&paths.panel(), &dir);
    let clock = ManualClock::default();
    let mut s = fixture::open_phone(&dir, 0, &clock);
    let view = s.interview_view(ids.interview).unwrap();
    if preload {
        s.preload(ids.interview).unwrap();
    }
    let pos = utf16_len(&view.notes.iter().find(|(k, _)| k == "next_steps").unwrap().1);
    profiled_keystroke(&mut s, ids.interview, pos);
}
