//! The provider value: its SDK clients, the registry it reaches, and the discipline every call
//! goes through (the permits that bound requests in flight, the propagation retry). Imports only
//! the leaves (errors, call counting, throttling), so every noun module can take an
//! [`AwsProvider`] without a cycle.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use ecrplan_model::{Account, ObjectId, ProviderError, Registry};

use crate::error;
use crate::stats::{CallCounter, CallStats, ExtraHeaders};
use crate::throttle::{self, GatedClient, Limiters, ThrottleObserver};

/// Where and how to connect, from the provider block and the command-line flags.
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    /// Region; the standard chain (`AWS_REGION`, profile) decides when absent.
    pub region: Option<String>,
    /// Named profile from `~/.aws/config`.
    pub profile: Option<String>,
    /// Endpoint override for moto or LocalStack; `AWS_ENDPOINT_URL` works too.
    pub endpoint: Option<String>,
    /// A role to assume before any call, e.g. into the account that holds the registry.
    pub assume_role_arn: Option<String>,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
    /// The session name CloudTrail records for the assumed role; `ecrplan` when not given.
    pub session_name: Option<String>,
    /// Refuse to run unless the credentials resolve to this account.
    pub expected_account: Option<String>,
    /// How many calls run at once during refresh.
    pub parallelism: usize,
    /// Find the estate's repositories by reading every repository's tags instead of asking the
    /// Resource Groups Tagging API (`ECRPLAN_TAGGING_API=off`): for endpoints that do not serve
    /// ECR through it, like plain moto.
    pub per_repository_tags: bool,
}

/// Knobs that [`AwsOptions`] does not carry: tests shorten the propagation wait and address
/// a second moto account with a header.
#[derive(Clone, Debug)]
pub struct Tuning {
    /// How many calls run at once during refresh; 0 means 1.
    pub parallelism: usize,
    /// Refuse to run unless the credentials resolve to this account.
    pub expected_account: Option<String>,
    /// How long to keep retrying errors caused by IAM and ECR propagation delays (a principal,
    /// OIDC provider or repository created moments ago). Two minutes, as the Terraform
    /// provider does, on AWS.
    pub propagation_timeout: Duration,
    /// Headers added to every request (moto's `x-moto-account-id`).
    pub headers: Vec<(String, String)>,
    /// See [`AwsOptions::per_repository_tags`].
    pub per_repository_tags: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            parallelism: ecrplan_model::DEFAULT_PARALLELISM,
            expected_account: None,
            propagation_timeout: Duration::from_secs(120),
            headers: Vec::new(),
            per_repository_tags: false,
        }
    }
}

/// An AWS account reached through the SDK.
#[derive(Debug)]
pub struct AwsProvider {
    /// ECR in the provider's region, counted and paced like every client here.
    pub(crate) ecr: aws_sdk_ecr::Client,
    /// IAM, global: the same account's IAM whatever the region.
    pub(crate) iam: aws_sdk_iam::Client,
    /// SSM in the provider's region: the registry's owner record is a parameter there, the one
    /// piece of bookkeeping the untaggable registry settings need.
    pub(crate) ssm: aws_sdk_ssm::Client,
    /// The Resource Groups Tagging API, which finds an estate's repositories by their tags.
    pub(crate) tagging: aws_sdk_resourcegroupstagging::Client,
    /// The account and region, as [`ecrplan_model::Provider::account`] answers.
    pub(crate) account: Account,
    /// The registry the account and region name: every object id this provider makes is in it
    /// (ECR objects) or in its account (IAM objects).
    pub(crate) registry: Registry,
    counter: CallCounter,
    /// The knobs the refresh and the propagation retry read.
    pub(crate) tuning: Tuning,
    /// One permit per refresh request in flight: the refresh runs several concurrent streams,
    /// and this keeps their sum within `parallelism`.
    permits: tokio::sync::Semaphore,
    /// One turn at waiting for `permits` among [`AwsProvider::limited`] requests, so that a
    /// [`AwsProvider::leading`] request queues behind at most one of them.
    queue: tokio::sync::Semaphore,
    /// Warnings every one of which was given out, and those not taken yet.
    warnings: std::sync::Mutex<(BTreeSet<String>, Vec<String>)>,
}

