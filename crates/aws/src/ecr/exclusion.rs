//! Pull-time update exclusions: principals (IAM role or user ARNs) exempt from pull-time
//! updates, listed with ListPullTimeUpdateExclusions (1000 a page), registered and
//! deregistered. An exclusion is its principal, so there is nothing to update.

use ecrplan_model::{Kind, ProviderError, PullTimeUpdateExclusion, Resource};

use crate::error;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;
use crate::registry::{RegistryObject, SETTING_UNTAGGED};

/// An exclusion's calls: ListPullTimeUpdateExclusions, RegisterPullTimeUpdateExclusion,
/// DeregisterPullTimeUpdateExclusion.
pub(crate) struct Exclusion;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&PullTimeUpdateExclusion, ProviderError> {
    let Resource::PullTimeUpdateExclusion(e) = resource else {
        return Err(error::mismatch(
            Kind::PullTimeUpdateExclusion,
            resource.kind(),
        ));
    };
    Ok(e)
}

/// The exclusion of `principal_arn`.
fn of_principal(principal_arn: &str) -> Resource {
    Resource::PullTimeUpdateExclusion(PullTimeUpdateExclusion {
        principal_arn: principal_arn.to_owned(),
    })
}

/// Every exclusion of the registry, all pages.
pub(crate) async fn list(p: &AwsProvider) -> Result<Vec<Resource>, ProviderError> {
    all_pages(|token| async move {
        let got = p
            .leading(
                p.ecr
                    .list_pull_time_update_exclusions()
                    .max_results(1000)
                    .set_next_token(token)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListPullTimeUpdateExclusions", e))?;
        let next = got.next_token().map(str::to_owned);
        let found = got
            .pull_time_update_exclusions()
            .iter()
            .map(|arn| of_principal(arn))
            .collect();
        Ok(Some(Page::new(found, next.is_some(), next)))
    })
    .await
}

impl RegistryObject for Exclusion {
    const UNTAGGED: &'static str = SETTING_UNTAGGED;

    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let e = object(resource)?;
        let registered = p
            .ecr
            .register_pull_time_update_exclusion()
            .principal_arn(&e.principal_arn)
            .send()
            .await
            .map_err(|e| error::api("RegisterPullTimeUpdateExclusion", e))?;
        match registered.principal_arn() {
            Some(held) => error::converged(
                &resource.id(&p.registry),
                "RegisterPullTimeUpdateExclusion",
                resource,
                &of_principal(held),
            ),
            None => Ok(()),
        }
    }

    /// An exclusion is its principal: another principal is another exclusion, which the plan
    /// registers and deregisters.
    async fn update(
        p: &AwsProvider,
        _before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        object(after)?;
        Err(error::cannot_update(
            &after.id(&p.registry),
            "an exclusion has no attribute but its principal",
        ))
    }

    async fn delete(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let e = object(resource)?;
        p.ecr
            .deregister_pull_time_update_exclusion()
            .principal_arn(&e.principal_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeregisterPullTimeUpdateExclusion", e))
    }

    /// Found in the listing: ECR has no call that reads one exclusion.
    async fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let principal = &object(wanted)?.principal_arn;
        Ok(list(p).await?.into_iter().find(|e| e.key() == *principal))
    }
}
