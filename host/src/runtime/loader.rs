//! Loading one lane: read the component, compile it (off the async runtime, through the cache),
//! read the lane API version it is built against from its import names, check its imports
//! against the manifest's grants, pre-instantiate it (which checks the exports), and call
//! `describe`, which also checks the lane's configuration. Any failure is a [`LoadError`]
//! that names the lane.

use super::api::{ApiVersion, LanePre};
use super::bindings::LaneInfo;
use super::grants::Capability;
use super::state::LaneEnv;
use super::{Runtime, cache, runner};
use crate::manifest::LaneSpec;
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime::component::Component;

/// A lane ready to be called: its manifest entry, its compiled and pre-instantiated component,
/// and what it said about itself.
pub struct LoadedLane {
    /// The manifest entry it was loaded for.
    pub spec: LaneSpec,
    /// sha256 of the component file.
    pub digest: String,
    /// What `describe` returned.
    pub info: LaneInfo,
    /// The compiled component (reused when only the manifest entry changes).
    pub component: Component,
    /// The pre-instantiated component, in the lane API version it is built against: each
    /// call instantiates a fresh store from it.
    pub pre: LanePre,
    /// What the lane's host functions see (name, grants, config, services).
    pub env: Arc<LaneEnv>,
}

impl std::fmt::Debug for LoadedLane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedLane")
            .field("name", &self.spec.name)
            .field("version", &self.info.version)
            .field("api", &self.pre.api())
            .field("digest", &self.digest)
            .finish()
    }
}

impl LoadedLane {
    /// The first 12 hex digits of the digest, for humans.
    pub fn short_digest(&self) -> &str {
        &self.digest[..12.min(self.digest.len())]
    }
}

/// Why a lane could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The component file could not be read.
    #[error("lane `{lane}`: cannot read component {}: {message}", path.display())]
    Read {
        /// Lane name.
        lane: String,
        /// Component path.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The file is not a valid WebAssembly component.
    #[error("lane `{lane}`: {} is not a valid WebAssembly component: {message}", path.display())]
    Compile {
        /// Lane name.
        lane: String,
        /// Component path.
        path: PathBuf,
        /// The compiler's error.
        message: String,
    },
    /// The component imports a capability its manifest entry does not grant.
    #[error(
        "lane `{lane}` imports {import}, which its manifest entry does not grant: add \"{capability}\" to `grants` \
         of the [[lane]] entry named \"{lane}\" ({manifest} line {line})"
    )]
    Ungranted {
        /// Lane name.
        lane: String,
        /// The full import name, e.g. `outlane:lanes/browser@0.2.0`.
        import: String,
        /// The capability to grant.
        capability: Capability,
        /// The manifest file.
        manifest: String,
        /// Line of the lane's entry.
        line: usize,
    },
    /// The component does not fit the host: missing `lane` export, unknown import, wrong types.
    #[error("lane `{lane}`: the component is not an outlane lane: {message}")]
    NotALane {
        /// Lane name.
        lane: String,
        /// What did not match.
        message: String,
    },
    /// `describe` failed (for a lane of the current API: also when its configuration does
    /// not fit).
    #[error("lane `{lane}`: describe() failed: {outcome}")]
    Describe {
        /// Lane name.
        lane: String,
        /// How it failed.
        outcome: super::CallOutcome,
    },
    /// The component is built against a lane API this host does not run.
    #[error("lane `{lane}`: {message}")]
    ApiVersion {
        /// Lane name.
        lane: String,
        /// The versions found and the ones this host runs.
        message: String,
    },
}

/// Largest component file loaded (the default lanes are well under 2 MiB).
pub const MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// Reads the component file of `spec`. Returns its bytes and digest. Only a regular file is
/// read (a FIFO or a device is refused at once), its size is checked first and its header
/// before the rest is read.
pub async fn read_component(spec: &LaneSpec) -> Result<(Vec<u8>, String), LoadError> {
    let path = spec.component.clone();
    let lane = spec.name.clone();
    tokio::task::spawn_blocking(move || read_component_file(&lane, &path))
        .await
        .map_err(|e| LoadError::Read {
            lane: spec.name.clone(),
            path: spec.component.clone(),
            message: e.to_string(),
        })?
}

fn read_component_file(lane: &str, path: &std::path::Path) -> Result<(Vec<u8>, String), LoadError> {
    use std::io::Read as _;
    let read_error = |message: String| LoadError::Read {
        lane: lane.to_string(),
        path: path.to_path_buf(),
        message,
    };
    let mut file = crate::files::open_regular(path).map_err(|e| read_error(e.to_string()))?;
    let size = file
        .metadata()
        .map_err(|e| read_error(e.to_string()))?
        .len();
    if size > MAX_COMPONENT_BYTES {
        return Err(read_error(format!(
            "it is {}, larger than the {} a lane component may be",
            crate::units::ByteSize(size).approx(),
            crate::units::ByteSize(MAX_COMPONENT_BYTES)
        )));
    }
    let head = crate::files::read_head(&mut file, 8).map_err(|e| read_error(e.to_string()))?;
    if let Err(message) = check_header(&head) {
        return Err(LoadError::Compile {
            lane: lane.to_string(),
            path: path.to_path_buf(),
            message,
        });
    }
    let mut bytes = head;
    file.take(MAX_COMPONENT_BYTES + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(e.to_string()))?;
    if bytes.len() as u64 > MAX_COMPONENT_BYTES {
        return Err(read_error(
            "it grew past the size limit while being read".into(),
        ));
    }
    let digest = cache::digest(&bytes);
    Ok((bytes, digest))
}

