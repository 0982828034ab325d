//! The command line: the contract scripts and bots rely on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The version `--version` prints: the crate's and the git commit the binary was built from
/// (`unknown` when built outside a git checkout), so an installed binary can be matched to
/// the README that describes it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("ECRPLAN_COMMIT"), ")");

/// Terraform-style plan and apply for Amazon ECR estates.
#[derive(Debug, Parser)]
#[command(name = "ecrplan", version = VERSION, about, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration; never touches the network.
    Validate(ValidateArgs),
    /// Rewrite the HCL files in canonical format.
    Fmt(FmtArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Make the account match the configuration.
    Apply(ApplyArgs),
    /// Report how the estate differs from the configuration (exit 2 on drift).
    Drift(DriftArgs),
    /// Render a saved plan.
    Show(ShowArgs),
    /// Print the dependency graph as DOT.
    Graph(GraphArgs),
    /// Print registry URL, repository URIs and role ARNs for CI.
    Output(OutputArgs),
    /// Write the live objects the estate touches to a file, for offline plans.
    Snapshot(SnapshotArgs),
    /// Print a shell completion script: `source <(ecrplan completions bash)`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with `--dir`.
    Man(ManArgs),
}

/// Where the configuration is and what fills its variables.
#[derive(Debug, Args, Clone)]
pub struct ConfigArgs {
    /// The configuration directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Set a variable, `NAME=VALUE`; beats every variable file, `ECRPLAN_VAR_NAME`,
    /// `TF_VAR_NAME` and defaults (a later --var wins).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a file of `NAME = value` lines (a `.json` file: one JSON object of
    /// names to values), after the directory's `terraform.tfvars`, `terraform.tfvars.json`,
    /// `*.auto.tfvars` and `*.auto.tfvars.json` (a later file wins; --var beats them all).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Name the estate without editing the files (beats ECRPLAN_ESTATE); an `ecrplan { estate }`
    /// block naming another estate is an error.
    #[arg(long, env = "ECRPLAN_ESTATE", value_name = "NAME")]
    pub estate: Option<String>,
}

/// Which modules a run is limited to, as Terraform's `-target`.
#[derive(Debug, Args, Clone, Default)]
pub struct TargetArgs {
    /// Limit the run to this module block (repeatable): a targeted plan changes and deletes
    /// only the named modules' objects, and never the registry's settings.
    #[arg(long = "module", value_name = "NAME")]
    pub modules: Vec<String>,
}

/// Which account to talk to, when the configuration's provider block is not enough.
#[derive(Debug, Args, Clone, Default)]
pub struct AccountArgs {
    /// AWS region; beats the provider block, which beats AWS_REGION and profiles.
    #[arg(long)]
    pub region: Option<String>,
    /// AWS profile; beats the provider block, which beats AWS_PROFILE.
    #[arg(long)]
    pub profile: Option<String>,
    /// Endpoint override (moto, LocalStack); AWS_ENDPOINT_URL works too.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Use the file-backed sandbox account at this path instead of AWS.
    #[arg(long, value_name = "PATH")]
    pub sandbox: Option<PathBuf>,
    /// Concurrent AWS calls.
    #[arg(long, default_value_t = ecrplan_model::DEFAULT_PARALLELISM as u16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Print the AWS calls made, per operation, on stderr.
    #[arg(long)]
    pub stats: bool,
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiagnosticFormat {
    /// miette's rendering, for people.
    Text,
    /// Data, for bots.
    Json,
    /// SARIF 2.1.0, for code scanning (errors and warnings at their lines).
    Sarif,
}

/// The views of plans and drift reports (SARIF is no view: it needs the configuration's
/// locations besides the plan or report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewFormat {
    /// Terraform-like text.
    Text,
    /// Versioned JSON (docs/plan-json.md).
    Json,
    /// A pull-request comment.
    Markdown,
}

/// Output format of `ecrplan plan` and `ecrplan show`: the views, or the checker notes as SARIF.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    /// Terraform-like text.
    Text,
    /// Terraform's JSON plan format (docs/plan-json.md).
    Json,
    /// A pull-request comment.
    Markdown,
    /// The checker notes as SARIF 2.1.0, at the declarations that cause them.
    Sarif,
}

