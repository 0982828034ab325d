//! `ecrplan validate` as users and bots run it: exit code, stdout and stderr, snapshotted.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecrplan_hcl::{LoadOptions, load_dir, render_text};
use serde_json::Value;
use tempfile::TempDir;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the binary from the workspace root with a clean, colourless environment.
fn ecrplan(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
    command
        .args(args)
        .current_dir(workspace())
        .env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ECRPLAN_VAR_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("the ecrplan binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn transcript((code, stdout, stderr): &(i32, String, String)) -> String {
    format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
}

/// Snapshots with temporary directories replaced by `[TMP]`.
fn snapshot(name: &str, run: &(i32, String, String), tmp: Option<&Path>) {
    let mut settings = insta::Settings::clone_current();
    if let Some(tmp) = tmp {
        settings.add_filter(&regex_lite::escape(&tmp.to_string_lossy()), "[TMP]");
    }
    settings.bind(|| insta::assert_snapshot!(name, transcript(run)));
}

#[test]
fn the_seed_is_valid() {
    let run = ecrplan(&["validate", "fixtures/koa"], &[]);
    assert_eq!(run.0, 0, "{}", transcript(&run));
    assert_eq!(run.1, "Valid: 1 module, 1 repository, 1 role.\n");
    snapshot("seed_text", &run, None);
}

#[test]
fn the_seed_as_json() {
    let run = ecrplan(&["validate", "fixtures/koa", "--format", "json"], &[]);
    assert_eq!(run.0, 0, "{}", transcript(&run));
    let doc: Value = serde_json::from_str(&run.1).expect("stdout is one JSON document");
    assert_eq!(doc["valid"], true);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"modules": 1, "repositories": 1, "roles": 1, "ci_users": 0})
    );
    let hash = doc["config_hash"].as_str().unwrap_or_default();
    assert_eq!(hash.len(), 64, "a sha-256 hex digest");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter("[0-9a-f]{64}", "[HASH]");
    settings.bind(|| insta::assert_snapshot!("seed_json", transcript(&run)));
}

#[test]
fn invalid_fixtures_fail_with_file_line_and_column() {
    for (fixture, location) in [
        ("26-repository-name-uppercase", "main.tf:4:23]"),
        ("41-duplicate-role-two-files", "vouchers.tf:20:17]"),
        ("66-many-errors", "main.tf:25:3]"),
    ] {
        let dir = format!("fixtures/invalid/{fixture}");
        let run = ecrplan(&["validate", &dir], &[]);
        assert_eq!(run.0, 1, "{fixture}: {}", transcript(&run));
        assert_eq!(run.1, "", "{fixture}: stdout stays empty on failure");
        // As a compiler prints it: the directory as given, then the file.
        let location = format!("[{dir}/{location}");
        assert!(run.2.contains(&location), "{fixture}: {}", run.2);
        let loaded_from = workspace().join(&dir);
        let Err(diagnostics) = load_dir(&loaded_from, &LoadOptions::default()) else {
            panic!("{fixture} loads");
        };
        let library =
            render_text(&diagnostics.0).replace(&ecrplan_hcl::shown_path(&loaded_from), &dir);
        assert!(
            run.2.starts_with(&library),
            "{fixture}: stderr is the library's rendering:\n{}",
            run.2
        );
        snapshot(fixture, &run, None);
    }
}

#[test]
fn invalid_as_json_is_data_on_stdout() {
    let run = ecrplan(
        &[
            "validate",
            "fixtures/invalid/41-duplicate-role-two-files",
            "--format=json",
        ],
        &[],
    );
    assert_eq!(run.0, 1, "{}", transcript(&run));
    let doc: Value = serde_json::from_str(&run.1).expect("stdout is one JSON document");
    assert_eq!(doc["valid"], false);
    let diagnostics = doc["diagnostics"].as_array().expect("a diagnostics list");
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(
        (&d["severity"], &d["file"], &d["line"], &d["column"]),
        (
            &Value::from("error"),
            &Value::from("fixtures/invalid/41-duplicate-role-two-files/vouchers.tf"),
            &Value::from(20),
            &Value::from(17)
        )
    );
    let files: Vec<&str> = d["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["file"].as_str())
        .collect();
    assert_eq!(
        files,
        [
            "fixtures/invalid/41-duplicate-role-two-files/vouchers.tf",
            "fixtures/invalid/41-duplicate-role-two-files/giftcards.tf"
        ]
    );
    snapshot("duplicate_role_json", &run, None);
}

/// A directory whose only repository name comes from `var.repo`; an invalid value names
/// itself in the diagnostic, which shows which source won.
fn variable_dir() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        r#"variable "repo" {
  default = "From_Default"
}

