//! Exact PCA (no whitening) followed by a standard scaler, as the reference's
//! `PCA(d) → StandardScaler` pipeline.
//!
//! The principal axes come from the symmetric eigen-decomposition of the smaller of the Gram
//! matrix `Xc·Xcᵀ` (n ≤ D) and the covariance `Xcᵀ·Xc` (n > D); both give the right singular
//! vectors of the centred data that scikit-learn's SVD gives. Signs follow scikit-learn's
//! `svd_flip` (largest-magnitude loading positive); they do not matter downstream since the
//! scaler and the isotropic RBF kernel only see distances.

use crate::GpError;
use nalgebra::{DMatrix, SymmetricEigen};

/// A fitted projection: centring, principal axes and per-component standardisation.
#[derive(Clone, Debug)]
pub(crate) struct Projection {
    mean: Vec<f64>,
    components: Vec<Vec<f64>>,
    scale_mean: Vec<f64>,
    scale: Vec<f64>,
    explained: f64,
}

impl Projection {
    /// Input dimension.
    pub(crate) fn input_dim(&self) -> usize {
        self.mean.len()
    }

    /// Number of components.
    pub(crate) fn n_components(&self) -> usize {
        self.components.len()
    }

    /// Fraction of the total variance the kept components explain.
    pub(crate) fn explained_variance_ratio(&self) -> f64 {
        self.explained
    }

    /// `(((x − μ)·Wᵀ) − m) / s` for one row (x must have `input_dim` entries).
    pub(crate) fn transform(&self, x: &[f64]) -> Vec<f64> {
        let centred: Vec<f64> = x.iter().zip(&self.mean).map(|(v, m)| v - m).collect();
        self.components
            .iter()
            .zip(self.scale_mean.iter().zip(&self.scale))
            .map(|(w, (m, s))| (crate::linalg::dot(&centred, w) - m) / s)
            .collect()
    }
}

/// The principal axes of a training set, from which projections of any size up to
/// `components.len()` are cut.
pub(crate) struct Basis {
    mean: Vec<f64>,
    /// Unit axes (zero for numerically null directions), by decreasing variance.
    components: Vec<Vec<f64>>,
    /// Training scores, `scores[i][k]` = (xᵢ − μ)·wₖ.
    scores: Vec<Vec<f64>>,
    /// Variance (ddof 0) of each kept component's scores.
    variances: Vec<f64>,
    total_variance: f64,
}

