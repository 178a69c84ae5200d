//! The qualifier's offline evaluation on a small population, with the real embedding model:
//! the active learner reaches 90 % precision at recall 0.5 with far fewer oracle calls than
//! asking about everyone, and no later than random labelling.

use outlane::qualifier::eval::{self as qualifier_eval, EvalConfig};
use outlane_embed::{EmbedConfig, Embedder};

#[test]
fn active_learning_beats_labelling_everything_and_random() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let embedder = Embedder::load(EmbedConfig::in_repo(&root)).expect("make models");
    let config = EvalConfig {
        people: 600,
        budget: 150,
        ..EvalConfig::default()
    };
    let report = qualifier_eval::run(&config, &embedder, &mut |_| {}).unwrap();
    eprintln!("{}", qualifier_eval::table(&report));
    let [active, random, everyone] = &report.strategies[..] else {
        panic!("three strategies expected");
    };
    let active_calls = active.calls_to_90.expect("the active learner reaches 90 %");
    assert!(
        active_calls * 2 <= everyone.calls,
        "at least 2x fewer calls than the LLM on everyone"
    );
    assert!(
        random.calls_to_90.is_none_or(|r| active_calls <= r),
        "no worse than random"
    );
    assert!(active.precision_at_50 >= 0.9, "{}", active.precision_at_50);
    assert_eq!(active.auto_wrong, 0, "no wrong auto-decisions");
}