module "ecr-koa" {
  source           = "../../../../modules/ecr-repos"
  ecr-repositories = [var.repo]
}
"#,
    )
    .expect("write main.tf");
    dir
}

fn first_message(run: &(i32, String, String)) -> String {
    let doc: Value = serde_json::from_str(&run.1).expect("stdout is JSON");
    doc["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn var_beats_environment_beats_default() {
    let dir = variable_dir();
    let path = dir.path().to_string_lossy().into_owned();
    let json = ["validate", path.as_str(), "--format", "json"];

    let run = ecrplan(&json, &[]);
    assert_eq!(run.0, 1);
    assert!(first_message(&run).contains("From_Default"), "{}", run.1);

    let env = [("ECRPLAN_VAR_repo", "From_Env")];
    let run = ecrplan(&json, &env);
    assert_eq!(run.0, 1);
    assert!(first_message(&run).contains("From_Env"), "{}", run.1);

    let with_var = [json.as_slice(), &["--var", "repo=From_Cli"]].concat();
    let run = ecrplan(&with_var, &env);
    assert_eq!(run.0, 1);
    assert!(first_message(&run).contains("From_Cli"), "{}", run.1);

    let run = ecrplan(&["validate", &path, "--var", "repo=giftcard-service"], &env);
    assert_eq!(run.0, 0, "{}", transcript(&run));
    snapshot("var_precedence_valid", &run, Some(dir.path()));
}

#[test]
fn malformed_var_is_refused() {
    let run = ecrplan(&["validate", "fixtures/koa", "--var", "repo"], &[]);
    assert_eq!(run.0, 1);
    assert_eq!(run.1, "");
    assert!(run.2.contains("invalid --var `repo`"), "{}", run.2);
    snapshot("malformed_var", &run, None);

    let run = ecrplan(
        &[
            "validate",
            "fixtures/koa",
            "--var",
            "=x",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(run.0, 1);
    let doc: Value = serde_json::from_str(&run.1).expect("stdout is JSON even for bad flags");
    assert_eq!(doc["valid"], false);
    assert_eq!(
        doc["diagnostics"][0]["message"],
        "invalid --var `=x`: expected NAME=VALUE"
    );
}

#[test]
fn missing_or_empty_directory_is_a_clear_error() {
    let run = ecrplan(&["validate", "fixtures/does-not-exist"], &[]);
    assert_eq!(run.0, 1);
    assert!(run.2.contains("fixtures/does-not-exist"), "{}", run.2);
    snapshot("missing_directory", &run, None);

    let empty = TempDir::new().expect("temp dir");
    std::fs::write(empty.path().join("README.md"), "not configuration\n").expect("write");
    let run = ecrplan(&["validate", &empty.path().to_string_lossy()], &[]);
    assert_eq!(run.0, 1);
    assert!(run.2.contains("no *.tf or *.hcl files"), "{}", run.2);
    snapshot("empty_directory", &run, Some(empty.path()));
}

#[test]
fn warnings_go_to_stderr_and_counts_are_plural() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        r#"terraform {
  required_version = ">= 1.5"
}

resource "aws_s3_bucket" "logs" {
  bucket = "koa-logs"
}

module "ecr-koa" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["giftcard-service", "voucher-service"]
  github_access = {
    role_name           = "koa-github-ecr-access"
    github_repositories = [{ organisation = "JPPOL-KOA", repository = "GiftCardService" }]
  }
}

module "ecr-koa-batch" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["batch-runner"]
}
"#,
    )
    .expect("write main.tf");
    let run = ecrplan(&["validate", &dir.path().to_string_lossy()], &[]);
    assert_eq!(run.0, 0, "{}", transcript(&run));
    assert_eq!(run.1, "Valid: 2 modules, 3 repositories, 1 role.\n");
    assert!(run.2.contains("skipped 2 blocks"), "{}", run.2);
    snapshot("warnings", &run, Some(dir.path()));
}

