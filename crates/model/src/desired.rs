//! What a configuration declares — the estate, its modules and their settings — and the
//! objects it asks for. Modules build their repositories here and hand each CI identity a
//! context to declare its own objects (`identity`), which never reads a module back.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::declared::Declared;
use crate::identity::context::ModuleContext;
use crate::identity::{self, CiUser, CircleciAccess, GithubAccess};
use crate::policy::{self, actions};
use crate::{
    Access, Account, DesiredObject, Encryption, Identities, JsonDocument, Kind, LifecyclePolicy,
    Reach, RegistrySettings, Replication, Repository, RepositoryPolicy, Resource, TagMutability,
    Tags, tags,
};

/// What a configuration directory declares: everything `plan` compares with the account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DesiredEstate {
    /// The estate name from `ecrplan { estate = "…" }` (or given from outside the files),
    /// [`ANONYMOUS_ESTATE`](crate::ANONYMOUS_ESTATE) when none is given.
    pub name: String,
    /// True when nothing named the estate. Every such directory shares the name
    /// [`ANONYMOUS_ESTATE`](crate::ANONYMOUS_ESTATE), so "owned but not declared here" may mean "declared by another
    /// directory": an anonymous estate creates, updates and adopts what it declares and never
    /// deletes anything it does not declare.
    #[serde(default)]
    pub anonymous: bool,
    /// Which account to talk to: the default provider.
    pub provider: ProviderSettings,
    /// The aliased `provider "aws"` blocks, by alias: other regions and accounts, which modules
    /// (`providers = { aws = aws.NAME }`) and registry-level blocks (`provider = aws.NAME`)
    /// choose.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub providers: BTreeMap<String, ProviderSettings>,
    /// The module blocks, in file and position order.
    pub modules: Vec<Module>,
    /// The replication configurations the estate manages, at most one per registry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replications: Vec<OnRegistry<Replication>>,
    /// The registries' own settings (`registry` blocks), at most one per registry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registries: Vec<OnRegistry<RegistrySettings>>,
    /// The modules a run is limited to (`--module`, Terraform's `-target`); empty for all. A
    /// targeted plan reads, changes and deletes only the selected modules' objects, and never
    /// the registry's settings or objects of no module.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub targets: BTreeSet<String>,
    /// The names of `module` blocks that were not read (not an ECR-estate module). Objects
    /// owned by a module of one of these names are never deleted: a skipped block may be a
    /// mistyped module that still means to keep them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub skipped_modules: BTreeSet<String>,
}

/// A registry-level declaration (`replication`, `registry`) and the provider whose registry it
/// is for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OnRegistry<T> {
    /// The alias of `provider = aws.NAME`; `None` for the default provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// What is declared.
    #[serde(flatten)]
    pub value: T,
}

impl<T> OnRegistry<T> {
    /// `value` for the default provider's registry.
    pub fn default_provider(value: T) -> Self {
        Self {
            provider: None,
            value,
        }
    }
}

/// Where the account is: declared in the configuration so that a directory always talks to
/// the same account, whatever the shell's credentials say.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProviderSettings {
    /// No provider block: flags and the standard AWS chain decide.
    #[default]
    Unspecified,
    /// `provider "aws" { … }`.
    Aws {
        /// Region.
        region: Option<String>,
        /// Guard: refuse to run when credentials resolve to another account.
        account_id: Option<String>,
        /// Endpoint override (moto, LocalStack).
        endpoint: Option<String>,
        /// Named profile.
        profile: Option<String>,
        /// Role to assume before any call (`assume_role { role_arn }` or `assume_role_arn`).
        assume_role_arn: Option<String>,
        /// The external id the role's trust policy asks for (`assume_role { external_id }`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_id: Option<String>,
        /// The session name CloudTrail records (`assume_role { session_name }`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_name: Option<String>,
    },
    /// `provider "sandbox" { path = "…" }`: the file-backed account.
    Sandbox {
        /// The account file; relative paths are relative to the configuration directory.
        path: Option<String>,
    },
}

