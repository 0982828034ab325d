//! A document a repository holds (its resource policy, its lifecycle policy): read with its
//! repository, put whole, deleted. ECR has one set of calls per document doing the same thing,
//! so each names its calls in a [`DocumentKind`] impl beside its noun and the handler is written
//! once, here. A leaf: it imports none of its sibling nouns.

use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;
use ecrplan_model::{JsonDocument, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::provider::AwsProvider;

/// One sort of repository document: its kind and its SDK calls. Each call sends one request and
/// names its own operation in its error; bounding, propagation retries and domain errors are
/// the callers'.
pub(crate) trait DocumentKind: Send + Sync + 'static {
    /// The kind of the document's objects.
    const KIND: Kind;
    /// The document's noun with its article, as errors name it ("a lifecycle policy").
    const NOUN: &'static str;

    /// The repository and document an object carries; `None` for another kind.
    fn parts(resource: &Resource) -> Option<(&str, &JsonDocument)>;
    /// The object of `repository`'s document.
    fn object(repository: String, document: JsonDocument) -> Resource;

    /// The repository's document; `None` when the answer carries none.
    fn get(
        p: &AwsProvider,
        repository: &str,
    ) -> impl Future<Output = Result<Option<JsonDocument>, ProviderError>> + Send;
    /// Creates or replaces the document.
    fn put(
        p: &AwsProvider,
        repository: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// Deletes the document.
    fn delete(
        p: &AwsProvider,
        repository: &str,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
}

/// The handler of `D`'s kind: creating and updating are the same put.
pub(crate) struct RepositoryDocument<D>(PhantomData<fn() -> D>);

impl<D> RepositoryDocument<D> {
    /// The handler, as the dispatch names it.
    pub(crate) const HANDLER: Self = Self(PhantomData);
}

/// The repository and document an operation carries; the dispatch sends only `D`'s kind here.
fn object<D: DocumentKind>(resource: &Resource) -> Result<(&str, &JsonDocument), ProviderError> {
    D::parts(resource).ok_or_else(|| error::mismatch(D::KIND, resource.kind()))
}

/// The document of repository `name`; `None` when it has none (or the repository has gone).
pub(crate) async fn read<D: DocumentKind>(
    p: &AwsProvider,
    name: &str,
) -> Result<Option<Resource>, ProviderError> {
    let got = unless_gone(p.limited(D::get(p, name)).await)?.flatten();
    Ok(got.map(|document| D::object(name.to_owned(), document)))
}

/// Puts the document, retried while ECR has not yet seen a principal or the repository made
/// moments ago; errors are the repository's.
async fn put<D: DocumentKind>(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let (repository, document) = object::<D>(resource)?;
    let document = document.to_compact();
    let parent = resource
        .parent(&p.registry)
        .unwrap_or_else(|| resource.id(&p.registry));
    p.with_propagation(|| D::put(p, repository, &document))
        .await
        .map_err(|e| error::classify(e, &parent))
}

#[async_trait]
impl<D: DocumentKind> Handler for RepositoryDocument<D> {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put::<D>(p, resource).await
    }

    async fn update(
        &self,
        p: &AwsProvider,
        _before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        put::<D>(p, after).await
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let (repository, _) = object::<D>(resource)?;
        D::delete(p, repository)
            .await
            .map_err(|e| error::classify(e, &resource.id(&p.registry)))
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        let why = format!("{} is its repository's", D::NOUN);
        Err(error::cannot_tag(id, &why))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        read::<D>(p, object::<D>(wanted)?.0).await
    }
}
