use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{AccessKey, Account, ObjectId, Owner, Registry, Resource};

/// One object as it exists in the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveObject {
    /// What it looks like.
    pub resource: Resource,
    /// Who owns it; `None` for unmanaged objects.
    pub owner: Option<Owner>,
    /// For repositories: whether it holds images. `None` when not checked (checking costs a
    /// call, so it is done only for repositories a plan would delete or replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds_images: Option<bool>,
    /// For users: the access keys they hold, as listed (never their secrets). Not part of the
    /// fingerprint: a key ageing is no change to the estate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_keys: Vec<AccessKey>,
}

impl LiveObject {
    /// A live object whose owner is read from its own tags (or a group's path).
    pub fn new(resource: Resource) -> Self {
        let owner = resource.owner();
        Self {
            resource,
            owner,
            holds_images: None,
            access_keys: Vec::new(),
        }
    }

    /// A stable digest of what the object looks like; a saved plan records it so that `apply`
    /// can tell that the object changed since the plan was made.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(&self.resource.canonical()).unwrap_or_default();
        let digest = Sha256::digest(&canonical);
        digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
    }
}

/// What a refresh found: the objects an estate needs to see, and no others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEstate {
    /// The account and region that were read.
    pub account: Account,
    /// The objects, in a stable order (by kind, then key).
    pub objects: Vec<LiveObject>,
}

impl LiveEstate {
    /// An empty account.
    pub fn empty(account: Account) -> Self {
        Self {
            account,
            objects: Vec::new(),
        }
    }

    /// The registry that was read: its ECR objects, and the IAM objects of its account.
    pub fn registry(&self) -> Registry {
        self.account.registry()
    }

    /// The identity of one of this estate's objects.
    pub fn id(&self, object: &LiveObject) -> ObjectId {
        object.resource.id(&self.registry())
    }

    /// Sorts the objects and gives policies their parent's owner, so every provider returns
    /// the same shape.
    pub fn normalise(&mut self) {
        let registry = self.registry();
        self.objects.sort_by_key(|o| o.resource.id(&registry));
        let owners: std::collections::HashMap<ObjectId, Option<Owner>> = self
            .objects
            .iter()
            .filter(|o| o.resource.parent_key().is_none())
            .map(|o| (o.resource.id(&registry), o.owner.clone()))
            .collect();
        for o in &mut self.objects {
            if let Some(parent) = o.resource.parent(&registry) {
                o.owner = owners.get(&parent).cloned().flatten();
            }
        }
    }

    /// Each object's [`LiveObject::fingerprint`], keyed by its identity with its scope, so a
    /// saved plan can tell which objects changed since (the same name in two registries is two
    /// entries).
    pub fn fingerprints(&self) -> std::collections::BTreeMap<String, String> {
        let registry = self.registry();
        self.objects
            .iter()
            .map(|o| (o.resource.id(&registry).qualified(), o.fingerprint()))
            .collect()
    }

    /// Finds an object by identity.
    pub fn get(&self, id: &ObjectId) -> Option<&LiveObject> {
        let registry = self.registry();
        self.objects
            .binary_search_by(|o| o.resource.id(&registry).cmp(id))
            .ok()
            .map(|i| &self.objects[i])
    }
}
