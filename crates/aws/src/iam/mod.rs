//! IAM's objects, one module per kind: each says how its kind is read within the refresh
//! pipeline and holds its kind's [`Handler`](crate::handler::Handler).

pub(crate) mod group;
pub(crate) mod group_membership;
pub(crate) mod group_policy;
pub(crate) mod group_policy_attachment;
pub(crate) mod oidc_provider;
pub(crate) mod role;
pub(crate) mod role_policy;
pub(crate) mod role_policy_attachment;
pub(crate) mod user;
pub(crate) mod user_policy;
pub(crate) mod user_policy_attachment;
