//! Pull-through cache rules, keyed by their ECR repository prefix: listed with
//! DescribePullThroughCacheRules (1000 a page), created, their credentials and role changed in
//! place, deleted. The prefix, upstream URL and upstream prefix cannot change: the plan
//! replaces a rule whose identity changes, and an update asked to change one refuses.

use aws_sdk_ecr::types::PullThroughCacheRule as EcrRule;
use ecrplan_model::{Kind, ProviderError, PullThroughCacheRule, Resource};

use crate::convert::given;
use crate::error::{self, unless_gone};
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;
use crate::registry::{RegistryObject, SETTING_UNTAGGED};

/// A rule's calls: DescribePullThroughCacheRules, CreatePullThroughCacheRule,
/// UpdatePullThroughCacheRule, DeletePullThroughCacheRule.
pub(crate) struct PullThroughCache;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&PullThroughCacheRule, ProviderError> {
    let Resource::PullThroughCacheRule(r) = resource else {
        return Err(error::mismatch(Kind::PullThroughCacheRule, resource.kind()));
    };
    Ok(r)
}

/// The model's rule from the attributes an answer states: unset ones may come back empty, and
/// an upstream without a prefix comes back as `ROOT`; both are the model's `None`.
fn rule(
    prefix: Option<&str>,
    upstream_registry_url: Option<&str>,
    credential_arn: Option<&str>,
    custom_role_arn: Option<&str>,
    upstream_repository_prefix: Option<&str>,
) -> PullThroughCacheRule {
    PullThroughCacheRule {
        prefix: prefix.unwrap_or_default().to_owned(),
        upstream_registry_url: upstream_registry_url.unwrap_or_default().to_owned(),
        credential_arn: given(credential_arn),
        custom_role_arn: given(custom_role_arn),
        upstream_repository_prefix: given(upstream_repository_prefix).filter(|p| p != "ROOT"),
    }
}

/// A rule as DescribePullThroughCacheRules states it.
fn of_sdk(r: &EcrRule) -> Resource {
    Resource::PullThroughCacheRule(rule(
        r.ecr_repository_prefix(),
        r.upstream_registry_url(),
        r.credential_arn(),
        r.custom_role_arn(),
        r.upstream_repository_prefix(),
    ))
}

/// One page of rules, all of them or those of `prefix`; `None` when `prefix` has none.
async fn page(
    p: &AwsProvider,
    prefix: Option<&str>,
    token: Option<String>,
) -> Result<Option<Page<Resource>>, ProviderError> {
    let got = p
        .leading(
            p.ecr
                .describe_pull_through_cache_rules()
                .set_ecr_repository_prefixes(prefix.map(|p| vec![p.to_owned()]))
                .max_results(1000)
                .set_next_token(token)
                .send(),
        )
        .await
        .map_err(|e| error::api("DescribePullThroughCacheRules", e));
    Ok(unless_gone(got)?.map(|got| {
        let next = got.next_token().map(str::to_owned);
        let rules = got.pull_through_cache_rules().iter().map(of_sdk).collect();
        Page::new(rules, next.is_some(), next)
    }))
}

/// Every rule of the registry, all pages.
pub(crate) async fn list(p: &AwsProvider) -> Result<Vec<Resource>, ProviderError> {
    all_pages(|token| page(p, None, token)).await
}

/// The attribute of `before`'s identity that `after` changes, if any.
fn changed_identity(
    before: &PullThroughCacheRule,
    after: &PullThroughCacheRule,
) -> Option<&'static str> {
    let ((bp, bu, bx), (ap, au, ax)) = (before.identity(), after.identity());
    if bp != ap {
        Some("prefix")
    } else if bu != au {
        Some("upstream_registry_url")
    } else if bx != ax {
        Some("upstream_repository_prefix")
    } else {
        None
    }
}

