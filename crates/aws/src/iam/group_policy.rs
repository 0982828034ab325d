//! A CI group's inline policies: listed by name and read one after another; put whole, deleted.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::convert::document;
use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::GroupPolicy`]: creating and updating are the same put.
pub(crate) struct GroupPolicy;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::GroupPolicy, ProviderError> {
    let Resource::GroupPolicy(gp) = resource else {
        return Err(error::mismatch(Kind::GroupPolicy, resource.kind()));
    };
    Ok(gp)
}

/// The names of a group's inline policies, all pages; none when the group has gone.
pub(crate) async fn names(p: &AwsProvider, group: &str) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_group_policies()
                    .group_name(group)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListGroupPolicies", e));
        Ok(unless_gone(page)?
            .map(|page| Page::new(page.policy_names, page.is_truncated, page.marker)))
    })
    .await
}

/// One inline policy of `group`; `None` when it (or the group) has gone.
pub(crate) async fn read(
    p: &AwsProvider,
    group: &str,
    name: &str,
) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .limited(
            p.iam
                .get_group_policy()
                .group_name(group)
                .policy_name(name)
                .send(),
        )
        .await
        .map_err(|e| error::api("GetGroupPolicy", e));
    let Some(got) = unless_gone(got)? else {
        return Ok(None);
    };
    Ok(Some(Resource::GroupPolicy(model::GroupPolicy {
        group: group.to_owned(),
        name: name.to_owned(),
        document: document(&got.policy_document)
            .map_err(|e| error::not_json("GetGroupPolicy", e))?,
    })))
}

/// Every inline policy of `group`, read one after another; none when the group has gone.
pub(crate) async fn read_all(p: &AwsProvider, group: &str) -> Result<Vec<Resource>, ProviderError> {
    let mut out = Vec::new();
    for name in names(p, group).await? {
        out.extend(read(p, group, &name).await?);
    }
    Ok(out)
}

/// Puts the policy, retried while IAM has not yet seen the group made moments ago.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let gp = object(resource)?;
    p.propagated(&resource.id(&p.registry), "PutGroupPolicy", || {
        p.iam
            .put_group_policy()
            .group_name(&gp.group)
            .policy_name(&gp.name)
            .policy_document(gp.document.to_compact())
            .send()
    })
    .await
}

#[async_trait]
impl Handler for GroupPolicy {
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
        let gp = object(resource)?;
        p.iam
            .delete_group_policy()
            .group_name(&gp.group)
            .policy_name(&gp.name)
            .send()
            .await
            .map_err(|e| error::on("DeleteGroupPolicy", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(id, "an inline policy is its group's"))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let gp = object(wanted)?;
        read(p, &gp.group, &gp.name).await
    }
}
