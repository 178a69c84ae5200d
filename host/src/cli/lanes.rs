//! `outlane lanes list|check|build`.

use super::table::Table;
use super::{Global, open_host, tokio};
use anyhow::{Context as _, bail};
use clap::Subcommand;
use outlane::clock::Clock;
use outlane::crm::Db;
use outlane::crm::lane_status;
use outlane::guest_build;
use outlane::manifest::Manifest;
use outlane::runtime::Registry;
use outlane::runtime::registry::ReloadReport;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;

/// `outlane lanes ...`
#[derive(Subcommand)]
pub enum LanesCommand {
    /// List the manifest's lanes: name, version, digest, grants, status.
    List {
        /// The lane manifest (default: from the configuration, else lanes/lanes.toml).
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Load and validate every lane of a manifest; exits 2 if anything is wrong.
    Check {
        /// The lane manifest (default: from the configuration, else lanes/lanes.toml).
        manifest: Option<PathBuf>,
    },
    /// Build the workspace's lanes and examples for wasm32-wasip2 (release).
    Build {
        /// The Outlane workspace (default: the current directory).
        #[arg(long, default_value = ".")]
        workspace: PathBuf,
    },
}

/// Runs a `lanes` subcommand.
pub fn run(global: &Global, cmd: LanesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LanesCommand::List { manifest, json } => list(global, manifest, json),
        LanesCommand::Check { manifest } => check(global, manifest),
        LanesCommand::Build { workspace } => build(&workspace),
    }
}

#[derive(serde::Serialize)]
struct Row {
    name: String,
    kind: &'static str,
    every: String,
    version: Option<String>,
    digest: Option<String>,
    grants: Vec<String>,
    status: String,
    last_outcome: Option<String>,
    last_run_ms: Option<u64>,
}

/// A manifest with its lanes loaded, for `list` and `check`.
struct Loaded {
    path: PathBuf,
    manifest: Manifest,
    registry: Arc<Registry>,
    db: Db,
    report: ReloadReport,
}

/// Reads the manifest (an invalid one is reported and yields exit code 2) and loads its lanes.
fn load(global: &Global, manifest: Option<PathBuf>) -> anyhow::Result<Result<Loaded, ExitCode>> {
    let config = global.config()?;
    let path = global.manifest(manifest, &config);
    let manifest = match Manifest::load(&path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Err(ExitCode::from(2)));
        }
    };
    let (registry, db) = open_host(global, path.clone(), Clock::real())?;
    let report = tokio()?.block_on(registry.reload());
    Ok(Ok(Loaded {
        path,
        manifest,
        registry,
        db,
        report,
    }))
}

fn list(global: &Global, manifest: Option<PathBuf>, json: bool) -> anyhow::Result<ExitCode> {
    let Loaded {
        manifest: parsed,
        registry,
        db,
        ..
    } = match load(global, manifest)? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let errors = registry.errors();
    let mut rows = Vec::new();
    for spec in &parsed.lanes {
        let loaded = registry.get(&spec.name);
        let recorded = lane_status::get(&db, &spec.name).ok().flatten();
        let mut grants: Vec<String> = spec
            .grants
            .capabilities
            .iter()
            .map(|c| c.to_string())
            .collect();
        if !spec.grants.origins.is_empty() {
            let origins: Vec<String> = spec.grants.origins.iter().map(|o| o.to_string()).collect();
            if let Some(b) = grants.iter_mut().find(|g| *g == "browser") {
                *b = format!("browser({})", origins.join(" "));
            }
        }
        rows.push(Row {
            name: spec.name.clone(),
            kind: spec.kind.as_str(),
            every: humantime::format_duration(spec.every).to_string(),
            version: loaded.as_ref().map(|l| l.info.version.clone()),
            digest: loaded.as_ref().map(|l| l.short_digest().to_string()),
            grants,
            status: match errors.get(&spec.name) {
                Some(e) => format!("error: {e}"),
                None => "ok".into(),
            },
            last_outcome: recorded.as_ref().and_then(|r| r.last_outcome.clone()),
            last_run_ms: recorded.as_ref().and_then(|r| r.last_run_ms),
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_table(&rows);
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_table(rows: &[Row]) {
    let mut table = Table::new(&[
        "NAME", "KIND", "EVERY", "VERSION", "DIGEST", "GRANTS", "LAST RUN", "STATUS",
    ]);
    for r in rows {
        table.row(vec![
            r.name.clone(),
            r.kind.to_string(),
            r.every.clone(),
            r.version.clone().unwrap_or_else(|| "-".into()),
            r.digest.clone().unwrap_or_else(|| "-".into()),
            if r.grants.is_empty() {
                "-".into()
            } else {
                r.grants.join(",")
            },
            r.last_outcome.clone().unwrap_or_else(|| "never".into()),
            r.status.clone(),
        ]);
    }
    println!("{}", table.render(""));
    if rows.is_empty() {
        println!("(no lanes in the manifest)");
    }
}

fn check(global: &Global, manifest: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let Loaded {
        path,
        registry,
        report,
        ..
    } = match load(global, manifest)? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    for name in &report.loaded {
        if let Some(lane) = registry.get(name) {
            println!(
                "ok     {name}: {} {} (sha256 {})",
                lane.info.name,
                lane.info.version,
                lane.short_digest()
            );
        }
    }
    for (name, error) in &report.failed {
        eprintln!("error  {name}: {error}");
    }
    if report.has_errors() {
        eprintln!("{}: {} lane(s) failed", path.display(), report.failed.len());
        Ok(ExitCode::from(2))
    } else {
        println!(
            "{}: all {} lane(s) valid",
            path.display(),
            report.loaded.len()
        );
        Ok(ExitCode::SUCCESS)
    }
}

fn build(workspace: &Path) -> anyhow::Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = std::fs::canonicalize(workspace)
        .with_context(|| format!("no workspace at {}", workspace.display()))?;
    let metadata = Command::new(&cargo)
        .current_dir(&root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .context("cannot run cargo metadata")?;
    if !metadata.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&metadata.stderr)
        );
    }
    let meta: serde_json::Value = serde_json::from_slice(&metadata.stdout)?;
    let mut packages = Vec::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or(""));
        let is_lane_dir =
            manifest.starts_with(root.join("lanes")) || manifest.starts_with(root.join("examples"));
        let is_cdylib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| {
                t["crate_types"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c == "cdylib")
            });
        if is_lane_dir
            && is_cdylib
            && let Some(name) = package["name"].as_str()
        {
            packages.push(name.to_string());
        }
    }
    if packages.is_empty() {
        bail!(
            "no lane crates (cdylib) under {}/lanes or {}/examples",
            root.display(),
            root.display()
        );
    }
    eprintln!(
        "building {} lane(s) for wasm32-wasip2: {}",
        packages.len(),
        packages.join(", ")
    );
    // Always into the workspace's own target/ (whatever CARGO_TARGET_DIR says), so that the
    // component paths in the manifests (../target/wasm32-wasip2/release/*.wasm) hold.
    let names: Vec<&str> = packages.iter().map(String::as_str).collect();
    guest_build::build(&root, &root.join("target"), &names, true)?;
    Ok(ExitCode::SUCCESS)
}
