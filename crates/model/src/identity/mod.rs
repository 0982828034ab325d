//! The CI identities a module may declare, one file each: its configuration, its trust and the
//! objects it declares. A new identity is a new file here and one in `ecrplan-hcl`.
//!
//! - [`github`]: GitHub Actions through OIDC;
//! - [`circleci`]: CircleCI through OIDC;
//! - [`assumed_role`]: a role another AWS principal assumes (seed 002, Codefresh);
//! - [`ci_user`]: a static-key user in a group (seeds 004, 002 and 001);
//! - [`gitlab`]: GitLab CI through OIDC (seed 004 without a stored key).
//!
//! Each builds its objects from a `ModuleContext` (in `context`), never the module itself, and
//! its role through the one builder in `role`; this file only dispatches to them.

mod access;
pub mod assumed_role;
pub mod ci_user;
pub mod circleci;
pub(crate) mod context;
pub mod github;
pub mod gitlab;
mod role;

use serde::{Deserialize, Serialize};

use crate::JsonDocument;
use crate::declared::Declared;
use context::ModuleContext;

pub use access::{ACCESS_POLICY_NAME, Access};
pub use assumed_role::{AssumeRoleAccess, ManagedPolicy, RoleGrant};
pub use ci_user::CiUser;
pub use circleci::CircleciAccess;
pub use github::{GithubAccess, GithubRepository};
pub use gitlab::{GitlabAccess, GitlabProject};
pub use role::serves;

/// The identities of a module other than `github_access` and `circleci_access`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Identities {
    /// `assume_role_access`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<AssumeRoleAccess>,
    /// `ci_user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_user: Option<CiUser>,
    /// `gitlab_access`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitlab: Option<GitlabAccess>,
}

impl Identities {
    /// True when the module declares none of these identities.
    pub fn is_empty(&self) -> bool {
        self.assume_role.is_none() && self.ci_user.is_none() && self.gitlab.is_none()
    }

    /// The roles these identities declare.
    pub fn role_names(&self) -> impl Iterator<Item = &str> {
        let assumed = self.assume_role.iter().map(|a| a.role_name.as_str());
        assumed.chain(self.gitlab.iter().map(|g| g.role_name.as_str()))
    }

    /// The OIDC issuers (without scheme) these identities declare.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.gitlab.iter().map(|g| g.issuer.as_str())
    }
}

/// Declares the objects of every identity of one module, in a fixed order (GitHub, CircleCI,
/// assumed role, CI user, GitLab) so that a plan never depends on how identities are stored.
pub(crate) fn declare(
    github: Option<&GithubAccess>,
    circleci: Option<&CircleciAccess>,
    others: &Identities,
    module: &ModuleContext,
    out: &mut Declared,
) {
    if let Some(github) = github {
        github.declare(module, out);
    }
    if let Some(circleci) = circleci {
        circleci.declare(module, out);
    }
    if let Some(assumed) = &others.assume_role {
        assumed.declare(module, out);
    }
    if let Some(user) = &others.ci_user {
        user.declare(module, out);
    }
    if let Some(gitlab) = &others.gitlab {
        gitlab.declare(module, out);
    }
}

/// True for the OIDC issuers (URL without scheme) ecrplan declares and may own: GitHub Actions,
/// CircleCI organisations and gitlab.com. Refresh reads only these, and roles that trust them.
pub fn is_ci_issuer(url: &str) -> bool {
    url == github::GITHUB_ISSUER || circleci::is_issuer(url) || url == gitlab::GITLAB_ISSUER
}

/// Which identity a role serves, read from its trust: a role no longer declared has only its
/// trust to say where it was declared (tags record the module, not the identity). GitHub's and
/// CircleCI's issuers are fixed, any other federated issuer is GitLab's, and a trust without
/// one is an assumed role.
pub fn serving(trust: Option<&JsonDocument>) -> &'static str {
    let Some(trust) = trust else {
        return serves::GITHUB;
    };
    let urls = trust.federated_providers();
    let on_circleci = |url: &String| {
        url.split_once('/')
            .is_some_and(|(host, _)| host == circleci::ISSUER_HOST)
    };
    if urls.iter().any(on_circleci) {
        serves::CIRCLECI
    } else if urls.iter().any(|u| u == github::GITHUB_ISSUER) {
        serves::GITHUB
    } else if !urls.is_empty() {
        serves::GITLAB
    } else {
        serves::ASSUMED
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Account;

    #[test]
    fn ci_issuers_are_github_circleci_organisations_and_gitlab_com() {
        for url in [
            "token.actions.githubusercontent.com",
            "oidc.circleci.com/org/x",
            "gitlab.com",
        ] {
            assert!(is_ci_issuer(url), "{url}");
        }
        for url in [
            "oidc.circleci.com/x",
            "oidc.circleci.com",
            "git.example.com",
        ] {
            assert!(!is_ci_issuer(url), "{url}");
        }
    }

    #[test]
    fn a_role_serves_the_identity_its_trust_names() {
        let account = Account::new("123456789012", "eu-west-1");
        let trusting = |url: &str| {
            JsonDocument::new(json!({"Statement": [{"Effect": "Allow",
                "Principal": {"Federated": account.oidc_provider_arn(url)}}]}))
        };
        assert_eq!(serving(None), serves::GITHUB);
        for (url, identity) in [
            ("token.actions.githubusercontent.com", serves::GITHUB),
            ("oidc.circleci.com/org/x", serves::CIRCLECI),
            ("oidc.circleci.com/x", serves::CIRCLECI),
            ("gitlab.com", serves::GITLAB),
            ("git.example.com", serves::GITLAB),
        ] {
            assert_eq!(serving(Some(&trusting(url))), identity, "{url}");
        }
        let assumed = JsonDocument::new(json!({"Statement": [{"Principal": {"AWS": "x"}}]}));
        assert_eq!(serving(Some(&assumed)), serves::ASSUMED);
    }
}
