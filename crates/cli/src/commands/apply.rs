//! `ecrplan apply`.

use miette::Result;

use crate::cli::ApplyArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan apply`.
pub async fn run(_args: ApplyArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan apply` is not built yet"))
}
