use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{
    Account, Address, Locator, ObjectId, Operation, ProviderSettings, Registry, Resource, Tags,
};

/// The version of the saved-plan format; bumped on any incompatible change. Version 2 added
/// [`Plan::configuration`], so that `show --format json` of a saved plan renders the same
/// document as `plan --format json`; version 3 gave every address and object id its scope
/// (registry or account) and the plan the registries it spans.
pub const PLAN_FORMAT_VERSION: u32 = 3;

/// What a change does, with Terraform's symbols.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing to do.
    NoOp,
    /// Create a missing object.
    Create,
    /// Change an object in place.
    Update,
    /// Delete and create again (an attribute that cannot change, such as encryption).
    Replace,
    /// Delete an owned object that is no longer declared.
    Delete,
    /// Take over a declared object that exists without ownership tags.
    Adopt,
}

impl Action {
    /// The symbol plans show.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Adopt => "&",
        }
    }

    /// Terraform's `change.actions` list for this action.
    pub fn terraform_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Update => &["update"],
            Action::Replace => &["delete", "create"],
            Action::Delete => &["delete"],
            Action::Adopt => &["update"],
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Adopt => "adopt",
        })
    }
}

/// One planned change to one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Where the object is declared (or was, for deletes).
    pub address: Address,
    /// Its AWS identity.
    pub id: ObjectId,
    /// What happens.
    pub action: Action,
    /// The live object, when there is one.
    pub before: Option<Resource>,
    /// The desired object, when there is one.
    pub after: Option<Resource>,
    /// Attributes whose change forces a replace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_because: Vec<String>,
    /// For repository deletes and replaces: delete images too.
    #[serde(default)]
    pub force: bool,
    /// Changes that must finish before this one starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Address>,
}

impl Change {
    /// The provider operations that carry out this change, in order. `tags` are the ownership
    /// tags an adoption adds.
    pub fn operations(&self, ownership: &Tags) -> Vec<Operation> {
        let before = self.before.clone();
        let after = self.after.clone();
        match (self.action, before, after) {
            (Action::Create, _, Some(after)) => vec![Operation::Create { resource: after }],
            (Action::Update, Some(before), Some(after)) => {
                vec![Operation::Update { before, after }]
            }
            (Action::Replace, Some(before), Some(after)) => vec![
                Operation::Delete {
                    resource: before,
                    force: self.force,
                },
                Operation::Create { resource: after },
            ],
            (Action::Delete, Some(before), _) => {
                vec![Operation::Delete {
                    resource: before,
                    force: self.force,
                }]
            }
            (Action::Adopt, Some(before), Some(after)) => {
                // The registry's settings take no tags: the owner record, created beside
                // them, is what makes them this estate's.
                let mut ops = Vec::new();
                if self.id.kind.spec().located_by != Locator::Registry {
                    ops.push(Operation::Tag {
                        id: self.id.clone(),
                        tags: ownership.clone(),
                    });
                }
                let mut tagged = before.clone();
                if let Some(t) = tagged.tags_mut() {
                    t.extend(ownership.clone());
                }
                if tagged.canonical() != after.canonical() {
                    ops.push(Operation::Update {
                        before: tagged,
                        after,
                    });
                }
                ops
            }
            _ => Vec::new(),
        }
    }
}

/// How serious a checker note is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Warning,
    /// The plan must not be applied.
    Error,
}

/// What kind of finding a note is: a stable name that tools (SARIF's rule ids, the JSON
/// plan's notes) key on, so that rewording a message breaks no code-scanning history.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A repository holding images would be deleted without `force_delete`.
    RepositoryDeleteHoldsImages,
    /// A CI user holding access keys would be deleted without `force_delete`.
    UserDeleteHoldsKeys,
    /// A role gets an AWS-managed policy that reaches every repository in the account.
    AccountWideManagedPolicy,
    /// A CI role trusts more than one organisation, or wildcards within one.
    WideOidcTrust,
    /// A repository policy lets another account (or anyone) push.
    CrossAccountPush,
    /// A CI user's access key is older than the rotation threshold.
    OldAccessKey,
    /// A plan of the shared estate "default" deletes objects.
    DefaultEstateDelete,
    /// Replication names the registry itself as a destination.
    ReplicationToItself,
    /// An OIDC provider is deleted, or kept, while roles trust it.
    TrustedOidcProvider,
    /// A named estate takes over an object of the unnamed estate.
    UnnamedEstateAdoption,
    /// An unnamed estate keeps objects it no longer declares.
    UnnamedEstateKeeps,
    /// An adopted repository is encrypted otherwise than declared.
    AdoptEncryption,
    /// A role made before ecrplan recorded regions is kept, not deleted.
    LegacyRoleKept,
    /// The registry policy grants what the registry's policy scope does not allow.
    RegistryPolicyScope,
    /// The registry policy grants to anyone (`*`).
    RegistryPolicyPublic,
    /// The registry scans with BASIC and no rule: pushed images are never scanned.
    BasicScanningWithoutRule,
    /// A pull-through cache rule's upstream needs credentials it does not have.
    CacheWithoutCredentials,
    /// A registry setting stays as it is although no longer (or not yet) managed.
    RegistrySettingKept,
    /// A replication destination in another account whose registry policy does not let the
    /// source account replicate into it (AWS accepts the rule and copies nothing).
    ReplicationDestinationPolicy,
    /// A replication destination in another account whose registry policy no provider of the
    /// configuration can read.
    ReplicationDestinationUnread,
    /// Replicated repositories declare lifecycle or repository policies, which AWS does not
    /// replicate, and the destination has no REPLICATION creation template.
    ReplicationWithoutTemplate,
    /// A note of a plan saved before notes carried their rule.
    #[default]
    #[serde(rename = "plan-note")]
    Other,
}

