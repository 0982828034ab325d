//! Golden trust and permission policies of the identities of issue 13 (`fixtures/identities`):
//! the documents as sent to AWS under `tests/golden/`, and the security facts asserted one by
//! one, so that a golden file updated by mistake cannot hide a wider grant.

use std::path::Path;

use ecrplan_hcl::{LoadOptions, load_dir};
use ecrplan_model::{Account, DesiredObject, JsonDocument, Reach, Resource, actions};
use serde_json::{Value, json};

const REGISTRY: &str = "354918371398";

fn objects(fixture: &str) -> Vec<DesiredObject> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(fixture);
    let loaded = match load_dir(&dir, &LoadOptions::default()) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{fixture} must load:\n{}", ecrplan_hcl::render_text(&e.0)),
    };
    loaded
        .estate
        .objects(&Reach::single(Account::new(REGISTRY, "eu-west-1")))
}

fn golden(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The document of the object at `module.images.<name>`.
fn document(objects: &[DesiredObject], name: &str) -> Value {
    let o = objects
        .iter()
        .find(|o| o.address.name == name)
        .unwrap_or_else(|| panic!("no {name} in {objects:#?}"));
    match &o.resource {
        Resource::Role(r) => serde_json::Value::clone(&r.trust),
        Resource::RolePolicy(p) => serde_json::Value::clone(&p.document),
        Resource::GroupPolicy(p) => serde_json::Value::clone(&p.document),
        other => panic!("{name} has no document: {other:?}"),
    }
}

fn same(actual: &Value, golden_file: &str) {
    assert_eq!(
        JsonDocument::new(actual.clone()).canonical_policy(),
        JsonDocument::new(golden(golden_file)).canonical_policy(),
        "{golden_file} differs; the document is:\n{}",
        serde_json::to_string_pretty(actual).unwrap()
    );
}

const REPOSITORIES: [&str; 2] = [
    "arn:aws:ecr:eu-west-1:354918371398:repository/shop/web",
    "arn:aws:ecr:eu-west-1:354918371398:repository/shop/worker",
];

/// Every statement but the login one names the module's repositories and nothing else.
fn scoped_to_the_module(doc: &Value) {
    for s in doc["Statement"].as_array().unwrap() {
        if s["Action"] == json!([actions::LOGIN]) {
            assert_eq!(s["Resource"], "*");
        } else {
            assert_eq!(s["Resource"], json!(REPOSITORIES), "{s}");
        }
    }
}

#[test]
fn the_module_declares_each_identity_and_nothing_else() {
    let mut addresses: Vec<String> = objects("fixtures/identities")
        .iter()
        .map(|o| o.address.to_string())
        .collect();
    addresses.sort();
    assert_eq!(
        addresses,
        [
            "module.images.assumed_role",
            "module.images.assumed_role_policy",
            "module.images.ci_group",
            "module.images.ci_group_membership",
            "module.images.ci_group_policy",
            "module.images.ci_user",
            "module.images.gitlab_role",
            "module.images.gitlab_role_policy",
            r#"module.images.repository["shop/web"]"#,
            r#"module.images.repository["shop/worker"]"#,
            r#"oidc_provider["gitlab.com"]"#,
        ]
    );
}

#[test]
fn assumed_role_trusts_the_principals_listed_with_the_external_id() {
    let objects = objects("fixtures/identities");
    let trust = document(&objects, "assumed_role");
    same(&trust, "assumed-role-trust-policy.json");
    let s = &trust["Statement"][0];
    assert_eq!(s["Action"], "sts:AssumeRole");
    assert_eq!(
        s["Principal"]["AWS"],
        json!([
            "arn:aws:iam::444455556666:role/codefresh-runtime",
            "arn:aws:iam::777788889999:root"
        ])
    );
    assert_eq!(
        s["Condition"],
        json!({"StringEquals": {"sts:ExternalId": "codefresh-example-external-id"}})
    );
    let policy = document(&objects, "assumed_role_policy");
    same(&policy, "assumed-role-pull-policy.json");
    scoped_to_the_module(&policy);
    let granted: Vec<&Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap())
        .collect();
    assert!(
        granted
            .iter()
            .all(|a| *a == actions::LOGIN || actions::PULL.contains(&a.as_str().unwrap())),
        "pull only: {granted:?}"
    );
}

#[test]
fn ci_user_group_policy_is_scoped_to_the_module() {
    let objects = objects("fixtures/identities");
    let policy = document(&objects, "ci_group_policy");
    same(&policy, "ci-user-push-policy.json");
    scoped_to_the_module(&policy);
}

/// Seed 004's own document (every repository, CreateRepository included) is accepted as
/// written: what the seed's authors reviewed is what the group gets.
#[test]
fn seed_004_policy_is_sent_as_written() {
    let objects = objects("examples/gitlab-ci");
    let policy = document(&objects, "ci_group_policy");
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/gitlab-ci/ecr-access.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(policy, written);
}

#[test]
fn gitlab_trust_names_the_issuer_audience_and_project_subjects() {
    let objects = objects("fixtures/identities");
    let trust = document(&objects, "gitlab_role");
    same(&trust, "gitlab-trust-policy.json");
    let s = &trust["Statement"][0];
    assert_eq!(s["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        s["Principal"]["Federated"],
        "arn:aws:iam::354918371398:oidc-provider/gitlab.com"
    );
    assert_eq!(
        s["Condition"]["StringEquals"],
        json!({"gitlab.com:aud": "https://gitlab.com"})
    );
    assert_eq!(
        s["Condition"]["StringLike"],
        json!({"gitlab.com:sub": [
            "project_path:shop/web:ref_type:branch:ref:main",
            "project_path:shop/platform/worker:ref_type:*:ref:*"
        ]})
    );
    let policy = document(&objects, "gitlab_role_policy");
    same(&policy, "gitlab-push-policy.json");
    scoped_to_the_module(&policy);
}
