//! Reading the live estate in O(estate), not O(account): the estate's repositories come from
//! the Resource Groups Tagging API with their tags, its roles from one `ListRoles` under
//! `/ecrplan/`, declared objects by name; per-object reads follow only for those, concurrently.
//! An account-wide scope (the drift audit) lists every repository and role instead.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecr::types::Repository as EcrRepository;
use aws_sdk_iam::types::Role as IamRole;
use aws_sdk_resourcegroupstagging::types::TagFilter;
use ecrplan_model::{
    Encryption, JsonDocument, Kind, LiveEstate, LiveObject, ObjectId, OidcProvider, Owner,
    ProviderError, ROLE_PATH, RefreshScope, Replication, ReplicationDestination, ReplicationRule,
    Repository, Resource, Role, RolePolicy, RolePolicyAttachment, TagMutability, Tags,
    is_ci_issuer, role_path, tags,
};
use futures::{StreamExt, TryStreamExt, future, stream};
use serde_json::Value;

use crate::paging::{Page, all_pages};
use crate::{AwsProvider, error};

pub(crate) async fn refresh(
    p: &AwsProvider,
    scope: &RefreshScope,
) -> Result<LiveEstate, ProviderError> {
    let (repositories, roles, providers, replication, users) = futures::try_join!(
        repositories(p, scope),
        roles(p, scope),
        oidc_providers(p, scope),
        replication(p),
        crate::users::refresh(p, scope),
    )?;
    let mut live = LiveEstate::empty(p.account.clone());
    live.objects = repositories
        .into_iter()
        .chain(roles)
        .chain(providers)
        .chain(replication)
        .map(LiveObject::new)
        .chain(users)
        .collect();
    live.normalise();
    Ok(live)
}

fn owned_by(tags: &Tags, estate: &str) -> bool {
    Owner::from_tags(tags).is_some_and(|o| o.estate == estate)
}

/// Parses a policy document; IAM returns them percent-encoded, ECR as sent.
pub(crate) fn document(operation: &str, text: &str) -> Result<JsonDocument, ProviderError> {
    let parsed = serde_json::from_str(text).or_else(|_| {
        let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
        serde_json::from_str(&decoded)
    });
    parsed
        .map(JsonDocument::new)
        .map_err(|e| ProviderError::Api {
            operation: operation.to_owned(),
            code: "InvalidDocument".into(),
            message: format!("the document is not JSON: {e}"),
        })
}

/// Every repository, all pages of up to 1000: the account-wide read, the fallback without the
/// Tagging API, and the answer when asking by name found a name missing.
pub(crate) async fn list_repositories(
    p: &AwsProvider,
) -> Result<Vec<EcrRepository>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = p
            .leading(
                p.ecr
                    .describe_repositories()
                    .max_results(1000)
                    .set_next_token(token.take())
                    .send(),
            )
            .await
            .map_err(|e| error::api("DescribeRepositories", e))?;
        out.extend(page.repositories.unwrap_or_default());
        match page.next_token {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => return Ok(out),
        }
    }
}

/// The repositories the scope needs, each with its tags.
async fn repositories(
    p: &AwsProvider,
    scope: &RefreshScope,
) -> Result<Vec<Resource>, ProviderError> {
    if scope.account_wide || p.tuning.per_repository_tags {
        return read_listed(p, scope).await;
    }
    match pipelined(p, scope).await {
        Err(e) if error::may_not_call(&e) => {
            p.warn(format!(
                "cannot search the Resource Groups Tagging API ({e}); reading every \
                 repository's tags instead, one call each: allow tag:GetResources to make \
                 plans cost what the estate is"
            ));
            read_listed(p, scope).await
        }
        other => other,
    }
}

/// Every repository listed, each with its tags read one call each: the account-wide read and
/// the way without the Tagging API.
async fn read_listed(
    p: &AwsProvider,
    scope: &RefreshScope,
) -> Result<Vec<Resource>, ProviderError> {
    let per_repo: Vec<Vec<Resource>> = stream::iter(list_repositories(p).await?)
        .map(|r| read_repository(p, scope, r, None))
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(per_repo.into_iter().flatten().collect())
}

