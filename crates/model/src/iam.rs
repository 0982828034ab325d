//! The IAM objects of a static-key CI identity (seeds 004, 002 and 001): a user, a group, the
//! user's membership of the group and the group's inline policy. ecrplan never creates or
//! reads a secret key; it only lists the keys a user holds, to refuse deleting them unasked and
//! to report old ones.

use serde::{Deserialize, Serialize};

use crate::{JsonDocument, Owner, Tags, group_path};

/// An IAM user, for CI systems that can only hold an access key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The IAM path; part of the user's ARN, so an adopted user keeps its own.
    pub path: String,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// An IAM group. Groups are the one IAM object that cannot carry tags, so the path records
/// the owner instead: `/ecrplan/<estate>/<region>/<module>/` (see [`group_path`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group name.
    pub name: String,
    /// The IAM path, which names the owner.
    pub path: String,
}

/// One user's membership of one group. It belongs to the user: deleting the user ends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembership {
    /// The group.
    pub group: String,
    /// The member.
    pub user: String,
}

/// An inline policy of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPolicy {
    /// The group it belongs to.
    pub group: String,
    /// The policy name.
    pub name: String,
    /// The IAM policy document.
    pub document: JsonDocument,
}

/// An inline policy of a user. ecrplan grants through the group, so one found on a user was
/// put there by hand: drift, deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPolicy {
    /// The user it belongs to.
    pub user: String,
    /// The policy name.
    pub name: String,
    /// The IAM policy document.
    pub document: JsonDocument,
}

/// A managed policy attached to a user. Like a role's attachment it is an object of its own, so
/// one attached by hand (say `AdministratorAccess`) is drift and is detached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPolicyAttachment {
    /// The user it is attached to.
    pub user: String,
    /// The managed policy's ARN.
    pub policy_arn: String,
}

/// A managed policy attached to a group: every member gets it, so one attached by hand is
/// drift and is detached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPolicyAttachment {
    /// The group it is attached to.
    pub group: String,
    /// The managed policy's ARN.
    pub policy_arn: String,
}

/// One access key of a user as `ListAccessKeys` reports it: never the secret, which IAM shows
/// only once, to whoever creates the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    /// The access key id (not a secret, but shown shortened all the same).
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// When the key was made, in seconds since the Unix epoch.
    pub created: u64,
    /// Its age in whole days when the account was read.
    pub age_days: u64,
}

impl AccessKey {
    /// The id as reports show it: the last four characters, enough to find the key in the
    /// console without copying a credential identifier into CI logs.
    pub fn short_id(&self) -> String {
        let tail: String = self
            .id
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

/// Keys older than this many days are reported by `drift` and `plan` (AWS's own credential
/// report and Security Hub's IAM.3 control use 90 days).
pub const MAX_KEY_AGE_DAYS: u64 = 90;

impl Group {
    /// The owner its path names, or `None` for a group ecrplan did not make.
    pub fn owner(&self) -> Option<Owner> {
        Owner::from_group_path(&self.path)
    }

    /// The path that records `tags`' owner, for adopting a group (which cannot be tagged).
    pub fn path_for(tags: &Tags, region: &str) -> Option<String> {
        let owner = Owner::from_tags(tags)?;
        Some(group_path(
            &owner.estate,
            owner.region.as_deref().unwrap_or(region),
            owner.module.as_deref()?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags;

    #[test]
    fn a_group_path_names_its_owner_and_nothing_else_does() {
        let g = Group {
            name: "ECRUsers".into(),
            path: group_path("koa", "eu-west-1", "ecr-koa"),
        };
        assert_eq!(g.path, "/ecrplan/koa/eu-west-1/ecr-koa/");
        let owner = g.owner().expect("owned");
        assert_eq!(owner.estate, "koa");
        assert_eq!(owner.region.as_deref(), Some("eu-west-1"));
        assert_eq!(owner.module.as_deref(), Some("ecr-koa"));
        for path in [
            "/",
            "/ecrplan/",
            "/ecrplan/koa/",
            "/teams/koa/eu-west-1/m/",
            "/ecrplan/a/b/c/d/",
        ] {
            let g = Group {
                name: "g".into(),
                path: path.into(),
            };
            assert!(g.owner().is_none(), "{path}");
        }
    }

    #[test]
    fn adopting_a_group_moves_it_to_its_owners_path() {
        let t = tags::ownership("koa", Some("ecr-koa"));
        assert_eq!(
            Group::path_for(&t, "eu-west-2").as_deref(),
            Some("/ecrplan/koa/eu-west-2/ecr-koa/")
        );
        assert!(Group::path_for(&Tags::new(), "eu-west-2").is_none());
    }

    #[test]
    fn key_ids_are_shortened() {
        let k = AccessKey {
            id: "AKIAIOSFODNN7EXAMPLE".into(),
            status: "Active".into(),
            created: 0,
            age_days: 0,
        };
        assert_eq!(k.short_id(), "…MPLE");
    }
}
