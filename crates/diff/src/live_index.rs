//! The live objects by identity, and what the planner and the checker both ask of them.

use std::collections::{BTreeMap, BTreeSet};

use ecrplan_model::{
    Action, Change, Kind, LiveEstate, LiveObject, ObjectId, Owner, Reach, Registry, Resource,
};

/// The live objects by identity, with each policy's owner taken from its parent whether or not
/// the provider normalised the estate.
pub(crate) struct LiveIndex<'a> {
    live: &'a LiveEstate,
    objects: BTreeMap<ObjectId, &'a LiveObject>,
}

impl<'a> LiveIndex<'a> {
    pub(crate) fn new(live: &'a LiveEstate) -> Self {
        Self {
            objects: (live.objects.iter()).map(|o| (live.id(o), o)).collect(),
            live,
        }
    }

    /// The registries the run reaches, the default provider's first.
    pub(crate) fn registries(&self) -> Vec<Registry> {
        self.live.reach().registries()
    }

    /// The registry `object` was read in.
    pub(crate) fn registry_of(&self, object: &LiveObject) -> Registry {
        self.live.registry_of(object)
    }

    /// The run's providers and the registries they reach.
    pub(crate) fn reach(&self) -> Reach {
        self.live.reach()
    }

    pub(crate) fn get(&self, id: &ObjectId) -> Option<&'a LiveObject> {
        self.objects.get(id).copied()
    }

    /// The owner of an object: its own tags, or its parent's for policies.
    pub(crate) fn owner<'b>(&self, object: &'b LiveObject) -> Option<&'b Owner>
    where
        'a: 'b,
    {
        match object.resource.parent(&self.live.registry_of(object)) {
            Some(parent) => self.get(&parent).and_then(|p| p.owner.as_ref()),
            None => object.owner.as_ref(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ObjectId, &'a LiveObject)> {
        self.objects.iter().map(|(id, o)| (id, *o))
    }
}

/// The roles of the provider's account that still trust the OIDC provider `provider` once
/// `changes` are applied: a role with a change as declared (none if it is deleted), any other
/// live role as it is. The planner keeps a provider these roles trust and the checker refuses a
/// plan that deletes one, by the same rule.
pub(crate) fn roles_trusting<'c>(
    provider: &ObjectId,
    changes: &[&'c Change],
    index: &LiveIndex<'c>,
) -> Vec<&'c str> {
    let account = provider.scope.account();
    let same_account = |id: &ObjectId| id.kind == Kind::Role && id.scope.account() == account;
    let planned: BTreeSet<&ObjectId> = changes
        .iter()
        .filter(|c| same_account(&c.id))
        .map(|c| &c.id)
        .collect();
    let declared = changes
        .iter()
        .filter(|c| c.action != Action::Delete && same_account(&c.id))
        .filter_map(|c| c.after.as_ref());
    let untouched = index
        .iter()
        .filter(|(id, _)| same_account(id) && !planned.contains(id))
        .map(|(_, o)| &o.resource);
    let mut roles: Vec<&str> = declared
        .chain(untouched)
        .filter_map(|r| {
            let Resource::Role(r) = r else { return None };
            (r.trust.federated_providers().contains(&provider.key)).then_some(r.name.as_str())
        })
        .collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}
