//! Holds and tags: how lanes coordinate around a lead of a campaign.
//!
//! A **hold** keeps invitations and messages from a lead until a moment: the journal refuses
//! them ([`super::journal::begin`]), the sequence leaves the lead out of its due steps, and
//! the default lanes pass it by. Each lane holds a lead at most once (holding again moves its
//! hold; [`release`] ends it), so lanes never undo each other's holds; the lead is held while
//! any hold lasts, and the one that ends last is the one shown. Withdrawals are not held: they
//! take outreach back, which is what a cautious lane wants to be able to do.
//!
//! A **tag** is a free-form label (1–64 characters) on a lead in one campaign, set by any
//! lane (or a person) and read by all: a lead's tags come with it, and [`tagged`] lists the
//! leads with a tag. Both go with the deal and are deleted when the person is erased.

use rusqlite::{Connection, OptionalExtension, params};

use super::pipeline::{self, DealLead};
use super::stage::Stage;
use super::{CrmError, CrmResult};

/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;
/// Longest hold reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A hold on a lead, as the lead shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hold {
    /// Until when (ms since the Unix epoch).
    pub until_ms: u64,
    /// The lane (or `human`) that holds it.
    pub by: String,
    /// Why.
    pub reason: String,
}

impl Hold {
    /// What a refused action says: who holds the lead, until when and why.
    pub fn describe(&self) -> String {
        format!(
            "held by {} until {} ({})",
            self.by,
            super::utc_time(self.until_ms),
            self.reason
        )
    }
}

fn deal_of(conn: &Connection, campaign: u64, lead: u64) -> CrmResult<u64> {
    conn.prepare_cached("SELECT id FROM deals WHERE campaign_id = ?1 AND lead_id = ?2")?
        .query_row(params![campaign, lead], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CrmError::NotFound(format!("lead {lead} is not in campaign {campaign}")))
}

/// `by` holds lead `lead` of `campaign` until `until_ms`, for `reason` (replacing the hold
/// `by` had on it). A moment already past is allowed and holds nothing.
pub fn hold(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    by: &str,
    until_ms: u64,
    reason: &str,
    now_ms: u64,
) -> CrmResult<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CrmError::Invalid(
            "a hold needs a reason (other lanes and people read it)".into(),
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(CrmError::Invalid(format!(
            "a hold's reason is at most {MAX_REASON_CHARS} characters"
        )));
    }
    let deal = deal_of(conn, campaign, lead)?;
    conn.prepare_cached(
        "INSERT INTO lead_holds (deal_id, lane, until_ms, reason, set_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (deal_id, lane) DO UPDATE SET
             until_ms = excluded.until_ms, reason = excluded.reason, set_ms = excluded.set_ms",
    )?
    .execute(params![deal, by, until_ms, reason, now_ms])?;
    Ok(())
}

/// Ends `by`'s hold on lead `lead` of `campaign`; whether there was one.
pub fn release(conn: &Connection, campaign: u64, lead: u64, by: &str) -> CrmResult<bool> {
    let deal = deal_of(conn, campaign, lead)?;
    Ok(conn
        .prepare_cached("DELETE FROM lead_holds WHERE deal_id = ?1 AND lane = ?2")?
        .execute(params![deal, by])?
        > 0)
}

/// The hold on deal `deal` that lasts longest past `now_ms`, if any lasts.
pub fn active(conn: &Connection, deal: u64, now_ms: u64) -> CrmResult<Option<Hold>> {
    Ok(conn
        .prepare_cached(
            "SELECT until_ms, lane, reason FROM lead_holds
             WHERE deal_id = ?1 AND until_ms > ?2 ORDER BY until_ms DESC, lane LIMIT 1",
        )?
        .query_row(params![deal, now_ms], |r| {
            Ok(Hold {
                until_ms: r.get(0)?,
                by: r.get(1)?,
                reason: r.get(2)?,
            })
        })
        .optional()?)
}

