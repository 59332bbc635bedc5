//! The diff a UI list needs: applying the operations in order to the previous list gives the
//! new one (matrix-rust-sdk's `VectorDiff`, reduced to what a list of candidates uses).

use std::collections::HashSet;
use std::hash::Hash;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListDiff<T> {
    Insert { index: u32, value: T },
    Set { index: u32, value: T },
    Remove { index: u32 },
}

/// Operations turning `old` into `new`, matching items by `key`: removals of what left,
/// then, front to back, updates in place, moves (a remove and an insert) and inserts.
pub fn diff<T: Clone + PartialEq, K: Eq + Hash>(old: &[T], new: &[T], key: impl Fn(&T) -> K) -> Vec<ListDiff<T>> {
    let mut cur: Vec<T> = old.to_vec();
    let mut ops = Vec::new();
    let wanted: HashSet<K> = new.iter().map(&key).collect();
    for i in (0..cur.len()).rev() {
        if !wanted.contains(&key(&cur[i])) {
            cur.remove(i);
            ops.push(ListDiff::Remove { index: i as u32 });
        }
    }
    for (i, item) in new.iter().enumerate() {
        if i < cur.len() && key(&cur[i]) == key(item) {
            if cur[i] != *item {
                cur[i] = item.clone();
                ops.push(ListDiff::Set { index: i as u32, value: item.clone() });
            }
            continue;
        }
        if let Some(j) = cur.iter().skip(i).position(|c| key(c) == key(item)).map(|p| p + i) {
            cur.remove(j);
            ops.push(ListDiff::Remove { index: j as u32 });
        }
        cur.insert(i, item.clone());
        ops.push(ListDiff::Insert { index: i as u32, value: item.clone() });
    }
    // Only reachable with repeated keys: whatever is left over goes.
    while cur.len() > new.len() {
        cur.pop();
        ops.push(ListDiff::Remove { index: cur.len() as u32 });
    }
    ops
}

/// Applies `ops` to `list`, as a UI would; for tests and for the apps' reference.
pub fn apply_diff<T: Clone>(list: &mut Vec<T>, ops: &[ListDiff<T>]) {
    for op in ops {
        match op {
            ListDiff::Insert { index, value } => list.insert((*index as usize).min(list.len()), value.clone()),
            ListDiff::Set { index, value } => {
                if let Some(slot) = list.get_mut(*index as usize) {
                    *slot = value.clone();
                }
            }
            ListDiff::Remove { index } => {
                if (*index as usize) < list.len() {
                    list.remove(*index as usize);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn applying_the_diff_to_the_old_list_gives_the_new_one(
            old in proptest::collection::vec((0u8..12, 0u8..3), 0..12),
            new in proptest::collection::vec((0u8..12, 0u8..3), 0..12),
        ) {
            let ops = diff(&old, &new, |x| x.0);
            let mut got = old.clone();
            apply_diff(&mut got, &ops);
            prop_assert_eq!(got, new);
        }
    }

    #[test]
    fn an_unchanged_list_has_no_diff_and_an_edit_is_one_set() {
        let old = vec![(1, 'a'), (2, 'b'), (3, 'c')];
        assert!(diff(&old, &old, |x| x.0).is_empty());
        let new = vec![(1, 'a'), (2, 'B'), (3, 'c')];
        assert_eq!(diff(&old, &new, |x| x.0), vec![ListDiff::Set { index: 1, value: (2, 'B') }]);
    }
}
