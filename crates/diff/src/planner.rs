//! The planner: matches desired objects with live ones by AWS identity and decides one action
//! for each, with ownership read from the account's tags (there is no state file).

use std::collections::{BTreeMap, BTreeSet};

use ecrplan_model::identity;
use ecrplan_model::{
    ANONYMOUS_ESTATE, Action, Address, Change, DesiredEstate, DesiredObject, Encryption, Kind,
    LiveEstate, LiveObject, Note, ObjectId, Owner, PLAN_FORMAT_VERSION, Plan, RegionHome, Registry,
    Replication, Resource, Rule, Scope, Severity, statements, strings, tags,
};

use crate::check::check;
use crate::compare::compare;
use crate::error::PlanError;
use crate::graph::order;
use crate::live_index::{LiveIndex, roles_trusting};
use crate::registry;
use crate::replication;

/// Compares what the configuration declares with what the account holds and returns every
/// change, ordered for the executor, with the checker's notes. Pure: the same inputs always
/// give the same plan.
pub fn plan(
    desired: &DesiredEstate,
    live: &LiveEstate,
    config_hash: &str,
) -> Result<Plan, PlanError> {
    let (changes, mut notes) = changes(desired, live)?;
    let changes = order(changes)?;
    let fingerprints = live.fingerprints();
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        estate: desired.name.clone(),
        account: live.account.clone(),
        registries: registries(&changes, live),
        config_hash: config_hash.to_owned(),
        config_dir: None,
        targets: desired.targets.iter().cloned().collect(),
        fingerprints,
        changes,
        notes: Vec::new(),
        configuration: Default::default(),
    };
    notes.extend(check(&plan, live));
    notes.sort_by(|a, b| {
        (b.severity, &a.address, &a.message).cmp(&(a.severity, &b.address, &b.message))
    });
    notes.dedup();
    plan.notes = notes;
    Ok(plan)
}

/// The registries a plan spans: those read, and every registry a change is scoped to (an IAM
/// change's account is reached through a registry of that account).
fn registries(changes: &[Change], live: &LiveEstate) -> Vec<Registry> {
    let mut out: BTreeSet<Registry> = live.reach().registries().into_iter().collect();
    for change in changes {
        if let Scope::Registry(r) = &change.id.scope {
            out.insert(r.clone());
        }
    }
    out.into_iter().collect()
}

