//! One estate over three registries through the binary (issue 20): two regions of moto's
//! default account and a disaster-recovery registry in another account reached through STS
//! AssumeRole (moto maps an assumed role's credentials to the role's account) — applied, every
//! object in its registry, the DR registry's policy letting the source in, one GitHub role,
//! then "No changes"; drift and output across registries; and `examples/dr` on a sandbox file
//! holding all three registries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const HOME: &str = ecrplan_test::DEFAULT_ACCOUNT;
const DR: &str = "222222222222";

/// The configuration: the default provider in moto's region, `aws.us` in us-east-1 of the same
/// account, `aws.dr` in eu-west-2 of account DR through an assumed role.
fn configuration() -> String {
    format!(
        r#"ecrplan {{
  estate = "payments"
}}

provider "aws" {{
  region     = "{region}"
  account_id = "{HOME}"
}}

provider "aws" {{
  alias      = "us"
  region     = "us-east-1"
  account_id = "{HOME}"
}}

provider "aws" {{
  alias      = "dr"
  region     = "eu-west-2"
  account_id = "{DR}"

  assume_role {{
    role_arn     = "arn:aws:iam::{DR}:role/ecrplan-dr"
    external_id  = "payments-dr"
    session_name = "ecrplan-payments"
  }}
}}

module "payments" {{
  source           = "../modules/ecr-repos"
  ecr-repositories = ["payments/api", "payments/worker"]

  github_access = {{
    role_name           = "payments-github-ecr-push"
    github_repositories = [{{ organisation = "example-org", repository = "payments" }}]
  }}
}}

module "payments-us" {{
  source           = "../modules/ecr-repos"
  ecr-repositories = ["payments/api"]

  providers = {{
    aws = aws.us
  }}
}}

replication {{
  rule {{
    destination {{
      provider = aws.dr
    }}
  }}
}}

registry {{
  provider = aws.dr

  scanning {{
    scan_type = "BASIC"
    rule {{
      scan_frequency = "SCAN_ON_PUSH"
      filters        = ["*"]
    }}
  }}
}}
"#,
        region = ecrplan_test::REGION,
    )
}