/// The estate's repositories through the Tagging API, as one pipeline that keeps every permit
/// busy from the start: the declared names are described (100 a call) as soon as the first
/// tag page shows that the API answers, the owned undeclared names as their pages arrive, and
/// each described repository's policies are read at once. Tags are joined from the pages when
/// paging is done; only declared repositories the search did not return have theirs read.
async fn pipelined(p: &AwsProvider, scope: &RefreshScope) -> Result<Vec<Resource>, ProviderError> {
    let (names, batches) = futures::channel::mpsc::unbounded();
    let (described, found) = futures::channel::mpsc::unbounded();
    let listing = tokio::sync::OnceCell::new();
    let listing = &listing;
    // Its own future, polled whenever an answer comes: a description waiting to be polled
    // until the policy reads downstream have room would keep its permit idle meanwhile.
    let describing = async move {
        batches
            .map(|batch| describe_batch(p, batch, listing))
            .buffer_unordered(p.parallelism())
            .try_for_each(|repositories| {
                for r in repositories {
                    // Received until the reading fails, and then so does the refresh.
                    drop(described.unbounded_send(r));
                }
                future::ready(Ok(()))
            })
            .await
    };
    let reading = found
        .map(|r: EcrRepository| async move {
            let name = r.repository_name().unwrap_or_default().to_owned();
            let policies = repository_policies(p, &name).await?;
            Ok::<_, ProviderError>((r, policies))
        })
        .buffer_unordered(p.parallelism())
        .try_collect::<Vec<_>>();
    let (mut tagged, (), read) =
        futures::try_join!(tag_pages(p, scope, names), describing, reading)?;
    let joined = read.into_iter().map(|(r, policies)| {
        let name = r.repository_name().unwrap_or_default().to_owned();
        let known = tagged.remove(&name);
        async move {
            let tags = match known {
                Some(tags) => tags,
                None => match repository_tags(p, &r, &name).await? {
                    Some(tags) => tags,
                    None => return Ok(Vec::new()),
                },
            };
            if !scope.repositories.contains(&name) && !owned_by(&tags, &scope.estate) {
                return Ok(Vec::new());
            }
            let mut out = vec![repository(name, &r, tags)];
            out.extend(policies);
            Ok::<_, ProviderError>(out)
        }
    });
    let per_repo: Vec<Vec<Resource>> = stream::iter(joined)
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(per_repo.into_iter().flatten().collect())
}

/// The estate's repositories in this region and their tags, from `tag:GetResources` (100 a page,
/// the API's maximum): a cost that follows the estate, not the account. Sends the names to
/// describe to `names` in batches of 100 (the DescribeRepositories limit): the declared ones
/// once the first page has answered, then every owned undeclared one found on a page. The last
/// declared batch that is not full waits for those, so the batches are as few as they would be
/// after paging.
async fn tag_pages(
    p: &AwsProvider,
    scope: &RefreshScope,
    names: futures::channel::mpsc::UnboundedSender<Vec<String>>,
) -> Result<BTreeMap<String, Tags>, ProviderError> {
    // The receiver outlives the sender unless the reading failed, and then so does the refresh.
    let send = |batch: Vec<String>| drop(names.unbounded_send(batch));
    let mut out = BTreeMap::new();
    let mut pending: Vec<String> = Vec::new();
    let mut token = None;
    let mut first = true;
    loop {
        let page = p
            .leading(
                p.tagging
                    .get_resources()
                    .tag_filters(
                        TagFilter::builder()
                            .key(tags::MANAGED_BY)
                            .values(tags::MANAGED_BY_VALUE)
                            .build(),
                    )
                    .tag_filters(
                        TagFilter::builder()
                            .key(tags::ESTATE)
                            .values(&scope.estate)
                            .build(),
                    )
                    .resource_type_filters("ecr:repository")
                    .resources_per_page(100)
                    .set_pagination_token(token.take())
                    .send(),
            )
            .await
            .map_err(|e| error::api("GetResources", e))?;
        if std::mem::take(&mut first) {
            for batch in scope
                .repositories
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .chunks(100)
            {
                if batch.len() == 100 {
                    send(batch.to_vec());
                } else {
                    pending = batch.to_vec();
                }
            }
        }
        for mapping in page.resource_tag_mapping_list() {
            let Some((_, name)) = mapping
                .resource_arn()
                .and_then(|arn| arn.split_once(":repository/"))
            else {
                continue;
            };
            let tags: Tags = mapping
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect();
            if !scope.repositories.contains(name) && owned_by(&tags, &scope.estate) {
                pending.push(name.to_owned());
                if pending.len() == 100 {
                    send(std::mem::take(&mut pending));
                }
            }
            out.insert(name.to_owned(), tags);
        }
        match page.pagination_token {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => {
                if !pending.is_empty() {
                    send(pending);
                }
                return Ok(out);
            }
        }
    }
}

