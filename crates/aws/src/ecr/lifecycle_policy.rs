//! A repository's lifecycle policy: read with its repository, put whole, deleted, by the shared
//! [`RepositoryDocument`](crate::ecr::repository_document::RepositoryDocument) handler.

use ecrplan_model::{self as model, JsonDocument, Kind, ProviderError, Resource};

use crate::convert::document;
use crate::ecr::repository_document::DocumentKind;
use crate::error;
use crate::provider::AwsProvider;

/// The lifecycle policy's calls: GetLifecyclePolicy, PutLifecyclePolicy,
/// DeleteLifecyclePolicy.
pub(crate) struct LifecyclePolicy;

impl DocumentKind for LifecyclePolicy {
    const KIND: Kind = Kind::LifecyclePolicy;
    const NOUN: &'static str = "a lifecycle policy";

    fn parts(resource: &Resource) -> Option<(&str, &JsonDocument)> {
        let Resource::LifecyclePolicy(rp) = resource else {
            return None;
        };
        Some((&rp.repository, &rp.document))
    }

    fn object(repository: String, document: JsonDocument) -> Resource {
        Resource::LifecyclePolicy(model::LifecyclePolicy {
            repository,
            document,
        })
    }

    async fn get(p: &AwsProvider, name: &str) -> Result<Option<JsonDocument>, ProviderError> {
        let got = p
            .ecr
            .get_lifecycle_policy()
            .repository_name(name)
            .send()
            .await
            .map_err(|e| error::api("GetLifecyclePolicy", e))?;
        got.lifecycle_policy_text
            .map(|text| document(&text).map_err(|e| error::not_json("GetLifecyclePolicy", e)))
            .transpose()
    }

    async fn put(p: &AwsProvider, name: &str, text: &str) -> Result<(), ProviderError> {
        p.ecr
            .put_lifecycle_policy()
            .repository_name(name)
            .lifecycle_policy_text(text)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("PutLifecyclePolicy", e))
    }

    async fn delete(p: &AwsProvider, name: &str) -> Result<(), ProviderError> {
        p.ecr
            .delete_lifecycle_policy()
            .repository_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteLifecyclePolicy", e))
    }
}
