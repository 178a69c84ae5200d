//! Timing of one full fit, one incremental label and one prediction at 50, 200 and 1000 labels:
//! `cargo bench -p outlane-gp --bench fit`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Clusters, widen};
use outlane_gp::{Qualifier, QualifierConfig, Update, reference_fit};
use std::time::Instant;

fn main() {
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
        // The same labels through the qualifier, then one incremental label and a prediction.
        let mut q = Qualifier::new(QualifierConfig::default());
        let labels: Vec<(Vec<f32>, bool)> = x
            .iter()
            .zip(&y)
            .map(|(x, l)| (x.iter().map(|&v| v as f32).collect(), *l))
            .collect();
        q.warm_start(&labels).unwrap();
        let (extra, l) = data.sample(true);
        let start = Instant::now();
        let update = q.add_label(&extra, l).unwrap();
        let add = start.elapsed().as_secs_f64();
        assert!(matches!(update, Update::Incremental { .. }), "{update:?}");
        let start = Instant::now();
        let p = q.predict(&extra).unwrap();
        eprintln!(
            "       incremental add_label {:.2} ms, predict {:.3} ms ({p:?})",
            add * 1e3,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}
