//! `ecrplan snapshot`: the live objects an estate touches, in the sandbox's file format, so a
//! plan can later run offline against them with `--sandbox FILE`.

use miette::{IntoDiagnostic, Result, WrapErr};

use crate::cli::SnapshotArgs;
use crate::context;
use crate::exit::ExitStatus;

/// Runs `ecrplan snapshot`.
pub async fn run(args: SnapshotArgs) -> Result<ExitStatus> {
    let session = context::open(&args.config, &[], &args.account).await?;
    let live = session.snapshot().await?;
    ecrplan_sandbox::write_snapshot(&args.out, &live)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "Wrote {} live objects to {}.",
        live.objects.len(),
        args.out.display()
    );
    session.report_stats(args.account.stats);
    Ok(ExitStatus::Success)
}
