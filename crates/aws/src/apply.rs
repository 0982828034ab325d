//! Applying one change: the fewest calls that turn `before` into `after` for one object.

use std::future::Future;

use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    ImageTagMutabilityExclusionFilter, ImageTagMutabilityExclusionFilterType,
    ReplicationConfiguration, ReplicationDestination as EcrDestination, ReplicationRule as EcrRule,
    RepositoryFilter, RepositoryFilterType,
};
use ecrplan_model::{
    Encryption, Kind, ObjectId, OidcProvider, Operation, ProviderError, Replication, Repository,
    Resource, Role, Tags,
};

use crate::paging::{Page, all_pages};
use crate::{AwsProvider, error};

pub(crate) async fn apply(p: &AwsProvider, operation: &Operation) -> Result<(), ProviderError> {
    match operation {
        Operation::Create { resource } => match create(p, resource).await {
            Err(ProviderError::AlreadyExists(id)) => {
                if already_made(p, resource).await? {
                    Ok(())
                } else {
                    Err(ProviderError::AlreadyExists(id))
                }
            }
            other => other,
        },
        Operation::Update { before, after } => update(p, before, after).await,
        Operation::Delete { resource, force } => delete(p, resource, *force).await,
        Operation::Tag { id, tags } => tag(p, id, tags).await,
    }
}

/// Whether a create answered "already exists" was in fact done: the object carries the
/// owner ecrplan sent (its ownership tags, or a group's path) and matches what was asked for. This is what a create whose
/// response was lost looks like when the SDK retries it (AWS made the object the first time),
/// so counting it as done lets the apply finish; anything else stays a conflict.
async fn already_made(p: &AwsProvider, wanted: &Resource) -> Result<bool, ProviderError> {
    let Some(wanted_owner) = wanted.owner() else {
        return Ok(false);
    };
    let Some(live) = crate::refresh::read_one(p, &wanted.id()).await? else {
        return Ok(false);
    };
    Ok(live.owner().as_ref() == Some(&wanted_owner) && live.canonical() == wanted.canonical())
}

/// A request that cannot be built: a bug or bad input, never worth retrying as a network error.
pub(crate) fn invalid(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Api {
        operation: "BuildRequest".into(),
        code: "InvalidRequest".into(),
        message: format!("cannot build the request: {e}"),
    }
}

/// Whether AWS owns the tag key: `aws:` tags can be neither set nor removed by users.
fn system_tag(key: &str) -> bool {
    key.starts_with("aws:")
}

/// Keys to remove and tags to set so that `before` becomes `after`, leaving `aws:` tags alone.
pub(crate) fn tag_diff(before: &Tags, after: &Tags) -> (Vec<String>, Tags) {
    let removed = before
        .keys()
        .filter(|k| !system_tag(k) && !after.contains_key(*k))
        .cloned()
        .collect();
    let set = after
        .iter()
        .filter(|(k, v)| !system_tag(k) && before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (removed, set)
}

/// The exclusion filters of a repository as ECR takes them; `None` when there are none, since
/// ECR refuses an empty list as much as filters on a kind without exclusions.
fn exclusion_filters(
    r: &Repository,
) -> Result<Option<Vec<ImageTagMutabilityExclusionFilter>>, ProviderError> {
    if r.image_tag_mutability_exclusion_filters.is_empty() {
        return Ok(None);
    }
    r.image_tag_mutability_exclusion_filters
        .iter()
        .map(|f| {
            ImageTagMutabilityExclusionFilter::builder()
                .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                .filter(f)
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn ecr_tags(tags: &Tags) -> Result<Vec<aws_sdk_ecr::types::Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_ecr::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(invalid)
        })
        .collect()
}

pub(crate) fn iam_tags(tags: &Tags) -> Result<Vec<aws_sdk_iam::types::Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(invalid)
        })
        .collect()
}

