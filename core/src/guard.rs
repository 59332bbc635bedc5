//! Checks on bytes from a peer before automerge or a CBOR decoder sees them.
//!
//! automerge 0.12 trusts fields it should check (FACTS.md, docs/upstream.md): a Bloom filter
//! with zero bits per entry divides by zero in the next `generate_sync_message`, a huge probe
//! count makes it reserve gigabytes (an abort unwinding cannot catch), and compressed chunks
//! and deflated document columns are inflated with no cap. A generic CBOR decoder likewise
//! builds one value per item, so a frame of tiny items costs tens of times its size. Each
//! parser here walks the structure without allocating in proportion to what the bytes
//! claim, and refuses anything over the caps in `Limits`.

use std::io::Read;

/// Caps on what one message from a peer may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// CBOR items (map entries, array elements, scalars) in one wire frame.
    pub cbor_items: usize,
    /// Nesting depth of one wire frame.
    pub cbor_depth: usize,
    /// Change chunks in one sync message.
    pub changes_per_message: usize,
    /// Hashes in a sync message's heads, need and each have's last-sync list.
    pub hashes_per_list: usize,
    /// Entries in a sync message's have list.
    pub haves: usize,
    /// Bytes of change and document data after inflation, per message or per `apply_remote`.
    pub inflated_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A wire message is a map of under a dozen fields; 4096 leaves room for what a
            // newer automerge-repo adds without letting a frame become a million values.
            cbor_items: 4096,
            cbor_depth: 16,
            // A v1 peer sends one chunk per change; a whole 45-minute panel is ~5k changes at
            // the live fold policy, 60k at one change per keystroke.
            changes_per_message: 100_000,
            hashes_per_list: 10_000,
            haves: 64,
            // Five stages at the 1 MiB notes cap with their op columns fit well within this.
            inflated_bytes: 16 << 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("truncated at byte {0}")]
    Truncated(usize),
    #[error("{what} {found} exceeds the limit of {limit}")]
    TooMany { what: &'static str, found: u64, limit: u64 },
    #[error("bloom filter rejected: {0}")]
    Bloom(&'static str),
    #[error("not an automerge sync message (first byte {0:#04x})")]
    NotSyncMessage(u8),
    #[error("not an automerge chunk at byte {0}")]
    NotChunk(usize),
    #[error("chunk type {0} is not accepted from peers")]
    ChunkType(u8),
    #[error("compressed data does not inflate")]
    Deflate,
    #[error("malformed CBOR: {0}")]
    Cbor(&'static str),
}

type R<T> = Result<T, GuardError>;

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, at: 0 }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn byte(&mut self) -> R<u8> {
        let b = *self.bytes.get(self.at).ok_or(GuardError::Truncated(self.at))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> R<&'a [u8]> {
        if n > self.remaining() as u64 {
            return Err(GuardError::Truncated(self.at));
        }
        let s = &self.bytes[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(s)
    }

    fn uleb(&mut self) -> R<u64> {
        let mut out: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(GuardError::Truncated(self.at))
    }

    /// A count whose items take at least `min_item` bytes each: it can never exceed what the
    /// remaining bytes could hold, whatever it claims.
    fn count(&mut self, what: &'static str, limit: usize, min_item: usize) -> R<u64> {
        let n = self.uleb()?;
        if n > limit as u64 {
            return Err(GuardError::TooMany { what, found: n, limit: limit as u64 });
        }
        if n.saturating_mul(min_item as u64) > self.remaining() as u64 {
            return Err(GuardError::Truncated(self.at));
        }
        Ok(n)
    }

    fn hashes(&mut self, limits: &Limits) -> R<()> {
        let n = self.count("hashes in a list", limits.hashes_per_list, 32)?;
        self.take(n * 32).map(|_| ())
    }
}

/// Checks an automerge sync message (the `data` of a sync or request frame): its lists, its
/// Bloom filters' parameters and every change chunk it carries.
pub fn check_sync_message(data: &[u8], limits: &Limits) -> R<()> {
    let mut c = Cursor::new(data);
    match c.byte()? {
        0x42 | 0x43 => {}
        b => return Err(GuardError::NotSyncMessage(b)),
    }
    c.hashes(limits)?; // heads
    c.hashes(limits)?; // need
    let haves = c.count("have entries", limits.haves, 2)?;
    for _ in 0..haves {
        c.hashes(limits)?;
        let len = c.uleb()?;
        check_bloom(c.take(len)?)?;
    }
    let changes = c.count("changes in one message", limits.changes_per_message, 1)?;
    let mut budget = limits.inflated_bytes;
    for _ in 0..changes {
        let len = c.uleb()?;
        check_chunks_with(c.take(len)?, &mut budget)?;
    }
    // Optional trailing flags: length-prefixed bytes that automerge reads bit by bit.
    if !c.is_empty() {
        let len = c.uleb()?;
        c.take(len)?;
    }
    Ok(())
}

/// automerge computes `hash % (8 * bits.len())` and reserves `num_probes` slots, so a filter
/// must have bits and a probe count a real encoder would use (automerge writes 10 and 7).
fn check_bloom(bytes: &[u8]) -> R<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut c = Cursor::new(bytes);
    let entries = c.uleb()?;
    let bits_per_entry = c.uleb()?;
    let probes = c.uleb()?;
    if entries == 0 || entries > u64::from(u32::MAX) {
        return Err(GuardError::Bloom("entry count"));
    }
    if !(1..=64).contains(&bits_per_entry) {
        return Err(GuardError::Bloom("bits per entry"));
    }
    if !(1..=64).contains(&probes) {
        return Err(GuardError::Bloom("probe count"));
    }
    let needed = (entries * bits_per_entry).div_ceil(8);
    if needed == 0 || needed > c.remaining() as u64 {
        return Err(GuardError::Bloom("bits shorter than the entry count needs"));
    }
    Ok(())
}

