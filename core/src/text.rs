//! UTF-16 positions. Swift and Kotlin index strings in UTF-16 code units, so note splices
//! arrive in those units; they are checked here against the text before Automerge sees them,
//! so a position past the end or inside a surrogate pair is a typed error, not a corrupt text.

use crate::error::{Error, Result};

pub fn utf16_len(s: &str) -> u64 {
    s.chars().map(|c| c.len_utf16() as u64).sum()
}

/// The byte offset in `s` of UTF-16 position `pos`.
pub fn byte_offset(s: &str, pos: u64) -> Result<usize> {
    // Notes are mostly typed at the end: a position near the end is found from there.
    if pos as usize > s.len() / 2 {
        let total = utf16_len(s);
        if pos > total {
            return Err(Error::OutOfRange {
                position: pos,
                length: total,
            });
        }
        let mut units = total;
        let mut byte = s.len();
        for c in s.chars().rev() {
            if units == pos {
                return Ok(byte);
            }
            units -= c.len_utf16() as u64;
            byte -= c.len_utf8();
            if units < pos {
                return Err(Error::SplitCharacter { position: pos });
            }
        }
        return Ok(byte);
    }
    let mut units = 0u64;
    for (byte, c) in s.char_indices() {
        if units == pos {
            return Ok(byte);
        }
        units += c.len_utf16() as u64;
        if units > pos {
            return Err(Error::SplitCharacter { position: pos });
        }
    }
    if units == pos {
        Ok(s.len())
    } else {
        Err(Error::OutOfRange {
            position: pos,
            length: units,
        })
    }
}

/// The byte range of a splice that deletes `delete` UTF-16 units at `pos`.
pub fn splice_range(s: &str, pos: u64, delete: u64) -> Result<std::ops::Range<usize>> {
    let start = byte_offset(s, pos)?;
    let end_pos = pos.checked_add(delete).ok_or(Error::OutOfRange {
        position: u64::MAX,
        length: utf16_len(s),
    })?;
    let end = start + byte_offset(&s[start..], delete).map_err(|e| match e {
        Error::OutOfRange { .. } => Error::OutOfRange {
            position: end_pos,
            length: utf16_len(s),
        },
        Error::SplitCharacter { .. } => Error::SplitCharacter { position: end_pos },
        other => other,
    })?;
    Ok(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let s = "a😀b中"; // 😀 is two UTF-16 units, 中 one.
        assert_eq!(utf16_len(s), 5);
        assert_eq!(byte_offset(s, 0).unwrap(), 0);
        assert_eq!(byte_offset(s, 1).unwrap(), 1);
        assert!(matches!(byte_offset(s, 2), Err(Error::SplitCharacter { position: 2 })));
        assert_eq!(byte_offset(s, 3).unwrap(), 5);
        assert_eq!(byte_offset(s, 4).unwrap(), 6);
        assert_eq!(byte_offset(s, 5).unwrap(), 9);
        assert!(matches!(
            byte_offset(s, 6),
            Err(Error::OutOfRange { position: 6, length: 5 })
        ));
    }

    #[test]
    fn positions_agree_when_found_from_either_end() {
        let s = "ab😀中👩🏽‍💻é x";
        let mut units = 0u64;
        let mut expected = vec![(0u64, Ok(0usize))];
        for (b, c) in s.char_indices() {
            if c.len_utf16() == 2 {
                expected.push((units + 1, Err(())));
            }
            units += c.len_utf16() as u64;
            expected.push((units, Ok(b + c.len_utf8())));
        }
        for (pos, want) in expected {
            match (byte_offset(s, pos), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, w, "position {pos}"),
                (Err(Error::SplitCharacter { .. }), Err(())) => {}
                (got, w) => panic!("position {pos}: {got:?} vs {w:?}"),
            }
        }
        assert!(matches!(byte_offset(s, units + 1), Err(Error::OutOfRange { .. })));
    }

    #[test]
    fn splice_ranges_must_cover_whole_characters() {
        let s = "a😀b";
        assert_eq!(splice_range(s, 1, 2).unwrap(), 1..5);
        assert!(matches!(splice_range(s, 1, 1), Err(Error::SplitCharacter { position: 2 })));
        assert!(matches!(splice_range(s, 3, 2), Err(Error::OutOfRange { position: 5, length: 4 })));
        assert!(splice_range(s, 0, u64::MAX).is_err());
    }
}
