//! One account shared by many estates (issue 10): the binary against moto, where the account
//! holds far more than the estate being planned. A plan costs what the estate is; the estate is
//! named from outside its files; roles made under the old `/ecrplan/` path keep working; and a
//! shared OIDC provider stays while a role the estate does not know trusts it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ecrplan_model::{
    Encryption, GITHUB_ISSUER, JsonDocument, Operation, Provider, ROLE_PATH, RefreshScope,
    Repository, Resource, Role, RolePolicy, TagMutability, Tags, tags,
};
use ecrplan_test::fault::{Fault, FaultProxy, Rule};
use ecrplan_test::proxy::{Conditions, Proxy};
use ecrplan_test::{Moto, REGION, apply_estate, estate, scope};
use serde_json::{Value, json};
use tempfile::TempDir;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of `fixtures/koa` (no `ecrplan` block: the estate comes from `--estate`).
fn koa(dir: &TempDir) -> PathBuf {
    let config = dir.path().join("koa");
    std::fs::create_dir_all(&config).unwrap();
    let text = std::fs::read_to_string(workspace().join("fixtures/koa/main.tf")).unwrap();
    std::fs::write(config.join("main.tf"), text).unwrap();
    config
}

/// `ecrplan ARGS --endpoint URL` with moto's dummy credentials and nothing from the shell.
fn ecrplan(endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
    cmd.args(args);
    ecrplan_test::against_moto(&mut cmd, endpoint, REGION);
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("ecrplan runs")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn apply_ok(endpoint: &str, dir: &Path, estate: &str) {
    let out = run(ecrplan(
        endpoint,
        &[
            "apply",
            dir.to_str().unwrap(),
            "--estate",
            estate,
            "--auto-approve",
        ],
    ));
    assert!(out.status.success(), "{}", text(&out));
}

/// The total of the `--stats` line on stderr.
fn total_calls(out: &Output) -> u64 {
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("AWS calls: "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no --stats line:\n{}", text(out)))
}

/// The plan's actions on the object of `kind` (Terraform type) named `name`.
fn actions(plan: &Value, kind: &str, name: &str) -> Vec<String> {
    let changes = plan["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let change = changes
        .iter()
        .find(|c| {
            c["type"] == kind
                && [&c["change"]["before"], &c["change"]["after"]]
                    .iter()
                    .any(|side| side["name"] == name || side["url"] == name)
        })
        .unwrap_or_else(|| panic!("no change for {kind} {name}: {plan:#}"));
    change["change"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn plan_json(endpoint: &str, dir: &Path, estate: &str) -> (Value, Output) {
    let out = run(ecrplan(
        endpoint,
        &[
            "plan",
            dir.to_str().unwrap(),
            "--estate",
            estate,
            "--format",
            "json",
            "--stats",
        ],
    ));
    assert!(out.status.success(), "{}", text(&out));
    (serde_json::from_slice(&out.stdout).expect("plan JSON"), out)
}

async fn create(p: &dyn Provider, resource: Resource) {
    if let Err(e) = p.apply(&Operation::Create { resource }).await {
        panic!("create: {e}");
    }
}

fn hand_made_repository(name: &str) -> Resource {
    Resource::Repository(Repository {
        name: name.into(),
        image_tag_mutability: TagMutability::default(),
        scan_on_push: false,
        encryption: Encryption::Aes256,
        image_tag_mutability_exclusion_filters: Vec::new(),
        tags: Tags::new(),
    })
}

fn github_trust(account_oidc_arn: &str) -> JsonDocument {
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": account_oidc_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/deploy:*"}}
        }]
    }))
}

