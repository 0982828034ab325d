//! `ecrplan show`: renders a saved plan; no network. Only SARIF reads the configuration
//! directory again, for the places of the notes.

use std::path::Path;

use ecrplan_model::{PLAN_FORMAT_VERSION, Plan};
use miette::{IntoDiagnostic, Result, WrapErr, miette};

use crate::cli::{ConfigArgs, PlanFormat, ShowArgs};
use crate::context;
use crate::exit::ExitStatus;
use crate::views::{sarif, view};

/// Runs `ecrplan show`. With `--format sarif` a plan that cannot be read is still a SARIF
/// document (the failure as a notification), as for `plan`.
pub async fn run(args: ShowArgs) -> Result<ExitStatus> {
    let plan = match read_saved(&args.plan) {
        Ok(plan) => plan,
        Err(report) if args.format == PlanFormat::Sarif => {
            print!("{}", sarif::failure(&report));
            eprintln!("{report:?}");
            return Ok(ExitStatus::Failure);
        }
        Err(report) => return Err(report),
    };
    let rendered = match args.format.view() {
        Some(format) => view(format, context::color_enabled(), None).plan(&plan),
        None => located(&plan),
    };
    print!("{rendered}");
    Ok(ExitStatus::Success)
}

/// The plan's SARIF, its notes located in the configuration directory the plan records, read
/// again with the variable values the plan recorded (and the environment's, for the sensitive
/// ones it leaves out) — so the results are `plan --format sarif`'s. A directory that cannot be
/// read (moved, or needing a value the plan does not hold) still holds the declarations: the
/// notes are located at it, never at a line of a configuration not read.
fn located(plan: &Plan) -> String {
    let Some(dir) = plan.config_dir.as_deref().map(Path::new) else {
        return sarif::plan(plan, &ecrplan_hcl::Locations::default(), &[]);
    };
    let config = ConfigArgs {
        dir: dir.to_path_buf(),
        vars: plan
            .configuration
            .variables
            .iter()
            .filter_map(|(name, value)| match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(format!("{name}={s}")),
                other => Some(format!("{name}={other}")),
            })
            .collect(),
        var_files: Vec::new(),
        estate: None,
    };
    match context::load(&config) {
        Ok(loaded) => sarif::plan(plan, &loaded.locations, &loaded.warnings),
        Err(report) => {
            eprintln!(
                "warning: cannot read the configuration the plan was made from, so the notes \
                 are located at its directory:\n{report:?}"
            );
            sarif::plan_at_directory(
                plan,
                &sarif::directory_uri(&ecrplan_hcl::shown_path(&context::config_dir(dir))),
            )
        }
    }
}

/// Reads a plan saved with `plan --out`. The format version is checked before anything else,
/// so a plan of another version is refused by name rather than misread or reported as junk.
pub fn read_saved(path: &Path) -> Result<Plan> {
    let text = std::fs::read_to_string(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    let version: Option<u64> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format_version").and_then(serde_json::Value::as_u64));
    if let Some(version) = version.filter(|v| *v != u64::from(PLAN_FORMAT_VERSION)) {
        return Err(miette!(
            help = "make the plan again with this ecrplan: `ecrplan plan --out PLAN.json`",
            "{} is a plan of format version {version}, this ecrplan reads version {PLAN_FORMAT_VERSION}",
            path.display(),
        ));
    }
    serde_json::from_str(&text)
        .into_diagnostic()
        .wrap_err_with(|| {
            format!(
                "{} is not a plan saved with `ecrplan plan --out`",
                path.display()
            )
        })
}
