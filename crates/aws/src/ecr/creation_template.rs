//! Repository creation templates, keyed by their prefix: listed with
//! DescribeRepositoryCreationTemplates (1000 a page), created, changed in place, deleted.

use aws_sdk_ecr::types::{
    EncryptionConfigurationForRepositoryCreationTemplate as EcrEncryption, EncryptionType,
    ImageTagMutability, RctAppliedFor, RepositoryCreationTemplate as EcrTemplate,
};
use ecrplan_model::{
    CreationTemplate, JsonDocument, Kind, ProviderError, Resource, TagMutability,
    TemplateEncryption,
};

use crate::convert::{ecr_tags, from_ecr_tags, given, mutability_exclusions, optional_document};
use crate::error::{self, invalid, unless_gone};
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;
use crate::registry::{RegistryObject, SETTING_UNTAGGED};

/// A template's calls: DescribeRepositoryCreationTemplates, CreateRepositoryCreationTemplate,
/// UpdateRepositoryCreationTemplate, DeleteRepositoryCreationTemplate.
pub(crate) struct Template;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&CreationTemplate, ProviderError> {
    let Resource::CreationTemplate(t) = resource else {
        return Err(error::mismatch(Kind::CreationTemplate, resource.kind()));
    };
    Ok(t)
}

/// What a template without an encryption configuration encrypts with: AWS-owned keys.
fn aes256() -> TemplateEncryption {
    TemplateEncryption {
        encryption_type: EncryptionType::Aes256.as_str().to_owned(),
        kms_key: None,
    }
}

/// A template as ECR states it, its defaults filled in as the model spells them: no
/// encryption configuration is AES256, no mutability is MUTABLE, an empty description, policy
/// or role is none.
fn of_sdk(t: &EcrTemplate, operation: &str) -> Result<Resource, ProviderError> {
    let document = |text| optional_document(text).map_err(|e| error::not_json(operation, e));
    Ok(Resource::CreationTemplate(Box::new(CreationTemplate {
        prefix: t.prefix().unwrap_or_default().to_owned(),
        description: given(t.description()),
        applied_for: t
            .applied_for()
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
        image_tag_mutability: t
            .image_tag_mutability()
            .and_then(|m| TagMutability::parse(m.as_str()))
            .unwrap_or_default(),
        image_tag_mutability_exclusion_filters: t
            .image_tag_mutability_exclusion_filters()
            .iter()
            .map(|f| f.filter().to_owned())
            .collect(),
        encryption: t
            .encryption_configuration()
            .map_or_else(aes256, |e| TemplateEncryption {
                encryption_type: e.encryption_type().as_str().to_owned(),
                kms_key: given(e.kms_key()),
            }),
        lifecycle_policy: document(t.lifecycle_policy())?,
        repository_policy: document(t.repository_policy())?,
        resource_tags: from_ecr_tags(t.resource_tags()),
        custom_role_arn: given(t.custom_role_arn()),
    })))
}

/// One page of templates, all of them or those of `prefix`; `None` when `prefix` has none.
async fn page(
    p: &AwsProvider,
    prefix: Option<&str>,
    token: Option<String>,
) -> Result<Option<Page<Resource>>, ProviderError> {
    const OPERATION: &str = "DescribeRepositoryCreationTemplates";
    let got = p
        .leading(
            p.ecr
                .describe_repository_creation_templates()
                .set_prefixes(prefix.map(|p| vec![p.to_owned()]))
                .max_results(1000)
                .set_next_token(token)
                .send(),
        )
        .await
        .map_err(|e| error::api(OPERATION, e));
    let Some(got) = unless_gone(got)? else {
        return Ok(None);
    };
    let templates = got
        .repository_creation_templates()
        .iter()
        .map(|t| of_sdk(t, OPERATION))
        .collect::<Result<Vec<_>, _>>()?;
    let next = got.next_token().map(str::to_owned);
    Ok(Some(Page::new(templates, next.is_some(), next)))
}

/// Every template of the registry, all pages.
pub(crate) async fn list(p: &AwsProvider) -> Result<Vec<Resource>, ProviderError> {
    all_pages(|token| page(p, None, token)).await
}