/// The unordered changes and the notes the planner itself raises.
fn changes(
    desired: &DesiredEstate,
    live: &LiveEstate,
) -> Result<(Vec<Change>, Vec<Note>), PlanError> {
    let index = LiveIndex::new(live);
    let declared = desired.objects(&live.reach());
    let mut seen: BTreeMap<ObjectId, Address> = BTreeMap::new();
    for d in &declared {
        let id = d.id();
        if let Some(first) = seen.insert(id.clone(), d.address.clone()) {
            return Err(PlanError::DeclaredTwice {
                first: Box::new(first),
                second: Box::new(d.address.clone()),
                id: Box::new(id),
            });
        }
    }

    let holding = registry::holding(desired, &index)?;
    let mut out: Vec<Change> = Vec::new();
    let mut notes = registry::scope_notes(desired, &index);
    notes.extend(replication::notes(desired, &index));
    let mut actions: BTreeMap<ObjectId, Action> = BTreeMap::new();
    // Objects with tags first, so that policies can look at their parent's action.
    let (parents, policies): (Vec<_>, Vec<_>) = declared
        .into_iter()
        .partition(|d| d.resource.parent_key().is_none());
    for DesiredObject {
        address,
        resource: mut after,
    } in parents.into_iter().chain(policies)
    {
        let id = after.id_in(address.scope.clone());
        let found = index.get(&id);
        if let (Resource::Role(want), Some(Resource::Role(have))) =
            (&mut after, found.map(|o| &o.resource))
        {
            // IAM cannot move a role to another path; an adopted role keeps its own.
            want.path.clone_from(&have.path);
        }
        if let (Resource::User(want), Some(Resource::User(have))) =
            (&mut after, found.map(|o| &o.resource))
        {
            // The path is part of the user's ARN, which CI systems hold: an adopted user keeps it.
            want.path.clone_from(&have.path);
        }
        let mut change = Change {
            address,
            id: id.clone(),
            action: Action::NoOp,
            before: found.map(|o| o.resource.clone()),
            after: None,
            replace_because: Vec::new(),
            force: false,
            depends_on: Vec::new(),
        };
        let resource = &after;
        change.action = if let Resource::Replication(want) = resource {
            replication_action(want, found)
        } else if registry::is_registry_kind(resource.kind()) {
            registry::action(&holding, resource, found, &mut change)
        } else if let Some(object) = found {
            if resource.parent_key().is_some() {
                let parent = resource
                    .parent_in(&id.scope)
                    .and_then(|p| actions.get(&p).copied());
                if parent == Some(Action::Replace) {
                    // The policy vanishes with the repository it belongs to and is created
                    // again; `before` stays, since the object exists until the replace runs.
                    Action::Create
                } else {
                    compare(&object.resource, resource)
                }
            } else {
                // The region a declared IAM object is made for: its module's, in its tag.
                let here = resource
                    .tags()
                    .and_then(|t| t.get(tags::REGION))
                    .cloned()
                    .unwrap_or_else(|| live.account.region.clone());
                match index.owner(object) {
                    Some(owner) if owner.estate != desired.name => {
                        if resource.kind() == Kind::OidcProvider {
                            // Shared: another estate made it and keeps it as it is.
                            after = object.resource.clone();
                            Action::NoOp
                        } else if let Some(region) = other_region(owner, resource, &here) {
                            return Err(PlanError::OtherRegion {
                                address: Box::new(change.address),
                                id: Box::new(id),
                                estate: owner.estate.clone(),
                                region,
                                here,
                            });
                        } else if owner.estate == ANONYMOUS_ESTATE && !desired.anonymous {
                            // A named estate may take over what an unnamed one made: unnamed
                            // estates never delete what they do not declare, so nothing fights back.
                            notes.push(Note {
                                severity: Severity::Warning,
                                rule: Rule::UnnamedEstateAdoption,
                                address: Some(change.address.clone()),
                                message: format!(
                                    "{id} belongs to the unnamed estate \"{ANONYMOUS_ESTATE}\"; \
                                 apply --adopt moves it into estate \"{}\" (remove it from the \
                                 unnamed directory's configuration too)",
                                    desired.name
                                ),
                            });
                            adopt(&change.address, &mut after, object, &mut notes);
                            Action::Adopt
                        } else {
                            return Err(PlanError::Foreign {
                                address: Box::new(change.address),
                                id: Box::new(id),
                                estate: owner.estate.clone(),
                            });
                        }
                    }
                    None => {
                        adopt(&change.address, &mut after, object, &mut notes);
                        Action::Adopt
                    }
                    Some(owner) if other_region(owner, resource, &here).is_some() => {
                        return Err(PlanError::OtherRegion {
                            address: Box::new(change.address),
                            id: Box::new(id),
                            estate: desired.name.clone(),
                            region: owner.region.clone().unwrap_or_default(),
                            here,
                        });
                    }
                    Some(_) => {
                        let action = compare(&object.resource, resource);
                        if action == Action::Update
                            && encryption_differs(&object.resource, resource)
                        {
                            change.replace_because.push("encryption".into());
                            // The replace deletes what the user declares now, so the declared
                            // `force_delete` decides, not the tag the live repository still carries.
                            change.force = force_delete(resource);
                            Action::Replace
                        } else {
                            action
                        }
                    }
                }
            }
        } else {
            Action::Create
        };
        change.after = Some(after);
        actions.insert(id, change.action);
        out.push(change);
    }

    let deleted = deletions(desired, &index, &seen, &actions, &out, &mut notes)?;
    out.extend(deleted);
    out.extend(registry::deletions(
        desired, &holding, &index, &seen, &mut notes,
    ));
    notes.extend(anonymous_keeps(desired, &index, &seen));
    Ok((out, notes))
}

/// Why an anonymous estate's plan deletes nothing it does not declare, when that matters: the
/// account holds unnamed-estate objects this directory does not declare.
fn anonymous_keeps(
    desired: &DesiredEstate,
    index: &LiveIndex<'_>,
    declared: &BTreeMap<ObjectId, Address>,
) -> Option<Note> {
    if !desired.anonymous {
        return None;
    }
    let kept = index
        .iter()
        .filter(|(id, o)| {
            o.resource.parent_key().is_none()
                && !declared.contains_key(*id)
                && o.owner
                    .as_ref()
                    .is_some_and(|w| w.estate == ANONYMOUS_ESTATE)
        })
        .count();
    (kept > 0).then(|| Note {
        severity: Severity::Warning,
        rule: Rule::UnnamedEstateKeeps,
        address: None,
        message: format!(
            "this directory names no estate, so its plans never delete what it does not declare: \
             {kept} object{} of unnamed estates {} kept (other directories' or removed from this \
             one); name the estate (`ecrplan {{ estate = \"…\" }}`) to have removed objects deleted",
            if kept == 1 { "" } else { "s" },
            if kept == 1 { "is" } else { "are" },
        ),
    })
}

/// Which region's run of the estate a global IAM object belongs to, as far as this run can
/// tell.
enum Home {
    /// This region's (or the object is not a role).
    Here,
    /// Another region's, named by its tag.
    Elsewhere,
    /// A role made before ecrplan recorded regions, whose push policy does not prove that it
    /// was made here.
    Unknown,
}

