//! What an identity needs from its module to declare its objects, so that no identity knows
//! [`Module`](crate::Module) and the desired estate is the only one to read it. A leaf of
//! `identity`.

use super::access::Access;
use crate::policy::push_policy;
use crate::{Account, Address, JsonDocument, Kind, OidcProvider, Tags, tags};

/// One module as its identities see it.
pub(crate) struct ModuleContext<'a> {
    /// The module's name, the `module.M` of every address.
    pub(crate) module: &'a str,
    /// The estate that owns what the module declares.
    pub(crate) estate: &'a str,
    /// The account the policies name.
    pub(crate) account: &'a Account,
    /// The module's repositories, the only ones its identities reach.
    pub(crate) repositories: &'a [String],
    /// The ECR actions "push" grants.
    pub(crate) push_actions: &'a [String],
    /// The tags every IAM object of the module carries: the user's, ownership and region.
    pub(crate) role_tags: Tags,
}

impl ModuleContext<'_> {
    /// The address of the module's object of `kind`.
    pub(crate) fn address(&self, kind: Kind) -> Address {
        self.account.address(kind).in_module(self.module)
    }

    /// The inline policy of the module's CI roles.
    pub(crate) fn push_policy(&self) -> JsonDocument {
        push_policy(self.account, self.repositories, self.push_actions)
    }

    /// The policy granting `access` to the module's repositories.
    pub(crate) fn access_policy(&self, access: Access) -> JsonDocument {
        access.policy(self.account, self.repositories, self.push_actions)
    }

    /// The OIDC provider of `url`, owned by the estate rather than one module: modules share it.
    pub(crate) fn oidc_provider(
        &self,
        url: &str,
        client_ids: Vec<String>,
        thumbprints: Vec<String>,
    ) -> OidcProvider {
        OidcProvider {
            url: url.to_owned(),
            client_ids,
            thumbprints,
            tags: tags::ownership(self.estate, None),
        }
    }
}
