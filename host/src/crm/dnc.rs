//! The do-not-contact list: people, companies and headline keywords that no campaign (or one
//! campaign) may act toward. The host enforces it, so no lane can act around it:
//!
//! - discovery and import skip a listed person ([`refusal_of_profile`]: the lead is not even
//!   created when the list names it by its URL);
//! - `begin-action` refuses every outward action toward a listed lead
//!   ([`crate::crm::CrmError::Denied`], with the entry and its reason);
//! - a listed lead's open deals (discovered up to connected) move to `ignored` with the reason
//!   ([`sweep`]): when the entry is added, when a saved profile makes a lead match (a company
//!   or a keyword known only from the profile), and when `begin-action` is refused;
//! - a reply classified "asks to stop" lists the person everywhere
//!   ([`super::conversations::stop_contact`]).
//!
//! Entries ([`Target::parse`]): any form of a profile URL, an `urn:li:fsd_profile:` URN or a
//! bare member id (`ACoAA...`) for a person; `company:NAME`, a numeric company URL or an
//! `urn:li:company:`/`urn:li:fsd_company:` URN for a company (matched against the current
//! position's company); `keyword:TEXT` for a keyword (matched, case-insensitively, inside the
//! headline, the current title or a headline an import file gave).

use super::error::{CrmError, CrmResult};
use super::import::{BadRow, ImportError, MAX_IMPORT_BYTES, MAX_LINE_BYTES};
use super::stage::Stage;
use super::{leads, pipeline};
use crate::files::Bounded;
use outlane_linkedin::ProfileId;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::io::{BufReader, Read};

/// Longest keyword or company name accepted.
const MAX_VALUE_CHARS: usize = 200;
/// The form company URNs are stored in (Voyager's).
const COMPANY_URN: &str = "urn:li:fsd_company:";

/// What an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One person, by vanity id or member id.
    Person,
    /// Everyone whose current company it is, by name or URN.
    Company,
    /// Everyone whose headline or current title contains it.
    Keyword,
}

impl Kind {
    /// The kind's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Company => "company",
            Kind::Keyword => "keyword",
        }
    }

    fn parse(text: &str) -> CrmResult<Kind> {
        match text {
            "person" => Ok(Kind::Person),
            "company" => Ok(Kind::Company),
            "keyword" => Ok(Kind::Keyword),
            other => Err(CrmError::Invalid(format!(
                "unknown do-not-contact kind `{other}`"
            ))),
        }
    }
}

/// Who or what an entry names, in its stored (normalised) form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Target {
    /// Person, company or keyword.
    pub kind: Kind,
    /// Lower-cased vanity id or member id; lower-cased company name or
    /// `urn:li:fsd_company:<n>`; lower-cased keyword.
    pub value: String,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.value)
    }
}

/// Inner whitespace collapsed, trimmed, lower-cased.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A company URN or numeric company id in its stored form, if `text` is one.
fn company_urn(text: &str) -> Option<String> {
    let id = text
        .strip_prefix(COMPANY_URN)
        .or_else(|| text.strip_prefix("urn:li:company:"))
        .unwrap_or(text);
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{COMPANY_URN}{id}"))
}

/// The path of a URL after its host, if `text` looks like one on linkedin.com.
fn linkedin_path(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    (host == "linkedin.com" || host.ends_with(".linkedin.com")).then_some(path)
}

