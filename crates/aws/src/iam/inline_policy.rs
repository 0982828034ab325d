//! Inline policies of a role, user or group: listed by name and read one call each; put whole,
//! deleted. One handler for the three kinds, each holder's calls coming from its
//! [`PolicyOwner`] impl.

use std::marker::PhantomData;

use async_trait::async_trait;
use ecrplan_model::{JsonDocument, ObjectId, ProviderError, Resource, Tags};
use futures::{StreamExt, TryStreamExt, stream};

use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::iam::owner::{PolicyOwner, inline_names, write_id};
use crate::provider::AwsProvider;

/// The handler of `O`'s inline-policy kind: creating and updating are the same put.
pub(crate) struct InlinePolicy<O>(PhantomData<fn() -> O>);

impl<O> InlinePolicy<O> {
    /// The handler, as the dispatch names it.
    pub(crate) const HANDLER: Self = Self(PhantomData);
}

/// The holder, name and document an operation carries; the dispatch sends only `O`'s kind here.
fn object<O: PolicyOwner>(
    resource: &Resource,
) -> Result<(&str, &str, &JsonDocument), ProviderError> {
    O::inline(resource).ok_or_else(|| error::mismatch(O::INLINE, resource.kind()))
}

/// One inline policy of `holder`; `None` when it (or the holder) has gone.
pub(crate) async fn read<O: PolicyOwner>(
    p: &AwsProvider,
    holder: &str,
    name: &str,
) -> Result<Option<Resource>, ProviderError> {
    let got = p.limited(O::get_inline(p, holder, name)).await;
    Ok(unless_gone(got)?
        .map(|document| O::new_inline(holder.to_owned(), name.to_owned(), document)))
}

/// Every inline policy of `holder`, each read as soon as its name is listed (concurrently or one
/// after another, as `O` says); none when the holder has gone.
pub(crate) async fn read_all<O: PolicyOwner>(
    p: &AwsProvider,
    holder: &str,
) -> Result<Vec<Resource>, ProviderError> {
    let names = inline_names::<O>(p, holder).await?;
    let mut out = Vec::new();
    if O::CONCURRENT_READS {
        let read: Vec<Option<Resource>> = stream::iter(names)
            .map(|name| async move { read::<O>(p, holder, &name).await })
            .buffered(p.parallelism())
            .try_collect()
            .await?;
        out.extend(read.into_iter().flatten());
    } else {
        for name in names {
            out.extend(read::<O>(p, holder, &name).await?);
        }
    }
    Ok(out)
}

/// Puts the policy, retried while IAM has not yet seen the holder or a principal made moments
/// ago.
async fn put<O: PolicyOwner>(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let (holder, name, document) = object::<O>(resource)?;
    let document = document.to_compact();
    p.with_propagation(|| O::put_inline(p, holder, name, &document))
        .await
        .map_err(|e| error::classify(e, &write_id::<O>(p, resource)))
}

#[async_trait]
impl<O: PolicyOwner> Handler for InlinePolicy<O> {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put::<O>(p, resource).await
    }

    async fn update(
        &self,
        p: &AwsProvider,
        _before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        put::<O>(p, after).await
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let (holder, name, _) = object::<O>(resource)?;
        O::delete_inline(p, holder, name)
            .await
            .map_err(|e| error::classify(e, &resource.id(&p.registry)))
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        let why = format!("an inline policy is its {}'s", O::NOUN);
        Err(error::cannot_tag(id, &why))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let (holder, name, _) = object::<O>(wanted)?;
        read::<O>(p, holder, name).await
    }
}
