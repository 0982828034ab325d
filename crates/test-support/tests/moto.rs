//! The behaviour suite against the AWS provider on moto's server. Known moto 5.2.5 gaps, so a
//! failure here is told apart from a bug of ours:
//! - AddClientIDToOpenIDConnectProvider / RemoveClientIDFromOpenIDConnectProvider answer 500,
//!   and deleting a missing OIDC provider succeeds: see `Gaps::MOTO`; both are exercised
//!   against the sandbox only;
//! - PutReplicationConfiguration refuses more than one rule ("This feature is disabled");
//! - PutImageScanningConfiguration with scanOnPush=false is ignored, so the suite only turns
//!   scanning on;
//! - trust policies are not validated, so propagation retries never trigger here;
//! - DescribeRepositories ignores pagination: paging is tested in ecrplan-aws against
//!   recorded responses instead.

use ecrplan_model::Provider;
use ecrplan_test::{DEFAULT_ACCOUNT, Gaps, Subject, behaviour, moto};

macro_rules! scenario {
    ($name:ident) => {
        #[tokio::test]
        async fn $name() {
            let moto = moto().await;
            let provider = moto.provider().await;
            let images = moto.images(None);
            let subject = Subject {
                provider: &provider,
                images: &images,
                gaps: Gaps::MOTO,
            };
            behaviour::$name(&subject).await;
        }
    };
}

scenario!(repositories);
scenario!(repository_policies);
scenario!(oidc_providers);
scenario!(roles);
scenario!(roles_outside_the_ecrplan_path);
scenario!(replication);
scenario!(adoption);
scenario!(images_block_deletion);
scenario!(estates_kept_apart);

#[tokio::test]
async fn accounts_kept_apart() {
    let moto = moto().await;
    let one = moto.provider().await;
    let two = moto.provider_for_account("210987654321").await;
    let one_account = one.account().await.expect("account");
    let two_account = two.account().await.expect("account");
    assert_eq!(one_account.id, DEFAULT_ACCOUNT);
    assert_eq!(two_account.id, "210987654321");
    behaviour::accounts_kept_apart(&one, &two).await;
}

#[tokio::test]
async fn images_in_another_account_block_deletion_there() {
    let moto = moto().await;
    let provider = moto.provider_for_account("210987654321").await;
    let images = moto.images(Some("210987654321"));
    let subject = Subject {
        provider: &provider,
        images: &images,
        gaps: Gaps::MOTO,
    };
    behaviour::images_block_deletion(&subject).await;
}

#[tokio::test]
async fn wrong_account_is_refused_before_any_change() {
    let moto = moto().await;
    let tuning = ecrplan_aws::Tuning {
        expected_account: Some("999999999999".into()),
        ..ecrplan_aws::Tuning::default()
    };
    let err = ecrplan_aws::AwsProvider::for_endpoint(moto.endpoint(), ecrplan_test::REGION, tuning)
        .await
        .expect_err("the guard let a wrong account through");
    assert!(
        matches!(&err, ecrplan_model::ProviderError::WrongAccount { actual, .. } if actual == DEFAULT_ACCOUNT),
        "{err}"
    );
}