#[test]
fn issue_22_valid_counts_ci_users() {
    let run = ecrplan(&["validate", "examples/gitlab-ci"], &[]);
    assert_eq!(run.0, 0, "{}", transcript(&run));
    assert_eq!(run.1, "Valid: 1 module, 1 repository, 1 role, 1 CI user.\n");
    let run = ecrplan(&["validate", "examples/gitlab-ci", "--format", "json"], &[]);
    let doc: Value = serde_json::from_str(&run.1).expect("JSON");
    assert_eq!(doc["summary"]["ci_users"], 1);
}

/// Issue 22: one list, `diagnostics`, valid or not, each with its rule; wrong types say what
/// the attribute takes.
#[test]
fn issue_22_json_lists_diagnostics_valid_or_not() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        "output \"x\" {\n  value = 1\n}\n\nmodule \"m\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = \"app\"\n}\n",
    )
    .expect("write");
    let path = dir.path().to_string_lossy().into_owned();
    let run = ecrplan(&["validate", &path, "--format", "json"], &[]);
    assert_eq!(run.0, 1);
    let doc: Value = serde_json::from_str(&run.1).expect("JSON");
    assert_eq!(doc["valid"], false);
    let rules: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert_eq!(rules, ["wrong-type", "skipped-block"]);
    assert_eq!(
        doc["diagnostics"][0]["help"],
        "`ecr-repositories` takes a list of strings: `[\"a\", \"b\"]`"
    );
    assert_eq!(
        doc["diagnostics"][1]["sites"][0]["line"], 1,
        "the skipped block is located: {}",
        doc["diagnostics"][1]
    );

    std::fs::write(
        dir.path().join("main.tf"),
        "output \"x\" {\n  value = 1\n}\n\nmodule \"m\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"app\"]\n}\n",
    )
    .expect("write");
    let run = ecrplan(&["validate", &path, "--format", "json"], &[]);
    assert_eq!(run.0, 0);
    let doc: Value = serde_json::from_str(&run.1).expect("JSON");
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["diagnostics"][0]["rule"], "skipped-block");
    assert!(doc.get("warnings").is_none(), "{doc}");
}

/// Issue 22: `--var-file` and the directory's `*.tfvars` as Terraform ranks them, and
/// `TF_VAR_` below them; a bad value in a var file is located in it.
#[test]
fn issue_22_var_files_rank_as_in_terraform() {
    let dir = variable_dir();
    let path = dir.path().to_string_lossy().into_owned();
    let json = ["validate", path.as_str(), "--format", "json"];
    let tf_var = [("TF_VAR_repo", "From_Tf_Var")];
    assert!(first_message(&ecrplan(&json, &tf_var)).contains("From_Tf_Var"));
    std::fs::write(
        dir.path().join("terraform.tfvars"),
        "repo = \"From_Tfvars\"\n",
    )
    .expect("write");
    assert!(first_message(&ecrplan(&json, &tf_var)).contains("From_Tfvars"));
    std::fs::write(dir.path().join("x.auto.tfvars"), "repo = \"From_Auto\"\n").expect("write");
    assert!(first_message(&ecrplan(&json, &tf_var)).contains("From_Auto"));
    let file = dir.path().join("prod.tfvars");
    std::fs::write(&file, "# production\nrepo = \"From_Var_File\"\n").expect("write");
    let file = file.to_string_lossy().into_owned();
    let with_file = [json.as_slice(), &["--var-file", &file]].concat();
    let run = ecrplan(&with_file, &tf_var);
    assert!(first_message(&run).contains("From_Var_File"), "{}", run.1);
    let doc: Value = serde_json::from_str(&run.1).expect("JSON");
    assert_eq!(
        (
            &doc["diagnostics"][0]["file"],
            &doc["diagnostics"][0]["line"]
        ),
        (&Value::from(file.as_str()), &Value::from(2)),
        "the bad value is located in the var file"
    );
    let with_var = [with_file.as_slice(), &["--var", "repo=From_Cli"]].concat();
    assert!(first_message(&ecrplan(&with_var, &tf_var)).contains("From_Cli"));

    std::fs::write(dir.path().join("broken.tfvars"), "repo = [\n").expect("write");
    let broken = dir
        .path()
        .join("broken.tfvars")
        .to_string_lossy()
        .into_owned();
    let run = ecrplan(&["validate", &path, "--var-file", &broken], &[]);
    assert_eq!(run.0, 1);
    assert!(run.2.contains(&format!("[{broken}:1:9]")), "{}", run.2);
}

