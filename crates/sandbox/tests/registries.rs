//! One sandbox file holding several accounts and regions: each provider reads and changes its
//! own registry and its account's IAM objects, providers of one file work at once without
//! losing each other's changes, and a snapshot of a run over several registries reads back
//! registry by registry.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ecrplan_model::{
    Account, Kind, LiveEstate, ObjectId, Operation, Provider, ProviderError, RefreshScope,
    Resource, Scope, Tags,
};
use ecrplan_sandbox::{SANDBOX_ACCOUNT_ID, SANDBOX_REGION, SandboxProvider};
use serde_json::{Value, json};

const A: &str = SANDBOX_ACCOUNT_ID;
const B: &str = "444455556666";
const EU: &str = SANDBOX_REGION;
const US: &str = "us-east-1";

/// A directory of its own for each test, and the sandbox file's path in it.
fn scratch(tag: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "ecrplan-sandbox-registries-{tag}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sandbox.json");
    (dir, path)
}

fn open(path: &Path, account: &str, region: &str) -> SandboxProvider {
    SandboxProvider::open_registry(path, Some(account), Some(region)).unwrap()
}

fn resource(value: Value) -> Resource {
    serde_json::from_value(value).unwrap()
}

fn repo(name: &str, mutability: &str) -> Resource {
    resource(json!({
        "kind": "repository", "name": name, "image_tag_mutability": mutability,
        "scan_on_push": false, "encryption": {"type": "AES256"},
        "tags": {"managed-by": "ecrplan", "ecrplan:estate": "default"}
    }))
}

/// A role of the estate trusting GitHub's OIDC provider in `account`.
fn role(account: &str, name: &str) -> Resource {
    resource(json!({
        "kind": "role", "name": name, "path": "/ecrplan/",
        "trust": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!(
                "arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com")},
            "Action": "sts:AssumeRoleWithWebIdentity"}]},
        "tags": {"managed-by": "ecrplan", "ecrplan:estate": "default"}
    }))
}

fn role_policy(role: &str) -> Resource {
    resource(json!({
        "kind": "role_policy", "role": role, "name": "ecr-push",
        "document": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}
    }))
}

fn user(name: &str) -> Resource {
    resource(json!({
        "kind": "user", "name": name, "path": "/ecrplan/",
        "tags": {"managed-by": "ecrplan", "ecrplan:estate": "default"}
    }))
}

async fn create(provider: &SandboxProvider, resource: Resource) {
    provider
        .apply(&Operation::Create { resource })
        .await
        .unwrap();
}

/// Everything a provider reaches, registry settings included (their defaults until put).
fn everything() -> RefreshScope {
    RefreshScope {
        estate: "default".into(),
        ..RefreshScope::default()
    }
    .account_wide()
}

/// The kind and name of every object a provider reaches, but the registry settings, whose
/// defaults are always read.
async fn names(provider: &SandboxProvider) -> Vec<(Kind, String)> {
    let live = provider.refresh(&everything()).await.unwrap();
    live.objects
        .iter()
        .map(|o| (o.resource.kind(), o.resource.key()))
        .filter(|(kind, _)| kind.spec().located_by != ecrplan_model::Locator::Registry)
        .collect()
}

fn repository(name: &str) -> (Kind, String) {
    (Kind::Repository, name.into())
}

fn named_role(name: &str) -> (Kind, String) {
    (Kind::Role, name.into())
}

