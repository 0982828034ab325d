//! `ecrplan plan`: refresh, plan, render; optionally save the plan for `ecrplan apply`.

use std::path::Path;

use ecrplan_model::Plan;
use miette::{IntoDiagnostic, Result, WrapErr};

use crate::cli::{PlanArgs, PlanFormat};
use crate::context::{self, Session};
use crate::exit::ExitStatus;
use crate::views::{sarif, view};

/// Runs `ecrplan plan`. With `--format sarif`, a run that fails before it has a plan still
/// writes a SARIF document — the configuration's errors as results, any other failure as a
/// notification — so a code-scanning upload step shows why; the error goes to stderr too and
/// the exit status is 1.
pub async fn run(args: PlanArgs) -> Result<ExitStatus> {
    let made = match context::open(&args.config, &args.target.modules, &args.account).await {
        Ok(session) => session.plan().await.map(|(plan, _)| (session, plan)),
        Err(report) => Err(report),
    };
    let (session, plan) = match made {
        Ok(made) => made,
        Err(report) if args.format == PlanFormat::Sarif => {
            print!("{}", sarif::failure(&report));
            eprintln!("{report:?}");
            return Ok(ExitStatus::Failure);
        }
        Err(report) => return Err(report),
    };
    render(&args, &session, &plan)
}

fn render(args: &PlanArgs, session: &Session, plan: &Plan) -> Result<ExitStatus> {
    session.report_stats(args.account.stats);
    let rendered = match args.format.view() {
        Some(format) => view(
            format,
            context::color_enabled(),
            session.stats(args.account.stats),
        )
        .plan(plan),
        None => sarif::plan(plan, &session.loaded.locations, &session.loaded.warnings),
    };
    print!("{rendered}");
    if let Some(out) = &args.out {
        if plan.is_applyable() {
            save(out, plan)?;
            eprintln!(
                "Saved the plan to {}; apply it with `ecrplan apply {}`.",
                out.display(),
                out.display()
            );
        } else {
            eprintln!(
                "The plan has errors, so it was not saved to {}.",
                out.display()
            );
        }
    }
    Ok(status(plan, args.detailed_exitcode))
}

/// Terraform's exit codes: errors in the plan are a failure; changes are 2 only when asked.
pub fn status(plan: &Plan, detailed: bool) -> ExitStatus {
    if !plan.is_applyable() {
        ExitStatus::Failure
    } else if detailed && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    }
}

/// Saves the plan atomically, so `apply` never reads half a plan.
fn save(path: &Path, plan: &Plan) -> Result<()> {
    let text = serde_json::to_string_pretty(plan).into_diagnostic()? + "\n";
    ecrplan_model::write_atomically(path, text.as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write the plan to {}", path.display()))
}
