//! Gaussian-process regression with the kernel c·RBF(ℓ) plus `alpha` on the training
//! diagonal, the log marginal likelihood with its analytic gradient in (ln c, ln ℓ), the
//! hyper-parameter search (bounded L-BFGS with the reference's restarts), and the posterior.

use crate::dense;
use crate::linalg::{PackedCholesky, dot, row_start, sq_dist};
use crate::mt::LegacyRng;
use crate::optim::{self, Options};
use nalgebra::DMatrix;

/// Noise added to the training-kernel diagonal (scikit-learn `alpha` in the reference).
pub const NOISE_ALPHA: f64 = 0.1;
/// Bounds of c and ℓ: [1e-5, 1e5] (scikit-learn's defaults), searched in log space.
pub const HYPER_BOUNDS: (f64, f64) = (1e-5, 1e5);
/// Number of random restarts after the first optimiser run (reference: 3).
pub const N_RESTARTS: usize = 3;

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// Kernel hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Hyper {
    pub c: f64,
    pub l: f64,
}

impl Hyper {
    #[inline]
    pub(crate) fn k(&self, sqd: f64) -> f64 {
        self.c * (-0.5 * sqd / (self.l * self.l)).exp()
    }
}

/// A fitted GP posterior over standardised inputs; can grow by one point in O(n²).
#[derive(Clone, Debug)]
pub(crate) struct Gp {
    z: Vec<Vec<f64>>,
    y: Vec<f64>,
    hyper: Hyper,
    chol: PackedCholesky,
    weights: Vec<f64>,
}

impl Gp {
    /// Conditions the GP with hyper-parameters `hyper` on (z, y).
    pub(crate) fn fit(z: Vec<Vec<f64>>, y: Vec<f64>, hyper: Hyper) -> Option<Self> {
        let n = z.len();
        let mut packed = Vec::with_capacity(row_start(n));
        for i in 0..n {
            for j in 0..i {
                packed.push(hyper.k(sq_dist(&z[i], &z[j])));
            }
            packed.push(hyper.c + NOISE_ALPHA);
        }
        let chol = PackedCholesky::factor(packed, n)?;
        let weights = chol.solve(&y);
        Some(Self {
            z,
            y,
            hyper,
            chol,
            weights,
        })
    }

    /// Adds one training point, extending the Cholesky factor by a row (O(n²)) and
    /// recomputing K⁻¹y (two triangular solves, O(n²)).
    pub(crate) fn append(&mut self, z: Vec<f64>, y: f64) -> bool {
        let mut row: Vec<f64> = self
            .z
            .iter()
            .map(|zi| self.hyper.k(sq_dist(zi, &z)))
            .collect();
        row.push(self.hyper.c + NOISE_ALPHA);
        if !self.chol.append_row(&row) {
            return false;
        }
        self.z.push(z);
        self.y.push(y);
        self.weights = self.chol.solve(&self.y);
        true
    }

    /// Hyper-parameters.
    pub(crate) fn hyper(&self) -> Hyper {
        self.hyper
    }

    /// Number of training points.
    pub(crate) fn n(&self) -> usize {
        self.z.len()
    }

    /// Log marginal likelihood of the training data under the current hyper-parameters.
    pub(crate) fn lml(&self) -> f64 {
        let n = self.y.len() as f64;
        -0.5 * dot(&self.y, &self.weights) - self.chol.half_log_det() - 0.5 * n * LN_2PI
    }

    /// Posterior mean and latent standard deviation (noise excluded) at a standardised point.
    pub(crate) fn mean_std(&self, z: &[f64]) -> (f64, f64) {
        let mut k: Vec<f64> = self
            .z
            .iter()
            .map(|zi| self.hyper.k(sq_dist(zi, z)))
            .collect();
        let mean = dot(&k, &self.weights);
        self.chol.solve_lower_in_place(&mut k);
        let var = (self.hyper.c - dot(&k, &k)).max(0.0);
        (mean, var.sqrt())
    }
}

/// Result of optimising one PCA size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Optimum {
    pub hyper: Hyper,
    pub lml: f64,
}

