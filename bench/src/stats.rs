//! Small measuring helpers shared by every benchmark: percentiles, medians, peak RSS, sizes
//! from the environment, and the results file the report is written from.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

/// The value at quantile `p` of an already sorted sample (nearest rank).
pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// p50 / p99 / p99.9 / max in milliseconds, and the sample size, as the report reads them.
pub fn latency_summary(samples: &mut [Duration]) -> Value {
    samples.sort();
    json!({
        "n": samples.len(),
        "p50_ms": ms(pct(samples, 0.5)),
        "p90_ms": ms(pct(samples, 0.9)),
        "p99_ms": ms(pct(samples, 0.99)),
        "p999_ms": ms(pct(samples, 0.999)),
        "max_ms": ms(samples.last().copied().unwrap_or_default()),
    })
}

/// Median wall time of `n` calls of `f`; what `f` returns is dropped outside the measurement.
pub fn median<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            let v = black_box(f());
            let e = t.elapsed();
            drop(v);
            e
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

pub fn median_f64(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

/// This process's peak resident set (VmHWM) in bytes: the same reading the Node side takes,
/// so the two compare like for like.
pub fn peak_rss() -> u64 {
    proc_status_kb("VmHWM:") * 1024
}

/// Starts the peak (VmHWM) afresh from the current RSS, so a phone's peak is measured from
/// the moment its document is loaded; the Node phones do the same.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn current_rss() -> u64 {
    proc_status_kb("VmRSS:") * 1024
}

/// CPU time this process has used, all threads, in nanoseconds (schedstat is exact where
/// /proc/self/stat counts 10 ms ticks). With other work on the machine, CPU time varies far
/// less than wall time, so the panel sync reports both.
pub fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A size from the environment (the fast development runs set small ones).
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One benchmark's results, merged into the results file under its own key, so the stages of
/// `scripts/bench` can run (and fail) separately.
pub fn save(results: &Path, key: &str, value: Value) {
    let mut all: Map<String, Value> = std::fs::read_to_string(results)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    all.insert(key.to_owned(), value);
    if let Some(dir) = results.parent() {
        std::fs::create_dir_all(dir).expect("results directory");
    }
    std::fs::write(results, serde_json::to_string_pretty(&Value::Object(all)).unwrap()).expect("write results");
}

/// Copies a directory of stores (SQLite files and their WAL) so every run starts from the
/// same fixture.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
