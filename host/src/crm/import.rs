//! `outlane leads import`: reading a file of profile URLs, either one URL per line or a CSV
//! with a header naming a `url` column (`profile_url`, `linkedin_url`, `linkedin` also work;
//! optional `name`/`full_name` or `first_name`+`last_name`, and `headline`/`title`). Good rows
//! are imported, each bad one is reported with its line number and what is wrong with it.

use super::error::CrmResult;
use super::{leads, pipeline};
use outlane_linkedin::ProfileId;
use rusqlite::Connection;

const URL_COLUMNS: [&str; 6] = [
    "url",
    "profile_url",
    "profile url",
    "linkedin_url",
    "linkedin url",
    "linkedin",
];

/// One good row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// 1-based line in the file.
    pub line: u64,
    /// The person.
    pub profile: ProfileId,
    /// Name, if the file gives one.
    pub full_name: Option<String>,
    /// Headline, if the file gives one.
    pub headline: Option<String>,
}

/// A row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadRow {
    /// 1-based line in the file.
    pub line: u64,
    /// What is wrong.
    pub reason: String,
}

/// A parsed import file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedImport {
    /// Rows to import, in file order.
    pub rows: Vec<ImportRow>,
    /// Rows that were rejected.
    pub bad: Vec<BadRow>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Leads that did not exist before.
    pub new_leads: u32,
    /// Leads added to the campaign (new or known before).
    pub added_to_campaign: u32,
    /// Rows naming a person already known (to the campaign, or earlier in the file).
    pub already_known: u32,
    /// Rejected rows.
    pub bad: Vec<BadRow>,
}

/// Why a whole file cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A CSV header without a URL column.
    #[error("the CSV header has no URL column (found: {0}); name the column `url`")]
    NoUrlColumn(String),
    /// The header itself is unreadable.
    #[error("line 1: cannot read the CSV header: {0}")]
    BadHeader(String),
}

/// Parses the text of an import file.
pub fn parse(text: &str) -> Result<ParsedImport, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = first_line(text);
    let is_csv = first.contains(',')
        || first.contains(';') && !first.contains("://")
        || URL_COLUMNS.contains(&first.trim().to_ascii_lowercase().as_str());
    if is_csv {
        parse_csv(text)
    } else {
        Ok(parse_lines(text))
    }
}

/// The first line that is neither blank nor a `#` comment.
fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or("")
}

fn parse_lines(text: &str) -> ParsedImport {
    let mut parsed = ParsedImport::default();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let url = line.trim();
        if url.is_empty() || url.starts_with('#') {
            continue;
        }
        push(&mut parsed, line_no, url, None, None);
    }
    parsed
}

fn push(
    parsed: &mut ParsedImport,
    line: u64,
    url: &str,
    full_name: Option<String>,
    headline: Option<String>,
) {
    match ProfileId::parse(url) {
        Ok(profile) => parsed.rows.push(ImportRow {
            line,
            profile,
            full_name,
            headline,
        }),
        Err(e) => parsed.bad.push(BadRow {
            line,
            reason: e.to_string(),
        }),
    }
}

fn parse_csv(text: &str) -> Result<ParsedImport, ImportError> {
    let header = first_line(text);
    let delimiter = if !header.contains(',') && header.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .comment(Some(b'#'))
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::BadHeader(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let url = column(&URL_COLUMNS).ok_or_else(|| ImportError::NoUrlColumn(headers.join(", ")))?;
    let name = column(&["name", "full_name", "full name"]);
    let first_name = column(&["first_name", "first name"]);
    let last_name = column(&["last_name", "last name"]);
    let headline = column(&["headline", "title"]);
    let mut parsed = ParsedImport::default();
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
                        .map(str::to_string)
                };
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let full_name = field(name).or_else(|| {
                    let joined = [field(first_name), field(last_name)]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    (!joined.is_empty()).then_some(joined)
                });
                match field(Some(url)) {
                    Some(u) => push(&mut parsed, line, &u, full_name, field(headline)),
                    None => parsed.bad.push(BadRow {
                        line,
                        reason: format!("the `{}` column is empty", headers[url]),
                    }),
                }
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("{len} fields where the header has {expected_len}"),
                    csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
                    _ => e.to_string(),
                };
                parsed.bad.push(BadRow { line, reason });
            }
        }
    }
    Ok(parsed)
}

