//! The registry's settings and its owner record through the AWS provider, on moto's server
//! behind the adapter (`crates/test-support/moto/tagging_adapter.py`, which serves the
//! registry operations moto 5.2.5 answers with 500): every kind created and read back as
//! written, defaults included; changed in place where ECR can; cleared as its section is; the
//! owner record taken once; and the calls a refresh makes, none for a team estate.

use ecrplan_aws::AwsProvider;
use ecrplan_model::{
    AccountSetting, CreationTemplate, JsonDocument, Kind, LiveEstate, ObjectId, Operation,
    Provider, ProviderError, PullThroughCacheRule, PullTimeUpdateExclusion, RefreshScope,
    RegistryOwner, RegistryPolicy, Resource, Role, ScanningConfiguration, ScanningRule, Section,
    SigningConfiguration, SigningRule, TagMutability, Tags, TemplateEncryption,
};
use ecrplan_test::{DEFAULT_ACCOUNT, REGION, moto};
use serde_json::json;

/// Every operation a refresh may make for the registry's settings and owner record.
const REGISTRY_OPERATIONS: [&str; 8] = [
    "GetParameter",
    "GetRegistryPolicy",
    "GetAccountSetting",
    "GetRegistryScanningConfiguration",
    "DescribePullThroughCacheRules",
    "DescribeRepositoryCreationTemplates",
    "GetSigningConfiguration",
    "ListPullTimeUpdateExclusions",
];

async fn apply(p: &AwsProvider, operation: Operation) {
    let what = format!("{operation:?}");
    if let Err(e) = p.apply(&operation).await {
        panic!("{what}: {e}");
    }
}

async fn create(p: &AwsProvider, resource: &Resource) {
    apply(
        p,
        Operation::Create {
            resource: resource.clone(),
        },
    )
    .await;
}

async fn update(p: &AwsProvider, before: &Resource, after: &Resource) {
    apply(
        p,
        Operation::Update {
            before: before.clone(),
            after: after.clone(),
        },
    )
    .await;
}

async fn delete(p: &AwsProvider, resource: &Resource) {
    apply(p, delete_op(resource)).await;
}

fn delete_op(resource: &Resource) -> Operation {
    Operation::Delete {
        resource: resource.clone(),
        force: false,
    }
}

async fn refresh(p: &AwsProvider, scope: &RefreshScope) -> LiveEstate {
    p.refresh(scope).await.expect("refresh")
}

/// The scope of an estate that declares every section and `settings`.
fn declaring(estate: &str, settings: &[&str]) -> RefreshScope {
    RefreshScope {
        estate: estate.into(),
        registry_owner: true,
        registry_sections: Section::ALL.into(),
        account_settings: settings.iter().map(|s| (*s).to_owned()).collect(),
        ..RefreshScope::default()
    }
}

/// The scope of a named estate without a `registry` block.
fn team(estate: &str) -> RefreshScope {
    RefreshScope {
        estate: estate.into(),
        ..RefreshScope::default()
    }
}

fn id(resource: &Resource) -> ObjectId {
    resource.id(&ecrplan_model::Registry::new(DEFAULT_ACCOUNT, REGION))
}

/// The object `like` names as the refresh read it, canonical.
fn read(live: &LiveEstate, like: &Resource) -> Option<Resource> {
    live.get(&id(like)).map(|o| o.resource.canonical())
}

fn assert_read(live: &LiveEstate, wanted: &Resource) {
    assert_eq!(
        read(live, wanted),
        Some(wanted.canonical()),
        "{} reads back as written",
        id(wanted)
    );
}

fn owner(estate: &str, sections: &[Section]) -> Resource {
    Resource::RegistryOwner(RegistryOwner {
        estate: estate.into(),
        sections: sections.iter().copied().collect(),
    })
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{DEFAULT_ACCOUNT}:role/{name}")
}

/// A role ECR may assume, for the settings that name one.
fn ecr_role(name: &str) -> Resource {
    Resource::Role(Role {
        name: name.into(),
        path: "/".into(),
        trust: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"},
                "Action": "sts:AssumeRole"}]
        })),
        tags: Tags::new(),
    })
}

