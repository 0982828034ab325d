//! Estates sharing one moto account (issue 10), through the binary: unnamed directories keep
//! each other's objects, a directory without an ECR module destroys nothing, one estate applied
//! in two regions keeps both regions' roles (moto keeps ECR per region and IAM global, as AWS
//! does), and drift is about the estate unless `--account-wide` asks for the account.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ecrplan_model::{Encryption, Operation, Provider, Repository, Resource, Tags};
use ecrplan_test::{Moto, REGION};
use serde_json::Value;
use tempfile::TempDir;

struct Env {
    moto: Moto,
    dir: TempDir,
}

impl Env {
    async fn new() -> Env {
        Env {
            moto: ecrplan_test::moto().await,
            dir: TempDir::new().expect("tempdir"),
        }
    }

    /// A configuration directory holding `main.tf`.
    fn config(&self, name: &str, main_tf: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("main.tf"), main_tf).expect("write main.tf");
        dir
    }

    /// Runs ecrplan against moto in `region`.
    fn run_in(&self, region: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.args(args)
            .arg("--endpoint")
            .arg(self.moto.endpoint())
            .arg("--region")
            .arg(region)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        for var in [
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_SESSION_TOKEN",
            "AWS_ROLE_ARN",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("ecrplan runs")
    }

    fn apply_in(&self, region: &str, dir: &Path) {
        let out = self.run_in(region, &["apply", path(dir), "--auto-approve"]);
        assert!(
            out.status.success(),
            "apply {}: {}",
            dir.display(),
            text(&out)
        );
    }

    /// `plan --detailed-exitcode`: the exit status and the saved plan (the plan data itself,
    /// whatever the views print).
    fn plan_in(&self, region: &str, dir: &Path) -> (i32, Value) {
        let saved = self.dir.path().join("plan.json");
        let _ = std::fs::remove_file(&saved);
        let out = self.run_in(
            region,
            &[
                "plan",
                path(dir),
                "--detailed-exitcode",
                "--out",
                path(&saved),
            ],
        );
        let plan = std::fs::read_to_string(&saved)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| panic!("no saved plan\n{}", text(&out)));
        (out.status.code().unwrap_or(-1), plan)
    }

    /// Makes a repository by hand, without ownership tags, as a person in the console would.
    async fn hand_made(&self, name: &str) {
        self.moto
            .provider()
            .await
            .apply(&Operation::Create {
                resource: Resource::Repository(Repository {
                    name: name.into(),
                    image_tag_mutability: Default::default(),
                    scan_on_push: false,
                    encryption: Encryption::Aes256,
                    image_tag_mutability_exclusion_filters: Vec::new(),
                    tags: Tags::new(),
                }),
            })
            .await
            .expect("hand-made repository");
    }
}

