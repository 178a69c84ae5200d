//! The validated auto-decision gate: the model decides a lead on its own only where its own
//! past predictions at that confidence agreed with the labels that followed them.
//!
//! Every label from the LLM or a person is first predicted by the model, then learned: the
//! prediction was made without that label, so the pair is a free held-out check ([`Check`]).
//! Checks are kept per predicted class (reject, accept), the last [`GateConfig::window`] of
//! each, so an audience that drifts away from the model pushes its old evidence out, and only
//! those made by a model with at least half the labels of the newest ([`Check::labels`]): the
//! model that decides is not the one that had seen a tenth of its labels, and its early
//! mistakes would keep the gate shut long after it stopped making them.
//!
//! A lead's confidence is the posterior probability of the class the model predicts for it:
//! with q = Φ((mean − 0.5) / std) the probability that its latent score is at least 0.5
//! ([`Prediction::posterior`]), `max(q, 1 − q)`. Not the clipped mean: far from every
//! labelled lead the GP mean is its prior, 0, a "certain" rejection that is only ignorance
//! (measured: most confident mistakes were of that kind). For each confidence floor of [`FLOORS`], the checks of that class at or
//! above the floor give an agreement rate; its one-sided 95 % Wilson lower bound (not the rate
//! itself) must reach [`GateConfig::min_agreement`]. The gate opens a class from the lowest
//! floor that passes, and only where that floor's checks are (from the lowest confidence among
//! them): leads predicted into that class at least that confidently are decided by the model. With no check there is no bound, so a cold model, a model that has seen one
//! class, or one with few checks never decides: 100 agreeing checks give a bound of 0.974, 88 of
//! 0.970.
//!
//! Rejections are decided first and by default only: auto-accept is off
//! ([`GateConfig::auto_accept`]) and, when on, passes the same rule. A person's label counts
//! twice in the agreement ([`Check::weight`]).
//!
//! The audit sample keeps the bands honest: a deterministic share
//! ([`GateConfig::audit_rate`], 5 %) of the leads the gate would decide still go to the LLM
//! ([`Gate::audits`]). Their checks are the only ones at high confidence that active learning
//! (which asks about uncertain leads) does not bias, and a drop in their agreement closes the
//! floor they were in.
//!
//! A drift must close the gate quickly, and the long window cannot: 300 agreeing checks
//! outvote a new kind of mistake for a long time (three wrong in 300 still bound at 0.975).
//! So a floor also answers to its last [`GateConfig::recent`] checks, the *audit window*:
//! when even the one-sided 95 % Wilson *upper* bound of their agreement is below
//! `min_agreement` (with 20 checks: two that disagreed), the recent labels show the model is
//! now worse than the gate's promise and the floor closes, whatever the older evidence says.
//! It opens again once the disagreements have left the audit window and the long window's
//! bound passes again.

use crate::Prediction;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Default lower bound of agreement a floor needs.
pub const DEFAULT_MIN_AGREEMENT: f64 = 0.97;
/// Default share of gate-decidable leads that still go to the LLM.
pub const DEFAULT_AUDIT_RATE: f64 = 0.05;
/// Default checks kept per predicted class.
pub const DEFAULT_WINDOW: usize = 300;
/// Default size of the audit window: the last checks of a floor that can close it on their
/// own.
pub const DEFAULT_RECENT: usize = 20;
/// z of the one-sided 95 % bound.
pub const BOUND_Z: f64 = 1.645;
/// Confidence floors the gate can open at, ascending.
pub const FLOORS: [f64; 8] = [0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.995];

