//! Hashed feature ids: a feature's template id and parts hashed (FxHash,
//! then a 64-bit mixer, masked to the bucket count), and the distance
//! buckets the templates share.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// A token distance in a few buckets (0, 1, 2 and 3 each, then 4–6, 7–10,
/// 11–20 and more), as one byte.
pub(crate) fn bucket(d: usize) -> u8 {
    match d {
        0 => b'0',
        1 => b'1',
        2 => b'2',
        3 => b'3',
        4..=6 => b'4',
        7..=10 => b'7',
        11..=20 => b'b',
        _ => b'f',
    }
}

/// A hasher for one feature: template id first, then the parts.
pub(crate) struct Feature(FxHasher);

impl Feature {
    /// A feature of template id `template`.
    pub(crate) fn new(template: u8) -> Self {
        let mut h = FxHasher::default();
        h.write_u8(template);
        Feature(h)
    }
    /// Adds a text part.
    pub(crate) fn s(mut self, part: &str) -> Self {
        self.0.write(part.as_bytes());
        self.0.write_u8(0xff);
        self
    }
    /// Adds a one-byte part.
    pub(crate) fn b(mut self, part: u8) -> Self {
        self.0.write_u8(part);
        self
    }
    /// Its id: the hash mixed, under `mask`.
    pub(crate) fn id(self, mask: u64) -> u32 {
        // splitmix64 finaliser: spreads FxHash's low-entropy bits over the mask.
        let mut z = self.0.finish();
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z & mask) as u32
    }
}
