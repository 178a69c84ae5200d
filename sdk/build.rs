//! The lane API version the SDK builds against, read from the WIT package it binds
//! (`package outlane:lanes@X;` of `wit/v0.2/world.wit`): one source for the version.

fn main() {
    let path = "../wit/v0.2/world.wit";
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let version = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("package outlane:lanes@"))
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap_or_else(|| panic!("{path} has no `package outlane:lanes@X;` line"));
    println!("cargo:rustc-env=OUTLANE_API_VERSION={version}");
}
