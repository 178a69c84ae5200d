//! Search keywords per campaign: added in batches (typically from the LLM), taken one at a
//! time by the search lane. A keyword is normalised (trimmed, inner whitespace collapsed) and
//! unique per campaign regardless of case, so a re-suggested keyword is not searched twice.

use super::error::CrmResult;
use rusqlite::{Connection, OptionalExtension, params};

/// A keyword in its stored form.
pub fn normalise(keyword: &str) -> String {
    keyword.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Adds keywords to `campaign`; empty and known ones are ignored. Returns how many were new.
pub fn add(conn: &Connection, campaign: u64, keywords: &[String], now_ms: u64) -> CrmResult<u32> {
    let mut new = 0;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO search_keywords (campaign_id, keyword, created_ms) VALUES (?1, ?2, ?3)",
    )?;
    for keyword in keywords {
        let keyword = normalise(keyword);
        if keyword.is_empty() {
            continue;
        }
        new += stmt.execute(params![campaign, keyword, now_ms])? as u32;
    }
    Ok(new)
}

/// Takes the oldest unused keyword of `campaign` and marks it used.
pub fn take(conn: &Connection, campaign: u64, now_ms: u64) -> CrmResult<Option<String>> {
    let next: Option<(u64, String)> = conn
        .query_row(
            "SELECT id, keyword FROM search_keywords
             WHERE campaign_id = ?1 AND used_ms IS NULL ORDER BY id LIMIT 1",
            [campaign],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, keyword)) = next else {
        return Ok(None);
    };
    conn.execute(
        "UPDATE search_keywords SET used_ms = ?2 WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(Some(keyword))
}

/// Every keyword `campaign` has used, in the order they were used.
pub fn used(conn: &Connection, campaign: u64) -> CrmResult<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT keyword FROM search_keywords WHERE campaign_id = ?1 AND used_ms IS NOT NULL
         ORDER BY used_ms, id",
    )?;
    let rows = stmt.query_map([campaign], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
