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
    providers: BTreeMap<(String, String), (Address, OidcProvider)>,
}

impl Declared {
    /// Adds one object at `address`.
    pub(crate) fn push(&mut self, address: Address, resource: Resource) {
        self.objects.push(DesiredObject { address, resource });
    }

    /// Declares the provider of an issuer in `account`; the first module to declare it there
    /// decides its shape.
    pub(crate) fn provider(&mut self, account: &Account, provider: OidcProvider) {
        self.providers
            .entry((account.id.clone(), provider.url.clone()))
            .or_insert_with(|| {
                let address = account.address(Kind::OidcProvider).indexed(&provider.url);
                (address, provider)
            });
    }

    /// Every object, the providers last in account and URL order.
    pub(crate) fn into_objects(self) -> Vec<DesiredObject> {
        let mut out = self.objects;
        for (address, provider) in self.providers.into_values() {
            out.push(DesiredObject {
                address,
                resource: Resource::OidcProvider(provider),
            });
        }
        out
    }
}
