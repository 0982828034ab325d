//! Regression tests for hostile input (issue 11), one per finding, each named for what it
//! guards: the exit status and the located message, with a watchdog so that a hang fails
//! instead of blocking the suite.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ecrplan_test::cloud_platform_hcl;
use tempfile::TempDir;

/// Exit status, stdout, stderr.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs ecrplan with a 20-second watchdog: a run that blocks is killed and fails the test.
fn ecrplan(args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("AWS_ENDPOINT_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ecrplan starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        stdout.read_to_end(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        stderr.read_to_end(&mut s).map(|_| s)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting on ecrplan") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().expect("kill the hung ecrplan");
            panic!("ecrplan {args:?} did not finish in 20 s: it blocks");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: text(out.join().expect("stdout reader").expect("stdout read")),
        stderr: text(err.join().expect("stderr reader").expect("stderr read")),
        took,
    }
}

fn validate(dir: &Path) -> Run {
    ecrplan(&["validate", dir.to_str().expect("utf-8 path")])
}

/// A directory holding `main.tf` with `text`, plus whatever the test adds.
fn dir_with(text: &str) -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), text).expect("write main.tf");
    dir
}

const MODULE: &str = r#"module "app" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
}
"#;

/// Asserts a refusal: exit 1, nothing on stdout, and every `expected` piece on stderr (with
/// the line wrapping of the rendering undone: messages name files by their whole path, which
/// moves where a line breaks).
fn assert_refused(run: &Run, expected: &[&str]) {
    assert_eq!(run.code, 1, "exit status; stderr:\n{}", run.stderr);
    assert_eq!(run.stdout, "", "stdout stays empty on failure");
    let flat = |s: &str| {
        s.replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let stderr = flat(&run.stderr);
    for piece in expected {
        assert!(
            stderr.contains(&flat(piece)),
            "stderr lacks {piece:?}:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn dangling_symlink_named_hcl_is_an_error_not_skipped() {
    let dir = dir_with(MODULE);
    std::os::unix::fs::symlink("../moved/shared.hcl", dir.path().join("shared.hcl"))
        .expect("symlink");
    assert_refused(
        &validate(dir.path()),
        &["/shared.hcl: it is a symbolic link to `../moved/shared.hcl`, which does not exist"],
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_named_hcl_is_an_error_not_skipped() {
    let dir = dir_with(MODULE);
    std::os::unix::fs::symlink("b.hcl", dir.path().join("a.hcl")).expect("symlink");
    std::os::unix::fs::symlink("a.hcl", dir.path().join("b.hcl")).expect("symlink");
    assert_refused(
        &validate(dir.path()),
        &["/a.hcl:", "/b.hcl:", "symbolic links"],
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn fifo_named_hcl_is_an_error_and_does_not_block() {
    let dir = dir_with(MODULE);
    mkfifo(&dir.path().join("pipe.hcl"));
    assert_refused(
        &validate(dir.path()),
        &["/pipe.hcl: it is a FIFO (named pipe), not a regular file"],
    );
}

#[test]
fn directory_named_hcl_is_an_error_not_skipped() {
    let dir = dir_with(MODULE);
    std::fs::create_dir(dir.path().join("x.hcl")).expect("mkdir");
    assert_refused(
        &validate(dir.path()),
        &["/x.hcl: it is a directory, not a regular file"],
    );
}

#[test]
fn editor_lock_files_are_ignored_as_terraform_ignores_them() {
    let dir = dir_with(MODULE);
    std::fs::write(dir.path().join(".#main.tf"), "not hcl {").expect("write");
    std::fs::write(dir.path().join("main.tf~"), "not hcl {").expect("write");
    let run = validate(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn file_of_dev_zero_is_refused_not_read_forever() {
    let dir = dir_with(
        r#"module "app" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
  lifecycle_policy = file("/dev/zero")
}
"#,
    );
    assert_refused(
        &validate(dir.path()),
        &[
            "cannot read `/dev/zero`: it is a character device, not a regular file",
            "/main.tf:4:27]",
            "help: `file` reads regular files only",
        ],
    );
}

#[cfg(unix)]
#[test]
fn file_of_a_fifo_is_refused_and_does_not_block() {
    let dir = dir_with(
        r#"module "app" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
  lifecycle_policy = file("policy.json")
}
"#,
    );
    mkfifo(&dir.path().join("policy.json"));
    assert_refused(
        &validate(dir.path()),
        &[
            "cannot read `policy.json`: it is a FIFO (named pipe), not a regular file",
            "/main.tf:4:27]",
        ],
    );
}

#[test]
fn file_larger_than_the_cap_is_refused() {
    let dir = dir_with(
        r#"module "app" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
  lifecycle_policy = file("policy.json")
}
"#,
    );
    std::fs::write(dir.path().join("policy.json"), " ".repeat(300 * 1024)).expect("write");
    assert_refused(
        &validate(dir.path()),
        &[
            "cannot read `policy.json`: it holds 307200 bytes, more than the 262144 ecrplan reads",
            "/main.tf:4:27]",
        ],
    );
}

/// `ecr-repositories` with `n` invalid names on one line.
fn errors_on_one_line(n: usize, pad: usize) -> String {
    let names: Vec<String> = (0..n).map(|i| format!("\"A{i}\"")).collect();
    format!(
        "module \"app\" {{\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [{}{}]\n}}\n",
        " ".repeat(pad),
        names.join(",")
    )
}

#[test]
fn error_past_column_65535_renders_without_a_panic() {
    let dir = dir_with(&errors_on_one_line(1, 70_000));
    let run = validate(dir.path());
    assert_refused(
        &run,
        &[
            "repository name `A0` does not match",
            "/main.tf:3:70023]",
            "…",
            "1 error found",
        ],
    );
    let widest = run.stderr.lines().map(str::len).max().unwrap_or(0);
    assert!(
        widest < 400,
        "the long line is windowed, not printed: {widest} bytes"
    );
}

#[test]
fn eight_thousand_errors_on_one_line_render_fast_and_bounded() {
    let dir = dir_with(&errors_on_one_line(8_000, 0));
    let run = validate(dir.path());
    println!(
        "8,000 errors on one line: {:?}, {} bytes of stderr",
        run.took,
        run.stderr.len()
    );
    assert_refused(
        &run,
        &[
            "… and 7800 more errors not shown",
            "8000 errors found; nothing was sent to AWS.",
        ],
    );
    // Loosely: the release build answers in well under a second; a debug build on a busy
    // machine gets ten.
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
    assert!(
        run.stderr.len() < 200 * 1024,
        "{} bytes of stderr",
        run.stderr.len()
    );
    let json = ecrplan(&[
        "validate",
        dir.path().to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    let all = doc["diagnostics"].as_array().map_or(0, Vec::len);
    assert_eq!(all, 8_000, "JSON lists every diagnostic");
}

#[test]
fn sixteen_thousand_errors_on_one_line_do_not_panic() {
    let dir = dir_with(&errors_on_one_line(16_000, 0));
    let run = validate(dir.path());
    assert_refused(&run, &["16000 errors found"]);
    let plan = ecrplan(&[
        "plan",
        dir.path().to_str().expect("utf-8 path"),
        "--sandbox",
        dir.path()
            .join("account.json")
            .to_str()
            .expect("utf-8 path"),
    ]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    assert!(plan.stderr.contains("the configuration has 16000 errors"));
    assert!(plan.stderr.contains("… and 15800 more errors not shown"));
}

#[test]
fn invalid_utf8_is_located_at_its_first_bad_byte() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        b"module \"app\" {\n  source = \"x\" # caf\xe9\n}\n",
    )
    .expect("write");
    assert_refused(
        &validate(dir.path()),
        &[
            "/main.tf: it is not UTF-8 text",
            "/main.tf:2:21]",
            "first invalid byte",
        ],
    );
}

#[test]
fn utf16_is_located_and_named() {
    let dir = TempDir::new().expect("temp dir");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in MODULE.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(dir.path().join("main.tf"), bytes).expect("write");
    assert_refused(
        &validate(dir.path()),
        &[
            "/main.tf: it is UTF-16, not UTF-8: the first invalid byte is byte 0",
            "/main.tf:1:1]",
        ],
    );
}

#[test]
fn utf8_byte_order_mark_is_accepted_and_spans_stay_right() {
    let dir = TempDir::new().expect("temp dir");
    let text = format!("\u{FEFF}{MODULE}");
    std::fs::write(dir.path().join("main.tf"), &text).expect("write");
    let run = validate(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(
        dir.path().join("main.tf"),
        text.replace("[\"app\"]", "[\"App\"]"),
    )
    .expect("write");
    assert_refused(&validate(dir.path()), &["/main.tf:3:23]"]);
}

#[test]
fn trust_policy_over_the_default_iam_quota_is_a_warning() {
    let repos: Vec<String> = (0..80)
        .map(|i| format!("{{ organisation = \"acme\", repository = \"service-{i:03}\" }}"))
        .collect();
    let dir = dir_with(&format!(
        r#"module "app" {{
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
  github_access = {{
    role_name           = "app-github"
    github_repositories = [{}]
  }}
}}
"#,
        repos.join(", ")
    ));
    let run = validate(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is 2434 characters (whitespace not counted): over IAM's")
            && run.stderr.contains("/main.tf:6:27]"),
        "{}",
        run.stderr
    );
}

#[test]
fn organisations_differing_only_in_case_are_a_warning() {
    let dir = dir_with(
        r#"module "app" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
  github_access = {
    role_name = "app-github"
    github_repositories = [
      { organisation = "Acme", repository = "app" },
      { organisation = "acme", repository = "app" },
    ]
  }
}
"#,
    );
    let run = validate(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`Acme/app` and `acme/app` differ only in letter case")
            && run.stderr.contains("/main.tf:8:7]"),
        "{}",
        run.stderr
    );
}

#[test]
fn wildcards_the_seeds_allow_are_a_checker_note_in_the_plan() {
    let dir = dir_with(
        r#"provider "sandbox" {}

ecrplan {
  estate = "wide"
}

module "app" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
  github_access = {
    role_name           = "app-github"
    github_repositories = [{ organisation = "acme", repository = "*" }]
    environments        = ["*"]
  }
  circleci_access = {
    role_name       = "app-circleci"
    organisation_id = "5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11"
    project_ids     = ["*"]
  }
}
"#,
    );
    let validated = validate(dir.path());
    assert_eq!(validated.code, 0, "allowed: {}", validated.stderr);
    let plan = ecrplan(&[
        "plan",
        dir.path().to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", plan.stdout, plan.stderr));
    let notes: Vec<(String, String, String)> = doc["ecrplan"]["notes"]
        .as_array()
        .expect("a notes list")
        .iter()
        .map(|n| {
            (
                n["severity"].as_str().unwrap_or_default().to_owned(),
                n["ecrplan_address"].as_str().unwrap_or_default().to_owned(),
                n["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let wide = |address: &str, piece: &str| {
        notes
            .iter()
            .any(|(s, a, m)| s == "warning" && a == address && m.contains(piece))
    };
    assert!(
        wide(
            "module.app.github_role",
            "`repo:acme/*:environment:*` (any repository of the organisation matching it)"
        ),
        "{notes:#?}"
    );
    assert!(
        wide(
            "module.app.circleci_role",
            "(any project of the organisation)"
        ),
        "{notes:#?}"
    );
}

#[test]
fn replication_to_the_registry_itself_is_refused_at_plan_when_the_account_is_unknown_offline() {
    let dir = dir_with(&format!(
        r#"provider "sandbox" {{}}

ecrplan {{
  estate = "loop"
}}

replication {{
  rule {{
    destination {{
      region      = "{region}"
      registry_id = "{account}"
    }}
  }}
}}
"#,
        region = ecrplan_sandbox::SANDBOX_REGION,
        account = ecrplan_sandbox::SANDBOX_ACCOUNT_ID,
    ));
    let validated = validate(dir.path());
    assert_eq!(
        validated.code, 0,
        "no account_id: offline it cannot be known: {}",
        validated.stderr
    );
    let plan = ecrplan(&[
        "plan",
        dir.path().to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", plan.stdout, plan.stderr));
    assert_eq!(doc["ecrplan"]["applyable"], false, "{}", plan.stdout);
    let refused = doc["ecrplan"]["notes"]
        .as_array()
        .expect("a notes list")
        .iter()
        .any(|n| {
            n["severity"] == "error"
                && n["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("names the registry itself"))
        });
    assert!(refused, "{}", plan.stdout);
}

/// Issue 21: applied from a Cloud Platform `module "ecr"`, the estate survives a typo in the
/// module's `source`: `validate` and `plan` refuse it at the source with a did-you-mean; and a
/// block of the same name that is no ECR module at all is skipped, but `plan` refuses to
/// delete the repository, role and OIDC provider its name owns.
#[test]
fn issue_21_a_typo_in_a_module_source_never_destroys_the_estate() {
    const GOOD: &str =
        "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0";
    const TYPO: &str =
        "github.com/ministryofjustice/cloud-platform-terraform-ecr-credential?ref=7.1.0";
    let dir = dir_with(&cloud_platform_hcl(GOOD));
    let config = dir.path().to_str().expect("utf-8 path");
    let account = dir.path().join("account.json");
    let sandbox = account.to_str().expect("utf-8 path");
    let applied = ecrplan(&["apply", config, "--auto-approve", "--sandbox", sandbox]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);

    std::fs::write(dir.path().join("main.tf"), cloud_platform_hcl(TYPO)).expect("write main.tf");
    // The help wraps at the `?` of the query.
    let typo = [
        "module `ecr` looks like the Cloud Platform ECR module",
        "/main.tf:6:12]",
        "did you mean \"github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?",
        "ref=7.1.0\"?",
    ];
    assert_refused(&validate(dir.path()), &typo);
    assert_refused(&ecrplan(&["plan", config, "--sandbox", sandbox]), &typo);

    std::fs::write(
        dir.path().join("main.tf"),
        r#"ecrplan {
  estate = "probate"
}

module "ecr" {
  source = "terraform-aws-modules/vpc/aws"
  name   = "main"
  cidr   = "10.0.0.0/16"
}
"#,
    )
    .expect("write main.tf");
    let skipped = validate(dir.path());
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert!(
        skipped.stderr.contains("main.tf:5:1 module \"ecr\""),
        "{}",
        skipped.stderr
    );
    let plan = ecrplan(&["plan", config, "--sandbox", sandbox]);
    assert_eq!(plan.code, 1, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr
            .contains("its module `ecr` is a `module` block ecrplan skipped")
            && plan.stderr.contains("is not deleted"),
        "{}",
        plan.stderr
    );
    assert!(!plan.stdout.contains("destroy"), "{}", plan.stdout);
}

/// Issue 22: values from a variable file are part of the configuration, so a plan saved with
/// one is refused once that file changes, and applies while it has not.
#[test]
fn issue_22_a_saved_plan_is_stale_when_its_var_file_changed() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"repo\" {}\n\nprovider \"sandbox\" {}\n\nmodule \"m\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [var.repo]\n}\n",
    )
    .expect("write");
    let vars = dir.path().join("prod.tfvars");
    std::fs::write(&vars, "repo = \"app\"\n").expect("write");
    let plan = dir.path().join("plan.json");
    let (d, v, p) = (
        dir.path().to_string_lossy().into_owned(),
        vars.to_string_lossy().into_owned(),
        plan.to_string_lossy().into_owned(),
    );
    let made = ecrplan(&["plan", &d, "--var-file", &v, "--out", &p]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(made.stdout.contains("app"), "{}", made.stdout);

    std::fs::write(&vars, "repo = \"other\"\n").expect("write");
    let stale = ecrplan(&["apply", &p, "--var-file", &v, "--auto-approve"]);
    assert_eq!(stale.code, 1, "{}", stale.stdout);
    assert!(stale.stderr.contains("plan is stale"), "{}", stale.stderr);

    std::fs::write(&vars, "repo = \"app\"\n").expect("write");
    let applied = ecrplan(&["apply", &p, "--var-file", &v, "--auto-approve"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
}
