//! The registry's settings in a plan: one estate owns them through the owner record, a held
//! section converges and is cleared when no longer declared, nobody else's section is touched,
//! and an existing setting is adopted, never overwritten.

mod common;

use std::collections::BTreeMap;

use common::{account, apply_in_memory, empty, koa, ownership};
use ecrplan_diff::{PlanError, drift, plan};
use ecrplan_model::{
    AccountSetting, Action, DesiredEstate, JsonDocument, Kind, LiveEstate, LiveObject, OnRegistry,
    Plan, PullThroughCacheRule, RegistryOwner, RegistrySettings, Resource, Rule,
    ScanningConfiguration, ScanningRule, Section, Severity,
};
use serde_json::json;

fn rule(prefix: &str, url: &str) -> PullThroughCacheRule {
    PullThroughCacheRule {
        prefix: prefix.into(),
        upstream_registry_url: url.into(),
        credential_arn: None,
        custom_role_arn: None,
        upstream_repository_prefix: None,
    }
}

fn enhanced() -> ScanningConfiguration {
    ScanningConfiguration {
        scan_type: "ENHANCED".into(),
        rules: vec![ScanningRule {
            scan_frequency: "CONTINUOUS_SCAN".into(),
            filters: vec!["prod/*".into(), "*".into()],
        }],
    }
}

fn settings() -> RegistrySettings {
    RegistrySettings {
        policy: Some(JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "Import", "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "ecr:BatchImportUpstreamImage", "Resource": "*"}]
        }))),
        replication_from: vec!["222233334444".into()],
        account_settings: BTreeMap::from([("BLOB_MOUNTING".into(), "ENABLED".into())]),
        scanning: Some(enhanced()),
        pull_through_cache: Some(vec![rule("ecr-public", "public.ecr.aws")]),
        ..Default::default()
    }
}

fn platform(registry: Option<RegistrySettings>) -> DesiredEstate {
    DesiredEstate {
        name: "platform".into(),
        modules: Vec::new(),
        registries: registry
            .into_iter()
            .map(OnRegistry::default_provider)
            .collect(),
        ..koa()
    }
}

/// An account as AWS has it with nothing set: scanning and account settings at their defaults.
fn fresh() -> LiveEstate {
    let mut live = empty();
    live.objects
        .push(LiveObject::new(Resource::ScanningConfiguration(
            ScanningConfiguration::basic(),
        )));
    for (_, name, value) in ecrplan_model::ACCOUNT_SETTINGS {
        live.objects
            .push(LiveObject::new(Resource::AccountSetting(AccountSetting {
                name: name.into(),
                value: value.into(),
            })));
    }
    live.normalise();
    live
}

fn actions(plan: &Plan) -> Vec<(Kind, String, Action)> {
    plan.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.id.kind, c.id.key.clone(), c.action))
        .collect()
}

fn converge(desired: &DesiredEstate, live: &LiveEstate) -> LiveEstate {
    let p = plan(desired, live, "").unwrap();
    apply_in_memory(&p, live, ownership(desired))
}

#[test]
fn a_platform_estate_takes_the_registry_then_has_no_changes() {
    let desired = platform(Some(settings()));
    let live = fresh();
    let p = plan(&desired, &live, "").unwrap();
    let got = actions(&p);
    assert_eq!(
        got[0],
        (Kind::RegistryOwner, "registry".into(), Action::Create)
    );
    assert!(got.contains(&(
        Kind::ScanningConfiguration,
        "registry".into(),
        Action::Update
    )));
    assert!(got.contains(&(Kind::AccountSetting, "BLOB_MOUNTING".into(), Action::Update)));
    assert!(got.contains(&(Kind::RegistryPolicy, "registry".into(), Action::Create)));
    assert!(got.contains(&(
        Kind::PullThroughCacheRule,
        "ecr-public".into(),
        Action::Create
    )));
    assert!(got.iter().all(|(_, _, a)| *a != Action::Adopt));
    // The owner record goes first: every setting waits for it.
    let owner = p
        .changes
        .iter()
        .position(|c| c.id.kind == Kind::RegistryOwner)
        .unwrap();
    assert_eq!(owner, 0);
    for c in &p.changes[1..] {
        assert!(
            c.depends_on.iter().any(|a| a.kind == Kind::RegistryOwner),
            "{}",
            c.address
        );
    }
    let after = converge(&desired, &live);
    assert_eq!(actions(&plan(&desired, &after, "").unwrap()), vec![]);
}

#[test]
fn a_second_estate_declaring_registry_is_refused_naming_the_owner() {
    let owner = platform(Some(settings()));
    let live = converge(&owner, &fresh());
    let second = DesiredEstate {
        name: "team-a".into(),
        ..platform(Some(RegistrySettings {
            scanning: Some(ScanningConfiguration::basic()),
            ..Default::default()
        }))
    };
    let err = plan(&second, &live, "").unwrap_err();
    assert!(
        matches!(&err, PlanError::RegistryOwned { estate, .. } if estate == "platform"),
        "{err}"
    );
    assert!(err.to_string().contains("`platform`"), "{err}");
}