/// One batch of up to 100 names, described by name. One missing name fails its whole batch
/// with RepositoryNotFoundException, and which one is missing is not said in a structured way;
/// then one paged listing (1000 a page), made once and shared by every batch, answers for all
/// names at a known cost, rather than one lookup per name.
async fn describe_batch(
    p: &AwsProvider,
    batch: Vec<String>,
    listing: &tokio::sync::OnceCell<Vec<EcrRepository>>,
) -> Result<Vec<EcrRepository>, ProviderError> {
    if listing.get().is_none() {
        let described = p
            .leading(
                p.ecr
                    .describe_repositories()
                    .set_repository_names(Some(batch.clone()))
                    .send(),
            )
            .await
            .map_err(|e| error::api("DescribeRepositories", e));
        match described {
            Ok(out) => return Ok(out.repositories.unwrap_or_default()),
            Err(e) if error::is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
    }
    let wanted: BTreeSet<&str> = batch.iter().map(String::as_str).collect();
    Ok(listing
        .get_or_try_init(|| list_repositories(p))
        .await?
        .iter()
        .filter(|r| r.repository_name().is_some_and(|n| wanted.contains(n)))
        .cloned()
        .collect())
}

/// A repository's tags, one call; `None` when it was deleted since it was listed.
async fn repository_tags(
    p: &AwsProvider,
    r: &EcrRepository,
    name: &str,
) -> Result<Option<Tags>, ProviderError> {
    let arn = r
        .repository_arn()
        .map_or_else(|| p.account.repository_arn(name), str::to_owned);
    let listed = p
        .limited(p.ecr.list_tags_for_resource().resource_arn(arn).send())
        .await
        .map_err(|e| error::api("ListTagsForResource", e));
    Ok(unless_gone(listed)?.map(|out| {
        out.tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()
    }))
}

/// A repository with its tags (read now unless known); policies only for declared
/// repositories and this estate's own. Others are dropped unless the scope is account-wide.
async fn read_repository(
    p: &AwsProvider,
    scope: &RefreshScope,
    r: EcrRepository,
    known_tags: Option<Tags>,
) -> Result<Vec<Resource>, ProviderError> {
    let name = r.repository_name().unwrap_or_default().to_owned();
    let tags = match known_tags {
        Some(tags) => tags,
        None => match repository_tags(p, &r, &name).await? {
            Some(tags) => tags,
            None => return Ok(Vec::new()),
        },
    };
    let wanted = scope.repositories.contains(&name) || owned_by(&tags, &scope.estate);
    if !wanted && !scope.account_wide {
        return Ok(Vec::new());
    }
    let mut out = vec![repository(name.clone(), &r, tags)];
    if wanted {
        out.extend(repository_policies(p, &name).await?);
    }
    Ok(out)
}

/// The repository object from what DescribeRepositories said and its tags.
fn repository(name: String, r: &EcrRepository, tags: Tags) -> Resource {
    let encryption = match r.encryption_configuration() {
        Some(e) if e.encryption_type().as_str() != "AES256" => Encryption::Kms {
            kms_key: e.kms_key().unwrap_or_default().to_owned(),
        },
        _ => Encryption::Aes256,
    };
    Resource::Repository(Repository {
        name,
        image_tag_mutability: r
            .image_tag_mutability()
            .and_then(|m| TagMutability::parse(m.as_str()))
            .unwrap_or_default(),
        image_tag_mutability_exclusion_filters: r
            .image_tag_mutability_exclusion_filters()
            .iter()
            .map(|f| f.filter().to_owned())
            .collect(),
        scan_on_push: r
            .image_scanning_configuration()
            .is_some_and(|s| s.scan_on_push()),
        encryption,
        tags,
    })
}

/// A repository's policy and lifecycle policy, read together; absent ones are no object.
async fn repository_policies(p: &AwsProvider, name: &str) -> Result<Vec<Resource>, ProviderError> {
    let (policy, lifecycle) = futures::join!(
        p.limited(p.ecr.get_repository_policy().repository_name(name).send()),
        p.limited(p.ecr.get_lifecycle_policy().repository_name(name).send()),
    );
    let mut out = Vec::new();
    match policy.map_err(|e| error::api("GetRepositoryPolicy", e)) {
        Ok(out_policy) => {
            if let Some(text) = out_policy.policy_text() {
                out.push(Resource::RepositoryPolicy(
                    ecrplan_model::RepositoryPolicy {
                        repository: name.to_owned(),
                        document: document("GetRepositoryPolicy", text)?,
                    },
                ));
            }
        }
        Err(e) if error::is_not_found(&e) => {}
        Err(e) => return Err(e),
    }
    match lifecycle.map_err(|e| error::api("GetLifecyclePolicy", e)) {
        Ok(out_lifecycle) => {
            if let Some(text) = out_lifecycle.lifecycle_policy_text() {
                out.push(Resource::LifecyclePolicy(ecrplan_model::LifecyclePolicy {
                    repository: name.to_owned(),
                    document: document("GetLifecyclePolicy", text)?,
                }));
            }
        }
        Err(e) if error::is_not_found(&e) => {}
        Err(e) => return Err(e),
    }
    Ok(out)
}

/// Every role whose path starts with `prefix` (all of them without one), with its trust
/// document: one paged listing of 1000 a page. ListRoles carries no tags.
async fn list_roles(
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
            let trust = match role.assume_role_policy_document() {
                Some(text) => document("ListRoles", text)?,
                None => JsonDocument::new(Value::Null),
            };
            roles.push((role, trust));
        }
        Ok(Some(Page::new(roles, page.is_truncated, page.marker)))
    })
    .await
}

