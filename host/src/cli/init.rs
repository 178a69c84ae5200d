//! `outlane init`: the configuration file, the LinkedIn account (password sealed) and the first
//! campaign, asked for interactively (bad values are asked again) or given as flags.

use super::{Global, UsageError, open_db};
use clap::Args;
use outlane::clock::Clock;
use outlane::config::default_config_path;
use outlane::crm::campaigns::{self, NewCampaign};
use outlane::crm::{CrmError, accounts, secret};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// The environment variable a non-interactive init reads the LinkedIn password from.
pub const PASSWORD_ENV: &str = "OUTLANE_LINKEDIN_PASSWORD";

/// `outlane init`
#[derive(Args)]
pub struct InitArgs {
    /// Take every value from the flags and the environment; never ask.
    #[arg(long)]
    non_interactive: bool,
    /// Overwrite an existing configuration file.
    #[arg(long)]
    force: bool,
    /// LinkedIn login (e-mail).
    #[arg(long, env = "OUTLANE_LINKEDIN_LOGIN")]
    login: Option<String>,
    /// The account's IANA time zone (days, weeks and working hours are counted in it).
    #[arg(long)]
    timezone: Option<String>,
    /// Where LinkedIn is served (the simulator's address for a trial).
    #[arg(long)]
    linkedin_url: Option<String>,
    /// OpenAI-compatible LLM endpoint.
    #[arg(long)]
    llm_url: Option<String>,
    /// LLM model name.
    #[arg(long)]
    llm_model: Option<String>,
    /// Name of the first campaign.
    #[arg(long)]
    campaign: Option<String>,
    /// What you sell, in your words.
    #[arg(long)]
    product_docs: Option<String>,
    /// Who you want to reach and why.
    #[arg(long)]
    objective: Option<String>,
    /// Follow-up message: a prompt template's name (default `follow_up`), or literal text with
    /// `{first_name}`, `{last_name}`, `{full_name}`, `{headline}`, `{company}` placeholders.
    #[arg(long)]
    follow_up: Option<String>,
    /// A link to book a call, appended to follow-ups ("" for none).
    #[arg(long)]
    booking_link: Option<String>,
}

/// The default follow-up: the `follow_up` prompt template (prompts/follow_up.j2), which
/// greets the person and says what the campaign sells. (It was once Jinja text stored as the
/// template itself, which the follow-up lane would have sent with its braces.)
const DEFAULT_FOLLOW_UP: &str = "follow_up";

/// Asks questions on a terminal (or reads answers from piped input).
struct Asker<'a> {
    input: Box<dyn BufRead + 'a>,
    interactive: bool,
}

impl Asker<'_> {
    /// The flag's value, or the answer to `question` (re-asked until `check` accepts it).
    fn value(
        &mut self,
        flag: Option<String>,
        question: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<String, String>,
    ) -> anyhow::Result<String> {
        if let Some(v) = flag {
            return check(&v).map_err(|e| UsageError(format!("{question}: {e}")).into());
        }
        if !self.interactive {
            return match default {
                Some(d) => Ok(d.to_string()),
                None => Err(UsageError(format!(
                    "{question}: give it as a flag (see `outlane init --help`)"
                ))
                .into()),
            };
        }
        loop {
            match default {
                Some(d) if !d.is_empty() => eprint!("{question} [{d}]: "),
                _ => eprint!("{question}: "),
            }
            std::io::stderr().flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                return Err(UsageError(format!("{question}: no answer (end of input)")).into());
            }
            let answer = line.trim();
            let answer = if answer.is_empty() {
                default.unwrap_or("")
            } else {
                answer
            };
            match check(answer) {
                Ok(v) => return Ok(v),
                Err(e) => eprintln!("  {e}; try again"),
            }
        }
    }

    fn password(&mut self) -> anyhow::Result<String> {
        if let Ok(p) = std::env::var(PASSWORD_ENV)
            && !p.is_empty()
        {
            return Ok(p);
        }
        if !self.interactive {
            return Err(UsageError(format!(
                "the LinkedIn password: set {PASSWORD_ENV} (it is sealed, never stored in clear)"
            ))
            .into());
        }
        loop {
            let p = if std::io::stdin().is_terminal() {
                rpassword::prompt_password("LinkedIn password (not shown): ")?
            } else {
                eprint!("LinkedIn password: ");
                let mut line = String::new();
                self.input.read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            };
            if !p.is_empty() {
                return Ok(p);
            }
            eprintln!("  the password is empty; try again");
        }
    }
}

fn nonempty(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        Err("it cannot be empty".into())
    } else {
        Ok(v.to_string())
    }
}

fn http_url(v: &str) -> Result<String, String> {
    match url::Url::parse(v.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            Ok(v.trim().trim_end_matches('/').to_string())
        }
        _ => Err(format!("`{}` is not an http(s) URL", v.trim())),
    }
}

fn timezone(v: &str) -> Result<String, String> {
    accounts::parse_time_zone(v.trim())
        .map(|_| v.trim().to_string())
        .map_err(|e| e.to_string())
}

