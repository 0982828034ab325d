//! SARIF as code scanning takes it (issue 22): every document these tests make passes the
//! SARIF 2.1.0 schema and GitHub's ingestion rules (`ecrplan_test::sarif::assert_valid`, real
//! validators installed by scripts/policy-tools); every result sits at its real place, with
//! columns in code points and fingerprints that survive lines moving above it.

use std::path::Path;
use std::process::{Command, Output};

use ecrplan_test::sarif::assert_valid;
use serde_json::Value;
use tempfile::TempDir;

/// A Terraform directory at `infra/ecr` of a repository: other resources, which ecrplan skips,
/// and an ECR module with two bad values on lines holding non-ASCII text before them.
const MAIN_TF: &str = r#"terraform {
  required_version = ">= 1.5"
}

resource "aws_s3_bucket" "logs" {
  bucket = "koa-logs"
}

module "ecr-koa" {
  source           = "../modules/ecr-repos"
  ecr-repositories = [/* café */ "Upper"]
  scan_on_push     = "sometimes"
}
"#;

/// A repository checkout (the working directory of a CI job) with the configuration at
/// `infra/ecr`.
fn checkout(main_tf: &str) -> TempDir {
    let root = TempDir::new().expect("temp dir");
    std::fs::create_dir_all(root.path().join("infra/ecr")).expect("mkdir");
    std::fs::write(root.path().join("infra/ecr/main.tf"), main_tf).expect("write");
    root
}

/// Runs the binary in `cwd` with a clean, colourless environment and no AWS.
fn ecrplan(cwd: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
    command.args(args).current_dir(cwd).env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("ECRPLAN_") || key.starts_with("TF_VAR_") || key.starts_with("AWS_") {
            command.env_remove(&*key);
        }
    }
    command.output().expect("the ecrplan binary runs")
}

/// The SARIF document on stdout, validated.
fn sarif(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.trim().is_empty(),
        "no SARIF on stdout; stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_valid(&text);
    serde_json::from_str(&text).expect("SARIF is JSON")
}