/// The roles the scope needs. One listing under `/ecrplan/` finds the estate's own roles (path
/// `/ecrplan/<estate>/`) and the roles made before estate paths existed (exactly `/ecrplan/`,
/// whose tags say whose they are); other estates' paths cost nothing beyond the listing's bytes.
/// Declared roles elsewhere are read by name. Account-wide: every role under `/ecrplan/`,
/// declared, or trusting a CI OIDC provider.
async fn roles(p: &AwsProvider, scope: &RefreshScope) -> Result<Vec<Resource>, ProviderError> {
    let own = role_path(&scope.estate);
    let mut kept: Vec<(IamRole, JsonDocument, Option<Tags>)> = Vec::new();
    if scope.account_wide {
        for (role, trust) in list_roles(p, None).await? {
            if role.path.starts_with(ROLE_PATH)
                || scope.roles.contains(&role.role_name)
                || trust
                    .federated_providers()
                    .iter()
                    .any(|url| is_ci_issuer(url))
            {
                kept.push((role, trust, None));
            }
        }
    } else {
        for (role, trust) in list_roles(p, Some(ROLE_PATH)).await? {
            if role.path == own || role.path == ROLE_PATH || scope.roles.contains(&role.role_name) {
                kept.push((role, trust, None));
            }
        }
        let seen: BTreeSet<String> = kept.iter().map(|(r, ..)| r.role_name.clone()).collect();
        let elsewhere: Vec<String> = scope.roles.difference(&seen).cloned().collect();
        let got: Vec<Option<(IamRole, JsonDocument, Option<Tags>)>> = stream::iter(elsewhere)
            .map(|name| async move { get_role(p, &name).await })
            .buffer_unordered(p.parallelism())
            .try_collect()
            .await?;
        kept.extend(got.into_iter().flatten());
    }
    let per_role: Vec<Vec<Resource>> = stream::iter(kept)
        .map(|(role, trust, tags)| read_role(p, scope, role, trust, tags))
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(per_role.into_iter().flatten().collect())
}

