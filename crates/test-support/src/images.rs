//! [`ImageStore`], in a leaf module so that moto's implementation of it and the crate root
//! re-exporting moto's items do not import each other.

use async_trait::async_trait;
use ecrplan_sandbox::SandboxProvider;

/// Puts images into repositories, which no provider does: the behaviour suite needs a
/// repository that holds one.
#[async_trait]
pub trait ImageStore: Send + Sync {
    /// Makes `repository` hold at least one image; panics when it cannot.
    async fn push(&self, repository: &str);
}

#[async_trait]
impl ImageStore for SandboxProvider {
    async fn push(&self, repository: &str) {
        if let Err(e) = self.set_image_count(repository, 1) {
            panic!("cannot put an image into {repository}: {e}");
        }
    }
}
