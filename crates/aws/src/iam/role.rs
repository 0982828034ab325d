//! IAM roles CI assumes: listed under a path (ListRoles carries the trust, not the tags), read
//! by name, their tags read one call each; created, their trust and tags changed in place,
//! deleted with what IAM requires gone first.

use async_trait::async_trait;
use aws_sdk_iam::types::Role as IamRole;
use ecrplan_model::{self as model, JsonDocument, Kind, ObjectId, ProviderError, Resource, Tags};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use crate::convert::{document, from_iam_tags, iam_tags};
use crate::error::{self, invalid, unless_gone};
use crate::handler::{Handler, retag};
use crate::iam::owner::{PolicyOwner, remove_policies};
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// The handler of [`Kind::Role`]: the path is fixed at creation, trust and tags change in place.
pub(crate) struct Role;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::Role, ProviderError> {
    let Resource::Role(r) = resource else {
        return Err(error::mismatch(Kind::Role, resource.kind()));
    };
    Ok(r)
}

/// The role's trust document as `operation` answered it; a role without one trusts nobody.
fn trust(operation: &str, role: &IamRole) -> Result<JsonDocument, ProviderError> {
    match role.assume_role_policy_document() {
        Some(text) => document(text).map_err(|e| error::not_json(operation, e)),
        None => Ok(JsonDocument::new(Value::Null)),
    }
}

/// Every role whose path starts with `prefix` (all of them without one), with its trust
/// document: one paged listing of 1000 a page. ListRoles carries no tags.
pub(crate) async fn list(
    p: &AwsProvider,
    prefix: Option<&str>,
) -> Result<Vec<(IamRole, JsonDocument)>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .leading(
                p.iam
                    .list_roles()
                    .set_path_prefix(prefix.map(str::to_owned))
                    .max_items(1000)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListRoles", e))?;
        let mut roles = Vec::with_capacity(page.roles.len());
        for role in page.roles {
            let trust = trust("ListRoles", &role)?;
            roles.push((role, trust));
        }
        Ok(Some(Page::new(roles, page.is_truncated, page.marker)))
    })
    .await
}

/// A role by name: GetRole returns its trust and tags in one call. `None` when it does not exist.
pub(crate) async fn get(
    p: &AwsProvider,
    name: &str,
) -> Result<Option<(IamRole, JsonDocument, Tags)>, ProviderError> {
    let got = p
        .limited(p.iam.get_role().role_name(name).send())
        .await
        .map_err(|e| error::api("GetRole", e));
    let Some(role) = unless_gone(got)?.and_then(|g| g.role) else {
        return Ok(None);
    };
    let trust = trust("GetRole", &role)?;
    let tags = role
        .tags()
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    Ok(Some((role, trust, tags)))
}

/// A role by name as the model holds it (GetRole: path, trust and tags, no policies); `None`
/// when it does not exist.
pub(crate) async fn read(
    p: &AwsProvider,
    name: &str,
) -> Result<Option<model::Role>, ProviderError> {
    Ok(get(p, name).await?.map(|(role, trust, tags)| model::Role {
        name: role.role_name,
        path: role.path,
        trust,
        tags,
    }))
}

/// A role's tags (ListRoles has none); `None` when the role has gone.
pub(crate) async fn tags(p: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let listed = p
        .limited(p.iam.list_role_tags().role_name(name).send())
        .await
        .map_err(|e| error::api("ListRoleTags", e));
    Ok(unless_gone(listed)?.map(|l| from_iam_tags(l.tags)))
}

/// Every role in the account that trusts the OIDC provider `url`, with its tags: the
/// whole-account read behind the shared provider's "no role still trusts it" rule.
pub(crate) async fn trusting(
    p: &AwsProvider,
    url: &str,
) -> Result<Vec<model::Role>, ProviderError> {
    let trusting: Vec<(IamRole, JsonDocument)> = list(p, None)
        .await?
        .into_iter()
        .filter(|(_, trust)| trust.federated_providers().iter().any(|u| u == url))
        .collect();
    let found: Vec<Option<model::Role>> = stream::iter(trusting)
        .map(|(role, trust)| async move {
            let Some(tags) = tags(p, &role.role_name).await? else {
                return Ok(None);
            };
            Ok(Some(model::Role {
                name: role.role_name,
                path: role.path,
                trust,
                tags,
            }))
        })
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// The names of the instance profiles holding the role, all pages.
async fn instance_profiles(
    p: &AwsProvider,
    id: &ObjectId,
    name: &str,
) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .iam
            .list_instance_profiles_for_role()
            .role_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| error::on("ListInstanceProfilesForRole", id, e))?;
        let profiles = page.instance_profiles.into_iter();
        let names = profiles.map(|profile| profile.instance_profile_name);
        Ok(Some(Page::new(
            names.collect(),
            page.is_truncated,
            page.marker,
        )))
    })
    .await
}

