//! Clear errors: missing files (naming the file and `make models`), models that are not
//! sentence encoders, bad config values, a second ONNX Runtime library.

mod common;

use std::path::PathBuf;

use common::config;
use outlane_embed::{EmbedConfig, EmbedError, Embedder};

fn reference(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

fn load_err(cfg: EmbedConfig) -> EmbedError {
    match Embedder::load(cfg) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn assert_missing(cfg: EmbedConfig, path: PathBuf, what: &str) {
    let err = load_err(cfg);
    let msg = err.to_string();
    assert!(
        matches!(&err, EmbedError::MissingFile { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("make models"), "{msg}");
    assert!(msg.contains(what), "{msg}");
}

#[test]
fn missing_model_names_the_file_and_the_fetch_command() {
    let path = PathBuf::from("/nonexistent/models/minilm/model.onnx");
    let cfg = EmbedConfig {
        model: path.clone(),
        ..config()
    };
    assert_missing(cfg, path, "embedding model");
}

#[test]
fn missing_tokenizer_names_the_file_and_the_fetch_command() {
    let path = PathBuf::from("/nonexistent/models/minilm/tokenizer.json");
    let cfg = EmbedConfig {
        tokenizer: path.clone(),
        ..config()
    };
    assert_missing(cfg, path, "tokenizer");
}

#[test]
fn missing_ort_library_names_the_file_and_the_fetch_command() {
    let path = PathBuf::from("/nonexistent/vendor/ort/libonnxruntime.so.1.31.1");
    let cfg = EmbedConfig {
        ort_library: path.clone(),
        ..config()
    };
    assert_missing(cfg, path, "ONNX Runtime library");
}

#[test]
fn in_repo_of_an_empty_directory_reports_missing_files() {
    let err = load_err(EmbedConfig::in_repo("/nonexistent-repo"));
    assert!(err.to_string().contains("make models"), "{err}");
}

#[test]
fn bad_config_values() {
    let err = load_err(EmbedConfig {
        threads: 0,
        ..config()
    });
    assert!(matches!(err, EmbedError::Config(_)), "{err:?}");
    let err = load_err(EmbedConfig {
        max_tokens: 1,
        ..config()
    });
    assert!(matches!(err, EmbedError::Config(_)), "{err:?}");
}

#[test]
fn a_model_without_hidden_states_is_rejected() {
    let model = reference("wrong_output.onnx");
    let err = load_err(EmbedConfig {
        model: model.clone(),
        ..config()
    });
    let msg = err.to_string();
    assert!(matches!(err, EmbedError::ModelSignature { .. }), "{err:?}");
    assert!(
        msg.contains("last_hidden_state") && msg.contains("logits"),
        "{msg}"
    );
    assert!(msg.contains(&model.display().to_string()), "{msg}");
}

#[test]
fn a_model_with_other_inputs_is_rejected() {
    let err = load_err(EmbedConfig {
        model: reference("wrong_input.onnx"),
        ..config()
    });
    let msg = err.to_string();
    assert!(matches!(err, EmbedError::ModelSignature { .. }), "{err:?}");
    assert!(msg.contains("pixel_values"), "{msg}");
}

#[test]
fn a_file_that_is_not_a_model_is_rejected() {
    let cfg = config();
    let err = load_err(EmbedConfig {
        model: cfg.tokenizer.clone(),
        ..cfg
    });
    assert!(matches!(err, EmbedError::Model { .. }), "{err:?}");
}

#[test]
fn a_tokenizer_that_is_not_json_is_rejected() {
    let err = load_err(EmbedConfig {
        tokenizer: reference("wrong_input.onnx"),
        ..config()
    });
    assert!(matches!(err, EmbedError::Tokenizer { .. }), "{err:?}");
}

#[test]
fn a_second_ort_library_in_the_same_process_is_rejected() {
    // Load the real library first (other tests in this binary may already have).
    common::load(
        outlane_embed::DEFAULT_PARALLELISM,
        outlane_embed::DEFAULT_BATCH_SIZE,
    );
    // Any other existing file: the check happens before it is opened.
    let other = reference("wrong_output.onnx");
    let err = load_err(EmbedConfig {
        ort_library: other,
        ..config()
    });
    assert!(
        matches!(err, EmbedError::OrtAlreadyLoaded { .. }),
        "{err:?}"
    );
}
