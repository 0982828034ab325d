//! What every [`Provider`] must do, written once and run against
//! moto and the sandbox. Each function is one scenario on an empty account; it panics with a
//! message naming what differed.

use std::collections::BTreeSet;

use ecrplan_model::{
    Account, Encryption, JsonDocument, Kind, LifecyclePolicy, LiveEstate, LiveObject, ObjectId,
    OidcProvider, Operation, Owner, Provider, ProviderError, ROLE_PATH, RefreshScope, Replication,
    ReplicationDestination, ReplicationRule, Repository, RepositoryPolicy, Resource, Role,
    RolePolicy, RolePolicyAttachment, Scope, TagMutability, Tags, tags,
};
use ecrplan_model::{
    AccountSetting, CreationTemplate, PullThroughCacheRule, PullTimeUpdateExclusion, RegistryOwner,
    RegistryPolicy, ScanningConfiguration, ScanningRule, Section, SigningConfiguration,
    SigningRule, TemplateEncryption,
};
use ecrplan_model::{
    Group, GroupMembership, GroupPolicy, GroupPolicyAttachment, User, UserPolicy,
    UserPolicyAttachment, group_path, role_path,
};
use serde_json::json;

use crate::{Subject, apply_estate, estate, scope};

fn tagmap(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn owned(estate: &str, module: Option<&str>, extra: &[(&str, &str)]) -> Tags {
    let mut t = tagmap(extra);
    t.insert(tags::MANAGED_BY.into(), tags::MANAGED_BY_VALUE.into());
    t.insert(tags::ESTATE.into(), estate.into());
    if let Some(m) = module {
        t.insert(tags::MODULE.into(), m.into());
    }
    t
}

fn scope_of(estate: &str, repositories: &[&str], roles: &[&str]) -> RefreshScope {
    RefreshScope {
        estate: estate.into(),
        repositories: repositories.iter().map(|s| (*s).to_owned()).collect(),
        roles: roles.iter().map(|s| (*s).to_owned()).collect(),
        ..RefreshScope::default()
    }
}

fn repository(name: &str, tags: Tags) -> Resource {
    Resource::Repository(Repository {
        name: name.into(),
        image_tag_mutability: TagMutability::Mutable,
        image_tag_mutability_exclusion_filters: Vec::new(),
        scan_on_push: false,
        encryption: Encryption::Aes256,
        tags,
    })
}

async fn account(p: &dyn Provider) -> Account {
    match p.account().await {
        Ok(a) => a,
        Err(e) => panic!("account: {e}"),
    }
}

async fn refresh(p: &dyn Provider, scope: &RefreshScope) -> LiveEstate {
    match p.refresh(scope).await {
        Ok(live) => live,
        Err(e) => panic!("refresh failed: {e}"),
    }
}

async fn apply(p: &dyn Provider, op: Operation) {
    if let Err(e) = p.apply(&op).await {
        panic!("{op:?} failed: {e}");
    }
}

async fn create(p: &dyn Provider, resource: &Resource) {
    apply(
        p,
        Operation::Create {
            resource: resource.clone(),
        },
    )
    .await;
}

async fn update(p: &dyn Provider, before: &Resource, after: &Resource) {
    apply(
        p,
        Operation::Update {
            before: before.clone(),
            after: after.clone(),
        },
    )
    .await;
}

async fn delete(p: &dyn Provider, resource: &Resource) {
    apply(
        p,
        Operation::Delete {
            resource: resource.clone(),
            force: false,
        },
    )
    .await;
}

/// Refreshes and checks that the account holds exactly `expected` (compared canonically).
async fn assert_live(p: &dyn Provider, scope: &RefreshScope, expected: &Resource) {
    let live = refresh(p, scope).await;
    let id = expected.id(&live.registry());
    match live.get(&id) {
        Some(o) => assert_eq!(
            o.resource.canonical(),
            expected.canonical(),
            "{id} reads back differently from what was applied"
        ),
        None => panic!("{id} is missing after it was applied; live: {live:#?}"),
    }
}

/// Refreshes and checks that the account does not hold `resource`.
async fn assert_absent(p: &dyn Provider, scope: &RefreshScope, resource: &Resource) {
    let live = refresh(p, scope).await;
    let id = resource.id(&live.registry());
    assert!(live.get(&id).is_none(), "{id} is still there: {live:#?}");
}

/// The object a refresh returned for `resource`, if any.
fn find<'a>(live: &'a LiveEstate, resource: &Resource) -> Option<&'a LiveObject> {
    live.get(&resource.id(&live.registry()))
}

async fn expect_err(p: &dyn Provider, op: Operation) -> ProviderError {
    match p.apply(&op).await {
        Ok(()) => panic!("{op:?} succeeded but should have failed"),
        Err(e) => e,
    }
}

/// Creates `resource` and checks that it reads back as applied, then [`create_again`].
async fn create_once(p: &dyn Provider, scope: &RefreshScope, resource: &Resource) {
    create(p, resource).await;
    assert_live(p, scope, resource).await;
    create_again(p, scope, resource).await;
}

/// Creating an existing object again (issue 11): the same object with this estate's tags is a
/// create whose response was lost and whose retry met the object — done, nothing changes. One
/// that differs, or that names another estate, is refused as a duplicate.
async fn create_again(p: &dyn Provider, scope: &RefreshScope, resource: &Resource) {
    create(p, resource).await;
    let mut foreign = resource.clone();
    if let Some(t) = foreign.tags_mut() {
        t.insert(tags::ESTATE.into(), "someone-else".into());
    }
    let mut differs = resource.clone();
    if let Some(t) = differs.tags_mut() {
        t.insert("drifted".into(), "yes".into());
    }
    for other in [foreign, differs] {
        let err = expect_err(p, Operation::Create { resource: other }).await;
        assert!(matches!(err, ProviderError::AlreadyExists(_)), "{err}");
    }
    assert_live(p, scope, resource).await;
}

