//! The seed module (`fixtures/koa`, seed 003 verbatim) generates exactly the policies a
//! reviewer signed off: golden JSON under `tests/golden/` (the documents as sent to AWS), plus the security facts asserted
//! one by one so a golden file updated by mistake cannot hide a wider grant.

use std::path::Path;

use ecrplan_hcl::{LoadOptions, load_dir};
use ecrplan_model::{Account, DesiredObject, Kind, Reach, Resource, actions};
use serde_json::Value;

const REGISTRY: &str = "354918371398";
const READ_ONLY_ACCOUNTS: [&str; 3] = ["931827427725", "615205931730", "151484623076"];

fn objects() -> Vec<DesiredObject> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/koa");
    let loaded = match load_dir(&dir, &LoadOptions::default()) {
        Ok(loaded) => loaded,
        Err(e) => panic!(
            "fixtures/koa must load:\n{}",
            ecrplan_hcl::render_text(&e.0)
        ),
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

/// The one object of `kind`; the seed declares exactly one of each.
fn only(objects: &[DesiredObject], kind: Kind) -> &DesiredObject {
    let found: Vec<&DesiredObject> = objects.iter().filter(|o| o.address.kind == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind:?}, found {found:#?}");
    found[0]
}

fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn the_seed_declares_one_repository_one_role_and_their_policies() {
    let objects = objects();
    let mut addresses: Vec<String> = objects.iter().map(|o| o.address.to_string()).collect();
    addresses.sort();
    assert_eq!(
        addresses,
        [
            "module.ecr-koa.github_role",
            "module.ecr-koa.github_role_policy",
            r#"module.ecr-koa.repository["giftcard-service"]"#,
            r#"module.ecr-koa.repository_policy["giftcard-service"]"#,
            r#"oidc_provider["token.actions.githubusercontent.com"]"#,
        ]
    );
}

#[test]
fn repository_policy_matches_golden_and_grants_only_pull_to_the_three_accounts() {
    let objects = objects();
    let Resource::RepositoryPolicy(policy) = &only(&objects, Kind::RepositoryPolicy).resource
    else {
        panic!("not a repository policy");
    };
    assert_eq!(policy.repository, "giftcard-service");
    assert_eq!(*policy.document, golden("koa-repository-policy.json"));
    let doc = policy.document.canonical_policy();

    let statements = doc["Statement"].as_array().expect("statements");
    let mut principals: Vec<&str> = Vec::new();
    for statement in statements {
        assert_eq!(statement["Effect"], "Allow");
        let mut granted = strings(&statement["Action"]);
        granted.sort_unstable();
        let mut pull = actions::PULL.to_vec();
        pull.sort_unstable();
        assert_eq!(
            granted, pull,
            "read-only accounts get the pull actions only"
        );
        principals.extend(strings(&statement["Principal"]["AWS"]));
    }
    principals.sort_unstable();
    let mut expected: Vec<String> = READ_ONLY_ACCOUNTS
        .iter()
        .map(|id| format!("arn:aws:iam::{id}:root"))
        .collect();
    expected.sort();
    assert_eq!(principals, expected);
}

#[test]
fn github_trust_policy_matches_golden_and_pins_audience_and_subject() {
    let objects = objects();
    let Resource::Role(role) = &only(&objects, Kind::Role).resource else {
        panic!("not a role");
    };
    assert_eq!(role.name, "koa-github-ecr-access");
    assert_eq!(*role.trust, golden("koa-github-trust-policy.json"));
    let doc = role.trust.canonical_policy();

    let statements = doc["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1);
    let trust = &statements[0];
    assert_eq!(strings(&trust["Action"]), ["sts:AssumeRoleWithWebIdentity"]);
    assert_eq!(
        strings(&trust["Principal"]["Federated"]),
        [format!(
            "arn:aws:iam::{REGISTRY}:oidc-provider/token.actions.githubusercontent.com"
        )]
    );
    let condition = &trust["Condition"];
    assert_eq!(
        strings(&condition["StringEquals"]["token.actions.githubusercontent.com:aud"]),
        ["sts.amazonaws.com"]
    );
    assert_eq!(
        strings(&condition["StringLike"]["token.actions.githubusercontent.com:sub"]),
        ["repo:JPPOL-KOA/GiftCardService:*"]
    );
    let operators: Vec<&String> = condition.as_object().expect("conditions").keys().collect();
    assert_eq!(operators, ["StringEquals", "StringLike"]);
}

#[test]
fn push_policy_matches_golden_and_is_scoped_to_the_one_repository() {
    let objects = objects();
    let Resource::RolePolicy(policy) = &only(&objects, Kind::RolePolicy).resource else {
        panic!("not a role policy");
    };
    assert_eq!(policy.role, "koa-github-ecr-access");
    assert_eq!(*policy.document, golden("koa-github-push-policy.json"));
    let doc = policy.document.canonical_policy();

    let repository_arn = format!("arn:aws:ecr:eu-west-1:{REGISTRY}:repository/giftcard-service");
    for statement in doc["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow");
        let granted = strings(&statement["Action"]);
        let resources = strings(&statement["Resource"]);
        if granted == [actions::LOGIN] {
            assert_eq!(resources, ["*"], "only the login token is granted on *");
        } else {
            assert!(!granted.contains(&actions::LOGIN));
            assert_eq!(resources, [repository_arn.as_str()]);
            let mut push_pull: Vec<&str> =
                actions::PULL.iter().chain(actions::PUSH).copied().collect();
            push_pull.sort_unstable();
            assert_eq!(granted, push_pull);
        }
    }
    let on_star: Vec<&Value> = doc["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .filter(|s| strings(&s["Resource"]).contains(&"*"))
        .collect();
    assert_eq!(on_star.len(), 1, "exactly one statement on *");
}

#[test]
fn golden_files_are_pretty_printed_with_sorted_keys() {
    for name in [
        "koa-repository-policy.json",
        "koa-github-trust-policy.json",
        "koa-github-push-policy.json",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        let text = std::fs::read_to_string(&path).expect("golden file");
        let doc = ecrplan_model::JsonDocument::new(golden(name));
        assert_eq!(text, format!("{}\n", doc.to_pretty()), "{name}");
    }
}
