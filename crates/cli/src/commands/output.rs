//! `ecrplan output`: the values CI needs (registry URL, repository URIs, role ARNs), in the
//! variable names the Cloud Platform and IDP workflows already read, in the formats each CI
//! reads them from: `$GITHUB_ENV`, a `.env` file, or the Kubernetes ConfigMap the Cloud
//! Platform publishes for CircleCI.
//!
//! What the configuration says is printed without asking AWS: the registry and repository
//! URIs follow from the provider block's `account_id` and the region. Only role ARNs need the
//! account, because an adopted role keeps its own path: they are read one role at a time
//! (GetRole), never by refreshing the estate. With `--offline` nothing is read and role ARNs are
//! derived from the path ecrplan gives the roles it creates. Each format says which values were
//! read and which derived.

use std::collections::{BTreeMap, BTreeSet};

use ecrplan_model::{Account, DesiredEstate, Reach, Resource};
use miette::{IntoDiagnostic, Result, miette};
use serde::Serialize;

use crate::cli::{OutputArgs, OutputFormat};
use crate::context::{self, Session};
use crate::exit::ExitStatus;

/// Where the account id came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum AccountSource {
    /// The provider block's `account_id`, not read.
    ProviderBlock,
    /// Read from the account: STS GetCallerIdentity.
    Sts,
    /// The sandbox account file.
    Sandbox,
}

/// Where the role ARNs came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum RoleSource {
    /// Each role read by name (GetRole, or the sandbox file): its own path.
    Read,
    /// `--offline`: the path ecrplan gives the roles it creates, not read; an adopted role (or
    /// one made before estate paths) has another.
    Derived,
}

/// Which values were read and which derived, as the text and JSON formats report it.
#[derive(Clone, Copy, Debug, Serialize)]
struct Sources {
    registry_id: AccountSource,
    /// Absent when the modules declare no role.
    #[serde(skip_serializing_if = "Option::is_none")]
    role_arns: Option<RoleSource>,
}

/// Runs `ecrplan output`.
pub async fn run(args: OutputArgs) -> Result<ExitStatus> {
    let loaded = context::load_targeted(&args.config, &args.target.modules)?;
    let settings = &loaded.estate.provider;
    let configured = context::configured_reach(&loaded.estate, &args.account);
    let sandbox = context::uses_sandbox(settings, &args.account);
    // Role names are per account: each is read through its module's provider.
    let role_names: BTreeSet<(Option<String>, String)> = loaded
        .estate
        .modules
        .iter()
        .flat_map(|m| m.role_names().map(|r| (m.provider.clone(), r)))
        .collect();
    // What the configuration alone can print: every value when no role is declared, and with
    // `--offline` role ARNs derived from ecrplan's path.
    let account_named = configured.is_some();
    let offline = configured.filter(|_| !sandbox && (args.offline || role_names.is_empty()));
    let (outputs, session) = if let Some(reach) = offline {
        let arns = derived_role_arns(&loaded.estate, &reach);
        let sources = Sources {
            registry_id: AccountSource::ProviderBlock,
            role_arns: (!role_names.is_empty()).then_some(RoleSource::Derived),
        };
        (outputs(&loaded.estate, &reach, &arns, sources), None)
    } else if args.offline && !sandbox {
        return Err(miette!(
            help = "set `account_id` (and `region`, or --region / AWS_REGION) in the provider \
                    block, or run without --offline to read them",
            "--offline prints only what the configuration says, and it does not name the account \
             and region"
        ));
    } else {
        let session = Session::connect(loaded, &args.config.dir, &args.account).await?;
        let mut arns = BTreeMap::new();
        for (alias, name) in &role_names {
            let role = session
                .provider_of(alias.as_deref())?
                .role(name)
                .await
                .map_err(context::aws_failure)?;
            if let Some(role) = role {
                let account = session.reach.account(alias.as_deref());
                arns.insert(
                    (account.id.clone(), name.clone()),
                    account.role_arn(&role.path, &role.name),
                );
            }
        }
        let sources = Sources {
            registry_id: if sandbox {
                AccountSource::Sandbox
            } else if account_named {
                AccountSource::ProviderBlock
            } else {
                AccountSource::Sts
            },
            role_arns: (!role_names.is_empty()).then_some(RoleSource::Read),
        };
        let outputs = outputs(&session.loaded.estate, &session.reach, &arns, sources);
        (outputs, Some(session))
    };
    for (module, role) in outputs.missing_roles() {
        eprintln!(
            "warning: module {module}: role {role} does not exist in the account yet; its variables are left out (run `ecrplan apply` first)"
        );
    }
    if outputs.sources.role_arns == Some(RoleSource::Derived) {
        eprintln!(
            "warning: --offline: role ARNs are derived from the path ecrplan creates roles at, \
             not read; a role adopted with another path (or made before estate paths) has \
             another ARN: run without --offline to read them"
        );
    }
    match args.format {
        OutputFormat::Text => print!("{}", text(&outputs)),
        OutputFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&outputs).into_diagnostic()?
            );
        }
        OutputFormat::GithubEnv | OutputFormat::Dotenv => {
            print!("{}", env_lines(&outputs)?);
        }
        OutputFormat::Configmap => print!("{}", configmaps(&outputs)?),
    }
    match &session {
        Some(session) => session.report_stats(args.account.stats),
        None if args.account.stats => {
            eprintln!("AWS calls: 0 (everything printed follows from the configuration)");
        }
        None => {}
    }
    Ok(ExitStatus::Success)
}

