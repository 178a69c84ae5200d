//! Sentence embeddings for Outlane's qualifier: ONNX Runtime (`ort`, `load-dynamic`) +
//! `tokenizers`, mean pooling over the attention mask, L2 normalisation.
//!
//! The default model is all-MiniLM-L6-v2 (int8 ONNX, 384 dimensions). Any BERT-style ONNX model
//! with inputs `input_ids` + `attention_mask` (+ optional `token_type_ids`) and a
//! `[batch, seq, dim]` hidden-state output works, with its `tokenizer.json`; bge-small-en-v1.5
//! (the reference system's model) wants [`Pooling::Cls`].
//!
//! Nothing is downloaded at run time: `make models` (`host/embed/fetch-models.sh`) puts the ONNX
//! Runtime shared library into `vendor/ort/` and the model into `models/minilm/`.
//!
//! ```no_run
//! use outlane_embed::{EmbedConfig, Embedder};
//! let embedder = Embedder::load(EmbedConfig::from_env("."))?;
//! let vectors = embedder.embed(&["CTO at Acme, Berlin", "Recruiter"])?;
//! assert_eq!(vectors[0].len(), embedder.dimension());
//! # Ok::<(), outlane_embed::EmbedError>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{RunOptions, Session};
use ort::value::{Tensor, TensorElementType, ValueType};
use tokenizers::{Tokenizer, TruncationParams};

/// The ONNX Runtime release this crate is built for (`ort` 2.0.0-rc.15 with `api-31`).
pub const ORT_VERSION: &str = "1.31";
/// File name of the ONNX Runtime library that `make models` puts into `vendor/ort/`.
pub const ORT_LIBRARY_FILE: &str = "libonnxruntime.so.1.31.1";
/// The default model's folder name under the models directory.
pub const DEFAULT_MODEL_DIR: &str = "minilm";
/// Default truncation, in tokens (sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2).
pub const DEFAULT_MAX_TOKENS: usize = 256;
/// The command that fetches the model files and the ONNX Runtime library.
pub const FETCH_COMMAND: &str = "make models";

/// How token vectors become one sentence vector (before L2 normalisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooling {
    /// Mean over the tokens whose attention mask is 1 (sentence-transformers' MiniLM).
    #[default]
    Mean,
    /// The first token (`[CLS]`), as bge-small-en-v1.5 does.
    Cls,
}

/// Where the model, tokenizer and ONNX Runtime library are, and how to run them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedConfig {
    /// The ONNX model (`model.onnx`).
    pub model: PathBuf,
    /// The Hugging Face `tokenizer.json` that belongs to the model.
    pub tokenizer: PathBuf,
    /// The ONNX Runtime shared library (`libonnxruntime.so.1.31.1`). It is loaded once per
    /// process; every embedder in the process must name the same file.
    pub ort_library: PathBuf,
    /// CPU threads one `embed` call may use for a backlog (at least 1).
    pub threads: usize,
    /// Texts are truncated to this many tokens, `[CLS]` and `[SEP]` included (at least 2).
    pub max_tokens: usize,
    /// Pooling of the token vectors; [`Pooling::Mean`] for the default model.
    pub pooling: Pooling,
}

impl EmbedConfig {
    /// The default model in a models directory (`<dir>/minilm/model.onnx`, `tokenizer.json`).
    pub fn in_models_dir(models_dir: impl AsRef<Path>, ort_library: impl Into<PathBuf>) -> Self {
        let dir = models_dir.as_ref().join(DEFAULT_MODEL_DIR);
        EmbedConfig {
            model: dir.join("model.onnx"),
            tokenizer: dir.join("tokenizer.json"),
            ort_library: ort_library.into(),
            threads: default_threads(),
            max_tokens: DEFAULT_MAX_TOKENS,
            pooling: Pooling::Mean,
        }
    }

    /// The files where `make models` puts them: `<root>/models/minilm/…` and
    /// `<root>/vendor/ort/libonnxruntime.so.1.31.1`.
    pub fn in_repo(root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        Self::in_models_dir(
            root.join("models"),
            root.join("vendor").join("ort").join(ORT_LIBRARY_FILE),
        )
    }

