//! Leads: one per person. A lead is found by any form of its profile URL, and the two kinds
//! of LinkedIn id (vanity and member) are reconciled when the profile — which carries both —
//! is saved: if another lead already holds one of them, the two are merged into one.

use super::error::{CrmError, CrmResult};
use super::pipeline;
use outlane_linkedin::ProfileId;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

/// What the CRM stores about a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lead {
    /// Row id.
    pub id: u64,
    /// Vanity id (lower-cased), once known.
    pub public_id: Option<String>,
    /// Member id (`ACoAA...`), once known.
    pub member_id: Option<String>,
    /// Canonical profile URL.
    pub url: String,
    /// Full name, once enriched.
    pub full_name: Option<String>,
    /// Headline, once enriched.
    pub headline: Option<String>,
    /// Current company, once enriched.
    pub company: Option<String>,
    /// The parsed profile (JSON object), once enriched.
    pub profile_json: Option<String>,
    /// When the profile was saved (ms).
    pub enriched_ms: Option<u64>,
    /// When the lead was first seen (ms).
    pub created_ms: u64,
}

impl Lead {
    /// The id shown to people and lanes: the vanity id, else the member id.
    pub fn key(&self) -> &str {
        self.public_id
            .as_deref()
            .or(self.member_id.as_deref())
            .unwrap_or_default()
    }
}

/// The columns [`from_row`] reads, for a query over `leads l` (a macro so that other modules can
/// `concat!` their own columns after them).
macro_rules! lead_columns {
    () => {
        "l.id, l.public_id, l.member_id, l.url, l.full_name, l.headline, \
         (SELECT name FROM companies WHERE id = l.company_id), l.profile_json, \
         l.enriched_ms, l.created_ms"
    };
}
pub(super) use lead_columns;

/// How many columns [`lead_columns!`] has.
pub(super) const LEAD_COLUMNS: usize = 10;

const COLUMNS: &str = lead_columns!();

/// A lead from the first [`LEAD_COLUMNS`] columns of a row selected with [`lead_columns!`].
pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<Lead> {
    Ok(Lead {
        id: r.get(0)?,
        public_id: r.get(1)?,
        member_id: r.get(2)?,
        url: r.get(3)?,
        full_name: r.get(4)?,
        headline: r.get(5)?,
        company: r.get(6)?,
        profile_json: r.get(7)?,
        enriched_ms: r.get(8)?,
        created_ms: r.get(9)?,
    })
}

/// The lead with `id`.
pub fn get(conn: &Connection, id: u64) -> CrmResult<Lead> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM leads l WHERE l.id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CrmError::NotFound(format!("no lead with id {id}")))
}

