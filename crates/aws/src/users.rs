//! The IAM users, groups, memberships and group policies of static-key CI identities: reading
//! them (paged listings scoped to ecrplan's paths, plus the declared names) and changing them.
//! Access keys are only ever listed — never created, and deleted only with a user whose
//! declaration allowed it (`force_delete`).

use std::time::{SystemTime, UNIX_EPOCH};

use ecrplan_model::{
    AccessKey, Group, GroupMembership, GroupPolicy, GroupPolicyAttachment, JsonDocument, Kind,
    LiveObject, ObjectId, Owner, ProviderError, RefreshScope, Resource, Tags, User, UserPolicy,
    UserPolicyAttachment, role_path,
};
use futures::{StreamExt, TryStreamExt, stream};

use crate::paging::{Page, all_pages};
use crate::refresh::{document, unless_gone};
use crate::{AwsProvider, error};

/// The users and groups the estate can see: those under ecrplan's paths and the declared ones,
/// with memberships and access keys of the wanted users and the policies of the wanted groups.
pub(crate) async fn refresh(
    p: &AwsProvider,
    scope: &RefreshScope,
) -> Result<Vec<LiveObject>, ProviderError> {
    let (users, groups) = futures::try_join!(users(p, scope), groups(p, scope))?;
    Ok(users.into_iter().chain(groups).collect())
}

