//! The reference's fit, done exactly as the reference does it (full search, no incremental
//! shortcut), and the parity report the CLI prints.

use crate::model::{self, Model};
use crate::mt::LegacyRng;
use crate::{CandidateFit, GpError, to_f64};
use serde_json::{Value, json};

/// The seed the reference uses for its optimiser restarts and its BALD generator.
pub const REFERENCE_SEED: u32 = 42;

/// A model fitted as the reference's `BayesianQualifier._ensure_fitted` fits it.
#[derive(Clone, Debug)]
pub struct ReferenceFit {
    /// PCA size chosen by log marginal likelihood.
    pub chosen_n_pca: usize,
    /// Log marginal likelihood of the chosen model.
    pub lml: f64,
    /// The chosen model's c.
    pub constant_value: f64,
    /// The chosen model's ℓ.
    pub length_scale: f64,
    /// Every PCA size tried, ascending, with its optimum.
    pub candidates: Vec<CandidateFit>,
    /// Fraction of the variance the chosen components explain.
    pub explained_variance_ratio: f64,
    model: Model,
}

/// Fits (x, y) as the reference does: every candidate PCA size, four optimiser runs each
/// (restart points from seed 42), the size with the largest LML kept. Errors when fewer than
/// two points or a single class are given (the reference stays unfitted), when rows differ in
/// length or hold non-finite values, or when `y` and `x` differ in length.
pub fn reference_fit(x: &[Vec<f64>], y: &[bool]) -> Result<ReferenceFit, GpError> {
    if x.len() != y.len() {
        return Err(GpError::Input(format!(
            "{} embeddings but {} labels",
            x.len(),
            y.len()
        )));
    }
    let pos = y.iter().filter(|v| **v).count();
    if x.len() < 2 || pos == 0 || pos == y.len() {
        return Err(GpError::NotFittable(format!(
            "{} labels ({} positive); need at least two and both classes",
            y.len(),
            pos
        )));
    }
    let dim = x.first().map(Vec::len);
    let rows = x
        .iter()
        .map(|r| to_f64(r, dim))
        .collect::<Result<Vec<_>, _>>()?;
    let targets: Vec<f64> = y.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect();
    let search = model::search(&rows, &targets, REFERENCE_SEED)?;
    let hyper = search.model.hyper();
    Ok(ReferenceFit {
        chosen_n_pca: search.model.projection.n_components(),
        lml: search.model.search_lml,
        constant_value: hyper.c,
        length_scale: hyper.l,
        candidates: search.candidates,
        explained_variance_ratio: search.model.projection.explained_variance_ratio(),
        model: search.model,
    })
}

impl ReferenceFit {
    fn rows(&self, t: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, GpError> {
        let dim = Some(self.model.projection.input_dim());
        t.iter().map(|r| to_f64(r, dim)).collect()
    }

    /// GP posterior mean and latent std per row of `t`.
    pub fn mean_std(&self, t: &[Vec<f64>]) -> Result<Vec<(f64, f64)>, GpError> {
        Ok(self
            .rows(t)?
            .iter()
            .map(|r| self.model.mean_std(r))
            .collect())
    }

    /// `[p, entropy, std]` per row of `t` (the reference's `predict`).
    pub fn predict(&self, t: &[Vec<f64>]) -> Result<Vec<[f64; 3]>, GpError> {
        Ok(self
            .rows(t)?
            .iter()
            .map(|r| {
                let p = self.model.predict(r);
                [p.probability, p.entropy, p.std]
            })
            .collect())
    }

    /// `clip(mean, 0, 1)` per row of `t` (the reference's `predicted_probs`).
    pub fn predicted_probs(&self, t: &[Vec<f64>]) -> Result<Vec<f64>, GpError> {
        Ok(self.predict(t)?.iter().map(|r| r[0]).collect())
    }

    /// Indices of `t` by probability, descending; equal probabilities keep input order.
    pub fn rank_order(&self, t: &[Vec<f64>]) -> Result<Vec<usize>, GpError> {
        let probs = self.predicted_probs(t)?;
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        Ok(order)
    }

    /// BALD scores of the rows of `t` with `samples` Monte-Carlo draws from a fresh legacy
    /// MT19937 seeded with `seed`. With seed 42 and 100 samples this is the reference's first
    /// `bald_scores` call.
    pub fn bald(&self, t: &[Vec<f64>], samples: usize, seed: u32) -> Result<Vec<f64>, GpError> {
        let ms = self.mean_std(t)?;
        Ok(model::bald(&ms, samples, &mut LegacyRng::new(seed)))
    }
}

fn matrix(value: Option<&Value>, key: &str) -> Result<Vec<Vec<f64>>, GpError> {
    let rows = value
        .and_then(Value::as_array)
        .ok_or_else(|| GpError::Input(format!("`{key}` must be an array of arrays of numbers")))?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            row.as_array()
                .ok_or_else(|| GpError::Input(format!("`{key}[{i}]` is not an array")))?
                .iter()
                .map(|v| {
                    v.as_f64()
                        .ok_or_else(|| GpError::Input(format!("`{key}[{i}]` holds a non-number")))
                })
                .collect()
        })
        .collect()
}

/// Reads `X` (training embeddings), `y` (labels as 0/1 or booleans) and `T` (test embeddings,
/// optional) from JSON in the format of the golden files and returns, under the golden files'
/// key names: `chosen_n_pca`, `lml`, `constant_value`, `length_scale`, `predict`
/// (`[p, entropy, std]` per row of T), `predicted_probs`, `rank_order`, plus `name` when the
/// input has one.
pub fn parity_report(json_text: &str) -> Result<Value, GpError> {
    let doc: Value =
        serde_json::from_str(json_text).map_err(|e| GpError::Input(format!("not JSON: {e}")))?;
    let x = matrix(doc.get("X"), "X")?;
    let t = match doc.get("T") {
        Some(v) => matrix(Some(v), "T")?,
        None => Vec::new(),
    };
    let y = doc
        .get("y")
        .and_then(Value::as_array)
        .ok_or_else(|| GpError::Input("`y` must be an array of labels".into()))?
        .iter()
        .map(|v| match v {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) if n.as_f64() == Some(1.0) => Ok(true),
            Value::Number(n) if n.as_f64() == Some(0.0) => Ok(false),
            other => Err(GpError::Input(format!(
                "label {other} is not 0, 1, true or false"
            ))),
        })
        .collect::<Result<Vec<bool>, _>>()?;
    let fit = reference_fit(&x, &y)?;
    let mut out = json!({
        "chosen_n_pca": fit.chosen_n_pca,
        "lml": fit.lml,
        "constant_value": fit.constant_value,
        "length_scale": fit.length_scale,
        "predict": fit.predict(&t)?,
        "predicted_probs": fit.predicted_probs(&t)?,
        "rank_order": fit.rank_order(&t)?,
    });
    if let (Some(name), Some(obj)) = (doc.get("name"), out.as_object_mut()) {
        obj.insert("name".into(), name.clone());
    }
    Ok(out)
}
