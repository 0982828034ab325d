use serde::{Deserialize, Serialize};

use crate::document::named_repositories;
use crate::{
    AccountSetting, CreationTemplate, Group, GroupMembership, GroupPolicy, GroupPolicyAttachment,
    JsonDocument, Kind, ObjectId, Owner, PullThroughCacheRule, PullTimeUpdateExclusion, Registry,
    RegistryOwner, RegistryPolicy, ScanningConfiguration, Scope, ScopeLevel, SigningConfiguration,
    TagMutability, Tags, User, UserPolicy, UserPolicyAttachment, tags,
};

/// The one list of which resources carry tags, borrowed as `$borrow` (`&` or `&mut`): Rust
/// cannot be generic over the two, and [`Resource::tags`] and [`Resource::tags_mut`] must not
/// disagree.
macro_rules! tags_field {
    ($resource:expr, $($borrow:tt)+) => {
        match $resource {
            Resource::Repository(r) => Some($($borrow)+ r.tags),
            Resource::OidcProvider(p) => Some($($borrow)+ p.tags),
            Resource::Role(r) => Some($($borrow)+ r.tags),
            Resource::User(u) => Some($($borrow)+ u.tags),
            Resource::RepositoryPolicy(_)
            | Resource::LifecyclePolicy(_)
            | Resource::RolePolicy(_)
            | Resource::RolePolicyAttachment(_)
            | Resource::Replication(_)
            | Resource::Group(_)
            | Resource::GroupMembership(_)
            | Resource::GroupPolicy(_)
            | Resource::UserPolicy(_)
            | Resource::UserPolicyAttachment(_)
            | Resource::GroupPolicyAttachment(_)
            | Resource::RegistryOwner(_)
            | Resource::RegistryPolicy(_)
            | Resource::AccountSetting(_)
            | Resource::ScanningConfiguration(_)
            | Resource::PullThroughCacheRule(_)
            | Resource::CreationTemplate(_)
            | Resource::SigningConfiguration(_)
            | Resource::PullTimeUpdateExclusion(_) => None,
        }
    };
}

/// One AWS object with the attributes ecrplan manages: the same shape for desired and live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resource {
    /// An ECR repository.
    Repository(Repository),
    /// A repository's resource policy.
    RepositoryPolicy(RepositoryPolicy),
    /// A repository's lifecycle policy.
    LifecyclePolicy(LifecyclePolicy),
    /// An IAM OIDC provider.
    OidcProvider(OidcProvider),
    /// An IAM role.
    Role(Role),
    /// An inline role policy.
    RolePolicy(RolePolicy),
    /// A managed policy attached to a role.
    RolePolicyAttachment(RolePolicyAttachment),
    /// The registry's replication configuration.
    Replication(Replication),
    /// An IAM user holding a static key (ecrplan never makes the key).
    User(User),
    /// An IAM group.
    Group(Group),
    /// A user's membership of a group.
    GroupMembership(GroupMembership),
    /// An inline group policy.
    GroupPolicy(GroupPolicy),
    /// An inline user policy.
    UserPolicy(UserPolicy),
    /// A managed policy attached to a user.
    UserPolicyAttachment(UserPolicyAttachment),
    /// A managed policy attached to a group.
    GroupPolicyAttachment(GroupPolicyAttachment),
    /// Which estate manages the registry's settings.
    RegistryOwner(RegistryOwner),
    /// The registry policy.
    RegistryPolicy(RegistryPolicy),
    /// One account setting.
    AccountSetting(AccountSetting),
    /// The registry's scanning configuration.
    ScanningConfiguration(ScanningConfiguration),
    /// A pull-through cache rule.
    PullThroughCacheRule(PullThroughCacheRule),
    /// A repository creation template, boxed: it is the largest object by far, and every
    /// change and live object would otherwise carry its size.
    CreationTemplate(Box<CreationTemplate>),
    /// The registry's signing configuration.
    SigningConfiguration(SigningConfiguration),
    /// A principal exempt from pull-time updates.
    PullTimeUpdateExclusion(PullTimeUpdateExclusion),
}