impl RegistryObject for PullThroughCache {
    const UNTAGGED: &'static str = SETTING_UNTAGGED;

    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let r = object(resource)?;
        let made = p
            .ecr
            .create_pull_through_cache_rule()
            .ecr_repository_prefix(&r.prefix)
            .upstream_registry_url(&r.upstream_registry_url)
            .set_credential_arn(r.credential_arn.clone())
            .set_custom_role_arn(r.custom_role_arn.clone())
            .set_upstream_repository_prefix(r.upstream_repository_prefix.clone())
            .send()
            .await
            .map_err(|e| error::api("CreatePullThroughCacheRule", e))?;
        let held = Resource::PullThroughCacheRule(rule(
            made.ecr_repository_prefix(),
            made.upstream_registry_url(),
            made.credential_arn(),
            made.custom_role_arn(),
            made.upstream_repository_prefix(),
        ));
        error::converged(
            &resource.id(&p.registry),
            "CreatePullThroughCacheRule",
            resource,
            &held,
        )
    }

    /// Only the credential and the role change in place; the answer states those and the
    /// upstream prefix (not the upstream URL, which the update cannot change).
    async fn update(
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let (b, a) = (object(before)?, object(after)?);
        let id = after.id(&p.registry);
        if let Some(attribute) = changed_identity(b, a) {
            return Err(error::requires_replacement(&id, attribute));
        }
        let updated = p
            .ecr
            .update_pull_through_cache_rule()
            .ecr_repository_prefix(&a.prefix)
            .set_credential_arn(a.credential_arn.clone())
            .set_custom_role_arn(a.custom_role_arn.clone())
            .send()
            .await
            .map_err(|e| error::api("UpdatePullThroughCacheRule", e))?;
        let held = Resource::PullThroughCacheRule(rule(
            updated.ecr_repository_prefix(),
            Some(&a.upstream_registry_url),
            updated.credential_arn(),
            updated.custom_role_arn(),
            updated
                .upstream_repository_prefix()
                .or(a.upstream_repository_prefix.as_deref()),
        ));
        error::converged(&id, "UpdatePullThroughCacheRule", after, &held)
    }

    async fn delete(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let r = object(resource)?;
        p.ecr
            .delete_pull_through_cache_rule()
            .ecr_repository_prefix(&r.prefix)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeletePullThroughCacheRule", e))
    }

    /// Described by its prefix.
    async fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let prefix = &object(wanted)?.prefix;
        let found = all_pages(|token| page(p, Some(prefix), token)).await?;
        Ok(found.into_iter().find(|r| r.key() == *prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docker_hub() -> PullThroughCacheRule {
        PullThroughCacheRule {
            prefix: "docker-hub".into(),
            upstream_registry_url: "registry-1.docker.io".into(),
            credential_arn: Some(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/dh"
                    .into(),
            ),
            custom_role_arn: None,
            upstream_repository_prefix: None,
        }
    }

    #[test]
    fn empty_attributes_and_a_root_upstream_prefix_read_as_unset() {
        let read = rule(
            Some("docker-hub"),
            Some("registry-1.docker.io"),
            docker_hub().credential_arn.as_deref(),
            Some(""),
            Some("ROOT"),
        );
        assert_eq!(read, docker_hub());
    }

    #[test]
    fn an_update_names_the_identity_attribute_it_cannot_change() {
        let before = docker_hub();
        let mut after = before.clone();
        after.credential_arn = None;
        assert_eq!(changed_identity(&before, &after), None);
        after.upstream_repository_prefix = Some("ROOT".into());
        assert_eq!(changed_identity(&before, &after), None);
        after.upstream_repository_prefix = Some("library".into());
        assert_eq!(
            changed_identity(&before, &after),
            Some("upstream_repository_prefix")
        );
        after.upstream_registry_url = "public.ecr.aws".into();
        assert_eq!(
            changed_identity(&before, &after),
            Some("upstream_registry_url")
        );
    }
}
