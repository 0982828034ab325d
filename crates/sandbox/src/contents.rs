//! What the file holds, in memory: the objects of every registry and account, the images in
//! each repository and the access keys of each user. The handlers change it through the view of
//! one registry; the file and the journal persist it.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use ecrplan_model::{
    AccessKey, Account, Kind, LiveEstate, LiveObject, ObjectId, ProviderError, Registry, Resource,
    Scope,
};

use crate::file::{SANDBOX_ACCOUNT_ID, SANDBOX_REGION, StoredRegistry};

/// Every registry of the file. Objects are keyed by their identity with its scope, so the same
/// repository name in two registries is two objects, and an IAM object is held once for its
/// account, whichever region it was created through.
#[derive(Default)]
pub(crate) struct Store {
    /// The registries the file holds, in its order: the first is its default.
    pub(crate) registries: Vec<Account>,
    /// Every object.
    pub(crate) objects: BTreeMap<ObjectId, Resource>,
    /// How many images each repository holds, by registry; absent is none.
    images: BTreeMap<Registry, BTreeMap<String, u64>>,
    /// The access keys users hold (never secrets), by account; kept on the users' objects in
    /// the file.
    access_keys: BTreeMap<String, BTreeMap<String, Vec<AccessKey>>>,
}

impl Store {
    /// The registry a provider opened without an account or region works in: the file's
    /// first, or the placeholder account in the sandbox's region for a file that holds none.
    pub(crate) fn default_registry(&self) -> Registry {
        self.registries.first().map_or_else(
            || Registry::new(SANDBOX_ACCOUNT_ID, SANDBOX_REGION),
            Account::registry,
        )
    }

    /// The account and region of `registry` as the file names them (with their partition), or
    /// as its region implies for a registry the file does not hold yet.
    pub(crate) fn account_of(&self, registry: &Registry) -> Account {
        self.registries
            .iter()
            .find(|a| a.id == registry.account && a.region == registry.region)
            .cloned()
            .unwrap_or_else(|| Account::for_region(&registry.account, &registry.region))
    }

    /// Makes the file hold `account`'s registry; whether it did not before.
    pub(crate) fn hold(&mut self, account: Account) -> bool {
        let held = self
            .registries
            .iter()
            .any(|a| a.id == account.id && a.region == account.region);
        if !held {
            self.registries.push(account);
        }
        !held
    }

    /// The view of `registry` that handlers change: its ECR objects and its account's IAM
    /// objects, the images of its repositories and the keys of its account's users.
    pub(crate) fn at<'a>(&'a mut self, registry: &'a Registry) -> Contents<'a> {
        Contents {
            registry,
            objects: &mut self.objects,
            images: self.images.entry(registry.clone()).or_default(),
            access_keys: self
                .access_keys
                .entry(registry.account.clone())
                .or_default(),
        }
    }

    /// How many images the repository `name` of `registry` holds.
    pub(crate) fn images(&self, registry: &Registry, name: &str) -> u64 {
        self.images
            .get(registry)
            .and_then(|images| images.get(name))
            .copied()
            .unwrap_or(0)
    }

    /// Adds the objects the file lists under one registry: its ECR objects, and IAM objects of
    /// its account.
    pub(crate) fn load(&mut self, stored: StoredRegistry) {
        let registry = stored.account.registry();
        self.hold(stored.account);
        let images = self.images.entry(registry.clone()).or_default();
        images.extend(stored.images);
        for o in stored.objects {
            self.add(&registry, o);
        }
    }

    /// Adds one object as it was read in `registry`, with the images and keys it carries.
    pub(crate) fn add(&mut self, registry: &Registry, o: LiveObject) {
        let id = o.resource.id(registry);
        if let Resource::User(u) = &o.resource
            && !o.access_keys.is_empty()
        {
            self.access_keys
                .entry(registry.account.clone())
                .or_default()
                .insert(u.name.clone(), o.access_keys);
        }
        if let (Resource::Repository(r), Some(true)) = (&o.resource, o.holds_images) {
            self.images
                .entry(registry.clone())
                .or_default()
                .entry(r.name.clone())
                .or_insert(1);
        }
        self.objects.insert(id, o.resource);
    }