/// Create, read back, update (mutability, scanning, tags), delete; duplicates and missing
/// repositories give the domain errors.
pub async fn repositories(s: &Subject<'_>) {
    let p = s.provider;
    let scope = scope_of("alpha", &["app"], &[]);
    let created = repository(
        "app",
        owned("alpha", Some("m"), &[("team", "a"), ("cost", "1")]),
    );
    create_once(p, &scope, &created).await;

    let mut updated = created.clone();
    if let Resource::Repository(r) = &mut updated {
        r.image_tag_mutability = TagMutability::Immutable;
        r.scan_on_push = true;
        r.tags.remove("cost");
        r.tags.insert("team".into(), "b".into());
        r.tags.insert("tier".into(), "gold".into());
    }
    update(p, &created, &updated).await;
    assert_live(p, &scope, &updated).await;
    let mut off = updated.clone();
    if let Resource::Repository(r) = &mut off {
        r.scan_on_push = false;
    }
    update(p, &updated, &off).await;
    assert_live(p, &scope, &off).await;
    update(p, &off, &updated).await;

    let mut kms = updated.clone();
    if let Resource::Repository(r) = &mut kms {
        r.encryption = Encryption::Kms {
            kms_key: "arn:aws:kms:eu-west-1:123456789012:key/x".into(),
        };
    }
    let err = expect_err(
        p,
        Operation::Update {
            before: updated.clone(),
            after: kms,
        },
    )
    .await;
    assert!(err.to_string().contains("encryption"), "{err}");

    delete(p, &updated).await;
    assert_absent(p, &scope, &created).await;
    let err = expect_err(
        p,
        Operation::Delete {
            resource: updated.clone(),
            force: false,
        },
    )
    .await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
    let err = expect_err(
        p,
        Operation::Update {
            before: created.clone(),
            after: updated,
        },
    )
    .await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
}

fn pull_policy(account: &str) -> JsonDocument {
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowPull",
            "Effect": "Allow",
            "Principal": {"AWS": [format!("arn:aws:iam::{account}:root")]},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        }]
    }))
}

fn lifecycle(keep: u32) -> JsonDocument {
    JsonDocument::new(json!({"rules": [{
        "rulePriority": 1,
        "description": format!("keep {keep}"),
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
        "action": {"type": "expire"}
    }]}))
}

/// Repository and lifecycle policies: put, read back, replace, delete; policies of a missing
/// repository are refused, and policies are read only for repositories the scope wants.
pub async fn repository_policies(s: &Subject<'_>) {
    let p = s.provider;
    let scope = scope_of("alpha", &["app"], &[]);
    create(p, &repository("app", owned("alpha", Some("m"), &[]))).await;
    let policy = Resource::RepositoryPolicy(RepositoryPolicy {
        repository: "app".into(),
        document: pull_policy("210987654321"),
    });
    let rules = Resource::LifecyclePolicy(LifecyclePolicy {
        repository: "app".into(),
        document: lifecycle(10),
    });
    create(p, &policy).await;
    create(p, &rules).await;
    assert_live(p, &scope, &policy).await;
    assert_live(p, &scope, &rules).await;

    let live = refresh(p, &scope).await;
    assert_eq!(
        find(&live, &policy).and_then(|o| o.owner.clone()),
        Some(Owner {
            estate: "alpha".into(),
            module: Some("m".into()),
            region: None,
        }),
        "a policy belongs to its repository's owner"
    );
    let other_estate = refresh(p, &scope_of("beta", &[], &[])).await;
    assert!(
        find(&other_estate, &policy).is_none(),
        "policies of repositories another estate owns are not read"
    );

    let policy2 = Resource::RepositoryPolicy(RepositoryPolicy {
        repository: "app".into(),
        document: pull_policy("310987654321"),
    });
    let rules2 = Resource::LifecyclePolicy(LifecyclePolicy {
        repository: "app".into(),
        document: lifecycle(3),
    });
    update(p, &policy, &policy2).await;
    update(p, &rules, &rules2).await;
    assert_live(p, &scope, &policy2).await;
    assert_live(p, &scope, &rules2).await;

    delete(p, &policy2).await;
    delete(p, &rules2).await;
    assert_absent(p, &scope, &policy).await;
    assert_absent(p, &scope, &rules).await;
    let err = expect_err(
        p,
        Operation::Delete {
            resource: policy2,
            force: false,
        },
    )
    .await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");

    let orphan = Resource::LifecyclePolicy(LifecyclePolicy {
        repository: "missing".into(),
        document: lifecycle(1),
    });
    let err = expect_err(p, Operation::Create { resource: orphan }).await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
}

fn github_provider(estate: &str) -> Resource {
    Resource::OidcProvider(OidcProvider {
        url: "token.actions.githubusercontent.com".into(),
        client_ids: vec!["sts.amazonaws.com".into()],
        thumbprints: vec!["6938fd4d98bab03faadb97b34396831e3780aea1".into()],
        tags: owned(estate, None, &[]),
    })
}

fn trust(account: &Account, subject: &str) -> JsonDocument {
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": account.oidc_provider_arn("token.actions.githubusercontent.com")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": subject}
            }
        }]
    }))
}

fn push_policy(account: &Account, repository: &str) -> JsonDocument {
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Effect": "Allow", "Action": ["ecr:PutImage", "ecr:BatchGetImage"],
             "Resource": account.repository_arn(repository)}
        ]
    }))
}

/// OIDC providers: create, read back, retag, change audiences, delete; duplicates and missing providers give the domain errors.
pub async fn oidc_providers(s: &Subject<'_>) {
    let p = s.provider;
    let scope = scope_of("alpha", &[], &[]);
    let created = github_provider("alpha");
    create_once(p, &scope, &created).await;

    let mut updated = created.clone();
    if let Resource::OidcProvider(o) = &mut updated {
        o.tags.insert("team".into(), "platform".into());
        o.client_ids = vec!["sigstore".into()];
    }
    update(p, &created, &updated).await;
    assert_live(p, &scope, &updated).await;

    delete(p, &updated).await;
    assert_absent(p, &scope, &created).await;
    let err = expect_err(
        p,
        Operation::Delete {
            resource: updated,
            force: false,
        },
    )
    .await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
}

