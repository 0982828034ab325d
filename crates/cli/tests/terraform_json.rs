//! The JSON plan read by the tools that gate Terraform plans, run for real: checkov (the pinned
//! PyPI release scripts/policy-tools installs), Rego policies written for Terraform plans
//! (evaluated with regorus), and the jq one-liners of docs/plan-json.md (the system's jq). Also
//! the saved-plan round trip and SARIF locations.
//!
//! The estate is fixtures/policy-scan, held out from the development of the JSON view.
//! fixtures/policy-scan/terraform-plan.json is the same ten objects as `terraform show -json`
//! prints a plan of them with the AWS provider: written once by a throwaway script from the
//! provider's resource schemas (`aws_ecr_repository` with its nested
//! `image_scanning_configuration`/`encryption_configuration` blocks, `aws_iam_role` with
//! `max_session_duration`, `force_detach_policies`…, computed attributes such as `arn` unknown
//! and so absent from `values`, as Terraform leaves them before a create). Only the policy
//! documents were taken from ecrplan's plan of the fixture, re-encoded as Terraform's
//! `jsonencode` writes them (keys sorted); everything else is the provider's shape, not
//! ecrplan's output.
//!
//! Missing tools fail the tests with an install hint: nothing is skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use tempfile::TempDir;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> PathBuf {
    workspace().join("fixtures/policy-scan")
}

/// A copy of the fixture at `config/` in a temporary directory, planned against a sandbox
/// account file beside it (an empty account: every object is a create).
struct Estate {
    dir: TempDir,
}

impl Estate {
    fn new() -> Estate {
        Estate::of(&fixture().join("main.tf"), "main.tf")
    }

