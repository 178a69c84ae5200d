//! The campaign's active-learning qualifier (needs the `qualifier` grant).

pub use crate::__wit::outlane::lanes::qualifier::{
    Choice, LabelSource, Prediction, Scored, choose, embed, label, predict, rank,
};
