//! ECR repositories: listed, described by name (those the estate owns are found by the `tagged`
//! search); created, updated in place (mutability, scanning, tags) and deleted.

use async_trait::async_trait;
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    ImageTagMutabilityExclusionFilter, Repository as EcrRepository,
};
use ecrplan_model::{
    self as model, Encryption, Kind, ObjectId, ProviderError, Resource, TagMutability, Tags,
};

use crate::convert::{ecr_tags, mutability_exclusions};
use crate::error::{self, invalid, unless_gone};
use crate::handler::{Handler, retag};
use crate::provider::AwsProvider;

/// The handler of [`Kind::Repository`]: encryption is fixed at creation, everything else
/// changes in place.
pub(crate) struct Repository;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::Repository, ProviderError> {
    let Resource::Repository(r) = resource else {
        return Err(error::mismatch(Kind::Repository, resource.kind()));
    };
    Ok(r)
}

/// Every repository, all pages of up to 1000: the account-wide read, the fallback without the
/// Tagging API, and the answer when asking by name found a name missing.
pub(crate) async fn list(p: &AwsProvider) -> Result<Vec<EcrRepository>, ProviderError> {
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

/// Up to 100 repositories described by name, ahead of the line (their policy reads wait on
/// them). One missing name fails the whole call with RepositoryNotFoundException.
pub(crate) async fn describe(
    p: &AwsProvider,
    names: Vec<String>,
) -> Result<Vec<EcrRepository>, ProviderError> {
    let described = p
        .leading(
            p.ecr
                .describe_repositories()
                .set_repository_names(Some(names))
                .send(),
        )
        .await
        .map_err(|e| error::api("DescribeRepositories", e))?;
    Ok(described.repositories.unwrap_or_default())
}

/// A repository's tags, one call; `None` when it was deleted since it was listed.
pub(crate) async fn tags(
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

/// The repository object from what DescribeRepositories said and its tags.
pub(crate) fn from_sdk(name: String, r: &EcrRepository, tags: Tags) -> Resource {
    Resource::Repository(repository_of(name, r, tags))
}

/// The repository's settings as DescribeRepositories states them: what a refresh sees and
/// what an update is checked against.
fn repository_of(name: String, r: &EcrRepository, tags: Tags) -> model::Repository {
    let encryption = match r.encryption_configuration() {
        Some(e) if e.encryption_type().as_str() != "AES256" => Encryption::Kms {
            kms_key: e.kms_key().unwrap_or_default().to_owned(),
        },
        _ => Encryption::Aes256,
    };
    model::Repository {
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
    }
}

/// Whether the repository holds any image: one image listed is enough.
pub(crate) async fn holds_images(p: &AwsProvider, name: &str) -> Result<bool, ProviderError> {
    let id = p.id(Kind::Repository, name);
    let page = p
        .ecr
        .list_images()
        .repository_name(name)
        .max_results(1)
        .send()
        .await
        .map_err(|e| error::on("ListImages", &id, e))?;
    Ok(!page.image_ids().is_empty())
}

/// The exclusion filters of a repository as ECR takes them.
fn exclusion_filters(
    r: &model::Repository,
) -> Result<Option<Vec<ImageTagMutabilityExclusionFilter>>, ProviderError> {
    mutability_exclusions(&r.image_tag_mutability_exclusion_filters).map_err(invalid)
}

/// The exclusion filters as a set: their order and repeats mean nothing to ECR.
fn sorted_filters(r: &model::Repository) -> Vec<String> {
    let mut f = r.image_tag_mutability_exclusion_filters.clone();
    f.sort();
    f.dedup();
    f
}

/// How often, and after what pauses, a repository is read back before an update counts as not
/// taken: a read right after a write may still see the old value on an eventually consistent
/// service, and failing a change that did take would be as wrong as reporting one that did not.
const READ_BACK_PAUSES_MS: [u64; 3] = [0, 250, 1000];

/// Reads the repository back after an update and fails when the server kept an old value of
/// what the update changed (`mutability`, `scanning`): a server can answer a Put* with success
/// and not take it (moto 5.2.5 keeps scanning on when the SDK omits `scanOnPush = false`), and
/// reporting success then would show the same change on every plan. The read is repeated after
/// short pauses before the change counts as not taken.
async fn taken(
    p: &AwsProvider,
    id: &ObjectId,
    wanted: &model::Repository,
    mutability: bool,
    scanning: bool,
) -> Result<(), ProviderError> {
    let mut kept = Ok(());
    for pause in READ_BACK_PAUSES_MS {
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        let described = p
            .limited(
                p.ecr
                    .describe_repositories()
                    .repository_names(&wanted.name)
                    .send(),
            )
            .await
            .map_err(|e| error::on("DescribeRepositories", id, e))?;
        let Some(held) = described
            .repositories
            .unwrap_or_default()
            .into_iter()
            .next()
        else {
            return Err(ProviderError::NotFound(id.clone()));
        };
        let held = repository_of(wanted.name.clone(), &held, Tags::new());
        kept = difference(id, &held, wanted, mutability, scanning);
        if kept.is_ok() {
            break;
        }
    }
    kept
}

/// The first attribute an update changed that the server still holds at its old value.
fn difference(
    id: &ObjectId,
    held: &model::Repository,
    wanted: &model::Repository,
    mutability: bool,
    scanning: bool,
) -> Result<(), ProviderError> {
    if scanning && held.scan_on_push != wanted.scan_on_push {
        return Err(error::not_taken(
            id,
            "PutImageScanningConfiguration",
            "scan_on_push",
            held.scan_on_push,
        ));
    }
    if mutability && held.image_tag_mutability != wanted.image_tag_mutability {
        return Err(error::not_taken(
            id,
            "PutImageTagMutability",
            "image_tag_mutability",
            held.image_tag_mutability.as_str(),
        ));
    }
    if mutability && sorted_filters(held) != sorted_filters(wanted) {
        return Err(error::not_taken(
            id,
            "PutImageTagMutability",
            "image_tag_mutability_exclusion_filters",
            format!("{:?}", held.image_tag_mutability_exclusion_filters),
        ));
    }
    Ok(())
}

#[async_trait]
impl Handler for Repository {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let r = object(resource)?;
        let id = resource.id(&p.registry);
        let encryption = match &r.encryption {
            Encryption::Aes256 => EncryptionConfiguration::builder()
                .encryption_type(EncryptionType::Aes256)
                .build(),
            Encryption::Kms { kms_key } => EncryptionConfiguration::builder()
                .encryption_type(EncryptionType::Kms)
                .kms_key(kms_key)
                .build(),
        }
        .map_err(invalid)?;
        p.ecr
            .create_repository()
            .repository_name(&r.name)
            .image_tag_mutability(ImageTagMutability::from(r.image_tag_mutability.as_str()))
            .set_image_tag_mutability_exclusion_filters(exclusion_filters(r)?)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(r.scan_on_push)
                    .build(),
            )
            .encryption_configuration(encryption)
            .set_tags(Some(ecr_tags(&r.tags).map_err(invalid)?))
            .send()
            .await
            .map_err(|e| error::on("CreateRepository", &id, e))?;
        Ok(())
    }

    async fn update(
        &self,
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let (b, a) = (object(before)?, object(after)?);
        let id = &after.id(&p.registry);
        if b.encryption != a.encryption {
            return Err(error::requires_replacement(id, "encryption"));
        }
        let mutability = b.image_tag_mutability != a.image_tag_mutability
            || sorted_filters(b) != sorted_filters(a);
        let scanning = b.scan_on_push != a.scan_on_push;
        if mutability {
            // One call sets both: the filters travel with the mutability they qualify.
            let exclusions = exclusion_filters(a)?;
            p.propagated(id, "PutImageTagMutability", || {
                p.ecr
                    .put_image_tag_mutability()
                    .repository_name(&a.name)
                    .image_tag_mutability(ImageTagMutability::from(a.image_tag_mutability.as_str()))
                    .set_image_tag_mutability_exclusion_filters(exclusions.clone())
                    .send()
            })
            .await?;
        }
        if scanning {
            p.propagated(id, "PutImageScanningConfiguration", || {
                p.ecr
                    .put_image_scanning_configuration()
                    .repository_name(&a.name)
                    .image_scanning_configuration(
                        ImageScanningConfiguration::builder()
                            .scan_on_push(a.scan_on_push)
                            .build(),
                    )
                    .send()
            })
            .await?;
        }
        if mutability || scanning {
            taken(p, id, a, mutability, scanning).await?;
        }
        let untag = |keys| async move {
            p.ecr
                .untag_resource()
                .resource_arn(p.account.repository_arn(&a.name))
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| error::on("UntagResource", id, e))
        };
        retag(self, p, id, &b.tags, &a.tags, untag).await
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        force: bool,
    ) -> Result<(), ProviderError> {
        let r = object(resource)?;
        p.ecr
            .delete_repository()
            .repository_name(&r.name)
            .force(force)
            .send()
            .await
            .map_err(|e| error::on("DeleteRepository", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(&self, p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
        p.ecr
            .tag_resource()
            .resource_arn(p.account.repository_arn(&id.key))
            .set_tags(Some(ecr_tags(tags).map_err(invalid)?))
            .send()
            .await
            .map_err(|e| error::on("TagResource", id, e))?;
        Ok(())
    }

    /// Described by name, then its tags read: the repository itself, no policies.
    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        let name = &object(wanted)?.name;
        let listed = p
            .limited(p.ecr.describe_repositories().repository_names(name).send())
            .await
            .map_err(|e| error::api("DescribeRepositories", e));
        let Some(repository) = unless_gone(listed)?
            .and_then(|l| l.repositories.unwrap_or_default().into_iter().next())
        else {
            return Ok(None);
        };
        let Some(tags) = tags(p, &repository, name).await? else {
            return Ok(None);
        };
        Ok(Some(from_sdk(name.clone(), &repository, tags)))
    }
}
