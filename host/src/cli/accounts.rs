//! `outlane accounts`: list, add, set a password, and resume an account that LinkedIn made
//! wait for a person.

use super::table::{Table, clean};
use super::{Global, UsageError, open_db};
use clap::Subcommand;
use outlane::crm::{CrmError, accounts};
use std::process::ExitCode;

/// `outlane accounts ...`
#[derive(Subcommand)]
pub enum AccountsCommand {
    /// List the accounts with their state.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Resume an account paused by you (`pause`), by a checkpoint or by a refused login, once
    /// you have solved it (logged in by hand, or fixed the password).
    Resume {
        /// The account's login (e-mail).
        login: String,
    },
    /// Stop acting for an account until `outlane accounts resume` (its campaigns keep their
    /// state; the daemon picks the change up within seconds).
    Pause {
        /// The account's login (e-mail).
        login: String,
    },
    /// Remove an account from the daemon's work: it becomes inactive and its campaigns are
    /// paused; its history (leads, journal, messages, conversations) is kept. `add` brings it
    /// back.
    Remove {
        /// The account's login (e-mail).
        login: String,
    },
    /// Add a LinkedIn account (then `set-password`, and a campaign for it). It warms up: 5
    /// invitations and messages a day at first, its full limits after 15 working days.
    Add {
        /// The account's login (e-mail).
        login: String,
        /// Its IANA time zone (days, weeks and working hours are counted in it).
        #[arg(long, default_value = "UTC")]
        timezone: String,
        /// No warm-up: the account already sends this much by hand or with another tool.
        #[arg(long)]
        no_warmup: bool,
    },
    /// Show an account's health guards, or change them: no new invitation while
    /// `max-pending` wait for an answer (the oldest are withdrawn first); invitations pause
    /// for 48 h when fewer than `min-acceptance` % of the last `window` answered ones were
    /// accepted.
    Guards {
        /// The account's login (e-mail).
        login: String,
        /// Invitations waiting for an answer at which new ones stop (default 300).
        #[arg(long)]
        max_pending: Option<u32>,
        /// Lowest acceptance in percent (default 15).
        #[arg(long)]
        min_acceptance: Option<u32>,
        /// How many answered invitations the acceptance is judged on (default 50).
        #[arg(long)]
        window: Option<u32>,
    },
    /// Show an account's daily and weekly limits, or change one action's (`none`: unlimited).
    Limits {
        /// The account's login (e-mail).
        login: String,
        /// The action to change: invite, message or withdraw.
        #[arg(long)]
        action: Option<String>,
        /// Its daily limit (a number, or `none`).
        #[arg(long, requires = "action")]
        daily: Option<String>,
        /// Its weekly limit (a number, or `none`).
        #[arg(long, requires = "action")]
        weekly: Option<String>,
    },
    /// Show an account's warm-up, start it again (a new account, or one idle for months), or
    /// end it (`--off`).
    Warmup {
        /// The account's login (e-mail).
        login: String,
        /// Start a ramp today at this many invitations and messages a day.
        #[arg(long, conflicts_with = "off")]
        from: Option<u32>,
        /// ... reaching the account's limits after this many working days.
        #[arg(long, conflicts_with = "off")]
        days: Option<u32>,
        /// End the ramp: the account's limits apply from now on.
        #[arg(long)]
        off: bool,
    },
    /// Store an account's LinkedIn password, sealed under OUTLANE_PASSPHRASE: asked without
    /// echo, or read from OUTLANE_LINKEDIN_PASSWORD when standard input is not a terminal.
    SetPassword {
        /// The account's login (e-mail).
        login: String,
    },
    /// Open the account's own browser profile to answer LinkedIn by hand (a checkpoint, a
    /// code): the stored password is typed for you, then the command waits until the tab
    /// shows the feed, saves the session and resumes the account. Stop the daemon first (the
    /// profile is its browser's); from the console of a running daemon, use Take over.
    Login {
        /// The account's login (e-mail).
        login: String,
        /// A visible Chromium window (on a desktop).
        #[arg(long)]
        headed: bool,
        /// Give up after this long.
        #[arg(long, default_value = "15m", value_parser = outlane::units::HumanDuration::parse)]
        timeout: outlane::units::HumanDuration,
    },
}