impl Basis {
    /// Principal axes of `x` (n rows of equal length, all finite), keeping up to `max_d`.
    /// Fails when the cross-product overflows or the eigen-solver does not converge.
    pub(crate) fn fit(x: &[Vec<f64>], max_d: usize) -> Result<Self, GpError> {
        let n = x.len();
        let dim = x.first().map_or(0, Vec::len);
        let mut mean = vec![0.0; dim];
        for row in x {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        for m in &mut mean {
            *m /= n.max(1) as f64;
        }
        let xc = DMatrix::from_fn(n, dim, |i, j| x[i][j] - mean[j]);
        let total_variance = xc.iter().map(|v| v * v).sum::<f64>() / n.max(1) as f64;
        let max_d = max_d.min(n).min(dim);
        // Eigen-pairs (λ, vector) of the smaller cross-product.
        let gram = n <= dim;
        let product = if gram {
            &xc * xc.transpose()
        } else {
            xc.transpose() * &xc
        };
        if !product.iter().all(|v| v.is_finite()) {
            return Err(GpError::Numerical(
                "embeddings too large: covariance overflows".into(),
            ));
        }
        let eigen = SymmetricEigen::try_new(product, f64::EPSILON, 100_000)
            .ok_or_else(|| GpError::Numerical("PCA eigen-decomposition did not converge".into()))?;
        let mut order: Vec<usize> = (0..eigen.eigenvalues.len()).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let top = order.first().map_or(0.0, |&k| eigen.eigenvalues[k]);
        // Directions whose variance is at rounding level of the leading one are null.
        let null_below = top * (n.max(dim) as f64) * f64::EPSILON * 100.0;
        let mut components = Vec::with_capacity(max_d);
        let mut score_cols: Vec<Vec<f64>> = Vec::with_capacity(max_d);
        for &k in order.iter().take(max_d) {
            let lambda = eigen.eigenvalues[k];
            let vec = eigen.eigenvectors.column(k);
            let usable = top.is_finite() && top > 0.0 && lambda > null_below;
            let (mut w, mut col): (Vec<f64>, Vec<f64>) = if !usable {
                (vec![0.0; dim], vec![0.0; n])
            } else if gram {
                // u = left singular vector, σ = √λ: w = Xcᵀu/σ, scores = uσ.
                let sigma = lambda.sqrt();
                let w: Vec<f64> = (0..dim)
                    .map(|j| (0..n).map(|i| xc[(i, j)] * vec[i]).sum::<f64>() / sigma)
                    .collect();
                let col = (0..n).map(|i| vec[i] * sigma).collect();
                (w, col)
            } else {
                let w: Vec<f64> = vec.iter().copied().collect();
                let col = (0..n)
                    .map(|i| (0..dim).map(|j| xc[(i, j)] * w[j]).sum())
                    .collect();
                (w, col)
            };
            // svd_flip: the largest-magnitude loading of each axis is positive.
            let pivot = w
                .iter()
                .copied()
                .fold(0.0f64, |acc, v| if v.abs() > acc.abs() { v } else { acc });
            if pivot < 0.0 {
                w.iter_mut().for_each(|v| *v = -*v);
                col.iter_mut().for_each(|v| *v = -*v);
            }
            components.push(w);
            score_cols.push(col);
        }
        let variances = score_cols
            .iter()
            .map(|c| {
                let m = c.iter().sum::<f64>() / n.max(1) as f64;
                c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n.max(1) as f64
            })
            .collect();
        let scores = (0..n)
            .map(|i| score_cols.iter().map(|c| c[i]).collect())
            .collect();
        Ok(Self {
            mean,
            components,
            scores,
            variances,
            total_variance,
        })
    }

    /// Number of axes available.
    pub(crate) fn max_components(&self) -> usize {
        self.components.len()
    }

    /// The projection onto the first `d` axes (standardised) and the standardised training
    /// scores.
    pub(crate) fn projection(&self, d: usize) -> (Projection, Vec<Vec<f64>>) {
        let d = d.min(self.components.len());
        let n = self.scores.len();
        let mut scale_mean = Vec::with_capacity(d);
        let mut scale = Vec::with_capacity(d);
        for k in 0..d {
            let m = self.scores.iter().map(|r| r[k]).sum::<f64>() / n.max(1) as f64;
            let var = self
                .scores
                .iter()
                .map(|r| (r[k] - m) * (r[k] - m))
                .sum::<f64>()
                / n.max(1) as f64;
            // scikit-learn's constant-feature rule (`_is_constant_feature`): scale 1.
            let nf = n as f64;
            let eps = f64::EPSILON;
            let constant = var <= nf * eps * var + (nf * m * eps).powi(2);
            scale_mean.push(m);
            scale.push(if constant { 1.0 } else { var.sqrt() });
        }
        let z_hat = self
            .scores
            .iter()
            .map(|r| (0..d).map(|k| (r[k] - scale_mean[k]) / scale[k]).collect())
            .collect();
        let kept: f64 = self.variances.iter().take(d).sum();
        let explained = if self.total_variance > 0.0 {
            kept / self.total_variance
        } else {
            0.0
        };
        (
            Projection {
                mean: self.mean.clone(),
                components: self.components[..d].to_vec(),
                scale_mean,
                scale,
                explained,
            },
            z_hat,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitened_scores_and_transform_agree() {
        // 6 points in 4-D with a clear leading axis.
        let x: Vec<Vec<f64>> = (0..6)
            .map(|i| {
                let t = i as f64;
                vec![3.0 * t, 0.5 * (t * 1.3).sin(), 0.2 * t * t, 1.0]
            })
            .collect();
        let basis = Basis::fit(&x, 3).unwrap();
        let (proj, z) = basis.projection(3);
        assert_eq!(proj.n_components(), 3);
        for (row, zr) in x.iter().zip(&z) {
            let t = proj.transform(row);
            for (a, b) in t.iter().zip(zr) {
                assert!((a - b).abs() < 1e-9, "{t:?} vs {zr:?}");
            }
        }
        // Unit variance per component.
        for k in 0..3 {
            let var: f64 = z.iter().map(|r| r[k] * r[k]).sum::<f64>() / 6.0;
            assert!((var - 1.0).abs() < 1e-9);
        }
        // More points than dimensions takes the covariance path; same distances.
        let many: Vec<Vec<f64>> = (0..9)
            .map(|i| vec![i as f64, ((i * i) % 5) as f64])
            .collect();
        let (p, z) = Basis::fit(&many, 2).unwrap().projection(2);
        assert_eq!(p.input_dim(), 2);
        assert!((z[3][0] - p.transform(&many[3])[0]).abs() < 1e-9);
        // Identical rows: everything null, defined output.
        let same = vec![vec![1.0, 2.0]; 3];
        let (p, z) = Basis::fit(&same, 2).unwrap().projection(2);
        assert!(z.iter().flatten().all(|v| *v == 0.0));
        assert!(p.transform(&[5.0, 5.0]).iter().all(|v| *v == 0.0));
        // Overflow is an error, not a hang or a panic.
        assert!(Basis::fit(&[vec![1e200, 0.0], vec![-1e200, 1.0]], 1).is_err());
    }
}