/// Roles and their inline policies: create under `/ecrplan/`, read back, change trust, tags
/// and policy; a stray inline policy is reported; deleting the role removes its policies.
pub async fn roles(s: &Subject<'_>) {
    let p = s.provider;
    let acct = account(p).await;
    let scope = scope_of("alpha", &["app"], &["app-ci"]);
    create(p, &github_provider("alpha")).await;
    create(p, &repository("app", owned("alpha", Some("m"), &[]))).await;
    let role = Resource::Role(Role {
        name: "app-ci".into(),
        path: ROLE_PATH.into(),
        trust: trust(&acct, "repo:example/app:*"),
        tags: owned("alpha", Some("m"), &[("team", "a")]),
    });
    let policy = Resource::RolePolicy(RolePolicy {
        role: "app-ci".into(),
        name: ecrplan_model::PUSH_POLICY_NAME.into(),
        document: push_policy(&acct, "app"),
    });
    create(p, &role).await;
    create(p, &policy).await;
    assert_live(p, &scope, &role).await;
    assert_live(p, &scope, &policy).await;
    create_again(p, &scope, &role).await;

    // Found by the /ecrplan/ listing even when no longer declared.
    let undeclared = refresh(p, &scope_of("alpha", &[], &[])).await;
    assert!(find(&undeclared, &role).is_some(), "owned role not listed");
    assert!(
        find(&undeclared, &policy).is_some(),
        "owned role's policy not read"
    );

    let mut role2 = role.clone();
    if let Resource::Role(r) = &mut role2 {
        r.trust = trust(&acct, "repo:example/app:environment:prod");
        r.tags.remove("team");
        r.tags.insert("tier".into(), "gold".into());
    }
    update(p, &role, &role2).await;
    assert_live(p, &scope, &role2).await;
    let policy2 = Resource::RolePolicy(RolePolicy {
        role: "app-ci".into(),
        name: ecrplan_model::PUSH_POLICY_NAME.into(),
        document: push_policy(&acct, "other"),
    });
    update(p, &policy, &policy2).await;
    assert_live(p, &scope, &policy2).await;

    let stray = Resource::RolePolicy(RolePolicy {
        role: "app-ci".into(),
        name: "added-by-hand".into(),
        document: push_policy(&acct, "stray"),
    });
    create(p, &stray).await;
    assert_live(p, &scope, &stray).await;
    delete(p, &stray).await;
    assert_absent(p, &scope, &stray).await;
    create(p, &stray).await;

    // The role goes with every inline policy it still has.
    delete(p, &role2).await;
    let live = refresh(p, &scope).await;
    for gone in [&role, &policy, &stray] {
        assert!(find(&live, gone).is_none(), "{gone:?} survived its role");
    }
    let err = expect_err(
        p,
        Operation::Delete {
            resource: role2,
            force: false,
        },
    )
    .await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
    let err = expect_err(p, Operation::Create { resource: policy }).await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
}

/// Roles outside `/ecrplan/`: a declared one is read; an undeclared one is not part of the
/// estate's refresh, but the whole-account read behind the shared OIDC provider rule finds it
/// when it trusts the provider, so that a provider such a role uses is never deleted under it
/// (regression: refresh listed only `/ecrplan/` and the planner deleted the provider).
pub async fn roles_outside_the_ecrplan_path(s: &Subject<'_>) {
    let p = s.provider;
    let acct = account(p).await;
    let role = Resource::Role(Role {
        name: "legacy-ci".into(),
        path: "/".into(),
        trust: trust(&acct, "repo:example/legacy:*"),
        tags: Tags::new(),
    });
    create(p, &role).await;
    assert_live(p, &scope_of("alpha", &[], &["legacy-ci"]), &role).await;
    assert_absent(p, &scope_of("alpha", &[], &[]), &role).await;
    // Read by name (what `output` asks, GetRole), with the path it has, not ecrplan's.
    let read = |name: &'static str| async move {
        match p.role(name).await {
            Ok(found) => found,
            Err(e) => panic!("role {name}: {e}"),
        }
    };
    let found = read("legacy-ci").await.expect("the role is read by name");
    assert_eq!(found.path, "/");
    assert_eq!(Resource::Role(found).canonical(), role.canonical());
    assert!(read("no-such-role").await.is_none());
    let trusting = match p.roles_trusting(ecrplan_model::GITHUB_ISSUER).await {
        Ok(roles) => roles,
        Err(e) => panic!("roles trusting the GitHub provider: {e}"),
    };
    let names: Vec<&str> = trusting.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["legacy-ci"]);
    assert_eq!(
        Resource::Role(trusting[0].clone()).canonical(),
        role.canonical()
    );

    let service = Resource::Role(Role {
        name: "batch-runner".into(),
        path: "/".into(),
        trust: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }]
        })),
        tags: Tags::new(),
    });
    create(p, &service).await;
    assert_absent(p, &scope_of("alpha", &[], &[]), &service).await;

    // Adopted (tagged) with a policy: the role and its policy are read whether declared or
    // not, so an owned role that is no longer declared can be deleted.
    let owner = owned("alpha", Some("m"), &[]);
    apply(
        p,
        Operation::Tag {
            id: role.id(&acct.registry()),
            tags: owner.clone(),
        },
    )
    .await;
    let policy = Resource::RolePolicy(RolePolicy {
        role: "legacy-ci".into(),
        name: ecrplan_model::PUSH_POLICY_NAME.into(),
        document: push_policy(&acct, "legacy"),
    });
    create(p, &policy).await;
    assert_live(p, &scope_of("alpha", &[], &["legacy-ci"]), &policy).await;
    // Undeclared, it is outside what the estate's refresh lists (IAM cannot move it under
    // `/ecrplan/<estate>/`), so plans leave it in place; the account-wide audit sees it as the
    // estate's, with its policy.
    assert_absent(p, &scope_of("alpha", &[], &[]), &role).await;
    let audit = RefreshScope {
        account_wide: true,
        ..scope_of("alpha", &[], &[])
    };
    let seen = refresh(p, &audit).await;
    assert!(
        find(&seen, &role)
            .and_then(|o| o.owner.as_ref())
            .is_some_and(|o| o.estate == "alpha")
            && find(&seen, &policy).is_some(),
        "{seen:#?}"
    );
}

