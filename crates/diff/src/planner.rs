//! The planner: matches desired objects with live ones by AWS identity and decides one action
//! for each, with ownership read from the account's tags (there is no state file).

use std::collections::{BTreeMap, BTreeSet};

use ecrplan_model::{
    ANONYMOUS_ESTATE, Account, Action, Address, Change, DesiredEstate, DesiredObject, Encryption,
    Kind, LiveEstate, LiveObject, Note, ObjectId, Owner, PLAN_FORMAT_VERSION, Plan, Replication,
    Resource, Rule, Severity, tags,
};

use crate::PlanError;
use crate::check::{check, roles_trusting};
use crate::graph::{order, statements, strings};

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
    let fingerprints = live
        .objects
        .iter()
        .map(|o| (o.resource.id().to_string(), o.fingerprint()))
        .collect();
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        estate: desired.name.clone(),
        account: live.account.clone(),
        config_hash: config_hash.to_owned(),
        config_dir: None,
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

/// The live objects by identity, with each policy's owner taken from its parent whether or not
/// the provider normalised the estate.
pub(crate) struct LiveIndex<'a> {
    objects: BTreeMap<ObjectId, &'a LiveObject>,
}

impl<'a> LiveIndex<'a> {
    pub(crate) fn new(live: &'a LiveEstate) -> Self {
        Self {
            objects: live.objects.iter().map(|o| (o.resource.id(), o)).collect(),
        }
    }

