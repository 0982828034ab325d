//! The registry's scanning configuration: one per registry, always there (BASIC with no rules
//! until someone puts one), read with GetRegistryScanningConfiguration and put whole; there is
//! no delete, so deleting puts BASIC with no rules back.

use aws_sdk_ecr::types::{
    RegistryScanningConfiguration, RegistryScanningRule, ScanFrequency, ScanType,
    ScanningRepositoryFilter, ScanningRepositoryFilterType,
};
use ecrplan_model::{Kind, ProviderError, Resource, ScanningConfiguration, ScanningRule};

use crate::error::{self, invalid};
use crate::provider::AwsProvider;
use crate::registry::{RegistryObject, SETTING_UNTAGGED};

/// The scanning configuration's calls: GetRegistryScanningConfiguration,
/// PutRegistryScanningConfiguration.
pub(crate) struct Scanning;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&ScanningConfiguration, ProviderError> {
    let Resource::ScanningConfiguration(c) = resource else {
        return Err(error::mismatch(
            Kind::ScanningConfiguration,
            resource.kind(),
        ));
    };
    Ok(c)
}

/// The configuration as ECR states it; an answer without one is BASIC with no rules, what a
/// registry nobody configured has.
fn of_sdk(c: Option<&RegistryScanningConfiguration>) -> Resource {
    let Some(c) = c else {
        return Resource::ScanningConfiguration(ScanningConfiguration::basic());
    };
    Resource::ScanningConfiguration(ScanningConfiguration {
        scan_type: c.scan_type().map_or("BASIC", ScanType::as_str).to_owned(),
        rules: c
            .rules()
            .iter()
            .map(|rule| ScanningRule {
                scan_frequency: rule.scan_frequency().as_str().to_owned(),
                filters: rule
                    .repository_filters()
                    .iter()
                    .map(|f| f.filter().to_owned())
                    .collect(),
            })
            .collect(),
    })
}

/// The registry's configuration, always one.
pub(crate) async fn read(p: &AwsProvider) -> Result<Resource, ProviderError> {
    let got = p
        .limited(p.ecr.get_registry_scanning_configuration().send())
        .await
        .map_err(|e| error::api("GetRegistryScanningConfiguration", e))?;
    Ok(of_sdk(got.scanning_configuration()))
}

/// The rules as ECR takes them: every filter a wildcard.
fn rules(c: &ScanningConfiguration) -> Result<Vec<RegistryScanningRule>, ProviderError> {
    c.rules
        .iter()
        .map(|rule| {
            let filters = rule
                .filters
                .iter()
                .map(|f| {
                    ScanningRepositoryFilter::builder()
                        .filter(f)
                        .filter_type(ScanningRepositoryFilterType::Wildcard)
                        .build()
                        .map_err(invalid)
                })
                .collect::<Result<Vec<_>, _>>()?;
            RegistryScanningRule::builder()
                .scan_frequency(ScanFrequency::from(rule.scan_frequency.as_str()))
                .set_repository_filters(Some(filters))
                .build()
                .map_err(invalid)
        })
        .collect()
}

/// Puts the whole configuration (the rule list always sent, empty included: it is what
/// clears the rules) and checks the configuration ECR answered with.
async fn put(
    p: &AwsProvider,
    resource: &Resource,
    c: &ScanningConfiguration,
) -> Result<(), ProviderError> {
    let put = p
        .ecr
        .put_registry_scanning_configuration()
        .scan_type(ScanType::from(c.scan_type.as_str()))
        .set_rules(Some(rules(c)?))
        .send()
        .await
        .map_err(|e| error::api("PutRegistryScanningConfiguration", e))?;
    let wanted = Resource::ScanningConfiguration(c.clone());
    match put.registry_scanning_configuration() {
        Some(held) => error::converged(
            &resource.id(&p.registry),
            "PutRegistryScanningConfiguration",
            &wanted,
            &of_sdk(Some(held)),
        ),
        None => Ok(()),
    }
}

impl RegistryObject for Scanning {
    const UNTAGGED: &'static str = SETTING_UNTAGGED;

    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put(p, resource, object(resource)?).await
    }

    /// BASIC with no rules: there is no delete, and that is what a registry nobody configured
    /// has.
    async fn delete(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        object(resource)?;
        put(p, resource, &ScanningConfiguration::basic()).await
    }

    async fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        object(wanted)?;
        read(p).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_answer_is_basic_and_rules_read_back_as_sent() {
        assert_eq!(
            of_sdk(None),
            Resource::ScanningConfiguration(ScanningConfiguration::basic())
        );
        let declared = ScanningConfiguration {
            scan_type: "ENHANCED".into(),
            rules: vec![ScanningRule {
                scan_frequency: "CONTINUOUS_SCAN".into(),
                filters: vec!["prod/*".into()],
            }],
        };
        let sent = RegistryScanningConfiguration::builder()
            .scan_type(ScanType::Enhanced)
            .set_rules(Some(rules(&declared).expect("rules")))
            .build();
        assert_eq!(
            of_sdk(Some(&sent)),
            Resource::ScanningConfiguration(declared)
        );
    }
}