async fn users(p: &AwsProvider, scope: &RefreshScope) -> Result<Vec<LiveObject>, ProviderError> {
    let prefix = role_path(&scope.estate);
    let prefix = prefix.as_str();
    let mut names: Vec<(String, String)> = all_pages(|marker| async move {
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
    .await?;
    // The declared users the listing did not show are looked up by name, all at once.
    let elsewhere: Vec<String> = scope
        .users
        .iter()
        .filter(|declared| !names.iter().any(|(n, _)| n == *declared))
        .cloned()
        .collect();
    let found: Vec<Option<(String, String)>> = stream::iter(elsewhere)
        .map(|declared| async move {
            let got = p
                .limited(p.iam.get_user().user_name(&declared).send())
                .await
                .map_err(|e| error::api("GetUser", e));
            Ok::<_, ProviderError>(
                unless_gone(got)?
                    .and_then(|got| got.user)
                    .map(|user| (user.user_name, user.path)),
            )
        })
        .buffered(p.parallelism())
        .try_collect()
        .await?;
    names.extend(found.into_iter().flatten());
    let read: Vec<Vec<LiveObject>> = stream::iter(names)
        .map(|(name, path)| read_user(p, scope, name, path))
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(read.into_iter().flatten().collect())
}

/// A user with its tags; with its groups, access keys and policies when declared or owned.
/// Users come from the listing under the estate's own path or by their declared name, so
/// they are expected to be wanted: everything is read at once, and dropped if the tags say
/// the user is another estate's.
async fn read_user(
    p: &AwsProvider,
    scope: &RefreshScope,
    name: String,
    path: String,
) -> Result<Vec<LiveObject>, ProviderError> {
    let tags = async {
        let listed = p
            .limited(p.iam.list_user_tags().user_name(&name).send())
            .await
            .map_err(|e| error::api("ListUserTags", e));
        Ok::<_, ProviderError>(unless_gone(listed)?.map(|listed| {
            listed
                .tags
                .into_iter()
                .map(|t| (t.key, t.value))
                .collect::<Tags>()
        }))
    };
    let (tags, groups, keys, attached, inline) = futures::try_join!(
        tags,
        groups_of(p, &name),
        access_keys(p, &name),
        attached_policies(p, Kind::User, &name),
        user_policies(p, &name)
    )?;
    let Some(tags) = tags else {
        return Ok(Vec::new());
    };
    let wanted = scope.users.contains(&name)
        || Owner::from_tags(&tags).is_some_and(|o| o.estate == scope.estate);
    let mut user = LiveObject::new(Resource::User(User {
        name: name.clone(),
        path,
        tags,
    }));
    if !wanted {
        return Ok(vec![user]);
    }
    user.access_keys = keys;
    let mut out = vec![user];
    out.extend(groups.into_iter().map(|group| {
        LiveObject::new(Resource::GroupMembership(GroupMembership {
            group,
            user: name.clone(),
        }))
    }));
    out.extend(attached.into_iter().map(|policy_arn| {
        LiveObject::new(Resource::UserPolicyAttachment(UserPolicyAttachment {
            user: name.clone(),
            policy_arn,
        }))
    }));
    out.extend(inline.into_iter().map(LiveObject::new));
    Ok(out)
}

/// The names of a user's inline policies, all pages; none when the user has gone.
async fn user_policy_names(p: &AwsProvider, user: &str) -> Result<Vec<String>, ProviderError> {
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

/// A user's inline policies, all pages; none when the user has gone.
async fn user_policies(p: &AwsProvider, user: &str) -> Result<Vec<Resource>, ProviderError> {
    let names = user_policy_names(p, user).await?;
    let mut out = Vec::new();
    for name in names {
        let got = p
            .limited(
                p.iam
                    .get_user_policy()
                    .user_name(user)
                    .policy_name(&name)
                    .send(),
            )
            .await
            .map_err(|e| error::api("GetUserPolicy", e));
        if let Some(got) = unless_gone(got)? {
            out.push(Resource::UserPolicy(UserPolicy {
                user: user.to_owned(),
                name,
                document: document("GetUserPolicy", &got.policy_document)?,
            }));
        }
    }
    Ok(out)
}

/// The groups a user is in, all pages; none when the user has gone.
async fn groups_of(p: &AwsProvider, user: &str) -> Result<Vec<String>, ProviderError> {
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

/// The ARNs of the managed policies attached to a user or group (`kind`), all pages; none
/// when it has gone. Each becomes an object, so one attached by hand is drift and is detached.
async fn attached_policies(
    p: &AwsProvider,
    kind: Kind,
    name: &str,
) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let (page, truncated, next) = if kind == Kind::User {
            let page = p
                .limited(
                    p.iam
                        .list_attached_user_policies()
                        .user_name(name)
                        .set_marker(marker)
                        .send(),
                )
                .await
                .map_err(|e| error::api("ListAttachedUserPolicies", e));
            let Some(page) = unless_gone(page)? else {
                return Ok(None);
            };
            (page.attached_policies, page.is_truncated, page.marker)
        } else {
            let page = p
                .limited(
                    p.iam
                        .list_attached_group_policies()
                        .group_name(name)
                        .set_marker(marker)
                        .send(),
                )
                .await
                .map_err(|e| error::api("ListAttachedGroupPolicies", e));
            let Some(page) = unless_gone(page)? else {
                return Ok(None);
            };
            (page.attached_policies, page.is_truncated, page.marker)
        };
        let arns = page
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| a.policy_arn);
        Ok(Some(Page::new(arns.collect(), truncated, next)))
    })
    .await
}

