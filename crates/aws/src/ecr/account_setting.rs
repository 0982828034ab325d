//! The registry's account settings: one value per name, read with GetAccountSetting (one name
//! a call) and put with PutAccountSetting. Every setting always has a value (AWS's default
//! until someone puts one), and AWS has no delete.

use ecrplan_model::{self as model, ACCOUNT_SETTINGS, Kind, ProviderError, Resource};

use crate::error;
use crate::provider::AwsProvider;
use crate::registry::{RegistryObject, SETTING_UNTAGGED};

/// An account setting's calls: GetAccountSetting, PutAccountSetting.
pub(crate) struct AccountSetting;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::AccountSetting, ProviderError> {
    let Resource::AccountSetting(a) = resource else {
        return Err(error::mismatch(Kind::AccountSetting, resource.kind()));
    };
    Ok(a)
}

/// The setting as an answer states it: an answer without a value is the value a registry
/// has when nobody set one (an empty one for a setting ecrplan does not know).
fn of_answer(name: &str, answered_name: Option<&str>, value: Option<&str>) -> Resource {
    let default = || {
        ACCOUNT_SETTINGS
            .iter()
            .find(|(_, api, _)| *api == name)
            .map_or("", |(_, _, default)| *default)
    };
    Resource::AccountSetting(model::AccountSetting {
        name: answered_name.unwrap_or(name).to_owned(),
        value: value.unwrap_or_else(default).to_owned(),
    })
}

/// The setting `name` (its API name), always there.
pub(crate) async fn read(p: &AwsProvider, name: &str) -> Result<Resource, ProviderError> {
    let got = p
        .limited(p.ecr.get_account_setting().name(name).send())
        .await
        .map_err(|e| error::api("GetAccountSetting", e))?;
    Ok(of_answer(name, got.name(), got.value()))
}

/// Puts the value and checks the value ECR answered with.
async fn put(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
    let a = object(resource)?;
    let put = p
        .ecr
        .put_account_setting()
        .name(&a.name)
        .value(&a.value)
        .send()
        .await
        .map_err(|e| error::api("PutAccountSetting", e))?;
    let held = of_answer(&a.name, put.name(), put.value().or(Some(&a.value)));
    error::converged(
        &resource.id(&p.registry),
        "PutAccountSetting",
        resource,
        &held,
    )
}

impl RegistryObject for AccountSetting {
    const UNTAGGED: &'static str = SETTING_UNTAGGED;

    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put(p, resource).await
    }

    /// Nothing to do: AWS has no call that deletes or resets an account setting (the Terraform
    /// provider's delete is a no-op too), so the value stays as it is, and the plan says so.
    /// Putting the default back instead is not always possible: a registry still at the
    /// retired `V1` policy scope cannot be put back there.
    async fn delete(_p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        object(resource).map(drop)
    }

    async fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        read(p, &object(wanted)?.name).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_a_value_is_the_default() {
        let Resource::AccountSetting(a) = of_answer("REGISTRY_POLICY_SCOPE", None, None) else {
            panic!("an account setting");
        };
        assert_eq!(
            (a.name.as_str(), a.value.as_str()),
            ("REGISTRY_POLICY_SCOPE", "V2")
        );
        let Resource::AccountSetting(a) =
            of_answer("BLOB_MOUNTING", Some("BLOB_MOUNTING"), Some("ENABLED"))
        else {
            panic!("an account setting");
        };
        assert_eq!(a.value, "ENABLED");
        let Resource::AccountSetting(a) = of_answer("SOMETHING_NEW", None, None) else {
            panic!("an account setting");
        };
        assert_eq!(a.value, "");
    }
}
