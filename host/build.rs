//! Reads what the host needs to know of the lane API from the WIT packages, so that it has one
//! source: the versions (the `package outlane:lanes@X;` line of `wit/v*/world.wit`) and the
//! capabilities a manifest may grant (the interfaces the current world imports, but `host`),
//! written to `$OUT_DIR/capabilities.rs`.

fn read(path: &str) -> String {
    println!("cargo:rerun-if-changed={path}");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn package_version(dir: &str) -> String {
    let path = format!("../wit/{dir}/world.wit");
    read(&path)
        .lines()
        .find_map(|l| l.trim().strip_prefix("package outlane:lanes@"))
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap_or_else(|| panic!("{path} has no `package outlane:lanes@X;` line"))
        .to_string()
}

fn grantable() -> Vec<String> {
    read("../wit/v0.2/world.wit")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("import "))
        .filter_map(|rest| rest.strip_suffix(';'))
        .map(|name| name.trim().to_string())
        .filter(|name| name != "host")
        .collect()
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!(
        "cargo:rustc-env=OUTLANE_API_V0_1={}",
        package_version("v0.1")
    );
    println!(
        "cargo:rustc-env=OUTLANE_API_CURRENT={}",
        package_version("v0.2")
    );
    let names: Vec<String> = grantable().iter().map(|n| format!("{n:?}")).collect();
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let text = format!(
        "/// Every capability a manifest may grant: the interfaces the lane world imports but\n\
         /// `host` (generated from `wit/v0.2/world.wit`).\n\
         pub const GRANTABLE: &[&str] = &[{}];\n",
        names.join(", ")
    );
    std::fs::write(out.join("capabilities.rs"), text).expect("cannot write capabilities.rs");
}