    /// [`EmbedConfig::in_repo`], except that `OUTLANE_MODELS_DIR` (a models directory holding
    /// `minilm/`) and `ORT_DYLIB_PATH` (the library file) override the paths when set.
    pub fn from_env(root: impl AsRef<Path>) -> Self {
        let mut cfg = Self::in_repo(root);
        if let Some(dir) = env_path("OUTLANE_MODELS_DIR") {
            let lib = cfg.ort_library.clone();
            cfg = Self::in_models_dir(dir, lib);
        }
        if let Some(lib) = env_path("ORT_DYLIB_PATH") {
            cfg.ort_library = lib;
        }
        cfg
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Everything that can go wrong loading or running an embedder.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A file named in the config does not exist.
    #[error("{what} not found at {}: run `{FETCH_COMMAND}` (host/embed/fetch-models.sh) to fetch it", path.display())]
    MissingFile { what: &'static str, path: PathBuf },
    /// The ONNX Runtime library could not be loaded.
    #[error("cannot load the ONNX Runtime library {}: {message} (run `{FETCH_COMMAND}`)", path.display())]
    OrtLibrary { path: PathBuf, message: String },
    /// The ONNX Runtime library is not the release this crate is built for.
    #[error(
        "ONNX Runtime at {} is version {found}, but outlane-embed is built for {ORT_VERSION}.x \
         (ort 2.0.0-rc.15, api-31): point ort_library/ORT_DYLIB_PATH at vendor/ort/{ORT_LIBRARY_FILE} \
         (run `{FETCH_COMMAND}`)",
        path.display()
    )]
    OrtVersion { path: PathBuf, found: String },
    /// ONNX Runtime was already loaded from another file in this process.
    #[error(
        "ONNX Runtime is already loaded in this process from {}; cannot load {} as well",
        loaded.display(),
        requested.display()
    )]
    OrtAlreadyLoaded { loaded: PathBuf, requested: PathBuf },
    /// The tokenizer file could not be read or configured.
    #[error("cannot load the tokenizer {}: {message}", path.display())]
    Tokenizer { path: PathBuf, message: String },
    /// ONNX Runtime could not create a session from the model file.
    #[error("cannot load the model {}: {message}", path.display())]
    Model { path: PathBuf, message: String },
    /// The model's inputs or outputs are not those of a BERT-style encoder.
    #[error("the model {} is not a supported BERT-style encoder: {message}", path.display())]
    ModelSignature { path: PathBuf, message: String },
    /// The config has an invalid value.
    #[error("invalid embedding config: {0}")]
    Config(String),
    /// Tokenising a text failed.
    #[error("cannot tokenise a text: {0}")]
    Tokenize(String),
    /// Running the model failed.
    #[error("inference failed: {0}")]
    Inference(String),
}

/// The process-wide ONNX Runtime environment: `ort` allows one per process, and loads the
/// library once.
static ORT_ENV: Mutex<Option<(PathBuf, Environment)>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of our locks cannot leave the session or env half-updated.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn ort_environment(library: &Path) -> Result<Environment, EmbedError> {
    let mut env = lock(&ORT_ENV);
    let requested = std::fs::canonicalize(library).unwrap_or_else(|_| library.to_path_buf());
    if let Some((loaded, env)) = env.as_ref() {
        if *loaded != requested {
            return Err(EmbedError::OrtAlreadyLoaded {
                loaded: loaded.clone(),
                requested,
            });
        }
        return Ok(env.clone());
    }
    let version = ort_version(&requested)?;
    if version.split('.').take(2).collect::<Vec<_>>().join(".") != ORT_VERSION {
        return Err(EmbedError::OrtVersion {
            path: requested,
            found: version,
        });
    }
    let builder = ort::init_from(&requested).map_err(|e| match e {
        ort::LoadDynamicError::BadVersion { version_str, path } => EmbedError::OrtVersion {
            path,
            found: version_str,
        },
        other => EmbedError::OrtLibrary {
            path: requested.clone(),
            message: other.to_string(),
        },
    })?;
    let built = builder
        .with_name("outlane-embed")
        .with_telemetry(false)
        .build()
        .map_err(|e| EmbedError::OrtLibrary {
            path: requested.clone(),
            message: e.to_string(),
        })?;
    *env = Some((requested, built.clone()));
    Ok(built)
}