/// Replication: put, read back, change, clear. One rule only: moto 5.2.5 refuses more than
/// one with "This feature is disabled" (AWS allows ten).
pub async fn replication(s: &Subject<'_>) {
    let p = s.provider;
    let acct = account(p).await;
    let scope = scope_of("alpha", &[], &[]);
    let rule = |regions: &[&str], prefixes: &[&str]| ReplicationRule {
        destinations: regions
            .iter()
            .map(|region| ReplicationDestination {
                region: (*region).into(),
                registry_id: acct.id.clone(),
            })
            .collect(),
        repository_prefixes: prefixes.iter().map(|s| (*s).to_owned()).collect(),
    };
    let created = Resource::Replication(Replication {
        rules: vec![rule(&["us-east-1"], &["prod-"])],
    });
    create(p, &created).await;
    assert_live(p, &scope, &created).await;
    let updated = Resource::Replication(Replication {
        rules: vec![rule(&["us-west-2", "eu-central-1"], &["prod-", "shared-"])],
    });
    update(p, &created, &updated).await;
    assert_live(p, &scope, &updated).await;
    delete(p, &updated).await;
    assert_absent(p, &scope, &created).await;
}

/// The registry's settings (issue 19): the owner record is created once, so a rival estate's
/// create is refused; each setting is created, read back as applied (AWS's defaults included),
/// changed in place and deleted — scanning back to BASIC, an account setting kept as it is (AWS
/// has no delete); a cache rule's upstream never changes in place; a named setting exists once,
/// and a missing one is not found.
pub async fn registry(s: &Subject<'_>) {
    let p = s.provider;
    let acct = account(p).await;
    let scope = RefreshScope {
        estate: "platform".into(),
        registry_owner: true,
        registry_sections: Section::ALL.into(),
        account_settings: ["BLOB_MOUNTING".to_owned()].into(),
        ..RefreshScope::default()
    };
    let owner = Resource::RegistryOwner(RegistryOwner {
        estate: "platform".into(),
        sections: Section::ALL.into(),
    });
    create(p, &owner).await;
    assert_live(p, &scope, &owner).await;
    let rival = Resource::RegistryOwner(RegistryOwner {
        estate: "rival".into(),
        sections: [Section::Scanning].into(),
    });
    let err = expect_err(p, Operation::Create { resource: rival }).await;
    assert!(matches!(err, ProviderError::AlreadyExists(_)), "{err}");
    assert_live(p, &scope, &owner).await;

    let mut all = registry_settings(&acct);
    all.retain(|r| !matches!(r, Resource::RegistryOwner(_)));
    for setting in &all {
        if let Resource::AccountSetting(a) = setting
            && a.name != "BLOB_MOUNTING"
        {
            continue;
        }
        create(p, setting).await;
        assert_live(p, &scope, setting).await;
    }

    // In place: the policy's statement, scanning's rules, an account setting's value, a
    // template's description, signing's filters.
    let changed: Vec<(Resource, Resource)> = all
        .iter()
        .filter_map(|r| {
            let mut after = r.clone();
            if let Resource::RegistryPolicy(p) = &mut after {
                p.document.make_mut()["Statement"][0]["Sid"] = "ReplicateFromHere".into();
            } else if let Resource::ScanningConfiguration(c) = &mut after {
                c.rules[0].filters.push("staging*".into());
            } else if let Resource::AccountSetting(a) = &mut after
                && a.name == "BLOB_MOUNTING"
            {
                a.value = "DISABLED".into();
            } else if let Resource::CreationTemplate(t) = &mut after {
                t.description = Some("changed".into());
                t.applied_for.push("REPLICATION".into());
            } else if let Resource::SigningConfiguration(c) = &mut after {
                c.rules[0].filters.push("staging*".into());
            } else {
                return None;
            }
            Some((r.clone(), after))
        })
        .collect();
    assert_eq!(changed.len(), 5);
    for (before, after) in &changed {
        update(p, before, after).await;
        assert_live(p, &scope, after).await;
    }

    let rule = all
        .iter()
        .find(|r| matches!(r, Resource::PullThroughCacheRule(_)))
        .expect("a cache rule");
    let mut moved = rule.clone();
    if let Resource::PullThroughCacheRule(r) = &mut moved {
        r.upstream_registry_url = "quay.io".into();
    }
    let err = expect_err(
        p,
        Operation::Update {
            before: rule.clone(),
            after: moved,
        },
    )
    .await;
    assert!(
        err.to_string().contains("upstream_registry_url"),
        "a moved upstream is a replace: {err}"
    );
    // A named setting exists once: created again as it is, it is a retried create whose first
    // answer was lost (done); created again otherwise, a duplicate.
    for named in current_of(&all, &changed).iter().filter(|r| {
        matches!(
            r,
            Resource::PullThroughCacheRule(_) | Resource::CreationTemplate(_)
        )
    }) {
        create(p, named).await;
        let mut other = named.clone();
        if let Resource::PullThroughCacheRule(r) = &mut other {
            r.upstream_registry_url = "quay.io".into();
        } else if let Resource::CreationTemplate(t) = &mut other {
            t.description = Some("another".into());
        }
        let err = expect_err(p, Operation::Create { resource: other }).await;
        assert!(matches!(err, ProviderError::AlreadyExists(_)), "{err}");
    }

    for setting in &current_of(&all, &changed) {
        delete(p, setting).await;
        if let Resource::ScanningConfiguration(_) = setting {
            let basic = Resource::ScanningConfiguration(ScanningConfiguration::basic());
            assert_live(p, &scope, &basic).await;
        } else if let Resource::AccountSetting(a) = setting {
            if a.name == "BLOB_MOUNTING" {
                assert_live(p, &scope, setting).await;
            }
        } else {
            assert_absent(p, &scope, setting).await;
            let err = expect_err(
                p,
                Operation::Delete {
                    resource: setting.clone(),
                    force: false,
                },
            )
            .await;
            assert!(
                matches!(err, ProviderError::NotFound(_)),
                "{setting:?}: {err}"
            );
        }
    }
    delete(p, &owner).await;
    assert_absent(p, &scope, &owner).await;
}

