//! Every SARIF document a test makes is checked by real validators, never by eye: Python's
//! `jsonschema` against the SARIF 2.1.0 schema vendored in `crates/cli/tests/sarif/`, then
//! Microsoft's SARIF Multitool with GitHub code scanning's ingestion rules (`--rule-kind Gh`),
//! which is what GitHub's documentation points to for checking an upload. Both are installed
//! by `scripts/policy-tools`; a test fails, not skips, when one is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A validator, from its environment variable or where `scripts/policy-tools` puts it; the
/// test fails with the command that installs it when it does not run.
fn tool(var: &str, default: &str, probe: &[&str]) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| workspace().join(default), PathBuf::from);
    let runs = Command::new(&path).args(probe).output();
    assert!(
        runs.as_ref().is_ok_and(|o| o.status.success()),
        "{} does not run ({runs:?}): run scripts/policy-tools (it installs the SARIF validators), or set {var}",
        path.display()
    );
    path
}

/// Checks against the schema; the errors, one a line.
const SCHEMA_CHECK: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
sys.exit(1 if errors else 0)
"#;

/// Panics unless `doc` is valid SARIF 2.1.0 that GitHub's ingestion rules accept: no schema
/// error, and no `error`-level finding of the Multitool's `Gh` and `Sarif` rules.
pub fn assert_valid(doc: &str) {
    let python = tool(
        "ECRPLAN_SARIF_PYTHON",
        ".venv-sarif/bin/python",
        &["-c", "import jsonschema"],
    );
    let multitool = tool(
        "ECRPLAN_SARIF_MULTITOOL",
        ".npm-sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
        &["--version"],
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("ecrplan.sarif");
    std::fs::write(&file, doc).expect("write the SARIF document");
    let schema = workspace().join("crates/cli/tests/sarif/sarif-schema-2.1.0.json");
    let out = Command::new(&python)
        .arg("-c")
        .arg(SCHEMA_CHECK)
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "the SARIF document breaks the SARIF 2.1.0 schema:\n{}{}\n{doc}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = dir.path().join("validation.sarif");
    let out = Command::new(&multitool)
        .arg("validate")
        .arg(&file)
        .args(["--rule-kind", "Gh;Sarif", "--log", "ForceOverwrite", "-o"])
        .arg(&report)
        .output()
        .expect("the SARIF Multitool runs");
    let text = std::fs::read_to_string(&report).unwrap_or_else(|e| {
        panic!(
            "the SARIF Multitool wrote no report ({e}):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let report: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    let errors: Vec<String> = report["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["level"] == "error")
        .map(|r| {
            format!(
                "{}: {}",
                r["ruleId"].as_str().unwrap_or_default(),
                r["message"]["arguments"]
            )
        })
        .collect();
    assert!(
        errors.is_empty(),
        "GitHub's ingestion rules refuse the SARIF document:\n{}\n{doc}",
        errors.join("\n")
    );
}
