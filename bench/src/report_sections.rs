//! The sections of BENCHMARKS.md after the targets: one table per workload, each with how it
//! was measured, ours beside automerge-repo's where both ran it.

use std::fmt::Write as _;

use serde_json::Value;

use crate::report::{div as ratio, kb, mb, ms, x};

const GRANULARITIES: [(&str, &str); 3] =
    [("ours", "automerge-repo, our change count"), ("word", "automerge-repo, a change per word"), ("keystroke", "automerge-repo, a change per keystroke")];

fn phones<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v["phones"].as_array().map(|a| a.iter().map(|p| &p[key]).collect()).unwrap_or_default()
}

pub fn panel(w: &mut String, ours: &Value, js: &Value) {
    writeln!(w, "## Panel sync: 4 phones after 45 offline minutes\n").unwrap();
    writeln!(
        w,
        "Each phone typed its part of the script offline into its own store (ours: our offline fold policy; automerge-repo: one Repo on NodeFS per phone, from the same interview document, committing at the granularity of its column). Then the four meet in a star around the lead, one process per phone: ours through a parent that relays frames in lockstep rounds, automerge-repo's over its WebSocket adapters (the lead runs the server adapter). Time runs from the moment the phones are told to connect (documents already loaded) until all four hold the same heads; bytes are protocol messages received, until nothing moves. \"Lacked\" is the compressed bundle of the changes a phone did not have, the floor for what it must receive. Peak RSS is each process's VmHWM, reset once its document is loaded (so it is the loaded document plus what the sync adds). Each Node phone first syncs a throwaway copy twice in-process, so V8 has compiled the sync path as it would have in an app that has been running (cold, a small full sync took ~370 ms against ~40 ms warm); ours needs no warm-up. Medians of {} runs.\n",
        ours["time_ms_runs"].as_array().map_or(0, |a| a.len())
    )
    .unwrap();
    write!(w, "| | ours |").unwrap();
    for (_, title) in GRANULARITIES {
        write!(w, " {title} |").unwrap();
    }
    writeln!(w, "\n|---|---|---|---|---|").unwrap();
    let cols: Vec<&Value> = GRANULARITIES.iter().map(|(k, _)| &js[*k]).collect();
    let row = |w: &mut String, name: &str, o: String, f: &dyn Fn(&Value) -> String| {
        write!(w, "| {name} | {o} |").unwrap();
        for c in &cols {
            write!(w, " {} |", if c.is_null() { "n/a".into() } else { f(c) }).unwrap();
        }
        writeln!(w).unwrap();
    };
    row(w, "changes in the merged interview", ours["floor"]["changes"].to_string(), &|c| c["floor"]["changes"].to_string());
    row(w, "merged document, compressed (`save()`)", kb(&ours["floor"]["merged_save_bytes"]), &|c| kb(&c["floor"]["merged_save_bytes"]));
    row(w, "time to converge (wall)", ms(&ours["time_ms"]), &|c| format!("{} ({} ours)", ms(&c["time_ms"]), x(ratio(&c["time_ms"], &ours["time_ms"]))));
    row(w, "CPU, 4 phones together", ms(&ours["cpu_ms"]), &|c| format!("{} ({} ours)", ms(&c["cpu_ms"]), x(ratio(&c["cpu_ms"], &ours["cpu_ms"]))));
    row(w, "rounds (ours) / messages (automerge-repo)", format!("{} rounds, {} frames", ours["rounds"], ours["frames"]), &|c| format!("{} messages", c["messages"]));
    row(w, "bytes on the wire", kb(&ours["bytes"]), &|c| format!("{} (ours {})", kb(&c["bytes"]), x(ratio(&ours["bytes"], &c["bytes"]))));
    let per_phone = |v: &Value| {
        phones(v, "ratio").iter().map(|r| r.as_f64().map_or("?".into(), |r| format!("{r:.2}"))).collect::<Vec<_>>().join(" / ")
    };
    row(w, "received ÷ lacked, lead / members", per_phone(ours), &|c| per_phone(c));
    let rss = |v: &Value| phones(v, "peak_rss").iter().map(|r| mb(r)).collect::<Vec<_>>().join(" / ");
    row(w, "peak RSS per phone (VmHWM), lead / members", rss(ours), &|c| rss(c));
    let loaded = |v: &Value| phones(v, "rss_loaded").iter().map(|r| mb(r)).collect::<Vec<_>>().join(" / ");
    row(w, "RSS with the document loaded, before syncing", loaded(ours), &|c| loaded(c));
    writeln!(w).unwrap();
}

