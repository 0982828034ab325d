//! A CI user's inline policies: listed by name and read one after another; put whole, deleted.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::convert::document;
use crate::error::{self, unless_gone};
use crate::handler::Handler;
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::UserPolicy`]: creating and updating are the same put.
pub(crate) struct UserPolicy;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::UserPolicy, ProviderError> {
    let Resource::UserPolicy(up) = resource else {
        return Err(error::mismatch(Kind::UserPolicy, resource.kind()));
    };
    Ok(up)
}

/// The names of a user's inline policies, all pages; none when the user has gone.
pub(crate) async fn names(p: &AwsProvider, user: &str) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_user_policies()
                    .user_name(user)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListUserPolicies", e));
        Ok(unless_gone(page)?
            .map(|page| Page::new(page.policy_names, page.is_truncated, page.marker)))
    })
    .await
}

/// One inline policy of `user`; `None` when it (or the user) has gone.
pub(crate) async fn read(
    p: &AwsProvider,
    user: &str,
    name: &str,
) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .limited(
            p.iam
                .get_user_policy()
                .user_name(user)
                .policy_name(name)
                .send(),
        )
        .await
        .map_err(|e| error::api("GetUserPolicy", e));
    let Some(got) = unless_gone(got)? else {
        return Ok(None);
    };
    Ok(Some(Resource::UserPolicy(model::UserPolicy {
        user: user.to_owned(),
        name: name.to_owned(),
        document: document(&got.policy_document)
            .map_err(|e| error::not_json("GetUserPolicy", e))?,
    })))
}

/// Every inline policy of `user`, read one after another; none when the user has gone.
pub(crate) async fn read_all(p: &AwsProvider, user: &str) -> Result<Vec<Resource>, ProviderError> {
    let mut out = Vec::new();
    for name in names(p, user).await? {
        out.extend(read(p, user, &name).await?);
    }
    Ok(out)
}

/// Puts the policy, retried while IAM has not yet seen the user made moments ago.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let up = object(resource)?;
    p.propagated(&resource.id(&p.registry), "PutUserPolicy", || {
        p.iam
            .put_user_policy()
            .user_name(&up.user)
            .policy_name(&up.name)
            .policy_document(up.document.to_compact())
            .send()
    })
    .await
}

#[async_trait]
impl Handler for UserPolicy {
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
        let up = object(resource)?;
        p.iam
            .delete_user_policy()
            .user_name(&up.user)
            .policy_name(&up.name)
            .send()
            .await
            .map_err(|e| error::on("DeleteUserPolicy", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(id, "an inline policy is its user's"))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let up = object(wanted)?;
        read(p, &up.user, &up.name).await
    }
}
