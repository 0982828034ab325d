//! What a role, a user and a group have in common as holders of IAM policies: inline policies
//! listed by name and put whole, managed policies attached by ARN. IAM has one set of calls per
//! holder (`PutRolePolicy`, `PutUserPolicy`, …) doing the same thing, so each holder names its
//! calls in a [`PolicyOwner`] impl beside its noun and everything else is written once, here and
//! in `inline_policy` and `policy_attachment`. A leaf: it imports none of its sibling nouns.

use std::future::Future;

use ecrplan_model::{JsonDocument, Kind, ObjectId, ProviderError, Resource};

use crate::error::{self, unless_gone};
use crate::paging::{Page, all_pages};
use crate::provider::AwsProvider;

/// A holder of policies: its two kinds of policy objects and its SDK calls on them. Each call
/// sends one request and names its own operation in its error; bounding, paging, propagation
/// retries and domain errors are the callers'.
pub(crate) trait PolicyOwner: Send + Sync + 'static {
    /// The kind of the holder's inline policies.
    const INLINE: Kind;
    /// The kind of the holder's managed-policy attachments.
    const ATTACHMENT: Kind;
    /// The holder's noun, as errors name it ("role").
    const NOUN: &'static str;
    /// Whether a put or attach reports its errors as the holder's: a role's policies are written
    /// right after the role, so a missing role must read as the role missing.
    const WRITES_AS_HOLDER: bool;
    /// Whether a refresh reads the inline policies concurrently rather than one after another.
    const CONCURRENT_READS: bool;

    /// The holder, name and document of an inline policy; `None` for another kind.
    fn inline(resource: &Resource) -> Option<(&str, &str, &JsonDocument)>;
    /// The inline policy object of `holder` named `name`.
    fn new_inline(holder: String, name: String, document: JsonDocument) -> Resource;
    /// The holder and policy ARN of an attachment; `None` for another kind.
    fn attachment(resource: &Resource) -> Option<(&str, &str)>;
    /// The attachment object of `policy_arn` to `holder`.
    fn new_attachment(holder: String, policy_arn: String) -> Resource;

    /// One page of the names of the holder's inline policies.
    fn list_inline(
        p: &AwsProvider,
        holder: &str,
        marker: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ProviderError>> + Send;
    /// One inline policy's document.
    fn get_inline(
        p: &AwsProvider,
        holder: &str,
        name: &str,
    ) -> impl Future<Output = Result<JsonDocument, ProviderError>> + Send;
    /// Creates or replaces one inline policy.
    fn put_inline(
        p: &AwsProvider,
        holder: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// Deletes one inline policy.
    fn delete_inline(
        p: &AwsProvider,
        holder: &str,
        name: &str,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// One page of the ARNs of the managed policies attached to the holder.
    fn list_attached(
        p: &AwsProvider,
        holder: &str,
        marker: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ProviderError>> + Send;
    /// Attaches one managed policy.
    fn attach(
        p: &AwsProvider,
        holder: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// Detaches one managed policy.
    fn detach(
        p: &AwsProvider,
        holder: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
}

/// The names of the holder's inline policies, all pages; none when the holder has gone.
pub(crate) async fn inline_names<O: PolicyOwner>(
    p: &AwsProvider,
    holder: &str,
) -> Result<Vec<String>, ProviderError> {
    all_pages(
        |marker| async move { unless_gone(p.limited(O::list_inline(p, holder, marker)).await) },
    )
    .await
}

/// The ARNs of the managed policies attached to the holder, all pages; none when it has gone.
pub(crate) async fn attached_arns<O: PolicyOwner>(
    p: &AwsProvider,
    holder: &str,
) -> Result<Vec<String>, ProviderError> {
    all_pages(
        |marker| async move { unless_gone(p.limited(O::list_attached(p, holder, marker)).await) },
    )
    .await
}

/// Deletes the holder's inline policies, then detaches its managed ones: IAM refuses to delete
/// a holder that still has either (DeleteConflict). Errors are the holder's, `id`.
pub(crate) async fn remove_policies<O: PolicyOwner>(
    p: &AwsProvider,
    id: &ObjectId,
    holder: &str,
) -> Result<(), ProviderError> {
    for name in inline_names::<O>(p, holder).await? {
        O::delete_inline(p, holder, &name)
            .await
            .map_err(|e| error::classify(e, id))?;
    }
    for arn in attached_arns::<O>(p, holder).await? {
        O::detach(p, holder, &arn)
            .await
            .map_err(|e| error::classify(e, id))?;
    }
    Ok(())
}

/// The id that a write on `resource` reports its errors against: the holder's when
/// [`PolicyOwner::WRITES_AS_HOLDER`], else the object's own.
pub(crate) fn write_id<O: PolicyOwner>(p: &AwsProvider, resource: &Resource) -> ObjectId {
    let own = || resource.id(&p.registry);
    if O::WRITES_AS_HOLDER {
        resource.parent(&p.registry).unwrap_or_else(own)
    } else {
        own()
    }
}