/// The home of a role or role policy that this run does not declare: this run's when its region
/// is one this run reaches in its account. A role without the region tag is this run's only when
/// its push policy names repositories of this run's regions and no other: the repository ARNs
/// are the one record of where it was made.
fn home(index: &LiveIndex<'_>, id: &ObjectId, object: &LiveObject) -> Home {
    let here: BTreeSet<String> = index
        .registries()
        .into_iter()
        .filter(|r| r.account == id.scope.account())
        .map(|r| r.region)
        .collect();
    let role = match object.resource.region_home() {
        RegionHome::Role(role) => role,
        RegionHome::Recorded => {
            return match index.owner(object).and_then(|o| o.region.as_deref()) {
                Some(r) if !here.contains(r) => Home::Elsewhere,
                _ => Home::Here,
            };
        }
        RegionHome::Here => return Home::Here,
    };
    match index.owner(object).and_then(|o| o.region.as_deref()) {
        Some(r) if here.contains(r) => Home::Here,
        Some(_) => Home::Elsewhere,
        None => {
            let regions: BTreeSet<&str> = index
                .iter()
                .filter_map(|(_, o)| {
                    let Resource::RolePolicy(p) = &o.resource else {
                        return None;
                    };
                    (p.role == *role).then_some(&*p.document)
                })
                .flat_map(statements)
                .flat_map(|s| strings(s.get("Resource")))
                .filter_map(|arn| {
                    let mut parts = arn.split(':');
                    (parts.nth(2) == Some("ecr"))
                        .then(|| parts.next())
                        .flatten()
                })
                .collect();
            if !regions.is_empty() && regions.iter().all(|r| here.contains(*r)) {
                Home::Here
            } else {
                Home::Unknown
            }
        }
    }
}

/// The region of another run that made a declared role, if its tag names one: IAM is global,
/// so only the tag tells this region's role from another's.
fn other_region(owner: &Owner, resource: &Resource, here: &str) -> Option<String> {
    owner
        .region
        .clone()
        .filter(|r| matches!(resource.kind(), Kind::Role | Kind::User | Kind::Group) && r != here)
}

fn replication_action(want: &Replication, found: Option<&LiveObject>) -> Action {
    let have = found.and_then(|o| {
        if let Resource::Replication(r) = &o.resource {
            Some(r)
        } else {
            None
        }
    });
    let canon = |r: &Replication| Resource::Replication(r.clone()).canonical();
    let empty = Replication::default();
    if canon(have.unwrap_or(&empty)) == canon(want) {
        Action::NoOp
    } else if have.is_some() {
        Action::Update
    } else {
        Action::Create
    }
}

fn encryption_differs(before: &Resource, after: &Resource) -> bool {
    let enc = |r: &Resource| {
        if let Resource::Repository(r) = r {
            Some(r.encryption.clone())
        } else {
            None
        }
    };
    enc(before) != enc(after)
}

/// Whether a repository carries the permission to delete it with its images.
fn force_delete(resource: &Resource) -> bool {
    resource
        .tags()
        .and_then(|t| t.get(tags::FORCE_DELETE))
        .is_some_and(|v| v == "true")
}

/// Adoption only adds tags and updates in place: a repository keeps its live encryption, and
/// the user is told that the configuration asks for another.
fn adopt(address: &Address, after: &mut Resource, object: &LiveObject, notes: &mut Vec<Note>) {
    if let (Resource::Repository(want), Resource::Repository(have)) = (after, &object.resource)
        && want.encryption != have.encryption
    {
        notes.push(Note {
            severity: Severity::Warning,
            rule: Rule::AdoptEncryption,
            address: Some(address.clone()),
            message: format!(
                "repository {} is encrypted with {} but the configuration asks for {}; adopting \
                 keeps the live encryption, and the next plan will replace the repository",
                have.name,
                encryption_name(&have.encryption),
                encryption_name(&want.encryption)
            ),
        });
        want.encryption = have.encryption.clone();
    }
}

fn encryption_name(e: &Encryption) -> String {
    match e {
        Encryption::Aes256 => "AES256".into(),
        Encryption::Kms { kms_key } => format!("KMS ({kms_key})"),
    }
}

