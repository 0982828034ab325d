//! `ecrplan plan`.

use miette::Result;

use crate::cli::PlanArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan plan`.
pub async fn run(_args: PlanArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan plan` is not built yet"))
}
