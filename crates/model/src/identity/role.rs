//! The one builder of an identity's role, so that every identity's addresses, path and tags
//! come from the same place. A leaf of `identity`.

use super::context::ModuleContext;
use crate::declared::Declared;
use crate::{
    JsonDocument, Kind, PUSH_POLICY_NAME, Resource, Role, RolePolicy, RolePolicyAttachment, Tags,
    role_path,
};

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

/// The name of the inline policy the identities beyond GitHub and CircleCI carry.
pub const ACCESS_POLICY_NAME: &str = "ecr-access";

/// The name of the inline policy a role serving `identity` carries: GitHub's and CircleCI's
/// roles keep the name their first releases gave them, the others carry [`ACCESS_POLICY_NAME`].
/// Named here only, so that the builder and the drift report (which tells an inline policy
/// ecrplan never writes from one it wrote) cannot disagree.
pub fn inline_policy_name(identity: &str) -> &'static str {
    if identity == serves::GITHUB || identity == serves::CIRCLECI {
        PUSH_POLICY_NAME
    } else {
        ACCESS_POLICY_NAME
    }
}

/// What one CI identity of a module asks for: a role with its trust and what grants it
/// access, at `module.M.<identity>_role` and `module.M.<identity>_role_policy` (or
/// `_role_policy_attachment`).
pub(crate) struct IdentityRole<'a> {
    /// The identity, the first part of the address names (`github`, `gitlab`…).
    pub(crate) identity: &'a str,
    /// The IAM role name.
    pub(crate) role_name: &'a str,
    /// Who may assume it.
    pub(crate) trust: JsonDocument,
    /// The role's tags.
    pub(crate) tags: &'a Tags,
    /// What the role may do.
    pub(crate) grant: Grant,
}

/// How a role is granted access.
pub(crate) enum Grant {
    /// An inline policy, named after the identity ([`inline_policy_name`]).
    Inline(JsonDocument),
    /// A managed policy attached by ARN.
    Managed(String),
}

impl IdentityRole<'_> {
    /// Declares the role, under the estate's role path, and its grant.
    pub(crate) fn declare(self, module: &ModuleContext, out: &mut Declared) {
        let address = |kind| module.address(kind).for_identity(self.identity);
        out.push(
            address(Kind::Role),
            Resource::Role(Role {
                name: self.role_name.to_owned(),
                path: role_path(module.estate),
                trust: self.trust,
                tags: self.tags.clone(),
            }),
        );
        let role = self.role_name.to_owned();
        match self.grant {
            Grant::Inline(document) => out.push(
                address(Kind::RolePolicy),
                Resource::RolePolicy(RolePolicy {
                    role,
                    name: inline_policy_name(self.identity).to_owned(),
                    document,
                }),
            ),
            Grant::Managed(policy_arn) => out.push(
                address(Kind::RolePolicyAttachment),
                Resource::RolePolicyAttachment(RolePolicyAttachment { role, policy_arn }),
            ),
        }
    }
}
