//! What an identity may do with its module's repositories, and the inline policy that says so.
//! A leaf of `identity`: the identities that grant it read it, none of them imports another.

use serde::{Deserialize, Serialize};

use crate::policy::{pull_policy, push_policy};
use crate::{Account, JsonDocument};

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

    /// The identity policy granting this access to `repositories` only, plus
    /// `ecr:GetAuthorizationToken` (which has no resource) for `docker login`; pushing means
    /// the module's `push_actions`.
    pub(crate) fn policy(
        self,
        account: &Account,
        repositories: &[String],
        push_actions: &[String],
    ) -> JsonDocument {
        match self {
            Access::Push => push_policy(account, repositories, push_actions),
            Access::Pull => pull_policy(account, repositories),
        }
    }
}
