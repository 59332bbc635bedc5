//! The stripped mobile library's size, and roughly which crates it is made of: symbol sizes of
//! the unstripped library grouped by the crate their (demangled) name starts with. Fat LTO
//! inlines across crates, so this attributes code to where it ended up, not where it was
//! written; it is a guide to what costs what, not an exact ledger.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

fn crate_of(symbol: &str) -> String {
    let s = symbol.trim_start_matches('<').trim_start_matches('&').trim_start_matches("dyn ");
    if s.starts_with("uniffi_") || s.starts_with("ffi_panelnotes") {
        return "panelnotes_ffi (uniffi scaffolding)".into();
    }
    match s.split_once("::") {
        Some((head, _)) if head.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => match head {
            // Generic code (drop glue, iterators, collections) instantiated for other crates'
            // types lands under the standard library's names.
            "core" | "alloc" | "std" => format!("{head} (std library, generics included)"),
            _ => head.to_owned(),
        },
        // The only C in the library is the bundled SQLite (its static functions have no prefix).
        _ if !s.contains("::") => "C: the bundled SQLite".into(),
        _ => "other".into(),
    }
}

pub fn measure(unstripped: &Path, stripped: &Path) -> Value {
    let bytes = std::fs::metadata(stripped).unwrap().len();
    let gz_bytes = Command::new("gzip").args(["-9", "-c"]).arg(stripped).output().unwrap().stdout.len();
    let nm = Command::new("nm").args(["-S", "--size-sort", "-C"]).arg(unstripped).output().unwrap();
    let mut by_crate: BTreeMap<String, u64> = BTreeMap::new();
    for line in String::from_utf8_lossy(&nm.stdout).lines() {
        let mut parts = line.splitn(4, ' ');
        let (Some(_addr), Some(size), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        // Code and read-only data: what the crates themselves contribute.
        if !matches!(kind, "t" | "T" | "r" | "R" | "W" | "w" | "d" | "D") {
            continue;
        }
        *by_crate.entry(crate_of(name)).or_default() += u64::from_str_radix(size, 16).unwrap_or(0);
    }
    let mut crates: Vec<(String, u64)> = by_crate.into_iter().collect();
    crates.sort_by_key(|c| std::cmp::Reverse(c.1));
    let symbols: u64 = crates.iter().map(|c| c.1).sum();
    json!({
        "stripped_bytes": bytes,
        "gzip_bytes": gz_bytes,
        "symbol_bytes": symbols,
        "by_crate": crates.iter().take(14).map(|(c, b)| json!([c, b])).collect::<Vec<_>>(),
    })
}
