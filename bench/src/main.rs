//! `panelnotes-bench`: our side of `scripts/bench`, one subcommand per stage so the script can
//! time each and run the Node side in between. Results go to `$BENCH_DIR/results/rust.json`
//! (default `target/bench`); `report` writes BENCHMARKS.md from it and the Node results.
//!
//! Sizes come from the environment, so development runs stay small: BENCH_CHARS (characters
//! each panelist types, 15000), BENCH_CANDIDATES (500, four interviews each), BENCH_RUNS
//! (3 panel syncs), BENCH_MERGE_RUNS (5), BENCH_REOPENS (60), BENCH_RESYNC_PHONES (20),
//! BENCH_RESYNC_CANDIDATES (25), BENCH_WORST_CHANGES (260000), BENCH_ENVELOPE_RUNS (3).

mod envelopes;
mod fixture;
mod local;
mod net;
mod panel;
mod profile;
mod report;
mod report_sections;
mod resync;
mod script;
mod size;
mod stats;
mod worst;

use std::path::PathBuf;

use fixture::Paths;
use stats::env_usize;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let paths = Paths(PathBuf::from(std::env::var("BENCH_DIR").unwrap_or_else(|_| "target/bench".into())));
    let results = paths.results();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| usage());
    match args.first().map(String::as_str) {
        Some("fixtures") => {
            let v = fixture::build(&paths, env_usize("BENCH_CHARS", 15_000), env_usize("BENCH_CANDIDATES", 500));
            stats::save(&results, "fixtures", v);
            resync::export(&paths);
        }
        Some("panel") => stats::save(&results, "panel_sync", panel::run(&paths, env_usize("BENCH_RUNS", 3))),
        Some("merge") => stats::save(&results, "keystroke_merge", local::during_merge(&paths, env_usize("BENCH_MERGE_RUNS", 5))),
        Some("reopen") => stats::save(&results, "reopen", local::reopen(&paths, env_usize("BENCH_REOPENS", 60))),
        Some("queries") => stats::save(&results, "queries", local::queries(&paths)),
        Some("envelopes") => stats::save(
            &results,
            "envelopes",
            envelopes::run(&paths, env_usize("BENCH_ENVELOPE_RUNS", 3), env_usize("BENCH_CHARS", 15_000)),
        ),
        Some("resync") => stats::save(&results, "resync", resync::run(&paths, env_usize("BENCH_RESYNC_PHONES", 20))),
        Some("worst") => {
            let mut v = worst::generate(&paths, env_usize("BENCH_WORST_CHANGES", 260_000));
            v["load"] = worst::run(&paths, 3);
            stats::save(&results, "worst", v);
        }
        Some("lacked") => {
            let docs: Vec<Vec<u8>> = args[1..].iter().map(|f| std::fs::read(f).unwrap()).collect();
            println!("{}", panel::lacked(&docs));
        }
        Some("size") => stats::save(&results, "size", size::measure(&PathBuf::from(arg(1)), &PathBuf::from(arg(2)))),
        Some("report") => report::write(&paths, &PathBuf::from(arg(1))),
        Some("profile-sync") => profile::sync(&paths),
        Some("profile-resync") => profile::resync(&paths),
        Some("profile-keystroke") => profile::first_keystroke(&paths, args.get(1).is_some_and(|a| a == "preload")),
        // Children: one phone of the panel sync, one load of the worst-case document.
        Some("phone") => panel::phone(
            &PathBuf::from(arg(1)),
            arg(2).parse().unwrap(),
            arg(3).parse().unwrap(),
            arg(4).parse().unwrap(),
        ),
        Some("load-child") => worst::child(&arg(1), &PathBuf::from(arg(2)), arg(3).parse().unwrap()),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: panelnotes-bench fixtures|panel|envelopes|merge|reopen|queries|resync|worst|size LIB STRIPPED|report OUT.md|lacked DOC...|profile-sync|profile-resync|profile-keystroke [preload]"
    );
    std::process::exit(2)
}
