//! Shared steps of the commands that talk to an account: load the configuration, connect to
//! the account it names, refresh, plan. One place, so `plan`, `apply`, `drift`, `graph`,
//! `output` and `snapshot` agree on which account they mean and what they read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ecrplan_aws::{AwsOptions, AwsProvider, CallStats};
use ecrplan_hcl::{EnvVar, LoadOptions, Loaded};
use ecrplan_model::{
    Account, CIRCLECI_ORG_PLACEHOLDER, DesiredEstate, LiveEstate, ModuleCall, Plan,
    PlanConfiguration, Provider, ProviderError, ProviderSettings, Providers, Reach, Scope,
};
use ecrplan_sandbox::SandboxProvider;
use miette::{IntoDiagnostic, Result, WrapErr, miette};

use crate::cli::{AccountArgs, ConfigArgs};

/// The sandbox file used when `provider "sandbox"` names no path.
pub const DEFAULT_SANDBOX_FILE: &str = ".ecrplan-sandbox.json";

/// A loaded configuration connected to the registries it reaches.
pub struct Session {
    /// The configuration.
    pub loaded: Loaded,
    /// The default provider's account and region, after the account guard.
    pub account: Account,
    /// Where each provider leads.
    pub reach: Reach,
    /// The configuration directory.
    pub dir: PathBuf,
    /// The provider of each registry reached.
    providers: Providers,
    /// The AWS providers again, for `--stats`; empty for the sandbox.
    aws: Vec<Arc<AwsProvider>>,
}

/// The prefixes of environment variables that set configuration variables, the weaker first:
/// Terraform's, so a Terraform directory's CI settings carry over, then ecrplan's own.
const ENV_PREFIXES: [&str; 2] = ["TF_VAR_", "ECRPLAN_VAR_"];

/// The load options of a command line: `--var` and `--var-file` flags, the variables of the
/// environment and the estate named from outside.
pub fn load_options(config: &ConfigArgs) -> Result<LoadOptions> {
    Ok(LoadOptions {
        estate: config.estate.clone(),
        var_files: config.var_files.clone(),
        ..variables(&config.vars, std::env::vars_os())?
    })
}

