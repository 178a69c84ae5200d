//! Gaussian-process active learner of Outlane's qualifier: PCA, scaler, GP regression, BALD,
//! selection (pure Rust on nalgebra).
//!
//! # Model (the reference's, `ref-core.md` §1)
//!
//! Labelled embeddings are centred and projected on their top `d` principal axes (exact PCA, no
//! whitening), each component is standardised (population std, scale 1 for constant
//! components), and a GP regression with kernel `c·exp(−‖a − b‖²/(2ℓ²))` and noise
//! [`NOISE_ALPHA`] = 0.1 on the training diagonal is fitted to the labels as numbers 0/1 (prior
//! mean 0; y neither centred nor scaled). `(ln c, ln ℓ)` maximise the log marginal likelihood
//! (LML) within `[1e-5, 1e5]` for each: a bounded L-BFGS with analytic gradient runs from
//! `(0, ln √d)` and from three points drawn uniformly in the box by MT19937 seeded with the
//! seed (42), exactly the reference's restart points. Among the sizes of [`candidate_sizes`]
//! the one with the largest LML is kept (the smaller on ties).
//!
//! A prediction is `p = clip(mean, 0, 1)`, the binary entropy of `p` in nats, and the latent
//! std (noise excluded). BALD is estimated by Monte-Carlo from NumPy's legacy normal stream;
//! with the reference's seed and sample count the first call reproduces the reference's.
//!
//! # Update and refit policy ([`Qualifier`])
//!
//! - Until both classes have been labelled (and n ≥ 2) there is no model: [`Qualifier::choose`]
//!   takes candidates in arrival order ([`Strategy::ColdStart`]) and [`Qualifier::rank`] keeps
//!   their order with probability 0.5 each (the reference crashes there).
//! - The first time both classes are present, a full search runs: PCA, scaler and (c, ℓ, d)
//!   over every candidate size.
//! - Every later label is added incrementally: the point is projected with the existing PCA and
//!   scaler, the Cholesky factor of the kernel matrix is extended by one row and K⁻¹y is
//!   recomputed, all O(n²) (the result equals a from-scratch fit with the same projection and
//!   hyper-parameters to rounding).
//! - A full search (PCA and scaler refit too) runs again when
//!   - [`QualifierConfig::refit_every`] labels (default 10) have been added since the last one;
//!   - the set of PCA sizes to try has grown since the last one (it grows with n until
//!     n − 1 reaches 20: at n = 3, 5, 7, 11, 16, 21), so small models, which are cheap, follow
//!     the reference closely and a projection fitted on a few degenerate points does not linger;
//!   - the LML per point under the current hyper-parameters has dropped by more than
//!     [`QualifierConfig::lml_drop_per_point`] (default 0.05 nats) below its value right after
//!     the last search, i.e. the new labels surprise the model.
//!
//! # Divergences from the reference
//!
//! - Cold start falls back to arrival order instead of raising (bug B1).
//! - Incremental updates between searches (above); the reference refits everything on every
//!   label. [`reference_fit`] always does the full fit.
//! - PCA is always exact; for 501 ≤ n < 3840 the reference uses a seeded randomized SVD, which
//!   drifts slightly.
//! - Principal directions whose variance is at rounding level of the leading one (duplicate or
//!   collinear points) are dropped (projected to 0) instead of being rescaled noise.
//! - BALD is seeded per call (the reference's generator persists across calls, so its values
//!   depend on earlier calls); values are clamped into [0, ln 2].
//! - Non-finite or wrongly sized embeddings are rejected with an error.
//! - The optimiser is this crate's bounded L-BFGS with SciPy's stopping rules (pgtol 1e-5,
//!   factr 1e7, memory 10, 20 line-search steps), not SciPy's exact iteration path: on the
//!   golden data (c, ℓ) agree within 2e-5 relative and the LML within 1e-11.
//! - The largest PCA candidate is min(n − 1, embedding dimension); the reference writes 384.
//!
//! # Cost
//!
//! A full search evaluates the LML about 400 times (6 sizes × 4 runs); each evaluation is a
//! blocked Cholesky, triangular inverse and K⁻¹ (O(n³), on nalgebra's matrix products), and the
//! sizes are spread over the available cores. Measured in the dev profile (opt-level 3 for this
//! crate and nalgebra) on 2 cores: n = 50 → 0.02 s, 200 → 0.3 s, 1000 → 11–16 s. An incremental
//! label costs O(n²) (3 ms at n = 1000), a prediction O(n·d + n²) (0.14 ms at n = 1000). All of
//! it is synchronous and CPU-bound: async callers should run [`Qualifier::add_label`] and
//! [`Qualifier::warm_start`] on a blocking thread.
//!
//! # API
//!
//! - [`Qualifier`]: one campaign's learner ([`Qualifier::add_label`], [`Qualifier::warm_start`],
//!   [`Qualifier::predict`], [`Qualifier::bald`], [`Qualifier::choose`], [`Qualifier::rank`],
//!   [`Qualifier::explain`]).
//! - [`reference_fit`] / [`ReferenceFit`]: the reference's fit, always from scratch, and
//!   [`parity_report`] for `outlane qualifier parity FILE`.

