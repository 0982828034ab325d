//! Client-side rate limiting per API operation, learnt from throttling answers.
//!
//! ECR and IAM throttle each operation with its own token bucket and publish no numbers for
//! the management APIs. The SDK's adaptive retry mode copes badly with that: its one limiter
//! per client is cut to 0.7 × the measured rate on *every* throttling answer, floors at 0.5
//! requests/s with a bucket of one token, and charges a retry five tokens — so a retry after a
//! throttle waits (5 − 1) / 0.5 = 8 s, and 30 % throttled answers make a plan 20× slower
//! (aws-smithy-runtime `client_rate_limiter.rs`: `MIN_FILL_RATE`, `BETA`, `RETRY_COST`).
//!
//! Here each operation has its own limiter, off until the operation's rate is first cut. It is
//! cut only when more than [`CUT_SHARE`] of at least [`MIN_ANSWERS`] recent answers are
//! throttles — the sign of sending well above a quota — and
//! then to [`HEADROOM`] × the rate the operation actually succeeded at over the last second:
//! above the quota by enough to keep using all of it (the surplus is throttled and retried a
//! moment later). A share of throttles below that, such as the same share at any rate, never
//! cuts it. Each success raises the rate by [`INCREASE`], so an operation fed slowly at first,
//! as an apply feeds policies while repositories appear, is never held at its starting pace;
//! [`LIFT_AFTER`] without a throttle lifts the limit.
//!
//! The limiter sits in the HTTP client, the one async place every attempt (first or retry)
//! passes through; an interceptor names the operation on the request and reports each
//! attempt's outcome, classified by the SDK's own retry classifiers.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime::client::retries::classifiers::run_classifiers_on_ctx;
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::retries::classifiers::{RetryAction, RetryReason};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind;

/// Requests are let through at this multiple of the rate they succeed at.
pub const HEADROOM: f64 = 1.5;
/// The share of throttles among an operation's answers within [`WINDOW`] above which its rate
/// is cut. At [`HEADROOM`] × the goodput a third of the attempts are throttled, so the rate
/// settles between 1.5 and 2 × a quota; a random 30 % of throttles stays below it in all but
/// 2 % of windows of [`MIN_ANSWERS`] answers, and in practically all larger ones.
pub const CUT_SHARE: f64 = 0.5;
/// How much each success raises a limited rate (multiplicative, like TCP's slow start): an
/// operation that succeeds 20 times a second grows 22 % a second, one at 70 doubles.
pub const INCREASE: f64 = 0.01;
/// Answers within [`WINDOW`] before an operation's rate is cut: a share measured on fewer is
/// noise, and one stray run of throttles at start-up, with no successes yet to measure, must
/// not pin the rate to the floor.
pub const MIN_ANSWERS: usize = 20;
/// The span over which successes and throttles are counted.
pub const WINDOW: Duration = Duration::from_secs(1);
/// A limited operation not throttled for this long is no longer limited.
pub const LIFT_AFTER: Duration = Duration::from_secs(5);
/// The lowest rate a limit goes to, in requests per second.
pub const MIN_RATE: f64 = 1.0;

/// The limiters of one provider, by operation name; clones share them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Limiters {
    operations: Arc<Mutex<HashMap<String, Limiter>>>,
}

/// One operation's limiter.
#[derive(Debug)]
struct Limiter {
    /// Requests per second let through; `None` while the operation is not limited.
    rate: Option<f64>,
    /// Tokens in the bucket (at most one second's worth at `rate`, and at least one).
    tokens: f64,
    refilled: Instant,
    /// When the operation's current run of activity began: its first answer after a pause
    /// longer than [`WINDOW`].
    active_since: Instant,
    last_answer: Instant,
    successes: VecDeque<Instant>,
    throttles: VecDeque<Instant>,
    last_throttle: Option<Instant>,
}

impl Limiter {
    fn new(now: Instant) -> Self {
        Self {
            rate: None,
            tokens: 0.0,
            refilled: now,
            active_since: now,
            last_answer: now,
            successes: VecDeque::new(),
            throttles: VecDeque::new(),
            last_throttle: None,
        }
    }

