//! The bounded retries for IAM and ECR propagation delays. moto has no propagation delay, so
//! the errors real AWS gives right after a create are injected by the fault proxy in front of
//! it, then lifted while the provider is still retrying.

use std::sync::Arc;
use std::time::Duration;

use ecrplan_aws::{AwsProvider, Tuning};
use ecrplan_model::{
    JsonDocument, Operation, Provider, ProviderError, ROLE_PATH, Repository, RepositoryPolicy,
    Resource, Role,
};
use ecrplan_test::fault::{Fault, FaultProxy, Rule};
use ecrplan_test::{Moto, REGION, moto};
use serde_json::json;

fn role() -> Resource {
    Resource::Role(Role {
        name: "ci".into(),
        path: ROLE_PATH.into(),
        trust: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity"
            }]
        })),
        tags: Default::default(),
    })
}

fn invalid_principal() -> Rule {
    Rule {
        needles: vec!["Action=CreateRole".into()],
        fault: Fault::Query {
            code: "MalformedPolicyDocument".into(),
            message: "Invalid principal in policy: \"Federated\":\"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\"".into(),
        },
    }
}

/// A proxy in front of moto and a provider talking through it that retries propagation errors
/// for `wait`.
async fn through_proxy(moto: &Moto, wait: Duration) -> (Arc<FaultProxy>, AwsProvider) {
    let upstream = moto.endpoint().trim_start_matches("http://");
    let proxy = Arc::new(FaultProxy::start(upstream).expect("start the fault proxy"));
    let tuning = Tuning {
        propagation_timeout: wait,
        ..Tuning::default()
    };
    let provider = AwsProvider::for_endpoint(&proxy.url(), REGION, tuning)
        .await
        .expect("connect through the proxy");
    (proxy, provider)
}

/// Lifts every fault after `after`, as IAM finishes propagating.
fn heal_after(proxy: &Arc<FaultProxy>, after: Duration) -> std::thread::JoinHandle<()> {
    let proxy = Arc::clone(proxy);
    std::thread::spawn(move || {
        std::thread::sleep(after);
        proxy.heal();
    })
}

#[tokio::test]
async fn create_role_waits_for_a_new_oidc_provider_to_propagate() {
    let moto = moto().await;
    let (proxy, provider) = through_proxy(&moto, Duration::from_secs(30)).await;
    proxy.fail(invalid_principal());
    let healer = heal_after(&proxy, Duration::from_millis(1500));
    provider
        .apply(&Operation::Create { resource: role() })
        .await
        .expect("CreateRole succeeds once the principal is visible");
    healer.join().expect("healer");
    assert!(proxy.hits() >= 1, "the fault was never hit");
    let stats = provider.stats();
    assert!(stats.count("CreateRole") >= 2, "{stats}");
}

#[tokio::test]
async fn set_repository_policy_waits_for_a_new_principal_to_propagate() {
    let moto = moto().await;
    let (proxy, provider) = through_proxy(&moto, Duration::from_secs(30)).await;
    provider
        .apply(&Operation::Create {
            resource: Resource::Repository(Repository {
                name: "app".into(),
                image_tag_mutability: Default::default(),
                image_tag_mutability_exclusion_filters: Vec::new(),
                scan_on_push: false,
                encryption: Default::default(),
                tags: Default::default(),
            }),
        })
        .await
        .expect("create repository");
    proxy.fail(Rule {
        needles: vec!["SetRepositoryPolicy".into()],
        fault: Fault::Json {
            code: "InvalidParameterException".into(),
            message: "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'".into(),
        },
    });
    let healer = heal_after(&proxy, Duration::from_millis(1500));
    provider
        .apply(&Operation::Create {
            resource: Resource::RepositoryPolicy(RepositoryPolicy {
                repository: "app".into(),
                document: JsonDocument::new(json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow",
                                   "Principal": {"AWS": "arn:aws:iam::123456789012:role/ecrplan/ci"},
                                   "Action": "ecr:BatchGetImage"}]
                })),
            }),
        })
        .await
        .expect("SetRepositoryPolicy succeeds once the principal is visible");
    healer.join().expect("healer");
    assert!(proxy.hits() >= 1, "the fault was never hit");
    assert!(provider.stats().count("SetRepositoryPolicy") >= 2);
}

#[tokio::test]
async fn propagation_retries_stop_at_the_bound() {
    let moto = moto().await;
    let (proxy, provider) = through_proxy(&moto, Duration::from_secs(1)).await;
    proxy.fail(invalid_principal());
    let started = std::time::Instant::now();
    let err = provider
        .apply(&Operation::Create { resource: role() })
        .await
        .expect_err("a principal that never appears");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&err, ProviderError::Api { code, .. } if code == "MalformedPolicyDocument"),
        "{err}"
    );
    assert!(provider.stats().count("CreateRole") >= 2);
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let moto = moto().await;
    let (proxy, provider) = through_proxy(&moto, Duration::from_secs(30)).await;
    proxy.fail(Rule {
        needles: vec!["Action=CreateRole".into()],
        fault: Fault::Query {
            code: "MalformedPolicyDocument".into(),
            message: "Syntax errors in policy.".into(),
        },
    });
    let err = provider
        .apply(&Operation::Create { resource: role() })
        .await
        .expect_err("a malformed policy");
    assert!(
        matches!(&err, ProviderError::Api { code, .. } if code == "MalformedPolicyDocument"),
        "{err}"
    );
    assert_eq!(provider.stats().count("CreateRole"), 1);
}
