//! `outlane leads import`: reading a file of profile URLs, either one URL per line or a CSV
//! with a header naming a `url` column (`profile_url`, `linkedin_url`, `linkedin` also work;
//! optional `name`/`full_name` or `first_name`+`last_name`, and `headline`/`title`). Good rows
//! are imported, each bad one is reported with its line number and what is wrong with it.

use super::error::CrmResult;
use super::{leads, pipeline};
use crate::files::Bounded;
use outlane_linkedin::ProfileId;
use outlane_linkedin::text::clean_line;
use rusqlite::Connection;
use std::io::{BufRead, BufReader, Cursor, Read};

/// Largest import read (from a file or standard input).
pub const MAX_IMPORT_BYTES: u64 = 256 << 20;
/// Longest line of an import: no list of profile URLs has lines this long.
pub const MAX_LINE_BYTES: usize = 64 << 10;
/// Names and headlines are cut to this many characters.
const MAX_TEXT_CHARS: usize = 300;

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
    /// Rows naming someone the do-not-contact list names (also among `bad`, with the entry).
    pub do_not_contact: u32,
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
    /// The input could not be read, or is not an import file at all (too large, a line far
    /// longer than any URL).
    #[error("{0}")]
    Read(String),
}

/// Parses the text of an import file.
pub fn parse(text: &str) -> Result<ParsedImport, ImportError> {
    parse_reader(text.as_bytes())
}

/// Parses an import file as it is read: nothing is held but the rows, the whole input is
/// capped at [`MAX_IMPORT_BYTES`] and every line at [`MAX_LINE_BYTES`], so a stream of zeros
/// ends with an error instead of filling memory.
pub fn parse_reader<R: Read>(input: R) -> Result<ParsedImport, ImportError> {
    let mut reader = BufReader::new(Bounded::new(input, MAX_IMPORT_BYTES, MAX_LINE_BYTES));
    // Read up to the first line that is neither blank nor a comment: it tells a CSV header
    // from a URL. The lines read are replayed in front of the rest.
    let mut prefix = Vec::new();
    let mut first = String::new();
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| ImportError::Read(e.to_string()))?;
        if n == 0 {
            break;
        }
        if prefix.is_empty() && line.starts_with("\u{feff}".as_bytes()) {
            line.drain(..3);
        }
        prefix.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        let trimmed = text.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            first = trimmed.to_string();
            break;
        }
    }
    let is_csv = first.contains(',')
        || first.contains(';') && !first.contains("://")
        || URL_COLUMNS.contains(&first.to_ascii_lowercase().as_str());
    let rest = Cursor::new(prefix).chain(reader);
    if is_csv {
        parse_csv(rest, &first)
    } else {
        parse_lines(BufReader::new(rest))
    }
}

fn parse_lines(mut reader: impl BufRead) -> Result<ParsedImport, ImportError> {
    let mut parsed = ParsedImport::default();
    let mut line_no = 0;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let n = reader
            .read_until(b'\n', &mut raw)
            .map_err(|e| ImportError::Read(e.to_string()))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let Ok(line) = std::str::from_utf8(&raw) else {
            parsed.bad.push(BadRow {
                line: line_no,
                reason: "not valid UTF-8".into(),
            });
            continue;
        };
        let url = line.trim();
        if url.is_empty() || url.starts_with('#') {
            continue;
        }
        push(&mut parsed, line_no, url, None, None);
    }
    Ok(parsed)
}

/// A name or headline from a file: control and text-direction characters removed, cut to
/// [`MAX_TEXT_CHARS`]; nothing if nothing is left.
fn clean_text(text: Option<String>) -> Option<String> {
    let cleaned: String = clean_line(&text?).chars().take(MAX_TEXT_CHARS).collect();
    (!cleaned.is_empty()).then_some(cleaned)
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
            full_name: clean_text(full_name),
            headline: clean_text(headline),
        }),
        Err(e) => parsed.bad.push(BadRow {
            line,
            reason: e.to_string(),
        }),
    }
}

