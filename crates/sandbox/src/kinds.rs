//! One handler per kind, and the one dispatch to them: a new kind is a compile error in
//! [`handler`] until it has a handler here.

use ecrplan_model::{Kind, ObjectId, Operation, ProviderError, Resource, Tags};

use crate::contents::Contents;
use crate::errors::holds_access_keys;
use crate::errors::requires_replacement;
use crate::handler::{Handler, create_once, delete, delete_holding, same_object};

/// Applies one change to the registry (or its account), by the handler of the changed object's
/// kind. A tag names its object with its scope: one this registry does not reach is not found,
/// as AWS finds nothing of another account or region.
pub(crate) fn apply(contents: &mut Contents, operation: &Operation) -> Result<(), ProviderError> {
    match operation {
        Operation::Tag { id, .. } if !id.scope.reaches(contents.registry()) => {
            Err(ProviderError::NotFound(id.clone()))
        }
        Operation::Create { resource } => handler(resource.kind()).create(contents, resource),
        Operation::Update { before, after } => {
            handler(after.kind()).update(contents, before, after)
        }
        Operation::Delete { resource, force } => {
            handler(resource.kind()).delete(contents, resource, *force)
        }
        Operation::Tag { id, tags } => handler(id.kind).tag(contents, id, tags),
    }
}

/// The handler of `kind`, one each: a kind with no quirks takes every step of [`Handler`] as
/// its row says and overrides nothing.
pub(crate) fn handler(kind: Kind) -> &'static dyn Handler {
    match kind {
        Kind::OidcProvider => &OidcProvider,
        Kind::Repository => &Repository,
        Kind::RepositoryPolicy => &RepositoryPolicy,
        Kind::LifecyclePolicy => &LifecyclePolicy,
        Kind::Role => &Role,
        Kind::RolePolicy => &RolePolicy,
        Kind::RolePolicyAttachment => &RolePolicyAttachment,
        Kind::Replication => &Replication,
        Kind::User => &User,
        Kind::Group => &Group,
        Kind::GroupMembership => &GroupMembership,
        Kind::GroupPolicy => &GroupPolicy,
        Kind::UserPolicy => &UserPolicy,
        Kind::UserPolicyAttachment => &UserPolicyAttachment,
        Kind::GroupPolicyAttachment => &GroupPolicyAttachment,
        Kind::RegistryOwner => &RegistryOwner,
        Kind::RegistryPolicy => &Put(OnDelete::Remove),
        Kind::AccountSetting => &Put(OnDelete::Keep),
        Kind::ScanningConfiguration => &Put(OnDelete::Reset),
        Kind::PullThroughCacheRule => &Named(pull_through_cache_fixed),
        Kind::CreationTemplate => &Named(none_fixed),
        Kind::SigningConfiguration => &Put(OnDelete::Remove),
        Kind::PullTimeUpdateExclusion => &Named(none_fixed),
    }
}

/// The owner record (an SSM parameter): created only when absent, so of two estates racing for
/// a registry one loses; deleting it leaves the settings it names, which AWS knows nothing of.
struct RegistryOwner;

impl Handler for RegistryOwner {
    fn delete(&self, c: &mut Contents, resource: &Resource, _: bool) -> Result<(), ProviderError> {
        let id = c.id(resource);
        c.exists(&id)?;
        c.objects.remove(&id);
        Ok(())
    }
}

/// What deleting a put-whole registry setting does, as AWS does it.
#[derive(Clone, Copy)]
enum OnDelete {
    /// It goes; one that is not there is `NotFound` (the policy's and signing's Delete calls).
    Remove,
    /// Nothing: an account setting has no delete, its value stays.
    Keep,
    /// Scanning is put back to basic with no rules, which the account holds as no object (a
    /// refresh reads the default then); always succeeds.
    Reset,
}

/// A registry setting that is put whole (the registry policy, account settings, scanning,
/// signing): AWS needs no owner record for it; deleting it does what [`OnDelete`] says.
struct Put(OnDelete);

impl Handler for Put {
    fn create(&self, c: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
        c.insert(resource.clone());
        Ok(())
    }