impl Resource {
    /// The kind of object.
    pub fn kind(&self) -> Kind {
        match self {
            Resource::Repository(_) => Kind::Repository,
            Resource::RepositoryPolicy(_) => Kind::RepositoryPolicy,
            Resource::LifecyclePolicy(_) => Kind::LifecyclePolicy,
            Resource::OidcProvider(_) => Kind::OidcProvider,
            Resource::Role(_) => Kind::Role,
            Resource::RolePolicy(_) => Kind::RolePolicy,
            Resource::RolePolicyAttachment(_) => Kind::RolePolicyAttachment,
            Resource::Replication(_) => Kind::Replication,
            Resource::User(_) => Kind::User,
            Resource::Group(_) => Kind::Group,
            Resource::GroupMembership(_) => Kind::GroupMembership,
            Resource::GroupPolicy(_) => Kind::GroupPolicy,
            Resource::UserPolicy(_) => Kind::UserPolicy,
            Resource::UserPolicyAttachment(_) => Kind::UserPolicyAttachment,
            Resource::GroupPolicyAttachment(_) => Kind::GroupPolicyAttachment,
            Resource::RegistryOwner(_) => Kind::RegistryOwner,
            Resource::RegistryPolicy(_) => Kind::RegistryPolicy,
            Resource::AccountSetting(_) => Kind::AccountSetting,
            Resource::ScanningConfiguration(_) => Kind::ScanningConfiguration,
            Resource::PullThroughCacheRule(_) => Kind::PullThroughCacheRule,
            Resource::CreationTemplate(_) => Kind::CreationTemplate,
            Resource::SigningConfiguration(_) => Kind::SigningConfiguration,
            Resource::PullTimeUpdateExclusion(_) => Kind::PullTimeUpdateExclusion,
        }
    }

    /// The object's name within its scope: repository, role, user or group name, provider URL,
    /// `role:policy`, `role:policy_arn`, `group:policy`, `group:user`, a registry setting's
    /// name, prefix or principal, or `registry` for the registry's singletons.
    pub fn key(&self) -> String {
        match self {
            Resource::Repository(r) => r.name.clone(),
            Resource::RepositoryPolicy(p) => p.repository.clone(),
            Resource::LifecyclePolicy(p) => p.repository.clone(),
            Resource::OidcProvider(p) => p.url.clone(),
            Resource::Role(r) => r.name.clone(),
            Resource::RolePolicy(p) => format!("{}:{}", p.role, p.name),
            Resource::RolePolicyAttachment(a) => format!("{}:{}", a.role, a.policy_arn),
            Resource::Replication(_) => "registry".to_owned(),
            Resource::User(u) => u.name.clone(),
            Resource::Group(g) => g.name.clone(),
            Resource::GroupMembership(m) => format!("{}:{}", m.group, m.user),
            Resource::GroupPolicy(p) => format!("{}:{}", p.group, p.name),
            Resource::UserPolicy(p) => format!("{}:{}", p.user, p.name),
            Resource::UserPolicyAttachment(a) => format!("{}:{}", a.user, a.policy_arn),
            Resource::GroupPolicyAttachment(a) => format!("{}:{}", a.group, a.policy_arn),
            Resource::AccountSetting(a) => a.name.clone(),
            Resource::PullThroughCacheRule(r) => r.prefix.clone(),
            Resource::CreationTemplate(t) => t.prefix.clone(),
            Resource::PullTimeUpdateExclusion(e) => e.principal_arn.clone(),
            Resource::RegistryOwner(_)
            | Resource::RegistryPolicy(_)
            | Resource::ScanningConfiguration(_)
            | Resource::SigningConfiguration(_) => "registry".to_owned(),
        }
    }

    /// The AWS identity desired and live objects are matched on, for the object as read or
    /// declared in `registry` (IAM objects take the registry's account).
    pub fn id(&self, registry: &Registry) -> ObjectId {
        self.id_in(Scope::at(self.kind().spec().scope, registry))
    }

