//! `assume_role_access`: a role another AWS principal assumes with `sts:AssumeRole` — how
//! Codefresh and other hosted CI services reach a registry (seed 002) — carrying either
//! ecrplan's policy scoped to the module's repositories or one AWS-managed ECR policy.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::access::Access;
use super::context::ModuleContext;
use super::role::{Grant, IdentityRole, serves};
use crate::declared::Declared;
use crate::{Account, JsonDocument};

/// `assume_role_access = { role_name, principals, external_id, access | managed_policy }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssumeRoleAccess {
    /// The role the principals assume.
    pub role_name: String,
    /// Role, user or account-root ARNs, or 12-digit account ids.
    pub principals: Vec<String>,
    /// The `sts:ExternalId` the caller must pass: third-party services give each customer one,
    /// against the confused-deputy problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// What the role may do.
    pub grant: RoleGrant,
}

/// The permissions of an assumed role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleGrant {
    /// ecrplan's own inline policy, scoped to the module's repositories.
    Access(Access),
    /// One of the AWS-managed ECR policies, attached; it reaches every repository.
    Managed(ManagedPolicy),
}

/// The AWS-managed policies seed 002 offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ManagedPolicy {
    /// Pull and describe, every repository.
    AmazonEC2ContainerRegistryReadOnly,
    /// Pull and push, every repository; no deletes or policy changes.
    AmazonEC2ContainerRegistryPowerUser,
    /// Everything ECR can do.
    AmazonEC2ContainerRegistryFullAccess,
}

impl ManagedPolicy {
    /// Every managed policy, in the order the help text lists them.
    pub const ALL: [ManagedPolicy; 3] = [
        ManagedPolicy::AmazonEC2ContainerRegistryReadOnly,
        ManagedPolicy::AmazonEC2ContainerRegistryPowerUser,
        ManagedPolicy::AmazonEC2ContainerRegistryFullAccess,
    ];

    /// The policy name.
    pub fn name(self) -> &'static str {
        match self {
            ManagedPolicy::AmazonEC2ContainerRegistryReadOnly => {
                "AmazonEC2ContainerRegistryReadOnly"
            }
            ManagedPolicy::AmazonEC2ContainerRegistryPowerUser => {
                "AmazonEC2ContainerRegistryPowerUser"
            }
            ManagedPolicy::AmazonEC2ContainerRegistryFullAccess => {
                "AmazonEC2ContainerRegistryFullAccess"
            }
        }
    }

    /// Parses a policy name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The policy ARN: AWS-managed policies live in the account `aws` of each partition.
    pub fn arn(self, account: &Account) -> String {
        format!("arn:{}:iam::aws:policy/{}", account.partition, self.name())
    }

    /// True for an ARN naming one of these policies, in any partition.
    pub fn is_managed_ecr_arn(arn: &str) -> bool {
        arn.split_once(":iam::aws:policy/")
            .is_some_and(|(_, name)| Self::parse(name).is_some())
    }
}

impl AssumeRoleAccess {
    /// The trust policy: the principals, with `sts:AssumeRole`, and the external id as a
    /// `StringEquals` condition on `sts:ExternalId` when one is given.
    pub fn trust(&self, account: &Account) -> JsonDocument {
        let principals: Vec<Value> = self
            .principals
            .iter()
            .map(|p| {
                if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
                    Value::String(account.root_arn(p))
                } else {
                    Value::String(p.clone())
                }
            })
            .collect();
        let mut statement = json!({
            "Effect": "Allow",
            "Principal": {"AWS": principals},
            "Action": "sts:AssumeRole",
        });
        if let Some(id) = &self.external_id {
            statement["Condition"] = json!({"StringEquals": {"sts:ExternalId": id}});
        }
        JsonDocument::new(json!({"Version": "2012-10-17", "Statement": [statement]}))
    }

    /// Declares the role, granted ecrplan's policy or the managed one.
    pub(super) fn declare(&self, module: &ModuleContext, out: &mut Declared) {
        let grant = match self.grant {
            RoleGrant::Access(access) => Grant::Inline(module.access_policy(access)),
            RoleGrant::Managed(policy) => Grant::Managed(policy.arn(module.account)),
        };
        IdentityRole {
            identity: serves::ASSUMED,
            role_name: &self.role_name,
            trust: self.trust(module.account),
            tags: &module.role_tags,
            grant,
        }
        .declare(module, out);
    }
}