fn policy(actions: &[&str]) -> Resource {
    Resource::RegistryPolicy(RegistryPolicy {
        document: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "ReplicateFromDr",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222233334444:root"},
                "Action": actions,
                "Resource": format!("arn:aws:ecr:{REGION}:{DEFAULT_ACCOUNT}:repository/*"),
            }],
        })),
    })
}

fn setting(name: &str, value: &str) -> Resource {
    Resource::AccountSetting(AccountSetting {
        name: name.into(),
        value: value.into(),
    })
}

fn scanning(scan_type: &str, filters: &[&str]) -> Resource {
    Resource::ScanningConfiguration(ScanningConfiguration {
        scan_type: scan_type.into(),
        rules: vec![ScanningRule {
            scan_frequency: "CONTINUOUS_SCAN".into(),
            filters: filters.iter().map(|f| (*f).to_owned()).collect(),
        }],
    })
}

fn public_cache() -> Resource {
    Resource::PullThroughCacheRule(PullThroughCacheRule {
        prefix: "ecr-public".into(),
        upstream_registry_url: "public.ecr.aws".into(),
        credential_arn: None,
        custom_role_arn: None,
        upstream_repository_prefix: None,
    })
}

/// A cache of another ECR registry's `team` repositories, through `role`.
fn mirror(role: &str, upstream_prefix: &str) -> Resource {
    Resource::PullThroughCacheRule(PullThroughCacheRule {
        prefix: "mirror".into(),
        upstream_registry_url: format!("{DEFAULT_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"),
        credential_arn: None,
        custom_role_arn: Some(role_arn(role)),
        upstream_repository_prefix: Some(upstream_prefix.into()),
    })
}

/// A template with only what `applied_for` needs, the rest AWS's defaults.
fn plain_template() -> Resource {
    Resource::CreationTemplate(Box::new(CreationTemplate {
        prefix: "ROOT".into(),
        description: None,
        applied_for: vec!["PULL_THROUGH_CACHE".into()],
        image_tag_mutability: TagMutability::Mutable,
        image_tag_mutability_exclusion_filters: Vec::new(),
        encryption: TemplateEncryption {
            encryption_type: "AES256".into(),
            kms_key: None,
        },
        lifecycle_policy: None,
        repository_policy: None,
        resource_tags: Tags::new(),
        custom_role_arn: None,
    }))
}

/// A template with every attribute set.
fn full_template(role: &str) -> Resource {
    Resource::CreationTemplate(Box::new(CreationTemplate {
        prefix: "team".into(),
        description: Some("team repositories".into()),
        applied_for: vec!["REPLICATION".into(), "CREATE_ON_PUSH".into()],
        image_tag_mutability: TagMutability::ImmutableWithExclusion,
        image_tag_mutability_exclusion_filters: vec!["latest".into()],
        encryption: TemplateEncryption {
            encryption_type: "KMS".into(),
            kms_key: Some(format!("arn:aws:kms:{REGION}:{DEFAULT_ACCOUNT}:key/team")),
        },
        lifecycle_policy: Some(JsonDocument::new(json!({"rules": [{
            "rulePriority": 1,
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
            "action": {"type": "expire"}
        }]}))),
        repository_policy: Some(JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "Pull", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{DEFAULT_ACCOUNT}:root")},
                "Action": ["ecr:BatchGetImage"]}]
        }))),
        resource_tags: [("team".to_owned(), "a".to_owned())].into_iter().collect(),
        custom_role_arn: Some(role_arn(role)),
    }))
}

fn signing(filters: &[&str]) -> Resource {
    Resource::SigningConfiguration(SigningConfiguration {
        rules: vec![SigningRule {
            signing_profile_arn: format!(
                "arn:aws:signer:{REGION}:{DEFAULT_ACCOUNT}:/signing-profiles/prod"
            ),
            filters: filters.iter().map(|f| (*f).to_owned()).collect(),
        }],
    })
}

fn exclusion(role: &str) -> Resource {
    Resource::PullTimeUpdateExclusion(PullTimeUpdateExclusion {
        principal_arn: role_arn(role),
    })
}