    pub(crate) fn get(&self, id: &ObjectId) -> Option<&'a LiveObject> {
        self.objects.get(id).copied()
    }

    /// The owner of an object: its own tags, or its parent's for policies.
    pub(crate) fn owner<'b>(&self, object: &'b LiveObject) -> Option<&'b Owner>
    where
        'a: 'b,
    {
        match object.resource.parent() {
            Some(parent) => self.get(&parent).and_then(|p| p.owner.as_ref()),
            None => object.owner.as_ref(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ObjectId, &'a LiveObject)> {
        self.objects.iter().map(|(id, o)| (id, *o))
    }
}

/// The unordered changes and the notes the planner itself raises.
fn changes(
    desired: &DesiredEstate,
    live: &LiveEstate,
) -> Result<(Vec<Change>, Vec<Note>), PlanError> {
    let index = LiveIndex::new(live);
    let declared = desired.objects(&live.account);
    let mut seen: BTreeMap<ObjectId, Address> = BTreeMap::new();
    for d in &declared {
        let id = d.resource.id();
        if let Some(first) = seen.insert(id.clone(), d.address.clone()) {
            return Err(PlanError::DeclaredTwice {
                first: Box::new(first),
                second: Box::new(d.address.clone()),
                id,
            });
        }
    }

    let mut out: Vec<Change> = Vec::new();
    let mut notes = Vec::new();
    let mut actions: BTreeMap<ObjectId, Action> = BTreeMap::new();
    // Objects with tags first, so that policies can look at their parent's action.
    let (parents, policies): (Vec<_>, Vec<_>) = declared
        .into_iter()
        .partition(|d| d.resource.parent().is_none());
    for DesiredObject {
        address,
        resource: mut after,
    } in parents.into_iter().chain(policies)
    {
        let id = after.id();
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
        change.action = match (&after, found) {
            (Resource::Replication(want), found) => replication_action(want, found),
            (_, None) => Action::Create,
            (resource, Some(object)) if resource.parent().is_some() => {
                let parent = resource.parent().and_then(|p| actions.get(&p).copied());
                if parent == Some(Action::Replace) {
                    // The policy vanishes with the repository it belongs to and is created
                    // again; `before` stays, since the object exists until the replace runs.
                    Action::Create
                } else {
                    compare(&object.resource, resource)
                }
            }
            (resource, Some(object)) => match index.owner(object) {
                Some(owner) if owner.estate != desired.name => {
                    if resource.kind() == Kind::OidcProvider {
                        // Shared: another estate made it and keeps it as it is.
                        after = object.resource.clone();
                        Action::NoOp
                    } else if let Some(region) = other_region(owner, resource, &live.account) {
                        return Err(PlanError::OtherRegion {
                            address: Box::new(change.address),
                            id,
                            estate: owner.estate.clone(),
                            region,
                            here: live.account.region.clone(),
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
                            id,
                            estate: owner.estate.clone(),
                        });
                    }
                }
                None => {
                    adopt(&change.address, &mut after, object, &mut notes);
                    Action::Adopt
                }
                Some(owner) if other_region(owner, resource, &live.account).is_some() => {
                    return Err(PlanError::OtherRegion {
                        address: Box::new(change.address),
                        id,
                        estate: desired.name.clone(),
                        region: owner.region.clone().unwrap_or_default(),
                        here: live.account.region.clone(),
                    });
                }
                Some(_) => {
                    let action = compare(&object.resource, resource);
                    if action == Action::Update && encryption_differs(&object.resource, resource) {
                        change.replace_because.push("encryption".into());
                        // The replace deletes what the user declares now, so the declared
                        // `force_delete` decides, not the tag the live repository still carries.
                        change.force = force_delete(resource);
                        Action::Replace
                    } else {
                        action
                    }
                }
            },
        };
        change.after = Some(after);
        actions.insert(id, change.action);
        out.push(change);
    }

    let deleted = deletions(desired, live, &index, &seen, &actions, &out, &mut notes);
    out.extend(deleted);
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
            o.resource.parent().is_none()
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

/// The home of a role or role policy that this run does not declare. A role without the region
/// tag is this region's only when its push policy names repositories of this region and no
/// other: the repository ARNs are the one record of where it was made.
fn home(index: &LiveIndex<'_>, object: &LiveObject, region: &str) -> Home {
    let role = match &object.resource {
        Resource::Role(r) => &r.name,
        Resource::RolePolicy(p) => &p.role,
        // Static-key users and their groups always record their region (tag or path).
        Resource::User(_)
        | Resource::Group(_)
        | Resource::GroupMembership(_)
        | Resource::GroupPolicy(_)
        | Resource::UserPolicy(_)
        | Resource::UserPolicyAttachment(_)
        | Resource::GroupPolicyAttachment(_) => {
            return match index.owner(object).and_then(|o| o.region.as_deref()) {
                Some(r) if r != region => Home::Elsewhere,
                _ => Home::Here,
            };
        }
        _ => return Home::Here,
    };
    match index.owner(object).and_then(|o| o.region.as_deref()) {
        Some(r) if r == region => Home::Here,
        Some(_) => Home::Elsewhere,
        None => {
            let regions: BTreeSet<&str> = index
                .iter()
                .filter_map(|(_, o)| match &o.resource {
                    Resource::RolePolicy(p) if p.role == *role => Some(&*p.document),
                    _ => None,
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
            if regions.len() == 1 && regions.contains(region) {
                Home::Here
            } else {
                Home::Unknown
            }
        }
    }
}

/// The region of another run that made a declared role, if its tag names one: IAM is global,
/// so only the tag tells this region's role from another's.
fn other_region(owner: &Owner, resource: &Resource, account: &Account) -> Option<String> {
    owner.region.clone().filter(|r| {
        matches!(resource.kind(), Kind::Role | Kind::User | Kind::Group) && *r != account.region
    })
}

fn compare(before: &Resource, after: &Resource) -> Action {
    // Equal values are equal canonically; AWS mostly hands back what was sent, so the cheap
    // test settles most objects of a large estate.
    if before == after || before.canonical() == after.canonical() {
        Action::NoOp
    } else {
        Action::Update
    }
}

fn replication_action(want: &Replication, found: Option<&LiveObject>) -> Action {
    let have = match found.map(|o| &o.resource) {
        Some(Resource::Replication(r)) => Some(r),
        _ => None,
    };
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
    let enc = |r: &Resource| match r {
        Resource::Repository(r) => Some(r.encryption.clone()),
        _ => None,
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
/// the estate made.
fn deletions(
    desired: &DesiredEstate,
    live: &LiveEstate,
    index: &LiveIndex<'_>,
    declared: &BTreeMap<ObjectId, Address>,
    actions: &BTreeMap<ObjectId, Action>,
    planned: &[Change],
    notes: &mut Vec<Note>,
) -> Vec<Change> {
    // A policy of an object being adopted becomes this estate's with it.
    let ours = |o: &LiveObject| {
        let parent = o.resource.parent();
        if desired.anonymous && !parent.as_ref().is_some_and(|p| declared.contains_key(p)) {
            return false;
        }
        index.owner(o).is_some_and(|w| w.estate == desired.name)
            || parent.is_some_and(|p| actions.get(&p) == Some(&Action::Adopt))
    };
    let mut out = Vec::new();
    let mut providers = Vec::new();
    for (id, object) in index.iter() {
        if declared.contains_key(id) || id.kind == Kind::Replication || !ours(object) {
            continue;
        }
        if let Some(parent) = object.resource.parent()
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
            .parent()
            .is_some_and(|p| declared.contains_key(&p));
        match home(index, object, &live.account.region) {
            _ if role_declared => {}
            Home::Here => {}
            Home::Elsewhere => continue,
            Home::Unknown => {
                if id.kind == Kind::Role {
                    notes.push(Note {
                        severity: Severity::Warning,
                        rule: Rule::LegacyRoleKept,
                        address: Some(deleted_address(index, object)),
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
        let mut change = delete(index, id, object);
        if let Some(parent) = object.resource.parent()
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
        let trusting = roles_trusting(&id.key, &changes, index);
        if trusting.is_empty() {
            provider_deletes.push(delete(index, id, object));
        } else {
            notes.push(Note {
                severity: Severity::Warning,
                rule: Rule::TrustedOidcProvider,
                address: Some(deleted_address(index, object)),
                message: format!(
                    "OIDC provider {} is no longer declared but is kept: role(s) {} still trust it",
                    id.key,
                    trusting.join(", ")
                ),
            });
        }
    }
    out.extend(provider_deletes);
    out
}

fn delete(index: &LiveIndex<'_>, id: &ObjectId, object: &LiveObject) -> Change {
    Change {
        address: deleted_address(index, object),
        id: id.clone(),
        action: Action::Delete,
        before: Some(object.resource.clone()),
        after: None,
        replace_because: Vec::new(),
        force: force_delete(&object.resource),
        depends_on: Vec::new(),
    }
}

/// Which identity a role of a deleted declaration served, from its trust: the `<name>` of
/// `module.M.<name>_role`.
fn role_identity(trust: Option<&ecrplan_model::JsonDocument>) -> &'static str {
    let Some(trust) = trust else {
        return "github";
    };
    let urls = trust.federated_providers();
    if urls.iter().any(|u| u.starts_with("oidc.circleci.com/")) {
        "circleci"
    } else if urls.iter().any(|u| u == ecrplan_model::GITHUB_ISSUER) {
        "github"
    } else if !urls.is_empty() {
        "gitlab"
    } else {
        "assumed"
    }
}

/// Where a deleted object was declared, rebuilt from its ownership tags. Roles and role
/// policies are indexed by role name, so a renamed role never collides with its successor.
fn deleted_address(index: &LiveIndex<'_>, object: &LiveObject) -> Address {
    let module = index.owner(object).and_then(|o| o.module.clone());
    let ci = |role: &str| {
        let trust = index
            .get(&ObjectId {
                kind: Kind::Role,
                key: role.to_owned(),
            })
            .and_then(|o| match &o.resource {
                Resource::Role(r) => Some(&r.trust),
                _ => None,
            });
        role_identity(trust)
    };
    let (kind, name, key) = match &object.resource {
        Resource::Repository(r) => (Kind::Repository, "repository".to_owned(), r.name.clone()),
        Resource::RepositoryPolicy(p) => (
            Kind::RepositoryPolicy,
            "repository_policy".to_owned(),
            p.repository.clone(),
        ),
        Resource::LifecyclePolicy(p) => (
            Kind::LifecyclePolicy,
            "lifecycle_policy".to_owned(),
            p.repository.clone(),
        ),
        Resource::OidcProvider(p) => (
            Kind::OidcProvider,
            "oidc_provider".to_owned(),
            p.url.clone(),
        ),
        Resource::Role(r) => (Kind::Role, format!("{}_role", ci(&r.name)), r.name.clone()),
        Resource::RolePolicy(p) => (
            Kind::RolePolicy,
            format!("{}_role_policy", ci(&p.role)),
            format!("{}:{}", p.role, p.name),
        ),
        Resource::RolePolicyAttachment(a) => (
            Kind::RolePolicyAttachment,
            format!("{}_role_policy_attachment", ci(&a.role)),
            format!("{}:{}", a.role, a.policy_arn),
        ),
        Resource::Replication(_) => (
            Kind::Replication,
            "replication_configuration".to_owned(),
            String::new(),
        ),
        Resource::User(u) => (Kind::User, "ci_user".to_owned(), u.name.clone()),
        Resource::Group(g) => (Kind::Group, "ci_group".to_owned(), g.name.clone()),
        Resource::GroupMembership(m) => (
            Kind::GroupMembership,
            "ci_group_membership".to_owned(),
            format!("{}:{}", m.group, m.user),
        ),
        Resource::GroupPolicy(p) => (
            Kind::GroupPolicy,
            "ci_group_policy".to_owned(),
            format!("{}:{}", p.group, p.name),
        ),
        Resource::UserPolicy(p) => (
            Kind::UserPolicy,
            "ci_user_policy".to_owned(),
            format!("{}:{}", p.user, p.name),
        ),
        Resource::UserPolicyAttachment(a) => (
            Kind::UserPolicyAttachment,
            "ci_user_policy_attachment".to_owned(),
            format!("{}:{}", a.user, a.policy_arn),
        ),
        Resource::GroupPolicyAttachment(a) => (
            Kind::GroupPolicyAttachment,
            "ci_group_policy_attachment".to_owned(),
            format!("{}:{}", a.group, a.policy_arn),
        ),
    };
    Address {
        module: module.filter(|_| kind != Kind::OidcProvider),
        kind,
        name,
        index: (!key.is_empty()).then_some(key),
    }
}