fn results(doc: &Value) -> Vec<Value> {
    doc["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// (rule, uri, start line, start column, end line, end column) of a result.
fn place(result: &Value) -> (String, String, u64, u64, u64, u64) {
    let at = &result["locations"][0]["physicalLocation"];
    let n = |key: &str| at["region"][key].as_u64().unwrap_or(0);
    (
        result["ruleId"].as_str().unwrap_or_default().to_owned(),
        at["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        n("startLine"),
        n("startColumn"),
        n("endLine"),
        n("endColumn"),
    )
}

#[test]
fn validate_locates_every_finding_with_a_rule_of_its_own() {
    let repo = checkout(MAIN_TF);
    let out = ecrplan(repo.path(), &["validate", "infra/ecr", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = sarif(&out);
    let run = &doc["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let mut places: Vec<_> = results(&doc).iter().map(place).collect();
    places.sort();
    let uri = "infra/ecr/main.tf".to_owned();
    assert_eq!(
        places,
        [
            // `"Upper"` after `[/* café */ `: column 34 counted in code points (35 in bytes).
            ("ecrplan/invalid-value".into(), uri.clone(), 11, 34, 11, 41),
            // One result per skipped block, at its header.
            ("ecrplan/skipped-block".into(), uri.clone(), 1, 1, 1, 10),
            ("ecrplan/skipped-block".into(), uri.clone(), 5, 1, 5, 32),
            ("ecrplan/wrong-type".into(), uri, 12, 22, 12, 33),
        ]
    );
    // Every rule a result names is listed, at the index the result gives.
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for result in results(&doc) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(
            !rules[index]["help"]["text"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
    let wrong_type = results(&doc)
        .into_iter()
        .find(|r| r["ruleId"] == "ecrplan/wrong-type")
        .expect("a wrong-type result");
    assert!(
        wrong_type["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("(help: `scan_on_push` takes a bool: `true`)"),
        "{wrong_type}"
    );
    // A placeholder home page is no informationUri.
    let driver = &run["tool"]["driver"];
    if let Some(uri) = driver["informationUri"].as_str() {
        assert!(
            uri.starts_with("https://") && !uri.contains(".invalid"),
            "{uri}"
        );
    }
}

#[test]
fn text_json_and_sarif_name_the_same_path_and_column() {
    let repo = checkout(MAIN_TF);
    let text = ecrplan(repo.path(), &["validate", "infra/ecr"]);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(stderr.contains("[infra/ecr/main.tf:11:34]"), "{stderr}");
    assert!(
        stderr.contains("infra/ecr/main.tf:5:1 resource \"aws_s3_bucket\" \"logs\""),
        "{stderr}"
    );
    let json = ecrplan(repo.path(), &["validate", "infra/ecr", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let first = &doc["diagnostics"][0];
    assert_eq!(
        (
            &first["file"],
            &first["line"],
            &first["column"],
            &first["rule"]
        ),
        (
            &Value::from("infra/ecr/main.tf"),
            &Value::from(11),
            &Value::from(34),
            &Value::from("invalid-value")
        )
    );
}

#[test]
fn fingerprints_hold_when_lines_move_above_a_finding() {
    let fingerprints = |main_tf: &str| -> Vec<(String, String, u64)> {
        let repo = checkout(main_tf);
        let out = ecrplan(repo.path(), &["validate", "infra/ecr", "--format", "sarif"]);
        let mut found: Vec<_> = results(&sarif(&out))
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap_or_default().to_owned(),
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    place(r).2,
                )
            })
            .collect();
        found.sort();
        found
    };
    let before = fingerprints(MAIN_TF);
    assert_eq!(before, fingerprints(MAIN_TF), "the same on every run");
    let moved = fingerprints(&format!("# a comment\n\n{MAIN_TF}"));
    let strip = |v: &[(String, String, u64)]| -> Vec<(String, String)> {
        v.iter().map(|(r, f, _)| (r.clone(), f.clone())).collect()
    };
    assert_eq!(
        strip(&before),
        strip(&moved),
        "lines moved, findings stayed"
    );
    assert_ne!(before, moved, "the lines themselves did move");
    let hashes: std::collections::BTreeSet<&String> = before.iter().map(|(_, f, _)| f).collect();
    assert_eq!(hashes.len(), before.len(), "two findings never share one");
}

#[test]
fn plan_with_configuration_errors_writes_them_as_results() {
    let repo = checkout(MAIN_TF);
    let out = ecrplan(
        repo.path(),
        &[
            "plan",
            "infra/ecr",
            "--format",
            "sarif",
            "--sandbox",
            "sandbox.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "still a failure");
    let doc = sarif(&out);
    let rules: Vec<String> = results(&doc).iter().map(|r| place(r).0).collect();
    assert!(
        rules.contains(&"ecrplan/invalid-value".to_owned())
            && rules.contains(&"ecrplan/wrong-type".to_owned()),
        "{rules:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("infra/ecr/main.tf:12:22"), "{stderr}");
}

/// A valid Terraform directory with a trust any organisation may use: the plan's checker note
/// and the skipped blocks are results, each at its place.
#[test]
fn plan_reports_checker_notes_and_skipped_blocks() {
    let repo = checkout(
        r#"resource "aws_s3_bucket" "logs" {
  bucket = "koa-logs"
}

module "ecr-koa" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["giftcard-service"]
  github_access = {
    role_name              = "koa-github"
    allow_any_organisation = true
    github_repositories    = [{ organisation = "*", repository = "GiftCardService" }]
  }
}
"#,
    );
    let out = ecrplan(
        repo.path(),
        &[
            "plan",
            "infra/ecr",
            "--format",
            "sarif",
            "--sandbox",
            "sandbox.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = sarif(&out);
    let mut places: Vec<_> = results(&doc).iter().map(place).collect();
    places.sort();
    let uri = "infra/ecr/main.tf".to_owned();
    assert_eq!(
        places,
        [
            ("ecrplan/skipped-block".into(), uri.clone(), 1, 1, 1, 32),
            ("ecrplan/wide-oidc-trust".into(), uri, 9, 30, 9, 42),
        ]
    );
}

#[test]
fn failures_without_a_place_are_notifications() {
    let repo = checkout(MAIN_TF);
    // A malformed --var is about the command line, not a file.
    let out = ecrplan(
        repo.path(),
        &["validate", "infra/ecr", "--format", "sarif", "--var", "=x"],
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = sarif(&out);
    assert!(results(&doc).is_empty());
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("--var"),
        "{invocation}"
    );
    // A directory without configuration.
    std::fs::create_dir_all(repo.path().join("empty")).expect("mkdir");
    let out = ecrplan(repo.path(), &["validate", "empty", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = sarif(&out);
    assert!(results(&doc).is_empty());
    let notes = &doc["runs"][0]["invocations"][0]["toolConfigurationNotifications"];
    assert_eq!(notes[0]["descriptor"]["id"], "ecrplan/unreadable-file");
}

#[test]
fn plan_that_cannot_reach_aws_says_so_in_sarif_and_with_a_help() {
    let repo = checkout(
        "module \"m\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"app\"]\n}\n",
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    command
        .args([
            "plan",
            "infra/ecr",
            "--format",
            "sarif",
            "--endpoint",
            "http://127.0.0.1:1",
        ])
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    let out = command.output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot reach AWS"), "{stderr}");
    assert!(
        stderr.contains("help: no AWS answer came: check the network"),
        "{stderr}"
    );
    let doc = sarif(&out);
    let notes = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("check the network"),
        "{notes}"
    );
}

/// The validators are real: a result without a location — what the skip warning used to be —
/// is refused, as GitHub's upload refuses it.
#[test]
fn the_validators_refuse_a_result_without_a_location() {
    let repo = checkout(MAIN_TF);
    let out = ecrplan(repo.path(), &["validate", "infra/ecr", "--format", "sarif"]);
    let mut doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["runs"][0]["results"][0]
        .as_object_mut()
        .expect("a result")
        .remove("locations");
    let broken = doc.to_string();
    let refused = std::panic::catch_unwind(|| assert_valid(&broken));
    assert!(refused.is_err(), "a result without a location was accepted");
    let schema_break = doc.to_string().replace("\"2.1.0\"", "\"2.0.0\"");
    let refused = std::panic::catch_unwind(|| assert_valid(&schema_break));
    assert!(refused.is_err(), "a wrong version was accepted");
}

/// The vendored schema is the one the README of its folder names.
#[test]
fn the_vendored_schema_is_sarif_2_1_0() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).expect("vendored")).expect("JSON");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
}

/// The estate of the drift and show tests: a named estate, two repositories and a GitHub role.
const ESTATE_TF: &str = r#"ecrplan {
  estate = "koa"
}

module "ecr-koa" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["giftcard-service", "ledger"]
  scan_on_push     = true
  github_access = {
    role_name           = "koa-github"
    github_repositories = [{ organisation = "koa", repository = "GiftCardService" }]
  }
}
"#;

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// (start line, start column, end line, end column) of the first `needle` in `text`, columns
/// in code points, as a result's region gives them.
fn region_of(text: &str, needle: &str) -> (u64, u64, u64, u64) {
    let start = text.find(needle).expect("the needle is in the text");
    let at = |offset: usize| {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |n| n + 1)..]
            .chars()
            .count()
            + 1;
        (line as u64, column as u64)
    };
    let (line, column) = at(start);
    let (end_line, end_column) = at(start + needle.len());
    (line, column, end_line, end_column)
}

/// The `(ruleId, place)` of every result, sorted, each result checked to have a physical
/// location (an artifact, with a region or without).
fn drift_places(doc: &Value) -> Vec<(String, String, u64, u64, u64, u64)> {
    let mut places: Vec<_> = results(doc)
        .iter()
        .map(|r| {
            let physical = &r["locations"][0]["physicalLocation"];
            assert!(
                physical["artifactLocation"]["uri"].is_string(),
                "a result without a physical location: {r}"
            );
            assert_eq!(r["level"], "warning", "{r}");
            place(r)
        })
        .collect();
    places.sort();
    places
}

/// The live objects of a sandbox file.
fn live_objects(file: &Path) -> Vec<ecrplan_model::LiveObject> {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("the sandbox file"))
            .expect("JSON");
    serde_json::from_value(doc["objects"].clone()).expect("live objects")
}

/// Issue 22: `drift --format sarif` on the sandbox. Each finding is a warning under a drift rule
/// of its own, located at the declaration it is about: a repository changed out of band at its
/// name in `ecr-repositories`, a policy attached by hand at the name of the role it is attached
/// to, a repository the estate owns and no longer declares — and, account-wide, one nobody
/// owns — at the estate's name (or, with the estate named by `--estate`, at the configuration
/// directory, without a region). Exit codes are drift's: 0 in sync, 2 on drift.
#[tokio::test]
async fn drift_findings_are_results_at_their_declarations() {
    use ecrplan_model::{Operation, Provider, Resource, RolePolicyAttachment};

    let repo = checkout(ESTATE_TF);
    let sandbox = repo.path().join("sandbox.json");
    let drift = |extra: &[&str]| {
        let mut args = vec![
            "drift",
            "infra/ecr",
            "--format",
            "sarif",
            "--sandbox",
            "sandbox.json",
        ];
        args.extend_from_slice(extra);
        ecrplan(repo.path(), &args)
    };
    let apply = ecrplan(
        repo.path(),
        &[
            "apply",
            "infra/ecr",
            "--sandbox",
            "sandbox.json",
            "--auto-approve",
        ],
    );
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    let clean = drift(&[]);
    assert_eq!(clean.status.code(), Some(0), "in sync");
    assert!(results(&sarif(&clean)).is_empty());

    // By hand: scanning turned off on one repository, AdministratorAccess attached to the role.
    let provider = ecrplan_sandbox::SandboxProvider::open(&sandbox).expect("the sandbox");
    let before = live_objects(&sandbox)
        .into_iter()
        .map(|o| o.resource)
        .find(|r| matches!(r, Resource::Repository(r) if r.name == "giftcard-service"))
        .expect("the repository");
    let mut after = before.clone();
    let mut stray = before.clone();
    if let (Resource::Repository(r), Resource::Repository(s)) = (&mut after, &mut stray) {
        r.scan_on_push = false;
        s.name = "stray".into();
        s.tags = Default::default();
    }
    provider
        .apply(&Operation::Update { before, after })
        .await
        .expect("scanning turned off");
    provider
        .apply(&Operation::Create {
            resource: Resource::RolePolicyAttachment(RolePolicyAttachment {
                role: "koa-github".into(),
                policy_arn: ADMIN.into(),
            }),
        })
        .await
        .expect("a policy attached by hand");
    // And the configuration stops declaring a repository the estate owns.
    let main_tf = ESTATE_TF.replace(r#", "ledger""#, "");
    std::fs::write(repo.path().join("infra/ecr/main.tf"), &main_tf).expect("write");

    let out = drift(&[]);
    assert_eq!(out.status.code(), Some(2), "drift");
    let doc = sarif(&out);
    let uri = "infra/ecr/main.tf".to_owned();
    let at = |rule: &str, needle: &str| {
        let (l, c, el, ec) = region_of(&main_tf, needle);
        (format!("ecrplan/{rule}"), uri.clone(), l, c, el, ec)
    };
    let mut expected = vec![
        at("drift-changed", r#""giftcard-service""#),
        // The role's policy still grants the repository no longer declared: at the role.
        at("drift-changed", r#""koa-github""#),
        at("drift-by-hand", r#""koa-github""#),
        at("drift-no-longer-declared", r#""koa""#),
    ];
    expected.sort();
    assert_eq!(drift_places(&doc), expected);
    let found = results(&doc);
    let message = |rule: &str| {
        found
            .iter()
            .filter(|r| r["ruleId"] == rule)
            .min_by_key(|r| place(r).2)
            .and_then(|r| r["message"]["text"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        message("ecrplan/drift-changed"),
        "module.ecr-koa.aws_ecr_repository.repository[\"giftcard-service\"] changed outside \
         ecrplan (a plan would update): scan_on_push: declared true, live false"
    );
    assert!(
        message("ecrplan/drift-by-hand").contains(&format!("koa-github:{ADMIN}"))
            && message("ecrplan/drift-by-hand").ends_with("attached by hand"),
        "{}",
        message("ecrplan/drift-by-hand")
    );
    assert!(
        message("ecrplan/drift-no-longer-declared").contains("\"ledger\""),
        "{}",
        message("ecrplan/drift-no-longer-declared")
    );
    // Each result names its object, has a rule listed at its index and a fingerprint of its own.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let mut fingerprints = std::collections::BTreeSet::new();
    for result in &found {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(rules[index]["defaultConfiguration"]["level"], "warning");
        assert!(
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .is_some_and(|a| a.starts_with("module.ecr-koa.")),
            "{result}"
        );
        assert!(
            fingerprints
                .insert(result["partialFingerprints"]["primaryLocationLineHash"].to_string())
        );
    }

    // A repository nobody owns, which only the account-wide audit reports: at the estate's name.
    provider
        .apply(&Operation::Create { resource: stray })
        .await
        .expect("a repository made by hand");
    let wide = drift(&["--account-wide"]);
    assert_eq!(wide.status.code(), Some(2), "drift");
    let wide = sarif(&wide);
    let unmanaged: Vec<_> = results(&wide)
        .iter()
        .filter(|r| r["ruleId"] == "ecrplan/drift-unmanaged")
        .map(place)
        .collect();
    assert_eq!(unmanaged, [at("drift-unmanaged", r#""koa""#)]);
    assert!(
        results(&wide).iter().any(|r| r["message"]["text"]
            .as_str()
            .is_some_and(|m| m.starts_with("aws_ecr_repository \"stray\": "))),
        "{wide}"
    );

    // Named from outside, the estate has no place in the files: the directory, no region.
    let unnamed = main_tf.replacen("ecrplan {\n  estate = \"koa\"\n}\n\n", "", 1);
    assert_ne!(unnamed, main_tf);
    std::fs::write(repo.path().join("infra/ecr/main.tf"), &unnamed).expect("write");
    let out = drift(&["--estate", "koa"]);
    assert_eq!(out.status.code(), Some(2), "drift");
    let doc = sarif(&out);
    let ledger = results(&doc)
        .into_iter()
        .find(|r| r["ruleId"] == "ecrplan/drift-no-longer-declared")
        .expect("the repository no longer declared");
    assert_eq!(
        ledger["locations"][0]["physicalLocation"],
        serde_json::json!({"artifactLocation": {"uri": "infra/ecr/", "uriBaseId": "%SRCROOT%"}})
    );
    assert_eq!(drift_places(&doc).len(), 4);
}

/// Issue 22: a drift run that fails still writes SARIF (the configuration's error at its
/// place) and exits 1.
#[test]
fn drift_with_configuration_errors_writes_them_as_results() {
    let repo = checkout(MAIN_TF);
    let out = ecrplan(
        repo.path(),
        &[
            "drift",
            "infra/ecr",
            "--format",
            "sarif",
            "--sandbox",
            "sandbox.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let rules: Vec<String> = results(&sarif(&out)).iter().map(|r| place(r).0).collect();
    assert!(
        rules.contains(&"ecrplan/wrong-type".to_owned()),
        "{rules:?}"
    );
}

/// Issue 22: `show PLAN.json --format sarif` gives `plan --format sarif`'s results, the
/// configuration the plan records read again; when that directory is gone, each note is at the
/// directory, without a region.
#[test]
fn show_of_a_saved_plan_has_the_plans_results() {
    let repo = checkout(
        r#"resource "aws_s3_bucket" "logs" {
  bucket = "koa-logs"
}

variable "organisation" {}

module "ecr-koa" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["giftcard-service"]
  github_access = {
    role_name              = "koa-github"
    allow_any_organisation = true
    github_repositories    = [{ organisation = var.organisation, repository = "GiftCardService" }]
  }
}
"#,
    );
    let plan = ecrplan(
        repo.path(),
        &[
            "plan",
            "infra/ecr",
            "--format",
            "sarif",
            "--sandbox",
            "sandbox.json",
            "--var",
            "organisation=*",
            "--out",
            "plan.json",
        ],
    );
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let planned = results(&sarif(&plan));
    let rules: Vec<String> = planned.iter().map(|r| place(r).0).collect();
    assert!(
        rules.contains(&"ecrplan/wide-oidc-trust".to_owned())
            && rules.contains(&"ecrplan/skipped-block".to_owned()),
        "{rules:?}"
    );
    let show = ecrplan(repo.path(), &["show", "plan.json", "--format", "sarif"]);
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    assert_eq!(results(&sarif(&show)), planned);

    std::fs::rename(repo.path().join("infra"), repo.path().join("moved")).expect("move");
    let show = ecrplan(repo.path(), &["show", "plan.json", "--format", "sarif"]);
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    let at_directory = results(&sarif(&show));
    assert!(!at_directory.is_empty());
    for result in &at_directory {
        assert_eq!(
            result["locations"][0]["physicalLocation"],
            serde_json::json!({"artifactLocation": {"uri": "infra/ecr/", "uriBaseId": "%SRCROOT%"}}),
            "{result}"
        );
    }
    let notes = |found: &[Value]| -> Vec<(Value, Value)> {
        found
            .iter()
            .filter(|r| r["ruleId"] != "ecrplan/skipped-block")
            .map(|r| (r["ruleId"].clone(), r["message"].clone()))
            .collect()
    };
    assert_eq!(notes(&at_directory), notes(&planned));
}