/// Checks the first 8 bytes: the WebAssembly magic, then the component layer. Says what the
/// file looks like instead when it is not a component.
fn check_header(head: &[u8]) -> Result<(), String> {
    const MAGIC: &[u8; 4] = b"\0asm";
    if head.len() < 8 || &head[..4] != MAGIC {
        let shown: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let guess = match head {
            [0x7f, b'E', b'L', b'F', ..] => " (a native executable or library)",
            [b'P', b'K', ..] => " (a zip archive)",
            [0x1f, 0x8b, ..] => " (a gzip archive)",
            [b'(', ..] => " (WebAssembly text: compile it first)",
            [] => " (the file is empty)",
            _ => "",
        };
        return Err(format!(
            "not a WebAssembly component: it starts with {}{guess} instead of 00 61 73 6d (\"\\0asm\")",
            if shown.is_empty() {
                "nothing".to_string()
            } else {
                shown.join(" ")
            }
        ));
    }
    match (head[6], head[7]) {
        (1, 0) => Ok(()),
        (0, 0) => Err(
            "it is a core WebAssembly module, not a component: build the lane for the \
             wasm32-wasip2 target (`outlane lanes build`)"
                .into(),
        ),
        (a, b) => Err(format!(
            "unknown WebAssembly layer {a:02x} {b:02x} (expected a component, layer 01 00)"
        )),
    }
}

/// Loads `spec` from `bytes` (whose sha256 is `digest`). `reuse` is a compiled component with
/// the same digest, if one is at hand (a manifest-only change).
pub async fn load(
    runtime: &Arc<Runtime>,
    spec: &LaneSpec,
    manifest: &str,
    bytes: Vec<u8>,
    digest: String,
    reuse: Option<Component>,
) -> Result<LoadedLane, LoadError> {
    let lane = spec.name.clone();
    let component = match reuse {
        Some(component) => component,
        None => {
            let rt = runtime.clone();
            let d = digest.clone();
            tokio::task::spawn_blocking(move || rt.cache().load_or_compile(rt.engine(), &bytes, &d))
                .await
                .map_err(|e| LoadError::Compile {
                    lane: lane.clone(),
                    path: spec.component.clone(),
                    message: e.to_string(),
                })?
                .map_err(|e| LoadError::Compile {
                    lane: lane.clone(),
                    path: spec.component.clone(),
                    message: format!("{e:#}"),
                })?
        }
    };

    let api =
        ApiVersion::of(&component, runtime.engine()).map_err(|message| LoadError::ApiVersion {
            lane: lane.clone(),
            message,
        })?;
    check_imports(runtime, spec, manifest, &component)?;

    let instance_pre =
        runtime
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| LoadError::NotALane {
                lane: lane.clone(),
                message: format!("{e:#}"),
            })?;
    let pre = LanePre::new(api, instance_pre).map_err(|e| LoadError::NotALane {
        lane: lane.clone(),
        message: format!("{e:#}"),
    })?;

    let env = Arc::new(LaneEnv {
        name: spec.name.clone(),
        grants: spec.grants.clone(),
        config_json: spec.config_json.clone(),
        state_limit: spec.limits.state,
        services: runtime.services().clone(),
    });
    let info = runner::describe(runtime.engine(), &pre, env.clone(), spec)
        .await
        .map_err(|outcome| LoadError::Describe {
            lane: lane.clone(),
            outcome,
        })?;
    Ok(LoadedLane {
        spec: spec.clone(),
        digest,
        info,
        component,
        pre,
        env,
    })
}

/// Refuses a component that imports a capability interface its entry does not grant.
fn check_imports(
    runtime: &Runtime,
    spec: &LaneSpec,
    manifest: &str,
    component: &Component,
) -> Result<(), LoadError> {
    let ty = component.component_type();
    for (import, _) in ty.imports(runtime.engine()) {
        if let Some(capability) = Capability::from_import(import)
            && !spec.grants.allows(capability)
        {
            return Err(LoadError::Ungranted {
                lane: spec.name.clone(),
                import: import.to_string(),
                capability,
                manifest: manifest.to_string(),
                line: spec.line,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn headers_say_what_the_file_is() {
        assert!(super::check_header(b"\0asm\x0d\x00\x01\x00").is_ok());
        let core = super::check_header(b"\0asm\x01\x00\x00\x00").unwrap_err();
        assert!(core.contains("core WebAssembly module"), "{core}");
        let elf = super::check_header(b"\x7fELF\x02\x01\x01\x00").unwrap_err();
        assert!(elf.contains("7f 45 4c 46 (a native executable"), "{elf}");
        assert!(!elf.contains('['), "no byte arrays: {elf}");
        let empty = super::check_header(b"").unwrap_err();
        assert!(empty.contains("empty"), "{empty}");
    }
}