    /// An estate of the one configuration file `file`, copied as `config/name`.
    fn of(file: &Path, name: &str) -> Estate {
        let dir = TempDir::new().expect("tempdir");
        std::fs::create_dir(dir.path().join("config")).expect("mkdir");
        std::fs::copy(file, dir.path().join("config").join(name)).expect("copy the fixture");
        Estate { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs ecrplan in the temporary directory.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("AWS_ENDPOINT_URL")
            .current_dir(self.dir.path())
            .output()
            .expect("ecrplan runs")
    }

    /// `ecrplan plan config --sandbox account.json` with `extra` flags.
    fn plan(&self, extra: &[&str]) -> Output {
        let mut args = vec!["plan", "config", "--sandbox", "account.json"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// The JSON plan, as text and as data.
    fn json_plan(&self) -> (String, Value) {
        let out = self.plan(&["--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let value = serde_json::from_str(&text).expect("stdout is one JSON document");
        (text, value)
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn terraform_plan() -> Value {
    let text = std::fs::read_to_string(fixture().join("terraform-plan.json")).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// The addresses of every resource in `planned_values`, root and child modules.
fn planned_addresses(plan: &Value) -> BTreeSet<String> {
    let root = &plan["planned_values"]["root_module"];
    let mut modules = vec![root];
    modules.extend(root["child_modules"].as_array().into_iter().flatten());
    modules
        .iter()
        .flat_map(|m| m["resources"].as_array().into_iter().flatten())
        .filter_map(|r| r["address"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn addresses_and_attributes_are_the_aws_providers() {
    let estate = Estate::new();
    let (_, plan) = estate.json_plan();
    assert_eq!(plan["format_version"], "1.2");
    assert_eq!(
        planned_addresses(&plan),
        planned_addresses(&terraform_plan())
    );
    let change = |address: &str| -> Value {
        plan["resource_changes"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["address"] == address))
            .unwrap_or_else(|| panic!("no change {address}"))
            .clone()
    };
    let repo = change(r#"module.ledger.aws_ecr_repository.repository["ledger/api"]"#);
    assert_eq!(repo["provider_name"], "registry.terraform.io/hashicorp/aws");
    assert_eq!(repo["module_address"], "module.ledger");
    assert_eq!(repo["change"]["actions"], json!(["create"]));
    let after = &repo["change"]["after"];
    assert_eq!(after["image_tag_mutability"], "IMMUTABLE");
    assert_eq!(
        after["image_scanning_configuration"],
        json!([{"scan_on_push": true}])
    );
    assert_eq!(
        after["encryption_configuration"][0]["encryption_type"],
        "KMS"
    );
    assert_eq!(after["tags"], json!({"team": "ledger"}));
    assert_eq!(after["tags_all"]["managed-by"], "ecrplan");
    assert_eq!(after["force_delete"], false);
    let role = change("module.legacy.aws_iam_role.github_role");
    let trust: Value = serde_json::from_str(
        role["change"]["after"]["assume_role_policy"]
            .as_str()
            .expect("the trust is a JSON string"),
    )
    .expect("the string is JSON");
    assert_eq!(trust["Version"], "2012-10-17");
    let oidc = change(
        r#"aws_iam_openid_connect_provider.oidc_provider["token.actions.githubusercontent.com"]"#,
    );
    assert_eq!(
        oidc["change"]["after"]["url"],
        "https://token.actions.githubusercontent.com"
    );
    assert_eq!(
        oidc["change"]["after"]["client_id_list"],
        json!(["sts.amazonaws.com"])
    );
    for key in [
        "prior_state",
        "configuration",
        "variables",
        "output_changes",
        "resource_drift",
    ] {
        assert!(plan.get(key).is_some(), "{key} is missing");
    }
    assert_eq!(
        plan["configuration"]["root_module"]["module_calls"]["ledger"]["source"],
        "../modules/ecr-repos"
    );
    assert_eq!(plan["applyable"], true);
    assert_eq!(plan["errored"], false);
    assert!(
        plan["output_changes"]["role_arns"]["after"]["ledger-github-push"]
            .as_str()
            .is_some_and(|arn| arn.ends_with(":role/ecrplan/scan/ledger-github-push"))
    );
}

/// The document without `timestamp`s, which say when it was rendered.
fn without_timestamps(mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.shift_remove("timestamp");
    }
    v
}

#[test]
fn show_of_a_saved_plan_is_the_plan_document() {
    let estate = Estate::new();
    let out = estate.plan(&["--format", "json", "--out", "saved.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let planned: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let shown = estate.run(&["show", "saved.json", "--format", "json"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let shown: Value = serde_json::from_slice(&shown.stdout).expect("JSON");
    assert_eq!(without_timestamps(shown), without_timestamps(planned));
}

#[test]
fn plans_saved_by_an_older_ecrplan_are_refused() {
    let estate = Estate::new();
    let out = estate.plan(&["--out", "saved.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(estate.path("saved.json")).expect("saved"))
            .expect("JSON");
    // What format 1 wrote: no configuration.
    old["format_version"] = json!(1);
    old.as_object_mut()
        .expect("object")
        .shift_remove("configuration");
    std::fs::write(estate.path("old.json"), old.to_string()).expect("write");
    for args in [
        vec!["show", "old.json", "--format", "json"],
        vec![
            "apply",
            "old.json",
            "--sandbox",
            "account.json",
            "--auto-approve",
        ],
    ] {
        let out = estate.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing rendered");
        let err = stderr(&out);
        assert!(err.contains("format version 1"), "{args:?}: {err}");
        assert!(err.contains("ecrplan plan --out"), "{args:?}: {err}");
    }
}

/// A plan the release before scoped ids (plan format 2) wrote with `plan --out`, kept as it
/// wrote it: `show` and `apply` name its version and say how to make it again, never misread
/// it as a stale plan.
#[test]
fn a_plan_of_format_2_is_refused_by_name() {
    let estate = Estate::new();
    let saved = workspace().join("crates/cli/tests/fixtures/plan-format-2.json");
    let saved = saved.to_str().expect("UTF-8 path");
    for args in [
        vec!["show", saved],
        vec![
            "apply",
            saved,
            "--sandbox",
            "account.json",
            "--auto-approve",
        ],
    ] {
        let out = estate.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing rendered");
        let err = stderr(&out);
        assert!(
            err.contains("format version 2, this ecrplan reads version 3"),
            "{args:?}: {err}"
        );
        assert!(err.contains("ecrplan plan --out"), "{args:?}: {err}");
    }
    assert!(!estate.path("account.json").exists(), "nothing was applied");
}

/// A policy tool's path from `var`, as scripts/policy-tools sets it; else `default`. Fails
/// (does not skip) when it is not there.
fn tool(var: &str, default: PathBuf, hint: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or(default, PathBuf::from);
    let runs = Command::new(&path).arg("--version").output();
    assert!(
        runs.as_ref().is_ok_and(|o| o.status.success()),
        "{} does not run ({runs:?}): {hint}",
        path.display()
    );
    path
}

fn checkov() -> PathBuf {
    tool(
        "ECRPLAN_CHECKOV",
        workspace().join(".venv-checkov/bin/checkov"),
        "run scripts/policy-tools (it installs the pinned checkov into .venv-checkov), or set ECRPLAN_CHECKOV",
    )
}

fn jq() -> PathBuf {
    tool(
        "ECRPLAN_JQ",
        PathBuf::from("jq"),
        "install jq (Debian/Ubuntu: apt-get install jq), or set ECRPLAN_JQ",
    )
}

/// Checkov's verdicts on a plan file: (check id, resource address, passed).
fn checkov_findings(plan: &Path) -> (BTreeSet<(String, String, bool)>, u64) {
    let out = Command::new(checkov())
        .args(["--framework", "terraform_plan", "--skip-download"])
        .args(["--compact", "--output", "json", "--file"])
        .arg(plan)
        // Offline: no download of the mapping of check ids to guidelines.
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .expect("checkov runs");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("checkov printed no JSON ({e}): {}", stderr(&out)));
    let mut findings = BTreeSet::new();
    for (key, passed) in [("passed_checks", true), ("failed_checks", false)] {
        for check in report["results"][key].as_array().into_iter().flatten() {
            findings.insert((
                check["check_id"].as_str().unwrap_or_default().to_owned(),
                check["resource"].as_str().unwrap_or_default().to_owned(),
                passed,
            ));
        }
    }
    let count = report["summary"]["resource_count"].as_u64().unwrap_or(0);
    (findings, count)
}

/// The registry's settings under the provider's types and attribute names: checkov reads every
/// one of them from `examples/platform`'s plan, and judges the ones it has checks for.
#[test]
fn checkov_reads_the_registrys_settings() {
    let estate = Estate::of(&workspace().join("examples/platform/main.hcl"), "main.hcl");
    let (text, plan) = estate.json_plan();
    let file = estate.path("plan.json");
    std::fs::write(&file, text).expect("write");
    let planned = planned_addresses(&plan);
    for address in [
        "aws_ecr_registry_policy.registry_policy",
        "aws_ecr_registry_scanning_configuration.scanning_configuration",
        "aws_ecr_pull_through_cache_rule.pull_through_cache_rule[\"docker-hub\"]",
        "aws_ecr_repository_creation_template.repository_creation_template[\"docker-hub\"]",
        "aws_ecr_account_setting.account_setting[\"BLOB_MOUNTING\"]",
        "aws_ecr_signing_configuration.signing_configuration",
        "aws_ssm_parameter.registry_owner",
    ] {
        assert!(planned.contains(address), "{address} in {planned:?}");
    }
    let (findings, count) = checkov_findings(&file);
    assert_eq!(count, planned.len() as u64, "checkov counts every resource");
    // Checkov 3.3.30 has no check for the ECR registry types; it judges the owner record as
    // the SSM parameter it is, and flags it for not being a SecureString (CKV2_AWS_34), which
    // the GUIDE explains: the record holds no secret.
    assert_eq!(
        findings,
        BTreeSet::from([
            (
                "CKV2_AWS_34".to_owned(),
                "aws_ssm_parameter.registry_owner".to_owned(),
                false
            ),
            (
                "CKV_AWS_337".to_owned(),
                "aws_ssm_parameter.registry_owner".to_owned(),
                true
            ),
        ])
    );
}

#[test]
fn checkov_sees_every_resource_and_gives_the_terraform_findings() {
    let estate = Estate::new();
    let (text, plan) = estate.json_plan();
    let file = estate.path("plan.json");
    std::fs::write(&file, text).expect("write");
    let (ours, count) = checkov_findings(&file);
    let planned = planned_addresses(&plan);
    assert_eq!(count, planned.len() as u64, "checkov counts every resource");
    // Checkov 3.3.30 has no check for OIDC providers or lifecycle policies, so it counts them
    // but gives no verdict on them (on Terraform's plan alike); every other resource gets one.
    let unchecked_types = [
        "aws_iam_openid_connect_provider.",
        "aws_ecr_lifecycle_policy.",
    ];
    let checked: BTreeSet<&String> = ours.iter().map(|(_, r, _)| r).collect();
    for address in &planned {
        assert!(
            checked.contains(address) || unchecked_types.iter().any(|t| address.contains(t)),
            "checkov ran no check on {address}"
        );
    }
    let (theirs, their_count) = checkov_findings(&fixture().join("terraform-plan.json"));
    assert_eq!(count, their_count);
    assert_eq!(
        ours, theirs,
        "checkov's verdicts differ from Terraform's plan"
    );
    // The findings the estate was written to provoke.
    for (check, address) in [
        (
            "CKV_AWS_51",
            r#"module.legacy.aws_ecr_repository.repository["legacy/monolith"]"#,
        ),
        (
            "CKV_AWS_163",
            r#"module.legacy.aws_ecr_repository.repository["legacy/monolith"]"#,
        ),
        (
            "CKV_AWS_136",
            r#"module.legacy.aws_ecr_repository.repository["legacy/monolith"]"#,
        ),
        ("CKV_AWS_393", "module.legacy.aws_iam_role.github_role"),
    ] {
        assert!(
            ours.contains(&(check.to_owned(), address.to_owned(), false)),
            "{check} does not fail on {address}"
        );
    }
    assert!(ours.contains(&(
        "CKV_AWS_136".to_owned(),
        r#"module.ledger.aws_ecr_repository.repository["ledger/api"]"#.to_owned(),
        true
    )));
}

/// The rule `data.main.<rule>` of tests/policies/ecr.rego over a plan, as a set of messages.
fn rego(plan: &Value, rule: &str) -> BTreeSet<String> {
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policies/ecr.rego");
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(
            "ecr.rego".to_owned(),
            std::fs::read_to_string(policy).expect("policy"),
        )
        .expect("the policy compiles");
    engine
        .set_input_json(&plan.to_string())
        .expect("the plan is an input");
    let value = engine
        .eval_rule(format!("data.main.{rule}"))
        .expect("the rule evaluates");
    let value = serde_json::to_value(&value).expect("serialisable");
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn rego_policies_written_for_terraform_plans_judge_ecrplan_plans_alike() {
    let estate = Estate::new();
    let (_, plan) = estate.json_plan();
    let deny = rego(&plan, "deny");
    let legacy = r#"module.legacy.aws_ecr_repository.repository["legacy/monolith"]"#;
    let expected: BTreeSet<String> = [
        format!("{legacy}: image tags are mutable"),
        format!("{legacy}: images are not scanned on push"),
        "module.legacy.aws_iam_role.github_role: trusts every GitHub organisation (repo:*/monolith:*)"
            .to_owned(),
    ]
    .into();
    assert_eq!(deny, expected);
    assert_eq!(
        deny,
        rego(&terraform_plan(), "deny"),
        "as on Terraform's plan"
    );
    assert!(
        rego(&plan, "warn").is_empty(),
        "an empty account deletes nothing"
    );
}

/// The jq one-liners docs/plan-json.md gives, with what each prints (`jq -c`) for the fixture.
const JQ_EXAMPLES: &[(&str, &str)] = &[
    (
        r#"[.resource_changes[] | select(.change.actions | index("delete")) | .address]"#,
        "[]",
    ),
    (
        r#"[.resource_changes[] | select(.type == "aws_ecr_repository" and .change.after.image_tag_mutability != "IMMUTABLE") | .address]"#,
        r#"["module.legacy.aws_ecr_repository.repository[\"legacy/monolith\"]"]"#,
    ),
    (
        r#".planned_values.outputs.repository_urls.value["ledger/api"]"#,
        r#""111122223333.dkr.ecr.eu-west-2.amazonaws.com/ledger/api""#,
    ),
    (
        r#"[.ecrplan.notes[] | select(.severity == "warning") | .address]"#,
        r#"["module.legacy.aws_ecr_repository_policy.repository_policy[\"legacy/monolith\"]","module.legacy.aws_iam_role.github_role"]"#,
    ),
    (".ecrplan.applyable", "true"),
];

#[test]
fn jq_one_liners_of_the_docs() {
    let docs = std::fs::read_to_string(workspace().join("docs/plan-json.md")).expect("docs");
    let estate = Estate::new();
    let (text, _) = estate.json_plan();
    let file = estate.path("plan.json");
    std::fs::write(&file, text).expect("write");
    for (filter, expected) in JQ_EXAMPLES {
        assert!(
            docs.contains(&format!("jq -c '{filter}'")),
            "docs/plan-json.md lost `jq -c '{filter}'`"
        );
        let out = Command::new(jq())
            .arg("-c")
            .arg(filter)
            .arg(&file)
            .output()
            .expect("jq runs");
        assert!(out.status.success(), "{filter}: {}", stderr(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim_end(),
            *expected,
            "{filter}"
        );
    }
}

/// The one-based line of the first line of the fixture containing `needle`.
fn fixture_line(needle: &str) -> u64 {
    let text = std::fs::read_to_string(fixture().join("main.tf")).expect("fixture");
    let index = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} is not in the fixture"));
    index as u64 + 1
}

fn sarif_results(out: &Output) -> Vec<Value> {
    ecrplan_test::sarif::assert_valid(&String::from_utf8_lossy(&out.stdout));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn plan_sarif_points_at_the_declarations() {
    let estate = Estate::new();
    let out = estate.plan(&["--format", "sarif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let results = sarif_results(&out);
    let at = |rule: &str| -> (String, u64, String) {
        let r = results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {results:?}"));
        let location = &r["locations"][0]["physicalLocation"];
        (
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            location["region"]["startLine"].as_u64().unwrap_or(0),
            r["level"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(
        at("ecrplan/wide-oidc-trust"),
        (
            "config/main.tf".to_owned(),
            fixture_line(r#"role_name              = "legacy-github-push""#),
            "warning".to_owned()
        )
    );
    assert_eq!(
        at("ecrplan/cross-account-push"),
        (
            "config/main.tf".to_owned(),
            fixture_line(r#"ecr-repositories = ["legacy/monolith"]"#),
            "warning".to_owned()
        )
    );
    assert_eq!(results.len(), 2, "{results:?}");
}

#[test]
fn validate_sarif_locates_errors() {
    let estate = Estate::new();
    std::fs::write(
        estate.path("config/main.tf"),
        "module \"m\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"Upper\"]\n}\n",
    )
    .expect("write");
    let out = estate.run(&["validate", "config", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let results = sarif_results(&out);
    let error = results
        .iter()
        .find(|r| r["level"] == "error")
        .unwrap_or_else(|| panic!("no error in {results:?}"));
    assert_eq!(error["ruleId"], "ecrplan/invalid-value");
    let location = &error["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "config/main.tf");
    assert_eq!(location["region"]["startLine"], 3);
    assert_eq!(location["region"]["startColumn"], 23);
}

#[test]
fn sensitive_variables_stay_out_of_the_plan_document() {
    let estate = Estate::new();
    std::fs::write(
        estate.path("config/variables.tf"),
        "variable \"team\" {\n  default = \"ledger\"\n}\n\nvariable \"cost_centre\" {\n  default   = \"cc-secret-42\"\n  sensitive = true\n}\n",
    )
    .expect("write");
    let main = std::fs::read_to_string(estate.path("config/main.tf")).expect("read");
    let main = main.replacen(
        "    team = \"ledger\"",
        "    team = var.team\n    cost = var.cost_centre",
        1,
    );
    std::fs::write(estate.path("config/main.tf"), main).expect("write");
    let (_, plan) = estate.json_plan();
    assert_eq!(plan["variables"], json!({"team": {"value": "ledger"}}));
}

/// Issue 22: `plan --format json`'s `resource_drift` lists what `drift --format json` lists for
/// the same account — a managed policy attached by hand to an estate's role and a declared
/// lifecycle policy deleted out of band, not only updates — so a jq gate reads either.
#[test]
fn issue_22_a_plan_lists_the_drift_the_drift_report_lists() {
    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
    const ATTACHED: &str = r#"[.resource_drift[] | select(.type | endswith("_policy_attachment")) | select(.change.actions == ["create"]) | .change.after.policy_arn]"#;
    const DELETED: &str =
        r#"[.resource_drift[] | select(.change.actions == ["delete"]) | .address]"#;
    let docs = std::fs::read_to_string(workspace().join("docs/plan-json.md")).expect("docs");
    assert!(
        docs.contains(&format!("ecrplan plan --format json | jq -c '{ATTACHED}'")),
        "docs/plan-json.md lost the plan's drift one-liner"
    );
    let estate = Estate::new();
    let apply = estate.run(&[
        "apply",
        "config",
        "--sandbox",
        "account.json",
        "--auto-approve",
    ]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    let (_, plan) = estate.json_plan();
    assert_eq!(plan["resource_drift"], json!([]), "in sync: no drift");

    // By hand: AdministratorAccess attached to the estate's role, its lifecycle policy deleted.
    let file = estate.path("account.json");
    let mut account: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("the sandbox file"))
            .expect("JSON");
    let objects = account["objects"].as_array_mut().expect("objects");
    let before = objects.len();
    objects.retain(|o| o["resource"]["kind"] != "lifecycle_policy");
    assert_eq!(
        objects.len(),
        before - 1,
        "the fixture declares one lifecycle policy"
    );
    objects.push(json!({
        "resource": {"kind": "role_policy_attachment", "role": "ledger-github-push", "policy_arn": ADMIN},
        "owner": null,
    }));
    std::fs::write(&file, account.to_string()).expect("write the sandbox file");

    let (text, plan) = estate.json_plan();
    let plan_file = estate.path("plan.json");
    std::fs::write(&plan_file, text).expect("write");
    let jq_c = |filter: &str, file: &Path| {
        let out = Command::new(jq())
            .arg("-c")
            .arg(filter)
            .arg(file)
            .output()
            .expect("jq runs");
        assert!(out.status.success(), "{filter}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    };
    assert_eq!(jq_c(ATTACHED, &plan_file), format!("[\"{ADMIN}\"]"));
    // Without a state file a missing declared object may not be made yet: the plan's drift
    // leaves it to resource_changes, where the lifecycle policy is a create.
    assert_eq!(jq_c(DELETED, &plan_file), "[]");
    assert_eq!(
        jq_c(
            r#"[.resource_changes[] | select(.change.actions == ["create"]) | .address]"#,
            &plan_file
        ),
        r#"["module.ledger.aws_ecr_lifecycle_policy.lifecycle_policy[\"ledger/api\"]"]"#
    );

    let drift = estate.run(&[
        "drift",
        "config",
        "--sandbox",
        "account.json",
        "--format",
        "json",
    ]);
    assert_eq!(drift.status.code(), Some(2), "{}", stderr(&drift));
    let drift_file = estate.path("drift.json");
    std::fs::write(&drift_file, &drift.stdout).expect("write");
    assert_eq!(
        jq_c(ATTACHED, &plan_file),
        jq_c(ATTACHED, &drift_file),
        "the plan and the drift report differ on the attachment"
    );
    assert_eq!(
        jq_c(DELETED, &drift_file),
        r#"["module.ledger.aws_ecr_lifecycle_policy.lifecycle_policy[\"ledger/api\"]"]"#
    );
    assert_eq!(
        plan["resource_drift"].as_array().map(Vec::len),
        Some(1),
        "{:#}",
        plan["resource_drift"]
    );
}
