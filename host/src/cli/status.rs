//! `outlane status`: the funnel per campaign, usage against limits, last actions, unfinished
//! intents and lanes.

use super::table::{Table, clean, shorten};
use super::{Global, local_time, open_db};
use clap::Args;
use jiff::tz::TimeZone;
use outlane::clock::Clock;
use outlane::crm::status::{self, StatusReport};
use outlane::units::HumanDuration;
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

/// Options of `outlane status`.
#[derive(Args)]
pub struct StatusArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Refresh every INTERVAL (default 2s) until Ctrl-C, redrawing the screen on a terminal.
    #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "2s",
          value_parser = HumanDuration::parse)]
    watch: Option<HumanDuration>,
    /// With --watch: stop after this many reports.
    #[arg(long, requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
}

/// Runs `outlane status`.
pub fn run(global: &Global, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let db = open_db(global)?;
    let Some(HumanDuration(every)) = args.watch else {
        print_report(&db, args.json, None)?;
        return Ok(ExitCode::SUCCESS);
    };
    let redraw = !args.json && std::io::stdout().is_terminal();
    let mut shown = 0u64;
    loop {
        if redraw {
            // Home the cursor and clear the screen, so the report stays in place.
            print!("\x1b[H\x1b[2J");
        }
        print_report(&db, args.json, Some(every))?;
        std::io::stdout().flush()?;
        shown += 1;
        if args.count.is_some_and(|n| shown >= n) {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(every);
    }
}

/// Reads the database now and prints the report; `watching` adds a line saying when.
fn print_report(
    db: &outlane::crm::Db,
    json: bool,
    watching: Option<std::time::Duration>,
) -> anyhow::Result<()> {
    let wall = Clock::real().now_ms();
    let (now, report) = db.read_outside_tx_blocking(move |c| {
        let now = status::report_time(c, wall)?;
        Ok((now, status::build(c, now)?))
    })?;
    if json {
        // One document per line when watching, so that a reader can split the stream.
        if watching.is_some() {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        return Ok(());
    }
    if let Some(every) = watching {
        let at = jiff::Timestamp::from_millisecond(now as i64)
            .map(|t| {
                t.to_zoned(TimeZone::system())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        let whose = if now > wall {
            " on the daemon's clock"
        } else {
            ""
        };
        println!(
            "outlane status at {at}{whose} (every {}; Ctrl-C to stop)\n",
            HumanDuration(every)
        );
    }
    print!("{}", render(&report));
    Ok(())
}

fn limit(used: u32, limit: Option<u32>) -> String {
    match limit {
        Some(l) => format!("{used} / {l}"),
        None => format!("{used} / unlimited"),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.0}%", r * 100.0))
}

/// "Accepted 12 of 40 invited (30%); replied 3 of 20 messaged (15%), …".
fn rates_line(r: &outlane::crm::conversations::Rates) -> String {
    let mut line = format!(
        "  Accepted {} of {} invited ({}); replied {} of {} messaged ({})",
        r.accepted,
        r.invited,
        percent(r.acceptance_rate),
        r.replied,
        r.messaged,
        percent(r.reply_rate)
    );
    if let Some(h) = r.median_hours_to_reply {
        line.push_str(&format!(", median {h:.1} h to reply"));
    }
    if r.steps.len() > 1 {
        let steps: Vec<String> = r
            .steps
            .iter()
            .map(|s| format!("step {}: {} of {}", s.step, s.replied, s.messaged))
            .collect();
        line.push_str(&format!("; replies by step: {}", steps.join(", ")));
    }
    line.push('\n');
    line
}

/// The report as text for a terminal.
pub fn render(report: &StatusReport) -> String {
    let mut out = String::new();
    if report.campaigns.is_empty() {
        out.push_str("No campaigns yet.\n");
    }
    for c in &report.campaigns {
        out.push_str(&format!(
            "Campaign \"{}\" (#{}, account {}{}): {} lead(s)\n",
            clean(&c.name),
            c.id,
            clean(&c.account),
            if c.active { "" } else { ", paused" },
            c.total
        ));
        let header: Vec<&str> = c.funnel.iter().map(|s| s.stage.as_str()).collect();
        let mut table = Table::new(&header).right(&(0..header.len()).collect::<Vec<_>>());
        table.row(c.funnel.iter().map(|s| s.count.to_string()).collect());
        out.push_str(&table.render("  "));
        out.push_str(&format!(
            "\n  LLM today: {} call(s), {} token(s)\n",
            c.llm_today.calls,
            c.llm_today.tokens()
        ));
        out.push_str(&rates_line(&c.rates));
        out.push('\n');
    }
    if report.unassigned_leads > 0 {
        out.push_str(&format!(
            "{} lead(s) are in no campaign (imported before one existed).\n\n",
            report.unassigned_leads
        ));
    }
    for a in &report.accounts {
        let tz = TimeZone::get(&a.timezone).unwrap_or(TimeZone::UTC);
        out.push_str(&format!("Account {} ({})\n", clean(&a.login), a.timezone));
        if a.removed {
            out.push_str("  REMOVED: the daemon no longer acts for it; its history is kept.\n");
        } else if let Some(reason) = &a.paused {
            out.push_str(&format!(
                "  PAUSED: {}\n  When solved, run `outlane accounts resume {}`.\n",
                clean(reason),
                clean(&a.login)
            ));
        } else if !a.active {
            out.push_str(&format!(
                "  PAUSED by `outlane accounts pause`: run `outlane accounts resume {}` to work it again.\n",
                clean(&a.login)
            ));
        }
        let g = &a.guards;
        let acceptance = if g.judged == 0 {
            "no invitation answered yet".to_string()
        } else {
            format!(
                "{} % of the last {} answered accepted",
                g.accepted * 100 / g.judged,
                g.judged
            )
        };
        out.push_str(&format!(
            "  Guards: {} of max {} invitations waiting; {acceptance} (invitations pause under {} % over {}).\n",
            g.pending, g.guards.max_pending, g.guards.min_acceptance_pct, g.guards.acceptance_window
        ));
        if let Some(w) = &a.warmup {
            out.push_str(&format!(
                "  Warming up: working day {} of {} (daily invitations and messages below are today's; `outlane accounts warmup {} --off` ends it).\n",
                w.day,
                w.ramp.days,
                clean(&a.login)
            ));
        }
        let mut table = Table::new(&["ACTION", "TODAY", "THIS WEEK", "BLOCKED"]);
        for u in &a.usage {
            table.row(vec![
                u.action.to_string(),
                limit(u.today, u.daily),
                limit(u.this_week, u.weekly),
                match (&u.blocked_until_ms, &u.blocked_reason) {
                    (Some(until), Some(why)) => {
                        format!("until {} ({why})", local_time(*until, &tz))
                    }
                    _ => "-".into(),
                },
            ]);
        }
        out.push_str(&table.render("  "));
        out.push('\n');
        if a.recent.is_empty() {
            out.push_str("  No actions yet.\n");
        } else {
            out.push_str("  Last actions:\n");
            let mut table = Table::new(&["WHEN", "ACTION", "LEAD", "RESULT", "LANE"]);
            for i in &a.recent {
                table.row(vec![
                    local_time(i.started_ms, &tz),
                    i.action.to_string(),
                    i.lead_key.clone(),
                    match (&i.result, &i.result_detail) {
                        (Some(r), Some(d)) if !d.is_empty() => format!("{r}: {d}"),
                        (Some(r), _) => r.clone(),
                        (None, _) => "OPEN (unfinished)".into(),
                    },
                    i.lane.clone(),
                ]);
            }
            out.push_str(&table.render("    "));
            out.push('\n');
        }
        out.push('\n');
    }
    if !report.open_intents.is_empty() {
        out.push_str(&format!(
            "{} action(s) were begun and never finished; their lanes check them before acting again:\n",
            report.open_intents.len()
        ));
        for i in &report.open_intents {
            out.push_str(&format!(
                "  #{} {} {} (lane {})\n",
                i.id, i.action, i.lead_key, i.lane
            ));
        }
        out.push('\n');
    }
    if report.lanes.is_empty() {
        out.push_str("No lanes have run yet (start the daemon with `outlane run`).\n");
    } else {
        let tz = TimeZone::system();
        out.push_str("Lanes\n");
        let mut table = Table::new(&["NAME", "VERSION", "LAST RUN", "OUTCOME", "NEXT RUN"]);
        for l in &report.lanes {
            table.row(vec![
                l.lane.clone(),
                l.version.clone().unwrap_or_else(|| "-".into()),
                l.last_run_ms
                    .map(|t| local_time(t, &tz))
                    .unwrap_or_else(|| "never".into()),
                match (&l.load_error, &l.last_outcome, &l.last_summary) {
                    (Some(e), _, _) => format!("load failed: {e}"),
                    // An idle lane says why (its `can-execute` reason or its report).
                    (None, Some(o), Some(why)) if o == "idle" && !why.trim().is_empty() => {
                        format!(
                            "idle: {}",
                            shorten(
                                &clean(why.lines().next().unwrap_or_default()),
                                IDLE_REASON_CHARS
                            )
                        )
                    }
                    (None, Some(o), _) => o.clone(),
                    (None, None, _) => "-".into(),
                },
                l.next_run_ms
                    .map(|t| local_time(t, &tz))
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        out.push_str(&table.render("  "));
        out.push('\n');
    }
    out
}

/// How much of an idle lane's reason the lanes table shows.
const IDLE_REASON_CHARS: usize = 70;

#[cfg(test)]
mod tests {
    use super::*;
    use outlane::crm::lane_status::LaneStatus;

    #[test]
    fn an_idle_lane_shows_its_reason_cut_to_one_short_line() {
        let lane = |name: &str, outcome: &str, summary: &str| LaneStatus {
            lane: name.into(),
            last_outcome: Some(outcome.into()),
            last_summary: Some(summary.into()),
            ..LaneStatus::default()
        };
        let report = StatusReport {
            at_ms: 0,
            campaigns: Vec::new(),
            accounts: Vec::new(),
            open_intents: Vec::new(),
            lanes: vec![
                lane(
                    "connect",
                    "idle",
                    "no qualified lead to invite: 3 held by other lanes",
                ),
                lane(
                    "search",
                    "idle",
                    &format!("{}\nsecond line", "x".repeat(100)),
                ),
                lane("enrich", "worked", "enriched Ada"),
            ],
            unassigned_leads: 0,
        };
        let text = render(&report);
        assert!(
            text.contains("idle: no qualified lead to invite: 3 held by other lanes"),
            "{text}"
        );
        assert!(
            text.contains(&format!("idle: {}…", "x".repeat(69))),
            "{text}"
        );
        assert!(!text.contains("second line"), "{text}");
        assert!(
            text.contains("worked") && !text.contains("enriched Ada"),
            "{text}"
        );
    }
}