    /// The identity in a known scope.
    pub fn id_in(&self, scope: Scope) -> ObjectId {
        ObjectId::new(self.kind(), scope, self.key())
    }

    /// The tags of objects that carry tags; policies and replication carry none.
    pub fn tags(&self) -> Option<&Tags> {
        tags_field!(self, &)
    }

    /// Who owns the object by its own marks: its ownership tags, for groups (which IAM cannot
    /// tag) its path, for the registry's owner record the estate it names. Policies,
    /// memberships and registry settings have no owner of their own.
    pub fn owner(&self) -> Option<Owner> {
        if let Resource::Group(g) = self {
            return g.owner();
        }
        if let Resource::RegistryOwner(r) = self {
            return Some(Owner {
                estate: r.estate.clone(),
                module: None,
                region: None,
            });
        }
        self.tags().and_then(Owner::from_tags)
    }

    /// Mutable access to the tags, for adoption and for tests.
    pub fn tags_mut(&mut self) -> Option<&mut Tags> {
        tags_field!(self, &mut)
    }

    /// The name of the object that owns this one (of the kind's parent kind), for policies,
    /// attachments and memberships.
    pub fn parent_key(&self) -> Option<&str> {
        match self {
            Resource::RepositoryPolicy(p) => Some(&p.repository),
            Resource::LifecyclePolicy(p) => Some(&p.repository),
            Resource::RolePolicy(p) => Some(&p.role),
            Resource::RolePolicyAttachment(a) => Some(&a.role),
            Resource::GroupPolicy(p) => Some(&p.group),
            Resource::GroupPolicyAttachment(a) => Some(&a.group),
            Resource::UserPolicy(p) => Some(&p.user),
            Resource::UserPolicyAttachment(a) => Some(&a.user),
            Resource::GroupMembership(m) => Some(&m.user),
            Resource::Repository(_)
            | Resource::OidcProvider(_)
            | Resource::Role(_)
            | Resource::Replication(_)
            | Resource::User(_)
            | Resource::Group(_)
            | Resource::RegistryOwner(_) => None,
            Resource::RegistryPolicy(_)
            | Resource::AccountSetting(_)
            | Resource::ScanningConfiguration(_)
            | Resource::PullThroughCacheRule(_)
            | Resource::CreationTemplate(_)
            | Resource::SigningConfiguration(_)
            | Resource::PullTimeUpdateExclusion(_) => Some("registry"),
        }
    }

    /// The id of the object that owns a policy: policies cannot carry tags, so their
    /// ownership is their parent's. A parent lives in its child's scope.
    pub fn parent(&self, registry: &Registry) -> Option<ObjectId> {
        self.parent_in(&Scope::at(self.kind().spec().scope, registry))
    }

    /// The parent's id, given the child's scope.
    pub fn parent_in(&self, scope: &Scope) -> Option<ObjectId> {
        let kind = self.kind().spec().parent?;
        let key = self.parent_key()?;
        Some(ObjectId::new(kind, scope.clone(), key))
    }

