//! How many calls a refresh costs: the `--stats` figures for an estate of 200 declared
//! repositories, each with a repository policy and a lifecycle policy, on moto (with the tagging
//! adapter, so the Resource Groups Tagging API sees ECR as on AWS), and what other estates cost.

use std::time::Duration;

use ecrplan_aws::{AwsProvider, Tuning};
use ecrplan_model::{Kind, Provider};
use ecrplan_test::fault::FaultProxy;
use ecrplan_test::{REGION, apply_estate, estate, moto, moto_plain, scope};

#[tokio::test]
async fn refreshing_200_repositories_costs_two_calls_each_plus_batched_lookups() {
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
    // The Tagging API gives the tags with the search: at most 100 repositories a page (moto
    // also stops a page at 100 tags, so its pages are smaller than AWS's).
    let pages = stats.count("GetResources");
    assert!((2..=10).contains(&pages), "{stats}");
    // Described by name, 100 a call.
    assert_eq!(stats.count("DescribeRepositories"), 2);
    assert_eq!(stats.count("ListTagsForResource"), 0);
    assert_eq!(stats.count("GetRepositoryPolicy"), 200);
    assert_eq!(stats.count("GetLifecyclePolicy"), 200);
    assert_eq!(stats.count("ListRoles"), 1);
    assert_eq!(stats.count("ListOpenIDConnectProviders"), 1);
    assert_eq!(stats.count("DescribeRegistry"), 1);
    assert_eq!(stats.count("GetCallerIdentity"), 1);
    assert_eq!(stats.total, 1 + pages + 2 + 400 + 3, "{stats}");
    assert_eq!(stats.retries, 0, "{stats}");
}

#[tokio::test]
async fn another_estates_repositories_cost_nothing() {
    let moto = moto().await;
    let seeder = moto.provider().await;
    apply_estate(&seeder, &estate("big", 5, 10, false)).await;

    let provider = moto.provider().await;
    let other = estate("other", 1, 1, false);
    let live = provider.refresh(&scope(&other)).await.expect("refresh");
    let stats = provider.stats();
    println!("{stats}");
    assert!(live.objects.is_empty(), "{live:#?}");
    assert_eq!(stats.count("GetResources"), 1, "{stats}");
    // The declared repository does not exist: asking by name fails, one listing answers.
    assert_eq!(stats.count("DescribeRepositories"), 2, "{stats}");
    assert_eq!(stats.count("ListTagsForResource"), 0);
    assert_eq!(stats.count("GetRepositoryPolicy"), 0);
    assert_eq!(stats.count("GetLifecyclePolicy"), 0);
}

/// Without the Tagging API (plain moto, `ECRPLAN_TAGGING_API=off`), every repository's tags
/// are read, as before, and the estate sees the same objects.
#[tokio::test]
async fn per_repository_tags_on_plain_moto_see_the_same_estate() {
    let moto = moto_plain().await;
    let seeder = moto.provider().await;
    let mine = estate("mine", 1, 3, true);
    apply_estate(&seeder, &mine).await;
    apply_estate(&seeder, &estate("big", 2, 10, false)).await;

    let tagging = moto.provider().await;
    let blind = tagging.refresh(&scope(&mine)).await.expect("refresh");
    let tuning = Tuning {
        per_repository_tags: true,
        ..Tuning::default()
    };
    let provider = moto.provider_with(tuning, None).await;
    let live = provider.refresh(&scope(&mine)).await.expect("refresh");
    let stats = provider.stats();
    println!("{stats}");
    assert_eq!(stats.count("GetResources"), 0, "{stats}");
    assert_eq!(stats.count("ListTagsForResource"), 23, "{stats}");
    assert_eq!(live.objects.len(), 3 * 3 + 2 + 1, "{live:#?}");
    // Declared repositories are read by name either way, so plain moto's empty Tagging API
    // answer loses nothing that is declared.
    assert_eq!(blind.objects.len(), live.objects.len());
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
