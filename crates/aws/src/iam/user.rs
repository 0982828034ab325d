//! IAM users of static-key CI identities: listed under the estate's path, declared ones read by
//! name, each with its tags; created, their path and tags changed, deleted with what IAM
//! requires gone first. Access keys are only ever listed — never created, and deleted only
//! with a user whose declaration allowed it (`force_delete`).

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use ecrplan_model::{
    self as model, AccessKey, JsonDocument, Kind, ObjectId, ProviderError, Resource, Tags,
};

use crate::convert::{document, from_iam_tags, iam_tags};
use crate::error::{self, invalid, unless_gone};
use crate::handler::{Handler, retag};
use crate::iam::group_membership;
use crate::iam::owner::{PolicyOwner, remove_policies};
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::User`]: a user holding access keys is deleted only when forced.
pub(crate) struct User;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::User, ProviderError> {
    let Resource::User(u) = resource else {
        return Err(error::mismatch(Kind::User, resource.kind()));
    };
    Ok(u)
}

/// The name and path of every user under `prefix`, all pages.
pub(crate) async fn list(
    p: &AwsProvider,
    prefix: &str,
) -> Result<Vec<(String, String)>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .leading(
                p.iam
                    .list_users()
                    .path_prefix(prefix)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListUsers", e))?;
        let users = page
            .users
            .into_iter()
            .map(|u| (u.user_name, u.path))
            .collect();
        Ok(Some(Page::new(users, page.is_truncated, page.marker)))
    })
    .await
}

/// A user's name and path by name; `None` when it does not exist.
pub(crate) async fn get(
    p: &AwsProvider,
    name: &str,
) -> Result<Option<(String, String)>, ProviderError> {
    let got = p
        .limited(p.iam.get_user().user_name(name).send())
        .await
        .map_err(|e| error::api("GetUser", e));
    Ok(unless_gone(got)?
        .and_then(|got| got.user)
        .map(|user| (user.user_name, user.path)))
}

/// A user's tags; `None` when the user has gone.
pub(crate) async fn tags(p: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let listed = p
        .limited(p.iam.list_user_tags().user_name(name).send())
        .await
        .map_err(|e| error::api("ListUserTags", e));
    Ok(unless_gone(listed)?.map(|listed| from_iam_tags(listed.tags)))
}

/// A user's access keys as `ListAccessKeys` reports them: ids, status and age, never secrets.
pub(crate) async fn access_keys(
    p: &AwsProvider,
    user: &str,
) -> Result<Vec<AccessKey>, ProviderError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_access_keys()
                    .user_name(user)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListAccessKeys", e));
        Ok(unless_gone(page)?.map(|page| {
            let keys = page.access_key_metadata.into_iter().map(|key| {
                let created = key
                    .create_date
                    .map_or(0, |d| u64::try_from(d.secs()).unwrap_or(0));
                AccessKey {
                    id: key.access_key_id.unwrap_or_default(),
                    status: key
                        .status
                        .map_or_else(|| "Active".to_owned(), |s| s.as_str().to_owned()),
                    created,
                    age_days: now.saturating_sub(created) / 86_400,
                }
            });
            Page::new(keys.collect(), page.is_truncated, page.marker)
        }))
    })
    .await
}

#[async_trait]
impl Handler for User {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let u = object(resource)?;
        p.iam
            .create_user()
            .user_name(&u.name)
            .path(&u.path)
            .set_tags(Some(iam_tags(&u.tags).map_err(invalid)?))
            .send()
            .await
            .map_err(|e| error::on("CreateUser", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn update(
        &self,
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let (b, a) = (object(before)?, object(after)?);
        let id = &after.id(&p.registry);
        if b.path != a.path {
            p.iam
                .update_user()
                .user_name(&a.name)
                .new_path(&a.path)
                .send()
                .await
                .map_err(|e| error::on("UpdateUser", id, e))?;
        }
        let untag = |keys| async move {
            p.iam
                .untag_user()
                .user_name(&a.name)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| error::on("UntagUser", id, e))
        };
        retag(self, p, id, &b.tags, &a.tags, untag).await
    }

    /// IAM refuses to delete a user that still has keys, groups or policies (DeleteConflict).
    /// Keys are checked first: without `force` a user holding one is refused before anything
    /// else is touched; with it they go, then the user's groups and policies, then the user.
    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        force: bool,
    ) -> Result<(), ProviderError> {
        let name = &object(resource)?.name;
        let id = &resource.id(&p.registry);
        let keys = access_keys(p, name).await?;
        if !keys.is_empty() && !force {
            return Err(ProviderError::Api {
                operation: "DeleteUser".into(),
                code: "DeleteConflict".into(),
                message: format!(
                    "user {name} holds {} access key(s); set force_delete = true in its ci_user to delete it with them",
                    keys.len()
                ),
            });
        }
        for key in keys {
            p.iam
                .delete_access_key()
                .user_name(name)
                .access_key_id(&key.id)
                .send()
                .await
                .map_err(|e| error::on("DeleteAccessKey", id, e))?;
        }
        for group in group_membership::groups_of(p, name).await? {
            p.iam
                .remove_user_from_group()
                .group_name(group)
                .user_name(name)
                .send()
                .await
                .map_err(|e| error::on("RemoveUserFromGroup", id, e))?;
        }
        remove_policies::<UserOwner>(p, id, name).await?;
        p.iam
            .delete_user()
            .user_name(name)
            .send()
            .await
            .map_err(|e| error::on("DeleteUser", id, e))?;
        Ok(())
    }

    async fn tag(&self, p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
        p.iam
            .tag_user()
            .user_name(&id.key)
            .set_tags(Some(iam_tags(tags).map_err(invalid)?))
            .send()
            .await
            .map_err(|e| error::on("TagUser", id, e))?;
        Ok(())
    }

    /// GetUser, then its tags: the user without its keys, groups or policies.
    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let name = &object(wanted)?.name;
        let Some((name, path)) = get(p, name).await? else {
            return Ok(None);
        };
        let Some(tags) = tags(p, &name).await? else {
            return Ok(None);
        };
        Ok(Some(Resource::User(model::User { name, path, tags })))
    }
}

/// A user as the holder of its inline policies and attachments.
pub(crate) struct UserOwner;

impl PolicyOwner for UserOwner {
    const INLINE: Kind = Kind::UserPolicy;
    const ATTACHMENT: Kind = Kind::UserPolicyAttachment;
    const NOUN: &'static str = "user";
    const WRITES_AS_HOLDER: bool = false;
    const CONCURRENT_READS: bool = false;

    fn inline(resource: &Resource) -> Option<(&str, &str, &JsonDocument)> {
        let Resource::UserPolicy(rp) = resource else {
            return None;
        };
        Some((&rp.user, &rp.name, &rp.document))
    }

    fn new_inline(user: String, name: String, document: JsonDocument) -> Resource {
        Resource::UserPolicy(model::UserPolicy {
            user,
            name,
            document,
        })
    }

    fn attachment(resource: &Resource) -> Option<(&str, &str)> {
        let Resource::UserPolicyAttachment(a) = resource else {
            return None;
        };
        Some((&a.user, &a.policy_arn))
    }

    fn new_attachment(user: String, policy_arn: String) -> Resource {
        Resource::UserPolicyAttachment(model::UserPolicyAttachment { user, policy_arn })
    }

    async fn list_inline(
        p: &AwsProvider,
        user: &str,
        marker: Option<String>,
    ) -> Result<Page<String>, ProviderError> {
        let page = p
            .iam
            .list_user_policies()
            .user_name(user)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| error::api("ListUserPolicies", e))?;
        Ok(Page::new(page.policy_names, page.is_truncated, page.marker))
    }

    async fn get_inline(
        p: &AwsProvider,
        user: &str,
        name: &str,
    ) -> Result<JsonDocument, ProviderError> {
        let got = p
            .iam
            .get_user_policy()
            .user_name(user)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| error::api("GetUserPolicy", e))?;
        document(&got.policy_document).map_err(|e| error::not_json("GetUserPolicy", e))
    }

    async fn put_inline(
        p: &AwsProvider,
        user: &str,
        name: &str,
        document: &str,
    ) -> Result<(), ProviderError> {
        p.iam
            .put_user_policy()
            .user_name(user)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("PutUserPolicy", e))
    }

    async fn delete_inline(p: &AwsProvider, user: &str, name: &str) -> Result<(), ProviderError> {
        p.iam
            .delete_user_policy()
            .user_name(user)
            .policy_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteUserPolicy", e))
    }

    async fn list_attached(
        p: &AwsProvider,
        user: &str,
        marker: Option<String>,
    ) -> Result<Page<String>, ProviderError> {
        let page = p
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| error::api("ListAttachedUserPolicies", e))?;
        let arns = page.attached_policies.unwrap_or_default().into_iter();
        let arns = arns.filter_map(|a| a.policy_arn).collect();
        Ok(Page::new(arns, page.is_truncated, page.marker))
    }

    async fn attach(p: &AwsProvider, user: &str, policy_arn: &str) -> Result<(), ProviderError> {
        p.iam
            .attach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("AttachUserPolicy", e))
    }

    async fn detach(p: &AwsProvider, user: &str, policy_arn: &str) -> Result<(), ProviderError> {
        p.iam
            .detach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DetachUserPolicy", e))
    }
}