/// The password from `OUTLANE_LINKEDIN_PASSWORD`, or asked on the terminal without echo.
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if let Ok(p) = std::env::var(super::init::PASSWORD_ENV)
        && !p.is_empty()
    {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(format!(
            "set {} (standard input is not a terminal to ask on)",
            super::init::PASSWORD_ENV
        ))
        .into());
    }
    let p = rpassword::prompt_password("LinkedIn password (not shown): ")?;
    if p.is_empty() {
        return Err(UsageError("the password is empty".into()).into());
    }
    Ok(p)
}

/// A CRM error a person caused (unknown login, a removed account) as a usage error.
fn usage(e: CrmError) -> anyhow::Error {
    match e {
        CrmError::NotFound(m) | CrmError::Invalid(m) => UsageError(m).into(),
        other => other.into(),
    }
}

/// Runs an `accounts` subcommand.
pub fn run(global: &Global, cmd: AccountsCommand) -> anyhow::Result<ExitCode> {
    let db = open_db(global)?;
    match cmd {
        AccountsCommand::List { json } => {
            let all = db.read_outside_tx_blocking(accounts::all)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&["id", "login", "time zone", "state"]);
            for a in &all {
                let state = match (&a.paused, a.active, a.removed_ms) {
                    (_, _, Some(_)) => "removed (history kept)".to_string(),
                    (Some(reason), _, None) => format!("waits for a person: {reason}"),
                    (None, true, None) => "active".to_string(),
                    (None, false, None) => "paused (outlane accounts resume)".to_string(),
                };
                table.row(vec![
                    a.id.to_string(),
                    clean(&a.login),
                    a.timezone.clone(),
                    clean(&state),
                ]);
            }
            print!("{}", table.render(""));
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Resume { login } => {
            let wanted = login.clone();
            let result = db.write_blocking(move |tx| {
                let account = accounts::find(tx, &wanted)?;
                let was_active = accounts::set_active(tx, account.id, true)?;
                Ok((was_active, accounts::resume(tx, account.id)?))
            });
            match result {
                Ok((_, Some(reason))) => {
                    println!("resumed {login} (it waited for a person: {reason})");
                    Ok(ExitCode::SUCCESS)
                }
                Ok((false, None)) => {
                    println!("resumed {login}");
                    Ok(ExitCode::SUCCESS)
                }
                Ok((true, None)) => {
                    println!("{login} was not paused");
                    Ok(ExitCode::SUCCESS)
                }
                Err(CrmError::NotFound(m) | CrmError::Invalid(m)) => Err(UsageError(m).into()),
                Err(e) => Err(e.into()),
            }
        }
        AccountsCommand::Pause { login } => {
            let wanted = login.clone();
            let was = db
                .write_blocking(move |tx| {
                    let account = accounts::find(tx, &wanted)?;
                    accounts::set_active(tx, account.id, false)
                })
                .map_err(usage)?;
            if was {
                println!(
                    "paused {login}: the daemon takes no action for it until `outlane accounts resume {login}`"
                );
            } else {
                println!("{login} was already paused");
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Remove { login } => {
            let now = outlane::clock::Clock::real().now_ms();
            let wanted = login.clone();
            let paused = db
                .write_blocking(move |tx| {
                    let account = accounts::find(tx, &wanted)?;
                    accounts::remove(tx, account.id, now)
                })
                .map_err(usage)?;
            println!(
                "removed {login}: the daemon no longer acts for it; {paused} campaign(s) paused; its history is kept (`outlane accounts add {login}` brings it back)"
            );
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Guards {
            login,
            max_pending,
            min_acceptance,
            window,
        } => {
            use outlane::crm::guards;
            let now = outlane::clock::Clock::real().now_ms();
            let wanted = login.clone();
            let state = db
                .write_blocking(move |tx| {
                    let account = accounts::find(tx, &wanted)?;
                    if max_pending.is_some() || min_acceptance.is_some() || window.is_some() {
                        let mut g = guards::of(tx, account.id)?;
                        g.max_pending = max_pending.unwrap_or(g.max_pending);
                        g.min_acceptance_pct = min_acceptance.unwrap_or(g.min_acceptance_pct);
                        g.acceptance_window = window.unwrap_or(g.acceptance_window);
                        guards::set(tx, account.id, g)?;
                    }
                    guards::state(tx, account.id, now)
                })
                .map_err(usage)?;
            let g = state.guards;
            println!(
                "{login}: {} of max {} invitations waiting; {} of the last {} answered accepted (invitations pause for 48 h under {} % over {})",
                state.pending,
                g.max_pending,
                state.accepted,
                state.judged,
                g.min_acceptance_pct,
                g.acceptance_window
            );
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Limits {
            login,
            action,
            daily,
            weekly,
        } => {
            let parse = |what: &str, v: &Option<String>| -> anyhow::Result<Option<Option<u32>>> {
                match v.as_deref().map(str::trim) {
                    None => Ok(None),
                    Some("none") => Ok(Some(None)),
                    Some(n) => n.parse::<u32>().map(|n| Some(Some(n))).map_err(|_| {
                        UsageError(format!("--{what} `{n}`: a number or `none`")).into()
                    }),
                }
            };
            let (daily, weekly) = (parse("daily", &daily)?, parse("weekly", &weekly)?);
            if action.is_some() && daily.is_none() && weekly.is_none() {
                return Err(
                    UsageError("--action needs --daily or --weekly (or both)".into()).into(),
                );
            }
            let action = match action.as_deref() {
                None => None,
                Some(a) => Some(
                    a.parse::<outlane::crm::Action>()
                        .map_err(|e| UsageError(e.to_string()))?,
                ),
            };
            let wanted = login.clone();
            let all = db
                .write_blocking(move |tx| {
                    let account = accounts::find(tx, &wanted)?;
                    if let Some(action) = action {
                        let current = accounts::limit(tx, account.id, action)?;
                        accounts::set_limit(
                            tx,
                            account.id,
                            action,
                            daily.unwrap_or(current.daily),
                            weekly.unwrap_or(current.weekly),
                        )?;
                    }
                    accounts::limits(tx, account.id)
                })
                .map_err(usage)?;
            let mut table = Table::new(&["action", "per day", "per week"]);
            let show = |v: Option<u32>| v.map_or("unlimited".to_string(), |n| n.to_string());
            for l in &all {
                table.row(vec![l.action.to_string(), show(l.daily), show(l.weekly)]);
            }
            print!("{}", table.render(""));
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Warmup {
            login,
            from,
            days,
            off,
        } => {
            use outlane::crm::warmup::{self, Ramp};
            let now = outlane::clock::Clock::real().now_ms();
            let wanted = login.clone();
            let today = db
                .write_blocking(move |tx| {
                    let account = accounts::find(tx, &wanted)?;
                    if off {
                        warmup::set(tx, account.id, None)?;
                    } else if from.is_some() || days.is_some() {
                        let mut ramp = Ramp::starting(now);
                        ramp.from = from.unwrap_or(ramp.from);
                        ramp.days = days.unwrap_or(ramp.days);
                        warmup::set(tx, account.id, Some(ramp))?;
                    }
                    warmup::today(tx, account.id, now)
                })
                .map_err(usage)?;
            match today {
                Some(t) if !t.done => println!(
                    "{login} warms up: working day {} of {}, from {} a day at the start to its limits",
                    t.day, t.ramp.days, t.ramp.from
                ),
                _ => println!("{login} has no warm-up: its limits apply"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Add {
            login,
            timezone,
            no_warmup,
        } => {
            let now = outlane::clock::Clock::real().now_ms();
            let wanted = login.trim().to_string();
            if wanted.is_empty() || wanted.chars().any(char::is_control) {
                return Err(
                    UsageError("the login is empty or has control characters".into()).into(),
                );
            }
            let removed = {
                let wanted = wanted.clone();
                db.read_outside_tx_blocking(move |c| match accounts::find(c, &wanted) {
                    Ok(a) => Ok(a.removed_ms.map(|_| a.id)),
                    Err(CrmError::NotFound(_)) => Ok(None),
                    Err(e) => Err(e),
                })?
            };
            if let Some(id) = removed {
                db.write_blocking(move |tx| accounts::restore(tx, id))?;
                println!(
                    "account #{id} {login} was removed and is back, with its history; resume its campaigns with `outlane campaign edit … --resume`"
                );
                return Ok(ExitCode::SUCCESS);
            }
            let id = db
                .write_blocking(move |tx| {
                    let id = accounts::create(tx, &wanted, &timezone, now)?;
                    if !no_warmup {
                        outlane::crm::warmup::set(
                            tx,
                            id,
                            Some(outlane::crm::warmup::Ramp::starting(now)),
                        )?;
                    }
                    Ok(id)
                })
                .map_err(|e| match e {
                    CrmError::Invalid(m) | CrmError::NotFound(m) => {
                        anyhow::Error::from(UsageError(m))
                    }
                    other => other.into(),
                })?;
            println!("added account #{id} {login}; next: outlane accounts set-password {login}");
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Login {
            login,
            headed,
            timeout,
        } => log_in_by_hand(global, &db, &login, headed, timeout.0),
        AccountsCommand::SetPassword { login } => {
            let passphrase = outlane::crm::secret::passphrase().map_err(|why| {
                UsageError(format!(
                    "{why}: the password is sealed with it, and the daemon needs it to log in"
                ))
            })?;
            let wanted = login.clone();
            // The account must exist before the password is asked for.
            db.read_outside_tx_blocking(move |c| accounts::find(c, &wanted))
                .map_err(|e| match e {
                    CrmError::NotFound(m) => anyhow::Error::from(UsageError(m)),
                    other => other.into(),
                })?;
            let password = zeroize::Zeroizing::new(read_password()?);
            let wanted = login.clone();
            db.write_blocking(move |tx| {
                let account = accounts::find(tx, &wanted)?;
                accounts::set_password(tx, account.id, &passphrase, &password)
            })?;
            println!("stored the password of {login}, sealed");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `outlane accounts login`: the account's browser for a person, until it shows the feed.
fn log_in_by_hand(
    global: &Global,
    db: &outlane::crm::Db,
    login: &str,
    headed: bool,
    timeout: std::time::Duration,
) -> anyhow::Result<ExitCode> {
    let wanted = login.to_string();
    let account = db
        .read_outside_tx_blocking(move |c| accounts::find(c, &wanted))
        .map_err(|e| match e {
            CrmError::NotFound(m) => anyhow::Error::from(UsageError(m)),
            other => other.into(),
        })?;
    let config = global.config()?;
    let mut settings = config.browser.clone();
    settings.headless = !headed;
    let site = outlane::browser::SiteMap::new(&config.linkedin.base_url)?;
    let clock = outlane::clock::Clock::real();
    let browsers = outlane::browser::Browsers::with_rules(
        settings,
        site,
        global.data_dir(),
        db.clone(),
        clock,
        config.linkedin.outward.clone(),
    );
    let runtime = super::tokio()?;
    runtime.block_on(async move {
        let session = browsers.session(account.id);
        let mut browser = session.lock().await;
        browser.open_for_person().await?;
        eprintln!(
            "the browser of {} is open{}: answer LinkedIn there; this ends when the tab shows the feed",
            account.login,
            if headed { "" } else { " (headless: pass --headed on a desktop to see it)" }
        );
        let deadline = tokio::time::Instant::now() + timeout;
        while !browser.shows_feed().await {
            if tokio::time::Instant::now() > deadline {
                browser.close().await;
                anyhow::bail!(
                    "the tab did not reach the feed within {}: the account stays paused",
                    humantime::format_duration(timeout)
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        browser.person_done().await;
        browser.close().await;
        let id = account.id;
        db.write(move |tx| accounts::resume(tx, id)).await?;
        println!("{} is logged in: the session is saved and the account resumed", account.login);
        Ok(ExitCode::SUCCESS)
    })
}
