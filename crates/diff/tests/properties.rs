//! Properties of the planner over random configurations and random accounts: applying a plan
//! converges, and no change is ever ordered before something it depends on.

mod common;

use std::collections::BTreeMap;

use common::*;
use ecrplan_diff::plan;
use ecrplan_model::{
    AccountAccess, Action, CircleciAccess, DesiredEstate, Encryption, GithubAccess,
    GithubRepository, LifecycleSpec, LiveEstate, LiveObject, Module, Plan, RepositorySettings,
    Resource, Severity, TagMutability, tags,
};
use proptest::prelude::*;

fn module_strategy(index: usize) -> impl Strategy<Value = Module> {
    (
        proptest::collection::btree_set(0..6usize, 0..4),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(1..20u32),
        proptest::collection::vec((0..3usize, any::<bool>()), 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            move |(repos, immutable, scan, kms, keep, access, github, circleci)| Module {
                provider: None,
                name: format!("m{index}"),
                source: "./modules/ecr".into(),
                repositories: repos
                    .into_iter()
                    .map(|r| format!("m{index}-repo-{r}"))
                    .collect(),
                settings: RepositorySettings {
                    image_tag_mutability: if immutable {
                        TagMutability::Immutable
                    } else {
                        TagMutability::Mutable
                    },
                    image_tag_mutability_exclusion_filters: Vec::new(),
                    scan_on_push: scan,
                    encryption: if kms {
                        Encryption::Kms {
                            kms_key: "arn:aws:kms:eu-west-1:354918371398:key/k".into(),
                        }
                    } else {
                        Encryption::Aes256
                    },
                    lifecycle: keep.map(|n| LifecycleSpec::Generated {
                        keep_last: Some(n),
                        expire_untagged_after_days: None,
                    }),
                    tags: Default::default(),
                    force_delete: false,
                },
                account_access: access
                    .into_iter()
                    .map(|(a, w)| AccountAccess {
                        description: format!("a{a}"),
                        account_id: format!("93182742772{a}"),
                        can_write: w,
                    })
                    .collect(),
                github: github.then(|| GithubAccess {
                    role_name: format!("m{index}-github"),
                    repositories: vec![GithubRepository {
                        organisation: "example".into(),
                        repository: format!("m{index}"),
                    }],
                    environments: Vec::new(),
                    refs: Vec::new(),
                    allow_any_organisation: false,
                    job_workflow_refs: Vec::new(),
                }),
                circleci: circleci.then(|| CircleciAccess {
                    role_name: format!("m{index}-circleci"),
                    organisation_id: "0a1b2c3d".into(),
                    project_ids: vec![format!("p{index}")],
                }),
                push_actions: Module::default_push_actions(),
                ci_outputs: Default::default(),
                identities: Default::default(),
            },
        )
}

fn estate_strategy(name: &'static str) -> impl Strategy<Value = DesiredEstate> {
    (
        module_strategy(0),
        module_strategy(1),
        module_strategy(2),
        1..=3usize,
    )
        .prop_map(move |(a, b, c, n)| DesiredEstate {
            providers: Default::default(),
            name: name.into(),
            anonymous: false,
            provider: Default::default(),
            modules: [a, b, c].into_iter().take(n).collect(),
            replications: Vec::new(),
            skipped_modules: Default::default(),
            registries: Vec::new(),
            targets: Default::default(),
        })
}

/// What can happen to an object between two runs.
#[derive(Clone, Debug)]
enum Mutation {
    Keep,
    Gone,
    Untagged,
    Edited,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => Just(Mutation::Keep),
        1 => Just(Mutation::Gone),
        1 => Just(Mutation::Untagged),
        1 => Just(Mutation::Edited),
    ]
}

