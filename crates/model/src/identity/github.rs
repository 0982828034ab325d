//! `github_access`: GitHub Actions through OIDC, its provider, and its trust, hardened as IAM
//! now demands. IAM refuses to create a role trusting
//! `token.actions.githubusercontent.com` unless the trust "must evaluate, using StringEquals,
//! StringLike or StringEqualsIgnoreCase, token.actions.githubusercontent.com:sub or
//! …:job_workflow_ref which is not scoped to all" (IAM's MalformedPolicyDocument message; the
//! IAM User Guide's "Create a role for OpenID Connect federation" asks for the `sub` condition).
//! ecrplan's trust always carries a `sub` naming the organisation, and `job_workflow_refs` pins
//! the workflow file as well, which STS evaluates at assume time.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::context::ModuleContext;
use super::role::{Grant, IdentityRole, serves};
use crate::declared::Declared;
use crate::policy::web_identity_trust;
use crate::{Account, JsonDocument, tags};

/// The GitHub Actions token issuer.
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";
/// The audience GitHub tokens carry when exchanged with AWS.
pub const GITHUB_AUDIENCE: &str = "sts.amazonaws.com";
/// GitHub's published certificate thumbprints, sent on create for APIs that still ask.
pub const GITHUB_THUMBPRINTS: &[&str] = &[
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
];

/// GitHub Actions access, from `github_access`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubAccess {
    /// The role CI assumes.
    pub role_name: String,
    /// The repositories whose workflows may push.
    pub repositories: Vec<GithubRepository>,
    /// Narrows `sub` to `repo:ORG/REPO:environment:ENV`.
    pub environments: Vec<String>,
    /// Narrows `sub` to `repo:ORG/REPO:ref:REF`.
    pub refs: Vec<String>,
    /// The configuration explicitly allows `organisation = "*"`.
    #[serde(default)]
    pub allow_any_organisation: bool,
    /// Pins the workflow: `job_workflow_ref` patterns (`ORG/REPO/.github/workflows/F.yml@REF`),
    /// for reusable workflows that every caller runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_workflow_refs: Vec<String>,
}

impl GithubAccess {
    /// The `sub` patterns the trust policy accepts.
    pub fn subjects(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in &self.repositories {
            let base = format!("repo:{}/{}", r.organisation, r.repository);
            if self.environments.is_empty() && self.refs.is_empty() {
                out.push(format!("{base}:*"));
            }
            out.extend(
                self.environments
                    .iter()
                    .map(|e| format!("{base}:environment:{e}")),
            );
            out.extend(self.refs.iter().map(|r| format!("{base}:ref:{r}")));
        }
        out
    }
}

/// One GitHub repository allowed to push.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubRepository {
    /// The organisation (or user); `*` only with `allow_any_organisation`.
    pub organisation: String,
    /// The repository; may be `*`.
    pub repository: String,
}

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

impl GithubAccess {
    /// Declares GitHub's OIDC provider and the role, which pushes with the module's push
    /// policy; a role open to any organisation says so in a tag the checker reads.
    pub(super) fn declare(&self, module: &ModuleContext, out: &mut Declared) {
        out.provider(
            module.account,
            module.oidc_provider(
                GITHUB_ISSUER,
                vec![GITHUB_AUDIENCE.to_owned()],
                GITHUB_THUMBPRINTS.iter().map(|s| (*s).to_owned()).collect(),
            ),
        );
        let mut role_tags = module.role_tags.clone();
        if self.allow_any_organisation {
            role_tags.insert(tags::ALLOW_ANY_ORGANISATION.into(), "true".into());
        }
        IdentityRole {
            identity: serves::GITHUB,
            role_name: &self.role_name,
            trust: trust(module.account, self),
            tags: &role_tags,
            grant: Grant::Inline(module.push_policy()),
        }
        .declare(module, out);
    }
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
