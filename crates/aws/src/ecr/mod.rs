//! ECR's objects, one module per kind: each says how its kind is read within the refresh
//! pipeline and holds its kind's [`Handler`](crate::handler::Handler), or, for the two
//! documents a repository holds, its calls for the shared `repository_document` handler.

pub(crate) mod lifecycle_policy;
pub(crate) mod replication;
pub(crate) mod repository;
pub(crate) mod repository_document;
pub(crate) mod repository_policy;
