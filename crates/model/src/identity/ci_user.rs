//! `ci_user`: a static-key CI user in a group whose inline policy grants the module's
//! repositories (seeds 004, 002 and 001). ecrplan never makes or reads the user's keys:
//! `ecrplan output` prints the one command a person runs to make one.

use serde::{Deserialize, Serialize};

use super::access::Access;
use super::context::ModuleContext;
use crate::declared::Declared;
use crate::{
    Account, Group, GroupMembership, GroupPolicy, JsonDocument, Kind, Resource, User, group_path,
    role_path, tags,
};

/// `ci_user = { user_name, group_name, access, policy, force_delete }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiUser {
    /// The IAM user CI signs in as.
    pub user_name: String,
    /// The group that carries the policy.
    pub group_name: String,
    /// What the generated policy grants; ignored when `policy` is given.
    pub access: Access,
    /// A policy document as written (seed 004's own), instead of the generated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<JsonDocument>,
    /// Allow deleting the user while it holds access keys (the keys go with it).
    #[serde(default)]
    pub force_delete: bool,
}

/// The name of the group's inline policy.
pub const GROUP_POLICY_NAME: &str = "ecr-access";

impl CiUser {
    /// The command a person runs to make the user's key; ecrplan never holds the secret.
    pub fn create_key_command(&self) -> String {
        format!("aws iam create-access-key --user-name {}", self.user_name)
    }

    /// The group's policy: the document as written, or one granting `access` to
    /// `repositories` only ([`CiUser::policy_document`] for a module).
    pub(crate) fn policy_for(
        &self,
        account: &Account,
        repositories: &[String],
        push_actions: &[String],
    ) -> JsonDocument {
        self.policy
            .clone()
            .unwrap_or_else(|| self.access.policy(account, repositories, push_actions))
    }

    /// Declares the user, its group, the membership and the group's policy. The group's path
    /// names the owner, since groups take no tags.
    pub(super) fn declare(&self, module: &ModuleContext, out: &mut Declared) {
        let m = module.module;
        let mut user_tags = module.role_tags.clone();
        if self.force_delete {
            user_tags.insert(tags::FORCE_DELETE.into(), "true".into());
        }
        out.push(
            module.address(Kind::User),
            Resource::User(User {
                name: self.user_name.clone(),
                path: role_path(module.estate),
                tags: user_tags,
            }),
        );
        out.push(
            module.address(Kind::Group),
            Resource::Group(Group {
                name: self.group_name.clone(),
                path: group_path(module.estate, &module.account.region, m),
            }),
        );
        out.push(
            module.address(Kind::GroupMembership),
            Resource::GroupMembership(GroupMembership {
                group: self.group_name.clone(),
                user: self.user_name.clone(),
            }),
        );
        out.push(
            module.address(Kind::GroupPolicy),
            Resource::GroupPolicy(GroupPolicy {
                group: self.group_name.clone(),
                name: GROUP_POLICY_NAME.to_owned(),
                document: self.policy_for(module.account, module.repositories, module.push_actions),
            }),
        );
    }
}
