//! Where a configuration's providers lead once they are connected: the default provider's
//! account and region, and each alias's. A registry is what an alias resolves to, not the alias:
//! several aliases may reach one registry (the Cloud Platform corpus names its default region
//! `aws.london`), and objects they declare are then the same objects.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Account, Address, Registry, Scope};

/// The registries a run reaches, by provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    /// The default provider's account and region.
    pub default: Account,
    /// Each aliased provider's, by alias.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, Account>,
}

impl Reach {
    /// A run that reaches one registry, through the default provider.
    pub fn single(default: Account) -> Self {
        Self {
            default,
            aliases: BTreeMap::new(),
        }
    }

    /// The account and region of provider `alias` (`None` for the default provider). An alias
    /// the configuration does not declare was refused when it was read; it falls back to the
    /// default here rather than panicking.
    pub fn account(&self, alias: Option<&str>) -> &Account {
        alias
            .and_then(|a| self.aliases.get(a))
            .unwrap_or(&self.default)
    }

    /// Every registry reached, the default's first.
    pub fn registries(&self) -> Vec<Registry> {
        let default = self.default.registry();
        let mut out = vec![default.clone()];
        let others: BTreeSet<Registry> = self
            .aliases
            .values()
            .map(Account::registry)
            .filter(|r| *r != default)
            .collect();
        out.extend(others);
        out
    }

    /// The account (with its region) through which objects of `registry` are read and changed.
    pub fn account_of(&self, registry: &Registry) -> Option<&Account> {
        std::iter::once(&self.default)
            .chain(self.aliases.values())
            .find(|a| a.registry() == *registry)
    }

    /// The name an object of `scope` carries in its address: none when the default provider
    /// reaches it (so single-registry addresses read exactly as Terraform's), else the first
    /// alias, in name order, that reaches it.
    pub fn label(&self, scope: &Scope) -> Option<&str> {
        if scope.reaches(&self.default.registry()) {
            return None;
        }
        self.aliases
            .iter()
            .find(|(_, a)| scope.reaches(&a.registry()))
            .map(|(alias, _)| alias.as_str())
    }

    /// `address` as it reads in this run: keyed by its registry's alias when that is not the
    /// default one ([`Address::on_provider`]).
    pub fn address(&self, address: Address) -> Address {
        match self.label(&address.scope) {
            Some(alias) => {
                let alias = alias.to_owned();
                address.on_provider(&alias)
            }
            None => address,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    fn reach() -> Reach {
        let mut reach = Reach::single(Account::new("111111111111", "eu-west-2"));
        reach
            .aliases
            .insert("london".into(), Account::new("111111111111", "eu-west-2"));
        reach
            .aliases
            .insert("us".into(), Account::new("111111111111", "us-east-1"));
        reach
            .aliases
            .insert("dr".into(), Account::new("222222222222", "eu-west-1"));
        reach
    }

    #[test]
    fn an_alias_of_the_default_registry_is_the_default_registry() {
        let reach = reach();
        assert_eq!(
            reach.registries(),
            vec![
                Registry::new("111111111111", "eu-west-2"),
                Registry::new("111111111111", "us-east-1"),
                Registry::new("222222222222", "eu-west-1"),
            ]
        );
        let london = reach.account(Some("london")).address(Kind::Replication);
        assert_eq!(
            reach.address(london).to_string(),
            "replication_configuration"
        );
    }

    #[test]
    fn other_registries_key_their_objects_by_alias() {
        let reach = reach();
        let us = reach.account(Some("us")).address(Kind::Replication);
        assert_eq!(
            reach.address(us).to_string(),
            r#"replication_configuration["us"]"#
        );
        // IAM objects are the account's: the second region of the default account is the
        // default account.
        let provider = reach.account(Some("us")).address(Kind::OidcProvider);
        assert_eq!(reach.label(&provider.scope), None);
        let dr = reach
            .account(Some("dr"))
            .address(Kind::OidcProvider)
            .indexed("token.actions.githubusercontent.com");
        assert_eq!(
            reach.address(dr).to_string(),
            r#"oidc_provider["dr/token.actions.githubusercontent.com"]"#
        );
    }
}