/// The negative log marginal likelihood and its gradient in θ = (ln c, ln ℓ), for the
/// squared distances `sqd` (lower triangle read) of n points with targets `y`.
/// Non-positive-definite kernels give +∞ (scikit-learn returns −∞ for the likelihood).
fn neg_lml_and_grad(sqd: &DMatrix<f64>, y: &[f64], theta: &[f64]) -> (f64, Vec<f64>) {
    let n = y.len();
    let (Some(&tc), Some(&tl)) = (theta.first(), theta.get(1)) else {
        return (f64::INFINITY, vec![0.0, 0.0]);
    };
    let hyper = Hyper {
        c: tc.exp(),
        l: tl.exp(),
    };
    let inv_l2 = 1.0 / (hyper.l * hyper.l);
    let mut kf = DMatrix::zeros(n, n);
    for j in 0..n {
        for i in j..n {
            kf[(i, j)] = hyper.k(sqd[(i, j)]);
        }
    }
    let mut l = kf.clone();
    for i in 0..n {
        l[(i, i)] += NOISE_ALPHA;
    }
    if !dense::cholesky(&mut l) {
        return (f64::INFINITY, vec![0.0, 0.0]);
    }
    let mut a = y.to_vec();
    dense::solve_lower(&l, &mut a);
    dense::solve_upper_t(&l, &mut a);
    let half_log_det: f64 = (0..n).map(|i| l[(i, i)].ln()).sum();
    let lml = -0.5 * dot(y, &a) - half_log_det - 0.5 * n as f64 * LN_2PI;
    // ∂LML/∂θⱼ = ½ Σᵢⱼ (aᵢaⱼ − K⁻¹ᵢⱼ)(∂K/∂θⱼ)ᵢⱼ with ∂K/∂ln c = K_f, ∂K/∂ln ℓ = K_f∘D/ℓ²,
    // summed over the lower triangle (off-diagonal terms twice).
    let w = dense::lower_inverse(&l);
    let mut gc = 0.0;
    let mut gl = 0.0;
    dense::for_each_inverse_lower(&w, |i, j, kinv| {
        let inner = a[i] * a[j] - kinv;
        let f = kf[(i, j)];
        let weight = if i == j { 0.5 } else { 1.0 };
        gc += weight * inner * f;
        gl += weight * inner * f * sqd[(i, j)];
    });
    (-lml, vec![-gc, -gl * inv_l2])
}

/// Squared-distance matrix of the rows of `z` (lower triangle filled).
fn sq_dist_matrix(z: &[Vec<f64>]) -> DMatrix<f64> {
    let n = z.len();
    let mut out = DMatrix::zeros(n, n);
    for j in 0..n {
        for i in j..n {
            out[(i, j)] = sq_dist(&z[i], &z[j]);
        }
    }
    out
}

/// Maximises the log marginal likelihood over (ln c, ln ℓ) in the bound box, from
/// (0, ln √d) and then from `N_RESTARTS` points drawn uniformly in the box by a fresh
/// MT19937 seeded with `seed` (the reference's `RandomState(random_state)`); the lowest
/// negative likelihood wins, the earliest run on ties.
pub(crate) fn optimise(z: &[Vec<f64>], y: &[f64], d: usize, seed: u32) -> Optimum {
    let sqd = sq_dist_matrix(z);
    let lo = HYPER_BOUNDS.0.ln();
    let hi = HYPER_BOUNDS.1.ln();
    let mut rng = LegacyRng::new(seed);
    let mut starts = vec![vec![0.0, (d.max(1) as f64).sqrt().ln()]];
    for _ in 0..N_RESTARTS {
        let c0 = rng.uniform(lo, hi);
        let l0 = rng.uniform(lo, hi);
        starts.push(vec![c0, l0]);
    }
    let mut best: Option<(Vec<f64>, f64)> = None;
    for start in starts {
        let m = optim::minimize(
            |theta| neg_lml_and_grad(&sqd, y, theta),
            &start,
            &[lo, lo],
            &[hi, hi],
            Options::default(),
        );
        if best.as_ref().is_none_or(|(_, f)| m.f < *f) {
            best = Some((m.x, m.f));
        }
    }
    let (theta, f) = best.unwrap_or((vec![0.0, 0.0], f64::INFINITY));
    let hyper = Hyper {
        c: theta.first().copied().unwrap_or(0.0).exp(),
        l: theta.get(1).copied().unwrap_or(0.0).exp(),
    };
    Optimum { hyper, lml: -f }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let z: Vec<Vec<f64>> = (0..7)
            .map(|i| vec![(i as f64 * 0.7).sin(), (i as f64 * 1.1).cos()])
            .collect();
        let y: Vec<f64> = (0..7).map(|i| (i % 2) as f64).collect();
        let sqd = sq_dist_matrix(&z);
        let theta = [0.3, -0.2];
        let (_, g) = neg_lml_and_grad(&sqd, &y, &theta);
        for k in 0..2 {
            let h = 1e-6;
            let mut tp = theta;
            tp[k] += h;
            let mut tm = theta;
            tm[k] -= h;
            let fd =
                (neg_lml_and_grad(&sqd, &y, &tp).0 - neg_lml_and_grad(&sqd, &y, &tm).0) / (2.0 * h);
            assert!((fd - g[k]).abs() < 1e-6, "{k}: {fd} vs {}", g[k]);
        }
        // The fitted GP reports the same likelihood.
        let hyper = Hyper {
            c: theta[0].exp(),
            l: theta[1].exp(),
        };
        let gp = Gp::fit(z.clone(), y.clone(), hyper).unwrap();
        assert!((gp.lml() + neg_lml_and_grad(&sqd, &y, &theta).0).abs() < 1e-12);
    }
}
