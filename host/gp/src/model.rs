//! The reference's full fit: PCA size candidates, one PCA → scaler → GPR pipeline each, the
//! size with the largest optimised log marginal likelihood kept.

use crate::gpr::{self, Gp, Hyper};
use crate::mt::LegacyRng;
use crate::pca::{Basis, Projection};
use crate::{CandidateFit, GpError, Prediction};

/// PCA sizes the reference tries, when the data allow them.
pub const PCA_CANDIDATES: [usize; 6] = [2, 4, 6, 10, 15, 20];

/// The candidate PCA sizes for `n` labelled points of dimension `dim`: the members of
/// [`PCA_CANDIDATES`] not above m = min(n − 1, dim), or {m} when none is.
pub fn candidate_sizes(n: usize, dim: usize) -> Vec<usize> {
    let m = n.saturating_sub(1).min(dim);
    let sizes: Vec<usize> = PCA_CANDIDATES.iter().copied().filter(|&d| d <= m).collect();
    if sizes.is_empty() {
        vec![m.max(1)]
    } else {
        sizes
    }
}

/// A fitted pipeline: projection plus GP posterior.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub projection: Projection,
    pub gp: Gp,
    /// LML of the training data at the last hyper-parameter search.
    pub search_lml: f64,
}

impl Model {
    /// Posterior mean and latent std of a raw embedding (validated by the caller).
    pub(crate) fn mean_std(&self, x: &[f64]) -> (f64, f64) {
        self.gp.mean_std(&self.projection.transform(x))
    }

    /// The reference's `predict`: clipped mean, its entropy, latent std.
    pub(crate) fn predict(&self, x: &[f64]) -> Prediction {
        let (mean, std) = self.mean_std(x);
        Prediction::from_mean_std(mean, std)
    }

    /// Adds one labelled point with the current projection and hyper-parameters.
    pub(crate) fn append(&mut self, x: &[f64], y: f64) -> bool {
        let z = self.projection.transform(x);
        self.gp.append(z, y)
    }

    pub(crate) fn hyper(&self) -> Hyper {
        self.gp.hyper()
    }
}

/// Outcome of a full search.
pub(crate) struct Search {
    pub model: Model,
    pub candidates: Vec<CandidateFit>,
}

/// Below this many points the candidates are optimised on one thread.
const PARALLEL_FROM: usize = 48;

/// Runs the reference's search on (x, y): all rows finite and of one dimension, n ≥ 2.
pub(crate) fn search(x: &[Vec<f64>], y: &[f64], seed: u32) -> Result<Search, GpError> {
    let n = x.len();
    let dim = x.first().map_or(0, Vec::len);
    if n < 2 || dim == 0 || y.len() != n {
        return Err(GpError::NotFittable(format!("{n} labelled points")));
    }
    let sizes = candidate_sizes(n, dim);
    let max_d = sizes.iter().copied().max().unwrap_or(1);
    let basis = Basis::fit(x, max_d)?;
    let run = |d: usize| {
        let (_, z) = basis.projection(d);
        (d, gpr::optimise(&z, y, d.min(basis.max_components()), seed))
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(sizes.len());
    let mut optima: Vec<(usize, gpr::Optimum)> = if n >= PARALLEL_FROM && threads > 1 {
        // Interleave sizes over workers (large sizes cost about the same as small ones).
        std::thread::scope(|scope| {
            let run = &run;
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let mine: Vec<usize> = sizes.iter().copied().skip(t).step_by(threads).collect();
                    let spawned = std::thread::Builder::new()
                        .name("outlane-gp-search".into())
                        .spawn_scoped(scope, {
                            let mine = mine.clone();
                            move || mine.into_iter().map(run).collect::<Vec<_>>()
                        });
                    (mine, spawned)
                })
                .collect();
            let mut all = Vec::new();
            for (mine, spawned) in handles {
                match spawned {
                    // No thread available: do this share here.
                    Err(_) => all.extend(mine.into_iter().map(run)),
                    Ok(handle) => match handle.join() {
                        Ok(part) => all.extend(part),
                        Err(_) => return Err(GpError::Numerical("optimiser worker failed".into())),
                    },
                }
            }
            Ok(all)
        })?
    } else {
        sizes.iter().copied().map(run).collect()
    };
    optima.sort_by_key(|(d, _)| *d);
    // Largest LML wins, strict ">" so the smaller size wins ties.
    let mut best: Option<(usize, gpr::Optimum)> = None;
    for &(d, opt) in &optima {
        if best.as_ref().is_none_or(|(_, b)| opt.lml > b.lml) {
            best = Some((d, opt));
        }
    }
    let Some((d, opt)) = best else {
        return Err(GpError::NotFittable("no PCA size to try".into()));
    };
    let (projection, z) = basis.projection(d);
    let gp = Gp::fit(z, y.to_vec(), opt.hyper)
        .ok_or_else(|| GpError::Numerical("kernel matrix not positive definite".into()))?;
    let search_lml = gp.lml();
    let candidates = optima
        .iter()
        .map(|(d, o)| CandidateFit {
            n_pca: *d,
            lml: o.lml,
            constant_value: o.hyper.c,
            length_scale: o.hyper.l,
        })
        .collect();
    Ok(Search {
        model: Model {
            projection,
            gp,
            search_lml,
        },
        candidates,
    })
}

/// BALD by Monte-Carlo: for each (mean, std), `samples` draws f = mean + std·ε with ε from
/// the legacy normal stream of `rng` (drawn sample-major, as NumPy's `randn(M, N)`),
/// p = clip(f, 0, 1); BALD = H(mean p) − mean H(p), in nats.
pub(crate) fn bald(mean_std: &[(f64, f64)], samples: usize, rng: &mut LegacyRng) -> Vec<f64> {
    let n = mean_std.len();
    if samples == 0 {
        return vec![0.0; n];
    }
    let mut sum_p = vec![0.0; n];
    let mut sum_h = vec![0.0; n];
    for _ in 0..samples {
        for (j, &(mean, std)) in mean_std.iter().enumerate() {
            let p = (mean + std * rng.gauss()).clamp(0.0, 1.0);
            sum_p[j] += p;
            sum_h[j] += crate::binary_entropy(p);
        }
    }
    let m = samples as f64;
    sum_p
        .iter()
        .zip(&sum_h)
        .map(|(sp, sh)| (crate::binary_entropy(sp / m) - sh / m).clamp(0.0, std::f64::consts::LN_2))
        .collect()
}
