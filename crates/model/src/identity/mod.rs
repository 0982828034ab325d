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
    Account, Address, DesiredObject, JsonDocument, Kind, Module, OidcProvider, RefreshScope,
    Resource, Role, RolePolicy, Tags, tags,
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

    /// Adds the names these identities declare to what a refresh must read.
    pub fn extend_scope(&self, scope: &mut RefreshScope) {
        scope
            .roles
            .extend(self.assume_role.iter().map(|a| a.role_name.clone()));
        scope
            .roles
            .extend(self.gitlab.iter().map(|g| g.role_name.clone()));
        scope
            .oidc_providers
            .extend(self.gitlab.iter().map(|g| g.issuer.clone()));
        if let Some(u) = &self.ci_user {
            scope.users.insert(u.user_name.clone());
            scope.groups.insert(u.group_name.clone());
        }
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
        let trust = web_identity_trust(account, &g.issuer, &g.audience, &g.subjects());
        role(
            module,
            estate,
            out,
            "gitlab",
            &g.role_name,
            trust,
            role_tags,
        );
        role_policy(
            module,
            out,
            "gitlab",
            &g.role_name,
            module.push_policy(account),
        );
    }
}

/// A role of the module, at `module.M.<name>_role`.
fn role(
    module: &Module,
    estate: &str,
    out: &mut Vec<DesiredObject>,
    name: &str,
    role_name: &str,
    trust: JsonDocument,
    tags: &Tags,
) {
    out.push(DesiredObject {
        address: Address::in_module(&module.name, Kind::Role, &format!("{name}_role"), None),
        resource: Resource::Role(Role {
            name: role_name.to_owned(),
            path: crate::role_path(estate),
            trust,
            tags: tags.clone(),
        }),
    });
}

/// The inline policy of a role of the module, at `module.M.<name>_role_policy`.
fn role_policy(
    module: &Module,
    out: &mut Vec<DesiredObject>,
    name: &str,
    role_name: &str,
    document: JsonDocument,
) {
    out.push(DesiredObject {
        address: Address::in_module(
            &module.name,
            Kind::RolePolicy,
            &format!("{name}_role_policy"),
            None,
        ),
        resource: Resource::RolePolicy(RolePolicy {
            role: role_name.to_owned(),
            name: ACCESS_POLICY_NAME.to_owned(),
            document,
        }),
    });
}
