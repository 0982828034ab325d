//! What each kind of object *is*, in one table: everything else reads [`Kind::spec`] instead of
//! re-deriving these facts, so a new kind is one row here and a compile error wherever a
//! provider must learn to handle it.

use serde::{Deserialize, Serialize};

/// The kinds of AWS object an estate manages. The order is the order plans list them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The IAM OpenID Connect provider CI tokens are exchanged with.
    OidcProvider,
    /// An ECR repository.
    Repository,
    /// The resource policy of one repository.
    RepositoryPolicy,
    /// The lifecycle policy of one repository.
    LifecyclePolicy,
    /// An IAM role CI assumes through OIDC.
    Role,
    /// The inline policy of such a role.
    RolePolicy,
    /// A managed policy attached to such a role.
    RolePolicyAttachment,
    /// The registry-wide replication configuration.
    Replication,
    /// An IAM user CI signs in as with a static key.
    User,
    /// An IAM group such users are in.
    Group,
    /// A user's membership of a group.
    GroupMembership,
    /// The inline policy of a group.
    GroupPolicy,
    /// An inline policy of a CI user.
    UserPolicy,
    /// A managed policy attached to a CI user.
    UserPolicyAttachment,
    /// A managed policy attached to a CI group.
    GroupPolicyAttachment,
    /// The record of which estate manages the registry's settings (see
    /// [`RegistryOwner`](crate::RegistryOwner)).
    RegistryOwner,
    /// The registry policy.
    RegistryPolicy,
    /// One account setting of the registry.
    AccountSetting,
    /// The registry's scanning configuration.
    ScanningConfiguration,
    /// A pull-through cache rule.
    PullThroughCacheRule,
    /// A repository creation template.
    CreationTemplate,
    /// The registry's signing configuration.
    SigningConfiguration,
    /// A principal exempt from pull-time updates.
    PullTimeUpdateExclusion,
}

/// Which namespace a kind's names live in: IAM names are one per account whatever the region,
/// ECR names one per registry (account and region).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeLevel {
    /// IAM: one namespace for the whole account.
    Account,
    /// ECR: one namespace per account and region.
    Registry,
}

/// Which part of the configuration a finding about an object points at (SARIF results,
/// diagnostics): the most specific place the object is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locator {
    /// The repository's name in its module's list.
    Repository,
    /// The role's name in its module.
    Role,
    /// The `replication` block.
    Replication,
    /// The module block as a whole.
    Module,
    /// The `registry` block.
    Registry,
}

/// Everything fixed about a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindSpec {
    /// The Terraform resource type, so tools written for `terraform show -json` read our plans.
    pub terraform_type: &'static str,
    /// The name part of the object's address (`module.M.<name>["key"]`); for kinds that belong
    /// to one CI identity of a module the identity comes first (`github_role`).
    pub address_name: &'static str,
    /// Whether the address name is prefixed by the CI identity the object serves.
    pub per_identity: bool,
    /// Whether the object is declared by a module (and its address says which), or belongs to
    /// the registry or account as a whole.
    pub in_module: bool,
    /// The kind whose object owns this one: policies, attachments and memberships cannot carry
    /// tags, so their ownership is their parent's; the registry's settings are the owner
    /// record's.
    pub parent: Option<Kind>,
    /// Whether the object carries tags (and so its own ownership marks).
    pub taggable: bool,
    /// Where the object's name is unique.
    pub scope: ScopeLevel,
    /// One per registry (no name of its own) rather than keyed by name.
    pub singleton: bool,
    /// Where findings about the object point.
    pub located_by: Locator,
    /// A managed policy attached to its parent (IAM's `Attach…Policy`) rather than an object
    /// of its own: reports say it was attached (by hand, when nothing declares it) and plans
    /// detach it.
    pub attachment: bool,
}

