//! Where an object lives. A registry is a resolved (account, region) pair, never a provider
//! block: several ways of reaching one registry still name one registry, and the same
//! repository name in two registries is two objects.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ScopeLevel;

/// One ECR registry: an account in a region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Registry {
    /// The 12-digit account id (ECR's registry id).
    pub account: String,
    /// The region.
    pub region: String,
}

impl Registry {
    /// A registry by account and region.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            account: account.into(),
            region: region.into(),
        }
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.account, self.region)
    }
}

/// The namespace an object's name is unique in: its account for IAM objects, its registry for
/// ECR objects.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scope {
    /// An ECR object's registry.
    Registry(Registry),
    /// An IAM object's account.
    Account(String),
}

impl Scope {
    /// The scope an object of `level` has when it is read or declared in `registry`.
    pub fn at(level: ScopeLevel, registry: &Registry) -> Scope {
        match level {
            ScopeLevel::Account => Scope::Account(registry.account.clone()),
            ScopeLevel::Registry => Scope::Registry(registry.clone()),
        }
    }

    /// The account, whichever the level.
    pub fn account(&self) -> &str {
        match self {
            Scope::Registry(r) => &r.account,
            Scope::Account(a) => a,
        }
    }

    /// Whether an object of this scope lives in (or, for IAM, is reachable from) `registry`.
    pub fn reaches(&self, registry: &Registry) -> bool {
        match self {
            Scope::Registry(r) => r == registry,
            Scope::Account(a) => *a == registry.account,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Registry(r) => write!(f, "registry {r}"),
            Scope::Account(a) => write!(f, "account {a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_objects_are_the_accounts_and_ecr_objects_the_registrys() {
        let eu = Registry::new("111122223333", "eu-west-1");
        let us = Registry::new("111122223333", "us-east-1");
        assert_eq!(
            Scope::at(ScopeLevel::Account, &eu),
            Scope::at(ScopeLevel::Account, &us)
        );
        assert_ne!(
            Scope::at(ScopeLevel::Registry, &eu),
            Scope::at(ScopeLevel::Registry, &us)
        );
        assert!(Scope::at(ScopeLevel::Account, &eu).reaches(&us));
        assert!(!Scope::at(ScopeLevel::Registry, &eu).reaches(&us));
    }

    #[test]
    fn scopes_read_back_from_json() {
        for scope in [
            Scope::Registry(Registry::new("111122223333", "eu-west-1")),
            Scope::Account("111122223333".into()),
        ] {
            let text = serde_json::to_string(&scope).unwrap();
            assert_eq!(serde_json::from_str::<Scope>(&text).unwrap(), scope);
        }
    }
}