#[test]
fn a_team_estate_without_a_registry_block_changes_nothing_of_the_registry() {
    let live = converge(&platform(Some(settings())), &fresh());
    let team = koa();
    let p = plan(&team, &live, "").unwrap();
    assert!(
        p.changes
            .iter()
            .all(|c| c.id.kind.spec().located_by != ecrplan_model::Locator::Registry),
        "{:?}",
        actions(&p)
    );
}

#[test]
fn existing_settings_of_an_unowned_registry_are_adopted_not_overwritten() {
    let mut live = fresh();
    live.objects
        .retain(|o| o.resource.kind() != Kind::ScanningConfiguration);
    live.objects
        .push(LiveObject::new(Resource::ScanningConfiguration(
            ScanningConfiguration {
                scan_type: "ENHANCED".into(),
                rules: Vec::new(),
            },
        )));
    live.objects
        .push(LiveObject::new(Resource::PullThroughCacheRule(rule(
            "ecr-public",
            "public.ecr.aws",
        ))));
    live.objects
        .push(LiveObject::new(Resource::PullThroughCacheRule(rule(
            "quay", "quay.io",
        ))));
    live.normalise();
    let desired = platform(Some(settings()));
    let p = plan(&desired, &live, "").unwrap();
    let got = actions(&p);
    assert!(got.contains(&(
        Kind::ScanningConfiguration,
        "registry".into(),
        Action::Adopt
    )));
    assert!(got.contains(&(
        Kind::PullThroughCacheRule,
        "ecr-public".into(),
        Action::Adopt
    )));
    // The undeclared rule is not the estate's before the adoption: kept, and said so.
    assert!(!got.iter().any(|(_, k, _)| k == "quay"));
    assert!(
        p.notes
            .iter()
            .any(|n| n.rule == Rule::RegistrySettingKept && n.message.contains("quay")),
        "{:?}",
        p.notes
    );
    // An adoption adds no tags: the settings take none.
    let adopt = p
        .changes
        .iter()
        .find(|c| c.action == Action::Adopt && c.id.kind == Kind::PullThroughCacheRule)
        .unwrap();
    assert!(adopt.operations(&Default::default()).is_empty());
}

#[test]
fn a_named_estate_clears_each_section_it_stops_declaring() {
    let full = platform(Some(settings()));
    let live = converge(&full, &fresh());
    let p = plan(&platform(Some(RegistrySettings::default())), &live, "").unwrap();
    let got = actions(&p);
    for expected in [
        (Kind::RegistryPolicy, "registry", Action::Delete),
        (Kind::ScanningConfiguration, "registry", Action::Delete),
        (Kind::PullThroughCacheRule, "ecr-public", Action::Delete),
        (Kind::RegistryOwner, "registry", Action::Update),
    ] {
        assert!(
            got.contains(&(expected.0, expected.1.into(), expected.2)),
            "{expected:?} in {got:?}"
        );
    }
    // An account setting has no delete: it keeps its value and the plan says so.
    assert!(!got.iter().any(|(k, _, _)| *k == Kind::AccountSetting));
    assert!(p.notes.iter().any(|n| n.rule == Rule::RegistrySettingKept
        && n.message.contains("BLOB_MOUNTING")
        && n.message.contains("ENABLED")));

    // With the whole block gone, the owner record goes too.
    let p = plan(&platform(None), &live, "").unwrap();
    let got = actions(&p);
    assert!(got.contains(&(Kind::RegistryOwner, "registry".into(), Action::Delete)));
    assert!(got.contains(&(
        Kind::PullThroughCacheRule,
        "ecr-public".into(),
        Action::Delete
    )));
    let owner = got.iter().position(|c| c.0 == Kind::RegistryOwner).unwrap();
    assert_eq!(owner, got.len() - 1, "the record is deleted last: {got:?}");
}

#[test]
fn an_anonymous_estate_clears_nothing() {
    let anonymous = |registry| DesiredEstate {
        name: ecrplan_model::ANONYMOUS_ESTATE.into(),
        anonymous: true,
        ..platform(registry)
    };
    let live = converge(&anonymous(Some(settings())), &fresh());
    for registry in [Some(RegistrySettings::default()), None] {
        let p = plan(&anonymous(registry), &live, "").unwrap();
        assert!(
            !actions(&p).iter().any(|(_, _, a)| *a == Action::Delete),
            "{:?}",
            actions(&p)
        );
    }
}

