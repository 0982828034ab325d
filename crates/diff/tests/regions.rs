//! One plan over several registries: two regions of one account and a disaster-recovery
//! registry in another account, reached through aliased providers.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{bulk_module, koa, koa_module};
use ecrplan_diff::{PlanError, plan};
use ecrplan_model::{
    Account, Action, DesiredEstate, JsonDocument, Kind, LiveEstate, LiveObject, OnRegistry, Reach,
    Registry, RegistryPolicy, RegistrySettings, Replication, ReplicationDestination,
    ReplicationRule, Resource, Rule, Scope, Severity, tags,
};
use serde_json::json;

fn home() -> Account {
    Account::new("354918371398", "eu-west-1")
}

fn us() -> Account {
    Account::new("354918371398", "us-east-1")
}

fn dr() -> Account {
    Account::new("222222222222", "eu-west-2")
}

fn aliases() -> BTreeMap<String, Account> {
    BTreeMap::from([
        ("london".to_owned(), home()),
        ("us".to_owned(), us()),
        ("dr".to_owned(), dr()),
    ])
}

/// An empty account in every registry the aliases reach.
fn empty() -> LiveEstate {
    LiveEstate::merge(vec![LiveEstate::empty(home())], aliases())
}

/// The live estate a complete apply of `desired` leaves, each object in its registry.
fn applied(desired: &DesiredEstate) -> LiveEstate {
    let reach = Reach {
        default: home(),
        aliases: aliases(),
    };
    let mut live = empty();
    live.objects = desired
        .objects(&reach)
        .into_iter()
        .map(|o| {
            let registry = match &o.address.scope {
                Scope::Registry(r) => r.clone(),
                Scope::Account(a) => reach
                    .registries()
                    .into_iter()
                    .find(|r| r.account == *a)
                    .expect("a registry of the account"),
            };
            let mut object = LiveObject::new(o.resource);
            object.registry = (registry != home().registry()).then_some(registry);
            object
        })
        .collect();
    live.normalise();
    live
}

fn on(provider: &str, mut module: ecrplan_model::Module, name: &str) -> ecrplan_model::Module {
    module.name = name.into();
    module.provider = Some(provider.into());
    module
}

fn replication_to_dr() -> OnRegistry<Replication> {
    OnRegistry::default_provider(Replication {
        rules: vec![ReplicationRule {
            destinations: vec![ReplicationDestination {
                region: dr().region,
                registry_id: dr().id,
            }],
            repository_prefixes: Vec::new(),
        }],
    })
}

#[test]
fn the_same_repository_in_two_registries_is_two_objects() {
    let mut desired = koa();
    let mut second = bulk_module("ecr-us", "svc", 2);
    second.provider = Some("us".into());
    let mut third = bulk_module("ecr-dr", "svc", 2);
    third.provider = Some("dr".into());
    desired.modules.extend([second, third]);
    let made = plan(&desired, &empty(), "").expect("plans");
    let creates: BTreeSet<_> = made
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::Repository && c.id.key == "svc-00000")
        .map(|c| (c.action, c.id.scope.clone(), c.address.to_string()))
        .collect();
    assert_eq!(
        creates,
        BTreeSet::from([
            (
                Action::Create,
                Scope::Registry(us().registry()),
                r#"module.ecr-us.repository["svc-00000"]"#.to_owned()
            ),
            (
                Action::Create,
                Scope::Registry(dr().registry()),
                r#"module.ecr-dr.repository["svc-00000"]"#.to_owned()
            ),
        ])
    );
    let spanned: BTreeSet<Registry> = made.registries.iter().cloned().collect();
    assert_eq!(
        spanned,
        BTreeSet::from([home().registry(), dr().registry(), us().registry()])
    );
    let again = plan(&desired, &applied(&desired), "").expect("plans");
    assert!(again.is_empty(), "{:#?}", again.changes);
}

#[test]
fn an_alias_of_the_default_registry_plans_exactly_as_the_default_provider() {
    let plain = plan(&koa(), &empty(), "").expect("plans");
    let mut london = koa();
    london.modules[0].provider = Some("london".into());
    let aliased = plan(&london, &empty(), "").expect("plans");
    assert_eq!(plain.changes, aliased.changes);
}

#[test]
fn iam_names_are_per_account() {
    // One role name in two accounts: two objects, each with its own OIDC provider.
    let mut desired = koa();
    desired.modules.push(on("dr", koa_module(), "ecr-koa-dr"));
    let made = plan(&desired, &empty(), "").expect("two accounts, two roles");
    let roles: BTreeSet<&str> = made
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::Role)
        .map(|c| c.id.scope.account())
        .collect();
    assert_eq!(roles, BTreeSet::from(["222222222222", "354918371398"]));
    let providers: BTreeSet<String> = made
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::OidcProvider)
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(
        providers,
        BTreeSet::from([
            r#"oidc_provider["dr/token.actions.githubusercontent.com"]"#.to_owned(),
            r#"oidc_provider["token.actions.githubusercontent.com"]"#.to_owned()
        ])
    );
    // The same name twice in one account, from two regions: IAM has one namespace per account.
    let mut clash = koa();
    clash.modules.push(on("us", koa_module(), "ecr-koa-us"));
    assert!(matches!(
        plan(&clash, &empty(), ""),
        Err(PlanError::DeclaredTwice { .. })
    ));
}