/// The encryption as ECR takes it; none when the template names no type, so ECR's default
/// applies.
fn encryption(e: &TemplateEncryption) -> Result<Option<EcrEncryption>, ProviderError> {
    if e.encryption_type.is_empty() {
        return Ok(None);
    }
    EcrEncryption::builder()
        .encryption_type(EncryptionType::from(e.encryption_type.as_str()))
        .set_kms_key(e.kms_key.clone())
        .build()
        .map(Some)
        .map_err(invalid)
}

/// When the template applies, as ECR takes it.
fn applied_for(t: &CreationTemplate) -> Vec<RctAppliedFor> {
    t.applied_for
        .iter()
        .map(|a| RctAppliedFor::from(a.as_str()))
        .collect()
}

/// A document as sent; the empty text clears it on an update.
fn text(document: Option<&JsonDocument>) -> String {
    document.map(JsonDocument::to_compact).unwrap_or_default()
}

/// Checks the template ECR answered a write with, when it answered one.
fn check(
    p: &AwsProvider,
    operation: &str,
    wanted: &Resource,
    held: Option<&EcrTemplate>,
) -> Result<(), ProviderError> {
    match held {
        Some(held) => error::converged(
            &wanted.id(&p.registry),
            operation,
            wanted,
            &of_sdk(held, operation)?,
        ),
        None => Ok(()),
    }
}

impl RegistryObject for Template {
    const UNTAGGED: &'static str = SETTING_UNTAGGED;

    async fn create(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let t = object(resource)?;
        let made = p
            .ecr
            .create_repository_creation_template()
            .prefix(&t.prefix)
            .set_description(t.description.clone())
            .set_applied_for(Some(applied_for(t)))
            .image_tag_mutability(ImageTagMutability::from(t.image_tag_mutability.as_str()))
            .set_image_tag_mutability_exclusion_filters(
                mutability_exclusions(&t.image_tag_mutability_exclusion_filters)
                    .map_err(invalid)?,
            )
            .set_encryption_configuration(encryption(&t.encryption)?)
            .set_lifecycle_policy(t.lifecycle_policy.as_ref().map(JsonDocument::to_compact))
            .set_repository_policy(t.repository_policy.as_ref().map(JsonDocument::to_compact))
            .set_resource_tags(
                (!t.resource_tags.is_empty())
                    .then(|| ecr_tags(&t.resource_tags))
                    .transpose()
                    .map_err(invalid)?,
            )
            .set_custom_role_arn(t.custom_role_arn.clone())
            .send()
            .await
            .map_err(|e| error::api("CreateRepositoryCreationTemplate", e))?;
        check(
            p,
            "CreateRepositoryCreationTemplate",
            resource,
            made.repository_creation_template(),
        )
    }

    /// Sends what changed, as the Terraform provider does: an attribute left out keeps its
    /// value, and an empty one clears it. The mutability travels with its exclusion filters.
    async fn update(
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let (Resource::CreationTemplate(b), Resource::CreationTemplate(a)) =
            (before.canonical(), after.canonical())
        else {
            return Err(error::mismatch(Kind::CreationTemplate, after.kind()));
        };
        let mut call = p
            .ecr
            .update_repository_creation_template()
            .prefix(&a.prefix);
        if b.description != a.description {
            call = call.description(a.description.clone().unwrap_or_default());
        }
        if b.applied_for != a.applied_for {
            call = call.set_applied_for(Some(applied_for(&a)));
        }
        if b.image_tag_mutability != a.image_tag_mutability
            || b.image_tag_mutability_exclusion_filters != a.image_tag_mutability_exclusion_filters
        {
            call = call
                .image_tag_mutability(ImageTagMutability::from(a.image_tag_mutability.as_str()))
                .set_image_tag_mutability_exclusion_filters(
                    mutability_exclusions(&a.image_tag_mutability_exclusion_filters)
                        .map_err(invalid)?,
                );
        }
        if b.encryption != a.encryption {
            call = call.set_encryption_configuration(encryption(&a.encryption)?);
        }
        if b.lifecycle_policy != a.lifecycle_policy {
            call = call.lifecycle_policy(text(a.lifecycle_policy.as_ref()));
        }
        if b.repository_policy != a.repository_policy {
            call = call.repository_policy(text(a.repository_policy.as_ref()));
        }
        if b.resource_tags != a.resource_tags {
            call = call.set_resource_tags(Some(ecr_tags(&a.resource_tags).map_err(invalid)?));
        }
        if b.custom_role_arn != a.custom_role_arn {
            call = call.custom_role_arn(a.custom_role_arn.clone().unwrap_or_default());
        }
        let updated = call
            .send()
            .await
            .map_err(|e| error::api("UpdateRepositoryCreationTemplate", e))?;
        check(
            p,
            "UpdateRepositoryCreationTemplate",
            after,
            updated.repository_creation_template(),
        )
    }