/// The ARNs of the roles the estate would create, by name: the same builder names their path
/// as plans do, so the two cannot disagree.
fn derived_role_arns(estate: &DesiredEstate, reach: &Reach) -> RoleArns {
    estate
        .modules
        .iter()
        .flat_map(|m| {
            let account = reach.account(m.provider.as_deref());
            let module = DesiredEstate {
                name: estate.name.clone(),
                anonymous: estate.anonymous,
                modules: vec![m.clone()],
                ..DesiredEstate::default()
            };
            module
                .objects(&Reach::single(account.clone()))
                .into_iter()
                .filter_map(|o| {
                    let Resource::Role(r) = o.resource else {
                        return None;
                    };
                    let arn = account.role_arn(&r.path, &r.name);
                    Some(((account.id.clone(), r.name), arn))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Role ARNs by account id and role name: role names are unique only within an account.
type RoleArns = BTreeMap<(String, String), String>;

/// What one module publishes.
#[derive(Debug, Serialize)]
struct ModuleOutputs {
    /// `UPPER(prefix)_` for CI variable names, empty without a prefix.
    #[serde(skip)]
    variable_prefix: String,
    /// The Kubernetes namespace of a Cloud Platform module (its `namespace` input).
    #[serde(skip)]
    namespace: Option<String>,
    /// Declared roles the account does not hold (yet).
    #[serde(skip)]
    missing_roles: Vec<String>,
    /// The module's attribute that prefixes its variable names, if its kind has one.
    #[serde(skip)]
    prefix_attribute: Option<String>,
    repository_uris: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    github_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    circleci_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gitlab_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assumed_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci_user: Option<CiUserOutputs>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    github_environments: Vec<String>,
    /// The module's registry, when it is not the default provider's (`providers = { aws =
    /// aws.NAME }` reaching another region or account).
    #[serde(skip_serializing_if = "Option::is_none")]
    registry: Option<RegistryOutputs>,
    /// The CI variables, as [`variables`] names them.
    variables: BTreeMap<String, String>,
}

/// Where a module's repositories live, when not in the default registry.
#[derive(Debug, Serialize)]
struct RegistryOutputs {
    region: String,
    registry_id: String,
    registry_url: String,
}

/// A static-key CI user: its name and the one command a person runs to give it a key.
#[derive(Debug, Serialize)]
struct CiUserOutputs {
    user_name: String,
    create_access_key_command: String,
}

/// Everything `ecrplan output` prints.
#[derive(Debug, Serialize)]
struct Outputs {
    region: String,
    registry_id: String,
    registry_url: String,
    /// Which values were read from the account and which derived from the configuration.
    sources: Sources,
    modules: BTreeMap<String, ModuleOutputs>,
}

impl Outputs {
    fn missing_roles(&self) -> impl Iterator<Item = (&str, &str)> {
        self.modules.iter().flat_map(|(name, m)| {
            m.missing_roles
                .iter()
                .map(move |r| (name.as_str(), r.as_str()))
        })
    }
}

/// What `output` prints for `estate`, with the role ARNs `arns` (by role name) gives; a
/// declared role missing there is left out and reported.
fn outputs(estate: &DesiredEstate, reach: &Reach, arns: &RoleArns, sources: Sources) -> Outputs {
    let default = &reach.default;
    let modules = estate
        .modules
        .iter()
        .map(|m| {
            let account = reach.account(m.provider.as_deref());
            let mut missing_roles = Vec::new();
            let mut role = |name: &str| {
                let arn = arns.get(&(account.id.clone(), name.to_owned())).cloned();
                if arn.is_none() {
                    missing_roles.push(name.to_owned());
                }
                arn
            };
            let ids = &m.identities;
            let mut out = ModuleOutputs {
                variable_prefix: m
                    .ci_outputs
                    .prefix
                    .as_ref()
                    .map(|p| format!("{}_", p.to_uppercase()))
                    .unwrap_or_default(),
                namespace: m.settings.tags.get("namespace").cloned(),
                missing_roles: Vec::new(),
                prefix_attribute: m.ci_outputs.prefix_attribute.clone(),
                repository_uris: m
                    .repositories
                    .iter()
                    .map(|r| (r.clone(), account.repository_uri(r)))
                    .collect(),
                github_role_arn: m.github.as_ref().and_then(|g| role(&g.role_name)),
                circleci_role_arn: m.circleci.as_ref().and_then(|c| role(&c.role_name)),
                gitlab_role_arn: ids.gitlab.as_ref().and_then(|g| role(&g.role_name)),
                assumed_role_arn: ids.assume_role.as_ref().and_then(|a| role(&a.role_name)),
                ci_user: ids.ci_user.as_ref().map(|u| CiUserOutputs {
                    user_name: u.user_name.clone(),
                    create_access_key_command: u.create_key_command(),
                }),
                github_environments: m.ci_outputs.environments.clone(),
                registry: (account.registry() != default.registry()).then(|| RegistryOutputs {
                    region: account.region.clone(),
                    registry_id: account.id.clone(),
                    registry_url: account.registry_url(),
                }),
                variables: BTreeMap::new(),
            };
            out.missing_roles = missing_roles;
            out.variables = variables(account, &out);
            (m.name.clone(), out)
        })
        .collect();
    Outputs {
        region: default.region.clone(),
        registry_id: default.id.clone(),
        registry_url: default.registry_url(),
        sources,
        modules,
    }
}

/// The CI variables of one module, as the Cloud Platform module names them: `ECR_REGION`,
/// `ECR_REPOSITORY`, `ECR_ROLE_TO_ASSUME` and `ECR_REGISTRY_URL` behind the module's prefix;
/// the CircleCI (and GitLab) role also under its own name, `CIRCLECI_ECR_ROLE_TO_ASSUME`; and
/// `AWS_ECR_REGISTRY_ID`, never prefixed, because the CircleCI ECR orb reads exactly that name.
fn variables(account: &Account, m: &ModuleOutputs) -> BTreeMap<String, String> {
    let p = &m.variable_prefix;
    let mut v = BTreeMap::new();
    v.insert("AWS_ECR_REGISTRY_ID".to_owned(), account.id.clone());
    v.insert(format!("{p}ECR_REGION"), account.region.clone());
    v.insert(format!("{p}ECR_REGISTRY_URL"), account.registry_url());
    for (key, repo) in repository_variables(&m.repository_uris) {
        v.insert(format!("{p}{key}"), repo);
    }
    let main_role = m
        .github_role_arn
        .as_ref()
        .or(m.circleci_role_arn.as_ref())
        .or(m.gitlab_role_arn.as_ref())
        .or(m.assumed_role_arn.as_ref());
    if let Some(arn) = main_role {
        v.insert(format!("{p}ECR_ROLE_TO_ASSUME"), arn.clone());
    }
    if let Some(arn) = &m.circleci_role_arn {
        v.insert(format!("{p}CIRCLECI_ECR_ROLE_TO_ASSUME"), arn.clone());
    }
    if let Some(arn) = &m.gitlab_role_arn {
        v.insert(format!("{p}GITLAB_ECR_ROLE_TO_ASSUME"), arn.clone());
    }
    v
}

/// The text format's first lines, as comments: which values were read and which derived.
fn source_comments(sources: &Sources) -> String {
    let registry = match sources.registry_id {
        AccountSource::ProviderBlock => "from the provider block's account_id, not read",
        AccountSource::Sts => "read from the account (STS GetCallerIdentity)",
        AccountSource::Sandbox => "read from the sandbox account file",
    };
    let mut s = format!(
        "# registry_id {registry}; the registry and repository URLs follow from it and the \
         region\n"
    );
    match sources.role_arns {
        Some(RoleSource::Read) => {
            s += "# role ARNs read from the account, role by role (an adopted role keeps its own path)\n";
        }
        Some(RoleSource::Derived) => {
            s += "# role ARNs derived from the path ecrplan creates roles at, not read (--offline): \
                  an adopted role has another\n";
        }
        None => {}
    }
    s
}

fn text(o: &Outputs) -> String {
    let mut s = source_comments(&o.sources);
    s += &format!(
        "registry_url = {:?}\nregistry_id = {:?}\nregion = {:?}\n",
        o.registry_url, o.registry_id, o.region
    );
    for (name, m) in &o.modules {
        for (repo, uri) in &m.repository_uris {
            s += &format!("module.{name}.repository_uri[{repo:?}] = {uri:?}\n");
        }
        for (what, arn) in [
            ("github", &m.github_role_arn),
            ("circleci", &m.circleci_role_arn),
            ("gitlab", &m.gitlab_role_arn),
            ("assumed", &m.assumed_role_arn),
        ] {
            if let Some(arn) = arn {
                s += &format!("module.{name}.{what}_role_arn = {arn:?}\n");
            }
        }
        if let Some(u) = &m.ci_user {
            s += &format!(
                "module.{name}.ci_user_create_access_key_command = {:?}\n",
                u.create_access_key_command
            );
        }
        // The Cloud Platform module writes the same variables into each GitHub environment.
        let scopes: Vec<String> = if m.github_environments.is_empty() {
            vec![format!("module.{name}.variable")]
        } else {
            m.github_environments
                .iter()
                .map(|e| format!("module.{name}.github_environment[{e:?}].variable"))
                .collect()
        };
        for scope in scopes {
            for (k, v) in &m.variables {
                s += &format!("{scope}[{k:?}] = {v:?}\n");
            }
        }
    }
    s
}

/// `NAME=value` lines for `$GITHUB_ENV` or a `.env` file. The values are the same in every
/// GitHub environment a module names, so each variable is written once. Two modules publishing
/// the same variable name with different values would silently overwrite each other in CI, so
/// that is an error.
fn env_lines(o: &Outputs) -> Result<String> {
    let mut lines: BTreeMap<&str, &str> = BTreeMap::new();
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, m) in &o.modules {
        for (key, value) in &m.variables {
            if let Some(previous) = owner.get(key.as_str())
                && lines.get(key.as_str()) != Some(&value.as_str())
            {
                let renamable: Vec<String> = [*previous, name.as_str()]
                    .into_iter()
                    .filter_map(|n| {
                        let attribute = o.modules.get(n)?.prefix_attribute.as_ref()?;
                        Some(format!("`{attribute}` in module {n}"))
                    })
                    .collect();
                let mut help = format!(
                    "ask for one module at a time: `--module {previous}`, then `--module {name}`"
                );
                if !renamable.is_empty() {
                    help += &format!(", or set {}", renamable.join(" or "));
                }
                return Err(miette!(
                    help = help,
                    "modules {previous} and {name} would both set {key}"
                ));
            }
            owner.insert(key, name);
            lines.insert(key, value);
        }
    }
    Ok(lines
        .into_iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect())
}

/// A repository name's last path segment.
fn last_segment(repo: &str) -> &str {
    repo.rsplit('/').next().unwrap_or(repo)
}

/// One ConfigMap `<repository>-circleci` per repository of every module with a CircleCI role,
/// with the keys the Cloud Platform's own ConfigMap has (`ecr_region`, `ecr_registry_id`,
/// `ecr_repository`, `ecr_role_to_assume`). Values are JSON strings, which YAML reads as they
/// are.
fn configmaps(o: &Outputs) -> Result<String> {
    let with_role = || {
        o.modules
            .values()
            .filter(|m| m.circleci_role_arn.is_some())
            .flat_map(|m| m.repository_uris.keys())
    };
    // The Cloud Platform names a ConfigMap by the repository's last path segment; where two
    // repositories share one (`billing/api`, `search/api`), the whole path names them instead.
    let mut segments: BTreeMap<&str, usize> = BTreeMap::new();
    for repo in with_role() {
        *segments.entry(last_segment(repo)).or_default() += 1;
    }
    let mut docs = Vec::new();
    for m in o.modules.values() {
        let Some(role) = &m.circleci_role_arn else {
            continue;
        };
        for repo in m.repository_uris.keys() {
            let name = if segments[last_segment(repo)] > 1 {
                repo.as_str()
            } else {
                last_segment(repo)
            };
            let short = name.replace(['_', '/'], "-");
            let q = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
            let mut doc = format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n",
                q(&format!("{short}-circleci"))
            );
            if let Some(ns) = &m.namespace {
                doc += &format!("  namespace: {}\n", q(ns));
            }
            doc += &format!(
                "data:\n  ecr_region: {}\n  ecr_registry_id: {}\n  ecr_repository: {}\n  ecr_role_to_assume: {}\n",
                q(&o.region),
                q(&o.registry_id),
                q(repo),
                q(role)
            );
            docs.push(doc);
        }
    }
    if docs.is_empty() {
        return Err(miette!(
            help = "the ConfigMap carries a CircleCI role: add `circleci_access` (or \"circleci\" to a Cloud Platform module's oidc_providers), apply, and ask again",
            "no module has a CircleCI role in the account"
        ));
    }
    Ok(docs.join("---\n"))
}

/// `ECR_REPOSITORY` for a module's only repository, as the Cloud Platform workflows expect;
/// with several, one `ECR_REPOSITORY_<NAME>` each (upper case, `_` for anything else).
fn repository_variables(uris: &BTreeMap<String, String>) -> Vec<(String, String)> {
    if uris.len() == 1 {
        return uris
            .keys()
            .map(|r| ("ECR_REPOSITORY".to_owned(), r.clone()))
            .collect();
    }
    uris.keys()
        .map(|r| {
            let suffix: String = r
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            (format!("ECR_REPOSITORY_{suffix}"), r.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use ecrplan_model::{GithubAccess, GithubRepository, Module, RepositorySettings};

    use super::*;

    fn module(name: &str, repo: &str, prefix: Option<&str>) -> Module {
        Module {
            provider: None,
            name: name.into(),
            source: "../modules/ecr-repos".into(),
            repositories: vec![repo.into()],
            settings: RepositorySettings::default(),
            account_access: Vec::new(),
            github: Some(GithubAccess {
                role_name: format!("{name}-ci"),
                repositories: vec![GithubRepository {
                    organisation: "o".into(),
                    repository: "r".into(),
                }],
                environments: Vec::new(),
                refs: Vec::new(),
                allow_any_organisation: false,
                job_workflow_refs: Vec::new(),
            }),
            circleci: None,
            push_actions: Module::default_push_actions(),
            ci_outputs: ecrplan_model::CiOutputs {
                prefix: prefix.map(str::to_owned),
                environments: Vec::new(),
                prefix_attribute: None,
            },
            identities: Default::default(),
        }
    }

    /// The role ARNs a read of `roles` (path, name) finds.
    fn live(account: &Account, roles: &[(&str, &str)]) -> RoleArns {
        roles
            .iter()
            .map(|(path, name)| {
                let key = (account.id.clone(), (*name).to_owned());
                (key, account.role_arn(path, name))
            })
            .collect()
    }

    const READ: Sources = Sources {
        registry_id: AccountSource::Sts,
        role_arns: Some(RoleSource::Read),
    };

    #[test]
    fn github_env_uses_the_names_workflows_expect() {
        let account = Account::new("354918371398", "eu-west-1");
        let estate = DesiredEstate {
            modules: vec![module("koa", "giftcard", None)],
            ..Default::default()
        };
        let o = outputs(
            &estate,
            &Reach::single(account.clone()),
            &live(&account, &[("/ecrplan/", "koa-ci")]),
            READ,
        );
        assert_eq!(
            env_lines(&o).unwrap(),
            "AWS_ECR_REGISTRY_ID=354918371398\n\
             ECR_REGION=eu-west-1\n\
             ECR_REGISTRY_URL=354918371398.dkr.ecr.eu-west-1.amazonaws.com\n\
             ECR_REPOSITORY=giftcard\n\
             ECR_ROLE_TO_ASSUME=arn:aws:iam::354918371398:role/ecrplan/koa-ci\n"
        );
    }

    /// Issue 13: `output` printed `role/ecrplan/NAME` for an adopted role on another path.
    #[test]
    fn role_arns_come_from_the_account_not_a_guessed_path() {
        let account = Account::new("354918371398", "eu-west-1");
        let estate = DesiredEstate {
            modules: vec![module("koa", "giftcard", None)],
            ..Default::default()
        };
        let adopted = outputs(
            &estate,
            &Reach::single(account.clone()),
            &live(&account, &[("/teams/koa/", "koa-ci")]),
            READ,
        );
        let env = env_lines(&adopted).unwrap();
        assert!(
            env.contains("ECR_ROLE_TO_ASSUME=arn:aws:iam::354918371398:role/teams/koa/koa-ci\n"),
            "{env}"
        );
        let absent = outputs(
            &estate,
            &Reach::single(account.clone()),
            &live(&account, &[]),
            READ,
        );
        assert_eq!(
            absent.missing_roles().collect::<Vec<_>>(),
            [("koa", "koa-ci")]
        );
        let env = env_lines(&absent).unwrap();
        assert!(!env.contains("ECR_ROLE_TO_ASSUME"), "{env}");
    }

    /// Issue 22: offline, role ARNs are the ones plans would create, at the estate's path, and
    /// every format that can carry it says they were derived, not read.
    #[test]
    fn offline_role_arns_are_derived_from_the_estate_path_and_said_to_be() {
        let account = Account::for_region("354918371398", "eu-west-1");
        let estate = DesiredEstate {
            name: "koa".into(),
            modules: vec![module("koa", "giftcard", None)],
            ..Default::default()
        };
        let arns = derived_role_arns(&estate, &Reach::single(account.clone()));
        assert_eq!(
            arns.get(&(account.id.clone(), "koa-ci".to_owned()))
                .map(String::as_str),
            Some("arn:aws:iam::354918371398:role/ecrplan/koa/koa-ci")
        );
        let derived = Sources {
            registry_id: AccountSource::ProviderBlock,
            role_arns: Some(RoleSource::Derived),
        };
        let o = outputs(&estate, &Reach::single(account.clone()), &arns, derived);
        let text = text(&o);
        assert!(
            text.starts_with(
                "# registry_id from the provider block's account_id, not read; the registry and \
                 repository URLs follow from it and the region\n# role ARNs derived from the path \
                 ecrplan creates roles at, not read (--offline): an adopted role has another\n"
            ),
            "{text}"
        );
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(
            json["sources"],
            serde_json::json!({"registry_id": "provider_block", "role_arns": "derived"})
        );
        let read = serde_json::to_value(outputs(
            &estate,
            &Reach::single(account.clone()),
            &arns,
            READ,
        ))
        .unwrap();
        assert_eq!(
            read["sources"],
            serde_json::json!({"registry_id": "sts", "role_arns": "read"})
        );
        let no_roles = Sources {
            registry_id: AccountSource::ProviderBlock,
            role_arns: None,
        };
        assert!(!source_comments(&no_roles).contains("role ARNs"));
    }

    #[test]
    fn a_circleci_role_has_its_own_variables_and_configmap() {
        let account = Account::new("000000000000", "eu-west-2");
        let mut m = module("ecr", "team/repository-name", None);
        m.github = None;
        m.circleci = Some(ecrplan_model::CircleciAccess {
            role_name: "cp-ecr-team-repository-name-circleci".into(),
            organisation_id: "5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11".into(),
            project_ids: vec!["*".into()],
        });
        m.settings
            .tags
            .insert("namespace".into(), "team-dev".into());
        let estate = DesiredEstate {
            modules: vec![m],
            ..Default::default()
        };
        let o = outputs(
            &estate,
            &Reach::single(account.clone()),
            &live(
                &account,
                &[("/ecrplan/", "cp-ecr-team-repository-name-circleci")],
            ),
            READ,
        );
        let role = "arn:aws:iam::000000000000:role/ecrplan/cp-ecr-team-repository-name-circleci";
        let env = env_lines(&o).unwrap();
        assert!(
            env.contains(&format!("CIRCLECI_ECR_ROLE_TO_ASSUME={role}\n")),
            "{env}"
        );
        assert!(env.contains("AWS_ECR_REGISTRY_ID=000000000000\n"), "{env}");
        assert_eq!(
            configmaps(&o).unwrap(),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"repository-name-circleci\"\n  namespace: \"team-dev\"\ndata:\n  ecr_region: \"eu-west-2\"\n  ecr_registry_id: \"000000000000\"\n  ecr_repository: \"team/repository-name\"\n  ecr_role_to_assume: \"{role}\"\n"
            )
        );
    }

    #[test]
    fn clashing_variable_names_are_refused_and_prefixes_separate_them() {
        let account = Account::new("354918371398", "eu-west-1");
        let roles = live(&account, &[("/ecrplan/", "a-ci"), ("/ecrplan/", "b-ci")]);
        let clash = DesiredEstate {
            modules: vec![module("a", "one", None), module("b", "two", None)],
            ..Default::default()
        };
        let err = env_lines(&outputs(
            &clash,
            &Reach::single(account.clone()),
            &roles,
            READ,
        ))
        .unwrap_err();
        assert!(err.to_string().contains("would both set"), "{err}");
        // The help fits the modules: these have no prefix attribute, so `--module` is the way.
        let help = err.help().map(|h| h.to_string()).unwrap_or_default();
        assert!(
            help.contains("--module a") && help.contains("--module b"),
            "{help}"
        );
        assert!(!help.contains("github_actions_prefix"), "{help}");
        let mut cloud_platform = clash.clone();
        cloud_platform.modules[1].ci_outputs.prefix_attribute =
            Some("github_actions_prefix".into());
        let err = env_lines(&outputs(
            &cloud_platform,
            &Reach::single(account.clone()),
            &roles,
            READ,
        ))
        .unwrap_err();
        let help = err.help().map(|h| h.to_string()).unwrap_or_default();
        assert!(
            help.contains("`github_actions_prefix` in module b") && !help.contains("in module a"),
            "{help}"
        );
        let apart = DesiredEstate {
            modules: vec![module("a", "one", Some("prod")), module("b", "two", None)],
            ..Default::default()
        };
        let env = env_lines(&outputs(
            &apart,
            &Reach::single(account.clone()),
            &roles,
            READ,
        ))
        .unwrap();
        assert!(
            env.contains("PROD_ECR_REPOSITORY=one\n") && env.contains("\nECR_REPOSITORY=two\n"),
            "{env}"
        );
    }

    #[test]
    fn configmaps_of_repositories_sharing_a_last_segment_are_named_by_their_path() {
        let account = Account::new("000000000000", "eu-west-2");
        let circleci = |name: &str, repo: &str| {
            let mut m = module(name, repo, None);
            m.github = None;
            m.circleci = Some(ecrplan_model::CircleciAccess {
                role_name: format!("{name}-circleci"),
                organisation_id: "5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11".into(),
                project_ids: vec!["*".into()],
            });
            m
        };
        let estate = DesiredEstate {
            modules: vec![
                circleci("billing", "billing/api"),
                circleci("search", "search/api"),
                circleci("web", "web/frontend"),
            ],
            ..Default::default()
        };
        let roles = live(
            &account,
            &[
                ("/ecrplan/", "billing-circleci"),
                ("/ecrplan/", "search-circleci"),
                ("/ecrplan/", "web-circleci"),
            ],
        );
        let maps = configmaps(&outputs(
            &estate,
            &Reach::single(account.clone()),
            &roles,
            READ,
        ))
        .unwrap();
        let names: Vec<&str> = maps
            .lines()
            .filter_map(|l| l.strip_prefix("  name: "))
            .collect();
        assert_eq!(
            names,
            [
                "\"billing-api-circleci\"",
                "\"search-api-circleci\"",
                "\"frontend-circleci\""
            ]
        );
    }
}
