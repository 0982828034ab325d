//! Estates sharing one account (issue 10): unnamed estates never delete what they do not
//! declare, a named estate takes over an unnamed one's objects by adoption, a role belongs to
//! the region whose run made it, and drift is about the estate unless asked for the account.

mod common;

use common::*;
use ecrplan_diff::{PlanError, drift, plan};
use ecrplan_model::{
    Account, Action, DesiredEstate, Encryption, Kind, LiveEstate, LiveObject, Plan, Repository,
    Resource, Severity, Tags, tags,
};

fn plan_of(desired: &DesiredEstate, live: &LiveEstate) -> Plan {
    plan(desired, live, "h").expect("plan")
}

/// The seed as a directory without an `ecrplan` block declares it.
fn anonymous_koa() -> DesiredEstate {
    let mut d = koa();
    d.name = "default".into();
    d.anonymous = true;
    d
}

/// A second unnamed directory: its own repository and role.
fn anonymous_web() -> DesiredEstate {
    let mut d = anonymous_koa();
    d.modules[0].name = "ecr-web".into();
    d.modules[0].repositories = vec!["web".into()];
    if let Some(g) = &mut d.modules[0].github {
        g.role_name = "web-github".into();
    }
    d
}

fn merged(estates: &[&LiveEstate], account: Account) -> LiveEstate {
    let mut objects: Vec<LiveObject> = Vec::new();
    let registry = account.registry();
    for e in estates {
        for o in &e.objects {
            if !objects
                .iter()
                .any(|x| x.resource.id(&registry) == o.resource.id(&registry))
            {
                objects.push(o.clone());
            }
        }
    }
    let mut live = LiveEstate {
        aliases: Default::default(),
        account,
        objects,
    };
    live.normalise();
    live
}

fn deletes(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .map(|c| format!("{:?} {}", c.id.kind, c.id.key))
        .collect()
}

fn unmanaged_repository(name: &str) -> LiveObject {
    LiveObject::new(Resource::Repository(Repository {
        name: name.into(),
        image_tag_mutability: Default::default(),
        scan_on_push: false,
        encryption: Encryption::Aes256,
        image_tag_mutability_exclusion_filters: Vec::new(),
        tags: Tags::new(),
    }))
}

/// The same live objects as seen from a run in `region`: IAM is global, ECR is not.
fn iam_only_in(live: &LiveEstate, region: &str) -> LiveEstate {
    let mut out = LiveEstate {
        aliases: Default::default(),
        account: Account::new(account().id, region),
        objects: live
            .objects
            .iter()
            .filter(|o| {
                matches!(
                    o.resource.kind(),
                    Kind::Role | Kind::RolePolicy | Kind::OidcProvider
                )
            })
            .cloned()
            .collect(),
    };
    out.normalise();
    out
}

#[test]
fn two_anonymous_directories_keep_each_others_objects() {
    let koa_live = apply_in_memory(
        &plan_of(&anonymous_koa(), &empty()),
        &empty(),
        ownership(&anonymous_koa()),
    );
    let web = anonymous_web();
    let first = plan_of(&web, &koa_live);
    assert!(deletes(&first).is_empty(), "{:?}", deletes(&first));
    let both = apply_in_memory(&first, &koa_live, ownership(&web));
    for d in [anonymous_koa(), anonymous_web()] {
        let again = plan_of(&d, &both);
        assert!(again.is_empty(), "{:?}", again.changes);
        assert!(again.is_applyable());
    }
    assert!(
        first
            .notes
            .iter()
            .any(|n| n.severity == Severity::Warning && n.message.contains("names no estate")),
        "{:?}",
        first.notes
    );
}

#[test]
fn a_directory_with_no_ecr_module_plans_nothing_destructive() {
    let live = merged(&[&applied(&anonymous_koa())], account());
    let mut nothing = anonymous_koa();
    nothing.modules.clear();
    let plan = plan_of(&nothing, &live);
    assert!(plan.is_empty(), "{:?}", plan.changes);
    assert!(plan.changes.is_empty());
    let note = plan
        .notes
        .iter()
        .find(|n| n.message.contains("names no estate"))
        .expect("the note says why nothing is deleted");
    assert!(note.message.contains("3 objects"), "{}", note.message);
}

