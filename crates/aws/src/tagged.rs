//! The search for the estate's own tagged objects in this region, through the Resource Groups
//! Tagging API: its repositories, with their tags, and the registry's owner record when it is
//! the estate's. One search serves both, so a refresh learns whether the estate holds the
//! registry without a call for it: a team estate that never held it makes none. A leaf: the
//! nouns' ARNs are read here, not in their modules.

use aws_sdk_resourcegroupstagging::types::TagFilter;
use ecrplan_model::{ProviderError, RegistryOwner, Tags, tags};

use crate::error;
use crate::provider::AwsProvider;

/// One page of the search.
pub(crate) struct TaggedPage {
    /// The estate's repositories on the page, each name with its tags.
    pub(crate) repositories: Vec<(String, Tags)>,
    /// Whether the page holds the registry's owner record, tagged as the estate's.
    pub(crate) owner_record: bool,
    /// The token of the next page.
    pub(crate) next: Option<String>,
}

/// Whether `arn` names the registry's owner record (SSM drops the leading `/` of a
/// hierarchical parameter name in its ARN).
fn is_owner_record(arn: &str) -> bool {
    arn.split_once(":parameter/")
        .is_some_and(|(_, name)| name == RegistryOwner::PARAMETER.trim_start_matches('/'))
}

/// One page of `estate`'s tagged repositories and parameters in this region from
/// `tag:GetResources` (100 a page, the API's maximum), ahead of the line (every read of the
/// estate's repositories waits on it).
pub(crate) async fn page(
    p: &AwsProvider,
    estate: &str,
    token: Option<String>,
) -> Result<TaggedPage, ProviderError> {
    let page = p
        .leading(
            p.tagging
                .get_resources()
                .tag_filters(
                    TagFilter::builder()
                        .key(tags::MANAGED_BY)
                        .values(tags::MANAGED_BY_VALUE)
                        .build(),
                )
                .tag_filters(
                    TagFilter::builder()
                        .key(tags::ESTATE)
                        .values(estate)
                        .build(),
                )
                .resource_type_filters("ecr:repository")
                .resource_type_filters("ssm:parameter")
                .resources_per_page(100)
                .set_pagination_token(token)
                .send(),
        )
        .await
        .map_err(|e| error::api("GetResources", e))?;
    let mut found = TaggedPage {
        repositories: Vec::new(),
        owner_record: false,
        next: page
            .pagination_token
            .clone()
            .filter(|next| !next.is_empty()),
    };
    for mapping in page.resource_tag_mapping_list() {
        let Some(arn) = mapping.resource_arn() else {
            continue;
        };
        if is_owner_record(arn) {
            found.owner_record = true;
        } else if let Some((_, name)) = arn.split_once(":repository/") {
            let tags = mapping
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect();
            found.repositories.push((name.to_owned(), tags));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_record_is_told_by_its_arn() {
        assert!(is_owner_record(
            "arn:aws:ssm:eu-west-1:123456789012:parameter/ecrplan/registry-owner"
        ));
        assert!(!is_owner_record(
            "arn:aws:ssm:eu-west-1:123456789012:parameter/ecrplan/registry-owner-old"
        ));
        assert!(!is_owner_record(
            "arn:aws:ecr:eu-west-1:123456789012:repository/ecrplan/registry-owner"
        ));
    }
}
