//! IAM groups of static-key CI users: listed under the estate's path, declared ones read by
//! name; created, moved to another path, deleted with their policies and members first. IAM
//! groups take no tags: their path records their owner.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::iam::group_policy;
use crate::iam::group_policy_attachment;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::Group`]: adopted by moving it to the estate's path, not by tags.
pub(crate) struct Group;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::Group, ProviderError> {
    let Resource::Group(g) = resource else {
        return Err(error::mismatch(Kind::Group, resource.kind()));
    };
    Ok(g)
}

/// Every group under `prefix`, all pages.
pub(crate) async fn list(
    p: &AwsProvider,
    prefix: &str,
) -> Result<Vec<model::Group>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .leading(
                p.iam
                    .list_groups()
                    .path_prefix(prefix)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListGroups", e))?;
        let groups = page.groups.into_iter().map(|g| model::Group {
            name: g.group_name,
            path: g.path,
        });
        Ok(Some(Page::new(
            groups.collect(),
            page.is_truncated,
            page.marker,
        )))
    })
    .await
}

/// A group by name, without its members; `None` when it does not exist.
pub(crate) async fn get(
    p: &AwsProvider,
    name: &str,
) -> Result<Option<model::Group>, ProviderError> {
    let got = p
        .limited(p.iam.get_group().group_name(name).max_items(1).send())
        .await
        .map_err(|e| error::api("GetGroup", e));
    Ok(unless_gone(got)?
        .and_then(|got| got.group)
        .map(|group| model::Group {
            name: group.group_name,
            path: group.path,
        }))
}

#[async_trait]
impl Handler for Group {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let g = object(resource)?;
        p.iam
            .create_group()
            .group_name(&g.name)
            .path(&g.path)
            .send()
            .await
            .map_err(|e| error::on("CreateGroup", &resource.id(&p.registry), e))?;
        Ok(())
    }

    /// A new path: how a group is adopted, since it takes no tags.
    async fn update(
        &self,
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let (b, a) = (object(before)?, object(after)?);
        if b.path != a.path {
            p.iam
                .update_group()
                .group_name(&a.name)
                .new_path(&a.path)
                .send()
                .await
                .map_err(|e| error::on("UpdateGroup", &after.id(&p.registry), e))?;
        }
        Ok(())
    }

    /// IAM refuses to delete a group with members or policies (DeleteConflict): the group is
    /// this estate's, so what is left on it goes first.
    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let name = &object(resource)?.name;
        let id = &resource.id(&p.registry);
        for policy in group_policy::names(p, name).await? {
            p.iam
                .delete_group_policy()
                .group_name(name)
                .policy_name(policy)
                .send()
                .await
                .map_err(|e| error::on("DeleteGroupPolicy", id, e))?;
        }
        for arn in group_policy_attachment::arns(p, name).await? {
            p.iam
                .detach_group_policy()
                .group_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| error::on("DetachGroupPolicy", id, e))?;
        }
        let members = p
            .iam
            .get_group()
            .group_name(name)
            .send()
            .await
            .map_err(|e| error::on("GetGroup", id, e))?;
        for user in members.users {
            p.iam
                .remove_user_from_group()
                .group_name(name)
                .user_name(user.user_name)
                .send()
                .await
                .map_err(|e| error::on("RemoveUserFromGroup", id, e))?;
        }
        p.iam
            .delete_group()
            .group_name(name)
            .send()
            .await
            .map_err(|e| error::on("DeleteGroup", id, e))?;
        Ok(())
    }

    /// Nothing to do: IAM groups take no tags, their path records the owner, and the update
    /// that follows an adoption moves them there.
    async fn tag(
        &self,
        _p: &AwsProvider,
        _id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    /// GetGroup: the group with its path, which records its owner.
    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        Ok(get(p, &object(wanted)?.name).await?.map(Resource::Group))
    }
}
