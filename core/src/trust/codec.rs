//! The byte layout of what trust signs and seals: fixed-width integers and length-prefixed
//! byte strings, in one canonical form. Signatures cover these exact bytes, so the encoding
//! must never have two spellings of one value (CBOR maps do); and every length is checked
//! against what is left of the input before anything is allocated.

/// Why trust data could not be read. Carries no content, only what was wrong where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the data ends early (reading {0})")]
    Truncated(&'static str),
    #[error("{what} is {size} bytes; at most {max} are allowed")]
    TooLong { what: &'static str, size: usize, max: usize },
    #[error("unknown {what} {value}")]
    Unknown { what: &'static str, value: u64 },
    #[error("{0} bytes are left over after the end")]
    Trailing(usize),
    #[error("{0} is not valid")]
    Invalid(&'static str),
}

#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) out: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Writer::default()
    }

    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.out.push(v);
        self
    }

    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.out.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.out.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub(crate) fn fixed(&mut self, v: &[u8]) -> &mut Self {
        self.out.extend_from_slice(v);
        self
    }

    /// A byte string with its length in front (u32, little-endian).
    pub(crate) fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u32(v.len() as u32);
        self.out.extend_from_slice(v);
        self
    }

    pub(crate) fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.out
    }
}

pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Reader { rest: input }
    }

    /// A format's opening: its four-byte magic, then the one version this build reads. A
    /// version from a newer build is `Unknown`, so the caller can say so rather than guess.
    pub(crate) fn header(&mut self, magic: &[u8; 4], version: u8, what: &'static str) -> Result<(), DecodeError> {
        if &self.fixed::<4>(what)? != magic {
            return Err(DecodeError::Invalid(what));
        }
        let found = self.u8(what)?;
        if found != version {
            return Err(DecodeError::Unknown { what, value: found as u64 });
        }
        Ok(())
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return Err(DecodeError::Truncated(what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }

    pub(crate) fn fixed<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        Ok(self.take(N, what)?.try_into().expect("N bytes"))
    }

    /// A length-prefixed byte string of at most `max` bytes, borrowed from the input.
    pub(crate) fn bytes(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = self.u32(what)? as usize;
        if len > max {
            return Err(DecodeError::TooLong { what, size: len, max });
        }
        self.take(len, what)
    }

    pub(crate) fn str(&mut self, what: &'static str, max: usize) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.bytes(what, max)?).map_err(|_| DecodeError::Invalid(what))
    }

    /// A count of items that follow, each at least `min_item` bytes long: a count the rest of
    /// the input cannot hold is refused before anything is allocated for it.
    pub(crate) fn count(&mut self, what: &'static str, max: usize, min_item: usize) -> Result<usize, DecodeError> {
        let n = self.u32(what)? as usize;
        if n > max || n.saturating_mul(min_item.max(1)) > self.rest.len() {
            return Err(DecodeError::TooLong { what, size: n, max: max.min(self.rest.len() / min_item.max(1)) });
        }
        Ok(n)
    }

    pub(crate) fn end(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Trailing(self.rest.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_before_allocation() {
        let mut w = Writer::new();
        w.u8(7).u64(42).str("seat").bytes(&[1, 2, 3]);
        let bytes = w.finish();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8("a").unwrap(), 7);
        assert_eq!(r.u64("b").unwrap(), 42);
        assert_eq!(r.str("c", 10).unwrap(), "seat");
        assert_eq!(r.bytes("d", 3).unwrap(), &[1, 2, 3]);
        r.end().unwrap();

        // A length that claims more than the input holds is an error, not a huge allocation.
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0x7f, 1]);
        assert!(matches!(r.bytes("x", usize::MAX), Err(DecodeError::Truncated("x"))));
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(r.count("items", 1 << 30, 1), Err(DecodeError::TooLong { .. })));
        let mut r = Reader::new(&[5, 0, 0, 0, 1, 2, 3, 4, 5]);
        assert!(matches!(r.bytes("y", 4), Err(DecodeError::TooLong { size: 5, max: 4, .. })));
        assert!(matches!(Reader::new(&[1]).end(), Err(DecodeError::Trailing(1))));
    }
}
