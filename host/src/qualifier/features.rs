//! What the qualifier learns from: a lead's feature vector.
//!
//! The whole profile's embedding, and beside it the embedding of the current title alone.
//! An ideal-customer profile is mostly about the role someone holds now ("head of sales",
//! "founder-CEO"), and in the whole profile's mean-pooled embedding that role is one line
//! among a summary, past positions and schools. On the evaluation's people the gate never
//! opened on the profile alone and does with the title beside it (docs/architecture.md,
//! "The validated gate").
//!
//! Both halves are unit vectors weighted equally; the result is a unit vector again. A lead
//! without a known title gets a zero title half (its profile alone).
//!
//! The title's exact words (hashed, as a third part) were measured too and left out: on
//! seed 1 the gate opened where it had not (269 oracle calls) but 15 of its 634 decisions
//! were wrong, and on seed 7 17 of 570, where the embedding alone gave 1 of 594: a gate that
//! stays shut costs LLM calls, one that decides at the edge of its bound costs prospects.

/// Appended to the embedding model's name to key the stored feature vectors
/// (`embeddings.model`). Vectors stored under the bare model name (the profile alone, before
/// this version) are not read: a lead's features are computed again when it is next needed.
pub const KEY_SUFFIX: &str = "+title";

/// The key feature vectors of `model` are stored under.
pub fn key(model: &str) -> String {
    format!("{model}{KEY_SUFFIX}")
}

/// The feature vector of a lead from its profile's embedding and its current title's
/// (`None`: no title known).
pub fn combine(profile: &[f32], title: Option<&[f32]>) -> Vec<f32> {
    let mut v: Vec<f32> = Vec::with_capacity(profile.len() * 2);
    v.extend(unit(profile));
    match title {
        Some(t) if t.len() == profile.len() => v.extend(unit(t)),
        _ => v.extend(std::iter::repeat_n(0.0, profile.len())),
    }
    unit(&v).collect()
}

/// `x` scaled to length 1 (zero stays zero).
fn unit(x: &[f32]) -> impl Iterator<Item = f32> + '_ {
    let norm = x.iter().map(|t| t * t).sum::<f32>().sqrt();
    let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    x.iter().map(move |t| t * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(v: &[f32]) -> f32 {
        v.iter().map(|t| t * t).sum::<f32>().sqrt()
    }

    #[test]
    fn both_halves_weigh_the_same_and_the_result_is_a_unit_vector() {
        let v = combine(&[3.0, 4.0], Some(&[0.0, 2.0]));
        assert_eq!(v.len(), 4);
        assert!((length(&v) - 1.0).abs() < 1e-6);
        assert!((length(&v[..2]) - length(&v[2..])).abs() < 1e-6);
        assert!(
            (v[0] / v[1] - 0.75).abs() < 1e-6,
            "the profile half keeps its direction"
        );
    }

    #[test]
    fn no_title_is_a_zero_half() {
        let v = combine(&[1.0, 0.0], None);
        assert_eq!(v, vec![1.0, 0.0, 0.0, 0.0]);
        let mismatched = combine(&[1.0, 0.0], Some(&[1.0]));
        assert_eq!(mismatched, v);
        assert_eq!(key("minilm"), "minilm+title");
    }
}
