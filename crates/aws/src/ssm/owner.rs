//! The registry's owner record: which estate manages the registry's settings, and which
//! sections. An SSM parameter ([`RegistryOwner::PARAMETER`]) because SSM is regional like the
//! registry (one record per account and region), every account has it, moto serves it, and
//! PutParameter without `Overwrite` is a create-if-absent write: of two estates racing for
//! one registry, the second is answered ParameterAlreadyExists and loses. It carries its
//! estate's ownership tags, so the `tagged` search every refresh makes finds it for that
//! estate without a call of its own.

use aws_sdk_ssm::types::{ParameterType, ResourceTypeForTagging};
use ecrplan_model::{Kind, ProviderError, RegistryOwner, Resource, tags};

use crate::convert::ssm_tags;
use crate::error::{self, invalid, unless_gone};
use crate::provider::AwsProvider;
use crate::registry::RegistryObject;

/// The owner record's calls: GetParameter, PutParameter, DeleteParameter.
pub(crate) struct Owner;

/// What the parameter's description tells a person who finds it in the console.
const DESCRIPTION: &str = "Which ecrplan estate manages this registry's settings, and which \
                           sections; written by ecrplan, read by every estate of the account";

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&RegistryOwner, ProviderError> {
    let Resource::RegistryOwner(o) = resource else {
        return Err(error::mismatch(Kind::RegistryOwner, resource.kind()));
    };
    Ok(o)
}

/// The record the account holds, `None` when it holds none. Ahead of the line: every section
/// a refresh reads waits for it.
///
/// A value ecrplan cannot read (the parameter written by hand or by something else) is a
/// record naming no estate and no section: it exists, so no estate's create-if-absent write
/// takes the registry over it and nothing is overwritten silently; it names no estate, so no
/// estate manages a section through it. Failing the read instead would fail the plan of
/// every named estate in the account, which all read the record.
pub(crate) async fn read(p: &AwsProvider) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .leading(p.ssm.get_parameter().name(RegistryOwner::PARAMETER).send())
        .await
        .map_err(|e| error::api("GetParameter", e));
    Ok(unless_gone(got)?.map(|got| {
        let value = got.parameter().and_then(|p| p.value()).unwrap_or_default();
        Resource::RegistryOwner(record(value))
    }))
}

/// The record a parameter value holds; see [`read`] for a value ecrplan did not write.
fn record(value: &str) -> RegistryOwner {
    RegistryOwner::from_value(value).unwrap_or_default()
}

/// Writes the record; `overwrite` false only creates it, with its estate's ownership tags
/// (SSM takes tags only on a create).
async fn put(p: &AwsProvider, owner: &RegistryOwner, overwrite: bool) -> Result<(), ProviderError> {
    let tags = if overwrite {
        None
    } else {
        Some(ssm_tags(&tags::ownership(&owner.estate, None)).map_err(invalid)?)
    };
    p.ssm
        .put_parameter()
        .name(RegistryOwner::PARAMETER)
        .description(DESCRIPTION)
        .value(owner.to_value())
        .r#type(ParameterType::String)
        .overwrite(overwrite)
        .set_tags(tags)
        .send()
        .await
        .map(drop)
        .map_err(|e| error::api("PutParameter", e))
}

impl RegistryObject for Owner {
    const UNTAGGED: &'static str =
        "the registry's owner record carries the tags of the estate it names, written with it";

    /// Create-if-absent: a record already there, another estate's or this one's, is
    /// ParameterAlreadyExists (the apply then reads it back to tell which).
    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        put(p, object(resource)?, false).await
    }

    /// Overwrites the value; a record that changes hands is retagged with its new estate's
    /// ownership tags (the same keys, so nothing is left to remove).
    async fn update(
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let (b, a) = (object(before)?, object(after)?);
        put(p, a, true).await?;
        if b.estate == a.estate {
            return Ok(());
        }
        p.ssm
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(RegistryOwner::PARAMETER)
            .set_tags(Some(
                ssm_tags(&tags::ownership(&a.estate, None)).map_err(invalid)?,
            ))
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("AddTagsToResource", e))
    }

    async fn delete(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        object(resource)?;
        p.ssm
            .delete_parameter()
            .name(RegistryOwner::PARAMETER)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteParameter", e))
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
    use std::collections::BTreeSet;

    use ecrplan_model::Section;

    use super::*;

    #[test]
    fn a_value_ecrplan_did_not_write_names_no_estate_and_no_section() {
        assert_eq!(record("hand-written"), RegistryOwner::default());
        assert!(record("").estate.is_empty());
        let owner = RegistryOwner {
            estate: "platform".into(),
            sections: BTreeSet::from([Section::Scanning]),
        };
        assert_eq!(record(&owner.to_value()), owner);
    }
}
