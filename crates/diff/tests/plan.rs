//! The planner on the scenarios the views are reviewed with, plus the ownership rules.
//!
//! Each scenario is also written to `tests/scenarios/NAME.json` (desired and live estate) so
//! that the CLI's view goldens render exactly these plans, and its plan listing is compared with
//! the reviewed file `tests/golden/NAME.txt`. Set `UPDATE_GOLDEN=1` to rewrite both after
//! reviewing a change.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;

use common::*;
use ecrplan_diff::{PlanError, drift, graph_dot, plan};
use ecrplan_model::{
    Action, DesiredEstate, Encryption, GithubAccess, GithubRepository, JsonDocument, Kind,
    LiveEstate, LiveObject, Plan, Replication, ReplicationDestination, ReplicationRule, Resource,
    Severity, Tags, tags,
};
use serde_json::json;

fn listing(plan: &Plan) -> String {
    let mut out = String::new();
    for c in &plan.changes {
        let _ = write!(out, "{:>3} {} ({})", c.action.symbol(), c.address, c.action);
        if !c.replace_because.is_empty() {
            let _ = write!(out, " because {}", c.replace_because.join(", "));
        }
        if c.force {
            out.push_str(" force");
        }
        for d in &c.depends_on {
            let _ = write!(out, "\n      after {d}");
        }
        out.push('\n');
    }
    for n in &plan.notes {
        let at = n
            .address
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let _ = writeln!(out, "{:?} {at}: {}", n.severity, n.message);
    }
    out
}

fn golden(name: &str, desired: &DesiredEstate, live: &LiveEstate) -> Plan {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let scenario = serde_json::to_string_pretty(&json!({"desired": desired, "live": live}))
        .expect("estates serialise");
    let plan = plan(desired, live, "0123456789abcdef").expect("plan");
    let text = listing(&plan);
    let files = [
        (
            dir.join("scenarios").join(format!("{name}.json")),
            scenario + "\n",
        ),
        (dir.join("golden").join(format!("{name}.txt")), text),
    ];
    for (path, want) in files {
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &want).expect("write golden");
        }
        let have = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
        assert_eq!(
            have,
            want,
            "{} differs (UPDATE_GOLDEN=1 rewrites it)",
            path.display()
        );
    }
    plan
}

fn find<'a>(plan: &'a Plan, address: &str) -> &'a ecrplan_model::Change {
    plan.changes
        .iter()
        .find(|c| c.address.to_string() == address)
        .unwrap_or_else(|| panic!("no change at {address}"))
}

fn position(plan: &Plan, address: &str) -> usize {
    plan.changes
        .iter()
        .position(|c| c.address.to_string() == address)
        .unwrap_or_else(|| panic!("no change at {address}"))
}

fn get_mut<'a>(live: &'a mut LiveEstate, kind: Kind, key: &str) -> &'a mut LiveObject {
    live.objects
        .iter_mut()
        .find(|o| o.resource.kind() == kind && o.resource.key() == key)
        .unwrap_or_else(|| panic!("no live {kind:?} {key}"))
}

#[test]
fn seed_on_empty_account() {
    let plan = golden("seed_on_empty", &koa(), &empty());
    assert_eq!(plan.changes.len(), 5);
    assert!(plan.changes.iter().all(|c| c.action == Action::Create));
    assert!(
        position(
            &plan,
            r#"oidc_provider["token.actions.githubusercontent.com"]"#
        ) < position(&plan, "module.ecr-koa.github_role")
    );
    assert!(
        position(&plan, "module.ecr-koa.github_role")
            < position(&plan, "module.ecr-koa.github_role_policy")
    );
    let policy = find(&plan, "module.ecr-koa.github_role_policy");
    assert_eq!(
        policy
            .depends_on
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![
            r#"module.ecr-koa.repository["giftcard-service"]"#,
            "module.ecr-koa.github_role"
        ],
        "ties and lists follow address order: module, kind, name, index"
    );
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    assert!(plan.fingerprints.is_empty());
}

#[test]
fn no_changes_after_apply() {
    let live = applied(&koa());
    let plan = golden("no_changes", &koa(), &live);
    assert!(plan.is_empty());
    assert_eq!(plan.fingerprints.len(), live.objects.len());
    assert!(plan.changes.iter().all(|c| c.depends_on.is_empty()));
}

/// The account's repository policy was edited by hand: the statement order and principal form
/// differ (no change), and one more account was given pull access (a change).
fn policy_drift_live() -> LiveEstate {
    let mut live = applied(&koa());
    let o = get_mut(&mut live, Kind::RepositoryPolicy, "giftcard-service");
    o.resource = Resource::RepositoryPolicy(ecrplan_model::RepositoryPolicy {
        repository: "giftcard-service".into(),
        document: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowPull",
                "Effect": "Allow",
                "Principal": {"AWS": ["931827427725", "arn:aws:iam::123456789012:root"]},
                "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
                           "ecr:BatchCheckLayerAvailability"]
            }]
        })),
    });
    live
}

