//! Objects deleted between a refresh's listing and its reads of them: the refresh drops them
//! instead of failing. moto cannot delete between two calls of one refresh, so the fault proxy
//! answers the reads with the NoSuchEntity a deletion in between would give.

use ecrplan_aws::{AwsProvider, Tuning};
use ecrplan_model::{
    JsonDocument, ObjectId, OidcProvider, Operation, Provider, ROLE_PATH, RefreshScope, Resource,
    Role, RolePolicy, tags,
};
use ecrplan_test::fault::{Fault, FaultProxy, Rule};
use ecrplan_test::{REGION, moto};
use serde_json::json;

fn owned() -> ecrplan_model::Tags {
    [
        (tags::MANAGED_BY, tags::MANAGED_BY_VALUE),
        (tags::ESTATE, "alpha"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn role(name: &str) -> Resource {
    Resource::Role(Role {
        name: name.into(),
        path: ROLE_PATH.into(),
        trust: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]
        })),
        tags: owned(),
    })
}

fn gone(needles: &[&str]) -> Rule {
    Rule {
        needles: needles.iter().map(|n| (*n).to_owned()).collect(),
        fault: Fault::Query {
            code: "NoSuchEntity".into(),
            message: "The entity cannot be found.".into(),
        },
    }
}

#[tokio::test]
async fn refresh_drops_roles_policies_and_providers_deleted_while_it_reads() {
    let moto = moto().await;
    let seeder = moto.provider().await;
    let provider = Resource::OidcProvider(OidcProvider {
        url: "token.actions.githubusercontent.com".into(),
        client_ids: vec!["sts.amazonaws.com".into()],
        thumbprints: vec!["6938fd4d98bab03faadb97b34396831e3780aea1".into()],
        tags: owned(),
    });
    let policy = Resource::RolePolicy(RolePolicy {
        role: "kept".into(),
        name: "push".into(),
        document: JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]
        })),
    });
    for resource in [
        provider.clone(),
        role("vanished"),
        role("kept"),
        policy.clone(),
    ] {
        seeder
            .apply(&Operation::Create { resource })
            .await
            .expect("seed");
    }

    let upstream = moto.endpoint().trim_start_matches("http://");
    let proxy = FaultProxy::start(upstream).expect("start the fault proxy");
    proxy.fail(gone(&["Action=ListRoleTags", "RoleName=vanished"]));
    proxy.fail(gone(&["Action=GetRolePolicy", "RoleName=kept"]));
    proxy.fail(gone(&["Action=GetOpenIDConnectProvider"]));
    let reader = AwsProvider::for_endpoint(&proxy.url(), REGION, Tuning::default())
        .await
        .expect("connect through the proxy");
    let scope = RefreshScope {
        estate: "alpha".into(),
        ..RefreshScope::default()
    };
    let live = reader.refresh(&scope).await.expect("refresh");
    let registry = live.registry();
    let absent = |id: ObjectId| assert!(live.get(&id).is_none(), "{id}: {live:#?}");
    absent(role("vanished").id(&registry));
    absent(policy.id(&registry));
    absent(provider.id(&registry));
    assert!(live.get(&role("kept").id(&registry)).is_some(), "{live:#?}");
    assert_eq!(proxy.hits(), 3);
}