/// One lane's `[lane.hold]`: leads entering `stage` are held for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHold {
    /// The lane.
    pub lane: String,
    /// The stage whose entrants are held.
    pub stage: Stage,
    /// For how long (ms).
    pub for_ms: u64,
    /// Why.
    pub reason: String,
}

/// Replaces the registered entry holds with `holds` (those of the lanes just loaded).
pub fn set_entry_holds(conn: &Connection, holds: &[EntryHold]) -> CrmResult<()> {
    conn.execute("DELETE FROM entry_holds", [])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO entry_holds (lane, stage, for_ms, reason) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for h in holds {
        insert.execute(params![h.lane, h.stage, h.for_ms, h.reason])?;
    }
    Ok(())
}

/// The registered entry holds, by lane.
pub fn entry_holds(conn: &Connection) -> CrmResult<Vec<EntryHold>> {
    let mut stmt =
        conn.prepare_cached("SELECT lane, stage, for_ms, reason FROM entry_holds ORDER BY lane")?;
    let rows = stmt.query_map([], |r| {
        Ok(EntryHold {
            lane: r.get(0)?,
            stage: r.get(1)?,
            for_ms: r.get(2)?,
            reason: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Called with every stage change: deal `deal` just entered `stage`, so each lane registered
/// for it holds the deal now (a hold that lane already has is kept as it is).
pub(super) fn hold_on_entry(
    conn: &Connection,
    deal: u64,
    stage: Stage,
    now_ms: u64,
) -> CrmResult<()> {
    conn.prepare_cached(
        "INSERT INTO lead_holds (deal_id, lane, until_ms, reason, set_ms)
         SELECT ?1, lane, ?3 + for_ms, reason, ?3 FROM entry_holds WHERE stage = ?2
         ON CONFLICT (deal_id, lane) DO NOTHING",
    )?
    .execute(params![deal, stage, now_ms])?;
    Ok(())
}

/// `tag` trimmed, or why it is not a tag.
fn checked_tag(tag: &str) -> CrmResult<&str> {
    let tag = tag.trim();
    if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
        return Err(CrmError::Invalid(format!(
            "a tag is 1 to {MAX_TAG_CHARS} characters, not {tag:?}"
        )));
    }
    if tag.chars().any(char::is_control) {
        return Err(CrmError::Invalid(format!(
            "a tag has no control characters: {tag:?}"
        )));
    }
    Ok(tag)
}

/// Tags lead `lead` of `campaign` with `tag` (`by` set it); whether it was new.
pub fn tag(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    tag: &str,
    by: &str,
    now_ms: u64,
) -> CrmResult<bool> {
    let tag = checked_tag(tag)?;
    let deal = deal_of(conn, campaign, lead)?;
    Ok(conn
        .prepare_cached(
            "INSERT INTO lead_tags (deal_id, tag, lane, set_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (deal_id, tag) DO NOTHING",
        )?
        .execute(params![deal, tag, by, now_ms])?
        > 0)
}

/// Takes `tag` off lead `lead` of `campaign`; whether it had it.
pub fn untag(conn: &Connection, campaign: u64, lead: u64, tag: &str) -> CrmResult<bool> {
    let tag = checked_tag(tag)?;
    let deal = deal_of(conn, campaign, lead)?;
    Ok(conn
        .prepare_cached("DELETE FROM lead_tags WHERE deal_id = ?1 AND tag = ?2")?
        .execute(params![deal, tag])?
        > 0)
}

/// Deal `deal`'s tags, sorted.
pub fn tags_of(conn: &Connection, deal: u64) -> CrmResult<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT tag FROM lead_tags WHERE deal_id = ?1 ORDER BY tag")?;
    let rows = stmt.query_map([deal], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Up to `limit` leads of `campaign` tagged `tag`, with a lead id after `after`, by id.
pub fn tagged(
    conn: &Connection,
    campaign: u64,
    tag: &str,
    after: u64,
    limit: u32,
) -> CrmResult<Vec<DealLead>> {
    let tag = checked_tag(tag)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM lead_tags t JOIN deals d ON d.id = t.deal_id JOIN leads l ON l.id = d.lead_id
         WHERE t.tag = ?1 AND d.campaign_id = ?2 AND d.lead_id > ?3
         ORDER BY d.lead_id LIMIT ?4",
        pipeline::COLUMNS
    ))?;
    let rows = stmt.query_map(params![tag, campaign, after, limit], pipeline::from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::fixture::fixture;

    const DAY: u64 = 86_400_000;

    #[test]
    fn the_hold_that_lasts_longest_shows_and_each_lane_releases_only_its_own() {
        let f = fixture();
        let lead = f.discover("https://www.linkedin.com/in/held-person/");
        let c = f.campaign;
        f.db.write_blocking(move |tx| {
            let deal = deal_of(tx, c, lead)?;
            assert_eq!(active(tx, deal, 0)?, None);
            hold(tx, c, lead, "visit", DAY, "visited; invite tomorrow", 0)?;
            hold(tx, c, lead, "warm-up", 2 * DAY, "liked a post", 0)?;
            assert_eq!(active(tx, deal, 0)?.map(|h| h.by), Some("warm-up".into()));
            // Holding again moves the lane's own hold.
            hold(tx, c, lead, "visit", 3 * DAY, "visited again", 0)?;
            let shown = active(tx, deal, 0)?.expect("held");
            assert_eq!((shown.by.as_str(), shown.until_ms), ("visit", 3 * DAY));
            assert!(release(tx, c, lead, "visit")?);
            assert!(!release(tx, c, lead, "visit")?, "released already");
            assert_eq!(active(tx, deal, 0)?.map(|h| h.by), Some("warm-up".into()));
            // A hold ends by itself.
            assert_eq!(active(tx, deal, 2 * DAY)?, None);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_hold_needs_a_reason_and_a_lead_of_the_campaign() {
        let f = fixture();
        let lead = f.discover("https://www.linkedin.com/in/held-person/");
        let c = f.campaign;
        f.db.write_blocking(move |tx| {
            assert!(matches!(
                hold(tx, c, lead, "visit", DAY, "  ", 0),
                Err(CrmError::Invalid(_))
            ));
            assert!(matches!(
                hold(tx, c, lead + 1000, "visit", DAY, "why", 0),
                Err(CrmError::NotFound(_))
            ));
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn the_journal_refuses_invitations_and_messages_to_a_held_lead_but_not_withdrawals() {
        use crate::crm::action::Action;
        use crate::crm::fixture::{MONDAY, begin};
        use crate::crm::sequence::{self, NewStep};
        use crate::crm::stage::Stage;
        let f = fixture();
        let c = f.campaign;
        let qualified = f.lead_at("held-qualified", Stage::Qualified);
        let connected = f.lead_at("held-connected", Stage::Connected);
        let pending = f.lead_at("held-pending", Stage::Pending);
        f.db.write_blocking(move |tx| {
            let step = [NewStep {
                delay_ms: 0,
                template: "Hi {first_name}".into(),
            }];
            sequence::set_steps(tx, c, &step, "test", MONDAY)?;
            for lead in [qualified, connected, pending] {
                hold(
                    tx,
                    c,
                    lead,
                    "visit",
                    MONDAY + DAY,
                    "visited; invite tomorrow",
                    MONDAY,
                )?;
            }
            assert!(
                sequence::due(tx, c, MONDAY + 1, 10)?.is_empty(),
                "held: not due"
            );
            Ok(())
        })
        .unwrap();
        let refused = begin(&f, qualified, Action::Invite, MONDAY + 1).unwrap_err();
        assert!(
            matches!(&refused, CrmError::Invalid(m) if m.contains("held by visit until") && m.contains("invite tomorrow")),
            "{refused:?}"
        );
        assert!(begin(&f, connected, Action::Message, MONDAY + 1).is_err());
        assert!(begin(&f, pending, Action::Withdraw, MONDAY + 1).is_ok());
        // When the hold ends, or its lane releases it, the lead is free again.
        assert!(begin(&f, qualified, Action::Invite, MONDAY + DAY).is_ok());
        f.db.write_blocking(move |tx| {
            assert!(release(tx, c, connected, "visit")?);
            assert_eq!(sequence::due(tx, c, MONDAY + 1, 10)?.len(), 1);
            Ok(())
        })
        .unwrap();
        assert!(begin(&f, connected, Action::Message, MONDAY + 1).is_ok());
    }

    #[test]
    fn a_lane_registered_for_a_stage_holds_each_lead_entering_it_in_the_same_transaction() {
        use crate::crm::fixture::MONDAY;
        use crate::crm::stage::Stage;
        let f = fixture();
        f.db.write_blocking(|tx| {
            set_entry_holds(
                tx,
                &[EntryHold {
                    lane: "visit".into(),
                    stage: Stage::Qualified,
                    for_ms: 7 * DAY,
                    reason: "waiting for a profile visit".into(),
                }],
            )
        })
        .unwrap();
        let lead = f.lead_at("entering", Stage::Qualified);
        let other = f.lead_at("not-there-yet", Stage::Enriched);
        let c = f.campaign;
        f.db.write_blocking(move |tx| {
            let held = active(tx, deal_of(tx, c, lead)?, MONDAY)?.expect("held on entry");
            assert_eq!(
                (held.by.as_str(), held.until_ms, held.reason.as_str()),
                ("visit", MONDAY + 7 * DAY, "waiting for a profile visit")
            );
            assert_eq!(active(tx, deal_of(tx, c, other)?, MONDAY)?, None);
            // The lane moves its hold; a registry rewrite without it holds nothing new.
            hold(tx, c, lead, "visit", MONDAY + DAY, "visited", MONDAY)?;
            set_entry_holds(tx, &[])?;
            assert!(entry_holds(tx)?.is_empty());
            Ok(())
        })
        .unwrap();
        f.move_to(other, Stage::Qualified).unwrap();
        f.db.write_blocking(move |tx| {
            assert_eq!(active(tx, deal_of(tx, c, other)?, MONDAY)?, None);
            assert_eq!(
                active(tx, deal_of(tx, c, lead)?, MONDAY)?.map(|h| h.until_ms),
                Some(MONDAY + DAY)
            );
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn tags_are_checked_kept_once_and_listed_by_lead() {
        let f = fixture();
        let a = f.discover("https://www.linkedin.com/in/tag-a/");
        let b = f.discover("https://www.linkedin.com/in/tag-b/");
        let c = f.campaign;
        f.db.write_blocking(move |tx| {
            assert!(tag(tx, c, b, " visited ", "visit", 0)?);
            assert!(!tag(tx, c, b, "visited", "visit", 0)?, "kept once");
            assert!(tag(tx, c, a, "visited", "visit", 0)?);
            assert!(tag(tx, c, a, "vip", "human", 0)?);
            let ids = |found: Vec<DealLead>| found.iter().map(|d| d.lead.id).collect::<Vec<_>>();
            assert_eq!(ids(tagged(tx, c, "visited", 0, 10)?), vec![a, b]);
            assert_eq!(ids(tagged(tx, c, "visited", a, 10)?), vec![b]);
            assert_eq!(tags_of(tx, deal_of(tx, c, a)?)?, vec!["vip", "visited"]);
            assert!(untag(tx, c, a, "vip")?);
            assert!(!untag(tx, c, a, "vip")?);
            for bad in ["", &"x".repeat(65), "a\nb"] {
                assert!(
                    matches!(tag(tx, c, a, bad, "visit", 0), Err(CrmError::Invalid(_))),
                    "{bad:?}"
                );
            }
            Ok(())
        })
        .unwrap();
    }
}
