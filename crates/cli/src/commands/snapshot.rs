//! `ecrplan snapshot`: the live objects an estate touches, in the sandbox's file format, so a
//! plan can later run offline against them with `--sandbox FILE`.

use std::collections::BTreeSet;

use ecrplan_model::Resource;
use miette::{IntoDiagnostic, Result, WrapErr};

use crate::cli::SnapshotArgs;
use crate::context;
use crate::exit::ExitStatus;

/// Runs `ecrplan snapshot`.
pub async fn run(args: SnapshotArgs) -> Result<ExitStatus> {
    let session = context::open(&args.config, &args.account).await?;
    let mut live = session.live().await?;
    // An offline plan deletes owned repositories that are no longer declared, and whether they
    // hold images decides if it may: those, and only those, are checked now (a call each).
    let declared = session.scope().repositories;
    let estate = &session.loaded.estate.name;
    let undeclared: BTreeSet<String> = live
        .objects
        .iter()
        .filter(|o| {
            o.owner
                .as_ref()
                .is_some_and(|owner| &owner.estate == estate)
        })
        .filter_map(|o| match &o.resource {
            Resource::Repository(r) if !declared.contains(&r.name) => Some(r.name.clone()),
            _ => None,
        })
        .collect();
    session.check_images(&mut live, &undeclared).await?;
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
