//! `ecrplan snapshot`.

use miette::Result;

use crate::cli::SnapshotArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan snapshot`.
pub async fn run(_args: SnapshotArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan snapshot` is not built yet"))
}
