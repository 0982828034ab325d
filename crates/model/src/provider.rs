use std::collections::BTreeSet;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{
    ACCOUNT_SETTINGS, Account, DesiredEstate, LiveEstate, ObjectId, Owner, ROLE_PATH, Reach,
    Registry, RegistryOwner, Resource, Role, Scope, ScopeLevel, Section, Tags, User, is_ci_issuer,
    role_path,
};

/// What a refresh must read: the estate's own objects (found by its tags and role path) and the
/// declared ones, which may live anywhere. Everything else in the account is left out unless
/// `account_wide` asks for it, so that a refresh costs what the estate is, not the account.
///
/// Built from the desired estate ([`RefreshScope::for_estate`]), never by hand; what a refresh
/// may return is [`RefreshScope::admits`], which every provider honours and the behaviour
/// suite checks the AWS provider against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshScope {
    /// The estate being planned: its owned objects and their policies are read.
    pub estate: String,
    /// Declared repository names.
    pub repositories: BTreeSet<String>,
    /// Declared role names.
    pub roles: BTreeSet<String>,
    /// Declared IAM user names (static-key CI users).
    #[serde(default)]
    pub users: BTreeSet<String>,
    /// Declared IAM group names.
    #[serde(default)]
    pub groups: BTreeSet<String>,
    /// Declared OIDC issuers (without scheme) beyond the built-in CI ones, e.g. a self-managed
    /// GitLab: their providers are read too.
    #[serde(default)]
    pub oidc_providers: BTreeSet<String>,
    /// Read the whole account, not just the estate: the account-wide drift audit needs every
    /// repository and role to report what no estate owns. Plans never set it, so that their cost
    /// follows the estate, not the account.
    #[serde(default)]
    pub account_wide: bool,
    /// Read the registry's owner record by name: an estate that declares `registry` must know
    /// who owns the registry. Any other estate learns whether the record is its own (and so
    /// whether it has settings to clear, having stopped declaring `registry`) from the search
    /// for its tagged objects that it makes anyway, the record being tagged with its owner: a
    /// team estate makes no call for the registry at all.
    #[serde(default)]
    pub registry_owner: bool,
    /// The registry sections the configuration declares; the sections the owner record says
    /// this estate manages are read too.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub registry_sections: BTreeSet<Section>,
    /// Declared account settings, by API name.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub account_settings: BTreeSet<String>,
    /// Leave the account's IAM objects out: set on every registry of an account but one when
    /// a run reaches two regions of it, since IAM has one namespace per account and reading it
    /// through each region would cost its calls twice for the same answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_iam: bool,
}

impl RefreshScope {
    /// What a refresh of a run that reaches one registry must read for `desired`: its declared
    /// names and its own estate.
    pub fn for_estate(desired: &DesiredEstate) -> RefreshScope {
        Self::select(desired, |_| true, |_| true)
    }

    /// What the refresh of `registry` must read for `desired` in a run reaching `reach`: the
    /// repositories of the modules whose provider reaches it, the IAM names of the modules of
    /// its account (read through the first registry of that account [`Reach::registries`]
    /// lists, and skipped in the others), and its `registry` block's sections.
    pub fn for_registry(
        desired: &DesiredEstate,
        reach: &Reach,
        registry: &Registry,
    ) -> RefreshScope {
        let here = |alias: Option<&str>| reach.account(alias).registry() == *registry;
        let account = |alias: Option<&str>| reach.account(alias).id == registry.account;
        let mut scope = Self::select(desired, here, account);
        scope.skip_iam = reach
            .registries()
            .iter()
            .find(|r| r.account == registry.account)
            .is_some_and(|first| first != registry);
        scope
    }

