//! A file that is not ONNX Runtime gives a clear error, and a later load with the right
//! library still works. Its own test binary: ONNX Runtime is loaded once per process.

mod common;

use common::config;
use outlane_embed::{EmbedConfig, EmbedError, Embedder};

#[test]
fn a_bad_library_fails_cleanly_and_the_right_one_loads_afterwards() {
    let fake = std::env::temp_dir().join(format!("outlane-embed-fake-{}.so", std::process::id()));
    std::fs::write(&fake, b"this is not a shared library").unwrap();
    let result = Embedder::load(EmbedConfig {
        ort_library: fake.clone(),
        ..config()
    });
    let _ = std::fs::remove_file(&fake);
    let err = result.expect_err("a fake library must not load");
    assert!(matches!(err, EmbedError::OrtLibrary { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&fake.display().to_string()), "{msg}");

    let e = common::load(
        outlane_embed::DEFAULT_PARALLELISM,
        outlane_embed::DEFAULT_BATCH_SIZE,
    );
    assert_eq!(e.embed(&["ok"]).unwrap()[0].len(), e.dimension());
}