    async fn delete(p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let t = object(resource)?;
        p.ecr
            .delete_repository_creation_template()
            .prefix(&t.prefix)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::api("DeleteRepositoryCreationTemplate", e))
    }

    /// Described by its prefix.
    async fn read_one(
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let prefix = &object(wanted)?.prefix;
        let found = all_pages(|token| page(p, Some(prefix), token)).await?;
        Ok(found.into_iter().find(|t| t.key() == *prefix))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_answer_without_settings_reads_as_the_defaults_aws_applies() {
        let bare = EcrTemplate::builder()
            .prefix("ROOT")
            .applied_for(RctAppliedFor::PullThroughCache)
            .description("")
            .repository_policy("")
            .build();
        let Resource::CreationTemplate(t) = of_sdk(&bare, "Describe").expect("reads") else {
            panic!("a template");
        };
        assert_eq!(t.prefix, "ROOT");
        assert_eq!(t.applied_for, ["PULL_THROUGH_CACHE"]);
        assert_eq!(t.image_tag_mutability, TagMutability::Mutable);
        assert_eq!(t.encryption, aes256());
        assert_eq!(t.description, None);
        assert_eq!(t.repository_policy, None);
        assert!(t.resource_tags.is_empty());
    }

    #[test]
    fn a_template_reads_back_as_it_was_sent() {
        let declared = CreationTemplate {
            prefix: "team".into(),
            description: Some("team repositories".into()),
            applied_for: vec!["REPLICATION".into(), "CREATE_ON_PUSH".into()],
            image_tag_mutability: TagMutability::ImmutableWithExclusion,
            image_tag_mutability_exclusion_filters: vec!["latest".into()],
            encryption: TemplateEncryption {
                encryption_type: "KMS".into(),
                kms_key: Some("arn:aws:kms:eu-west-1:111122223333:key/k".into()),
            },
            lifecycle_policy: Some(JsonDocument::new(json!({"rules": []}))),
            repository_policy: None,
            resource_tags: [("team".to_owned(), "a".to_owned())].into_iter().collect(),
            custom_role_arn: Some("arn:aws:iam::111122223333:role/ecr-templates".into()),
        };
        let sent = EcrTemplate::builder()
            .prefix(&declared.prefix)
            .set_description(declared.description.clone())
            .set_applied_for(Some(applied_for(&declared)))
            .image_tag_mutability(ImageTagMutability::ImmutableWithExclusion)
            .set_image_tag_mutability_exclusion_filters(
                mutability_exclusions(&declared.image_tag_mutability_exclusion_filters)
                    .expect("filters"),
            )
            .set_encryption_configuration(encryption(&declared.encryption).expect("encryption"))
            .lifecycle_policy(text(declared.lifecycle_policy.as_ref()))
            .set_resource_tags(Some(ecr_tags(&declared.resource_tags).expect("tags")))
            .set_custom_role_arn(declared.custom_role_arn.clone())
            .build();
        let read = of_sdk(&sent, "Describe").expect("reads");
        assert_eq!(
            read.canonical(),
            Resource::CreationTemplate(Box::new(declared)).canonical()
        );
    }
}
