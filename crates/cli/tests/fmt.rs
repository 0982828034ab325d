//! `ecrplan fmt` end to end: `--check` names files and changes nothing, a rewrite is stable,
//! and formatting never changes what a file means, over every fixture and a sample of the
//! real-world corpus (copied to a temporary directory; the originals are never touched).

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ecrplan(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the ecrplan binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn transcript((code, stdout, stderr): &(i32, String, String)) -> String {
    format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
}

fn snapshot(name: &str, text: &str, tmp: &Path) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_lite::escape(&tmp.to_string_lossy()), "[TMP]");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The seed module as someone might type it: odd indentation, nothing aligned, trailing
/// blanks, comments that must survive.
const MESSY: &str = "# KOA repositories: owned by the platform team\nmodule \"ecr-koa\" {\n    source = \"../../../../modules/ecr-repos\"   # recorded, never fetched\n\n  ecr-repositories = [ \"giftcard-service\" ]\n\n  account_access = [\n      {\n      description = \"aws-koa-dev\"\n      account_id = \"931827427725\"  \n        can_write  =  false\n    },\n    {\n      description = \"aws-koa-prod\" // production\n      account_id = \"151484623076\"\n      can_write = false\n  }]\n\n  github_access = {\n    role_name = \"koa-github-ecr-access\"\n    /* only this repository may push */\n    github_repositories = [\n      {\n        \"organisation\" = \"JPPOL-KOA\"\n        \"repository\" = \"GiftCardService\"\n      }\n    ]\n  }\n}\n\n\n";

fn messy_dir() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), MESSY).expect("write main.tf");
    std::fs::write(dir.path().join("notes.txt"), "  not HCL  \n").expect("write notes");
    dir
}

#[test]
fn check_names_the_file_and_changes_nothing() {
    let dir = messy_dir();
    let path = dir.path().to_string_lossy().into_owned();
    let run = ecrplan(&["fmt", &path, "--check"]);
    assert_eq!(run.0, 1, "{}", transcript(&run));
    assert_eq!(run.1, format!("{}\n", dir.path().join("main.tf").display()));
    let after = std::fs::read_to_string(dir.path().join("main.tf")).expect("read");
    assert_eq!(after, MESSY, "--check must not write");
    snapshot("check_messy", &transcript(&run), dir.path());
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let dir = messy_dir();
    let path = dir.path().to_string_lossy().into_owned();
    let run = ecrplan(&["fmt", &path]);
    assert_eq!(run.0, 0, "{}", transcript(&run));
    assert_eq!(run.1, format!("{}\n", dir.path().join("main.tf").display()));
    let formatted = std::fs::read_to_string(dir.path().join("main.tf")).expect("read");
    for comment in [
        "# KOA repositories: owned by the platform team",
        "# recorded, never fetched",
        "// production",
        "/* only this repository may push */",
    ] {
        assert!(formatted.contains(comment), "lost comment {comment:?}");
    }
    assert_eq!(
        hcl::parse(&formatted).expect("formatted output parses"),
        hcl::parse(MESSY).expect("input parses"),
        "same body before and after"
    );
    snapshot("formatted_seed", &formatted, dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).expect("read"),
        "  not HCL  \n",
        "only .tf and .hcl files are formatted"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");

    let again = ecrplan(&["fmt", &path, "--check"]);
    assert_eq!(again, (0, String::new(), String::new()));
}

#[test]
fn a_file_that_does_not_parse_is_refused_and_left_alone() {
    let dir = TempDir::new().expect("temp dir");
    let broken = "module \"m\" {\n  ecr-repositories = [\"giftcard-service]\n}\n";
    std::fs::write(dir.path().join("broken.tf"), broken).expect("write");
    std::fs::write(dir.path().join("ok.tf"), "a   = 1\n").expect("write");
    let run = ecrplan(&["fmt", &dir.path().to_string_lossy()]);
    assert_eq!(run.0, 1, "{}", transcript(&run));
    assert!(run.2.contains("broken.tf"), "{}", run.2);
    let after = std::fs::read_to_string(dir.path().join("broken.tf")).expect("read");
    assert_eq!(after, broken);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ok.tf")).expect("read"),
        "a = 1\n",
        "the other files are still formatted"
    );
    snapshot("refused", &transcript(&run), dir.path());
}

#[test]
fn the_default_directory_is_the_current_one() {
    let dir = messy_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
        .args(["fmt", "--check"])
        .current_dir(dir.path())
        .output()
        .expect("the ecrplan binary runs");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "main.tf\n");
}

#[test]
fn missing_directory_is_an_error() {
    let run = ecrplan(&["fmt", "/nonexistent/ecrplan-config", "--check"]);
    assert_eq!(run.0, 1);
    assert!(run.2.contains("/nonexistent/ecrplan-config"), "{}", run.2);
}