/// Deletes for objects this estate owns that are no longer declared. An anonymous estate
/// deletes only policies of objects it declares; nobody deletes a role another region's run of
/// the estate made. A delete of an object whose module is a skipped block refuses the plan.
fn deletions(
    desired: &DesiredEstate,
    index: &LiveIndex<'_>,
    declared: &BTreeMap<ObjectId, Address>,
    actions: &BTreeMap<ObjectId, Action>,
    planned: &[Change],
    notes: &mut Vec<Note>,
) -> Result<Vec<Change>, PlanError> {
    let refuse_skipped = |id: &ObjectId, object: &LiveObject| {
        let module = index.owner(object).and_then(|o| o.module.as_ref());
        match module.filter(|m| desired.skipped_modules.contains(*m)) {
            Some(module) => Err(PlanError::SkippedModule {
                module: module.clone(),
                address: Box::new(deleted_address(index, id, object)),
                id: Box::new(id.clone()),
            }),
            None => Ok(()),
        }
    };
    // A policy of an object being adopted becomes this estate's with it.
    let ours = |o: &LiveObject| {
        let parent = o.resource.parent(&index.registry_of(o));
        if desired.anonymous && !parent.as_ref().is_some_and(|p| declared.contains_key(p)) {
            return false;
        }
        index.owner(o).is_some_and(|w| w.estate == desired.name)
            || parent.is_some_and(|p| actions.get(&p) == Some(&Action::Adopt))
    };
    let mut out = Vec::new();
    let mut providers = Vec::new();
    for (id, object) in index.iter() {
        if declared.contains_key(id)
            || id.kind == Kind::Replication
            || registry::is_registry_kind(id.kind)
            || !ours(object)
            || !desired.targets_module(index.owner(object).and_then(|o| o.module.as_deref()))
        {
            continue;
        }
        if let Some(parent) = object.resource.parent(&index.registry_of(object))
            && actions.get(&parent) == Some(&Action::Replace)
        {
            continue;
        }
        if id.kind == Kind::OidcProvider {
            providers.push((id, object));
            continue;
        }
        let role_declared = object
            .resource
            .parent(&index.registry_of(object))
            .is_some_and(|p| declared.contains_key(&p));
        match home(index, id, object) {
            _ if role_declared => {}
            Home::Here => {}
            Home::Elsewhere => continue,
            Home::Unknown => {
                if id.kind == Kind::Role {
                    notes.push(Note {
                        severity: Severity::Warning,
                        rule: Rule::LegacyRoleKept,
                        address: Some(deleted_address(index, id, object)),
                        message: format!(
                            "role {} is no longer declared but is kept: it was made before \
                             ecrplan recorded regions, and nothing proves this region's run made \
                             it; declare it here once to claim it, or delete it by hand",
                            id.key
                        ),
                    });
                }
                continue;
            }
        }
        refuse_skipped(id, object)?;
        let mut change = delete(index, id, object);
        if let Some(parent) = object.resource.parent(&index.registry_of(object))
            && actions.get(&parent) == Some(&Action::Adopt)
        {
            // The parent has no ownership tags yet, so its declaration names the module; the
            // graph makes this delete wait for (and be skipped with) the adoption.
            change.address.module = declared.get(&parent).and_then(|a| a.module.clone());
        }
        out.push(change);
    }
    let changes: Vec<&Change> = planned.iter().chain(&out).collect();
    let mut provider_deletes = Vec::new();
    for (id, object) in providers {
        let trusting = roles_trusting(id, &changes, index);
        if trusting.is_empty() {
            refuse_skipped(id, object)?;
            provider_deletes.push(delete(index, id, object));
        } else {
            notes.push(Note {
                severity: Severity::Warning,
                rule: Rule::TrustedOidcProvider,
                address: Some(deleted_address(index, id, object)),
                message: format!(
                    "OIDC provider {} is no longer declared but is kept: role(s) {} still trust it",
                    id.key,
                    trusting.join(", ")
                ),
            });
        }
    }
    out.extend(provider_deletes);
    Ok(out)
}

fn delete(index: &LiveIndex<'_>, id: &ObjectId, object: &LiveObject) -> Change {
    Change {
        address: deleted_address(index, id, object),
        id: id.clone(),
        action: Action::Delete,
        before: Some(object.resource.clone()),
        after: None,
        replace_because: Vec::new(),
        force: force_delete(&object.resource),
        depends_on: Vec::new(),
    }
}

/// Where a deleted object was declared, from the same builder that names declared ones, with
/// the module from its ownership tags. Roles and their policies are indexed by role name, so a
/// renamed role never collides with its successor; singletons have no index.
fn deleted_address(index: &LiveIndex<'_>, id: &ObjectId, object: &LiveObject) -> Address {
    let kind = id.kind;
    let mut address = Address::new(kind, id.scope.clone());
    if let Some(module) = index.owner(object).and_then(|o| o.module.as_deref()) {
        address = address.in_module(module);
    }
    if kind.spec().per_identity {
        let role = object.resource.parent_key().unwrap_or(&id.key);
        let trust = index
            .get(&ObjectId::new(Kind::Role, id.scope.clone(), role))
            .and_then(|o| {
                if let Resource::Role(r) = &o.resource {
                    Some(&r.trust)
                } else {
                    None
                }
            });
        address = address.for_identity(identity::serving(trust));
    }
    if !kind.spec().singleton {
        address = address.indexed(&id.key);
    }
    index.reach().address(address)
}
