//! Starting Debian's Chromium headless with a profile directory per account.
//!
//! The host starts Chromium itself (and attaches chromiumoxide to it) so that the browser's
//! life is tied to the daemon's: on Linux the child asks the kernel for `SIGKILL` when the
//! thread that started it ends (`PR_SET_PDEATHSIG`), so a daemon killed with `kill -9`, or a
//! test that fails, never leaves a logged-in browser behind. The pid file covers the other
//! platforms and a lock left behind (see [`stop_orphan`]).

use super::BrowserError;
use crate::config::BrowserConfig as Settings;
use chromiumoxide::handler::HandlerConfig;
use chromiumoxide::{Browser, Handler, Page};
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::task::JoinHandle;

/// The flags Chromium is started with, checked on this machine kind (no first-run UI, no
/// background traffic to Google, no GPU, no QUIC) and chosen for an automated session that
/// should look like a person's: no `--enable-automation`, the automation flag sites read
/// hidden, popups left to Chromium's blocker.
const FLAGS: [&str; 22] = [
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-gpu",
    "--disable-quic",
    "--disable-breakpad",
    "--disable-dev-shm-usage",
    "--disable-features=TranslateUI",
    "--disable-blink-features=AutomationControlled",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    "--lang=en-US",
    "--mute-audio",
    "--window-size=1280,900",
];

/// Names looked up on `PATH` when no executable is configured.
const CANDIDATES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// The pid file that lets the next start stop a Chromium orphaned by a killed daemon.
const PID_FILE: &str = "chromium.pid";

/// How long Chromium may take to open its DevTools endpoint.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// A running Chromium with its one tab.
pub struct Chrome {
    /// The DevTools client.
    pub browser: Browser,
    /// The tab every operation acts on.
    pub page: Page,
    child: tokio::process::Child,
    events: JoinHandle<()>,
}

impl Chrome {
    /// Whether the process or its DevTools connection has gone (crashed, killed).
    pub fn is_gone(&mut self) -> bool {
        self.events.is_finished() || matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Closes the browser and waits for the process to end (killing it if it will not).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.browser.close()).await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        self.events.abort();
    }
}

/// The Chromium binary: the configured one, `$OUTLANE_CHROMIUM`, or the first candidate on
/// `PATH`.
pub fn find_executable(settings: &Settings) -> Result<PathBuf, BrowserError> {
    if let Some(path) = settings.executable.clone().or_else(|| {
        std::env::var_os("OUTLANE_CHROMIUM")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }) {
        if path.is_file() {
            return Ok(path);
        }
        return Err(BrowserError::Launch(format!(
            "{} does not exist: fix `browser.executable` in outlane.toml (or OUTLANE_CHROMIUM)",
            path.display()
        )));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in CANDIDATES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(BrowserError::Launch(
        "Chromium is not installed: run `apt-get install chromium` (or set `browser.executable` in outlane.toml)".into(),
    ))
}

/// Every argument Chromium gets for the profile in `user_data`.
fn arguments(settings: &Settings, user_data: &Path) -> Vec<String> {
    let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
    args.push(format!("--user-data-dir={}", user_data.display()));
    args.push("--remote-debugging-port=0".into());
    if settings.headless {
        args.push("--headless=new".into());
        args.push("--hide-scrollbars".into());
    }
    if running_as_root() {
        // Chromium refuses to start its sandbox as root (containers, CI).
        args.push("--no-sandbox".into());
    }
    args.push("about:blank".into());
    args
}

/// Launches Chromium on `profile_dir` and opens a blank tab.
pub async fn launch(settings: &Settings, profile_dir: &Path) -> Result<Chrome, BrowserError> {
    let executable = find_executable(settings)?;
    let user_data = profile_dir.join("chromium");
    std::fs::create_dir_all(&user_data)
        .map_err(|e| BrowserError::Launch(format!("cannot create {}: {e}", user_data.display())))?;
    stop_orphan(profile_dir, &user_data);
    let mut command = std::process::Command::new(&executable);
    command
        .args(arguments(settings, &user_data))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    die_with_this_thread(&mut command);
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            BrowserError::Launch(format!("{} did not start: {e}", executable.display()))
        })?;
    if let Some(pid) = child.id() {
        let _ = std::fs::write(profile_dir.join(PID_FILE), pid.to_string());
    }
    let ws = match devtools_url(&mut child).await {
        Ok(ws) => ws,
        Err(why) => {
            let _ = child.kill().await;
            return Err(BrowserError::Launch(format!(
                "{} did not start: {why}",
                executable.display()
            )));
        }
    };
    let config = HandlerConfig {
        viewport: None,
        request_timeout: settings.timeout,
        ..HandlerConfig::default()
    };
    let (browser, mut handler): (Browser, Handler) =
        match Browser::connect_with_config(ws, config).await {
            Ok(pair) => pair,
            Err(e) => {
                let _ = child.kill().await;
                return Err(BrowserError::Launch(format!(
                    "cannot attach to Chromium: {e}"
                )));
            }
        };
    // The handler drives the CDP connection; an error on one message must not stop it.
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
    let page = match open_tab(&browser).await {
        Ok(p) => p,
        Err(e) => {
            let _ = child.kill().await;
            events.abort();
            return Err(BrowserError::Launch(format!("cannot open a tab: {e}")));
        }
    };
    Ok(Chrome {
        browser,
        page,
        child,
        events,
    })
}

