//! `ecrplan output`: the values CI needs (registry URL, repository URIs, role ARNs), in the
//! variable names the Cloud Platform and IDP workflows already read.

use std::collections::BTreeMap;

use ecrplan_model::{Account, DesiredEstate, Resource, role_path};
use miette::{IntoDiagnostic, Result, miette};
use serde::Serialize;

use crate::cli::{OutputArgs, OutputFormat};
use crate::context;
use crate::exit::ExitStatus;

/// Runs `ecrplan output`.
pub async fn run(args: OutputArgs) -> Result<ExitStatus> {
    let session = context::open(&args.config, &args.account).await?;
    // A role's ARN holds its path, and roles made before estate-scoped paths keep `/ecrplan/`:
    // the live path wins, the estate's path is for roles not made yet.
    let live = session.live().await?;
    let paths: BTreeMap<String, String> = live
        .objects
        .into_iter()
        .filter_map(|o| match o.resource {
            Resource::Role(r) => Some((r.name, r.path)),
            _ => None,
        })
        .collect();
    let outputs = outputs(&session.loaded.estate, &session.account, &paths);
    match args.format {
        OutputFormat::Text => print!("{}", text(&outputs)),
        OutputFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&outputs).into_diagnostic()?
            );
        }
        OutputFormat::GithubEnv => print!("{}", github_env(&outputs)?),
    }
    session.report_stats(args.account.stats);
    Ok(ExitStatus::Success)
}

/// What one module publishes.
#[derive(Debug, Serialize)]
struct ModuleOutputs {
    /// `UPPER(prefix)_` for CI variable names, empty without a prefix.
    #[serde(skip)]
    variable_prefix: String,
    repository_uris: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    github_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    circleci_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    github_environments: Vec<String>,
}

/// Everything `ecrplan output` prints.
#[derive(Debug, Serialize)]
struct Outputs {
    region: String,
    registry_id: String,
    registry_url: String,
    modules: BTreeMap<String, ModuleOutputs>,
}

fn outputs(estate: &DesiredEstate, account: &Account, paths: &BTreeMap<String, String>) -> Outputs {
    let new_path = role_path(&estate.name);
    let modules = estate
        .modules
        .iter()
        .map(|m| {
            let role =
                |name: &str| account.role_arn(paths.get(name).map_or(&new_path, |p| p), name);
            let out = ModuleOutputs {
                variable_prefix: m
                    .ci_outputs
                    .prefix
                    .as_ref()
                    .map(|p| format!("{}_", p.to_uppercase()))
                    .unwrap_or_default(),
                repository_uris: m
                    .repositories
                    .iter()
                    .map(|r| (r.clone(), account.repository_uri(r)))
                    .collect(),
                github_role_arn: m.github.as_ref().map(|g| role(&g.role_name)),
                circleci_role_arn: m.circleci.as_ref().map(|c| role(&c.role_name)),
                github_environments: m.ci_outputs.environments.clone(),
            };
            (m.name.clone(), out)
        })
        .collect();
    Outputs {
        region: account.region.clone(),
        registry_id: account.id.clone(),
        registry_url: account.registry_url(),
        modules,
    }
}

fn text(o: &Outputs) -> String {
    let mut s = format!(
        "registry_url = {:?}\nregion = {:?}\n",
        o.registry_url, o.region
    );
    for (name, m) in &o.modules {
        for (repo, uri) in &m.repository_uris {
            s += &format!("module.{name}.repository_uri[{repo:?}] = {uri:?}\n");
        }
        if let Some(arn) = &m.github_role_arn {
            s += &format!("module.{name}.github_role_arn = {arn:?}\n");
        }
        if let Some(arn) = &m.circleci_role_arn {
            s += &format!("module.{name}.circleci_role_arn = {arn:?}\n");
        }
    }
    s
}

/// `NAME=value` lines for `$GITHUB_ENV`. Two repositories publishing the same variable name
/// would silently overwrite each other in CI, so that is an error.
fn github_env(o: &Outputs) -> Result<String> {
    let mut lines: BTreeMap<String, String> = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |key: String, value: String, from: &str| -> Result<()> {
        if let Some(previous) = owner.get(&key).filter(|p| *p != from) {
            return Err(miette!(
                help = "give the modules distinct `github_actions_prefix` values",
                "modules {previous} and {from} would both set {key}"
            ));
        }
        owner.insert(key.clone(), from.to_owned());
        lines.insert(key, value);
        Ok(())
    };
    for (name, m) in &o.modules {
        let p = &m.variable_prefix;
        put(format!("{p}ECR_REGION"), o.region.clone(), name)?;
        put(format!("{p}ECR_REGISTRY_URL"), o.registry_url.clone(), name)?;
        for (key, repo) in repository_variables(&m.repository_uris) {
            put(format!("{p}{key}"), repo, name)?;
        }
        if let Some(arn) = m.github_role_arn.as_ref().or(m.circleci_role_arn.as_ref()) {
            put(format!("{p}ECR_ROLE_TO_ASSUME"), arn.clone(), name)?;
        }
    }
    Ok(lines
        .into_iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect())
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
            }),
            circleci: None,
            push_actions: Module::default_push_actions(),
            ci_outputs: ecrplan_model::CiOutputs {
                prefix: prefix.map(str::to_owned),
                environments: Vec::new(),
            },
        }
    }

    #[test]
    fn github_env_uses_the_names_workflows_expect() {
        let estate = DesiredEstate {
            modules: vec![module("koa", "giftcard", None)],
            ..Default::default()
        };
        let o = outputs(
            &estate,
            &Account::new("354918371398", "eu-west-1"),
            &BTreeMap::new(),
        );
        assert_eq!(
            github_env(&o).unwrap(),
            "ECR_REGION=eu-west-1\n\
             ECR_REGISTRY_URL=354918371398.dkr.ecr.eu-west-1.amazonaws.com\n\
             ECR_REPOSITORY=giftcard\n\
             ECR_ROLE_TO_ASSUME=arn:aws:iam::354918371398:role/ecrplan/koa-ci\n"
        );
    }

    #[test]
    fn clashing_variable_names_are_refused_and_prefixes_separate_them() {
        let account = Account::new("354918371398", "eu-west-1");
        let clash = DesiredEstate {
            modules: vec![module("a", "one", None), module("b", "two", None)],
            ..Default::default()
        };
        let err = github_env(&outputs(&clash, &account, &BTreeMap::new())).unwrap_err();
        assert!(err.to_string().contains("would both set"), "{err}");
        let apart = DesiredEstate {
            modules: vec![module("a", "one", Some("prod")), module("b", "two", None)],
            ..Default::default()
        };
        let env = github_env(&outputs(&apart, &account, &BTreeMap::new())).unwrap();
        assert!(
            env.contains("PROD_ECR_REPOSITORY=one\n") && env.contains("\nECR_REPOSITORY=two\n"),
            "{env}"
        );
    }
}
