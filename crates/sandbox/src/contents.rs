//! What the account holds, in memory: the objects, the images in each repository and the
//! access keys of each user. The handlers change it; the file and the journal persist it.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use ecrplan_model::{
    AccessKey, Account, Kind, LiveEstate, LiveObject, ObjectId, ProviderError, Registry, Resource,
    Scope,
};

/// The objects of one account and region, keyed by their identity in its registry.
pub(crate) struct Contents {
    /// The account and region, as the file names them.
    pub(crate) account: Account,
    /// The registry the account and region name, kept so ids cost no rebuilding.
    registry: Registry,
    /// Every object.
    pub(crate) objects: BTreeMap<ObjectId, Resource>,
    /// How many images each repository holds; absent is none.
    pub(crate) images: BTreeMap<String, u64>,
    /// The access keys users hold (never secrets), kept on the users' objects in the file.
    pub(crate) access_keys: BTreeMap<String, Vec<AccessKey>>,
}

impl Contents {
    /// An account holding nothing.
    pub(crate) fn new(account: Account) -> Self {
        Self {
            registry: account.registry(),
            account,
            objects: BTreeMap::new(),
            images: BTreeMap::new(),
            access_keys: BTreeMap::new(),
        }
    }

    /// The registry the sandbox is.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The identity of `resource` in this account.
    pub(crate) fn id(&self, resource: &Resource) -> ObjectId {
        resource.id(&self.registry)
    }

    /// The identity of the object of `kind` named `key` in this account.
    pub(crate) fn id_of(&self, kind: Kind, key: &str) -> ObjectId {
        ObjectId::new(kind, Scope::at(kind.spec().scope, &self.registry), key)
    }

    /// The identity of the object that owns `resource`, for policies, attachments and
    /// memberships.
    pub(crate) fn parent(&self, resource: &Resource) -> Option<ObjectId> {
        resource.parent(&self.registry)
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
    /// DeleteRole).
    pub(crate) fn remove_with_children(&mut self, id: &ObjectId) {
        self.objects.remove(id);
        let registry = &self.registry;
        self.objects
            .retain(|_, o| o.parent(registry).as_ref() != Some(id));
    }

    /// The objects as a refresh of the whole account returns them: owners from tags, keys
    /// with their age today, in the providers' common order.
    pub(crate) fn estate(&self) -> LiveEstate {
        let mut live = LiveEstate {
            account: self.account.clone(),
            objects: self
                .objects
                .values()
                .cloned()
                .map(LiveObject::new)
                .collect(),
            aliases: BTreeMap::new(),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for o in &mut live.objects {
            if let Resource::User(u) = &o.resource
                && let Some(keys) = self.access_keys.get(&u.name)
            {
                o.access_keys = keys
                    .iter()
                    .map(|k| AccessKey {
                        age_days: now.saturating_sub(k.created) / 86_400,
                        ..k.clone()
                    })
                    .collect();
            }
        }
        live.normalise();
        live
    }
}