/// Issue 10's "must show": 1,000 repositories and 50 roles of another estate plus 30 hand-made
/// repositories cost the seed estate's no-change plan nothing; it makes at most 25 calls.
#[tokio::test]
async fn seed_no_change_plan_costs_at_most_25_calls_in_a_crowded_account() {
    let moto = ecrplan_test::moto().await;
    let seeder = moto.provider().await;
    let other = apply_estate(&seeder, &estate("other", 50, 20, true)).await;
    assert_eq!(other.len(), 1 + 3 * 1000 + 2 * 50);
    for i in 0..30 {
        create(&seeder, hand_made_repository(&format!("hand-made-{i:02}"))).await;
    }
    let dir = TempDir::new().unwrap();
    let config = koa(&dir);
    apply_ok(moto.endpoint(), &config, "koa");

    let out = run(ecrplan(
        moto.endpoint(),
        &[
            "plan",
            config.to_str().unwrap(),
            "--estate",
            "koa",
            "--stats",
            "--detailed-exitcode",
        ],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let calls = total_calls(&out);
    println!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(calls <= 25, "{calls} calls:\n{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Found through the Tagging API with its tags, so no per-repository tag read; one role.
    assert!(!stderr.contains("ListTagsForResource"), "{stderr}");
    assert!(stderr.contains("ListRoleTags=1,"), "{stderr}");
}

/// Issue 14: the refresh is a pipeline, not a chain. Through the proxy with a round trip of
/// 300 ms (long beside moto's own time per request, which on a loaded 2-core machine reaches
/// 120 ms for a tag page and 280 ms for a description of 100 repositories, so the order
/// observed is the pipeline's, not moto's) and an estate of 100 repositories (moto pages `tag:GetResources` by 100 tags, so about
/// four pages), the declared repositories' policies are read while the tag pages still come
/// in: as a chain (pages, then descriptions, then policies) the first GetRepositoryPolicy
/// would wait for the last page.
#[tokio::test]
async fn refresh_reads_policies_while_tag_pages_still_come_in() {
    let moto = ecrplan_test::moto().await;
    let desired = estate("koa", 5, 20, true);
    apply_estate(&moto.provider().await, &desired).await;
    let upstream = moto.endpoint().trim_start_matches("http://").to_owned();
    let proxy = Proxy::start(&upstream, Conditions::default()).expect("the proxy starts");
    let provider = ecrplan_aws::AwsProvider::for_endpoint(
        &proxy.url(),
        REGION,
        ecrplan_aws::Tuning::default(),
    )
    .await
    .expect("connect through the proxy");
    proxy.set(Conditions {
        rtt: std::time::Duration::from_millis(300),
        ..Conditions::default()
    });
    proxy.take_log();
    let live = provider.refresh(&scope(&desired)).await.expect("refresh");
    assert_eq!(
        live.objects.len(),
        1 + 3 * 100 + 2 * 5,
        "{:?}",
        provider.stats()
    );
    let log = proxy.take_log();
    let first = |op: &str| {
        log.iter()
            .filter(|e| e.operation == op)
            .map(|e| e.received)
            .min()
    };
    let last_answer = |op: &str| {
        log.iter()
            .filter(|e| e.operation == op)
            .map(|e| e.answered)
            .max()
    };
    let pages = log.iter().filter(|e| e.operation == "GetResources").count();
    assert!(
        pages >= 3,
        "{pages} tag pages: the estate must need several"
    );
    let first_policy = first("GetRepositoryPolicy").expect("policies were read");
    let last_page = last_answer("GetResources").expect("tags were searched");
    assert!(
        first_policy < last_page,
        "the first GetRepositoryPolicy came {:?} after the last of {pages} tag pages",
        first_policy - last_page
    );
}

/// The estate named from outside must agree with an `ecrplan` block; the block alone names it.
#[tokio::test]
async fn estate_from_outside_and_from_the_block_must_agree() {
    let moto = ecrplan_test::moto().await;
    let dir = TempDir::new().unwrap();
    let config = koa(&dir);
    let main = config.join("main.tf");
    let text_before = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        format!("ecrplan {{ estate = \"koa\" }}\n{text_before}"),
    )
    .unwrap();
    let out = run(ecrplan(
        moto.endpoint(),
        &["plan", config.to_str().unwrap(), "--estate", "other"],
    ));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`koa` here but `other`"), "{stderr}");
    assert!(stderr.contains("main.tf"), "{stderr}");

    let mut cmd = ecrplan(moto.endpoint(), &["plan", config.to_str().unwrap()]);
    cmd.env("ECRPLAN_ESTATE", "koa");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
        .args(["validate", config.to_str().unwrap(), "--estate", "no%such"])
        .env("NO_COLOR", "1")
        .env_remove("ECRPLAN_ESTATE")
        .output()
        .expect("ecrplan runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be an estate name"),
        "{}",
        text(&out)
    );
}

/// Where the caller may not use the Tagging API, the plan reads every repository's tags, warns
/// once, and plans the same; `ECRPLAN_TAGGING_API=off` chooses that on purpose (plain moto).
#[tokio::test]
async fn without_the_tagging_api_plans_fall_back_and_warn_once() {
    let moto: Moto = ecrplan_test::moto_plain().await;
    let seeder = moto.provider().await;
    apply_estate(&seeder, &estate("other", 2, 5, false)).await;
    let proxy = FaultProxy::start(moto.endpoint().trim_start_matches("http://")).unwrap();
    proxy.fail(Rule {
        needles: vec!["ResourceGroupsTaggingAPI_20170126.GetResources".into()],
        fault: Fault::Json {
            code: "AccessDeniedException".into(),
            message: "not authorized to perform: tag:GetResources".into(),
        },
    });
    let dir = TempDir::new().unwrap();
    let config = koa(&dir);
    apply_ok(&proxy.url(), &config, "koa");

    let out = run(ecrplan(
        &proxy.url(),
        &[
            "plan",
            config.to_str().unwrap(),
            "--estate",
            "koa",
            "--detailed-exitcode",
            "--stats",
        ],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings = stderr
        .lines()
        .filter(|l| l.contains("Resource Groups Tagging API"))
        .count();
    assert_eq!(warnings, 1, "{stderr}");
    assert!(stderr.contains("ListTagsForResource=11"), "{stderr}");

    let mut cmd = ecrplan(
        moto.endpoint(),
        &[
            "plan",
            config.to_str().unwrap(),
            "--estate",
            "koa",
            "--detailed-exitcode",
            "--stats",
        ],
    );
    cmd.env("ECRPLAN_TAGGING_API", "off");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("GetResources"),
        "{}",
        text(&out)
    );
}

/// Roles made before estate paths, directly under `/ecrplan/`: a declared one keeps its path and
/// plans no change; an undeclared one of this estate is deleted; another estate's is untouched.
#[tokio::test]
async fn roles_under_the_old_path_keep_working() {
    let moto = ecrplan_test::moto().await;
    let dir = TempDir::new().unwrap();
    let config = koa(&dir);
    apply_ok(moto.endpoint(), &config, "koa");

    let p = moto.provider().await;
    let scope = RefreshScope {
        estate: "koa".into(),
        roles: ["koa-github-ecr-access".to_owned()].into(),
        ..RefreshScope::default()
    };
    let live = p.refresh(&scope).await.expect("refresh");
    let (role, policy) = {
        let mut role = None;
        let mut policy = None;
        for o in &live.objects {
            match &o.resource {
                Resource::Role(r) => role = Some(r.clone()),
                Resource::RolePolicy(rp) => policy = Some(rp.clone()),
                _ => {}
            }
        }
        (role.expect("the role"), policy.expect("its policy"))
    };
    assert_eq!(role.path, "/ecrplan/koa/");
    // Make it again as ecrplan did before estate paths.
    for resource in [
        Resource::RolePolicy(policy.clone()),
        Resource::Role(role.clone()),
    ] {
        p.apply(&Operation::Delete {
            resource,
            force: false,
        })
        .await
        .expect("delete");
    }
    let legacy = Role {
        path: ROLE_PATH.into(),
        ..role.clone()
    };
    create(&p, Resource::Role(legacy.clone())).await;
    create(&p, Resource::RolePolicy(policy.clone())).await;
    let stray = Role {
        name: "koa-old-ci".into(),
        ..legacy.clone()
    };
    create(&p, Resource::Role(stray)).await;
    let foreign = Role {
        name: "zz-ci".into(),
        tags: tags::ownership("zz", Some("m")),
        ..legacy.clone()
    };
    create(&p, Resource::Role(foreign)).await;
    create(
        &p,
        Resource::RolePolicy(RolePolicy {
            role: "zz-ci".into(),
            ..policy.clone()
        }),
    )
    .await;

    let (plan, _) = plan_json(moto.endpoint(), &config, "koa");
    assert_eq!(
        actions(&plan, "aws_iam_role", "koa-github-ecr-access"),
        ["no-op"]
    );
    assert_eq!(actions(&plan, "aws_iam_role", "koa-old-ci"), ["delete"]);
    let foreign_touched = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.to_string().contains("zz-ci"));
    assert!(!foreign_touched, "{plan:#}");
    apply_ok(moto.endpoint(), &config, "koa");

    let after = p
        .refresh(&RefreshScope {
            account_wide: true,
            ..scope
        })
        .await
        .expect("refresh");
    let roles: Vec<(String, String)> = after
        .objects
        .iter()
        .filter_map(|o| match &o.resource {
            Resource::Role(r) => Some((r.name.clone(), r.path.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("koa-github-ecr-access".to_owned(), "/ecrplan/".to_owned()),
            ("zz-ci".to_owned(), "/ecrplan/".to_owned()),
        ]
    );
}

/// The estate drops its GitHub access while a hand-made role outside `/ecrplan/` still trusts the
/// shared provider: the refresh never read that role, the trusting-roles round finds it, and the
/// provider is kept while the estate's own role goes.
#[tokio::test]
async fn shared_provider_is_kept_while_a_hand_made_role_trusts_it() {
    let moto = ecrplan_test::moto().await;
    let dir = TempDir::new().unwrap();
    let config = koa(&dir);
    apply_ok(moto.endpoint(), &config, "koa");

    let p = moto.provider().await;
    let account = p.account().await.expect("account");
    create(
        &p,
        Resource::Role(Role {
            name: "hand-made-deployer".into(),
            path: "/".into(),
            trust: github_trust(&account.oidc_provider_arn(GITHUB_ISSUER)),
            tags: Tags::new(),
        }),
    )
    .await;
    let main = config.join("main.tf");
    let full = std::fs::read_to_string(&main).unwrap();
    let without_github = full
        .split_once("  github_access")
        .map(|(head, _)| format!("{head}}}\n"))
        .unwrap();
    std::fs::write(&main, without_github).unwrap();

    let (plan, out) = plan_json(moto.endpoint(), &config, "koa");
    assert_eq!(
        actions(&plan, "aws_iam_role", "koa-github-ecr-access"),
        ["delete"]
    );
    let provider_deleted = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| {
            c["type"] == "aws_iam_openid_connect_provider"
                && c["change"]["actions"].to_string().contains("delete")
        });
    assert!(!provider_deleted, "{plan:#}");
    assert!(
        plan.to_string()
            .contains("is kept: role(s) hand-made-deployer still trust it"),
        "the kept provider names the role that trusts it: {plan:#}"
    );
    // The refresh's one listing under `/ecrplan/`, then the whole account's for the provider.
    assert!(
        plan.to_string().contains("\"ListRoles\":2"),
        "{}",
        text(&out)
    );

    apply_ok(moto.endpoint(), &config, "koa");
    let after = p
        .refresh(&RefreshScope {
            estate: "koa".into(),
            ..RefreshScope::default()
        })
        .await
        .expect("refresh");
    assert!(
        after
            .objects
            .iter()
            .any(|o| matches!(&o.resource, Resource::OidcProvider(o) if o.url == GITHUB_ISSUER)),
        "{after:#?}"
    );
}
