//! `ecrplan show`.

use miette::Result;

use crate::cli::ShowArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan show`.
pub async fn run(_args: ShowArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan show` is not built yet"))
}
