//! The errors the sandbox answers with where AWS would refuse a call, in the AWS provider's
//! words. A leaf: it imports nothing of its siblings.

use std::io;
use std::path::Path;

use ecrplan_model::{ObjectId, ProviderError};

/// A tag asked of an object AWS cannot tag.
pub(crate) fn untaggable(id: &ObjectId) -> ProviderError {
    api("Tag", "InvalidParameter", format!("{id} cannot carry tags"))
}

/// An update of an attribute AWS fixes at creation.
pub(crate) fn requires_replacement(id: &ObjectId, attribute: &str) -> ProviderError {
    api(
        "Update",
        "RequiresReplacement",
        format!("the {attribute} of {id} cannot change in place"),
    )
}

/// An update whose before and after are different objects.
pub(crate) fn not_the_same_object(before: &ObjectId, after: &ObjectId) -> ProviderError {
    api(
        "Update",
        "InvalidParameter",
        format!("cannot update {before} into {after}"),
    )
}

/// A user deleted unasked while it holds access keys, as IAM's DeleteUser refuses it.
pub(crate) fn holds_access_keys(user: &str, keys: usize) -> ProviderError {
    api(
        "DeleteUser",
        "DeleteConflict",
        format!(
            "user {user} holds {keys} access key(s); set force_delete = true in its ci_user to delete it with them"
        ),
    )
}

/// A refusal in the words of the AWS API: the operation, AWS's error code and its message.
fn api(operation: &str, code: &str, message: String) -> ProviderError {
    ProviderError::Api {
        operation: operation.into(),
        code: code.into(),
        message,
    }
}

/// The file or the journal could not be read or written.
pub(crate) fn file_error(path: &Path, what: &str, e: &io::Error) -> ProviderError {
    ProviderError::Transport(format!("{what} {}: {e}", path.display()))
}