#[test]
fn a_role_of_another_region_of_the_account_is_this_runs_and_kept_in_its_region_tag() {
    let mut desired = koa();
    desired.modules[0].provider = Some("us".into());
    let made = plan(&desired, &empty(), "").expect("plans");
    let role = made
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::Role)
        .and_then(|c| c.after.as_ref())
        .and_then(|r| r.tags().cloned())
        .expect("a role");
    assert_eq!(
        role.get(tags::REGION).map(String::as_str),
        Some("us-east-1")
    );
    let again = plan(&desired, &applied(&desired), "").expect("plans");
    assert!(again.is_empty(), "{:#?}", again.changes);
    // Dropped from the configuration, the us-east-1 role is deleted by this run, which reaches
    // us-east-1.
    let mut dropped = desired.clone();
    dropped.modules.clear();
    let made = plan(&dropped, &applied(&desired), "").expect("plans");
    assert!(
        made.changes
            .iter()
            .any(|c| c.id.kind == Kind::Role && c.action == Action::Delete)
    );
}

#[test]
fn an_owned_destination_registry_lets_the_source_replicate() {
    let mut desired = koa();
    desired.replications.push(replication_to_dr());
    desired.registries.push(OnRegistry {
        provider: Some("dr".into()),
        value: RegistrySettings {
            scanning: None,
            ..Default::default()
        },
    });
    // An empty registry block manages no section: the statement makes it manage the policy.
    let made = plan(&desired, &empty(), "").expect("plans");
    let policy = made
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::RegistryPolicy)
        .expect("the destination's policy is planned");
    assert_eq!(policy.id.scope, Scope::Registry(dr().registry()));
    assert_eq!(policy.address.to_string(), r#"registry_policy["dr"]"#);
    let Some(Resource::RegistryPolicy(p)) = &policy.after else {
        panic!("a registry policy")
    };
    assert!(
        p.document
            .to_string()
            .contains("arn:aws:iam::354918371398:root")
    );
    assert!(
        !made
            .notes
            .iter()
            .any(|n| n.rule == Rule::ReplicationDestinationPolicy),
        "{:#?}",
        made.notes
    );
}

#[test]
fn a_readable_destination_is_checked_and_an_unreachable_one_warned_about() {
    let mut desired = koa();
    desired.replications.push(replication_to_dr());
    let made = plan(&desired, &empty(), "").expect("plans");
    let note = made
        .notes
        .iter()
        .find(|n| n.rule == Rule::ReplicationDestinationPolicy)
        .expect("a missing permission is an error note");
    assert_eq!(note.severity, Severity::Error);
    assert!(
        note.message.contains("ecr:ReplicateImage"),
        "{}",
        note.message
    );

    let mut live = empty();
    let mut allowed = LiveObject::new(Resource::RegistryPolicy(RegistryPolicy {
        document: JsonDocument::new(json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::354918371398:root"},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "*"
        }]})),
    }));
    allowed.registry = Some(dr().registry());
    live.objects.push(allowed);
    live.normalise();
    let made = plan(&desired, &live, "").expect("plans");
    assert!(
        !made
            .notes
            .iter()
            .any(|n| n.rule == Rule::ReplicationDestinationPolicy),
        "{:#?}",
        made.notes
    );

    let mut unreached = LiveEstate::empty(home());
    unreached.normalise();
    let made = plan(&desired, &unreached, "").expect("plans");
    let note = made
        .notes
        .iter()
        .find(|n| n.rule == Rule::ReplicationDestinationUnread)
        .expect("a destination no provider reaches is a warning");
    assert_eq!(note.severity, Severity::Warning);
}

#[test]
fn replicated_lifecycles_ask_for_a_replication_template() {
    let mut desired = koa();
    desired.modules[0].settings.lifecycle = Some(ecrplan_model::LifecycleSpec::Document(
        JsonDocument::new(json!({"rules": []})),
    ));
    desired.replications.push(replication_to_dr());
    let made = plan(&desired, &empty(), "").expect("plans");
    assert!(
        made.notes
            .iter()
            .any(|n| n.rule == Rule::ReplicationWithoutTemplate && n.message.contains("ecr-koa")),
        "{:#?}",
        made.notes
    );
}

#[test]
fn a_destination_is_the_registry_itself_by_the_registry_the_rule_is_written_in() {
    let mut desired = koa();
    // From the home registry, the DR registry is another one: no finding.
    desired.replications.push(replication_to_dr());
    let made = plan(&desired, &empty(), "").expect("plans");
    assert!(
        !made
            .notes
            .iter()
            .any(|n| n.rule == Rule::ReplicationToItself),
        "{:#?}",
        made.notes
    );
    // Written in the DR registry, the same destination is that registry itself.
    let mut in_dr = replication_to_dr();
    in_dr.provider = Some("dr".into());
    desired.replications = vec![in_dr];
    let made = plan(&desired, &empty(), "").expect("plans");
    let itself: Vec<_> = made
        .notes
        .iter()
        .filter(|n| n.rule == Rule::ReplicationToItself)
        .collect();
    assert_eq!(itself.len(), 1, "{:#?}", made.notes);
    assert_eq!(itself[0].severity, Severity::Error);
    assert!(
        itself[0].message.contains("222222222222 in eu-west-2"),
        "{}",
        itself[0].message
    );
}
