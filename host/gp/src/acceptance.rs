//! Who accepts an invitation: an estimate from the answers to earlier invitations, by the
//! seniority a person's title says.
//!
//! Outreach benchmarks agree that seniority drives acceptance (executives accept about half as
//! often as mid-level people). The title is parsed into a [`Seniority`] by its words (a
//! reading a person can check, in English), and the estimate for a candidate is the acceptance
//! among the account's answered invitations of the same seniority, shrunk toward the account's
//! overall acceptance by a prior worth [`PRIOR_WEIGHT`] answers:
//! `(accepted of that seniority + prior × overall) / (answers of that seniority + prior)`.
//! It needs no fit, is a rate (calibrated by construction), stays in (0, 1), and says why
//! ("executives accepted 9 of 31"). Two learners on embeddings were measured first on the
//! simulator (`outlane qualifier eval`) and ranked worse: a GP on the whole-profile vectors
//! (the answers are Bernoulli draws; the regression chased their noise) and the acceptance of
//! the ten most similar headlines (similar headlines share a function or a company more than a
//! seniority).

/// How many answers the overall acceptance weighs in each estimate.
pub const PRIOR_WEIGHT: f64 = 5.0;

/// A title's seniority, from its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seniority {
    /// Interns, juniors, assistants, associates, coordinators, representatives, analysts.
    Entry,
    /// Individual contributors whose title says nothing else (engineer, account executive).
    Professional,
    /// Senior, lead, staff, principal, manager.
    Senior,
    /// Head of, director, vice president.
    Leadership,
    /// Chief, C-level abbreviations, founders, owners, presidents, partners.
    Executive,
}

impl Seniority {
    /// The seniority `title` says: the highest level one of its words belongs to, except that
    /// an entry-level word wins over "manager" (an associate product manager is junior) and
    /// "senior" over an entry-level word (a senior analyst is not).
    pub fn of(title: &str) -> Seniority {
        let lower = title.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
        const EXECUTIVE: &[&str] = &[
            "chief",
            "ceo",
            "cto",
            "cfo",
            "coo",
            "cmo",
            "cro",
            "cpo",
            "ciso",
            "founder",
            "cofounder",
            "owner",
            "president",
            "partner",
        ];
        const LEADERSHIP: &[&str] = &["head", "director", "vp", "svp", "evp", "vice"];
        const ENTRY: &[&str] = &[
            "intern",
            "junior",
            "jr",
            "assistant",
            "associate",
            "coordinator",
            "representative",
            "analyst",
            "trainee",
            "apprentice",
        ];
        const SENIOR: &[&str] = &["senior", "sr", "lead", "staff", "principal"];
        // A vice president is leadership, not the president; an HR business partner is no
        // partner of the firm.
        let not_the_top = lower.contains("vice president") || lower.contains("business partner");
        if has(EXECUTIVE) && !not_the_top {
            Seniority::Executive
        } else if has(LEADERSHIP) {
            Seniority::Leadership
        } else if has(SENIOR) {
            Seniority::Senior
        } else if has(ENTRY) {
            Seniority::Entry
        } else if has(&["manager"]) {
            Seniority::Senior
        } else {
            Seniority::Professional
        }
    }

    /// Its name in a reason text.
    pub fn as_str(self) -> &'static str {
        match self {
            Seniority::Entry => "entry-level",
            Seniority::Professional => "professional",
            Seniority::Senior => "senior",
            Seniority::Leadership => "leadership",
            Seniority::Executive => "executive",
        }
    }
}

/// The answered invitations of one account, by the seniority of the invited person.
#[derive(Debug, Clone, Default)]
pub struct AcceptanceEstimate {
    /// (answers, accepted) per seniority.
    by_seniority: std::collections::BTreeMap<Seniority, (u32, u32)>,
    answers: u32,
    accepted: u32,
}

impl AcceptanceEstimate {
    /// The estimate from `answers`: (the invited person's title, accepted).
    pub fn new<'a>(answers: impl IntoIterator<Item = (&'a str, bool)>) -> AcceptanceEstimate {
        let mut e = AcceptanceEstimate::default();
        for (title, accepted) in answers {
            let entry = e.by_seniority.entry(Seniority::of(title)).or_default();
            entry.0 += 1;
            entry.1 += u32::from(accepted);
            e.answers += 1;
            e.accepted += u32::from(accepted);
        }
        e
    }

    /// The share of answered invitations that were accepted (0.5 with none).
    pub fn overall(&self) -> f64 {
        if self.answers == 0 {
            0.5
        } else {
            f64::from(self.accepted) / f64::from(self.answers)
        }
    }

    /// Answers it learned from.
    pub fn len(&self) -> usize {
        self.answers as usize
    }

    /// Whether it learned from nothing.
    pub fn is_empty(&self) -> bool {
        self.answers == 0
    }

    /// (answers, accepted) of one seniority.
    pub fn of(&self, seniority: Seniority) -> (u32, u32) {
        self.by_seniority.get(&seniority).copied().unwrap_or((0, 0))
    }

    /// P(accepts) for a person with `title` (see the module doc).
    pub fn probability(&self, title: &str) -> f64 {
        let (n, accepted) = self.of(Seniority::of(title));
        (f64::from(accepted) + PRIOR_WEIGHT * self.overall()) / (f64::from(n) + PRIOR_WEIGHT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_read_as_a_person_would() {
        for (title, want) in [
            ("Sales Development Representative", Seniority::Entry),
            ("Associate Product Manager", Seniority::Entry),
            ("Account Executive", Seniority::Professional),
            ("Software Engineer", Seniority::Professional),
            ("Senior Account Executive", Seniority::Senior),
            ("Engineering Manager", Seniority::Senior),
            ("Senior Financial Analyst", Seniority::Senior),
            ("HR Business Partner", Seniority::Professional),
            ("Partner", Seniority::Executive),
            ("Head of Sales", Seniority::Leadership),
            ("VP of Sales", Seniority::Leadership),
            ("Vice President, Marketing", Seniority::Leadership),
            ("Director of Engineering", Seniority::Leadership),
            ("Chief Revenue Officer", Seniority::Executive),
            ("Co-Founder & CEO", Seniority::Executive),
            ("", Seniority::Professional),
        ] {
            assert_eq!(Seniority::of(title), want, "{title}");
        }
    }

    #[test]
    fn the_rate_of_the_same_seniority_shrunk_toward_the_overall_one() {
        let answers = std::iter::repeat_n(("Chief Revenue Officer", false), 8)
            .chain(std::iter::repeat_n(("CEO", true), 2))
            .chain(std::iter::repeat_n(
                ("Sales Development Representative", true),
                10,
            ));
        let e = AcceptanceEstimate::new(answers);
        assert_eq!(e.len(), 20);
        assert_eq!(e.overall(), 0.6);
        assert_eq!(e.of(Seniority::Executive), (10, 2));
        // Executives: (2 + 5 × 0.6) / 15; entry level: (10 + 3) / 15; unseen: the overall rate.
        assert!((e.probability("Founder") - 5.0 / 15.0).abs() < 1e-12);
        assert!((e.probability("Marketing Coordinator") - 13.0 / 15.0).abs() < 1e-12);
        assert!((e.probability("Head of People") - 0.6).abs() < 1e-12);
        assert_eq!(AcceptanceEstimate::default().probability("CEO"), 0.5);
    }
}