    fn update(
        &self,
        c: &mut Contents,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        same_object(c, before, after)?;
        c.insert(after.clone());
        Ok(())
    }

    fn delete(&self, c: &mut Contents, resource: &Resource, _: bool) -> Result<(), ProviderError> {
        match self.0 {
            OnDelete::Remove => delete(c, resource),
            OnDelete::Keep => Ok(()),
            OnDelete::Reset => {
                c.objects.remove(&c.id(resource));
                Ok(())
            }
        }
    }
}

/// A registry setting with a name of its own (a pull-through cache rule, a creation template,
/// an exclusion): created once, updated only when it exists and only in what AWS can change
/// in place (the function names the fixed attribute a change would touch).
struct Named(fn(&Resource, &Resource) -> Option<&'static str>);

impl Handler for Named {
    /// As the AWS provider: one that exists already equal to the one asked for is a retried
    /// create whose first answer was lost, and counts as done.
    fn create(&self, c: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
        let id = c.id(resource);
        match c.objects.get(&id) {
            Some(existing) if existing.canonical() == resource.canonical() => Ok(()),
            Some(_) => Err(ProviderError::AlreadyExists(id)),
            None => create_once(c, resource),
        }
    }

    fn update(
        &self,
        c: &mut Contents,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let id = same_object(c, before, after)?;
        c.exists(&id)?;
        if let Some(attribute) = c
            .objects
            .get(&id)
            .and_then(|live| self.fixed_change(live, after))
        {
            return Err(requires_replacement(&id, attribute));
        }
        c.insert(after.clone());
        Ok(())
    }

    fn fixed_change(&self, live: &Resource, after: &Resource) -> Option<&'static str> {
        (self.0)(live, after)
    }
}

/// What a pull-through cache rule cannot change in place: its upstream and upstream prefix
/// (its prefix is its name).
fn pull_through_cache_fixed(live: &Resource, after: &Resource) -> Option<&'static str> {
    let (Resource::PullThroughCacheRule(live), Resource::PullThroughCacheRule(new)) = (live, after)
    else {
        return None;
    };
    if live.upstream_registry_url != new.upstream_registry_url {
        Some("upstream_registry_url")
    } else if live.identity() != new.identity() {
        Some("upstream_repository_prefix")
    } else {
        None
    }
}

/// Nothing fixed beyond the name.
fn none_fixed(_: &Resource, _: &Resource) -> Option<&'static str> {
    None
}

/// An IAM OIDC provider: created once, tagged, deleted.
struct OidcProvider;

impl Handler for OidcProvider {}

/// A repository's policy: put under its repository, untaggable.
struct RepositoryPolicy;

impl Handler for RepositoryPolicy {}

/// A repository's lifecycle policy: put under its repository, untaggable.
struct LifecyclePolicy;

impl Handler for LifecyclePolicy {}

/// A role's inline policy: put under its role, untaggable.
struct RolePolicy;

impl Handler for RolePolicy {}

/// A managed policy attached to a role: exists under its role or not.
struct RolePolicyAttachment;

impl Handler for RolePolicyAttachment {}

/// A group's inline policy: put under its group, untaggable.
struct GroupPolicy;

impl Handler for GroupPolicy {}

/// A user's inline policy: put under its user, untaggable.
struct UserPolicy;

impl Handler for UserPolicy {}

/// A managed policy attached to a user: exists under its user or not.
struct UserPolicyAttachment;

impl Handler for UserPolicyAttachment {}

/// A managed policy attached to a group: exists under its group or not.
struct GroupPolicyAttachment;

impl Handler for GroupPolicyAttachment {}

/// An ECR repository: its encryption is fixed at creation, and one holding images is deleted
/// only when forced.
struct Repository;

impl Handler for Repository {
    fn fixed_change(&self, live: &Resource, after: &Resource) -> Option<&'static str> {
        let (Resource::Repository(live), Resource::Repository(new)) = (live, after) else {
            return None;
        };
        (live.encryption != new.encryption).then_some("encryption")
    }

    fn delete(
        &self,
        c: &mut Contents,
        resource: &Resource,
        force: bool,
    ) -> Result<(), ProviderError> {
        delete_holding(
            c,
            resource,
            force,
            |c| &mut *c.images,
            |name, &images| {
                (images > 0).then(|| ProviderError::RepositoryNotEmpty(name.to_owned()))
            },
        )
    }
}

