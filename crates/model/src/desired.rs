use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::identity::{Grant, IdentityRole, serves};
use crate::{
    Account, Address, Encryption, Identities, JsonDocument, Kind, LifecyclePolicy, ObjectId,
    OidcProvider, Replication, Repository, RepositoryPolicy, Resource, TagMutability, Tags, tags,
};

/// The ECR actions policies grant. One list, so the repository policy and the push role never
/// disagree about what "pull" means.
pub mod actions {
    /// What an account or role needs to pull images.
    pub const PULL: &[&str] = &[
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ];
    /// What pushing adds to pulling.
    pub const PUSH: &[&str] = &[
        "ecr:CompleteLayerUpload",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
    ];
    /// What `docker login` needs, on `*`.
    pub const LOGIN: &str = "ecr:GetAuthorizationToken";
}

/// The GitHub Actions token issuer.
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";
/// The audience GitHub tokens carry when exchanged with AWS.
pub const GITHUB_AUDIENCE: &str = "sts.amazonaws.com";
/// GitHub's published certificate thumbprints, sent on create for APIs that still ask.
pub const GITHUB_THUMBPRINTS: &[&str] = &[
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
];
/// True for the OIDC issuers (URL without scheme) ecrplan declares and may own: GitHub Actions
/// and CircleCI organisations. Refresh reads only these, and roles that trust them.
pub fn is_ci_issuer(url: &str) -> bool {
    url == GITHUB_ISSUER
        || url.starts_with("oidc.circleci.com/org/")
        || url == crate::identity::gitlab::GITLAB_ISSUER
}

/// The CircleCI organisation a Cloud Platform module's role would trust when no
/// `circleci_organisation_id` is given: `validate` warns about it, and `plan` and `apply` refuse
/// it, so no provider for this organisation is ever made in a real account.
pub const CIRCLECI_ORG_PLACEHOLDER: &str = "00000000-0000-0000-0000-000000000000";

/// The name of the inline push policy on CI roles.
pub const PUSH_POLICY_NAME: &str = "ecr-push";

/// What a configuration directory declares: everything `plan` compares with the account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DesiredEstate {
    /// The estate name from `ecrplan { estate = "…" }` (or given from outside the files),
    /// [`ANONYMOUS_ESTATE`] when none is given.
    pub name: String,
    /// True when nothing named the estate. Every such directory shares the name
    /// [`ANONYMOUS_ESTATE`], so "owned but not declared here" may mean "declared by another
    /// directory": an anonymous estate creates, updates and adopts what it declares and never
    /// deletes anything it does not declare.
    #[serde(default)]
    pub anonymous: bool,
    /// Which account to talk to.
    pub provider: ProviderSettings,
    /// The module blocks, in file and position order.
    pub modules: Vec<Module>,
    /// The replication configuration, when the estate manages it.
    pub replication: Option<Replication>,
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
        /// Role to assume before any call.
        assume_role_arn: Option<String>,
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

/// GitHub Actions access, from `github_access`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubAccess {
    /// The role CI assumes.
    pub role_name: String,
    /// The repositories whose workflows may push.
    pub repositories: Vec<GithubRepository>,
    /// Narrows `sub` to `repo:ORG/REPO:environment:ENV`.
    pub environments: Vec<String>,
    /// Narrows `sub` to `repo:ORG/REPO:ref:REF`.
    pub refs: Vec<String>,
    /// The configuration explicitly allows `organisation = "*"`.
    #[serde(default)]
    pub allow_any_organisation: bool,
    /// Pins the workflow: `job_workflow_ref` patterns (`ORG/REPO/.github/workflows/F.yml@REF`),
    /// for reusable workflows that every caller runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_workflow_refs: Vec<String>,
}

impl GithubAccess {
    /// The `sub` patterns the trust policy accepts.
    pub fn subjects(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in &self.repositories {
            let base = format!("repo:{}/{}", r.organisation, r.repository);
            if self.environments.is_empty() && self.refs.is_empty() {
                out.push(format!("{base}:*"));
            }
            out.extend(
                self.environments
                    .iter()
                    .map(|e| format!("{base}:environment:{e}")),
            );
            out.extend(self.refs.iter().map(|r| format!("{base}:ref:{r}")));
        }
        out
    }
}