    /// Takes a token, or says how long until one is due.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        let rate = self.rate?;
        let burst = (rate / 10.0).max(1.0);
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }

    /// Successes per second over the last [`WINDOW`] (or since the operation became active,
    /// if sooner, but never over less than a tenth of it): an operation used again after a
    /// pause is not judged by the empty window of the pause.
    fn goodput(&self, now: Instant) -> f64 {
        let span = now
            .saturating_duration_since(self.active_since)
            .clamp(WINDOW / 10, WINDOW);
        self.successes.len() as f64 / span.as_secs_f64()
    }

    fn forget_before(&mut self, now: Instant) {
        for events in [&mut self.successes, &mut self.throttles] {
            while events
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) > WINDOW)
            {
                events.pop_front();
            }
        }
    }

    fn record(&mut self, now: Instant, throttled: bool) {
        if now.saturating_duration_since(self.last_answer) > WINDOW {
            self.active_since = now;
        }
        self.last_answer = now;
        self.forget_before(now);
        if !throttled {
            self.successes.push_back(now);
            if self
                .last_throttle
                .is_some_and(|t| now.saturating_duration_since(t) >= LIFT_AFTER)
            {
                self.rate = None;
            } else if let Some(rate) = &mut self.rate {
                *rate *= 1.0 + INCREASE;
            }
            return;
        }
        self.throttles.push_back(now);
        self.last_throttle = Some(now);
        let answers = self.throttles.len() + self.successes.len();
        let share = self.throttles.len() as f64 / answers as f64;
        if share <= CUT_SHARE || answers < MIN_ANSWERS {
            return;
        }
        let target = (HEADROOM * self.goodput(now)).max(MIN_RATE);
        match self.rate {
            // One throttle at most halves the rate: a run of them at a quota brings it to the
            // target within a few answers, a stray one moves it little.
            Some(rate) => self.rate = Some(target.max(rate / 2.0).min(rate)),
            None => {
                // Start from an empty bucket: the quota is spent already.
                self.tokens = 0.0;
                self.refilled = now;
                self.rate = Some(target);
            }
        }
    }
}

impl Limiters {
    /// Waits until `operation` may send a request.
    pub(crate) async fn acquire(&self, operation: &str) {
        loop {
            let wait = {
                let mut operations = self.lock();
                let now = Instant::now();
                operations
                    .entry(operation.to_owned())
                    .or_insert_with(|| Limiter::new(now))
                    .take(now)
            };
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Records the outcome of one attempt.
    pub(crate) fn record(&self, operation: &str, throttled: bool) {
        let mut operations = self.lock();
        let now = Instant::now();
        operations
            .entry(operation.to_owned())
            .or_insert_with(|| Limiter::new(now))
            .record(now, throttled);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Limiter>> {
        self.operations.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The operation an HTTP request belongs to, put on the request by [`ThrottleObserver`].
#[derive(Clone, Debug)]
struct OperationName(String);

/// Names each request's operation for the HTTP client and reports each attempt's outcome to
/// the limiters.
#[derive(Clone, Debug)]
pub(crate) struct ThrottleObserver {
    pub(crate) limiters: Limiters,
}

fn operation_name(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map_or_else(|| "Unknown".to_owned(), |m| m.name().to_owned())
}

impl Intercept for ThrottleObserver {
    fn name(&self) -> &'static str {
        "ecrplan-throttle-observer"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .add_extension(OperationName(operation_name(cfg)));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let action =
            run_classifiers_on_ctx(runtime_components.retry_classifiers(), context.inner());
        let throttled = matches!(
            action,
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            })
        );
        let answered = context.inner().response().is_some();
        // Transport failures say nothing about the quota.
        if answered || throttled {
            self.limiters.record(&operation_name(cfg), throttled);
        }
        Ok(())
    }
}

/// An HTTP client that waits for the request's operation limiter before sending.
#[derive(Clone)]
pub(crate) struct GatedClient {
    pub(crate) inner: SharedHttpClient,
    pub(crate) limiters: Limiters,
}

impl fmt::Debug for GatedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatedClient").finish_non_exhaustive()
    }
}

impl HttpClient for GatedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(GatedConnector {
            inner: self.inner.http_connector(settings, components),
            limiters: self.limiters.clone(),
        })
    }
}

#[derive(Debug)]
struct GatedConnector {
    inner: SharedHttpConnector,
    limiters: Limiters,
}

impl HttpConnector for GatedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let limiters = self.limiters.clone();
        HttpConnectorFuture::new(async move {
            if let Some(OperationName(name)) = request.extension::<OperationName>().cloned() {
                limiters.acquire(&name).await;
            }
            inner.call(request).await
        })
    }
}

/// The SDK's retry quota, without a charge for retrying a throttled call: the quota guards
/// against retry storms during outages, but here throttling is expected (a limiter runs an
/// operation just above its quota on purpose) and paced by the limiters. The SDK keeps a
/// concurrent call's permit in one slot per client and forgets the one it replaces, so at a
/// third of attempts throttled the default quota of 500 ran dry within a few hundred calls and
/// calls failed with `ThrottlingException` after a handful of attempts. 5xx answers and
/// transport errors still cost.
pub(crate) fn retry_partition(name: &'static str) -> RetryPartition {
    RetryPartition::custom(name)
        .token_bucket(TokenBucket::builder().throttling_retry_cost(0).build())
        .build()
}

