//! The registry's signing configuration (managed signing): one per registry, read with
//! GetSigningConfiguration, put whole, deleted.

use aws_sdk_ecr::types::{
    SigningConfiguration as EcrSigning, SigningRepositoryFilter, SigningRepositoryFilterType,
    SigningRule as EcrRule,
};
use ecrplan_model::{Kind, ProviderError, Resource, SigningConfiguration, SigningRule};

use crate::error::{self, invalid, unless_gone};
use crate::provider::AwsProvider;
use crate::registry::{RegistryObject, SETTING_UNTAGGED};

/// The signing configuration's calls: GetSigningConfiguration, PutSigningConfiguration,
/// DeleteSigningConfiguration.
pub(crate) struct Signing;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&SigningConfiguration, ProviderError> {
    let Resource::SigningConfiguration(c) = resource else {
        return Err(error::mismatch(Kind::SigningConfiguration, resource.kind()));
    };
    Ok(c)
}

/// The configuration as ECR states it.
fn of_sdk(c: &EcrSigning) -> Resource {
    Resource::SigningConfiguration(SigningConfiguration {
        rules: c
            .rules()
            .iter()
            .map(|rule| SigningRule {
                signing_profile_arn: rule.signing_profile_arn().to_owned(),
                filters: rule
                    .repository_filters()
                    .iter()
                    .map(|f| f.filter().to_owned())
                    .collect(),
            })
            .collect(),
    })
}

/// The registry's configuration, `None` when it has none
/// (SigningConfigurationNotFoundException).
pub(crate) async fn read(p: &AwsProvider) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .limited(p.ecr.get_signing_configuration().send())
        .await
        .map_err(|e| error::api("GetSigningConfiguration", e));
    Ok(unless_gone(got)?.and_then(|got| got.signing_configuration().map(of_sdk)))
}

/// The configuration as ECR takes it: filters are wildcard matches, and a rule without any
/// (which signs every repository) sends none, as ECR refuses an empty list.
fn configuration(c: &SigningConfiguration) -> Result<EcrSigning, ProviderError> {
    let rules = c
        .rules
        .iter()
        .map(|rule| {
            let filters = rule
                .filters
                .iter()
                .map(|f| {
                    SigningRepositoryFilter::builder()
                        .filter(f)
                        .filter_type(SigningRepositoryFilterType::WildcardMatch)
                        .build()
                        .map_err(invalid)
                })
                .collect::<Result<Vec<_>, _>>()?;
            EcrRule::builder()
                .signing_profile_arn(&rule.signing_profile_arn)
                .set_repository_filters((!filters.is_empty()).then_some(filters))
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>, _>>()?;
    EcrSigning::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(invalid)
}

/// Puts the whole configuration and checks the configuration ECR answered with.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let put = p
        .ecr
        .put_signing_configuration()
        .signing_configuration(configuration(object(resource)?)?)
        .send()
        .await
        .map_err(|e| error::api("PutSigningConfiguration", e))?;
    match put.signing_configuration() {
        Some(held) => error::converged(
            &resource.id(&p.registry),
            "PutSigningConfiguration",
            resource,
            &of_sdk(held),
        ),
        None => Ok(()),
    }
}

impl RegistryObject for Signing {
    const UNTAGGED: &'static str = SETTING_UNTAGGED;

    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put(p, resource).await
    }

    async fn delete(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        object(resource)?;
        p.ecr
            .delete_signing_configuration()
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteSigningConfiguration", e))
    }

    async fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        object(wanted)?;
        read(p).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_back_as_sent_with_or_without_filters() {
        let declared = SigningConfiguration {
            rules: vec![
                SigningRule {
                    signing_profile_arn:
                        "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/prod".into(),
                    filters: vec!["prod/*".into()],
                },
                SigningRule {
                    signing_profile_arn:
                        "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/all".into(),
                    filters: Vec::new(),
                },
            ],
        };
        let sent = configuration(&declared).expect("builds");
        assert!(sent.rules()[1].repository_filters.is_none());
        assert_eq!(of_sdk(&sent), Resource::SigningConfiguration(declared));
    }
}