fn lat_row(w: &mut String, name: &str, v: &Value) {
    writeln!(w, "| {name} | {} | {} | {} | {} | {} | {} |", ms(&v["p50_ms"]), ms(&v["p90_ms"]), ms(&v["p99_ms"]), ms(&v["p999_ms"]), ms(&v["max_ms"]), v["n"]).unwrap();
}

pub fn keystrokes(w: &mut String, fx: &Value, merge: &Value, reopen: &Value) {
    writeln!(w, "## Keystrokes\n").unwrap();
    writeln!(
        w,
        "Keystroke to durable: `splice_notes` returns once the keystroke's row is committed to SQLite (WAL). *Idle*: every keystroke of the script on the four stores (the lead's holds the whole fixture), the timer ticking between keystrokes, no sync running. *During a sync merge*: the lead keeps typing on a second thread while the other three phones' 45 minutes arrive (the store behind a lock, as the bindings hold it; the sync takes it per frame); keystrokes are due every {} ms and each counts from when it was due, so waiting behind a merge step counts. {} runs of the first {} rounds of that sync (median sync time with typing {}). *First keystroke after reopening*: open the store, show the interview (`interview_view`), then one keystroke, with nothing decoded yet; and the same after `preload`.\n",
        merge["cadence_ms"], merge["runs"], merge["rounds"], ms(&merge["sync_ms_median"])
    )
    .unwrap();
    writeln!(w, "| | p50 | p90 | p99 | p99.9 | max | samples |\n|---|---|---|---|---|---|---|").unwrap();
    lat_row(w, "keystroke to durable, idle", &fx["keystroke_idle"]);
    lat_row(w, "keystroke to durable, during a sync merge", &merge["keystroke"]);
    lat_row(w, "reopen: open the store and show the interview", &reopen["show_interview"]);
    lat_row(w, "first keystroke after reopening", &reopen["first_keystroke"]);
    lat_row(w, "`preload` (decode) after reopening", &reopen["preload"]);
    lat_row(w, "first keystroke after reopening and `preload`", &reopen["first_keystroke_after_preload"]);
    writeln!(w, "\nOpening the store alone: median {}.\n", ms(&reopen["open_store_ms"])).unwrap();
}

pub fn queries(w: &mut String, ours: &Value, js: &Value) {
    writeln!(w, "## Candidate list, timeline, pending feedback\n").unwrap();
    writeln!(
        w,
        "On the lead's store. Ours reads index tables; automerge-repo keeps no index, so its list reads every candidate document (the first call after opening the Repo loads them from NodeFS; later calls find them in memory), its timeline reads the candidate's and its interviews' documents, pending feedback reads every interview. The JS versions compute less (no status, next action or speed metrics).\n"
    )
    .unwrap();
    writeln!(w, "| | ours, first after opening | ours, median | automerge-repo, first after opening | automerge-repo, median | rows (ours / JS) |\n|---|---|---|---|---|---|").unwrap();
    for (k, name, n) in [("list", "candidate list", "candidates"), ("timeline", "one timeline", "events"), ("pending", "pending feedback", "interviews")] {
        let (o, j) = (&ours[k], &js[k]);
        writeln!(
            w,
            "| {name} | {} | {} | {} ({} ours) | {} ({} ours) | {} / {} |",
            ms(&o["first_ms"]),
            ms(&o["median_ms"]),
            ms(&j["first_ms"]),
            x(ratio(&j["first_ms"], &o["first_ms"])),
            ms(&j["median_ms"]),
            x(ratio(&j["median_ms"], &o["median_ms"])),
            o[n],
            j["count"]
        )
        .unwrap();
    }
    writeln!(w).unwrap();
}

