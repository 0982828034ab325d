//! Estates built by hand for the planner's tests, and an in-memory apply.

#![allow(dead_code, missing_docs)]

use ecrplan_model::{
    Account, AccountAccess, Action, DesiredEstate, GithubAccess, GithubRepository, LiveEstate,
    LiveObject, Module, Operation, Plan, RepositorySettings, Resource, Tags,
};

/// The account every test plans against.
pub fn account() -> Account {
    Account::new("354918371398", "eu-west-1")
}

/// The seed's `module "ecr-koa"`, as ecrplan-hcl would decode it.
pub fn koa_module() -> Module {
    Module {
        provider: None,
        name: "ecr-koa".into(),
        source: "../../../../modules/ecr-repos".into(),
        repositories: vec!["giftcard-service".into()],
        settings: RepositorySettings::default(),
        account_access: vec![AccountAccess {
            description: "aws-koa-dev".into(),
            account_id: "931827427725".into(),
            can_write: false,
        }],
        github: Some(GithubAccess {
            role_name: "koa-github-ecr-access".into(),
            repositories: vec![GithubRepository {
                organisation: "JPPOL-KOA".into(),
                repository: "GiftCardService".into(),
            }],
            environments: Vec::new(),
            refs: Vec::new(),
            allow_any_organisation: false,
            job_workflow_refs: Vec::new(),
        }),
        circleci: None,
        push_actions: Module::default_push_actions(),
        ci_outputs: Default::default(),
        identities: Default::default(),
    }
}

/// The seed estate: one module, estate `koa`.
pub fn koa() -> DesiredEstate {
    DesiredEstate {
        providers: Default::default(),
        name: "koa".into(),
        anonymous: false,
        provider: Default::default(),
        modules: vec![koa_module()],
        replications: Vec::new(),
        skipped_modules: Default::default(),
        registries: Vec::new(),
        targets: Default::default(),
    }
}

/// A module with `n` repositories named `{prefix}-{i}` and nothing else.
pub fn bulk_module(name: &str, prefix: &str, n: usize) -> Module {
    Module {
        provider: None,
        name: name.into(),
        source: "./modules/ecr".into(),
        repositories: (0..n).map(|i| format!("{prefix}-{i:05}")).collect(),
        settings: RepositorySettings::default(),
        account_access: Vec::new(),
        github: None,
        circleci: None,
        push_actions: Module::default_push_actions(),
        ci_outputs: Default::default(),
        identities: Default::default(),
    }
}

/// The live estate that a complete apply of `desired` leaves behind.
pub fn applied(desired: &DesiredEstate) -> LiveEstate {
    let mut live = LiveEstate::empty(account());
    live.objects = desired
        .objects(&ecrplan_model::Reach::single(account()))
        .into_iter()
        .map(|o| LiveObject::new(o.resource))
        .collect();
    live.normalise();
    live
}

/// An empty account.
pub fn empty() -> LiveEstate {
    LiveEstate::empty(account())
}

/// Carries out a plan on a live estate in memory, through the same `Change::operations` the
/// executor calls, the way a provider would.
pub fn apply_in_memory(
    plan: &Plan,
    live: &LiveEstate,
    ownership: impl Fn(&Plan, usize) -> Tags,
) -> LiveEstate {
    let mut objects: Vec<LiveObject> = live.objects.clone();
    let registry = live.registry();
    for (i, change) in plan.changes.iter().enumerate() {
        if change.action == Action::NoOp {
            continue;
        }
        for op in change.operations(&ownership(plan, i)) {
            match op {
                Operation::Create { resource } => {
                    objects.retain(|o| {
                        o.resource.key() != resource.key() || o.resource.kind() != resource.kind()
                    });
                    objects.push(LiveObject::new(resource));
                }
                Operation::Update { after, .. } => {
                    objects.retain(|o| {
                        o.resource.key() != after.key() || o.resource.kind() != after.kind()
                    });
                    objects.push(LiveObject::new(after));
                }
                Operation::Delete { resource, .. } => {
                    let id = resource.id(&registry);
                    objects.retain(|o| {
                        o.resource.id(&registry) != id
                            && o.resource.parent(&registry).as_ref() != Some(&id)
                    });
                }
                Operation::Tag { id, tags } => {
                    for o in objects
                        .iter_mut()
                        .filter(|o| o.resource.id(&registry) == id)
                    {
                        if let Some(t) = o.resource.tags_mut() {
                            t.extend(tags.clone());
                        }
                        *o = LiveObject::new(o.resource.clone());
                    }
                }
            }
        }
    }
    let mut out = LiveEstate {
        aliases: Default::default(),
        account: live.account.clone(),
        objects,
    };
    out.normalise();
    out
}

/// The ownership tags an adoption adds: the estate and the change's module.
pub fn ownership(desired: &DesiredEstate) -> impl Fn(&Plan, usize) -> Tags + '_ {
    move |plan, i| desired.ownership_tags(plan.changes[i].address.module.as_deref())
}

/// A resource with its tags replaced, for building foreign and unmanaged live objects.
pub fn with_tags(mut r: Resource, tags: Tags) -> Resource {
    if let Some(t) = r.tags_mut() {
        *t = tags;
    }
    r
}
