//! Campaigns: what is being sold, to whom, and how the follow-up reads. Each belongs to one
//! account, whose limits it shares with that account's other campaigns.

use super::error::{CrmError, CrmResult};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// A campaign.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Campaign {
    /// Row id.
    pub id: u64,
    /// The account it acts as.
    pub account_id: u64,
    /// Unique name.
    pub name: String,
    /// What is being sold, in the user's words.
    pub product_docs: String,
    /// Who the campaign wants to reach and why.
    pub objective: String,
    /// The template of the sequence's first step (prompt name or template text); the steps
    /// themselves are in [`super::sequence`].
    pub follow_up_template: String,
    /// Appended to follow-ups when present.
    pub booking_link: Option<String>,
    /// Extra settings, a JSON object.
    pub settings_json: String,
    /// Whether the daemon works it.
    pub active: bool,
}

/// What is needed to create a campaign.
#[derive(Debug, Clone, Default)]
pub struct NewCampaign {
    /// The account it acts as.
    pub account_id: u64,
    /// Unique name.
    pub name: String,
    /// What is being sold.
    pub product_docs: String,
    /// Who to reach and why.
    pub objective: String,
    /// Follow-up template.
    pub follow_up_template: String,
    /// Booking link.
    pub booking_link: Option<String>,
}

const COLUMNS: &str = "id, account_id, name, product_docs, objective, \
                       coalesce((SELECT template FROM campaign_steps s \
                                 WHERE s.campaign_id = campaigns.id AND s.position = 1), ''), \
                       booking_link, settings_json, active";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Campaign> {
    Ok(Campaign {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        product_docs: r.get(3)?,
        objective: r.get(4)?,
        follow_up_template: r.get(5)?,
        booking_link: r.get(6)?,
        settings_json: r.get(7)?,
        active: r.get(8)?,
    })
}

/// Checks a follow-up template: a prompt name, or literal text whose placeholders are all
/// known ([`outlane_linkedin::template::check_placeholders`]). What would be sent as written
/// (`{firstname}`, `{{ first_name }}`) is refused before it is saved.
pub fn check_follow_up_template(template: &str) -> CrmResult<()> {
    use outlane_linkedin::template::{FollowUpTemplate, check_placeholders, follow_up_template};
    match follow_up_template(template) {
        FollowUpTemplate::Literal(text) => check_placeholders(text)
            .map_err(|e| CrmError::Invalid(format!("the follow-up template: {e}"))),
        _ => Ok(()),
    }
}

/// Creates an active campaign.
pub fn create(conn: &Connection, new: &NewCampaign, now_ms: u64) -> CrmResult<u64> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(CrmError::Invalid("the campaign name is empty".into()));
    }
    check_follow_up_template(&new.follow_up_template)?;
    super::accounts::get(conn, new.account_id)?;
    conn.execute(
        "INSERT INTO campaigns (account_id, name, product_docs, objective, booking_link, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            new.account_id,
            name,
            new.product_docs,
            new.objective,
            new.booking_link,
            now_ms
        ],
    )
    .map_err(|e| {
        CrmError::on_conflict(e, || format!("a campaign named `{name}` already exists"))
    })?;
    let id = conn.last_insert_rowid() as u64;
    super::sequence::set_first_template(conn, id, &new.follow_up_template)?;
    Ok(id)
}

/// The campaign with `id`.
pub fn get(conn: &Connection, id: u64) -> CrmResult<Campaign> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM campaigns WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CrmError::NotFound(format!("no campaign with id {id}")))
}

/// Every campaign, by id.
pub fn all(conn: &Connection) -> CrmResult<Vec<Campaign>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM campaigns ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The campaign named `key` (case-insensitive), or with id `key`.
pub fn find(conn: &Connection, key: &str) -> CrmResult<Campaign> {
    let by_name = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM campaigns WHERE name = ?1"),
            [key.trim()],
            from_row,
        )
        .optional()?;
    if let Some(c) = by_name {
        return Ok(c);
    }
    if let Ok(id) = key.trim().parse::<u64>() {
        return get(conn, id);
    }
    let names: Vec<String> = all(conn)?.into_iter().map(|c| c.name).collect();
    Err(CrmError::NotFound(if names.is_empty() {
        format!("no campaign `{key}`: there are no campaigns yet")
    } else {
        format!("no campaign `{key}` (known: {})", names.join(", "))
    }))
}

/// The campaign a call without an explicit one runs for: the only active campaign.
pub fn only_active(conn: &Connection) -> CrmResult<Campaign> {
    let active: Vec<Campaign> = all(conn)?.into_iter().filter(|c| c.active).collect();
    match active.len() {
        1 => Ok(active.into_iter().next().expect("one element")),
        0 => Err(CrmError::NotFound(
            "there is no active campaign: create one first".into(),
        )),
        n => Err(CrmError::Invalid(format!(
            "{n} campaigns are active, so the campaign must be named (e.g. --campaign {})",
            active[0].name
        ))),
    }
}

/// The campaign a lane call runs for: the one it names, else the only active campaign.
pub fn of_call(conn: &Connection, named: Option<u64>) -> CrmResult<Campaign> {
    match named {
        Some(id) => get(conn, id),
        None => only_active(conn),
    }
}

/// Changes to a campaign; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CampaignChanges {
    /// New name.
    pub name: Option<String>,
    /// New product description.
    pub product_docs: Option<String>,
    /// New objective.
    pub objective: Option<String>,
    /// New follow-up template.
    pub follow_up_template: Option<String>,
    /// New booking link (`Some(None)` removes it).
    pub booking_link: Option<Option<String>>,
    /// Work it (true) or pause it (false).
    pub active: Option<bool>,
}

/// Checks a booking link: an absolute http(s) URL.
pub fn check_booking_link(link: &str) -> CrmResult<String> {
    let link = link.trim();
    match url::Url::parse(link) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            Ok(link.to_string())
        }
        _ => Err(CrmError::Invalid(format!(
            "the booking link `{link}` is not an http(s) URL"
        ))),
    }
}

/// Applies `changes` to campaign `id`; returns the campaign as it is now.
pub fn update(conn: &Connection, id: u64, changes: &CampaignChanges) -> CrmResult<Campaign> {
    let mut c = get(conn, id)?;
    if let Some(name) = &changes.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(CrmError::Invalid("the campaign name is empty".into()));
        }
        c.name = name.to_string();
    }
    if let Some(v) = &changes.product_docs {
        c.product_docs = v.clone();
    }
    if let Some(v) = &changes.objective {
        c.objective = v.clone();
    }
    if let Some(v) = &changes.follow_up_template {
        check_follow_up_template(v)?;
        c.follow_up_template = v.clone();
    }
    if let Some(link) = &changes.booking_link {
        c.booking_link = match link {
            Some(l) => Some(check_booking_link(l)?),
            None => None,
        };
    }
    if let Some(active) = changes.active {
        c.active = active;
    }
    let name = c.name.clone();
    conn.execute(
        "UPDATE campaigns SET name = ?2, product_docs = ?3, objective = ?4, \
         booking_link = ?5, active = ?6 WHERE id = ?1",
        params![
            id,
            c.name,
            c.product_docs,
            c.objective,
            c.booking_link,
            c.active
        ],
    )
    .map_err(|e| {
        CrmError::on_conflict(e, || format!("a campaign named `{name}` already exists"))
    })?;
    if changes.follow_up_template.is_some() {
        super::sequence::set_first_template(conn, id, &c.follow_up_template)?;
    }
    Ok(c)
}
