//! The reads a plan needs beyond the refresh, and the loop that makes them: a refresh reads
//! only the estate, so a plan that would delete a shared OIDC provider first asks which roles
//! in the account still trust it, and a plan that would delete or replace repositories first
//! asks whether they hold images. This is the one asynchronous part of the crate; planning
//! itself stays pure.

use std::collections::BTreeSet;

use ecrplan_model::{
    Action, DesiredEstate, Kind, LiveEstate, LiveObject, Plan, Provider, ProviderError,
    RefreshScope, Resource,
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

/// Refreshes what `desired` needs and plans, making the extra reads the plan asks for and
/// planning again with what they found. Returns the plan and the live estate it was made
/// against.
pub async fn refresh_and_plan(
    desired: &DesiredEstate,
    provider: &dyn Provider,
    config_hash: &str,
) -> Result<(Plan, LiveEstate), ReadError> {
    let mut live = provider
        .refresh(&RefreshScope::for_estate(desired))
        .await
        .map_err(ReadError::Refresh)?;
    let mut made = plan(desired, &live, config_hash)?;
    let providers: BTreeSet<String> = made
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::OidcProvider && c.action == Action::Delete)
        .map(|c| c.id.key.clone())
        .collect();
    if !providers.is_empty() {
        add_trusting_roles(provider, &mut live, &providers).await?;
        made = plan(desired, &live, config_hash)?;
    }
    let doomed: BTreeSet<String> = made
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::Repository)
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .map(|c| c.id.key.clone())
        .collect();
    if !doomed.is_empty() {
        check_images(provider, &mut live, &doomed).await?;
        made = plan(desired, &live, config_hash)?;
    }
    Ok((made, live))
}

/// Refreshes what `desired` needs, with whether each owned repository it no longer declares
/// holds images: what an offline plan against a snapshot of it needs to decide deletes.
pub async fn snapshot(
    desired: &DesiredEstate,
    provider: &dyn Provider,
) -> Result<LiveEstate, ReadError> {
    let scope = RefreshScope::for_estate(desired);
    let mut live = provider.refresh(&scope).await.map_err(ReadError::Refresh)?;
    let undeclared: BTreeSet<String> = live
        .objects
        .iter()
        .filter(|o| {
            o.owner
                .as_ref()
                .is_some_and(|owner| owner.estate == desired.name)
        })
        .filter_map(|o| {
            let Resource::Repository(r) = &o.resource else {
                return None;
            };
            (!scope.repositories.contains(&r.name)).then(|| r.name.clone())
        })
        .collect();
    check_images(provider, &mut live, &undeclared).await?;
    Ok(live)
}

/// Adds every role that trusts one of the named OIDC providers and the refresh did not read.
async fn add_trusting_roles(
    provider: &dyn Provider,
    live: &mut LiveEstate,
    providers: &BTreeSet<String>,
) -> Result<(), ReadError> {
    let known: BTreeSet<String> = live
        .objects
        .iter()
        .filter(|o| o.resource.kind() == Kind::Role)
        .map(|o| o.resource.key())
        .collect();
    let mut added = BTreeSet::new();
    for url in providers {
        let roles =
            provider
                .roles_trusting(url)
                .await
                .map_err(|source| ReadError::TrustingRoles {
                    url: url.clone(),
                    source,
                })?;
        for role in roles {
            if !known.contains(&role.name) && added.insert(role.name.clone()) {
                live.objects.push(LiveObject::new(Resource::Role(role)));
            }
        }
    }
    live.normalise();
    Ok(())
}

/// Records whether the named repositories hold images: a call each, so only for those whose
/// deletion depends on it.
async fn check_images(
    provider: &dyn Provider,
    live: &mut LiveEstate,
    names: &BTreeSet<String>,
) -> Result<(), ReadError> {
    for object in &mut live.objects {
        if let Resource::Repository(repo) = &object.resource
            && names.contains(&repo.name)
        {
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