/// The id of the lead `profile` identifies, if there is one.
pub fn find(conn: &Connection, profile: &ProfileId) -> CrmResult<Option<u64>> {
    let column = if profile.is_member() {
        "member_id"
    } else {
        "public_id"
    };
    Ok(conn
        .query_row(
            &format!("SELECT id FROM leads WHERE {column} = ?1"),
            [profile.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// The lead `profile` identifies, creating it if needed. Returns its id and whether it is new.
pub fn ensure(conn: &Connection, profile: &ProfileId, now_ms: u64) -> CrmResult<(u64, bool)> {
    if let Some(id) = find(conn, profile)? {
        return Ok((id, false));
    }
    let (public_id, member_id) = match profile {
        ProfileId::Vanity(v) => (Some(v.as_str()), None),
        ProfileId::Member(m) => (None, Some(m.as_str())),
    };
    conn.execute(
        "INSERT INTO leads (public_id, member_id, url, created_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![public_id, member_id, profile.canonical_url(), now_ms],
    )?;
    Ok((conn.last_insert_rowid() as u64, true))
}

/// Sets the name and headline of a lead that has no profile yet (from an import file).
pub fn set_known_details(
    conn: &Connection,
    id: u64,
    full_name: Option<&str>,
    headline: Option<&str>,
) -> CrmResult<()> {
    conn.execute(
        "UPDATE leads SET full_name = coalesce(full_name, ?2), headline = coalesce(headline, ?3)
         WHERE id = ?1 AND profile_json IS NULL",
        params![id, full_name, headline],
    )?;
    Ok(())
}

/// What `save_profile` reads from a parsed profile.
#[derive(Debug, Default)]
struct ProfileFacts {
    vanity: Option<ProfileId>,
    member: Option<ProfileId>,
    full_name: Option<String>,
    headline: Option<String>,
    company: Option<(String, Option<String>)>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn facts(profile: &Value) -> ProfileFacts {
    let mut facts = ProfileFacts::default();
    if let Some(id) =
        text(profile, "public_identifier").and_then(|s| ProfileId::from_identifier(&s).ok())
    {
        if id.is_member() {
            facts.member = Some(id);
        } else {
            facts.vanity = Some(id);
        }
    }
    if let Some(urn) = text(profile, "urn")
        && let Some(raw) = urn.strip_prefix("urn:li:fsd_profile:")
        && let Ok(id) = ProfileId::from_identifier(raw)
        && id.is_member()
    {
        facts.member = Some(id);
    }
    facts.full_name = text(profile, "full_name").or_else(|| {
        let first = text(profile, "first_name").unwrap_or_default();
        let last = text(profile, "last_name").unwrap_or_default();
        let full = format!("{first} {last}").trim().to_string();
        (!full.is_empty()).then_some(full)
    });
    facts.headline = text(profile, "headline");
    facts.company = profile
        .get("positions")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(|first| {
            let name = text(first, "company_name").filter(|n| n != "Unknown Company")?;
            Some((name, text(first, "company_urn")))
        });
    facts
}

fn company_id(conn: &Connection, name: &str, urn: Option<&str>, now_ms: u64) -> CrmResult<u64> {
    if let Some(urn) = urn
        && let Some(id) = conn
            .query_row("SELECT id FROM companies WHERE urn = ?1", [urn], |r| {
                r.get(0)
            })
            .optional()?
    {
        return Ok(id);
    }
    if let Some(id) = conn
        .query_row("SELECT id FROM companies WHERE name = ?1", [name], |r| {
            r.get::<_, u64>(0)
        })
        .optional()?
    {
        if let Some(urn) = urn {
            conn.execute(
                "UPDATE companies SET urn = ?2 WHERE id = ?1 AND urn IS NULL",
                params![id, urn],
            )?;
        }
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO companies (name, urn, created_ms) VALUES (?1, ?2, ?3)",
        params![name, urn, now_ms],
    )?;
    Ok(conn.last_insert_rowid() as u64)
}

/// Stores the parsed profile (and the raw Voyager JSON) of lead `id`, reconciles its ids
/// with other leads, and moves its `discovered` deals to `enriched`. Run it in a transaction.
///
/// The profile must be the lead's own: each id it names must match the id of that kind the
/// lead already has (vanity or member), and at least one must match. Nothing is written
/// otherwise.
///
/// `caller` is the campaign of the lane saving it (`None` for the host itself). A lane may
/// change only what its campaign owns: it may not merge away a lead that another campaign
/// holds, nor replace a profile that another campaign shares.
pub fn save_profile(
    conn: &Connection,
    id: u64,
    profile_json: &str,
    raw_json: Option<&str>,
    caller: Option<u64>,
    actor: &str,
    now_ms: u64,
) -> CrmResult<()> {
    let profile: Value = serde_json::from_str(profile_json)
        .map_err(|e| CrmError::Invalid(format!("the profile is not valid JSON: {e}")))?;
    if !profile.is_object() {
        return Err(CrmError::Invalid(
            "the profile must be a JSON object".into(),
        ));
    }
    if let Some(raw) = raw_json {
        serde_json::from_str::<serde::de::IgnoredAny>(raw).map_err(|e| {
            CrmError::Invalid(format!("the raw Voyager response is not valid JSON: {e}"))
        })?;
    }
    let mut lead = get(conn, id)?;
    let facts = facts(&profile);
    // The profile must be of this lead's person: one of its ids must be an id the lead
    // already has, and none may contradict one it has. Otherwise a wrong parse (or a wrong
    // lane) would merge two people or rename one.
    let known = |p: &ProfileId| match p {
        ProfileId::Vanity(v) => lead.public_id.as_deref() == Some(v.as_str()),
        ProfileId::Member(m) => lead.member_id.as_deref() == Some(m.as_str()),
    };
    let contradicts = |p: &ProfileId| match p {
        ProfileId::Vanity(v) => lead.public_id.as_deref().is_some_and(|have| have != v),
        ProfileId::Member(m) => lead.member_id.as_deref().is_some_and(|have| have != m),
    };
    let ids: Vec<&ProfileId> = [&facts.vanity, &facts.member]
        .into_iter()
        .flatten()
        .collect();
    if !ids.is_empty() && (!ids.iter().any(|p| known(p)) || ids.iter().any(|p| contradicts(p))) {
        return Err(CrmError::Invalid(format!(
            "the profile names {}, which is not lead {id} ({}): not saved",
            ids.iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" / "),
            lead.key()
        )));
    }
    if super::erasure::any_erased(conn, &ids)? {
        // Found again under an id they did not have when they were erased: erased again, the
        // new ids tombstoned too; nothing of the profile is stored. A lane may not erase what
        // another campaign holds this way.
        if let Some(campaign) = caller
            && pipeline::in_other_campaigns(conn, id, campaign)?
        {
            return Err(CrmError::Denied(format!(
                "the profile of lead {id} names a person erased at their request: not saved"
            )));
        }
        tracing::info!(
            lead = id,
            "a saved profile names an erased person: erasing the lead"
        );
        super::erasure::forget(conn, id, now_ms)?;
        for identity in &ids {
            super::erasure::tombstone_id(conn, identity, now_ms)?;
        }
        return Ok(());
    }
    if let Some(campaign) = caller
        && lead.profile_json.is_some()
        && pipeline::in_other_campaigns(conn, id, campaign)?
    {
        return Err(CrmError::Invalid(format!(
            "lead {id} ({}) already has a profile that another campaign shares: a lane of one \
             campaign may not replace it",
            lead.key()
        )));
    }
    let mut merges = Vec::new();
    for identity in &ids {
        if let Some(other) = find(conn, identity)?
            && other != id
        {
            if let Some(campaign) = caller
                && pipeline::in_other_campaigns(conn, other, campaign)?
            {
                // Say nothing of the other lead: it is another campaign's.
                return Err(CrmError::Invalid(format!(
                    "the profile of lead {id} names a person another campaign holds under \
                     another lead; a lane of one campaign may not merge them: not saved"
                )));
            }
            merges.push(other);
        }
    }
    for other in merges {
        let gone = get(conn, other)?;
        merge(conn, id, other)?;
        lead.public_id = lead.public_id.or(gone.public_id);
        lead.member_id = lead.member_id.or(gone.member_id);
    }
    let public_id = facts
        .vanity
        .as_ref()
        .map(|v| v.as_str().to_string())
        .or(lead.public_id);
    let member_id = facts
        .member
        .as_ref()
        .map(|m| m.as_str().to_string())
        .or(lead.member_id);
    let identity = match (&public_id, &member_id) {
        (Some(v), _) => ProfileId::Vanity(v.clone()),
        (None, Some(m)) => ProfileId::Member(m.clone()),
        (None, None) => return Err(CrmError::Invalid(format!("lead {id} has no id"))),
    };
    let company = match &facts.company {
        Some((name, urn)) => Some(company_id(conn, name, urn.as_deref(), now_ms)?),
        None => None,
    };
    conn.execute(
        "UPDATE leads SET public_id = ?2, member_id = ?3, url = ?4,
             full_name = coalesce(?5, full_name), headline = coalesce(?6, headline),
             company_id = coalesce(?7, company_id), profile_json = ?8,
             raw_json = coalesce(?9, raw_json),
             enriched_ms = ?10, updated_ms = ?10
         WHERE id = ?1",
        params![
            id,
            public_id,
            member_id,
            identity.canonical_url(),
            facts.full_name,
            facts.headline,
            company,
            profile_json,
            raw_json,
            now_ms
        ],
    )?;
    pipeline::mark_enriched(conn, id, actor, now_ms)?;
    // A company or keyword of the list may match only now that the profile is known.
    super::dnc::sweep(conn, Some(id), actor, now_ms)?;
    Ok(())
}

/// Folds lead `gone` into lead `keep`: per campaign the more advanced deal survives; journal
/// entries, messages, labels and the embedding move over; `gone` is deleted.
fn merge(conn: &Connection, keep: u64, gone: u64) -> CrmResult<()> {
    tracing::info!(keep, gone, "merging two leads of one person");
    let clash: Option<(u64, u64)> = conn
        .query_row(
            "SELECT a.id, b.id FROM action_journal a JOIN action_journal b ON a.action = b.action
             WHERE a.lead_id = ?1 AND b.lead_id = ?2 AND a.result IS NULL AND b.result IS NULL",
            params![keep, gone],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((a, b)) = clash {
        return Err(CrmError::Invalid(format!(
            "leads {keep} and {gone} are one person with two unfinished actions (#{a}, #{b}): finish them before saving this profile"
        )));
    }
    pipeline::merge_deals(conn, keep, gone)?;
    for table in ["action_journal", "messages"] {
        conn.execute(
            &format!("UPDATE {table} SET lead_id = ?1 WHERE lead_id = ?2"),
            params![keep, gone],
        )?;
    }
    conn.execute(
        "INSERT OR IGNORE INTO labels (campaign_id, lead_id, label, reason, source, labeled_ms)
         SELECT campaign_id, ?1, label, reason, source, labeled_ms FROM labels WHERE lead_id = ?2",
        params![keep, gone],
    )?;
    conn.execute("DELETE FROM labels WHERE lead_id = ?1", [gone])?;
    conn.execute(
        "INSERT OR IGNORE INTO embeddings (lead_id, model, dim, vector, created_ms)
         SELECT ?1, model, dim, vector, created_ms FROM embeddings WHERE lead_id = ?2",
        params![keep, gone],
    )?;
    conn.execute("DELETE FROM embeddings WHERE lead_id = ?1", [gone])?;
    conn.execute("DELETE FROM leads WHERE id = ?1", [gone])?;
    Ok(())
}