fn booking(v: &str) -> Result<String, String> {
    if v.trim().is_empty() {
        return Ok(String::new());
    }
    campaigns::check_booking_link(v).map_err(|e| e.to_string())
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Runs `outlane init`.
pub fn run(global: &Global, args: InitArgs) -> anyhow::Result<ExitCode> {
    let config_path = global.config.clone().unwrap_or_else(default_config_path);
    if config_path.exists() && !args.force {
        return Err(UsageError(format!(
            "{} exists: pass --force to replace it (the database is kept)",
            config_path.display()
        ))
        .into());
    }
    let passphrase = secret::passphrase().map_err(|why| {
        UsageError(format!(
            "{why}: the LinkedIn password is sealed with it, and the daemon needs it to log in"
        ))
    })?;
    let stdin = std::io::stdin();
    let mut ask = Asker {
        input: Box::new(stdin.lock()),
        interactive: !args.non_interactive,
    };
    let login = ask.value(args.login, "LinkedIn login (e-mail)", None, &nonempty)?;
    let password = ask.password()?;
    let tz = ask.value(
        args.timezone,
        "Time zone (IANA, e.g. Europe/Berlin)",
        Some("UTC"),
        &timezone,
    )?;
    let linkedin = ask.value(
        args.linkedin_url,
        "LinkedIn address",
        Some(outlane_linkedin::CANONICAL_BASE),
        &http_url,
    )?;
    let llm_url = ask.value(
        args.llm_url,
        "LLM endpoint (OpenAI-compatible)",
        Some("https://api.openai.com/v1"),
        &http_url,
    )?;
    let llm_model = ask.value(args.llm_model, "LLM model", Some("gpt-4o-mini"), &nonempty)?;
    let campaign = ask.value(args.campaign, "First campaign's name", None, &nonempty)?;
    let product_docs = ask.value(args.product_docs, "What do you sell", None, &nonempty)?;
    let objective = ask.value(
        args.objective,
        "Who do you want to reach, and why",
        None,
        &nonempty,
    )?;
    let follow_up = ask.value(
        args.follow_up,
        "Follow-up template",
        Some(DEFAULT_FOLLOW_UP),
        &nonempty,
    )?;
    let booking_link = ask.value(
        args.booking_link,
        "Booking link (empty for none)",
        Some(""),
        &booking,
    )?;

    let found: String = outlane::resources::Resources::discover()
        .describe()
        .iter()
        .map(|line| format!("#   {line}\n"))
        .collect();
    let config = format!(
        "# Written by `outlane init`. See README.md for every key.\n\
         #\n\
         # The default lanes, the prompts, the embedding model and ONNX Runtime are found by the\n\
         # daemon wherever it runs ($OUTLANE_SHARE_DIR, else the install prefix, else the checkout);\n\
         # set [lanes] manifest, [llm] prompts or [qualifier] models/ort_library to use others.\n\
         # Found when this file was written:\n{found}\n\
         [linkedin]\nbase_url = {}\n\n[llm]\nbase_url = {}\nmodel = {}\n\
         api_key_env = \"OUTLANE_LLM_API_KEY\"   # export the key in this variable\n",
        toml_string(&linkedin),
        toml_string(&llm_url),
        toml_string(&llm_model)
    );
    if let Some(dir) = config_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&config_path, config)?;

    let db = open_db(global)?;
    let now = Clock::real().now_ms();
    let (account, campaign_id) = db
        .write_blocking(move |tx| {
            let account = match accounts::find(tx, &login) {
                Ok(a) => a.id,
                Err(CrmError::NotFound(_)) => {
                    // A new account warms up (crm::warmup); `outlane accounts warmup --off`
                    // for one with a history of this kind of activity.
                    let id = accounts::create(tx, &login, &tz, now)?;
                    outlane::crm::warmup::set(
                        tx,
                        id,
                        Some(outlane::crm::warmup::Ramp::starting(now)),
                    )?;
                    id
                }
                Err(e) => return Err(e),
            };
            accounts::set_password(tx, account, &passphrase, &password)?;
            let id = campaigns::create(
                tx,
                &NewCampaign {
                    account_id: account,
                    name: campaign,
                    product_docs,
                    objective,
                    follow_up_template: follow_up,
                    booking_link: (!booking_link.is_empty()).then_some(booking_link),
                },
                now,
            )?;
            Ok((account, id))
        })
        .map_err(|e| match e {
            CrmError::Invalid(m) | CrmError::NotFound(m) => anyhow::Error::from(UsageError(m)),
            other => other.into(),
        })?;
    println!(
        "wrote {}; account #{account} and campaign #{campaign_id} are in {}",
        config_path.display(),
        global.data_dir().database().display()
    );
    println!("next: export OUTLANE_LLM_API_KEY (unless your LLM needs none), then `outlane run`");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked() {
        assert!(http_url("https://x.org/v1/").is_ok());
        assert!(http_url("x.org").is_err());
        assert!(timezone("Europe/Berlin").is_ok());
        assert!(timezone("Mars/Olympus").is_err());
        assert_eq!(booking("").unwrap(), "");
        assert!(booking("cal").is_err());
        assert!(nonempty("  ").is_err());
        for tricky in ["a \"b\"", "it's", "back\\slash", "new\nline"] {
            let doc: toml::Table = toml::from_str(&format!("k = {}", toml_string(tricky))).unwrap();
            assert_eq!(doc["k"].as_str(), Some(tricky));
        }
    }
}
