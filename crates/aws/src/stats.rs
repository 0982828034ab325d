//! Counting SDK calls: `--stats` and the call-count tests read these numbers, so they come from
//! an interceptor that sees every request the SDK sends, not from our own bookkeeping.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::Serialize;

/// The API calls a provider made, per operation, and how many attempts were retries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CallStats {
    /// Calls made, each counted once however often it was retried.
    pub total: u64,
    /// Calls per API operation name, e.g. `DescribeRepositories`.
    pub operations: BTreeMap<String, u64>,
    /// Extra attempts the SDK's retry strategy made (throttling, 5xx, timeouts).
    pub retries: u64,
}

impl CallStats {
    /// The count for one operation, 0 when it was never called.
    pub fn count(&self, operation: &str) -> u64 {
        self.operations.get(operation).copied().unwrap_or(0)
    }

    /// Adds another provider's calls: a run over several registries reports them together.
    pub fn add(&mut self, other: &CallStats) {
        self.total += other.total;
        self.retries += other.retries;
        for (operation, n) in &other.operations {
            *self.operations.entry(operation.clone()).or_default() += n;
        }
    }
}

impl fmt::Display for CallStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AWS calls: {} (", self.total)?;
        for (i, (op, n)) in self.operations.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{op}={n}")?;
        }
        if !self.operations.is_empty() {
            f.write_str("; ")?;
        }
        write!(f, "retries={})", self.retries)
    }
}

/// The interceptor installed on every client of one provider; clones share the counts.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallCounter {
    stats: Arc<Mutex<CallStats>>,
}

impl CallCounter {
    pub(crate) fn snapshot(&self) -> CallStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "ecrplan-call-counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let operation = cfg
            .load::<Metadata>()
            .map_or_else(|| "Unknown".to_owned(), |m| m.name().to_owned());
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        if attempt > 1 {
            stats.retries += 1;
        } else {
            stats.total += 1;
            *stats.operations.entry(operation).or_insert(0) += 1;
        }
        Ok(())
    }
}

/// Adds fixed headers to every request: how tests address a second account on one moto
/// server (`x-moto-account-id`).
#[derive(Clone, Debug, Default)]
pub(crate) struct ExtraHeaders {
    pub(crate) headers: Vec<(String, String)>,
}

impl Intercept for ExtraHeaders {
    fn name(&self) -> &'static str {
        "ecrplan-extra-headers"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        for (name, value) in &self.headers {
            context
                .request_mut()
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_in_the_documented_shape() {
        let mut stats = CallStats::default();
        assert_eq!(stats.to_string(), "AWS calls: 0 (retries=0)");
        stats.total = 3;
        stats.operations.insert("ListTagsForResource".into(), 2);
        stats.operations.insert("DescribeRepositories".into(), 1);
        stats.retries = 4;
        assert_eq!(
            stats.to_string(),
            "AWS calls: 3 (DescribeRepositories=1, ListTagsForResource=2; retries=4)"
        );
    }
}
