//! The qualifier's offline evaluation: does active learning find the right people with fewer
//! LLM calls than asking the LLM about everyone, and than labelling people at random?
//!
//! A seeded population from the simulator's generator; a hidden ideal-customer rule (current
//! role is a go-to-market leader: head/VP/chief of sales or marketing, or a founder-CEO) that
//! an oracle applies, standing in for the LLM. Each strategy spends oracle calls one at a time;
//! after every `step` calls the whole population is ranked (known labels first, then by the
//! model's probability) and scored:
//! - **calls to 90 % precision**: the fewest calls after which the top of the ranking that
//!   holds half of all positives is at least 90 % positive (precision at recall 0.5);
//! - **precision@50** of the ranking at the end of the budget.
//!
//! Strategies: the active learner with the validated gate (the daemon's `choose`: cold start,
//! the gate's decisions, audits and evidence, then explore/exploit; a decision of the gate
//! costs no oracle call and is not learned, as in the daemon), the same learner with the gate
//! off, random labelling with the same model, and the LLM on everyone (N calls, exact).
//!
//! At checkpoints (100, 200 and 500 oracle calls, those within the budget) each row also says
//! what the gate would do with every person still unlabelled: how many it decides, and how
//! many of those wrongly (against the hidden rule).

use outlane_embed::Embedder;
use outlane_gp::gate::GateConfig;
use outlane_gp::{Qualifier, QualifierConfig};
use outlane_linkedin::{Position, Profile, YearMonth, profile_text};
use outlane_simulator::{Person, Scenario};
use serde::Serialize;

/// What to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct EvalConfig {
    /// People in the population.
    pub people: usize,
    /// Seed of the population and of the random strategy.
    pub seed: u64,
    /// Oracle calls each learning strategy may spend.
    pub budget: usize,
    /// Calls between two scorings.
    pub step: usize,
    /// Candidates the active learner scores per choice (a random sample of the unlabelled).
    pub pool: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            people: 1000,
            seed: 7,
            budget: 300,
            step: 10,
            pool: 300,
        }
    }
}

/// One strategy's result.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyResult {
    /// The strategy.
    pub name: String,
    /// Oracle calls after which precision at recall 0.5 first reached 90 % (`None`: never
    /// within the budget).
    pub calls_to_90: Option<usize>,
    /// Precision of the first 50 of the ranking after the whole budget.
    pub precision_at_50: f64,
    /// Oracle calls spent.
    pub calls: usize,
    /// Decisions the model took itself (no oracle call).
    pub auto_decisions: usize,
    /// How many of those were wrong.
    pub auto_wrong: usize,
    /// The gate at 100, 200 and 500 oracle calls (those the budget reaches).
    pub checkpoints: Vec<Checkpoint>,
}

/// Where a strategy stands after some oracle calls.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    /// Oracle calls (labels from the stand-in LLM) so far.
    pub oracle_calls: usize,
    /// Decisions the gate took so far, and how many were wrong.
    pub auto_decisions: usize,
    /// Of those, wrong ones.
    pub auto_wrong: usize,
    /// People still unlabelled.
    pub remaining: usize,
    /// Of those, how many the gate would decide now (audit sample included).
    pub gate_would_decide: usize,
    /// Of those, wrongly.
    pub gate_would_be_wrong: usize,
}

impl Checkpoint {
    /// The share of the remaining people the gate decides.
    pub fn coverage(&self) -> f64 {
        self.gate_would_decide as f64 / self.remaining.max(1) as f64
    }

    /// The share of its decisions that are wrong.
    pub fn wrong_share(&self) -> f64 {
        self.gate_would_be_wrong as f64 / self.gate_would_decide.max(1) as f64
    }
}

/// The oracle calls at which a checkpoint is taken.
pub const CHECKPOINTS: [usize; 3] = [100, 200, 500];

/// The evaluation's report.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Population size.
    pub people: usize,
    /// Positives under the hidden rule.
    pub positives: usize,
    /// One row per strategy.
    pub strategies: Vec<StrategyResult>,
}

