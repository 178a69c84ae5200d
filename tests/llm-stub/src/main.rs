//! `outlane-llm-stub`: runs the OpenAI-compatible LLM stub until Ctrl-C.
//!
//! `outlane-llm-stub [--port N] [--api-key K] [--rule-any kw,kw] [--rule-none kw,kw]
//! [--keywords FILE] [--model ID] [--echo-profile]`; prints the base URL
//! (`http://127.0.0.1:PORT/v1`) on the first line of stdout.

use std::io::Write;
use std::path::Path;

use clap::Parser;
use outlane_llm_stub::{DEFAULT_MODEL, LlmStub, QualifyRule, StubConfig};

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "outlane-llm-stub",
    about = "OpenAI-compatible LLM stub for Outlane's tests and demo"
)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Require `Authorization: Bearer <KEY>`.
    #[arg(long)]
    api_key: Option<String>,
    /// Qualify profiles mentioning one of these keywords (comma-separated).
    #[arg(long, value_delimiter = ',')]
    rule_any: Vec<String>,
    /// Disqualify profiles mentioning one of these keywords (comma-separated).
    #[arg(long, value_delimiter = ',')]
    rule_none: Vec<String>,
    /// Keyword phrases for `search_keywords`, one per line (`#` starts a comment line).
    #[arg(long)]
    keywords: Option<std::path::PathBuf>,
    /// The model id listed by /v1/models.
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: String,
    /// Append the fenced profile text to qualification reasons.
    #[arg(long)]
    echo_profile: bool,
}

/// Reads a keyword file: one phrase per line; blank lines and `#` lines are skipped.
fn read_keywords(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let keywords = match &args.keywords {
        Some(path) => read_keywords(path)?,
        None => Vec::new(),
    };
    let clean = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let config = StubConfig {
        model: args.model.clone(),
        api_key: args.api_key.clone(),
        rule: QualifyRule {
            keywords_any: clean(&args.rule_any),
            keywords_none: clean(&args.rule_none),
        },
        keywords,
        echo_profile: args.echo_profile,
        faults: Vec::new(),
    };
    let stub = LlmStub::start_on(args.port, config).await?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", stub.base_url())?;
    out.flush()?;
    eprintln!(
        "model `{}`{}; Ctrl-C to stop",
        args.model,
        if args.api_key.is_some() {
            ", API key required"
        } else {
            ""
        }
    );
    tokio::signal::ctrl_c().await?;
    stub.stop().await;
    Ok(())
}
