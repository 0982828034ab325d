use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of AWS object an estate manages. The order is the order plans list them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The IAM OpenID Connect provider CI tokens are exchanged with.
    OidcProvider,
    /// An ECR repository.
    Repository,
    /// The resource policy of one repository.
    RepositoryPolicy,
    /// The lifecycle policy of one repository.
    LifecyclePolicy,
    /// An IAM role CI assumes through OIDC.
    Role,
    /// The inline policy of such a role.
    RolePolicy,
    /// A managed policy attached to such a role.
    RolePolicyAttachment,
    /// The registry-wide replication configuration.
    Replication,
    /// An IAM user CI signs in as with a static key.
    User,
    /// An IAM group such users are in.
    Group,
    /// A user's membership of a group.
    GroupMembership,
    /// The inline policy of a group.
    GroupPolicy,
    /// An inline policy of a CI user.
    UserPolicy,
    /// A managed policy attached to a CI user.
    UserPolicyAttachment,
    /// A managed policy attached to a CI group.
    GroupPolicyAttachment,
}

impl Kind {
    /// The Terraform resource type, so tools written for `terraform show -json` read our plans.
    pub fn terraform_type(self) -> &'static str {
        match self {
            Kind::OidcProvider => "aws_iam_openid_connect_provider",
            Kind::Repository => "aws_ecr_repository",
            Kind::RepositoryPolicy => "aws_ecr_repository_policy",
            Kind::LifecyclePolicy => "aws_ecr_lifecycle_policy",
            Kind::Role => "aws_iam_role",
            Kind::RolePolicy => "aws_iam_role_policy",
            Kind::RolePolicyAttachment => "aws_iam_role_policy_attachment",
            Kind::Replication => "aws_ecr_replication_configuration",
            Kind::User => "aws_iam_user",
            Kind::Group => "aws_iam_group",
            Kind::GroupMembership => "aws_iam_user_group_membership",
            Kind::GroupPolicy => "aws_iam_group_policy",
            Kind::UserPolicy => "aws_iam_user_policy",
            Kind::UserPolicyAttachment => "aws_iam_user_policy_attachment",
            Kind::GroupPolicyAttachment => "aws_iam_group_policy_attachment",
        }
    }
}

/// Where an object sits in the configuration, e.g. `module.ecr-koa.repository["giftcard"]`.
/// Users read and grep these, so the text form is part of the contract.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Address {
    /// The module block the object comes from; `None` for account-wide objects.
    pub module: Option<String>,
    /// The kind of object.
    pub kind: Kind,
    /// The name within the module, e.g. `repository` or `github_role`.
    pub name: String,
    /// The key for objects declared many times, e.g. the repository name.
    pub index: Option<String>,
}

impl Address {
    /// An address inside a module.
    pub fn in_module(module: &str, kind: Kind, name: &str, index: Option<&str>) -> Self {
        Self {
            module: Some(module.to_owned()),
            kind,
            name: name.to_owned(),
            index: index.map(str::to_owned),
        }
    }

    /// An account-wide address.
    pub fn top(kind: Kind, name: &str, index: Option<&str>) -> Self {
        Self {
            module: None,
            kind,
            name: name.to_owned(),
            index: index.map(str::to_owned),
        }
    }

    /// `module.M`, as Terraform's JSON plan calls it.
    pub fn module_address(&self) -> Option<String> {
        self.module.as_ref().map(|m| format!("module.{m}"))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(module) = &self.module {
            write!(f, "module.{module}.")?;
        }
        f.write_str(&self.name)?;
        if let Some(index) = &self.index {
            write!(f, "[{index:?}]")?;
        }
        Ok(())
    }
}

/// The identity of an object in AWS: what desired and live objects are matched on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectId {
    /// The kind of object.
    pub kind: Kind,
    /// Repository name, role, user or group name, provider URL, `role:policy`,
    /// `role:policy_arn`, `group:policy`, `group:user`, or `registry`.
    pub key: String,
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.kind.terraform_type(), self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_terraform() {
        let a = Address::in_module("ecr-koa", Kind::Repository, "repository", Some("giftcard"));
        assert_eq!(a.to_string(), r#"module.ecr-koa.repository["giftcard"]"#);
        let g = Address::top(
            Kind::OidcProvider,
            "oidc_provider",
            Some("token.actions.githubusercontent.com"),
        );
        assert_eq!(
            g.to_string(),
            r#"oidc_provider["token.actions.githubusercontent.com"]"#
        );
        assert_eq!(
            Address::top(Kind::Replication, "replication_configuration", None).to_string(),
            "replication_configuration"
        );
    }
}
