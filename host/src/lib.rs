//! Outlane's host: it owns every capability (browser, CRM, LLM, qualifier, clock, secrets, rate
//! limits) and runs the outreach logic as sandboxed, hot-reloadable WASM components ("lanes").
//!
//! Module map:
//! - [`memory`]: handing freed heap memory back to the operating system;
//! - [`manifest`]: `lanes.toml`, the list of lanes with their schedule, grants and limits;
//! - [`config`]: `outlane.toml` and the data directory;
//! - [`files`]: bounded reads of the files an operator names (never a FIFO or a device);
//! - [`runtime`]: wasmtime engine, loader, per-call sandbox, hot reload;
//! - [`browser`]: headless Chromium per account (login, cookies, page operations, Voyager);
//! - [`caps`]: one module per WIT interface, the host side of each capability;
//! - [`crm`]: the SQLite database;
//! - [`llm`]: prompts, the OpenAI-compatible client and the LLM budget;
//! - [`qualifier`]: lead embeddings and the per-campaign active learner, the embedding model
//!   loaded on demand and released when idle, and the offline evaluation;
//! - [`daemon`]: the scheduler that calls lanes;
//! - [`clock`]: the daemon clock (accelerated, and skipping idle time, in tests and the demo);
//! - `demo` (feature `demo`, on by default): the simulator, LLM stub and seeded campaign that
//!   `outlane demo` runs in;
//! - [`guest_build`]: building lane crates into components.
#![deny(missing_docs)]

pub mod browser;
pub mod caps;
pub mod clock;
pub mod config;
pub mod console;
pub mod crm;
pub mod daemon;
#[cfg(feature = "demo")]
pub mod demo;
pub mod files;
pub mod guest_build;
pub mod llm;
pub mod manifest;
pub mod memory;
pub mod outbound;
pub mod qualifier;
pub mod resources;
pub mod runtime;
pub mod units;
