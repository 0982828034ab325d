//! IAM's objects, one module per noun: each says how its kind is read within the refresh
//! pipeline and holds its kind's [`Handler`](crate::handler::Handler). The policies of roles,
//! users and groups share one handler per sort (`inline_policy`, `policy_attachment`), each
//! holder naming its calls in an [`owner::PolicyOwner`] impl in its own module.

pub(crate) mod group;
pub(crate) mod group_membership;
pub(crate) mod inline_policy;
pub(crate) mod oidc_provider;
pub(crate) mod owner;
pub(crate) mod policy_attachment;
pub(crate) mod role;
pub(crate) mod user;