/// Copies the `.tf`/`.hcl` files of `src` into a fresh directory.
fn copy_config(src: &Path) -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    for entry in std::fs::read_dir(src).expect("readable source") {
        let path = entry.expect("entry").path();
        let config = path.extension().is_some_and(|e| e == "tf" || e == "hcl");
        if config && path.is_file() {
            let name = path.file_name().expect("file name");
            std::fs::copy(&path, dir.path().join(name)).expect("copy");
        }
    }
    dir
}

/// Formats a copy of `src`, then checks: every file still means the same, and formatting
/// again changes nothing. Returns how many files fmt changed.
fn round_trip(src: &Path) -> usize {
    let copy = copy_config(src);
    let path = copy.path().to_string_lossy().into_owned();
    let run = ecrplan(&["fmt", &path]);
    assert_eq!(run.0, 0, "{}: {}", src.display(), transcript(&run));
    for entry in std::fs::read_dir(copy.path()).expect("list") {
        let formatted_path = entry.expect("entry").path();
        let name = formatted_path.file_name().expect("file name");
        let before = std::fs::read_to_string(src.join(name)).expect("read original");
        let after = std::fs::read_to_string(&formatted_path).expect("read formatted");
        assert_eq!(
            hcl::parse(&after).map_err(|e| e.to_string()),
            hcl::parse(&before).map_err(|e| e.to_string()),
            "{}: formatting changed the body",
            src.join(name).display()
        );
    }
    let check = ecrplan(&["fmt", &path, "--check"]);
    assert_eq!(
        check,
        (0, String::new(), String::new()),
        "{}: not idempotent",
        src.display()
    );
    run.1.lines().count()
}

/// Whether every configuration file of a directory parses (fmt refuses the others, rightly).
fn parses(dir: &Path) -> bool {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf" || e == "hcl"))
        .collect();
    !files.is_empty()
        && files.iter().all(|f| {
            std::fs::read_to_string(f)
                .map(|text| hcl::parse(&text).is_ok())
                .unwrap_or(false)
        })
}

fn config_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    let mut has_config = false;
    for entry in std::fs::read_dir(root).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            config_dirs(&path, out);
        } else if path.extension().is_some_and(|e| e == "tf" || e == "hcl") {
            has_config = true;
        }
    }
    if has_config {
        out.push(root.to_path_buf());
    }
}

#[test]
fn every_fixture_that_parses_round_trips() {
    let mut dirs = Vec::new();
    config_dirs(&workspace().join("fixtures"), &mut dirs);
    dirs.sort();
    let parsing: Vec<&PathBuf> = dirs.iter().filter(|d| parses(d)).collect();
    assert!(
        parsing.len() >= 50,
        "only {} fixture dirs parse of {}",
        parsing.len(),
        dirs.len()
    );
    for dir in parsing {
        round_trip(dir);
    }
}

#[test]
fn a_sample_of_the_corpus_round_trips() {
    let corpus = workspace().join("../shared/corpus/cloud-platform-environments");
    assert!(
        corpus.is_dir(),
        "the corpus is missing at {} (see DESIGN.md)",
        corpus.display()
    );
    let mut dirs = Vec::new();
    config_dirs(&corpus, &mut dirs);
    dirs.sort();
    assert!(dirs.len() >= 20, "only {} corpus dirs", dirs.len());
    let step = dirs.len() / 20;
    let mut changed = 0;
    for dir in dirs.iter().step_by(step).take(20) {
        changed += round_trip(dir);
    }
    assert!(
        changed > 0,
        "the sample had nothing to format: the test proves nothing"
    );
}

/// `fmt` reads the directory as `validate` does: a `*.tf` entry it cannot read (here a
/// dangling symbolic link and a FIFO, which would block a plain `open`) is an error naming
/// it, and no file is rewritten.
#[cfg(unix)]
#[test]
fn an_unreadable_entry_is_an_error_and_nothing_is_rewritten() {
    let dir = messy_dir();
    std::os::unix::fs::symlink("gone.tf", dir.path().join("dangling.tf")).expect("symlink");
    let fifo = dir.path().join("pipe.tf");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let path = dir.path().to_string_lossy().into_owned();
    let run = ecrplan(&["fmt", &path]);
    assert_eq!(run.0, 1, "{}", transcript(&run));
    assert!(run.2.contains("dangling.tf"), "{}", run.2);
    assert!(run.2.contains("gone.tf"), "{}", run.2);
    assert!(run.2.contains("pipe.tf"), "{}", run.2);
    assert!(run.2.contains("FIFO"), "{}", run.2);
    let after = std::fs::read_to_string(dir.path().join("main.tf")).expect("read");
    assert_eq!(
        after, MESSY,
        "nothing is rewritten when an entry cannot be read"
    );
}
