//! `ecrplan drift`: how the account differs from the configuration, for audit jobs.

use miette::{IntoDiagnostic, Result, miette};

use crate::cli::DriftArgs;
use crate::context;
use crate::exit::ExitStatus;
use crate::views::view;

/// Runs `ecrplan drift`: exit 0 when the estate is in sync, 2 on drift (and, account-wide, on
/// unmanaged objects).
pub async fn run(args: DriftArgs) -> Result<ExitStatus> {
    if !args.target.modules.is_empty() {
        return Err(miette!(
            help = "run drift without --module; `plan --module` shows one module's changes",
            "drift reads the whole estate: a drift report of some modules could read in sync \
             while the rest has drifted"
        ));
    }
    let session = context::open(&args.config, &[], &args.account).await?;
    let live = session.refresh(args.account_wide).await?;
    session.report_stats(args.account.stats);
    let report =
        ecrplan_diff::drift(&session.loaded.estate, &live, args.account_wide).into_diagnostic()?;
    print!(
        "{}",
        view(
            args.format,
            context::color_enabled(),
            session.stats(args.account.stats)
        )
        .drift(&report)
    );
    Ok(if report.in_sync() {
        ExitStatus::Success
    } else {
        ExitStatus::Changes
    })
}