    /// The scope of the modules and blocks whose provider passes `here` (ECR names, registry
    /// sections) or `account` (IAM names).
    fn select(
        desired: &DesiredEstate,
        here: impl Fn(Option<&str>) -> bool,
        account: impl Fn(Option<&str>) -> bool,
    ) -> RefreshScope {
        let registry = desired
            .registries
            .iter()
            .find(|r| here(r.provider.as_deref()));
        let mut scope = RefreshScope {
            estate: desired.name.clone(),
            registry_owner: registry.is_some(),
            ..Default::default()
        };
        if let Some(registry) = registry {
            scope.registry_sections = registry.value.sections();
            scope
                .account_settings
                .extend(registry.value.account_settings.keys().cloned());
        }
        for module in &desired.modules {
            let provider = module.provider.as_deref();
            if here(provider) {
                scope
                    .repositories
                    .extend(module.repositories.iter().cloned());
            }
            if account(provider) {
                scope.roles.extend(module.role_names());
                scope.oidc_providers.extend(module.declared_issuers());
                scope.users.extend(module.user_names());
                scope.groups.extend(module.group_names());
            }
        }
        scope
    }

    /// The same scope widened to the whole account, for the account-wide audit.
    pub fn account_wide(mut self) -> RefreshScope {
        self.account_wide = true;
        self
    }

    /// Whether a refresh returns `resource`, given its parent as the account holds it (for
    /// policies, attachments and memberships). The one rule of what a refresh sees: OIDC
    /// providers of CI issuers; the estate's own and declared repositories, roles, users and
    /// groups (account-wide: every repository, every role under `/ecrplan/`, declared or
    /// trusting a CI issuer); the children of those, declared or owned.
    pub fn admits(&self, resource: &Resource, parent: Option<&Resource>) -> bool {
        if self.skip_iam && resource.kind().spec().scope == ScopeLevel::Account {
            return false;
        }
        let owned = |o: &Resource| {
            o.tags()
                .and_then(Owner::from_tags)
                .is_some_and(|w| w.estate == self.estate)
        };
        // A child is read when its parent is seen at all, and declared or owned.
        let wanted = |names: &BTreeSet<String>| {
            parent.is_some_and(|p| self.admits(p, None) && (names.contains(&p.key()) || owned(p)))
        };
        match resource {
            Resource::Role(r) if self.account_wide => {
                r.path.starts_with(ROLE_PATH)
                    || self.roles.contains(&r.name)
                    || r.trust
                        .federated_providers()
                        .iter()
                        .any(|url| is_ci_issuer(url))
            }
            Resource::Role(r) => {
                self.roles.contains(&r.name) || (r.path.starts_with(ROLE_PATH) && owned(resource))
            }
            Resource::Repository(r) => {
                self.account_wide || self.repositories.contains(&r.name) || owned(resource)
            }
            Resource::OidcProvider(o) => {
                is_ci_issuer(&o.url) || self.oidc_providers.contains(&o.url)
            }
            Resource::User(u) => {
                self.users.contains(&u.name) || (u.path.starts_with(ROLE_PATH) && owned(resource))
            }
            Resource::Group(g) => {
                g.path.starts_with(&role_path(&self.estate)) || self.groups.contains(&g.name)
            }
            // The registry's replication configuration is always read: it is reported when no
            // configuration manages it.
            Resource::Replication(_) => true,
            // Every policy of a group that is seen, as IAM lists them with the group.
            Resource::GroupPolicy(_) | Resource::GroupPolicyAttachment(_) => {
                parent.is_some_and(|p| self.admits(p, None))
            }
            Resource::GroupMembership(_)
            | Resource::UserPolicy(_)
            | Resource::UserPolicyAttachment(_) => wanted(&self.users),
            Resource::RepositoryPolicy(_) | Resource::LifecyclePolicy(_) => {
                wanted(&self.repositories)
            }
            Resource::RolePolicy(_) | Resource::RolePolicyAttachment(_) => wanted(&self.roles),
            Resource::RegistryOwner(r) => {
                self.registry_owner || self.account_wide || r.estate == self.estate
            }
            Resource::AccountSetting(a) => self
                .account_settings(owner_record(parent))
                .contains(&a.name),
            Resource::RegistryPolicy(_)
            | Resource::ScanningConfiguration(_)
            | Resource::PullThroughCacheRule(_)
            | Resource::CreationTemplate(_)
            | Resource::SigningConfiguration(_)
            | Resource::PullTimeUpdateExclusion(_) => Section::of(resource.kind())
                .is_some_and(|s| self.registry_sections(owner_record(parent)).contains(&s)),
        }
    }

