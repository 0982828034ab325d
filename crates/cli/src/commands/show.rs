//! `ecrplan show`: renders a saved plan; no configuration and no network.

use ecrplan_model::{PLAN_FORMAT_VERSION, Plan};
use miette::{IntoDiagnostic, Result, WrapErr, miette};

use crate::cli::ShowArgs;
use crate::context;
use crate::exit::ExitStatus;
use crate::views::view;

/// Runs `ecrplan show`.
pub async fn run(args: ShowArgs) -> Result<ExitStatus> {
    let text = std::fs::read_to_string(&args.plan)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", args.plan.display()))?;
    let version: Option<u64> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format_version").and_then(serde_json::Value::as_u64));
    if version.is_some_and(|v| v != u64::from(PLAN_FORMAT_VERSION)) {
        return Err(miette!(
            help = "make the plan again with this version of ecrplan",
            "{} is a plan of format version {}, this ecrplan reads version {PLAN_FORMAT_VERSION}",
            args.plan.display(),
            version.unwrap_or_default()
        ));
    }
    let plan: Plan = serde_json::from_str(&text)
        .into_diagnostic()
        .wrap_err_with(|| {
            format!(
                "{} is not a plan saved with `ecrplan plan --out`",
                args.plan.display()
            )
        })?;
    print!(
        "{}",
        view(args.format, context::color_enabled(), None).plan(&plan)
    );
    Ok(ExitStatus::Success)
}
