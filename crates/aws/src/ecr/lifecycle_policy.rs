//! A repository's lifecycle policy: read with its repository, put whole, deleted.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::convert::document;
use crate::error;
use crate::handler::Handler;
use crate::provider::AwsProvider;

/// The handler of [`Kind::LifecyclePolicy`]: creating and updating are the same put.
pub(crate) struct LifecyclePolicy;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::LifecyclePolicy, ProviderError> {
    let Resource::LifecyclePolicy(rp) = resource else {
        return Err(error::mismatch(Kind::LifecyclePolicy, resource.kind()));
    };
    Ok(rp)
}

/// The policy of repository `name`; `None` when it has none (or the repository has gone).
pub(crate) async fn read(p: &AwsProvider, name: &str) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .limited(p.ecr.get_lifecycle_policy().repository_name(name).send())
        .await
        .map_err(|e| error::api("GetLifecyclePolicy", e));
    let Some(text) = error::unless_gone(got)?.and_then(|got| got.lifecycle_policy_text) else {
        return Ok(None);
    };
    Ok(Some(Resource::LifecyclePolicy(model::LifecyclePolicy {
        repository: name.to_owned(),
        document: document(&text).map_err(|e| error::not_json("GetLifecyclePolicy", e))?,
    })))
}

/// Puts the policy, retried while ECR has not yet seen the repository made moments ago; errors
/// are the repository's.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let rp = object(resource)?;
    let parent = resource
        .parent(&p.registry)
        .unwrap_or_else(|| resource.id(&p.registry));
    p.propagated(&parent, "PutLifecyclePolicy", || {
        p.ecr
            .put_lifecycle_policy()
            .repository_name(&rp.repository)
            .lifecycle_policy_text(rp.document.to_compact())
            .send()
    })
    .await
}

#[async_trait]
impl Handler for LifecyclePolicy {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put(p, resource).await
    }

    async fn update(
        &self,
        p: &AwsProvider,
        _before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        put(p, after).await
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let rp = object(resource)?;
        p.ecr
            .delete_lifecycle_policy()
            .repository_name(&rp.repository)
            .send()
            .await
            .map_err(|e| error::on("DeleteLifecyclePolicy", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(
            id,
            "a lifecycle policy is its repository's",
        ))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        read(p, &object(wanted)?.repository).await
    }
}