/// A CSV reader for a list file whose header line is `header` (`;` when it has no comma but
/// a semicolon; `#` comments, fields trimmed, every row as wide as the header).
pub(super) fn csv_reader<R: Read>(input: R, header: &str) -> csv::Reader<R> {
    let delimiter = if !header.contains(',') && header.contains(';') {
        b';'
    } else {
        b','
    };
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .comment(Some(b'#'))
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input)
}

/// The row a CSV error is about, with what is wrong in words.
pub(super) fn bad_csv_row(e: &csv::Error) -> BadRow {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    BadRow { line, reason }
}

fn parse_csv(input: impl Read, header: &str) -> Result<ParsedImport, ImportError> {
    let mut reader = csv_reader(input, header);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Io(io) => ImportError::Read(io.to_string()),
            _ => ImportError::BadHeader(e.to_string()),
        })?
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
                if let csv::ErrorKind::Io(io) = e.kind() {
                    return Err(ImportError::Read(io.to_string()));
                }
                parsed.bad.push(bad_csv_row(&e));
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
        if super::erasure::erased_at(conn, &row.profile)?.is_some() {
            report.bad.push(BadRow {
                line: row.line,
                reason: "this person was erased at their request: not imported".into(),
            });
            continue;
        }
        if let Some(entry) =
            super::dnc::refusal_of_profile(conn, &row.profile, row.headline.as_deref(), campaign)?
        {
            report.bad.push(BadRow {
                line: row.line,
                reason: format!("do not contact: {}", entry.describe()),
            });
            report.do_not_contact += 1;
            continue;
        }
        let (lead, new) = leads::ensure(conn, &row.profile, now_ms)?;
        let (name, headline) = (row.full_name.as_deref(), row.headline.as_deref());
        // A campaign's import is that campaign's knowledge; without a campaign it is kept on
        // the lead for the campaign that takes it later.
        let added = match campaign {
            Some(c) => {
                let added = pipeline::attach(conn, c, lead, "import", now_ms)?;
                pipeline::set_known_details(conn, c, lead, name, headline)?;
                added
            }
            None => {
                leads::set_known_details(conn, lead, name, headline)?;
                false
            }
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
    fn names_lose_control_and_direction_characters() {
        let text = "name,url,headline\n\
                    \"Jane\0 Doe\",https://www.linkedin.com/in/jane-doe/,\"CTO\u{202E}evil\"\n\
                    Bob,https://www.linkedin.com/in/bob%E2%80%AE/,x\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].full_name.as_deref(), Some("Jane Doe"));
        assert_eq!(parsed.rows[0].headline.as_deref(), Some("CTOevil"));
        assert_eq!(parsed.bad.len(), 1);
        assert!(
            parsed.bad[0].reason.contains("text-direction"),
            "{:?}",
            parsed.bad
        );
    }

    #[test]
    fn endless_input_ends_with_an_error() {
        let zeros = std::io::repeat(0).take(10 << 20);
        let e = parse_reader(zeros).unwrap_err().to_string();
        assert!(e.contains("line 1 is longer than 64KiB"), "{e}");
        let csv_then_zeros = "url,name\n"
            .as_bytes()
            .chain(std::io::repeat(b'x').take(10 << 20));
        let e = parse_reader(csv_then_zeros).unwrap_err().to_string();
        assert!(e.contains("line 2 is longer"), "{e}");
    }

    #[test]
    fn me_is_not_a_lead() {
        let parsed =
            parse("https://www.linkedin.com/in/me/\nhttps://www.linkedin.com/in/ann/\n").unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert!(
            parsed.bad[0].reason.contains("signed-in member"),
            "{:?}",
            parsed.bad
        );
    }

    #[test]
    fn csv_without_url_column_is_refused() {
        let err = parse("name,email\nJane,j@x.com\n").unwrap_err();
        assert_eq!(err, ImportError::NoUrlColumn("name, email".into()));
    }
}