/// Reads the library's version string (`OrtGetApiBase()->GetVersionString()`) without
/// initialising `ort`, so that a wrong release gives a clear error instead of a crash later.
fn ort_version(path: &Path) -> Result<String, EmbedError> {
    let fail = |message: String| EmbedError::OrtLibrary {
        path: path.to_path_buf(),
        message,
    };
    // SAFETY: loading ONNX Runtime runs only its static initialisers; the symbol has the C
    // signature `const OrtApiBase* OrtGetApiBase(void)` in every release, and
    // `GetVersionString` returns a static NUL-terminated string.
    unsafe {
        let lib =
            libloading::Library::new(path).map_err(|e| match std::error::Error::source(&e) {
                Some(cause) => fail(format!("{e}: {cause}")),
                None => fail(e.to_string()),
            })?;
        let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
            lib.get(b"OrtGetApiBase")
                .map_err(|_| fail("it does not export OrtGetApiBase".into()))?;
        let base = get_base();
        if base.is_null() {
            return Err(fail("OrtGetApiBase returned null".into()));
        }
        let version = std::ffi::CStr::from_ptr(((*base).GetVersionString)());
        let version = version.to_string_lossy().into_owned();
        // Keep the library loaded: `ort` loads the same file next, and unloading ONNX Runtime
        // is not something it supports well.
        std::mem::forget(lib);
        Ok(version)
    }
}

/// How an embedder uses its `threads`.
///
/// Measured on the 2-core machine (benches/embed.rs, release, all-MiniLM-L6-v2 int8): for a
/// backlog, `Sessions` with batch 1 was the fastest or tied on ~100-token texts and clearly the
/// fastest on mixed-length texts, and it does not depend on ONNX Runtime's spinning thread pool,
/// which collapses when the cores are busy with other work (the daemon shares them with
/// Chromium). `IntraOp` only wins for a trickle of single texts (one text uses both cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parallelism {
    /// One session whose intra-op thread pool has `threads` threads (spinning off).
    IntraOp,
    /// `threads` single-threaded sessions; a backlog is split across them and concurrent
    /// callers each get their own. Costs about 100 MB of memory per extra session.
    Sessions,
}

/// How an embedder trades memory for speed.
///
/// The default model stores int8 weights that its graph dequantizes (`Cast`, `Mul`); ONNX
/// Runtime folds them into float32 when a session is created, so one session holds ~90 MB of
/// weights plus what folding and inference leave behind in the allocator. Measured on the
/// 2-core machine (release, 200 texts of 5–250 tokens one by one, one session with 2 threads,
/// `examples/footprint.rs`): `Fast` reaches 195 MB once loaded and 210–225 MB after the texts,
/// in 3.7 s; `Small` stays at 127–129 MB, in 4.8 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Footprint {
    /// ONNX Runtime's arena keeps every chunk it allocated for reuse, and the heap keeps what
    /// loading freed, so resident memory stays at its peak. Fastest for a backlog.
    Fast,
    /// The arena shrinks after every run and freed heap memory is handed back to the
    /// operating system after loading and after every call. For a long-running process that
    /// embeds a trickle of texts: the daemon.
    Small,
}

/// The default [`Parallelism`].
pub const DEFAULT_PARALLELISM: Parallelism = Parallelism::Sessions;
/// Texts per model call by default. Batching pads every text to the longest in its batch, and
/// on this CPU larger batches were not faster even after sorting by length.
pub const DEFAULT_BATCH_SIZE: usize = 1;

/// Which inputs the model takes, in the order of its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    Ids,
    Mask,
    TypeIds,
}

/// A sentence embedder: tokenizer + ONNX Runtime sessions. `Send + Sync`; share it behind an
/// `Arc` and call [`Embedder::embed`] from blocking threads.
pub struct Embedder {
    tokenizer: Tokenizer,
    /// One session per worker; each `run` needs `&mut Session`.
    sessions: Vec<Mutex<Session>>,
    footprint: Footprint,
    /// [`Footprint::Small`]: the arena shrinks back at the end of every run.
    run_options: Option<RunOptions>,
    /// Round-robin start for callers that find every session busy.
    next: AtomicUsize,
    inputs: Vec<(String, Input)>,
    output: String,
    dimension: usize,
    pad_id: u32,
    pooling: Pooling,
    batch_size: usize,
    config: EmbedConfig,
}

