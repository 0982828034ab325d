//! Managed policies attached to a role, user or group: listed per holder, each an object of its
//! own so one attached by hand is drift and is detached. One handler for the three kinds, each
//! holder's calls coming from its [`PolicyOwner`] impl.

use std::marker::PhantomData;

use async_trait::async_trait;
use ecrplan_model::{ObjectId, ProviderError, Resource, Tags};

use crate::error;
use crate::handler::Handler;
use crate::iam::owner::{PolicyOwner, attached_arns, write_id};
use crate::provider::AwsProvider;

/// The handler of `O`'s attachment kind: attached or detached, never changed.
pub(crate) struct PolicyAttachment<O>(PhantomData<fn() -> O>);

impl<O> PolicyAttachment<O> {
    /// The handler, as the dispatch names it.
    pub(crate) const HANDLER: Self = Self(PhantomData);
}

/// The holder and policy ARN an operation carries; the dispatch sends only `O`'s kind here.
fn object<O: PolicyOwner>(resource: &Resource) -> Result<(&str, &str), ProviderError> {
    O::attachment(resource).ok_or_else(|| error::mismatch(O::ATTACHMENT, resource.kind()))
}

/// The managed policies attached to `holder` as objects, all pages; none when it has gone.
pub(crate) async fn read_all<O: PolicyOwner>(
    p: &AwsProvider,
    holder: &str,
) -> Result<Vec<Resource>, ProviderError> {
    let arns = attached_arns::<O>(p, holder).await?;
    Ok(arns
        .into_iter()
        .map(|arn| O::new_attachment(holder.to_owned(), arn))
        .collect())
}

#[async_trait]
impl<O: PolicyOwner> Handler for PolicyAttachment<O> {
    /// Retried while IAM has not yet seen the holder made moments ago.
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let (holder, arn) = object::<O>(resource)?;
        p.with_propagation(|| O::attach(p, holder, arn))
            .await
            .map_err(|e| error::classify(e, &write_id::<O>(p, resource)))
    }

    async fn update(
        &self,
        p: &AwsProvider,
        _before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let noun = O::NOUN;
        let why = format!("a {noun} policy attachment is only its {noun} and policy ARN");
        Err(error::cannot_update(&after.id(&p.registry), &why))
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let (holder, arn) = object::<O>(resource)?;
        O::detach(p, holder, arn)
            .await
            .map_err(|e| error::classify(e, &resource.id(&p.registry)))
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        let why = format!("an attachment is its {}'s", O::NOUN);
        Err(error::cannot_tag(id, &why))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let (holder, arn) = object::<O>(wanted)?;
        let attached = attached_arns::<O>(p, holder)
            .await?
            .iter()
            .any(|a| a == arn);
        Ok(attached.then(|| wanted.clone()))
    }
}
