//! Validating the whole Cloud Platform corpus (653 directories, 4,600 Terraform files, 713
//! ECR modules): `cargo bench -p ecrplan-hcl`.

use std::path::{Path, PathBuf};

use ecrplan_hcl::{LoadOptions, load_dir};

fn main() {
    divan::main();
}

fn corpus_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/cloud-platform-environments");
    assert!(
        root.is_dir(),
        "the Cloud Platform corpus is missing: expected it at {}",
        root.display()
    );
    let mut dirs = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let mut has_module = false;
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tf") {
                has_module |= std::fs::read_to_string(&path)
                    .unwrap()
                    .contains("cloud-platform-terraform-ecr-credentials");
            }
        }
        if has_module {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

/// Every directory loaded and checked, files read from disk each time (the page cache is
/// warm after the first sample).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn validate_whole_corpus(bencher: divan::Bencher) {
    let dirs = corpus_dirs();
    let options = LoadOptions::default();
    bencher.bench(|| {
        let mut ok = 0usize;
        for dir in &dirs {
            ok += usize::from(load_dir(dir, &options).is_ok());
        }
        assert_eq!(ok, 645);
        ok
    });
}

/// One directory: the seed fixture.
#[divan::bench]
fn validate_seed_fixture(bencher: divan::Bencher) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/koa");
    let options = LoadOptions::default();
    bencher.bench(|| load_dir(&dir, &options).is_ok());
}

/// 8,000 invalid repository names on one line: loading, then rendering the diagnostics as
/// `validate` prints them (issue 11: this took 14 s and 1 GB of text before rendering was
/// windowed and capped).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn eight_thousand_errors_on_one_line(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..8_000).map(|i| format!("\"A{i}\"")).collect();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "module \"m\" {{\n  source = \"x\"\n  ecr-repositories = [{}]\n}}\n",
            names.join(",")
        ),
    )
    .unwrap();
    let options = LoadOptions::default();
    bencher.bench(|| {
        let Err(diagnostics) = load_dir(dir.path(), &options) else {
            panic!("8,000 invalid names load");
        };
        assert_eq!(diagnostics.errors().count(), 8_000);
        ecrplan_hcl::render_text(&diagnostics.0).len()
    });
}