impl Target {
    /// Reads one entry as a person types it (see the module doc for the forms).
    pub fn parse(text: &str) -> Result<Target, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty entry".into());
        }
        let tagged = |prefix: &str| {
            text.get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .map(|_| text[prefix.len()..].trim())
        };
        let bounded = |kind: Kind, value: &str| {
            let value = normalise(value);
            if value.is_empty() {
                Err(format!("`{text}`: nothing after `{}:`", kind.as_str()))
            } else if value.chars().count() > MAX_VALUE_CHARS {
                Err(format!(
                    "`{}…`: longer than {MAX_VALUE_CHARS} characters",
                    value.chars().take(40).collect::<String>()
                ))
            } else {
                Ok(Target { kind, value })
            }
        };
        if let Some(name) = tagged("company:") {
            return match company_urn(name) {
                Some(urn) => Ok(Target {
                    kind: Kind::Company,
                    value: urn,
                }),
                None => bounded(Kind::Company, name),
            };
        }
        if let Some(keyword) = tagged("keyword:") {
            return bounded(Kind::Keyword, keyword);
        }
        if let Some(person) = tagged("person:") {
            return ProfileId::parse(person)
                .or_else(|_| ProfileId::from_identifier(person))
                .map(Target::person)
                .map_err(|e| format!("`{text}`: {e}"));
        }
        if text.starts_with("urn:li:company:") || text.starts_with(COMPANY_URN) {
            return company_urn(text)
                .map(|value| Target {
                    kind: Kind::Company,
                    value,
                })
                .ok_or_else(|| format!("`{text}`: a company URN ends in digits"));
        }
        if let Some(path) = linkedin_path(text)
            && let Some(company) = path.strip_prefix("company/")
        {
            let id = company.split(['/', '?', '#']).next().unwrap_or("");
            return company_urn(id)
                .map(|value| Target {
                    kind: Kind::Company,
                    value,
                })
                .ok_or_else(|| {
                    format!(
                        "`{text}`: a company page URL names the company only by its number \
                         (linkedin.com/company/1234/); write company:NAME instead"
                    )
                });
        }
        if text.starts_with("ACoAA")
            && let Ok(id) = ProfileId::from_identifier(text)
        {
            return Ok(Target::person(id));
        }
        ProfileId::parse(text).map(Target::person).map_err(|e| {
            format!(
                "`{text}`: {e} (a person is a profile URL or member id; write company:NAME or \
                 keyword:TEXT for the others)"
            )
        })
    }

    /// The entry naming the person `id`.
    pub fn person(id: ProfileId) -> Target {
        Target {
            kind: Kind::Person,
            value: id.as_str().to_string(),
        }
    }
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// Row id (what `outlane dnc remove` takes).
    pub id: u64,
    /// Who or what.
    #[serde(flatten)]
    pub target: Target,
    /// The one campaign it applies to; `None`: every campaign.
    pub campaign: Option<u64>,
    /// Why, as the person who added it said.
    pub reason: String,
    /// Who added it: `cli`, `import`, `console`, `reply`...
    pub source: String,
    /// When (ms).
    pub added_ms: u64,
}

impl Entry {
    /// "person jane-doe (every campaign: asked by e-mail)".
    pub fn describe(&self) -> String {
        let scope = match self.campaign {
            None => "every campaign".to_string(),
            Some(c) => format!("campaign {c}"),
        };
        if self.reason.is_empty() {
            format!("{} ({scope})", self.target)
        } else {
            format!("{} ({scope}: {})", self.target, self.reason)
        }
    }
}

const COLUMNS: &str = "id, kind, value, campaign_id, reason, source, added_ms";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(Entry, String)> {
    let kind: String = r.get(1)?;
    Ok((
        Entry {
            id: r.get(0)?,
            target: Target {
                kind: Kind::Person,
                value: r.get(2)?,
            },
            campaign: r.get(3)?,
            reason: r.get(4)?,
            source: r.get(5)?,
            added_ms: r.get(6)?,
        },
        kind,
    ))
}

fn entries(rows: impl Iterator<Item = rusqlite::Result<(Entry, String)>>) -> CrmResult<Vec<Entry>> {
    let mut out = Vec::new();
    for row in rows {
        let (mut entry, kind) = row?;
        entry.target.kind = Kind::parse(&kind)?;
        out.push(entry);
    }
    Ok(out)
}

/// Adds an entry (`campaign` `None`: every campaign). Returns its id and whether it is new: the
/// same target and scope twice is one entry (its first reason kept).
pub fn add(
    conn: &Connection,
    target: &Target,
    campaign: Option<u64>,
    reason: &str,
    source: &str,
    now_ms: u64,
) -> CrmResult<(u64, bool)> {
    if let Some(c) = campaign {
        super::campaigns::get(conn, c)?;
    }
    let reason: String = outlane_linkedin::text::clean_line(reason)
        .chars()
        .take(MAX_VALUE_CHARS)
        .collect();
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO do_not_contact (kind, value, campaign_id, reason, source, added_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            target.kind.as_str(),
            target.value,
            campaign,
            reason,
            source,
            now_ms
        ],
    )?;
    let id = conn.query_row(
        "SELECT id FROM do_not_contact
         WHERE kind = ?1 AND value = ?2 AND coalesce(campaign_id, 0) = coalesce(?3, 0)",
        params![target.kind.as_str(), target.value, campaign],
        |r| r.get(0),
    )?;
    Ok((id, inserted == 1))
}

