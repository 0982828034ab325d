//! `gitlab_access`: GitLab CI through OIDC, so a pipeline needs no stored key (seed 004).
//!
//! GitLab's ID tokens (docs.gitlab.com, "OpenID Connect (OIDC) Authentication Using ID
//! Tokens") carry `iss` = the instance (`https://gitlab.com` or a self-managed host), `aud` =
//! whatever the job's `id_tokens` asks for, and by default `sub` =
//! `project_path:{group}/{project}:ref_type:{type}:ref:{branch_name}`. IAM exposes them as the
//! condition keys `<issuer host>:aud` and `<issuer host>:sub` (IAM User Guide, "Available keys
//! for OIDC federation"); GitLab's AWS guide ("Configure OpenID Connect in AWS to retrieve
//! temporary credentials") trusts `gitlab.com:sub` the same way.

use serde::{Deserialize, Serialize};

use super::context::ModuleContext;
use super::role::{Grant, IdentityRole, serves};
use crate::declared::Declared;
use crate::policy::web_identity_trust;

/// The issuer of gitlab.com's tokens, without scheme.
pub const GITLAB_ISSUER: &str = "gitlab.com";

/// `gitlab_access = { role_name, projects, issuer, audience, allow_any_group }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitlabAccess {
    /// The role the pipeline assumes.
    pub role_name: String,
    /// The instance's host (issuer without `https://`), `gitlab.com` by default.
    pub issuer: String,
    /// The `aud` the job's `id_tokens` asks for, `https://gitlab.com` by default.
    pub audience: String,
    /// The projects whose pipelines may push.
    pub projects: Vec<GitlabProject>,
    /// The configuration explicitly allows a wildcard group.
    #[serde(default)]
    pub allow_any_group: bool,
}

/// One GitLab project, optionally narrowed to one ref.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitlabProject {
    /// `group/project` (subgroups allowed: `group/sub/project`).
    pub path: String,
    /// `branch` or `tag`; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_type: Option<String>,
    /// The branch or tag name (no `refs/heads/`); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
}

impl GitlabAccess {
    /// The `sub` patterns the trust policy accepts (`StringLike`).
    pub fn subjects(&self) -> Vec<String> {
        self.projects
            .iter()
            .map(|p| {
                format!(
                    "project_path:{}:ref_type:{}:ref:{}",
                    p.path,
                    p.ref_type.as_deref().unwrap_or("*"),
                    p.git_ref.as_deref().unwrap_or("*")
                )
            })
            .collect()
    }

    /// Declares the instance's OIDC provider and the role, which pushes with the module's push
    /// policy under the name every newer identity's policy has.
    pub(super) fn declare(&self, module: &ModuleContext, out: &mut Declared) {
        out.provider(
            module.account,
            module.oidc_provider(&self.issuer, vec![self.audience.clone()], Vec::new()),
        );
        IdentityRole {
            identity: serves::GITLAB,
            role_name: &self.role_name,
            trust: web_identity_trust(
                module.account,
                &self.issuer,
                &self.audience,
                &self.subjects(),
            ),
            tags: &module.role_tags,
            grant: Grant::Inline(module.push_policy()),
        }
        .declare(module, out);
    }
}