/// Checks bytes for `load_incremental`: a run of chunks (documents, changes, compressed
/// changes), none of which inflates beyond the limit.
pub fn check_chunks(bytes: &[u8], limits: &Limits) -> R<()> {
    let mut budget = limits.inflated_bytes;
    check_chunks_with(bytes, &mut budget)
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

fn check_chunks_with(bytes: &[u8], budget: &mut usize) -> R<()> {
    let mut c = Cursor::new(bytes);
    while !c.is_empty() {
        let start = c.at;
        if c.take(4).map_err(|_| GuardError::NotChunk(start))? != MAGIC {
            return Err(GuardError::NotChunk(start));
        }
        c.take(4)?; // checksum, verified by automerge
        let kind = c.byte()?;
        let len = c.uleb()?;
        let data = c.take(len)?;
        match kind {
            0 => check_document(data, budget)?,
            1 => spend(budget, data.len() as u64)?,
            2 => {
                let n = inflated_len(data, *budget)?;
                spend(budget, n)?;
            }
            // Bundles are never part of the sync protocol, and their columns would need the
            // same inflation checks.
            other => return Err(GuardError::ChunkType(other)),
        }
    }
    Ok(())
}

fn spend(budget: &mut usize, n: u64) -> R<()> {
    if n > *budget as u64 {
        return Err(GuardError::TooMany { what: "inflated bytes", found: n, limit: *budget as u64 });
    }
    *budget -= n as usize;
    Ok(())
}

/// A document chunk: actors, heads, then the change and op column metadata whose deflated
/// columns automerge inflates in full.
fn check_document(data: &[u8], budget: &mut usize) -> R<()> {
    let mut c = Cursor::new(data);
    let actors = c.count("actors", 1 << 20, 1)?;
    for _ in 0..actors {
        let len = c.uleb()?;
        c.take(len)?;
    }
    let heads = c.count("heads", 1 << 20, 32)?;
    c.take(heads * 32)?;
    let mut columns = Vec::new();
    for _ in 0..2 {
        let n = c.count("columns", 256, 2)?;
        for _ in 0..n {
            let spec = c.uleb()?;
            let len = c.uleb()?;
            columns.push((spec & 0x08 != 0, len));
        }
    }
    for (deflated, len) in columns {
        let col = c.take(len)?;
        let n = if deflated { inflated_len(col, *budget)? } else { len };
        spend(budget, n)?;
    }
    // What follows is the heads' indices, which automerge bounds itself.
    Ok(())
}

/// How many bytes `deflated` inflates to, reading at most `cap + 1` of them into a small
/// buffer: the answer without the allocation.
fn inflated_len(deflated: &[u8], cap: usize) -> R<u64> {
    let mut inflater = flate2::bufread::DeflateDecoder::new(deflated).take(cap as u64 + 1);
    let n = std::io::copy(&mut inflater, &mut std::io::sink()).map_err(|_| GuardError::Deflate)?;
    if n > cap as u64 {
        return Err(GuardError::TooMany { what: "inflated bytes", found: n, limit: cap as u64 });
    }
    Ok(n)
}

/// Walks one CBOR item (with everything nested in it) without building values, so a frame's
/// item count and depth are known before a decoder allocates anything. Returns the bytes used.
pub fn check_cbor(frame: &[u8], limits: &Limits) -> R<usize> {
    let mut c = Cursor::new(frame);
    let mut items = 0usize;
    cbor_item(&mut c, limits, 0, &mut items)?;
    Ok(c.at)
}

fn cbor_item(c: &mut Cursor<'_>, limits: &Limits, depth: usize, items: &mut usize) -> R<()> {
    if depth > limits.cbor_depth {
        return Err(GuardError::Cbor("nested too deeply"));
    }
    *items += 1;
    if *items > limits.cbor_items {
        return Err(GuardError::TooMany { what: "CBOR items", found: *items as u64, limit: limits.cbor_items as u64 });
    }
    let initial = c.byte()?;
    let (major, info) = (initial >> 5, initial & 0x1f);
    let arg = match info {
        0..=23 => Some(u64::from(info)),
        24 => Some(u64::from(c.byte()?)),
        25 => Some(u64::from(u16::from_be_bytes(c.take(2)?.try_into().expect("2 bytes")))),
        26 => Some(u64::from(u32::from_be_bytes(c.take(4)?.try_into().expect("4 bytes")))),
        27 => Some(u64::from_be_bytes(c.take(8)?.try_into().expect("8 bytes"))),
        31 if matches!(major, 2..=5) => None,
        _ if major == 7 && info == 31 => return Err(GuardError::Cbor("unexpected break")),
        _ => return Err(GuardError::Cbor("reserved additional information")),
    };
    match (major, arg) {
        (0 | 1 | 7, _) => Ok(()),
        (2 | 3, Some(n)) => c.take(n).map(|_| ()),
        (2 | 3, None) => {
            // Indefinite strings: definite chunks of the same major type until a break.
            loop {
                if c.bytes.get(c.at) == Some(&0xff) {
                    c.at += 1;
                    return Ok(());
                }
                let chunk = c.byte()?;
                if chunk >> 5 != major || chunk & 0x1f == 31 {
                    return Err(GuardError::Cbor("bad indefinite string chunk"));
                }
                c.at -= 1;
                cbor_item(c, limits, depth + 1, items)?;
            }
        }
        (4 | 5, Some(n)) => {
            let per = if major == 5 { 2 } else { 1 };
            // Each item takes at least a byte: a count beyond the remaining bytes is a lie.
            if n.saturating_mul(per) > c.remaining() as u64 {
                return Err(GuardError::Truncated(c.at));
            }
            for _ in 0..n * per {
                cbor_item(c, limits, depth + 1, items)?;
            }
            Ok(())
        }
        (4 | 5, None) => loop {
            if c.bytes.get(c.at) == Some(&0xff) {
                c.at += 1;
                return Ok(());
            }
            cbor_item(c, limits, depth + 1, items)?;
            if major == 5 {
                cbor_item(c, limits, depth + 1, items)?;
            }
        },
        (6, _) => cbor_item(c, limits, depth + 1, items),
        _ => Err(GuardError::Cbor("unknown major type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bloom(entries: u64, bits: u64, probes: u64, len: usize) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [entries, bits, probes] {
            leb(&mut b, v);
        }
        b.extend(std::iter::repeat_n(0xffu8, len));
        b
    }

    fn leb(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    #[test]
    fn bloom_filters_a_real_encoder_would_not_write_are_refused() {
        assert!(check_bloom(&bloom(3, 10, 7, 4)).is_ok());
        assert_eq!(check_bloom(&bloom(3, 0, 7, 4)), Err(GuardError::Bloom("bits per entry")));
        assert_eq!(check_bloom(&bloom(3, 10, 1 << 31, 4)), Err(GuardError::Bloom("probe count")));
        assert_eq!(check_bloom(&bloom(0, 10, 7, 4)), Err(GuardError::Bloom("entry count")));
        assert!(check_bloom(&bloom(100, 10, 7, 4)).is_err());
    }

    #[test]
    fn a_cbor_array_claiming_more_items_than_bytes_is_refused_before_allocation() {
        let limits = Limits::default();
        // An array header claiming 2^40 items, then four bytes.
        let frame = [0x9b, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        assert!(check_cbor(&frame, &limits).is_err());
        let many: Vec<u8> = [0x99, 0x27, 0x10].into_iter().chain(std::iter::repeat_n(0x01, 10_000)).collect();
        assert!(matches!(check_cbor(&many, &limits), Err(GuardError::TooMany { .. })));
        let nested = vec![0x81u8; 100];
        assert_eq!(check_cbor(&nested, &limits), Err(GuardError::Cbor("nested too deeply")));
        assert_eq!(check_cbor(&[0xa1, 0x61, b'a', 0x01], &limits), Ok(4));
    }

    #[test]
    fn a_compressed_chunk_inflating_past_the_cap_is_refused_without_inflating_it() {
        use std::io::Write;
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 64 << 20]).unwrap();
        let bomb = enc.finish().unwrap();
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 2]);
        leb(&mut chunk, bomb.len() as u64);
        chunk.extend(&bomb);
        let err = check_chunks(&chunk, &Limits::default()).unwrap_err();
        assert!(matches!(err, GuardError::TooMany { what: "inflated bytes", .. }), "{err}");
    }
}