/// Removes entry `id`; returns it. Leads it moved to `ignored` stay there (a terminal stage:
/// add them to a campaign again to work them).
pub fn remove(conn: &Connection, id: u64) -> CrmResult<Entry> {
    let entry = get(conn, id)?;
    conn.execute("DELETE FROM do_not_contact WHERE id = ?1", [id])?;
    Ok(entry)
}

/// Entry `id`.
pub fn get(conn: &Connection, id: u64) -> CrmResult<Entry> {
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM do_not_contact WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| CrmError::NotFound(format!("no do-not-contact entry {id}")))?;
    Ok(entries(std::iter::once(Ok(found)))?.remove(0))
}

/// The entries that apply to `campaign` (the global ones and its own), or all of them; oldest
/// first.
pub fn list(conn: &Connection, campaign: Option<u64>) -> CrmResult<Vec<Entry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM do_not_contact
         WHERE ?1 IS NULL OR campaign_id IS NULL OR campaign_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([campaign], from_row)?;
    entries(rows)
}

/// What is known of a person to match against the list.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// Vanity and member ids known.
    pub ids: Vec<String>,
    /// The current company: its lower-cased name and its URN, as known.
    pub company_name: Option<String>,
    /// See [`Facts::company_name`].
    pub company_urn: Option<String>,
    /// Texts keywords are looked for in: headline, current title, a headline an import gave.
    pub texts: Vec<String>,
}

impl Facts {
    /// What the CRM knows of `lead` as `campaign` sees it (`None`: the lead alone).
    pub fn of_lead(conn: &Connection, lead: u64, campaign: Option<u64>) -> CrmResult<Facts> {
        let l = leads::get(conn, lead)?;
        let (urn, known_headline): (Option<String>, Option<String>) = conn.query_row(
            "SELECT (SELECT urn FROM companies c JOIN leads l ON c.id = l.company_id
                         WHERE l.id = ?1),
                        (SELECT known_headline FROM deals WHERE lead_id = ?1 AND campaign_id = ?2)",
            params![lead, campaign],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let title = l
            .profile_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<outlane_linkedin::Profile>(j).ok())
            .and_then(|p| p.positions.into_iter().next())
            .map(|p| p.title);
        Ok(Facts {
            ids: [l.public_id, l.member_id].into_iter().flatten().collect(),
            company_name: l.company.as_deref().map(normalise),
            company_urn: urn.as_deref().and_then(company_urn),
            texts: [l.headline, title, known_headline]
                .into_iter()
                .flatten()
                .map(|t| normalise(&t))
                .collect(),
        })
    }
}

