//! `ecrplan validate`.

use miette::Result;

use crate::cli::ValidateArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan validate`.
pub async fn run(_args: ValidateArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan validate` is not built yet"))
}