/// Settings of the gate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GateConfig {
    /// Whether the gate may decide at all (off: the LLM labels every lead).
    pub enabled: bool,
    /// Lower bound of held-out agreement a floor needs (0.97).
    pub min_agreement: f64,
    /// Whether the model may accept a lead on its own (off by default).
    pub auto_accept: bool,
    /// Share of the leads the gate would decide that are asked of the LLM anyway (0.05).
    pub audit_rate: f64,
    /// Checks kept per predicted class (the last ones).
    pub window: usize,
    /// The audit window: a floor closes when its last `recent` checks agree significantly
    /// less than `min_agreement` (0: no such rule).
    pub recent: usize,
    /// Seed of the audit sample.
    pub seed: u64,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            enabled: true,
            min_agreement: DEFAULT_MIN_AGREEMENT,
            auto_accept: false,
            audit_rate: DEFAULT_AUDIT_RATE,
            window: DEFAULT_WINDOW,
            recent: DEFAULT_RECENT,
            seed: 0x0A0D_17,
        }
    }
}

/// One held-out check: what the model predicted for a lead before it learned the lead's label.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The model's posterior probability that the lead qualifies
    /// ([`Prediction::posterior`]), before the label.
    pub probability: f64,
    /// The label that followed (true = qualified).
    pub truth: bool,
    /// 1 for the LLM, 2 for a person.
    pub weight: u32,
    /// Labels the model had learned when it made the prediction.
    #[serde(default)]
    pub labels: u32,
}

impl Check {
    /// The class the model predicted.
    pub fn predicted(&self) -> bool {
        self.probability >= 0.5
    }

    /// The probability of the predicted class.
    pub fn confidence(&self) -> f64 {
        confidence(self.probability)
    }

    /// Whether the label agreed with the prediction.
    pub fn agreed(&self) -> bool {
        self.predicted() == self.truth
    }
}

/// The probability of the class `probability` predicts.
pub fn confidence(probability: f64) -> f64 {
    probability.max(1.0 - probability)
}

/// One confidence floor of one class, with its evidence.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// The class (true = accept).
    pub accept: bool,
    /// Checks with at least this confidence fall in the band.
    pub floor: f64,
    /// The lowest confidence among those checks (the floor when there is none): an open band
    /// decides only from here up, where it has evidence.
    pub from: f64,
    /// Weighted checks at or above the floor.
    pub checks: u32,
    /// Weighted checks that agreed.
    pub agreed: u32,
    /// One-sided 95 % Wilson lower bound of the agreement (0 without checks).
    pub bound: f64,
    /// Weighted checks among the floor's last [`GateConfig::recent`] (the audit window).
    #[serde(default)]
    pub recent_checks: u32,
    /// Of those, weighted checks that agreed.
    #[serde(default)]
    pub recent_agreed: u32,
}

impl Band {
    /// The agreement rate (0 without checks).
    pub fn agreement(&self) -> f64 {
        if self.checks == 0 {
            0.0
        } else {
            f64::from(self.agreed) / f64::from(self.checks)
        }
    }

    /// One-sided 95 % Wilson upper bound of the audit window's agreement (1 without checks).
    pub fn recent_upper(&self) -> f64 {
        wilson_upper(
            f64::from(self.recent_agreed),
            f64::from(self.recent_checks),
            BOUND_Z,
        )
    }

    /// Whether the band may decide with `min_agreement`: its long window's lower bound
    /// reaches it, and its audit window does not show it is missed.
    pub fn passes(&self, min_agreement: f64) -> bool {
        self.bound >= min_agreement && self.recent_upper() >= min_agreement
    }
}

/// What the gate says about one prediction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The decision (true = qualified).
    pub qualified: bool,
    /// The lead's confidence.
    pub confidence: f64,
    /// The open band it falls in.
    pub band: Band,
}

impl Verdict {
    /// The verdict in words, with the numbers.
    pub fn explain(&self) -> String {
        format!(
            "{} by the model: {:.1} % sure; at {:.1} % or more its past predictions agreed with \
             {} of {} labels ({:.1} %, at least {:.1} % at 95 % confidence; the last {}: {})",
            if self.qualified {
                "Auto-accepted"
            } else {
                "Auto-rejected"
            },
            self.confidence * 100.0,
            self.band.from * 100.0,
            self.band.agreed,
            self.band.checks,
            self.band.agreement() * 100.0,
            self.band.bound * 100.0,
            self.band.recent_checks,
            self.band.recent_agreed
        )
    }
}

