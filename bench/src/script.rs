//! The panel's typing, generated once and replayed by both sides: four interviewers type
//! their notes keystroke by keystroke through the playbook's stages, each at their own pace
//! (90-260 ms between keys, a pause of 0.8-3 s after one word in ten, a backspace now and
//! then), each into their own phone's copy of the interview while offline. Positions are
//! UTF-16 code units of that phone's own text, which is what both the apps and automerge JS
//! count in.

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};

pub const PANEL: [&str; 4] = ["ana@acme", "ben@acme", "cy@acme", "dee@acme"];

/// The playbook's stages and their minutes: what a typist writes into depends on the clock.
pub const STAGES: [(&str, u64); 5] = [("pitch", 5), ("learn", 20), ("questions", 10), ("logistics", 5), ("next_steps", 5)];

const WORDS: &[&str] = &[
    "spark", "cluster", "shuffle", "latency", "she", "explained", "why", "the", "pipeline", "was",
    "rebuilt", "for", "cost", "and", "reliability", "business", "impact", "clear", "probed",
    "sampling", "vs", "distributed", "training", "good", "answer", "on", "trade-offs", "🚀",
    "分布式", "team", "of", "five", "owned", "on-call", "metrics", "weak", "strong",
];

/// One keystroke (or backspace) of one phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// Milliseconds since the interview started.
    pub t: u64,
    pub phone: usize,
    /// Index into `STAGES`.
    pub stage: usize,
    pub pos: u64,
    pub del: u64,
    pub text: String,
}

pub fn stage_at(t_ms: u64) -> usize {
    let minute = t_ms / 60_000;
    let mut acc = 0;
    for (i, (_, m)) in STAGES.iter().enumerate() {
        acc += m;
        if minute < acc {
            return i;
        }
    }
    STAGES.len() - 1
}

/// Every phone's keystrokes, `chars_each` characters each, ordered by time (then phone).
pub fn generate(chars_each: usize, seed: u64) -> Vec<Key> {
    let mut keys = Vec::with_capacity(chars_each * 4 + chars_each / 8);
    for phone in 0..PANEL.len() {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(phone as u64));
        // Each phone's own text per stage, as characters (a backspace removes the last one).
        let mut texts: Vec<Vec<char>> = vec![Vec::new(); STAGES.len()];
        let mut word: Vec<char> = Vec::new();
        let mut t = 300 * phone as u64;
        let mut typed = 0;
        while typed < chars_each {
            let stage = stage_at(t);
            let text = &mut texts[stage];
            let len: u64 = text.iter().map(|c| c.len_utf16() as u64).sum();
            let (pos, del, ins) = if rng.random_bool(0.03) && !text.is_empty() {
                let last = text.pop().unwrap().len_utf16() as u64;
                (len - last, last, String::new())
            } else {
                if word.is_empty() {
                    word = format!("{} ", WORDS[rng.random_range(0..WORDS.len())]).chars().rev().collect();
                }
                let c = word.pop().unwrap();
                text.push(c);
                typed += 1;
                (len, 0, c.to_string())
            };
            let pause = ins == " " && rng.random_bool(0.1);
            keys.push(Key { t, phone, stage, pos, del, text: ins });
            t += if pause { rng.random_range(800..3_000) } else { rng.random_range(90..260) };
        }
    }
    keys.sort_by_key(|k| (k.t, k.phone));
    keys
}

/// The script as the Node side reads it: keys as compact arrays, with `fold` marking the
/// keystrokes after which our store made an Automerge change (so the JS side can commit at
/// exactly our granularity).
pub fn to_json(keys: &[Key], folds: &[bool], ids: Value) -> Value {
    json!({
        "panel": PANEL,
        "stages": STAGES.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        "ids": ids,
        "keys": keys
            .iter()
            .zip(folds)
            .map(|(k, f)| json!([k.t, k.phone, k.stage, k.pos, k.del, k.text, *f as u8]))
            .collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_each_phones_own_text() {
        let keys = generate(400, 1);
        assert_eq!(keys.iter().filter(|k| !k.text.is_empty()).count(), 1600);
        let mut texts = vec![vec![String::new(); STAGES.len()]; 4];
        for k in &keys {
            let s = &mut texts[k.phone][k.stage];
            let len: u64 = s.encode_utf16().count() as u64;
            assert!(k.pos + k.del <= len);
            if k.del > 0 {
                assert_eq!(k.pos + k.del, len, "a backspace removes the last character");
                s.pop();
            } else {
                assert_eq!(k.pos, len, "typing appends");
                s.push_str(&k.text);
            }
        }
        assert!(keys.windows(2).all(|w| w[0].t <= w[1].t));
    }
}
