//! Dense kernels on row-major storage: a packed lower-triangular Cholesky factor that can grow
//! one row at a time, triangular solves, and the trace terms of the likelihood gradient.
//!
//! Packed lower storage keeps row `i` (entries `0..=i`) at offset `i(i+1)/2`, so every row is a
//! contiguous slice and appending a row is a push.

/// Offset of row `i` in packed lower storage.
#[inline]
pub(crate) fn row_start(i: usize) -> usize {
    i * (i + 1) / 2
}

/// Dot product with four independent accumulators (lets the compiler vectorise it).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut acc = [0.0f64; 4];
    let chunks_a = a.chunks_exact(4);
    let chunks_b = b.chunks_exact(4);
    let rest: f64 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        acc[0] += ca[0] * cb[0];
        acc[1] += ca[1] * cb[1];
        acc[2] += ca[2] * cb[2];
        acc[3] += ca[3] * cb[3];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + rest
}

/// Squared Euclidean distance.
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// A lower-triangular Cholesky factor in packed row-major storage.
#[derive(Clone, Debug, Default)]
pub(crate) struct PackedCholesky {
    n: usize,
    data: Vec<f64>,
}

impl PackedCholesky {
    /// Factorises the symmetric matrix whose packed lower triangle is `packed` (n rows).
    /// Returns `None` when the matrix is not numerically positive definite.
    pub(crate) fn factor(packed: Vec<f64>, n: usize) -> Option<Self> {
        if packed.len() != row_start(n) {
            return None;
        }
        let mut chol = Self { n: 0, data: packed };
        for i in 0..n {
            if !chol.factor_row(i) {
                return None;
            }
        }
        chol.n = n;
        Some(chol)
    }

    /// Appends one row of the matrix (its entries `0..=n`, the diagonal last) and extends the
    /// factor by it in O(n²). Returns `false`, leaving the factor unchanged, when the extended
    /// matrix is not positive definite or the row has the wrong length.
    pub(crate) fn append_row(&mut self, row: &[f64]) -> bool {
        let n = self.n;
        if row.len() != n + 1 {
            return false;
        }
        self.data.extend_from_slice(row);
        if self.factor_row(n) {
            self.n = n + 1;
            true
        } else {
            self.data.truncate(row_start(n));
            false
        }
    }

    /// Turns row `i` of the matrix (already in place) into row `i` of the factor, rows
    /// `0..i` being factored already.
    fn factor_row(&mut self, i: usize) -> bool {
        let start = row_start(i);
        let (done, rest) = self.data.split_at_mut(start);
        let Some(row) = rest.get_mut(..=i) else {
            return false;
        };
        for j in 0..i {
            let rj = &done[row_start(j)..row_start(j) + j + 1];
            let s = row[j] - dot(&row[..j], &rj[..j]);
            row[j] = s / rj[j];
        }
        let d = row[i] - dot(&row[..i], &row[..i]);
        if d > 0.0 && d.is_finite() {
            row[i] = d.sqrt();
            true
        } else {
            false
        }
    }

    /// Number of rows.
    #[cfg(test)]
    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Row `i` of the factor (entries `0..=i`).
    #[inline]
    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.data[row_start(i)..row_start(i) + i + 1]
    }

    /// Sum of the logarithms of the diagonal: ½ log det of the matrix.
    pub(crate) fn half_log_det(&self) -> f64 {
        (0..self.n).map(|i| self.row(i)[i].ln()).sum()
    }

    /// Solves L v = b in place.
    pub(crate) fn solve_lower_in_place(&self, b: &mut [f64]) {
        for i in 0..self.n.min(b.len()) {
            let row = self.row(i);
            let s = b[i] - dot(&row[..i], &b[..i]);
            b[i] = s / row[i];
        }
    }

    /// Solves Lᵀ v = b in place.
    pub(crate) fn solve_upper_in_place(&self, b: &mut [f64]) {
        let n = self.n.min(b.len());
        for i in (0..n).rev() {
            let row = self.row(i);
            let v = b[i] / row[i];
            b[i] = v;
            for (bj, lij) in b[..i].iter_mut().zip(&row[..i]) {
                *bj -= lij * v;
            }
        }
    }

    /// Solves (L Lᵀ) v = b.
    pub(crate) fn solve(&self, b: &[f64]) -> Vec<f64> {
        let mut v = b.to_vec();
        self.solve_lower_in_place(&mut v);
        self.solve_upper_in_place(&mut v);
        v
    }

    /// The transposed inverse `U = L⁻ᵀ` as a dense row-major n×n matrix (upper triangular:
    /// row `j` holds column `j` of `L⁻¹`).
    pub(crate) fn inverse_transposed(&self) -> Vec<f64> {
        let n = self.n;
        let mut u = vec![0.0; n * n];
        for j in 0..n {
            let urow = &mut u[j * n..(j + 1) * n];
            urow[j] = 1.0 / self.row(j)[j];
            for i in j + 1..n {
                let lrow = self.row(i);
                let s = dot(&lrow[j..i], &urow[j..i]);
                urow[i] = -s / lrow[i];
            }
        }
        u
    }
}

