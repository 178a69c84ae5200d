//! Synthetic embedding-like data for the tests: two classes in 384-d, L2-normalised.
#![allow(dead_code)]

/// A tiny deterministic generator (splitmix64) with a Box–Muller normal.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

pub const DIM: usize = 384;

/// Class centres: a shared "topic" direction plus a class-specific one; a point is
/// centre + isotropic noise, L2-normalised. `label_noise` flips labels with that probability.
pub struct Clusters {
    base: Vec<f64>,
    pos: Vec<f64>,
    neg: Vec<f64>,
    rng: Rng,
    noise: f64,
    label_noise: f64,
}

impl Clusters {
    pub fn new(seed: u64, noise: f64, label_noise: f64) -> Self {
        let mut rng = Rng::new(seed);
        let v = |rng: &mut Rng| {
            (0..DIM)
                .map(|_| rng.normal() / (DIM as f64).sqrt())
                .collect::<Vec<f64>>()
        };
        let base = v(&mut rng);
        let pos = v(&mut rng);
        let neg = v(&mut rng);
        Self {
            base,
            pos,
            neg,
            rng,
            noise,
            label_noise,
        }
    }

    /// A point of the given true class, and its (possibly flipped) label.
    pub fn sample(&mut self, qualified: bool) -> (Vec<f32>, bool) {
        let centre = if qualified { &self.pos } else { &self.neg };
        let mut x: Vec<f64> = (0..DIM)
            .map(|j| {
                2.0 * self.base[j]
                    + 0.6 * centre[j]
                    + self.noise * self.rng.normal() / (DIM as f64).sqrt()
            })
            .collect();
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        x.iter_mut().for_each(|v| *v /= norm);
        let flip = self.rng.uniform() < self.label_noise;
        (x.iter().map(|&v| v as f32).collect(), qualified ^ flip)
    }

    /// A point whose true class is drawn with probability `p_pos`.
    pub fn draw(&mut self, p_pos: f64) -> (Vec<f32>, bool, bool) {
        let truth = self.rng.uniform() < p_pos;
        let (x, label) = self.sample(truth);
        (x, label, truth)
    }
}

pub fn widen(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}