impl Kind {
    /// Every kind, in plan order.
    pub const ALL: [Kind; 23] = [
        Kind::OidcProvider,
        Kind::Repository,
        Kind::RepositoryPolicy,
        Kind::LifecyclePolicy,
        Kind::Role,
        Kind::RolePolicy,
        Kind::RolePolicyAttachment,
        Kind::Replication,
        Kind::User,
        Kind::Group,
        Kind::GroupMembership,
        Kind::GroupPolicy,
        Kind::UserPolicy,
        Kind::UserPolicyAttachment,
        Kind::GroupPolicyAttachment,
        Kind::RegistryOwner,
        Kind::RegistryPolicy,
        Kind::AccountSetting,
        Kind::ScanningConfiguration,
        Kind::PullThroughCacheRule,
        Kind::CreationTemplate,
        Kind::SigningConfiguration,
        Kind::PullTimeUpdateExclusion,
    ];

    /// The row of the table: what this kind is.
    pub const fn spec(self) -> KindSpec {
        const fn row(
            terraform_type: &'static str,
            address_name: &'static str,
            parent: Option<Kind>,
            scope: ScopeLevel,
        ) -> KindSpec {
            KindSpec {
                terraform_type,
                address_name,
                per_identity: false,
                in_module: true,
                parent,
                taggable: false,
                scope,
                singleton: false,
                located_by: Locator::Module,
                attachment: false,
            }
        }
        // The registry's own settings: declared in the `registry` block, one namespace per
        // registry, no tags (their owner is the owner record's).
        const fn registry(
            singleton: bool,
            terraform_type: &'static str,
            address_name: &'static str,
        ) -> KindSpec {
            KindSpec {
                in_module: false,
                singleton,
                located_by: Locator::Registry,
                ..row(
                    terraform_type,
                    address_name,
                    Some(Kind::RegistryOwner),
                    ScopeLevel::Registry,
                )
            }
        }
        use ScopeLevel::{Account, Registry};
        match self {
            Kind::OidcProvider => KindSpec {
                in_module: false,
                taggable: true,
                ..row(
                    "aws_iam_openid_connect_provider",
                    "oidc_provider",
                    None,
                    Account,
                )
            },
            Kind::Repository => KindSpec {
                taggable: true,
                located_by: Locator::Repository,
                ..row("aws_ecr_repository", "repository", None, Registry)
            },
            Kind::RepositoryPolicy => KindSpec {
                located_by: Locator::Repository,
                ..row(
                    "aws_ecr_repository_policy",
                    "repository_policy",
                    Some(Kind::Repository),
                    Registry,
                )
            },
            Kind::LifecyclePolicy => KindSpec {
                located_by: Locator::Repository,
                ..row(
                    "aws_ecr_lifecycle_policy",
                    "lifecycle_policy",
                    Some(Kind::Repository),
                    Registry,
                )
            },
            Kind::Role => KindSpec {
                taggable: true,
                per_identity: true,
                located_by: Locator::Role,
                ..row("aws_iam_role", "role", None, Account)
            },
            Kind::RolePolicy => KindSpec {
                per_identity: true,
                located_by: Locator::Role,
                ..row(
                    "aws_iam_role_policy",
                    "role_policy",
                    Some(Kind::Role),
                    Account,
                )
            },
            Kind::RolePolicyAttachment => KindSpec {
                per_identity: true,
                attachment: true,
                ..row(
                    "aws_iam_role_policy_attachment",
                    "role_policy_attachment",
                    Some(Kind::Role),
                    Account,
                )
            },
            Kind::Replication => KindSpec {
                in_module: false,
                singleton: true,
                located_by: Locator::Replication,
                ..row(
                    "aws_ecr_replication_configuration",
                    "replication_configuration",
                    None,
                    Registry,
                )
            },
            Kind::User => KindSpec {
                taggable: true,
                ..row("aws_iam_user", "ci_user", None, Account)
            },
            Kind::Group => row("aws_iam_group", "ci_group", None, Account),
            // A membership is the user's: IAM lists it per user, and deleting the user ends it.
            Kind::GroupMembership => row(
                "aws_iam_user_group_membership",
                "ci_group_membership",
                Some(Kind::User),
                Account,
            ),
            Kind::GroupPolicy => row(
                "aws_iam_group_policy",
                "ci_group_policy",
                Some(Kind::Group),
                Account,
            ),
            Kind::UserPolicy => row(
                "aws_iam_user_policy",
                "ci_user_policy",
                Some(Kind::User),
                Account,
            ),
            Kind::UserPolicyAttachment => KindSpec {
                attachment: true,
                ..row(
                    "aws_iam_user_policy_attachment",
                    "ci_user_policy_attachment",
                    Some(Kind::User),
                    Account,
                )
            },
            Kind::GroupPolicyAttachment => KindSpec {
                attachment: true,
                ..row(
                    "aws_iam_group_policy_attachment",
                    "ci_group_policy_attachment",
                    Some(Kind::Group),
                    Account,
                )
            },
            Kind::RegistryOwner => KindSpec {
                parent: None,
                ..registry(true, "aws_ssm_parameter", "registry_owner")
            },
            Kind::RegistryPolicy => registry(true, "aws_ecr_registry_policy", "registry_policy"),
            Kind::AccountSetting => registry(false, "aws_ecr_account_setting", "account_setting"),
            Kind::ScanningConfiguration => registry(
                true,
                "aws_ecr_registry_scanning_configuration",
                "scanning_configuration",
            ),
            Kind::PullThroughCacheRule => registry(
                false,
                "aws_ecr_pull_through_cache_rule",
                "pull_through_cache_rule",
            ),
            Kind::CreationTemplate => registry(
                false,
                "aws_ecr_repository_creation_template",
                "repository_creation_template",
            ),
            Kind::SigningConfiguration => registry(
                true,
                "aws_ecr_signing_configuration",
                "signing_configuration",
            ),
            Kind::PullTimeUpdateExclusion => registry(
                false,
                "aws_ecr_pull_time_update_exclusion",
                "pull_time_update_exclusion",
            ),
        }
    }

