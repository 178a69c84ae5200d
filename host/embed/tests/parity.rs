//! The Rust embedding equals Python ONNX Runtime's (tests/reference/expected.json, made by
//! tests/reference/make_expected.py) within cosine 0.9999, batched or one by one.

mod common;

use common::{cosine, load, norm};
use outlane_embed::{DEFAULT_BATCH_SIZE, DEFAULT_PARALLELISM, Embedder, Footprint, Parallelism};
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    max_tokens: usize,
    dimension: usize,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

fn expected() -> Expected {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read expected.json"))
        .expect("parse expected.json")
}

const MIN_COSINE: f64 = 0.9999;

fn check(embedder: &Embedder, label: &str, got: &[Vec<f32>], exp: &Expected) -> f64 {
    assert_eq!(got.len(), exp.items.len(), "{label}: one vector per text");
    let mut min = f64::INFINITY;
    let mut max_diff = 0f32;
    for (v, item) in got.iter().zip(&exp.items) {
        max_diff = v
            .iter()
            .zip(&item.vector)
            .fold(max_diff, |m, (a, b)| m.max((a - b).abs()));
        assert_eq!(v.len(), embedder.dimension(), "{label}: dimension");
        let c = cosine(v, &item.vector);
        assert!(
            c >= MIN_COSINE,
            "{label}: cosine {c} < {MIN_COSINE} for {:?}",
            item.text
        );
        min = min.min(c);
    }
    eprintln!(
        "{label}: vs Python onnxruntime: min cosine {min:.9} (1 - cos = {:.1e}), max |diff| {max_diff:.1e}",
        1.0 - min
    );
    min
}

#[test]
fn matches_python_onnxruntime() {
    let exp = expected();
    let embedder = load(DEFAULT_PARALLELISM, DEFAULT_BATCH_SIZE);
    assert_eq!(embedder.dimension(), exp.dimension);
    assert_eq!(embedder.config().max_tokens, exp.max_tokens);
    let texts: Vec<&str> = exp.items.iter().map(|i| i.text.as_str()).collect();

    let all = embedder.embed(&texts).unwrap();
    check(&embedder, "default, all at once", &all, &exp);

    let one_by_one: Vec<Vec<f32>> = texts
        .iter()
        .map(|t| embedder.embed(&[t]).unwrap().remove(0))
        .collect();
    check(&embedder, "default, one by one", &one_by_one, &exp);
}

#[test]
fn batching_and_parallelism_give_the_same_vectors() {
    let exp = expected();
    let texts: Vec<&str> = exp.items.iter().map(|i| i.text.as_str()).collect();
    let reference = load(Parallelism::IntraOp, 1);
    let single: Vec<Vec<f32>> = texts
        .iter()
        .map(|t| reference.embed(&[t]).unwrap().remove(0))
        .collect();
    for (parallelism, batch) in [
        (Parallelism::IntraOp, 1),
        (Parallelism::IntraOp, 8),
        (Parallelism::IntraOp, 32),
        (Parallelism::Sessions, 1),
        (Parallelism::Sessions, 4),
    ] {
        let e = load(parallelism, batch);
        let got = e.embed(&texts).unwrap();
        let label = format!("{parallelism:?}, batch {batch}");
        check(&e, &label, &got, &exp);
        for ((a, b), item) in got.iter().zip(&single).zip(&exp.items) {
            let c = cosine(a, b);
            assert!(
                c >= 0.99999,
                "{label}: batched vs single cosine {c} for {:?}",
                item.text
            );
        }
    }
}