impl fmt::Debug for Embedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Embedder")
            .field("config", &self.config)
            .field("sessions", &self.sessions.len())
            .field("inputs", &self.inputs)
            .field("output", &self.output)
            .field("dimension", &self.dimension)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl Embedder {
    /// Loads the tokenizer, ONNX Runtime and the model, and checks the model's signature with a
    /// first run on the empty text.
    pub fn load(config: EmbedConfig) -> Result<Embedder, EmbedError> {
        Self::load_with(config, DEFAULT_PARALLELISM, DEFAULT_BATCH_SIZE)
    }

    /// [`Embedder::load`] with an explicit parallelism and batch size (benchmarks and tests).
    /// With `batch_size > 1`, a backlog is sorted by length before batching so that padding
    /// stays small; vectors do not depend on the batching (the attention mask hides padding).
    pub fn load_with(
        config: EmbedConfig,
        parallelism: Parallelism,
        batch_size: usize,
    ) -> Result<Embedder, EmbedError> {
        Self::load_inner(config, parallelism, batch_size, Footprint::Fast)
    }

    /// An embedder for a long-running process: one session whose `threads` work on each text
    /// ([`Parallelism::IntraOp`], batch 1) with the [`Footprint::Small`] allocator settings.
    /// Vectors are the same as with [`Embedder::load`].
    pub fn load_small(config: EmbedConfig) -> Result<Embedder, EmbedError> {
        Self::load_inner(config, Parallelism::IntraOp, 1, Footprint::Small)
    }

    fn load_inner(
        config: EmbedConfig,
        parallelism: Parallelism,
        batch_size: usize,
        footprint: Footprint,
    ) -> Result<Embedder, EmbedError> {
        if config.threads == 0 {
            return Err(EmbedError::Config("threads must be at least 1".into()));
        }
        if config.max_tokens < 2 {
            return Err(EmbedError::Config(
                "max_tokens must be at least 2 ([CLS] and [SEP])".into(),
            ));
        }
        if batch_size == 0 {
            return Err(EmbedError::Config("batch size must be at least 1".into()));
        }
        for (what, path) in [
            ("ONNX Runtime library", &config.ort_library),
            ("embedding model", &config.model),
            ("tokenizer", &config.tokenizer),
        ] {
            if !path.is_file() {
                return Err(EmbedError::MissingFile {
                    what,
                    path: path.clone(),
                });
            }
        }

        let (tokenizer, pad_id) = load_tokenizer(&config.tokenizer, config.max_tokens)?;
        let env = ort_environment(&config.ort_library)?;

        let (count, intra) = match parallelism {
            Parallelism::IntraOp => (1, config.threads),
            Parallelism::Sessions => (config.threads, 1),
        };
        // Each session holds its own copy of the weights, prepacked for the CPU: about 100 MB of
        // RSS per session for the default model (sharing a PrepackedWeights container between
        // sessions was measured to save nothing).
        let sessions = (0..count)
            .map(|_| new_session(&env, &config.model, intra).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let (inputs, output) = signature(&sessions[0], &config.model)?;

        let mut embedder = Embedder {
            tokenizer,
            sessions,
            footprint,
            run_options: match footprint {
                Footprint::Fast => None,
                Footprint::Small => Some(shrinking_run_options()?),
            },
            next: AtomicUsize::new(0),
            inputs,
            output,
            dimension: 0,
            pad_id,
            pooling: config.pooling,
            batch_size,
            config,
        };
        // A first run checks the output's type and rank and learns the dimension.
        let probe = embedder.encode("")?;
        let mut session = lock(&embedder.sessions[0]);
        let vectors = embedder.run_batch(&mut session, &[&probe])?;
        drop(session);
        embedder.dimension = vectors[0].len();
        if embedder.dimension == 0 {
            return Err(EmbedError::ModelSignature {
                path: embedder.config.model.clone(),
                message: format!("output `{}` has dimension 0", embedder.output),
            });
        }
        // Folding the weights leaves ~75 MB of freed temporaries in the heap.
        embedder.release_free_memory();
        Ok(embedder)
    }

    /// Hands memory freed by ONNX Runtime back to the operating system ([`Footprint::Small`]
    /// only; glibc keeps freed heap memory resident otherwise).
    fn release_free_memory(&self) {
        if self.footprint == Footprint::Small {
            trim_heap();
        }
    }

    /// The memory settings this embedder was loaded with.
    pub fn footprint(&self) -> Footprint {
        self.footprint
    }

    /// The length of every vector [`Embedder::embed`] returns (384 for the default model).
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The config this embedder was loaded with.
    pub fn config(&self) -> &EmbedConfig {
        &self.config
    }

    /// Embeds each text into a unit-length vector of [`Embedder::dimension`] floats, in input
    /// order. Texts longer than `max_tokens` are truncated; the empty text is embedded as
    /// `[CLS] [SEP]`. A backlog is spread over `threads` cores.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = texts
            .iter()
            .map(|t| self.encode(t))
            .collect::<Result<Vec<_>, _>>()?;
        // Batch texts of similar length together so padding stays small.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].ids.len()));
        let batches: Vec<&[usize]> = order.chunks(self.batch_size).collect();

        let mut guards = self.free_sessions(batches.len());
        let next = AtomicUsize::new(0);
        let work = |session: &mut Session| -> Result<Pooled, EmbedError> {
            let mut done = Vec::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(b) else {
                    return Ok(done);
                };
                let encs: Vec<&Encoded> = batch.iter().map(|&i| &encodings[i]).collect();
                let vectors = self.run_batch(session, &encs)?;
                done.extend(batch.iter().copied().zip(vectors));
            }
        };
        let parts: Vec<Result<Pooled, EmbedError>> = if guards.len() == 1 {
            vec![work(&mut guards[0])]
        } else {
            std::thread::scope(|scope| {
                let (first, rest) = guards.split_first_mut().expect("at least one session");
                let handles: Vec<_> = rest
                    .iter_mut()
                    .map(|g| {
                        let session: &mut Session = g;
                        scope.spawn(|| work(session))
                    })
                    .collect();
                let mut parts = vec![work(first)];
                for h in handles {
                    parts.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
                }
                parts
            })
        };
        drop(guards);
        self.release_free_memory();

        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for part in parts {
            for (i, v) in part? {
                out[i] = v;
            }
        }
        Ok(out)
    }

    /// Up to `wanted` sessions that no other caller is using; blocks on one if all are busy.
    fn free_sessions(&self, wanted: usize) -> Vec<MutexGuard<'_, Session>> {
        let n = self.sessions.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let mut guards = Vec::new();
        for k in 0..n {
            if guards.len() == wanted {
                break;
            }
            match self.sessions[(start + k) % n].try_lock() {
                Ok(g) => guards.push(g),
                Err(std::sync::TryLockError::Poisoned(p)) => guards.push(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => {}
            }
        }
        if guards.is_empty() {
            guards.push(lock(&self.sessions[start]));
        }
        guards
    }

    /// The token ids the model sees for `text`: `[CLS]`, the text's tokens truncated to fit
    /// `max_tokens`, `[SEP]`.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        Ok(self.encode(text)?.ids.iter().map(|&x| x as u32).collect())
    }

    fn encode(&self, text: &str) -> Result<Encoded, EmbedError> {
        let enc = self
            .tokenizer
            .encode_fast(text, true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        Ok(Encoded {
            ids: enc.get_ids().iter().map(|&x| i64::from(x)).collect(),
            type_ids: enc.get_type_ids().iter().map(|&x| i64::from(x)).collect(),
        })
    }

    /// Runs one batch, padded to its longest text, and pools and normalises each row.
    fn run_batch(
        &self,
        session: &mut Session,
        batch: &[&Encoded],
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let b = batch.len();
        let s = batch.iter().map(|e| e.ids.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![i64::from(self.pad_id); b * s];
        let mut mask = vec![0i64; b * s];
        let mut types = vec![0i64; b * s];
        for (r, e) in batch.iter().enumerate() {
            let row = r * s;
            ids[row..row + e.ids.len()].copy_from_slice(&e.ids);
            mask[row..row + e.ids.len()].fill(1);
            types[row..row + e.type_ids.len()].copy_from_slice(&e.type_ids);
        }
        let inference = |e: ort::Error| EmbedError::Inference(e.to_string());
        let mut feeds: Vec<(String, ort::session::SessionInputValue<'_>)> = Vec::new();
        for (name, kind) in &self.inputs {
            // Each input name occurs once in a signature.
            let data = std::mem::take(match kind {
                Input::Ids => &mut ids,
                Input::Mask => &mut mask,
                Input::TypeIds => &mut types,
            });
            let tensor = Tensor::from_array(([b, s], data)).map_err(inference)?;
            feeds.push((name.clone(), tensor.into()));
        }
        let outputs = match &self.run_options {
            Some(options) => session.run_with_options(feeds, options),
            None => session.run(feeds),
        }
        .map_err(inference)?;
        let value = outputs
            .get(self.output.as_str())
            .ok_or_else(|| self.signature_error(format!("no output `{}`", self.output)))?;
        let (shape, data) = value.try_extract_tensor::<f32>().map_err(|e| {
            self.signature_error(format!("output `{}` is not f32: {e}", self.output))
        })?;
        if shape.len() != 3 || shape[0] as usize != b || shape[1] as usize != s {
            return Err(self.signature_error(format!(
                "output `{}` has shape {:?}, expected [{b}, {s}, dim]",
                self.output,
                &shape[..]
            )));
        }
        let dim = shape[2] as usize;
        let mut vectors = Vec::with_capacity(b);
        for (r, e) in batch.iter().enumerate() {
            let rows = &data[r * s * dim..(r + 1) * s * dim];
            let mut v = vec![0f32; dim];
            match self.pooling {
                Pooling::Cls => v.copy_from_slice(&rows[..dim]),
                Pooling::Mean => {
                    // The mask is 1 exactly on the first `len` tokens.
                    let len = e.ids.len();
                    for tok in rows[..len * dim].chunks_exact(dim) {
                        for (acc, x) in v.iter_mut().zip(tok) {
                            *acc += x;
                        }
                    }
                    let inv = 1.0 / len.max(1) as f32;
                    v.iter_mut().for_each(|x| *x *= inv);
                }
            }
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.iter_mut().for_each(|x| *x /= norm);
            vectors.push(v);
        }
        Ok(vectors)
    }

    fn signature_error(&self, message: String) -> EmbedError {
        EmbedError::ModelSignature {
            path: self.config.model.clone(),
            message,
        }
    }
}

/// Run options that make ONNX Runtime release its CPU arena's free chunks after each run.
fn shrinking_run_options() -> Result<RunOptions, EmbedError> {
    let mut options = RunOptions::new().map_err(|e| EmbedError::Inference(e.to_string()))?;
    options
        .set("memory.enable_memory_arena_shrinkage", "cpu:0")
        .map_err(|e| EmbedError::Inference(e.to_string()))?;
    Ok(options)
}

/// Returns free heap memory to the operating system (glibc's `malloc_trim`); a no-op elsewhere.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only walks and shrinks glibc's own heaps; it is thread-safe and
        // takes no pointers.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn new_session(
    env: &Environment,
    model: &Path,
    intra_threads: usize,
) -> Result<Session, EmbedError> {
    let err = |message: String| EmbedError::Model {
        path: model.to_path_buf(),
        message,
    };
    let mut builder = Session::builder(env).map_err(|e| err(e.to_string()))?;
    builder = builder
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| err(e.to_string()))?;
    builder = builder
        .with_intra_threads(intra_threads)
        .map_err(|e| err(e.to_string()))?;
    builder = builder
        .with_inter_threads(1)
        .map_err(|e| err(e.to_string()))?;
    // Spinning threads would burn the cores the daemon shares with the browser.
    builder = builder
        .with_intra_op_spinning(false)
        .map_err(|e| err(e.to_string()))?;
    builder
        .commit_from_file(model)
        .map_err(|e| err(e.to_string()))
}

