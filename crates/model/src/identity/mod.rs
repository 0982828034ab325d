//! The CI identities a module may declare beyond GitHub Actions and CircleCI, one file each:
//! its trust and its permissions. A new identity is a new file here and one in `ecrplan-hcl`.
//!
//! - [`assumed_role`]: a role another AWS principal assumes (seed 002, Codefresh);
//! - [`ci_user`]: a static-key user in a group (seeds 004, 002 and 001);
//! - [`gitlab`]: GitLab CI through OIDC (seed 004 without a stored key).

pub mod assumed_role;
pub mod ci_user;
pub mod github;
pub mod gitlab;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::desired::{actions, web_identity_trust};
use crate::{
    Account, DesiredObject, JsonDocument, Kind, Module, OidcProvider, Resource, Role, RolePolicy,
    RolePolicyAttachment, Tags, tags,
};

pub use assumed_role::{AssumeRoleAccess, ManagedPolicy, RoleGrant};
pub use ci_user::CiUser;
pub use gitlab::{GitlabAccess, GitlabProject};

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

/// The identity a role serves, the first part of its addresses (`github_role`).
pub mod serves {
    /// `github_access`.
    pub const GITHUB: &str = "github";
    /// `circleci_access`.
    pub const CIRCLECI: &str = "circleci";
    /// `gitlab_access`.
    pub const GITLAB: &str = "gitlab";
    /// `assume_role_access`.
    pub const ASSUMED: &str = "assumed";
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
    if urls.iter().any(|u| u.starts_with("oidc.circleci.com/")) {
        serves::CIRCLECI
    } else if urls.iter().any(|u| u == crate::GITHUB_ISSUER) {
        serves::GITHUB
    } else if !urls.is_empty() {
        serves::GITLAB
    } else {
        serves::ASSUMED
    }
}

/// What an identity may do with the module's repositories.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Pull only.
    Pull,
    /// Pull and push (the module's push actions).
    #[default]
    Push,
}

impl Access {
    /// The spelling in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::Push => "push",
        }
    }

    /// Parses the configuration's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pull" => Some(Access::Pull),
            "push" => Some(Access::Push),
            _ => None,
        }
    }
}

/// The name of the inline policy the new identities carry.
pub const ACCESS_POLICY_NAME: &str = "ecr-access";

impl Module {
    /// The identity policy granting `access` to the module's repositories only, plus
    /// `ecr:GetAuthorizationToken` (which has no resource) for `docker login`.
    pub fn access_policy(&self, account: &Account, access: Access) -> JsonDocument {
        match access {
            Access::Push => self.push_policy(account),
            Access::Pull => {
                let resources: Vec<String> = self
                    .repositories
                    .iter()
                    .map(|r| account.repository_arn(r))
                    .collect();
                JsonDocument::new(json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "Login", "Effect": "Allow", "Action": [actions::LOGIN], "Resource": "*"},
                        {"Sid": "Pull", "Effect": "Allow", "Action": actions::PULL, "Resource": resources},
                    ]
                }))
            }
        }
    }
}

/// Adds the objects of the module's other identities; `role_tags` are the tags every role of
/// the module carries.
pub(crate) fn objects(
    module: &Module,
    estate: &str,
    account: &Account,
    out: &mut Vec<DesiredObject>,
    providers: &mut BTreeMap<String, OidcProvider>,
    role_tags: &Tags,
) {
    let ids = &module.identities;
    if let Some(a) = &ids.assume_role {
        a.objects(module, estate, account, out, role_tags);
    }
    if let Some(u) = &ids.ci_user {
        u.objects(module, estate, account, out);
    }
    if let Some(g) = &ids.gitlab {
        providers
            .entry(g.issuer.clone())
            .or_insert_with(|| OidcProvider {
                url: g.issuer.clone(),
                client_ids: vec![g.audience.clone()],
                thumbprints: Vec::new(),
                tags: tags::ownership(estate, None),
            });
        IdentityRole {
            identity: serves::GITLAB,
            role_name: &g.role_name,
            trust: web_identity_trust(account, &g.issuer, &g.audience, &g.subjects()),
            tags: role_tags,
            grant: Grant::Inline(ACCESS_POLICY_NAME, module.push_policy(account)),
        }
        .push(module, estate, account, out);
    }
}

/// What one CI identity of a module asks for: a role with its trust and what grants it
/// access, at `module.M.<identity>_role` and `module.M.<identity>_role_policy` (or
/// `_role_policy_attachment`). Every identity's role is made here, so their addresses and
/// tags cannot drift apart.
pub(crate) struct IdentityRole<'a> {
    /// The identity, the first part of the address names (`github`, `gitlab`…).
    pub identity: &'a str,
    /// The IAM role name.
    pub role_name: &'a str,
    /// Who may assume it.
    pub trust: JsonDocument,
    /// The role's tags.
    pub tags: &'a Tags,
    /// What the role may do.
    pub grant: Grant<'a>,
}

/// How a role is granted access.
pub(crate) enum Grant<'a> {
    /// An inline policy with this name.
    Inline(&'a str, JsonDocument),
    /// A managed policy attached by ARN.
    Managed(String),
}

impl IdentityRole<'_> {
    /// Adds the role and its grant.
    pub(crate) fn push(
        self,
        module: &Module,
        estate: &str,
        account: &Account,
        out: &mut Vec<DesiredObject>,
    ) {
        let address = |kind| {
            account
                .address(kind)
                .in_module(&module.name)
                .for_identity(self.identity)
        };
        out.push(DesiredObject {
            address: address(Kind::Role),
            resource: Resource::Role(Role {
                name: self.role_name.to_owned(),
                path: crate::role_path(estate),
                trust: self.trust,
                tags: self.tags.clone(),
            }),
        });
        let role = self.role_name.to_owned();
        out.push(match self.grant {
            Grant::Inline(name, document) => DesiredObject {
                address: address(Kind::RolePolicy),
                resource: Resource::RolePolicy(RolePolicy {
                    role,
                    name: name.to_owned(),
                    document,
                }),
            },
            Grant::Managed(policy_arn) => DesiredObject {
                address: address(Kind::RolePolicyAttachment),
                resource: Resource::RolePolicyAttachment(RolePolicyAttachment { role, policy_arn }),
            },
        });
    }
}