impl Rule {
    /// Every rule, in the order SARIF's `tool.driver.rules` lists them.
    pub const ALL: [Rule; 22] = [
        Rule::RepositoryDeleteHoldsImages,
        Rule::UserDeleteHoldsKeys,
        Rule::AccountWideManagedPolicy,
        Rule::WideOidcTrust,
        Rule::CrossAccountPush,
        Rule::OldAccessKey,
        Rule::DefaultEstateDelete,
        Rule::ReplicationToItself,
        Rule::TrustedOidcProvider,
        Rule::UnnamedEstateAdoption,
        Rule::UnnamedEstateKeeps,
        Rule::AdoptEncryption,
        Rule::LegacyRoleKept,
        Rule::RegistryPolicyScope,
        Rule::RegistryPolicyPublic,
        Rule::BasicScanningWithoutRule,
        Rule::CacheWithoutCredentials,
        Rule::RegistrySettingKept,
        Rule::ReplicationDestinationPolicy,
        Rule::ReplicationDestinationUnread,
        Rule::ReplicationWithoutTemplate,
        Rule::Other,
    ];

    /// The rule's name, as serialised (`repository-delete-holds-images`).
    pub fn name(self) -> &'static str {
        match self {
            Rule::RepositoryDeleteHoldsImages => "repository-delete-holds-images",
            Rule::UserDeleteHoldsKeys => "user-delete-holds-keys",
            Rule::AccountWideManagedPolicy => "account-wide-managed-policy",
            Rule::WideOidcTrust => "wide-oidc-trust",
            Rule::CrossAccountPush => "cross-account-push",
            Rule::OldAccessKey => "old-access-key",
            Rule::DefaultEstateDelete => "default-estate-delete",
            Rule::ReplicationToItself => "replication-to-itself",
            Rule::TrustedOidcProvider => "trusted-oidc-provider",
            Rule::UnnamedEstateAdoption => "unnamed-estate-adoption",
            Rule::UnnamedEstateKeeps => "unnamed-estate-keeps",
            Rule::AdoptEncryption => "adopt-encryption",
            Rule::LegacyRoleKept => "legacy-role-kept",
            Rule::RegistryPolicyScope => "registry-policy-scope",
            Rule::RegistryPolicyPublic => "registry-policy-public",
            Rule::BasicScanningWithoutRule => "basic-scanning-without-rule",
            Rule::CacheWithoutCredentials => "cache-without-credentials",
            Rule::RegistrySettingKept => "registry-setting-kept",
            Rule::ReplicationDestinationPolicy => "replication-destination-policy",
            Rule::ReplicationDestinationUnread => "replication-destination-unread",
            Rule::ReplicationWithoutTemplate => "replication-without-template",
            Rule::Other => "plan-note",
        }
    }

    /// One line saying what the rule finds, for code-scanning rule lists.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::RepositoryDeleteHoldsImages => {
                "A repository that holds images would be deleted without force_delete"
            }
            Rule::UserDeleteHoldsKeys => {
                "A CI user holding access keys would be deleted without force_delete"
            }
            Rule::AccountWideManagedPolicy => {
                "A role gets an AWS-managed ECR policy that reaches every repository in the account"
            }
            Rule::WideOidcTrust => {
                "A CI role trusts tokens of more than one organisation, or wildcards within one"
            }
            Rule::CrossAccountPush => "A repository policy lets another account (or anyone) push",
            Rule::OldAccessKey => "A CI user's access key is due for rotation",
            Rule::DefaultEstateDelete => {
                "A plan of the estate \"default\" deletes objects another directory may own"
            }
            Rule::ReplicationToItself => "Replication names the registry itself as a destination",
            Rule::TrustedOidcProvider => {
                "An OIDC provider is deleted, or kept, while roles trust it"
            }
            Rule::UnnamedEstateAdoption => {
                "A named estate takes over an object of the unnamed estate"
            }
            Rule::UnnamedEstateKeeps => "An unnamed estate keeps objects it no longer declares",
            Rule::AdoptEncryption => "An adopted repository is encrypted otherwise than declared",
            Rule::LegacyRoleKept => "A role made before ecrplan recorded regions is kept",
            Rule::RegistryPolicyScope => {
                "The registry policy grants actions its registry's policy scope does not allow"
            }
            Rule::RegistryPolicyPublic => "The registry policy grants to anyone",
            Rule::BasicScanningWithoutRule => {
                "The registry scans with BASIC and no rule, so pushed images are never scanned"
            }
            Rule::CacheWithoutCredentials => {
                "A pull-through cache rule's upstream needs credentials the rule does not have"
            }
            Rule::RegistrySettingKept => {
                "A registry setting stays as it is although this estate does not manage it"
            }
            Rule::ReplicationDestinationPolicy => {
                "A replication destination's registry policy does not let the source replicate"
            }
            Rule::ReplicationDestinationUnread => {
                "A replication destination's registry policy cannot be read to check it"
            }
            Rule::ReplicationWithoutTemplate => {
                "Replicated repositories' lifecycle and policies have no REPLICATION template"
            }
            Rule::Other => "Another finding of the plan checker",
        }
    }
}