/// The entry that forbids contacting the person `facts` describe in `campaign` (`None`: outside
/// any campaign, so only the global entries), if one does.
pub fn refusal_for(
    conn: &Connection,
    facts: &Facts,
    campaign: Option<u64>,
) -> CrmResult<Option<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM do_not_contact
         WHERE (campaign_id IS NULL OR campaign_id = ?1)
           AND ((kind = 'person' AND value IN (?2, ?3))
             OR (kind = 'company' AND value IN (?4, ?5))
             OR kind = 'keyword')
         ORDER BY kind = 'keyword', id"
    ))?;
    let id = |i: usize| facts.ids.get(i).map(String::as_str);
    let rows = stmt.query_map(
        params![
            campaign,
            id(0),
            id(1),
            facts.company_name,
            facts.company_urn
        ],
        from_row,
    )?;
    for entry in entries(rows)? {
        let matches = match entry.target.kind {
            Kind::Person | Kind::Company => true,
            Kind::Keyword => facts.texts.iter().any(|t| t.contains(&entry.target.value)),
        };
        if matches {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

/// The entry that forbids contacting lead `lead` in `campaign`, if one does.
pub fn refusal(conn: &Connection, lead: u64, campaign: u64) -> CrmResult<Option<Entry>> {
    refusal_for(
        conn,
        &Facts::of_lead(conn, lead, Some(campaign))?,
        Some(campaign),
    )
}

/// For a profile about to be added to `campaign`: the entry that forbids it, looking at the
/// lead if the CRM knows the person, else at the id alone (and at `headline`, if a file gave
/// one).
pub fn refusal_of_profile(
    conn: &Connection,
    profile: &ProfileId,
    headline: Option<&str>,
    campaign: Option<u64>,
) -> CrmResult<Option<Entry>> {
    let mut facts = match leads::find(conn, profile)? {
        Some(lead) => Facts::of_lead(conn, lead, campaign)?,
        None => Facts {
            ids: vec![profile.as_str().to_string()],
            ..Facts::default()
        },
    };
    facts.texts.extend(headline.map(normalise));
    refusal_for(conn, &facts, campaign)
}

/// Moves the open deals (discovered up to connected) of listed leads to `ignored`, each with
/// the entry that forbids it: every lead, or only `lead`. Returns how many deals moved.
pub fn sweep(conn: &Connection, lead: Option<u64>, actor: &str, now_ms: u64) -> CrmResult<u32> {
    let open: Vec<(u64, u64)> = {
        let mut stmt = conn.prepare(
            "SELECT campaign_id, lead_id FROM deals
             WHERE stage IN ('discovered', 'enriched', 'qualified', 'pending', 'connected')
               AND (?1 IS NULL OR lead_id = ?1)
             ORDER BY id",
        )?;
        let rows = stmt.query_map([lead], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    if open.is_empty() || !any_entries(conn)? {
        return Ok(0);
    }
    let mut moved = 0;
    for (campaign, lead) in open {
        if let Some(entry) = refusal(conn, lead, campaign)? {
            let reason = format!("do not contact: {}", entry.describe());
            if pipeline::set_stage(conn, campaign, lead, Stage::Ignored, &reason, actor, now_ms)? {
                moved += 1;
            }
        }
    }
    Ok(moved)
}

fn any_entries(conn: &Connection) -> CrmResult<bool> {
    Ok(
        conn.query_row("SELECT EXISTS (SELECT 1 FROM do_not_contact)", [], |r| {
            r.get(0)
        })?,
    )
}

/// One good line of a list file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// 1-based line in the file.
    pub line: u64,
    /// Who or what.
    pub target: Target,
    /// The row's reason (CSV `reason` column), if any.
    pub reason: Option<String>,
}

/// A parsed list file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedList {
    /// Good rows, in file order.
    pub rows: Vec<ListRow>,
    /// Rejected rows, with their line and reason.
    pub bad: Vec<BadRow>,
}

/// Columns of a CSV list: the first non-empty one of a row is its entry.
const URL_COLUMNS: [&str; 6] = [
    "url",
    "profile_url",
    "profile url",
    "linkedin_url",
    "linkedin url",
    "linkedin",
];

/// Reads a list file: one entry per line (`#` comments and blank lines skipped), or a CSV whose
/// header names a `url` (or `profile_url`, `linkedin_url`, `linkedin`), `member_id`,
/// `company` or `keyword` column, with an optional `reason`. In a CSV row the person wins: its
/// URL or member id if given, else its company, else its keyword (a contact export that has a
/// company column lists the person, not their whole company). Input is bounded as
/// `leads import` bounds it.
pub fn parse_list<R: Read>(input: R) -> Result<ParsedList, ImportError> {
    let mut reader = BufReader::new(Bounded::new(input, MAX_IMPORT_BYTES, MAX_LINE_BYTES));
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|e| ImportError::Read(e.to_string()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let header: Vec<String> = first
        .split([',', ';'])
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let is_csv = header.iter().any(|h| {
        URL_COLUMNS.contains(&h.as_str())
            || ["member_id", "company", "keyword"].contains(&h.as_str())
    });
    if is_csv {
        parse_csv(text, first)
    } else {
        Ok(parse_lines(text))
    }
}

fn parse_lines(text: &str) -> ParsedList {
    let mut parsed = ParsedList::default();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        match Target::parse(entry) {
            Ok(target) => parsed.rows.push(ListRow {
                line: line_no,
                target,
                reason: None,
            }),
            Err(reason) => parsed.bad.push(BadRow {
                line: line_no,
                reason,
            }),
        }
    }
    parsed
}

fn parse_csv(text: &str, header: &str) -> Result<ParsedList, ImportError> {
    let mut reader = super::import::csv_reader(text.as_bytes(), header);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::BadHeader(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (url, member, company, keyword, reason) = (
        column(&URL_COLUMNS),
        column(&["member_id", "member id"]),
        column(&["company"]),
        column(&["keyword"]),
        column(&["reason"]),
    );
    let mut parsed = ParsedList::default();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                let field = |i: Option<usize>| {
                    i.and_then(|i| record.get(i))
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                };
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let target = if let Some(u) = field(url).or(field(member)) {
                    Target::parse(u).and_then(|t| {
                        if t.kind == Kind::Person {
                            Ok(t)
                        } else {
                            Err(format!("`{u}` is not a person's profile URL or member id"))
                        }
                    })
                } else if let Some(c) = field(company) {
                    Target::parse(&format!("company:{c}"))
                } else if let Some(k) = field(keyword) {
                    Target::parse(&format!("keyword:{k}"))
                } else {
                    Err("no url, member_id, company or keyword in this row".into())
                };
                match target {
                    Ok(target) => parsed.rows.push(ListRow {
                        line,
                        target,
                        reason: field(reason).map(str::to_string),
                    }),
                    Err(reason) => parsed.bad.push(BadRow { line, reason }),
                }
            }
            Err(e) => parsed.bad.push(super::import::bad_csv_row(&e)),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::fixture::{MEMBER, MONDAY, fixture};
    use crate::crm::{Action, campaigns, journal};

    fn target(text: &str) -> Target {
        Target::parse(text).unwrap()
    }

    #[test]
    fn entries_are_read_in_every_form_people_write_them() {
        let person = |v: &str| Target {
            kind: Kind::Person,
            value: v.into(),
        };
        assert_eq!(
            target("https://www.linkedin.com/in/Jane-Doe/?x=1"),
            person("jane-doe")
        );
        assert_eq!(target("linkedin.com/in/jane-doe"), person("jane-doe"));
        assert_eq!(target(MEMBER), person(MEMBER));
        assert_eq!(
            target(&format!("urn:li:fsd_profile:{MEMBER}")),
            person(MEMBER)
        );
        assert_eq!(target("person:Jane-Doe"), person("jane-doe"));
        let company = |v: &str| Target {
            kind: Kind::Company,
            value: v.into(),
        };
        assert_eq!(target("company:  Acme   Corp "), company("acme corp"));
        assert_eq!(
            target("Company:urn:li:company:5164"),
            company("urn:li:fsd_company:5164")
        );
        assert_eq!(
            target("urn:li:fsd_company:5164"),
            company("urn:li:fsd_company:5164")
        );
        assert_eq!(
            target("https://www.linkedin.com/company/5164/"),
            company("urn:li:fsd_company:5164")
        );
        assert_eq!(
            target("keyword:Recruiter"),
            Target {
                kind: Kind::Keyword,
                value: "recruiter".into()
            }
        );
        for bad in [
            "",
            "acme",
            "company:",
            "keyword:   ",
            "https://example.com/in/jane",
            "https://www.linkedin.com/company/acme-corp/",
            "urn:li:company:acme",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let why = Target::parse("acme").unwrap_err();
        assert!(why.contains("company:NAME"), "{why}");
    }

    #[test]
    fn a_list_file_reports_bad_rows_by_line() {
        let lines =
            "# blocked\nhttps://www.linkedin.com/in/a/\n\nnot a url\ncompany:Acme\nkeyword:\n";
        let parsed = parse_list(lines.as_bytes()).unwrap();
        assert_eq!(
            parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 5]
        );
        assert_eq!(
            parsed.bad.iter().map(|b| b.line).collect::<Vec<_>>(),
            [4, 6]
        );
        let csv = "url,company,reason\nhttps://www.linkedin.com/in/b/,Acme,asked by mail\n,Globex,competitor\nnope,,\n,,\n\"x\",\"y\"\n";
        let parsed = parse_list(csv.as_bytes()).unwrap();
        let rows: Vec<_> = parsed
            .rows
            .iter()
            .map(|r| (r.line, r.target.to_string(), r.reason.clone()))
            .collect();
        assert_eq!(
            rows,
            [
                (2, "person b".to_string(), Some("asked by mail".to_string())),
                (
                    3,
                    "company globex".to_string(),
                    Some("competitor".to_string())
                ),
            ]
        );
        assert_eq!(
            parsed.bad.iter().map(|b| b.line).collect::<Vec<_>>(),
            [4, 6],
            "{:?}",
            parsed.bad
        );
    }

    #[test]
    fn a_listed_person_is_not_discovered_and_no_action_toward_them_is_begun() {
        let f = fixture();
        let c = f.campaign;
        let listed = f.lead_at("listed", Stage::Qualified);
        let other = f.lead_at("other", Stage::Qualified);
        let moved =
            f.db.write_blocking(move |tx| {
                add(
                    tx,
                    &target("linkedin.com/in/listed"),
                    None,
                    "asked by e-mail",
                    "test",
                    MONDAY,
                )?;
                add(
                    tx,
                    &target("linkedin.com/in/never-seen"),
                    Some(c),
                    "",
                    "test",
                    MONDAY,
                )?;
                // Twice is one entry.
                assert!(
                    !add(
                        tx,
                        &target("linkedin.com/in/LISTED/"),
                        None,
                        "again",
                        "test",
                        MONDAY
                    )?
                    .1
                );
                sweep(tx, None, "dnc", MONDAY)
            })
            .unwrap();
        assert_eq!(moved, 1);
        assert_eq!(f.stage(listed), Stage::Ignored);
        assert_eq!(f.stage(other), Stage::Qualified);
        let report =
            f.db.write_blocking(move |tx| {
                pipeline::discover(
                    tx,
                    c,
                    &[
                        "https://www.linkedin.com/in/never-seen/".to_string(),
                        "https://www.linkedin.com/in/fresh/".to_string(),
                    ],
                    &[],
                    "test",
                    MONDAY,
                )
            })
            .unwrap();
        assert_eq!((report.new, report.do_not_contact), (1, 1));
        let never =
            f.db.read_outside_tx_blocking(|c| {
                leads::find(
                    c,
                    &ProfileId::parse("https://www.linkedin.com/in/never-seen/").unwrap(),
                )
            })
            .unwrap();
        assert_eq!(never, None, "a listed person is not even stored");
        // The journal refuses the host's own way in too, whatever the stage.
        let err =
            f.db.write_blocking(move |tx| {
                tx.execute(
                    "UPDATE deals SET stage = 'qualified' WHERE lead_id = ?1",
                    [listed],
                )?;
                let campaign = campaigns::get(tx, c)?;
                journal::begin(tx, &campaign, listed, Action::Invite, "", "rogue", MONDAY)
            })
            .unwrap_err();
        match err {
            CrmError::Denied(m) => {
                assert!(
                    m.contains("do not contact") && m.contains("asked by e-mail"),
                    "{m}"
                )
            }
            other => panic!("expected a denial, got {other:?}"),
        }
    }

    #[test]
    fn a_person_who_asks_to_stop_is_listed_everywhere() {
        let f = fixture();
        let lead = f.lead_at("stop-me", Stage::Connected);
        let entries =
            f.db.write_blocking(move |tx| {
                crate::crm::conversations::stop_contact(tx, lead, "please stop", "inbox", MONDAY)?;
                list(tx, None)
            })
            .unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!(
            (e.target.to_string(), e.campaign, e.source.as_str()),
            ("person stop-me".to_string(), None, "reply")
        );
        assert!(e.reason.contains("please stop"), "{e:?}");
    }

    #[test]
    fn companies_and_keywords_match_what_the_profile_says() {
        let f = fixture();
        let c = f.campaign;
        let lead = f.lead_at("cto", Stage::Discovered);
        f.db.write_blocking(move |tx| {
            add(
                tx,
                &target("company:Globex"),
                Some(c),
                "competitor",
                "test",
                MONDAY,
            )?;
            add(tx, &target("keyword:recruit"), None, "", "test", MONDAY)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(
            f.stage(lead),
            Stage::Discovered,
            "nothing known matches yet"
        );
        let save = |company: &str, headline: &str| {
            let profile = serde_json::json!({
                "public_identifier": "cto",
                "headline": headline,
                "positions": [{"title": "CTO", "company_name": company}],
            })
            .to_string();
            f.db.write_blocking(move |tx| {
                leads::save_profile(tx, lead, &profile, None, None, "enrich", MONDAY)?;
                refusal(tx, lead, c)
            })
            .unwrap()
        };
        let hit = save("GLOBEX", "CTO at Globex").expect("the company is listed");
        assert_eq!(hit.target.to_string(), "company globex");
        assert_eq!(
            f.stage(lead),
            Stage::Ignored,
            "saving the profile swept the lead"
        );
        assert!(save("Initech", "CTO at Initech").is_none());
        assert!(
            save("Initech", "Senior Recruiter").is_some(),
            "keywords match the headline"
        );
    }
}
