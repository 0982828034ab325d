//! How many calls a refresh costs: the `--stats` figures for an estate of 200 declared
//! repositories, each with a repository policy and a lifecycle policy, on moto.

use std::time::Duration;

use ecrplan_aws::{AwsProvider, Tuning};
use ecrplan_model::{Kind, Provider};
use ecrplan_test::fault::FaultProxy;
use ecrplan_test::{REGION, apply_estate, estate, moto, scope};

#[tokio::test]
async fn refreshing_200_repositories_costs_three_calls_each_plus_one_listing() {
    let moto = moto().await;
    let seeder = moto.provider().await;
    let big = estate("big", 20, 10, false);
    let created = apply_estate(&seeder, &big).await;
    assert_eq!(created.len(), 600);

    let provider = moto.provider_with(Tuning::default(), None).await;
    let started = std::time::Instant::now();
    let live = provider.refresh(&scope(&big)).await.expect("refresh");
    let elapsed = started.elapsed();
    let stats = provider.stats();
    println!("refresh of 200 repositories on moto took {elapsed:.2?}");
    println!("{stats}");
    for kind in [
        Kind::Repository,
        Kind::RepositoryPolicy,
        Kind::LifecyclePolicy,
    ] {
        let n = live
            .objects
            .iter()
            .filter(|o| o.resource.kind() == kind)
            .count();
        assert_eq!(n, 200, "{kind:?}");
    }
    // moto ignores maxResults and answers with one page; AWS would too for 200 at 1000 a page.
    assert_eq!(stats.count("DescribeRepositories"), 1);
    assert_eq!(stats.count("ListTagsForResource"), 200);
    assert_eq!(stats.count("GetRepositoryPolicy"), 200);
    assert_eq!(stats.count("GetLifecyclePolicy"), 200);
    assert_eq!(stats.count("ListRoles"), 1);
    assert_eq!(stats.count("ListOpenIDConnectProviders"), 1);
    assert_eq!(stats.count("DescribeRegistry"), 1);
    assert_eq!(stats.count("GetCallerIdentity"), 1);
    // Static-key CI users and their groups: one listing each, under ecrplan's paths.
    assert_eq!(stats.count("ListUsers"), 1);
    assert_eq!(stats.count("ListGroups"), 1);
    assert_eq!(stats.total, 1 + 600 + 6, "{stats}");
    assert_eq!(stats.retries, 0, "{stats}");
}

#[tokio::test]
async fn another_estates_repositories_cost_one_call_each() {
    let moto = moto().await;
    let seeder = moto.provider().await;
    apply_estate(&seeder, &estate("big", 5, 10, false)).await;

    let provider = moto.provider().await;
    let other = estate("other", 1, 1, false);
    let live = provider.refresh(&scope(&other)).await.expect("refresh");
    let stats = provider.stats();
    println!("{stats}");
    assert_eq!(live.objects.len(), 50, "only the repositories themselves");
    assert_eq!(stats.count("ListTagsForResource"), 50);
    assert_eq!(stats.count("GetRepositoryPolicy"), 0);
    assert_eq!(stats.count("GetLifecyclePolicy"), 0);
}

/// The refresh runs several concurrent streams (repositories, their policies, roles, OIDC
/// providers); `--parallelism` bounds their sum, not each one.
#[tokio::test]
async fn parallelism_bounds_every_refresh_request_in_flight() {
    let moto = moto().await;
    let seeder = moto.provider().await;
    let small = estate("small", 4, 4, true);
    apply_estate(&seeder, &small).await;

    let proxy =
        FaultProxy::start(moto.endpoint().trim_start_matches("http://")).expect("start the proxy");
    proxy.set_latency(Duration::from_millis(20));
    let tuning = Tuning {
        parallelism: 2,
        ..Tuning::default()
    };
    let provider = AwsProvider::for_endpoint(&proxy.url(), REGION, tuning)
        .await
        .expect("connect through the proxy");
    provider.refresh(&scope(&small)).await.expect("refresh");
    assert!(
        proxy.max_in_flight() <= 2,
        "{} requests in flight at once with --parallelism 2",
        proxy.max_in_flight()
    );
}