#[test]
fn only_held_sections_are_cleared() {
    let mut live = converge(&platform(Some(settings())), &fresh());
    // A template made by hand: its section is nobody's.
    live.objects
        .push(LiveObject::new(Resource::CreationTemplate(Box::new(
            ecrplan_model::CreationTemplate {
                prefix: "ROOT".into(),
                description: None,
                applied_for: vec!["REPLICATION".into()],
                image_tag_mutability: Default::default(),
                image_tag_mutability_exclusion_filters: Vec::new(),
                encryption: ecrplan_model::TemplateEncryption {
                    encryption_type: "AES256".into(),
                    kms_key: None,
                },
                lifecycle_policy: None,
                repository_policy: None,
                resource_tags: Default::default(),
                custom_role_arn: None,
            },
        ))));
    live.normalise();
    let p = plan(&platform(None), &live, "").unwrap();
    assert!(
        !actions(&p)
            .iter()
            .any(|(k, _, _)| *k == Kind::CreationTemplate)
    );
    let report = drift(&platform(Some(settings())), &live, true).unwrap();
    assert!(
        report
            .unmanaged
            .iter()
            .any(|u| u.id.kind == Kind::CreationTemplate && u.reason.contains("creation_template")),
        "{:?}",
        report.unmanaged
    );
}

#[test]
fn a_cache_rule_whose_upstream_changes_is_replaced() {
    let desired = platform(Some(settings()));
    let live = converge(&desired, &fresh());
    let mut moved = settings();
    moved.pull_through_cache = Some(vec![rule("ecr-public", "quay.io")]);
    let p = plan(&platform(Some(moved)), &live, "").unwrap();
    let change = p
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::PullThroughCacheRule)
        .unwrap();
    assert_eq!(change.action, Action::Replace);
    assert_eq!(
        change.replace_because,
        vec!["upstream_registry_url".to_owned()]
    );
    // A credential is updated in place.
    let mut credential = settings();
    let mut r = rule("ecr-public", "public.ecr.aws");
    r.credential_arn =
        Some("arn:aws:secretsmanager:eu-west-1:354918371398:secret:ecr-pullthroughcache/x".into());
    credential.pull_through_cache = Some(vec![r]);
    let p = plan(&platform(Some(credential)), &live, "").unwrap();
    let change = p
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::PullThroughCacheRule)
        .unwrap();
    assert_eq!(change.action, Action::Update);
}

#[test]
fn filter_order_and_policy_key_order_are_no_difference() {
    let desired = platform(Some(settings()));
    let mut live = converge(&desired, &fresh());
    for o in &mut live.objects {
        if let Resource::ScanningConfiguration(c) = &mut o.resource {
            c.rules[0].filters.reverse();
        }
    }
    assert_eq!(actions(&plan(&desired, &live, "").unwrap()), vec![]);
}

#[test]
fn a_policy_beyond_a_v1_scope_read_from_the_account_is_an_error_note() {
    let mut live = fresh();
    for o in &mut live.objects {
        if let Resource::AccountSetting(s) = &mut o.resource
            && s.name == "REGISTRY_POLICY_SCOPE"
        {
            s.value = "V1".into();
        }
    }
    let mut s = settings();
    s.policy = Some(JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": ["ecr:BatchGetImage"], "Resource": "*"}]
    })));
    let p = plan(&platform(Some(s)), &live, "").unwrap();
    let note = p
        .notes
        .iter()
        .find(|n| n.rule == Rule::RegistryPolicyScope)
        .expect("a scope note");
    assert_eq!(note.severity, Severity::Error);
    assert!(
        note.message.contains("ecr:BatchGetImage"),
        "{}",
        note.message
    );
}

#[test]
fn weak_registries_are_noted() {
    let mut s = settings();
    s.scanning = Some(ScanningConfiguration::basic());
    s.pull_through_cache = Some(vec![rule("hub", "registry-1.docker.io")]);
    s.policy = Some(JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "ecr:CreateRepository", "Resource": "*"}]
    })));
    let p = plan(&platform(Some(s)), &fresh(), "").unwrap();
    for rule in [
        Rule::RegistryPolicyPublic,
        Rule::BasicScanningWithoutRule,
        Rule::CacheWithoutCredentials,
    ] {
        assert!(
            p.notes.iter().any(|n| n.rule == rule),
            "{rule:?}: {:?}",
            p.notes
        );
    }
}

#[test]
fn the_owner_record_lists_the_declared_sections() {
    let desired = platform(Some(settings()));
    let objects = desired.objects(&ecrplan_model::Reach::single(account()));
    let Resource::RegistryOwner(RegistryOwner { estate, sections }) = &objects
        .iter()
        .find(|o| o.resource.kind() == Kind::RegistryOwner)
        .unwrap()
        .resource
    else {
        unreachable!()
    };
    assert_eq!(estate, "platform");
    assert_eq!(
        sections.iter().copied().collect::<Vec<_>>(),
        vec![
            Section::Policy,
            Section::AccountSettings,
            Section::Scanning,
            Section::PullThroughCache
        ]
    );
}
