//! Embedding throughput: Rust (1 and 2 threads, both parallelism strategies, a few batch sizes)
//! next to Python onnxruntime on the same texts and model, in the same run.
//!
//! Two text sets: 64 profile-like texts of ~100 tokens (90–110), and 64 texts of mixed length
//! (16–256 tokens, as real profiles are).
//!
//! `cargo bench -p outlane-embed` (release). Arguments after `--` keep only the rows whose name
//! contains one of them. Environment:
//! - `OUTLANE_BENCH_SECONDS` (default 2): minimum time per measurement;
//! - `OUTLANE_BENCH_ROUNDS` (default 3): interleaved rounds; the best is reported, because the
//!   2 cores are shared with other work;
//! - `OUTLANE_EMBED_PYTHON`: the Python with onnxruntime 1.31.1 + tokenizers + numpy (else
//!   `~/.cache/outlane/embed-venv/bin/python`, else `python3`; see
//!   tests/reference/make_expected.py). Without one, only the Rust column is printed.

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
    "geschäftsführer",
    "münchen",
    "naïve",
    "résumé",
    "zürich",
    "kraków",
    "são",
    "paulo",
];

/// Deterministic profile-like texts whose token counts lie in `lo..=hi`.
fn make_texts(embedder: &Embedder, seed: u64, count: usize, lo: usize, hi: usize) -> Vec<String> {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let want = lo + (next() % (hi - lo + 1) as u64) as usize;
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

/// Texts per second, all texts as one backlog (one `embed` call), repeated until `min` passed.
fn backlog_rate(embedder: &Embedder, texts: &[&str], min: Duration) -> f64 {
    embedder.embed(&texts[..2]).unwrap(); // warm-up
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < min {
        n += embedder.embed(texts).unwrap().len();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Texts per second with one `embed` call per text (a trickle rather than a backlog).
fn single_rate(embedder: &Embedder, texts: &[&str], min: Duration) -> f64 {
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

fn find_python() -> Option<PathBuf> {
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

/// Python onnxruntime's texts/s on the texts in `texts_file` (one text per run, like the
/// reference embeds), via make_expected.py's `bench` mode.
fn python_rate(
    python: &Path,
    texts_file: &Path,
    models_dir: &Path,
    threads: usize,
    min: Duration,
) -> Option<f64> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/make_expected.py"
    );
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
    let stdout = String::from_utf8_lossy(&out.stdout);
    let key = "\"texts_per_s\": ";
    let start = stdout.find(key)? + key.len();
    stdout[start..]
        .trim_end()
        .trim_end_matches('}')
        .parse()
        .ok()
}

fn json_list(texts: &[String]) -> String {
    let quoted: Vec<String> = texts
        .iter()
        .map(|t| {
            let mut q = String::from("\"");
            for c in t.chars() {
                match c {
                    '"' => q.push_str("\\\""),
                    '\\' => q.push_str("\\\\"),
                    c if (c as u32) < 0x20 => q.push_str(&format!("\\u{:04x}", c as u32)),
                    c => q.push(c),
                }
            }
            q.push('"');
            q
        })
        .collect();
    format!("[{}]", quoted.join(","))
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

struct Row {
    name: String,
    set: usize,
    embedder: Embedder,
    single: bool,
    python_threads: usize,
    best: f64,
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let keep = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cfg = EmbedConfig::from_env(&root);
    let min = Duration::from_secs_f64(env_or("OUTLANE_BENCH_SECONDS", 2.0));
    let rounds: usize = env_or("OUTLANE_BENCH_ROUNDS", 3);
    let load = |threads: usize, parallelism: Parallelism, batch: usize| {
        let cfg = EmbedConfig {
            threads,
            ..cfg.clone()
        };
        Embedder::load_with(cfg, parallelism, batch).unwrap_or_else(|e| panic!("{e}"))
    };

    let probe = load(1, Parallelism::IntraOp, 1);
    let sets: Vec<(&str, Vec<String>)> = vec![
        (
            "~100 tokens",
            make_texts(&probe, 0x9E37_79B9_7F4A_7C15, 64, 90, 110),
        ),
        (
            "mixed 16-256 tokens",
            make_texts(&probe, 0x2545_F491_4F6C_DD1D, 64, 16, 256),
        ),
    ];
    let set_refs: Vec<Vec<&str>> = sets
        .iter()
        .map(|(_, t)| t.iter().map(String::as_str).collect())
        .collect();
    println!("outlane-embed benchmark, model {}", cfg.model.display());
    for (name, texts) in &sets {
        let tokens: usize = texts
            .iter()
            .map(|t| probe.token_ids(t).unwrap().len())
            .sum();
        println!(
            "  set {name:?}: {} texts, {:.1} tokens on average",
            texts.len(),
            tokens as f64 / texts.len() as f64
        );
    }
    drop(probe);

    let python = find_python();
    let models_dir = cfg
        .model
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let files: Vec<PathBuf> = sets
        .iter()
        .enumerate()
        .map(|(i, (_, texts))| {
            let f = std::env::temp_dir().join(format!(
                "outlane-embed-bench-{}-{i}.json",
                std::process::id()
            ));
            std::fs::write(&f, json_list(texts)).unwrap();
            f
        })
        .collect();
    if python.is_none() {
        println!(
            "  (no Python with onnxruntime: see tests/reference/make_expected.py for its setup)"
        );
    }

    let mut rows: Vec<Row> = Vec::new();
    for (set, (set_name, _)) in sets.iter().enumerate() {
        let mut add = |what: String, threads, parallelism, batch, single| {
            let name = format!("{set_name} | {threads} thr | {what}");
            if keep(&name) {
                rows.push(Row {
                    name,
                    set,
                    embedder: load(threads, parallelism, batch),
                    single,
                    python_threads: threads,
                    best: 0.0,
                });
            }
        };
        add("one call per text".into(), 1, Parallelism::IntraOp, 1, true);
        for batch in [1, 4, 8] {
            add(
                format!("backlog, batch {batch}"),
                1,
                Parallelism::IntraOp,
                batch,
                false,
            );
        }
        add(
            "IntraOp, one call per text".into(),
            2,
            Parallelism::IntraOp,
            1,
            true,
        );
        add(
            "Sessions, one call per text".into(),
            2,
            Parallelism::Sessions,
            1,
            true,
        );
        for batch in [1, 4, 8] {
            add(
                format!("IntraOp, backlog, batch {batch}"),
                2,
                Parallelism::IntraOp,
                batch,
                false,
            );
            add(
                format!("Sessions, backlog, batch {batch}"),
                2,
                Parallelism::Sessions,
                batch,
                false,
            );
        }
        let default_cfg = EmbedConfig {
            threads: 2,
            ..cfg.clone()
        };
        let name = format!("{set_name} | 2 thr | Embedder::load default, backlog");
        if keep(&name) {
            rows.push(Row {
                name,
                set,
                embedder: Embedder::load(default_cfg).unwrap(),
                single: false,
                python_threads: 2,
                best: 0.0,
            });
        }
    }

    // Python per (set, threads), only where a row needs it.
    let mut py: Vec<((usize, usize), Option<f64>)> = Vec::new();
    for row in &rows {
        if !py.iter().any(|(k, _)| *k == (row.set, row.python_threads)) {
            py.push(((row.set, row.python_threads), None));
        }
    }
    for round in 0..rounds {
        eprintln!("round {}/{rounds}", round + 1);
        for row in &mut rows {
            let texts = &set_refs[row.set];
            let rate = if row.single {
                single_rate(&row.embedder, texts, min)
            } else {
                backlog_rate(&row.embedder, texts, min)
            };
            row.best = row.best.max(rate);
        }
        if let Some(p) = &python {
            for ((set, threads), best) in &mut py {
                if let Some(r) = python_rate(p, &files[*set], models_dir, *threads, min) {
                    *best = Some(best.map_or(r, |b: f64| b.max(r)));
                }
            }
        }
    }
    for f in &files {
        let _ = std::fs::remove_file(f);
    }

    println!();
    println!(
        "{:<62} {:>8} {:>10} {:>6}",
        "texts/s (best of rounds)", "Rust", "Python", "ratio"
    );
    for row in &rows {
        let p = py
            .iter()
            .find(|(k, _)| *k == (row.set, row.python_threads))
            .and_then(|(_, v)| *v);
        match p {
            Some(p) => {
                println!(
                    "{:<62} {:>8.1} {p:>10.1} {:>5.2}x",
                    row.name,
                    row.best,
                    row.best / p
                )
            }
            None => println!("{:<62} {:>8.1} {:>10} {:>6}", row.name, row.best, "-", "-"),
        }
    }
    println!(
        "Python: onnxruntime {} via make_expected.py, one text per run, intra-op threads = Rust's threads",
        if python.is_some() {
            "1.31.1"
        } else {
            "(absent)"
        }
    );
}
