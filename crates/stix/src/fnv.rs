//! An FNV-style hash (word at a time) for the fixed lookup tables of the model (property names, type names): fast on
//! short ASCII keys. Not DoS-resistant, so it is only used for tables built from the model, never
//! for sets grown from input.

/// Builds [`Fnv`] hashers.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FnvBuild;

/// A 64-bit FNV-style hasher over 8-byte words.
#[derive(Debug)]
pub(crate) struct Fnv(u64);

impl std::hash::BuildHasher for FnvBuild {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    /// Word at a time (FNV-style xor-multiply on 8-byte chunks): the keys are short ASCII names.
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0 ^ u64::from_le_bytes(w))
                .wrapping_mul(0x0100_0000_01b3)
                .rotate_left(29);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0 ^ u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59))
                .wrapping_mul(0x0100_0000_01b3)
                .rotate_left(29);
        }
    }
}
