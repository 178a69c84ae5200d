//! The qualifier's offline evaluation on a small population, with the real embedding model:
//! the active learner reaches 90 % precision at recall 0.5 with far fewer oracle calls than
//! asking about everyone, and no later than random labelling; the validated gate decides people
//! on its own with at most 3 % of them wrong; ranking by who accepts raises acceptance.

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
    let [active, ungated, random, everyone] = &report.strategies[..] else {
        panic!("four strategies expected");
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
    assert!(
        ungated.calls_to_90.is_some(),
        "the learner without the gate reaches 90 % too"
    );
    // The gate's decisions: at most 3 % wrong, and fewer oracle calls overall than labelling
    // every person it decided.
    assert!(
        active.auto_wrong * 100 <= 3 * active.auto_decisions.max(1),
        "{} of {} auto-decisions wrong",
        active.auto_wrong,
        active.auto_decisions
    );
    for c in &active.checkpoints {
        assert!(
            c.wrong_share() <= 0.03,
            "at {} calls the gate would decide {} people, {} wrongly",
            c.oracle_calls,
            c.gate_would_decide,
            c.gate_would_be_wrong
        );
    }
    // Its evidence costs little learning: gathering slows down once the checks show the gate
    // cannot open soon.
    let ungated_calls = ungated.calls_to_90.unwrap_or(usize::MAX);
    assert!(
        active_calls * 4 <= ungated_calls * 5,
        "the gate's evidence cost too much: {active_calls} calls to 90 % against {ungated_calls}"
    );
    assert_eq!(ungated.auto_decisions, 0, "no gate, no decision");
    // Outcome ranking: learning who accepts (by seniority) from the answers so far raises the
    // acceptance of a campaign's first invitations over P(qualified) alone.
    let o = &report.outcome_ranking;
    assert_eq!((o.campaigns, o.invitations), (5, 100));
    assert!(
        o.ratio() >= 1.1,
        "outcome ranking: {} accepted with it, {} without ({:.2}×)",
        o.accepted_with,
        o.accepted_without,
        o.ratio()
    );
}