#[test]
fn named_estate_deletes_what_it_removes_but_an_anonymous_one_keeps_it() {
    let mut named = koa();
    named.modules.clear();
    let deleted = deletes(&plan_of(&named, &applied(&koa())));
    assert_eq!(deleted.len(), 5, "{deleted:?}");

    let mut anonymous = anonymous_koa();
    anonymous.modules.clear();
    assert!(deletes(&plan_of(&anonymous, &applied(&anonymous_koa()))).is_empty());
}

#[test]
fn anonymous_estate_still_removes_policies_of_what_it_declares() {
    let live = applied(&anonymous_koa());
    let mut d = anonymous_koa();
    d.modules[0].account_access.clear();
    let plan = plan_of(&d, &live);
    assert_eq!(
        deletes(&plan),
        ["RepositoryPolicy giftcard-service".to_owned()]
    );
}

#[test]
fn named_estate_adopts_the_unnamed_estates_objects() {
    let live = applied(&anonymous_koa());
    let named = koa();
    let plan = plan_of(&named, &live);
    let adopted: Vec<Kind> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Adopt)
        .map(|c| c.id.kind)
        .collect();
    assert_eq!(
        adopted,
        [Kind::Repository, Kind::Role],
        "{:?}",
        plan.changes
    );
    assert!(deletes(&plan).is_empty());
    assert!(
        plan.notes.iter().any(|n| n
            .message
            .contains("apply --adopt moves it into estate \"koa\"")),
        "{:?}",
        plan.notes
    );
    let after = apply_in_memory(&plan, &live, ownership(&named));
    assert!(plan_of(&named, &after).is_empty());
    let role = after
        .objects
        .iter()
        .find(|o| o.resource.kind() == Kind::Role)
        .and_then(|o| o.owner.clone())
        .expect("owned role");
    assert_eq!(role.estate, "koa");

    // An unnamed estate's role made in another region stays that region's.
    let london = iam_only_in(&live, "eu-west-2");
    match ecrplan_diff::plan(&named, &london, "h") {
        Err(PlanError::OtherRegion { estate, region, .. }) => {
            assert_eq!((estate.as_str(), region.as_str()), ("default", "eu-west-1"));
        }
        other => panic!("{other:?}"),
    }

    // Another named estate's objects stay foreign.
    match ecrplan_diff::plan(&anonymous_koa(), &after, "h") {
        Err(PlanError::Foreign { estate, .. }) => assert_eq!(estate, "koa"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn roles_carry_the_region_of_the_run() {
    let objects = koa().objects(&ecrplan_model::Reach::single(account()));
    let role = objects
        .iter()
        .find_map(|o| match &o.resource {
            Resource::Role(r) => Some(r),
            _ => None,
        })
        .expect("a role");
    assert_eq!(
        role.tags.get(tags::REGION).map(String::as_str),
        Some("eu-west-1")
    );
    let provider = objects
        .iter()
        .find(|o| o.resource.kind() == Kind::OidcProvider)
        .expect("a provider");
    assert!(
        !provider
            .resource
            .tags()
            .expect("tags")
            .contains_key(tags::REGION),
        "the OIDC provider is shared by every region and estate"
    );
}

#[test]
fn a_role_made_in_another_region_is_never_deleted_or_declared() {
    let ireland = applied(&koa());
    let london = iam_only_in(&ireland, "eu-west-2");

    match plan(&koa(), &london, "h") {
        Err(PlanError::OtherRegion { region, here, .. }) => {
            assert_eq!((region.as_str(), here.as_str()), ("eu-west-1", "eu-west-2"));
        }
        other => panic!("{other:?}"),
    }

    let mut repositories_only = koa();
    repositories_only.modules[0].github = None;
    let plan = plan_of(&repositories_only, &london);
    assert!(deletes(&plan).is_empty(), "{:?}", deletes(&plan));
    assert!(plan.is_applyable(), "{:?}", plan.notes);
    assert!(
        plan.notes
            .iter()
            .any(|n| n.message.contains("koa-github-ecr-access still trust")),
        "the shared provider is kept while the other region's role trusts it: {:?}",
        plan.notes
    );

    let mut nothing = koa();
    nothing.modules.clear();
    assert!(deletes(&plan_of(&nothing, &london)).is_empty());
    // In its own region the removed role goes.
    assert_eq!(deletes(&plan_of(&nothing, &ireland)).len(), 5);
}

/// A live estate as ecrplan made it before roles carried the region tag.
fn legacy(live: &LiveEstate) -> LiveEstate {
    let mut live = live.clone();
    for o in &mut live.objects {
        if let Resource::Role(r) = &mut o.resource {
            r.tags.remove(tags::REGION);
            *o = LiveObject::new(o.resource.clone());
        }
    }
    live.normalise();
    live
}

#[test]
fn legacy_roles_without_the_region_tag_are_deleted_only_where_provably_made() {
    let ireland = legacy(&applied(&koa()));
    let declared = plan_of(&koa(), &ireland);
    let role = declared
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::Role)
        .expect("role");
    assert_eq!(role.action, Action::Update, "declaring it adds the tag");

    let mut nothing = koa();
    nothing.modules.clear();
    // Its push policy names eu-west-1 repositories: this region's run made it.
    let here = plan_of(&nothing, &ireland);
    assert!(
        deletes(&here).contains(&"Role koa-github-ecr-access".to_owned()),
        "{:?}",
        deletes(&here)
    );

    let london = iam_only_in(&ireland, "eu-west-2");
    let elsewhere = plan_of(&nothing, &london);
    assert!(deletes(&elsewhere).is_empty(), "{:?}", deletes(&elsewhere));
    assert!(
        elsewhere.notes.iter().any(|n| n
            .message
            .contains("nothing proves this region's run made it")),
        "{:?}",
        elsewhere.notes
    );
}

#[test]
fn drift_is_about_the_estate_unless_account_wide() {
    let mut payments = koa();
    payments.name = "payments".into();
    payments.modules[0].repositories = vec!["pay".into()];
    if let Some(g) = &mut payments.modules[0].github {
        g.role_name = "pay-github".into();
    }
    let mut live = merged(&[&applied(&koa()), &applied(&payments)], account());
    live.objects.push(unmanaged_repository("hand-made-1"));
    live.objects.push(unmanaged_repository("hand-made-2"));
    live.normalise();

    let estate = drift(&koa(), &live, false).expect("drift");
    assert!(estate.in_sync(), "{estate:#?}");
    assert!(estate.other_estates.is_empty());
    assert!(!estate.account_wide);

    let audit = drift(&koa(), &live, true).expect("drift");
    assert!(!audit.in_sync());
    assert!(audit.account_wide);
    let unmanaged: Vec<&str> = audit.unmanaged.iter().map(|u| u.id.key.as_str()).collect();
    assert_eq!(unmanaged, ["hand-made-1", "hand-made-2"]);
    assert_eq!(
        audit.other_estates.into_iter().collect::<Vec<_>>(),
        [("payments".to_owned(), 2)],
        "payments' repository and role; the shared provider is declared here"
    );

    // An estate out of sync is red either way.
    let mut changed = live.clone();
    changed
        .objects
        .retain(|o| o.resource.key() != "giftcard-service");
    assert_eq!(
        drift(&koa(), &changed, false).expect("drift").missing.len(),
        2
    );
}

#[test]
fn naming_the_estate_default_explicitly_warns_about_its_deletes() {
    let mut explicit = anonymous_koa();
    explicit.anonymous = false;
    let live = merged(
        &[&applied(&anonymous_koa()), &applied(&anonymous_web())],
        account(),
    );
    let plan = plan_of(&explicit, &live);
    assert_eq!(deletes(&plan).len(), 4, "{:?}", deletes(&plan));
    assert!(
        plan.notes.iter().any(|n| n
            .message
            .starts_with("this plan deletes 2 objects of the estate \"default\", the name")),
        "{:?}",
        plan.notes
    );
    // An anonymous plan deletes none of those, and only says what it kept.
    let mut policy_only = anonymous_koa();
    policy_only.modules[0].account_access.clear();
    let plan = plan_of(&policy_only, &live);
    assert_eq!(deletes(&plan).len(), 1);
    assert!(!plan.notes.iter().any(|n| {
        n.message
            .contains("the name every directory without an estate shares")
    }));
}
