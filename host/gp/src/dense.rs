//! Blocked dense kernels for the likelihood evaluations of the hyper-parameter search:
//! Cholesky, triangular inverse and the lower half of K⁻¹ = L⁻ᵀL⁻¹, with the bulk of the work
//! in nalgebra's matrix products (cache-blocked and vectorised). Matrices are column-major
//! `DMatrix`; only the lower triangle of symmetric inputs is read.

use nalgebra::DMatrix;

/// Block size.
const NB: usize = 64;

/// Unblocked Cholesky of the diagonal block at (k, k) of size b, in place (lower).
fn cholesky_small(a: &mut DMatrix<f64>, k: usize, b: usize) -> bool {
    for j in 0..b {
        let mut d = a[(k + j, k + j)];
        for p in 0..j {
            d -= a[(k + j, k + p)] * a[(k + j, k + p)];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let ljj = d.sqrt();
        a[(k + j, k + j)] = ljj;
        for i in j + 1..b {
            let mut s = a[(k + i, k + j)];
            for p in 0..j {
                s -= a[(k + i, k + p)] * a[(k + j, k + p)];
            }
            a[(k + i, k + j)] = s / ljj;
        }
    }
    true
}

/// Inverse of the lower-triangular block at (k, k) of size b (reads the lower part only).
fn lower_inverse_small(l: &DMatrix<f64>, k: usize, b: usize) -> DMatrix<f64> {
    let mut inv = DMatrix::zeros(b, b);
    for j in 0..b {
        inv[(j, j)] = 1.0 / l[(k + j, k + j)];
        for i in j + 1..b {
            let mut s = 0.0;
            for p in j..i {
                s += l[(k + i, k + p)] * inv[(p, j)];
            }
            inv[(i, j)] = -s / l[(k + i, k + i)];
        }
    }
    inv
}

/// Right-looking blocked Cholesky in place: on success the lower triangle holds L (the strict
/// upper triangle is left undefined). `false` when not positive definite.
pub(crate) fn cholesky(a: &mut DMatrix<f64>) -> bool {
    let n = a.nrows();
    let mut k = 0;
    while k < n {
        let b = NB.min(n - k);
        if !cholesky_small(a, k, b) {
            return false;
        }
        let rest = n - k - b;
        if rest > 0 {
            // Panel: A₂₁ ← A₂₁·L₁₁⁻ᵀ.
            let linv_t = lower_inverse_small(a, k, b).transpose();
            let solved = a.view((k + b, k), (rest, b)) * linv_t;
            a.view_mut((k + b, k), (rest, b)).copy_from(&solved);
            // Trailing lower part: A₂₂ ← A₂₂ − A₂₁A₂₁ᵀ, one block column at a time.
            let solved_t = solved.transpose();
            let mut j = 0;
            while j < rest {
                let w = NB.min(rest - j);
                a.view_mut((k + b + j, k + b + j), (rest - j, w)).gemm(
                    -1.0,
                    &solved.rows(j, rest - j),
                    &solved_t.columns(j, w),
                    1.0,
                );
                j += w;
            }
        }
        k += b;
    }
    true
}

/// W = L⁻¹ (lower triangular, zero above the diagonal) from the lower triangle of `l`.
pub(crate) fn lower_inverse(l: &DMatrix<f64>) -> DMatrix<f64> {
    let n = l.nrows();
    let starts: Vec<usize> = (0..n).step_by(NB).collect();
    let size = |s: usize| NB.min(n - s);
    let diag_inv: Vec<DMatrix<f64>> = starts
        .iter()
        .map(|&s| lower_inverse_small(l, s, size(s)))
        .collect();
    let mut w = DMatrix::zeros(n, n);
    for (jb, &js) in starts.iter().enumerate() {
        let bj = size(js);
        w.view_mut((js, js), (bj, bj)).copy_from(&diag_inv[jb]);
        for (ib, &is) in starts.iter().enumerate().skip(jb + 1) {
            let bi = size(is);
            // W_IJ = −L_II⁻¹ · L[I, J..I] · W[J..I, J].
            let tmp = l.view((is, js), (bi, is - js)) * w.view((js, js), (is - js, bj));
            let block = -(&diag_inv[ib] * tmp);
            w.view_mut((is, js), (bi, bj)).copy_from(&block);
        }
    }
    w
}

/// Calls `visit(i, j, value)` for every entry i ≥ j of K⁻¹ = WᵀW, W = L⁻¹ lower triangular.
/// Block row I is WᵀW[I, 0..I+b] = W[I.., I]ᵀ · W[I.., 0..I+b].
pub(crate) fn for_each_inverse_lower(w: &DMatrix<f64>, mut visit: impl FnMut(usize, usize, f64)) {
    let n = w.nrows();
    let mut is = 0;
    while is < n {
        let b = NB.min(n - is);
        let wt = w.view((is, is), (n - is, b)).transpose();
        let block = wt * w.view((is, 0), (n - is, is + b));
        for c in 0..is + b {
            let col = block.column(c);
            let first = c.saturating_sub(is);
            for r in first..b {
                visit(is + r, c, col[r]);
            }
        }
        is += b;
    }
}

/// Solves L x = b (lower triangle of `l`).
pub(crate) fn solve_lower(l: &DMatrix<f64>, b: &mut [f64]) {
    let n = l.nrows().min(b.len());
    for j in 0..n {
        let col = l.column(j);
        let x = b[j] / col[j];
        b[j] = x;
        for i in j + 1..n {
            b[i] -= col[i] * x;
        }
    }
}

/// Solves Lᵀ x = b (lower triangle of `l`).
pub(crate) fn solve_upper_t(l: &DMatrix<f64>, b: &mut [f64]) {
    let n = l.nrows().min(b.len());
    for i in (0..n).rev() {
        let col = l.column(i);
        let mut s = b[i];
        for k in i + 1..n {
            s -= col[k] * b[k];
        }
        b[i] = s / col[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_matches_definition() {
        let n = 150; // several blocks and a ragged last one
        let pts: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 3.0).collect();
        let k = DMatrix::from_fn(n, n, |i, j| {
            (-0.5 * (pts[i] - pts[j]).powi(2)).exp() + if i == j { 0.1 } else { 0.0 }
        });
        let mut l = k.clone();
        assert!(cholesky(&mut l));
        let lower = DMatrix::from_fn(n, n, |i, j| if i >= j { l[(i, j)] } else { 0.0 });
        assert!((&lower * lower.transpose() - &k).abs().max() < 1e-10);
        let w = lower_inverse(&l);
        assert!((&w * &lower - DMatrix::identity(n, n)).abs().max() < 1e-8);
        let kinv = k.clone().try_inverse().unwrap();
        let mut worst = 0.0f64;
        let mut count = 0;
        for_each_inverse_lower(&w, |i, j, v| {
            worst = worst.max((kinv[(i, j)] - v).abs());
            count += 1;
        });
        assert_eq!(count, n * (n + 1) / 2);
        assert!(worst < 1e-6 * kinv.abs().max(), "{worst}");
        let mut x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let rhs = x.clone();
        solve_lower(&l, &mut x);
        solve_upper_t(&l, &mut x);
        let back = &k * DMatrix::from_column_slice(n, 1, &x);
        assert!(back.iter().zip(&rhs).all(|(a, b)| (a - b).abs() < 1e-8));
        let mut bad = DMatrix::from_element(3, 3, 1.0);
        assert!(!cholesky(&mut bad));
    }
}
