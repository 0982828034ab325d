use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Kind, Scope};

/// Where an object sits in the configuration, e.g. `module.ecr-koa.repository["giftcard"]`.
/// Users read and grep these, so the text form is part of the contract; the scope is data, not
/// text, so single-registry addresses read exactly as Terraform's.
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
    /// The registry (ECR objects) or account (IAM objects) the object lives in.
    pub scope: Scope,
}

impl Address {
    /// The address of an object of `kind` in `scope`, named by the kind's row: declared
    /// objects and deleted ones get theirs from here, so the two can never disagree.
    pub fn new(kind: Kind, scope: Scope) -> Self {
        Self {
            module: None,
            kind,
            name: kind.spec().address_name.to_owned(),
            index: None,
            scope,
        }
    }

    /// The same address inside module `module` (kinds declared outside modules ignore it).
    pub fn in_module(mut self, module: &str) -> Self {
        if self.kind.spec().in_module {
            self.module = Some(module.to_owned());
        }
        self
    }

    /// The same address for the CI identity `identity` serves (`github` → `github_role`);
    /// kinds that belong to no identity ignore it.
    pub fn for_identity(mut self, identity: &str) -> Self {
        if self.kind.spec().per_identity {
            self.name = format!("{identity}_{}", self.kind.spec().address_name);
        }
        self
    }

    /// The same address keyed by `index`, for objects declared many times.
    pub fn indexed(mut self, index: &str) -> Self {
        self.index = Some(index.to_owned());
        self
    }

    /// The same address for an object of a registry (or account) that is not the default
    /// provider's: keyed by the alias that reaches it, before any key of its own
    /// (`replication_configuration["dr"]`, `oidc_provider["dr/token.actions…"]`), so that
    /// Terraform addresses stay unique across registries. Module objects need no key: module
    /// names are unique already.
    pub fn on_provider(mut self, alias: &str) -> Self {
        if self.module.is_some() {
            return self;
        }
        self.index = Some(match self.index.take() {
            Some(index) => format!("{alias}/{index}"),
            None => alias.to_owned(),
        });
        self
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
    /// The registry (ECR objects) or account (IAM objects) its name is unique in.
    pub scope: Scope,
    /// Repository name, role, user or group name, provider URL, `role:policy`,
    /// `role:policy_arn`, `group:policy`, `group:user`, or `registry`.
    pub key: String,
}

impl ObjectId {
    /// An object of `kind` named `key` in `scope`.
    pub fn new(kind: Kind, scope: Scope, key: impl Into<String>) -> Self {
        Self {
            kind,
            scope,
            key: key.into(),
        }
    }
}

impl ObjectId {
    /// The id with its scope in words, unique across registries and accounts: how saved plans
    /// key what they read.
    pub fn qualified(&self) -> String {
        format!("{self} in {}", self.scope)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.kind.terraform_type(), self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Registry, ScopeLevel};

    #[test]
    fn display_matches_terraform() {
        let registry = Registry::new("111122223333", "eu-west-1");
        let at = |kind: Kind| Address::new(kind, Scope::at(kind.spec().scope, &registry));
        let a = at(Kind::Repository)
            .in_module("ecr-koa")
            .indexed("giftcard");
        assert_eq!(a.to_string(), r#"module.ecr-koa.repository["giftcard"]"#);
        let g = at(Kind::OidcProvider)
            .in_module("ecr-koa")
            .indexed("token.actions.githubusercontent.com");
        assert_eq!(
            g.to_string(),
            r#"oidc_provider["token.actions.githubusercontent.com"]"#
        );
        assert_eq!(
            at(Kind::Replication).to_string(),
            "replication_configuration"
        );
        assert_eq!(
            at(Kind::RolePolicy)
                .in_module("m")
                .for_identity("github")
                .to_string(),
            "module.m.github_role_policy"
        );
        assert_eq!(
            at(Kind::User)
                .in_module("m")
                .for_identity("github")
                .to_string(),
            "module.m.ci_user"
        );
        assert_eq!(
            at(Kind::Role).scope,
            Scope::at(ScopeLevel::Account, &registry)
        );
    }
}
