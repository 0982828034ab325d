//! The registry a configuration manages, as far as its provider block says: what the checks
//! that depend on the account or region (document sizes, KMS key regions, replication
//! destinations) compare against. A leaf: it imports nothing of its siblings.

use ecrplan_model::{Account, ProviderSettings};

/// The account and region of the registry, when the provider block names them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Registry {
    pub(crate) region: Option<String>,
    pub(crate) account_id: Option<String>,
}

impl Registry {
    /// The registry the provider block names; nothing for a provider that is not AWS.
    pub(crate) fn of(provider: &ProviderSettings) -> Self {
        match provider {
            ProviderSettings::Aws {
                region, account_id, ..
            } => Registry {
                region: region.clone(),
                account_id: account_id.clone(),
            },
            _ => Registry::default(),
        }
    }

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
}
