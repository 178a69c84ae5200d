//! Parity with the reference's golden numbers (tests/data/qualifier at the workspace root).

use outlane_gp::{parity_report, reference_fit};
use serde_json::Value;

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/data/qualifier/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn nums(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(nums).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap()],
        other => panic!("not numeric: {other}"),
    }
}

/// (max abs error, max rel error) between two numeric trees.
fn errors(got: &Value, want: &Value) -> (f64, f64) {
    let (g, w) = (nums(got), nums(want));
    assert_eq!(g.len(), w.len());
    g.iter().zip(&w).fold((0.0f64, 0.0f64), |(a, r), (g, w)| {
        let abs = (g - w).abs();
        (a.max(abs), r.max(abs / w.abs().max(1e-300)))
    })
}

fn check_shared(name: &str) {
    let want = golden(name);
    let got = parity_report(&want.to_string()).unwrap();
    eprintln!("{name}:");
    assert_eq!(got["chosen_n_pca"], want["chosen_n_pca"], "{name} chosen d");
    assert_eq!(got["rank_order"], want["rank_order"], "{name} rank order");
    assert_eq!(got["name"], want["name"]);
    for key in ["lml", "constant_value", "length_scale"] {
        let (abs, rel) = errors(&got[key], &want[key]);
        eprintln!(
            "  {key}: got {} want {} abs {abs:.3e} rel {rel:.3e}",
            got[key], want[key]
        );
        assert!(rel < 1e-3, "{name} {key}: rel {rel}");
    }
    for (col, what) in ["p", "entropy", "std"].iter().enumerate() {
        let pick = |v: &Value| {
            Value::Array(
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r[col].clone())
                    .collect(),
            )
        };
        let (abs, rel) = errors(&pick(&got["predict"]), &pick(&want["predict"]));
        eprintln!("  predict {what}: abs {abs:.3e} rel {rel:.3e}");
    }
    for key in ["predict", "predicted_probs"] {
        let (abs, rel) = errors(&got[key], &want[key]);
        eprintln!("  {key}: abs {abs:.3e} rel {rel:.3e}");
        assert!(abs < 1e-4, "{name} {key}: abs {abs}");
    }
}

#[test]
fn shared_24() {
    check_shared("shared-24.json");
}

#[test]
fn shared_60() {
    check_shared("shared-60.json");
}

/// The generator of generated-cases.json: x_i[j] = 0.05 sin((i+1)(j+1)0.37)
/// + 0.03 s cos(0.11 j) + 0.02 cos((i mod 3 + 1) 0.05 j), s = ±1 for label 1/0, L2-normalised.
fn generated(i: usize, label: bool) -> Vec<f64> {
    let s = if label { 1.0 } else { -1.0 };
    let x: Vec<f64> = (0..384)
        .map(|j| {
            let (fi, fj) = (i as f64, j as f64);
            0.05 * ((fi + 1.0) * (fj + 1.0) * 0.37).sin()
                + 0.03 * s * (0.11 * fj).cos()
                + 0.02 * (((i % 3) as f64 + 1.0) * 0.05 * fj).cos()
        })
        .collect();
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    x.iter().map(|v| v / norm).collect()
}

#[test]
fn generated_cases() {
    let doc = golden("generated-cases.json");
    for case in doc["cases"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let x: Vec<Vec<f64>> = (0..n).map(|i| generated(i, i % 2 == 1)).collect();
        let y: Vec<bool> = (0..n).map(|i| i % 2 == 1).collect();
        let t: Vec<Vec<f64>> = (100..104).map(|i| generated(i, i % 2 == 1)).collect();
        let fit = reference_fit(&x, &y).unwrap();
        eprintln!("generated n={n}:");
        let sizes: Vec<u64> = fit.candidates.iter().map(|c| c.n_pca as u64).collect();
        let want_sizes: Vec<u64> = case["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(sizes, want_sizes);
        for c in &fit.candidates {
            let want = &case["per_candidate"][c.n_pca.to_string()];
            for (key, got) in [
                ("lml", c.lml),
                ("constant_value", c.constant_value),
                ("length_scale", c.length_scale),
            ] {
                let w = want[key].as_f64().unwrap();
                let rel = (got - w).abs() / w.abs();
                eprintln!("  d={} {key}: got {got} want {w} rel {rel:.3e}", c.n_pca);
                assert!(rel < 1e-3, "n={n} d={} {key}: rel {rel}", c.n_pca);
            }
        }
        assert_eq!(
            fit.chosen_n_pca as u64,
            case["chosen_n_pca"].as_u64().unwrap()
        );
        let ms = fit.mean_std(&t).unwrap();
        let mean: Vec<f64> = ms.iter().map(|m| m.0).collect();
        let std: Vec<f64> = ms.iter().map(|m| m.1).collect();
        let (abs_m, _) = errors(&serde_json::json!(mean), &case["test_gp_mean"]);
        let (abs_s, _) = errors(&serde_json::json!(std), &case["test_gp_std"]);
        let (abs_p, _) = errors(
            &serde_json::json!(fit.predict(&t).unwrap()),
            &case["test_predict_prob_entropy_std"],
        );
        eprintln!("  mean abs {abs_m:.3e} std abs {abs_s:.3e} predict abs {abs_p:.3e}");
        assert!(abs_m < 1e-4 && abs_s < 1e-4 && abs_p < 1e-4);
        let order: Vec<u64> = fit
            .rank_order(&t)
            .unwrap()
            .iter()
            .map(|&i| i as u64)
            .collect();
        let want_order: Vec<u64> = case["test_rank_order_desc_by_prob"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(order, want_order);
        // BALD: a fresh RandomState(42) and 100 samples is the reference's first call.
        let bald = fit.bald(&t, 100, 42).unwrap();
        let (abs_b, _) = errors(&serde_json::json!(bald), &case["bald_first_call_numpy_rng"]);
        eprintln!("  bald abs {abs_b:.3e} ({bald:?})");
        assert!(abs_b < 1e-6, "bald {abs_b}");
    }
}