/// One module block, whatever its kind, reduced to what it asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Module {
    /// The block label, `module "NAME"`.
    pub name: String,
    /// The `source` as written: recorded, never fetched.
    pub source: String,
    /// Repository names.
    pub repositories: Vec<String>,
    /// Settings every repository of the module shares.
    pub settings: RepositorySettings,
    /// Accounts given pull (and maybe push) access through the repository policy.
    pub account_access: Vec<AccountAccess>,
    /// GitHub Actions push access.
    pub github: Option<GithubAccess>,
    /// CircleCI push access.
    pub circleci: Option<CircleciAccess>,
    /// ECR actions the CI roles get on the module's repositories.
    pub push_actions: Vec<String>,
    /// How CI variables are named in `ecrplan output`.
    pub ci_outputs: CiOutputs,
    /// The other CI identities: assumed role, static-key user, GitLab.
    #[serde(default, skip_serializing_if = "Identities::is_empty")]
    pub identities: Identities,
    /// The alias of the provider the module's `providers = { aws = aws.NAME }` chooses; `None`
    /// for the default provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// Settings shared by the repositories of a module.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RepositorySettings {
    /// Tag mutability.
    pub image_tag_mutability: TagMutability,
    /// Wildcard filters naming the tags that are the exception to `image_tag_mutability`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_tag_mutability_exclusion_filters: Vec<String>,
    /// Scan on push.
    pub scan_on_push: bool,
    /// Encryption.
    pub encryption: Encryption,
    /// The lifecycle policy, when one is declared.
    pub lifecycle: Option<LifecycleSpec>,
    /// User tags (ownership tags are added on top).
    pub tags: Tags,
    /// Allow deleting a repository that still holds images.
    pub force_delete: bool,
}

/// A lifecycle policy as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleSpec {
    /// A raw lifecycle policy document.
    Document(JsonDocument),
    /// The short form `lifecycle = { keep_last, expire_untagged_after_days }`.
    Generated {
        /// Keep this many most recent images.
        keep_last: Option<u32>,
        /// Expire untagged images after this many days.
        expire_untagged_after_days: Option<u32>,
    },
}

impl LifecycleSpec {
    /// The lifecycle policy document sent to ECR.
    pub fn document(&self) -> JsonDocument {
        match self {
            LifecycleSpec::Document(doc) => doc.clone(),
            LifecycleSpec::Generated {
                keep_last,
                expire_untagged_after_days,
            } => {
                let mut rules = Vec::new();
                if let Some(days) = expire_untagged_after_days {
                    rules.push(json!({
                        "rulePriority": rules.len() + 1,
                        "description": format!("Expire untagged images after {days} days"),
                        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                      "countUnit": "days", "countNumber": days},
                        "action": {"type": "expire"}
                    }));
                }
                if let Some(n) = keep_last {
                    rules.push(json!({
                        "rulePriority": rules.len() + 1,
                        "description": format!("Keep the last {n} images"),
                        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                      "countNumber": n},
                        "action": {"type": "expire"}
                    }));
                }
                JsonDocument::new(json!({ "rules": rules }))
            }
        }
    }
}

/// One account's access, from `account_access`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountAccess {
    /// Free text, for humans.
    pub description: String,
    /// The 12-digit account id.
    pub account_id: String,
    /// Push as well as pull.
    pub can_write: bool,
}

/// How `ecrplan output` names CI variables.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiOutputs {
    /// Prefix, upper-cased and joined with `_`.
    pub prefix: Option<String>,
    /// GitHub environments the variables are meant for.
    pub environments: Vec<String>,
    /// The attribute that sets `prefix` in this kind of module (`github_actions_prefix` in a
    /// Cloud Platform module), for the help when two modules' variables collide; `None` for
    /// kinds with no such attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_attribute: Option<String>,
}

impl DesiredEstate {
    /// The same estate limited to the modules `targets` names (a target no module has is the
    /// caller's to refuse): the other modules, the replication configuration and the registry
    /// block are left out, and the planner deletes only the targets' objects.
    pub fn targeted(mut self, targets: BTreeSet<String>) -> DesiredEstate {
        if targets.is_empty() {
            return self;
        }
        self.modules.retain(|m| targets.contains(&m.name));
        self.replications.clear();
        self.registries.clear();
        self.targets = targets;
        self
    }

    /// Whether an object of module `module` (none for objects outside modules) is within this
    /// run's targets.
    pub fn targets_module(&self, module: Option<&str>) -> bool {
        self.targets.is_empty() || module.is_some_and(|m| self.targets.contains(m))
    }

