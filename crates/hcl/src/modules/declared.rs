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
    /// Each role name and where it was written (or what it was made from).
    pub(crate) roles: Vec<(String, At)>,
    /// Inputs accepted but not managed by ecrplan (`providers`, `enable_irsa`, …).
    pub(crate) unmanaged: Vec<&'static str>,
    /// A Cloud Platform module (its CircleCI organisation comes from a variable).
    pub(crate) cloud_platform: bool,
}