/// Issue 22: a value of a collection-typed variable set in the environment that does not parse
/// is reported under the name the user set, `TF_VAR_repos`, not ecrplan's own prefix.
#[test]
fn issue_22_a_malformed_environment_variable_is_named_as_set() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        r#"variable "repos" {
  type = list(string)
}

module "ecr-koa" {
  source           = "../modules/ecr-repos"
  ecr-repositories = var.repos
}
"#,
    )
    .expect("write main.tf");
    let path = dir.path().to_string_lossy().into_owned();
    for set in ["TF_VAR_repos", "ECRPLAN_VAR_repos"] {
        let env = [(set, "[\"giftcard-service\",")];
        let run = ecrplan(&["validate", &path, "--format", "json"], &env);
        assert_eq!(run.0, 1, "{}", transcript(&run));
        let doc: Value = serde_json::from_str(&run.1).expect("JSON");
        assert_eq!(doc["diagnostics"][0]["file"], set, "{doc:#}");
        assert_eq!(doc["diagnostics"][0]["rule"], "syntax-error", "{doc:#}");
    }
    let run = ecrplan(
        &["validate", &path],
        &[("TF_VAR_repos", "[\"giftcard-service\",")],
    );
    assert!(
        run.2.contains("[TF_VAR_repos:1:20]") && !run.2.contains("ECRPLAN_VAR_repos"),
        "{}",
        run.2
    );
    snapshot("malformed_tf_var", &run, Some(dir.path()));
}

/// Issue 22: `terraform.tfvars.json` and a JSON `--var-file` through the binary: the JSON file
/// given last wins, and a value of the wrong type in it is located at its line and column.
#[test]
fn issue_22_json_var_files_through_the_binary() {
    let dir = variable_dir();
    let path = dir.path().to_string_lossy().into_owned();
    let json = ["validate", path.as_str(), "--format", "json"];
    std::fs::write(
        dir.path().join("terraform.tfvars.json"),
        r#"{"repo": "From_Tfvars_Json"}"#,
    )
    .expect("write");
    assert!(first_message(&ecrplan(&json, &[])).contains("From_Tfvars_Json"));
    let file = dir.path().join("prod.tfvars.json");
    std::fs::write(&file, "{\n  \"repo\": [\"a\", \"b\"]\n}\n").expect("write");
    let file = file.to_string_lossy().into_owned();
    let run = ecrplan(&[json.as_slice(), &["--var-file", &file]].concat(), &[]);
    assert_eq!(run.0, 1, "{}", transcript(&run));
    let doc: Value = serde_json::from_str(&run.1).expect("JSON");
    let d = &doc["diagnostics"][0];
    assert_eq!(
        (&d["file"], &d["line"], &d["column"]),
        (
            &Value::from(file.as_str()),
            &Value::from(2),
            &Value::from(11)
        ),
        "{doc:#}"
    );
    std::fs::write(&file, "{\"repo\": \"giftcard-service\"}").expect("write");
    let run = ecrplan(&["validate", &path, "--var-file", &file], &[]);
    assert_eq!(run.0, 0, "{}", transcript(&run));
}
