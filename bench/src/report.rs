//! BENCHMARKS.md, written from the results of one run of `scripts/bench`: ours
//! (`results/rust.json`), automerge-repo's (`results/js.json`) and the stage times the script
//! recorded (`results/stages.tsv`). Every comparison is a ratio of two figures of that run.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::fixture::Paths;

fn read_json(p: &Path) -> Value {
    std::fs::read_to_string(p).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null)
}

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

pub(crate) fn ms(v: &Value) -> String {
    match f(v) {
        Some(x) if x >= 1000.0 => format!("{:.2} s", x / 1e3),
        Some(x) if x >= 10.0 => format!("{x:.0} ms"),
        Some(x) if x >= 1.0 => format!("{x:.1} ms"),
        Some(x) => format!("{x:.3} ms"),
        None => "n/a".into(),
    }
}

pub(crate) fn kb(v: &Value) -> String {
    match f(v) {
        Some(x) if x >= 1e6 => format!("{:.2} MB", x / 1e6),
        Some(x) => format!("{:.1} KB", x / 1e3),
        None => "n/a".into(),
    }
}

pub(crate) fn mb(v: &Value) -> String {
    f(v).map_or("n/a".into(), |x| format!("{:.0} MB", x / 1e6))
}

pub(crate) fn x(r: Option<f64>) -> String {
    r.map_or("n/a".into(), |r| format!("{r:.2}×"))
}

pub(crate) fn div(a: &Value, b: &Value) -> Option<f64> {
    Some(f(a)? / f(b)?)
}

/// Every phone must receive at least the compressed changes it lacked: when 0.3× of
/// automerge-repo's bytes is below that sum, no sync of these changes can meet the target.
fn floor_note(ours: &Value, js: &Value) -> String {
    let floor: f64 = ours["floor"]["lacked_bytes"].as_array().map_or(0.0, |a| a.iter().filter_map(Value::as_f64).sum());
    match f(&js["bytes"]) {
        Some(b) if 0.3 * b < floor => format!(
            "; 0.3× theirs is {}, below the floor of {} (the compressed changes the four phones lacked, summed)",
            kb(&(0.3 * b).into()),
            kb(&floor.into())
        ),
        _ => String::new(),
    }
}

/// A query's target is judged on the slower of its first call after opening and its median.
fn worse(q: &Value) -> Option<f64> {
    f(&q["first_ms"]).zip(f(&q["median_ms"])).map(|(a, b)| a.max(b))
}

/// A target row: met when `value <= limit` (or `>=` when `at_least`).
fn verdict(value: Option<f64>, limit: f64, at_least: bool) -> String {
    let by = |r: f64| if r < 1.5 { format!("{:.0} %", (r - 1.0) * 100.0) } else { format!("{r:.1}×") };
    match value {
        None => "not measured".into(),
        Some(v) if (at_least && v >= limit) || (!at_least && v <= limit) => "**met**".into(),
        Some(v) if at_least => format!("**missed** (short by {})", by(limit / v)),
        Some(v) => format!("**missed** (over by {})", by(v / limit)),
    }
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(": ").nth(1)).unwrap_or("?");
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()))
        .map_or("?".into(), |k| format!("{:.0} GB", k / 1024.0 / 1024.0));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let pkg = |p: &str| {
        read_json(&Path::new("relay/node_modules").join(p).join("package.json"))["version"].as_str().unwrap_or("?").to_owned()
    };
    format!(
        "- CPU: {cpu}, {cores} cores; {mem} RAM; Linux {}\n- {}; Node {}; automerge (Rust) 0.12, `@automerge/automerge` {}, `@automerge/automerge-repo` {} with its NodeFS storage and WebSocket adapters {}\n",
        kernel.trim(),
        command_line("rustc", &["--version"]),
        command_line("node", &["--version"]),
        pkg("@automerge/automerge"),
        pkg("@automerge/automerge-repo"),
        pkg("@automerge/automerge-repo-network-websocket"),
    )
}