/// An IAM role: its path is fixed at creation; deleting it deletes its inline and attached
/// policies first, as the AWS provider does before DeleteRole.
struct Role;

impl Handler for Role {
    fn fixed_change(&self, live: &Resource, after: &Resource) -> Option<&'static str> {
        let (Resource::Role(live), Resource::Role(new)) = (live, after) else {
            return None;
        };
        (live.path != new.path).then_some("path")
    }
}

/// The registry's replication configuration: one per registry, always there to be put, and
/// with no rules no object at all — deleting it (putting no rules) always succeeds.
struct Replication;

impl Replication {
    fn put(c: &mut Contents, resource: &Resource) {
        if let Resource::Replication(r) = resource
            && r.rules.is_empty()
        {
            c.objects.remove(&c.id(resource));
        } else {
            c.insert(resource.clone());
        }
    }
}

impl Handler for Replication {
    fn create(&self, c: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
        Replication::put(c, resource);
        Ok(())
    }

    fn update(
        &self,
        c: &mut Contents,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        same_object(c, before, after)?;
        Replication::put(c, after);
        Ok(())
    }

    fn delete(&self, c: &mut Contents, resource: &Resource, _: bool) -> Result<(), ProviderError> {
        c.objects.remove(&c.id(resource));
        Ok(())
    }
}

/// An IAM user: one holding access keys is deleted only when forced, as DeleteUser refuses.
struct User;

impl Handler for User {
    fn delete(
        &self,
        c: &mut Contents,
        resource: &Resource,
        force: bool,
    ) -> Result<(), ProviderError> {
        delete_holding(
            c,
            resource,
            force,
            |c| &mut *c.access_keys,
            |name, keys| (!keys.is_empty()).then(|| holds_access_keys(name, keys.len())),
        )
    }
}

/// An IAM group: deleting it ends its memberships, which are its users'.
struct Group;

impl Handler for Group {
    fn delete(&self, c: &mut Contents, resource: &Resource, _: bool) -> Result<(), ProviderError> {
        delete(c, resource)?;
        let group = resource.key();
        let account = c.id(resource).scope;
        c.objects.retain(|id, o| {
            let Resource::GroupMembership(m) = o else {
                return true;
            };
            id.scope != account || m.group != group
        });
        Ok(())
    }

    /// IAM groups take no tags, and adopting one is no error: the update that follows an
    /// adoption moves the group to its owner's path, as the AWS provider does.
    fn tag(&self, c: &mut Contents, id: &ObjectId, _: &Tags) -> Result<(), ProviderError> {
        c.exists(id)
    }
}

/// A user's membership of a group: put, and needs the group as well as the user.
struct GroupMembership;

