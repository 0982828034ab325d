//! No import cycles between the module files of any crate (issue 18): `scripts/module-cycles`
//! over the workspace, and its self-test, so a checker that stopped resolving re-exports could
//! not pass the workspace by seeing fewer edges.

use std::path::Path;
use std::process::Command;

fn module_cycles(args: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new("python3")
        .arg(root.join("scripts/module-cycles"))
        .args(args)
        .current_dir(&root)
        .output()
        .expect("run python3 scripts/module-cycles");
    assert!(
        output.status.success(),
        "scripts/module-cycles {}failed:\n{}{}",
        args.iter().map(|a| format!("{a} ")).collect::<String>(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

#[test]
fn no_crate_has_import_cycles() {
    module_cycles(&[]);
}

#[test]
fn the_checker_passes_its_self_test() {
    module_cycles(&["--self-test"]);
}