    /// The registry sections a refresh reads, given the owner record the account holds: the
    /// declared ones and those the record says this estate manages (every one account-wide).
    pub fn registry_sections(&self, owner: Option<&RegistryOwner>) -> BTreeSet<Section> {
        if self.account_wide {
            return Section::ALL.into();
        }
        let mut sections = self.registry_sections.clone();
        if let Some(owner) = owner
            && owner.estate == self.estate
        {
            sections.extend(owner.sections.iter().copied());
        }
        sections
    }

    /// The account settings a refresh reads (API names), given the owner record: the declared
    /// ones, the policy scope when the registry policy is read (what the policy may grant
    /// depends on it), and all of them when the account settings are managed or account-wide.
    pub fn account_settings(&self, owner: Option<&RegistryOwner>) -> BTreeSet<String> {
        let sections = self.registry_sections(owner);
        let all = || ACCOUNT_SETTINGS.iter().map(|(_, api, _)| (*api).to_owned());
        if self.account_wide
            || (sections.contains(&Section::AccountSettings)
                && !self.registry_sections.contains(&Section::AccountSettings))
        {
            return all().collect();
        }
        let mut names = self.account_settings.clone();
        if sections.contains(&Section::Policy) {
            names.insert(REGISTRY_POLICY_SCOPE.to_owned());
        }
        names
    }

    /// Whether a refresh lists the access keys of `user`: only for users the estate declares
    /// or owns.
    pub fn lists_keys(&self, user: &User) -> bool {
        self.users.contains(&user.name)
            || Owner::from_tags(&user.tags).is_some_and(|w| w.estate == self.estate)
    }
}

/// The owner record among a registry setting's parents, as [`RefreshScope::admits`] is given it.
fn owner_record(parent: Option<&Resource>) -> Option<&RegistryOwner> {
    if let Some(Resource::RegistryOwner(r)) = parent {
        Some(r)
    } else {
        None
    }
}

/// The account setting whose value decides what a registry policy may grant.
pub const REGISTRY_POLICY_SCOPE: &str = "REGISTRY_POLICY_SCOPE";

/// One change to one object: the unit a provider applies. A replace is a delete followed by a
/// create, sequenced by the executor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Create the object.
    Create {
        /// What to create.
        resource: Resource,
    },
    /// Change the object in place.
    Update {
        /// What it looks like now.
        before: Resource,
        /// What it should look like.
        after: Resource,
    },
    /// Delete the object.
    Delete {
        /// What is deleted.
        resource: Resource,
        /// For repositories: delete even when images remain.
        force: bool,
    },
    /// Add ownership tags to an existing object and change nothing else (adoption).
    Tag {
        /// The object.
        id: ObjectId,
        /// The tags to add.
        tags: Tags,
    },
}

/// Why a provider call failed, in words an operator can act on.
#[derive(Debug, Error)]
pub enum ProviderError {
    /// The credentials resolve to another account than the configuration's guard.
    #[error(
        "the AWS credentials loaded belong to account {actual}, but the configuration is for \
         account {expected}"
    )]
    WrongAccount {
        /// The `account_id` of the provider block.
        expected: String,
        /// What STS said.
        actual: String,
    },
    /// Deletion refused because the repository still holds images.
    #[error("repository {0} still holds images; set force_delete = true to delete it anyway")]
    RepositoryNotEmpty(String),
    /// The object does not exist.
    #[error("{0} does not exist")]
    NotFound(ObjectId),
    /// The object exists already.
    #[error("{0} already exists")]
    AlreadyExists(ObjectId),
    /// The API refused the call.
    #[error("{operation} failed: {code}: {message}")]
    Api {
        /// The API operation, e.g. `CreateRepository`.
        operation: String,
        /// The error code AWS returned.
        code: String,
        /// The message AWS returned.
        message: String,
    },
    /// Credentials, network or file trouble before any API answer.
    #[error("{0}")]
    Transport(String),
    /// The endpoint could not be reached at all — the name did not resolve, the connection was
    /// refused or timed out — so no AWS answer came: a network, region or endpoint problem
    /// rather than one of the estate.
    #[error("{0}")]
    Unreachable(String),
}

