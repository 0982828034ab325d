//! The behaviour suite against the AWS provider on moto's server, through the adapter
//! (`moto/tagging_adapter.py`). Known moto 5.2.5 gaps, so a failure here is told apart from a bug
//! of ours:
//! - PutReplicationConfiguration refuses more than one rule ("This feature is disabled");
//! - PutImageScanningConfiguration with scanOnPush=false is ignored (the SDK omits the false
//!   member); the adapter answers it as AWS does, plain moto still does not, which
//!   is how the provider's read-back after an update is tested;
//! - ListGroups ignores `PathPrefix`, so a refresh returns every group: `Gaps::MOTO`; that a
//!   refresh returns only the groups `RefreshScope::admits` admits is checked against the
//!   sandbox only;
//! - trust policies are not validated, so propagation retries never trigger here;
//! - DescribeRepositories ignores pagination: paging is tested in ecrplan-aws against
//!   recorded responses instead.
//!
//! AddClientIDToOpenIDConnectProvider / RemoveClientIDFromOpenIDConnectProvider (500 on moto
//! 5.2.5) and NoSuchEntity for deleting a missing OIDC provider (moto succeeds) are answered by
//! the adapter, so the suite checks them here as everywhere.

use ecrplan_model::Provider;
use ecrplan_test::{DEFAULT_ACCOUNT, Gaps, Moto, Subject, behaviour, moto};

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
scenario!(registry);
scenario!(adoption);
scenario!(images_block_deletion);
scenario!(estates_kept_apart);
scenario!(attached_policies);
scenario!(ci_users_and_groups);
scenario!(exclusion_filters);
scenario!(refresh_honours_the_scope);

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
async fn regions_of_one_account() {
    let moto = moto().await;
    let eu = moto.provider().await;
    let us = moto.provider_in_region("us-east-1").await;
    behaviour::regions_of_one_account(&eu, &us).await;
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

/// Creates a role, lets `obstruct` tie it to something IAM refuses DeleteRole over (moto
/// enforces DeleteConflict), deletes it through the provider, and checks that it is gone and
/// that the provider cleared the obstruction with exactly one `clearing` call.
async fn delete_obstructed_role(name: &str, obstruct: impl FnOnce(&Moto), clearing: &str) {
    use ecrplan_model::{JsonDocument, Operation, RefreshScope, Resource, Role};

    let moto = moto().await;
    let provider = moto.provider().await;
    let role = Resource::Role(Role {
        name: name.into(),
        path: ecrplan_model::ROLE_PATH.into(),
        trust: JsonDocument::new(serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]
        })),
        tags: Default::default(),
    });
    provider
        .apply(&Operation::Create {
            resource: role.clone(),
        })
        .await
        .expect("create role");
    obstruct(&moto);
    provider
        .apply(&Operation::Delete {
            resource: role.clone(),
            force: false,
        })
        .await
        .expect("delete the obstructed role");
    let live = provider
        .refresh(&RefreshScope::default())
        .await
        .expect("refresh");
    assert!(live.get(&role.id(&live.registry())).is_none(), "{live:#?}");
    let stats = provider.stats();
    assert_eq!(stats.count(clearing), 1, "{stats}");
}

/// The provider detaches managed policies (and deletes inline ones) before DeleteRole.
#[tokio::test]
async fn deleting_a_role_detaches_managed_policies_first() {
    delete_obstructed_role(
        "console-touched",
        |moto| {
            moto.attach_managed_policy(
                None,
                "console-touched",
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            )
        },
        "DetachRolePolicy",
    )
    .await;
}

/// The provider removes the role from its instance profiles before DeleteRole.
#[tokio::test]
async fn deleting_a_role_in_an_instance_profile_removes_it_from_the_profile_first() {
    delete_obstructed_role(
        "ec2-touched",
        |moto| moto.add_to_instance_profile(None, "ec2-touched", "ec2-touched-profile"),
        "RemoveRoleFromInstanceProfile",
    )
    .await;
}

/// ListRoles asks for 1000 roles a page (the default page is 100): 105 roles under the
/// estate's path cost one listing, and every one is found.
#[tokio::test]
async fn owned_roles_are_listed_in_one_page_of_1000() {
    use ecrplan_model::{JsonDocument, Kind, Operation, RefreshScope, Resource, Role, tags};

    let moto = moto().await;
    let provider = moto.provider().await;
    let trust = JsonDocument::new(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]
    }));
    for i in 0..105 {
        let role = Resource::Role(Role {
            name: format!("ci-{i:03}"),
            path: ecrplan_model::role_path("e"),
            trust: trust.clone(),
            tags: tags::ownership("e", Some("m")),
        });
        provider
            .apply(&Operation::Create { resource: role })
            .await
            .expect("create role");
    }
    let reader = moto.provider().await;
    let scope = RefreshScope {
        estate: "e".into(),
        ..RefreshScope::default()
    };
    let live = reader.refresh(&scope).await.expect("refresh");
    let roles = live
        .objects
        .iter()
        .filter(|o| o.resource.kind() == Kind::Role)
        .count();
    assert_eq!(roles, 105);
    let stats = reader.stats();
    assert_eq!(stats.count("ListRoles"), 1, "{stats}");
    assert_eq!(stats.count("ListRoleTags"), 105, "{stats}");
}

/// Issue 21: plain moto answers PutImageScanningConfiguration without `scanOnPush` (the SDK
/// omits `false`) with success and keeps scanning on; the provider reads the repository back
/// and fails the update naming the attribute the server kept, instead of reporting success.
#[tokio::test]
async fn an_update_the_server_does_not_take_fails_naming_the_attribute() {
    use ecrplan_model::{
        Encryption, Operation, ProviderError, Repository, Resource, TagMutability,
    };

    let moto = ecrplan_test::moto_plain().await;
    let provider = moto.provider().await;
    let on = Resource::Repository(Repository {
        name: "scanned".into(),
        image_tag_mutability: TagMutability::Mutable,
        image_tag_mutability_exclusion_filters: Vec::new(),
        scan_on_push: true,
        encryption: Encryption::Aes256,
        tags: ecrplan_model::tags::ownership("e", Some("m")),
    });
    let mut off = on.clone();
    if let Resource::Repository(r) = &mut off {
        r.scan_on_push = false;
    }
    provider
        .apply(&Operation::Create {
            resource: on.clone(),
        })
        .await
        .expect("create");
    let err = provider
        .apply(&Operation::Update {
            before: on,
            after: off,
        })
        .await
        .expect_err("plain moto kept scanning on, yet the update reported success");
    assert!(
        matches!(&err, ProviderError::Api { operation, code, message }
            if operation == "PutImageScanningConfiguration"
                && code == "ChangeNotTaken"
                && message.contains("kept scan_on_push = true")),
        "{err}"
    );
}
