//! The vocabulary every other ecrplan crate speaks: resource addresses, desired and live
//! objects, the policy documents a module generates, and the [`Provider`] trait that reads and
//! changes an account one object at a time.
//!
//! Everything here is plain data with serde, so plans, snapshots and sandbox accounts are all
//! the same JSON. The one I/O it does is [`write_atomically`], the atomic file write that every
//! writer (saved plans, `fmt`, the sandbox) shares so none can leave half a file behind.

mod account;
mod address;
mod desired;
mod document;
mod files;
mod iam;
pub mod identity;
mod live;
mod names;
mod plan;
mod provider;
mod resource;

pub use account::Account;
pub use address::{Address, Kind, ObjectId};
pub use desired::{
    ANONYMOUS_ESTATE, AccountAccess, CIRCLECI_ORG_PLACEHOLDER, CiOutputs, CircleciAccess,
    DesiredEstate, DesiredObject, GITHUB_AUDIENCE, GITHUB_ISSUER, GithubAccess, GithubRepository,
    LifecycleSpec, Module, PUSH_POLICY_NAME, ProviderSettings, ROLE_PATH, RepositorySettings,
    actions, is_ci_issuer, role_path,
};
pub use document::JsonDocument;
pub use files::write_atomically;
pub use iam::{
    AccessKey, Group, GroupMembership, GroupPolicy, GroupPolicyAttachment, MAX_KEY_AGE_DAYS, User,
    UserPolicy, UserPolicyAttachment, group_path,
};
pub use identity::{Access, Identities};
pub use live::{LiveEstate, LiveObject, Owner};
pub use names::{
    NameError, check_account_id, check_group_name, check_repository_name, check_role_name,
    check_user_name,
};
pub use plan::{
    Action, Change, ModuleCall, Note, PLAN_FORMAT_VERSION, Plan, PlanConfiguration, Rule, Severity,
};
pub use provider::{DEFAULT_PARALLELISM, Operation, Provider, ProviderError, RefreshScope};
pub use resource::{
    Encryption, LifecyclePolicy, OidcProvider, Replication, ReplicationDestination,
    ReplicationRule, Repository, RepositoryPolicy, Resource, Role, RolePolicy,
    RolePolicyAttachment, TagMutability, Tags, tags,
};
