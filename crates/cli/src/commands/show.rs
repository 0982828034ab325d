//! `ecrplan show`: renders a saved plan; no configuration and no network.

use std::path::Path;

use ecrplan_model::{PLAN_FORMAT_VERSION, Plan};
use miette::{IntoDiagnostic, Result, WrapErr, miette};

use crate::cli::ShowArgs;
use crate::context;
use crate::exit::ExitStatus;
use crate::views::view;

/// Runs `ecrplan show`.
pub async fn run(args: ShowArgs) -> Result<ExitStatus> {
    let plan = read_saved(&args.plan)?;
    print!(
        "{}",
        view(args.format, context::color_enabled(), None).plan(&plan)
    );
    Ok(ExitStatus::Success)
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
