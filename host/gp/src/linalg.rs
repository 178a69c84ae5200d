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
        // Not positive definite.
        assert!(PackedCholesky::factor(vec![1.0, 2.0, 1.0], 2).is_none());
        assert!(!inc.append_row(&[0.0; 3]));
        assert!(!inc.append_row(&[0.0; 6]));
        assert_eq!(inc.n(), 5);
    }
}
