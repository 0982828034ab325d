//! Shared steps of the commands that talk to an account: load the configuration, connect to
//! the account it names, refresh, plan. One place, so `plan`, `apply`, `drift`, `graph`,
//! `output` and `snapshot` agree on which account they mean and what they read.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ecrplan_aws::{AwsOptions, AwsProvider};
use ecrplan_hcl::{LoadOptions, Loaded};
use ecrplan_model::{
    Account, Action, Kind, LiveEstate, LiveObject, ModuleCall, Plan, PlanConfiguration, Provider,
    ProviderError, ProviderSettings, RefreshScope, Resource,
};
use ecrplan_sandbox::SandboxProvider;
use miette::{IntoDiagnostic, Result, WrapErr, miette};

use crate::cli::{AccountArgs, ConfigArgs};

/// The sandbox file used when `provider "sandbox"` names no path.
pub const DEFAULT_SANDBOX_FILE: &str = ".ecrplan-sandbox.json";

/// The provider a command uses, and the AWS one again when it is AWS (for `--stats`).
type Connection = (Arc<dyn Provider>, Option<Arc<AwsProvider>>);

/// A loaded configuration connected to its account.
pub struct Session {
    /// The configuration.
    pub loaded: Loaded,
    /// The account's provider.
    pub provider: Arc<dyn Provider>,
    /// The account and region, after the account guard.
    pub account: Account,
    /// The configuration directory.
    pub dir: PathBuf,
    aws: Option<Arc<AwsProvider>>,
}

/// Turns `--var` flags, `ECRPLAN_VAR_*` and the estate named from outside into load options.
pub fn load_options(vars: &[String], estate: Option<&str>) -> Result<LoadOptions> {
    let vars = vars
        .iter()
        .map(|v| match v.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_owned(), value.to_owned()))
            }
            _ => Err(miette!(
                help = "write it as --var NAME=VALUE",
                "--var {v:?} is not of the form NAME=VALUE"
            )),
        })
        .collect::<Result<_>>()?;
    let env = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("ECRPLAN_VAR_").map(|n| (n.to_owned(), v)))
        .collect();
    Ok(LoadOptions {
        vars,
        env,
        estate: estate.map(str::to_owned),
    })
}

/// Loads the configuration; warnings go to stderr, errors come back as one report.
pub fn load(config: &ConfigArgs) -> Result<Loaded> {
    let options = load_options(&config.vars, config.estate.as_deref())?;
    let loaded = ecrplan_hcl::load_dir(&config.dir, &options)?;
    if !loaded.warnings.is_empty() {
        eprint!("{}", ecrplan_hcl::render_text(&loaded.warnings));
    }
    Ok(loaded)
}

/// Loads the configuration and connects to the account it names.
pub async fn open(config: &ConfigArgs, account: &AccountArgs) -> Result<Session> {
    let loaded = load(config)?;
    let (provider, aws) = connect(&loaded.estate.provider, &config.dir, account).await?;
    let account = provider.account().await.into_diagnostic()?;
    Ok(Session {
        loaded,
        provider,
        account,
        dir: config.dir.clone(),
        aws,
    })
}