/// Each of `all` as it is after the changes `changed` made.
fn current_of(all: &[Resource], changed: &[(Resource, Resource)]) -> Vec<Resource> {
    all.iter()
        .map(|r| {
            changed
                .iter()
                .find(|(before, _)| before == r)
                .map_or_else(|| r.clone(), |(_, after)| after.clone())
        })
        .collect()
}

/// Managed policies attached to an owned role (issue 11): read as objects of their own,
/// attached and detached one by one, gone with the role.
pub async fn attached_policies(s: &Subject<'_>) {
    let p = s.provider;
    let acct = account(p).await;
    let scope = scope_of("alpha", &[], &["app-ci"]);
    create(p, &github_provider("alpha")).await;
    let role = Resource::Role(Role {
        name: "app-ci".into(),
        path: ROLE_PATH.into(),
        trust: trust(&acct, "repo:example/app:*"),
        tags: owned("alpha", Some("m"), &[]),
    });
    create(p, &role).await;
    let attachment = |arn: &str| {
        Resource::RolePolicyAttachment(RolePolicyAttachment {
            role: "app-ci".into(),
            policy_arn: arn.into(),
        })
    };
    let admin = attachment("arn:aws:iam::aws:policy/AdministratorAccess");
    let read_only = attachment("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly");
    create(p, &admin).await;
    create(p, &read_only).await;
    assert_live(p, &scope, &admin).await;
    assert_live(p, &scope, &read_only).await;
    // Read for an owned role even when no longer declared, so a stray one is detached.
    let undeclared = refresh(p, &scope_of("alpha", &[], &[])).await;
    assert!(find(&undeclared, &admin).is_some(), "{undeclared:#?}");
    assert_eq!(
        find(&undeclared, &admin).and_then(|o| o.owner.clone()),
        find(&undeclared, &role).and_then(|o| o.owner.clone()),
        "an attachment belongs to its role's owner"
    );
    delete(p, &admin).await;
    assert_absent(p, &scope, &admin).await;
    assert_live(p, &scope, &read_only).await;
    delete(p, &role).await;
    assert_absent(p, &scope, &read_only).await;
}

/// A static-key CI user and its group (issue 13): a create of this estate's own user or group
/// that answers "already exists" is a retry and counts as done, as for repositories and roles;
/// another estate's or an unowned one is refused. Managed policies attached to either, and a
/// user's inline policies, are read for declared and owned ones, so a stray one is removed.
pub async fn ci_users_and_groups(s: &Subject<'_>) {
    let p = s.provider;
    let acct = account(p).await;
    let scope = RefreshScope {
        users: ["app-ci".to_owned()].into(),
        groups: ["app-ci-group".to_owned()].into(),
        ..scope_of("alpha", &[], &[])
    };
    let user = Resource::User(User {
        name: "app-ci".into(),
        path: role_path("alpha"),
        tags: owned("alpha", Some("m"), &[]),
    });
    create_once(p, &scope, &user).await;
    let group = |estate: &str| {
        Resource::Group(Group {
            name: "app-ci-group".into(),
            path: group_path(estate, &acct.region, "m"),
        })
    };
    create(p, &group("alpha")).await;
    assert_live(p, &scope, &group("alpha")).await;
    create(p, &group("alpha")).await;
    let unowned = Resource::Group(Group {
        name: "app-ci-group".into(),
        path: "/".into(),
    });
    for other in [group("someone-else"), unowned] {
        let err = expect_err(p, Operation::Create { resource: other }).await;
        assert!(matches!(err, ProviderError::AlreadyExists(_)), "{err}");
    }
    assert_live(p, &scope, &group("alpha")).await;

    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let on_user = Resource::UserPolicyAttachment(UserPolicyAttachment {
        user: "app-ci".into(),
        policy_arn: admin.into(),
    });
    let on_group = Resource::GroupPolicyAttachment(GroupPolicyAttachment {
        group: "app-ci-group".into(),
        policy_arn: admin.into(),
    });
    let inline = Resource::UserPolicy(UserPolicy {
        user: "app-ci".into(),
        name: "by-hand".into(),
        document: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
        })),
    });
    create(p, &on_user).await;
    create(p, &on_group).await;
    create(p, &inline).await;
    assert_live(p, &scope, &inline).await;
    // Read for the owned user and group even when no longer declared.
    let undeclared = refresh(p, &scope_of("alpha", &[], &[])).await;
    for stray in [&on_user, &on_group, &inline] {
        assert!(find(&undeclared, stray).is_some(), "{undeclared:#?}");
    }
    for stray in [&on_user, &on_group, &inline] {
        delete(p, stray).await;
        assert_absent(p, &scope, stray).await;
    }
    delete(p, &group("alpha")).await;
    delete(p, &user).await;
    assert_absent(p, &scope, &user).await;
}

/// Exclusion filters (issue 11): created with the repository, read back, changed in place.
pub async fn exclusion_filters(s: &Subject<'_>) {
    let p = s.provider;
    let scope = scope_of("alpha", &["app"], &[]);
    let with = |mutability: TagMutability, filters: &[&str]| {
        let mut r = repository("app", owned("alpha", Some("m"), &[]));
        if let Resource::Repository(repo) = &mut r {
            repo.image_tag_mutability = mutability;
            repo.image_tag_mutability_exclusion_filters =
                filters.iter().map(|f| (*f).to_owned()).collect();
        }
        r
    };
    let created = with(TagMutability::ImmutableWithExclusion, &["latest", "dev-*"]);
    create(p, &created).await;
    assert_live(p, &scope, &created).await;
    let updated = with(TagMutability::MutableWithExclusion, &["release-*"]);
    update(p, &created, &updated).await;
    assert_live(p, &scope, &updated).await;
    let plain = with(TagMutability::Immutable, &[]);
    update(p, &updated, &plain).await;
    assert_live(p, &scope, &plain).await;
}

