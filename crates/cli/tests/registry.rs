//! The registry block through the binary (issue 19): `examples/platform` applied and then
//! "No changes", each section cleared when no longer declared, a second estate refused naming
//! the owner and changing nothing, a team estate in the same account touching nothing of the
//! registry — on the sandbox here, and on moto (through the adapter) for the AWS code path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// A temporary directory holding configuration directories and one account.
struct Env {
    dir: TempDir,
    moto: Option<ecrplan_test::Moto>,
}

impl Env {
    fn sandbox() -> Env {
        Env {
            dir: TempDir::new().expect("tempdir"),
            moto: None,
        }
    }

    async fn moto() -> Env {
        Env {
            dir: TempDir::new().expect("tempdir"),
            moto: Some(ecrplan_test::moto().await),
        }
    }

    /// `examples/platform` as configuration `name`, its provider block dropped (the run picks
    /// the account), with `edit` applied to its text.
    fn platform(&self, name: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/platform/main.hcl"),
        )
        .expect("examples/platform");
        let text = text.replace("provider \"sandbox\" {}\n", "");
        self.config(name, &edit(text))
    }

    fn config(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("main.hcl"), text).expect("write");
        dir
    }

    fn account_file(&self) -> PathBuf {
        self.dir.path().join("account.json")
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.args(args).env("NO_COLOR", "1");
        match &self.moto {
            Some(moto) => {
                ecrplan_test::against_moto(&mut cmd, moto.endpoint(), ecrplan_test::REGION);
            }
            None => {
                cmd.arg("--sandbox")
                    .arg(self.account_file())
                    .env_remove("AWS_ENDPOINT_URL");
            }
        }
        cmd.output().expect("ecrplan runs")
    }

    fn apply(&self, dir: &Path) {
        let out = self.run(&["apply", path(dir), "--auto-approve"]);
        assert!(out.status.success(), "apply: {}", text(&out));
    }

    /// The saved plan of `dir` and the exit status of `plan --detailed-exitcode`.
    fn plan(&self, dir: &Path, extra: &[&str]) -> (i32, Value, Output) {
        let saved = self.dir.path().join("plan.json");
        let _ = std::fs::remove_file(&saved);
        let mut args = vec![
            "plan",
            path(dir),
            "--detailed-exitcode",
            "--format",
            "json",
            "--out",
            path(&saved),
        ];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let plan = std::fs::read_to_string(&saved)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        (out.status.code().unwrap_or(-1), plan, out)
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The (kind, key, action) of every change that is not a no-op in a saved plan.
fn changes(plan: &Value) -> Vec<(String, String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] != "no-op")
        .map(|c| {
            (
                c["id"]["kind"].as_str().unwrap_or_default().to_owned(),
                c["id"]["key"].as_str().unwrap_or_default().to_owned(),
                c["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Cuts the text from the line starting with `from` up to (not including) the line starting
/// with `to`.
fn cut(text: &str, from: &str, to: &str) -> String {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} in the example"));
    let end = start
        + text[start..]
            .find(to)
            .unwrap_or_else(|| panic!("{to:?} after {from:?}"));
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn the_platform_example_converges_and_clears_what_it_stops_declaring_on_the_sandbox() {
    let env = Env::sandbox();
    let dir = env.platform("platform", |t| t);
    env.apply(&dir);
    let (status, plan, out) = env.plan(&dir, &[]);
    assert_eq!(status, 0, "{}", text(&out));
    assert_eq!(changes(&plan), vec![]);

    // Scanning, the ECR Public cache rule and the account settings go.
    let fewer = env.platform("platform", |t| {
        let t = cut(&t, "  scanning {", "  pull_through_cache \"docker-hub\"");
        let t = cut(
            &t,
            "  pull_through_cache \"ecr-public\"",
            "  creation_template",
        );
        cut(
            &t,
            "  account_settings",
            "  pull_through_cache \"docker-hub\"",
        )
    });
    let (status, plan, out) = env.plan(&fewer, &[]);
    assert_eq!(status, 2, "{}", text(&out));
    let got = changes(&plan);
    for expected in [
        ("scanning_configuration", "registry", "delete"),
        ("pull_through_cache_rule", "ecr-public", "delete"),
        ("registry_owner", "registry", "update"),
    ] {
        assert!(
            got.contains(&(expected.0.into(), expected.1.into(), expected.2.into())),
            "{expected:?} in {got:?}"
        );
    }
    assert!(
        !got.iter().any(|c| c.0 == "account_setting"),
        "an account setting has no delete: {got:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("BLOB_MOUNTING")
            || plan["notes"].to_string().contains("BLOB_MOUNTING"),
        "the plan says the setting stays: {}",
        text(&out)
    );
    env.apply(&fewer);
    let (status, _, out) = env.plan(&fewer, &[]);
    assert_eq!(status, 0, "{}", text(&out));

    // No block at all: every managed section is cleared and the owner record deleted.
    let none = env.config("platform", "ecrplan {\n  estate = \"platform\"\n}\n");
    let (status, plan, out) = env.plan(&none, &[]);
    assert_eq!(status, 2, "{}", text(&out));
    let got = changes(&plan);
    assert!(got.iter().all(|c| c.2 == "delete"), "{got:?}");
    assert!(
        got.contains(&("registry_owner".into(), "registry".into(), "delete".into())),
        "{got:?}"
    );
    env.apply(&none);
    let (status, _, out) = env.plan(&none, &[]);
    assert_eq!(status, 0, "{}", text(&out));
}

#[test]
fn a_second_estate_is_refused_naming_the_owner_and_a_team_estate_touches_nothing() {
    let env = Env::sandbox();
    let platform = env.platform("platform", |t| t);
    env.apply(&platform);
    let before = std::fs::read(env.account_file()).expect("account file");

    let rival = env.platform("rival", |t| {
        t.replace("estate = \"platform\"", "estate = \"rival\"")
    });
    let out = env.run(&["apply", path(&rival), "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`platform`"), "{stderr}");
    assert_eq!(
        std::fs::read(env.account_file()).expect("account file"),
        before,
        "nothing changed"
    );

    let team = env.config(
        "team",
        "ecrplan {\n  estate = \"team\"\n}\n\nmodule \"app\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"team/app\"]\n}\n",
    );
    let (status, plan, out) = env.plan(&team, &[]);
    assert_eq!(status, 2, "{}", text(&out));
    let kinds: Vec<String> = changes(&plan).into_iter().map(|c| c.0).collect();
    assert_eq!(kinds, vec!["repository"], "{}", text(&out));
}

#[test]
fn an_unnamed_estate_clears_nothing_on_the_sandbox() {
    let env = Env::sandbox();
    let dir = env.platform("unnamed", |t| cut(&t, "ecrplan {", "registry {"));
    env.apply(&dir);
    let none = env.config("unnamed", "");
    let (status, plan, out) = env.plan(&none, &[]);
    assert_eq!(status, 0, "{}", text(&out));
    assert_eq!(changes(&plan), vec![]);
}

/// What boto3 reads back of every section, as plain JSON to compare with the declaration.
const READ_BACK: &str = r#"
ecr = client("ecr")
ssm = client("ssm")
setting = lambda name: ecr.get_account_setting(name=name)["value"]
scanning = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
out = {
    "owner": json.loads(ssm.get_parameter(Name="/ecrplan/registry-owner")["Parameter"]["Value"]),
    "policy": json.loads(ecr.get_registry_policy()["policyText"]),
    "blob_mounting": setting("BLOB_MOUNTING"),
    "registry_policy_scope": setting("REGISTRY_POLICY_SCOPE"),
    "scan_type": scanning["scanType"],
    "scanning": sorted(
        (r["scanFrequency"], sorted(f["filter"] for f in r["repositoryFilters"]))
        for r in scanning["rules"]
    ),
    "caches": sorted(
        (r["ecrRepositoryPrefix"], r["upstreamRegistryUrl"], r.get("credentialArn"))
        for r in ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
    ),
    "templates": [
        (t["prefix"], t.get("description"), t["appliedFor"], t["imageTagMutability"],
         json.loads(t["lifecyclePolicy"])["rules"][0]["selection"]["countNumber"])
        for t in ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]
    ],
    "signing": [
        (r["signingProfileArn"], [f["filter"] for f in r["repositoryFilters"]])
        for r in ecr.get_signing_configuration()["signingConfiguration"]["rules"]
    ],
    "exclusions": ecr.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"],
}
print(json.dumps(out))
"#;

#[tokio::test]
async fn the_platform_example_applied_to_moto_reads_back_as_declared() {
    let env = Env::moto().await;
    let moto = env.moto.as_ref().expect("moto");
    let account = ecrplan_test::DEFAULT_ACCOUNT;
    // ECR refuses a cache rule whose secret does not exist: the account gets one, as a
    // platform team makes it before the rule.
    let secret = moto.boto3(
        "print(json.dumps(client('secretsmanager').create_secret(\
         Name='ecr-pullthroughcache/docker-hub', SecretString='{}')['ARN']))",
    );
    let secret = secret.as_str().expect("a secret ARN").to_owned();
    let dir = env.platform("platform", |t| {
        let t = t.replace(
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
            &secret,
        );
        t.replace("111122223333", account)
    });
    env.apply(&dir);
    let (status, plan, out) = env.plan(&dir, &["--stats"]);
    assert_eq!(status, 0, "{}", text(&out));
    assert_eq!(changes(&plan), vec![]);

    let got = moto.boto3(READ_BACK);
    assert_eq!(got["owner"]["estate"], "platform");
    assert_eq!(got["owner"]["sections"].as_array().map(Vec::len), Some(7));
    let statements = got["policy"]["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 2, "{statements:?}");
    assert_eq!(
        statements[1]["Principal"]["AWS"],
        serde_json::json!(["arn:aws:iam::222233334444:root"])
    );
    assert_eq!(got["blob_mounting"], "ENABLED");
    assert_eq!(got["registry_policy_scope"], "V2");
    assert_eq!(got["scan_type"], "ENHANCED");
    assert_eq!(
        got["scanning"],
        serde_json::json!([["CONTINUOUS_SCAN", ["prod/*"]], ["SCAN_ON_PUSH", ["*"]]])
    );
    assert_eq!(
        got["caches"],
        serde_json::json!([
            ["docker-hub", "registry-1.docker.io", secret],
            ["ecr-public", "public.ecr.aws", null]
        ])
    );
    assert_eq!(
        got["templates"],
        serde_json::json!([[
            "docker-hub",
            "Repositories the Docker Hub cache creates",
            ["PULL_THROUGH_CACHE"],
            "IMMUTABLE",
            30
        ]])
    );
    assert_eq!(
        got["signing"],
        serde_json::json!([[
            format!("arn:aws:signer:eu-west-1:{account}:/signing-profiles/prod"),
            ["prod/*"]
        ]])
    );
    assert_eq!(
        got["exclusions"],
        serde_json::json!([format!("arn:aws:iam::{account}:role/image-scanner")])
    );

    // A no-change plan reads each declared section once, the account settings it declares
    // and the policy scope, and the owner record.
    let stats = String::from_utf8_lossy(&out.stderr).into_owned();
    for (operation, calls) in [
        ("GetParameter", 1),
        ("GetRegistryPolicy", 1),
        ("GetRegistryScanningConfiguration", 1),
        ("DescribePullThroughCacheRules", 1),
        ("DescribeRepositoryCreationTemplates", 1),
        ("GetSigningConfiguration", 1),
        ("ListPullTimeUpdateExclusions", 1),
        ("GetAccountSetting", 2),
    ] {
        assert!(
            stats.contains(&format!("{operation}={calls}")),
            "{operation}={calls} in {stats}"
        );
    }

    // A team estate in the same account makes no registry call at all.
    let team = env.config(
        "team",
        "ecrplan {\n  estate = \"team\"\n}\n\nmodule \"app\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"team/app\"]\n}\n",
    );
    let (status, _, out) = env.plan(&team, &["--stats"]);
    assert_eq!(status, 2, "{}", text(&out));
    let stats = String::from_utf8_lossy(&out.stderr).into_owned();
    for operation in [
        "GetParameter",
        "GetRegistryPolicy",
        "GetRegistryScanningConfiguration",
        "DescribePullThroughCacheRules",
        "DescribeRepositoryCreationTemplates",
        "GetSigningConfiguration",
        "ListPullTimeUpdateExclusions",
        "GetAccountSetting",
    ] {
        assert!(!stats.contains(operation), "{operation} in {stats}");
    }

    // A second estate declaring `registry` is refused, naming the owner, and changes nothing.
    let rival = env.platform("rival", |t| {
        t.replace("estate = \"platform\"", "estate = \"rival\"")
            .replace("111122223333", account)
    });
    let out = env.run(&["apply", path(&rival), "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`platform`"),
        "{}",
        text(&out)
    );
    assert_eq!(moto.boto3(READ_BACK), got, "nothing changed");
}

#[tokio::test]
async fn settings_made_by_hand_are_adopted_only_with_adopt_on_moto() {
    let env = Env::moto().await;
    let moto = env.moto.as_ref().expect("moto");
    moto.boto3(
        "ecr = client('ecr')\n\
         ecr.create_pull_through_cache_rule(ecrRepositoryPrefix='ecr-public', \
         upstreamRegistryUrl='public.ecr.aws')\n\
         ecr.put_registry_scanning_configuration(scanType='ENHANCED', rules=[])\n\
         print('null')",
    );
    let dir = env.config(
        "platform",
        "ecrplan {\n  estate = \"platform\"\n}\n\nregistry {\n  scanning {\n    scan_type = \"ENHANCED\"\n    rule {\n      scan_frequency = \"SCAN_ON_PUSH\"\n      filters        = [\"*\"]\n    }\n  }\n\n  pull_through_cache \"ecr-public\" {\n    upstream_registry_url = \"public.ecr.aws\"\n  }\n}\n",
    );
    let (status, plan, out) = env.plan(&dir, &[]);
    assert_eq!(status, 2, "{}", text(&out));
    let got = changes(&plan);
    for expected in [
        ("registry_owner", "registry", "create"),
        ("scanning_configuration", "registry", "adopt"),
        ("pull_through_cache_rule", "ecr-public", "adopt"),
    ] {
        assert!(
            got.contains(&(expected.0.into(), expected.1.into(), expected.2.into())),
            "{expected:?} in {got:?}"
        );
    }
    // Without --adopt the existing settings are left as they are.
    let out = env.run(&["apply", path(&dir), "--auto-approve"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--adopt")
            || String::from_utf8_lossy(&out.stderr).contains("--adopt"),
        "{}",
        text(&out)
    );
    let scanning = moto.boto3(
        "print(json.dumps(client('ecr').get_registry_scanning_configuration()\
         ['scanningConfiguration']['rules']))",
    );
    assert_eq!(scanning, serde_json::json!([]), "not overwritten");
    let out = env.run(&["apply", path(&dir), "--auto-approve", "--adopt"]);
    assert!(out.status.success(), "{}", text(&out));
    let (status, _, out) = env.plan(&dir, &[]);
    assert_eq!(status, 0, "{}", text(&out));
}

/// Two estates plan to take one registry before either applies: the owner record's
/// create-if-absent write lets exactly one win, and every setting of the other waits for its
/// record, so the loser changes nothing.
#[tokio::test]
async fn of_two_estates_racing_for_a_registry_one_wins_and_the_other_changes_nothing() {
    use std::sync::Arc;

    use ecrplan_model::{
        DesiredEstate, OnRegistry, Provider, Providers, PullThroughCacheRule, RefreshScope,
        RegistrySettings, Resource,
    };

    let dir = TempDir::new().expect("tempdir");
    let sandbox: Arc<dyn Provider> = Arc::new(
        ecrplan_sandbox::SandboxProvider::open(&dir.path().join("account.json")).expect("sandbox"),
    );
    let estate = |name: &str, prefix: &str| DesiredEstate {
        name: name.into(),
        registries: vec![OnRegistry::default_provider(RegistrySettings {
            pull_through_cache: Some(vec![PullThroughCacheRule {
                prefix: prefix.into(),
                upstream_registry_url: "public.ecr.aws".into(),
                credential_arn: None,
                custom_role_arn: None,
                upstream_repository_prefix: None,
            }]),
            ..Default::default()
        })],
        ..Default::default()
    };
    let (a, b) = (estate("alpha", "alpha-cache"), estate("beta", "beta-cache"));
    let mut plans = Vec::new();
    for desired in [&a, &b] {
        let live = sandbox
            .refresh(&RefreshScope::for_estate(desired))
            .await
            .expect("refresh");
        plans.push(ecrplan_diff::plan(desired, &live, "").expect("plan"));
    }
    let account = sandbox.account().await.expect("account");
    let providers = Providers::single(account.registry(), Arc::clone(&sandbox));
    let mut outcomes = Vec::new();
    for plan in &plans {
        let (_cancel, cancelled) = tokio::sync::watch::channel(false);
        outcomes.push(
            ecrplan_exec::execute(
                plan,
                &providers,
                &ecrplan_exec::ExecOptions::default(),
                cancelled,
                Arc::new(|_| {}),
            )
            .await,
        );
    }
    assert!(outcomes[0].is_complete(), "{:?}", outcomes[0]);
    let lost = &outcomes[1];
    assert!(lost.done.is_empty(), "{lost:?}");
    assert_eq!(lost.failed.len(), 1, "{lost:?}");
    assert!(lost.failed[0].1.contains("already exists"), "{lost:?}");
    assert_eq!(
        lost.skipped.len(),
        1,
        "the cache rule waits for its record: {lost:?}"
    );

    let live = sandbox
        .refresh(&RefreshScope::for_estate(&a).account_wide())
        .await
        .expect("refresh");
    let owners: Vec<String> = live
        .objects
        .iter()
        .filter_map(|o| match &o.resource {
            Resource::RegistryOwner(r) => Some(r.estate.clone()),
            Resource::PullThroughCacheRule(r) => Some(r.prefix.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(owners, ["alpha", "alpha-cache"]);
}