impl ProviderError {
    /// Whether the call failed without an answer from AWS, so trying it again later may
    /// succeed: [`ProviderError::Transport`] and [`ProviderError::Unreachable`].
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            ProviderError::Transport(_) | ProviderError::Unreachable(_)
        )
    }

    /// Whether AWS refused the call only to slow the caller down (its documented throttling
    /// codes; not `LimitExceeded`, which IAM uses for quotas on objects): the call did nothing,
    /// so making it again later is safe.
    pub fn is_throttling(&self) -> bool {
        matches!(
            self,
            ProviderError::Api { code, .. } if matches!(
                code.as_str(),
                "Throttling"
                    | "ThrottlingException"
                    | "ThrottledException"
                    | "RequestThrottledException"
                    | "TooManyRequestsException"
                    | "RequestLimitExceeded"
                    | "RequestThrottled"
                    | "SlowDown"
            )
        )
    }
}

/// AWS calls in flight at once, by default (`--parallelism`). Reads are bound by latency: at a
/// 100 ms round trip, 16 in flight cap a refresh at 160 calls a second, 32 at 320, which an
/// estate of thousands of repositories needs from a laptop far from its region. Quotas are no
/// reason to send fewer: each operation is paced at the rate AWS answers it once it throttles
/// (`ecrplan-aws`'s limiter), so one operation's quota never slows another's calls.
pub const DEFAULT_PARALLELISM: usize = 32;

/// An account ecrplan can read and change: AWS, or the sandbox file.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The account and region this provider talks to, after any account guard.
    async fn account(&self) -> Result<Account, ProviderError>;

    /// Reads the live objects the scope needs.
    async fn refresh(&self, scope: &RefreshScope) -> Result<LiveEstate, ProviderError>;

    /// Whether a repository holds any image; asked only before deleting or replacing one.
    async fn holds_images(&self, repository: &str) -> Result<bool, ProviderError>;

    /// Every role in the account whose trust policy names the OIDC provider `url` (without
    /// scheme), with its tags. A refresh reads only the estate's roles, so a shared provider's
    /// "no role still trusts it" rule needs this whole-account read, asked only before deleting
    /// a provider.
    async fn roles_trusting(&self, url: &str) -> Result<Vec<Role>, ProviderError>;

    /// One role by name as the account holds it, or `None` when it does not exist: `output`
    /// prints role ARNs, and an adopted role keeps its own path, so it reads the declared roles
    /// one by one (GetRole) instead of refreshing the whole estate.
    async fn role(&self, name: &str) -> Result<Option<Role>, ProviderError>;

    /// Warnings gathered since the last call, each once (e.g. a slower fallback the account's
    /// permissions forced); the caller prints them.
    fn take_warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// Applies one change.
    async fn apply(&self, operation: &Operation) -> Result<(), ProviderError>;
}

/// The providers of one run, one per registry it reaches. A registry is a resolved (account,
/// region), so two ways of reaching one registry are one entry; each change goes to the
/// provider of its scope (IAM changes to the first registry of their account).
#[derive(Clone, Default)]
pub struct Providers {
    by_registry: BTreeMap<Registry, Arc<dyn Provider>>,
}

impl Providers {
    /// The providers of a run that reaches one registry.
    pub fn single(registry: Registry, provider: Arc<dyn Provider>) -> Self {
        let mut providers = Self::default();
        providers.insert(registry, provider);
        providers
    }

    /// Adds the provider of `registry`; a second one for the same registry replaces the first.
    pub fn insert(&mut self, registry: Registry, provider: Arc<dyn Provider>) {
        self.by_registry.insert(registry, provider);
    }

    /// The provider that reads and changes objects of `scope`, if this run reaches it.
    pub fn for_scope(&self, scope: &Scope) -> Option<&Arc<dyn Provider>> {
        match scope {
            Scope::Registry(r) => self.by_registry.get(r),
            Scope::Account(account) => self
                .by_registry
                .iter()
                .find(|(r, _)| r.account == *account)
                .map(|(_, p)| p),
        }
    }

    /// The registries reached, in order.
    pub fn registries(&self) -> impl Iterator<Item = &Registry> {
        self.by_registry.keys()
    }
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_registry.keys()).finish()
    }
}