    /// The Terraform resource type.
    pub const fn terraform_type(self) -> &'static str {
        self.spec().terraform_type
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_once_in_order() {
        let mut sorted = Kind::ALL;
        sorted.sort();
        assert_eq!(sorted, Kind::ALL);
        let mut dedup = Kind::ALL.to_vec();
        dedup.dedup();
        assert_eq!(dedup.len(), Kind::ALL.len());
    }

    #[test]
    fn a_parent_is_keyed_taggable_or_a_group_in_the_same_scope() {
        for kind in Kind::ALL {
            let spec = kind.spec();
            if let Some(parent) = spec.parent {
                let p = parent.spec();
                assert!(
                    p.parent.is_none(),
                    "{kind:?}: parents are top-level objects"
                );
                assert_eq!(
                    p.scope, spec.scope,
                    "{kind:?}: a child lives where its parent does"
                );
                assert!(!p.singleton || parent == Kind::RegistryOwner);
                assert!(
                    !spec.taggable,
                    "{kind:?}: children carry no tags of their own"
                );
            }
        }
    }

    /// The AWS provider names every managed-policy attachment `…_policy_attachment`, so the
    /// row's flag and Terraform's type can never tell different stories.
    #[test]
    fn attachments_are_the_provider_s_policy_attachments() {
        for kind in Kind::ALL {
            let spec = kind.spec();
            assert_eq!(
                spec.attachment,
                spec.terraform_type.ends_with("_policy_attachment"),
                "{kind:?}"
            );
            assert!(!spec.attachment || spec.parent.is_some(), "{kind:?}");
        }
    }

    #[test]
    fn terraform_types_are_unique() {
        let mut types: Vec<_> = Kind::ALL.iter().map(|k| k.terraform_type()).collect();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), Kind::ALL.len());
    }
}
