//! FNV-1a hashing for the fixed lookup tables of the model (property names, type names): fast on
//! short ASCII keys. Not DoS-resistant, so it is only used for tables built from the model, never
//! for sets grown from input.

/// Builds [`Fnv`] hashers.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FnvBuild;

/// A 64-bit FNV-1a hasher.
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
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