    /// The objects this one, which lives in `scope`, needs to exist first (a plan orders its
    /// changes by them). A parent lives in its
    /// child's scope, an OIDC provider in its role's account, a repository a policy names where
    /// its ARN says.
    pub fn dependencies(&self, scope: &Scope) -> Vec<ObjectId> {
        let id = |kind: Kind, key: &str| {
            let scope = match kind.spec().scope {
                ScopeLevel::Account => Scope::Account(scope.account().to_owned()),
                ScopeLevel::Registry => scope.clone(),
            };
            ObjectId::new(kind, scope, key)
        };
        let repository = |(registry, name): (Registry, String)| {
            ObjectId::new(Kind::Repository, Scope::Registry(registry), name)
        };
        match self {
            Resource::RepositoryPolicy(p) => vec![id(Kind::Repository, &p.repository)],
            Resource::LifecyclePolicy(p) => vec![id(Kind::Repository, &p.repository)],
            Resource::Role(r) => r
                .trust
                .federated_providers()
                .into_iter()
                .map(|url| id(Kind::OidcProvider, &url))
                .collect(),
            Resource::RolePolicy(p) => {
                let mut out = vec![id(Kind::Role, &p.role)];
                out.extend(named_repositories(&p.document).into_iter().map(repository));
                out
            }
            Resource::RolePolicyAttachment(a) => vec![id(Kind::Role, &a.role)],
            Resource::UserPolicy(p) => vec![id(Kind::User, &p.user)],
            Resource::UserPolicyAttachment(a) => vec![id(Kind::User, &a.user)],
            Resource::GroupPolicyAttachment(a) => vec![id(Kind::Group, &a.group)],
            // A membership needs both ends; a group policy its group. Deletes run in reverse, so
            // the membership goes before its group and user, the policy before its group.
            Resource::GroupMembership(m) => {
                vec![id(Kind::Group, &m.group), id(Kind::User, &m.user)]
            }
            Resource::GroupPolicy(p) => {
                let mut out = vec![id(Kind::Group, &p.group)];
                out.extend(named_repositories(&p.document).into_iter().map(repository));
                out
            }
            // A registry setting is changed only once its estate holds the registry (the owner
            // record's create-if-absent write), and a policy after the scope that allows it.
            Resource::RegistryPolicy(_) => vec![
                id(Kind::RegistryOwner, "registry"),
                id(Kind::AccountSetting, "REGISTRY_POLICY_SCOPE"),
            ],
            Resource::AccountSetting(_)
            | Resource::ScanningConfiguration(_)
            | Resource::PullThroughCacheRule(_)
            | Resource::CreationTemplate(_)
            | Resource::SigningConfiguration(_)
            | Resource::PullTimeUpdateExclusion(_) => vec![id(Kind::RegistryOwner, "registry")],
            Resource::Repository(_)
            | Resource::OidcProvider(_)
            | Resource::Replication(_)
            | Resource::User(_)
            | Resource::Group(_)
            | Resource::RegistryOwner(_) => Vec::new(),
        }
    }

