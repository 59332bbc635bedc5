//! The core's only source of time and of non-secret randomness. The apps use the system's;
//! tests and benchmarks inject a manual clock and a seed, so a property test that fails
//! replays exactly: same fold points, same change timestamps, same actor and document ids,
//! hence the same change hashes and the same Bloom filter verdicts.
//!
//! Secrets (panel keys, Noise ephemerals) never come from here: they always use the OS.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

pub trait Clock: Send + Sync {
    /// Monotonic time, for the commit policy and deadlines.
    fn now(&self) -> Instant;
    /// Wall-clock time, for what the store records (change timestamps, when a problem was
    /// seen, when a draft was saved).
    fn wall(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to: monotonic and wall time advance together.
#[derive(Clone)]
pub struct ManualClock(std::sync::Arc<Mutex<(Instant, DateTime<Utc>)>>);

impl Default for ManualClock {
    /// Starts at 2026-03-02 09:00 UTC, so runs are identical whenever they happen.
    fn default() -> Self {
        let wall = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("valid date");
        ManualClock::starting_at(wall)
    }
}

impl ManualClock {
    pub fn starting_at(wall: DateTime<Utc>) -> Self {
        // Only the differences between Instants are ever used; the base is arbitrary.
        ManualClock(std::sync::Arc::new(Mutex::new((Instant::now(), wall))))
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        t.0 += by;
        t.1 += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::zero());
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    fn wall(&self) -> DateTime<Utc> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).1
    }
}

/// Non-secret randomness: actor ids, document ids, storage and peer ids. Seeded in tests.
pub struct Entropy(Mutex<StdRng>);

impl Entropy {
    pub fn from_os() -> Self {
        Entropy(Mutex::new(StdRng::from_os_rng()))
    }

    pub fn seeded(seed: u64) -> Self {
        Entropy(Mutex::new(StdRng::seed_from_u64(seed)))
    }

    pub fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut out = [0u8; N];
        self.0.lock().unwrap_or_else(|p| p.into_inner()).fill_bytes(&mut out);
        out
    }
}