/// One-sided lower bound of a binomial proportion (Wilson score interval) with `z`.
pub fn wilson_lower(agreed: f64, n: f64, z: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    let p = (agreed / n).clamp(0.0, 1.0);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z2 / n)).max(0.0)
}

/// One-sided upper bound of a binomial proportion (Wilson score interval) with `z`; 1 without
/// trials.
pub fn wilson_upper(agreed: f64, n: f64, z: f64) -> f64 {
    if n <= 0.0 {
        return 1.0;
    }
    1.0 - wilson_lower(n - agreed, n, z)
}

/// One campaign's gate: its checks and settings.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    config: GateConfig,
    /// Checks per predicted class: `[reject, accept]`, oldest first.
    checks: [VecDeque<Check>; 2],
}

impl Gate {
    /// A gate without evidence.
    pub fn new(config: GateConfig) -> Gate {
        Gate {
            config,
            checks: Default::default(),
        }
    }

    /// Its settings.
    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// Records a held-out check (non-finite probabilities are ignored).
    pub fn record(&mut self, check: Check) {
        if !check.probability.is_finite() {
            return;
        }
        let class = &mut self.checks[usize::from(check.predicted())];
        class.push_back(check);
        while class.len() > self.config.window.max(1) {
            class.pop_front();
        }
        // A much younger model is not the one that will decide: its checks say little about
        // today's. Keep only those made with at least half the labels of the newest.
        for class in &mut self.checks {
            while class
                .front()
                .is_some_and(|c| u64::from(c.labels) * 2 < u64::from(check.labels))
            {
                class.pop_front();
            }
        }
    }

