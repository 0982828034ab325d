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

use crate::declared::Declared;
use crate::{JsonDocument, Resource};
use context::ModuleContext;

pub use access::Access;
pub use assumed_role::{AssumeRoleAccess, ManagedPolicy, RoleGrant};
pub use ci_user::CiUser;
pub use circleci::CircleciAccess;
pub use github::{GithubAccess, GithubRepository};
pub use gitlab::{GitlabAccess, GitlabProject};
pub use role::{ACCESS_POLICY_NAME, inline_policy_name, serves};

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

/// Whether some ecrplan configuration could declare an object of this form, given the trust of
/// the role it belongs to (for a role's policies and attachments). ecrplan keeps no state file,
/// so an undeclared policy of a declared object may be one an earlier configuration declared or
/// one a person added; but an object of a form ecrplan never writes — a managed policy on a
/// user, a group or a role of another identity than an assumed role, a managed policy other
/// than the AWS-managed ECR ones, an inline policy on a user, an inline policy under another
/// name than ecrplan's — was made by hand, whatever the history.
pub fn is_declarable(resource: &Resource, role_trust: Option<&JsonDocument>) -> bool {
    match resource {
        Resource::RolePolicy(p) => p.name == inline_policy_name(serving(role_trust)),
        Resource::RolePolicyAttachment(a) => {
            serving(role_trust) == serves::ASSUMED
                && ManagedPolicy::is_managed_ecr_arn(&a.policy_arn)
        }
        Resource::GroupPolicy(p) => p.name == ci_user::GROUP_POLICY_NAME,
        Resource::UserPolicy(_)
        | Resource::UserPolicyAttachment(_)
        | Resource::GroupPolicyAttachment(_) => false,
        Resource::Repository(_)
        | Resource::RepositoryPolicy(_)
        | Resource::LifecyclePolicy(_)
        | Resource::OidcProvider(_)
        | Resource::Role(_)
        | Resource::Replication(_)
        | Resource::User(_)
        | Resource::Group(_)
        | Resource::GroupMembership(_)
        | Resource::RegistryOwner(_)
        | Resource::RegistryPolicy(_)
        | Resource::AccountSetting(_)
        | Resource::ScanningConfiguration(_)
        | Resource::PullThroughCacheRule(_)
        | Resource::CreationTemplate(_)
        | Resource::SigningConfiguration(_)
        | Resource::PullTimeUpdateExclusion(_) => true,
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
    fn objects_of_forms_ecrplan_never_writes_are_not_declarable() {
        use crate::{GroupPolicy, GroupPolicyAttachment, RolePolicy, RolePolicyAttachment};
        use crate::{UserPolicy, UserPolicyAttachment};
        let account = Account::new("123456789012", "eu-west-1");
        let github = JsonDocument::new(json!({"Statement": [{"Effect": "Allow",
            "Principal": {"Federated": account.oidc_provider_arn("token.actions.githubusercontent.com")}}]}));
        let assumed = JsonDocument::new(json!({"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"}}]}));
        let document = JsonDocument::new(json!({"Statement": []}));
        let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
        let read_only = ManagedPolicy::AmazonEC2ContainerRegistryReadOnly.arn(&account);
        let attachment = |policy_arn: &str| {
            Resource::RolePolicyAttachment(RolePolicyAttachment {
                role: "r".into(),
                policy_arn: policy_arn.into(),
            })
        };
        let role_policy = |name: &str| {
            Resource::RolePolicy(RolePolicy {
                role: "r".into(),
                name: name.into(),
                document: document.clone(),
            })
        };
        let by_hand = [
            (attachment(admin), Some(&assumed)),
            (attachment(&read_only), Some(&github)),
            (role_policy("extra"), Some(&github)),
            (role_policy(ACCESS_POLICY_NAME), Some(&github)),
            (
                Resource::GroupPolicy(GroupPolicy {
                    group: "g".into(),
                    name: "extra".into(),
                    document: document.clone(),
                }),
                None,
            ),
            (
                Resource::UserPolicy(UserPolicy {
                    user: "u".into(),
                    name: ci_user::GROUP_POLICY_NAME.into(),
                    document: document.clone(),
                }),
                None,
            ),
            (
                Resource::UserPolicyAttachment(UserPolicyAttachment {
                    user: "u".into(),
                    policy_arn: read_only.clone(),
                }),
                None,
            ),
            (
                Resource::GroupPolicyAttachment(GroupPolicyAttachment {
                    group: "g".into(),
                    policy_arn: read_only.clone(),
                }),
                None,
            ),
        ];
        for (resource, trust) in &by_hand {
            assert!(!is_declarable(resource, *trust), "{resource:?}");
        }
        for (resource, trust) in [
            (attachment(&read_only), Some(&assumed)),
            (role_policy(crate::PUSH_POLICY_NAME), Some(&github)),
            (role_policy(ACCESS_POLICY_NAME), Some(&assumed)),
        ] {
            assert!(is_declarable(&resource, trust), "{resource:?}");
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
