//! Why no plan could be made.

use ecrplan_model::{Address, ObjectId};
use thiserror::Error;

/// Why no plan could be made. These are configuration conflicts the user must resolve, or a
/// bug (a cycle), never an AWS failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// The configuration declares an object another estate owns.
    #[error(
        "{address} declares {id}, which belongs to estate `{estate}`; \
         remove the declaration or move it to that estate's configuration"
    )]
    Foreign {
        /// The declaration.
        address: Box<Address>,
        /// The AWS object.
        id: Box<ObjectId>,
        /// The estate that owns it.
        estate: String,
    },
    /// The configuration declares a role (IAM is global) that a run in another region made.
    #[error(
        "{address} declares {id}, which estate `{estate}` made in region {region}; \
         declare it only in the {region} configuration, or give the role another name in {here}"
    )]
    OtherRegion {
        /// The declaration.
        address: Box<Address>,
        /// The AWS object.
        id: Box<ObjectId>,
        /// The estate that owns it.
        estate: String,
        /// The region whose run made it.
        region: String,
        /// The region of this run.
        here: String,
    },
    /// Two declarations name the same AWS object.
    #[error("{first} and {second} both declare {id}")]
    DeclaredTwice {
        /// The first declaration.
        first: Box<Address>,
        /// The second declaration.
        second: Box<Address>,
        /// The AWS object.
        id: Box<ObjectId>,
    },
    /// An object would be deleted although the module that owns it is still in the
    /// configuration, as a block ecrplan skipped: a mistyped `source` must never cost the
    /// module's objects.
    #[error(
        "{address} ({id}) is not declared, but its module `{module}` is a `module` block ecrplan \
         skipped (not an ECR-estate module), so it is not deleted; correct the module's `source`, \
         or rename or remove the block if the module is really gone"
    )]
    SkippedModule {
        /// The skipped module that owns the object.
        module: String,
        /// Where the object was declared.
        address: Box<Address>,
        /// The AWS object.
        id: Box<ObjectId>,
    },
    /// The configuration declares `registry` for a registry whose settings another estate
    /// owns: one estate owns a registry's settings, so that two never fight over them.
    #[error(
        "the registry {registry} is managed by estate `{estate}`; only one estate may declare \
         a `registry` block for it: remove the block here, or move these settings to `{estate}`'s \
         configuration"
    )]
    RegistryOwned {
        /// The registry.
        registry: String,
        /// The estate that owns its settings.
        estate: String,
    },
    /// The dependency graph has a cycle: a bug in how edges are derived, reported rather than
    /// looping.
    #[error("the dependency graph has a cycle through {0}")]
    Cycle(Box<Address>),
}