pub fn resync(w: &mut String, ours: &Value, js: &Value) {
    writeln!(w, "## 20-phone re-sync of a whole store\n").unwrap();
    writeln!(
        w,
        "{} empty phones each take every document of a store of {} documents (the first {} candidates of the lead's store with their interviews, and the panel's two) from the lead, in a star, all in one process on both sides (ours: stores joined by in-memory connections, in rounds; automerge-repo: Repos on NodeFS over the WebSocket adapters, each finding every document by id). Then ours reconnects the same phones with nothing new.\n",
        ours["phones"], ours["documents"], ours["candidates"]
    )
    .unwrap();
    writeln!(w, "| | ours | automerge-repo |\n|---|---|---|").unwrap();
    let (o, j) = (&ours["fresh"], &js["fresh"]);
    writeln!(w, "| time | {} | {} ({} ours) |", ms(&o["time_ms"]), ms(&j["time_ms"]), x(ratio(&j["time_ms"], &o["time_ms"]))).unwrap();
    writeln!(w, "| bytes on the wire | {} | {} (ours {}) |", kb(&o["bytes"]), kb(&j["bytes"]), x(ratio(&o["bytes"], &j["bytes"]))).unwrap();
    writeln!(w, "| received per phone (median) | {} | {} |", kb(&o["per_phone_received_median"]), kb(&j["per_phone_received_median"])).unwrap();
    writeln!(w, "| rounds | {} | n/a |", o["rounds"]).unwrap();
    let a = &ours["reconnect"];
    writeln!(w, "| reconnect with nothing new | {}, {}, {} rounds | not run |\n", ms(&a["time_ms"]), kb(&a["bytes"]), a["rounds"]).unwrap();
}

pub fn worst(w: &mut String, ours: &Value, js: &Value) {
    writeln!(w, "## Loading a worst-case document\n").unwrap();
    writeln!(
        w,
        "The panel's interview with {} single-character changes appended to its notes ({} saved). Each figure is a fresh process (median of 3), so its peak RSS is that load's own. *Receive*: ours `apply_remote` into an empty store (checks, decode, index, first snapshot); automerge-repo `import` and `flush` to NodeFS. *Reopen*: ours reopens the store and `preload`s; automerge-repo opens a new Repo on the storage and `find`s.\n",
        ours["changes"], kb(&ours["bytes"])
    )
    .unwrap();
    let (ol, jl) = (&ours["load"], js);
    writeln!(w, "| | ours | automerge JS / automerge-repo |\n|---|---|---|").unwrap();
    writeln!(w, "| Automerge load alone | {} | {} ({} ours) |", ms(&ol["raw"]["load_ms"]), ms(&jl["raw"]["load_ms"]), x(ratio(&jl["raw"]["load_ms"], &ol["raw"]["load_ms"]))).unwrap();
    writeln!(w, "| peak RSS of that process | {} | {} |", mb(&ol["raw"]["peak_rss"]), mb(&jl["raw"]["peak_rss"])).unwrap();
    writeln!(w, "| receive into the store / repo | {} | {} ({} ours) |", ms(&ol["store"]["receive_ms"]), ms(&jl["repo"]["receive_ms"]), x(ratio(&jl["repo"]["receive_ms"], &ol["store"]["receive_ms"]))).unwrap();
    writeln!(w, "| reopen and decode | {} | {} ({} ours) |", ms(&ol["store"]["reopen_preload_ms"]), ms(&jl["repo"]["reopen_preload_ms"]), x(ratio(&jl["repo"]["reopen_preload_ms"], &ol["store"]["reopen_preload_ms"]))).unwrap();
    writeln!(w, "| peak RSS of that process | {} | {} |\n", mb(&ol["store"]["peak_rss"]), mb(&jl["repo"]["peak_rss"])).unwrap();
}