/// Vectors of one worker, with the index of their text.
type Pooled = Vec<(usize, Vec<f32>)>;

/// A tokenised text: ids and type ids, `[CLS]`/`[SEP]` included, truncated.
struct Encoded {
    ids: Vec<i64>,
    type_ids: Vec<i64>,
}

fn load_tokenizer(path: &Path, max_tokens: usize) -> Result<(Tokenizer, u32), EmbedError> {
    let err = |message: String| EmbedError::Tokenizer {
        path: path.to_path_buf(),
        message,
    };
    let mut tok = Tokenizer::from_file(path).map_err(|e| err(e.to_string()))?;
    // The file's own padding (MiniLM's pads every text to 128) would waste compute and its
    // truncation (128) is shorter than the model allows: pad per batch, truncate at max_tokens.
    let pad_id = tok
        .get_padding()
        .map(|p| p.pad_id)
        .or_else(|| tok.token_to_id("[PAD]"))
        .unwrap_or(0);
    tok.with_padding(None);
    let trunc = TruncationParams {
        max_length: max_tokens,
        ..tok.get_truncation().cloned().unwrap_or_default()
    };
    tok.with_truncation(Some(trunc))
        .map_err(|e| err(e.to_string()))?;
    Ok((tok, pad_id))
}

/// Maps the session's inputs to ids/mask/type ids and picks the hidden-state output.
fn signature(
    session: &Mutex<Session>,
    model: &Path,
) -> Result<(Vec<(String, Input)>, String), EmbedError> {
    let session = lock(session);
    let bad = |message: String| EmbedError::ModelSignature {
        path: model.to_path_buf(),
        message,
    };
    let mut inputs = Vec::new();
    for outlet in session.inputs() {
        let kind = match outlet.name() {
            "input_ids" => Input::Ids,
            "attention_mask" => Input::Mask,
            "token_type_ids" => Input::TypeIds,
            other => {
                return Err(bad(format!(
                    "unexpected input `{other}` (expected input_ids, attention_mask and optionally token_type_ids)"
                )));
            }
        };
        match outlet.dtype() {
            ValueType::Tensor {
                ty: TensorElementType::Int64,
                shape,
                ..
            } if shape.len() == 2 => {}
            other => {
                return Err(bad(format!(
                    "input `{}` is {other}, expected an int64 [batch, sequence] tensor",
                    outlet.name()
                )));
            }
        }
        inputs.push((outlet.name().to_string(), kind));
    }
    for needed in [Input::Ids, Input::Mask] {
        if !inputs.iter().any(|(_, k)| *k == needed) {
            return Err(bad(format!(
                "missing input `{}`",
                if needed == Input::Ids {
                    "input_ids"
                } else {
                    "attention_mask"
                }
            )));
        }
    }
    let hidden: Vec<&str> = session
        .outputs()
        .iter()
        .filter(|o| {
            matches!(o.dtype(), ValueType::Tensor { ty: TensorElementType::Float32, shape, .. } if shape.len() == 3)
        })
        .map(|o| o.name())
        .collect();
    let output = ["last_hidden_state", "token_embeddings"]
        .into_iter()
        .find(|n| hidden.contains(n))
        .or(if hidden.len() == 1 { Some(hidden[0]) } else { None })
        .ok_or_else(|| {
            let found: Vec<String> = session
                .outputs()
                .iter()
                .map(|o| format!("`{}`: {}", o.name(), o.dtype()))
                .collect();
            bad(format!(
                "expected a float32 [batch, sequence, dim] output named last_hidden_state, found {}",
                found.join(", ")
            ))
        })?;
    Ok((inputs, output.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedder_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Embedder>();
    }

    #[test]
    fn config_paths() {
        let c = EmbedConfig::in_repo("/r");
        assert_eq!(c.model, PathBuf::from("/r/models/minilm/model.onnx"));
        assert_eq!(
            c.tokenizer,
            PathBuf::from("/r/models/minilm/tokenizer.json")
        );
        assert_eq!(
            c.ort_library,
            PathBuf::from("/r/vendor/ort/libonnxruntime.so.1.31.1")
        );
        assert_eq!(c.max_tokens, 256);
        assert!(c.threads >= 1);
    }
}