impl Handler for GroupMembership {
    fn create(&self, c: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
        if let Some(user) = c.parent(resource) {
            c.exists(&user)?;
        }
        if let Resource::GroupMembership(m) = resource {
            c.exists(&c.id_of(Kind::Group, &m.group))?;
        }
        c.insert(resource.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ecrplan_model::{ProviderError, Registry, Scope};

    use super::*;
    use crate::contents::Store;

    /// One object of every kind, parents first.
    fn one_of_each() -> Vec<Resource> {
        let text = include_str!("../tests/fixtures/written-before-scopes/resources.json");
        let registry = include_str!("../tests/fixtures/registry-settings.json");
        let mut resources: Vec<Resource> = serde_json::from_str(text).unwrap();
        resources.extend(serde_json::from_str::<Vec<Resource>>(registry).unwrap());
        resources
    }

    #[test]
    fn every_kind_has_a_handler_that_creates_tags_as_its_row_says_and_deletes() {
        let resources = one_of_each();
        let mut kinds: Vec<Kind> = resources.iter().map(Resource::kind).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds, Kind::ALL, "the fixture holds every kind");

        let mut store = Store::default();
        let registry = Registry::new("111122223333", "eu-west-1");
        let mut c = store.at(&registry);
        for resource in &resources {
            let create = Operation::Create {
                resource: resource.clone(),
            };
            apply(&mut c, &create).unwrap();
            assert!(c.objects.contains_key(&c.id(resource)), "{resource:?}");
        }
        let mut tags = Tags::new();
        tags.insert("team".into(), "a".into());
        for resource in &resources {
            let id = c.id(resource);
            let tag = Operation::Tag {
                id: id.clone(),
                tags: tags.clone(),
            };
            let answer = apply(&mut c, &tag);
            // A group is adopted by its path, so its tag is no error and no change.
            let expect_ok = id.kind.spec().taggable || id.kind == Kind::Group;
            assert_eq!(answer.is_ok(), expect_ok, "{id}: {answer:?}");
            let tagged = c.objects[&id]
                .tags()
                .is_some_and(|t| t.contains_key("team"));
            assert_eq!(tagged, id.kind.spec().taggable, "{id}");
        }
        for resource in resources.iter().rev() {
            let delete = Operation::Delete {
                resource: resource.clone(),
                force: true,
            };
            apply(&mut c, &delete).unwrap();
        }
        // An account setting has no delete: its value stays.
        assert!(
            c.objects.keys().all(|id| id.kind == Kind::AccountSetting),
            "{:?}",
            c.objects.keys()
        );
    }

    #[test]
    fn a_missing_object_is_not_found_by_every_handler() {
        let mut store = Store::default();
        let registry = Registry::new("111122223333", "eu-west-1");
        let mut c = store.at(&registry);
        for resource in one_of_each() {
            let id = c.id(&resource);
            let tag = Operation::Tag {
                id: id.clone(),
                tags: Tags::new(),
            };
            let answer = apply(&mut c, &tag);
            assert!(
                matches!(answer, Err(ProviderError::NotFound(_))),
                "{id}: {answer:?}"
            );
            let delete = Operation::Delete {
                resource,
                force: false,
            };
            let answer = apply(&mut c, &delete);
            // Deleting replication puts an empty rule list, deleting scanning puts basic
            // scanning, and an account setting has no delete: each always succeeds.
            let always = [
                Kind::Replication,
                Kind::ScanningConfiguration,
                Kind::AccountSetting,
            ];
            assert_eq!(
                matches!(answer, Err(ProviderError::NotFound(_))),
                !always.contains(&id.kind),
                "{id}: {answer:?}"
            );
        }
    }

    #[test]
    fn deleting_through_one_registry_leaves_what_other_registries_and_accounts_hold() {
        let mut store = Store::default();
        let here = Registry::new("111122223333", "eu-west-1");
        let same_account = Registry::new("111122223333", "us-east-1");
        let other_account = Registry::new("444455556666", "eu-west-1");
        let resources = one_of_each();
        for registry in [&here, &same_account, &other_account] {
            let mut c = store.at(registry);
            for resource in &resources {
                let create = Operation::Create {
                    resource: resource.clone(),
                };
                apply(&mut c, &create).unwrap();
            }
        }
        let in_scope = |store: &Store, scope: &Scope| {
            store.objects.keys().filter(|id| id.scope == *scope).count()
        };
        let other_registry = Scope::Registry(same_account.clone());
        let other_iam = Scope::Account(other_account.account.clone());
        let ecr_before = in_scope(&store, &other_registry);
        let iam_before = in_scope(&store, &other_iam);
        let mut c = store.at(&here);
        for resource in resources.iter().rev() {
            let delete = Operation::Delete {
                resource: resource.clone(),
                force: true,
            };
            apply(&mut c, &delete).unwrap();
        }
        // What is left here is the account settings, which have no delete.
        let left = |scope: &Scope| {
            store
                .objects
                .keys()
                .filter(|id| id.scope == *scope && id.kind != Kind::AccountSetting)
                .count()
        };
        assert_eq!(left(&Scope::Registry(here.clone())), 0);
        assert_eq!(left(&Scope::Account(here.account.clone())), 0);
        assert_eq!(in_scope(&store, &other_registry), ecr_before);
        assert_eq!(in_scope(&store, &other_iam), iam_before);
        assert!(iam_before > 0 && ecr_before > 0);
    }
}