    /// The objects as a refresh of the whole of `registry` returns them: its ECR objects and
    /// its account's IAM objects, owners from tags, keys with their age today, in the
    /// providers' common order.
    pub(crate) fn estate(&self, registry: &Registry) -> LiveEstate {
        self.estate_where(self.account_of(registry), |scope| scope.reaches(registry))
    }

    /// Every registry as the file lists it: each with its ECR objects and images, and an
    /// account's IAM objects under the account's first registry, so they are written once.
    pub(crate) fn stored(&self) -> Vec<StoredRegistry> {
        self.registries
            .iter()
            .enumerate()
            .map(|(n, account)| {
                let registry = account.registry();
                let first_of_account = !self.registries[..n].iter().any(|a| a.id == account.id);
                let live = self.estate_where(account.clone(), |scope| match scope {
                    Scope::Registry(r) => *r == registry,
                    Scope::Account(a) => first_of_account && *a == account.id,
                });
                StoredRegistry {
                    account: live.account,
                    objects: live.objects,
                    images: self.images.get(&registry).cloned().unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The objects whose scope `keep` admits, read in `account`'s registry.
    fn estate_where(&self, account: Account, keep: impl Fn(&Scope) -> bool) -> LiveEstate {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let keys = self.access_keys.get(&account.id);
        let mut live = LiveEstate::empty(account);
        for (id, resource) in &self.objects {
            if !keep(&id.scope) {
                continue;
            }
            let mut o = LiveObject::new(resource.clone());
            if let Resource::User(u) = resource
                && let Some(keys) = keys.and_then(|k| k.get(&u.name))
            {
                o.access_keys = keys
                    .iter()
                    .map(|k| AccessKey {
                        age_days: now.saturating_sub(k.created) / 86_400,
                        ..k.clone()
                    })
                    .collect();
            }
            live.objects.push(o);
        }
        live.normalise();
        live
    }
}

/// One registry's view of the [`Store`]: what a provider of that registry reaches, with ids
/// resolved in it.
pub(crate) struct Contents<'a> {
    /// The registry changes are made in.
    registry: &'a Registry,
    /// Every object of the file; the handlers touch only those this registry reaches.
    pub(crate) objects: &'a mut BTreeMap<ObjectId, Resource>,
    /// How many images each repository of this registry holds; absent is none.
    pub(crate) images: &'a mut BTreeMap<String, u64>,
    /// The access keys of the users of this registry's account.
    pub(crate) access_keys: &'a mut BTreeMap<String, Vec<AccessKey>>,
}

impl Contents<'_> {
    /// The registry the view is of.
    pub(crate) fn registry(&self) -> &Registry {
        self.registry
    }

    /// The identity of `resource` in this registry (or its account).
    pub(crate) fn id(&self, resource: &Resource) -> ObjectId {
        resource.id(self.registry)
    }

    /// The identity of the object of `kind` named `key` in this registry (or its account).
    pub(crate) fn id_of(&self, kind: Kind, key: &str) -> ObjectId {
        ObjectId::new(kind, Scope::at(kind.spec().scope, self.registry), key)
    }

    /// The identity of the object that owns `resource`, for policies, attachments and
    /// memberships.
    pub(crate) fn parent(&self, resource: &Resource) -> Option<ObjectId> {
        resource.parent(self.registry)
    }

    /// `NotFound` unless the object exists.
    pub(crate) fn exists(&self, id: &ObjectId) -> Result<(), ProviderError> {
        if self.objects.contains_key(id) {
            Ok(())
        } else {
            Err(ProviderError::NotFound(id.clone()))
        }
    }

    /// Stores `resource`, replacing the object of the same identity.
    pub(crate) fn insert(&mut self, resource: Resource) {
        self.objects.insert(self.id(&resource), resource);
    }

    /// Removes the object `id` and every object it owns (as the AWS provider deletes a
    /// repository's policies with it, and a role's inline and attached policies before
    /// DeleteRole). A child lives in its parent's scope, so each is judged in its own.
    pub(crate) fn remove_with_children(&mut self, id: &ObjectId) {
        self.objects.remove(id);
        self.objects
            .retain(|child, o| o.parent_in(&child.scope).as_ref() != Some(id));
    }
}