    /// The checks kept, rejections first, oldest first.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.checks[0].iter().chain(self.checks[1].iter())
    }

    /// The evidence of every floor of a class.
    pub fn bands(&self, accept: bool) -> Vec<Band> {
        let class = &self.checks[usize::from(accept)];
        FLOORS
            .iter()
            .map(|&floor| {
                let (mut checks, mut agreed, mut from) = (0u32, 0u32, f64::INFINITY);
                let (mut recent_checks, mut recent_agreed) = (0u32, 0u32);
                // Newest first, so the first `recent` are the audit window.
                for (k, c) in class
                    .iter()
                    .rev()
                    .filter(|c| c.confidence() >= floor)
                    .enumerate()
                {
                    from = from.min(c.confidence());
                    checks += c.weight;
                    let recent = k < self.config.recent;
                    if recent {
                        recent_checks += c.weight;
                    }
                    if c.agreed() {
                        agreed += c.weight;
                        if recent {
                            recent_agreed += c.weight;
                        }
                    }
                }
                Band {
                    accept,
                    floor,
                    from: if from.is_finite() { from } else { floor },
                    checks,
                    agreed,
                    bound: wilson_lower(f64::from(agreed), f64::from(checks), BOUND_Z),
                    recent_checks,
                    recent_agreed,
                }
            })
            .collect()
    }

    /// The lowest floor a class is open from, if any (accept only when auto-accept is on).
    pub fn open_band(&self, accept: bool) -> Option<Band> {
        if !self.config.enabled || (accept && !self.config.auto_accept) {
            return None;
        }
        self.bands(accept)
            .into_iter()
            .find(|b| b.passes(self.config.min_agreement))
    }

    /// The gate's decision for a prediction: `Some` only inside an open band.
    pub fn decide(&self, prediction: &Prediction) -> Option<Verdict> {
        let p = prediction.posterior();
        if !p.is_finite() {
            return None;
        }
        let accept = p >= 0.5;
        let band = self.open_band(accept)?;
        let confidence = confidence(p);
        (confidence >= band.from).then_some(Verdict {
            qualified: accept,
            confidence,
            band,
        })
    }

    /// Whether a lead the gate would decide goes to the LLM anyway (the audit sample): a
    /// deterministic draw from the lead's id, so a restart audits the same leads.
    pub fn audits(&self, lead: u64) -> bool {
        let mut z = (lead ^ self.config.seed).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z as f64 / u64::MAX as f64) < self.config.audit_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prediction whose posterior probability of qualifying is `q` (std 1, mean found by
    /// bisection).
    fn prediction(q: f64) -> Prediction {
        let (mut lo, mut hi) = (-20.0, 20.0);
        for _ in 0..200 {
            let mid = (lo + hi) / 2.0;
            if crate::normal_cdf(mid - 0.5) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Prediction::from_mean_std((lo + hi) / 2.0, 1.0)
    }

    fn check(probability: f64, truth: bool) -> Check {
        Check {
            probability,
            truth,
            weight: 1,
            labels: 0,
        }
    }

    #[test]
    fn wilson_bounds() {
        assert_eq!(wilson_lower(0.0, 0.0, BOUND_Z), 0.0);
        assert!((wilson_lower(100.0, 100.0, BOUND_Z) - 0.9737).abs() < 1e-3);
        assert!(wilson_lower(88.0, 88.0, BOUND_Z) >= 0.97);
        assert!(wilson_lower(85.0, 85.0, BOUND_Z) < 0.97);
        // 97 of 100 is a rate of 97 % but a bound well below it.
        assert!(wilson_lower(97.0, 100.0, BOUND_Z) < 0.94);
    }

    #[test]
    fn no_evidence_no_decision() {
        let gate = Gate::new(GateConfig::default());
        assert_eq!(gate.decide(&prediction(0.0)), None);
        assert_eq!(gate.decide(&prediction(1.0)), None);
        let mut gate = Gate::new(GateConfig::default());
        for _ in 0..50 {
            gate.record(check(0.01, false));
        }
        assert_eq!(gate.decide(&prediction(0.0)), None, "50 checks are too few");
    }

    #[test]
    fn agreeing_checks_open_the_rejection_band_from_their_confidence() {
        let mut gate = Gate::new(GateConfig::default());
        for _ in 0..100 {
            gate.record(check(0.03, false));
        }
        // Uncertain checks that often disagree do not close the confident band.
        for i in 0..40 {
            gate.record(check(0.35, i % 2 == 0));
        }
        let band = gate.open_band(false).expect("open");
        assert_eq!((band.floor, band.from), (0.7, 0.97));
        let v = gate.decide(&prediction(0.02)).expect("decides");
        assert!(!v.qualified);
        assert!(v.explain().contains("100 of 100"), "{}", v.explain());
        assert_eq!(gate.decide(&prediction(0.2)), None, "below the open floor");
        // Auto-accept is off by default, whatever the evidence.
        for _ in 0..200 {
            gate.record(check(0.99, true));
        }
        assert_eq!(gate.decide(&prediction(1.0)), None);
        let mut on = Gate::new(GateConfig {
            auto_accept: true,
            ..GateConfig::default()
        });
        for _ in 0..200 {
            on.record(check(0.99, true));
        }
        assert_eq!(on.decide(&prediction(1.0)).map(|v| v.qualified), Some(true));
    }

    #[test]
    fn a_drift_closes_the_band_within_the_audit_window() {
        let mut gate = Gate::new(GateConfig::default());
        for _ in 0..300 {
            gate.record(check(0.0, false));
        }
        assert!(gate.decide(&prediction(0.0)).is_some());
        // One disagreement in the audit window is within the promise.
        gate.record(check(0.0, true));
        assert!(
            gate.decide(&prediction(0.0)).is_some(),
            "one in 20 is no drift"
        );
        for _ in 0..DEFAULT_RECENT {
            gate.record(check(0.0, false));
        }
        // The audience drifts: confident rejections now turn out to be fits one time in ten.
        // The long window alone would still pass (a few wrong in 300); the audit window
        // closes the band at its second disagreement.
        let mut closed_after = None;
        for n in 1..=300 {
            gate.record(check(0.0, n % 10 == 0));
            if gate.decide(&prediction(0.0)).is_none() {
                closed_after = Some(n);
                break;
            }
        }
        let n = closed_after.expect("the gate closes");
        assert!(n <= DEFAULT_RECENT, "closed only after {n} drifted checks");
        let band = gate.bands(false)[0];
        assert!(
            band.bound > 0.95,
            "the long window alone would be near open: {band:?}"
        );
        assert!(band.recent_upper() < DEFAULT_MIN_AGREEMENT);
        // Agreeing checks push the disagreements out of the audit window; the band opens
        // again only when the long window's bound passes too.
        for _ in 0..DEFAULT_RECENT {
            gate.record(check(0.0, false));
        }
        assert!(
            gate.decide(&prediction(0.0)).is_some(),
            "{:?}",
            gate.bands(false)[0]
        );
    }

    #[test]
    fn wilson_upper_bounds() {
        assert_eq!(wilson_upper(0.0, 0.0, BOUND_Z), 1.0);
        assert!(wilson_upper(19.0, 20.0, BOUND_Z) >= 0.97);
        assert!(wilson_upper(18.0, 20.0, BOUND_Z) < 0.97);
        assert!(wilson_upper(20.0, 20.0, BOUND_Z) == 1.0);
    }

    #[test]
    fn a_persons_label_counts_twice() {
        let mut gate = Gate::new(GateConfig::default());
        for _ in 0..45 {
            gate.record(Check {
                probability: 0.0,
                truth: false,
                weight: 2,
                labels: 0,
            });
        }
        assert_eq!(gate.open_band(false).map(|b| b.checks), Some(90));
    }

    #[test]
    fn checks_of_a_much_younger_model_no_longer_count() {
        let mut gate = Gate::new(GateConfig::default());
        let at = |labels: u32, truth: bool| Check {
            labels,
            ..check(0.0, truth)
        };
        // The model at 10 labels got confident rejections wrong.
        for _ in 0..10 {
            gate.record(at(10, true));
        }
        // From 20 labels on it gets them right; at 20 the old ones still count (20 ≤ 2 × 10).
        for n in 20..200 {
            gate.record(at(n, false));
            if n == 20 {
                assert_eq!(gate.bands(false)[0].checks, 11);
            }
        }
        let band = gate.open_band(false).expect("the old mistakes aged out");
        assert_eq!(band.checks, 100, "every check made at 100 labels or more");
        assert!(gate.decide(&prediction(0.0)).is_some());
    }

    #[test]
    fn far_from_every_label_is_a_weak_rejection() {
        // Mean 0 (the prior) with the prior's width: the clipped mean says "certainly not",
        // the posterior only 69 %.
        let far = Prediction::from_mean_std(0.0, 1.0);
        assert_eq!(far.probability, 0.0);
        assert!((confidence(far.posterior()) - 0.6915).abs() < 1e-3);
        let near = Prediction::from_mean_std(0.1, 0.05);
        assert!(confidence(near.posterior()) > 0.999_99);
        let mut gate = Gate::new(GateConfig::default());
        for _ in 0..100 {
            gate.record(check(0.001, false));
        }
        assert!(gate.decide(&near).is_some());
        assert_eq!(gate.decide(&far), None, "not where the evidence is");
    }

    #[test]
    fn the_audit_sample_is_about_its_rate_and_stable() {
        let gate = Gate::new(GateConfig::default());
        let audited = (0..10_000u64).filter(|id| gate.audits(*id)).count();
        assert!((400..600).contains(&audited), "{audited}");
        assert_eq!(gate.audits(42), gate.audits(42));
    }
}