fn path(dir: &Path) -> &str {
    dir.to_str().expect("utf-8 path")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// One `ecr-repos` module with a repository and a GitHub role; `estate` adds the block.
fn module(estate: Option<&str>, repository: &str, role: &str) -> String {
    let block = estate.map_or(String::new(), |e| {
        format!("ecrplan {{ estate = \"{e}\" }}\n")
    });
    format!(
        "{block}provider \"aws\" {{}}\n\
         module \"ecr-{repository}\" {{\n  source = \"../modules/ecr-repos\"\n  \
         ecr-repositories = [\"{repository}\"]\n  github_access = {{\n    role_name = \"{role}\"\n    \
         github_repositories = [{{ organisation = \"JPPOL-KOA\", repository = \"{repository}\" }}]\n  }}\n}}\n"
    )
}

/// The objects a saved plan deletes (or replaces), by AWS identity.
fn removals(plan: &Value) -> Vec<String> {
    plan["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["action"] == "delete" || c["action"] == "replace")
        .map(|c| c["id"]["key"].as_str().unwrap_or("?").to_owned())
        .collect()
}

#[tokio::test]
async fn two_anonymous_directories_applied_one_after_the_other_keep_each_others_objects() {
    let env = Env::new().await;
    let koa = env.config("koa", &module(None, "giftcard-service", "koa-github"));
    let web = env.config("web", &module(None, "web", "web-github"));
    env.apply_in(REGION, &koa);
    let (status, plan) = env.plan_in(REGION, &web);
    assert_eq!(status, 2, "{plan:#}");
    assert!(removals(&plan).is_empty(), "{:?}", removals(&plan));
    env.apply_in(REGION, &web);
    for dir in [&koa, &web] {
        let (status, plan) = env.plan_in(REGION, dir);
        assert_eq!(status, 0, "{}: {plan:#}", dir.display());
    }

    // A plain Terraform directory with no ECR module plans nothing at all.
    let terraform = env.config(
        "terraform",
        "provider \"aws\" {}\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n",
    );
    let (status, plan) = env.plan_in(REGION, &terraform);
    assert_eq!(status, 0, "{plan:#}");
    assert!(removals(&plan).is_empty(), "{:?}", removals(&plan));
}

#[tokio::test]
async fn the_same_estate_applied_in_two_regions_keeps_both_regions_roles() {
    let env = Env::new().await;
    let ireland = env.config(
        "ireland",
        &module(Some("koa"), "giftcard-service", "koa-ew1"),
    );
    let london = env.config(
        "london",
        &module(Some("koa"), "giftcard-service", "koa-ew2"),
    );
    env.apply_in("eu-west-1", &ireland);
    let (status, plan) = env.plan_in("eu-west-2", &london);
    assert_eq!(status, 2, "{plan:#}");
    assert!(removals(&plan).is_empty(), "{:?}", removals(&plan));
    env.apply_in("eu-west-2", &london);
    assert_eq!(env.plan_in("eu-west-1", &ireland).0, 0);
    assert_eq!(env.plan_in("eu-west-2", &london).0, 0);

    // Removing the module in London leaves Ireland's role and the provider it trusts.
    let emptied = env.config(
        "emptied",
        "ecrplan { estate = \"koa\" }\nprovider \"aws\" {}\n",
    );
    let (_, plan) = env.plan_in("eu-west-2", &emptied);
    let removed = removals(&plan);
    assert!(
        removed.iter().any(|a| a.contains("koa-ew2")),
        "London's own role goes: {removed:?}"
    );
    assert!(
        !removed
            .iter()
            .any(|a| a.contains("koa-ew1") || a.contains("githubusercontent")),
        "{removed:?}"
    );

    // Declaring Ireland's role in London is an error that names Ireland.
    let out = env.run_in("eu-west-2", &["plan", path(&ireland)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("made in region eu-west-1"), "{stderr}");
}

#[tokio::test]
async fn drift_exits_zero_in_a_shared_account_and_the_account_wide_audit_reports_the_rest() {
    let env = Env::new().await;
    let koa = env.config(
        "koa",
        &module(Some("koa"), "giftcard-service", "koa-github"),
    );
    let payments = env.config("payments", &module(Some("payments"), "pay", "pay-github"));
    env.apply_in(REGION, &koa);
    env.apply_in(REGION, &payments);
    env.hand_made("hand-made-1").await;
    env.hand_made("hand-made-2").await;

    let out = env.run_in(REGION, &["drift", path(&koa), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = env.run_in(
        REGION,
        &["drift", path(&koa), "--format", "json", "--account-wide"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("drift JSON");
    let unmanaged: Vec<&str> = report["ecrplan"]["unmanaged"]
        .as_array()
        .expect("unmanaged")
        .iter()
        .filter_map(|u| u["id"]["key"].as_str())
        .collect();
    assert_eq!(unmanaged, ["hand-made-1", "hand-made-2"]);
    assert_eq!(
        report["ecrplan"]["other_estates"]["payments"], 2,
        "{report:#}"
    );
}

#[tokio::test]
async fn naming_an_unnamed_directory_moves_its_objects_with_adopt() {
    let env = Env::new().await;
    let unnamed = env.config("unnamed", &module(None, "giftcard-service", "koa-github"));
    env.apply_in(REGION, &unnamed);
    let named = env.config(
        "named",
        &module(Some("koa"), "giftcard-service", "koa-github"),
    );
    let (status, plan) = env.plan_in(REGION, &named);
    assert_eq!(status, 2, "{plan:#}");
    let adopted: Vec<&str> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] == "adopt")
        .filter_map(|c| c["id"]["key"].as_str())
        .collect();
    assert_eq!(adopted, ["giftcard-service", "koa-github"], "{plan:#}");
    assert!(removals(&plan).is_empty(), "{:?}", removals(&plan));

    let out = env.run_in(REGION, &["apply", path(&named), "--auto-approve"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "without --adopt: {}",
        text(&out)
    );
    let out = env.run_in(
        REGION,
        &["apply", path(&named), "--auto-approve", "--adopt"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.plan_in(REGION, &named).0, 0);
    // The unnamed directory now declares another estate's objects.
    let out = env.run_in(REGION, &["plan", path(&unnamed)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`koa`"));
}
