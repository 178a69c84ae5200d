//! Embedding throughput on ~100-token texts: Rust (1 and 2 threads, each parallelism and a few
//! batch sizes) next to Python onnxruntime on the same texts and model, in the same run.
//!
//! `cargo bench -p outlane-embed` (release). Python is looked up as `$OUTLANE_EMBED_PYTHON`, then
//! `~/.cache/outlane/embed-venv/bin/python`, then `python3`; it needs onnxruntime 1.31.1 and
//! tokenizers (see tests/reference/make_expected.py). `OUTLANE_BENCH_SECONDS` (default 3) is the
//! minimum time per measurement.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use outlane_embed::{EmbedConfig, Embedder, Parallelism};

const WORDS: &[&str] = &[
    "senior",
    "software",
    "engineer",
    "at",
    "acme",
    "berlin",
    "head",
    "of",
    "growth",
    "b2b",
    "saas",
    "founder",
    "ceo",
    "recruiter",
    "hiring",
    "remote",
    "data",
    "platform",
    "machine",
    "learning",
    "infrastructure",
    "leading",
    "teams",
    "across",
    "europe",
    "scaling",
    "revenue",
    "from",
    "seed",
    "to",
    "series",
    "c",
    "kubernetes",
    "python",
    "rust",
    "product",
    "manager",
    "marketing",
    "sales",
    "director",
    "university",
    "computer",
    "science",
    "master",
    "degree",
    "munich",
    "london",
    "paris",
    "consulting",
    "fintech",
    "healthcare",
    "startup",
    "enterprise",
    "customers",
    "partnerships",
    "operations",
    "analytics",
    "cloud",
    "security",
    "design",
    "experience",
    "years",
    "building",
    "distributed",
    "systems",
    "open-source",
    "community",
    "mentor",
    "speaker",
    "advisor",
    "investor",
    "angel",
    "board",
    "member",
    "strategy",
];

/// Deterministic profile-like texts of about `target` tokens each.
fn texts(embedder: &Embedder, count: usize, target: usize) -> Vec<String> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let want = target - 10 + (next() % 21) as usize; // target ± 10
            let mut text = String::new();
            while embedder.token_ids(&text).unwrap().len() < want {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(WORDS[(next() % WORDS.len() as u64) as usize]);
            }
            text
        })
        .collect()
}