/// Imports parsed rows: creates the leads and, with a campaign, adds them to it. Run it in a
/// transaction.
pub fn apply(
    conn: &Connection,
    parsed: ParsedImport,
    campaign: Option<u64>,
    now_ms: u64,
) -> CrmResult<ImportReport> {
    let mut report = ImportReport {
        bad: parsed.bad,
        ..ImportReport::default()
    };
    for row in parsed.rows {
        let (lead, new) = leads::ensure(conn, &row.profile, now_ms)?;
        leads::set_known_details(
            conn,
            lead,
            row.full_name.as_deref(),
            row.headline.as_deref(),
        )?;
        let added = match campaign {
            Some(c) => pipeline::attach(conn, c, lead, "import", now_ms)?,
            None => false,
        };
        report.new_leads += u32::from(new);
        report.added_to_campaign += u32::from(added);
        if !new && !added {
            report.already_known += 1;
        }
    }
    report.bad.sort_by_key(|b| b.line);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_url_per_line() {
        let text = "# my list, exported 2026\nhttps://www.linkedin.com/in/jane-doe/\n\n  linkedin.com/in/bob  \nhttps://example.com/in/x\nnot a url\n";
        let parsed = parse(text).unwrap();
        let ids: Vec<&str> = parsed.rows.iter().map(|r| r.profile.as_str()).collect();
        assert_eq!(ids, vec!["jane-doe", "bob"]);
        assert_eq!(parsed.rows[1].line, 4);
        let bad: Vec<u64> = parsed.bad.iter().map(|b| b.line).collect();
        assert_eq!(bad, vec![5, 6]);
        assert!(
            parsed.bad[0].reason.contains("not a LinkedIn host"),
            "{:?}",
            parsed.bad
        );
    }

    #[test]
    fn csv_with_bad_rows_reports_each_by_line() {
        let text = "name,url,headline\n\
                    Jane Doe,https://www.linkedin.com/in/jane-doe/,CTO\n\
                    Bob,https://www.linkedin.com/company/acme/,CEO\n\
                    Too,many,fields,here\n\
                    Empty,,x\n\
                    \"Quoted, Name\",https://www.linkedin.com/in/quoted/?trk=1,\"Head, line\"\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].full_name.as_deref(), Some("Jane Doe"));
        assert_eq!(parsed.rows[1].line, 6);
        assert_eq!(parsed.rows[1].full_name.as_deref(), Some("Quoted, Name"));
        assert_eq!(parsed.rows[1].headline.as_deref(), Some("Head, line"));
        let bad: Vec<(u64, &str)> = parsed
            .bad
            .iter()
            .map(|b| (b.line, b.reason.as_str()))
            .collect();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert_eq!(bad[0].0, 3);
        assert!(bad[0].1.contains("not a profile URL"));
        assert_eq!(bad[1], (4, "4 fields where the header has 3"));
        assert_eq!(bad[2], (5, "the `url` column is empty"));
    }

    #[test]
    fn semicolon_csv_after_a_comment_and_a_blank_line() {
        let parsed = parse("# export\n\nurl;name\nhttps://www.linkedin.com/in/ann/;Ann\n").unwrap();
        assert_eq!(parsed.bad, vec![]);
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].full_name.as_deref(), Some("Ann"));
        assert_eq!(parsed.rows[0].line, 4);
    }

    #[test]
    fn csv_without_url_column_is_refused() {
        let err = parse("name,email\nJane,j@x.com\n").unwrap_err();
        assert_eq!(err, ImportError::NoUrlColumn("name, email".into()));
    }
}