/// A finding of the checker pass over a finished plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// How serious.
    pub severity: Severity,
    /// What kind of finding.
    #[serde(default)]
    pub rule: Rule,
    /// The change it is about, if any.
    pub address: Option<Address>,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// A finished plan: immutable data. The executor makes no choices; everything it will do is
/// here, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// [`PLAN_FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// The estate planned.
    pub estate: String,
    /// The account and region of the run's home registry (the default provider's): ARNs in
    /// views and outputs are this account's.
    pub account: Account,
    /// Every registry the plan reads or changes; apply needs a provider for each.
    pub registries: Vec<Registry>,
    /// Digest of the configuration (files and variables) the plan was made from.
    pub config_hash: String,
    /// The configuration directory, so `apply PLAN.json` can re-read and re-check it. Set by
    /// the command that saves the plan; the planner leaves it empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_dir: Option<String>,
    /// The modules the plan is limited to (`--module`); empty for the whole estate. `apply`
    /// re-plans a saved plan with the same targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Fingerprint of every live object the plan read, by object id text.
    pub fingerprints: BTreeMap<String, String>,
    /// Every change, no-ops included, creates and updates in dependency order and deletes
    /// after them in reverse dependency order.
    pub changes: Vec<Change>,
    /// Checker findings.
    pub notes: Vec<Note>,
    /// What the configuration said besides the objects (provider, module calls, variables),
    /// for the JSON view's `configuration` and `variables`. Set by the command that plans; the
    /// planner leaves it empty.
    pub configuration: PlanConfiguration,
}

/// The configuration as the JSON view shows it: recorded in the plan because a saved plan is
/// shown without reading the configuration again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanConfiguration {
    /// The provider block.
    pub provider: ProviderSettings,
    /// The aliased provider blocks, by alias.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub providers: BTreeMap<String, ProviderSettings>,
    /// The module blocks, in file and position order.
    pub modules: Vec<ModuleCall>,
    /// The values of the variables used, by name (sensitive ones left out).
    pub variables: BTreeMap<String, serde_json::Value>,
}

/// One module block: its label, its `source` as written, and its inputs as ecrplan evaluated
/// them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleCall {
    /// The block label.
    pub name: String,
    /// The `source`, never fetched.
    pub source: String,
    /// The evaluated inputs: an object of input name to value.
    pub inputs: serde_json::Value,
    /// The alias its `providers = { aws = aws.NAME }` chooses, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl Plan {
    /// True when the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.iter().all(|c| c.action == Action::NoOp)
    }

    /// True when no checker note forbids applying it.
    pub fn is_applyable(&self) -> bool {
        self.notes.iter().all(|n| n.severity != Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_serialised_as_its_name() {
        for rule in Rule::ALL {
            assert_eq!(
                serde_json::to_value(rule).expect("serialises"),
                serde_json::Value::from(rule.name())
            );
        }
    }

    #[test]
    fn a_note_saved_before_rules_existed_reads_as_another_finding() {
        let note: Note = serde_json::from_str(
            r#"{"severity": "warning", "address": null, "message": "something"}"#,
        )
        .expect("an old note still reads");
        assert_eq!(note.rule, Rule::Other);
    }
}
