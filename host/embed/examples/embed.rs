//! Embeds the texts given as arguments and prints their pairwise cosine similarities.
//! `cargo run -p outlane-embed --example embed -- "CTO at Acme" "Head of Engineering"`
//! Paths: `<repo>/models`, `<repo>/vendor/ort`, or OUTLANE_MODELS_DIR / ORT_DYLIB_PATH.

use outlane_embed::{EmbedConfig, Embedder};

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let texts: Vec<String> = std::env::args().skip(1).collect();
    let embedder = match Embedder::load(EmbedConfig::from_env(root)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&refs).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    });
    println!("dimension {}", embedder.dimension());
    for (i, (t, v)) in texts.iter().zip(&vectors).enumerate() {
        println!("[{i}] {t:?}: {:?}…", &v[..4]);
    }
    for i in 0..vectors.len() {
        for j in i + 1..vectors.len() {
            let c: f32 = vectors[i].iter().zip(&vectors[j]).map(|(a, b)| a * b).sum();
            println!("cos([{i}], [{j}]) = {c:.4}");
        }
    }
}
