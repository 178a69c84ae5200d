//! Erasure ("forget me"): everything the CRM holds about a person is deleted — the lead and
//! its profile, raw Voyager JSON, embedding, labels, deals and their stage history, journaled
//! actions (their texts), sent messages, conversations and do-not-contact entries naming
//! them. What stays is a tombstone per id the person had: a salted SHA-256 of the id
//! (`erased_people`), so that discovery, imports and saved profiles can tell the person was
//! erased and never store them again, without the database saying who they were; and one row
//! in the erasure journal (`erasures`: when, how many rows), not who.
//!
//! Deleted bytes do not linger: every connection runs with `PRAGMA secure_delete = ON`
//! ([`super::Db::open`]), so SQLite overwrites deleted cells and freed pages with zeros, and
//! [`super::Db::checkpoint_truncate`] then copies the WAL into the database and truncates it
//! (older WAL frames still held the rows). No VACUUM is needed for that; it would rewrite the
//! whole file while the daemon waits.

use super::error::{CrmError, CrmResult};
use super::leads;
use outlane_linkedin::ProfileId;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    /// The erasure journal's row.
    pub erasure: u64,
    /// Rows deleted, all tables together.
    pub rows: u64,
    /// Ids tombstoned (vanity, member).
    pub ids: u32,
}

/// The database's salt for tombstones, if one was made (by the first erasure).
fn salt(conn: &Connection) -> CrmResult<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT salt FROM erasure_salt WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The salt, made on first use (32 random bytes): the hashes of one database say nothing
/// about another's, and no precomputed table of vanity ids reverses them.
fn salt_or_create(conn: &Connection) -> CrmResult<Vec<u8>> {
    if let Some(salt) = salt(conn)? {
        return Ok(salt);
    }
    let fresh: [u8; 32] = rand::random();
    conn.execute(
        "INSERT INTO erasure_salt (id, salt) VALUES (1, ?1)",
        [&fresh[..]],
    )?;
    Ok(fresh.to_vec())
}