    /// How a run tells whether this object is its region's (IAM is one namespace for every
    /// region, so a run must never delete what another region's run of the estate made).
    pub fn region_home(&self) -> RegionHome<'_> {
        match self {
            Resource::Role(r) => RegionHome::Role(&r.name),
            Resource::RolePolicy(p) => RegionHome::Role(&p.role),
            // Static-key users and their groups always record their region (tag or path).
            Resource::User(_)
            | Resource::Group(_)
            | Resource::GroupMembership(_)
            | Resource::GroupPolicy(_)
            | Resource::UserPolicy(_)
            | Resource::UserPolicyAttachment(_)
            | Resource::GroupPolicyAttachment(_) => RegionHome::Recorded,
            // ECR objects live in the registry that was read; OIDC providers are shared by the
            // account's regions; an attachment goes with its role's delete.
            Resource::Repository(_)
            | Resource::RepositoryPolicy(_)
            | Resource::LifecyclePolicy(_)
            | Resource::Replication(_)
            | Resource::OidcProvider(_)
            | Resource::RolePolicyAttachment(_)
            | Resource::RegistryOwner(_)
            | Resource::RegistryPolicy(_)
            | Resource::AccountSetting(_)
            | Resource::ScanningConfiguration(_)
            | Resource::PullThroughCacheRule(_)
            | Resource::CreationTemplate(_)
            | Resource::SigningConfiguration(_)
            | Resource::PullTimeUpdateExclusion(_) => RegionHome::Here,
        }
    }

    /// The value with documents in canonical form and ignored attributes cleared: two resources
    /// are the same in AWS exactly when their canonical forms are equal.
    pub fn canonical(&self) -> Resource {
        let mut r = self.clone();
        match &mut r {
            Resource::RepositoryPolicy(p) => p.document = p.document.canonical_policy(),
            Resource::LifecyclePolicy(p) => p.document = p.document.canonical_lifecycle(),
            Resource::Role(role) => role.trust = role.trust.canonical_policy(),
            Resource::RolePolicy(p) => p.document = p.document.canonical_policy(),
            Resource::OidcProvider(p) => {
                p.client_ids.sort();
                p.client_ids.dedup();
                // Thumbprints are ignored: AWS validates GitHub's and CircleCI's certificates
                // against its own trust store and rewrites the list as it sees fit.
                p.thumbprints.clear();
            }
            Resource::Replication(rep) => {
                for rule in &mut rep.rules {
                    rule.destinations.sort();
                    rule.repository_prefixes.sort();
                }
            }
            Resource::GroupPolicy(p) => p.document = p.document.canonical_policy(),
            Resource::UserPolicy(p) => p.document = p.document.canonical_policy(),
            Resource::Repository(repo) => {
                // ECR keeps the filters as a set: their order is not a difference.
                repo.image_tag_mutability_exclusion_filters.sort();
                repo.image_tag_mutability_exclusion_filters.dedup();
            }
            Resource::RegistryPolicy(p) => p.document = p.document.canonical_policy(),
            Resource::ScanningConfiguration(c) => {
                for rule in &mut c.rules {
                    rule.filters.sort();
                    rule.filters.dedup();
                }
                c.rules.sort();
            }
            Resource::SigningConfiguration(c) => {
                for rule in &mut c.rules {
                    rule.filters.sort();
                    rule.filters.dedup();
                }
            }
            Resource::PullThroughCacheRule(r) => {
                // ECR reports an upstream without a prefix as `ROOT`.
                if r.upstream_repository_prefix.as_deref() == Some("ROOT") {
                    r.upstream_repository_prefix = None;
                }
            }
            Resource::CreationTemplate(t) => {
                t.applied_for.sort();
                t.applied_for.dedup();
                t.image_tag_mutability_exclusion_filters.sort();
                t.image_tag_mutability_exclusion_filters.dedup();
                if let Some(p) = &mut t.repository_policy {
                    *p = p.canonical_policy();
                }
                if let Some(p) = &mut t.lifecycle_policy {
                    *p = p.canonical_lifecycle();
                }
            }
            Resource::RolePolicyAttachment(_)
            | Resource::User(_)
            | Resource::Group(_)
            | Resource::GroupMembership(_)
            | Resource::UserPolicyAttachment(_)
            | Resource::GroupPolicyAttachment(_)
            | Resource::RegistryOwner(_)
            | Resource::AccountSetting(_)
            | Resource::PullTimeUpdateExclusion(_) => {}
        }
        // `aws:` tags are the system's (CloudFormation, Service Catalog): nobody can set or
        // remove them, so they never count as a difference.
        if let Some(t) = r.tags_mut() {
            t.retain(|k, _| !tags::is_system(k));
        }
        r
    }
}

/// How a run tells whether an object is its region's: see [`Resource::region_home`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionHome<'a> {
    /// Always this run's.
    Here,
    /// Recorded on the object (its region tag or group path).
    Recorded,
    /// A role, or a role's policy: recorded on roles made since regions were, otherwise read
    /// from the repository ARNs its policy names.
    Role(&'a str),
}

/// How images at rest are encrypted. Fixed at creation: changing it replaces the repository.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Encryption {
    /// AWS-owned keys (the default).
    #[default]
    #[serde(rename = "AES256")]
    Aes256,
    /// A customer-managed KMS key.
    #[serde(rename = "KMS")]
    Kms {
        /// The key ARN.
        kms_key: String,
    },
}

/// An ECR repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    /// The repository name, possibly with `/` namespaces.
    pub name: String,
    /// Tag mutability.
    pub image_tag_mutability: TagMutability,
    /// Wildcard tag filters that are the exception to `image_tag_mutability` (only with the
    /// `*_WITH_EXCLUSION` kinds). Defaulted so that saved plans and sandbox files written
    /// before the field existed still read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_tag_mutability_exclusion_filters: Vec<String>,
    /// Basic scanning on push.
    pub scan_on_push: bool,
    /// Encryption at rest.
    pub encryption: Encryption,
    /// All tags, ownership tags included.
    pub tags: Tags,
}