fn run(moto: &ecrplan_test::Moto, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
    cmd.args(args);
    ecrplan_test::against_moto(&mut cmd, moto.endpoint(), ecrplan_test::REGION);
    cmd.output().expect("ecrplan runs")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn config(dir: &TempDir, body: &str) -> PathBuf {
    let path = dir.path().join("payments");
    std::fs::create_dir_all(&path).expect("mkdir");
    std::fs::write(path.join("main.hcl"), body).expect("write");
    path
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// What boto3 reads in each registry, with DR's read through an assumed role, as a user
/// checking by hand would.
fn read_back(moto: &ecrplan_test::Moto) -> Value {
    moto.boto3(&format!(
        r#"
def names(c):
    return sorted(r["repositoryName"] for r in c.describe_repositories()["repositories"])
home = client("ecr")
us = boto3.client("ecr", endpoint_url=home.meta.endpoint_url, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
creds = client("sts").assume_role(RoleArn="arn:aws:iam::{DR}:role/ecrplan-dr",
                                  RoleSessionName="check")["Credentials"]
dr = boto3.client("ecr", endpoint_url=home.meta.endpoint_url, region_name="eu-west-2",
                  aws_access_key_id=creds["AccessKeyId"],
                  aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
roles = [r["RoleName"] for r in client("iam").list_roles()["Roles"]
         if r["RoleName"].startswith("payments")]
print(json.dumps({{
    "home": names(home),
    "us": names(us),
    "dr": names(dr),
    "dr_policy": json.loads(dr.get_registry_policy()["policyText"]),
    "replication": home.describe_registry()["replicationConfiguration"],
    "roles": roles,
}}))
"#
    ))
}

#[tokio::test]
async fn an_estate_over_three_registries_applies_to_moto_and_converges() {
    let moto = ecrplan_test::moto().await;
    let dir = TempDir::new().expect("tempdir");
    let payments = config(&dir, &configuration());

    let out = run(&moto, &["apply", path(&payments), "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));

    let seen = read_back(&moto);
    assert_eq!(
        seen["home"],
        serde_json::json!(["payments/api", "payments/worker"])
    );
    assert_eq!(seen["us"], serde_json::json!(["payments/api"]));
    assert_eq!(
        seen["dr"],
        serde_json::json!([]),
        "nothing is declared in DR but its settings"
    );
    assert_eq!(
        seen["roles"],
        serde_json::json!(["payments-github-ecr-push"])
    );
    let statement = seen["dr_policy"]["Statement"]
        .as_array()
        .and_then(|s| s.first())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        statement["Principal"]["AWS"],
        serde_json::json!([format!("arn:aws:iam::{HOME}:root")]),
        "{seen:#}"
    );
    let destination = &seen["replication"]["rules"][0]["destinations"][0];
    assert_eq!(destination["registryId"], DR);
    assert_eq!(destination["region"], "eu-west-2");

    let out = run(&moto, &["plan", path(&payments), "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "second plan: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No changes."));

    // IAM is one namespace per account: read through one registry of each account reached
    // (home and DR), not again through the second region of the home account.
    let out = run(&moto, &["plan", path(&payments), "--stats"]);
    let stats = String::from_utf8_lossy(&out.stderr);
    let calls = |op: &str| {
        stats
            .lines()
            .filter_map(|l| l.strip_prefix("AWS calls: "))
            .flat_map(|l| l.split(['(', ',', ';', ')']))
            .filter_map(|pair| pair.trim().strip_prefix(&format!("{op}=")))
            .filter_map(|n| n.parse::<u64>().ok())
            .sum::<u64>()
    };
    assert_eq!(calls("ListOpenIDConnectProviders"), 2, "{stats}");
    assert_eq!(calls("DescribeRepositories"), 2, "{stats}");

    let out = run(&moto, &["drift", path(&payments)]);
    assert_eq!(out.status.code(), Some(0), "drift in sync: {}", text(&out));

    // Out of band, the second region's repository goes: drift names it in its registry and
    // the first region's repository of the same name is untouched.
    moto.boto3(
        r#"
us = boto3.client("ecr", endpoint_url=client("ecr").meta.endpoint_url, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
us.delete_repository(repositoryName="payments/api", force=True)
print("{}")
"#,
    );
    let out = run(&moto, &["drift", path(&payments), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "drift: {}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("drift JSON");
    let drifted: Vec<&str> = report["resource_drift"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["address"].as_str())
        .collect();
    assert_eq!(
        drifted,
        vec![r#"module.payments-us.aws_ecr_repository.repository["payments/api"]"#],
        "{report:#}"
    );

    // Output: each module's variables name its own registry.
    let out = run(&moto, &["output", path(&payments), "--format", "json"]);
    assert!(out.status.success(), "output: {}", text(&out));
    let outputs: Value = serde_json::from_slice(&out.stdout).expect("output JSON");
    let us = &outputs["modules"]["payments-us"];
    assert_eq!(us["registry"]["region"], "us-east-1", "{outputs:#}");
    assert_eq!(
        us["repository_uris"]["payments/api"],
        format!("{HOME}.dkr.ecr.us-east-1.amazonaws.com/payments/api")
    );
    assert_eq!(us["variables"]["ECR_REGION"], "us-east-1");
    assert_eq!(
        outputs["modules"]["payments"]["variables"]["ECR_REGION"],
        ecrplan_test::REGION
    );
}

#[tokio::test]
async fn credentials_of_another_account_name_the_provider() {
    let moto = ecrplan_test::moto().await;
    let dir = TempDir::new().expect("tempdir");
    // Without its assumed role, aws.dr runs with the default credentials: moto's default
    // account, not the DR account its guard names.
    let start = configuration()
        .find("  assume_role {")
        .expect("the assume_role block");
    let end = start + configuration()[start..].find("  }\n").expect("its end") + 4;
    let mut wrong = configuration();
    wrong.replace_range(start..end, "");
    let payments = config(&dir, &wrong);
    let out = run(&moto, &["plan", path(&payments)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("wrong AWS account for provider aws.dr") && stderr.contains(DR),
        "{}",
        text(&out)
    );
}

#[test]
fn the_dr_example_applies_to_one_sandbox_file_and_converges() {
    let dir = TempDir::new().expect("tempdir");
    let file = dir.path().join("dr.json");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/dr");
    let sandbox = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .args(args)
            .arg("--sandbox")
            .arg(&file)
            .env("NO_COLOR", "1")
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .expect("ecrplan runs")
    };
    let out = sandbox(&["plan", path(&example)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains(r#"registry_policy["dr"]"#), "{plan}");
    let out = sandbox(&["apply", path(&example), "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = sandbox(&["plan", path(&example), "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = sandbox(&["output", path(&example)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("111111111111.dkr.ecr.us-east-1"),
        "{}",
        text(&out)
    );
    let held: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("the file")).expect("JSON");
    let registries: Vec<String> = held["registries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| format!("{} {}", r["account"]["id"], r["account"]["region"]))
        .collect();
    assert_eq!(registries.len(), 3, "{registries:?}");
}

#[test]
fn two_registry_blocks_that_reach_one_registry_once_connected_are_refused_naming_both() {
    let dir = TempDir::new().expect("tempdir");
    // `validate` cannot tell: the alias names no region, so only the connection says it is
    // the default provider's registry.
    let body = r#"ecrplan {
  estate = "platform"
}

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias = "again"
}

registry {
  scanning {
    scan_type = "ENHANCED"
  }
}

registry {
  provider = aws.again
  scanning {
    scan_type = "BASIC"
  }
}
"#;
    let estate = config(&dir, body);
    let file = dir.path().join("sandbox.json");
    let ecrplan = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .expect("ecrplan runs")
    };
    let out = ecrplan(&["validate", path(&estate)]);
    assert!(out.status.success(), "{}", text(&out));
    for command in ["plan", "apply"] {
        let out = ecrplan(&[command, path(&estate), "--sandbox", path(&file)]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        let main = estate.join("main.hcl");
        assert!(
            err.contains(&format!("providers aws ({}:13:1)", main.display()))
                && err.contains(&format!("aws.again ({}:19:1)", main.display()))
                && err.contains("help: merge the two `registry` blocks"),
            "{err}"
        );
    }
    // Nothing was applied: the sandbox holds no scanning configuration of either block.
    let held = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(!held.contains("ENHANCED"), "{held}");
}

/// Providers that `validate` cannot tell apart from another account (another profile, a
/// region of its own) but that reach the default one once connected: the same repository in
/// one registry, or the same IAM name in one account in another letter case, is refused before
/// anything is read, naming both modules.
#[test]
fn names_that_meet_once_connected_are_refused_naming_both_modules() {
    let configuration = |alias_region: &str, second: &str| {
        format!(
            r#"ecrplan {{
  estate = "platform"
}}

provider "aws" {{
  region     = "eu-west-1"
  account_id = "111122223333"
}}

provider "aws" {{
  alias   = "again"
  region  = "{alias_region}"
  profile = "other"
}}

module "one" {{
  source           = "../modules/ecr-repos"
  ecr-repositories = ["app"]
  github_access = {{
    role_name           = "Deploy"
    github_repositories = [{{ organisation = "example", repository = "one" }}]
  }}
}}

module "two" {{
  source           = "../modules/ecr-repos"
  providers        = {{ aws = aws.again }}
{second}}}
"#
        )
    };
    let cases = [
        (
            configuration("eu-west-1", "  ecr-repositories = [\"app\"]\n"),
            "repository `app` is declared by module `one` (MAIN:18:23) and module `two` \
             (MAIN:28:23), whose providers aws and aws.again both reach the registry \
             111122223333 in eu-west-1",
        ),
        (
            configuration(
                "eu-west-2",
                "  ecr-repositories = [\"web\"]\n  github_access = {\n    role_name           = \"deploy\"\n    \
                 github_repositories = [{ organisation = \"example\", repository = \"two\" }]\n  }\n",
            ),
            "IAM role `deploy` is declared as `Deploy` by module `one` (MAIN:16:8) and as \
             `deploy` by module `two` (MAIN:25:8), whose providers aws and aws.again both reach \
             account 111122223333",
        ),
    ];
    for (body, expected) in cases {
        let dir = TempDir::new().expect("tempdir");
        let estate = config(&dir, &body);
        let sandbox = dir.path().join("sandbox.json");
        let ecrplan = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_ecrplan"))
                .args(args)
                .env("NO_COLOR", "1")
                .env("COLUMNS", "400")
                .env_remove("AWS_ENDPOINT_URL")
                .output()
                .expect("ecrplan runs")
        };
        let out = ecrplan(&["validate", path(&estate)]);
        assert!(out.status.success(), "{}", text(&out));
        let out = ecrplan(&[
            "apply",
            path(&estate),
            "--sandbox",
            path(&sandbox),
            "--auto-approve",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let main = estate.join("main.hcl");
        let expected = expected.replace("MAIN", &main.display().to_string());
        let err = String::from_utf8_lossy(&out.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(err.contains(&expected), "{err}\nexpected: {expected}");
        assert!(err.contains("help:"), "{err}");
        assert!(!sandbox.exists(), "nothing was applied");
    }
}
