//! A compact bounded L-BFGS minimiser (projected quasi-Newton steps with a strong-Wolfe line
//! search), with the stopping rules of SciPy's L-BFGS-B defaults: projected-gradient
//! infinity norm ≤ `pgtol`, relative decrease ≤ `factr·ε`, and iteration/evaluation caps.

/// Options of [`minimize`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Options {
    /// Number of correction pairs kept (SciPy `maxcor`).
    pub memory: usize,
    /// Relative-decrease tolerance (SciPy `ftol` = factr·ε).
    pub ftol: f64,
    /// Projected-gradient tolerance (SciPy `gtol`/`pgtol`).
    pub pgtol: f64,
    /// Iteration cap.
    pub max_iter: usize,
    /// Evaluation cap.
    pub max_eval: usize,
    /// Line-search evaluation cap per iteration.
    pub max_ls: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            memory: 10,
            ftol: 1e7 * f64::EPSILON,
            pgtol: 1e-5,
            max_iter: 15_000,
            max_eval: 15_000,
            max_ls: 20,
        }
    }
}

/// Result of [`minimize`].
#[derive(Clone, Debug)]
pub(crate) struct Minimum {
    /// Arg-min found.
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub f: f64,
}

struct Point {
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
}

fn dotv(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `x − P(x − g)`, its infinity norm (SciPy `projgr`).
fn projected_gradient_norm(x: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    let mut norm = 0.0f64;
    for i in 0..x.len() {
        let gi = if g[i] < 0.0 {
            (x[i] - hi[i]).max(g[i])
        } else {
            (x[i] - lo[i]).min(g[i])
        };
        norm = norm.max(gi.abs());
    }
    norm
}

/// Minimises `fg` (objective and gradient) over the box `[lo, hi]` starting at `x0`.
/// Non-finite objective values are treated as +∞ (the line search backs off from them).
pub(crate) fn minimize<F>(mut fg: F, x0: &[f64], lo: &[f64], hi: &[f64], opts: Options) -> Minimum
where
    F: FnMut(&[f64]) -> (f64, Vec<f64>),
{
    let dim = x0.len();
    let mut evals = 0usize;
    let mut eval = |x: &[f64], evals: &mut usize| -> Point {
        *evals += 1;
        let (f, g) = fg(x);
        let ok = f.is_finite() && g.len() == dim && g.iter().all(|v| v.is_finite());
        Point {
            x: x.to_vec(),
            f: if ok { f } else { f64::INFINITY },
            g: if ok { g } else { vec![0.0; dim] },
        }
    };
    let start: Vec<f64> = (0..dim).map(|i| x0[i].clamp(lo[i], hi[i])).collect();
    let mut cur = eval(&start, &mut evals);
    let mut mem_s: Vec<Vec<f64>> = Vec::new();
    let mut mem_y: Vec<Vec<f64>> = Vec::new();
    let mut iter = 0usize;
    let mut failures = 0usize;
    while iter < opts.max_iter && evals < opts.max_eval && cur.f.is_finite() {
        if projected_gradient_norm(&cur.x, &cur.g, lo, hi) <= opts.pgtol {
            break;
        }
        // Variables held at a bound by the gradient stay fixed this iteration.
        let free: Vec<bool> = (0..dim)
            .map(|i| {
                !((cur.x[i] <= lo[i] && cur.g[i] > 0.0) || (cur.x[i] >= hi[i] && cur.g[i] < 0.0))
            })
            .collect();
        let gf: Vec<f64> = (0..dim)
            .map(|i| if free[i] { cur.g[i] } else { 0.0 })
            .collect();
        let mut d = two_loop(&gf, &mem_s, &mem_y);
        for i in 0..dim {
            if !free[i] {
                d[i] = 0.0;
            }
        }
        let mut slope = dotv(&d, &cur.g);
        if slope.is_nan() || slope >= 0.0 {
            mem_s.clear();
            mem_y.clear();
            d = gf.iter().map(|v| -v).collect();
            slope = dotv(&d, &cur.g);
            if slope.is_nan() || slope >= 0.0 {
                break;
            }
        }
        // Longest step that stays in the box.
        let mut step_max = f64::INFINITY;
        for i in 0..dim {
            if d[i] > 0.0 {
                step_max = step_max.min((hi[i] - cur.x[i]) / d[i]);
            } else if d[i] < 0.0 {
                step_max = step_max.min((lo[i] - cur.x[i]) / d[i]);
            }
        }
        if step_max.is_nan() || step_max <= 0.0 {
            break;
        }
        let dnorm = dotv(&d, &d).sqrt();
        let initial = if mem_s.is_empty() { 1.0 / dnorm } else { 1.0 };
        let initial = initial.min(step_max);
        let budget = opts.max_ls.min(opts.max_eval.saturating_sub(evals)).max(1);
        let found = line_search(
            &mut eval, &mut evals, &cur, &d, slope, initial, step_max, budget, lo, hi,
        );
        let Some(next) = found else {
            failures += 1;
            if mem_s.is_empty() || failures > 1 {
                break;
            }
            mem_s.clear();
            mem_y.clear();
            continue;
        };
        failures = 0;
        iter += 1;
        let s: Vec<f64> = next.x.iter().zip(&cur.x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = next.g.iter().zip(&cur.g).map(|(a, b)| a - b).collect();
        let sy = dotv(&s, &y);
        if sy > f64::EPSILON * dotv(&y, &y) {
            if mem_s.len() == opts.memory {
                mem_s.remove(0);
                mem_y.remove(0);
            }
            mem_s.push(s);
            mem_y.push(y);
        }
        let decrease = (cur.f - next.f) / cur.f.abs().max(next.f.abs()).max(1.0);
        cur = next;
        if decrease <= opts.ftol {
            break;
        }
    }
    Minimum { x: cur.x, f: cur.f }
}

/// L-BFGS two-loop recursion: returns −H·g.
fn two_loop(g: &[f64], mem_s: &[Vec<f64>], mem_y: &[Vec<f64>]) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = vec![0.0; mem_s.len()];
    for k in (0..mem_s.len()).rev() {
        let rho = 1.0 / dotv(&mem_y[k], &mem_s[k]);
        let a = rho * dotv(&mem_s[k], &q);
        alphas[k] = a;
        for (qi, yi) in q.iter_mut().zip(&mem_y[k]) {
            *qi -= a * yi;
        }
    }
    if let (Some(s), Some(y)) = (mem_s.last(), mem_y.last()) {
        let gamma = dotv(s, y) / dotv(y, y);
        for qi in q.iter_mut() {
            *qi *= gamma;
        }
    }
    for k in 0..mem_s.len() {
        let rho = 1.0 / dotv(&mem_y[k], &mem_s[k]);
        let b = rho * dotv(&mem_y[k], &q);
        for (qi, si) in q.iter_mut().zip(&mem_s[k]) {
            *qi += (alphas[k] - b) * si;
        }
    }
    q.iter().map(|v| -v).collect()
}

/// Minimiser of the cubic interpolating (a, fa, da) and (b, fb, db), safeguarded into the
/// middle 80 % of the interval; bisection when the data are not usable.
fn interpolate(a: f64, fa: f64, da: f64, b: f64, fb: f64, db: f64) -> f64 {
    let (left, right) = if a < b { (a, b) } else { (b, a) };
    let width = right - left;
    let safe_lo = left + 0.1 * width;
    let safe_hi = right - 0.1 * width;
    let mid = 0.5 * (a + b);
    if ![fa, da, fb, db].iter().all(|v| v.is_finite()) {
        return mid;
    }
    let d1 = da + db - 3.0 * (fa - fb) / (a - b);
    let disc = d1 * d1 - da * db;
    if disc < 0.0 {
        return mid;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    let t = b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
    if t.is_finite() && t >= safe_lo && t <= safe_hi {
        t
    } else if t.is_finite() {
        t.clamp(safe_lo, safe_hi)
    } else {
        mid
    }
}

/// Strong-Wolfe line search along `d` (Nocedal & Wright, algorithms 3.5/3.6) with
/// sufficient-decrease 1e-3 and curvature 0.9 (SciPy's values), over steps in (0, step_max].
#[allow(clippy::too_many_arguments)]
fn line_search(
    eval: &mut impl FnMut(&[f64], &mut usize) -> Point,
    evals: &mut usize,
    cur: &Point,
    d: &[f64],
    slope0: f64,
    initial: f64,
    step_max: f64,
    budget: usize,
    lo: &[f64],
    hi: &[f64],
) -> Option<Point> {
    const C1: f64 = 1e-3;
    const C2: f64 = 0.9;
    let at = |step: f64| -> Vec<f64> {
        cur.x
            .iter()
            .zip(d)
            .enumerate()
            .map(|(i, (x, di))| (x + step * di).clamp(lo[i], hi[i]))
            .collect()
    };
    let armijo = |step: f64, f: f64| f <= cur.f + C1 * step * slope0;
    let mut used = 0usize;
    let mut prev_step = 0.0;
    let mut prev_f = cur.f;
    let mut prev_slope = slope0;
    let mut step = initial;
    // Best point with sufficient decrease, kept in case the budget runs out.
    let mut best: Option<(f64, Point)> = None;
    let keep = |step: f64, p: &Point, best: &mut Option<(f64, Point)>| {
        if p.f < cur.f && armijo(step, p.f) && best.as_ref().is_none_or(|(_, b)| p.f < b.f) {
            *best = Some((
                step,
                Point {
                    x: p.x.clone(),
                    f: p.f,
                    g: p.g.clone(),
                },
            ));
        }
    };
    // Bracketing phase.
    let (mut lo_s, mut lo_f, mut lo_d, mut hi_s, mut hi_f, mut hi_d);
    loop {
        if used >= budget {
            return best.map(|(_, p)| p);
        }
        let p = eval(&at(step), evals);
        used += 1;
        let dphi = dotv(&p.g, d);
        keep(step, &p, &mut best);
        if !armijo(step, p.f) || (used > 1 && p.f >= prev_f) {
            (lo_s, lo_f, lo_d, hi_s, hi_f, hi_d) = (prev_step, prev_f, prev_slope, step, p.f, dphi);
            break;
        }
        if dphi.abs() <= -C2 * slope0 {
            return Some(p);
        }
        if dphi >= 0.0 {
            (lo_s, lo_f, lo_d, hi_s, hi_f, hi_d) = (step, p.f, dphi, prev_step, prev_f, prev_slope);
            break;
        }
        if step >= step_max {
            // Reached the box: accept (a variable becomes active).
            return Some(p);
        }
        prev_step = step;
        prev_f = p.f;
        prev_slope = dphi;
        step = (step * 4.0).min(step_max);
    }
    // Zoom phase.
    loop {
        if used >= budget || (hi_s - lo_s).abs() <= 1e-14 * hi_s.abs().max(1e-300) {
            return best.map(|(_, p)| p);
        }
        step = interpolate(lo_s, lo_f, lo_d, hi_s, hi_f, hi_d);
        let p = eval(&at(step), evals);
        used += 1;
        let dphi = dotv(&p.g, d);
        keep(step, &p, &mut best);
        if !armijo(step, p.f) || p.f >= lo_f {
            (hi_s, hi_f, hi_d) = (step, p.f, dphi);
        } else {
            if dphi.abs() <= -C2 * slope0 {
                return Some(p);
            }
            if dphi * (hi_s - lo_s) >= 0.0 {
                (hi_s, hi_f, hi_d) = (lo_s, lo_f, lo_d);
            }
            (lo_s, lo_f, lo_d) = (step, p.f, dphi);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock_and_bounds() {
        let rosen = |x: &[f64]| {
            let f = (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
            let g = vec![
                -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]),
                200.0 * (x[1] - x[0] * x[0]),
            ];
            (f, g)
        };
        let opts = Options {
            pgtol: 1e-10,
            ftol: 0.0,
            ..Options::default()
        };
        let m = minimize(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], opts);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
        // Constrained: optimum on the bound x0 ≤ 0.5.
        let m = minimize(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[0.5, 5.0], opts);
        assert!(
            (m.x[0] - 0.5).abs() < 1e-9 && (m.x[1] - 0.25).abs() < 1e-5,
            "{m:?}"
        );
    }
}