/// The file as JSON.
fn file(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// The registries a format-2 file lists, as (account, region).
fn listed(path: &Path) -> Vec<(String, String)> {
    let file = file(path);
    assert_eq!(file["format_version"], 2, "{file}");
    file["registries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let account = &r["account"];
            (
                account["id"].as_str().unwrap().to_owned(),
                account["region"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A copy of the file and its journal under another name: a process that never had it open
/// reads it from disk, journal entries and all.
fn copy_elsewhere(dir: &Path, path: &Path) -> PathBuf {
    let copy = dir.join("copy");
    fs::create_dir_all(&copy).unwrap();
    fs::copy(path, copy.join("sandbox.json")).unwrap();
    let journal = dir.join("sandbox.json.journal");
    if journal.exists() {
        fs::copy(journal, copy.join("sandbox.json.journal")).unwrap();
    }
    copy.join("sandbox.json")
}

#[tokio::test]
async fn the_same_repository_name_in_two_registries_is_two_objects() {
    let (dir, path) = scratch("same-name");
    let a_eu = open(&path, A, EU);
    let a_us = open(&path, A, US);
    let b_eu = open(&path, B, EU);
    create(&a_eu, repo("app", "IMMUTABLE")).await;
    create(&a_us, repo("app", "MUTABLE")).await;
    create(&b_eu, repo("app", "MUTABLE")).await;
    create(&a_us, repo("only-us", "MUTABLE")).await;
    assert_eq!(names(&a_eu).await, [repository("app")]);
    assert_eq!(
        names(&a_us).await,
        [repository("app"), repository("only-us")]
    );
    let mutability = |live: &LiveEstate| match &live.objects[0].resource {
        Resource::Repository(r) => r.image_tag_mutability,
        other => panic!("{other:?}"),
    };
    let scope = RefreshScope {
        estate: "default".into(),
        ..RefreshScope::default()
    };
    let eu_app = a_eu.refresh(&scope).await.unwrap();
    let us_app = a_us.refresh(&scope).await.unwrap();
    assert_ne!(mutability(&eu_app), mutability(&us_app));
    assert_eq!(a_us.account().await.unwrap(), Account::new(A, US));
    assert_eq!(b_eu.account().await.unwrap(), Account::new(B, EU));

    a_us.set_image_count("app", 3).unwrap();
    assert!(a_us.holds_images("app").await.unwrap());
    assert!(!a_eu.holds_images("app").await.unwrap());
    assert!(matches!(
        b_eu.holds_images("only-us").await,
        Err(ProviderError::NotFound(_))
    ));
    let delete = Operation::Delete {
        resource: repo("app", "IMMUTABLE"),
        force: false,
    };
    a_eu.apply(&delete).await.unwrap();
    assert!(matches!(
        a_us.apply(&delete).await,
        Err(ProviderError::RepositoryNotEmpty(_))
    ));
    assert_eq!(names(&a_eu).await, []);
    assert_eq!(names(&b_eu).await, [repository("app")]);

    drop((a_eu, a_us, b_eu));
    assert!(!dir.join("sandbox.json.journal").exists());
    assert_eq!(
        listed(&path),
        [
            (A.into(), EU.into()),
            (A.into(), US.into()),
            (B.into(), EU.into())
        ]
    );
    let a_us = open(&path, A, US);
    assert_eq!(
        names(&a_us).await,
        [repository("app"), repository("only-us")]
    );
    assert!(a_us.holds_images("app").await.unwrap());
    assert_eq!(names(&open(&path, B, EU)).await, [repository("app")]);
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_iam_object_is_its_accounts_in_every_region_and_no_other_accounts() {
    let (dir, path) = scratch("iam");
    let a_eu = open(&path, A, EU);
    let a_us = open(&path, A, US);
    let b_eu = open(&path, B, EU);
    create(&a_eu, role(A, "app-ci")).await;
    assert!(a_us.role("app-ci").await.unwrap().is_some());
    assert!(b_eu.role("app-ci").await.unwrap().is_none());
    assert_eq!(names(&a_us).await, [named_role("app-ci")]);
    assert_eq!(names(&b_eu).await, []);
    let github = "token.actions.githubusercontent.com";
    assert_eq!(a_us.roles_trusting(github).await.unwrap().len(), 1);
    assert!(b_eu.roles_trusting(github).await.unwrap().is_empty());

    // The role's policy is put through the other region, under the same role; the other
    // account has no such role.
    create(&a_us, role_policy("app-ci")).await;
    let put = Operation::Create {
        resource: role_policy("app-ci"),
    };
    assert!(matches!(
        b_eu.apply(&put).await,
        Err(ProviderError::NotFound(_))
    ));
    assert_eq!(
        names(&a_eu).await,
        [
            named_role("app-ci"),
            (Kind::RolePolicy, "app-ci:ecr-push".into())
        ]
    );
    // A role of the same name in another account is another object.
    create(&b_eu, role(B, "app-ci")).await;
    // And the same role created again through the other region exists already.
    let again = Operation::Create {
        resource: role(A, "app-ci"),
    };
    let mut changed = role(A, "app-ci");
    if let Some(tags) = changed.tags_mut() {
        tags.insert("team".into(), "other".into());
    }
    a_us.apply(&again).await.unwrap();
    assert!(matches!(
        a_us.apply(&Operation::Create { resource: changed }).await,
        Err(ProviderError::AlreadyExists(_))
    ));

    // A tag names its object with its scope: another account's is out of reach.
    let mut tags = Tags::new();
    tags.insert("team".into(), "search".into());
    let a_role = ObjectId::new(Kind::Role, Scope::Account(A.into()), "app-ci");
    let tag = Operation::Tag {
        id: a_role.clone(),
        tags,
    };
    assert!(matches!(
        b_eu.apply(&tag).await,
        Err(ProviderError::NotFound(_))
    ));
    a_us.apply(&tag).await.unwrap();
    let tagged = a_eu.role("app-ci").await.unwrap().unwrap();
    assert_eq!(tagged.tags.get("team").map(String::as_str), Some("search"));
    assert!(
        !b_eu
            .role("app-ci")
            .await
            .unwrap()
            .unwrap()
            .tags
            .contains_key("team")
    );

    // Deleting it through one region deletes it, with its policy, in the account.
    let delete = Operation::Delete {
        resource: role(A, "app-ci"),
        force: false,
    };
    a_us.apply(&delete).await.unwrap();
    assert!(a_eu.role("app-ci").await.unwrap().is_none());
    assert_eq!(names(&a_eu).await, []);
    assert_eq!(names(&b_eu).await, [named_role("app-ci")]);
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_accounts_iam_objects_are_written_once_under_its_first_registry() {
    let (dir, path) = scratch("written-once");
    let a_eu = open(&path, A, EU);
    let a_us = open(&path, A, US);
    create(&a_us, repo("app", "MUTABLE")).await;
    create(&a_us, user("ci")).await;
    a_us.add_access_key("ci", "AKIAEXAMPLE", 1_700_000_000)
        .unwrap();
    create(&a_eu, role(A, "app-ci")).await;
    drop((a_eu, a_us));
    // us-east-1 made the first change, so it is the file's first registry and its default.
    assert_eq!(
        listed(&path),
        [(A.into(), US.into()), (A.into(), EU.into())]
    );
    let file = file(&path);
    let kinds = |n: usize| -> Vec<String> {
        file["registries"][n]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["resource"]["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kinds(0), ["repository", "role", "user"]);
    assert!(kinds(1).is_empty());
    let default = SandboxProvider::open(&path).unwrap();
    assert_eq!(default.account().await.unwrap(), Account::new(A, US));
    let live = open(&path, A, EU).refresh(&everything()).await.unwrap();
    let ci = live.objects.iter().find(|o| o.resource.key() == "ci");
    assert_eq!(ci.unwrap().access_keys.len(), 1);
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn providers_of_several_registries_used_at_once_lose_nothing() {
    // Enough changes that the journal is folded into the file while the others write.
    const PER_REGISTRY: usize = 400;
    let (dir, path) = scratch("concurrent");
    let registries = [(A, EU), (A, US), (B, EU)];
    let providers: Vec<Arc<SandboxProvider>> = registries
        .iter()
        .map(|(account, region)| Arc::new(open(&path, account, region)))
        .collect();
    let mut tasks = Vec::new();
    for n in 0..PER_REGISTRY {
        for (r, provider) in providers.iter().enumerate() {
            let provider = Arc::clone(provider);
            let account = registries[r].0;
            tasks.push(tokio::spawn(async move {
                create(&provider, repo(&format!("repo-{n}"), "MUTABLE")).await;
                if n % 10 == 0 {
                    provider.set_image_count(&format!("repo-{n}"), 1).unwrap();
                    create(&provider, role(account, &format!("role-{r}-{n}"))).await;
                    provider.refresh(&everything()).await.unwrap();
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }

    /// What each registry holds: its repositories, those holding images, and the roles of
    /// its account.
    async fn holdings(provider: &SandboxProvider) -> (usize, usize, Vec<String>) {
        let names = names(provider).await;
        let repositories: Vec<&String> = names
            .iter()
            .filter(|(kind, _)| *kind == Kind::Repository)
            .map(|(_, name)| name)
            .collect();
        let mut with_images = 0;
        for name in &repositories {
            if provider.holds_images(name).await.unwrap() {
                with_images += 1;
            }
        }
        let roles = names
            .iter()
            .filter(|(kind, _)| *kind == Kind::Role)
            .map(|(_, name)| name.clone())
            .collect();
        (repositories.len(), with_images, roles)
    }
    let roles_of = |registries: &[usize]| -> Vec<String> {
        let mut roles: Vec<String> = registries
            .iter()
            .flat_map(|r| {
                (0..PER_REGISTRY)
                    .step_by(10)
                    .map(move |n| format!("role-{r}-{n}"))
            })
            .collect();
        roles.sort();
        roles
    };
    let expected = [
        (PER_REGISTRY, PER_REGISTRY / 10, roles_of(&[0, 1])),
        (PER_REGISTRY, PER_REGISTRY / 10, roles_of(&[0, 1])),
        (PER_REGISTRY, PER_REGISTRY / 10, roles_of(&[2])),
    ];
    for (provider, expected) in providers.iter().zip(&expected) {
        assert_eq!(&holdings(provider).await, expected);
    }
    // The file and its journal, read by a process that never had it open: each journal
    // entry replays in the registry it was made in.
    assert!(dir.join("sandbox.json.journal").exists());
    let copy = copy_elsewhere(&dir, &path);
    for ((account, region), expected) in registries.iter().zip(&expected) {
        assert_eq!(&holdings(&open(&copy, account, region)).await, expected);
    }
    // And once the last provider is gone, the file alone.
    drop(providers);
    assert!(!dir.join("sandbox.json.journal").exists());
    for ((account, region), expected) in registries.iter().zip(&expected) {
        assert_eq!(&holdings(&open(&path, account, region)).await, expected);
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_snapshot_of_three_registries_reads_back_registry_by_registry() {
    let (dir, path) = scratch("snapshot");
    let a_eu = open(&path, A, EU);
    let a_us = open(&path, A, US);
    let b_eu = open(&path, B, EU);
    for provider in [&a_eu, &a_us, &b_eu] {
        create(provider, repo("app", "MUTABLE")).await;
    }
    create(&a_us, repo("replica", "IMMUTABLE")).await;
    create(&a_eu, role(A, "app-ci")).await;
    create(&a_eu, role_policy("app-ci")).await;
    create(&b_eu, role(B, "dr-ci")).await;
    create(&b_eu, user("ci")).await;
    b_eu.add_access_key("ci", "AKIAEXAMPLE", 1_700_000_000)
        .unwrap();
    let settings = resource(
        json!({"kind": "account_setting", "name": "BASIC_SCAN_TYPE_VERSION",
        "value": "CLAIR"}),
    );
    create(&b_eu, settings).await;
    let reads = vec![
        a_eu.refresh(&everything()).await.unwrap(),
        a_us.refresh(&everything()).await.unwrap(),
        b_eu.refresh(&everything()).await.unwrap(),
    ];
    let aliases = BTreeMap::from([
        ("us".to_owned(), Account::new(A, US)),
        ("dr".to_owned(), Account::new(B, EU)),
    ]);
    let mut merged = LiveEstate::merge(reads.clone(), aliases);
    // A snapshot records which repositories hold images: the one in us-east-1 only.
    for o in &mut merged.objects {
        if o.resource.key() == "app" && o.registry.as_ref().is_some_and(|r| r.region == US) {
            o.holds_images = Some(true);
        }
    }

    let snapshot = dir.join("snapshot.json");
    ecrplan_sandbox::write_snapshot(&snapshot, &merged).unwrap();
    // The default registry first, then the aliases' in their order.
    assert_eq!(
        listed(&snapshot),
        [
            (A.into(), EU.into()),
            (B.into(), EU.into()),
            (A.into(), US.into())
        ]
    );
    let default = SandboxProvider::open(&snapshot).unwrap();
    assert_eq!(default.account().await.unwrap(), Account::new(A, EU));
    for (read, (account, region)) in reads.iter().zip([(A, EU), (A, US), (B, EU)]) {
        let provider = open(&snapshot, account, region);
        assert_eq!(provider.account().await.unwrap(), read.account);
        assert_eq!(
            &provider.refresh(&everything()).await.unwrap(),
            read,
            "{account} in {region}"
        );
        assert_eq!(
            provider.holds_images("app").await.unwrap(),
            region == US,
            "{account} in {region}"
        );
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_registry_the_file_does_not_hold_starts_empty_and_is_written_on_its_first_change() {
    let (dir, path) = scratch("new-registry");
    // A file that holds no registry yet: the placeholder account in the sandbox's region.
    let default = SandboxProvider::open(&path).unwrap();
    assert_eq!(default.account().await.unwrap(), Account::new(A, EU));
    let china = SandboxProvider::open_registry(&path, None, Some("cn-north-1")).unwrap();
    assert_eq!(
        china.account().await.unwrap(),
        Account::for_region(A, "cn-north-1")
    );
    assert_eq!(china.account().await.unwrap().partition, "aws-cn");
    let b_us = open(&path, B, US);
    assert!(names(&b_us).await.is_empty());
    create(&b_us, repo("app", "MUTABLE")).await;
    // The first change of a registry that is not the empty file's default is written into
    // the file at once, which then holds that one registry — still in format 1.
    assert!(!dir.join("sandbox.json.journal").exists());
    let written = file(&path);
    assert_eq!(written["format_version"], 1);
    assert_eq!(written["account"]["id"], B);
    // Providers keep the registry they were opened for; one opened now takes the file's.
    assert_eq!(default.account().await.unwrap(), Account::new(A, EU));
    assert!(names(&default).await.is_empty());
    let now = SandboxProvider::open(&path).unwrap();
    assert_eq!(now.account().await.unwrap(), Account::new(B, US));
    let b_eu = SandboxProvider::open_registry(&path, None, Some(EU)).unwrap();
    assert_eq!(b_eu.account().await.unwrap(), Account::new(B, EU));
    let a_us = SandboxProvider::open_registry(&path, Some(A), None).unwrap();
    assert_eq!(a_us.account().await.unwrap(), Account::new(A, US));
    // A change through another registry makes the file hold two, in format 2.
    create(&a_us, repo("app", "MUTABLE")).await;
    assert_eq!(
        listed(&path),
        [(B.into(), US.into()), (A.into(), US.into())]
    );
    // Further changes are journalled, naming their registry unless it is the default.
    create(&a_us, repo("other", "MUTABLE")).await;
    create(&now, repo("other", "MUTABLE")).await;
    let journal = fs::read_to_string(dir.join("sandbox.json.journal")).unwrap();
    let lines: Vec<Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{journal}");
    assert_eq!(lines[0]["registry"], json!({"account": A, "region": US}));
    assert!(lines[1].get("registry").is_none(), "{journal}");
    fs::remove_dir_all(&dir).unwrap();
}
