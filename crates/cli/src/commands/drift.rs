//! `ecrplan drift`.

use miette::Result;

use crate::cli::DriftArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan drift`.
pub async fn run(_args: DriftArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan drift` is not built yet"))
}
