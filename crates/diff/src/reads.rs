//! The reads a plan needs beyond the refresh, and the loop that makes them: a refresh reads
//! only the estate, so a plan that would delete a shared OIDC provider first asks which roles
//! in the account still trust it, and a plan that would delete or replace repositories first
//! asks whether they hold images. This is the one asynchronous part of the crate; planning
//! itself stays pure.

use std::collections::BTreeSet;
use std::sync::Arc;

use ecrplan_model::{
    Action, DesiredEstate, Kind, LiveEstate, LiveObject, ObjectId, Plan, Provider, ProviderError,
    Providers, Reach, RefreshScope, Resource, Scope,
};
use thiserror::Error;

use crate::error::PlanError;
use crate::planner::plan;

/// Why a plan could not be made from the account: a read failed, or the plan itself did.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The refresh failed.
    #[error("refresh failed: {0}")]
    Refresh(#[source] ProviderError),
    /// The roles trusting an OIDC provider the plan would delete could not be read.
    #[error("cannot read the roles trusting {url}: {source}")]
    TrustingRoles {
        /// The provider's URL, without scheme.
        url: String,
        /// Why.
        #[source]
        source: ProviderError,
    },
    /// Whether a repository holds images could not be read.
    #[error("cannot tell whether repository {repository} holds images: {source}")]
    Images {
        /// The repository.
        repository: String,
        /// Why.
        #[source]
        source: ProviderError,
    },
    /// The configuration conflicts with the account.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Refreshes what `desired` needs in every registry `reach` names, concurrently, each through
/// its provider, and merges the reads into one estate. `account_wide` widens each registry's
/// read to its whole account (the account-wide audit). A registry whose provider is missing is
/// an error, never an empty read: what ecrplan cannot read must not look gone.
pub async fn refresh(
    desired: &DesiredEstate,
    providers: &Providers,
    reach: &Reach,
    account_wide: bool,
) -> Result<LiveEstate, ReadError> {
    let registries = reach.registries();
    let single = registries.len() == 1;
    let reads = registries.iter().map(|registry| async move {
        let provider = provider_for(providers, &Scope::Registry(registry.clone()))?;
        let mut scope = if single {
            RefreshScope::for_estate(desired)
        } else {
            RefreshScope::for_registry(desired, reach, registry)
        };
        scope.account_wide = account_wide;
        provider.refresh(&scope).await.map_err(ReadError::Refresh)
    });
    let reads = futures::future::try_join_all(reads).await?;
    Ok(LiveEstate::merge(reads, reach.aliases.clone()))
}

/// The provider of `scope`, or the error that says the run cannot reach it.
fn provider_for<'p>(
    providers: &'p Providers,
    scope: &Scope,
) -> Result<&'p Arc<dyn Provider>, ReadError> {
    providers.for_scope(scope).ok_or_else(|| {
        ReadError::Refresh(ProviderError::Transport(format!(
            "no provider reaches {scope}"
        )))
    })
}

/// Refreshes what `desired` needs and plans, making the extra reads the plan asks for and
/// planning again with what they found. Returns the plan and the live estate it was made
/// against.
pub async fn refresh_and_plan(
    desired: &DesiredEstate,
    providers: &Providers,
    reach: &Reach,
    config_hash: &str,
) -> Result<(Plan, LiveEstate), ReadError> {
    let mut live = refresh(desired, providers, reach, false).await?;
    let mut made = plan(desired, &live, config_hash)?;
    let oidc: BTreeSet<ObjectId> = made
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::OidcProvider && c.action == Action::Delete)
        .map(|c| c.id.clone())
        .collect();
    if !oidc.is_empty() {
        add_trusting_roles(providers, &mut live, &oidc).await?;
        made = plan(desired, &live, config_hash)?;
    }
    let doomed: BTreeSet<ObjectId> = made
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::Repository)
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .map(|c| c.id.clone())
        .collect();
    if !doomed.is_empty() {
        check_images(providers, &mut live, &doomed).await?;
        made = plan(desired, &live, config_hash)?;
    }
    Ok((made, live))
}

/// Refreshes what `desired` needs, with whether each owned repository it no longer declares
/// holds images: what an offline plan against a snapshot of it needs to decide deletes.
pub async fn snapshot(
    desired: &DesiredEstate,
    providers: &Providers,
    reach: &Reach,
) -> Result<LiveEstate, ReadError> {
    let mut live = refresh(desired, providers, reach, false).await?;
    let declared: BTreeSet<ObjectId> = desired
        .objects(reach)
        .iter()
        .filter(|d| d.resource.kind() == Kind::Repository)
        .map(|d| d.id())
        .collect();
    let undeclared: BTreeSet<ObjectId> = live
        .objects
        .iter()
        .filter(|o| {
            o.resource.kind() == Kind::Repository
                && o.owner
                    .as_ref()
                    .is_some_and(|owner| owner.estate == desired.name)
        })
        .map(|o| live.id(o))
        .filter(|id| !declared.contains(id))
        .collect();
    check_images(providers, &mut live, &undeclared).await?;
    Ok(live)
}

/// Adds every role that trusts one of the named OIDC providers, in its account, and the
/// refresh did not read.
async fn add_trusting_roles(
    providers: &Providers,
    live: &mut LiveEstate,
    oidc: &BTreeSet<ObjectId>,
) -> Result<(), ReadError> {
    let mut known: BTreeSet<ObjectId> = live
        .objects
        .iter()
        .filter(|o| o.resource.kind() == Kind::Role)
        .map(|o| live.id(o))
        .collect();
    let default = live.registry();
    let mut added = Vec::new();
    for id in oidc {
        let provider = provider_for(providers, &id.scope)?;
        let registry = provider
            .account()
            .await
            .map(|a| a.registry())
            .map_err(ReadError::Refresh)?;
        let roles =
            provider
                .roles_trusting(&id.key)
                .await
                .map_err(|source| ReadError::TrustingRoles {
                    url: id.key.clone(),
                    source,
                })?;
        for role in roles {
            let mut object = LiveObject::new(Resource::Role(role));
            object.registry = (registry != default).then(|| registry.clone());
            added.push(object);
        }
    }
    for object in added {
        if known.insert(live.id(&object)) {
            live.objects.push(object);
        }
    }
    live.normalise();
    Ok(())
}

/// Records whether the named repositories hold images: a call each, so only for those whose
/// deletion depends on it.
async fn check_images(
    providers: &Providers,
    live: &mut LiveEstate,
    ids: &BTreeSet<ObjectId>,
) -> Result<(), ReadError> {
    let default = live.registry();
    for object in &mut live.objects {
        let registry = object.registry.clone().unwrap_or_else(|| default.clone());
        let id = object.resource.id(&registry);
        if let Resource::Repository(repo) = &object.resource
            && ids.contains(&id)
        {
            let provider = provider_for(providers, &id.scope)?;
            let holds =
                provider
                    .holds_images(&repo.name)
                    .await
                    .map_err(|source| ReadError::Images {
                        repository: repo.name.clone(),
                        source,
                    })?;
            object.holds_images = Some(holds);
        }
    }
    Ok(())
}