/// One GitHub repository allowed to push.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubRepository {
    /// The organisation (or user); `*` only with `allow_any_organisation`.
    pub organisation: String,
    /// The repository; may be `*`.
    pub repository: String,
}

/// CircleCI access, from `circleci_access`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleciAccess {
    /// The role CI assumes.
    pub role_name: String,
    /// The CircleCI organisation id (a UUID); also the token audience.
    pub organisation_id: String,
    /// Project ids whose jobs may push.
    pub project_ids: Vec<String>,
}

impl CircleciAccess {
    /// The issuer, without scheme.
    pub fn issuer(&self) -> String {
        format!("oidc.circleci.com/org/{}", self.organisation_id)
    }
}

/// How `ecrplan output` names CI variables.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiOutputs {
    /// Prefix, upper-cased and joined with `_`.
    pub prefix: Option<String>,
    /// GitHub environments the variables are meant for.
    pub environments: Vec<String>,
}

/// A desired object and where it was declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredObject {
    /// Its address, which carries its scope.
    pub address: Address,
    /// What it should look like.
    pub resource: Resource,
}

impl DesiredObject {
    /// The AWS identity it is matched on: its resource's name in its address's scope.
    pub fn id(&self) -> ObjectId {
        self.resource.id_in(self.address.scope.clone())
    }
}

impl DesiredEstate {
    /// Every object the estate declares, in a stable order. Policies name ARNs, so the
    /// account must be known.
    pub fn objects(&self, account: &Account) -> Vec<DesiredObject> {
        let mut out = Vec::new();
        let mut providers: BTreeMap<String, OidcProvider> = BTreeMap::new();
        for module in &self.modules {
            module.objects(&self.name, account, &mut out, &mut providers);
        }
        for (url, provider) in providers {
            out.push(DesiredObject {
                address: account.address(Kind::OidcProvider).indexed(&url),
                resource: Resource::OidcProvider(provider),
            });
        }
        if let Some(replication) = &self.replication {
            out.push(DesiredObject {
                address: account.address(Kind::Replication),
                resource: Resource::Replication(replication.clone()),
            });
        }
        out
    }

    /// The tags that mark an object as this estate's.
    pub fn ownership_tags(&self, module: Option<&str>) -> Tags {
        ownership_tags(&self.name, module)
    }
}