/// Picks the provider: `--sandbox` first, then the provider block, then the AWS chain. Flags
/// beat the block; the block beats the environment.
async fn connect(
    settings: &ProviderSettings,
    dir: &Path,
    flags: &AccountArgs,
) -> Result<Connection> {
    let sandbox = |path: PathBuf| -> Result<Connection> {
        let provider = SandboxProvider::open(&path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot open the sandbox account {}", path.display()))?;
        Ok((Arc::new(provider), None))
    };
    if let Some(path) = &flags.sandbox {
        return sandbox(path.clone());
    }
    let mut options = AwsOptions {
        region: None,
        profile: None,
        endpoint: None,
        assume_role_arn: None,
        expected_account: None,
        parallelism: usize::from(flags.parallelism),
        per_repository_tags: per_repository_tags()?,
    };
    match settings {
        ProviderSettings::Sandbox { path } => {
            return sandbox(dir.join(path.as_deref().unwrap_or(DEFAULT_SANDBOX_FILE)));
        }
        ProviderSettings::Aws {
            region,
            account_id,
            endpoint,
            profile,
            assume_role_arn,
        } => {
            options.region = region.clone();
            options.expected_account = account_id.clone();
            options.endpoint = endpoint.clone();
            options.profile = profile.clone();
            options.assume_role_arn = assume_role_arn.clone();
        }
        ProviderSettings::Unspecified => {}
    }
    options.region = flags.region.clone().or(options.region);
    options.profile = flags.profile.clone().or(options.profile);
    options.endpoint = flags.endpoint.clone().or(options.endpoint);
    let aws = match AwsProvider::connect(options).await {
        Ok(aws) => Arc::new(aws),
        // The credentials loaded fine: they are just another account's. Say exactly that, not
        // that they could not be loaded.
        Err(err @ ProviderError::WrongAccount { .. }) => {
            return Err(miette!(
                help = "use credentials (AWS_PROFILE, `aws sso login`, assume_role_arn) for the \
                        account in the provider block's account_id, or correct account_id",
                "wrong AWS account, nothing was read or changed: {err}"
            ));
        }
        Err(err) if err.to_string().contains("credentials") => {
            return Err(miette!(
                help = "configure credentials (AWS_PROFILE, `aws sso login`, AWS_ACCESS_KEY_ID), \
                        or try ecrplan without AWS: --sandbox FILE",
                "cannot load AWS credentials: {err}"
            ));
        }
        Err(err) => return Err(err).into_diagnostic(),
    };
    Ok((aws.clone(), Some(aws)))
}

/// `ECRPLAN_TAGGING_API=off` finds the estate's repositories by reading every repository's tags
/// instead of asking the Resource Groups Tagging API: for endpoints that do not serve ECR
/// through it (moto, LocalStack), where an empty answer would look like an empty estate.
fn per_repository_tags() -> Result<bool> {
    match std::env::var("ECRPLAN_TAGGING_API").as_deref() {
        Err(_) | Ok("" | "on") => Ok(false),
        Ok("off") => Ok(true),
        Ok(other) => Err(miette!(
            help = "set ECRPLAN_TAGGING_API=off to read every repository's tags, or unset it",
            "ECRPLAN_TAGGING_API={other:?} is neither `on` nor `off`"
        )),
    }
}

impl Session {
    /// What a refresh must read for this configuration.
    pub fn scope(&self) -> RefreshScope {
        let mut scope = RefreshScope {
            estate: self.loaded.estate.name.clone(),
            ..Default::default()
        };
        for module in &self.loaded.estate.modules {
            scope
                .repositories
                .extend(module.repositories.iter().cloned());
            scope
                .roles
                .extend(module.github.iter().map(|g| g.role_name.clone()));
            scope
                .roles
                .extend(module.circleci.iter().map(|c| c.role_name.clone()));
        }
        scope
    }

    /// Reads the live objects the estate needs.
    pub async fn live(&self) -> Result<LiveEstate> {
        self.refresh(&self.scope()).await
    }

    /// Reads the live objects a given scope asks for (the account-wide drift audit widens the
    /// estate's); the provider's warnings go to stderr.
    pub async fn refresh(&self, scope: &RefreshScope) -> Result<LiveEstate> {
        let live = self
            .provider
            .refresh(scope)
            .await
            .into_diagnostic()
            .wrap_err("refresh failed");
        for warning in self.provider.take_warnings() {
            eprintln!("warning: {warning}");
        }
        live
    }

    /// Refreshes and plans. A refresh reads only the estate's roles, so when the plan would
    /// delete an OIDC provider, every role in the account that trusts it is read and the plan is
    /// made again: a shared provider stays while any role trusts it. Repositories the plan
    /// would delete or replace are then checked for images (a call each, so only for those) and
    /// the plan is made again with that knowledge.
    pub async fn plan(&self) -> Result<(Plan, LiveEstate)> {
        let mut live = self.live().await?;
        let mut plan = self.plan_against(&live)?;
        let providers: BTreeSet<String> = plan
            .changes
            .iter()
            .filter(|c| c.id.kind == Kind::OidcProvider && c.action == Action::Delete)
            .map(|c| c.id.key.clone())
            .collect();
        if !providers.is_empty() {
            self.add_trusting_roles(&mut live, &providers).await?;
            plan = self.plan_against(&live)?;
        }
        let doomed: BTreeSet<String> = plan
            .changes
            .iter()
            .filter(|c| c.id.kind == Kind::Repository)
            .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
            .map(|c| c.id.key.clone())
            .collect();
        if !doomed.is_empty() {
            self.check_images(&mut live, &doomed).await?;
            plan = self.plan_against(&live)?;
        }
        Ok((plan, live))
    }

    /// Adds every role that trusts one of the named OIDC providers and the refresh did not read.
    async fn add_trusting_roles(
        &self,
        live: &mut LiveEstate,
        providers: &BTreeSet<String>,
    ) -> Result<()> {
        let known: BTreeSet<String> = live
            .objects
            .iter()
            .filter_map(|o| match &o.resource {
                Resource::Role(r) => Some(r.name.clone()),
                _ => None,
            })
            .collect();
        let mut added = BTreeSet::new();
        for url in providers {
            let roles = self
                .provider
                .roles_trusting(url)
                .await
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot read the roles trusting {url}"))?;
            for role in roles {
                if !known.contains(&role.name) && added.insert(role.name.clone()) {
                    live.objects.push(LiveObject::new(Resource::Role(role)));
                }
            }
        }
        live.normalise();
        Ok(())
    }

    /// Records whether the named repositories hold images: a call each, so only for those
    /// whose deletion depends on it.
    pub async fn check_images(
        &self,
        live: &mut LiveEstate,
        names: &BTreeSet<String>,
    ) -> Result<()> {
        for object in &mut live.objects {
            if let Resource::Repository(repo) = &object.resource
                && names.contains(&repo.name)
            {
                let holds = self
                    .provider
                    .holds_images(&repo.name)
                    .await
                    .into_diagnostic()?;
                object.holds_images = Some(holds);
            }
        }
        Ok(())
    }

    /// Plans against a given live state (no I/O).
    pub fn plan_against(&self, live: &LiveEstate) -> Result<Plan> {
        let mut plan = ecrplan_diff::plan(&self.loaded.estate, live, &self.loaded.config_hash)
            .into_diagnostic()?;
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        plan.config_dir = Some(dir.display().to_string());
        plan.configuration = self.configuration();
        Ok(plan)
    }

    /// The provider block, module calls and variables, recorded in the plan for the JSON view.
    fn configuration(&self) -> PlanConfiguration {
        let estate = &self.loaded.estate;
        let modules = estate
            .modules
            .iter()
            .map(|m| {
                let mut inputs = match serde_json::to_value(m) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => serde_json::Map::new(),
                };
                inputs.shift_remove("name");
                inputs.shift_remove("source");
                ModuleCall {
                    name: m.name.clone(),
                    source: m.source.clone(),
                    inputs: serde_json::Value::Object(inputs),
                }
            })
            .collect();
        PlanConfiguration {
            provider: estate.provider.clone(),
            modules,
            variables: self.loaded.variables.clone(),
        }
    }

    /// The AWS call counts as data, for the JSON views, when `--stats` asked for them.
    pub fn stats(&self, enabled: bool) -> Option<serde_json::Value> {
        let aws = self.aws.as_ref().filter(|_| enabled)?;
        serde_json::to_value(aws.stats()).ok()
    }

    /// Prints the AWS call counts on stderr when `--stats` asked for them.
    pub fn report_stats(&self, enabled: bool) {
        if !enabled {
            return;
        }
        match &self.aws {
            Some(aws) => eprintln!("{}", aws.stats()),
            None => eprintln!("AWS calls: 0 (sandbox account)"),
        }
    }
}

/// Colour only for a person at a terminal: stdout is a TTY and `NO_COLOR` is unset.
pub fn color_enabled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
