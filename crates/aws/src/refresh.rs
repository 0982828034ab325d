//! Reading the live estate in O(estate), not O(account): the estate's repositories come from
//! the Resource Groups Tagging API with their tags, its roles from one `ListRoles` under
//! `/ecrplan/`, declared objects by name; per-object reads follow only for those, concurrently.
//! An account-wide scope (the drift audit) lists every repository and role instead. The
//! registry's settings are read only when the scope asks for them: the owner record first,
//! then one read per section and account setting it calls for.
//!
//! This is the one place the reads are sequenced: which listing feeds which reads, what runs
//! ahead of the line, what is joined when. Each kind's calls and conversions are its noun
//! module's (`ecr::…`, `iam::…`).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecr::types::Repository as EcrRepository;
use aws_sdk_iam::types::Role as IamRole;
use ecrplan_model::{
    GroupMembership, JsonDocument, LiveEstate, LiveObject, ProviderError, ROLE_PATH, RefreshScope,
    Resource, Role, Section, Tags, User, is_ci_issuer, role_path,
};
use futures::channel::oneshot;
use futures::{StreamExt, TryStreamExt, future, stream};

use crate::convert::owned_by;
use crate::ecr::lifecycle_policy::LifecyclePolicy;
use crate::ecr::repository_document;
use crate::ecr::repository_policy::RepositoryPolicy;
use crate::ecr::{
    account_setting, creation_template, exclusion, pull_through_cache, registry_policy,
    replication, repository, scanning, signing,
};
use crate::error;
use crate::iam::group::{self, GroupOwner};
use crate::iam::role::{self, RoleOwner};
use crate::iam::user::{self, UserOwner};
use crate::iam::{group_membership, inline_policy, oidc_provider, policy_attachment};
use crate::provider::AwsProvider;
use crate::ssm::owner;
use crate::tagged;

/// Every object the scope needs, its parts read concurrently under one bound on requests.
pub(crate) async fn refresh(
    p: &AwsProvider,
    scope: &RefreshScope,
) -> Result<LiveEstate, ProviderError> {
    let (searched, search) = oneshot::channel();
    let (repositories, (roles, providers, users, groups), replication, registry) = futures::try_join!(
        repositories(p, scope, searched),
        iam(p, scope),
        replication::read(p),
        registry(p, scope, search),
    )?;
    let mut live = LiveEstate::empty(p.account.clone());
    live.objects = repositories
        .into_iter()
        .chain(roles)
        .chain(providers)
        .chain(replication)
        .chain(registry)
        .map(LiveObject::new)
        .chain(users)
        .chain(groups)
        .collect();
    live.normalise();
    Ok(live)
}

/// The account's IAM objects the scope needs, all four reads at once; none when the scope
/// leaves IAM to another registry of the account.
async fn iam(p: &AwsProvider, scope: &RefreshScope) -> Result<IamRead, ProviderError> {
    if scope.skip_iam {
        return Ok(IamRead::default());
    }
    futures::try_join!(
        roles(p, scope),
        oidc_providers(p, scope),
        users(p, scope),
        groups(p, scope),
    )
}

/// Roles, OIDC providers, users and groups, as [`iam`] reads them.
type IamRead = (
    Vec<Resource>,
    Vec<Resource>,
    Vec<LiveObject>,
    Vec<LiveObject>,
);