fn ownership_tags(estate: &str, module: Option<&str>) -> Tags {
    tags::ownership(estate, module)
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

    fn objects(
        &self,
        estate: &str,
        account: &Account,
        out: &mut Vec<DesiredObject>,
        providers: &mut BTreeMap<String, OidcProvider>,
    ) {
        let m = self.name.as_str();
        let mut repo_tags = self.settings.tags.clone();
        repo_tags.extend(ownership_tags(estate, Some(m)));
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
        for name in &self.repositories {
            out.push(DesiredObject {
                address: account.address(Kind::Repository).in_module(m).indexed(name),
                resource: Resource::Repository(Repository {
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
            });
            if let Some(document) = &repository_policy {
                out.push(DesiredObject {
                    address: account
                        .address(Kind::RepositoryPolicy)
                        .in_module(m)
                        .indexed(name),
                    resource: Resource::RepositoryPolicy(RepositoryPolicy {
                        repository: name.clone(),
                        document: document.clone(),
                    }),
                });
            }
            if let Some(document) = &lifecycle {
                out.push(DesiredObject {
                    address: account
                        .address(Kind::LifecyclePolicy)
                        .in_module(m)
                        .indexed(name),
                    resource: Resource::LifecyclePolicy(LifecyclePolicy {
                        repository: name.clone(),
                        document: document.clone(),
                    }),
                });
            }
        }
        let role_tags = {
            let mut t = self.settings.tags.clone();
            t.extend(ownership_tags(estate, Some(m)));
            // IAM is global: the region tells this region's run of the estate from another's.
            t.insert(tags::REGION.into(), account.region.clone());
            t
        };
        if let Some(github) = &self.github {
            providers
                .entry(GITHUB_ISSUER.to_owned())
                .or_insert_with(|| OidcProvider {
                    url: GITHUB_ISSUER.to_owned(),
                    client_ids: vec![GITHUB_AUDIENCE.to_owned()],
                    thumbprints: GITHUB_THUMBPRINTS.iter().map(|s| (*s).to_owned()).collect(),
                    tags: ownership_tags(estate, None),
                });
            let trust = crate::identity::github::trust(account, github);
            let mut github_tags = role_tags.clone();
            if github.allow_any_organisation {
                github_tags.insert(tags::ALLOW_ANY_ORGANISATION.into(), "true".into());
            }
            IdentityRole {
                identity: serves::GITHUB,
                role_name: &github.role_name,
                trust,
                tags: &github_tags,
                grant: Grant::Inline(PUSH_POLICY_NAME, self.push_policy(account)),
            }
            .push(self, estate, account, out);
        }
        if let Some(circleci) = &self.circleci {
            let issuer = circleci.issuer();
            providers
                .entry(issuer.clone())
                .or_insert_with(|| OidcProvider {
                    url: issuer.clone(),
                    client_ids: vec![circleci.organisation_id.clone()],
                    thumbprints: Vec::new(),
                    tags: ownership_tags(estate, None),
                });
            let subjects: Vec<String> = circleci
                .project_ids
                .iter()
                .map(|p| format!("org/{}/project/{p}/user/*", circleci.organisation_id))
                .collect();
            let trust = web_identity_trust(account, &issuer, &circleci.organisation_id, &subjects);
            IdentityRole {
                identity: serves::CIRCLECI,
                role_name: &circleci.role_name,
                trust,
                tags: &role_tags,
                grant: Grant::Inline(PUSH_POLICY_NAME, self.push_policy(account)),
            }
            .push(self, estate, account, out);
        }
        crate::identity::objects(self, estate, account, out, providers, &role_tags);
    }

    /// The repository policy `account_access` asks for: pull for every account, push for
    /// those with `can_write`. `None` when no account is given access.
    pub fn repository_policy(&self, account: &Account) -> Option<JsonDocument> {
        if self.account_access.is_empty() {
            return None;
        }
        let principals = |write_only: bool| -> Vec<Value> {
            let mut ids: Vec<&str> = self
                .account_access
                .iter()
                .filter(|a| !write_only || a.can_write)
                .map(|a| a.account_id.as_str())
                .collect();
            ids.sort();
            ids.dedup();
            ids.into_iter()
                .map(|id| Value::String(account.root_arn(id)))
                .collect()
        };
        let mut statements = vec![json!({
            "Sid": "AllowPull",
            "Effect": "Allow",
            "Principal": {"AWS": principals(false)},
            "Action": actions::PULL,
        })];
        let writers = principals(true);
        if !writers.is_empty() {
            statements.push(json!({
                "Sid": "AllowPush",
                "Effect": "Allow",
                "Principal": {"AWS": writers},
                "Action": actions::PUSH,
            }));
        }
        Some(JsonDocument::new(
            json!({"Version": "2012-10-17", "Statement": statements}),
        ))
    }

    /// The inline policy of the module's CI roles: log in anywhere, push and pull only the
    /// module's own repositories.
    pub fn push_policy(&self, account: &Account) -> JsonDocument {
        let resources: Vec<String> = self
            .repositories
            .iter()
            .map(|r| account.repository_arn(r))
            .collect();
        let mut push = self.push_actions.clone();
        push.sort();
        push.dedup();
        JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Login", "Effect": "Allow", "Action": [actions::LOGIN], "Resource": "*"},
                {"Sid": "PushPull", "Effect": "Allow", "Action": push, "Resource": resources},
            ]
        }))
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

/// A trust policy letting tokens from `issuer` with audience `audience` and a `sub` matching
/// one of `subjects` assume the role.
pub(crate) fn web_identity_trust(
    account: &Account,
    issuer: &str,
    audience: &str,
    subjects: &[String],
) -> JsonDocument {
    JsonDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": account.oidc_provider_arn(issuer)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {format!("{issuer}:aud"): audience},
                "StringLike": {format!("{issuer}:sub"): subjects},
            }
        }]
    }))
}
