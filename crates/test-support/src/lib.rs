//! Test harness for ecrplan: moto's standalone server on a free port with configured
//! [`ecrplan_aws::AwsProvider`]s, estate generators, and one behaviour suite that every
//! [`Provider`] must pass — run against moto and against the sandbox, so the two stay the same.
//!
//! Dev-only: nothing in the shipped binary depends on this crate.

pub mod behaviour;
mod command;
mod estates;
pub mod fault;
mod images;
mod moto;
pub mod proxy;
pub mod sarif;

use ecrplan_model::Provider;

pub use command::against_moto;
pub use estates::{apply_estate, cloud_platform_hcl, estate, estate_hcl, modules_hcl, scope};
pub use images::ImageStore;
pub use moto::{DEFAULT_ACCOUNT, Moto, MotoImages, REGION, moto, moto_plain, second_moto};

/// A provider under test and what it can do.
pub struct Subject<'a> {
    /// The provider.
    pub provider: &'a dyn Provider,
    /// Where images come from.
    pub images: &'a dyn ImageStore,
    /// What the server behind the provider is known not to do like AWS.
    pub gaps: Gaps,
}

/// Known differences between a test server and AWS, so the suite skips exactly those checks
/// and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Gaps {
    /// ListGroups ignores `PathPrefix` and answers every group of the account (moto 5.2.5's
    /// `list_groups` takes no arguments), so a refresh also returns groups outside the
    /// estate's path, with their policies.
    pub list_groups_ignores_path_prefix: bool,
}

impl Gaps {
    /// Behaves like AWS in everything the suite checks (the sandbox).
    pub const NONE: Gaps = Gaps {
        list_groups_ignores_path_prefix: false,
    };
    /// moto 5.2.5's server behind the adapter (`moto/tagging_adapter.py`), which answers the
    /// OIDC client-id changes and a missing provider's delete as AWS does.
    pub const MOTO: Gaps = Gaps {
        list_groups_ignores_path_prefix: true,
    };
}