/// Given `U = L⁻ᵀ` (dense, row-major, upper triangular), returns Σᵢⱼ (K⁻¹)ᵢⱼ·Aᵢⱼ for each of
/// the symmetric matrices given by their packed lower triangles in `mats`.
#[cfg(test)]
pub(crate) fn inverse_traces<const M: usize>(u: &[f64], n: usize, mats: [&[f64]; M]) -> [f64; M] {
    let mut out = [0.0; M];
    for i in 0..n {
        let ui = &u[i * n + i..(i + 1) * n];
        let start = row_start(i);
        for j in 0..=i {
            let uj = &u[j * n + i..(j + 1) * n];
            let kinv = dot(ui, uj);
            let weight = if i == j { 1.0 } else { 2.0 };
            for (o, m) in out.iter_mut().zip(mats.iter()) {
                *o += weight * kinv * m[start + j];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solve_and_inverse() {
        // A = B Bᵀ + I for a fixed B.
        let n = 5;
        let b: Vec<f64> = (0..n * n)
            .map(|k| ((k * 7 % 11) as f64) / 10.0 - 0.4)
            .collect();
        let mut packed = Vec::new();
        let mut dense = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let mut s: f64 = (0..n).map(|k| b[i * n + k] * b[j * n + k]).sum();
                if i == j {
                    s += 1.0;
                }
                dense[i * n + j] = s;
            }
            packed.extend_from_slice(&dense[i * n..i * n + i + 1]);
        }
        let chol = PackedCholesky::factor(packed.clone(), n).unwrap();
        let rhs = [1.0, -2.0, 0.5, 3.0, 0.0];
        let x = chol.solve(&rhs);
        for i in 0..n {
            let ax: f64 = (0..n).map(|j| dense[i * n + j] * x[j]).sum();
            assert!((ax - rhs[i]).abs() < 1e-12);
        }
        // Incremental factor equals the batch one.
        let mut inc = PackedCholesky::factor(packed[..row_start(3)].to_vec(), 3).unwrap();
        assert!(inc.append_row(&packed[row_start(3)..row_start(4)]));
        assert!(inc.append_row(&packed[row_start(4)..row_start(5)]));
        for i in 0..n {
            assert_eq!(inc.row(i), chol.row(i));
        }
        // tr(K⁻¹ K) = n.
        let u = chol.inverse_transposed();
        let [t] = inverse_traces(&u, n, [&packed]);
        assert!((t - n as f64).abs() < 1e-10);
        // Not positive definite.
        assert!(PackedCholesky::factor(vec![1.0, 2.0, 1.0], 2).is_none());
        assert!(!inc.append_row(&[0.0; 3]));
        assert!(!inc.append_row(&[0.0; 6]));
        assert_eq!(inc.n(), 5);
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use std::time::Instant;

    #[test]
    #[ignore = "benchmark"]
    fn kernel_timings() {
        let n = 1000;
        let pts: Vec<[f64; 2]> = (0..n)
            .map(|i| [(i as f64 * 0.37).sin() * 3.0, (i as f64 * 0.11).cos() * 3.0])
            .collect();
        let mut packed = Vec::new();
        for i in 0..n {
            for j in 0..=i {
                let d = (pts[i][0] - pts[j][0]).powi(2) + (pts[i][1] - pts[j][1]).powi(2);
                packed.push((-0.5 * d).exp() + if i == j { 0.1 } else { 0.0 });
            }
        }
        let t = Instant::now();
        let chol = PackedCholesky::factor(packed.clone(), n).unwrap();
        eprintln!("chol {:.4}", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let u = chol.inverse_transposed();
        eprintln!("inverse {:.4}", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let [tr] = inverse_traces(&u, n, [&packed]);
        eprintln!("traces {:.4} ({tr})", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let w = nalgebra::DMatrix::from_column_slice(n, n, &u);
        let kinv = w.transpose() * &w;
        eprintln!("gemm {:.4} {}", t.elapsed().as_secs_f64(), kinv[(0, 0)]);
        let t = Instant::now();
        let dense = nalgebra::DMatrix::from_fn(n, n, |i, j| {
            let (a, b) = if i >= j { (i, j) } else { (j, i) };
            packed[row_start(a) + b]
        });
        let c = nalgebra::Cholesky::new(dense).unwrap();
        eprintln!(
            "nalgebra chol {:.4} {}",
            t.elapsed().as_secs_f64(),
            c.l_dirty()[(0, 0)]
        );
    }
}