#[test]
fn policy_drift_is_one_update() {
    let plan = golden("policy_drift", &koa(), &policy_drift_live());
    let changed: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(
        changed,
        vec![r#"module.ecr-koa.repository_policy["giftcard-service"]"#]
    );
}

#[test]
fn reordered_policy_is_no_change() {
    let mut live = applied(&koa());
    let o = get_mut(&mut live, Kind::RepositoryPolicy, "giftcard-service");
    o.resource = Resource::RepositoryPolicy(ecrplan_model::RepositoryPolicy {
        repository: "giftcard-service".into(),
        document: JsonDocument::new(json!({
            "Statement": {"Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
                "ecr:BatchCheckLayerAvailability"], "Principal": {"AWS": "931827427725"},
                "Effect": "Allow", "Sid": "AllowPull"},
            "Version": "2012-10-17"
        })),
    });
    assert!(plan(&koa(), &live, "h").expect("plan").is_empty());
}

fn kms_koa() -> DesiredEstate {
    let mut d = koa();
    d.modules[0].settings.encryption = Encryption::Kms {
        kms_key: "arn:aws:kms:eu-west-1:354918371398:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            .into(),
    };
    d
}

#[test]
fn encryption_change_replaces_and_recreates_policies() {
    let mut live = applied(&koa());
    get_mut(&mut live, Kind::Repository, "giftcard-service").holds_images = Some(false);
    let plan = golden("replace_encryption", &kms_koa(), &live);
    let repo = find(&plan, r#"module.ecr-koa.repository["giftcard-service"]"#);
    assert_eq!(repo.action, Action::Replace);
    assert_eq!(repo.replace_because, vec!["encryption".to_owned()]);
    let policy = find(
        &plan,
        r#"module.ecr-koa.repository_policy["giftcard-service"]"#,
    );
    assert_eq!(policy.action, Action::Create);
    assert_eq!(policy.depends_on, vec![repo.address.clone()]);
    assert!(plan.is_applyable());
}

#[test]
fn replacing_a_repository_with_images_needs_force() {
    let mut live = applied(&koa());
    get_mut(&mut live, Kind::Repository, "giftcard-service").holds_images = Some(true);
    let refused = plan(&kms_koa(), &live, "h").expect("plan");
    assert!(!refused.is_applyable());
    if let Resource::Repository(r) =
        &mut get_mut(&mut live, Kind::Repository, "giftcard-service").resource
    {
        r.tags.insert(tags::FORCE_DELETE.into(), "true".into());
    }
    let mut desired = kms_koa();
    desired.modules[0].settings.force_delete = true;
    let forced = plan(&desired, &live, "h").expect("plan");
    assert!(forced.is_applyable(), "{:?}", forced.notes);
    assert!(find(&forced, r#"module.ecr-koa.repository["giftcard-service"]"#).force);
}

/// `legacy-service` was declared in the koa module, pushed to, and then removed from the
/// configuration; the live push policy still names it.
fn delete_live() -> LiveEstate {
    let mut old = koa();
    old.modules[0].repositories.push("legacy-service".into());
    let mut live = applied(&old);
    get_mut(&mut live, Kind::Repository, "legacy-service").holds_images = Some(true);
    live
}

#[test]
fn removed_repository_is_deleted_after_what_names_it() {
    let plan = golden("delete_owned", &koa(), &delete_live());
    let del = r#"module.ecr-koa.repository["legacy-service"]"#;
    let repo = find(&plan, del);
    assert_eq!(repo.action, Action::Delete);
    assert!(!repo.force);
    let deps: Vec<String> = repo.depends_on.iter().map(ToString::to_string).collect();
    assert_eq!(
        deps,
        vec![
            r#"module.ecr-koa.repository_policy["legacy-service"]"#.to_owned(),
            "module.ecr-koa.github_role_policy".to_owned(),
        ]
    );
    assert!(position(&plan, "module.ecr-koa.github_role_policy") < position(&plan, del));
    assert!(
        position(
            &plan,
            r#"module.ecr-koa.repository_policy["legacy-service"]"#
        ) < position(&plan, del)
    );
    assert_eq!(
        plan.changes.last().map(|c| c.address.to_string()),
        Some(del.to_owned())
    );
    assert!(plan.notes.iter().any(|n| n.severity == Severity::Error
        && n.address == Some(repo.address.clone())
        && n.message.contains("holds images")));
}

/// The repository and the role were made by hand before ecrplan: no ownership tags.
fn adopt_live() -> LiveEstate {
    let mut live = applied(&koa());
    for o in &mut live.objects {
        if let Some(t) = o.resource.tags_mut() {
            t.retain(|k, _| !tags::is_reserved(k));
            t.insert("team".into(), "koa".into());
        }
        if let Resource::Role(r) = &mut o.resource {
            r.path = "/".into();
        }
        *o = LiveObject::new(o.resource.clone());
    }
    live.objects
        .retain(|o| o.resource.kind() != Kind::RolePolicy);
    live.normalise();
    live
}

#[test]
fn untagged_objects_are_adopted_never_recreated() {
    let live = adopt_live();
    let desired = koa();
    let plan = golden("adopt", &desired, &live);
    for a in [
        r#"module.ecr-koa.repository["giftcard-service"]"#,
        "module.ecr-koa.github_role",
        r#"oidc_provider["token.actions.githubusercontent.com"]"#,
    ] {
        assert_eq!(find(&plan, a).action, Action::Adopt, "{a}");
    }
    assert_eq!(
        find(&plan, "module.ecr-koa.github_role_policy").action,
        Action::Create
    );
    let role = find(&plan, "module.ecr-koa.github_role");
    match &role.after {
        Some(Resource::Role(r)) => assert_eq!(r.path, "/", "an adopted role keeps its path"),
        other => panic!("{other:?}"),
    }
    let after = apply_in_memory(&plan, &live, ownership(&desired));
    let again = plan_of(&desired, &after);
    assert!(again.is_empty(), "{}", listing(&again));
}

/// Issue 11: an adoption that also changes the repository's mutability and replaces its policy
/// must say so; the planner keeps both changes, and the views' headings name them.
#[test]
fn adoption_that_changes_more_than_tags_keeps_those_changes() {
    let mut live = adopt_live();
    for o in &mut live.objects {
        match &mut o.resource {
            Resource::Repository(r) => {
                r.image_tag_mutability = ecrplan_model::TagMutability::Immutable;
            }
            Resource::RepositoryPolicy(p) => {
                p.document.make_mut()["Statement"][0]["Principal"]["AWS"] = json!("*");
            }
            _ => {}
        }
    }
    let desired = koa();
    let plan = golden("adopt_with_changes", &desired, &live);
    let repo = find(&plan, r#"module.ecr-koa.repository["giftcard-service"]"#);
    assert_eq!(repo.action, Action::Adopt);
    let policy = find(
        &plan,
        r#"module.ecr-koa.repository_policy["giftcard-service"]"#,
    );
    assert_eq!(policy.action, Action::Update);
    let after = apply_in_memory(&plan, &live, ownership(&desired));
    assert!(plan_of(&desired, &after).is_empty());
}

fn plan_of(desired: &DesiredEstate, live: &LiveEstate) -> Plan {
    plan(desired, live, "h").expect("plan")
}

#[test]
fn large_estate_on_empty_account() {
    let desired = DesiredEstate {
        providers: Default::default(),
        name: "platform".into(),
        anonymous: false,
        provider: Default::default(),
        modules: vec![bulk_module("services", "svc", 2000)],
        replications: Vec::new(),
        skipped_modules: Default::default(),
        registries: Vec::new(),
        targets: Default::default(),
    };
    let plan = plan_of(&desired, &empty());
    assert_eq!(plan.changes.len(), 2000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/large.json");
    let scenario = serde_json::to_string_pretty(&json!({"desired": desired, "live": empty()}))
        .expect("serialise")
        + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&dir, &scenario).expect("write");
    }
    assert_eq!(
        std::fs::read_to_string(&dir).expect("scenario file"),
        scenario
    );
}

#[test]
fn declaring_a_foreign_object_names_its_estate() {
    let mut other = koa();
    other.name = "payments".into();
    let live = applied(&other);
    match plan(&koa(), &live, "h") {
        Err(PlanError::Foreign { estate, id, .. }) => {
            assert_eq!(estate, "payments");
            assert_eq!(id.kind, Kind::Repository);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn foreign_objects_are_never_deleted_and_shared_provider_is_kept() {
    let mut other = koa();
    other.name = "payments".into();
    let live = applied(&other);
    let mut mine = koa();
    mine.modules[0].name = "ecr-web".into();
    mine.modules[0].repositories = vec!["web".into()];
    if let Some(g) = &mut mine.modules[0].github {
        g.role_name = "web-github".into();
    }
    let plan = plan_of(&mine, &live);
    assert!(plan.changes.iter().all(|c| c.action != Action::Delete));
    let provider = find(
        &plan,
        r#"oidc_provider["token.actions.githubusercontent.com"]"#,
    );
    assert_eq!(
        provider.action,
        Action::NoOp,
        "a provider another estate owns is shared"
    );
}

#[test]
fn owned_provider_trusted_by_a_foreign_role_is_kept() {
    let live = applied(&koa());
    let mut other = koa();
    other.name = "payments".into();
    other.modules[0].repositories = vec!["pay".into()];
    if let Some(g) = &mut other.modules[0].github {
        g.role_name = "pay-github".into();
    }
    let mut objects = live.objects.clone();
    objects.extend(
        applied(&other)
            .objects
            .into_iter()
            .filter(|o| o.resource.kind() != Kind::OidcProvider),
    );
    let mut live = LiveEstate {
        aliases: Default::default(),
        account: account(),
        objects,
    };
    live.normalise();
    let mut nothing = koa();
    nothing.modules.clear();
    let plan = plan_of(&nothing, &live);
    assert!(
        plan.changes.iter().all(|c| c.id.kind != Kind::OidcProvider),
        "{}",
        listing(&plan)
    );
    assert!(
        plan.changes
            .iter()
            .any(|c| c.id.kind == Kind::Role && c.action == Action::Delete)
    );
    assert!(plan.notes.iter().any(|n| n.message.contains("pay-github")));
    assert!(plan.is_applyable());

    let alone = plan_of(&nothing, &applied(&koa()));
    let provider = find(
        &alone,
        r#"oidc_provider["token.actions.githubusercontent.com"]"#,
    );
    assert_eq!(provider.action, Action::Delete);
    assert!(
        provider
            .depends_on
            .iter()
            .any(|a| a.to_string() == r#"module.ecr-koa.github_role["koa-github-ecr-access"]"#)
    );
    assert_eq!(
        alone.changes.last().map(|c| c.id.kind),
        Some(Kind::OidcProvider)
    );
}

#[test]
fn owned_repository_policy_without_declaration_is_removed() {
    let mut d = koa();
    d.modules[0].account_access.clear();
    let plan = plan_of(&d, &applied(&koa()));
    let p = find(
        &plan,
        r#"module.ecr-koa.repository_policy["giftcard-service"]"#,
    );
    assert_eq!(p.action, Action::Delete);
}

#[test]
fn wide_trust_and_cross_account_push_are_flagged() {
    let mut d = koa();
    d.modules[0].github = Some(GithubAccess {
        role_name: "koa-github-ecr-access".into(),
        repositories: vec![GithubRepository {
            organisation: "*".into(),
            repository: "GiftCardService".into(),
        }],
        environments: Vec::new(),
        refs: Vec::new(),
        allow_any_organisation: false,
        job_workflow_refs: Vec::new(),
    });
    d.modules[0].account_access[0].can_write = true;
    let plan = plan_of(&d, &empty());
    assert!(
        plan.notes
            .iter()
            .any(|n| n.severity == Severity::Error && n.message.contains("repo:*/"))
    );
    assert!(
        plan.notes
            .iter()
            .any(|n| n.severity == Severity::Warning && n.message.contains("931827427725"))
    );
    assert!(!plan.is_applyable());

    // Declaring the opt-in makes the open trust a warning the plan can be applied with.
    if let Some(github) = d.modules[0].github.as_mut() {
        github.allow_any_organisation = true;
    }
    let plan = plan_of(&d, &empty());
    assert!(plan.notes.iter().any(|n| n.severity == Severity::Warning
        && n.message.contains("repo:*/")
        && n.message.contains("allow_any_organisation")));
    assert!(plan.is_applyable(), "{:?}", plan.notes);
}

#[test]
fn replication_is_managed_only_when_declared() {
    let rule = ReplicationRule {
        destinations: vec![ReplicationDestination {
            region: "eu-north-1".into(),
            registry_id: "354918371398".into(),
        }],
        repository_prefixes: vec![],
    };
    let mut live = applied(&koa());
    live.objects
        .push(LiveObject::new(Resource::Replication(Replication {
            rules: vec![rule],
        })));
    live.normalise();
    assert!(
        plan_of(&koa(), &live).is_empty(),
        "undeclared replication is left alone"
    );
    assert!(
        drift(&koa(), &live, false).expect("drift").in_sync(),
        "the registry's replication is not the estate's business"
    );
    let report = drift(&koa(), &live, true).expect("drift");
    assert_eq!(report.unmanaged.len(), 1);
    assert_eq!(report.unmanaged[0].id.kind, Kind::Replication);

    let mut clear = koa();
    clear.replications = vec![ecrplan_model::OnRegistry::default_provider(
        Replication::default(),
    )];
    let plan = plan_of(&clear, &live);
    assert_eq!(
        find(&plan, "replication_configuration").action,
        Action::Update
    );
    let after = apply_in_memory(&plan, &live, ownership(&clear));
    assert!(plan_of(&clear, &after).is_empty());
    assert!(
        plan_of(&clear, &applied(&koa())).is_empty(),
        "empty block, nothing live: no-op"
    );
}

#[test]
fn drift_classifies_everything() {
    let mut live = delete_live();
    live.objects
        .retain(|o| o.resource.kind() != Kind::LifecyclePolicy);
    live.objects.push(LiveObject::new(Resource::Repository(
        ecrplan_model::Repository {
            name: "hand-made".into(),
            image_tag_mutability: Default::default(),
            image_tag_mutability_exclusion_filters: Vec::new(),
            scan_on_push: false,
            encryption: Encryption::Aes256,
            tags: Tags::new(),
        },
    )));
    let o = get_mut(&mut live, Kind::Repository, "giftcard-service");
    if let Resource::Repository(r) = &mut o.resource {
        r.scan_on_push = true;
    }
    live.normalise();
    let mut desired = koa();
    desired.modules[0].settings.lifecycle = Some(ecrplan_model::LifecycleSpec::Generated {
        keep_last: Some(10),
        expire_untagged_after_days: None,
    });
    let report = drift(&desired, &live, true).expect("drift");
    assert!(!report.in_sync());
    assert_eq!(report.changed.len(), 2, "{:#?}", report.changed);
    let repo = report
        .changed
        .iter()
        .find(|c| c.id.kind == Kind::Repository)
        .expect("repository drift");
    assert_eq!(repo.attributes.len(), 1);
    assert_eq!(repo.attributes[0].attribute, "scan_on_push");
    assert_eq!(report.missing.len(), 1);
    assert_eq!(report.missing[0].id.kind, Kind::LifecyclePolicy);
    assert_eq!(report.undeclared.len(), 2, "{:#?}", report.undeclared);
    assert_eq!(report.unmanaged.len(), 1);
    let estate_only = drift(&desired, &live, false).expect("drift");
    assert!(
        estate_only.unmanaged.is_empty(),
        "{:#?}",
        estate_only.unmanaged
    );
    assert_eq!(
        (
            estate_only.changed,
            estate_only.missing,
            estate_only.undeclared
        ),
        (report.changed, report.missing, report.undeclared)
    );
    assert!(
        drift(&koa(), &applied(&koa()), false)
            .expect("drift")
            .in_sync()
    );
}

#[test]
fn declared_twice_is_an_error() {
    let mut d = koa();
    let mut second = koa_module();
    second.name = "again".into();
    second.github = None;
    d.modules.push(second);
    assert!(matches!(
        plan(&d, &empty(), "h"),
        Err(PlanError::DeclaredTwice { .. })
    ));
}

#[test]
fn dot_has_every_change_and_edge() {
    let plan = plan_of(&koa(), &empty());
    let dot = graph_dot(&plan);
    assert!(dot.starts_with("digraph ecrplan {"));
    for c in &plan.changes {
        assert!(dot.contains(&format!(
            "\"{}\" [label",
            c.address.to_string().replace('"', "\\\"")
        )));
    }
    assert_eq!(dot.matches(" -> ").count(), 4, "{dot}");
}

#[test]
fn checker_refuses_deleting_a_provider_a_staying_role_trusts() {
    let live = applied(&koa());
    let mut nothing = koa();
    nothing.modules.clear();
    let mut p = plan_of(&nothing, &live);
    assert!(
        ecrplan_diff::check(&p, &live).is_empty(),
        "the role goes too"
    );
    p.changes.retain(|c| c.id.kind != Kind::Role);
    let notes = ecrplan_diff::check(&p, &live);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].severity, Severity::Error);
    assert!(
        notes[0].message.contains("koa-github-ecr-access"),
        "{}",
        notes[0].message
    );
}

#[test]
fn policy_delete_of_an_adopted_repository_waits_for_the_adoption() {
    let mut live = adopt_live();
    live.objects
        .push(LiveObject::new(Resource::RepositoryPolicy(
            ecrplan_model::RepositoryPolicy {
                repository: "giftcard-service".into(),
                document: JsonDocument::new(json!({"Statement": []})),
            },
        )));
    live.normalise();
    let mut d = koa();
    d.modules[0].account_access.clear();
    let plan = plan_of(&d, &live);
    let repo = find(&plan, r#"module.ecr-koa.repository["giftcard-service"]"#);
    assert_eq!(repo.action, Action::Adopt);
    let policy = find(
        &plan,
        r#"module.ecr-koa.repository_policy["giftcard-service"]"#,
    );
    assert_eq!(policy.action, Action::Delete);
    assert!(
        policy.depends_on.contains(&repo.address),
        "without --adopt the executor skips the adoption and what depends on it: {}",
        listing(&plan)
    );
}

#[test]
fn replace_takes_force_from_the_declaration_not_the_live_tag() {
    let mut live = applied(&koa());
    let repo = get_mut(&mut live, Kind::Repository, "giftcard-service");
    repo.holds_images = Some(true);
    if let Resource::Repository(r) = &mut repo.resource {
        r.tags.insert(tags::FORCE_DELETE.into(), "true".into());
    }
    let plan = plan_of(&kms_koa(), &live);
    let repo = find(&plan, r#"module.ecr-koa.repository["giftcard-service"]"#);
    assert_eq!(repo.action, Action::Replace);
    assert!(!repo.force, "force_delete was removed in the same edit");
    assert!(!plan.is_applyable(), "{}", listing(&plan));
}

#[test]
fn provider_only_an_updated_role_stopped_trusting_is_deleted() {
    let circleci = "oidc.circleci.com/org/0000";
    let mut live = applied(&koa());
    let mut extra = get_mut(
        &mut live,
        Kind::OidcProvider,
        "token.actions.githubusercontent.com",
    )
    .clone();
    if let Resource::OidcProvider(p) = &mut extra.resource {
        p.url = circleci.into();
    }
    live.objects.push(extra);
    if let Resource::Role(r) = &mut get_mut(&mut live, Kind::Role, "koa-github-ecr-access").resource
    {
        let arn = format!("arn:aws:iam::354918371398:oidc-provider/{circleci}");
        let statement = json!({"Effect": "Allow", "Principal": {"Federated": arn},
            "Action": "sts:AssumeRoleWithWebIdentity"});
        match r.trust.make_mut().get_mut("Statement") {
            Some(serde_json::Value::Array(items)) => items.push(statement),
            other => panic!("{other:?}"),
        }
    }
    live.normalise();
    let plan = plan_of(&koa(), &live);
    let role = find(&plan, "module.ecr-koa.github_role");
    assert_eq!(role.action, Action::Update);
    let provider = find(&plan, &format!("oidc_provider[{circleci:?}]"));
    assert_eq!(provider.action, Action::Delete, "{}", listing(&plan));
    assert!(provider.depends_on.contains(&role.address));
    assert!(plan.is_applyable(), "{:?}", plan.notes);
}

#[test]
fn policies_recreated_with_a_replaced_repository_are_not_missing() {
    let mut live = applied(&koa());
    get_mut(&mut live, Kind::Repository, "giftcard-service").holds_images = Some(false);
    let plan = plan_of(&kms_koa(), &live);
    let policy = find(
        &plan,
        r#"module.ecr-koa.repository_policy["giftcard-service"]"#,
    );
    assert_eq!(policy.action, Action::Create);
    assert!(
        policy.before.is_some(),
        "the policy exists until the replace"
    );
    let report = drift(&kms_koa(), &live, false).expect("drift");
    assert!(report.missing.is_empty(), "{:#?}", report.missing);
    assert_eq!(report.changed.len(), 1);
}

#[test]
fn unchanged_cross_account_push_policy_is_not_flagged_again() {
    let mut d = koa();
    d.modules[0].account_access[0].can_write = true;
    let created = plan_of(&d, &empty());
    assert!(
        created
            .notes
            .iter()
            .any(|n| n.message.contains("lets other accounts push")),
        "{}",
        listing(&created)
    );
    let unchanged = plan_of(&d, &applied(&d));
    assert!(unchanged.is_empty());
    assert!(unchanged.notes.is_empty(), "{}", listing(&unchanged));
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// The koa estate as applied, with `AdministratorAccess` attached to its role by hand.
fn with_admin_attached() -> LiveEstate {
    let mut live = applied(&koa());
    live.objects
        .push(LiveObject::new(Resource::RolePolicyAttachment(
            ecrplan_model::RolePolicyAttachment {
                role: "koa-github-ecr-access".into(),
                policy_arn: ADMIN.into(),
            },
        )));
    live.normalise();
    live
}

/// Issue 11: a managed policy attached out of band to an owned role was invisible to plan and
/// drift.
#[test]
fn a_managed_policy_attached_to_an_owned_role_is_drift_and_detached() {
    let live = with_admin_attached();
    let p = plan_of(&koa(), &live);
    let detach = find(
        &p,
        &format!("module.ecr-koa.github_role_policy_attachment[\"koa-github-ecr-access:{ADMIN}\"]"),
    );
    assert_eq!(detach.action, Action::Delete);
    assert_eq!(
        detach.id.to_string(),
        format!("aws_iam_role_policy_attachment \"koa-github-ecr-access:{ADMIN}\"")
    );
    assert!(
        p.fingerprints.keys().any(|k| k.contains(ADMIN)),
        "a saved plan must go stale when the attachment changes"
    );
    let report = drift(&koa(), &live, false).expect("drift");
    assert!(!report.in_sync());
    assert_eq!(report.undeclared.len(), 1, "{report:?}");
    assert!(report.undeclared[0].id.key.ends_with(ADMIN));
    let after = apply_in_memory(&p, &live, ownership(&koa()));
    assert!(plan_of(&koa(), &after).is_empty());
}

/// The detach runs before the role's delete, which IAM refuses while a policy is attached.
#[test]
fn an_attached_policy_is_detached_before_its_role_is_deleted() {
    let live = with_admin_attached();
    let mut nothing = koa();
    nothing.modules.clear();
    let p = plan_of(&nothing, &live);
    let position = |kind: Kind| {
        p.changes
            .iter()
            .position(|c| c.id.kind == kind && c.action == Action::Delete)
            .unwrap_or_else(|| panic!("no delete of {kind:?}: {}", listing(&p)))
    };
    assert!(
        position(Kind::RolePolicyAttachment) < position(Kind::Role),
        "{}",
        listing(&p)
    );
    let role = p
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::Role)
        .expect("role delete");
    assert!(
        role.depends_on
            .iter()
            .any(|a| a.kind == Kind::RolePolicyAttachment),
        "{}",
        listing(&p)
    );
}

/// Issue 11: drift skipped hand-made roles that trust the estate's CI provider, even under
/// `/ecrplan/`. They are nobody's estate, so the account-wide audit reports them (issue 10: a
/// team's own drift stays green whatever else the account holds).
#[test]
fn drift_reports_a_hand_made_role_trusting_the_estates_ci_provider() {
    let mut live = applied(&koa());
    let trusting = live
        .objects
        .iter()
        .find_map(|o| match &o.resource {
            Resource::Role(r) => Some(r.clone()),
            _ => None,
        })
        .expect("koa has a role");
    let by_hand = |name: &str, federated: &str| {
        let mut r = trusting.clone();
        r.name = name.into();
        r.tags = Tags::new();
        r.trust.make_mut()["Statement"][0]["Principal"]["Federated"] = json!(federated);
        LiveObject::new(Resource::Role(r))
    };
    let github = format!(
        "arn:aws:iam::{}:oidc-provider/token.actions.githubusercontent.com",
        account().id
    );
    live.objects.push(by_hand("escalation", &github));
    live.objects.push(by_hand(
        "other-ci",
        &format!(
            "arn:aws:iam::{}:oidc-provider/oidc.circleci.com/org/x",
            account().id
        ),
    ));
    live.normalise();
    let report = drift(&koa(), &live, true).expect("drift");
    let reported: Vec<&str> = report.unmanaged.iter().map(|u| u.id.key.as_str()).collect();
    assert_eq!(reported, ["escalation"], "{report:?}");
    assert!(
        report.unmanaged[0]
            .reason
            .contains("token.actions.githubusercontent.com"),
        "{}",
        report.unmanaged[0].reason
    );
}

/// Issue 11 asks that every inline policy of an owned role is seen: one added by hand is
/// deleted, like an attached managed policy.
#[test]
fn an_inline_policy_added_by_hand_to_an_owned_role_is_deleted() {
    let mut live = applied(&koa());
    live.objects.push(LiveObject::new(Resource::RolePolicy(
        ecrplan_model::RolePolicy {
            role: "koa-github-ecr-access".into(),
            name: "added-by-hand".into(),
            document: JsonDocument::new(
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            ),
        },
    )));
    live.normalise();
    let p = plan_of(&koa(), &live);
    let stray = p
        .changes
        .iter()
        .find(|c| c.id.key == "koa-github-ecr-access:added-by-hand")
        .expect("the stray policy is in the plan");
    assert_eq!(stray.action, Action::Delete);
    let report = drift(&koa(), &live, false).expect("drift");
    assert_eq!(report.undeclared.len(), 1, "{report:?}");
}

/// Issue 21: a named estate whose module block was skipped (a mistyped `source`) plans no
/// delete of that module's repository, role or OIDC provider: the plan refuses and names the
/// module and the object. The provider carries no module tag; it is kept because the role that
/// trusts it is.
#[test]
fn issue_21_objects_of_a_skipped_module_are_never_deleted() {
    let mut desired = koa();
    desired.modules.clear();
    desired.skipped_modules.insert("ecr-koa".into());
    let refused = |live: &LiveEstate| match plan(&desired, live, "h") {
        Err(e @ PlanError::SkippedModule { .. }) => {
            let message = e.to_string();
            assert!(message.contains("module `ecr-koa`"), "{message}");
            assert!(message.contains("skipped"), "{message}");
            let PlanError::SkippedModule { module, id, .. } = e else {
                unreachable!()
            };
            assert_eq!(module, "ecr-koa");
            id.kind
        }
        other => panic!("{other:?}"),
    };
    let live = applied(&koa());
    assert!(refused(&live) != Kind::OidcProvider);
    for kind in [Kind::Repository, Kind::Role] {
        let mut live = live.clone();
        live.objects
            .retain(|o| [kind, Kind::OidcProvider].contains(&o.resource.kind()));
        assert_eq!(refused(&live), kind);
    }
    // A skipped block of another name keeps nothing: the removed module's objects go.
    desired.skipped_modules = ["vpc".to_owned()].into();
    let plan = plan_of(&desired, &live);
    for kind in [Kind::Repository, Kind::Role, Kind::OidcProvider] {
        assert!(
            plan.changes
                .iter()
                .any(|c| c.action == Action::Delete && c.id.kind == kind),
            "{kind:?}"
        );
    }
}

/// Issue 22: an undeclared object is reported with what the account shows of where it came
/// from. A policy or attachment of a form ecrplan never writes was made by hand (the
/// `AdministratorAccess` on the role and the group, an inline policy on the user or under a
/// name ecrplan does not use); one of an object ecrplan never tagged was too; the repository
/// and its policy that an earlier configuration declared are no longer declared; a repository
/// policy of a declared repository is ecrplan's form, and without a state file nobody can say
/// whether a person or an earlier `account_access` made it.
#[test]
fn issue_22_drift_tells_hand_made_objects_from_ones_no_longer_declared() {
    use ecrplan_diff::Origin;
    use ecrplan_model::identity::CiUser;
    use ecrplan_model::{Access, GroupPolicyAttachment, RolePolicy, RolePolicyAttachment};
    use ecrplan_model::{UserPolicy, UserPolicyAttachment};
    let mut old = koa();
    old.modules[0].repositories.push("legacy-service".into());
    old.modules[0].identities.ci_user = Some(CiUser {
        user_name: "koa-ci".into(),
        group_name: "koa-ci-group".into(),
        access: Access::Push,
        policy: None,
        force_delete: false,
    });
    let mut live = applied(&old);
    let document = JsonDocument::new(json!({"Statement": []}));
    live.objects.extend(
        [
            Resource::RolePolicyAttachment(RolePolicyAttachment {
                role: "koa-github-ecr-access".into(),
                policy_arn: ADMIN.into(),
            }),
            Resource::RolePolicy(RolePolicy {
                role: "koa-github-ecr-access".into(),
                name: "added-by-hand".into(),
                document: document.clone(),
            }),
            Resource::UserPolicy(UserPolicy {
                user: "koa-ci".into(),
                name: "ecr-access".into(),
                document: document.clone(),
            }),
            Resource::UserPolicyAttachment(UserPolicyAttachment {
                user: "koa-ci".into(),
                policy_arn: ADMIN.into(),
            }),
            Resource::GroupPolicyAttachment(GroupPolicyAttachment {
                group: "koa-ci-group".into(),
                policy_arn: ADMIN.into(),
            }),
        ]
        .map(LiveObject::new),
    );
    live.normalise();
    let mut now = old.clone();
    now.modules[0].repositories.pop();
    now.modules[0].account_access.clear();
    let report = drift(&now, &live, false).expect("drift");
    let origins: Vec<(String, Origin)> = report
        .undeclared
        .iter()
        .map(|u| (u.id.key.clone(), u.origin))
        .collect();
    let of = |key: &str| {
        origins
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, o)| *o)
            .unwrap_or_else(|| panic!("{key} is not reported: {origins:?}"))
    };
    for key in [
        format!("koa-github-ecr-access:{ADMIN}"),
        "koa-github-ecr-access:added-by-hand".into(),
        "koa-ci:ecr-access".into(),
        format!("koa-ci:{ADMIN}"),
        format!("koa-ci-group:{ADMIN}"),
    ] {
        assert_eq!(of(&key), Origin::ByHand, "{key}");
    }
    assert_eq!(of("legacy-service"), Origin::NoLongerDeclared);
    let policies: Vec<Origin> = report
        .undeclared
        .iter()
        .filter(|u| u.id.kind == Kind::RepositoryPolicy)
        .map(|u| (u.id.key.as_str(), u.origin))
        .map(|(key, origin)| {
            let expected = if key == "legacy-service" {
                Origin::NoLongerDeclared
            } else {
                Origin::Undetermined
            };
            assert_eq!(origin, expected, "{key}");
            origin
        })
        .collect();
    assert_eq!(policies.len(), 2, "{origins:?}");
    assert_eq!(report.undeclared.len(), 8, "{origins:?}");

    // A policy of a repository ecrplan never tagged (adopted now) was not ecrplan's.
    let mut adopting = adopt_live();
    adopting
        .objects
        .push(LiveObject::new(Resource::LifecyclePolicy(
            ecrplan_model::LifecyclePolicy {
                repository: "giftcard-service".into(),
                document: JsonDocument::new(json!({"rules": []})),
            },
        )));
    adopting.normalise();
    let report = drift(&koa(), &adopting, false).expect("drift");
    let lifecycle = report
        .undeclared
        .iter()
        .find(|u| u.id.kind == Kind::LifecyclePolicy)
        .expect("the lifecycle policy is undeclared");
    assert_eq!(lifecycle.origin, Origin::ByHand);
}
