//! Managed policies attached to a role: listed per role, each an object of its own so one
//! attached by hand is drift and is detached.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::RolePolicyAttachment`]: attached or detached, never changed.
pub(crate) struct RolePolicyAttachment;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::RolePolicyAttachment, ProviderError> {
    let Resource::RolePolicyAttachment(a) = resource else {
        return Err(error::mismatch(Kind::RolePolicyAttachment, resource.kind()));
    };
    Ok(a)
}

/// The ARNs of the managed policies attached to a role, all pages; none when the role has gone.
pub(crate) async fn arns(p: &AwsProvider, role: &str) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_attached_role_policies()
                    .role_name(role)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListAttachedRolePolicies", e));
        Ok(unless_gone(page)?.map(|page| {
            let arns = page.attached_policies.unwrap_or_default();
            let arns = arns.into_iter().filter_map(|a| a.policy_arn).collect();
            Page::new(arns, page.is_truncated, page.marker)
        }))
    })
    .await
}

/// The managed policies attached to a role as objects, all pages; none when the role has gone.
pub(crate) async fn read_all(p: &AwsProvider, role: &str) -> Result<Vec<Resource>, ProviderError> {
    Ok(arns(p, role)
        .await?
        .into_iter()
        .map(|policy_arn| {
            Resource::RolePolicyAttachment(model::RolePolicyAttachment {
                role: role.to_owned(),
                policy_arn,
            })
        })
        .collect())
}

#[async_trait]
impl Handler for RolePolicyAttachment {
    /// Retried while IAM has not yet seen the role made moments ago; errors are the role's.
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let a = object(resource)?;
        let parent = resource
            .parent(&p.registry)
            .unwrap_or_else(|| resource.id(&p.registry));
        p.propagated(&parent, "AttachRolePolicy", || {
            p.iam
                .attach_role_policy()
                .role_name(&a.role)
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
            "a role policy attachment is only its role and policy ARN",
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
            .detach_role_policy()
            .role_name(&a.role)
            .policy_arn(&a.policy_arn)
            .send()
            .await
            .map_err(|e| error::on("DetachRolePolicy", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(id, "an attachment is its role's"))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let a = object(wanted)?;
        let attached = arns(p, &a.role).await?.contains(&a.policy_arn);
        Ok(attached.then(|| wanted.clone()))
    }
}
