//! IAM groups of static-key CI users: listed under the estate's path, declared ones read by
//! name; created, moved to another path, deleted with their policies and members first. IAM
//! groups take no tags: their path records their owner.

use async_trait::async_trait;
use ecrplan_model::{self as model, JsonDocument, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::convert::document;
use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::iam::owner::{PolicyOwner, remove_policies};
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
        remove_policies::<GroupOwner>(p, id, name).await?;
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

/// A group as the holder of its inline policies and attachments.
pub(crate) struct GroupOwner;

impl PolicyOwner for GroupOwner {
    const INLINE: Kind = Kind::GroupPolicy;
    const ATTACHMENT: Kind = Kind::GroupPolicyAttachment;
    const NOUN: &'static str = "group";
    const WRITES_AS_HOLDER: bool = false;
    const CONCURRENT_READS: bool = false;

    fn inline(resource: &Resource) -> Option<(&str, &str, &JsonDocument)> {
        let Resource::GroupPolicy(rp) = resource else {
            return None;
        };
        Some((&rp.group, &rp.name, &rp.document))
    }

    fn new_inline(group: String, name: String, document: JsonDocument) -> Resource {
        Resource::GroupPolicy(model::GroupPolicy {
            group,
            name,
            document,
        })
    }

    fn attachment(resource: &Resource) -> Option<(&str, &str)> {
        let Resource::GroupPolicyAttachment(a) = resource else {
            return None;
        };
        Some((&a.group, &a.policy_arn))
    }

    fn new_attachment(group: String, policy_arn: String) -> Resource {
        Resource::GroupPolicyAttachment(model::GroupPolicyAttachment { group, policy_arn })
    }

    async fn list_inline(
        p: &AwsProvider,
        group: &str,
        marker: Option<String>,
    ) -> Result<Page<String>, ProviderError> {
        let page = p
            .iam
            .list_group_policies()
            .group_name(group)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| error::api("ListGroupPolicies", e))?;
        Ok(Page::new(page.policy_names, page.is_truncated, page.marker))
    }

    async fn get_inline(
        p: &AwsProvider,
        group: &str,
        name: &str,
    ) -> Result<JsonDocument, ProviderError> {
        let got = p
            .iam
            .get_group_policy()
            .group_name(group)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| error::api("GetGroupPolicy", e))?;
        document(&got.policy_document).map_err(|e| error::not_json("GetGroupPolicy", e))
    }

    async fn put_inline(
        p: &AwsProvider,
        group: &str,
        name: &str,
        document: &str,
    ) -> Result<(), ProviderError> {
        p.iam
            .put_group_policy()
            .group_name(group)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("PutGroupPolicy", e))
    }

    async fn delete_inline(p: &AwsProvider, group: &str, name: &str) -> Result<(), ProviderError> {
        p.iam
            .delete_group_policy()
            .group_name(group)
            .policy_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteGroupPolicy", e))
    }

    async fn list_attached(
        p: &AwsProvider,
        group: &str,
        marker: Option<String>,
    ) -> Result<Page<String>, ProviderError> {
        let page = p
            .iam
            .list_attached_group_policies()
            .group_name(group)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| error::api("ListAttachedGroupPolicies", e))?;
        let arns = page.attached_policies.unwrap_or_default().into_iter();
        let arns = arns.filter_map(|a| a.policy_arn).collect();
        Ok(Page::new(arns, page.is_truncated, page.marker))
    }

    async fn attach(p: &AwsProvider, group: &str, policy_arn: &str) -> Result<(), ProviderError> {
        p.iam
            .attach_group_policy()
            .group_name(group)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("AttachGroupPolicy", e))
    }

    async fn detach(p: &AwsProvider, group: &str, policy_arn: &str) -> Result<(), ProviderError> {
        p.iam
            .detach_group_policy()
            .group_name(group)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DetachGroupPolicy", e))
    }
}
