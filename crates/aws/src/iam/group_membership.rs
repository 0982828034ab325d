//! A user's membership of a group: listed per user (IAM lists them with the user, and deleting
//! the user ends them); added or removed, never changed.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::GroupMembership`].
pub(crate) struct GroupMembership;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::GroupMembership, ProviderError> {
    let Resource::GroupMembership(m) = resource else {
        return Err(error::mismatch(Kind::GroupMembership, resource.kind()));
    };
    Ok(m)
}

/// The groups a user is in, all pages; none when the user has gone.
pub(crate) async fn groups_of(p: &AwsProvider, user: &str) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_groups_for_user()
                    .user_name(user)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListGroupsForUser", e));
        Ok(unless_gone(page)?.map(|page| {
            let groups = page.groups.into_iter().map(|g| g.group_name).collect();
            Page::new(groups, page.is_truncated, page.marker)
        }))
    })
    .await
}

#[async_trait]
impl Handler for GroupMembership {
    /// Retried while IAM has not yet seen the user or group made moments ago.
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let m = object(resource)?;
        p.propagated(&resource.id(&p.registry), "AddUserToGroup", || {
            p.iam
                .add_user_to_group()
                .group_name(&m.group)
                .user_name(&m.user)
                .send()
        })
        .await
    }

    /// Nothing to do: a membership is only its group and user, both its identity.
    async fn update(
        &self,
        _p: &AwsProvider,
        _before: &Resource,
        _after: &Resource,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let m = object(resource)?;
        p.iam
            .remove_user_from_group()
            .group_name(&m.group)
            .user_name(&m.user)
            .send()
            .await
            .map_err(|e| error::on("RemoveUserFromGroup", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(id, "a membership is its user's"))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let m = object(wanted)?;
        let member = groups_of(p, &m.user).await?.contains(&m.group);
        Ok(member.then(|| wanted.clone()))
    }
}