#[test]
fn the_small_footprint_gives_the_same_vectors() {
    let exp = expected();
    let texts: Vec<&str> = exp.items.iter().map(|i| i.text.as_str()).collect();
    let small = Embedder::load_small(common::config()).unwrap();
    assert_eq!(small.footprint(), Footprint::Small);
    let reference = load(Parallelism::IntraOp, 1);
    for (t, item) in texts.iter().zip(&exp.items) {
        let a = small.embed(&[t]).unwrap().remove(0);
        let b = reference.embed(&[t]).unwrap().remove(0);
        let c = cosine(&a, &b);
        assert!(c >= 0.99999, "small vs fast cosine {c} for {:?}", item.text);
    }
    let got = small.embed(&texts).unwrap();
    check(&small, "small footprint", &got, &exp);
}

#[test]
fn vectors_have_unit_norm_and_empty_text_is_defined() {
    let e = load(DEFAULT_PARALLELISM, DEFAULT_BATCH_SIZE);
    let texts = ["", " ", "\n\t", "hello", "🤖", &"long text ".repeat(400)];
    let vs = e.embed(&texts).unwrap();
    for (v, t) in vs.iter().zip(texts) {
        assert!((norm(v) - 1.0).abs() < 1e-5, "norm {} for {t:?}", norm(v));
        assert!(
            v.iter().all(|x| x.is_finite()),
            "non-finite value for {t:?}"
        );
    }
    // Whitespace-only text tokenises to [CLS][SEP] like the empty text.
    assert!(cosine(&vs[0], &vs[1]) > 0.999_999);
    assert!(e.embed(&[]).unwrap().is_empty());
}

#[test]
fn tokenizer_matches_python_tokenizers() {
    // Token ids from Python tokenizers 0.23.3 (truncated at max_tokens): the same tokenizer.json
    // must give the same ids in Rust, or the vectors could not match.
    let exp = expected();
    let e = load(DEFAULT_PARALLELISM, DEFAULT_BATCH_SIZE);
    for item in &exp.items {
        let ids = e.token_ids(&item.text).unwrap();
        assert_eq!(ids, item.ids, "token ids for {:?}", item.text);
    }
}

#[test]
fn similar_sentences_are_close() {
    let e = load(DEFAULT_PARALLELISM, DEFAULT_BATCH_SIZE);
    let v = e
        .embed(&[
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The new movie is awesome.",
        ])
        .unwrap();
    let close = cosine(&v[0], &v[1]);
    let far = cosine(&v[0], &v[2]);
    assert!((close - 0.7535).abs() < 0.01, "{close}");
    assert!(far < 0.1, "{far}");
}

#[test]
fn concurrent_callers_share_one_embedder() {
    let e = std::sync::Arc::new(load(DEFAULT_PARALLELISM, DEFAULT_BATCH_SIZE));
    let exp = expected();
    let want = e.embed(&["Recruiter at Acme"]).unwrap().remove(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..3 {
                    let texts: Vec<&str> =
                        exp.items.iter().take(6).map(|i| i.text.as_str()).collect();
                    assert_eq!(e.embed(&texts).unwrap().len(), 6);
                    let got = e.embed(&["Recruiter at Acme"]).unwrap().remove(0);
                    assert!(cosine(&got, &want) > 0.99999);
                }
            });
        }
    });
}

#[test]
fn cls_pooling_takes_the_first_token() {
    // bge-small-en-v1.5 (the reference system's model) uses CLS pooling; check the path on MiniLM.
    let mean = load(DEFAULT_PARALLELISM, DEFAULT_BATCH_SIZE);
    let cfg = outlane_embed::EmbedConfig {
        pooling: outlane_embed::Pooling::Cls,
        ..common::config()
    };
    let cls = Embedder::load(cfg).unwrap();
    let text = "Head of Growth at a B2B SaaS startup";
    let a = cls.embed(&[text, ""]).unwrap();
    let b = mean.embed(&[text]).unwrap();
    assert!((norm(&a[0]) - 1.0).abs() < 1e-5);
    assert!(
        cosine(&a[0], &b[0]) < 0.99,
        "CLS and mean pooling should differ"
    );
    assert_eq!(a, cls.embed(&[text, ""]).unwrap(), "deterministic");
}
