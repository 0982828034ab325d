//! What reading a module yields, shared by the module kinds and the directory-wide checks: a
//! leaf, so the kinds never import their parent.

use ecrplan_model::Module;

use crate::value::At;

/// A module read from the configuration, with where its names were written (for duplicate
/// checks across the directory).
pub(crate) struct Declared {
    pub(crate) module: Module,
    /// Where the module's label was written.
    pub(crate) label_at: At,
    /// Where each repository name was written, parallel to `module.repositories`.
    pub(crate) repositories: Vec<At>,
    /// The IAM names the module declares.
    pub(crate) iam: IamNames,
    /// Inputs accepted but not managed by ecrplan (`enable_irsa`, …), each with
    /// where its attribute is written.
    pub(crate) unmanaged: Vec<(&'static str, At)>,
    /// A Cloud Platform module (its CircleCI organisation comes from a variable).
    pub(crate) cloud_platform: bool,
}

/// Each IAM role, user and group name a module declares and where it was written (or what it
/// was made from): IAM names are per account, so two modules must not share one.
#[derive(Default)]
pub(crate) struct IamNames {
    pub(crate) roles: Vec<(String, At)>,
    pub(crate) users: Vec<(String, At)>,
    pub(crate) groups: Vec<(String, At)>,
}