/// The hidden ideal-customer rule.
pub fn ideal_customer(p: &Person) -> bool {
    let Some(current) = p.positions.first() else {
        return false;
    };
    let t = current.title.to_lowercase();
    let gtm = t.contains("sales") || t.contains("revenue") || t.contains("marketing");
    let leader = t.starts_with("head of") || t.starts_with("vp") || t.starts_with("chief");
    (gtm && leader) || t.contains("ceo")
}

fn profile(p: &Person) -> Profile {
    let ym = |y: &outlane_simulator::YearMonth| YearMonth {
        year: Some(i32::from(y.year)),
        month: y.month,
    };
    Profile {
        url: None,
        urn: None,
        member_urn: None,
        public_identifier: Some(p.handle.clone()),
        first_name: Some(p.first.clone()),
        last_name: Some(p.last.clone()),
        full_name: Some(format!("{} {}", p.first, p.last)),
        headline: Some(p.headline.clone()),
        summary: p.summary.clone(),
        location_name: Some(p.location.clone()),
        country_code: Some(p.country_code.clone()),
        industry: p.industry.as_ref().map(|i| i.name.clone()),
        positions: p
            .positions
            .iter()
            .map(|x| Position {
                title: x.title.clone(),
                company_name: Some(x.company_name.clone()),
                company_urn: None,
                location: x.location.clone(),
                start: Some(ym(&x.start)),
                end: x.end.as_ref().map(ym),
                description: x.description.clone(),
            })
            .collect(),
        educations: Vec::new(),
        connection_distance: None,
        connection_degree: None,
        invitation_pending: false,
    }
}

/// A small seeded generator (SplitMix64) for sampling; no global state.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Precision at recall 0.5 and precision@50 of a ranking.
fn score(order: &[usize], truth: &[bool]) -> (f64, f64) {
    let positives = truth.iter().filter(|t| **t).count();
    let half = positives.div_ceil(2).max(1);
    let mut found = 0;
    let mut at_half = 0.0;
    for (k, &i) in order.iter().enumerate() {
        if truth[i] {
            found += 1;
            if found == half {
                at_half = found as f64 / (k + 1) as f64;
                break;
            }
        }
    }
    let top = order.len().min(50);
    let p50 = order[..top].iter().filter(|&&i| truth[i]).count() as f64 / top.max(1) as f64;
    (at_half, p50)
}

/// The ranking a strategy would act on: known positives, then unknown by probability, then
/// known negatives.
fn ranking(model: &Qualifier, vectors: &[Vec<f32>], known: &[Option<bool>]) -> Vec<usize> {
    let unknown: Vec<(u64, Vec<f32>)> = (0..vectors.len())
        .filter(|&i| known[i].is_none())
        .map(|i| (i as u64, vectors[i].clone()))
        .collect();
    let ranked = model.rank(&unknown).unwrap_or_default();
    let mut order: Vec<usize> = (0..vectors.len())
        .filter(|&i| known[i] == Some(true))
        .collect();
    order.extend(ranked.iter().map(|(id, _)| *id as usize));
    order.extend((0..vectors.len()).filter(|&i| known[i] == Some(false)));
    order
}

/// What the gate would do now with every unlabelled person.
fn checkpoint(
    model: &Qualifier,
    vectors: &[Vec<f32>],
    truth: &[bool],
    known: &[Option<bool>],
    (oracle_calls, auto_decisions, auto_wrong): (usize, usize, usize),
) -> Checkpoint {
    let (mut remaining, mut decide, mut wrong) = (0, 0, 0);
    for (i, v) in vectors.iter().enumerate() {
        if known[i].is_some() {
            continue;
        }
        remaining += 1;
        if let Some(verdict) = model
            .predict(v)
            .ok()
            .flatten()
            .and_then(|p| model.gate().decide(&p))
        {
            decide += 1;
            if verdict.qualified != truth[i] {
                wrong += 1;
            }
        }
    }
    Checkpoint {
        oracle_calls,
        auto_decisions,
        auto_wrong,
        remaining,
        gate_would_decide: decide,
        gate_would_be_wrong: wrong,
    }
}

