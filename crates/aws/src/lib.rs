//! The [`Provider`] on the AWS SDK: reads an ECR estate with as few calls as the APIs allow and
//! applies one change at a time.
//!
//! Only this crate talks to AWS. Every client carries an interceptor that counts calls per
//! operation ([`CallStats`]), which `--stats` prints and the call-count tests assert on.
//!
//! Split by noun: `ecr/`, `iam/` and `ssm/` hold one module per kind (its calls, its
//! conversions, its handler); `refresh` sequences the reads, `apply` dispatches each change to
//! its kind's handler; `provider`, `error`, `convert`, `paging`, `stats` and `throttle` are
//! leaves the nouns share, and `registry` the one handler of the registry's untaggable objects.
//! This file only wires them to the [`Provider`] trait.

mod apply;
mod convert;
mod ecr;
mod error;
mod handler;
mod iam;
mod paging;
mod provider;
mod refresh;
mod registry;
mod ssm;
mod stats;
mod tagged;
mod throttle;

use async_trait::async_trait;
use ecrplan_model::{Account, LiveEstate, Operation, Provider, ProviderError, RefreshScope, Role};

pub use provider::{AwsOptions, AwsProvider, Tuning};
pub use stats::CallStats;

#[async_trait]
impl Provider for AwsProvider {
    async fn account(&self) -> Result<Account, ProviderError> {
        Ok(self.account.clone())
    }

    async fn refresh(&self, scope: &RefreshScope) -> Result<LiveEstate, ProviderError> {
        refresh::refresh(self, scope).await
    }

    async fn holds_images(&self, repository: &str) -> Result<bool, ProviderError> {
        ecr::repository::holds_images(self, repository).await
    }

    async fn roles_trusting(&self, url: &str) -> Result<Vec<Role>, ProviderError> {
        iam::role::trusting(self, url).await
    }

    async fn role(&self, name: &str) -> Result<Option<Role>, ProviderError> {
        iam::role::read(self, name).await
    }

    fn take_warnings(&self) -> Vec<String> {
        self.drain_warnings()
    }

    async fn apply(&self, operation: &Operation) -> Result<(), ProviderError> {
        apply::apply(self, operation).await
    }
}
