//! A stage's notes replaced as a whole (from an editor, say) become a few splices, so
//! co-panelists' concurrent edits elsewhere in the text survive the merge. Linear in the text
//! whatever it holds: the common start and end are cut off first, the middle is compared line
//! by line with a bounded number of edits, and past that bound it becomes one splice.
//! (Automerge's own `update_text` runs an unbounded grapheme diff: quadratic on a large paste.)

use crate::text::utf16_len;

/// Replace `delete` UTF-16 units at `pos` by `insert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Splice {
    pub pos: usize,
    pub delete: usize,
    pub insert: String,
}

/// Line edits tried before the middle is replaced in one piece: enough for a person's
/// edits, and a bound on the work (about `MAX_EDITS` passes over the middle's lines).
const MAX_EDITS: usize = 256;

/// The splices that turn `old` into `new`, last position first, so each applies to the text
/// the ones before it left.
pub(crate) fn splices(old: &str, new: &str) -> Vec<Splice> {
    let prefix = common_prefix(old, new);
    let suffix = common_suffix(&old[prefix..], &new[prefix..]);
    let (old_mid, new_mid) = (&old[prefix..old.len() - suffix], &new[prefix..new.len() - suffix]);
    if old_mid.is_empty() && new_mid.is_empty() {
        return Vec::new();
    }
    let base = utf16_len(&old[..prefix]) as usize;
    let a: Vec<&str> = old_mid.split_inclusive('\n').collect();
    let b: Vec<&str> = new_mid.split_inclusive('\n').collect();
    let hunks = line_hunks(&a, &b).unwrap_or_else(|| vec![(0..a.len(), 0..b.len())]);
    let mut offsets = Vec::with_capacity(a.len() + 1);
    offsets.push(base);
    for line in &a {
        offsets.push(offsets.last().copied().unwrap_or(base) + utf16_len(line) as usize);
    }
    hunks
        .into_iter()
        .rev()
        .map(|(ar, br)| Splice {
            pos: offsets[ar.start],
            delete: offsets[ar.end] - offsets[ar.start],
            insert: b[br].concat(),
        })
        .collect()
}

fn common_prefix(a: &str, b: &str) -> usize {
    let mut n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(n) {
        n -= 1;
    }
    n
}

fn common_suffix(a: &str, b: &str) -> usize {
    let mut n = a.bytes().rev().zip(b.bytes().rev()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(a.len() - n) || !b.is_char_boundary(b.len() - n) {
        n -= 1;
    }
    n
}

type Hunk = (std::ops::Range<usize>, std::ops::Range<usize>);

/// Myers' diff over lines, giving up (`None`) past `MAX_EDITS` inserted or deleted lines.
fn line_hunks(a: &[&str], b: &[&str]) -> Option<Vec<Hunk>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max_d = MAX_EDITS.min(a.len() + b.len()) as isize;
    let offset = max_d + 1;
    let mut v = vec![0isize; 2 * offset as usize + 1];
    // trace[d] holds V as it was before step d, for k in -d..=d (index k + d).
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    'steps: for d in 0..=max_d {
        trace.push(v[(offset - d) as usize..=(offset + d) as usize].to_vec());
        for k in (-d..=d).step_by(2) {
            let at = |k: isize| v[(k + offset) as usize];
            let mut x = if k == -d || (k != d && at(k - 1) < at(k + 1)) { at(k + 1) } else { at(k - 1) + 1 };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[(k + offset) as usize] = x;
            if x >= n && y >= m {
                found = Some(d);
                break 'steps;
            }
        }
    }
    let last = found?;
    // Walk back to collect the matched line pairs.
    let mut matched = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..=last).rev() {
        // The snake of step d starts just after its one insertion or deletion (step 0 has
        // none), and runs diagonally to (x, y).
        let (px, py, sx, sy) = if d == 0 {
            (0, 0, 0, 0)
        } else {
            let prev = &trace[d as usize];
            let at = |k: isize| prev[(k + d) as usize];
            let k = x - y;
            if k == -d || (k != d && at(k - 1) < at(k + 1)) {
                let px = at(k + 1);
                (px, px - k - 1, px, px - k)
            } else {
                let px = at(k - 1);
                (px, px - k + 1, px + 1, px - k + 1)
            }
        };
        while x > sx && y > sy {
            x -= 1;
            y -= 1;
            matched.push((x as usize, y as usize));
        }
        x = px;
        y = py;
    }
    matched.reverse();
    let mut hunks = Vec::new();
    let (mut px, mut py) = (0usize, 0usize);
    for (x, y) in matched {
        if x > px || y > py {
            hunks.push((px..x, py..y));
        }
        px = x + 1;
        py = y + 1;
    }
    if px < a.len() || py < b.len() {
        hunks.push((px..a.len(), py..b.len()));
    }
    Some(hunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(old: &str, splices: &[Splice]) -> String {
        let mut units: Vec<u16> = old.encode_utf16().collect();
        for s in splices {
            let insert: Vec<u16> = s.insert.encode_utf16().collect();
            units.splice(s.pos..s.pos + s.delete, insert);
        }
        String::from_utf16(&units).unwrap()
    }

    #[test]
    fn replaced_notes_become_small_splices_that_rebuild_the_new_text() {
        let cases = [
            ("", "abc"),
            ("abc", ""),
            ("same", "same"),
            ("Ran Spark 🚀 on 200 nodes\nok\n", "Ran Spark 🔥 on 200 nodes\nok\n"),
            ("a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\nf\n"),
            ("分布式\n计算\n", "计算\n分布式\n"),
            ("👩🏽‍💻x", "👩🏽‍💻y👩🏽‍💻"),
            ("one\ntwo\nthree", "zero\none\ntwo\nthree\nfour"),
        ];
        for (old, new) in cases {
            let s = splices(old, new);
            assert_eq!(apply(old, &s), new, "{old:?} -> {new:?}: {s:?}");
        }
        // An edit in two places leaves the lines between them alone.
        let s = splices("a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\n");
        assert_eq!(s.len(), 2);
        assert!(s.iter().map(|s| s.delete).sum::<usize>() <= 4, "{s:?}");
    }

    #[test]
    fn texts_with_nothing_in_common_become_one_splice() {
        let old: String = (0..2000).map(|i| format!("old line {i}\n")).collect();
        let new: String = (0..2000).map(|i| format!("new line {i}\n")).collect();
        let s = splices(&old, &new);
        assert_eq!(apply(&old, &s), new);
        assert_eq!(s.len(), 1);
    }
}