/// Texts per second: embeds `texts` as one backlog (one `embed` call) until `min` has passed.
fn measure(embedder: &Embedder, texts: &[&str], min: Duration) -> f64 {
    embedder.embed(&texts[..2]).unwrap(); // warm-up
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < min {
        n += embedder.embed(texts).unwrap().len();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Texts per second when each text is its own call (a trickle, not a backlog).
fn measure_single(embedder: &Embedder, texts: &[&str], min: Duration) -> f64 {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < min {
        for t in texts {
            embedder.embed(&[t]).unwrap();
            n += 1;
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn python() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("OUTLANE_EMBED_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cache/outlane/embed-venv/bin/python"));
    }
    candidates.push(PathBuf::from("python3"));
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import onnxruntime, tokenizers, numpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn python_rate(
    python: &Path,
    texts_file: &Path,
    cfg: &EmbedConfig,
    threads: usize,
    min: Duration,
) -> Option<f64> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/make_expected.py"
    );
    let models_dir = cfg.model.parent()?.parent()?;
    let out = Command::new(python)
        .arg(script)
        .arg("--models-dir")
        .arg(models_dir)
        .args(["bench", "--threads", &threads.to_string()])
        .arg("--texts")
        .arg(texts_file)
        .args(["--min-seconds", &min.as_secs_f64().to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "python bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let key = "\"texts_per_s\": ";
    let start = line.find(key)? + key.len();
    line[start..].trim_end().trim_end_matches('}').parse().ok()
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is ignored.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cfg = EmbedConfig::from_env(&root);
    let min = Duration::from_secs_f64(
        std::env::var("OUTLANE_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3.0),
    );
    let load = |threads: usize, parallelism: Parallelism, batch: usize| {
        Embedder::load_with(
            EmbedConfig {
                threads,
                ..cfg.clone()
            },
            parallelism,
            batch,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };

    let one = load(1, Parallelism::IntraOp, 1);
    let owned = texts(&one, 64, 100);
    let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
    let tokens: usize = texts.iter().map(|t| one.token_ids(t).unwrap().len()).sum();
    println!(
        "outlane-embed benchmark: {} texts, {:.1} tokens on average, model {}",
        texts.len(),
        tokens as f64 / texts.len() as f64,
        cfg.model.display()
    );

    let py = python();
    let texts_file =
        std::env::temp_dir().join(format!("outlane-embed-bench-{}.json", std::process::id()));
    let json = format!(
        "[{}]",
        texts
            .iter()
            .map(|t| format!("{t:?}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    std::fs::write(&texts_file, json).unwrap();
    let py_rate = |threads| {
        py.as_ref()
            .and_then(|p| python_rate(p, &texts_file, &cfg, threads, min))
    };
    if py.is_none() {
        println!(
            "(Python onnxruntime not found: see tests/reference/make_expected.py for its setup)"
        );
    }

    // The 2 cores are shared with other work: every configuration is measured in several
    // interleaved rounds and the best round is reported (OUTLANE_BENCH_ROUNDS, default 3).
    let rounds: usize = std::env::var("OUTLANE_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    struct Row {
        name: String,
        embedder: Embedder,
        single: bool,
        python_threads: usize,
        best: f64,
    }
    let mut rows = Vec::new();
    let mut add = |name: String, embedder: Embedder, single: bool, python_threads: usize| {
        rows.push(Row {
            name,
            embedder,
            single,
            python_threads,
            best: 0.0,
        })
    };
    add(
        "1 thread, one call per text".into(),
        load(1, Parallelism::IntraOp, 1),
        true,
        1,
    );
    for batch in [1, 4, 8] {
        add(
            format!("1 thread, backlog, batch {batch}"),
            load(1, Parallelism::IntraOp, batch),
            false,
            1,
        );
    }
    for (parallelism, batch) in [
        (Parallelism::IntraOp, 1),
        (Parallelism::IntraOp, 4),
        (Parallelism::IntraOp, 8),
        (Parallelism::Sessions, 1),
        (Parallelism::Sessions, 4),
    ] {
        add(
            format!("2 threads, {parallelism:?}, backlog, batch {batch}"),
            load(2, parallelism, batch),
            false,
            2,
        );
    }
    let default = || {
        Embedder::load(EmbedConfig {
            threads: 2,
            ..cfg.clone()
        })
        .unwrap()
    };
    add(
        "2 threads, Embedder::load, one call per text".into(),
        default(),
        true,
        2,
    );
    add(
        "2 threads, Embedder::load, backlog".into(),
        default(),
        false,
        2,
    );

    let (mut py1, mut py2) = (None::<f64>, None::<f64>);
    for round in 0..rounds {
        eprintln!("round {}/{rounds}", round + 1);
        for row in &mut rows {
            let rate = if row.single {
                measure_single(&row.embedder, &texts, min)
            } else {
                measure(&row.embedder, &texts, min)
            };
            row.best = row.best.max(rate);
        }
        if let Some(r) = py_rate(1) {
            py1 = Some(py1.map_or(r, |b| b.max(r)));
        }
        if let Some(r) = py_rate(2) {
            py2 = Some(py2.map_or(r, |b| b.max(r)));
        }
    }

    println!();
    println!(
        "{:<46} {:>9} {:>10} {:>7}",
        "configuration (best of rounds)", "Rust /s", "Python /s", "ratio"
    );
    for row in &rows {
        let python = if row.python_threads == 1 { py1 } else { py2 };
        match python {
            Some(p) => println!(
                "{:<46} {:>9.1} {p:>10.1} {:>6.2}x",
                row.name,
                row.best,
                row.best / p
            ),
            None => println!("{:<46} {:>9.1} {:>10} {:>7}", row.name, row.best, "-", "-"),
        }
    }
    println!(
        "(Python: onnxruntime 1.31.1 via make_expected.py, one text per run, intra-op threads 1 or 2)"
    );
    let _ = std::fs::remove_file(&texts_file);
}
