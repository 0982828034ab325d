//! The objects a configuration declares, collected module by module: the desired estate builds
//! the repositories, each identity its roles, users and OIDC providers. A leaf, so that
//! identities add objects without knowing the estate or the module.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Account, Address, Kind, ObjectId, OidcProvider, Resource};

/// A desired object and where it was declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredObject {
    /// Its address, which carries its scope.
    pub address: Address,
    /// What it should look like.
    pub resource: Resource,
}

impl DesiredObject {
    /// The AWS identity it is matched on: its resource's name in its address's scope.
    pub fn id(&self) -> ObjectId {
        self.resource.id_in(self.address.scope.clone())
    }
}

/// The objects declared so far, in declaration order, and the OIDC providers they need. A
/// provider is one per issuer in the account, whichever modules trust it, so it is kept apart
/// and added once at the end.
#[derive(Default)]
pub(crate) struct Declared {
    objects: Vec<DesiredObject>,
    providers: BTreeMap<String, OidcProvider>,
}

impl Declared {
    /// Adds one object at `address`.
    pub(crate) fn push(&mut self, address: Address, resource: Resource) {
        self.objects.push(DesiredObject { address, resource });
    }

    /// Declares the provider of an issuer; the first module to declare it decides its shape.
    pub(crate) fn provider(&mut self, provider: OidcProvider) {
        self.providers
            .entry(provider.url.clone())
            .or_insert(provider);
    }

    /// Every object, the providers last in URL order, each at its address in `account`.
    pub(crate) fn into_objects(self, account: &Account) -> Vec<DesiredObject> {
        let mut out = self.objects;
        for (url, provider) in self.providers {
            out.push(DesiredObject {
                address: account.address(Kind::OidcProvider).indexed(&url),
                resource: Resource::OidcProvider(provider),
            });
        }
        out
    }
}