/// The tombstone of `id`: hex SHA-256 of the salt, the id's kind and the id.
fn tombstone(salt: &[u8], id: &ProfileId) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(if id.is_member() { b"m:" } else { b"v:" });
    hasher.update(id.as_str().as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// When the person `id` was erased, if they were.
pub fn erased_at(conn: &Connection, id: &ProfileId) -> CrmResult<Option<u64>> {
    // Nobody was ever erased: no salt and nothing to look up (discovery asks for every URL).
    let Some(salt) = salt(conn)? else {
        return Ok(None);
    };
    let hash = tombstone(&salt, id);
    Ok(conn
        .query_row(
            "SELECT erased_ms FROM erased_people WHERE hash = ?1",
            [hash],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records the tombstone of `id` (kept if it exists).
pub fn tombstone_id(conn: &Connection, id: &ProfileId, now_ms: u64) -> CrmResult<()> {
    let salt = salt_or_create(conn)?;
    conn.execute(
        "INSERT OR IGNORE INTO erased_people (hash, erased_ms) VALUES (?1, ?2)",
        params![tombstone(&salt, id), now_ms],
    )?;
    Ok(())
}

/// Whether any of `ids` was erased.
pub fn any_erased(conn: &Connection, ids: &[&ProfileId]) -> CrmResult<bool> {
    for id in ids {
        if erased_at(conn, id)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Erases lead `lead` (see the module doc). Refused while one of its actions is unfinished:
/// what happened must be checked first, or the next start could act again. Run it in a
/// transaction, then [`super::Db::checkpoint_truncate`].
pub fn forget(conn: &Connection, lead: u64, now_ms: u64) -> CrmResult<Erased> {
    let person = leads::get(conn, lead)?;
    if let Some(open) = conn
        .query_row(
            "SELECT id FROM action_journal WHERE lead_id = ?1 AND result IS NULL LIMIT 1",
            [lead],
            |r| r.get::<_, u64>(0),
        )
        .optional()?
    {
        return Err(CrmError::Invalid(format!(
            "lead {lead} has an unfinished action (journal #{open}): let the daemon check what \
             happened (`outlane status` lists it), then forget the person"
        )));
    }
    let ids: Vec<ProfileId> = [
        person.public_id.clone().map(ProfileId::Vanity),
        person.member_id.clone().map(ProfileId::Member),
    ]
    .into_iter()
    .flatten()
    .collect();
    for id in &ids {
        tombstone_id(conn, id, now_ms)?;
    }
    let mut rows = 0u64;
    let mut delete = |sql: &str, value: &dyn rusqlite::ToSql| -> CrmResult<()> {
        rows += conn.execute(sql, [value])? as u64;
        Ok(())
    };
    delete(
        "DELETE FROM conversation_messages WHERE lead_id = ?1",
        &lead,
    )?;
    delete("DELETE FROM conversations WHERE lead_id = ?1", &lead)?;
    delete("DELETE FROM messages WHERE lead_id = ?1", &lead)?;
    delete("DELETE FROM labels WHERE lead_id = ?1", &lead)?;
    delete("DELETE FROM embeddings WHERE lead_id = ?1", &lead)?;
    delete("DELETE FROM action_journal WHERE lead_id = ?1", &lead)?;
    delete(
        "DELETE FROM lead_holds WHERE deal_id IN (SELECT id FROM deals WHERE lead_id = ?1)",
        &lead,
    )?;
    delete(
        "DELETE FROM lead_tags WHERE deal_id IN (SELECT id FROM deals WHERE lead_id = ?1)",
        &lead,
    )?;
    delete(
        "DELETE FROM stage_changes WHERE deal_id IN (SELECT id FROM deals WHERE lead_id = ?1)",
        &lead,
    )?;
    delete("DELETE FROM deals WHERE lead_id = ?1", &lead)?;
    for id in &ids {
        delete(
            "DELETE FROM do_not_contact WHERE kind = 'person' AND value = ?1",
            &id.as_str(),
        )?;
    }
    delete("DELETE FROM leads WHERE id = ?1", &lead)?;
    conn.execute(
        "INSERT INTO erasures (erased_ms, rows_removed) VALUES (?1, ?2)",
        params![now_ms, rows],
    )?;
    Ok(Erased {
        erasure: conn.last_insert_rowid() as u64,
        rows,
        ids: ids.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::fixture::{MONDAY, fixture};
    use crate::crm::{Stage, pipeline};

    #[test]
    fn a_forgotten_person_leaves_a_tombstone_and_is_not_discovered_again() {
        let f = fixture();
        let c = f.campaign;
        let lead = f.lead_at("jane-doe", Stage::Qualified);
        let kept = f.lead_at("john-roe", Stage::Qualified);
        let erased =
            f.db.write_blocking(move |tx| forget(tx, lead, MONDAY))
                .unwrap();
        assert_eq!(erased.ids, 1);
        assert!(
            erased.rows >= 4,
            "lead, deal and its stage changes: {erased:?}"
        );
        let jane = ProfileId::parse("https://www.linkedin.com/in/jane-doe/").unwrap();
        let (at, gone, report, salt_rows) =
            f.db.write_blocking(move |tx| {
                let at = erased_at(tx, &jane)?;
                let gone = leads::find(tx, &jane)?;
                let report = pipeline::discover(
                    tx,
                    c,
                    &["https://www.linkedin.com/in/Jane-Doe/?trk=1".to_string()],
                    &[],
                    "test",
                    MONDAY,
                )?;
                let hashes: u64 =
                    tx.query_row("SELECT count(*) FROM erased_people", [], |r| r.get(0))?;
                Ok((at, gone, report, hashes))
            })
            .unwrap();
        assert_eq!(at, Some(MONDAY));
        assert_eq!(gone, None);
        assert_eq!((report.new, report.erased), (0, 1));
        assert_eq!(salt_rows, 1);
        assert_eq!(f.stage(kept), Stage::Qualified, "nobody else is touched");
    }

    /// The change feed's ids only grow, even when an erasure deleted the newest changes: a
    /// lane's cursor never skips a change made after it.
    #[test]
    fn change_ids_are_never_handed_out_again_after_an_erasure() {
        let f = fixture();
        let c = f.campaign;
        f.lead_at("first", Stage::Enriched);
        let last = f.lead_at("last", Stage::Qualified);
        let newest = |f: &crate::crm::fixture::Fixture| {
            f.db.read_outside_tx_blocking(move |conn| pipeline::changes_after(conn, c, 0, 1000))
                .unwrap()
                .last()
                .map(|ch| ch.id)
                .unwrap()
        };
        let before = newest(&f);
        f.db.write_blocking(move |tx| forget(tx, last, MONDAY))
            .unwrap();
        let next = f.lead_at("next", Stage::Discovered);
        let feed =
            f.db.read_outside_tx_blocking(move |conn| pipeline::changes_after(conn, c, before, 10))
                .unwrap();
        assert_eq!(feed.len(), 1, "{feed:?}");
        assert_eq!(feed[0].lead, next);
        assert!(feed[0].id > before);
    }

    /// Every byte of the person is gone from the database file and its WAL: profile, raw
    /// JSON, labels, messages, conversation, journal texts, stage reasons.
    #[test]
    fn a_forgotten_person_appears_nowhere_in_the_database_file_or_its_wal() {
        use crate::crm::conversations::{self, SyncedMessage};
        use crate::crm::learning::{self, LabelSource};
        use crate::crm::{Action, campaigns, journal, messages};
        let f = fixture();
        let (c, account) = (f.campaign, f.account);
        let lead = f.lead_at("zebulon-quartzfield", Stage::Enriched);
        let neighbour = f.lead_at("plain-person", Stage::Enriched);
        f.db.write_blocking(move |tx| {
            let profile = serde_json::json!({
                "public_identifier": "zebulon-quartzfield",
                "urn": "urn:li:fsd_profile:ACoAAZebulonQuartzfield0000000000000000",
                "full_name": "Zebulon Quartzfield",
                "headline": "Chief Xylophone Officer at Vibraphonics",
                "summary": "Quartzfield biography paragraph",
            })
            .to_string();
            let raw = r#"{"included":[{"firstName":"Zebulon","lastName":"Quartzfield"}]}"#;
            leads::save_profile(tx, lead, &profile, Some(raw), None, "enrich", MONDAY)?;
            learning::put_embedding(tx, lead, "m", &[0.25; 8], MONDAY)?;
            learning::put_label(
                tx,
                c,
                lead,
                true,
                "Quartzfield fits",
                LabelSource::Llm,
                MONDAY,
                None,
            )?;
            pipeline::set_stage(
                tx,
                c,
                lead,
                Stage::Qualified,
                "Quartzfield qualifies",
                "q",
                MONDAY,
            )?;
            let campaign = campaigns::get(tx, c)?;
            let intent = journal::begin(
                tx,
                &campaign,
                lead,
                Action::Invite,
                "Hi Zebulon Quartzfield",
                "f",
                MONDAY + 1,
            )?;
            journal::finish(
                tx,
                intent,
                Some(c),
                &journal::Outcome::Done("sent to Zebulon".into()),
                "f",
                MONDAY + 1,
            )?;
            messages::record(
                tx,
                lead,
                c,
                Some(intent),
                Some(1),
                "Hi Zebulon Quartzfield",
                "f",
                MONDAY + 1,
            )?;
            let thread = [SyncedMessage {
                urn: "urn:li:msg:quartz".into(),
                inbound: true,
                sender: "Zebulon Quartzfield".into(),
                sent_ms: MONDAY + 2,
                text: "Quartzfield here, please stop".into(),
            }];
            conversations::save_thread(
                tx,
                account,
                lead,
                "urn:li:conv:quartz",
                MONDAY + 2,
                &thread,
                "inbox",
                MONDAY + 2,
            )?;
            Ok(())
        })
        .unwrap();
        let bytes = |f: &crate::crm::fixture::Fixture| {
            let mut all = std::fs::read(&f.path).unwrap();
            let mut wal = f.path.clone().into_os_string();
            wal.push("-wal");
            all.extend(std::fs::read(&wal).unwrap_or_default());
            all
        };
        let found =
            |all: &[u8], needle: &str| all.windows(needle.len()).any(|w| w == needle.as_bytes());
        let before = bytes(&f);
        for needle in [
            "Quartzfield",
            "Xylophone",
            "zebulon-quartzfield",
            "ACoAAZebulon",
        ] {
            assert!(found(&before, needle), "{needle} should be stored before");
        }
        f.db.write_blocking(move |tx| forget(tx, lead, MONDAY + 3))
            .unwrap();
        assert!(
            f.db.checkpoint_truncate().unwrap(),
            "no other connection holds the WAL"
        );
        let after = bytes(&f);
        for needle in [
            "Quartzfield",
            "Xylophone",
            "Vibraphonics",
            "zebulon",
            "Zebulon",
            "ACoAAZebulon",
        ] {
            assert!(
                !found(&after, needle),
                "{needle} is still in the database bytes"
            );
        }
        assert!(found(&after, "plain-person"), "the neighbour is kept");
        assert_eq!(f.stage(neighbour), Stage::Enriched);
        let journal: (u64, u64) =
            f.db.read_outside_tx_blocking(|c| {
                Ok(c.query_row(
                    "SELECT count(*), max(rows_removed) FROM erasures",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!(journal.0, 1);
        assert!(journal.1 >= 10, "{journal:?}");
    }
}
