//! The Mersenne Twister (MT19937) with the seeding and the sampling of NumPy's legacy
//! `RandomState`: `random_sample` (53-bit doubles) and the polar Box–Muller `gauss` that keeps
//! its second value. The reference draws its optimiser restarts and its BALD noise from this
//! generator, so using the same stream reproduces those numbers exactly.

const STATE_LEN: usize = 624;
const SHIFT: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// A seeded MT19937 stream with NumPy `RandomState` semantics.
#[derive(Clone)]
pub struct LegacyRng {
    state: [u32; STATE_LEN],
    pos: usize,
    spare_gauss: Option<f64>,
}

impl LegacyRng {
    /// The stream of `RandomState(seed)` for a 32-bit integer seed.
    pub fn new(seed: u32) -> Self {
        let mut state = [0u32; STATE_LEN];
        let mut value = seed;
        for (i, slot) in state.iter_mut().enumerate() {
            *slot = value;
            // i < 624, so the cast is lossless.
            value = 1_812_433_253u32
                .wrapping_mul(value ^ (value >> 30))
                .wrapping_add(i as u32 + 1);
        }
        Self {
            state,
            pos: STATE_LEN,
            spare_gauss: None,
        }
    }

    fn regenerate(&mut self) {
        for i in 0..STATE_LEN {
            let next = self.state[(i + 1) % STATE_LEN];
            let mixed = (self.state[i] & UPPER_MASK) | (next & LOWER_MASK);
            let mut value = self.state[(i + SHIFT) % STATE_LEN] ^ (mixed >> 1);
            if mixed & 1 == 1 {
                value ^= MATRIX_A;
            }
            self.state[i] = value;
        }
        self.pos = 0;
    }

    /// The next 32-bit output.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= STATE_LEN {
            self.regenerate();
        }
        let mut y = self.state[self.pos % STATE_LEN];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// A double uniform in [0, 1) built from 53 random bits (`random_sample`).
    pub fn next_f64(&mut self) -> f64 {
        let high = f64::from(self.next_u32() >> 5);
        let low = f64::from(self.next_u32() >> 6);
        (high * 67_108_864.0 + low) / 9_007_199_254_740_992.0
    }

    /// `uniform(low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_f64()
    }

    /// A standard normal draw (`standard_normal`/`randn` of the legacy generator).
    pub fn gauss(&mut self) -> f64 {
        if let Some(value) = self.spare_gauss.take() {
            return value;
        }
        loop {
            let x1 = 2.0 * self.next_f64() - 1.0;
            let x2 = 2.0 * self.next_f64() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let factor = (-2.0 * r2.ln() / r2).sqrt();
                self.spare_gauss = Some(factor * x1);
                return factor * x2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LegacyRng;

    #[test]
    fn matches_numpy_random_state_42() {
        // np.random.RandomState(42).random_sample(3) and .randn(3) (well-known values).
        let mut rng = LegacyRng::new(42);
        let expected = [0.3745401188473625, 0.9507143064099162, 0.7319939418114051];
        for e in expected {
            assert!((rng.next_f64() - e).abs() < 1e-16);
        }
        let mut rng = LegacyRng::new(42);
        let expected = [0.4967141530112327, -0.13826430117118466, 0.6476885381006925];
        for e in expected {
            assert!((rng.gauss() - e).abs() < 1e-15);
        }
    }
}