#![deny(missing_docs)]

pub mod acceptance;
mod dense;
pub mod gate;
mod gpr;
mod linalg;
mod model;
mod mt;
mod optim;
mod pca;
mod qualifier;
mod reference;

pub use gpr::{HYPER_BOUNDS, N_RESTARTS, NOISE_ALPHA};
pub use model::{PCA_CANDIDATES, candidate_sizes};
pub use qualifier::{
    CHECK_FLOOR, Choice, ModelInfo, Qualifier, QualifierConfig, RefitReason, Strategy, Update,
};
pub use reference::{REFERENCE_SEED, ReferenceFit, parity_report, reference_fit};

use serde::{Deserialize, Serialize};

/// Errors of the qualifier.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpError {
    /// An embedding holds NaN or ±∞.
    #[error("embedding has a non-finite value at index {index}")]
    NonFinite {
        /// Index of the first offending value.
        index: usize,
    },
    /// An embedding is empty.
    #[error("embedding is empty")]
    EmptyEmbedding,
    /// An embedding's length differs from the others'.
    #[error("embedding has {got} dimensions, expected {expected}")]
    Dimension {
        /// Dimension of the model's embeddings.
        expected: usize,
        /// Dimension given.
        got: usize,
    },
    /// The data cannot be fitted: fewer than two labels, or a single class.
    #[error("cannot fit the model: {0}")]
    NotFittable(String),
    /// A numerical failure (not expected with the noise term; reported, never a panic).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// Malformed input (parity file, mismatched lengths).
    #[error("invalid input: {0}")]
    Input(String),
}

/// A model prediction for one embedding (the reference's `predict` triple).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// `clip(GP mean, 0, 1)`.
    pub probability: f64,
    /// Binary entropy of `probability`, in nats.
    pub entropy: f64,
    /// Latent standard deviation of the GP (noise excluded).
    pub std: f64,
    /// The GP mean, unclipped (below 0 or above 1 far from the decision boundary, and 0,
    /// the prior mean, far from every labelled lead).
    #[serde(default)]
    pub mean: f64,
}

impl Prediction {
    pub(crate) fn from_mean_std(mean: f64, std: f64) -> Self {
        let probability = mean.clamp(0.0, 1.0);
        Self {
            probability,
            entropy: binary_entropy(probability),
            std,
            mean,
        }
    }

    /// The posterior probability that the lead's latent score is at least 0.5 (that it
    /// qualifies): Φ((mean − 0.5) / std). Unlike [`Prediction::probability`] it knows what
    /// the model has not seen: a lead far from every labelled one has mean 0 (a "certain"
    /// rejection by the clipped mean) but a wide std, so it is only a weak rejection here.
    /// This is the confidence the validated gate bands by.
    pub fn posterior(&self) -> f64 {
        if !self.mean.is_finite() || !self.std.is_finite() {
            return f64::NAN;
        }
        if self.std <= 1e-12 {
            return if self.mean >= 0.5 { 1.0 } else { 0.0 };
        }
        normal_cdf((self.mean - 0.5) / self.std)
    }
}

/// The standard normal distribution function, Φ(x) = erfc(−x/√2) / 2.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Result of optimising one PCA size.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateFit {
    /// Number of PCA components.
    pub n_pca: usize,
    /// Optimised log marginal likelihood.
    pub lml: f64,
    /// Optimised c.
    pub constant_value: f64,
    /// Optimised ℓ.
    pub length_scale: f64,
}

/// Binary entropy in nats, −p ln p − (1−p) ln(1−p), with p clipped to [1e−12, 1 − 1e−12]
/// (NaN gives NaN).
pub fn binary_entropy(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    -p * p.ln() - (1.0 - p) * (1.0 - p).ln()
}

/// Checks an embedding (non-empty, finite, of `expected` dimensions if given) and widens it.
pub(crate) fn to_f64<T: Copy + Into<f64>>(
    x: &[T],
    expected: Option<usize>,
) -> Result<Vec<f64>, GpError> {
    if x.is_empty() {
        return Err(GpError::EmptyEmbedding);
    }
    if let Some(expected) = expected
        && expected != x.len()
    {
        return Err(GpError::Dimension {
            expected,
            got: x.len(),
        });
    }
    let out: Vec<f64> = x.iter().map(|v| (*v).into()).collect();
    if let Some(index) = out.iter().position(|v| !v.is_finite()) {
        return Err(GpError::NonFinite { index });
    }
    Ok(out)
}