/// The `LoadOptions` of a command line: `--var NAME=VALUE` flags, and `ECRPLAN_VAR_NAME` and
/// Terraform's `TF_VAR_NAME` environment variables (the library never reads the environment
/// itself; `ECRPLAN_VAR_` beats `TF_VAR_`, being the more specific).
fn variables(
    vars: &[String],
    environment: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Result<LoadOptions> {
    let mut options = LoadOptions::default();
    for var in vars {
        match var.split_once('=') {
            Some((name, value)) if is_variable_name(name) => {
                options.vars.push((name.to_owned(), value.to_owned()));
            }
            _ => {
                return Err(miette::miette!(
                    help = "write it as --var NAME=VALUE, e.g. --var team=koa",
                    "invalid --var `{var}`: expected NAME=VALUE"
                ));
            }
        }
    }
    let mut env = Vec::new();
    for (key, value) in environment {
        let Some((rank, prefix, name)) = key.to_str().and_then(|k| {
            ENV_PREFIXES
                .iter()
                .enumerate()
                .find_map(|(rank, p)| k.strip_prefix(p).map(|name| (rank, *p, name)))
        }) else {
            continue;
        };
        let Some(value) = value.to_str() else {
            return Err(miette::miette!(
                "the environment variable {prefix}{name} is not valid UTF-8"
            ));
        };
        if is_variable_name(name) {
            env.push((
                rank,
                EnvVar {
                    from: format!("{prefix}{name}"),
                    name: name.to_owned(),
                    value: value.to_owned(),
                },
            ));
        }
    }
    // Terraform's names first, so ecrplan's own (inserted later) win.
    env.sort();
    options.env = env.into_iter().map(|(_, var)| var).collect();
    Ok(options)
}

/// HCL identifiers: what `var.NAME` can refer to.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Loads the configuration; warnings go to stderr, errors come back as one report.
pub fn load(config: &ConfigArgs) -> Result<Loaded> {
    let options = load_options(config)?;
    let loaded = ecrplan_hcl::load_dir(&config_dir(&config.dir), &options)?;
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

/// Where every provider a block chooses leads, as far as the configuration says without asking
/// anyone ([`configured_account`] for each: an aliased provider takes `--region` only when it
/// names no region, as the environment's region applies to every provider). `None` when any
/// provider's account or region is unknown that way.
pub fn configured_reach(estate: &DesiredEstate, flags: &AccountArgs) -> Option<Reach> {
    let mut reach = Reach::single(configured_account(&estate.provider, flags)?);
    let alias_flags = AccountArgs {
        region: None,
        ..flags.clone()
    };
    for alias in estate.chosen_providers().into_iter().flatten() {
        let account = configured_account(alias_settings(estate, alias), &alias_flags)?;
        reach.aliases.insert(alias.to_owned(), account);
    }
    Some(reach)
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

/// The providers of one run: the default one, each alias a block chooses, and the AWS ones
/// again (for `--stats`).
struct Connection {
    default: Arc<dyn Provider>,
    aliases: BTreeMap<String, Arc<dyn Provider>>,
    aws: Vec<Arc<AwsProvider>>,
}

/// Connects the default provider and every aliased provider a block of `estate` chooses:
/// `--sandbox` first (one file holding every account and region, each provider picking its own
/// by `account_id` and `region`), then the provider blocks, then the AWS chain. `--region` and
/// `--profile` apply to the default provider only, `--endpoint` to every provider, as
/// Terraform's environment does.
async fn connect(estate: &DesiredEstate, dir: &Path, flags: &AccountArgs) -> Result<Connection> {
    let chosen: Vec<&str> = estate.chosen_providers().into_iter().flatten().collect();
    let sandbox_file = match (&flags.sandbox, &estate.provider) {
        (Some(path), _) => Some(path.clone()),
        (None, ProviderSettings::Sandbox { path }) => {
            Some(dir.join(path.as_deref().unwrap_or(DEFAULT_SANDBOX_FILE)))
        }
        (None, _) => None,
    };
    if let Some(path) = sandbox_file {
        let open = |settings: &ProviderSettings| -> Result<Arc<dyn Provider>> {
            let (account, region) = match settings {
                ProviderSettings::Aws {
                    account_id, region, ..
                } => (account_id.as_deref(), region.as_deref()),
                ProviderSettings::Sandbox { .. } | ProviderSettings::Unspecified => (None, None),
            };
            let provider = SandboxProvider::open_registry(&path, account, region)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot open the sandbox account {}", path.display()))?;
            Ok(Arc::new(provider))
        };
        let mut aliases = BTreeMap::new();
        for alias in chosen {
            aliases.insert(alias.to_owned(), open(alias_settings(estate, alias))?);
        }
        return Ok(Connection {
            default: open(&estate.provider)?,
            aliases,
            aws: Vec::new(),
        });
    }
    let parallelism = usize::from(flags.parallelism);
    let per_repository_tags = per_repository_tags()?;
    let options = |settings: &ProviderSettings| {
        let mut options = AwsOptions {
            region: None,
            profile: None,
            endpoint: None,
            assume_role_arn: None,
            external_id: None,
            session_name: None,
            expected_account: None,
            parallelism,
            per_repository_tags,
        };
        if let ProviderSettings::Aws {
            region,
            account_id,
            endpoint,
            profile,
            assume_role_arn,
            external_id,
            session_name,
        } = settings
        {
            options.region.clone_from(region);
            options.expected_account.clone_from(account_id);
            options.endpoint.clone_from(endpoint);
            options.profile.clone_from(profile);
            options.assume_role_arn.clone_from(assume_role_arn);
            options.external_id.clone_from(external_id);
            options.session_name.clone_from(session_name);
        }
        options.endpoint = flags.endpoint.clone().or(options.endpoint);
        options
    };
    let mut default = options(&estate.provider);
    default.region = flags.region.clone().or(default.region);
    default.profile = flags.profile.clone().or(default.profile);
    let aliased = chosen.iter().map(|alias| {
        let options = options(alias_settings(estate, alias));
        async move {
            let aws = AwsProvider::connect(options)
                .await
                .map_err(|err| connect_failure(err, Some(alias)))?;
            Ok::<_, miette::Report>((alias.to_string(), Arc::new(aws)))
        }
    });
    let (default, aliased) = futures::try_join!(
        async {
            AwsProvider::connect(default)
                .await
                .map(Arc::new)
                .map_err(|err| connect_failure(err, None))
        },
        futures::future::try_join_all(aliased)
    )?;
    let mut aws: Vec<Arc<AwsProvider>> = vec![Arc::clone(&default)];
    let mut aliases: BTreeMap<String, Arc<dyn Provider>> = BTreeMap::new();
    for (alias, provider) in aliased {
        aws.push(Arc::clone(&provider));
        aliases.insert(alias, provider);
    }
    Ok(Connection {
        default,
        aliases,
        aws,
    })
}

/// Where the block of a provider alias is written, as a message names it.
type BlockOf<'a> = &'a dyn Fn(Option<&str>) -> Option<String>;

/// Two `registry` blocks (or two `replication` blocks) whose providers reach one registry:
/// a registry has one of each, so the second would silently overwrite the first. `validate`
/// sees it when the provider blocks name the same account and region; otherwise only the
/// credentials tell, so it is checked once connected, naming both blocks where they are
/// written.
fn refuse_meeting_blocks(loaded: &Loaded, reach: &Reach) -> Result<()> {
    let estate = &loaded.estate;
    let locations = &loaded.locations;
    let kinds: [(&str, Vec<Option<&str>>, BlockOf<'_>); 2] = [
        (
            "registry",
            estate
                .registries
                .iter()
                .map(|r| r.provider.as_deref())
                .collect(),
            &|alias| locations.registry_of(alias).map(|l| place(l.block())),
        ),
        (
            "replication",
            estate
                .replications
                .iter()
                .map(|r| r.provider.as_deref())
                .collect(),
            &|alias| locations.replication_of(alias).map(place),
        ),
    ];
    for (block, aliases, located) in kinds {
        let mut seen: BTreeMap<ecrplan_model::Registry, Option<&str>> = BTreeMap::new();
        for alias in aliases {
            let registry = reach.account(alias).registry();
            if let Some(first) = seen.insert(registry.clone(), alias) {
                let name =
                    |a: Option<&str>| a.map_or_else(|| "aws".to_owned(), |a| format!("aws.{a}"));
                let at =
                    |a: Option<&str>| located(a).map_or_else(String::new, |l| format!(" ({l})"));
                return Err(miette!(
                    help = format!(
                        "merge the two `{block}` blocks into one, or point one of the providers \
                         at another account or region"
                    ),
                    "the `{block}` blocks of providers {}{} and {}{} both reach the registry \
                     {registry}; a registry has one `{block}` block",
                    name(first),
                    at(first),
                    name(alias),
                    at(alias),
                ));
            }
        }
    }
    Ok(())
}

/// A repository name declared in two modules whose providers reach one registry, or an IAM
/// name (role, user, group; in any letter case, as IAM compares them) in two modules whose
/// providers reach one account: one AWS object declared twice. `validate` refuses it when the
/// provider blocks say so; providers that meet only once connected are checked here, naming
/// both modules where they are written, before anything is read or changed.
fn refuse_meeting_names(loaded: &Loaded, reach: &Reach) -> Result<()> {
    let provider = |m: &ecrplan_model::Module| {
        m.provider
            .as_deref()
            .map_or_else(|| "aws".to_owned(), |a| format!("aws.{a}"))
    };
    let at = |module: &str, repository: Option<&str>| {
        let located = repository
            .and_then(|r| loaded.locations.repository(module, r))
            .or_else(|| loaded.locations.module(module));
        located.map_or_else(String::new, |l| format!(" ({})", place(l)))
    };
    let mut repositories = BTreeMap::new();
    let mut iam = BTreeMap::new();
    for module in &loaded.estate.modules {
        let account = reach.account(module.provider.as_deref());
        for name in &module.repositories {
            let key = (account.registry(), name.as_str());
            if let Some(first) = repositories.insert(key, module)
                && first.name != module.name
            {
                return Err(miette!(
                    help = "a repository name is unique in its registry: declare it in one of \
                            the modules, or point one module's provider at another account or \
                            region",
                    "repository `{name}` is declared by module `{}`{} and module `{}`{}, whose \
                     providers {} and {} both reach the registry {}",
                    first.name,
                    at(&first.name, Some(name)),
                    module.name,
                    at(&module.name, Some(name)),
                    provider(first),
                    provider(module),
                    account.registry(),
                ));
            }
        }
        let names = [
            ("IAM role", module.role_names().collect::<Vec<_>>()),
            ("IAM user", module.user_names().collect()),
            ("IAM group", module.group_names().collect()),
        ];
        for (what, names) in names {
            for name in names {
                let key = (account.id.clone(), what, name.to_lowercase());
                if let Some((first, first_name)) = iam.insert(key, (module, name.clone()))
                    && first.name != module.name
                {
                    return Err(miette!(
                        help = "IAM names are unique in an account, in any letter case: \
                                declare it in one of the modules, or point one module's \
                                provider at another account",
                        "{what} `{name}` is declared as `{first_name}` by module `{}`{} and as \
                         `{name}` by module `{}`{}, whose providers {} and {} both reach account {}",
                        first.name,
                        at(&first.name, None),
                        module.name,
                        at(&module.name, None),
                        provider(first),
                        provider(module),
                        account.id,
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `path:line:column`, as compilers print a place.
fn place(location: &ecrplan_hcl::Location) -> String {
    format!("{}:{}:{}", location.path, location.line, location.column)
}

/// The settings of the aliased provider `alias` (an alias no block declares was refused when
/// the configuration was read).
fn alias_settings<'e>(estate: &'e DesiredEstate, alias: &str) -> &'e ProviderSettings {
    estate
        .providers
        .get(alias)
        .unwrap_or(&ProviderSettings::Unspecified)
}

/// A failed connection in words: whose credentials, which provider.
fn connect_failure(err: ProviderError, alias: Option<&str>) -> miette::Report {
    let which = alias.map_or_else(String::new, |a| format!(" for provider aws.{a}"));
    match err {
        // The credentials loaded fine: they are just another account's. Say exactly that, not
        // that they could not be loaded.
        err @ ProviderError::WrongAccount { .. } => miette!(
            help = "use credentials (AWS_PROFILE, `aws sso login`, assume_role) for the account \
                    in the provider block's account_id, or correct account_id",
            "wrong AWS account{which}, nothing was read or changed: {err}"
        ),
        err @ ProviderError::Unreachable(_) => aws_failure(err),
        err if err.to_string().contains("credentials") => miette!(
            help = "configure credentials (AWS_PROFILE, `aws sso login`, AWS_ACCESS_KEY_ID), \
                    or try ecrplan without AWS: --sandbox FILE",
            "cannot load AWS credentials{which}: {err}"
        ),
        err => aws_failure(err),
    }
}

/// What to check when a call got no answer from AWS at all.
const UNREACHABLE_HELP: &str = "no AWS answer came: check the network (a proxy, a firewall, DNS), \
    that the region (--region, AWS_REGION or the provider block) is a real one, and that \
    --endpoint, AWS_ENDPOINT_URL or the provider block's endpoint points at a running server; \
    the credentials are checked only once AWS answers";

/// An error of a call to the account, with a `help:` when AWS could not be reached at all
/// (anywhere in its chain of causes), as it is otherwise.
pub fn aws_failure<E: std::error::Error + Send + Sync + 'static>(err: E) -> miette::Report {
    let unreachable =
        std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
            e.source()
        })
        .any(|e| {
            matches!(
                e.downcast_ref::<ProviderError>(),
                Some(ProviderError::Unreachable(_))
            )
        });
    if unreachable {
        miette!(help = UNREACHABLE_HELP, "cannot reach AWS: {err}")
    } else {
        miette::Report::from_err(err)
    }
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
    /// Connects a loaded configuration to the accounts it names (each AWS provider asks STS
    /// who the credentials are and applies its account guard). Two providers that reach one
    /// registry share it; two `registry` or `replication` blocks that turn out to reach one
    /// registry are refused here, where the accounts are known.
    pub async fn connect(loaded: Loaded, dir: &Path, flags: &AccountArgs) -> Result<Session> {
        let connection = connect(&loaded.estate, dir, flags).await?;
        let account = connection.default.account().await.map_err(aws_failure)?;
        let mut reach = Reach::single(account.clone());
        let mut providers = Providers::single(account.registry(), Arc::clone(&connection.default));
        for (alias, provider) in &connection.aliases {
            let reached = provider.account().await.map_err(aws_failure)?;
            if providers
                .for_scope(&Scope::Registry(reached.registry()))
                .is_none()
            {
                providers.insert(reached.registry(), Arc::clone(provider));
            }
            reach.aliases.insert(alias.clone(), reached);
        }
        refuse_meeting_blocks(&loaded, &reach)?;
        refuse_meeting_names(&loaded, &reach)?;
        Ok(Session {
            loaded,
            account,
            reach,
            dir: dir.to_path_buf(),
            providers,
            aws: connection.aws,
        })
    }

    /// The provider of the registry the provider `alias` reaches (`None`: the default one).
    pub fn provider_of(&self, alias: Option<&str>) -> Result<&Arc<dyn Provider>> {
        let registry = self.reach.account(alias).registry();
        self.providers
            .for_scope(&Scope::Registry(registry.clone()))
            .ok_or_else(|| miette!("no provider reaches {registry}"))
    }

    /// The providers a plan's changes go to, one per registry reached.
    pub fn providers(&self) -> Providers {
        self.providers.clone()
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

    /// Reads the live objects of every registry reached (`account_wide`: each registry's
    /// whole account, for the account-wide audit); the providers' warnings go to stderr.
    pub async fn refresh(&self, account_wide: bool) -> Result<LiveEstate> {
        let live = ecrplan_diff::refresh(
            &self.loaded.estate,
            &self.providers,
            &self.reach,
            account_wide,
        )
        .await;
        self.print_warnings();
        live.map_err(aws_failure).wrap_err("refresh failed")
    }

    fn print_warnings(&self) {
        let mut seen = BTreeSet::new();
        for registry in self.reach.registries() {
            if let Some(provider) = self.providers.for_scope(&Scope::Registry(registry)) {
                for warning in provider.take_warnings() {
                    if seen.insert(warning.clone()) {
                        eprintln!("warning: {warning}");
                    }
                }
            }
        }
    }

    /// Refreshes and plans, with the extra reads the plan asks for
    /// ([`ecrplan_diff::refresh_and_plan`]).
    pub async fn plan(&self) -> Result<(Plan, LiveEstate)> {
        self.refuse_placeholder_circleci()?;
        let made = ecrplan_diff::refresh_and_plan(
            &self.loaded.estate,
            &self.providers,
            &self.reach,
            &self.loaded.config_hash,
        )
        .await;
        self.print_warnings();
        let (plan, live) = made.map_err(aws_failure)?;
        Ok((self.describe(plan), live))
    }

    /// What `snapshot` writes: the estate's live objects and whether the repositories an
    /// offline plan could delete hold images ([`ecrplan_diff::snapshot`]).
    pub async fn snapshot(&self) -> Result<LiveEstate> {
        let live = ecrplan_diff::snapshot(&self.loaded.estate, &self.providers, &self.reach).await;
        self.print_warnings();
        live.map_err(aws_failure)
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
                inputs.shift_remove("provider");
                ModuleCall {
                    name: m.name.clone(),
                    source: m.source.clone(),
                    inputs: serde_json::Value::Object(inputs),
                    provider: m.provider.clone(),
                }
            })
            .collect();
        PlanConfiguration {
            provider: estate.provider.clone(),
            providers: estate.providers.clone(),
            modules,
            variables: self.loaded.variables.clone(),
        }
    }

    /// The AWS calls of every provider together, or `None` for the sandbox.
    fn call_stats(&self) -> Option<CallStats> {
        let mut providers = self.aws.iter();
        let mut total = providers.next()?.stats();
        for aws in providers {
            total.add(&aws.stats());
        }
        Some(total)
    }

    /// The AWS call counts as data, for the JSON views, when `--stats` asked for them.
    pub fn stats(&self, enabled: bool) -> Option<serde_json::Value> {
        let stats = self.call_stats().filter(|_| enabled)?;
        serde_json::to_value(stats).ok()
    }

    /// Prints the AWS call counts on stderr when `--stats` asked for them.
    pub fn report_stats(&self, enabled: bool) {
        if !enabled {
            return;
        }
        match self.call_stats() {
            Some(stats) => eprintln!("{stats}"),
            None => eprintln!("AWS calls: 0 (sandbox account)"),
        }
    }
}

/// The configuration directory as diagnostics and SARIF name it: relative to the working
/// directory when it lies inside it (`infra/ecr`, as a compiler prints paths), else as given.
pub fn config_dir(dir: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .filter(|_| dir.is_absolute())
        .and_then(|cwd| dir.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .map(|rel| {
            if rel.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                rel
            }
        })
        .unwrap_or_else(|| dir.to_path_buf())
}

/// Colour only for a person at a terminal: stdout is a TTY and `NO_COLOR` is unset.
pub fn color_enabled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn vars_and_environment_become_variables() {
        let options = variables(
            &["team=koa".to_owned(), "policy=a=b".to_owned()],
            env(&[
                ("ECRPLAN_VAR_region", "eu-west-1"),
                ("HOME", "/root"),
                ("ECRPLAN_VAR_", "nameless"),
                ("TF_VAR_region", "us-east-1"),
                ("TF_VAR_team", "koa"),
            ]),
        )
        .map_err(|e| e.to_string());
        let options = options.as_ref().map(|o| {
            let env: Vec<(&str, &str, &str)> = o
                .env
                .iter()
                .map(|e| (e.from.as_str(), e.name.as_str(), e.value.as_str()))
                .collect();
            (&o.vars, env)
        });
        assert_eq!(
            options,
            Ok((
                &vec![
                    ("team".to_owned(), "koa".to_owned()),
                    ("policy".to_owned(), "a=b".to_owned())
                ],
                vec![
                    ("TF_VAR_region", "region", "us-east-1"),
                    ("TF_VAR_team", "team", "koa"),
                    ("ECRPLAN_VAR_region", "region", "eu-west-1")
                ]
            ))
        );
    }

    #[test]
    fn malformed_var_is_an_error() {
        for bad in ["team", "=koa", "9lives=x", ""] {
            let err = variables(&[bad.to_owned()], Vec::new());
            assert!(err.is_err(), "{bad:?} was accepted");
        }
    }
}
