//! `outlane export KIND`: the CRM's data as CSV or JSON Lines (`crm::export`; the columns are
//! in docs/export.md). Rows stream from the database to the output, so memory stays flat at
//! any size. With `-o FILE` the export is written beside FILE and renamed into place when
//! complete (private to the user: it holds personal data), so a crash leaves no half file.

use super::{Global, UsageError, open_db};
use clap::Args;
use outlane::clock::Clock;
use outlane::crm::campaigns;
use outlane::crm::export::{self, Filter, Format, Kind};
use std::io::{BufWriter, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Options of `outlane export`.
#[derive(Args)]
pub struct ExportArgs {
    /// What to export.
    kind: Kind,
    /// Only this campaign's rows (name or id).
    #[arg(long)]
    campaign: Option<String>,
    /// Only rows changed or made at or after this time: a date (2026-12-01, midnight UTC), an
    /// RFC 3339 time (2026-12-01T09:00:00Z) or milliseconds since the Unix epoch.
    #[arg(long)]
    since: Option<String>,
    /// CSV (with a header row) or JSON Lines.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `text` as milliseconds since the Unix epoch (see `--since`).
fn parse_since(text: &str) -> Result<u64, UsageError> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<u64>() {
        return Ok(ms);
    }
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return u64::try_from(ts.as_millisecond())
            .map_err(|_| UsageError(format!("--since {text}: before 1970")));
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>()
        && let Ok(zoned) = date.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return u64::try_from(zoned.timestamp().as_millisecond())
            .map_err(|_| UsageError(format!("--since {text}: before 1970")));
    }
    Err(UsageError(format!(
        "--since `{text}`: not a date (2026-12-01), an RFC 3339 time (2026-12-01T09:00:00Z) or milliseconds"
    )))
}

/// Where a file is written before it is renamed to `path`.
fn partial_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Runs `outlane export`.
pub fn run(global: &Global, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let since_ms = args.since.as_deref().map(parse_since).transpose()?;
    let db = open_db(global)?;
    let campaign = match args.campaign {
        Some(key) => Some(
            db.read_outside_tx_blocking(move |c| campaigns::find(c, &key))
                .map_err(|e| UsageError(e.to_string()))?
                .id,
        ),
        None => None,
    };
    let filter = Filter {
        campaign,
        since_ms,
        now_ms: Clock::real().now_ms(),
    };
    let (kind, format) = (args.kind, args.format);
    let started = Instant::now();
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |n: u64| {
        if show_progress {
            eprint!("\r{n} rows…");
        }
    };
    let rows = match &args.output {
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(64 << 10, stdout.lock());
            db.read_outside_tx_blocking(|c| {
                export::write(c, kind, filter, format, &mut out, &mut progress)
            })?
        }
        Some(path) => {
            let partial = partial_of(path);
            outlane::files::create_private_file(&partial)
                .map_err(|e| UsageError(format!("{}: cannot write it: {e}", partial.display())))?;
            let file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&partial)
                .map_err(|e| UsageError(format!("{}: cannot write it: {e}", partial.display())))?;
            let mut out = BufWriter::with_capacity(64 << 10, file);
            let written = db.read_outside_tx_blocking(|c| {
                export::write(c, kind, filter, format, &mut out, &mut progress)
            });
            let written = match written {
                Ok(n) => n,
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e.into());
                }
            };
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            std::fs::rename(&partial, path)?;
            written
        }
    };
    if show_progress {
        eprint!("\r");
    }
    let to = args
        .output
        .as_ref()
        .map_or("standard output".to_string(), |p| p.display().to_string());
    eprintln!(
        "Exported {rows} row(s) to {to} in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_date_a_time_or_milliseconds() {
        assert_eq!(parse_since("1795428000000").unwrap(), 1_795_428_000_000);
        assert_eq!(
            parse_since("2026-11-23T10:00:00Z").unwrap(),
            1_795_428_000_000
        );
        assert_eq!(
            parse_since("2026-11-23").unwrap(),
            1_795_428_000_000 - 10 * 3_600_000
        );
        assert!(parse_since("last week").is_err());
    }
}
