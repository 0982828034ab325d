//! `ecrplan output`.

use miette::Result;

use crate::cli::OutputArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan output`.
pub async fn run(_args: OutputArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan output` is not built yet"))
}
