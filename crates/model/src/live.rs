use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{AccessKey, Account, ObjectId, Owner, Reach, Registry, Resource};

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
    /// The registry it was read in, when that is not the estate's default one
    /// ([`LiveEstate::account`]): a run over several registries holds the same repository name
    /// in each as distinct objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<Registry>,
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
            registry: None,
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
    /// The account and region that were read (the default provider's, in a run over several
    /// registries).
    pub account: Account,
    /// The objects, in a stable order (by identity).
    pub objects: Vec<LiveObject>,
    /// The account and region of each aliased provider, in a run that has them: what the
    /// configuration's `provider = aws.NAME` references resolved to.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, Account>,
}

impl LiveEstate {
    /// An empty account.
    pub fn empty(account: Account) -> Self {
        Self {
            account,
            objects: Vec::new(),
            aliases: BTreeMap::new(),
        }
    }

    /// The default registry: its ECR objects, and the IAM objects of its account.
    pub fn registry(&self) -> Registry {
        self.account.registry()
    }

    /// The registries this estate was read in, by provider.
    pub fn reach(&self) -> Reach {
        Reach {
            default: self.account.clone(),
            aliases: self.aliases.clone(),
        }
    }

    /// The registry `object` was read in.
    pub fn registry_of(&self, object: &LiveObject) -> Registry {
        object.registry.clone().unwrap_or_else(|| self.registry())
    }

    /// The identity of one of this estate's objects.
    pub fn id(&self, object: &LiveObject) -> ObjectId {
        object.resource.id(&self.registry_of(object))
    }

    /// One estate of the reads of several registries: `reads[0]` is the default provider's
    /// registry, `aliases` what each alias resolved to. An IAM object read through two
    /// registries of one account is one object, kept once.
    pub fn merge(reads: Vec<LiveEstate>, aliases: BTreeMap<String, Account>) -> LiveEstate {
        let mut reads = reads.into_iter();
        let mut merged = reads
            .next()
            .unwrap_or_else(|| LiveEstate::empty(Account::new("", "")));
        let default = merged.registry();
        let mut seen: std::collections::HashSet<ObjectId> =
            merged.objects.iter().map(|o| merged.id(o)).collect();
        for read in reads {
            let registry = read.registry();
            for mut object in read.objects {
                let registry = object.registry.take().unwrap_or_else(|| registry.clone());
                if seen.insert(object.resource.id(&registry)) {
                    object.registry = (registry != default).then_some(registry);
                    merged.objects.push(object);
                }
            }
        }
        merged.aliases = aliases;
        merged.normalise();
        merged
    }

    /// Sorts the objects and gives policies their parent's owner, so every provider returns
    /// the same shape.
    pub fn normalise(&mut self) {
        let default = self.registry();
        let registry_of = |o: &LiveObject| o.registry.clone().unwrap_or_else(|| default.clone());
        self.objects.sort_by_key(|o| o.resource.id(&registry_of(o)));
        let owners: std::collections::HashMap<ObjectId, Option<Owner>> = self
            .objects
            .iter()
            .filter(|o| o.resource.parent_key().is_none())
            .map(|o| (o.resource.id(&registry_of(o)), o.owner.clone()))
            .collect();
        for o in &mut self.objects {
            if let Some(parent) = o.resource.parent(&registry_of(o)) {
                o.owner = owners.get(&parent).cloned().flatten();
            }
        }
    }

    /// Each object's [`LiveObject::fingerprint`], keyed by its identity with its scope, so a
    /// saved plan can tell which objects changed since (the same name in two registries is two
    /// entries).
    pub fn fingerprints(&self) -> BTreeMap<String, String> {
        self.objects
            .iter()
            .map(|o| (self.id(o).qualified(), o.fingerprint()))
            .collect()
    }

    /// Finds an object by identity.
    pub fn get(&self, id: &ObjectId) -> Option<&LiveObject> {
        self.objects
            .binary_search_by(|o| self.id(o).cmp(id))
            .ok()
            .map(|i| &self.objects[i])
    }
}