/// A repository's resource policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryPolicy {
    /// The repository it belongs to.
    pub repository: String,
    /// The IAM policy document.
    pub document: JsonDocument,
}

/// A repository's lifecycle policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecyclePolicy {
    /// The repository it belongs to.
    pub repository: String,
    /// The lifecycle policy document (`{"rules": [...]}`).
    pub document: JsonDocument,
}

/// An IAM OpenID Connect provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProvider {
    /// The issuer URL without `https://`, e.g. `token.actions.githubusercontent.com`.
    pub url: String,
    /// The audiences (`aud`) tokens may carry.
    pub client_ids: Vec<String>,
    /// Server certificate thumbprints; set on create, never compared.
    pub thumbprints: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// An IAM role assumed through web identity or by another AWS principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// The role name.
    pub name: String,
    /// The IAM path; `/ecrplan/` for roles ecrplan creates, so one listing finds them all.
    pub path: String,
    /// The trust (assume-role) policy.
    pub trust: JsonDocument,
    /// Tags.
    pub tags: Tags,
}

/// An inline policy of a role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicy {
    /// The role it belongs to.
    pub role: String,
    /// The policy name.
    pub name: String,
    /// The IAM policy document.
    pub document: JsonDocument,
}

/// A managed policy (AWS's or the account's) attached to a role. Attachments carry no
/// attributes beyond their identity: one either exists or not, so there is nothing to update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicyAttachment {
    /// The role it is attached to.
    pub role: String,
    /// The managed policy's ARN, e.g. `arn:aws:iam::aws:policy/AdministratorAccess`.
    pub policy_arn: String,
}

/// The registry's replication configuration (one per account and region).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replication {
    /// The rules; empty clears replication.
    pub rules: Vec<ReplicationRule>,
}

/// One replication rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationRule {
    /// Where images go.
    pub destinations: Vec<ReplicationDestination>,
    /// Repository name prefixes (PREFIX_MATCH filters); empty replicates everything.
    pub repository_prefixes: Vec<String>,
}

/// One replication destination.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReplicationDestination {
    /// Destination region.
    pub region: String,
    /// Destination account (registry id).
    pub registry_id: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn push_policy_names_role_and_repositories() {
        let p = Resource::RolePolicy(RolePolicy {
            role: "ci".into(),
            name: "ecr-push".into(),
            document: JsonDocument::new(json!({"Statement": [
                {"Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {"Action": ["ecr:PutImage"], "Resource": [
                    "arn:aws:ecr:eu-west-1:111111111111:repository/team/app",
                    "arn:aws:ecr:eu-west-1:111111111111:repository/wild*"]}
            ]})),
        });
        let registry = Registry::new("222222222222", "us-east-1");
        let scope = Scope::Account("222222222222".into());
        let keys: Vec<ObjectId> = p.dependencies(&scope);
        assert_eq!(
            keys,
            vec![
                ObjectId::new(Kind::Role, scope, "ci"),
                ObjectId::new(
                    Kind::Repository,
                    Scope::Registry(Registry::new("111111111111", "eu-west-1")),
                    "team/app"
                )
            ]
        );
        assert_ne!(keys[1].scope, Scope::Registry(registry));
    }

    #[test]
    fn system_tags_never_differ() {
        let repo = |extra: Option<(&str, &str)>| {
            let mut t = tags::ownership("e", Some("m"));
            if let Some((k, v)) = extra {
                t.insert(k.into(), v.into());
            }
            Resource::Repository(Repository {
                name: "r".into(),
                image_tag_mutability: TagMutability::Mutable,
                image_tag_mutability_exclusion_filters: Vec::new(),
                scan_on_push: false,
                encryption: Encryption::Aes256,
                tags: t,
            })
        };
        let stack = Some(("aws:cloudformation:stack-name", "legacy"));
        assert_eq!(repo(stack).canonical(), repo(None).canonical());
        assert_ne!(
            repo(Some(("team", "a"))).canonical(),
            repo(None).canonical()
        );
    }
}