/// Throttling and 5xx are retried by the SDK in standard mode, with a short jittered backoff (10 ms doubling up to 2 s):
/// the pace under a quota is set by the per-operation limiters of `throttle`, not by sleeping
/// (the adaptive mode's client-wide limiter made a plan 20× slower under 30 % throttling, see
/// there). Twenty attempts, because a limiter runs an operation above its quota on purpose,
/// so up to half of its attempts may be throttled: 0.5²⁰ ≈ 10⁻⁶ that a call runs out.
fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(20)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_secs(2))
}

impl AwsProvider {
    /// Connects with the standard credential chain (environment, profiles, SSO, web
    /// identity), assumes `assume_role_arn` when given, asks STS who we are once and applies
    /// the account guard.
    pub async fn connect(options: AwsOptions) -> Result<AwsProvider, ProviderError> {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).retry_config(retry_config());
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &options.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let mut config = loader.load().await;
        if let Some(arn) = &options.assume_role_arn {
            let mut assumed = aws_config::sts::AssumeRoleProvider::builder(arn)
                .session_name(options.session_name.as_deref().unwrap_or("ecrplan"));
            if let Some(external_id) = &options.external_id {
                assumed = assumed.external_id(external_id);
            }
            let assumed = assumed.configure(&config).build().await;
            config = config
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(assumed))
                .build();
        }
        let tuning = Tuning {
            parallelism: options.parallelism,
            expected_account: options.expected_account,
            per_repository_tags: options.per_repository_tags,
            ..Tuning::default()
        };
        Self::from_sdk_config(&config, tuning).await
    }

    /// Builds the provider from a ready SDK configuration (tests: static credentials and a
    /// moto endpoint), then asks STS who we are and applies the account guard.
    pub async fn from_sdk_config(
        config: &SdkConfig,
        tuning: Tuning,
    ) -> Result<AwsProvider, ProviderError> {
        let region = config.region().map(ToString::to_string).ok_or_else(|| {
            ProviderError::Transport(
                "no AWS region: set --region, AWS_REGION or the provider block's region".into(),
            )
        })?;
        let counter = CallCounter::default();
        let headers = ExtraHeaders {
            headers: tuning.headers.clone(),
        };
        let limiters = Limiters::default();
        let observer = ThrottleObserver {
            limiters: limiters.clone(),
        };
        let http = GatedClient {
            inner: config
                .http_client()
                .unwrap_or_else(throttle::default_http_client),
            limiters,
        };
        let ecr = aws_sdk_ecr::Client::from_conf(
            aws_sdk_ecr::config::Builder::from(config)
                .interceptor(counter.clone())
                .interceptor(headers.clone())
                .interceptor(observer.clone())
                .http_client(http.clone())
                .retry_partition(throttle::retry_partition("ecrplan-ecr"))
                .build(),
        );
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(config)
                .interceptor(counter.clone())
                .interceptor(headers.clone())
                .interceptor(observer.clone())
                .http_client(http.clone())
                .retry_partition(throttle::retry_partition("ecrplan-iam"))
                .build(),
        );
        let ssm = aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(config)
                .interceptor(counter.clone())
                .interceptor(headers.clone())
                .interceptor(observer)
                .http_client(http)
                .retry_partition(throttle::retry_partition("ecrplan-ssm"))
                .build(),
        );
        let tagging = aws_sdk_resourcegroupstagging::Client::from_conf(
            aws_sdk_resourcegroupstagging::config::Builder::from(config)
                .interceptor(counter.clone())
                .interceptor(headers.clone())
                .build(),
        );
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(config)
                .interceptor(counter.clone())
                .interceptor(headers)
                .build(),
        );
        let identity = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| error::api("GetCallerIdentity", e))?;
        let id = identity.account().unwrap_or_default().to_owned();
        if let Some(expected) = tuning.expected_account.as_ref().filter(|e| **e != id) {
            return Err(ProviderError::WrongAccount {
                expected: expected.clone(),
                actual: id,
            });
        }
        let partition = identity
            .arn()
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_owned();
        let account = Account {
            id,
            region,
            partition,
        };
        let registry = account.registry();
        let permits = tokio::sync::Semaphore::new(tuning.parallelism.max(1));
        Ok(AwsProvider {
            ecr,
            iam,
            ssm,
            tagging,
            account,
            registry,
            counter,
            tuning,
            permits,
            queue: tokio::sync::Semaphore::new(1),
            warnings: std::sync::Mutex::default(),
        })
    }

    /// Connects to an AWS-compatible endpoint (moto, LocalStack) with fixed dummy
    /// credentials, so tests never pick up a developer's real ones.
    pub async fn for_endpoint(
        endpoint: &str,
        region: &str,
        tuning: Tuning,
    ) -> Result<AwsProvider, ProviderError> {
        let credentials = aws_credential_types::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "ecrplan-test",
        );
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .build();
        Self::from_sdk_config(&config, tuning).await
    }

    /// The calls made so far, for `--stats`.
    pub fn stats(&self) -> CallStats {
        self.counter.snapshot()
    }

    /// Records a warning for the caller to print; the same text is given out once.
    pub(crate) fn warn(&self, message: String) {
        let mut warnings = self.warnings.lock().unwrap_or_else(|p| p.into_inner());
        if warnings.0.insert(message.clone()) {
            warnings.1.push(message);
        }
    }

    /// The warnings not given out yet, each once.
    pub(crate) fn drain_warnings(&self) -> Vec<String> {
        let mut warnings = self.warnings.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut warnings.1)
    }

    /// How many reads a refresh stream keeps in flight.
    pub(crate) fn parallelism(&self) -> usize {
        self.tuning.parallelism.max(1)
    }

    /// Awaits `request` while holding a permit, so at most `parallelism` run at once. These
    /// requests wait in line (first come, first served) for one turn at the permits; await
    /// them where they are polled as soon as woken (not in a stream stage drained lazily),
    /// or a waiting one holds up the line and an answered one its permit.
    pub(crate) async fn limited<F: Future>(&self, request: F) -> F::Output {
        // The semaphores are never closed, so a turn and a permit always come.
        let _permit = {
            let _turn = self.queue.acquire().await.ok();
            self.permits.acquire().await.ok()
        };
        request.await
    }

    /// [`AwsProvider::limited`] ahead of the line: for the calls whose answers unlock others
    /// (the pages of a listing, a batch of names to describe). A refresh lasts as long as its
    /// longest chain of such calls; queued behind thousands of policy reads, each link would
    /// wait for all of them, while ahead of them it waits for one free permit.
    pub(crate) async fn leading<F: Future>(&self, request: F) -> F::Output {
        let _permit = self.permits.acquire().await.ok();
        request.await
    }

    /// Runs `call` again while it fails with a propagation delay (see
    /// [`Tuning::propagation_timeout`]), with growing pauses.
    pub(crate) async fn with_propagation<T, F, Fut>(&self, mut call: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let deadline = Instant::now() + self.tuning.propagation_timeout;
        let mut pause = Duration::from_millis(250);
        loop {
            match call().await {
                Err(e) if error::is_propagation_delay(&e) && Instant::now() + pause < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(10));
                }
                other => return other,
            }
        }
    }

    /// Sends one call, retrying it through propagation delays, and maps its error onto `id`'s
    /// domain errors.
    pub(crate) async fn propagated<T, E, R, F, Fut>(
        &self,
        id: &ObjectId,
        operation: &str,
        mut call: F,
    ) -> Result<(), ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        self.with_propagation(|| {
            let sent = call();
            async move { sent.await.map(|_| ()).map_err(|e| error::api(operation, e)) }
        })
        .await
        .map_err(|e| error::classify(e, id))
    }

    /// An object of `kind` named `key` where this provider's objects of that kind live.
    pub(crate) fn id(&self, kind: ecrplan_model::Kind, key: &str) -> ObjectId {
        ObjectId::new(
            kind,
            ecrplan_model::Scope::at(kind.spec().scope, &self.registry),
            key,
        )
    }
}