/// A live account: what an earlier configuration of the same estate left behind, changed by
/// hand here and there, next to another estate's objects.
fn live_strategy() -> impl Strategy<Value = LiveEstate> {
    (
        estate_strategy("koa"),
        estate_strategy("payments"),
        proptest::collection::vec(mutation(), 40),
    )
        .prop_map(|(before, foreign, mutations)| {
            let mut objects = applied(&before).objects;
            for (o, m) in objects.iter_mut().zip(mutations.iter().cycle()) {
                match m {
                    Mutation::Keep | Mutation::Gone => {}
                    Mutation::Untagged => {
                        if let Some(t) = o.resource.tags_mut() {
                            t.retain(|k, _| !tags::is_reserved(k));
                        }
                        *o = LiveObject::new(o.resource.clone());
                    }
                    Mutation::Edited => match &mut o.resource {
                        Resource::Repository(r) => r.scan_on_push = !r.scan_on_push,
                        Resource::Role(r) => {
                            r.trust.make_mut()["Statement"] = serde_json::json!([])
                        }
                        Resource::RolePolicy(p) => {
                            p.document.make_mut()["Version"] = "2008-10-17".into()
                        }
                        Resource::RepositoryPolicy(p) => {
                            p.document.make_mut()["Statement"] = serde_json::json!([])
                        }
                        _ => {}
                    },
                }
            }
            let mut gone = mutations
                .iter()
                .cycle()
                .map(|m| matches!(m, Mutation::Gone));
            objects.retain(|_| !gone.next().unwrap_or(false));
            // Policies cannot outlive the repository or role they belong to.
            let registry = account().registry();
            let ids: Vec<_> = objects.iter().map(|o| o.resource.id(&registry)).collect();
            objects.retain(|o| {
                o.resource
                    .parent(&registry)
                    .is_none_or(|p| ids.contains(&p))
            });
            // The other estate's objects: distinct names, and it may own the shared provider.
            let mut foreign = foreign.clone();
            for m in &mut foreign.modules {
                m.name = format!("pay-{}", m.name);
                m.repositories = m.repositories.iter().map(|r| format!("pay-{r}")).collect();
                if let Some(g) = &mut m.github {
                    g.role_name = format!("pay-{}", g.role_name);
                }
                if let Some(c) = &mut m.circleci {
                    c.role_name = format!("pay-{}", c.role_name);
                }
            }
            let present: Vec<_> = objects.iter().map(|o| o.resource.id(&registry)).collect();
            objects.extend(
                applied(&foreign)
                    .objects
                    .into_iter()
                    .filter(|o| !present.contains(&o.resource.id(&registry))),
            );
            let mut live = LiveEstate {
                aliases: Default::default(),
                account: account(),
                objects,
            };
            live.normalise();
            live
        })
}

fn assert_ordered(plan: &Plan) -> Result<(), TestCaseError> {
    let position: BTreeMap<String, usize> = plan
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.address.to_string(), i))
        .collect();
    prop_assert_eq!(position.len(), plan.changes.len(), "addresses are unique");
    let mut seen_delete = false;
    for (i, c) in plan.changes.iter().enumerate() {
        if c.action == Action::Delete {
            seen_delete = true;
        } else {
            prop_assert!(!seen_delete, "{} comes after a delete", c.address);
        }
        for d in &c.depends_on {
            let j = position.get(&d.to_string()).copied();
            prop_assert!(
                j.is_some_and(|j| j < i),
                "{} is ordered before its dependency {}",
                c.address,
                d
            );
        }
        if c.action != Action::Delete
            && let Some(parent) = c.after.as_ref().and_then(|r| r.parent_in(&c.id.scope))
        {
            let p = plan.changes.iter().position(|x| x.id == parent);
            prop_assert!(p.is_some_and(|p| p < i), "{} before its parent", c.address);
        }
    }
    Ok(())
}

/// Repositories adopted with another encryption than declared are replaced by the next plan:
/// adoption never recreates, and the planner says so with a warning.
fn adopted_with_other_encryption(plan: &Plan) -> Vec<String> {
    plan.notes
        .iter()
        .filter(|n| {
            n.severity == Severity::Warning
                && n.message.contains("adopting keeps the live encryption")
        })
        .filter_map(|n| n.address.as_ref().map(ToString::to_string))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_converges(desired in estate_strategy("koa"), live in live_strategy()) {
        let first = plan(&desired, &live, "h").expect("plan");
        assert_ordered(&first)?;
        let live2 = apply_in_memory(&first, &live, ownership(&desired));
        let second = plan(&desired, &live2, "h").expect("second plan");
        assert_ordered(&second)?;
        let allowed = adopted_with_other_encryption(&first);
        for c in second.changes.iter().filter(|c| c.action != Action::NoOp) {
            prop_assert!(
                allowed.contains(&c.address.to_string()) && c.action == Action::Replace
                    || c.after.as_ref().and_then(|r| r.parent_in(&c.id.scope)).is_some_and(|p| second
                        .changes
                        .iter()
                        .any(|x| x.id == p && x.action == Action::Replace)),
                "perpetual diff: {} {}", c.action, c.address
            );
        }
        let live3 = apply_in_memory(&second, &live2, ownership(&desired));
        let third = plan(&desired, &live3, "h").expect("third plan");
        prop_assert!(third.is_empty(), "{:?}", third.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| c.address.to_string()).collect::<Vec<_>>());
    }

    #[test]
    fn plans_are_deterministic(desired in estate_strategy("koa"), live in live_strategy()) {
        let mut shuffled = live.clone();
        shuffled.objects.reverse();
        prop_assert_eq!(plan(&desired, &live, "h").expect("plan"), plan(&desired, &shuffled, "h").expect("plan"));
    }
}