/// Reads Chromium's stderr until it names its DevTools websocket; then keeps draining it in
/// the background (a full pipe would stall the browser), logging it at debug level.
async fn devtools_url(child: &mut tokio::process::Child) -> Result<String, String> {
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    let found = tokio::time::timeout(LAUNCH_TIMEOUT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(at) = line.find("ws://") {
                return Some(line[at..].trim().to_string());
            }
            seen.push(line);
        }
        None
    })
    .await;
    match found {
        Ok(Some(url)) => {
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::debug!(target: "chromium", "{line}");
                }
            });
            Ok(url)
        }
        Ok(None) => Err(format!(
            "it exited before opening DevTools: {}",
            seen.iter()
                .rev()
                .take(5)
                .rev()
                .cloned()
                .collect::<Vec<_>>()
                .join(" | ")
        )),
        Err(_) => Err(format!(
            "no DevTools endpoint within {}s",
            LAUNCH_TIMEOUT.as_secs()
        )),
    }
}

/// On Linux: the child gets `SIGKILL` when the thread that spawns it ends (the daemon's
/// runtime, a test's runtime), whatever the way it ends.
fn die_with_this_thread(command: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the closure runs in the child between fork and exec and calls only
        // async-signal-safe functions (prctl, getppid).
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died before the prctl: then do not start at all.
                if libc::getppid() != parent {
                    return Err(std::io::Error::other("the daemon is gone"));
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// A blank tab whose user agent does not say "HeadlessChrome" (headless Chromium announces
/// itself in `navigator.userAgent` and in the client-hint headers otherwise).
async fn open_tab(browser: &Browser) -> Result<Page, chromiumoxide::error::CdpError> {
    let page = browser.new_page("about:blank").await?;
    let agent = browser.user_agent().await?;
    if agent.contains("HeadlessChrome") {
        page.set_user_agent(agent.replace("HeadlessChrome", "Chrome"))
            .await?;
    }
    Ok(page)
}

fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// A daemon killed with SIGKILL leaves its Chromium running and holding the profile lock, so
/// the next launch would fail. Stop that process if it still runs on this profile, then remove
/// the stale lock files. The process is found through the pid file written after launch, or
/// through the lock itself (a daemon killed between Chromium's start and that write leaves
/// only the lock).
fn stop_orphan(profile_dir: &Path, user_data: &Path) {
    let pid_file = profile_dir.join(PID_FILE);
    let from_file = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok());
    let mut pids: Vec<u32> = from_file.into_iter().collect();
    if let Some(pid) = lock_holder(user_data)
        && !pids.contains(&pid)
    {
        pids.push(pid);
    }
    for pid in pids {
        if !stop_if_orphaned(pid, user_data) {
            return;
        }
    }
    let _ = std::fs::remove_file(&pid_file);
    for lock in ["SingletonLock", "SingletonSocket", "SingletonCookie"] {
        let _ = std::fs::remove_file(user_data.join(lock));
    }
}

/// Kills, at once, every Chromium recorded in the profile directories under `profiles`
/// (`browser/account-*/chromium.pid`) that still runs on its profile: for a daemon that must
/// stop now (a second signal), not a moment later.
pub fn kill_recorded(profiles: &Path) {
    let Ok(dirs) = std::fs::read_dir(profiles) else {
        return;
    };
    for dir in dirs.flatten() {
        let profile = dir.path();
        let Some(pid) = std::fs::read_to_string(profile.join(PID_FILE))
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
        else {
            continue;
        };
        let user_data = profile.join("chromium");
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&*user_data.to_string_lossy()) {
            // SAFETY: kill(2) on a pid we just checked runs Chromium on our own profile.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

/// The pid in Chromium's `SingletonLock` (a symlink to `<hostname>-<pid>`).
fn lock_holder(user_data: &Path) -> Option<u32> {
    let target = std::fs::read_link(user_data.join("SingletonLock")).ok()?;
    let target = target.to_string_lossy();
    target.rsplit_once('-')?.1.parse().ok()
}

/// Kills `pid` if it is a Chromium on this profile whose daemon is gone. Returns false when it
/// belongs to another live outlane process: then the profile must not be touched.
fn stop_if_orphaned(pid: u32, user_data: &Path) -> bool {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let ours = String::from_utf8_lossy(&cmdline).contains(&*user_data.to_string_lossy());
    if !ours {
        // Gone, or the pid now belongs to an unrelated process.
        return true;
    }
    // Its daemon is gone when it was re-parented (to init or a subreaper); a live parent is
    // another outlane on the same data directory, whose browser must not be killed.
    let parent_alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after = stat.rsplit_once(')')?.1;
            after.split_whitespace().nth(1)?.parse::<u32>().ok()
        })
        .is_some_and(|ppid| {
            let reaper = std::fs::read_to_string(format!("/proc/{ppid}/comm"))
                .map(|c| matches!(c.trim(), "systemd" | "init" | "tini" | "dumb-init"))
                .unwrap_or(true);
            ppid > 1 && ppid != std::process::id() && !reaper
        });
    if parent_alive {
        tracing::warn!(
            pid,
            "another outlane process uses this browser profile; not touching it"
        );
        return false;
    }
    tracing::warn!(
        pid,
        "stopping the Chromium left running by a previous daemon"
    );
    let _ = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status();
    for _ in 0..50 {
        if !Path::new(&format!("/proc/{pid}")).exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}