    /// Every object the estate declares, in a stable order, each in the registry (or account)
    /// its provider reaches. Policies name ARNs, so the accounts must be known.
    pub fn objects(&self, reach: &Reach) -> Vec<DesiredObject> {
        let mut declared = Declared::default();
        for module in &self.modules {
            module.declare(
                &self.name,
                reach.account(module.provider.as_deref()),
                &mut declared,
            );
        }
        let mut out = declared.into_objects();
        for replication in &self.replications {
            let account = reach.account(replication.provider.as_deref());
            out.push(DesiredObject {
                address: account.address(Kind::Replication),
                resource: Resource::Replication(replication.value.clone()),
            });
        }
        for registry in &self.registries {
            let account = reach.account(registry.provider.as_deref());
            let mut settings = registry.value.clone();
            // A registry this configuration owns lets in every account that replicates into it
            // here: AWS accepts a rule whose destination forbids it and copies nothing.
            for source in self.replicating_into(reach, &account.registry()) {
                if !settings.replication_from.contains(&source) {
                    settings.replication_from.push(source);
                }
            }
            out.extend(settings.objects(&self.name, account));
        }
        for object in &mut out {
            object.address = reach.address(object.address.clone());
        }
        out
    }

    /// The other accounts whose declared replication rules copy into `registry`.
    pub fn replicating_into(&self, reach: &Reach, registry: &crate::Registry) -> Vec<String> {
        let mut out: Vec<String> = self
            .replications
            .iter()
            .map(|r| (reach.account(r.provider.as_deref()), &r.value))
            .filter(|(source, replication)| {
                source.id != registry.account
                    && replication.rules.iter().any(|rule| {
                        rule.destinations.iter().any(|d| {
                            d.registry_id == registry.account && d.region == registry.region
                        })
                    })
            })
            .map(|(source, _)| source.id.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The aliases of every provider the configuration's blocks choose, the default provider
    /// as `None`, each once.
    pub fn chosen_providers(&self) -> BTreeSet<Option<&str>> {
        let mut out: BTreeSet<Option<&str>> = BTreeSet::from([None]);
        out.extend(self.modules.iter().map(|m| m.provider.as_deref()));
        out.extend(self.replications.iter().map(|r| r.provider.as_deref()));
        out.extend(self.registries.iter().map(|r| r.provider.as_deref()));
        out
    }

    /// The tags that mark an object as this estate's.
    pub fn ownership_tags(&self, module: Option<&str>) -> Tags {
        tags::ownership(&self.name, module)
    }
}

impl Module {
    /// Every role the module declares, whichever CI identity it serves.
    pub fn role_names(&self) -> impl Iterator<Item = String> + '_ {
        let github = self.github.iter().map(|g| g.role_name.as_str());
        let circleci = self.circleci.iter().map(|c| c.role_name.as_str());
        github
            .chain(circleci)
            .chain(self.identities.role_names())
            .map(str::to_owned)
    }

    /// The OIDC issuers the module declares beyond the built-in CI ones.
    pub fn declared_issuers(&self) -> impl Iterator<Item = String> + '_ {
        self.identities.issuers().map(str::to_owned)
    }

