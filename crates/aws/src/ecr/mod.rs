//! ECR's objects, one module per kind: each says how its kind is read within the refresh
//! pipeline and holds its kind's [`Handler`](crate::handler::Handler), or, for the two
//! documents a repository holds, its calls for the shared `repository_document` handler, and
//! for the registry's settings, its calls for the shared `registry` handler.

pub(crate) mod account_setting;
pub(crate) mod creation_template;
pub(crate) mod exclusion;
pub(crate) mod lifecycle_policy;
pub(crate) mod pull_through_cache;
pub(crate) mod registry_policy;
pub(crate) mod replication;
pub(crate) mod repository;
pub(crate) mod repository_document;
pub(crate) mod repository_policy;
pub(crate) mod scanning;
pub(crate) mod signing;
