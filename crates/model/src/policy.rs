//! The IAM policy documents a module grants — its repositories' policy, its CI roles' push and
//! pull policies, and the web-identity trust of its OIDC roles — built from plain values
//! (account, repositories, push actions) so that identities need not know the module. A leaf.

use serde_json::{Value, json};

use crate::{Account, JsonDocument};

/// The ECR actions policies grant. One list, so the repository policy and the push role never
/// disagree about what "pull" means.
pub mod actions {
    /// What an account or role needs to pull images.
    pub const PULL: &[&str] = &[
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ];
    /// What pushing adds to pulling.
    pub const PUSH: &[&str] = &[
        "ecr:CompleteLayerUpload",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
    ];
    /// What `docker login` needs, on `*`.
    pub const LOGIN: &str = "ecr:GetAuthorizationToken";
}

/// The name of the inline push policy on CI roles.
pub const PUSH_POLICY_NAME: &str = "ecr-push";

/// The repository policy that gives each `(account id, can write)` pull, and push to those
/// that can write. `None` when no account is given access, so no policy is declared.
pub(crate) fn repository_policy(
    account: &Account,
    grants: &[(&str, bool)],
) -> Option<JsonDocument> {
    if grants.is_empty() {
        return None;
    }
    let principals = |write_only: bool| -> Vec<Value> {
        let mut ids: Vec<&str> = grants
            .iter()
            .filter(|(_, can_write)| !write_only || *can_write)
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids.dedup();
        ids.into_iter()
            .map(|id| Value::String(account.root_arn(id)))
            .collect()
    };
    let mut statements = vec![json!({
        "Sid": "AllowPull",
        "Effect": "Allow",
        "Principal": {"AWS": principals(false)},
        "Action": actions::PULL,
    })];
    let writers = principals(true);
    if !writers.is_empty() {
        statements.push(json!({
            "Sid": "AllowPush",
            "Effect": "Allow",
            "Principal": {"AWS": writers},
            "Action": actions::PUSH,
        }));
    }
    Some(JsonDocument::new(
        json!({"Version": "2012-10-17", "Statement": statements}),
    ))
}

/// The inline policy of a module's CI roles: log in anywhere, use `push_actions` (sorted, once
/// each) on the module's own repositories only.
pub(crate) fn push_policy(
    account: &Account,
    repositories: &[String],
    push_actions: &[String],
) -> JsonDocument {
    let mut push = push_actions.to_vec();
    push.sort();
    push.dedup();
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Login", "Effect": "Allow", "Action": [actions::LOGIN], "Resource": "*"},
            {"Sid": "PushPull", "Effect": "Allow", "Action": push, "Resource": arns(account, repositories)},
        ]
    }))
}

/// The policy of an identity that may only pull: log in anywhere, pull the module's own
/// repositories only.
pub(crate) fn pull_policy(account: &Account, repositories: &[String]) -> JsonDocument {
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Login", "Effect": "Allow", "Action": [actions::LOGIN], "Resource": "*"},
            {"Sid": "Pull", "Effect": "Allow", "Action": actions::PULL, "Resource": arns(account, repositories)},
        ]
    }))
}

/// A trust policy letting tokens from `issuer` with audience `audience` and a `sub` matching
/// one of `subjects` assume the role.
pub(crate) fn web_identity_trust(
    account: &Account,
    issuer: &str,
    audience: &str,
    subjects: &[String],
) -> JsonDocument {
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": account.oidc_provider_arn(issuer)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {format!("{issuer}:aud"): audience},
                "StringLike": {format!("{issuer}:sub"): subjects},
            }
        }]
    }))
}

/// The ARNs of `repositories`, in their declared order.
fn arns(account: &Account, repositories: &[String]) -> Vec<String> {
    repositories
        .iter()
        .map(|r| account.repository_arn(r))
        .collect()
}
