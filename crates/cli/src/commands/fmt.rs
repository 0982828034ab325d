//! `ecrplan fmt`.

use miette::Result;

use crate::cli::FmtArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan fmt`.
pub async fn run(_args: FmtArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan fmt` is not built yet"))
}