fn learn(
    name: &str,
    active: bool,
    gate: bool,
    config: &EvalConfig,
    vectors: &[Vec<f32>],
    truth: &[bool],
    progress: &mut dyn FnMut(&str),
) -> StrategyResult {
    let mut rng = Rng(config.seed ^ if active { 0xA11CE } else { 0xB0B });
    let mut model = Qualifier::new(QualifierConfig {
        gate: GateConfig {
            enabled: gate,
            ..GateConfig::default()
        },
        ..QualifierConfig::default()
    });
    let mut known: Vec<Option<bool>> = vec![None; vectors.len()];
    let (mut calls, mut autos, mut auto_wrong) = (0, 0, 0);
    let mut calls_to_90 = None;
    let mut p50 = 0.0;
    let mut checkpoints = Vec::new();
    while calls < config.budget {
        let unlabelled: Vec<usize> = (0..vectors.len()).filter(|&i| known[i].is_none()).collect();
        if unlabelled.is_empty() {
            break;
        }
        let pick = if active {
            let mut pool = Vec::new();
            for _ in 0..config.pool.min(unlabelled.len()) {
                let i = unlabelled[rng.below(unlabelled.len())];
                if !pool.iter().any(|(id, _)| *id == i as u64) {
                    pool.push((i as u64, vectors[i].clone()));
                }
            }
            match model.choose(&pool) {
                Ok(Some(choice)) => {
                    let i = choice.id as usize;
                    if let Some(decision) = choice.auto_decision {
                        autos += 1;
                        if decision != truth[i] {
                            auto_wrong += 1;
                        }
                        known[i] = Some(decision);
                        continue;
                    }
                    i
                }
                _ => unlabelled[rng.below(unlabelled.len())],
            }
        } else {
            unlabelled[rng.below(unlabelled.len())]
        };
        calls += 1;
        known[pick] = Some(truth[pick]);
        let _ = model.add_checked_label(&vectors[pick], truth[pick], 1);
        if CHECKPOINTS.contains(&calls) {
            let c = checkpoint(&model, vectors, truth, &known, (calls, autos, auto_wrong));
            let bands: Vec<String> = model
                .gate()
                .bands(false)
                .iter()
                .filter(|b| b.checks > 0)
                .map(|b| {
                    format!(
                        "≥{:.0}%: {}/{} (bound {:.3})",
                        b.floor * 100.0,
                        b.agreed,
                        b.checks,
                        b.bound
                    )
                })
                .collect();
            progress(&format!(
                "{name}: at {calls} calls the gate decides {} of {} remaining ({:.0} %), {} wrongly; rejection checks {}",
                c.gate_would_decide,
                c.remaining,
                c.coverage() * 100.0,
                c.gate_would_be_wrong,
                bands.join(", ")
            ));
            checkpoints.push(c);
        }
        if calls % config.step == 0 || calls == config.budget {
            let order = ranking(&model, vectors, &known);
            let (at_half, top50) = score(&order, truth);
            p50 = top50;
            if calls_to_90.is_none() && at_half >= 0.9 {
                calls_to_90 = Some(calls);
            }
            progress(&format!(
                "{name}: {calls} calls, precision at recall 0.5 {at_half:.2}, precision@50 {top50:.2}"
            ));
        }
    }
    StrategyResult {
        name: name.to_string(),
        calls_to_90,
        precision_at_50: p50,
        calls,
        auto_decisions: autos,
        auto_wrong,
        checkpoints,
    }
}

