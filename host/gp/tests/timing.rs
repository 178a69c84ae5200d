//! Timing of one full fit (run with `cargo test -p outlane-gp --test timing -- --ignored --nocapture`).

mod common;

use common::{Clusters, widen};
use outlane_gp::reference_fit;
use std::time::Instant;

#[test]
#[ignore = "benchmark"]
fn fit_timings() {
    for n in [50usize, 200, 1000] {
        let mut data = Clusters::new(7, 1.0, 0.1);
        let (x, y): (Vec<Vec<f64>>, Vec<bool>) = (0..n)
            .map(|i| {
                let (x, l) = data.sample(i % 3 == 0);
                (widen(&x), l)
            })
            .unzip();
        let start = Instant::now();
        let fit = reference_fit(&x, &y).unwrap();
        eprintln!(
            "n={n}: {:.3} s, d={}, c={:.4}, l={:.4}, lml={:.3}",
            start.elapsed().as_secs_f64(),
            fit.chosen_n_pca,
            fit.constant_value,
            fit.length_scale,
            fit.lml
        );
    }
}
