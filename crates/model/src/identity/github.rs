//! GitHub Actions' trust, hardened as IAM now demands. IAM refuses to create a role trusting
//! `token.actions.githubusercontent.com` unless the trust "must evaluate, using StringEquals,
//! StringLike or StringEqualsIgnoreCase, token.actions.githubusercontent.com:sub or
//! …:job_workflow_ref which is not scoped to all" (IAM's MalformedPolicyDocument message; the
//! IAM User Guide's "Create a role for OpenID Connect federation" asks for the `sub` condition).
//! ecrplan's trust always carries a `sub` naming the organisation, and `job_workflow_refs` pins
//! the workflow file as well, which STS evaluates at assume time.

use serde_json::Value;

use crate::desired::web_identity_trust;
use crate::{Account, GITHUB_AUDIENCE, GITHUB_ISSUER, GithubAccess, JsonDocument};

/// The GitHub condition keys IAM requires one of, scoped.
pub const SCOPED_KEYS: [&str; 2] = ["sub", "job_workflow_ref"];

/// The trust of a `github_access` role: `aud`, `sub` and, when given, `job_workflow_ref`.
pub fn trust(account: &Account, github: &GithubAccess) -> JsonDocument {
    let mut doc = web_identity_trust(account, GITHUB_ISSUER, GITHUB_AUDIENCE, &github.subjects());
    if !github.job_workflow_refs.is_empty()
        && let Some(like) =
            doc.make_mut()["Statement"][0]["Condition"]["StringLike"].as_object_mut()
    {
        like.insert(
            format!("{GITHUB_ISSUER}:job_workflow_ref"),
            Value::from(github.job_workflow_refs.clone()),
        );
    }
    doc
}

/// True when a condition value would match every token GitHub issues: only wildcards and the
/// separators of the claim (`repo:*`, `*/*`, `*`). IAM calls such a value "scoped to all".
pub fn scoped_to_all(value: &str) -> bool {
    let rest = value.strip_prefix("repo:").unwrap_or(value);
    rest.chars()
        .all(|c| matches!(c, '*' | '?' | '/' | ':' | '@'))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::GithubRepository;

    fn access(job_workflow_refs: Vec<String>) -> GithubAccess {
        GithubAccess {
            role_name: "r".into(),
            repositories: vec![GithubRepository {
                organisation: "octo-org".into(),
                repository: "octo-repo".into(),
            }],
            environments: Vec::new(),
            refs: Vec::new(),
            allow_any_organisation: false,
            job_workflow_refs,
        }
    }

    #[test]
    fn job_workflow_ref_pins_the_workflow_beside_sub() {
        let account = Account::new("123456789012", "eu-west-1");
        let pinned = "octo-org/workflows/.github/workflows/push.yml@refs/heads/main";
        let doc = trust(&account, &access(vec![pinned.into()]));
        assert_eq!(
            doc["Statement"][0]["Condition"]["StringLike"],
            json!({
                "token.actions.githubusercontent.com:sub": ["repo:octo-org/octo-repo:*"],
                "token.actions.githubusercontent.com:job_workflow_ref": [pinned],
            })
        );
        let plain = trust(&account, &access(Vec::new()));
        assert!(
            plain["Statement"][0]["Condition"]["StringLike"]
                .get("token.actions.githubusercontent.com:job_workflow_ref")
                .is_none()
        );
    }

    #[test]
    fn values_scoped_to_all() {
        for all in ["*", "repo:*", "repo:*/*:*", "*/*@*"] {
            assert!(scoped_to_all(all), "{all}");
        }
        for scoped in [
            "repo:octo-org/*",
            "repo:*/octo-repo:*",
            "octo-org/x/.github/workflows/a.yml@*",
        ] {
            assert!(!scoped_to_all(scoped), "{scoped}");
        }
    }
}