/// Sends one call, retrying it through propagation delays, and maps its error onto `id`'s
/// domain errors.
pub(crate) async fn propagated<T, E, R, F, Fut>(
    p: &AwsProvider,
    id: &ObjectId,
    operation: &str,
    mut call: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    p.with_propagation(|| {
        let sent = call();
        async move { sent.await.map(|_| ()).map_err(|e| error::api(operation, e)) }
    })
    .await
    .map_err(|e| error::classify(e, id))
}

fn requires_replacement(id: &ObjectId, attribute: &str) -> ProviderError {
    ProviderError::Api {
        operation: "Update".into(),
        code: "RequiresReplacement".into(),
        message: format!("the {attribute} of {id} cannot change in place"),
    }
}

async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let id = resource.id();
    match resource {
        Resource::Repository(r) => {
            let encryption = match &r.encryption {
                Encryption::Aes256 => EncryptionConfiguration::builder()
                    .encryption_type(EncryptionType::Aes256)
                    .build(),
                Encryption::Kms { kms_key } => EncryptionConfiguration::builder()
                    .encryption_type(EncryptionType::Kms)
                    .kms_key(kms_key)
                    .build(),
            }
            .map_err(invalid)?;
            p.ecr
                .create_repository()
                .repository_name(&r.name)
                .image_tag_mutability(ImageTagMutability::from(r.image_tag_mutability.as_str()))
                .set_image_tag_mutability_exclusion_filters(exclusion_filters(r)?)
                .image_scanning_configuration(
                    ImageScanningConfiguration::builder()
                        .scan_on_push(r.scan_on_push)
                        .build(),
                )
                .encryption_configuration(encryption)
                .set_tags(Some(ecr_tags(&r.tags)?))
                .send()
                .await
                .map_err(|e| error::on("CreateRepository", &id, e))?;
            Ok(())
        }
        Resource::RepositoryPolicy(_)
        | Resource::LifecyclePolicy(_)
        | Resource::RolePolicy(_)
        | Resource::Replication(_) => put_document(p, resource).await,
        Resource::RolePolicyAttachment(a) => {
            let parent = resource.parent().unwrap_or_else(|| id.clone());
            propagated(p, &parent, "AttachRolePolicy", || {
                p.iam
                    .attach_role_policy()
                    .role_name(&a.role)
                    .policy_arn(&a.policy_arn)
                    .send()
            })
            .await
        }
        Resource::OidcProvider(o) => {
            p.iam
                .create_open_id_connect_provider()
                .url(format!("https://{}", o.url))
                .set_client_id_list((!o.client_ids.is_empty()).then(|| o.client_ids.clone()))
                // Optional in today's IAM API: without it IAM fetches the issuer's CA
                // thumbprint itself (CircleCI's providers carry none).
                .set_thumbprint_list((!o.thumbprints.is_empty()).then(|| o.thumbprints.clone()))
                .set_tags(Some(iam_tags(&o.tags)?))
                .send()
                .await
                .map_err(|e| error::on("CreateOpenIDConnectProvider", &id, e))?;
            Ok(())
        }
        Resource::Role(r) => {
            let tags = iam_tags(&r.tags)?;
            propagated(p, &id, "CreateRole", || {
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
        Resource::User(_)
        | Resource::Group(_)
        | Resource::GroupMembership(_)
        | Resource::GroupPolicy(_)
        | Resource::UserPolicy(_)
        | Resource::UserPolicyAttachment(_)
        | Resource::GroupPolicyAttachment(_) => crate::users::create(p, resource).await,
    }
}

/// Policies and replication are put whole: create and update are the same call, retried
/// while IAM or ECR has not yet seen a principal or repository made moments ago.
async fn put_document(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let id = resource.id();
    let parent = resource.parent().unwrap_or_else(|| id.clone());
    match resource {
        Resource::RepositoryPolicy(rp) => {
            propagated(p, &parent, "SetRepositoryPolicy", || {
                p.ecr
                    .set_repository_policy()
                    .repository_name(&rp.repository)
                    .policy_text(rp.document.to_compact())
                    .send()
            })
            .await
        }
        Resource::LifecyclePolicy(lp) => {
            propagated(p, &parent, "PutLifecyclePolicy", || {
                p.ecr
                    .put_lifecycle_policy()
                    .repository_name(&lp.repository)
                    .lifecycle_policy_text(lp.document.to_compact())
                    .send()
            })
            .await
        }
        Resource::RolePolicy(rp) => {
            propagated(p, &parent, "PutRolePolicy", || {
                p.iam
                    .put_role_policy()
                    .role_name(&rp.role)
                    .policy_name(&rp.name)
                    .policy_document(rp.document.to_compact())
                    .send()
            })
            .await
        }
        Resource::Replication(r) => p
            .with_propagation(|| put_replication(p, r))
            .await
            .map_err(|e| error::classify(e, &parent)),
        _ => Err(invalid(format!("{id} is not a document"))),
    }
}

async fn put_replication(p: &AwsProvider, r: &Replication) -> Result<(), ProviderError> {
    let mut rules = Vec::new();
    for rule in &r.rules {
        let destinations = rule
            .destinations
            .iter()
            .map(|d| {
                EcrDestination::builder()
                    .region(&d.region)
                    .registry_id(&d.registry_id)
                    .build()
                    .map_err(invalid)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let filters = rule
            .repository_prefixes
            .iter()
            .map(|prefix| {
                RepositoryFilter::builder()
                    .filter(prefix)
                    .filter_type(RepositoryFilterType::PrefixMatch)
                    .build()
                    .map_err(invalid)
            })
            .collect::<Result<Vec<_>, _>>()?;
        rules.push(
            EcrRule::builder()
                .set_destinations(Some(destinations))
                .set_repository_filters((!filters.is_empty()).then_some(filters))
                .build()
                .map_err(invalid)?,
        );
    }
    let configuration = ReplicationConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(invalid)?;
    p.ecr
        .put_replication_configuration()
        .replication_configuration(configuration)
        .send()
        .await
        .map_err(|e| error::api("PutReplicationConfiguration", e))?;
    Ok(())
}

async fn update(p: &AwsProvider, before: &Resource, after: &Resource) -> Result<(), ProviderError> {
    let id = after.id();
    if before.id() != id {
        return Err(invalid(format!("cannot update {} into {id}", before.id())));
    }
    match (before, after) {
        (Resource::Repository(b), Resource::Repository(a)) => update_repository(p, &id, b, a).await,
        (Resource::Role(b), Resource::Role(a)) => update_role(p, &id, b, a).await,
        (Resource::OidcProvider(b), Resource::OidcProvider(a)) => update_oidc(p, &id, b, a).await,
        (
            _,
            Resource::User(_)
            | Resource::Group(_)
            | Resource::GroupMembership(_)
            | Resource::GroupPolicy(_),
        ) => crate::users::update(p, before, after).await,
        _ => put_document(p, after).await,
    }
}

async fn update_repository(
    p: &AwsProvider,
    id: &ObjectId,
    b: &Repository,
    a: &Repository,
) -> Result<(), ProviderError> {
    if b.encryption != a.encryption {
        return Err(requires_replacement(id, "encryption"));
    }
    let filters = |r: &Repository| {
        let mut f = r.image_tag_mutability_exclusion_filters.clone();
        f.sort();
        f.dedup();
        f
    };
    if b.image_tag_mutability != a.image_tag_mutability || filters(b) != filters(a) {
        // One call sets both: the filters travel with the mutability they qualify.
        let exclusions = exclusion_filters(a)?;
        propagated(p, id, "PutImageTagMutability", || {
            p.ecr
                .put_image_tag_mutability()
                .repository_name(&a.name)
                .image_tag_mutability(ImageTagMutability::from(a.image_tag_mutability.as_str()))
                .set_image_tag_mutability_exclusion_filters(exclusions.clone())
                .send()
        })
        .await?;
    }
    if b.scan_on_push != a.scan_on_push {
        propagated(p, id, "PutImageScanningConfiguration", || {
            p.ecr
                .put_image_scanning_configuration()
                .repository_name(&a.name)
                .image_scanning_configuration(
                    ImageScanningConfiguration::builder()
                        .scan_on_push(a.scan_on_push)
                        .build(),
                )
                .send()
        })
        .await?;
    }
    let (removed, set) = tag_diff(&b.tags, &a.tags);
    let arn = p.account.repository_arn(&a.name);
    if !removed.is_empty() {
        p.ecr
            .untag_resource()
            .resource_arn(&arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| error::on("UntagResource", id, e))?;
    }
    if !set.is_empty() {
        ecr_tag(p, id, &set).await?;
    }
    Ok(())
}

async fn ecr_tag(p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
    p.ecr
        .tag_resource()
        .resource_arn(p.account.repository_arn(&id.key))
        .set_tags(Some(ecr_tags(tags)?))
        .send()
        .await
        .map_err(|e| error::on("TagResource", id, e))?;
    Ok(())
}

async fn update_role(
    p: &AwsProvider,
    id: &ObjectId,
    b: &Role,
    a: &Role,
) -> Result<(), ProviderError> {
    if b.path != a.path {
        return Err(requires_replacement(id, "path"));
    }
    if b.trust.canonical_policy() != a.trust.canonical_policy() {
        propagated(p, id, "UpdateAssumeRolePolicy", || {
            p.iam
                .update_assume_role_policy()
                .role_name(&a.name)
                .policy_document(a.trust.to_compact())
                .send()
        })
        .await?;
    }
    let (removed, set) = tag_diff(&b.tags, &a.tags);
    if !removed.is_empty() {
        p.iam
            .untag_role()
            .role_name(&a.name)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| error::on("UntagRole", id, e))?;
    }
    if !set.is_empty() {
        role_tag(p, id, &set).await?;
    }
    Ok(())
}

async fn role_tag(p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
    p.iam
        .tag_role()
        .role_name(&id.key)
        .set_tags(Some(iam_tags(tags)?))
        .send()
        .await
        .map_err(|e| error::on("TagRole", id, e))?;
    Ok(())
}

async fn update_oidc(
    p: &AwsProvider,
    id: &ObjectId,
    b: &OidcProvider,
    a: &OidcProvider,
) -> Result<(), ProviderError> {
    let arn = p.account.oidc_provider_arn(&a.url);
    for client in a.client_ids.iter().filter(|c| !b.client_ids.contains(c)) {
        p.iam
            .add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .client_id(client)
            .send()
            .await
            .map_err(|e| error::on("AddClientIDToOpenIDConnectProvider", id, e))?;
    }
    for client in b.client_ids.iter().filter(|c| !a.client_ids.contains(c)) {
        p.iam
            .remove_client_id_from_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .client_id(client)
            .send()
            .await
            .map_err(|e| error::on("RemoveClientIDFromOpenIDConnectProvider", id, e))?;
    }
    let (removed, set) = tag_diff(&b.tags, &a.tags);
    if !removed.is_empty() {
        p.iam
            .untag_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| error::on("UntagOpenIDConnectProvider", id, e))?;
    }
    if !set.is_empty() {
        oidc_tag(p, id, &set).await?;
    }
    Ok(())
}

async fn oidc_tag(p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
    p.iam
        .tag_open_id_connect_provider()
        .open_id_connect_provider_arn(p.account.oidc_provider_arn(&id.key))
        .set_tags(Some(iam_tags(tags)?))
        .send()
        .await
        .map_err(|e| error::on("TagOpenIDConnectProvider", id, e))?;
    Ok(())
}

async fn delete(p: &AwsProvider, resource: &Resource, force: bool) -> Result<(), ProviderError> {
    let id = resource.id();
    match resource {
        Resource::Repository(r) => {
            p.ecr
                .delete_repository()
                .repository_name(&r.name)
                .force(force)
                .send()
                .await
                .map_err(|e| error::on("DeleteRepository", &id, e))?;
        }
        Resource::RepositoryPolicy(rp) => {
            p.ecr
                .delete_repository_policy()
                .repository_name(&rp.repository)
                .send()
                .await
                .map_err(|e| error::on("DeleteRepositoryPolicy", &id, e))?;
        }
        Resource::LifecyclePolicy(lp) => {
            p.ecr
                .delete_lifecycle_policy()
                .repository_name(&lp.repository)
                .send()
                .await
                .map_err(|e| error::on("DeleteLifecyclePolicy", &id, e))?;
        }
        Resource::RolePolicy(rp) => {
            p.iam
                .delete_role_policy()
                .role_name(&rp.role)
                .policy_name(&rp.name)
                .send()
                .await
                .map_err(|e| error::on("DeleteRolePolicy", &id, e))?;
        }
        Resource::RolePolicyAttachment(a) => {
            p.iam
                .detach_role_policy()
                .role_name(&a.role)
                .policy_arn(&a.policy_arn)
                .send()
                .await
                .map_err(|e| error::on("DetachRolePolicy", &id, e))?;
        }
        Resource::Replication(_) => put_replication(p, &Replication::default()).await?,
        Resource::OidcProvider(o) => {
            p.iam
                .delete_open_id_connect_provider()
                .open_id_connect_provider_arn(p.account.oidc_provider_arn(&o.url))
                .send()
                .await
                .map_err(|e| error::on("DeleteOpenIDConnectProvider", &id, e))?;
        }
        Resource::Role(r) => delete_role(p, &id, &r.name).await?,
        Resource::User(_)
        | Resource::Group(_)
        | Resource::GroupMembership(_)
        | Resource::GroupPolicy(_)
        | Resource::UserPolicy(_)
        | Resource::UserPolicyAttachment(_)
        | Resource::GroupPolicyAttachment(_) => crate::users::delete(p, resource, force).await?,
    }
    Ok(())
}

/// IAM refuses to delete a role that still has policies or sits in an instance profile
/// (DeleteConflict): inline policies are deleted, managed ones detached and the role removed
/// from its instance profiles first.
async fn delete_role(p: &AwsProvider, id: &ObjectId, name: &str) -> Result<(), ProviderError> {
    for policy in crate::refresh::role_policy_names(p, name).await? {
        p.iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| error::on("DeleteRolePolicy", id, e))?;
    }
    for policy in crate::refresh::attached_role_policy_arns(p, name).await? {
        p.iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(policy)
            .send()
            .await
            .map_err(|e| error::on("DetachRolePolicy", id, e))?;
    }
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

/// Adoption adds ownership tags and changes nothing else.
async fn tag(p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
    match id.kind {
        Kind::Repository => ecr_tag(p, id, tags).await,
        Kind::Role => role_tag(p, id, tags).await,
        Kind::OidcProvider => oidc_tag(p, id, tags).await,
        Kind::User => crate::users::tag_user(p, id, tags).await,
        // IAM groups take no tags: their path records the owner, and the update that follows
        // an adoption moves them there.
        Kind::Group => Ok(()),
        _ => Err(ProviderError::Api {
            operation: "Tag".into(),
            code: "InvalidParameter".into(),
            message: format!("{id} cannot carry tags"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_diff_removes_missing_keys_and_sets_changed_ones() {
        let before: Tags = [("a", "1"), ("b", "2"), ("c", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let after: Tags = [("a", "1"), ("b", "20"), ("d", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let (removed, set) = tag_diff(&before, &after);
        assert_eq!(removed, vec!["c".to_owned()]);
        assert_eq!(set.keys().collect::<Vec<_>>(), vec!["b", "d"]);
    }

    #[test]
    fn tag_diff_leaves_aws_system_tags_alone() {
        let before: Tags = [("aws:cloudformation:stack-name", "s"), ("team", "a")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let after: Tags = [("aws:created-by", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let (removed, set) = tag_diff(&before, &after);
        assert_eq!(removed, vec!["team".to_owned()]);
        assert!(set.is_empty(), "{set:?}");
    }

    #[test]
    fn a_request_that_cannot_be_built_is_not_a_retried_transport_error() {
        let err = invalid("missing field");
        assert!(
            matches!(&err, ProviderError::Api { code, .. } if code == "InvalidRequest"),
            "{err:?}"
        );
    }
}