/// The repositories the scope needs, each with its tags. Tells `searched` whether the search
/// for the estate's tagged objects found the registry's owner record; without a search (the
/// account-wide read, or every repository's tags read instead) `searched` is dropped unsent.
async fn repositories(
    p: &AwsProvider,
    scope: &RefreshScope,
    searched: oneshot::Sender<bool>,
) -> Result<Vec<Resource>, ProviderError> {
    if scope.account_wide || p.tuning.per_repository_tags {
        return read_listed(p, scope).await;
    }
    match pipelined(p, scope, searched).await {
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
    let per_repo: Vec<Vec<Resource>> = stream::iter(repository::list(p).await?)
        .map(|r| read_repository(p, scope, r))
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(per_repo.into_iter().flatten().collect())
}

/// The registry's settings the scope reads, and its owner record. The record first (ahead of
/// the line: what else is read depends on it): read by name when the scope declares
/// `registry` or is account-wide; otherwise only when the search for the estate's tagged
/// objects found it as the estate's (`search`), so an estate that never held the registry
/// makes no call for it — and when no search was made, read by name, as the one way left to
/// know. Then every section the scope calls for given the record, and every account setting,
/// all at once under the refresh's permits: one call each, listings paged. Scanning and
/// account settings always exist in ECR, so they come back as read, defaults included; what
/// the scope does not admit is left out.
async fn registry(
    p: &AwsProvider,
    scope: &RefreshScope,
    search: oneshot::Receiver<bool>,
) -> Result<Vec<Resource>, ProviderError> {
    let by_name = scope.registry_owner || scope.account_wide;
    let owner = if by_name || search.await != Ok(false) {
        owner::read(p).await?
    } else {
        None
    };
    let record = if let Some(Resource::RegistryOwner(record)) = &owner {
        Some(record)
    } else {
        None
    };
    let sections = future::try_join_all(
        scope
            .registry_sections(record)
            .into_iter()
            .map(|section| registry_section(p, section)),
    );
    let settings = future::try_join_all(
        scope
            .account_settings(record)
            .into_iter()
            .map(|name| async move { account_setting::read(p, &name).await }),
    );
    let (sections, settings) = futures::try_join!(sections, settings)?;
    let parent = owner.as_ref();
    let mut out: Vec<Resource> = sections
        .into_iter()
        .flatten()
        .chain(settings)
        .filter(|r| scope.admits(r, parent))
        .collect();
    out.extend(owner.clone().filter(|o| scope.admits(o, None)));
    Ok(out)
}

/// One section's objects, one call (or one listing) each. The account settings are read one
/// name a call with the others the scope asks for, so their section reads nothing here.
async fn registry_section(
    p: &AwsProvider,
    section: Section,
) -> Result<Vec<Resource>, ProviderError> {
    Ok(match section {
        Section::Policy => registry_policy::read(p).await?.into_iter().collect(),
        Section::AccountSettings => Vec::new(),
        Section::Scanning => vec![scanning::read(p).await?],
        Section::PullThroughCache => pull_through_cache::list(p).await?,
        Section::CreationTemplate => creation_template::list(p).await?,
        Section::Signing => signing::read(p).await?.into_iter().collect(),
        Section::PullTimeUpdateExclusions => exclusion::list(p).await?,
    })
}

/// The estate's repositories through the Tagging API, as one pipeline that keeps every permit
/// busy from the start: the declared names are described (100 a call) as soon as the first
/// tag page shows that the API answers, the owned undeclared names as their pages arrive, and
/// each described repository's policies are read at once. Tags are joined from the pages when
/// paging is done; only declared repositories the search did not return have theirs read.
async fn pipelined(
    p: &AwsProvider,
    scope: &RefreshScope,
    searched: oneshot::Sender<bool>,
) -> Result<Vec<Resource>, ProviderError> {
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
        futures::try_join!(tag_pages(p, scope, names, searched), describing, reading)?;
    let joined = read.into_iter().map(|(r, policies)| {
        let name = r.repository_name().unwrap_or_default().to_owned();
        let known = tagged.remove(&name);
        async move {
            let tags = match known {
                Some(tags) => tags,
                None => match repository::tags(p, &r, &name).await? {
                    Some(tags) => tags,
                    None => return Ok(Vec::new()),
                },
            };
            if !scope.repositories.contains(&name) && !owned_by(&tags, &scope.estate) {
                return Ok(Vec::new());
            }
            let mut out = vec![repository::from_sdk(name, &r, tags)];
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

/// The estate's repositories in this region and their tags, page by page from the Tagging API.
/// Sends the names to describe to `names` in batches of 100 (the DescribeRepositories limit):
/// the declared ones once the first page has answered, then every owned undeclared one found on
/// a page. The last declared batch that is not full waits for those, so the batches are as few
/// as they would be after paging. Tells `searched`, once paging is done, whether a page held
/// the registry's owner record as the estate's.
async fn tag_pages(
    p: &AwsProvider,
    scope: &RefreshScope,
    names: futures::channel::mpsc::UnboundedSender<Vec<String>>,
    searched: oneshot::Sender<bool>,
) -> Result<BTreeMap<String, Tags>, ProviderError> {
    // The receiver outlives the sender unless the reading failed, and then so does the refresh.
    let send = |batch: Vec<String>| drop(names.unbounded_send(batch));
    let mut out = BTreeMap::new();
    let mut pending: Vec<String> = Vec::new();
    let mut token = None;
    let mut first = true;
    let mut owner_record = false;
    loop {
        let found = tagged::page(p, &scope.estate, token.take()).await?;
        owner_record |= found.owner_record;
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
        for (name, tags) in found.repositories {
            if !scope.repositories.contains(&name) && owned_by(&tags, &scope.estate) {
                pending.push(name.clone());
                if pending.len() == 100 {
                    send(std::mem::take(&mut pending));
                }
            }
            out.insert(name, tags);
        }
        match found.next {
            Some(next) => token = Some(next),
            None => {
                if !pending.is_empty() {
                    send(pending);
                }
                // Received unless the refresh has failed.
                let _ = searched.send(owner_record);
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
        match repository::describe(p, batch.clone()).await {
            Ok(described) => return Ok(described),
            Err(e) if error::is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
    }
    let wanted: BTreeSet<&str> = batch.iter().map(String::as_str).collect();
    Ok(listing
        .get_or_try_init(|| repository::list(p))
        .await?
        .iter()
        .filter(|r| r.repository_name().is_some_and(|n| wanted.contains(n)))
        .cloned()
        .collect())
}

/// A listed repository with its tags, read now; policies only for declared repositories and
/// this estate's own. Others are dropped unless the scope is account-wide.
async fn read_repository(
    p: &AwsProvider,
    scope: &RefreshScope,
    r: EcrRepository,
) -> Result<Vec<Resource>, ProviderError> {
    let name = r.repository_name().unwrap_or_default().to_owned();
    let Some(tags) = repository::tags(p, &r, &name).await? else {
        return Ok(Vec::new());
    };
    let wanted = scope.repositories.contains(&name) || owned_by(&tags, &scope.estate);
    if !wanted && !scope.account_wide {
        return Ok(Vec::new());
    }
    let mut out = vec![repository::from_sdk(name.clone(), &r, tags)];
    if wanted {
        out.extend(repository_policies(p, &name).await?);
    }
    Ok(out)
}

/// A repository's policy and lifecycle policy, read together; absent ones are no object.
async fn repository_policies(p: &AwsProvider, name: &str) -> Result<Vec<Resource>, ProviderError> {
    let (policy, lifecycle) = futures::join!(
        repository_document::read::<RepositoryPolicy>(p, name),
        repository_document::read::<LifecyclePolicy>(p, name),
    );
    Ok(policy?.into_iter().chain(lifecycle?).collect())
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
        for (role, trust) in role::list(p, None).await? {
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
        for (role, trust) in role::list(p, Some(ROLE_PATH)).await? {
            if role.path == own || role.path == ROLE_PATH || scope.roles.contains(&role.role_name) {
                kept.push((role, trust, None));
            }
        }
        let seen: BTreeSet<String> = kept.iter().map(|(r, ..)| r.role_name.clone()).collect();
        let elsewhere: Vec<String> = scope.roles.difference(&seen).cloned().collect();
        let got: Vec<Option<(IamRole, JsonDocument, Tags)>> = stream::iter(elsewhere)
            .map(|name| async move { role::get(p, &name).await })
            .buffer_unordered(p.parallelism())
            .try_collect()
            .await?;
        kept.extend(
            got.into_iter()
                .flatten()
                .map(|(role, trust, tags)| (role, trust, Some(tags))),
        );
    }
    let per_role: Vec<Vec<Resource>> = stream::iter(kept)
        .map(|(role, trust, tags)| read_role(p, scope, role, trust, tags))
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(per_role.into_iter().flatten().collect())
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
            None => role::tags(p, &name).await,
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
    let (inline, attached) = futures::try_join!(
        inline_policy::read_all::<RoleOwner>(p, name),
        policy_attachment::read_all::<RoleOwner>(p, name)
    )?;
    Ok(inline.into_iter().chain(attached).collect())
}

/// The OIDC providers ecrplan can own or declare; others are not read at all.
async fn oidc_providers(
    p: &AwsProvider,
    scope: &RefreshScope,
) -> Result<Vec<Resource>, ProviderError> {
    let arns: Vec<String> = oidc_provider::list(p)
        .await?
        .into_iter()
        .filter(|arn| {
            oidc_provider::url_of(arn)
                .is_some_and(|url| is_ci_issuer(url) || scope.oidc_providers.contains(url))
        })
        .collect();
    let found: Vec<Option<Resource>> = stream::iter(arns)
        .map(|arn| async move { oidc_provider::read(p, &arn).await })
        .buffer_unordered(p.parallelism())
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// The users the estate can see: those under its path and the declared ones, with memberships,
/// access keys and policies of the wanted ones.
async fn users(p: &AwsProvider, scope: &RefreshScope) -> Result<Vec<LiveObject>, ProviderError> {
    let mut names = user::list(p, &role_path(&scope.estate)).await?;
    // The declared users the listing did not show are looked up by name, all at once.
    let elsewhere: Vec<String> = scope
        .users
        .iter()
        .filter(|declared| !names.iter().any(|(n, _)| n == *declared))
        .cloned()
        .collect();
    let found: Vec<Option<(String, String)>> = stream::iter(elsewhere)
        .map(|declared| async move { user::get(p, &declared).await })
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
    let (tags, groups, keys, attached, inline) = futures::try_join!(
        user::tags(p, &name),
        group_membership::groups_of(p, &name),
        user::access_keys(p, &name),
        policy_attachment::read_all::<UserOwner>(p, &name),
        inline_policy::read_all::<UserOwner>(p, &name)
    )?;
    let Some(tags) = tags else {
        return Ok(Vec::new());
    };
    let wanted = scope.users.contains(&name) || owned_by(&tags, &scope.estate);
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
    out.extend(attached.into_iter().chain(inline).map(LiveObject::new));
    Ok(out)
}

/// The groups the estate can see: those under its path and the declared ones, each with every
/// policy on it.
async fn groups(p: &AwsProvider, scope: &RefreshScope) -> Result<Vec<LiveObject>, ProviderError> {
    let mut found = group::list(p, &role_path(&scope.estate)).await?;
    // The declared groups the listing did not show are looked up by name, all at once.
    let elsewhere: Vec<String> = scope
        .groups
        .iter()
        .filter(|declared| !found.iter().any(|g| &g.name == *declared))
        .cloned()
        .collect();
    let looked_up: Vec<Option<ecrplan_model::Group>> = stream::iter(elsewhere)
        .map(|declared| async move { group::get(p, &declared).await })
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

/// A group and every inline and attached policy on it, so that stray ones are seen and
/// removed: the inline ones first, one after another, then the attached ones.
async fn read_group(
    p: &AwsProvider,
    group: ecrplan_model::Group,
) -> Result<Vec<LiveObject>, ProviderError> {
    let inline = inline_policy::read_all::<GroupOwner>(p, &group.name).await?;
    let attached = policy_attachment::read_all::<GroupOwner>(p, &group.name).await?;
    let group = Resource::Group(group);
    Ok(inline
        .into_iter()
        .chain(attached)
        .chain([group])
        .map(LiveObject::new)
        .collect())
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

    use crate::ecr::repository;
    use crate::provider::{AwsProvider, Tuning};

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
        let repositories = repository::list(&provider).await.expect("list");
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
        let repositories = repository::list(&provider).await.expect("list");
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
        let err = crate::convert::document("{not json")
            .map_err(|e| crate::error::not_json("GetRolePolicy", e))
            .expect_err("not JSON");
        assert!(
            matches!(&err, ecrplan_model::ProviderError::Api { code, .. } if code == "InvalidDocument"),
            "{err:?}"
        );
    }
}
