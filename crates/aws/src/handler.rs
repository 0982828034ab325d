//! What the provider does to one kind of object, as a trait: each kind's handler lives in its
//! noun module (`ecr::…`, `iam::…`) and the one dispatch to them in `apply`. A kind that
//! cannot be tagged or updated says so in its own handler, in domain words.

use std::future::Future;

use async_trait::async_trait;
use ecrplan_model::{ObjectId, ProviderError, Resource, Tags};

use crate::convert::tag_diff;
use crate::provider::AwsProvider;

/// The changes AWS makes to objects of one kind, and the read that follows a write. Reads for
/// a refresh are not here: they run batched in `refresh`'s pipeline, which calls the noun
/// modules' read functions.
#[async_trait]
pub(crate) trait Handler: Sync {
    /// Creates the object.
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError>;

    /// Changes the object from `before` into `after` (the same object) with the fewest calls.
    async fn update(
        &self,
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError>;

    /// Deletes the object; `force` deletes what it still holds (images, access keys).
    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        force: bool,
    ) -> Result<(), ProviderError>;

    /// Adds ownership tags and changes nothing else (adoption).
    async fn tag(&self, p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError>;

    /// The object `wanted` names as it stands, read as a refresh reads it (without its
    /// children); `None` when it does not exist. Asked after a create answered "already
    /// exists", to tell a retried create of ecrplan's own object from a real conflict.
    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError>;
}

/// Changes a tagged object's tags from `before` to `after` in place, the same way for every
/// kind that carries tags: `untag` (the kind's own call) removes the keys that went, then the
/// handler's [`Handler::tag`] sets what is new or changed; neither is called with nothing to do.
pub(crate) async fn retag<U>(
    handler: &dyn Handler,
    p: &AwsProvider,
    id: &ObjectId,
    before: &Tags,
    after: &Tags,
    untag: impl FnOnce(Vec<String>) -> U,
) -> Result<(), ProviderError>
where
    U: Future<Output = Result<(), ProviderError>>,
{
    let (removed, set) = tag_diff(before, after);
    if !removed.is_empty() {
        untag(removed).await?;
    }
    if !set.is_empty() {
        handler.tag(p, id, &set).await?;
    }
    Ok(())
}
