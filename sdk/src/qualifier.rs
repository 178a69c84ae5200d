//! The campaign's active-learning qualifier (needs the `qualifier` grant).

pub use crate::__wit::outlane::lanes::qualifier::{
    Choice, LabelSource, Prediction, Scored, Strategy, choose, embed, label, predict, rank,
};

impl Strategy {
    /// The strategy's name: "explore", "exploit", "only-candidate", "cold-start", "gate" or
    /// "audit".
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Explore => "explore",
            Strategy::Exploit => "exploit",
            Strategy::OnlyCandidate => "only-candidate",
            Strategy::ColdStart => "cold-start",
            Strategy::Gate => "gate",
            Strategy::Audit => "audit",
        }
    }
}

impl core::fmt::Display for Strategy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