    /// The static-key CI users the module declares.
    pub fn user_names(&self) -> impl Iterator<Item = String> + '_ {
        self.identities.ci_user.iter().map(|u| u.user_name.clone())
    }

    /// The groups of the module's static-key CI users.
    pub fn group_names(&self) -> impl Iterator<Item = String> + '_ {
        self.identities.ci_user.iter().map(|u| u.group_name.clone())
    }

    /// Declares the module's repositories with their policies, then hands its identities
    /// what they need to declare their own objects.
    fn declare(&self, estate: &str, account: &Account, out: &mut Declared) {
        let m = self.name.as_str();
        let mut repo_tags = self.settings.tags.clone();
        repo_tags.extend(tags::ownership(estate, Some(m)));
        if self.settings.force_delete {
            repo_tags.insert(tags::FORCE_DELETE.into(), "true".into());
        }
        // One document each for the whole module: every repository shares it.
        let repository_policy = self.repository_policy(account);
        let lifecycle = self
            .settings
            .lifecycle
            .as_ref()
            .map(LifecycleSpec::document);
        let address = |kind| account.address(kind).in_module(m);
        for name in &self.repositories {
            out.push(
                address(Kind::Repository).indexed(name),
                Resource::Repository(Repository {
                    name: name.clone(),
                    image_tag_mutability: self.settings.image_tag_mutability,
                    image_tag_mutability_exclusion_filters: self
                        .settings
                        .image_tag_mutability_exclusion_filters
                        .clone(),
                    scan_on_push: self.settings.scan_on_push,
                    encryption: self.settings.encryption.clone(),
                    tags: repo_tags.clone(),
                }),
            );
            if let Some(document) = &repository_policy {
                out.push(
                    address(Kind::RepositoryPolicy).indexed(name),
                    Resource::RepositoryPolicy(RepositoryPolicy {
                        repository: name.clone(),
                        document: document.clone(),
                    }),
                );
            }
            if let Some(document) = &lifecycle {
                out.push(
                    address(Kind::LifecyclePolicy).indexed(name),
                    Resource::LifecyclePolicy(LifecyclePolicy {
                        repository: name.clone(),
                        document: document.clone(),
                    }),
                );
            }
        }
        let mut role_tags = self.settings.tags.clone();
        role_tags.extend(tags::ownership(estate, Some(m)));
        // IAM is global: the region tells this region's run of the estate from another's.
        role_tags.insert(tags::REGION.into(), account.region.clone());
        let context = ModuleContext {
            module: m,
            estate,
            account,
            repositories: &self.repositories,
            push_actions: &self.push_actions,
            role_tags,
        };
        identity::declare(
            self.github.as_ref(),
            self.circleci.as_ref(),
            &self.identities,
            &context,
            out,
        );
    }

    /// The repository policy `account_access` asks for: pull for every account, push for
    /// those with `can_write`. `None` when no account is given access.
    pub fn repository_policy(&self, account: &Account) -> Option<JsonDocument> {
        let grants: Vec<(&str, bool)> = self
            .account_access
            .iter()
            .map(|a| (a.account_id.as_str(), a.can_write))
            .collect();
        policy::repository_policy(account, &grants)
    }

    /// The inline policy of the module's CI roles: log in anywhere, push and pull only the
    /// module's own repositories.
    pub fn push_policy(&self, account: &Account) -> JsonDocument {
        policy::push_policy(account, &self.repositories, &self.push_actions)
    }

    /// The identity policy granting `access` to the module's repositories only, plus
    /// `ecr:GetAuthorizationToken` (which has no resource) for `docker login`.
    pub fn access_policy(&self, account: &Account, access: Access) -> JsonDocument {
        access.policy(account, &self.repositories, &self.push_actions)
    }

    /// The default push actions of the seed module kind: pull plus push.
    pub fn default_push_actions() -> Vec<String> {
        actions::PULL
            .iter()
            .chain(actions::PUSH)
            .map(|s| (*s).to_owned())
            .collect()
    }
}