/// A user's access keys as `ListAccessKeys` reports them: ids, status and age, never secrets.
async fn access_keys(p: &AwsProvider, user: &str) -> Result<Vec<AccessKey>, ProviderError> {
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

async fn groups(p: &AwsProvider, scope: &RefreshScope) -> Result<Vec<LiveObject>, ProviderError> {
    let prefix = role_path(&scope.estate);
    let prefix = prefix.as_str();
    let mut found: Vec<Group> = all_pages(|marker| async move {
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
        let groups = page.groups.into_iter().map(|g| Group {
            name: g.group_name,
            path: g.path,
        });
        Ok(Some(Page::new(
            groups.collect(),
            page.is_truncated,
            page.marker,
        )))
    })
    .await?;
    // The declared groups the listing did not show are looked up by name, all at once.
    let elsewhere: Vec<String> = scope
        .groups
        .iter()
        .filter(|declared| !found.iter().any(|g| &g.name == *declared))
        .cloned()
        .collect();
    let looked_up: Vec<Option<Group>> =
        stream::iter(elsewhere)
            .map(|declared| async move {
                let got = p
                    .limited(p.iam.get_group().group_name(&declared).max_items(1).send())
                    .await
                    .map_err(|e| error::api("GetGroup", e));
                Ok::<_, ProviderError>(unless_gone(got)?.and_then(|got| got.group).map(|group| {
                    Group {
                        name: group.group_name,
                        path: group.path,
                    }
                }))
            })
            .buffered(p.parallelism())
            .try_collect()
            .await?;
    found.extend(looked_up.into_iter().flatten());
    let read: Vec<Vec<LiveObject>> = stream::iter(found)
        .map(|g| read_group(p, g))
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(read.into_iter().flatten().collect())
}

/// A group and every inline policy on it, so that stray ones are seen and removed.
async fn read_group(p: &AwsProvider, group: Group) -> Result<Vec<LiveObject>, ProviderError> {
    let mut out = Vec::new();
    for name in group_policy_names(p, &group.name).await? {
        let got = p
            .limited(
                p.iam
                    .get_group_policy()
                    .group_name(&group.name)
                    .policy_name(&name)
                    .send(),
            )
            .await
            .map_err(|e| error::api("GetGroupPolicy", e));
        if let Some(got) = unless_gone(got)? {
            out.push(LiveObject::new(Resource::GroupPolicy(GroupPolicy {
                group: group.name.clone(),
                name,
                document: document("GetGroupPolicy", &got.policy_document)?,
            })));
        }
    }
    out.extend(
        attached_policies(p, Kind::Group, &group.name)
            .await?
            .into_iter()
            .map(|policy_arn| {
                LiveObject::new(Resource::GroupPolicyAttachment(GroupPolicyAttachment {
                    group: group.name.clone(),
                    policy_arn,
                }))
            }),
    );
    out.push(LiveObject::new(Resource::Group(group)));
    Ok(out)
}

async fn group_policy_names(p: &AwsProvider, group: &str) -> Result<Vec<String>, ProviderError> {
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

/// Creates a user, group, membership or group policy.
pub(crate) async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let id = resource.id();
    match resource {
        Resource::User(u) => {
            p.iam
                .create_user()
                .user_name(&u.name)
                .path(&u.path)
                .set_tags(Some(crate::apply::iam_tags(&u.tags)?))
                .send()
                .await
                .map_err(|e| error::on("CreateUser", &id, e))?;
            Ok(())
        }
        Resource::Group(g) => {
            p.iam
                .create_group()
                .group_name(&g.name)
                .path(&g.path)
                .send()
                .await
                .map_err(|e| error::on("CreateGroup", &id, e))?;
            Ok(())
        }
        Resource::GroupMembership(m) => {
            crate::apply::propagated(p, &id, "AddUserToGroup", || {
                p.iam
                    .add_user_to_group()
                    .group_name(&m.group)
                    .user_name(&m.user)
                    .send()
            })
            .await
        }
        Resource::GroupPolicy(gp) => put_group_policy(p, &id, gp, &gp.document).await,
        Resource::UserPolicy(up) => {
            crate::apply::propagated(p, &id, "PutUserPolicy", || {
                p.iam
                    .put_user_policy()
                    .user_name(&up.user)
                    .policy_name(&up.name)
                    .policy_document(up.document.to_compact())
                    .send()
            })
            .await
        }
        Resource::UserPolicyAttachment(a) => {
            crate::apply::propagated(p, &id, "AttachUserPolicy", || {
                p.iam
                    .attach_user_policy()
                    .user_name(&a.user)
                    .policy_arn(&a.policy_arn)
                    .send()
            })
            .await
        }
        Resource::GroupPolicyAttachment(a) => {
            crate::apply::propagated(p, &id, "AttachGroupPolicy", || {
                p.iam
                    .attach_group_policy()
                    .group_name(&a.group)
                    .policy_arn(&a.policy_arn)
                    .send()
            })
            .await
        }
        _ => Err(crate::apply::invalid(format!("{id} is not a user object"))),
    }
}

/// The user or group `id` names as it stands, for a create that answered "already exists":
/// the user with its tags, the group with its path (which records its owner).
pub(crate) async fn read_one(
    p: &AwsProvider,
    id: &ObjectId,
) -> Result<Option<Resource>, ProviderError> {
    match id.kind {
        Kind::User => {
            let got = p
                .limited(p.iam.get_user().user_name(&id.key).send())
                .await
                .map_err(|e| error::api("GetUser", e));
            let Some(user) = unless_gone(got)?.and_then(|g| g.user) else {
                return Ok(None);
            };
            let listed = p
                .limited(p.iam.list_user_tags().user_name(&id.key).send())
                .await
                .map_err(|e| error::api("ListUserTags", e));
            let Some(listed) = unless_gone(listed)? else {
                return Ok(None);
            };
            Ok(Some(Resource::User(User {
                name: user.user_name,
                path: user.path,
                tags: listed.tags.into_iter().map(|t| (t.key, t.value)).collect(),
            })))
        }
        Kind::Group => {
            let got = p
                .limited(p.iam.get_group().group_name(&id.key).max_items(1).send())
                .await
                .map_err(|e| error::api("GetGroup", e));
            Ok(unless_gone(got)?.and_then(|g| g.group).map(|g| {
                Resource::Group(Group {
                    name: g.group_name,
                    path: g.path,
                })
            }))
        }
        _ => Ok(None),
    }
}

async fn put_group_policy(
    p: &AwsProvider,
    id: &ObjectId,
    gp: &GroupPolicy,
    document: &JsonDocument,
) -> Result<(), ProviderError> {
    crate::apply::propagated(p, id, "PutGroupPolicy", || {
        p.iam
            .put_group_policy()
            .group_name(&gp.group)
            .policy_name(&gp.name)
            .policy_document(document.to_compact())
            .send()
    })
    .await
}

/// Changes a user's path or tags, a group's path (how a group is adopted: it takes no tags),
/// or a group policy's document. A membership has nothing to change.
pub(crate) async fn update(
    p: &AwsProvider,
    before: &Resource,
    after: &Resource,
) -> Result<(), ProviderError> {
    let id = after.id();
    match (before, after) {
        (Resource::User(b), Resource::User(a)) => {
            if b.path != a.path {
                p.iam
                    .update_user()
                    .user_name(&a.name)
                    .new_path(&a.path)
                    .send()
                    .await
                    .map_err(|e| error::on("UpdateUser", &id, e))?;
            }
            let (removed, set) = crate::apply::tag_diff(&b.tags, &a.tags);
            if !removed.is_empty() {
                p.iam
                    .untag_user()
                    .user_name(&a.name)
                    .set_tag_keys(Some(removed))
                    .send()
                    .await
                    .map_err(|e| error::on("UntagUser", &id, e))?;
            }
            if !set.is_empty() {
                tag_user(p, &id, &set).await?;
            }
            Ok(())
        }
        (Resource::Group(b), Resource::Group(a)) => {
            if b.path != a.path {
                p.iam
                    .update_group()
                    .group_name(&a.name)
                    .new_path(&a.path)
                    .send()
                    .await
                    .map_err(|e| error::on("UpdateGroup", &id, e))?;
            }
            Ok(())
        }
        (_, Resource::GroupPolicy(gp)) => put_group_policy(p, &id, gp, &gp.document).await,
        (_, Resource::GroupMembership(_)) => Ok(()),
        _ => Err(crate::apply::invalid(format!(
            "cannot update {} into {id}",
            before.id()
        ))),
    }
}

/// Adds ownership tags to a user.
pub(crate) async fn tag_user(
    p: &AwsProvider,
    id: &ObjectId,
    tags: &Tags,
) -> Result<(), ProviderError> {
    p.iam
        .tag_user()
        .user_name(&id.key)
        .set_tags(Some(crate::apply::iam_tags(tags)?))
        .send()
        .await
        .map_err(|e| error::on("TagUser", id, e))?;
    Ok(())
}

/// Deletes a user, group, membership or group policy.
pub(crate) async fn delete(
    p: &AwsProvider,
    resource: &Resource,
    force: bool,
) -> Result<(), ProviderError> {
    let id = resource.id();
    match resource {
        Resource::User(u) => delete_user(p, &id, &u.name, force).await,
        Resource::Group(g) => delete_group(p, &id, &g.name).await,
        Resource::GroupMembership(m) => {
            p.iam
                .remove_user_from_group()
                .group_name(&m.group)
                .user_name(&m.user)
                .send()
                .await
                .map_err(|e| error::on("RemoveUserFromGroup", &id, e))?;
            Ok(())
        }
        Resource::GroupPolicy(gp) => {
            p.iam
                .delete_group_policy()
                .group_name(&gp.group)
                .policy_name(&gp.name)
                .send()
                .await
                .map_err(|e| error::on("DeleteGroupPolicy", &id, e))?;
            Ok(())
        }
        Resource::UserPolicy(up) => {
            p.iam
                .delete_user_policy()
                .user_name(&up.user)
                .policy_name(&up.name)
                .send()
                .await
                .map_err(|e| error::on("DeleteUserPolicy", &id, e))?;
            Ok(())
        }
        Resource::UserPolicyAttachment(a) => {
            p.iam
                .detach_user_policy()
                .user_name(&a.user)
                .policy_arn(&a.policy_arn)
                .send()
                .await
                .map_err(|e| error::on("DetachUserPolicy", &id, e))?;
            Ok(())
        }
        Resource::GroupPolicyAttachment(a) => {
            p.iam
                .detach_group_policy()
                .group_name(&a.group)
                .policy_arn(&a.policy_arn)
                .send()
                .await
                .map_err(|e| error::on("DetachGroupPolicy", &id, e))?;
            Ok(())
        }
        _ => Err(crate::apply::invalid(format!("{id} is not a user object"))),
    }
}

/// IAM refuses to delete a user that still has keys, groups or policies (DeleteConflict). Keys
/// are checked first: without `force` a user holding one is refused before anything else is
/// touched; with it they go, then the user's groups and policies, then the user.
async fn delete_user(
    p: &AwsProvider,
    id: &ObjectId,
    name: &str,
    force: bool,
) -> Result<(), ProviderError> {
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
    for group in groups_of(p, name).await? {
        p.iam
            .remove_user_from_group()
            .group_name(group)
            .user_name(name)
            .send()
            .await
            .map_err(|e| error::on("RemoveUserFromGroup", id, e))?;
    }
    for policy in user_policy_names(p, name).await? {
        p.iam
            .delete_user_policy()
            .user_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| error::on("DeleteUserPolicy", id, e))?;
    }
    for arn in attached_policies(p, Kind::User, name).await? {
        p.iam
            .detach_user_policy()
            .user_name(name)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| error::on("DetachUserPolicy", id, e))?;
    }
    p.iam
        .delete_user()
        .user_name(name)
        .send()
        .await
        .map_err(|e| error::on("DeleteUser", id, e))?;
    Ok(())
}

/// IAM refuses to delete a group with members or policies (DeleteConflict): the group is this
/// estate's, so what is left on it goes first.
async fn delete_group(p: &AwsProvider, id: &ObjectId, name: &str) -> Result<(), ProviderError> {
    for policy in group_policy_names(p, name).await? {
        p.iam
            .delete_group_policy()
            .group_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| error::on("DeleteGroupPolicy", id, e))?;
    }
    for arn in attached_policies(p, Kind::Group, name).await? {
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