impl PlanFormat {
    /// The view for this format; `None` for SARIF, which needs the configuration's locations.
    pub fn view(self) -> Option<ViewFormat> {
        match self {
            PlanFormat::Text => Some(ViewFormat::Text),
            PlanFormat::Json => Some(ViewFormat::Json),
            PlanFormat::Markdown => Some(ViewFormat::Markdown),
            PlanFormat::Sarif => None,
        }
    }
}

/// Output format of `ecrplan drift`: the views, or the findings as SARIF.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DriftFormat {
    /// Terraform-like text.
    Text,
    /// Terraform's `resource_drift` and the full report (docs/plan-json.md).
    Json,
    /// A pull-request comment.
    Markdown,
    /// Each finding as SARIF 2.1.0, at the declaration it is about (else the estate's name).
    Sarif,
}

impl DriftFormat {
    /// The view for this format; `None` for SARIF, which needs the configuration's locations.
    pub fn view(self) -> Option<ViewFormat> {
        match self {
            DriftFormat::Text => Some(ViewFormat::Text),
            DriftFormat::Json => Some(ViewFormat::Json),
            DriftFormat::Markdown => Some(ViewFormat::Markdown),
            DriftFormat::Sarif => None,
        }
    }
}

/// Output format of `ecrplan output`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// `name = value` lines.
    Text,
    /// A JSON object.
    Json,
    /// `NAME=value` lines for `$GITHUB_ENV`.
    GithubEnv,
    /// `NAME=value` lines for a `.env` file (CircleCI, GitLab, Codefresh, docker compose).
    Dotenv,
    /// Kubernetes ConfigMap manifests `<repository>-circleci`, as the Cloud Platform publishes
    /// them for CircleCI users.
    Configmap,
}

/// `ecrplan validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Diagnostic format.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Text)]
    pub format: DiagnosticFormat,
}

/// `ecrplan fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// The configuration directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Change nothing; exit 1 and name the files that would change.
    #[arg(long)]
    pub check: bool,
}

/// `ecrplan plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Account.
    /// Module targets.
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub account: AccountArgs,
    /// Save the plan for `ecrplan apply PLAN.json`.
    #[arg(long, value_name = "PLAN.json")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Exit 2 when there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// `ecrplan apply`.
#[derive(Debug, Args)]
#[command(mut_arg("dir", |dir| dir
    .value_name("DIR | PLAN.json")
    .help("The configuration directory, or a plan saved with `ecrplan plan --out PLAN.json`")
    .long_help("The configuration directory to plan and apply, or a plan saved with `ecrplan plan --out PLAN.json` to apply as it is: it is refused, changing nothing, when the configuration (files, variable files, --var values) or any object it reads changed since it was made. Give the same --var, --var-file and --estate as to the plan.")))]
pub struct ApplyArgs {
    /// A configuration directory, or a saved plan.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Account.
    /// Module targets.
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub account: AccountArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Tag declared objects that exist without ownership tags, or that an unnamed estate made,
    /// taking them over into this estate.
    #[arg(long)]
    pub adopt: bool,
}

/// `ecrplan drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Account.
    /// Module targets.
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub account: AccountArgs,
    /// Audit the whole account: also report repositories no estate owns and count the other
    /// estates' objects (reads every repository and role; exit 2 on anything unmanaged).
    #[arg(long)]
    pub account_wide: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

/// `ecrplan show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The saved plan.
    pub plan: PathBuf,
    /// Output format; SARIF locates the notes in the configuration directory the plan records,
    /// read again (at the directory itself when it cannot be read).
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

/// `ecrplan graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Account.
    /// Module targets.
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub account: AccountArgs,
}

/// `ecrplan output`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Module targets.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Account.
    #[command(flatten)]
    pub account: AccountArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Never call AWS: take the account from the provider block's `account_id` and derive role
    /// ARNs from the path ecrplan creates roles at (an adopted role's differs; without this
    /// flag the declared roles are read, one GetRole each).
    #[arg(long)]
    pub offline: bool,
}

/// `ecrplan snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Account.
    #[command(flatten)]
    pub account: AccountArgs,
    /// Where to write the snapshot.
    #[arg(long, value_name = "LIVE.json")]
    pub out: PathBuf,
}

/// `ecrplan completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `ecrplan man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `ecrplan.1` and one `ecrplan-COMMAND.1` per command into this directory instead
    /// of printing the top page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
