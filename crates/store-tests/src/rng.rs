//! The random source of the property stories.

/// A small deterministic generator (xorshift64*, seeded through splitmix64): the same seed makes
/// the same world, so a failure names the seed that reproduces it.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(z.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }

    /// Each of `v` with the given chance, at least one.
    pub(crate) fn some_of<T: Clone>(&mut self, v: &[T], percent: usize) -> Vec<T> {
        let mut out: Vec<T> = v.iter().filter(|_| self.chance(percent)).cloned().collect();
        if out.is_empty() {
            out.push(self.pick(v).clone());
        }
        out
    }

    /// Each of `v` with the given chance (perhaps none).
    pub(crate) fn pick_of<T: Clone>(&mut self, v: &[T], percent: usize) -> Vec<T> {
        v.iter().filter(|_| self.chance(percent)).cloned().collect()
    }

    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}
