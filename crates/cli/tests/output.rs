//! `ecrplan output` (issue 22): what the configuration says is printed without AWS, only the
//! declared roles are read (GetRole each, `--stats` shows it), `--offline` reads nothing and says
//! its role ARNs are derived; and examples/multi-team in every format, with `--module` where its
//! two modules' CI variables would clash.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecrplan_test::{DEFAULT_ACCOUNT, Moto, REGION};
use serde_json::{Value, json};
use tempfile::TempDir;

/// What one run printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn of(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", self.stdout, self.stderr))
    }
}

/// A configuration directory of its own.
struct Dir {
    dir: TempDir,
}

impl Dir {
    fn with(file: &str, text: &str) -> Dir {
        let dir = TempDir::new().expect("tempdir");
        std::fs::write(dir.path().join(file), text).expect("write");
        Dir { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs ecrplan against moto.
    fn on_moto(&self, moto: &Moto, command: &str, extra: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.arg(command).arg(self.path()).args(extra);
        Run::of(
            ecrplan_test::against_moto(&mut cmd, moto.endpoint(), REGION)
                .output()
                .expect("ecrplan runs"),
        )
    }

    /// Runs ecrplan with no way to reach AWS: no credentials, no profile, and an endpoint
    /// nothing listens on, so any call it made would fail the run.
    fn without_aws(&self, command: &str, extra: &[&str]) -> Run {
        let nowhere = self.path().join("nowhere");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.arg(command).arg(self.path()).args(extra);
        for var in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "ECRPLAN_ESTATE",
        ] {
            cmd.env_remove(var);
        }
        Run::of(
            cmd.env("AWS_CONFIG_FILE", &nowhere)
                .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
                .env("NO_COLOR", "1")
                .output()
                .expect("ecrplan runs"),
        )
    }
}

/// A ledger estate in moto's account: a GitHub role, a role a deployer assumes (made by hand
/// on its own path before the estate adopts it), and a module without any role.
fn ledger() -> Dir {
    Dir::with(
        "main.hcl",
        &format!(
            r#"ecrplan {{ estate = "ledger" }}

provider "aws" {{
  region     = "{REGION}"
  account_id = "{DEFAULT_ACCOUNT}"
}}

module "ledger" {{
  source           = "../modules/ecr-repos"
  ecr-repositories = ["ledger/api"]
  github_access = {{
    role_name           = "ledger-github"
    github_repositories = [{{ organisation = "example-org", repository = "ledger" }}]
  }}
  assume_role_access = {{
    role_name  = "ledger-deployer"
    principals = ["210987654321"]
    access     = "pull"
  }}
}}

module "site" {{
  source           = "../modules/ecr-repos"
  ecr-repositories = ["site/static"]
}}
"#
        ),
    )
}

fn role_arn(path: &str, name: &str) -> String {
    format!("arn:aws:iam::{DEFAULT_ACCOUNT}:role{path}{name}")
}

#[tokio::test]
async fn issue_22_output_reads_only_what_the_configuration_does_not_say() {
    let moto = ecrplan_test::moto().await;
    let dir = ledger();
    let registry = format!("{DEFAULT_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com");

    // A module without roles: everything is in the configuration, no credentials needed.
    let site = dir.without_aws("output", &["--module", "site", "--stats"]);
    assert_eq!(site.code, 0, "{}{}", site.stdout, site.stderr);
    assert_eq!(
        site.stdout,
        format!(
            "# registry_id from the provider block's account_id, not read; the registry and \
             repository URLs follow from it and the region\n\
             registry_url = \"{registry}\"\n\
             registry_id = \"{DEFAULT_ACCOUNT}\"\n\
             region = \"{REGION}\"\n\
             module.site.repository_uri[\"site/static\"] = \"{registry}/site/static\"\n\
             module.site.variable[\"AWS_ECR_REGISTRY_ID\"] = \"{DEFAULT_ACCOUNT}\"\n\
             module.site.variable[\"ECR_REGION\"] = \"{REGION}\"\n\
             module.site.variable[\"ECR_REGISTRY_URL\"] = \"{registry}\"\n\
             module.site.variable[\"ECR_REPOSITORY\"] = \"site/static\"\n"
        )
    );
    assert!(
        site.stderr
            .contains("AWS calls: 0 (everything printed follows from the configuration)"),
        "{}",
        site.stderr
    );

    // Roles, offline: derived from the estate's path, and said to be.
    let offline = dir.without_aws("output", &["--offline", "--format", "json", "--stats"]);
    assert_eq!(offline.code, 0, "{}{}", offline.stdout, offline.stderr);
    let v = offline.json();
    assert_eq!(
        v["sources"],
        json!({"registry_id": "provider_block", "role_arns": "derived"})
    );
    assert_eq!(
        v["modules"]["ledger"]["assumed_role_arn"],
        role_arn("/ecrplan/ledger/", "ledger-deployer")
    );
    assert!(
        offline.stderr.contains(
            "warning: --offline: role ARNs are derived from the path ecrplan creates roles at"
        ),
        "{}",
        offline.stderr
    );
    assert!(
        offline.stderr.contains("AWS calls: 0"),
        "{}",
        offline.stderr
    );

    // The deployer's role exists already, on its own path; the estate adopts it.
    moto.boto3(
        "client('iam').create_role(RoleName='ledger-deployer', Path='/teams/ledger/', \
         AssumeRolePolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': \
         'Allow', 'Principal': {'AWS': 'arn:aws:iam::210987654321:root'}, 'Action': \
         'sts:AssumeRole'}]}))\nprint(json.dumps(True))",
    );
    let apply = dir.on_moto(&moto, "apply", &["--auto-approve", "--adopt"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);

    // Online: the account guard (STS) and one GetRole per declared role, nothing else.
    let read = dir.on_moto(&moto, "output", &["--format", "json", "--stats"]);
    assert_eq!(read.code, 0, "{}{}", read.stdout, read.stderr);
    let v = read.json();
    assert_eq!(
        v["sources"],
        json!({"registry_id": "provider_block", "role_arns": "read"})
    );
    let ledger = &v["modules"]["ledger"];
    assert_eq!(
        ledger["assumed_role_arn"],
        role_arn("/teams/ledger/", "ledger-deployer"),
        "an adopted role keeps its own path"
    );
    assert_eq!(
        ledger["github_role_arn"],
        role_arn("/ecrplan/ledger/", "ledger-github")
    );
    assert_eq!(
        ledger["variables"]["ECR_ROLE_TO_ASSUME"],
        role_arn("/ecrplan/ledger/", "ledger-github")
    );
    assert!(
        read.stderr
            .contains("AWS calls: 3 (GetCallerIdentity=1, GetRole=2; retries=0)"),
        "{}",
        read.stderr
    );
    let text = dir.on_moto(&moto, "output", &[]);
    assert!(
        text.stdout.starts_with(
            "# registry_id from the provider block's account_id, not read; the registry and \
             repository URLs follow from it and the region\n\
             # role ARNs read from the account, role by role (an adopted role keeps its own path)\n"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!(
            "module.ledger.assumed_role_arn = \"{}\"",
            role_arn("/teams/ledger/", "ledger-deployer")
        )),
        "{}",
        text.stdout
    );

    // Offline cannot know the adopted path: it prints what ecrplan would create, and says so.
    let guess = dir.without_aws("output", &["--offline"]);
    assert_eq!(guess.code, 0, "{}{}", guess.stdout, guess.stderr);
    assert!(
        guess.stdout.contains(
            "# role ARNs derived from the path ecrplan creates roles at, not read (--offline): \
             an adopted role has another\n"
        ),
        "{}",
        guess.stdout
    );
}

/// `--offline` where the configuration does not name the account: refused, with what to add.
#[test]
fn issue_22_offline_output_needs_the_account_id_in_the_provider_block() {
    let dir = Dir::with(
        "main.hcl",
        "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n\nmodule \"site\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"site/static\"]\n}\n",
    );
    let run = dir.without_aws("output", &["--offline"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("--offline prints only what the configuration says")
            && run.stderr.contains("set `account_id`"),
        "{}",
        run.stderr
    );
}

/// examples/multi-team copied beside a sandbox account file.
struct MultiTeam {
    dir: TempDir,
}

impl MultiTeam {
    fn new() -> MultiTeam {
        let dir = TempDir::new().expect("tempdir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/multi-team");
        std::fs::create_dir(dir.path().join("multi-team")).expect("mkdir");
        for entry in std::fs::read_dir(&from).expect("example") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("a name").to_owned();
            if path.is_file() && name != ".ecrplan-sandbox.json" {
                std::fs::copy(&path, dir.path().join("multi-team").join(name)).expect("copy");
            }
        }
        MultiTeam { dir }
    }

    fn account_file(&self) -> PathBuf {
        self.dir.path().join("account.json")
    }

    /// `ecrplan COMMAND multi-team --sandbox account.json EXTRA…`.
    fn run(&self, command: &str, extra: &[&str]) -> Run {
        let account = self.account_file();
        Run::of(
            Command::new(env!("CARGO_BIN_EXE_ecrplan"))
                .arg(command)
                .arg("multi-team")
                .arg("--sandbox")
                .arg(&account)
                .args(extra)
                .env("NO_COLOR", "1")
                .env_remove("AWS_ENDPOINT_URL")
                .env_remove("ECRPLAN_ESTATE")
                .current_dir(self.dir.path())
                .output()
                .expect("ecrplan runs"),
        )
    }
}

/// Issue 22: examples/multi-team in every format `output` has. Its two modules both publish
/// `ECR_ROLE_TO_ASSUME` and `ECR_REPOSITORY_*`-style variables, so the environment formats
/// refuse them together (naming `--module`, the one way for modules of this shape) and give
/// each module's variables with `--module`; the ConfigMap is billing's, the one CircleCI
/// module, and refused for search alone.
#[test]
fn issue_22_the_multi_team_example_in_every_output_format() {
    let example = MultiTeam::new();
    let header = std::fs::read_to_string(example.dir.path().join("multi-team/estate.hcl"))
        .expect("estate.hcl");
    for command in [
        "ecrplan output examples/multi-team --module search --format github-env >> \"$GITHUB_ENV\"",
        "ecrplan output examples/multi-team --module billing --format dotenv > .env",
        "ecrplan output examples/multi-team --format configmap",
        "ecrplan apply examples/multi-team --auto-approve",
        "ecrplan output examples/multi-team ",
    ] {
        assert!(
            header.contains(command),
            "examples/multi-team/estate.hcl no longer shows `{command}`"
        );
    }
    let apply = example.run("apply", &["--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let account: Value = serde_json::from_str(
        &std::fs::read_to_string(example.account_file()).expect("the sandbox file"),
    )
    .expect("JSON");
    let id = account["account"]["id"]
        .as_str()
        .expect("the sandbox account id")
        .to_owned();
    let registry = format!("{id}.dkr.ecr.eu-west-1.amazonaws.com");
    let search_role = format!("arn:aws:iam::{id}:role/ecrplan/platform/search-github-ecr-push");
    let billing_role = format!("arn:aws:iam::{id}:role/ecrplan/platform/billing-circleci-ecr-push");

    let text = example.run("output", &["--format", "text"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    for line in [
        "# registry_id read from the sandbox account file; the registry and repository URLs follow from it and the region".to_owned(),
        "# role ARNs read from the account, role by role (an adopted role keeps its own path)".to_owned(),
        format!("registry_url = \"{registry}\""),
        format!("module.billing.repository_uri[\"billing/invoicer\"] = \"{registry}/billing/invoicer\""),
        format!("module.billing.circleci_role_arn = \"{billing_role}\""),
        format!("module.search.github_role_arn = \"{search_role}\""),
        format!("module.search.variable[\"ECR_ROLE_TO_ASSUME\"] = \"{search_role}\""),
        "module.search.variable[\"ECR_REPOSITORY_SEARCH_API\"] = \"search/api\"".to_owned(),
        format!("module.billing.variable[\"CIRCLECI_ECR_ROLE_TO_ASSUME\"] = \"{billing_role}\""),
    ] {
        assert!(
            text.stdout.lines().any(|l| l == line),
            "{line}\nmissing from\n{}",
            text.stdout
        );
    }

    let json = example.run("output", &["--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v = json.json();
    assert_eq!(
        v["sources"],
        json!({"registry_id": "sandbox", "role_arns": "read"})
    );
    assert_eq!(v["registry_url"], registry);
    assert_eq!(v["modules"]["billing"]["circleci_role_arn"], billing_role);
    assert_eq!(v["modules"]["search"]["github_role_arn"], search_role);
    assert_eq!(
        v["modules"]["search"]["repository_uris"],
        json!({"search/api": format!("{registry}/search/api"), "search/indexer": format!("{registry}/search/indexer")})
    );

    for format in ["github-env", "dotenv"] {
        let clash = example.run("output", &["--format", format]);
        assert_eq!(clash.code, 1, "{format}: {}{}", clash.stdout, clash.stderr);
        assert!(clash.stdout.is_empty(), "{format}: {}", clash.stdout);
        assert!(
            clash
                .stderr
                .contains("modules billing and search would both set")
                && clash
                    .stderr
                    .contains("`--module billing`, then `--module search`")
                && !clash.stderr.contains("github_actions_prefix"),
            "{format}: {}",
            clash.stderr
        );
        let search = example.run("output", &["--module", "search", "--format", format]);
        assert_eq!(search.code, 0, "{format}: {}", search.stderr);
        assert_eq!(
            search.stdout,
            format!(
                "AWS_ECR_REGISTRY_ID={id}\n\
                 ECR_REGION=eu-west-1\n\
                 ECR_REGISTRY_URL={registry}\n\
                 ECR_REPOSITORY_SEARCH_API=search/api\n\
                 ECR_REPOSITORY_SEARCH_INDEXER=search/indexer\n\
                 ECR_ROLE_TO_ASSUME={search_role}\n"
            ),
            "{format}"
        );
        let billing = example.run("output", &["--module", "billing", "--format", format]);
        assert_eq!(billing.code, 0, "{format}: {}", billing.stderr);
        assert_eq!(
            billing.stdout,
            format!(
                "AWS_ECR_REGISTRY_ID={id}\n\
                 CIRCLECI_ECR_ROLE_TO_ASSUME={billing_role}\n\
                 ECR_REGION=eu-west-1\n\
                 ECR_REGISTRY_URL={registry}\n\
                 ECR_REPOSITORY=billing/invoicer\n\
                 ECR_ROLE_TO_ASSUME={billing_role}\n"
            ),
            "{format}"
        );
    }

    let configmap = example.run("output", &["--format", "configmap"]);
    assert_eq!(configmap.code, 0, "{}", configmap.stderr);
    assert_eq!(
        configmap.stdout,
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"invoicer-circleci\"\n\
             data:\n  ecr_region: \"eu-west-1\"\n  ecr_registry_id: \"{id}\"\n  \
             ecr_repository: \"billing/invoicer\"\n  ecr_role_to_assume: \"{billing_role}\"\n"
        )
    );
    let none = example.run("output", &["--module", "search", "--format", "configmap"]);
    assert_eq!(none.code, 1, "{}{}", none.stdout, none.stderr);
    assert!(
        none.stderr
            .contains("no module has a CircleCI role in the account"),
        "{}",
        none.stderr
    );
}
