//! The two-registry benchmark runs and means what it prints: each registry planned alone and
//! both in one run, every plan "no changes", on a small estate with the debug binary (the
//! figures of docs/benchmarks.md come from the release build at N = 1,000; timing is not
//! asserted here, where a shared machine makes it flaky).

use std::path::PathBuf;
use std::process::Command;

/// The `ecrplan` binary beside this package's `bench`: `cargo test --workspace` builds both.
fn ecrplan() -> PathBuf {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_bench"));
    let ecrplan = bench.with_file_name(format!("ecrplan{}", std::env::consts::EXE_SUFFIX));
    assert!(
        ecrplan.is_file(),
        "{} is missing: run the workspace's tests (`cargo test --workspace`), or \
         `cargo build -p ecrplan` first",
        ecrplan.display()
    );
    ecrplan
}

#[test]
fn each_registry_alone_and_both_in_one_run_plan_no_changes() {
    let out = tempfile::TempDir::new().expect("a temporary directory");
    let run = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args([
            "--two-registries",
            "--repos",
            "40",
            "--rtt-ms",
            "0",
            "--repeat",
            "1",
        ])
        .arg("--ecrplan")
        .arg(ecrplan())
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("the bench runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("two-registries.json")).expect("the results"),
    )
    .expect("JSON");
    let runs = rows[0]["runs"].as_array().expect("the runs");
    assert_eq!(runs.len(), 3, "first, second and both: {rows:#}");
    let exits: Vec<_> = runs.iter().map(|r| r["exit"].as_i64()).collect();
    assert_eq!(
        exits,
        vec![Some(0); 3],
        "every plan is 'no changes': {stderr}"
    );
    let calls: Vec<u64> = runs
        .iter()
        .map(|r| r["calls_total"].as_u64().unwrap_or(0))
        .collect();
    // The run over both reads each registry once, and IAM through one registry only.
    assert!(calls[0] > 0 && calls[1] > 0, "{calls:?}");
    assert!(calls[2] < calls[0] + calls[1], "{calls:?}");
    assert!(calls[2] > calls[0].max(calls[1]), "{calls:?}");
    let table = String::from_utf8_lossy(&run.stdout);
    assert!(table.contains("| 40 | 0 ms |"), "{table}");
}