/// An untagged repository is unmanaged; the Tag operation adopts it without touching
/// anything else.
pub async fn adoption(s: &Subject<'_>) {
    let p = s.provider;
    let registry = account(p).await.registry();
    let scope = scope_of("alpha", &["legacy"], &[]);
    let legacy = repository("legacy", tagmap(&[("team", "old")]));
    create(p, &legacy).await;
    let live = refresh(p, &scope).await;
    let found = find(&live, &legacy);
    assert_eq!(found.map(|o| o.owner.clone()), Some(None), "{live:#?}");

    apply(
        p,
        Operation::Tag {
            id: legacy.id(&registry),
            tags: owned("alpha", Some("m"), &[]),
        },
    )
    .await;
    let mut adopted = legacy.clone();
    if let Some(t) = adopted.tags_mut() {
        t.extend(owned("alpha", Some("m"), &[]));
    }
    assert_live(p, &scope, &adopted).await;
    let live = refresh(p, &scope).await;
    assert_eq!(
        find(&live, &legacy).and_then(|o| o.owner.clone()),
        Some(Owner {
            estate: "alpha".into(),
            module: Some("m".into()),
            region: None,
        })
    );
    let err = expect_err(
        p,
        Operation::Tag {
            id: ObjectId::new(Kind::Repository, Scope::Registry(registry), "missing"),
            tags: owned("alpha", None, &[]),
        },
    )
    .await;
    assert!(matches!(err, ProviderError::NotFound(_)), "{err}");
}

/// A repository holding an image is deleted only with `force`.
pub async fn images_block_deletion(s: &Subject<'_>) {
    let p = s.provider;
    let scope = scope_of("alpha", &["full"], &[]);
    let full = repository("full", owned("alpha", Some("m"), &[]));
    create(p, &full).await;
    assert!(
        !p.holds_images("full").await.unwrap_or(true),
        "new repository holds images"
    );
    s.images.push("full").await;
    match p.holds_images("full").await {
        Ok(true) => {}
        other => panic!("holds_images after a push: {other:?}"),
    }
    let err = expect_err(
        p,
        Operation::Delete {
            resource: full.clone(),
            force: false,
        },
    )
    .await;
    assert!(
        matches!(&err, ProviderError::RepositoryNotEmpty(name) if name == "full"),
        "{err}"
    );
    assert_live(p, &scope, &full).await;
    apply(
        p,
        Operation::Delete {
            resource: full.clone(),
            force: true,
        },
    )
    .await;
    assert_absent(p, &scope, &full).await;
    let err = p.holds_images("full").await;
    assert!(matches!(err, Err(ProviderError::NotFound(_))), "{err:?}");
}

/// Two estates in one account: each sees the other's objects as the other's, and reads no
/// policies of repositories it neither declares nor owns.
pub async fn estates_kept_apart(s: &Subject<'_>) {
    let p = s.provider;
    let alpha = estate("alpha", 1, 2, true);
    let beta = estate("beta", 1, 2, false);
    let alpha_objects = apply_estate(p, &alpha).await;
    let beta_objects = apply_estate(p, &beta).await;

    let seen_by_alpha = refresh(p, &scope(&alpha)).await;
    for o in &alpha_objects {
        let live = seen_by_alpha
            .get(&o.id())
            .unwrap_or_else(|| panic!("alpha does not see its own {}", o.id()));
        assert_eq!(live.resource.canonical(), o.resource.canonical());
        assert_eq!(
            live.owner.as_ref().map(|w| w.estate.as_str()),
            Some("alpha"),
            "{}",
            o.address
        );
    }
    for o in &beta_objects {
        let id = o.id();
        assert!(seen_by_alpha.get(&id).is_none(), "alpha read beta's {id}");
    }
    // The account-wide audit sees beta's repositories as beta's, and still not their policies.
    let audit = RefreshScope {
        account_wide: true,
        ..scope(&alpha)
    };
    let seen_by_audit = refresh(p, &audit).await;
    for o in &beta_objects {
        let id = o.id();
        let seen = seen_by_audit.get(&id);
        if id.kind == Kind::Repository {
            let owner = seen.map(|live| live.owner.as_ref().map(|w| w.estate.as_str()));
            assert_eq!(
                owner,
                Some(Some("beta")),
                "the audit sees beta's {id} as beta's"
            );
        } else {
            assert!(seen.is_none(), "the audit read beta's {id}");
        }
    }

    let seen_by_beta = refresh(p, &scope(&beta)).await;
    for o in &beta_objects {
        assert!(
            seen_by_beta.get(&o.id()).is_some(),
            "beta does not see its own {}",
            o.id()
        );
    }
    for o in &alpha_objects {
        let id = o.id();
        let live = seen_by_beta.get(&id);
        // The CI issuers' OIDC providers are shared: every estate reads them, as their owner's.
        if id.kind == Kind::OidcProvider {
            let owner = live
                .and_then(|l| l.owner.as_ref())
                .map(|w| w.estate.as_str());
            assert_eq!(owner, Some("alpha"), "{id}");
        } else {
            assert!(live.is_none(), "beta read alpha's {id}");
        }
    }
}

/// Two accounts never see each other's objects, even with the same names.
pub async fn accounts_kept_apart(one: &dyn Provider, two: &dyn Provider) {
    let alpha = estate("alpha", 1, 2, true);
    let created = apply_estate(one, &alpha).await;
    let seen = refresh(two, &scope(&alpha)).await;
    assert!(seen.objects.is_empty(), "the second account sees {seen:#?}");
    let again = apply_estate(two, &alpha).await;
    assert_eq!(created.len(), again.len());
    let first = refresh(one, &scope(&alpha)).await;
    let second = refresh(two, &scope(&alpha)).await;
    assert_eq!(first.objects.len(), created.len());
    assert_eq!(second.objects.len(), created.len());
}

