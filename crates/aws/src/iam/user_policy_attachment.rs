//! Managed policies attached to a CI user: listed per user, each an object of its own so one
//! attached by hand is drift and is detached.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::UserPolicyAttachment`]: attached or detached, never changed.
pub(crate) struct UserPolicyAttachment;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::UserPolicyAttachment, ProviderError> {
    let Resource::UserPolicyAttachment(a) = resource else {
        return Err(error::mismatch(Kind::UserPolicyAttachment, resource.kind()));
    };
    Ok(a)
}

/// The ARNs of the managed policies attached to a user, all pages; none when it has gone.
pub(crate) async fn arns(p: &AwsProvider, user: &str) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_attached_user_policies()
                    .user_name(user)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListAttachedUserPolicies", e));
        Ok(unless_gone(page)?.map(|page| {
            let arns = page.attached_policies.unwrap_or_default();
            let arns = arns.into_iter().filter_map(|a| a.policy_arn).collect();
            Page::new(arns, page.is_truncated, page.marker)
        }))
    })
    .await
}

#[async_trait]
impl Handler for UserPolicyAttachment {
    /// Retried while IAM has not yet seen the user made moments ago.
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let a = object(resource)?;
        p.propagated(&resource.id(&p.registry), "AttachUserPolicy", || {
            p.iam
                .attach_user_policy()
                .user_name(&a.user)
                .policy_arn(&a.policy_arn)
                .send()
        })
        .await
    }

    async fn update(
        &self,
        p: &AwsProvider,
        _before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_update(
            &after.id(&p.registry),
            "a user policy attachment is only its user and policy ARN",
        ))
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let a = object(resource)?;
        p.iam
            .detach_user_policy()
            .user_name(&a.user)
            .policy_arn(&a.policy_arn)
            .send()
            .await
            .map_err(|e| error::on("DetachUserPolicy", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(id, "an attachment is its user's"))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let a = object(wanted)?;
        let attached = arns(p, &a.user).await?.contains(&a.policy_arn);
        Ok(attached.then(|| wanted.clone()))
    }
}
