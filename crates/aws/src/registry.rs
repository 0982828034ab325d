//! What the registry's own objects have in common — its settings and the owner record that
//! says which estate manages them: none carries tags (the settings' ownership is the owner
//! record's, the record is found by its name), each is written and read by calls of its own,
//! and their errors map onto the domain's the same way. So each kind names its calls in a
//! [`RegistryObject`] impl beside its noun (`ecr::…`, `ssm::owner`) and the handler is written
//! once, here. A leaf: it imports none of its nouns.

use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;
use ecrplan_model::{ObjectId, ProviderError, Resource, Tags};

use crate::error;
use crate::handler::Handler;
use crate::provider::AwsProvider;

/// One kind of registry object: its calls. Each takes the object an operation carries (an
/// object of another kind is [`error::mismatch`]), sends its requests and names its own
/// operations in its errors; a write checks what AWS answered against what it wrote
/// ([`error::converged`]). Missing and duplicate objects are mapped by the handler.
pub(crate) trait RegistryObject: Send + Sync + 'static {
    /// Why the kind takes no tags, as refusing them says.
    const UNTAGGED: &'static str;

    /// Creates the object.
    fn create(
        p: &AwsProvider,
        resource: &Resource,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// Changes the object from `before` into `after`: by default the create's call, for the
    /// kinds whose one write (a put of the whole object) creates and changes alike.
    fn update(
        p: &AwsProvider,
        _before: &Resource,
        after: &Resource,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send {
        Self::create(p, after)
    }
    /// Deletes the object, or puts back what a registry holds without it.
    fn delete(
        p: &AwsProvider,
        resource: &Resource,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// The object `wanted` names as the account holds it; `None` when it has none.
    fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> impl Future<Output = Result<Option<Resource>, ProviderError>> + Send;
}

/// The handler of `O`'s kind.
pub(crate) struct RegistryHandler<O>(PhantomData<fn() -> O>);

impl<O> RegistryHandler<O> {
    /// The handler, as the dispatch names it.
    pub(crate) const HANDLER: Self = Self(PhantomData);
}

#[async_trait]
impl<O: RegistryObject> Handler for RegistryHandler<O> {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        O::create(p, resource)
            .await
            .map_err(|e| error::classify(e, &resource.id(&p.registry)))
    }

    async fn update(
        &self,
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        O::update(p, before, after)
            .await
            .map_err(|e| error::classify(e, &after.id(&p.registry)))
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        O::delete(p, resource)
            .await
            .map_err(|e| error::classify(e, &resource.id(&p.registry)))
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(id, O::UNTAGGED))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        O::read_one(p, wanted).await
    }
}

/// Why a registry setting takes no tags: one estate manages the registry's settings as a
/// whole, and the owner record, not the objects, says which.
pub(crate) const SETTING_UNTAGGED: &str = "the registry's settings take no tags; the registry's owner record says which estate manages them";