/// Two regions of one account: repositories are each registry's, so the same names in both
/// are two objects; IAM objects are the account's, seen through either region.
pub async fn regions_of_one_account(home: &dyn Provider, other: &dyn Provider) {
    let alpha = estate("alpha", 1, 2, true);
    let created = apply_estate(home, &alpha).await;
    let is_repository = |o: &LiveObject| o.resource.kind() == Kind::Repository;
    let seen = refresh(other, &scope(&alpha)).await;
    assert!(
        !seen.objects.iter().any(is_repository),
        "the second region sees the first one's repositories: {seen:#?}"
    );
    assert!(
        seen.objects.iter().any(|o| o.resource.kind() == Kind::Role),
        "the second region does not see the account's roles: {seen:#?}"
    );
    let repositories: Vec<&Resource> = created
        .iter()
        .map(|d| &d.resource)
        .filter(|r| r.kind() == Kind::Repository)
        .collect();
    for repository in &repositories {
        apply(
            other,
            Operation::Create {
                resource: (*repository).clone(),
            },
        )
        .await;
    }
    let count = |live: &LiveEstate| live.objects.iter().filter(|o| is_repository(o)).count();
    assert_eq!(
        count(&refresh(other, &scope(&alpha)).await),
        repositories.len()
    );
    apply(
        other,
        Operation::Delete {
            resource: repositories[0].clone(),
            force: true,
        },
    )
    .await;
    assert_eq!(
        count(&refresh(home, &scope(&alpha)).await),
        repositories.len(),
        "deleting in the second region deleted in the first"
    );
    assert_eq!(
        count(&refresh(other, &scope(&alpha)).await),
        repositories.len() - 1
    );
}

/// Objects of every kind that no estate under test declares: unmanaged ones, another estate's
/// (`gamma`), and alpha's CI user and group with their policies, beside the estates
/// [`refresh_honours_the_scope`] applies. Parents come before their children.
fn others(acct: &Account) -> Vec<Resource> {
    let policy = |action: &str| {
        JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        }))
    };
    let service_trust = JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    }));
    let read_only = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly";
    let mut out = vec![
        Resource::OidcProvider(OidcProvider {
            url: "oidc.example.com".into(),
            client_ids: vec!["sts.amazonaws.com".into()],
            thumbprints: vec!["6938fd4d98bab03faadb97b34396831e3780aea1".into()],
            tags: Tags::new(),
        }),
        Resource::Replication(Replication {
            rules: vec![ReplicationRule {
                destinations: vec![ReplicationDestination {
                    region: "us-east-1".into(),
                    registry_id: acct.id.clone(),
                }],
                repository_prefixes: vec!["prod-".into()],
            }],
        }),
    ];
    for (name, tags) in [
        ("unmanaged", tagmap(&[("team", "old")])),
        ("gamma-r", owned("gamma", Some("g"), &[])),
    ] {
        out.push(repository(name, tags));
        out.push(Resource::RepositoryPolicy(RepositoryPolicy {
            repository: name.into(),
            document: pull_policy("210987654321"),
        }));
        out.push(Resource::LifecyclePolicy(LifecyclePolicy {
            repository: name.into(),
            document: lifecycle(5),
        }));
    }
    for (name, path, trust, tags) in [
        (
            "legacy-ci",
            "/".to_owned(),
            trust(acct, "repo:example/legacy:*"),
            Tags::new(),
        ),
        ("batch-runner", "/".to_owned(), service_trust, Tags::new()),
        (
            "gamma-ci",
            role_path("gamma"),
            trust(acct, "repo:example/gamma:*"),
            owned("gamma", Some("g"), &[]),
        ),
    ] {
        out.push(Resource::Role(Role {
            name: name.into(),
            path,
            trust,
            tags,
        }));
        out.push(Resource::RolePolicy(RolePolicy {
            role: name.into(),
            name: "by-hand".into(),
            document: policy("ecr:DescribeRepositories"),
        }));
        out.push(Resource::RolePolicyAttachment(RolePolicyAttachment {
            role: name.into(),
            policy_arn: read_only.into(),
        }));
    }
    for (user, user_path, user_tags, group, path) in [
        (
            "alpha-ci",
            role_path("alpha"),
            owned("alpha", Some("alpha-m0"), &[]),
            "alpha-ci-group",
            group_path("alpha", &acct.region, "alpha-m0"),
        ),
        (
            "human",
            "/".to_owned(),
            Tags::new(),
            "admins",
            "/".to_owned(),
        ),
    ] {
        out.push(Resource::User(User {
            name: user.into(),
            path: user_path,
            tags: user_tags,
        }));
        out.push(Resource::Group(Group {
            name: group.into(),
            path,
        }));
        out.push(Resource::GroupMembership(GroupMembership {
            group: group.into(),
            user: user.into(),
        }));
        out.push(Resource::GroupPolicy(GroupPolicy {
            group: group.into(),
            name: "push".into(),
            document: policy("ecr:GetAuthorizationToken"),
        }));
        out.push(Resource::GroupPolicyAttachment(GroupPolicyAttachment {
            group: group.into(),
            policy_arn: read_only.into(),
        }));
        out.push(Resource::UserPolicy(UserPolicy {
            user: user.into(),
            name: "by-hand".into(),
            document: policy("ecr:DescribeImages"),
        }));
        out.push(Resource::UserPolicyAttachment(UserPolicyAttachment {
            user: user.into(),
            policy_arn: read_only.into(),
        }));
    }
    out.extend(registry_settings(acct));
    out
}