async fn expect_err(p: &AwsProvider, operation: Operation) -> ProviderError {
    let what = format!("{operation:?}");
    match p.apply(&operation).await {
        Ok(()) => panic!("{what} succeeded"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn every_section_reads_back_as_written_changes_in_place_and_clears() {
    let moto = moto().await;
    let p = moto.provider().await;
    for role in ["cache-a", "cache-b"] {
        create(&p, &ecr_role(role)).await;
    }
    let record = owner("platform", &Section::ALL);
    let written = [
        record.clone(),
        policy(&["ecr:CreateRepository", "ecr:ReplicateImage"]),
        setting("BLOB_MOUNTING", "ENABLED"),
        scanning("ENHANCED", &["prod/*"]),
        public_cache(),
        mirror("cache-a", "team"),
        plain_template(),
        full_template("cache-a"),
        signing(&["prod/*"]),
        exclusion("cache-a"),
    ];
    for resource in &written {
        create(&p, resource).await;
    }
    let scope = declaring("platform", &["BLOB_MOUNTING"]);
    let live = refresh(&p, &scope).await;
    for resource in &written {
        assert_read(&live, resource);
    }
    // Read though not declared: the scope the policy is judged against, at its default.
    assert_read(&live, &setting("REGISTRY_POLICY_SCOPE", "V2"));

    let changed = [
        (
            policy(&["ecr:CreateRepository", "ecr:ReplicateImage"]),
            policy(&["ecr:ReplicateImage"]),
        ),
        (
            setting("BLOB_MOUNTING", "ENABLED"),
            setting("BLOB_MOUNTING", "DISABLED"),
        ),
        (
            scanning("ENHANCED", &["prod/*"]),
            scanning("ENHANCED", &["prod/*", "release/*"]),
        ),
        (mirror("cache-a", "team"), mirror("cache-b", "team")),
        (full_template("cache-a"), {
            let mut t = full_template("cache-b");
            if let Resource::CreationTemplate(t) = &mut t {
                t.description = None;
                t.repository_policy = None;
                t.resource_tags = Tags::new();
                t.image_tag_mutability = TagMutability::Immutable;
                t.image_tag_mutability_exclusion_filters = Vec::new();
            }
            t
        }),
        (signing(&["prod/*"]), signing(&[])),
    ];
    for (before, after) in &changed {
        update(&p, before, after).await;
    }
    let live = refresh(&p, &scope).await;
    for (_, after) in &changed {
        assert_read(&live, after);
    }

    // What ECR cannot change in place is refused, never ignored.
    let err = expect_err(
        &p,
        Operation::Update {
            before: mirror("cache-b", "team"),
            after: mirror("cache-b", "other"),
        },
    )
    .await;
    assert!(
        err.to_string().contains("upstream_repository_prefix"),
        "{err}"
    );
    let err = expect_err(
        &p,
        Operation::Update {
            before: exclusion("cache-a"),
            after: exclusion("cache-a"),
        },
    )
    .await;
    assert!(err.to_string().contains("cannot be updated"), "{err}");
    for resource in &written {
        let err = expect_err(
            &p,
            Operation::Tag {
                id: id(resource),
                tags: Tags::new(),
            },
        )
        .await;
        assert!(err.to_string().contains("cannot carry tags"), "{err}");
    }

    let current: Vec<Resource> = live
        .objects
        .iter()
        .map(|o| o.resource.clone())
        .filter(|r| r.kind() != Kind::RegistryOwner && r.kind() != Kind::Replication)
        .collect();
    for resource in &current {
        delete(&p, resource).await;
    }
    delete(&p, &record).await;
    let live = refresh(&p, &scope.clone().account_wide()).await;
    assert_eq!(
        read(&live, &scanning("BASIC", &[])),
        Some(Resource::ScanningConfiguration(
            ScanningConfiguration::basic()
        )),
        "scanning is back to BASIC with no rules"
    );
    assert_read(&live, &setting("BLOB_MOUNTING", "DISABLED"));
    // Everything but what always exists in ECR.
    let deletable = written
        .iter()
        .filter(|r| !matches!(r.kind(), Kind::AccountSetting | Kind::ScanningConfiguration));
    for gone in deletable {
        assert_eq!(read(&live, gone), None, "{} is gone", id(gone));
        let err = expect_err(&p, delete_op(gone)).await;
        assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
    }
}

#[tokio::test]
async fn the_owner_record_is_taken_once_and_found_by_its_estate_s_tag_search() {
    let moto = moto().await;
    let p = moto.provider().await;
    let platform = owner("platform", &[Section::Scanning]);
    create(&p, &platform).await;
    // A create retried after its answer was lost finds its own record: done.
    create(&p, &platform).await;
    // Another estate racing for the registry loses, and changes nothing.
    let err = expect_err(
        &p,
        Operation::Create {
            resource: owner("intruder", &[Section::Policy]),
        },
    )
    .await;
    assert!(matches!(err, ProviderError::AlreadyExists(_)), "{err}");
    let held = refresh(&p, &declaring("platform", &[])).await;
    assert_read(&held, &platform);

    // The estate no longer declares `registry`: its tag search finds the record, and the
    // sections the record names are read so that they can be cleared.
    let managing = owner("platform", &[Section::Scanning, Section::PullThroughCache]);
    update(&p, &platform, &managing).await;
    create(&p, &public_cache()).await;
    let live = refresh(&p, &team("platform")).await;
    assert_read(&live, &managing);
    assert_read(&live, &public_cache());
    assert_read(
        &live,
        &Resource::ScanningConfiguration(ScanningConfiguration::basic()),
    );

    // Another estate's search does not find it, and it reads nothing of the registry.
    let live = refresh(&p, &team("intruder")).await;
    let registry_objects: Vec<ObjectId> = live
        .objects
        .iter()
        .filter(|o| {
            o.resource.kind().spec().parent == Some(Kind::RegistryOwner)
                || o.resource.kind() == Kind::RegistryOwner
        })
        .map(|o| live.id(o))
        .collect();
    assert!(registry_objects.is_empty(), "{registry_objects:?}");

    // Handed over, the record is retagged: now the other estate's search finds it.
    let handed = owner("intruder", &[Section::PullThroughCache]);
    update(&p, &managing, &handed).await;
    assert_read(&refresh(&p, &team("intruder")).await, &handed);
    assert_eq!(read(&refresh(&p, &team("platform")).await, &handed), None);
}

#[tokio::test]
async fn a_no_change_refresh_makes_one_read_per_section_and_a_team_estate_none() {
    let moto = moto().await;
    let setup = moto.provider().await;
    create(&setup, &ecr_role("cache-a")).await;
    for resource in [
        owner("platform", &Section::ALL),
        policy(&["ecr:ReplicateImage"]),
        setting("BLOB_MOUNTING", "ENABLED"),
        scanning("ENHANCED", &["prod/*"]),
        public_cache(),
        plain_template(),
        signing(&["prod/*"]),
        exclusion("cache-a"),
    ] {
        create(&setup, &resource).await;
    }

    let p = moto.provider().await;
    refresh(&p, &declaring("platform", &["BLOB_MOUNTING"])).await;
    let stats = p.stats();
    for (operation, calls) in [
        ("GetParameter", 1),
        ("GetRegistryPolicy", 1),
        // The declared setting and the policy scope the policy is judged against.
        ("GetAccountSetting", 2),
        ("GetRegistryScanningConfiguration", 1),
        ("DescribePullThroughCacheRules", 1),
        ("DescribeRepositoryCreationTemplates", 1),
        ("GetSigningConfiguration", 1),
        ("ListPullTimeUpdateExclusions", 1),
    ] {
        assert_eq!(stats.count(operation), calls, "{operation}: {stats}");
    }

    for scope in [team("team"), RefreshScope::default()] {
        let p = moto.provider().await;
        refresh(&p, &scope).await;
        let stats = p.stats();
        for operation in REGISTRY_OPERATIONS {
            assert_eq!(stats.count(operation), 0, "{operation}: {stats}");
        }
    }
}