// Kept beside `Module`, which its signature names: the identity itself never reads a module.
impl CiUser {
    /// The group's policy: the document as written, or one scoped to the module's
    /// repositories.
    pub fn policy_document(&self, module: &Module, account: &Account) -> JsonDocument {
        self.policy_for(account, &module.repositories, &module.push_actions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{AssumeRoleAccess, GitlabAccess, RoleGrant};
    use crate::{CircleciAccess, GithubRepository};

    fn module(name: &str) -> Module {
        Module {
            name: name.into(),
            source: "./ecr".into(),
            repositories: vec!["app".into()],
            settings: RepositorySettings::default(),
            account_access: vec![AccountAccess {
                description: "prod".into(),
                account_id: "210987654321".into(),
                can_write: false,
            }],
            github: Some(GithubAccess {
                role_name: format!("{name}-github"),
                repositories: vec![GithubRepository {
                    organisation: "org".into(),
                    repository: "app".into(),
                }],
                environments: Vec::new(),
                refs: Vec::new(),
                allow_any_organisation: false,
                job_workflow_refs: Vec::new(),
            }),
            circleci: Some(CircleciAccess {
                role_name: format!("{name}-circleci"),
                organisation_id: "org-id".into(),
                project_ids: vec!["p".into()],
            }),
            push_actions: Module::default_push_actions(),
            ci_outputs: CiOutputs::default(),
            identities: Identities {
                assume_role: Some(AssumeRoleAccess {
                    role_name: format!("{name}-assumed"),
                    principals: vec!["210987654321".into()],
                    external_id: None,
                    grant: RoleGrant::Access(Access::Pull),
                }),
                ci_user: Some(CiUser {
                    user_name: format!("{name}-user"),
                    group_name: format!("{name}-group"),
                    access: Access::Push,
                    policy: None,
                    force_delete: false,
                }),
                gitlab: Some(GitlabAccess {
                    role_name: format!("{name}-gitlab"),
                    issuer: "gitlab.com".into(),
                    audience: "https://gitlab.com".into(),
                    projects: Vec::new(),
                    allow_any_group: false,
                }),
            },
            provider: None,
        }
    }

    #[test]
    fn identities_declare_in_a_fixed_order_and_providers_come_once_at_the_end() {
        let estate = DesiredEstate {
            name: "koa".into(),
            modules: vec![module("a"), module("b")],
            ..DesiredEstate::default()
        };
        let account = Account::new("123456789012", "eu-west-1");
        let objects = estate.objects(&Reach::single(account.clone()));
        let addresses: Vec<String> = objects.iter().map(|o| o.address.to_string()).collect();
        let per_module = |m: &str| {
            [
                "repository[\"app\"]",
                "repository_policy[\"app\"]",
                "github_role",
                "github_role_policy",
                "circleci_role",
                "circleci_role_policy",
                "assumed_role",
                "assumed_role_policy",
                "ci_user",
                "ci_group",
                "ci_group_membership",
                "ci_group_policy",
                "gitlab_role",
                "gitlab_role_policy",
            ]
            .map(|name| format!("module.{m}.{name}"))
        };
        let mut expected: Vec<String> = per_module("a").into_iter().collect();
        expected.extend(per_module("b"));
        expected.extend(
            [
                "gitlab.com",
                "oidc.circleci.com/org/org-id",
                "token.actions.githubusercontent.com",
            ]
            .map(|url| format!("oidc_provider[{url:?}]")),
        );
        assert_eq!(addresses, expected);
        let role = |name: &str| {
            objects.iter().find_map(|o| match &o.resource {
                Resource::Role(r) if r.name == name => Some(r),
                _ => None,
            })
        };
        for name in ["a-github", "a-circleci", "a-assumed", "a-gitlab"] {
            let role = role(name).expect(name);
            assert_eq!(role.path, "/ecrplan/koa/");
            assert_eq!(
                role.tags.get(tags::REGION).map(String::as_str),
                Some("eu-west-1")
            );
            assert_eq!(role.tags.get(tags::MODULE).map(String::as_str), Some("a"));
        }
    }

    #[test]
    fn module_policy_wrappers_match_what_identities_declare() {
        let account = Account::new("123456789012", "eu-west-1");
        let m = module("a");
        let estate = DesiredEstate {
            name: "koa".into(),
            modules: vec![m.clone()],
            ..DesiredEstate::default()
        };
        let document = |policy: &str| {
            estate
                .objects(&Reach::single(account.clone()))
                .into_iter()
                .find_map(|o| match o.resource {
                    Resource::RolePolicy(p) if p.role == policy => Some(p.document),
                    Resource::GroupPolicy(p) if p.group == policy => Some(p.document),
                    _ => None,
                })
        };
        assert_eq!(document("a-github"), Some(m.push_policy(&account)));
        assert_eq!(
            document("a-assumed"),
            Some(m.access_policy(&account, Access::Pull))
        );
        let user = m.identities.ci_user.as_ref().expect("ci_user");
        assert_eq!(
            document("a-group"),
            Some(user.policy_document(&m, &account))
        );
        assert!(m.repository_policy(&account).is_some());
    }

    /// The drift report calls an undeclared object of a form `is_declarable` refuses "made by
    /// hand": every object a configuration declares, with either grant of an assumed role, must
    /// be of a declarable form, or a drift report would call ecrplan's own objects hand-made.
    #[test]
    fn every_declared_object_is_of_a_declarable_form() {
        let account = Account::new("123456789012", "eu-west-1");
        let mut managed = module("b");
        if let Some(assumed) = &mut managed.identities.assume_role {
            assumed.grant = RoleGrant::Managed(
                crate::identity::ManagedPolicy::AmazonEC2ContainerRegistryPowerUser,
            );
        }
        let estate = DesiredEstate {
            name: "koa".into(),
            modules: vec![module("a"), managed],
            ..DesiredEstate::default()
        };
        let objects = estate.objects(&Reach::single(account.clone()));
        let trust = |role: &str| {
            objects.iter().find_map(|o| match &o.resource {
                Resource::Role(r) if r.name == role => Some(&r.trust),
                _ => None,
            })
        };
        for o in &objects {
            let role = match &o.resource {
                Resource::RolePolicy(p) => trust(&p.role),
                Resource::RolePolicyAttachment(a) => trust(&a.role),
                _ => None,
            };
            assert!(
                crate::identity::is_declarable(&o.resource, role),
                "{} is declared but called hand-made",
                o.address
            );
        }
        assert!(
            objects
                .iter()
                .any(|o| matches!(o.resource, Resource::RolePolicyAttachment(_))),
            "the managed grant is covered"
        );
    }
}
