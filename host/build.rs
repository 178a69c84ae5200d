//! Reads the versions of the lane API from the WIT packages (`wit/v*/world.wit`), so that the
//! host's version constants have one source: the `package outlane:lanes@X;` line.

fn package_version(dir: &str) -> String {
    let path = format!("../wit/{dir}/world.wit");
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    text.lines()
        .find_map(|l| l.trim().strip_prefix("package outlane:lanes@"))
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap_or_else(|| panic!("{path} has no `package outlane:lanes@X;` line"))
        .to_string()
}

fn main() {
    println!(
        "cargo:rustc-env=OUTLANE_API_V0_1={}",
        package_version("v0.1")
    );
    println!(
        "cargo:rustc-env=OUTLANE_API_CURRENT={}",
        package_version("v0.2")
    );
}
