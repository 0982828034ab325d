//! `ecrplan graph`.

use miette::Result;

use crate::cli::GraphArgs;
use crate::exit::ExitStatus;

/// Runs `ecrplan graph`.
pub async fn run(_args: GraphArgs) -> Result<ExitStatus> {
    Err(miette::miette!("`ecrplan graph` is not built yet"))
}
