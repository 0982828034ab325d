//! Every configuration under `fixtures/invalid/` must be refused, and the diagnostics users
//! see are reviewed snapshots: adding a fixture directory adds a snapshot.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use ecrplan_hcl::{LoadOptions, load_dir, render_text};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/invalid")
}

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/invalid exists")
        .map(|entry| entry.expect("readable fixtures/invalid").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn name_of(dir: &Path) -> String {
    dir.file_name()
        .expect("a fixture directory has a name")
        .to_string_lossy()
        .into_owned()
}

/// The files of a fixture, so a snapshot says what was loaded.
fn files_of(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable fixture")
        .map(|entry| {
            entry
                .expect("readable fixture")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_invalid_fixture_is_refused_with_a_reviewed_diagnostic() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 45, "only {} invalid fixtures", dirs.len());
    let root = fixtures()
        .canonicalize()
        .expect("fixtures/invalid resolves");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_lite::escape(&root.to_string_lossy()), "[FIXTURES]");
    settings.set_prepend_module_to_snapshot(false);
    let mut accepted = Vec::new();
    let mut mismatched = Vec::new();
    settings.bind(|| {
        for dir in &dirs {
            let name = name_of(dir);
            // Loaded as a user in the crate's directory would name it: diagnostics show the
            // directory as given, the same on every checkout.
            let given = Path::new("../../fixtures/invalid").join(&name);
            let Err(diagnostics) = load_dir(&given, &LoadOptions::default()) else {
                accepted.push(name);
                continue;
            };
            assert!(
                diagnostics.errors().count() > 0,
                "fixtures/invalid/{name} failed without an error diagnostic"
            );
            let mut text = format!("files: {}\n\n", files_of(dir).join(", "));
            text.push_str(&render_text(&diagnostics.0));
            // Diagnostics name files by the directory as given; the snapshots by their names.
            let mut here = insta::Settings::clone_current();
            let prefix = format!("{}/", ecrplan_hcl::shown_path(&given));
            here.add_filter(&regex_lite::escape(&prefix), "");
            let checked = std::panic::catch_unwind(AssertUnwindSafe(|| {
                here.bind(|| insta::assert_snapshot!(name.as_str(), text));
            }));
            if checked.is_err() {
                mismatched.push(name);
            }
        }
    });
    assert!(
        accepted.is_empty(),
        "invalid fixtures accepted: {accepted:?}"
    );
    assert!(
        mismatched.is_empty(),
        "diagnostics differ from the reviewed snapshots: {mismatched:?}"
    );
}

#[test]
fn all_errors_of_a_file_are_reported_in_one_run() {
    let dir = fixtures().join("66-many-errors");
    let Err(diagnostics) = load_dir(&dir, &LoadOptions::default()) else {
        panic!("66-many-errors was accepted");
    };
    let source = std::fs::read_to_string(dir.join("main.tf")).expect("readable fixture");
    let mut lines: Vec<usize> = diagnostics
        .errors()
        .filter_map(|d| d.line_column().map(|(line, _)| line))
        .collect();
    lines.sort_unstable();
    let line_of = |needle: &str| {
        let at = source
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not in fixture"));
        source[..at].matches('\n').count() + 1
    };
    let mut expected: Vec<usize> = [
        "\"Voucher_Service\"",
        "\"93182742772\"",
        "\"koa/github-ecr-access\"",
        "\"*\"",
        "\"FROZEN\"",
        "scan_on_pushh",
        "encryption = {",
        "managed-by",
    ]
    .iter()
    .map(|needle| line_of(needle))
    .collect();
    expected.sort_unstable();
    assert_eq!(
        lines, expected,
        "one error per planted mistake, each on its line"
    );
}