/// The HTTP client the SDK would pick by default (hyper 1 with rustls on aws-lc, proxies from
/// the environment), built here because the SDK does not hand its default out for wrapping.
pub(crate) fn default_http_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};

    Builder::new().build_with_connector_fn(|settings, components| {
        let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.set_proxy_config(Some(ProxyConfig::from_env()));
        builder.build()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a limiter against a simulated token-bucket quota and returns the successes.
    fn simulate(quota: f64, burst: f64, offered: f64, seconds: f64) -> (f64, Limiter) {
        let start = Instant::now();
        let mut limiter = Limiter::new(start);
        let mut bucket = burst;
        let mut successes = 0.0;
        let step = 1.0 / offered;
        let mut t = 0.0;
        let mut next_send = 0.0_f64;
        while t < seconds {
            let now = start + Duration::from_secs_f64(t);
            bucket = (bucket + step * quota).min(burst);
            if t >= next_send {
                match limiter.take(now) {
                    Some(wait) => next_send = t + wait.as_secs_f64(),
                    None => {
                        let throttled = bucket < 1.0;
                        if !throttled {
                            bucket -= 1.0;
                            successes += 1.0;
                        }
                        limiter.record(now, throttled);
                    }
                }
            }
            t += step;
        }
        (successes, limiter)
    }

    #[test]
    fn under_a_quota_the_limit_settles_above_it_and_the_quota_is_used_up() {
        let (successes, limiter) = simulate(20.0, 40.0, 300.0, 20.0);
        let rate = limiter.rate.expect("limited");
        assert!((20.0..=60.0).contains(&rate), "rate {rate}");
        // 40 burst + 20/s × 20 s is the most a client can get; it gets nearly all of it.
        assert!(successes >= 0.95 * 440.0, "successes {successes}");
    }

    #[test]
    fn random_throttles_do_not_ratchet_the_rate_down() {
        let start = Instant::now();
        let mut limiter = Limiter::new(start);
        let mut seed = 7_u64;
        let mut sent = 0;
        let mut t = 0.0;
        // 300 requests/s offered, 30 % throttled at random, for 10 simulated seconds.
        while t < 10.0 {
            let now = start + Duration::from_secs_f64(t);
            if limiter.take(now).is_none() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let throttled = (seed >> 33) % 10 < 3;
                limiter.record(now, throttled);
                sent += 1;
            }
            t += 1.0 / 300.0;
        }
        assert!(sent >= 2_700, "only {sent} of 3,000 requests went out");
    }

    #[test]
    fn a_limit_lifts_after_a_quiet_spell() {
        let start = Instant::now();
        let mut limiter = Limiter::new(start);
        for _ in 0..MIN_ANSWERS {
            limiter.record(start, true);
        }
        assert_eq!(limiter.rate, Some(MIN_RATE));
        limiter.record(start + LIFT_AFTER, false);
        assert!(limiter.rate.is_none());
    }

    #[test]
    fn a_throttle_after_a_pause_does_not_pin_the_rate_to_the_floor() {
        let start = Instant::now();
        let mut limiter = Limiter::new(start);
        let mut t = Duration::ZERO;
        for n in 0..400 {
            limiter.record(start + t, n % 2 == 0);
            t += Duration::from_millis(5);
        }
        let before = limiter.rate.expect("limited");
        assert!(before > 100.0, "rate {before}");
        // The operation is idle for three seconds, then its first answers are throttles.
        for _ in 0..3 {
            limiter.record(start + t + Duration::from_secs(3), true);
        }
        let after = limiter.rate.expect("still limited");
        assert!(after >= before / 8.0, "{before} → {after}");
    }

    #[test]
    fn a_slowly_fed_operation_is_not_held_at_its_starting_pace() {
        let start = Instant::now();
        let mut limiter = Limiter::new(start);
        for _ in 0..MIN_ANSWERS {
            limiter.record(start, true);
        }
        let first = limiter.rate.expect("limited");
        for n in 0..200 {
            limiter.record(start + Duration::from_millis(n), n % 10 == 0);
        }
        let later = limiter.rate.expect("limited");
        assert!(later > 4.0 * first, "{first} → {later}");
    }

    #[test]
    fn one_stray_throttle_does_not_limit() {
        let start = Instant::now();
        let mut limiter = Limiter::new(start);
        limiter.record(start, true);
        assert!(limiter.rate.is_none());
        assert!(limiter.take(start).is_none());
    }
}
