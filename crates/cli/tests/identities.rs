//! Issue 13 end to end against the sandbox account: the Cloud Platform's CI outputs (seed 000)
//! in every format, the CircleCI placeholder refused at plan and apply, and a static-key CI user
//! (seed 004) applied, read back and removed in a safe order — never with a key it was not
//! allowed to delete.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecrplan_sandbox::SandboxProvider;
use tempfile::TempDir;

const ORG: &str = "5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A copy of a configuration directory with a sandbox account file beside it.
struct Env {
    dir: TempDir,
}

impl Env {
    fn copy_of(relative: &str) -> Env {
        let dir = TempDir::new().expect("tempdir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(relative);
        std::fs::create_dir(dir.path().join("config")).expect("mkdir");
        for entry in std::fs::read_dir(&from).expect("fixture") {
            let path = entry.expect("entry").path();
            if path.is_file() && !path.ends_with(".ecrplan-sandbox.json") {
                std::fs::copy(
                    &path,
                    dir.path().join("config").join(path.file_name().unwrap()),
                )
                .expect("copy");
            }
        }
        Env { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn account_file(&self) -> PathBuf {
        self.dir.path().join("account.json")
    }

    fn ecrplan(&self, command: &str, extra: &[&str]) -> Run {
        let config = self.config();
        let file = self.account_file();
        let mut args = vec![command, config.to_str().expect("utf-8 path")];
        if command != "validate" {
            args.extend(["--sandbox", file.to_str().expect("utf-8 path")]);
        }
        args.extend_from_slice(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .args(&args)
            .env("NO_COLOR", "1")
            .env_remove("AWS_ENDPOINT_URL")
            .current_dir(self.dir.path())
            .output()
            .expect("ecrplan runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.config().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{from:?} not in {file}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }
}

/// Issue 13: a Cloud Platform module without `circleci_organisation_id` really created an
/// OIDC provider for the all-zero placeholder organisation.
#[test]
fn circleci_without_an_organisation_id_warns_at_validate_and_is_refused_at_plan_and_apply() {
    let env = Env::copy_of("fixtures/cloud-platform");
    let validate = env.ecrplan("validate", &[]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    assert!(
        validate.stderr.contains("no CircleCI organisation id"),
        "{}",
        validate.stderr
    );
    for command in ["plan", "apply"] {
        let run = env.ecrplan(
            command,
            &["--auto-approve"][..usize::from(command == "apply")],
        );
        assert_eq!(run.code, 1, "{command}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("ecrplan will not trust the placeholder organisation"),
            "{command}: {}",
            run.stderr
        );
    }
    assert!(
        !env.account_file().exists(),
        "nothing may be written to the account"
    );
}

/// Seed 000: `ECR_REGION`, `ECR_REPOSITORY`, `ECR_ROLE_TO_ASSUME` per GitHub environment and
/// behind `github_actions_prefix`, `AWS_ECR_REGISTRY_ID`, and the CircleCI ConfigMap, for the
/// Cloud Platform fixture (`github_environments = ["production"]`, prefix `prod`).
#[test]
fn cloud_platform_outputs_in_every_format() {
    let env = Env::copy_of("fixtures/cloud-platform");
    let org = format!("circleci_organisation_id={ORG}");
    let apply = env.ecrplan("apply", &["--auto-approve", "--var", &org]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    for format in ["text", "json", "github-env", "dotenv", "configmap"] {
        let run = env.ecrplan("output", &["--format", format, "--var", &org]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        insta::assert_snapshot!(format!("cloud_platform_output_{format}"), run.stdout);
    }
    let env_file = env
        .ecrplan("output", &["--format", "dotenv", "--var", &org])
        .stdout;
    for line in [
        "AWS_ECR_REGISTRY_ID=111122223333\n",
        "PROD_ECR_REGION=eu-west-2\n",
        "PROD_ECR_REPOSITORY=probate/court-probate-prod\n",
    ] {
        assert!(env_file.contains(line), "{line:?} missing from\n{env_file}");
    }
}

/// Seed 004's setup applied, read back equal, then removed: membership before group, policy
/// before group, and a user holding an access key refused unless `force_delete` allowed it.
#[test]
fn a_ci_user_is_applied_and_removed_in_a_safe_order_never_with_a_key_it_may_not_delete() {
    let env = Env::copy_of("examples/gitlab-ci");
    env.edit("main.hcl", "    force_delete = true\n", "");
    let apply = env.ecrplan("apply", &["--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let again = env.ecrplan("plan", &["--detailed-exitcode"]);
    assert_eq!(again.code, 0, "read back equal: {}", again.stdout);
    let output = env.ecrplan("output", &[]);
    assert!(
        output
            .stdout
            .contains("ci_user_create_access_key_command = \"aws iam create-access-key --user-name ECRCIUser\""),
        "{}",
        output.stdout
    );

    // A person made a key, long ago.
    SandboxProvider::open(&env.account_file())
        .expect("sandbox")
        .add_access_key("ECRCIUser", "AKIAIOSFODNN7EXAMPLE", 1_000_000_000)
        .expect("key added");
    let drift = env.ecrplan("drift", &[]);
    assert_eq!(
        drift.code, 2,
        "an old key is an audit finding: {}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("Access keys to rotate")
            && drift
                .stdout
                .contains("user ECRCIUser holds active key …MPLE"),
        "{}",
        drift.stdout
    );
    let json = env.ecrplan("drift", &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("drift JSON");
    assert_eq!(report["ecrplan"]["old_access_keys"][0]["key"], "…MPLE");
    assert!(
        !json.stdout.contains("AKIAIOSFODNN7EXAMPLE"),
        "the key id is shortened in reports"
    );

    let block = std::fs::read_to_string(env.config().join("main.hcl")).unwrap();
    let start = block.find("  ci_user = {").unwrap();
    let end = start + block[start..].find("  }\n").unwrap() + 4;
    std::fs::write(
        env.config().join("main.hcl"),
        format!("{}{}", &block[..start], &block[end..]),
    )
    .unwrap();
    let refused = env.ecrplan("plan", &[]);
    assert!(
        refused
            .stdout
            .contains("holds 1 access key(s) and would be deleted"),
        "{}",
        refused.stdout
    );
    let apply = env.ecrplan("apply", &["--auto-approve"]);
    assert_eq!(
        apply.code, 1,
        "an error note makes the plan unapplyable: {}",
        apply.stdout
    );
    assert!(
        env.ecrplan("plan", &[])
            .stdout
            .contains("module.gitlab-mirror.ci_user")
    );

    // Allowed: the declaration comes back with force_delete, is applied once, and goes.
    std::fs::write(env.config().join("main.hcl"), &block).unwrap();
    env.edit(
        "main.hcl",
        "    policy     = file(\"ecr-access.json\")\n",
        "    policy     = file(\"ecr-access.json\")\n    force_delete = true\n",
    );
    let allow = env.ecrplan("apply", &["--auto-approve"]);
    assert_eq!(allow.code, 0, "{}{}", allow.stdout, allow.stderr);
    std::fs::write(
        env.config().join("main.hcl"),
        format!("{}{}", &block[..start], &block[end..]),
    )
    .unwrap();
    let delete = env.ecrplan("apply", &["--auto-approve"]);
    assert_eq!(delete.code, 0, "{}{}", delete.stdout, delete.stderr);
    let position = |what: &str| {
        delete
            .stdout
            .lines()
            .position(|l| {
                l.starts_with(&format!("{what}[\"")) && l.ends_with("Destruction complete")
            })
            .unwrap_or_else(|| panic!("{what} not destroyed:\n{}", delete.stdout))
    };
    assert!(
        position("module.gitlab-mirror.ci_group_membership")
            < position("module.gitlab-mirror.ci_group")
    );
    assert!(
        position("module.gitlab-mirror.ci_group_policy")
            < position("module.gitlab-mirror.ci_group")
    );
    assert!(
        position("module.gitlab-mirror.ci_group_membership")
            < position("module.gitlab-mirror.ci_user")
    );
    assert!(
        delete.stdout.contains("4 destroyed"),
        "exactly the identity's objects: {}",
        delete.stdout
    );
    let clean = env.ecrplan("plan", &["--detailed-exitcode"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
}

/// The same identities against moto's real IAM: applied, read back equal (users, groups,
/// memberships and policies included), then removed — refused while the user holds a key made
/// behind ecrplan's back, allowed once `force_delete` was applied.
#[tokio::test]
async fn identities_apply_and_read_back_equal_on_moto() {
    let moto = ecrplan_test::moto().await;
    let env = Env::copy_of("examples/gitlab-ci");
    env.edit("main.hcl", "provider \"sandbox\" {}", "provider \"aws\" {}");
    env.edit("main.hcl", "    force_delete = true\n", "");
    let codefresh = Env::copy_of("examples/codefresh");
    codefresh.edit("main.hcl", "provider \"sandbox\" {}", "provider \"aws\" {}");
    // Codefresh's own page asks for an AWS-managed policy: attached, and read back attached.
    codefresh.edit(
        "main.hcl",
        "    access = \"pull\"\n  }",
        "    managed_policy = \"AmazonEC2ContainerRegistryReadOnly\"\n  }",
    );
    let run = |e: &Env, args: &[&str]| -> Run {
        let config = e.config();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.arg(args[0]).arg(&config).args(&args[1..]);
        let out = ecrplan_test::against_moto(&mut cmd, moto.endpoint(), ecrplan_test::REGION)
            .output()
            .expect("ecrplan runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let planned = run(&codefresh, &["plan"]);
    assert!(
        planned
            .stdout
            .contains("module.codefresh-images.assumed_role_policy_attachment")
            && planned.stdout.contains("reaches every repository"),
        "{}",
        planned.stdout
    );
    for e in [&env, &codefresh] {
        let apply = run(e, &["apply", "--auto-approve"]);
        assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
        let again = run(e, &["plan", "--detailed-exitcode"]);
        assert_eq!(
            again.code, 0,
            "read back equal:\n{}{}",
            again.stdout, again.stderr
        );
    }
    let output = run(&codefresh, &["output", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).expect("json");
    assert_eq!(
        json["modules"]["codefresh-images"]["assumed_role_arn"],
        "arn:aws:iam::123456789012:role/ecrplan/codefresh/codefresh-ecr-integration"
    );

    moto.create_access_key(None, "ECRCIUser");
    let drift = run(&env, &["drift"]);
    assert_eq!(drift.code, 0, "a fresh key is no finding: {}", drift.stdout);

    let text = std::fs::read_to_string(env.config().join("main.hcl")).unwrap();
    let start = text.find("  ci_user = {").unwrap();
    let end = start + text[start..].find("  }\n").unwrap() + 4;
    let without = format!("{}{}", &text[..start], &text[end..]);
    std::fs::write(env.config().join("main.hcl"), &without).unwrap();
    let refused = run(&env, &["apply", "--auto-approve"]);
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stdout.contains("holds 1 access key(s)"),
        "{}",
        refused.stdout
    );

    std::fs::write(
        env.config().join("main.hcl"),
        text.replacen(
            "    policy     = file(\"ecr-access.json\")\n",
            "    policy     = file(\"ecr-access.json\")\n    force_delete = true\n",
            1,
        ),
    )
    .unwrap();
    let allow = run(&env, &["apply", "--auto-approve"]);
    assert_eq!(allow.code, 0, "{}{}", allow.stdout, allow.stderr);
    std::fs::write(env.config().join("main.hcl"), &without).unwrap();
    let delete = run(&env, &["apply", "--auto-approve"]);
    assert_eq!(delete.code, 0, "{}{}", delete.stdout, delete.stderr);
    assert!(delete.stdout.contains("4 destroyed"), "{}", delete.stdout);
    let clean = run(&env, &["plan", "--detailed-exitcode"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    // The other estate's identities are untouched.
    let other = run(&codefresh, &["plan", "--detailed-exitcode"]);
    assert_eq!(other.code, 0, "{}{}", other.stdout, other.stderr);
}

/// Issue 13: a managed policy attached by hand to a CI user's group (`aws iam attach-group-policy
/// … AdministratorAccess`) was never read, so `plan` and `drift` said nothing and every member
/// kept administrator rights.
#[tokio::test]
async fn a_managed_policy_attached_to_a_ci_group_out_of_band_is_drift_and_is_detached() {
    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
    let moto = ecrplan_test::moto().await;
    let env = Env::copy_of("examples/gitlab-ci");
    env.edit("main.hcl", "provider \"sandbox\" {}", "provider \"aws\" {}");
    let run = |args: &[&str]| -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.arg(args[0]).arg(env.config()).args(&args[1..]);
        let out = ecrplan_test::against_moto(&mut cmd, moto.endpoint(), ecrplan_test::REGION)
            .output()
            .expect("ecrplan runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let apply = run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);

    moto.attach_group_policy(None, "ECRUsers", ADMIN);

    let plan = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains(&format!(
            "# module.gitlab-mirror.ci_group_policy_attachment[\"ECRUsers:{ADMIN}\"] will be destroyed"
        )),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 0 to change, 1 to destroy"),
        "{}",
        plan.stdout
    );

    let drift = run(&["drift"]);
    assert_eq!(drift.code, 2, "{}{}", drift.stdout, drift.stderr);
    assert!(
        drift.stdout.contains(&format!(
            "aws_iam_group_policy_attachment \"ECRUsers:{ADMIN}\""
        )),
        "{}",
        drift.stdout
    );

    let apply = run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let clean = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        clean.code, 0,
        "the policy is still attached: {}",
        clean.stdout
    );
}
