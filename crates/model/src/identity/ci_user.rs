//! `ci_user`: a static-key CI user in a group whose inline policy grants the module's
//! repositories (seeds 004, 002 and 001). ecrplan never makes or reads the user's keys:
//! `ecrplan output` prints the one command a person runs to make one.

use serde::{Deserialize, Serialize};

use super::Access;
use crate::{
    Account, DesiredObject, Group, GroupMembership, GroupPolicy, JsonDocument, Kind, Module,
    Resource, User, group_path, tags,
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

    /// The group's policy: the document as written, or one scoped to the module's
    /// repositories.
    pub fn policy_document(&self, module: &Module, account: &Account) -> JsonDocument {
        self.policy
            .clone()
            .unwrap_or_else(|| module.access_policy(account, self.access))
    }

    pub(super) fn objects(
        &self,
        module: &Module,
        estate: &str,
        account: &Account,
        out: &mut Vec<DesiredObject>,
    ) {
        let m = module.name.as_str();
        let mut user_tags = module.settings.tags.clone();
        user_tags.extend(tags::ownership(estate, Some(m)));
        // IAM is global: the region tells this region's run of the estate from another's.
        user_tags.insert(tags::REGION.into(), account.region.clone());
        if self.force_delete {
            user_tags.insert(tags::FORCE_DELETE.into(), "true".into());
        }
        out.push(DesiredObject {
            address: account.address(Kind::User).in_module(m),
            resource: Resource::User(User {
                name: self.user_name.clone(),
                path: crate::role_path(estate),
                tags: user_tags,
            }),
        });
        out.push(DesiredObject {
            address: account.address(Kind::Group).in_module(m),
            resource: Resource::Group(Group {
                name: self.group_name.clone(),
                path: group_path(estate, &account.region, m),
            }),
        });
        out.push(DesiredObject {
            address: account.address(Kind::GroupMembership).in_module(m),
            resource: Resource::GroupMembership(GroupMembership {
                group: self.group_name.clone(),
                user: self.user_name.clone(),
            }),
        });
        out.push(DesiredObject {
            address: account.address(Kind::GroupPolicy).in_module(m),
            resource: Resource::GroupPolicy(GroupPolicy {
                group: self.group_name.clone(),
                name: GROUP_POLICY_NAME.to_owned(),
                document: self.policy_document(module, account),
            }),
        });
    }
}
