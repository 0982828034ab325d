//! The registry's replication configuration: one per registry, read with DescribeRegistry and
//! put whole; deleting it puts an empty one.

use async_trait::async_trait;
use aws_sdk_ecr::types::{
    ReplicationConfiguration, ReplicationDestination as EcrDestination, ReplicationRule as EcrRule,
    RepositoryFilter, RepositoryFilterType,
};
use ecrplan_model::{
    self as model, Kind, ObjectId, ProviderError, ReplicationDestination, ReplicationRule,
    Resource, Tags,
};

use crate::error::{self, invalid};
use crate::handler::Handler;
use crate::provider::AwsProvider;

/// The handler of [`Kind::Replication`]: creating and updating are the same put.
pub(crate) struct Replication;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::Replication, ProviderError> {
    let Resource::Replication(r) = resource else {
        return Err(error::mismatch(Kind::Replication, resource.kind()));
    };
    Ok(r)
}

/// The registry's replication rules; an empty rule list is reported as no object, the same
/// state a delete leaves.
pub(crate) async fn read(p: &AwsProvider) -> Result<Option<Resource>, ProviderError> {
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
    Ok((!rules.is_empty()).then_some(Resource::Replication(model::Replication { rules })))
}

/// One PutReplicationConfiguration of the whole configuration.
async fn put_once(p: &AwsProvider, r: &model::Replication) -> Result<(), ProviderError> {
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

/// Puts the configuration, retried while ECR has not yet seen a destination made moments ago.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let r = object(resource)?;
    let id = resource.id(&p.registry);
    p.with_propagation(|| put_once(p, r))
        .await
        .map_err(|e| error::classify(e, &id))
}

#[async_trait]
impl Handler for Replication {
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

    /// An empty configuration: what a registry that never replicated has.
    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        object(resource)?;
        put_once(p, &model::Replication::default()).await
    }

    async fn tag(
        &self,
        _p: &AwsProvider,
        id: &ObjectId,
        _tags: &Tags,
    ) -> Result<(), ProviderError> {
        Err(error::cannot_tag(
            id,
            "the replication configuration is the registry's, which takes no tags",
        ))
    }

    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        object(wanted)?;
        read(p).await
    }
}
