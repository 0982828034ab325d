//! The vocabulary every other ecrplan crate speaks: resource addresses, desired and live
//! objects, the policy documents a module generates, and the [`Provider`] trait that reads and
//! changes an account one object at a time.
//!
//! Everything here is plain data with serde, so plans, snapshots and sandbox accounts are all
//! the same JSON. The one I/O it does is [`write_atomically`], the atomic file write that every
//! writer (saved plans, `fmt`, the sandbox) shares so none can leave half a file behind.

mod account;
mod address;
mod declared;
mod desired;
mod document;
mod files;
mod iam;
pub mod identity;
mod kind;
mod live;
mod mutability;
mod names;
mod ownership;
mod plan;
mod policy;
mod provider;
mod reach;
mod registry;
mod resource;
mod scope;
mod setting;

pub use account::Account;
pub use address::{Address, ObjectId};
pub use declared::DesiredObject;
pub use desired::{
    AccountAccess, CiOutputs, DesiredEstate, LifecycleSpec, Module, OnRegistry, ProviderSettings,
    RepositorySettings,
};
pub use document::{JsonDocument, statements, strings};
pub use files::write_atomically;
pub use iam::{
    AccessKey, Group, GroupMembership, GroupPolicy, GroupPolicyAttachment, MAX_KEY_AGE_DAYS, User,
    UserPolicy, UserPolicyAttachment,
};
pub use identity::circleci::{CIRCLECI_ORG_PLACEHOLDER, CircleciAccess};
pub use identity::github::{GITHUB_AUDIENCE, GITHUB_ISSUER, GithubAccess, GithubRepository};
pub use identity::{Access, Identities, is_ci_issuer};
pub use kind::{Kind, KindSpec, Locator, ScopeLevel};
pub use live::{LiveEstate, LiveObject};
pub use mutability::TagMutability;
pub use names::{
    NameError, check_account_id, check_group_name, check_repository_name, check_role_name,
    check_user_name,
};
pub use ownership::{ANONYMOUS_ESTATE, Owner, ROLE_PATH, Tags, group_path, role_path, tags};
pub use plan::{
    Action, Change, ModuleCall, Note, PLAN_FORMAT_VERSION, Plan, PlanConfiguration, Rule, Severity,
};
pub use policy::{PUSH_POLICY_NAME, actions};
pub use provider::{
    DEFAULT_PARALLELISM, Operation, Provider, ProviderError, Providers, REGISTRY_POLICY_SCOPE,
    RefreshScope,
};
pub use reach::Reach;
pub use registry::{REPLICATION_FROM_SID, RegistrySettings};
pub use resource::{
    Encryption, LifecyclePolicy, OidcProvider, RegionHome, Replication, ReplicationDestination,
    ReplicationRule, Repository, RepositoryPolicy, Resource, Role, RolePolicy,
    RolePolicyAttachment,
};
pub use scope::{Registry, Scope};
pub use setting::{
    ACCOUNT_SETTINGS, AccountSetting, CreationTemplate, PullThroughCacheRule,
    PullTimeUpdateExclusion, REGISTRY_POLICY_V1_ACTIONS, RegistryOwner, RegistryPolicy,
    ScanningConfiguration, ScanningRule, Section, SigningConfiguration, SigningRule,
    TemplateEncryption, UPSTREAMS, registry_policy_refuses,
};
