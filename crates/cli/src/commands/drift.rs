//! `ecrplan drift`: how the account differs from the configuration, for audit jobs.

use miette::{IntoDiagnostic, Result, miette};

use crate::cli::{DriftArgs, DriftFormat};
use crate::context;
use crate::exit::ExitStatus;
use crate::views::{sarif, view};

/// Runs `ecrplan drift`: exit 0 when the estate is in sync, 2 on drift (and, account-wide, on
/// unmanaged objects), 1 on an error — in every format. With `--format sarif`, a run that fails
/// still writes a SARIF document (the configuration's errors as results, any other failure as
/// a notification), as `plan` does, and the error goes to stderr too.
pub async fn run(args: DriftArgs) -> Result<ExitStatus> {
    match report(&args).await {
        Err(report) if args.format == DriftFormat::Sarif => {
            print!("{}", sarif::failure(&report));
            eprintln!("{report:?}");
            Ok(ExitStatus::Failure)
        }
        done => done,
    }
}

async fn report(args: &DriftArgs) -> Result<ExitStatus> {
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
    let rendered = match args.format.view() {
        Some(format) => view(
            format,
            context::color_enabled(),
            session.stats(args.account.stats),
        )
        .drift(&report),
        None => sarif::drift(
            &report,
            &session.loaded.locations,
            &sarif::directory_uri(&ecrplan_hcl::shown_path(&context::config_dir(
                &args.config.dir,
            ))),
        ),
    };
    print!("{rendered}");
    Ok(if report.in_sync() {
        ExitStatus::Success
    } else {
        ExitStatus::Changes
    })
}
