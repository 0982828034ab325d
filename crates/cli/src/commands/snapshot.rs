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
    let declared: BTreeSet<String> = session.scope().repositories;
    let estate = session.loaded.estate.name.clone();
    for object in &mut live.objects {
        let Resource::Repository(repo) = &object.resource else {
            continue;
        };
        let owned = object.owner.as_ref().is_some_and(|o| o.estate == estate);
        if owned && !declared.contains(&repo.name) {
            let holds = session
                .provider
                .holds_images(&repo.name)
                .await
                .into_diagnostic()?;
            object.holds_images = Some(holds);
        }
    }
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
