//! `SplittableRandom`: Java's `java.util.SplittableRandom` (SplitMix64), draw for draw.
//! The Nexmark generator takes every random choice from one of these, so the same seed
//! gives the same events as the Java generator (only the draws it makes are provided).

/// The increment of the default stream (the odd constant of SplitMix64).
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// Java's `SplittableRandom` created with `new SplittableRandom(seed)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplittableRandom {
    seed: u64,
    gamma: u64,
}

fn mix64(z: u64) -> u64 {
    let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn mix32(z: u64) -> i32 {
    let z = (z ^ (z >> 33)).wrapping_mul(0x62a9_d9ed_7997_05f5);
    ((z ^ (z >> 28)).wrapping_mul(0xcb24_d0a5_c88c_35b3) >> 32) as i32
}

impl SplittableRandom {
    /// The generator Java's `new SplittableRandom(seed)` makes.
    pub fn new(seed: i64) -> Self {
        SplittableRandom { seed: seed as u64, gamma: GOLDEN_GAMMA }
    }

    /// The internal state, for checkpoints (`from_state` takes it back).
    pub fn state(&self) -> u64 {
        self.seed
    }

    /// A generator of the default stream at `state` (see `state`).
    pub fn from_state(state: u64) -> Self {
        SplittableRandom { seed: state, gamma: GOLDEN_GAMMA }
    }

    #[inline]
    fn next_seed(&mut self) -> u64 {
        self.seed = self.seed.wrapping_add(self.gamma);
        self.seed
    }

    /// `nextInt()`: any `int`.
    #[inline]
    pub fn next_int(&mut self) -> i32 {
        mix32(self.next_seed())
    }

    /// `nextLong()`: any `long`.
    #[inline]
    pub fn next_long(&mut self) -> i64 {
        mix64(self.next_seed()) as i64
    }

    /// `nextInt(bound)`: uniform in `[0, bound)`, by Java's rejection rule. `bound` must
    /// be positive (the callers check their options); a non-positive one gives 0.
    #[inline]
    pub fn next_int_bounded(&mut self, bound: i32) -> i32 {
        if bound <= 0 {
            return 0;
        }
        let mut r = self.next_int();
        let m = bound - 1;
        if bound & m == 0 {
            return r & m;
        }
        let mut u = ((r as u32) >> 1) as i32;
        loop {
            r = u % bound;
            if u.wrapping_add(m).wrapping_sub(r) < 0 {
                u = ((self.next_int() as u32) >> 1) as i32;
            } else {
                return r;
            }
        }
    }

    /// `nextDouble()`: uniform in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn next_double(&mut self) -> f64 {
        (mix64(self.next_seed()) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}
