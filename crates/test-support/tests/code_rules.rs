//! The rules of issue 18 that the compiler does not check, run over the workspace by the
//! scripts that define them, each with its self-test so a checker that stopped seeing what it
//! looks for could not pass the workspace:
//! - `scripts/module-cycles`: no import cycles between the module files of any crate;
//! - `scripts/kind-wildcards`: no wildcard arm in a match over the kind outside tests, so a new
//!   kind is a compile error wherever it must be handled.

use std::path::Path;
use std::process::Command;

fn script(name: &str, args: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new("python3")
        .arg(root.join("scripts").join(name))
        .args(args)
        .current_dir(&root)
        .output()
        .unwrap_or_else(|e| panic!("run python3 scripts/{name}: {e}"));
    assert!(
        output.status.success(),
        "scripts/{name} {}failed:\n{}{}",
        args.iter().map(|a| format!("{a} ")).collect::<String>(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

#[test]
fn no_crate_has_import_cycles() {
    script("module-cycles", &[]);
}

#[test]
fn the_cycle_checker_passes_its_self_test() {
    script("module-cycles", &["--self-test"]);
}

#[test]
fn no_match_over_the_kind_has_a_wildcard_arm() {
    script("kind-wildcards", &[]);
}

#[test]
fn the_wildcard_checker_passes_its_self_test() {
    script("kind-wildcards", &["--self-test"]);
}