#[async_trait]
impl Handler for Role {
    /// Retried while IAM has not yet seen an OIDC provider its trust names, made moments ago.
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let r = object(resource)?;
        let tags = iam_tags(&r.tags).map_err(invalid)?;
        p.propagated(&resource.id(&p.registry), "CreateRole", || {
            p.iam
                .create_role()
                .role_name(&r.name)
                .path(&r.path)
                .assume_role_policy_document(r.trust.to_compact())
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await
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
            return Err(error::requires_replacement(id, "path"));
        }
        if b.trust.canonical_policy() != a.trust.canonical_policy() {
            p.propagated(id, "UpdateAssumeRolePolicy", || {
                p.iam
                    .update_assume_role_policy()
                    .role_name(&a.name)
                    .policy_document(a.trust.to_compact())
                    .send()
            })
            .await?;
        }
        let untag = |keys| async move {
            p.iam
                .untag_role()
                .role_name(&a.name)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| error::on("UntagRole", id, e))
        };
        retag(self, p, id, &b.tags, &a.tags, untag).await
    }

    /// IAM refuses to delete a role that still has policies or sits in an instance profile
    /// (DeleteConflict): inline policies are deleted, managed ones detached and the role
    /// removed from its instance profiles first.
    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let name = &object(resource)?.name;
        let id = &resource.id(&p.registry);
        remove_policies::<RoleOwner>(p, id, name).await?;
        for profile in instance_profiles(p, id, name).await? {
            p.iam
                .remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(name)
                .send()
                .await
                .map_err(|e| error::on("RemoveRoleFromInstanceProfile", id, e))?;
        }
        p.iam
            .delete_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| error::on("DeleteRole", id, e))?;
        Ok(())
    }

    async fn tag(&self, p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
        p.iam
            .tag_role()
            .role_name(&id.key)
            .set_tags(Some(iam_tags(tags).map_err(invalid)?))
            .send()
            .await
            .map_err(|e| error::on("TagRole", id, e))?;
        Ok(())
    }

    /// GetRole: the role with its trust and tags, no policies.
    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        Ok(read(p, &object(wanted)?.name).await?.map(Resource::Role))
    }
}

/// A role as the holder of its inline policies and attachments.
pub(crate) struct RoleOwner;

impl PolicyOwner for RoleOwner {
    const INLINE: Kind = Kind::RolePolicy;
    const ATTACHMENT: Kind = Kind::RolePolicyAttachment;
    const NOUN: &'static str = "role";
    const WRITES_AS_HOLDER: bool = true;
    const CONCURRENT_READS: bool = true;

    fn inline(resource: &Resource) -> Option<(&str, &str, &JsonDocument)> {
        let Resource::RolePolicy(rp) = resource else {
            return None;
        };
        Some((&rp.role, &rp.name, &rp.document))
    }

    fn new_inline(role: String, name: String, document: JsonDocument) -> Resource {
        Resource::RolePolicy(model::RolePolicy {
            role,
            name,
            document,
        })
    }

    fn attachment(resource: &Resource) -> Option<(&str, &str)> {
        let Resource::RolePolicyAttachment(a) = resource else {
            return None;
        };
        Some((&a.role, &a.policy_arn))
    }

    fn new_attachment(role: String, policy_arn: String) -> Resource {
        Resource::RolePolicyAttachment(model::RolePolicyAttachment { role, policy_arn })
    }

    async fn list_inline(
        p: &AwsProvider,
        role: &str,
        marker: Option<String>,
    ) -> Result<Page<String>, ProviderError> {
        let page = p
            .iam
            .list_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| error::api("ListRolePolicies", e))?;
        Ok(Page::new(page.policy_names, page.is_truncated, page.marker))
    }

    async fn get_inline(
        p: &AwsProvider,
        role: &str,
        name: &str,
    ) -> Result<JsonDocument, ProviderError> {
        let got = p
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| error::api("GetRolePolicy", e))?;
        document(&got.policy_document).map_err(|e| error::not_json("GetRolePolicy", e))
    }

    async fn put_inline(
        p: &AwsProvider,
        role: &str,
        name: &str,
        document: &str,
    ) -> Result<(), ProviderError> {
        p.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("PutRolePolicy", e))
    }

    async fn delete_inline(p: &AwsProvider, role: &str, name: &str) -> Result<(), ProviderError> {
        p.iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteRolePolicy", e))
    }

    async fn list_attached(
        p: &AwsProvider,
        role: &str,
        marker: Option<String>,
    ) -> Result<Page<String>, ProviderError> {
        let page = p
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| error::api("ListAttachedRolePolicies", e))?;
        let arns = page.attached_policies.unwrap_or_default().into_iter();
        let arns = arns.filter_map(|a| a.policy_arn).collect();
        Ok(Page::new(arns, page.is_truncated, page.marker))
    }

    async fn attach(p: &AwsProvider, role: &str, policy_arn: &str) -> Result<(), ProviderError> {
        p.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("AttachRolePolicy", e))
    }

    async fn detach(p: &AwsProvider, role: &str, policy_arn: &str) -> Result<(), ProviderError> {
        p.iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DetachRolePolicy", e))
    }
}