/// One registry setting of every kind, owned by estate `alpha`, which manages its scanning and
/// pull-through cache rules only: the rest is in the account but no estate's to read.
fn registry_settings(acct: &Account) -> Vec<Resource> {
    vec![
        Resource::RegistryOwner(RegistryOwner {
            estate: "alpha".into(),
            sections: [Section::Scanning, Section::PullThroughCache].into(),
        }),
        Resource::ScanningConfiguration(ScanningConfiguration {
            scan_type: "ENHANCED".into(),
            rules: vec![ScanningRule {
                scan_frequency: "CONTINUOUS_SCAN".into(),
                filters: vec!["prod*".into()],
            }],
        }),
        Resource::PullThroughCacheRule(PullThroughCacheRule {
            prefix: "ecr-public".into(),
            upstream_registry_url: "public.ecr.aws".into(),
            credential_arn: None,
            custom_role_arn: None,
            upstream_repository_prefix: None,
        }),
        Resource::CreationTemplate(Box::new(CreationTemplate {
            prefix: "cache".into(),
            description: Some("made by hand".into()),
            applied_for: vec!["PULL_THROUGH_CACHE".into()],
            image_tag_mutability: TagMutability::Immutable,
            image_tag_mutability_exclusion_filters: Vec::new(),
            encryption: TemplateEncryption {
                encryption_type: "AES256".into(),
                kms_key: None,
            },
            lifecycle_policy: None,
            repository_policy: None,
            resource_tags: Tags::new(),
            custom_role_arn: None,
        })),
        Resource::RegistryPolicy(RegistryPolicy {
            document: JsonDocument::new(json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "Replicate",
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::{}:root", acct.id)},
                    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                    "Resource": format!("arn:aws:ecr:{}:{}:repository/*", acct.region, acct.id),
                }],
            })),
        }),
        // Every account setting, as a registry always has each (these two at their defaults).
        Resource::AccountSetting(AccountSetting {
            name: "BLOB_MOUNTING".into(),
            value: "ENABLED".into(),
        }),
        Resource::AccountSetting(AccountSetting {
            name: "BASIC_SCAN_TYPE_VERSION".into(),
            value: "AWS_NATIVE".into(),
        }),
        Resource::AccountSetting(AccountSetting {
            name: "REGISTRY_POLICY_SCOPE".into(),
            value: "V2".into(),
        }),
        Resource::SigningConfiguration(SigningConfiguration {
            rules: vec![SigningRule {
                signing_profile_arn: format!(
                    "arn:aws:signer:{}:{}:/signing-profiles/prod",
                    acct.region, acct.id
                ),
                filters: vec!["prod*".into()],
            }],
        }),
        Resource::PullTimeUpdateExclusion(PullTimeUpdateExclusion {
            principal_arn: format!("arn:aws:iam::{}:role/image-scanner", acct.id),
        }),
    ]
}

/// The names of `kind` among `resources`.
fn keys_of(resources: &[Resource], kind: Kind) -> BTreeSet<String> {
    resources
        .iter()
        .filter(|r| r.kind() == kind)
        .map(Resource::key)
        .collect()
}

/// What a refresh may read is one rule, [`RefreshScope::admits`], and the provider honours it:
/// over an account holding two estates, another estate's objects and unmanaged objects of every
/// kind, a refresh for a named estate, for declared names only, and for the account-wide audit
/// returns exactly the objects the rule admits — each judged with its parent as the whole
/// account holds it.
pub async fn refresh_honours_the_scope(s: &Subject<'_>) {
    let p = s.provider;
    let acct = account(p).await;
    let alpha = estate("alpha", 1, 2, true);
    let beta = estate("beta", 1, 1, false);
    let mut seeded: Vec<Resource> = Vec::new();
    for e in [&alpha, &beta] {
        seeded.extend(apply_estate(p, e).await.into_iter().map(|o| o.resource));
    }
    for resource in others(&acct) {
        create(p, &resource).await;
        seeded.push(resource);
    }
    let kinds: BTreeSet<Kind> = seeded.iter().map(Resource::kind).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(Kind::ALL),
        "the account holds an object of every kind"
    );

    // The whole account: everything declared by name, read account-wide.
    let whole_scope = RefreshScope {
        estate: "alpha".into(),
        repositories: keys_of(&seeded, Kind::Repository),
        roles: keys_of(&seeded, Kind::Role),
        users: keys_of(&seeded, Kind::User),
        groups: keys_of(&seeded, Kind::Group),
        oidc_providers: keys_of(&seeded, Kind::OidcProvider),
        account_wide: true,
        ..RefreshScope::default()
    };
    let whole = refresh(p, &whole_scope).await;
    let registry = whole.registry();
    let seeded_ids: BTreeSet<ObjectId> = seeded.iter().map(|r| r.id(&registry)).collect();
    let whole_ids: BTreeSet<ObjectId> = whole.objects.iter().map(|o| whole.id(o)).collect();
    assert_eq!(
        whole_ids, seeded_ids,
        "the whole account is what was seeded"
    );
    for r in &seeded {
        let read = find(&whole, r).map(|o| o.resource.canonical());
        assert_eq!(
            read,
            Some(r.canonical()),
            "{} reads back as seeded",
            r.key()
        );
    }
    let parent = |r: &Resource| {
        r.parent(&registry)
            .and_then(|id| whole.get(&id))
            .map(|o| &o.resource)
    };
    // What the server lets the provider read: the rule, widened only by the server's gaps.
    let readable = |scope: &RefreshScope, r: &Resource| {
        let parent = parent(r);
        let any_group = |g: &Resource| g.kind() == Kind::Group;
        scope.admits(r, parent)
            || (s.gaps.list_groups_ignores_path_prefix
                && (any_group(r) || parent.is_some_and(any_group)))
    };

    let declared_only = RefreshScope {
        estate: "nobody".into(),
        repositories: ["unmanaged", "beta-m0-r0"].map(String::from).into(),
        roles: ["legacy-ci", "alpha-m0-ci"].map(String::from).into(),
        users: ["human".to_owned()].into(),
        groups: ["alpha-ci-group".to_owned()].into(),
        oidc_providers: ["oidc.example.com".to_owned()].into(),
        account_wide: false,
        ..RefreshScope::default()
    };
    let scopes = [
        ("alpha's estate", RefreshScope::for_estate(&alpha)),
        ("beta's estate", RefreshScope::for_estate(&beta)),
        ("declared names only", declared_only),
        (
            "the account-wide audit",
            RefreshScope::for_estate(&alpha).account_wide(),
        ),
    ];
    for (name, scope) in scopes {
        let live = refresh(p, &scope).await;
        let returned: BTreeSet<ObjectId> = live.objects.iter().map(|o| live.id(o)).collect();
        let not_admitted: Vec<ObjectId> = live
            .objects
            .iter()
            .filter(|o| !readable(&scope, &o.resource))
            .map(|o| live.id(o))
            .collect();
        let missing: Vec<ObjectId> = whole
            .objects
            .iter()
            .filter(|o| scope.admits(&o.resource, parent(&o.resource)))
            .map(|o| whole.id(o))
            .filter(|id| !returned.contains(id))
            .collect();
        assert!(
            not_admitted.is_empty() && missing.is_empty(),
            "{name}: returned though not admitted: {not_admitted:#?}; admitted but not \
             returned: {missing:#?}"
        );
        assert!(!returned.is_empty(), "{name} read nothing");
    }
}
