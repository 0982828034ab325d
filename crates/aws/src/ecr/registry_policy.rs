//! The registry policy: one per registry, read with GetRegistryPolicy, put whole, deleted.

use ecrplan_model::{self as model, Kind, ProviderError, Resource};

use crate::convert::optional_document;
use crate::error::{self, unless_gone};
use crate::provider::AwsProvider;
use crate::registry::{RegistryObject, SETTING_UNTAGGED};

/// The registry policy's calls: GetRegistryPolicy, PutRegistryPolicy, DeleteRegistryPolicy.
pub(crate) struct RegistryPolicy;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::RegistryPolicy, ProviderError> {
    let Resource::RegistryPolicy(r) = resource else {
        return Err(error::mismatch(Kind::RegistryPolicy, resource.kind()));
    };
    Ok(r)
}

/// The policy as the registry holds it, `None` when it has none
/// (RegistryPolicyNotFoundException).
pub(crate) async fn read(p: &AwsProvider) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .limited(p.ecr.get_registry_policy().send())
        .await
        .map_err(|e| error::api("GetRegistryPolicy", e));
    let Some(got) = unless_gone(got)? else {
        return Ok(None);
    };
    of_text(got.policy_text(), "GetRegistryPolicy")
}

/// The object a policy text makes; `None` for no text.
fn of_text(text: Option<&str>, operation: &str) -> Result<Option<Resource>, ProviderError> {
    Ok(optional_document(text)
        .map_err(|e| error::not_json(operation, e))?
        .map(|document| Resource::RegistryPolicy(model::RegistryPolicy { document })))
}

/// Puts the whole policy and checks the policy ECR answered with.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let r = object(resource)?;
    let put = p
        .ecr
        .put_registry_policy()
        .policy_text(r.document.to_compact())
        .send()
        .await
        .map_err(|e| error::api("PutRegistryPolicy", e))?;
    match of_text(put.policy_text(), "PutRegistryPolicy")? {
        Some(held) => error::converged(
            &resource.id(&p.registry),
            "PutRegistryPolicy",
            resource,
            &held,
        ),
        None => Ok(()),
    }
}

impl RegistryObject for RegistryPolicy {
    const UNTAGGED: &'static str = SETTING_UNTAGGED;

    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put(p, resource).await
    }

    async fn delete(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        object(resource)?;
        p.ecr
            .delete_registry_policy()
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteRegistryPolicy", e))
    }

    async fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        object(wanted)?;
        read(p).await
    }
}
