//! A role's inline policies: listed by name and read one call each; put whole, deleted.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};
use futures::{StreamExt, TryStreamExt, stream};

use crate::convert::document;
use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::RolePolicy`]: creating and updating are the same put.
pub(crate) struct RolePolicy;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::RolePolicy, ProviderError> {
    let Resource::RolePolicy(rp) = resource else {
        return Err(error::mismatch(Kind::RolePolicy, resource.kind()));
    };
    Ok(rp)
}

/// The names of a role's inline policies, all pages; none when the role has gone.
pub(crate) async fn names(p: &AwsProvider, role: &str) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_role_policies()
                    .role_name(role)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListRolePolicies", e));
        Ok(unless_gone(page)?
            .map(|page| Page::new(page.policy_names, page.is_truncated, page.marker)))
    })
    .await
}

/// One inline policy of `role`; `None` when it (or the role) has gone.
pub(crate) async fn read(
    p: &AwsProvider,
    role: &str,
    name: &str,
) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .limited(
            p.iam
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send(),
        )
        .await
        .map_err(|e| error::api("GetRolePolicy", e));
    let Some(got) = unless_gone(got)? else {
        return Ok(None);
    };
    Ok(Some(Resource::RolePolicy(model::RolePolicy {
        role: role.to_owned(),
        document: document(&got.policy_document)
            .map_err(|e| error::not_json("GetRolePolicy", e))?,
        name: name.to_owned(),
    })))
}

/// Every inline policy of `role`, each read as soon as its name is listed; none when the role
/// has gone.
pub(crate) async fn read_all(p: &AwsProvider, role: &str) -> Result<Vec<Resource>, ProviderError> {
    let read: Vec<Option<Resource>> = stream::iter(names(p, role).await?)
        .map(|policy| async move { read(p, role, &policy).await })
        .buffered(p.parallelism())
        .try_collect()
        .await?;
    Ok(read.into_iter().flatten().collect())
}

/// Puts the policy, retried while IAM has not yet seen the role or a principal made moments
/// ago; errors are the role's.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let rp = object(resource)?;
    let parent = resource
        .parent(&p.registry)
        .unwrap_or_else(|| resource.id(&p.registry));
    p.propagated(&parent, "PutRolePolicy", || {
        p.iam
            .put_role_policy()
            .role_name(&rp.role)
            .policy_name(&rp.name)
            .policy_document(rp.document.to_compact())
            .send()
    })
    .await
}

#[async_trait]
impl Handler for RolePolicy {
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
        p.iam
            .delete_role_policy()
            .role_name(&rp.role)
            .policy_name(&rp.name)
            .send()
            .await
            .map_err(|e| error::on("DeleteRolePolicy", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(id, "an inline policy is its role's"))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let rp = object(wanted)?;
        read(p, &rp.role, &rp.name).await
    }
}
