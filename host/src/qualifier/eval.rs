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
//! off, random labelling with the same gate (one random lead at a time, decided by the gate
//! when it may: what the active selection saves over it is the selection's own worth),
//! random labelling with the same model, and the LLM on everyone (N calls, exact).
//!
//! At checkpoints (100, 200, 300 and 500 oracle calls, those within the budget) each row also says
//! what the gate would do with every person still unlabelled: how many it decides, and how
//! many of those wrongly (against the hidden rule).
//!
//! With [`EvalConfig::drift_at`] the gated learner runs once more on the same people while the
//! audience drifts: once it has spent that many oracle calls and its gate is open, the hidden
//! rule widens to engineering leaders too ([`drifted_customer`]), people the model had
//! learned to reject confidently. The run reports how long the gate kept deciding on the old
//! rule and how many of its decisions the drift made wrong ([`Drift`]).

use outlane_embed::Embedder;
use outlane_gp::acceptance::AcceptanceEstimate;
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
    /// Oracle calls after which the hidden rule drifts, at the first call from there on at
    /// which the gate is open (`None`: no drift run).
    pub drift_at: Option<usize>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            people: 1000,
            seed: 7,
            budget: 300,
            step: 10,
            pool: 300,
            drift_at: None,
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
    /// Oracle calls spent when the model took its first decision itself (`None`: never).
    pub gate_opened_at: Option<usize>,
    /// The gate at 100, 200, 300 and 500 oracle calls (those the budget reaches).
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
pub const CHECKPOINTS: [usize; 4] = [100, 200, 300, 500];

/// The evaluation's report.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Population size.
    pub people: usize,
    /// Positives under the hidden rule.
    pub positives: usize,
    /// One row per strategy.
    pub strategies: Vec<StrategyResult>,
    /// Who accepts: the first invitations with and without outcome ranking.
    pub outcome_ranking: OutcomeRanking,
    /// The drifted-audience run, when [`EvalConfig::drift_at`] asked for one.
    pub drift: Option<Drift>,
}

/// The gated learner on an audience that drifts (see [`EvalConfig::drift_at`]).
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    /// Oracle calls when the rule changed (`None`: the gate never opened, so no drift).
    pub at: Option<usize>,
    /// People the new rule qualifies and the old did not.
    pub newly_qualified: usize,
    /// The gate's decisions before the drift, and how many were wrong then.
    pub decided_before: usize,
    /// Of those, wrong under the rule of the time.
    pub wrong_before: usize,
    /// Oracle calls after the drift until the gate's rejection band closed or narrowed
    /// (`None`: it never did within the budget).
    pub closed_after: Option<usize>,
    /// The gate's decisions between the drift and the close, and how many of them the new
    /// rule makes wrong.
    pub decided_until_closed: usize,
    /// See [`Drift::decided_until_closed`].
    pub wrong_until_closed: usize,
    /// The gate's decisions after the close (once it opened again on new evidence), and how
    /// many were wrong.
    pub decided_after_close: usize,
    /// See [`Drift::decided_after_close`].
    pub wrong_after_close: usize,
    /// The whole run.
    pub run: StrategyResult,
}

/// The pipeline-level evaluation of outcome ranking on the same population: a campaign (the
/// demo's keyword rule as its LLM) invites its qualified people best-ranked first, in batches
/// of [`OUTCOME_BATCH`]; a batch's answers are known before the next batch is ranked (the
/// simulator's own: whether the person has an `accept_after_ms`, which depends on seniority).
/// Without outcome ranking the order is P(qualified) from a model that learned every
/// qualified person's label and [`RANKER_LABELS`] random rejections; with it, P(qualified) ×
/// P(accept), the latter estimated from the answers so far by seniority once there are
/// enough of them ([`super::enough_outcomes`], [`AcceptanceEstimate`]), exactly as the
/// daemon's `rank`.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRanking {
    /// People the campaign's rule qualifies (who may be invited).
    pub qualified: usize,
    /// Of those, the share who would accept an invitation.
    pub qualified_acceptance: f64,
    /// Campaigns run on the same people, each with its own P(qualified) model (its own random
    /// rejections); the counts below add up their invitations.
    pub campaigns: usize,
    /// Invitations compared per campaign (its first ones).
    pub invitations: usize,
    /// Accepted among them without outcome ranking.
    pub accepted_without: usize,
    /// Accepted among them with it.
    pub accepted_with: usize,
    /// Accepted among them had the model known each person's true acceptance rate (the
    /// simulator's, by seniority): the most outcome ranking can give here.
    pub accepted_at_best: usize,
}

impl OutcomeRanking {
    /// Acceptance with outcome ranking over acceptance without it.
    pub fn ratio(&self) -> f64 {
        self.accepted_with as f64 / self.accepted_without.max(1) as f64
    }
}

