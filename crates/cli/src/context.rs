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
    Account, CIRCLECI_ORG_PLACEHOLDER, LiveEstate, ModuleCall, Plan, PlanConfiguration, Provider,
    ProviderError, ProviderSettings, Providers, RefreshScope,
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

/// Loads the configuration, limited to `targets` when any are given, and connects to the
/// account it names.
pub async fn open(
    config: &ConfigArgs,
    targets: &[String],
    account: &AccountArgs,
) -> Result<Session> {
    let loaded = load_targeted(config, targets)?;
    Session::connect(loaded, &config.dir, account).await
}

/// Loads the configuration, limited to `targets` when any are given, without connecting: for
/// a command that decides from the configuration whether it needs the account at all.
pub fn load_targeted(config: &ConfigArgs, targets: &[String]) -> Result<Loaded> {
    let mut loaded = load(config)?;
    target(&mut loaded, targets)?;
    Ok(loaded)
}

/// The account and region the configuration names without asking anyone: the provider block's
/// `account_id`, with the region from `--region`, the block, `AWS_REGION` or
/// `AWS_DEFAULT_REGION` — the order in which a connection would take them, up to the SDK's
/// profile and instance-metadata lookups, which are left to a connection. `None` when either
/// is unknown that way, and for the sandbox, whose file is the account.
pub fn configured_account(settings: &ProviderSettings, flags: &AccountArgs) -> Option<Account> {
    let ProviderSettings::Aws {
        region, account_id, ..
    } = settings
    else {
        return None;
    };
    if flags.sandbox.is_some() {
        return None;
    }
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let region = flags
        .region
        .clone()
        .or_else(|| region.clone())
        .or_else(|| from_env("AWS_REGION"))
        .or_else(|| from_env("AWS_DEFAULT_REGION"))?;
    Some(Account::for_region(account_id.clone()?, region))
}

/// Whether the run's account is a sandbox file (`--sandbox` or `provider "sandbox"`): reading
/// it asks nothing of AWS.
pub fn uses_sandbox(settings: &ProviderSettings, flags: &AccountArgs) -> bool {
    flags.sandbox.is_some() || matches!(settings, ProviderSettings::Sandbox { .. })
}

/// Limits the configuration to the modules `targets` names; a name no module block has is an
/// error that lists the module blocks there are.
fn target(loaded: &mut Loaded, targets: &[String]) -> Result<()> {
    if targets.is_empty() {
        return Ok(());
    }
    let names: BTreeSet<&str> = loaded
        .estate
        .modules
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    if let Some(unknown) = targets.iter().find(|t| !names.contains(t.as_str())) {
        let known: Vec<&str> = names.into_iter().collect();
        return Err(miette!(
            help = if known.is_empty() {
                "the configuration declares no ECR module".to_owned()
            } else {
                format!("the module blocks are: {}", known.join(", "))
            },
            "--module {unknown}: no module block of that name"
        ));
    }
    let estate = std::mem::take(&mut loaded.estate);
    loaded.estate = estate.targeted(targets.iter().cloned().collect());
    Ok(())
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
    /// Connects a loaded configuration to the account it names (the AWS provider asks STS who
    /// the credentials are and applies the account guard).
    pub async fn connect(loaded: Loaded, dir: &Path, flags: &AccountArgs) -> Result<Session> {
        let (provider, aws) = connect(&loaded.estate.provider, dir, flags).await?;
        let account = provider.account().await.into_diagnostic()?;
        Ok(Session {
            loaded,
            provider,
            account,
            dir: dir.to_path_buf(),
            aws,
        })
    }

    /// What a refresh must read for this configuration.
    pub fn scope(&self) -> RefreshScope {
        RefreshScope::for_estate(&self.loaded.estate)
    }

    /// The providers a plan's changes go to: this run reaches one registry.
    pub fn providers(&self) -> Providers {
        Providers::single(self.account.registry(), Arc::clone(&self.provider))
    }

    /// A Cloud Platform module asking for CircleCI without an organisation id would trust the
    /// all-zero placeholder organisation and create its OIDC provider in a real account:
    /// `validate` only warns, but nothing is planned or applied that way.
    fn refuse_placeholder_circleci(&self) -> Result<()> {
        let modules: Vec<&str> = self
            .loaded
            .estate
            .modules
            .iter()
            .filter(|m| {
                m.circleci
                    .as_ref()
                    .is_some_and(|c| c.organisation_id == CIRCLECI_ORG_PLACEHOLDER)
            })
            .map(|m| m.name.as_str())
            .collect();
        if modules.is_empty() {
            return Ok(());
        }
        Err(miette!(
            help = "pass --var circleci_organisation_id=<your CircleCI organisation id> or set ECRPLAN_VAR_circleci_organisation_id (or declare variable \"circleci_organisation_id\" with a default)",
            "module{} {} ask{} for a CircleCI role, but no CircleCI organisation id is given; ecrplan will not trust the placeholder organisation {CIRCLECI_ORG_PLACEHOLDER}",
            if modules.len() == 1 { "" } else { "s" },
            modules.join(", "),
            if modules.len() == 1 { "s" } else { "" },
        ))
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
        self.print_warnings();
        live
    }

    fn print_warnings(&self) {
        for warning in self.provider.take_warnings() {
            eprintln!("warning: {warning}");
        }
    }

    /// Refreshes and plans, with the extra reads the plan asks for
    /// ([`ecrplan_diff::refresh_and_plan`]).
    pub async fn plan(&self) -> Result<(Plan, LiveEstate)> {
        self.refuse_placeholder_circleci()?;
        let made = ecrplan_diff::refresh_and_plan(
            &self.loaded.estate,
            &*self.provider,
            &self.loaded.config_hash,
        )
        .await;
        self.print_warnings();
        let (plan, live) = made.into_diagnostic()?;
        Ok((self.describe(plan), live))
    }

    /// What `snapshot` writes: the estate's live objects and whether the repositories an
    /// offline plan could delete hold images ([`ecrplan_diff::snapshot`]).
    pub async fn snapshot(&self) -> Result<LiveEstate> {
        let live = ecrplan_diff::snapshot(&self.loaded.estate, &*self.provider).await;
        self.print_warnings();
        live.into_diagnostic()
    }

    /// Records where the plan comes from: the configuration directory and the configuration
    /// itself, for `apply PLAN.json` and the JSON view.
    fn describe(&self, mut plan: Plan) -> Plan {
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        plan.config_dir = Some(dir.display().to_string());
        plan.configuration = self.configuration();
        plan
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
