//! A repository's resource policy: read with its repository, put whole, deleted, by the shared
//! [`RepositoryDocument`](crate::ecr::repository_document::RepositoryDocument) handler.

use ecrplan_model::{self as model, JsonDocument, Kind, ProviderError, Resource};

use crate::convert::document;
use crate::ecr::repository_document::DocumentKind;
use crate::error;
use crate::provider::AwsProvider;

/// The resource policy's calls: GetRepositoryPolicy, SetRepositoryPolicy,
/// DeleteRepositoryPolicy.
pub(crate) struct RepositoryPolicy;

impl DocumentKind for RepositoryPolicy {
    const KIND: Kind = Kind::RepositoryPolicy;
    const NOUN: &'static str = "a repository policy";

    fn parts(resource: &Resource) -> Option<(&str, &JsonDocument)> {
        let Resource::RepositoryPolicy(rp) = resource else {
            return None;
        };
        Some((&rp.repository, &rp.document))
    }

    fn object(repository: String, document: JsonDocument) -> Resource {
        Resource::RepositoryPolicy(model::RepositoryPolicy {
            repository,
            document,
        })
    }

    async fn get(p: &AwsProvider, name: &str) -> Result<Option<JsonDocument>, ProviderError> {
        let got = p
            .ecr
            .get_repository_policy()
            .repository_name(name)
            .send()
            .await
            .map_err(|e| error::api("GetRepositoryPolicy", e))?;
        got.policy_text
            .map(|text| document(&text).map_err(|e| error::not_json("GetRepositoryPolicy", e)))
            .transpose()
    }

    async fn put(p: &AwsProvider, name: &str, text: &str) -> Result<(), ProviderError> {
        p.ecr
            .set_repository_policy()
            .repository_name(name)
            .policy_text(text)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("SetRepositoryPolicy", e))
    }

    async fn delete(p: &AwsProvider, name: &str) -> Result<(), ProviderError> {
        p.ecr
            .delete_repository_policy()
            .repository_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteRepositoryPolicy", e))
    }
}
