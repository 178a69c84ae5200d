//! The language model (needs the `llm` grant), through prompts addressed by name.

pub use crate::__wit::outlane::lanes::llm::{Reply, Usage, complete, render};
