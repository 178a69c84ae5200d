//! The pipeline of a lead in one campaign, with every allowed transition in one table.
//!
//! ```text
//! discovered → enriched → qualified → pending → connected → completed
//!      ↘           ↘          ↘  ↖______↙  ↘          ↘
//!   disqualified / failed / ignored  (terminal; completed is terminal too)
//!
//! discovered, enriched, qualified, pending, connected, completed → replied (terminal)
//! ```
//!
//! `replied` is set by the host alone, when a message from the person is stored: nothing is
//! sent to them afterwards, whatever stage the campaign had them at (a person who wrote first
//! is `replied` before they were ever invited).
//!
//! `pending → qualified` puts a lead back into the connect queue when its invitation vanished
//! (withdrawn by LinkedIn or by the member); `qualified → connected` is a lead found already
//! connected when the connect lane visits. Moving a lead to the stage it is already at is not
//! a transition: it changes nothing and is not an error.

use std::fmt;
use std::str::FromStr;

/// Where a lead stands in one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Its URL is known, nothing else.
    Discovered,
    /// Its profile has been fetched and stored.
    Enriched,
    /// Judged a fit for the campaign; waiting for an invitation.
    Qualified,
    /// Judged not a fit (terminal).
    Disqualified,
    /// Invited; waiting for the member to accept.
    Pending,
    /// Connected; waiting for the follow-up message.
    Connected,
    /// Every step of the campaign's sequence was sent and the person did not reply.
    Completed,
    /// The person wrote to the account: automation stops (terminal, set by the host).
    Replied,
    /// Could not be worked (profile gone, invitation impossible...) (terminal).
    Failed,
    /// Deliberately left alone (own profile, existing connection...) (terminal).
    Ignored,
}

/// Every stage, in pipeline order.
pub const ALL_STAGES: [Stage; 10] = [
    Stage::Discovered,
    Stage::Enriched,
    Stage::Qualified,
    Stage::Pending,
    Stage::Connected,
    Stage::Completed,
    Stage::Replied,
    Stage::Disqualified,
    Stage::Failed,
    Stage::Ignored,
];

impl Stage {
    /// The stages a lead at `self` may move to. The one place transitions are defined.
    pub fn next_stages(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Discovered => &[Enriched, Disqualified, Failed, Ignored, Replied],
            Enriched => &[Qualified, Disqualified, Failed, Ignored, Replied],
            Qualified => &[Pending, Connected, Disqualified, Failed, Ignored, Replied],
            Pending => &[Connected, Qualified, Failed, Ignored, Replied],
            Connected => &[Completed, Failed, Ignored, Replied],
            Completed => &[Replied],
            Replied | Disqualified | Failed | Ignored => &[],
        }
    }

    /// Whether a lead at `self` may move to `to`.
    pub fn can_move_to(self, to: Stage) -> bool {
        self.next_stages().contains(&to)
    }

    /// Whether a reply from the person moves a lead at this stage to `replied`.
    pub fn stops_on_reply(self) -> bool {
        self.can_move_to(Stage::Replied)
    }

    /// Whether no transition leaves this stage.
    pub fn is_terminal(self) -> bool {
        self.next_stages().is_empty()
    }

    /// Which of two records of one person to keep when they are merged: the higher rank.
    /// Stages where something was sent (pending, connected, completed) outrank everything, so
    /// a sent invitation is never orphaned by a stale `disqualified` or `failed` record.
    pub fn merge_rank(self) -> u8 {
        use Stage::*;
        match self {
            Discovered => 0,
            Enriched => 1,
            Ignored | Failed | Disqualified => 2,
            Qualified => 3,
            Pending => 4,
            Connected => 5,
            Completed => 6,
            Replied => 7,
        }
    }

    /// The stage's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        use Stage::*;
        match self {
            Discovered => "discovered",
            Enriched => "enriched",
            Qualified => "qualified",
            Disqualified => "disqualified",
            Pending => "pending",
            Connected => "connected",
            Completed => "completed",
            Replied => "replied",
            Failed => "failed",
            Ignored => "ignored",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage name that is not one of [`ALL_STAGES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown stage `{0}` (expected one of: discovered, enriched, qualified, pending, connected, completed, replied, disqualified, failed, ignored)"
)]
pub struct UnknownStage(pub String);

impl FromStr for Stage {
    type Err = UnknownStage;
    fn from_str(s: &str) -> Result<Stage, UnknownStage> {
        let wanted = s.trim().to_ascii_lowercase();
        ALL_STAGES
            .into_iter()
            .find(|stage| stage.as_str() == wanted)
            .ok_or_else(|| UnknownStage(s.to_string()))
    }
}

impl rusqlite::types::FromSql for Stage {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse()
            .map_err(|e: UnknownStage| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

impl rusqlite::ToSql for Stage {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    /// The whole table, written out independently of `next_stages`: every (from, to) pair
    /// not listed here must be refused.
    const LEGAL: &[(Stage, Stage)] = &[
        (Discovered, Enriched),
        (Discovered, Disqualified),
        (Discovered, Failed),
        (Discovered, Ignored),
        (Enriched, Qualified),
        (Enriched, Disqualified),
        (Enriched, Failed),
        (Enriched, Ignored),
        (Qualified, Pending),
        (Qualified, Connected),
        (Qualified, Disqualified),
        (Qualified, Failed),
        (Qualified, Ignored),
        (Pending, Connected),
        (Pending, Qualified),
        (Pending, Failed),
        (Pending, Ignored),
        (Connected, Completed),
        (Connected, Failed),
        (Connected, Ignored),
        (Discovered, Replied),
        (Enriched, Replied),
        (Qualified, Replied),
        (Pending, Replied),
        (Connected, Replied),
        (Completed, Replied),
    ];

    #[test]
    fn every_pair_is_legal_exactly_when_listed() {
        let mut legal = 0;
        for from in ALL_STAGES {
            for to in ALL_STAGES {
                let listed = LEGAL.contains(&(from, to));
                assert_eq!(from.can_move_to(to), listed, "{from} -> {to}");
                legal += usize::from(listed);
            }
        }
        assert_eq!(legal, LEGAL.len());
        assert_eq!(ALL_STAGES.len() * ALL_STAGES.len() - legal, 74);
    }

    #[test]
    fn terminal_stages() {
        let terminal: Vec<Stage> = ALL_STAGES.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, vec![Replied, Disqualified, Failed, Ignored]);
    }

    #[test]
    fn names_round_trip() {
        for stage in ALL_STAGES {
            assert_eq!(stage.as_str().parse::<Stage>(), Ok(stage));
        }
        assert_eq!(" Pending ".parse::<Stage>(), Ok(Pending));
        assert!("new".parse::<Stage>().is_err());
    }
}