/// Invitations whose answers arrive together in the outcome-ranking evaluation.
pub const OUTCOME_BATCH: usize = 10;
/// Campaigns the outcome-ranking evaluation runs (one comparison of 100 invitations is
/// mostly noise: a binomial draw's standard deviation is 5 acceptances).
pub const OUTCOME_CAMPAIGNS: usize = 5;
/// Invitations per campaign the outcome-ranking evaluation compares.
pub const OUTCOME_INVITATIONS: usize = 100;
/// Rejections (besides every qualified person) the P(qualified) ranking of the outcome-ranking
/// evaluation learned.
pub const RANKER_LABELS: usize = 100;

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

/// The hidden rule after the audience drifted: the ideal customer, or an engineering leader
/// (director, head or VP of engineering, or a CTO).
pub fn drifted_customer(p: &Person) -> bool {
    if ideal_customer(p) {
        return true;
    }
    let Some(current) = p.positions.first() else {
        return false;
    };
    let t = current.title.to_lowercase();
    let leader = t.starts_with("head of") || t.starts_with("vp") || t.starts_with("director");
    (t.contains("engineering") && leader) || t.contains("cto") || t.contains("chief technology")
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

/// What happens to a drift run while it learns.
#[derive(Default)]
struct DriftLog {
    at: Option<usize>,
    /// The open rejection band's floor at the drift.
    floor: Option<f64>,
    closed_after: Option<usize>,
    /// (decisions, wrong) before the drift, until the close, after it.
    before: (usize, usize),
    until_closed: (usize, usize),
    after_close: (usize, usize),
}

impl DriftLog {
    fn decided(&mut self, wrong: bool) {
        let slot = match (self.at, self.closed_after) {
            (None, _) => &mut self.before,
            (Some(_), None) => &mut self.until_closed,
            (Some(_), Some(_)) => &mut self.after_close,
        };
        slot.0 += 1;
        slot.1 += usize::from(wrong);
    }
}

/// A strategy's run. With `drift` (the drifted truth and when to switch to it) the truth it
/// is asked and judged by changes during the run, which `log` follows.
#[allow(clippy::too_many_arguments)]
fn learn(
    name: &str,
    active: bool,
    gate: bool,
    config: &EvalConfig,
    vectors: &[Vec<f32>],
    truth: &[bool],
    mut drift: Option<(usize, &[bool], &mut DriftLog)>,
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
    let mut gate_opened_at = None;
    let mut calls_to_90 = None;
    let mut p50 = 0.0;
    let mut checkpoints = Vec::new();
    while calls < config.budget {
        let truth: &[bool] = match &drift {
            Some((_, drifted, log)) if log.at.is_some() => drifted,
            _ => truth,
        };
        let unlabelled: Vec<usize> = (0..vectors.len()).filter(|&i| known[i].is_none()).collect();
        if unlabelled.is_empty() {
            break;
        }
        // Random labelling with the gate asks the model about one random lead: the gate
        // decides it when it may, else the oracle labels it.
        let pick = if active || gate {
            let size = if active { config.pool } else { 1 };
            let mut pool = Vec::new();
            for _ in 0..size.min(unlabelled.len()) {
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
                        if gate_opened_at.is_none() {
                            gate_opened_at = Some(calls);
                            progress(&format!(
                                "{name}: the gate took its first decision after {calls} oracle calls"
                            ));
                        }
                        if decision != truth[i] {
                            auto_wrong += 1;
                        }
                        if let Some((_, _, log)) = drift.as_mut() {
                            log.decided(decision != truth[i]);
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
        if let Some((from, _, log)) = drift.as_mut() {
            let open = model.gate().open_band(false).map(|b| b.floor);
            match (log.at, log.closed_after) {
                (None, _) if calls >= *from && open.is_some() => {
                    log.at = Some(calls);
                    log.floor = open;
                    progress(&format!(
                        "{name}: the audience drifts after {calls} oracle calls (gate open from {:.0} %)",
                        open.unwrap_or(0.0) * 100.0
                    ));
                }
                (Some(at), None) if open.is_none_or(|f| Some(f) > log.floor) => {
                    log.closed_after = Some(calls - at);
                    progress(&format!(
                        "{name}: the gate closed {} oracle calls after the drift, after {} decisions ({} wrong)",
                        calls - at,
                        log.until_closed.0,
                        log.until_closed.1
                    ));
                }
                _ => {}
            }
        }
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
        gate_opened_at,
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
    let pairs: Vec<(String, String)> = people
        .iter()
        .zip(&texts)
        .map(|(p, text)| {
            let title = p
                .positions
                .first()
                .map(|x| x.title.clone())
                .unwrap_or_default();
            (text.clone(), title)
        })
        .collect();
    for (n, chunk) in pairs.chunks(100).enumerate() {
        vectors.extend(super::lead_features(embedder, chunk)?);
        progress(&format!(
            "embedded {} of {} profiles",
            ((n + 1) * 100).min(texts.len()),
            texts.len()
        ));
    }
    let positives = truth.iter().filter(|t| **t).count();
    // (name, active selection, gate): each a run of [`learn`] on the same people.
    let runs = [
        ("active + gate", true, true),
        ("active, no gate", true, false),
        ("random + gate", false, true),
        ("random labelling", false, false),
    ];
    let mut strategies: Vec<StrategyResult> = runs
        .iter()
        .map(|&(name, active, gate)| {
            learn(name, active, gate, config, &vectors, &truth, None, progress)
        })
        .collect();
    strategies.push(StrategyResult {
        name: "LLM on everyone".into(),
        calls_to_90: Some(config.people),
        precision_at_50: 1.0,
        calls: config.people,
        auto_decisions: 0,
        auto_wrong: 0,
        gate_opened_at: None,
        checkpoints: Vec::new(),
    });
    let drift = config.drift_at.map(|from| {
        let drifted: Vec<bool> = people.iter().map(drifted_customer).collect();
        let mut log = DriftLog::default();
        let run = learn(
            "drifted audience",
            true,
            true,
            config,
            &vectors,
            &truth,
            Some((from, &drifted, &mut log)),
            progress,
        );
        Drift {
            at: log.at,
            newly_qualified: truth.iter().zip(&drifted).filter(|(a, b)| a != b).count(),
            decided_before: log.before.0,
            wrong_before: log.before.1,
            closed_after: log.closed_after,
            decided_until_closed: log.until_closed.0,
            wrong_until_closed: log.until_closed.1,
            decided_after_close: log.after_close.0,
            wrong_after_close: log.after_close.1,
            run,
        }
    });
    let outcome_ranking = outcome_ranking(config, &people, &texts, &vectors, progress);
    Ok(EvalReport {
        people: config.people,
        positives,
        strategies,
        outcome_ranking,
        drift,
    })
}

/// The first [`OUTCOME_INVITATIONS`] invitations with and without outcome ranking (see
/// [`OutcomeRanking`]).
fn outcome_ranking(
    config: &EvalConfig,
    people: &[Person],
    texts: &[String],
    vectors: &[Vec<f32>],
    progress: &mut dyn FnMut(&str),
) -> OutcomeRanking {
    let titles: Vec<&str> = people
        .iter()
        .map(|p| p.positions.first().map_or("", |x| x.title.as_str()))
        .collect();
    let rule = crate::demo::qualify_rule();
    let qualified: Vec<bool> = texts.iter().map(|t| rule.decide(t).qualified).collect();
    let accepts: Vec<bool> = people.iter().map(|p| p.accept_after_ms.is_some()).collect();
    // The campaign's model of who qualifies, as the daemon's is when it ranks: it has learned
    // every qualified person's label (each came through the LLM) and some rejections.
    let pool: Vec<(u64, Vec<f32>)> = (0..people.len())
        .filter(|&i| qualified[i])
        .map(|i| (i as u64, vectors[i].clone()))
        .collect();
    let rejected = (0..people.len()).filter(|&i| !qualified[i]).count();
    // Campaign `c`'s P(qualified) of each person of the pool.
    let p_qualified_of = |c: u64| -> std::collections::HashMap<u64, f64> {
        let mut rng = Rng(config.seed ^ 0x0C0FFEE ^ c.wrapping_mul(0x9E37_79B9));
        let mut ranker = Qualifier::new(QualifierConfig::default());
        let mut sample: Vec<(Vec<f32>, bool)> =
            pool.iter().map(|(_, v)| (v.clone(), true)).collect();
        let mut seen = std::collections::HashSet::new();
        while seen.len() < RANKER_LABELS.min(rejected) {
            let i = rng.below(people.len());
            if !qualified[i] && seen.insert(i) {
                sample.push((vectors[i].clone(), false));
            }
        }
        let _ = ranker.warm_start(&sample);
        ranker.rank(&pool).unwrap_or_default().into_iter().collect()
    };
    let invitations = OUTCOME_INVITATIONS.min(pool.len());
    // The ceiling: what knowing the simulator's own acceptance rate of each person would give.
    let known_rate = |i: usize| {
        people[i]
            .positions
            .first()
            .and_then(|p| outlane_simulator::generate::seniority(&p.title))
            .map_or(0.5, |l| {
                outlane_simulator::generate::acceptance_percent(l) as f64 / 100.0
            })
    };
    let run = |ranking: Ranking,
               p_qualified: &std::collections::HashMap<u64, f64>,
               progress: &mut dyn FnMut(&str)|
     -> usize {
        let with_outcomes = ranking != Ranking::Qualified;
        let mut invited: Vec<usize> = Vec::new();
        let mut remaining = pool.clone();
        while invited.len() < invitations && !remaining.is_empty() {
            let accepted = invited.iter().filter(|&&i| accepts[i]).count();
            let estimate = (with_outcomes && super::enough_outcomes(invited.len(), accepted))
                .then(|| AcceptanceEstimate::new(invited.iter().map(|&i| (titles[i], accepts[i]))));
            let mut scored: Vec<(u64, f64)> = remaining
                .iter()
                .map(|(id, _)| {
                    let q = p_qualified.get(id).copied().unwrap_or(0.5);
                    let a = match (&estimate, ranking) {
                        (Some(_), Ranking::Ceiling) => known_rate(*id as usize),
                        (Some(e), _) => e.probability(titles[*id as usize]),
                        (None, _) => 1.0,
                    };
                    (*id, q * a)
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let batch: Vec<u64> = scored
                .iter()
                .take(OUTCOME_BATCH.min(invitations - invited.len()))
                .map(|(id, _)| *id)
                .collect();
            remaining.retain(|(id, _)| !batch.contains(id));
            invited.extend(batch.iter().map(|&id| id as usize));
        }
        let accepted = invited.iter().filter(|&&i| accepts[i]).count();
        progress(&format!(
            "outcome ranking, {ranking:?}: {accepted} of the first {} invitations accepted",
            invited.len()
        ));
        accepted
    };
    let (mut accepted_without, mut accepted_with, mut accepted_at_best) = (0, 0, 0);
    for c in 0..OUTCOME_CAMPAIGNS {
        let p_qualified = p_qualified_of(c as u64);
        accepted_without += run(Ranking::Qualified, &p_qualified, progress);
        accepted_with += run(Ranking::Learned, &p_qualified, progress);
        accepted_at_best += run(Ranking::Ceiling, &p_qualified, progress);
    }
    let in_pool = pool.iter().filter(|(id, _)| accepts[*id as usize]).count();
    OutcomeRanking {
        qualified: pool.len(),
        qualified_acceptance: in_pool as f64 / pool.len().max(1) as f64,
        campaigns: OUTCOME_CAMPAIGNS,
        invitations,
        accepted_without,
        accepted_with,
        accepted_at_best,
    }
}

/// How the outcome-ranking evaluation orders the qualified people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ranking {
    /// P(qualified) alone (today's ranking).
    Qualified,
    /// P(qualified) × the learned P(accept), once there are enough answers.
    Learned,
    /// P(qualified) × the simulator's own acceptance rate of the person, from the same
    /// moment: what a perfect model of who accepts would give.
    Ceiling,
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
        "{:<18} {:>22} {:>15} {:>12} {:>16} {:>15}\n",
        "strategy",
        "calls to 90 % @ R 0.5",
        "precision@50",
        "calls spent",
        "auto (wrong)",
        "gate opened at"
    ));
    for s in &report.strategies {
        out.push_str(&format!(
            "{:<18} {:>22} {:>15.2} {:>12} {:>16} {:>15}\n",
            s.name,
            s.calls_to_90
                .map_or("not reached".to_string(), |c| c.to_string()),
            s.precision_at_50,
            s.calls,
            format!("{} ({})", s.auto_decisions, s.auto_wrong),
            s.gate_opened_at.map_or("-".to_string(), |c| c.to_string())
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
    let o = &report.outcome_ranking;
    out.push_str(&format!(
        "\noutcome ranking: {} qualified people, {:.0} % of them would accept; of the first {} invitations of {} campaigns {} accepted without it, {} with it ({:.2}×; target ≥ 1.2×), {} at best ({:.2}×)\n",
        o.qualified,
        o.qualified_acceptance * 100.0,
        o.invitations,
        o.campaigns,
        o.accepted_without,
        o.accepted_with,
        o.ratio(),
        o.accepted_at_best,
        o.accepted_at_best as f64 / o.accepted_without.max(1) as f64
    ));
    if let Some(d) = &report.drift {
        out.push_str(&match (d.at, d.closed_after) {
            (None, _) => "\ndrifted audience: the gate never opened, so the rule never drifted\n".into(),
            (Some(at), closed) => format!(
                "\ndrifted audience: after {at} oracle calls {} more people qualify; before, the gate decided {} ({} wrong); {}; after that {} decisions ({} wrong)\n",
                d.newly_qualified,
                d.decided_before,
                d.wrong_before,
                match closed {
                    Some(n) => format!(
                        "it closed {n} oracle calls later, after {} decisions ({} wrong under the new rule)",
                        d.decided_until_closed, d.wrong_until_closed
                    ),
                    None => format!(
                        "it never closed: {} decisions ({} wrong under the new rule)",
                        d.decided_until_closed, d.wrong_until_closed
                    ),
                },
                d.decided_after_close,
                d.wrong_after_close
            ),
        });
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