/// Runs the evaluation with `embedder`, reporting progress lines to `progress`.
pub fn run(
    config: &EvalConfig,
    embedder: &Embedder,
    progress: &mut dyn FnMut(&str),
) -> Result<EvalReport, outlane_embed::EmbedError> {
    let people = Scenario::generate(config.seed, config.people).people;
    let truth: Vec<bool> = people.iter().map(ideal_customer).collect();
    let texts: Vec<String> = people.iter().map(|p| profile_text(&profile(p))).collect();
    let mut vectors = Vec::with_capacity(texts.len());
    for (n, chunk) in texts.chunks(100).enumerate() {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        vectors.extend(embedder.embed(&refs)?);
        progress(&format!(
            "embedded {} of {} profiles",
            ((n + 1) * 100).min(texts.len()),
            texts.len()
        ));
    }
    let positives = truth.iter().filter(|t| **t).count();
    let mut strategies = vec![
        learn(
            "active + gate",
            true,
            true,
            config,
            &vectors,
            &truth,
            progress,
        ),
        learn(
            "active, no gate",
            true,
            false,
            config,
            &vectors,
            &truth,
            progress,
        ),
        learn(
            "random labelling",
            false,
            false,
            config,
            &vectors,
            &truth,
            progress,
        ),
    ];
    strategies.push(StrategyResult {
        name: "LLM on everyone".into(),
        calls_to_90: Some(config.people),
        precision_at_50: 1.0,
        calls: config.people,
        auto_decisions: 0,
        auto_wrong: 0,
        checkpoints: Vec::new(),
    });
    Ok(EvalReport {
        people: config.people,
        positives,
        strategies,
    })
}

/// The report as an aligned table.
pub fn table(report: &EvalReport) -> String {
    let mut out = format!(
        "{} simulated people, {} ideal customers ({:.1} %)\n\n",
        report.people,
        report.positives,
        100.0 * report.positives as f64 / report.people.max(1) as f64
    );
    out.push_str(&format!(
        "{:<18} {:>22} {:>15} {:>12} {:>16}\n",
        "strategy", "calls to 90 % @ R 0.5", "precision@50", "calls spent", "auto (wrong)"
    ));
    for s in &report.strategies {
        out.push_str(&format!(
            "{:<18} {:>22} {:>15.2} {:>12} {:>16}\n",
            s.name,
            s.calls_to_90
                .map_or("not reached".to_string(), |c| c.to_string()),
            s.precision_at_50,
            s.calls,
            format!("{} ({})", s.auto_decisions, s.auto_wrong)
        ));
    }
    let gated: Vec<&StrategyResult> = report
        .strategies
        .iter()
        .filter(|s| {
            !s.checkpoints.is_empty()
                && s.auto_decisions
                    + s.checkpoints
                        .iter()
                        .map(|c| c.gate_would_decide)
                        .sum::<usize>()
                    > 0
        })
        .collect();
    if !gated.is_empty() {
        out.push_str(&format!(
            "\n{:<18} {:>12} {:>18} {:>26}\n",
            "the gate", "oracle calls", "decided (wrong)", "would decide of the rest"
        ));
        for s in gated {
            for c in &s.checkpoints {
                out.push_str(&format!(
                    "{:<18} {:>12} {:>18} {:>26}\n",
                    s.name,
                    c.oracle_calls,
                    format!("{} ({})", c.auto_decisions, c.auto_wrong),
                    format!(
                        "{:.0} % ({:.1} % wrong)",
                        c.coverage() * 100.0,
                        c.wrong_share() * 100.0
                    )
                ));
            }
        }
        out.push_str(
            "targets: after 100 oracle calls the gate decides at least 50 % of the rest with at most 3 % wrong\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_a_ranking() {
        let truth = [true, false, true, false, true, true];
        let (half, p50) = score(&[0, 2, 1, 3, 4, 5], &truth);
        assert_eq!(half, 1.0, "two of four positives in the first two");
        assert!((p50 - 4.0 / 6.0).abs() < 1e-12);
        let (half, _) = score(&[1, 3, 0, 2, 4, 5], &truth);
        assert_eq!(half, 0.5);
    }

    #[test]
    fn the_hidden_rule_has_a_sensible_base_rate() {
        let people = Scenario::generate(7, 1000).people;
        let rate = people.iter().filter(|p| ideal_customer(p)).count() as f64 / 1000.0;
        assert!((0.05..0.35).contains(&rate), "{rate}");
    }
}
