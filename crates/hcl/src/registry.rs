//! The registries a configuration's providers name, as far as the files say without
//! connecting: what the checks that depend on the account or region (document sizes, KMS key
//! regions, replication destinations, names declared twice) compare against. A leaf: it imports
//! nothing of its siblings.

use std::collections::BTreeMap;

use ecrplan_model::Account;

/// The account and region of one provider's registry, when its block names them, and the
/// credentials it is reached with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Registry {
    pub(crate) region: Option<String>,
    pub(crate) account_id: Option<String>,
    /// The profile and the role assumed: equal credentials resolve to one account.
    pub(crate) credentials: (Option<String>, Option<String>),
}

impl Registry {
    /// An account to generate documents with: sizes depend only on the lengths of the id (always
    /// 12 digits) and the region, so an unknown region is taken as one of the shortest and an
    /// unknown account as any id — a document reported too large is too large in every account.
    pub(crate) fn account(&self) -> Account {
        Account::new(
            self.account_id
                .clone()
                .unwrap_or_else(|| "123456789012".to_owned()),
            self.region
                .clone()
                .unwrap_or_else(|| "us-east-1".to_owned()),
        )
    }

    /// Whether two providers certainly reach one account: both name it, or both use the same
    /// credentials. Providers that may still meet once connected are not: that is for the
    /// connecting side to see.
    pub(crate) fn same_account(&self, other: &Registry) -> bool {
        match (&self.account_id, &other.account_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.credentials == other.credentials,
        }
    }

    /// Whether two providers certainly reach one registry: one account ([`Self::same_account`])
    /// in one region — named alike, or left to the same credentials' configuration.
    pub(crate) fn same_registry(&self, other: &Registry) -> bool {
        self.same_account(other)
            && match (&self.region, &other.region) {
                (Some(a), Some(b)) => a == b,
                (None, None) => self.credentials == other.credentials,
                _ => false,
            }
    }
}

/// The registry of every declared provider: the default one's and each alias's.
#[derive(Debug, Default)]
pub(crate) struct Providers {
    pub(crate) default: Registry,
    pub(crate) aliases: BTreeMap<String, Registry>,
}

impl Providers {
    /// The registry of provider `alias` (`None`: the default provider). An undeclared alias is
    /// refused where it is written; it names nothing known here.
    pub(crate) fn of(&self, alias: Option<&str>) -> Registry {
        match alias {
            None => self.default.clone(),
            Some(alias) => self.aliases.get(alias).cloned().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(region: Option<&str>, account: Option<&str>, profile: Option<&str>) -> Registry {
        Registry {
            region: region.map(str::to_owned),
            account_id: account.map(str::to_owned),
            credentials: (profile.map(str::to_owned), None),
        }
    }

    #[test]
    fn providers_meet_only_when_the_files_say_so() {
        let london = registry(Some("eu-west-2"), None, None);
        let default = registry(Some("eu-west-2"), None, None);
        assert!(london.same_registry(&default));
        let us = registry(Some("us-east-1"), None, None);
        assert!(us.same_account(&default));
        assert!(!us.same_registry(&default));
        // Another profile may or may not be the same account: not certain, so not the same.
        let other = registry(Some("eu-west-2"), None, Some("dr"));
        assert!(!other.same_account(&default));
        // Named accounts decide, whatever the credentials.
        let named = registry(Some("eu-west-2"), Some("111111111111"), Some("a"));
        let again = registry(Some("eu-west-2"), Some("111111111111"), Some("b"));
        assert!(named.same_registry(&again));
        let dr = registry(Some("eu-west-2"), Some("222222222222"), Some("a"));
        assert!(!named.same_account(&dr));
        // One region unknown: not certain.
        assert!(!registry(None, None, None).same_registry(&default));
    }
}