/// A declared role outside `/ecrplan/`, by name: GetRole returns its trust and tags in one call.
async fn get_role(
    p: &AwsProvider,
    name: &str,
) -> Result<Option<(IamRole, JsonDocument, Option<Tags>)>, ProviderError> {
    let got = p
        .limited(p.iam.get_role().role_name(name).send())
        .await
        .map_err(|e| error::api("GetRole", e));
    let Some(role) = unless_gone(got)?.and_then(|g| g.role) else {
        return Ok(None);
    };
    let trust = match role.assume_role_policy_document() {
        Some(text) => document("GetRole", text)?,
        None => JsonDocument::new(Value::Null),
    };
    let tags = role
        .tags()
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    Ok(Some((role, trust, Some(tags))))
}

/// Every role in the account that trusts the OIDC provider `url`, with its tags: the
/// whole-account read behind the shared provider's "no role still trusts it" rule.
pub(crate) async fn roles_trusting(p: &AwsProvider, url: &str) -> Result<Vec<Role>, ProviderError> {
    let trusting: Vec<(IamRole, JsonDocument)> = list_roles(p, None)
        .await?
        .into_iter()
        .filter(|(_, trust)| trust.federated_providers().iter().any(|u| u == url))
        .collect();
    let found: Vec<Option<Role>> = stream::iter(trusting)
        .map(|(role, trust)| async move {
            let Some(tags) = role_tags(p, &role.role_name).await? else {
                return Ok(None);
            };
            Ok(Some(Role {
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

/// A role's tags (ListRoles has none); `None` when the role has gone.
async fn role_tags(p: &AwsProvider, name: &str) -> Result<Option<Tags>, ProviderError> {
    let listed = p
        .limited(p.iam.list_role_tags().role_name(name).send())
        .await
        .map_err(|e| error::api("ListRoleTags", e));
    Ok(unless_gone(listed)?.map(|l| l.tags.into_iter().map(|t| (t.key, t.value)).collect()))
}

/// Drops a NoSuchEntity answer: the object was deleted between the listing and this read.
pub(crate) fn unless_gone<T>(result: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if error::is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A kept role with its tags (read now unless GetRole gave them); inline policies of declared
/// and owned roles, all of them, so that stray ones are seen and removed. Others are dropped
/// unless the scope is account-wide. Declared roles and those on the estate's own path are
/// read whole at once (tags, inline and attached policies together); a role elsewhere has its
/// tags read first, and the rest only if they say it is the estate's.
async fn read_role(
    p: &AwsProvider,
    scope: &RefreshScope,
    r: IamRole,
    trust: JsonDocument,
    known_tags: Option<Tags>,
) -> Result<Vec<Resource>, ProviderError> {
    let name = r.role_name.clone();
    let tags = async {
        match known_tags {
            Some(tags) => Ok(Some(tags)),
            None => role_tags(p, &name).await,
        }
    };
    let expected = scope.roles.contains(&name) || r.path == role_path(&scope.estate);
    let (tags, policies) = if expected {
        let (tags, policies) = futures::try_join!(tags, role_policies(p, &name))?;
        (tags, Some(policies))
    } else {
        (tags.await?, None)
    };
    let Some(tags) = tags else {
        return Ok(Vec::new());
    };
    let wanted = scope.roles.contains(&name) || owned_by(&tags, &scope.estate);
    if !wanted && !scope.account_wide {
        return Ok(Vec::new());
    }
    let mut out = vec![Resource::Role(Role {
        name: name.clone(),
        path: r.path.clone(),
        trust,
        tags,
    })];
    if wanted {
        out.extend(match policies {
            Some(policies) => policies,
            None => role_policies(p, &name).await?,
        });
    }
    Ok(out)
}

/// A role's inline policies (each read as soon as its name is listed) and attached managed
/// policies, read together; none when the role has gone.
async fn role_policies(p: &AwsProvider, name: &str) -> Result<Vec<Resource>, ProviderError> {
    let inline = async {
        let read: Vec<Option<Resource>> = stream::iter(role_policy_names(p, name).await?)
            .map(|policy| async move {
                let got = p
                    .limited(
                        p.iam
                            .get_role_policy()
                            .role_name(name)
                            .policy_name(&policy)
                            .send(),
                    )
                    .await
                    .map_err(|e| error::api("GetRolePolicy", e));
                let Some(got) = unless_gone(got)? else {
                    return Ok(None);
                };
                Ok(Some(Resource::RolePolicy(RolePolicy {
                    role: name.to_owned(),
                    document: document("GetRolePolicy", &got.policy_document)?,
                    name: policy,
                })))
            })
            .buffered(p.parallelism())
            .try_collect()
            .await?;
        Ok::<_, ProviderError>(read.into_iter().flatten().collect::<Vec<_>>())
    };
    let (inline, attached) = futures::try_join!(inline, attached_policies(p, name))?;
    Ok(inline.into_iter().chain(attached).collect())
}

/// The managed policies attached to a role, all pages; none when the role has gone. Each is
/// an object of its own, so one attached out of band shows up as drift and is detached.
async fn attached_policies(p: &AwsProvider, role: &str) -> Result<Vec<Resource>, ProviderError> {
    let arns = attached_role_policy_arns(p, role).await?;
    Ok(arns
        .into_iter()
        .map(|policy_arn| {
            Resource::RolePolicyAttachment(RolePolicyAttachment {
                role: role.to_owned(),
                policy_arn,
            })
        })
        .collect())
}

/// The ARNs of the managed policies attached to a role, all pages; none when the role has gone.
pub(crate) async fn attached_role_policy_arns(
    p: &AwsProvider,
    role: &str,
) -> Result<Vec<String>, ProviderError> {
    all_pages(|marker| async move {
        let page = p
            .limited(
                p.iam
                    .list_attached_role_policies()
                    .role_name(role)
                    .set_marker(marker)
                    .send(),
            )
            .await
            .map_err(|e| error::api("ListAttachedRolePolicies", e));
        Ok(unless_gone(page)?.map(|page| {
            let arns = page.attached_policies.unwrap_or_default();
            let arns = arns.into_iter().filter_map(|a| a.policy_arn).collect();
            Page::new(arns, page.is_truncated, page.marker)
        }))
    })
    .await
}

/// The names of a role's inline policies, all pages; none when the role has gone.
pub(crate) async fn role_policy_names(
    p: &AwsProvider,
    role: &str,
) -> Result<Vec<String>, ProviderError> {
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

/// The OIDC providers ecrplan can own or declare; others are not read at all.
async fn oidc_providers(
    p: &AwsProvider,
    scope: &RefreshScope,
) -> Result<Vec<Resource>, ProviderError> {
    let arns: Vec<String> = p
        .leading(p.iam.list_open_id_connect_providers().send())
        .await
        .map_err(|e| error::api("ListOpenIDConnectProviders", e))?
        .open_id_connect_provider_list
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| entry.arn)
        .filter(|arn| {
            arn.split_once(":oidc-provider/")
                .is_some_and(|(_, url)| is_ci_issuer(url) || scope.oidc_providers.contains(url))
        })
        .collect();
    let found: Vec<Option<Resource>> = stream::iter(arns)
        .map(|arn| async move {
            let got = p
                .limited(
                    p.iam
                        .get_open_id_connect_provider()
                        .open_id_connect_provider_arn(&arn)
                        .send(),
                )
                .await
                .map_err(|e| error::api("GetOpenIDConnectProvider", e));
            let Some(got) = unless_gone(got)? else {
                return Ok(None);
            };
            let url = got.url().map_or_else(
                || {
                    arn.split_once(":oidc-provider/")
                        .map_or("", |(_, u)| u)
                        .to_owned()
                },
                |u| u.trim_start_matches("https://").to_owned(),
            );
            Ok(Some(Resource::OidcProvider(OidcProvider {
                url,
                client_ids: got.client_id_list().to_vec(),
                thumbprints: got.thumbprint_list().to_vec(),
                tags: got
                    .tags()
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect(),
            })))
        })
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// The registry's replication rules; an empty rule list is reported as no object, the same
/// state a delete leaves.
async fn replication(p: &AwsProvider) -> Result<Option<Resource>, ProviderError> {
    let registry = p
        .limited(p.ecr.describe_registry().send())
        .await
        .map_err(|e| error::api("DescribeRegistry", e))?;
    let rules: Vec<ReplicationRule> = registry
        .replication_configuration()
        .map(|c| c.rules())
        .unwrap_or_default()
        .iter()
        .map(|rule| ReplicationRule {
            destinations: rule
                .destinations()
                .iter()
                .map(|d| ReplicationDestination {
                    region: d.region().to_owned(),
                    registry_id: d.registry_id().to_owned(),
                })
                .collect(),
            repository_prefixes: rule
                .repository_filters()
                .iter()
                .map(|f| f.filter().to_owned())
                .collect(),
        })
        .collect();
    Ok((!rules.is_empty()).then_some(Resource::Replication(Replication { rules })))
}

/// One repository, role or OIDC provider as a refresh would read it (without its policies);
/// `None` when it does not exist. Used after a create answered "already exists", to tell a
/// retried create of ecrplan's own object from a real conflict.
pub(crate) async fn read_one(
    p: &AwsProvider,
    id: &ObjectId,
) -> Result<Option<Resource>, ProviderError> {
    match id.kind {
        Kind::Repository => {
            let listed = p
                .limited(
                    p.ecr
                        .describe_repositories()
                        .repository_names(&id.key)
                        .send(),
                )
                .await
                .map_err(|e| error::api("DescribeRepositories", e));
            let Some(repository) = unless_gone(listed)?
                .and_then(|l| l.repositories.unwrap_or_default().into_iter().next())
            else {
                return Ok(None);
            };
            // Account-wide and owned by no estate in scope: the repository itself, tags read,
            // no policies.
            let scope = RefreshScope {
                account_wide: true,
                ..RefreshScope::default()
            };
            let read = read_repository(p, &scope, repository, None).await?;
            Ok(read.into_iter().next())
        }
        Kind::Role => {
            let got = p
                .limited(p.iam.get_role().role_name(&id.key).send())
                .await
                .map_err(|e| error::api("GetRole", e));
            let Some(role) = unless_gone(got)?.and_then(|g| g.role) else {
                return Ok(None);
            };
            let trust = match role.assume_role_policy_document() {
                Some(text) => document("GetRole", text)?,
                None => JsonDocument::new(Value::Null),
            };
            Ok(Some(Resource::Role(Role {
                tags: role
                    .tags()
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect(),
                name: role.role_name,
                path: role.path,
                trust,
            })))
        }
        // Rare enough (a lost create response) to reuse the listing rather than add a reader.
        Kind::OidcProvider => {
            let scope = RefreshScope {
                oidc_providers: [id.key.clone()].into(),
                ..RefreshScope::default()
            };
            Ok(oidc_providers(p, &scope)
                .await?
                .into_iter()
                .find(|r| r.id() == *id))
        }
        Kind::User | Kind::Group => crate::users::read_one(p, id).await,
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    //! moto answers DescribeRepositories in one page whatever `maxResults` says, so paging is
    //! tested here against hand-written responses.

    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use aws_config::retry::RetryConfig;
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::body::SdkBody;
    use futures::FutureExt;
    use serde_json::{Value, json};

    use crate::{AwsProvider, Tuning};

    /// Answers STS and three pages of DescribeRepositories; records each listing request.
    /// With `throttle`, the first that many listing attempts are throttled.
    #[derive(Clone, Debug, Default)]
    struct Pages {
        listings: Arc<Mutex<Vec<Value>>>,
        throttle: Arc<Mutex<u32>>,
    }

    const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDATEST</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;

    fn page(names: &[&str], next: Option<&str>) -> String {
        let repositories: Vec<Value> = names
            .iter()
            .map(|n| {
                json!({
                    "repositoryName": n,
                    "repositoryArn": format!("arn:aws:ecr:eu-west-1:123456789012:repository/{n}"),
                    "imageTagMutability": "MUTABLE"
                })
            })
            .collect();
        let mut body = json!({ "repositories": repositories });
        if let Some(next) = next {
            body["nextToken"] = json!(next);
        }
        body.to_string()
    }

    impl HttpConnector for Pages {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let target = request.headers().get("x-amz-target").unwrap_or_default();
            if target.ends_with("DescribeRepositories") {
                let mut throttle = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
                if *throttle > 0 {
                    *throttle -= 1;
                    let status = 400u16.try_into().expect("400 is a status code");
                    let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
                    return HttpConnectorFuture::ready(Ok(HttpResponse::new(
                        status,
                        SdkBody::from(body),
                    )));
                }
            }
            let body = if target.ends_with("DescribeRepositories") {
                let sent: Value = request
                    .body()
                    .bytes()
                    .and_then(|b| serde_json::from_slice(b).ok())
                    .unwrap_or(Value::Null);
                let token = sent["nextToken"].as_str().map(str::to_owned);
                self.listings
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(sent);
                match token.as_deref() {
                    None => page(&["a", "b"], Some("t1")),
                    Some("t1") => page(&["c"], Some("t2")),
                    _ => page(&["d"], None),
                }
            } else {
                IDENTITY.to_owned()
            };
            let status = 200u16.try_into().expect("200 is a status code");
            HttpConnectorFuture::ready(Ok(HttpResponse::new(status, SdkBody::from(body))))
        }
    }

    impl HttpClient for Pages {
        fn http_connector(
            &self,
            _settings: &HttpConnectorSettings,
            _components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    async fn provider(pages: &Pages) -> AwsProvider {
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "test",
            )))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(5)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .http_client(pages.clone())
            .build();
        AwsProvider::from_sdk_config(&config, Tuning::default())
            .await
            .expect("connect")
    }

    #[tokio::test]
    async fn throttled_attempts_count_as_retries_not_calls() {
        let pages = Pages::default();
        *pages.throttle.lock().unwrap_or_else(|p| p.into_inner()) = 2;
        let provider = provider(&pages).await;
        let repositories = super::list_repositories(&provider).await.expect("list");
        assert_eq!(repositories.len(), 4);
        let stats = provider.stats();
        assert_eq!(stats.count("DescribeRepositories"), 3, "{stats}");
        assert_eq!(stats.retries, 2, "{stats}");
        assert_eq!(stats.total, 4, "{stats}");
    }

    #[tokio::test]
    async fn describe_repositories_follows_every_page() {
        let pages = Pages::default();
        let provider = provider(&pages).await;
        let repositories = super::list_repositories(&provider).await.expect("list");
        let names: Vec<&str> = repositories
            .iter()
            .filter_map(|r| r.repository_name())
            .collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        let listings = pages.listings.lock().unwrap_or_else(|p| p.into_inner());
        let tokens: Vec<Option<&str>> = listings.iter().map(|l| l["nextToken"].as_str()).collect();
        assert_eq!(tokens, [None, Some("t1"), Some("t2")]);
        assert!(
            listings.iter().all(|l| l["maxResults"] == json!(1000)),
            "{listings:?}"
        );
        assert!(listings.iter().all(|l| l.get("repositoryNames").is_none()));
        assert_eq!(provider.stats().count("DescribeRepositories"), 3);
    }

    /// The chain of listing pages must not wait behind the policy reads it feeds: with every
    /// permit taken and ten reads queued, a listing page gets the second permit freed (the
    /// first goes to the read already waiting for it), not the eleventh.
    #[tokio::test]
    async fn a_leading_request_goes_ahead_of_queued_limited_ones() {
        let provider = provider(&Pages::default()).await;
        let p = &provider;
        let order = Mutex::new(Vec::new());
        let order = &order;
        let mut requests = Vec::new();
        for i in 0..p.parallelism() {
            let pause = Duration::from_millis(20 * (i as u64 + 1));
            requests.push(p.limited(tokio::time::sleep(pause)).boxed_local());
        }
        for _ in 0..10 {
            requests.push(
                p.limited(async {
                    order
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push("limited")
                })
                .boxed_local(),
            );
        }
        requests.push(
            p.leading(async {
                order
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push("leading")
            })
            .boxed_local(),
        );
        futures::future::join_all(requests).await;
        let order = order.lock().unwrap_or_else(|e| e.into_inner());
        let at = order.iter().position(|o| *o == "leading");
        assert_eq!(at, Some(1), "{order:?}");
    }

    #[test]
    fn a_document_that_is_not_json_is_an_api_error_not_a_retried_transport_error() {
        let err = super::document("GetRolePolicy", "{not json").expect_err("not JSON");
        assert!(
            matches!(&err, ecrplan_model::ProviderError::Api { code, .. } if code == "InvalidDocument"),
            "{err:?}"
        );
    }
}