pub fn library(w: &mut String, size: &Value) {
    writeln!(w, "## Mobile library size\n").unwrap();
    if size.is_null() {
        writeln!(w, "Not measured in this run: building the mobile profile (fat LTO, opt-level z, one codegen unit) takes about 5 minutes from cold on this machine, so `scripts/bench --size` adds it.\n").unwrap();
        return;
    }
    writeln!(
        w,
        "`panelnotes-ffi` built as a cdylib alone with the mobile profile (fat LTO, opt-level z, one codegen unit, unwinding kept), x86_64 Linux, stripped: **{} bytes** ({:.2} MB, {:.2} MiB), {} gzipped. Where the bytes are, by symbol sizes of the unstripped library grouped by crate (LTO inlines across crates, so this is where code ended up):\n",
        size["stripped_bytes"],
        size["stripped_bytes"].as_f64().unwrap_or(0.0) / 1e6,
        size["stripped_bytes"].as_f64().unwrap_or(0.0) / 1048576.0,
        kb(&size["gzip_bytes"])
    )
    .unwrap();
    writeln!(w, "| crate | bytes |\n|---|---|").unwrap();
    for c in size["by_crate"].as_array().into_iter().flatten() {
        writeln!(w, "| {} | {} |", c[0].as_str().unwrap_or("?"), kb(&c[1])).unwrap();
    }
    writeln!(w).unwrap();
}

pub fn profiles(w: &mut String) {
    writeln!(w, "## Profiles\n").unwrap();
    let dir = std::path::Path::new("bench/profiles");
    // What the profiles show and the fixes they point to, written by hand from them.
    if let Ok(notes) = std::fs::read_to_string(dir.join("README.md")) {
        let body = notes.split_once('\n').map_or(notes.as_str(), |(_, rest)| rest);
        writeln!(w, "{}\n", body.trim()).unwrap();
    }
    let mut any = false;
    for (file, title) in [
        ("panel-sync.txt", "Panel sync (the lead and three members in one process)"),
        ("first-keystroke.txt", "First keystroke after reopening"),
        ("first-keystroke-after-preload.txt", "First keystroke after reopening and `preload`"),
        ("resync.txt", "Re-sync of a whole store (2 phones)"),
    ] {
        if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
            any = true;
            writeln!(w, "<details><summary>{title}</summary>\n\n```\n{}\n```\n</details>\n", text.trim_end()).unwrap();
        }
    }
    if !any {
        writeln!(w, "No callgrind summaries yet: `scripts/bench --profile` writes them to `bench/profiles/`.\n").unwrap();
    } else {
        writeln!(w, "The summaries are callgrind's (instructions), from `scripts/bench --profile`; each file's first line says when and on what.\n").unwrap();
    }
}

pub fn envelopes(w: &mut String, e: &Value) {
    writeln!(w, "## Envelope overhead\n").unwrap();
    if e.is_null() {
        writeln!(w, "Not measured in this run.\n").unwrap();
        return;
    }
    writeln!(
        w,
        "The same 4-phone panel ({} keystrokes from the same script, {} characters each), typed on fresh stores in one \
         process and synced in a star around the lead twice: sharing the panel's documents in the clear, and as a \
         rostered panel whose phones share only their outboxes of sealed, signed envelopes (what every path off the \
         phone carries since the trust work). Times are medians of {} runs; sealing is part of converging.\n",
        e["keystrokes"], e["chars_each"], e["runs"]
    )
    .unwrap();
    let (p, s) = (&e["plain"], &e["envelopes"]);
    writeln!(w, "| | in the clear | envelopes | ratio |\n|---|---|---|---|").unwrap();
    let row = |w: &mut String, name: &str, k: &str, fmt: fn(&Value) -> String| {
        writeln!(w, "| {name} | {} | {} | {} |", fmt(&p[k]), fmt(&s[k]), x(ratio(&s[k], &p[k]))).unwrap();
    };
    row(w, "bytes on the wire", "wire_bytes", kb);
    row(w, "time to converge", "converge_ms", ms);
    // Nothing is sealed in the clear, so this one has no ratio.
    writeln!(w, "| of which sealing | | {} | |", ms(&s["seal_ms"])).unwrap();
    row(w, "the four stores on disk (checkpointed)", "disk_bytes", kb);
    writeln!(w, "| rounds | {} | {} | |", p["rounds"], s["rounds"]).unwrap();
    writeln!(
        w,
        "\nOn the lead's phone the interview and candidate documents take {} saved; the four outboxes of envelopes beside \
         them take {} ({}).\n",
        kb(&s["documents_bytes"]),
        kb(&s["outboxes_bytes"]),
        x(ratio(&s["outboxes_bytes"], &s["documents_bytes"]))
    )
    .unwrap();
}
