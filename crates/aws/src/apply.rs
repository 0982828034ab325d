//! Applying one change: each operation goes once to the handler of its object's kind, which
//! makes the fewest calls that turn `before` into `after`.

use ecrplan_model::{Kind, Operation, ProviderError, Resource};

use crate::ecr::account_setting::AccountSetting;
use crate::ecr::creation_template::Template;
use crate::ecr::exclusion::Exclusion;
use crate::ecr::lifecycle_policy::LifecyclePolicy;
use crate::ecr::pull_through_cache::PullThroughCache;
use crate::ecr::registry_policy::RegistryPolicy;
use crate::ecr::repository_document::RepositoryDocument;
use crate::ecr::repository_policy::RepositoryPolicy;
use crate::ecr::scanning::Scanning;
use crate::ecr::signing::Signing;
use crate::ecr::{replication, repository};
use crate::error::invalid;
use crate::handler::Handler;
use crate::iam::group::{self, GroupOwner};
use crate::iam::inline_policy::InlinePolicy;
use crate::iam::policy_attachment::PolicyAttachment;
use crate::iam::role::{self, RoleOwner};
use crate::iam::user::{self, UserOwner};
use crate::iam::{group_membership, oidc_provider};
use crate::provider::AwsProvider;
use crate::registry::RegistryHandler;
use crate::ssm::owner::Owner;

/// The handler of `kind`: the one place a new kind must be given one.
fn handler(kind: Kind) -> &'static dyn Handler {
    match kind {
        Kind::OidcProvider => &oidc_provider::OidcProvider,
        Kind::Repository => &repository::Repository,
        Kind::RepositoryPolicy => &RepositoryDocument::<RepositoryPolicy>::HANDLER,
        Kind::LifecyclePolicy => &RepositoryDocument::<LifecyclePolicy>::HANDLER,
        Kind::Role => &role::Role,
        Kind::RolePolicy => &InlinePolicy::<RoleOwner>::HANDLER,
        Kind::RolePolicyAttachment => &PolicyAttachment::<RoleOwner>::HANDLER,
        Kind::Replication => &replication::Replication,
        Kind::User => &user::User,
        Kind::Group => &group::Group,
        Kind::GroupMembership => &group_membership::GroupMembership,
        Kind::GroupPolicy => &InlinePolicy::<GroupOwner>::HANDLER,
        Kind::UserPolicy => &InlinePolicy::<UserOwner>::HANDLER,
        Kind::UserPolicyAttachment => &PolicyAttachment::<UserOwner>::HANDLER,
        Kind::GroupPolicyAttachment => &PolicyAttachment::<GroupOwner>::HANDLER,
        Kind::RegistryOwner => &RegistryHandler::<Owner>::HANDLER,
        Kind::RegistryPolicy => &RegistryHandler::<RegistryPolicy>::HANDLER,
        Kind::AccountSetting => &RegistryHandler::<AccountSetting>::HANDLER,
        Kind::ScanningConfiguration => &RegistryHandler::<Scanning>::HANDLER,
        Kind::PullThroughCacheRule => &RegistryHandler::<PullThroughCache>::HANDLER,
        Kind::CreationTemplate => &RegistryHandler::<Template>::HANDLER,
        Kind::SigningConfiguration => &RegistryHandler::<Signing>::HANDLER,
        Kind::PullTimeUpdateExclusion => &RegistryHandler::<Exclusion>::HANDLER,
    }
}

/// Applies one change by the handler of its kind.
pub(crate) async fn apply(p: &AwsProvider, operation: &Operation) -> Result<(), ProviderError> {
    match operation {
        Operation::Create { resource } => {
            let handler = handler(resource.kind());
            match handler.create(p, resource).await {
                Err(ProviderError::AlreadyExists(id)) => {
                    if already_made(p, handler, resource).await? {
                        Ok(())
                    } else {
                        Err(ProviderError::AlreadyExists(id))
                    }
                }
                other => other,
            }
        }
        Operation::Update { before, after } => {
            let (from, to) = (before.id(&p.registry), after.id(&p.registry));
            if from != to {
                return Err(invalid(format!("cannot update {from} into {to}")));
            }
            handler(after.kind()).update(p, before, after).await
        }
        Operation::Delete { resource, force } => {
            handler(resource.kind()).delete(p, resource, *force).await
        }
        Operation::Tag { id, tags } => handler(id.kind).tag(p, id, tags).await,
    }
}

/// Whether a create answered "already exists" was in fact done: the object carries the owner
/// ecrplan sent (its ownership tags, a group's path, the owner record's estate) and matches
/// what was asked for. This is what a create whose response was lost looks like when the SDK
/// retries it (AWS made the object the first time), so counting it as done lets the apply
/// finish; anything else stays a conflict. A registry setting carries no owner of its own: it
/// is created only after its estate holds the registry's owner record, which manages the
/// setting's section as a whole, so matching what was asked for is enough.
async fn already_made(
    p: &AwsProvider,
    handler: &dyn Handler,
    wanted: &Resource,
) -> Result<bool, ProviderError> {
    let wanted_owner = wanted.owner();
    let owned_by_record = wanted.kind().spec().parent == Some(Kind::RegistryOwner);
    if wanted_owner.is_none() && !owned_by_record {
        return Ok(false);
    }
    let Some(live) = handler.read_one(p, wanted).await? else {
        return Ok(false);
    };
    Ok(live.owner() == wanted_owner && live.canonical() == wanted.canonical())
}