pub fn write(paths: &Paths, out: &Path) {
    let r = read_json(&paths.results());
    let j = read_json(&paths.0.join("results/js.json"));
    let stages = std::fs::read_to_string(paths.0.join("results/stages.tsv")).unwrap_or_default();
    let stage = |k: &str| stages.lines().find_map(|l| l.strip_prefix(&format!("{k}\t")).map(str::to_owned));
    let mut md = String::new();
    let w = &mut md;
    let total = stage("total").and_then(|s| s.parse::<f64>().ok()).unwrap_or(f64::NAN);
    writeln!(w, "# Benchmarks\n").unwrap();
    writeln!(
        w,
        "Written by `scripts/bench{}` on {} in {:.1} minutes (every stage, builds included). Every figure and every ratio below comes from this one run; rerun the command to regenerate this file.\n",
        stage("flags").map(|f| if f.is_empty() { f } else { format!(" {f}") }).unwrap_or_default(),
        stage("date").unwrap_or_else(|| "?".into()),
        total / 60.0
    )
    .unwrap();
    writeln!(w, "## Machine\n\n{}", machine()).unwrap();
    writeln!(
        w,
        "- Load average when the run started: {}. The machine is shared (other builds, a fuzzing campaign), so wall times are noisy; CPU times (summed over the phones' processes) are given beside them as the steadier figure.\n",
        stage("loadavg").unwrap_or_else(|| "?".into())
    )
    .unwrap();
    let fx = &r["fixtures"];
    writeln!(
        w,
        "Fixtures: a lead's store of {} candidates and {} interviews, and a 4-phone panel typing {} characters each ({} keystrokes with backspaces) keystroke by keystroke, 90-260 ms apart with pauses, through the playbook's 45 minutes, on a manual clock.\n",
        fx["candidates"], fx["interviews"], fx["chars_each"], fx["keystrokes"]
    )
    .unwrap();

    let ps = &r["panel_sync"];
    let jp = &j["panel_sync"];
    let eq = &jp["ours"];
    let max_rss = |v: &Value| v["phones"].as_array().map(|a| a.iter().filter_map(|p| p["peak_rss"].as_f64()).fold(0.0, f64::max));
    let max_ratio = |v: &Value| v["phones"].as_array().map(|a| a.iter().filter_map(|p| p["ratio"].as_f64()).fold(0.0, f64::max));
    let speedup = div(&eq["time_ms"], &ps["time_ms"]);
    let bytes_ratio = div(&ps["bytes"], &eq["bytes"]);
    let rss_ratio = max_rss(ps).zip(max_rss(eq)).map(|(a, b)| a / b);
    let merge = &r["keystroke_merge"]["keystroke"];
    let idle = &fx["keystroke_idle"];
    let first = &r["reopen"]["first_keystroke"];
    let q = &r["queries"];
    let size = &r["size"];

    writeln!(w, "## Targets\n").unwrap();
    writeln!(w, "| target | measured | verdict |\n|---|---|---|").unwrap();
    let rows: Vec<(String, String, String)> = vec![
        (
            "panel sync ≥ 3× faster than automerge-repo at equal granularity".into(),
            format!("{} vs {}: {} faster (CPU {} vs {}: {})", ms(&ps["time_ms"]), ms(&eq["time_ms"]), x(speedup), ms(&ps["cpu_ms"]), ms(&eq["cpu_ms"]), x(div(&eq["cpu_ms"], &ps["cpu_ms"]))),
            verdict(speedup, 3.0, true),
        ),
        (
            "≤ 0.3× the bytes at equal granularity".into(),
            format!("{} vs {}: {}{}", kb(&ps["bytes"]), kb(&eq["bytes"]), x(bytes_ratio), floor_note(ps, eq)),
            verdict(bytes_ratio, 0.3, false),
        ),
        (
            "≤ 0.3× the peak RSS per phone at equal granularity".into(),
            format!("largest phone {} vs {}: {}", mb(&max_rss(ps).into()), mb(&max_rss(eq).into()), x(rss_ratio)),
            verdict(rss_ratio, 0.3, false),
        ),
        (
            "per-phone bytes ≤ 1.5× the compressed changes it lacked".into(),
            format!("worst phone {}", x(max_ratio(ps))),
            verdict(max_ratio(ps), 1.5, false),
        ),
        ("keystroke p99 ≤ 0.2 ms, idle".into(), ms(&idle["p99_ms"]), verdict(f(&idle["p99_ms"]), 0.2, false)),
        ("keystroke p99 ≤ 0.2 ms, during a sync merge".into(), ms(&merge["p99_ms"]), verdict(f(&merge["p99_ms"]), 0.2, false)),
        (
            "first keystroke after reopening p99 ≤ 1 ms".into(),
            format!("{} (after `preload`: {})", ms(&first["p99_ms"]), ms(&r["reopen"]["first_keystroke_after_preload"]["p99_ms"])),
            verdict(f(&first["p99_ms"]), 1.0, false),
        ),
        ("candidate list ≤ 10 ms".into(), format!("{} (first after opening {})", ms(&q["list"]["median_ms"]), ms(&q["list"]["first_ms"])), verdict(worse(&q["list"]), 10.0, false)),
        ("timeline ≤ 5 ms".into(), format!("{} (first after opening {})", ms(&q["timeline"]["median_ms"]), ms(&q["timeline"]["first_ms"])), verdict(worse(&q["timeline"]), 5.0, false)),
        (
            "stripped mobile library ≤ 3.5 MB".into(),
            match f(&size["stripped_bytes"]) {
                Some(b) => format!("{:.2} MB ({:.2} MiB, {} bytes)", b / 1e6, b / 1048576.0, size["stripped_bytes"]),
                None => "not measured in this run (`scripts/bench --size`)".into(),
            },
            verdict(f(&size["stripped_bytes"]).map(|b| b / 1e6), 3.5, false),
        ),
        (
            "envelope overhead (no target: measured for the record)".into(),
            {
                let (p, e) = (&r["envelopes"]["plain"], &r["envelopes"]["envelopes"]);
                format!(
                    "wire {} vs {} in the clear ({}); converge {} vs {} ({})",
                    kb(&e["wire_bytes"]),
                    kb(&p["wire_bytes"]),
                    x(div(&e["wire_bytes"], &p["wire_bytes"])),
                    ms(&e["converge_ms"]),
                    ms(&p["converge_ms"]),
                    x(div(&e["converge_ms"], &p["converge_ms"]))
                )
            },
            "measured".into(),
        ),
    ];
    for (t, m, v) in rows {
        writeln!(w, "| {t} | {m} | {v} |").unwrap();
    }
    writeln!(w).unwrap();
    crate::report_sections::panel(w, ps, jp);
    crate::report_sections::keystrokes(w, fx, &r["keystroke_merge"], &r["reopen"]);
    crate::report_sections::queries(w, q, &j["queries"]);
    crate::report_sections::resync(w, &r["resync"], &j["resync"]);
    crate::report_sections::worst(w, &r["worst"], &j["worst"]);
    crate::report_sections::library(w, size);
    crate::report_sections::envelopes(w, &r["envelopes"]);
    crate::report_sections::profiles(w);
    writeln!(w, "## Stages of this run\n\n| stage | seconds |\n|---|---|").unwrap();
    for l in stages.lines() {
        if let Some((k, v)) = l.split_once('\t') {
            if v.parse::<f64>().is_ok() {
                writeln!(w, "| {k} | {v} |").unwrap();
            }
        }
    }
    std::fs::write(out, md).unwrap();
    eprintln!("wrote {}", out.display());
}
